//! Definitions embedded in the binary: policies, frameworks and the generic risk catalog.

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// Prefix of built-in file names in diagnostics and reports.
pub const PREFIX: &str = "<builtin>";
