//! `Loader`: the builder that reads every source and resolves the settings.

use std::ffi::OsString;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

use rand::{RngCore, SeedableRng};

use crate::resolution::{InstanceIdOrigin, Resolution};
use crate::resolver::{IdentityInputs, Resolver};
use crate::schema::{Role, Schema};
use crate::sources::{ConfigFile, DotEnv, Env, Sources};
use crate::suggest::did_you_mean;
use crate::validated::Loaded;
use crate::{Finding, GateConfig, Report};

/// Reads the sources of a settings struct `T`.
///
/// By default it reads the process environment, `.env` in the current
/// directory, the TOML file named by `<PREFIX>_CONFIG_FILE`, the machine's
/// hostname and the OS random source. Each can be replaced, so tests never
/// touch the process environment:
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
/// use rand::SeedableRng;
///
/// let loaded = Settings::loader()
///     .env([("APP_ENV", "production"), ("KUBERNETES_SERVICE_HOST", "10.0.0.1"), ("HOSTNAME", "app-5d9f7-x2x9k")])
///     .current_dir("/nonexistent")
///     .hostname("laptop")
///     .rng(rand::rngs::SmallRng::seed_from_u64(1))
///     .load()?;
/// assert_eq!(loaded.instance_id.as_str(), "app-5d9f7-x2x9k");
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[must_use = "a loader does nothing until `.load()`"]
pub struct Loader<T> {
    env: Option<Env>,
    dir: Option<PathBuf>,
    dotenv: bool,
    config_file: Option<PathBuf>,
    hostname: Option<String>,
    rng: Option<Box<dyn RngCore + Send>>,
    strict_instance_id: Option<bool>,
    marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Loader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("injected_env", &self.env.is_some())
            .field("dir", &self.dir)
            .field("dotenv", &self.dotenv)
            .field("config_file", &self.config_file)
            .field("hostname", &self.hostname)
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
            dotenv: true,
            config_file: None,
            hostname: None,
            rng: None,
            strict_instance_id: None,
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
        self.env = Some(Env::from_os(vars));
        self
    }

    /// The directory that holds `.env` and against which relative paths
    /// resolve (default: the current directory).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Whether to read `.env` (default: `true`).
    pub fn dotenv(mut self, enabled: bool) -> Self {
        self.dotenv = enabled;
        self
    }

    /// Reads this TOML file, whatever `<PREFIX>_CONFIG_FILE` says.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// The hostname used by the fallback instance id (default: the machine's).
    pub fn hostname(mut self, name: impl Into<String>) -> Self {
        self.hostname = Some(name.into());
        self
    }

    /// The random source for id suffixes (default: seeded from the OS).
    pub fn rng(mut self, rng: impl RngCore + Send + 'static) -> Self {
        self.rng = Some(Box::new(rng));
        self
    }

    /// Makes an instance id shorter than 8 characters an error, not a
    /// warning, in staging and production (overrides `#[gate(instance_id, strict)]`).
    pub fn strict_instance_id(mut self, strict: bool) -> Self {
        self.strict_instance_id = Some(strict);
        self
    }

    /// Reads every source and resolves every setting. All problems are
    /// reported together.
    ///
    /// Logs `Using configured instance ID: <id>` or
    /// `Auto-detected instance ID: <id>` at INFO.
    pub fn load(self) -> Result<Loaded<T>, Report> {
        let schema = T::schema();
        let env = self.env.unwrap_or_else(Env::from_process);
        let dir = self
            .dir
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let mut findings = Vec::new();

        let dotenv = if self.dotenv {
            DotEnv::read(&dir.join(".env"), &mut findings)
        } else {
            None
        };
        let config_var = schema.config_file_env();
        let file_path = self.config_file.map(|p| (p, "the loader")).or_else(|| {
            let named = env
                .vars_get(config_var)
                .or_else(|| dotenv.as_ref().and_then(|d| d.vars.get(config_var)));
            named
                .filter(|p| !p.trim().is_empty())
                .map(|p| (PathBuf::from(p.trim()), config_var))
        });
        let file = file_path.and_then(|(path, named_by)| {
            ConfigFile::read(&dir.join(path), named_by, &mut findings)
        });
        unknown_names(schema, &env, dotenv.as_ref(), file.as_ref(), &mut findings);

        let sources = Sources {
            env,
            dotenv,
            file,
            dir,
        };
        let hostname = self.hostname;
        let lookup_host = move || {
            hostname.clone().or_else(|| {
                hostname::get()
                    .ok()
                    .map(|h| h.to_string_lossy().into_owned())
            })
        };
        let mut rng = LazyRng(self.rng);
        let mut resolver = Resolver::new(schema, &sources, findings);
        resolver.resolve_identity(IdentityInputs {
            hostname: &lookup_host,
            rng: &mut rng,
        });
        let value = T::__resolve(&mut resolver);
        let strict = self.strict_instance_id.unwrap_or_else(|| {
            schema
                .fields()
                .iter()
                .any(|f| matches!(f.role(), Role::InstanceId { strict: true, .. }))
        });
        let (resolution, mut findings) = resolver.finish(strict);

        match (value, resolution) {
            (Some(value), Some(mut resolution)) if !findings.iter().any(Finding::is_error) => {
                log_identity(&resolution);
                resolution.warnings = findings;
                Ok(Loaded { value, resolution })
            }
            (_, resolution) => {
                let environment = resolution.as_ref().map(|r| r.environment);
                if let Some(resolution) = &resolution {
                    crate::rules::instance_id_rules(resolution, &mut findings);
                }
                let report = Report::new(schema.name(), environment, findings);
                Err(match resolution {
                    Some(resolution) => report.with_resolution(resolution),
                    None => report,
                })
            }
        }
    }
}

fn log_identity(resolution: &Resolution) {
    let id = &resolution.instance_id;
    match resolution.origin {
        InstanceIdOrigin::Configured => {
            tracing::info!(target: "asyncgate_config", "Using configured instance ID: {id}");
        }
        InstanceIdOrigin::Detected => {
            let platform = resolution.platform.map(|p| p.key());
            tracing::info!(target: "asyncgate_config", platform, "Auto-detected instance ID: {id}");
        }
        InstanceIdOrigin::Default => {
            tracing::info!(target: "asyncgate_config", "Using default instance ID: {id}");
        }
        InstanceIdOrigin::Fallback => {
            tracing::info!(target: "asyncgate_config", "Using fallback instance ID: {id}");
        }
    }
}

/// Warns about `<PREFIX>_*` variables and file keys that no setting reads.
fn unknown_names(
    schema: &'static Schema,
    env: &Env,
    dotenv: Option<&DotEnv>,
    file: Option<&ConfigFile>,
    findings: &mut Vec<Finding>,
) {
    let prefix = schema.prefix();
    let known = || {
        schema
            .fields()
            .iter()
            .flat_map(|f| std::iter::once(f.env()).chain(f.file_env()))
            .chain(std::iter::once(schema.config_file_env()))
    };
    let is_ours = |name: &str| {
        name.len() > prefix.len()
            && name.starts_with(prefix)
            && name.as_bytes()[prefix.len()] == b'_'
    };
    let mut report = |name: &str, place: String| {
        if is_ours(name) && !known().any(|k| k == name) {
            let hint = did_you_mean(name, known())
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            findings.push(
                Finding::warning(
                    "",
                    format!("unknown variable {name}{place} is ignored{hint}"),
                )
                .with_env_var(name)
                .with_remedy("remove it, or rename it to a setting listed by the schema"),
            );
        }
    };
    // Only `<PREFIX>_*` names can be unknown settings; sorted for a stable report.
    let mut env_names: Vec<&str> = env.names().filter(|n| is_ours(n)).collect();
    env_names.sort_unstable();
    for name in env_names {
        report(name, String::new());
    }
    if let Some(dotenv) = dotenv {
        let mut names: Vec<&String> = dotenv.vars.keys().collect();
        names.sort_unstable();
        for name in names {
            report(name, format!(" in {}", dotenv.path.display()));
        }
    }
    if let Some(file) = file {
        for key in file.table.keys() {
            if schema.field(key).is_none() {
                let hint = did_you_mean(key, schema.fields().iter().map(|f| f.name()))
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                findings.push(
                    Finding::warning(
                        "",
                        format!(
                            "unknown key `{key}` in config file {} is ignored{hint}",
                            file.path.display()
                        ),
                    )
                    .with_remedy("remove it, or rename it to a setting's field name"),
                );
            }
        }
    }
}

/// The injected random source, or one seeded from the OS on first use.
struct LazyRng(Option<Box<dyn RngCore + Send>>);

impl LazyRng {
    fn get(&mut self) -> &mut (dyn RngCore + Send) {
        self.0
            .get_or_insert_with(|| Box::new(rand::rngs::SmallRng::from_os_rng()))
            .as_mut()
    }
}

impl RngCore for LazyRng {
    fn next_u32(&mut self) -> u32 {
        self.get().next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.get().next_u64()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.get().fill_bytes(dst)
    }
}
