//! Content publishing: media containers (`ShadowIGMediaBuilder`) with their upload and
//! processing status, the creation and publish responses, and `content_publishing_limit`.

use crate::ids::{ContainerId, MediaId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// A container's `status_code`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContainerStatusCode {
    /// Still uploading or processing.
    InProgress,
    /// Ready to publish.
    Finished,
    /// Already published.
    Published,
    /// Processing failed; `status` carries the error subcode.
    Error,
    /// Not published within 24 hours.
    Expired,
    /// A value this version does not know (kept as sent).
    Other(String),
}

impl ContainerStatusCode {
    /// Parses the platform's value (case-insensitive).
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "IN_PROGRESS" => Self::InProgress,
            "FINISHED" => Self::Finished,
            "PUBLISHED" => Self::Published,
            "ERROR" => Self::Error,
            "EXPIRED" => Self::Expired,
            _ => Self::Other(s.to_owned()),
        }
    }

    /// The platform's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Finished => "FINISHED",
            Self::Published => "PUBLISHED",
            Self::Error => "ERROR",
            Self::Expired => "EXPIRED",
            Self::Other(s) => s,
        }
    }

    /// `FINISHED` or `PUBLISHED`: nothing left to wait for.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Finished | Self::Published)
    }
}

impl fmt::Display for ContainerStatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ContainerStatusCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ContainerStatusCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

/// One error of a video phase (`VideoStatusError`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoStatusError {
    /// Error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// Message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `video_status.uploading_phase` (`VideoStatusUploadingPhase`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadingPhase {
    /// `not_started`, `in_progress`, `complete`, `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Bytes received so far: resume a broken upload from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_transferred: Option<u64>,
    /// The announced file size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_file_size: Option<u64>,
    /// Errors of this phase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<VideoStatusError>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `video_status.processing_phase` (`VideoStatusProcessingPhase`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessingPhase {
    /// `not_started`, `in_progress`, `complete`, `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Errors of this phase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<VideoStatusError>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A container's `video_status` (`IGResumableVideoUploadStatus`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoStatus {
    /// Upload progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploading_phase: Option<UploadingPhase>,
    /// Processing progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_phase: Option<ProcessingPhase>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `copyright_check_status` (`IGVideoCopyrightCheckStatus`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CopyrightCheckStatus {
    /// Whether copyrighted material was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches_found: Option<bool>,
    /// `completed`, `error`, `in_progress`, `not_started`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A media container's state (`GET /{container-id}?fields=id,status_code,status,video_status`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerStatus {
    /// The container id.
    pub id: ContainerId,
    /// `IN_PROGRESS`, `FINISHED`, `PUBLISHED`, `ERROR`, `EXPIRED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<ContainerStatusCode>,
    /// Free text; for `ERROR` it carries the error subcode (e.g. 2207026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Upload and processing phases (videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_status: Option<VideoStatus>,
    /// Copyright check (videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright_check_status: Option<CopyrightCheckStatus>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ContainerStatus {
    /// The status code (`Other("")` when the platform sent none).
    pub fn code(&self) -> ContainerStatusCode {
        self.status_code
            .clone()
            .unwrap_or_else(|| ContainerStatusCode::Other(String::new()))
    }

    /// The publishing error subcode in `status` (a 7-digit `2207…` number), if any. The text's
    /// form is not documented ("Error: … 2207026" or just the number), so this reads leniently.
    pub fn error_subcode(&self) -> Option<i64> {
        let text = self.status.as_deref()?;
        let mut best = None;
        for run in text.split(|c: char| !c.is_ascii_digit()) {
            if run.len() == 7
                && let Ok(n) = run.parse::<i64>()
            {
                if run.starts_with("2207") {
                    return Some(n);
                }
                best = best.or(Some(n));
            }
        }
        best
    }

    /// `video_status.uploading_phase.bytes_transferred`.
    pub fn bytes_transferred(&self) -> Option<u64> {
        self.video_status
            .as_ref()?
            .uploading_phase
            .as_ref()?
            .bytes_transferred
    }
}

/// The answer to `POST /{ig-user-id}/media`: the container id, and with
/// `upload_type=resumable` the `uri` to upload the bytes to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerCreated {
    /// The container id (`creation_id` for `media_publish`).
    pub id: ContainerId,
    /// The resumable upload URI (`https://rupload.facebook.com/ig-api-upload/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer to `POST /{ig-user-id}/media_publish`: the new media id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediaPublished {
    /// The published media id.
    pub id: MediaId,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One element of `content_publishing_limit`: how many posts the account published in the
/// rolling window, and (when `fields=config` was asked) the quota and the window. Never assume
/// the quota: it has been 25, then 50, and is reported at 100.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawLimit", into = "RawLimit")]
pub struct PublishingLimit {
    /// Posts published in the window (carousels count once).
    pub quota_usage: u32,
    /// `config.quota_total`.
    pub quota_total: Option<u32>,
    /// `config.quota_duration` in seconds (86400).
    pub quota_duration_secs: Option<u64>,
    /// Fields of `config` not declared here.
    pub config_extra: Map<String, Value>,
    /// Fields not declared here.
    pub extra: Map<String, Value>,
}

impl PublishingLimit {
    /// Posts left in the window, when the quota is known.
    pub fn remaining(&self) -> Option<u32> {
        self.quota_total.map(|t| t.saturating_sub(self.quota_usage))
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct RawConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quota_total: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quota_duration: Option<u64>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct RawLimit {
    #[serde(default)]
    quota_usage: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<RawConfig>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<RawLimit> for PublishingLimit {
    fn from(r: RawLimit) -> Self {
        let config = r.config.unwrap_or_default();
        Self {
            quota_usage: r.quota_usage,
            quota_total: config.quota_total,
            quota_duration_secs: config.quota_duration,
            config_extra: config.extra,
            extra: r.extra,
        }
    }
}

impl From<PublishingLimit> for RawLimit {
    fn from(l: PublishingLimit) -> Self {
        let has_config = l.quota_total.is_some()
            || l.quota_duration_secs.is_some()
            || !l.config_extra.is_empty();
        Self {
            quota_usage: l.quota_usage,
            config: has_config.then_some(RawConfig {
                quota_total: l.quota_total,
                quota_duration: l.quota_duration_secs,
                extra: l.config_extra,
            }),
            extra: l.extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip_and_keep_unknown_values() {
        for s in [
            "IN_PROGRESS",
            "FINISHED",
            "PUBLISHED",
            "ERROR",
            "EXPIRED",
            "NEW_STATE",
        ] {
            let c: ContainerStatusCode = serde_json::from_value(Value::from(s)).unwrap();
            assert_eq!(serde_json::to_value(&c).unwrap(), Value::from(s));
        }
        assert!(ContainerStatusCode::Published.is_ready());
        assert!(!ContainerStatusCode::InProgress.is_ready());
    }

    #[test]
    fn error_subcode_is_read_leniently() {
        let mk = |s: &str| ContainerStatus {
            id: ContainerId::new("1"),
            status_code: Some(ContainerStatusCode::Error),
            status: Some(s.into()),
            video_status: None,
            copyright_check_status: None,
            extra: Map::new(),
        };
        assert_eq!(
            mk("Error: Media upload has failed with error code 2207026: x").error_subcode(),
            Some(2207026)
        );
        assert_eq!(mk("2207052").error_subcode(), Some(2207052));
        assert_eq!(mk("Finished").error_subcode(), None);
    }

    #[test]
    fn limits_without_config_have_no_quota() {
        let l: PublishingLimit = serde_json::from_str(r#"{"quota_usage":3}"#).unwrap();
        assert_eq!((l.quota_usage, l.remaining()), (3, None));
        assert_eq!(serde_json::to_string(&l).unwrap(), r#"{"quota_usage":3}"#);
        let l: PublishingLimit = serde_json::from_str(
            r#"{"quota_usage":50,"config":{"quota_total":50,"quota_duration":86400}}"#,
        )
        .unwrap();
        assert_eq!(l.remaining(), Some(0));
    }
}
