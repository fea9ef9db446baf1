//! `yaml`: any YAML stream; each document, or `each` within it.

use super::{Format, Kind, Records, keep};

pub static KIND: Kind = Kind {
    name: "yaml",
    format: Format::Yaml,
    generic: true,
    records: Records::Document,
    schema: None,
    columns: &[],
    prepare: keep,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  Any YAML stream of one or more documents. It is parsed whole, up to 256 MiB;
  alias bombs and deep nesting are refused.

Records
  Each document, or the items of the array a check names with `each` in each
  document. Findings give the document's line and the record's JSON Pointer.

Example
  [[export]]
  name = \"inventory\"
  kind = \"yaml\"
  path = \"exports/inventory.yaml\"
";
