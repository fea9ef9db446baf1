//! The assertion kinds, one table: every kind lives in its own file with its
//! [`AssertionSpec`] (name, documentation, pattern, default files) and the
//! function that judges it. The loader resolves names here, the engine
//! dispatches here, `assay explain` documents from here.
//!
//! Adding a kind: a file beside this one declaring `pub static KIND`, and a
//! line in [`ASSERTIONS`]. What a kind is ([`Kind`], [`Judge`]) is defined in
//! `kind.rs`, which the kinds import and this table lists.

pub use super::kind::{Judge, Kind, PathVerdict, Selected};
use super::{FileContents, Outcome};
use super::{
    absent, contains, dockerfile_from, dockerfile_user, exists, imported, not_contains, record,
};
use crate::model::{Assertion, AssertionSpec, Check};
use std::sync::LazyLock;

/// Every assertion kind, in the order help texts list them.
pub static ASSERTIONS: [&Kind; 8] = [
    &exists::KIND,
    &absent::KIND,
    &contains::KIND,
    &not_contains::KIND,
    &dockerfile_user::KIND,
    &dockerfile_from::KIND,
    &record::KIND,
    &imported::KIND,
];

/// The kind a file check may name in `assert`.
pub fn file_assertion(name: &str) -> Option<&'static Kind> {
    ASSERTIONS
        .iter()
        .copied()
        .find(|k| k.spec.name == name && k.judge.judges_files())
}

/// The kind of this name, for `assay explain`.
pub fn named(name: &str) -> Option<&'static Kind> {
    ASSERTIONS.iter().copied().find(|k| k.spec.name == name)
}

/// The names file checks may use, for help texts.
pub fn file_assertion_names() -> &'static str {
    static NAMES: LazyLock<String> = LazyLock::new(|| {
        ASSERTIONS
            .iter()
            .filter(|k| k.judge.judges_files())
            .map(|k| k.spec.name)
            .collect::<Vec<_>>()
            .join(", ")
    });
    NAMES.as_str()
}

/// The assertion record checks make.
pub fn record_assertion() -> &'static AssertionSpec {
    &record::KIND.spec
}

/// The kind a check asserts.
pub fn kind_of(check: &Check) -> &'static Kind {
    match (&check.kind, check.kind.assertion()) {
        (crate::model::CheckKind::Imported(_), _) => &imported::KIND,
        (_, None) => &record::KIND,
        (_, Some(a)) => file_assertion(a.name()).unwrap_or(&UNREGISTERED),
    }
}

/// Stands for a kind missing from [`ASSERTIONS`], which the loader cannot
/// produce: every file it selects is an error, never a pass.
static UNREGISTERED: Kind = Kind {
    spec: AssertionSpec {
        name: "unregistered",
        doc: crate::model::AssertionDoc {
            what: "",
            why: "",
            example: "",
            evidence: "",
        },
        pattern: crate::model::PatternUse::None,
        default_files: &[],
        default_excludes: &[],
    },
    judge: Judge::Contents(unregistered),
};

fn unregistered(
    check: &Check,
    _: &Assertion,
    file: &FileContents<'_>,
    _: Option<bool>,
    _: usize,
) -> Outcome {
    let name = check.kind.assertion().map_or("", Assertion::name);
    Outcome::error(file.path, format!("assertion `{name}` is not registered"))
}

#[cfg(test)]
mod tests {
    use super::{ASSERTIONS, Judge, file_assertion, kind_of, not_contains};
    use crate::model::PatternUse;

    #[test]
    fn names_are_unique() {
        for (i, a) in ASSERTIONS.iter().enumerate() {
            let later = ASSERTIONS.iter().skip(i + 1);
            assert!(
                later.into_iter().all(|b| b.spec.name != a.spec.name),
                "{}",
                a.spec.name
            );
        }
    }

    /// The report schema's `assertion` enum is the table, in its order.
    #[test]
    fn the_report_schema_lists_every_assertion_in_table_order() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/report.schema.json");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let listed: Vec<&str> = schema
            .pointer("/$defs/check/properties/assertion/enum")
            .and_then(serde_json::Value::as_array)
            .map(|names| names.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        let table: Vec<&str> = ASSERTIONS.iter().map(|k| k.spec.name).collect();
        assert_eq!(
            listed, table,
            "schemas/report.schema.json's check assertion enum must be check::kinds::ASSERTIONS"
        );
    }

    #[test]
    fn every_kind_is_documented() {
        for k in ASSERTIONS {
            for (title, text) in k.spec.doc.sections() {
                assert!(!text.trim().is_empty(), "`{}` has no {title}", k.spec.name);
            }
        }
    }

    /// A path assertion never sees contents, so it cannot use a pattern.
    #[test]
    fn path_kinds_take_no_pattern() {
        for k in ASSERTIONS {
            if let Judge::Paths(_) = k.judge {
                assert_eq!(k.spec.pattern, PatternUse::None, "{}", k.spec.name);
            }
        }
    }

    #[test]
    fn explain_prints_a_kind_s_documentation() {
        let text = crate::explain::explain_assertion(&not_contains::KIND.spec);
        assert!(text.starts_with("assertion not-contains\n"), "{text}");
        for (title, body) in not_contains::KIND.spec.doc.sections() {
            assert!(text.contains(title) && text.contains(body.lines().next().unwrap_or("")));
        }
    }

    #[test]
    fn every_builtin_check_has_its_kind() {
        let loaded = crate::load::load(std::path::Path::new("/nonexistent/assay-kinds"));
        let Ok(loaded) = loaded else {
            unreachable!("the built-in catalog loads");
        };
        for check in loaded.catalog.checks.values() {
            let kind = kind_of(check);
            if let Some(a) = check.kind.assertion() {
                assert!(file_assertion(a.name()).is_some());
                assert_eq!(kind.spec.name, a.name());
            }
        }
    }
}
