//! The documentation quotes the real program. A fenced block preceded by
//! `<!-- output of: assay ARGS -->` must be what that command prints (its
//! lines in order; a `...` line skips lines, a `...` inside a line skips
//! text), and every figure the walk-through's prose and tables quote must be
//! one the demo prints, or arithmetic this test redoes.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::assay;
use std::collections::BTreeMap;

const WALKTHROUGH: &str = "examples/acme/README.md";
const MARKER: &str = "<!-- output of: assay ";

/// A quoted block: the command it quotes, and its lines.
struct Quote {
    doc: String,
    line: usize,
    command: Vec<String>,
    lines: Vec<String>,
}

/// The prose of a document (outside fenced blocks) and its quoted blocks.
fn parse(doc: &str) -> (String, Vec<Quote>) {
    let text = std::fs::read_to_string(doc).unwrap();
    let mut prose = String::new();
    let mut quotes = Vec::new();
    let mut pending: Option<Vec<String>> = None;
    let mut block: Option<(usize, Option<Vec<String>>, Vec<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some((start, command, mut lines)) = block.take() {
            if line.starts_with("```") {
                if let Some(command) = command {
                    quotes.push(Quote {
                        doc: doc.to_owned(),
                        line: start + 1,
                        command,
                        lines,
                    });
                }
            } else {
                lines.push(line.to_owned());
                block = Some((start, command, lines));
            }
        } else if line.starts_with("```") {
            block = Some((i, pending.take(), Vec::new()));
        } else if let Some(rest) = line.strip_prefix(MARKER) {
            let args = rest.trim_end().trim_end_matches("-->").split_whitespace();
            pending = Some(args.map(str::to_owned).collect());
        } else {
            assert!(
                pending.is_none() || line.trim().is_empty(),
                "{doc}:{}: an output marker must come right before its block",
                i + 1
            );
            prose.push_str(line);
            prose.push('\n');
        }
    }
    (prose, quotes)
}

/// Whether `pattern` (with `...` standing for any text) matches `line`.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("...");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (n, part) in parts.iter().enumerate() {
        let last = n + 1 == parts.len();
        if last {
            return part.is_empty() || rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Checks a quote against the output: its lines in order, `...` skipping.
fn assert_quotes(quote: &Quote, output: &str) {
    let actual: Vec<&str> = output.lines().collect();
    let mut at = 0;
    let mut skipping = false;
    for want in &quote.lines {
        if want.trim() == "..." {
            skipping = true;
            continue;
        }
        let found = if skipping {
            actual[at..]
                .iter()
                .position(|l| line_matches(want.trim_end(), l.trim_end()))
                .map(|p| at + p)
        } else {
            actual
                .get(at)
                .filter(|l| line_matches(want.trim_end(), l.trim_end()))
                .map(|_| at)
        };
        // The first line of a quote may start anywhere in the output.
        let found = found.or_else(|| {
            (at == 0)
                .then(|| {
                    actual
                        .iter()
                        .position(|l| line_matches(want.trim_end(), l.trim_end()))
                })
                .flatten()
        });
        let Some(found) = found else {
            panic!(
                "{}:{}: `assay {}` does not print, at this point,\n  {want}\nIt prints:\n{output}",
                quote.doc,
                quote.line,
                quote.command.join(" ")
            );
        };
        at = found + 1;
        skipping = false;
    }
}

/// Runs every quoted command once.
fn outputs(quotes: &[Quote]) -> BTreeMap<Vec<String>, String> {
    let mut out = BTreeMap::new();
    for q in quotes {
        out.entry(q.command.clone()).or_insert_with(|| {
            let args: Vec<&str> = q.command.iter().map(String::as_str).collect();
            assay(&args).stdout
        });
    }
    out
}

#[test]
fn quoted_output_is_what_the_program_prints() {
    let mut checked = 0;
    for doc in [WALKTHROUGH, "README.md"] {
        let (_, quotes) = parse(doc);
        let outputs = outputs(&quotes);
        for q in &quotes {
            assert_quotes(q, &outputs[&q.command]);
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} quoted blocks");
}

#[test]
fn the_quote_check_can_fail() {
    assert!(line_matches("a ... c", "a b c"));
    assert!(line_matches(
        "CC1.1, ..., CC6.4 (x), ...",
        "CC1.1, CC1.2, CC6.4 (x), CC7"
    ));
    assert!(!line_matches("a ... d", "a b c"));
    assert!(!line_matches("262,611", "262,612"));
    let quote = Quote {
        doc: "t".into(),
        line: 1,
        command: vec![],
        lines: vec!["one".into(), "three".into()],
    };
    let result = std::panic::catch_unwind(|| assert_quotes(&quote, "one\ntwo\nthree\n"));
    assert!(result.is_err(), "a skipped line needs `...`");
}

/// The lognormal fit of one interval, the ransomware example's arithmetic.
fn redone_arithmetic() -> Vec<String> {
    let z: f64 = 1.6448536;
    let (low, high) = (300_000f64, 15_000_000f64);
    let median = (low * high).sqrt();
    let mu = median.ln();
    let sigma = (high / low).ln() / (2.0 * z);
    let half_var = sigma * sigma / 2.0;
    vec![
        "1.6448536".to_owned(),
        grouped(median.round() as u64),
        format!("{mu:.4}"),
        format!("{:.4}", 2.0 * z),
        format!("{sigma:.5}"),
        format!("{half_var:.5}"),
        format!("{:.5}", half_var.exp()),
        // No ransomware in a year at the residual frequency.
        format!("{:.3}", (-0.0648f64).exp()),
        // A support-session hijack forecast at 0.2 a year.
        format!("{:.4}", 1.0 - (-0.2f64).exp()),
    ]
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn risks_output() -> String {
    let run = assay(&["risks", "examples/acme", "--as-of", "2026-11-20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

/// Every figure in the walk-through's prose: amounts (`1,313,056`) and
/// decimals of two places or more (`0.0648`).
#[test]
fn every_figure_the_walkthrough_quotes_is_printed_or_redone() {
    let (prose, _) = parse(WALKTHROUGH);
    let risks = risks_output();
    let redone = redone_arithmetic();
    let (_, quotes) = parse(WALKTHROUGH);
    let mut printed = risks.clone();
    for output in outputs(&quotes).values() {
        printed.push_str(output);
    }
    let figure = regex::Regex::new(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\.\d{2,}\b").unwrap();
    // Table rows are the next-best-fix table's, which the_next_best_fix_table_adds_up checks.
    let (rows, text): (Vec<&str>, Vec<&str>) = prose.lines().partition(|l| l.starts_with('|'));
    let in_fix_table = rows
        .iter()
        .skip_while(|l| !l.starts_with("| risk | residual ALE now |"));
    let figures_in_tables = rows.iter().filter(|l| figure.is_match(l)).count();
    assert_eq!(
        figures_in_tables,
        in_fix_table.filter(|l| figure.is_match(l)).count(),
        "a table with figures that no test checks"
    );
    let prose = text.join("\n");
    let mut seen = 0;
    for m in figure.find_iter(&prose) {
        let f = m.as_str();
        // `A.5.24` is a control, not a figure.
        if prose[..m.start()].ends_with(|c: char| c == '.' || c.is_ascii_alphabetic()) {
            continue;
        }
        let token = regex::Regex::new(&format!(
            r"(^|[^\d,.]){}($|[^\d,]|,[^\d])",
            regex::escape(f)
        ))
        .unwrap();
        assert!(
            token.is_match(&printed) || redone.iter().any(|r| r == f),
            "{WALKTHROUGH} quotes {f}, which the demo does not print and this test does not compute"
        );
        seen += 1;
    }
    for r in &redone {
        assert!(
            prose.contains(r.as_str()),
            "{WALKTHROUGH} no longer shows {r}"
        );
    }
    assert!(seen >= 20, "only {seen} figures found");
}

/// The next-best-fix table: each row's residual and effect are the demo's,
/// each saving is their product, and the total is the fix's figure.
#[test]
fn the_next_best_fix_table_adds_up() {
    let (prose, _) = parse(WALKTHROUGH);
    let risks = risks_output();
    let header = prose
        .lines()
        .find(|l| l.starts_with("| risk | residual ALE now |"))
        .expect("the walk-through has a next-best-fix table");
    let control = header
        .split('|')
        .nth(3)
        .and_then(|c| c.trim().strip_suffix(" effect"))
        .unwrap();
    let number = |s: &str| s.trim().trim_matches('*').replace(',', "");
    let mut total = 0u64;
    let mut rows = 0;
    let mut stated_total = None;
    for row in prose
        .lines()
        .skip_while(|l| *l != header)
        .skip(2)
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        if cells[1] == "**total**" {
            stated_total = Some(number(cells[4]).parse::<u64>().unwrap());
            continue;
        }
        let (risk, residual, effect, saved) = (cells[1], cells[2], cells[3], cells[4]);
        let block = risks
            .split("\n\n")
            .find(|b| {
                b.lines()
                    .next()
                    .is_some_and(|l| l.ends_with(&format!("({risk})")))
            })
            .unwrap_or_else(|| panic!("no risk {risk} in the demo"));
        let printed_residual = block
            .lines()
            .find(|l| l.trim_start().starts_with("residual:"))
            .or_else(|| block.lines().find(|l| l.contains("; ALE ")))
            .and_then(|l| l.rsplit(' ').next())
            .unwrap();
        assert_eq!(number(printed_residual), number(residual), "{risk}");
        let effect_line = block
            .lines()
            .find(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|c| c.ends_with(control))
            })
            .unwrap_or_else(|| panic!("{control} does not mitigate {risk}"));
        let printed_effect: f64 = effect_line
            .split_whitespace()
            .skip_while(|w| *w != "effect")
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let effect: f64 = effect.parse().unwrap();
        assert!((printed_effect - effect).abs() < 1e-9, "{risk}: effect");
        let residual: f64 = number(residual).parse().unwrap();
        let saved: u64 = number(saved).parse().unwrap();
        assert_eq!((residual * effect).round() as u64, saved, "{risk}");
        total += saved;
        rows += 1;
    }
    assert!(rows >= 3, "{rows} rows");
    assert_eq!(stated_total, Some(total));
    let fix = risks
        .lines()
        .find(|l| l.contains(&format!(" {control} — ")) || l.contains(&format!(":{control} — ")))
        .unwrap_or_else(|| panic!("no next best fix for {control}"));
    let printed: u64 = number(fix.split_whitespace().next().unwrap())
        .parse()
        .unwrap();
    // The table's savings are rounded one by one.
    assert!(printed.abs_diff(total) <= rows, "{printed} vs {total}");
}
