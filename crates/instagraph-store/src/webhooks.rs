//! Webhook storage: raw payloads (stored before the receiver answers 200), the events split
//! out of them (deduplicated by key), signature rejections, and forwarding deliveries with
//! their attempts.
//!
//! The flow, and what each step guarantees:
//! 1. [`WebhookStore::insert_payloads`] stores a batch of verified raw bodies in one
//!    transaction (the receiver's group commit). Only after it returns does the receiver
//!    answer 200, so an acknowledged payload is on disk.
//! 2. A processor reads [`WebhookStore::pending_payloads`], splits each body into events and
//!    hands them to [`WebhookStore::commit_processed`], which, in one transaction, inserts the
//!    events whose dedupe key is new, creates one delivery per matching forwarding target,
//!    and marks the payloads processed. Running it twice over the same payload (a crash
//!    between split and commit, or two instances racing) adds nothing the second time.
//! 3. A deliverer claims due deliveries with a lease ([`WebhookStore::claim_deliveries`]),
//!    sends them, and records each attempt ([`WebhookStore::record_attempt`]). A delivery
//!    whose lease runs out (its deliverer died) is claimed again.

use crate::StoreError;
use serde::Serialize;

/// A verified raw webhook body, as received.
#[derive(Clone, Debug)]
pub struct IncomingPayload {
    /// When it arrived, unix ms.
    pub received_at: i64,
    /// The exact bytes Meta signed.
    pub body: Vec<u8>,
    /// Which configured app secret verified it (0 = the first), if any was required.
    pub secret_index: Option<i64>,
}

/// Processing state of a stored payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadState {
    /// Stored, not yet split into events.
    Pending,
    /// Split; its events are stored.
    Processed,
    /// The body could not be decoded at all; kept raw with the reason.
    Unparseable,
}

impl PayloadState {
    pub(crate) fn from_code(code: i64) -> Self {
        match code {
            1 => Self::Processed,
            2 => Self::Unparseable,
            _ => Self::Pending,
        }
    }
}

/// A stored raw payload.
#[derive(Clone, Debug, Serialize)]
pub struct StoredPayload {
    /// Store id.
    pub id: i64,
    /// When it arrived, unix ms.
    pub received_at: i64,
    /// The raw body.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Processing state.
    pub state: PayloadState,
    /// Why it could not be decoded, for [`PayloadState::Unparseable`].
    pub error: Option<String>,
}

/// One event split out of a payload, ready to store.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// Unique key; an event whose key is already stored is a redelivery and is dropped.
    pub dedupe_key: String,
    /// `entry[].id`: the account the event belongs to.
    pub account_id: String,
    /// The envelope's `object` (`instagram`, `page`).
    pub object: String,
    /// The normalised `eventType` (`message`, `postback`, `comment`, ...).
    pub event_type: String,
    /// `messaging`, `standby`, or the change's field.
    pub field: String,
    /// The event's own time, unix ms, when it has one.
    pub timestamp_ms: Option<i64>,
    /// The event as Meta sent it (one `messaging[]` item or one `changes[]` item), JSON.
    pub raw: String,
    /// The normalised form, JSON.
    pub normalized: String,
}

/// The outcome of splitting one payload.
#[derive(Clone, Debug)]
pub enum Processed {
    /// The payload's events (possibly none).
    Events(Vec<NewEvent>),
    /// The body is not a webhook envelope; the reason is kept with the raw payload.
    Unparseable(String),
}

/// A forwarding target, for creating deliveries at processing time.
#[derive(Clone, Debug)]
pub struct TargetFilter {
    /// The target's name (the delivery's `target`).
    pub name: String,
    /// Event types it wants; empty means all.
    pub event_types: Vec<String>,
    /// Accounts it wants events of, by any of their ids (the envelope's `entry.id`); empty
    /// means all.
    pub account_ids: Vec<String>,
}

impl TargetFilter {
    /// Whether this target wants an event of `event_type` for the account `account_id`.
    pub fn wants(&self, event_type: &str, account_id: &str) -> bool {
        (self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type))
            && (self.account_ids.is_empty() || self.account_ids.iter().any(|a| a == account_id))
    }
}

/// What [`WebhookStore::commit_processed`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessOutcome {
    /// Ids of the events that were new, in order.
    pub new_events: Vec<i64>,
    /// Events dropped as redeliveries.
    pub duplicates: u64,
    /// Deliveries created.
    pub deliveries: u64,
}

/// A stored event.
#[derive(Clone, Debug, Serialize)]
pub struct StoredEvent {
    /// Store id (increasing in arrival order).
    pub id: i64,
    /// The payload it came from.
    pub payload_id: i64,
    /// When its payload arrived, unix ms.
    pub received_at: i64,
    /// Dedupe key.
    pub dedupe_key: String,
    /// `entry[].id`.
    pub account_id: String,
    /// Envelope `object`.
    pub object: String,
    /// Normalised `eventType`.
    pub event_type: String,
    /// `messaging`, `standby`, or the change's field.
    pub field: String,
    /// The event's time, unix ms.
    pub timestamp_ms: Option<i64>,
    /// As Meta sent it.
    pub raw: serde_json::Value,
    /// Normalised.
    pub normalized: serde_json::Value,
}

/// Which events to list. All conditions combine with AND; `None`/empty means any.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    /// Only ids greater than this (for following).
    pub after_id: Option<i64>,
    /// Only these ids.
    pub ids: Vec<i64>,
    /// Only these event types.
    pub event_types: Vec<String>,
    /// Only this account.
    pub account_id: Option<String>,
    /// Received at or after, unix ms.
    pub since_ms: Option<i64>,
    /// Received before, unix ms.
    pub until_ms: Option<i64>,
    /// At most this many (default 100, at most 10 000).
    pub limit: Option<u32>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}

impl EventQuery {
    /// The effective limit.
    pub fn effective_limit(&self) -> i64 {
        i64::from(self.limit.unwrap_or(100).clamp(1, 10_000))
    }
}

/// A signature (or other) rejection, for the operator.
#[derive(Clone, Debug, Serialize)]
pub struct Rejection {
    /// When, unix ms.
    pub at: i64,
    /// Why (`signature_missing`, `signature_mismatch`, `signature_malformed`, `too_large`, ...).
    pub reason: String,
    /// Whether `X-Hub-Signature-256` was present.
    pub signature_present: bool,
    /// Body length in bytes.
    pub body_len: i64,
}

/// Delivery state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its next attempt (or being attempted under a lease).
    Pending,
    /// The target accepted it.
    Delivered,
    /// Every attempt failed; dead-lettered.
    Dead,
}

impl DeliveryState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// A delivery of one event to one target.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    /// Store id.
    pub id: i64,
    /// The event.
    pub event_id: i64,
    /// The target's name.
    pub target: String,
    /// State.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: i64,
    /// When the next attempt is due (or the current lease ends), unix ms.
    pub next_at: Option<i64>,
    /// When it was created, unix ms.
    pub created_at: i64,
    /// The last failure.
    pub last_error: Option<String>,
}

/// A claimed delivery with its event.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    /// The delivery.
    pub delivery: Delivery,
    /// Its event.
    pub event: StoredEvent,
}

/// One attempt's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    /// When it started, unix ms.
    pub at: i64,
    /// HTTP status or exit code, when there was one.
    pub status: Option<i64>,
    /// The failure, if it failed.
    pub error: Option<String>,
    /// How long it took, ms.
    pub duration_ms: i64,
}

/// What happens to a delivery after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterAttempt {
    /// It succeeded.
    Delivered,
    /// Try again at this time (unix ms).
    RetryAt(i64),
    /// Give up: dead-letter it.
    Dead,
}

/// Counts for the operator.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct WebhookStats {
    /// Raw payloads stored.
    pub payloads: i64,
    /// Payloads not yet processed.
    pub pending_payloads: i64,
    /// Payloads that could not be decoded.
    pub unparseable_payloads: i64,
    /// Events stored.
    pub events: i64,
    /// Rejections recorded.
    pub rejections: i64,
    /// Deliveries waiting.
    pub deliveries_pending: i64,
    /// Deliveries delivered.
    pub deliveries_delivered: i64,
    /// Deliveries dead-lettered.
    pub deliveries_dead: i64,
}

/// Webhook storage operations (part of every [`Store`](crate::Store)).
#[async_trait::async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores raw payloads in one transaction and returns their ids in the same order.
    /// When it returns `Ok`, every payload is durable.
    async fn insert_payloads(&self, batch: &[IncomingPayload]) -> Result<Vec<i64>, StoreError>;

    /// Up to `limit` pending payloads, oldest first.
    async fn pending_payloads(&self, limit: u32) -> Result<Vec<StoredPayload>, StoreError>;

    /// One payload by id.
    async fn payload(&self, id: i64) -> Result<Option<StoredPayload>, StoreError>;

    /// In one transaction: inserts the new events (dropping known dedupe keys), creates a
    /// delivery due at `now_ms` for each new event and each target that wants it, and marks
    /// each payload processed (or unparseable). Idempotent per payload.
    async fn commit_processed(
        &self,
        results: &[(i64, Processed)],
        targets: &[TargetFilter],
        now_ms: i64,
    ) -> Result<ProcessOutcome, StoreError>;

    /// Events matching `query`.
    async fn events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>, StoreError>;

    /// Records a rejected request.
    async fn record_rejection(&self, rejection: &Rejection) -> Result<(), StoreError>;

    /// The newest rejections, newest first.
    async fn rejections(&self, limit: u32) -> Result<Vec<Rejection>, StoreError>;

    /// Creates a delivery of each event to `target`, due at `now_ms` (for replays).
    /// Returns how many were created.
    async fn enqueue_deliveries(
        &self,
        event_ids: &[i64],
        target: &str,
        now_ms: i64,
    ) -> Result<u64, StoreError>;

    /// Claims up to `limit` pending deliveries due at `now_ms` (optionally only for
    /// `targets`), pushing their due time to `lease_until_ms` so no other deliverer takes
    /// them meanwhile; returns them with their events, oldest due first.
    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        targets: &[String],
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Records an attempt and moves the delivery on.
    async fn record_attempt(
        &self,
        delivery_id: i64,
        attempt: &Attempt,
        after: AfterAttempt,
    ) -> Result<(), StoreError>;

    /// The earliest due time of a pending delivery (among `targets`, if given).
    async fn next_delivery_due(&self, targets: &[String]) -> Result<Option<i64>, StoreError>;

    /// Deliveries of one event, or all (newest first) when `event_id` is `None`.
    async fn deliveries(
        &self,
        event_id: Option<i64>,
        state: Option<DeliveryState>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// The attempts of one delivery, oldest first.
    async fn attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>, StoreError>;

    /// Counts.
    async fn webhook_stats(&self) -> Result<WebhookStats, StoreError>;
}

/// Parses a stored JSON column, falling back to a string value (never fails: the raw text is
/// what we stored ourselves).
pub(crate) fn json_column(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

/// SQL placeholders `?` rewritten to PostgreSQL's `$1, $2, ...` (no `?` appears in our SQL
/// other than as a placeholder).
pub(crate) fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// `(?, ?, ?), (?, ?, ?)` for `rows` rows of `cols` columns.
pub(crate) fn values_list(rows: usize, cols: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(", "));
    vec![one; rows].join(", ")
}

/// `?, ?, ?` for `n` values.
pub(crate) fn in_list(n: usize) -> String {
    vec!["?"; n].join(", ")
}

#[cfg(test)]
mod tests {
    use super::TargetFilter;

    #[test]
    fn targets_filter_by_type_and_account() {
        let t = TargetFilter {
            name: "a".into(),
            event_types: vec!["message".into()],
            account_ids: vec!["178414".into(), "page1".into()],
        };
        assert!(t.wants("message", "178414"));
        assert!(t.wants("message", "page1"));
        assert!(!t.wants("message", "999"), "another account");
        assert!(!t.wants("postback", "178414"), "another type");
        let all = TargetFilter {
            name: "b".into(),
            event_types: vec![],
            account_ids: vec![],
        };
        assert!(all.wants("anything", "any"));
    }
}
