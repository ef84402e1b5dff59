//! The host firmware's attributes (OEM GetBios and SetBiosSettings, `protocol/OEM.md`
//! §4.25–§4.26) as `Systems/{id}/Bios`, with its `@Redfish.Settings` settings object
//! (`Bios/Settings`, DSP0266 "Settings resource", applied `OnReset`) and
//! `#Bios.ResetBios`, which makes the card's defaults pending. The values a client
//! may write are the card's definitions: each attribute's type, enumeration values,
//! bounds, longest length and read-only flag.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::mapping::{Context, card_error};
use super::service::odata_type;
use super::{JsonBody, Shared, check_if_match, methods, no_content, resource};
use crate::cards::{Bios, BiosAttribute, BiosChange, BiosKind, BiosValue, Card, capability};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::sync::Arc;

const RESET_ACTION: &str = "Bios.ResetBios";

/// A value as JSON (also the agent's, writing a card service's Bios settings).
pub(crate) fn json_of(v: &BiosValue) -> Value {
    match v {
        BiosValue::Enumeration(s) | BiosValue::String(s) => json!(s),
        BiosValue::Integer(n) => json!(n),
        BiosValue::Boolean(b) => json!(b),
    }
}

/// The `Bios` link a ComputerSystem gains when its card reports its host firmware.
pub fn system_link(v: &mut Value, c: &Card) {
    if c.bios.is_some() {
        v["Bios"] = json!({ "@odata.id": format!("/redfish/v1/Systems/{}/Bios", c.id) });
    }
}

fn bios_of(state: &Shared, id: &str) -> RfResult<(Arc<Card>, Bios)> {
    let card = super::cached_card(state, id, "ComputerSystem")?;
    let bios = card
        .bios
        .clone()
        .ok_or_else(|| RedfishError::not_found("Bios", &format!("{id}/Bios")))?;
    Ok((card, bios))
}

fn settable(c: &Card) -> bool {
    c.has(capability::BIOS_SETTINGS)
}

fn bios_body(c: &Card, b: &Bios) -> Value {
    let base = format!("/redfish/v1/Systems/{}/Bios", c.id);
    let attrs: Map<String, Value> = b
        .attributes
        .iter()
        .map(|a| (a.name.clone(), json_of(&a.value)))
        .collect();
    let mut v = json!({
        "@odata.id": base,
        "@odata.type": odata_type("Bios"),
        "Id": "BIOS",
        "Name": format!("Host firmware attributes of {}", c.id),
        "Attributes": attrs
    });
    if !b.registry.is_empty() {
        v["AttributeRegistry"] = json!(b.registry);
    }
    if settable(c) {
        v["@Redfish.Settings"] = json!({
            "@odata.type": "#Settings.v1_3_5.Settings",
            "SettingsObject": { "@odata.id": format!("{base}/Settings") },
            "SupportedApplyTimes": ["OnReset"]
        });
        v["Actions"] = json!({
            "#Bios.ResetBios": { "target": format!("{base}/Actions/{RESET_ACTION}") }
        });
    }
    v
}

/// The settings object: the pending values.
fn settings_body(c: &Card, b: &Bios) -> Value {
    let attrs: Map<String, Value> = b
        .pending
        .iter()
        .filter_map(|(i, v)| Some((b.attributes.get(usize::from(*i))?.name.clone(), json_of(v))))
        .collect();
    json!({
        "@odata.id": format!("/redfish/v1/Systems/{}/Bios/Settings", c.id),
        "@odata.type": odata_type("Bios"),
        "Id": "Settings",
        "Name": format!("Pending host firmware attributes of {}", c.id),
        "Attributes": attrs
    })
}

async fn bios(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (card, b) = bios_of(&state, &id)?;
    Ok(resource(bios_body(&card, &b), "GET"))
}

async fn settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (card, b) = bios_of(&state, &id)?;
    if !settable(&card) {
        return Err(RedfishError::not_found(
            "Bios",
            &format!("{id}/Bios/Settings"),
        ));
    }
    Ok(resource(settings_body(&card, &b), "GET, PATCH"))
}

/// One attribute's new value from JSON, typed by the attribute's definition and
/// checked against it, with the Base message that names it.
fn change_of(a: &BiosAttribute, v: &Value) -> RfResult<BiosChange> {
    let prop = format!("Attributes/{}", a.name);
    let shown = v.to_string();
    if a.read_only {
        return Err(RedfishError::not_writable(&prop));
    }
    let value = match (&a.kind, v) {
        (BiosKind::Enumeration(_), Value::String(s)) => BiosValue::Enumeration(s.clone()),
        (BiosKind::String(_), Value::String(s)) => BiosValue::String(s.clone()),
        (BiosKind::Integer(..), Value::Number(n)) => match n.as_i64() {
            Some(n) => BiosValue::Integer(n),
            None => return Err(RedfishError::value_type(&prop, &shown)),
        },
        (BiosKind::Boolean, Value::Bool(b)) => BiosValue::Boolean(*b),
        _ => return Err(RedfishError::value_type(&prop, &shown)),
    };
    if a.admits(&value).is_err() {
        return Err(match &a.kind {
            BiosKind::Enumeration(_) => RedfishError::value_not_in_list(&prop, &shown),
            BiosKind::String(max) => {
                RedfishError::string_too_long(&prop, &shown, usize::from(*max))
            }
            _ => RedfishError::value_out_of_range(&prop, &shown),
        });
    }
    Ok(BiosChange {
        name: a.name.clone(),
        value,
    })
}

async fn patch_settings(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let (card, b) = bios_of(&state, &id)?;
    if !settable(&card) {
        return Err(RedfishError::not_found(
            "Bios",
            &format!("{id}/Bios/Settings"),
        ));
    }
    check_if_match(&headers, &settings_body(&card, &b))?;
    super::sessions::patch_keys(&body, &["Attributes"], &["Id", "Name", "AttributeRegistry"])?;
    let mut changes = Vec::new();
    if let Some(v) = body.get("Attributes") {
        let Some(attrs) = v.as_object() else {
            return Err(RedfishError::value_type("Attributes", &v.to_string()));
        };
        // Every refusal at once, as for any PATCH.
        let mut error: Option<RedfishError> = None;
        for (name, v) in attrs {
            let r = match b.attribute(name) {
                Some((_, a)) => change_of(a, v),
                None => Err(RedfishError::property_unknown(&format!(
                    "Attributes/{name}"
                ))),
            };
            match r {
                Ok(ch) => changes.push(ch),
                Err(e) => error = Some(error.map_or(e.clone(), |x| x.and(e))),
            }
        }
        if let Some(e) = error {
            return Err(e);
        }
    }
    if !changes.is_empty() {
        let (prop, value) = (
            format!("Attributes/{}", changes[0].name),
            json_of(&changes[0].value).to_string(),
        );
        state
            .cards
            .set_bios(&id, Some(changes))
            .await
            .map_err(|e| card_error(&e, Context::Patch(&prop, &value)))?;
    }
    let (card, b) = bios_of(&state, &id)?;
    Ok(resource(settings_body(&card, &b), "GET, PATCH"))
}

/// `Bios.ResetBios`: the card's defaults become pending, applied at the host's next
/// start; 204 once the card stored them.
async fn reset_bios(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let (card, _) = bios_of(&state, &id)?;
    if !settable(&card) {
        return Err(RedfishError::action_not_supported(RESET_ACTION));
    }
    if let Some(k) = body.keys().next() {
        return Err(RedfishError::parameter_not_supported(k, RESET_ACTION));
    }
    state
        .cards
        .set_bios(&id, None)
        .await
        .map_err(|e| card_error(&e, Context::Action(RESET_ACTION, "", "")))?;
    Ok(no_content())
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/redfish/v1/Systems/{id}/Bios", methods(get(bios), "GET"))
        .route(
            "/redfish/v1/Systems/{id}/Bios/Settings",
            methods(get(settings).patch(patch_settings), "GET, PATCH"),
        )
        .route(
            &format!("/redfish/v1/Systems/{{id}}/Bios/Actions/{RESET_ACTION}"),
            methods(post(reset_bios), "POST"),
        )
}
