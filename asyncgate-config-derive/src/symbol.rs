//! The keys of `#[gate(...)]`.

pub(crate) const GATE: &str = "gate";

// On the struct.
pub(crate) const PREFIX: &str = "prefix";
pub(crate) const CHECK: &str = "check";
pub(crate) const CRATE: &str = "crate";
pub(crate) const DENY_UNKNOWN: &str = "deny_unknown";
pub(crate) const SECTION: &str = "section";
pub(crate) const ALLOW_UNKNOWN: &str = "allow_unknown";
pub(crate) const SERVICE_NAME: &str = "service_name";
/// On an enum section: the name of the setting that selects the variant.
pub(crate) const TAG: &str = "tag";
pub(crate) const CONTAINER_KEYS: &[&str] = &[
    PREFIX,
    CHECK,
    CRATE,
    DENY_UNKNOWN,
    SECTION,
    ALLOW_UNKNOWN,
    SERVICE_NAME,
    TAG,
    DEFAULT,
];

// On a field.
pub(crate) const ENVIRONMENT: &str = "environment";
pub(crate) const INSTANCE_ID: &str = "instance_id";
pub(crate) const DETECT: &str = "detect";
pub(crate) const STRICT: &str = "strict";
pub(crate) const DEFAULT: &str = "default";
pub(crate) const SECRET: &str = "secret";
pub(crate) const REQUIRED_IN: &str = "required_in";
pub(crate) const FORBIDDEN_IN: &str = "forbidden_in";
pub(crate) const ENV: &str = "env";
pub(crate) const ALIAS: &str = "alias";
pub(crate) const NAMES: &str = "names";
pub(crate) const NESTED: &str = "nested";
pub(crate) const MIN_LEN: &str = "min_len";
pub(crate) const FIELD_KEYS: &[&str] = &[
    ENVIRONMENT,
    INSTANCE_ID,
    DETECT,
    STRICT,
    DEFAULT,
    SECRET,
    REQUIRED_IN,
    FORBIDDEN_IN,
    ENV,
    ALIAS,
    NAMES,
    NESTED,
    MIN_LEN,
];

/// Environment names accepted in `required_in(...)` / `forbidden_in(...)`,
/// with the `Environment` variant each names.
pub(crate) const ENVIRONMENTS: &[(&str, &str)] = &[
    ("development", "Development"),
    ("staging", "Staging"),
    ("production", "Production"),
];

/// Platform names accepted in `detect(...)`, in the default detection
/// order, with the `Platform` variant each names.
pub(crate) const PLATFORMS: &[(&str, &str)] = &[
    ("fly", "Fly"),
    ("kubernetes", "Kubernetes"),
    ("ecs", "Ecs"),
    ("cloud_run", "CloudRun"),
    ("nomad", "Nomad"),
    ("azure_container_apps", "AzureContainerApps"),
    ("railway", "Railway"),
    ("render", "Render"),
    ("heroku", "Heroku"),
    ("azure_app_service", "AzureAppService"),
    ("cloud_foundry", "CloudFoundry"),
    ("app_engine", "AppEngine"),
];

/// "expected one of `a`, `b`" with an optional "did you mean" for `input`.
pub(crate) fn expected_one_of<'a>(
    input: &str,
    names: impl Iterator<Item = &'a str> + Clone,
) -> String {
    let list = names
        .clone()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match did_you_mean(input, names) {
        Some(close) => format!("expected one of: {list}; did you mean `{close}`?"),
        None => format!("expected one of: {list}"),
    }
}

/// The name closest to `input` by edit distance, if close enough.
pub(crate) fn did_you_mean<'a>(
    input: &str,
    names: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    names
        .map(|n| (edit_distance(&input, n), n))
        .filter(|&(d, n)| d <= (n.len() / 3).max(1) || (input.len() >= 3 && n.starts_with(&input)))
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
