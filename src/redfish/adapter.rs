//! The network adapter beyond NC-SI (OEM GetNetworkAdapter and SetAdapterSettings,
//! `protocol/OEM.md` §4.23–§4.24): the values it adds to the NetworkAdapter, its
//! Ports, NetworkDeviceFunctions and PCIe resources, and their `@Redfish.Settings`
//! settings objects (Redfish Specification DSP0266 §9.9 "Settings resource"), which a
//! client PATCHes and the card applies at its host's next reset (`OnReset`), and
//! `NetworkAdapter.ResetSettingsToDefault`.
//!
//! | Redfish | from |
//! |---|---|
//! | NetworkAdapter `SKU`, `Controllers[0].PCIeInterface`, `ControllerCapabilities.NPAR`, `.VirtualizationOffload` | §4.23 header |
//! | Port `LinkConfiguration`, `SFP` | §4.23 ports; the configured speed from the settings in force |
//! | PortMetrics `Transceivers` | §4.23 port diagnostics |
//! | NetworkDeviceFunction `NetDevFuncCapabilities`, `BootMode`, `DeviceEnabled`, `MaxVirtualFunctions`, `VirtualFunctionsEnabled`, `Links/PCIeFunction` | §4.23 functions and settings |
//! | PCIeDevice `PCIeInterface`, `SKU`; PCIeFunction `ClassCode`, `RevisionId` | §4.23 header and functions |
//!
//! The settings objects show the pending settings, else those in force. A function is
//! the first the card lists on a port (NC-SI channel): NetworkDeviceFunction `n` is
//! port `n`'s.

use super::auth::{Caller, Privilege};
use super::chassis::{ADAPTER, adapter_or_404, get_card, port};
use super::error::{RedfishError, RfResult};
use super::mapping::{Context, card_error};
use super::service::odata_type;
use super::{JsonBody, Shared, check_if_match, methods, no_content, resource};
use crate::cards::{
    AdapterFunction, AdapterPort, AdapterSettings, Card, FunctionBootMode, NetworkAdapter,
    PcieLink, PortSettings, TECHNOLOGIES, capability,
};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

const RESET_ACTION: &str = "NetworkAdapter.ResetSettingsToDefault";

/// The card's adapter data, when it reports it (OEM 1.4).
pub(super) fn of(card: &Card) -> Option<&NetworkAdapter> {
    card.adapter.as_ref()
}

/// The index of the adapter's port on NC-SI channel `n`.
fn port_index(a: &NetworkAdapter, n: &str) -> Option<usize> {
    a.ports.iter().position(|p| p.channel.to_string() == n)
}

/// The index of the first function on NC-SI channel `n`'s port.
fn function_index(a: &NetworkAdapter, n: &str) -> Option<usize> {
    a.functions
        .iter()
        .position(|f| f.port.is_some_and(|p| p.to_string() == n))
}

/// The adapter port on channel `n`, when the card reports it.
pub(super) fn adapter_port<'a>(card: &'a Card, n: &str) -> Option<(&'a AdapterPort, usize)> {
    let a = of(card)?;
    let i = port_index(a, n)?;
    Some((&a.ports[i], i))
}

/// The function on channel `n`'s port, when the card reports it.
pub(super) fn function<'a>(card: &'a Card, n: &str) -> Option<(&'a AdapterFunction, usize)> {
    let a = of(card)?;
    let i = function_index(a, n)?;
    Some((&a.functions[i], i))
}

fn base(id: &str) -> String {
    format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}")
}

/// `@Redfish.Settings` pointing at `uri` (Settings.v1_x.Settings).
fn settings_annotation(uri: String) -> Value {
    json!({
        "@odata.type": "#Settings.v1_3_5.Settings",
        "SettingsObject": { "@odata.id": uri },
        "SupportedApplyTimes": ["OnReset"]
    })
}

/// Whether the card takes settings (OEM SetAdapterSettings).
fn settable(card: &Card) -> bool {
    card.has(capability::ADAPTER_SETTINGS) && card.adapter.is_some()
}

fn gbps(mbps: u32) -> f64 {
    f64::from(mbps) / 1000.0
}

/// Redfish `PCIeInterface` of a link; `None` when nothing is known.
pub(super) fn pcie_interface(l: &PcieLink) -> Option<Value> {
    let mut v = json!({});
    if (1..=6).contains(&l.generation) {
        v["PCIeType"] = json!(format!("Gen{}", l.generation));
    }
    if (1..=6).contains(&l.max_generation) {
        v["MaxPCIeType"] = json!(format!("Gen{}", l.max_generation));
    }
    if l.lanes != 0 {
        v["LanesInUse"] = json!(l.lanes);
    }
    if l.max_lanes != 0 {
        v["MaxLanes"] = json!(l.max_lanes);
    }
    (v != json!({})).then_some(v)
}

/// What GetNetworkAdapter adds to the NetworkAdapter body `v`.
pub(super) fn adapter_extras(v: &mut Value, card: &Card) {
    let Some(a) = of(card) else { return };
    if !a.sku.is_empty() {
        v["SKU"] = json!(a.sku);
    }
    let ctrl = &mut v["Controllers"][0];
    if let Some(p) = pcie_interface(&a.pcie) {
        ctrl["PCIeInterface"] = p;
    }
    let caps = &mut ctrl["ControllerCapabilities"];
    caps["NPAR"] = json!({ "NparCapable": a.npar_capable, "NparEnabled": a.current.npar });
    caps["VirtualizationOffload"] = json!({
        "VirtualFunction": {
            "DeviceMaxCount": a.max_vfs,
            "NetworkPortMaxCount": a.max_vfs_per_port,
            "MinAssignmentGroupSize": a.vf_group
        }
    });
    // SR-IOV's object only on a controller that has it.
    if a.sriov_capable {
        caps["VirtualizationOffload"]["SRIOV"] =
            json!({ "SRIOVVEPACapable": a.sriov_vepa_capable });
    }
    if settable(card) {
        let b = base(&card.id);
        v["@Redfish.Settings"] = settings_annotation(format!("{b}/Settings"));
        v["Actions"] = json!({
            "#NetworkAdapter.ResetSettingsToDefault": {
                "target": format!("{b}/Actions/{RESET_ACTION}")
            }
        });
    }
}

/// `LinkConfiguration` of a port with settings `s`.
fn link_configuration(p: &AdapterPort, s: &PortSettings) -> Value {
    let links: Vec<Value> = if s.autoneg {
        Vec::new()
    } else {
        vec![json!({ "ConfiguredLinkSpeedGbps": gbps(s.speed_mbps) })]
    };
    json!([{
        "AutoSpeedNegotiationCapable": p.autoneg_capable,
        "AutoSpeedNegotiationEnabled": s.autoneg,
        "CapableLinkSpeedGbps": p.speeds_mbps.iter().map(|m| gbps(*m)).collect::<Vec<_>>(),
        "ConfiguredNetworkLinks": links
    }])
}

/// What GetNetworkAdapter adds to Port `n`'s body `v`.
pub(super) fn port_extras(v: &mut Value, card: &Card, n: &str) {
    let (Some(a), Some((p, i))) = (of(card), adapter_port(card, n)) else {
        return;
    };
    if let Some(s) = a.current.ports.get(i) {
        v["LinkConfiguration"] = link_configuration(p, s);
    }
    // The MAC of the port's function, where neither the NC nor the host tells one.
    if v.get("Ethernet").is_none()
        && let Some((f, _)) = function(card, n).filter(|(f, _)| f.mac != [0; 6])
    {
        v["Ethernet"] = json!({ "AssociatedMACAddresses": [super::chassis::mac_text(f.mac)] });
    }
    if let Some(t) = &p.transceiver {
        // Present; its health is not something the card reports, so none is shown.
        let mut sfp = json!({});
        if let Some(k) = t.kind.redfish_name() {
            sfp["Type"] = json!(k);
        }
        if let Some(m) = t.medium.redfish_name() {
            sfp["MediumType"] = json!(m);
        }
        v["SFP"] = sfp;
    }
    if settable(card) {
        v["@Redfish.Settings"] =
            settings_annotation(format!("{}/Ports/{n}/Settings", base(&card.id)));
    }
}

/// What GetNetworkAdapter adds to PortMetrics `n`'s body `v`: the transceiver's
/// diagnostics.
pub(super) fn port_metrics_extras(v: &mut Value, card: &Card, n: &str) {
    let Some(d) = adapter_port(card, n).and_then(|(p, _)| p.transceiver?.diagnostics) else {
        return;
    };
    let milli = |x: u32| f64::from(x) / 1000.0;
    v["Transceivers"] = json!([{
        "RXInputPowerMilliWatts": milli(d.rx_power_uw),
        "TXOutputPowerMilliWatts": milli(d.tx_power_uw),
        "TXBiasCurrentMilliAmps": milli(d.tx_bias_ua),
        "SupplyVoltage": milli(d.supply_mv)
    }]);
}

/// The Redfish technology names of a function.
fn technologies(f: &AdapterFunction) -> Vec<&'static str> {
    TECHNOLOGIES
        .iter()
        .enumerate()
        .filter(|(i, _)| f.technologies & 1 << i != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// The boot modes a function takes: Disabled and those it supports.
fn boot_modes(f: &AdapterFunction) -> Vec<&'static str> {
    FunctionBootMode::NAMED
        .iter()
        .filter(|(m, _)| m.bit().is_none_or(|b| f.boot_modes & b != 0))
        .map(|(_, n)| *n)
        .collect()
}

/// What GetNetworkAdapter adds to NetworkDeviceFunction `n`'s body `v`.
pub(super) fn function_extras(v: &mut Value, card: &Card, n: &str) {
    let (Some(a), Some((f, i))) = (of(card), function(card, n)) else {
        return;
    };
    v["NetDevFuncCapabilities"] = json!(technologies(f));
    v["MaxVirtualFunctions"] = json!(f.max_vfs);
    v["VirtualFunctionsEnabled"] = json!(f.vfs_enabled);
    if let Some(s) = a.current.functions.get(i) {
        v["DeviceEnabled"] = json!(s.enabled);
        if let Some(m) = s.boot_mode.redfish_name() {
            v["BootMode"] = json!(m);
        }
    }
    v["BootMode@Redfish.AllowableValues"] = json!(boot_modes(f));
    if f.mac != [0; 6] {
        let m = super::chassis::mac_text(f.mac);
        let e = &mut v["Ethernet"];
        e["PermanentMACAddress"] = json!(m);
        if e.get("MACAddress").is_none() {
            e["MACAddress"] = json!(m);
        }
    }
    v["Links"]["PCIeFunction"] = json!({
        "@odata.id": format!("/redfish/v1/Chassis/{}/PCIeDevices/{ADAPTER}/PCIeFunctions/{}", card.id, f.pcie_function)
    });
    if settable(card) {
        v["@Redfish.Settings"] = settings_annotation(format!(
            "{}/NetworkDeviceFunctions/{n}/Settings",
            base(&card.id)
        ));
    }
}

/// The PCIe function numbers of the card's functions, ascending, when it reports them.
pub(super) fn pcie_functions(card: &Card) -> Option<Vec<u8>> {
    let a = of(card)?;
    let mut v: Vec<u8> = a.functions.iter().map(|f| f.pcie_function).collect();
    v.sort_unstable();
    v.dedup();
    (!v.is_empty()).then_some(v)
}

/// What GetNetworkAdapter adds to PCIeFunction `f`'s body `v`: class code, revision
/// and the network functions it carries.
pub(super) fn pcie_function_extras(v: &mut Value, card: &Card, f: u8) {
    let Some(a) = of(card) else { return };
    if a.class_code != 0 {
        v["ClassCode"] = json!(format!("0x{:06x}", a.class_code));
    }
    v["RevisionId"] = json!(format!("0x{:02x}", a.revision_id));
    let ndfs: Vec<Value> = a
        .functions
        .iter()
        .filter(|x| x.pcie_function == f)
        .filter_map(|x| x.port)
        .filter(|p| card.nic.port(*p).is_some())
        .map(|p| json!({ "@odata.id": format!("{}/NetworkDeviceFunctions/{p}", base(&card.id)) }))
        .collect();
    if !ndfs.is_empty() {
        v["Links"]["NetworkDeviceFunctions"] = json!(ndfs);
    }
}

// ---- settings objects -------------------------------------------------------------

fn settable_adapter(card: &Card, uri: &str) -> RfResult<NetworkAdapter> {
    match of(card) {
        Some(a) if settable(card) => Ok(a.clone()),
        _ => Err(RedfishError::not_found("Settings", uri)),
    }
}

/// Which settings object a request names.
#[derive(Clone, Copy)]
enum Object<'a> {
    /// The adapter's.
    Adapter,
    /// Port `n`'s.
    Port(&'a str),
    /// The function on port `n`.
    Function(&'a str),
}

impl Object<'_> {
    /// The object's URI below the adapter (for a not-found answer).
    fn uri(self) -> String {
        match self {
            Object::Adapter => "Settings".into(),
            Object::Port(n) => format!("Ports/{n}/Settings"),
            Object::Function(n) => format!("NetworkDeviceFunctions/{n}/Settings"),
        }
    }

    /// The index of its port or function in the adapter's lists (0 for the adapter's).
    fn index(self, card: &Card, a: &NetworkAdapter) -> RfResult<usize> {
        let found = match self {
            Object::Adapter => Some(0),
            Object::Port(n) => {
                port(card, n)?;
                port_index(a, n)
            }
            Object::Function(n) => {
                port(card, n)?;
                function_index(a, n)
            }
        };
        found.ok_or_else(|| RedfishError::not_found("Settings", &self.uri()))
    }

    /// Its body: the pending settings, else those in force.
    fn body(self, card: &Card, a: &NetworkAdapter, i: usize) -> Value {
        match self {
            Object::Adapter => adapter_settings_body(card, a.next_settings()),
            Object::Port(n) => port_settings_body(card, a, i, n),
            Object::Function(n) => function_settings_body(card, a, i, n),
        }
    }
}

/// The card, its adapter and the object's index, for a request on `object` of card
/// `id`'s adapter `adapter`: not found unless the card takes settings and has it.
fn target(
    state: &Shared,
    (id, adapter): (&str, &str),
    object: Object<'_>,
) -> RfResult<(std::sync::Arc<Card>, NetworkAdapter, usize)> {
    let card = get_card(state, id)?;
    adapter_or_404(id, adapter)?;
    let a = settable_adapter(&card, &object.uri())?;
    let i = object.index(&card, &a)?;
    Ok((card, a, i))
}

/// GET of a settings object.
fn show(state: &Shared, ids: (&str, &str), object: Object<'_>) -> RfResult<Response> {
    let (card, a, i) = target(state, ids, object)?;
    Ok(resource(object.body(&card, &a, i), "GET, PATCH"))
}

fn adapter_settings_body(card: &Card, s: &AdapterSettings) -> Value {
    json!({
        "@odata.id": format!("{}/Settings", base(&card.id)),
        "@odata.type": odata_type("NetworkAdapter"),
        "Id": "Settings",
        "Name": format!("Pending settings of the network adapter of {}", card.id),
        "Controllers": [{ "ControllerCapabilities": { "NPAR": { "NparEnabled": s.npar } } }]
    })
}

fn port_settings_body(card: &Card, a: &NetworkAdapter, i: usize, n: &str) -> Value {
    let s = &a.next_settings().ports[i];
    json!({
        "@odata.id": format!("{}/Ports/{n}/Settings", base(&card.id)),
        "@odata.type": odata_type("Port"),
        "Id": "Settings",
        "Name": format!("Pending settings of port {n}"),
        "LinkConfiguration": link_configuration(&a.ports[i], s)
    })
}

fn function_settings_body(card: &Card, a: &NetworkAdapter, i: usize, n: &str) -> Value {
    let s = &a.next_settings().functions[i];
    json!({
        "@odata.id": format!("{}/NetworkDeviceFunctions/{n}/Settings", base(&card.id)),
        "@odata.type": odata_type("NetworkDeviceFunction"),
        "Id": "Settings",
        "Name": format!("Pending settings of the function of port {n}"),
        "DeviceEnabled": s.enabled,
        "BootMode": s.boot_mode.redfish_name().unwrap_or("Disabled"),
        "BootMode@Redfish.AllowableValues": boot_modes(&a.functions[i])
    })
}

/// The only object member of `v` may be `key`; its value.
fn only_key<'a>(v: &'a Value, key: &str, at: &str) -> RfResult<Option<&'a Value>> {
    let Some(o) = v.as_object() else {
        return Err(RedfishError::value_type(at, &v.to_string()));
    };
    if let Some(k) = o.keys().find(|k| *k != key) {
        return Err(RedfishError::not_writable(&format!("{at}/{k}")));
    }
    Ok(o.get(key))
}

/// The one element of a one-element array at `at`.
fn single<'a>(v: &'a Value, at: &str) -> RfResult<&'a Value> {
    match v.as_array().map(Vec::as_slice) {
        Some([x]) => Ok(x),
        _ => Err(RedfishError::value_format(at, &v.to_string())),
    }
}

fn bool_at(v: &Value, at: &str) -> RfResult<bool> {
    v.as_bool()
        .ok_or_else(|| RedfishError::value_type(at, &v.to_string()))
}

/// Sends `s` to the card, unless it is what the card would apply anyway (a PATCH that
/// changes nothing stores nothing), and answers with `object` as the card then reports
/// it; a refusal names `property` with `value`.
async fn store(
    state: &Shared,
    (id, before): (&str, &NetworkAdapter),
    (object, i): (Object<'_>, usize),
    s: AdapterSettings,
    (property, value): (&str, &str),
) -> RfResult<Response> {
    if &s != before.next_settings() {
        state
            .cards
            .set_adapter_settings(id, Some(s))
            .await
            .map_err(|e| card_error(&e, Context::Patch(property, value)))?;
    }
    let card = state
        .cards
        .card(id)
        .map_err(|e| card_error(&e, Context::Read("NetworkAdapter")))?;
    let a = settable_adapter(&card, &object.uri())?;
    Ok(resource(object.body(&card, &a, i), "GET, PATCH"))
}

async fn adapter_settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    show(&state, (&id, &adapter), Object::Adapter)
}

async fn patch_adapter_settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let object = Object::Adapter;
    let (card, a, i) = target(&state, (&id, &adapter), object)?;
    check_if_match(&headers, &object.body(&card, &a, i))?;
    super::sessions::patch_keys(
        &body,
        &["Controllers"],
        &["Id", "Name", "SKU", "Model", "Manufacturer"],
    )?;
    let mut s = a.next_settings().clone();
    let mut value = String::new();
    if let Some(ctrls) = body.get("Controllers") {
        let ctrl = single(ctrls, "Controllers")?;
        let caps = only_key(ctrl, "ControllerCapabilities", "Controllers/0")?;
        let npar = match caps {
            Some(caps) => only_key(caps, "NPAR", "Controllers/0/ControllerCapabilities")?,
            None => None,
        };
        let enabled = match npar {
            Some(n) => only_key(
                n,
                "NparEnabled",
                "Controllers/0/ControllerCapabilities/NPAR",
            )?,
            None => None,
        };
        if let Some(e) = enabled {
            s.npar = bool_at(e, "Controllers/0/ControllerCapabilities/NPAR/NparEnabled")?;
            value = s.npar.to_string();
        }
    }
    store(
        &state,
        (&id, &a),
        (object, i),
        s,
        (
            "Controllers/0/ControllerCapabilities/NPAR/NparEnabled",
            &value,
        ),
    )
    .await
}

async fn port_settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter, n)): Path<(String, String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    show(&state, (&id, &adapter), Object::Port(&n))
}

/// A port's new settings from a PATCH of its settings object: auto-negotiation, or a
/// configured speed (which turns auto-negotiation off).
fn port_patch(body: &Map<String, Value>, old: PortSettings) -> RfResult<(PortSettings, String)> {
    const AT: &str = "LinkConfiguration";
    super::sessions::patch_keys(
        body,
        &[AT],
        &[
            "Id",
            "Name",
            "PortId",
            "LinkStatus",
            "CurrentSpeedGbps",
            "SFP",
        ],
    )?;
    let Some(lc) = body.get(AT) else {
        return Ok((old, String::new()));
    };
    let lc = single(lc, AT)?;
    let Some(o) = lc.as_object() else {
        return Err(RedfishError::value_type(
            &format!("{AT}/0"),
            &lc.to_string(),
        ));
    };
    for k in o.keys() {
        match k.as_str() {
            "AutoSpeedNegotiationEnabled" | "ConfiguredNetworkLinks" => {}
            "AutoSpeedNegotiationCapable" | "CapableLinkSpeedGbps" => {
                return Err(RedfishError::not_writable(&format!("{AT}/0/{k}")));
            }
            _ => return Err(RedfishError::property_unknown(&format!("{AT}/0/{k}"))),
        }
    }
    let auto = o
        .get("AutoSpeedNegotiationEnabled")
        .map(|v| bool_at(v, "LinkConfiguration/0/AutoSpeedNegotiationEnabled"))
        .transpose()?;
    let speed = match o.get("ConfiguredNetworkLinks") {
        None => None,
        Some(Value::Array(l)) if l.is_empty() => None,
        Some(l) => {
            let at = "LinkConfiguration/0/ConfiguredNetworkLinks";
            let link = single(l, at)?;
            let g = only_key(link, "ConfiguredLinkSpeedGbps", &format!("{at}/0"))?.ok_or_else(
                || RedfishError::property_missing(&format!("{at}/0/ConfiguredLinkSpeedGbps")),
            )?;
            let gb = g.as_f64().ok_or_else(|| {
                RedfishError::value_type(&format!("{at}/0/ConfiguredLinkSpeedGbps"), &g.to_string())
            })?;
            let m = (gb * 1000.0).round();
            if !(1.0..=f64::from(u32::MAX)).contains(&m) {
                return Err(RedfishError::value_out_of_range(
                    &format!("{at}/0/ConfiguredLinkSpeedGbps"),
                    &g.to_string(),
                ));
            }
            Some(m as u32)
        }
    };
    let new = match (auto, speed) {
        (Some(true), Some(_)) => {
            return Err(RedfishError::value_conflict(
                "LinkConfiguration/0/ConfiguredNetworkLinks",
                "LinkConfiguration/0/AutoSpeedNegotiationEnabled",
            ));
        }
        (Some(true), None) => PortSettings {
            autoneg: true,
            speed_mbps: 0,
        },
        (_, Some(m)) => PortSettings {
            autoneg: false,
            speed_mbps: m,
        },
        (Some(false), None) if old.autoneg => {
            return Err(RedfishError::property_missing(
                "LinkConfiguration/0/ConfiguredNetworkLinks",
            ));
        }
        (Some(false) | None, None) => old,
    };
    let value = if new.autoneg {
        "true".to_string()
    } else {
        gbps(new.speed_mbps).to_string()
    };
    Ok((new, value))
}

async fn patch_port_settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter, n)): Path<(String, String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let object = Object::Port(&n);
    let (card, a, i) = target(&state, (&id, &adapter), object)?;
    check_if_match(&headers, &object.body(&card, &a, i))?;
    let mut s = a.next_settings().clone();
    let (new, value) = port_patch(&body, s.ports[i])?;
    s.ports[i] = new;
    let property = if new.autoneg {
        "LinkConfiguration/0/AutoSpeedNegotiationEnabled"
    } else {
        "LinkConfiguration/0/ConfiguredNetworkLinks/0/ConfiguredLinkSpeedGbps"
    };
    store(&state, (&id, &a), (object, i), s, (property, &value)).await
}

async fn function_settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter, n)): Path<(String, String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    show(&state, (&id, &adapter), Object::Function(&n))
}

async fn patch_function_settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter, n)): Path<(String, String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let object = Object::Function(&n);
    let (card, a, i) = target(&state, (&id, &adapter), object)?;
    check_if_match(&headers, &object.body(&card, &a, i))?;
    super::sessions::patch_keys(
        &body,
        &["DeviceEnabled", "BootMode"],
        &[
            "Id",
            "Name",
            "NetDevFuncType",
            "NetDevFuncCapabilities",
            "MaxVirtualFunctions",
            "VirtualFunctionsEnabled",
        ],
    )?;
    let mut s = a.next_settings().clone();
    let mut f = s.functions[i];
    let (mut property, mut value) = ("DeviceEnabled", String::new());
    if let Some(v) = body.get("DeviceEnabled") {
        f.enabled = bool_at(v, "DeviceEnabled")?;
        value = f.enabled.to_string();
    }
    if let Some(v) = body.get("BootMode") {
        let name = v
            .as_str()
            .ok_or_else(|| RedfishError::value_type("BootMode", &v.to_string()))?;
        f.boot_mode = FunctionBootMode::from_redfish_name(name)
            .ok_or_else(|| RedfishError::value_not_in_list("BootMode", name))?;
        (property, value) = ("BootMode", name.to_string());
    }
    s.functions[i] = f;
    store(&state, (&id, &a), (object, i), s, (property, &value)).await
}

/// `NetworkAdapter.ResetSettingsToDefault`: the card's defaults become the pending
/// settings, applied at the host's next reset; 204 once the card stored them.
async fn reset_to_default(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let card = get_card(&state, &id)?;
    adapter_or_404(&id, &adapter)?;
    if !settable(&card) {
        return Err(RedfishError::action_not_supported(RESET_ACTION));
    }
    if let Some(k) = body.keys().next() {
        return Err(RedfishError::parameter_not_supported(k, RESET_ACTION));
    }
    state
        .cards
        .set_adapter_settings(&id, None)
        .await
        .map_err(|e| card_error(&e, Context::Action(RESET_ACTION, "", "")))?;
    Ok(no_content())
}

pub fn routes() -> Router<Shared> {
    let a = "/redfish/v1/Chassis/{id}/NetworkAdapters/{adapter}";
    Router::new()
        .route(
            &format!("{a}/Settings"),
            methods(
                get(adapter_settings).patch(patch_adapter_settings),
                "GET, PATCH",
            ),
        )
        .route(
            &format!("{a}/Ports/{{n}}/Settings"),
            methods(get(port_settings).patch(patch_port_settings), "GET, PATCH"),
        )
        .route(
            &format!("{a}/NetworkDeviceFunctions/{{n}}/Settings"),
            methods(
                get(function_settings).patch(patch_function_settings),
                "GET, PATCH",
            ),
        )
        .route(
            &format!("{a}/Actions/{RESET_ACTION}"),
            methods(post(reset_to_default), "POST"),
        )
}
