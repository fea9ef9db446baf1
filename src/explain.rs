//! `assay explain ID` and `assay list`: the catalog, and how it links
//! together; `assay explain NAME` also documents an assertion kind.

use crate::check::kinds;
use crate::model::{
    Assertion, AssertionSpec, Catalog, Check, CheckKind, ControlRef, ExportKind, FileSelector,
    Format, Framework, RecordCheck, Risk,
};
use std::fmt::Write;

/// An id that names nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("nothing has the id `{id}`")]
#[diagnostic(code(assay::explain::unknown_id))]
pub struct UnknownId {
    pub id: String,
    #[help]
    pub help: Option<String>,
}

/// Describes every definition with this id: a check, framework, risk or
/// control (`CC6.1`, or `soc2:CC6.1` to pick one framework's), or an
/// assertion kind (`not-contains`).
pub fn explain(catalog: &Catalog, id: &str) -> Result<String, UnknownId> {
    let mut parts = Vec::new();
    if let Some(kind) = kinds::named(id) {
        parts.push(explain_assertion(&kind.spec));
    }
    if let Some(check) = catalog.checks.get(id) {
        parts.push(explain_check(catalog, check));
    }
    if let Some(fw) = catalog.frameworks.get(id) {
        parts.push(explain_framework(fw));
    }
    if let Some(risk) = catalog.risks.get(id) {
        parts.push(explain_risk(catalog, risk));
    }
    let (fw_part, control_part) = match id.split_once(':') {
        Some((fw, c)) => (Some(fw), c),
        None => (None, id),
    };
    for c in catalog.all_controls() {
        if c.control.id.as_str() == control_part
            && fw_part.is_none_or(|f| c.framework.id.as_str() == f)
        {
            parts.push(explain_control(catalog, c));
        }
    }
    if let Some(kind) = ExportKind::from_name(id) {
        parts.push(explain_export_kind(catalog, kind));
    }
    if parts.is_empty() {
        let known = catalog
            .checks
            .keys()
            .map(|k| k.to_string())
            .chain(catalog.frameworks.keys().map(|k| k.to_string()))
            .chain(catalog.risks.keys().map(|k| k.to_string()))
            .chain(catalog.all_controls().map(|c| c.qualified_id()))
            .chain(ExportKind::names().map(str::to_owned))
            .chain(kinds::ASSERTIONS.iter().map(|k| k.spec.name.to_owned()))
            .collect::<Vec<_>>();
        let help = crate::load::suggest(id, known.iter().map(String::as_str)).or_else(|| {
            Some("`assay list checks|controls|frameworks|risks` shows every id".to_owned())
        });
        return Err(UnknownId {
            id: id.to_owned(),
            help,
        });
    }
    Ok(parts.join("\n"))
}

fn explain_check(catalog: &Catalog, check: &Check) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "check {}: {}", check.id, check.title);
    let _ = writeln!(out, "  severity:  {}", check.severity);
    let _ = writeln!(out, "  source:    {}", check.source_names().join(", "));
    let _ = writeln!(out, "  assertion: {}", kinds::kind_of(check).spec.name);
    match &check.kind {
        CheckKind::Files { files, assertion } => explain_files(&mut out, files, assertion),
        CheckKind::Records(r) => explain_records(&mut out, r),
        CheckKind::Imported(i) => {
            let _ = writeln!(out, "  tool:      {}", i.tool);
            let _ = writeln!(out, "  rules:     {}", i.rules.join(", "));
            if let Some(condition) = &i.condition {
                let _ = writeln!(out, "  where:     {condition}");
            }
        }
    }
    let _ = writeln!(
        out,
        "  defined:   {}:{}",
        check.origin.file, check.origin.line
    );
    for (name, text) in [
        ("What it checks", &check.doc.what),
        ("Why it matters", &check.doc.why),
        ("Example", &check.doc.example),
        ("Evidence produced", &check.doc.evidence),
        ("Remediation", &check.remediation),
    ] {
        if !text.trim().is_empty() {
            let _ = writeln!(out, "\n  {name}\n{}", indent(text.trim(), 4));
        }
    }
    let controls = catalog.controls_using(&check.id);
    let _ = writeln!(out, "\n  Evidences {} control(s)", controls.len());
    for c in &controls {
        let _ = writeln!(out, "    {:<16} {}", c.qualified_id(), c.control.title);
        for m in &c.control.mitigates {
            let _ = writeln!(out, "      mitigates {} (effect {})", m.risk, m.effect);
        }
    }
    out
}

fn explain_files(out: &mut String, files: &FileSelector, assertion: &Assertion) {
    if let Some(re) = assertion.pattern() {
        let _ = writeln!(out, "  pattern:   {}", re.as_str());
    }
    let _ = writeln!(out, "  files:     {}", files.patterns.join(", "));
    if !files.exclude_patterns.is_empty() {
        let _ = writeln!(out, "  excluding: {}", files.exclude_patterns.join(", "));
    }
}

fn explain_records(out: &mut String, r: &RecordCheck) {
    if let Some(each) = &r.each {
        let _ = writeln!(out, "  each:      {each}");
    }
    if let Some(condition) = &r.condition {
        let _ = writeln!(out, "  where:     {condition}");
    }
    let _ = writeln!(out, "  schema:    {}", r.schema);
    if let Some(label) = &r.label {
        let _ = writeln!(out, "  label:     {label}");
    }
}

/// An assertion kind: its documentation, and what a check of it needs.
pub fn explain_assertion(spec: &AssertionSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "assertion {}", spec.name);
    let pattern = match spec.pattern {
        crate::model::PatternUse::None => "none",
        crate::model::PatternUse::Required => "required: every selected file must match",
        crate::model::PatternUse::Forbidden => "required: every match is a finding",
    };
    let _ = writeln!(out, "  pattern:   {pattern}");
    if !spec.default_files.is_empty() {
        let _ = writeln!(
            out,
            "  files:     {} (default)",
            spec.default_files.join(", ")
        );
    }
    if !spec.default_excludes.is_empty() {
        let _ = writeln!(out, "  excluding: {}", spec.default_excludes.join(", "));
    }
    for (name, text) in spec.doc.sections() {
        let _ = writeln!(out, "\n  {name}\n{}", indent(text.trim(), 4));
    }
    out
}

fn explain_framework(fw: &Framework) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "framework {}: {}", fw.id, fw.name);
    if !fw.version.is_empty() {
        let _ = writeln!(out, "  version:   {}", fw.version);
    }
    if !fw.publisher.is_empty() {
        let _ = writeln!(out, "  publisher: {}", fw.publisher);
    }
    let _ = writeln!(out, "  defined:   {}:{}", fw.origin.file, fw.origin.line);
    if !fw.notes.is_empty() {
        let _ = writeln!(out, "  notes:     {}", fw.notes);
    }
    let automated = fw.controls.iter().filter(|c| !c.is_manual()).count();
    let _ = writeln!(
        out,
        "\n  {} controls, {automated} with automated checks, {} manual",
        fw.controls.len(),
        fw.controls.len() - automated
    );
    for c in &fw.controls {
        let how = if c.is_manual() {
            "manual".to_owned()
        } else {
            c.checks
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "    {:<8} {}  [{how}]", c.id, c.title);
    }
    out
}

fn explain_risk(catalog: &Catalog, risk: &Risk) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "risk {}: {}", risk.id, risk.title);
    let _ = writeln!(out, "  scenario:  {}", risk.scenario);
    if !risk.category.is_empty() {
        let _ = writeln!(out, "  category:  {}", risk.category);
    }
    if !risk.owner.is_empty() {
        let _ = writeln!(out, "  owner:     {}", risk.owner);
    }
    let _ = writeln!(out, "  frequency: {} per year", risk.frequency);
    let _ = writeln!(
        out,
        "  loss:      {} to {} {} per event (90% interval)",
        risk.loss.low, risk.loss.high, risk.currency
    );
    let fit = crate::risk::lognormal::Lognormal::fit(risk.loss);
    let _ = writeln!(
        out,
        "  model:     lognormal mu {:.4}, sigma {:.4}: mean loss {:.0}, inherent ALE {:.0} {} a year",
        fit.mu,
        fit.sigma,
        fit.mean(),
        risk.frequency * fit.mean(),
        risk.currency
    );
    for h in &risk.history {
        let _ = writeln!(
            out,
            "  history:   {} ({} year(s)): {}",
            h.period,
            h.years,
            if h.occurred {
                "occurred"
            } else {
                "did not occur"
            }
        );
    }
    let _ = writeln!(
        out,
        "  defined:   {}:{}",
        risk.origin.file, risk.origin.line
    );
    if !risk.notes.is_empty() {
        let _ = writeln!(out, "  notes:     {}", risk.notes);
    }
    let controls = catalog.controls_mitigating(&risk.id);
    let _ = writeln!(out, "\n  Mitigated by {} control(s)", controls.len());
    for c in &controls {
        let effect = c
            .control
            .mitigates
            .iter()
            .find(|m| m.risk == risk.id)
            .map_or(0.0, |m| m.effect);
        let _ = writeln!(
            out,
            "    {:<16} effect {effect:<5} {}",
            c.qualified_id(),
            c.control.title
        );
    }
    out
}

fn explain_control(catalog: &Catalog, c: ControlRef<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "control {}: {}", c.qualified_id(), c.control.title);
    let _ = writeln!(
        out,
        "  framework: {} ({})",
        c.framework.name, c.framework.id
    );
    let _ = writeln!(
        out,
        "  defined:   {}:{}",
        c.control.origin.file, c.control.origin.line
    );
    if c.control.is_manual() {
        let _ = writeln!(out, "  checks:    none (manual: needs an attestation)");
    } else {
        let _ = writeln!(out, "  checks:");
        for id in &c.control.checks {
            let title = catalog.checks.get(id).map_or("", |k| k.title.as_str());
            let _ = writeln!(out, "    {id}  {title}");
        }
    }
    let _ = writeln!(
        out,
        "  function:  {} (reduces {})",
        c.control.function.name(),
        if c.control.function.reduces_frequency() {
            "how often the risk happens"
        } else {
            "the loss per event"
        }
    );
    if let Some(group) = &c.control.overlap {
        let _ = writeln!(
            out,
            "  overlap:   {group} (one safeguard with the group's other controls: the strongest counts)"
        );
    }
    if c.control.mitigates.is_empty() {
        let _ = writeln!(out, "  mitigates: no ranked risk (compliance only)");
    } else {
        let _ = writeln!(out, "  mitigates:");
        for m in &c.control.mitigates {
            let title = catalog.risks.get(&m.risk).map_or("", |r| r.title.as_str());
            let _ = writeln!(out, "    {}  effect {}  {title}", m.risk, m.effect);
        }
    }
    out
}

/// An export kind: its documentation (from its file in `source/kinds/`),
/// format, schema, renamable columns and the checks that read it.
fn explain_export_kind(catalog: &Catalog, kind: ExportKind) -> String {
    let spec = kind.spec();
    let mut out = String::new();
    let _ = writeln!(out, "export kind {kind}");
    let format = match spec.format {
        Format::Json => "JSON",
        Format::Yaml => "YAML",
        Format::Csv => "CSV",
    };
    let _ = writeln!(out, "  format:    {format}");
    if let Some(schema) = spec.schema {
        let _ = writeln!(out, "  schema:    {}", schema.path);
    }
    if spec.generic {
        let _ = writeln!(out, "  each:      checks choose the population");
    }
    for column in spec.columns {
        let _ = writeln!(out, "  column:    {:<18} {}", column.field, column.doc);
    }
    let checks: Vec<&Check> = catalog
        .checks
        .values()
        .filter(|c| c.source_names().contains(&kind.name()))
        .collect();
    let _ = writeln!(out, "\n{}", indent(spec.doc.trim_end(), 2));
    let _ = writeln!(out, "\n  Read by {} check(s)", checks.len());
    for c in checks {
        let _ = writeln!(out, "    {:<36} {}", c.id.as_str(), c.title);
    }
    out
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What `assay list` can list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Listing {
    Checks,
    Controls,
    Frameworks,
    Risks,
}

/// One line per definition, sorted by id.
pub fn list(catalog: &Catalog, what: Listing, tool: Option<&str>) -> String {
    let mut out = String::new();
    match what {
        Listing::Checks => {
            for c in catalog.checks.values() {
                match (tool, c.kind.imported()) {
                    (None, _) => {
                        let _ = writeln!(out, "{:<36} {:<8} {}", c.id, c.severity, c.title);
                    }
                    (Some(t), Some(i)) if i.is_for(t) => {
                        let _ = writeln!(
                            out,
                            "{:<36} {:<8} {:<24} {}",
                            c.id,
                            c.severity,
                            i.rules.join(","),
                            c.title
                        );
                    }
                    _ => {}
                }
            }
        }
        Listing::Controls => {
            for c in catalog.all_controls() {
                let kind = if c.control.is_manual() {
                    "manual"
                } else {
                    "automated"
                };
                let _ = writeln!(
                    out,
                    "{:<20} {:<9} {}",
                    c.qualified_id(),
                    kind,
                    c.control.title
                );
            }
        }
        Listing::Frameworks => {
            for f in catalog.frameworks.values() {
                let _ = writeln!(
                    out,
                    "{:<16} {:>4} controls  {}",
                    f.id,
                    f.controls.len(),
                    f.name
                );
            }
        }
        Listing::Risks => {
            for r in catalog.risks.values() {
                let _ = writeln!(out, "{:<34} {:<16} {}", r.id, r.category, r.title);
            }
        }
    }
    out
}
