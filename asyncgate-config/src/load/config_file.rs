//! The optional configuration file (`<PREFIX>_CONFIG_FILE`): TOML, YAML
//! (feature `yaml`) or JSON, chosen by the file's extension. Each format
//! is read into the same table, so sections, unknown keys, typed values
//! and secrets behave the same whatever the format.

use std::path::Path;
use std::sync::Arc;

use super::file::{CONFIG_FILE_LIMIT, read_settings_file};
use crate::report::Finding;

mod json;
#[cfg(feature = "yaml")]
mod yaml;

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
}

impl ConfigFile {
    /// The value at a setting's dotted path (`database.url` is `url` in
    /// the table `[database]`).
    pub(crate) fn get(&self, path: &str) -> Option<&toml::Value> {
        let mut parts = path.split('.');
        let mut value = self.table.get(parts.next()?)?;
        for part in parts {
            value = value.as_table()?.get(part)?;
        }
        Some(value)
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
                    findings.push(
                        Finding::error(
                            "",
                            format!(
                                "config file {} is not valid UTF-8 (first bad byte at offset {})",
                                path.display(),
                                e.utf8_error().valid_up_to()
                            ),
                        )
                        .with_env_var(named_by),
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
            Format::Toml => toml_table(text),
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
            }),
            Err(why) => {
                findings.push(
                    Finding::error(
                        "",
                        format!(
                            "config file {} is not valid {}{why}",
                            path.display(),
                            format.name()
                        ),
                    )
                    .with_env_var(named_by),
                );
                None
            }
        }
    }
}

/// Where `offset` is in `text`: ` at line L, column C` (both from 1).
pub(super) fn at_offset(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" at line {line}, column {column}")
}

/// A TOML file's table; the error says where and why.
fn toml_table(text: &str) -> Result<toml::Table, String> {
    text.parse::<toml::Table>().map_err(|e| {
        let at = e
            .span()
            .map(|span| at_offset(text, span.start))
            .unwrap_or_default();
        format!("{at}: {}", e.message().trim_end())
    })
}
