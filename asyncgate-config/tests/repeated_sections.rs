//! Repeated sections: `Vec<S>` from arrays of tables, with numbered
//! variables per element, and maps of `S` keyed by table name; each
//! element's settings read, required, checked and traced on their own,
//! under its path; bounded in elements and key length.

use std::collections::{BTreeMap, HashMap};

use asyncgate_config::provenance::Source;
use asyncgate_config::validate::Checks;
use asyncgate_config::{
    Environment, Finding, GateConfig, InstanceId, Loaded, MAX_ELEMENTS, Report, SecretString,
};

/// TLS to an upstream.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Tls {
    pub ca: String,
}

/// One upstream server.
#[derive(Debug, GateConfig)]
#[gate(section, check = upstream_rules)]
pub struct Upstream {
    /// Where it listens.
    pub url: String,
    #[gate(default = 1)]
    pub weight: u32,
    /// Its token: required in production.
    #[gate(secret, required_in(production))]
    pub token: Option<SecretString>,
    #[gate(nested)]
    pub tls: Option<Tls>,
}

fn upstream_rules(upstream: &Upstream, checks: &mut Checks<'_>) {
    if upstream.weight == 0 {
        checks.push(Finding::error("weight", "a weight of 0 sends it nothing"));
    }
}

/// One tenant.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Tenant {
    pub database: String,
    #[gate(default = 100)]
    pub quota: u32,
    /// Its quota in the EU region.
    pub eu_quota: Option<u32>,
}

#[derive(Debug, GateConfig)]
#[allow(dead_code)] // The tests read the sections.
#[gate(prefix = "ORDERS")]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "orders-1")]
    pub instance_id: InstanceId,
    #[gate(default = 8080)]
    pub port: u16,
    #[gate(nested)]
    pub upstreams: Vec<Upstream>,
    #[gate(nested)]
    pub tenants: BTreeMap<String, Tenant>,
}

/// The same map as a `HashMap`, unknown names denied.
#[derive(Debug, GateConfig)]
#[allow(dead_code)]
#[gate(prefix = "SHOP", deny_unknown)]
pub struct Strict {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "shop-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub tenants: HashMap<String, Tenant>,
    #[gate(nested)]
    pub upstreams: Vec<Upstream>,
}

/// An optional list and map: `None` when they have no element.
#[derive(Debug, GateConfig)]
#[allow(dead_code)]
#[gate(prefix = "OPT")]
pub struct OptionalShapes {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "opt-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub upstreams: Option<Vec<Upstream>>,
    #[gate(nested)]
    pub tenants: Option<BTreeMap<String, Tenant>>,
}

fn load_files<T: GateConfig>(files: &[&str], env: &[(&str, &str)]) -> Result<Loaded<T>, Report> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, text) in files.iter().enumerate() {
        let path = dir.path().join(format!("config{i}.toml"));
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    T::loader()
        .config_files(paths)
        .env(env.iter().copied())
        .current_dir(dir.path())
        .dotenv(false)
        .load()
}

fn load(text: &str, env: &[(&str, &str)]) -> Result<Loaded<Settings>, Report> {
    load_files(&[text], env)
}

/// The error about the setting at `path` (the test fails without one).
fn error_at<'r>(report: &'r Report, path: &str) -> &'r Finding {
    report
        .errors()
        .find(|f| f.setting() == Some(path))
        .unwrap_or_else(|| panic!("no error about `{path}`: {report}"))
}

/// The settings from the variables `env` alone.
fn load_env(env: &[(&str, &str)]) -> Result<Loaded<Settings>, Report> {
    Settings::loader()
        .env(env.iter().copied())
        .dotenv(false)
        .load()
}

const TWO: &str = r#"
[[upstreams]]
url = "http://a:8080"

[[upstreams]]
url = "http://b:8080"
weight = 3
"#;

#[test]
fn a_list_reads_each_element_with_its_defaults_and_provenance() {
    let loaded = load(TWO, &[]).unwrap_or_else(|r| panic!("{r}"));
    let urls: Vec<&str> = loaded.upstreams.iter().map(|u| u.url.as_str()).collect();
    assert_eq!(urls, ["http://a:8080", "http://b:8080"]);
    assert_eq!(loaded.upstreams[0].weight, 1);
    assert_eq!(loaded.upstreams[1].weight, 3);
    let res = loaded.resolution();
    let url = res.setting("upstreams[1].url").unwrap();
    assert_eq!(url.value(), Some("http://b:8080"));
    let Some(Source::File { key, .. }) = url.source() else {
        panic!("{url:?}")
    };
    assert_eq!(key, "upstreams[1].url");
    assert_eq!(
        res.setting("upstreams[0].weight").unwrap().source(),
        Some(&Source::Default)
    );
    let element = res
        .elements()
        .iter()
        .find(|e| e.path() == "upstreams[1].weight")
        .unwrap();
    assert_eq!(element.env(), "ORDERS_UPSTREAMS_1_WEIGHT");
    assert_eq!(element.field().name(), "upstreams.weight");
    // The schema's own setting is the pattern, with the element's place marked.
    let pattern = Settings::schema().field("upstreams.url").unwrap();
    assert_eq!(pattern.env(), "ORDERS_UPSTREAMS_<N>_URL");
    // `check` lists each element's settings, not the pattern.
    let report = loaded.validate().unwrap().report();
    let text = report.detailed().to_string();
    assert!(
        text.contains("upstreams[1].weight  ORDERS_UPSTREAMS_1_WEIGHT"),
        "{text}"
    );
    assert!(text.contains("3  [key `upstreams[1].weight` in "), "{text}");
    assert!(!text.contains("<N>"), "{text}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["settings"]["upstreams[0].url"]["env_var"],
        "ORDERS_UPSTREAMS_0_URL"
    );
}

#[test]
fn no_file_and_no_variable_is_an_empty_list_and_map() {
    let loaded = load_env(&[("ORDERS_PORT", "9000")]).unwrap();
    assert!(loaded.upstreams.is_empty());
    assert!(loaded.tenants.is_empty());
}

#[test]
fn a_variable_overrides_one_element_and_can_add_elements() {
    let loaded = load(
        TWO,
        &[
            ("ORDERS_UPSTREAMS_0_WEIGHT", "5"),
            ("ORDERS_UPSTREAMS_2_URL", "http://c:8080"),
        ],
    )
    .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.upstreams.len(), 3);
    assert_eq!(loaded.upstreams[0].weight, 5);
    assert_eq!(loaded.upstreams[0].url, "http://a:8080");
    assert_eq!(loaded.upstreams[2].url, "http://c:8080");
    let source = loaded.resolution().setting("upstreams[0].weight").unwrap();
    assert_eq!(
        source.source().unwrap().to_string(),
        "environment variable ORDERS_UPSTREAMS_0_WEIGHT"
    );
}

#[test]
fn elements_from_the_environment_alone_must_be_complete() {
    let report = load_env(&[("ORDERS_UPSTREAMS_1_URL", "http://b:8080")]).unwrap_err();
    let missing = error_at(&report, "upstreams[0].url");
    assert!(
        missing
            .message()
            .contains("`upstreams[0].url` (String) is required")
    );
    assert_eq!(missing.env_var(), Some("ORDERS_UPSTREAMS_0_URL"));
    // Element 1 is complete: nothing is said about it.
    assert!(
        report
            .errors()
            .all(|f| f.setting() != Some("upstreams[1].url"))
    );
}

#[test]
fn a_bad_value_names_the_element_its_variable_and_its_line() {
    let text = "[[upstreams]]\nurl = \"http://a\"\n\n[[upstreams]]\nurl = \"http://b\"\nweight = \"heavy\"\n";
    let report = load(text, &[]).unwrap_err();
    let bad = error_at(&report, "upstreams[1].weight");
    assert!(
        bad.message()
            .contains("invalid value for `upstreams[1].weight` (u32)"),
        "{}",
        bad.message()
    );
    assert_eq!(bad.env_var(), Some("ORDERS_UPSTREAMS_1_WEIGHT"));
    assert!(
        bad.remedy().unwrap().contains("upstreams[1].weight"),
        "{:?}",
        bad.remedy()
    );
    let at = bad.location().unwrap_or_else(|| panic!("{report}"));
    assert_eq!((at.line(), at.column()), (6, 10), "{report}");

    let report = load(TWO, &[("ORDERS_UPSTREAMS_1_WEIGHT", "-1")]).unwrap_err();
    let bad = report.errors().next().unwrap();
    assert_eq!(bad.setting(), Some("upstreams[1].weight"));
    assert!(bad.remedy().unwrap().contains("ORDERS_UPSTREAMS_1_WEIGHT"));
}

#[test]
fn each_elements_check_runs_under_its_path() {
    let text =
        "[[upstreams]]\nurl = \"http://a\"\n\n[[upstreams]]\nurl = \"http://b\"\nweight = 0\n";
    let report = load(text, &[]).unwrap().validate().unwrap_err();
    let finding = report
        .errors()
        .find(|f| f.message() == "a weight of 0 sends it nothing")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(finding.setting(), Some("upstreams[1].weight"));
    assert_eq!(finding.env_var(), Some("ORDERS_UPSTREAMS_1_WEIGHT"));
    assert_eq!(report.errors().count(), 1, "{report}");
}

#[test]
fn checks_of_complete_elements_run_when_another_fails() {
    // Element 0 parses (and its check fails); element 1 does not parse.
    let text = "[[upstreams]]\nurl = \"http://a\"\nweight = 0\n\n[[upstreams]]\nweight = 2\n";
    let report = load(text, &[]).unwrap_err();
    let settings: Vec<Option<&str>> = report.errors().map(|f| f.setting()).collect();
    assert!(settings.contains(&Some("upstreams[1].url")), "{report}");
    assert!(settings.contains(&Some("upstreams[0].weight")), "{report}");
}

#[test]
fn required_in_and_secret_rules_apply_to_each_element() {
    let env = [
        ("ORDERS_ENV", "production"),
        ("ORDERS_INSTANCE_ID", "orders-7f3c9e21"),
        ("ORDERS_UPSTREAMS_0_TOKEN", "changeme"),
    ];
    let report = load(TWO, &env).unwrap().validate().unwrap_err();
    let text = report.to_string();
    let required = error_at(&report, "upstreams[1].token");
    assert!(
        required
            .message()
            .contains("upstreams[1].token is required in production")
    );
    assert!(
        required
            .remedy()
            .unwrap()
            .contains("ORDERS_UPSTREAMS_1_TOKEN")
    );
    let placeholder = error_at(&report, "upstreams[0].token");
    assert!(placeholder.message().contains("well-known placeholder"));
    assert!(!text.contains("changeme"), "{text}");
}

#[test]
fn a_secret_of_an_element_is_never_shown_and_may_come_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("token");
    std::fs::write(&secret, "s3cr3t-token-value-0123456789\n").unwrap();
    let secret = secret.display().to_string();
    let env = [
        ("ORDERS_UPSTREAMS_0_URL", "http://a"),
        ("ORDERS_UPSTREAMS_0_TOKEN_FILE", secret.as_str()),
    ];
    let loaded = Settings::loader()
        .env(env)
        .dotenv(false)
        .load()
        .unwrap_or_else(|r| panic!("{r}"));
    use asyncgate_config::ExposeSecret;
    let token = loaded.upstreams[0].token.as_ref().unwrap();
    assert_eq!(token.expose_secret(), "s3cr3t-token-value-0123456789");
    let record = loaded.resolution().setting("upstreams[0].token").unwrap();
    assert_eq!(record.value(), Some("[redacted]"));
    assert_eq!(record.source().unwrap().kind(), "secret_file");
    assert!(!format!("{:?}", loaded.resolution()).contains("s3cr3t"));
}

#[test]
fn an_optional_section_inside_an_element_reads_the_elements_variables() {
    let loaded = load(TWO, &[("ORDERS_UPSTREAMS_1_TLS_CA", "/etc/ca.pem")]).unwrap();
    assert!(loaded.upstreams[0].tls.is_none());
    assert_eq!(loaded.upstreams[1].tls.as_ref().unwrap().ca, "/etc/ca.pem");
    let text = "[[upstreams]]\nurl = \"http://a\"\n[upstreams.tls]\nca = \"/ca.pem\"\n";
    let loaded = load(text, &[]).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.upstreams[0].tls.as_ref().unwrap().ca, "/ca.pem");
}

#[test]
fn the_last_file_with_the_array_gives_it_whole_while_map_entries_merge() {
    let base = "[[upstreams]]\nurl = \"http://a\"\n[[upstreams]]\nurl = \"http://b\"\n\n[tenants.acme]\ndatabase = \"acme\"\nquota = 5\n";
    let overlay = "[[upstreams]]\nurl = \"http://z\"\n\n[tenants.acme]\nquota = 7\n[tenants.globex]\ndatabase = \"globex\"\n";
    let loaded = load_files::<Settings>(&[base, overlay], &[]).unwrap_or_else(|r| panic!("{r}"));
    let urls: Vec<&str> = loaded.upstreams.iter().map(|u| u.url.as_str()).collect();
    assert_eq!(urls, ["http://z"]);
    assert_eq!(loaded.tenants["acme"].database, "acme");
    assert_eq!(loaded.tenants["acme"].quota, 7);
    assert_eq!(loaded.tenants["globex"].quota, 100);
}

#[test]
fn a_map_reads_entries_by_key_and_variables_override_them() {
    let text =
        "[tenants.acme]\ndatabase = \"acme\"\n\n[tenants.\"globex-eu\"]\ndatabase = \"globex\"\n";
    let loaded =
        load(text, &[("ORDERS_TENANTS_GLOBEX_EU_QUOTA", "500")]).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.tenants.len(), 2);
    assert_eq!(loaded.tenants["globex-eu"].quota, 500);
    assert_eq!(loaded.tenants["acme"].quota, 100);
    let record = loaded
        .resolution()
        .setting("tenants.globex-eu.quota")
        .unwrap();
    assert_eq!(
        record.source().unwrap().to_string(),
        "environment variable ORDERS_TENANTS_GLOBEX_EU_QUOTA"
    );
    let record = loaded
        .resolution()
        .setting("tenants.acme.database")
        .unwrap();
    assert_eq!(record.source().unwrap().kind(), "file");
}

#[test]
fn a_variable_for_an_entry_no_file_has_is_a_warning_not_a_silent_new_entry() {
    let text = "[tenants.acme]\ndatabase = \"acme\"\n";
    let loaded = load(text, &[("ORDERS_TENANTS_INITECH_DATABASE", "initech")]).unwrap();
    assert_eq!(loaded.tenants.len(), 1);
    let warning = loaded
        .warnings()
        .iter()
        .find(|f| f.message().contains("ORDERS_TENANTS_INITECH_DATABASE"))
        .unwrap_or_else(|| panic!("{:?}", loaded.warnings()));
    assert!(warning.message().contains("no config file has"));
    // Under deny_unknown it is an error.
    let report = load_files::<Strict>(
        &["[tenants.acme]\ndatabase = \"a\"\n"],
        &[("SHOP_TENANTS_INITECH_DATABASE", "initech")],
    )
    .unwrap_err();
    assert!(
        report.to_string().contains("SHOP_TENANTS_INITECH_DATABASE"),
        "{report}"
    );
}

#[test]
fn a_hash_map_loads_like_a_btree_map() {
    let text =
        "[tenants.acme]\ndatabase = \"acme\"\n[tenants.globex]\ndatabase = \"globex\"\nquota = 9\n";
    let loaded = load_files::<Strict>(&[text], &[]).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.tenants["globex"].quota, 9);
    assert_eq!(loaded.tenants.len(), 2);
}

#[test]
fn unknown_keys_and_variables_of_elements_are_named_by_element() {
    let text = "[[upstreams]]\nurl = \"http://a\"\nwieght = 2\n\n[tenants.acme]\ndatabase = \"a\"\nquotta = 1\n";
    let report = load_files::<Strict>(&[text], &[("SHOP_UPSTREAMS_0_URLL", "x")]).unwrap_err();
    let text = report.to_string();
    assert!(text.contains("unknown key `upstreams[0].wieght`"), "{text}");
    assert!(text.contains("unknown key `tenants.acme.quotta`"), "{text}");
    assert!(
        text.contains("unknown variable SHOP_UPSTREAMS_0_URLL"),
        "{text}"
    );
    // The element's own variables are known.
    let loaded = load_files::<Strict>(
        &["[[upstreams]]\nurl = \"a\"\n"],
        &[("SHOP_UPSTREAMS_0_WEIGHT", "4")],
    )
    .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.upstreams[0].weight, 4);
}

#[test]
fn loader_set_names_an_element_by_its_path() {
    let loaded = Settings::loader()
        .env([("ORDERS_PORT", "9000")])
        .dotenv(false)
        .set("upstreams[0].url", "http://set")
        .set("upstreams[0].weight", "4")
        .load()
        .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.upstreams[0].url, "http://set");
    assert_eq!(loaded.upstreams[0].weight, 4);
    let report = Settings::loader()
        .env([("ORDERS_PORT", "9000")])
        .dotenv(false)
        .set("upstreams[x].url", "http://set")
        .load()
        .unwrap_err();
    assert!(report.to_string().contains("names no setting"), "{report}");
}

#[test]
fn loader_set_adds_a_map_entry_among_the_files_entries_in_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::fs::write(&first, "[tenants.globex]\ndatabase = \"globex\"\n").unwrap();
    std::fs::write(
        &second,
        "[tenants.zeta]\ndatabase = \"zeta\"\n[tenants.globex]\nquota = 3\n",
    )
    .unwrap();
    let loaded = Settings::loader()
        .config_files([first, second])
        .env([("ORDERS_PORT", "9000")])
        .dotenv(false)
        .set("tenants.acme.database", "acme")
        .set("tenants.zeta.quota", "9")
        .load()
        .unwrap_or_else(|r| panic!("{r}"));
    let keys: Vec<&str> = loaded.tenants.keys().map(String::as_str).collect();
    assert_eq!(keys, ["acme", "globex", "zeta"]);
    assert_eq!(loaded.tenants["acme"].database, "acme");
    assert_eq!(
        (
            loaded.tenants["globex"].database.as_str(),
            loaded.tenants["globex"].quota
        ),
        ("globex", 3)
    );
    assert_eq!(
        (
            loaded.tenants["zeta"].database.as_str(),
            loaded.tenants["zeta"].quota
        ),
        ("zeta", 9)
    );
}

#[test]
fn wrong_shapes_are_errors_that_name_the_key_and_line() {
    for (text, expected) in [
        (
            "port = 1\nupstreams = \"http://a\"\n",
            "must be an array of tables (`[[upstreams]]`), not a string",
        ),
        ("upstreams = [1, 2]\n", "`upstreams[0]` in config file"),
        (
            "tenants = [1]\n",
            "must be a table of tables (`[tenants.<name>]`), not an array",
        ),
        ("[tenants]\nacme = 3\n", "`tenants.acme` in config file"),
    ] {
        let report = load(text, &[]).unwrap_err();
        let error = report.errors().next().unwrap_or_else(|| panic!("{report}"));
        assert!(
            error.message().contains(expected),
            "{text}: {}",
            error.message()
        );
        if text.starts_with("port") {
            assert_eq!(error.location().unwrap().line(), 2, "{report}");
        }
    }
}

#[test]
fn too_many_elements_is_a_clear_bounded_error() {
    // 100,000 elements in a file (empty tables: the file stays under
    // the 1 MiB a config file may have).
    let mut text = String::from("upstreams = [");
    for _ in 0..100_000 {
        text.push_str("{},");
    }
    text.push_str("]\n");
    let report = load(&text, &[]).unwrap_err();
    let message = report.errors().next().unwrap().message().to_owned();
    assert!(
        message.contains("`upstreams` has 100000 elements")
            && message.contains(&format!("at most {MAX_ELEMENTS}")),
        "{message}"
    );
    assert!(report.to_string().len() < 2_000);
    // An index past the limit in a variable.
    let report = load_env(&[("ORDERS_UPSTREAMS_5000_URL", "http://x")]).unwrap_err();
    assert!(
        report
            .to_string()
            .contains("ORDERS_UPSTREAMS_5000_URL sets element 5000"),
        "{report}"
    );
    // A map of more entries than the limit.
    let mut text = String::from("[tenants]\n");
    for i in 0..(MAX_ELEMENTS + 1) {
        text.push_str(&format!("t{i} = {{database = \"d\"}}\n"));
    }
    let report = load(&text, &[]).unwrap_err();
    assert!(
        report
            .to_string()
            .contains(&format!("`tenants` has {} elements", MAX_ELEMENTS + 1)),
        "{report}"
    );
}

#[test]
fn hostile_map_keys_are_refused_without_echoing_them() {
    // A key of a million characters (the file stays under 1 MiB).
    let long = "k".repeat(1_000_000);
    let text = format!("[tenants.\"{long}\"]\ndatabase = \"x\"\n");
    let report = load(&text, &[]).unwrap_err();
    let shown = report.to_string();
    assert!(
        shown.contains("is 1000000 characters long (at most 128)"),
        "{}",
        &shown[..shown.len().min(500)]
    );
    assert!(shown.len() < 4_000, "{}", shown.len());

    let text = "[tenants.\"a\\u0007b\\u001b[31m\"]\ndatabase = \"x\"\n";
    let report = load(text, &[]).unwrap_err();
    let shown = report.to_string();
    assert!(shown.contains("holds control characters"), "{shown}");
    assert!(
        !shown.contains('\u{7}') && !shown.contains('\u{1b}'),
        "{shown:?}"
    );

    // Two keys whose variables would be the same.
    let text = "[tenants.acme-eu]\ndatabase = \"x\"\n[tenants.acme_eu]\ndatabase = \"y\"\n";
    let report = load(text, &[]).unwrap_err();
    assert!(
        report.to_string().contains("have the same variables"),
        "{report}"
    );
}

#[test]
fn deeply_nested_values_are_errors_not_crashes() {
    let depth = 100_000;
    let text = format!("upstreams = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let report = load(&text, &[]).unwrap_err();
    assert!(report.errors().count() >= 1, "{report}");
    let text = format!(
        "[[upstreams]]\nurl = {}1{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let report = load(&text, &[]).unwrap_err();
    assert!(report.errors().count() >= 1, "{report}");
}

/// The template with `##` removed where it starts a line's text: every
/// repeated section turned on, with one element.
fn all_on(template: &str) -> String {
    template
        .lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            match line[indent..].strip_prefix("##") {
                Some(rest) if !rest.starts_with('#') => format!("{}{rest}\n", &line[..indent]),
                _ => format!("{line}\n"),
            }
        })
        .collect()
}

/// The findings of loading a template turned on (`text`): the required
/// values it cannot know, and no unknown key (the element's check waits
/// for its values).
fn only_what_a_template_cannot_know(report: &Report, text: &str) {
    let mut missing: Vec<&str> = report.errors().filter_map(|f| f.setting()).collect();
    missing.sort_unstable();
    assert_eq!(
        missing,
        [
            "tenants.example.database",
            "upstreams[0].tls.ca",
            "upstreams[0].url"
        ],
        "{report}\n{text}"
    );
    assert!(
        report
            .warnings()
            .all(|w| w.message().contains("check was not run")),
        "{report}"
    );
}

#[test]
fn templates_write_a_list_as_an_array_of_tables_and_a_map_under_an_example_key() {
    let schema = Settings::schema();
    let toml_text = schema.toml_template();
    assert!(
        toml_text.contains("\n##[[upstreams]]\n# (a list: remove `##`"),
        "{toml_text}"
    );
    assert!(toml_text.contains("\n##[upstreams.tls]\n"), "{toml_text}");
    assert!(
        toml_text.contains("\n##[tenants.example]\n# (a map:"),
        "{toml_text}"
    );
    assert!(
        toml_text.contains("env: ORDERS_UPSTREAMS_<N>_URL"),
        "{toml_text}"
    );
    // Each setting is named as an element's would be, its place marked.
    assert!(
        toml_text.contains("# setting: upstreams[<N>].url; type: String"),
        "{toml_text}"
    );
    let markdown = schema.markdown();
    assert!(
        markdown.contains("| `ORDERS_TENANTS_<KEY>_QUOTA` (tenants.<KEY>.quota) |"),
        "{markdown}"
    );
    let env_text = schema.env_example();
    assert!(
        env_text.contains("\n#ORDERS_UPSTREAMS_0_WEIGHT=1\n"),
        "{env_text}"
    );
    assert!(
        env_text.contains("\n#ORDERS_TENANTS_EXAMPLE_QUOTA=100\n"),
        "{env_text}"
    );

    // Turned on, the TOML is a file the loader reads as one element and
    // one entry: what is left to say is what the template cannot know.
    let on = all_on(&toml_text);
    only_what_a_template_cannot_know(&load(&on, &[]).unwrap_err(), &on);

    let yaml_text = schema.yaml_template();
    assert!(
        yaml_text.contains("\n##upstreams:\n# (a list"),
        "{yaml_text}"
    );
    assert!(yaml_text.contains("\n  ##- url: \"\"\n"), "{yaml_text}");
    assert!(yaml_text.contains("\n  ##  weight: 1\n"), "{yaml_text}");
    assert!(
        yaml_text.contains("\n  ##example:\n  # (a map"),
        "{yaml_text}"
    );
    #[cfg(feature = "yaml")]
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.yaml");
        std::fs::write(&path, all_on(&yaml_text)).unwrap();
        let report = Settings::loader()
            .config_file(&path)
            .env([("ORDERS_PORT", "1")])
            .dotenv(false)
            .load()
            .unwrap_err();
        only_what_a_template_cannot_know(&report, &all_on(&yaml_text));
    }
}

#[test]
fn the_json_schema_has_an_array_for_a_list_and_an_object_for_a_map() {
    let schema = Settings::schema().json_schema();
    let upstreams = &schema["properties"]["upstreams"];
    assert_eq!(upstreams["type"], "array");
    assert_eq!(upstreams["maxItems"], MAX_ELEMENTS);
    assert_eq!(
        upstreams["items"]["properties"]["url"]["x-asyncgate-env"],
        "ORDERS_UPSTREAMS_<N>_URL"
    );
    let tenants = &schema["properties"]["tenants"];
    assert_eq!(tenants["type"], "object");
    assert_eq!(tenants["propertyNames"]["maxLength"], 128);
    assert_eq!(
        tenants["additionalProperties"]["properties"]["quota"]["default"],
        100
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good: serde_json::Value = serde_json::json!({
        "upstreams": [{"url": "http://a", "weight": 2}, {"url": "http://b"}],
        "tenants": {"acme": {"database": "acme"}},
    });
    assert!(validator.is_valid(&good));
    for bad in [
        serde_json::json!({"upstreams": {"url": "http://a"}}),
        serde_json::json!({"upstreams": [{"url": "http://a", "weight": "heavy"}]}),
        serde_json::json!({"tenants": {"acme": 3}}),
        serde_json::json!({"tenants": {"": {"database": "x"}}}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
    // The strict struct's elements refuse unknown keys, as the loader does.
    let strict = jsonschema::validator_for(&Strict::schema().json_schema()).unwrap();
    assert!(!strict.is_valid(&serde_json::json!({"upstreams": [{"url": "a", "wieght": 1}]})));
    assert!(strict.is_valid(&serde_json::json!({"upstreams": [{"url": "a", "weight": 1}]})));
}

#[test]
fn an_elements_bad_value_is_located_in_json_and_yaml_files_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![(
        "orders.json",
        "{\n  \"upstreams\": [\n    {\"url\": \"a\"},\n    {\"url\": \"b\",\n     \"weight\": \"heavy\"}\n  ]\n}\n",
        (5, 16),
    )];
    if cfg!(feature = "yaml") {
        files.push((
            "orders.yaml",
            "upstreams:\n  - url: a\n  - url: b\n    weight: heavy\n",
            (4, 13),
        ));
    }
    for (name, text, (line, column)) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let report = Settings::loader()
            .config_file(&path)
            .env([("ORDERS_PORT", "1")])
            .dotenv(false)
            .load()
            .unwrap_err();
        let bad = report.errors().next().unwrap();
        assert_eq!(bad.setting(), Some("upstreams[1].weight"), "{report}");
        let at = bad.location().unwrap_or_else(|| panic!("{name}: {report}"));
        assert_eq!((at.line(), at.column()), (line, column), "{name}: {report}");
    }
}

#[test]
fn a_variable_two_entries_would_read_is_an_error_naming_both() {
    // `ACME_EU_QUOTA`: `acme-eu`'s quota, or `acme`'s eu_quota.
    let text = "[tenants.acme]\ndatabase = \"a\"\n[tenants.acme-eu]\ndatabase = \"b\"\n";
    let report = load(text, &[("ORDERS_TENANTS_ACME_EU_QUOTA", "5")]).unwrap_err();
    let error = report.errors().next().unwrap_or_else(|| panic!("{report}"));
    assert!(
        error.message().contains(
            "ORDERS_TENANTS_ACME_EU_QUOTA would set both `tenants.acme-eu.quota` and `tenants.acme.eu_quota`"
        ),
        "{report}"
    );
    // With only one of the entries, the variable is that entry's.
    let one = "[tenants.acme-eu]\ndatabase = \"b\"\n";
    let loaded =
        load(one, &[("ORDERS_TENANTS_ACME_EU_QUOTA", "5")]).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.tenants["acme-eu"].quota, 5);
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

#[test]
fn an_index_with_leading_zeros_is_an_unknown_variable_not_a_new_element() {
    let loaded =
        load(TWO, &[("ORDERS_UPSTREAMS_01_WEIGHT", "9")]).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.upstreams.len(), 2);
    assert_eq!(loaded.upstreams[1].weight, 3);
    let warning = loaded.warnings().iter().find(|w| {
        w.message()
            .contains("unknown variable ORDERS_UPSTREAMS_01_WEIGHT")
    });
    assert!(warning.is_some(), "{:?}", loaded.warnings());
}

#[test]
fn an_optional_list_or_map_is_none_without_elements() {
    let none = load_files::<OptionalShapes>(&[""], &[]).unwrap_or_else(|r| panic!("{r}"));
    assert!(none.upstreams.is_none() && none.tenants.is_none());
    let some = load_files::<OptionalShapes>(
        &["[tenants.acme]\ndatabase = \"a\"\n"],
        &[("OPT_UPSTREAMS_0_URL", "http://a")],
    )
    .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(some.upstreams.as_ref().map(Vec::len), Some(1));
    assert_eq!(some.tenants.as_ref().map(|t| t["acme"].quota), Some(100));
    // The schema sees a list and a map, with their elements' variables.
    let schema = OptionalShapes::schema();
    assert_eq!(
        schema.field("upstreams.url").unwrap().env(),
        "OPT_UPSTREAMS_<N>_URL"
    );
    assert_eq!(
        schema.json_schema()["properties"]["tenants"]["type"],
        "object"
    );
}

/// A backend chosen by name whose variant is a list of sections.
#[derive(Debug, GateConfig)]
#[gate(section, default = "single")]
pub enum Backends {
    Single(Upstream),
    Many(Vec<Upstream>),
}

#[derive(Debug, GateConfig)]
#[allow(dead_code)]
#[gate(prefix = "POOL")]
pub struct Pooled {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "pool-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub pool: Backends,
}

#[test]
fn an_enum_sections_variant_may_be_a_list_of_sections() {
    let text = "[pool]\nkind = \"many\"\n\n[[pool.many]]\nurl = \"http://a\"\n\n[[pool.many]]\nurl = \"http://b\"\n";
    let loaded = load_files::<Pooled>(&[text], &[("POOL_POOL_MANY_1_WEIGHT", "4")])
        .unwrap_or_else(|r| panic!("{r}"));
    let Backends::Many(upstreams) = &loaded.pool else {
        panic!("{:?}", loaded.pool)
    };
    let weights: Vec<u32> = upstreams.iter().map(|u| u.weight).collect();
    assert_eq!(weights, [1, 4]);
    let record = loaded.resolution().setting("pool.many[1].weight").unwrap();
    assert_eq!(
        record.source().unwrap().to_string(),
        "environment variable POOL_POOL_MANY_1_WEIGHT"
    );
    // The other variant is a single section, read as one.
    let single = load_files::<Pooled>(&[""], &[("POOL_POOL_SINGLE_URL", "http://s")])
        .unwrap_or_else(|r| panic!("{r}"));
    assert!(matches!(&single.pool, Backends::Single(u) if u.url == "http://s"));
}

#[derive(Debug, GateConfig)]
#[allow(dead_code)]
#[gate(prefix = "HOOKS")]
pub struct Hooks {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "hooks-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub hooks: Vec<Option<Tls>>,
}

#[test]
fn a_list_of_optional_sections_has_each_element_the_array_has() {
    let file = "[[hooks]]\nca = \"a\"\n\n[[hooks]]\nca = \"b\"\n";
    let loaded = load_files::<Hooks>(&[file], &[("HOOKS_HOOKS_1_CA", "c")]).unwrap();
    let hooks = loaded.validate().unwrap().into_inner().hooks;
    let cas: Vec<Option<&str>> = hooks
        .iter()
        .map(|hook| hook.as_ref().map(|tls| tls.ca.as_str()))
        .collect();
    assert_eq!(cas, [Some("a"), Some("c")]);
    // An element is there because the array holds it: its required
    // settings must be set, as in a `Vec<S>`.
    let report = load_files::<Hooks>(&["[[hooks]]\nca = \"a\"\n\n[[hooks]]\n"], &[]).unwrap_err();
    error_at(&report, "hooks[1].ca");
}
