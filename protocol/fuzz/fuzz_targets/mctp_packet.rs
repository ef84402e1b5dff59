#![no_main]
//! Fuzz target: see `sidebridge_protocol::fuzzing::mctp_packet`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sidebridge_protocol::fuzzing::mctp_packet(data));
