//! Properties: parsers and loaders never panic, whatever the input.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dockerfile_parsing_never_panics(text in "(FROM|USER|ARG|RUN|COPY|ENV|#|\\\\|<<|EOF|\\$\\{|\\}|:|@| |\\t|\\r|\\n|[a-z0-9=\"'`-]){0,80}") {
        let instructions = assay::dockerfile::parse(&text);
        let stages = assay::dockerfile::stages(&instructions);
        let _ = assay::dockerfile::final_user(&stages);
    }

    #[test]
    fn dockerfile_parsing_never_panics_on_any_text(text in any::<String>()) {
        let _ = assay::dockerfile::stages(&assay::dockerfile::parse(&text));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn loading_arbitrary_policy_text_never_panics(text in "(\\[\\[check\\]\\]|id|title|severity|files|assert|pattern|=|\"|'|\\[|\\]|\\{|\\}|,|\\n| |[a-z.*()\\\\]){0,120}") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("policies")).unwrap();
        std::fs::write(dir.path().join("assay.toml"), "").unwrap();
        std::fs::write(dir.path().join("policies/p.toml"), &text).unwrap();
        let _ = assay::load::load(dir.path());
    }
}
