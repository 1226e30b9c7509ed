//! The runtime's modules follow the pipeline: a stage imports only the
//! vocabulary and the stages before it (load → detect → validate →
//! typestate → claim), never one after it. This test reads every source
//! file and checks each `crate::` path against that order; the checker
//! itself is tested on sources it must reject.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Each top-level module and its rank; a module may import ranks ≤ its own.
const STAGES: &[(&str, u8)] = &[
    // The vocabulary, shared by every stage.
    ("connection_url", 0),
    ("const_text", 0),
    ("duration", 0),
    ("environment", 0),
    ("from_str", 0),
    ("instance_id", 0),
    ("mask", 0),
    ("name_table", 0),
    ("os_user", 0),
    ("platform", 0),
    ("provenance", 0),
    ("random", 0),
    ("report", 0),
    ("repeat_nesting", 0),
    ("rule_envs", 0),
    ("schema", 0),
    ("secret", 0),
    ("text", 0),
    ("var_names", 0),
    // The stages, in pipeline order.
    ("load", 1),
    ("detect", 2),
    ("validate", 3),
    ("typestate", 4),
    ("pipeline", 4),
    ("traits", 4),
    ("derive_api", 1),
    ("fuzz_api", 1),
    ("claim", 5),
    // Operator tooling, on top.
    ("template", 6),
    ("otel", 6),
    ("cli", 7),
];

/// Root items every stage may name: the traits all settings and sections
/// implement.
const ROOT_CONTRACT: &[&str] = &["GateConfig", "Section", "ParsedSection"];

fn rank(module: &str) -> Option<u8> {
    STAGES.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// `pub use module::{A, B}` lines of lib.rs: root item -> defining module.
fn root_items(lib: &str) -> HashMap<String, String> {
    let mut items = HashMap::new();
    for line in lib.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.trim_end_matches(';').split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            items.insert(name.to_owned(), module.to_owned());
        }
    }
    items
}

/// The first segment of every `crate::` path in code (comments skipped),
/// expanding `crate::{a::X, b}` groups.
fn crate_paths(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split(" //").next().unwrap_or(code);
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let mut depth = 1;
                let mut segment = String::new();
                let mut at_start = true;
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    if depth == 1 && c == ',' {
                        if !segment.is_empty() {
                            found.push(std::mem::take(&mut segment));
                        }
                        at_start = true;
                        continue;
                    }
                    if at_start && depth == 1 {
                        if c.is_alphanumeric() || c == '_' {
                            segment.push(c);
                        } else if !segment.is_empty() {
                            found.push(std::mem::take(&mut segment));
                            at_start = false;
                        }
                    }
                }
                if !segment.is_empty() {
                    found.push(segment);
                }
            } else {
                let segment: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !segment.is_empty() {
                    found.push(segment);
                }
            }
            rest = &after[1.min(after.len())..];
        }
    }
    found
}

/// Every import of `file_module`'s source that runs back up the pipeline.
fn violations(file_module: &str, source: &str, roots: &HashMap<String, String>) -> Vec<String> {
    let Some(own) = rank(file_module) else {
        return vec![format!("module `{file_module}` has no stage in STAGES")];
    };
    let mut out = Vec::new();
    for segment in crate_paths(source) {
        if ROOT_CONTRACT.contains(&segment.as_str()) || segment == "self" {
            continue;
        }
        let module = roots.get(&segment).cloned().unwrap_or(segment.clone());
        match rank(&module) {
            Some(r) if r <= own => {}
            Some(r) => out.push(format!(
                "`{file_module}` (stage {own}) imports `crate::{segment}` from `{module}` (stage {r}), a later stage"
            )),
            None => out.push(format!(
                "`{file_module}` imports `crate::{segment}`, which no stage owns"
            )),
        }
    }
    out
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_later_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let roots = root_items(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" {
            continue; // the root declares and re-exports; it holds no logic
        }
        let source = std::fs::read_to_string(&file).unwrap();
        problems.extend(violations(&top, &source, &roots));
        checked += 1;
    }
    assert!(
        checked >= 25,
        "only {checked} files found under {}",
        src.display()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_module_of_the_crate_has_a_stage() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines().map(str::trim) {
        let declared = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("mod "))
            .map(|m| m.trim_end_matches(';'));
        if let Some(module) = declared.filter(|m| !m.contains('{') && *m != "__private") {
            assert!(
                rank(module).is_some(),
                "module `{module}` is missing from STAGES"
            );
        }
    }
}

#[test]
fn the_checker_rejects_imports_of_later_stages() {
    let roots =
        root_items("pub use typestate::{Loaded, Validated};\npub use report::{Finding, Report};");
    let cases: [(&str, &str, usize); 7] = [
        // load reaching forward into detection and validation
        (
            "load",
            "use crate::detect::detect;\nuse crate::validate::Checks;",
            2,
        ),
        // a grouped import hides a later stage among earlier ones
        (
            "detect",
            "use crate::{load::Layers, typestate::Loaded, report::Finding};",
            1,
        ),
        // a root re-export of a later stage's type is still that stage
        ("load", "fn f() -> crate::Loaded<()> { todo() }", 1),
        ("validate", "use crate::{Finding, Validated};", 1),
        // the vocabulary must not depend on any stage
        ("provenance", "use crate::load::Layers;", 1),
        // a module that no stage owns is reported, not ignored
        ("load", "use crate::mystery::Thing;", 1),
        // nested groups: only first segments count
        (
            "claim",
            "use crate::{typestate::{Loaded, Validated}, cli::GateCommand};",
            1,
        ),
    ];
    for (module, source, expected) in cases {
        let found = violations(module, source, &roots);
        assert_eq!(found.len(), expected, "{module}: {source}\n{found:#?}");
    }
}

#[test]
fn the_checker_accepts_imports_down_the_pipeline() {
    let roots = root_items("pub use report::{Finding, Report};");
    let cases = [
        (
            "detect",
            "use crate::load::{EnvLookup, EnvValue};\nuse crate::Finding;",
        ),
        (
            "typestate",
            "use crate::{detect, load::Loader, validate::{self, Policy}};",
        ),
        (
            "cli",
            "use crate::GateConfig;\nuse crate::claim::ClaimStore;",
        ),
        // comments and doc links are not imports
        (
            "load",
            "//! Consumed by [`Loaded`](crate::typestate::Loaded).\nlet x = 1; // crate::cli",
        ),
    ];
    for (module, source) in cases {
        assert_eq!(
            violations(module, source, &roots),
            Vec::<String>::new(),
            "{source}"
        );
    }
}
