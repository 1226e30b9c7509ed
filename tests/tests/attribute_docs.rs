//! The attribute keys the derive accepts, the README's attribute tables and
//! the derive's rustdoc (ATTRIBUTES.md) name the same keys in the same
//! places; and the derive's platform and environment tables match the
//! runtime's enums. A key added in one place and not the others fails here.

use std::collections::BTreeSet;
use std::path::Path;

use asyncgate_config::{Environment, Platform};

fn read(relative: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(relative)).unwrap()
}

/// `pub(crate) const NAME: &[&str] = &[A, B];` with `const A: &str = "a";`.
fn symbol_keys(symbols: &str, list: &str) -> BTreeSet<String> {
    // rustfmt may wrap the list onto the next line.
    let start = symbols.find(&format!("const {list}: &[&str] =")).unwrap();
    let body = &symbols[start..];
    let body = &body[body.find('=').unwrap()..];
    let body = &body[body.find("&[").unwrap() + 2..body.find("];").unwrap()];
    body.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|constant| {
            let def = format!("const {constant}: &str = \"");
            let at = symbols
                .find(&def)
                .unwrap_or_else(|| panic!("{constant} not defined"))
                + def.len();
            symbols[at..at + symbols[at..].find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The key of each row of the README table under `heading`: `` | `key...` | ``.
fn readme_keys(readme: &str, heading: &str) -> BTreeSet<String> {
    let section = &readme[readme.find(heading).unwrap() + heading.len()..];
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|l| key_of(&l[..l.find('`').unwrap()]))
        .collect()
}

/// `## `key...`` headings between `start` and `end` in ATTRIBUTES.md.
fn rustdoc_keys(doc: &str, start: &str, end: Option<&str>) -> BTreeSet<String> {
    let section = &doc[doc.find(start).unwrap()..];
    let section = end.map_or(section, |e| &section[..section.find(e).unwrap()]);
    section
        .lines()
        .filter_map(|l| l.strip_prefix("## `"))
        .map(|l| key_of(&l[..l.find('`').unwrap()]))
        .collect()
}

/// `required_in(...)` -> `required_in`, `prefix = "..."` -> `prefix`.
fn key_of(text: &str) -> String {
    text.split(['(', ' ', '=']).next().unwrap().to_owned()
}

#[test]
fn readme_rustdoc_and_parser_name_the_same_keys() {
    let symbols = read("asyncgate-config-derive/src/symbol.rs");
    let readme = read("README.md");
    let doc = read("asyncgate-config-derive/ATTRIBUTES.md");
    let places = [
        (
            "CONTAINER_KEYS",
            "On the struct:",
            "# On the struct",
            Some("# On fields"),
        ),
        ("FIELD_KEYS", "On fields:", "# On fields", None),
    ];
    for (list, readme_heading, doc_start, doc_end) in places {
        let parsed = symbol_keys(&symbols, list);
        assert!(parsed.len() >= 3, "{list}: {parsed:?}");
        assert_eq!(
            readme_keys(&readme, readme_heading),
            parsed,
            "README, {readme_heading}"
        );
        assert_eq!(
            rustdoc_keys(&doc, doc_start, doc_end),
            parsed,
            "ATTRIBUTES.md, {doc_start}"
        );
    }
}

/// Each attribute's rustdoc section has a runnable example.
#[test]
fn every_documented_attribute_has_an_example() {
    let doc = read("asyncgate-config-derive/ATTRIBUTES.md");
    for section in doc.split("\n## ").skip(1) {
        let title = section.lines().next().unwrap();
        assert!(section.contains("```rust\n"), "no example under {title}");
    }
}

/// The derive's tables of platform and environment names (what
/// `detect(...)` and `required_in(...)` accept, and the variants they
/// expand to) match the runtime's enums.
#[test]
fn derive_tables_match_the_runtime_enums() {
    let symbols = read("asyncgate-config-derive/src/symbol.rs");
    let table = |name: &str| -> Vec<(String, String)> {
        let start = symbols
            .find(&format!("const {name}: &[(&str, &str)] = &["))
            .unwrap();
        let body = &symbols[start..];
        let body = &body[..body.find("];").unwrap()];
        body.split("(\"")
            .skip(1)
            .map(|pair| {
                let mut parts = pair
                    .split('"')
                    .filter(|p| !p.trim_matches([',', ' ']).is_empty());
                (
                    parts.next().unwrap().to_owned(),
                    parts.next().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let platforms: Vec<(String, String)> = Platform::ALL
        .iter()
        .map(|p| (p.key().to_owned(), format!("{p:?}")))
        .collect();
    assert_eq!(table("PLATFORMS"), platforms);
    let environments: Vec<(String, String)> = Environment::ALL
        .iter()
        .map(|e| (e.as_str().to_owned(), format!("{e:?}")))
        .collect();
    assert_eq!(table("ENVIRONMENTS"), environments);
}

#[test]
fn the_comparison_sees_a_key_missing_from_the_docs() {
    let symbols = "pub(crate) const A: &str = \"prefix\";\npub(crate) const B: &str = \"crate\";\npub(crate) const CONTAINER_KEYS: &[&str] = &[A, B];";
    let readme =
        "On the struct:\n\n| key | meaning |\n|---|---|\n| `prefix = \"...\"` | x |\n\nnext";
    let doc = "# On the struct\n\n## `prefix = \"...\"`\n\n## `crate = \"path\"`\n\n# On fields\n";
    let parsed = symbol_keys(symbols, "CONTAINER_KEYS");
    assert_eq!(
        parsed,
        BTreeSet::from(["crate".to_owned(), "prefix".to_owned()])
    );
    assert_ne!(
        readme_keys(readme, "On the struct:"),
        parsed,
        "README lacks `crate`"
    );
    assert_eq!(
        rustdoc_keys(doc, "# On the struct", Some("# On fields")),
        parsed
    );
}
