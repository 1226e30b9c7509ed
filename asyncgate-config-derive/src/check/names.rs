//! The checks of names: `detect(...)` platforms, the environments of
//! `required_in(...)`/`forbidden_in(...)`, a struct's own `names(...)` and
//! its `allow_unknown` patterns. Unknown, repeated or misplaced names are
//! errors on their tokens, with the accepted ones listed.

use proc_macro2::Span;
use syn::LitStr;

use crate::ast::{Container, Field};
use crate::attr::NameList;
use crate::ctxt::Ctxt;
use crate::symbol::{ENVIRONMENTS, PLATFORMS, expected_one_of};

/// `allow_unknown = "APP_LEGACY_*"`: a variable name under the struct's
/// prefix, or such a prefix ending in one `*`. Only names under the prefix
/// are ever reported as unknown, so a pattern elsewhere would do nothing.
pub(super) fn check_allow_unknown(
    cx: &mut Ctxt,
    container: &Container<'_>,
    prefix: Option<&str>,
) -> Vec<String> {
    let patterns = &container.attrs.allow_unknown;
    if container.attrs.section.is_some() {
        for lit in patterns {
            cx.error_spanned_by(
                lit,
                "`allow_unknown` goes on the struct that is loaded, not on a `section`: it names variables under that struct's prefix",
            );
        }
        return Vec::new();
    }
    let Some(prefix) = prefix else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for lit in patterns {
        let value = lit.value();
        let name = value.strip_suffix('*').unwrap_or(&value);
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            cx.error_spanned_by(
                lit,
                format!(
                    "invalid `allow_unknown` pattern {value:?}: write a variable name in upper-case letters, digits and `_`, optionally ending in one `*` (such as \"{prefix}_LEGACY_*\")"
                ),
            );
        } else if !name.starts_with(&format!("{prefix}_")) {
            cx.error_spanned_by(
                lit,
                format!(
                    "`allow_unknown` pattern {value:?} is outside the prefix: only `{prefix}_*` variables are ever reported as unknown; write \"{prefix}_...\""
                ),
            );
        } else if out.contains(&value) {
            cx.error_spanned_by(
                lit,
                format!("`allow_unknown` pattern {value:?} is repeated"),
            );
        } else {
            out.push(value);
        }
    }
    out
}

/// What a list of names such as `detect(...)` or `required_in(...)` holds.
struct ListKind {
    /// `platform`, `environment`: for "unknown platform `x`".
    noun: &'static str,
    /// Said when the list is empty.
    when_empty: &'static str,
    /// Accepted names with the variant each names.
    table: &'static [(&'static str, &'static str)],
}

const PLATFORM_LIST: ListKind = ListKind {
    noun: "platform",
    when_empty: "`detect()` is empty: list at least one platform, or remove it to try all of them",
    table: PLATFORMS,
};

/// The variants a list names, each once; unknown, repeated or missing
/// names are errors on their tokens.
fn name_list(cx: &mut Ctxt, list: &NameList, kind: &ListKind) -> Vec<&'static str> {
    if list.names.is_empty() {
        cx.error_at(list.key, kind.when_empty);
    }
    let mut out = Vec::new();
    for named in &list.names {
        match kind.table.iter().find(|entry| entry.0 == named.name) {
            Some(entry) if out.contains(&entry.1) => {
                cx.error_at(named.span, format!("`{}` is listed twice", named.name))
            }
            Some(entry) => out.push(entry.1),
            None => cx.error_at(
                named.span,
                format!(
                    "unknown {} `{}`: {}",
                    kind.noun,
                    named.name,
                    expected_one_of(&named.name, kind.table.iter().map(|entry| entry.0))
                ),
            ),
        }
    }
    out
}

pub(super) fn platform_list(cx: &mut Ctxt, list: &NameList) -> Vec<&'static str> {
    name_list(cx, list, &PLATFORM_LIST)
}

/// The environments `required_in(...)` or `forbidden_in(...)` names, each
/// once: a tier (every environment with its rules) or a name of the
/// struct's own `names(...)` (that name only). In a section (`team_names`
/// is `None`) any lowercase name passes here: the loaded struct's derive
/// checks it when it compiles.
pub(super) fn env_list(
    cx: &mut Ctxt,
    list: Option<&NameList>,
    team_names: Option<&[String]>,
) -> Vec<String> {
    let Some(list) = list else {
        return Vec::new();
    };
    let accepted: Vec<&str> = ENVIRONMENTS
        .iter()
        .map(|e| e.0)
        .chain(team_names.unwrap_or_default().iter().map(String::as_str))
        .collect();
    if list.names.is_empty() {
        cx.error_at(
            list.key,
            format!(
                "the environment list is empty: name at least one of {}",
                accepted
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let mut out: Vec<String> = Vec::new();
    for named in &list.names {
        let name = &named.name;
        let known = match team_names {
            Some(_) => accepted.contains(&name.as_str()),
            None => {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            }
        };
        if out.contains(name) {
            cx.error_at(named.span, format!("`{name}` is listed twice"));
        } else if known {
            out.push(name.clone());
        } else {
            cx.error_at(
                named.span,
                format!(
                    "unknown environment `{name}`: {}",
                    expected_one_of(name, accepted.iter().copied())
                ),
            );
        }
    }
    out
}

/// `names(qa = "staging", ...)`: on the `environment` field only; each
/// name new and lowercase, each tier one of the three.
pub(super) fn check_environment_names(
    cx: &mut Ctxt,
    field: &Field<'_>,
    (key, names): &(Span, Vec<(crate::attr::Named, LitStr)>),
) -> Vec<(String, &'static str)> {
    if field.attrs.environment.is_none() {
        cx.error_at(
            *key,
            "`names(...)` goes with `environment`: it maps names of your own to the rules of development, staging or production",
        );
        return Vec::new();
    }
    if names.is_empty() {
        cx.error_at(
            *key,
            "`names()` is empty: map at least one name, such as `names(qa = \"staging\")`",
        );
    }
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for (named, tier) in names {
        let name = &named.name;
        if ENVIRONMENTS.iter().any(|e| e.0 == name) {
            cx.error_at(
                named.span,
                format!("`{name}` is already an environment: map only names of your own"),
            );
            continue;
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            cx.error_at(
                named.span,
                format!("environment name `{name}` must be lowercase letters, digits and `_`"),
            );
            continue;
        }
        if out.iter().any(|(n, _)| n == name) {
            cx.error_at(named.span, format!("`{name}` is listed twice"));
            continue;
        }
        let value = tier.value();
        match ENVIRONMENTS.iter().find(|e| e.0 == value) {
            Some(e) => out.push((name.clone(), e.1)),
            None => cx.error_spanned_by(
                tier,
                format!(
                    "`{name}` must follow the rules of one of the three environments: {}",
                    expected_one_of(&value, ENVIRONMENTS.iter().map(|e| e.0))
                ),
            ),
        }
    }
    out
}
