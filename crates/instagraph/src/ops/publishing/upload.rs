//! Resumable upload of a local video (rupload): `POST <uri>` with `Authorization: OAuth`,
//! `offset` and `file_size` headers and the bytes; after a break, `video_status` says how many
//! bytes arrived and the upload resumes from there.

use super::WaitProgress;
use crate::client::Client;
use crate::error::{Error, PublishFailure};
use crate::ids::ContainerId;
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Attempts per upload (the first and up to three resumes).
pub const MAX_UPLOAD_ATTEMPTS: u32 = 4;
/// Bytes read from the file at a time.
const CHUNK: usize = 256 * 1024;
/// How long one upload request may take (the client's usual timeout is for Graph calls).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
/// The platform's upload host.
pub const RUPLOAD_HOST: &str = "https://rupload.facebook.com/";

struct Attempt {
    retriable: bool,
    message: String,
}

fn upload_error(id: &ContainerId, message: String, attempts: u32) -> Error {
    Error::Publishing {
        kind: PublishFailure::Upload,
        container: Some(id.to_string()),
        code: None,
        subcode: None,
        message: format!(
            "uploading the video of container {id} failed after {attempts} attempt(s): {message}"
        ),
        fix: "Check the network and the file, then publish again (a new container is created)."
            .to_owned(),
        retry_at_ms: None,
    }
}

impl Client {
    /// Uploads `path` (`size` bytes) to a resumable container's `uri`, resuming from
    /// `video_status.uploading_phase.bytes_transferred` after a failure, reporting
    /// [`WaitProgress::Uploading`] as bytes go out.
    pub(crate) async fn upload_video(
        &self,
        id: &ContainerId,
        uri: &str,
        path: &Path,
        size: u64,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<(), Error> {
        if !(uri.starts_with(RUPLOAD_HOST) || uri.starts_with(&format!("{}/", self.base_url()))) {
            return Err(upload_error(
                id,
                format!(
                    "the upload URI {uri} is neither {RUPLOAD_HOST} nor the configured base URL, so the access token is not sent there"
                ),
                0,
            ));
        }
        let mut offset = 0;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let failure = match self.upload_from(uri, path, offset, size, progress).await {
                Ok(()) => return Ok(()),
                Err(f) => f,
            };
            if !failure.retriable || attempts >= MAX_UPLOAD_ATTEMPTS {
                return Err(upload_error(id, failure.message, attempts));
            }
            let status = self.container_status(id).await.map_err(|e| {
                upload_error(
                    id,
                    format!("{}; reading video_status failed: {e}", failure.message),
                    attempts,
                )
            })?;
            offset = match status.bytes_transferred() {
                Some(t) if t >= size => {
                    progress(WaitProgress::Uploading {
                        sent: size,
                        total: size,
                    });
                    return Ok(());
                }
                Some(t) => t,
                None => 0,
            };
            tracing::warn!(container = %id, offset, size, "upload interrupted: resuming");
        }
    }

    async fn upload_from(
        &self,
        uri: &str,
        path: &Path,
        offset: u64,
        size: u64,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<(), Attempt> {
        let hard = |message: String| Attempt {
            retriable: false,
            message,
        };
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| hard(format!("cannot open {}: {e}", path.display())))?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| hard(format!("cannot seek in {}: {e}", path.display())))?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let stream =
            futures_util::stream::unfold(Some((file, offset, tx)), move |state| async move {
                let (mut file, sent, tx) = state?;
                if sent >= size {
                    return None;
                }
                let want = usize::try_from((size - sent).min(CHUNK as u64)).unwrap_or(CHUNK);
                let mut buf = vec![0u8; want];
                match file.read(&mut buf).await {
                    Ok(0) => Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the file is shorter than its announced size",
                        )),
                        None,
                    )),
                    Ok(n) => {
                        buf.truncate(n);
                        let now = sent + n as u64;
                        let _ = tx.send(now);
                        Some((Ok(buf), Some((file, now, tx))))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            });
        let request = self
            .http()
            .post(uri)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("OAuth {}", self.access_token()),
            )
            .header("offset", offset.to_string())
            .header("file_size", size.to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(reqwest::header::CONTENT_LENGTH, (size - offset).to_string())
            .timeout(UPLOAD_TIMEOUT)
            .body(reqwest::Body::wrap_stream(stream));
        progress(WaitProgress::Uploading {
            sent: offset,
            total: size,
        });
        // Every chunk read is reported, in order, while the request is in flight and after.
        let send = request.send();
        tokio::pin!(send);
        let mut watching = true;
        let result = loop {
            tokio::select! {
                r = &mut send => break r,
                sent = rx.recv(), if watching => match sent {
                    Some(sent) => progress(WaitProgress::Uploading { sent, total: size }),
                    None => watching = false,
                },
            }
        };
        while let Ok(sent) = rx.try_recv() {
            progress(WaitProgress::Uploading { sent, total: size });
        }
        let resp = result.map_err(|e| Attempt {
            retriable: true,
            message: format!("transport: {}", e.without_url()),
        })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| Attempt {
            retriable: true,
            message: format!("reading the answer: {}", e.without_url()),
        })?;
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if (200..300).contains(&status)
            && json.get("success").and_then(|v| v.as_bool()) != Some(false)
        {
            return Ok(());
        }
        let info = json.get("debug_info");
        let message = info
            .and_then(|d| d.get("message"))
            .and_then(|m| m.as_str())
            .map(str::to_owned)
            .or_else(|| {
                json.pointer("/error/message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
        let retriable = info
            .and_then(|d| d.get("retriable"))
            .and_then(|r| r.as_bool())
            .unwrap_or(status >= 500);
        Err(Attempt {
            retriable,
            message: format!("HTTP {status}: {message}"),
        })
    }
}
