//! The seed document's manual-provisioning flow, with its exact request bodies,
//! through the platform endpoint against the simulated cards: the PATCH (Boot,
//! HostWatchdogTimer, AssetTag, IndicatorLED), InsertMedia, ComputerSystem.Reset;
//! each confirmed on the card and read back. DPU0000B2 boots Legacy; DPU0000A1 boots
//! UEFI only and gets DSP0266's partial-update answer naming the refused property.

use axum::http::{Method, StatusCode};
use serde_json::json;
use sidebridge_protocol::oem::{
    BootEnabled, BootMode, BootTarget, IndicatorLed, MediaSlot, MediaState, WatchdogAction,
};
use std::time::Duration;

mod common;

/// The seed's PATCH body, byte for byte as the document gives it.
const SEED_PATCH: &str = r#"{
"Boot" : {
"BootSourceOverrideMode" : "Legacy",
"BootSourceOverrideTarget" : "Hdd",
"BootSourceOverrideEnabled" : "Once",
"UefiTargetBootSourceOverride" : null
},
"HostWatchdogTimer" : {
"FunctionEnabled" : true
},
"AssetTag": "asset tag",
"IndicatorLED": "Lit"
}"#;
const SEED_RESET: &str = r#"{
"ResetType" : "ForceRestart"
}"#;

use common::Client;

async fn start() -> Client {
    Client::start().await
}

/// A loopback HTTP server for the image the card fetches.
async fn image_server() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let _ = tokio::io::AsyncWriteExt::write_all(
                &mut s,
                b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nISO!",
            )
            .await;
        }
    });
    format!("http://127.0.0.1:{port}/provision.iso")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_flow_with_its_exact_bodies_on_a_card_that_boots_legacy() {
    let c = start().await;
    let sys = "/redfish/v1/Systems/DPU0000B2";
    let (s, v) = c.send(Method::PATCH, sys, Some(SEED_PATCH)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v.get("@Message.ExtendedInfo").is_none(),
        "everything applied: {v}"
    );
    // Read back through the endpoint…
    let (_, v) = c.send(Method::GET, sys, None).await;
    assert_eq!(v["Boot"]["BootSourceOverrideMode"], "Legacy");
    assert_eq!(v["Boot"]["BootSourceOverrideTarget"], "Hdd");
    assert_eq!(v["Boot"]["BootSourceOverrideEnabled"], "Once");
    assert_eq!(v["HostWatchdogTimer"]["FunctionEnabled"], true);
    assert_eq!(v["HostWatchdogTimer"]["Status"]["State"], "Enabled");
    assert_eq!(v["AssetTag"], "asset tag");
    assert_eq!(v["IndicatorLED"], "Lit");
    assert_eq!(v["LocationIndicatorActive"], true);
    // …and on the card itself.
    let (boot, settings) = c.running.sim.with(|nc| {
        let card = nc.card(1).unwrap();
        (card.boot_override().clone(), card.system_settings().clone())
    });
    assert_eq!(
        (boot.mode, boot.target, boot.enabled),
        (BootMode::Legacy, BootTarget::Hdd, BootEnabled::Once)
    );
    assert_eq!(settings.asset_tag, "asset tag");
    assert_eq!(settings.indicator, IndicatorLed::Lit);
    assert!(settings.watchdog.enabled);
    assert_eq!(settings.watchdog.action, WatchdogAction::None);

    // InsertMedia with the seed's body shape (only Image).
    let image = image_server().await;
    let (s, v) = c
        .send(
            Method::POST,
            "/redfish/v1/Managers/DPU0000B2/VirtualMedia/CD/Actions/VirtualMedia.InsertMedia",
            Some(&format!("{{\n\"Image\": \"{image}\"\n}}")),
        )
        .await;
    assert!(
        s == StatusCode::ACCEPTED || s == StatusCode::NO_CONTENT,
        "{s}: {v}"
    );
    let mut media = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let m = c
            .running
            .sim
            .with(|nc| nc.card(1).unwrap().media(MediaSlot::Cd).clone());
        if m.state == MediaState::Inserted {
            media = Some(m);
            break;
        }
    }
    let media = media.expect("the card attached the image");
    assert_eq!(media.image, image);
    let (_, m) = c
        .send(
            Method::GET,
            "/redfish/v1/Managers/DPU0000B2/VirtualMedia/CD",
            None,
        )
        .await;
    assert_eq!((&m["Inserted"], &m["Image"]), (&json!(true), &json!(image)));

    // ComputerSystem.Reset with the seed's body.
    let before = c.running.sim.with(|nc| {
        nc.card(1)
            .unwrap()
            .executed(sidebridge_protocol::oem::CommandId::Reset)
    });
    let (s, v) = c
        .send(
            Method::POST,
            "/redfish/v1/Systems/DPU0000B2/Actions/ComputerSystem.Reset",
            Some(SEED_RESET),
        )
        .await;
    assert!(
        s == StatusCode::ACCEPTED || s == StatusCode::NO_CONTENT,
        "{s}: {v}"
    );
    let after = c.running.sim.with(|nc| {
        nc.card(1)
            .unwrap()
            .executed(sidebridge_protocol::oem::CommandId::Reset)
    });
    assert_eq!(after, before + 1, "the card executed one reset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_patch_on_a_uefi_only_card_applies_the_rest_and_names_the_mode() {
    let c = start().await;
    let sys = "/redfish/v1/Systems/DPU0000A1";
    let before = c
        .running
        .sim
        .with(|nc| nc.card(0).unwrap().boot_override().clone());
    let (s, v) = c.send(Method::PATCH, sys, Some(SEED_PATCH)).await;
    // DSP0266 "Update (PATCH)": some properties applied, so 200 with the resource and
    // a message for each property that was not.
    assert_eq!(s, StatusCode::OK, "{v}");
    let info = v["@Message.ExtendedInfo"].as_array().expect("messages");
    assert_eq!(info.len(), 1, "{v}");
    assert_eq!(info[0]["MessageId"], "Base.1.19.PropertyValueNotInList");
    assert_eq!(
        info[0]["MessageArgs"],
        json!(["Legacy", "Boot.BootSourceOverrideMode"])
    );
    assert_eq!(
        info[0]["RelatedProperties"],
        json!(["#/Boot/BootSourceOverrideMode"])
    );
    assert_eq!(v["AssetTag"], "asset tag");
    assert_eq!(v["IndicatorLED"], "Lit");
    assert_eq!(v["HostWatchdogTimer"]["FunctionEnabled"], true);
    // The boot override is one card command: not applied at all.
    let after = c
        .running
        .sim
        .with(|nc| nc.card(0).unwrap().boot_override().clone());
    assert_eq!(after, before);
    assert_eq!(
        c.running
            .sim
            .with(|nc| nc.card(0).unwrap().system_settings().asset_tag.clone()),
        "asset tag"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowable_values_come_from_the_card() {
    let c = start().await;
    let (_, a1) = c
        .send(Method::GET, "/redfish/v1/Systems/DPU0000A1", None)
        .await;
    let (_, b2) = c
        .send(Method::GET, "/redfish/v1/Systems/DPU0000B2", None)
        .await;
    assert_eq!(
        a1["Boot"]["BootSourceOverrideMode@Redfish.AllowableValues"],
        json!(["UEFI"])
    );
    assert_eq!(
        b2["Boot"]["BootSourceOverrideMode@Redfish.AllowableValues"],
        json!(["Legacy", "UEFI"])
    );
    assert_eq!(a1["UUID"], "5b1d0c3a-7f00-4d2e-9c41-0000000000a1");
    assert_eq!(b2["AssetTag"], "rack 4, slot 2");
    // The manager's reset, with what the card takes.
    let (_, m) = c
        .send(Method::GET, "/redfish/v1/Managers/DPU0000A1", None)
        .await;
    assert_eq!(
        m["Actions"]["#Manager.Reset"]["ResetType@Redfish.AllowableValues"],
        json!(["GracefulRestart", "ForceRestart"])
    );
    let target = "/redfish/v1/Managers/DPU0000A1/Actions/Manager.Reset";
    let (s, v) = c
        .send(Method::POST, target, Some(r#"{"ResetType": "PowerCycle"}"#))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        v["error"]["@Message.ExtendedInfo"][0]["MessageId"],
        "Base.1.19.ActionParameterValueNotInList"
    );
    let (s, v) = c
        .send(
            Method::POST,
            target,
            Some(r#"{"ResetType": "GracefulRestart"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(
        c.running.sim.with(|nc| nc
            .card(0)
            .unwrap()
            .executed(sidebridge_protocol::oem::CommandId::ResetManager)),
        1
    );
    // Contradicting identify properties, a too-long asset tag, a bad watchdog action.
    let (s, v) = c
        .send(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000A1",
            Some(&format!(
                r#"{{"IndicatorLED": "Off", "LocationIndicatorActive": true, "AssetTag": "{}", "HostWatchdogTimer": {{"TimeoutAction": "Explode"}}}}"#,
                "t".repeat(65)
            )),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let mut ids: Vec<String> = v["error"]["@Message.ExtendedInfo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MessageId"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "Base.1.19.PropertyValueConflict",
            "Base.1.19.PropertyValueNotInList",
            "Base.1.19.StringValueTooLong"
        ]
    );
    // LocationIndicatorActive alone: the identify LED blinks.
    let (s, v) = c
        .send(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000A1",
            Some(r#"{"LocationIndicatorActive": true}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["IndicatorLED"], "Blinking");
}
