//! `#[derive(GateConfig)]` for `asyncgate-config`. Use it through
//! `asyncgate_config::GateConfig`; the attribute reference is in the README.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod check;
mod ctxt;
mod dummy;
mod expand;
mod symbol;
mod ty;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `asyncgate_config::GateConfig` for a struct with named fields.
#[proc_macro_derive(GateConfig, attributes(gate))]
pub fn derive_gate_config(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(|err| {
            let mut tokens = err.to_compile_error();
            tokens.extend(dummy::impl_stub(&input));
            tokens
        })
        .into()
}
