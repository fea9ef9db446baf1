//! assay: compliance-as-code evaluation tied to ranked risk.
//!
//! Data flows one way: [`load`] turns TOML definitions into a validated
//! [`model::Catalog`]; [`walk`] lists a repository once; [`engine`] evaluates
//! every check in parallel and rolls results up to controls; [`report`]
//! renders the result. No module reaches back up this chain.

pub mod baseline;
pub mod builtin;
pub mod check;
pub mod cli;
pub mod confine;
pub mod dockerfile;
pub mod engine;
pub mod evidence;
pub mod explain;
pub mod fingerprint;
pub mod gate;
pub mod git;
pub mod import;
pub mod init;
pub mod inputs;
pub mod load;
pub mod model;
pub mod name;
pub mod outcome;
pub mod policy_test;
pub mod redact;
pub mod report;
pub mod risk;
pub mod run;
pub mod schema;
pub mod since;
pub mod source;
pub mod time;
pub mod walk;
