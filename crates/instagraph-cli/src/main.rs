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

/// A failure the command has already reported on stdout (exit status 1, nothing more printed).
#[derive(Debug, thiserror::Error)]
#[error("failed (reported above)")]
pub struct Silent;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse_from(action_params_alias(std::env::args_os().collect())) {
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

/// `instagraph action run NAME --json '{...}'` (the documented form) means `--params '{...}'`:
/// the global `--json` is a flag (JSON output), so a JSON object right after it, in `action
/// run` only, is taken as the parameters.
fn action_params_alias(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is = |a: &std::ffi::OsString, s: &str| a.to_str() == Some(s);
    let Some(run_at) = args
        .windows(2)
        .position(|w| is(&w[0], "action") && is(&w[1], "run"))
    else {
        return args;
    };
    let mut i = run_at + 2;
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        if a == "--json"
            && args
                .get(i + 1)
                .is_some_and(|v| v.to_string_lossy().trim_start().starts_with('{'))
        {
            args[i] = "--params".into();
        } else if let Some(v) = a.strip_prefix("--json=") {
            args[i] = format!("--params={v}").into();
        }
        i += 1;
    }
    args
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
