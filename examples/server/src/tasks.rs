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

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgate_config::InstanceId;
#[cfg(feature = "postgres")]
use asyncgate_config::claim::PgStore;
use asyncgate_config::claim::{ClaimError, Partition};

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

/// A fence that refused (the claim moved on) is `Fenced`; a fence query
/// that could not run (the database restarting) is a store failure, to retry.
#[cfg(feature = "postgres")]
fn fence_error(e: ClaimError) -> TaskError {
    match e {
        lost @ ClaimError::Lost { .. } => TaskError::Fenced(lost),
        other => TaskError::Store(other.to_string()),
    }
}

/// Requeues per sweep transaction, at most: a sweep of many expired leases
/// is several short transactions, not one long one.
#[cfg(feature = "postgres")]
const SWEEP_BATCH: i64 = 1000;

/// The store of tasks and leases.
#[derive(Clone)]
pub enum Tasks {
    /// PostgreSQL, shared by every host.
    #[cfg(feature = "postgres")]
    Postgres(Arc<PgTasks>),
    /// An embedded SQLite file, shared by the replicas of one host.
    Local(Arc<LocalTasks>),
}

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(_) => f.write_str("Tasks::Postgres"),
            Tasks::Local(local) => write!(f, "Tasks::Local({})", local.path.display()),
        }
    }
}

impl Tasks {
    /// Creates a task in `owner`'s partition (a fenced write).
    pub async fn create(
        &self,
        owner: &Partition,
        payload: &serde_json::Value,
    ) -> Result<i64, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.create(owner, payload).await,
            Tasks::Local(local) => {
                let (local, owner, payload) =
                    (Arc::clone(local), owner.clone(), payload.to_string());
                blocking(move || local.create(&owner, &payload)).await
            }
        }
    }

    /// Leases the next queued task to `worker` for `ttl`; `None` when the
    /// queue is empty.
    pub async fn lease(&self, worker: &str, ttl: Duration) -> Result<Option<Lease>, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.lease(worker, ttl).await,
            Tasks::Local(local) => {
                let (local, worker) = (Arc::clone(local), worker.to_owned());
                blocking(move || local.lease(&worker, ttl)).await
            }
        }
    }

    /// Renews a held lease for `ttl` more, within `limits`.
    pub async fn renew(
        &self,
        lease_id: i64,
        ttl: Duration,
        limits: LeaseLimits,
    ) -> Result<Renewed, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.renew(lease_id, ttl, limits).await,
            Tasks::Local(local) => {
                let local = Arc::clone(local);
                blocking(move || local.renew(lease_id, ttl, limits)).await
            }
        }
    }

    /// Completes the task of a held lease; `false` when it is no longer held.
    pub async fn complete(&self, lease_id: i64) -> Result<bool, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.complete(lease_id).await,
            Tasks::Local(local) => {
                let local = Arc::clone(local);
                blocking(move || local.complete(lease_id)).await
            }
        }
    }

    /// One task, if it exists.
    pub async fn get(&self, task_id: i64) -> Result<Option<TaskView>, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.get(task_id).await,
            Tasks::Local(local) => {
                let local = Arc::clone(local);
                blocking(move || local.get(task_id)).await
            }
        }
    }

    /// Requeues the expired leases of `partition`'s tasks, fenced by its
    /// claim, in batches; returns how many were requeued.
    pub async fn sweep(
        &self,
        partition: &Partition,
        swept_by: &InstanceId,
        grace: Duration,
    ) -> Result<u64, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.sweep(partition, swept_by, grace).await,
            Tasks::Local(local) => {
                let (local, partition, by) =
                    (Arc::clone(local), partition.clone(), swept_by.clone());
                blocking(move || local.sweep(&partition, &by, grace)).await
            }
        }
    }

    /// Owners other than `except` whose tasks have expired leases: the
    /// partitions a sweeper of theirs should have emptied (adoption
    /// candidates).
    pub async fn owners_with_expired_leases(
        &self,
        except: &[&str],
        grace: Duration,
    ) -> Result<Vec<String>, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.owners_with_expired_leases(except, grace).await,
            Tasks::Local(local) => {
                let local = Arc::clone(local);
                let except: Vec<String> = except.iter().map(|s| (*s).to_owned()).collect();
                blocking(move || local.owners_with_expired_leases(&except, grace)).await
            }
        }
    }

    /// Starts writing to an adopted `partition` at its epoch. The embedded
    /// store records the epoch, so that its fence refuses the dead holder's
    /// lower one; PostgreSQL fences against the claim table itself.
    pub async fn enter(&self, partition: &Partition) -> Result<(), TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(_) => Ok(()),
            Tasks::Local(local) => {
                let (local, partition) = (Arc::clone(local), partition.clone());
                blocking(move || local.enter(&partition)).await
            }
        }
    }

    /// Whether `owner` still has leased tasks (an adopted partition is
    /// released once it has none).
    pub async fn has_leased(&self, owner: &str) -> Result<bool, TaskError> {
        match self {
            #[cfg(feature = "postgres")]
            Tasks::Postgres(pg) => pg.has_leased(owner).await,
            Tasks::Local(local) => {
                let (local, owner) = (Arc::clone(local), owner.to_owned());
                blocking(move || local.has_leased(&owner)).await
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, TaskError> + Send + 'static,
) -> Result<T, TaskError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| TaskError::Store(format!("task store worker: {e}")))?
}

#[cfg(feature = "postgres")]
fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

// ---------------------------------------------------------------- PostgreSQL

/// Tasks, leases and the sweep audit in PostgreSQL.
#[cfg(feature = "postgres")]
pub const PG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgate_sweeps (
    id          bigserial   PRIMARY KEY,
    instance_id text        NOT NULL,
    epoch       bigint      NOT NULL,
    writer_pid  integer     NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE SEQUENCE IF NOT EXISTS asyncgate_lease_ids;
CREATE TABLE IF NOT EXISTS asyncgate_tasks (
    task_id          bigserial   PRIMARY KEY,
    owner_instance   text        NOT NULL,
    created_epoch    bigint      NOT NULL,
    payload          jsonb       NOT NULL,
    status           text        NOT NULL DEFAULT 'queued',
    attempt          integer     NOT NULL DEFAULT 0,
    requeues         integer     NOT NULL DEFAULT 0,
    lease_id         bigint,
    worker_id        text,
    lease_started_at timestamptz,
    lease_expires_at timestamptz,
    lease_renewals   integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    completed_at     timestamptz
);
CREATE INDEX IF NOT EXISTS asyncgate_tasks_queued ON asyncgate_tasks (task_id) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS asyncgate_tasks_leased ON asyncgate_tasks (owner_instance, lease_expires_at) WHERE status = 'leased';
CREATE UNIQUE INDEX IF NOT EXISTS asyncgate_tasks_lease ON asyncgate_tasks (lease_id);
CREATE TABLE IF NOT EXISTS asyncgate_requeues (
    id               bigserial   PRIMARY KEY,
    lease_id         bigint      NOT NULL,
    task_id          bigint      NOT NULL,
    partition        text        NOT NULL,
    epoch            bigint      NOT NULL,
    swept_by         text        NOT NULL,
    lease_expired_at timestamptz NOT NULL,
    requeued_at      timestamptz NOT NULL DEFAULT clock_timestamp()
)";

#[cfg(feature = "postgres")]
const PG_LEASE: &str = "
UPDATE asyncgate_tasks
   SET status = 'leased', lease_id = nextval('asyncgate_lease_ids'), worker_id = $1,
       lease_started_at = now(), lease_expires_at = now() + make_interval(secs => $2),
       lease_renewals = 0, attempt = attempt + 1
 WHERE task_id = (SELECT task_id FROM asyncgate_tasks WHERE status = 'queued'
                   ORDER BY task_id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING lease_id, task_id, (extract(epoch FROM lease_expires_at) * 1000)::bigint";

#[cfg(feature = "postgres")]
const PG_SWEEP: &str = "
WITH expired AS (
    SELECT task_id, lease_id, lease_expires_at FROM asyncgate_tasks
     WHERE owner_instance = $1 AND status = 'leased'
       AND lease_expires_at + make_interval(secs => $4) <= now()
     ORDER BY task_id LIMIT $5 FOR UPDATE SKIP LOCKED
), requeued AS (
    UPDATE asyncgate_tasks t
       SET status = 'queued', lease_id = NULL, worker_id = NULL, lease_started_at = NULL,
           lease_expires_at = NULL, lease_renewals = 0,
           attempt = t.attempt - 1, requeues = t.requeues + 1
      FROM expired e WHERE t.task_id = e.task_id
    RETURNING e.task_id, e.lease_id, e.lease_expires_at
)
INSERT INTO asyncgate_requeues (lease_id, task_id, partition, epoch, swept_by, lease_expired_at)
SELECT lease_id, task_id, $1, $2, $3, lease_expires_at FROM requeued";

/// The PostgreSQL task store; fenced writes go through [`PgStore::fence`].
#[cfg(feature = "postgres")]
pub struct PgTasks {
    store: PgStore,
    client: tokio::sync::Mutex<Option<tokio_postgres::Client>>,
}

#[cfg(feature = "postgres")]
impl std::fmt::Debug for PgTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PgTasks({})",
            asyncgate_config::claim::ClaimStore::describe(&self.store)
        )
    }
}

#[cfg(feature = "postgres")]
fn pg_error(e: &tokio_postgres::Error) -> TaskError {
    match e.as_db_error() {
        // A data exception is about what was sent, not about the store.
        Some(db) if db.code().code().starts_with("22") => {
            TaskError::Refused(format!("{} ({})", db.message(), db.code().code()))
        }
        Some(db) => TaskError::Store(format!("{} ({})", db.message(), db.code().code())),
        None => TaskError::Store(e.to_string()),
    }
}

#[cfg(feature = "postgres")]
impl PgTasks {
    /// Creates the schema (serialised across replicas) and opens the store.
    pub async fn open(store: &PgStore) -> Result<PgTasks, TaskError> {
        let within = store.call_deadline();
        let mut client = store
            .client()
            .await
            .map_err(|e| TaskError::Store(e.to_string()))?;
        tokio::time::timeout(within, async {
            let tx = client.transaction().await.map_err(|e| pg_error(&e))?;
            tx.execute("SELECT pg_advisory_xact_lock(74657373)", &[])
                .await
                .map_err(|e| pg_error(&e))?;
            tx.batch_execute(PG_SCHEMA)
                .await
                .map_err(|e| pg_error(&e))?;
            tx.commit().await.map_err(|e| pg_error(&e))
        })
        .await
        .map_err(|_| TaskError::Store(format!("creating the schema took over {within:?}")))??;
        Ok(PgTasks {
            store: store.clone(),
            client: tokio::sync::Mutex::new(Some(client)),
        })
    }

    /// Runs `f` on the shared connection (reconnecting if it closed),
    /// within the store's call deadline.
    async fn with<T>(
        &self,
        f: impl for<'c> FnOnce(
            &'c mut tokio_postgres::Client,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, TaskError>> + Send + 'c>,
        >,
    ) -> Result<T, TaskError> {
        let deadline = self.store.call_deadline();
        let mut guard = tokio::time::timeout(deadline, self.client.lock())
            .await
            .map_err(|_| TaskError::Store("the task store is busy".to_owned()))?;
        if guard.as_ref().is_none_or(tokio_postgres::Client::is_closed) {
            *guard = Some(
                tokio::time::timeout(deadline, self.store.client())
                    .await
                    .map_err(|_| TaskError::Store("cannot connect in time".to_owned()))?
                    .map_err(|e| TaskError::Store(e.to_string()))?,
            );
        }
        let Some(client) = guard.as_mut() else {
            return Err(TaskError::Store("no connection".to_owned()));
        };
        let result = tokio::time::timeout(deadline, f(client))
            .await
            .map_err(|_| TaskError::Store(format!("no answer within {deadline:?}")));
        // A timed-out call, or a failed one, may leave the session
        // mid-transaction: a new one is opened next time. A refused request
        // (its transaction rolled back when dropped) or a fenced write
        // leaves the session as it was: no input drops the connection.
        if matches!(result, Err(_) | Ok(Err(TaskError::Store(_)))) {
            *guard = None;
        }
        result?
    }

    async fn create(
        &self,
        owner: &Partition,
        payload: &serde_json::Value,
    ) -> Result<i64, TaskError> {
        let (owner, payload) = (owner.clone(), payload.clone());
        self.with(move |c| {
            Box::pin(async move {
                let tx = c.transaction().await.map_err(|e| pg_error(&e))?;
                PgStore::fence(&tx, &owner.id, owner.epoch).await.map_err(fence_error)?;
                let epoch = i64::try_from(owner.epoch).unwrap_or(i64::MAX);
                let row = tx
                    .query_one(
                        "INSERT INTO asyncgate_tasks (owner_instance, created_epoch, payload) VALUES ($1, $2, $3::text::jsonb) RETURNING task_id",
                        &[&owner.id.as_str(), &epoch, &payload.to_string()],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?;
                tx.commit().await.map_err(|e| pg_error(&e))?;
                Ok(row.get(0))
            })
        })
        .await
    }

    async fn lease(&self, worker: &str, ttl: Duration) -> Result<Option<Lease>, TaskError> {
        let worker = worker.to_owned();
        self.with(move |c| {
            Box::pin(async move {
                let row = c
                    .query_opt(PG_LEASE, &[&worker, &secs(ttl)])
                    .await
                    .map_err(|e| pg_error(&e))?;
                Ok(row.map(|r| Lease {
                    lease_id: r.get(0),
                    task_id: r.get(1),
                    expires_at_ms: r.get(2),
                }))
            })
        })
        .await
    }

    async fn renew(
        &self,
        lease_id: i64,
        ttl: Duration,
        limits: LeaseLimits,
    ) -> Result<Renewed, TaskError> {
        self.with(move |c| {
            Box::pin(async move {
                let tx = c.transaction().await.map_err(|e| pg_error(&e))?;
                let Some(row) = tx
                    .query_opt(
                        "SELECT lease_expires_at > now(), lease_renewals, now() >= lease_started_at + make_interval(secs => $2)
                           FROM asyncgate_tasks WHERE lease_id = $1 AND status = 'leased' FOR UPDATE",
                        &[&lease_id, &secs(limits.max_lifetime)],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?
                else {
                    return Ok(Renewed::Refused("the lease is no longer held"));
                };
                let (live, renewals, too_old): (bool, i32, bool) = (row.get(0), row.get(1), row.get(2));
                let verdict = renew_verdict(live, renewals, too_old, limits);
                if let Some(refused) = verdict {
                    return Ok(Renewed::Refused(refused));
                }
                let row = tx
                    .query_one(
                        "UPDATE asyncgate_tasks
                            SET lease_expires_at = LEAST(now() + make_interval(secs => $2), lease_started_at + make_interval(secs => $3)),
                                lease_renewals = lease_renewals + 1
                          WHERE lease_id = $1
                      RETURNING (extract(epoch FROM lease_expires_at) * 1000)::bigint",
                        &[&lease_id, &secs(ttl), &secs(limits.max_lifetime)],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?;
                tx.commit().await.map_err(|e| pg_error(&e))?;
                Ok(Renewed::Until(row.get(0)))
            })
        })
        .await
    }

    async fn complete(&self, lease_id: i64) -> Result<bool, TaskError> {
        self.with(move |c| {
            Box::pin(async move {
                let n = c
                    .execute(
                        "UPDATE asyncgate_tasks SET status = 'completed', completed_at = clock_timestamp()
                          WHERE lease_id = $1 AND status = 'leased' AND lease_expires_at > now()",
                        &[&lease_id],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?;
                Ok(n == 1)
            })
        })
        .await
    }

    async fn get(&self, task_id: i64) -> Result<Option<TaskView>, TaskError> {
        self.with(move |c| {
            Box::pin(async move {
                let row = c
                    .query_opt(
                        "SELECT task_id, status, attempt, owner_instance, requeues FROM asyncgate_tasks WHERE task_id = $1",
                        &[&task_id],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?;
                Ok(row.map(|r| TaskView {
                    task_id: r.get(0),
                    status: r.get(1),
                    attempt: r.get(2),
                    owner_instance: r.get(3),
                    requeues: r.get(4),
                }))
            })
        })
        .await
    }

    async fn sweep(
        &self,
        partition: &Partition,
        swept_by: &InstanceId,
        grace: Duration,
    ) -> Result<u64, TaskError> {
        let mut total = 0;
        loop {
            let (partition, by) = (partition.clone(), swept_by.clone());
            let n = self
                .with(move |c| {
                    Box::pin(async move {
                        let tx = c.transaction().await.map_err(|e| pg_error(&e))?;
                        PgStore::fence(&tx, &partition.id, partition.epoch)
                            .await
                            .map_err(fence_error)?;
                        let epoch = i64::try_from(partition.epoch).unwrap_or(i64::MAX);
                        let pid = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
                        tx.execute(
                            "INSERT INTO asyncgate_sweeps (instance_id, epoch, writer_pid) VALUES ($1, $2, $3)",
                            &[&partition.id.as_str(), &epoch, &pid],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?;
                        let n = tx
                            .execute(
                                PG_SWEEP,
                                &[&partition.id.as_str(), &epoch, &by.as_str(), &secs(grace), &SWEEP_BATCH],
                            )
                            .await
                            .map_err(|e| pg_error(&e))?;
                        tx.commit().await.map_err(|e| pg_error(&e))?;
                        Ok(n)
                    })
                })
                .await?;
            total += n;
            if i64::try_from(n).unwrap_or(i64::MAX) < SWEEP_BATCH {
                return Ok(total);
            }
        }
    }

    async fn owners_with_expired_leases(
        &self,
        except: &[&str],
        grace: Duration,
    ) -> Result<Vec<String>, TaskError> {
        let except: Vec<String> = except.iter().map(|s| (*s).to_owned()).collect();
        self.with(move |c| {
            Box::pin(async move {
                let rows = c
                    .query(
                        "SELECT DISTINCT owner_instance FROM asyncgate_tasks
                          WHERE status = 'leased' AND lease_expires_at + make_interval(secs => $2) <= now()
                            AND NOT (owner_instance = ANY($1))",
                        &[&except, &secs(grace)],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?;
                Ok(rows.iter().map(|r| r.get(0)).collect())
            })
        })
        .await
    }

    async fn has_leased(&self, owner: &str) -> Result<bool, TaskError> {
        let owner = owner.to_owned();
        self.with(move |c| {
            Box::pin(async move {
                let row = c
                    .query_one(
                        "SELECT EXISTS (SELECT 1 FROM asyncgate_tasks WHERE owner_instance = $1 AND status = 'leased')",
                        &[&owner],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?;
                Ok(row.get(0))
            })
        })
        .await
    }
}

/// Why a renew is refused, if it is.
fn renew_verdict(
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

// ---------------------------------------------------------------- SQLite

const LOCAL_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgate_partitions (
    instance_id TEXT PRIMARY KEY,
    epoch       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS asyncgate_sweeps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT    NOT NULL,
    epoch       INTEGER NOT NULL,
    writer_pid  INTEGER NOT NULL,
    written_ms  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS asyncgate_lease_ids (id INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS asyncgate_tasks (
    task_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_instance   TEXT    NOT NULL,
    created_epoch    INTEGER NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'queued',
    attempt          INTEGER NOT NULL DEFAULT 0,
    requeues         INTEGER NOT NULL DEFAULT 0,
    lease_id         INTEGER UNIQUE,
    worker_id        TEXT,
    lease_started_ms INTEGER,
    lease_expires_ms INTEGER,
    lease_renewals   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS asyncgate_tasks_status ON asyncgate_tasks (status, task_id);
CREATE TABLE IF NOT EXISTS asyncgate_requeues (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_id         INTEGER NOT NULL,
    task_id          INTEGER NOT NULL,
    partition        TEXT    NOT NULL,
    epoch            INTEGER NOT NULL,
    swept_by         TEXT    NOT NULL,
    lease_expired_ms INTEGER NOT NULL,
    requeued_ms      INTEGER NOT NULL
);";

/// The embedded task store: one SQLite file that the replicas of a host
/// share. A partition write checks, in the same transaction, that the
/// partition's recorded epoch is the writer's; a replica records its epoch
/// (from the file claim store, which only grows) when it claims its id.
pub struct LocalTasks {
    path: std::path::PathBuf,
    conn: Mutex<rusqlite::Connection>,
}

impl std::fmt::Debug for LocalTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalTasks({})", self.path.display())
    }
}

fn sqlite_error(e: &rusqlite::Error) -> TaskError {
    TaskError::Store(format!("sqlite: {e}"))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Records that `partition` is held at its epoch: the fence then refuses
/// every lower one (epochs only grow).
/// How long opening the embedded store may wait for the replicas that
/// open it at the same moment.
const LOCAL_OPEN_DEADLINE: Duration = Duration::from_secs(5);

/// Switches the store to WAL and creates its schema, when several
/// replicas of a host may be doing the same at the same moment. The switch
/// to WAL takes an exclusive lock and can fail with `SQLITE_BUSY` without
/// waiting; the schema is one `BEGIN IMMEDIATE` transaction (one writer at
/// a time, waiting on the busy timeout). Both are retried until
/// [`LOCAL_OPEN_DEADLINE`], with a jittered pause.
fn create_local_schema(conn: &rusqlite::Connection) -> Result<(), TaskError> {
    let deadline = std::time::Instant::now() + LOCAL_OPEN_DEADLINE;
    let mut attempt: u64 = 0;
    loop {
        let created = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| {
                row.get::<_, String>(0)
            })
            .and_then(|_| conn.execute_batch(&format!("BEGIN IMMEDIATE;{LOCAL_SCHEMA}COMMIT;")));
        match created {
            Ok(()) => return Ok(()),
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                let _ = conn.execute_batch("ROLLBACK");
                attempt += 1;
                // 5 to 25 ms, spread by process so that racers part.
                let jitter = (u64::from(std::process::id()) + attempt * 7) % 20;
                std::thread::sleep(Duration::from_millis(5 + jitter));
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(TaskError::Store(format!(
                    "creating the schema of the embedded store failed within {LOCAL_OPEN_DEADLINE:?}: {e}"
                )));
            }
        }
    }
}

/// `SQLITE_BUSY` or `SQLITE_LOCKED`: another connection holds the lock.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn record_epoch(conn: &rusqlite::Connection, partition: &Partition) -> Result<(), TaskError> {
    let epoch = i64::try_from(partition.epoch).unwrap_or(i64::MAX);
    conn.execute(
        "INSERT INTO asyncgate_partitions (instance_id, epoch) VALUES (?1, ?2)
         ON CONFLICT (instance_id) DO UPDATE SET epoch = max(epoch, excluded.epoch)",
        rusqlite::params![partition.id.as_str(), epoch],
    )
    .map(drop)
    .map_err(|e| sqlite_error(&e))
}

/// Creates the database file readable by its owner only (0600), or checks
/// that an existing one is: SQLite gives its `-wal` and `-shm` files the
/// database file's mode, and the payloads are the service's data.
fn private_file(path: &Path) -> Result<(), TaskError> {
    let refused = |why: String| {
        TaskError::Store(format!(
            "cannot open the task store {}: it {why}",
            path.display()
        ))
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let meta = std::fs::symlink_metadata(path).map_err(|e| refused(e.to_string()))?;
                if !meta.is_file() {
                    return Err(refused("is not a regular file".to_owned()));
                }
                let mode = meta.mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(refused(format!(
                        "can be read or written by other users (mode {mode:04o}): run `chmod 600 {}` (and its -wal and -shm files)",
                        path.display()
                    )));
                }
            }
            Err(e) => return Err(refused(format!("cannot be created: {e}"))),
        }
    }
    #[cfg(not(unix))]
    let _ = refused;
    Ok(())
}

impl LocalTasks {
    /// Opens (creating) the store at `path` and records `owner`'s epoch.
    pub fn open(path: &Path, owner: &Partition) -> Result<LocalTasks, TaskError> {
        private_file(path)?;
        let conn = rusqlite::Connection::open(path).map_err(|e| {
            TaskError::Store(format!(
                "cannot open the task store {}: {e}",
                path.display()
            ))
        })?;
        // Every wait on another replica's write has a deadline.
        conn.busy_timeout(LOCAL_OPEN_DEADLINE)
            .map_err(|e| sqlite_error(&e))?;
        create_local_schema(&conn)?;
        record_epoch(&conn, owner)?;
        Ok(LocalTasks {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        })
    }

    fn enter(&self, partition: &Partition) -> Result<(), TaskError> {
        self.with(|conn| record_epoch(conn, partition))
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, TaskError>,
    ) -> Result<T, TaskError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| TaskError::Store("the task store's lock is poisoned".to_owned()))?;
        f(&mut conn)
    }

    fn fence(tx: &rusqlite::Transaction<'_>, partition: &Partition) -> Result<(), TaskError> {
        let recorded: Option<i64> = tx
            .query_row(
                "SELECT epoch FROM asyncgate_partitions WHERE instance_id = ?1",
                [partition.id.as_str()],
                |r| r.get(0),
            )
            .ok();
        if recorded == i64::try_from(partition.epoch).ok() {
            Ok(())
        } else {
            Err(TaskError::Fenced(ClaimError::Lost {
                id: partition.id.clone(),
                reason: format!(
                    "epoch {} no longer holds the partition (recorded: {recorded:?})",
                    partition.epoch
                ),
            }))
        }
    }

    fn create(&self, owner: &Partition, payload: &str) -> Result<i64, TaskError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| sqlite_error(&e))?;
            Self::fence(&tx, owner)?;
            tx.execute(
                "INSERT INTO asyncgate_tasks (owner_instance, created_epoch, payload) VALUES (?1, ?2, ?3)",
                rusqlite::params![owner.id.as_str(), i64::try_from(owner.epoch).unwrap_or(i64::MAX), payload],
            )
            .map_err(|e| sqlite_error(&e))?;
            let id = tx.last_insert_rowid();
            tx.commit().map_err(|e| sqlite_error(&e))?;
            Ok(id)
        })
    }

    fn lease(&self, worker: &str, ttl: Duration) -> Result<Option<Lease>, TaskError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| sqlite_error(&e))?;
            let task: Option<i64> = tx
                .query_row(
                    "SELECT task_id FROM asyncgate_tasks WHERE status = 'queued' ORDER BY task_id LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .ok();
            let Some(task_id) = task else {
                return Ok(None);
            };
            tx.execute("INSERT INTO asyncgate_lease_ids DEFAULT VALUES", [])
                .map_err(|e| sqlite_error(&e))?;
            let lease_id = tx.last_insert_rowid();
            let now = now_ms();
            let expires = now + ms(ttl);
            tx.execute(
                "UPDATE asyncgate_tasks SET status = 'leased', lease_id = ?1, worker_id = ?2,
                        lease_started_ms = ?3, lease_expires_ms = ?4, lease_renewals = 0, attempt = attempt + 1
                  WHERE task_id = ?5",
                rusqlite::params![lease_id, worker, now, expires, task_id],
            )
            .map_err(|e| sqlite_error(&e))?;
            tx.commit().map_err(|e| sqlite_error(&e))?;
            Ok(Some(Lease {
                lease_id,
                task_id,
                expires_at_ms: expires,
            }))
        })
    }

    fn renew(
        &self,
        lease_id: i64,
        ttl: Duration,
        limits: LeaseLimits,
    ) -> Result<Renewed, TaskError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| sqlite_error(&e))?;
            let row: Option<(i64, i32, i64)> = tx
                .query_row(
                    "SELECT lease_expires_ms, lease_renewals, lease_started_ms FROM asyncgate_tasks WHERE lease_id = ?1 AND status = 'leased'",
                    [lease_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .ok();
            let Some((expires, renewals, started)) = row else {
                return Ok(Renewed::Refused("the lease is no longer held"));
            };
            let now = now_ms();
            let end = started + ms(limits.max_lifetime);
            if let Some(refused) = renew_verdict(expires > now, renewals, now >= end, limits) {
                return Ok(Renewed::Refused(refused));
            }
            let until = (now + ms(ttl)).min(end);
            tx.execute(
                "UPDATE asyncgate_tasks SET lease_expires_ms = ?2, lease_renewals = lease_renewals + 1 WHERE lease_id = ?1",
                rusqlite::params![lease_id, until],
            )
            .map_err(|e| sqlite_error(&e))?;
            tx.commit().map_err(|e| sqlite_error(&e))?;
            Ok(Renewed::Until(until))
        })
    }

    fn complete(&self, lease_id: i64) -> Result<bool, TaskError> {
        self.with(|conn| {
            let n = conn
                .execute(
                    "UPDATE asyncgate_tasks SET status = 'completed'
                      WHERE lease_id = ?1 AND status = 'leased' AND lease_expires_ms > ?2",
                    rusqlite::params![lease_id, now_ms()],
                )
                .map_err(|e| sqlite_error(&e))?;
            Ok(n == 1)
        })
    }

    fn get(&self, task_id: i64) -> Result<Option<TaskView>, TaskError> {
        self.with(|conn| {
            let row = conn.query_row(
                "SELECT task_id, status, attempt, owner_instance, requeues FROM asyncgate_tasks WHERE task_id = ?1",
                [task_id],
                |r| {
                    Ok(TaskView {
                        task_id: r.get(0)?,
                        status: r.get(1)?,
                        attempt: r.get(2)?,
                        owner_instance: r.get(3)?,
                        requeues: r.get(4)?,
                    })
                },
            );
            match row {
                Ok(view) => Ok(Some(view)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(e) => Err(sqlite_error(&e)),
            }
        })
    }

    fn sweep(
        &self,
        partition: &Partition,
        swept_by: &InstanceId,
        grace: Duration,
    ) -> Result<u64, TaskError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| sqlite_error(&e))?;
            Self::fence(&tx, partition)?;
            let epoch = i64::try_from(partition.epoch).unwrap_or(i64::MAX);
            let now = now_ms();
            tx.execute(
                "INSERT INTO asyncgate_sweeps (instance_id, epoch, writer_pid, written_ms) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![partition.id.as_str(), epoch, std::process::id(), now],
            )
            .map_err(|e| sqlite_error(&e))?;
            let cutoff = now - ms(grace);
            tx.execute(
                "INSERT INTO asyncgate_requeues (lease_id, task_id, partition, epoch, swept_by, lease_expired_ms, requeued_ms)
                 SELECT lease_id, task_id, owner_instance, ?2, ?3, lease_expires_ms, ?4 FROM asyncgate_tasks
                  WHERE owner_instance = ?1 AND status = 'leased' AND lease_expires_ms <= ?5",
                rusqlite::params![partition.id.as_str(), epoch, swept_by.as_str(), now, cutoff],
            )
            .map_err(|e| sqlite_error(&e))?;
            let n = tx
                .execute(
                    "UPDATE asyncgate_tasks SET status = 'queued', lease_id = NULL, worker_id = NULL,
                            lease_started_ms = NULL, lease_expires_ms = NULL, lease_renewals = 0,
                            attempt = attempt - 1, requeues = requeues + 1
                      WHERE owner_instance = ?1 AND status = 'leased' AND lease_expires_ms <= ?2",
                    rusqlite::params![partition.id.as_str(), cutoff],
                )
                .map_err(|e| sqlite_error(&e))?;
            tx.commit().map_err(|e| sqlite_error(&e))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn owners_with_expired_leases(
        &self,
        except: &[String],
        grace: Duration,
    ) -> Result<Vec<String>, TaskError> {
        self.with(|conn| {
            let mut query = conn
                .prepare_cached(
                    "SELECT DISTINCT owner_instance FROM asyncgate_tasks
                      WHERE status = 'leased' AND lease_expires_ms <= ?1",
                )
                .map_err(|e| sqlite_error(&e))?;
            let owners = query
                .query_map([now_ms() - ms(grace)], |row| row.get::<_, String>(0))
                .map_err(|e| sqlite_error(&e))?
                .collect::<Result<Vec<String>, _>>()
                .map_err(|e| sqlite_error(&e))?;
            Ok(owners
                .into_iter()
                .filter(|owner| !except.contains(owner))
                .collect())
        })
    }

    fn has_leased(&self, owner: &str) -> Result<bool, TaskError> {
        self.with(|conn| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM asyncgate_tasks WHERE owner_instance = ?1 AND status = 'leased')",
                [owner],
                |row| row.get::<_, bool>(0),
            )
            .map_err(|e| sqlite_error(&e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(id: &str, epoch: u64) -> Partition {
        Partition {
            id: id.parse().unwrap(),
            epoch,
        }
    }

    const LIMITS: LeaseLimits = LeaseLimits {
        max_ttl: Duration::from_secs(60),
        max_renewals: 2,
        max_lifetime: Duration::from_secs(600),
    };

    #[cfg(unix)]
    #[test]
    fn the_local_store_and_its_journal_files_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.sqlite3");
        let me = partition("node-a", 1);
        let store = LocalTasks::open(&path, &me).unwrap();
        store.create(&me, "{\"secret\":\"payload\"}").unwrap();
        for name in ["tasks.sqlite3", "tasks.sqlite3-wal", "tasks.sqlite3-shm"] {
            let file = dir.path().join(name);
            if let Ok(meta) = std::fs::metadata(&file) {
                assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
            } else {
                assert_ne!(name, "tasks.sqlite3", "the store file exists");
            }
        }
        drop(store);
        // A store file others can read is refused, with the fix.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let Err(TaskError::Store(why)) = LocalTasks::open(&path, &me) else {
            panic!("a 0644 store file must be refused");
        };
        assert!(
            why.contains("mode 0644") && why.contains("chmod 600"),
            "{why}"
        );
    }

    #[test]
    fn local_store_leases_completes_once_and_requeues_without_an_attempt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.sqlite3");
        let me = partition("node-a", 3);
        let store = LocalTasks::open(&path, &me).unwrap();
        let task = store.create(&me, "{\"n\":1}").unwrap();
        let lease = store
            .lease("w1", Duration::from_millis(1))
            .unwrap()
            .unwrap();
        assert_eq!(lease.task_id, task);
        assert_eq!(store.lease("w2", Duration::from_secs(5)).unwrap(), None);
        std::thread::sleep(Duration::from_millis(5));
        // Expired: it cannot be completed or renewed, and the sweep requeues it.
        assert!(!store.complete(lease.lease_id).unwrap());
        assert_eq!(
            store
                .renew(lease.lease_id, Duration::from_secs(5), LIMITS)
                .unwrap(),
            Renewed::Refused("the lease has expired")
        );
        let by: InstanceId = "node-a".parse().unwrap();
        assert_eq!(store.sweep(&me, &by, Duration::ZERO).unwrap(), 1);
        assert_eq!(store.sweep(&me, &by, Duration::ZERO).unwrap(), 0);
        let view = store.get(task).unwrap().unwrap();
        assert_eq!(
            (view.status.as_str(), view.attempt, view.requeues),
            ("queued", 0, 1)
        );
        // Leased again: renewals are bounded; completion happens once.
        let lease = store.lease("w2", Duration::from_secs(5)).unwrap().unwrap();
        assert!(lease.lease_id > 0);
        for _ in 0..2 {
            assert!(matches!(
                store
                    .renew(lease.lease_id, Duration::from_secs(5), LIMITS)
                    .unwrap(),
                Renewed::Until(_)
            ));
        }
        assert_eq!(
            store
                .renew(lease.lease_id, Duration::from_secs(5), LIMITS)
                .unwrap(),
            Renewed::Refused("the lease has had max_lease_renewals renewals")
        );
        assert!(store.complete(lease.lease_id).unwrap());
        assert!(!store.complete(lease.lease_id).unwrap());
        assert_eq!(store.get(task).unwrap().unwrap().status, "completed");
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn only_a_refused_fence_counts_as_fenced_a_failed_query_is_retried() {
        let lost = ClaimError::Lost {
            id: "node-a".parse().unwrap(),
            reason: "epoch 1 no longer holds the claim".to_owned(),
        };
        assert!(matches!(fence_error(lost), TaskError::Fenced(_)));
        // A database restarting under the sweep: not a lost claim.
        let down = ClaimError::Store {
            store: "postgres store".to_owned(),
            reason: "fence query failed: connection closed".to_owned(),
        };
        assert!(matches!(fence_error(down), TaskError::Store(_)));
    }

    #[test]
    fn a_stale_epoch_is_fenced_out_of_the_local_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.sqlite3");
        let old = partition("node-a", 1);
        let stale = LocalTasks::open(&path, &old).unwrap();
        // The same id claimed again at a later epoch by another process.
        let _new = LocalTasks::open(&path, &partition("node-a", 2)).unwrap();
        let by: InstanceId = "node-a".parse().unwrap();
        assert!(matches!(
            stale.create(&old, "{}"),
            Err(TaskError::Fenced(_))
        ));
        assert!(matches!(
            stale.sweep(&old, &by, Duration::ZERO),
            Err(TaskError::Fenced(_))
        ));
        // A later open never moves the recorded epoch back.
        let _late = LocalTasks::open(&path, &old).unwrap();
        assert!(matches!(
            stale.create(&old, "{}"),
            Err(TaskError::Fenced(_))
        ));
    }

    /// Adoption on the embedded store: the dead owner's expired leases make
    /// it a candidate; the adopter enters at a higher epoch, which fences
    /// the dead owner's epoch out; the owner back at a higher one fences
    /// the adopter out.
    #[test]
    fn local_store_finds_candidates_and_fences_by_the_highest_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.sqlite3");
        let (dead, peer) = (partition("node-a", 1), partition("node-b", 1));
        let store = LocalTasks::open(&path, &dead).unwrap();
        let peers = LocalTasks::open(&path, &peer).unwrap();
        store.create(&dead, "{}").unwrap();
        let lease = store
            .lease("w1", Duration::from_millis(1))
            .unwrap()
            .unwrap();
        assert!(peers.has_leased("node-a").unwrap());
        std::thread::sleep(Duration::from_millis(5));
        let except = ["node-b".to_owned()];
        assert_eq!(
            peers
                .owners_with_expired_leases(&except, Duration::ZERO)
                .unwrap(),
            ["node-a"]
        );
        assert!(
            peers
                .owners_with_expired_leases(&except, Duration::from_secs(60))
                .unwrap()
                .is_empty(),
            "within the grace"
        );
        // node-b adopts node-a at epoch 2: node-a's epoch 1 is fenced out.
        let adopted = partition("node-a", 2);
        peers.enter(&adopted).unwrap();
        assert!(matches!(
            store.sweep(&dead, &dead.id, Duration::ZERO),
            Err(TaskError::Fenced(_))
        ));
        assert_eq!(peers.sweep(&adopted, &peer.id, Duration::ZERO).unwrap(), 1);
        assert!(!peers.has_leased("node-a").unwrap());
        assert!(!peers.complete(lease.lease_id).unwrap(), "requeued");
        // node-a back at epoch 3: the adoption's epoch 2 is fenced out.
        let back = partition("node-a", 3);
        let _ = LocalTasks::open(&path, &back).unwrap();
        assert!(matches!(
            peers.sweep(&adopted, &peer.id, Duration::ZERO),
            Err(TaskError::Fenced(_))
        ));
    }
}
