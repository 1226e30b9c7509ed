//! Whether a file claim store's directory is private to this container.
//!
//! The file store's claims are visible to the processes that share its
//! directory. Two docker compose containers given the same id each have
//! their own `/tmp`, so each claims the id "successfully". This module
//! tells when that is so: the process runs in a container (the usual
//! signs: `/.dockerenv`, `/run/.containerenv`, a container cgroup) and the
//! claim directory lies on the container's own layer (an `overlay`,
//! `aufs` or `tmpfs` mount) rather than on a mounted volume.
//!
//! It reads a few small files (bounded) and never fails: what it cannot
//! read, it does not claim to know.

use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The most read of `/proc/self/mountinfo` or `/proc/self/cgroup`.
const READ_LIMIT: u64 = 1024 * 1024;

/// Filesystems that belong to one container and nobody else.
const PRIVATE_FILESYSTEMS: [&str; 4] = ["overlay", "aufs", "fuse-overlayfs", "tmpfs"];

/// Looks at the host through a root directory: `/` normally, a directory
/// laid out like one in tests.
#[derive(Clone, Debug)]
pub struct ContainerProbe {
    root: PathBuf,
}

impl Default for ContainerProbe {
    fn default() -> Self {
        ContainerProbe {
            root: PathBuf::from("/"),
        }
    }
}

/// A claim directory that only this container sees, and how that is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateClaimDir {
    /// The claim directory.
    pub dir: PathBuf,
    /// What shows a container: `/.dockerenv`, `/run/.containerenv`, or
    /// `a container cgroup`.
    pub sign: String,
    /// The mount that holds the directory.
    pub mount_point: PathBuf,
    /// Its filesystem type (`overlay`, `tmpfs`, ...).
    pub filesystem: String,
}

impl fmt::Display for PrivateClaimDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the file claim store keeps its claims in {}, on this container's own filesystem ({} at {}; a container: {}): replicas in other containers cannot see these claims, so two of them given the same instance id would both claim it",
            crate::text::printable(&self.dir.display().to_string()),
            crate::text::printable(&self.filesystem),
            crate::text::printable(&self.mount_point.display().to_string()),
            self.sign
        )
    }
}

impl ContainerProbe {
    /// Looks at this host.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks at a directory laid out like `/` (`.dockerenv`,
    /// `proc/self/mountinfo`, ...): for tests.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        ContainerProbe { root: root.into() }
    }

    /// `Some` when this process runs in a container and `dir` lies on the
    /// container's own layer, not on a volume that other containers mount.
    pub fn private_claim_dir(&self, dir: &Path) -> Option<PrivateClaimDir> {
        let sign = self.container_sign()?;
        let dir = lexically_absolute(dir)?;
        let (mount_point, filesystem) = self.mount_of(&dir)?;
        PRIVATE_FILESYSTEMS
            .contains(&filesystem.as_str())
            .then_some(PrivateClaimDir {
                dir,
                sign,
                mount_point,
                filesystem,
            })
    }

    /// What shows that this process runs in a container, if anything does.
    fn container_sign(&self) -> Option<String> {
        for marker in ["/.dockerenv", "/run/.containerenv"] {
            if self.path(marker).exists() {
                return Some(marker.to_owned());
            }
        }
        let cgroup = self.read("/proc/self/cgroup")?;
        cgroup
            .lines()
            .any(|line| {
                ["docker", "kubepods", "containerd", "libpod", "lxc"]
                    .iter()
                    .any(|runtime| line.contains(runtime))
            })
            .then(|| "a container cgroup".to_owned())
    }

    /// The mount that holds `dir` (the longest mount point above it) and
    /// its filesystem type, from `/proc/self/mountinfo`.
    fn mount_of(&self, dir: &Path) -> Option<(PathBuf, String)> {
        let mountinfo = self.read("/proc/self/mountinfo")?;
        let mut best: Option<(PathBuf, String)> = None;
        for line in mountinfo.lines() {
            // `id parent major:minor root mount-point options ... - type source ...`
            let Some((before, after)) = line.split_once(" - ") else {
                continue;
            };
            let (Some(point), Some(filesystem)) =
                (before.split(' ').nth(4), after.split(' ').next())
            else {
                continue;
            };
            let point = PathBuf::from(unescape(point));
            let deeper = best
                .as_ref()
                .is_none_or(|(b, _)| point.components().count() >= b.components().count());
            if dir.starts_with(&point) && deeper {
                best = Some((point, filesystem.to_owned()));
            }
        }
        best
    }

    fn path(&self, absolute: &str) -> PathBuf {
        self.root.join(absolute.trim_start_matches('/'))
    }

    /// A small text file, at most [`READ_LIMIT`] bytes of it.
    fn read(&self, absolute: &str) -> Option<String> {
        let file = std::fs::File::open(self.path(absolute)).ok()?;
        let mut bytes = Vec::new();
        file.take(READ_LIMIT).read_to_end(&mut bytes).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// `dir` as an absolute path without `.` or `..` (relative to the current
/// directory); the directory need not exist yet.
fn lexically_absolute(dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(dir).ok()?;
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// A mount point as the kernel writes it: space, tab, newline and `\` as
/// octal escapes (`\040`).
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(code) = bytes.get(i + 1..i + 4)
            && code.iter().all(|b| (b'0'..=b'7').contains(b))
        {
            out.push((code[0] - b'0') * 64 + (code[1] - b'0') * 8 + (code[2] - b'0'));
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER_MOUNTS: &str = "\
1059 988 0:62 / / rw,relatime master:520 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A
1061 1059 0:65 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1070 1059 254:1 /var/lib/docker/volumes/claims/_data /shared/claims rw,relatime master:1 - ext4 /dev/vda1 rw
1071 1059 254:1 /home/me/odd /with\\040space rw,relatime - ext4 /dev/vda1 rw
1072 1059 0:70 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw
";

    fn host(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = root.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        root
    }

    #[test]
    fn a_directory_on_the_containers_own_layer_is_private() {
        let root = host(&[("/.dockerenv", ""), ("/proc/self/mountinfo", DOCKER_MOUNTS)]);
        let probe = ContainerProbe::at(root.path());
        let private = probe
            .private_claim_dir(Path::new("/var/run/claims"))
            .unwrap();
        assert_eq!(
            (
                private.mount_point.as_path(),
                private.filesystem.as_str(),
                private.sign.as_str()
            ),
            (Path::new("/"), "overlay", "/.dockerenv")
        );
        let tmp = probe
            .private_claim_dir(Path::new("/tmp/asyncgate-claims-0"))
            .unwrap();
        assert_eq!(tmp.filesystem, "tmpfs");
        assert!(
            tmp.to_string()
                .contains("replicas in other containers cannot see these claims")
        );
    }

    #[test]
    fn a_directory_on_a_mounted_volume_is_shared() {
        let root = host(&[("/.dockerenv", ""), ("/proc/self/mountinfo", DOCKER_MOUNTS)]);
        let probe = ContainerProbe::at(root.path());
        assert_eq!(
            probe.private_claim_dir(Path::new("/shared/claims/x/../y")),
            None
        );
        assert_eq!(
            probe.private_claim_dir(Path::new("/with space/claims")),
            None
        );
        // `/shared/claimsx` is not under `/shared/claims`: the root layer.
        assert!(
            probe
                .private_claim_dir(Path::new("/shared/claimsx"))
                .is_some()
        );
    }

    #[test]
    fn outside_a_container_nothing_is_said() {
        let root = host(&[
            ("/proc/self/mountinfo", DOCKER_MOUNTS),
            ("/proc/self/cgroup", "0::/user.slice\n"),
        ]);
        assert_eq!(
            ContainerProbe::at(root.path()).private_claim_dir(Path::new("/tmp/c")),
            None
        );
        // A VM whose root is a disk, marked like a container: not a private layer.
        let vm = host(&[
            ("/.dockerenv", ""),
            (
                "/proc/self/mountinfo",
                "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n",
            ),
        ]);
        assert_eq!(
            ContainerProbe::at(vm.path()).private_claim_dir(Path::new("/tmp/c")),
            None
        );
    }

    #[test]
    fn a_container_cgroup_or_podman_marker_shows_a_container() {
        for files in [
            vec![("/run/.containerenv", "")],
            vec![("/proc/self/cgroup", "0::/kubepods/besteffort/pod1/abc\n")],
        ] {
            let mut files = files;
            files.push(("/proc/self/mountinfo", DOCKER_MOUNTS));
            let root = host(&files);
            assert!(
                ContainerProbe::at(root.path())
                    .private_claim_dir(Path::new("/data/claims"))
                    .is_some()
            );
        }
    }

    #[test]
    fn hostile_mountinfo_is_bounded_and_escaped() {
        let mut huge = String::from("1 1 0:1 / / rw - overlay overlay rw\n");
        huge.push_str(&"garbage without separators\n".repeat(100_000));
        huge.push_str("2 1 0:2 / /data\\033[2J rw - overlay x rw\n");
        let root = host(&[("/.dockerenv", ""), ("/proc/self/mountinfo", &huge)]);
        let private =
            ContainerProbe::at(root.path()).private_claim_dir(Path::new("/data\u{1b}[2J/c"));
        let text = private.map(|p| p.to_string()).unwrap_or_default();
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }

    #[test]
    fn octal_escapes_are_decoded() {
        assert_eq!(unescape("/a\\040b\\011c\\134d"), "/a b\tc\\d");
        assert_eq!(unescape("/bad\\09"), "/bad\\09");
    }
}
