//! Where generated code reaches the runtime: the crate's path (renamed
//! dependencies and facades set it with `crate = "..."`) and its hidden,
//! version-named module.

use proc_macro2::TokenStream;
use quote::quote;

/// The runtime crate's path: `crate = "..."`, else `::asyncgate_config`.
pub(crate) fn runtime_path(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path),
        None => quote!(::asyncgate_config),
    }
}

/// `asyncgate_config::__private_<major>_<minor>`, named for the version of
/// this derive: a runtime of another version has no such module.
pub(crate) fn private_path(krate: &TokenStream) -> TokenStream {
    let module = quote::format_ident!("__private_{}_{}", version().0, version().1);
    quote!(#krate::#module)
}

/// The `const` every derive emits first: a derive and a runtime of
/// different versions fail with one clear error.
pub(crate) fn version_check(krate: &TokenStream) -> TokenStream {
    let (major, minor) = version();
    quote! {
        const _: () = <#krate::__version::DeriveVersion<#major, #minor>
            as #krate::__version::MatchesRuntime>::OK;
    }
}

/// This derive's major and minor version.
pub(crate) fn version() -> (u64, u64) {
    let mut parts = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}
