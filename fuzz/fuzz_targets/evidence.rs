//! See `assay_fuzz::evidence`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = assay_fuzz::evidence(data);
});
