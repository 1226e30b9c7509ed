//! `#[derive(GateConfig)]` on an enum: an enum section, a backend chosen by
//! name. Each variant holds one section (`Postgres(PgStore)`) or nothing
//! (`Memory`); a tag setting (`kind` unless `tag = "..."`) selects the
//! variant, read from the section's own variable (`ORDERS_STORE=postgres`)
//! or its table (`[store] kind = "postgres"`). Only the selected variant's
//! settings are read; another variant's that are set are reported.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DataEnum, DeriveInput, Fields, Type};

use crate::attr::ContainerAttrs;
use crate::ctxt::Ctxt;

/// One variant: its name as settings spell it and the section it holds.
struct Variant<'a> {
    ident: &'a syn::Ident,
    name: String,
    section: Option<&'a Type>,
}

/// The checked enum section.
struct EnumModel<'a> {
    input: &'a DeriveInput,
    krate: TokenStream,
    tag: String,
    default: Option<String>,
    doc: String,
    variants: Vec<Variant<'a>>,
}

pub(crate) fn derive(input: &DeriveInput, data: &DataEnum) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let model = check(&mut cx, input, data);
    cx.check()?;
    match model {
        Some(model) => Ok(emit(&model)),
        None => Err(syn::Error::new_spanned(
            &input.ident,
            "`GateConfig` could not be derived",
        )),
    }
}

/// `AzureBlob` → `azure_blob`.
fn snake_case(ident: &syn::Ident) -> String {
    let mut out = String::new();
    for (i, c) in ident.to_string().chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn check<'a>(cx: &mut Ctxt, input: &'a DeriveInput, data: &'a DataEnum) -> Option<EnumModel<'a>> {
    let attrs = ContainerAttrs::parse(cx, &input.attrs);
    if attrs.section.is_none() {
        cx.error_spanned_by(
            &input.ident,
            "an enum derives `GateConfig` as a section only: add `#[gate(section)]`, and nest it in a settings struct with `#[gate(nested)]`",
        );
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "`GateConfig` does not support generic enums: its schema is a single `static`",
        );
    }
    let misplaced = [
        ("prefix", attrs.prefix.as_ref().map(Spanned::span)),
        ("check", attrs.check.as_ref().map(Spanned::span)),
        ("deny_unknown", attrs.deny_unknown),
        (
            "service_name",
            attrs.service_name.as_ref().map(Spanned::span),
        ),
        (
            "allow_unknown",
            attrs.allow_unknown.first().map(Spanned::span),
        ),
    ];
    for (key, span) in misplaced {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!("`{key}` does not go on an enum section: put it on the struct that is loaded, or on the variants' sections"),
            );
        }
    }
    let mut variants: Vec<Variant<'a>> = Vec::new();
    for variant in &data.variants {
        if let Some(attr) = variant.attrs.iter().find(|a| a.path().is_ident("gate")) {
            cx.error_spanned_by(
                attr,
                "a variant of an enum section takes no `gate` keys: its name (in snake_case) names it, and its section's fields carry the keys",
            );
        }
        let section = match &variant.fields {
            Fields::Unit => None,
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => Some(&fields.unnamed[0].ty),
            other => {
                cx.error_spanned_by(
                    other,
                    format!(
                        "a variant of an enum section holds one section or nothing: write `{}(SomeSection)` or `{}`",
                        variant.ident, variant.ident
                    ),
                );
                None
            }
        };
        let name = snake_case(&variant.ident);
        if let Some(first) = variants.iter().find(|v| v.name == name) {
            cx.error_spanned_by(
                &variant.ident,
                format!(
                    "the variants `{}` and `{}` are both named `{name}` in settings: rename one",
                    first.ident, variant.ident
                ),
            );
        }
        variants.push(Variant {
            ident: &variant.ident,
            name,
            section,
        });
    }
    if variants.is_empty() {
        cx.error_spanned_by(&input.ident, "an enum section needs at least one variant");
    }
    let tag = attrs
        .tag
        .as_ref()
        .map_or_else(|| "kind".to_owned(), |lit| lit.value());
    let valid_tag = tag.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && tag
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let tag_span = attrs
        .tag
        .as_ref()
        .map_or_else(|| input.ident.span(), Spanned::span);
    if !valid_tag {
        cx.error_at(
            tag_span,
            format!("invalid tag {tag:?}: use a lower-case name such as \"kind\" or \"backend\""),
        );
    }
    if let Some(clash) = variants.iter().find(|v| v.name == tag) {
        cx.error_at(
            tag_span,
            format!(
                "the tag `{tag}` is also the name of the variant `{}`, whose settings sit under `{tag}`: choose another tag (`tag = \"...\"`)",
                clash.ident
            ),
        );
    }
    let default = attrs.default.as_ref().map(|lit| {
        let value = lit.value();
        if !variants.iter().any(|v| v.name == value) {
            let mut names: Vec<String> = variants.iter().map(|v| format!("`{}`", v.name)).collect();
            names.dedup();
            cx.error_spanned_by(
                lit,
                format!(
                    "`default` names no variant: expected one of {}",
                    names.join(", ")
                ),
            );
        }
        value
    });
    Some(EnumModel {
        input,
        krate: crate::paths::runtime_path(attrs.krate.as_ref()),
        tag,
        default,
        doc: crate::ast::doc_of(&input.attrs),
        variants,
    })
}

fn emit(model: &EnumModel<'_>) -> TokenStream {
    let ident = &model.input.ident;
    let krate = &model.krate;
    let private = crate::paths::private_path(krate);
    let names: Vec<&str> = model.variants.iter().map(|v| v.name.as_str()).collect();
    let tag = &model.tag;
    let type_name = format!("one of {}", names.join(", "));
    let tag_doc = if model.doc.is_empty() {
        format!("Which {}: {}.", ident, names.join(", "))
    } else {
        model.doc.clone()
    };
    let default = model.default.as_ref().map(|d| quote!(.__default(#d)));
    // The tag first (own index 0), then one nested field per variant that
    // holds a section, in declaration order.
    let sectioned: Vec<(usize, &Variant<'_>, &Type)> = model
        .variants
        .iter()
        .filter_map(|v| v.section.map(|ty| (v, ty)))
        .enumerate()
        .map(|(i, (v, ty))| (i + 1, v, ty))
        .collect();
    let nested_fields = sectioned.iter().map(|(_, v, ty)| {
        let name = &v.name;
        let env = v.name.to_ascii_uppercase();
        let type_name = crate::ty::display(ty);
        quote_spanned! {ty.span()=>
            #krate::FieldSchema::__new(#name, #env, #type_name)
                .__relative()
                .__nested(<#ty as #krate::Section>::__FIELDS)
            .__repeat(<#ty as #krate::Section>::__REPEAT)
                .__section_check(<#ty as #krate::Section>::__CHECK_FN)
        }
    });
    let offset = |own: usize| quote!(const { #private::flat_offset(<#ident as #krate::Section>::__FIELDS, #own) });
    let probes = sectioned.iter().map(|(own, v, ty)| {
        let (name, at) = (&v.name, offset(*own));
        quote! {
            let _ = __gate_reader.__section(#at, #name, <#ty as #krate::Section>::__resolve);
        }
    });
    let arms = model.variants.iter().enumerate().map(|(position, v)| {
        let variant = v.ident;
        let unselected = model
            .variants
            .iter()
            .filter(|other| other.section.is_some() && other.name != v.name)
            .map(|other| {
                let (other_name, selected) = (&other.name, &v.name);
                quote!(__gate_reader.__unselected(#other_name, #selected);)
            });
        let value = match sectioned.iter().find(|(_, s, _)| s.name == v.name) {
            Some((own, _, ty)) => {
                let (name, at) = (&v.name, offset(*own));
                quote! {
                    __gate_reader
                        .__section(#at, #name, <#ty as #krate::Section>::__resolve)
                        .map(#ident::#variant)
                }
            }
            None => quote!(::core::option::Option::Some(#ident::#variant)),
        };
        quote! {
            #position => {
                #(#unselected)*
                #value
            }
        }
    });
    let checks = sectioned.iter().map(|(_, v, ty)| {
        let (variant, name) = (v.ident, &v.name);
        let section = format_ident!("__gate_section");
        quote! {
            #ident::#variant(#section) => {
                __gate_checks.__section(#name, |__gate_inner| {
                    <#ty as #krate::Section>::__check(#section, __gate_inner);
                });
            }
        }
    });
    let version_check = crate::paths::version_check(krate);
    quote! {
        #version_check

        #[automatically_derived]
        #[allow(
            unused_qualifications,
            unused_results,
            unreachable_patterns,
            clippy::absolute_paths,
            clippy::pedantic,
            clippy::nursery,
            clippy::match_single_binding
        )]
        impl #krate::Section for #ident {
            const __FIELDS: &'static [#krate::FieldSchema] = &[
                #krate::FieldSchema::__new(#tag, "", #type_name)
                    .__relative()
                    .__doc(#tag_doc)
                    .__role(#krate::Role::Tag { variants: &[#(#names),*] })
                    #default,
                #(#nested_fields),*
            ];
            const __CHECK_FN: ::core::option::Option<&'static str> = ::core::option::Option::None;

            fn __resolve(__gate_reader: &mut #private::FieldReader<'_>) -> ::core::option::Option<Self> {
                if __gate_reader.__probing() {
                    // A probe of the shapes reads every variant.
                    #(#probes)*
                }
                match __gate_reader.__tag(0, &[#(#names),*])? {
                    #(#arms)*
                    _ => ::core::option::Option::None,
                }
            }

            fn __check(&self, __gate_checks: &mut #krate::validate::Checks<'_>) {
                match self {
                    #(#checks)*
                    _ => {}
                }
            }
        }
    }
}
