//! `json`: any JSON document; checks choose the population with `each`.

use super::{Format, Kind, Records, keep};

pub static KIND: Kind = Kind {
    name: "json",
    format: Format::Json,
    generic: true,
    records: Records::Document,
    schema: None,
    columns: &[],
    prepare: keep,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  Any JSON document: an API response, a tool's report. No shape is imposed;
  a file that is not valid JSON is an error.

Records
  The array a check names with `each` (a JSON Pointer such as `/Users`, or a
  dotted path), one record per item; without `each`, the items of a top-level
  array, or the document itself. A pointer that names nothing, or no array, is
  an error. Findings give the record's JSON Pointer.

Example
  [[export]]
  name = \"users\"
  kind = \"json\"
  path = \"exports/users.json\"
";
