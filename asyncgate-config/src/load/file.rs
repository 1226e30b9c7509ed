//! Reading the files a load names (`.env`, the TOML file, `NAME_FILE`
//! secrets): regular files only, opened without blocking (a FIFO cannot
//! hang start-up) and without following a final symlink to a device, and
//! never more than a limit (`/dev/zero` cannot exhaust memory).

use std::borrow::Cow;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Size limits, in bytes.
pub(crate) const CONFIG_FILE_LIMIT: u64 = 1024 * 1024;
pub(crate) const DOTENV_LIMIT: u64 = 1024 * 1024;
pub(crate) const SECRET_FILE_LIMIT: u64 = 64 * 1024;

/// Why a file could not be used.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// No such file.
    NotFound,
    /// A directory, FIFO, socket or device.
    NotRegular(&'static str),
    /// Larger than the limit.
    TooLarge { limit: u64 },
    /// A file of settings that another user could have written: owned by
    /// someone other than this process's user or root, or writable by its
    /// group or others. What is wrong, and the fix.
    Untrusted { why: String, fix: String },
    /// Any other I/O error.
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("does not exist"),
            ReadError::NotRegular(kind) => write!(f, "is a {kind}, not a regular file"),
            ReadError::TooLarge { limit } => {
                write!(f, "is larger than {} KiB, the most accepted", limit / 1024)
            }
            ReadError::Io(e) => write!(f, "cannot be read: {e}"),
            ReadError::Untrusted { why, .. } => f.write_str(why),
        }
    }
}

impl ReadError {
    /// The fix for a file another user could have written.
    pub(crate) fn fix(&self) -> Option<&str> {
        match self {
            ReadError::Untrusted { fix, .. } => Some(fix),
            _ => None,
        }
    }
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "FIFO";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "device";
        }
    }
    if file_type.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

fn open(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading would wait for a writer.
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The directory a load's relative paths resolve against: the loader's,
/// or the current one. The current one is looked up (a system call) only
/// when a path must be shown: most loads find no `.env` and need none.
#[derive(Debug)]
pub(crate) struct BaseDir(Option<PathBuf>);

impl BaseDir {
    /// `Some(dir)` from `Loader::current_dir`, else the current directory.
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        BaseDir(dir)
    }

    /// `relative` as the system resolves it: under the loader's
    /// directory, or left relative (to the current directory).
    pub(crate) fn to_open<'p>(&self, relative: &'p Path) -> Cow<'p, Path> {
        match &self.0 {
            Some(dir) => Cow::Owned(dir.join(relative)),
            None => Cow::Borrowed(relative),
        }
    }

    /// `relative` as messages and provenance show it: absolute, unless the
    /// current directory cannot be read.
    pub(crate) fn join(&self, relative: impl AsRef<Path>) -> PathBuf {
        match &self.0 {
            Some(dir) => dir.join(relative),
            None => match std::env::current_dir() {
                Ok(dir) => dir.join(relative),
                Err(_) => relative.as_ref().to_path_buf(),
            },
        }
    }
}

/// The contents of a file of settings (`.env`, the config file): as
/// [`read_bounded`], and refused when another user could have written it,
/// since whoever writes it chooses this service's settings (a `.env`
/// planted in the working directory could switch on insecure dev mode).
/// The file must belong to this process's user or to root, and must not be
/// writable by its group or others.
pub(crate) fn read_settings_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_checked(path, limit, settings_file_owner_and_mode)
}

#[cfg(unix)]
fn settings_file_owner_and_mode(meta: &std::fs::Metadata, path: &Path) -> Result<(), ReadError> {
    use std::os::unix::fs::MetadataExt;
    let (owner, mode) = (meta.uid(), meta.mode() & 0o7777);
    let shown = crate::text::printable_name(&path.display().to_string());
    let me = crate::os_user::current_uid().map_err(ReadError::Io)?;
    if owner != me && owner != 0 {
        return Err(ReadError::Untrusted {
            why: format!(
                "is owned by uid {owner} (mode {mode:04o}), neither this process's user (uid {me}) nor root: that user could change this service's settings through it"
            ),
            fix: format!(
                "make it yours (`chown {me} {shown}`), or remove it if you did not write it"
            ),
        });
    }
    if mode & 0o022 != 0 {
        let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
            (true, true) => "its group and others",
            (true, false) => "its group",
            _ => "others",
        };
        return Err(ReadError::Untrusted {
            why: format!(
                "is writable by {who} (mode {mode:04o}, owner uid {owner}): anyone who can write it could change this service's settings"
            ),
            fix: format!("`chmod go-w {shown}`"),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn settings_file_owner_and_mode(_: &std::fs::Metadata, _: &Path) -> Result<(), ReadError> {
    Ok(())
}

/// The contents of the regular file at `path`, at most `limit` bytes.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_checked(path, limit, |_, _| Ok(()))
}

/// [`read_bounded`], with `check` run on the file that was opened.
fn read_checked(
    path: &Path,
    limit: u64,
    check: impl Fn(&std::fs::Metadata, &Path) -> Result<(), ReadError>,
) -> Result<Vec<u8>, ReadError> {
    // `stat` first: it never blocks, and names what the file is.
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e),
    })?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    let file = open(path).map_err(ReadError::Io)?;
    // The path may have changed between the two calls: check what was opened.
    let opened = file.metadata().map_err(ReadError::Io)?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular(kind_of(opened.file_type())));
    }
    check(&opened, path)?;
    if opened.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_bounded(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_bounded(&path, 9),
            Err(ReadError::TooLarge { limit: 9 })
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("none"), 9),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            read_bounded(dir.path(), 9),
            Err(ReadError::NotRegular("directory"))
        ));
    }

    // FIFOs are tested in tests/special_files.rs: making one spawns
    // `mkfifo`, and a fork here would briefly share the claim tests' locks.
    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_refused_without_reading() {
        for device in ["/dev/zero", "/dev/urandom", "/dev/null"] {
            let err = read_bounded(Path::new(device), 1024).unwrap_err();
            assert_eq!(
                err.to_string(),
                "is a device, not a regular file",
                "{device}"
            );
        }
    }
}
