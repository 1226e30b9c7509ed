//! Typed, validated configuration with a unique per-replica `instance_id`
//! for multi-instance services.
//!
//! Derive [`GateConfig`] on a settings struct; load it from the environment,
//! `.env` and an optional TOML file; validate it into a [`Validated<T>`],
//! the only form a server's start-up path accepts.
//!
//! # The pipeline
//!
//! Data flows one way through modules named for the stages; a stage only
//! imports the stages before it and the vocabulary (a test enforces it):
//!
//! | stage | module | what it returns |
//! |---|---|---|
//! | load | [`load`] | the layers (env snapshot, `.env`, TOML, defaults, `NAME_FILE`) and each field's value |
//! | detect | [`detect`] | the instance id: configured, detected on a platform, default or fallback, with its trace |
//! | (pipeline) | `Loader::load` | composes load and detect into a [`Loaded`]: the typed settings and their [`provenance`] |
//! | validate | [`validate`] | every finding: built-in rules, `required_in`/`forbidden_in`, the struct's `check` |
//! | | [`Validated`] | settings that passed; or a [`Report`] with every finding |
//! | claim | `claim` (feature `claims`) | a `Claimed<T>`: this replica holds its id in a shared store |
//!
//! The vocabulary ([`Environment`], [`InstanceId`], [`Platform`],
//! [`Schema`], [`provenance`], [`Report`]) is shared by every stage.
//! Operator tooling is owned here too: templates generated from the
//! [`Schema`] ([`Schema::env_example`], [`Schema::markdown`],
//! [`Schema::toml_template`]) and, with the `cli` feature, the `check`,
//! `env` and `claims` subcommands for any service (`cli::GateCommand`).
//!
//! ```
//! use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString, Validated};
//!
//! /// Service settings.
//! #[derive(Debug, GateConfig)]
//! #[gate(prefix = "MYSVC")]
//! pub struct Settings {
//!     /// development, staging or production.
//!     #[gate(environment, default = "development")]
//!     pub env: Environment,
//!     /// Unique per replica; auto-detected on Kubernetes, Fly.io, ECS, Cloud Run...
//!     #[gate(instance_id, default = "mysvc-1")]
//!     pub instance_id: InstanceId,
//!     /// Shared API token.
//!     #[gate(secret, required_in(staging, production))]
//!     pub api_key: Option<SecretString>,
//!     #[gate(default = 8080)]
//!     pub port: u16,
//! }
//!
//! // In a test, inject the environment; in `main`, `Settings::load()` reads the process's.
//! let env = [
//!     ("MYSVC_ENV", "production"),
//!     ("MYSVC_API_KEY", "s3cret-token"),
//!     ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
//!     ("POD_NAME", "mysvc-7d9f8b6c5d-x2x9k"),
//! ];
//! let settings: Validated<Settings> = Settings::loader().env(env).dotenv(false).load()?.validate()?;
//! assert_eq!(settings.instance_id.as_str(), "mysvc-7d9f8b6c5d-x2x9k");
//! assert_eq!(settings.port, 8080);
//!
//! // The default id is refused in production when no platform identifies the replica.
//! let report = Settings::loader()
//!     .env([("MYSVC_ENV", "production"), ("MYSVC_INSTANCE_ID", "mysvc-1"), ("MYSVC_API_KEY", "x")])
//!     .dotenv(false)
//!     .hostname("localhost")
//!     .load()?
//!     .validate()
//!     .unwrap_err();
//! assert!(report.to_string().contains("INSTANCE ID CONFLICT RISK"));
//! # Ok::<(), asyncgate_config::Report>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The vocabulary, shared by every stage.
mod connection_url;
mod const_text;
mod duration;
mod environment;
mod from_str;
mod instance_id;
mod mask;
mod name_table;
mod os_user;
mod platform;
pub mod provenance;
mod random;
mod report;
mod rule_envs;
mod schema;
mod secret;
mod text;
mod var_names;

// The stages, in pipeline order.
#[cfg(feature = "claims")]
pub mod claim;
pub mod detect;
pub mod load;
mod pipeline;
mod typestate;
pub mod validate;

// Operator tooling.
#[cfg(feature = "cli")]
pub mod cli;
mod template;

pub use connection_url::ConnectionUrl;
pub use environment::{Environment, ParseEnvironmentError};
pub use instance_id::{InstanceId, InvalidInstanceId};
pub use platform::Platform;
pub use report::{Finding, Report, Severity};
pub use schema::{FieldSchema, Role, Schema};
pub use secrecy::{ExposeSecret, SecretString};
pub use secret::Secret;
pub use typestate::{Loaded, Validated};

#[cfg(feature = "derive")]
pub use asyncgate_config_derive::GateConfig;

/// The crate's README (its crates.io page), run as doctests. The
/// workspace README and the derive's attribute reference are run by the
/// unpublished `asyncgate-tests` crate: a published crate includes no file
/// outside its package.
#[cfg(all(doctest, feature = "derive"))]
#[doc = include_str!("../README.md")]
struct Readme;

/// A settings struct: implemented by `#[derive(GateConfig)]`.
///
/// The derive implements the hidden methods; users call [`load`](GateConfig::load),
/// [`loader`](GateConfig::loader) and [`schema`](GateConfig::schema).
pub trait GateConfig: Sized {
    /// The static description of every setting: name, env var, type,
    /// default, doc, secret, environments where required.
    fn schema() -> &'static Schema;

    /// Loads from the process environment, `.env` and the config file.
    /// Safe to call from any thread, inside a runtime too
    /// (`#[tokio::main]`): it never changes the environment.
    fn load() -> Result<Loaded<Self>, Report> {
        Self::loader().load()
    }

    /// A loader whose sources can be replaced (for tests and tools).
    fn loader() -> load::Loader<Self> {
        load::Loader::new()
    }

    #[doc(hidden)]
    const __FIELDS: &'static [FieldSchema];

    #[doc(hidden)]
    fn __resolve(resolver: &mut __private_0_1::Resolver<'_>) -> Option<Self>;

    #[doc(hidden)]
    fn __check(&self, checks: &mut validate::Checks<'_>);
}

/// A group of settings nested in a settings struct: implemented by
/// `#[derive(GateConfig)]` with `#[gate(section)]`.
///
/// A section has no prefix of its own: its variables are named after the
/// field that nests it (`#[gate(nested)] database: Database` in a struct
/// with prefix `ORDERS` reads `url` from `ORDERS_DATABASE_URL`), its keys
/// sit in a TOML table (`[database]`), and each of its fields is a setting
/// of its own, named by its dotted path (`database.url`) in every report
/// and template. A section is loaded only as part of a struct that nests it.
///
/// ```
/// use asyncgate_config::{Environment, GateConfig, InstanceId};
///
/// /// The database connection.
/// #[derive(Debug, GateConfig)]
/// #[gate(section)]
/// pub struct Database {
///     #[gate(default = "postgres://localhost/orders")]
///     pub url: String,
///     #[gate(default = 10)]
///     pub pool_size: u32,
/// }
///
/// #[derive(Debug, GateConfig)]
/// #[gate(prefix = "ORDERS")]
/// pub struct Settings {
///     #[gate(environment, default = "development")]
///     pub env: Environment,
///     #[gate(instance_id, default = "orders-1")]
///     pub instance_id: InstanceId,
///     #[gate(nested)]
///     pub database: Database,
/// }
///
/// let settings = Settings::loader()
///     .env([("ORDERS_DATABASE_POOL_SIZE", "25")])
///     .dotenv(false)
///     .load()?
///     .validate()?;
/// assert_eq!(settings.database.pool_size, 25);
/// assert_eq!(settings.database.url, "postgres://localhost/orders");
/// assert_eq!(Settings::schema().field("database.pool_size").unwrap().env(), "ORDERS_DATABASE_POOL_SIZE");
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a section: `#[gate(nested)]` needs a struct that derives `GateConfig` with `#[gate(section)]`",
    label = "not a section",
    note = "add `#[gate(section)]` to a struct that derives `GateConfig`; a plain value (a number, a string, a list) needs no `nested`"
)]
pub trait Section: Sized {
    #[doc(hidden)]
    const __FIELDS: &'static [FieldSchema];

    /// The path of the section's `check` function, for reports.
    #[doc(hidden)]
    const __CHECK_FN: Option<&'static str>;

    #[doc(hidden)]
    fn __resolve(resolver: &mut __private_0_1::Resolver<'_>) -> Option<Self>;

    /// Runs the `check` functions of the section and of its own sections,
    /// with findings named under the section's path.
    #[doc(hidden)]
    fn __check(&self, checks: &mut validate::Checks<'_>);

    /// Boxes a section that parsed inside a value that did not, so that
    /// its checks still run.
    #[doc(hidden)]
    fn __parsed(self) -> Box<dyn ParsedSection>
    where
        Self: 'static,
    {
        Box::new(self)
    }
}

/// Not public API: a section that parsed inside a struct where some other
/// setting did not. The resolver keeps it so that its checks (and those of
/// its own sections) still run: one report, one deploy round.
#[doc(hidden)]
pub trait ParsedSection {
    /// Runs the section's checks.
    fn check_parsed(&self, checks: &mut validate::Checks<'_>);
}

impl<S: Section> ParsedSection for S {
    fn check_parsed(&self, checks: &mut validate::Checks<'_>) {
        self.__check(checks);
    }
}

/// Not public API: the parsers the fuzz targets (`fuzz/`) drive directly.
#[cfg(feature = "__fuzz")]
#[doc(hidden)]
pub mod __fuzz {
    use std::path::Path;

    /// Parses `.env` text; returns the variables and every message.
    pub fn dotenv(text: &str) -> (Vec<(String, String)>, Vec<String>) {
        let mut findings = Vec::new();
        let parsed = crate::load::dotenv::DotEnv::parse(Path::new(".env"), text, &mut findings);
        (
            parsed.vars.into_iter().collect(),
            findings.iter().map(ToString::to_string).collect(),
        )
    }

    /// Parses config-file text; returns every message.
    pub fn toml(text: &str) -> Vec<String> {
        let mut findings = Vec::new();
        let _ = crate::load::toml_file::ConfigFile::parse(
            Path::new("c.toml"),
            "FUZZ_CONFIG_FILE",
            text,
            &mut findings,
        );
        findings.iter().map(ToString::to_string).collect()
    }

    /// Masks the passwords in a value.
    pub fn mask(value: &str) -> String {
        crate::mask::mask_secrets(value).into_owned()
    }

    /// How a value is quoted in messages.
    pub fn quote(value: &str) -> String {
        crate::text::quote_input(value)
    }
}

/// Not public API: what `#[derive(GateConfig)]` expands to reaches through
/// here. The name carries the version (`0.1`), so a derive and a runtime
/// of different versions fail to compile instead of misbehaving.
#[doc(hidden)]
pub mod __private_0_1 {
    use crate::SecretString;
    use serde::de::DeserializeOwned;

    pub use crate::Section;
    pub use crate::load::fields::Resolver;

    /// A type a setting can have: generated code resolves each field
    /// through it, so a type that cannot be read gets this message on the
    /// field, not a bound deep in the resolver.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the type of a setting: it does not implement `serde::Deserialize`",
        label = "a setting's type must implement `serde::Deserialize`",
        note = "derive it (`#[derive(serde::Deserialize)]`), or use a type that has it: integers, floats, `bool`, `String`, `PathBuf`, `Option<T>`, `Vec<T>`, `SecretString`, `Environment`, `InstanceId`, or an enum of unit variants"
    )]
    pub trait Setting: Sized {
        /// Resolves the field at `index` as `Self`.
        fn resolve(resolver: &mut Resolver<'_>, index: usize) -> Option<Self>;
    }

    #[diagnostic::do_not_recommend]
    impl<T: DeserializeOwned> Setting for T {
        fn resolve(resolver: &mut Resolver<'_>, index: usize) -> Option<Self> {
            resolver.field::<T>(index)
        }
    }

    /// Whether a setting counts as on, for `forbidden_in`.
    #[diagnostic::on_unimplemented(
        message = "`forbidden_in` needs a `bool`, `Option<T>` or `Vec<T>` field, not `{Self}`",
        label = "`forbidden_in` cannot tell whether this type is on or off"
    )]
    pub trait IsSet {
        /// `true` when the setting is on or present.
        fn is_set(&self) -> bool;
    }

    impl IsSet for bool {
        fn is_set(&self) -> bool {
            *self
        }
    }

    impl<T> IsSet for Option<T> {
        fn is_set(&self) -> bool {
            self.is_some()
        }
    }

    impl<T> IsSet for Vec<T> {
        fn is_set(&self) -> bool {
            !self.is_empty()
        }
    }

    /// Whether an `Option<T>` setting is present, for `required_in`.
    #[diagnostic::on_unimplemented(
        message = "`required_in` needs an `Option<T>` field, not `{Self}`",
        label = "this type cannot be unset"
    )]
    pub trait Optional {
        /// `true` for `Some`.
        fn is_some_value(&self) -> bool;
    }

    impl<T> Optional for Option<T> {
        fn is_some_value(&self) -> bool {
            self.is_some()
        }
    }

    /// Compile-time check that a field type is a secret type.
    #[diagnostic::on_unimplemented(
        message = "`#[gate(secret)]` needs a field of type `SecretString` or `Secret<T>` (or an `Option` of one), not `{Self}`",
        label = "not a secret type: use `asyncgate_config::SecretString`, or `asyncgate_config::Secret<T>` for another type"
    )]
    pub trait SecretField {
        /// Evaluated by generated code: compiles only for secret types.
        const OK: ();
    }
    impl SecretField for SecretString {
        const OK: () = ();
    }
    impl SecretField for Option<SecretString> {
        const OK: () = ();
    }
    impl<T> SecretField for crate::Secret<T> {
        const OK: () = ();
    }
    impl<T> SecretField for Option<crate::Secret<T>> {
        const OK: () = ();
    }

    /// The flat index of own field `index` of `fields` (settings of the
    /// sections before it counted), for a struct with sections.
    pub const fn flat_offset(fields: &[crate::FieldSchema], index: usize) -> usize {
        crate::schema::flat_offset(fields, index)
    }

    /// Fails to compile (evaluated in a `const`) when two settings of a
    /// struct with sections read the same variable.
    pub const fn assert_distinct_vars(config_file_env: &str, fields: &[crate::FieldSchema]) {
        crate::var_names::assert_distinct(config_file_env, fields);
    }

    /// Fails to compile (evaluated in a `const`) when a `required_in` or
    /// `forbidden_in` inside a section names an environment that the
    /// loaded struct does not have.
    pub const fn assert_rule_environments(fields: &[crate::FieldSchema], names: &[&str]) {
        crate::rule_envs::assert_known(fields, names);
    }

    /// Whether a `default = "..."` of a `Duration` field parses: evaluated
    /// in a `const` by generated code, so a bad literal fails to compile.
    pub const fn duration_is_valid(text: &str) -> bool {
        crate::duration::is_valid(text)
    }
}

/// Not public API: the version check every derive emits first. It is not
/// versioned itself, so a mismatched derive finds it and gets a message
/// that names both versions.
#[doc(hidden)]
pub mod __version {
    /// The version of `asyncgate-config-derive` that expanded a derive.
    #[derive(Debug)]
    pub struct DeriveVersion<const MAJOR: u64, const MINOR: u64>;

    /// Implemented only for the derive version this runtime matches.
    #[diagnostic::on_unimplemented(
        message = "`#[derive(GateConfig)]` was expanded by a different version of asyncgate-config-derive (`{Self}`) than this asyncgate-config (0.1)",
        label = "derive and runtime versions differ",
        note = "depend on `asyncgate-config` alone and use its re-export `asyncgate_config::GateConfig`: it always brings the matching derive"
    )]
    pub trait MatchesRuntime {
        /// Evaluated by the derive's output.
        const OK: ();
    }

    impl MatchesRuntime for DeriveVersion<0, 1> {
        const OK: () = ();
    }
}

#[cfg(test)]
mod version_tests {
    /// Renaming `__private_0_1` and the `DeriveVersion<0, 1>` impl is part
    /// of a version bump: this fails until both follow the package version.
    #[test]
    fn private_module_and_version_check_follow_the_package_version() {
        let mut parts = env!("CARGO_PKG_VERSION").split('.');
        let (major, minor) = (parts.next().unwrap(), parts.next().unwrap());
        let lib = include_str!("lib.rs");
        assert!(lib.contains(&format!("pub mod __private_{major}_{minor} {{")));
        assert!(lib.contains(&format!(
            "impl MatchesRuntime for DeriveVersion<{major}, {minor}> {{"
        )));
        assert!(lib.contains(&format!("than this asyncgate-config ({major}.{minor})")));
    }
}
