//! The optional TOML configuration file (`<PREFIX>_CONFIG_FILE`).

use std::path::Path;
use std::sync::Arc;

use super::file::{CONFIG_FILE_LIMIT, read_settings_file};
use crate::report::Finding;

/// The parsed TOML configuration file.
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
                                "point {named_by} at a readable TOML file of at most {} KiB, or unset it",
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

    /// Parses the text of the config file at `path`.
    pub(crate) fn parse(
        path: &Path,
        named_by: &str,
        text: &str,
        findings: &mut Vec<Finding>,
    ) -> Option<ConfigFile> {
        match text.parse::<toml::Table>() {
            Ok(table) => Some(ConfigFile {
                path: path.into(),
                table,
            }),
            Err(e) => {
                let at = e.span().map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!(" at line {line}, column {column}")
                });
                findings.push(
                    Finding::error(
                        "",
                        format!(
                            "config file {} is not valid TOML{}: {}",
                            path.display(),
                            at.unwrap_or_default(),
                            e.message().trim_end()
                        ),
                    )
                    .with_env_var(named_by),
                );
                None
            }
        }
    }
}
