//! MCP over streamable HTTP at `/mcp`, behind an API key: the service's own key
//! (`--api-key`, full access) or a stored key (`instagraph keys create`), whose scope and
//! accounts become the session's [`Grant`]: a `read` key gets read-only tools, a `read-write`
//! key its `agent_access` (full unless set), and a key scoped to accounts acts only for them.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use instagraph_agent::Access;
use instagraph_agent::mcp::{Grant, McpServer};
use instagraph_store::Store;
use instagraph_store::api_keys::{KeyScope, hash_key, looks_like_key};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// The `/mcp` endpoint: the MCP server and where keys are checked.
pub struct McpEndpoint {
    server: McpServer,
    store: Arc<dyn Store>,
    service_key: Option<SecretString>,
    hosts: Vec<String>,
}

impl std::fmt::Debug for McpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpEndpoint")
            .field("server", &self.server)
            .field("service_key", &self.service_key.is_some())
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

impl McpEndpoint {
    /// Serves `server`; keys are looked up in `store`; `service_key` (the service's own API
    /// key) grants full access; `hosts` are accepted `Host` values besides loopback.
    pub fn new(
        server: McpServer,
        store: Arc<dyn Store>,
        service_key: Option<SecretString>,
        hosts: Vec<String>,
    ) -> Self {
        Self {
            server,
            store,
            service_key,
            hosts,
        }
    }

    /// The `/mcp` route with its key check.
    pub fn router(self: Arc<Self>) -> Router {
        let service = self.server.clone().http_service(self.hosts.clone());
        Router::new()
            .nest_service("/mcp", service)
            .layer(axum::middleware::from_fn_with_state(self, require_grant))
    }

    async fn grant_for(&self, given: &str) -> Result<Grant, (StatusCode, String)> {
        if let Some(k) = &self.service_key {
            let same: bool =
                subtle::ConstantTimeEq::ct_eq(given.as_bytes(), k.expose_secret().as_bytes())
                    .into();
            if same {
                return Ok(Grant {
                    access: Access::Full,
                    accounts: Vec::new(),
                });
            }
        }
        if !looks_like_key(given) {
            return Err((
                StatusCode::UNAUTHORIZED,
                "not an Instagraph API key (igk_…): create one with `instagraph keys create`"
                    .to_owned(),
            ));
        }
        let key = self
            .store
            .api_key_by_hash(&hash_key(given))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "api key lookup failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "cannot check the API key now".to_owned(),
                )
            })?
            .ok_or((
                StatusCode::UNAUTHORIZED,
                "unknown or revoked API key".to_owned(),
            ))?;
        let access = match key.scope {
            KeyScope::Read => Access::ReadOnly,
            _ => key
                .agent_access
                .as_deref()
                .and_then(|a| a.parse().ok())
                .unwrap_or(Access::Full),
        };
        tracing::info!(key = %key.name, %access, "mcp session key accepted");
        Ok(Grant {
            access,
            accounts: key.accounts.clone(),
        })
    }
}

/// Every `/mcp` request needs `Authorization: Bearer <key>`; the key's grant rides along in
/// the request's extensions to the MCP handler.
async fn require_grant(
    State(ep): State<Arc<McpEndpoint>>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(given) = crate::bearer(req.headers()).map(str::to_owned) else {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "/mcp needs `Authorization: Bearer <api key>` (see `instagraph keys create`)"})),
        )
            .into_response();
    };
    match ep.grant_for(&given).await {
        Ok(grant) => {
            req.extensions_mut().insert(grant);
            next.run(req).await
        }
        Err((status, message)) => (status, axum::Json(json!({ "error": message }))).into_response(),
    }
}
