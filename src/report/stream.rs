//! Writing large JSON documents without building them whole: the small
//! parts are ordinary `serde_json::Value`s, and the one or two members that
//! grow with the input (SARIF results, OSCAL back-matter resources) are
//! serialised from iterators, an item at a time, straight to the writer.
//!
//! The output is byte for byte what serialising the whole document as one
//! `Value` gives: `serde_json::Map` keeps keys sorted, and [`Spliced`] puts
//! its member where that order places it.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// `head`'s members in their (sorted) order, with `key: value` among them
/// where sorting puts it.
pub(crate) struct Spliced<'a, T> {
    pub head: &'a Map<String, Value>,
    pub key: &'a str,
    pub value: T,
}

impl<T: Serialize> Serialize for Spliced<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.head.len() + 1))?;
        let mut pending = true;
        for (k, v) in self.head {
            if pending && k.as_str() > self.key {
                map.serialize_entry(self.key, &self.value)?;
                pending = false;
            }
            map.serialize_entry(k, v)?;
        }
        if pending {
            map.serialize_entry(self.key, &self.value)?;
        }
        map.end()
    }
}

/// A JSON array whose items are made while it is written, by an iterator
/// `make` builds afresh each time the array is serialised.
pub(crate) struct Lazy<F>(pub F);

impl<F, I> Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}
