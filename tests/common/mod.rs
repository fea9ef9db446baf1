//! Helpers shared by the integration tests.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::panic, dead_code)]

/// Secrets planted in the demo, read from the files so the tests hold none:
/// the AWS access key id in settings.py and the private key's body lines.
pub fn planted_secrets() -> Vec<String> {
    let settings = std::fs::read_to_string("examples/acme/service/app/settings.py").unwrap();
    let key = regex::Regex::new(r"AKIA[A-Z0-9]{16}").unwrap();
    let mut secrets: Vec<String> = key
        .find_iter(&settings)
        .map(|m| m.as_str().to_owned())
        .collect();
    let pem = std::fs::read_to_string("examples/acme/service/deploy/bastion_ed25519").unwrap();
    secrets.extend(
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_owned),
    );
    secrets.dedup();
    assert!(secrets.len() >= 2);
    secrets
}

/// A run of the assay binary: exit code and output, without colour and
/// without `SOURCE_DATE_EPOCH` from the environment.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn assay_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_assay"));
    cmd.args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

pub fn assay(args: &[&str]) -> Run {
    assay_env(args, &[])
}

/// A peer tool is missing: in the full run (`ASSAY_REQUIRE_PEERS=1`, set by
/// `./scripts/test`) that fails the test; otherwise it is skipped, saying so.
pub fn unavailable<T>(tool: &str, problem: &str, variable: &str) -> Option<T> {
    if std::env::var("ASSAY_REQUIRE_PEERS").is_ok_and(|v| v == "1") {
        panic!(
            "{tool} is required (ASSAY_REQUIRE_PEERS=1) but {problem}; \
             ./scripts/test installs it and sets {variable}"
        );
    }
    println!(
        "skipped: {tool} is not available ({problem}); ./scripts/test installs it and runs this test"
    );
    None
}

/// Runs git in `dir` for a test's setup, with a test identity and none of
/// the machine's own configuration; a failure fails the test with git's words.
pub fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The check-jsonschema executable, if there is one.
pub fn check_jsonschema() -> Option<String> {
    if let Ok(path) = std::env::var("ASSAY_CHECK_JSONSCHEMA")
        && !path.is_empty()
    {
        return Some(path);
    }
    if std::process::Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some("check-jsonschema".to_owned());
    }
    unavailable(
        "check-jsonschema",
        "ASSAY_CHECK_JSONSCHEMA is unset and it is not on PATH",
        "ASSAY_CHECK_JSONSCHEMA",
    )
}

/// The Checkov executable (`ASSAY_CHECKOV`, set by `./scripts/test`), or
/// `None` when the test is to be skipped.
pub fn checkov() -> Option<std::path::PathBuf> {
    let problem = match std::env::var_os("ASSAY_CHECKOV") {
        None => "ASSAY_CHECKOV is not set".to_owned(),
        Some(p) if p.is_empty() => "ASSAY_CHECKOV is empty".to_owned(),
        Some(p) => {
            let path = std::env::current_dir().unwrap().join(p);
            if path.is_file() {
                return Some(path);
            }
            format!("ASSAY_CHECKOV={} is not an executable file", path.display())
        }
    };
    unavailable("Checkov", &problem, "ASSAY_CHECKOV")
}

/// A peer's executable from its `ASSAY_*` variable (set by
/// `./scripts/test`), or `None` when the test is to be skipped.
pub fn peer(tool: &str, variable: &str) -> Option<std::path::PathBuf> {
    match std::env::var_os(variable) {
        Some(p) if !p.is_empty() => {
            let path = std::env::current_dir().unwrap().join(p);
            if path.is_file() {
                return Some(path);
            }
            unavailable(
                tool,
                &format!("{variable}={} is not a file", path.display()),
                variable,
            )
        }
        _ => unavailable(tool, &format!("{variable} is not set"), variable),
    }
}
