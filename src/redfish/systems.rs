//! `Systems`: one ComputerSystem per DPU (its host), PATCH of the boot override and
//! the Reset action.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::mapping::{Context, card_error, task_uri};
use super::service::odata_type;
use super::sessions::patch_keys;
use super::{JsonBody, Shared, check_if_match, methods, no_content, resource};
use crate::cards::Card;
use crate::cards::{
    BootEnabled, BootMode, BootOverride, BootProgress, BootTarget, CardError, PowerState, ResetType,
};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

/// Boot targets and their Redfish names.
pub const TARGETS: &[(BootTarget, &str)] = &[
    (BootTarget::None, "None"),
    (BootTarget::Pxe, "Pxe"),
    (BootTarget::Hdd, "Hdd"),
    (BootTarget::Cd, "Cd"),
    (BootTarget::Usb, "Usb"),
    (BootTarget::UefiHttp, "UefiHttp"),
    (BootTarget::UefiShell, "UefiShell"),
    (BootTarget::BiosSetup, "BiosSetup"),
    (BootTarget::Diags, "Diags"),
];
const ENABLED: &[(BootEnabled, &str)] = &[
    (BootEnabled::Disabled, "Disabled"),
    (BootEnabled::Once, "Once"),
    (BootEnabled::Continuous, "Continuous"),
];
const MODES: &[(BootMode, &str)] = &[(BootMode::Legacy, "Legacy"), (BootMode::Uefi, "UEFI")];
/// Reset types and their Redfish names.
pub const RESETS: &[(ResetType, &str)] = &[
    (ResetType::On, "On"),
    (ResetType::ForceOff, "ForceOff"),
    (ResetType::GracefulShutdown, "GracefulShutdown"),
    (ResetType::GracefulRestart, "GracefulRestart"),
    (ResetType::ForceRestart, "ForceRestart"),
    (ResetType::PowerCycle, "PowerCycle"),
    (ResetType::Nmi, "Nmi"),
];

fn name<T: PartialEq + Copy>(table: &[(T, &'static str)], v: T) -> Option<&'static str> {
    table.iter().find(|(t, _)| *t == v).map(|(_, n)| *n)
}

fn value<T: Copy>(table: &[(T, &'static str)], n: &str) -> Option<T> {
    table.iter().find(|(_, s)| *s == n).map(|(t, _)| *t)
}

fn names<T>(table: &[(T, &'static str)]) -> Vec<&'static str> {
    table.iter().map(|(_, n)| *n).collect()
}

/// The Redfish `ResetType` of a reset.
pub fn reset_name(t: ResetType) -> &'static str {
    name(RESETS, t).unwrap_or("On")
}

/// Redfish `PowerState`.
pub fn power_name(p: PowerState) -> Option<&'static str> {
    Some(match p {
        PowerState::Off => "Off",
        PowerState::On => "On",
        PowerState::PoweringOn => "PoweringOn",
        PowerState::PoweringOff => "PoweringOff",
        PowerState::Paused => "Paused",
        PowerState::Unknown(_) => return None,
    })
}

fn progress_name(b: BootProgress) -> &'static str {
    match b {
        BootProgress::None => "None",
        BootProgress::PrimaryProcessorInitializationStarted => {
            "PrimaryProcessorInitializationStarted"
        }
        BootProgress::BusInitializationStarted => "BusInitializationStarted",
        BootProgress::MemoryInitializationStarted => "MemoryInitializationStarted",
        BootProgress::SecondaryProcessorInitializationStarted => {
            "SecondaryProcessorInitializationStarted"
        }
        BootProgress::PciResourceConfigStarted => "PCIResourceConfigStarted",
        BootProgress::SystemHardwareInitializationComplete => {
            "SystemHardwareInitializationComplete"
        }
        BootProgress::SetupEntered => "SetupEntered",
        BootProgress::OsBootStarted => "OSBootStarted",
        BootProgress::OsRunning => "OSRunning",
        BootProgress::Unknown(_) => "OEM",
    }
}

/// `Status` of a card: UnavailableOffline/Critical when it does not answer.
pub fn status(card: &Card) -> Value {
    if card.online {
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
        "Name": format!("{} {} (NC-SI package {})", c.info.manufacturer, c.info.model, c.package).trim().to_string(),
        "SystemType": "DPU",
        "Manufacturer": c.info.manufacturer,
        "Model": c.info.model,
        "SerialNumber": c.info.serial,
        "PartNumber": c.info.part_number,
        "Status": status(c),
        "Actions": {
            "#ComputerSystem.Reset": {
                "target": format!("/redfish/v1/Systems/{id}/Actions/ComputerSystem.Reset"),
                "ResetType@Redfish.AllowableValues": names(RESETS)
            }
        },
        "Links": {
            "ManagedBy": [{ "@odata.id": format!("/redfish/v1/Managers/{id}") }],
            "Chassis": [{ "@odata.id": format!("/redfish/v1/Chassis/{id}") }]
        }
    });
    // A card that does not answer shows no state rather than stale state.
    if c.online {
        if let Some(p) = c.power.and_then(power_name) {
            v["PowerState"] = json!(p);
        }
        if let Some(b) = &c.boot {
            v["Boot"] = json!({
                "BootSourceOverrideTarget": name(TARGETS, b.target).unwrap_or("None"),
                "BootSourceOverrideTarget@Redfish.AllowableValues": names(TARGETS),
                "BootSourceOverrideEnabled": name(ENABLED, b.enabled).unwrap_or("Disabled"),
                "BootSourceOverrideEnabled@Redfish.AllowableValues": names(ENABLED),
                "BootSourceOverrideMode": name(MODES, b.mode).unwrap_or("UEFI"),
                "BootSourceOverrideMode@Redfish.AllowableValues": names(MODES),
                "HttpBootUri": if b.uri.is_empty() { Value::Null } else { json!(b.uri) }
            });
        }
        if let Some(p) = c.progress {
            v["BootProgress"] = json!({ "LastState": progress_name(p) });
        }
    }
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

fn parse_boot(boot: &Map<String, Value>, current: &BootOverride) -> RfResult<BootOverride> {
    let mut o = current.clone();
    let mut errs: Option<RedfishError> = None;
    let mut add = |e: RedfishError| {
        errs = Some(match errs.take() {
            Some(p) => p.and(e),
            None => e,
        })
    };
    for (k, v) in boot {
        let p = format!("Boot.{k}");
        let r: RfResult<()> = (|| {
            match k.as_str() {
                "BootSourceOverrideTarget" => {
                    o.target = value(TARGETS, text(v, &p)?)
                        .ok_or_else(|| RedfishError::value_not_in_list(&p, &v.to_string()))?
                }
                "BootSourceOverrideEnabled" => {
                    o.enabled = value(ENABLED, text(v, &p)?)
                        .ok_or_else(|| RedfishError::value_not_in_list(&p, &v.to_string()))?
                }
                "BootSourceOverrideMode" => {
                    o.mode = value(MODES, text(v, &p)?)
                        .ok_or_else(|| RedfishError::value_not_in_list(&p, &v.to_string()))?
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
        if let Err(e) = r {
            add(e);
        }
    }
    if o.target != BootTarget::UefiHttp && !o.uri.is_empty() && boot.contains_key("HttpBootUri") {
        add(RedfishError::value_not_in_list(
            "Boot.BootSourceOverrideTarget",
            name(TARGETS, o.target).unwrap_or(""),
        ));
    }
    if o.target != BootTarget::UefiHttp && !boot.contains_key("HttpBootUri") {
        o.uri.clear();
    }
    match errs {
        Some(e) => Err(e),
        None => Ok(o),
    }
}

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
    let keys = patch_keys(
        &body,
        &["Boot"],
        &[
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
            "AssetTag",
            "IndicatorLED",
            "LocationIndicatorActive",
            "HostWatchdogTimer",
            "HostName",
            "BiosVersion",
        ],
    );
    let Some(boot) = body.get("Boot") else {
        keys?;
        return Ok(resource(system_body(&card), "GET, PATCH"));
    };
    let Value::Object(boot) = boot else {
        let e = RedfishError::value_type("Boot", &boot.to_string());
        return Err(match keys {
            Err(k) => k.and(e),
            Ok(()) => e,
        });
    };
    let ctx = Context::Patch("Boot", "");
    if !card.online {
        let offline = CardError::Unreachable {
            card: id.clone(),
            reason: "it is offline".into(),
        };
        return Err(card_error(&offline, ctx));
    }
    let current = card.boot.clone().ok_or_else(|| {
        let e = CardError::NotReady {
            card: id.clone(),
            what: "boot override",
        };
        card_error(&e, ctx)
    })?;
    // Every problem of the request is reported at once.
    let wanted = match (keys, parse_boot(boot, &current)) {
        (Ok(()), Ok(w)) => w,
        (Err(a), Err(b)) => return Err(a.and(b)),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let (prop, val) = boot
        .iter()
        .find(|(k, _)| k.as_str() == "BootSourceOverrideTarget")
        .or_else(|| boot.iter().next())
        .map(|(k, v)| (format!("Boot.{k}"), v.as_str().unwrap_or("").to_string()))
        .unwrap_or_default();
    state
        .cards
        .set_boot(&id, wanted)
        .await
        .map_err(|e| card_error(&e, Context::Patch(&prop, &val)))?;
    let card = super::cached_card(&state, &id, "ComputerSystem")?;
    Ok(resource(system_body(&card), "GET, PATCH"))
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
    r.headers_mut()
        .insert("OData-Version", HeaderValue::from_static("4.0"));
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
    super::cached_card(&state, &id, "ComputerSystem")?;
    if let Some(k) = body.keys().find(|k| k.as_str() != "ResetType") {
        return Err(RedfishError::parameter_not_supported(k, ACTION));
    }
    let v = body
        .get("ResetType")
        .ok_or_else(|| RedfishError::parameter_missing(ACTION, "ResetType"))?;
    let s = v
        .as_str()
        .ok_or_else(|| RedfishError::parameter_type(&v.to_string(), "ResetType", ACTION))?;
    let t = value(RESETS, s)
        .ok_or_else(|| RedfishError::parameter_not_in_list(s, "ResetType", ACTION))?;
    let task = state
        .cards
        .reset(&id, t)
        .await
        .map_err(|e| card_error(&e, Context::Action(ACTION, "ResetType", s)))?;
    accepted(task, &state)
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
