//! OSCAL 1.1.3 assessment results (`assay check --format oscal`).
//!
//! One `result` per run: an observation per check (and per attestation), a
//! finding per framework control, the ranked risks with their figures as
//! facets, and every hashed input as a back-matter resource that evidence
//! cites by `#uuid`. assay has no OSCAL assessment plan, so `import-ap`
//! points at a back-matter resource saying that the plan is the assay
//! configuration.
//!
//! Every uuid is a version 5 uuid of a fixed namespace and a name that says
//! what it identifies within the run (`observation/<run>/check/<id>`), so one
//! report always gives the same bytes while two projects or two as-of times
//! never share a uuid. The document's own uuid is derived from its content:
//! OSCAL asks for a new one whenever the document changes.

use super::{CheckReport, ControlReport, Counts, FrameworkReport, Report};
use crate::inputs::{Input, InputKind};
use crate::model::{EvidenceFile, RecordSource, Validity};
use crate::outcome::{AttestationReport, Finding, Status};
use crate::risk::RiskEntry;
use crate::risk::simulate::Simulated;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt::Write;
use uuid::Uuid;

/// assay's namespace for props and facets (OSCAL lets a namespace define any names).
pub const NS: &str = "https://github.com/assay-compliance/assay/ns/oscal";
pub const OSCAL_VERSION: &str = "1.1.3";
/// Findings listed per observation: the JSON report holds them all.
const LISTED_FINDINGS: usize = 10;

/// An OSCAL 1.1.3 assessment-results document of `report`, citing `inputs`
/// (the files examined, with their SHA-256) as evidence.
pub fn assessment_results(report: &Report, inputs: &[Input]) -> Value {
    let ids = Ids::new(report);
    let evidence = Evidence::new(report, inputs);
    let mut doc = json!({
        "metadata": metadata(report, &ids),
        "import-ap": {
            "href": format!("#{}", ids.plan()),
            "remarks": "assay writes no OSCAL assessment plan: the resource cited stands for it.",
        },
        "results": [result(report, &ids, &evidence)],
        "back-matter": { "resources": evidence.resources(report, &ids) },
    });
    prune(&mut doc);
    let content = serde_json::to_vec(&doc).unwrap_or_default();
    let uuid = Uuid::new_v5(&ids.namespace, &content);
    if let Some(map) = doc.as_object_mut() {
        map.insert("uuid".to_owned(), json!(uuid.to_string()));
    }
    json!({ "assessment-results": doc })
}

/// Deterministic uuids, scoped to one run: the project and its as-of time.
struct Ids {
    namespace: Uuid,
    run: String,
}

impl Ids {
    fn new(report: &Report) -> Self {
        Self {
            namespace: Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes()),
            run: format!("{}@{}", project_name(report), report.as_of),
        }
    }

    fn of(&self, kind: &str, subject: &str) -> String {
        let name = format!("{kind}/{}/{subject}", self.run);
        Uuid::new_v5(&self.namespace, name.as_bytes()).to_string()
    }

    fn tool(&self) -> String {
        self.of("component", "assay")
    }

    fn plan(&self) -> String {
        self.of("resource", "assessment-plan")
    }

    fn manifest(&self) -> String {
        self.of("resource", "repository-manifest")
    }

    fn check(&self, id: &str) -> String {
        self.of("observation", &format!("check/{id}"))
    }

    fn attestation(&self, framework: &str, control: &str) -> String {
        self.of("observation", &format!("attestation/{framework}/{control}"))
    }

    fn risk(&self, id: &str) -> String {
        self.of("risk", id)
    }

    fn party(&self, name: &str) -> String {
        self.of("party", name)
    }
}

fn project_name(report: &Report) -> String {
    let p = &report.project;
    p.name
        .clone()
        .or_else(|| p.config.clone())
        .or_else(|| report.targets.first().map(|t| t.path.clone()))
        .unwrap_or_else(|| "assay".to_owned())
}

fn metadata(report: &Report, ids: &Ids) -> Value {
    let at = timestamp(&report.as_of);
    let tool = format!("{} {}", report.tool.name, report.tool.version);
    let parties: Vec<Value> = attesters(report)
        .into_iter()
        .map(|name| json!({ "uuid": ids.party(name), "type": "person", "name": name }))
        .collect();
    json!({
        "title": one_line(&format!("assay assessment results: {}", project_name(report))),
        "published": at,
        "last-modified": at,
        "version": or(&report.tool.version, "unknown"),
        "oscal-version": OSCAL_VERSION,
        "props": props([
            prop("tool", tool),
            prop("report-schema-version", report.schema_version.to_string()),
        ]),
        "parties": parties,
    })
}

/// The people who signed attestations: OSCAL names them as parties.
fn attesters(report: &Report) -> BTreeSet<&str> {
    controls(report)
        .filter_map(|(_, c)| c.attestation.as_ref())
        .map(|a| a.attested_by.as_str())
        .filter(|name| !name.trim().is_empty())
        .collect()
}

fn controls(report: &Report) -> impl Iterator<Item = (&FrameworkReport, &ControlReport)> {
    report
        .frameworks
        .iter()
        .flat_map(|fw| fw.controls.iter().map(move |c| (fw, c)))
}

fn result(report: &Report, ids: &Ids, evidence: &Evidence<'_>) -> Value {
    let at = timestamp(&report.as_of);
    let title = format!(
        "assay check of {} as of {}",
        project_name(report),
        report.as_of
    );
    let mut observations: Vec<Value> = report
        .checks
        .iter()
        .map(|c| check_observation(c, report, ids, evidence))
        .collect();
    observations.extend(
        controls(report)
            .filter_map(|(fw, c)| Some((fw, c, c.attestation.as_ref()?)))
            .map(|(fw, c, a)| attestation_observation(fw, c, a, ids)),
    );
    // In rank order, as the report lists them.
    let risks: Vec<Value> = ranked(report).map(|r| risk(r, report, ids)).collect();
    let linked: BTreeSet<&str> = ranked(report).map(|r| r.id.as_str()).collect();
    let findings: Vec<Value> = controls(report)
        .map(|(fw, c)| finding(fw, c, report, ids, &linked))
        .collect();
    json!({
        "uuid": ids.of("result", "result"),
        "title": one_line(&title),
        "description": result_description(report),
        "start": at,
        "end": at,
        "props": result_props(report),
        "local-definitions": { "assessment-assets": assessment_assets(report, ids) },
        "reviewed-controls": { "control-selections": control_selections(report) },
        "observations": observations,
        "risks": risks,
        "findings": findings,
    })
}

fn result_description(report: &Report) -> String {
    let targets: Vec<&str> = report.targets.iter().map(|t| t.path.as_str()).collect();
    let frameworks: Vec<&str> = report.frameworks.iter().map(|f| f.name.as_str()).collect();
    let gate = if report.gate.passed {
        "passed".to_owned()
    } else {
        format!("failed on {} check(s)", report.gate.gated.len())
    };
    format!(
        "Automated evaluation by {} {} of {} and {} export(s) against {}.\n\n\
         Checks: {}. Controls: {}. Gate (fail on {}): {gate}.",
        report.tool.name,
        report.tool.version,
        or(&targets.join(", "), "no repository"),
        report.exports.len(),
        or(&frameworks.join(", "), "no framework"),
        counts(&report.summary.checks),
        counts(&report.summary.controls),
        report.gate.fail_on,
    )
}

fn counts(c: &Counts) -> String {
    format!(
        "{} pass, {} fail, {} error, {} not applicable, {} manual",
        c.pass, c.fail, c.error, c.not_applicable, c.manual
    )
}

fn result_props(report: &Report) -> Vec<Value> {
    let mut list = vec![
        prop("gate-passed", report.gate.passed.to_string()),
        prop("fail-on", report.gate.fail_on.as_str()),
    ];
    if let Some(r) = &report.risks {
        list.extend([
            prop("currency", &r.currency),
            prop("inherent-ale", money(r.totals.inherent_ale)),
            prop("residual-ale", money(r.totals.residual_ale)),
            prop("risk-loss-model", &r.method.loss_model),
            prop("risk-seed", &r.method.seed),
            prop("risk-trials", r.method.trials.to_string()),
        ]);
    }
    props(list)
}

/// The tool, declared so that origins can name it as their actor.
fn assessment_assets(report: &Report, ids: &Ids) -> Value {
    let title = format!("{} {}", report.tool.name, report.tool.version);
    json!({
        "components": [{
            "uuid": ids.tool(),
            "type": "software",
            "title": one_line(&title),
            "description": "assay, the compliance-as-code evaluator that produced these results.",
            "status": { "state": "operational" },
        }],
        "assessment-platforms": [{
            "uuid": ids.of("assessment-platform", "assay"),
            "title": "assay",
            "uses-components": [{ "component-uuid": ids.tool() }],
        }],
    })
}

/// assay as the actor behind an observation, finding or risk.
fn tool_origin(ids: &Ids) -> Value {
    json!({ "actors": [{ "type": "tool", "actor-uuid": ids.tool() }] })
}

/// One selection per framework; OSCAL requires at least one selection.
fn control_selections(report: &Report) -> Vec<Value> {
    let mut selections: Vec<Value> = report.frameworks.iter().map(control_selection).collect();
    if selections.is_empty() {
        selections.push(json!({ "description": "No framework was selected." }));
    }
    selections
}

fn control_selection(fw: &FrameworkReport) -> Value {
    let include: Vec<Value> = fw
        .controls
        .iter()
        .map(|c| json!({ "control-id": control_token(fw.id.as_str(), &c.id) }))
        .collect();
    let description = format!(
        "{} {} ({}): {} controls.",
        fw.name,
        fw.version,
        selected(fw),
        fw.controls.len()
    );
    let baseline = fw.baseline.as_deref().and_then(|b| prop("baseline", b));
    json!({
        "description": description,
        "props": props([prop("framework", fw.id.as_str()), baseline]),
        "include-controls": include,
    })
}

/// The framework as selected: `nist-800-53@moderate`, or its id alone.
fn selected(fw: &FrameworkReport) -> String {
    match &fw.baseline {
        Some(b) if !b.contains('@') => format!("{}@{b}", fw.id),
        Some(b) => b.clone(),
        None => fw.id.to_string(),
    }
}

fn check_observation(
    c: &CheckReport,
    report: &Report,
    ids: &Ids,
    evidence: &Evidence<'_>,
) -> Value {
    let r = &c.result;
    let failed = r.status == Status::Fail;
    let types = if failed {
        vec!["control-objective", "finding"]
    } else {
        vec!["control-objective"]
    };
    let mut list = vec![
        prop("check-id", r.id.as_str()),
        prop("status", r.status.as_str()),
        prop("severity", r.severity.as_str()),
        prop("examined", r.examined.to_string()),
        prop("failing", r.failing.to_string()),
        prop("findings", r.findings.len().to_string()),
        prop("errors", r.errors.len().to_string()),
    ];
    list.extend(r.sources.iter().map(|s| prop("source", s)));
    list.extend(c.controls.iter().map(|q| prop("control", q)));
    let remediation = (failed && !c.remediation.trim().is_empty())
        .then(|| format!("Remediation: {}", c.remediation));
    json!({
        "uuid": ids.check(r.id.as_str()),
        "title": one_line(&format!("{}: {}", r.id, r.title)),
        "description": check_description(c),
        "props": props(list),
        "methods": ["TEST"],
        "types": types,
        "origins": [tool_origin(ids)],
        "relevant-evidence": evidence.for_check(c, report, ids),
        "collected": timestamp(&report.as_of),
        "remarks": remediation,
    })
}

/// What was asserted and found: counts, then the first findings' places.
/// Excerpts stay in the JSON report: places and messages are enough here.
fn check_description(c: &CheckReport) -> String {
    let r = &c.result;
    let mut out = format!(
        "{} (check `{}`: a `{}` assertion over {}).\n\n\
         Status: {}. {} of {} examined failed; {} finding(s).",
        or(&r.title, r.id.as_str()),
        r.id,
        r.assertion,
        or(&r.sources.join(", "), "nothing"),
        r.status,
        r.failing,
        r.examined,
        r.findings.len()
    );
    if r.skipped_binary > 0 {
        let _ = write!(out, " {} binary file(s) skipped.", r.skipped_binary);
    }
    if let Some(note) = &r.note {
        let _ = write!(out, "\n\n{note}");
    }
    if !r.findings.is_empty() {
        let shown = r.findings.len().min(LISTED_FINDINGS);
        let _ = write!(out, "\n\nFindings ({shown} of {}):\n", r.findings.len());
        for f in r.findings.iter().take(LISTED_FINDINGS) {
            let _ = write!(out, "\n- `{}` {}", location(f), one_line(&f.message));
        }
    }
    if !r.errors.is_empty() {
        out.push_str("\n\nCould not be evaluated:\n");
        for e in &r.errors {
            let at = e.path.as_deref().map(|p| format!("`{p}`: "));
            let _ = write!(
                out,
                "\n- {}{}",
                at.unwrap_or_default(),
                one_line(&e.message)
            );
        }
    }
    out
}

/// A finding's place, fit to go between backticks in Markdown.
fn location(f: &Finding) -> String {
    let at = super::human::location(f);
    // It goes between backticks in Markdown.
    one_line(&at.replace('`', "'"))
}

/// A person's statement, examined with the files it cites.
fn attestation_observation(
    fw: &FrameworkReport,
    c: &ControlReport,
    a: &AttestationReport,
    ids: &Ids,
) -> Value {
    let methods = if a.evidence.is_empty() {
        vec!["INTERVIEW"]
    } else {
        vec!["INTERVIEW", "EXAMINE"]
    };
    let party = json!({ "type": "party", "actor-uuid": ids.party(&a.attested_by) });
    let origins = (!a.attested_by.trim().is_empty()).then(|| json!([{ "actors": [party] }]));
    let description = format!(
        "{}\n\nAttested by {} on {}; holds until {} (exclusive). {} on the as-of date. \
         Defined at `{}`.",
        or(&a.statement, "(no statement)"),
        a.attested_by,
        a.date,
        a.expires,
        validity(a.validity),
        a.source
    );
    let evidence: Vec<Value> = a
        .evidence
        .iter()
        .map(|e| attested_file(e).cite(ids))
        .collect();
    json!({
        "uuid": ids.attestation(fw.id.as_str(), &c.id),
        "title": one_line(&format!("Attestation of {}:{}", fw.id, c.id)),
        "description": description,
        "props": props([
            prop("control", format!("{}:{}", fw.id, c.id)),
            prop("attested-by", &a.attested_by),
            prop("attestation-date", &a.date),
            prop("attestation-expires", &a.expires),
            prop("validity", validity_token(a.validity)),
            prop("source", &a.source),
        ]),
        "methods": methods,
        "types": ["control-objective"],
        "origins": origins,
        "relevant-evidence": evidence,
        "collected": timestamp(&a.date),
        "expires": timestamp(&a.expires),
    })
}

fn validity(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "Valid",
        Validity::Expired => "Expired",
        Validity::NotYetValid => "Not yet valid",
    }
}

fn validity_token(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "valid",
        Validity::Expired => "expired",
        Validity::NotYetValid => "not-yet-valid",
    }
}

/// One finding per control. OSCAL's state is only satisfied or not: assay's
/// error, not applicable and manual are not-satisfied with reason `other`,
/// the status in a prop and why in `remarks`.
fn finding(
    fw: &FrameworkReport,
    c: &ControlReport,
    report: &Report,
    ids: &Ids,
    ranked: &BTreeSet<&str>,
) -> Value {
    let (state, reason) = match c.status {
        Status::Pass => ("satisfied", "pass"),
        Status::Fail => ("not-satisfied", "fail"),
        Status::Error | Status::NotApplicable | Status::Manual | Status::Waived => {
            ("not-satisfied", "other")
        }
    };
    let explanation = control_explanation(c, report);
    let mut observed: Vec<String> = c
        .checks
        .iter()
        .filter(|id| report.checks.iter().any(|k| &k.result.id == *id))
        .map(|id| ids.check(id.as_str()))
        .collect();
    if c.attestation.is_some() {
        observed.push(ids.attestation(fw.id.as_str(), &c.id));
    }
    let risks: BTreeSet<String> = c
        .mitigates
        .iter()
        .filter(|m| ranked.contains(m.risk.as_str()))
        .map(|m| ids.risk(m.risk.as_str()))
        .collect();
    let remarks = (reason == "other").then_some(&explanation);
    let observed: Vec<Value> = observed
        .iter()
        .map(|u| json!({ "observation-uuid": u }))
        .collect();
    json!({
        "uuid": ids.of("finding", &format!("{}/{}", fw.id, c.id)),
        "title": one_line(&format!("{} {}: {}", fw.name, c.id, c.title)),
        "description": explanation,
        "props": props([
            prop("framework", fw.id.as_str()),
            prop("control-id", &c.id),
            prop("status", c.status.as_str()),
        ]),
        "origins": [tool_origin(ids)],
        "target": {
            "type": "objective-id",
            "target-id": control_token(fw.id.as_str(), &c.id),
            "title": one_line(&c.title),
            "status": { "state": state, "reason": reason, "remarks": remarks },
        },
        "related-observations": observed,
        "related-risks": risks.iter().map(|u| json!({ "risk-uuid": u })).collect::<Vec<_>>(),
    })
}

fn control_explanation(c: &ControlReport, report: &Report) -> String {
    let with = |status: Status| -> String {
        let ids: Vec<&str> = c
            .checks
            .iter()
            .filter(|id| {
                let check = report.checks.iter().find(|k| &k.result.id == *id);
                check.is_some_and(|k| k.result.status == status)
            })
            .map(|id| id.as_str())
            .collect();
        ids.join(", ")
    };
    match (c.status, &c.attestation) {
        (Status::Pass, Some(a)) if c.checks.is_empty() => format!(
            "A manual control, satisfied by an attestation of {} valid from {} until {}.",
            a.attested_by, a.date, a.expires
        ),
        (Status::Pass, _) => format!(
            "Every check evidencing this control passes: {}.",
            with(Status::Pass)
        ),
        (Status::Fail, _) => format!("Failing checks: {}.", with(Status::Fail)),
        (Status::Error, _) => format!(
            "Checks that could not be evaluated: {}. An unevaluated check is never a pass.",
            with(Status::Error)
        ),
        (Status::Waived, _) => format!(
            "Failing, with every failing finding waived (risk accepted until the waiver expires): {}.",
            with(Status::Waived)
        ),
        (Status::NotApplicable, _) => {
            "Its checks had nothing to evaluate (no file or record selected): not assessed."
                .to_owned()
        }
        (Status::Manual, Some(a)) => format!(
            "A manual control: its attestation by {} ({} until {}) is {} on the as-of date, \
             so it is not assessed.",
            a.attested_by,
            a.date,
            a.expires,
            validity(a.validity).to_lowercase()
        ),
        (Status::Manual, None) => "A manual control: no check evidences it and no attestation \
                                   was recorded, so it is not assessed."
            .to_owned(),
    }
}

/// The ranked risks, in rank order; findings link only to these.
fn ranked(report: &Report) -> impl Iterator<Item = &RiskEntry> {
    report.risks.iter().flat_map(|a| &a.risks)
}

fn risk(r: &RiskEntry, report: &Report, ids: &Ids) -> Value {
    let currency = report.risks.as_ref().map_or("", |a| a.currency.as_str());
    let register = report.risks.as_ref().map_or(0, |a| a.register);
    let exposed = if r.exposed {
        " No passing control reduces it."
    } else {
        ""
    };
    let statement = format!(
        "Rank {} of {register} by inherent expected annual loss: {} {currency} a year ({} events \
         a year, mean loss {} {currency}). After the controls that pass now: {} {currency} a \
         year.{exposed}",
        r.rank,
        money(r.inherent.ale),
        number(r.inherent.frequency),
        money(r.inherent.mean_loss),
        money(r.residual.ale),
    );
    json!({
        "uuid": ids.risk(r.id.as_str()),
        "title": one_line(&r.title),
        "description": or(&r.scenario, &r.title),
        "statement": statement,
        "props": props([
            prop("risk-id", r.id.as_str()),
            prop("rank", r.rank.to_string()),
            prop("category", &r.category),
            prop("owner", &r.owner),
            prop("exposed", r.exposed.to_string()),
        ]),
        "status": "open",
        "characterizations": [{ "origin": tool_origin(ids), "facets": facets(r, currency) }],
        "mitigating-factors": mitigating_factors(r, ids),
    })
}

/// The passing controls whose effect is in the residual.
fn mitigating_factors(r: &RiskEntry, ids: &Ids) -> Vec<Value> {
    r.controls
        .iter()
        .filter(|m| m.counted)
        .map(|m| {
            let on = if m.function.reduces_frequency() {
                "frequency"
            } else {
                "loss per event"
            };
            let description = format!(
                "{} passes: it {}s with effect {} on {on}, counted once for its safeguard {}.",
                m.control,
                m.function.name(),
                number(m.effect),
                m.safeguard
            );
            json!({
                "uuid": ids.of("mitigating-factor", &format!("{}/{}", r.id, m.control)),
                "description": description,
            })
        })
        .collect()
}

/// The risk's inputs and results, as strings in assay's facet system.
fn facets(r: &RiskEntry, currency: &str) -> Vec<Value> {
    let mut list: Vec<(String, String)> = [
        ("currency", currency.to_owned()),
        ("frequency", number(r.frequency)),
        ("loss-low", money(r.loss.low)),
        ("loss-high", money(r.loss.high)),
        ("lognormal-mu", number(r.mu)),
        ("lognormal-sigma", number(r.sigma)),
        ("frequency-factor", number(r.frequency_factor)),
        ("loss-factor", number(r.loss_factor)),
    ]
    .map(|(n, v)| (n.to_owned(), v))
    .into();
    for (stage, e) in [("inherent", &r.inherent), ("residual", &r.residual)] {
        list.extend([
            (format!("{stage}-frequency"), number(e.frequency)),
            (format!("{stage}-mean-loss"), money(e.mean_loss)),
            (format!("{stage}-ale"), money(e.ale)),
        ]);
        list.extend(simulated(stage, &e.simulated));
    }
    list.into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(name, value)| json!({ "name": name, "system": NS, "value": value }))
        .collect()
}

/// The Monte Carlo's figures of one stage (inherent or residual).
fn simulated(stage: &str, s: &Simulated) -> [(String, String); 5] {
    [
        (format!("{stage}-simulated-mean"), money(s.mean)),
        (
            format!("{stage}-simulated-standard-error"),
            money(s.standard_error),
        ),
        (format!("{stage}-p50"), money(s.p50)),
        (format!("{stage}-p90"), money(s.p90)),
        (format!("{stage}-p99"), money(s.p99)),
    ]
}

/// A hashed file cited as evidence: an input, or a file an attestation cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct File<'a> {
    kind: InputKind,
    path: &'a str,
    sha256: &'a str,
    size: u64,
}

impl File<'_> {
    fn uuid(&self, ids: &Ids) -> String {
        let kind = kind_name(self.kind);
        ids.of("resource", &format!("{kind}/{}/{}", self.path, self.sha256))
    }

    /// A `relevant-evidence` entry: the back-matter resource, and the hash at hand.
    fn cite(&self, ids: &Ids) -> Value {
        let kind = kind_title(self.kind);
        json!({
            "href": format!("#{}", self.uuid(ids)),
            "description": format!("{kind} `{}`, {} bytes.", self.path, self.size),
            "props": props([prop("sha256", self.sha256), prop("path", self.path)]),
        })
    }

    /// The file once, with its hash where OSCAL puts hashes: on an rlink.
    fn resource(&self, ids: &Ids) -> Value {
        let kind = kind_title(self.kind);
        let hash = json!({ "algorithm": "SHA-256", "value": self.sha256 });
        json!({
            "uuid": self.uuid(ids),
            "title": one_line(self.path),
            "description": format!("{kind}, {} bytes, as hashed when assay read it.", self.size),
            "props": props([
                prop("kind", kind_name(self.kind)),
                prop("size", self.size.to_string()),
                prop("sha256", self.sha256),
            ]),
            "rlinks": [{ "href": href(self.path), "hashes": [hash] }],
        })
    }
}

fn input_file(i: &Input) -> File<'_> {
    File {
        kind: i.kind,
        path: &i.path,
        sha256: &i.sha256,
        size: i.size,
    }
}

fn attested_file(e: &EvidenceFile) -> File<'_> {
    File {
        kind: InputKind::Attestation,
        path: &e.path,
        sha256: &e.sha256,
        size: e.size,
    }
}

/// Every hashed file, once, and which of them each observation cites.
struct Evidence<'a> {
    files: BTreeSet<File<'a>>,
    inputs: &'a [Input],
    /// The repository manifest's SHA-256 and file count, if any repository file was read.
    manifest: Option<(String, usize)>,
}

impl<'a> Evidence<'a> {
    fn new(report: &'a Report, inputs: &'a [Input]) -> Self {
        let mut files: BTreeSet<File<'a>> = inputs.iter().map(input_file).collect();
        files.extend(
            controls(report)
                .filter_map(|(_, c)| c.attestation.as_ref())
                .flat_map(|a| a.evidence.iter())
                .map(attested_file),
        );
        let manifest = manifest(files.iter().filter(|f| f.kind == InputKind::Repository));
        Self {
            files,
            inputs,
            manifest,
        }
    }

    /// A check's evidence: the export files of its sources; for repository
    /// sources, the manifest and the files of its listed findings (citing
    /// every repository file for every check would grow as files x checks).
    fn for_check(&self, c: &CheckReport, report: &Report, ids: &Ids) -> Vec<Value> {
        let r = &c.result;
        let mut out: Vec<Value> = export_inputs(report, c, self.inputs)
            .map(|i| input_file(i).cite(ids))
            .collect();
        if r.sources.iter().all(|s| is_export(s)) {
            return out;
        }
        if let Some((digest, files)) = &self.manifest {
            let description = format!(
                "The repository: {files} files, each listed with its SHA-256 in back-matter; \
                 {} examined by this check.",
                r.examined
            );
            out.push(json!({
                "href": format!("#{}", ids.manifest()),
                "description": description,
                "props": props([prop("sha256", digest), prop("files", files.to_string())]),
            }));
        }
        let paths: BTreeSet<&str> = r
            .findings
            .iter()
            .take(LISTED_FINDINGS)
            .filter_map(|f| f.path.as_deref())
            .collect();
        out.extend(
            self.files
                .iter()
                .filter(|f| f.kind == InputKind::Repository && paths.contains(f.path))
                .map(|f| f.cite(ids)),
        );
        out
    }

    fn resources(&self, report: &Report, ids: &Ids) -> Vec<Value> {
        let mut out = vec![plan_resource(report, ids)];
        if let Some((digest, files)) = &self.manifest {
            let description = format!(
                "The {files} repository files assay read, each a resource of this back-matter. \
                 Its sha256 is the SHA-256 of their `sha256sum` listing (`<hash>  <path>` lines, \
                 sorted by path in byte order), so one hash covers them all."
            );
            out.push(json!({
                "uuid": ids.manifest(),
                "title": "Repository manifest",
                "description": description,
                "props": props([prop("sha256", digest), prop("files", files.to_string())]),
            }));
        }
        out.extend(self.files.iter().map(|f| f.resource(ids)));
        out
    }
}

/// SHA-256 of the files listed as `sha256sum` prints them (`<hash>  <path>`
/// lines, in the set's order: by path): one hash an auditor can recompute
/// that covers every repository file at once.
fn manifest<'a>(files: impl Iterator<Item = &'a File<'a>>) -> Option<(String, usize)> {
    let lines: Vec<String> = files
        .map(|f| format!("{}  {}\n", f.sha256, f.path))
        .collect();
    let digest = Sha256::digest(lines.concat().as_bytes());
    (!lines.is_empty()).then(|| (hex(&digest), lines.len()))
}

/// Export inputs read for a check: the files of the exports of its sources.
/// The report names them from the working directory, inputs from the
/// project's, so a path matches when one ends the other.
fn export_inputs<'a>(
    report: &'a Report,
    c: &'a CheckReport,
    inputs: &'a [Input],
) -> impl Iterator<Item = &'a Input> {
    let files: Vec<&str> = report
        .exports
        .iter()
        .filter(|t| c.result.sources.contains(&t.kind))
        .flat_map(|t| t.files.iter().map(String::as_str))
        .collect();
    inputs
        .iter()
        .filter(move |i| i.kind == InputKind::Export && files.iter().any(|f| same_file(f, &i.path)))
}

fn same_file(reported: &str, input: &str) -> bool {
    reported == input
        || reported
            .strip_suffix(input)
            .is_some_and(|p| p.ends_with('/'))
}

fn is_export(source: &str) -> bool {
    matches!(
        RecordSource::from_name(source),
        Some(RecordSource::Export(_))
    )
}

/// What `import-ap` points at: assay's plan is its configuration.
fn plan_resource(report: &Report, ids: &Ids) -> Value {
    let config = report.project.config.as_deref();
    let frameworks: Vec<String> = report.frameworks.iter().map(selected).collect();
    let description = format!(
        "No OSCAL assessment plan was written. The plan is the assay configuration ({}): it \
         selects the frameworks ({}), the checks that evidence their controls and the risk \
         register. Its files are the back-matter resources of kind `config`.",
        config.unwrap_or("the built-in definitions alone"),
        or(&frameworks.join(", "), "none")
    );
    json!({
        "uuid": ids.plan(),
        "title": "Assessment plan: the assay configuration",
        "description": description,
        "props": props([config.and_then(|c| prop("config", c))]),
    })
}

fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Config => "config",
        InputKind::Repository => "repository",
        InputKind::Export => "export",
        InputKind::Attestation => "attestation",
    }
}

fn kind_title(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Config => "Configuration file",
        InputKind::Repository => "Repository file",
        InputKind::Export => "Export",
        InputKind::Attestation => "Attestation evidence",
    }
}

/// A relative path as a URI reference: bytes outside RFC 3986's unreserved
/// set (and `/`) percent-encoded, so spaces or `#` in a name stay a path.
fn href(path: &str) -> String {
    path.bytes()
        .fold(String::with_capacity(path.len()), |mut s, b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                s.push(char::from(b));
            } else {
                let _ = write!(s, "%{b:02X}");
            }
            s
        })
}

/// A control id as an OSCAL token (an XML NCName). NIST's ids take the form
/// of NIST's own OSCAL catalog (`AC-2(1)` is `ac-2.1`); ids that do not
/// start with a letter are prefixed with their framework (`cis-v8-6.3`).
fn control_token(framework: &str, id: &str) -> String {
    if framework == "nist-800-53" {
        return token(&id.to_ascii_lowercase().replace('(', ".").replace(')', ""));
    }
    let t = token_chars(id);
    if starts_token(&t) {
        t
    } else {
        token(&format!("{framework}-{t}"))
    }
}

/// `s` with a `_` before it when it does not start as a token must.
fn token(s: &str) -> String {
    let t = token_chars(s);
    if starts_token(&t) { t } else { format!("_{t}") }
}

/// Characters outside the (ASCII) token alphabet become `_`.
fn token_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn starts_token(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

/// A prop in assay's namespace; none for a blank value, which OSCAL forbids.
fn prop(name: &str, value: impl AsRef<str>) -> Option<Value> {
    let value = one_line(value.as_ref());
    (!value.is_empty()).then(|| json!({ "name": name, "ns": NS, "value": value }))
}

fn props(list: impl IntoIterator<Item = Option<Value>>) -> Vec<Value> {
    list.into_iter().flatten().collect()
}

/// OSCAL's single-line strings (titles, prop values) allow no line break
/// and no leading or trailing space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn or<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() { fallback } else { s }
}

/// RFC 3339 with a zone, as OSCAL requires; a bare date is its midnight UTC.
fn timestamp(text: &str) -> String {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return crate::time::format(ts);
    }
    match text.parse::<jiff::civil::Date>() {
        Ok(date) => format!("{date}T00:00:00Z"),
        Err(_) => text.to_owned(),
    }
}

fn money(x: f64) -> String {
    format!("{x:.2}")
}

/// Up to six decimals, trailing zeros dropped: `0.08`, not `0.08000000000000002`.
fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Drops nulls and empty arrays: OSCAL's JSON schema wants every array it
/// allows to have at least one item, and optional fields absent.
fn prune(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !(x.is_null() || x.as_array().is_some_and(Vec::is_empty)));
            map.values_mut().for_each(prune);
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}
