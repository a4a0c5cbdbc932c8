//! The escape hatch: any path, any method, with auth, proof, retries and error mapping applied.

use crate::client::{Client, Method, Request};
use crate::error::Error;
use crate::ratelimit::OperationClass;

/// A raw call, as the CLI's `instagraph raw` takes it.
#[derive(Clone, Debug)]
pub struct RawCall {
    /// GET, POST or DELETE.
    pub method: Method,
    /// A Graph path (`/me`, `v25.0/17841…/media?fields=id`); a leading version is kept as given.
    pub path: String,
    /// Extra parameters: query for GET/DELETE, form body for POST.
    pub params: Vec<(String, String)>,
    /// Retry a POST on retryable failures (only when it is idempotent on the platform).
    pub retry_post: bool,
    /// The local budget class to count against.
    pub class: OperationClass,
}

impl RawCall {
    /// Builds the [`Request`] (validating method and path before the network).
    pub fn into_request(self) -> Result<Request, Error> {
        let path = self.path.trim();
        if path.starts_with("http://") || path.starts_with("https://") || path.contains("://") {
            return Err(Error::invalid_input(
                "path",
                "a Graph path such as /me (full URLs are refused so the token only goes to the configured base URL)",
                path,
            ));
        }
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, q),
            None => (path, ""),
        };
        let trimmed = path.trim_start_matches('/');
        if trimmed.is_empty() {
            return Err(Error::invalid_input(
                "path",
                "a non-empty Graph path such as /me",
                path,
            ));
        }
        let first = trimmed.split('/').next().unwrap_or("");
        let versioned = crate::config::ApiVersion::parse(first).is_ok() && first.starts_with('v');
        let mut req = match self.method.as_str() {
            "GET" => Request::get(trimmed),
            "POST" => Request::post(trimmed),
            "DELETE" => Request::delete(trimmed),
            other => return Err(Error::invalid_input("method", "GET, POST or DELETE", other)),
        };
        req.versioned = versioned;
        req = req.class(self.class);
        if self.retry_post {
            req = req.retry_safe();
        }
        let from_path: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| Error::invalid_input("path", "a valid query string", query))?;
        for (k, v) in from_path.into_iter().chain(self.params) {
            if k == "access_token" || k == "appsecret_proof" {
                return Err(Error::invalid_input(
                    "params",
                    "no access_token or appsecret_proof (the client adds them)",
                    k,
                ));
            }
            req = if req.method == Method::POST {
                req.form(k, v)
            } else {
                req.query(k, v)
            };
        }
        Ok(req)
    }
}

impl Client {
    /// Sends a raw call and returns the JSON body as the platform sent it.
    pub async fn raw(&self, call: RawCall) -> Result<serde_json::Value, Error> {
        let req = call.into_request()?;
        let resp = self.send(req).await?;
        if resp.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        resp.decode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: Method, path: &str) -> RawCall {
        RawCall {
            method,
            path: path.into(),
            params: vec![],
            retry_post: false,
            class: OperationClass::Other,
        }
    }

    #[test]
    fn raw_paths_are_checked_before_the_network() {
        assert!(
            call(Method::GET, "https://evil.example/me")
                .into_request()
                .is_err()
        );
        assert!(call(Method::GET, "/").into_request().is_err());
        assert!(call(Method::PUT, "/me").into_request().is_err());
        let r = call(Method::GET, "/v21.0/me?fields=id,name")
            .into_request()
            .unwrap();
        assert!(r.versioned);
        assert_eq!(r.query, vec![("fields".to_string(), "id,name".to_string())]);
        let r = call(Method::POST, "/me/messages").into_request().unwrap();
        assert!(!r.versioned && !r.idempotent);
        let mut c = call(Method::GET, "/me");
        c.params.push(("access_token".into(), "x".into()));
        assert!(c.into_request().unwrap_err().is_before_network());
    }
}
