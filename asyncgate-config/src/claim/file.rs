//! The file-lock claim store: one host, no server.
//!
//! Each id has a lock file named after the id itself (`<id>.lock`: ids are
//! file-name safe, so two ids never share a file) in a claim directory that
//! belongs to the running user and that no one else may write (mode 0700).
//! The file is opened without following symlinks, checked to be a regular
//! file of ours, and locked with `File::try_lock` (`flock` on Unix); the
//! kernel releases the lock when the holder dies, however it dies. The
//! holder's host, pid, start time and epoch are written inside; an epoch
//! never wraps, and a record that does not parse is reported, not trusted.
//! A holder checks every second (by default) that its lock file is still
//! the one at the path, and loses the claim when it was removed or replaced.
//!
//! A peer can adopt a dead replica's id ([`FileStore::adopt`]) to sweep its
//! partition: the record then names the adopter, and the id, started
//! again, asks for its claim back with a `<id>.takeback` file, which the
//! adoption's watcher answers by letting its lock go.

use std::fs::{File, Metadata, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, UNIX_EPOCH};

use super::{BoxFuture, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, HeldClaim, Holder};
use crate::instance_id::InstanceId;
#[cfg(unix)]
use crate::os_user::current_uid;

mod epoch;
mod held;
mod list;
mod record;
mod safe_fs;
mod take_back;

use held::{FileClaim, Watched, spawn_watcher};
use record::{Contents, Record, read_contents, write_record};
use safe_fs::{Access, check_private_dir, open_no_follow, owner_of, prepare_dir, same_file};

/// The longest id the file store takes: the lock file is `<id>.lock` and a
/// file name has at most 255 bytes.
pub(crate) const MAX_ID_LEN: usize = 245;

/// Claims ids with lock files in one private directory.
///
/// ```
/// use asyncgate_config::InstanceId;
/// use asyncgate_config::claim::{ClaimError, ClaimStore, FileStore};
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// # runtime.block_on(async {
/// let dir = std::env::temp_dir().join(format!("asyncgate-doc-{}", std::process::id()));
/// let store = FileStore::new(&dir)?;
/// let id: InstanceId = "worker-a1b2c3d4".parse().unwrap();
/// let held = store.acquire(&id).await?;
/// // A second claimant (here in the same process) is refused with the holder.
/// let Err(ClaimError::Held { holder: Some(holder), .. }) = store.acquire(&id).await else { panic!() };
/// assert_eq!(holder.pid, std::process::id());
/// held.release().await?;
/// store.acquire(&id).await?; // free again
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    check_every: Duration,
}

impl FileStore {
    /// A store in `dir`, created private (0700) if missing. An existing
    /// directory must belong to the running user and be writable by no one
    /// else (group or others): another local user could otherwise plant or
    /// swap lock files.
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        prepare_dir(&dir)?;
        Ok(FileStore {
            dir,
            check_every: Duration::from_secs(1),
        })
    }

    /// Checks, creating nothing, that `dir` could hold a store: an existing
    /// directory of this user's that no one else can write, or a missing
    /// one whose nearest existing ancestor is a directory. What
    /// [`FileStore::new`] would refuse, for validation that creates nothing.
    pub fn check_dir(dir: &Path) -> io::Result<()> {
        let refuse = |why: String| io::Error::new(io::ErrorKind::PermissionDenied, why);
        match std::fs::metadata(dir) {
            Ok(_) => check_private_dir(dir, &refuse),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let ancestor = dir.ancestors().skip(1).find(|a| a.exists());
                match ancestor {
                    Some(a) if a.is_dir() => Ok(()),
                    Some(a) => Err(refuse(format!(
                        "{} cannot be created: {} is not a directory",
                        dir.display(),
                        a.display()
                    ))),
                    None => Ok(()),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// How often a holder checks that its lock file is still in place
    /// (default: every second).
    #[must_use]
    pub fn check_every(mut self, interval: Duration) -> Self {
        self.check_every = interval.max(Duration::from_millis(10));
        self
    }

    /// `/tmp/asyncgate-claims-<uid>` on Unix: the same for every process of
    /// a user on this host, whatever its `TMPDIR` or `XDG_RUNTIME_DIR` (a
    /// process of another user, or one given another directory, cannot see
    /// these claims). Elsewhere, `<temp dir>/asyncgate-claims`. It is
    /// [`default_dir_for`](FileStore::default_dir_for) the prefix `ASYNCGATE`.
    pub fn default_dir() -> PathBuf {
        Self::default_dir_for("ASYNCGATE")
    }

    /// The default claim directory of the service whose settings have
    /// `prefix`: `/tmp/<prefix in lower case, _ as ->-claims-<uid>` on Unix
    /// (`/tmp/ledger-sweeper-claims-1000` for `LEDGER_SWEEPER`), so the
    /// claims of one service are not listed, or taken, by another.
    ///
    /// ```
    /// # use asyncgate_config::claim::FileStore;
    /// let dir = FileStore::default_dir_for("LEDGER_SWEEPER");
    /// assert!(dir.file_name().unwrap().to_str().unwrap().starts_with("ledger-sweeper-claims-"));
    /// ```
    pub fn default_dir_for(prefix: &str) -> PathBuf {
        // A prefix is `[A-Z0-9_]`; anything else is dropped, so the name
        // stays one path component.
        let service: String = prefix
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .map(|c| {
                if c == '_' {
                    '-'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        let service = if service.is_empty() {
            "asyncgate".to_owned()
        } else {
            service
        };
        #[cfg(unix)]
        {
            let uid = current_uid().map_or_else(|_| "unknown".to_owned(), |u| u.to_string());
            PathBuf::from(format!("/tmp/{service}-claims-{uid}"))
        }
        #[cfg(not(unix))]
        {
            std::env::temp_dir().join(format!("{service}-claims"))
        }
    }

    /// The claim directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The lock file of `id`: `<id>.lock` in the claim directory.
    pub fn lock_path(&self, id: &InstanceId) -> PathBuf {
        self.dir.join(format!("{id}.lock"))
    }

    fn error(&self, reason: impl Into<String>) -> ClaimError {
        ClaimError::store(self.describe(), reason)
    }

    /// A store error caused by the I/O error `e`: `what` failed.
    fn io_error(&self, what: String, e: io::Error) -> ClaimError {
        let reason = format!("{what}: {e}");
        ClaimError::store_caused_by(self.describe(), reason, e)
    }

    fn acquire_now(&self, id: &InstanceId) -> Result<Box<dyn HeldClaim>, ClaimError> {
        match self.take(id, None)? {
            Some(claim) => Ok(Box::new(claim)),
            None => Err(self.error(format!("the claim of `{id}` could not be taken"))),
        }
    }

    /// Adopts the partition of `id`, a replica that is gone, for `adopter`
    /// to sweep: `None` when `id` is held (alive, or adopted already) or
    /// was never claimed here. The kernel frees a dead holder's lock at
    /// once, however it died. The adoption holds the claim at the next
    /// epoch, so the dead replica's fenced writes fail; when `id` starts
    /// again, its claim takes the partition back within two check
    /// intervals, and the adoption's watch fires.
    ///
    /// ```
    /// use asyncgate_config::InstanceId;
    /// use asyncgate_config::claim::{ClaimStore, FileStore};
    ///
    /// # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// # runtime.block_on(async {
    /// let dir = std::env::temp_dir().join(format!("asyncgate-adopt-doc-{}", std::process::id()));
    /// let store = FileStore::new(&dir)?;
    /// let (gone, peer): (InstanceId, InstanceId) = ("worker-1".parse()?, "worker-2".parse()?);
    /// store.acquire(&gone).await?.release().await?; // a replica that stopped
    /// let adopted = store.adopt(&gone, &peer)?.expect("nobody holds it");
    /// assert_eq!(adopted.partition().epoch, 2);
    /// assert!(store.adopt(&gone, &peer)?.is_none(), "held by the adoption");
    /// let back = store.acquire(&gone).await?; // the replica starts again
    /// assert_eq!(back.epoch(), 3);
    /// assert!(adopted.watch().is_set());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn adopt(
        &self,
        id: &InstanceId,
        adopter: &InstanceId,
    ) -> Result<Option<super::Adopted>, ClaimError> {
        Ok(self
            .take(id, Some(adopter))?
            .map(|claim| super::Adopted::new(id.clone(), Box::new(claim))))
    }

    /// Takes the claim of `id`: for itself, or (`adopter`) for a replica
    /// that sweeps a dead one's partition. `None` only for an adoption
    /// that finds the id held, or never claimed. Five phases: open the lock
    /// file, lock it, find the next epoch, write the record, watch it.
    fn take(
        &self,
        id: &InstanceId,
        adopter: Option<&InstanceId>,
    ) -> Result<Option<FileClaim>, ClaimError> {
        if id.len() > MAX_ID_LEN {
            return Err(self.error(format!(
                "the file store names its lock file after the id, and `{id}` has {} characters: use an id of at most {MAX_ID_LEN}, or the PostgreSQL store",
                id.len()
            )));
        }
        let path = self.lock_path(id);
        let Some((mut file, meta)) = self.open_lock_file(id, &path, adopter)? else {
            return Ok(None);
        };
        if !self.lock(&mut file, id, &path, adopter.is_some())? {
            return Ok(None);
        }
        let Some(epoch) = self.next_epoch(&mut file, id, &path, &meta, adopter.is_some())? else {
            return Ok(None);
        };
        self.write_holder(&mut file, id, &path, epoch, adopter)?;
        self.watch(file, id, path, meta, epoch, adopter.is_some())
            .map(Some)
    }

    /// Opens `id`'s lock file (creating it, unless for an adoption) and
    /// checks it is a regular file of ours; `None` for an adoption of an id
    /// never claimed here.
    fn open_lock_file(
        &self,
        id: &InstanceId,
        path: &Path,
        adopter: Option<&InstanceId>,
    ) -> Result<Option<(File, Metadata)>, ClaimError> {
        let access = if adopter.is_some() {
            Access::Write
        } else {
            Access::Create
        };
        let file = match open_no_follow(path, access) {
            Ok(file) => file,
            Err(e) if adopter.is_some() && e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(self.foreign_file(id, path));
            }
            Err(e) => return Err(self.io_error(format!("cannot open {}", path.display()), e)),
        };
        let meta = file
            .metadata()
            .map_err(|e| self.io_error(format!("cannot inspect {}", path.display()), e))?;
        self.check_lock_file(path, &meta)?;
        Ok(Some((file, meta)))
    }

    /// Locks the open lock file: `false` for an adoption that finds it
    /// held; a held claim is refused with its holder, unless it is an
    /// adoption of `id`, which is asked to give it back.
    fn lock(
        &self,
        file: &mut File,
        id: &InstanceId,
        path: &Path,
        adopting: bool,
    ) -> Result<bool, ClaimError> {
        match file.try_lock() {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) if adopting => Ok(false),
            Err(TryLockError::WouldBlock) => {
                let (holder, epoch, adopted_by) = match read_contents(file) {
                    Contents::Record(record) => {
                        (Some(record.holder()), record.epoch, record.adopted_by)
                    }
                    Contents::Empty | Contents::Unreadable => (None, 0, None),
                };
                match adopted_by {
                    Some(adopter) => {
                        self.take_back(file, id, &adopter, holder, epoch)?;
                        Ok(true)
                    }
                    None => Err(ClaimError::Held {
                        id: id.clone(),
                        holder,
                        epoch,
                    }),
                }
            }
            Err(TryLockError::Error(e)) => {
                Err(self.io_error(format!("cannot lock {}", path.display()), e))
            }
        }
    }

    /// The epoch this claim holds: one above the last one granted (the
    /// record's, or the high-water mark's). `None` for an adoption of an id
    /// whose claim was never recorded.
    fn next_epoch(
        &self,
        file: &mut File,
        id: &InstanceId,
        path: &Path,
        meta: &Metadata,
        adopting: bool,
    ) -> Result<Option<u64>, ClaimError> {
        // Locked: the file must still be the one at the path (it could have
        // been removed or replaced between the open and the lock).
        if !same_file(meta, path) {
            return Err(self.error(format!(
                "{} was removed or replaced while it was being claimed: try again",
                path.display()
            )));
        }
        let previous = match read_contents(file) {
            // Nothing to adopt: the id's claim was never recorded.
            Contents::Empty if adopting => return Ok(None),
            Contents::Empty => self.after_replacement(id)?,
            Contents::Record(record) if record.instance_id == id.as_str() => {
                // Epochs only grow, whatever the record claims.
                let high_water = std::fs::read_to_string(self.high_water_path(id))
                    .ok()
                    .and_then(|t| t.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                record.epoch.max(high_water)
            }
            Contents::Record(_) | Contents::Unreadable => {
                return Err(self.error(format!(
                    "{} does not hold a claim record for `{id}` (forged or corrupt): after making sure no replica uses this id, remove the file",
                    path.display()
                )));
            }
        };
        match previous.checked_add(1) {
            Some(epoch) => Ok(Some(epoch)),
            None => Err(self.error(format!(
                "{} records epoch {previous}, and an epoch never wraps: the record was forged or corrupted; after making sure no replica uses this id, remove the file",
                path.display()
            ))),
        }
    }

    /// Writes this process as the holder at `epoch`, and the high-water mark.
    fn write_holder(
        &self,
        file: &mut File,
        id: &InstanceId,
        path: &Path,
        epoch: u64,
        adopter: Option<&InstanceId>,
    ) -> Result<(), ClaimError> {
        let me = Holder::current();
        let record = Record {
            instance_id: id.as_str().to_owned(),
            host: me.host,
            pid: me.pid,
            since_unix: me
                .since
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            epoch,
            adopted_by: adopter.map(|a| a.as_str().to_owned()),
        };
        write_record(file, &record)
            .map_err(|e| self.io_error(format!("cannot write {}", path.display()), e))?;
        self.write_high_water(id, epoch)
    }

    /// The held claim, with its watcher thread started.
    fn watch(
        &self,
        file: File,
        id: &InstanceId,
        path: PathBuf,
        meta: Metadata,
        epoch: u64,
        adopting: bool,
    ) -> Result<FileClaim, ClaimError> {
        // An adoption gives the lock up when the id asks for it back; a
        // request older than any wait for it was left by a process that died.
        let take_back = if adopting {
            Some((
                self.stale_take_back_removed(id),
                file.try_clone()
                    .map_err(|e| self.io_error(format!("cannot share {}", path.display()), e))?,
            ))
        } else {
            None
        };
        let (signal, _) = ClaimSignal::new();
        let signal = Arc::new(signal);
        let stop = Arc::new(AtomicBool::new(false));
        spawn_watcher(
            Watched {
                path,
                meta,
                take_back,
            },
            self.check_every,
            Arc::clone(&signal),
            Arc::clone(&stop),
        );
        Ok(FileClaim {
            file,
            epoch,
            signal,
            stop,
        })
    }

    /// A lock file the running user cannot open: another user's.
    fn foreign_file(&self, id: &InstanceId, path: &Path) -> ClaimError {
        let mut contents =
            File::open(path).map_or(Contents::Unreadable, |mut f| read_contents(&mut f));
        if let Contents::Record(record) = std::mem::replace(&mut contents, Contents::Empty) {
            return ClaimError::Held {
                id: id.clone(),
                holder: Some(record.holder()),
                epoch: record.epoch,
            };
        }
        let owner =
            owner_of(path).map_or_else(|| "another user".to_owned(), |uid| format!("uid {uid}"));
        self.error(format!(
            "{} belongs to {owner}, and this process cannot open it: another user's process claimed `{id}` here",
            path.display()
        ))
    }

    /// The lock file must be a regular file of ours with one name.
    fn check_lock_file(&self, path: &Path, meta: &Metadata) -> Result<(), ClaimError> {
        if !meta.is_file() {
            return Err(self.error(format!("{} is not a regular file", path.display())));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let me = current_uid().map_err(|e| self.error(e.to_string()))?;
            if meta.uid() != me || meta.nlink() != 1 {
                return Err(self.error(format!(
                    "{} belongs to uid {} or has other names ({} links): it was not made by this store; remove it",
                    path.display(),
                    meta.uid(),
                    meta.nlink()
                )));
            }
        }
        Ok(())
    }
}

impl ClaimStore for FileStore {
    fn acquire<'a>(
        &'a self,
        id: &'a InstanceId,
    ) -> BoxFuture<'a, Result<Box<dyn HeldClaim>, ClaimError>> {
        Box::pin(async move {
            // File I/O, and a wait of up to two check intervals when the
            // claim is taken back from an adopter: on Tokio's blocking pool,
            // not on a thread that runs tasks. Elsewhere, inline.
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return self.acquire_now(id);
            };
            let (store, owned_id) = (self.clone(), id.clone());
            runtime
                .spawn_blocking(move || store.acquire_now(&owned_id))
                .await
                .unwrap_or_else(|e| {
                    Err(ClaimError::store_caused_by(
                        self.describe(),
                        format!("taking the claim of `{id}` failed: {e}"),
                        e,
                    ))
                })
        })
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<ClaimInfo>, ClaimError>> {
        Box::pin(async move { self.list_now() })
    }

    fn describe(&self) -> String {
        format!("file store {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests;
