//! What `claims` shows: every lock file in the directory, whether its
//! claim is live, and what this host can vouch for.

use std::path::Path;

use super::FileStore;
use super::record::{Contents, Record, read_contents};
use super::safe_fs::{Access, open_no_follow};
use crate::claim::{ClaimError, ClaimInfo, Holder, Trust};

impl FileStore {
    pub(super) fn list_now(&self) -> Result<Vec<ClaimInfo>, ClaimError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| self.io_error("cannot read the directory".to_owned(), e))?;
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

/// What `claims` can vouch for: a live holder on this host whose pid runs.
pub(super) fn trust_of(record: &Record, host: &str, live: bool) -> Trust {
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
