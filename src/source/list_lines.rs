//! The line of each item of a `List` document, which the values the
//! Kubernetes source parses do not carry: a second, lightweight pass over
//! the stream that keeps only the positions of each document's top-level
//! `items`, and ignores every other value without building it.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// For each document of `text`, in the order the parser yields them, the
/// 1-based line of each item of its top-level `items` sequence (empty for a
/// document without one). `None` when the stream does not parse.
pub fn item_lines(text: &str, options: serde_saphyr::Options) -> Option<Vec<Vec<u32>>> {
    let docs: Vec<Items> = serde_saphyr::from_multiple_with_options(text, options).ok()?;
    Some(docs.into_iter().map(|d| d.0).collect())
}

/// A document, read for its `items` lines only.
#[derive(Default)]
struct Items(Vec<u32>);

/// Whether a mapping key is `items`.
#[derive(Default)]
struct IsItems(bool);

/// The lines of a sequence's elements; nothing for any other value.
#[derive(Default)]
struct Lines(Vec<u32>);

/// Any value that is not the one a visitor looks for: consumed and ignored.
macro_rules! ignore_others {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method<E: de::Error>(self, _: $ty) -> Result<Self::Value, E> {
            Ok(Self::Value::default())
        })*
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Self::Value::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Self::Value::default())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            IgnoredAny::deserialize(d).map(|_| Self::Value::default())
        }
        fn visit_newtype_struct<D: Deserializer<'de>>(
            self,
            d: D,
        ) -> Result<Self::Value, D::Error> {
            IgnoredAny::deserialize(d).map(|_| Self::Value::default())
        }
        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
            IgnoredAny.visit_enum(data).map(|_| Self::Value::default())
        }
    };
}

macro_rules! ignore_scalars {
    () => {
        ignore_others!(
            visit_bool(bool),
            visit_i64(i64),
            visit_u64(u64),
            visit_i128(i128),
            visit_u128(u128),
            visit_f64(f64),
            visit_str(&str),
            visit_bytes(&[u8]),
        );
    };
}

fn ignore_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn ignore_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a YAML document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Items, A::Error> {
                let mut lines = Vec::new();
                while let Some(key) = map.next_key::<IsItems>()? {
                    if key.0 {
                        lines = map.next_value::<Lines>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Items(lines))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Items, A::Error> {
                ignore_seq(seq).map(|()| Items::default())
            }
            ignore_scalars!();
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for IsItems {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IsItems;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<IsItems, E> {
                Ok(IsItems(key == "items"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IsItems, A::Error> {
                ignore_map(map).map(|()| IsItems::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<IsItems, A::Error> {
                ignore_seq(seq).map(|()| IsItems::default())
            }
            ignore_others!(
                visit_bool(bool),
                visit_i64(i64),
                visit_u64(u64),
                visit_i128(i128),
                visit_u128(u128),
                visit_f64(f64),
                visit_bytes(&[u8]),
            );
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Lines {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lines;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lines, A::Error> {
                let mut lines = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<IgnoredAny>>()? {
                    lines.push(u32::try_from(item.referenced.line()).unwrap_or(0));
                }
                Ok(Lines(lines))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lines, A::Error> {
                ignore_map(map).map(|()| Lines::default())
            }
            ignore_scalars!();
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Vec<u32>> {
        item_lines(text, serde_saphyr::Options::default()).unwrap()
    }

    #[test]
    fn each_item_of_a_list_has_its_line() {
        let text = "apiVersion: v1\nkind: List\nmetadata: {name: x}\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- {apiVersion: v1, kind: Pod}\n\n-   kind: Service\n";
        assert_eq!(lines(text), [vec![5, 8, 10]]);
    }

    #[test]
    fn documents_without_items_have_none() {
        let text = "apiVersion: v1\nkind: Pod\n---\n- a\n- b\n---\nplain\n---\nitems: 3\n---\n{[1]: x, items: [{a: 1}]}\n";
        assert_eq!(lines(text), [vec![], vec![], vec![], vec![], vec![11]]);
    }
}
