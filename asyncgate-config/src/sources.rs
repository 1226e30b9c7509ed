//! The layers a value can come from, and looking a setting up in them.
//!
//! Precedence, highest first: process environment, `.env`, TOML file,
//! the attribute's default. Empty values count as unset.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::detect::{EnvLookup, EnvValue};
use crate::schema::FieldSchema;
use crate::{Finding, Source};

/// A set of environment variables: the process's, or one a test injects.
#[derive(Clone, Debug, Default)]
pub(crate) struct Env {
    vars: HashMap<String, String>,
    /// Names whose values are not UTF-8.
    non_utf8: HashSet<String>,
}

impl Env {
    pub(crate) fn from_os<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut env = Env::default();
        for (name, value) in vars {
            // A variable whose name is not UTF-8 cannot be one of ours.
            let Ok(name) = name.into().into_string() else {
                continue;
            };
            match value.into().into_string() {
                Ok(value) => {
                    env.non_utf8.remove(&name);
                    env.vars.insert(name, value);
                }
                Err(_) => {
                    env.vars.remove(&name);
                    env.non_utf8.insert(name);
                }
            }
        }
        env
    }

    pub(crate) fn from_process() -> Self {
        Env::from_os(std::env::vars_os())
    }

    /// A UTF-8 value.
    pub(crate) fn vars_get(&self, name: &str) -> Option<&String> {
        self.vars.get(name)
    }

    /// Every variable name, UTF-8 values or not.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.vars
            .keys()
            .chain(self.non_utf8.iter())
            .map(String::as_str)
    }
}

impl EnvLookup for Env {
    fn lookup(&self, name: &str) -> Option<EnvValue<'_>> {
        match self.vars.get(name) {
            Some(v) => Some(EnvValue::Set(v)),
            None if self.non_utf8.contains(name) => Some(EnvValue::NotUnicode),
            None => None,
        }
    }
}

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

/// The parsed TOML configuration file.
#[derive(Debug)]
pub(crate) struct ConfigFile {
    pub(crate) path: Arc<Path>,
    pub(crate) table: toml::Table,
}

impl ConfigFile {
    /// Reads and parses the file named by `named_by` (a variable, or the loader).
    pub(crate) fn read(
        path: &Path,
        named_by: &str,
        findings: &mut Vec<Finding>,
    ) -> Option<ConfigFile> {
        let text = match std::fs::read(path) {
            Ok(bytes) => {
                match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => {
                        findings.push(
                        Finding::error("", format!("config file {} is not valid UTF-8 (first bad byte at offset {})", path.display(), e.utf8_error().valid_up_to()))
                            .with_env_var(named_by),
                    );
                        return None;
                    }
                }
            }
            Err(e) => {
                let what = if e.kind() == io::ErrorKind::NotFound {
                    "does not exist".to_owned()
                } else {
                    format!("cannot be read: {e}")
                };
                findings.push(
                    Finding::error(
                        "",
                        format!(
                            "config file {} (named by {named_by}) {what}",
                            path.display()
                        ),
                    )
                    .with_env_var(named_by)
                    .with_remedy(format!(
                        "point {named_by} at a readable TOML file, or unset it"
                    )),
                );
                return None;
            }
        };
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

/// A value found for a setting, before it is deserialized.
pub(crate) enum Raw<'s> {
    Str(Cow<'s, str>),
    Toml(&'s toml::Value),
}

/// All layers of one load.
#[derive(Debug)]
pub(crate) struct Sources {
    pub(crate) env: Env,
    pub(crate) dotenv: Option<DotEnv>,
    pub(crate) file: Option<ConfigFile>,
    pub(crate) dir: PathBuf,
}

fn non_empty(value: &str) -> Option<&str> {
    (!value.trim().is_empty()).then_some(value)
}

impl Sources {
    /// The value of `field` from the highest layer that sets it, without
    /// the default. `Err` when a layer holds something unusable.
    pub(crate) fn configured(
        &self,
        field: &'static FieldSchema,
    ) -> Result<Option<(Raw<'_>, Source)>, Box<Finding>> {
        if let Some(found) = self.lookup_vars(field, &self.env, None)? {
            return Ok(Some(found));
        }
        if let Some(dotenv) = &self.dotenv
            && let Some(found) = self.lookup_vars(field, &dotenv.vars, Some(&dotenv.path))?
        {
            return Ok(Some(found));
        }
        if let Some(file) = &self.file
            && let Some(value) = file.table.get(field.name())
            && !matches!(value, toml::Value::String(s) if s.trim().is_empty())
        {
            let source = Source::File {
                path: file.path.clone(),
                key: field.name(),
            };
            return Ok(Some((Raw::Toml(value), source)));
        }
        Ok(None)
    }

    /// Like [`Sources::configured`], falling back to the default.
    pub(crate) fn lookup(
        &self,
        field: &'static FieldSchema,
    ) -> Result<Option<(Raw<'_>, Source)>, Box<Finding>> {
        Ok(self.configured(field)?.or_else(|| {
            field
                .default()
                .map(|d| (Raw::Str(Cow::Borrowed(d)), Source::Default))
        }))
    }

    fn lookup_vars<'s>(
        &'s self,
        field: &'static FieldSchema,
        vars: &'s dyn EnvLookup,
        dotenv: Option<&Arc<Path>>,
    ) -> Result<Option<(Raw<'s>, Source)>, Box<Finding>> {
        let source_of = |var: &'static str| match dotenv {
            Some(path) => Source::DotEnv {
                path: path.clone(),
                var,
            },
            None => Source::Env { var },
        };
        let direct = match vars.lookup(field.env()) {
            Some(EnvValue::NotUnicode) => {
                return Err(Box::new(not_utf8(field, field.env(), dotenv)));
            }
            Some(EnvValue::Set(v)) => non_empty(v),
            None => None,
        };
        if let Some(file_var) = field.file_env() {
            match vars.lookup(file_var) {
                Some(EnvValue::NotUnicode) => {
                    return Err(Box::new(not_utf8(field, file_var, dotenv)));
                }
                Some(EnvValue::Set(path)) if non_empty(path).is_some() => {
                    if direct.is_some() {
                        return Err(Box::new(Finding::error(
                            field.name(),
                            format!("both {} and {file_var} are set; set only one of them", field.env()),
                        )
                        .with_env_var(file_var)
                        .with_remedy(format!(
                            "keep {file_var} (a file holding the secret) and unset {}, or the other way round",
                            field.env()
                        ))));
                    }
                    let secret = self.read_secret_file(field, file_var, path.trim())?;
                    return Ok(Some(secret));
                }
                _ => {}
            }
        }
        Ok(direct.map(|v| (Raw::Str(Cow::Borrowed(v)), source_of(field.env()))))
    }

    fn read_secret_file(
        &self,
        field: &'static FieldSchema,
        file_var: &'static str,
        path: &str,
    ) -> Result<(Raw<'static>, Source), Box<Finding>> {
        let path: Arc<Path> = self.dir.join(path).into();
        let fail =
            |what: String| {
                Box::new(Finding::error(
                field.name(),
                format!("{file_var} names {}, which {what}", path.display()),
            )
            .with_env_var(file_var)
            .with_remedy(format!(
                "point {file_var} at a readable file that holds the secret, or set {} instead",
                field.env()
            )))
            };
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => fail("does not exist".to_owned()),
            _ => fail(format!("cannot be read: {e}")),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| fail("is not valid UTF-8".to_owned()))?;
        let value = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text);
        if value.trim().is_empty() {
            return Err(fail("is empty".to_owned()));
        }
        Ok((
            Raw::Str(Cow::Owned(value.to_owned())),
            Source::SecretFile {
                var: file_var,
                path,
            },
        ))
    }
}

fn not_utf8(field: &'static FieldSchema, var: &str, dotenv: Option<&Arc<Path>>) -> Finding {
    let place = dotenv
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default();
    Finding::error(
        field.name(),
        format!("{var}{place} is set but its value is not valid UTF-8"),
    )
    .with_env_var(var)
    .with_remedy(format!("set {var} to UTF-8 text"))
}
