//! Command-line grammar.

use clap::{ArgAction, Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The Instagram Platform from the command line: the Graph API (Facebook Login and Instagram
/// Login), a local sandbox of it, and the Instagraph service.
#[derive(Debug, Parser)]
#[command(name = "instagraph", version, propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Connection settings and output options, each with an environment twin.
#[derive(Debug, Args, Clone, Default)]
pub struct Global {
    /// Config file (TOML) with named accounts [default: ~/.config/instagraph/config.toml].
    #[arg(long, global = true, env = "INSTAGRAPH_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The account (profile) from the config file to use.
    #[arg(
        long,
        visible_alias = "profile",
        global = true,
        env = "INSTAGRAPH_ACCOUNT",
        value_name = "NAME"
    )]
    pub account: Option<String>,
    /// Graph API base URL (point it at the sandbox or a proxy).
    #[arg(long, global = true, env = "INSTAGRAPH_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Access token.
    #[arg(
        long,
        global = true,
        env = "INSTAGRAPH_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// App secret: every call then carries appsecret_proof (several, comma-separated, for the service).
    #[arg(
        long,
        global = true,
        env = "INSTAGRAPH_APP_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub app_secret: Option<String>,
    /// Login family: facebook (graph.facebook.com) or instagram (graph.instagram.com).
    #[arg(long, global = true, env = "INSTAGRAPH_LOGIN", value_name = "FAMILY")]
    pub login: Option<String>,
    /// IG professional account id (Facebook Login).
    #[arg(long, global = true, env = "INSTAGRAPH_IG_USER_ID", value_name = "ID")]
    pub ig_user_id: Option<String>,
    /// Graph API version [default: v25.0].
    #[arg(
        long,
        global = true,
        env = "INSTAGRAPH_API_VERSION",
        value_name = "VERSION"
    )]
    pub api_version: Option<String>,
    /// Database: a SQLite path, sqlite:PATH, or postgres://… (keeps local rate budgets).
    #[arg(long, global = true, env = "INSTAGRAPH_DB", value_name = "DB")]
    pub db: Option<String>,
    /// Print exactly one JSON document on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not retry failed calls.
    #[arg(long, global = true)]
    pub no_retry: bool,
    /// More logging on stderr (-v, -vv); INSTAGRAPH_LOG takes a full filter.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local Graph API sandbox (prints one JSON line with its URL and accounts).
    Sandbox(SandboxArgs),
    /// Run the Instagraph service (with the built-in sandbox when no credentials are configured).
    Serve(ServeArgs),
    /// The profile of the configured account.
    Me(MeArgs),
    /// Any Graph call, with auth, appsecret_proof, retries and error mapping applied.
    Raw(RawArgs),
    /// The platform's usage figures and our local budgets.
    Usage(UsageArgs),
    /// Show the effective configuration (secrets redacted).
    Config,
    /// Stored webhook events: list, show, tail, replay, deliveries, stats.
    Events(EventsArgs),
    /// Instagram Direct: send text, media, templates, quick replies, reactions, typing, seen,
    /// private replies; a user's profile by IGSID.
    Dm(crate::commands::dm::DmArgs),
    /// Conversations and their messages (Conversations API).
    Conversations(crate::commands::conversations::ConversationsArgs),
    /// The messenger profile: ice breakers, persistent menu, get started, greeting.
    Profile(crate::commands::profile::ProfileArgs),
    /// Media: list (fields, limit, since/until, --all), show (--fields all), children,
    /// stories, live, tagged, product tags. Likes: the platform gives like_count only.
    Media(crate::commands::media::MediaArgs),
    /// Comments: list (--replies), show, replies, create, reply, hide, unhide, delete,
    /// enable/disable on a media.
    Comments(crate::commands::comments::CommentsArgs),
    /// Mentions (Facebook Login): the mentioning media or comment, and replying to it.
    Mentions(crate::commands::mentions::MentionsArgs),
    /// Hashtags (Facebook Login): search, top and recent media, this week's searches, budget.
    Hashtags(crate::commands::hashtags::HashtagsArgs),
    /// Business discovery (Facebook Login): another account's profile and media.
    Discover(crate::commands::discover::DiscoverArgs),
    /// Insights of a media or of the account (--csv for charts).
    Insights(crate::commands::insights::InsightsArgs),
    /// Up to 50 calls in one batch request, from a JSON file (Facebook Login).
    Batch(crate::commands::batch::BatchArgs),
    /// Instagram Shopping (Facebook Login): product appeals, catalogs, product search.
    Shopping(crate::commands::shopping::ShoppingArgs),
    /// Publish a photo, reel, story or carousel now (URLs or local files), with a progress bar.
    Publish(crate::commands::publish::PublishArgs),
    /// Media containers: list, status, publish.
    Containers(crate::commands::publish::ContainersArgs),
    /// The account's publishing quota (posts per rolling 24 h, as the platform reports it).
    Quota(crate::commands::publish::QuotaArgs),
    /// Accounts: OAuth login for both families, tokens kept sealed and refreshed.
    Auth(crate::commands::auth::AuthArgs),
    /// Scheduled posts: add, list, show, cancel, reschedule, run.
    Schedule(crate::commands::schedule::ScheduleArgs),
    /// API keys for the service's Graph proxy and MCP endpoint: create, list, revoke.
    Keys(crate::commands::keys::KeysArgs),
    /// An MCP server on stdio for AI agents: every operation as a tool (or the Composio
    /// names with --toolset composio), limited per account to read-only or drafts on request.
    Mcp(crate::commands::agent::McpArgs),
    /// JSON actions with the Composio Instagram toolkit's names and parameters: list, schema,
    /// run (prints `{data, error, successful}`).
    Action(crate::commands::agent::ActionArgs),
}

/// `instagraph sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: SocketAddr,
    /// Seed for ids, tokens and traces.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Freeze the sandbox clock (it then moves only through the control API).
    #[arg(long)]
    pub frozen: bool,
    /// App calls per hour before error 4.
    #[arg(long, default_value_t = 2000)]
    pub app_budget_per_hour: u32,
    /// Calls per account per 24 h before error 80002.
    #[arg(long, default_value_t = 4800)]
    pub buc_budget_per_day: u32,
    /// Posts per account per 24 h before `media_publish` answers 9/2207042 (the platform's
    /// figure has been 25, 50 and reportedly 100; clients must read it, not assume it).
    #[arg(long, default_value_t = 50)]
    pub quota_total: u32,
    /// How long an image container stays IN_PROGRESS, in milliseconds of sandbox time.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub image_processing_ms: u64,
    /// How long a video container stays IN_PROGRESS, in milliseconds of sandbox time.
    #[arg(long, default_value_t = 3000, value_name = "MS")]
    pub video_processing_ms: u64,
    /// Subscribe this webhook callback (after Meta's handshake) and deliver signed webhooks to it.
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// The verify token the callback expects.
    #[arg(
        long,
        env = "INSTAGRAPH_VERIFY_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub verify_token: Option<String>,
    /// Act on a running sandbox instead of starting one.
    #[command(subcommand)]
    pub action: Option<SandboxAction>,
}

/// `instagraph sandbox ACTION`: play the Instagram user against a running sandbox.
#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// Make something happen in the sandbox (it sends the webhooks Meta would).
    Simulate(SimulateArgs),
}

/// `instagraph sandbox simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The running sandbox [default: --base-url, else http://127.0.0.1:8765].
    #[arg(long, env = "INSTAGRAPH_SANDBOX_URL", value_name = "URL")]
    pub sandbox_url: Option<String>,
    /// The sandbox account the event is for: business, creator, or an IG user id.
    #[arg(
        long = "to",
        visible_alias = "sandbox-account",
        default_value = "creator",
        global = true
    )]
    pub to: String,
    /// What happens.
    #[command(subcommand)]
    pub event: SimulateEvent,
}

/// The events `sandbox simulate` can produce.
#[derive(Debug, Subcommand)]
pub enum SimulateEvent {
    /// A user sends a DM.
    Dm {
        /// The user: an IGSID (digits) or a username (created when new).
        #[arg(long, default_value = "sandbox.customer")]
        from: String,
        /// The text.
        #[arg(long)]
        text: Option<String>,
        /// An attachment TYPE=URL (image, video, audio, file, share, story_mention, ig_reel); repeatable.
        #[arg(long, value_name = "TYPE=URL")]
        attachment: Vec<String>,
        /// The payload of the quick reply tapped.
        #[arg(long, value_name = "PAYLOAD")]
        quick_reply: Option<String>,
        /// The message replied to (mid).
        #[arg(long, value_name = "MID")]
        reply_to: Option<String>,
    },
    /// A user taps a button, menu item or ice breaker.
    Postback {
        /// The user.
        #[arg(long, default_value = "sandbox.customer")]
        from: String,
        /// The button's payload.
        #[arg(long)]
        payload: String,
        /// The button's title.
        #[arg(long, default_value = "Button")]
        title: String,
    },
    /// A user reacts to a message (or removes the reaction).
    Reaction {
        /// The user.
        #[arg(long, default_value = "sandbox.customer")]
        from: String,
        /// The message (mid).
        #[arg(long)]
        mid: String,
        /// Remove the reaction instead.
        #[arg(long)]
        unreact: bool,
    },
    /// A user reads the account's messages.
    Read {
        /// The user.
        #[arg(long, default_value = "sandbox.customer")]
        from: String,
        /// The message read (default: the newest the account sent).
        #[arg(long)]
        mid: Option<String>,
    },
    /// Someone comments on the account's media.
    Comment {
        /// The comment.
        #[arg(long)]
        text: String,
        /// The media (default: the account's newest).
        #[arg(long)]
        media_id: Option<String>,
        /// The commenter's username.
        #[arg(long)]
        from: Option<String>,
        /// Reply to this comment.
        #[arg(long)]
        parent_id: Option<String>,
        /// A comment on a live broadcast (live_comments).
        #[arg(long)]
        live: bool,
    },
    /// Someone mentions the account (in a comment with --comment-id, else in a caption).
    Mention {
        /// The media.
        #[arg(long)]
        media_id: Option<String>,
        /// The comment that mentions the account.
        #[arg(long)]
        comment_id: Option<String>,
    },
    /// A story's insights arrive (as when it expires).
    StoryInsights {
        /// The story.
        #[arg(long)]
        media_id: Option<String>,
        /// Reach.
        #[arg(long)]
        reach: Option<u64>,
    },
    /// The App Dashboard's "Test" payload for a field (messages, comments, mentions, ...).
    Test {
        /// The subscription field.
        field: String,
    },
}

/// `instagraph serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address of the service.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Address of the built-in sandbox (used only when no credentials are configured).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub sandbox_listen: SocketAddr,
    /// Token Meta must present in the webhook handshake (required unless --no-webhooks; the
    /// sandbox mode generates one).
    #[arg(
        long,
        env = "INSTAGRAPH_VERIFY_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub verify_token: Option<String>,
    /// Do not run the webhook receiver.
    #[arg(long)]
    pub no_webhooks: bool,
    /// Do not run the scheduler (scheduled posts wait until a scheduler runs).
    #[arg(long)]
    pub no_scheduler: bool,
    /// The public URL of this service, under which local images of scheduled posts are served
    /// to Meta's fetcher (`/media/...`). Default: the listen address (enough for the sandbox).
    #[arg(long, env = "INSTAGRAPH_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Forward events to this URL (repeatable); see also [[webhooks.forward]] in the config.
    #[arg(long, value_name = "URL")]
    pub forward: Vec<String>,
    /// Secret that signs forwarded events (X-Instagraph-Signature-256).
    #[arg(
        long,
        env = "INSTAGRAPH_FORWARD_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub forward_secret: Option<String>,
    /// Only forward these event types (comma-separated) with --forward/--exec.
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub forward_events: Vec<String>,
    /// Run this command per event, the event JSON on stdin (repeatable).
    #[arg(long, value_name = "COMMAND")]
    pub exec: Vec<String>,
    /// Key required on the event API (/events, /events/stream) as `Authorization: Bearer`.
    #[arg(
        long,
        env = "INSTAGRAPH_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// The MCP tools served at `/mcp`: native, composio or all.
    #[arg(long, default_value = "native", value_name = "SET")]
    pub mcp_toolset: String,
    /// What agents on `/mcp` may do (besides what their key allows): full, drafts, read-only.
    #[arg(long, default_value = "full", value_name = "ACCESS")]
    pub agent_access: String,
    /// The same for one account (repeatable): `shop=drafts`.
    #[arg(long = "agent-account-access", value_name = "ACCOUNT=ACCESS")]
    pub agent_account_access: Vec<String>,
}

/// `instagraph events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: EventsAction,
}

/// Event selection shared by list, tail and replay.
#[derive(Debug, Args, Clone, Default)]
pub struct EventFilter {
    /// Only these event types (repeatable or comma-separated): message, postback, optin, comment, ...
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Only events of this account (entry id).
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// Received at or after: unix seconds/ms, YYYY-MM-DD[THH:MM[:SS]][Z] (UTC), or an age such as 15m, 2h, 7d.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Received before (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// `instagraph events ...`.
#[derive(Debug, Subcommand)]
pub enum EventsAction {
    /// Stored events, oldest first (--json: each with its raw and normalised form).
    List {
        /// Which events.
        #[command(flatten)]
        filter: EventFilter,
        /// Only ids after this one.
        #[arg(long, value_name = "ID")]
        after: Option<i64>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Newest first.
        #[arg(long)]
        newest: bool,
    },
    /// One event with its deliveries and their attempts.
    Show {
        /// The event id.
        id: i64,
    },
    /// Follow new events as NDJSON (one event per line).
    Tail {
        /// Which events.
        #[command(flatten)]
        filter: EventFilter,
        /// Start with the stored events (default: only new ones).
        #[arg(long)]
        from_start: bool,
        /// How often to look for new events, milliseconds.
        #[arg(long, default_value_t = 250)]
        interval_ms: u64,
    },
    /// Send events to forwarding targets again.
    Replay {
        /// These event ids (repeatable or comma-separated).
        #[arg(long = "id", value_name = "ID", value_delimiter = ',')]
        ids: Vec<i64>,
        /// Which events (when no --id).
        #[command(flatten)]
        filter: EventFilter,
        /// Only to this configured target (default: every configured target that wants the event).
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// Send now from this process instead of leaving it to the running service.
        #[arg(long)]
        direct: bool,
        /// --forward, --exec and friends, as for serve.
        #[arg(long, value_name = "URL")]
        forward: Vec<String>,
        /// Secret that signs forwarded events.
        #[arg(
            long,
            env = "INSTAGRAPH_FORWARD_SECRET",
            hide_env_values = true,
            value_name = "SECRET"
        )]
        forward_secret: Option<String>,
        /// Run this command per event.
        #[arg(long, value_name = "COMMAND")]
        exec: Vec<String>,
    },
    /// Deliveries (most recent first), e.g. the dead-lettered ones.
    Deliveries {
        /// pending, delivered or dead.
        #[arg(long)]
        state: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Counts, and the most recent rejected requests (bad signatures, too large).
    Stats,
}

/// `instagraph me`.
#[derive(Debug, Args)]
pub struct MeArgs {
    /// Fields to ask for (comma-separated); defaults to the profile fields of the family.
    #[arg(long)]
    pub fields: Option<String>,
}

/// `instagraph raw`.
#[derive(Debug, Args)]
pub struct RawArgs {
    /// GET, POST or DELETE.
    pub method: String,
    /// Graph path, e.g. /me or /17841…/media?fields=id,caption.
    pub path: String,
    /// Parameters as key=value (query for GET/DELETE, form body for POST).
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Retry a POST on retryable failures (only if it is idempotent on the platform).
    #[arg(long)]
    pub retry_post: bool,
    /// Local budget the call counts against: messaging, media-upload, user-profile or other.
    #[arg(long, default_value = "other")]
    pub class: String,
}

/// `instagraph usage`.
#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Do not make a call first; show what the local store knows.
    #[arg(long)]
    pub no_call: bool,
}
