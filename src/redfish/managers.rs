//! `Managers`: one Manager per card BMC, its EthernetInterfaces (from the card's
//! network identity) and VirtualMedia CD/USB with InsertMedia and EjectMedia.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::mapping::{Context, card_error, media_uri, slot_name, slot_of};
use super::names::PROTOCOLS;
use super::service::odata_type;
use super::systems::{accepted, status};
use super::{JsonBody, Shared, collection, methods, no_content, resource};
use crate::cards::{
    Card, Ipv4Address, Ipv4Origin, Ipv6Address, MAX_URI_LEN, ManagerNetwork, ManagerNetworkUpdate,
    MediaInsert, MediaSlot, MediaState, ResetType, StaticIpv4, TransferProtocol, capability,
    media_type,
};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

fn slots(card: &Card) -> Vec<MediaSlot> {
    let mut v = Vec::new();
    if card.has(capability::VIRTUAL_MEDIA_CD) {
        v.push(MediaSlot::Cd);
    }
    if card.has(capability::VIRTUAL_MEDIA_USB) {
        v.push(MediaSlot::Usb);
    }
    v
}

fn manager_body(c: &Card) -> Value {
    let id = &c.id;
    let mut v = json!({
        "@odata.id": format!("/redfish/v1/Managers/{id}"),
        "@odata.type": odata_type("Manager"),
        "Id": id,
        "Name": format!("BMC of {} {}", c.info.model, c.info.serial),
        "ManagerType": "BMC",
        "Manufacturer": c.info.manufacturer,
        "Model": c.info.model,
        "SerialNumber": c.info.serial,
        "PartNumber": c.info.part_number,
        "FirmwareVersion": c.info.firmware_version,
        "Status": status(c),
        "EthernetInterfaces": { "@odata.id": format!("/redfish/v1/Managers/{id}/EthernetInterfaces") },
        "VirtualMedia": { "@odata.id": format!("/redfish/v1/Managers/{id}/VirtualMedia") },
        "LogServices": { "@odata.id": format!("/redfish/v1/Managers/{id}/LogServices") },
        "Links": {
            "ManagerForServers": [{ "@odata.id": format!("/redfish/v1/Systems/{id}") }],
            "ManagerForChassis": [{ "@odata.id": format!("/redfish/v1/Chassis/{id}") }]
        }
    });
    if let Some(uuid) = c.manager_uuid() {
        v["UUID"] = json!(uuid);
    }
    if c.bmc_network.is_some() {
        v["NetworkProtocol"] =
            json!({ "@odata.id": format!("/redfish/v1/Managers/{id}/NetworkProtocol") });
    }
    if c.has(capability::MANAGER_RESET) {
        let mut reset = json!({
            "target": format!("/redfish/v1/Managers/{id}/Actions/Manager.Reset")
        });
        let mask = c.allowable.map(|a| a.manager_reset_types);
        if let Some(types) = super::systems::card_accepts(super::systems::RESETS, mask) {
            reset["ResetType@Redfish.AllowableValues"] = json!(types);
        }
        v["Actions"] = json!({ "#Manager.Reset": reset });
    }
    v
}

async fn card(state: &Shared, id: &str) -> RfResult<std::sync::Arc<Card>> {
    super::card(state, id, "Manager").await
}

async fn list(State(state): State<Shared>, Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(super::card_collection(
        &state,
        "/redfish/v1/Managers",
        "ManagerCollection",
        "Manager Collection",
    ))
}

async fn manager(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = card(&state, &id).await?;
    Ok(super::cached_resource(
        &state,
        &format!("/redfish/v1/Managers/{id}"),
        card.generation,
        "GET",
        || manager_body(&card),
    ))
}

fn mac_str(m: &[u8; 6]) -> String {
    m.map(|b| format!("{b:02X}")).join(":")
}

fn netmask(prefix: u8) -> String {
    let m = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    };
    std::net::Ipv4Addr::from(m).to_string()
}

/// How many EthernetInterfaces the card BMC shows: one per MAC of its network
/// identity, at least the one its network settings (OEM 1.3) describe.
fn interface_count(c: &Card) -> usize {
    let macs = c.network.as_ref().map_or(0, |n| n.macs.len());
    macs.max(usize::from(c.bmc_network.is_some()))
}

/// Whether interface `n` takes a PATCH: the first, of a card that lets its BMC's
/// network settings change (OEM 1.3).
fn interface_writable(c: &Card, n: usize) -> bool {
    n == 0 && c.has(capability::MANAGER_NETWORK_SET) && c.bmc_network.is_some()
}

fn interface_body(c: &Card, n: usize) -> Option<Value> {
    if n >= interface_count(c) {
        return None;
    }
    let id = &c.id;
    let mut v = json!({
        "@odata.id": format!("/redfish/v1/Managers/{id}/EthernetInterfaces/{n}"),
        "@odata.type": odata_type("EthernetInterface"),
        "Id": n.to_string(),
        "Name": format!("Card BMC interface {n}"),
        "InterfaceEnabled": true,
        "Status": status(c)
    });
    let mac = c.network.as_ref().and_then(|net| net.macs.get(n)).copied();
    match (n, c.bmc_network.as_ref()) {
        // The first interface as the card BMC's network settings describe it.
        (0, Some(b)) => {
            let mac = Some(b.mac).filter(|m| *m != [0; 6]).or(mac);
            if let Some(m) = mac {
                v["MACAddress"] = json!(mac_str(&m));
                v["PermanentMACAddress"] = json!(mac_str(&m));
            }
            v["InterfaceEnabled"] = json!(b.enabled);
            v["LinkStatus"] = json!(if b.link_up { "LinkUp" } else { "LinkDown" });
            if b.speed_mbps != 0 {
                v["SpeedMbps"] = json!(b.speed_mbps);
            }
            if !b.host_name.is_empty() {
                v["HostName"] = json!(b.host_name);
            }
            if let Some(fqdn) = b.fqdn() {
                v["FQDN"] = json!(fqdn);
            }
            v["DHCPv4"] = json!({ "DHCPEnabled": b.dhcpv4 });
            v["IPv4Addresses"] = b.ipv4.iter().map(ipv4_body).collect();
            v["IPv4StaticAddresses"] = b
                .ipv4
                .iter()
                .filter(|a| a.origin == Ipv4Origin::Static)
                .map(ipv4_static)
                .collect();
            v["IPv6Addresses"] = b.ipv6.iter().map(ipv6_body).collect();
            v["NameServers"] = json!(b.name_servers);
        }
        // The identity alone (GetNetworkIdentity): addresses belong to the first
        // interface; further MACs carry none.
        _ => {
            let net = c.network.as_ref()?;
            let m = mac?;
            v["MACAddress"] = json!(mac_str(&m));
            v["PermanentMACAddress"] = json!(mac_str(&m));
            v["HostName"] = json!(net.host_name);
            let (v4, v6): (Vec<Value>, Vec<Value>) = if n == 0 {
                (
                    net.ipv4.iter().map(|(a, p)| json!({ "Address": std::net::Ipv4Addr::from(*a).to_string(), "SubnetMask": netmask(*p), "AddressOrigin": "Static" })).collect(),
                    net.ipv6.iter().map(|(a, p)| json!({ "Address": std::net::Ipv6Addr::from(*a).to_string(), "PrefixLength": p, "AddressOrigin": "Static" })).collect(),
                )
            } else {
                (vec![], vec![])
            };
            v["IPv4Addresses"] = json!(v4);
            v["IPv6Addresses"] = json!(v6);
        }
    }
    Some(v)
}

/// An address as `IPv4StaticAddresses` shows it: address, mask, gateway if any.
fn ipv4_static(a: &Ipv4Address) -> Value {
    let mut v = json!({
        "Address": std::net::Ipv4Addr::from(a.address).to_string(),
        "SubnetMask": netmask(a.prefix),
    });
    if a.gateway != [0; 4] {
        v["Gateway"] = json!(std::net::Ipv4Addr::from(a.gateway).to_string());
    }
    v
}

/// An address as `IPv4Addresses` shows it: the static form and its origin if known.
fn ipv4_body(a: &Ipv4Address) -> Value {
    let mut v = ipv4_static(a);
    if let Some(o) = a.origin.redfish_name() {
        v["AddressOrigin"] = json!(o);
    }
    v
}

fn ipv6_body(a: &Ipv6Address) -> Value {
    let mut v = json!({
        "Address": std::net::Ipv6Addr::from(a.address).to_string(),
        "PrefixLength": a.prefix,
    });
    if let Some(o) = a.origin.redfish_name() {
        v["AddressOrigin"] = json!(o);
    }
    if let Some(st) = a.state.redfish_name() {
        v["AddressState"] = json!(st);
    }
    v
}

async fn interfaces(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = card(&state, &id).await?;
    let n = interface_count(&card);
    let members = (0..n).map(|i| format!("/redfish/v1/Managers/{id}/EthernetInterfaces/{i}"));
    Ok(resource(
        collection(
            &format!("/redfish/v1/Managers/{id}/EthernetInterfaces"),
            "EthernetInterfaceCollection",
            "Ethernet Interface Collection",
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
    let card = card(&state, &id).await?;
    let (i, body) = interface_of(&card, &n)?;
    Ok(resource(
        body,
        if interface_writable(&card, i) {
            "GET, PATCH"
        } else {
            "GET"
        },
    ))
}

fn interface_of(card: &Card, n: &str) -> RfResult<(usize, Value)> {
    n.parse::<usize>()
        .ok()
        .and_then(|i| Some((i, interface_body(card, i)?)))
        .ok_or_else(|| RedfishError::not_found("EthernetInterface", n))
}

/// The writable properties of the card BMC's interface and the update each makes.
const INTERFACE_WRITABLE: &[&str] = &[
    "HostName",
    "FQDN",
    "StaticNameServers",
    "DHCPv4",
    "IPv4StaticAddresses",
];
const INTERFACE_READ_ONLY: &[&str] = &[
    "Id",
    "Name",
    "MACAddress",
    "PermanentMACAddress",
    "InterfaceEnabled",
    "LinkStatus",
    "SpeedMbps",
    "IPv4Addresses",
    "IPv6Addresses",
    "NameServers",
    "Status",
];

/// The Redfish property an OEM.md §4.21 field is shown as (for error messages).
fn interface_property(detail: &str) -> &'static str {
    match detail.split(':').next().unwrap_or_default() {
        "host_name" => "HostName",
        "domain_name" => "FQDN",
        "name_servers" => "StaticNameServers",
        "ipv4" => "IPv4StaticAddresses",
        _ => "EthernetInterface",
    }
}

fn string_of<'a>(body: &'a Map<String, Value>, key: &str) -> RfResult<Option<&'a str>> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(RedfishError::value_type(key, &v.to_string())),
    }
}

/// A dotted subnet mask's prefix length; `None` for a mask that is not contiguous.
fn prefix_of(mask: &str) -> Option<u8> {
    let m = u32::from(mask.parse::<std::net::Ipv4Addr>().ok()?);
    let n = m.leading_ones();
    (m.checked_shl(n).unwrap_or(0) == 0 && n > 0).then_some(n as u8)
}

/// The update a PATCH of the card BMC's interface asks for (OEM.md §4.21), checked.
fn network_update(
    body: &Map<String, Value>,
    current: &ManagerNetwork,
) -> RfResult<ManagerNetworkUpdate> {
    super::sessions::patch_keys(body, INTERFACE_WRITABLE, INTERFACE_READ_ONLY)?;
    let mut u = ManagerNetworkUpdate {
        host_name: string_of(body, "HostName")?.map(str::to_string),
        ..Default::default()
    };
    if let Some(fqdn) = string_of(body, "FQDN")? {
        let (host, domain) = fqdn.split_once('.').unwrap_or((fqdn, ""));
        if u.host_name.as_deref().is_some_and(|h| h != host) {
            return Err(RedfishError::value_conflict("FQDN", "HostName"));
        }
        u.host_name = Some(host.to_string());
        u.domain_name = Some(domain.to_string());
    }
    if let Some(v) = body.get("StaticNameServers") {
        let list = v
            .as_array()
            .and_then(|a| {
                a.iter()
                    .map(|s| s.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| RedfishError::value_type("StaticNameServers", &v.to_string()))?;
        u.name_servers = Some(list);
    }
    if let Some(v) = body.get("DHCPv4") {
        let Some(obj) = v.as_object() else {
            return Err(RedfishError::value_type("DHCPv4", &v.to_string()));
        };
        if let Some(k) = obj.keys().find(|k| *k != "DHCPEnabled") {
            return Err(RedfishError::not_writable(&format!("DHCPv4/{k}")));
        }
        match obj.get("DHCPEnabled") {
            Some(Value::Bool(b)) => u.dhcpv4 = Some(*b),
            Some(other) => {
                return Err(RedfishError::value_type(
                    "DHCPv4/DHCPEnabled",
                    &other.to_string(),
                ));
            }
            None => {}
        }
    }
    if let Some(v) = body.get("IPv4StaticAddresses") {
        let Some(list) = v.as_array() else {
            return Err(RedfishError::value_type(
                "IPv4StaticAddresses",
                &v.to_string(),
            ));
        };
        let mut out = Vec::new();
        for (i, a) in list.iter().enumerate() {
            let prop = format!("IPv4StaticAddresses/{i}");
            let Some(obj) = a.as_object() else {
                return Err(RedfishError::value_type(&prop, &a.to_string()));
            };
            if let Some(k) = obj
                .keys()
                .find(|k| !["Address", "SubnetMask", "Gateway"].contains(&k.as_str()))
            {
                return Err(RedfishError::property_unknown(&format!("{prop}/{k}")));
            }
            let field = |k: &str| -> RfResult<Option<&str>> {
                string_of(obj, k).map_err(|_| {
                    RedfishError::value_type(&format!("{prop}/{k}"), &obj[k].to_string())
                })
            };
            let address = field("Address")?
                .ok_or_else(|| RedfishError::property_missing(&format!("{prop}/Address")))?;
            let mask = field("SubnetMask")?
                .ok_or_else(|| RedfishError::property_missing(&format!("{prop}/SubnetMask")))?;
            let address = address
                .parse::<std::net::Ipv4Addr>()
                .map_err(|_| RedfishError::value_format(&format!("{prop}/Address"), address))?;
            let prefix = prefix_of(mask)
                .ok_or_else(|| RedfishError::value_format(&format!("{prop}/SubnetMask"), mask))?;
            let gateway = match field("Gateway")? {
                None | Some("") => [0; 4],
                Some(g) => g
                    .parse::<std::net::Ipv4Addr>()
                    .map_err(|_| RedfishError::value_format(&format!("{prop}/Gateway"), g))?
                    .octets(),
            };
            out.push(StaticIpv4 {
                address: address.octets(),
                prefix,
                gateway,
            });
        }
        u.static_ipv4 = Some(out);
    }
    // Static addresses with DHCPv4 left on would be overridden: turning DHCPv4 off is
    // part of asking for them, as bmcweb does.
    if u.static_ipv4.is_some() && u.dhcpv4.is_none() && current.dhcpv4 {
        u.dhcpv4 = Some(false);
    }
    u.check().map_err(|why| {
        let prop = interface_property(&why);
        let value = body.get(prop).map_or_else(String::new, |v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        RedfishError::value_format(prop, &value).with_summary(why)
    })?;
    Ok(u)
}

/// PATCH of the card BMC's first interface: host name, FQDN, static name servers,
/// DHCPv4 and static IPv4 addresses go to the card (OEM SetManagerNetwork); the
/// answer, once the card stored them, is the interface read back.
async fn patch_interface(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureManager)?;
    let card = card(&state, &id).await?;
    let (i, current) = interface_of(&card, &n)?;
    if !interface_writable(&card, i) {
        return Err(RedfishError::method_not_allowed("GET"));
    }
    super::check_if_match(&headers, &current)?;
    let Some(net) = card.bmc_network.as_ref() else {
        return Err(RedfishError::method_not_allowed("GET"));
    };
    let u = network_update(&body, net)?;
    if !u.is_empty() {
        state.cards.set_manager_network(&id, u).await.map_err(|e| {
            let detail = match &e {
                crate::cards::CardError::Refused { detail, .. } => detail.as_str(),
                _ => "",
            };
            card_error(&e, Context::Patch(interface_property(detail), ""))
        })?;
    }
    let card = state
        .cards
        .card(&id)
        .map_err(|e| card_error(&e, Context::Read("Manager")))?;
    let (_, body) = interface_of(&card, &n)?;
    Ok(resource(body, "GET, PATCH"))
}

/// The card BMC's network services (OEM 1.3), `ManagerNetworkProtocol`.
fn network_protocol_body(c: &Card, net: &ManagerNetwork) -> Value {
    let id = &c.id;
    let mut v = json!({
        "@odata.id": format!("/redfish/v1/Managers/{id}/NetworkProtocol"),
        "@odata.type": odata_type("ManagerNetworkProtocol"),
        "Id": "NetworkProtocol",
        "Name": format!("Network services of the BMC of {id}"),
        "Status": status(c)
    });
    if !net.host_name.is_empty() {
        v["HostName"] = json!(net.host_name);
    }
    if let Some(fqdn) = net.fqdn() {
        v["FQDN"] = json!(fqdn);
    }
    for sv in &net.services {
        if let Some(name) = sv.service.redfish_name() {
            let mut p = json!({ "ProtocolEnabled": sv.enabled });
            if sv.port != 0 {
                p["Port"] = json!(sv.port);
            }
            v[name] = p;
        }
    }
    v
}

async fn network_protocol(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = card(&state, &id).await?;
    let net = card
        .bmc_network
        .as_ref()
        .ok_or_else(|| RedfishError::not_found("ManagerNetworkProtocol", "NetworkProtocol"))?;
    Ok(resource(network_protocol_body(&card, net), "GET"))
}

/// The media types a slot takes: what the card says (OEM 1.1), else the slot's kind.
fn media_types(c: &Card, s: MediaSlot) -> Vec<&'static str> {
    const TYPES: &[(u8, &str)] = &[
        (media_type::CD, "CD"),
        (media_type::DVD, "DVD"),
        (media_type::FLOPPY, "Floppy"),
        (media_type::USB_STICK, "USBStick"),
    ];
    let mask = match (c.allowable, s) {
        (Some(a), MediaSlot::Usb) => a.media[1],
        (Some(a), _) => a.media[0],
        (None, MediaSlot::Usb) => media_type::USB_STICK,
        (None, _) => media_type::CD | media_type::DVD,
    };
    TYPES
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, n)| *n)
        .collect()
}

fn media_body(c: &Card, s: MediaSlot) -> Value {
    let id = &c.id;
    let name = slot_name(s);
    let m = c.media(s);
    let inserted =
        m.is_some_and(|m| matches!(m.state, MediaState::Inserted | MediaState::Inserting));
    let image = m.map(|m| m.image.clone()).filter(|i| !i.is_empty());
    let mut v = json!({
        "@odata.id": format!("/redfish/v1/Managers/{id}/VirtualMedia/{name}"),
        "@odata.type": odata_type("VirtualMedia"),
        "Id": name,
        "Name": format!("Virtual {name}"),
        "MediaTypes": media_types(c, s),
        "Image": image,
        "ImageName": image.as_ref().and_then(|i| i.rsplit('/').next().map(str::to_string)),
        "Inserted": inserted,
        "WriteProtected": m.is_none_or(|m| m.write_protected),
        "ConnectedVia": if inserted { "URI" } else { "NotConnected" },
        "Status": if c.online && m.is_some_and(|m| m.state == MediaState::Failed) { json!({ "State": "Enabled", "Health": "Warning" }) } else { status(c) },
        "Actions": {
            "#VirtualMedia.InsertMedia": {
                "target": format!("/redfish/v1/Managers/{id}/VirtualMedia/{name}/Actions/VirtualMedia.InsertMedia"),
                "TransferProtocolType@Redfish.AllowableValues": ["HTTP", "HTTPS"]
            },
            "#VirtualMedia.EjectMedia": {
                "target": format!("/redfish/v1/Managers/{id}/VirtualMedia/{name}/Actions/VirtualMedia.EjectMedia")
            }
        }
    });
    if let Some(p) = m
        .and_then(|m| PROTOCOLS.iter().find(|(t, _)| *t == m.protocol))
        .map(|(_, n)| *n)
    {
        v["TransferProtocolType"] = json!(p);
    }
    v
}

async fn media_list(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = card(&state, &id).await?;
    let members = slots(&card).into_iter().map(|s| media_uri(&id, s));
    Ok(resource(
        collection(
            &format!("/redfish/v1/Managers/{id}/VirtualMedia"),
            "VirtualMediaCollection",
            "Virtual Media Collection",
            members,
        ),
        "GET",
    ))
}

async fn media_slot(
    state: &Shared,
    id: &str,
    name: &str,
) -> RfResult<(std::sync::Arc<Card>, MediaSlot)> {
    let card = card(state, id).await?;
    let s = slot_of(name)
        .filter(|s| slots(&card).contains(s))
        .ok_or_else(|| RedfishError::not_found("VirtualMedia", name))?;
    Ok((card, s))
}

async fn media(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (card, s) = media_slot(&state, &id, &name).await?;
    Ok(resource(media_body(&card, s), "GET, PATCH"))
}

/// The InsertMedia parameters, checked (`action` names the action in errors).
fn insert_params(body: &Map<String, Value>, s: MediaSlot, action: &str) -> RfResult<MediaInsert> {
    const KNOWN: &[&str] = &[
        "Image",
        "Inserted",
        "WriteProtected",
        "TransferProtocolType",
        "TransferMethod",
        "UserName",
        "Password",
    ];
    if let Some(k) = body.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(RedfishError::parameter_not_supported(k, action));
    }
    let text = |k: &str| -> RfResult<Option<String>> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(RedfishError::parameter_type(&v.to_string(), k, action)),
        }
    };
    let flag = |k: &str| -> RfResult<Option<bool>> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(RedfishError::parameter_type(&v.to_string(), k, action)),
        }
    };
    let image = text("Image")?.ok_or_else(|| RedfishError::parameter_missing(action, "Image"))?;
    if image.is_empty() || image.len() > MAX_URI_LEN {
        return Err(RedfishError::parameter_format(&image, "Image", action));
    }
    if flag("Inserted")? == Some(false) {
        return Err(RedfishError::parameter_not_in_list(
            "false", "Inserted", action,
        ));
    }
    let protocol = match text("TransferProtocolType")? {
        None => TransferProtocol::FromUri,
        Some(p) => PROTOCOLS
            .iter()
            .find(|(_, n)| *n == p)
            .map(|(t, _)| *t)
            .ok_or_else(|| {
                RedfishError::parameter_not_in_list(&p, "TransferProtocolType", action)
            })?,
    };
    if let Some(m) = text("TransferMethod")? {
        if m != "Stream" {
            return Err(RedfishError::parameter_not_in_list(
                &m,
                "TransferMethod",
                action,
            ));
        }
    }
    Ok(MediaInsert {
        slot: s,
        write_protected: flag("WriteProtected")?.unwrap_or(true),
        protocol,
        image,
        username: text("UserName")?.unwrap_or_default(),
        password: text("Password")?.unwrap_or_default(),
    })
}

async fn insert(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let (_, s) = media_slot(&state, &id, &name).await?;
    let m = insert_params(&body, s, "VirtualMedia.InsertMedia")?;
    insert_media(&state, &id, m).await
}

/// Starts an insertion: 202 with its task, or 204 when the card finished at once.
async fn insert_media(state: &Shared, id: &str, m: MediaInsert) -> RfResult<Response> {
    let image = m.image.clone();
    let ctx = Context::Action("VirtualMedia.InsertMedia", "Image", &image);
    let task = state
        .cards
        .insert_media(id, m)
        .await
        .map_err(|e| card_error(&e, ctx))?;
    accepted(task, state)
}

async fn eject_media(state: &Shared, id: &str, s: MediaSlot) -> RfResult<Response> {
    let ctx = Context::Action("VirtualMedia.EjectMedia", "", "");
    state
        .cards
        .eject_media(id, s)
        .await
        .map_err(|e| card_error(&e, ctx))?;
    Ok(no_content())
}

async fn eject(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let (_, s) = media_slot(&state, &id, &name).await?;
    if let Some(k) = body.keys().next() {
        return Err(RedfishError::parameter_not_supported(
            k,
            "VirtualMedia.EjectMedia",
        ));
    }
    eject_media(&state, &id, s).await
}

/// PATCH of `Image` (older clients): a URI inserts, null ejects.
async fn patch(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let (card, s) = media_slot(&state, &id, &name).await?;
    super::check_if_match(&headers, &media_body(&card, s))?;
    super::sessions::patch_keys(
        &body,
        &[
            "Image",
            "Inserted",
            "WriteProtected",
            "TransferProtocolType",
            "UserName",
            "Password",
        ],
        &[
            "Id",
            "Name",
            "MediaTypes",
            "ImageName",
            "ConnectedVia",
            "Status",
            "Actions",
        ],
    )?;
    match body.get("Image") {
        Some(Value::Null) => eject_media(&state, &id, s).await,
        Some(_) => {
            let m = insert_params(&body, s, "VirtualMedia.InsertMedia")?;
            insert_media(&state, &id, m).await
        }
        None => Err(RedfishError::property_missing("Image")),
    }
}

/// `Manager.Reset`: the card BMC restarts (OEM ResetManager); 204 once it accepted.
async fn reset(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureManager)?;
    const ACTION: &str = "Manager.Reset";
    let card = card(&state, &id).await?;
    if !card.has(capability::MANAGER_RESET) {
        return Err(RedfishError::action_not_supported(ACTION));
    }
    // ResetType is optional for Manager.Reset; the default is a graceful restart.
    let mask = card.allowable.map(|a| a.manager_reset_types);
    let (t, s) = super::systems::reset_type(&body, ACTION, mask)?
        .unwrap_or((ResetType::GracefulRestart, "GracefulRestart"));
    state
        .cards
        .reset_manager(&id, t)
        .await
        .map_err(|e| card_error(&e, Context::Action(ACTION, "ResetType", s)))?;
    Ok(no_content())
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/redfish/v1/Managers", methods(get(list), "GET"))
        .route(
            "/redfish/v1/Managers/{id}/Actions/Manager.Reset",
            methods(post(reset), "POST"),
        )
        .route("/redfish/v1/Managers/{id}", methods(get(manager), "GET"))
        .route(
            "/redfish/v1/Managers/{id}/EthernetInterfaces",
            methods(get(interfaces), "GET"),
        )
        .route(
            "/redfish/v1/Managers/{id}/EthernetInterfaces/{n}",
            methods(get(interface).patch(patch_interface), "GET, PATCH"),
        )
        .route(
            "/redfish/v1/Managers/{id}/NetworkProtocol",
            methods(get(network_protocol), "GET"),
        )
        .route(
            "/redfish/v1/Managers/{id}/VirtualMedia",
            methods(get(media_list), "GET"),
        )
        .route(
            "/redfish/v1/Managers/{id}/VirtualMedia/{slot}",
            methods(get(media).patch(patch), "GET, PATCH"),
        )
        .route(
            "/redfish/v1/Managers/{id}/VirtualMedia/{slot}/Actions/VirtualMedia.InsertMedia",
            methods(post(insert), "POST"),
        )
        .route(
            "/redfish/v1/Managers/{id}/VirtualMedia/{slot}/Actions/VirtualMedia.EjectMedia",
            methods(post(eject), "POST"),
        )
}
