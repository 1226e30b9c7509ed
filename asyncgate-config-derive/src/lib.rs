//! `#[derive(GateConfig)]` for `asyncgate-config`. Use it through
//! `asyncgate_config::GateConfig`; every attribute is documented, with a
//! runnable example, on the derive itself ([`GateConfig`]).
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod check;
mod ctxt;
mod dummy;
mod enum_section;
mod expand;
mod model;
mod paths;
mod symbol;
mod ty;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

#[doc = include_str!("../ATTRIBUTES.md")]
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
