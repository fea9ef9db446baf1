//! The csv report (placeholder: being written).

use super::Report;

pub fn render(report: &Report) -> String {
    format!("{}\n", report.as_of)
}
