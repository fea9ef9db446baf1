//! `aws.iam.credential-report`: the CSV of `aws iam get-credential-report`.

use super::{Format, Kind, Records, Schema, keep};

pub static KIND: Kind = Kind {
    name: "aws.iam.credential-report",
    format: Format::Csv,
    generic: false,
    records: Records::Rows,
    schema: Some(Schema {
        path: "schemas/kinds/aws.iam.credential-report.schema.json",
        text: include_str!("../../../schemas/kinds/aws.iam.credential-report.schema.json"),
    }),
    columns: &[],
    prepare: keep,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  The IAM credential report of an AWS account: the CSV that
  `aws iam get-credential-report --query Content --output text | base64 -d`
  prints. Its header must have the report's columns (`user`, `arn`,
  `user_creation_time`, `password_enabled`, `mfa_active`, `access_key_1_active`,
  ...); a CSV without them is an error, never a pass.

Records
  One per row (user, and the `<root_account>` row), every value a string as in
  the CSV: `\"true\"`, `\"false\"`, `\"N/A\"`, `\"no_information\"`, ISO 8601 times.
  Findings name the row's line; checks usually set `label = \"/user\"`.

Example
  [[export]]
  name = \"aws-prod\"
  kind = \"aws.iam.credential-report\"
  path = \"exports/credential-report.csv\"
";
