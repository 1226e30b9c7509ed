//! The stub impl emitted when the derive fails, so that the user sees the
//! derive's own errors and no follow-on "trait not implemented" errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub(crate) fn impl_stub(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let krate = quote!(::asyncgate_config);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::asyncgate_config::GateConfig for #ident #ty_generics #where_clause {
            fn schema() -> &'static #krate::Schema {
                ::core::unreachable!()
            }
            fn __resolve(_: &mut #krate::__private::Resolver<'_>) -> ::core::option::Option<Self> {
                ::core::unreachable!()
            }
            fn __check(&self, _: &mut #krate::validate::Checks<'_>) {
                ::core::unreachable!()
            }
        }
    }
}
