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

/// What a setting is looked up by: a field of the schema, or one element's
/// copy of it (`upstreams[1].url`, read from `ORDERS_UPSTREAMS_1_URL` and
/// from the element's table in the config files).
#[derive(Clone, Copy)]
pub(crate) struct Key<'k, 's> {
    pub(crate) field: &'static FieldSchema,
    pub(crate) element: Option<ElementKey<'k, 's>>,
}

/// The names of one element's copy of a setting, and where its value sits
/// in each config file.
#[derive(Clone, Copy)]
pub(crate) struct ElementKey<'k, 's> {
    /// The path as shown and as `Loader::set` names it: `upstreams[1].url`.
    pub(crate) name: &'k str,
    pub(crate) env: &'k str,
    pub(crate) file_env: Option<&'k str>,
    /// The key inside the element's table (`url`, `tls.cert`).
    pub(crate) rest: &'k str,
    /// The element's table in each config file (in their order), if any.
    pub(crate) tables: &'k [Option<&'s toml::Table>],
    /// Whether any variable or `Loader::set` path could name a setting of
    /// the section's elements (else only the files are looked at).
    pub(crate) vars: bool,
}

impl<'k> Key<'k, '_> {
    /// A field of the schema.
    pub(crate) fn field(field: &'static FieldSchema) -> Self {
        Key {
            field,
            element: None,
        }
    }
    pub(crate) fn name(&self) -> &'k str {
        self.element.map_or(self.field.name(), |e| e.name)
    }
    pub(crate) fn env(&self) -> &'k str {
        self.element.map_or(self.field.env(), |e| e.env)
    }
    fn file_env(&self) -> Option<&'k str> {
        match self.element {
            Some(e) => e.file_env,
            None => self.field.file_env(),
        }
    }
    /// The deprecated names: an element has none of its own.
    fn aliases(&self) -> &'static [&'static str] {
        match self.element {
            Some(_) => &[],
            None => self.field.aliases(),
        }
    }
    /// How to set it, for remedies.
    pub(crate) fn how_to_set(&self) -> String {
        match self.file_env() {
            Some(file_var) => format!("set {} (or {file_var} to a file holding it)", self.env()),
            None => format!("set {}", self.env()),
        }
    }
    fn owned(name: &str, static_name: Option<&'static str>) -> Cow<'static, str> {
        match static_name {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(name.to_owned()),
        }
    }
    /// `var` as a source keeps it: borrowed when it is a schema name.
    fn var_cow(&self, var: &str) -> Cow<'static, str> {
        let field = self.field;
        let known = std::iter::once(field.env())
            .chain(field.aliases().iter().copied())
            .chain(field.file_env())
            .find(|n| *n == var);
        Self::owned(var, known)
    }
    fn name_cow(&self) -> Cow<'static, str> {
        match self.element {
            Some(e) => Cow::Owned(e.name.to_owned()),
            None => Cow::Borrowed(self.field.name()),
        }
    }
}

impl Layers {
    /// The value of `key` from the highest layer that sets it, without
    /// the default. `Err` when a layer holds something unusable.
    pub(crate) fn configured<'s>(
        &'s self,
        key: Key<'_, 's>,
        notes: &mut Vec<Finding>,
    ) -> Result<Option<(Raw<'s>, Source)>, Box<Finding>> {
        let vars = key.element.is_none_or(|e| e.vars);
        // The last `set` of a path wins.
        if vars
            && let Some((_, value, origin)) = self
                .overrides
                .iter()
                .rev()
                .find(|(p, _, _)| p == key.name())
        {
            let source = Source::Override {
                origin: origin.clone(),
            };
            return Ok(Some((Raw::Str(Cow::Borrowed(value)), source)));
        }
        if vars && let Some(found) = self.lookup_vars(key, &self.env, None, notes)? {
            return Ok(Some(found));
        }
        if vars
            && let Some(dotenv) = &self.dotenv
            && let Some(found) = self.lookup_vars(key, &dotenv.vars, Some(&dotenv.path), notes)?
        {
            return Ok(Some(found));
        }
        // The last file that sets it wins.
        for (i, file) in self.files.iter().enumerate().rev() {
            let value = match key.element {
                None => file.get(key.field.name()),
                Some(e) => e
                    .tables
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|t| super::config_file::get_in(t, e.rest)),
            };
            if let Some(value) = value
                && !matches!(value, toml::Value::String(s) if s.trim().is_empty())
            {
                let source = Source::File {
                    path: file.path.clone(),
                    key: key.name_cow(),
                };
                return Ok(Some((Raw::Toml(value), source)));
            }
        }
        Ok(None)
    }

    /// Like [`Layers::configured`], falling back to the default.
    pub(crate) fn lookup<'s>(
        &'s self,
        key: Key<'_, 's>,
        notes: &mut Vec<Finding>,
    ) -> Result<Option<(Raw<'s>, Source)>, Box<Finding>> {
        Ok(self.configured(key, notes)?.or_else(|| {
            key.field
                .default()
                .map(|d| (Raw::Str(Cow::Borrowed(d)), Source::Default))
        }))
    }

    fn lookup_vars<'s>(
        &'s self,
        key: Key<'_, 's>,
        vars: &'s dyn EnvLookup,
        dotenv: Option<&Arc<Path>>,
        notes: &mut Vec<Finding>,
    ) -> Result<Option<(Raw<'s>, Source)>, Box<Finding>> {
        let source_of = |var: Cow<'static, str>| match dotenv {
            Some(path) => Source::DotEnv {
                path: path.clone(),
                var,
            },
            None => Source::Env { var },
        };
        let (direct_var, direct) = named_value(key, vars, dotenv, notes)?;
        if let Some(file_var) = key.file_env() {
            match vars.lookup(file_var) {
                Some(EnvValue::NotUnicode) => {
                    return Err(Box::new(not_utf8(key, file_var, dotenv)));
                }
                Some(EnvValue::Set(path)) if non_empty(path).is_some() => {
                    if direct.is_some() {
                        return Err(Box::new(Finding::error(
                            key.name(),
                            format!("both {} and {file_var} are set; set only one of them", key.env()),
                        )
                        .with_env_var(file_var)
                        .with_remedy(format!(
                            "keep {file_var} (a file holding the secret) and unset {}, or the other way round",
                            key.env()
                        ))));
                    }
                    let secret = self.read_secret_file(key, file_var, path.trim())?;
                    return Ok(Some(secret));
                }
                _ => {}
            }
        }
        if let Some(value) = direct
            && key.field.is_secret()
            && value.trim() != value
        {
            let var = direct_var;
            let place = dotenv
                .map(|p| format!(" in {}", p.display()))
                .unwrap_or_default();
            return Err(Box::new(
                Finding::error(
                    key.name(),
                    format!(
                        "{var}{place} has leading or trailing whitespace around the secret (not shown): it could never match what clients send"
                    ),
                )
                .with_env_var(var)
                .with_remedy(format!("remove the whitespace around the value of {var}")),
            ));
        }
        Ok(direct.map(|v| {
            (
                Raw::Str(Cow::Borrowed(v)),
                source_of(key.var_cow(direct_var)),
            )
        }))
    }

    fn read_secret_file(
        &self,
        key: Key<'_, '_>,
        file_var: &str,
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
                    key.name(),
                    format!("{file_var} names {named}, which {what}"),
                )
                .with_env_var(file_var)
                .with_remedy(format!(
                    "point {file_var} at a readable file that holds the secret, or set {} instead",
                    key.env()
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
                var: key.var_cow(file_var),
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
fn named_value<'v, 'k>(
    key: Key<'k, '_>,
    vars: &'v dyn EnvLookup,
    dotenv: Option<&Arc<Path>>,
    notes: &mut Vec<Finding>,
) -> Result<(&'k str, Option<&'v str>), Box<Finding>> {
    let mut chosen: Option<(&'k str, &'v str)> = None;
    for var in std::iter::once(key.env()).chain(key.aliases().iter().copied()) {
        let value = match vars.lookup(var) {
            Some(EnvValue::NotUnicode) => return Err(Box::new(not_utf8(key, var, dotenv))),
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
                        key.name(),
                        format!("{first} and {var} are both set, to different values: they name the same setting"),
                    )
                    .with_env_var(var)
                    .with_remedy(format!("keep {} only, and unset the other", key.env())),
                ));
            }
            Some(_) => {}
        }
    }
    let Some((var, value)) = chosen else {
        return Ok((key.env(), None));
    };
    if var != key.env() {
        let place = dotenv
            .map(|p| format!(" in {}", p.display()))
            .unwrap_or_default();
        notes.push(
            Finding::warning(
                key.name(),
                format!(
                    "{var}{place} is a deprecated name of `{}`: it still works",
                    key.name()
                ),
            )
            .with_env_var(var)
            .with_remedy(format!("rename {var} to {}", key.env())),
        );
    }
    Ok((var, Some(value)))
}

fn not_utf8(key: Key<'_, '_>, var: &str, dotenv: Option<&Arc<Path>>) -> Finding {
    let place = dotenv
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default();
    Finding::error(
        key.name(),
        format!("{var}{place} is set but its value is not valid UTF-8"),
    )
    .with_env_var(var)
    .with_remedy(format!("set {var} to UTF-8 text"))
}
