//! Which top-level members of a record its checks can look at. A generic
//! JSON export's records are parsed with only those members, so the memory
//! and time spent on fields no check reads are saved.
//!
//! The analysis is conservative: a schema keyword at the record's root that
//! can depend on members it does not name (`additionalProperties`,
//! `patternProperties`, `$ref`, `minProperties`, ...) means every member is kept.

use crate::model::{Pointer, RecordCheck};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

/// The members the checks need, or `None` when they may need all of them.
pub fn needed_members<'a>(
    checks: impl IntoIterator<Item = &'a RecordCheck>,
) -> Option<BTreeSet<String>> {
    let mut keep = BTreeSet::new();
    for check in checks {
        if !collect(&check.schema, &mut keep)
            || !check
                .condition
                .as_ref()
                .is_none_or(|c| collect(c, &mut keep))
        {
            return None;
        }
        if let Some(label) = check
            .label
            .as_ref()
            .and_then(|l: &Pointer| l.segments().first())
        {
            keep.insert(label.clone());
        }
        if check.label.as_ref().is_some_and(Pointer::is_root) {
            return None;
        }
    }
    Some(keep)
}

/// Adds the members a root schema names; false when it may read others.
fn collect(schema: &Value, keep: &mut BTreeSet<String>) -> bool {
    let Value::Object(map) = schema else {
        return schema.is_boolean();
    };
    map.iter().all(|(keyword, value)| match keyword.as_str() {
        "$schema" | "$id" | "$comment" | "title" | "description" | "$defs" | "definitions"
        | "examples" | "default" | "type" => true,
        "required" => names(value, keep),
        "properties" => match value {
            Value::Object(props) => {
                keep.extend(props.keys().cloned());
                true
            }
            _ => false,
        },
        "dependentRequired" => match value {
            Value::Object(deps) => deps.iter().all(|(name, required)| {
                keep.insert(name.clone());
                names(required, keep)
            }),
            _ => false,
        },
        "allOf" | "anyOf" | "oneOf" => value
            .as_array()
            .is_some_and(|branches| branches.iter().all(|b| collect(b, keep))),
        "not" | "if" | "then" | "else" => collect(value, keep),
        _ => false,
    })
}

fn names(value: &Value, keep: &mut BTreeSet<String>) -> bool {
    match value.as_array() {
        Some(items) => items.iter().all(|n| match n.as_str() {
            Some(name) => {
                keep.insert(name.to_owned());
                true
            }
            None => false,
        }),
        None => false,
    }
}

/// Parses a value keeping only the named top-level members of an object.
pub struct Projected<'k>(pub &'k BTreeSet<String>);

impl<'de> DeserializeSeed<'de> for Projected<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Projected<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        // Keys are borrowed from the input: skipped members cost no allocation.
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            // A few names: comparing lengths first beats a tree of string comparisons.
            if self.0.iter().any(|k| k.len() == key.len() && *k == key) {
                let value: Value = access.next_value()?;
                map.insert(key.into_owned(), value);
            } else {
                access.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Value::Object(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// A member name, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value, condition: Option<Value>, label: Option<&str>) -> RecordCheck {
        RecordCheck {
            sources: Vec::new(),
            each: None,
            condition,
            schema,
            label: label.map(|l| Pointer::parse(l).unwrap()),
        }
    }

    #[test]
    fn names_what_the_schemas_read() {
        let a = check(
            json!({"properties": {"MfaActive": {"const": true}}, "allOf": [{"required": ["Keys"]}]}),
            Some(json!({"properties": {"PasswordEnabled": {"const": true}}})),
            Some("/UserName"),
        );
        let b = check(
            json!({"not": {"properties": {"Tags": {"additionalProperties": false}}}}),
            None,
            None,
        );
        let keep = needed_members([&a, &b]).unwrap();
        let names: Vec<&str> = keep.iter().map(String::as_str).collect();
        assert_eq!(
            names,
            ["Keys", "MfaActive", "PasswordEnabled", "Tags", "UserName"]
        );
    }

    #[test]
    fn keeps_everything_when_the_root_may_read_any_member() {
        for schema in [
            json!({"additionalProperties": false}),
            json!({"$ref": "#/$defs/user"}),
            json!({"anyOf": [{"minProperties": 2}]}),
            json!({"patternProperties": {"^x": {}}}),
        ] {
            assert!(
                needed_members([&check(schema.clone(), None, None)]).is_none(),
                "{schema}"
            );
        }
    }

    #[test]
    fn projection_parses_only_named_members() {
        let keep: BTreeSet<String> = ["a".to_owned()].into();
        let mut de = serde_json::Deserializer::from_str(
            r#"{"a": [1, {"x": 2}], "b": {"deep": [true]}, "c": "s"}"#,
        );
        let value = Projected(&keep).deserialize(&mut de).unwrap();
        assert_eq!(value, json!({"a": [1, {"x": 2}]}));
        let mut de = serde_json::Deserializer::from_str("[1, 2]");
        assert_eq!(
            Projected(&keep).deserialize(&mut de).unwrap(),
            json!([1, 2])
        );
    }
}
