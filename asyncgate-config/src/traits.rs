//! The traits every settings struct and section implements (through the
//! derive): the contract between generated code and the pipeline.

use crate::derive_api::__private_0_1;
use crate::load;
use crate::report::Report;
use crate::schema::{FieldSchema, Repeat, Schema};
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
    note = "add `#[gate(section)]` to a struct or enum that derives `GateConfig`; of such a section `S`, `Option<S>` is an optional section, `Vec<S>` a list of them and `BTreeMap<String, S>` or `HashMap<String, S>` a map of them keyed by name (the key must be a `String`); a plain value (a number, a string, a list of them) needs no `nested`"
)]
pub trait Section: Sized {
    #[doc(hidden)]
    const __FIELDS: &'static [FieldSchema];

    /// The path of the section's `check` function, for reports.
    #[doc(hidden)]
    const __CHECK_FN: Option<&'static str>;

    /// How often the section occurs where it is nested.
    #[doc(hidden)]
    const __REPEAT: Repeat = Repeat::One;

    /// Whether a list or map of sections has no element (a section is
    /// never empty).
    #[doc(hidden)]
    fn __is_empty(&self) -> bool {
        false
    }

    /// Whether the section or one of its own sections has a `check`
    /// function (else checking an element does nothing).
    #[doc(hidden)]
    const __HAS_CHECKS: bool =
        Self::__CHECK_FN.is_some() || crate::schema::has_checks(Self::__FIELDS);

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
    // An optional list or map is read as one: `None` when it is empty.
    const __REPEAT: Repeat = match S::__REPEAT {
        Repeat::List => Repeat::List,
        Repeat::Map => Repeat::Map,
        _ => Repeat::Optional,
    };

    fn __resolve(reader: &mut __private_0_1::FieldReader<'_>) -> Option<Self> {
        if matches!(S::__REPEAT, Repeat::List | Repeat::Map) {
            return S::__resolve(reader).map(|s| (!s.__is_empty()).then_some(s));
        }
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

/// A list of sections: `#[gate(nested)] upstreams: Vec<Upstream>` reads an
/// array of tables (`[[upstreams]]` in TOML, a list of mappings in YAML,
/// an array of objects in JSON), one element per table, each element's
/// settings read, defaulted, required and checked on their own and named
/// by their path (`upstreams[1].url`).
///
/// The environment sets an element's setting by its index
/// (`ORDERS_UPSTREAMS_1_URL`): it overrides the file's element 1, or adds
/// elements when no file has that many (every element up to the highest
/// index must then be complete). The array comes whole from the last config
/// file that has it (arrays are replaced, not merged). At most
/// [`MAX_ELEMENTS`](crate::MAX_ELEMENTS) elements; more is an error.
///
/// ```
/// use asyncgate_config::{Environment, GateConfig, InstanceId};
///
/// #[derive(Debug, GateConfig)]
/// #[gate(section)]
/// pub struct Upstream {
///     pub url: String,
///     #[gate(default = 1)]
///     pub weight: u32,
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
///     pub upstreams: Vec<Upstream>,
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("orders.toml");
/// std::fs::write(&file, r#"
/// [[upstreams]]
/// url = "http://a:8080"
///
/// [[upstreams]]
/// url = "http://b:8080"
/// weight = 3
/// "#).unwrap();
/// let loaded = Settings::loader()
///     .config_file(&file)
///     .env([("ORDERS_UPSTREAMS_0_WEIGHT", "2")])
///     .dotenv(false)
///     .load()?;
/// assert_eq!(loaded.upstreams.len(), 2);
/// assert_eq!((loaded.upstreams[0].weight, loaded.upstreams[1].weight), (2, 3));
/// let source = loaded.resolution().setting("upstreams[0].weight").unwrap().source().unwrap();
/// assert_eq!(source.to_string(), "environment variable ORDERS_UPSTREAMS_0_WEIGHT");
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[diagnostic::do_not_recommend]
impl<S: Section + 'static> Section for Vec<S> {
    const __FIELDS: &'static [FieldSchema] = S::__FIELDS;
    const __CHECK_FN: Option<&'static str> = S::__CHECK_FN;
    const __REPEAT: Repeat = Repeat::List;

    fn __resolve(reader: &mut __private_0_1::FieldReader<'_>) -> Option<Self> {
        reader.__list(S::__resolve, S::__parsed)
    }

    fn __is_empty(&self) -> bool {
        self.is_empty()
    }

    fn __check(&self, checks: &mut validate::Checks<'_>) {
        if !S::__HAS_CHECKS {
            return;
        }
        for (index, section) in self.iter().enumerate() {
            checks.__element(&format!("[{index}]"), |checks| section.__check(checks));
        }
    }
}

/// A map of sections keyed by name: `#[gate(nested)] tenants:
/// BTreeMap<String, Tenant>` reads a table of tables (`[tenants.acme]`),
/// one entry per table, each entry's settings named by their path
/// (`tenants.acme.url`). Tables merge across config files (an entry from
/// any file; each setting from the last file that sets it). The
/// environment overrides an entry's setting by its key in upper case, any
/// other character than a letter or digit as `_` (`ORDERS_TENANTS_ACME_URL`);
/// it does not add entries. A key is 1 to 128 characters without control
/// characters; at most [`MAX_ELEMENTS`](crate::MAX_ELEMENTS) entries.
///
/// ```
/// use std::collections::BTreeMap;
/// use asyncgate_config::{Environment, GateConfig, InstanceId};
///
/// #[derive(Debug, GateConfig)]
/// #[gate(section)]
/// pub struct Tenant {
///     pub database: String,
///     #[gate(default = 100)]
///     pub quota: u32,
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
///     pub tenants: BTreeMap<String, Tenant>,
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("orders.toml");
/// std::fs::write(&file, r#"
/// [tenants.acme]
/// database = "acme"
///
/// [tenants.globex]
/// database = "globex"
/// "#).unwrap();
/// let loaded = Settings::loader()
///     .config_file(&file)
///     .env([("ORDERS_TENANTS_GLOBEX_QUOTA", "500")])
///     .dotenv(false)
///     .load()?;
/// assert_eq!(loaded.tenants["acme"].quota, 100);
/// assert_eq!(loaded.tenants["globex"].quota, 500);
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[diagnostic::do_not_recommend]
impl<S: Section + 'static> Section for std::collections::BTreeMap<String, S> {
    const __FIELDS: &'static [FieldSchema] = S::__FIELDS;
    const __CHECK_FN: Option<&'static str> = S::__CHECK_FN;
    const __REPEAT: Repeat = Repeat::Map;

    fn __resolve(reader: &mut __private_0_1::FieldReader<'_>) -> Option<Self> {
        reader
            .__map(S::__resolve, S::__parsed)
            .map(|entries| entries.into_iter().collect())
    }

    fn __is_empty(&self) -> bool {
        self.is_empty()
    }

    fn __check(&self, checks: &mut validate::Checks<'_>) {
        check_entries(self, checks);
    }
}

/// A map of sections keyed by name, as [`BTreeMap`](std::collections::BTreeMap):
/// the same files and variables; checks run in key order.
#[diagnostic::do_not_recommend]
impl<S: Section + 'static, H: std::hash::BuildHasher + Default + 'static> Section
    for std::collections::HashMap<String, S, H>
{
    const __FIELDS: &'static [FieldSchema] = S::__FIELDS;
    const __CHECK_FN: Option<&'static str> = S::__CHECK_FN;
    const __REPEAT: Repeat = Repeat::Map;

    fn __resolve(reader: &mut __private_0_1::FieldReader<'_>) -> Option<Self> {
        reader
            .__map(S::__resolve, S::__parsed)
            .map(|entries| entries.into_iter().collect())
    }

    fn __is_empty(&self) -> bool {
        self.is_empty()
    }

    fn __check(&self, checks: &mut validate::Checks<'_>) {
        // Sorted only when there is something to run.
        if !S::__HAS_CHECKS {
            return;
        }
        let mut entries: Vec<(&String, &S)> = self.iter().collect();
        entries.sort_unstable_by_key(|(key, _)| *key);
        check_entries(entries, checks);
    }
}

/// Runs the checks of a map's entries, each under its path
/// (`tenants.acme`), in the order given.
fn check_entries<'s, S: Section + 's>(
    entries: impl IntoIterator<Item = (&'s String, &'s S)>,
    checks: &mut validate::Checks<'_>,
) {
    if !S::__HAS_CHECKS {
        return;
    }
    for (key, section) in entries {
        checks.__element(&crate::text::key_path(key), |checks| {
            section.__check(checks);
        });
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
