//! `Chassis` (one per card) with its NetworkAdapter, Ports and NetworkDeviceFunctions
//! from NC-SI discovery, and `UpdateService/FirmwareInventory` from the card BMC.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::service::odata_type;
use super::systems::status;
use super::{Shared, collection, methods, resource};
use crate::cards::{Card, HostInterface, Port};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

/// The adapter's single id: NC-SI gives one adapter (package) per card.
pub(super) const ADAPTER: &str = "NIC";

pub(super) fn get_card(state: &Shared, id: &str) -> RfResult<std::sync::Arc<Card>> {
    super::cached_card(state, id, "Chassis")
}

fn chassis_body(c: &Card) -> Value {
    let id = &c.id;
    let mut v = json!({
        "@odata.id": format!("/redfish/v1/Chassis/{id}"),
        "@odata.type": odata_type("Chassis"),
        "Id": id,
        "Name": format!("{} {}", c.info.model, c.info.serial),
        "ChassisType": "Card",
        "Manufacturer": c.info.manufacturer,
        "Model": c.info.model,
        "SerialNumber": c.info.serial,
        "PartNumber": c.info.part_number,
        "Status": status(c),
        "NetworkAdapters": { "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters") },
        "PCIeDevices": { "@odata.id": format!("/redfish/v1/Chassis/{id}/PCIeDevices") },
        "Links": {
            "ComputerSystems": [{ "@odata.id": format!("/redfish/v1/Systems/{id}") }],
            "ManagedBy": [{ "@odata.id": format!("/redfish/v1/Managers/{id}") }]
        }
    });
    super::sensors::chassis_links(&mut v, c);
    v
}

async fn list(State(state): State<Shared>, Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(super::card_collection(
        &state,
        "/redfish/v1/Chassis",
        "ChassisCollection",
        "Chassis Collection",
    ))
}

async fn chassis(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    Ok(super::cached_resource(
        &state,
        &format!("/redfish/v1/Chassis/{id}"),
        card.generation,
        "GET",
        || chassis_body(&card),
    ))
}

async fn adapters(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    get_card(&state, &id)?;
    Ok(resource(
        collection(
            &format!("/redfish/v1/Chassis/{id}/NetworkAdapters"),
            "NetworkAdapterCollection",
            "Network Adapter Collection",
            [format!(
                "/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}"
            )],
        ),
        "GET",
    ))
}

/// A card has one network adapter, which is also its one PCIe device: `name` must be
/// it, or the `kind` resource is not found.
fn only_adapter(kind: &str, id: &str, name: &str) -> RfResult<()> {
    if name == ADAPTER {
        Ok(())
    } else {
        Err(RedfishError::not_found(kind, &format!("{id}/{name}")))
    }
}

pub(super) fn adapter_or_404(id: &str, adapter: &str) -> RfResult<()> {
    only_adapter("NetworkAdapter", id, adapter)
}

async fn adapter(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    adapter_or_404(&id, &adapter)?;
    let base = format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}");
    let nic = &card.nic;
    let v = nic.controller.as_ref();
    let mut body = json!({
            "@odata.id": base,
            "@odata.type": odata_type("NetworkAdapter"),
            "Id": ADAPTER,
            "Name": match card.package() {
                Some(p) => format!("Network controller, NC-SI package {p}"),
                None => "Network controller (not reached by NC-SI)".into(),
            },
            "Manufacturer": v.map(|v| &v.manufacturer),
            "Model": v.map(|v| &v.firmware_name),
            "Status": status(&card),
            "Controllers": [{
                "FirmwarePackageVersion": v.map(|v| &v.firmware_version),
                "ControllerCapabilities": { "NetworkPortCount": nic.ports.len(), "NetworkDeviceFunctionCount": nic.ports.len() },
                "Links": {
                    "PCIeDevices": [{ "@odata.id": format!("/redfish/v1/Chassis/{id}/PCIeDevices/{ADAPTER}") }],
                    "Ports": nic.ports.iter().map(|p| json!({ "@odata.id": format!("{base}/Ports/{}", p.id) })).collect::<Vec<_>>(),
                    "NetworkDeviceFunctions": nic.ports.iter().map(|p| json!({ "@odata.id": format!("{base}/NetworkDeviceFunctions/{}", p.id) })).collect::<Vec<_>>()
                }
            }],
            "Ports": { "@odata.id": format!("{base}/Ports") },
            "NetworkDeviceFunctions": { "@odata.id": format!("{base}/NetworkDeviceFunctions") },
    });
    // Metrics come from NC-SI's statistics commands (`metrics.rs`).
    if card.package().is_some() {
        body["Metrics"] = json!({ "@odata.id": format!("{base}/Metrics") });
    }
    board_identity(&mut body, &card);
    super::adapter::adapter_extras(&mut body, &card);
    Ok(resource(body, "GET"))
}

/// The card's serial and part number (GetBridgeInfo) on the network controller's
/// resources when the card is reached through that controller's own NC-SI package:
/// the controller is then on the card (a DPU's or smart NIC's network controller is
/// the card), so the board's identity is the adapter's. Left out when the card does
/// not report them.
fn board_identity(v: &mut Value, card: &Card) {
    if card.package().is_none() {
        return;
    }
    for (key, value) in [
        ("SerialNumber", &card.info.serial),
        ("PartNumber", &card.info.part_number),
    ] {
        if !value.is_empty() {
            v[key] = json!(value);
        }
    }
}

pub(super) fn port<'a>(card: &'a Card, n: &str) -> RfResult<&'a Port> {
    n.parse::<u8>()
        .ok()
        .and_then(|n| card.nic.port(n))
        .ok_or_else(|| RedfishError::not_found("Port", n))
}

async fn ports(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    adapter_or_404(&id, &adapter)?;
    let base = format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/Ports");
    let members = card.nic.ports.iter().map(|p| format!("{base}/{}", p.id));
    Ok(resource(
        collection(&base, "PortCollection", "Port Collection", members),
        "GET",
    ))
}

pub(super) fn mac_text(m: [u8; 6]) -> String {
    m.map(|b| format!("{b:02X}")).join(":")
}

/// The host's interfaces (with their index) that are port `n`'s function, when the
/// card says which (OEM GetHostInventory).
fn host_interfaces<'a>(card: &'a Card, n: &str) -> Vec<(usize, &'a HostInterface)> {
    card.host
        .iter()
        .flat_map(|h| h.interfaces.iter().enumerate())
        .filter(|(_, i)| i.port.is_some_and(|p| p.to_string() == n))
        .collect()
}

async fn port_resource(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter, n)): Path<(String, String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    adapter_or_404(&id, &adapter)?;
    let p = port(&card, &n)?;
    let up = p.link_up;
    let mut v = json!({
        "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/Ports/{n}"),
        "@odata.type": odata_type("Port"),
        "Id": n,
        "Name": format!("Port {n}"),
        "PortId": n,
        "LinkNetworkTechnology": "Ethernet",
        "LinkStatus": if up { "LinkUp" } else { "LinkDown" },
        "LinkState": "Enabled",
        "Status": if card.online { json!({ "State": "Enabled", "Health": if up { "OK" } else { "Warning" } }) } else { status(&card) }
    });
    if let Some(mbps) = p.speed_mbps {
        v["CurrentSpeedGbps"] = json!(f64::from(mbps) / 1000.0);
    }
    // The MACs of the function on this port: the NC's, else the host interfaces'.
    let macs: Vec<String> = match p.mac {
        Some(m) => vec![mac_text(m)],
        None => host_interfaces(&card, &n)
            .into_iter()
            .map(|(_, i)| mac_text(i.mac))
            .collect(),
    };
    if !macs.is_empty() {
        v["Ethernet"] = json!({ "AssociatedMACAddresses": macs });
    }
    if card.package().is_some() {
        v["Metrics"] = json!({ "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/Ports/{n}/Metrics") });
    }
    super::adapter::port_extras(&mut v, &card, &n);
    Ok(resource(v, "GET"))
}

async fn functions(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    adapter_or_404(&id, &adapter)?;
    let base = format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/NetworkDeviceFunctions");
    let members = card.nic.ports.iter().map(|p| format!("{base}/{}", p.id));
    Ok(resource(
        collection(
            &base,
            "NetworkDeviceFunctionCollection",
            "Network Device Function Collection",
            members,
        ),
        "GET",
    ))
}

async fn function(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter, n)): Path<(String, String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    adapter_or_404(&id, &adapter)?;
    let mac = port(&card, &n)?.mac.map(mac_text);
    // Their MAC where the NC tells none, and whether the function is enabled.
    let host_ifs = host_interfaces(&card, &n);
    let mut body = json!({
            "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/NetworkDeviceFunctions/{n}"),
            "@odata.type": odata_type("NetworkDeviceFunction"),
            "Id": n,
            "Name": format!("Ethernet function of port {n}"),
            "NetDevFuncType": "Ethernet",
            // Left out when the NC does not tell the host's address (a Mellanox get-MAC
            // answers the MC's own).
            "Ethernet": match (&mac, host_ifs.first()) {
                (Some(m), _) => json!({ "MACAddress": m, "PermanentMACAddress": m }),
                (None, Some((_, i))) => json!({ "MACAddress": mac_text(i.mac) }),
                (None, None) => json!({}),
            },
            "Status": status(&card),
            // An NC-SI channel's function is its port's and can be on no other.
            "AssignablePhysicalNetworkPorts": [{ "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/Ports/{n}") }],
            "Links": { "PhysicalNetworkPortAssignment": { "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/Ports/{n}") } }
    });
    if let Some((_, i)) = host_ifs.first() {
        body["DeviceEnabled"] = json!(i.enabled);
    }
    if card.package().is_some() {
        body["Metrics"] = json!({ "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/NetworkDeviceFunctions/{n}/Metrics") });
    }
    if card.host.is_some() {
        let ifs: Vec<Value> = host_ifs
            .iter()
            .map(|(k, _)| json!({ "@odata.id": format!("/redfish/v1/Systems/{id}/EthernetInterfaces/{k}") }))
            .collect();
        body["Links"]["EthernetInterfaces"] = json!(ifs);
    }
    super::adapter::function_extras(&mut body, &card, &n);
    Ok(resource(body, "GET"))
}

async fn pcie_devices(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    get_card(&state, &id)?;
    Ok(resource(
        collection(
            &format!("/redfish/v1/Chassis/{id}/PCIeDevices"),
            "PCIeDeviceCollection",
            "PCIe Device Collection",
            [format!("/redfish/v1/Chassis/{id}/PCIeDevices/{ADAPTER}")],
        ),
        "GET",
    ))
}

fn pcie_or_404(id: &str, dev: &str) -> RfResult<()> {
    only_adapter("PCIeDevice", id, dev)
}

/// The network controller as a PCIe device: its IDs come from NC-SI Get Version ID.
async fn pcie_device(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, dev)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    pcie_or_404(&id, &dev)?;
    let v = card.nic.controller.as_ref();
    let base = format!("/redfish/v1/Chassis/{id}/PCIeDevices/{ADAPTER}");
    let mut body = json!({
            "@odata.id": base,
            "@odata.type": odata_type("PCIeDevice"),
            "Id": ADAPTER,
            "Name": "Network controller",
            "Manufacturer": v.map(|v| &v.manufacturer),
            "Model": v.map(|v| &v.firmware_name),
            "FirmwareVersion": v.map(|v| &v.firmware_version),
            "DeviceType": "MultiFunction",
            "Status": status(&card),
            "PCIeFunctions": { "@odata.id": format!("{base}/PCIeFunctions") }
    });
    if let Some(u) = v.and_then(|v| v.uuid.as_ref()) {
        body["UUID"] = json!(u);
    }
    board_identity(&mut body, &card);
    if let Some(a) = super::adapter::of(&card) {
        if !a.sku.is_empty() {
            body["SKU"] = json!(a.sku);
        }
        if let Some(p) = super::adapter::pcie_interface(&a.pcie) {
            body["PCIeInterface"] = p;
        }
    }
    Ok(resource(body, "GET"))
}

/// The PCIe function numbers: the card's functions' (OEM 1.4), else function 0, whose
/// IDs NC-SI gives.
fn function_numbers(card: &Card) -> Vec<u8> {
    super::adapter::pcie_functions(card).unwrap_or_else(|| vec![0])
}

async fn pcie_functions(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, dev)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    pcie_or_404(&id, &dev)?;
    let base = format!("/redfish/v1/Chassis/{id}/PCIeDevices/{ADAPTER}/PCIeFunctions");
    Ok(resource(
        collection(
            &base,
            "PCIeFunctionCollection",
            "PCIe Function Collection",
            function_numbers(&card)
                .into_iter()
                .map(|f| format!("{base}/{f}")),
        ),
        "GET",
    ))
}

async fn pcie_function(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, dev, f)): Path<(String, String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = get_card(&state, &id)?;
    pcie_or_404(&id, &dev)?;
    let Some(n) = function_numbers(&card)
        .into_iter()
        .find(|n| n.to_string() == f)
    else {
        return Err(RedfishError::not_found("PCIeFunction", &f));
    };
    let pci = card.nic.controller.as_ref().map(|c| c.pci);
    let hex = |x: Option<u16>| x.map(|x| format!("0x{x:04x}"));
    let mut body = json!({
            "@odata.id": format!("/redfish/v1/Chassis/{id}/PCIeDevices/{ADAPTER}/PCIeFunctions/{n}"),
            "@odata.type": odata_type("PCIeFunction"),
            "Id": n.to_string(),
            "Name": format!("Network controller function {n}"),
            "FunctionId": n,
            "FunctionType": "Physical",
            "DeviceClass": "NetworkController",
            "VendorId": hex(pci.map(|p| p.vendor)),
            "DeviceId": hex(pci.map(|p| p.device)),
            "SubsystemVendorId": hex(pci.map(|p| p.subsystem_vendor)),
            "SubsystemId": hex(pci.map(|p| p.subsystem)),
            "Status": status(&card),
            "Links": { "PCIeDevice": { "@odata.id": format!("/redfish/v1/Chassis/{id}/PCIeDevices/{ADAPTER}") } }
    });
    super::adapter::pcie_function_extras(&mut body, &card, n);
    Ok(resource(body, "GET"))
}

async fn update_service(Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(resource(
        json!({
            "@odata.id": "/redfish/v1/UpdateService",
            "@odata.type": odata_type("UpdateService"),
            "Id": "UpdateService",
            "Name": "Update Service",
            "ServiceEnabled": false,
            "FirmwareInventory": { "@odata.id": "/redfish/v1/UpdateService/FirmwareInventory" },
            "Status": { "State": "Enabled", "Health": "OK" }
        }),
        "GET",
    ))
}

/// Inventory ids: card id, dash, component index.
fn inventory(state: &Shared) -> Vec<(std::sync::Arc<Card>, usize)> {
    state
        .cards
        .cards()
        .into_iter()
        .flat_map(|c| (0..c.firmware.len()).map(move |i| (c.clone(), i)))
        .collect()
}

async fn firmware_list(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let members = inventory(&state)
        .into_iter()
        .map(|(c, i)| format!("/redfish/v1/UpdateService/FirmwareInventory/{}-{i}", c.id));
    Ok(resource(
        collection(
            "/redfish/v1/UpdateService/FirmwareInventory",
            "SoftwareInventoryCollection",
            "Firmware Inventory Collection",
            members,
        ),
        "GET",
    ))
}

async fn firmware(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(fid): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (card, i) = inventory(&state)
        .into_iter()
        .find(|(c, i)| format!("{}-{i}", c.id) == fid)
        .ok_or_else(|| RedfishError::not_found("SoftwareInventory", &fid))?;
    let f = &card.firmware[i];
    Ok(resource(
        json!({
            "@odata.id": format!("/redfish/v1/UpdateService/FirmwareInventory/{fid}"),
            "@odata.type": odata_type("SoftwareInventory"),
            "Id": fid,
            "Name": format!("{} of {}", f.name, card.info.serial),
            "Version": f.version,
            "Updateable": f.updateable,
            "Status": status(&card),
            "RelatedItem": [{ "@odata.id": format!("/redfish/v1/Managers/{}", card.id) }]
        }),
        "GET",
    ))
}

pub fn routes() -> Router<Shared> {
    let a = "/redfish/v1/Chassis/{id}/NetworkAdapters/{adapter}";
    Router::new()
        .route("/redfish/v1/Chassis", methods(get(list), "GET"))
        .route("/redfish/v1/Chassis/{id}", methods(get(chassis), "GET"))
        .route(
            "/redfish/v1/Chassis/{id}/NetworkAdapters",
            methods(get(adapters), "GET"),
        )
        .route(a, methods(get(adapter), "GET"))
        .route(&format!("{a}/Ports"), methods(get(ports), "GET"))
        .route(
            &format!("{a}/Ports/{{n}}"),
            methods(get(port_resource), "GET"),
        )
        .route(
            &format!("{a}/NetworkDeviceFunctions"),
            methods(get(functions), "GET"),
        )
        .route(
            &format!("{a}/NetworkDeviceFunctions/{{n}}"),
            methods(get(function), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/PCIeDevices",
            methods(get(pcie_devices), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/PCIeDevices/{dev}",
            methods(get(pcie_device), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/PCIeDevices/{dev}/PCIeFunctions",
            methods(get(pcie_functions), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/PCIeDevices/{dev}/PCIeFunctions/{f}",
            methods(get(pcie_function), "GET"),
        )
        .route(
            "/redfish/v1/UpdateService",
            methods(get(update_service), "GET"),
        )
        .route(
            "/redfish/v1/UpdateService/FirmwareInventory",
            methods(get(firmware_list), "GET"),
        )
        .route(
            "/redfish/v1/UpdateService/FirmwareInventory/{fid}",
            methods(get(firmware), "GET"),
        )
}
