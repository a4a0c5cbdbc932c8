//! `X-Hub-Signature-256` and the `hub.*` subscription handshake.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The header Meta signs deliveries with.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No header was sent.
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    /// The header is not `sha256=<64 hex digits>`.
    #[error("the X-Hub-Signature-256 header is malformed (expected sha256=<64 hex digits>)")]
    Malformed,
    /// No configured secret produced this signature.
    #[error("the signature matches none of the configured app secrets")]
    Mismatch,
    /// There is no secret to check against.
    #[error("no app secret is configured")]
    NoSecret,
}

fn mac(secret: &[u8], body: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut m = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    m.update(body);
    m.finalize().into_bytes().into()
}

/// The header value Meta would send for `body` signed with `secret`: `sha256=<hex>`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, body)))
}

/// Parses `sha256=<hex>` into the 32 digest bytes.
pub fn parse_header(header: &str) -> Result<[u8; 32], SignatureError> {
    let hex_part = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    if hex_part.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_part.to_ascii_lowercase(), &mut out)
        .map_err(|_| SignatureError::Malformed)?;
    Ok(out)
}

/// Verifies the raw `body` against `header`, trying every secret in constant time.
/// Returns the index of the secret that matched.
pub fn verify_signature<S: AsRef<[u8]>>(
    secrets: &[S],
    header: Option<&str>,
    body: &[u8],
) -> Result<usize, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let expected = parse_header(header.ok_or(SignatureError::Missing)?)?;
    let mut found = None;
    for (i, s) in secrets.iter().enumerate() {
        let ok: bool = mac(s.as_ref(), body).ct_eq(&expected).into();
        if ok && found.is_none() {
            found = Some(i);
        }
    }
    found.ok_or(SignatureError::Mismatch)
}

/// The query of a subscription handshake (`hub.mode`, `hub.verify_token`, `hub.challenge`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Handshake {
    /// Must be `subscribe`.
    #[serde(rename = "hub.mode")]
    pub mode: Option<String>,
    /// Must equal our verify token.
    #[serde(rename = "hub.verify_token")]
    pub verify_token: Option<String>,
    /// Echoed back on success.
    #[serde(rename = "hub.challenge")]
    pub challenge: Option<String>,
}

/// Why a handshake was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// `hub.mode` is not `subscribe`.
    #[error("hub.mode must be subscribe")]
    Mode,
    /// The verify token does not match.
    #[error("hub.verify_token does not match")]
    Token,
    /// No challenge to echo.
    #[error("hub.challenge is missing")]
    Challenge,
}

/// Checks a handshake; returns the challenge to echo. The token compare is constant time.
pub fn verify_handshake<'a>(
    h: &'a Handshake,
    verify_token: &str,
) -> Result<&'a str, HandshakeError> {
    if h.mode.as_deref() != Some("subscribe") {
        return Err(HandshakeError::Mode);
    }
    let given = h.verify_token.as_deref().unwrap_or("");
    let same: bool = given.as_bytes().ct_eq(verify_token.as_bytes()).into();
    if !same || verify_token.is_empty() {
        return Err(HandshakeError::Token);
    }
    h.challenge.as_deref().ok_or(HandshakeError::Challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog")
        assert_eq!(
            sign(b"key", b"The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn verifies_against_any_configured_secret_and_rejects_tampering() {
        let body = br#"{"object":"instagram","entry":[]}"#;
        let header = sign(b"new-secret", body);
        assert_eq!(
            verify_signature(&["old-secret", "new-secret"], Some(&header), body),
            Ok(1)
        );
        assert_eq!(
            verify_signature(&["other"], Some(&header), body),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(
                &["new-secret"],
                Some(&header),
                b"{\"object\":\"instagram\",\"entry\":[ ]}"
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&["new-secret"], None, body),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(&["new-secret"], Some("sha1=abc"), body),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(&["new-secret"], Some("sha256=zz"), body),
            Err(SignatureError::Malformed)
        );
        let empty: [&str; 0] = [];
        assert_eq!(
            verify_signature(&empty, Some(&header), body),
            Err(SignatureError::NoSecret)
        );
        assert_eq!(
            verify_signature(
                &["new-secret"],
                Some(&header.to_uppercase().replace("SHA256", "sha256")),
                body
            ),
            Ok(0)
        );
    }

    #[test]
    fn handshake_rules() {
        let h = |m: &str, t: &str, c: Option<&str>| Handshake {
            mode: Some(m.into()),
            verify_token: Some(t.into()),
            challenge: c.map(Into::into),
        };
        assert_eq!(
            verify_handshake(&h("subscribe", "tok", Some("123")), "tok"),
            Ok("123")
        );
        assert_eq!(
            verify_handshake(&h("unsubscribe", "tok", Some("1")), "tok"),
            Err(HandshakeError::Mode)
        );
        assert_eq!(
            verify_handshake(&h("subscribe", "nope", Some("1")), "tok"),
            Err(HandshakeError::Token)
        );
        assert_eq!(
            verify_handshake(&h("subscribe", "", Some("1")), ""),
            Err(HandshakeError::Token)
        );
        assert_eq!(
            verify_handshake(&h("subscribe", "tok", None), "tok"),
            Err(HandshakeError::Challenge)
        );
    }
}
