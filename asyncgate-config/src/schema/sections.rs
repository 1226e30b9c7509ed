//! Sections, flattened: a `#[gate(nested)]` field's settings take its
//! place, named by their dotted path and composed env var; section `check`
//! functions are found the same way.

use super::{FieldSchema, Schema};

impl Schema {
    /// Every setting, in declaration order; the settings of a
    /// `#[gate(nested)]` section take its place, named by their dotted
    /// path (`database.url`) and composed env var (`ORDERS_DATABASE_URL`).
    pub fn fields(&self) -> &'static [FieldSchema] {
        self.flat.get_or_init(|| {
            if self.own.iter().all(|f| f.nested.is_none()) {
                return self.own;
            }
            let mut out = Vec::with_capacity(leaf_count(self.own));
            flatten(self.own, None, &mut out);
            Box::leak(out.into_boxed_slice())
        })
    }
    /// The setting with this name (a dotted path for a section's: `http.port`).
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields().iter().find(|f| f.name == name)
    }
    /// Whether `name` names a section (`http`, `database.pool`).
    pub(crate) fn is_section(&self, name: &str) -> bool {
        self.fields().iter().any(|f| {
            f.name
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// Every `check` function: the struct's (with an empty path), then each
    /// section's, with the section's dotted path.
    pub(crate) fn check_fns(&self) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = self
            .check_fn
            .map(|f| (String::new(), f))
            .into_iter()
            .collect();
        section_checks(self.own, "", &mut out);
        out
    }
}

impl Schema {
    /// The sections a config file leaves off unless it turns them on: an
    /// optional section (`Option<Tls>`), and each variant of an enum section
    /// other than the one its tag selects by default (the first when it has
    /// no default). Templates write their lines so that uncommenting the
    /// rest leaves them off.
    pub(crate) fn dormant_sections(&self) -> Vec<String> {
        let mut out = Vec::new();
        dormant(self.own, "", &mut out);
        out
    }
}

/// The variant an enum section's tag selects unless set: its default, else
/// the first. `None` when `section` is not an enum section.
pub(crate) fn selected_variant(section: &[FieldSchema]) -> Option<&'static str> {
    let tag = section.first()?;
    let super::Role::Tag { variants } = tag.role() else {
        return None;
    };
    tag.default().or(variants.first().copied())
}

fn dormant(fields: &[FieldSchema], parent: &str, out: &mut Vec<String>) {
    for f in fields {
        let Some(section) = f.nested else { continue };
        let path = format!("{parent}{}", f.name);
        if f.type_name.starts_with("Option<") {
            out.push(path);
            continue;
        }
        let selected = selected_variant(section);
        for variant in section.iter().filter(|v| v.nested.is_some()) {
            if selected.is_some_and(|s| s != variant.name) {
                out.push(format!("{path}.{}", variant.name));
            }
        }
        dormant(section, &format!("{path}."), out);
    }
}

/// How many settings `fields` holds once its sections are flattened.
pub(crate) const fn leaf_count(fields: &[FieldSchema]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < fields.len() {
        count += match fields[i].nested {
            Some(section) => leaf_count(section),
            None => 1,
        };
        i += 1;
    }
    count
}

/// The flat index of own field `index`: how many settings come before it.
pub(crate) const fn flat_offset(fields: &[FieldSchema], index: usize) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < index {
        count += match fields[i].nested {
            Some(section) => leaf_count(section),
            None => 1,
        };
        i += 1;
    }
    count
}

/// Appends the `check` functions of the sections among `fields`, depth
/// first, each with its dotted path under `parent`.
fn section_checks(fields: &[FieldSchema], parent: &str, out: &mut Vec<(String, &'static str)>) {
    for f in fields {
        if let Some(section) = f.nested {
            let path = format!("{parent}{}", f.name);
            if let Some(check) = f.section_check {
                out.push((path.clone(), check));
            }
            section_checks(section, &format!("{path}."), out);
        }
    }
}

/// A composed name, leaked: built once per schema and kept for the process.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Appends the settings of `fields` to `out`, names and env vars composed
/// under `parent` (the enclosing section's dotted path and env var).
fn flatten(
    fields: &'static [FieldSchema],
    parent: Option<(&'static str, &'static str)>,
    out: &mut Vec<FieldSchema>,
) {
    for f in fields {
        let (name, env) = match parent {
            None => (f.name, f.env),
            Some((path, env)) => (
                leak(format!("{path}.{}", f.name)),
                if f.env_exact {
                    f.env
                } else if f.env.is_empty() {
                    // An enum section's tag: the section's own variable.
                    env
                } else {
                    leak(format!("{env}_{}", f.env))
                },
            ),
        };
        match f.nested {
            Some(section) => flatten(section, Some((name, env)), out),
            None => out.push(FieldSchema {
                name,
                env,
                file_env: f.secret.then(|| leak(format!("{env}_FILE"))),
                env_exact: true,
                ..*f
            }),
        }
    }
}
