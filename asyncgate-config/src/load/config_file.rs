//! The optional configuration file (`<PREFIX>_CONFIG_FILE`): TOML, YAML
//! (feature `yaml`) or JSON, chosen by the file's extension. Each format
//! is read into the same table, so sections, unknown keys, typed values
//! and secrets behave the same whatever the format.

use std::path::Path;
use std::sync::Arc;

use super::file::{CONFIG_FILE_LIMIT, read_settings_file};
use super::locate::{Spot, bare};
use crate::report::Finding;

mod json;
mod json_spot;
mod toml_tree;
#[cfg(feature = "yaml")]
mod yaml;
#[cfg(feature = "yaml")]
mod yaml_spot;

/// A config file's format, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Toml,
    Yaml,
    Json,
}

impl Format {
    /// The format `path`'s extension names; the error lists what is accepted.
    fn of(path: &Path) -> Result<Format, String> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("toml") => Ok(Format::Toml),
            Some("yaml" | "yml") => Ok(Format::Yaml),
            Some("json") => Ok(Format::Json),
            Some(other) => Err(format!(
                "has the extension `.{}`",
                crate::text::printable_name(other)
            )),
            None => Err("has no extension".to_owned()),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
            Format::Json => "JSON",
        }
    }
}

/// The parsed configuration file.
#[derive(Debug)]
pub(crate) struct ConfigFile {
    pub(crate) path: Arc<Path>,
    pub(crate) table: toml::Table,
    /// The file's text, to point at a key when a finding needs it.
    pub(crate) text: String,
    format: Format,
}

impl ConfigFile {
    /// The value at a setting's dotted path (`database.url` is `url` in
    /// the table `[database]`).
    pub(crate) fn get(&self, path: &str) -> Option<&toml::Value> {
        get_in(&self.table, path)
    }

    /// Where the key at each dotted path of `paths` and its value are in
    /// the text (the TOML text parsed once for them all): found again only
    /// when findings point there, so a load that finds nothing wrong pays
    /// nothing for it.
    pub(crate) fn spots(&self, paths: &[&str]) -> Vec<Option<Spot>> {
        if paths.is_empty() {
            return Vec::new();
        }
        match self.format {
            Format::Toml => match toml::de::DeTable::parse(&self.text) {
                Ok(document) => paths.iter().map(|p| toml_spot(&document, p)).collect(),
                Err(_) => vec![None; paths.len()],
            },
            Format::Json => paths
                .iter()
                .map(|p| json_spot::spot(&self.text, p))
                .collect(),
            #[cfg(feature = "yaml")]
            Format::Yaml => paths
                .iter()
                .map(|p| yaml_spot::spot(&self.text, p))
                .collect(),
            #[cfg(not(feature = "yaml"))]
            Format::Yaml => vec![None; paths.len()],
        }
    }

    /// Reads and parses the file named by `named_by` (a variable, or the loader).
    pub(crate) fn read(
        path: &Path,
        named_by: &str,
        findings: &mut Vec<Finding>,
    ) -> Option<ConfigFile> {
        let text = match read_settings_file(path, CONFIG_FILE_LIMIT) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let offset = e.utf8_error().valid_up_to();
                    // The text before the first bad byte is valid.
                    let before = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
                    let (line, column) = line_and_column(before, before.len());
                    findings.push(
                        Finding::error(
                            "",
                            format!(
                                "config file {} is not valid UTF-8 at line {line}, column {column} (byte offset {offset})",
                                path.display(),
                            ),
                        )
                        .with_env_var(named_by)
                        .with_location(Some(bare(&path.into(), line, column))),
                    );
                    return None;
                }
            },
            Err(e) => {
                findings.push(
                    Finding::error(
                        "",
                        format!("config file {} (named by {named_by}) {e}", path.display()),
                    )
                    .with_env_var(named_by)
                    .with_remedy(e.fix().map_or_else(
                        || {
                            format!(
                                "point {named_by} at a readable TOML, YAML or JSON file of at most {} KiB, or unset it",
                                CONFIG_FILE_LIMIT / 1024
                            )
                        },
                        str::to_owned,
                    )),
                );
                return None;
            }
        };
        ConfigFile::parse(path, named_by, &text, findings)
    }

    /// Parses the text of the config file at `path`, in the format its
    /// extension names.
    pub(crate) fn parse(
        path: &Path,
        named_by: &str,
        text: &str,
        findings: &mut Vec<Finding>,
    ) -> Option<ConfigFile> {
        let format = match Format::of(path) {
            Ok(format) => format,
            Err(why) => {
                findings.push(
                    Finding::error("", format!("config file {} {why}", path.display()))
                        .with_env_var(named_by)
                        .with_remedy(format!(
                            "name a file ending in .toml, .yaml, .yml or .json in {named_by}: the extension says how to read it"
                        )),
                );
                return None;
            }
        };
        let parsed = match format {
            Format::Toml => toml_tree::table(text),
            Format::Json => json::table(text),
            #[cfg(feature = "yaml")]
            Format::Yaml => yaml::table(text),
            #[cfg(not(feature = "yaml"))]
            Format::Yaml => {
                findings.push(
                    Finding::error(
                        "",
                        format!(
                            "config file {} is YAML, and this program was built without YAML support",
                            path.display()
                        ),
                    )
                    .with_env_var(named_by)
                    .with_remedy(
                        "enable the `yaml` feature of asyncgate-config, or use a .toml or .json file",
                    ),
                );
                return None;
            }
        };
        match parsed {
            Ok(table) => Some(ConfigFile {
                path: path.into(),
                table,
                text: text.to_owned(),
                format,
            }),
            Err(why) => {
                let at = syntax_error_position(&why)
                    .map(|(line, column)| bare(&path.into(), line, column));
                findings.push(
                    Finding::error(
                        "",
                        format!(
                            "config file {} is not valid {}{why}",
                            path.display(),
                            format.name()
                        ),
                    )
                    .with_env_var(named_by)
                    .with_location(at),
                );
                None
            }
        }
    }
}

/// Where `offset` is in `text`: ` at line L, column C` (both from 1).
pub(super) fn at_offset(text: &str, offset: usize) -> String {
    let (line, column) = line_and_column(text, offset);
    format!(" at line {line}, column {column}")
}

/// The line and column (from 1, in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The line and column a format's reader put at the start of its syntax
/// error (` at line L, column C: ...`, as [`at_offset`] writes it).
fn syntax_error_position(why: &str) -> Option<(usize, usize)> {
    let rest = why.strip_prefix(" at line ")?;
    let (line, rest) = rest.split_once(", column ")?;
    let column = rest.split(':').next()?;
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// Where the key at the dotted `path` and its value are in a parsed TOML
/// document.
fn toml_spot(document: &toml::Spanned<toml::de::DeTable<'_>>, path: &str) -> Option<Spot> {
    let mut table = document.get_ref();
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        // `upstreams[1]`: element 1 of the array `upstreams`.
        let (name, index) = match part.strip_suffix(']').and_then(|p| p.split_once('[')) {
            Some((name, index)) => (name, Some(index.parse::<usize>().ok()?)),
            None => (part, None),
        };
        let (key, mut value) = table.iter().find(|(k, _)| k.get_ref() == name)?;
        if let Some(index) = index {
            match value.get_ref() {
                toml::de::DeValue::Array(items) => value = items.get(index)?,
                _ => return None,
            }
        }
        if parts.peek().is_none() {
            return Some(Spot {
                key: key.span(),
                value: value.span(),
            });
        }
        match value.get_ref() {
            toml::de::DeValue::Table(inner) => table = inner,
            _ => return None,
        }
    }
    None
}

/// The value at the dotted `path` under `table`.
pub(crate) fn get_in<'t>(table: &'t toml::Table, path: &str) -> Option<&'t toml::Value> {
    let mut parts = path.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_position_of_a_syntax_error_is_read_back_from_what_the_readers_write() {
        let text = "a = 1\nbé = [\n";
        let written = format!("{}: expected `]`", at_offset(text, text.len() - 1));
        assert_eq!(written, " at line 2, column 7: expected `]`");
        assert_eq!(syntax_error_position(&written), Some((2, 7)));
        assert_eq!(syntax_error_position(": the top level is a list"), None);
        assert_eq!(syntax_error_position(" at line x, column 2: no"), None);
    }
}
