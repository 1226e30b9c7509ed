//! Reading the process environment in place, when that is sound.
//!
//! `std::env::vars_os()` copies every variable of the process (two
//! allocations each) to hand out an owned list: in a Kubernetes pod, where
//! every Service of the namespace adds seven variables, that copy is most
//! of a load. A load keeps only the few variables a setting or a platform
//! can read, so it reads C's `environ` array where it lies and copies only
//! those.
//!
//! Reading `environ` is sound only while nothing changes it, and std's
//! lock around it is private. So this path is taken only when glibc says
//! that the process has a single thread (`__libc_single_threaded`, glibc
//! 2.32 and later, looked up once with `dlsym`): then no other thread
//! exists to call `set_var`, and this thread is busy reading. That is the
//! usual case, since a service loads its settings in `main` before it
//! starts a runtime. With a second thread, another C library, or a static
//! glibc, the caller falls back to std's copy; both paths keep the same
//! variables (tested in `tests/process_environment.rs`).
#![allow(unsafe_code)]

/// Linux with a dynamically linked glibc: read in place while it says the
/// process has one thread.
#[cfg(all(
    target_os = "linux",
    target_env = "gnu",
    not(target_feature = "crt-static")
))]
mod platform {
    use std::ffi::{CStr, c_char};
    use std::sync::OnceLock;

    /// The address of glibc's `__libc_single_threaded` byte (0 when this
    /// glibc has none), looked up once.
    fn single_threaded_flag() -> usize {
        static FLAG: OnceLock<usize> = OnceLock::new();
        *FLAG.get_or_init(|| {
            // SAFETY: `dlsym` is thread-safe; the name is a C string.
            unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"__libc_single_threaded".as_ptr()) as usize }
        })
    }

    /// Whether glibc knows this process to have one thread: once a second
    /// thread has been created it says no, for good.
    pub(crate) fn single_threaded() -> bool {
        let flag = single_threaded_flag() as *const c_char;
        // SAFETY: a non-null result is glibc's flag, a byte that lives as
        // long as the process and that glibc documents for applications to
        // read (its manual, "Single-Threaded"). glibc clears it in the
        // thread that creates a thread: when it reads non-zero here, this
        // is the only thread, and no one else can write it meanwhile.
        !flag.is_null() && unsafe { flag.read_volatile() } != 0
    }

    /// Calls `each(name, value)` for every variable in `environ`, split at
    /// the first `=` after the name's first byte (as std and glibc do;
    /// entries without one are skipped). `None` when the process may have
    /// another thread: read with `std::env::vars_os()` instead.
    pub(crate) fn for_each(mut each: impl FnMut(&[u8], &[u8])) -> Option<()> {
        if !single_threaded() {
            return None;
        }
        // SAFETY: the process has one thread, this one, and nothing below
        // changes the environment (`each`, the crate's own, copies bytes);
        // so the array and its strings stay as they are while they are read.
        // glibc keeps `environ` null or a null-terminated array of
        // pointers to NUL-terminated strings.
        let mut entry = unsafe { libc::environ }.cast_const();
        if entry.is_null() {
            return Some(());
        }
        loop {
            // SAFETY: see above; `entry` is within the array until the
            // terminating null.
            let text = unsafe { *entry }.cast::<u8>();
            if text.is_null() {
                return Some(());
            }
            // SAFETY: see above.
            let bytes = unsafe { CStr::from_ptr(text.cast()) }.to_bytes();
            // The name ends at the first `=` after its first byte; an entry
            // without one is skipped.
            if let Some(eq) = bytes.iter().skip(1).position(|&b| b == b'=') {
                each(&bytes[..eq + 1], &bytes[eq + 2..]);
            }
            // SAFETY: `entry` was not the terminating null, so the next
            // element is within the array.
            entry = unsafe { entry.add(1) };
        }
    }
}

/// Everywhere else (musl, other systems, a static glibc): no sound way to
/// read in place; std's copy is used.
#[cfg(not(all(
    target_os = "linux",
    target_env = "gnu",
    not(target_feature = "crt-static")
)))]
mod platform {
    pub(crate) fn single_threaded() -> bool {
        false
    }

    pub(crate) fn for_each(_each: impl FnMut(&[u8], &[u8])) -> Option<()> {
        None
    }
}

/// Calls `each(name, value)` for every variable of the process, read in
/// place; `None` where that is not sound or not supported (read with
/// `std::env::vars_os()` instead).
pub(crate) use platform::for_each;

/// Whether a load now reads the environment in place (not public API: the
/// test of both paths asks).
pub(crate) fn in_place() -> bool {
    platform::single_threaded()
}
