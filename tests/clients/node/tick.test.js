// node-q 2.7.0 as a tickerplant subscriber with a sym filter, against `qtick tp`.
//
// One zero-latency, logging `qtick tp` whose test clock starts 1.5 s before midnight. A
// node-q subscriber calls `.u.sub[`trade;`AAPL`MSFT]` synchronously (with `.u.i` and
// `.u.L` in the same request, as r.q asks), then takes the async `upd` messages node-q
// emits as "upd" events and the `.u.end` that node-q hands to a pending `con.k(cb)`
// (it treats every async message other than `upd` as a response). A second node-q
// connection is the feed: async `.u.upd` calls with trade rows, trade columns and quote
// columns, every row carrying a unique sequence number, until well past midnight.
//
// Checked: the subscriber got exactly the AAPL/MSFT trade rows, one `upd` per feed
// message that had any, in order, nothing else; `.u.end` came once, with the old date,
// between the last old-day row and the first new-day row; the two logs (read back with
// `-11!` in `qtick q`) hold every feed message exactly once.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const nodeq = require("node-q");
const Long = require("long"); // node-q's own dependency, for long vectors

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = process.env.QTICK_BIN || path.join(ROOT, "target", "release", "qtick");
const REPLAY = path.join(__dirname, "..", "tick_replay.q");
const SYMS = ["IBM", "MSFT", "AAPL", "GOOG"];
const WANT = new Set(["AAPL", "MSFT"]);

function startTp(dir, env) {
	return new Promise((resolve, reject) => {
		const p = spawn(BIN, ["tp", "sym", ".", "-p", "127.0.0.1:0W"], {
			cwd: dir,
			env: { ...process.env, QTICK_PRINT_PORT: "1", QUDSPATH: "", ...env },
			stdio: ["ignore", "pipe", "pipe"],
		});
		let out = "";
		const timer = setTimeout(() => reject(new Error(`${BIN} tp printed no port`)), 60000);
		p.stdout.on("data", (d) => {
			out += d.toString();
			const nl = out.indexOf("\n");
			if (nl >= 0 && !p.port) {
				p.port = parseInt(out.slice(0, nl), 10);
				clearTimeout(timer);
				resolve(p);
			}
		});
		p.stderr.on("data", () => {});
		p.on("error", reject);
	});
}

function connect(port) {
	return new Promise((resolve, reject) => {
		nodeq.connect({ host: "127.0.0.1", port }, (err, con) => (err ? reject(err) : resolve(con)));
	});
}

function k(con, ...args) {
	return new Promise((resolve, reject) => {
		con.k(...args, (err, res) => (err ? reject(err) : resolve(res)));
	});
}

function ks(con, ...args) {
	return new Promise((resolve, reject) => {
		con.ks(...args, (err) => (err ? reject(err) : resolve()));
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// `-11!(-1;log)` in `qtick q` from the tickerplant's directory: [table, [seq...]] per chunk.
function replay(dir, log) {
	const out = execFileSync(BIN, ["q", REPLAY, "-1", log], { cwd: dir, env: { ...process.env, QUDSPATH: "" } })
		.toString().trim().split("\n");
	const last = out.pop();
	assert.match(last, /^count \d+$/, out.join("\n"));
	const chunks = out.map((l) => {
		const [t, ...seqs] = l.trim().split(/\s+/);
		return [t, seqs.map(Number)];
	});
	assert.strictEqual(Number(last.split(" ")[1]), chunks.length);
	return chunks;
}

// "2026.11.23" from a log path `:./sym2026.11.23`.
const dateOf = (log) => log.slice(-10);
const isoDate = (d) => d.toISOString().slice(0, 10).replace(/-/g, ".");

test("a node-q subscriber with a sym filter gets exactly its rows and .u.end across midnight", async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qtick-nodeq-tick-"));
	const tp = await startTp(dir, { QTICK_CLOCK_START: "23:59:58.500" });
	try {
		const sub = await connect(tp.port);
		const [pair, i0, log0] = await k(sub, "(.u.sub[`trade;`AAPL`MSFT];.u.i;.u.L)");
		assert.strictEqual(pair[0], "trade");
		assert.deepStrictEqual(pair[1], []); // the empty schema, as node-q flips tables
		assert.strictEqual(i0, 0);
		assert.match(log0, /^:\.\/sym\d{4}\.\d{2}\.\d{2}$/);

		const events = []; // ["upd", [seq...], [sym...]] and [".u.end", date]
		sub.on("upd", (t, rows) => {
			assert.strictEqual(t, "trade", "a table the subscriber did not ask for");
			events.push(["upd", rows.map((r) => r.size), rows.map((r) => r.sym)]);
		});
		const awaitEnd = () => sub.k((err, o) => {
			assert.ifError(err);
			assert.ok(Array.isArray(o) && o[0] === ".u.end", `unexpected async message ${JSON.stringify(o)}`);
			events.push([".u.end", o[1]]);
			awaitEnd(); // a second .u.end would be recorded, and fail the check below
		});
		awaitEnd();

		const feed = await connect(tp.port);
		const sent = []; // [table, [seq...], [sym...]] per feed message
		let seq = 0;
		const T = nodeq;
		const started = Date.now();
		for (let n = 0; Date.now() - started < 3500; n++) {
			if (n % 3 === 0) {
				const s = SYMS[n % 4];
				await ks(feed, ".u.upd", T.symbol("trade"), [T.symbol(s), T.float(1.5), T.int(seq), T.char("B")]);
				sent.push(["trade", [seq], [s]]);
				seq += 1;
			} else if (n % 3 === 1) {
				const syms = [0, 1, 2].map((i) => SYMS[(n + i) % 4]);
				const seqs = [seq, seq + 1, seq + 2];
				await ks(feed, ".u.upd", T.symbol("trade"),
					[T.symbols(syms), T.floats([1, 2, 3]), T.ints(seqs), "BSB"]);
				sent.push(["trade", seqs, syms]);
				seq += 3;
			} else {
				const syms = [SYMS[n % 4], SYMS[(n + 1) % 4]];
				const seqs = [seq, seq + 1];
				await ks(feed, ".u.upd", T.symbol("quote"), [T.symbols(syms), T.floats([1, 2]), T.floats([1.1, 2.1]),
					T.longs(seqs.map((x) => Long.fromNumber(x))), T.longs([Long.fromNumber(5), Long.fromNumber(6)]), "AB", "NN"]);
				sent.push(["quote", seqs, syms]);
				seq += 2;
			}
			await sleep(4);
		}
		// A sync call returns after every earlier async update was handled.
		const log1 = await k(feed, ".u.L");
		assert.ok(dateOf(log1) > dateOf(log0), `no new log after midnight: ${log0} then ${log1}`);

		// What the subscriber must see: the AAPL/MSFT trade rows of each feed message.
		const wanted = (msgs) => msgs.filter(([t]) => t === "trade")
			.map(([, seqs, syms]) => seqs.filter((_, i) => WANT.has(syms[i])))
			.filter((seqs) => seqs.length > 0);
		const old = replay(dir, log0);
		const fresh = replay(dir, log1);
		assert.ok(old.length > 0 && fresh.length > 0, "the feed did not span midnight");
		// The logs hold every feed message exactly once, in order.
		assert.deepStrictEqual(old.concat(fresh), sent.map(([t, seqs]) => [t, seqs]));
		const before = wanted(sent.slice(0, old.length));
		const after = wanted(sent.slice(old.length));

		const total = before.length + after.length + 1;
		for (let waited = 0; events.length < total && waited < 10000; waited += 20) {
			await sleep(20);
		}
		await sleep(200); // anything extra would arrive now
		const ends = events.map((e, i) => [e, i]).filter(([e]) => e[0] === ".u.end");
		assert.strictEqual(ends.length, 1, "one .u.end");
		const at = ends[0][1];
		assert.strictEqual(isoDate(ends[0][0][1]), dateOf(log0), ".u.end carries the old date");
		const upds = events.filter((e) => e[0] === "upd");
		for (const [, , syms] of upds) {
			assert.ok(syms.every((s) => WANT.has(s)), `unfiltered rows: ${syms}`);
		}
		assert.deepStrictEqual(events.slice(0, at).map((e) => e[1]), before, "old-day rows");
		assert.deepStrictEqual(events.slice(at + 1).map((e) => e[1]), after, "new-day rows");
		const rows = upds.reduce((n, e) => n + e[1].length, 0);
		console.log(`# ${sent.length} feed messages, ${old.length + fresh.length} log chunks, ` +
			`${upds.length} filtered upd messages (${rows} rows) and .u.end checked`);
		await new Promise((r) => feed.close(r));
		await new Promise((r) => sub.close(r));
	} finally {
		tp.kill();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
