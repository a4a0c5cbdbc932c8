//! Publishing through the client against the sandbox over loopback: every post type end to end
//! for both families, local files (media host, resumable upload with a resume), the container
//! state machine (too early, ERROR, EXPIRED, timeout), the quota, ambiguous publishes recovered
//! without duplicates, every validation rule at its boundary, the preflight against mock HTTP
//! servers on 127.0.0.1, the sandbox's own error codes, and fixture conformance.
//!
//! The sandbox's clock is frozen; it moves only when a test (or a progress callback) advances
//! it, so no test sleeps to synchronise.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use instagraph::clock::Clock;
use instagraph::ids::{ContainerId, IgUserId, MediaId};
use instagraph::models::publishing::{ContainerCreated, MediaPublished};
use instagraph::ops::publishing::{ProductTag, TrialParams};
use instagraph::ratelimit::{Budget, BudgetConfig, OperationClass};
use instagraph::retry::RetryPolicy;
use instagraph::{
    CarouselItem, CarouselPost, Client, ClientConfig, ContainerStatus, ContainerStatusCode, Error,
    ErrorClass, HostedMedia, ItemKind, LoginFamily, MediaHost, MediaSource, Page, PhotoPost,
    PostSpec, PreflightExpect, PublishFailure, PublishOptions, PublishingLimit, ReelPost, Request,
    StoryKind, StoryPost, UserTag, WaitPolicy, WaitProgress, preflight,
};
use instagraph_sandbox::{
    AmbiguousKind, Fault, MediaUrlOutcome, MediaUrlRule, PublishingSettings, RunningSandbox,
    Sandbox, SandboxConfig, SeededAccount, spawn,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::{fixtures, load, roundtrip};

// ---- set-up ---------------------------------------------------------------------------------------

async fn sandbox() -> RunningSandbox {
    spawn(
        SandboxConfig::deterministic(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn account(sb: &RunningSandbox, name: &str) -> SeededAccount {
    sb.sandbox
        .accounts()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
}

/// The client's clock reads the sandbox's (frozen) clock, so "since" windows agree.
#[derive(Debug)]
struct SandboxClock(Sandbox);

impl Clock for SandboxClock {
    fn now_ms(&self) -> i64 {
        self.0.now() * 1000
    }
}

fn config(sb: &RunningSandbox, name: &str) -> ClientConfig {
    let a = account(sb, name);
    let login = if name == "business" {
        LoginFamily::Facebook
    } else {
        LoginFamily::Instagram
    };
    let mut budgets = BudgetConfig::default();
    budgets.budgets.insert(
        OperationClass::MediaUpload,
        Budget {
            limit: 10_000,
            window_secs: 3600,
        },
    );
    let mut c = ClientConfig::new(login, a.access_token.clone())
        .base_url(&sb.base_url)
        .app_secret(a.app_secret.clone())
        .budgets(budgets)
        .retry(RetryPolicy {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
            ..RetryPolicy::default()
        });
    if login == LoginFamily::Facebook {
        c = c.ig_user_id(IgUserId::parse(&a.ig_user_id).unwrap());
    }
    c
}

fn client_with(sb: &RunningSandbox, name: &str, host: Option<Arc<dyn MediaHost>>) -> Client {
    let mut b = Client::builder(config(sb, name)).clock(Arc::new(SandboxClock(sb.sandbox.clone())));
    if let Some(h) = host {
        b = b.media_host(h);
    }
    b.build().unwrap()
}

fn client(sb: &RunningSandbox, name: &str) -> Client {
    client_with(sb, name, None)
}

fn node(sb: &RunningSandbox, name: &str) -> String {
    if name == "business" {
        account(sb, name).ig_user_id
    } else {
        "me".to_owned()
    }
}

fn fast() -> WaitPolicy {
    WaitPolicy {
        initial: Duration::from_millis(1),
        max_interval: Duration::from_millis(4),
        timeout: Duration::from_secs(20),
        factor: 2.0,
    }
}

fn opts() -> PublishOptions {
    PublishOptions {
        wait: fast(),
        ..PublishOptions::default()
    }
}

type Log = Arc<Mutex<Vec<WaitProgress>>>;

/// A progress callback that records every event and moves the frozen sandbox clock one second
/// each time a container is still in progress (processing then completes deterministically).
fn advancing(sb: &RunningSandbox) -> (Log, impl Fn(WaitProgress) + Send + Sync + use<>) {
    let log: Log = Arc::default();
    let l = log.clone();
    let s = sb.sandbox.clone();
    (log, move |p: WaitProgress| {
        if let WaitProgress::Polled {
            status: ContainerStatusCode::InProgress,
            ..
        } = &p
        {
            s.advance(1);
        }
        l.lock().unwrap().push(p);
    })
}

fn quiet(_: WaitProgress) {}

fn media_url(sb: &RunningSandbox, file: &str) -> String {
    format!("{}/_sandbox/media/{file}", sb.base_url)
}

fn photo(url: String, caption: &str) -> PostSpec {
    PostSpec::Photo(PhotoPost {
        image: MediaSource::Url(url),
        caption: Some(caption.to_owned()),
        alt_text: None,
        location_id: None,
        user_tags: Vec::new(),
        collaborators: Vec::new(),
        product_tags: Vec::new(),
    })
}

fn reel(video: MediaSource, caption: &str) -> PostSpec {
    PostSpec::Reel(ReelPost {
        video,
        caption: Some(caption.to_owned()),
        cover_url: None,
        thumb_offset_ms: None,
        share_to_feed: None,
        audio_name: None,
        location_id: None,
        user_tags: Vec::new(),
        collaborators: Vec::new(),
        trial_params: None,
    })
}

fn item(kind: ItemKind, url: String) -> CarouselItem {
    CarouselItem {
        kind,
        media: MediaSource::Url(url),
        user_tags: Vec::new(),
        alt_text: None,
    }
}

async fn get_json(c: &Client, path: &str, fields: &str) -> Value {
    c.send_json(Request::get(path).query("fields", fields))
        .await
        .unwrap()
}

/// A baseline JPEG header of `w` x `h`, written by hand.
fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0");
    v.extend_from_slice(&[0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
    v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x00, 0x00, 0xFF, 0xD9]);
    v
}

fn mp4(len: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypmp42\0\0\0\0mp42isom");
    v.resize(len, 0);
    v
}

// ---- every post type --------------------------------------------------------------------------

#[tokio::test]
async fn photos_publish_on_both_families_with_every_field() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let spec = PostSpec::Photo(PhotoPost {
            image: MediaSource::Url(media_url(&sb, "square-1080x1080.jpg")),
            caption: Some(format!("Hello from {name} #sandbox @friend")),
            alt_text: Some("A red square".into()),
            location_id: Some("110843418940484".into()),
            user_tags: vec![UserTag::at("friend", 0.5, 0.5)],
            collaborators: vec!["collab.one".into()],
            product_tags: Vec::new(),
        });
        let (log, progress) = advancing(&sb);
        let p = c.publish(&spec, &opts(), &progress).await.unwrap();
        assert!(!p.recovered);
        assert!(
            p.permalink
                .as_deref()
                .is_some_and(|l| l.starts_with("https://www.instagram.com/p/")),
            "{p:?}"
        );
        let m = get_json(
            &c,
            p.media_id.as_str(),
            "caption,media_type,media_product_type",
        )
        .await;
        assert_eq!(m["media_type"], "IMAGE");
        assert_eq!(m["media_product_type"], "FEED");
        assert_eq!(m["caption"], format!("Hello from {name} #sandbox @friend"));
        let status = c.container_status(&p.container_id).await.unwrap();
        assert_eq!(status.code(), ContainerStatusCode::Published);
        assert!(log.lock().unwrap().iter().any(|e| matches!(
            e,
            WaitProgress::Polled {
                status: ContainerStatusCode::Finished,
                child: None,
                ..
            }
        )));
        let posts = sb.sandbox.published_posts(name).unwrap();
        assert_eq!(posts.len(), 1);
        assert_eq!(posts[0].media_id, p.media_id.as_str());
    }
}

#[tokio::test]
async fn a_reel_processes_then_reads_back_as_video_reels() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let mut spec = reel(
        MediaSource::Url(media_url(&sb, "clip.mp4")),
        "My reel #reels",
    );
    if let PostSpec::Reel(r) = &mut spec {
        r.share_to_feed = Some(true);
        r.thumb_offset_ms = Some(1500);
        r.audio_name = Some("Original tune".into());
        r.user_tags = vec![UserTag::username("friend")];
        r.cover_url = Some(media_url(&sb, "cover-1080x1920.jpg"));
        r.trial_params = Some(TrialParams {
            graduation_strategy: "MANUAL".into(),
            extra: Default::default(),
        });
    }
    let (log, progress) = advancing(&sb);
    let p = c.publish(&spec, &opts(), &progress).await.unwrap();
    let statuses: Vec<ContainerStatusCode> = log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            WaitProgress::Polled { status, .. } => Some(status.clone()),
            WaitProgress::Uploading { .. } => None,
        })
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == ContainerStatusCode::InProgress)
            .count(),
        3,
        "3 s of video processing at one second per poll: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&ContainerStatusCode::Finished));
    let m = get_json(&c, p.media_id.as_str(), "media_type,media_product_type").await;
    assert_eq!(
        (m["media_type"].as_str(), m["media_product_type"].as_str()),
        (Some("VIDEO"), Some("REELS"))
    );
}

#[tokio::test]
async fn stories_of_images_and_videos_publish_without_caption() {
    let sb = sandbox().await;
    let c = client(&sb, "creator");
    for (kind, file) in [
        (StoryKind::Image, "tall-1080x1920.jpg"),
        (StoryKind::Video, "story.mp4"),
    ] {
        let spec = PostSpec::Story(StoryPost {
            media: MediaSource::Url(media_url(&sb, file)),
            kind,
            user_tags: vec![UserTag::username("friend")],
        });
        let (_log, progress) = advancing(&sb);
        let p = c.publish(&spec, &opts(), &progress).await.unwrap();
        let m = get_json(&c, p.media_id.as_str(), "media_type,media_product_type").await;
        assert_eq!(m["media_product_type"], "STORY");
        assert_eq!(
            m["media_type"],
            if kind == StoryKind::Image {
                "IMAGE"
            } else {
                "VIDEO"
            }
        );
    }
    let posts = sb.sandbox.published_posts("creator").unwrap();
    assert_eq!(posts.len(), 2);
    assert!(
        posts
            .iter()
            .all(|p| p.media_product_type == "STORY" && p.caption.is_empty())
    );
}

#[tokio::test]
async fn a_mixed_carousel_waits_for_each_item_and_counts_once() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let before = c.publishing_limit().await.unwrap();
    let mut first = item(ItemKind::Image, media_url(&sb, "a-1080x1350.jpg"));
    first.alt_text = Some("first".into());
    first.user_tags = vec![UserTag::at("friend", 0.1, 0.9)];
    let spec = PostSpec::Carousel(CarouselPost {
        items: vec![
            first,
            item(ItemKind::Image, media_url(&sb, "b-1080x566.jpg")),
            item(ItemKind::Video, media_url(&sb, "c.mp4")),
        ],
        caption: Some("Three in one #carousel".into()),
        location_id: None,
        collaborators: vec!["collab.one".into(), "collab_two".into(), "three".into()],
    });
    let (log, progress) = advancing(&sb);
    let p = c.publish(&spec, &opts(), &progress).await.unwrap();
    let children_seen: Vec<(usize, usize)> = log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            WaitProgress::Polled {
                child: Some(ch), ..
            } => Some(*ch),
            _ => None,
        })
        .collect();
    assert!(
        children_seen.contains(&(1, 3)) && children_seen.contains(&(3, 3)),
        "{children_seen:?}"
    );
    let m = get_json(
        &c,
        p.media_id.as_str(),
        "media_type,media_product_type,caption",
    )
    .await;
    assert_eq!(m["media_type"], "CAROUSEL_ALBUM");
    let posts = sb.sandbox.published_posts("business").unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].children.len(), 3);
    let after = c.publishing_limit().await.unwrap();
    assert_eq!(
        after.quota_usage,
        before.quota_usage + 1,
        "a carousel counts once"
    );
    assert_eq!(after.quota_total, Some(50));
}

// ---- local files ------------------------------------------------------------------------------

/// A media host serving files from memory on 127.0.0.1, recording what it hosted and released.
#[derive(Debug)]
struct TestHost {
    base: String,
    files: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    released: Mutex<Vec<String>>,
}

impl TestHost {
    async fn start() -> Arc<Self> {
        let files: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
        let f = files.clone();
        let app = Router::new().route(
            "/m/{name}",
            get(
                move |axum::extract::Path(name): axum::extract::Path<String>| {
                    let f = f.clone();
                    async move {
                        match f.lock().unwrap().get(&name).cloned() {
                            Some(bytes) => {
                                let ct = if name.ends_with(".mp4") {
                                    "video/mp4"
                                } else {
                                    "image/jpeg"
                                };
                                ([(header::CONTENT_TYPE, ct)], bytes).into_response()
                            }
                            None => axum::http::StatusCode::NOT_FOUND.into_response(),
                        }
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Arc::new(Self {
            base,
            files,
            released: Mutex::default(),
        })
    }
}

#[instagraph::async_trait]
impl MediaHost for TestHost {
    async fn host(&self, path: &Path) -> Result<HostedMedia, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::Config(e.to_string()))?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("jpg");
        let mut files = self.files.lock().unwrap();
        let id = format!("f{}.{ext}", files.len());
        files.insert(id.clone(), bytes);
        Ok(HostedMedia {
            url: format!("{}/m/{id}", self.base),
            id,
        })
    }

    async fn release(&self, hosted: &HostedMedia) {
        self.files.lock().unwrap().remove(&hosted.id);
        self.released.lock().unwrap().push(hosted.id.clone());
    }
}

#[tokio::test]
async fn local_images_need_a_media_host_and_are_released_after_publishing() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.jpg");
    std::fs::write(&path, jpeg(1080, 1080)).unwrap();
    let spec = PostSpec::Photo(PhotoPost {
        image: MediaSource::File(path.clone()),
        caption: Some("local".into()),
        alt_text: None,
        location_id: None,
        user_tags: Vec::new(),
        collaborators: Vec::new(),
        product_tags: Vec::new(),
    });
    let err = client(&sb, "creator")
        .publish(&spec, &opts(), &quiet)
        .await
        .unwrap_err();
    assert!(err.is_before_network(), "{err}");
    assert!(err.to_string().contains("media host"), "{err}");
    assert!(err.to_string().contains("instagraph serve"), "{err}");

    let host = TestHost::start().await;
    let c = client_with(&sb, "creator", Some(host.clone()));
    let p = c.publish(&spec, &opts(), &quiet).await.unwrap();
    assert!(!p.recovered);
    assert_eq!(
        host.released.lock().unwrap().len(),
        1,
        "released after publishing"
    );
    assert!(host.files.lock().unwrap().is_empty());
    // Instagram Login has no resumable upload: a local video goes through the host too.
    let video = dir.path().join("v.mp4");
    std::fs::write(&video, mp4(10_000)).unwrap();
    let (_log, progress) = advancing(&sb);
    let p = c
        .publish(
            &reel(MediaSource::File(video.clone()), "hosted reel"),
            &opts(),
            &progress,
        )
        .await
        .unwrap();
    assert_eq!(host.released.lock().unwrap().len(), 2);
    assert!(!p.recovered);
    // Without a host it is refused before the network, saying why.
    let err = client(&sb, "creator")
        .publish(&reel(MediaSource::File(video), "no host"), &opts(), &quiet)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert!(err.fix().contains("Facebook Login"), "{}", err.fix());
}

#[tokio::test]
async fn a_local_video_uploads_resumably_and_resumes_after_a_break() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reel.mp4");
    let size = 1_300_000usize;
    std::fs::write(&path, mp4(size)).unwrap();
    let c = client(&sb, "business");

    let (log, progress) = advancing(&sb);
    let p = c
        .publish(
            &reel(MediaSource::File(path.clone()), "uploaded"),
            &opts(),
            &progress,
        )
        .await
        .unwrap();
    let uploads: Vec<(u64, u64)> = log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            WaitProgress::Uploading { sent, total } => Some((*sent, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(uploads.first(), Some(&(0, size as u64)));
    assert_eq!(uploads.last(), Some(&(size as u64, size as u64)));
    assert!(uploads.windows(2).all(|w| w[0].0 <= w[1].0), "{uploads:?}");
    assert!(
        uploads.len() > 3,
        "progress while the bytes go out: {uploads:?}"
    );
    assert_eq!(
        sb.sandbox.published_posts("business").unwrap()[0].media_id,
        p.media_id.as_str()
    );

    // The next upload breaks after 300 000 bytes; the client resumes from video_status.
    sb.sandbox.configure_publishing(&PublishingSettings {
        interrupt_next_upload_after_bytes: Some(300_000),
        ..PublishingSettings::default()
    });
    let (log, progress) = advancing(&sb);
    let p2 = c
        .publish(
            &reel(MediaSource::File(path), "resumed"),
            &opts(),
            &progress,
        )
        .await
        .unwrap();
    let starts: Vec<u64> = {
        let log = log.lock().unwrap();
        let mut starts = Vec::new();
        let mut last = None;
        for e in log.iter() {
            if let WaitProgress::Uploading { sent, .. } = e {
                if last.is_none_or(|l| *sent < l) {
                    starts.push(*sent);
                }
                last = Some(*sent);
            }
        }
        starts
    };
    assert_eq!(starts.first(), Some(&0));
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, WaitProgress::Uploading { sent: 300_000, .. })),
        "resumed at the offset the sandbox kept"
    );
    let uploads = sb
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/ig-api-upload/"))
        .collect::<Vec<_>>();
    assert_eq!(
        uploads.len(),
        3,
        "one upload, then an interrupted one and its resume"
    );
    assert_eq!(uploads[1].status, 500);
    assert_eq!(uploads[2].status, 200);
    let containers = sb.sandbox.publishing_containers("business").unwrap();
    assert_eq!(containers.len(), 2);
    assert_eq!(sb.sandbox.published_posts("business").unwrap().len(), 2);
    assert_ne!(p.media_id, p2.media_id);
}

// ---- the container's states -------------------------------------------------------------------

#[tokio::test]
async fn a_container_published_too_early_is_not_published_and_publish_waits() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let spec = reel(MediaSource::Url(media_url(&sb, "slow.mp4")), "too early");
    let container = c.create_container(&spec, &opts(), &quiet).await.unwrap();
    let err = c.publish_container(&container.id).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::NotReady, "{err}");
    assert_eq!((err.code(), err.subcode()), (9007, Some(2207027)));
    assert!(sb.sandbox.published_posts("business").unwrap().is_empty());
    // Once processed it publishes.
    sb.sandbox.advance(3);
    let p = c.publish_container(&container.id).await.unwrap();
    assert!(!p.recovered);

    // A 9007 at publish time (the platform said FINISHED a moment before) is waited out.
    sb.sandbox.inject_fault(Fault {
        path_contains: "/media_publish".into(),
        code: 9007,
        subcode: Some(2207027),
        message: "(#9007) Media ID is not available".into(),
        ..Fault::default()
    });
    let p = c
        .publish(
            &photo(media_url(&sb, "p-1080x1080.jpg"), "after 9007"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
    assert!(!p.recovered);
    let publishes = sb
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/media_publish"))
        .count();
    assert_eq!(
        publishes, 4,
        "two for the reel, two (9007, then success) for the photo"
    );
    assert_eq!(sb.sandbox.published_posts("business").unwrap().len(), 2);
}

#[tokio::test]
async fn a_container_error_is_explained_with_its_subcode_and_fix() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let broken = media_url(&sb, "broken.mp4");
    sb.sandbox.set_media_url(MediaUrlRule {
        url: broken.clone(),
        outcome: MediaUrlOutcome::Error,
        processing_ms: Some(1000),
        subcode: Some(2207026),
    });
    let (_log, progress) = advancing(&sb);
    let err = c
        .publish(
            &reel(MediaSource::Url(broken), "broken"),
            &opts(),
            &progress,
        )
        .await
        .unwrap_err();
    match &err {
        Error::Publishing {
            kind: PublishFailure::ContainerError,
            subcode,
            code,
            container,
            ..
        } => {
            assert_eq!((*code, *subcode), (Some(352), Some(2207026)));
            assert!(container.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("2207026"), "{err}");
    assert!(err.fix().contains("re-encode"), "{}", err.fix());
    assert_eq!(err.to_json()["kind"], "container-error");

    // An unfetchable URL is refused at creation (9004 / 2207052).
    let gone = media_url(&sb, "gone-1080x1080.jpg");
    sb.sandbox.set_media_url(MediaUrlRule {
        url: gone.clone(),
        outcome: MediaUrlOutcome::Unfetchable,
        processing_ms: None,
        subcode: None,
    });
    let err = c
        .publish(&photo(gone, "gone"), &opts(), &quiet)
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.subcode()), (9004, Some(2207052)), "{err}");
    assert!(err.fix().contains("fetch"), "{}", err.fix());
    assert!(sb.sandbox.published_posts("business").unwrap().is_empty());
}

#[tokio::test]
async fn an_expired_container_says_to_create_a_new_one() {
    let sb = sandbox().await;
    let c = client(&sb, "creator");
    let container = c
        .create_container(
            &photo(media_url(&sb, "x-1080x1080.jpg"), "late"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
    sb.sandbox.advance(86_399);
    let ok = c.wait_ready(&container.id, &fast(), &quiet).await.unwrap();
    assert_eq!(
        ok.code(),
        ContainerStatusCode::Finished,
        "one second before 24 h"
    );
    sb.sandbox.advance(1);
    let err = c
        .wait_ready(&container.id, &fast(), &quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Publishing {
                kind: PublishFailure::ContainerExpired,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.fix().contains("new container"), "{}", err.fix());
    let err = c.publish_container(&container.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Publishing {
                kind: PublishFailure::ContainerExpired,
                ..
            }
        ),
        "{err}"
    );
    // The platform's own answer for an expired container, reached without the pre-check.
    let raw = c
        .send(Request::post("me/media_publish").form("creation_id", container.id.as_str()))
        .await
        .unwrap_err();
    assert_eq!((raw.code(), raw.subcode()), (-2, Some(2207020)));
    assert_eq!(raw.class(), ErrorClass::InvalidRequest);
}

#[tokio::test]
async fn waiting_times_out_with_the_last_status() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let container = c
        .create_container(
            &reel(MediaSource::Url(media_url(&sb, "never.mp4")), "slow"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
    let policy = WaitPolicy {
        timeout: Duration::from_millis(30),
        ..fast()
    };
    let err = c
        .wait_ready(&container.id, &policy, &quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Publishing {
                kind: PublishFailure::WaitTimeout,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::NotReady);
    assert!(err.to_string().contains("IN_PROGRESS"), "{err}");
    assert!(err.to_string().contains("In Progress"), "{err}");
}

// ---- quota ------------------------------------------------------------------------------------

#[tokio::test]
async fn the_quota_is_read_not_assumed_and_its_error_has_the_numbers() {
    let sb = sandbox().await;
    sb.sandbox.configure_publishing(&PublishingSettings {
        quota_total: Some(3),
        ..PublishingSettings::default()
    });
    let c = client(&sb, "business");
    let first_at = sb.sandbox.now() * 1000;
    for i in 0..3 {
        let limit = c.check_quota().await.unwrap();
        assert_eq!((limit.quota_usage, limit.remaining()), (i, Some(3 - i)));
        c.publish(
            &photo(media_url(&sb, "q-1080x1080.jpg"), &format!("post {i}")),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
        sb.sandbox.advance(60);
    }
    let err = c
        .publish(
            &photo(media_url(&sb, "q-1080x1080.jpg"), "one too many"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::RateLimited);
    let text = err.to_string();
    assert!(text.contains("3 of 3 posts"), "{text}");
    match &err {
        Error::Publishing {
            kind: PublishFailure::QuotaExhausted,
            retry_at_ms,
            ..
        } => assert_eq!(
            *retry_at_ms,
            Some(first_at + 86_400_000),
            "the oldest post ages out"
        ),
        other => panic!("{other:?}"),
    }
    // Without the check, the platform's 9 / 2207042 becomes the same error, for the container.
    let no_check = PublishOptions {
        check_quota: false,
        ..opts()
    };
    let err = c
        .publish(
            &photo(media_url(&sb, "q-1080x1080.jpg"), "unchecked"),
            &no_check,
            &quiet,
        )
        .await
        .unwrap_err();
    match &err {
        Error::Publishing {
            kind: PublishFailure::QuotaExhausted,
            container: Some(_),
            code: Some(9),
            subcode: Some(2207042),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(sb.sandbox.published_posts("business").unwrap().len(), 3);
    // A slot frees exactly one window after the first post.
    let now = sb.sandbox.now() * 1000;
    sb.sandbox.advance((first_at + 86_400_000 - now) / 1000);
    assert_eq!(c.check_quota().await.unwrap().remaining(), Some(1));
}

// ---- never a duplicate ------------------------------------------------------------------------

#[tokio::test]
async fn ambiguous_publishes_are_recovered_with_exactly_one_post() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let kinds = [
        AmbiguousKind::ServerError,
        AmbiguousKind::Transient,
        AmbiguousKind::Restricted,
    ];
    for (i, kind) in kinds.into_iter().enumerate() {
        sb.sandbox.configure_publishing(&PublishingSettings {
            ambiguous_publishes: Some(1),
            ambiguous_kind: Some(kind),
            ..PublishingSettings::default()
        });
        let caption = format!("ambiguous {kind:?}");
        let p = c
            .publish(
                &photo(media_url(&sb, "amb-1080x1080.jpg"), &caption),
                &opts(),
                &quiet,
            )
            .await
            .unwrap();
        assert!(p.recovered, "{kind:?}");
        let posts = sb.sandbox.published_posts("business").unwrap();
        assert_eq!(posts.len(), i + 1, "exactly one post each: {kind:?}");
        assert_eq!(posts[0].media_id, p.media_id.as_str());
        assert_eq!(posts[0].caption, caption);
        sb.sandbox.advance(120);
    }
    // A transient failure that did not commit: the container is still FINISHED, so it is
    // published once more.
    sb.sandbox.inject_fault(Fault {
        path_contains: "/media_publish".into(),
        http_status: 500,
        code: -1,
        subcode: Some(2207001),
        is_transient: Some(true),
        ..Fault::default()
    });
    let p = c
        .publish(
            &photo(media_url(&sb, "amb-1080x1080.jpg"), "not committed"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
    assert!(!p.recovered);
    assert_eq!(sb.sandbox.published_posts("business").unwrap().len(), 4);
}

#[tokio::test]
async fn an_already_published_container_counts_as_done() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let container = c
        .create_container(
            &photo(media_url(&sb, "d-1080x1080.jpg"), "once"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
    let first = c.publish_container(&container.id).await.unwrap();
    let again = c.publish_container(&container.id).await.unwrap();
    assert!(again.recovered);
    assert_eq!(again.media_id, first.media_id);
    assert_eq!(sb.sandbox.published_posts("business").unwrap().len(), 1);
    // The sandbox's own answer to a second media_publish (documented choice: code 100).
    let node = node(&sb, "business");
    let raw = c
        .send(
            Request::post(format!("{node}/media_publish"))
                .form("creation_id", container.id.as_str()),
        )
        .await
        .unwrap_err();
    assert_eq!(raw.code(), 100);
    assert!(raw.to_string().contains("already been published"), "{raw}");
    // containers() lists what this client created.
    let list = c.containers().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].code(), ContainerStatusCode::Published);
}

// ---- media operations ---------------------------------------------------------------------------

#[tokio::test]
async fn deleting_media_is_facebook_login_only() {
    let sb = sandbox().await;
    let ig = client(&sb, "creator");
    let err = ig
        .delete_media(&MediaId::new("17900000000000001"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert!(err.is_before_network());
    let fb = client(&sb, "business");
    let p = fb
        .publish(
            &photo(media_url(&sb, "del-1080x1080.jpg"), "to delete"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
    fb.delete_media(&p.media_id).await.unwrap();
    let gone = fb.permalink(&p.media_id).await.unwrap_err();
    assert_eq!((gone.code(), gone.subcode()), (100, Some(33)));
}

// ---- validation at every boundary -------------------------------------------------------------

fn invalid(spec: &PostSpec) -> String {
    match spec.validate() {
        Err(e) => {
            assert!(e.is_before_network(), "{e}");
            e.to_string()
        }
        Ok(()) => panic!("accepted: {spec:?}"),
    }
}

fn base_photo() -> PhotoPost {
    PhotoPost {
        image: MediaSource::url("https://cdn.example.com/p.jpg"),
        caption: None,
        alt_text: None,
        location_id: None,
        user_tags: Vec::new(),
        collaborators: Vec::new(),
        product_tags: Vec::new(),
    }
}

fn base_carousel(n: usize) -> CarouselPost {
    CarouselPost {
        items: (0..n)
            .map(|i| item(ItemKind::Image, format!("https://cdn.example.com/{i}.jpg")))
            .collect(),
        caption: None,
        location_id: None,
        collaborators: Vec::new(),
    }
}

#[test]
fn captions_at_their_limits() {
    let with = |c: String| {
        PostSpec::Photo(PhotoPost {
            caption: Some(c),
            ..base_photo()
        })
    };
    assert!(
        with("é".repeat(2200)).validate().is_ok(),
        "characters, not bytes"
    );
    let e = invalid(&with("é".repeat(2201)));
    assert!(e.contains("2200") && e.contains("2201 characters"), "{e}");
    assert!(with("#t ".repeat(30)).validate().is_ok());
    let e = invalid(&with("#t ".repeat(31)));
    assert!(
        e.contains("30 hashtags") && e.contains("31 hashtags"),
        "{e}"
    );
    assert!(with("@u ".repeat(20)).validate().is_ok());
    let e = invalid(&with("@u ".repeat(21)));
    assert!(
        e.contains("20 @-mentions") && e.contains("21 @-mentions"),
        "{e}"
    );
    assert!(with("write to a@b.com #1".into()).validate().is_ok());
}

#[test]
fn carousels_take_two_to_ten_items_and_errors_name_the_item() {
    for n in [2, 10] {
        assert!(
            PostSpec::Carousel(base_carousel(n)).validate().is_ok(),
            "{n}"
        );
    }
    for n in [1, 11] {
        let e = invalid(&PostSpec::Carousel(base_carousel(n)));
        assert!(
            e.contains("2 to 10") && e.contains(&format!("{n} items")),
            "{e}"
        );
    }
    let mut c = base_carousel(3);
    c.items[2] = CarouselItem {
        alt_text: Some("not on videos".into()),
        ..item(ItemKind::Video, "https://cdn.example.com/v.mp4".into())
    };
    let e = invalid(&PostSpec::Carousel(c.clone()));
    assert!(
        e.contains("carousel item 3 (video)") && e.contains("alt_text"),
        "{e}"
    );
    c.items[2].alt_text = None;
    c.items[2].user_tags = vec![UserTag::at("friend", 0.5, 0.5)];
    let e = invalid(&PostSpec::Carousel(c.clone()));
    assert!(
        e.contains("carousel item 3 (video)") && e.contains("username only"),
        "{e}"
    );
    c.items[2].user_tags = vec![UserTag::username("friend")];
    assert!(PostSpec::Carousel(c.clone()).validate().is_ok());
    c.items[0].user_tags = vec![UserTag::username("friend")];
    let e = invalid(&PostSpec::Carousel(c));
    assert!(
        e.contains("carousel item 1 (image)") && e.contains("required"),
        "{e}"
    );
}

#[test]
fn collaborators_and_user_tags_at_their_limits() {
    let collab = |n: usize| {
        PostSpec::Photo(PhotoPost {
            collaborators: (0..n).map(|i| format!("user{i}")).collect(),
            ..base_photo()
        })
    };
    assert!(collab(3).validate().is_ok());
    let e = invalid(&collab(4));
    assert!(
        e.contains("at most 3") && e.contains("4 collaborators"),
        "{e}"
    );
    let e = invalid(&PostSpec::Photo(PhotoPost {
        collaborators: vec!["@someone".into()],
        ..base_photo()
    }));
    assert!(e.contains("without '@'") && e.contains("@someone"), "{e}");
    let tags = |n: usize, x: f64, y: f64| {
        PostSpec::Photo(PhotoPost {
            user_tags: (0..n).map(|i| UserTag::at(format!("u{i}"), x, y)).collect(),
            ..base_photo()
        })
    };
    assert!(tags(20, 0.0, 1.0).validate().is_ok());
    let e = invalid(&tags(21, 0.5, 0.5));
    assert!(
        e.contains("at most 20") && e.contains("21 tagged users"),
        "{e}"
    );
    let e = invalid(&tags(1, -0.01, 0.5));
    assert!(e.contains("user_tags[0].x") && e.contains("-0.01"), "{e}");
    let e = invalid(&tags(1, 0.5, 1.01));
    assert!(e.contains("user_tags[0].y") && e.contains("1.01"), "{e}");
    let e = invalid(&PostSpec::Photo(PhotoPost {
        user_tags: vec![UserTag::username("friend")],
        ..base_photo()
    }));
    assert!(e.contains("required for tags on images"), "{e}");
    let mut r = reel(MediaSource::url("https://cdn.example.com/v.mp4"), "r");
    if let PostSpec::Reel(r) = &mut r {
        r.user_tags = vec![UserTag::at("friend", 0.5, 0.5)];
    }
    assert!(invalid(&r).contains("username only"));
    let story = |tag: UserTag| {
        PostSpec::Story(StoryPost {
            media: MediaSource::url("https://cdn.example.com/s.jpg"),
            kind: StoryKind::Image,
            user_tags: vec![tag],
        })
    };
    assert!(
        story(UserTag::username("friend")).validate().is_ok(),
        "optional on stories"
    );
    assert!(story(UserTag::at("friend", 0.2, 0.3)).validate().is_ok());
    assert!(story(UserTag::at("friend", 1.2, 0.3)).validate().is_err());
    let e = invalid(&PostSpec::Photo(PhotoPost {
        product_tags: vec![ProductTag {
            product_id: "123".into(),
            x: None,
            y: Some(0.5),
        }],
        ..base_photo()
    }));
    assert!(e.contains("product_tags[0].x"), "{e}");
}

#[test]
fn urls_must_be_public_https_without_a_query() {
    let at = |u: &str| {
        PostSpec::Photo(PhotoPost {
            image: MediaSource::url(u),
            ..base_photo()
        })
    };
    assert!(at("https://cdn.example.com/a.jpg").validate().is_ok());
    assert!(
        at("http://127.0.0.1:8080/a.jpg").validate().is_ok(),
        "loopback exception"
    );
    assert!(at("http://localhost/a.jpg").validate().is_ok());
    assert!(at("http://[::1]:9/a.jpg").validate().is_ok());
    assert!(invalid(&at("http://cdn.example.com/a.jpg")).contains("loopback"));
    assert!(invalid(&at("https://cdn.example.com/a.jpg?sig=1")).contains("query string"));
    assert!(invalid(&at("ftp://cdn.example.com/a.jpg")).contains("https://"));
    assert!(invalid(&at("https:///a.jpg")).contains("https://"));
    let e = invalid(&at("https://cdn.example.com/a.png"));
    assert!(e.contains("JPEG") && e.contains("PNG"), "{e}");
    let e = invalid(&PostSpec::Photo(PhotoPost {
        location_id: Some("Paris".into()),
        ..base_photo()
    }));
    assert!(e.contains("location_id"), "{e}");
    let mut r = reel(MediaSource::url("https://cdn.example.com/v.mp4"), "r");
    if let PostSpec::Reel(r) = &mut r {
        r.cover_url = Some("https://cdn.example.com/c.jpg?x=1".into());
    }
    assert!(invalid(&r).contains("cover_url"));
}

#[test]
fn misplaced_fields_are_refused_when_a_spec_is_read() {
    let minimal = r#"{"type":"photo","image":{"url":"https://cdn.example.com/a.jpg"}}"#;
    let spec = PostSpec::from_json(minimal).unwrap();
    assert_eq!(spec.kind(), "photo");
    assert_eq!(
        serde_json::to_string(&spec).unwrap(),
        minimal,
        "a minimal spec stays short"
    );
    let bare =
        PostSpec::from_json(r#"{"type":"reel","video":"/tmp/v.mp4","caption":"c"}"#).unwrap();
    assert!(matches!(&bare, PostSpec::Reel(r) if r.video == MediaSource::file("/tmp/v.mp4")));
    assert_eq!(bare.caption(), Some("c"));
    for (json, field) in [
        (
            r#"{"type":"photo","image":"https://c.example/a.jpg","share_to_feed":true}"#,
            "share_to_feed",
        ),
        (
            r#"{"type":"photo","image":"https://c.example/a.jpg","thumb_offset_ms":5}"#,
            "thumb_offset_ms",
        ),
        (
            r#"{"type":"photo","image":"https://c.example/a.jpg","cover_url":"https://c.example/c.jpg"}"#,
            "cover_url",
        ),
        (
            r#"{"type":"photo","image":"https://c.example/a.jpg","audio_name":"x"}"#,
            "audio_name",
        ),
        (
            r#"{"type":"photo","image":"https://c.example/a.jpg","trial_params":{}}"#,
            "trial_params",
        ),
        (
            r#"{"type":"story","media":"https://c.example/a.jpg","kind":"image","caption":"no"}"#,
            "caption",
        ),
        (
            r#"{"type":"story","media":"https://c.example/a.jpg","kind":"image","collaborators":["a"]}"#,
            "collaborators",
        ),
        (
            r#"{"type":"reel","video":"https://c.example/v.mp4","alt_text":"no"}"#,
            "alt_text",
        ),
        (
            r#"{"type":"carousel","items":[{"kind":"image","media":"https://c.example/a.jpg","caption":"x"}]}"#,
            "caption",
        ),
    ] {
        let e = PostSpec::from_json(json).unwrap_err();
        assert!(e.is_before_network());
        assert!(e.to_string().contains(field), "{json}: {e}");
    }
    assert!(PostSpec::from_json(r#"{"type":"gif"}"#).is_err());
}

// ---- preflight ----------------------------------------------------------------------------------

async fn mock_media_server() -> String {
    let jpg = |w: u16, h: u16| {
        move || async move { ([(header::CONTENT_TYPE, "image/jpeg")], jpeg(w, h)) }
    };
    let mut big = jpeg(1080, 1080);
    big.resize(8 * 1024 * 1024 + 1, 0);
    let mut max = jpeg(1080, 1080);
    max.resize(8 * 1024 * 1024, 0);
    let app = Router::new()
        .route(
            "/redirect.jpg",
            get(|| async {
                (
                    axum::http::StatusCode::FOUND,
                    [(header::LOCATION, "https://elsewhere.example/a.jpg")],
                )
            }),
        )
        .route(
            "/missing.jpg",
            get(|| async { axum::http::StatusCode::NOT_FOUND }),
        )
        .route(
            "/private.jpg",
            get(|| async { axum::http::StatusCode::FORBIDDEN }),
        )
        .route(
            "/page.jpg",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html>") }),
        )
        .route(
            "/big.jpg",
            get(move || {
                let b = big.clone();
                async move { ([(header::CONTENT_TYPE, "image/jpeg")], b) }
            }),
        )
        .route(
            "/max.jpg",
            get(move || {
                let b = max.clone();
                async move { ([(header::CONTENT_TYPE, "image/jpeg")], b) }
            }),
        )
        .route(
            "/png.png",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/png")],
                    b"\x89PNG\r\n\x1a\n0000".to_vec(),
                )
            }),
        )
        .route(
            "/png-as.jpg",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/jpeg")],
                    b"\x89PNG\r\n\x1a\n0000".to_vec(),
                )
            }),
        )
        .route("/four-five.jpg", get(jpg(1080, 1350)))
        .route("/narrower.jpg", get(jpg(1080, 1351)))
        .route("/wide.jpg", get(jpg(1910, 1000)))
        .route("/wider.jpg", get(jpg(1911, 1000)))
        .route("/tiny.jpg", get(jpg(200, 200)))
        .route(
            "/v.mp4",
            get(|| async { ([(header::CONTENT_TYPE, "video/mp4")], mp4(2048)) }),
        )
        .route(
            "/v.mov",
            get(|| async { ([(header::CONTENT_TYPE, "video/quicktime")], mp4(2048)) }),
        )
        .route(
            "/not-video.mp4",
            get(|| async { ([(header::CONTENT_TYPE, "video/mp4")], vec![7u8; 64]) }),
        )
        .route(
            "/v.avi",
            get(|| async { ([(header::CONTENT_TYPE, "video/x-msvideo")], mp4(64)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn preflight_sees_urls_as_metas_fetcher_does() {
    let base = mock_media_server().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let check = |path: &'static str, expect: PreflightExpect| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move { preflight(&http, &url, expect).await }
    };
    let refused = |r: Result<instagraph::PreflightReport, Error>| match r {
        Err(
            e @ Error::Publishing {
                kind: PublishFailure::Preflight,
                ..
            },
        ) => {
            assert!(e.is_before_network());
            e.to_string()
        }
        other => panic!("{other:?}"),
    };
    use PreflightExpect::{Image, StoryImage, StoryVideo, Video};
    let e = refused(check("/redirect.jpg", Image).await);
    assert!(
        e.contains("https://elsewhere.example/a.jpg") && e.contains("302"),
        "{e}"
    );
    assert!(refused(check("/missing.jpg", Image).await).contains("404"));
    assert!(refused(check("/private.jpg", Image).await).contains("authorisation"));
    assert!(refused(check("/page.jpg", Image).await).contains("text/html"));
    let e = refused(check("/big.jpg", Image).await);
    assert!(e.contains("8388609 bytes") && e.contains("8388608"), "{e}");
    let ok = check("/max.jpg", Image).await.unwrap();
    assert_eq!(
        ok.content_length,
        Some(8 * 1024 * 1024),
        "8 MiB exactly is fine"
    );
    assert!(refused(check("/png.png", Image).await).contains("image/png"));
    let e = refused(check("/png-as.jpg", Image).await);
    assert!(e.contains("PNG") && e.contains("JPEG only"), "{e}");
    let ok = check("/four-five.jpg", Image).await.unwrap();
    assert_eq!((ok.width, ok.height), (Some(1080), Some(1350)));
    assert!(ok.notes.is_empty(), "{:?}", ok.notes);
    assert!(refused(check("/narrower.jpg", Image).await).contains("narrower than 4:5"));
    assert!(
        check("/narrower.jpg", StoryImage).await.is_ok(),
        "stories are exempt"
    );
    assert!(check("/wide.jpg", Image).await.is_ok());
    assert!(refused(check("/wider.jpg", Image).await).contains("wider than 1.91:1"));
    let tiny = check("/tiny.jpg", Image).await.unwrap();
    assert!(
        tiny.notes.iter().any(|n| n.contains("resize")),
        "{:?}",
        tiny.notes
    );
    assert!(check("/v.mp4", Video).await.is_ok());
    assert!(check("/v.mov", StoryVideo).await.is_ok());
    assert!(refused(check("/not-video.mp4", Video).await).contains("MP4"));
    assert!(refused(check("/v.avi", Video).await).contains("video/x-msvideo"));
    // A client that follows redirects is caught by the final URL.
    let following = reqwest::Client::new();
    let url = format!("{base}/redirect.jpg");
    assert!(preflight(&following, &url, Image).await.is_err());
}

#[tokio::test]
async fn publish_runs_the_preflight_and_it_can_be_switched_off() {
    let sb = sandbox().await;
    let base = mock_media_server().await;
    let c = client(&sb, "business");
    let err = c
        .publish(
            &photo(format!("{base}/narrower.jpg"), "narrow"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Publishing {
                kind: PublishFailure::Preflight,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        !sb.sandbox
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/media") && r.method == "POST"),
        "nothing was created"
    );
    let off = PublishOptions {
        preflight: false,
        ..opts()
    };
    c.publish(
        &photo(
            "https://cdn.example.com/never-fetched.jpg".into(),
            "no preflight",
        ),
        &off,
        &quiet,
    )
    .await
    .unwrap();
}

// ---- the sandbox's own codes ------------------------------------------------------------------

#[tokio::test]
async fn the_sandbox_answers_container_errors_with_the_platforms_codes() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let node = node(&sb, "business");
    let create = |pairs: Vec<(&'static str, String)>| {
        let c = c.clone();
        let node = node.clone();
        async move {
            let mut req = Request::post(format!("{node}/media"));
            for (k, v) in pairs {
                req = req.form(k, v);
            }
            c.send_json::<ContainerCreated>(req).await
        }
    };
    let img = || ("image_url", "https://cdn.example.com/a.jpg".to_owned());
    let codes = |r: Result<ContainerCreated, Error>| {
        let e = r.unwrap_err();
        (e.code(), e.subcode())
    };
    let video_feed = create(vec![
        ("media_type", "VIDEO".into()),
        ("video_url", "https://cdn.example.com/v.mp4".into()),
    ])
    .await
    .unwrap_err();
    assert_eq!(
        (video_feed.code(), video_feed.subcode()),
        (100, Some(2207023))
    );
    assert!(video_feed.to_string().contains("REELS"), "{video_feed}");
    assert_eq!(
        codes(create(vec![("media_type", "GIF".into()), img()]).await),
        (100, Some(2207023))
    );
    assert_eq!(
        codes(create(vec![img(), ("caption", "x".repeat(2201))]).await),
        (36004, Some(2207010))
    );
    assert!(
        create(vec![img(), ("caption", "x".repeat(2200))])
            .await
            .is_ok()
    );
    let tags = |n: usize| {
        let list: Vec<Value> = (0..n)
            .map(|i| serde_json::json!({"username": format!("u{i}"), "x": 0.5, "y": 0.5}))
            .collect();
        ("user_tags", Value::Array(list).to_string())
    };
    assert!(create(vec![img(), tags(20)]).await.is_ok());
    assert_eq!(
        codes(create(vec![img(), tags(21)]).await),
        (100, Some(2207040))
    );
    let reel_with = |offset: &str| {
        vec![
            ("media_type", "REELS".into()),
            ("video_url", "https://cdn.example.com/v.mp4".to_owned()),
            ("thumb_offset", offset.to_owned()),
        ]
    };
    assert!(create(reel_with("29999")).await.is_ok());
    assert_eq!(codes(create(reel_with("30000")).await), (1, Some(2207057)));
    assert_eq!(
        codes(
            create(vec![
                img(),
                ("image_url", "https://cdn.example.com/a.png".into())
            ])
            .await
        ),
        (36001, Some(2207005))
    );
    // Carousels: item count, unknown and unfinished children.
    let child = |c: &Client, video: bool| {
        let c = c.clone();
        let node = node.clone();
        async move {
            let mut req = Request::post(format!("{node}/media")).form("is_carousel_item", "true");
            req = if video {
                req.form("media_type", "VIDEO")
                    .form("video_url", "https://cdn.example.com/v.mp4")
            } else {
                req.form("image_url", "https://cdn.example.com/a.jpg")
            };
            c.send_json::<ContainerCreated>(req).await.unwrap().id
        }
    };
    let a = child(&c, false).await;
    let b = child(&c, false).await;
    let v = child(&c, true).await;
    let carousel = |ids: Vec<&ContainerId>| {
        let list: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        vec![
            ("media_type", "CAROUSEL".to_owned()),
            ("children", list.join(",")),
        ]
    };
    assert_eq!(
        codes(create(carousel(vec![&a])).await),
        (100, Some(2207028))
    );
    let eleven: Vec<&ContainerId> = std::iter::repeat_n(&a, 11).collect();
    assert_eq!(codes(create(carousel(eleven)).await), (100, Some(2207028)));
    let unknown = ContainerId::new("17800000000000000");
    assert_eq!(
        codes(create(carousel(vec![&a, &unknown])).await),
        (24, Some(2207006))
    );
    assert_eq!(
        codes(create(carousel(vec![&a, &v])).await),
        (9007, Some(2207027)),
        "the video item is still processing"
    );
    assert!(create(carousel(vec![&a, &b])).await.is_ok());
    // Stories take no caption; IG Login has no resumable upload.
    let story = create(vec![
        ("media_type", "STORIES".into()),
        img(),
        ("caption", "no".into()),
    ])
    .await;
    assert_eq!(codes(story), (100, None));
    let ig = client(&sb, "creator");
    let e = ig
        .send(
            Request::post("me/media")
                .form("media_type", "REELS")
                .form("upload_type", "resumable"),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Facebook Login"), "{e}");
    // content_publishing_limit: quota_usage only without fields, config with them.
    let plain: Value = c
        .send_json(Request::get(format!("{node}/content_publishing_limit")))
        .await
        .unwrap();
    assert_eq!(plain, serde_json::json!({"data": [{"quota_usage": 0}]}));
    let full: Page<PublishingLimit> = c
        .send_json(
            Request::get(format!("{node}/content_publishing_limit"))
                .query("fields", "quota_usage,config"),
        )
        .await
        .unwrap();
    assert_eq!(
        (full.data[0].quota_total, full.data[0].quota_duration_secs),
        (Some(50), Some(86_400))
    );
}

// ---- fixtures -----------------------------------------------------------------------------------

#[test]
fn publishing_fixtures_parse_with_no_field_lost() {
    let Some(dir) = fixtures() else { return };
    for rel in [
        "python-facebook/instagram/apidata/publish/container_info.json",
        "python-facebook/instagram/models/ig_container.json",
        "restfb/instagram/container.json",
        "restfb/instagram/container_no_copyright.json",
    ] {
        let c: ContainerStatus = roundtrip(rel, &load(&dir, rel));
        assert!(c.status_code.is_some(), "{rel}");
    }
    let rel = "restfb/instagram/container.json";
    let c: ContainerStatus = roundtrip(rel, &load(&dir, rel));
    assert_eq!(
        c.copyright_check_status.and_then(|s| s.matches_found),
        Some(true)
    );
    let rel = "python-facebook/instagram/apidata/publish/containers_info.json";
    let many: BTreeMap<String, ContainerStatus> = roundtrip(rel, &load(&dir, rel));
    assert_eq!(many.len(), 2);
    assert!(
        many.values()
            .all(|c| c.code() == ContainerStatusCode::Finished)
    );
    for rel in [
        "python-facebook/instagram/apidata/publish/create_photo.json",
        "python-facebook/instagram/apidata/publish/create_video.json",
    ] {
        let _: ContainerCreated = roundtrip(rel, &load(&dir, rel));
    }
    let rel = "python-facebook/instagram/apidata/publish/publish_container.json";
    let p: MediaPublished = roundtrip(rel, &load(&dir, rel));
    assert_eq!(p.id.as_str(), "17920238422030506");
    for rel in [
        "python-facebook/instagram/apidata/publish/publish_limit_resp.json",
        "python-facebook/instagram/apidata/users/content_publish_limit.json",
        "restfb/instagram/content_publishing_limit.json",
    ] {
        let page: Page<PublishingLimit> = roundtrip(rel, &load(&dir, rel));
        assert_eq!(
            page.data[0].quota_total,
            Some(25),
            "{rel}: the older quota, read not assumed"
        );
        assert_eq!(page.data[0].quota_duration_secs, Some(86_400));
    }
    let rel = "python-facebook/instagram/models/ig_publish_limit.json";
    let l: PublishingLimit = roundtrip(rel, &load(&dir, rel));
    assert_eq!(l.remaining(), Some(23));
}

// ---- the control API and the upload host over HTTP ----------------------------------------------

#[tokio::test]
async fn the_control_api_drives_publishing_over_http() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let control = format!("{}/_sandbox", sb.base_url);
    let post = |path: &str, body: Value| {
        let req = http.post(format!("{control}{path}")).json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, settings) = post(
        "/publishing",
        serde_json::json!({"quota_total": 7, "video_processing_ms": 0, "ambiguous_publishes": 1}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            settings["quota_total"].as_u64(),
            settings["video_processing_ms"].as_u64()
        ),
        (Some(7), Some(0))
    );
    assert_eq!(settings["ambiguous_publishes"], 1);
    let broken = media_url(&sb, "ctl-1080x1080.jpg");
    let (status, _) = post(
        "/media-urls",
        serde_json::json!({"url": broken, "outcome": "error", "processing_ms": 0, "subcode": 2207005}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, err) = post("/media-urls", serde_json::json!({"outcome": "ok"})).await;
    assert_eq!((status, err["error"].is_string()), (400, true));
    let c = client(&sb, "creator");
    let err = c
        .publish(&photo(broken, "ctl"), &opts(), &quiet)
        .await
        .unwrap_err();
    assert_eq!(err.subcode(), Some(2207005), "{err}");
    let p = c
        .publish(
            &photo(media_url(&sb, "ok-1080x1080.jpg"), "via http"),
            &opts(),
            &quiet,
        )
        .await
        .unwrap();
    assert!(p.recovered, "the ambiguous switch set over HTTP");
    let posts: Value = http
        .get(format!("{control}/publishing/posts?account=creator"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posts.as_array().map(Vec::len), Some(1));
    assert_eq!(posts[0]["media_id"], p.media_id.as_str());
    assert_eq!(posts[0]["caption"], "via http");
    let containers: Value = http
        .get(format!("{control}/publishing/containers?account=creator"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let states: Vec<&str> = containers
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["status_code"].as_str())
        .collect();
    assert_eq!(states, ["PUBLISHED", "ERROR"]);
    let missing = http
        .get(format!("{control}/publishing/posts?account=nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let sample = http
        .get(format!("{control}/media/x-640x480.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(sample.headers()[header::CONTENT_TYPE], "image/jpeg");
    let bytes = sample.bytes().await.unwrap();
    assert_eq!(
        instagraph::ops::publishing::jpeg_dimensions(&bytes),
        Ok(Some((640, 480)))
    );
}

#[tokio::test]
async fn the_upload_host_checks_offsets_and_takes_a_file_url() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let a = account(&sb, "business");
    let node = node(&sb, "business");
    let http = reqwest::Client::new();
    let create = || {
        c.send_json::<ContainerCreated>(
            Request::post(format!("{node}/media"))
                .form("media_type", "REELS")
                .form("upload_type", "resumable"),
        )
    };
    let created = create().await.unwrap();
    let uri = created.uri.clone().unwrap();
    assert!(
        uri.starts_with(&format!("{}/ig-api-upload/v25.0/", sb.base_url)),
        "{uri}"
    );
    let send = |offset: u64, body: Vec<u8>, token: &str| {
        http.post(&uri)
            .header("Authorization", format!("OAuth {token}"))
            .header("offset", offset.to_string())
            .header("file_size", "10")
            .body(body)
            .send()
    };
    let r = send(0, vec![1; 10], "EAAnot-a-token").await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = send(4, vec![1; 6], &a.access_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 400, "offset 4 before any byte arrived");
    let body: Value = r.json().await.unwrap();
    assert!(
        body["debug_info"]["message"]
            .as_str()
            .unwrap()
            .contains("bytes_transferred")
    );
    let r = send(0, vec![1; 4], &a.access_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let status = c.container_status(&created.id).await.unwrap();
    assert_eq!(status.code(), ContainerStatusCode::InProgress);
    assert_eq!(status.bytes_transferred(), Some(4));
    let r = send(4, vec![1; 6], &a.access_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    sb.sandbox.advance(3);
    let done = c.container_status(&created.id).await.unwrap();
    assert_eq!(done.code(), ContainerStatusCode::Finished);
    let phase = done.video_status.unwrap().uploading_phase.unwrap();
    assert_eq!(
        (
            phase.status.as_deref(),
            phase.bytes_transferred,
            phase.source_file_size
        ),
        (Some("complete"), Some(10), Some(10))
    );
    // A hosted file instead of bytes.
    let created = create().await.unwrap();
    let r = http
        .post(created.uri.unwrap())
        .header("Authorization", format!("OAuth {}", a.access_token))
        .header("file_url", "https://cdn.example.com/hosted.mp4")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["success"], true);
    sb.sandbox.advance(3);
    let p = c.publish_container(&created.id).await.unwrap();
    assert!(!p.recovered);
}
