//! `k8s`: rendered Kubernetes manifests (`helm template`, `kustomize build`,
//! `kubectl get -o yaml`), read as the repository's manifests are, so the
//! checks with `source = "k8s"` judge what is really deployed.
//!
//! The shaping of an object into a record lives here, not in the repository
//! source: this table imports nothing from the rest of assay, and both the
//! repository manifests and this kind's exports take their shape from it.

use super::{Context, Format, Kind, Prepared, Records, Schema};
use serde_json::{Map, Value, json};

pub static KIND: Kind = Kind {
    name: "k8s",
    format: Format::Yaml,
    generic: false,
    records: Records::Kubernetes,
    schema: Some(Schema {
        path: "schemas/kinds/k8s.schema.json",
        text: include_str!("../../../schemas/kinds/k8s.schema.json"),
    }),
    columns: &[],
    prepare,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  A multi-document YAML stream of Kubernetes objects: the output of
  `helm template`, `kustomize build` or `kubectl get -o yaml`. `---` separates
  documents; empty documents (a template that rendered nothing) are left out;
  a `List` (`kind: List` or `kind: PodList`, ...) stands for its `items`. It
  is parsed whole, up to 256 MiB; alias bombs and deep nesting are refused.
  Checks with `source = \"k8s\"` read these objects as well as the
  repository's manifests.

Records
  One per object, in the shape of repository manifests:
  `{apiVersion, kind, name, namespace, object, pod, containers}`. A document
  that is not an object with `apiVersion` and `kind` makes every check of the
  kind an `error`. Findings give the export file, the line of the object's
  document (the `List`'s line for its items), and call the object
  `Kind/namespace/name`, followed by the template that rendered it when a
  `# Source: chart/templates/x.yaml` comment names it.

Example
  # helm template ./chart > rendered.yaml
  [[export]]
  name = \"chart\"
  kind = \"k8s\"
  path = \"rendered.yaml\"
";

/// The object shaped as a record; its label is given where it was read,
/// with the template that rendered it.
fn prepare(value: Value, _: &Context<'_>) -> Option<Prepared> {
    Some(Prepared {
        value: shape(&value)?,
        label: None,
    })
}

/// The items of a `List` (`kind: List`, `PodList`, ...), which stands for them.
pub fn list_items(doc: &Value) -> Option<&Vec<Value>> {
    let kind = doc.get("kind")?.as_str()?;
    if kind.ends_with("List") {
        doc.get("items")?.as_array()
    } else {
        None
    }
}

/// What names an object: its string `apiVersion` and `kind` (without them
/// it is no object), and its metadata's name and namespace.
struct Identity<'a> {
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
}

fn identity(object: &Value) -> Option<Identity<'_>> {
    let metadata = object.get("metadata");
    let field = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Value::as_str);
    Some(Identity {
        api_version: object.get("apiVersion")?.as_str()?,
        kind: object.get("kind")?.as_str()?,
        name: field("name").unwrap_or(""),
        namespace: field("namespace"),
    })
}

/// What findings call an object: `Kind/namespace/name`, or `Kind/name`;
/// `None` when it is no object (no string `apiVersion` and `kind`).
pub fn label(object: &Value) -> Option<String> {
    let Identity {
        kind,
        name,
        namespace,
        ..
    } = identity(object)?;
    Some(match namespace {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    })
}

/// An object as a record: `{apiVersion, kind, name, namespace, object, pod,
/// containers}`; `None` when it has no string `apiVersion` and `kind`.
pub fn shape(object: &Value) -> Option<Value> {
    let Identity {
        api_version,
        kind,
        name,
        namespace,
    } = identity(object)?;
    let pod = pod_spec(kind, object);
    let containers = pod.map(containers).unwrap_or_default();
    Some(json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "namespace": namespace,
        "object": object,
        "pod": pod,
        "containers": containers,
    }))
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
