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

use std::fs::{File, Metadata, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{
    BoxFuture, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, ClaimWatch, HeldClaim, Holder, Trust,
};
use crate::instance_id::InstanceId;
#[cfg(unix)]
use crate::os_user::current_uid;

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

/// What a lock file holds.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    instance_id: String,
    host: String,
    pid: u32,
    since_unix: u64,
    epoch: u64,
    /// Set when another replica holds a dead replica's id to sweep its
    /// partition ([`FileStore::adopt`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    adopted_by: Option<String>,
}

impl Record {
    fn holder(&self) -> Holder {
        Holder {
            host: self.host.clone(),
            pid: self.pid,
            since: UNIX_EPOCH + Duration::from_secs(self.since_unix),
        }
    }
}

/// What a lock file's contents turned out to be.
enum Contents {
    Empty,
    Record(Record),
    Unreadable,
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
    /// [`FileStore::new`] would refuse, for `check`-style validation.
    pub fn check(dir: &Path) -> io::Result<()> {
        let refuse = |why: String| io::Error::new(io::ErrorKind::PermissionDenied, why);
        match std::fs::metadata(dir) {
            Ok(_) => check_dir(dir, &refuse),
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
        ClaimError::Store {
            store: self.describe(),
            reason: reason.into(),
        }
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
    /// that finds the id held, or never claimed.
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
        let access = if adopter.is_some() {
            Access::Write
        } else {
            Access::Create
        };
        let mut file = match open_no_follow(&path, access) {
            Ok(file) => file,
            Err(e) if adopter.is_some() && e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(self.foreign_file(id, &path));
            }
            Err(e) => return Err(self.error(format!("cannot open {}: {e}", path.display()))),
        };
        let meta = file
            .metadata()
            .map_err(|e| self.error(format!("cannot inspect {}: {e}", path.display())))?;
        self.check_lock_file(&path, &meta)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if adopter.is_some() => return Ok(None),
            Err(TryLockError::WouldBlock) => {
                let (holder, epoch, adopted_by) = match read_contents(&mut file) {
                    Contents::Record(record) => {
                        (Some(record.holder()), record.epoch, record.adopted_by)
                    }
                    Contents::Empty | Contents::Unreadable => (None, 0, None),
                };
                match adopted_by {
                    Some(adopter) => self.take_back(&file, id, &adopter, holder, epoch)?,
                    None => {
                        return Err(ClaimError::Held {
                            id: id.clone(),
                            holder,
                            epoch,
                        });
                    }
                }
            }
            Err(TryLockError::Error(e)) => {
                return Err(self.error(format!("cannot lock {}: {e}", path.display())));
            }
        }
        // Locked: the file must still be the one at the path (it could have
        // been removed or replaced between the open and the lock).
        if !same_file(&meta, &path) {
            return Err(self.error(format!(
                "{} was removed or replaced while it was being claimed: try again",
                path.display()
            )));
        }
        let previous = match read_contents(&mut file) {
            // Nothing to adopt: the id's claim was never recorded.
            Contents::Empty if adopter.is_some() => return Ok(None),
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
        let Some(epoch) = previous.checked_add(1) else {
            return Err(self.error(format!(
                "{} records epoch {previous}, and an epoch never wraps: the record was forged or corrupted; after making sure no replica uses this id, remove the file",
                path.display()
            )));
        };
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
        write_record(&mut file, &record)
            .map_err(|e| self.error(format!("cannot write {}: {e}", path.display())))?;
        self.write_high_water(id, epoch)?;
        // An adoption gives the lock up when the id asks for it back; a
        // request older than any wait for it was left by a process that died.
        let take_back = match adopter {
            Some(_) => Some((
                self.stale_take_back_removed(id),
                file.try_clone()
                    .map_err(|e| self.error(format!("cannot share {}: {e}", path.display())))?,
            )),
            None => None,
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
        Ok(Some(FileClaim {
            file,
            epoch,
            signal,
            stop,
        }))
    }

    /// `<id>.takeback`: put there by `id` starting again while a replica
    /// holds its claim as an adoption; the adoption then lets the lock go.
    fn take_back_path(&self, id: &InstanceId) -> PathBuf {
        self.dir.join(format!("{id}.takeback"))
    }

    /// The path of `id`'s take-back request, after removing a request that
    /// nobody can still be waiting on.
    fn stale_take_back_removed(&self, id: &InstanceId) -> PathBuf {
        let request = self.take_back_path(id);
        let stale = std::fs::symlink_metadata(&request)
            .and_then(|m| m.modified())
            .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > self.take_back_wait()));
        if stale {
            let _ = std::fs::remove_file(&request);
        }
        request
    }

    /// How long an id that starts again waits for its adopter to let go.
    fn take_back_wait(&self) -> Duration {
        self.check_every * 2 + Duration::from_millis(500)
    }

    /// Asks the adopter of `id` to give the claim back, and waits (two check
    /// intervals, and half a second) for its lock on `file`.
    fn take_back(
        &self,
        file: &File,
        id: &InstanceId,
        adopter: &str,
        holder: Option<Holder>,
        epoch: u64,
    ) -> Result<(), ClaimError> {
        let request = self.take_back_path(id);
        open_no_follow(&request, Access::Create)
            .and_then(|mut f| f.write_all(adopter.as_bytes()))
            .map_err(|e| self.error(format!("cannot write {}: {e}", request.display())))?;
        let deadline = std::time::Instant::now() + self.take_back_wait();
        let taken = loop {
            match file.try_lock() {
                Ok(()) => break Ok(()),
                Err(TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(TryLockError::WouldBlock) => {
                    break Err(ClaimError::Held {
                        id: id.clone(),
                        holder,
                        epoch,
                    });
                }
                Err(TryLockError::Error(e)) => {
                    break Err(
                        self.error(format!("cannot lock {}: {e}", self.lock_path(id).display()))
                    );
                }
            }
        };
        let _ = std::fs::remove_file(&request);
        if taken.is_ok() {
            tracing::info!(
                target: "asyncgate_config",
                "took the partition of {id} back from {}, which had adopted it",
                crate::text::printable(adopter)
            );
        }
        taken
    }

    /// `<id>.epoch`: the highest epoch granted, kept beside the lock file so
    /// that removing the lock file does not reset epochs.
    fn high_water_path(&self, id: &InstanceId) -> PathBuf {
        self.dir.join(format!("{id}.epoch"))
    }

    fn write_high_water(&self, id: &InstanceId, epoch: u64) -> Result<(), ClaimError> {
        let path = self.high_water_path(id);
        let temp = self.dir.join(format!(".{id}.epoch.{}", std::process::id()));
        let written = write_private(&temp, epoch.to_string().as_bytes())
            .and_then(|()| std::fs::rename(&temp, &path));
        written.map_err(|e| self.error(format!("cannot write {}: {e}", path.display())))
    }

    /// The lock file is new. If epochs were granted before, the old file
    /// was removed or replaced while a holder may still believe it holds
    /// the claim: continue from the recorded epoch, and wait two check
    /// intervals so that the old holder notices and stops first.
    fn after_replacement(&self, id: &InstanceId) -> Result<u64, ClaimError> {
        let path = self.high_water_path(id);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(0);
        };
        let previous: u64 = text.trim().parse().map_err(|_| {
            self.error(format!(
                "{} is not an epoch (forged or corrupt): after making sure no replica uses this id, remove it",
                path.display()
            ))
        })?;
        tracing::warn!(
            target: "asyncgate_config",
            "the lock file of {id} was removed or replaced after epoch {previous}: waiting {}ms for its last holder to stop",
            (self.check_every * 2).as_millis()
        );
        std::thread::sleep(self.check_every * 2);
        Ok(previous)
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

    fn list_now(&self) -> Result<Vec<ClaimInfo>, ClaimError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| self.error(format!("cannot read the directory: {e}")))?;
        let host = Holder::current().host;
        let mut claims = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Some(id) = name.strip_suffix(".lock") else {
                continue;
            };
            let Ok(mut file) = open_no_follow(&entry.path(), Access::Read) else {
                continue;
            };
            // A shared lock can be had only while nobody holds the claim.
            let live = match file.try_lock_shared() {
                Ok(()) => {
                    let _ = file.unlock();
                    false
                }
                Err(_) => true,
            };
            let (holder, epoch, trust, adopted_by) = match read_contents(&mut file) {
                Contents::Record(record) if record.instance_id == id => {
                    let trust = trust_of(&record, &host, live);
                    // Only a live adoption is one; a released one is history.
                    let adopted_by = record.adopted_by.clone().filter(|_| live);
                    (Some(record.holder()), record.epoch, trust, adopted_by)
                }
                Contents::Empty => continue,
                Contents::Record(_) | Contents::Unreadable => (None, 0, Trust::Unreadable, None),
            };
            claims.push(ClaimInfo {
                instance_id: id.to_owned(),
                holder,
                epoch,
                live,
                trust,
                adopted_by,
            });
        }
        claims.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
        Ok(claims)
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
                    Err(self.error(format!("taking the claim of `{id}` failed: {e}")))
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

/// What `claims` can vouch for: a live holder on this host whose pid runs.
fn trust_of(record: &Record, host: &str, live: bool) -> Trust {
    if record.host != host {
        return Trust::AsRecorded(format!("written by a holder naming host {}", record.host));
    }
    if !live {
        return Trust::AsRecorded("the claim is not held".to_owned());
    }
    if cfg!(target_os = "linux") && !Path::new(&format!("/proc/{}", record.pid)).exists() {
        return Trust::AsRecorded(format!("no process {} runs on this host", record.pid));
    }
    Trust::Verified
}

/// Creates `dir` private (0700), or checks that an existing one is a
/// directory of the running user's that no one else can write.
fn prepare_dir(dir: &Path) -> io::Result<()> {
    let refuse = |why: String| io::Error::new(io::ErrorKind::PermissionDenied, why);
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(dir)?;
            // Another process may have made it first: check whatever is there.
            check_dir(dir, &refuse)
        }
        Err(e) => Err(e),
        Ok(_) => check_dir(dir, &refuse),
    }
}

fn check_dir(dir: &Path, refuse: &dyn Fn(String) -> io::Error) -> io::Result<()> {
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(refuse(format!("{} is not a directory", dir.display())));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = current_uid()?;
        if meta.uid() != me {
            return Err(refuse(format!(
                "{} belongs to uid {}, not to this process's uid {me}: another user could plant or swap lock files in it; remove it, or set the claim directory to one of your own",
                dir.display(),
                meta.uid()
            )));
        }
        // Readable is refused too: the directory holds the embedded task
        // store, whose payloads are the service's data.
        if meta.mode() & 0o077 != 0 {
            return Err(refuse(format!(
                "{} can be read or written by other users (mode {:o}): run `chmod 700 {}`, or set the claim directory to a private one",
                dir.display(),
                meta.mode() & 0o777,
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path` that only its owner can read
/// (0600), whatever the umask.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // A file left by an earlier run keeps its mode: set it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)
}

fn owner_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(path).ok().map(|m| m.uid())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Opens without following a symlink at the final component.
/// How a lock file is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// To read a record (`claims`).
    Read,
    /// To claim an id whose file exists (an adoption).
    Write,
    /// To claim an id, creating its file (0600) if missing.
    Create,
}

fn open_no_follow(path: &Path, access: Access) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    if access != Access::Read {
        options.write(true);
    }
    if access == Access::Create {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        if access == Access::Create {
            options.mode(0o600);
        }
    }
    options.open(path)
}

/// Whether the file at `path` is the one described by `meta` (same device
/// and inode).
fn same_file(meta: &Metadata, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(path)
            .is_ok_and(|now| now.dev() == meta.dev() && now.ino() == meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        path.exists()
    }
}

/// What a holder's watcher looks at.
struct Watched {
    /// The lock file, and what it was when locked.
    path: PathBuf,
    meta: Metadata,
    /// For an adoption: where the id asks for its claim back, and the
    /// locked file (a shared handle), to let the lock go then.
    take_back: Option<(PathBuf, File)>,
}

/// Checks every `interval` that the held lock file is still the one at
/// `path` (when it is not, the claim is lost) and, for an adoption,
/// whether the id asks for it back (then the lock goes, and the claim
/// ends).
fn spawn_watcher(
    watched: Watched,
    interval: Duration,
    signal: Arc<ClaimSignal>,
    stop: Arc<AtomicBool>,
) {
    let spawned = std::thread::Builder::new()
        .name("asyncgate-claim-watch".to_owned())
        .spawn(move || {
            let Watched {
                path,
                meta,
                take_back,
            } = watched;
            while !stop.load(Ordering::Acquire) {
                std::thread::park_timeout(interval);
                if stop.load(Ordering::Acquire) {
                    return;
                }
                if !same_file(&meta, &path) {
                    signal.set(format!(
                        "the lock file {} was removed or replaced: another process could claim this id",
                        path.display()
                    ));
                    return;
                }
                if let Some((request, file)) = &take_back
                    && std::fs::symlink_metadata(request).is_ok()
                {
                    signal.set("taken back: the adopted id started again".to_owned());
                    let _ = file.unlock();
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(target: "asyncgate_config", "cannot watch the claim's lock file: {e}");
    }
}

fn read_contents(file: &mut File) -> Contents {
    let mut text = String::new();
    if file.seek(SeekFrom::Start(0)).is_err()
        || file
            .take(2 * RECORD_BLOCK as u64)
            .read_to_string(&mut text)
            .is_err()
    {
        return Contents::Unreadable;
    }
    if text.trim().is_empty() {
        return Contents::Empty;
    }
    serde_json::from_str(text.trim_end()).map_or(Contents::Unreadable, Contents::Record)
}

/// Records are written over the previous one as a fixed-size block, padded
/// with spaces (which JSON ignores), so no truncation is needed: an id is at
/// most 253 characters and a hostname 255, far below the block size.
const RECORD_BLOCK: usize = 1024;

fn write_record(file: &mut File, record: &Record) -> io::Result<()> {
    let mut text = serde_json::to_string(record).map_err(io::Error::other)?;
    if text.len() < RECORD_BLOCK {
        text.push_str(&" ".repeat(RECORD_BLOCK - text.len()));
    } else {
        file.set_len(0)?;
    }
    file.seek(SeekFrom::Start(0))?;
    // No fsync: the kernel lock, not the record, excludes other holders, and
    // other processes read the record through the page cache.
    file.write_all(text.as_bytes())
}

/// A held file claim: the open, locked file, and its watcher.
#[derive(Debug)]
struct FileClaim {
    file: File,
    epoch: u64,
    signal: Arc<ClaimSignal>,
    stop: Arc<AtomicBool>,
}

impl Drop for FileClaim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

impl HeldClaim for FileClaim {
    fn epoch(&self) -> u64 {
        self.epoch
    }

    fn watch(&self) -> ClaimWatch {
        self.signal.watch()
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), ClaimError>> {
        Box::pin(async move {
            // Closing the file releases the lock; the record (and its epoch) stays.
            let _ = self.file.unlock();
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests;
