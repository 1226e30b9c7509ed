//! A section's own `check` function: a reusable section carries its
//! invariants wherever it is nested, and its findings are named by the
//! full path and variable of the setting, not by the section's field.

use asyncgate_config::validate::Checks;
use asyncgate_config::{Environment, Finding, GateConfig, InstanceId, Report, Severity};

/// Lower and upper bounds, reused by two sections.
#[derive(Debug, GateConfig)]
#[gate(section, check = limits_in_order)]
pub struct Limits {
    #[gate(default = 1)]
    pub min: u32,
    #[gate(default = 10)]
    pub max: u32,
}

fn limits_in_order(limits: &Limits, checks: &mut Checks<'_>) {
    if limits.min > limits.max {
        checks.push(
            Finding::error(
                "max",
                format!("max ({}) is below min ({})", limits.max, limits.min),
            )
            .with_remedy("raise max or lower min"),
        );
    }
    if limits.max > 1000 {
        // About the section as a whole, not one of its settings.
        checks.push(Finding::warning(
            "",
            format!("{} allows more than 1000", checks.section().unwrap_or("?")),
        ));
    }
}

/// The database: its pool is a `Limits`, one level down.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Database {
    #[gate(default = "postgres://localhost/orders")]
    pub url: String,
    #[gate(nested)]
    pub pool: Limits,
}

#[derive(Debug, GateConfig)]
#[gate(prefix = "ORDERS", check = orders_check)]
pub struct Orders {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "orders-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub database: Database,
    #[gate(nested)]
    pub cache: Limits,
    #[gate(default = 8080)]
    pub port: u16,
}

fn orders_check(orders: &Orders, checks: &mut Checks<'_>) {
    assert_eq!(
        checks.section(),
        None,
        "the loaded struct's check has no section"
    );
    if orders.port == 1 {
        checks.push(Finding::error("port", "port 1 is reserved"));
    }
}

fn validate(env: &[(&str, &str)]) -> Result<asyncgate_config::Validated<Orders>, Report> {
    Orders::loader()
        .env(env.iter().copied())
        .dotenv(false)
        .load()
        .and_then(asyncgate_config::Loaded::validate)
}

#[test]
fn a_valid_configuration_passes_every_section_check() {
    let settings = validate(&[("ORDERS_CACHE_MAX", "20")]).expect("valid");
    assert_eq!(settings.cache.max, 20);
    assert!(settings.warnings().is_empty(), "{:?}", settings.warnings());
}

#[test]
fn a_section_check_names_the_full_path_the_variable_and_the_source() {
    let report = validate(&[
        ("ORDERS_DATABASE_POOL_MIN", "50"),
        ("ORDERS_DATABASE_POOL_MAX", "5"),
    ])
    .expect_err("min above max");
    let errors: Vec<&Finding> = report.errors().collect();
    assert_eq!(errors.len(), 1, "{report}");
    let error = errors[0];
    assert_eq!(error.setting(), Some("database.pool.max"));
    assert_eq!(error.env_var(), Some("ORDERS_DATABASE_POOL_MAX"));
    assert_eq!(error.message(), "max (5) is below min (50)");
    assert!(
        error
            .source()
            .is_some_and(|s| s.to_string().contains("ORDERS_DATABASE_POOL_MAX")),
        "{:?}",
        error.source()
    );
    let text = report.to_string();
    assert!(text.contains("database.pool.max"), "{text}");
    assert!(text.contains("raise max or lower min"), "{text}");
}

#[test]
fn the_same_section_nested_twice_reports_each_place_on_its_own() {
    let report = validate(&[
        ("ORDERS_DATABASE_POOL_MIN", "50"),
        ("ORDERS_DATABASE_POOL_MAX", "5"),
        ("ORDERS_CACHE_MIN", "9"),
        ("ORDERS_CACHE_MAX", "3"),
        ("ORDERS_PORT", "1"),
    ])
    .expect_err("three mistakes");
    let named: Vec<(Option<&str>, Option<&str>)> = report
        .errors()
        .map(|f| (f.setting(), f.env_var()))
        .collect();
    // Sections first, depth first in field order, then the struct's check:
    // three mistakes, one report.
    assert_eq!(
        named,
        [
            (Some("database.pool.max"), Some("ORDERS_DATABASE_POOL_MAX")),
            (Some("cache.max"), Some("ORDERS_CACHE_MAX")),
            (Some("port"), Some("ORDERS_PORT")),
        ]
    );
}

#[test]
fn a_finding_about_the_whole_section_names_the_section() {
    let settings = validate(&[("ORDERS_DATABASE_POOL_MAX", "5000")]).expect("a warning only");
    let warnings: Vec<&Finding> = settings.warnings().iter().collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].severity(), Severity::Warning);
    assert_eq!(warnings[0].setting(), Some("database.pool"));
    assert_eq!(warnings[0].message(), "database.pool allows more than 1000");
}

#[test]
fn when_a_setting_does_not_parse_every_skipped_check_is_named() {
    let report = validate(&[
        ("ORDERS_CACHE_MIN", "many"),
        ("ORDERS_DATABASE_POOL_MAX", "5000"),
    ])
    .expect_err("cache.min does not parse");
    let skipped: Vec<&str> = report
        .warnings()
        .map(Finding::message)
        .filter(|m| m.contains("not run"))
        .collect();
    assert_eq!(
        skipped,
        [
            "the `orders_check`, `limits_in_order` (section database.pool), `limits_in_order` (section cache) checks were not run: they need every setting, and cache.min did not parse"
        ]
    );
    // The parse error itself is there, named by its path.
    assert!(
        report.errors().any(|f| f.setting() == Some("cache.min")),
        "{report}"
    );
}
