#![no_main]
//! Fuzz target: see `sidebridge_protocol::fuzzing::oem_reassembly`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sidebridge_protocol::fuzzing::oem_reassembly(data));
