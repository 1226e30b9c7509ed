//! Tests of the workspace: trybuild UI cases and end-to-end runs of the `asyncgate` binary.
#![forbid(unsafe_code)]
