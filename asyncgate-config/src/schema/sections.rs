//! Sections, flattened: a `#[gate(nested)]` field's settings take its
//! place, named by their dotted path and composed env var; section `check`
//! functions are found the same way.

use super::{FieldSchema, Repeat, Schema};

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

/// The most elements a list section, or entries a map section, may have.
pub const MAX_ELEMENTS: usize = 1_000;

/// The longest key of a map section, in characters.
pub const MAX_KEY_CHARS: usize = 128;

/// A repeated section (`Vec<S>`, a map of `S`) at its dotted path.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RepeatedSection {
    pub(crate) path: &'static str,
    pub(crate) repeat: Repeat,
}

impl Schema {
    /// The repeated sections, outermost first, each at its dotted path.
    pub(crate) fn repeated_sections(&self) -> &'static [RepeatedSection] {
        self.repeated.get_or_init(|| {
            let mut out = Vec::new();
            repeated(self.own, "", &mut out);
            Box::leak(out.into_boxed_slice())
        })
    }

    /// The setting of a repeated section that an element's path names
    /// (`upstreams[1].url` → `upstreams.url`, `tenants.acme.quota` →
    /// `tenants.quota`).
    pub(crate) fn element_field(&self, path: &str) -> Option<&'static FieldSchema> {
        self.repeated_sections().iter().find_map(|r| {
            let rest = path.strip_prefix(r.path)?;
            let inner = match r.repeat {
                Repeat::List => {
                    let (digits, rest) = rest.strip_prefix('[')?.split_once(']')?;
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    rest.strip_prefix('.')?
                }
                _ => rest.strip_prefix('.')?.split_once('.')?.1,
            };
            self.field(&format!("{}.{inner}", r.path))
        })
    }

    /// Whether `name` is the variable of a setting of some element of a
    /// repeated section (`ORDERS_UPSTREAMS_1_URL`, `ORDERS_TENANTS_ACME_URL`).
    pub(crate) fn is_element_var(&self, name: &str) -> bool {
        if self.repeated_sections().is_empty() {
            return false;
        }
        let fits = |pattern: &str| {
            element_part(pattern, "<N>", name).is_some_and(|part| {
                part.bytes().all(|b| b.is_ascii_digit())
                    && (part.len() == 1 || !part.starts_with('0'))
            }) || element_part(pattern, "<KEY>", name).is_some_and(|part| {
                part.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            })
        };
        self.fields()
            .iter()
            .any(|f| fits(f.env()) || f.file_env().is_some_and(fits))
    }
}

/// The part of `name` that stands where `pattern` (a variable name of an
/// element's setting) has `mark`; `None` when `name` does not fit it.
pub(crate) fn element_part<'n>(pattern: &str, mark: &str, name: &'n str) -> Option<&'n str> {
    let at = pattern.find(mark)?;
    let (head, tail) = (&pattern[..at], &pattern[at + mark.len()..]);
    let part = name.strip_prefix(head)?.strip_suffix(tail)?;
    (!part.is_empty()).then_some(part)
}

fn repeated(fields: &[FieldSchema], parent: &str, out: &mut Vec<RepeatedSection>) {
    for f in fields {
        let Some(section) = f.nested else { continue };
        let path = format!("{parent}{}", f.name);
        if matches!(f.repeat, Repeat::List | Repeat::Map) {
            out.push(RepeatedSection {
                path: leak(path.clone()),
                repeat: f.repeat,
            });
        }
        repeated(section, &format!("{path}."), out);
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
        if f.repeat != Repeat::One {
            // Optional, or repeated: no element unless the file has one.
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

/// Whether a section of `fields` (at any depth) has a `check` function.
pub(crate) const fn has_checks(fields: &[FieldSchema]) -> bool {
    let mut i = 0;
    while i < fields.len() {
        if fields[i].section_check.is_some() {
            return true;
        }
        if let Some(section) = fields[i].nested
            && has_checks(section)
        {
            return true;
        }
        i += 1;
    }
    false
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
            Some(section) => {
                // An element's variables: `ORDERS_UPSTREAMS_<N>_URL`.
                let env = match f.repeat.placeholder() {
                    Some(mark) => leak(format!("{env}_{mark}")),
                    None => env,
                };
                flatten(section, Some((name, env)), out)
            }
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
