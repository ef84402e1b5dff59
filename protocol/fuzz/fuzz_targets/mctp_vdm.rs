#![no_main]
//! Fuzz target: see `sidebridge_protocol::fuzzing::mctp_vdm`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sidebridge_protocol::fuzzing::mctp_vdm(data));
