//! The HTML report (placeholder: being written).

use super::Report;

/// One self-contained HTML document.
pub fn render(report: &Report) -> String {
    format!("<!doctype html><title>{}</title>", report.as_of)
}
