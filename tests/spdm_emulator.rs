//! The SPDM requester against DMTF's reference responder (spdm-emu), over our MCTP
//! serial stack: authentication and signed measurements succeed with the emulator's
//! sample chain; a wrong anchor, a version or an algorithm it does not share are
//! refused with the reason.

mod spdm;

use sidebridge::spdm::{Requester, SpdmError, load_anchors, verify_signature};
use sidebridge_protocol::spdm::{Version, asym, hash};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn authenticates_the_reference_responder_at_1_3_and_verifies_its_measurements() {
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    let emu = spdm::Emulator::start(&dir, &[]).await;
    let (link, _ep) = emu.link().await;
    let anchors = load_anchors(&[emu.sample("ecp384/ca.cert")]).unwrap();
    let mut r = Requester::new(&link, T);
    let a = r.authenticate(0, &anchors).await.unwrap();
    assert_eq!(a.negotiated.version, Version::V13);
    assert_eq!(a.negotiated.base_asym, asym::ECDSA_P384);
    assert_eq!(a.negotiated.base_hash, hash::SHA384);
    assert!(a.anchored);
    assert_eq!(a.certificates.len(), 3, "root, intermediate, leaf");
    assert_eq!(
        a.certificates.last().unwrap(),
        &std::fs::read(emu.sample("ecp384/end_responder.cert.der")).unwrap()
    );
    assert!(a.measurements.len() >= 4, "{:?}", a.measurements);
    assert!(a.measurements.iter().all(|b| b.index >= 1));

    // One index at a time, with our nonce: the transcript verifies, and a flipped bit
    // of it does not.
    let leaf = a.certificates.last().unwrap().clone();
    let one = r
        .signed_measurements(0, &leaf, &[a.measurements[0].index], Some([7; 32]))
        .await
        .unwrap();
    assert_eq!(one.blocks.len(), 1);
    assert_eq!(one.blocks[0], a.measurements[0]);
    let l1 = &one.transcript[..one.transcript.len() - one.signature.len()];
    let ctx = sidebridge_protocol::spdm::MEASUREMENTS_CONTEXT;
    assert!(verify_signature(&one.negotiated, &leaf, ctx, l1, &one.signature).is_ok());
    let mut bad = l1.to_vec();
    bad[10] ^= 1;
    assert!(verify_signature(&one.negotiated, &leaf, ctx, &bad, &one.signature).is_err());

    // Two indices: the first unsigned, the second signed; both in the transcript.
    let idx = [a.measurements[0].index, a.measurements[1].index];
    let two = r.signed_measurements(0, &leaf, &idx, None).await.unwrap();
    assert_eq!(two.blocks.len(), 2);
    assert!(two.transcript.len() > one.transcript.len());
}

#[tokio::test]
async fn negotiates_1_2_and_p256_when_that_is_what_the_responder_offers() {
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    let emu = spdm::Emulator::start(
        &dir,
        &["--ver", "1.2", "--asym", "ECDSA_P256", "--hash", "SHA_256"],
    )
    .await;
    let (link, _ep) = emu.link().await;
    let anchors = load_anchors(&[emu.sample("ecp256/ca.cert")]).unwrap();
    let a = Requester::new(&link, T)
        .authenticate(0, &anchors)
        .await
        .unwrap();
    assert_eq!(a.negotiated.version, Version::V12);
    assert_eq!(
        (a.negotiated.base_asym, a.negotiated.base_hash),
        (asym::ECDSA_P256, hash::SHA256)
    );
    assert!(!a.measurements.is_empty());
}

#[tokio::test]
async fn a_chain_that_does_not_reach_the_anchor_is_refused_with_the_reason() {
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    let emu = spdm::Emulator::start(&dir, &[]).await;
    let (link, _ep) = emu.link().await;
    // The P-256 sample CA did not sign the P-384 chain.
    let anchors = load_anchors(&[emu.sample("ecp256/ca.cert")]).unwrap();
    let e = Requester::new(&link, T)
        .authenticate(0, &anchors)
        .await
        .unwrap_err();
    assert!(matches!(e, SpdmError::Chain { slot: 0, .. }), "{e}");
    let text = e.to_string();
    println!("{text}");
    assert!(text.contains("trust anchor"), "{text}");
}

#[tokio::test]
async fn a_version_or_algorithm_in_common_missing_is_a_clear_error() {
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    let anchors = load_anchors(&[dir.join("bin/ecp384/ca.cert")]).unwrap();

    let emu = spdm::Emulator::start(&dir, &["--ver", "1.1"]).await;
    let (link, _ep) = emu.link().await;
    let e = Requester::new(&link, T)
        .authenticate(0, &anchors)
        .await
        .unwrap_err();
    assert!(matches!(e, SpdmError::Version { .. }), "{e}");
    println!("{e}");
    assert!(e.to_string().contains("offers 1.1"), "{e}");
    drop(emu);

    let emu = spdm::Emulator::start(&dir, &["--asym", "ECDSA_P521"]).await;
    let (link, _ep) = emu.link().await;
    let e = Requester::new(&link, T)
        .authenticate(0, &anchors)
        .await
        .unwrap_err();
    let text = e.to_string();
    println!("{text}");
    assert!(
        matches!(
            e,
            SpdmError::Algorithm { .. } | SpdmError::AlgorithmsRefused { .. }
        ),
        "{text}"
    );
    assert!(
        text.contains("algorithms sidebridge offers") || text.contains("no signing algorithm"),
        "{text}"
    );
}

/// `sidebridge spdm --serial TTY`: the binary brings the responder up on a serial
/// line (a pty whose far end is the emulator), authenticates it and prints the
/// report; a wrong anchor makes it fail with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spdm_command_authenticates_a_responder_on_a_serial_line() {
    use sidebridge_transport::mctp::{EndpointConfig, Role, SerialEndpoint, tty};
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    for (anchor, ok) in [("ecp384/ca.cert", true), ("ecp256/ca.cert", false)] {
        let emu = spdm::Emulator::start(&dir, &[]).await;
        let (master, slave) = tty::openpty().unwrap();
        let card = SerialEndpoint::start(
            tty::Tty::from_file(master, "card".into()).unwrap(),
            EndpointConfig {
                role: Role::Endpoint,
                eid: 0,
                uuid: [0; 16],
                vendor_iana: None,
            },
        );
        emu.bridge(card).await;
        let args = vec![
            "spdm".to_string(),
            "--serial".into(),
            slave.display().to_string(),
            "--trust-anchor".into(),
            emu.sample(anchor).display().to_string(),
        ];
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
                .args(&args)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.success(), ok, "{stdout}{stderr}");
        if ok {
            println!("{stdout}");
            assert!(stdout.starts_with("SPDM 1.3 with EID 0x09"), "{stdout}");
            assert!(stdout.contains("TPM_ALG_ECDSA_ECC_NIST_P384"), "{stdout}");
            assert!(
                stdout.contains("3 certificate(s), verified to a trust anchor"),
                "{stdout}"
            );
            assert!(stdout.contains("signature verified"), "{stdout}");
            assert!(stdout.contains("immutable ROM"), "{stdout}");
        } else {
            assert!(
                stderr.contains("does not chain to a configured trust anchor"),
                "{stderr}"
            );
        }
    }
}
