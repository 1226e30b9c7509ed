//! Instance claims for the reference server: choosing the store, and the
//! partition work that runs only while the claim is held.

use std::time::Duration;

use asyncgate_config::InstanceId;
#[cfg(feature = "postgres")]
use asyncgate_config::claim::PgStore;
use asyncgate_config::claim::{
    BoxFuture, ClaimConfig, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, ClaimWatch, Claimed,
    FileStore, HeldClaim,
};

use crate::settings::{ClaimStoreKind, Settings};

/// The claim store the settings select.
#[derive(Debug)]
pub enum Store {
    /// Lock files on this host.
    File(FileStore),
    /// A PostgreSQL lease table.
    #[cfg(feature = "postgres")]
    Postgres(Box<PgStore>),
    /// No coordination (development only; validation refuses it elsewhere).
    Disabled(NoClaims),
}

impl Store {
    /// Opens the store named by `ASYNCGATE_CLAIM_STORE`.
    pub async fn open(settings: &Settings) -> Result<Store, String> {
        match settings.claim_store {
            ClaimStoreKind::File => {
                let dir = settings
                    .claim_dir
                    .clone()
                    .unwrap_or_else(FileStore::default_dir);
                FileStore::new(&dir).map(Store::File).map_err(|e| {
                    format!(
                        "cannot use the claim directory {} (ASYNCGATE_CLAIM_DIR): {e}",
                        dir.display()
                    )
                })
            }
            #[cfg(feature = "postgres")]
            ClaimStoreKind::Postgres => PgStore::connect(
                &settings.database_url,
                Duration::from_millis(settings.claim_ttl_ms),
            )
            .await
            .map(|store| Store::Postgres(Box::new(store)))
            .map_err(|e| format!("{e} (ASYNCGATE_DATABASE_URL, ASYNCGATE_CLAIM_STORE=postgres)")),
            #[cfg(not(feature = "postgres"))]
            ClaimStoreKind::Postgres => Err(
                "this build has no PostgreSQL claim store: build with `--features postgres`"
                    .to_owned(),
            ),
            ClaimStoreKind::None => Ok(Store::Disabled(NoClaims)),
        }
    }

    /// The store as a trait object.
    pub fn as_dyn(&self) -> &dyn ClaimStore {
        match self {
            Store::File(s) => s,
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.as_ref(),
            Store::Disabled(s) => s,
        }
    }

    /// Prepares what partition work writes to.
    pub async fn prepare(&self) -> Result<(), ClaimError> {
        #[cfg(feature = "postgres")]
        if let Store::Postgres(store) = self {
            let mut client = store.client().await?;
            let tx = client.transaction().await.map_err(store_error)?;
            tx.execute("SELECT pg_advisory_xact_lock(74657373)", &[])
                .await
                .map_err(store_error)?;
            tx.batch_execute(SWEEPS_SCHEMA).await.map_err(store_error)?;
            tx.commit().await.map_err(store_error)?;
        }
        Ok(())
    }
}

/// The audit table of partition sweeps: one row per fenced write, written
/// in the same transaction, so that no epoch can be shown to have had two
/// writers.
#[cfg(feature = "postgres")]
const SWEEPS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgate_sweeps (
    id          bigserial   PRIMARY KEY,
    instance_id text        NOT NULL,
    epoch       bigint      NOT NULL,
    writer_pid  integer     NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
)";

#[cfg(feature = "postgres")]
fn store_error(e: tokio_postgres::Error) -> ClaimError {
    ClaimError::Store {
        store: "postgres store".to_owned(),
        reason: e.to_string(),
    }
}

/// Sweeps this replica's lease partition every `interval` until the claim
/// is lost (returned as `Err`) or `stop` resolves. With PostgreSQL each
/// sweep is a fenced write; a fence refusal means the claim is lost.
pub async fn partition_work(
    claimed: &Claimed<Settings>,
    store: &Store,
    interval: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), ClaimError> {
    let mut stop = std::pin::pin!(stop);
    let id = claimed.validated().resolution().instance_id().clone();
    let epoch = claimed.epoch();
    #[cfg(feature = "postgres")]
    let mut client: Option<tokio_postgres::Client> = None;
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(interval) => {}
        }
        if claimed.watch().is_set() {
            return Ok(());
        }
        match store {
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => {
                if client
                    .as_ref()
                    .is_none_or(tokio_postgres::Client::is_closed)
                {
                    client = pg.client().await.ok();
                }
                let Some(c) = client.as_mut() else {
                    tracing::warn!("sweep skipped: the database is unreachable");
                    continue;
                };
                match fenced_sweep(c, &id, epoch).await {
                    Ok(()) => tracing::debug!("swept partition {id} (epoch {epoch})"),
                    Err(lost @ ClaimError::Lost { .. }) => return Err(lost),
                    Err(e) => tracing::warn!("sweep failed (will retry): {e}"),
                }
            }
            _ => tracing::debug!("swept partition {id} (epoch {epoch})"),
        }
    }
}

#[cfg(feature = "postgres")]
async fn fenced_sweep(
    client: &mut tokio_postgres::Client,
    id: &InstanceId,
    epoch: u64,
) -> Result<(), ClaimError> {
    let tx = client.transaction().await.map_err(store_error)?;
    PgStore::fence(&tx, id, epoch).await?;
    let epoch = i64::try_from(epoch).unwrap_or(i64::MAX);
    let pid = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
    tx.execute(
        "INSERT INTO asyncgate_sweeps (instance_id, epoch, writer_pid) VALUES ($1, $2, $3)",
        &[&id.as_str(), &epoch, &pid],
    )
    .await
    .map_err(store_error)?;
    tx.commit().await.map_err(store_error)
}

/// A store that grants every claim: `ASYNCGATE_CLAIM_STORE=none`, which
/// validation allows in development only.
#[derive(Debug)]
pub struct NoClaims;

#[derive(Debug)]
struct Unchecked(ClaimSignal);

impl HeldClaim for Unchecked {
    fn epoch(&self) -> u64 {
        0
    }
    fn watch(&self) -> ClaimWatch {
        self.0.watch()
    }
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), ClaimError>> {
        Box::pin(async { Ok(()) })
    }
}

impl ClaimStore for NoClaims {
    fn acquire<'a>(
        &'a self,
        _id: &'a InstanceId,
    ) -> BoxFuture<'a, Result<Box<dyn HeldClaim>, ClaimError>> {
        Box::pin(async { Ok(Box::new(Unchecked(ClaimSignal::new().0)) as Box<dyn HeldClaim>) })
    }
    fn list(&self) -> BoxFuture<'_, Result<Vec<ClaimInfo>, ClaimError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn describe(&self) -> String {
        "no claim store (development only)".to_owned()
    }
}

/// The store the settings select, for `asyncgate claims`.
impl ClaimConfig for Settings {
    fn claim_store(&self) -> BoxFuture<'_, Result<Box<dyn ClaimStore>, ClaimError>> {
        Box::pin(async move {
            Store::open(self)
                .await
                .map(|store| Box::new(store) as Box<dyn ClaimStore>)
                .map_err(|reason| ClaimError::Store {
                    store: "claim store".to_owned(),
                    reason,
                })
        })
    }
}

impl ClaimStore for Store {
    fn acquire<'a>(
        &'a self,
        id: &'a InstanceId,
    ) -> BoxFuture<'a, Result<Box<dyn HeldClaim>, ClaimError>> {
        self.as_dyn().acquire(id)
    }
    fn list(&self) -> BoxFuture<'_, Result<Vec<ClaimInfo>, ClaimError>> {
        self.as_dyn().list()
    }
    fn describe(&self) -> String {
        self.as_dyn().describe()
    }
}
