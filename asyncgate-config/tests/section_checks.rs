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
fn when_a_setting_does_not_parse_the_checks_of_sections_that_parsed_still_run() {
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
    // Only the checks that read the failed setting are skipped...
    assert_eq!(
        skipped,
        [
            "the `orders_check`, `limits_in_order` (section cache) checks were not run: they need every setting, and cache.min did not parse"
        ]
    );
    // ...the database pool's, whose settings parsed, ran.
    assert!(
        report
            .warnings()
            .any(|f| f.setting() == Some("database.pool")
                && f.message() == "database.pool allows more than 1000"),
        "{report}"
    );
    // The parse error itself is there, named by its path.
    assert!(
        report.errors().any(|f| f.setting() == Some("cache.min")),
        "{report}"
    );
}

#[test]
fn a_setting_of_the_struct_that_does_not_parse_hides_no_section_check() {
    let report = validate(&[
        ("ORDERS_PORT", "http"),
        ("ORDERS_DATABASE_POOL_MIN", "50"),
        ("ORDERS_DATABASE_POOL_MAX", "5"),
        ("ORDERS_CACHE_MIN", "9"),
        ("ORDERS_CACHE_MAX", "3"),
    ])
    .expect_err("three mistakes");
    let named: Vec<Option<&str>> = report.errors().map(Finding::setting).collect();
    assert_eq!(
        named,
        [Some("port"), Some("database.pool.max"), Some("cache.max")],
        "{report}"
    );
    let skipped: Vec<&str> = report
        .warnings()
        .map(Finding::message)
        .filter(|m| m.contains("not run"))
        .collect();
    assert_eq!(
        skipped,
        ["the `orders_check` check was not run: it needs every setting, and port did not parse"]
    );
}

/// The shape of the tryout: a bad `http.timeout` must not hide
/// `pool_min <= pool_max` of the database section.
// The values are never read: the load fails, as it must.
#[allow(dead_code)]
mod tryout {
    use std::time::Duration;

    use asyncgate_config::validate::Checks;
    use asyncgate_config::{Environment, Finding, GateConfig, InstanceId};

    #[derive(Debug, GateConfig)]
    #[gate(section)]
    struct Http {
        #[gate(default = "30s")]
        timeout: Duration,
    }

    #[derive(Debug, GateConfig)]
    #[gate(section, check = pool_in_order)]
    struct Database {
        #[gate(default = 1)]
        pool_min: u32,
        #[gate(default = 10)]
        pool_max: u32,
    }

    fn pool_in_order(db: &Database, checks: &mut Checks<'_>) {
        if db.pool_min > db.pool_max {
            checks.push(Finding::error("pool_max", "pool_min must be <= pool_max"));
        }
    }

    #[derive(Debug, GateConfig)]
    #[gate(prefix = "LEDGER")]
    struct Ledger {
        #[gate(environment, default = "development")]
        env: Environment,
        #[gate(instance_id, default = "ledger-1")]
        instance_id: InstanceId,
        #[gate(nested)]
        http: Http,
        #[gate(nested)]
        database: Database,
    }

    #[test]
    fn a_bad_http_timeout_does_not_hide_the_database_pool_rule() {
        let report = Ledger::loader()
            .env([
                ("LEDGER_HTTP_TIMEOUT", "30"),
                ("LEDGER_DATABASE_POOL_MIN", "20"),
                ("LEDGER_DATABASE_POOL_MAX", "5"),
            ])
            .load()
            .unwrap_err();
        let errors: Vec<(Option<&str>, &str)> = report
            .errors()
            .map(|f| (f.setting(), f.message()))
            .collect();
        assert_eq!(errors.len(), 2, "{report}");
        assert_eq!(errors[0].0, Some("http.timeout"));
        assert_eq!(
            errors[1],
            (Some("database.pool_max"), "pool_min must be <= pool_max")
        );
        assert_eq!(
            report.errors().nth(1).unwrap().env_var(),
            Some("LEDGER_DATABASE_POOL_MAX")
        );
        // Nothing was skipped that could run: no "not run" warning.
        assert!(
            report.warnings().all(|w| !w.message().contains("not run")),
            "{report}"
        );
    }
}
