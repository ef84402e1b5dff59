#![no_main]
//! Fuzz target: see `sidebridge_protocol::fuzzing::spdm`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sidebridge_protocol::fuzzing::spdm(data));
