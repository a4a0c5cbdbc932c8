//! Typed identifiers.
//!
//! Every id the platform hands out is an opaque string. Some older payloads encode ids as JSON
//! numbers, so every id type deserializes from either form. Ids that must be numeric on the
//! platform (IG user ids, page ids, media ids) can be checked with [`IgUserId::parse`] and friends
//! before anything is sent.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A value the platform sends as a string or as an integer (ids, mostly).
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum StringOrNumber {
    S(String),
    I(i64),
    U(u64),
}

impl From<StringOrNumber> for String {
    fn from(v: StringOrNumber) -> String {
        match v {
            StringOrNumber::S(s) => s,
            StringOrNumber::I(i) => i.to_string(),
            StringOrNumber::U(u) => u.to_string(),
        }
    }
}

/// Deserializes a string or an integer into a `String` (Graph sometimes sends ids as numbers).
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    StringOrNumber::deserialize(d).map(String::from)
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, numeric = $numeric:expr, what = $what:expr) => {
        id_type!($(#[$doc])* $name, numeric = $numeric, what = $what, max_len = 64, extra = b"_-=");
    };
    ($(#[$doc:meta])* $name:ident, numeric = $numeric:expr, what = $what:expr, max_len = $max:expr, extra = $extra:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "schemars", schemars(transparent))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id without checking it (ids from the platform are trusted as they are).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// Checks user input before it is used in a request path.
            pub fn parse(id: &str) -> Result<Self, crate::Error> {
                let trimmed = id.trim();
                let extra: &[u8] = $extra;
                let ok = !trimmed.is_empty()
                    && trimmed.len() <= $max
                    && if $numeric {
                        trimmed.bytes().all(|b| b.is_ascii_digit())
                    } else {
                        trimmed
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
                    };
                if ok {
                    Ok(Self(trimmed.to_owned()))
                } else {
                    Err(crate::Error::invalid_input(
                        $what,
                        if $numeric {
                            format!("a numeric id of at most {} digits", $max)
                        } else {
                            let chars: Vec<String> = extra.iter().map(|c| format!("'{}'", char::from(*c))).collect();
                            format!("an id of at most {} letters, digits, {}", $max, chars.join(", "))
                        },
                        id,
                    ))
                }
            }

            /// The id as sent to the platform.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                string_or_number(d).map(Self)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// An Instagram professional account id (`17841…`), the node of Facebook Login calls and
    /// `user_id` on Instagram Login.
    IgUserId, numeric = true, what = "ig_user_id"
);
id_type!(
    /// The app-scoped user id that Instagram Login's `/me` returns as `id`.
    AppScopedUserId, numeric = true, what = "app_scoped_user_id"
);
id_type!(
    /// A Facebook Page id.
    PageId, numeric = true, what = "page_id"
);
id_type!(
    /// A Facebook user id.
    FacebookUserId, numeric = true, what = "facebook_user_id"
);
id_type!(
    /// A published media id.
    MediaId, numeric = true, what = "media_id"
);
id_type!(
    /// A media container ("media builder") id, as returned by `POST /{ig-user-id}/media`.
    ContainerId, numeric = true, what = "container_id"
);
id_type!(
    /// A comment id.
    CommentId, numeric = true, what = "comment_id"
);
id_type!(
    /// A hashtag id (global and static).
    HashtagId, numeric = true, what = "hashtag_id"
);
id_type!(
    /// An Instagram-scoped user id (IGSID): the `sender.id` of a direct message.
    Igsid, numeric = true, what = "igsid"
);
id_type!(
    /// A direct message id (`mid`): base64-like on Instagram (about 180 characters), `mid.…:…`
    /// on older Messenger payloads.
    MessageId, numeric = false, what = "message_id", max_len = 512, extra = b"_-=.:"
);
id_type!(
    /// A conversation (thread) id (base64-like on Instagram, `t_…` on Messenger).
    ConversationId, numeric = false, what = "conversation_id", max_len = 512, extra = b"_-=."
);
id_type!(
    /// A reusable attachment id from `message_attachments`.
    AttachmentId, numeric = true, what = "attachment_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_strings_and_numbers() {
        let a: IgUserId = serde_json::from_str("\"17841400000000001\"").unwrap();
        let b: IgUserId = serde_json::from_str("17841400000000001").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "17841400000000001");
    }

    #[test]
    fn parse_rejects_non_numeric_ids_with_the_field_named() {
        let err = IgUserId::parse("me/../x").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ig_user_id"), "{text}");
        assert!(err.is_before_network());
        assert!(IgUserId::parse(" 17841400000000001 ").is_ok());
        assert!(MessageId::parse("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUl").is_ok());
        assert!(MessageId::parse("a b").is_err());
        let ig_mid = format!("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj{}", "A".repeat(150));
        assert!(
            MessageId::parse(&ig_mid).is_ok(),
            "real mids are ~180 characters"
        );
        assert!(MessageId::parse("mid.1456970487936:c34767dfe57ee6e339").is_ok());
        assert!(MessageId::parse("a/b").is_err());
        assert!(ConversationId::parse(&"x".repeat(513)).is_err());
    }
}
