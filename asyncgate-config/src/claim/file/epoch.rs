//! Epochs only grow: the highest epoch granted for an id is kept in
//! `<id>.epoch` beside its lock file, so that removing the lock file does
//! not reset them.

use std::path::PathBuf;

use super::FileStore;
use super::safe_fs::write_private;
use crate::claim::ClaimError;
use crate::instance_id::InstanceId;

impl FileStore {
    /// `<id>.epoch`: the highest epoch granted, kept beside the lock file so
    /// that removing the lock file does not reset epochs.
    pub(super) fn high_water_path(&self, id: &InstanceId) -> PathBuf {
        self.dir.join(format!("{id}.epoch"))
    }

    pub(super) fn write_high_water(&self, id: &InstanceId, epoch: u64) -> Result<(), ClaimError> {
        let path = self.high_water_path(id);
        let temp = self.dir.join(format!(".{id}.epoch.{}", std::process::id()));
        let written = write_private(&temp, epoch.to_string().as_bytes())
            .and_then(|()| std::fs::rename(&temp, &path));
        written.map_err(|e| self.io_error(format!("cannot write {}", path.display()), e))
    }

    /// The lock file is new. If epochs were granted before, the old file
    /// was removed or replaced while a holder may still believe it holds
    /// the claim: continue from the recorded epoch, and wait two check
    /// intervals so that the old holder notices and stops first.
    pub(super) fn after_replacement(&self, id: &InstanceId) -> Result<u64, ClaimError> {
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
}
