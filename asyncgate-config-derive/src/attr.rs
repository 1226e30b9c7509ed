//! Parsing `#[gate(...)]` on the struct and on fields. Only syntax is
//! checked here; what the keys mean together is the `check` module's job.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitStr, Token, UnOp};

use crate::ctxt::Ctxt;
use crate::symbol::*;

/// `#[gate(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) prefix: Option<LitStr>,
    pub(crate) check: Option<syn::Path>,
    /// `crate = "path"`: where the runtime is, for renamed dependencies.
    pub(crate) krate: Option<syn::Path>,
    pub(crate) deny_unknown: Option<Span>,
    /// `section`: a group of settings that another struct nests.
    pub(crate) section: Option<Span>,
    /// `allow_unknown = "APP_LEGACY_*"`, any number of times: names under
    /// the prefix that no setting reads and that are not reported.
    pub(crate) allow_unknown: Vec<LitStr>,
    /// `service_name = "orders-api"`: telemetry's `service.name`.
    pub(crate) service_name: Option<LitStr>,
    /// On an enum section: `tag = "backend"`, the selecting setting's name.
    pub(crate) tag: Option<LitStr>,
    /// On an enum section: `default = "file"`, the variant when none is set.
    pub(crate) default: Option<LitStr>,
}

/// A name in a list such as `required_in(staging, production)`.
pub(crate) struct Named {
    pub(crate) name: String,
    pub(crate) span: Span,
}

/// A key that takes a list: its own span and the names inside.
pub(crate) struct NameList {
    pub(crate) key: Span,
    pub(crate) names: Vec<Named>,
}

/// The literal of `default = ...`.
pub(crate) enum DefaultLit {
    Str(LitStr),
    /// An integer, float or bool literal, possibly negated; with its text.
    Typed {
        expr: Expr,
        text: String,
    },
}

/// `#[gate(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) environment: Option<Span>,
    pub(crate) instance_id: Option<Span>,
    pub(crate) detect: Option<NameList>,
    pub(crate) strict: Option<Span>,
    pub(crate) default: Option<(Span, DefaultLit)>,
    pub(crate) secret: Option<Span>,
    pub(crate) required_in: Option<NameList>,
    pub(crate) forbidden_in: Option<NameList>,
    pub(crate) env: Option<LitStr>,
    /// `alias = "OLD_NAME"`, any number of times.
    pub(crate) aliases: Vec<LitStr>,
    /// `names(qa = "staging", ...)`: the key's span and each name with its tier.
    pub(crate) names: Option<(Span, Vec<(Named, LitStr)>)>,
    /// `nested`: the field holds a `#[gate(section)]` struct.
    pub(crate) nested: Option<Span>,
    /// `min_len = 16`: with `secret`, the fewest characters a secret may
    /// have in staging and production.
    pub(crate) min_len: Option<syn::LitInt>,
}

fn key_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path.get_ident().map_or_else(
        || quote::ToTokens::to_token_stream(&meta.path).to_string(),
        ToString::to_string,
    )
}

fn duplicate(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) {
    cx.error_spanned_by(&meta.path, format!("duplicate `{}` key", key_name(meta)));
}

/// A flag key (`secret`, `deny_unknown`...) takes no value: `= ...` or
/// `(...)` after it is an error that says so, and is skipped.
fn flag(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Span> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        let name = key_name(meta);
        cx.error_spanned_by(
            &meta.path,
            format!("`{name}` takes no value: write `#[gate({name})]`, or leave it out"),
        );
        skip_value(meta)?;
    }
    Ok(meta.path.span())
}

/// Skips the value of a key we could not use, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

fn unknown_key(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    here: &'static [&'static str],
    other_place: (&'static [&'static str], &str),
) {
    let name = key_name(meta);
    let (other_keys, other_where) = other_place;
    if other_keys.contains(&name.as_str()) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{name}` belongs on {other_where}, not here"),
        );
    } else {
        cx.error_spanned_by(
            &meta.path,
            format!(
                "unknown `gate` key `{name}`: {}",
                expected_one_of(&name, here.iter().copied())
            ),
        );
    }
}

impl ContainerAttrs {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = ContainerAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(GATE)) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(PREFIX) {
                    // #[gate(prefix = "ASYNCGATE")]
                    let value: LitStr = meta.value()?.parse()?;
                    if out.prefix.is_some() {
                        duplicate(cx, &meta);
                    } else {
                        out.prefix = Some(value);
                    }
                } else if meta.path.is_ident(SERVICE_NAME) {
                    // #[gate(service_name = "orders-api")]
                    let value: LitStr = meta.value()?.parse()?;
                    if out.service_name.is_some() {
                        duplicate(cx, &meta);
                    } else {
                        out.service_name = Some(value);
                    }
                } else if meta.path.is_ident(TAG) || meta.path.is_ident(DEFAULT) {
                    // On an enum section: #[gate(section, tag = "backend", default = "file")]
                    let value: LitStr = meta.value()?.parse()?;
                    let slot = if meta.path.is_ident(TAG) {
                        &mut out.tag
                    } else {
                        &mut out.default
                    };
                    if slot.is_some() {
                        duplicate(cx, &meta);
                    } else {
                        *slot = Some(value);
                    }
                } else if meta.path.is_ident(CHECK) {
                    // #[gate(check = path::to::function)]
                    let value: syn::Path = meta.value()?.parse()?;
                    if out.check.is_some() {
                        duplicate(cx, &meta);
                    } else {
                        out.check = Some(value);
                    }
                } else if meta.path.is_ident(DENY_UNKNOWN) {
                    // #[gate(deny_unknown)]
                    let span = flag(cx, &meta)?;
                    if out.deny_unknown.is_some() {
                        duplicate(cx, &meta);
                    } else {
                        out.deny_unknown = Some(span);
                    }
                } else if meta.path.is_ident(ALLOW_UNKNOWN) {
                    // #[gate(allow_unknown = "APP_LEGACY_*")]
                    out.allow_unknown.push(meta.value()?.parse()?);
                } else if meta.path.is_ident(SECTION) {
                    // #[gate(section)]
                    let span = flag(cx, &meta)?;
                    if out.section.is_some() {
                        duplicate(cx, &meta);
                    } else {
                        out.section = Some(span);
                    }
                } else if meta.path.is_ident(CRATE) {
                    // #[gate(crate = "my_facade::asyncgate_config")]
                    let value: LitStr = meta.value()?.parse()?;
                    let path: syn::Path = value.parse().map_err(|_| {
                        syn::Error::new(
                            value.span(),
                            format!(
                                "`crate` takes the path of the asyncgate_config crate, such as \"my_facade::asyncgate_config\", not {:?}",
                                value.value()
                            ),
                        )
                    })?;
                    if out.krate.is_some() {
                        duplicate(cx, &meta);
                    } else {
                        out.krate = Some(path);
                    }
                } else {
                    unknown_key(cx, &meta, CONTAINER_KEYS, (FIELD_KEYS, "a field"));
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        out
    }
}

/// `(a, b, c)` after a key.
fn parse_names(meta: &ParseNestedMeta<'_>) -> syn::Result<NameList> {
    let mut names = Vec::new();
    meta.parse_nested_meta(|inner| {
        let ident = inner
            .path
            .get_ident()
            .ok_or_else(|| inner.error("expected a name"))?;
        names.push(Named {
            name: ident.to_string(),
            span: ident.span(),
        });
        Ok(())
    })?;
    Ok(NameList {
        key: meta.path.span(),
        names,
    })
}

fn parse_default(meta: &ParseNestedMeta<'_>) -> syn::Result<DefaultLit> {
    let expr: Expr = meta.value()?.parse()?;
    let text = match &expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => return Ok(DefaultLit::Str(s.clone())),
        Expr::Lit(ExprLit { lit, .. }) => lit_text(lit),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit {
                lit: lit @ (Lit::Int(_) | Lit::Float(_)),
                ..
            }) => lit_text(lit).map(|t| format!("-{t}")),
            _ => None,
        },
        _ => None,
    };
    match text {
        Some(text) => Ok(DefaultLit::Typed { expr, text }),
        None => Err(syn::Error::new_spanned(
            &expr,
            "`default` takes a literal: a string, an integer, a float or `true`/`false`",
        )),
    }
}

fn lit_text(lit: &Lit) -> Option<String> {
    match lit {
        Lit::Int(i) => Some(i.base10_digits().to_owned()),
        Lit::Float(f) => Some(f.base10_digits().to_owned()),
        Lit::Bool(b) => Some(b.value.to_string()),
        _ => None,
    }
}

impl FieldAttrs {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = FieldAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(GATE)) {
            let result = attr.parse_nested_meta(|meta| {
                let span = meta.path.span();
                let is_flag = [ENVIRONMENT, INSTANCE_ID, STRICT, SECRET, NESTED]
                    .iter()
                    .any(|key| meta.path.is_ident(key));
                if is_flag {
                    flag(cx, &meta)?;
                }
                macro_rules! set_once {
                    ($slot:expr, $value:expr) => {{
                        let value = $value;
                        if $slot.is_some() {
                            duplicate(cx, &meta);
                        } else {
                            $slot = Some(value);
                        }
                    }};
                }
                if meta.path.is_ident(ENVIRONMENT) {
                    // #[gate(environment)]
                    set_once!(out.environment, span);
                } else if meta.path.is_ident(INSTANCE_ID) {
                    // #[gate(instance_id)]
                    set_once!(out.instance_id, span);
                } else if meta.path.is_ident(DETECT) {
                    // #[gate(detect(fly, kubernetes, ecs, cloud_run))]
                    set_once!(out.detect, parse_names(&meta)?);
                } else if meta.path.is_ident(STRICT) {
                    // #[gate(strict)]
                    set_once!(out.strict, span);
                } else if meta.path.is_ident(DEFAULT) {
                    // #[gate(default = 8080)] or #[gate(default = "text")]
                    set_once!(out.default, (span, parse_default(&meta)?));
                } else if meta.path.is_ident(SECRET) {
                    // #[gate(secret)]
                    set_once!(out.secret, span);
                } else if meta.path.is_ident(MIN_LEN) {
                    // #[gate(secret, min_len = 16)]
                    set_once!(out.min_len, meta.value()?.parse::<syn::LitInt>()?);
                } else if meta.path.is_ident(REQUIRED_IN) {
                    // #[gate(required_in(staging, production))]
                    set_once!(out.required_in, parse_names(&meta)?);
                } else if meta.path.is_ident(FORBIDDEN_IN) {
                    // #[gate(forbidden_in(staging, production))]
                    set_once!(out.forbidden_in, parse_names(&meta)?);
                } else if meta.path.is_ident(ENV) {
                    // #[gate(env = "EXACT_NAME")]
                    set_once!(out.env, meta.value()?.parse::<LitStr>()?);
                } else if meta.path.is_ident(NAMES) {
                    // #[gate(environment, names(qa = "staging", local = "development"))]
                    let mut names = Vec::new();
                    meta.parse_nested_meta(|inner| {
                        let ident = inner.path.get_ident().ok_or_else(|| {
                            inner.error("expected a name, such as `qa = \"staging\"`")
                        })?;
                        let tier: LitStr = inner.value()?.parse()?;
                        names.push((
                            Named {
                                name: ident.to_string(),
                                span: ident.span(),
                            },
                            tier,
                        ));
                        Ok(())
                    })?;
                    set_once!(out.names, (span, names));
                } else if meta.path.is_ident(NESTED) {
                    // #[gate(nested)]
                    set_once!(out.nested, span);
                } else if meta.path.is_ident(ALIAS) {
                    // #[gate(alias = "OLD_NAME")], repeatable
                    out.aliases.push(meta.value()?.parse::<LitStr>()?);
                } else {
                    unknown_key(cx, &meta, FIELD_KEYS, (CONTAINER_KEYS, "the struct"));
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        out
    }
}
