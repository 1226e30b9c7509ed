//! Code generation from the checked model.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::ast::Container;
use crate::attr::DefaultLit;
use crate::check::{self, FieldModel, Model, Role};
use crate::ctxt::Ctxt;
use crate::ty;

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let container = Container::from_ast(&mut cx, input);
    let model = container.as_ref().and_then(|c| check::check(&mut cx, c));
    cx.check()?;
    match model {
        Some(model) => Ok(emit(&model)),
        None => Err(syn::Error::new_spanned(
            &input.ident,
            "`GateConfig` could not be derived",
        )),
    }
}

fn emit(model: &Model<'_>) -> TokenStream {
    let ident = &model.input.ident;
    let private = quote!(::asyncgate_config::__private);
    let name = ident.to_string();
    let prefix = &model.prefix;
    let config_file_env = format!("{prefix}_CONFIG_FILE");
    let doc = model.doc;
    let count = model.fields.len();
    let field_schemas = model.fields.iter().map(|f| field_schema(f, &private));
    let resolve = resolve_fn(model, &private);
    let check = check_fn(model, &private);
    let assertions = model.fields.iter().map(compile_time_checks);

    quote! {
        #[automatically_derived]
        impl ::asyncgate_config::GateConfig for #ident {
            fn schema() -> &'static #private::Schema {
                static __GATE_FIELDS: [#private::FieldSchema; #count] = [#(#field_schemas),*];
                static __GATE_SCHEMA: #private::Schema =
                    #private::Schema::__new(#name, #prefix, #config_file_env, #doc, &__GATE_FIELDS);
                &__GATE_SCHEMA
            }

            #resolve

            #check
        }

        #(#assertions)*
    }
}

fn field_schema(f: &FieldModel<'_>, private: &TokenStream) -> TokenStream {
    let name = &f.name;
    let env = &f.env;
    let type_name = ty::display(f.ty);
    let mut tokens = quote!(#private::FieldSchema::__new(#name, #env, #type_name));
    if !f.doc.is_empty() {
        let doc = f.doc;
        tokens.extend(quote!(.__doc(#doc)));
    }
    if let Some(default) = f.default {
        let text = match default {
            DefaultLit::Str(lit) => lit.value(),
            DefaultLit::Typed { text, .. } => text.clone(),
        };
        tokens.extend(quote!(.__default(#text)));
    }
    if f.optional {
        tokens.extend(quote!(.__optional()));
    }
    if let Some(file_env) = f.file_env() {
        tokens.extend(quote!(.__secret(#file_env)));
    }
    match &f.role {
        Role::Setting => {}
        Role::Environment => tokens.extend(quote!(.__role(#private::Role::Environment))),
        Role::InstanceId { detect, strict } => {
            let platforms = detect.iter().map(|p| format_ident!("{}", p));
            tokens.extend(quote! {
                .__role(#private::Role::InstanceId { detect: &[#(#private::Platform::#platforms),*], strict: #strict })
            });
        }
    }
    for (method, envs) in [
        ("__required_in", &f.required_in),
        ("__forbidden_in", &f.forbidden_in),
    ] {
        if !envs.is_empty() {
            let method = format_ident!("{}", method);
            let envs = envs.iter().map(|e| format_ident!("{}", e));
            tokens.extend(quote!(.#method(&[#(#private::Environment::#envs),*])));
        }
    }
    tokens
}

fn resolve_fn(model: &Model<'_>, private: &TokenStream) -> TokenStream {
    let locals: Vec<_> = (0..model.fields.len())
        .map(|i| format_ident!("__gate_{}", i))
        .collect();
    let lets = model
        .fields
        .iter()
        .zip(&locals)
        .enumerate()
        .map(|(index, (f, local))| match f.role {
            Role::Environment => quote!(let #local = __gate_resolver.environment();),
            Role::InstanceId { .. } => quote!(let #local = __gate_resolver.instance_id();),
            Role::Setting => {
                let ty = f.ty;
                quote_spanned!(ty.span()=> let #local = __gate_resolver.field::<#ty>(#index);)
            }
        });
    let inits = model.fields.iter().zip(&locals).map(|(f, local)| {
        let ident = f.ident;
        quote!(#ident: #local?)
    });
    quote! {
        fn __resolve(__gate_resolver: &mut #private::Resolver<'_>) -> ::core::option::Option<Self> {
            #(#lets)*
            ::core::option::Option::Some(Self { #(#inits),* })
        }
    }
}

fn check_fn(model: &Model<'_>, private: &TokenStream) -> TokenStream {
    let mut body = TokenStream::new();
    for (index, f) in model.fields.iter().enumerate() {
        let ident = f.ident;
        let ty = f.ty;
        if !f.required_in.is_empty() {
            body.extend(quote_spanned! {ty.span()=>
                __gate_checks.__required(#index, #private::Optional::is_some_value(&self.#ident));
            });
        }
        if !f.forbidden_in.is_empty() {
            body.extend(quote_spanned! {ty.span()=>
                __gate_checks.__forbidden(#index, #private::IsSet::is_set(&self.#ident));
            });
        }
    }
    if let Some(path) = model.check {
        body.extend(quote_spanned! {path.span()=>
            let __gate_check: fn(&Self, &mut #private::Checks<'_>) = #path;
        });
        body.extend(quote!(__gate_check(self, __gate_checks);));
    }
    let checks = if body.is_empty() {
        quote!(_)
    } else {
        quote!(__gate_checks)
    };
    quote! {
        fn __check(&self, #checks: &mut #private::Checks<'_>) {
            #body
        }
    }
}

/// Checks that only the compiler can make, spanned on the user's tokens.
fn compile_time_checks(f: &FieldModel<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    // Paths are spelled inside `quote_spanned!` so that errors point at the
    // user's tokens, not at the derive.
    if f.secret {
        let ty = f.ty;
        out.extend(quote_spanned! {ty.span()=>
            const _: () = ::asyncgate_config::__private::assert_secret::<#ty>();
        });
    }
    if let Some(DefaultLit::Typed { expr, .. }) = f.default {
        let ty = f.default_ty;
        out.extend(quote_spanned! {expr.span()=>
            const _: fn() = || {
                let _: #ty = #expr;
            };
        });
    }
    out
}
