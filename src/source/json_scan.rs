//! Finding a population in a JSON document without building the document:
//! a structural scan locates the array a pointer names and the byte range of
//! each item, so items can be parsed in parallel, each on its own, and a
//! large export is read in blocks, so memory holds a block, not the file.
//!
//! The scan trusts only structure it checks: member keys, `:` and `,`
//! between items. Every item is then parsed in full by serde_json, and the
//! rest of the document (the population replaced by `[]`) is validated too,
//! so a malformed file is an error wherever it is malformed.

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use std::io::Read;
use std::ops::Range;

/// Bytes of items handed over at a time.
pub const BLOCK: usize = 16 * 1024 * 1024;
const READ: usize = 4 * 1024 * 1024;

/// How much is read, and how many bytes of items are handed over, at a time.
/// Only tests choose other sizes than the defaults: small ones put a block
/// or read boundary inside every item and every separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Bytes read at least at a time (at least 1).
    pub read: usize,
    /// Bytes of items after which a block is handed over.
    pub block: usize,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            read: READ,
            block: BLOCK,
        }
    }
}

/// Where the population is, in a document held whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Byte ranges of the items, in order.
    pub items: Vec<Range<usize>>,
    /// The pointer named one value, not an array: it is the only item.
    pub single: bool,
    /// The document's top-level keys, for kinds that must have some.
    pub top_keys: Vec<String>,
}

/// Why the population could not be located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// Nothing at that pointer.
    Missing,
    /// The document is not valid JSON: serde_json's message.
    Invalid(String),
    Io(String),
}

/// Locates the value at `path` in a whole document and, when it is an array, its items.
pub fn locate(bytes: &[u8], path: &[String]) -> Result<Located, ScanError> {
    let scan = Scan {
        b: bytes,
        eof: true,
    };
    let root = scan.ws(0);
    let target = scan
        .descend(root, path)
        .map_err(|_| explain(bytes, path.len()))?;
    let Some(start) = target else {
        // Report a malformed document as such, not as a missing pointer.
        validate(bytes, path.len())?;
        return Err(ScanError::Missing);
    };
    let end = scan
        .skip_value(start)
        .map_err(|_| explain(bytes, path.len()))?;
    let (items, single) = if bytes.get(start) == Some(&b'[') {
        (
            scan.items(start).map_err(|_| explain(bytes, path.len()))?,
            false,
        )
    } else {
        (std::iter::once(start..end).collect(), true)
    };
    let top_keys = validate_outside(
        bytes.get(..start).unwrap_or_default(),
        bytes.get(end..).unwrap_or_default(),
        path.len(),
    )?;
    Ok(Located {
        items,
        single,
        top_keys,
    })
}

/// A document read for its population: streamed in blocks when the pointer
/// names an array, else held whole for [`locate`].
pub enum Opened<R> {
    Stream(Box<ItemStream<R>>),
    Whole(Vec<u8>),
}

/// Reads from `reader` until the value at `path` starts.
pub fn open<R: Read>(reader: R, path: &[String]) -> Result<Opened<R>, ScanError> {
    open_sized(reader, path, Sizes::default())
}

/// [`open`], reading and handing over items in `sizes`.
pub fn open_sized<R: Read>(
    mut reader: R,
    path: &[String],
    sizes: Sizes,
) -> Result<Opened<R>, ScanError> {
    let sizes = Sizes {
        read: sizes.read.max(1),
        ..sizes
    };
    let mut buf = Vec::new();
    let mut eof = false;
    loop {
        let scan = Scan { b: &buf, eof };
        let root = scan.ws(0);
        match scan.descend(root, path) {
            Ok(Some(start)) if buf.get(start) == Some(&b'[') => {
                let stream = ItemStream {
                    reader,
                    prefix: buf.get(..start).unwrap_or_default().to_vec(),
                    pos: start + 1,
                    buf,
                    eof,
                    separator: false,
                    done: false,
                    next_index: 0,
                    top_keys: Vec::new(),
                    sizes,
                    depth: path.len(),
                };
                return Ok(Opened::Stream(Box::new(stream)));
            }
            Ok(_) if eof => return Ok(Opened::Whole(buf)),
            // The target is not an array, or not found yet: only the whole document can say.
            Ok(_) => {
                read_to_end(&mut reader, &mut buf)?;
                return Ok(Opened::Whole(buf));
            }
            Err(Stop::Incomplete) if !eof => eof = read_more(&mut reader, &mut buf, sizes.read)?,
            Err(_) => {
                read_to_end(&mut reader, &mut buf)?;
                return Err(explain(&buf, path.len()));
            }
        }
    }
}

/// Complete items, with the bytes they are ranges of.
pub struct Block {
    pub bytes: Vec<u8>,
    pub items: Vec<Range<usize>>,
    /// Index in the array of the first item.
    pub first_index: usize,
}

/// The items of an array, a block at a time.
pub struct ItemStream<R> {
    reader: R,
    prefix: Vec<u8>,
    buf: Vec<u8>,
    /// Where scanning resumes in `buf`.
    pos: usize,
    eof: bool,
    /// Whether a `,` or `]` is due before the next item.
    separator: bool,
    done: bool,
    next_index: usize,
    top_keys: Vec<String>,
    sizes: Sizes,
    /// Levels of objects above the population, where a key may not repeat.
    depth: usize,
}

impl<R: Read> ItemStream<R> {
    /// The next block of items, scanning into `spare` (a buffer to reuse);
    /// `None` once the array and the document have ended, and validated.
    pub fn next_block(&mut self, spare: Vec<u8>) -> Result<Option<Block>, ScanError> {
        if self.done {
            return Ok(None);
        }
        let mut items = Vec::new();
        loop {
            let scan = Scan {
                b: &self.buf,
                eof: self.eof,
            };
            match scan.next_item(self.pos, self.separator) {
                Ok(Next::Item(range)) => {
                    self.pos = range.end;
                    self.separator = true;
                    let long_enough = range.end.saturating_sub(
                        items
                            .first()
                            .map_or(range.start, |r: &Range<usize>| r.start),
                    ) >= self.sizes.block;
                    items.push(range);
                    if long_enough {
                        break;
                    }
                }
                Ok(Next::End(after)) => {
                    self.done = true;
                    let mut suffix = self.buf.get(after..).unwrap_or_default().to_vec();
                    read_to_end(&mut self.reader, &mut suffix)?;
                    self.top_keys = validate_outside(&self.prefix, &suffix, self.depth)?;
                    break;
                }
                Err(Stop::Incomplete) if !self.eof => {
                    // Keep what is complete for this block; read on for the rest.
                    if !items.is_empty() {
                        break;
                    }
                    self.eof = read_more(&mut self.reader, &mut self.buf, self.sizes.read)?;
                }
                Err(_) => {
                    let mut rest = std::mem::take(&mut self.buf);
                    read_to_end(&mut self.reader, &mut rest)?;
                    return Err(explain(&rest, self.depth));
                }
            }
        }
        if items.is_empty() {
            return Ok(None);
        }
        // The bytes go with the block; what follows its last item starts the next buffer.
        let mut next = spare;
        next.clear();
        next.extend_from_slice(self.buf.get(self.pos..).unwrap_or_default());
        let bytes = std::mem::replace(&mut self.buf, next);
        self.pos = 0;
        let first_index = self.next_index;
        self.next_index += items.len();
        Ok(Some(Block {
            bytes,
            items,
            first_index,
        }))
    }

    /// The document's top-level keys, known once the last block is read.
    pub fn top_keys(&self) -> &[String] {
        &self.top_keys
    }
}

/// Reads more into `buf`: at least `read` bytes, and as much as it holds, so
/// a long prefix before the population (a plan's `planned_values`) is
/// rescanned a logarithmic number of times, not once per read.
fn read_more(reader: &mut impl Read, buf: &mut Vec<u8>, read: usize) -> Result<bool, ScanError> {
    let start = buf.len();
    buf.resize(start + read.max(start), 0);
    let mut filled = start;
    while filled < buf.len() {
        match reader.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ScanError::Io(e.to_string())),
        }
    }
    let eof = filled < buf.len();
    buf.truncate(filled);
    Ok(eof)
}

fn read_to_end(reader: &mut impl Read, buf: &mut Vec<u8>) -> Result<(), ScanError> {
    reader
        .read_to_end(buf)
        .map(|_| ())
        .map_err(|e| ScanError::Io(e.to_string()))
}

fn explain(bytes: &[u8], depth: usize) -> ScanError {
    match validate(bytes, depth) {
        Err(e) => e,
        Ok(_) => ScanError::Invalid("unexpected structure".to_owned()),
    }
}

/// Validates the document around the population (replaced by `[]`) and
/// returns its top-level keys.
fn validate_outside(prefix: &[u8], suffix: &[u8], depth: usize) -> Result<Vec<String>, ScanError> {
    let mut outside = Vec::with_capacity(prefix.len() + 2 + suffix.len());
    outside.extend_from_slice(prefix);
    outside.extend_from_slice(b"[]");
    outside.extend_from_slice(suffix);
    validate(&outside, depth)
}

/// Parses the whole document without keeping it; its top-level keys if an
/// object. A key repeated in an object of the first `depth` levels (those a
/// pointer of that length passes through) is refused: the scan takes the
/// first `Users`, serde_json and jq the last, so such a document would show
/// one population to assay and another to the next reader.
pub fn validate(bytes: &[u8], depth: usize) -> Result<Vec<String>, ScanError> {
    let text = utf8(bytes).map_err(ScanError::Invalid)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let keys = de::Deserializer::deserialize_any(&mut de, TopKeys { depth })
        .map_err(|e| ScanError::Invalid(super::first_line(&e.to_string())))?;
    de.end()
        .map_err(|e| ScanError::Invalid(super::first_line(&e.to_string())))?;
    Ok(keys)
}

/// The bytes as text, or where they stop being UTF-8. JSON is UTF-8, but
/// serde_json checks that only in the strings it keeps: a string skipped
/// with `IgnoredAny`, as validation skips every value, is never decoded, so
/// a document that is not UTF-8 there would pass (issue 12).
pub fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let before = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = before.len() - line_start + 1;
        format!("invalid UTF-8 at line {line} column {column}")
    })
}

/// Collects an object's keys, ignoring everything else but keys repeated in
/// the objects of the first `depth` levels.
#[derive(Clone, Copy)]
struct TopKeys {
    depth: usize,
}

impl<'de> de::DeserializeSeed<'de> for TopKeys {
    type Value = Vec<String>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl TopKeys {
    /// What reads the values one level down: this check while levels remain.
    fn below(self) -> Option<TopKeys> {
        self.depth
            .checked_sub(1)
            .filter(|&d| d > 0)
            .map(|depth| TopKeys { depth })
    }
}

impl<'de> Visitor<'de> for TopKeys {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        let mut keys = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.below() {
                Some(below) => drop(map.next_value_seed(below)?),
                None => drop(map.next_value::<IgnoredAny>()?),
            }
            if self.depth > 0 && !seen.insert(key.clone()) {
                let shown: String = key.chars().take(64).collect();
                return Err(de::Error::custom(format!(
                    "the key `{}` appears twice in one object: readers differ on which one counts",
                    shown.escape_debug()
                )));
            }
            keys.push(key);
        }
        Ok(keys)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        match self.below() {
            Some(below) => while seq.next_element_seed(below)?.is_some() {},
            None => while seq.next_element::<IgnoredAny>()?.is_some() {},
        }
        Ok(Vec::new())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
}

/// Why a scan stopped short.
enum Stop {
    Malformed,
    /// The bytes ran out before the value did: read more, unless at the end.
    Incomplete,
}

/// What follows in an array.
enum Next {
    Item(Range<usize>),
    /// The array closed; the offset just past its `]`.
    End(usize),
}

struct Scan<'a> {
    b: &'a [u8],
    /// Whether `b` is the whole rest of the document.
    eof: bool,
}

impl Scan<'_> {
    fn at(&self, i: usize) -> Result<u8, Stop> {
        self.b.get(i).copied().ok_or(Stop::Incomplete)
    }

    fn ws(&self, mut i: usize) -> usize {
        while matches!(self.b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            i += 1;
        }
        i
    }

    /// The offset of the value at `path` below the value at `i`, if any.
    fn descend(&self, i: usize, path: &[String]) -> Result<Option<usize>, Stop> {
        let Some((first, rest)) = path.split_first() else {
            self.at(i)?;
            return Ok(Some(i));
        };
        match self.at(i)? {
            b'{' => {
                let mut j = self.ws(i + 1);
                if self.at(j)? == b'}' {
                    return Ok(None);
                }
                loop {
                    let key_end = self.skip_string(j)?;
                    let key = self.key(j, key_end)?;
                    j = self.ws(key_end);
                    if self.at(j)? != b':' {
                        return Err(Stop::Malformed);
                    }
                    let value = self.ws(j + 1);
                    if key == *first {
                        return self.descend(value, rest);
                    }
                    j = self.ws(self.skip_value(value)?);
                    match self.at(j)? {
                        b',' => j = self.ws(j + 1),
                        b'}' => return Ok(None),
                        _ => return Err(Stop::Malformed),
                    }
                }
            }
            b'[' => {
                let Ok(wanted) = first.parse::<usize>() else {
                    return Ok(None);
                };
                let mut j = i + 1;
                let mut separator = false;
                let mut index = 0;
                loop {
                    match self.next_item(j, separator)? {
                        Next::Item(range) if index == wanted => {
                            return self.descend(range.start, rest);
                        }
                        Next::Item(range) => {
                            j = range.end;
                            separator = true;
                            index += 1;
                        }
                        Next::End(_) => return Ok(None),
                    }
                }
            }
            _ => Ok(None),
        }
    }

    fn key(&self, start: usize, end: usize) -> Result<String, Stop> {
        let raw = self.b.get(start..end).ok_or(Stop::Incomplete)?;
        serde_json::from_slice(raw).map_err(|_| Stop::Malformed)
    }

    /// The next item of an array, scanning from `i` (just past `[` or past an item).
    fn next_item(&self, i: usize, separator: bool) -> Result<Next, Stop> {
        let mut j = self.ws(i);
        if self.at(j)? == b']' {
            return Ok(Next::End(j + 1));
        }
        if separator {
            if self.at(j)? != b',' {
                return Err(Stop::Malformed);
            }
            j = self.ws(j + 1);
        }
        let end = self.skip_value(j)?;
        Ok(Next::Item(j..end))
    }

    /// The items of the array at `i`, all of them.
    fn items(&self, i: usize) -> Result<Vec<Range<usize>>, Stop> {
        let mut items = Vec::new();
        let mut j = i + 1;
        loop {
            match self.next_item(j, !items.is_empty())? {
                Next::Item(range) => {
                    j = range.end;
                    items.push(range);
                }
                Next::End(_) => return Ok(items),
            }
        }
    }

    /// The offset just past the value starting at `i`.
    fn skip_value(&self, i: usize) -> Result<usize, Stop> {
        match self.at(i)? {
            b'"' => self.skip_string(i),
            b'{' => self.skip_balanced(i, b'{', b'}'),
            b'[' => self.skip_balanced(i, b'[', b']'),
            b',' | b']' | b'}' | b':' => Err(Stop::Malformed),
            _ => {
                let rest = self.b.get(i..).unwrap_or_default();
                match rest
                    .iter()
                    .position(|c| matches!(c, b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t'))
                {
                    Some(len) => Ok(i + len),
                    None if self.eof => Ok(self.b.len()),
                    None => Err(Stop::Incomplete),
                }
            }
        }
    }

    /// Past the closing quote of the string starting at `i`.
    fn skip_string(&self, i: usize) -> Result<usize, Stop> {
        if self.at(i)? != b'"' {
            return Err(Stop::Malformed);
        }
        let mut j = i + 1;
        loop {
            let rest = self.b.get(j..).ok_or(Stop::Incomplete)?;
            let k = j + memchr::memchr2(b'"', b'\\', rest).ok_or(Stop::Incomplete)?;
            if self.at(k)? == b'\\' {
                j = k + 2;
            } else {
                return Ok(k + 1);
            }
        }
    }

    /// Past the bracket that closes the one at `i`. Only this kind of bracket
    /// counts: the other kind nests inside it, balanced, and strings are skipped.
    fn skip_balanced(&self, i: usize, open: u8, close: u8) -> Result<usize, Stop> {
        let mut depth = 0usize;
        let mut j = i;
        loop {
            let rest = self.b.get(j..).ok_or(Stop::Incomplete)?;
            let k = j + memchr::memchr3(b'"', open, close, rest).ok_or(Stop::Incomplete)?;
            match self.at(k)? {
                b'"' => {
                    j = self.skip_string(k)?;
                    continue;
                }
                c if c == open => depth += 1,
                _ => {
                    depth = depth.checked_sub(1).ok_or(Stop::Malformed)?;
                    if depth == 0 {
                        return Ok(k + 1);
                    }
                }
            }
            j = k + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    fn texts<'a>(bytes: &'a [u8], items: &[Range<usize>]) -> Vec<&'a str> {
        items
            .iter()
            .map(|r| std::str::from_utf8(&bytes[r.clone()]).unwrap())
            .collect()
    }

    const DOC: &[u8] = br#"{"meta": {"Users": ["decoy"], "s": "a \"}] quote"}, "Users": [ {"u": [1, {"x": "]}"}]}, "s\\", 3 , null, [ [] ] ], "tail": 1}"#;

    #[test]
    fn finds_the_array_and_its_items() {
        let located = locate(DOC, &path(&["Users"])).unwrap();
        assert_eq!(
            texts(DOC, &located.items),
            [
                r#"{"u": [1, {"x": "]}"}]}"#,
                r#""s\\""#,
                "3",
                "null",
                "[ [] ]"
            ]
        );
        assert_eq!(located.top_keys, ["meta", "Users", "tail"]);
        assert!(!located.single);
        assert!(locate(DOC, &path(&["meta", "s"])).unwrap().single);
        let by_index = locate(DOC, &path(&["Users", "0", "u"])).unwrap();
        assert_eq!(texts(DOC, &by_index.items), ["1", r#"{"x": "]}"}"#]);
    }

    /// The scan takes the first `Users`, serde_json and jq the last: a
    /// document that repeats a key on the pointer's way is refused, whole or
    /// streamed, while repeats inside items are left to serde_json.
    #[test]
    fn a_key_repeated_above_the_population_is_refused() {
        let twice = br#"{"Users": [1], "meta": {}, "Users": [2]}"#;
        let deep = br#"{"a": {"b": [1], "b": [2]}}"#;
        for (doc, p) in [(&twice[..], &["Users"][..]), (deep, &["a", "b"])] {
            let Err(ScanError::Invalid(message)) = locate(doc, &path(p)) else {
                unreachable!("{p:?} accepted");
            };
            assert!(message.contains("appears twice"), "{message}");
            let sizes = Sizes { read: 1, block: 1 };
            let streamed = match open_sized(doc, &path(p), sizes) {
                Ok(Opened::Stream(mut stream)) => loop {
                    match stream.next_block(Vec::new()) {
                        Ok(Some(_)) => {}
                        other => break other.map(|_| ()),
                    }
                },
                Ok(Opened::Whole(bytes)) => locate(&bytes, &path(p)).map(|_| ()),
                Err(e) => Err(e),
            };
            assert!(matches!(streamed, Err(ScanError::Invalid(_))), "{p:?}");
        }
        // Missing, the pointer's way still may not repeat a key.
        assert!(matches!(
            locate(br#"{"a": 1, "a": 2}"#, &path(&["Users"])),
            Err(ScanError::Invalid(_))
        ));
        // Below the population, and inside items, repeats are serde_json's to read.
        let inside = br#"{"Users": [{"s": "A", "s": "B"}], "x": {"y": 1, "y": 2}}"#;
        assert_eq!(locate(inside, &path(&["Users"])).unwrap().items.len(), 1);
        assert!(validate(br#"[{"a": 1, "a": 2}]"#, 0).is_ok());
    }

    #[test]
    fn missing_and_malformed() {
        assert_eq!(
            locate(br#"{"a": 1}"#, &path(&["Users"])),
            Err(ScanError::Missing)
        );
        assert_eq!(
            locate(br#"{"Users": []}"#, &path(&["Users"]))
                .unwrap()
                .items
                .len(),
            0
        );
        for bad in [
            &br#"{"Users": [1, 2}"#[..],
            br#"{"a" 1, "Users": []}"#,
            br#"{"Users": []} trailing"#,
            br#"{"x": {"a" 1}, "Users": []}"#,
            br#"{"Users": [1 2]}"#,
            b"",
        ] {
            assert!(
                matches!(locate(bad, &path(&["Users"])), Err(ScanError::Invalid(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// Streams with a tiny read size by feeding one byte at a time.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(out.len()).min(7);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn stream_all(doc: &[u8], p: &[&str]) -> Result<Vec<String>, ScanError> {
        let Opened::Stream(mut stream) = open(Trickle(doc), &path(p))? else {
            panic!("expected a stream");
        };
        let mut out = Vec::new();
        while let Some(block) = stream.next_block(Vec::new())? {
            for (k, item) in texts(&block.bytes, &block.items).into_iter().enumerate() {
                out.push(format!("{}={item}", block.first_index + k));
            }
        }
        Ok(out)
    }

    #[test]
    fn streaming_gives_the_same_items_across_block_boundaries() {
        assert_eq!(
            stream_all(DOC, &["Users"]).unwrap(),
            [
                r#"0={"u": [1, {"x": "]}"}]}"#,
                r#"1="s\\""#,
                "2=3",
                "3=null",
                "4=[ [] ]"
            ]
        );
        assert!(matches!(
            stream_all(br#"{"Users": [1, 2}"#, &["Users"]),
            Err(ScanError::Invalid(_))
        ));
        assert!(matches!(
            stream_all(br#"{"Users": [1, 2]} x"#, &["Users"]),
            Err(ScanError::Invalid(_))
        ));
        assert!(matches!(
            stream_all(br#"{"Users": [1, {"a": 2]"#, &["Users"]),
            Err(ScanError::Invalid(_))
        ));
        assert!(matches!(
            open(Trickle(br#"{"a": 1}"#), &path(&["Users"])),
            Ok(Opened::Whole(_))
        ));
    }
}
