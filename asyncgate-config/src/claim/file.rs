//! The file-lock claim store: one host, no server.
//!
//! Each id has a lock file in the claim directory, named from a hash of the
//! id and locked with `File::try_lock` (an exclusive `flock` on Unix). The
//! holder's host, pid, start time and epoch are written inside. The kernel
//! releases the lock when the holder's process dies, however it dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{
    BoxFuture, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, ClaimWatch, HeldClaim, Holder,
};
use crate::instance_id::InstanceId;

/// Claims ids with lock files in one directory.
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
}

/// What a lock file holds.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    instance_id: String,
    host: String,
    pid: u32,
    since_unix: u64,
    epoch: u64,
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

impl FileStore {
    /// A store in `dir`, created if missing.
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(FileStore { dir })
    }

    /// `$XDG_RUNTIME_DIR/asyncgate-claims`, else `<temp dir>/asyncgate-claims`.
    pub fn default_dir() -> PathBuf {
        std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .map_or_else(std::env::temp_dir, PathBuf::from)
            .join("asyncgate-claims")
    }

    /// The claim directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The lock file of `id`: `claim-<FNV-1a 64 of the id>.lock`.
    pub fn lock_path(&self, id: &InstanceId) -> PathBuf {
        self.dir
            .join(format!("claim-{:016x}.lock", fnv1a(id.as_str().as_bytes())))
    }

    fn error(&self, reason: impl Into<String>) -> ClaimError {
        ClaimError::Store {
            store: self.describe(),
            reason: reason.into(),
        }
    }

    fn acquire_now(&self, id: &InstanceId) -> Result<Box<dyn HeldClaim>, ClaimError> {
        let path = self.lock_path(id);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| self.error(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let record = read_record(&mut file);
                return Err(ClaimError::Held {
                    id: id.clone(),
                    holder: record.as_ref().map(Record::holder),
                    epoch: record.map_or(0, |r| r.epoch),
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(self.error(format!("cannot lock {}: {e}", path.display())));
            }
        }
        let previous = read_record(&mut file).map_or(0, |r| r.epoch);
        let me = Holder::current();
        let record = Record {
            instance_id: id.as_str().to_owned(),
            host: me.host,
            pid: me.pid,
            since_unix: me
                .since
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            epoch: previous + 1,
        };
        write_record(&mut file, &record)
            .map_err(|e| self.error(format!("cannot write {}: {e}", path.display())))?;
        let (signal, _) = ClaimSignal::new();
        Ok(Box::new(FileClaim {
            file,
            epoch: record.epoch,
            signal,
        }))
    }

    fn list_now(&self) -> Result<Vec<ClaimInfo>, ClaimError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| self.error(format!("cannot read the directory: {e}")))?;
        let mut claims = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with("claim-") && name.ends_with(".lock")) {
                continue;
            }
            let Ok(mut file) = File::open(entry.path()) else {
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
            if let Some(record) = read_record(&mut file) {
                claims.push(ClaimInfo {
                    instance_id: record.instance_id.clone(),
                    holder: Some(record.holder()),
                    epoch: record.epoch,
                    live,
                });
            }
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
        Box::pin(async move { self.acquire_now(id) })
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<ClaimInfo>, ClaimError>> {
        Box::pin(async move { self.list_now() })
    }

    fn describe(&self) -> String {
        format!("file store {}", self.dir.display())
    }
}

fn read_record(file: &mut File) -> Option<Record> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
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

/// FNV-1a, 64 bits: a stable file name for any id.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A held file claim: the open, locked file.
#[derive(Debug)]
struct FileClaim {
    file: File,
    epoch: u64,
    signal: ClaimSignal,
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
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
            .block_on(f)
    }

    #[test]
    fn lock_file_names_are_stable_hashes() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let store = FileStore {
            dir: PathBuf::from("/x"),
        };
        let id: InstanceId = "a".parse().unwrap();
        assert_eq!(
            store.lock_path(&id),
            PathBuf::from("/x/claim-af63dc4c8601ec8c.lock")
        );
    }

    #[test]
    fn second_claimant_is_refused_and_epochs_grow() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path()).unwrap();
        let id: InstanceId = "worker-a1b2c3d4".parse().unwrap();
        let first = block_on(store.acquire(&id)).unwrap();
        assert_eq!(first.epoch(), 1);
        match block_on(store.acquire(&id)) {
            Err(ClaimError::Held {
                holder: Some(holder),
                epoch: 1,
                ..
            }) => assert_eq!(holder.pid, std::process::id()),
            other => panic!("{other:?}"),
        }
        let listed = block_on(store.list()).unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].live);
        block_on(first.release()).unwrap();
        assert!(!block_on(store.list()).unwrap()[0].live);
        let second = block_on(store.acquire(&id)).unwrap();
        assert_eq!(second.epoch(), 2);
        drop(second);
        assert_eq!(
            block_on(store.acquire(&id)).unwrap().epoch(),
            3,
            "dropping releases too"
        );
    }

    #[test]
    fn contenders_get_exactly_one_holder_per_round() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path()).unwrap();
        let id: InstanceId = "worker-contended".parse().unwrap();
        for round in 0..100 {
            let results: Vec<Result<Box<dyn HeldClaim>, ClaimError>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..20)
                    .map(|_| s.spawn(|| block_on(store.acquire(&id))))
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let holders = results.iter().filter(|r| r.is_ok()).count();
            let others: Vec<String> = results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .filter(|e| !matches!(e, ClaimError::Held { .. }))
                .map(ToString::to_string)
                .collect();
            assert_eq!(holders, 1, "round {round}: {others:?}");
            for result in results {
                match result {
                    Ok(held) => assert_eq!(held.epoch(), round + 1),
                    Err(ClaimError::Held { .. }) => {}
                    Err(other) => panic!("round {round}: {other}"),
                }
            }
        }
    }
}
