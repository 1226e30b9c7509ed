//! Code generation from the checked model.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::ast::Container;
use crate::attr::DefaultLit;
use crate::check;
use crate::ctxt::Ctxt;
use crate::model::{FieldModel, Model, Role};
use crate::ty;

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    if let syn::Data::Enum(data) = &input.data {
        return crate::enum_section::derive(input, data);
    }
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
    let krate = &model.krate;
    let private = crate::paths::private_path(krate);
    let field_schemas = model.fields.iter().map(|f| field_schema(f, krate));
    let fields_const = quote! {
        const __FIELDS: &'static [#krate::FieldSchema] = &[#(#field_schemas),*];
    };
    let trait_path = if model.section {
        quote!(#krate::Section)
    } else {
        quote!(#krate::GateConfig)
    };
    let resolve = resolve_fn(model, &private, &trait_path);
    let assertions = model
        .fields
        .iter()
        .map(|f| compile_time_checks(f, &private));
    let check = check_fn(model, krate);
    let body = if model.section {
        let check_name = match model.check {
            Some(path) => {
                let text = check_fn_name(path);
                quote!(::core::option::Option::Some(#text))
            }
            None => quote!(::core::option::Option::None),
        };
        quote! {
            #fields_const
            const __CHECK_FN: ::core::option::Option<&'static str> = #check_name;
            #resolve
            #check
        }
    } else {
        let schema = schema_fn(model, krate);
        quote! {
            #fields_const
            #schema
            #resolve
            #check
        }
    };
    let (distinct, rule_environments) = cross_section_asserts(model, &private, &trait_path);
    let inherent = inherent_impl(model);

    let version_check = crate::paths::version_check(krate);
    quote! {
        // A derive and a runtime of different versions: one clear error first.
        #version_check

        #[automatically_derived]
        #[allow(
            unused_qualifications,
            unused_results,
            clippy::absolute_paths,
            clippy::pedantic,
            clippy::nursery,
            clippy::used_underscore_binding
        )]
        impl #trait_path for #ident {
            #body
        }

        #inherent
        #distinct
        #rule_environments
        #(#assertions)*
    }
}

/// The `const` assertions a struct with sections needs: its composed
/// variable names are distinct, and its sections' rules name environments
/// it has. `None` for a struct without sections, and for a section.
fn cross_section_asserts(
    model: &Model<'_>,
    private: &TokenStream,
    trait_path: &TokenStream,
) -> (Option<TokenStream>, Option<TokenStream>) {
    let ident = &model.input.ident;
    // Names composed across sections are only known here, at compile time.
    let distinct = (model.has_nested && !model.section).then(|| {
        let config_file_env = format!("{}_CONFIG_FILE", model.prefix);
        // Every token at the struct's name, so that a collision's error
        // points there: a span joined from two places falls back to the
        // derive attribute.
        respanned(
            quote! {
                #[allow(unused_qualifications)]
                const _: () = #private::assert_distinct_vars(#config_file_env, <#ident as #trait_path>::__FIELDS);
                #[allow(unused_qualifications)]
                const _: () = #private::assert_repeats_not_nested(<#ident as #trait_path>::__FIELDS);
            },
            ident.span(),
        )
    });

    // Names in the rules of sections are only checked here, where the
    // struct's own environment names are known.
    let rule_environments = (model.has_nested && !model.section).then(|| {
        let names = model.environment_names.iter().map(|(name, _)| name);
        respanned(
            quote! {
                #[allow(unused_qualifications)]
                const _: () = #private::assert_rule_environments(<#ident as #trait_path>::__FIELDS, &[#(#names),*]);
            },
            ident.span(),
        )
    });
    (distinct, rule_environments)
}

/// `Settings::load()` and `Settings::loader()` as inherent functions.
fn inherent_impl(model: &Model<'_>) -> Option<TokenStream> {
    let ident = &model.input.ident;
    let krate = &model.krate;
    // `Settings::load()` and `Settings::loader()` without the trait in scope
    // (a derive written as `#[derive(asyncgate_config::GateConfig)]`).
    (!model.section).then(|| {
        let vis = &model.input.vis;
        quote! {
            #[automatically_derived]
            #[allow(dead_code, unreachable_pub, clippy::pedantic, clippy::nursery)]
            impl #ident {
                /// Loads these settings from the process environment, `.env`
                /// and the config file: `GateConfig::load`, callable without
                /// the trait in scope.
                #vis fn load() -> ::core::result::Result<#krate::Loaded<Self>, #krate::Report> {
                    <Self as #krate::GateConfig>::load()
                }

                /// A loader whose sources can be replaced: `GateConfig::loader`,
                /// callable without the trait in scope.
                #vis fn loader() -> #krate::load::Loader<Self> {
                    <Self as #krate::GateConfig>::loader()
                }
            }
        }
    })
}

fn schema_fn(model: &Model<'_>, krate: &TokenStream) -> TokenStream {
    let ident = &model.input.ident;
    let name = ident.to_string();
    let prefix = &model.prefix;
    let config_file_env = format!("{prefix}_CONFIG_FILE");
    let doc = model.doc;
    let check_name = model.check.map(|path| {
        let text = check_fn_name(path);
        quote!(.__check_fn(#text))
    });
    let deny_unknown = model.deny_unknown.then(|| quote!(.__deny_unknown()));
    let service_name = model
        .service_name
        .as_ref()
        .map(|name| quote!(.__service_name(#name)));
    let allow_unknown = (!model.allow_unknown.is_empty()).then(|| {
        let patterns = &model.allow_unknown;
        quote!(.__allow_unknown(&[#(#patterns),*]))
    });
    let environment_names = (!model.environment_names.is_empty()).then(|| {
        let names = model.environment_names.iter().map(|(name, tier)| {
            let tier = format_ident!("{}", tier);
            quote!((#name, #krate::Environment::#tier))
        });
        quote!(.__environment_names(&[#(#names),*]))
    });
    quote! {
        fn schema() -> &'static #krate::Schema {
            static __GATE_SCHEMA: #krate::Schema = #krate::Schema::__new(
                #name, #prefix, #config_file_env, #doc,
                <#ident as #krate::GateConfig>::__FIELDS,
            )#check_name #deny_unknown #allow_unknown #environment_names #service_name
            // Each setting's shape, for the JSON Schema: probed on demand.
            .__shapes(|| #krate::__private_0_1::FieldReader::__probe(
                <#ident as #krate::GateConfig>::schema(),
                <#ident as #krate::GateConfig>::__resolve,
            ));
            &__GATE_SCHEMA
        }
    }
}

fn field_schema(f: &FieldModel<'_>, krate: &TokenStream) -> TokenStream {
    let name = &f.name;
    let env = &f.env;
    let type_name = ty::display(f.ty);
    let mut tokens = quote!(#krate::FieldSchema::__new(#name, #env, #type_name));
    if f.relative {
        tokens.extend(quote!(.__relative()));
    }
    if f.nested {
        // Spanned on the type: "`String` is not a section" points at it.
        let ty = f.ty;
        tokens.extend(quote_spanned! {ty.span()=>
            .__nested(<#ty as #krate::Section>::__FIELDS)
            .__repeat(<#ty as #krate::Section>::__REPEAT)
            .__section_check(<#ty as #krate::Section>::__CHECK_FN)
        });
    }
    if !f.doc.is_empty() {
        let doc = f.doc;
        tokens.extend(quote!(.__doc(#doc)));
    }
    if !f.aliases.is_empty() {
        let aliases = &f.aliases;
        tokens.extend(quote!(.__aliases(&[#(#aliases),*])));
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
    if let Some(min_len) = f.min_len {
        tokens.extend(quote!(.__min_len(#min_len)));
    }
    match &f.role {
        Role::Setting => {}
        Role::Environment => tokens.extend(quote!(.__role(#krate::Role::Environment))),
        Role::InstanceId { detect, strict } => {
            let platforms = detect.iter().map(|p| format_ident!("{}", p));
            tokens.extend(quote! {
                .__role(#krate::Role::InstanceId { detect: &[#(#krate::Platform::#platforms),*], strict: #strict })
            });
        }
    }
    for (method, envs) in [
        ("__required_in", &f.required_in),
        ("__forbidden_in", &f.forbidden_in),
    ] {
        if !envs.is_empty() {
            let method = format_ident!("{}", method);
            tokens.extend(quote!(.#method(&[#(#envs),*])));
        }
    }
    tokens
}

/// `__resolve`: every field read, then the struct built when all parsed.
fn resolve_fn(model: &Model<'_>, private: &TokenStream, trait_path: &TokenStream) -> TokenStream {
    let locals: Vec<_> = (0..model.fields.len())
        .map(|i| format_ident!("__gate_{}", i))
        .collect();
    // Interpolated, not spelled, inside `quote_spanned!`: an identifier
    // spelled there takes the user's span, and a field type written by a
    // `macro_rules!` would then not see the parameter (hygiene).
    let r = format_ident!("__gate_reader");
    let lets = field_lets(model, private, trait_path, &locals, &r);
    if !model.has_nested {
        let inits = model.fields.iter().zip(&locals).map(|(f, local)| {
            let ident = f.ident;
            quote!(#ident: #local?)
        });
        return quote! {
            fn __resolve(__gate_reader: &mut #private::FieldReader<'_>) -> ::core::option::Option<Self> {
                #(#lets)*
                ::core::option::Option::Some(Self { #(#inits),* })
            }
        };
    }
    // With sections: when some setting did not parse, the sections that
    // did are handed to the reader, so that their checks still run.
    let inits = model.fields.iter().zip(&locals).map(|(f, local)| {
        let ident = f.ident;
        quote!(#ident: #local)
    });
    let partial: Vec<_> = model
        .fields
        .iter()
        .zip(&locals)
        .map(|(f, local)| if f.nested { quote!(#local) } else { quote!(_) })
        .collect();
    let keep = kept_sections(model, private, &locals, &r);
    quote! {
        fn __resolve(__gate_reader: &mut #private::FieldReader<'_>) -> ::core::option::Option<Self> {
            #(#lets)*
            match (#(#locals,)*) {
                (#(::core::option::Option::Some(#locals),)*) => {
                    ::core::option::Option::Some(Self { #(#inits),* })
                }
                (#(#partial,)*) => {
                    #(#keep)*
                    ::core::option::Option::None
                }
            }
        }
    }
}

/// One `let` per field: its value read through the field reader, at its
/// index among the flat settings.
fn field_lets(
    model: &Model<'_>,
    private: &TokenStream,
    trait_path: &TokenStream,
    locals: &[syn::Ident],
    r: &syn::Ident,
) -> Vec<TokenStream> {
    let ident = &model.input.ident;
    // A field's index among the flat settings: its own index, unless
    // sections before it hold several settings each.
    let flat_index = |index: usize| {
        if model.has_nested {
            quote!(const { #private::flat_offset(<#ident as #trait_path>::__FIELDS, #index) })
        } else {
            quote!(#index)
        }
    };
    model
        .fields
        .iter()
        .zip(locals)
        .enumerate()
        .map(|(index, (f, local))| match f.role {
            Role::Environment => quote!(let #local = #r.environment();),
            Role::InstanceId { .. } => quote!(let #local = #r.instance_id();),
            Role::Setting if f.nested => {
                let ty = f.ty;
                let index = flat_index(index);
                let name = &f.name;
                quote_spanned! {ty.span()=>
                    let #local = #r.__section(#index, #name, <#ty as #private::Section>::__resolve);
                }
            }
            Role::Setting => {
                let index = flat_index(index);
                let ty = f.ty;
                // Through `Setting`, so a type that is not `Deserialize` gets
                // our message on the field, not a bound inside the reader.
                let mut tokens = quote_spanned! {ty.span()=>
                    let #local = <#ty as #private::Setting>::resolve(#r, #index);
                };
                // Whether the setting is on or present, for the rules that validation runs.
                if !f.required_in.is_empty() {
                    tokens.extend(quote_spanned! {ty.span()=>
                        if let ::core::option::Option::Some(__gate_value) = &#local {
                            #r.__set_on(#index, #private::Optional::is_some_value(__gate_value));
                        }
                    });
                }
                if !f.forbidden_in.is_empty() {
                    tokens.extend(quote_spanned! {ty.span()=>
                        if let ::core::option::Option::Some(__gate_value) = &#local {
                            #r.__set_on(#index, #private::IsSet::is_set(__gate_value));
                        }
                    });
                }
                tokens
            }
        })
        .collect()
}

/// With sections, when some setting did not parse: hands the sections that
/// did to the reader, so that their checks still run.
fn kept_sections(
    model: &Model<'_>,
    private: &TokenStream,
    locals: &[syn::Ident],
    r: &syn::Ident,
) -> Vec<TokenStream> {
    model
        .fields
        .iter()
        .zip(locals)
        .filter(|(f, _)| f.nested)
        .map(|(f, local)| {
            let (name, ty) = (&f.name, f.ty);
            // Spanned on the type, like the section's `__resolve`: a type
            // that is not a section gets one error there, not another here.
            // The binding is interpolated, not spelled in `quote_spanned!`
            // (hygiene, as for the reader above).
            let section = format_ident!("__gate_section");
            let boxed = quote_spanned! {ty.span()=>
                <#ty as #private::Section>::__parsed(#section)
            };
            quote! {
                if let ::core::option::Option::Some(#section) = #local {
                    #r.__parsed_section(#name, #boxed);
                }
            }
        })
        .collect()
}

/// How reports name a `check` function: its path as written.
fn check_fn_name(path: &syn::Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// `__check`: the checks of the nested sections (each under its path),
/// then the struct's own `check` function.
fn check_fn(model: &Model<'_>, krate: &TokenStream) -> TokenStream {
    let sections = model.fields.iter().filter(|f| f.nested).map(|f| {
        let (ident, ty, name) = (f.ident, f.ty, &f.name);
        quote! {
            __gate_checks.__section(#name, |__gate_section| {
                <#ty as #krate::Section>::__check(&self.#ident, __gate_section);
            });
        }
    });
    let own = model.check.map(|path| {
        // Spanned on the path, so a wrong signature points at it; the
        // binding is interpolated, not spelled in `quote_spanned!`, or it
        // would take the user's span and `macro_rules!` hygiene would hide
        // it from the call below.
        let binding = format_ident!("__gate_check");
        let check = quote_spanned! {path.span()=>
            let #binding: fn(&Self, &mut #krate::validate::Checks<'_>) = #path;
        };
        quote! {
            #check
            #binding(self, __gate_checks);
        }
    });
    if model.check.is_none() && !model.has_nested {
        return quote! {
            fn __check(&self, _: &mut #krate::validate::Checks<'_>) {}
        };
    }
    quote! {
        fn __check(&self, __gate_checks: &mut #krate::validate::Checks<'_>) {
            #(#sections)*
            #own
        }
    }
}

/// Checks that only the compiler can make, spanned on the user's tokens.
fn compile_time_checks(f: &FieldModel<'_>, private: &TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    // Paths are spelled inside `quote_spanned!` so that errors point at the
    // user's tokens, not at the derive.
    if f.secret_attr {
        let ty = f.ty;
        out.extend(quote_spanned! {ty.span()=>
            const _: () = <#ty as #private::SecretField>::OK;
        });
    }
    if let Some(DefaultLit::Str(lit)) = f.default
        && crate::ty::is(f.default_ty, "Duration")
    {
        out.extend(quote_spanned! {lit.span()=>
            const _: () = if !#private::duration_is_valid(#lit) {
                ::core::panic!("invalid duration in `default`: write a number and a unit, such as \"30s\", \"250ms\", \"1m30s\" or \"2h\"")
            };
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

/// `tokens` with every span set to `span`, inside groups too.
fn respanned(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            proc_macro2::TokenTree::Group(group) => {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respanned(group.stream(), span));
                inner.set_span(span);
                proc_macro2::TokenTree::Group(inner)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}
