//! Instance claims for the reference server: the claim store the settings
//! choose, and the task store beside it.

use std::path::Path;
use std::time::Duration;

use asyncgate_config::InstanceId;
#[cfg(feature = "postgres")]
use asyncgate_config::claim::PgStore;
use asyncgate_config::claim::{
    BoxFuture, ClaimConfig, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, ClaimWatch, FileStore,
    HeldClaim, Partition,
};

use crate::settings::{ClaimBackend, Settings};
#[cfg(feature = "postgres")]
use crate::tasks::PgTasks;
use crate::tasks::{SqliteTasks, Tasks};

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
        match &settings.claim_store {
            ClaimBackend::File(file) => {
                let dir = file.dir.clone().unwrap_or_else(FileStore::default_dir);
                FileStore::new(&dir).map(Store::File).map_err(|e| {
                    format!(
                        "cannot use the claim directory {} (ASYNCGATE_CLAIM_DIR): {e}",
                        dir.display()
                    )
                })
            }
            #[cfg(feature = "postgres")]
            ClaimBackend::Postgres(pg) => PgStore::connect(
                settings.database_url.expose(),
                Duration::from_millis(pg.ttl_ms),
            )
            .await
            .map(|store| Store::Postgres(Box::new(store)))
            .map_err(|e| format!("{e} (ASYNCGATE_DATABASE_URL, ASYNCGATE_CLAIM_STORE=postgres)")),
            #[cfg(not(feature = "postgres"))]
            ClaimBackend::Postgres(_) => Err(
                "this build has no PostgreSQL claim store: build with `--features postgres`"
                    .to_owned(),
            ),
            ClaimBackend::None => Ok(Store::Disabled(NoClaims)),
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

    /// Opens the task store partition work writes to, for `owner`: the
    /// PostgreSQL tables (created on start) with the postgres claim store,
    /// else the embedded SQLite file in the private claim directory.
    pub async fn tasks(&self, owner: &Partition) -> Result<Tasks, String> {
        match self {
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => PgTasks::open(store)
                .await
                .map(Tasks::new)
                .map_err(|e| e.to_string()),
            Store::File(store) => local_tasks(store.dir(), owner).await,
            Store::Disabled(_) => {
                let dir = FileStore::default_dir();
                FileStore::new(&dir).map_err(|e| {
                    format!(
                        "cannot use the directory {} for the task store: {e}",
                        dir.display()
                    )
                })?;
                local_tasks(&dir, owner).await
            }
        }
    }
}

impl Store {
    /// Opens the task store like [`Store::tasks`], retrying a shared
    /// database for up to `within` (it may be restarting as the replica
    /// starts); a local file that cannot be opened fails at once.
    pub async fn tasks_within(&self, owner: &Partition, within: Duration) -> Result<Tasks, String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match self.tasks(owner).await {
                Ok(tasks) => return Ok(tasks),
                Err(e) if self.is_shared() && tokio::time::Instant::now() < deadline => {
                    tracing::warn!("opening the task store failed (will retry): {e}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether the store is a database other hosts share.
    fn is_shared(&self) -> bool {
        match self {
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => true,
            _ => false,
        }
    }
}

async fn local_tasks(dir: &Path, owner: &Partition) -> Result<Tasks, String> {
    let path = dir.join("tasks.sqlite3");
    let owner = owner.clone();
    tokio::task::spawn_blocking(move || SqliteTasks::open(&path, &owner))
        .await
        .map_err(|e| e.to_string())?
        .map(Tasks::new)
        .map_err(|e| e.to_string())
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
                .map_err(|reason| ClaimError::store("claim store", reason))
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
