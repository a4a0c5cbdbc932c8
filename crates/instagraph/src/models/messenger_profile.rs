//! The messenger profile of an Instagram account: ice breakers, persistent menu, get started
//! and greeting, per locale. The same types are read from the platform and written to it (and
//! from JSON or TOML files by the CLI).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn default_locale() -> String {
    "default".to_owned()
}

/// One ice breaker: a question the user can tap, and the payload of the resulting postback.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct IceBreaker {
    /// The question shown.
    pub question: String,
    /// The postback payload.
    pub payload: String,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The ice breakers of one locale (up to 4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct IceBreakers {
    /// `default` or a locale such as `en_US`.
    #[serde(default = "default_locale")]
    pub locale: String,
    /// The questions.
    pub call_to_actions: Vec<IceBreaker>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An item of the persistent menu: `postback` (with `payload`) or `web_url` (with `url`).
/// Messenger also has `nested` items; Instagram menus are flat.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct MenuItem {
    /// `postback`, `web_url` (or `nested` on Messenger).
    #[serde(rename = "type")]
    pub kind: String,
    /// The title.
    pub title: String,
    /// The URL of a `web_url` item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The payload of a `postback` item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Sub-items of a Messenger `nested` item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_to_actions: Vec<MenuItem>,
    /// Fields not declared here (`webview_height_ratio`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The persistent menu of one locale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PersistentMenu {
    /// `default` or a locale such as `en_US`.
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Messenger only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composer_input_disabled: Option<bool>,
    /// The items.
    pub call_to_actions: Vec<MenuItem>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The get-started button's postback.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GetStarted {
    /// Its payload.
    pub payload: String,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A greeting text of one locale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Greeting {
    /// `default` or a locale such as `en_US`.
    #[serde(default = "default_locale")]
    pub locale: String,
    /// The text (up to 160 characters).
    pub text: String,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A messenger profile: what `GET /{node}/messenger_profile` returns (the first `data` item), and
/// what `POST` sets (fields left empty are not sent, so they stay as they are).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct MessengerProfile {
    /// Ice breakers per locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ice_breakers: Vec<IceBreakers>,
    /// Persistent menu per locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persistent_menu: Vec<PersistentMenu>,
    /// The get-started button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_started: Option<GetStarted>,
    /// Greeting texts per locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub greeting: Vec<Greeting>,
    /// Other profile fields (`whitelisted_domains`, ...), kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessengerProfile {
    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.ice_breakers.is_empty()
            && self.persistent_menu.is_empty()
            && self.get_started.is_none()
            && self.greeting.is_empty()
            && self.extra.is_empty()
    }
}
