//! `instagraph`: the command-line tool for the Instagram Platform.
//!
//! Conventions every command keeps (scripts and our end-to-end tests rely on them):
//! connection settings as flags with `INSTAGRAPH_*` environment twins; `--json` prints exactly
//! one JSON document on stdout and, on failure, a JSON object on stderr with `class`, `code`,
//! `subcode`, `message` and `fix`; exit status 0 on success, 2 when the input was refused before
//! anything was sent, 1 otherwise. Tokens never appear in output or logs.

mod cli;
mod commands;
mod config;
mod context;
mod output;

use clap::Parser;
use std::process::ExitCode;

/// A failure detected by the CLI before anything was sent (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(cli.global.verbose);
    let json = cli.global.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => output::report_error(&err, json),
    }
}

fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info,instagraph=info",
        2 => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("INSTAGRAPH_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // Logs go to stderr: stdout is for results (and for protocols such as MCP).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
