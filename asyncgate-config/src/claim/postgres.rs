//! The PostgreSQL claim store: a lease table keyed by instance id with a
//! monotonically increasing `epoch` (a fencing token), using the database's
//! clock only. Rows are never deleted, so epochs never go back.
//!
//! - acquire: `INSERT ... ON CONFLICT ... DO UPDATE ... WHERE expires_at <= now() RETURNING epoch`;
//! - renew every ttl/3 on a dedicated connection; the claim is lost when a
//!   renew matches no row, or when no renew succeeded before the local
//!   deadline (a `RenewDeadline`);
//! - release: `expires_at = now()`, so a successor takes over at once;
//! - [`PgStore::fence`]: run first in every partition-write transaction; it
//!   holds the lease row `FOR SHARE`, so a takeover waits for the write to
//!   commit, and a stale holder's write is refused;
//! - [`PgStore::adopt`]: a live replica takes a dead replica's claim at
//!   epoch + 1 (`adopted_by` = its own id) to sweep its partition; the
//!   original id, started again, takes it back at once (its `acquire`
//!   passes over an adopter's lease), and the adopter's fence then fails.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant, SystemTime};

use tokio_postgres::{Client, NoTls, Transaction};

use super::{
    Adopted, BoxFuture, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, HeldClaim, Holder, Trust,
};
use crate::instance_id::InstanceId;

mod held;
mod sql;
mod target;

use held::{PgClaim, RenewDeadline, Renewer};
use sql::{ACQUIRE, ADOPT, FENCE, HOLDER, LIST, SCHEMA, TAKE_OVER, TRY_LOCK, UNLOCK};
use target::{describe, strip_driver};

/// What a contender learns of a claim's current holder.
struct HolderState {
    epoch: i64,
    expired: bool,
    /// Its database session ended: its advisory lock is free.
    gone: bool,
}

/// Claims ids in a PostgreSQL lease table.
#[derive(Debug, Clone)]
pub struct PgStore {
    config: tokio_postgres::Config,
    ttl: Duration,
    name: String,
    /// The deadline of every call: connect, statement, release.
    deadline: Duration,
}

/// Every database call waits at most half the ttl (between 1 s and 30 s):
/// a frozen or silent database cannot hang start-up, `claims`, the
/// exit-on-loss path or a shutdown.
fn call_deadline(ttl: Duration) -> Duration {
    (ttl / 2).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// The server's own message and SQLSTATE (wrong password, missing
/// database, no privilege...), or the client's reason with its cause.
/// Neither ever holds the password: PostgreSQL does not echo it.
fn pg_message(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} (SQLSTATE {})", db.message(), db.code().code());
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

impl PgStore {
    /// Connects to `url` (`postgres://` or `postgresql://`; a driver suffix
    /// such as `postgresql+asyncpg://` is accepted), creates the table if
    /// needed, and uses leases of `ttl`.
    pub async fn connect(url: &str, ttl: Duration) -> Result<Self, ClaimError> {
        let url = strip_driver(url);
        let config: tokio_postgres::Config = url.parse().map_err(|e| {
            let reason = format!("the database URL does not parse: {e}");
            ClaimError::store_caused_by("postgres store", reason, e)
        })?;
        let mut config = config;
        let name = describe(&config);
        if ttl < Duration::from_millis(300) {
            return Err(ClaimError::store(
                name,
                format!("the lease ttl must be at least 300ms, not {ttl:?}"),
            ));
        }
        let deadline = call_deadline(ttl);
        // The server ends any statement of ours that runs past the deadline,
        // and any session of ours left idle inside a transaction that long:
        // a holder frozen mid-write (SIGSTOP, a GC pause) would otherwise
        // keep its rows and its fence's lock, and no successor or adopter
        // could take over until it woke.
        let timeout = format!(
            "-c statement_timeout={ms} -c idle_in_transaction_session_timeout={ms}",
            ms = deadline.as_millis()
        );
        let options = match config.get_options() {
            Some(existing) if !existing.is_empty() => format!("{existing} {timeout}"),
            _ => timeout,
        };
        config.options(&options).connect_timeout(deadline);
        let store = PgStore {
            config,
            ttl,
            name,
            deadline,
        };
        store
            .within("creating the claims table", async {
                let mut client = store.client().await?;
                let tx = client.transaction().await.map_err(|e| store.pg(e))?;
                // Serialise concurrent first starts: CREATE TABLE IF NOT EXISTS races otherwise.
                tx.execute("SELECT pg_advisory_xact_lock(74657372)", &[])
                    .await
                    .map_err(|e| store.pg(e))?;
                tx.batch_execute(SCHEMA).await.map_err(|e| store.pg(e))?;
                tx.commit().await.map_err(|e| store.pg(e))
            })
            .await?;
        Ok(store)
    }

    /// Runs `call` with the store's deadline.
    async fn within<T>(
        &self,
        what: &str,
        call: impl std::future::Future<Output = Result<T, ClaimError>>,
    ) -> Result<T, ClaimError> {
        tokio::time::timeout(self.deadline, call)
            .await
            .unwrap_or_else(|_| {
                Err(self.error(format!(
                    "{what}: no answer within {}ms (half the lease ttl)",
                    self.deadline.as_millis()
                )))
            })
    }

    /// A store error caused by the database error `e`.
    fn pg(&self, e: tokio_postgres::Error) -> ClaimError {
        ClaimError::store_caused_by(self.name.clone(), pg_message(&e), e)
    }

    /// The lease ttl.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// How long any one call to the database may take (half the ttl,
    /// between 1 s and 30 s): connect, statement, and time idle inside a
    /// transaction. Callers that wait on the store use it as their deadline.
    pub fn call_deadline(&self) -> Duration {
        self.deadline
    }

    /// A new connection, for partition writes that must be fenced.
    pub async fn client(&self) -> Result<Client, ClaimError> {
        let (client, connection) = self.config.connect(NoTls).await.map_err(|e| {
            let reason = format!("cannot connect: {}", pg_message(&e));
            ClaimError::store_caused_by(self.name.clone(), reason, e)
        })?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Run first in a partition-write transaction: `Ok` only while `epoch`
    /// still holds an unexpired claim on `id`. It locks the lease row
    /// `FOR SHARE` until the transaction ends, so no takeover can commit
    /// in between.
    pub async fn fence(
        tx: &Transaction<'_>,
        id: &InstanceId,
        epoch: u64,
    ) -> Result<(), ClaimError> {
        let epoch = i64::try_from(epoch).unwrap_or(i64::MAX);
        match tx.query_opt(FENCE, &[&id.as_str(), &epoch]).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(ClaimError::Lost {
                id: id.clone(),
                reason: format!(
                    "epoch {epoch} no longer holds the claim (a successor took over, or it expired)"
                ),
            }),
            Err(e) => {
                let reason = format!("fence query failed: {}", pg_message(&e));
                Err(ClaimError::store_caused_by("postgres store", reason, e))
            }
        }
    }

    fn error(&self, e: impl std::fmt::Display) -> ClaimError {
        ClaimError::store(self.name.clone(), e.to_string())
    }

    async fn acquire_now(&self, id: &InstanceId) -> Result<Box<dyn HeldClaim>, ClaimError> {
        let (client, sent, row) = self
            .within("claiming the id", async {
                let mut client = self.client().await?;
                let me = Holder::current();
                let pid = i32::try_from(me.pid).unwrap_or(i32::MAX);
                let ttl = self.ttl.as_secs_f64();
                let sent = Instant::now();
                // The new epoch and its lock become visible together: a
                // contender that sees epoch M finds its lock taken.
                let tx = client.transaction().await.map_err(|e| self.pg(e))?;
                let mut row = tx
                    .query_opt(ACQUIRE, &[&id.as_str(), &me.host, &pid, &ttl])
                    .await
                    .map_err(|e| self.pg(e))?;
                if row.is_none() {
                    // A live lease: is its holder's session still there?
                    row = self.take_over_if_gone(&tx, id, &me.host, pid, ttl).await?;
                }
                if let Some(row) = &row {
                    // Held for as long as this session lives.
                    let epoch: i64 = row.get(0);
                    tx.query_one(TRY_LOCK, &[&id.as_str(), &epoch])
                        .await
                        .map_err(|e| self.pg(e))?;
                }
                tx.commit().await.map_err(|e| self.pg(e))?;
                Ok((client, sent, row))
            })
            .await?;
        self.after_acquire(id, client, sent, row).await
    }

    /// The current holder of `id`: its epoch, whether its lease expired,
    /// and whether its database session is gone (its advisory lock is free:
    /// probed, not kept). `None` when nobody ever claimed `id`.
    async fn holder_state(
        &self,
        tx: &Transaction<'_>,
        id: &InstanceId,
    ) -> Result<Option<HolderState>, ClaimError> {
        let Some(current) = tx
            .query_opt(HOLDER, &[&id.as_str()])
            .await
            .map_err(|e| self.pg(e))?
        else {
            return Ok(None);
        };
        let epoch: i64 = current.get(0);
        let gone: bool = tx
            .query_one(TRY_LOCK, &[&id.as_str(), &epoch])
            .await
            .map_err(|e| self.pg(e))?
            .get(0);
        if gone {
            tx.query_one(UNLOCK, &[&id.as_str(), &epoch])
                .await
                .map_err(|e| self.pg(e))?;
        }
        Ok(Some(HolderState {
            epoch,
            expired: current.get(4),
            gone,
        }))
    }

    /// Takes the claim over at once when the holder's session has ended (its
    /// advisory lock is free); `None` while the holder's session lives.
    async fn take_over_if_gone(
        &self,
        tx: &Transaction<'_>,
        id: &InstanceId,
        host: &str,
        pid: i32,
        ttl: f64,
    ) -> Result<Option<tokio_postgres::Row>, ClaimError> {
        let Some(HolderState {
            epoch, gone: true, ..
        }) = self.holder_state(tx, id).await?
        else {
            return Ok(None);
        };
        // By compare-and-set on the epoch: one contender wins.
        let row = tx
            .query_opt(TAKE_OVER, &[&id.as_str(), &host, &pid, &ttl, &epoch])
            .await
            .map_err(|e| self.pg(e))?;
        if row.is_some() {
            tracing::info!(
                target: "asyncgate_config",
                "the holder of {id} at epoch {epoch} has no database session any more: taken over"
            );
        }
        Ok(row)
    }

    async fn after_acquire(
        &self,
        id: &InstanceId,
        client: Client,
        sent: Instant,
        row: Option<tokio_postgres::Row>,
    ) -> Result<Box<dyn HeldClaim>, ClaimError> {
        let Some(row) = row else {
            let holder = self
                .within("reading the holder", async {
                    client
                        .query_opt(HOLDER, &[&id.as_str()])
                        .await
                        .map_err(|e| self.pg(e))
                })
                .await?;
            let (holder, epoch) = match holder {
                Some(r) => {
                    let epoch: i64 = r.get(0);
                    let holder = Holder {
                        host: r.get(1),
                        pid: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                        since: r.get::<_, SystemTime>(3),
                    };
                    (Some(holder), u64::try_from(epoch).unwrap_or(0))
                }
                None => (None, 0),
            };
            return Err(ClaimError::Held {
                id: id.clone(),
                holder,
                epoch,
            });
        };
        let epoch = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
        Ok(self.hold(id, epoch, client, sent))
    }

    /// Adopts the partition of `id` for the live replica `adopter`, when
    /// its holder is dead: its lease expired (a frozen holder, after its
    /// ttl), or its database session is gone (a killed one, at once).
    /// `Ok(None)` while a live holder keeps it, or when no claim on `id`
    /// exists. Two replicas never adopt one partition at once: the claim
    /// moves by compare-and-set on its epoch.
    pub async fn adopt(
        &self,
        id: &InstanceId,
        adopter: &InstanceId,
    ) -> Result<Option<Adopted>, ClaimError> {
        let (client, sent, row) = self
            .within("adopting a partition", async {
                let mut client = self.client().await?;
                let me = Holder::current();
                let pid = i32::try_from(me.pid).unwrap_or(i32::MAX);
                let ttl = self.ttl.as_secs_f64();
                let sent = Instant::now();
                let tx = client.transaction().await.map_err(|e| self.pg(e))?;
                let row = self
                    .adopt_in(&tx, id, adopter, (&me.host, pid), ttl)
                    .await?;
                tx.commit().await.map_err(|e| self.pg(e))?;
                Ok((client, sent, row))
            })
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let epoch = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
        tracing::info!(
            target: "asyncgate_config",
            "adopted the partition of {id} at epoch {epoch}: its holder is gone"
        );
        let held = self.hold(id, epoch, client, sent);
        Ok(Some(Adopted::new(id.clone(), held)))
    }

    /// The adoption transaction's work: `None` while the holder lives.
    async fn adopt_in(
        &self,
        tx: &Transaction<'_>,
        id: &InstanceId,
        adopter: &InstanceId,
        (host, pid): (&str, i32),
        ttl: f64,
    ) -> Result<Option<tokio_postgres::Row>, ClaimError> {
        let Some(HolderState {
            epoch,
            expired,
            gone,
        }) = self.holder_state(tx, id).await?
        else {
            return Ok(None);
        };
        if !(expired || gone) {
            return Ok(None);
        }
        let row = tx
            .query_opt(
                ADOPT,
                &[&id.as_str(), &host, &pid, &ttl, &epoch, &adopter.as_str()],
            )
            .await
            .map_err(|e| self.pg(e))?;
        if let Some(row) = &row {
            let epoch: i64 = row.get(0);
            tx.query_one(TRY_LOCK, &[&id.as_str(), &epoch])
                .await
                .map_err(|e| self.pg(e))?;
        }
        Ok(row)
    }

    /// Starts renewing epoch `epoch` of `id` on `client` (which holds the
    /// epoch's session lock).
    fn hold(
        &self,
        id: &InstanceId,
        epoch: u64,
        client: Client,
        sent: Instant,
    ) -> Box<dyn HeldClaim> {
        let (signal, _) = ClaimSignal::new();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let paused = Arc::new(AtomicBool::new(false));
        let renewer = Renewer {
            store: self.clone(),
            id: id.clone(),
            epoch,
            client: Some(client),
            deadline: RenewDeadline::new(self.ttl, sent),
            paused: Arc::clone(&paused),
        };
        let watch = signal.watch();
        tokio::spawn(renewer.run(signal, stop_rx));
        Box::new(PgClaim {
            epoch,
            watch,
            paused,
            stop: Some(stop_tx),
        })
    }

    async fn list_now(&self) -> Result<Vec<ClaimInfo>, ClaimError> {
        let rows = self
            .within("listing claims", async {
                let client = self.client().await?;
                client.query(LIST, &[]).await.map_err(|e| self.pg(e))
            })
            .await?;
        Ok(rows
            .iter()
            .map(|r| ClaimInfo {
                instance_id: r.get(0),
                epoch: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                holder: Some(Holder {
                    host: r.get(2),
                    pid: u32::try_from(r.get::<_, i32>(3)).unwrap_or(0),
                    since: r.get(4),
                }),
                live: r.get(5),
                trust: Trust::Verified,
                adopted_by: r.get(6),
            })
            .collect())
    }
}

impl ClaimStore for PgStore {
    fn acquire<'a>(
        &'a self,
        id: &'a InstanceId,
    ) -> BoxFuture<'a, Result<Box<dyn HeldClaim>, ClaimError>> {
        Box::pin(self.acquire_now(id))
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<ClaimInfo>, ClaimError>> {
        Box::pin(self.list_now())
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}
