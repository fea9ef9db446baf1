//! The repository is untrusted: a pull request writes every byte of it,
//! `assay.toml`, `policies/`, `.gitignore`s and links included. Each case
//! here is built by the test in a temporary directory, run through the real
//! binary under a timeout, and asserts that assay neither panics, hangs,
//! reads outside the root, prints a planted secret, loses a special or
//! skipped file, nor passes a check because of a NUL byte or an ignore rule.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::git;
use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A key-shaped secret, assembled so this file does not hold one whole.
fn key() -> String {
    format!("AKIA{}", "ZXCVBNMASDFGHJKL")
}

/// The part of the key that redaction must never show.
fn secret_part() -> &'static str {
    "ZXCVBNMASDFGHJKL"
}

struct Run {
    code: Option<i32>,
    out: String,
}

/// Runs assay with the key in its environment, killing it after `limit`.
fn run_in(dir: Option<&Path>, args: &[&str], limit: Duration) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
    cmd.args(args)
        .env("X", key())
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().unwrap();
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("assay {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::from_utf8_lossy(&out_thread.join().unwrap()).into_owned();
    out.push_str(&String::from_utf8_lossy(&err_thread.join().unwrap()));
    // A signal (abort, kill) has no code: that is a crash.
    assert!(
        status.code().is_some(),
        "assay {args:?} crashed: {status:?}\n{out}"
    );
    assert!(
        !out.contains("panicked at") && !out.contains("memory allocation"),
        "assay {args:?} panicked or aborted:\n{out}"
    );
    Run {
        code: status.code(),
        out,
    }
}

fn run(args: &[&str]) -> Run {
    run_in(None, args, Duration::from_secs(60))
}

fn no_secret(run: &Run, what: &str) {
    assert!(
        !run.out.contains(secret_part()),
        "{what}: the planted secret reached the output:\n{}",
        run.out
    );
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A symbolic link at `at` to `target`, its directory created.
fn link(target: &Path, at: &Path) {
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    symlink(target, at).unwrap();
}

fn mkfifo(path: &Path) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A project with a name and nothing else, and a directory outside it holding a key.
struct Case {
    _tmp: tempfile::TempDir,
    project: PathBuf,
    outside: PathBuf,
}

impl Case {
    fn new(config: &str) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("p");
        let outside = tmp.path().join("outside");
        write(&project.join("assay.toml"), config);
        // Invalid TOML around a key: if it is ever read, its diagnostic quotes it.
        write(
            &outside.join("key.toml"),
            format!("id = \"x\"\nkey = {}\n[[[\n", key()),
        );
        write(&outside.join("creds.py"), format!("KEY = '{}'\n", key()));
        Case {
            _tmp: tmp,
            project,
            outside,
        }
    }

    fn path(&self) -> &str {
        self.project.to_str().unwrap()
    }
}

const NAMED: &str = "[project]\nname = \"p\"\n";

/// Each definition file (and the directories holding them) as a link out of
/// the project, to a key file and to `/proc/self/environ` with the key in
/// the environment: a load error naming the path, and no byte of the target.
#[test]
fn definitions_are_never_read_through_links() {
    let cases: Vec<(&str, &str, &str)> = vec![
        ("policies/env.toml", "/proc/self/environ", NAMED),
        ("policies/key.toml", "key.toml", NAMED),
        ("frameworks/env.toml", "/proc/self/environ", NAMED),
        ("frameworks/key.toml", "key.toml", NAMED),
        ("policies", "", NAMED),
        ("waivers.toml", "key.toml", NAMED),
        (
            "risks.toml",
            "key.toml",
            "[project]\nname = \"p\"\nrisks = [\"risks.toml\"]\n",
        ),
        (
            "attest.toml",
            "/proc/self/environ",
            "[project]\nname = \"p\"\nattestations = [\"attest.toml\"]\n",
        ),
    ];
    for (at, target, config) in cases {
        let case = Case::new(config);
        let target = match target {
            "" => case.outside.clone(),
            t if t.starts_with('/') => PathBuf::from(t),
            t => case.outside.join(t),
        };
        link(&target, &case.project.join(at));
        for command in ["validate", "check"] {
            let r = run(&[command, case.path()]);
            no_secret(&r, at);
            assert_eq!(
                r.code,
                Some(2),
                "{command} with {at} → {target:?}:\n{}",
                r.out
            );
            let name = Path::new(at).file_name().unwrap().to_str().unwrap();
            assert!(r.out.contains(name), "{at} is not named:\n{}", r.out);
            assert!(r.out.contains("symbolic link"), "{at}:\n{}", r.out);
        }
    }
}

/// `assay.toml` itself as a link: refused, not followed.
#[test]
fn project_file_link_is_refused() {
    let case = Case::new(NAMED);
    std::fs::remove_file(case.project.join("assay.toml")).unwrap();
    symlink(
        case.outside.join("key.toml"),
        case.project.join("assay.toml"),
    )
    .unwrap();
    let r = run(&["validate", case.path()]);
    no_secret(&r, "assay.toml link");
    assert_eq!(r.code, Some(2), "{}", r.out);
    assert!(r.out.contains("assay.toml"), "{}", r.out);
}

/// `repository = "svc"` where `svc` links to a directory outside: refused,
/// so neither the walk nor the evidence bundle reads the outside files.
#[test]
fn repository_link_is_refused() {
    let case = Case::new("[project]\nname = \"p\"\nrepository = \"svc\"\n");
    symlink(&case.outside, case.project.join("svc")).unwrap();
    let bundle = case.project.join("bundle.tar.gz");
    for args in [
        vec!["check", case.path()],
        vec!["evidence", case.path(), "--out", bundle.to_str().unwrap()],
    ] {
        let r = run(&args);
        no_secret(&r, "repository link");
        assert_eq!(r.code, Some(2), "{args:?}:\n{}", r.out);
        assert!(
            r.out.contains("svc") && r.out.contains("symbolic link"),
            "{}",
            r.out
        );
        assert!(!r.out.contains("creds.py"), "{}", r.out);
    }
    assert!(!bundle.exists());
}

/// Attestation evidence linked out of the project, or a FIFO: refused, named, no hang.
#[test]
fn attestation_evidence_is_confined() {
    let config = "[project]\nname = \"p\"\nframeworks = [\"soc2\"]\n\n[[attestation]]\ncontrol = \"soc2:CC1.4\"\nstatement = \"s\"\nattested_by = \"a\"\ndate = 2026-10-01\nexpires = 2027-10-01\nevidence = [\"ev/roster.csv\"]\n";
    let linked = Case::new(config);
    link(
        &linked.outside.join("creds.py"),
        &linked.project.join("ev/roster.csv"),
    );
    let fifo = Case::new(config);
    mkfifo(&fifo.project.join("ev/roster.csv"));
    for case in [&linked, &fifo] {
        let r = run_in(None, &["validate", case.path()], Duration::from_secs(20));
        no_secret(&r, "evidence");
        assert_eq!(r.code, Some(2), "{}", r.out);
        assert!(r.out.contains("ev/roster.csv"), "{}", r.out);
    }
}

/// A FIFO as any definition file: refused by type before it is opened
/// (opening one blocks until a writer comes), named, exit 2, fast.
#[test]
fn fifo_definitions_never_hang() {
    for (fifo, config) in [
        ("policies/p.toml", NAMED),
        ("frameworks/f.toml", NAMED),
        ("waivers.toml", NAMED),
        ("r.toml", "[project]\nname = \"p\"\nrisks = [\"r.toml\"]\n"),
        (
            "a.toml",
            "[project]\nname = \"p\"\nattestations = [\"a.toml\"]\n",
        ),
    ] {
        let case = Case::new(config);
        mkfifo(&case.project.join(fifo));
        let r = run_in(None, &["validate", case.path()], Duration::from_secs(20));
        assert_eq!(r.code, Some(2), "{fifo}:\n{}", r.out);
        let name = Path::new(fifo).file_name().unwrap().to_str().unwrap();
        assert!(
            r.out.contains(name) && r.out.contains("FIFO"),
            "{fifo}:\n{}",
            r.out
        );
    }
}

/// A risk register linked to `/dev/zero`: refused as a link, never read until memory runs out.
#[test]
fn endless_definition_is_refused() {
    let case = Case::new("[project]\nname = \"p\"\nrisks = [\"r.toml\"]\n");
    symlink("/dev/zero", case.project.join("r.toml")).unwrap();
    let r = run_in(None, &["validate", case.path()], Duration::from_secs(20));
    assert_eq!(r.code, Some(2), "{}", r.out);
    assert!(r.out.contains("r.toml"), "{}", r.out);
}

/// A definition with a TOML error on the line holding a key: the diagnostic
/// points at it with the key masked; a huge one-line file is not printed whole.
#[test]
fn diagnostics_quote_only_redacted_bounded_excerpts() {
    let case = Case::new(NAMED);
    write(
        &case.project.join("policies/bad.toml"),
        format!("[[check]]\nid = \"x\" key = \"{}\"\n", key()),
    );
    let r = run(&["validate", case.path()]);
    assert_eq!(r.code, Some(2), "{}", r.out);
    assert!(r.out.contains("bad.toml"), "{}", r.out);
    no_secret(&r, "TOML diagnostic");

    let long = Case::new(NAMED);
    let mut text = String::from("[[check]]\nid = \"x\"\nmessage = \"");
    text.push_str(&"y".repeat(2_000_000));
    text.push_str("\" oops\n");
    write(&long.project.join("policies/long.toml"), text);
    let r = run(&["validate", long.path()]);
    assert_eq!(r.code, Some(2), "{}", &r.out[..r.out.len().min(2000)]);
    assert!(r.out.contains("long.toml"));
    assert!(r.out.len() < 20_000, "diagnostic is {} bytes", r.out.len());
}

/// A repository with one file per kind of special file, each selected by a
/// built-in check: none is opened, each is named, its checks are `error`.
#[test]
fn special_files_are_named_and_make_their_checks_error() {
    let case = Case::new(NAMED);
    let repo = &case.project;
    mkfifo(&repo.join("Dockerfile"));
    mkfifo(&repo.join("infra/main.tf"));
    mkfifo(&repo.join("src/app.py"));
    mkfifo(&repo.join(".gitignore"));
    mkfifo(&repo.join("sub/.ignore"));
    let socket = std::os::unix::net::UnixListener::bind(repo.join("k8s.yaml")).unwrap();
    let r = run_in(
        None,
        &["check", case.path(), "--format", "json"],
        Duration::from_secs(30),
    );
    drop(socket);
    assert_eq!(r.code, Some(1), "{}", r.out);
    let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let skipped = json["targets"][0]["skipped"].to_string();
    for name in [
        "Dockerfile",
        "infra/main.tf",
        "src/app.py",
        ".gitignore",
        "sub/.ignore",
        "k8s.yaml",
    ] {
        assert!(skipped.contains(name), "{name} not named: {skipped}");
    }
    for id in [
        "docker.non-root",
        "terraform.sg-no-public-ssh",
        "repo.secrets.aws-access-key",
        "k8s.no-privileged",
    ] {
        assert_eq!(status_of(&json, id), "error", "{id}");
    }
}

/// A committed `.gitignore` linking to `/dev/zero` (or `/proc/self/environ`):
/// not applied, named, and the run completes without reading it.
#[test]
fn ignore_file_links_are_not_followed() {
    for target in ["/dev/zero", "/proc/self/environ"] {
        let case = Case::new(NAMED);
        write(&case.project.join("app.py"), format!("K = '{}'\n", key()));
        symlink(target, case.project.join(".gitignore")).unwrap();
        let r = run_in(
            None,
            &["check", case.path(), "--format", "json"],
            Duration::from_secs(30),
        );
        no_secret(&r, target);
        assert_eq!(r.code, Some(1), "{}", r.out);
        let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        assert!(
            json["targets"][0]["skipped"]
                .to_string()
                .contains(".gitignore")
        );
    }
}

/// The check `id` of a JSON report; a missing one fails the test.
fn check_of<'j>(json: &'j serde_json::Value, id: &str) -> &'j serde_json::Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in the report"))
}

fn status_of(json: &serde_json::Value, id: &str) -> String {
    check_of(json, id)["status"].as_str().unwrap().to_owned()
}

/// A committed key file that the pull request also ignores (`.gitignore`
/// naming it, `.ignore` with `*.py`, an ignored directory): still read,
/// because git tracks it. Untracked ignored files are excluded and counted.
#[test]
fn ignore_rules_never_hide_tracked_files() {
    let case = Case::new(NAMED);
    let repo = &case.project;
    write(&repo.join("keys.py"), format!("K = '{}'\n", key()));
    write(
        &repo.join("vendor/deep/creds.py"),
        format!("K = '{}'\n", key()),
    );
    git(repo, &["init", "-q"]);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "keys"]);
    write(&repo.join(".gitignore"), "keys.py\nvendor/\n");
    write(&repo.join(".ignore"), "*.py\n");
    write(&repo.join("vendor/untracked.py"), "x = 1\n");
    write(&repo.join("scratch.py"), "x = 1\n");
    let r = run(&["check", case.path(), "--format", "json"]);
    no_secret(&r, "tracked");
    assert_eq!(r.code, Some(1), "{}", r.out);
    let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(status_of(&json, "repo.secrets.aws-access-key"), "fail");
    let failing = check_of(&json, "repo.secrets.aws-access-key")["failing"].as_u64();
    assert_eq!(failing, Some(2), "both tracked key files are read");
    let target = &json["targets"][0];
    assert_eq!(target["git"], true);
    let ignored: Vec<&str> = target["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(ignored.contains(&"scratch.py"), "{ignored:?}");
    assert!(ignored.contains(&"vendor/untracked.py"), "{ignored:?}");
    assert!(!ignored.contains(&"keys.py"), "{ignored:?}");
}

/// Outside git, ignore rules do exclude files, and each one is named.
#[test]
fn ignored_files_outside_git_are_counted_and_named() {
    let case = Case::new(NAMED);
    write(&case.project.join(".gitignore"), "build/\n*.log\n");
    write(&case.project.join("build/out.txt"), "x");
    write(&case.project.join("a.log"), "x");
    let r = run(&["check", case.path(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let target = &json["targets"][0];
    assert_eq!(target["git"], false);
    assert_eq!(target["ignored"], serde_json::json!(["a.log", "build/"]));
    let human = run(&["check", case.path()]);
    assert!(
        human
            .out
            .contains("2 untracked paths excluded by ignore rules"),
        "{}",
        human.out
    );
    assert!(!human.out.contains("ignored `a.log`"), "{}", human.out);
    let verbose = run(&["check", case.path(), "--verbose"]);
    for line in ["  ignored `a.log`", "  ignored `build/`"] {
        assert!(verbose.out.contains(line), "{line}: {}", verbose.out);
    }
}

/// One NUL byte early in a file must not make it "binary" and skip its checks.
#[test]
fn nul_bytes_never_skip_security_checks() {
    let case = Case::new(NAMED);
    let repo = &case.project;
    write(&repo.join("app.py"), format!("\0\nK = '{}'\n", key()));
    write(
        &repo.join("Dockerfile"),
        "# \0\nFROM alpine:3.20\nUSER root\n",
    );
    write(
        &repo.join("main.tf"),
        "# \0\nresource \"aws_security_group\" \"ssh\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n",
    );
    write(
        &repo.join("pod.yaml"),
        "# \0\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000\n      securityContext:\n        privileged: true\n",
    );
    let r = run(&["check", case.path(), "--format", "json"]);
    no_secret(&r, "binary");
    assert_eq!(r.code, Some(1), "{}", r.out);
    let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    for id in [
        "repo.secrets.aws-access-key",
        "docker.non-root",
        "terraform.sg-no-public-ssh",
        "k8s.no-privileged",
    ] {
        let status = status_of(&json, id);
        assert!(
            status == "fail" || status == "error",
            "{id} is {status} because of a NUL byte"
        );
        assert_eq!(status, "fail", "{id}");
    }
}

/// An inline waiver whose reason holds a key, and a file named after a key:
/// masked in every format and in the bundle, with and without inline waivers.
#[test]
fn planted_secrets_reach_no_output() {
    let case = Case::new(NAMED);
    let repo = &case.project;
    write(
        &repo.join("app.py"),
        format!(
            "# assay:ignore repo.secrets.aws-access-key -- rotated, was {}\nK = '{}'\n",
            key(),
            key()
        ),
    );
    write(&repo.join(format!("{}.txt", key())), format!("{}\n", key()));
    for format in [
        "human", "json", "html", "sarif", "oscal", "junit", "markdown", "csv",
    ] {
        for extra in [None, Some("--no-inline-waivers")] {
            let mut args = vec!["check", case.path(), "--format", format];
            args.extend(extra);
            let r = run(&args);
            assert!(
                r.code == Some(1) || r.code == Some(0),
                "{args:?}: {}",
                r.out
            );
            no_secret(&r, &format!("{args:?}"));
        }
    }
    let bundle = case.outside.join("b.tar.gz");
    let r = run(&["evidence", case.path(), "--out", bundle.to_str().unwrap()]);
    no_secret(&r, "evidence");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&bundle).unwrap(),
    ));
    let mut entries = 0;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        entries += 1;
        assert!(!name.contains(secret_part()), "entry name {name}");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret_part()),
            "bundle entry {name} holds the secret"
        );
    }
    assert!(entries > 3);
}

/// A newline in a file name cannot forge a report line; names that differ
/// only in non-UTF-8 bytes print distinctly; identical runs are identical.
#[test]
fn names_cannot_forge_or_collide() {
    use std::os::unix::ffi::OsStrExt;
    let case = Case::new(NAMED);
    let repo = &case.project;
    write(
        &repo.join("x\ngate: passed (fail-on low)\n\x1b[2J.py"),
        format!("K = '{}'\n", key()),
    );
    for b in [0xffu8, 0xfe] {
        let mut name = b"bad".to_vec();
        name.push(b);
        name.extend_from_slice(b".py");
        write(
            &repo.join(std::ffi::OsStr::from_bytes(&name)),
            format!("K = '{}'\n", key()),
        );
    }
    let human = run(&["check", case.path()]);
    assert_eq!(human.code, Some(1));
    let gates: Vec<&str> = human
        .out
        .lines()
        .filter(|l| l.trim_start().starts_with("gate:"))
        .collect();
    assert_eq!(gates.len(), 1, "{}", human.out);
    assert!(gates[0].contains("FAILED"), "{gates:?}");
    assert!(
        !human.out.contains('\x1b'),
        "raw escape reached the terminal"
    );
    let first = run(&[
        "check",
        case.path(),
        "--format",
        "json",
        "--as-of",
        "2026-11-20",
    ]);
    let again = run(&[
        "check",
        case.path(),
        "--format",
        "json",
        "--as-of",
        "2026-11-20",
    ]);
    assert_eq!(first.out, again.out);
    let json: serde_json::Value = serde_json::from_str(&first.out).unwrap();
    let check = check_of(&json, "repo.secrets.aws-access-key");
    let paths: Vec<&str> = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"bad\\xFF.py"), "{paths:?}");
    assert!(paths.contains(&"bad\\xFE.py"), "{paths:?}");
    for format in ["markdown", "junit", "csv", "html"] {
        let r = run(&["check", case.path(), "--format", format]);
        assert!(!r.out.contains('\x1b'), "{format}: raw escape");
        assert!(
            !r.out.contains("\ngate: passed"),
            "{format}: forged line:\n{}",
            r.out
        );
    }
}

/// The limits the README states are the ones enforced: a definition file
/// one byte over is refused naming the limit, an ignore file one byte over
/// is not applied and is listed.
#[test]
fn readme_limits_are_the_enforced_ones() {
    let readme = std::fs::read_to_string("README.md")
        .unwrap()
        .replace('\n', " ");
    let mib = |n: u64| format!("{} MiB", n / (1024 * 1024));
    let definitions = mib(assay::confine::DEFINITION_LIMIT);
    let ignores = mib(assay::confine::IGNORE_FILE_LIMIT);
    assert!(
        readme.contains(&format!(
            "Definition files are read up to {definitions} each, ignore files up to {ignores}"
        )),
        "README does not state the limits {definitions} / {ignores}"
    );
    let yaml = mib(assay::source::export::YAML_LIMIT);
    assert!(
        readme.contains(&format!(
            "YAML exports (parsed whole; JSON and CSV stream) up to {yaml}"
        )),
        "README does not state the YAML limit {yaml}"
    );
    let case = Case::new(NAMED);
    let big = usize::try_from(assay::confine::DEFINITION_LIMIT).unwrap() + 1;
    write(&case.project.join("policies/big.toml"), "#".repeat(big));
    let over = usize::try_from(assay::confine::IGNORE_FILE_LIMIT).unwrap() + 1;
    write(&case.project.join("repo/.gitignore"), "#".repeat(over));
    let r = run(&["validate", case.path()]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.out.contains("big.toml")
            && r.out
                .contains(&format!("larger than the {definitions} limit")),
        "{}",
        r.out
    );
    let plain = Case::new(NAMED);
    write(&plain.project.join(".gitignore"), "#".repeat(over));
    let r = run(&["check", plain.path(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let skipped = json["targets"][0]["skipped"].to_string();
    assert!(
        skipped.contains(".gitignore") && skipped.contains(&format!("{ignores} limit")),
        "{skipped}"
    );
}

/// When git cannot list the tracked files (a corrupt index), no ignore rule
/// is applied at all, and the report says why; a nested `.git` is named.
#[test]
fn without_the_tracked_list_nothing_is_ignored() {
    let case = Case::new(NAMED);
    let repo = &case.project;
    write(&repo.join("keys.py"), format!("K = '{}'\n", key()));
    git(repo, &["init", "-q"]);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "keys"]);
    write(&repo.join(".gitignore"), "keys.py\n");
    write(&repo.join(".git/index"), "not an index");
    write(&repo.join("vendored/.git/HEAD"), "ref: refs/heads/main\n");
    let r = run(&["check", case.path(), "--format", "json"]);
    assert_eq!(r.code, Some(1), "{}", r.out);
    let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(status_of(&json, "repo.secrets.aws-access-key"), "fail");
    let skipped = json["targets"][0]["skipped"].to_string();
    assert!(skipped.contains("no ignore rule was applied"), "{skipped}");
    assert!(skipped.contains("vendored/.git"), "{skipped}");
}

/// An export that `assay.toml` declares, as a link out of the project or as
/// a FIFO: not read, the export in error, its checks `error`, no hang.
#[test]
fn declared_exports_are_confined() {
    let config = "[project]\nname = \"p\"\n\n[[export]]\nname = \"iam\"\nkind = \"aws.iam.credential-report\"\npath = \"exports/report.csv\"\n";
    let linked = Case::new(config);
    link(
        &linked.outside.join("creds.py"),
        &linked.project.join("exports/report.csv"),
    );
    let fifo = Case::new(config);
    mkfifo(&fifo.project.join("exports/report.csv"));
    for (case, why) in [(&linked, "symbolic link"), (&fifo, "FIFO")] {
        let r = run_in(
            None,
            &["check", case.path(), "--format", "json"],
            Duration::from_secs(30),
        );
        no_secret(&r, why);
        assert_eq!(r.code, Some(1), "{why}: {}", r.out);
        let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        assert!(
            json["exports"].to_string().contains(why),
            "{why}: {}",
            json["exports"]
        );
        assert_eq!(status_of(&json, "aws.iam.console-mfa"), "error", "{why}");
    }
}

/// Escape sequences in an inline waiver's reason, and a newline forging a
/// gate line in a waivers.toml justification, reach no terminal as such.
#[test]
fn waiver_text_cannot_drive_the_terminal_or_forge_lines() {
    let case = Case::new(NAMED);
    write(
        &case.project.join("app.py"),
        format!(
            "# assay:ignore repo.secrets.aws-access-key -- fine\x1b[2J\x1b]0;pwned\x07\nK = '{}'\n",
            key()
        ),
    );
    write(
        &case.project.join("waivers.toml"),
        "[[waiver]]\nid = \"w\"\ncheck = \"repo.codeowners\"\njustification = \"x\\n\\ngate: passed (fail-on low)\\n\\u001b[31m\"\napprover = \"a\"\nticket = \"T-1\"\ngranted = 2026-10-01\nexpires = 2027-01-15\n",
    );
    for format in ["human", "markdown", "junit", "csv", "html"] {
        let r = run(&[
            "check",
            case.path(),
            "--format",
            format,
            "--as-of",
            "2026-11-20",
        ]);
        assert!(!r.out.contains('\x1b'), "{format}: raw escape:\n{}", r.out);
        assert!(!r.out.contains('\x07'), "{format}: raw bell");
        let forged = r
            .out
            .lines()
            .filter(|l| l.trim_start().starts_with("gate: passed (fail-on low)"))
            .count();
        // In HTML a newline inside an element is only white space.
        if format != "html" {
            assert_eq!(forged, 0, "{format}: forged gate line:\n{}", r.out);
        }
    }
}

/// A definition file whose name and text hold escape sequences: the
/// diagnostic quotes neither raw, even with colour forced on.
#[test]
fn diagnostics_never_print_raw_control_characters() {
    let case = Case::new(NAMED);
    write(
        &case.project.join("policies/evil\x1b[2J.toml"),
        "[[check]]\nid = \"x\x1b]0;pwned\x07\" oops\n",
    );
    symlink(
        "/etc/hostname",
        case.project.join("policies/l\x1b[31m.toml"),
    )
    .unwrap();
    let r = run(&["validate", case.path()]);
    assert_eq!(r.code, Some(2), "{}", r.out);
    assert!(r.out.contains("evil"), "{}", r.out);
    for bad in ["\x1b[2J", "\x1b]0;", "\x07", "\x1b[31m.toml"] {
        assert!(!r.out.contains(bad), "raw {bad:?} in:\n{}", r.out);
    }
    // On a terminal miette colours the text with escapes of its own; the
    // quoted file name and source still carry none.
    let Err(errors) = assay::load::load(&case.project) else {
        panic!("the project loads");
    };
    for e in &errors.errors {
        let text = assay::cli::render(e, true);
        for bad in ["\x1b[2J", "\x1b]0;", "\x1b[31m.toml"] {
            assert!(!text.contains(bad), "colour: raw {bad:?} in:\n{text}");
        }
    }
}

/// Issue 13: `-f` names files of the repository; a link, even to a file
/// inside it, is refused, not followed, and a FIFO is an error, never read.
#[test]
fn a_file_flag_never_follows_a_link_or_reads_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("Dockerfile"), "FROM python:3.12\nUSER app\n").unwrap();
    std::os::unix::fs::symlink(root.join("Dockerfile"), root.join("link")).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_assay"))
            .arg("check")
            .arg(root)
            .args(args)
            .output()
            .unwrap()
    };
    let link = run(&["-f", "link"]);
    assert_eq!(link.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&link.stderr).contains("symbolic link"));
    let fifo = root.join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = run(&["-f", "pipe", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = run(&["-f", "Dockerfile"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
}
