//! Response models. Every model keeps fields it does not declare in `extra`, so nothing the
//! platform sends is lost.

pub mod comment;
pub mod hashtag;
pub mod insights;
pub mod media;
pub mod messaging;
pub mod messenger_profile;
pub mod publishing;
pub mod shopping;
pub mod user;

pub use comment::{Comment, CommentAuthor, Created, Success};
pub use hashtag::{
    BusinessDiscoveryResponse, DiscoveredAccount, Hashtag, MentionedCommentResponse,
    MentionedMediaResponse,
};
pub use insights::{
    Breakdown, BreakdownResult, InsightMetric, InsightValue, InsightsReport, InsightsResponse,
    TotalValue,
};
pub use media::{BoostEligibility, Media, NodeRef, ProductTag};
pub use messaging::{
    AttachmentMedia, Conversation, MessageAttachment, MessageDetails, MessageReaction,
    MessagingUserProfile, Participant, SendResponse, SendResult,
};
pub use messenger_profile::{
    GetStarted, Greeting, IceBreaker, IceBreakers, MenuItem, MessengerProfile, PersistentMenu,
};
pub use publishing::{
    ContainerCreated, ContainerStatus, ContainerStatusCode, CopyrightCheckStatus, MediaPublished,
    ProcessingPhase, PublishingLimit, UploadingPhase, VideoStatus, VideoStatusError,
};
pub use shopping::{Catalog, CatalogProduct, ProductAppeal, ProductVariant};
pub use user::{InstagramBusinessAccount, PageAccount, UserProfile};

use serde::{Deserialize, Deserializer};

/// Deserializes an optional string that may arrive as a number.
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<crate::ids::StringOrNumber>::deserialize(d)?.map(String::from))
}
