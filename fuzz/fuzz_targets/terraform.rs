//! See `assay_fuzz::terraform`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = assay_fuzz::terraform(data);
});
