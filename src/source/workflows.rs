//! GitHub Actions workflows: one record per `uses:` reference, in a job's
//! steps or as a job calling a reusable workflow.
//!
//! A record is `{job, step, uses}`; `step` is the step's index, or null for
//! a job-level `uses`.

use super::{Record, first_line, yaml_options};
use serde::Deserialize;
use serde_json::{Value, json};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Workflow {
    #[serde(default)]
    jobs: BTreeMap<String, Job>,
}

#[derive(Deserialize)]
struct Job {
    uses: Option<Spanned<String>>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    uses: Option<Spanned<String>>,
}

pub fn records(text: &str) -> Result<Vec<Record>, String> {
    let mut options = yaml_options();
    // GitHub reads YAML 1.2: `on:` is a key, not the boolean true.
    options.strict_booleans = true;
    let workflow: Workflow = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| format!("invalid workflow: {}", first_line(&e.to_string())))?;
    let mut out = Vec::new();
    for (job_id, job) in &workflow.jobs {
        if let Some(uses) = &job.uses {
            out.push(record(job_id, None, uses));
        }
        for (i, step) in job.steps.iter().enumerate() {
            if let Some(uses) = &step.uses {
                out.push(record(job_id, Some(i), uses));
            }
        }
    }
    Ok(out)
}

fn record(job: &str, step: Option<usize>, uses: &Spanned<String>) -> Record {
    let pointer = match step {
        Some(i) => format!("/jobs/{}/steps/{i}/uses", escape(job)),
        None => format!("/jobs/{}/uses", escape(job)),
    };
    Record {
        pointer,
        line: u32::try_from(uses.referenced.line()).ok(),
        label: Some(uses.value.clone()),
        value: json!({"job": job, "step": step.map_or(Value::Null, |i| json!(i)), "uses": uses.value}),
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_reusable_workflows() {
        let text = "on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make\n      - uses: ./local-action\n  deploy:\n    uses: org/repo/.github/workflows/deploy.yml@main\n";
        let records = records(text).unwrap();
        let got: Vec<(String, Option<u32>)> = records
            .iter()
            .map(|r| (r.pointer.clone(), r.line))
            .collect();
        assert_eq!(
            got,
            [
                ("/jobs/build/steps/0/uses".to_owned(), Some(6)),
                ("/jobs/build/steps/2/uses".to_owned(), Some(8)),
                ("/jobs/deploy/uses".to_owned(), Some(10)),
            ]
        );
        assert_eq!(records[0].value["uses"], "actions/checkout@v4");
    }

    #[test]
    fn invalid_yaml_is_an_error() {
        assert!(
            records("jobs: [\n")
                .unwrap_err()
                .starts_with("invalid workflow")
        );
    }
}
