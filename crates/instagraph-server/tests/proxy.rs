//! The Graph proxy against the sandbox: keys and scopes enforced, accounts kept apart, the
//! account's token and `appsecret_proof` added, validation before the platform, LowCodeAPI's
//! `{ "data": … }` envelope, and no secret in responses or logs.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use instagraph_sandbox::{ProofState, RunningSandbox, SandboxConfig, SeededAccount, spawn};
use instagraph_server::accounts::StoredClients;
use instagraph_server::proxy::Proxy;
use instagraph_server::{AppState, RunningServer, ServerConfig, start};
use instagraph_store::Store;
use instagraph_store::accounts::{AccountState, AccountVault, NewAccount};
use instagraph_store::api_keys::{KeyScope, NewApiKey, generate_key};
use instagraph_store::secrets::SecretBox;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Captured logs (one subscriber for the whole test binary)

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Buffer {
    static LOGS: OnceLock<Buffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "instagraph=debug,instagraph_server=debug,instagraph_store=debug,instagraph_agent=debug",
            ))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        buf
    })
}

fn captured() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------------------------------------
// World

struct World {
    sb: RunningSandbox,
    server: RunningServer,
    store: Arc<dyn Store>,
    business: SeededAccount,
    creator: SeededAccount,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl World {
    /// A sandbox, its two seeded accounts stored in a vault (business the default), and the
    /// service with the proxy over them, on a SQLite file.
    async fn new() -> World {
        logs();
        let sb = spawn(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store =
            instagraph_store::open(&format!("sqlite:{}", dir.path().join("proxy.db").display()))
                .await
                .unwrap();
        let vault = Arc::new(AccountVault::new(
            store.clone(),
            SecretBox::generate().unwrap(),
        ));
        let accounts = sb.sandbox.accounts();
        let find = |n: &str| accounts.iter().find(|a| a.name == n).unwrap().clone();
        let (business, creator) = (find("business"), find("creator"));
        for a in [&business, &creator] {
            let family = serde_json::to_value(a.login).unwrap();
            let mut acc = NewAccount::new(
                &a.name,
                family.as_str().unwrap(),
                SecretString::from(a.access_token.clone()),
                1,
            );
            acc.ig_user_id = Some(a.ig_user_id.clone());
            acc.page_id = a.page_id.clone();
            acc.app_scoped_id = a.app_scoped_id.clone();
            acc.username = Some(a.username.clone());
            acc.app_id = Some(a.app_id.clone());
            acc.app_secret = Some(SecretString::from(a.app_secret.clone()));
            acc.is_default = a.name == "business";
            vault.save(&acc, 1).await.unwrap();
        }
        let clients = StoredClients::new(
            vault,
            Some(sb.base_url.clone()),
            Arc::new(instagraph::clock::TokioClock::new()),
        );
        let state = AppState {
            store: store.clone(),
            config: ServerConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                db_label: "sqlite".into(),
                graph_base_url: sb.base_url.clone(),
                sandbox: true,
                api_key: None,
            },
            webhooks: None,
            media: None,
            proxy: Some(Arc::new(Proxy::new(store.clone(), Arc::new(clients)))),
            mcp: None,
        };
        let server = start(state).await.unwrap();
        World {
            sb,
            server,
            store,
            business,
            creator,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// Creates a key and returns it in the clear.
    async fn key(&self, name: &str, scope: KeyScope, accounts: &[&str]) -> String {
        let key = generate_key().unwrap();
        self.store
            .create_api_key(&NewApiKey::new(
                name,
                &key,
                scope,
                accounts.iter().map(|a| a.to_string()).collect(),
                None,
                1,
            ))
            .await
            .unwrap();
        key.expose_secret().to_owned()
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/graph/{}",
            self.server.url(),
            path.trim_start_matches('/')
        )
    }

    async fn get(&self, key: Option<&str>, path: &str) -> (u16, Value) {
        let mut rb = self.http.get(self.url(path));
        if let Some(k) = key {
            rb = rb.bearer_auth(k);
        }
        send(rb).await
    }

    fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in [&self.business, &self.creator] {
            out.push(a.access_token.clone());
            out.push(a.app_secret.clone());
            out.push(instagraph::appsecret_proof(&a.app_secret, &a.access_token));
        }
        out
    }
}

async fn send(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

fn error_type(body: &Value) -> &str {
    body["error"]["type"].as_str().unwrap_or("")
}

fn assert_clean(body: &Value, secrets: &[String]) {
    let text = body.to_string();
    for s in secrets {
        assert!(!text.contains(s.as_str()), "a secret leaked into {text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn calls_without_a_valid_key_are_refused_before_the_platform() {
    let w = World::new().await;
    let path = format!("v25.0/{}?fields=id", w.business.ig_user_id);

    let (status, body) = w.get(None, &path).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(error_type(&body), "InstagraphAuth");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("API key")
    );

    let bogus = format!("igk_{}", "0".repeat(64));
    let (status, body) = send(w.http.get(format!("{}&api_token={bogus}", w.url(&path)))).await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.to_string().contains(&bogus));

    // A platform token is not a key, and is never echoed.
    let (status, body) = w.get(Some(&w.business.access_token), &path).await;
    assert_eq!(status, 401, "{body}");
    assert_clean(&body, &w.secrets());

    // A revoked key stops working at once.
    let key = w.key("gone", KeyScope::ReadWrite, &[]).await;
    assert_eq!(w.get(Some(&key), &path).await.0, 200);
    assert!(w.store.revoke_api_key("gone", 2).await.unwrap());
    let (status, body) = w.get(Some(&key), &path).await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.to_string().contains(&key));

    let reached = w.sb.sandbox.requests().len();
    assert_eq!(
        reached, 1,
        "only the one authorised call reached the sandbox"
    );
}

#[tokio::test]
async fn a_read_key_reads_with_the_accounts_token_and_proof_but_cannot_write() {
    let w = World::new().await;
    let key = w.key("reader", KeyScope::Read, &[]).await;
    let ig = &w.business.ig_user_id;

    let (status, body) = w
        .get(Some(&key), &format!("v25.0/{ig}?fields=id,username"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], json!(ig));
    assert_eq!(body["username"], json!(w.business.username));
    let seen = w.sb.sandbox.requests();
    let last = seen.last().unwrap();
    assert_eq!(last.method, "GET");
    assert!(
        last.path.starts_with(&format!("/v25.0/{ig}")),
        "{}",
        last.path
    );
    assert_eq!(last.appsecret_proof, ProofState::Valid);
    assert_eq!(
        last.query.get("fields").map(String::as_str),
        Some("id,username")
    );
    assert!(!last.query.contains_key("api_token"));

    // LowCodeAPI style: the key in the query, stripped before forwarding.
    let (status, body) = send(w.http.get(format!(
        "{}&api_token={key}",
        w.url(&format!("v25.0/{ig}?fields=id"))
    )))
    .await;
    assert_eq!(status, 200, "{body}");
    let last = w.sb.sandbox.requests().pop().unwrap();
    assert!(!last.query.contains_key("api_token") && !last.query.contains_key("api_key"));
    assert_eq!(last.appsecret_proof, ProofState::Valid);
    let (status, _) = send(w.http.get(format!(
        "{}&api_key={key}",
        w.url(&format!("v25.0/{ig}?fields=id"))
    )))
    .await;
    assert_eq!(status, 200);

    // Writes need read_write.
    let before = w.sb.sandbox.requests().len();
    let (status, body) = send(
        w.http
            .post(w.url(&format!("v25.0/{ig}/media")))
            .bearer_auth(&key)
            .form(&[
                ("image_url", "https://example.com/a.jpg"),
                ("caption", "hi"),
            ]),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(error_type(&body), "InstagraphScope");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read_write"),
        "{body}"
    );
    let (status, _) = send(
        w.http
            .delete(w.url("v25.0/17900000000000001"))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        w.sb.sandbox.requests().len(),
        before,
        "refused writes never left"
    );

    // The key's use is recorded.
    let stored = w
        .store
        .api_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "reader")
        .unwrap();
    assert!(stored.last_used_at_ms.is_some());
}

#[tokio::test]
async fn a_read_write_key_comments_replies_and_deletes_with_proof() {
    let w = World::new().await;
    let key = w.key("writer", KeyScope::ReadWrite, &[]).await;
    let ig = &w.business.ig_user_id;

    let (status, media) = w
        .get(Some(&key), &format!("v25.0/{ig}/media?fields=id&limit=1"))
        .await;
    assert_eq!(status, 200, "{media}");
    let media_id = media["data"][0]["id"].as_str().unwrap().to_owned();

    let (status, comment) = send(
        w.http
            .post(w.url(&format!("v25.0/{media_id}/comments")))
            .bearer_auth(&key)
            .form(&[("message", "Nice one")]),
    )
    .await;
    assert_eq!(status, 200, "{comment}");
    let comment_id = comment["id"].as_str().unwrap().to_owned();
    let last = w.sb.sandbox.requests().pop().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.appsecret_proof, ProofState::Valid);

    // JSON bodies are forwarded as JSON.
    let (status, reply) = send(
        w.http
            .post(w.url(&format!("v25.0/{comment_id}/replies")))
            .bearer_auth(&key)
            .json(&json!({ "message": "Thanks!" })),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    let reply_id = reply["id"].as_str().unwrap().to_owned();

    let (status, deleted) = send(
        w.http
            .delete(w.url(&format!("v25.0/{reply_id}")))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, 200, "{deleted}");
    let last = w.sb.sandbox.requests().pop().unwrap();
    assert_eq!(last.method, "DELETE");
    assert_eq!(last.appsecret_proof, ProofState::Valid);
}

#[tokio::test]
async fn account_scoped_keys_cannot_act_as_other_accounts() {
    let w = World::new().await;
    let creator_only = w
        .key("creator-only", KeyScope::ReadWrite, &["creator"])
        .await;
    let (biz, cre) = (&w.business.ig_user_id, &w.creator.ig_user_id);

    // Its own account: by path, by header, and implicitly (the key's only account).
    let (status, body) = w
        .get(Some(&creator_only), &format!("v25.0/{cre}?fields=username"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], json!(w.creator.username));
    let (status, body) = w.get(Some(&creator_only), "v25.0/me?fields=username").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["username"],
        json!(w.creator.username),
        "the key's only account"
    );

    // Another account: by path, by header, by parameter.
    let before = w.sb.sandbox.requests().len();
    let (status, body) = w
        .get(Some(&creator_only), &format!("v25.0/{biz}?fields=username"))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(error_type(&body), "InstagraphScope");
    let (status, body) = send(
        w.http
            .get(w.url("v25.0/me?fields=id"))
            .bearer_auth(&creator_only)
            .header("X-Instagraph-Account", "business"),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = w
        .get(Some(&creator_only), "v25.0/me?fields=id&account=business")
        .await;
    assert_eq!(status, 403);
    // Naming its own account while the path names another is refused too.
    let (status, _) = send(
        w.http
            .get(w.url(&format!("v25.0/{biz}?fields=id")))
            .bearer_auth(&creator_only)
            .header("X-Instagraph-Account", "creator"),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(w.sb.sandbox.requests().len(), before);

    // A key scoped by id works the same way.
    let by_id = w.key("biz-by-id", KeyScope::Read, &[biz.as_str()]).await;
    let (status, body) = w
        .get(Some(&by_id), &format!("v25.0/{biz}?fields=username"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], json!(w.business.username));
    let (status, _) = w
        .get(Some(&by_id), &format!("v25.0/{cre}?fields=username"))
        .await;
    assert_eq!(status, 403);

    // An unscoped key follows the header.
    let all = w.key("all", KeyScope::Read, &[]).await;
    let (status, body) = send(
        w.http
            .get(w.url("v25.0/me?fields=username"))
            .bearer_auth(&all)
            .header("X-Instagraph-Account", "creator"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], json!(w.creator.username));
}

#[tokio::test]
async fn responses_pass_through_and_wrap_on_request() {
    let w = World::new().await;
    let key = w.key("wrapper", KeyScope::Read, &[]).await;
    let ig = &w.business.ig_user_id;
    let path = format!("v25.0/{ig}?fields=id");

    let (status, plain) = w.get(Some(&key), &path).await;
    assert_eq!(status, 200);
    let (status, wrapped) = w.get(Some(&key), &format!("{path}&wrap=data")).await;
    assert_eq!(status, 200);
    assert_eq!(wrapped, json!({ "data": plain }));
    let last = w.sb.sandbox.requests().pop().unwrap();
    assert!(
        !last.query.contains_key("wrap"),
        "wrap is ours, not forwarded"
    );
    let (_, by_header) = send(
        w.http
            .get(w.url(&path))
            .bearer_auth(&key)
            .header("X-Instagraph-Wrap", "data"),
    )
    .await;
    assert_eq!(by_header, json!({ "data": plain }));

    // The caller's version is the one used.
    let (status, _) = w.get(Some(&key), &format!("v21.0/{ig}?fields=id")).await;
    assert_eq!(status, 200);
    let last = w.sb.sandbox.requests().pop().unwrap();
    assert!(last.path.starts_with("/v21.0/"), "{}", last.path);

    // The platform's errors pass through with their status (and wrap too).
    let (status, err) = w.get(Some(&key), &format!("v25.0/{ig}/no_such_edge")).await;
    let recorded = w.sb.sandbox.requests().pop().unwrap();
    assert_eq!(status, recorded.status, "{err}");
    assert!(status >= 400);
    assert_eq!(err["error"]["code"].as_i64(), recorded.error_code, "{err}");
    assert!(!error_type(&err).starts_with("Instagraph"), "{err}");
    let (_, wrapped_err) = w
        .get(Some(&key), &format!("v25.0/{ig}/no_such_edge?wrap=data"))
        .await;
    // (Every error carries its own fbtrace_id.)
    assert_eq!(wrapped_err["data"]["error"]["code"], err["error"]["code"]);
    assert_eq!(
        wrapped_err["data"]["error"]["message"],
        err["error"]["message"]
    );

    // A batch of reads only needs the read scope.
    let batch = json!([
        { "method": "GET", "relative_url": format!("{ig}?fields=id") },
        { "method": "GET", "relative_url": format!("{ig}?fields=username") },
    ]);
    let (status, body) = send(
        w.http
            .post(w.url("v25.0"))
            .bearer_auth(&key)
            .form(&[("batch", batch.to_string())]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().map(Vec::len), Some(2), "{body}");
    let write_batch =
        json!([{ "method": "POST", "relative_url": format!("{ig}/media"), "body": "caption=x" }]);
    let (status, body) = send(
        w.http
            .post(w.url("v25.0"))
            .bearer_auth(&key)
            .form(&[("batch", write_batch.to_string())]),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn validation_refusals_never_reach_the_platform() {
    let w = World::new().await;
    let key = w.key("validator", KeyScope::ReadWrite, &[]).await;
    let ig = &w.business.ig_user_id;
    w.sb.sandbox.clear_requests();

    let caption: String = (0..31).map(|i| format!("#tag{i} ")).collect();
    let (status, body) = send(
        w.http
            .post(w.url(&format!("v25.0/{ig}/media")))
            .bearer_auth(&key)
            .form(&[
                ("image_url", "https://example.com/a.jpg"),
                ("caption", caption.as_str()),
            ]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_type(&body), "InstagraphValidation");
    assert_eq!(body["error"]["code"], json!(100));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("hashtags"),
        "{body}"
    );

    let long_caption = "a".repeat(2201);
    let (status, _) = send(
        w.http
            .post(w.url(&format!("v25.0/{ig}/media")))
            .bearer_auth(&key)
            .json(&json!({ "image_url": "https://example.com/a.jpg", "caption": long_caption })),
    )
    .await;
    assert_eq!(status, 400);

    let (status, body) = send(
        w.http
            .post(w.url("v25.0/17900000000000001/comments"))
            .bearer_auth(&key)
            .form(&[("message", "x".repeat(301))]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = send(
        w.http
            .post(w.url("v25.0/17900000000000001/replies"))
            .bearer_auth(&key)
            .form(&[("message", "#a #b #c #d #e")]),
    )
    .await;
    assert_eq!(status, 400);

    let (status, body) = send(
        w.http
            .post(w.url("v25.0/me/messages"))
            .bearer_auth(&key)
            .json(&json!({ "recipient": { "id": "1234567" }, "message": { "text": "x".repeat(1001) } })),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // The proxy owns tokens: a caller's access_token or appsecret_proof is refused.
    let (status, body) = send(w.http.get(format!(
        "{}&access_token={}",
        w.url(&format!("v25.0/{ig}?fields=id")),
        w.business.access_token
    )))
    .await;
    // No key with it: refused as unauthorised, never forwarded.
    assert_eq!(status, 401, "{body}");
    let (status, body) = send(
        w.http
            .get(format!(
                "{}&access_token={}",
                w.url(&format!("v25.0/{ig}?fields=id")),
                w.business.access_token
            ))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("access_token")
    );
    assert_clean(&body, &w.secrets());
    let (status, _) = send(
        w.http
            .post(w.url(&format!("v25.0/{ig}/media")))
            .bearer_auth(&key)
            .form(&[("appsecret_proof", "abc"), ("caption", "hi")]),
    )
    .await;
    assert_eq!(status, 400);

    // Malformed versions and paths.
    assert_eq!(w.get(Some(&key), "latest/me").await.0, 400);
    assert_eq!(w.get(Some(&key), "v25.0/me%3Faccess_token=x").await.0, 400);

    assert!(
        w.sb.sandbox.requests().is_empty(),
        "refused calls reached the sandbox: {:?}",
        w.sb.sandbox.requests()
    );
}

#[tokio::test]
async fn platform_tokens_never_reach_the_caller() {
    let w = World::new().await;
    let key = w.key("pages", KeyScope::ReadWrite, &[]).await;
    // Facebook Login's /me/accounts lists the Pages with their Page tokens: withheld.
    let (status, body) = send(
        w.http
            .get(w.url("v25.0/me/accounts"))
            .bearer_auth(&key)
            .header("X-Instagraph-Account", "business"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let pages = body["data"].as_array().unwrap();
    assert!(!pages.is_empty(), "{body}");
    assert!(
        pages.iter().all(|p| p["access_token"] == "REDACTED"),
        "{body}"
    );
    assert!(pages.iter().all(|p| p["id"].is_string()));
    let page = w.business.page_id.clone().unwrap();
    let (status, body) = w
        .get(Some(&key), &format!("v25.0/{page}?fields=id,access_token"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["access_token"], "REDACTED");
    assert_clean(&body, &w.secrets());

    // Token endpoints are not proxied at all.
    let before = w.sb.sandbox.requests().len();
    for path in [
        "v25.0/oauth/access_token?grant_type=fb_exchange_token",
        "v25.0/refresh_access_token?grant_type=ig_refresh_token",
        "v25.0/debug_token?input_token=x",
        "v25.0/access_token?grant_type=ig_exchange_token",
    ] {
        let (status, body) = w.get(Some(&key), path).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    assert_eq!(w.sb.sandbox.requests().len(), before);
}

#[tokio::test]
async fn accounts_that_need_a_login_are_refused_with_the_fix() {
    let w = World::new().await;
    let key = w.key("ops", KeyScope::Read, &[]).await;
    w.store
        .set_account_state(
            "creator",
            AccountState::NeedsLogin,
            Some("token expired"),
            2,
        )
        .await
        .unwrap();
    let (status, body) = send(
        w.http
            .get(w.url("v25.0/me?fields=id"))
            .bearer_auth(&key)
            .header("X-Instagraph-Account", "creator"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("instagraph auth login"),
        "{body}"
    );
    let (status, body) = send(
        w.http
            .get(w.url("v25.0/me?fields=id"))
            .bearer_auth(&key)
            .header("X-Instagraph-Account", "nobody"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(w.sb.sandbox.requests().is_empty());
}

#[tokio::test]
async fn logs_name_the_key_and_never_carry_secrets() {
    let w = World::new().await;
    let key = w.key("logged-key", KeyScope::ReadWrite, &[]).await;
    let ig = &w.business.ig_user_id;
    assert_eq!(
        w.get(Some(&key), &format!("v25.0/{ig}?fields=id")).await.0,
        200
    );
    let _ = send(w.http.get(format!(
        "{}&api_token={key}",
        w.url(&format!("v25.0/{ig}?fields=id"))
    )))
    .await;
    let _ = w.get(Some("igk_not_a_real_key"), "v25.0/me").await;
    let _ = w.get(Some(&w.creator.access_token), "v25.0/me").await;

    let logs = captured();
    if std::env::var("SHOW_LOGS").is_ok() {
        eprintln!("{logs}");
    }
    assert!(logs.contains("graph proxy call"), "{logs}");
    assert!(logs.contains("logged-key"), "{logs}");
    assert!(!logs.contains(&key), "the key leaked into the logs");
    assert!(!logs.contains("igk_not_a_real_key"));
    for s in w.secrets() {
        assert!(
            !logs.contains(&s),
            "a token, app secret or proof leaked into the logs"
        );
    }
}
