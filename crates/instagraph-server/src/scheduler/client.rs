//! [`PublishApi`] for [`instagraph::Client`]: the scheduler's steps mapped onto the typed
//! publishing operations, and the client's errors onto what the scheduler decides by.

use instagraph::error::{Error, ErrorClass, PublishFailure};
use instagraph::ids::ContainerId;
use instagraph::ops::publishing::{PostSpec, PublishOptions, WaitProgress};
use instagraph::{Client, ContainerStatusCode};
use serde_json::Value;

use super::{
    ContainerState, CreatedContainer, PublishApi, PublishError, PublishErrorKind, PublishedMedia,
    Quota,
};

/// The scheduler's view of one account's client.
#[derive(Clone, Debug)]
pub struct ClientApi {
    client: Client,
    options: Option<PublishOptions>,
}

impl ClientApi {
    /// Wraps a client (with a media host registered when posts may use local images).
    pub fn new(client: Client) -> Self {
        Self {
            client,
            options: None,
        }
    }

    /// Overrides the publish options (the default suits each post: preflight on).
    pub fn with_options(mut self, options: PublishOptions) -> Self {
        self.options = Some(options);
        self
    }
}

fn spec_of(spec: &Value) -> Result<PostSpec, PublishError> {
    serde_json::from_value::<PostSpec>(spec.clone()).map_err(|e| {
        PublishError::new(
            PublishErrorKind::Permanent,
            format!("the stored post is not a valid post: {e}"),
        )
    })
}

/// How the scheduler treats a client error outside `media_publish`.
fn kind_of(e: &Error) -> PublishErrorKind {
    if e.class() == ErrorClass::ReAuth {
        return PublishErrorKind::NeedsLogin;
    }
    if let Error::Publishing {
        kind, retry_at_ms, ..
    } = e
    {
        return match kind {
            PublishFailure::QuotaExhausted => PublishErrorKind::Quota {
                reset_at_ms: *retry_at_ms,
            },
            PublishFailure::WaitTimeout | PublishFailure::Upload => PublishErrorKind::Transient,
            _ => PublishErrorKind::Permanent,
        };
    }
    match e.class() {
        ErrorClass::NotReady => PublishErrorKind::NotReady,
        ErrorClass::Retryable | ErrorClass::RateLimited => PublishErrorKind::Transient,
        _ if e.is_retryable() => PublishErrorKind::Transient,
        _ => PublishErrorKind::Permanent,
    }
}

fn err(e: Error) -> PublishError {
    PublishError::new(kind_of(&e), e.to_string())
}

#[async_trait::async_trait]
impl PublishApi for ClientApi {
    async fn create_container(&self, spec: &Value) -> Result<CreatedContainer, PublishError> {
        let spec = spec_of(spec)?;
        spec.validate()
            .map_err(|e| PublishError::new(PublishErrorKind::Permanent, e.to_string()))?;
        let opts = self
            .options
            .unwrap_or_else(|| PublishOptions::for_spec(&spec));
        let quiet = |_: WaitProgress| {};
        let c = self
            .client
            .create_container(&spec, &opts, &quiet)
            .await
            .map_err(err)?;
        // The platform has fetched hosted images once the container exists.
        self.client.release_hosted(&c.hosted).await;
        Ok(CreatedContainer {
            id: c.id.to_string(),
            children: c.children.iter().map(ToString::to_string).collect(),
        })
    }

    async fn container_status(&self, id: &str) -> Result<ContainerState, PublishError> {
        let id = ContainerId::parse(id)
            .map_err(|e| PublishError::new(PublishErrorKind::Permanent, e.to_string()))?;
        let s = self.client.container_status(&id).await.map_err(err)?;
        Ok(match s.code() {
            ContainerStatusCode::Finished => ContainerState::Finished,
            ContainerStatusCode::Published => ContainerState::Published,
            ContainerStatusCode::Expired => ContainerState::Expired,
            ContainerStatusCode::Error => ContainerState::Error(
                s.status
                    .clone()
                    .unwrap_or_else(|| "ERROR without an explanation".to_owned()),
            ),
            _ => ContainerState::InProgress,
        })
    }

    async fn publish(&self, container: &str) -> Result<PublishedMedia, PublishError> {
        let id = ContainerId::parse(container)
            .map_err(|e| PublishError::new(PublishErrorKind::Permanent, e.to_string()))?;
        match self.client.publish_container(&id).await {
            Ok(p) => {
                let permalink = match p.permalink {
                    Some(l) => Some(l),
                    None => self.client.permalink(&p.media_id).await.ok().flatten(),
                };
                Ok(PublishedMedia {
                    media_id: p.media_id.to_string(),
                    permalink,
                })
            }
            Err(e) => {
                // Only a refusal that certainly published nothing is final here; anything
                // else leaves the post in `publishing`, decided later by the container.
                let kind = match kind_of(&e) {
                    PublishErrorKind::Quota { reset_at_ms } => {
                        PublishErrorKind::Quota { reset_at_ms }
                    }
                    PublishErrorKind::NotReady => PublishErrorKind::NotReady,
                    PublishErrorKind::NeedsLogin => PublishErrorKind::NeedsLogin,
                    PublishErrorKind::Permanent
                        if !matches!(
                            e,
                            Error::Publishing {
                                kind: PublishFailure::PublishedMediaNotFound,
                                ..
                            }
                        ) && e.class() != ErrorClass::Retryable =>
                    {
                        PublishErrorKind::Permanent
                    }
                    _ => PublishErrorKind::Ambiguous,
                };
                Err(PublishError::new(kind, e.to_string()))
            }
        }
    }

    async fn find_published(
        &self,
        spec: &Value,
        since_ms: i64,
    ) -> Result<Option<PublishedMedia>, PublishError> {
        let spec = spec_of(spec)?;
        let found = self
            .client
            .find_published_media(spec.caption(), since_ms)
            .await
            .map_err(err)?;
        let Some(media_id) = found else {
            return Ok(None);
        };
        let permalink = self.client.permalink(&media_id).await.ok().flatten();
        Ok(Some(PublishedMedia {
            media_id: media_id.to_string(),
            permalink,
        }))
    }

    async fn quota(&self) -> Result<Quota, PublishError> {
        let l = self.client.publishing_limit().await.map_err(err)?;
        Ok(Quota {
            used: l.quota_usage,
            total: l.quota_total,
            window_secs: l.quota_duration_secs,
        })
    }
}
