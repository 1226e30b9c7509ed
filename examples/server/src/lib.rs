//! The reference server `asyncgate` for `asyncgate-config`, and the pieces
//! its commands are made of.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod claims;
pub mod listener;
pub mod routes;
pub mod settings;
pub mod start;
pub mod sweep;
pub mod tasks;
