//! A held file claim: the open, locked file, and the watcher thread that
//! notices when the lock file is removed or replaced, or when an adopted id
//! asks for its claim back.

use std::fs::{File, Metadata};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::safe_fs::same_file;
use crate::claim::{BoxFuture, ClaimError, ClaimSignal, ClaimWatch, HeldClaim};

/// What a holder's watcher looks at.
pub(super) struct Watched {
    /// The lock file, and what it was when locked.
    pub(super) path: PathBuf,
    pub(super) meta: Metadata,
    /// For an adoption: where the id asks for its claim back, and the
    /// locked file (a shared handle), to let the lock go then.
    pub(super) take_back: Option<(PathBuf, File)>,
}

/// Checks every `interval` that the held lock file is still the one at
/// `path` (when it is not, the claim is lost) and, for an adoption,
/// whether the id asks for it back (then the lock goes, and the claim
/// ends).
pub(super) fn spawn_watcher(
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

/// A held file claim: the open, locked file, and its watcher.
#[derive(Debug)]
pub(super) struct FileClaim {
    pub(super) file: File,
    pub(super) epoch: u64,
    pub(super) signal: Arc<ClaimSignal>,
    pub(super) stop: Arc<AtomicBool>,
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
