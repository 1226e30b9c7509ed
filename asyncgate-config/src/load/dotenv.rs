//! The `.env` file in the working directory: read once, never overriding
//! the real environment. Parse errors name the file and the variable, never
//! the value.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

use super::file::{BaseDir, DOTENV_LIMIT, ReadError, read_settings_file};
use super::locate::Spot;
use crate::report::Finding;

/// The parsed `.env` file.
#[derive(Debug)]
pub(crate) struct DotEnv {
    pub(crate) path: Arc<Path>,
    pub(crate) vars: HashMap<String, String>,
    /// The file's text, to point at a line when a finding needs it.
    pub(crate) text: String,
}

impl DotEnv {
    /// Reads `.env` in `base`; `None` when there is no such file. A line
    /// that does not parse is an error that names the file, the line
    /// number and the variable, never any part of the value (it may be a
    /// secret).
    pub(crate) fn read(base: &BaseDir, findings: &mut Vec<Finding>) -> Option<DotEnv> {
        let name = Path::new(".env");
        let read = read_settings_file(&base.to_open(name), DOTENV_LIMIT);
        if let Err(ReadError::NotFound) = read {
            return None;
        }
        let path = base.join(name);
        let cannot_read = |why: String| {
            Finding::error("", format!("cannot read {}: it {why}", path.display()))
                .with_remedy("make the .env file a readable text file, or remove it")
        };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) => {
                let finding = cannot_read(e.to_string());
                findings.push(match e.fix() {
                    Some(fix) => finding.with_remedy(fix),
                    None => finding,
                });
                return None;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            findings.push(cannot_read("is not valid UTF-8".to_owned()));
            return None;
        };
        Some(DotEnv::parse(&path, &text, findings))
    }

    /// Parses the text of the `.env` file at `path`.
    pub(crate) fn parse(path: &Path, text: &str, findings: &mut Vec<Finding>) -> DotEnv {
        let cannot_read = |why: String| {
            Finding::error("", format!("cannot read {}: it {why}", path.display()))
                .with_remedy("make the .env file a readable text file, or remove it")
        };
        let lines = Lines::new(text);
        let mut vars = HashMap::new();
        // `$NAME` references are expanded by the parser: `A=$B$B` lines can
        // double a value per line. Refuse before expanding anything.
        if expansion_bound(text) > EXPANSION_LIMIT {
            findings.push(cannot_read(format!(
                "uses ${{NAME}} substitutions that would expand to more than {} KiB",
                EXPANSION_LIMIT / 1024
            )));
            return DotEnv {
                path: path.into(),
                vars,
                text: String::new(),
            };
        }
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
            text: text.to_owned(),
        }
    }

    /// Where `var` is set: its name and its value on the last line that
    /// sets it (the one that wins).
    pub(crate) fn spot(&self, var: &str) -> Option<Spot> {
        let mut found = None;
        let mut start = 0;
        for line in self.text.split_inclusive('\n') {
            if variable_name(line) == Some(var) {
                let name = start + line.find(var)?;
                let value = name + line[name - start..].find('=')? + 1;
                let content = line.trim_end_matches(['\n', '\r']);
                let end = start + content.len();
                // Leading spaces are not part of the value.
                let value = value
                    + (self.text[value..end].len() - self.text[value..end].trim_start().len());
                found = Some(Spot {
                    key: name..name + var.len(),
                    value: value..end.max(value),
                });
            }
            start += line.len();
        }
        found
    }
}

/// The most the values of a `.env` file may expand to, in bytes.
const EXPANSION_LIMIT: u64 = 1024 * 1024;

/// An upper bound of the total length of every value after substitution:
/// each value's length plus, for every `$NAME` or `${NAME}` in it, the
/// bound of `NAME` so far (or the process variable's length, which the
/// parser also substitutes). Saturates instead of overflowing.
fn expansion_bound(text: &str) -> u64 {
    let mut lengths: HashMap<&str, u64> = HashMap::new();
    let mut total: u64 = 0;
    for line in text.split(['\n', '\r']) {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let mut bound = value.len() as u64;
        let bytes = value.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'$' {
                i += 1;
                continue;
            }
            i += 1;
            let braced = bytes.get(i) == Some(&b'{');
            if braced {
                i += 1;
            }
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let reference = &value[start..i];
            if reference.is_empty() {
                continue;
            }
            let referenced = lengths
                .get(reference)
                .copied()
                .unwrap_or_else(|| std::env::var_os(reference).map_or(0, |v| v.len() as u64));
            bound = bound.saturating_add(referenced);
        }
        lengths.insert(name.trim(), bound);
        total = total.saturating_add(bound);
        if total > EXPANSION_LIMIT {
            return total;
        }
    }
    total
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
        let base = BaseDir::new(Some(dir.path().to_path_buf()));
        let dotenv = DotEnv::read(&base, &mut findings).unwrap();
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
    fn substitutions_that_would_explode_are_refused_before_expanding() {
        // Found by the fuzzer: each line doubles the value before it.
        let mut text = String::from("e=0123456789abcdef\n");
        for _ in 0..40 {
            text.push_str("e=$e$e\n");
        }
        assert!(expansion_bound(&text) > EXPANSION_LIMIT);
        let mut findings = Vec::new();
        let parsed = DotEnv::parse(Path::new(".env"), &text, &mut findings);
        assert!(parsed.vars.is_empty());
        assert!(
            findings[0]
                .message()
                .contains("would expand to more than 1024 KiB"),
            "{}",
            findings[0]
        );
        // Ordinary substitution still works.
        let mut findings = Vec::new();
        let parsed = DotEnv::parse(
            Path::new(".env"),
            "HOST=db\nURL=postgres://${HOST}/app\n",
            &mut findings,
        );
        assert_eq!(
            parsed.vars.get("URL").map(String::as_str),
            Some("postgres://db/app")
        );
        assert!(findings.is_empty());
    }

    #[test]
    fn names_come_from_name_equals_lines_only() {
        assert_eq!(variable_name("export KEY = v"), Some("KEY"));
        assert_eq!(variable_name("  A.B=1"), Some("A.B"));
        assert_eq!(variable_name("abc123def more"), None);
        assert_eq!(variable_name("=x"), None);
    }
}
