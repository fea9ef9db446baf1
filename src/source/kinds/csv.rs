//! `csv`: any CSV with a header row, one record per row.

use super::{Format, Kind, Records, keep};

pub static KIND: Kind = Kind {
    name: "csv",
    format: Format::Csv,
    generic: true,
    records: Records::Rows,
    schema: None,
    columns: &[],
    prepare: keep,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  Any CSV file whose first row is a header. A row with more or fewer fields
  than the header is an error.

Records
  One per row: an object from header names to the row's values, every value a
  string. Findings give the row's line.

Example
  [[export]]
  name = \"assets\"
  kind = \"csv\"
  path = \"exports/assets.csv\"
";
