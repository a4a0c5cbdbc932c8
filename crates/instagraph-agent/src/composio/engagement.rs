//! Comments and mentions: list a media's comments and a comment's replies, comment, reply,
//! delete, and reply to a mention. Comment text rules (1 to 300 characters, at most 4 hashtags
//! and 1 URL, not all capitals) are the client's, checked before the network.

use instagraph::Request;
use instagraph::fields::{FieldSet, Node};
use instagraph::ids::{CommentId, MediaId};
use instagraph::ops::media::{ListQuery, MAX_LIMIT};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::params::{opt_id, opt_text, opt_u32};
use super::{as_param, data, fields_param};
use crate::action::{Action, ActionContext, ActionError, Effect};

pub(super) fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "INSTAGRAM_GET_IG_MEDIA_COMMENTS",
            Effect::Read,
            "Get the comments on a media of the connected Business or Creator account, newest \
             first, with cursor paging (paging.cursors.after / before). An empty data list means \
             the media has no comments (not an error). Bulk-fetching many media can hit rate \
             limits.",
            get_ig_media_comments,
        )
        .native("instagraph comments list MEDIA_ID"),
        Action::new(
            "INSTAGRAM_GET_POST_COMMENTS",
            Effect::Read,
            "DEPRECATED: Use INSTAGRAM_GET_IG_MEDIA_COMMENTS instead. Get the comments on a post. \
             Returns an empty data list (not an error) when there are none. The list is under \
             data.data. Timestamps are ISO 8601 with an offset (+0000).",
            get_post_comments,
        )
        .deprecated_for("INSTAGRAM_GET_IG_MEDIA_COMMENTS")
        .native("instagraph comments list MEDIA_ID"),
        Action::new(
            "INSTAGRAM_GET_IG_COMMENT_REPLIES",
            Effect::Read,
            "Get the replies to a comment (text, username, timestamp, like_count, ...), with \
             cursor paging. Threads are one level deep.",
            get_ig_comment_replies,
        )
        .native("instagraph comments replies COMMENT_ID"),
        Action::new(
            "INSTAGRAM_POST_IG_MEDIA_COMMENTS",
            Effect::Write,
            "Comment on a media of the connected Business or Creator account (other accounts' \
             media only through a mention: INSTAGRAM_POST_IG_USER_MENTIONS). The comment must be \
             1 to 300 characters, with at most 4 hashtags and 1 URL, and not all capitals; these \
             rules are checked before anything is sent. Public.",
            post_ig_media_comments,
        )
        .native("instagraph comments create MEDIA_ID TEXT"),
        Action::new(
            "INSTAGRAM_POST_IG_COMMENT_REPLIES",
            Effect::Write,
            "Reply to a comment on a media of the connected Business or Creator account. The \
             reply must be 1 to 300 characters, with at most 4 hashtags and 1 URL, and not all \
             capitals (checked before anything is sent). Public.",
            post_ig_comment_replies,
        )
        .native("instagraph comments reply COMMENT_ID TEXT"),
        Action::new(
            "INSTAGRAM_REPLY_TO_COMMENT",
            Effect::Write,
            "DEPRECATED: Use INSTAGRAM_POST_IG_COMMENT_REPLIES instead. Reply to a comment on \
             media owned by the authenticated account. Creates a public reply; invoke only with \
             explicit user confirmation. Same text rules: 300 characters, 4 hashtags, 1 URL, not \
             all capitals.",
            reply_to_comment,
        )
        .deprecated_for("INSTAGRAM_POST_IG_COMMENT_REPLIES")
        .native("instagraph comments reply COMMENT_ID TEXT"),
        Action::new(
            "INSTAGRAM_DELETE_COMMENT",
            Effect::Delete,
            "Delete a comment: one the account wrote, or any comment on the account's own media. \
             Other users' comments on other media cannot be deleted. Irreversible.",
            delete_comment,
        )
        .native("instagraph comments delete COMMENT_ID"),
        Action::new(
            "INSTAGRAM_POST_IG_USER_MENTIONS",
            Effect::Write,
            "Reply to a mention of the account: creates a comment on the media whose caption \
             @mentions the account, or in reply to the comment that mentions it (comment_id). \
             Facebook Login only (the Instagram Login API has no mentions). Same text rules as \
             comments: 300 characters, 4 hashtags, 1 URL, not all capitals.",
            post_ig_user_mentions,
        )
        .native("instagraph mentions reply MEDIA_ID TEXT --comment-id ID"),
    ]
}

/// Parameters of INSTAGRAM_GET_IG_MEDIA_COMMENTS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgMediaComments {
    /// The media id (not a user id), e.g. "17858625294504375". The media must belong to the
    /// connected account.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_media_id: String,
    /// Comma-separated fields of each comment: id, text, username, timestamp, like_count,
    /// replies, from, hidden, media, parent_id, user (default id,text,timestamp,username,from,
    /// like_count,hidden,parent_id).
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// Comments per page (1 to 100).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// Cursor from paging.cursors.before, for the page before.
    #[serde(default, deserialize_with = "opt_text")]
    pub before: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn list_comments(
    ctx: &ActionContext,
    media: &str,
    param: &str,
    q: ListQuery,
    version: Option<&str>,
) -> Result<Value, ActionError> {
    let id = MediaId::parse(media).map_err(|e| as_param(e, param))?;
    let client = ctx.client(None, version).await?;
    let req = q.apply(
        Request::get(format!("{id}/comments")),
        Node::Comment,
        client.login(),
        MAX_LIMIT,
    )?;
    data(&client.page::<instagraph::models::Comment>(req).await?)
}

fn query(
    fields: Option<&str>,
    limit: Option<u32>,
    after: Option<String>,
    before: Option<String>,
) -> ListQuery {
    ListQuery {
        fields: fields_param(fields).map_or(FieldSet::Default, FieldSet::Custom),
        limit,
        after,
        before,
        ..ListQuery::default()
    }
}

async fn get_ig_media_comments(
    ctx: ActionContext,
    p: GetIgMediaComments,
) -> Result<Value, ActionError> {
    let q = query(p.fields.as_deref(), p.limit, p.after, p.before);
    list_comments(
        &ctx,
        &p.ig_media_id,
        "ig_media_id",
        q,
        p.graph_api_version.as_deref(),
    )
    .await
}

/// Parameters of INSTAGRAM_GET_POST_COMMENTS (deprecated).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetPostComments {
    /// The Instagram post (media) id.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_post_id: String,
    /// Comments per page (1 to 100).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_post_comments(ctx: ActionContext, p: GetPostComments) -> Result<Value, ActionError> {
    let q = query(None, p.limit, p.after, None);
    list_comments(
        &ctx,
        &p.ig_post_id,
        "ig_post_id",
        q,
        p.graph_api_version.as_deref(),
    )
    .await
}

/// Parameters of INSTAGRAM_GET_IG_COMMENT_REPLIES.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgCommentReplies {
    /// The comment whose replies to list.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_comment_id: String,
    /// Comma-separated fields of each reply: id, text, username, timestamp, like_count,
    /// hidden, from, media, parent_id, legacy_instagram_comment_id (default: the common ones).
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// Replies per page (1 to 100).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// Cursor from paging.cursors.before, for the page before.
    #[serde(default, deserialize_with = "opt_text")]
    pub before: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_ig_comment_replies(
    ctx: ActionContext,
    p: GetIgCommentReplies,
) -> Result<Value, ActionError> {
    let id = CommentId::parse(&p.ig_comment_id).map_err(|e| as_param(e, "ig_comment_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    let q = query(p.fields.as_deref(), p.limit, p.after, p.before);
    data(&client.replies(&id, &q).await?)
}

/// Parameters of INSTAGRAM_POST_IG_MEDIA_COMMENTS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PostIgMediaComments {
    /// The media to comment on (a post, photo, video or carousel of the connected account).
    #[serde(deserialize_with = "super::params::id")]
    pub ig_media_id: String,
    /// The comment: 1 to 300 characters, at most 4 hashtags, at most 1 URL, not all capitals.
    pub message: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn post_ig_media_comments(
    ctx: ActionContext,
    p: PostIgMediaComments,
) -> Result<Value, ActionError> {
    let id = MediaId::parse(&p.ig_media_id).map_err(|e| as_param(e, "ig_media_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    data(&client.create_comment(&id, &p.message).await?)
}

/// Parameters of INSTAGRAM_POST_IG_COMMENT_REPLIES.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PostIgCommentReplies {
    /// The top-level comment to reply to (a reply cannot be replied to).
    #[serde(deserialize_with = "super::params::id")]
    pub ig_comment_id: String,
    /// The reply: 1 to 300 characters, at most 4 hashtags, at most 1 URL, not all capitals.
    pub message: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn post_ig_comment_replies(
    ctx: ActionContext,
    p: PostIgCommentReplies,
) -> Result<Value, ActionError> {
    let id = CommentId::parse(&p.ig_comment_id).map_err(|e| as_param(e, "ig_comment_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    data(&client.reply_to_comment(&id, &p.message).await?)
}

/// Parameters of INSTAGRAM_REPLY_TO_COMMENT (deprecated).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReplyToComment {
    /// The comment to reply to; it must be on media owned by the authenticated account.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_comment_id: String,
    /// The reply: 1 to 300 characters, at most 4 hashtags, at most 1 URL, not all capitals.
    pub message: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn reply_to_comment(ctx: ActionContext, p: ReplyToComment) -> Result<Value, ActionError> {
    post_ig_comment_replies(
        ctx,
        PostIgCommentReplies {
            ig_comment_id: p.ig_comment_id,
            message: p.message,
            graph_api_version: p.graph_api_version,
        },
    )
    .await
}

/// Parameters of INSTAGRAM_DELETE_COMMENT.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteComment {
    /// The comment to delete: written by the account, or on the account's own media.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_comment_id: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn delete_comment(ctx: ActionContext, p: DeleteComment) -> Result<Value, ActionError> {
    let id = CommentId::parse(&p.ig_comment_id).map_err(|e| as_param(e, "ig_comment_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    data(&client.delete_comment(&id).await?)
}

/// Parameters of INSTAGRAM_POST_IG_USER_MENTIONS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PostIgUserMentions {
    /// The account that was mentioned (this account's IG user id, or "me").
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// The media where the account was mentioned (its caption, or one of its comments).
    #[serde(deserialize_with = "super::params::id")]
    pub media_id: String,
    /// The comment that mentions the account, when the mention is in a comment: the reply is
    /// then made to that comment. Without it, the reply is a comment on the media.
    #[serde(default, deserialize_with = "opt_id")]
    pub comment_id: Option<String>,
    /// The reply: 1 to 300 characters, at most 4 hashtags, at most 1 URL, not all capitals.
    pub message: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn post_ig_user_mentions(
    ctx: ActionContext,
    p: PostIgUserMentions,
) -> Result<Value, ActionError> {
    let media = MediaId::parse(&p.media_id).map_err(|e| as_param(e, "media_id"))?;
    let comment = p
        .comment_id
        .as_deref()
        .map(CommentId::parse)
        .transpose()
        .map_err(|e| as_param(e, "comment_id"))?;
    let client = ctx
        .client(Some(&p.ig_user_id), p.graph_api_version.as_deref())
        .await?;
    data(
        &client
            .reply_to_mention(&media, comment.as_ref(), &p.message)
            .await?,
    )
}
