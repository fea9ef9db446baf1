//! See `assay_fuzz::export`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = assay_fuzz::export(data);
});
