//! The plan: which checks and record sources look at a file, decided from
//! one pass over every glob of every check, and the judging of the file from
//! one read, with every content pattern matched in one pass.

use crate::check::{CompiledRecordCheck, FileContents, Judge, Location, Outcome, kinds};
use crate::model::{Assertion, Catalog, Check, RecordSource};
use crate::source::{self, HclFile, Parsed, Record, SkippedDocument};
use crate::walk::TreeFile;
use globset::{GlobSet, GlobSetBuilder};
use regex::bytes::{RegexSet, RegexSetBuilder};
use std::cell::RefCell;

/// A check ready to run: how its kind is judged, and for record checks
/// their schemas compiled for this run.
pub(crate) struct Planned<'a> {
    pub check: &'a Check,
    pub judge: Judge,
    pub compiled: Option<Result<CompiledRecordCheck, String>>,
}

impl Planned<'_> {
    pub fn record_sources(&self) -> &[RecordSource] {
        self.check.kind.record_sources()
    }
}

/// Who a glob belongs to.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Check(usize),
    Source(RecordSource),
}

/// What reads a repository file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// A file check that reads contents.
    Content(usize),
    /// A repository record source, parsed once for all its checks.
    Source(RecordSource),
}

/// Every content pattern in one set: one pass over a file says which match.
struct ContentSet {
    set: RegexSet,
    /// For each check, its pattern's index in the set.
    index_of: Vec<Option<usize>>,
}

/// What visiting one file produced.
pub(crate) struct FileWork {
    /// File checks whose globs select the file.
    pub selected: Vec<usize>,
    /// Whether the file was opened.
    pub read: bool,
    pub outcomes: Vec<(usize, Outcome)>,
    /// A Terraform file waits for its module's variables.
    pub terraform: Option<HclFile>,
    /// The file's digest (and copy), when inputs are kept.
    pub kept: Option<Kept>,
    /// `assay:ignore` directives in the file.
    pub inline: Vec<super::waive::Inline>,
    /// Documents of the file a record source could not judge, and why.
    pub skipped: Vec<(RecordSource, SkippedDocument)>,
}

/// What keeping inputs records of a file.
pub(crate) struct Kept {
    pub size: u64,
    pub sha256: String,
    pub copy: Option<Vec<u8>>,
    /// Indices of the checks that examined it.
    pub checks: Vec<usize>,
}

pub(crate) struct Plan<'a> {
    pub planned: Vec<Planned<'a>>,
    globs: GlobSet,
    owners: Vec<Owner>,
    content: Option<ContentSet>,
    max_file_size: u64,
    /// Findings kept per check and input; the rest are counted.
    pub max_findings: usize,
    /// Hash examined files, copying those up to this size.
    keep_inputs: Option<u64>,
}

impl<'a> Plan<'a> {
    pub fn new(catalog: &'a Catalog, as_of: jiff::Timestamp, max_file_size: u64) -> Self {
        let planned: Vec<Planned<'a>> = catalog
            .checks
            .values()
            .map(|check| Planned {
                check,
                judge: kinds::kind_of(check).judge,
                compiled: check
                    .kind
                    .records()
                    .map(|r| CompiledRecordCheck::new(r, as_of)),
            })
            .collect();
        let mut builder = GlobSetBuilder::new();
        let mut owners = Vec::new();
        for (i, p) in planned.iter().enumerate() {
            if let Some(files) = p.check.kind.files() {
                for g in files.include_globs() {
                    builder.add(g.clone());
                    owners.push(Owner::Check(i));
                }
            }
        }
        for s in RecordSource::REPO_SOURCES {
            if planned.iter().any(|p| p.record_sources().contains(&s))
                && let Some(selector) = source::repo_files(s)
            {
                for g in selector.include_globs() {
                    builder.add(g.clone());
                    owners.push(Owner::Source(s));
                }
            }
        }
        let globs = builder.build().unwrap_or_else(|_| GlobSet::empty());
        let content = content_set(&planned);
        Self {
            planned,
            globs,
            owners,
            content,
            max_file_size,
            max_findings: usize::MAX,
            keep_inputs: None,
        }
    }

    /// Keeps at most `max` findings of each check per input.
    pub fn capping_findings(mut self, max: usize) -> Self {
        self.max_findings = max;
        self
    }

    pub fn keeping_inputs(mut self, copy_limit: Option<u64>) -> Self {
        self.keep_inputs = copy_limit;
        self
    }

    /// Selects, reads (if anything needs the contents) and judges one file.
    pub fn visit(&self, file: &TreeFile) -> FileWork {
        let (selected, readers) = self.select(&file.relative);
        let mut work = FileWork {
            selected,
            read: false,
            outcomes: Vec::new(),
            terraform: None,
            kept: None,
            inline: Vec::new(),
            skipped: Vec::new(),
        };
        // Kept inputs include files only a path check looked at: the
        // evidence names the bytes, not just the name.
        let keep = self
            .keep_inputs
            .filter(|_| !work.selected.is_empty() || !readers.is_empty());
        if file.kind != crate::confine::Kind::File {
            // Never opened: a FIFO would hang the run, a device never end.
            // Every check that selects it says so, path checks included.
            let message = format!(
                "{}; special files are never opened",
                crate::confine::Refusal::NotRegular(file.kind)
            );
            let mut checks = work.selected.clone();
            checks.extend(readers.iter().flat_map(|r| self.readers_checks(*r)));
            checks.sort_unstable();
            checks.dedup();
            work.outcomes = checks
                .into_iter()
                .map(|ci| (ci, Outcome::error(&file.relative, message.clone())))
                .collect();
            return work;
        }
        if readers.is_empty() && keep.is_none() {
            return work;
        }
        work.read = true;
        // One buffer per thread, reused: reading 20,000 files must not be 20,000 allocations.
        thread_local! {
            static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        let judged = BUFFER.with_borrow_mut(|buffer| {
            read_file(file, self.max_file_size, buffer).map(|()| {
                if let Some(limit) = keep {
                    work.kept = Some(self.kept(buffer, limit, &work.selected, &readers));
                }
                work.inline = super::waive::scan(&file.relative, buffer);
                self.judge(&readers, &FileContents::new(&file.relative, buffer))
            })
        });
        match judged {
            Ok(judged) => {
                work.outcomes = judged.outcomes;
                work.terraform = judged.terraform;
                work.skipped = judged.skipped;
            }
            Err(message) => {
                work.outcomes = readers
                    .iter()
                    .flat_map(|r| self.readers_checks(*r))
                    .map(|ci| (ci, Outcome::error(&file.relative, message.clone())))
                    .collect();
            }
        }
        work
    }

    fn kept(&self, bytes: &[u8], copy_limit: u64, selected: &[usize], readers: &[Reader]) -> Kept {
        let size = bytes.len() as u64;
        let mut checks: Vec<usize> = selected.to_vec();
        checks.extend(readers.iter().flat_map(|r| self.readers_checks(*r)));
        Kept {
            size,
            sha256: crate::inputs::sha256(bytes),
            copy: (size <= copy_limit).then(|| bytes.to_vec()),
            checks,
        }
    }

    fn select(&self, path: &str) -> (Vec<usize>, Vec<Reader>) {
        let mut checks = Vec::new();
        let mut readers = Vec::new();
        thread_local! {
            static MATCHES: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
        }
        let matched = MATCHES.with_borrow_mut(|buf| {
            self.globs.matches_into(path, buf);
            std::mem::take(buf)
        });
        for &index in &matched {
            match self.owners.get(index) {
                Some(Owner::Check(ci)) if !checks.contains(ci) => {
                    let Some(p) = self.planned.get(*ci) else {
                        continue;
                    };
                    if p.check.kind.files().is_none_or(|f| f.excludes(path)) {
                        continue;
                    }
                    checks.push(*ci);
                    if p.judge.reads_contents() {
                        readers.push(Reader::Content(*ci));
                    }
                }
                Some(Owner::Source(s))
                    if !readers.contains(&Reader::Source(*s))
                        && source::repo_files(*s).is_some_and(|sel| !sel.excludes(path)) =>
                {
                    readers.push(Reader::Source(*s));
                }
                _ => {}
            }
        }
        MATCHES.with_borrow_mut(|buf| *buf = matched);
        checks.sort_unstable();
        (checks, readers)
    }

    /// The checks a reader stands for.
    fn readers_checks(&self, reader: Reader) -> Vec<usize> {
        match reader {
            Reader::Content(ci) => vec![ci],
            Reader::Source(s) => self.checks_of_source(s),
        }
    }

    pub fn checks_of_source(&self, source: RecordSource) -> Vec<usize> {
        self.planned
            .iter()
            .enumerate()
            .filter(|(_, p)| p.record_sources().contains(&source))
            .map(|(i, _)| i)
            .collect()
    }

    fn judge(&self, readers: &[Reader], contents: &FileContents<'_>) -> Judged {
        let mut out = Vec::new();
        let mut terraform = None;
        let mut skipped = Vec::new();
        // One pass over the bytes for every content pattern of every check.
        let hits = match &self.content {
            Some(c) if readers.iter().any(|r| matches!(r, Reader::Content(_))) => {
                Some(c.set.matches(contents.bytes))
            }
            _ => None,
        };
        for reader in readers {
            match *reader {
                Reader::Content(ci) => {
                    let Some(p) = self.planned.get(ci) else {
                        continue;
                    };
                    let hint = match (&hits, &self.content) {
                        (Some(hits), Some(c)) => c
                            .index_of
                            .get(ci)
                            .copied()
                            .flatten()
                            .map(|i| hits.matched(i)),
                        _ => None,
                    };
                    let (Judge::Contents(judge), Some(assertion)) =
                        (p.judge, p.check.kind.assertion())
                    else {
                        continue;
                    };
                    let outcome = judge(p.check, assertion, contents, hint, self.max_findings);
                    out.push((ci, outcome));
                }
                Reader::Source(source) => {
                    // Whatever bytes it holds: a NUL byte must not hide a
                    // privileged pod. The parser sees them decoded lossily
                    // and reports an error if it cannot read them.
                    let text = parser_text(contents.bytes);
                    let records = match source::parse_repo_file(source, contents.path, &text) {
                        Ok(Parsed::Unrelated) => continue,
                        Ok(Parsed::Terraform(hcl)) => {
                            terraform = Some(hcl);
                            continue;
                        }
                        Ok(Parsed::Records(records, skips)) => {
                            skipped.extend(skips.into_iter().map(|s| (source, s)));
                            // Only skipped documents: nothing judged, so no
                            // outcome; the report names them.
                            if records.is_empty() {
                                continue;
                            }
                            Ok(records)
                        }
                        Err(message) => Err(message),
                    };
                    let at = Location {
                        path: contents.path,
                        export: None,
                    };
                    for ci in self.checks_of_source(source) {
                        let outcome = match &records {
                            Ok(records) => {
                                judge_records(&self.planned, ci, records, &at, self.max_findings)
                            }
                            Err(message) => Outcome::error(contents.path, message.clone()),
                        };
                        out.push((ci, outcome));
                    }
                }
            }
        }
        Judged {
            outcomes: out,
            terraform,
            skipped,
        }
    }
}

/// What judging one file's contents produced.
struct Judged {
    outcomes: Vec<(usize, Outcome)>,
    terraform: Option<HclFile>,
    skipped: Vec<(RecordSource, SkippedDocument)>,
}

/// A file as the YAML, HCL and Dockerfile parsers see it: decoded lossily,
/// with control characters other than tab and line ends (which YAML and HCL
/// reject anywhere, and a binary file is full of) shown as U+FFFD, so that a
/// manifest with a NUL byte in a comment or a value is still judged. Lines
/// and columns in characters stay where they were.
fn parser_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let text = String::from_utf8_lossy(bytes);
    let forbidden = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !text.contains(forbidden) {
        return text;
    }
    let cleaned: String = text
        .chars()
        .map(|c| {
            if forbidden(c) {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect();
    std::borrow::Cow::Owned(cleaned)
}

/// The content patterns of all checks in one set, built like each check's own regex.
fn content_set(planned: &[Planned<'_>]) -> Option<ContentSet> {
    let mut patterns = Vec::new();
    let mut index_of = Vec::with_capacity(planned.len());
    for p in planned {
        match p.check.kind.assertion().and_then(Assertion::pattern) {
            Some(re) => {
                index_of.push(Some(patterns.len()));
                patterns.push(re.as_str().to_owned());
            }
            None => index_of.push(None),
        }
    }
    if patterns.is_empty() {
        return None;
    }
    // A set too large to compile is only a lost optimisation: each check then scans on its own.
    let set = RegexSetBuilder::new(&patterns)
        .multi_line(true)
        .crlf(true)
        .size_limit(crate::load::REGEX_SIZE_LIMIT * 4)
        .build()
        .ok()?;
    Some(ContentSet { set, index_of })
}

/// Judges records for one record check: population, failures, and the
/// first `cap` findings (the failures past them are counted, not described).
pub(crate) fn judge_records(
    planned: &[Planned<'_>],
    ci: usize,
    records: &[Record],
    at: &Location<'_>,
    cap: usize,
) -> Outcome {
    let Some(p) = planned.get(ci) else {
        return Outcome::file(Vec::new());
    };
    let (Some(compiled), Some(spec)) = (&p.compiled, p.check.kind.records()) else {
        return Outcome::file(Vec::new());
    };
    let compiled = match compiled {
        Ok(c) => c,
        Err(message) => {
            return Outcome::error(at.path, format!("schema does not compile: {message}"));
        }
    };
    let mut findings = Vec::new();
    let (mut items, mut omitted) = (0, 0);
    for record in records.iter().filter(|r| compiled.selects(r)) {
        items += 1;
        if findings.len() < cap {
            findings.extend(compiled.judge(p.check, spec, record, at));
        } else if compiled.fails(record) {
            omitted += 1;
        }
    }
    Outcome::Examined {
        failing: findings.len() + omitted,
        findings,
        omitted,
        items,
    }
}

/// Reads the file into `buffer`, replacing what it held.
fn read_file(file: &TreeFile, limit: u64, buffer: &mut Vec<u8>) -> Result<(), String> {
    use crate::confine::{self, Refusal};
    let handle = confine::open_regular(&file.absolute).map_err(|e| format!("not read: {e}"))?;
    confine::read_bounded(handle, limit, buffer).map_err(|e| match e {
        Refusal::TooLarge(_) => too_large(limit),
        other => format!("cannot read: {other}"),
    })
}

fn too_large(limit: u64) -> String {
    let size = if limit >= 1024 * 1024 {
        format!("{} MiB", limit / (1024 * 1024))
    } else {
        format!("{limit} bytes")
    };
    format!("file is larger than the {size} limit (--max-file-size); not read")
}
