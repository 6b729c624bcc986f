//! Wire codec benchmarks, each against a reference measured in the same run.
//!
//! Encode and decode of 1M longs, 1M floats, 1M symbols and a 1M-row trade table run next
//! to a plain copy of the same number of bytes (between two preallocated buffers, and into
//! a fresh `Vec`, since decoding must allocate), so the README can state the codec as a
//! fraction of memory bandwidth on whatever machine ran it. Compression and decompression
//! run next to the `kdb_codec` crate on the same message bytes, and whether its compressed
//! output equals ours is checked (outside the timed loops) and printed.
//!
//! Every benchmark reports `Throughput::Bytes` of the uncompressed message, so all
//! throughputs in one group are directly comparable, and is timed in thread CPU time
//! ([`CpuTime`]). `scripts/bench.sh` runs this and turns criterion's estimates into the
//! README table.

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use qipc::{compress, MsgType, Sym, K};
use std::time::Duration;

const N: usize = 1_000_000;

/// Time spent running on the CPU by the benchmark thread (user and kernel, so page faults
/// count), not wall time. The machine these run on is shared: under a neighbour's load a
/// wall clock also counts the time this thread waits for a core, which moves every
/// number by a factor that changes from one benchmark to the next and ruins the ratios.
/// Elsewhere than Linux it falls back to the wall clock.
struct CpuTime;

#[cfg(target_os = "linux")]
fn now() -> Duration {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    /// Linux's CLOCK_THREAD_CPUTIME_ID.
    const THREAD_CPUTIME: i32 = 3;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: glibc's clock_gettime with a valid clock id writes one timespec (two longs
    // on the 64-bit targets this runs on) through the pointer, which points at `t`.
    let rc = unsafe { clock_gettime(THREAD_CPUTIME, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(t.sec as u64, t.nsec as u32)
}

#[cfg(not(target_os = "linux"))]
fn now() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        now()
    }
    fn end(&self, start: Duration) -> Duration {
        now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuTimeFormat
    }
}

/// Values are nanoseconds; throughput is shown in GB/s or MB/s (powers of 10, as the
/// README reports it).
struct CpuTimeFormat;

impl ValueFormatter for CpuTimeFormat {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e3, "µs"),
            t if t < 1e9 => (1e6, "ms"),
            _ => (1e9, "s"),
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }

    fn scale_throughputs(
        &self,
        typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (per_item, unit) = match *throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => (n as f64, "B/s"),
            Throughput::Elements(n) => (n as f64, "elem/s"),
        };
        // items per second at the typical time decides the prefix for all values.
        let (div, prefixed) = match per_item * 1e9 / typical {
            r if r >= 1e9 => (1e9, if unit == "B/s" { "GB/s" } else { "Gelem/s" }),
            r if r >= 1e6 => (1e6, if unit == "B/s" { "MB/s" } else { "Melem/s" }),
            _ => (1.0, unit),
        };
        values
            .iter_mut()
            .for_each(|v| *v = per_item * 1e9 / *v / div);
        prefixed
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// xorshift64*: deterministic inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const TICKERS: [&str; 10] = [
    "AAPL", "MSFT", "GOOG", "AMZN", "IBM", "NVDA", "META", "TSLA", "JPM", "XOM",
];

/// `til 1000000`.
fn longs() -> K {
    K::longs((0..N as i64).collect())
}

/// A random walk of prices: full-precision doubles, as a feed's mid prices look on the wire.
fn floats(rng: &mut Rng) -> Vec<f64> {
    let mut p = 100.0;
    (0..N)
        .map(|_| {
            p += rng.unit() - 0.5;
            p
        })
        .collect()
}

/// `1000000?` a ten-ticker universe.
fn syms(rng: &mut Rng) -> Vec<Sym> {
    let pool: Vec<Sym> = TICKERS.iter().map(|&t| Sym::from(t)).collect();
    (0..N).map(|_| pool[rng.below(10) as usize]).collect()
}

/// `([] time:timespan; sym; price:float; size:long)`, one million rows of a trading day.
fn trade(rng: &mut Rng) -> K {
    let mut t = 9 * 3_600_000_000_000i64 + 30 * 60_000_000_000;
    let time: Vec<i64> = (0..N)
        .map(|_| {
            t += rng.below(40_000_000) as i64;
            t
        })
        .collect();
    let sym = syms(rng);
    // Prices on a cent grid around 100, as trades print.
    let price: Vec<f64> = (0..N)
        .map(|_| (9_000 + rng.below(2_000)) as f64 / 100.0)
        .collect();
    let size: Vec<i64> = (0..N).map(|_| 100 * (1 + rng.below(10) as i64)).collect();
    K::table(
        ["time", "sym", "price", "size"]
            .iter()
            .map(|&n| Sym::from(n))
            .collect(),
        vec![
            K::i64s_of(qipc::Ty::Timespan, time),
            K::syms(sym),
            K::floats(price),
            K::longs(size),
        ],
    )
}

struct Case {
    name: &'static str,
    k: K,
    /// Plain little-endian async message bytes of `k` (header included).
    msg: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ks = [
        ("longs", longs()),
        ("floats", K::floats(floats(&mut rng))),
        ("syms", K::syms(syms(&mut rng))),
        ("trade", trade(&mut rng)),
    ];
    ks.into_iter()
        .map(|(name, k)| {
            let msg = qipc::to_bytes(&k).expect("benchmark values are serializable");
            Case { name, k, msg }
        })
        .collect()
}

/// The peer's value for the same message, built by its own decoder; also checks that its
/// encoder gives back our payload bytes, so both sides really work on the same thing.
fn peer_value(c: &Case) -> kdb_codec::K {
    let k = kdb_codec::K::q_ipc_decode(&c.msg[8..], 1).expect("kdb_codec decodes our bytes");
    assert!(
        k.q_ipc_encode() == c.msg[8..],
        "{}: kdb_codec re-encodes to different bytes",
        c.name
    );
    k
}

fn memcpy_refs(g: &mut BenchmarkGroup<'_, CpuTime>, n: usize) {
    let src = vec![1u8; n];
    let mut dst = vec![0u8; n];
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&mut dst);
        })
    });
    g.bench_function("memcpy_fresh_vec", |b| {
        b.iter(|| black_box(black_box(&src[..]).to_vec()))
    });
}

fn codec(c: &mut Criterion<CpuTime>) {
    for case in cases() {
        let peer = peer_value(&case);
        let mut g = c.benchmark_group(format!("codec_{}", case.name));
        g.throughput(Throughput::Bytes(case.msg.len() as u64));
        memcpy_refs(&mut g, case.msg.len());

        let mut out = Vec::with_capacity(case.msg.len());
        qipc::encode_message_into(&case.k, MsgType::Async, 6, &mut out).expect("serializable");
        assert!(out == case.msg, "{}: encode_into output differs", case.name);
        g.bench_function("encode_into", |b| {
            b.iter(|| {
                out.clear();
                qipc::encode_message_into(black_box(&case.k), MsgType::Async, 6, &mut out)
                    .expect("serializable");
                black_box(&out);
            })
        });
        g.bench_function("encode_alloc", |b| {
            b.iter(|| black_box(qipc::to_bytes(black_box(&case.k)).expect("serializable")))
        });
        g.bench_function("decode", |b| {
            b.iter(|| black_box(qipc::decode_message(black_box(&case.msg)).expect("valid")))
        });
        // The peer's encoder writes the payload only (its header is added by its codec)
        // and its decoder reads the payload only, so it does 8 bytes less work per call.
        g.bench_function("kdb_codec_encode", |b| {
            b.iter(|| black_box(black_box(&peer).q_ipc_encode()))
        });
        g.bench_function("kdb_codec_decode", |b| {
            b.iter(|| {
                black_box(kdb_codec::K::q_ipc_decode(black_box(&case.msg[8..]), 1).expect("valid"))
            })
        });
        g.finish();
    }
}

fn compression(c: &mut Criterion<CpuTime>) {
    for case in cases() {
        drop(case.k);
        let msg = case.msg;
        let ours = compress::compress(&msg);
        let (peer_ok, peer_out) = kdb_codec::compress_sync(msg.clone());
        let same = match &ours {
            Some(o) => peer_ok && *o == peer_out,
            None => !peer_ok,
        };
        println!(
            "compress {}: {} bytes -> ours {}, kdb_codec {}; identical output: {}",
            case.name,
            msg.len(),
            ours.as_ref()
                .map_or("not compressed".to_string(), |o| o.len().to_string()),
            if peer_ok {
                peer_out.len().to_string()
            } else {
                "not compressed".to_string()
            },
            if same { "yes" } else { "NO" }
        );
        assert!(
            same,
            "{}: kdb_codec's compressed output differs from ours",
            case.name
        );

        let mut g = c.benchmark_group(format!("compress_{}", case.name));
        g.throughput(Throughput::Bytes(msg.len() as u64));
        // Both compressors are timed on identical terms: the input clone the peer needs
        // (it takes the message by value) is made outside the timed region, and both
        // outputs are dropped outside it.
        g.bench_function("ours", |b| {
            b.iter_batched(
                || (),
                |()| compress::compress(black_box(&msg)),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("kdb_codec", |b| {
            b.iter_batched(
                || msg.clone(),
                |m| kdb_codec::compress_sync(black_box(m)),
                BatchSize::LargeInput,
            )
        });
        g.finish();

        let Some(comp) = ours else { continue };
        let max = msg.len() as u64;
        let back = compress::decompress(&comp, max).expect("round trip");
        let peer_back = kdb_codec::decompress_sync(comp[8..].to_vec(), 1, None)
            .expect("kdb_codec decompresses");
        assert!(back == msg, "{}: round trip differs", case.name);
        assert!(
            peer_back == msg[8..],
            "{}: kdb_codec decompresses to different bytes",
            case.name
        );

        let mut g = c.benchmark_group(format!("decompress_{}", case.name));
        g.throughput(Throughput::Bytes(msg.len() as u64));
        g.bench_function("ours", |b| {
            b.iter_batched(
                || (),
                |()| compress::decompress(black_box(&comp), max).expect("valid"),
                BatchSize::LargeInput,
            )
        });
        let mut out = Vec::with_capacity(msg.len());
        g.bench_function("ours_into", |b| {
            b.iter(|| {
                compress::decompress_into(black_box(&comp), max, &mut out).expect("valid");
                black_box(&out);
            })
        });
        // The peer takes the stream after the 8-byte header, by value.
        g.bench_function("kdb_codec", |b| {
            b.iter_batched(
                || comp[8..].to_vec(),
                |c| kdb_codec::decompress_sync(black_box(c), 1, None).expect("valid"),
                BatchSize::LargeInput,
            )
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = codec, compression
}
criterion_main!(benches);
