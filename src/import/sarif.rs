//! SARIF 2.1.0 logs (OASIS SARIF v2.1.0): the format most scanners write
//! (Checkov, Semgrep, CodeQL, Trivy, zizmor, hadolint, ...).
//!
//! Read from a buffered stream into only the members used: the log is never
//! held whole, nor any member assay does not read (snippets, code flows,
//! graphs, artifacts contents). A log of another version (2.0.0) is refused.
//!
//! - The rules a run ran: `tool.driver.rules` and `tool.extensions[].rules`,
//!   and every rule a result names (`ruleId`, `rule.id`, or `ruleIndex`
//!   into the driver's rules).
//! - Success: every `invocations[].executionSuccessful` true; absent
//!   invocations say nothing, so no rule of the run can pass.
//! - Time: the latest `endTimeUtc` (else `startTimeUtc`) of the invocations.
//! - A result fails its rule when its `kind` is `fail` (the default),
//!   `open` or `review`; `pass`, `notApplicable` and `informational` do not.
//! - Location: the first `locations[].physicalLocation.artifactLocation.uri`,
//!   resolved through `originalUriBaseIds` where it names a base, and
//!   `region.startLine`.

use super::{
    Context, Suppression, ToolResult, ToolRun, clean_field, clean_message, repository_path,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::Path;

#[derive(Deserialize)]
struct Log {
    version: Option<String>,
    runs: Option<Vec<Run>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    #[serde(default)]
    invocations: Vec<Invocation>,
    /// Each result made compact as it is read: a log of half a million
    /// results never holds them all in their full form.
    #[serde(default, deserialize_with = "compact_results")]
    results: Option<Vec<Compact>>,
    #[serde(default)]
    original_uri_base_ids: BTreeMap<String, ArtifactLocation>,
}

#[derive(Deserialize)]
struct Tool {
    driver: Component,
    #[serde(default)]
    extensions: Vec<Component>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Component {
    name: String,
    version: Option<String>,
    semantic_version: Option<String>,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Option<Message>,
    default_configuration: Option<Configuration>,
}

#[derive(Deserialize)]
struct Configuration {
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: Option<bool>,
    start_time_utc: Option<String>,
    end_time_utc: Option<String>,
    exit_code: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawResult {
    rule_id: Option<String>,
    rule_index: Option<usize>,
    rule: Option<RuleRef>,
    kind: Option<String>,
    level: Option<String>,
    message: Option<Message>,
    #[serde(default)]
    locations: Vec<Location>,
    #[serde(default)]
    suppressions: Vec<RawSuppression>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleRef {
    id: Option<String>,
    index: Option<usize>,
    tool_component: Option<ComponentRef>,
}

#[derive(Deserialize)]
struct ComponentRef {
    index: Option<usize>,
}

#[derive(Deserialize)]
struct Message {
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Option<PhysicalLocation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: Option<String>,
    uri_base_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: Option<u32>,
}

#[derive(Deserialize)]
struct RawSuppression {
    kind: Option<String>,
    status: Option<String>,
    justification: Option<String>,
}

/// A result, keeping only what assay reads of it.
struct Compact {
    rule_id: Option<String>,
    rule_index: Option<usize>,
    /// The extension (`tool.extensions[i]`) whose rules `rule_index` is
    /// into; the driver's when absent.
    component: Option<usize>,
    /// Whether the result fails its rule, or why its `kind` and `level`
    /// make no sense.
    failing: Result<bool, String>,
    level: &'static str,
    message: Option<String>,
    location: Option<(Option<ArtifactLocation>, Option<u32>)>,
    suppression: Option<RawSuppression>,
}

impl From<RawResult> for Compact {
    fn from(r: RawResult) -> Self {
        Self {
            rule_index: r.rule_index.or(r.rule.as_ref().and_then(|x| x.index)),
            component: r
                .rule
                .as_ref()
                .and_then(|x| x.tool_component.as_ref())
                .and_then(|c| c.index),
            rule_id: r.rule_id.or_else(|| r.rule.and_then(|x| x.id)),
            failing: failing(r.kind.as_deref(), r.level.as_deref()),
            // SARIF's levels; its default is `warning`.
            level: match r.level.as_deref() {
                Some("none") => "none",
                Some("note") => "note",
                Some("error") => "error",
                _ => "warning",
            },
            message: r.message.and_then(|m| m.text),
            location: r
                .locations
                .into_iter()
                .find_map(|l| l.physical_location)
                .map(|p| (p.artifact_location, p.region.and_then(|r| r.start_line))),
            // Suppressed when every entry is accepted (absent status is):
            // one `rejected` or `underReview` entry, as the SARIF SDK reads
            // it, leaves the result unsuppressed.
            suppression: if r
                .suppressions
                .iter()
                .all(|s| matches!(s.status.as_deref(), None | Some("accepted")))
            {
                r.suppressions.into_iter().next()
            } else {
                None
            },
        }
    }
}

/// The most results a run may hold: each is kept (any can become a
/// finding), so this bounds the memory a log of tiny results can take.
pub const RESULT_LIMIT: usize = 2_000_000;

/// Whether a result of this `kind` fails its rule (SARIF §3.27.9): `fail`
/// (the default), `open` and `review` do; `pass`, `notApplicable` and
/// `informational` do not, and then `level` must be `none` (§3.27.10). Any
/// other value is an error, never a pass.
fn failing(kind: Option<&str>, level: Option<&str>) -> Result<bool, String> {
    match kind {
        None | Some("fail" | "open" | "review") => Ok(true),
        Some(k @ ("pass" | "notApplicable" | "informational")) => match level {
            None | Some("none") => Ok(false),
            Some(l) => Err(format!(
                "kind `{k}` with level `{}`: only a failing result has a level other than `none`",
                clean_field(l)
            )),
        },
        Some(other) => Err(format!(
            "`kind` `{}` is not one of SARIF's (fail, open, review, pass, notApplicable, informational)",
            clean_field(other)
        )),
    }
}

fn compact_results<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<Compact>>, D::Error> {
    struct Seq;
    impl<'de> serde::de::Visitor<'de> for Seq {
        type Value = Option<Vec<Compact>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array of results")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
            while let Some(r) = seq.next_element::<RawResult>()? {
                if out.len() >= RESULT_LIMIT {
                    return Err(serde::de::Error::custom(format!(
                        "a run of more than {RESULT_LIMIT} results: split the log"
                    )));
                }
                out.push(Compact::from(r));
            }
            Ok(Some(out))
        }
    }
    d.deserialize_any(Seq)
}

/// Reads a SARIF log's runs.
pub fn read(file: &Path, cx: &Context<'_>) -> Result<Vec<ToolRun>, String> {
    let opened = std::fs::File::open(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, opened));
    let log = Log::deserialize(&mut de).map_err(|e| format!("not a SARIF log: {e}"))?;
    de.end()
        .map_err(|e| format!("not a SARIF log: content after the log: {e}"))?;
    match log.version.as_deref() {
        Some("2.1.0") => {}
        Some(other) => {
            return Err(format!(
                "SARIF version `{other}` is not supported: only 2.1.0 is read"
            ));
        }
        None => return Err("not a SARIF log: no `version`".to_owned()),
    }
    let runs = log
        .runs
        .ok_or_else(|| "not a SARIF log: no `runs`".to_owned())?;
    runs.into_iter()
        .enumerate()
        .map(|(i, run)| tool_run(run, cx).map_err(|e| format!("run {i}: {e}")))
        .collect()
}

fn tool_run(run: Run, cx: &Context<'_>) -> Result<ToolRun, String> {
    let driver = &run.tool.driver;
    let components: Vec<&Component> = std::iter::once(driver)
        .chain(&run.tool.extensions)
        .collect();
    // A rule disabled by default did not run.
    let enabled =
        |r: &&Rule| r.default_configuration.as_ref().and_then(|c| c.enabled) != Some(false);
    let mut out = ToolRun {
        tool: clean_field(&driver.name),
        version: driver
            .semantic_version
            .as_deref()
            .or(driver.version.as_deref())
            .map(clean_field),
        rules: components
            .iter()
            .flat_map(|c| c.rules.iter().filter(enabled))
            .map(|r| clean_field(&r.id))
            .collect(),
        ..ToolRun::default()
    };
    invocations(&run.invocations, &mut out)?;
    let descriptions: BTreeMap<&str, &str> = components
        .iter()
        .flat_map(|c| &c.rules)
        .filter_map(|r| {
            Some((
                r.id.as_str(),
                r.short_description.as_ref()?.text.as_deref()?,
            ))
        })
        .collect();
    let lookup = Lookup {
        driver: &driver.rules,
        extensions: &run.tool.extensions,
        descriptions: &descriptions,
        bases: &run.original_uri_base_ids,
    };
    // Absent or null `results`: the analysis produced none (§3.14.23), which
    // is not "it found nothing".
    let Some(results) = run.results else {
        out.succeeded = Some(false);
        out.failure = Some("the run has no `results`: the analysis did not produce any".to_owned());
        return Ok(out);
    };
    for (i, result) in results.into_iter().enumerate() {
        let r = tool_result(result, &lookup, cx).map_err(|e| format!("result {i}: {e}"))?;
        if !out.rules.contains(&r.rule) {
            out.rules.insert(r.rule.clone());
        }
        out.results.push(r);
    }
    Ok(out)
}

/// What resolving a result needs of its run.
struct Lookup<'a> {
    driver: &'a [Rule],
    extensions: &'a [Component],
    descriptions: &'a BTreeMap<&'a str, &'a str>,
    bases: &'a BTreeMap<String, ArtifactLocation>,
}

/// Success and time from the invocations.
fn invocations(invocations: &[Invocation], out: &mut ToolRun) -> Result<(), String> {
    let mut succeeded = (!invocations.is_empty()).then_some(true);
    for inv in invocations {
        if inv.execution_successful != Some(true) {
            succeeded = Some(false);
            out.failure = Some(match (inv.execution_successful, inv.exit_code) {
                (None, _) => "an invocation does not say whether it succeeded".to_owned(),
                (Some(_), Some(code)) => format!("an invocation failed (exit code {code})"),
                (Some(_), None) => "an invocation failed".to_owned(),
            });
        }
        for time in [&inv.end_time_utc, &inv.start_time_utc]
            .into_iter()
            .flatten()
        {
            let t: jiff::Timestamp = time
                .parse()
                .map_err(|_| format!("`{time}` is not a SARIF time (2026-06-01T12:00:00Z)"))?;
            out.ran_at = Some(out.ran_at.map_or(t, |at: jiff::Timestamp| at.max(t)));
        }
    }
    out.succeeded = succeeded;
    Ok(())
}

fn tool_result(r: Compact, run: &Lookup<'_>, cx: &Context<'_>) -> Result<ToolResult, String> {
    let failing = r.failing?;
    let rules = match r.component {
        None => run.driver,
        Some(i) => {
            &run.extensions
                .get(i)
                .ok_or_else(|| format!("`toolComponent` {i} is not an extension of the run"))?
                .rules
        }
    };
    let by_index = match r.rule_index {
        Some(i) => Some(
            rules
                .get(i)
                .ok_or_else(|| format!("`ruleIndex` {i} names no rule of its component"))?,
        ),
        None => None,
    };
    let rule = match (r.rule_id, by_index) {
        (Some(id), Some(indexed)) if id != indexed.id => {
            return Err(format!(
                "`ruleId` `{}` and `ruleIndex` (rule `{}`) disagree",
                clean_field(&id),
                clean_field(&indexed.id)
            ));
        }
        (Some(id), _) => id,
        (None, Some(indexed)) => indexed.id.clone(),
        (None, None) => return Err("names no rule (`ruleId`, `rule` or `ruleIndex`)".to_owned()),
    };
    let rule = clean_field(&rule);
    let text = r
        .message
        .or_else(|| run.descriptions.get(rule.as_str()).map(|d| (*d).to_owned()))
        .unwrap_or_else(|| format!("result of rule {rule}"));
    let (path, line) = match r.location {
        Some((artifact, line)) => {
            let path = match artifact {
                Some(a) => Some(location_path(&a, run.bases, cx)?),
                None => None,
            };
            (path, line)
        }
        None => (None, None),
    };
    let suppressed = r.suppression.map(|s| Suppression {
        kind: s
            .kind
            .map_or_else(|| "inSource".to_owned(), |k| clean_field(&k)),
        justification: s
            .justification
            .map(|j| clean_message(&j, cx))
            .filter(|j| !j.trim().is_empty()),
    });
    Ok(ToolResult {
        rule,
        failing,
        level: r.level,
        message: clean_message(&text, cx),
        path,
        line,
        suppressed,
    })
}

/// A result's file, relative to the repository root. A relative URI with a
/// base (`%SRCROOT%`) is relative to the root the tool scanned, which is the
/// repository whatever absolute path the base had on the tool's machine; a
/// base that is itself relative (`src/`) is a directory of it.
fn location_path(
    a: &ArtifactLocation,
    bases: &BTreeMap<String, ArtifactLocation>,
    cx: &Context<'_>,
) -> Result<String, String> {
    let uri = a.uri.as_deref().ok_or("a location has no `uri`")?;
    let base = a
        .uri_base_id
        .as_ref()
        .and_then(|id| bases.get(id))
        .and_then(|b| b.uri.as_deref());
    let relative = |u: &str| !u.contains("://") && !u.starts_with('/');
    let full = match base {
        Some(base) if relative(uri) && relative(base) => {
            format!("{}/{uri}", base.trim_end_matches('/'))
        }
        _ => uri.to_owned(),
    };
    repository_path(&full, cx.repository)
}
