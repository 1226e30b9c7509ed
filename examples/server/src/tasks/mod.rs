//! Tasks and leases, on the original's semantics: a task belongs to the
//! replica that created it (`owner_instance`); a worker leases the next
//! queued task for a ttl and may renew it (up to `max_lease_renewals`,
//! within `max_lease_lifetime_seconds`); an expired lease is requeued by the
//! sweeper of the owner's partition, or of its adopter, without consuming
//! an attempt. Requeue and lease release are one fenced transaction.
//!
//! Two stores: PostgreSQL (several hosts; `ASYNCGATE_CLAIM_STORE=postgres`)
//! and an embedded SQLite file (one host, beside the file claim store,
//! which fences it). Both keep an audit of every fenced write
//! (`asyncgate_sweeps`, and each requeue with the epoch it was written
//! under), which the fault test's history checker reads.
//!
//! [`TaskStore`] is what a store does; [`Tasks`] is the handle the server
//! holds (one store, chosen at start-up). One file per store:
//! [`postgres`] and [`sqlite`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{ClaimError, Partition};

#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::PgTasks;
pub use sqlite::SqliteTasks;

/// A granted lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The lease's id (unique across the store, never reused).
    pub lease_id: i64,
    /// The leased task.
    pub task_id: i64,
    /// When it expires, in milliseconds since the Unix epoch (the store's clock).
    pub expires_at_ms: i64,
}

/// What `GET /v1/tasks/{id}` shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TaskView {
    /// The task's id.
    pub task_id: i64,
    /// `queued`, `leased` or `completed`.
    pub status: String,
    /// Attempts consumed: leases granted minus leases that expired.
    pub attempt: i32,
    /// The replica that created it: its partition.
    pub owner_instance: String,
    /// How often an expired lease of it was requeued.
    pub requeues: i32,
}

/// The outcome of a renew.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Renewed {
    /// Renewed until this instant (ms since the Unix epoch).
    Until(i64),
    /// The lease is no longer held (expired, requeued or completed), or
    /// its renewals or lifetime are used up: the reason.
    Refused(&'static str),
}

/// The limits a renew enforces.
#[derive(Clone, Copy, Debug)]
pub struct LeaseLimits {
    /// Longest ttl a worker may ask for.
    pub max_ttl: Duration,
    /// Renewals one lease may have.
    pub max_renewals: u32,
    /// Longest a lease may last, renewals included.
    pub max_lifetime: Duration,
}

/// A task store failure (not a refusal): the store is unreachable, or a
/// fence failed (the claim moved on).
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The partition's claim moved on: the write was refused.
    #[error(transparent)]
    Fenced(ClaimError),
    /// The store failed.
    #[error("task store: {0}")]
    Store(String),
    /// The store refused the request's data (PostgreSQL's data exceptions,
    /// SQLSTATE class 22): a bad request, not a store failure.
    #[error("the task store refused the data: {0}")]
    Refused(String),
}

/// A store call in flight.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, TaskError>> + Send + 'a>>;

/// What a task store does. Every write to a partition is fenced by the
/// partition's claim: a write under an epoch that no longer holds it is
/// [`TaskError::Fenced`].
pub trait TaskStore: Send + Sync + std::fmt::Debug {
    /// Creates a task in `owner`'s partition (a fenced write).
    fn create<'a>(
        &'a self,
        owner: &'a Partition,
        payload: &'a serde_json::Value,
    ) -> Pending<'a, i64>;

    /// Leases the next queued task to `worker` for `ttl`; `None` when the
    /// queue is empty.
    fn lease<'a>(&'a self, worker: &'a str, ttl: Duration) -> Pending<'a, Option<Lease>>;

    /// Renews a held lease for `ttl` more, within `limits`.
    fn renew(&self, lease_id: i64, ttl: Duration, limits: LeaseLimits) -> Pending<'_, Renewed>;

    /// Completes the task of a held lease; `false` when it is no longer held.
    fn complete(&self, lease_id: i64) -> Pending<'_, bool>;

    /// One task, if it exists.
    fn get(&self, task_id: i64) -> Pending<'_, Option<TaskView>>;

    /// Requeues the expired leases of `partition`'s tasks, fenced by its
    /// claim; returns how many were requeued.
    fn sweep<'a>(
        &'a self,
        partition: &'a Partition,
        swept_by: &'a InstanceId,
        grace: Duration,
    ) -> Pending<'a, u64>;

    /// Owners other than `except` whose tasks have expired leases: the
    /// partitions a sweeper of theirs should have emptied (adoption
    /// candidates).
    fn owners_with_expired_leases<'a>(
        &'a self,
        except: &'a [&'a str],
        grace: Duration,
    ) -> Pending<'a, Vec<String>>;

    /// Starts writing to an adopted `partition` at its epoch: a store that
    /// fences against its own record of epochs records it, so that its
    /// fence refuses the dead holder's lower one.
    fn enter<'a>(&'a self, partition: &'a Partition) -> Pending<'a, ()>;

    /// Whether `owner` still has leased tasks (an adopted partition is
    /// released once it has none).
    fn has_leased<'a>(&'a self, owner: &'a str) -> Pending<'a, bool>;
}

/// The server's task store: one [`TaskStore`], shared by every handler
/// and sweeper (cloning shares it).
#[derive(Clone, Debug)]
pub struct Tasks(Arc<dyn TaskStore>);

impl Tasks {
    /// Shares `store`.
    pub fn new(store: impl TaskStore + 'static) -> Tasks {
        Tasks(Arc::new(store))
    }
}

impl std::ops::Deref for Tasks {
    type Target = dyn TaskStore;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// Why a renew is refused, if it is.
pub(crate) fn renew_verdict(
    live: bool,
    renewals: i32,
    too_old: bool,
    limits: LeaseLimits,
) -> Option<&'static str> {
    if !live {
        Some("the lease has expired")
    } else if u32::try_from(renewals).unwrap_or(u32::MAX) >= limits.max_renewals {
        Some("the lease has had max_lease_renewals renewals")
    } else if too_old {
        Some("the lease has reached max_lease_lifetime_seconds")
    } else {
        None
    }
}
