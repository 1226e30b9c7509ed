//! Semantic checks over the parsed attributes, in one pass, producing the
//! checked model that `expand.rs` emits from. Every error is collected.

use proc_macro2::Span;
use syn::{LitStr, Type};

use crate::ast::{Container, Field};
use crate::model::{FieldModel, Model, Role};

mod names;
mod nested;

use crate::attr::DefaultLit;
use crate::ctxt::Ctxt;
use crate::symbol::{ENVIRONMENTS, PLATFORMS, expected_one_of};
use crate::ty;
use names::{check_allow_unknown, check_environment_names, env_list, platform_list};
use nested::check_nested;

pub(crate) fn check<'a>(cx: &mut Ctxt, container: &'a Container<'a>) -> Option<Model<'a>> {
    let input = container.original;
    reject_generics(cx, input);
    let section = container.attrs.section.is_some();
    let prefix = if section {
        check_section(cx, container);
        Some(String::new())
    } else {
        check_prefix(cx, container)
    };
    // The names `required_in(...)` may use: the tiers and the struct's own
    // `names(...)`; a section cannot see those of the struct that nests it.
    let team_names: Option<Vec<String>> = (!section).then(|| {
        container
            .fields
            .iter()
            .filter_map(|f| f.attrs.names.as_ref())
            .flat_map(|(_, names)| names.iter().map(|(named, _)| named.name.clone()))
            .collect()
    });
    let fields: Vec<FieldModel<'a>> = container
        .fields
        .iter()
        .map(|f| {
            let prefix = prefix.as_deref().unwrap_or("PREFIX");
            check_field(cx, f, prefix, section, team_names.as_deref())
        })
        .collect();
    for field in &container.fields {
        check_nested(cx, field);
    }
    if !section {
        check_roles(cx, container);
        // Names inside sections are only known once composed: a `const`
        // the derive emits checks them all (`var_names` in the runtime).
        check_env_collisions(cx, container, &fields);
    }
    let environment_names = container
        .fields
        .iter()
        .find_map(|f| f.attrs.names.as_ref().map(|names| (f, names)))
        .map(|(field, names)| check_environment_names(cx, field, names))
        .unwrap_or_default();
    let allow_unknown = check_allow_unknown(cx, container, prefix.as_deref());
    let service_name = check_service_name(cx, container);
    if let Some(lit) = &container.attrs.tag {
        cx.error_spanned_by(
            lit,
            "`tag` on a struct: it names the setting that selects an enum section's variant, on the enum (`#[gate(section, tag = \"backend\")] enum Store { ... }`)",
        );
    }
    if let Some(lit) = &container.attrs.default {
        cx.error_spanned_by(
            lit,
            "`default` on a struct: put it on a field (`#[gate(default = ...)]`), or on an enum section to name the variant used when none is set",
        );
    }
    Some(Model {
        input,
        environment_names,
        deny_unknown: container.attrs.deny_unknown.is_some(),
        allow_unknown,
        section,
        has_nested: fields.iter().any(|f| f.nested),
        doc: &container.doc,
        prefix: prefix?,
        service_name,
        check: container.attrs.check.as_ref(),
        krate: crate::paths::runtime_path(container.attrs.krate.as_ref()),
        fields,
    })
}

/// Generic settings structs are not supported: a schema is one `static`.
fn reject_generics(cx: &mut Ctxt, input: &syn::DeriveInput) {
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "`GateConfig` does not support generic structs: its schema is a single `static`; use concrete field types",
        );
    }
}

/// `prefix` is required and must be an upper-case env var prefix.
fn check_prefix(cx: &mut Ctxt, container: &Container<'_>) -> Option<String> {
    let Some(lit) = &container.attrs.prefix else {
        cx.error_spanned_by(
            &container.original.ident,
            "missing `#[gate(prefix = \"...\")]` on the struct: settings are read from `<PREFIX>_<FIELD>` env vars, e.g. `#[gate(prefix = \"MYAPP\")]`",
        );
        return None;
    };
    let value = lit.value();
    let valid = value.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !value.ends_with('_');
    if !valid {
        let suggestion: String = value
            .trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let hint = if suggestion
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        {
            format!("; try `prefix = \"{suggestion}\"`")
        } else {
            String::new()
        };
        cx.error_spanned_by(
            lit,
            format!("invalid prefix {value:?}: use upper-case letters, digits and `_`, starting with a letter and without a trailing `_`{hint}"),
        );
        return None;
    }
    Some(value)
}

/// `service_name` names the service a loaded struct configures: printable,
/// non-empty text. A section has none (the struct that nests it names the
/// service).
fn check_service_name(cx: &mut Ctxt, container: &Container<'_>) -> Option<String> {
    let lit = container.attrs.service_name.as_ref()?;
    if container.attrs.section.is_some() {
        cx.error_spanned_by(
            lit,
            "a `section` has no `service_name`: the struct that is loaded names the service; move it there",
        );
        return None;
    }
    let value = lit.value();
    if value.trim().is_empty() || value.trim() != value || value.chars().any(char::is_control) {
        cx.error_spanned_by(
            lit,
            format!("invalid service_name {value:?}: use the service's name as telemetry shows it, such as \"orders-api\" (not empty, no surrounding spaces or control characters)"),
        );
        return None;
    }
    Some(value)
}

/// A section is named by the field that nests it: it has no prefix, and
/// `deny_unknown` belongs on the struct that is loaded; its fields are
/// settings, not the environment or id. (A section may have a `check`.)
fn check_section(cx: &mut Ctxt, container: &Container<'_>) {
    let attrs = &container.attrs;
    if let Some(prefix) = &attrs.prefix {
        cx.error_spanned_by(
            prefix,
            "a `section` has no prefix: its variables are named after the field that nests it (`#[gate(nested)] http: Http` in a struct with prefix `APP` reads `APP_HTTP_PORT`); remove `prefix`",
        );
    }
    if let Some(span) = attrs.deny_unknown {
        cx.error_at(
            span,
            "`deny_unknown` goes on the struct that is loaded, not on a `section`: it applies to every variable and key under its prefix",
        );
    }
    for field in &container.fields {
        for (role, span) in [
            ("environment", field.attrs.environment),
            ("instance_id", field.attrs.instance_id),
        ] {
            if let Some(span) = span {
                cx.error_at(
                    span,
                    format!("a `section` has no `{role}` field: the struct that nests it has the one `#[gate({role})]` field; remove it here"),
                );
            }
        }
    }
}

fn check_field<'a>(
    cx: &mut Ctxt,
    field: &'a Field<'a>,
    prefix: &str,
    section: bool,
    team_names: Option<&[String]>,
) -> FieldModel<'a> {
    let attrs = &field.attrs;
    let ty = &field.original.ty;
    let name = field.ident.to_string().trim_start_matches("r#").to_owned();
    let env = match &attrs.env {
        Some(lit) => check_env_name(cx, lit),
        None if section => name.to_ascii_uppercase(),
        None => format!("{prefix}_{}", name.to_ascii_uppercase()),
    };
    let aliases: Vec<String> = attrs
        .aliases
        .iter()
        .map(|lit| check_env_name(cx, lit))
        .collect();
    let role = check_role(cx, field);
    if attrs.nested.is_none() {
        // On `nested`, `check_nested` names every value key as misplaced.
        check_secret(cx, field);
    }
    let option_inner = ty::inner(ty, "Option");
    let required_in = env_list(cx, attrs.required_in.as_ref(), team_names);
    let forbidden_in = env_list(cx, attrs.forbidden_in.as_ref(), team_names);
    check_required_in(cx, field, option_inner.is_some());
    check_overlap(cx, field, &required_in, &forbidden_in);
    let default_ty = option_inner.unwrap_or(ty);
    check_default(cx, field, default_ty);
    FieldModel {
        ident: field.ident,
        name,
        ty,
        env,
        // A secret type is a secret without the attribute too: its value
        // is never shown, and `NAME_FILE` can hold it.
        secret: attrs.secret.is_some()
            || ty::is(default_ty, "SecretString")
            || ty::is(default_ty, "Secret"),
        secret_attr: attrs.secret.is_some(),
        min_len: check_min_len(cx, field),
        doc: &field.doc,
        default: attrs.default.as_ref().map(|(_, lit)| lit),
        default_ty,
        optional: option_inner.is_some() || ty::inner(ty, "Vec").is_some(),
        role,
        required_in,
        forbidden_in,
        aliases,
        relative: section && attrs.env.is_none(),
        nested: attrs.nested.is_some(),
    }
}

/// `env = "NAME"` must be a portable env var name.
fn check_env_name(cx: &mut Ctxt, lit: &LitStr) -> String {
    let value = lit.value();
    let valid = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        cx.error_spanned_by(
            lit,
            format!("invalid env var name {value:?}: use letters, digits and `_`, not starting with a digit"),
        );
    }
    value
}

/// `environment` and `instance_id` mark at most one role, on the right
/// type; `detect` and `strict` only go with `instance_id`.
fn check_role(cx: &mut Ctxt, field: &Field<'_>) -> Role {
    let attrs = &field.attrs;
    let ty = &field.original.ty;
    if let (Some(_), Some(second)) = (attrs.environment, attrs.instance_id) {
        cx.error_at(
            second,
            "a field cannot be both `environment` and `instance_id`",
        );
    }
    if attrs.instance_id.is_none() {
        if let Some(detect) = &attrs.detect {
            cx.error_at(
                detect.key,
                "`detect(...)` only applies to the `#[gate(instance_id)]` field",
            );
        }
        if let Some(strict) = attrs.strict {
            cx.error_at(
                strict,
                "`strict` only applies to the `#[gate(instance_id)]` field",
            );
        }
    }
    for (role, span, type_name) in [
        ("environment", attrs.environment, "Environment"),
        ("instance_id", attrs.instance_id, "InstanceId"),
    ] {
        if span.is_none() {
            continue;
        }
        if !ty::is(ty, type_name) {
            cx.error_spanned_by(
                ty,
                format!("the `#[gate({role})]` field must have type `asyncgate_config::{type_name}`, found `{}`", ty::display(ty)),
            );
        }
        for (key, present) in [
            ("secret", attrs.secret.is_some()),
            ("required_in", attrs.required_in.is_some()),
            ("forbidden_in", attrs.forbidden_in.is_some()),
        ] {
            if present {
                cx.error_spanned_by(
                    field.ident,
                    format!("`{key}` cannot be used on the `{role}` field"),
                );
            }
        }
    }
    if attrs.environment.is_some() {
        if let Some((_, DefaultLit::Str(lit))) = &attrs.default {
            let value = lit.value();
            let own = attrs
                .names
                .as_ref()
                .is_some_and(|(_, names)| names.iter().any(|(named, _)| named.name == value));
            if !own && !ENVIRONMENTS.iter().any(|(n, _)| *n == value) {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "unknown environment {value:?}: {}",
                        expected_one_of(&value, ENVIRONMENTS.iter().map(|e| e.0))
                    ),
                );
            }
        }
        return Role::Environment;
    }
    if attrs.instance_id.is_some() {
        if let Some((_, DefaultLit::Str(lit))) = &attrs.default {
            check_instance_id_default(cx, lit);
        }
        let detect = match &attrs.detect {
            Some(list) => platform_list(cx, list),
            None => PLATFORMS.iter().map(|p| p.1).collect(),
        };
        return Role::InstanceId {
            detect,
            strict: attrs.strict.is_some(),
        };
    }
    Role::Setting
}

/// The instance id's `default` must follow the id rules of
/// `asyncgate_config::InstanceId` (1-253 of `[A-Za-z0-9._:-]`, starting
/// alphanumeric), checked here so the error sits on the literal.
fn check_instance_id_default(cx: &mut Ctxt, lit: &LitStr) {
    let value = lit.value();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    let problem = if value.is_empty() {
        Some("it is empty".to_owned())
    } else if value.chars().count() > 253 {
        Some(format!(
            "it has {} characters, at most 253 are allowed",
            value.chars().count()
        ))
    } else if let Some((i, c)) = value.chars().enumerate().find(|&(_, c)| !allowed(c)) {
        Some(format!("{c:?} at position {} is not allowed", i + 1))
    } else if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("it must start with a letter or a digit".to_owned())
    } else {
        None
    };
    if let Some(problem) = problem {
        cx.error_spanned_by(
            lit,
            format!("invalid instance id default {value:?}: {problem}; use 1-253 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit"),
        );
    }
}

/// `min_len = N` goes with `secret` and counts characters: 1 to 4096.
fn check_min_len(cx: &mut Ctxt, field: &Field<'_>) -> Option<u32> {
    let lit = field.attrs.min_len.as_ref()?;
    if field.attrs.secret.is_none() {
        cx.error_spanned_by(
            lit,
            "`min_len` goes with `secret`: it is the fewest characters a secret may have in staging and production; add `secret`, or remove `min_len`",
        );
        return None;
    }
    match lit.base10_parse::<u32>() {
        Ok(n @ 1..=4096) => Some(n),
        _ => {
            cx.error_spanned_by(
                lit,
                "`min_len` takes a number of characters from 1 to 4096, such as `min_len = 16`",
            );
            None
        }
    }
}

/// A secret has no default: it must come from the environment or a file.
fn check_secret(cx: &mut Ctxt, field: &Field<'_>) {
    if let (Some(_), Some((key, _))) = (field.attrs.secret, &field.attrs.default) {
        cx.error_at(
            *key,
            "a `secret` cannot have a `default`: a default secret is shared by every deployment; read it from the environment or a `_FILE`",
        );
    }
}

/// `required_in` needs a field that can be unset, i.e. an `Option<T>`.
fn check_required_in(cx: &mut Ctxt, field: &Field<'_>, is_option: bool) {
    let Some(list) = &field.attrs.required_in else {
        return;
    };
    if !is_option {
        cx.error_at(
            list.key,
            format!(
                "`required_in` needs an `Option<T>` field so that \"not set\" is possible; change the type to `Option<{}>`",
                ty::display(&field.original.ty)
            ),
        );
    }
    if field.attrs.default.is_some() {
        cx.error_at(
            list.key,
            "`required_in` and `default` contradict each other: a defaulted setting is always set",
        );
    }
}

/// An environment cannot both require and forbid a setting.
fn check_overlap(cx: &mut Ctxt, field: &Field<'_>, required: &[String], forbidden: &[String]) {
    if let Some(both) = required.iter().find(|e| forbidden.contains(e)) {
        let span = field
            .attrs
            .forbidden_in
            .as_ref()
            .map_or_else(|| field.ident.span(), |l| l.key);
        cx.error_at(
            span,
            format!(
                "`{}` is in both `required_in` and `forbidden_in`",
                both.to_ascii_lowercase()
            ),
        );
    }
}

/// A string default for a number or bool field is a mistake worth naming
/// here; other type mismatches are left to rustc, spanned on the literal.
fn check_default(cx: &mut Ctxt, field: &Field<'_>, default_ty: &Type) {
    // A duration's default is text with a unit; the value itself is
    // checked at compile time by the runtime's parser (expand.rs).
    if ty::is(default_ty, "Duration")
        && let Some((_, DefaultLit::Typed { expr, text })) = &field.attrs.default
    {
        cx.error_spanned_by(
            expr,
            format!("`default` for a `Duration` field is a string with a unit: write `default = \"{text}s\"` (or ms, m, h)"),
        );
        return;
    }
    let Some((_, DefaultLit::Str(lit))) = &field.attrs.default else {
        return;
    };
    if let Some(prim) = ty::primitive(default_ty) {
        let value = lit.value();
        let hint = if prim == "bool" {
            "true".to_owned()
        } else {
            value.trim().to_owned()
        };
        cx.error_spanned_by(lit, format!("`default` for a `{prim}` field takes a literal of that type, not a string: write `default = {hint}`"));
    }
}

/// Exactly one `environment` field and one `instance_id` field.
fn check_roles(cx: &mut Ctxt, container: &Container<'_>) {
    for (role, span_of, type_name) in [
        (
            "environment",
            (|f: &Field<'_>| f.attrs.environment) as fn(&Field<'_>) -> Option<Span>,
            "Environment",
        ),
        (
            "instance_id",
            |f: &Field<'_>| f.attrs.instance_id,
            "InstanceId",
        ),
    ] {
        let marked: Vec<(&Field<'_>, Span)> = container
            .fields
            .iter()
            .filter_map(|f| span_of(f).map(|s| (f, s)))
            .collect();
        match marked.as_slice() {
            [] => cx.error_spanned_by(
                &container.original.ident,
                format!("no `#[gate({role})]` field: add one, e.g. `#[gate({role})] {role}: asyncgate_config::{type_name},`"),
            ),
            [_] => {}
            [(first, _), rest @ ..] => {
                for (_, span) in rest {
                    cx.error_at(*span, format!("only one field can be `#[gate({role})]`; `{}` already is", first.ident));
                }
            }
        }
    }
}

/// Two settings must not read the same variable (including `NAME_FILE`).
fn check_env_collisions(cx: &mut Ctxt, container: &Container<'_>, fields: &[FieldModel<'_>]) {
    let prefix = container
        .attrs
        .prefix
        .as_ref()
        .map_or_else(String::new, LitStr::value);
    let config_file = format!("{prefix}_CONFIG_FILE");
    let platform = format!("{prefix}_PLATFORM");
    let mut seen: Vec<(String, &syn::Ident)> = Vec::new();
    for field in fields {
        let names = std::iter::once((field.env.clone(), false))
            .chain(field.file_env().map(|v| (v, false)))
            .chain(field.aliases.iter().map(|a| (a.clone(), true)));
        for (var, is_alias) in names {
            if var == config_file {
                cx.error_spanned_by(field.ident, format!("`{}` would read {var}, which names the config file; rename the field or set `env = \"...\"`", field.name));
            } else if var == platform {
                cx.error_spanned_by(field.ident, format!("`{}` would read {var}, which forces or switches off instance-id detection; rename the field or set `env = \"...\"`", field.name));
            } else if let Some((_, other)) = seen.iter().find(|(v, _)| *v == var) {
                let message = if is_alias {
                    format!(
                        "the alias {var} of `{}` is a variable `{other}` reads already; remove the alias, or rename one of them",
                        field.name
                    )
                } else {
                    format!(
                        "`{}` and `{other}` would both read {var}; give one of them `env = \"...\"`",
                        field.name
                    )
                };
                cx.error_spanned_by(field.ident, message);
            } else {
                seen.push((var, field.ident));
            }
        }
    }
}
