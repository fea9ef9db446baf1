//! The table against the files it stands for: the report schema's kind list,
//! `schemas/kinds/`, and each kind's documentation.

use super::*;
use std::path::Path;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn the_report_schema_lists_every_kind_in_table_order() {
    let text = std::fs::read_to_string(repo("schemas/report.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let listed: Vec<&str> = schema
        .pointer("/properties/exports/items/properties/kind/enum")
        .and_then(Value::as_array)
        .expect("the report schema has an exports[].kind enum")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let registry: Vec<&str> = ExportKind::names().collect();
    assert_eq!(
        listed, registry,
        "schemas/report.schema.json's exports[].kind enum must be the registry's names, in order"
    );
}

#[test]
fn every_kind_schema_is_its_file_and_every_file_a_kind_schema() {
    let mut referenced = Vec::new();
    for kind in ExportKind::ALL {
        let spec = kind.spec();
        let Some(schema) = spec.schema else {
            assert!(
                spec.generic,
                "`{kind}`: a vendor kind needs a record schema"
            );
            continue;
        };
        assert_eq!(
            schema.path,
            format!("schemas/kinds/{}.schema.json", spec.name),
            "`{kind}`: schemas are named after their kind"
        );
        let on_disk = std::fs::read_to_string(repo(schema.path)).unwrap();
        assert_eq!(
            on_disk, schema.text,
            "`{kind}`: the path is not the text's file"
        );
        let value: Value = serde_json::from_str(schema.text).unwrap();
        jsonschema::validator_for(&value).unwrap();
        referenced.push(schema.path.to_owned());
    }
    let mut files: Vec<String> = std::fs::read_dir(repo("schemas/kinds"))
        .unwrap()
        .map(|e| format!("schemas/kinds/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    files.sort();
    referenced.sort();
    assert_eq!(
        files, referenced,
        "a schema in schemas/kinds/ belongs to no kind"
    );
}

#[test]
fn names_are_unique_and_parse_back() {
    for kind in ExportKind::ALL {
        assert_eq!(ExportKind::from_name(kind.name()), Some(*kind));
        assert_eq!(
            ExportKind::ALL
                .iter()
                .filter(|k| k.name() == kind.name())
                .count(),
            1
        );
    }
    assert_eq!(ExportKind::from_name("aws.iam.credential_report"), None);
}

#[test]
fn every_kind_documents_what_it_reads_its_records_and_an_example() {
    for kind in ExportKind::ALL {
        let doc = kind.spec().doc;
        for section in ["What it reads\n", "\nRecords\n", "\nExample\n"] {
            assert!(
                doc.contains(section),
                "`{kind}`: no `{}` section",
                section.trim()
            );
        }
        assert!(
            doc.contains(&format!("kind = \"{kind}\"")),
            "`{kind}`: the example declares another kind"
        );
        for column in kind.spec().columns {
            assert!(
                doc.contains(&format!("`{}`", column.field)),
                "`{kind}`: column `{}` is not documented",
                column.field
            );
        }
    }
}

#[test]
fn renamable_columns_are_csv_columns_the_schema_requires() {
    for kind in ExportKind::ALL {
        let spec = kind.spec();
        if spec.columns.is_empty() {
            continue;
        }
        assert_eq!(
            spec.format,
            Format::Csv,
            "`{kind}`: only CSV columns are renamed"
        );
        let schema: Value = serde_json::from_str(spec.schema.unwrap().text).unwrap();
        let required = schema["required"].as_array().unwrap();
        for column in spec.columns {
            assert!(
                required.iter().any(|r| r == column.field),
                "`{kind}`: column `{}` is not required by the schema",
                column.field
            );
        }
    }
}
