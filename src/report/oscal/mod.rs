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
//!
//! The document's skeleton and its uuids are here; each part of the result
//! has its module: `observations` (what was examined), `findings` (a
//! conclusion per control), `risks`, and `evidence` (the hashed files, cited
//! and listed in back-matter). `fields` holds OSCAL's field syntax.

mod evidence;
mod fields;
mod findings;
mod observations;
mod risks;

use super::stream::{Lazy, Spliced};
use crate::inputs::Input;
use crate::report::{Counts, Report};
use evidence::Evidence;
pub use fields::NS;
use fields::{Ids, controls, money, one_line, or, project_name, prop, props, timestamp};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

/// assay's namespace for props and facets (OSCAL lets a namespace define any names).
const OSCAL_VERSION: &str = "1.1.3";

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

/// Writes the document, pretty-printed with a final newline: the same bytes
/// as [`assessment_results`] pretty-printed, without building it. The
/// back-matter resources, one per input file, are made as they are written;
/// the document's uuid, a hash of its content, comes from a first pass that
/// streams the content into the hash instead of into a buffer.
pub fn write(
    report: &Report,
    inputs: &[Input],
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let ids = Ids::new(report);
    let evidence = Evidence::new(report, inputs);
    let mut head = json!({
        "metadata": metadata(report, &ids),
        "import-ap": {
            "href": format!("#{}", ids.plan()),
            "remarks": "assay writes no OSCAL assessment plan: the resource cited stands for it.",
        },
        "results": [result(report, &ids, &evidence)],
    });
    prune(&mut head);
    let resources = Lazy(|| {
        evidence.each_resource(report, &ids).map(|mut r| {
            prune(&mut r);
            r
        })
    });
    let empty = Map::new();
    let back_matter = Spliced {
        head: &empty,
        key: "resources",
        value: &resources,
    };
    let uuid = {
        let mut hash = Sha1Writer(sha1_smol::Sha1::new());
        hash.0.update(ids.namespace.as_bytes());
        let body = Spliced {
            head: head.as_object().unwrap_or(&empty),
            key: "back-matter",
            value: &back_matter,
        };
        serde_json::to_writer(&mut hash, &body)?;
        let digest = hash.0.digest().bytes();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
        uuid::Builder::from_sha1_bytes(bytes).into_uuid()
    };
    if let Some(map) = head.as_object_mut() {
        map.insert("uuid".to_owned(), json!(uuid.to_string()));
    }
    let body = Spliced {
        head: head.as_object().unwrap_or(&empty),
        key: "back-matter",
        value: &back_matter,
    };
    let doc = Spliced {
        head: &empty,
        key: "assessment-results",
        value: &body,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// Bytes written into a SHA-1, which a v5 uuid is made of.
struct Sha1Writer(sha1_smol::Sha1);

impl std::io::Write for Sha1Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
        .map(|c| observations::check(c, report, ids, evidence))
        .collect();
    observations.extend(
        controls(report)
            .filter_map(|(fw, c)| Some((fw, c, c.attestation.as_ref()?)))
            .map(|(fw, c, a)| observations::attestation(fw, c, a, ids)),
    );
    // In rank order, as the report lists them.
    let risks: Vec<Value> = risks::ranked(report)
        .map(|r| risks::risk(r, report, ids))
        .collect();
    let linked: BTreeSet<&str> = risks::ranked(report).map(|r| r.id.as_str()).collect();
    let findings: Vec<Value> = controls(report)
        .map(|(fw, c)| findings::finding(fw, c, report, ids, &linked))
        .collect();
    json!({
        "uuid": ids.of("result", "result"),
        "title": one_line(&title),
        "description": result_description(report),
        "start": at,
        "end": at,
        "props": result_props(report),
        "local-definitions": { "assessment-assets": assessment_assets(report, ids) },
        "reviewed-controls": { "control-selections": findings::control_selections(report) },
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
        format!("failed on {}", report.gate.reasons().join(", "))
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
    ) + &skipped_documents(report)
}

/// The repository documents no check judged, so an assessor does not read
/// the result as covering them.
fn skipped_documents(report: &Report) -> String {
    let docs: Vec<String> = report
        .targets
        .iter()
        .flat_map(|t| &t.skipped_documents)
        .map(|d| {
            let line = d.line.map(|l| format!(":{l}")).unwrap_or_default();
            format!("\n- `{}{line}` ({}): {}", d.path, d.source, d.reason)
        })
        .collect();
    if docs.is_empty() {
        return String::new();
    }
    format!(
        "\n\nNot judged: {} repository document(s) skipped:\n{}",
        docs.len(),
        docs.concat()
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

/// The tool, declared so that origins can name it as their actor, and each
/// scanner whose results were imported, with its version and run time.
fn assessment_assets(report: &Report, ids: &Ids) -> Value {
    let title = format!("{} {}", report.tool.name, report.tool.version);
    let mut components = vec![json!({
        "uuid": ids.tool(),
        "type": "software",
        "title": one_line(&title),
        "description": "assay, the compliance-as-code evaluator that produced these results.",
        "status": { "state": "operational" },
    })];
    for import in &report.imports {
        for run in &import.runs {
            let version = run.version.as_deref().unwrap_or("(version not recorded)");
            let when = run.ran_at.as_deref().unwrap_or("a time not recorded");
            let subject = format!("import/{}/{}/{version}/{when}", import.name, run.tool);
            components.push(json!({
                "uuid": ids.of("component", &subject),
                "type": "software",
                "title": one_line(&format!("{} {version}", run.tool)),
                "description": one_line(&format!(
                    "A scanner whose results assay imported: import `{}` ({}), run at {when}; {} rules run, {} results.",
                    import.name, import.format, run.rules, run.results
                )),
                "status": { "state": "operational" },
            }));
        }
    }
    json!({
        "components": components,
        "assessment-platforms": [{
            "uuid": ids.of("assessment-platform", "assay"),
            "title": "assay",
            "uses-components": [{ "component-uuid": ids.tool() }],
        }],
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
