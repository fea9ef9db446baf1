//! Paths into JSON documents: an RFC 6901 JSON Pointer (`/Users/0/name`) or
//! the simple dotted form (`Users.0.name`), normalised to segments.

use serde_json::Value;
use std::fmt;

/// A parsed path into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pointer {
    segments: Vec<String>,
}

impl Pointer {
    /// Parses `/a/b` (with `~0` and `~1` escapes) or `a.b`; `""` and `/` are the whole document.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || text == "/" {
            return Ok(Self::default());
        }
        let segments = if let Some(rest) = text.strip_prefix('/') {
            rest.split('/')
                .map(unescape)
                .collect::<Result<Vec<_>, _>>()?
        } else {
            text.split('.').map(str::to_owned).collect()
        };
        if segments.iter().any(String::is_empty) && !text.starts_with('/') {
            return Err(format!("`{text}` has an empty segment"));
        }
        Ok(Self { segments })
    }

    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The value this pointer names inside `value`, if any.
    pub fn resolve<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        self.segments.iter().try_fold(value, |v, seg| match v {
            Value::Object(map) => map.get(seg),
            Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
    }

    /// Appends a segment, e.g. an array index.
    pub fn join(&self, segment: impl Into<String>) -> Self {
        let mut segments = self.segments.clone();
        segments.push(segment.into());
        Self { segments }
    }
}

fn unescape(segment: &str) -> Result<String, String> {
    let mut out = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return Err(format!("`~` must be followed by `0` or `1` in `{segment}`")),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// The RFC 6901 form, e.g. `/Users/17`.
impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.segments {
            write!(f, "/{}", seg.replace('~', "~0").replace('/', "~1"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_forms_resolve_alike() {
        let doc = json!({"Users": [{"name": "a"}, {"name": "b/c"}], "a/b": {"~": 1}});
        let p = Pointer::parse("/Users/1/name").unwrap();
        assert_eq!(p.resolve(&doc), Some(&json!("b/c")));
        assert_eq!(Pointer::parse("Users.1.name").unwrap(), p);
        assert_eq!(
            Pointer::parse("/a~1b/~0").unwrap().resolve(&doc),
            Some(&json!(1))
        );
        assert_eq!(Pointer::parse("/").unwrap().resolve(&doc), Some(&doc));
        assert_eq!(p.to_string(), "/Users/1/name");
        assert_eq!(Pointer::parse("/a~1b").unwrap().to_string(), "/a~1b");
    }

    #[test]
    fn rejects_bad_escapes_and_empty_dotted_segments() {
        assert!(Pointer::parse("/a~2").is_err());
        assert!(Pointer::parse("a..b").is_err());
        assert!(
            Pointer::parse("/Users/9")
                .unwrap()
                .resolve(&json!({"Users": []}))
                .is_none()
        );
    }
}
