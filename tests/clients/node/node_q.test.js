// node-q 2.7.0 (a pure JavaScript kdb+ client) against a live `qtick q -p` process.
// Run by scripts/test.sh as `node --test tests/clients/node/`; the binary is $QTICK_BIN
// or target/release/qtick. node-q maps q onto JavaScript types (README "Types": numbers
// are floats, strings char vectors, "`x" symbols, temporal values Dates), so values built
// here use its typed API when the q type matters, and q-built values are checked against
// what node-q documents they become.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const nodeq = require("node-q");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = process.env.QTICK_BIN || path.join(ROOT, "target", "release", "qtick");
const Q_VALUES = fs.readFileSync(path.join(__dirname, "..", "q_values.txt"), "utf8")
	.split("\n").filter((l) => l.trim() !== "");

function startServer(args = [], env = {}) {
	return new Promise((resolve, reject) => {
		const p = spawn(BIN, ["q", "-p", "127.0.0.1:0W", ...args], {
			env: { ...process.env, QTICK_PRINT_PORT: "1", QUDSPATH: "", ...env },
			stdio: ["pipe", "pipe", "pipe"],
		});
		let out = "";
		const timer = setTimeout(() => reject(new Error(`${BIN} printed no port`)), 60000);
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

function connect(params) {
	return new Promise((resolve, reject) => {
		nodeq.connect({ host: "127.0.0.1", ...params }, (err, con) => (err ? reject(err) : resolve(con)));
	});
}

// node-q sends a string that starts with a backtick as a symbol, so q text gets a leading
// space to stay a char vector.
const text = (e) => (e.startsWith("`") ? " " + e : e);

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

function close(con) {
	return new Promise((resolve) => con.close(() => resolve()));
}

// node-q converts temporal values with floating-point arithmetic (days and nanoseconds
// as JavaScript numbers), so a Date can come out 1 ms off; everything else must be exact.
function same(actual, expected, msg) {
	if (expected instanceof Date) {
		assert.ok(actual instanceof Date, `${msg}: not a Date: ${actual}`);
		assert.ok(Math.abs(actual - expected) <= 1, `${msg}: ${actual.toISOString()} vs ${expected.toISOString()}`);
	} else {
		assert.deepStrictEqual(actual, expected, msg);
	}
}

let server;
test.before(async () => {
	server = await startServer();
});
test.after(() => {
	assert.strictEqual(server.exitCode, null, "server died");
	server.kill();
});

test("connects without credentials and with a password file", async () => {
	let con = await connect({ port: server.port });
	assert.strictEqual(await k(con, "1+1"), 2);
	assert.strictEqual(await k(con, ".z.u"), "anonymous"); // node-q's default user
	await close(con);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qtick-nodeq-"));
	fs.writeFileSync(path.join(dir, "users.txt"), "alice:secret\nbob:5ebe2294ecd0e0f08eab7690d2a6ee69\n");
	const s = await startServer(["-u", path.join(dir, "users.txt")]);
	try {
		for (const user of ["alice", "bob"]) {
			con = await connect({ port: s.port, user, password: "secret" });
			assert.strictEqual(await k(con, ".z.u"), user);
			await close(con);
		}
		for (const [user, password] of [["alice", "wrong"], ["eve", "secret"]]) {
			await assert.rejects(connect({ port: s.port, user, password }), /wrong auth|ECONNRESET|closed/i);
		}
		await assert.rejects(connect({ port: s.port }), /wrong auth|ECONNRESET|closed/i);
	} finally {
		s.kill();
	}
});

test("every q-built value decodes", async () => {
	const con = await connect({ port: server.port });
	const bad = [];
	for (const e of Q_VALUES) {
		try {
			await k(con, text(e));
		} catch (err) {
			bad.push(`${e}: ${err.message}`);
		}
	}
	await close(con);
	assert.deepStrictEqual(bad, []);
	console.log(`# ${Q_VALUES.length} q-built values decoded by node-q`);
});

const EXACT = [
	["0b", false], ["1b", true], ["0x2a", 42], ["42h", 42], ["0Nh", null], ["42i", 42], ["0Wi", Infinity],
	["42", 42], ["0N", null], ["-0W", -Infinity], ["1.5e", 1.5], ["3.25", 3.25], ["0n", null], ["0w", Infinity],
	['"a"', "a"], ["`abc", "abc"], ["`", null], ['"hello"', "hello"],
	['"G"$"8c680a01-5a49-5aab-5a65-d4bfddb6a661"', "8c680a01-5a49-5aab-5a65-d4bfddb6a661"], ["0Ng", null],
	["010b", [false, true, false]], ["0x0102ff", [1, 2, 255]], ["1 2 0N -0W 0W", [1, 2, null, -Infinity, Infinity]],
	["`a`b``cde", ["a", "b", null, "cde"]], ['("ab";"c")', ["ab", "c"]],
	["(1;`a;\"b\")", [1, "a", "b"]], ["`a`b!1 2", { a: 1, b: 2 }],
	["([]a:1 2;b:`x`y)", [{ a: 1, b: "x" }, { a: 2, b: "y" }]],
	["2001.02.03", new Date(Date.UTC(2001, 1, 3))],
	["2001.02m", new Date(Date.UTC(2001, 1, 1))],
	["2001.02.03T04:05:06.007", new Date(Date.UTC(2001, 1, 3, 4, 5, 6, 7))],
	["2000.01.01D12:00:00.123", new Date(Date.UTC(2000, 0, 1, 12, 0, 0, 123))],
	["12:34:56.789", new Date(Date.UTC(2000, 0, 1, 12, 34, 56, 789))],
	["12:34", new Date(Date.UTC(2000, 0, 1, 12, 34))],
	["0Nd", null], ["0Np", null],
];

test("q values become the JavaScript values node-q documents", async () => {
	const con = await connect({ port: server.port });
	for (const [e, want] of EXACT) {
		same(await k(con, text(e)), want, e);
	}
	await close(con);
	console.log(`# ${EXACT.length} q expressions decoded to exactly the documented value`);
});

const T = nodeq;
const TYPED = [
	["boolean", T.boolean(true), -1], ["guid", T.guid("8c680a01-5a49-5aab-5a65-d4bfddb6a661"), -2],
	["byte", T.byte(42), -4], ["short", T.short(-42), -5], ["int", T.int(42), -6],
	["real", T.real(1.5), -8], ["float", T.float(2.5), -9], ["char", T.char("a"), -10],
	["symbol", T.symbol("sym"), -11], ["timestamp", T.timestamp(new Date(Date.UTC(2001, 1, 3, 4, 5, 6, 7))), -12],
	["month", T.month(new Date(Date.UTC(2001, 1, 1))), -13], ["date", T.date(new Date(Date.UTC(2001, 1, 3))), -14],
	["datetime", T.datetime(new Date(Date.UTC(2001, 1, 3, 4, 5, 6, 7))), -15],
	["minute", T.minute(new Date(Date.UTC(2000, 0, 1, 12, 34))), -17],
	["second", T.second(new Date(Date.UTC(2000, 0, 1, 12, 34, 56))), -18],
	["time", T.time(new Date(Date.UTC(2000, 0, 1, 12, 34, 56, 789))), -19],
	["booleans", T.booleans([true, false]), 1], ["bytes", T.bytes([1, 2]), 4], ["shorts", T.shorts([1, 2]), 5],
	["ints", T.ints([1, 2]), 6], ["reals", T.reals([1.5, 2]), 8], ["floats", T.floats([1.5, 2]), 9],
	["symbols", T.symbols(["a", "b"]), 11], ["dates", T.dates([new Date(Date.UTC(2001, 1, 3))]), 14],
	["times", T.times([new Date(Date.UTC(2000, 0, 1, 0, 0, 1))]), 19],
	["js number", 1.5, -9], ["js string", "abc", 10], ["js symbol", "`abc", -11], ["js boolean", true, -1],
	["js array", [1, 2], 9], ["js mixed array", [1, "a"], 0], ["js object", { a: 1, b: 2 }, 99],
	["js null", null, 101],
];

test("values built with node-q echo back with the right q type", async () => {
	const con = await connect({ port: server.port });
	for (const [name, v, want] of TYPED) {
		assert.strictEqual(await k(con, "type", v), want, name);
		const back = await k(con, "{x}", v);
		const plain = nodeq.isTyped && nodeq.isTyped(v) ? v.value() : (v && v.value ? v.value() : v);
		const expected = name === "js symbol" ? "abc" : plain;
		same(back, expected, name);
	}
	await close(con);
	console.log(`# ${TYPED.length} node-q-built values echoed with the right q type`);
});

test("sync and async calls, string and symbol forms, errors", async () => {
	const con = await connect({ port: server.port });
	assert.strictEqual(await k(con, "1+2"), 3);
	assert.strictEqual(await k(con, "{x+y}", 1, 2), 3);              // ("{x+y}";1f;2f)
	await k(con, "nqf:{x*y};");
	assert.strictEqual(await k(con, "`nqf", 6, 7), 42);              // (`nqf;6f;7f)
	assert.strictEqual(await k(con, "nqf", 6, 7), 42);               // ("nqf";6f;7f)
	await ks(con, "nqa::5");
	await ks(con, "{nqb::x+y}", 40, 2);
	await ks(con, "`nqf", 3, 3);
	assert.deepStrictEqual(await k(con, "(nqa;nqb)"), [5, 42]);
	for (const [e, text] of [["1+`a", "type"], ["nosuchname", "nosuchname"], ["'`custom", "custom"]]) {
		await assert.rejects(k(con, e), (err) => err.message === text);
	}
	assert.strictEqual(await k(con, "1+1"), 2);
	await close(con);
});

test("10 MB each way and compressed responses", async () => {
	const z = await startServer([], { QTICK_COMPRESS_LOCAL: "1" });
	try {
		for (const [s, compress] of [[server, false], [z, true]]) {
			const con = await connect({ port: s.port });
			let sawCompressed = false;
			con.socket.on("data", (b) => {
				if (b.length >= 8 && b[0] === 1 && b[1] === 2 && b[2] === 1) sawCompressed = true;
			});
			const r = await k(con, "10000000#0x2a");
			assert.strictEqual(r.length, 10000000);
			assert.ok(r.every((x) => x === 42));
			const t = await k(con, "til 100000");
			assert.strictEqual(t.length, 100000);
			assert.strictEqual(t[99999], 99999);
			assert.strictEqual(sawCompressed, compress, `compressed=${compress}`);
			const up = new Array(1250000).fill(1.5);
			assert.deepStrictEqual(await k(con, "{(count x;sum x)}", up), [1250000, 1875000]);
			await close(con);
		}
	} finally {
		z.kill();
	}
});

test("50 concurrent clients", async () => {
	const n = 50;
	const calls = 40;
	await Promise.all(Array.from({ length: n }, async (_, c) => {
		const con = await connect({ port: server.port });
		for (let i = 0; i < calls; i++) {
			assert.strictEqual(await k(con, "{x+y}", c, i), c + i);
		}
		await close(con);
	}));
	console.log(`# ${n * calls} concurrent node-q calls answered correctly`);
});
