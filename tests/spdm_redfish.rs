//! Card authentication end to end: the daemon on the simulated DPUs, DPU0000A1's SPDM
//! responder played by DMTF's spdm_responder_emu over our MCTP serial stack. Until the
//! card is authenticated its operations are refused; then ComponentIntegrity, the
//! certificate chain and SPDMGetSignedMeasurements show what was verified, and a
//! client verifies the signed transcript itself; a responder with other measurements
//! raises an event and a log entry; a chain that does not reach the anchor leaves the
//! card Critical with the reason, its operations refused.

mod common;
mod spdm;

use axum::http::{Method, StatusCode};
use base64::Engine;
use sidebridge::cards::CardEventKind;
use sidebridge::spdm::{Mode, SpdmTarget, load_anchors, verify_signature};
use std::sync::Arc;
use std::time::Duration;

const RESET: &str = "/redfish/v1/Systems/DPU0000A1/Actions/ComputerSystem.Reset";
const CI: &str = "/redfish/v1/ComponentIntegrity/DPU0000A1";

async fn target(
    emu: &spdm::Emulator,
    anchor: &str,
) -> (SpdmTarget, Arc<sidebridge_transport::mctp::SerialEndpoint>) {
    let (link, ep) = emu.link().await;
    let t = SpdmTarget {
        package: 0,
        link: Arc::new(link),
        anchors: load_anchors(&[emu.sample(anchor)]).unwrap(),
        mode: Mode::Require,
        slot: 0,
        period: Duration::from_secs(3600),
        timeout: Duration::from_secs(10),
        reference: None,
        pin: None,
    };
    (t, ep)
}

#[tokio::test]
async fn a_card_is_trusted_only_once_authenticated_and_its_measurements_are_watched() {
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    let c = common::Client::start().await;
    let cards = c.running.daemon.cards.clone();
    let mut events = cards.subscribe();
    let emu = spdm::Emulator::start(&dir, &[]).await;
    // First a responder that never answers (the card layer's own periodic check may
    // try it meanwhile: it can only fail).
    let (silent, _mute) = sidebridge_transport::mctp::SerialEndpoint::pty_pair(8, None).unwrap();
    let (mut t, _ep) = target(&emu, "ecp384/ca.cert").await;
    let real = std::mem::replace(
        &mut t.link,
        Arc::new(silent.requester(9, sidebridge_protocol::mctp::MessageType::Spdm)),
    );
    t.timeout = Duration::from_millis(300);
    cards.add_spdm(t.clone());

    // Not authenticated: listed, operations refused with the reason.
    let (_, v) = c.get("/redfish/v1/ComponentIntegrity").await;
    assert_eq!(v["Members"][0]["@odata.id"], CI, "{v}");
    let (_, v) = c.get(CI).await;
    assert_ne!(
        v["SPDM"]["IdentityAuthentication"]["ResponderAuthentication"]["VerificationStatus"],
        "Success",
        "{v}"
    );
    let body = r#"{"ResetType":"GracefulRestart"}"#;
    let (s, v) = c.send(Method::POST, RESET, Some(body)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("SPDM"), "{v}");
    cards.authenticate("DPU0000A1").await.unwrap();
    let (_, v) = c.get(CI).await;
    assert_eq!(
        v["SPDM"]["IdentityAuthentication"]["ResponderAuthentication"]["VerificationStatus"],
        "Failed",
        "{v}"
    );
    assert!(
        v["Description"]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{v}"
    );
    let (s, v) = c.send(Method::POST, RESET, Some(body)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("failed SPDM authentication"), "{v}");

    // The card's real responder.
    t.link = real;
    t.timeout = Duration::from_secs(10);
    cards.add_spdm(t);

    cards.authenticate("DPU0000A1").await.unwrap();
    let (_, v) = c.get(CI).await;
    assert_eq!(
        v["SPDM"]["IdentityAuthentication"]["ResponderAuthentication"]["VerificationStatus"],
        "Success",
        "{v}"
    );
    assert_eq!(v["ComponentIntegrityType"], "SPDM");
    assert_eq!(v["ComponentIntegrityTypeVersion"], "1.3.0");
    assert_eq!(v["TargetComponentURI"], "/redfish/v1/Chassis/DPU0000A1");
    assert_eq!(v["Status"]["Health"], "OK");
    let measured = v["SPDM"]["MeasurementSet"]["Measurements"]
        .as_array()
        .unwrap()
        .len();
    assert!(measured >= 4, "{v}");
    let cert_uri = v["SPDM"]["IdentityAuthentication"]["ResponderAuthentication"]
        ["ComponentCertificate"]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, cert) = c.get(&cert_uri).await;
    assert_eq!(cert["CertificateType"], "PEMchain");
    let pem = cert["CertificateString"].as_str().unwrap();
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 3, "{pem}");
    let leaf = std::fs::read(emu.sample("ecp384/end_responder.cert.der")).unwrap();
    let first: String = pem
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(first)
            .unwrap(),
        leaf,
        "the leaf comes first"
    );
    let (s, v) = c.send(Method::POST, RESET, Some(body)).await;
    assert!(s.is_success(), "{s} {v}");
    match tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(e) = events.recv().await {
                if let CardEventKind::IntegrityChanged { verified: true, .. } = e.kind {
                    return true;
                }
            }
        }
    })
    .await
    {
        Ok(verified) => assert!(verified),
        Err(_) => panic!("no IntegrityChanged event"),
    }

    // Signed measurements for the client: our nonce is in the transcript, and the
    // signature verifies with the leaf over VCA + requests + responses.
    let action = format!("{CI}/Actions/ComponentIntegrity.SPDMGetSignedMeasurements");
    let nonce = "ab".repeat(32);
    let (s, v) = c
        .send(
            Method::POST,
            &action,
            Some(&format!(
                r#"{{"Nonce":"{nonce}","MeasurementIndices":[1,2]}}"#
            )),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["Version"], "1.3");
    assert_eq!(v["SigningAlgorithm"], "TPM_ALG_ECDSA_ECC_NIST_P384");
    assert_eq!(v["HashingAlgorithm"], "TPM_ALG_SHA_384");
    assert_eq!(v["Certificate"]["@odata.id"], cert_uri.as_str());
    let transcript = base64::engine::general_purpose::STANDARD
        .decode(v["SignedMeasurements"].as_str().unwrap())
        .unwrap();
    assert!(
        transcript.windows(32).any(|w| w == [0xAB; 32]),
        "the nonce is signed"
    );
    let (l1, sig) = transcript.split_at(transcript.len() - 96);
    let n = cards
        .integrity("DPU0000A1")
        .unwrap()
        .last
        .unwrap()
        .negotiated;
    let ctx = sidebridge_protocol::spdm::MEASUREMENTS_CONTEXT;
    assert!(verify_signature(&n, &leaf, ctx, l1, sig).is_ok());
    for (bad, what) in [
        (r#"{"Nonce":"xyz"}"#, "ActionParameterValueFormatError"),
        (
            r#"{"MeasurementIndices":[1,1]}"#,
            "ActionParameterValueFormatError",
        ),
        (r#"{"Nonces":"00"}"#, "ActionParameterNotSupported"),
    ] {
        let (s, v) = c.send(Method::POST, &action, Some(bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(v.to_string().contains(what), "{bad}: {v}");
    }

    // The same card answering with other measurements (another measurement hash):
    // an event, a log entry, Health Warning.
    drop(emu);
    let emu = spdm::Emulator::start(&dir, &["--meas_hash", "SHA_256"]).await;
    let (t, _ep2) = target(&emu, "ecp384/ca.cert").await;
    cards.add_spdm(t);
    cards.authenticate("DPU0000A1").await.unwrap();
    let changed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(e) = events.recv().await {
                if let CardEventKind::MeasurementsChanged { indices } = e.kind {
                    return indices;
                }
            }
        }
    })
    .await
    .expect("a MeasurementsChanged event");
    assert!(!changed.is_empty());
    let (_, v) = c.get(CI).await;
    assert_eq!(v["Status"]["Health"], "Warning", "{v}");
    let mut logged = false;
    for _ in 0..50 {
        let (_, v) = c
            .get("/redfish/v1/Managers/DPU0000A1/LogServices/EventLog/Entries")
            .await;
        if v.to_string().contains("differ from the reference") {
            logged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(logged, "a log entry for the change");

    // A chain that does not reach the anchor: Critical, with the reason; refused.
    drop(emu);
    let emu = spdm::Emulator::start(&dir, &[]).await;
    let (t, _ep3) = target(&emu, "ecp256/ca.cert").await;
    cards.add_spdm(t);
    cards.authenticate("DPU0000A1").await.unwrap();
    let (_, v) = c.get(CI).await;
    assert_eq!(
        v["SPDM"]["IdentityAuthentication"]["ResponderAuthentication"]["VerificationStatus"],
        "Failed"
    );
    assert_eq!(v["Status"]["Health"], "Critical");
    assert!(
        v["Description"].as_str().unwrap().contains("trust anchor"),
        "{v}"
    );
    let (_, sys) = c.get("/redfish/v1/Systems/DPU0000A1").await;
    assert_eq!(sys["Status"]["Health"], "Critical", "{sys}");
    let (s, v) = c.send(Method::POST, RESET, Some(body)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("trust anchor"), "{v}");
    // The other card has no responder configured: untouched.
    let (_, other) = c.get("/redfish/v1/Systems/DPU0000B2").await;
    assert_eq!(other["Status"]["Health"], "OK");
    let (s, _) = c
        .send(
            Method::GET,
            "/redfish/v1/ComponentIntegrity/DPU0000B2",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Without anyone asking: the card layer authenticates a card whose responder was
/// added, and again once its period is over.
#[tokio::test]
async fn cards_are_authenticated_at_discovery_and_again_each_period() {
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    let c = common::Client::start().await;
    let cards = c.running.daemon.cards.clone();
    let emu = spdm::Emulator::start(&dir, &[]).await;
    let (mut t, _ep) = target(&emu, "ecp384/ca.cert").await;
    t.period = Duration::from_secs(1);
    cards.add_spdm(t);
    let at = |cards: &sidebridge::cards::Cards| {
        let i = cards.integrity("DPU0000A1").unwrap();
        (i.state == sidebridge::spdm::IntegrityState::Verified).then_some(i.at)?
    };
    let first = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if let Some(t) = at(&cards) {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("authenticated within 15 s of being added");
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if at(&cards).is_some_and(|t| t > first) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("authenticated again once the period was over");
}

/// Trust on first use: the first leaf is pinned (no anchor needed); a card that
/// later presents another leaf is refused, naming the pin.
#[tokio::test]
async fn trust_on_first_use_pins_the_first_leaf() {
    let Some(dir) = spdm::emulator_dir() else {
        return;
    };
    let c = common::Client::start().await;
    let cards = c.running.daemon.cards.clone();
    let pin = c.dir.join("spdm/package0-slot0.der");
    let emu = spdm::Emulator::start(&dir, &[]).await;
    let (mut t, _ep) = target(&emu, "ecp384/ca.cert").await;
    t.mode = Mode::TrustOnFirstUse;
    t.anchors.clear();
    t.pin = Some(pin.clone());
    cards.add_spdm(t.clone());
    cards.authenticate("DPU0000A1").await.unwrap();
    let i = cards.integrity("DPU0000A1").unwrap();
    assert_eq!(i.state, sidebridge::spdm::IntegrityState::Verified);
    assert!(!i.last.unwrap().anchored);
    assert_eq!(
        std::fs::read(&pin).unwrap(),
        std::fs::read(emu.sample("ecp384/end_responder.cert.der")).unwrap()
    );
    // Another card in its place (the P-256 sample identity).
    drop(emu);
    let emu = spdm::Emulator::start(&dir, &["--asym", "ECDSA_P256", "--hash", "SHA_256"]).await;
    let (link, _ep2) = emu.link().await;
    t.link = Arc::new(link);
    cards.add_spdm(t);
    cards.authenticate("DPU0000A1").await.unwrap();
    let i = cards.integrity("DPU0000A1").unwrap();
    match i.state {
        sidebridge::spdm::IntegrityState::Failed(why) => {
            assert!(why.contains("pinned at first use"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    let (s, v) = c
        .send(
            Method::POST,
            RESET,
            Some(r#"{"ResetType":"GracefulRestart"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
}
