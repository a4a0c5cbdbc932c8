//! Typed operations, one module per API area. Each adds methods to [`crate::Client`].

pub mod batch;
pub mod comments;
pub mod discovery;
pub mod hashtags;
pub mod insights;
pub mod media;
pub mod mentions;
pub mod messaging;
pub mod messenger_profile;
pub mod publishing;
pub mod raw;
pub mod shopping;
pub mod user;
