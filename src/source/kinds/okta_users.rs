//! `okta.users`: the response of Okta's List Users API, one record per user.

use super::{Context, Format, Kind, Prepared, Records, Schema, labelled};
use serde_json::Value;

pub static KIND: Kind = Kind {
    name: "okta.users",
    format: Format::Json,
    generic: false,
    records: Records::Array {
        otherwise: "not an `okta.users` export: expected a JSON array of users (the body of `GET /api/v1/users`)",
    },
    schema: Some(Schema {
        path: "schemas/kinds/okta.users.schema.json",
        text: include_str!("../../../schemas/kinds/okta.users.schema.json"),
    }),
    columns: &[],
    prepare,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  The users of an Okta org: the JSON array that Okta's List Users API returns
  (`GET /api/v1/users`, https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers).
  The API pages its answer (`limit`, and a `Link: rel=\"next\"` header): save
  each page as its own file and declare them with a glob, or join the pages
  into one array. Note that `GET /api/v1/users` without a `filter` or `search`
  leaves out `DEPROVISIONED` users. A document that is not an array (an error
  body such as `{\"errorCode\": \"E0000011\", ...}`) is an error, never a pass.

Records
  One per user, as Okta returns it: `id`, `status` (`STAGED`, `PROVISIONED`,
  `ACTIVE`, `RECOVERY`, `PASSWORD_EXPIRED`, `LOCKED_OUT`, `SUSPENDED` or
  `DEPROVISIONED`), the timestamps `created`, `activated`, `statusChanged`,
  `lastLogin`, `lastUpdated` and `passwordChanged` (ISO 8601; `activated`,
  `statusChanged`, `lastLogin` and `passwordChanged` may be null), and
  `profile` with at least `login` and `email`. Other fields (`type`,
  `credentials`, `_links`, custom profile attributes) are kept. Every user must
  match `schemas/kinds/okta.users.schema.json`. Findings call a user by its
  `id`, which Okta never changes, so waivers and baselines follow a user whose
  login is renamed; a check that prefers logins sets `label = \"/profile/login\"`.

Example
  [[export]]
  name = \"okta\"
  kind = \"okta.users\"
  path = \"exports/okta/users-*.json\"

  A check that ACTIVE users have signed in within 90 days, or were activated
  less than 90 days ago:
    source = \"okta.users\"
    where = { properties = { status = { const = \"ACTIVE\" } } }
    schema = '''{\"anyOf\": [
      {\"properties\": {\"lastLogin\": {\"type\": \"string\", \"maxAgeDays\": 90}}, \"required\": [\"lastLogin\"]},
      {\"properties\": {\"lastLogin\": {\"type\": \"null\"}, \"activated\": {\"type\": \"string\", \"maxAgeDays\": 90}},
       \"required\": [\"lastLogin\", \"activated\"]}
    ]}'''
";

fn prepare(value: Value, _: &Context<'_>) -> Option<Prepared> {
    labelled(value, "/id")
}
