//! `qtick tp`: the command line of `q tick.q SRC [DST] [-p port] [-t ms] [-o hours]`.
//!
//! Loads the schema script (`tick/SRC.q` under the working directory as tick.q does,
//! else `q-scripts/SRC.q`, else the bundled `sym.q` for `sym`), makes the process a
//! tickerplant and runs its message loop. Options beyond q's own set the
//! slow-subscriber policy, durability, and q scripts to load afterwards (hooks).

use super::{clock, Options, Policy};
use crate::lang::{console, eval::Interp};
use std::process::ExitCode;
use std::time::Duration;

/// The schema tick.q's example uses, shipped as `q-scripts/sym.q`.
pub const SYM_Q: &str = include_str!("../../q-scripts/sym.q");

/// Help text for the options q does not have.
pub const USAGE: &str = "qtick tp SRC [DST] [-p port] [-t ms] [-o hours] [-u|-U file] \
[--load file.q]... [--sub-limit bytes[KB|MB|GB]] [--sub-checks n] [--sub-interval ms] [--fsync]";

/// Parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    pub opts: Options,
    pub listen: String,
    pub timer_ms: u64,
    pub utc_hours: Option<i64>,
    pub users_file: Option<String>,
    pub loads: Vec<String>,
    /// `.z.x`: SRC, DST and what the command line did not recognise.
    pub zx: Vec<String>,
}

/// `100MB`, `512KB`, `1048576`.
fn parse_size(s: &str) -> Option<usize> {
    let u = s.trim().to_ascii_uppercase();
    let (num, mul) = [
        ("GB", 1usize << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
        ("B", 1),
    ]
    .iter()
    .find_map(|(suf, m)| u.strip_suffix(suf).map(|n| (n.to_string(), *m)))
    .unwrap_or((u.clone(), 1));
    num.trim().parse::<usize>().ok()?.checked_mul(mul)
}

pub fn parse(args: &[String]) -> Result<Args, String> {
    let mut plain: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    let mut a = Args {
        opts: Options {
            src: "sym".into(),
            dst: None,
            policy: Policy::default(),
            fsync: false,
        },
        listen: "5010".into(),
        timer_ms: 0,
        utc_hours: None,
        users_file: None,
        loads: Vec::new(),
        zx: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let val = args.get(i + 1).cloned();
        let need = || {
            val.clone()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        let bad = |v: &str| format!("{flag} {v}: bad value\n{USAGE}");
        match flag {
            "-p" => a.listen = need()?,
            "-t" => {
                let v = need()?;
                a.timer_ms = v.parse().map_err(|_| bad(&v))?;
            }
            "-o" => {
                let v = need()?;
                a.utc_hours = Some(v.parse().map_err(|_| bad(&v))?);
            }
            "-u" | "-U" => a.users_file = Some(need()?),
            "--load" => a.loads.push(need()?),
            "--sub-limit" => {
                let v = need()?;
                a.opts.policy.max_bytes = parse_size(&v).ok_or_else(|| bad(&v))?;
            }
            "--sub-checks" => {
                let v = need()?;
                a.opts.policy.checks = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| bad(&v))?;
            }
            "--sub-interval" => {
                let v = need()?;
                let ms: u64 = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| bad(&v))?;
                a.opts.policy.interval = Duration::from_millis(ms);
            }
            "--fsync" => {
                a.opts.fsync = true;
                i += 1;
                continue;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            f if f.starts_with('-') && f.len() > 1 => {
                // A q flag we do not use (-s, -w, -c ...): it and its value go to .z.x.
                rest.push(f.to_string());
                if let Some(v) = val {
                    rest.push(v);
                }
                i += 2;
                continue;
            }
            _ => {
                plain.push(args[i].clone());
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    if let Some(s) = plain.first() {
        a.opts.src = s.clone();
    }
    a.opts.dst = plain.get(1).cloned().filter(|d| !d.is_empty());
    a.zx = plain;
    a.zx.extend(rest);
    Ok(a)
}

/// The schema script's text: `tick/SRC.q`, `q-scripts/SRC.q`, or the bundled `sym.q`.
pub fn schema_text(src: &str) -> Result<(String, String), String> {
    for p in [format!("tick/{src}.q"), format!("q-scripts/{src}.q")] {
        if let Ok(t) = std::fs::read(&p) {
            return Ok((p, String::from_utf8_lossy(&t).into_owned()));
        }
    }
    if src == "sym" {
        return Ok(("(bundled sym.q)".into(), SYM_Q.to_string()));
    }
    Err(format!(
        "tick/{src}.q: no such file (nor q-scripts/{src}.q)"
    ))
}

/// `qtick tp ...`.
pub fn main(args: &[String]) -> ExitCode {
    let a = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(a: Args) -> Result<(), String> {
    let mut it = Interp::new();
    it.timer_ms = a.timer_ms;
    if let Some(h) = a.utc_hours {
        it.utc_offset_ns = h * 3_600_000_000_000;
    }
    it.utc_offset_ns += clock::offset_from_env(it.utc_offset_ns)?;
    it.args = a.zx.clone();
    let (path, text) = schema_text(&a.opts.src)?;
    console::load_script(&mut it, &text).map_err(|e| format!("{path}: {e}"))?;
    let mut cfg = crate::server::Config {
        listen: Some(a.listen.clone()),
        users_file: a.users_file.clone(),
        ..Default::default()
    };
    // The policy decides when a slow subscriber goes; the port's own bound is only the
    // backstop against a burst far past it.
    cfg.max_queue = cfg
        .max_queue
        .max(1 << 30)
        .max(a.opts.policy.max_bytes.saturating_mul(8));
    let hub = crate::server::Hub::new(cfg).map_err(|e| format!("'{e}"))?;
    hub.listen().map_err(|e| format!("'{e}: {}", a.listen))?;
    it.net = Some(std::sync::Arc::new(crate::server::HubNet(hub.clone())));
    super::install(&mut it, hub.clone(), &a.opts).map_err(|e| e.to_string())?;
    for f in &a.loads {
        let text = std::fs::read(f).map_err(|e| format!("{f}: {e}"))?;
        if let Err(e) = console::load_script(&mut it, &String::from_utf8_lossy(&text)) {
            eprintln!("{f}: {e}");
        }
    }
    crate::server::run(&mut it, &hub, true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn command_line_as_tick_q_reads_it() {
        let a = parse(&args(
            "sym /tmp/logs -p 5011 -t 100 --sub-limit 1MB --sub-checks 2",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.opts.src, "sym");
        assert_eq!(a.opts.dst.as_deref(), Some("/tmp/logs"));
        assert_eq!(a.listen, "5011");
        assert_eq!(a.timer_ms, 100);
        assert_eq!(a.opts.policy.max_bytes, 1 << 20);
        assert_eq!(a.opts.policy.checks, 2);
        assert_eq!(a.zx, vec!["sym", "/tmp/logs"]);
        let b = parse(&args("")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((b.opts.src.as_str(), b.opts.dst.is_none()), ("sym", true));
        assert_eq!(b.listen, "5010");
        assert!(parse(&args("sym . -t x")).is_err());
        assert!(parse(&args("sym . -p")).is_err());
        assert_eq!(parse_size("100MB"), Some(100 << 20));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("x"), None);
    }
}
