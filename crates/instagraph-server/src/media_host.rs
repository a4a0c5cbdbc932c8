//! Serves local image files at public, unguessable URLs while a container needs them.
//!
//! Meta's fetcher only takes media by URL. For a local image, the publisher registers the file
//! here and hands the URL (`{public_base}/media/{32 random hex}.jpg`: no query string, which
//! the platform rejects) to `POST /{ig-user-id}/media`; the file is released as soon as the
//! container has fetched it, and in any case after a time-to-live. Only registered files are
//! served, and only until released: the route never maps a URL to an arbitrary path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as AxPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// How long a registered file is served when nobody releases it.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug)]
struct Entry {
    path: PathBuf,
    content_type: &'static str,
    until: Instant,
}

/// The registry of hosted files and its route (`GET /media/{id}`).
#[derive(Clone, Debug)]
pub struct MediaHost {
    public_base: Arc<Mutex<String>>,
    ttl: Duration,
    files: Arc<Mutex<HashMap<String, Entry>>>,
}

/// Why a file cannot be hosted.
#[derive(Debug, thiserror::Error)]
pub enum MediaHostError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not a file type the platform takes by URL.
    #[error(
        "{path}: only JPEG images (.jpg, .jpeg) are hosted for publishing; the platform \
         rejects other image formats (2207005)"
    )]
    NotJpeg {
        /// The file.
        path: String,
    },
}

impl MediaHost {
    /// A host whose URLs start with `public_base` (e.g. `https://media.example.com`): the
    /// address under which this service's `/media/` route is reachable from the internet.
    pub fn new(public_base: impl Into<String>) -> Self {
        Self {
            public_base: Arc::new(Mutex::new(
                public_base.into().trim_end_matches('/').to_owned(),
            )),
            ttl: DEFAULT_TTL,
            files: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Changes how long unreleased files stay served.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The public base URL.
    pub fn public_base(&self) -> String {
        self.public_base
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes the public base URL (e.g. once a listener on port 0 knows its port).
    pub fn set_public_base(&self, base: &str) {
        *self.public_base.lock().unwrap_or_else(|e| e.into_inner()) =
            base.trim_end_matches('/').to_owned();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a JPEG file; returns its id and URL.
    pub fn register(&self, path: &Path) -> Result<(String, String), MediaHostError> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|source| MediaHostError::Unreadable {
            path: shown.clone(),
            source,
        })?;
        if !meta.is_file() {
            return Err(MediaHostError::Unreadable {
                path: shown,
                source: std::io::Error::other("not a regular file"),
            });
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if !matches!(ext.as_str(), "jpg" | "jpeg") {
            return Err(MediaHostError::NotJpeg { path: shown });
        }
        let id = format!("{}.jpg", random_hex());
        let now = Instant::now();
        let mut files = self.lock();
        files.retain(|_, e| e.until > now);
        files.insert(
            id.clone(),
            Entry {
                path: path.to_path_buf(),
                content_type: "image/jpeg",
                until: now + self.ttl,
            },
        );
        let url = format!("{}/media/{id}", self.public_base());
        Ok((id, url))
    }

    /// Stops serving a file.
    pub fn release(&self, id: &str) {
        self.lock().remove(id);
    }

    /// How many files are served now.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.lock().values().filter(|e| e.until > now).count()
    }

    /// Whether nothing is served.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `GET /media/{id}` route, to merge into a service's router.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/media/{id}", get(serve_file))
            .with_state(self.clone())
    }
}

#[async_trait::async_trait]
impl instagraph::ops::publishing::MediaHost for MediaHost {
    async fn host(
        &self,
        path: &Path,
    ) -> Result<instagraph::ops::publishing::HostedMedia, instagraph::Error> {
        let (id, url) = self
            .register(path)
            .map_err(|e| instagraph::Error::InvalidInput {
                field: "local image".into(),
                limit: match &e {
                    MediaHostError::NotJpeg { .. } => {
                        "a JPEG file (.jpg or .jpeg): the platform takes only JPEG (2207005)".into()
                    }
                    MediaHostError::Unreadable { source, .. } => {
                        format!("a readable regular file ({source})")
                    }
                },
                value: path.display().to_string(),
            })?;
        Ok(instagraph::ops::publishing::HostedMedia { url, id })
    }

    async fn release(&self, hosted: &instagraph::ops::publishing::HostedMedia) {
        MediaHost::release(self, &hosted.id);
    }
}

/// A media host serving on its own listener (for the CLI's one-off `publish`).
#[derive(Debug)]
pub struct StandaloneMediaHost {
    /// The host (register files here).
    pub host: MediaHost,
    /// Where it listens.
    pub local_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandaloneMediaHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StandaloneMediaHost {
    /// Binds `listen` and serves `/media/{id}`; URLs start with `public_base`, or with the
    /// listener's own URL when none is given (reachable only locally: the sandbox).
    pub async fn start(
        listen: std::net::SocketAddr,
        public_base: Option<String>,
    ) -> Result<Self, std::io::Error> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let local_url = format!("http://{}", listener.local_addr()?);
        let host = MediaHost::new(public_base.unwrap_or_else(|| local_url.clone()));
        let app = host.router();
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "media host stopped");
            }
        });
        Ok(Self {
            host,
            local_url,
            task,
        })
    }
}

async fn serve_file(State(host): State<MediaHost>, AxPath(id): AxPath<String>) -> Response {
    let entry = {
        let files = host.lock();
        files
            .get(&id)
            .filter(|e| e.until > Instant::now())
            .map(|e| (e.path.clone(), e.content_type))
    };
    let Some((path, content_type)) = entry else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut resp = Response::new(Body::from(bytes));
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            resp
        }
        Err(error) => {
            tracing::warn!(%error, file = %path.display(), "hosted media file became unreadable");
            StatusCode::NOT_FOUND.into_response()
        }
    }
}

/// 128 random bits as hex, from the OS (falling back to std's randomly keyed hasher).
fn random_hex() -> String {
    let mut buf = [0_u8; 16];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf))
        .is_ok();
    if !from_os {
        use std::hash::{BuildHasher, Hasher};
        for chunk in buf.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_long_random_and_urls_have_no_query() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.JPG");
        std::fs::write(&file, b"\xff\xd8\xff").unwrap();
        let host = MediaHost::new("https://m.example.com/");
        let (a, url) = host.register(&file).unwrap();
        let (b, _) = host.register(&file).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32 + 4);
        assert!(url.starts_with("https://m.example.com/media/"));
        assert!(!url.contains('?'));
        assert_eq!(host.len(), 2);
        host.release(&a);
        assert_eq!(host.len(), 1);
    }

    #[test]
    fn only_jpeg_files_are_hosted() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        std::fs::write(&png, b"\x89PNG").unwrap();
        let host = MediaHost::new("https://m");
        let err = host.register(&png).unwrap_err().to_string();
        assert!(err.contains("only JPEG"), "{err}");
        let missing = host.register(&dir.path().join("nope.jpg")).unwrap_err();
        assert!(matches!(missing, MediaHostError::Unreadable { .. }));
        assert!(host.is_empty());
    }
}
