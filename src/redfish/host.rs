//! The card's host as its BMC knows it (OEM GetHostInventory, `protocol/OEM.md`
//! §4.19): Processors, MemorySummary, the host's EthernetInterfaces and its Storage
//! with Drives under the card's ComputerSystem, what Ironic's redfish inspection reads
//! (cpu_arch from a Processor's InstructionSet, memory_mb from MemorySummary, ports
//! from EthernetInterfaces with a MAC, local_gb from the drives). A value the card
//! does not report (zero or empty) is left out.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::names::{DRIVE_MEDIA, DRIVE_PROTOCOLS, INSTRUCTION_SETS, name};
use super::service::odata_type;
use super::{Shared, collection, methods, resource};
use crate::cards::{Card, HostInventory, InstructionSet};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::Arc;

/// The links and summary a ComputerSystem gains from its card's host inventory.
pub fn system_links(v: &mut Value, id: &str, h: &HostInventory) {
    let base = format!("/redfish/v1/Systems/{id}");
    v["Processors"] = json!({ "@odata.id": format!("{base}/Processors") });
    v["EthernetInterfaces"] = json!({ "@odata.id": format!("{base}/EthernetInterfaces") });
    v["Storage"] = json!({ "@odata.id": format!("{base}/Storage") });
    let mut summary = json!({});
    if h.memory_mib > 0 {
        summary["TotalSystemMemoryGiB"] = json!(h.memory_mib as f64 / 1024.0);
    }
    v["MemorySummary"] = summary;
    let mut procs = json!({ "Count": h.processors.len() });
    let cores: u32 = h.processors.iter().map(|p| u32::from(p.cores)).sum();
    let threads: u32 = h.processors.iter().map(|p| u32::from(p.threads)).sum();
    if cores > 0 && h.processors.iter().all(|p| p.cores > 0) {
        procs["CoreCount"] = json!(cores);
    }
    if threads > 0 && h.processors.iter().all(|p| p.threads > 0) {
        procs["LogicalProcessorCount"] = json!(threads);
    }
    if let Some(m) = h.processors.first().filter(|p| !p.model.is_empty()) {
        procs["Model"] = json!(m.model);
    }
    v["ProcessorSummary"] = procs;
}

/// Redfish `ProcessorArchitecture` of an instruction set.
fn architecture(i: InstructionSet) -> Option<&'static str> {
    use InstructionSet as I;
    Some(match i {
        I::X86 | I::X86_64 => "x86",
        I::Ia64 => "IA-64",
        I::ArmA32 | I::ArmA64 => "ARM",
        I::Mips32 | I::Mips64 => "MIPS",
        I::PowerIsa => "Power",
        I::Rv32 | I::Rv64 => "RISC-V",
        I::NotKnown | I::Unknown(_) => return None,
    })
}

/// The card and its host inventory; 404 naming `kind` when the card reports none.
fn host_of(
    state: &Shared,
    id: &str,
    kind: &str,
    uri: &str,
) -> RfResult<(Arc<Card>, HostInventory)> {
    let card = super::cached_card(state, id, "ComputerSystem")?;
    let host = card
        .host
        .clone()
        .ok_or_else(|| RedfishError::not_found(kind, uri))?;
    Ok((card, host))
}

fn index(n: &str, len: usize, kind: &str) -> RfResult<usize> {
    n.parse::<usize>()
        .ok()
        .filter(|i| *i < len)
        .ok_or_else(|| RedfishError::not_found(kind, n))
}

fn put(v: &mut Value, key: &str, x: impl Into<Value>, present: bool) {
    if present {
        v[key] = x.into();
    }
}

async fn processors(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let base = format!("/redfish/v1/Systems/{id}/Processors");
    let (_, h) = host_of(&state, &id, "ProcessorCollection", &base)?;
    let members = (0..h.processors.len()).map(|i| format!("{base}/{i}"));
    Ok(resource(
        collection(
            &base,
            "ProcessorCollection",
            "Processor Collection",
            members,
        ),
        "GET",
    ))
}

async fn processor(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let uri = format!("/redfish/v1/Systems/{id}/Processors/{n}");
    let (card, h) = host_of(&state, &id, "Processor", &uri)?;
    let p = &h.processors[index(&n, h.processors.len(), "Processor")?];
    let mut v = json!({
        "@odata.id": uri,
        "@odata.type": odata_type("Processor"),
        "Id": n,
        "Name": format!("Processor {n}"),
        "ProcessorType": "CPU",
        "Status": super::systems::status(&card),
    });
    if let Some(set) = name(INSTRUCTION_SETS, p.instruction_set) {
        v["InstructionSet"] = json!(set);
    }
    if let Some(a) = architecture(p.instruction_set) {
        v["ProcessorArchitecture"] = json!(a);
    }
    put(&mut v, "TotalCores", p.cores, p.cores > 0);
    put(&mut v, "TotalThreads", p.threads, p.threads > 0);
    put(&mut v, "MaxSpeedMHz", p.max_speed_mhz, p.max_speed_mhz > 0);
    put(
        &mut v,
        "Manufacturer",
        p.manufacturer.as_str(),
        !p.manufacturer.is_empty(),
    );
    put(&mut v, "Model", p.model.as_str(), !p.model.is_empty());
    Ok(resource(v, "GET"))
}

async fn interfaces(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let base = format!("/redfish/v1/Systems/{id}/EthernetInterfaces");
    let (_, h) = host_of(&state, &id, "EthernetInterfaceCollection", &base)?;
    let members = (0..h.interfaces.len()).map(|i| format!("{base}/{i}"));
    Ok(resource(
        collection(
            &base,
            "EthernetInterfaceCollection",
            "Host Ethernet Interface Collection",
            members,
        ),
        "GET",
    ))
}

async fn interface(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let uri = format!("/redfish/v1/Systems/{id}/EthernetInterfaces/{n}");
    let (card, h) = host_of(&state, &id, "EthernetInterface", &uri)?;
    let i = &h.interfaces[index(&n, h.interfaces.len(), "EthernetInterface")?];
    let mut v = json!({
        "@odata.id": uri,
        "@odata.type": odata_type("EthernetInterface"),
        "Id": n,
        "Name": format!("Host interface {n}"),
        "MACAddress": i.mac.map(|b| format!("{b:02X}")).join(":"),
        "InterfaceEnabled": i.enabled,
        "LinkStatus": if i.link_up { "LinkUp" } else { "LinkDown" },
        "Status": super::systems::status(&card),
    });
    put(&mut v, "SpeedMbps", i.speed_mbps, i.speed_mbps > 0);
    // The NIC function it is, when the card says (NC-SI cards' functions are
    // the channels, `chassis.rs`).
    let ndfs: Vec<Value> = i
        .port
        .filter(|p| card.nic.port(*p).is_some())
        .map(|p| json!({ "@odata.id": format!("/redfish/v1/Chassis/{id}/NetworkAdapters/NIC/NetworkDeviceFunctions/{p}") }))
        .into_iter()
        .collect();
    v["Links"] = json!({ "NetworkDeviceFunctions": ndfs });
    Ok(resource(v, "GET"))
}

async fn storages(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let base = format!("/redfish/v1/Systems/{id}/Storage");
    host_of(&state, &id, "StorageCollection", &base)?;
    Ok(resource(
        collection(
            &base,
            "StorageCollection",
            "Storage Collection",
            [format!("{base}/1")],
        ),
        "GET",
    ))
}

async fn storage(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, s)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let uri = format!("/redfish/v1/Systems/{id}/Storage/{s}");
    let (card, h) = host_of(&state, &id, "Storage", &uri)?;
    if s != "1" {
        return Err(RedfishError::not_found("Storage", &s));
    }
    let drives: Vec<Value> = (0..h.drives.len())
        .map(|i| json!({ "@odata.id": format!("{uri}/Drives/{i}") }))
        .collect();
    Ok(resource(
        json!({
            "@odata.id": uri,
            "@odata.type": odata_type("Storage"),
            "Id": "1",
            "Name": "The host's storage",
            "Drives": drives,
            "Drives@odata.count": h.drives.len(),
            "Status": super::systems::status(&card),
        }),
        "GET",
    ))
}

async fn drive(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, s, n)): Path<(String, String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let uri = format!("/redfish/v1/Systems/{id}/Storage/{s}/Drives/{n}");
    let (card, h) = host_of(&state, &id, "Drive", &uri)?;
    if s != "1" {
        return Err(RedfishError::not_found("Storage", &s));
    }
    let d = &h.drives[index(&n, h.drives.len(), "Drive")?];
    let mut v = json!({
        "@odata.id": uri,
        "@odata.type": odata_type("Drive"),
        "Id": n,
        "Name": format!("Drive {n}"),
        "Status": super::systems::status(&card),
    });
    put(
        &mut v,
        "CapacityBytes",
        d.capacity_bytes,
        d.capacity_bytes > 0,
    );
    if let Some(m) = name(DRIVE_MEDIA, d.media) {
        v["MediaType"] = json!(m);
    }
    if let Some(p) = name(DRIVE_PROTOCOLS, d.protocol) {
        v["Protocol"] = json!(p);
    }
    put(&mut v, "Model", d.model.as_str(), !d.model.is_empty());
    put(
        &mut v,
        "SerialNumber",
        d.serial.as_str(),
        !d.serial.is_empty(),
    );
    Ok(resource(v, "GET"))
}

pub fn routes() -> Router<Shared> {
    let s = "/redfish/v1/Systems/{id}";
    Router::new()
        .route(&format!("{s}/Processors"), methods(get(processors), "GET"))
        .route(
            &format!("{s}/Processors/{{n}}"),
            methods(get(processor), "GET"),
        )
        .route(
            &format!("{s}/EthernetInterfaces"),
            methods(get(interfaces), "GET"),
        )
        .route(
            &format!("{s}/EthernetInterfaces/{{n}}"),
            methods(get(interface), "GET"),
        )
        .route(&format!("{s}/Storage"), methods(get(storages), "GET"))
        .route(&format!("{s}/Storage/{{s}}"), methods(get(storage), "GET"))
        .route(
            &format!("{s}/Storage/{{s}}/Drives/{{n}}"),
            methods(get(drive), "GET"),
        )
}
