//! The elements of a repeated section: which there are (from the config
//! files, the environment and `Loader::set`), each one's table in each
//! file, its path as shown and the part of its variables' names that
//! stands for it. Bounded: at most `MAX_ELEMENTS` elements, map keys of
//! at most `MAX_KEY_CHARS` characters.

use super::config_file::ConfigFile;
use super::layers::Layers;
use super::locate::{self, Point};
use crate::report::Finding;
use crate::schema::{
    FieldSchema, MAX_ELEMENTS, MAX_KEY_CHARS, Repeat, RepeatedSection, Schema, element_part,
};
use crate::text::{key_path, printable_name, push_key_path};

/// One element of a repeated section.
#[derive(Debug)]
pub(crate) struct Element<'a> {
    /// Its path as shown: `upstreams[1]`, `tenants.acme`.
    pub(crate) shown: String,
    /// What stands for it in its variables' names: `1`, `ACME`.
    pub(crate) env_part: String,
    /// A map entry's key.
    pub(crate) key: Option<String>,
    /// Its table in each config file, in the files' order.
    pub(crate) tables: Vec<Option<&'a toml::Table>>,
}

/// The elements of the repeated section `section`, in order: a list's by
/// index, a map's by key. `None` when its sources do not hold a valid one
/// (the reasons are in `findings`).
pub(crate) fn elements<'a>(
    layers: &'a Layers,
    schema: &'static Schema,
    section: RepeatedSection,
    findings: &mut Vec<Finding>,
) -> Option<Vec<Element<'a>>> {
    match section.repeat {
        Repeat::Map => {
            let entries = map_entries(layers, section.path, findings)?;
            entry_vars(layers, schema, section.path, &entries, findings);
            Some(entries)
        }
        _ => list_elements(layers, schema, section.path, findings),
    }
}

/// A list's elements: as many as the longest of the last file's array,
/// the highest index in the variables plus one, and in `Loader::set`.
fn list_elements<'a>(
    layers: &'a Layers,
    schema: &'static Schema,
    path: &'static str,
    findings: &mut Vec<Finding>,
) -> Option<Vec<Element<'a>>> {
    let mut tables: Vec<&'a toml::Table> = Vec::new();
    // Arrays are replaced, not merged: the last file that has it gives it.
    let from = layers
        .files
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, file)| file.get(path).map(|v| (i, file, v)));
    if let Some((_, file, value)) = from {
        let Some(items) = value.as_array() else {
            findings.push(not_a(
                file,
                path,
                path,
                format!(
                    "must be an array of tables (`[[{path}]]`), not {}",
                    kind_of(value)
                ),
            ));
            return None;
        };
        if items.len() > MAX_ELEMENTS {
            findings.push(too_many(
                path,
                items.len(),
                &format!("in {}", file.path.display()),
            ));
            return None;
        }
        for (index, item) in items.iter().enumerate() {
            let Some(table) = item.as_table() else {
                let shown = format!("{path}[{index}]");
                findings.push(not_a(
                    file,
                    path,
                    &shown,
                    format!("must be a table of settings, not {}", kind_of(item)),
                ));
                return None;
            };
            tables.push(table);
        }
    }
    let mut count = tables.len();
    // The variables and `Loader::set` may add elements past the file's.
    for (index, name) in list_indexes(layers, schema, path) {
        if index >= MAX_ELEMENTS {
            findings.push(
                Finding::error(
                    path,
                    format!(
                        "{name} sets element {index} of `{path}`, past the last allowed (at most {MAX_ELEMENTS} elements, numbered from 0)"
                    ),
                )
                .with_env_var(printable_name(&name))
                .with_remedy(format!("number the elements of `{path}` from 0")),
            );
            return None;
        }
        count = count.max(index + 1);
    }
    let file_index = from.map(|(i, _, _)| i);
    let files = layers.files.len();
    Some(
        (0..count)
            .map(|index| {
                let env_part = index.to_string();
                let mut shown = String::with_capacity(path.len() + env_part.len() + 2);
                shown.push_str(path);
                shown.push('[');
                shown.push_str(&env_part);
                shown.push(']');
                (shown, env_part, index)
            })
            .map(|(shown, env_part, index)| Element {
                shown,
                env_part,
                key: None,
                tables: (0..files)
                    .map(|i| {
                        (Some(i) == file_index)
                            .then(|| tables.get(index).copied())
                            .flatten()
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// The element indexes that variables (of the environment and `.env`) and
/// `Loader::set` paths name, each with the name that gave it. A variable
/// counts when it is `<SECTION>_<digits>_<SETTING>` of a setting of the
/// list's elements.
fn list_indexes(
    layers: &Layers,
    schema: &'static Schema,
    path: &'static str,
) -> Vec<(usize, String)> {
    let under = format!("{path}.");
    let marks: Vec<(&str, &str)> = schema
        .fields()
        .iter()
        .filter(|f| f.name().starts_with(&under))
        .filter_map(|f| {
            let env = f.env();
            let at = env.find("<N>")?;
            Some((&env[..at], &env[at + 3..]))
        })
        .collect();
    let index_of = |name: &str| -> Option<usize> {
        marks.iter().find_map(|(head, tail)| {
            let digits = name.strip_prefix(head)?.strip_suffix(tail)?;
            // Seven digits already pass the limit: longer is not parsed.
            // `007` is not how an index is written: such a name is unknown.
            if digits.is_empty()
                || digits.len() > 7
                || (digits.len() > 1 && digits.starts_with('0'))
                || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            digits.parse().ok()
        })
    };
    let mut out = Vec::new();
    for name in set_names(layers) {
        if let Some(index) = index_of(name) {
            out.push((index, name.to_owned()));
        }
    }
    for (set, _, _) in &layers.overrides {
        let index = set
            .strip_prefix(path)
            .and_then(|r| r.strip_prefix('['))
            .and_then(|r| r.split_once(']'))
            .and_then(|(digits, _)| digits.parse::<usize>().ok());
        if let Some(index) = index {
            out.push((index, format!("`Loader::set(\"{}\")`", printable_name(set))));
        }
    }
    out
}

/// A map's entries: every key of its table in any config file, and those
/// `Loader::set` names; the variables only set an entry's settings.
fn map_entries<'a>(
    layers: &'a Layers,
    path: &'static str,
    findings: &mut Vec<Finding>,
) -> Option<Vec<Element<'a>>> {
    // Each key with its table and file, then sorted by key (stable: the
    // files stay in order). A file's table comes sorted, so with one file
    // the sort only checks it; no key is searched for.
    let files = layers.files.len();
    let mut found: Vec<(&'a str, usize, Option<&'a toml::Table>)> = Vec::new();
    let mut ok = true;
    for (i, file) in layers.files.iter().enumerate() {
        let Some(value) = file.get(path) else {
            continue;
        };
        let Some(table) = value.as_table() else {
            findings.push(not_a(
                file,
                path,
                path,
                format!(
                    "must be a table of tables (`[{path}.<name>]`), not {}",
                    kind_of(value)
                ),
            ));
            ok = false;
            continue;
        };
        if table.len() > MAX_ELEMENTS {
            findings.push(too_many(
                path,
                table.len(),
                &format!("in {}", file.path.display()),
            ));
            return None;
        }
        for (key, entry) in table {
            let Some(entry) = entry.as_table() else {
                let shown = format!("{path}{}", key_path(key));
                findings.push(not_a(
                    file,
                    path,
                    &shown,
                    format!("must be a table of settings, not {}", kind_of(entry)),
                ));
                ok = false;
                continue;
            };
            found.push((key.as_str(), i, Some(entry)));
        }
    }
    let prefix = format!("{path}.");
    for (set, _, _) in &layers.overrides {
        if let Some((key, _)) = set.strip_prefix(&prefix).and_then(|r| r.split_once('.')) {
            found.push((key, 0, None));
        }
    }
    found.sort_by(|a, b| a.0.cmp(b.0));
    let count = found.chunk_by(|a, b| a.0 == b.0).count();
    if count > MAX_ELEMENTS {
        findings.push(too_many(path, count, "in all sources"));
        return None;
    }
    let mut entries: Vec<Element<'a>> = Vec::with_capacity(count);
    for group in found.chunk_by(|a, b| a.0 == b.0) {
        let key = group[0].0;
        let mut tables = vec![None; files];
        for &(_, i, table) in group {
            if table.is_some() {
                tables[i] = table;
            }
        }
        if let Some(problem) = bad_key(key) {
            findings.push(
                Finding::error(
                    path,
                    format!(
                        "the key {} of `{path}` {problem}",
                        printable_name(key)
                    ),
                )
                .with_remedy(format!(
                    "name the entries of `{path}` with 1 to {MAX_KEY_CHARS} letters, digits, `-` or `_`"
                )),
            );
            ok = false;
            continue;
        }
        let mut shown = String::with_capacity(path.len() + key.len() + 1);
        shown.push_str(path);
        push_key_path(&mut shown, key);
        entries.push(Element {
            shown,
            env_part: env_part(key),
            key: Some(key.to_owned()),
            tables,
        });
    }
    // Two keys whose variables would be the same (`acme-eu`, `acme_eu`).
    let mut by_part: Vec<&Element<'a>> = entries.iter().collect();
    by_part.sort_unstable_by(|a, b| a.env_part.cmp(&b.env_part));
    for pair in by_part.windows(2) {
        if pair[0].env_part == pair[1].env_part {
            let (first, second) = (
                pair[0].key.as_deref().unwrap_or_default(),
                pair[1].key.as_deref().unwrap_or_default(),
            );
            let part = &pair[0].env_part;
            findings.push(
                Finding::error(
                    path,
                    format!(
                        "the entries `{first}` and `{second}` of `{path}` have the same variables (…_{part}_…): a variable could not tell them apart"
                    ),
                )
                .with_remedy(format!("rename one of the entries of `{path}`")),
            );
            ok = false;
        }
    }
    ok.then_some(entries)
}

/// The variables that name a setting of the map's entries: one that names
/// an entry no config file has is ignored, with a warning (an error under
/// `deny_unknown`): a variable cannot add an entry, the key's spelling is
/// lost in the name. One that two entries' settings would both read
/// (`ORDERS_TENANTS_ACME_EU_QUOTA`: `acme-eu`'s `quota`, or `acme`'s
/// `eu_quota`) is an error: it would set both.
fn entry_vars(
    layers: &Layers,
    schema: &'static Schema,
    path: &'static str,
    entries: &[Element<'_>],
    findings: &mut Vec<Finding>,
) {
    let under = format!("{path}.");
    let patterns: Vec<(&str, &str)> = schema
        .fields()
        .iter()
        .filter(|f| f.name().starts_with(&under))
        .flat_map(|f| {
            let rest = &f.name()[under.len()..];
            std::iter::once((f.env(), rest)).chain(f.file_env().map(|e| (e, rest)))
        })
        .collect();
    let mut stray: Vec<&str> = Vec::new();
    let mut ambiguous: Vec<(&str, Vec<String>)> = Vec::new();
    for name in set_names(layers) {
        let mut named = false;
        let mut reads: Vec<String> = Vec::new();
        for (pattern, rest) in &patterns {
            let Some(part) = element_part(pattern, "<KEY>", name) else {
                continue;
            };
            named = true;
            if let Some(entry) = entries.iter().find(|e| e.env_part == part) {
                reads.push(format!("{}.{rest}", entry.shown));
            }
        }
        match reads.len() {
            0 if named => stray.push(name),
            0 | 1 => {}
            _ => ambiguous.push((name, reads)),
        }
    }
    stray.sort_unstable();
    stray.dedup();
    for name in stray.into_iter().take(super::unknown::MAX_LISTED) {
        let shown = printable_name(name);
        let message = format!(
            "{shown} sets a setting of an entry of `{path}` that no config file has: ignored (a variable changes an entry, it cannot add one)"
        );
        let finding = if layers.deny_unknown {
            Finding::error(path, message)
        } else {
            Finding::warning(path, message)
        };
        findings.push(finding.with_env_var(shown).with_remedy(format!(
            "add the entry to `{path}` in the config file (`[{path}.<name>]`), or unset the variable"
        )));
    }
    for (name, reads) in ambiguous.into_iter().take(super::unknown::MAX_LISTED) {
        let shown = printable_name(name);
        let list: Vec<String> = reads.iter().map(|r| format!("`{r}`")).collect();
        findings.push(
            Finding::error(
                path,
                format!(
                    "{shown} would set both {}: the entries' names and settings run together in the variable",
                    list.join(" and ")
                ),
            )
            .with_env_var(shown)
            .with_remedy(format!(
                "rename one of the entries of `{path}`, or set these settings in the config file"
            )),
        );
    }
}

/// Whether a variable (set, of the environment or `.env`) or a
/// `Loader::set` path could name a setting of the elements of the section
/// at `path` whose settings are `fields`: when none can, the elements'
/// settings are looked up in the files alone.
pub(crate) fn vars_may_set(layers: &Layers, path: &str, fields: &[FieldSchema]) -> bool {
    let heads: Vec<&str> = fields
        .iter()
        .flat_map(|f| std::iter::once(f.env()).chain(f.file_env()))
        .filter_map(|env| env.split_once('<').map(|(head, _)| head))
        .collect();
    layers
        .overrides
        .iter()
        .any(|(set, _, _)| set.starts_with(path))
        || set_names(layers).any(|name| heads.iter().any(|head| name.starts_with(head)))
}

/// The variables of the environment and `.env` that are set (an empty
/// value is unset).
fn set_names(layers: &Layers) -> impl Iterator<Item = &str> {
    let env = layers
        .env
        .names()
        .filter(|n| layers.env.vars_get(n).is_some_and(|v| !v.trim().is_empty()));
    let dotenv = layers.dotenv.iter().flat_map(|d| {
        d.vars
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(n, _)| n.as_str())
    });
    env.chain(dotenv)
}

/// Why `key` cannot name a map entry, if it cannot.
fn bad_key(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("is empty".to_owned());
    }
    let chars = key.chars().count();
    if chars > MAX_KEY_CHARS {
        return Some(format!(
            "is {chars} characters long (at most {MAX_KEY_CHARS})"
        ));
    }
    key.chars()
        .any(char::is_control)
        .then(|| "holds control characters".to_owned())
}

/// An entry's part of its variables' names: the key in upper case, any
/// character other than an ASCII letter or digit as `_`.
pub(crate) fn env_part(key: &str) -> String {
    // One ASCII character per character of the key: `key.len()` is room
    // enough, so the string is allotted once.
    let mut part = String::with_capacity(key.len());
    part.extend(key.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    part
}

/// `value`'s TOML type, for messages (never the value itself).
fn kind_of(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// `shown` (at `path` in `file`) is not what a repeated section needs.
fn not_a(file: &ConfigFile, path: &str, shown: &str, what: String) -> Finding {
    let at = file
        .spots(&[path])
        .into_iter()
        .next()
        .flatten()
        .map(|spot| locate::location(&file.path, &file.text, &spot, Point::Key));
    Finding::error(
        path,
        format!("`{shown}` in config file {} {what}", file.path.display()),
    )
    .with_remedy(format!(
        "write `{path}` as the attribute docs show: each element a table of its settings"
    ))
    .with_location(at)
}

fn too_many(path: &str, count: usize, place: &str) -> Finding {
    Finding::error(
        path,
        format!("`{path}` has {count} elements {place}: at most {MAX_ELEMENTS} are allowed"),
    )
    .with_remedy(format!(
        "keep at most {MAX_ELEMENTS} elements in `{path}`, or split the configuration"
    ))
}

#[cfg(test)]
mod tests {
    use super::env_part;

    #[test]
    fn an_entrys_part_of_its_variables_is_its_key_upper_cased_with_underscores() {
        assert_eq!(env_part("acme-eu.1"), "ACME_EU_1");
        assert_eq!(env_part("Tenant_7"), "TENANT_7");
        // Each character that is not an ASCII letter or digit is one `_`.
        assert_eq!(env_part("café"), "CAF_");
        assert_eq!(env_part("日本 x"), "___X");
    }
}
