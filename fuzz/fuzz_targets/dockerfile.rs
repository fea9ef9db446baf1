//! See `assay_fuzz::dockerfile`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = assay_fuzz::dockerfile(data);
});
