//! Kubernetes manifests: every object in a multi-document YAML file, with its
//! pod spec and all its containers gathered whatever the workload kind; and
//! the objects of a rendered stream (`helm template`) given as a `k8s` export.
//!
//! A record is `{apiVersion, kind, name, namespace, object, pod, containers}`
//! (shaped in [`super::kinds`], which the `k8s` export kind shares).
//!
//! A repository document this source cannot judge is never dropped in
//! silence: a Helm template that is not YAML until rendered, YAML that does
//! not parse and has no `apiVersion:`/`kind:` keys, a document that is no
//! object. Each is returned as a [`SkippedDocument`] with why, and the report
//! names it. Only files that never mention `apiVersion` and `kind` (and are no
//! chart template) are none of this source's business and pass unnamed.

use super::kinds::{k8s_label, k8s_list_items, k8s_shape};
use super::{Parsed, Record, SkippedDocument, first_line, yaml_options};
use serde_json::Value;
use serde_saphyr::Spanned;

/// Why a chart template is not judged, and what to do about it.
pub const TEMPLATE: &str =
    "Helm template: render it with `helm template` and pass it with --export k8s=FILE";

/// The longest template name a label quotes from a `# Source:` comment.
const SOURCE_NAME_LIMIT: usize = 256;

pub fn records(path: &str, text: &str) -> Result<Parsed, String> {
    // A chart template is YAML only once rendered; `{{` inside a quoted
    // scalar is valid YAML, so a template is judged if it parses, and named
    // as skipped if it does not.
    let template = in_templates_dir(path) && text.contains("{{");
    if !template && !mentions_object(text) {
        return Ok(Parsed::Unrelated);
    }
    let docs: Vec<Spanned<Value>> = match serde_saphyr::from_multiple_with_options(
        text,
        yaml_options(),
    ) {
        Ok(docs) => docs,
        Err(_) if template => return Ok(skipped_whole(TEMPLATE.to_owned())),
        // A YAML file that does not parse is an error if it looks like a manifest.
        Err(e) if looks_like_manifest(text) => {
            return Err(format!("invalid YAML: {}", first_line(&e.to_string())));
        }
        Err(e) => {
            return Ok(skipped_whole(format!(
                "not valid YAML ({}) and no `apiVersion:` and `kind:` keys, so not read as a manifest",
                first_line(&e.to_string())
            )));
        }
    };
    let not_object = |what: String| {
        if template {
            format!("{what} is not a Kubernetes object until rendered; {TEMPLATE}")
        } else {
            format!("{what} is not a Kubernetes object: no string `apiVersion` and `kind`")
        }
    };
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for o in objects(text, &docs) {
        match record(o.value, o.pointer, o.line) {
            Some(r) => out.push(r),
            None => skipped.push(SkippedDocument {
                line: o.line,
                reason: not_object(match o.item {
                    Some(j) => format!("item {j} of the list in document {}", o.doc),
                    None => format!("document {}", o.doc),
                }),
            }),
        }
    }
    Ok(Parsed::Records(out, skipped))
}

/// The objects of a rendered manifest stream, as they are (the `k8s` kind's
/// schema then checks each and shapes it), labelled `Kind/namespace/name`
/// and, where a `# Source:` comment above the document names it, the
/// template that rendered it. Empty documents are left out; a `List` stands
/// for its items.
pub fn rendered(text: &str) -> Result<Vec<Record>, String> {
    let docs: Vec<Spanned<Value>> = serde_saphyr::from_multiple_with_options(text, yaml_options())
        .map_err(|e| format!("invalid YAML: {}", first_line(&e.to_string())))?;
    let lines: Vec<&str> = text.lines().collect();
    let out = objects(text, &docs)
        .into_iter()
        .map(|o| {
            let template = o.doc_line.and_then(|l| source_comment(&lines, l));
            let label = match (k8s_label(o.value), template) {
                (Some(label), Some(t)) => Some(format!("{label} (from {t})")),
                (None, Some(t)) => Some(format!("(from {t})")),
                (label, None) => label,
            };
            Record {
                pointer: o.pointer,
                line: o.line,
                label,
                value: o.value.clone(),
            }
        })
        .collect();
    Ok(out)
}

/// One object of a YAML stream: a document, or an item of a `List` document.
struct Object<'a> {
    /// The document's index in the stream, and the item's in the list.
    doc: usize,
    item: Option<usize>,
    pointer: String,
    /// The object's 1-based line, and its document's.
    line: Option<u32>,
    doc_line: Option<u32>,
    value: &'a Value,
}

/// Every object of the parsed stream, empty documents left out. A list
/// item's line comes from a second pass over `text`, run only when there is
/// a `List`; if that pass disagrees, items take the list's line.
fn objects<'a>(text: &str, docs: &'a [Spanned<Value>]) -> Vec<Object<'a>> {
    let mut item_lines: Option<Vec<Vec<u32>>> = None;
    let mut out = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        // An empty document (`---` at the end of a file) holds nothing.
        if doc.value.is_null() {
            continue;
        }
        let doc_line = u32::try_from(doc.referenced.line()).ok();
        let pointer = format!("/{i}");
        let Some(items) = k8s_list_items(&doc.value) else {
            out.push(Object {
                doc: i,
                item: None,
                pointer,
                line: doc_line,
                doc_line,
                value: &doc.value,
            });
            continue;
        };
        let lines = item_lines
            .get_or_insert_with(|| {
                super::list_lines::item_lines(text, yaml_options())
                    .filter(|l| l.len() == docs.len())
                    .unwrap_or_default()
            })
            .get(i)
            .filter(|l| l.len() == items.len());
        for (j, item) in items.iter().enumerate() {
            let line = lines
                .and_then(|l| l.get(j).copied())
                .filter(|&l| l > 0)
                .or(doc_line);
            out.push(Object {
                doc: i,
                item: Some(j),
                pointer: format!("{pointer}/items/{j}"),
                line,
                doc_line,
                value: item,
            });
        }
    }
    out
}

/// The template a `# Source: chart/templates/x.yaml` comment just above the
/// document at 1-based `line` names (what `helm template` writes).
fn source_comment<'a>(lines: &[&'a str], line: u32) -> Option<&'a str> {
    let start = usize::try_from(line).ok()?.checked_sub(1)?;
    for text in lines.get(..start)?.iter().rev() {
        let text = text.trim();
        if let Some(name) = text.strip_prefix("# Source:") {
            let name = name.trim();
            return (!name.is_empty()).then(|| {
                let end = name
                    .char_indices()
                    .nth(SOURCE_NAME_LIMIT)
                    .map_or(name.len(), |(i, _)| i);
                name.get(..end).unwrap_or(name)
            });
        }
        if !text.is_empty() && !text.starts_with('#') {
            return None;
        }
    }
    None
}

/// The whole file skipped, for one reason.
fn skipped_whole(reason: String) -> Parsed {
    Parsed::Records(Vec::new(), vec![SkippedDocument { line: None, reason }])
}

/// Whether the file is in a chart's `templates/` directory (at any depth).
fn in_templates_dir(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|component| component == "templates")
}

fn mentions_object(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find(bytes, b"apiVersion").is_some()
        && memchr::memmem::find(bytes, b"kind").is_some()
}

fn looks_like_manifest(text: &str) -> bool {
    text.contains("apiVersion:") && text.contains("kind:")
}

fn record(object: &Value, pointer: String, line: Option<u32>) -> Option<Record> {
    Some(Record {
        pointer,
        line,
        label: Some(k8s_label(object)?),
        value: k8s_shape(object)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Record> {
        match records("deploy/app.yaml", text).unwrap() {
            Parsed::Records(r, _) => r,
            Parsed::Unrelated | Parsed::Terraform(_) => Vec::new(),
        }
    }

    fn skipped(path: &str, text: &str) -> Vec<SkippedDocument> {
        match records(path, text).unwrap() {
            Parsed::Records(_, s) => s,
            Parsed::Unrelated | Parsed::Terraform(_) => Vec::new(),
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
    fn lists_and_unrelated_files() {
        let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: {containers: []}\n";
        assert_eq!(parse(list)[0].pointer, "/0/items/0");
        // Each item cites its own line, not the list's.
        assert_eq!(parse(list)[0].line, Some(4));
        assert_eq!(records("x.yaml", "a: [\n").unwrap(), Parsed::Unrelated);
        assert!(records("x.yaml", "apiVersion: v1\nkind: Pod\nspec: [\n").is_err());
        assert_eq!(
            records("compose.yaml", "services: {web: {image: x}}\n").unwrap(),
            Parsed::Unrelated
        );
    }

    /// Issue 13: a chart template that is not YAML is named with what to do,
    /// whether or not it mentions `apiVersion` (an `include` may write it).
    #[test]
    fn issue_13_a_helm_template_that_does_not_parse_is_named_not_dropped() {
        let template =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n";
        let s = skipped("chart/templates/d.yaml", template);
        assert_eq!(
            s,
            [SkippedDocument {
                line: None,
                reason: TEMPLATE.to_owned()
            }]
        );
        assert_eq!(
            skipped("chart/templates/x.yaml", "{{- include \"x.all\" . }}\n").len(),
            1
        );
        // Outside a chart's templates, a broken manifest stays an error.
        assert!(records("k8s/d.yaml", template).is_err());
    }

    /// Issue 13: `{{` inside a quoted scalar is valid YAML: the template is
    /// judged as written, its privileged container found.
    #[test]
    fn issue_13_a_template_that_parses_is_judged() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ .Release.Name }}\"\nspec:\n  containers:\n  - name: app\n    image: \"{{ .Values.image }}\"\n    securityContext: {privileged: true}\n";
        let Parsed::Records(records, skipped) = records("chart/templates/pod.yaml", text).unwrap()
        else {
            panic!("not parsed");
        };
        assert!(skipped.is_empty());
        assert_eq!(records[0].label.as_deref(), Some("Pod/{{ .Release.Name }}"));
        assert_eq!(
            records[0].value["containers"][0]["securityContext"]["privileged"],
            Value::Bool(true)
        );
    }

    /// Issue 13: a document that is no object is named with its line; an
    /// empty one (a trailing `---`) holds nothing to name.
    #[test]
    fn issue_13_documents_that_are_no_objects_are_named() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\nname: loose\n---\n";
        let s = skipped("k8s/p.yaml", text);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line, Some(5));
        assert!(
            s[0].reason
                .starts_with("document 1 is not a Kubernetes object")
        );
        assert_eq!(parse(text).len(), 1);
    }

    #[test]
    fn rendered_streams_name_their_templates() {
        let text = "---\n# Source: app/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: prod}\n---\n# Source: app/templates/empty.yaml\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n";
        let r = rendered(text).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].label.as_deref(),
            Some("Service/prod/web (from app/templates/svc.yaml)")
        );
        assert_eq!(r[0].line, Some(3));
        // The parser leaves the empty document out: pointers count the others.
        assert_eq!(r[1].pointer, "/1/items/0");
        assert_eq!(r[1].label.as_deref(), Some("Pod/a"));
        assert_eq!(r[1].line, Some(12));
        assert!(rendered("a: [\n").unwrap_err().starts_with("invalid YAML"));
    }
}
