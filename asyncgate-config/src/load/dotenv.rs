//! The `.env` file in the working directory: read once, never overriding
//! the real environment. Parse errors name the file and the variable, never
//! the value.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

use super::file::{DOTENV_LIMIT, ReadError, read_bounded};
use crate::report::Finding;

/// The parsed `.env` file.
#[derive(Debug)]
pub(crate) struct DotEnv {
    pub(crate) path: Arc<Path>,
    pub(crate) vars: HashMap<String, String>,
}

impl DotEnv {
    /// Reads `path`; `None` when there is no such file. A line that does not
    /// parse is an error that names the file, the line number and the
    /// variable, never any part of the value (it may be a secret).
    pub(crate) fn read(path: &Path, findings: &mut Vec<Finding>) -> Option<DotEnv> {
        let cannot_read = |why: String| {
            Finding::error("", format!("cannot read {}: it {why}", path.display()))
                .with_remedy("make the .env file a readable text file, or remove it")
        };
        let bytes = match read_bounded(path, DOTENV_LIMIT) {
            Ok(bytes) => bytes,
            Err(ReadError::NotFound) => return None,
            Err(e) => {
                findings.push(cannot_read(e.to_string()));
                return None;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            findings.push(cannot_read("is not valid UTF-8".to_owned()));
            return None;
        };
        Some(DotEnv::parse(path, &text, findings))
    }

    /// Parses the text of the `.env` file at `path`.
    pub(crate) fn parse(path: &Path, text: &str, findings: &mut Vec<Finding>) -> DotEnv {
        let cannot_read = |why: String| {
            Finding::error("", format!("cannot read {}: it {why}", path.display()))
                .with_remedy("make the .env file a readable text file, or remove it")
        };
        let lines = Lines::new(text);
        let mut vars = HashMap::new();
        for item in dotenvy::from_read_iter(text.as_bytes()) {
            match item {
                Ok((name, value)) => {
                    vars.insert(name, value);
                }
                Err(dotenvy::Error::LineParse(fragment, _)) => findings.push(
                    Finding::error(
                        "",
                        format!(
                            "cannot parse {}{} (its value is not shown)",
                            path.display(),
                            lines.locate(&fragment)
                        ),
                    )
                    .with_remedy(
                        "write each line as NAME=value; quote values that contain spaces or '#'",
                    ),
                ),
                Err(e) => {
                    findings.push(cannot_read(io_reason(&e)));
                    break;
                }
            }
        }
        DotEnv {
            path: path.into(),
            vars,
        }
    }
}

/// The file's lines, to say where a parse error is without quoting it.
struct Lines<'a> {
    lines: Vec<&'a str>,
    /// Where the next search starts: errors come in file order.
    next: std::cell::Cell<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            lines: text.lines().collect(),
            next: std::cell::Cell::new(0),
        }
    }

    /// ` at line N (variable NAME)` for the first line from the cursor
    /// that holds `fragment` (what the parser reported: the line or only
    /// its value). The name comes from the file's own line, never from
    /// the fragment.
    fn locate(&self, fragment: &str) -> String {
        let needle = fragment.trim();
        let found = (self.next.get()..self.lines.len())
            .find(|&i| !needle.is_empty() && self.lines[i].contains(needle));
        let Some(index) = found else {
            return String::new();
        };
        self.next.set(index + 1);
        match variable_name(self.lines[index]) {
            Some(name) => format!(" at line {} (variable {name})", index + 1),
            None => format!(" at line {}, which does not start with NAME=", index + 1),
        }
    }
}

/// `NAME` of a `NAME=...` or `export NAME=...` line.
fn variable_name(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(end);
    (!name.is_empty() && name.len() <= 128 && rest.trim_start().starts_with('=')).then_some(name)
}

fn io_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) if io.kind() == io::ErrorKind::InvalidData => {
            "is not valid UTF-8".to_owned()
        }
        dotenvy::Error::Io(io) => format!("cannot be read: {io}"),
        dotenvy::Error::EnvVar(_) => {
            "has a substituted variable that is not valid UTF-8".to_owned()
        }
        _ => "could not be parsed".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_names_the_line_and_variable_never_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "A=1\n# comment\nASYNCGATE_API_KEY=abc123def more\nB='unclosed\nthisisnotaline\n",
        )
        .unwrap();
        let mut findings = Vec::new();
        let dotenv = DotEnv::read(&path, &mut findings).unwrap();
        assert_eq!(dotenv.vars.get("A").map(String::as_str), Some("1"));
        let messages: Vec<&str> = findings.iter().map(Finding::message).collect();
        let shown = messages.join("\n");
        assert!(
            shown.contains("at line 3 (variable ASYNCGATE_API_KEY) (its value is not shown)"),
            "{shown}"
        );
        for secret_part in ["abc123", "more", "unclosed"] {
            assert!(
                !shown.contains(secret_part),
                "{secret_part} leaked: {shown}"
            );
        }
    }

    #[test]
    fn names_come_from_name_equals_lines_only() {
        assert_eq!(variable_name("export KEY = v"), Some("KEY"));
        assert_eq!(variable_name("  A.B=1"), Some("A.B"));
        assert_eq!(variable_name("abc123def more"), None);
        assert_eq!(variable_name("=x"), None);
    }
}
