#![no_main]
//! Fuzz target: see `sidebridge_fuzz::redfish_router` (src/harness.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| sidebridge_fuzz::redfish_router(data));
