//! Forwarding: every stored event goes to the targets that want it (an HTTP endpoint such as
//! an n8n webhook, or a shell command), signed, with an idempotency key, retried on a schedule,
//! every attempt recorded, dead-lettered after the last.
//!
//! Deliveries are claimed with a lease, so several instances on one PostgreSQL database never
//! send the same delivery at the same time, and a delivery whose sender died is sent again
//! when its lease runs out (at-least-once: receivers dedupe by `Idempotency-Key`).

use instagraph_store::Store;
use instagraph_store::webhooks::{AfterAttempt, Attempt, DueDelivery, StoredEvent};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

/// The retry schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h.
pub const DEFAULT_SCHEDULE: [Duration; 6] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
];
/// How long a claimed delivery is reserved for its sender.
pub const LEASE: Duration = Duration::from_secs(120);
/// Deliveries claimed per round.
pub const CLAIM: u32 = 64;
/// How often to look for deliveries created by another instance.
pub const POLL: Duration = Duration::from_secs(5);

/// Header with our HMAC-SHA256 of the body: `sha256=<hex>` (the same scheme as Meta's
/// `X-Hub-Signature-256`, with the target's secret).
pub const SIGNATURE_HEADER: &str = "x-instagraph-signature-256";

/// What a target receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardFormat {
    /// `{id, eventType, accountId, receivedAt, normalized, raw}`.
    #[default]
    Full,
    /// Only the normalised event (the n8n trigger's shape).
    Normalized,
    /// Only the event as Meta sent it.
    Raw,
}

/// Where a target sends.
#[derive(Clone)]
pub enum TargetKind {
    /// POST the event as JSON.
    Http {
        /// The URL.
        url: String,
        /// Signs the body when set.
        secret: Option<SecretString>,
    },
    /// Run `sh -c COMMAND` with the event JSON on stdin; exit status 0 means delivered.
    Command {
        /// The command line.
        command: String,
    },
}

impl std::fmt::Debug for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Http { url, secret } => f
                .debug_struct("Http")
                .field("url", &redact_url(url))
                .field("secret", &secret.as_ref().map(|_| "set (hidden)"))
                .finish(),
            Self::Command { command } => {
                f.debug_struct("Command").field("command", command).finish()
            }
        }
    }
}

/// A URL without its query string, fragment and user info (any of them may carry a secret).
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("***");
                let _ = u.set_password(None);
            }
            u.to_string()
        }
        Err(_) => "(invalid URL)".to_owned(),
    }
}

/// A forwarding target.
#[derive(Clone, Debug)]
pub struct ForwardTarget {
    /// Unique name (deliveries refer to it).
    pub name: String,
    /// Where it sends.
    pub kind: TargetKind,
    /// Event types it wants; empty means all.
    pub event_types: Vec<String>,
    /// Accounts it wants events of, by any of their ids (`entry.id`); empty means all.
    pub account_ids: Vec<String>,
    /// What it sends.
    pub format: ForwardFormat,
}

impl ForwardTarget {
    /// The store's view of it.
    pub fn filter(&self) -> instagraph_store::webhooks::TargetFilter {
        instagraph_store::webhooks::TargetFilter {
            name: self.name.clone(),
            event_types: self.event_types.clone(),
            account_ids: self.account_ids.clone(),
        }
    }
}

/// The body a target receives for an event.
pub fn body_for(event: &StoredEvent, format: ForwardFormat) -> Vec<u8> {
    let value = match format {
        ForwardFormat::Full => serde_json::json!({
            "id": event.id,
            "eventType": event.event_type,
            "accountId": event.account_id,
            "object": event.object,
            "field": event.field,
            "timestamp": event.timestamp_ms,
            "receivedAt": event.received_at,
            "normalized": event.normalized,
            "raw": event.raw,
        }),
        ForwardFormat::Normalized => event.normalized.clone(),
        ForwardFormat::Raw => event.raw.clone(),
    };
    value.to_string().into_bytes()
}

/// A stable idempotency key for an event: the same event (even re-ingested into another
/// database) always gets the same key.
pub fn idempotency_key(event: &StoredEvent) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}\n{}", event.account_id, event.dedupe_key).as_bytes());
    format!("ig_{}", hex::encode(&digest[..16]))
}

/// Sends due deliveries.
#[derive(Clone, Debug)]
pub struct Deliverer {
    store: Arc<dyn Store>,
    targets: Arc<Vec<ForwardTarget>>,
    http: reqwest::Client,
    schedule: Arc<Vec<Duration>>,
    timeout: Duration,
}

impl Deliverer {
    /// A deliverer for `targets`, with the default schedule and a 10 s timeout per attempt.
    pub fn new(store: Arc<dyn Store>, targets: Vec<ForwardTarget>) -> Self {
        let timeout = Duration::from_secs(10);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("instagraph/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            store,
            targets: Arc::new(targets),
            http,
            schedule: Arc::new(DEFAULT_SCHEDULE.to_vec()),
            timeout,
        }
    }

    /// Replaces the retry schedule (the delays after the first attempt).
    pub fn with_schedule(mut self, schedule: Vec<Duration>) -> Self {
        self.schedule = Arc::new(schedule);
        self
    }

    /// Replaces the per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The configured targets.
    pub fn targets(&self) -> &[ForwardTarget] {
        &self.targets
    }

    fn names(&self) -> Vec<String> {
        self.targets.iter().map(|t| t.name.clone()).collect()
    }

    /// What happens after a failed attempt number `attempt` (1-based) at `now_ms`.
    pub fn after_failure(&self, attempt: i64, now_ms: i64) -> AfterAttempt {
        match usize::try_from(attempt - 1)
            .ok()
            .and_then(|i| self.schedule.get(i))
        {
            Some(delay) => AfterAttempt::RetryAt(
                now_ms.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
            ),
            None => AfterAttempt::Dead,
        }
    }

    /// Claims and sends every delivery due at `now_ms` (in rounds of [`CLAIM`]); returns how
    /// many attempts were made.
    pub async fn run_due(&self, now_ms: i64) -> Result<usize, instagraph_store::StoreError> {
        let names = self.names();
        if names.is_empty() {
            return Ok(0);
        }
        let lease = now_ms.saturating_add(LEASE.as_millis() as i64);
        let mut made = 0;
        loop {
            let due = self
                .store
                .claim_deliveries(now_ms, lease, &names, CLAIM)
                .await?;
            if due.is_empty() {
                return Ok(made);
            }
            let n = due.len();
            let results =
                futures_util::future::join_all(due.iter().map(|d| self.attempt(d, now_ms))).await;
            for (d, (attempt, after)) in due.iter().zip(results) {
                self.store
                    .record_attempt(d.delivery.id, &attempt, after)
                    .await?;
            }
            made += n;
            if n < CLAIM as usize {
                return Ok(made);
            }
        }
    }

    async fn attempt(&self, d: &DueDelivery, now_ms: i64) -> (Attempt, AfterAttempt) {
        let number = d.delivery.attempts + 1;
        let started = Instant::now();
        let result = match self.targets.iter().find(|t| t.name == d.delivery.target) {
            Some(target) => self.send(target, &d.event, d.delivery.id, number).await,
            None => Err((
                None,
                format!("no target named `{}` is configured", d.delivery.target),
            )),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match result {
            Ok(status) => (
                Attempt {
                    at: now_ms,
                    status: Some(status),
                    error: None,
                    duration_ms,
                },
                AfterAttempt::Delivered,
            ),
            Err((status, error)) => {
                let after = self.after_failure(number, now_ms);
                tracing::warn!(
                    delivery = d.delivery.id,
                    event = d.event.id,
                    target = %d.delivery.target,
                    attempt = number,
                    %error,
                    dead = matches!(after, AfterAttempt::Dead),
                    "forwarding failed"
                );
                (
                    Attempt {
                        at: now_ms,
                        status,
                        error: Some(error),
                        duration_ms,
                    },
                    after,
                )
            }
        }
    }

    async fn send(
        &self,
        target: &ForwardTarget,
        event: &StoredEvent,
        delivery_id: i64,
        attempt: i64,
    ) -> Result<i64, (Option<i64>, String)> {
        let body = body_for(event, target.format);
        match &target.kind {
            TargetKind::Http { url, secret } => {
                let mut req = self
                    .http
                    .post(url)
                    .timeout(self.timeout)
                    .header("content-type", "application/json")
                    .header("idempotency-key", idempotency_key(event))
                    .header("x-instagraph-event-id", event.id.to_string())
                    .header("x-instagraph-event-type", event.event_type.as_str())
                    .header("x-instagraph-delivery-id", delivery_id.to_string())
                    .header("x-instagraph-delivery-attempt", attempt.to_string());
                if let Some(secret) = secret {
                    req = req.header(
                        SIGNATURE_HEADER,
                        instagraph_webhook::sign(secret.expose_secret().as_bytes(), &body),
                    );
                }
                match req.body(body).send().await {
                    Ok(resp) if resp.status().is_success() => Ok(i64::from(resp.status().as_u16())),
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        Err((Some(i64::from(status)), format!("HTTP {status}")))
                    }
                    Err(e) => Err((None, describe_http_error(e))),
                }
            }
            TargetKind::Command { command } => run_command(command, &body, self.timeout).await,
        }
    }

    /// Runs until aborted: sends what is due whenever deliveries are created, when the next
    /// retry falls due, and on a poll.
    pub async fn run(self, clock: instagraph::clock::SharedClock, wake: Arc<Notify>) {
        let names = self.names();
        if names.is_empty() {
            return;
        }
        loop {
            let now = clock.now_ms();
            if let Err(e) = self.run_due(now).await {
                tracing::error!(error = %e, "delivering events failed; will retry");
            }
            let wait = match self.store.next_delivery_due(&names).await {
                Ok(Some(at)) => {
                    Duration::from_millis(u64::try_from(at - clock.now_ms()).unwrap_or(0)).min(POLL)
                }
                _ => POLL,
            };
            if wait.is_zero() {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// An HTTP error without its URL (whose query could hold a secret).
fn describe_http_error(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirect refused"
    } else {
        "request failed"
    };
    format!("{kind}: {}", e.without_url())
}

async fn run_command(
    command: &str,
    body: &[u8],
    timeout: Duration,
) -> Result<i64, (Option<i64>, String)> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| (None, format!("cannot start `sh -c`: {e}")))?;
    let mut stdin = child.stdin.take();
    let run = async {
        if let Some(stdin) = stdin.as_mut() {
            // A command that does not read its input is fine.
            let _ = stdin.write_all(body).await;
            let _ = stdin.write_all(b"\n").await;
        }
        drop(stdin);
        child.wait_with_output().await
    };
    match tokio::time::timeout(timeout, run).await {
        Err(_) => Err((
            None,
            format!("command timed out after {}s", timeout.as_secs()),
        )),
        Ok(Err(e)) => Err((None, format!("command failed: {e}"))),
        Ok(Ok(out)) => match out.status.code() {
            Some(0) => Ok(0),
            code => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let tail: String = stderr
                    .trim()
                    .chars()
                    .rev()
                    .take(300)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                Err((
                    code.map(i64::from),
                    format!(
                        "command exited with {}{}",
                        code.map_or("a signal".to_owned(), |c| format!("status {c}")),
                        if tail.is_empty() {
                            String::new()
                        } else {
                            format!(": {tail}")
                        }
                    ),
                ))
            }
        },
    }
}
