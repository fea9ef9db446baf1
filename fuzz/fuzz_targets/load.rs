//! See `assay_fuzz::load`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = assay_fuzz::load(data);
});
