//! Traffic metrics of the cards' network controllers, from NC-SI's own statistics
//! commands (DSP0222 1.2 §8.4.50–8.4.55) through the card layer's
//! [`Cards::port_counters`](crate::cards::Cards::port_counters): PortMetrics per port,
//! NetworkDeviceFunctionMetrics per function (one per port: the same channel), and
//! NetworkAdapterMetrics summed over the ports. A counter the controller does not
//! report is left out; cards not reached over NC-SI have no metrics resources.
//!
//! | Redfish | NC-SI source |
//! |---|---|
//! | RXBytes, TXBytes | Controller Packet Statistics: Total Bytes Received/Transmitted |
//! | *UnicastFrames, *MulticastFrames, *BroadcastFrames | Total Unicast/Multicast/Broadcast Packets |
//! | RXFrames, TXFrames | the sum of those three |
//! | RXFCSErrors, RXFrameAlignmentErrors, RXFalseCarrierErrors | FCS Receive Errors, Alignment Errors, False Carrier Detections |
//! | RXUndersizeFrames, RXOversizeFrames | Runt Packets, Jabber Packets Received |
//! | RXErrors (PortMetrics) | the sum of the five receive error counters above |
//! | *PauseXONFrames, *PauseXOFFFrames | Pause XON/XOFF Frames Received/Transmitted |
//! | TXSingleCollisions, TXMultipleCollisions, TXLateCollisions, TXExcessiveCollisions | the collision counters |
//! | NCSIRXFrames | NC-SI Statistics: Receive Packets + Pass-through TX Packets Received |
//! | NCSITXFrames | NC-SI Statistics: Transmit Packets + Pass-through RX Packets |

use super::auth::{Caller, Privilege};
use super::chassis::{ADAPTER, adapter_or_404, get_card, port};
use super::error::{RedfishError, RfResult};
use super::mapping::{Context, card_error};
use super::service::odata_type;
use super::{Shared, methods, resource};
use crate::cards::{Card, HostCounters, PortCounters};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The Networking object of a PortMetrics (PortMetrics.v1_1_0.Networking and later).
fn networking(h: &HostCounters) -> Value {
    json!({
        "RXFrames": h.rx_frames(),
        "TXFrames": h.tx_frames(),
        "RXUnicastFrames": h.rx_unicast,
        "RXMulticastFrames": h.rx_multicast,
        "RXBroadcastFrames": h.rx_broadcast,
        "TXUnicastFrames": h.tx_unicast,
        "TXMulticastFrames": h.tx_multicast,
        "TXBroadcastFrames": h.tx_broadcast,
        "RXFCSErrors": h.fcs_errors,
        "RXFrameAlignmentErrors": h.alignment_errors,
        "RXFalseCarrierErrors": h.false_carrier,
        "RXUndersizeFrames": h.runts,
        "RXOversizeFrames": h.jabbers,
        "RXPauseXONFrames": h.rx_pause_xon,
        "RXPauseXOFFFrames": h.rx_pause_xoff,
        "TXPauseXONFrames": h.tx_pause_xon,
        "TXPauseXOFFFrames": h.tx_pause_xoff,
        "TXSingleCollisions": h.single_collisions,
        "TXMultipleCollisions": h.multiple_collisions,
        "TXLateCollisions": h.late_collisions,
        "TXExcessiveCollisions": h.excessive_collisions,
    })
}

/// A PortMetrics body.
pub fn port_metrics(uri: &str, port: u8, c: &PortCounters) -> Value {
    let mut v = json!({
        "@odata.id": uri,
        "@odata.type": odata_type("PortMetrics"),
        "Id": "Metrics",
        "Name": format!("Port {port} metrics"),
    });
    if let Some(h) = &c.host {
        v["RXBytes"] = json!(h.rx_bytes);
        v["TXBytes"] = json!(h.tx_bytes);
        v["RXErrors"] = json!(h.rx_errors());
        v["Networking"] = networking(h);
    }
    v
}

/// A NetworkDeviceFunctionMetrics body: the function's traffic is its port's.
pub fn function_metrics(uri: &str, n: u8, c: &PortCounters) -> Value {
    let mut v = json!({
        "@odata.id": uri,
        "@odata.type": odata_type("NetworkDeviceFunctionMetrics"),
        "Id": "Metrics",
        "Name": format!("Network device function {n} metrics"),
    });
    if let Some(h) = &c.host {
        let m = v.as_object_mut().unwrap();
        for (k, x) in [
            ("RXBytes", h.rx_bytes),
            ("TXBytes", h.tx_bytes),
            ("RXFrames", h.rx_frames()),
            ("TXFrames", h.tx_frames()),
            ("RXUnicastFrames", h.rx_unicast),
            ("RXMulticastFrames", h.rx_multicast),
            ("TXUnicastFrames", h.tx_unicast),
            ("TXMulticastFrames", h.tx_multicast),
        ] {
            m.insert(k.into(), json!(x));
        }
    }
    v
}

/// A NetworkAdapterMetrics body: each counter summed over the ports, present only
/// when every port reported it.
pub fn adapter_metrics(uri: &str, ports: &[Arc<PortCounters>]) -> Value {
    let mut m = Map::new();
    m.insert("@odata.id".into(), json!(uri));
    m.insert(
        "@odata.type".into(),
        json!(odata_type("NetworkAdapterMetrics")),
    );
    m.insert("Id".into(), json!("Metrics"));
    m.insert("Name".into(), json!("Network adapter metrics"));
    let hosts: Option<Vec<&HostCounters>> = ports.iter().map(|p| p.host.as_ref()).collect();
    if let Some(h) = hosts.filter(|h| !h.is_empty()) {
        let sum = |f: fn(&HostCounters) -> u64| h.iter().map(|x| f(x)).sum::<u64>();
        m.insert("RXBytes".into(), json!(sum(|x| x.rx_bytes)));
        m.insert("TXBytes".into(), json!(sum(|x| x.tx_bytes)));
        m.insert("RXUnicastFrames".into(), json!(sum(|x| x.rx_unicast)));
        m.insert("RXMulticastFrames".into(), json!(sum(|x| x.rx_multicast)));
        m.insert("TXUnicastFrames".into(), json!(sum(|x| x.tx_unicast)));
        m.insert("TXMulticastFrames".into(), json!(sum(|x| x.tx_multicast)));
    }
    let sides: Option<Vec<_>> = ports.iter().map(|p| p.sideband).collect();
    if let Some(s) = sides.filter(|s| !s.is_empty()) {
        m.insert(
            "NCSIRXFrames".into(),
            json!(s.iter().map(|x| x.rx_frames).sum::<u64>()),
        );
        m.insert(
            "NCSITXFrames".into(),
            json!(s.iter().map(|x| x.tx_frames).sum::<u64>()),
        );
    }
    Value::Object(m)
}

/// The card, when it has metrics (reached over NC-SI); 404 naming `kind` otherwise.
fn nc_si_card(state: &Shared, id: &str, uri: &str) -> RfResult<Arc<Card>> {
    let card = get_card(state, id)?;
    if card.package().is_none() {
        return Err(RedfishError::not_found("Metrics", uri));
    }
    Ok(card)
}

async fn counters(state: &Shared, id: &str, port: u8, kind: &str) -> RfResult<Arc<PortCounters>> {
    state
        .cards
        .port_counters(id, port)
        .await
        .map_err(|e| card_error(&e, Context::Read(kind)))
}

/// One channel's metrics resource: `sub` (`Ports` or `NetworkDeviceFunctions`) `n`'s
/// `Metrics`, of schema `kind`, rendered by `body`.
async fn channel_metrics(
    state: &Shared,
    c: &Caller,
    (id, adapter, n): (String, String, String),
    sub: &str,
    kind: &str,
    body: fn(&str, u8, &PortCounters) -> Value,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    adapter_or_404(&id, &adapter)?;
    let uri = format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/{sub}/{n}/Metrics");
    let card = nc_si_card(state, &id, &uri)?;
    let p = port(&card, &n)?.id;
    let counters = counters(state, &id, p, kind).await?;
    let mut v = body(&uri, p, &counters);
    if sub == "Ports" {
        super::adapter::port_metrics_extras(&mut v, &card, &n);
    }
    Ok(resource(v, "GET"))
}

async fn port_resource(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(path): Path<(String, String, String)>,
) -> RfResult<Response> {
    channel_metrics(&state, &c, path, "Ports", "PortMetrics", port_metrics).await
}

async fn function_resource(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(path): Path<(String, String, String)>,
) -> RfResult<Response> {
    let kind = "NetworkDeviceFunctionMetrics";
    channel_metrics(
        &state,
        &c,
        path,
        "NetworkDeviceFunctions",
        kind,
        function_metrics,
    )
    .await
}

async fn adapter_resource(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, adapter)): Path<(String, String)>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    adapter_or_404(&id, &adapter)?;
    let uri = format!("/redfish/v1/Chassis/{id}/NetworkAdapters/{ADAPTER}/Metrics");
    let card = nc_si_card(&state, &id, &uri)?;
    let mut all = Vec::new();
    for p in &card.nic.ports {
        all.push(counters(&state, &id, p.id, "NetworkAdapterMetrics").await?);
    }
    Ok(resource(adapter_metrics(&uri, &all), "GET"))
}

pub fn routes() -> Router<Shared> {
    let a = "/redfish/v1/Chassis/{id}/NetworkAdapters/{adapter}";
    Router::new()
        .route(
            &format!("{a}/Metrics"),
            methods(get(adapter_resource), "GET"),
        )
        .route(
            &format!("{a}/Ports/{{n}}/Metrics"),
            methods(get(port_resource), "GET"),
        )
        .route(
            &format!("{a}/NetworkDeviceFunctions/{{n}}/Metrics"),
            methods(get(function_resource), "GET"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cards::SidebandCounters;

    /// Every counter distinct, so a property taken from the wrong source shows.
    fn distinct() -> HostCounters {
        HostCounters {
            rx_bytes: 1001,
            tx_bytes: 1002,
            rx_unicast: 3,
            rx_multicast: 5,
            rx_broadcast: 7,
            tx_unicast: 11,
            tx_multicast: 13,
            tx_broadcast: 17,
            fcs_errors: 19,
            alignment_errors: 23,
            false_carrier: 29,
            runts: 31,
            jabbers: 37,
            rx_pause_xon: 41,
            rx_pause_xoff: 43,
            tx_pause_xon: 47,
            tx_pause_xoff: 53,
            single_collisions: 59,
            multiple_collisions: 61,
            late_collisions: 67,
            excessive_collisions: 71,
        }
    }

    #[test]
    fn each_port_metric_comes_from_its_own_counter() {
        let c = PortCounters {
            host: Some(distinct()),
            sideband: None,
        };
        let v = port_metrics("/m", 0, &c);
        let n = &v["Networking"];
        let want = [
            ("RXFrames", 15),
            ("TXFrames", 41),
            ("RXUnicastFrames", 3),
            ("RXMulticastFrames", 5),
            ("RXBroadcastFrames", 7),
            ("TXUnicastFrames", 11),
            ("TXMulticastFrames", 13),
            ("TXBroadcastFrames", 17),
            ("RXFCSErrors", 19),
            ("RXFrameAlignmentErrors", 23),
            ("RXFalseCarrierErrors", 29),
            ("RXUndersizeFrames", 31),
            ("RXOversizeFrames", 37),
            ("RXPauseXONFrames", 41),
            ("RXPauseXOFFFrames", 43),
            ("TXPauseXONFrames", 47),
            ("TXPauseXOFFFrames", 53),
            ("TXSingleCollisions", 59),
            ("TXMultipleCollisions", 61),
            ("TXLateCollisions", 67),
            ("TXExcessiveCollisions", 71),
        ];
        for (k, x) in want {
            assert_eq!(n[k], x, "{k}");
        }
        assert_eq!(n.as_object().unwrap().len(), want.len());
        assert_eq!(
            (v["RXBytes"].as_u64(), v["TXBytes"].as_u64()),
            (Some(1001), Some(1002))
        );
        // FCS + alignment + false carrier + runt + jabber.
        assert_eq!(v["RXErrors"], 19 + 23 + 29 + 31 + 37);
    }

    #[test]
    fn what_the_controller_does_not_report_is_left_out() {
        let none = PortCounters::default();
        let v = port_metrics("/m", 1, &none);
        assert!(
            v.get("Networking").is_none()
                && v.get("RXBytes").is_none()
                && v.get("RXErrors").is_none(),
            "{v}"
        );
        let v = function_metrics("/f", 1, &none);
        assert!(v.get("RXFrames").is_none(), "{v}");
        // One port without the sideband counters: no NC-SI totals for the adapter.
        let with = Arc::new(PortCounters {
            host: Some(distinct()),
            sideband: Some(SidebandCounters {
                rx_frames: 5,
                tx_frames: 6,
            }),
        });
        let without = Arc::new(PortCounters {
            host: Some(distinct()),
            sideband: None,
        });
        let v = adapter_metrics("/a", &[with.clone(), without]);
        assert!(v.get("NCSIRXFrames").is_none(), "{v}");
        assert_eq!(v["RXBytes"], 2002);
        let v = adapter_metrics("/a", &[with.clone(), with]);
        assert_eq!(
            (v["NCSIRXFrames"].as_u64(), v["NCSITXFrames"].as_u64()),
            (Some(10), Some(12))
        );
        assert_eq!(v["TXMulticastFrames"], 26);
    }
}
