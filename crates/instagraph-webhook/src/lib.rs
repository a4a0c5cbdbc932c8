//! # instagraph-webhook
//!
//! Pure code for Instagram webhooks, no I/O: the `X-Hub-Signature-256` check over the raw body
//! (constant time, against every configured app secret), the subscription handshake check, and
//! signing (for the sandbox and for our own forwarding). Payload types and normalisation are added
//! here by the webhook receiver work; the receiver itself lives in `instagraph-server`.

pub mod signature;

pub use signature::{
    Handshake, HandshakeError, SIGNATURE_HEADER, SignatureError, sign, verify_handshake,
    verify_signature,
};
