//! Control API under `/_sandbox` (no Graph auth): accounts, clock, faults, request log,
//! token minting/revocation, app settings, budgets and reset. Errors are `{"error":"..."}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::Sandbox;
use crate::errors::SandboxError;
use crate::types::{Fault, TokenSpec};

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Parses a JSON body; the error is the message for a 400.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

fn sandbox_error(e: &SandboxError) -> Response {
    let status = match e {
        SandboxError::UnknownAccount(_)
        | SandboxError::UnknownApp(_)
        | SandboxError::UnknownToken => StatusCode::NOT_FOUND,
        SandboxError::InvalidTokenSpec(_) => StatusCode::BAD_REQUEST,
    };
    error(status, e.to_string())
}

/// `GET /_sandbox/accounts`
pub(crate) async fn accounts(State(sb): State<Sandbox>) -> Response {
    Json(sb.accounts()).into_response()
}

fn clock_body(sb: &Sandbox) -> Value {
    let st = sb.lock();
    let now = st.now();
    json!({
        "now": now,
        "iso": crate::clock::graph_timestamp(now),
        "frozen": st.clock.is_frozen(),
    })
}

/// `GET /_sandbox/clock`
pub(crate) async fn clock(State(sb): State<Sandbox>) -> Response {
    Json(clock_body(&sb)).into_response()
}

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

/// `POST /_sandbox/clock/advance {"seconds":N}`
pub(crate) async fn advance(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let req: Advance = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if req.seconds < 0 {
        return error(StatusCode::BAD_REQUEST, "seconds must not be negative");
    }
    sb.advance(req.seconds);
    Json(clock_body(&sb)).into_response()
}

/// `POST /_sandbox/faults` (a [`Fault`])
pub(crate) async fn add_fault(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let fault: Fault = match parse(&body) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if fault.times == 0 {
        return error(StatusCode::BAD_REQUEST, "times must be at least 1");
    }
    sb.inject_fault(fault);
    Json(json!({ "ok": true, "pending": sb.lock().faults.len() })).into_response()
}

/// `GET /_sandbox/faults`: pending faults with their remaining counts.
pub(crate) async fn list_faults(State(sb): State<Sandbox>) -> Response {
    let st = sb.lock();
    let list: Vec<Value> = st
        .faults
        .iter()
        .map(|p| json!({ "fault": p.fault, "remaining": p.remaining }))
        .collect();
    Json(list).into_response()
}

/// `DELETE /_sandbox/faults`
pub(crate) async fn clear_faults(State(sb): State<Sandbox>) -> Response {
    let cleared = sb.clear_faults();
    Json(json!({ "ok": true, "cleared": cleared })).into_response()
}

/// `GET /_sandbox/requests`
pub(crate) async fn requests(State(sb): State<Sandbox>) -> Response {
    Json(sb.requests()).into_response()
}

/// `DELETE /_sandbox/requests`
pub(crate) async fn clear_requests(State(sb): State<Sandbox>) -> Response {
    let cleared = sb.clear_requests();
    Json(json!({ "ok": true, "cleared": cleared })).into_response()
}

/// `POST /_sandbox/tokens` (a [`TokenSpec`]) → `{"access_token":..}`
pub(crate) async fn mint_token(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let spec: TokenSpec = match parse(&body) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match sb.mint_token(spec) {
        Ok(t) => Json(json!({ "access_token": t })).into_response(),
        Err(e) => sandbox_error(&e),
    }
}

#[derive(Deserialize)]
struct Revoke {
    access_token: String,
}

/// `POST /_sandbox/tokens/revoke {"access_token":..}`
pub(crate) async fn revoke_token(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let req: Revoke = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match sb.revoke_token(&req.access_token) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(e) => sandbox_error(&e),
    }
}

#[derive(Deserialize)]
struct AppSettings {
    require_appsecret_proof: bool,
}

/// `POST /_sandbox/apps/{app_id} {"require_appsecret_proof":bool}`
pub(crate) async fn set_app(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Response {
    let req: AppSettings = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if !sb.lock().apps.contains_key(&app_id) {
        return sandbox_error(&SandboxError::UnknownApp(app_id));
    }
    sb.set_require_appsecret_proof(&app_id, req.require_appsecret_proof);
    Json(json!({ "app_id": app_id, "require_appsecret_proof": req.require_appsecret_proof }))
        .into_response()
}

#[derive(Deserialize)]
struct Budgets {
    app_budget_per_hour: Option<u32>,
    buc_budget_per_day: Option<u32>,
}

fn budgets_body(sb: &Sandbox) -> Value {
    let st = sb.lock();
    json!({
        "app_budget_per_hour": st.config.app_budget_per_hour,
        "buc_budget_per_day": st.config.buc_budget_per_day,
    })
}

/// `GET /_sandbox/budgets`
pub(crate) async fn get_budgets(State(sb): State<Sandbox>) -> Response {
    Json(budgets_body(&sb)).into_response()
}

/// `POST /_sandbox/budgets {"app_budget_per_hour":..,"buc_budget_per_day":..}` (both optional)
pub(crate) async fn set_budgets(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let req: Budgets = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    sb.set_budgets(req.app_budget_per_hour, req.buc_budget_per_day);
    Json(budgets_body(&sb)).into_response()
}

/// `POST /_sandbox/reset`: back to the freshly seeded state.
pub(crate) async fn reset(State(sb): State<Sandbox>) -> Response {
    sb.reset();
    Json(json!({ "ok": true, "accounts": sb.accounts() })).into_response()
}

/// 405 on a control route with the wrong method.
pub(crate) async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}
