//! The user this process runs as, asked of the OS without `unsafe`.

#[cfg(unix)]
use std::io;

/// The effective uid of this process: `/proc/self` belongs to it; elsewhere,
/// a file it creates does.
#[cfg(unix)]
pub(crate) fn current_uid() -> io::Result<u32> {
    use std::os::unix::fs::MetadataExt;
    if let Ok(meta) = std::fs::metadata("/proc/self") {
        return Ok(meta.uid());
    }
    let probe = std::env::temp_dir().join(format!(".asyncgate-uid-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)?;
    let uid = std::fs::metadata(&probe)?.uid();
    let _ = std::fs::remove_file(&probe);
    Ok(uid)
}
