//! `github.branch-protection`: the JSON of GitHub's branch protection API, one
//! file per branch.

use super::{Context, Format, Kind, Prepared, Records, Schema};
use serde_json::Value;

pub static KIND: Kind = Kind {
    name: "github.branch-protection",
    format: Format::Json,
    generic: false,
    records: Records::Document,
    schema: Some(Schema {
        path: "schemas/kinds/github.branch-protection.schema.json",
        text: include_str!("../../../schemas/kinds/github.branch-protection.schema.json"),
    }),
    columns: &[],
    prepare,
    doc: DOC,
};

const DOC: &str = "\
What it reads
  The response of `GET /repos/{owner}/{repo}/branches/{branch}/protection`
  (`gh api repos/OWNER/REPO/branches/BRANCH/protection`), one file per branch;
  declare them with a glob. An unprotected branch's 404 body
  (`{\"message\": \"Branch not protected\"}`) is accepted and fails the checks. A
  branch protected only by repository rulesets also answers \"Branch not
  protected\": rulesets are not read yet.

Records
  One per file: the document as GitHub returns it. Findings call it
  `owner/repo@branch`, from the protection URL in the document, or by the
  file's name when the document has none.

Example
  [[export]]
  name = \"branches\"
  kind = \"github.branch-protection\"
  path = \"exports/github/*.json\"
";

fn prepare(value: Value, context: &Context<'_>) -> Option<Prepared> {
    let label = branch_label(&value).or_else(|| context.file_name.map(str::to_owned));
    Some(Prepared { value, label })
}

/// `owner/repo@branch` from the protection URL GitHub puts in the document.
fn branch_label(doc: &Value) -> Option<String> {
    let url = doc.get("url")?.as_str()?;
    let rest = url.split("/repos/").nth(1)?;
    let rest = rest.strip_suffix("/protection")?;
    let (repo, branch) = rest.split_once("/branches/")?;
    Some(format!("{repo}@{branch}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_labels_come_from_the_url() {
        let doc = serde_json::json!({"url": "https://api.github.com/repos/acme/api/branches/main/protection"});
        assert_eq!(branch_label(&doc).as_deref(), Some("acme/api@main"));
        assert_eq!(branch_label(&serde_json::json!({})), None);
    }
}
