//! Group commit: every verified body waits here until the transaction that holds it commits,
//! and only then is the sender answered 200.
//!
//! One task owns the write path. It takes the first waiting body, then everything else that
//! is already queued (up to a batch limit), stores the lot in one transaction, and answers all
//! of them. While one transaction commits, the next batch fills up, so the batch size follows
//! the load: one body per commit when traffic is light (lowest latency), hundreds when heavy
//! (highest throughput), and never more than one fsync in flight.

use instagraph_store::Store;
use instagraph_store::webhooks::IncomingPayload;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Notify, mpsc, oneshot};

/// Most bodies in one transaction.
pub const MAX_BATCH: usize = 1024;
/// Most bytes in one transaction (a batch always takes at least one body).
pub const MAX_BATCH_BYTES: usize = 32 * 1024 * 1024;
/// Bodies waiting for a commit before new ones are pushed back (the HTTP handler waits).
pub const QUEUE: usize = 16_384;
/// How many times a batch that is still growing yields to let more requests join it.
const MAX_YIELDS: u32 = 8;

struct Job {
    payload: IncomingPayload,
    done: oneshot::Sender<Result<i64, String>>,
}

/// Hands verified bodies to the group-commit task.
#[derive(Clone, Debug)]
pub struct Ingestor {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("len", &self.payload.body.len())
            .finish()
    }
}

/// Why a body was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The writer task is gone (shutting down).
    #[error("the webhook writer has stopped")]
    Stopped,
    /// The transaction failed; nothing of this batch is stored.
    #[error("storing the webhook failed: {0}")]
    Store(String),
}

impl Ingestor {
    /// Starts the writer task. `stored` is notified after every commit, and `count` adds up
    /// the payloads stored (the processor reads it to tell how busy the receiver is).
    pub fn start(
        store: Arc<dyn Store>,
        stored: Arc<Notify>,
        count: Arc<AtomicU64>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(store, rx, stored, count));
        (Self { tx }, task)
    }

    /// Stores one body durably; returns its payload id once the commit holding it is done.
    pub async fn submit(&self, payload: IncomingPayload) -> Result<i64, IngestError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Job { payload, done })
            .await
            .map_err(|_| IngestError::Stopped)?;
        match wait.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => Err(IngestError::Store(e)),
            Err(_) => Err(IngestError::Stopped),
        }
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<Job>,
    stored: Arc<Notify>,
    count: Arc<AtomicU64>,
) {
    let mut payloads = Vec::with_capacity(MAX_BATCH);
    let mut waiters = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        let mut bytes = first.payload.body.len();
        payloads.push(first.payload);
        waiters.push(first.done);
        // Take what is queued; while more keeps arriving (requests whose answers just went out
        // come back together), yield briefly so they join this commit instead of waiting for
        // the next one. An idle queue ends the batch at once: a lone request is not delayed.
        let mut yields = 0;
        while payloads.len() < MAX_BATCH && bytes < MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(job) => {
                    bytes += job.payload.body.len();
                    payloads.push(job.payload);
                    waiters.push(job.done);
                }
                Err(_) if yields < MAX_YIELDS && payloads.len() > 1 => {
                    yields += 1;
                    tokio::task::yield_now().await;
                }
                Err(_) => break,
            }
        }
        match store.insert_payloads(&payloads).await {
            Ok(ids) => {
                count.fetch_add(ids.len() as u64, Ordering::Relaxed);
                for (done, id) in waiters.drain(..).zip(ids) {
                    let _ = done.send(Ok(id));
                }
                stored.notify_one();
            }
            Err(e) => {
                tracing::error!(error = %e, batch = payloads.len(), "could not store webhooks; answering 503 so that Meta redelivers");
                let msg = e.to_string();
                for done in waiters.drain(..) {
                    let _ = done.send(Err(msg.clone()));
                }
            }
        }
        payloads.clear();
        waiters.clear();
    }
}
