//! Helpers shared by the CLI test files: run the `instagraph` binary with a clean environment,
//! start a long-running one (sandbox or serve) and read its JSON line, and run a command as a
//! sandbox account.
#![allow(dead_code)] // each test file uses a subset

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_instagraph");

/// `instagraph` with no credentials, database, API key or user config from the environment.
pub fn base_cmd() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("INSTAGRAPH_ACCESS_TOKEN")
        .env_remove("INSTAGRAPH_CONFIG")
        .env_remove("INSTAGRAPH_DB")
        .env_remove("INSTAGRAPH_API_KEY")
        .env_remove("INSTAGRAPH_API_VERSION")
        .env("XDG_CONFIG_HOME", "/nonexistent/instagraph-test");
    cmd
}

/// A long-running `instagraph` process and the one JSON line it printed once serving; killed
/// on drop.
pub struct Daemon {
    /// The process.
    pub child: Child,
    /// Its JSON line.
    pub line: Value,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    /// Spawns `cmd` and reads its first stdout line as JSON.
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn instagraph");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let line: Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("first line is not JSON: {first:?}: {e}"));
        Daemon { child, line }
    }

    /// `instagraph ARGS` from [`base_cmd`].
    pub fn start(args: &[&str]) -> Self {
        let mut cmd = base_cmd();
        cmd.args(args);
        Self::spawn(cmd)
    }

    /// `instagraph sandbox --frozen` on a free port.
    pub fn sandbox() -> Self {
        Self::start(&["sandbox", "--listen", "127.0.0.1:0", "--frozen"])
    }

    /// The sandbox's base URL (from a `sandbox` line).
    pub fn base_url(&self) -> &str {
        self.line["base_url"].as_str().unwrap()
    }

    /// The first seeded account of a login family (from a `sandbox` line).
    pub fn account(&self, login: &str) -> Value {
        self.line["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["login"] == login)
            .unwrap()
            .clone()
    }
}

/// `instagraph ARGS` against the sandbox at `base_url` as `account` (its token unless `token`
/// is given); (exit code, stdout, stderr).
pub fn run_as(
    base_url: &str,
    account: &Value,
    token: Option<&str>,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = base_cmd();
    cmd.args(args)
        .env("INSTAGRAPH_BASE_URL", base_url)
        .env(
            "INSTAGRAPH_ACCESS_TOKEN",
            token.unwrap_or(account["access_token"].as_str().unwrap()),
        )
        .env("INSTAGRAPH_LOGIN", account["login"].as_str().unwrap())
        .env(
            "INSTAGRAPH_APP_SECRET",
            account["app_secret"].as_str().unwrap(),
        );
    if account["login"] == "facebook" {
        cmd.env(
            "INSTAGRAPH_IG_USER_ID",
            account["ig_user_id"].as_str().unwrap(),
        );
    } else {
        cmd.env_remove("INSTAGRAPH_IG_USER_ID");
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
