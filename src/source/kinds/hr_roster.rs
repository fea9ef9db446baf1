//! `hr.roster`: an HR system's employee roster as CSV, one record per
//! employee, with header names the export declaration may set.

use super::{Column, Context, Format, Kind, Prepared, Records, Schema, labelled};
use serde_json::Value;

pub static KIND: Kind = Kind {
    name: "hr.roster",
    format: Format::Csv,
    generic: false,
    records: Records::Rows,
    schema: Some(Schema {
        path: "schemas/kinds/hr.roster.schema.json",
        text: include_str!("../../../schemas/kinds/hr.roster.schema.json"),
    }),
    columns: &[
        Column {
            field: "employee_id",
            doc: "the employee's id in the HR system",
        },
        Column {
            field: "email",
            doc: "the work email address",
        },
        Column {
            field: "status",
            doc: "employment status as the HR system writes it",
        },
        Column {
            field: "start_date",
            doc: "first day of employment (YYYY-MM-DD)",
        },
        Column {
            field: "termination_date",
            doc: "last day of employment (YYYY-MM-DD), blank while employed",
        },
    ],
    prepare,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  An employee roster exported from an HR system (Workday, BambooHR, Rippling,
  a spreadsheet) as CSV with a header row. It must have five columns, by
  default named `employee_id`, `email`, `status`, `start_date` and
  `termination_date`; a declaration names them as its export does with
  `columns`. Other columns are kept under their own names. A file without the
  columns is an error, never a pass.

Records
  One per row, every value a string as in the CSV, under the field names
  above whatever the headers are called: `employee_id` (not empty), `email`
  (an address), `status` (not empty, as the HR system writes it: `active`,
  `leave`, `Terminated`...), `start_date` (an ISO 8601 date, `2024-03-15`) and
  `termination_date` (an ISO 8601 date, or blank while employed). Every row
  must match `schemas/kinds/hr.roster.schema.json`. Findings call an employee
  by `employee_id` and give the row's line.

Example
  [[export]]
  name = \"hr\"
  kind = \"hr.roster\"
  path = \"exports/roster.csv\"
  # only the headers that differ from the defaults
  columns = { employee_id = \"Employee ID\", email = \"Work Email\", termination_date = \"Term Date\" }

  A check that employees past their termination date are marked terminated:
    source = \"hr.roster\"
    where = { properties = { termination_date = { minLength = 1, not = { maxAgeDays = 0 } } } }
    schema = { properties = { status = { pattern = \"^(?i)terminated$\" } } }
";

fn prepare(value: Value, _: &Context<'_>) -> Option<Prepared> {
    labelled(value, "/employee_id")
}
