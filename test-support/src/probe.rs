//! Whether the PostgreSQL tests can run here: a database URL is given, or
//! PostgreSQL's server binaries are installed (the tests then start a
//! throwaway cluster). Shared by the test helpers and the build scripts
//! that mark those tests ignored where they cannot run.

use std::path::PathBuf;

/// The variable that names a running database for the tests.
pub const DATABASE_URL_VAR: &str = "ASYNCGATE_TEST_DATABASE_URL";

/// Where Debian and Ubuntu install each PostgreSQL version's binaries.
pub const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

/// The directory holding `pg_ctl`: a Debian versioned directory (the
/// newest), else one on `path` (the `PATH` variable's value).
pub fn pg_bin_dir(path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    pg_bin_dir_in(std::path::Path::new(DEBIAN_PG_ROOT), path)
}

/// [`pg_bin_dir`] with the versioned directories under `root`.
pub fn pg_bin_dir_in(root: &std::path::Path, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .or_else(|| std::env::split_paths(path?).find(|dir| dir.join("pg_ctl").is_file()))
}

/// The URL given in [`DATABASE_URL_VAR`], if it is set and not empty.
pub fn given_url(value: Option<String>) -> Option<String> {
    value.filter(|url| !url.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &std::path::Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn finds_the_newest_debian_version_then_path_and_nothing_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("postgresql");
        let on_path = dir.path().join("bin");
        let path = std::env::join_paths([dir.path().join("empty"), on_path.clone()]).unwrap();
        // Nothing installed: not found, whatever PATH says.
        assert_eq!(pg_bin_dir_in(&root, Some(&path)), None);
        assert_eq!(pg_bin_dir_in(&root, None), None);
        // A versioned directory without pg_ctl does not count.
        std::fs::create_dir_all(root.join("15/bin")).unwrap();
        assert_eq!(pg_bin_dir_in(&root, Some(&path)), None);
        // On PATH.
        touch(&on_path.join("pg_ctl"));
        assert_eq!(pg_bin_dir_in(&root, Some(&path)), Some(on_path));
        // Debian's versions come first, the newest of them.
        touch(&root.join("15/bin/pg_ctl"));
        touch(&root.join("16/bin/pg_ctl"));
        assert_eq!(pg_bin_dir_in(&root, Some(&path)), Some(root.join("16/bin")));
    }

    #[test]
    fn an_empty_url_is_no_url() {
        assert_eq!(given_url(None), None);
        assert_eq!(given_url(Some(String::new())), None);
        assert_eq!(
            given_url(Some("postgresql://h/db".to_owned())).as_deref(),
            Some("postgresql://h/db")
        );
    }
}
