//! The HCL/Terraform reader: resources and variable defaults of a `.tf`
//! file, as the engine reads them, with variables resolved.
#![no_main]

use assay::model::RecordSource;
use assay::source::{self, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(Parsed::Terraform(mut file)) =
        source::parse_repo_file(RecordSource::Terraform, "main.tf", text)
    {
        for record in &mut file.records {
            source::resolve_variables(&mut record.value, &file.variables);
        }
    }
});
