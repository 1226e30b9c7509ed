//! Instance claims: at start-up a replica claims its instance id in a
//! shared store, and a second live claimant is refused with who holds it.
//!
//! Validation cannot see two live replicas configured with the same id;
//! a claim can. Only a [`Validated<T>`] can be claimed, and a [`Claimed<T>`]
//! can only come out of [`Validated::claim`].

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::time::SystemTime;

mod container;
mod file;
#[cfg(feature = "postgres")]
mod postgres;
mod signal;

pub use container::{ContainerProbe, PrivateClaimDir};
pub use file::FileStore;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
pub use signal::{ClaimSignal, ClaimWatch};

use crate::instance_id::InstanceId;
use crate::typestate::Validated;

/// A boxed, sendable future, as returned by [`ClaimStore`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who holds a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// The holder's hostname.
    pub host: String,
    /// The holder's process id.
    pub pid: u32,
    /// When it acquired the claim.
    pub since: SystemTime,
}

impl Holder {
    /// This process, now.
    pub fn current() -> Self {
        Holder {
            host: hostname::get().map_or_else(
                |_| "unknown-host".to_owned(),
                |h| h.to_string_lossy().into_owned(),
            ),
            pid: std::process::id(),
            since: SystemTime::now(),
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} on {} since {}",
            self.pid,
            self.host,
            humantime::format_rfc3339_seconds(self.since)
        )
    }
}

/// Why a claim could not be made or kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimError {
    /// Another live replica holds the id.
    #[error(
        "instance_id '{id}' is already claimed by {} (epoch {epoch}): another live replica is using this id",
        holder.as_ref().map_or_else(|| "another process".to_owned(), ToString::to_string)
    )]
    Held {
        /// The contested id.
        id: InstanceId,
        /// The live holder, when its record could be read.
        holder: Option<Holder>,
        /// The holder's fencing epoch.
        epoch: u64,
    },
    /// A claim that was held is gone (expired, taken over or unrenewable).
    #[error("the claim on instance_id '{id}' was lost: {reason}")]
    Lost {
        /// The id.
        id: InstanceId,
        /// What happened.
        reason: String,
    },
    /// The store could not be reached or used.
    #[error("claim store {store}: {reason}")]
    Store {
        /// Which store, e.g. `file store /run/asyncgate-claims`.
        store: String,
        /// What went wrong.
        reason: String,
        /// The error underneath, when there is one (an [`std::io::Error`],
        /// a `tokio_postgres::Error`): [`std::error::Error::source`]
        /// returns it, so callers can match its `ErrorKind` or SQLSTATE.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl ClaimError {
    /// A store failure with no error underneath it.
    pub fn store(store: impl Into<String>, reason: impl Into<String>) -> ClaimError {
        ClaimError::Store {
            store: store.into(),
            reason: reason.into(),
            source: None,
        }
    }

    /// A store failure caused by `source`, which the reason describes.
    pub fn store_caused_by(
        store: impl Into<String>,
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> ClaimError {
        ClaimError::Store {
            store: store.into(),
            reason: reason.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// How much of a holder's record a store could check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trust {
    /// Checked: a PostgreSQL row written under the store's access control,
    /// or a file-store holder whose pid runs on this host.
    Verified,
    /// Written by the holder and not checkable here; says why.
    AsRecorded(String),
    /// The record does not parse: forged or corrupt.
    Unreadable,
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trust::Verified => f.write_str("verified"),
            Trust::AsRecorded(why) => write!(f, "as recorded, not verified: {why}"),
            Trust::Unreadable => f.write_str("the record is unreadable (forged or corrupt)"),
        }
    }
}

/// One claim as listed by [`ClaimStore::list`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimInfo {
    /// The claimed id.
    pub instance_id: String,
    /// The last holder, when recorded.
    pub holder: Option<Holder>,
    /// The last fencing epoch.
    pub epoch: u64,
    /// Whether a live process holds it now.
    pub live: bool,
    /// What of the holder's record could be checked.
    pub trust: Trust,
    /// When a live replica adopted the partition of a dead holder: its id.
    pub adopted_by: Option<String>,
}

/// A lease partition: the tasks owned by one instance id, written only
/// under the claim that holds it.
///
/// A replica owns the partition named by its id ([`Claimed::partition`])
/// and may adopt a dead replica's (`PgStore::adopt`). Every partition write
/// carries the pair as a fence (`PgStore::fence`): once a successor or the
/// original holder has taken the claim at a later epoch, the write fails.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Partition {
    /// The instance id that names it.
    pub id: InstanceId,
    /// The epoch of the claim this process holds on it.
    pub epoch: u64,
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (epoch {})", self.id, self.epoch)
    }
}

/// The partition of a dead replica, adopted by this one: swept like its
/// own until it is empty ([`Adopted::release`]), or until the claim moves on
/// (the original id started again and took it back: [`Adopted::watch`]).
#[derive(Debug)]
pub struct Adopted {
    partition: Partition,
    held: Box<dyn HeldClaim>,
}

impl Adopted {
    /// Wraps a claim taken on a dead replica's id (for stores).
    pub fn new(id: InstanceId, held: Box<dyn HeldClaim>) -> Self {
        Adopted {
            partition: Partition {
                id,
                epoch: held.epoch(),
            },
            held,
        }
    }
    /// The adopted partition, with the epoch this process holds it at.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }
    /// Learns when the adoption ends: its claim was taken back or lost.
    pub fn watch(&self) -> ClaimWatch {
        self.held.watch()
    }
    /// Whether partition writes must wait: the claim's renew connection is
    /// down and no renew on a new one has yet proved it still held.
    pub fn is_paused(&self) -> bool {
        self.held.paused()
    }
    /// Gives the partition back (it is empty): its claim ends now.
    pub async fn release(self) -> Result<(), ClaimError> {
        self.held.release().await
    }
}

/// A claim held in a store. Dropping it releases it (the process exiting
/// releases it too); [`HeldClaim::release`] does so gracefully.
pub trait HeldClaim: Send + Sync + fmt::Debug {
    /// The fencing token: larger than every earlier holder's.
    fn epoch(&self) -> u64;
    /// Learns when the claim is lost.
    fn watch(&self) -> ClaimWatch;
    /// Whether partition writes must wait: the store cannot currently
    /// prove the claim is still held (its renew connection is down).
    fn paused(&self) -> bool {
        false
    }
    /// Gives the claim up so that a successor can take it at once.
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), ClaimError>>;
}

/// A store in which instance ids are claimed.
pub trait ClaimStore: Send + Sync {
    /// Claims `id` for this process, or says who holds it.
    fn acquire<'a>(
        &'a self,
        id: &'a InstanceId,
    ) -> BoxFuture<'a, Result<Box<dyn HeldClaim>, ClaimError>>;
    /// Every claim the store knows, live or not.
    fn list(&self) -> BoxFuture<'_, Result<Vec<ClaimInfo>, ClaimError>>;
    /// A short description for logs, e.g. `file store /tmp/asyncgate-claims`.
    fn describe(&self) -> String;
}

impl<T> Validated<T> {
    /// Claims the validated instance id in `store`. Fails with
    /// [`ClaimError::Held`] when another live replica holds it.
    pub async fn claim(self, store: &dyn ClaimStore) -> Result<Claimed<T>, ClaimError> {
        let held = store.acquire(self.resolution().instance_id()).await?;
        tracing::info!(
            target: "asyncgate_config",
            "Claimed instance ID: {} (epoch {}, {})",
            self.resolution().instance_id(),
            held.epoch(),
            store.describe()
        );
        Ok(Claimed {
            validated: self,
            held,
        })
    }
}

/// Validated settings whose instance id this process holds a claim on.
///
/// Only [`Validated::claim`] makes one. It derefs to the settings.
#[must_use = "dropping a Claimed releases the claim"]
pub struct Claimed<T> {
    validated: Validated<T>,
    held: Box<dyn HeldClaim>,
}

impl<T> Claimed<T> {
    /// The fencing epoch: partition writes carry it so a stale holder's
    /// writes can be refused.
    pub fn epoch(&self) -> u64 {
        self.held.epoch()
    }

    /// Learns when the claim is lost: stop partition work then.
    pub fn watch(&self) -> ClaimWatch {
        self.held.watch()
    }

    /// The partition this replica owns: its id at its claim's epoch, the
    /// fence every partition write carries.
    pub fn partition(&self) -> Partition {
        Partition {
            id: self.validated.resolution().instance_id().clone(),
            epoch: self.epoch(),
        }
    }

    /// Whether partition work must pause: the store cannot currently prove
    /// the claim is still held (with PostgreSQL, the renew connection is
    /// down); it resumes once a renew on a new connection succeeds.
    pub fn is_paused(&self) -> bool {
        self.held.paused()
    }

    /// The validated settings.
    pub fn validated(&self) -> &Validated<T> {
        &self.validated
    }

    /// Releases the claim gracefully and gives back the settings.
    pub async fn release(self) -> Result<Validated<T>, ClaimError> {
        self.held.release().await?;
        Ok(self.validated)
    }
}

impl<T> Deref for Claimed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.validated
    }
}

/// The claim and the settings as `check` shows them (never `T`'s own
/// `Debug`, which could print a password).
impl<T> fmt::Debug for Claimed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claimed")
            .field("epoch", &self.epoch())
            .field("validated", &self.validated)
            .finish()
    }
}

/// Settings that say which store their instance id is claimed in: what a
/// service implements so that `claims` (feature `cli`) lists its store.
pub trait ClaimConfig {
    /// Opens the claim store these settings configure.
    fn claim_store(&self) -> BoxFuture<'_, Result<Box<dyn ClaimStore>, ClaimError>>;
}

/// Runs a store's future to completion on a current-thread runtime (for
/// synchronous callers such as the `claims` command).
#[cfg(feature = "cli")]
pub(crate) fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(future))
}

/// One line per claim: id, epoch, whether live, holder.
pub fn table(claims: &[ClaimInfo]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("INSTANCE ID                      EPOCH  LIVE  HOLDER\n");
    for c in claims {
        let holder = c
            .holder
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string);
        let holder = match &c.trust {
            Trust::Verified => holder,
            other => format!("{holder} ({other})"),
        };
        let holder = match &c.adopted_by {
            Some(adopter) => format!("{holder}, adopted by {adopter}"),
            None => holder,
        };
        // Records are read from files and rows that could have been forged:
        // no control character reaches the operator's terminal.
        let _ = writeln!(
            out,
            "{:32} {:>5}  {:4}  {}",
            crate::text::printable(&c.instance_id),
            c.epoch,
            if c.live { "yes" } else { "no" },
            crate::text::printable(&holder)
        );
    }
    out
}
