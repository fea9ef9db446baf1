//! Exports: finding their files, and streaming their records in batches.
//!
//! Each kind fixes the format and the natural population: CSV rows, a
//! document per file, a plan's managed resources. Generic kinds (`json`,
//! `yaml`, `csv`) let a check choose the array with `each`. Every record of a
//! vendor kind is checked against the kind's JSON Schema (`schemas/kinds/`)
//! before any check sees it; a record that does not match is an error, never
//! a pass.

use super::json_stream::{self, Found};
use super::{Record, first_line, normalize_plan_change, yaml_options};
use crate::model::{ExportKind, ExportSpec, Format, Pointer};
use serde_json::{Map, Value};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Records handed to evaluation at a time: large enough to keep every core
/// busy, small enough that memory stays a few thousand records.
pub const BATCH: usize = 4096;

/// What streaming one export file produced besides its records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Streamed {
    /// Records read (before any `where`).
    pub records: usize,
    /// Records that did not match the kind's schema: the first one's location and problem.
    pub invalid: Option<(String, String)>,
    pub invalid_count: usize,
}

/// The files an export names: one path, or every file a glob matches (sorted).
/// A confined export's files must really be inside its base directory.
pub fn resolve(spec: &ExportSpec) -> Result<Vec<PathBuf>, String> {
    let files = find(spec)?;
    if spec.confined {
        let base = spec
            .base
            .canonicalize()
            .map_err(|e| format!("export `{}`: {e}", spec.name))?;
        for file in &files {
            let real = file
                .canonicalize()
                .map_err(|e| format!("export `{}`: `{}`: {e}", spec.name, file.display()))?;
            if !real.starts_with(&base) {
                return Err(format!(
                    "export `{}`: `{}` leads outside the project directory through a symbolic link",
                    spec.name,
                    file.display()
                ));
            }
        }
    }
    Ok(files)
}

fn find(spec: &ExportSpec) -> Result<Vec<PathBuf>, String> {
    let is_glob = spec.path.contains(['*', '?', '[', '{']);
    if !is_glob {
        let path = spec.base.join(&spec.path);
        return if path.is_file() {
            Ok(vec![path])
        } else {
            Err(format!(
                "export `{}`: `{}` does not exist or is not a file",
                spec.name,
                path.display()
            ))
        };
    }
    let base = if spec.base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        spec.base.as_path()
    };
    let glob = globset::GlobBuilder::new(&spec.path)
        .literal_separator(true)
        .build()
        .map_err(|e| {
            format!(
                "export `{}`: invalid glob `{}`: {}",
                spec.name,
                spec.path,
                e.kind()
            )
        })?
        .compile_matcher();
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(base)
        .standard_filters(false)
        .follow_links(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| {
            e.path()
                .strip_prefix(base)
                .is_ok_and(|rel| glob.is_match(rel))
        })
        .map(ignore::DirEntry::into_path)
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "export `{}`: no file matches `{}`",
            spec.name, spec.path
        ));
    }
    Ok(files)
}

/// Streams the records of one export file to `batch`, `BATCH` at a time.
pub fn stream(
    kind: ExportKind,
    path: &Path,
    each: Option<&Pointer>,
    kind_schema: Option<&KindSchema>,
    batch: &mut dyn FnMut(Vec<Record>),
) -> Result<Streamed, String> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut sink = Sink {
        kind,
        file_name,
        kind_schema,
        batch,
        pending: Vec::with_capacity(BATCH),
        streamed: Streamed::default(),
    };
    match kind.format() {
        Format::Csv => read_csv(path, &required_columns(kind_schema), &mut sink)?,
        Format::Json => read_json(kind, path, each, &mut sink)?,
        Format::Yaml => read_yaml(path, each, &mut sink)?,
    }
    sink.flush();
    Ok(sink.streamed)
}

/// Collects records into batches, checking each against the kind's schema first.
struct Sink<'a> {
    kind: ExportKind,
    file_name: Option<String>,
    kind_schema: Option<&'a KindSchema>,
    batch: &'a mut dyn FnMut(Vec<Record>),
    pending: Vec<Record>,
    streamed: Streamed,
}

impl Sink<'_> {
    fn push(&mut self, record: Record) {
        self.streamed.records += 1;
        if let Some(schema) = self.kind_schema
            && let Some(error) = schema.validator.iter_errors(&record.value).next()
        {
            self.streamed.invalid_count += 1;
            if self.streamed.invalid.is_none() {
                let pointer = if record.pointer.is_empty() {
                    "(the document)"
                } else {
                    record.pointer.as_str()
                };
                let at = match record.line {
                    Some(line) => format!("{pointer} (line {line})"),
                    None => pointer.to_owned(),
                };
                let problem = format!(
                    "does not match the `{}` schema at `{}`: {}",
                    self.kind,
                    error.instance_path(),
                    crate::check::describe_error(&error)
                );
                self.streamed.invalid = Some((at, problem));
            }
            return;
        }
        let record = match self.kind {
            ExportKind::TerraformPlan => match normalize_plan_change(&record.value) {
                Some(value) => Record {
                    label: value
                        .get("address")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    value,
                    ..record
                },
                None => return,
            },
            ExportKind::GithubBranchProtection => Record {
                label: branch_label(&record.value).or_else(|| self.file_name.clone()),
                ..record
            },
            _ => record,
        };
        self.pending.push(record);
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            (self.batch)(std::mem::replace(
                &mut self.pending,
                Vec::with_capacity(BATCH),
            ));
        }
    }
}

/// `owner/repo@branch` from the protection URL GitHub puts in the document.
fn branch_label(doc: &Value) -> Option<String> {
    let url = doc.get("url")?.as_str()?;
    let rest = url.split("/repos/").nth(1)?;
    let rest = rest.strip_suffix("/protection")?;
    let (repo, branch) = rest.split_once("/branches/")?;
    Some(format!("{repo}@{branch}"))
}

fn open(path: &Path) -> Result<BufReader<File>, String> {
    File::open(path)
        .map(|f| BufReader::with_capacity(256 * 1024, f))
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// The shape every record of a vendor kind must have (`schemas/kinds/`).
pub struct KindSchema {
    validator: jsonschema::Validator,
    /// Top-level required fields: for CSV kinds, columns the header must have.
    required: Vec<String>,
}

/// The kind's schema, compiled once per process.
pub fn kind_schema(kind: ExportKind) -> Option<&'static KindSchema> {
    static CREDENTIAL_REPORT: LazyLock<Option<KindSchema>> = LazyLock::new(|| {
        compile_kind(include_str!(
            "../../schemas/kinds/aws.iam.credential-report.schema.json"
        ))
    });
    static BRANCH_PROTECTION: LazyLock<Option<KindSchema>> = LazyLock::new(|| {
        compile_kind(include_str!(
            "../../schemas/kinds/github.branch-protection.schema.json"
        ))
    });
    static PLAN: LazyLock<Option<KindSchema>> = LazyLock::new(|| {
        compile_kind(include_str!(
            "../../schemas/kinds/terraform.plan.schema.json"
        ))
    });
    match kind {
        ExportKind::AwsIamCredentialReport => CREDENTIAL_REPORT.as_ref(),
        ExportKind::GithubBranchProtection => BRANCH_PROTECTION.as_ref(),
        ExportKind::TerraformPlan => PLAN.as_ref(),
        ExportKind::Json | ExportKind::Yaml | ExportKind::Csv => None,
    }
}

fn compile_kind(text: &str) -> Option<KindSchema> {
    let schema: Value = serde_json::from_str(text).ok()?;
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(KindSchema {
        validator: jsonschema::validator_for(&schema).ok()?,
        required,
    })
}

fn required_columns(schema: Option<&KindSchema>) -> Vec<String> {
    schema.map(|s| s.required.clone()).unwrap_or_default()
}

fn read_csv(path: &Path, required: &[String], sink: &mut Sink<'_>) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(open(path)?);
    let headers = reader
        .headers()
        .map_err(|e| format!("invalid CSV header: {}", csv_error(&e)))?
        .clone();
    if let Some(missing) = required
        .iter()
        .find(|c| !headers.iter().any(|h| h == c.as_str()))
    {
        return Err(format!(
            "not a valid `{}` export: missing required column `{missing}`",
            sink.kind
        ));
    }
    let mut row = csv::StringRecord::new();
    let mut i = 0usize;
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("invalid CSV at row {i}: {}", csv_error(&e))),
        }
        let line = row.position().and_then(|p| u32::try_from(p.line()).ok());
        let object: Map<String, Value> = headers
            .iter()
            .zip(row.iter())
            .map(|(h, v)| (h.to_owned(), Value::String(v.to_owned())))
            .collect();
        sink.push(Record {
            pointer: format!("/{i}"),
            line,
            label: None,
            value: Value::Object(object),
        });
        i += 1;
    }
    Ok(())
}

/// The kind of a CSV error, without the field contents some variants quote.
fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("a row has {len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        csv::ErrorKind::Io(err) => err.to_string(),
        _ => first_line(&e.to_string()),
    }
}

fn read_json(
    kind: ExportKind,
    path: &Path,
    each: Option<&Pointer>,
    sink: &mut Sink<'_>,
) -> Result<(), String> {
    let default_population = match kind {
        ExportKind::TerraformPlan => Some(Pointer::parse("/resource_changes").unwrap_or_default()),
        _ => None,
    };
    let pointer = each.cloned().or(default_population).unwrap_or_default();
    let mut top_keys = Vec::new();
    let mut de = serde_json::Deserializer::from_reader(open(path)?);
    let prefix = pointer.to_string();
    let found = json_stream::stream(
        &mut de,
        pointer.segments(),
        &mut |i, value| {
            sink.push(Record {
                pointer: i.map_or_else(|| prefix.clone(), |i| format!("{prefix}/{i}")),
                line: None,
                label: None,
                value,
            })
        },
        &mut top_keys,
    )
    .map_err(|e| format!("invalid JSON: {}", json_error(&e)))?;
    de.end()
        .map_err(|e| format!("invalid JSON: {}", json_error(&e)))?;
    match (kind, found) {
        (ExportKind::TerraformPlan, _) if !top_keys.iter().any(|k| k == "format_version") => {
            Err("not a Terraform plan: no `format_version` (expected the output of `terraform show -json PLANFILE`)".to_owned())
        }
        // A plan without changes has no `resource_changes`: an empty population.
        (ExportKind::TerraformPlan, Found::Missing) => Ok(()),
        (_, Found::Missing) => Err(format!("bad JSON pointer: nothing at `{pointer}`")),
        (_, Found::Single) if each.is_some() => Err(format!("bad JSON pointer: `{pointer}` is not an array")),
        _ => Ok(()),
    }
}

/// serde_json's message and position, never the input itself.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    first_line(&text)
}

fn read_yaml(path: &Path, each: Option<&Pointer>, sink: &mut Sink<'_>) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let docs: Vec<serde_saphyr::Spanned<Value>> =
        serde_saphyr::from_multiple_with_options(&text, yaml_options())
            .map_err(|e| format!("invalid YAML: {}", first_line(&e.to_string())))?;
    for (d, doc) in docs.into_iter().enumerate() {
        let line = u32::try_from(doc.referenced.line()).ok();
        match each {
            None => sink.push(Record {
                pointer: format!("/{d}"),
                line,
                label: None,
                value: doc.value,
            }),
            Some(pointer) => match pointer.resolve(&doc.value) {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        sink.push(Record {
                            pointer: format!("/{d}{pointer}/{i}"),
                            line,
                            label: None,
                            value: item.clone(),
                        });
                    }
                }
                Some(_) => {
                    return Err(format!(
                        "bad JSON pointer: `{pointer}` is not an array in document {d}"
                    ));
                }
                None => {
                    return Err(format!(
                        "bad JSON pointer: nothing at `{pointer}` in document {d}"
                    ));
                }
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_labels_come_from_the_url() {
        let doc = serde_json::json!({"url": "https://api.github.com/repos/acme/api/branches/main/protection"});
        assert_eq!(branch_label(&doc).as_deref(), Some("acme/api@main"));
        assert_eq!(branch_label(&serde_json::json!({})), None);
    }
}
