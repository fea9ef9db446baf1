//! The validated model: what the engine evaluates and reports on.
//!
//! Everything here has been checked by [`crate::load`]: ids are unique and
//! resolve, regexes and globs compile, numbers are in range. The engine never
//! sees raw TOML.

mod attestation;
mod check;
mod framework;
pub(crate) mod id;
mod import;
mod pointer;
mod project;
mod risk;
mod source;
mod waiver;

pub use attestation::{Attestation, EvidenceFile, Validity};
pub use check::{
    Assertion, AssertionDoc, AssertionSpec, Check, CheckDoc, CheckKind, Example, ExampleInput,
    FileSelector, PatternUse, RecordCheck, Severity,
};
pub use framework::{Control, ControlRef, Framework, Function, Mitigation, Selection};
pub use id::{CheckId, ControlId, FrameworkId, RiskId};
pub use import::{ImportFormat, ImportSpec, ImportedCheck};
pub use pointer::Pointer;
pub use project::Project;
pub use risk::{LossRange, Occurrence, Risk};
pub use source::{ExportKind, ExportSpec, Format, RecordSource};
pub use waiver::{Waiver, WaiverPolicy, WaiverTarget};

use std::collections::BTreeMap;

/// Where a definition came from: embedded in the binary or the project's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Display name of the file, e.g. `<builtin>/policies/repository.toml`.
    pub file: String,
    /// 1-based line of the definition's first key.
    pub line: usize,
}

/// Every definition assay knows about after loading, keyed by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub checks: BTreeMap<CheckId, Check>,
    pub frameworks: BTreeMap<FrameworkId, Framework>,
    pub risks: BTreeMap<RiskId, Risk>,
}

impl Catalog {
    /// Controls of every framework that name `check`.
    pub fn controls_using(&self, check: &CheckId) -> Vec<ControlRef<'_>> {
        self.all_controls()
            .filter(|c| c.control.checks.contains(check))
            .collect()
    }

    /// Controls of every framework that mitigate `risk`.
    pub fn controls_mitigating(&self, risk: &RiskId) -> Vec<ControlRef<'_>> {
        self.all_controls()
            .filter(|c| c.control.mitigates.iter().any(|m| &m.risk == risk))
            .collect()
    }

    /// Every control of every framework, in framework then file order.
    pub fn all_controls(&self) -> impl Iterator<Item = ControlRef<'_>> {
        self.frameworks.values().flat_map(|framework| {
            framework
                .controls
                .iter()
                .map(move |control| ControlRef { framework, control })
        })
    }
}
