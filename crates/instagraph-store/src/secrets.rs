//! Secrets at rest: [`SecretBox`] seals tokens and app secrets before they reach the database
//! and opens them again on the way out.
//!
//! The cipher is XChaCha20-Poly1305 (authenticated encryption) with a 256-bit key and a fresh
//! random 192-bit nonce from the operating system for every value, so sealing the same token
//! twice gives two unrelated texts. A sealed value is plain ASCII, `v1:` followed by the hex of
//! `nonce || ciphertext || tag`; the prefix names the format so that a later one can be told
//! apart. A value sealed under another key, or altered in any byte, does not open: the error
//! says so and never carries any part of the plaintext.
//!
//! The key comes from [`SECRET_KEY_ENV`] (64 hex characters) or, when that is not set, from a
//! key file that is created with a new random key (mode `0600`) the first time; see
//! [`SecretBox::load`].

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, Generate, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use secrecy::SecretString;
use secrecy::zeroize::{Zeroize, Zeroizing};

/// The environment variable that holds the key (64 hex characters); it takes precedence over
/// the key file.
pub const SECRET_KEY_ENV: &str = "INSTAGRAPH_SECRET_KEY";

/// The prefix of every value sealed in the current format.
pub const SEALED_PREFIX: &str = "v1:";

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// A key file larger than this is certainly not a key file.
const MAX_KEY_FILE_LEN: u64 = 4096;

/// What can go wrong loading a key or opening a sealed value. No variant ever carries a key,
/// a plaintext or a sealed value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The key is not 32 bytes of hex.
    #[error("the secret key from {origin} is invalid: {reason}")]
    InvalidKey {
        /// Where the key came from (`INSTAGRAPH_SECRET_KEY`, `key file PATH`, ...).
        origin: String,
        /// What is wrong with it (never the key itself).
        reason: String,
    },

    /// The key file could not be read or created.
    #[error("cannot {action} the secret key file {}: {source}", path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// `read`, `create`, ...
        action: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The key file may be read by other users.
    #[error(
        "the secret key file {path} has mode {mode:04o}: it must be readable by its owner only, \
         since the key opens every stored token; fix it with `chmod 600 {path}`",
        path = path.display()
    )]
    KeyFileMode {
        /// The key file.
        path: PathBuf,
        /// Its permission bits (e.g. `0o644`).
        mode: u32,
    },

    /// The operating system's random generator failed.
    #[error("the operating system's random generator failed: {0}")]
    Random(String),

    /// The value is not something [`SecretBox::seal`] produced.
    #[error("the sealed secret is malformed: {0}")]
    Malformed(&'static str),

    /// Authentication failed: the value was sealed under another key, or altered.
    #[error(
        "cannot open the sealed secret: it was sealed with a different secret key, or altered \
         (check INSTAGRAPH_SECRET_KEY / the key file; otherwise log in again)"
    )]
    Open,
}

/// Seals secrets for storage: XChaCha20-Poly1305 with a 256-bit key; the sealed text is `"v1:"`
/// followed by `hex(nonce || ciphertext)`.
///
/// Its `Debug` output is `SecretBox([REDACTED])`; the key is wiped from memory on drop.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([REDACTED])")
    }
}

impl SecretBox {
    /// A box with this key.
    pub fn from_key_bytes(mut key: [u8; 32]) -> Self {
        let mut k = Key::from(key);
        key.zeroize();
        let cipher = XChaCha20Poly1305::new(&k);
        k.as_mut_slice().zeroize();
        Self { cipher }
    }

    /// A box with a key given as 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(s: &str) -> Result<Self, SecretError> {
        Self::parse_hex(s, "the given value")
    }

    /// A box with a new random key from the operating system.
    pub fn generate() -> Result<Self, SecretError> {
        Ok(Self::from_key_bytes(random_key()?))
    }

    /// The box for this installation.
    ///
    /// With `env_value` (the value of [`SECRET_KEY_ENV`], passed in by the caller; an empty
    /// value counts as unset), the key is that hex and `path` is not touched. Otherwise the key
    /// is read (hex) from the key file at `path`; a missing file is created, together with its
    /// directory (mode `0700`), holding a new random key with mode `0600`. A key file that its
    /// group or others may access is refused, with its mode and the `chmod 600` that fixes it.
    pub fn load(env_value: Option<&str>, path: &Path) -> Result<Self, SecretError> {
        if let Some(value) = env_value.filter(|v| !v.trim().is_empty()) {
            return Self::parse_hex(value, SECRET_KEY_ENV);
        }
        match std::fs::symlink_metadata(path) {
            Ok(_) => Self::read_key_file(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create_key_file(path),
            Err(source) => Err(SecretError::KeyFile {
                path: path.to_owned(),
                action: "inspect",
                source,
            }),
        }
    }

    /// Seals `plaintext` under a fresh random nonce.
    ///
    /// # Panics
    ///
    /// If the operating system's random generator fails (see [`try_seal`](Self::try_seal)
    /// for the fallible form).
    pub fn seal(&self, plaintext: &str) -> String {
        match self.try_seal(plaintext) {
            Ok(sealed) => sealed,
            Err(e) => panic!("{e}"),
        }
    }

    /// Seals `plaintext` under a fresh random nonce; fails only if the operating system's
    /// random generator does.
    pub fn try_seal(&self, plaintext: &str) -> Result<String, SecretError> {
        let nonce = XNonce::try_generate().map_err(|e| SecretError::Random(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            // Only a message longer than 256 GiB can fail.
            .map_err(|_| SecretError::Malformed("the secret is too long to seal"))?;
        let mut out = String::with_capacity(SEALED_PREFIX.len() + 2 * (NONCE_LEN + sealed.len()));
        out.push_str(SEALED_PREFIX);
        out.push_str(&hex::encode(nonce));
        out.push_str(&hex::encode(&sealed));
        Ok(out)
    }

    /// Opens a value sealed by [`seal`](Self::seal) under the same key.
    pub fn open(&self, sealed: &str) -> Result<SecretString, SecretError> {
        let Some(body) = sealed.strip_prefix(SEALED_PREFIX) else {
            return Err(SecretError::Malformed(
                "it does not start with `v1:` (not sealed by this version of Instagraph)",
            ));
        };
        let bytes = hex::decode(body).map_err(|_| SecretError::Malformed("it is not hex"))?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(SecretError::Malformed("it is too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce =
            XNonce::try_from(nonce).map_err(|_| SecretError::Malformed("bad nonce length"))?;
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(&nonce, ciphertext)
                .map_err(|_| SecretError::Open)?,
        );
        match std::str::from_utf8(&plain) {
            Ok(text) => Ok(SecretString::from(text.to_owned())),
            Err(_) => Err(SecretError::Malformed("the opened secret is not UTF-8")),
        }
    }

    /// Whether `s` has the shape of a sealed value (`v1:` and enough hex for a nonce and a
    /// tag). Says nothing about whether it opens; used to refuse storing plaintext by mistake.
    pub fn is_sealed(s: &str) -> bool {
        s.strip_prefix(SEALED_PREFIX).is_some_and(|body| {
            body.len() >= 2 * (NONCE_LEN + TAG_LEN)
                && body.len() % 2 == 0
                && body.bytes().all(|b| b.is_ascii_hexdigit())
        })
    }

    fn parse_hex(s: &str, origin: &str) -> Result<Self, SecretError> {
        let s = s.trim();
        let invalid = |reason: String| SecretError::InvalidKey {
            origin: origin.to_owned(),
            reason,
        };
        if s.len() != 64 {
            return Err(invalid(format!(
                "expected 64 hex characters (32 bytes), found {} characters",
                s.chars().count()
            )));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(s, &mut key[..])
            .map_err(|_| invalid("it contains characters that are not hex".to_owned()))?;
        Ok(Self::from_key_bytes(*key))
    }

    fn read_key_file(path: &Path) -> Result<Self, SecretError> {
        let err = |action, source| SecretError::KeyFile {
            path: path.to_owned(),
            action,
            source,
        };
        let meta = std::fs::metadata(path).map_err(|e| err("read", e))?;
        if !meta.is_file() {
            return Err(err(
                "read",
                std::io::Error::other("it is not a regular file"),
            ));
        }
        check_mode(path, &meta)?;
        if meta.len() > MAX_KEY_FILE_LEN {
            return Err(SecretError::InvalidKey {
                origin: format!("key file {}", path.display()),
                reason: format!(
                    "the file has {} bytes; expected 64 hex characters",
                    meta.len()
                ),
            });
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| err("read", e))?);
        Self::parse_hex(&text, &format!("key file {}", path.display()))
    }

    /// Writes a new key to a temporary file beside `path`, then links it into place (which fails
    /// if someone else created the key file meanwhile: then theirs is used).
    fn create_key_file(path: &Path) -> Result<Self, SecretError> {
        let err = |action, source| SecretError::KeyFile {
            path: path.to_owned(),
            action,
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| err("create the directory of", e))?;
        }
        let key = Zeroizing::new(random_key()?);
        let text = Zeroizing::new(format!("{}\n", hex::encode(&key[..])));
        let tmp = temp_path(path);
        let written = (|| {
            let mut file = private_file(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(err("create", e));
        }
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                    && let Ok(d) = std::fs::File::open(dir)
                {
                    let _ = d.sync_all();
                }
                Ok(Self::from_key_bytes(*key))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::read_key_file(path),
            // No hard links on this file system: create the file in place instead.
            Err(_) => {
                let written = (|| {
                    let mut file = private_file(path)?;
                    file.write_all(text.as_bytes())?;
                    file.sync_all()
                })();
                match written {
                    Ok(()) => Ok(Self::from_key_bytes(*key)),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::read_key_file(path)
                    }
                    Err(e) => Err(err("create", e)),
                }
            }
        }
    }
}

fn random_key() -> Result<[u8; 32], SecretError> {
    <[u8; 32]>::try_generate().map_err(|e| SecretError::Random(e.to_string()))
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Creates `path` new (never replacing a file) with mode `0600`.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretError::KeyFileMode {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), SecretError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn sealed_shape() {
        let sb = SecretBox::from_key_bytes([7; 32]);
        let sealed = sb.seal("tok");
        assert!(SecretBox::is_sealed(&sealed), "{sealed}");
        assert_eq!(sealed.len(), 3 + 2 * (24 + 3 + 16));
        assert!(!SecretBox::is_sealed("tok"));
        assert!(!SecretBox::is_sealed("v1:zz"));
        assert_eq!(sb.open(&sealed).expect("open").expose_secret(), "tok");
        // Two seals of the same text differ (fresh nonce).
        assert_ne!(sb.seal("tok"), sealed);
    }

    #[test]
    fn malformed_values_are_refused() {
        let sb = SecretBox::from_key_bytes([7; 32]);
        for bad in ["", "tok", "v2:00", "v1:not hex", "v1:00ff"] {
            assert!(
                matches!(sb.open(bad), Err(SecretError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
