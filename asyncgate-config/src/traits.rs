//! The traits every settings struct and section implements (through the
//! derive): the contract between generated code and the pipeline.

use crate::derive_api::__private_0_1;
use crate::load;
use crate::report::Report;
use crate::schema::{FieldSchema, Schema};
use crate::typestate::Loaded;
use crate::validate;

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
    fn __resolve(reader: &mut __private_0_1::FieldReader<'_>) -> Option<Self>;

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
    note = "add `#[gate(section)]` to a struct that derives `GateConfig` (`Option<S>` of such a struct is an optional section); a plain value (a number, a string, a list) needs no `nested`"
)]
pub trait Section: Sized {
    #[doc(hidden)]
    const __FIELDS: &'static [FieldSchema];

    /// The path of the section's `check` function, for reports.
    #[doc(hidden)]
    const __CHECK_FN: Option<&'static str>;

    #[doc(hidden)]
    fn __resolve(reader: &mut __private_0_1::FieldReader<'_>) -> Option<Self>;

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

/// An optional section: `#[gate(nested)] tls: Option<Tls>` is `Some` when
/// the section is configured at all (a source sets one of its settings, or
/// a config file has its table, even empty) and `None` otherwise. When it
/// is `None`, nothing of it is read: its required settings are not
/// missing, its `required_in` rules do not fire, its `check` does not run.
///
/// ```
/// use asyncgate_config::{Environment, GateConfig, InstanceId};
///
/// #[derive(Debug, GateConfig)]
/// #[gate(section)]
/// pub struct Tls {
///     pub cert: String,
///     #[gate(default = "TLSv1.3")]
///     pub min_version: String,
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
///     pub tls: Option<Tls>,
/// }
///
/// let nothing: [(&str, &str); 0] = [];
/// let without = Settings::loader().env(nothing).dotenv(false).load()?;
/// assert!(without.tls.is_none());
/// let with = Settings::loader().env([("ORDERS_TLS_CERT", "/etc/tls/cert.pem")]).dotenv(false).load()?;
/// assert_eq!(with.tls.as_ref().unwrap().min_version, "TLSv1.3");
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[diagnostic::do_not_recommend]
impl<S: Section> Section for Option<S> {
    const __FIELDS: &'static [FieldSchema] = S::__FIELDS;
    const __CHECK_FN: Option<&'static str> = S::__CHECK_FN;

    fn __resolve(reader: &mut __private_0_1::FieldReader<'_>) -> Option<Self> {
        if reader.__section_present() {
            S::__resolve(reader).map(Some)
        } else {
            Some(None)
        }
    }

    fn __check(&self, checks: &mut validate::Checks<'_>) {
        if let Some(section) = self {
            section.__check(checks);
        }
    }
}

/// Not public API: a section that parsed inside a struct where some other
/// setting did not. The reader keeps it so that its checks (and those of
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
