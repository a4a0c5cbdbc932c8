//! # instagraph
//!
//! A typed async client for the Instagram Platform: the Graph API with Facebook Login
//! (`graph.facebook.com`) and the Instagram API with Instagram Login (`graph.instagram.com`).
//!
//! - [`ClientConfig`] makes the login family explicit; operations one family lacks fail before
//!   the network ([`Error::Unsupported`]).
//! - Tokens go in `Authorization: Bearer`; `appsecret_proof` is added when an app secret is set.
//! - Errors are parsed whole and classified ([`ErrorClass`]), each with the fix a user needs.
//! - Retries ([`retry::RetryPolicy`]) only for retryable classes and idempotent calls; pacing from
//!   the usage headers and local budgets ([`ratelimit`]); cursor streams ([`Client::stream`]).
//! - Reading and engagement, typed and checked before the network: media, stories, live and
//!   tagged media ([`ops::media`]), comments and moderation ([`ops::comments`]), mentions,
//!   hashtags with the 30-per-7-days budget, business discovery, insights with the metric rules
//!   ([`ops::insights`]), shopping, batch ([`ops::batch`]); field sets from Meta's specs
//!   ([`fields`]); what the specs have that this crate leaves out, and why: [`coverage`].
//! - [`Client::raw`] is the escape hatch for anything not typed yet.
//!
//! ```no_run
//! # async fn demo() -> Result<(), instagraph::Error> {
//! use instagraph::{Client, ClientConfig, LoginFamily};
//! let client = Client::new(ClientConfig::new(LoginFamily::Instagram, "IGAA...").base_url("http://127.0.0.1:8080"))?;
//! let me = client.me(None).await?;
//! println!("{:?}", me.username);
//! # Ok(()) }
//! ```

pub mod auth;
pub mod client;
pub mod clock;
pub mod config;
pub mod coverage;
pub mod error;
pub mod fields;
pub mod ids;
pub mod models;
pub mod ops;
pub mod paging;
pub mod ratelimit;
pub mod retry;

pub use async_trait::async_trait;
pub use client::{Client, ClientBuilder, Method, Request, Response, appsecret_proof, redact_url};
pub use config::{ApiVersion, ClientConfig, DEFAULT_API_VERSION, LoginFamily};
pub use error::{Error, ErrorClass, GraphError, PublishFailure};
pub use models::publishing::{ContainerStatus, ContainerStatusCode, PublishingLimit};
pub use ops::publishing::{
    CarouselItem, CarouselPost, Container, HostedMedia, ItemKind, MediaHost, MediaSource,
    PhotoPost, PostSpec, PreflightExpect, PreflightReport, PublishOptions, Published, ReelPost,
    StoryKind, StoryPost, UserTag, WaitPolicy, WaitProgress, preflight,
};
pub use ops::raw::RawCall;
pub use paging::Page;
pub use secrecy::{ExposeSecret, SecretString};
