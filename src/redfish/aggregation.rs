//! `AggregationService`: one AggregationSource per card reached over NC-SI, and the
//! ConnectionMethod describing that path.

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::mapping::{connection_id, connection_name, connection_variant};
use super::service::odata_type;
use super::{Shared, collection, methods, resource};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

async fn service(Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(resource(
        json!({
            "@odata.id": "/redfish/v1/AggregationService",
            "@odata.type": odata_type("AggregationService"),
            "Id": "AggregationService",
            "Name": "Aggregation Service",
            "Description": "The DPUs, IPUs and smart NICs of this server, reached through their NC-SI sideband.",
            "ServiceEnabled": true,
            "AggregationSources": { "@odata.id": "/redfish/v1/AggregationService/AggregationSources" },
            "ConnectionMethods": { "@odata.id": "/redfish/v1/AggregationService/ConnectionMethods" },
            "Status": { "State": "Enabled", "Health": "OK" }
        }),
        "GET",
    ))
}

async fn sources(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(super::card_collection(
        &state,
        "/redfish/v1/AggregationService/AggregationSources",
        "AggregationSourceCollection",
        "Aggregation Source Collection",
    ))
}

async fn source(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let card = super::cached_card(&state, &id, "AggregationSource")?;
    Ok(resource(
        json!({
            "@odata.id": format!("/redfish/v1/AggregationService/AggregationSources/{id}"),
            "@odata.type": odata_type("AggregationSource"),
            "Id": id,
            "Name": format!("{} {} {}", card.info.model, card.info.serial, match card.package() {
                Some(p) => format!("on NC-SI package {p}"),
                None => "(card BMC over MCTP)".into(),
            }),
            "Status": super::systems::status(&card),
            "Links": {
                "ConnectionMethod": { "@odata.id": format!("/redfish/v1/AggregationService/ConnectionMethods/{}", connection_id(state.cards.connections.for_reach(card.reach))) },
                "ResourcesAccessed": [
                    { "@odata.id": format!("/redfish/v1/Systems/{id}") },
                    { "@odata.id": format!("/redfish/v1/Managers/{id}") },
                    { "@odata.id": format!("/redfish/v1/Chassis/{id}") }
                ]
            }
        }),
        "GET",
    ))
}

async fn connection_methods(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(resource(
        collection(
            "/redfish/v1/AggregationService/ConnectionMethods",
            "ConnectionMethodCollection",
            "Connection Method Collection",
            state.cards.connections.all().into_iter().map(|c| {
                format!(
                    "/redfish/v1/AggregationService/ConnectionMethods/{}",
                    connection_id(c)
                )
            }),
        ),
        "GET",
    ))
}

async fn connection_method(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let conns = &state.cards.connections;
    let Some(conn) = conns.all().into_iter().find(|c| connection_id(c) == id) else {
        return Err(RedfishError::not_found("ConnectionMethod", &id));
    };
    let sources: Vec<_> = state
        .cards
        .cards()
        .into_iter()
        .filter(|c| connection_id(conns.for_reach(c.reach)) == id)
        .map(|c| json!({ "@odata.id": format!("/redfish/v1/AggregationService/AggregationSources/{}", c.id) }))
        .collect();
    Ok(resource(
        json!({
            "@odata.id": format!("/redfish/v1/AggregationService/ConnectionMethods/{id}"),
            "@odata.type": odata_type("ConnectionMethod"),
            "Id": id,
            "Name": connection_name(conn),
            "ConnectionMethodType": "OEM",
            "ConnectionMethodVariant": connection_variant(conn),
            "Links": { "AggregationSources": sources }
        }),
        "GET",
    ))
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/redfish/v1/AggregationService",
            methods(get(service), "GET"),
        )
        .route(
            "/redfish/v1/AggregationService/AggregationSources",
            methods(get(sources), "GET"),
        )
        .route(
            "/redfish/v1/AggregationService/AggregationSources/{id}",
            methods(get(source), "GET"),
        )
        .route(
            "/redfish/v1/AggregationService/ConnectionMethods",
            methods(get(connection_methods), "GET"),
        )
        .route(
            "/redfish/v1/AggregationService/ConnectionMethods/{id}",
            methods(get(connection_method), "GET"),
        )
}
