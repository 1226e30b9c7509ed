//! Where a value came from.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::Platform;

/// The origin of one setting's value, kept for error messages, logs and
/// `asyncgate check`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The `default = ...` of the field's attribute.
    Default,
    /// A process environment variable.
    Env {
        /// The variable's name.
        var: &'static str,
    },
    /// A line of the `.env` file.
    DotEnv {
        /// The `.env` file.
        path: Arc<Path>,
        /// The variable's name.
        var: &'static str,
    },
    /// A key of the TOML configuration file.
    File {
        /// The configuration file.
        path: Arc<Path>,
        /// The key (the field's name).
        key: &'static str,
    },
    /// A secret read from the file named by `NAME_FILE`.
    SecretFile {
        /// The `NAME_FILE` variable.
        var: &'static str,
        /// The file it names.
        path: Arc<Path>,
    },
    /// Detected from a platform's environment variable.
    Detected {
        /// The platform.
        platform: Platform,
        /// The variable the id was read from.
        var: &'static str,
    },
    /// `<hostname>-<random>`: no platform was detected outside development.
    Fallback,
}

impl Source {
    /// A short machine-readable name: `default`, `env`, `dotenv`, `file`,
    /// `secret_file`, `detected` or `fallback`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Env { .. } => "env",
            Source::DotEnv { .. } => "dotenv",
            Source::File { .. } => "file",
            Source::SecretFile { .. } => "secret_file",
            Source::Detected { .. } => "detected",
            Source::Fallback => "fallback",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Env { var } => write!(f, "environment variable {var}"),
            Source::DotEnv { path, var } => write!(f, "{var} in {}", path.display()),
            Source::File { path, key } => write!(f, "key `{key}` in {}", path.display()),
            Source::SecretFile { var, path } => write!(f, "file {} (from {var})", path.display()),
            Source::Detected { platform, var } => {
                write!(f, "detected on {} ({var})", platform.display_name())
            }
            Source::Fallback => f.write_str("fallback (hostname + random suffix)"),
        }
    }
}
