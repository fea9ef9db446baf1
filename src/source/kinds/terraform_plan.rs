//! `terraform.plan`: the JSON of `terraform show -json PLANFILE`, one record
//! per managed resource that will exist after the plan.

use super::{Context, Format, Kind, Prepared, Records, Schema};
use serde_json::{Value, json};

pub static KIND: Kind = Kind {
    name: "terraform.plan",
    format: Format::Json,
    generic: false,
    records: Records::Member {
        pointer: "/resource_changes",
        marker: "format_version",
        otherwise: "not a Terraform plan: no `format_version` (expected the output of `terraform show -json PLANFILE`)",
    },
    schema: Some(Schema {
        path: "schemas/kinds/terraform.plan.schema.json",
        text: include_str!("../../../schemas/kinds/terraform.plan.schema.json"),
    }),
    columns: &[],
    prepare,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  A saved Terraform plan as JSON: `terraform show -json PLANFILE`. The document
  must have `format_version`; a plan without changes (no `resource_changes`)
  has no records.

Records
  One per managed resource in `resource_changes` that exists after the plan, in
  the shape of HCL resources, so one schema judges both:
  `{address, type, name, mode, values}`, `values` being `change.after`. Data
  sources and deleted resources are skipped. Findings call a record by its
  address.

Example
  [[export]]
  name = \"plan\"
  kind = \"terraform.plan\"
  path = \"exports/tfplan.json\"
";

fn prepare(value: Value, _: &Context<'_>) -> Option<Prepared> {
    normalize_plan_change(&value).map(|value| Prepared {
        label: value
            .get("address")
            .and_then(Value::as_str)
            .map(str::to_owned),
        value,
    })
}

/// A plan's `resource_changes` entry as a record, or `None` for data sources
/// and resources being destroyed (nothing of them remains to judge).
pub fn normalize_plan_change(change: &Value) -> Option<Value> {
    let mode = change
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or("managed");
    let after = change.get("change").and_then(|c| c.get("after"));
    if mode != "managed" || after.is_none_or(Value::is_null) {
        return None;
    }
    Some(json!({
        "address": change.get("address").cloned().unwrap_or(Value::Null),
        "type": change.get("type").cloned().unwrap_or(Value::Null),
        "name": change.get("name").cloned().unwrap_or(Value::Null),
        "mode": mode,
        "values": after.cloned().unwrap_or(Value::Null),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_changes_skip_data_sources_and_deletions() {
        let change = json!({"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a", "change": {"actions": ["create"], "after": {"storage_encrypted": false}}});
        assert_eq!(
            normalize_plan_change(&change).unwrap()["values"]["storage_encrypted"],
            json!(false)
        );
        let deleted = json!({"mode": "managed", "change": {"actions": ["delete"], "after": null}});
        assert!(normalize_plan_change(&deleted).is_none());
        let data = json!({"mode": "data", "change": {"after": {}}});
        assert!(normalize_plan_change(&data).is_none());
    }
}
