//! The HTML report end to end: its sections, that it is self-contained,
//! deterministic, escaped and redacted, and that a real browser renders and
//! prints it without complaint.
//!
//! The browser test runs headless Chromium, found through `ASSAY_CHROMIUM`
//! (the executable) or as `chromium` / `chromium-browser` on `PATH`;
//! `./scripts/test` installs it and sets `ASSAY_CHROMIUM`. When it is missing
//! the test is skipped with a message, unless `ASSAY_REQUIRE_PEERS=1`, when it
//! fails. It leaves `target/test-artifacts/demo-report.{html,png,pdf}` to look at.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{assay, planted_secrets};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every section the page promises, by element id.
const SECTIONS: [&str; 8] = [
    "summary", "matrix", "risks", "exposed", "fixes", "value", "failing", "manual",
];

/// A hung browser fails the test instead of hanging the run.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

fn demo_html() -> String {
    let run = assay(&[
        "check",
        "examples/acme",
        "--format",
        "html",
        "--as-of",
        "2026-11-01",
    ]);
    assert_eq!(run.code, 1, "the demo fails its gate: {}", run.stderr);
    run.stdout
}

fn assert_sections(html: &str, what: &str) {
    for id in SECTIONS {
        let attr = format!("id=\"{id}\"");
        assert_eq!(
            html.matches(&attr).count(),
            1,
            "{what}: section `{id}` missing or not unique"
        );
    }
}

/// No attribute or style loads anything from outside the page.
fn assert_self_contained(html: &str) {
    let lower = html.to_ascii_lowercase();
    let remote = regex::Regex::new(
        r#"(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"#,
    )
    .unwrap();
    assert!(
        !remote.is_match(&lower),
        "a remote reference: {:?}",
        remote.find(&lower)
    );
    let remote_url = regex::Regex::new(r#"url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"#).unwrap();
    assert!(
        !remote_url.is_match(&lower),
        "a remote url(): {:?}",
        remote_url.find(&lower)
    );
    for forbidden in [
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "@import",
        "@font-face",
        "<link rel=\"stylesheet\"",
    ] {
        assert!(
            !lower.contains(forbidden),
            "the page contains `{forbidden}`"
        );
    }
}

#[test]
fn the_demo_page_has_every_section_and_loads_nothing() {
    let html = demo_html();
    assert!(html.starts_with("<!doctype html>\n<html lang=\"en\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>Acme Corp · compliance report as of 2026-11-01"));
    assert!(html.contains("<style>") && html.contains("@media print"));
    assert!(html.contains("Content-Security-Policy"));
    assert_sections(&html, "demo");
    assert_self_contained(&html);
    for expected in [
        "Gate failed",
        "href=\"#check-repo.secrets.aws-access-key\"",
        "id=\"check-aws.iam.console-mfa\"",
        "sam.support",
        "<svg role=\"img\"",
        "Set `audit_log = true` in support-tool/config.toml",
        "Next best fixes",
    ] {
        assert!(html.contains(expected), "missing `{expected}`");
    }
}

/// The page's raw bytes for `args`, with `SOURCE_DATE_EPOCH` set or not.
fn page(args: &[&str], epoch: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
    cmd.args(args)
        .args(["--format", "html"])
        .env("NO_COLOR", "1");
    match epoch {
        Some(seconds) => cmd.env("SOURCE_DATE_EPOCH", seconds),
        None => cmd.env_remove("SOURCE_DATE_EPOCH"),
    };
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(b"<!doctype html>"));
    out.stdout
}

/// Where two pages first differ, for the failure message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let around = |p: &[u8]| {
        String::from_utf8_lossy(&p[at.saturating_sub(40)..p.len().min(at + 40)]).into_owned()
    };
    format!("at byte {at}: {:?} / {:?}", around(a), around(b))
}

fn assert_same(a: &[u8], b: &[u8], what: &str) {
    assert!(a == b, "{what}: two runs differ {}", first_difference(a, b));
}

#[test]
fn the_same_report_gives_the_same_bytes() {
    let check = |as_of| page(&["check", "examples/acme", "--as-of", as_of], None);
    let first = check("2026-11-01");
    assert_same(&first, &check("2026-11-01"), "--as-of");
    // The comparison can fail: the page shows its date, so another is another page.
    assert_ne!(first, check("2026-11-02"), "the date is on the page");
    // SOURCE_DATE_EPOCH pins the time as well as --as-of does.
    let by_epoch = |seconds| page(&["check", "examples/acme"], Some(seconds));
    let epoch = by_epoch("1793491200");
    assert_same(&epoch, &by_epoch("1793491200"), "SOURCE_DATE_EPOCH");
    assert_ne!(epoch, by_epoch("1793577600"), "a day later");
}

#[test]
fn risks_renders_the_same_page() {
    let risks = |as_of| {
        page(
            &[
                "risks",
                "examples/acme",
                "--as-of",
                as_of,
                "--trials",
                "5000",
            ],
            None,
        )
    };
    let first = risks("2026-11-01");
    assert_sections(&String::from_utf8(first.clone()).unwrap(), "risks");
    // The Monte Carlo is seeded: the same inputs give the same bytes.
    assert_same(&first, &risks("2026-11-01"), "risks");
    assert_ne!(first, risks("2026-11-02"), "the date is on the page");
}

#[test]
fn planted_secrets_stay_redacted() {
    let html = demo_html();
    for secret in planted_secrets() {
        assert!(!html.contains(secret.as_str()), "the page leaks a secret");
    }
    assert!(html.contains("AKIA****************"), "redacted form shown");
}

/// A project whose name, check, finding, excerpt and remediation are HTML.
fn hostile_project(dir: &Path, files: usize) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::create_dir_all(dir.join("repo")).unwrap();
    std::fs::write(
        dir.join("assay.toml"),
        "[project]\nname = \"Tom & Jerry's <Co>\"\nrepository = \"repo\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("policies/p.toml"),
        r#"[[check]]
id = "x.markup"
title = "No <blink> & no \"markup\""
severity = "high"
files = ["**"]
assert = "not-contains"
pattern = '<img[^>]*>'
show_match = true
message = "found <script>alert(\"x&y's\")</script>"
remediation = "Remove <b>it</b> & 'quote' \"properly\""
"#,
    )
    .unwrap();
    for i in 0..files {
        std::fs::write(
            dir.join(format!("repo/page-{i:03}.html")),
            "<p>hi</p>\n<img src=x onerror=\"alert('pwned')\">\n",
        )
        .unwrap();
    }
}

#[test]
fn html_in_findings_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    hostile_project(dir.path(), 1);
    let run = assay(&[
        "check",
        dir.path().to_str().unwrap(),
        "--format",
        "html",
        "--as-of",
        "2026-11-01",
        "--trials",
        "2000",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let html = &run.stdout;
    assert_self_contained(html);
    for raw in [
        "<script>",
        "<img src=x",
        "<blink>",
        "<b>it</b>",
        "<Co>",
        "onerror=\"alert",
    ] {
        assert!(!html.contains(raw), "`{raw}` reached the page unescaped");
    }
    for escaped in [
        "Tom &amp; Jerry&#39;s &lt;Co&gt;",
        "found &lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;",
        "&lt;img src=x onerror=&quot;alert(&#39;pwned&#39;)&quot;&gt;",
        "No &lt;blink&gt; &amp; no &quot;markup&quot;",
        "Remove &lt;b&gt;it&lt;/b&gt; &amp; &#39;quote&#39; &quot;properly&quot;",
        "page-000.html:2:1",
    ] {
        assert!(html.contains(escaped), "missing `{escaped}`");
    }
}

#[test]
fn findings_are_capped_per_check() {
    let dir = tempfile::tempdir().unwrap();
    hostile_project(dir.path(), 57);
    let run = assay(&[
        "check",
        dir.path().to_str().unwrap(),
        "--format",
        "html",
        "--trials",
        "2000",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("page-049.html:2:1"));
    assert!(
        !run.stdout.contains("page-050.html"),
        "the 51st finding is shown"
    );
    assert!(
        run.stdout.contains("and 7 more findings"),
        "no line says what was left out"
    );
}

#[test]
fn a_merged_report_says_it_has_no_risk_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in ["bad", "good"] {
        let run = assay(&[
            "check",
            &format!("fixtures/repos/{name}"),
            "--format",
            "json",
            "--as-of",
            "2026-11-26",
            "--trials",
            "2000",
        ]);
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, run.stdout).unwrap();
        paths.push(path.to_str().unwrap().to_owned());
    }
    let run = assay(&["merge", &paths[0], &paths[1], "--format", "html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_sections(&run.stdout, "merged");
    assert_self_contained(&run.stdout);
    assert_eq!(
        run.stdout
            .matches("No risk analysis in this report")
            .count(),
        4,
        "risks, exposed, fixes and value each say so"
    );
}

/// The Chromium executable, or `None` when the test is to be skipped.
fn chromium() -> Option<PathBuf> {
    let problem = match std::env::var_os("ASSAY_CHROMIUM").filter(|p| !p.is_empty()) {
        Some(p) => {
            let path = PathBuf::from(&p);
            let found = if path.components().count() > 1 {
                Some(std::env::current_dir().unwrap().join(path)).filter(|p| is_executable(p))
            } else {
                on_path(&p.to_string_lossy())
            };
            match found {
                Some(path) => return Some(path),
                None => format!(
                    "ASSAY_CHROMIUM={} is not an executable file",
                    p.to_string_lossy()
                ),
            }
        }
        None => match on_path("chromium").or_else(|| on_path("chromium-browser")) {
            Some(path) => return Some(path),
            None => {
                "ASSAY_CHROMIUM is not set and neither chromium nor chromium-browser is on PATH"
                    .to_owned()
            }
        },
    };
    common::unavailable("Chromium", &problem, "ASSAY_CHROMIUM")
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// What one headless run printed.
struct Browser {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with `args`, killed after [`BROWSER_TIMEOUT`].
fn browse(chromium: &Path, page: &Path, args: &[&str]) -> Browser {
    let scratch = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (scratch.path().join("out"), scratch.path().join("err"));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.path().join("profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + BROWSER_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium did not finish within {BROWSER_TIMEOUT:?} ({args:?}); stderr:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let run = Browser {
        stdout: String::from_utf8_lossy(&std::fs::read(&out_path).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned(),
    };
    assert!(
        status.success(),
        "Chromium failed ({status}, {args:?}):\n{}",
        run.stderr
    );
    // The page has no script: any console message is a blocked load, a
    // Content-Security-Policy violation or an error.
    for line in run.stderr.lines() {
        for bad in [
            ":CONSOLE",
            "Uncaught",
            "Failed to load resource",
            "net::ERR_",
            "Content Security Policy",
        ] {
            assert!(!line.contains(bad), "the browser complained: {line}");
        }
    }
    run
}

#[test]
fn chromium_renders_and_prints_the_demo_cleanly() {
    let Some(chromium) = chromium() else {
        return;
    };
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let page = artifacts.join("demo-report.html");
    let png = artifacts.join("demo-report.png");
    let pdf = artifacts.join("demo-report.pdf");
    for old in [&png, &pdf] {
        let _ = std::fs::remove_file(old);
    }
    std::fs::write(&page, demo_html()).unwrap();

    let dom = browse(&chromium, &page, &["--dump-dom"]);
    assert_sections(&dom.stdout, "the DOM Chromium built");
    assert!(dom.stdout.contains("<svg"), "the chart is in the DOM");

    browse(
        &chromium,
        &page,
        &[
            &format!("--screenshot={}", png.display()),
            // Tall enough for the whole demo page (about 15,400 px): the
            // screenshot must show every section, which the check below of
            // a blank bottom margin confirms.
            "--window-size=1280,16000",
        ],
    );
    let image = std::fs::read(&png).unwrap();
    assert!(
        image.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    let width = u32::from_be_bytes(image[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(image[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 16000));
    assert!(
        ends_blank(&image, 100),
        "the page is taller than the screenshot: sections are cut off"
    );
    // A blank page of that size compresses to a few kilobytes.
    assert!(
        image.len() > 100_000,
        "the screenshot looks empty: {} bytes",
        image.len()
    );

    browse(
        &chromium,
        &page,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
    );
    let document = std::fs::read(&pdf).unwrap();
    assert!(document.starts_with(b"%PDF-"), "the print is not a PDF");
    assert!(
        document.len() > 50_000,
        "the PDF looks empty: {} bytes",
        document.len()
    );
    let tail = String::from_utf8_lossy(&document[document.len().saturating_sub(32)..]).into_owned();
    assert!(tail.contains("%%EOF"), "the PDF is truncated");
}

/// Whether the last `rows` rows of a PNG repeat the row above them, i.e. the
/// page ended before the image did. Filtered with None a uniform row is all
/// 255 (white); with Sub, Up, Average or Paeth after an equal row, all 0.
fn ends_blank(png: &[u8], rows: usize) -> bool {
    use std::io::Read;
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap()) as usize;
    let bytes_per_pixel = match png[25] {
        2 => 3,
        6 => 4,
        other => panic!("unexpected PNG colour type {other}"),
    };
    let mut data = Vec::new();
    let mut pos = 8;
    while pos + 8 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        if &png[pos + 4..pos + 8] == b"IDAT" {
            data.extend_from_slice(&png[pos + 8..pos + 8 + len]);
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(data.as_slice())
        .read_to_end(&mut raw)
        .unwrap();
    let stride = 1 + width * bytes_per_pixel;
    raw.chunks(stride).rev().take(rows).all(|row| {
        let (filter, pixels) = (row[0], &row[1..]);
        (filter == 0 && pixels.iter().all(|&b| b == 255))
            || (filter != 0 && pixels.iter().all(|&b| b == 0))
    })
}
