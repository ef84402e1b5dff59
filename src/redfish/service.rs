//! The service root (`/redfish/v1`), the OData service document and `$metadata`.
//! Schema versions come from one table, so `@odata.type` and `$metadata` agree.

use super::{Shared, methods, resource};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

/// Every schema the service uses and the version it serves (DSP8010 2026-08, as in
/// `../shared/redfish-schemas`).
pub const SCHEMAS: &[(&str, &str)] = &[
    ("ServiceRoot", "v1_21_0"),
    ("ComputerSystem", "v1_28_0"),
    ("Manager", "v1_25_0"),
    ("VirtualMedia", "v1_6_5"),
    ("EthernetInterface", "v1_12_5"),
    ("ManagerNetworkProtocol", "v1_13_0"),
    ("Chassis", "v1_28_0"),
    ("Sensor", "v1_13_0"),
    ("ThermalSubsystem", "v1_5_0"),
    ("ThermalMetrics", "v1_3_3"),
    ("PowerSubsystem", "v1_1_4"),
    ("NetworkAdapter", "v1_14_0"),
    ("Port", "v1_19_0"),
    ("NetworkDeviceFunction", "v1_11_1"),
    ("PortMetrics", "v1_9_0"),
    ("Processor", "v1_23_0"),
    ("Bios", "v1_3_0"),
    ("Storage", "v1_22_0"),
    ("Drive", "v1_22_0"),
    ("NetworkAdapterMetrics", "v1_1_0"),
    ("NetworkDeviceFunctionMetrics", "v1_2_0"),
    ("PCIeDevice", "v1_22_0"),
    ("PCIeFunction", "v1_7_0"),
    ("UpdateService", "v1_17_1"),
    ("SoftwareInventory", "v1_14_0"),
    ("AggregationService", "v1_0_3"),
    ("AggregationSource", "v1_6_0"),
    ("ConnectionMethod", "v1_3_0"),
    ("EventService", "v1_12_0"),
    ("EventDestination", "v1_17_0"),
    ("Event", "v1_13_0"),
    ("TaskService", "v1_3_0"),
    ("Task", "v1_7_4"),
    ("SessionService", "v1_2_0"),
    ("Session", "v1_8_0"),
    ("AccountService", "v1_18_1"),
    ("ManagerAccount", "v1_14_1"),
    ("Role", "v1_3_3"),
    ("Message", "v1_3_0"),
    ("LogService", "v1_9_0"),
    ("LogEntry", "v1_21_0"),
    ("ComponentIntegrity", "v1_4_0"),
    ("Certificate", "v1_11_0"),
];

/// Collections served, each `<Type>Collection`.
const COLLECTIONS: &[&str] = &[
    "ComputerSystem",
    "Manager",
    "VirtualMedia",
    "EthernetInterface",
    "Chassis",
    "Sensor",
    "NetworkAdapter",
    "Port",
    "NetworkDeviceFunction",
    "Processor",
    "Storage",
    "PCIeDevice",
    "PCIeFunction",
    "SoftwareInventory",
    "AggregationSource",
    "ConnectionMethod",
    "EventDestination",
    "Task",
    "Session",
    "ManagerAccount",
    "Role",
    "LogService",
    "LogEntry",
    "ComponentIntegrity",
    "Certificate",
];

/// `#Type.vX_Y_Z.Type` for a schema in [`SCHEMAS`].
pub fn odata_type(ty: &str) -> String {
    let v = SCHEMAS
        .iter()
        .find(|(t, _)| *t == ty)
        .map(|(_, v)| *v)
        .unwrap_or("v1_0_0");
    format!("#{ty}.{v}.{ty}")
}

/// The Redfish protocol version this service implements.
pub const REDFISH_VERSION: &str = "1.21.0";

/// The service UUID: made once and kept in the state directory.
fn service_uuid(state: &Shared) -> String {
    let path = state.state_dir.join("service-uuid");
    if let Ok(s) = std::fs::read_to_string(&path) {
        return s.trim().to_string();
    }
    let h = super::auth::random_hex(16);
    // Version 4, variant 1.
    let uuid = format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    );
    let _ = super::auth::write_atomic(&path, uuid.as_bytes(), 0o644);
    uuid
}

async fn redfish() -> Response {
    resource(json!({ "v1": "/redfish/v1/" }), "GET")
}

async fn root(State(state): State<Shared>) -> Response {
    resource(
        json!({
            "@odata.id": "/redfish/v1",
            "@odata.type": odata_type("ServiceRoot"),
            "Id": "RootService",
            "Name": "sidebridge Redfish aggregation service",
            "RedfishVersion": REDFISH_VERSION,
            "UUID": service_uuid(&state),
            "Vendor": "sidebridge",
            "Systems": { "@odata.id": "/redfish/v1/Systems" },
            "Managers": { "@odata.id": "/redfish/v1/Managers" },
            "Chassis": { "@odata.id": "/redfish/v1/Chassis" },
            "SessionService": { "@odata.id": "/redfish/v1/SessionService" },
            "AccountService": { "@odata.id": "/redfish/v1/AccountService" },
            "AggregationService": { "@odata.id": "/redfish/v1/AggregationService" },
            "EventService": { "@odata.id": "/redfish/v1/EventService" },
            "Tasks": { "@odata.id": "/redfish/v1/TaskService" },
            "UpdateService": { "@odata.id": "/redfish/v1/UpdateService" },
            "ComponentIntegrity": { "@odata.id": "/redfish/v1/ComponentIntegrity" },
            "Links": { "Sessions": { "@odata.id": "/redfish/v1/SessionService/Sessions" } },
            "ProtocolFeaturesSupported": {
                "ExpandQuery": {
                    "ExpandAll": true,
                    "Levels": true,
                    "Links": true,
                    "NoLinks": true,
                    "MaxLevels": super::query::MAX_LEVELS
                },
                "FilterQuery": true,
                "SelectQuery": true,
                "OnlyMemberQuery": true,
                "TopSkipQuery": true,
                "ExcerptQuery": false
            }
        }),
        "GET",
    )
}

async fn odata() -> Response {
    let value: Vec<_> = [
        ("Service", "/redfish/v1"),
        ("Systems", "/redfish/v1/Systems"),
        ("Managers", "/redfish/v1/Managers"),
        ("Chassis", "/redfish/v1/Chassis"),
        ("SessionService", "/redfish/v1/SessionService"),
        ("AccountService", "/redfish/v1/AccountService"),
        ("AggregationService", "/redfish/v1/AggregationService"),
        ("EventService", "/redfish/v1/EventService"),
        ("TaskService", "/redfish/v1/TaskService"),
        ("UpdateService", "/redfish/v1/UpdateService"),
        ("ComponentIntegrity", "/redfish/v1/ComponentIntegrity"),
        ("Sessions", "/redfish/v1/SessionService/Sessions"),
    ]
    .into_iter()
    .map(|(name, url)| json!({ "name": name, "kind": "Singleton", "url": url }))
    .collect();
    resource(
        json!({ "@odata.context": "/redfish/v1/$metadata", "value": value }),
        "GET",
    )
}

/// The CSDL document: a reference per schema file (and its versioned namespace).
pub fn metadata_xml() -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edmx:Edmx xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\" Version=\"4.0\">\n",
    );
    let mut refer = |file: &str, namespaces: &[String]| {
        x.push_str(&format!(
            "  <edmx:Reference Uri=\"http://redfish.dmtf.org/schemas/v1/{file}\">\n"
        ));
        for ns in namespaces {
            x.push_str(&format!("    <edmx:Include Namespace=\"{ns}\"/>\n"));
        }
        x.push_str("  </edmx:Reference>\n");
    };
    for (ty, v) in SCHEMAS {
        refer(
            &format!("{ty}_v1.xml"),
            &[ty.to_string(), format!("{ty}.{v}")],
        );
    }
    for ty in COLLECTIONS {
        refer(
            &format!("{ty}Collection_v1.xml"),
            &[format!("{ty}Collection")],
        );
    }
    refer(
        "RedfishExtensions_v1.xml",
        &["RedfishExtensions.v1_0_0".into()],
    );
    refer(
        "Resource_v1.xml",
        &["Resource".into(), "Resource.v1_0_0".into()],
    );
    x.push_str("  <edmx:DataServices>\n    <Schema xmlns=\"http://docs.oasis-open.org/odata/ns/edm\" Namespace=\"Service\">\n");
    let root = SCHEMAS[0].1;
    x.push_str(&format!("      <EntityContainer Name=\"Service\" Extends=\"ServiceRoot.{root}.ServiceContainer\"/>\n"));
    x.push_str("    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n");
    x
}

async fn metadata() -> Response {
    let mut r = metadata_xml().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    h.insert(
        super::protocol::ODATA_VERSION,
        HeaderValue::from_static("4.0"),
    );
    r
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/redfish", methods(get(redfish), "GET"))
        .route("/redfish/", methods(get(redfish), "GET"))
        .route("/redfish/v1", methods(get(root), "GET"))
        .route("/redfish/v1/", methods(get(root), "GET"))
        .route("/redfish/v1/odata", methods(get(odata), "GET"))
        .route("/redfish/v1/$metadata", methods(get(metadata), "GET"))
}
