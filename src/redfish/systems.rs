//! `Systems`: one ComputerSystem per DPU (its host), PATCH of the boot override and
//! the Reset action.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::mapping::{Context, card_error, task_uri};
use super::names::{ENABLED, LEDS, MODES, WATCHDOG_ACTIONS, name, progress_name, value};
pub use super::names::{RESETS, TARGETS, power_name, reset_name};
use super::service::odata_type;
use super::sessions::patch_keys;
use super::{JsonBody, Shared, check_if_match, methods, no_content, resource};
use crate::cards::Card;
use crate::cards::{
    AllowableValues, BootOverride, BootTarget, CardError, IndicatorLed, MAX_ASSET_TAG_LEN,
    ResetType, SystemSettingsUpdate, capability,
};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

/// The names of a table's values the card accepts (`mask`: bit n = code n), or
/// `None` for a card that does not say (OEM set 1.0): then no AllowableValues are
/// shown and the card decides.
pub(super) fn card_accepts<T: Copy + Into<u8>>(
    table: &[(T, &'static str)],
    mask: Option<u32>,
) -> Option<Vec<&'static str>> {
    let mask = mask?;
    Some(
        table
            .iter()
            .filter(|(t, _)| AllowableValues::has(mask, (*t).into()))
            .map(|(_, n)| *n)
            .collect(),
    )
}

/// Whether the card accepts `v` (always, for a card that does not say).
fn takes<T: Into<u8>>(mask: Option<u32>, v: T) -> bool {
    mask.is_none_or(|m| AllowableValues::has(m, v.into()))
}

/// `Status` of a card: UnavailableOffline/Critical when it does not answer,
/// Enabled/Critical when it failed SPDM authentication (the reason is on its
/// ComponentIntegrity resource, its event and its log entry).
pub fn status(card: &Card) -> Value {
    if card.online && card.untrusted.is_some() {
        json!({ "State": "Enabled", "Health": "Critical" })
    } else if card.online {
        json!({ "State": "Enabled", "Health": "OK" })
    } else {
        json!({ "State": "UnavailableOffline", "Health": "Critical" })
    }
}

/// The ComputerSystem body.
pub fn system_body(c: &Card) -> Value {
    let id = &c.id;
    let mut v = json!({
        "@odata.id": format!("/redfish/v1/Systems/{id}"),
        "@odata.type": odata_type("ComputerSystem"),
        "Id": id,
        "Name": match c.package() {
            Some(p) => format!("{} {} (NC-SI package {p})", c.info.manufacturer, c.info.model),
            None => format!("{} {} (card BMC over MCTP)", c.info.manufacturer, c.info.model),
        }.trim().to_string(),
        "SystemType": "DPU",
        "Manufacturer": c.info.manufacturer,
        "Model": c.info.model,
        "SerialNumber": c.info.serial,
        "PartNumber": c.info.part_number,
        "Status": status(c),
        "Actions": {
            "#ComputerSystem.Reset": {
                "target": format!("/redfish/v1/Systems/{id}/Actions/ComputerSystem.Reset")
            }
        },
        "Links": {
            "ManagedBy": [{ "@odata.id": format!("/redfish/v1/Managers/{id}") }],
            "Chassis": [{ "@odata.id": format!("/redfish/v1/Chassis/{id}") }]
        }
    });
    let a = c.allowable;
    if let Some(resets) = card_accepts(RESETS, a.map(|a| a.reset_types)) {
        v["Actions"]["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"] = json!(resets);
    }
    // A card that does not answer shows no state rather than stale state.
    if c.online {
        if let Some(p) = c.power.and_then(power_name) {
            v["PowerState"] = json!(p);
        }
        if let Some(b) = &c.boot {
            let mut boot = json!({
                "BootSourceOverrideTarget": name(TARGETS, b.target).unwrap_or("None"),
                "BootSourceOverrideEnabled": name(ENABLED, b.enabled).unwrap_or("Disabled"),
                "BootSourceOverrideMode": name(MODES, b.mode).unwrap_or("UEFI"),
                "HttpBootUri": if b.uri.is_empty() { Value::Null } else { json!(b.uri) }
            });
            for (key, values) in [
                (
                    "BootSourceOverrideTarget",
                    card_accepts(TARGETS, a.map(|a| a.boot_targets)),
                ),
                (
                    "BootSourceOverrideEnabled",
                    card_accepts(ENABLED, a.map(|a| a.boot_enabled.into())),
                ),
                (
                    "BootSourceOverrideMode",
                    card_accepts(MODES, a.map(|a| a.boot_modes.into())),
                ),
            ] {
                if let Some(values) = values {
                    boot[format!("{key}@Redfish.AllowableValues")] = json!(values);
                }
            }
            v["Boot"] = boot;
        }
        if let Some(s) = &c.settings {
            v["AssetTag"] = json!(s.asset_tag);
            v["IndicatorLED"] = json!(name(LEDS, s.indicator).unwrap_or("Off"));
            v["LocationIndicatorActive"] = json!(s.indicator != IndicatorLed::Off);
            let mut wd = json!({
                "FunctionEnabled": s.watchdog.enabled,
                "TimeoutAction": name(WATCHDOG_ACTIONS, s.watchdog.action).unwrap_or("None"),
                "Status": { "State": if s.watchdog.enabled { "Enabled" } else { "Disabled" } }
            });
            if let Some(actions) =
                card_accepts(WATCHDOG_ACTIONS, a.map(|a| a.watchdog_actions.into()))
            {
                wd["TimeoutAction@Redfish.AllowableValues"] = json!(actions);
            }
            v["HostWatchdogTimer"] = wd;
            if s.uuid != [0; 16] {
                v["UUID"] = json!(sidebridge_protocol::text::uuid(&s.uuid));
            }
        }
        if let Some(p) = c.progress {
            v["BootProgress"] = json!({ "LastState": progress_name(p) });
        }
    }
    // The host as the card BMC knows it (`host.rs`), kept while the card is away.
    if let Some(h) = &c.host {
        super::host::system_links(&mut v, id, h);
    }
    super::bios::system_link(&mut v, c);
    v
}

async fn list(State(state): State<Shared>, Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(super::card_collection(
        &state,
        "/redfish/v1/Systems",
        "ComputerSystemCollection",
        "Computer System Collection",
    ))
}

async fn card(state: &Shared, id: &str) -> RfResult<std::sync::Arc<Card>> {
    super::card(state, id, "ComputerSystem").await
}

async fn system(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = card(&state, &id).await?;
    Ok(super::cached_resource(
        &state,
        &format!("/redfish/v1/Systems/{id}"),
        card.generation,
        "GET, PATCH",
        || system_body(&card),
    ))
}

fn text<'a>(v: &'a Value, property: &str) -> RfResult<&'a str> {
    v.as_str()
        .ok_or_else(|| RedfishError::value_type(property, &v.to_string()))
}

/// Problems of a PATCH, each a property that will not be applied.
#[derive(Debug, Default)]
struct Refusals(Option<RedfishError>);

impl Refusals {
    fn add(&mut self, e: RedfishError) {
        self.0 = Some(match self.0.take() {
            Some(p) => p.and(e),
            None => e,
        });
    }

    fn take<T>(&mut self, r: RfResult<T>) -> Option<T> {
        r.map_err(|e| self.add(e)).ok()
    }
}

/// A table value by its Redfish name, refused when not in the table or not one the
/// card accepts.
fn pick<T: Copy + Into<u8>>(
    table: &[(T, &'static str)],
    mask: Option<u32>,
    v: &Value,
    property: &str,
) -> RfResult<T> {
    value(table, text(v, property)?)
        .filter(|t| takes(mask, *t))
        .ok_or_else(|| RedfishError::value_not_in_list(property, v.as_str().unwrap_or("")))
}

/// The boot override a PATCH's `Boot` object asks for. The override is one card
/// command, so it is applied whole or not at all; every refused property is named.
fn parse_boot(
    boot: &Map<String, Value>,
    current: &BootOverride,
    allowed: Option<&AllowableValues>,
) -> RfResult<BootOverride> {
    let mut o = current.clone();
    let mut errs = Refusals::default();
    for (k, v) in boot {
        let p = format!("Boot.{k}");
        let r: RfResult<()> = (|| {
            match k.as_str() {
                "BootSourceOverrideTarget" => {
                    o.target = pick(TARGETS, allowed.map(|a| a.boot_targets), v, &p)?
                }
                "BootSourceOverrideEnabled" => {
                    o.enabled = pick(ENABLED, allowed.map(|a| a.boot_enabled.into()), v, &p)?
                }
                "BootSourceOverrideMode" => {
                    o.mode = pick(MODES, allowed.map(|a| a.boot_modes.into()), v, &p)?
                }
                "HttpBootUri" => {
                    o.uri = if v.is_null() {
                        String::new()
                    } else {
                        text(v, &p)?.to_string()
                    }
                }
                // Not supported by the OEM set; null asks for nothing.
                "UefiTargetBootSourceOverride" if v.is_null() => {}
                "UefiTargetBootSourceOverride"
                | "BootOrder"
                | "AutomaticRetryConfig"
                | "BootNext"
                | "StopBootOnFault" => {
                    return Err(RedfishError::not_writable(&p));
                }
                k if k.ends_with("@Redfish.AllowableValues") || k == "BootOrder@odata.count" => {
                    return Err(RedfishError::not_writable(&p));
                }
                _ => return Err(RedfishError::property_unknown(&p)),
            }
            Ok(())
        })();
        errs.take(r);
    }
    if o.target != BootTarget::UefiHttp && !o.uri.is_empty() && boot.contains_key("HttpBootUri") {
        errs.add(RedfishError::value_not_in_list(
            "Boot.BootSourceOverrideTarget",
            name(TARGETS, o.target).unwrap_or(""),
        ));
    }
    if o.target != BootTarget::UefiHttp && !boot.contains_key("HttpBootUri") {
        o.uri.clear();
    }
    match errs.0 {
        Some(e) => Err(e),
        None => Ok(o),
    }
}

/// The system settings a PATCH asks for (AssetTag, IndicatorLED,
/// LocationIndicatorActive, HostWatchdogTimer); each refused property is named.
fn parse_settings(
    body: &Map<String, Value>,
    allowed: Option<&AllowableValues>,
    errs: &mut Refusals,
) -> SystemSettingsUpdate {
    let mut u = SystemSettingsUpdate::default();
    if let Some(v) = body.get("AssetTag") {
        u.asset_tag = errs.take(text(v, "AssetTag").and_then(|t| {
            if t.len() > MAX_ASSET_TAG_LEN {
                Err(RedfishError::string_too_long(
                    "AssetTag",
                    t,
                    MAX_ASSET_TAG_LEN,
                ))
            } else if t.chars().any(char::is_control) {
                Err(RedfishError::value_format(
                    "AssetTag",
                    &t.escape_default().to_string(),
                ))
            } else {
                Ok(t.to_string())
            }
        }));
    }
    let led = body
        .get("IndicatorLED")
        .and_then(|v| errs.take(pick(LEDS, None, v, "IndicatorLED")));
    let locate = body.get("LocationIndicatorActive").and_then(|v| {
        errs.take(
            v.as_bool()
                .ok_or_else(|| RedfishError::value_type("LocationIndicatorActive", &v.to_string())),
        )
    });
    u.indicator = match (led, locate) {
        (Some(l), Some(on)) if (l != IndicatorLed::Off) != on => {
            errs.add(RedfishError::value_conflict(
                "IndicatorLED",
                "LocationIndicatorActive",
            ));
            None
        }
        (Some(l), _) => Some(l),
        (None, Some(true)) => Some(IndicatorLed::Blinking),
        (None, Some(false)) => Some(IndicatorLed::Off),
        (None, None) => None,
    };
    match body.get("HostWatchdogTimer") {
        None => {}
        Some(Value::Object(wd)) => {
            for (k, v) in wd {
                let p = format!("HostWatchdogTimer.{k}");
                match k.as_str() {
                    "FunctionEnabled" => {
                        u.watchdog_enabled = errs.take(
                            v.as_bool()
                                .ok_or_else(|| RedfishError::value_type(&p, &v.to_string())),
                        )
                    }
                    "TimeoutAction" => {
                        let mask = allowed.map(|a| a.watchdog_actions.into());
                        u.watchdog_action = errs.take(pick(WATCHDOG_ACTIONS, mask, v, &p))
                    }
                    "Status" | "TimeoutAction@Redfish.AllowableValues" => {
                        errs.add(RedfishError::not_writable(&p))
                    }
                    _ => errs.add(RedfishError::property_unknown(&p)),
                }
            }
        }
        Some(v) => errs.add(RedfishError::value_type(
            "HostWatchdogTimer",
            &v.to_string(),
        )),
    }
    u
}

/// Properties a ComputerSystem PATCH may carry, and those it shows read-only.
const WRITABLE: &[&str] = &[
    "Boot",
    "AssetTag",
    "IndicatorLED",
    "LocationIndicatorActive",
    "HostWatchdogTimer",
];
const READ_ONLY: &[&str] = &[
    "Id",
    "Name",
    "SystemType",
    "Manufacturer",
    "Model",
    "SerialNumber",
    "PartNumber",
    "Status",
    "PowerState",
    "BootProgress",
    "Actions",
    "Links",
    "UUID",
    "HostName",
    "BiosVersion",
];

/// PATCH of a ComputerSystem, per DSP0266 "Update (PATCH)": the properties that can
/// be applied are applied; when some cannot be (unknown, read-only, a value the card
/// does not accept, the card refusing), the answer is 200 with the resource and an
/// `@Message.ExtendedInfo` naming each of them; when none can be, 400 (or the card's
/// failure) with every message at once. Settings a card lacks (OEM set 1.0) are
/// refused as not writable.
async fn patch(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let card = card(&state, &id).await?;
    check_if_match(&headers, &system_body(&card))?;
    let mut errs = Refusals::default();
    errs.take(patch_keys(&body, WRITABLE, READ_ONLY));
    let allowed = card.allowable.as_ref();
    let offline = || {
        let e = CardError::Unreachable {
            card: id.clone(),
            reason: "it is offline".into(),
        };
        card_error(&e, Context::Patch("Boot", ""))
    };
    // The boot override, checked.
    let boot = match body.get("Boot") {
        None => None,
        Some(Value::Object(boot)) if !card.online => {
            let _ = boot;
            return Err(offline());
        }
        Some(Value::Object(boot)) => match card.boot.as_ref() {
            None => {
                let e = CardError::NotReady {
                    card: id.clone(),
                    what: "boot override",
                };
                return Err(card_error(&e, Context::Patch("Boot", "")));
            }
            Some(current) => errs
                .take(parse_boot(boot, current, allowed))
                .map(|o| (o, boot)),
        },
        Some(v) => {
            errs.add(RedfishError::value_type("Boot", &v.to_string()));
            None
        }
    };
    // The system settings, checked.
    let wants_settings = [
        "AssetTag",
        "IndicatorLED",
        "LocationIndicatorActive",
        "HostWatchdogTimer",
    ]
    .iter()
    .any(|k| body.contains_key(*k));
    let settings = if !wants_settings {
        None
    } else if !card.has(capability::SYSTEM_SETTINGS) {
        for k in [
            "AssetTag",
            "IndicatorLED",
            "LocationIndicatorActive",
            "HostWatchdogTimer",
        ] {
            if body.contains_key(k) {
                errs.add(RedfishError::not_writable(k));
            }
        }
        None
    } else if !card.online {
        return Err(offline());
    } else {
        let u = parse_settings(&body, allowed, &mut errs);
        (u != SystemSettingsUpdate::default()).then_some(u)
    };
    // Apply what can be applied; a card refusal becomes one more refused property.
    let mut applied = 0;
    let mut failure: Option<RedfishError> = None;
    if let Some((wanted, boot)) = boot {
        match state.cards.set_boot(&id, wanted).await {
            Ok(()) => applied += 1,
            Err(e) => {
                let (prop, val) = refused_boot_property(&e, boot);
                failure = Some(card_error(&e, Context::Patch(&prop, &val)));
            }
        }
    }
    if let Some(u) = settings {
        match state.cards.set_system_settings(&id, u).await {
            Ok(()) => applied += 1,
            Err(e) => {
                let (prop, val) = refused_settings_property(&e, &body);
                let e = card_error(&e, Context::Patch(&prop, &val));
                failure = Some(match failure.take() {
                    Some(f) => f.and(e),
                    None => e,
                });
            }
        }
    }
    if let Some(f) = failure {
        if applied == 0 {
            return Err(match errs.0 {
                Some(e) => f.and(e),
                None => f,
            });
        }
        errs.add(f);
    }
    let card = super::cached_card(&state, &id, "ComputerSystem")?;
    let mut v = system_body(&card);
    match errs.0 {
        // Nothing applicable: 400 with every message.
        Some(e) if applied == 0 => Err(e),
        Some(e) => {
            v["@Message.ExtendedInfo"] =
                Value::Array(e.messages.iter().map(|m| m.to_json()).collect());
            Ok(resource(v, "GET, PATCH"))
        }
        None => Ok(resource(v, "GET, PATCH")),
    }
}

/// The Boot property a card refusal is about: OEM.md §4.3 has the card start its
/// detail with the field (`target:`, `enabled:`, `mode:`, `uri:`).
fn refused_boot_property(e: &CardError, boot: &Map<String, Value>) -> (String, String) {
    let field = match e {
        CardError::Refused { detail, .. } => detail.split(':').next().unwrap_or(""),
        _ => "",
    };
    let key = match field {
        "target" => "BootSourceOverrideTarget",
        "enabled" => "BootSourceOverrideEnabled",
        "mode" => "BootSourceOverrideMode",
        "uri" => "HttpBootUri",
        _ => boot
            .keys()
            .find(|k| k.as_str() == "BootSourceOverrideTarget")
            .or_else(|| boot.keys().next())
            .map_or("BootSourceOverrideTarget", String::as_str),
    };
    let value = boot
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    (format!("Boot.{key}"), value)
}

/// The settings property a card refusal is about (OEM.md §4.16: the detail starts
/// with the field).
fn refused_settings_property(e: &CardError, body: &Map<String, Value>) -> (String, String) {
    let field = match e {
        CardError::Refused { detail, .. } => detail.split(':').next().unwrap_or(""),
        _ => "",
    };
    let key = match field {
        "asset_tag" => "AssetTag",
        "indicator" if body.contains_key("IndicatorLED") => "IndicatorLED",
        "indicator" => "LocationIndicatorActive",
        "watchdog_enabled" => "HostWatchdogTimer.FunctionEnabled",
        "watchdog_action" => "HostWatchdogTimer.TimeoutAction",
        _ => "AssetTag",
    };
    let value = body
        .get(key.split('.').next().unwrap_or(key))
        .map(|v| match v {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        })
        .unwrap_or_default();
    (key.to_string(), value)
}

/// A 202 with the Task, or 204 when the card finished at once.
pub fn accepted(task: Option<u64>, state: &Shared) -> RfResult<Response> {
    let Some(task) = task else {
        return Ok(no_content());
    };
    let t = state
        .cards
        .task(task)
        .map_err(|e| card_error(&e, Context::Read("Task")))?;
    let mut r = (
        StatusCode::ACCEPTED,
        axum::Json(super::tasks::task_body(&t)),
    )
        .into_response();
    let loc = task_uri(task);
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&loc).map_err(|_| RedfishError::internal())?,
    );
    r.headers_mut().insert(
        super::protocol::ODATA_VERSION,
        HeaderValue::from_static("4.0"),
    );
    Ok(r)
}

async fn reset(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    const ACTION: &str = "ComputerSystem.Reset";
    let card = super::cached_card(&state, &id, "ComputerSystem")?;
    let mask = card.allowable.map(|a| a.reset_types);
    let (t, s) = reset_type(&body, ACTION, mask)?
        .ok_or_else(|| RedfishError::parameter_missing(ACTION, "ResetType"))?;
    let task = state
        .cards
        .reset(&id, t)
        .await
        .map_err(|e| card_error(&e, Context::Action(ACTION, "ResetType", s)))?;
    accepted(task, &state)
}

/// The `ResetType` parameter of a reset action (`None` when absent): one of the
/// Redfish reset types the card accepts (`mask`), and the only parameter.
pub(super) fn reset_type<'a>(
    body: &'a Map<String, Value>,
    action: &str,
    mask: Option<u32>,
) -> RfResult<Option<(ResetType, &'a str)>> {
    if let Some(k) = body.keys().find(|k| k.as_str() != "ResetType") {
        return Err(RedfishError::parameter_not_supported(k, action));
    }
    let Some(v) = body.get("ResetType") else {
        return Ok(None);
    };
    let s = v
        .as_str()
        .ok_or_else(|| RedfishError::parameter_type(&v.to_string(), "ResetType", action))?;
    let t = value(RESETS, s)
        .filter(|t| takes(mask, *t))
        .ok_or_else(|| RedfishError::parameter_not_in_list(s, "ResetType", action))?;
    Ok(Some((t, s)))
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/redfish/v1/Systems", methods(get(list), "GET"))
        .route(
            "/redfish/v1/Systems/{id}",
            methods(get(system).patch(patch), "GET, PATCH"),
        )
        .route(
            "/redfish/v1/Systems/{id}/Actions/ComputerSystem.Reset",
            methods(post(reset), "POST"),
        )
}
