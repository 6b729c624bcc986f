//! Tick logs end to end: q's own logs (shared/fixtures/tplog-*) replayed through `-11!`
//! in the interpreter with the counts their EXPECTED.txt records, the damaged ones giving
//! q's `-11!(-2;x)` answers and `'badtail`, `qtick log repair` making them replay cleanly,
//! and logs written by `Journal` read back by `-11!`.

use qipc::K;
use qtick::journal::{self, chunk_bytes, Chunks, Journal, Next, HEADER};
use qtick::lang::eval::Interp;
use qtick::lang::QResult;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

/// One line of a fixture directory's EXPECTED.txt.
#[derive(Debug)]
struct Expected {
    file: PathBuf,
    bytes: u64,
    chunks: i64,
    valid: u64,
    clean: bool,
}

/// Parse lines like `dir/file (274944 bytes): ff01 general list/journal: header count 0;
/// 1696 complete chunks; valid bytes 274944 of 274944; clean`.
fn expected() -> Vec<Expected> {
    let mut out = Vec::new();
    for dir in [
        "tplog-sircsimbok-kdb4",
        "tplog-lukebrit27-tablepayload",
        "tplog-derived-badtail",
    ] {
        let text = std::fs::read_to_string(fixtures().join(dir).join("EXPECTED.txt"))
            .expect("fixture EXPECTED.txt");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (name, rest) = line.split_once(" (").expect("file name");
            let bytes = rest.split_once(' ').expect("size").0.parse().expect("size");
            let num_before = |tag: &str| -> i64 {
                let i = rest.find(tag).expect(tag);
                rest[..i].rsplit(' ').next().expect(tag).parse().expect(tag)
            };
            let chunks = num_before(" complete chunks");
            let valid = rest
                .split("valid bytes ")
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .expect("valid bytes")
                .parse()
                .expect("valid bytes");
            out.push(Expected {
                file: fixtures().join(name),
                bytes,
                chunks,
                valid,
                clean: rest.trim_end().ends_with("clean"),
            });
        }
    }
    assert_eq!(out.len(), 6, "fixture logs listed in EXPECTED.txt");
    out
}

/// A file symbol for `path` (built with `$ since a path may hold characters a symbol
/// literal stops at).
fn fsym(path: &Path) -> String {
    format!("(`$\":{}\")", path.display())
}

fn q(it: &mut Interp, src: &str) -> QResult {
    it.eval_str(src)
}

/// An interpreter whose `upd` keeps every call.
fn collecting() -> Interp {
    let mut it = Interp::new();
    q(&mut it, "got:();upd:{[t;x] got::got,enlist(t;x)}").expect("define upd");
    it
}

fn got(it: &mut Interp) -> Vec<K> {
    match q(it, "got").expect("got") {
        K::List(l) => l.items.to_vec(),
        k if k.is_empty() => Vec::new(),
        k => panic!("got is {k:?}"),
    }
}

/// Every chunk of a log as (value, raw bytes).
fn raw_chunks(path: &Path) -> Vec<(K, Vec<u8>)> {
    let mut c = Chunks::open(path).expect("open");
    let mut v = Vec::new();
    while let Next::Chunk { value, len, .. } = c.next_chunk().expect("read") {
        v.push((value, c.last_bytes(len).to_vec()));
    }
    v
}

#[test]
fn q_logs_replay_with_their_recorded_counts() {
    for e in expected() {
        assert_eq!(std::fs::metadata(&e.file).expect("fixture").len(), e.bytes);
        let f = fsym(&e.file);
        let mut it = collecting();
        let count = q(&mut it, &format!("-11!(-2;{f})")).expect("-11!(-2;x)");
        if e.clean {
            assert_eq!(count, K::long(e.chunks), "{}", e.file.display());
            let n = q(&mut it, &format!("-11!{f}")).expect("-11!x");
            assert_eq!(n, K::long(e.chunks));
            let calls = got(&mut it);
            assert_eq!(calls.len() as i64, e.chunks);
            // Each upd got (table;data) of its chunk.
            let chunks = raw_chunks(&e.file);
            for (call, (chunk, _)) in calls.iter().zip(&chunks) {
                let (K::List(c), K::List(k)) = (call, chunk) else {
                    panic!("shapes")
                };
                assert_eq!(c.items[..], k.items[1..]);
            }
            assert_eq!(
                q(&mut it, &format!("-11!(-1;{f})")).expect("-11!(-1;x)"),
                K::long(e.chunks)
            );
        } else {
            // q's corrupt-log answer: a general list (valid chunks; valid bytes).
            assert_eq!(
                count,
                K::list(vec![K::long(e.chunks), K::long(e.valid as i64)]),
                "{}",
                e.file.display()
            );
            let err = q(&mut it, &format!("-11!{f}")).expect_err("badtail");
            assert_eq!(&*err.msg, "badtail");
            // Chunks before the tail were replayed.
            assert_eq!(got(&mut it).len() as i64, e.chunks);
            let err = q(&mut it, &format!("-11!(-1;{f})")).expect_err("badtail");
            assert_eq!(&*err.msg, "badtail");
            // The valid chunks alone replay without error; one more meets the tail.
            q(&mut it, "got:()").expect("reset");
            let n = q(&mut it, &format!("-11!({};{f})", e.chunks)).expect("-11!(n;x)");
            assert_eq!(n, K::long(e.chunks));
            let err = q(&mut it, &format!("-11!({};{f})", e.chunks + 1)).expect_err("badtail");
            assert_eq!(&*err.msg, "badtail");
            assert_eq!(got(&mut it).len() as i64, 2 * e.chunks);
        }
    }
}

#[test]
fn chunks_decode_to_values_that_reencode_to_q_bytes() {
    for e in expected().iter().filter(|e| e.clean) {
        let chunks = raw_chunks(&e.file);
        assert_eq!(chunks.len() as i64, e.chunks);
        let mut end = HEADER.len();
        for (k, raw) in &chunks {
            assert_eq!(
                &chunk_bytes(k).expect("encode"),
                raw,
                "{}",
                e.file.display()
            );
            end += raw.len();
        }
        assert_eq!(end as u64, e.bytes);
    }
}

#[test]
fn first_tick_chunk_holds_the_documented_values() {
    // spec/tick.md §8.3: chunk 0 of schema2024.01.29 at offset 8, 166 bytes.
    let path = fixtures().join("tplog-sircsimbok-kdb4/schema2024.01.29");
    let mut it = collecting();
    q(&mut it, &format!("-11!(1;{})", fsym(&path))).expect("-11!(1;x)");
    assert_eq!(q(&mut it, "got[0;0]").expect("t"), K::sym("quote"));
    let x = q(&mut it, "got[0;1]").expect("x");
    assert_eq!(x.len(), 8);
    let text = qtick::lang::display::inline(&x, &Default::default());
    assert!(
        text.starts_with("(0D15:04:33.880106600 0D15:04:33.880106600;`META`MSFT;"),
        "{text}"
    );
    assert!(text.ends_with(";\"KB\";\"GG\")"), "{text}");
    let mut c = Chunks::open(&path).expect("open");
    match c.next_chunk().expect("read") {
        Next::Chunk { offset, len, .. } => assert_eq!((offset, len), (8, 166)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn table_payload_chunks_replay_as_tables() {
    let path = fixtures().join("tplog-lukebrit27-tablepayload/tp_2019.08.25");
    let mut it = collecting();
    assert_eq!(
        q(&mut it, &format!("-11!{}", fsym(&path))).expect("replay"),
        K::long(2)
    );
    assert_eq!(
        q(&mut it, "{type x 1} each got").expect("types"),
        K::shorts(vec![98, 98])
    );
    let s = journal::tool::stats(&path).expect("stats");
    assert_eq!(s.tables.get("Trade"), Some(&(2, 144)));
}

#[test]
fn stats_count_messages_per_table() {
    for e in expected().iter().filter(|e| e.clean && e.chunks > 0) {
        let s = journal::tool::stats(&e.file).expect("stats");
        let msgs: u64 = s.tables.values().map(|v| v.0).sum();
        assert_eq!(msgs as i64, e.chunks);
        assert!(s.other.is_empty());
    }
    let s = journal::tool::stats(&fixtures().join("tplog-sircsimbok-kdb4/schema2024.01.29"))
        .expect("stats");
    // The feed sent two rows per message.
    for (msgs, rows) in s.tables.values() {
        assert_eq!(*rows, 2 * msgs);
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qtick-journal-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn qtick(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qtick"))
        .args(args)
        .output()
        .expect("run qtick");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn log_repair_makes_damaged_logs_replay_cleanly() {
    let dir = temp_dir("repair");
    for e in expected().iter().filter(|e| !e.clean) {
        let name = e.file.file_name().expect("name");
        let copy = dir.join(name);
        std::fs::copy(&e.file, &copy).expect("copy");
        // Fixture files are read-only; the copy must be writable.
        let mut perm = std::fs::metadata(&copy).expect("meta").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(false);
        std::fs::set_permissions(&copy, perm).expect("chmod");
        let p = copy.to_str().expect("utf-8 path");

        let (code, out, _) = qtick(&["log", "check", p]);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains(&format!("is {} {}", e.chunks, e.valid)),
            "{out}"
        );

        let (code, out, err) = qtick(&["log", "repair", p]);
        assert_eq!(code, 0, "{out}{err}");
        let backup = dir.join(format!("{}.bak", name.to_string_lossy()));
        assert_eq!(
            std::fs::read(&backup).expect("backup"),
            std::fs::read(&e.file).expect("fixture")
        );
        assert_eq!(std::fs::metadata(&copy).expect("meta").len(), e.valid);

        let (code, out, _) = qtick(&["log", "check", p]);
        assert_eq!(code, 0, "{out}");
        let mut it = collecting();
        let f = fsym(&copy);
        assert_eq!(
            q(&mut it, &format!("-11!(-2;{f})")).expect("count"),
            K::long(e.chunks)
        );
        assert_eq!(
            q(&mut it, &format!("-11!{f}")).expect("replay"),
            K::long(e.chunks)
        );
        // The repaired log takes appends again.
        let mut j = Journal::create_or_open(&copy).expect("continue");
        assert_eq!(j.count(), e.chunks);
        j.append_value(&K::list(vec![
            K::sym("upd"),
            K::sym("quote"),
            K::list(vec![]),
        ]))
        .expect("append");
        drop(j);

        // A second repair of a clean log changes nothing and makes no backup.
        let (code, out, _) = qtick(&["log", "repair", p]);
        assert_eq!(code, 0);
        assert!(out.contains("nothing to repair"), "{out}");
        // A second damage gets a new backup name, never overwriting the first.
        let mut b = std::fs::read(&copy).expect("read");
        b.extend_from_slice(&[0, 0, 3, 0]);
        std::fs::write(&copy, &b).expect("damage");
        let (code, out, _) = qtick(&["log", "repair", p]);
        assert_eq!(code, 0, "{out}");
        let backups = std::fs::read_dir(&dir)
            .expect("ls")
            .filter_map(|d| d.ok())
            .filter(|d| {
                d.file_name()
                    .to_string_lossy()
                    .starts_with(&*format!("{}.bak", name.to_string_lossy()))
            })
            .count();
        assert_eq!(backups, 2);
        assert_eq!(
            journal::count_valid(&copy).expect("count").chunks,
            e.chunks + 1
        );
    }
}

#[test]
fn log_cat_prints_chunks_as_q_text() {
    let path = fixtures().join("tplog-sircsimbok-kdb4/schema2024.01.30");
    let (code, out, _) = qtick(&["log", "cat", "-n", "3", path.to_str().expect("path")]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l.starts_with("(`upd;`")), "{out}");
    let bad = fixtures().join("tplog-derived-badtail/schema2024.01.29.trunc7");
    let (code, out, err) = qtick(&["log", "cat", bad.to_str().expect("path")]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1695);
    assert!(err.contains("1695 274778"), "{err}");
    let (code, _, err) = qtick(&["log", "check", "/nonexistent/log"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn logs_we_write_are_read_back_by_replay() {
    let dir = temp_dir("write");
    let path = dir.join("sym2024.01.29");
    let mut it = collecting();
    // Values of many shapes, built by the interpreter.
    let values = q(
        &mut it,
        "((`upd;`trade;(0D09:30:00.000000001 0D09:30:01;`a`b;1 2f;10 20));\
          (`upd;`quote;(0D10:00;`c;1.5;2.5;100;200;\"N\";\"X\"));\
          (`upd;`t;([]a:1 2;b:`x`y));\
          (`upd;`u;(2024.01.29D10:00:00 2024.01.29D10:00:01;0x0102;(\"ab\";\"cde\");11:00 12:00)))",
    )
    .expect("values");
    let values = match values {
        K::List(l) => l.items.to_vec(),
        other => panic!("{other:?}"),
    };
    {
        let mut j = Journal::create_or_open(&path).expect("create");
        for v in &values {
            j.append(&chunk_bytes(v).expect("encode")).expect("append");
        }
        assert_eq!(j.count(), 4);
        j.sync().expect("sync");
    }
    assert_eq!(std::fs::read(&path).expect("read")[..8], HEADER);
    let f = fsym(&path);
    assert_eq!(
        q(&mut it, &format!("-11!(-2;{f})")).expect("count"),
        K::long(4)
    );
    assert_eq!(q(&mut it, &format!("-11!{f}")).expect("replay"), K::long(4));
    let calls = got(&mut it);
    assert_eq!(calls.len(), values.len());
    for (call, v) in calls.iter().zip(&values) {
        let (K::List(c), K::List(v)) = (call, v) else {
            panic!("shapes")
        };
        assert_eq!(c.items[..], v.items[1..]);
    }
    // A restarted writer continues the count (`.u.i`/`.u.j`) and the same file.
    let mut j = Journal::create_or_open(&path).expect("reopen");
    assert_eq!(j.count(), 4);
    j.append_value(&values[0]).expect("append");
    drop(j);
    assert_eq!(
        q(&mut it, &format!("-11!(-2;{f})")).expect("count"),
        K::long(5)
    );
}

#[test]
fn replay_signals_an_undefined_function_by_name() {
    let dir = temp_dir("undef");
    let path = dir.join("log");
    let mut j = Journal::create_or_open(&path).expect("create");
    j.append_value(&K::list(vec![K::sym("f"), K::sym("a"), K::long(10)]))
        .expect("append");
    j.append_value(&K::list(vec![K::sym("g"), K::long(1)]))
        .expect("append");
    drop(j);
    let f = fsym(&path);
    let mut it = Interp::new();
    q(&mut it, "seen:();f:{[x;y] seen::seen,enlist(x;y)}").expect("define f");
    let err = q(&mut it, &format!("-11!{f}")).expect_err("g is undefined");
    assert_eq!(&*err.msg, "g");
    assert_eq!(
        q(&mut it, "seen").expect("seen"),
        K::list(vec![K::list(vec![K::sym("a"), K::long(10)])])
    );
    // .z.ps, when set, receives every chunk instead.
    q(&mut it, "n:0;.z.ps:{n::n+1}").expect("define .z.ps");
    assert_eq!(q(&mut it, &format!("-11!{f}")).expect("replay"), K::long(2));
    assert_eq!(q(&mut it, "n").expect("n"), K::long(2));
    // Forms q refuses.
    assert_eq!(
        &*q(&mut it, &format!("-11!(-3;{f})"))
            .expect_err("domain")
            .msg,
        "domain"
    );
    assert_eq!(&*q(&mut it, "-11!`nocolon").expect_err("type").msg, "type");
    assert_eq!(&*q(&mut it, "-11!42").expect_err("type").msg, "type");
    assert_eq!(
        &*q(&mut it, &format!("-11!(1b;{f})")).expect_err("type").msg,
        "type"
    );
    assert_eq!(
        &*q(&mut it, &format!("-11!({f};1)")).expect_err("type").msg,
        "type"
    );
    assert_eq!(
        q(&mut it, &format!("-11!(1i;{f})")).expect("int n"),
        K::long(1)
    );
    let err = q(&mut it, "-11!`:/nonexistent/qtick/log").expect_err("missing");
    assert!(err.msg.contains("No such file"), "{}", err.msg);
}

#[test]
fn stream_forwards_the_requested_window() {
    let dir = temp_dir("stream");
    let path = dir.join("log");
    let mut j = Journal::create_or_open(&path).expect("create");
    for i in 0..10 {
        j.append_value(&K::list(vec![K::sym("upd"), K::sym("t"), K::long(i)]))
            .expect("append");
    }
    drop(j);
    let mut it = collecting();
    journal::q::install_stream(&mut it);
    // From the console (handle 0) the chunks are evaluated locally: chunks 4..7 of 10.
    let r = q(&mut it, &format!(".u.stream[{};3;7]", fsym(&path))).expect("stream");
    assert!(r.is_null());
    assert_eq!(
        q(&mut it, "{x 1} each got").expect("got"),
        K::longs(vec![3, 4, 5, 6])
    );
}

#[test]
fn salvage_keeps_the_chunks_after_a_damaged_region() {
    let dir = temp_dir("salvage");
    let original =
        std::fs::read(fixtures().join("tplog-sircsimbok-kdb4/schema2024.01.29")).expect("fixture");
    let corrupt = fixtures().join("tplog-derived-badtail/schema2024.01.29.corrupt-chunk101");
    let copy = dir.join("log");
    std::fs::write(&copy, std::fs::read(&corrupt).expect("fixture")).expect("copy");
    let r = journal::tool::salvage(&copy).expect("salvage");
    assert_eq!((r.before.chunks, r.before.valid_bytes), (100, 16210));
    // Chunk 101 (offset 16210, 166 bytes) is dropped; every other chunk is kept as it was.
    assert_eq!(r.dropped, vec![(16210, 16376)]);
    assert_eq!(r.kept, 1695);
    let mut want = original[..16210].to_vec();
    want.extend_from_slice(&original[16376..]);
    assert_eq!(std::fs::read(&copy).expect("salvaged"), want);
    assert_eq!(
        std::fs::read(r.backup.expect("backup")).expect("backup"),
        std::fs::read(&corrupt).expect("fixture")
    );

    // A damaged header and two damaged regions: the chunks between and after survive.
    let mut b = original.clone();
    b[0] = 0;
    b[20_000] ^= 0xff;
    b[100_000..100_010].fill(0xee);
    let copy2 = dir.join("log2");
    std::fs::write(&copy2, &b).expect("write");
    let r = journal::tool::salvage(&copy2).expect("salvage");
    assert_eq!(r.before.valid_bytes, 0);
    // The header's 8 bytes, and the one chunk each other region falls in.
    assert_eq!(r.dropped.len(), 3, "{:?}", r.dropped);
    assert_eq!(r.dropped[0], (0, 8));
    assert!(r.dropped[1].0 <= 20_000 && 20_000 < r.dropped[1].1);
    assert!(r.dropped[2].0 <= 100_000 && 100_010 <= r.dropped[2].1);
    let x = journal::count_valid(&copy2).expect("count");
    assert!(x.is_clean());
    assert_eq!(x.chunks, r.kept);
    assert_eq!(r.kept, 1694);
    let (code, out, _) = qtick(&["log", "repair", "--salvage", copy2.to_str().expect("path")]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to repair"), "{out}");
}
