//! Streaming a JSON array out of a document: the items at a pointer are
//! handed over one at a time, and nothing else is kept, so a million-user
//! export costs one record of memory, not a whole tree.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// What the pointer led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// An array; its items were passed on.
    Array,
    /// A value that is not an array; it was passed on as the only item.
    Single,
    /// Nothing at that pointer.
    Missing,
}

/// Streams the array at `path` (or passes the single value found there) to
/// `item`, with its index in the array (`None` for the single value),
/// and records the top-level keys of the document when `path` is not empty.
pub fn stream<'de, D: de::Deserializer<'de>>(
    deserializer: D,
    path: &[String],
    item: &mut dyn FnMut(Option<usize>, Value),
    top_keys: &mut Vec<String>,
) -> Result<Found, D::Error> {
    let mut found = Found::Missing;
    Seed {
        path,
        item,
        found: &mut found,
        top_keys: Some(top_keys),
    }
    .deserialize(deserializer)?;
    Ok(found)
}

struct Seed<'p, 'f> {
    path: &'p [String],
    item: &'f mut dyn FnMut(Option<usize>, Value),
    found: &'f mut Found,
    top_keys: Option<&'f mut Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // At the target: an array streams, anything else is the one item.
        if self.path.is_empty() {
            return deserializer.deserialize_any(Target {
                item: self.item,
                found: self.found,
            });
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut pending = Some((self.item, self.found));
        while let Some(key) = map.next_key::<String>()? {
            if let Some(keys) = self.top_keys.as_deref_mut() {
                keys.push(key.clone());
            }
            match (self.path.first(), pending.take()) {
                (Some(first), Some((item, found))) if *first == key => {
                    map.next_value_seed(Seed {
                        path: self.path.get(1..).unwrap_or_default(),
                        item,
                        found,
                        top_keys: None,
                    })?;
                }
                (_, p) => {
                    pending = p;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let wanted = self.path.first().and_then(|s| s.parse::<usize>().ok());
        let mut pending = Some((self.item, self.found));
        let mut i = 0;
        loop {
            if Some(i) == wanted
                && let Some((item, found)) = pending.take()
            {
                let seed = Seed {
                    path: self.path.get(1..).unwrap_or_default(),
                    item,
                    found,
                    top_keys: None,
                };
                if seq.next_element_seed(seed)?.is_none() {
                    break;
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The value at the pointer: an array's items one by one, or one value.
struct Target<'f> {
    item: &'f mut dyn FnMut(Option<usize>, Value),
    found: &'f mut Found,
}

impl<'de> Visitor<'de> for Target<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        *self.found = Found::Array;
        let mut i = 0;
        while let Some(v) = seq.next_element::<Value>()? {
            (self.item)(Some(i), v);
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        *self.found = Found::Single;
        (self.item)(None, v);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.single(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.single(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.single(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.single(Value::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.single(Value::String(v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.single(Value::Null)
    }
}

impl Target<'_> {
    fn single<E>(self, v: Value) -> Result<(), E> {
        *self.found = Found::Single;
        (self.item)(None, v);
        Ok(())
    }
}

use serde::Deserialize;

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, path: &[&str]) -> (Found, Vec<(usize, Value)>, Vec<String>) {
        let path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        let mut items = Vec::new();
        let mut keys = Vec::new();
        let mut de = serde_json::Deserializer::from_str(text);
        let found = stream(
            &mut de,
            &path,
            &mut |i, v| items.push((i.unwrap_or(0), v)),
            &mut keys,
        )
        .unwrap();
        (found, items, keys)
    }

    #[test]
    fn streams_a_nested_array_and_skips_the_rest() {
        let text = r#"{"meta": {"n": 2, "Users": ["decoy"]}, "Users": [{"u": 1}, {"u": 2}], "tail": [1, [2]]}"#;
        let (found, items, keys) = run(text, &["Users"]);
        assert_eq!(found, Found::Array);
        assert_eq!(
            items,
            [
                (0, serde_json::json!({"u": 1})),
                (1, serde_json::json!({"u": 2}))
            ]
        );
        assert_eq!(keys, ["meta", "Users", "tail"]);
        let (found, items, _) = run(text, &["tail", "1"]);
        assert_eq!((found, items.len()), (Found::Array, 1));
    }

    #[test]
    fn missing_and_single_values() {
        let (found, items, _) = run(r#"{"a": 1}"#, &["b"]);
        assert_eq!((found, items.len()), (Found::Missing, 0));
        let (found, items, _) = run(r#"{"a": {"b": 1}}"#, &["a"]);
        assert_eq!(
            (found, items),
            (Found::Single, vec![(0, serde_json::json!({"b": 1}))])
        );
        let (found, items, _) = run(r#"[1, 2, 3]"#, &[]);
        assert_eq!((found, items.len()), (Found::Array, 3));
    }
}
