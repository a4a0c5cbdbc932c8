//! # instagraph-webhook
//!
//! Pure code for Instagram (and Messenger-shaped) webhooks, no I/O:
//!
//! - [`signature`]: the `X-Hub-Signature-256` check over the raw body (constant time, against
//!   every configured app secret), the `hub.*` subscription handshake, and signing (for the
//!   sandbox and our own forwarding);
//! - [`payload`]: [`split`] turns a delivered body into [`Event`]s (one per messaging/standby
//!   item or change), each with its raw JSON, a normalised camelCase form compatible with the
//!   n8n Instagram Trigger node, and a stable [`dedupe_key`](Event::dedupe_key); plus typed
//!   views of messaging items and change values.
//!
//! The receiver in `instagraph-server` stores the raw body first, then calls [`split`]; this
//! crate never panics on any input and fails only on a body that is not an envelope.

pub mod payload;
pub mod signature;

pub use payload::{
    Event, EventKind, MAX_DEDUPE_KEY_LEN, MessagingItem, PayloadError, Source, epoch_to_ms, split,
};
pub use signature::{
    Handshake, HandshakeError, SIGNATURE_HEADER, SignatureError, sign, verify_handshake,
    verify_signature,
};
