//! Waivers: a failing check or control accepted knowingly, by a named
//! approver, for a stated reason, until a date.

use super::{CheckId, ControlId, FrameworkId, Origin};
use globset::GlobMatcher;
use jiff::civil::Date;

/// What a waiver covers.
#[derive(Debug, Clone, PartialEq)]
pub enum WaiverTarget {
    /// The findings of one check (all, or those the narrowing matches).
    Check(CheckId),
    /// A control's status in its framework.
    Control {
        framework: FrameworkId,
        control: ControlId,
    },
}

/// A waiver from `assay.toml` or `waivers.toml`.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// As written, or `file:line` of its definition.
    pub id: String,
    pub target: WaiverTarget,
    /// Only findings in files matching this glob.
    pub path: Option<(String, GlobMatcher)>,
    /// Only findings about this item: a user, a resource address, a workload.
    pub item: Option<String>,
    pub justification: String,
    pub approver: String,
    pub ticket: Option<String>,
    /// When it was approved; its lifetime counts from here (else from the as-of date).
    pub granted: Option<Date>,
    /// The first day it no longer applies.
    pub expires: Date,
    pub origin: Origin,
}

/// `[waiver_policy]` in `assay.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaiverPolicy {
    /// The longest a waiver may last, in days.
    pub max_days: i64,
    /// Warn when a waiver expires within this many days.
    pub warn_days: i64,
}

impl Default for WaiverPolicy {
    fn default() -> Self {
        Self {
            max_days: 365,
            warn_days: 14,
        }
    }
}

impl Waiver {
    /// Whether it covers every finding of its target: no path, no item. Only
    /// such a waiver can cover findings past `--max-findings`, which are
    /// counted but not known.
    pub fn covers_all(&self) -> bool {
        self.path.is_none() && self.item.is_none()
    }

    /// Whether the waiver narrows to this finding's file and item.
    pub fn narrows_to(&self, path: Option<&str>, label: Option<&str>) -> bool {
        let path_ok = match (&self.path, path) {
            (None, _) => true,
            (Some((_, glob)), Some(p)) => glob.is_match(p),
            (Some(_), None) => false,
        };
        let item_ok = match (&self.item, label) {
            (None, _) => true,
            (Some(item), Some(l)) => item == l,
            (Some(_), None) => false,
        };
        path_ok && item_ok
    }
}
