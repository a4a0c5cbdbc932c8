//! Turns stored raw payloads into deduplicated events, from the store, after the sender has
//! been answered. A crash anywhere here loses nothing: the payload stays pending until the
//! transaction that stores its events marks it processed, and re-processing a payload adds
//! no duplicate (events are unique by dedupe key).

use instagraph_store::Store;
use instagraph_store::webhooks::{NewEvent, Processed, TargetFilter};
use instagraph_webhook::payload::Source;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Payloads taken per round (one transaction: short, so that the receiver's group commit
/// never waits long for the write lock).
pub const BATCH: u32 = 128;
/// Above this many payloads stored per second the receiver is busy: acknowledging comes
/// first, so the processor pauses [`YIELD`] between rounds and catches up once it is quiet.
pub const BUSY_PER_SECOND: u64 = 2_000;
/// The pause between rounds while the receiver is busy.
pub const YIELD: Duration = Duration::from_millis(100);
/// How often to look for payloads stored by another instance (PostgreSQL) when nobody
/// notifies us.
pub const POLL: Duration = Duration::from_secs(1);
/// After being woken, wait this long so that payloads arriving together are processed in one
/// transaction (fewer, shorter write locks for the receiver's group commit to wait on).
pub const COALESCE: Duration = Duration::from_millis(10);

/// Splits one raw body into the store's events.
pub fn split(body: &[u8]) -> Processed {
    match instagraph_webhook::payload::split(body) {
        Ok(events) => Processed::Events(
            events
                .into_iter()
                .map(|e| {
                    let normalized = e.normalized();
                    NewEvent {
                        event_type: e.event_type().to_owned(),
                        field: match &e.source {
                            Source::Change { field } => field.clone(),
                            other => other.as_str().to_owned(),
                        },
                        dedupe_key: e.dedupe_key,
                        account_id: e.account_id,
                        object: e.object,
                        timestamp_ms: e.timestamp_ms,
                        raw: e.raw.to_string(),
                        normalized: normalized.to_string(),
                    }
                })
                .collect(),
        ),
        Err(e) => Processed::Unparseable(e.to_string()),
    }
}

/// What the processor tells others.
#[derive(Clone, Debug)]
pub struct ProcessorSignals {
    /// Notified when payloads were stored (by our ingestor).
    pub stored: Arc<Notify>,
    /// Notified when deliveries were created.
    pub deliveries: Arc<Notify>,
    /// The highest event id stored so far (followers wake on changes).
    pub latest_event: watch::Sender<i64>,
    /// Payloads stored by the receiver so far.
    pub ingested: Arc<std::sync::atomic::AtomicU64>,
}

/// Processes everything pending once; returns how many payloads it handled.
pub async fn process_pending(
    store: &dyn Store,
    targets: &[TargetFilter],
    now_ms: i64,
    signals: Option<&ProcessorSignals>,
) -> Result<usize, instagraph_store::StoreError> {
    use std::sync::atomic::Ordering;
    let mut handled = 0;
    let mut mark = signals.map(|s| {
        (
            s.ingested.load(Ordering::Relaxed),
            std::time::Instant::now(),
        )
    });
    loop {
        if let (Some(s), Some((before, at))) = (signals, mark) {
            let now = std::time::Instant::now();
            let elapsed = now.duration_since(at).as_secs_f64();
            let count = s.ingested.load(Ordering::Relaxed);
            if elapsed > 0.0
                && count.saturating_sub(before) as f64 / elapsed > BUSY_PER_SECOND as f64
            {
                tokio::time::sleep(YIELD).await;
            }
            mark = Some((
                s.ingested.load(Ordering::Relaxed),
                std::time::Instant::now(),
            ));
        }
        let pending = store.pending_payloads(BATCH).await?;
        if pending.is_empty() {
            return Ok(handled);
        }
        let results: Vec<(i64, Processed)> =
            pending.iter().map(|p| (p.id, split(&p.body))).collect();
        let outcome = store.commit_processed(&results, targets, now_ms).await?;
        handled += pending.len();
        if outcome.duplicates > 0 {
            tracing::debug!(
                duplicates = outcome.duplicates,
                "dropped redelivered events"
            );
        }
        if let Some(s) = signals {
            if outcome.deliveries > 0 {
                s.deliveries.notify_one();
            }
            if let Some(&max) = outcome.new_events.iter().max() {
                s.latest_event.send_if_modified(|v| {
                    if max > *v {
                        *v = max;
                        true
                    } else {
                        false
                    }
                });
            }
        }
        if pending.len() < BATCH as usize {
            return Ok(handled);
        }
    }
}

/// Runs until the task is aborted: processes whenever payloads are stored, and polls.
pub async fn run(
    store: Arc<dyn Store>,
    targets: Vec<TargetFilter>,
    clock: instagraph::clock::SharedClock,
    signals: ProcessorSignals,
) {
    let mut failures = 0u32;
    loop {
        match process_pending(&*store, &targets, clock.now_ms(), Some(&signals)).await {
            Ok(_) => failures = 0,
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::error!(error = %e, "processing stored webhooks failed; will retry");
                let backoff = Duration::from_millis(100u64 << failures.min(6));
                tokio::time::sleep(backoff).await;
                continue;
            }
        }
        tokio::select! {
            _ = signals.stored.notified() => tokio::time::sleep(COALESCE).await,
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}
