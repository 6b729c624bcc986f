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
    /// The q console: load a script if given, then evaluate lines from standard input.
    Q {
        /// A q script to load first.
        script: Option<String>,
        /// Arguments for the script (`.z.x`).
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
        Cmd::Q { script, args } => {
            let mut it = qtick::lang::eval::Interp::new();
            it.args = args;
            if let Some(path) = script {
                match std::fs::read(&path) {
                    Ok(text) => {
                        if let Err(e) = qtick::lang::console::load_script(
                            &mut it,
                            &String::from_utf8_lossy(&text),
                        ) {
                            println!("{e}");
                        }
                    }
                    Err(e) => eprintln!("{path}: {e}"),
                }
            }
            qtick::lang::console::repl(&mut it);
            ExitCode::SUCCESS
        }
        Cmd::Ipc { op } => match ipc(op) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("'{e}");
                ExitCode::FAILURE
            }
        },
    }
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
