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
mod repeat_nesting;
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
mod traits;
mod typestate;
pub mod validate;

// Operator tooling.
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "opentelemetry")]
pub mod otel;
mod template;

pub use connection_url::ConnectionUrl;
pub use environment::{Environment, ParseEnvironmentError};
pub use instance_id::{InstanceId, InvalidInstanceId};
pub use platform::Platform;
pub use report::{Finding, Location, Report, Severity};
pub use schema::{FieldSchema, MAX_ELEMENTS, MAX_KEY_CHARS, Repeat, Role, Schema};
pub use secrecy::{ExposeSecret, SecretString};
pub use secret::Secret;
pub use typestate::{Loaded, Validated};

#[doc(hidden)]
pub use traits::ParsedSection;
pub use traits::{GateConfig, Section};

#[cfg(feature = "derive")]
pub use asyncgate_config_derive::GateConfig;

// Not public API: for generated code and the fuzz targets.
mod derive_api;
#[cfg(feature = "__fuzz")]
mod fuzz_api;
#[doc(hidden)]
pub use derive_api::{__private_0_1, __version};
#[cfg(feature = "__fuzz")]
#[doc(hidden)]
pub use fuzz_api::__fuzz;

/// The crate's README (its crates.io page), run as doctests. The
/// workspace README and the derive's attribute reference are run by the
/// unpublished `asyncgate-tests` crate: a published crate includes no file
/// outside its package.
#[cfg(all(doctest, feature = "derive"))]
#[doc = include_str!("../README.md")]
struct Readme;
