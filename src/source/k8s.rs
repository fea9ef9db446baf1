//! Kubernetes manifests: every object in a multi-document YAML file, with its
//! pod spec and all its containers gathered whatever the workload kind.
//!
//! A record is `{apiVersion, kind, name, namespace, object, pod, containers}`:
//! `object` is the manifest as written, `pod` the pod spec (null for objects
//! that run no pods), `containers` every container, init container and
//! ephemeral container, each with a `containerType`.

use super::{Parsed, Record, first_line, yaml_options};
use serde_json::{Map, Value, json};
use serde_saphyr::Spanned;

pub fn records(path: &str, text: &str) -> Result<Parsed, String> {
    // Helm and other templates are not YAML until rendered; a file that never
    // says `apiVersion` and `kind` holds no object, and is not parsed at all.
    let template =
        text.contains("{{") && (path.contains("templates/") || path.starts_with("templates"));
    if template || !mentions_object(text) {
        return Ok(Parsed::Skipped);
    }
    let docs: Vec<Spanned<Value>> =
        match serde_saphyr::from_multiple_with_options(text, yaml_options()) {
            Ok(docs) => docs,
            // A YAML file that does not parse is only our business if it looks like a manifest.
            Err(e) if looks_like_manifest(text) => {
                return Err(format!("invalid YAML: {}", first_line(&e.to_string())));
            }
            Err(_) => return Ok(Parsed::Skipped),
        };
    let mut out = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        let line = u32::try_from(doc.referenced.line()).ok();
        let pointer = format!("/{i}");
        match list_items(&doc.value) {
            Some(items) => {
                for (j, item) in items.iter().enumerate() {
                    out.extend(record(item, format!("{pointer}/items/{j}"), line));
                }
            }
            None => out.extend(record(&doc.value, pointer, line)),
        }
    }
    if out.is_empty() {
        return Ok(Parsed::Skipped);
    }
    Ok(Parsed::Records(out))
}

fn mentions_object(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find(bytes, b"apiVersion").is_some()
        && memchr::memmem::find(bytes, b"kind").is_some()
}

fn looks_like_manifest(text: &str) -> bool {
    text.contains("apiVersion:") && text.contains("kind:")
}

fn list_items(doc: &Value) -> Option<&Vec<Value>> {
    let kind = doc.get("kind")?.as_str()?;
    if kind == "List" || kind.ends_with("List") {
        doc.get("items")?.as_array()
    } else {
        None
    }
}

fn record(object: &Value, pointer: String, line: Option<u32>) -> Option<Record> {
    let api_version = object.get("apiVersion")?.as_str()?;
    let kind = object.get("kind")?.as_str()?;
    let metadata = object.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let namespace = metadata
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str);
    let pod = pod_spec(kind, object);
    let containers = pod.map(containers).unwrap_or_default();
    let label = match namespace {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    };
    Some(Record {
        pointer,
        line,
        label: Some(label),
        value: json!({
            "apiVersion": api_version,
            "kind": kind,
            "name": name,
            "namespace": namespace,
            "object": object,
            "pod": pod,
            "containers": containers,
        }),
    })
}

/// Where each workload kind keeps its pod spec.
fn pod_spec<'a>(kind: &str, object: &'a Value) -> Option<&'a Value> {
    let path: &[&str] = match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        "PodTemplate" => &["template", "spec"],
        _ => return None,
    };
    path.iter()
        .try_fold(object, |v, key| v.get(key))
        .filter(|v| v.is_object())
}

/// Fields a pod's `securityContext` sets for all its containers, which a
/// container's own `securityContext` overrides.
const INHERITED: [&str; 7] = [
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
    "appArmorProfile",
];

fn containers(pod: &Value) -> Vec<Value> {
    let pod_context = pod.get("securityContext").and_then(Value::as_object);
    let mut out = Vec::new();
    for (field, kind) in [
        ("initContainers", "initContainer"),
        ("containers", "container"),
        ("ephemeralContainers", "ephemeralContainer"),
    ] {
        for c in pod
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut c: Map<String, Value> = c.as_object().cloned().unwrap_or_default();
            let mut effective: Map<String, Value> = pod_context
                .into_iter()
                .flatten()
                .filter(|(k, _)| INHERITED.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Some(own) = c.get("securityContext").and_then(Value::as_object) {
                effective.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            c.insert("containerType".into(), Value::String(kind.into()));
            c.insert("effective".into(), Value::Object(effective));
            out.push(Value::Object(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Record> {
        match records("deploy/app.yaml", text).unwrap() {
            Parsed::Records(r) => r,
            Parsed::Skipped | Parsed::Terraform(_) => Vec::new(),
        }
    }

    #[test]
    fn workloads_expose_pod_and_every_container() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\n  namespace: ops\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers: [{name: init}]\n          containers: [{name: main, securityContext: {privileged: true}}]\n";
        let records = parse(text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].value["pod"], Value::Null);
        let job = &records[1];
        assert_eq!(job.label.as_deref(), Some("CronJob/ops/nightly"));
        assert_eq!(job.line, Some(5));
        assert_eq!(job.pointer, "/1");
        let types: Vec<&str> = job.value["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["containerType"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["initContainer", "container"]);
    }

    #[test]
    fn container_security_context_overrides_the_pod() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 1000, fsGroup: 2}\n  containers:\n  - {name: a}\n  - {name: b, securityContext: {runAsUser: 0}}\n";
        let records = parse(text);
        let c = &records[0].value["containers"];
        assert_eq!(
            c[0]["effective"],
            serde_json::json!({"runAsNonRoot": true, "runAsUser": 1000})
        );
        assert_eq!(
            c[1]["effective"],
            serde_json::json!({"runAsNonRoot": true, "runAsUser": 0})
        );
    }

    #[test]
    fn lists_templates_and_non_manifests() {
        let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: {containers: []}\n";
        assert_eq!(parse(list)[0].pointer, "/0/items/0");
        assert_eq!(
            records("chart/templates/d.yaml", "kind: {{ .Values.kind }}\n").unwrap(),
            Parsed::Skipped
        );
        assert_eq!(records("x.yaml", "a: [\n").unwrap(), Parsed::Skipped);
        assert!(records("x.yaml", "apiVersion: v1\nkind: Pod\nspec: [\n").is_err());
        assert_eq!(
            records("compose.yaml", "services: {web: {image: x}}\n").unwrap(),
            Parsed::Skipped
        );
    }
}
