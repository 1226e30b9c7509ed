//! The reference server `asyncgate` for `asyncgate-config`, and the pieces
//! its commands are made of.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod claims;
pub mod http;
pub mod serve;
pub mod server;
pub mod settings;
pub mod tasks;
