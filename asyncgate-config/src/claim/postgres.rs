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
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio_postgres::{Client, NoTls, Transaction};

use super::{
    Adopted, BoxFuture, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, ClaimWatch, HeldClaim,
    Holder, Trust,
};
use crate::instance_id::InstanceId;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgate_claims (
    instance_id text PRIMARY KEY,
    epoch       bigint      NOT NULL,
    holder_host text        NOT NULL,
    holder_pid  integer     NOT NULL,
    acquired_at timestamptz NOT NULL,
    renewed_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
ALTER TABLE asyncgate_claims ADD COLUMN IF NOT EXISTS adopted_by text";

const ACQUIRE: &str = "
INSERT INTO asyncgate_claims AS c
    (instance_id, epoch, holder_host, holder_pid, acquired_at, renewed_at, expires_at)
VALUES ($1, 1, $2, $3, now(), now(), now() + make_interval(secs => $4))
ON CONFLICT (instance_id) DO UPDATE
    SET epoch = c.epoch + 1,
        holder_host = EXCLUDED.holder_host,
        holder_pid = EXCLUDED.holder_pid,
        acquired_at = now(),
        renewed_at = now(),
        expires_at = EXCLUDED.expires_at,
        adopted_by = NULL
    WHERE c.expires_at <= now() OR c.adopted_by IS NOT NULL
RETURNING epoch";

const HOLDER: &str = "SELECT epoch, holder_host, holder_pid, acquired_at, expires_at <= now() AS expired FROM asyncgate_claims WHERE instance_id = $1";

/// The holder of epoch N keeps a session-level advisory lock on (id, N) on
/// its renew connection: PostgreSQL frees it the moment that session ends
/// (the process died, or its connection did). A contender that can take it
/// knows the holder is gone and need not wait for the lease to expire. A
/// frozen holder keeps its session, and so its lock and its lease.
const TRY_LOCK: &str = "SELECT pg_try_advisory_lock(hashtextextended($1, $2))";
const UNLOCK: &str = "SELECT pg_advisory_unlock(hashtextextended($1, $2))";

/// Takes over epoch `$5` from a holder whose session is gone.
const TAKE_OVER: &str = "
UPDATE asyncgate_claims
   SET epoch = epoch + 1, holder_host = $2, holder_pid = $3,
       acquired_at = now(), renewed_at = now(), expires_at = now() + make_interval(secs => $4)
 WHERE instance_id = $1 AND epoch = $5
RETURNING epoch";

/// Adopts epoch `$5` of a dead replica's claim for the replica `$6`.
const ADOPT: &str = "
UPDATE asyncgate_claims
   SET epoch = epoch + 1, holder_host = $2, holder_pid = $3, adopted_by = $6,
       acquired_at = now(), renewed_at = now(), expires_at = now() + make_interval(secs => $4)
 WHERE instance_id = $1 AND epoch = $5
RETURNING epoch";

const RENEW: &str = "
UPDATE asyncgate_claims
   SET renewed_at = now(), expires_at = now() + make_interval(secs => $3)
 WHERE instance_id = $1 AND epoch = $2 AND expires_at > now()
RETURNING epoch";

const RELEASE: &str =
    "UPDATE asyncgate_claims SET expires_at = now() WHERE instance_id = $1 AND epoch = $2";

const FENCE: &str = "SELECT epoch FROM asyncgate_claims WHERE instance_id = $1 AND epoch = $2 AND expires_at > now() FOR SHARE";

const LIST: &str = "
SELECT instance_id, epoch, holder_host, holder_pid, acquired_at, expires_at > now() AS live, adopted_by
  FROM asyncgate_claims ORDER BY instance_id";

/// When a holder must consider its claim lost without a successful renew.
///
/// A renew sent at `t` extends the lease to the database's `now() + ttl`,
/// which is no earlier than `t + ttl`; so a holder that gives up at
/// `last successful renew sent + ttl - margin` stops before any successor
/// can take over. `margin` (ttl/10) covers clock-rate drift between hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RenewDeadline {
    ttl: Duration,
    last_sent: Instant,
}

impl RenewDeadline {
    /// A deadline for a claim acquired by a request sent at `sent`.
    pub(crate) fn new(ttl: Duration, sent: Instant) -> Self {
        RenewDeadline {
            ttl,
            last_sent: sent,
        }
    }

    /// Records a successful renew whose request was sent at `sent`.
    pub(crate) fn renewed(&mut self, sent: Instant) {
        self.last_sent = self.last_sent.max(sent);
    }

    /// The instant after which the claim counts as lost.
    pub(crate) fn deadline(&self) -> Instant {
        self.last_sent + self.ttl - self.ttl / 10
    }

    /// When the next renew is due: a third of the ttl after the last one.
    pub(crate) fn next_renew(&self) -> Instant {
        self.last_sent + self.ttl / 3
    }

    /// Whether the claim must be considered lost at `now`.
    pub(crate) fn expired(&self, now: Instant) -> bool {
        now >= self.deadline()
    }
}

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
        let config: tokio_postgres::Config = url.parse().map_err(|e| ClaimError::Store {
            store: "postgres store".to_owned(),
            reason: format!("the database URL does not parse: {e}"),
        })?;
        let mut config = config;
        let name = describe(&config);
        if ttl < Duration::from_millis(300) {
            return Err(ClaimError::Store {
                store: name,
                reason: format!("the lease ttl must be at least 300ms, not {ttl:?}"),
            });
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
                let tx = client.transaction().await.map_err(|e| store.pg(&e))?;
                // Serialise concurrent first starts: CREATE TABLE IF NOT EXISTS races otherwise.
                tx.execute("SELECT pg_advisory_xact_lock(74657372)", &[])
                    .await
                    .map_err(|e| store.pg(&e))?;
                tx.batch_execute(SCHEMA).await.map_err(|e| store.pg(&e))?;
                tx.commit().await.map_err(|e| store.pg(&e))
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

    fn pg(&self, e: &tokio_postgres::Error) -> ClaimError {
        self.error(pg_message(e))
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
        let (client, connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(|e| self.error(format!("cannot connect: {}", pg_message(&e))))?;
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
            Err(e) => Err(ClaimError::Store {
                store: "postgres store".to_owned(),
                reason: format!("fence query failed: {}", pg_message(&e)),
            }),
        }
    }

    fn error(&self, e: impl std::fmt::Display) -> ClaimError {
        ClaimError::Store {
            store: self.name.clone(),
            reason: e.to_string(),
        }
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
                let tx = client.transaction().await.map_err(|e| self.pg(&e))?;
                let mut row = tx
                    .query_opt(ACQUIRE, &[&id.as_str(), &me.host, &pid, &ttl])
                    .await
                    .map_err(|e| self.pg(&e))?;
                if row.is_none() {
                    // A live lease: is its holder's session still there?
                    row = self.take_over_if_gone(&tx, id, &me.host, pid, ttl).await?;
                }
                if let Some(row) = &row {
                    // Held for as long as this session lives.
                    let epoch: i64 = row.get(0);
                    tx.query_one(TRY_LOCK, &[&id.as_str(), &epoch])
                        .await
                        .map_err(|e| self.pg(&e))?;
                }
                tx.commit().await.map_err(|e| self.pg(&e))?;
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
            .map_err(|e| self.pg(&e))?
        else {
            return Ok(None);
        };
        let epoch: i64 = current.get(0);
        let gone: bool = tx
            .query_one(TRY_LOCK, &[&id.as_str(), &epoch])
            .await
            .map_err(|e| self.pg(&e))?
            .get(0);
        if gone {
            tx.query_one(UNLOCK, &[&id.as_str(), &epoch])
                .await
                .map_err(|e| self.pg(&e))?;
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
            .map_err(|e| self.pg(&e))?;
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
                        .map_err(|e| self.pg(&e))
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
                let tx = client.transaction().await.map_err(|e| self.pg(&e))?;
                let row = self
                    .adopt_in(&tx, id, adopter, (&me.host, pid), ttl)
                    .await?;
                tx.commit().await.map_err(|e| self.pg(&e))?;
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
            .map_err(|e| self.pg(&e))?;
        if let Some(row) = &row {
            let epoch: i64 = row.get(0);
            tx.query_one(TRY_LOCK, &[&id.as_str(), &epoch])
                .await
                .map_err(|e| self.pg(&e))?;
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
                client.query(LIST, &[]).await.map_err(|e| self.pg(&e))
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

/// `postgresql+asyncpg://...` -> `postgresql://...`.
fn strip_driver(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.contains('+') => {
            format!("{}://{rest}", scheme.split('+').next().unwrap_or(scheme))
        }
        _ => url.to_owned(),
    }
}

/// `postgres store host:port/db`, never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres store {host}:{port}/{}",
        config.get_dbname().unwrap_or("")
    )
}

/// Renews one claim until it is released or lost.
struct Renewer {
    store: PgStore,
    id: InstanceId,
    epoch: u64,
    client: Option<Client>,
    deadline: RenewDeadline,
    /// Set while the renew connection is down: partition work waits.
    paused: Arc<AtomicBool>,
}

impl Renewer {
    async fn run(mut self, signal: ClaimSignal, mut stop: tokio::sync::oneshot::Receiver<Release>) {
        let ttl_secs = self.store.ttl.as_secs_f64();
        let epoch = i64::try_from(self.epoch).unwrap_or(i64::MAX);
        let mut due = self.deadline.next_renew();
        loop {
            tokio::select! {
                request = &mut stop => {
                    // Released (or the claim was dropped): end the lease now on
                    // the dedicated connection, so a successor takes over at once.
                    if let Ok(reply) = request {
                        let _ = reply.send(self.release(epoch).await);
                    }
                    return;
                }
                () = tokio::time::sleep_until(due.into()) => {}
            }
            if self.deadline.expired(Instant::now()) {
                signal.set(format!(
                    "no successful renew within the lease ttl ({:?})",
                    self.store.ttl
                ));
                return;
            }
            if self.client.as_ref().is_none_or(Client::is_closed) {
                // The session that held the lock is gone: writes wait until
                // a renew on a new one proves the claim is still ours.
                self.paused.store(true, Ordering::Release);
            }
            let sent = Instant::now();
            let budget = self.deadline.deadline().saturating_duration_since(sent);
            let attempt = tokio::time::timeout(budget, self.renew_once(epoch, ttl_secs)).await;
            match attempt {
                Ok(Ok(true)) => {
                    self.deadline.renewed(sent);
                    self.paused.store(false, Ordering::Release);
                    due = self.deadline.next_renew();
                }
                Ok(Ok(false)) => {
                    signal.set(
                        "the renew matched no row: the lease expired or a successor took over"
                            .to_owned(),
                    );
                    return;
                }
                Ok(Err(e)) => {
                    tracing::warn!(target: "asyncgate_config", "renewing the claim on {} failed (will retry; partition work pauses): {e}", self.id);
                    self.paused.store(true, Ordering::Release);
                    self.client = None;
                    due = (Instant::now() + self.store.ttl / 10).min(self.deadline.deadline());
                }
                Err(_) => {
                    signal.set(format!(
                        "no successful renew within the lease ttl ({:?})",
                        self.store.ttl
                    ));
                    return;
                }
            }
        }
    }

    /// Ends the lease, best effort within the store's deadline: a shutdown
    /// never waits longer on a frozen database (the lease then expires).
    async fn release(&mut self, epoch: i64) -> Result<(), ClaimError> {
        let store = self.store.clone();
        let id = self.id.clone();
        let client = &mut self.client;
        store
            .within("releasing the claim", async {
                if client.as_ref().is_none_or(Client::is_closed) {
                    *client = Some(store.client().await?);
                }
                let Some(client) = client.as_ref() else {
                    return Ok(());
                };
                client
                    .execute(RELEASE, &[&id.as_str(), &epoch])
                    .await
                    .map_err(|e| store.pg(&e))?;
                Ok(())
            })
            .await
    }

    /// One renew on the dedicated connection, reconnecting if it was lost.
    async fn renew_once(&mut self, epoch: i64, ttl_secs: f64) -> Result<bool, ClaimError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            // A new session: the old one's lock is gone. Take it again; if a
            // contender holds it, it is taking the claim over.
            let client = self.store.client().await?;
            let relocked: bool = client
                .query_one(TRY_LOCK, &[&self.id.as_str(), &epoch])
                .await
                .map_err(|e| self.store.pg(&e))?
                .get(0);
            if !relocked {
                return Ok(false);
            }
            self.client = Some(client);
        }
        let Some(client) = &self.client else {
            return Ok(false);
        };
        let row = client
            .query_opt(RENEW, &[&self.id.as_str(), &epoch, &ttl_secs])
            .await
            .map_err(|e| self.store.pg(&e))?;
        Ok(row.is_some())
    }
}

/// A release request to the renewer, with where to send the outcome.
type Release = tokio::sync::oneshot::Sender<Result<(), ClaimError>>;

#[derive(Debug)]
struct PgClaim {
    epoch: u64,
    watch: ClaimWatch,
    paused: Arc<AtomicBool>,
    stop: Option<tokio::sync::oneshot::Sender<Release>>,
}

impl HeldClaim for PgClaim {
    fn epoch(&self) -> u64 {
        self.epoch
    }

    fn watch(&self) -> ClaimWatch {
        self.watch.clone()
    }

    fn paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    fn release(mut self: Box<Self>) -> BoxFuture<'static, Result<(), ClaimError>> {
        Box::pin(async move {
            let Some(stop) = self.stop.take() else {
                return Ok(());
            };
            let (reply_tx, reply_rx) = tokio::sync::oneshot::channel();
            if stop.send(reply_tx).is_err() {
                return Ok(()); // the renewer ended: the claim was lost, nothing to release
            }
            reply_rx.await.unwrap_or(Ok(()))
        })
    }
}

impl Drop for PgClaim {
    fn drop(&mut self) {
        // Dropped without `release`: still end the lease, in the background.
        if let Some(stop) = self.stop.take() {
            let (reply, _) = tokio::sync::oneshot::channel();
            let _ = stop.send(reply);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(3);

    #[test]
    fn deadline_is_ttl_minus_margin_after_the_last_successful_send() {
        let t0 = Instant::now();
        let d = RenewDeadline::new(TTL, t0);
        assert_eq!(d.deadline(), t0 + Duration::from_millis(2700));
        assert_eq!(d.next_renew(), t0 + Duration::from_secs(1));
        assert!(!d.expired(t0 + Duration::from_millis(2699)));
        assert!(d.expired(t0 + Duration::from_millis(2700)));
    }

    #[test]
    fn a_renew_counts_from_when_it_was_sent_not_when_it_returned() {
        let t0 = Instant::now();
        let mut d = RenewDeadline::new(TTL, t0);
        // Sent at 1s, answered at 2.5s: the lease runs from 1s.
        d.renewed(t0 + Duration::from_secs(1));
        assert_eq!(d.deadline(), t0 + Duration::from_millis(3700));
        assert_eq!(d.next_renew(), t0 + Duration::from_secs(2));
    }

    #[test]
    fn a_late_answer_to_an_old_renew_never_moves_the_deadline_back() {
        let t0 = Instant::now();
        let mut d = RenewDeadline::new(TTL, t0);
        d.renewed(t0 + Duration::from_secs(2));
        d.renewed(t0 + Duration::from_secs(1));
        assert_eq!(d.deadline(), t0 + Duration::from_millis(4700));
    }

    #[test]
    fn missed_renews_expire_the_claim_before_the_database_would() {
        let t0 = Instant::now();
        let d = RenewDeadline::new(TTL, t0);
        // The database expires the lease at (execution time >= t0) + ttl.
        let database_expiry_at_the_earliest = t0 + TTL;
        assert!(d.deadline() < database_expiry_at_the_earliest);
        // Two missed renews (at 1s and 2s) still leave time for a third.
        assert!(!d.expired(t0 + Duration::from_secs(2)));
    }

    #[test]
    fn driver_suffixes_are_stripped_and_passwords_never_described() {
        assert_eq!(
            strip_driver("postgresql+asyncpg://u:p@h/db"),
            "postgresql://u:p@h/db"
        );
        assert_eq!(strip_driver("postgres://u@h/db"), "postgres://u@h/db");
        let config: tokio_postgres::Config = "postgresql://app:hunter2@db.internal:6432/app"
            .parse()
            .unwrap();
        assert_eq!(describe(&config), "postgres store db.internal:6432/app");
    }
}
