//! The `qtick` command line: one binary, one subcommand per process role.

use clap::{Parser, Subcommand};
use qipc::{MsgType, K};
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "qtick", version, about = "kdb+tick in Rust")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// A q process: `qtick q [script.q] [-p port] [-u|-U file] [-t ms] [-o hours] [-E 0|1|2]
    /// [--max-message bytes] [--max-conns n] [--idle-timeout secs] [--max-unread bytes]
    /// [args]`, command-line flags as q reads them.
    ///
    /// q's flags: -p [host:]port (0W: any free port), -u/-U password file, -t timer ms,
    /// -o UTC offset hours, -P display precision, -E TLS mode: 0 plain only (default),
    /// 1 plain and TLS on the same port, 2 TLS only. TLS reads q's environment settings
    /// (a KX_ prefix wins): SSL_CERT_FILE and SSL_KEY_FILE (PEM; default server-crt.pem
    /// and server-key.pem in the OpenSSL directory, /usr/lib/ssl on Debian),
    /// SSL_CA_CERT_FILE / SSL_CA_CERT_PATH (trusted CAs), SSL_VERIFY_CLIENT=YES (ask
    /// clients for a certificate), SSL_VERIFY_SERVER=NO (hopen `:tcps://host:port without
    /// checking the server's certificate). With -E 1 or 2 and no usable certificate the
    /// process refuses to start.
    ///
    /// Limits of the port (qtick's own; each refusal is logged on stderr). Sizes take a
    /// k, m or g suffix (powers of 1024):
    ///
    /// --max-message BYTES: largest message accepted from a peer; a larger one closes the
    /// connection after .z.bm (default 16g).
    ///
    /// --max-conns N: most connections at once; more are closed on accept (default 4096).
    ///
    /// --idle-timeout SECS: close a connection after SECS seconds with no traffic either way
    /// while none of its messages is waiting (default 0: never).
    ///
    /// --max-unread BYTES: bytes queued for one peer that has not read them, past which the
    /// next message closes the handle instead (default 128m).
    Q {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// A tickerplant, as `q tick.q SRC [DST] [-p port] [-t ms]`:
    /// `qtick tp SRC [DST] [-p port] [-t ms] [-o hours] [--load file.q]...
    /// [--sub-limit bytes] [--sub-checks n] [--sub-interval ms] [--fsync]`.
    Tp {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Wire-format tools: encode/decode messages as q's -8!/-9!/-18!/-22! would.
    Ipc {
        #[command(subcommand)]
        op: IpcOp,
    },
    /// Tick log (journal) tools. Exit status: 0 clean, 1 bad tail, 2 could not read.
    Log {
        #[command(subcommand)]
        op: LogOp,
    },
}

#[derive(Subcommand)]
enum LogOp {
    /// Report valid chunks and bytes, and whether the file ends in a bad tail.
    Check { file: PathBuf },
    /// Cut a bad tail back to the last valid chunk, first copying the file to FILE.bak
    /// (or FILE.bak.<unix seconds> when that exists).
    Repair {
        file: PathBuf,
        /// Keep the valid chunks after each damaged region too (chunks are recognised as
        /// (`name;...) lists); the original is renamed to the backup.
        #[arg(long)]
        salvage: bool,
    },
    /// Print each chunk as q text, one per line.
    Cat {
        file: PathBuf,
        /// Only the first N chunks.
        #[arg(short = 'n', long)]
        limit: Option<u64>,
        /// Prefix each chunk with its number, byte offset and length.
        #[arg(long)]
        offsets: bool,
    },
    /// Messages and rows per table.
    Stats { file: PathBuf },
    /// Append the value of each q expression (arguments, else stdin lines) as one chunk,
    /// creating the log (with q's header) if needed.
    Append { file: PathBuf, exprs: Vec<String> },
}

#[derive(Subcommand)]
enum IpcOp {
    /// Decode a hex message (header included; compressed accepted) and print its type and size.
    Decode { hex: String },
    /// Compress hex messages as -18! does and print the sizes; with no HEX, read one
    /// message per line from stdin.
    Compress {
        hex: Option<String>,
        /// Print the resulting message (compressed when q would compress it) as hex.
        #[arg(long = "hex")]
        print_hex: bool,
    },
    /// Print a sweep of values of every type and shape, one JSON line each:
    /// {"name","type","count","cap","hex"} plus "libe_hex" (the value with its lambdas as
    /// text, what KX's C library reads back) and "error" for error responses.
    Sweep,
    /// Decode hex messages from stdin (one per line, compressed allowed) and print each
    /// one's re-encoding as a JSON line: {"ok":true,"hex","type","count","size"} or
    /// {"ok":false,"error"}.
    Reencode,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Q { args } => q_process(args),
        Cmd::Tp { args } => qtick::tick::cli::main(&args),
        Cmd::Ipc { op } => match ipc(op) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("'{e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Log { op } => log(op),
    }
}

/// `qtick log ...`: 0 when the log is clean (or was repaired), 1 for a bad tail, 2 when
/// the file could not be read or written.
fn log(op: LogOp) -> ExitCode {
    use qtick::journal::tool;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (r, file) = match op {
        LogOp::Check { file } => (tool::check(&file, &mut out), file),
        LogOp::Cat {
            file,
            limit,
            offsets,
        } => (tool::cat(&file, limit, offsets, &mut out), file),
        LogOp::Stats { file } => (
            tool::stats(&file).and_then(|s| {
                tool::print_stats(&file, &s, &mut out)?;
                Ok(s.extent.is_some_and(|x| x.is_clean()))
            }),
            file,
        ),
        LogOp::Append { file, exprs } => {
            let exprs = if exprs.is_empty() {
                std::io::stdin()
                    .lock()
                    .lines()
                    .map_while(Result::ok)
                    .collect()
            } else {
                exprs
            };
            (
                tool::append_exprs(&file, exprs).and_then(|n| {
                    writeln!(out, "{}: {n} chunks", file.display())?;
                    Ok(true)
                }),
                file,
            )
        }
        LogOp::Repair {
            file,
            salvage: true,
        } => (
            tool::salvage(&file).and_then(|r| {
                writeln!(out, "{}", tool::describe(&file, &r.before))?;
                if let Some(b) = &r.backup {
                    writeln!(out, "backup: {}", b.display())?;
                    for (from, to) in &r.dropped {
                        writeln!(out, "dropped bytes {from}..{to} ({} bytes)", to - from)?;
                    }
                    let after = qtick::journal::count_valid(&file)?;
                    writeln!(out, "salvaged: {}", tool::describe(&file, &after))?;
                } else {
                    writeln!(out, "nothing to repair")?;
                }
                Ok(true)
            }),
            file,
        ),
        LogOp::Repair {
            file,
            salvage: false,
        } => (
            tool::repair(&file).and_then(|r| {
                match &r.backup {
                    None => writeln!(
                        out,
                        "{}; nothing to repair",
                        tool::describe(&file, &r.before)
                    )?,
                    Some(b) => {
                        writeln!(out, "{}", tool::describe(&file, &r.before))?;
                        writeln!(out, "backup: {}", b.display())?;
                        let after = qtick::journal::count_valid(&file)?;
                        writeln!(out, "repaired: {}", tool::describe(&file, &after))?;
                    }
                }
                Ok(true)
            }),
            file,
        ),
    };
    let flushed = out.flush();
    match (r, flushed) {
        (Ok(clean), Ok(())) => {
            if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{}: {e}", file.display());
            ExitCode::from(2)
        }
    }
}

/// q's command line: the first plain argument is the script; `-p`, `-u`, `-U`, `-t`, `-o`
/// are the process's own; everything else is left for `.z.x`.
fn q_process(args: Vec<String>) -> ExitCode {
    use qtick::lang::{console, eval::Interp};
    qtick::memory::keep_freed_memory();
    let mut it = Interp::new();
    let mut cfg = qtick::server::Config::default();
    let mut script = None;
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let val = args.get(i + 1).cloned();
        match a.as_str() {
            "-p" | "-u" | "-U" | "-t" | "-o" | "-s" | "-w" | "-c" | "-C" | "-E" | "-T" | "-P"
                if val.is_some() =>
            {
                let v = val.unwrap_or_default();
                match a.as_str() {
                    "-p" => cfg.listen = Some(v),
                    "-u" | "-U" => cfg.users_file = Some(v),
                    "-t" => it.timer_ms = v.parse().unwrap_or(0),
                    "-o" => it.utc_offset_ns = v.parse::<i64>().unwrap_or(0) * 3_600_000_000_000,
                    "-P" => it.opts.precision = v.parse().unwrap_or(7),
                    // Secondary threads for the large-vector kernels (q's -s; a negative
                    // count, q's secondary processes, is taken as that many threads).
                    "-s" => {
                        if let Ok(n) = v.parse::<i64>() {
                            qtick::lang::prims::par::set_threads(n.unsigned_abs() as usize);
                        }
                    }
                    "-E" => match qtick::server::tls::Mode::parse(&v) {
                        Some(m) => cfg.tls_mode = m,
                        None => {
                            eprintln!("qtick: -E {v}: the TLS mode is 0, 1 or 2");
                            return ExitCode::FAILURE;
                        }
                    },
                    _ => {}
                }
                i += 2;
                continue;
            }
            "--max-message" | "--max-conns" | "--idle-timeout" | "--max-unread" => {
                let Some(n) = val.as_deref().and_then(parse_size) else {
                    eprintln!(
                        "qtick: {a} needs a number (sizes may end in k, m or g), got {:?}",
                        val.unwrap_or_default()
                    );
                    return ExitCode::FAILURE;
                };
                match a.as_str() {
                    "--max-message" => cfg.max_message = n,
                    "--max-conns" => cfg.max_conns = usize::try_from(n).unwrap_or(usize::MAX),
                    "--idle-timeout" => {
                        cfg.idle_timeout = (n > 0).then(|| std::time::Duration::from_secs(n))
                    }
                    _ => cfg.max_queue = usize::try_from(n).unwrap_or(usize::MAX),
                }
                i += 2;
                continue;
            }
            _ if script.is_none() && rest.is_empty() && !a.starts_with('-') => {
                script = Some(a.clone())
            }
            _ => rest.push(a.clone()),
        }
        i += 1;
    }
    it.args = rest;
    let hub = match qtick::server::Hub::new(cfg.clone()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("'{e}");
            return ExitCode::FAILURE;
        }
    };
    if cfg.listen.is_some() {
        if let Err(e) = hub.listen() {
            eprintln!("'{e}: {}", cfg.listen.clone().unwrap_or_default());
            return ExitCode::FAILURE;
        }
    }
    it.net = Some(std::sync::Arc::new(qtick::server::HubNet(hub.clone())));
    if let Some(path) = script {
        it.script = qipc::Sym::from_text(&path);
        match std::fs::read(&path) {
            Ok(text) => {
                if let Err(e) = console::load_script(&mut it, &String::from_utf8_lossy(&text)) {
                    println!("{e}");
                }
            }
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
    qtick::server::run(&mut it, &hub, true);
    ExitCode::SUCCESS
}

/// A count or a size in bytes: digits with an optional k, m or g (powers of 1024).
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, shift) = match s.as_bytes().last()?.to_ascii_lowercase() {
        b'k' => (&s[..s.len() - 1], 10),
        b'm' => (&s[..s.len() - 1], 20),
        b'g' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n: u64 = digits.parse().ok()?;
    n.checked_mul(1u64 << shift)
}

fn ipc(op: IpcOp) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match op {
        IpcOp::Decode { hex } => {
            let bytes = unhex(&hex)?;
            let k = qipc::from_bytes(&bytes).map_err(|e| e.to_string())?;
            writeln!(
                out,
                "type {}h, count {}, -22! {}",
                k.wire_type(),
                k.len(),
                qipc::serialized_len(&k)
            )
            .map_err(io)?;
            writeln!(out, "{k:?}").map_err(io)?;
        }
        IpcOp::Compress { hex, print_hex } => {
            let one = |out: &mut BufWriter<_>, line: &str| -> Result<(), String> {
                let bytes = unhex(line)?;
                let z = qipc::compress::compress(&bytes);
                if print_hex {
                    writeln!(out, "{}", tohex(z.as_deref().unwrap_or(&bytes))).map_err(io)
                } else {
                    match z {
                        Some(c) => writeln!(out, "{} -> {} bytes", bytes.len(), c.len()),
                        None => writeln!(out, "{} bytes: sent uncompressed", bytes.len()),
                    }
                    .map_err(io)
                }
            };
            match hex {
                Some(h) => one(&mut out, &h)?,
                None => {
                    for line in std::io::stdin().lock().lines() {
                        one(&mut out, &line.map_err(io)?)?;
                    }
                }
            }
        }
        IpcOp::Sweep => {
            for case in qtick::ipc_sweep::sweep() {
                writeln!(out, "{}", sweep_line(&case.name, &case.value)?).map_err(io)?;
            }
        }
        IpcOp::Reencode => {
            for line in std::io::stdin().lock().lines() {
                writeln!(out, "{}", reencode_line(&line.map_err(io)?)).map_err(io)?;
            }
        }
    }
    out.flush().map_err(io)
}

fn io(e: std::io::Error) -> String {
    e.to_string()
}

/// q sends an error object only as a response; everything else goes as `-8!` does (async).
fn msg_type_for(k: &K) -> MsgType {
    if matches!(k, K::Error(_)) {
        MsgType::Response
    } else {
        MsgType::Async
    }
}

fn sweep_line(name: &str, k: &K) -> Result<String, String> {
    let mt = msg_type_for(k);
    let bytes = qipc::encode_message(k, mt, 6).map_err(|e| format!("{name}: {e}"))?;
    // The lowest capability a peer needs to take this value (guid 3, timestamp/timespan 1).
    let cap = (0..=6u8)
        .find(|&c| qipc::encode_message(k, mt, c).is_ok())
        .unwrap_or(6);
    let mut line = format!(
        "{{\"name\":{},\"type\":{},\"count\":{},\"cap\":{},\"hex\":\"{}\"",
        json_str(name),
        k.wire_type(),
        k.len(),
        cap,
        tohex(&bytes)
    );
    if let Some(t) = qtick::ipc_sweep::lambdas_as_text(k) {
        let b = qipc::encode_message(&t, mt, 6).map_err(|e| format!("{name}: {e}"))?;
        line.push_str(&format!(",\"libe_hex\":\"{}\"", tohex(&b)));
    }
    if let K::Error(text) = k {
        line.push_str(&format!(",\"error\":{}", json_str(text)));
    }
    line.push('}');
    Ok(line)
}

fn reencode_line(line: &str) -> String {
    let fail = |e: String| format!("{{\"ok\":false,\"error\":{}}}", json_str(&e));
    let bytes = match unhex(line) {
        Ok(b) => b,
        Err(e) => return fail(format!("badmsg (not hex: {e})")),
    };
    let (h, k) = match qipc::decode_message(&bytes) {
        Ok(x) => x,
        Err(e) => return fail(e.to_string()),
    };
    match qipc::encode_message(&k, h.msg_type, 6) {
        Ok(again) => format!(
            "{{\"ok\":true,\"hex\":\"{}\",\"type\":{},\"count\":{},\"size\":{}}}",
            tohex(&again),
            k.wire_type(),
            k.len(),
            qipc::serialized_len(&k)
        ),
        Err(e) => fail(e.to_string()),
    }
}

/// A JSON string literal (RFC 8259 escapes; non-ASCII passes through as UTF-8).
fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn tohex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(DIGITS[(x >> 4) as usize] as char);
        s.push(DIGITS[(x & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim().trim_start_matches("0x");
    if !s.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    if !s.is_ascii() {
        return Err("not hex".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}
