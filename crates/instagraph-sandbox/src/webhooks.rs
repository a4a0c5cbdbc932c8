//! Webhook events the sandbox world produces (a user sends a DM, clicks a postback, comments,
//! mentions the account, a story's insights arrive, an echo of a message the business sent).
//!
//! Handlers and simulations call [`emit`]; the events wait in the state's outbox until a
//! deliverer takes them ([`crate::Sandbox::take_webhooks`]) and POSTs them, signed, to the
//! configured callback, the way Meta does.

use serde::Serialize;
use serde_json::{Value, json};

use crate::state::State;

/// Most events kept in the outbox; the oldest are dropped beyond this.
pub(crate) const MAX_OUTBOX: usize = 100_000;

/// What an event carries: a `messaging[]` item or a `changes[]` item.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookPayload {
    /// One `entry[].messaging[]` item, exactly as Meta sends it
    /// (`{sender, recipient, timestamp, message|postback|reaction|read|...}`).
    Messaging {
        /// The subscription field it belongs to (`messages`, `messaging_postbacks`,
        /// `message_reactions`, `messaging_seen`, `message_edit`, `messaging_optins`,
        /// `messaging_referral`).
        field: String,
        /// The item.
        item: Value,
    },
    /// One `entry[].changes[]` item: `{field, value}`.
    Change {
        /// `comments`, `live_comments`, `mentions`, `story_insights`, ...
        field: String,
        /// The change's `value`.
        value: Value,
    },
}

impl WebhookPayload {
    /// The subscription field.
    pub fn field(&self) -> &str {
        match self {
            Self::Messaging { field, .. } | Self::Change { field, .. } => field,
        }
    }
}

/// One webhook event waiting for delivery.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WebhookEvent {
    /// `instagram` (both login families deliver Instagram events under this object).
    pub object: String,
    /// `entry[].id`: the IG professional account's id (on both login families).
    pub entry_id: String,
    /// `entry[].time`, unix milliseconds (sandbox clock).
    pub time_ms: i64,
    /// The event.
    pub payload: WebhookPayload,
}

impl WebhookEvent {
    /// The whole envelope Meta would POST for this one event.
    pub fn envelope(&self) -> Value {
        envelope(std::slice::from_ref(self))
    }
}

/// One envelope holding several events, one entry per event, in order.
pub fn envelope(events: &[WebhookEvent]) -> Value {
    let object = events
        .first()
        .map(|e| e.object.clone())
        .unwrap_or_else(|| "instagram".to_owned());
    let entries: Vec<Value> = events
        .iter()
        .map(|e| match &e.payload {
            WebhookPayload::Messaging { item, .. } => {
                json!({"id": e.entry_id, "time": e.time_ms, "messaging": [item]})
            }
            WebhookPayload::Change { field, value } => {
                json!({"id": e.entry_id, "time": e.time_ms / 1000, "changes": [{"field": field, "value": value}]})
            }
        })
        .collect();
    json!({"object": object, "entry": entries})
}

/// Queues an event for the account `entry_id` at the sandbox's current time.
pub(crate) fn emit(st: &mut State, entry_id: &str, payload: WebhookPayload) {
    let time_ms = st.now().saturating_mul(1000);
    st.outbox.push_back(WebhookEvent {
        object: "instagram".to_owned(),
        entry_id: entry_id.to_owned(),
        time_ms,
        payload,
    });
    while st.outbox.len() > MAX_OUTBOX {
        st.outbox.pop_front();
    }
    st.outbox_notify.notify_one();
}
