//! The card's sensors (OEM GetSensors, `protocol/OEM.md` §4.22) under its Chassis:
//! `Sensors` (one `Sensor` each), `ThermalSubsystem` with its `ThermalMetrics` (the
//! temperature sensors' readings) and `PowerSubsystem` (the card's power capacity).
//! Readings are those of the card layer's last refresh of the card; a card that
//! reports no sensors has none of these resources.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::service::odata_type;
use super::systems::status;
use super::{Shared, collection, methods, resource};
use crate::cards::{Card, ReadingType, Sensor, SensorState, Sensors};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::Arc;

fn base(id: &str) -> String {
    format!("/redfish/v1/Chassis/{id}")
}

/// The links a Chassis gains when its card reports sensors.
pub fn chassis_links(v: &mut Value, c: &Card) {
    if c.sensors.is_some() {
        let b = base(&c.id);
        v["Sensors"] = json!({ "@odata.id": format!("{b}/Sensors") });
        v["ThermalSubsystem"] = json!({ "@odata.id": format!("{b}/ThermalSubsystem") });
        v["PowerSubsystem"] = json!({ "@odata.id": format!("{b}/PowerSubsystem") });
    }
}

/// A value in thousandths as a Redfish number.
fn number(milli: i32) -> f64 {
    f64::from(milli) / 1000.0
}

fn health(state: SensorState) -> &'static str {
    match state {
        SensorState::Normal => "OK",
        SensorState::Warning => "Warning",
        SensorState::Critical => "Critical",
    }
}

/// The card's status, with the worst state of `sensors` as its health when the card
/// answers.
fn worst(c: &Card, sensors: &[&Sensor]) -> Value {
    let mut s = status(c);
    if c.online {
        let w = sensors
            .iter()
            .map(|x| x.state())
            .max()
            .unwrap_or(SensorState::Normal);
        s["Health"] = json!(health(w));
    }
    s
}

fn sensor_body(c: &Card, s: &Sensor) -> Value {
    let id = &c.id;
    let (kind, units) = s.reading_type.redfish().unwrap_or(("", ""));
    let mut v = json!({
        "@odata.id": format!("{}/Sensors/{}", base(id), s.name),
        "@odata.type": odata_type("Sensor"),
        "Id": s.name,
        "Name": format!("{} of {id}", s.name),
        "ReadingType": kind,
        "ReadingUnits": units,
        "Status": worst(c, &[s]),
    });
    if let Some(r) = s.reading {
        v["Reading"] = json!(number(r));
    }
    if let Some(p) = s.context.redfish_name() {
        v["PhysicalContext"] = json!(p);
    }
    let mut t = serde_json::Map::new();
    for (name, value) in [
        ("UpperCaution", s.upper_caution),
        ("UpperCritical", s.upper_critical),
        ("LowerCaution", s.lower_caution),
        ("LowerCritical", s.lower_critical),
    ] {
        if let Some(x) = value {
            t.insert(name.into(), json!({ "Reading": number(x) }));
        }
    }
    if !t.is_empty() {
        v["Thresholds"] = Value::Object(t);
    }
    v
}

/// The card and the sensors it reported (404 naming `kind` when it reports none).
fn sensors_of(state: &Shared, id: &str, kind: &str) -> RfResult<(Arc<Card>, Sensors)> {
    let card = super::chassis::get_card(state, id)?;
    let sensors = card
        .sensors
        .clone()
        .ok_or_else(|| RedfishError::not_found(kind, kind))?;
    Ok((card, sensors))
}

/// Sensors of a known reading type (the only ones a Sensor resource can show).
fn shown(list: &Sensors) -> impl Iterator<Item = &Sensor> {
    list.sensors
        .iter()
        .filter(|s| s.reading_type.redfish().is_some())
}

async fn list(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (_, sensors) = sensors_of(&state, &id, "SensorCollection")?;
    let b = base(&id);
    Ok(resource(
        collection(
            &format!("{b}/Sensors"),
            "SensorCollection",
            "Sensor Collection",
            shown(&sensors).map(|s| format!("{b}/Sensors/{}", s.name)),
        ),
        "GET",
    ))
}

async fn sensor(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (card, sensors) = sensors_of(&state, &id, "Sensor")?;
    let s = shown(&sensors)
        .find(|s| s.name == name)
        .ok_or_else(|| RedfishError::not_found("Sensor", &name))?;
    Ok(resource(sensor_body(&card, s), "GET"))
}

fn temperatures(list: &Sensors) -> Vec<&Sensor> {
    list.sensors
        .iter()
        .filter(|s| s.reading_type == ReadingType::Temperature)
        .collect()
}

async fn thermal(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (card, sensors) = sensors_of(&state, &id, "ThermalSubsystem")?;
    let b = base(&id);
    Ok(resource(
        json!({
            "@odata.id": format!("{b}/ThermalSubsystem"),
            "@odata.type": odata_type("ThermalSubsystem"),
            "Id": "ThermalSubsystem",
            "Name": format!("Thermal subsystem of {id}"),
            "ThermalMetrics": { "@odata.id": format!("{b}/ThermalSubsystem/ThermalMetrics") },
            "Status": worst(&card, &temperatures(&sensors)),
        }),
        "GET",
    ))
}

async fn thermal_metrics(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (_, sensors) = sensors_of(&state, &id, "ThermalMetrics")?;
    let b = base(&id);
    let readings: Vec<Value> = temperatures(&sensors)
        .into_iter()
        .map(|s| {
            let mut r = json!({ "DataSourceUri": format!("{b}/Sensors/{}", s.name) });
            r["Reading"] = s.reading.map_or(Value::Null, |x| json!(number(x)));
            r
        })
        .collect();
    Ok(resource(
        json!({
            "@odata.id": format!("{b}/ThermalSubsystem/ThermalMetrics"),
            "@odata.type": odata_type("ThermalMetrics"),
            "Id": "ThermalMetrics",
            "Name": format!("Temperatures of {id}"),
            "TemperatureReadingsCelsius": readings,
        }),
        "GET",
    ))
}

async fn power(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let (card, sensors) = sensors_of(&state, &id, "PowerSubsystem")?;
    let power: Vec<&Sensor> = sensors
        .sensors
        .iter()
        .filter(|s| s.reading_type == ReadingType::Power)
        .collect();
    let b = base(&id);
    let mut v = json!({
        "@odata.id": format!("{b}/PowerSubsystem"),
        "@odata.type": odata_type("PowerSubsystem"),
        "Id": "PowerSubsystem",
        "Name": format!("Power subsystem of {id}"),
        "Status": worst(&card, &power),
    });
    if sensors.capacity_watts != 0 {
        v["CapacityWatts"] = json!(sensors.capacity_watts);
    }
    Ok(resource(v, "GET"))
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/redfish/v1/Chassis/{id}/Sensors",
            methods(get(list), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/Sensors/{name}",
            methods(get(sensor), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/ThermalSubsystem",
            methods(get(thermal), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/ThermalSubsystem/ThermalMetrics",
            methods(get(thermal_metrics), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/PowerSubsystem",
            methods(get(power), "GET"),
        )
}
