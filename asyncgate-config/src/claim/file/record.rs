//! The record a lock file holds (who holds the claim, at which epoch), and
//! how it is read and written: one fixed-size block of JSON, never trusted
//! when it does not parse.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::claim::Holder;

/// What a lock file holds.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Record {
    pub(super) instance_id: String,
    pub(super) host: String,
    pub(super) pid: u32,
    pub(super) since_unix: u64,
    pub(super) epoch: u64,
    /// Set when another replica holds a dead replica's id to sweep its
    /// partition ([`FileStore::adopt`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) adopted_by: Option<String>,
}

impl Record {
    pub(super) fn holder(&self) -> Holder {
        Holder {
            host: self.host.clone(),
            pid: self.pid,
            since: UNIX_EPOCH + Duration::from_secs(self.since_unix),
        }
    }
}

/// What a lock file's contents turned out to be.
pub(super) enum Contents {
    Empty,
    Record(Record),
    Unreadable,
}

pub(super) fn read_contents(file: &mut File) -> Contents {
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
pub(super) const RECORD_BLOCK: usize = 1024;

pub(super) fn write_record(file: &mut File, record: &Record) -> io::Result<()> {
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
