//! Typed operations, one module per API area. Each adds methods to [`crate::Client`].

pub mod raw;
pub mod user;
