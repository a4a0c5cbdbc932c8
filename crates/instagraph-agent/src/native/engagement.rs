//! Media, comments and mentions: reading the account's media (feed, stories, live, tagged,
//! carousel children, product tags), comments and moderation, and mentions by other accounts.

use instagraph::fields::FieldSet;
use instagraph::ids::{CommentId, MediaId};
use instagraph::ops::comments::{CommentQuery, check_comment_text};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::util::{When, list_query, to_json};
use crate::action::{Action, ActionContext, ActionError, Effect};

/// The comment text rules, repeated in every description that writes a comment.
macro_rules! comment_rules {
    () => {
        " Text rules (checked before the network): 1 to 300 characters, at most 4 hashtags, at \
         most 1 URL, not all capitals. Threads are one level deep (a reply cannot be replied \
         to). Not retried automatically (a retry could post twice)."
    };
}

/// How to page a list, repeated in list descriptions.
macro_rules! paging_note {
    () => {
        " One page per call (limit 1 to 100); pass paging.cursors.after of the answer as \
         `after` for the next page."
    };
}

/// The media and engagement tools.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "list_media",
            Effect::Read,
            concat!(
                "The account's feed media and reels, newest first (stories are not in it: use \
                 list_stories). since/until filter by publish time.",
                paging_note!()
            ),
            list_media,
        )
        .native("instagraph media list"),
        Action::new(
            "get_media",
            Effect::Read,
            "One media with the chosen fields (any documented IG Media field: caption, \
             media_type, media_product_type, media_url, permalink, timestamp, like_count, \
             comments_count, children{...}, ...; `all` for every documented field). Likes are \
             only a count (like_count): the platform offers no list of likers and no liking.",
            get_media,
        )
        .native("instagraph media show"),
        Action::new(
            "media_children",
            Effect::Read,
            "The items of a carousel (album), in order. Children have no comments and no \
             insights of their own.",
            media_children,
        )
        .native("instagraph media children"),
        Action::new(
            "list_stories",
            Effect::Read,
            concat!(
                "The account's stories live now (the last 24 hours only). Story insights \
                 disappear with the story: read them with media_insights before it expires.",
                paging_note!()
            ),
            list_stories,
        )
        .native("instagraph media stories"),
        Action::new(
            "list_live_media",
            Effect::Read,
            "Live broadcasts in progress (media_type BROADCAST); empty when the account is not \
             live.",
            list_live_media,
        )
        .native("instagraph media live"),
        Action::new(
            "list_tagged_media",
            Effect::Read,
            concat!(
                "Media of other accounts in which the account is tagged.",
                paging_note!()
            ),
            list_tagged_media,
        )
        .native("instagraph media tagged"),
        Action::new(
            "list_product_tags",
            Effect::Read,
            "The shopping product tags on a media (Facebook Login; accounts with Instagram \
             Shopping).",
            list_product_tags,
        )
        .native("instagraph media product-tags"),
        Action::new(
            "set_comments_enabled",
            Effect::Write,
            "Turn comments on (enabled=true) or off (enabled=false) for one of the account's \
             media. Existing comments are kept.",
            set_comments_enabled,
        )
        .native("instagraph comments enable|disable"),
        Action::new(
            "list_comments",
            Effect::Read,
            concat!(
                "A media's top-level comments, newest first (id, text, timestamp, username, \
                 like_count, hidden, ...); with_replies=true also returns each comment's \
                 replies. Hidden comments stay readable by the account (hidden: true).",
                paging_note!()
            ),
            list_comments,
        )
        .native("instagraph comments list"),
        Action::new(
            "get_comment",
            Effect::Read,
            "One comment or reply (text, timestamp, username, from, like_count, hidden, media, \
             parent_id for replies).",
            get_comment,
        )
        .native("instagraph comments show"),
        Action::new(
            "comment_replies",
            Effect::Read,
            concat!("The replies to a top-level comment.", paging_note!()),
            comment_replies,
        )
        .native("instagraph comments replies"),
        Action::new(
            "post_comment",
            Effect::Write,
            concat!(
                "Comment on one of the account's own media (other accounts' media: \
                 reply_to_mention).",
                comment_rules!()
            ),
            post_comment,
        )
        .native("instagraph comments create"),
        Action::new(
            "reply_to_comment",
            Effect::Write,
            concat!(
                "Reply publicly to a top-level comment on the account's media (a private \
                 message to the commenter is private_reply).",
                comment_rules!()
            ),
            reply_to_comment,
        )
        .native("instagraph comments reply"),
        Action::new(
            "hide_comment",
            Effect::Hide,
            "Hide a comment on the account's media from the public (it stays readable by the \
             account with hidden: true, and can be shown again with unhide_comment).",
            hide_comment,
        )
        .native("instagraph comments hide"),
        Action::new(
            "unhide_comment",
            Effect::Hide,
            "Show a hidden comment on the account's media to the public again (undoes \
             hide_comment).",
            unhide_comment,
        )
        .native("instagraph comments unhide"),
        Action::new(
            "delete_comment",
            Effect::Delete,
            "Delete a comment on the account's media (or one of the account's own comments). \
             It cannot be undone; hide_comment is the reversible alternative.",
            delete_comment,
        )
        .native("instagraph comments delete"),
        Action::new(
            "mentioned_media",
            Effect::Read,
            "Another account's media whose caption @mentions this account (Facebook Login). \
             Mentions cannot be listed: the media id comes from the `mentions` webhook. Story \
             mentions arrive as direct messages instead.",
            mentioned_media,
        )
        .native("instagraph mentions media"),
        Action::new(
            "mentioned_comment",
            Effect::Read,
            "A comment (on another account's media) that @mentions this account (Facebook \
             Login); the comment id comes from the `mentions` webhook.",
            mentioned_comment,
        )
        .native("instagraph mentions comment"),
        Action::new(
            "reply_to_mention",
            Effect::Write,
            concat!(
                "Reply to a mention with a comment on the other account's media (Facebook \
                 Login): on the media itself, or under the mentioning comment when comment_id \
                 is given.",
                comment_rules!()
            ),
            reply_to_mention,
        )
        .native("instagraph mentions reply"),
    ]
}

// ---- media ------------------------------------------------------------------------------------

/// Parameters of the media lists (list_media, list_stories, list_live_media,
/// list_tagged_media).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaList {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// Comma-separated fields (nested selections such as children{media_url} allowed), or
    /// `all` for every documented field; default: id, caption, media_type,
    /// media_product_type, media_url, permalink, timestamp and counts.
    #[serde(default)]
    pub fields: Option<String>,
    /// Page size: 1 to 100.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Only media from this time on (unix seconds, RFC 3339, or -7d).
    #[serde(default)]
    pub since: Option<When>,
    /// Only media before this time (same forms).
    #[serde(default)]
    pub until: Option<When>,
    /// The next page: paging.cursors.after of the previous answer.
    #[serde(default)]
    pub after: Option<String>,
    /// The previous page: paging.cursors.before of the previous answer.
    #[serde(default)]
    pub before: Option<String>,
}

#[derive(Clone, Copy)]
enum Edge {
    Media,
    Stories,
    Live,
    Tagged,
}

async fn media_list(ctx: ActionContext, p: MediaList, edge: Edge) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let q = list_query(
        p.fields.as_deref(),
        p.limit,
        p.since.as_ref(),
        p.until.as_ref(),
        p.after,
        p.before,
        client.now_ms(),
    )?;
    let page = match edge {
        Edge::Media => client.user_media(&q).await?,
        Edge::Stories => client.stories(&q).await?,
        Edge::Live => client.live_media(&q).await?,
        Edge::Tagged => client.tagged_media(&q).await?,
    };
    to_json(&page)
}

async fn list_media(ctx: ActionContext, p: MediaList) -> Result<Value, ActionError> {
    media_list(ctx, p, Edge::Media).await
}

async fn list_stories(ctx: ActionContext, p: MediaList) -> Result<Value, ActionError> {
    media_list(ctx, p, Edge::Stories).await
}

async fn list_live_media(ctx: ActionContext, p: MediaList) -> Result<Value, ActionError> {
    media_list(ctx, p, Edge::Live).await
}

async fn list_tagged_media(ctx: ActionContext, p: MediaList) -> Result<Value, ActionError> {
    media_list(ctx, p, Edge::Tagged).await
}

/// Parameters of get_media and media_children.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaRef {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The media id.
    pub media_id: MediaId,
    /// Comma-separated fields (nested selections allowed), or `all` for every documented
    /// field; default: the common ones.
    #[serde(default)]
    pub fields: Option<String>,
}

async fn get_media(ctx: ActionContext, p: MediaRef) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let fields = FieldSet::from_option(p.fields.as_deref());
    to_json(&client.media(&p.media_id, &fields).await?)
}

async fn media_children(ctx: ActionContext, p: MediaRef) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let fields = FieldSet::from_option(p.fields.as_deref());
    to_json(&client.media_children(&p.media_id, &fields).await?)
}

/// Parameters of list_product_tags.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductTagsParams {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The media id.
    pub media_id: MediaId,
}

async fn list_product_tags(ctx: ActionContext, p: ProductTagsParams) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let tags = client.product_tags(&p.media_id).await?;
    Ok(json!({ "data": to_json(&tags)? }))
}

/// Parameters of set_comments_enabled.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCommentsEnabled {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// One of the account's media.
    pub media_id: MediaId,
    /// true turns comments on, false turns them off.
    pub enabled: bool,
}

async fn set_comments_enabled(
    ctx: ActionContext,
    p: SetCommentsEnabled,
) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let r = client.set_comments_enabled(&p.media_id, p.enabled).await?;
    Ok(json!({ "success": r.success, "media_id": p.media_id, "comment_enabled": p.enabled }))
}

// ---- comments ---------------------------------------------------------------------------------

/// Parameters of list_comments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListComments {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The media id.
    pub media_id: MediaId,
    /// Also return each comment's replies (with the same fields).
    #[serde(default)]
    pub with_replies: bool,
    /// Comma-separated fields, or `all`; default: id, text, timestamp, username, like_count,
    /// hidden and the like.
    #[serde(default)]
    pub fields: Option<String>,
    /// Page size: 1 to 100.
    #[serde(default)]
    pub limit: Option<u32>,
    /// The next page: paging.cursors.after of the previous answer.
    #[serde(default)]
    pub after: Option<String>,
}

async fn list_comments(ctx: ActionContext, p: ListComments) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let q = CommentQuery {
        fields: FieldSet::from_option(p.fields.as_deref()),
        with_replies: p.with_replies,
        limit: p.limit,
        after: p.after,
    };
    to_json(&client.comments(&p.media_id, &q).await?)
}

/// Parameters of get_comment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetComment {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The comment id.
    pub comment_id: CommentId,
    /// Comma-separated fields, or `all`.
    #[serde(default)]
    pub fields: Option<String>,
}

async fn get_comment(ctx: ActionContext, p: GetComment) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let fields = FieldSet::from_option(p.fields.as_deref());
    to_json(&client.comment(&p.comment_id, &fields).await?)
}

/// Parameters of comment_replies.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentReplies {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The top-level comment id.
    pub comment_id: CommentId,
    /// Comma-separated fields, or `all`.
    #[serde(default)]
    pub fields: Option<String>,
    /// Page size: 1 to 100.
    #[serde(default)]
    pub limit: Option<u32>,
    /// The next page: paging.cursors.after of the previous answer.
    #[serde(default)]
    pub after: Option<String>,
}

async fn comment_replies(ctx: ActionContext, p: CommentReplies) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let q = list_query(
        p.fields.as_deref(),
        p.limit,
        None,
        None,
        p.after,
        None,
        client.now_ms(),
    )?;
    to_json(&client.replies(&p.comment_id, &q).await?)
}

/// Parameters of post_comment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostComment {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// One of the account's own media.
    pub media_id: MediaId,
    /// The text: 1 to 300 characters, at most 4 hashtags and 1 URL, not all capitals.
    pub message: String,
}

async fn post_comment(ctx: ActionContext, p: PostComment) -> Result<Value, ActionError> {
    MediaId::parse(p.media_id.as_str())?;
    check_comment_text(&p.message)?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    to_json(&client.create_comment(&p.media_id, &p.message).await?)
}

/// Parameters of reply_to_comment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyToComment {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The top-level comment to reply to.
    pub comment_id: CommentId,
    /// The text: 1 to 300 characters, at most 4 hashtags and 1 URL, not all capitals.
    pub message: String,
}

async fn reply_to_comment(ctx: ActionContext, p: ReplyToComment) -> Result<Value, ActionError> {
    CommentId::parse(p.comment_id.as_str())?;
    check_comment_text(&p.message)?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    to_json(&client.reply_to_comment(&p.comment_id, &p.message).await?)
}

/// Parameters of hide_comment, unhide_comment and delete_comment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRef {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The comment id.
    pub comment_id: CommentId,
}

async fn set_hidden(ctx: ActionContext, p: CommentRef, hide: bool) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let r = client.hide_comment(&p.comment_id, hide).await?;
    Ok(json!({ "success": r.success, "comment_id": p.comment_id, "hidden": hide }))
}

async fn hide_comment(ctx: ActionContext, p: CommentRef) -> Result<Value, ActionError> {
    set_hidden(ctx, p, true).await
}

async fn unhide_comment(ctx: ActionContext, p: CommentRef) -> Result<Value, ActionError> {
    set_hidden(ctx, p, false).await
}

async fn delete_comment(ctx: ActionContext, p: CommentRef) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let r = client.delete_comment(&p.comment_id).await?;
    Ok(json!({ "success": r.success, "deleted": p.comment_id }))
}

// ---- mentions ---------------------------------------------------------------------------------

/// Parameters of mentioned_media.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MentionedMedia {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The mentioning media's id (from the mentions webhook).
    pub media_id: MediaId,
    /// Comma-separated fields (default: caption, counts, media_type, media_url, permalink,
    /// timestamp, username).
    #[serde(default)]
    pub fields: Option<String>,
}

async fn mentioned_media(ctx: ActionContext, p: MentionedMedia) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let fields = FieldSet::from_option(p.fields.as_deref());
    to_json(&client.mentioned_media(&p.media_id, &fields).await?)
}

/// Parameters of mentioned_comment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MentionedComment {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The mentioning comment's id (from the mentions webhook).
    pub comment_id: CommentId,
    /// Comma-separated fields, or `all`.
    #[serde(default)]
    pub fields: Option<String>,
}

async fn mentioned_comment(ctx: ActionContext, p: MentionedComment) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let fields = FieldSet::from_option(p.fields.as_deref());
    to_json(&client.mentioned_comment(&p.comment_id, &fields).await?)
}

/// Parameters of reply_to_mention.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyToMention {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The mentioning media (from the mentions webhook).
    pub media_id: MediaId,
    /// Reply under this mentioning comment instead of on the media.
    #[serde(default)]
    pub comment_id: Option<CommentId>,
    /// The text: 1 to 300 characters, at most 4 hashtags and 1 URL, not all capitals.
    pub message: String,
}

async fn reply_to_mention(ctx: ActionContext, p: ReplyToMention) -> Result<Value, ActionError> {
    check_comment_text(&p.message)?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    to_json(
        &client
            .reply_to_mention(&p.media_id, p.comment_id.as_ref(), &p.message)
            .await?,
    )
}
