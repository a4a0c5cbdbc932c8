//! Comments and moderation, both login families: list a media's comments (with replies expanded
//! on request), read one comment, list replies, comment, reply, hide and unhide, delete.
//! Enabling and disabling comments on a media is [`Client::set_comments_enabled`].
//!
//! **Text rules**, checked before the network ([`check_comment_text`]): 1 to 300 characters, at
//! most 4 hashtags, at most 1 URL, and not all capitals. The error names the rule and the value.
//!
//! Comments can be made on the account's own media only (another account's media: reply to a
//! mention with [`Client::reply_to_mention`]); threads are one level deep (a reply cannot be
//! replied to).

use crate::client::{Client, Request};
use crate::error::Error;
use crate::fields::{FieldSet, Node};
use crate::ids::{CommentId, MediaId};
use crate::models::{Comment, Created, Success};
use crate::ops::media::{ListQuery, MAX_LIMIT};
use crate::paging::Page;

/// Comment text: at most this many characters.
pub const MAX_COMMENT_CHARS: usize = 300;
/// Hashtags per comment.
pub const MAX_COMMENT_HASHTAGS: usize = 4;
/// URLs per comment.
pub const MAX_COMMENT_URLS: usize = 1;
/// A comment with at least this many letters, all capitals, is refused (shorter ones such as
/// "OK" or "NYC" pass: the platform's rule is about shouting, and acronyms are not).
pub const ALL_CAPS_MIN_LETTERS: usize = 4;

fn count_hashtags(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut n = 0;
    for (i, c) in chars.iter().enumerate() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if *c == '#'
            && starts_word
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_alphanumeric() || *n == '_')
        {
            n += 1;
        }
    }
    n
}

fn looks_like_url(token: &str) -> bool {
    let t = token.trim_matches(|c: char| {
        matches!(
            c,
            '(' | ')' | '[' | ']' | '<' | '>' | '"' | '\'' | ',' | '!' | '?' | ';' | ':'
        )
    });
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return true;
    }
    if t.contains('@') || t.starts_with('#') {
        return false;
    }
    // domain.tld or domain.tld/path
    let host = lower.split('/').next().unwrap_or("");
    let host = host.trim_end_matches('.');
    let mut parts = host.rsplit('.');
    let (Some(tld), Some(name)) = (parts.next(), parts.next()) else {
        return false;
    };
    (2..=6).contains(&tld.len())
        && tld.bytes().all(|b| b.is_ascii_lowercase())
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn count_urls(text: &str) -> usize {
    text.split_whitespace()
        .filter(|t| looks_like_url(t))
        .count()
}

/// Checks comment (and reply) text against the platform's rules: 1–300 characters, at most 4
/// hashtags, at most 1 URL, not all capitals.
pub fn check_comment_text(text: &str) -> Result<(), Error> {
    let n = text.chars().count();
    if text.trim().is_empty() || n > MAX_COMMENT_CHARS {
        return Err(Error::invalid_input(
            "message",
            format!("1 to {MAX_COMMENT_CHARS} characters"),
            if n > MAX_COMMENT_CHARS {
                text.to_owned()
            } else {
                format!("{text:?} (empty)")
            },
        ));
    }
    let tags = count_hashtags(text);
    if tags > MAX_COMMENT_HASHTAGS {
        return Err(Error::invalid_input(
            "message",
            format!("at most {MAX_COMMENT_HASHTAGS} hashtags (found {tags})"),
            text,
        ));
    }
    let urls = count_urls(text);
    if urls > MAX_COMMENT_URLS {
        return Err(Error::invalid_input(
            "message",
            format!("at most {MAX_COMMENT_URLS} URL (found {urls})"),
            text,
        ));
    }
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let cased = letters
        .iter()
        .filter(|c| c.is_uppercase() || c.is_lowercase())
        .count();
    if cased >= ALL_CAPS_MIN_LETTERS && letters.iter().all(|c| !c.is_lowercase()) {
        return Err(Error::invalid_input(
            "message",
            "text that is not all capitals",
            text,
        ));
    }
    Ok(())
}

/// A comments list request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommentQuery {
    /// Fields of each comment.
    pub fields: FieldSet,
    /// Also return each comment's replies (`replies{...}` with the same fields).
    pub with_replies: bool,
    /// Page size (1–100).
    pub limit: Option<u32>,
    /// Start after this cursor.
    pub after: Option<String>,
}

impl CommentQuery {
    fn fields_param(&self, client: &Client) -> Result<String, Error> {
        let fields = self.fields.resolve(Node::Comment, client.login())?;
        if self.with_replies && !fields.split(',').any(|f| f.trim().starts_with("replies")) {
            let reply_fields: Vec<&str> = fields
                .split(',')
                .filter(|f| !f.contains('{') && *f != "replies")
                .collect();
            Ok(format!("{fields},replies{{{}}}", reply_fields.join(",")))
        } else {
            Ok(fields)
        }
    }
}

impl Client {
    /// `GET /{media-id}/comments`: top-level comments, newest first (replies on request).
    pub fn comments_request(&self, media: &MediaId, q: &CommentQuery) -> Result<Request, Error> {
        MediaId::parse(media.as_str())?;
        let list = ListQuery {
            fields: FieldSet::Custom(q.fields_param(self)?),
            limit: q.limit,
            after: q.after.clone(),
            ..ListQuery::default()
        };
        list.apply(
            Request::get(format!("{media}/comments")),
            Node::Comment,
            self.login(),
            MAX_LIMIT,
        )
    }

    /// The first page of [`Client::comments_request`].
    pub async fn comments(
        &self,
        media: &MediaId,
        q: &CommentQuery,
    ) -> Result<Page<Comment>, Error> {
        self.page(self.comments_request(media, q)?).await
    }

    /// `GET /{comment-id}`: one comment or reply.
    pub async fn comment(&self, id: &CommentId, fields: &FieldSet) -> Result<Comment, Error> {
        CommentId::parse(id.as_str())?;
        let fields = fields.resolve(Node::Comment, self.login())?;
        self.send_json(Request::get(id.as_str()).query("fields", fields))
            .await
    }

    /// `GET /{comment-id}/replies`.
    pub fn replies_request(&self, id: &CommentId, q: &ListQuery) -> Result<Request, Error> {
        CommentId::parse(id.as_str())?;
        q.apply(
            Request::get(format!("{id}/replies")),
            Node::Comment,
            self.login(),
            MAX_LIMIT,
        )
    }

    /// The first page of [`Client::replies_request`].
    pub async fn replies(&self, id: &CommentId, q: &ListQuery) -> Result<Page<Comment>, Error> {
        self.page(self.replies_request(id, q)?).await
    }

    /// `POST /{media-id}/comments?message=...`: comments on the account's own media. Not
    /// retried automatically (a retry could post twice).
    pub async fn create_comment(&self, media: &MediaId, text: &str) -> Result<Created, Error> {
        MediaId::parse(media.as_str())?;
        check_comment_text(text)?;
        self.send_json(Request::post(format!("{media}/comments")).form("message", text))
            .await
    }

    /// `POST /{comment-id}/replies?message=...`: replies to a top-level comment.
    pub async fn reply_to_comment(
        &self,
        comment: &CommentId,
        text: &str,
    ) -> Result<Created, Error> {
        CommentId::parse(comment.as_str())?;
        check_comment_text(text)?;
        self.send_json(Request::post(format!("{comment}/replies")).form("message", text))
            .await
    }

    /// `POST /{comment-id}?hide=true|false`: hides or unhides a comment (it stays readable by
    /// the owner, with `hidden: true`).
    pub async fn hide_comment(&self, comment: &CommentId, hide: bool) -> Result<Success, Error> {
        CommentId::parse(comment.as_str())?;
        let req = Request::post(comment.as_str())
            .form("hide", hide.to_string())
            .retry_safe();
        self.send_json(req).await
    }

    /// `DELETE /{comment-id}`.
    pub async fn delete_comment(&self, comment: &CommentId) -> Result<Success, Error> {
        CommentId::parse(comment.as_str())?;
        self.send_json(Request::delete(comment.as_str())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert!(check_comment_text("Thanks for the love! #grateful").is_ok());
        assert!(check_comment_text("OK").is_ok(), "short acronyms pass");
        assert!(check_comment_text("See https://shop.example.com for sizes").is_ok());
        let e = check_comment_text(&"a".repeat(301))
            .unwrap_err()
            .to_string();
        assert!(e.contains("300") && e.contains("301 characters"), "{e}");
        assert!(check_comment_text("   ").is_err());
        let e = check_comment_text("#a #b #c #d #e")
            .unwrap_err()
            .to_string();
        assert!(e.contains("4 hashtags") && e.contains("found 5"), "{e}");
        assert!(check_comment_text("#a #b #c #d and a#b is not a tag").is_ok());
        let e = check_comment_text("see example.com and https://x.example.org/p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 URL") && e.contains("found 2"), "{e}");
        assert!(check_comment_text("mail me at a@b.com, see www.shop.io").is_ok());
        let e = check_comment_text("THIS IS GREAT!!!")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not all capitals"), "{e}");
        assert!(check_comment_text("THIS is great").is_ok());
        assert!(
            check_comment_text("太棒了 🎉").is_ok(),
            "uncased scripts are not capitals"
        );
    }
}
