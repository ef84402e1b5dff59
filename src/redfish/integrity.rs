//! Card authentication (SPDM, `crate::spdm`) as Redfish: `ComponentIntegrity/{card}`
//! for every card with a configured responder (type and version, the target, the
//! verification status, the measurements), the identity certificate chain as
//! `Chassis/{card}/Certificates/{slot}`, and `#ComponentIntegrity.
//! SPDMGetSignedMeasurements`, which returns the signed transcript for a client to
//! verify itself (DSP0268 ComponentIntegrity v1_3).

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::mapping::{Context, card_error, rfc3339};
use super::service::odata_type;
use super::{JsonBody, Shared, collection, methods, resource};
use crate::spdm::{Integrity, IntegrityState, Mode};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use sidebridge_protocol::spdm::{MeasurementBlock, asym, hash, measurement_hash};
use sidebridge_protocol::text;

const ACTION: &str = "ComponentIntegrity.SPDMGetSignedMeasurements";

fn integrity_of(state: &Shared, id: &str) -> RfResult<Integrity> {
    state
        .cards
        .integrity(id)
        .ok_or_else(|| RedfishError::not_found("ComponentIntegrity", id))
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// What DMTFSpecMeasurementValueType says, as Redfish MeasurementType names it.
fn measurement_type(b: &MeasurementBlock) -> &'static str {
    match b.value_type & 0x7F {
        0x00 => "ImmutableROM",
        0x01 => "MutableFirmware",
        0x02 => "HardwareConfiguration",
        0x03 => "FirmwareConfiguration",
        0x04 => "MeasurementManifest",
        0x05 => "DebugAndDeviceMode",
        0x06 => "MutableFirmwareVersion",
        0x07 => "MutableFirmwareSecurityVersionNumber",
        0x08 => "HashExtendMeasurement",
        0x09 => "Informational",
        _ => "StructuredMeasurementManifest",
    }
}

fn body(id: &str, i: &Integrity) -> Value {
    let base = format!("/redfish/v1/ComponentIntegrity/{id}");
    let chassis = format!("/redfish/v1/Chassis/{id}");
    let (status, health) = match (&i.state, i.mode) {
        (IntegrityState::Verified, _) if !i.changed.is_empty() => (Some("Success"), "Warning"),
        (IntegrityState::Verified, _) => (Some("Success"), "OK"),
        (IntegrityState::Pending, _) => (None, "Warning"),
        (IntegrityState::Failed(_), Mode::None) => (Some("Failed"), "Warning"),
        (IntegrityState::Failed(_), _) => (Some("Failed"), "Critical"),
    };
    let mut v = json!({
        "@odata.id": base,
        "@odata.type": odata_type("ComponentIntegrity"),
        "Id": id,
        "Name": format!("SPDM authentication of {id}"),
        "Description": match &i.state {
            IntegrityState::Verified => "Authenticated with SPDM.".to_string(),
            IntegrityState::Pending => "Not authenticated yet.".to_string(),
            IntegrityState::Failed(why) => format!("SPDM authentication failed: {why}."),
        },
        "ComponentIntegrityType": "SPDM",
        "ComponentIntegrityEnabled": i.mode != Mode::None || i.last.is_some(),
        "TargetComponentURI": chassis,
        "Status": { "State": "Enabled", "Health": health },
        "Links": { "ComponentsProtected": [ { "@odata.id": chassis } ] },
        "SPDM": {
            // The requester is sidebridge itself: the aggregation service.
            "Requester": { "@odata.id": "/redfish/v1/AggregationService" },
            "IdentityAuthentication": { "ResponderAuthentication": {} }
        }
    });
    if let Some(status) = status {
        v["SPDM"]["IdentityAuthentication"]["ResponderAuthentication"]["VerificationStatus"] =
            json!(status);
    }
    if let Some(at) = i.at {
        v["LastUpdated"] = json!(rfc3339(at));
    }
    let Some(a) = &i.last else {
        return v;
    };
    let n = &a.negotiated;
    v["ComponentIntegrityTypeVersion"] = json!(format!("{}.0", n.version));
    v["SPDM"]["IdentityAuthentication"]["ResponderAuthentication"]["ComponentCertificate"] = json!({
        "@odata.id": format!("/redfish/v1/Chassis/{id}/Certificates/{}", a.slot)
    });
    let at = i.at.map(rfc3339);
    let hash_name = measurement_hash::name(n.measurement_hash);
    let measurements: Vec<Value> = a
        .measurements
        .iter()
        .map(|b| {
            let mut m = json!({
                "MeasurementIndex": b.index,
                "MeasurementType": measurement_type(b),
                "Measurement": base64::engine::general_purpose::STANDARD.encode(&b.value),
            });
            if let (Some(h), false) = (hash_name, b.raw()) {
                m["MeasurementHashAlgorithm"] = json!(h);
            }
            if let Some(t) = &at {
                m["LastUpdated"] = json!(t);
            }
            m
        })
        .collect();
    v["SPDM"]["MeasurementSet"] = json!({
        "MeasurementSpecification": "DMTF",
        "Measurements": measurements
    });
    v["Actions"] = json!({
        format!("#{ACTION}"): { "target": format!("{base}/Actions/{ACTION}") }
    });
    v
}

async fn list(State(state): State<Shared>, Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let members = state
        .cards
        .cards()
        .into_iter()
        .filter(|card| state.cards.integrity(&card.id).is_some())
        .map(|card| format!("/redfish/v1/ComponentIntegrity/{}", card.id));
    Ok(resource(
        collection(
            "/redfish/v1/ComponentIntegrity",
            "ComponentIntegrityCollection",
            "Component integrity",
            members,
        ),
        "GET",
    ))
}

async fn one(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let i = integrity_of(&state, &id)?;
    Ok(resource(body(&id, &i), "GET"))
}

fn certificate_body(id: &str, slot: u8, certs: &[Vec<u8>]) -> Value {
    // PEMchain: the leaf first, then each issuer (RFC 7468 order of a chain).
    let chain: String = certs.iter().rev().map(|c| pem(c)).collect();
    json!({
        "@odata.id": format!("/redfish/v1/Chassis/{id}/Certificates/{slot}"),
        "@odata.type": odata_type("Certificate"),
        "Id": slot.to_string(),
        "Name": format!("SPDM identity certificate chain of {id}, slot {slot}"),
        "CertificateString": chain,
        "CertificateType": "PEMchain",
        "CertificateUsageTypes": ["Device"],
        "SPDM": { "SlotId": slot }
    })
}

fn authenticated(state: &Shared, id: &str) -> RfResult<crate::spdm::Authenticated> {
    integrity_of(state, id)?
        .last
        .ok_or_else(|| RedfishError::not_found("CertificateCollection", id))
}

async fn certificates(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let a = authenticated(&state, &id)?;
    Ok(resource(
        collection(
            &format!("/redfish/v1/Chassis/{id}/Certificates"),
            "CertificateCollection",
            &format!("Certificates of {id}"),
            [format!("/redfish/v1/Chassis/{id}/Certificates/{}", a.slot)],
        ),
        "GET",
    ))
}

async fn certificate(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, cert)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let a = authenticated(&state, &id)?;
    if cert != a.slot.to_string() {
        return Err(RedfishError::not_found("Certificate", &cert));
    }
    Ok(resource(
        certificate_body(&id, a.slot, &a.certificates),
        "GET",
    ))
}

/// `SPDMGetSignedMeasurements`: Nonce (64 hex digits), SlotId, MeasurementIndices
/// (0–254, or a single 255 for all).
async fn get_signed(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    integrity_of(&state, &id)?;
    if let Some(k) = body
        .keys()
        .find(|k| !["Nonce", "SlotId", "MeasurementIndices"].contains(&k.as_str()))
    {
        return Err(RedfishError::parameter_not_supported(k, ACTION));
    }
    let nonce = match body.get("Nonce") {
        None => None,
        Some(Value::String(s)) => {
            match text::from_hex(s).and_then(|n| <[u8; 32]>::try_from(n).ok()) {
                Some(n) => Some(n),
                None => return Err(RedfishError::parameter_format(s, "Nonce", ACTION)),
            }
        }
        Some(v) => {
            return Err(RedfishError::parameter_type(
                &v.to_string(),
                "Nonce",
                ACTION,
            ));
        }
    };
    let slot = match body.get("SlotId") {
        None => 0,
        Some(v) => match v.as_u64().filter(|s| *s < 8) {
            Some(s) => s as u8,
            None => {
                return Err(RedfishError::parameter_format(
                    &v.to_string(),
                    "SlotId",
                    ACTION,
                ));
            }
        },
    };
    let mut indices = Vec::new();
    match body.get("MeasurementIndices") {
        None => {}
        Some(Value::Array(a)) => {
            for v in a {
                let Some(i) = v.as_u64().filter(|i| *i <= 255) else {
                    return Err(RedfishError::parameter_format(
                        &v.to_string(),
                        "MeasurementIndices",
                        ACTION,
                    ));
                };
                if indices.contains(&(i as u8)) || (i == 255 && a.len() > 1) {
                    return Err(RedfishError::parameter_format(
                        &Value::Array(a.clone()).to_string(),
                        "MeasurementIndices",
                        ACTION,
                    ));
                }
                indices.push(i as u8);
            }
        }
        Some(v) => {
            return Err(RedfishError::parameter_type(
                &v.to_string(),
                "MeasurementIndices",
                ACTION,
            ));
        }
    }
    let (signed, _) = state
        .cards
        .signed_measurements(&id, slot, &indices, nonce)
        .await
        .map_err(|e| card_error(&e, Context::Action(ACTION, "SlotId", &slot.to_string())))?;
    let n = &signed.negotiated;
    Ok(axum::Json(json!({
        "SignedMeasurements": base64::engine::general_purpose::STANDARD.encode(&signed.transcript),
        "Version": n.version.to_string(),
        "HashingAlgorithm": hash::name(n.base_hash).unwrap_or("OEM"),
        "SigningAlgorithm": asym::name(n.base_asym).unwrap_or("OEM"),
        "Certificate": { "@odata.id": format!("/redfish/v1/Chassis/{id}/Certificates/{slot}") }
    }))
    .into_response())
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/redfish/v1/ComponentIntegrity", methods(get(list), "GET"))
        .route(
            "/redfish/v1/ComponentIntegrity/{id}",
            methods(get(one), "GET"),
        )
        .route(
            &format!("/redfish/v1/ComponentIntegrity/{{id}}/Actions/{ACTION}"),
            methods(post(get_signed), "POST"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/Certificates",
            methods(get(certificates), "GET"),
        )
        .route(
            "/redfish/v1/Chassis/{id}/Certificates/{cert}",
            methods(get(certificate), "GET"),
        )
}
