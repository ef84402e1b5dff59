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
    Card, MAX_URI_LEN, MediaInsert, MediaSlot, MediaState, ResetType, TransferProtocol, capability,
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
    if let Some(uuid) = c.uuid() {
        v["UUID"] = json!(uuid);
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

fn interface_body(c: &Card, n: usize) -> Option<Value> {
    let net = c.network.as_ref()?;
    let mac = net.macs.get(n)?;
    let id = &c.id;
    // Addresses belong to the first interface; further MACs carry none.
    let (v4, v6): (Vec<Value>, Vec<Value>) = if n == 0 {
        (
            net.ipv4.iter().map(|(a, p)| json!({ "Address": std::net::Ipv4Addr::from(*a).to_string(), "SubnetMask": netmask(*p), "AddressOrigin": "Static" })).collect(),
            net.ipv6.iter().map(|(a, p)| json!({ "Address": std::net::Ipv6Addr::from(*a).to_string(), "PrefixLength": p, "AddressOrigin": "Static" })).collect(),
        )
    } else {
        (vec![], vec![])
    };
    Some(json!({
        "@odata.id": format!("/redfish/v1/Managers/{id}/EthernetInterfaces/{n}"),
        "@odata.type": odata_type("EthernetInterface"),
        "Id": n.to_string(),
        "Name": format!("Card BMC interface {n}"),
        "MACAddress": mac_str(mac),
        "PermanentMACAddress": mac_str(mac),
        "HostName": net.host_name,
        "InterfaceEnabled": true,
        "IPv4Addresses": v4,
        "IPv6Addresses": v6,
        "Status": status(c)
    }))
}

async fn interfaces(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = card(&state, &id).await?;
    let n = card.network.as_ref().map_or(0, |n| n.macs.len());
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
    let body = n
        .parse::<usize>()
        .ok()
        .and_then(|i| interface_body(&card, i))
        .ok_or_else(|| RedfishError::not_found("EthernetInterface", &n))?;
    Ok(resource(body, "GET"))
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
            methods(get(interface), "GET"),
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
