//! Token extraction, token validation, `appsecret_proof` and scope checks.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::errors::GraphError;
use crate::state::{State, TokenRecord};
use crate::types::{AuthMethod, LoginFamily, ProofState};

type HmacSha256 = Hmac<Sha256>;

/// Default scopes of a Facebook-Login user token.
pub(crate) const FACEBOOK_SCOPES: &[&str] = &[
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_manage_messages",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "business_management",
];

/// Default scopes of an Instagram-Login user token.
pub(crate) const INSTAGRAM_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_messages",
    "instagram_business_manage_comments",
    "instagram_business_manage_insights",
];

/// Default scopes of `family`.
pub(crate) fn default_scopes(family: LoginFamily) -> &'static [&'static str] {
    match family {
        LoginFamily::Facebook => FACEBOOK_SCOPES,
        LoginFamily::Instagram => INSTAGRAM_SCOPES,
    }
}

/// `appsecret_proof` for a token: lowercase hex HMAC-SHA256 keyed with the app secret.
pub fn appsecret_proof(app_secret: &str, access_token: &str) -> String {
    hmac_sha256_hex(app_secret.as_bytes(), access_token.as_bytes())
}

/// Lowercase hex HMAC-SHA256 of `message` under `key` (also signs webhook bodies).
pub(crate) fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Constant-time check of a proof (hex, any case).
fn proof_matches(app_secret: &str, access_token: &str, proof: &str) -> bool {
    let Ok(bytes) = hex::decode(proof.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(access_token.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// Token and proof as found in a request.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    pub(crate) token: Option<String>,
    pub(crate) method: AuthMethod,
    pub(crate) proof: Option<String>,
}

/// Where the body parameters came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    None,
    Form,
    Json,
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Finds the token: query, then form/JSON body, then `Authorization: Bearer|OAuth`.
pub(crate) fn extract(
    query: &[(String, String)],
    body: &[(String, String)],
    body_kind: BodyKind,
    authorization: Option<&str>,
) -> Credentials {
    let proof = find(query, "appsecret_proof")
        .or_else(|| find(body, "appsecret_proof"))
        .map(str::to_string);
    let from_header = || {
        let h = authorization?.trim();
        let (scheme, rest) = h.split_once(' ')?;
        let token = rest.trim();
        if token.is_empty() {
            return None;
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            Some((token.to_string(), AuthMethod::Bearer))
        } else if scheme.eq_ignore_ascii_case("oauth") {
            Some((token.to_string(), AuthMethod::OAuth))
        } else {
            None
        }
    };
    let body_method = match body_kind {
        BodyKind::Json => AuthMethod::Json,
        _ => AuthMethod::Form,
    };
    let found = find(query, "access_token")
        .map(|t| (t.to_string(), AuthMethod::Query))
        .or_else(|| find(body, "access_token").map(|t| (t.to_string(), body_method)))
        .or_else(from_header);
    match found {
        Some((token, method)) => Credentials {
            token: Some(token),
            method,
            proof,
        },
        None => Credentials {
            token: None,
            method: AuthMethod::None,
            proof,
        },
    }
}

/// Result of authenticating a request.
#[derive(Clone, Debug)]
pub(crate) struct AuthOutcome {
    pub(crate) proof: ProofState,
    /// App of the token when the token is known (for `X-App-Usage`).
    pub(crate) app_id: Option<String>,
    pub(crate) result: Result<TokenRecord, GraphError>,
}

/// Validates the token (presence, known, expiry, revocation) and the appsecret_proof.
pub(crate) fn authenticate(st: &State, creds: &Credentials, is_me: bool, now: i64) -> AuthOutcome {
    let proof_sent = if creds.proof.is_some() {
        ProofState::Invalid
    } else {
        ProofState::Absent
    };
    let fail = |e: GraphError, app_id: Option<String>, proof: ProofState| AuthOutcome {
        proof,
        app_id,
        result: Err(e),
    };
    let Some(token) = creds.token.as_deref() else {
        let e = if is_me {
            GraphError::me_requires_token()
        } else {
            GraphError::token_required()
        };
        return fail(e, None, proof_sent);
    };
    let Some(rec) = st.tokens.get(token) else {
        return fail(GraphError::cannot_parse_token(), None, proof_sent);
    };
    let app_id = Some(rec.app_id.clone());
    if let Some(exp) = rec.expires_at
        && exp <= now
    {
        return fail(GraphError::token_expired(exp, now), app_id, proof_sent);
    }
    if rec.revoked {
        return fail(GraphError::token_revoked(), app_id, proof_sent);
    }
    let app = st.apps.get(&rec.app_id);
    let proof = match (&creds.proof, app) {
        (Some(p), Some(app)) if proof_matches(&app.secret, token, p) => ProofState::Valid,
        (Some(_), _) => {
            return fail(
                GraphError::invalid_appsecret_proof(),
                app_id,
                ProofState::Invalid,
            );
        }
        (None, Some(app)) if app.require_proof => {
            return fail(
                GraphError::appsecret_proof_required(),
                app_id,
                ProofState::Absent,
            );
        }
        (None, _) => ProofState::Absent,
    };
    AuthOutcome {
        proof,
        app_id,
        result: Ok(rec.clone()),
    }
}

/// A permission, named once for both login families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permission {
    /// `instagram_basic` / `instagram_business_basic`.
    Basic,
    /// `instagram_content_publish` / `instagram_business_content_publish`.
    #[allow(dead_code)]
    ContentPublish,
    /// `instagram_manage_comments` / `instagram_business_manage_comments`.
    #[allow(dead_code)]
    ManageComments,
    /// `instagram_manage_insights` / `instagram_business_manage_insights`.
    #[allow(dead_code)]
    ManageInsights,
    /// `instagram_manage_messages` / `instagram_business_manage_messages`.
    #[allow(dead_code)]
    ManageMessages,
    /// `pages_show_list` (Facebook Login only).
    PagesShowList,
}

impl Permission {
    /// Scope name for `family` (`None`: the permission does not exist there).
    pub(crate) fn scope(self, family: LoginFamily) -> Option<&'static str> {
        use LoginFamily::{Facebook as F, Instagram as I};
        Some(match (self, family) {
            (Self::Basic, F) => "instagram_basic",
            (Self::Basic, I) => "instagram_business_basic",
            (Self::ContentPublish, F) => "instagram_content_publish",
            (Self::ContentPublish, I) => "instagram_business_content_publish",
            (Self::ManageComments, F) => "instagram_manage_comments",
            (Self::ManageComments, I) => "instagram_business_manage_comments",
            (Self::ManageInsights, F) => "instagram_manage_insights",
            (Self::ManageInsights, I) => "instagram_business_manage_insights",
            (Self::ManageMessages, F) => "instagram_manage_messages",
            (Self::ManageMessages, I) => "instagram_business_manage_messages",
            (Self::PagesShowList, F) => "pages_show_list",
            (Self::PagesShowList, I) => return None,
        })
    }
}

/// Fails with `(#10) Application does not have permission for this action` unless the token
/// was granted `perm`.
pub(crate) fn require_scope(token: &TokenRecord, perm: Permission) -> Result<(), GraphError> {
    match perm.scope(token.family) {
        Some(scope) if token.scopes.contains(scope) => Ok(()),
        _ => Err(GraphError::permission_denied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_is_lowercase_hmac() {
        // RFC 4231-style sanity: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
        assert_eq!(
            appsecret_proof("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        assert!(proof_matches(
            "key",
            "The quick brown fox jumps over the lazy dog",
            "F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8"
        ));
        assert!(!proof_matches("key", "x", "zz"));
    }

    #[test]
    fn extraction_precedence() {
        let q = vec![("access_token".to_string(), "A".to_string())];
        let b = vec![("access_token".to_string(), "B".to_string())];
        let c = extract(&q, &b, BodyKind::Form, Some("Bearer C"));
        assert_eq!(
            (c.token.as_deref(), c.method),
            (Some("A"), AuthMethod::Query)
        );
        let c = extract(&[], &b, BodyKind::Json, None);
        assert_eq!(
            (c.token.as_deref(), c.method),
            (Some("B"), AuthMethod::Json)
        );
        let c = extract(&[], &[], BodyKind::None, Some("OAuth C"));
        assert_eq!(
            (c.token.as_deref(), c.method),
            (Some("C"), AuthMethod::OAuth)
        );
        let c = extract(&[], &[], BodyKind::None, Some("Basic C"));
        assert_eq!(c.method, AuthMethod::None);
    }
}
