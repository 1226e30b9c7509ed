//! The embedded task store: one SQLite file that the replicas of a host
//! share. A partition write checks, in the same transaction, that the
//! partition's recorded epoch is the writer's; a replica records its epoch
//! (from the file claim store, which only grows) when it claims its id.
//! SQLite's calls block: they run on Tokio's blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{ClaimError, Partition};

use super::{Lease, LeaseLimits, Pending, Renewed, TaskError, TaskStore, TaskView, renew_verdict};

/// The embedded task store (see the module docs).
#[derive(Clone)]
pub struct SqliteTasks {
    file: Arc<SqliteFile>,
}

impl std::fmt::Debug for SqliteTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqliteTasks({})", self.file.path.display())
    }
}

impl SqliteTasks {
    /// Opens (creating, readable by its owner only) the store at `path`
    /// and records `owner`'s epoch. Blocks: call it off the async runtime.
    pub fn open(path: &Path, owner: &Partition) -> Result<SqliteTasks, TaskError> {
        Ok(SqliteTasks {
            file: Arc::new(SqliteFile::open(path, owner)?),
        })
    }
}

/// Runs `f` on Tokio's blocking pool.
fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, TaskError> + Send + 'static,
) -> Pending<'static, T> {
    Box::pin(async move {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| TaskError::Store(format!("task store worker: {e}")))?
    })
}

impl TaskStore for SqliteTasks {
    fn create<'a>(
        &'a self,
        owner: &'a Partition,
        payload: &'a serde_json::Value,
    ) -> Pending<'a, i64> {
        let (file, owner, payload) = (Arc::clone(&self.file), owner.clone(), payload.to_string());
        blocking(move || file.create(&owner, &payload))
    }

    fn lease<'a>(&'a self, worker: &'a str, ttl: Duration) -> Pending<'a, Option<Lease>> {
        let (file, worker) = (Arc::clone(&self.file), worker.to_owned());
        blocking(move || file.lease(&worker, ttl))
    }

    fn renew(&self, lease_id: i64, ttl: Duration, limits: LeaseLimits) -> Pending<'_, Renewed> {
        let file = Arc::clone(&self.file);
        blocking(move || file.renew(lease_id, ttl, limits))
    }

    fn complete(&self, lease_id: i64) -> Pending<'_, bool> {
        let file = Arc::clone(&self.file);
        blocking(move || file.complete(lease_id))
    }

    fn get(&self, task_id: i64) -> Pending<'_, Option<TaskView>> {
        let file = Arc::clone(&self.file);
        blocking(move || file.get(task_id))
    }

    fn sweep<'a>(
        &'a self,
        partition: &'a Partition,
        swept_by: &'a InstanceId,
        grace: Duration,
    ) -> Pending<'a, u64> {
        let (file, partition, by) = (Arc::clone(&self.file), partition.clone(), swept_by.clone());
        blocking(move || file.sweep(&partition, &by, grace))
    }

    fn owners_with_expired_leases<'a>(
        &'a self,
        except: &'a [&'a str],
        grace: Duration,
    ) -> Pending<'a, Vec<String>> {
        let file = Arc::clone(&self.file);
        let except: Vec<String> = except.iter().map(|s| (*s).to_owned()).collect();
        blocking(move || file.owners_with_expired_leases(&except, grace))
    }

    fn enter<'a>(&'a self, partition: &'a Partition) -> Pending<'a, ()> {
        let (file, partition) = (Arc::clone(&self.file), partition.clone());
        blocking(move || file.enter(&partition))
    }

    fn has_leased<'a>(&'a self, owner: &'a str) -> Pending<'a, bool> {
        let (file, owner) = (Arc::clone(&self.file), owner.to_owned());
        blocking(move || file.has_leased(&owner))
    }
}

// ---------------------------------------------------------------- SQLite

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgate_clock (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    boot_id   TEXT    NOT NULL,
    offset_ms INTEGER NOT NULL,
    last_ms   INTEGER NOT NULL
);
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

/// The open store file and its synchronous operations (each one
/// transaction, on the one connection).
struct SqliteFile {
    path: std::path::PathBuf,
    conn: Mutex<rusqlite::Connection>,
    /// The store's time: lease expiry does not move with the wall clock.
    clock: StoreClock,
}

impl std::fmt::Debug for SqliteFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqliteFile({})", self.path.display())
    }
}

fn sqlite_error(e: &rusqlite::Error) -> TaskError {
    TaskError::Store(format!("sqlite: {e}"))
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How long opening the embedded store may wait for the replicas that
/// open it at the same moment.
const OPEN_DEADLINE: Duration = Duration::from_secs(5);

/// Switches the store to WAL and creates its schema, when several
/// replicas of a host may be doing the same at the same moment. The switch
/// to WAL takes an exclusive lock and can fail with `SQLITE_BUSY` without
/// waiting; the schema is one `BEGIN IMMEDIATE` transaction (one writer at
/// a time, waiting on the busy timeout). Both are retried until
/// [`OPEN_DEADLINE`], with a jittered pause.
fn create_schema(conn: &rusqlite::Connection) -> Result<(), TaskError> {
    let deadline = std::time::Instant::now() + OPEN_DEADLINE;
    let mut attempt: u64 = 0;
    loop {
        let created = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| {
                row.get::<_, String>(0)
            })
            .and_then(|_| conn.execute_batch(&format!("BEGIN IMMEDIATE;{SCHEMA}COMMIT;")));
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
                    "creating the schema of the embedded store failed within {OPEN_DEADLINE:?}: {e}"
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

/// Records that `partition` is held at its epoch: the fence then refuses
/// every lower one (epochs only grow).
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

impl SqliteFile {
    fn open(path: &Path, owner: &Partition) -> Result<SqliteFile, TaskError> {
        SqliteFile::open_on(path, owner, Arc::new(ProcHost::default()))
    }

    /// Opens the store with the time `host` tells.
    fn open_on(
        path: &Path,
        owner: &Partition,
        host: Arc<dyn HostTime>,
    ) -> Result<SqliteFile, TaskError> {
        private_file(path)?;
        let mut conn = rusqlite::Connection::open(path).map_err(|e| {
            TaskError::Store(format!(
                "cannot open the task store {}: {e}",
                path.display()
            ))
        })?;
        // Every wait on another replica's write has a deadline.
        conn.busy_timeout(OPEN_DEADLINE)
            .map_err(|e| sqlite_error(&e))?;
        create_schema(&conn)?;
        record_epoch(&conn, owner)?;
        let clock = StoreClock::open(&mut conn, host)?;
        Ok(SqliteFile {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            clock,
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
            let now = self.clock.now_ms();
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
            let now = self.clock.now_ms();
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
                    rusqlite::params![lease_id, self.clock.now_ms()],
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
            let now = self.clock.now_ms();
            tx.execute(
                "INSERT INTO asyncgate_sweeps (instance_id, epoch, writer_pid, written_ms) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![partition.id.as_str(), epoch, std::process::id(), now],
            )
            .map_err(|e| sqlite_error(&e))?;
            clock::record_last(&tx, now)?;
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
                .query_map([self.clock.now_ms() - ms(grace)], |row| {
                    row.get::<_, String>(0)
                })
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
mod clock;

use clock::{HostTime, ProcHost, StoreClock};

#[cfg(test)]
mod tests;
