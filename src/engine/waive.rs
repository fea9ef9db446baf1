//! Applying waivers: findings a waiver in force covers are marked with it;
//! a check whose every failing finding is covered is `waived`, and never
//! gates. A waiver that has expired, or would outlast the policy, stops
//! applying and says so; one that matches nothing is reported as unused.
//!
//! Inline waivers (`assay:ignore CHECK-ID -- reason` for the next line,
//! `assay:ignore-file CHECK-ID -- reason` for the whole file) live in the
//! scanned files themselves: the reason is required, and
//! `--no-inline-waivers` ignores them all, so a pull request cannot waive
//! its own findings unnoticed.

use crate::model::{Project, Waiver, WaiverPolicy, WaiverTarget};
use crate::outcome::{CheckResult, Status, WaiverReport, WaiverState};
use jiff::civil::Date;
use std::collections::BTreeMap;

const DIRECTIVE: &[u8] = b"assay:ignore";

/// An inline waiver found in a repository file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inline {
    pub path: String,
    /// 1-based line of the directive.
    pub line: u32,
    pub whole_file: bool,
    pub check: String,
    /// For a suppression: the tool's rule it suppressed, which a finding's
    /// label must be (one check may map several rules).
    pub rule: Option<String>,
    pub reason: Option<String>,
    /// For a suppression another scanner recorded (an imported SARIF
    /// `suppressions` entry, a `checkov:skip`): the tool and import it came
    /// from. It covers the finding on `line` itself, not the next line.
    pub suppressed_by: Option<String>,
}

impl Inline {
    /// Whether the directive covers a finding of its file.
    fn covers(&self, f: &crate::outcome::Finding) -> bool {
        let target = match self.suppressed_by {
            Some(_) => self.line,
            None => self.line.saturating_add(1),
        };
        let same_rule = self.rule.is_none() || self.rule == f.label;
        same_rule && (self.whole_file || f.line == Some(target))
    }
}

/// Every `assay:ignore` directive of a file; one pass with a substring search.
pub fn scan(path: &str, bytes: &[u8]) -> Vec<Inline> {
    let mut out = Vec::new();
    let finder = memchr::memmem::Finder::new(DIRECTIVE);
    for at in finder.find_iter(bytes) {
        let end = memchr::memchr(b'\n', bytes.get(at..).unwrap_or_default())
            .map_or(bytes.len(), |n| at + n);
        let rest =
            String::from_utf8_lossy(bytes.get(at + DIRECTIVE.len()..end).unwrap_or_default());
        let (whole_file, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest.as_ref()),
        };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let (check, reason) = match rest.split_once("--") {
            Some((c, r)) => (c.trim(), Some(clean_reason(r)).filter(|r| !r.is_empty())),
            None => (rest.trim(), None),
        };
        let check = check.split_whitespace().next().unwrap_or("").to_owned();
        if check.is_empty() {
            continue;
        }
        let line = memchr::memchr_iter(b'\n', bytes.get(..at).unwrap_or_default()).count() + 1;
        out.push(Inline {
            path: path.to_owned(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            whole_file,
            check,
            rule: None,
            reason,
            suppressed_by: None,
        });
    }
    out
}

/// The reason, without the comment's closing (`*/`, `-->`) or trailing blanks.
fn clean_reason(r: &str) -> String {
    let r = r.trim();
    let r = r
        .strip_suffix("*/")
        .or_else(|| r.strip_suffix("-->"))
        .unwrap_or(r);
    r.trim().to_owned()
}

/// Whether a waiver applies on `today`, and how it stands.
pub fn state(w: &Waiver, today: Date, policy: WaiverPolicy) -> WaiverState {
    let left = i64::from((w.expires - today).get_days());
    if today >= w.expires {
        WaiverState::Expired
    } else if w.granted.is_some_and(|g| today < g) {
        WaiverState::Pending
    } else if w.granted.is_none() && left > policy.max_days {
        WaiverState::TooLong
    } else if left <= policy.warn_days {
        WaiverState::Expiring
    } else {
        WaiverState::Active
    }
}

fn in_force(state: WaiverState) -> bool {
    matches!(state, WaiverState::Active | WaiverState::Expiring)
}

/// Marks waived findings and checks; returns how many findings each waiver covered.
pub fn apply(
    project: &Project,
    inline: &[Inline],
    use_inline: bool,
    results: &mut [CheckResult],
    today: Date,
) -> BTreeMap<String, usize> {
    let mut matched: BTreeMap<String, usize> = BTreeMap::new();
    let waivers: Vec<&Waiver> = project
        .waivers
        .iter()
        .filter(|w| in_force(state(w, today, project.waiver_policy)))
        .collect();
    // Directives by file: a finding looks only at those of its own file.
    let mut by_path: BTreeMap<&str, Vec<&Inline>> = BTreeMap::new();
    for i in inline.iter().filter(|i| use_inline && i.reason.is_some()) {
        by_path.entry(i.path.as_str()).or_default().push(i);
    }
    for result in results.iter_mut() {
        for f in result.findings.iter_mut().filter(|f| f.waiver.is_none()) {
            let declared = waivers.iter().find(|w| {
                matches!(&w.target, WaiverTarget::Check(id) if *id == result.id)
                    && w.narrows_to(f.path.as_deref(), f.label.as_deref())
            });
            let in_file = || {
                let path = f.path.as_deref().filter(|_| f.export.is_none())?;
                by_path
                    .get(path)?
                    .iter()
                    .find(|i| i.check == result.id.as_str() && i.covers(f))
            };
            let id = match declared {
                Some(w) => Some(w.id.clone()),
                None => in_file().map(|i| inline_id(i)),
            };
            if let Some(id) = id {
                *matched.entry(id.clone()).or_default() += 1;
                f.waiver = Some(id);
            }
        }
        // Findings past --max-findings are not known: only a waiver of the
        // whole check can be said to cover them.
        let whole = waivers.iter().find(|w| {
            matches!(&w.target, WaiverTarget::Check(id) if *id == result.id) && w.covers_all()
        });
        let omitted_covered = result.findings_omitted == 0 || whole.is_some();
        if let Some(w) = whole.filter(|_| result.findings_omitted > 0) {
            *matched.entry(w.id.clone()).or_default() += result.findings_omitted;
        }
        if result.status == Status::Fail
            && result.finding_count() > 0
            && omitted_covered
            && result.findings.iter().all(|f| f.waiver.is_some())
        {
            result.status = Status::Waived;
        }
    }
    matched
}

/// A control waiver in force for this control, when it covers every failing
/// finding of the control's checks (all of them, unless it is narrowed).
pub fn control_waiver<'p>(
    project: &'p Project,
    framework: &crate::model::FrameworkId,
    control: &crate::model::ControlId,
    checks: &[&CheckResult],
    today: Date,
) -> Option<&'p Waiver> {
    project.waivers.iter().find(|w| {
        matches!(&w.target, WaiverTarget::Control { framework: f, control: c } if f == framework && c == control)
            && in_force(state(w, today, project.waiver_policy))
            && checks
                .iter()
                .filter(|c| matches!(c.status, Status::Fail | Status::Waived))
                .all(|c| {
                    (c.findings_omitted == 0 || w.covers_all())
                        && c.findings
                            .iter()
                            .all(|f| w.narrows_to(f.path.as_deref(), f.label.as_deref()))
                })
    })
}

pub fn inline_id(i: &Inline) -> String {
    match i.suppressed_by {
        Some(_) => format!(
            "suppression:{}:{}:{}:{}",
            i.check,
            i.rule.as_deref().unwrap_or(""),
            i.path,
            i.line
        ),
        None => format!("inline:{}:{}", i.path, i.line),
    }
}

/// Every waiver and inline directive, with its state and what it covered.
pub fn reports(
    project: &Project,
    inline: &[Inline],
    use_inline: bool,
    matched: &BTreeMap<String, usize>,
    today: Date,
) -> Vec<WaiverReport> {
    let mut out: Vec<WaiverReport> = project
        .waivers
        .iter()
        .map(|w| {
            let (check, control) = match &w.target {
                WaiverTarget::Check(id) => (Some(id.to_string()), None),
                WaiverTarget::Control { framework, control } => {
                    (None, Some(format!("{framework}:{control}")))
                }
            };
            WaiverReport {
                id: w.id.clone(),
                check,
                control,
                path: w.path.as_ref().map(|(p, _)| p.clone()),
                item: w.item.clone(),
                justification: w.justification.clone(),
                approver: Some(w.approver.clone()),
                ticket: w.ticket.clone(),
                granted: w.granted.map(|d| d.to_string()),
                expires: Some(w.expires.to_string()),
                days_left: Some(i64::from((w.expires - today).get_days())),
                state: state(w, today, project.waiver_policy),
                matched: matched.get(&w.id).copied().unwrap_or(0),
                source: format!("{}:{}", w.origin.file, w.origin.line),
                inline: false,
            }
        })
        .collect();
    out.extend(inline.iter().map(|i| {
        let id = inline_id(i);
        let state = match (&i.reason, use_inline) {
            (_, false) => WaiverState::Ignored,
            (None, true) => WaiverState::Invalid,
            (Some(_), true) => WaiverState::Active,
        };
        WaiverReport {
            check: Some(i.check.clone()),
            control: None,
            path: Some(i.path.clone()),
            item: None,
            justification: i.reason.clone().unwrap_or_default(),
            approver: None,
            ticket: None,
            granted: None,
            expires: None,
            days_left: None,
            state,
            matched: matched.get(&id).copied().unwrap_or(0),
            source: match &i.suppressed_by {
                Some(by) => format!("{by}, at {}:{}", i.path, i.line),
                None => format!("{}:{}", i.path, i.line),
            },
            inline: true,
            id,
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_found_with_their_reasons_and_scopes() {
        let text = b"a = 1\n# assay:ignore repo.secrets.aws-access-key -- test fixture, revoked 2026-01\nKEY = 'x'\n/* assay:ignore-file docker.non-root -- build image only */\n// assay:ignore k8s.no-privileged\n// assay:ignored words\n";
        let found = scan("f.py", text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].line, 2);
        assert_eq!(found[0].check, "repo.secrets.aws-access-key");
        assert_eq!(
            found[0].reason.as_deref(),
            Some("test fixture, revoked 2026-01")
        );
        assert!(!found[0].whole_file);
        assert!(found[1].whole_file);
        assert_eq!(found[1].reason.as_deref(), Some("build image only"));
        assert_eq!(found[2].reason, None);
    }
}
