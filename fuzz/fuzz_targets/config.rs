#![no_main]
//! Fuzz target: see `sidebridge_fuzz::config` (src/harness.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| sidebridge_fuzz::config(data));
