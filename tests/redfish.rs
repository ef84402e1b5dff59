//! The Redfish service through its router (`tower::ServiceExt::oneshot`), over the
//! bridge and NC-SI engine, against the simulator in-process: every resource, the
//! errors a client can provoke, sessions, privileges, persistence, and one real TLS
//! listener.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sidebridge::daemon::Daemon;
use sidebridge_protocol::oem::{
    self, BiosValue, BootEnabled, BootTarget, MediaSlot, MediaState, PowerState,
};
use sidebridge_sim::SimHandle;
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

struct Svc {
    app: Router,
    sim: SimHandle,
    dir: PathBuf,
    password: String,
    daemon: Daemon,
    _stop: watch::Sender<bool>,
}

enum Who<'a> {
    Nobody,
    Basic(&'a str, &'a str),
    Token(&'a str),
}

mod common;

async fn start_in(dir: PathBuf) -> Svc {
    let r = common::daemon(&dir).await;
    Svc {
        app: r.daemon.app(),
        sim: r.sim,
        dir,
        password: r.password,
        daemon: r.daemon,
        _stop: r.stop,
    }
}

async fn start() -> Svc {
    let dir = std::env::temp_dir().join(format!(
        "sb-redfish-{}",
        sidebridge::redfish::auth::random_hex(6)
    ));
    start_in(dir).await
}

impl Drop for Svc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Svc {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        who: Who<'_>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req = Request::builder().method(method).uri(path);
        match who {
            Who::Nobody => {}
            Who::Basic(u, p) => {
                let v = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                req = req.header("Authorization", format!("Basic {v}"));
            }
            Who::Token(t) => req = req.header("X-Auth-Token", t),
        }
        let req = match body {
            Some(b) => req
                .header("Content-Type", "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let r = tower::ServiceExt::oneshot(self.app.clone(), req)
            .await
            .unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, headers, v)
    }

    async fn get(&self, path: &str) -> Value {
        let (s, h, v) = self
            .call(Method::GET, path, None, Who::Basic("admin", &self.password))
            .await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        assert_eq!(h["OData-Version"], "4.0");
        v
    }

    async fn admin(
        &self,
        method: Method,
        path: &str,
        body: &str,
    ) -> (StatusCode, HeaderMap, Value) {
        self.call(
            method,
            path,
            Some(body),
            Who::Basic("admin", &self.password),
        )
        .await
    }

    async fn wait_task(&self, location: &str) -> Value {
        for _ in 0..200 {
            let t = self.get(location).await;
            if t["TaskState"] != "Running" {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("task {location} did not end");
    }
}

fn message_ids(v: &Value) -> Vec<String> {
    v["error"]["@Message.ExtendedInfo"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["MessageId"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_service_root_odata_and_metadata_are_public() {
    let s = start().await;
    for path in [
        "/redfish",
        "/redfish/v1",
        "/redfish/v1/",
        "/redfish/v1/odata",
        "/redfish/v1/$metadata",
    ] {
        let (st, h, _) = s.call(Method::GET, path, None, Who::Nobody).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert_eq!(h["OData-Version"], "4.0", "{path}");
    }
    // DSP0266: exactly {"v1": "/redfish/v1/"}, no @odata.etag or anything else.
    let (_, _, version) = s.call(Method::GET, "/redfish", None, Who::Nobody).await;
    assert_eq!(version, json!({ "v1": "/redfish/v1/" }));
    let (_, h, meta) = s
        .call(Method::GET, "/redfish/v1/$metadata", None, Who::Nobody)
        .await;
    assert_eq!(h["content-type"], "application/xml");
    let meta = meta.as_str().unwrap();
    assert!(
        meta.contains("<edmx:Include Namespace=\"ComputerSystem.v1_28_0\"/>")
            && meta.contains("Extends=\"ServiceRoot.v1_21_0.ServiceContainer\"")
    );
    for path in [
        "/redfish/v1/Systems",
        "/redfish/v1/SessionService/Sessions",
        "/redfish/v1/AccountService",
        "/redfish/v1/Systems/DPU0000A1",
    ] {
        let (st, h, v) = s.call(Method::GET, path, None, Who::Nobody).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(h["www-authenticate"], "Basic realm=\"sidebridge\"");
        assert_eq!(message_ids(&v), ["Base.1.19.NoValidSession"]);
    }
    let (st, _, _) = s
        .call(
            Method::GET,
            "/redfish/v1/Systems",
            None,
            Who::Basic("admin", "wrong"),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

/// Every link reachable from the service root answers 200 with a consistent
/// `@odata.id`, an `@odata.type` whose schema `$metadata` references, and a Name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_reachable_from_the_root_is_well_formed() {
    let s = start().await;
    let (_, _, meta) = s
        .call(Method::GET, "/redfish/v1/$metadata", None, Who::Nobody)
        .await;
    let meta = meta.as_str().unwrap().to_string();
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from(["/redfish/v1".to_string()]);
    fn links(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "@odata.id" {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_string());
                        }
                    } else if k != "Actions" {
                        links(v, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| links(v, out)),
            _ => {}
        }
    }
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let v = s.get(&path).await;
        assert_eq!(v["@odata.id"], path, "{path}");
        let ty = v["@odata.type"]
            .as_str()
            .unwrap_or_else(|| panic!("{path} has no @odata.type"));
        let ns = ty.trim_start_matches('#').rsplit_once('.').unwrap().0;
        assert!(
            meta.contains(&format!("Namespace=\"{ns}\"")),
            "{path}: {ns} is not in $metadata"
        );
        assert!(v["Name"].is_string(), "{path} has no Name");
        let mut out = Vec::new();
        links(&v, &mut out);
        queue.extend(out.into_iter().filter(|l| !l.contains('#')));
    }
    // Systems, Managers, Chassis, adapters, ports, functions, media, interfaces,
    // firmware, aggregation, sessions, accounts, roles, events, tasks.
    assert!(seen.len() >= 50, "{} resources: {seen:?}", seen.len());
    for must in [
        "/redfish/v1/Systems/DPU0000B2",
        "/redfish/v1/Managers/DPU0000A1/VirtualMedia/USB",
        "/redfish/v1/Managers/DPU0000A1/EthernetInterfaces/0",
        "/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/Ports/1",
        "/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/NetworkDeviceFunctions/0",
        "/redfish/v1/UpdateService/FirmwareInventory/DPU0000A1-2",
        "/redfish/v1/AggregationService/AggregationSources/DPU0000B2",
        "/redfish/v1/AggregationService/ConnectionMethods/NCSI",
        "/redfish/v1/AccountService/Roles/Operator",
    ] {
        assert!(seen.contains(must), "{must} not reachable");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_show_what_ncsi_and_the_card_report() {
    let s = start().await;
    let sys = s.get("/redfish/v1/Systems/DPU0000A1").await;
    assert_eq!(
        (sys["PowerState"].as_str(), sys["SystemType"].as_str()),
        (Some("On"), Some("DPU"))
    );
    assert_eq!(sys["BootProgress"]["LastState"], "OSRunning");
    assert_eq!(
        sys["Boot"]["BootSourceOverrideTarget@Redfish.AllowableValues"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(sys["Status"], json!({ "State": "Enabled", "Health": "OK" }));
    let mgr = s.get("/redfish/v1/Managers/DPU0000A1").await;
    assert_eq!(mgr["FirmwareVersion"], "1.4.2");
    let eth = s
        .get("/redfish/v1/Managers/DPU0000A1/EthernetInterfaces/0")
        .await;
    assert_eq!(eth["MACAddress"], "02:5B:00:00:00:80");
    assert_eq!(
        eth["IPv4Addresses"][0],
        json!({ "Address": "192.0.2.20", "SubnetMask": "255.255.255.0", "AddressOrigin": "Static", "Gateway": "192.0.2.1" })
    );
    assert_eq!(eth["HostName"], "dpu0-bmc");
    let nic = s
        .get("/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC")
        .await;
    assert_eq!(nic["Manufacturer"], "Mellanox Technologies");
    assert_eq!(nic["Controllers"][0]["FirmwarePackageVersion"], "24.1.0.7");
    // The package's UUID (NC-SI Get Package UUID), as the scenario gives it.
    let dev = s.get("/redfish/v1/Chassis/DPU0000A1/PCIeDevices/NIC").await;
    assert_eq!(dev["UUID"], "5b1d0c3a-7f00-4d2e-9c41-000000000000");
    // The controller is on the card (reached through its own package): the board's
    // serial and part number are the adapter's and the PCIe device's.
    assert_eq!(
        (dev["SerialNumber"].as_str(), dev["PartNumber"].as_str()),
        (Some("DPU0000A1"), Some("DPU-1000-100G"))
    );
    assert_eq!(nic["SerialNumber"], "DPU0000A1");
    assert_eq!(nic["PartNumber"], "DPU-1000-100G");
    let f = s
        .get("/redfish/v1/Chassis/DPU0000A1/PCIeDevices/NIC/PCIeFunctions/0")
        .await;
    assert_eq!(
        (
            f["VendorId"].as_str(),
            f["DeviceId"].as_str(),
            f["SubsystemId"].as_str()
        ),
        (Some("0x15b3"), Some("0xa2dc"), Some("0x0051"))
    );
    let port = s
        .get("/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/Ports/1")
        .await;
    assert_eq!(
        (
            port["LinkStatus"].as_str(),
            port["CurrentSpeedGbps"].as_f64()
        ),
        (Some("LinkUp"), Some(100.0))
    );
    let ndf = s
        .get("/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/NetworkDeviceFunctions/1")
        .await;
    // The NIC is a Mellanox one: its get-MAC answers the MC's address, not the host
    // port's. The card's host inventory says which host interface this function is:
    // its MAC is shown, with the interface's enabled state; the card's adapter
    // (OEM 1.4) reports the function's permanent MAC.
    assert_eq!(
        ndf["Ethernet"],
        json!({ "MACAddress": "02:5B:00:00:00:21", "PermanentMACAddress": "02:5B:00:00:00:21" }),
        "{ndf}"
    );
    assert_eq!(ndf["DeviceEnabled"], true);
    let port1 = s
        .get("/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/Ports/1")
        .await;
    assert_eq!(
        port1["Ethernet"]["AssociatedMACAddresses"],
        json!(["02:5B:00:00:00:21"])
    );
    // DPU0000B2's second port is no host interface's: its MAC and enabled state are
    // what the card's adapter reports (OEM 1.4): the function's permanent MAC, disabled.
    let b2 = s
        .get("/redfish/v1/Chassis/DPU0000B2/NetworkAdapters/NIC/NetworkDeviceFunctions/1")
        .await;
    assert_eq!(b2["Ethernet"]["MACAddress"], "02:5B:00:00:01:21", "{b2}");
    assert_eq!(b2["DeviceEnabled"], false, "{b2}");
    let fw = s
        .get("/redfish/v1/UpdateService/FirmwareInventory/DPU0000A1-1")
        .await;
    assert_eq!(
        (fw["Version"].as_str(), fw["Updateable"].as_bool()),
        (Some("2024.06"), Some(true))
    );
    let src = s
        .get("/redfish/v1/AggregationService/AggregationSources/DPU0000A1")
        .await;
    assert_eq!(
        src["Links"]["ConnectionMethod"]["@odata.id"],
        "/redfish/v1/AggregationService/ConnectionMethods/NCSI"
    );
    assert_eq!(
        src["Links"]["ResourcesAccessed"].as_array().unwrap().len(),
        3
    );
    let cm = s
        .get("/redfish/v1/AggregationService/ConnectionMethods/NCSI")
        .await;
    assert_eq!(cm["ConnectionMethodType"], "OEM");
    assert_eq!(
        cm["Links"]["AggregationSources"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_log_in_authenticate_and_log_out() {
    let s = start().await;
    let body = format!(
        "{{\"UserName\": \"admin\", \"Password\": \"{}\"}}",
        s.password
    );
    let (st, h, v) = s
        .call(
            Method::POST,
            "/redfish/v1/SessionService/Sessions",
            Some(&body),
            Who::Nobody,
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let token = h["x-auth-token"].to_str().unwrap().to_string();
    let location = h["location"].to_str().unwrap().to_string();
    assert_eq!(v["@odata.id"], location);
    let (st, _, _) = s
        .call(Method::GET, "/redfish/v1/Systems", None, Who::Token(&token))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, v) = s
        .call(Method::GET, &location, None, Who::Token(&token))
        .await;
    assert_eq!(
        (st, v["UserName"].as_str()),
        (StatusCode::OK, Some("admin"))
    );
    let (st, _, _) = s
        .call(Method::DELETE, &location, None, Who::Token(&token))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _, _) = s
        .call(Method::GET, "/redfish/v1/Systems", None, Who::Token(&token))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "logged out");
    let (st, _, _) = s
        .call(
            Method::POST,
            "/redfish/v1/SessionService/Sessions",
            Some("{\"UserName\": \"admin\", \"Password\": \"nope\"}"),
            Who::Nobody,
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _, v) = s
        .call(
            Method::POST,
            "/redfish/v1/SessionService/Sessions",
            Some("{\"UserName\": \"admin\"}"),
            Who::Nobody,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.PropertyMissing".to_string()]
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patching_the_boot_override_reaches_the_card() {
    let s = start().await;
    let path = "/redfish/v1/Systems/DPU0000B2";
    let (st, h, v) = s.admin(Method::PATCH, path, r#"{"Boot": {"BootSourceOverrideTarget": "Cd", "BootSourceOverrideEnabled": "Once", "BootSourceOverrideMode": "UEFI"}}"#).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["Boot"]["BootSourceOverrideTarget"], "Cd");
    assert!(h.contains_key("etag"));
    let card = s.sim.with(|nc| nc.card(1).unwrap().boot_override().clone());
    assert_eq!(
        (card.target, card.enabled),
        (BootTarget::Cd, BootEnabled::Once)
    );
    // UEFI HTTP boot with a URI, then back off.
    let (st, _, v) = s.admin(Method::PATCH, path, r#"{"Boot": {"BootSourceOverrideTarget": "UefiHttp", "HttpBootUri": "http://192.0.2.10/boot.efi"}}"#).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        s.sim
            .with(|nc| nc.card(1).unwrap().boot_override().uri.clone()),
        "http://192.0.2.10/boot.efi"
    );
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            path,
            r#"{"Boot": {"BootSourceOverrideEnabled": "Disabled"}}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        s.sim.with(|nc| nc.card(1).unwrap().boot_override().target),
        BootTarget::None
    );
    // The seed document's Boot object: UefiTargetBootSourceOverride null is accepted,
    // and this card (DPU0000B2) boots Legacy.
    let (st, _, v) = s.admin(Method::PATCH, path, r#"{"Boot": {"BootSourceOverrideMode": "Legacy", "BootSourceOverrideTarget": "Hdd", "BootSourceOverrideEnabled": "Once", "UefiTargetBootSourceOverride": null}}"#).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let o = s.sim.with(|nc| nc.card(1).unwrap().boot_override().clone());
    assert_eq!(
        (o.mode, o.target, o.enabled),
        (oem::BootMode::Legacy, BootTarget::Hdd, BootEnabled::Once)
    );
    // DPU0000A1 boots UEFI only: it says so, and a Legacy request is refused naming
    // the mode, not the target.
    let a1 = s.get("/redfish/v1/Systems/DPU0000A1").await;
    assert_eq!(
        a1["Boot"]["BootSourceOverrideMode@Redfish.AllowableValues"],
        json!(["UEFI"])
    );
    let (st, _, v) = s.admin(Method::PATCH, "/redfish/v1/Systems/DPU0000A1", r#"{"Boot": {"BootSourceOverrideMode": "Legacy", "BootSourceOverrideTarget": "Hdd", "BootSourceOverrideEnabled": "Once", "UefiTargetBootSourceOverride": null}}"#).await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.PropertyValueNotInList".to_string()]
        ),
        "{v}"
    );
    assert_eq!(
        v["error"]["@Message.ExtendedInfo"][0]["MessageArgs"],
        json!(["Legacy", "Boot.BootSourceOverrideMode"]),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_patches_get_every_base_message_at_once() {
    let s = start().await;
    let path = "/redfish/v1/Systems/DPU0000A1";
    let (st, _, v) = s.admin(Method::PATCH, path, r#"{"Boot": {"BootSourceOverrideTarget": "Floppy", "Bogus": 1}, "Colour": "red", "UUID": "x"}"#).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "nothing applicable: 400");
    let mut ids = message_ids(&v);
    ids.sort();
    assert_eq!(
        ids,
        [
            "Base.1.19.PropertyNotWritable",
            "Base.1.19.PropertyUnknown",
            "Base.1.19.PropertyUnknown",
            "Base.1.19.PropertyValueNotInList"
        ],
        "{v}"
    );
    assert_eq!(v["error"]["code"], "Base.1.19.GeneralError");
    // DSP0266 "Update (PATCH)": what can be applied is, the rest is named in a 200.
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            path,
            r#"{"Boot": {"BootSourceOverrideTarget": "Floppy"}, "AssetTag": "x", "Colour": "red"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["AssetTag"], "x");
    let mut ids: Vec<String> = v["@Message.ExtendedInfo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MessageId"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "Base.1.19.PropertyUnknown",
            "Base.1.19.PropertyValueNotInList"
        ]
    );
    assert_eq!(
        s.sim
            .with(|nc| nc.card(0).unwrap().system_settings().asset_tag.clone()),
        "x"
    );
    let (st, _, v) = s.admin(Method::PATCH, path, "{not json").await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.MalformedJSON".to_string()]
        )
    );
    let (st, _, v) = s.admin(Method::PATCH, path, "[1, 2]").await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.MalformedJSON".to_string()]
        )
    );
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            path,
            r#"{"Boot": {"BootSourceOverrideTarget": 7}}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.PropertyValueTypeError".to_string()]
        )
    );
    let (st, _, v) = s
        .admin(Method::PATCH, path, r#"{"PowerState": "Off"}"#)
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.PropertyNotWritable".to_string()]
        )
    );
    assert_eq!(
        v["error"]["@Message.ExtendedInfo"][0]["RelatedProperties"],
        json!(["#/PowerState"])
    );
    // Nothing reached the card.
    assert_eq!(
        s.sim.with(|nc| nc.card(0).unwrap().boot_override().target),
        BootTarget::None
    );
    // If-Match: a stale ETag is refused, the current one accepted.
    let (_, h, _) = s
        .call(Method::GET, path, None, Who::Basic("admin", &s.password))
        .await;
    let tag = h["etag"].to_str().unwrap().to_string();
    let patch = r#"{"Boot": {"BootSourceOverrideTarget": "Pxe"}}"#;
    let req = |tag: &str| {
        Request::builder()
            .method(Method::PATCH)
            .uri(path)
            .header("If-Match", tag)
            .header(
                "Authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("admin:{}", s.password))
                ),
            )
            .body(Body::from(patch))
            .unwrap()
    };
    let r = tower::ServiceExt::oneshot(s.app.clone(), req("W/\"00000000\""))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let r = tower::ServiceExt::oneshot(s.app.clone(), req(&tag))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Body limit.
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(70_000));
    let (st, _, v) = s.admin(Method::PATCH, path, &big).await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            vec!["Base.1.19.PayloadTooLarge".to_string()]
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_is_a_task_that_ends_when_the_card_says_so() {
    let s = start().await;
    let action = "/redfish/v1/Systems/DPU0000A1/Actions/ComputerSystem.Reset";
    let (st, _, v) = s.admin(Method::POST, action, "{}").await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterMissing".to_string()]
        )
    );
    let (st, _, v) = s
        .admin(Method::POST, action, r#"{"ResetType": "Explode"}"#)
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterValueNotInList".to_string()]
        )
    );
    let (st, _, v) = s
        .admin(
            Method::POST,
            action,
            r#"{"ResetType": "On", "Force": true}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterNotSupported".to_string()]
        )
    );
    let (st, _, v) = s.admin(Method::POST, action, r#"{"ResetType": 5}"#).await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterValueTypeError".to_string()]
        )
    );
    let (st, h, v) = s
        .admin(Method::POST, action, r#"{"ResetType": "ForceRestart"}"#)
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{v}");
    let location = h["location"].to_str().unwrap().to_string();
    assert_eq!(v["TaskState"], "Running");
    // A second reset while the first runs: the card says InvalidState → 409.
    let (st, _, v) = s
        .admin(Method::POST, action, r#"{"ResetType": "ForceOff"}"#)
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::CONFLICT,
            vec!["Base.1.19.ResourceInUse".to_string()]
        ),
        "{v}"
    );
    let t = s.wait_task(&location).await;
    assert_eq!(
        (t["TaskState"].as_str(), t["TaskStatus"].as_str()),
        (Some("Completed"), Some("OK")),
        "{t}"
    );
    assert_eq!(
        s.sim
            .with(|nc| nc.card(0).unwrap().executed(oem::CommandId::Reset)),
        1
    );
    assert_eq!(s.sim.with(|nc| nc.card(0).unwrap().power()), PowerState::On);
    // Nmi completes at once: 204.
    let (st, _, _) = s
        .admin(Method::POST, action, r#"{"ResetType": "Nmi"}"#)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let tasks = s.get("/redfish/v1/TaskService/Tasks").await;
    assert_eq!(tasks["Members@odata.count"], 1);
    // An NMI to a host that is off: not "in use or in transition", but not possible
    // in that state, and the message says why.
    let (st, _, _) = s
        .admin(Method::POST, action, r#"{"ResetType": "ForceOff"}"#)
        .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    for _ in 0..200 {
        if s.sim.with(|nc| nc.card(0).unwrap().power()) == PowerState::Off {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (st, _, v) = s
        .admin(Method::POST, action, r#"{"ResetType": "Nmi"}"#)
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    let text = v.to_string();
    assert!(
        text.contains("OperationNotAllowed") && text.contains("the host is off"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_media_insert_and_eject_with_precise_errors() {
    let s = start().await;
    let cd = "/redfish/v1/Managers/DPU0000A1/VirtualMedia/CD";
    let insert = format!("{cd}/Actions/VirtualMedia.InsertMedia");
    let eject = format!("{cd}/Actions/VirtualMedia.EjectMedia");
    let (st, _, v) = s.admin(Method::POST, &insert, "{}").await;
    assert_eq!(
        message_ids(&v),
        ["Base.1.19.ActionParameterMissing"],
        "{st}"
    );
    let (st, _, v) = s
        .admin(
            Method::POST,
            &insert,
            r#"{"Image": "ftp://192.0.2.10/a.iso"}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterValueNotInList".to_string()]
        )
    );
    let (st, _, v) = s
        .admin(Method::POST, &insert, r#"{"Image": "not a uri"}"#)
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterValueFormatError".to_string()]
        )
    );
    let (st, _, v) = s
        .admin(
            Method::POST,
            &insert,
            r#"{"Image": "http://192.0.2.10/a.iso", "TransferProtocolType": "Carrier-Pigeon"}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterValueNotInList".to_string()]
        )
    );
    let (st, h, v) = s.admin(Method::POST, &insert, r#"{"Image": "http://192.0.2.10/install.iso", "Inserted": true, "WriteProtected": true}"#).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{v}");
    let t = s.wait_task(h["location"].to_str().unwrap()).await;
    assert_eq!(t["TaskState"], "Completed");
    let m = s.get(cd).await;
    assert_eq!(
        (
            m["Inserted"].as_bool(),
            m["Image"].as_str(),
            m["ImageName"].as_str()
        ),
        (
            Some(true),
            Some("http://192.0.2.10/install.iso"),
            Some("install.iso")
        )
    );
    assert_eq!(
        s.sim
            .with(|nc| nc.card(0).unwrap().media(MediaSlot::Cd).state),
        MediaState::Inserted
    );
    let (st, _, v) = s
        .admin(
            Method::POST,
            &insert,
            r#"{"Image": "http://192.0.2.10/other.iso"}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::CONFLICT,
            vec!["Base.1.19.ResourceInUse".to_string()]
        )
    );
    let (st, _, _) = s.admin(Method::POST, &eject, "{}").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _, v) = s.admin(Method::POST, &eject, "{}").await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::CONFLICT,
            vec!["Base.1.19.OperationNotAllowed".to_string()]
        )
    );
    assert_eq!(s.get(cd).await["Inserted"], false);
    // A fetch failure ends the task in Exception.
    let (st, h, _) = s
        .admin(
            Method::POST,
            "/redfish/v1/Managers/DPU0000A1/VirtualMedia/USB/Actions/VirtualMedia.InsertMedia",
            r#"{"Image": "http://images.invalid/a.img"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let t = s.wait_task(h["location"].to_str().unwrap()).await;
    assert_eq!(
        (t["TaskState"].as_str(), t["TaskStatus"].as_str()),
        (Some("Exception"), Some("Critical"))
    );
    let (st, _, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/Managers/DPU0000A1/VirtualMedia/Floppy/Actions/VirtualMedia.InsertMedia",
            r#"{"Image": "http://h/a"}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::NOT_FOUND,
            vec!["Base.1.19.ResourceNotFound".to_string()]
        )
    );
    // The older PATCH style: Image inserts, null ejects.
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            cd,
            r#"{"Image": "http://192.0.2.10/b.iso", "Inserted": true}"#,
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_enforced_and_accounts_persist() {
    let dir = std::env::temp_dir().join(format!(
        "sb-redfish-{}",
        sidebridge::redfish::auth::random_hex(6)
    ));
    let s = start_in(dir.clone()).await;
    for (user, role) in [("viewer", "ReadOnly"), ("oper", "Operator")] {
        let (st, h, v) = s
            .admin(
                Method::POST,
                "/redfish/v1/AccountService/Accounts",
                &format!(
                    r#"{{"UserName": "{user}", "Password": "secret-{user}", "RoleId": "{role}"}}"#
                ),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(
            h["location"],
            format!("/redfish/v1/AccountService/Accounts/{user}")
        );
    }
    let (st, _, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/AccountService/Accounts",
            r#"{"UserName": "viewer", "Password": "another-one", "RoleId": "ReadOnly"}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::CONFLICT,
            vec!["Base.1.19.ResourceAlreadyExists".to_string()]
        )
    );
    let (st, _, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/AccountService/Accounts",
            r#"{"UserName": "x", "Password": "long-enough", "RoleId": "God"}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.PropertyValueNotInList".to_string()]
        )
    );
    let boot =
        r#"{"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}}"#;
    let (st, _, v) = s
        .call(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000A1",
            Some(boot),
            Who::Basic("viewer", "secret-viewer"),
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::FORBIDDEN,
            vec!["Base.1.19.InsufficientPrivilege".to_string()]
        )
    );
    let (st, _, _) = s
        .call(
            Method::GET,
            "/redfish/v1/Systems/DPU0000A1",
            None,
            Who::Basic("viewer", "secret-viewer"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = s
        .call(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000A1",
            Some(boot),
            Who::Basic("oper", "secret-oper"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = s
        .call(
            Method::POST,
            "/redfish/v1/AccountService/Accounts",
            Some(r#"{"UserName": "y", "Password": "long-enough", "RoleId": "ReadOnly"}"#),
            Who::Basic("oper", "secret-oper"),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The card BMC's network is the manager's: ConfigureManager (DMTF privilege
    // registry, a Manager's EthernetInterface), which an Operator lacks; the card is
    // left as it was.
    let before = s.sim.with(|nc| nc.card(0).unwrap().bmc_network().cloned());
    let (st, _, v) = s
        .call(
            Method::PATCH,
            "/redfish/v1/Managers/DPU0000A1/EthernetInterfaces/0",
            Some(r#"{"HostName": "taken-over"}"#),
            Who::Basic("oper", "secret-oper"),
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::FORBIDDEN,
            vec!["Base.1.19.InsufficientPrivilege".to_string()]
        )
    );
    assert_eq!(
        s.sim.with(|nc| nc.card(0).unwrap().bmc_network().cloned()),
        before
    );
    // One's own password: ConfigureSelf is enough.
    let (st, _, _) = s
        .call(
            Method::PATCH,
            "/redfish/v1/AccountService/Accounts/viewer",
            Some(r#"{"Password": "changed-pass"}"#),
            Who::Basic("viewer", "secret-viewer"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = s
        .call(
            Method::PATCH,
            "/redfish/v1/AccountService/Accounts/viewer",
            Some(r#"{"RoleId": "Administrator"}"#),
            Who::Basic("viewer", "changed-pass"),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "no self-promotion");
    let _ = s._stop.send(true);
    // A restart with the same state directory keeps the accounts.
    let s2 = start_in(dir).await;
    let (st, _, _) = s2
        .call(
            Method::GET,
            "/redfish/v1/Systems",
            None,
            Who::Basic("viewer", "changed-pass"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = s2
        .admin(
            Method::DELETE,
            "/redfish/v1/AccountService/Accounts/viewer",
            "",
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _, _) = s2
        .call(
            Method::GET,
            "/redfish/v1/Systems",
            None,
            Who::Basic("viewer", "changed-pass"),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    std::mem::forget(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_that_stops_answering_is_shown_offline_not_stale() {
    let s = start().await;
    s.sim.with(|nc| nc.set_present(1, false));
    let path = "/redfish/v1/Systems/DPU0000B2";
    let (st, h, v) = s
        .admin(
            Method::PATCH,
            path,
            r#"{"Boot": {"BootSourceOverrideTarget": "Pxe"}}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            vec!["Base.1.19.ServiceTemporarilyUnavailable".to_string()]
        ),
        "{v}"
    );
    assert_eq!(h["retry-after"], "5");
    let sys = s.get(path).await;
    assert_eq!(
        sys["Status"],
        json!({ "State": "UnavailableOffline", "Health": "Critical" })
    );
    assert!(
        sys.get("PowerState").is_none() && sys.get("Boot").is_none(),
        "no stale state: {sys}"
    );
    // It comes back.
    s.sim.with(|nc| nc.set_present(1, true));
    s.daemon.cards.refresh_all().await;
    let sys = s.get(path).await;
    assert_eq!(sys["Status"]["State"], "Enabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_get_redfish_errors() {
    let s = start().await;
    let (st, _, v) = s.admin(Method::GET, "/redfish/v1/Systems/NOPE", "").await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::NOT_FOUND,
            vec!["Base.1.19.ResourceNotFound".to_string()]
        )
    );
    let (st, _, v) = s.admin(Method::GET, "/redfish/v1/Nothing/Here", "").await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::NOT_FOUND,
            vec!["Base.1.19.ResourceNotFound".to_string()]
        )
    );
    let (st, h, _) = s
        .admin(Method::DELETE, "/redfish/v1/Systems/DPU0000A1", "")
        .await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(h["allow"], "GET, PATCH");
    let (st, h, _) = s.admin(Method::POST, "/redfish/v1/Systems", "{}").await;
    assert_eq!(
        (st, h["allow"].to_str().unwrap()),
        (StatusCode::METHOD_NOT_ALLOWED, "GET")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_persist_and_receive_events() {
    let dir = std::env::temp_dir().join(format!(
        "sb-redfish-{}",
        sidebridge::redfish::auth::random_hex(6)
    ));
    let s = start_in(dir.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (st, _, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/EventService/Subscriptions",
            r#"{"Destination": "https://user:pw@example.invalid/events"}"#,
        )
        .await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.PropertyValueFormatError".to_string()]
        )
    );
    let (st, h, v) = s.admin(Method::POST, "/redfish/v1/EventService/Subscriptions", &format!(r#"{{"Destination": "http://127.0.0.1:{port}/ev", "Context": "ctx-1", "Protocol": "Redfish"}}"#)).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let location = h["location"].to_str().unwrap().to_string();
    // Make something happen: a boot override change is an event.
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000A1",
            r#"{"Boot": {"BootSourceOverrideTarget": "Usb", "BootSourceOverrideEnabled": "Once"}}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (mut sock, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
        .await
        .expect("an event POST")
        .unwrap();
    let mut buf = vec![0u8; 8192];
    let n = tokio::io::AsyncReadExt::read(&mut sock, &mut buf)
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut sock, b"HTTP/1.1 204 No Content\r\n\r\n")
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(text.starts_with("POST /ev HTTP/1.1"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["Context"], "ctx-1");
    assert_eq!(
        body["Events"][0]["OriginOfCondition"]["@odata.id"],
        "/redfish/v1/Systems/DPU0000A1"
    );
    let _ = s._stop.send(true);
    let s2 = start_in(dir).await;
    let sub = s2.get(&location).await;
    assert_eq!(sub["Destination"], format!("http://127.0.0.1:{port}/ev"));
    let (st, _, _) = s2.admin(Method::DELETE, &location, "").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    std::mem::forget(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_tls_listener_serves_the_service() {
    let s = start().await;
    let tls = sidebridge::daemon::tls_config(&s.dir, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, stop_rx) = watch::channel(false);
    tokio::spawn(sidebridge::daemon::serve_tls(
        listener,
        s.app.clone(),
        tls,
        stop_rx,
    ));
    // A client that trusts the generated certificate and nothing else.
    let pem = std::fs::read(s.dir.join("tls/cert.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut &pem[..]) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(
            rustls::pki_types::ServerName::try_from("localhost").unwrap(),
            tcp,
        )
        .await
        .unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tls.write_all(b"GET /redfish/v1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains("\"RedfishVersion\":\"1.21.0\""), "{text}");
    assert!(text.to_ascii_lowercase().contains("odata-version: 4.0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sse_stream_carries_card_events() {
    let s = start().await;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{}", s.password))
    );
    let req = Request::builder()
        .uri("/redfish/v1/EventService/SSE")
        .header("Authorization", &auth)
        .body(Body::empty())
        .unwrap();
    let r = tower::ServiceExt::oneshot(s.app.clone(), req)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut body = r.into_body();
    // Something happens on the card: the one-time boot override changes.
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000B2",
            r#"{"Boot": {"BootSourceOverrideTarget": "Hdd", "BootSourceOverrideEnabled": "Once"}}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let frame = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let f = body.frame().await.unwrap().unwrap();
            if let Ok(data) = f.into_data() {
                let text = String::from_utf8_lossy(&data).to_string();
                if text.contains("data:") {
                    return text;
                }
            }
        }
    })
    .await
    .expect("an SSE event");
    let json_line = frame
        .lines()
        .find_map(|l| l.strip_prefix("data:"))
        .unwrap()
        .trim();
    let ev: Value = serde_json::from_str(json_line).unwrap();
    assert_eq!(ev["@odata.type"], "#Event.v1_13_0.Event");
    assert_eq!(
        ev["Events"][0]["OriginOfCondition"]["@odata.id"],
        "/redfish/v1/Systems/DPU0000B2"
    );
    assert_eq!(
        ev["Events"][0]["MessageId"],
        "ResourceEvent.1.3.ResourceChanged"
    );
}

/// Each card's event log, kept by the platform: a card event becomes a LogEntry with
/// the event's message; entries survive a restart; ClearLog needs ConfigureManager
/// and empties the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_log_records_card_events_and_is_cleared() {
    let dir = std::env::temp_dir().join(format!(
        "sb-redfish-{}",
        sidebridge::redfish::auth::random_hex(6)
    ));
    let entries = "/redfish/v1/Managers/DPU0000A1/LogServices/EventLog/Entries";
    let saved = {
        let s = start_in(dir.clone()).await;
        let m = s.get("/redfish/v1/Managers/DPU0000A1").await;
        assert_eq!(
            m["LogServices"]["@odata.id"],
            "/redfish/v1/Managers/DPU0000A1/LogServices"
        );
        let svc = s
            .get("/redfish/v1/Managers/DPU0000A1/LogServices/EventLog")
            .await;
        assert_eq!(svc["OverWritePolicy"], "WrapsWhenFull");
        let (st, _, v) = s
            .admin(
                Method::PATCH,
                "/redfish/v1/Systems/DPU0000A1",
                r#"{"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}}"#,
            )
            .await;
        assert!(st.is_success(), "{v}");
        let mut found = None;
        for _ in 0..100 {
            let v = s.get(entries).await;
            found = v["Members"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| {
                    e["Message"]
                        .as_str()
                        .is_some_and(|m| m.contains("boot override of DPU0000A1 changed"))
                })
                .cloned();
            if found.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let e = found.expect("the boot override change is logged");
        assert_eq!(e["MessageId"], "ResourceEvent.1.3.ResourceChanged");
        assert_eq!(
            e["Links"]["OriginOfCondition"]["@odata.id"],
            "/redfish/v1/Systems/DPU0000A1"
        );
        let one = s.get(e["@odata.id"].as_str().unwrap()).await;
        assert_eq!(one["Message"], e["Message"]);
        // Other cards' logs are their own.
        let other = s
            .get("/redfish/v1/Managers/DPU0000B2/LogServices/EventLog/Entries")
            .await;
        assert!(
            other["Members"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| !x["Message"].as_str().unwrap().contains("DPU0000A1"))
        );
        let (st, _, _) = s
            .call(
                Method::GET,
                "/redfish/v1/Managers/DPU0000A1/LogServices/Audit",
                None,
                Who::Basic("admin", &s.password),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        std::fs::read(dir.join("event-log.json")).unwrap()
    };
    // A restart keeps the entries (the first service removed its directory on drop:
    // put the file back as a restart would find it).
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("event-log.json"), saved).unwrap();
    let s = start_in(dir).await;
    let v = s.get(entries).await;
    assert!(
        v["Members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["Message"].as_str().unwrap().contains("boot override"))
    );
    let clear = "/redfish/v1/Managers/DPU0000A1/LogServices/EventLog/Actions/LogService.ClearLog";
    let (st, _, _) = s.admin(Method::POST, clear, "{}").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(s.get(entries).await["Members@odata.count"], 0);
}

/// Sessions and Basic requests take the account as it is now: a demoted, disabled or
/// re-passworded account's sessions end (a demoted Operator's session used to keep
/// creating subscriptions); changing one's own password keeps the session that did it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_end_sessions_and_take_effect_at_once() {
    let s = start().await;
    let (st, _, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/AccountService/Accounts",
            r#"{"UserName": "op", "Password": "operator-pass-1", "RoleId": "Operator"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let login = |pw: &'static str| {
        let s = &s;
        async move {
            let (st, h, v) = s
                .call(
                    Method::POST,
                    "/redfish/v1/SessionService/Sessions",
                    Some(&format!(r#"{{"UserName": "op", "Password": "{pw}"}}"#)),
                    Who::Nobody,
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
            h["x-auth-token"].to_str().unwrap().to_string()
        }
    };
    let subscribe = |who: Who<'static>| {
        let s = &s;
        async move {
            s.call(
                Method::POST,
                "/redfish/v1/EventService/Subscriptions",
                Some(r#"{"Destination": "https://127.0.0.1:9/ev", "Protocol": "Redfish"}"#),
                who,
            )
            .await
            .0
        }
    };
    let token: &'static str = Box::leak(login("operator-pass-1").await.into_boxed_str());
    assert_eq!(subscribe(Who::Token(token)).await, StatusCode::CREATED);
    // Demoted: the session ends; Basic requests have the new role.
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/AccountService/Accounts/op",
            r#"{"RoleId": "ReadOnly"}"#,
        )
        .await;
    assert!(st.is_success());
    assert_eq!(subscribe(Who::Token(token)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        subscribe(Who::Basic("op", "operator-pass-1")).await,
        StatusCode::FORBIDDEN
    );
    // Disabled: sessions and Basic both refused.
    let token2: &'static str = Box::leak(login("operator-pass-1").await.into_boxed_str());
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/AccountService/Accounts/op",
            r#"{"Enabled": false}"#,
        )
        .await;
    assert!(st.is_success());
    let (st, _, _) = s
        .call(Method::GET, "/redfish/v1/Systems", None, Who::Token(token2))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _, _) = s
        .call(
            Method::GET,
            "/redfish/v1/Systems",
            None,
            Who::Basic("op", "operator-pass-1"),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // Re-enabled; a password change through one session ends the other, keeps itself.
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/AccountService/Accounts/op",
            r#"{"Enabled": true}"#,
        )
        .await;
    assert!(st.is_success());
    let mine: &'static str = Box::leak(login("operator-pass-1").await.into_boxed_str());
    let other: &'static str = Box::leak(login("operator-pass-1").await.into_boxed_str());
    let (st, _, v) = s
        .call(
            Method::PATCH,
            "/redfish/v1/AccountService/Accounts/op",
            Some(r#"{"Password": "operator-pass-2"}"#),
            Who::Token(mine),
        )
        .await;
    assert!(st.is_success(), "{v}");
    let get = |t: &'static str| {
        let s = &s;
        async move {
            s.call(Method::GET, "/redfish/v1/Systems", None, Who::Token(t))
                .await
                .0
        }
    };
    assert_eq!(
        get(mine).await,
        StatusCode::OK,
        "the session that changed it stays"
    );
    assert_eq!(
        get(other).await,
        StatusCode::UNAUTHORIZED,
        "the other ended"
    );
}

/// A body that is not JSON is refused with 415 before anything runs: a form-shaped
/// text/plain POST under Basic auth used to create an account (a cross-site request
/// forgery path). No Content-Type at all is taken as JSON, as DSP0266 allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_must_be_json() {
    let s = start().await;
    let send = |ct: Option<&'static str>, user: &'static str| {
        let s = &s;
        async move {
            use base64::Engine;
            let mut req = Request::builder()
                .method(Method::POST)
                .uri("/redfish/v1/AccountService/Accounts")
                .header(
                    "Authorization",
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("admin:{}", s.password))
                    ),
                );
            if let Some(ct) = ct {
                req = req.header("Content-Type", ct);
            }
            let body = format!(
                r#"{{"UserName": "{user}", "Password": "form-pass-123", "RoleId": "ReadOnly"}}"#
            );
            let r = tower::ServiceExt::oneshot(s.app.clone(), req.body(Body::from(body)).unwrap())
                .await
                .unwrap();
            let st = r.status();
            let b = r.into_body().collect().await.unwrap().to_bytes();
            (st, String::from_utf8_lossy(&b).into_owned())
        }
    };
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let (st, body) = send(Some(ct), "forged").await;
        assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}: {body}");
        assert!(
            body.contains("UnrecognizedRequestBody") && body.contains("application/json only"),
            "{body}"
        );
    }
    let (st, _, _) = s
        .call(
            Method::GET,
            "/redfish/v1/AccountService/Accounts/forged",
            None,
            Who::Basic("admin", &s.password),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "nothing was created");
    assert_eq!(
        send(Some("application/json; charset=utf-8"), "json1")
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(send(None, "json2").await.0, StatusCode::CREATED);
}

/// 40 subscriptions created at once: every one answered 201 is kept (the store used
/// to read-modify-write outside its lock, through one shared temporary file: some
/// writers failed with 500, others' changes were lost), and the file on disk holds
/// exactly those.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_subscriptions_are_all_kept() {
    let s = std::sync::Arc::new(start().await);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let (st, h, v) = s
                .admin(
                    Method::POST,
                    "/redfish/v1/EventService/Subscriptions",
                    &format!(
                        r#"{{"Destination": "https://127.0.0.1:9/ev{i}", "Protocol": "Redfish"}}"#
                    ),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
            h["location"].to_str().unwrap().to_string()
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        created.push(t.await.unwrap());
    }
    let list = s.get("/redfish/v1/EventService/Subscriptions").await;
    assert_eq!(list["Members@odata.count"], 40, "{list}");
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.dir.join("subscriptions.json")).unwrap()).unwrap();
    assert_eq!(on_disk.as_array().unwrap().len(), 40);
    for loc in &created {
        s.get(loc).await;
    }
    let leftovers: Vec<_> = std::fs::read_dir(&s.dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A torn or corrupt state file at start-up is moved aside with a loud message and
/// the service starts (it used to refuse to start): subscriptions start empty, and a
/// corrupt account store is a first start again, with a fresh administrator password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_state_files_are_set_aside_and_the_service_starts() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!(
        "sb-redfish-{}",
        sidebridge::redfish::auth::random_hex(6)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(dir.join("subscriptions.json"), b"[{\"id\": ").unwrap();
    std::fs::write(dir.join("accounts.json"), b"\0\0garbage").unwrap();
    let s = start_in(dir.clone()).await;
    let v = s.get("/redfish/v1/EventService/Subscriptions").await;
    assert_eq!(v["Members@odata.count"], 0);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for prefix in ["subscriptions.json.corrupt-", "accounts.json.corrupt-"] {
        assert!(
            names.iter().any(|n| n.starts_with(prefix)),
            "{prefix}: {names:?}"
        );
    }
    assert!(
        names.iter().any(|n| n == "initial-admin-password"),
        "{names:?}"
    );
}

/// Paths as DSP0266 wants them, and bmcweb's security headers on every answer: a
/// trailing slash names the same resource, a path whose escapes are not UTF-8 gets a
/// Redfish 404 (it used to get text/plain), errors carry the headers too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_slashes_bad_escapes_and_security_headers() {
    let s = start().await;
    let a = s.get("/redfish/v1/Systems").await;
    let b = s.get("/redfish/v1/Systems/").await;
    assert_eq!(a, b);
    let (st, h, v) = s
        .call(
            Method::GET,
            "/redfish/v1/Systems/%FF",
            None,
            Who::Basic("admin", &s.password),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(
        v["error"]["@Message.ExtendedInfo"][0]["MessageId"], "Base.1.19.ResourceNotFound",
        "{v}"
    );
    for (n, want) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        (
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        ),
    ] {
        assert_eq!(h[n], want, "{n}");
    }
    let (_, h, _) = s.call(Method::GET, "/redfish/v1", None, Who::Nobody).await;
    assert!(h.contains_key("content-security-policy"));
}

/// Account lockout per AccountService: the settings readable and settable, an account
/// locked after the threshold (even for its right password), shown Locked, and
/// unlocked by an administrator; a session cap answers SessionLimitExceeded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_lock_after_failed_logins() {
    let s = start().await;
    let svc = s.get("/redfish/v1/AccountService").await;
    assert_eq!(svc["AccountLockoutThreshold"], 5);
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/AccountService",
            r#"{"AccountLockoutThreshold": 2, "AccountLockoutDuration": 600}"#,
        )
        .await;
    assert!(st.is_success(), "{v}");
    assert_eq!(
        s.get("/redfish/v1/AccountService").await["AccountLockoutThreshold"],
        2
    );
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/AccountService",
            r#"{"AccountLockoutDuration": 0}"#,
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _, _) = s
        .admin(
            Method::POST,
            "/redfish/v1/AccountService/Accounts",
            r#"{"UserName": "op", "Password": "operator-pass-1", "RoleId": "Operator"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    for _ in 0..2 {
        let (st, _, _) = s
            .call(
                Method::GET,
                "/redfish/v1/Systems",
                None,
                Who::Basic("op", "wrong-pass"),
            )
            .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let (st, _, _) = s
        .call(
            Method::GET,
            "/redfish/v1/Systems",
            None,
            Who::Basic("op", "operator-pass-1"),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "locked: the right password does not help"
    );
    assert_eq!(
        s.get("/redfish/v1/AccountService/Accounts/op").await["Locked"],
        true
    );
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            "/redfish/v1/AccountService/Accounts/op",
            r#"{"Locked": false}"#,
        )
        .await;
    assert!(st.is_success(), "{v}");
    let (st, _, _) = s
        .call(
            Method::GET,
            "/redfish/v1/Systems",
            None,
            Who::Basic("op", "operator-pass-1"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // Sessions are capped per account.
    let mut last = StatusCode::CREATED;
    for _ in 0..=sidebridge::redfish::auth::MAX_SESSIONS_PER_USER {
        last = s
            .call(
                Method::POST,
                "/redfish/v1/SessionService/Sessions",
                Some(r#"{"UserName": "op", "Password": "operator-pass-1"}"#),
                Who::Nobody,
            )
            .await
            .0;
    }
    assert_eq!(last, StatusCode::SERVICE_UNAVAILABLE);
}

/// Event destinations outside the allowed networks (loopback and the BMC's own by
/// default) are refused when subscribing; nothing is sent to check it (an address
/// literal resolves to itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destinations_outside_the_allowed_networks_are_refused() {
    let s = start().await;
    // An address on none of this machine's networks (TEST-NETs of RFC 5737 first).
    let own = sidebridge::redfish::delivery::Networks::default_for_host();
    let outside = ["203.0.113.77", "198.51.100.77", "192.0.2.77", "100.64.0.77"]
        .into_iter()
        .find(|a| !own.contains(a.parse().unwrap()))
        .expect("an address outside this machine's networks");
    let (st, _, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/EventService/Subscriptions",
            &format!(r#"{{"Destination": "https://{outside}:9/ev", "Protocol": "Redfish"}}"#),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let text = v.to_string();
    assert!(
        text.contains("PropertyValueNotInList") && text.contains("outside the networks"),
        "{v}"
    );
    assert_eq!(
        s.get("/redfish/v1/EventService/Subscriptions").await["Members@odata.count"],
        0
    );
}

/// The counters NC-SI reports for one channel, as the simulated controller has them now.
fn sim_counters(sim: &SimHandle, package: u8, channel: usize) -> (u64, u64, u64, u64, u32, u32) {
    sim.with(|nc| {
        let p = nc.package(package).unwrap();
        let c = &p.channels[channel];
        let s = c.packet_statistics(p.config.traffic_fps);
        (
            s.rx_bytes,
            s.tx_bytes,
            s.rx_unicast + s.rx_multicast + s.rx_broadcast,
            s.tx_unicast,
            c.stats.receive_packets,
            c.stats.transmit_packets,
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_adapter_and_function_metrics_are_the_controllers_own_counters() {
    let s = start().await;
    let base = "/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC";
    // Linked from the port, the function and the adapter.
    assert_eq!(
        s.get(&format!("{base}/Ports/0")).await["Metrics"]["@odata.id"],
        format!("{base}/Ports/0/Metrics")
    );
    assert_eq!(
        s.get(&format!("{base}/NetworkDeviceFunctions/1")).await["Metrics"]["@odata.id"],
        format!("{base}/NetworkDeviceFunctions/1/Metrics")
    );
    assert_eq!(
        s.get(base).await["Metrics"]["@odata.id"],
        format!("{base}/Metrics")
    );
    // Host traffic flows while the link is up: let some accumulate.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = sim_counters(&s.sim, 0, 0);
    let m = s.get(&format!("{base}/Ports/0/Metrics")).await;
    let after = sim_counters(&s.sim, 0, 0);
    assert_eq!(m["@odata.type"], "#PortMetrics.v1_9_0.PortMetrics");
    let got = |v: &Value| {
        v.as_u64()
            .unwrap_or_else(|| panic!("not a counter: {v} in {m}"))
    };
    let within = |what: &str, v: u64, lo: u64, hi: u64| {
        assert!(
            lo <= v && v <= hi,
            "{what}: {v} not within the card's {lo}..={hi}"
        );
    };
    within("RXBytes", got(&m["RXBytes"]), before.0, after.0);
    within("TXBytes", got(&m["TXBytes"]), before.1, after.1);
    within(
        "RXFrames",
        got(&m["Networking"]["RXFrames"]),
        before.2,
        after.2,
    );
    within(
        "TXUnicastFrames",
        got(&m["Networking"]["TXUnicastFrames"]),
        before.3,
        after.3,
    );
    assert!(got(&m["RXBytes"]) > 0, "no traffic counted: {m}");
    // The function's traffic is its port's (the same channel), read with the same
    // counters while they are fresh.
    let f = s
        .get(&format!("{base}/NetworkDeviceFunctions/0/Metrics"))
        .await;
    assert_eq!(
        (f["RXBytes"].clone(), f["TXFrames"].clone()),
        (m["RXBytes"].clone(), m["Networking"]["TXFrames"].clone())
    );
    // The adapter sums both ports; NC-SI's own traffic counts the control packets.
    let a = s.get(&format!("{base}/Metrics")).await;
    let p1 = s.get(&format!("{base}/Ports/1/Metrics")).await;
    assert_eq!(got(&a["RXBytes"]), got(&m["RXBytes"]) + got(&p1["RXBytes"]));
    let (c0, c1) = (sim_counters(&s.sim, 0, 0), sim_counters(&s.sim, 0, 1));
    let ncsi_rx = got(&a["NCSIRXFrames"]);
    assert!(ncsi_rx > 0 && ncsi_rx <= u64::from(c0.4 + c1.4), "{a}");
    assert!(got(&a["NCSITXFrames"]) <= u64::from(c0.5 + c1.5), "{a}");
    // Unknown port: 404.
    let (st, _, _) = s
        .call(
            Method::GET,
            &format!("{base}/Ports/9/Metrics"),
            None,
            Who::Basic("admin", &s.password),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_read_again_only_when_stale() {
    let s = start().await;
    let uri = "/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/Ports/0/Metrics";
    let first = s.get(uri).await["RXBytes"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Within statistics_max_age (10 s by default): the same reading.
    assert_eq!(s.get(uri).await["RXBytes"].as_u64().unwrap(), first);
    let cmds = |s: &Svc| {
        s.sim
            .with(|nc| nc.package(0).unwrap().channels[0].stats.commands_received)
    };
    let n = cmds(&s);
    s.get(uri).await;
    assert!(
        cmds(&s) <= n + 1,
        "a fresh reading was read again from the controller"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_package_has_no_metrics_to_show() {
    let s = start().await;
    let uri = "/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/Ports/0/Metrics";
    s.get(uri).await;
    s.sim.control(sidebridge_sim::Control::Present {
        package: 0,
        present: false,
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (st, _, v) = s
            .call(Method::GET, uri, None, Who::Basic("admin", &s.password))
            .await;
        if st == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(
                message_ids(&v),
                vec!["Base.1.19.ServiceTemporarilyUnavailable".to_string()],
                "{v}"
            );
            break;
        }
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(
            std::time::Instant::now() < deadline,
            "the metrics of a vanished package still answer: {v}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The card BMC's own network (OEM 1.3): the first EthernetInterface, the Manager's
/// UUID and NetworkProtocol show what the simulated card reports, and a PATCH of the
/// interface reaches the card and is answered with what it then reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_bmcs_network_is_shown_and_written_through_the_card() {
    let s = start().await;
    let sim_net = || {
        s.sim
            .with(|nc| nc.card(0).unwrap().bmc_network().cloned().unwrap())
    };
    let net = sim_net();
    let path = "/redfish/v1/Managers/DPU0000A1/EthernetInterfaces/0";
    let e = s.get(path).await;
    assert_eq!(e["HostName"], net.host_name);
    assert_eq!(e["FQDN"], format!("{}.{}", net.host_name, net.domain_name));
    assert_eq!(e["LinkStatus"], "LinkUp");
    assert_eq!(e["SpeedMbps"], net.speed_mbps);
    assert_eq!(e["DHCPv4"]["DHCPEnabled"], false);
    assert_eq!(e["NameServers"], json!(net.name_servers));
    assert_eq!(e["IPv4Addresses"][0]["Gateway"], "192.0.2.1");
    assert_eq!(e["IPv4Addresses"][0]["AddressOrigin"], "Static");
    assert_eq!(e["IPv6Addresses"][0]["AddressState"], "Preferred");
    assert_eq!(e["IPv6Addresses"][0]["AddressOrigin"], "LinkLocal");
    let mgr = s.get("/redfish/v1/Managers/DPU0000A1").await;
    assert_eq!(mgr["UUID"], "5b1d0c3a-7f00-4d2e-9c41-0000000000f0");
    let np = s
        .get("/redfish/v1/Managers/DPU0000A1/NetworkProtocol")
        .await;
    assert_eq!(np["HTTPS"], json!({ "ProtocolEnabled": true, "Port": 443 }));
    assert_eq!(np["IPMI"], json!({ "ProtocolEnabled": false, "Port": 623 }));
    assert!(np.get("HTTP").is_none(), "{np}");
    // B2's card reports DHCP addresses and no gateway on its second interface.
    let b2 = s
        .get("/redfish/v1/Managers/DPU0000B2/EthernetInterfaces/0")
        .await;
    assert_eq!(b2["IPv4Addresses"][0]["AddressOrigin"], "DHCP");
    assert_eq!(b2["IPv4StaticAddresses"], json!([]));

    // A PATCH reaches the card, which then reports it; the answer shows it.
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            path,
            r#"{"FQDN": "dpu0-new.lab.example", "StaticNameServers": ["192.0.2.54", "2001:db8::1"],
                "IPv4StaticAddresses": [{"Address": "192.0.2.30", "SubnetMask": "255.255.255.0", "Gateway": "192.0.2.254"}]}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let net = sim_net();
    assert_eq!(
        (net.host_name.as_str(), net.domain_name.as_str()),
        ("dpu0-new", "lab.example")
    );
    assert_eq!(net.name_servers, ["192.0.2.54", "2001:db8::1"]);
    assert_eq!(
        (net.ipv4[0].address, net.ipv4[0].prefix, net.ipv4[0].gateway),
        ([192, 0, 2, 30], 24, [192, 0, 2, 254])
    );
    assert_eq!(v["HostName"], "dpu0-new");
    assert_eq!(v["IPv4Addresses"][0]["Address"], "192.0.2.30");
    assert_eq!(v["NameServers"], json!(["192.0.2.54", "2001:db8::1"]));

    // Refused before the card sees it, with the property named; the card unchanged.
    for (body, id) in [
        (
            r#"{"HostName": "-bad"}"#,
            "Base.1.19.PropertyValueFormatError",
        ),
        (
            r#"{"IPv4StaticAddresses": [{"Address": "192.0.2.31", "SubnetMask": "255.0.255.0"}]}"#,
            "Base.1.19.PropertyValueFormatError",
        ),
        (
            r#"{"IPv4StaticAddresses": [{"Address": "192.0.2.31", "SubnetMask": "255.255.255.0", "Gateway": "198.51.100.1"}]}"#,
            "Base.1.19.PropertyValueFormatError",
        ),
        (
            r#"{"StaticNameServers": ["dns.example"]}"#,
            "Base.1.19.PropertyValueFormatError",
        ),
        (
            r#"{"NameServers": ["192.0.2.9"]}"#,
            "Base.1.19.PropertyNotWritable",
        ),
        (
            r#"{"HostName": "a", "FQDN": "b.example"}"#,
            "Base.1.19.PropertyValueConflict",
        ),
        (
            r#"{"DHCPv4": {"UseDNSServers": true}}"#,
            "Base.1.19.PropertyNotWritable",
        ),
    ] {
        let (st, _, v) = s.admin(Method::PATCH, path, body).await;
        assert_eq!(
            (st, message_ids(&v)),
            (StatusCode::BAD_REQUEST, vec![id.to_string()]),
            "{body}: {v}"
        );
    }
    assert_eq!(sim_net(), net);
    // Turning DHCPv4 on reaches the card too.
    let (st, _, v) = s
        .admin(Method::PATCH, path, r#"{"DHCPv4": {"DHCPEnabled": true}}"#)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(sim_net().dhcpv4);
    assert_eq!(v["IPv4Addresses"][0]["AddressOrigin"], "DHCP");
}

/// The card's sensors (OEM 1.3) under its Chassis: each Sensor with its reading,
/// units, context and thresholds as the simulated card reports them; ThermalMetrics
/// and PowerSubsystem from them; a reading pushed past a threshold on the card makes
/// the sensor and the thermal subsystem Warning, then Critical, with an event and an
/// event-log entry at each change, and back to OK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensors_show_the_cards_readings_and_threshold_changes_raise_events() {
    let s = start().await;
    let chassis = s.get("/redfish/v1/Chassis/DPU0000A1").await;
    assert_eq!(
        chassis["ThermalSubsystem"]["@odata.id"],
        "/redfish/v1/Chassis/DPU0000A1/ThermalSubsystem"
    );
    let list = s.get("/redfish/v1/Chassis/DPU0000A1/Sensors").await;
    assert_eq!(list["Members@odata.count"], 5);
    let sensor = "/redfish/v1/Chassis/DPU0000A1/Sensors/nic_temp";
    let v = s.get(sensor).await;
    let card = s.daemon.cards.card("DPU0000A1").unwrap();
    let known = card.sensors.as_ref().unwrap();
    let nic = known.sensors.iter().find(|x| x.name == "nic_temp").unwrap();
    assert_eq!(v["Reading"], f64::from(nic.reading.unwrap()) / 1000.0);
    assert_eq!(
        (v["ReadingType"].as_str(), v["ReadingUnits"].as_str()),
        (Some("Temperature"), Some("Cel"))
    );
    assert_eq!(v["PhysicalContext"], "NetworkingDevice");
    assert_eq!(
        v["Thresholds"],
        json!({ "UpperCaution": { "Reading": 85.0 }, "UpperCritical": { "Reading": 95.0 } })
    );
    assert_eq!(v["Status"]["Health"], "OK");
    let volts = s.get("/redfish/v1/Chassis/DPU0000A1/Sensors/vdd_12v").await;
    assert_eq!(volts["Thresholds"]["LowerCritical"]["Reading"], 11.4);
    let tm = s
        .get("/redfish/v1/Chassis/DPU0000A1/ThermalSubsystem/ThermalMetrics")
        .await;
    let temps = tm["TemperatureReadingsCelsius"].as_array().unwrap();
    assert_eq!(temps.len(), 3, "{tm}");
    assert_eq!(temps[0]["DataSourceUri"], sensor);
    let power = s.get("/redfish/v1/Chassis/DPU0000A1/PowerSubsystem").await;
    assert_eq!(power["CapacityWatts"], 75);
    let (st, _, _) = s
        .admin(
            Method::GET,
            "/redfish/v1/Chassis/DPU0000A1/Sensors/nope",
            "",
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let mut events = s.daemon.cards.subscribe();
    for (offset, health) in [(30_000, "Warning"), (40_000, "Critical"), (0, "OK")] {
        s.sim
            .with(|nc| nc.card_mut(0).unwrap().set_sensor_offset(0, offset));
        s.daemon.cards.refresh("DPU0000A1").await.unwrap();
        let v = s.get(sensor).await;
        assert_eq!(v["Status"]["Health"], health, "{v}");
        let t = s
            .get("/redfish/v1/Chassis/DPU0000A1/ThermalSubsystem")
            .await;
        assert_eq!(t["Status"]["Health"], health, "{t}");
        let e = loop {
            let e = tokio::time::timeout(Duration::from_secs(5), events.recv())
                .await
                .expect("no sensor event")
                .unwrap();
            if matches!(
                e.kind,
                sidebridge::cards::CardEventKind::SensorStateChanged { .. }
            ) {
                break e;
            }
        };
        let rf = sidebridge::redfish::mapping::RfEvent::from(&e);
        assert_eq!(rf.origin, sensor);
        assert_eq!(rf.severity, if health == "OK" { "OK" } else { health });
    }
    // Each change is in the card's event log (newest first), after the entry of its
    // discovery.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log = s
        .get("/redfish/v1/Managers/DPU0000A1/LogServices/EventLog/Entries")
        .await;
    let messages: Vec<&str> = log["Members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .last()
            .is_some_and(|m| m.contains("was found behind NC-SI package 0")),
        "{messages:?}"
    );
    for word in ["past a caution", "past a critical", "back within"] {
        assert!(
            messages
                .iter()
                .any(|m| m.contains("nic_temp") && m.contains(word)),
            "{word}: {messages:?}"
        );
    }
}

/// The network adapter beyond NC-SI (OEM 1.4): SKU, PCIe, virtualization, link
/// configuration, transceivers and function settings as the simulated card reports
/// them; settings objects PATCHed reach the card as pending settings, which the card
/// applies when its host restarts (an event says so); bad values are refused with the
/// property named and the card unchanged; ResetSettingsToDefault brings the defaults
/// back the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_settings_objects_reach_the_card_and_apply_at_the_host_reset() {
    let s = start().await;
    let sim = || {
        s.sim
            .with(|nc| nc.card(0).unwrap().adapter().cloned().unwrap())
    };
    let defaults = sim().current;
    let base = "/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC";
    let a = s.get(base).await;
    assert_eq!(a["SKU"], "DPU-1000-100G-A");
    let c = &a["Controllers"][0];
    assert_eq!(c["PCIeInterface"]["PCIeType"], "Gen4");
    assert_eq!(c["PCIeInterface"]["MaxLanes"], 16);
    assert_eq!(
        c["ControllerCapabilities"]["VirtualizationOffload"]["VirtualFunction"]["DeviceMaxCount"],
        254
    );
    assert_eq!(c["ControllerCapabilities"]["NPAR"]["NparCapable"], false);
    assert_eq!(
        a["@Redfish.Settings"]["SettingsObject"]["@odata.id"],
        format!("{base}/Settings")
    );
    let port = s.get(&format!("{base}/Ports/1")).await;
    let lc = &port["LinkConfiguration"][0];
    assert_eq!(lc["CapableLinkSpeedGbps"], json!([10.0, 25.0, 100.0]));
    assert_eq!(lc["AutoSpeedNegotiationEnabled"], true);
    assert_eq!(port["SFP"]["Type"], "QSFP28");
    let m = s.get(&format!("{base}/Ports/0/Metrics")).await;
    assert_eq!(m["Transceivers"][0]["SupplyVoltage"], 3.3);
    assert_eq!(m["Transceivers"][0]["RXInputPowerMilliWatts"], 0.891);
    let f = s.get(&format!("{base}/NetworkDeviceFunctions/0")).await;
    assert_eq!(f["BootMode"], "PXE");
    assert_eq!(f["NetDevFuncCapabilities"], json!(["Ethernet"]));
    assert_eq!(
        (
            f["MaxVirtualFunctions"].as_u64(),
            f["VirtualFunctionsEnabled"].as_bool()
        ),
        (Some(127), Some(true))
    );
    assert_eq!(f["Ethernet"]["PermanentMACAddress"], "02:5B:00:00:00:20");
    let pf = f["Links"]["PCIeFunction"]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    let pcie = s.get(&pf).await;
    assert_eq!(
        (pcie["ClassCode"].as_str(), pcie["RevisionId"].as_str()),
        (Some("0x020000"), Some("0x01"))
    );
    assert_eq!(
        pcie["Links"]["NetworkDeviceFunctions"][0]["@odata.id"],
        format!("{base}/NetworkDeviceFunctions/0")
    );
    let fns = s
        .get("/redfish/v1/Chassis/DPU0000A1/PCIeDevices/NIC/PCIeFunctions")
        .await;
    assert_eq!(fns["Members@odata.count"], 2);

    // Refused, the property named, nothing stored.
    for (path, body, id) in [
        (
            format!("{base}/Ports/1/Settings"),
            r#"{"LinkConfiguration": [{"AutoSpeedNegotiationEnabled": false, "ConfiguredNetworkLinks": [{"ConfiguredLinkSpeedGbps": 40}]}]}"#,
            "Base.1.19.PropertyValueNotInList",
        ),
        (
            format!("{base}/Ports/1/Settings"),
            r#"{"LinkConfiguration": [{"AutoSpeedNegotiationEnabled": true, "ConfiguredNetworkLinks": [{"ConfiguredLinkSpeedGbps": 25}]}]}"#,
            "Base.1.19.PropertyValueConflict",
        ),
        (
            format!("{base}/Ports/1/Settings"),
            r#"{"LinkConfiguration": [{"CapableLinkSpeedGbps": [1]}]}"#,
            "Base.1.19.PropertyNotWritable",
        ),
        (
            format!("{base}/NetworkDeviceFunctions/0/Settings"),
            r#"{"BootMode": "iSCSI"}"#,
            "Base.1.19.PropertyValueNotInList",
        ),
        (
            format!("{base}/NetworkDeviceFunctions/0/Settings"),
            r#"{"BootMode": "Floppy"}"#,
            "Base.1.19.PropertyValueNotInList",
        ),
        (
            format!("{base}/NetworkDeviceFunctions/0/Settings"),
            r#"{"DeviceEnabled": "yes"}"#,
            "Base.1.19.PropertyValueTypeError",
        ),
        (
            format!("{base}/Settings"),
            r#"{"Controllers": [{"ControllerCapabilities": {"NPAR": {"NparEnabled": true}}}]}"#,
            "Base.1.19.PropertyValueNotInList",
        ),
    ] {
        let (st, _, v) = s.admin(Method::PATCH, &path, body).await;
        assert_eq!(
            (st, message_ids(&v)),
            (StatusCode::BAD_REQUEST, vec![id.to_string()]),
            "{path} {body}: {v}"
        );
    }
    assert!(sim().pending.is_none());
    // A PATCH that changes nothing stores nothing; a stale If-Match is refused.
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            &format!("{base}/NetworkDeviceFunctions/0/Settings"),
            r#"{"BootMode": "PXE"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(
        sim().pending.is_none(),
        "a no-op PATCH made settings pending"
    );
    let (st, _, v) = s
        .call(
            Method::PATCH,
            &format!("{base}/NetworkDeviceFunctions/0/Settings"),
            Some(r#"{"BootMode": "HTTP"}"#),
            Who::Basic("admin", &s.password),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let etag = v["@odata.etag"].as_str().unwrap().to_string();
    let req = Request::builder()
        .method(Method::PATCH)
        .uri(format!("{base}/NetworkDeviceFunctions/0/Settings"))
        .header("Content-Type", "application/json")
        .header("If-Match", "W/\"stale\"")
        .header(
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("admin:{}", s.password))
            ),
        )
        .body(Body::from(r#"{"BootMode": "PXE"}"#))
        .unwrap();
    let r = tower::ServiceExt::oneshot(s.app.clone(), req)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    assert_ne!(etag, "W/\"stale\"");
    // Back to what is in force: nothing pending again.
    let (st, _, _) = s
        .admin(
            Method::PATCH,
            &format!("{base}/NetworkDeviceFunctions/0/Settings"),
            r#"{"BootMode": "PXE"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(sim().pending.is_none(), "{:?}", sim().pending);
    // Without credentials, nothing changes (a PATCH needs ConfigureComponents).
    let (st, _, _) = s
        .call(
            Method::PATCH,
            &format!("{base}/NetworkDeviceFunctions/0/Settings"),
            Some(r#"{"BootMode": "HTTP"}"#),
            Who::Nobody,
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Stored as pending: the settings object shows it, the resource what is in force.
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            &format!("{base}/Ports/1/Settings"),
            r#"{"LinkConfiguration": [{"AutoSpeedNegotiationEnabled": false, "ConfiguredNetworkLinks": [{"ConfiguredLinkSpeedGbps": 25}]}]}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v["LinkConfiguration"][0]["ConfiguredNetworkLinks"][0]["ConfiguredLinkSpeedGbps"],
        25.0
    );
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            &format!("{base}/NetworkDeviceFunctions/0/Settings"),
            r#"{"BootMode": "HTTP", "DeviceEnabled": true}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["BootMode"], "HTTP");
    let pending = sim().pending.expect("pending on the card");
    assert_eq!(
        (pending.ports[1].autoneg, pending.ports[1].speed_mbps),
        (false, 25_000)
    );
    assert_eq!(pending.functions[0].boot_mode.redfish_name(), Some("HTTP"));
    assert_eq!(pending.ports[0], defaults.ports[0], "the other port kept");
    let f = s.get(&format!("{base}/NetworkDeviceFunctions/0")).await;
    assert_eq!(f["BootMode"], "PXE", "not in force before the reset");

    // The host restarts: the card applies them, and says so.
    let mut events = s.daemon.cards.subscribe();
    let (st, h, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/Systems/DPU0000A1/Actions/ComputerSystem.Reset",
            r#"{"ResetType": "ForceRestart"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{v}");
    s.wait_task(h["Location"].to_str().unwrap()).await;
    s.daemon.cards.refresh("DPU0000A1").await.unwrap();
    let f = s.get(&format!("{base}/NetworkDeviceFunctions/0")).await;
    assert_eq!(f["BootMode"], "HTTP");
    let port = s.get(&format!("{base}/Ports/1")).await;
    assert_eq!(
        port["LinkConfiguration"][0]["ConfiguredNetworkLinks"][0]["ConfiguredLinkSpeedGbps"],
        25.0
    );
    assert!(sim().pending.is_none());
    let applied = loop {
        let e = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("no adapter event")
            .unwrap();
        if let sidebridge::cards::CardEventKind::AdapterSettingsChanged { applied } = e.kind {
            break applied;
        }
    };
    assert!(applied);

    // The defaults: an action with no parameters, pending until the next restart.
    let action = format!("{base}/Actions/NetworkAdapter.ResetSettingsToDefault");
    let (st, _, v) = s.admin(Method::POST, &action, r#"{"Force": true}"#).await;
    assert_eq!(
        (st, message_ids(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec!["Base.1.19.ActionParameterNotSupported".to_string()]
        )
    );
    let (st, _, v) = s.admin(Method::POST, &action, "{}").await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(sim().pending.as_ref(), Some(&defaults));
    let set = s
        .get(&format!("{base}/NetworkDeviceFunctions/0/Settings"))
        .await;
    assert_eq!(set["BootMode"], "PXE");

    // A port the card does not have has no settings object.
    let (st, _, _) = s
        .admin(
            Method::GET,
            "/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC/Ports/7/Settings",
            "",
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

/// The host firmware's attributes (OEM 1.4) as `Systems/{id}/Bios`: values as the
/// simulated card reports them; PATCHes of the settings object reach the card as
/// pending values (merged), refused with every bad attribute named and nothing stored;
/// applied when the host restarts (with an event); ResetBios makes the defaults
/// pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bios_attributes_are_shown_and_set_through_the_card_at_the_next_reset() {
    let s = start().await;
    let sim = || {
        s.sim
            .with(|nc| nc.card(0).unwrap().bios().cloned().unwrap())
    };
    let system = s.get("/redfish/v1/Systems/DPU0000A1").await;
    let path = system["Bios"]["@odata.id"].as_str().unwrap().to_string();
    let b = s.get(&path).await;
    assert_eq!(b["AttributeRegistry"], "DpuBiosAttributeRegistry.1.0.0");
    let defaults = sim();
    for a in &defaults.attributes {
        let want = match &a.value {
            BiosValue::Enumeration(v) | BiosValue::String(v) => json!(v),
            BiosValue::Integer(n) => json!(n),
            BiosValue::Boolean(v) => json!(v),
        };
        assert_eq!(b["Attributes"][&a.name], want, "{}", a.name);
    }
    let settings = b["@Redfish.Settings"]["SettingsObject"]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(s.get(&settings).await["Attributes"], json!({}));

    // Every bad attribute named at once, nothing stored.
    let (st, _, v) = s
        .admin(
            Method::PATCH,
            &settings,
            r#"{"Attributes": {"PxeRetryCount": 11, "BootMode": "Legacy", "SecureBootCapable": false, "SriovEnable": "no", "Nope": 1, "SystemName": "a-name-that-is-longer-than-thirty-two-bytes"}}"#,
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let mut ids = message_ids(&v);
    ids.sort();
    assert_eq!(
        ids,
        [
            "Base.1.19.PropertyNotWritable",
            "Base.1.19.PropertyUnknown",
            "Base.1.19.PropertyValueNotInList",
            "Base.1.19.PropertyValueOutOfRange",
            "Base.1.19.PropertyValueTypeError",
            "Base.1.19.StringValueTooLong",
        ],
        "{v}"
    );
    assert!(sim().pending.is_empty());

    // Two PATCHes merge into the pending values.
    for body in [
        r#"{"Attributes": {"PxeRetryCount": 5}}"#,
        r#"{"Attributes": {"SerialConsoleBaud": "9600"}}"#,
    ] {
        let (st, _, v) = s.admin(Method::PATCH, &settings, body).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let pending = s.get(&settings).await;
    assert_eq!(
        pending["Attributes"],
        json!({ "PxeRetryCount": 5, "SerialConsoleBaud": "9600" })
    );
    assert_eq!(sim().pending.len(), 2);
    assert_eq!(s.get(&path).await["Attributes"]["PxeRetryCount"], 3);

    // The host restarts: in force, with an event.
    let mut events = s.daemon.cards.subscribe();
    let (st, h, v) = s
        .admin(
            Method::POST,
            "/redfish/v1/Systems/DPU0000A1/Actions/ComputerSystem.Reset",
            r#"{"ResetType": "ForceRestart"}"#,
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{v}");
    s.wait_task(h["Location"].to_str().unwrap()).await;
    s.daemon.cards.refresh("DPU0000A1").await.unwrap();
    let b = s.get(&path).await;
    assert_eq!(
        (
            b["Attributes"]["PxeRetryCount"].as_i64(),
            b["Attributes"]["SerialConsoleBaud"].as_str()
        ),
        (Some(5), Some("9600"))
    );
    assert_eq!(s.get(&settings).await["Attributes"], json!({}));
    loop {
        let e = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("no bios event")
            .unwrap();
        if e.kind == (sidebridge::cards::CardEventKind::BiosSettingsChanged { applied: true }) {
            break;
        }
    }

    // ResetBios: the defaults pending.
    let action = b["Actions"]["#Bios.ResetBios"]["target"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, _, v) = s.admin(Method::POST, &action, "{}").await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(
        s.get(&settings).await["Attributes"],
        json!({ "PxeRetryCount": 3, "SerialConsoleBaud": "115200" })
    );
}
