//! The action registry: one [`Action`] per operation an agent (or a script) can run, with a
//! JSON schema derived from its parameter type, what it does to the account ([`Effect`]), and
//! an async body taking the parsed parameters.
//!
//! [`run`] resolves the account, applies the [`Policy`] (read-only or drafts per account),
//! runs the body and wraps the outcome in the Composio envelope
//! `{ "data": ..., "error": ..., "successful": bool }`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use instagraph::{ApiVersion, Client};
use instagraph_store::Store;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What running an action does to the account. Publishing, sending, deleting and hiding are
/// marked so that agents and their hosts can ask a person first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Reads only.
    Read,
    /// Prepares something nobody sees yet (an unpublished container, a draft).
    Prepare,
    /// Changes settings or content that is not a post, a message or a deletion (messenger
    /// profile, comment switches, a comment of our own).
    Write,
    /// Sends a direct message (or a sender action the other person sees).
    Send,
    /// Publishes to the account's public profile.
    Publish,
    /// Deletes something.
    Delete,
    /// Hides or unhides someone else's content.
    Hide,
}

impl Effect {
    /// Whether the action only reads.
    pub fn is_read_only(self) -> bool {
        self == Effect::Read
    }

    /// Whether the action is destructive or visible to others (MCP's `destructiveHint`).
    pub fn is_consequential(self) -> bool {
        matches!(
            self,
            Effect::Send | Effect::Publish | Effect::Delete | Effect::Hide
        )
    }
}

/// What an agent may do with an account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Everything.
    #[default]
    Full,
    /// Reads, and drafts: publishing becomes a scheduled post a person approves
    /// (`instagraph schedule approve`); sending, deleting and hiding are refused.
    Drafts,
    /// Reads only.
    ReadOnly,
}

impl std::str::FromStr for Access {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "full" | "read-write" | "rw" => Ok(Access::Full),
            "drafts" | "draft" => Ok(Access::Drafts),
            "read-only" | "readonly" | "read" | "ro" => Ok(Access::ReadOnly),
            other => Err(format!(
                "unknown access {other:?}: expected full, drafts or read-only"
            )),
        }
    }
}

impl std::fmt::Display for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Access::Full => "full",
            Access::Drafts => "drafts",
            Access::ReadOnly => "read-only",
        })
    }
}

/// Access per account, with a default for accounts not named.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// For accounts not listed.
    pub default: Access,
    /// By account name or IG user id.
    pub accounts: BTreeMap<String, Access>,
}

impl Policy {
    /// The same access for every account.
    pub fn uniform(access: Access) -> Self {
        Self {
            default: access,
            accounts: BTreeMap::new(),
        }
    }

    /// Parses `ACCOUNT=ACCESS` (one account) or `ACCESS` (the default).
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        match spec.split_once('=') {
            Some((account, access)) => {
                self.accounts
                    .insert(account.trim().to_owned(), access.parse()?);
            }
            None => self.default = spec.parse()?,
        }
        Ok(())
    }

    /// The access for an account known by any of `keys` (its name, its ids): the most
    /// restrictive of the entries that match, else the default.
    pub fn access_for<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Access {
        let mut found: Option<Access> = None;
        for k in keys {
            if let Some(a) = self.accounts.get(k) {
                found = Some(match found {
                    Some(prev) => prev.most_restrictive(*a),
                    None => *a,
                });
            }
        }
        found.unwrap_or(self.default)
    }
}

impl Access {
    /// How restrictive: full < drafts < read-only.
    fn rank(self) -> u8 {
        match self {
            Access::Full => 0,
            Access::Drafts => 1,
            Access::ReadOnly => 2,
        }
    }

    /// The more restrictive of the two (a key's ceiling over an account's policy, say).
    pub fn most_restrictive(self, other: Access) -> Access {
        if self.rank() >= other.rank() {
            self
        } else {
            other
        }
    }

    /// The less restrictive of the two.
    pub fn least_restrictive(self, other: Access) -> Access {
        if self.rank() <= other.rank() {
            self
        } else {
            other
        }
    }
}

/// Why an action did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// No action by that name.
    #[error("unknown action {0:?} (see `instagraph action list`)")]
    UnknownAction(String),
    /// The parameters do not fit the action's schema or the platform's limits.
    #[error("invalid parameters: {0}")]
    InvalidParams(String),
    /// The account is not one we hold a token for.
    #[error("{0}")]
    UnknownAccount(String),
    /// The policy does not allow this action on this account.
    #[error("refused by policy: {0}")]
    Refused(String),
    /// The platform, the network or the client refused (boxed: the client's error is large).
    #[error(transparent)]
    Client(Box<instagraph::Error>),
    /// Our store failed (drafts).
    #[error("store: {0}")]
    Store(String),
}

impl From<instagraph::Error> for ActionError {
    fn from(e: instagraph::Error) -> Self {
        ActionError::Client(Box::new(e))
    }
}

impl ActionError {
    /// A stable machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            ActionError::UnknownAction(_) => "unknown_action",
            ActionError::InvalidParams(_) => "invalid_params",
            ActionError::UnknownAccount(_) => "unknown_account",
            ActionError::Refused(_) => "refused",
            ActionError::Client(e) => match **e {
                instagraph::Error::InvalidInput { .. } => "invalid_params",
                // Not offered with this login family (or at all): nothing was sent.
                instagraph::Error::Unsupported { .. } | instagraph::Error::NotOffered { .. } => {
                    "unsupported"
                }
                _ => "platform",
            },
            ActionError::Store(_) => "store",
        }
    }

    /// Whether the request was bad (as opposed to a failure of the platform or of us).
    pub fn is_caller_error(&self) -> bool {
        matches!(
            self.kind(),
            "unknown_action" | "invalid_params" | "unknown_account" | "refused" | "unsupported"
        )
    }
}

/// An account a [`ClientSource`] resolved: its client and every key it is known by.
#[derive(Clone, Debug)]
pub struct ResolvedAccount {
    /// The client for the account.
    pub client: Client,
    /// The names and ids the account is known by (for the policy).
    pub keys: Vec<String>,
}

/// Finds the client for an account named by an agent.
#[async_trait::async_trait]
pub trait ClientSource: Send + Sync {
    /// `account` is an IG user id, a stored account's name, `me`, or `None` for the default
    /// account. Unknown accounts are an [`ActionError::UnknownAccount`] that lists the known
    /// ones.
    async fn resolve(&self, account: Option<&str>) -> Result<ResolvedAccount, ActionError>;

    /// The accounts this source can act as (names and ids), for tool descriptions and errors.
    async fn known(&self) -> Vec<String>;
}

/// One configured client: `me`, no account, and the client's configured IG user id (plus the
/// ids the account reports about itself, learned on first use) resolve to it.
pub struct SingleAccount {
    client: Client,
    name: Option<String>,
    learned: tokio::sync::OnceCell<Vec<String>>,
}

impl SingleAccount {
    /// Wraps `client`; `name` is the account's name in the config file or the store.
    pub fn new(client: Client, name: Option<String>) -> Self {
        Self {
            client,
            name,
            learned: tokio::sync::OnceCell::new(),
        }
    }

    async fn ids(&self) -> &Vec<String> {
        self.learned
            .get_or_init(|| async {
                let mut ids: Vec<String> = self.name.iter().cloned().collect();
                if let Some(id) = &self.client.config().ig_user_id {
                    ids.push(id.to_string());
                }
                // Instagram Login reports both its app-scoped id and the IG user id.
                let me = self
                    .client
                    .send_json::<Value>(
                        instagraph::Request::get("me")
                            .query("fields", "id,user_id,username")
                            .retry_safe(),
                    )
                    .await;
                if let Ok(v) = me {
                    for f in ["id", "user_id", "username"] {
                        if let Some(s) = v.get(f).and_then(|x| {
                            x.as_str()
                                .map(str::to_owned)
                                .or_else(|| x.as_u64().map(|n| n.to_string()))
                        }) && !ids.contains(&s)
                        {
                            ids.push(s);
                        }
                    }
                }
                ids
            })
            .await
    }
}

#[async_trait::async_trait]
impl ClientSource for SingleAccount {
    async fn resolve(&self, account: Option<&str>) -> Result<ResolvedAccount, ActionError> {
        let ids = self.ids().await.clone();
        match account.map(str::trim).filter(|a| !a.is_empty()) {
            None | Some("me") => {}
            Some(a) if ids.iter().any(|i| i == a) => {}
            Some(a) => {
                return Err(ActionError::UnknownAccount(format!(
                    "no token for account {a:?}: this instance acts as {} (use `me` or one of these)",
                    if ids.is_empty() {
                        "one account".to_owned()
                    } else {
                        ids.join(", ")
                    }
                )));
            }
        }
        Ok(ResolvedAccount {
            client: self.client.clone(),
            keys: ids,
        })
    }

    async fn known(&self) -> Vec<String> {
        self.ids().await.clone()
    }
}

/// What an action body gets besides its parameters.
#[derive(Clone)]
pub struct ActionContext {
    /// Where clients come from.
    pub accounts: Arc<dyn ClientSource>,
    /// The store, for drafts (scheduled posts awaiting approval); `None` refuses drafts.
    pub store: Option<Arc<dyn Store>>,
    /// Who may do what.
    pub policy: Policy,
    /// Set by [`run`] for the body: the access of the account the call is for.
    pub access: Access,
    /// When set, only accounts known by one of these names or ids may be used (an API key
    /// scoped to accounts).
    pub allowed_accounts: Option<Vec<String>>,
}

impl std::fmt::Debug for ActionContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionContext")
            .field("store", &self.store.is_some())
            .field("policy", &self.policy)
            .field("access", &self.access)
            .field("allowed_accounts", &self.allowed_accounts)
            .finish_non_exhaustive()
    }
}

impl ActionContext {
    /// A context over `accounts` with full access and no store.
    pub fn new(accounts: Arc<dyn ClientSource>) -> Self {
        Self {
            accounts,
            store: None,
            policy: Policy::default(),
            access: Access::Full,
            allowed_accounts: None,
        }
    }

    /// The client for `account` (see [`ClientSource::resolve`]), pinned to `version` when one
    /// is given (`v21.0`; a malformed version is an [`ActionError::InvalidParams`]).
    pub async fn client(
        &self,
        account: Option<&str>,
        version: Option<&str>,
    ) -> Result<Client, ActionError> {
        let resolved = self.accounts.resolve(account).await?;
        Ok(match version.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => resolved
                .client
                .with_api_version(ApiVersion::parse(v).map_err(|_| {
                    ActionError::InvalidParams(format!(
                        "graph_api_version: expected a version like v21.0, got {v:?}"
                    ))
                })?),
            None => resolved.client,
        })
    }
}

/// The future an action body returns.
pub type ActionFuture = Pin<Box<dyn Future<Output = Result<Value, ActionError>> + Send>>;

type Body = dyn Fn(ActionContext, Value) -> ActionFuture + Send + Sync;

/// One runnable action.
#[derive(Clone)]
pub struct Action {
    /// The name: Composio's (`INSTAGRAM_SEND_TEXT_MESSAGE`) or ours (`send_text`).
    pub name: &'static str,
    /// What it does, with the platform rules an agent must know.
    pub description: &'static str,
    /// What it does to the account.
    pub effect: Effect,
    /// Under [`Access::Drafts`], the action still runs (it only prepares, or it turns a publish
    /// into a draft itself, reading [`ActionContext::access`]).
    pub drafts_ok: bool,
    /// Deprecated in favour of this action.
    pub deprecated_for: Option<&'static str>,
    /// The native CLI command doing the same (for the migration table).
    pub native: &'static str,
    /// The parameters' top-level field naming the account (`ig_user_id`), if any.
    pub account_param: Option<&'static str>,
    schema: Arc<serde_json::Map<String, Value>>,
    body: Arc<Body>,
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Action")
            .field("name", &self.name)
            .field("effect", &self.effect)
            .finish_non_exhaustive()
    }
}

impl Action {
    /// An action taking parameters `P` (its JSON schema is derived from `P`, descriptions
    /// from its doc comments). The account is read from the `ig_user_id` parameter unless
    /// [`Action::account_param`] says otherwise.
    pub fn new<P, F, Fut>(
        name: &'static str,
        effect: Effect,
        description: &'static str,
        body: F,
    ) -> Self
    where
        P: DeserializeOwned + schemars::JsonSchema + Send + 'static,
        F: Fn(ActionContext, P) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ActionError>> + Send + 'static,
    {
        let body = Arc::new(body);
        let wrapped = move |ctx: ActionContext, params: Value| -> ActionFuture {
            let body = body.clone();
            Box::pin(async move {
                let p: P = parse_params(params)?;
                body(ctx, p).await
            })
        };
        Self {
            name,
            description,
            effect,
            drafts_ok: effect == Effect::Prepare,
            deprecated_for: None,
            native: "",
            account_param: Some("ig_user_id"),
            schema: Arc::new(schema_of::<P>()),
            body: Arc::new(wrapped),
        }
    }

    /// Marks the action deprecated in favour of `other`.
    pub fn deprecated_for(mut self, other: &'static str) -> Self {
        self.deprecated_for = Some(other);
        self
    }

    /// The native command doing the same.
    pub fn native(mut self, command: &'static str) -> Self {
        self.native = command;
        self
    }

    /// The parameter naming the account (`None`: always the default account).
    pub fn account_param(mut self, param: Option<&'static str>) -> Self {
        self.account_param = param;
        self
    }

    /// Allowed under [`Access::Drafts`] (the body must check [`ActionContext::access`]).
    pub fn drafts_ok(mut self) -> Self {
        self.drafts_ok = true;
        self
    }

    /// The parameters' JSON schema (an object schema).
    pub fn schema(&self) -> &Arc<serde_json::Map<String, Value>> {
        &self.schema
    }

    /// The description with the deprecation note first, when deprecated.
    pub fn full_description(&self) -> String {
        match self.deprecated_for {
            Some(other) if !self.description.starts_with("DEPRECATED") => {
                format!("DEPRECATED: use {other} instead. {}", self.description)
            }
            _ => self.description.to_owned(),
        }
    }

    /// A short listing entry.
    pub fn summary(&self) -> Value {
        json!({
            "name": self.name,
            "effect": self.effect,
            "deprecated_for": self.deprecated_for,
            "native": self.native,
            "description": self.full_description(),
        })
    }
}

/// Parses parameters, naming the offending field.
pub fn parse_params<P: DeserializeOwned>(params: Value) -> Result<P, ActionError> {
    let params = if params.is_null() { json!({}) } else { params };
    serde_path_to_error::deserialize(params).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            ActionError::InvalidParams(inner.to_string())
        } else {
            ActionError::InvalidParams(format!("{path}: {inner}"))
        }
    })
}

/// The JSON schema of `P` as an object schema (MCP wants `"type": "object"` at the top).
pub fn schema_of<P: schemars::JsonSchema>() -> serde_json::Map<String, Value> {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<P>();
    let mut map = match serde_json::to_value(&schema) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    map.remove("$schema");
    map.entry("type").or_insert_with(|| json!("object"));
    map.entry("properties").or_insert_with(|| json!({}));
    map
}

/// A set of actions by name.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    actions: BTreeMap<&'static str, Action>,
}

impl Registry {
    /// Every action: the Composio-compatible ones and the native tools.
    pub fn all() -> Self {
        let mut r = Self::default();
        for a in crate::composio::actions()
            .into_iter()
            .chain(crate::native::actions())
        {
            r.actions.insert(a.name, a);
        }
        r
    }

    /// Only the Composio-compatible actions.
    pub fn composio() -> Self {
        let mut r = Self::default();
        for a in crate::composio::actions() {
            r.actions.insert(a.name, a);
        }
        r
    }

    /// Only the native tools.
    pub fn native() -> Self {
        let mut r = Self::default();
        for a in crate::native::actions() {
            r.actions.insert(a.name, a);
        }
        r
    }

    /// Looks an action up by name (Composio names are matched case-insensitively).
    pub fn get(&self, name: &str) -> Option<&Action> {
        self.actions.get(name).or_else(|| {
            self.actions
                .values()
                .find(|a| a.name.eq_ignore_ascii_case(name))
        })
    }

    /// All actions, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Action> {
        self.actions.values()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// The outcome of [`run`]: the Composio envelope plus what a caller needs to pace itself.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The action's result (`null` on failure).
    pub data: Value,
    /// Why it failed (`null` on success).
    pub error: Option<String>,
    /// Whether it succeeded.
    pub successful: bool,
    /// A machine-readable failure kind (`invalid_params`, `refused`, `platform`, ...).
    pub error_kind: Option<&'static str>,
    /// The platform's and our own rate-limit figures after the call (when a client was used).
    pub usage: Option<Value>,
}

impl Outcome {
    /// The Composio envelope `{data, error, successful}`.
    pub fn envelope(&self) -> Value {
        json!({ "data": self.data, "error": self.error, "successful": self.successful })
    }
}

/// Runs `action` with `params`: resolves the account named by the action's account parameter,
/// applies the policy, runs the body. Never panics on input; every failure is an envelope.
pub async fn run(ctx: &ActionContext, action: &Action, params: Value) -> Outcome {
    let account = action
        .account_param
        .and_then(|p| params.get(p))
        .and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        });
    let mut ctx = ctx.clone();
    let resolved = match ctx.accounts.resolve(account.as_deref()).await {
        Ok(r) => r,
        Err(e) => return failure(e, None),
    };
    if let Some(allowed) = &ctx.allowed_accounts
        && !resolved.keys.iter().any(|k| allowed.contains(k))
    {
        return failure(
            ActionError::Refused(format!("this key may only act for {}", allowed.join(", "))),
            None,
        );
    }
    ctx.access = ctx
        .policy
        .access_for(resolved.keys.iter().map(String::as_str));
    if let Err(e) = permitted(action, ctx.access) {
        return failure(e, None);
    }
    let client = resolved.client.clone();
    let result = (action.body)(ctx, params).await;
    let usage = Some(usage_of(&client));
    match result {
        Ok(data) => Outcome {
            data,
            error: None,
            successful: true,
            error_kind: None,
            usage,
        },
        Err(e) => failure(e, usage),
    }
}

/// Whether `access` lets `action` run.
pub fn permitted(action: &Action, access: Access) -> Result<(), ActionError> {
    match access {
        Access::Full => Ok(()),
        _ if action.effect.is_read_only() => Ok(()),
        Access::Drafts if action.drafts_ok => Ok(()),
        Access::Drafts => Err(ActionError::Refused(format!(
            "{} ({:?}) is not allowed: this account is limited to reads and drafts; \
             publish through a draft (the publish_post tool) that a person approves",
            action.name, action.effect
        ))),
        Access::ReadOnly => Err(ActionError::Refused(format!(
            "{} ({:?}) is not allowed: this account is read-only for agents",
            action.name, action.effect
        ))),
    }
}

fn failure(e: ActionError, usage: Option<Value>) -> Outcome {
    Outcome {
        data: Value::Null,
        error: Some(e.to_string()),
        successful: false,
        error_kind: Some(e.kind()),
        usage,
    }
}

/// The rate-limit figures of `client`: the platform's last usage headers and our budgets.
pub fn usage_of(client: &Client) -> Value {
    json!({
        "platform": client.last_usage(),
        "local": client.local_usage(),
    })
}
