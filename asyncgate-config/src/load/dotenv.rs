//! The `.env` file in the working directory: read once, never overriding
//! the real environment. Parse errors name the file and the variable, never
//! the value.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::report::Finding;

/// The parsed `.env` file.
#[derive(Debug)]
pub(crate) struct DotEnv {
    pub(crate) path: Arc<Path>,
    pub(crate) vars: HashMap<String, String>,
}

impl DotEnv {
    /// Reads `path`; `None` when there is no such file. Lines that do not
    /// parse become errors that name the file and the variable, never the
    /// value (it may be a secret).
    pub(crate) fn read(path: &Path, findings: &mut Vec<Finding>) -> Option<DotEnv> {
        let iter = match dotenvy::from_path_iter(path) {
            Ok(iter) => iter,
            Err(e) if e.not_found() => return None,
            Err(e) => {
                findings.push(
                    Finding::error(
                        "",
                        format!("cannot read {}: {}", path.display(), io_reason(&e)),
                    )
                    .with_remedy("make the .env file readable, or remove it"),
                );
                return None;
            }
        };
        let mut vars = HashMap::new();
        for item in iter {
            match item {
                Ok((name, value)) => {
                    vars.insert(name, value);
                }
                Err(dotenvy::Error::LineParse(line, _)) => findings.push(
                    Finding::error(
                        "",
                        format!(
                            "cannot parse {} at the line {} (its value is not shown)",
                            path.display(),
                            line_label(&line)
                        ),
                    )
                    .with_remedy(
                        "write each line as NAME=value; quote values that contain spaces or '#'",
                    ),
                ),
                Err(e) => {
                    findings.push(Finding::error(
                        "",
                        format!("cannot read {}: {}", path.display(), io_reason(&e)),
                    ));
                    break;
                }
            }
        }
        Some(DotEnv {
            path: path.into(),
            vars,
        })
    }
}

fn io_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) if io.kind() == io::ErrorKind::InvalidData => {
            "it is not valid UTF-8".to_owned()
        }
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::EnvVar(_) => "a substituted variable is not valid UTF-8".to_owned(),
        _ => "it could not be parsed".to_owned(),
    }
}

/// `` `NAME=…` `` for a line that starts with a variable name, else `that does not start with NAME=`.
fn line_label(line: &str) -> String {
    let name: String = line
        .trim_start()
        .trim_start_matches("export ")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .take(64)
        .collect();
    if name.is_empty() {
        "that does not start with NAME=".to_owned()
    } else {
        format!("`{name}=…`")
    }
}
