//! Opening and creating the store's files and directory safely: the
//! directory is the running user's and private (0700), files are created
//! 0600, lock files are opened without following symlinks, and a file is
//! compared by device and inode with what is at its path now.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

#[cfg(unix)]
use crate::os_user::current_uid;

/// Creates `dir` private (0700), or checks that an existing one is a
/// directory of the running user's that no one else can write.
pub(super) fn prepare_dir(dir: &Path) -> io::Result<()> {
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
            check_private_dir(dir, &refuse)
        }
        Err(e) => Err(e),
        Ok(_) => check_private_dir(dir, &refuse),
    }
}

/// Checks that `dir` is a directory of the running user's that no one
/// else can read or write.
pub(super) fn check_private_dir(
    dir: &Path,
    refuse: &dyn Fn(String) -> io::Error,
) -> io::Result<()> {
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
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
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

/// The uid that owns `path`, where the platform has one.
pub(super) fn owner_of(path: &Path) -> Option<u32> {
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

/// How a lock file is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// To read a record (`claims`).
    Read,
    /// To claim an id whose file exists (an adoption).
    Write,
    /// To claim an id, creating its file (0600) if missing.
    Create,
}

/// Opens without following a symlink at the final component.
pub(super) fn open_no_follow(path: &Path, access: Access) -> io::Result<File> {
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
pub(super) fn same_file(meta: &Metadata, path: &Path) -> bool {
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
