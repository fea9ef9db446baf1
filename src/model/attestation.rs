//! Attestations: a person's signed-off statement that a manual control
//! operated, with the evidence they point to, valid for a stated period.

use super::{ControlId, FrameworkId, Origin};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A statement that a manual control operates, from `date` until `expires`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attestation {
    pub framework: FrameworkId,
    pub control: ControlId,
    pub statement: String,
    pub attested_by: String,
    /// The first day the statement holds.
    pub date: Date,
    /// The first day it no longer holds: `date < expires`.
    pub expires: Date,
    pub evidence: Vec<EvidenceFile>,
    pub origin: Origin,
}

/// A file an attestation cites, as hashed when the project was loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    /// Relative to the project directory, as written.
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

/// Where an attestation stands on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    Valid,
    Expired,
    NotYetValid,
}

impl Attestation {
    pub fn validity(&self, on: Date) -> Validity {
        if on < self.date {
            Validity::NotYetValid
        } else if on >= self.expires {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// `framework:control`.
    pub fn qualified_control(&self) -> String {
        format!("{}:{}", self.framework, self.control)
    }
}
