//! Typed operations, one module per API area. Each adds methods to [`crate::Client`].

pub mod messaging;
pub mod messenger_profile;
pub mod raw;
pub mod user;
