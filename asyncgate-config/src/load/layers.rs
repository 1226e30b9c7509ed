//! The layers a value can come from, and looking a setting up in them.
//!
//! Precedence, highest first: process environment, `.env`, the config files (the last first),
//! the attribute's default. Empty values count as unset. A secret may come
//! from the file named by `NAME_FILE`.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use super::config_file::ConfigFile;
use super::dotenv::DotEnv;
use super::env_vars::{EnvLookup, EnvValue, EnvVars};
use super::file::{BaseDir, SECRET_FILE_LIMIT, read_bounded};
use crate::provenance::Source;
use crate::report::Finding;
use crate::schema::FieldSchema;

/// A value found for a setting, before it is deserialized.
pub(crate) enum Raw<'s> {
    Str(Cow<'s, str>),
    Toml(&'s toml::Value),
}

/// All layers of one load.
#[derive(Debug)]
pub(crate) struct Layers {
    /// `Loader::set`: (setting path, value, origin), highest precedence.
    pub(crate) overrides: Vec<(String, String, Option<Arc<str>>)>,
    pub(crate) env: EnvVars,
    pub(crate) dotenv: Option<DotEnv>,
    /// The config files, in the order given: a later one wins per setting.
    pub(crate) files: Vec<ConfigFile>,
    pub(crate) dir: BaseDir,
    /// Settings set where nothing reads them are errors, not warnings.
    pub(crate) deny_unknown: bool,
}

impl Layers {
    /// No source at all: what a schema probe reads from.
    pub(crate) fn empty() -> Layers {
        Layers {
            overrides: Vec::new(),
            env: EnvVars::default(),
            dotenv: None,
            files: Vec::new(),
            dir: BaseDir::new(None),
            deny_unknown: false,
        }
    }
}

fn non_empty(value: &str) -> Option<&str> {
    (!value.trim().is_empty()).then_some(value)
}

impl Layers {
    /// The value of `field` from the highest layer that sets it, without
    /// the default. `Err` when a layer holds something unusable.
    pub(crate) fn configured(
        &self,
        field: &'static FieldSchema,
        notes: &mut Vec<Finding>,
    ) -> Result<Option<(Raw<'_>, Source)>, Box<Finding>> {
        // The last `set` of a path wins.
        if let Some((_, value, origin)) = self
            .overrides
            .iter()
            .rev()
            .find(|(p, _, _)| p == field.name())
        {
            let source = Source::Override {
                origin: origin.clone(),
            };
            return Ok(Some((Raw::Str(Cow::Borrowed(value)), source)));
        }
        if let Some(found) = self.lookup_vars(field, &self.env, None, notes)? {
            return Ok(Some(found));
        }
        if let Some(dotenv) = &self.dotenv
            && let Some(found) = self.lookup_vars(field, &dotenv.vars, Some(&dotenv.path), notes)?
        {
            return Ok(Some(found));
        }
        // The last file that sets it wins.
        for file in self.files.iter().rev() {
            if let Some(value) = file.get(field.name())
                && !matches!(value, toml::Value::String(s) if s.trim().is_empty())
            {
                let source = Source::File {
                    path: file.path.clone(),
                    key: field.name(),
                };
                return Ok(Some((Raw::Toml(value), source)));
            }
        }
        Ok(None)
    }

    /// Like [`Layers::configured`], falling back to the default.
    pub(crate) fn lookup(
        &self,
        field: &'static FieldSchema,
        notes: &mut Vec<Finding>,
    ) -> Result<Option<(Raw<'_>, Source)>, Box<Finding>> {
        Ok(self.configured(field, notes)?.or_else(|| {
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
        notes: &mut Vec<Finding>,
    ) -> Result<Option<(Raw<'s>, Source)>, Box<Finding>> {
        let source_of = |var: &'static str| match dotenv {
            Some(path) => Source::DotEnv {
                path: path.clone(),
                var,
            },
            None => Source::Env { var },
        };
        let (direct_var, direct) = named_value(field, vars, dotenv, notes)?;
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
        if let Some(value) = direct
            && field.is_secret()
            && value.trim() != value
        {
            let var = direct_var;
            let place = dotenv
                .map(|p| format!(" in {}", p.display()))
                .unwrap_or_default();
            return Err(Box::new(
                Finding::error(
                    field.name(),
                    format!(
                        "{var}{place} has leading or trailing whitespace around the secret (not shown): it could never match what clients send"
                    ),
                )
                .with_env_var(var)
                .with_remedy(format!("remove the whitespace around the value of {var}")),
            ));
        }
        Ok(direct.map(|v| (Raw::Str(Cow::Borrowed(v)), source_of(direct_var))))
    }

    fn read_secret_file(
        &self,
        field: &'static FieldSchema,
        file_var: &'static str,
        path: &str,
    ) -> Result<(Raw<'static>, Source), Box<Finding>> {
        let full: Arc<Path> = self.dir.join(path).into();
        // The variable should hold a path; when the secret itself was put
        // there by mistake, the message must not repeat it. A file that
        // exists is named, relative or not.
        let fail = |what: String| {
            let named = if looks_like_path(path) || std::fs::symlink_metadata(&full).is_ok() {
                crate::text::printable_name(&full.display().to_string())
            } else {
                "a value that does not look like a path (not shown: is the secret itself in it?)"
                    .to_owned()
            };
            Box::new(
                Finding::error(
                    field.name(),
                    format!("{file_var} names {named}, which {what}"),
                )
                .with_env_var(file_var)
                .with_remedy(format!(
                    "point {file_var} at a readable file that holds the secret, or set {} instead",
                    field.env()
                )),
            )
        };
        let bytes = read_bounded(&full, SECRET_FILE_LIMIT).map_err(|e| fail(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| fail("is not valid UTF-8".to_owned()))?;
        // One final newline is how files end; anything more is a mistake.
        let value = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text);
        if value.trim().is_empty() {
            return Err(fail("is empty".to_owned()));
        }
        if value.trim() != value {
            return Err(fail(
                "holds the secret with leading or trailing whitespace (it could never match what clients send): remove it".to_owned(),
            ));
        }
        Ok((
            Raw::Str(Cow::Owned(value.to_owned())),
            Source::SecretFile {
                var: file_var,
                path: full,
            },
        ))
    }
}

/// Whether a `NAME_FILE` value may be shown: a path of reasonable length,
/// without spaces or control characters, that has a separator or a dot.
fn looks_like_path(value: &str) -> bool {
    value.len() <= 4096
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && (value.contains('/') || value.contains('.'))
}

/// The value of the field's variable or one of its aliases, and which one
/// gave it. An alias that is used draws a warning that it is deprecated;
/// two of the names set to different values is an error naming both.
fn named_value<'v>(
    field: &'static FieldSchema,
    vars: &'v dyn EnvLookup,
    dotenv: Option<&Arc<Path>>,
    notes: &mut Vec<Finding>,
) -> Result<(&'static str, Option<&'v str>), Box<Finding>> {
    let mut chosen: Option<(&'static str, &'v str)> = None;
    for var in std::iter::once(field.env()).chain(field.aliases().iter().copied()) {
        let value = match vars.lookup(var) {
            Some(EnvValue::NotUnicode) => return Err(Box::new(not_utf8(field, var, dotenv))),
            Some(EnvValue::Set(v)) => non_empty(v),
            None => None,
        };
        let Some(value) = value else { continue };
        match chosen {
            None => chosen = Some((var, value)),
            Some((first, earlier)) if earlier != value => {
                // Never show the values: either may be a secret.
                return Err(Box::new(
                    Finding::error(
                        field.name(),
                        format!("{first} and {var} are both set, to different values: they name the same setting"),
                    )
                    .with_env_var(var)
                    .with_remedy(format!("keep {} only, and unset the other", field.env())),
                ));
            }
            Some(_) => {}
        }
    }
    let Some((var, value)) = chosen else {
        return Ok((field.env(), None));
    };
    if var != field.env() {
        let place = dotenv
            .map(|p| format!(" in {}", p.display()))
            .unwrap_or_default();
        notes.push(
            Finding::warning(
                field.name(),
                format!(
                    "{var}{place} is a deprecated name of `{}`: it still works",
                    field.name()
                ),
            )
            .with_env_var(var)
            .with_remedy(format!("rename {var} to {}", field.env())),
        );
    }
    Ok((var, Some(value)))
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
