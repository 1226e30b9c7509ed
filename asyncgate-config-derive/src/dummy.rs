//! The stub impl emitted when the derive fails, so that the user sees the
//! derive's own errors and no follow-on "trait not implemented" errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::paths::{private_path, runtime_path};

/// The path named by `#[gate(crate = "...")]`, read leniently: the stub is
/// emitted when parsing failed.
fn stub_runtime_path(input: &DeriveInput) -> TokenStream {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("gate")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let value: syn::LitStr = meta.value()?.parse()?;
                found = value.parse::<syn::Path>().ok();
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in meta.input);
                content.parse::<TokenStream>()?;
            }
            Ok(())
        });
    }
    runtime_path(found.as_ref())
}

pub(crate) fn impl_stub(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let krate = stub_runtime_path(input);
    let private = private_path(&krate);
    // Both traits, whichever the struct was meant to be: a top-level
    // struct or a `#[gate(section)]` used by another derive.
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Section for #ident #ty_generics #where_clause {
            const __FIELDS: &'static [#krate::FieldSchema] = &[];
            const __CHECK_FN: ::core::option::Option<&'static str> = ::core::option::Option::None;
            fn __resolve(_: &mut #private::FieldReader<'_>) -> ::core::option::Option<Self> {
                ::core::unreachable!()
            }
            fn __check(&self, _: &mut #krate::validate::Checks<'_>) {
                ::core::unreachable!()
            }
        }
        #[automatically_derived]
        impl #impl_generics #krate::GateConfig for #ident #ty_generics #where_clause {
            const __FIELDS: &'static [#krate::FieldSchema] = &[];
            fn schema() -> &'static #krate::Schema {
                ::core::unreachable!()
            }
            fn __resolve(_: &mut #private::FieldReader<'_>) -> ::core::option::Option<Self> {
                ::core::unreachable!()
            }
            fn __check(&self, _: &mut #krate::validate::Checks<'_>) {
                ::core::unreachable!()
            }
        }
    }
}
