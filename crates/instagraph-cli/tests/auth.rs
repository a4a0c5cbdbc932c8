//! `instagraph auth` end to end against a sandbox process: OAuth login for both families with
//! the loopback redirect listener driven by this test (as a browser would), stored accounts
//! used by other commands, refresh, logout; and no token in any output of the whole run.

mod common;

use common::{Daemon, base_cmd};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `instagraph` with its data directory (secret key) and database in `dir`, against `sb`.
fn cmd(sb: &Daemon, dir: &Path) -> Command {
    let mut c = base_cmd();
    c.env("XDG_DATA_HOME", dir)
        .env("INSTAGRAPH_BASE_URL", sb.base_url())
        .env_remove("INSTAGRAPH_SECRET_KEY")
        .env_remove("INSTAGRAPH_APP_SECRET")
        .env_remove("INSTAGRAPH_LOGIN")
        .env_remove("INSTAGRAPH_IG_USER_ID")
        .arg("--db")
        .arg(dir.join("i.db"));
    c
}

/// Everything the run printed, to search for tokens at the end.
#[derive(Default)]
struct Transcript(String);

impl Transcript {
    fn run(&mut self, mut c: Command) -> (i32, String) {
        let out = c.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        self.0.push_str(&stdout);
        self.0.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.code().unwrap_or(-1), stdout)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `auth login`, with this test playing the browser: open the authorize URL the CLI printed
/// (the sandbox consents and redirects), then follow the redirect to the CLI's listener.
fn login(sb: &Daemon, dir: &Path, family: &str, t: &mut Transcript) -> Value {
    let account = sb.account(family);
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut c = cmd(sb, dir);
    c.args([
        "--json",
        "auth",
        "login",
        "--family",
        family,
        "--app-id",
        account["app_id"].as_str().unwrap(),
        "--redirect-uri",
        &redirect,
        "--no-browser",
        "--timeout",
        "60",
    ])
    .env(
        "INSTAGRAPH_APP_SECRET",
        account["app_secret"].as_str().unwrap(),
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    t.0.push_str(&first);
    let line: Value = serde_json::from_str(&first).unwrap();
    let url = line["authorize_url"].as_str().unwrap().to_owned();
    rt().block_on(async {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = browser.get(&url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 302);
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(&redirect), "{location}");
        // The fragment never reaches a server, as in a browser.
        let to_listener = location.split('#').next().unwrap().to_owned();
        let page = browser.get(&to_listener).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains("Login received"));
    });
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    t.0.push_str(&rest);
    t.0.push_str(&err);
    assert!(status.success(), "{rest}\n{err}");
    serde_json::from_str(&rest).unwrap()
}

fn stored_tokens(dir: &Path) -> Vec<String> {
    rt().block_on(async {
        let store = instagraph_store::open(dir.join("i.db").to_str().unwrap())
            .await
            .unwrap();
        let key = std::fs::read_to_string(dir.join("instagraph/secret.key")).unwrap();
        let secrets = instagraph_store::secrets::SecretBox::from_hex(key.trim()).unwrap();
        let vault = instagraph_store::accounts::AccountVault::new(store, secrets);
        let mut out = Vec::new();
        for a in vault.store().accounts().await.unwrap() {
            out.push(vault.token(&a).await.unwrap().expose_secret().to_owned());
            if let Some(p) = vault.page_token(&a).await.unwrap() {
                out.push(p.expose_secret().to_owned());
            }
            if let Some(s) = vault.app_secret(&a).await.unwrap() {
                out.push(s.expose_secret().to_owned());
            }
        }
        out
    })
}

#[test]
fn both_families_log_in_and_their_accounts_work_without_any_token_in_output() {
    let sb = Daemon::start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();

    let ig = login(&sb, dir.path(), "instagram", &mut t);
    let ig_acc = &ig["accounts"][0];
    assert_eq!(ig_acc["family"], "instagram");
    assert_eq!(
        ig_acc["default"], true,
        "the first account becomes the default"
    );
    assert!(ig_acc["ig_user_id"].is_string() && ig_acc["app_scoped_id"].is_string());
    let expires = ig_acc["expires_at"].as_i64().unwrap() - ig_acc["issued_at"].as_i64().unwrap();
    assert_eq!(
        expires, 5_184_000_000,
        "exchanged for a 60-day token at once"
    );
    let fb = login(&sb, dir.path(), "facebook", &mut t);
    let fb_acc = &fb["accounts"][0];
    assert_eq!(fb_acc["family"], "facebook");
    assert!(fb_acc["page_id"].is_string(), "{fb}");
    let fb_name = fb_acc["name"].as_str().unwrap().to_owned();
    let ig_name = ig_acc["name"].as_str().unwrap().to_owned();

    // The key file was made private.
    let mode = std::fs::metadata(dir.path().join("instagraph/secret.key"))
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
        .unwrap();
    assert_eq!(mode, 0o600);

    let (code, out) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["--json", "auth", "list"]);
        c
    });
    assert_eq!(code, 0);
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Other commands use the stored default account, or the one named with --account.
    let (code, out) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["--json", "me"]);
        c
    });
    assert_eq!(code, 0, "{out}");
    let me: Value = serde_json::from_str(&out).unwrap();
    let ig_id = ig_acc["ig_user_id"].as_str().unwrap();
    assert!(
        me["user_id"] == ig_id || me["id"] == ig_id,
        "the default (Instagram) account answered: {me}"
    );
    let (code, out) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["--json", "--account", &fb_name, "me"]);
        c
    });
    assert_eq!(code, 0, "{out}");
    let me: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(me["id"], fb_acc["ig_user_id"]);

    // Status: expiry, scopes, what each capability lacks; debug_token for Facebook Login.
    let (code, out) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["--json", "auth", "status", &fb_name]);
        c
    });
    assert_eq!(code, 0, "{out}");
    let st: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["debug_token"]["is_valid"], true, "{st}");
    assert!(
        st["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["capability"] == "publishing")
    );

    // Refresh: refused by the platform before 24 h; after a day (sandbox clock) it works.
    let refresh = |t: &mut Transcript| {
        t.run({
            let mut c = cmd(&sb, dir.path());
            c.args(["--json", "auth", "refresh", &ig_name]);
            c
        })
    };
    let (code, _) = refresh(&mut t);
    assert_ne!(code, 0, "a token younger than 24 h cannot be refreshed");
    rt().block_on(async {
        reqwest::Client::new()
            .post(format!("{}/_sandbox/clock/advance", sb.base_url()))
            .json(&serde_json::json!({"seconds": 86_400}))
            .send()
            .await
            .unwrap();
    });
    let (code, out) = refresh(&mut t);
    assert_eq!(code, 0, "{out}");
    let refreshed: Value = serde_json::from_str(&out).unwrap();
    assert!(refreshed["refreshed_at"].is_i64());
    // A Facebook-Login account is not refreshed (its Page tokens do not expire).
    let (code, _) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["auth", "refresh", &fb_name]);
        c
    });
    assert_eq!(code, 2);

    // No token, page token or app secret appears anywhere in what the run printed.
    let secrets = stored_tokens(dir.path());
    assert!(secrets.len() >= 5, "{}", secrets.len());
    for s in &secrets {
        assert!(!t.0.contains(s.as_str()), "a secret leaked into the output");
    }
    // ...nor in the database file in clear.
    let db = std::fs::read(dir.path().join("i.db")).unwrap();
    let db = String::from_utf8_lossy(&db);
    for s in &secrets {
        assert!(!db.contains(s.as_str()), "a secret is stored in clear");
    }

    // Logout forgets the account; the other stays.
    let (code, _) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["auth", "logout", &ig_name]);
        c
    });
    assert_eq!(code, 0);
    let (_, out) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["--json", "auth", "list"]);
        c
    });
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (code, _) = t.run({
        let mut c = cmd(&sb, dir.path());
        c.args(["--account", &ig_name, "me"]);
        c
    });
    assert_eq!(code, 2, "a forgotten account is refused before the network");
}

#[test]
fn a_wrong_state_in_a_pasted_redirect_is_refused() {
    let sb = Daemon::start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let account = sb.account("instagram");
    let mut c = cmd(&sb, dir.path());
    c.args([
        "auth",
        "login",
        "--family",
        "instagram",
        "--app-id",
        account["app_id"].as_str().unwrap(),
        "--manual",
        "--redirect-uri",
        "https://app.example/cb",
    ])
    .env(
        "INSTAGRAPH_APP_SECRET",
        account["app_secret"].as_str().unwrap(),
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        b"https://app.example/cb?code=abc&state=forged#_\n",
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("state"), "{err}");
}
