//! Shared helpers for the integration tests.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use instagraph_sandbox::{Sandbox, SandboxConfig, SeededAccount};
use serde_json::Value;
use tower::ServiceExt;

/// Response pieces.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> Option<i64> {
        self.body["error"]["code"].as_i64()
    }

    pub fn subcode(&self) -> Option<i64> {
        self.body["error"]["error_subcode"].as_i64()
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    pub fn error_type(&self) -> &str {
        self.body["error"]["type"].as_str().unwrap_or("")
    }
}

pub async fn send(router: &Router, req: Request<Body>) -> Resp {
    let resp = router.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    Resp {
        status,
        headers,
        body,
    }
}

pub async fn get(router: &Router, uri: &str) -> Resp {
    let req = Request::get(uri)
        .header("host", "graph.sandbox.test")
        .body(Body::empty())
        .expect("request");
    send(router, req).await
}

pub async fn post_json(router: &Router, uri: &str, body: Value) -> Resp {
    let req = Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    send(router, req).await
}

pub async fn delete(router: &Router, uri: &str) -> Resp {
    let req = Request::delete(uri).body(Body::empty()).expect("request");
    send(router, req).await
}

pub fn sandbox() -> (Sandbox, Router) {
    sandbox_with(SandboxConfig::deterministic())
}

pub fn sandbox_with(config: SandboxConfig) -> (Sandbox, Router) {
    let sb = Sandbox::new(config);
    let router = sb.router();
    (sb, router)
}

pub fn account(sb: &Sandbox, name: &str) -> SeededAccount {
    sb.accounts()
        .into_iter()
        .find(|a| a.name == name)
        .expect("seeded account")
}

/// Percent-encodes a query value (tokens are alphanumeric, cursors base64url; this covers
/// the characters the tests use).
pub fn enc(s: &str) -> String {
    s.replace('%', "%25")
        .replace('&', "%26")
        .replace('=', "%3D")
        .replace('+', "%2B")
        .replace(',', "%2C")
        .replace('{', "%7B")
        .replace('}', "%7D")
}
