//! Loading: the [`Loader`] and its inputs, the layers a value can come from
//! (environment snapshot, `.env`, TOML file, defaults, `NAME_FILE`
//! secrets), string → `T` deserialization and field resolution.
//!
//! The process environment is read through std's copy of it; the
//! snapshot keeps only the variables a setting or detection can read.
//!
//! This stage reads; it does not detect or validate. Its output, the
//! layers and a resolver over them, is consumed by detection and
//! then by the typestate transition that makes a [`Loaded`](crate::Loaded).

pub(crate) mod config_file;
pub(crate) mod dotenv;
mod elements;
pub(crate) mod env_vars;
pub(crate) mod fields;
mod file;
mod layers;
pub(crate) mod locate;
mod service_links;
mod unknown;
mod value;

use std::ffi::OsString;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

use crate::GateConfig;
use crate::random::{Random, SplitMix64};
use crate::report::Finding;
use crate::schema::Schema;

pub(crate) use env_vars::{EnvLookup, EnvValue};
#[cfg(feature = "opentelemetry")]
pub(crate) use file::read_bounded;

pub(crate) use fields::invalid_value;
pub(crate) use fields::{FieldReader, ParsedSectionAt};
pub(crate) use layers::{Key, Layers, Raw};

use dotenv::DotEnv;
use env_vars::EnvVars;

use config_file::ConfigFile;
use file::BaseDir;

/// Reads the sources of a settings struct `T`.
///
/// By default it reads the process environment, `.env` in the current
/// directory, the TOML file named by `<PREFIX>_CONFIG_FILE`, the machine's
/// hostname and an OS-seeded random source. Each can be replaced, so tests
/// never touch the process environment.
///
/// A loader whose environment is injected ([`env`](Loader::env)) is
/// hermetic: it reads no `.env` of the working directory unless asked to
/// ([`current_dir`](Loader::current_dir) names where `.env` is, or
/// [`dotenv(true)`](Loader::dotenv)), and reads a config file only when
/// the injected environment names one (or [`config_file`](Loader::config_file)
/// does). A developer's `.env`, copied from `.env.example` into the package
/// root where `cargo test` runs, does not change a test's result.
///
/// ```
/// # use asyncgate_config::{Environment, GateConfig, InstanceId};
/// # #[derive(GateConfig)]
/// # #[gate(prefix = "APP")]
/// # struct Settings {
/// #     #[gate(environment, default = "development")]
/// #     env: Environment,
/// #     #[gate(instance_id, default = "app-1")]
/// #     instance_id: InstanceId,
/// # }
/// let loaded = Settings::loader()
///     .env([("APP_ENV", "production"), ("KUBERNETES_SERVICE_HOST", "10.0.0.1"), ("HOSTNAME", "app-5d9f7-x2x9k")])
///     .current_dir("/nonexistent")
///     .hostname("laptop")
///     .seed(1)
///     .load()?;
/// assert_eq!(loaded.resolution().instance_id().as_str(), "app-5d9f7-x2x9k");
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[must_use = "a loader does nothing until `.load()`"]
pub struct Loader<T> {
    env: Option<EnvVars>,
    dir: Option<PathBuf>,
    /// `None`: read `.env` unless the environment is injected without a
    /// directory (a hermetic test).
    dotenv: Option<bool>,
    config_files: Option<Vec<PathBuf>>,
    hostname: Option<String>,
    random: Random,
    strict_instance_id: Option<bool>,
    deny_unknown: Option<bool>,
    overrides: Vec<(String, String, Option<Arc<str>>)>,
    marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Loader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("injected_env", &self.env.is_some())
            .field("dir", &self.dir)
            .field("dotenv", &self.dotenv)
            .field("config_files", &self.config_files)
            .field("hostname", &self.hostname)
            .field("random", &self.random)
            .finish_non_exhaustive()
    }
}

impl<T: GateConfig> Default for Loader<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: GateConfig> Loader<T> {
    /// A loader of the process's sources.
    pub fn new() -> Self {
        Loader {
            env: None,
            dir: None,
            dotenv: None,
            config_files: None,
            hostname: None,
            random: Random::default(),
            strict_instance_id: None,
            deny_unknown: None,
            overrides: Vec::new(),
            marker: PhantomData,
        }
    }

    /// Uses these variables instead of the process environment. Values that
    /// are not UTF-8 are kept, and reported if a setting reads them.
    pub fn env<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let schema = T::schema();
        self.env = Some(EnvVars::from_os(vars, &|name| schema.reads_var(name)));
        self
    }

    /// The directory that holds `.env` and against which relative paths
    /// resolve (default: the current directory).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Whether to read `.env` (default: `true`, except for a loader whose
    /// environment is injected with [`env`](Loader::env) and that was given
    /// no [`current_dir`](Loader::current_dir): that one reads no ambient
    /// file, so a developer's own `.env` cannot change a test's result).
    pub fn dotenv(mut self, enabled: bool) -> Self {
        self.dotenv = Some(enabled);
        self
    }

    /// Reads this config file (TOML, YAML or JSON, by its extension),
    /// whatever `<PREFIX>_CONFIG_FILE` says.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_files = Some(vec![path.into()]);
        self
    }

    /// Reads these config files in order, whatever `<PREFIX>_CONFIG_FILE`
    /// says: a later file wins per setting (`config.yaml`, then
    /// `config.prod.yaml`), and each value's source names its file.
    pub fn config_files<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.config_files = Some(paths.into_iter().map(Into::into).collect());
        self
    }

    /// The hostname used by the fallback instance id (default: the machine's).
    pub fn hostname(mut self, name: impl Into<String>) -> Self {
        self.hostname = Some(name.into());
        self
    }

    /// Makes the random id suffixes (Cloud Run, the fallback id) a
    /// repeatable sequence from `seed` (default: seeded from the OS).
    pub fn seed(mut self, seed: u64) -> Self {
        self.random = Random::Seeded(SplitMix64::new(seed));
        self
    }

    /// Takes the random numbers for id suffixes from `next`, e.g. an RNG of
    /// any `rand` version: `.random(move || rng.next_u64())`.
    pub fn random(mut self, next: impl FnMut() -> u64 + Send + 'static) -> Self {
        self.random = Random::Func(Box::new(next));
        self
    }

    /// Validation policy: makes an instance id shorter than 8 characters an
    /// error, not a warning, in staging and production (overrides
    /// `#[gate(instance_id, strict)]`). Validation reads it; loading does not.
    pub fn strict_instance_id(mut self, strict: bool) -> Self {
        self.strict_instance_id = Some(strict);
        self
    }

    /// Sets the setting at `path` (its field name, e.g. `"port"`) to `value`,
    /// above every other source; parsed like an environment value, and
    /// shown in provenance as set by the program. A path that names no
    /// setting is an error of the load.
    ///
    /// ```
    /// # use asyncgate_config::{Environment, GateConfig, InstanceId};
    /// # #[derive(GateConfig)]
    /// # #[gate(prefix = "APP")]
    /// # struct Settings {
    /// #     #[gate(environment, default = "development")]
    /// #     env: Environment,
    /// #     #[gate(instance_id, default = "app-1")]
    /// #     instance_id: InstanceId,
    /// #     #[gate(default = 8080)]
    /// #     port: u16,
    /// # }
    /// let loaded = Settings::loader().env([("APP_PORT", "9000")]).dotenv(false).set("port", "7000").load()?;
    /// assert_eq!(loaded.port, 7000);
    /// # Ok::<(), asyncgate_config::Report>(())
    /// ```
    pub fn set(self, path: impl Into<String>, value: impl Into<String>) -> Self {
        self.push_override(path.into(), value.into(), None)
    }

    /// Like [`set`](Loader::set), naming where the value came from, such as
    /// a command-line flag; provenance shows `set by the program from --port`.
    /// Wiring `clap` flags through it:
    ///
    /// ```
    /// # use asyncgate_config::{Environment, GateConfig, InstanceId};
    /// # #[derive(GateConfig)]
    /// # #[gate(prefix = "APP")]
    /// # struct Settings {
    /// #     #[gate(environment, default = "development")]
    /// #     env: Environment,
    /// #     #[gate(instance_id, default = "app-1")]
    /// #     instance_id: InstanceId,
    /// #     #[gate(default = 8080)]
    /// #     port: u16,
    /// # }
    /// use clap::Parser;
    ///
    /// #[derive(Parser)]
    /// struct Cli {
    ///     /// Port to listen on (overrides APP_PORT).
    ///     #[arg(long)]
    ///     port: Option<u16>,
    /// }
    ///
    /// let cli = Cli::parse_from(["app", "--port", "7000"]);
    /// let mut loader = Settings::loader().env([("APP_PORT", "9000")]).dotenv(false);
    /// if let Some(port) = cli.port {
    ///     loader = loader.set_from("port", port.to_string(), "--port");
    /// }
    /// let loaded = loader.load()?;
    /// assert_eq!(loaded.port, 7000);
    /// let (_, record) = loaded.resolution().settings().nth(2).unwrap();
    /// assert_eq!(record.source().unwrap().to_string(), "set by the program from --port");
    /// # Ok::<(), asyncgate_config::Report>(())
    /// ```
    pub fn set_from(
        self,
        path: impl Into<String>,
        value: impl Into<String>,
        origin: impl Into<String>,
    ) -> Self {
        let origin: Arc<str> = origin.into().into();
        self.push_override(path.into(), value.into(), Some(origin))
    }

    fn push_override(mut self, path: String, value: String, origin: Option<Arc<str>>) -> Self {
        self.overrides.push((path, value, origin));
        self
    }

    /// Makes unknown `<PREFIX>_*` variables and config-file keys errors
    /// instead of warnings (overrides `#[gate(deny_unknown)]`).
    pub fn deny_unknown(mut self, deny: bool) -> Self {
        self.deny_unknown = Some(deny);
        self
    }

    /// Reads every source into layers: the load stage's output.
    pub(crate) fn read(self) -> Read {
        let schema = T::schema();
        // Hermetic by default: an injected environment without a directory
        // reads no `.env` of the working directory.
        let read_dotenv = self
            .dotenv
            .unwrap_or(self.env.is_none() || self.dir.is_some());
        let env = self
            .env
            .unwrap_or_else(|| EnvVars::from_process(&|name| schema.reads_var(name)));
        let dir = BaseDir::new(self.dir);
        let mut findings = Vec::new();

        let dotenv = if read_dotenv {
            DotEnv::read(&dir, &mut findings)
        } else {
            None
        };
        let files: Vec<ConfigFile> = config_file_paths(
            schema,
            self.config_files,
            &env,
            dotenv.as_ref(),
            &mut findings,
        )
        .into_iter()
        .filter_map(|(path, named_by)| ConfigFile::read(&dir.join(path), named_by, &mut findings))
        .collect();
        for (path, _, origin) in &self.overrides {
            if schema.field(path).is_none() && schema.element_field(path).is_none() {
                let hint =
                    crate::text::suggest_name(path, "", schema.fields().iter().map(|f| f.name()))
                        .map(|name| format!(" (did you mean `{name}`?)"))
                        .unwrap_or_default();
                let by = origin
                    .as_deref()
                    .map(|o| format!(" from {o}"))
                    .unwrap_or_default();
                findings.push(
                    Finding::error(
                        "",
                        format!("the program set `{path}`{by}, which names no setting{hint}"),
                    )
                    .with_remedy("set one of the settings `check` lists, by its field name"),
                );
            }
        }
        let deny = self.deny_unknown.unwrap_or_else(|| schema.denies_unknown());
        unknown::unknown_names(schema, &env, dotenv.as_ref(), &files, deny, &mut findings);

        Read {
            layers: Layers {
                overrides: self.overrides,
                env,
                dotenv,
                files,
                dir,
                deny_unknown: deny,
            },
            findings,
            hostname: self.hostname,
            random: self.random,
            strict_instance_id: self.strict_instance_id,
        }
    }
}

/// The config file to read and what named it: the loader, else
/// The config files, in order: the loader's, else `<PREFIX>_CONFIG_FILE`
/// from the environment or `.env`, a comma-separated list of paths (empty
/// entries skipped).
fn config_file_paths(
    schema: &'static Schema,
    injected: Option<Vec<PathBuf>>,
    env: &EnvVars,
    dotenv: Option<&DotEnv>,
    findings: &mut Vec<Finding>,
) -> Vec<(PathBuf, &'static str)> {
    if let Some(paths) = injected {
        return paths.into_iter().map(|p| (p, "the loader")).collect();
    }
    let var = schema.config_file_env();
    if env.lookup(var) == Some(EnvValue::NotUnicode) {
        findings.push(
            Finding::error("", format!("{var} is set but its value is not valid UTF-8"))
                .with_env_var(var)
                .with_remedy(format!(
                    "set {var} to the path of a config file (or several, separated by commas), in UTF-8, or unset it"
                )),
        );
        return Vec::new();
    }
    env.vars_get(var)
        .or_else(|| dotenv.and_then(|d| d.vars.get(var)).map(String::as_str))
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| (PathBuf::from(p), var))
                .collect()
        })
        .unwrap_or_default()
}

/// What the load stage hands on: the layers, the findings of reading them,
/// and the inputs later stages need.
#[derive(Debug)]
pub(crate) struct Read {
    pub(crate) layers: Layers,
    pub(crate) findings: Vec<Finding>,
    /// The injected hostname (the machine's is looked up only if needed).
    pub(crate) hostname: Option<String>,
    pub(crate) random: Random,
    /// Validation policy, carried through untouched.
    pub(crate) strict_instance_id: Option<bool>,
}
