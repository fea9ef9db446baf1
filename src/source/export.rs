//! Exports: finding their files, and streaming their records in batches.
//!
//! Each kind (one file each in [`super::kinds`]) fixes the format and the
//! natural population: CSV rows, a document per file, a plan's managed
//! resources. Generic kinds (`json`, `yaml`, `csv`) let a check choose the
//! array with `each`. Every record of a vendor kind is checked against the
//! kind's JSON Schema (`schemas/kinds/`) before any check sees it; a record
//! that does not match is an error, never a pass.

use super::json_scan::{self, Opened, ScanError};
use super::kinds::{Context, Records};
use super::projection::Projected;
use super::{Record, first_line, yaml_options};
use crate::model::{ExportKind, ExportSpec, Format, Pointer};
use rayon::prelude::*;
use serde::de::DeserializeSeed;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

/// YAML exports are parsed whole (JSON and CSV stream): larger ones are refused.
pub const YAML_LIMIT: u64 = 256 * 1024 * 1024;

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
    resolve_declared(&Declared {
        what: "export",
        name: &spec.name,
        path: &spec.path,
        base: &spec.base,
        confined: spec.confined,
    })
}

/// A declared input's files (an export's, an import's): one path, or every
/// file a glob matches (sorted), confined to the base when declared there.
pub fn resolve_declared(spec: &Declared<'_>) -> Result<Vec<PathBuf>, String> {
    if spec.confined && !spec.path.contains(['*', '?', '[', '{']) {
        // Declared in the (untrusted) assay.toml: opened like every definition file.
        let root = crate::confine::Root::new(spec.base);
        match root.kind(Path::new(spec.path)) {
            Ok(Some(crate::confine::Kind::File)) => {}
            Ok(Some(kind)) => {
                return Err(format!(
                    "{} `{}`: `{}` is {}; only regular files are read",
                    spec.what,
                    spec.name,
                    spec.path,
                    kind.describe()
                ));
            }
            Ok(None) => {}
            Err(refusal) => return Err(format!("{} `{}`: {refusal}", spec.what, spec.name)),
        }
    }
    let files = find(spec)?;
    if spec.confined {
        let base = spec
            .base
            .canonicalize()
            .map_err(|e| format!("{} `{}`: {e}", spec.what, spec.name))?;
        for file in &files {
            let real = file
                .canonicalize()
                .map_err(|e| format!("{} `{}`: `{}`: {e}", spec.what, spec.name, file.display()))?;
            if !real.starts_with(&base) {
                return Err(format!(
                    "{} `{}`: `{}` leads outside the project directory through a symbolic link",
                    spec.what,
                    spec.name,
                    file.display()
                ));
            }
        }
    }
    Ok(files)
}

fn find(spec: &Declared<'_>) -> Result<Vec<PathBuf>, String> {
    let is_glob = spec.path.contains(['*', '?', '[', '{']);
    if !is_glob {
        let path = spec.base.join(spec.path);
        return if path.is_file() {
            Ok(vec![path])
        } else {
            Err(format!(
                "{} `{}`: `{}` does not exist or is not a file",
                spec.what,
                spec.name,
                path.display()
            ))
        };
    }
    let base = if spec.base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        spec.base
    };
    let glob = globset::GlobBuilder::new(spec.path)
        .literal_separator(true)
        .build()
        .map_err(|e| {
            format!(
                "{} `{}`: invalid glob `{}`: {}",
                spec.what,
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
            "{} `{}`: no file matches `{}`",
            spec.what, spec.name, spec.path
        ));
    }
    Ok(files)
}

/// What [`resolve_declared`] needs of a declaration.
pub struct Declared<'a> {
    /// `export` or `import`, for messages.
    pub what: &'static str,
    pub name: &'a str,
    pub path: &'a str,
    pub base: &'a Path,
    pub confined: bool,
}

/// How to read an export's files: its kind, and the header names its
/// declaration gives the kind's columns (`(field, header)`).
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub kind: ExportKind,
    pub columns: &'a [(String, String)],
}

impl From<ExportKind> for Reading<'_> {
    fn from(kind: ExportKind) -> Self {
        Self { kind, columns: &[] }
    }
}

impl<'a> From<&'a ExportSpec> for Reading<'a> {
    fn from(spec: &'a ExportSpec) -> Self {
        Self {
            kind: spec.kind,
            columns: &spec.columns,
        }
    }
}

/// Reads the records of one export file and judges them with `judge`, a
/// batch at a time, in parallel; returns what was read and each batch's
/// verdict, in file order.
pub fn stream<'a, T: Send>(
    reading: impl Into<Reading<'a>>,
    path: &Path,
    each: Option<&Pointer>,
    kind_schema: Option<&KindSchema>,
    projection: Option<&BTreeSet<String>>,
    judge: &(dyn Fn(&[Record]) -> T + Sync),
) -> Result<(Streamed, Vec<T>), String> {
    let Reading { kind, columns } = reading.into();
    let preparer = Preparer {
        kind,
        file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        kind_schema,
    };
    if kind.format() == Format::Json {
        // Only records no kind schema or normalisation reads in full can be projected.
        let projection = projection.filter(|_| kind_schema.is_none() && kind.is_generic());
        return read_json(&preparer, path, each, projection, judge);
    }
    let mut sequential = Sequential {
        preparer: &preparer,
        judge,
        pending: Vec::with_capacity(BATCH),
        streamed: Streamed::default(),
        results: Vec::new(),
    };
    match kind.format() {
        Format::Csv => read_csv(
            path,
            &required_columns(kind_schema),
            columns,
            &mut sequential,
        )?,
        Format::Yaml | Format::Json => match kind.spec().records {
            Records::Kubernetes => read_rendered(path, &mut sequential)?,
            _ => read_yaml(path, each, &mut sequential)?,
        },
    }
    sequential.flush();
    Ok((sequential.streamed, sequential.results))
}

impl Streamed {
    /// Adds a later part of the same file.
    fn absorb(&mut self, later: Streamed) {
        self.records += later.records;
        self.invalid_count += later.invalid_count;
        if self.invalid.is_none() {
            self.invalid = later.invalid;
        }
    }
}

/// Checks each record against the kind's schema, then gives it the kind's shape.
struct Preparer<'a> {
    kind: ExportKind,
    file_name: Option<String>,
    kind_schema: Option<&'a KindSchema>,
}

impl Preparer<'_> {
    fn prepare(&self, record: Record, streamed: &mut Streamed) -> Option<Record> {
        streamed.records += 1;
        if let Some(schema) = self.kind_schema
            && let Some(error) = schema.validator.iter_errors(&record.value).next()
        {
            streamed.invalid_count += 1;
            if streamed.invalid.is_none() {
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
                    crate::schema::describe_error(&error)
                );
                streamed.invalid = Some((at, problem));
            }
            return None;
        }
        let context = Context {
            file_name: self.file_name.as_deref(),
        };
        // A label given where the record was read (the template that
        // rendered a Kubernetes object) stands unless the kind names one.
        (self.kind.spec().prepare)(record.value, &context).map(|prepared| Record {
            value: prepared.value,
            label: prepared.label.or(record.label),
            ..record
        })
    }
}

/// Records judged in order, a batch at a time, for formats read front to back.
struct Sequential<'a, T> {
    preparer: &'a Preparer<'a>,
    judge: &'a (dyn Fn(&[Record]) -> T + Sync),
    pending: Vec<Record>,
    streamed: Streamed,
    results: Vec<T>,
}

impl<T: Send> Sequential<'_, T> {
    fn push(&mut self, record: Record) {
        if let Some(record) = self.preparer.prepare(record, &mut self.streamed) {
            self.pending.push(record);
            if self.pending.len() >= BATCH {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        let judge = self.judge;
        let judged: Vec<T> = batch.par_chunks(PARALLEL_CHUNK).map(judge).collect();
        self.results.extend(judged);
    }
}

/// Records one parallel task judges: enough to outweigh scheduling.
const PARALLEL_CHUNK: usize = 512;

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

/// The kind's schema, compiled once per process, when first needed.
pub fn kind_schema(kind: ExportKind) -> Option<&'static KindSchema> {
    static COMPILED: LazyLock<Vec<OnceLock<Option<KindSchema>>>> =
        LazyLock::new(|| ExportKind::ALL.iter().map(|_| OnceLock::new()).collect());
    let index = ExportKind::ALL.iter().position(|k| *k == kind)?;
    COMPILED
        .get(index)?
        .get_or_init(|| compile_kind(kind.spec().schema?.text))
        .as_ref()
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

fn read_csv<T: Send>(
    path: &Path,
    required: &[String],
    columns: &[(String, String)],
    sink: &mut Sequential<'_, T>,
) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(open(path)?);
    let headers = reader
        .headers()
        .map_err(|e| format!("invalid CSV header: {}", csv_error(&e)))?
        .clone();
    if let Some(field) = required
        .iter()
        .find(|f| !headers.iter().any(|h| h == header(columns, f)))
    {
        let header = header(columns, field);
        let renamed = if header == field.as_str() {
            String::new()
        } else {
            format!(" (the export's name for `{field}`)")
        };
        return Err(format!(
            "not a valid `{}` export: missing required column `{header}`{renamed}",
            sink.preparer.kind
        ));
    }
    let fields = fields(&headers, columns);
    let mut row = csv::StringRecord::new();
    let mut i = 0usize;
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("invalid CSV at row {i}: {}", csv_error(&e))),
        }
        let line = row.position().and_then(|p| u32::try_from(p.line()).ok());
        let object: Map<String, Value> = fields
            .iter()
            .zip(row.iter())
            .filter_map(|(f, v)| Some((f.clone()?, Value::String(v.to_owned()))))
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

/// The header that holds `field`, given the declaration's renames.
fn header<'a>(columns: &'a [(String, String)], field: &'a str) -> &'a str {
    columns
        .iter()
        .find(|(f, _)| f == field)
        .map_or(field, |(_, h)| h.as_str())
}

/// The record field of each column: a renamed column's field, else its
/// header. A column named like a field that the declaration renamed to
/// another header is left out: the renamed one holds that field.
fn fields(headers: &csv::StringRecord, columns: &[(String, String)]) -> Vec<Option<String>> {
    headers
        .iter()
        .map(|h| match columns.iter().find(|(_, header)| header == h) {
            Some((field, _)) => Some(field.clone()),
            None if columns.iter().any(|(field, _)| field == h) => None,
            None => Some(h.to_owned()),
        })
        .collect()
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

fn read_json<T: Send>(
    preparer: &Preparer<'_>,
    path: &Path,
    each: Option<&Pointer>,
    projection: Option<&BTreeSet<String>>,
    judge: &(dyn Fn(&[Record]) -> T + Sync),
) -> Result<(Streamed, Vec<T>), String> {
    let records = preparer.kind.spec().records;
    let default_population = match records {
        Records::Member { pointer, .. } => Pointer::parse(pointer).ok(),
        Records::Rows | Records::Document | Records::Array { .. } | Records::Kubernetes => None,
    };
    let pointer = each.cloned().or(default_population).unwrap_or_default();
    let cannot_read = |e: String| format!("cannot read `{}`: {e}", path.display());
    let file = File::open(path).map_err(|e| cannot_read(e.to_string()))?;
    let scan_error = |e: ScanError| match e {
        ScanError::Invalid(message) => format!("invalid JSON: {message}"),
        ScanError::Io(message) => cannot_read(message),
        ScanError::Missing => format!("bad JSON pointer: nothing at `{pointer}`"),
    };
    let items = Items {
        prefix: pointer.to_string(),
        preparer,
        projection,
        judge,
    };
    let (located, top_keys, parts) =
        match json_scan::open(file, pointer.segments()).map_err(scan_error)? {
            Opened::Whole(bytes) => match json_scan::locate(&bytes, pointer.segments()) {
                Ok(located) => {
                    let parts = items.judge(&bytes, &located.items, 0, located.single)?;
                    (Some(located.single), located.top_keys, parts)
                }
                Err(ScanError::Missing) => (
                    None,
                    json_scan::validate(&bytes, pointer.segments().len()).map_err(scan_error)?,
                    Vec::new(),
                ),
                Err(e) => return Err(scan_error(e)),
            },
            Opened::Stream(mut stream) => {
                let mut parts = Vec::new();
                let mut spare = Vec::new();
                let mut current = stream.next_block(Vec::new()).map_err(scan_error)?;
                // Judge one block while the next is read and split.
                while let Some(block) = current {
                    let (judged, next) = rayon::join(
                        || items.judge(&block.bytes, &block.items, block.first_index, false),
                        || stream.next_block(std::mem::take(&mut spare)),
                    );
                    parts.extend(judged?);
                    spare = block.bytes;
                    current = next.map_err(scan_error)?;
                }
                (Some(false), stream.top_keys().to_vec(), parts)
            }
        };
    match (records, located) {
        (
            Records::Member {
                marker, otherwise, ..
            },
            _,
        ) if !top_keys.iter().any(|k| k == marker) => {
            return Err(otherwise.to_owned());
        }
        // A plan without changes has no `resource_changes`: an empty population.
        (Records::Member { .. }, None) => return Ok((Streamed::default(), Vec::new())),
        (_, None) => return Err(format!("bad JSON pointer: nothing at `{pointer}`")),
        (_, Some(true)) if each.is_some() => {
            return Err(format!("bad JSON pointer: `{pointer}` is not an array"));
        }
        (Records::Array { otherwise }, Some(true)) => return Err(otherwise.to_owned()),
        _ => {}
    }
    let mut streamed = Streamed::default();
    let mut results = Vec::with_capacity(parts.len());
    for (s, t) in parts {
        streamed.absorb(s);
        results.push(t);
    }
    Ok((streamed, results))
}

/// Parses and judges the items of one block, in parallel chunks, in order.
struct Items<'a, T> {
    /// The pointer of the population, which item pointers extend.
    prefix: String,
    preparer: &'a Preparer<'a>,
    /// The only top-level members to keep, when the checks name all they read.
    projection: Option<&'a BTreeSet<String>>,
    judge: &'a (dyn Fn(&[Record]) -> T + Sync),
}

impl<T: Send> Items<'_, T> {
    fn judge(
        &self,
        bytes: &[u8],
        ranges: &[Range<usize>],
        first_index: usize,
        single: bool,
    ) -> Result<Vec<(Streamed, T)>, String> {
        ranges
            .par_chunks(PARALLEL_CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut streamed = Streamed::default();
                let mut records = Vec::with_capacity(chunk.len());
                for (k, range) in chunk.iter().enumerate() {
                    let pointer = if single {
                        self.prefix.clone()
                    } else {
                        format!("{}/{}", self.prefix, first_index + c * PARALLEL_CHUNK + k)
                    };
                    let raw = bytes.get(range.clone()).unwrap_or_default();
                    let value = parse_item(raw, self.projection).map_err(|e| {
                        format!("invalid JSON in record {pointer}: {}", json_error(&e))
                    })?;
                    let record = Record {
                        pointer,
                        line: None,
                        label: None,
                        value,
                    };
                    records.extend(self.preparer.prepare(record, &mut streamed));
                }
                Ok((streamed, (self.judge)(&records)))
            })
            .collect()
    }
}

fn parse_item(
    raw: &[u8],
    projection: Option<&BTreeSet<String>>,
) -> Result<Value, serde_json::Error> {
    let Some(keep) = projection else {
        return serde_json::from_slice(raw);
    };
    // The members skipped are never decoded, so their UTF-8 is checked here.
    let text = json_scan::utf8(raw).map_err(<serde_json::Error as serde::de::Error>::custom)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Projected(keep).deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// serde_json's message and position, never the input itself.
fn json_error(e: &serde_json::Error) -> String {
    first_line(&e.to_string())
}

/// A YAML export's text: the limits of every YAML export (size here; alias
/// bombs and depth in the parser's options) hold for every YAML kind.
fn read_text(path: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    // Exports declared in assay.toml were checked to be regular files when
    // resolved; one given with --export is the caller's choice (a pipe from
    // `<(helm template …)` included), read up to the limit.
    File::open(path)
        .map_err(crate::confine::Refusal::Io)
        .and_then(|f| crate::confine::read_bounded(f, YAML_LIMIT, &mut bytes))
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read `{}`: not UTF-8 ({})",
            path.display(),
            e.utf8_error()
        )
    })
}

/// A rendered Kubernetes stream: one record per object, `List` items too.
fn read_rendered<T: Send>(path: &Path, sink: &mut Sequential<'_, T>) -> Result<(), String> {
    for record in super::k8s::rendered(&read_text(path)?)? {
        sink.push(record);
    }
    Ok(())
}

fn read_yaml<T: Send>(
    path: &Path,
    each: Option<&Pointer>,
    sink: &mut Sequential<'_, T>,
) -> Result<(), String> {
    let text = read_text(path)?;
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

    /// Issue 12: the members a projection skips are never decoded by
    /// serde_json, so an item that is not UTF-8 in one of them is refused
    /// before it, as it would be read in full.
    #[test]
    fn issue_12_a_projected_item_not_utf8_where_it_is_skipped_is_refused() {
        let keep = BTreeSet::from(["id".to_owned()]);
        let broken = b"{\"id\":1,\"note\":\"\xC3]\"}";
        assert!(parse_item(broken, None).is_err());
        let e = parse_item(broken, Some(&keep)).unwrap_err();
        assert_eq!(e.to_string(), "invalid UTF-8 at line 1 column 17");
        assert_eq!(
            parse_item(br#"{"id":1,"note":"\u00e9"}"#, Some(&keep)).unwrap(),
            serde_json::json!({"id": 1})
        );
    }
}
