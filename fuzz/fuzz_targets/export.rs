//! The export parsers: the input, after a first byte choosing the format
//! (and, for JSON, whether records are projected), is written as an export
//! file and streamed with `assay::source::export::stream` as every kind of
//! that format. An input starting with `/` gives the `each` pointer on its
//! first line.
#![no_main]

use assay::model::{ExportKind, Pointer};
use assay::source::export;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;

const FORMATS: [(&str, &[ExportKind]); 3] = [
    (
        "export.json",
        &[
            ExportKind::Json,
            ExportKind::GithubBranchProtection,
            ExportKind::TerraformPlan,
        ],
    ),
    ("export.yaml", &[ExportKind::Yaml]),
    (
        "export.csv",
        &[ExportKind::Csv, ExportKind::AwsIamCredentialReport],
    ),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (name, kinds) = FORMATS[usize::from(selector) % FORMATS.len()];
    let project = (selector / 3) % 2 == 1;
    let (each, body) = match rest.strip_prefix(b"/") {
        Some(_) => {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let pointer = String::from_utf8_lossy(&rest[..end]).into_owned();
            (
                Pointer::parse(&pointer).ok(),
                rest.get(end + 1..).unwrap_or(&[]),
            )
        }
        None => (None, rest),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    let keep: BTreeSet<String> = ["id", "name", "user", "values"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    for &kind in kinds {
        let _ = export::stream(
            kind,
            &path,
            each.as_ref(),
            export::kind_schema(kind),
            project.then_some(&keep),
            &|records| records.len(),
        );
    }
});
