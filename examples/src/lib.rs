//! The reference server `asyncgate` for `asyncgate-config`, and the pieces
//! its commands are made of.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod check;
pub mod claims;
pub mod env_doc;
pub mod server;
pub mod settings;
