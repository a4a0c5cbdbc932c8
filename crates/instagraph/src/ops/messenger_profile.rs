//! The messenger profile (`/{node}/messenger_profile`): ice breakers (up to 4 per locale),
//! persistent menu, get started and greeting. Instagram Login uses `/{ig-user-id|me}`; Facebook
//! Login `/me` with the Page token and `platform=instagram` (sent on both families).

use crate::client::{Client, Request};
use crate::error::Error;
use crate::models::MessengerProfile;
use crate::ops::messaging::check_https;
use crate::paging::Page;
use serde_json::{Value, json};
use std::fmt;
use std::str::FromStr;

/// Ice breaker questions per locale.
pub const MAX_ICE_BREAKERS: usize = 4;
/// Ice breaker questions: at most this many characters.
pub const MAX_QUESTION_CHARS: usize = 80;
/// Persistent menu items per locale.
pub const MAX_MENU_ITEMS: usize = 20;
/// Persistent menu titles: at most this many characters.
pub const MAX_MENU_TITLE_CHARS: usize = 30;
/// Greeting texts: at most this many characters.
pub const MAX_GREETING_CHARS: usize = 160;
/// Payloads: at most this many characters.
pub const MAX_PAYLOAD_CHARS: usize = 1000;

/// A field of the messenger profile, for reading and deleting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessengerProfileField {
    /// `ice_breakers`.
    IceBreakers,
    /// `persistent_menu`.
    PersistentMenu,
    /// `get_started`.
    GetStarted,
    /// `greeting`.
    Greeting,
}

impl MessengerProfileField {
    /// All four.
    pub const ALL: [MessengerProfileField; 4] = [
        MessengerProfileField::IceBreakers,
        MessengerProfileField::PersistentMenu,
        MessengerProfileField::GetStarted,
        MessengerProfileField::Greeting,
    ];

    /// The platform's name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessengerProfileField::IceBreakers => "ice_breakers",
            MessengerProfileField::PersistentMenu => "persistent_menu",
            MessengerProfileField::GetStarted => "get_started",
            MessengerProfileField::Greeting => "greeting",
        }
    }
}

impl fmt::Display for MessengerProfileField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessengerProfileField {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == t)
            .ok_or_else(|| {
                Error::invalid_input(
                    "field",
                    "one of ice_breakers, persistent_menu, get_started, greeting",
                    s,
                )
            })
    }
}

fn check_chars(field: &str, value: &str, max: usize) -> Result<(), Error> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(Error::invalid_input(
            field,
            format!("1 to {max} characters"),
            value,
        ));
    }
    Ok(())
}

fn check_locales<'a>(field: &str, locales: impl Iterator<Item = &'a str>) -> Result<(), Error> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, l) in locales.enumerate() {
        let b = l.as_bytes();
        let valid = l == "default"
            || (b.len() == 5
                && b[2] == b'_'
                && b[..2].iter().all(u8::is_ascii_lowercase)
                && b[3..].iter().all(u8::is_ascii_uppercase));
        if !valid {
            return Err(Error::invalid_input(
                format!("{field}[{i}].locale"),
                "default or a locale such as en_US",
                l,
            ));
        }
        if seen.contains(&l) {
            return Err(Error::invalid_input(
                format!("{field}[{i}].locale"),
                "each locale once",
                l,
            ));
        }
        seen.push(l);
    }
    if !seen.is_empty() && !seen.contains(&"default") {
        return Err(Error::invalid_input(
            field,
            "an entry for the default locale",
            seen.join(", "),
        ));
    }
    Ok(())
}

/// Checks a profile update against the platform's limits.
pub fn validate_update(p: &MessengerProfile) -> Result<(), Error> {
    if p.is_empty() {
        return Err(Error::invalid_input(
            "messenger_profile",
            "at least one of ice_breakers, persistent_menu, get_started, greeting",
            "nothing",
        ));
    }
    check_locales(
        "ice_breakers",
        p.ice_breakers.iter().map(|l| l.locale.as_str()),
    )?;
    for (i, l) in p.ice_breakers.iter().enumerate() {
        let n = l.call_to_actions.len();
        if n == 0 || n > MAX_ICE_BREAKERS {
            return Err(Error::invalid_input(
                format!("ice_breakers[{i}].call_to_actions"),
                format!("1 to {MAX_ICE_BREAKERS} questions per locale"),
                format!("{n} questions"),
            ));
        }
        for (j, q) in l.call_to_actions.iter().enumerate() {
            let f = format!("ice_breakers[{i}].call_to_actions[{j}]");
            check_chars(&format!("{f}.question"), &q.question, MAX_QUESTION_CHARS)?;
            check_chars(&format!("{f}.payload"), &q.payload, MAX_PAYLOAD_CHARS)?;
        }
    }
    check_locales(
        "persistent_menu",
        p.persistent_menu.iter().map(|l| l.locale.as_str()),
    )?;
    for (i, l) in p.persistent_menu.iter().enumerate() {
        let n = l.call_to_actions.len();
        if n == 0 || n > MAX_MENU_ITEMS {
            return Err(Error::invalid_input(
                format!("persistent_menu[{i}].call_to_actions"),
                format!("1 to {MAX_MENU_ITEMS} items"),
                format!("{n} items"),
            ));
        }
        for (j, item) in l.call_to_actions.iter().enumerate() {
            let f = format!("persistent_menu[{i}].call_to_actions[{j}]");
            check_chars(&format!("{f}.title"), &item.title, MAX_MENU_TITLE_CHARS)?;
            match item.kind.as_str() {
                "web_url" => {
                    check_https(&format!("{f}.url"), item.url.as_deref().unwrap_or_default())?
                }
                "postback" => check_chars(
                    &format!("{f}.payload"),
                    item.payload.as_deref().unwrap_or_default(),
                    MAX_PAYLOAD_CHARS,
                )?,
                other => {
                    return Err(Error::invalid_input(
                        format!("{f}.type"),
                        "web_url or postback (Instagram menus are flat)",
                        other,
                    ));
                }
            }
        }
    }
    if let Some(g) = &p.get_started {
        check_chars("get_started.payload", &g.payload, MAX_PAYLOAD_CHARS)?;
    }
    check_locales("greeting", p.greeting.iter().map(|g| g.locale.as_str()))?;
    for (i, g) in p.greeting.iter().enumerate() {
        check_chars(&format!("greeting[{i}].text"), &g.text, MAX_GREETING_CHARS)?;
    }
    Ok(())
}

fn names(fields: &[MessengerProfileField]) -> Vec<&'static str> {
    let list: &[MessengerProfileField] = if fields.is_empty() {
        &MessengerProfileField::ALL
    } else {
        fields
    };
    list.iter().map(|f| f.as_str()).collect()
}

impl Client {
    fn messenger_profile_path(&self) -> Result<String, Error> {
        Ok(format!("{}/messenger_profile", self.messaging_node()?))
    }

    /// Reads the messenger profile (all four fields when `fields` is empty).
    pub async fn messenger_profile(
        &self,
        fields: &[MessengerProfileField],
    ) -> Result<MessengerProfile, Error> {
        let req = Request::get(self.messenger_profile_path()?)
            .query("platform", "instagram")
            .query("fields", names(fields).join(","));
        let page: Page<MessengerProfile> = self.send_json(req).await?;
        Ok(page.data.into_iter().next().unwrap_or_default())
    }

    /// Sets the fields present in `profile` (the others stay as they are).
    pub async fn set_messenger_profile(&self, profile: &MessengerProfile) -> Result<(), Error> {
        validate_update(profile)?;
        let mut body = serde_json::to_value(profile).map_err(|e| Error::Decode {
            path: "messenger_profile".into(),
            message: e.to_string(),
        })?;
        body["platform"] = json!("instagram");
        let req = Request::post(self.messenger_profile_path()?)
            .query("platform", "instagram")
            .json(body)
            .retry_safe();
        let _: Value = self.send_json(req).await?;
        Ok(())
    }

    /// Deletes fields of the messenger profile (`DELETE` with `{"fields": [...]}`).
    pub async fn delete_messenger_profile(
        &self,
        fields: &[MessengerProfileField],
    ) -> Result<(), Error> {
        if fields.is_empty() {
            return Err(Error::invalid_input(
                "fields",
                "at least one of ice_breakers, persistent_menu, get_started, greeting",
                "none",
            ));
        }
        let req = Request::delete(self.messenger_profile_path()?)
            .query("platform", "instagram")
            .json(json!({ "fields": names(fields) }));
        let _: Value = self.send_json(req).await?;
        Ok(())
    }
}
