//! Terraform files are judged after the walk, once every file of their module
//! (directory) is read: `var.NAME` takes the module's variable default, and
//! each resource learns which resources of its module refer to it
//! (`referenced_by`), so a check can follow `aws_s3_bucket_server_side_encryption_configuration`
//! back to its bucket.

use super::plan::{FileWork, Plan, judge_records};
use crate::check::Location;
use crate::model::RecordSource;
use crate::source::{self, Record};
use crate::walk::TreeFile;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

pub(super) fn judge(plan: &Plan<'_>, files: &[TreeFile], work: &mut [FileWork]) {
    let module = |file: &TreeFile| {
        file.relative
            .rsplit_once('/')
            .map(|(dir, _)| dir.to_owned())
            .unwrap_or_default()
    };
    // Gather each module's files (in path order) and variable defaults.
    let mut modules: BTreeMap<String, Vec<(usize, Vec<Record>)>> = BTreeMap::new();
    let mut variables: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for (index, (file, w)) in files.iter().zip(work.iter_mut()).enumerate() {
        if let Some(hcl) = w.terraform.take() {
            let vars = variables.entry(module(file)).or_default();
            for (name, default) in hcl.variables {
                vars.entry(name).or_insert(default);
            }
            modules
                .entry(module(file))
                .or_default()
                .push((index, hcl.records));
        }
    }
    let checks = plan.checks_of_source(RecordSource::Terraform);
    let empty = BTreeMap::new();
    for (name, mut members) in modules {
        let vars = variables.get(&name).unwrap_or(&empty);
        for record in members
            .iter_mut()
            .flat_map(|(_, records)| records.iter_mut())
        {
            source::resolve_variables(&mut record.value, vars);
        }
        link_references(&mut members);
        for (index, records) in members {
            let (Some(file), Some(w)) = (files.get(index), work.get_mut(index)) else {
                continue;
            };
            let at = Location {
                path: &file.relative,
                export: None,
            };
            for &ci in &checks {
                w.outcomes.push((
                    ci,
                    judge_records(&plan.planned, ci, &records, &at, plan.max_findings),
                ));
            }
        }
    }
}

/// Adds to every resource `referenced_by`: the resources of the module whose
/// values mention it (`aws_s3_bucket.logs` or `aws_s3_bucket.logs.id`).
fn link_references(members: &mut [(usize, Vec<Record>)]) {
    let mut by_address: HashMap<String, (usize, usize)> = HashMap::new();
    for (m, (_, records)) in members.iter().enumerate() {
        for (r, record) in records.iter().enumerate() {
            if let Some(address) = record.value.get("address").and_then(Value::as_str) {
                by_address.insert(address.to_owned(), (m, r));
            }
        }
    }
    let mut links: HashMap<(usize, usize), Vec<Value>> = HashMap::new();
    for (m, (_, records)) in members.iter().enumerate() {
        for (r, record) in records.iter().enumerate() {
            let mut targets = Vec::new();
            mentions(
                record.value.get("values").unwrap_or(&Value::Null),
                &by_address,
                &mut targets,
            );
            targets.sort_unstable();
            targets.dedup();
            for target in targets.into_iter().filter(|t| *t != (m, r)) {
                let summary = json!({
                    "address": record.value.get("address"),
                    "type": record.value.get("type"),
                    "name": record.value.get("name"),
                    "values": record.value.get("values"),
                });
                links.entry(target).or_default().push(summary);
            }
        }
    }
    for (m, (_, records)) in members.iter_mut().enumerate() {
        for (r, record) in records.iter_mut().enumerate() {
            let referrers = links.remove(&(m, r)).unwrap_or_default();
            if let Value::Object(map) = &mut record.value {
                map.insert("referenced_by".into(), Value::Array(referrers));
            }
        }
    }
}

/// Records every resource a value mentions by address.
fn mentions(
    value: &Value,
    by_address: &HashMap<String, (usize, usize)>,
    out: &mut Vec<(usize, usize)>,
) {
    match value {
        Value::String(s) => {
            let mut parts = s.splitn(3, '.');
            if let (Some(kind), Some(name)) = (parts.next(), parts.next())
                && let Some(target) = by_address.get(&format!("{kind}.{name}"))
            {
                out.push(*target);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| mentions(v, by_address, out)),
        Value::Object(map) => map.values().for_each(|v| mentions(v, by_address, out)),
        _ => {}
    }
}
