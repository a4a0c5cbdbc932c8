//! The scheduler's state machine against a scripted platform and a manual clock: every path a
//! post can take, and resumption from every committed state. (The end-to-end crash test with
//! the real binary, the sandbox and `kill -9` lives in the CLI's tests.)

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use instagraph::clock::{Clock, SharedClock};
use instagraph_server::scheduler::{
    Accounts, ContainerState, CreatedContainer, PublishApi, PublishError, PublishErrorKind,
    PublishedMedia, Quota, Scheduler, SchedulerConfig,
};
use instagraph_store::Store;
use instagraph_store::schedule::{
    ChangeOutcome, NewScheduledPost, PostState, ScheduledPost, Transition,
};
use serde_json::{Value, json};

const H: i64 = 3_600_000;
const T0: i64 = 1_800_000_000_000;

#[derive(Debug, Default)]
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A scripted platform: containers finish `processing_ms` after creation; publishing creates a
/// media; faults are queued per operation.
#[derive(Default)]
struct Fake {
    clock: Arc<ManualClock>,
    state: Mutex<FakeState>,
}

#[derive(Default)]
struct FakeState {
    processing_ms: i64,
    /// (id, created_at, status override, published media)
    containers: Vec<(String, i64, Option<ContainerState>, Option<String>)>,
    /// Published media: (id, caption).
    media: Vec<(String, Option<String>)>,
    publish_calls: u32,
    create_calls: u32,
    quota_used_extra: u32,
    quota_total: u32,
    /// The next publish commits and then answers with this error.
    publish_then_fail: Vec<PublishError>,
    /// The next publish fails with this error without publishing.
    publish_fail: Vec<PublishError>,
    /// The next creates fail with these errors.
    create_fail: Vec<PublishError>,
}

impl Fake {
    fn new(clock: Arc<ManualClock>) -> Arc<Self> {
        let f = Fake {
            clock,
            state: Mutex::new(FakeState::default()),
        };
        f.state.lock().unwrap().quota_total = 50;
        Arc::new(f)
    }

    fn st(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    fn status_of(&self, st: &FakeState, id: &str) -> Option<ContainerState> {
        let now = self.clock.now_ms();
        let (_, created, over, media) = st.containers.iter().find(|c| c.0 == id)?;
        Some(if media.is_some() {
            ContainerState::Published
        } else if let Some(o) = over {
            o.clone()
        } else if now - created >= 24 * H {
            ContainerState::Expired
        } else if now - created >= st.processing_ms {
            ContainerState::Finished
        } else {
            ContainerState::InProgress
        })
    }

    fn do_publish(&self, st: &mut FakeState, container: &str) -> String {
        let media_id = format!("m{}", st.media.len() + 1);
        st.media.push((media_id.clone(), None));
        if let Some(c) = st.containers.iter_mut().find(|c| c.0 == container) {
            c.3 = Some(media_id.clone());
        }
        media_id
    }
}

#[async_trait::async_trait]
impl PublishApi for Fake {
    async fn create_container(&self, spec: &Value) -> Result<CreatedContainer, PublishError> {
        let mut st = self.st();
        st.create_calls += 1;
        if !st.create_fail.is_empty() {
            return Err(st.create_fail.remove(0));
        }
        let _ = spec;
        let id = format!("c{}", st.containers.len() + 1);
        st.containers
            .push((id.clone(), self.clock.now_ms(), None, None));
        Ok(CreatedContainer {
            id,
            children: vec![],
        })
    }

    async fn container_status(&self, id: &str) -> Result<ContainerState, PublishError> {
        let st = self.st();
        self.status_of(&st, id)
            .ok_or_else(|| PublishError::new(PublishErrorKind::Permanent, "no such container"))
    }

    async fn publish(&self, container: &str) -> Result<PublishedMedia, PublishError> {
        let mut st = self.st();
        st.publish_calls += 1;
        if !st.publish_fail.is_empty() {
            return Err(st.publish_fail.remove(0));
        }
        match self.status_of(&st, container) {
            Some(ContainerState::Finished) => {}
            Some(ContainerState::InProgress) => {
                return Err(PublishError::new(
                    PublishErrorKind::NotReady,
                    "9007 not ready",
                ));
            }
            Some(ContainerState::Published) => {
                return Err(PublishError::new(
                    PublishErrorKind::Permanent,
                    "already published",
                ));
            }
            other => {
                return Err(PublishError::new(
                    PublishErrorKind::Permanent,
                    format!("cannot publish: {other:?}"),
                ));
            }
        }
        let used = st.media.len() as u32 + st.quota_used_extra;
        if used >= st.quota_total {
            return Err(PublishError::new(
                PublishErrorKind::Quota { reset_at_ms: None },
                "9/2207042",
            ));
        }
        let media_id = self.do_publish(&mut st, container);
        if !st.publish_then_fail.is_empty() {
            return Err(st.publish_then_fail.remove(0));
        }
        Ok(PublishedMedia {
            permalink: Some(format!("https://www.instagram.com/p/{media_id}/")),
            media_id,
        })
    }

    async fn find_published(
        &self,
        _spec: &Value,
        _since_ms: i64,
    ) -> Result<Option<PublishedMedia>, PublishError> {
        let st = self.st();
        Ok(st.media.last().map(|(id, _)| PublishedMedia {
            media_id: id.clone(),
            permalink: None,
        }))
    }

    async fn quota(&self) -> Result<Quota, PublishError> {
        let st = self.st();
        Ok(Quota {
            used: st.media.len() as u32 + st.quota_used_extra,
            total: Some(st.quota_total),
            window_secs: Some(86_400),
        })
    }
}

struct World {
    clock: Arc<ManualClock>,
    fake: Arc<Fake>,
    store: Arc<dyn Store>,
    sched: Scheduler,
}

fn config(owner: &str) -> SchedulerConfig {
    SchedulerConfig {
        owner: owner.into(),
        prepare_ahead: Duration::from_secs(600),
        status_poll: Duration::from_secs(5),
        max_attempts: 3,
        retry_schedule: vec![Duration::from_secs(10), Duration::from_secs(60)],
        ..SchedulerConfig::default()
    }
}

async fn world() -> World {
    let clock = Arc::new(ManualClock(AtomicI64::new(T0)));
    let fake = Fake::new(clock.clone());
    let store = instagraph_store::open(":memory:").await.expect("store");
    let shared: SharedClock = clock.clone();
    let sched = Scheduler::new(
        store.clone(),
        Accounts::new().with("acct", fake.clone()),
        shared,
        config("host/1/a"),
    );
    World {
        clock,
        fake,
        store,
        sched,
    }
}

impl World {
    fn set(&self, t: i64) {
        self.clock.0.store(t, Ordering::SeqCst);
    }

    async fn add(&self, publish_at: i64) -> i64 {
        let (p, _) = self
            .store
            .add_post(&NewScheduledPost {
                account: "acct".into(),
                kind: "photo".into(),
                spec: json!({"type": "photo", "image": {"url": "https://x/a.jpg"}, "caption": "hello"}),
                publish_at,
                zone: None,
                idempotency_key: None,
                next_at: self.sched.prepare_at(publish_at),
                created_at: T0,
                draft: false,
            })
            .await
            .expect("add");
        p.id
    }

    async fn post(&self, id: i64) -> ScheduledPost {
        self.store.post(id).await.expect("post").expect("exists")
    }

    async fn pass(&self) -> instagraph_server::scheduler::PassReport {
        self.sched.run_due().await.expect("pass")
    }
}

#[tokio::test]
async fn a_post_is_prepared_ahead_and_published_at_its_time() {
    let w = world().await;
    w.fake.st().processing_ms = 30_000;
    let at = T0 + H;
    let id = w.add(at).await;
    // Nothing one millisecond before the prepare-ahead moment.
    w.set(at - 600_001);
    assert_eq!(w.pass().await.claimed, 0);
    w.set(at - 600_000);
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Preparing);
    assert_eq!(p.container_id.as_deref(), Some("c1"));
    assert_eq!(
        p.next_at,
        Some(at - 600_000 + 5_000),
        "status polled every 5 s"
    );
    // Processing done: ready, waiting for its time; nothing published early.
    w.set(at - 570_000);
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Ready);
    assert_eq!(p.next_at, Some(at));
    w.set(at - 1);
    assert_eq!(w.pass().await.claimed, 0);
    assert_eq!(w.fake.st().publish_calls, 0);
    w.set(at);
    let report = w.pass().await;
    assert_eq!(report.published, vec![id]);
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Published);
    assert_eq!(p.media_id.as_deref(), Some("m1"));
    assert_eq!(
        p.permalink.as_deref(),
        Some("https://www.instagram.com/p/m1/")
    );
    assert_eq!(p.published_at, Some(at));
    assert_eq!(p.lease_owner, None);
    let steps: Vec<String> = w
        .store
        .post_log(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.step)
        .collect();
    assert_eq!(
        steps,
        [
            "added",
            "container_created",
            "processing",
            "ready",
            "publishing",
            "published"
        ]
    );
    // Published posts are never looked at again.
    w.set(at + 10 * H);
    assert_eq!(w.pass().await.claimed, 0);
    assert_eq!(w.fake.st().publish_calls, 1);
}

#[tokio::test]
async fn a_post_due_now_goes_all_the_way_in_one_pass() {
    let w = world().await;
    let id = w.add(T0).await;
    let report = w.pass().await;
    assert_eq!(report.published, vec![id]);
    assert_eq!(w.fake.st().media.len(), 1);
}

#[tokio::test]
async fn an_ambiguous_publish_is_resolved_by_the_container_never_by_publishing_again() {
    let w = world().await;
    w.fake
        .st()
        .publish_then_fail
        .push(PublishError::new(PublishErrorKind::Ambiguous, "timed out"));
    let id = w.add(T0).await;
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Publishing);
    assert_eq!(p.last_error.as_deref(), Some("timed out"));
    assert_eq!(p.next_at, Some(T0 + 10_000));
    w.set(T0 + 10_000);
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Published);
    assert_eq!(p.media_id.as_deref(), Some("m1"));
    let st = w.fake.st();
    assert_eq!(st.media.len(), 1, "exactly one post");
    assert_eq!(st.publish_calls, 1, "never published twice");
    assert_eq!(st.create_calls, 1, "never a second container");
}

#[tokio::test]
async fn an_ambiguous_failure_that_did_not_publish_publishes_the_same_container_once() {
    let w = world().await;
    w.fake
        .st()
        .publish_fail
        .push(PublishError::new(PublishErrorKind::Ambiguous, "HTTP 502"));
    let id = w.add(T0).await;
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Publishing);
    w.set(T0 + 10_000);
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Published);
    let st = w.fake.st();
    assert_eq!(
        (st.media.len(), st.publish_calls, st.create_calls),
        (1, 2, 1)
    );
}

#[tokio::test]
async fn every_committed_state_resumes_after_a_crash_without_a_duplicate() {
    // A worker dies right after committing each state; a new worker (another owner, after the
    // dead one's leases are dropped) finishes the post. Exactly one media each time.
    for stop_after in [
        PostState::Scheduled,
        PostState::Preparing,
        PostState::Ready,
        PostState::Publishing,
    ] {
        for published_before_crash in [false, true] {
            if published_before_crash && stop_after != PostState::Publishing {
                continue;
            }
            let w = world().await;
            let id = w.add(T0).await;
            // The dead worker's progress, committed step by step like the real one.
            let mut post = w
                .store
                .claim_due_posts(T0, T0 + 300_000, "host/999999/dead", 1)
                .await
                .unwrap()
                .remove(0);
            let steps = [
                PostState::Preparing,
                PostState::Ready,
                PostState::Publishing,
            ];
            for to in steps {
                if post.state == stop_after {
                    break;
                }
                let mut t = Transition::from_post(&post, to, "by_dead_worker");
                if to == PostState::Preparing {
                    let c = w.fake.create_container(&post.spec).await.unwrap();
                    t.container_id = Some(c.id);
                    t.container_created_at = Some(T0);
                }
                if to == PostState::Publishing {
                    t.publish_started_at = Some(T0);
                }
                t.keep_lease = true;
                assert!(
                    w.store
                        .transition_post(id, "host/999999/dead", post.state, &t, T0)
                        .await
                        .unwrap()
                );
                t.apply(&mut post, T0);
            }
            if published_before_crash {
                let container = post.container_id.clone().unwrap();
                w.fake.publish(&container).await.unwrap();
            }
            // The new worker on the same host sees pid 999999 is gone and takes over at once.
            let released = w.sched.recover_dead_leases().await.unwrap();
            assert_eq!(released, 1, "{stop_after:?}");
            w.pass().await;
            let p = w.post(id).await;
            assert_eq!(
                p.state,
                PostState::Published,
                "after {stop_after:?} ({published_before_crash})"
            );
            assert_eq!(p.media_id.as_deref(), Some("m1"));
            let st = w.fake.st();
            assert_eq!(st.media.len(), 1, "after {stop_after:?}: exactly one post");
            let containers_expected = 1;
            assert_eq!(
                st.containers.len(),
                containers_expected,
                "after {stop_after:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_live_workers_lease_is_respected() {
    let w = world().await;
    let id = w.add(T0).await;
    let pid = std::process::id();
    // Another worker in this very process (pid alive): its lease stands until it runs out.
    let owner = format!("host/{pid}/other");
    w.store
        .claim_due_posts(T0, T0 + 300_000, &owner, 1)
        .await
        .unwrap();
    assert_eq!(w.sched.recover_dead_leases().await.unwrap(), 0);
    assert_eq!(w.pass().await.claimed, 0);
    w.set(T0 + 300_000);
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Published);
}

#[tokio::test]
async fn a_full_quota_holds_the_post_with_the_reason_then_publishes() {
    let w = world().await;
    {
        let mut st = w.fake.st();
        st.quota_total = 25;
        st.quota_used_extra = 25;
    }
    let id = w.add(T0).await;
    let report = w.pass().await;
    assert_eq!(report.held, vec![id]);
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Held);
    let reason = p.hold_reason.unwrap();
    assert!(reason.contains("25 of 25"), "{reason}");
    assert_eq!(p.next_at, Some(T0 + 900_000));
    assert_eq!(
        w.fake.st().publish_calls,
        0,
        "the quota was checked before publishing"
    );
    w.fake.st().quota_used_extra = 24;
    w.set(T0 + 900_000);
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Published);
    assert_eq!(p.hold_reason, None);
}

#[tokio::test]
async fn quota_refused_at_publish_time_holds_instead_of_failing() {
    let w = world().await;
    w.fake.st().publish_fail.push(PublishError::new(
        PublishErrorKind::Quota {
            reset_at_ms: Some(T0 + 2 * H),
        },
        "9/2207042 limit reached",
    ));
    let id = w.add(T0).await;
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Held);
    assert_eq!(p.next_at, Some(T0 + 2 * H));
    w.set(T0 + 2 * H);
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Published);
    assert_eq!(w.fake.st().create_calls, 1, "the container is reused");
}

#[tokio::test]
async fn a_failing_container_fails_the_post_with_the_platforms_explanation() {
    let w = world().await;
    w.fake.st().processing_ms = 10_000;
    let id = w.add(T0 + H).await;
    w.set(T0 + H - 600_000);
    w.pass().await;
    w.fake.st().containers[0].2 = Some(ContainerState::Error("2207026: unsupported video".into()));
    w.set(T0 + H - 590_000);
    let report = w.pass().await;
    assert_eq!(report.failed, vec![id]);
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Failed);
    assert!(p.last_error.unwrap().contains("2207026"));
    assert_eq!(p.next_at, None);
    // Rescheduling a failed post starts it over with a fresh container.
    let out = w
        .store
        .reschedule_post(id, T0 + 2 * H, T0 + 2 * H - 600_000, T0 + H)
        .await
        .unwrap();
    let ChangeOutcome::Changed(p) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        (p.state, p.container_id, p.attempts),
        (PostState::Scheduled, None, 0)
    );
    w.fake.st().processing_ms = 0;
    w.set(T0 + 2 * H);
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Published);
    assert_eq!(w.fake.st().create_calls, 2);
}

#[tokio::test]
async fn an_expired_container_is_replaced_before_publishing() {
    let w = world().await;
    let id = w.add(T0 + 30 * H).await;
    // Prepared ahead, then the machine was off for a day: the container is too old.
    w.set(T0 + 30 * H - 600_000);
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Ready);
    w.set(T0 + 30 * H - 600_000 + 23 * H);
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Published);
    assert_eq!(p.container_id.as_deref(), Some("c2"));
    let st = w.fake.st();
    assert_eq!((st.create_calls, st.media.len()), (2, 1));
}

#[tokio::test]
async fn transient_failures_are_retried_on_the_schedule_then_fail() {
    let w = world().await;
    for _ in 0..3 {
        w.fake
            .st()
            .create_fail
            .push(PublishError::new(PublishErrorKind::Transient, "HTTP 500"));
    }
    let id = w.add(T0).await;
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(
        (p.state, p.attempts, p.next_at),
        (PostState::Scheduled, 1, Some(T0 + 10_000))
    );
    w.set(T0 + 9_999);
    assert_eq!(w.pass().await.claimed, 0);
    w.set(T0 + 10_000);
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!((p.attempts, p.next_at), (2, Some(T0 + 70_000)));
    w.set(T0 + 70_000);
    let report = w.pass().await;
    assert_eq!(report.failed, vec![id]);
    assert_eq!(w.post(id).await.last_error.as_deref(), Some("HTTP 500"));
}

#[tokio::test]
async fn a_permanent_create_error_fails_at_once() {
    let w = world().await;
    w.fake.st().create_fail.push(PublishError::new(
        PublishErrorKind::Permanent,
        "9004/2207052: media URL could not be fetched",
    ));
    let id = w.add(T0).await;
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Failed);
    assert_eq!(p.attempts, 1);
}

#[tokio::test]
async fn a_cancel_while_a_worker_holds_the_post_wins() {
    let w = world().await;
    w.fake.st().processing_ms = 60_000;
    let id = w.add(T0).await;
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Preparing);
    assert!(matches!(
        w.store.cancel_post(id, T0 + 1).await.unwrap(),
        ChangeOutcome::Changed(_)
    ));
    w.set(T0 + 60_000);
    assert_eq!(w.pass().await.claimed, 0);
    assert_eq!(w.post(id).await.state, PostState::Cancelled);
    assert_eq!(w.fake.st().publish_calls, 0);
}

#[tokio::test]
async fn a_post_for_an_unknown_account_is_held_with_the_reason() {
    let w = world().await;
    let (p, _) = w
        .store
        .add_post(&NewScheduledPost {
            account: "someone-else".into(),
            kind: "photo".into(),
            spec: json!({}),
            publish_at: T0,
            zone: None,
            idempotency_key: None,
            next_at: T0,
            created_at: T0,
            draft: false,
        })
        .await
        .unwrap();
    let report = w.pass().await;
    assert_eq!(report.held, vec![p.id]);
    let p = w.post(p.id).await;
    assert!(
        p.hold_reason
            .unwrap()
            .contains("no usable credentials for account someone-else")
    );
}

#[tokio::test]
async fn publishing_too_early_waits_for_the_container() {
    let w = world().await;
    w.fake.st().publish_fail.push(PublishError::new(
        PublishErrorKind::NotReady,
        "9007/2207027",
    ));
    let id = w.add(T0).await;
    w.pass().await;
    let p = w.post(id).await;
    assert_eq!(
        (p.state, p.next_at),
        (PostState::Publishing, Some(T0 + 5_000))
    );
    w.set(T0 + 5_000);
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Published);
    assert_eq!(w.fake.st().media.len(), 1);
}

#[tokio::test]
async fn an_expired_token_holds_the_post_until_the_account_logs_in_again() {
    let w = world().await;
    w.fake.st().create_fail.push(PublishError::new(
        PublishErrorKind::NeedsLogin,
        "Error validating access token (code 190/463)",
    ));
    let id = w.add(T0).await;
    let report = w.pass().await;
    assert!(report.failed.is_empty(), "not failed: held");
    let p = w.post(id).await;
    assert_eq!(p.state, PostState::Held);
    assert!(p.hold_reason.unwrap().contains("needs a new login"));
    assert_eq!(p.next_at, Some(T0 + 900_000));
    // Logged in again: the post goes on, once.
    w.set(T0 + 900_000);
    w.pass().await;
    assert_eq!(w.post(id).await.state, PostState::Published);
    assert_eq!(w.fake.st().media.len(), 1);
}
