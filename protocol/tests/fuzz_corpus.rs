//! Replays every committed fuzz seed (and any crash input added later) through the
//! same entry points the `cargo fuzz` targets call, on stable Rust.

use std::path::Path;

type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 19] = [
    ("ncsi_frame", sidebridge_protocol::fuzzing::frame),
    ("ncsi_packet", sidebridge_protocol::fuzzing::packet),
    ("ncsi_command", sidebridge_protocol::fuzzing::command),
    ("ncsi_response", sidebridge_protocol::fuzzing::response),
    ("ncsi_aen", sidebridge_protocol::fuzzing::aen),
    ("ncsi_vendor_oem", sidebridge_protocol::fuzzing::vendor_oem),
    ("oem_frame", sidebridge_protocol::fuzzing::oem_frame),
    ("oem_request", sidebridge_protocol::fuzzing::oem_request),
    ("oem_response", sidebridge_protocol::fuzzing::oem_response),
    ("oem_event", sidebridge_protocol::fuzzing::oem_event),
    (
        "oem_reassembly",
        sidebridge_protocol::fuzzing::oem_reassembly,
    ),
    ("mctp_packet", sidebridge_protocol::fuzzing::mctp_packet),
    ("mctp_control", sidebridge_protocol::fuzzing::mctp_control),
    ("mctp_serial", sidebridge_protocol::fuzzing::mctp_serial),
    (
        "mctp_reassembly",
        sidebridge_protocol::fuzzing::mctp_reassembly,
    ),
    ("mctp_ncsi", sidebridge_protocol::fuzzing::mctp_ncsi),
    ("mctp_vdm", sidebridge_protocol::fuzzing::mctp_vdm),
    ("oem_responder", sidebridge_protocol::fuzzing::oem_responder),
    ("spdm", sidebridge_protocol::fuzzing::spdm),
];

#[test]
fn replay_fuzz_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, run) in TARGETS {
        let dir = root.join(target);
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            run(&data);
            // Every prefix too: truncation is the commonest malformed input.
            for cut in 0..data.len() {
                run(&data[..cut]);
            }
            n += 1;
        }
        assert!(n > 0, "no corpus for {target}");
        println!("{target}: {n} inputs replayed");
    }
}

#[test]
fn every_fuzz_target_is_replayed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz target {name} is not replayed"
        );
    }
}
