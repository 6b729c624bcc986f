//! The `qtick` command line: one binary, one subcommand per process role.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "qtick", version, about = "kdb+tick in Rust")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// A q process: `qtick q [script.q] [-p port] [-u|-U file] [-t ms] [-o hours] [args]`,
    /// command-line flags as q reads them.
    Q {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Wire-format tools: encode/decode messages as q's -8!/-9!/-18!/-22! would.
    Ipc {
        #[command(subcommand)]
        op: IpcOp,
    },
}

#[derive(Subcommand)]
enum IpcOp {
    /// Decode a hex message (header included; compressed accepted) and print its type and size.
    Decode { hex: String },
    /// Print the uncompressed and compressed size of a hex message.
    Compress { hex: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Q { args } => q_process(args),
        Cmd::Ipc { op } => match ipc(op) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("'{e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// q's command line: the first plain argument is the script; `-p`, `-u`, `-U`, `-t`, `-o`
/// are the process's own; everything else is left for `.z.x`.
fn q_process(args: Vec<String>) -> ExitCode {
    use qtick::lang::{console, eval::Interp};
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
                    _ => {}
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

fn ipc(op: IpcOp) -> Result<(), String> {
    match op {
        IpcOp::Decode { hex } => {
            let bytes = unhex(&hex)?;
            let k = qipc::from_bytes(&bytes).map_err(|e| e.to_string())?;
            println!(
                "type {}h, count {}, -22! {}",
                k.ty(),
                k.len(),
                qipc::serialized_len(&k)
            );
            println!("{k:?}");
        }
        IpcOp::Compress { hex } => {
            let bytes = unhex(&hex)?;
            match qipc::compress::compress(&bytes) {
                Some(c) => println!("{} -> {} bytes", bytes.len(), c.len()),
                None => println!("{} bytes: sent uncompressed", bytes.len()),
            }
        }
    }
    Ok(())
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim().trim_start_matches("0x");
    if !s.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}
