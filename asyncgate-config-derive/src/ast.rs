//! A borrowed view of the derive input with its attributes parsed.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::attr::{ContainerAttrs, FieldAttrs};
use crate::ctxt::Ctxt;

pub(crate) struct Container<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) attrs: ContainerAttrs,
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) doc: String,
}

pub(crate) struct Field<'a> {
    pub(crate) original: &'a syn::Field,
    pub(crate) ident: &'a syn::Ident,
    pub(crate) attrs: FieldAttrs,
    pub(crate) doc: String,
}

impl<'a> Container<'a> {
    /// `None` (with an error in `cx`) when the input is not a struct with named fields.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = ContainerAttrs::parse(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(fields) => {
                    cx.error_spanned_by(
                        fields,
                        "`GateConfig` needs a struct with named fields: each field name gives a setting its env var",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        "`GateConfig` needs a struct with named fields, found a unit struct",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_at(
                    data.enum_token.span(),
                    "`GateConfig` can only be derived for structs with named fields, not enums",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_at(
                    data.union_token.span(),
                    "`GateConfig` can only be derived for structs with named fields, not unions",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                Some(Field {
                    original: field,
                    ident,
                    attrs: FieldAttrs::parse(cx, &field.attrs),
                    doc: doc_of(&field.attrs),
                })
            })
            .collect();
        Some(Container {
            original: input,
            attrs,
            fields,
            doc: doc_of(&input.attrs),
        })
    }
}

/// The doc comment: each line without its first space, joined, trimmed.
pub(crate) fn doc_of(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    lines.join("\n").trim().to_owned()
}
