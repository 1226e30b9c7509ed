//! Typed, validated configuration with a unique per-replica `instance_id`
//! for multi-instance services.
//!
//! Derive [`GateConfig`] on a settings struct; load it from the environment,
//! `.env` and an optional TOML file; validate it into a [`Validated<T>`],
//! the only form a server's start-up path accepts.
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

#[cfg(feature = "claims")]
mod claim;
mod detect;
mod environment;
#[cfg(feature = "claims")]
mod file_store;
mod instance_id;
mod loader;
#[cfg(feature = "postgres")]
mod pg_store;
mod report;
mod resolution;
mod resolver;
mod rules;
mod schema;
mod source;
mod sources;
mod suggest;
mod validated;
mod value_de;

#[cfg(feature = "claims")]
pub use claim::{
    BoxFuture, ClaimError, ClaimInfo, ClaimSignal, ClaimStore, ClaimWatch, Claimed, HeldClaim,
    Holder,
};
pub use detect::{Detection, EnvLookup, EnvValue, Outcome, Platform, TraceStep, detect};
pub use environment::{Environment, ParseEnvironmentError};
#[cfg(feature = "claims")]
pub use file_store::FileStore;
pub use instance_id::{InstanceId, InvalidInstanceId};
pub use loader::Loader;
#[cfg(feature = "postgres")]
pub use pg_store::{PgStore, RenewDeadline};
pub use report::{Finding, Report, Severity};
pub use resolution::{InstanceIdOrigin, Resolution, SettingRecord};
pub use rules::{Checks, MIN_RECOMMENDED_LEN};
pub use schema::{FieldSchema, Role, Schema};
pub use secrecy::{ExposeSecret, SecretString};
pub use source::Source;
pub use validated::{Loaded, Validated};

/// `#[derive(GateConfig)]`: see the README's attribute reference.
#[cfg(feature = "derive")]
pub use asyncgate_config_derive::GateConfig;

/// How secrets are shown wherever a value is displayed.
pub const REDACTED: &str = "[redacted]";

/// A settings struct: implemented by `#[derive(GateConfig)]`.
///
/// The derive implements the hidden methods; users call [`load`](GateConfig::load),
/// [`loader`](GateConfig::loader) and [`schema`](GateConfig::schema).
pub trait GateConfig: Sized {
    /// The static description of every setting: name, env var, type,
    /// default, doc, secret, environments where required.
    fn schema() -> &'static Schema;

    /// Loads from the process environment, `.env` and the config file.
    fn load() -> Result<Loaded<Self>, Report> {
        Self::loader().load()
    }

    /// A loader whose sources can be replaced (for tests and tools).
    fn loader() -> Loader<Self> {
        Loader::new()
    }

    #[doc(hidden)]
    fn __resolve(resolver: &mut __private::Resolver<'_>) -> Option<Self>;

    #[doc(hidden)]
    fn __check(&self, checks: &mut Checks<'_>);
}

/// Not public API: what `#[derive(GateConfig)]` expands to reaches through here.
#[doc(hidden)]
pub mod __private {
    pub use crate::resolver::Resolver;
    pub use crate::schema::{FieldSchema, Role, Schema};
    pub use crate::{Checks, Environment, InstanceId, Platform, SecretString};
    pub use core;

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
        message = "`#[gate(secret)]` needs a field of type `SecretString` or `Option<SecretString>`, not `{Self}`",
        label = "not a secret type: use `asyncgate_config::SecretString`"
    )]
    pub trait SecretField {}
    impl SecretField for SecretString {}
    impl SecretField for Option<SecretString> {}

    /// Compile-time assertion helper: `T` must implement [`SecretField`].
    pub const fn assert_secret<T: SecretField>() {}
}
