//! Mentions (Facebook Login): the media or comment in which another account @mentioned this
//! one, and replying to it. The ids come from the `mentions` webhook; mentions cannot be listed.
//! Story mentions are not here: they arrive as direct messages.

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::Error;
use crate::fields::{FieldSet, Node};
use crate::ids::{CommentId, MediaId};
use crate::models::{Comment, Created, Media, MentionedCommentResponse, MentionedMediaResponse};
use crate::ops::comments::check_comment_text;

const FB_ONLY: Option<&str> = Some(
    "mentions are offered with Facebook Login only (graph.facebook.com with a Facebook user token and the IG user id)",
);

/// The media fields a mention may read (the mentioning account's media is not ours: no
/// insights, owner or product tags).
pub const MENTIONED_MEDIA_FIELDS: &str =
    "id,caption,comments_count,like_count,media_type,media_url,permalink,timestamp,username";

impl Client {
    /// `GET /{ig-user-id}?fields=mentioned_media.media_id(ID){...}`: the media whose caption
    /// @mentions this account.
    pub async fn mentioned_media(
        &self,
        media: &MediaId,
        fields: &FieldSet,
    ) -> Result<Media, Error> {
        self.require_family(LoginFamily::Facebook, "reading a mentioned media", FB_ONLY)?;
        MediaId::parse(media.as_str())?;
        let inner = match fields {
            FieldSet::Default => MENTIONED_MEDIA_FIELDS.to_owned(),
            other => other.resolve(Node::Media, self.login())?,
        };
        let node = self.account_node()?;
        let req = Request::get(node).query(
            "fields",
            format!("mentioned_media.media_id({media}){{{inner}}}"),
        );
        let resp: MentionedMediaResponse = self.send_json(req).await?;
        Ok(resp.mentioned_media)
    }

    /// `GET /{ig-user-id}?fields=mentioned_comment.comment_id(ID){...}`: the comment that
    /// @mentions this account.
    pub async fn mentioned_comment(
        &self,
        comment: &CommentId,
        fields: &FieldSet,
    ) -> Result<Comment, Error> {
        self.require_family(
            LoginFamily::Facebook,
            "reading a mentioned comment",
            FB_ONLY,
        )?;
        CommentId::parse(comment.as_str())?;
        let inner = fields.resolve(Node::Comment, self.login())?;
        let node = self.account_node()?;
        let req = Request::get(node).query(
            "fields",
            format!("mentioned_comment.comment_id({comment}){{{inner}}}"),
        );
        let resp: MentionedCommentResponse = self.send_json(req).await?;
        Ok(resp.mentioned_comment)
    }

    /// `POST /{ig-user-id}/mentions?media_id=..[&comment_id=..]&message=..`: replies to a
    /// mention, on the mentioning account's media (in reply to its comment when `comment` is
    /// given). The text follows the comment rules ([`check_comment_text`]).
    pub async fn reply_to_mention(
        &self,
        media: &MediaId,
        comment: Option<&CommentId>,
        text: &str,
    ) -> Result<Created, Error> {
        self.require_family(LoginFamily::Facebook, "replying to a mention", FB_ONLY)?;
        MediaId::parse(media.as_str())?;
        if let Some(c) = comment {
            CommentId::parse(c.as_str())?;
        }
        check_comment_text(text)?;
        let node = self.account_node()?;
        let mut req = Request::post(format!("{node}/mentions")).form("media_id", media.as_str());
        if let Some(c) = comment {
            req = req.form("comment_id", c.as_str());
        }
        self.send_json(req.form("message", text)).await
    }
}
