//! Taking an adopted id's claim back: the id, started again, writes
//! `<id>.takeback`; the adoption's watcher sees it and lets its lock go.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::FileStore;
use super::safe_fs::{Access, open_no_follow};
use crate::claim::{ClaimError, Holder};
use crate::instance_id::InstanceId;

impl FileStore {
    /// `<id>.takeback`: put there by `id` starting again while a replica
    /// holds its claim as an adoption; the adoption then lets the lock go.
    pub(super) fn take_back_path(&self, id: &InstanceId) -> PathBuf {
        self.dir.join(format!("{id}.takeback"))
    }

    /// The path of `id`'s take-back request, after removing a request that
    /// nobody can still be waiting on.
    pub(super) fn stale_take_back_removed(&self, id: &InstanceId) -> PathBuf {
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
    pub(super) fn take_back_wait(&self) -> Duration {
        self.check_every * 2 + Duration::from_millis(500)
    }

    /// Asks the adopter of `id` to give the claim back, and waits (two check
    /// intervals, and half a second) for its lock on `file`.
    pub(super) fn take_back(
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
            .map_err(|e| self.io_error(format!("cannot write {}", request.display()), e))?;
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
                        self.io_error(format!("cannot lock {}", self.lock_path(id).display()), e)
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
}
