//! Helpers shared by the integration tests.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(clippy::unwrap_used)]

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
