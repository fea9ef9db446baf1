//! The structural JSON scan against serde_json: on any document, valid or
//! damaged, compact, pretty or with odd whitespace, read whole or streamed
//! in blocks as small as one byte, the scan (with every item then parsed, as
//! the export reader does) gives exactly what serde_json reads at the same
//! pointer, or an error where serde_json refuses the document.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::source::json_scan::{self, Opened, Sizes};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

/// What a scan of a document found at a pointer.
#[derive(Debug, PartialEq)]
enum Found {
    /// The items of the array at the pointer, or the one value there.
    Items {
        items: Vec<Value>,
        single: bool,
        /// Sorted and without repeats: serde_json keeps them so, and they
        /// are only ever asked whether they hold a key.
        top_keys: Vec<String>,
    },
    Missing,
    Refused,
}

/// serde_json's reading: the whole document, then the pointer.
fn by_serde(doc: &[u8], path: &[String]) -> Found {
    let Ok(root) = serde_json::from_slice::<Value>(doc) else {
        return Found::Refused;
    };
    let top_keys = root
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut at = &root;
    for segment in path {
        let next = match at {
            Value::Object(m) => m.get(segment),
            Value::Array(a) => segment.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        let Some(next) = next else {
            return Found::Missing;
        };
        at = next;
    }
    match at {
        Value::Array(items) => Found::Items {
            items: items.clone(),
            single: false,
            top_keys,
        },
        one => Found::Items {
            items: vec![one.clone()],
            single: true,
            top_keys,
        },
    }
}

fn sorted(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys.dedup();
    keys
}

/// The scan's reading, as `source::export` uses it: opened (streamed when
/// the pointer names an array), located, and each item parsed on its own.
fn by_scan(doc: &[u8], path: &[String], sizes: Sizes) -> Found {
    let parse = |bytes: &[u8], ranges: &[std::ops::Range<usize>]| {
        ranges
            .iter()
            .map(|r| serde_json::from_slice::<Value>(&bytes[r.clone()]).ok())
            .collect::<Option<Vec<Value>>>()
    };
    match json_scan::open_sized(doc, path, sizes) {
        Err(_) => Found::Refused,
        Ok(Opened::Whole(bytes)) => match json_scan::locate(&bytes, path) {
            Ok(located) => match parse(&bytes, &located.items) {
                Some(items) => Found::Items {
                    items,
                    single: located.single,
                    top_keys: sorted(located.top_keys),
                },
                None => Found::Refused,
            },
            Err(json_scan::ScanError::Missing) => Found::Missing,
            Err(_) => Found::Refused,
        },
        Ok(Opened::Stream(mut stream)) => {
            let mut items = Vec::new();
            loop {
                match stream.next_block(Vec::new()) {
                    Ok(Some(block)) => {
                        assert_eq!(block.first_index, items.len(), "blocks are consecutive");
                        match parse(&block.bytes, &block.items) {
                            Some(parsed) => items.extend(parsed),
                            None => return Found::Refused,
                        }
                    }
                    Ok(None) => break,
                    Err(_) => return Found::Refused,
                }
            }
            Found::Items {
                items,
                single: false,
                top_keys: sorted(stream.top_keys().to_vec()),
            }
        }
    }
}

/// Strings with what a scanner must not mistake for structure: quotes,
/// backslashes, brackets, control characters, and characters beyond ASCII.
fn text() -> impl Strategy<Value = String> {
    let tricky = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('/'),
        Just(']'),
        Just('}'),
        Just('['),
        Just('{'),
        Just(','),
        Just(':'),
        Just('\n'),
        Just('\u{0}'),
        Just('\u{1f}'),
        Just('é'),
        Just('\u{2028}'),
        Just('😀'),
    ];
    prop::collection::vec(
        prop_oneof![3 => proptest::char::range('a', 'e'), 2 => tricky, 1 => any::<char>()],
        0..6,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        (-3i64..3).prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A document and the pointer to read in it: the population at the top, as
/// a member beside others (and beside a decoy of the same name one level
/// down), nested, behind an array index, a single value, or nowhere.
fn document() -> impl Strategy<Value = (Value, Vec<String>)> {
    let population = prop::collection::vec(value(), 0..8);
    let others = prop::collection::btree_map(text(), value(), 0..4);
    (0..6u8, population, others, value()).prop_map(|(shape, population, others, one)| {
        let users = || "Users".to_owned();
        let mut members: Map<String, Value> = others.into_iter().collect();
        members.insert(
            "meta".to_owned(),
            serde_json::json!({"Users": ["decoy", {"Users": []}]}),
        );
        let array = Value::Array(population);
        match shape {
            0 => (array, Vec::new()),
            1 => {
                members.insert(users(), array);
                (Value::Object(members), vec![users()])
            }
            2 => {
                members.insert(users(), array);
                let doc = serde_json::json!({"data": Value::Object(members), "z": 1});
                (doc, vec!["data".to_owned(), users()])
            }
            3 => {
                let page = serde_json::json!({"Users": array});
                let doc = serde_json::json!({"pages": [Value::Object(members), page]});
                (doc, vec!["pages".to_owned(), "1".to_owned(), users()])
            }
            4 => {
                members.insert(users(), one);
                (Value::Object(members), vec![users()])
            }
            _ => {
                members.remove("Users");
                (Value::Object(members), vec![users()])
            }
        }
    })
}

/// Writes `v` as JSON with whitespace from `ws` between every token.
fn spaced(v: &Value, ws: &mut impl Iterator<Item = &'static str>, out: &mut String) {
    fn gap(ws: &mut impl Iterator<Item = &'static str>, out: &mut String) {
        out.push_str(ws.next().unwrap_or(""));
    }
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    gap(ws, out);
                    out.push(',');
                }
                gap(ws, out);
                spaced(item, ws, out);
            }
            gap(ws, out);
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    gap(ws, out);
                    out.push(',');
                }
                gap(ws, out);
                out.push_str(&serde_json::to_string(k).unwrap());
                gap(ws, out);
                out.push(':');
                gap(ws, out);
                spaced(item, ws, out);
            }
            gap(ws, out);
            out.push('}');
        }
        leaf => out.push_str(&serde_json::to_string(leaf).unwrap()),
    }
}

/// The document as bytes: compact, pretty, or with whitespace drawn from `seeds`.
fn serialize(doc: &Value, style: u8, seeds: &[u8]) -> Vec<u8> {
    const WS: [&str; 6] = ["", " ", "\n", "\t", "\r\n", "  \n "];
    match style {
        0 => serde_json::to_vec(doc).unwrap(),
        1 => serde_json::to_vec_pretty(doc).unwrap(),
        _ => {
            let mut ws = seeds.iter().cycle().map(|s| WS[usize::from(*s) % WS.len()]);
            let mut out = String::new();
            out.push_str(ws.next().unwrap_or(""));
            spaced(doc, &mut ws, &mut out);
            out.push_str(ws.next().unwrap_or(""));
            out.into_bytes()
        }
    }
}

/// Read sizes from one byte (a boundary everywhere) to the defaults.
fn sizes() -> impl Strategy<Value = Sizes> {
    prop_oneof![
        Just(Sizes::default()),
        (1usize..32, 1usize..64).prop_map(|(read, block)| Sizes { read, block }),
    ]
}

/// Asserts the scan agrees with serde_json on `doc`, whatever its state.
fn agree(doc: &[u8], path: &[String], sizes: Sizes) -> Result<(), TestCaseError> {
    let expected = by_serde(doc, path);
    let got = by_scan(doc, path, sizes);
    prop_assert_eq!(
        &got,
        &expected,
        "document {:?} at {:?} with {:?}",
        String::from_utf8_lossy(doc),
        path,
        sizes
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_documents_give_serde_jsons_items_in_order(
        (doc, path) in document(),
        style in 0..3u8,
        seeds in prop::collection::vec(any::<u8>(), 1..16),
        sizes in sizes(),
    ) {
        let bytes = serialize(&doc, style, &seeds);
        prop_assert!(!matches!(by_serde(&bytes, &path), Found::Refused));
        agree(&bytes, &path, sizes)?;
    }

    #[test]
    fn damaged_documents_are_refused_where_serde_json_refuses_them(
        (doc, path) in document(),
        style in 0..3u8,
        seeds in prop::collection::vec(any::<u8>(), 1..16),
        sizes in sizes(),
        at in any::<Index>(),
        damage in prop::sample::select(&b"]}[{,\":x"[..]),
        truncate in any::<bool>(),
    ) {
        let mut bytes = serialize(&doc, style, &seeds);
        let at = at.index(bytes.len());
        if truncate {
            bytes.truncate(at);
        } else {
            bytes[at] = damage;
        }
        agree(&bytes, &path, sizes)?;
    }
}

/// Issue 12: one byte of a two-byte character replaced by `]` leaves a
/// document that is not UTF-8, which serde_json refuses. The scan validated
/// the document around the items with every value skipped, never decoded,
/// and so read the items (or said the pointer named nothing) as though the
/// document were sound.
#[test]
fn issue_12_a_document_not_utf8_outside_its_items_is_refused() {
    let users = ["Users".to_owned()];
    for doc in [
        // Before the population, after it, and with no population at all.
        &b"{\"x\":\"\xC3]\",\"Users\":[1]}"[..],
        b"{\"Users\":[1],\"x\":[\"\xC3]\"]}",
        b"{\"x\":{\"y\":\"\xC3]\"}}",
        b"[1,{\"x\":\"\xC3]\"}]",
    ] {
        let path: &[String] = if doc.starts_with(b"[") { &[] } else { &users };
        assert_eq!(by_serde(doc, path), Found::Refused);
        for sizes in [Sizes::default(), Sizes { read: 1, block: 1 }] {
            assert_eq!(
                by_scan(doc, path, sizes),
                Found::Refused,
                "{} with {sizes:?}",
                String::from_utf8_lossy(doc)
            );
        }
    }
}
