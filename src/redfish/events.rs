//! `EventService`: a Server-Sent Events stream and persisted subscriptions whose
//! destinations receive each event by HTTP POST (DSP0266 §14). Events come from the
//! card layer ([`crate::cards::CardEvent`], made Redfish by [`super::mapping`]): card
//! state changes, cards going offline and back, task ends.
//!
//! Push delivery speaks plain `http://`; an `https://` destination is refused when the
//! subscription is created (this version has no trust store for outgoing TLS).

use super::auth::{Caller, Privilege, write_atomic};
use super::error::{RedfishError, RfResult};
use super::mapping::{RfEvent, rfc3339};
use super::service::odata_type;
use super::{JsonBody, Shared, collection, methods, no_content, resource};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast;

/// One subscription, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// Where events are POSTed.
    pub destination: String,
    /// Echoed in every event.
    pub context: String,
    /// Registry prefixes to deliver (empty: all).
    pub registry_prefixes: Vec<String>,
}

/// Subscriptions kept in `subscriptions.json`.
#[derive(Debug)]
pub struct Subscriptions {
    path: PathBuf,
    /// Short critical sections, never across an `.await`.
    list: Mutex<Vec<Subscription>>,
}

impl Subscriptions {
    /// Loads the subscriptions of `state_dir` (none on first start).
    pub fn open(state_dir: &FsPath) -> std::io::Result<Self> {
        let path = state_dir.join("subscriptions.json");
        let list = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(Subscriptions {
            path,
            list: Mutex::new(list),
        })
    }

    /// The subscriptions.
    pub fn list(&self) -> Vec<Subscription> {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn store(&self, next: Vec<Subscription>) -> RfResult<()> {
        let bytes = serde_json::to_vec_pretty(&next).map_err(|_| RedfishError::internal())?;
        write_atomic(&self.path, &bytes, 0o600).map_err(|e| {
            tracing::error!("saving {}: {e}", self.path.display());
            RedfishError::internal()
        })?;
        *self.list.lock().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(())
    }
}

/// The Event resource for one event.
pub fn event_body(e: &RfEvent, context: &str) -> Value {
    json!({
        "@odata.type": odata_type("Event"),
        "Id": e.id.to_string(),
        "Name": "sidebridge event",
        "Context": context,
        "Events": [{
            "EventId": e.id.to_string(),
            "EventTimestamp": rfc3339(e.timestamp),
            "MessageId": e.message_id,
            "Message": e.message,
            "MessageSeverity": e.severity,
            "OriginOfCondition": { "@odata.id": e.origin }
        }]
    })
}

async fn service(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let _ = state;
    Ok(resource(
        json!({
            "@odata.id": "/redfish/v1/EventService",
            "@odata.type": odata_type("EventService"),
            "Id": "EventService",
            "Name": "Event Service",
            "ServiceEnabled": true,
            "DeliveryRetryAttempts": 3,
            "DeliveryRetryIntervalSeconds": 1,
            "EventFormatTypes": ["Event"],
            "RegistryPrefixes": ["ResourceEvent", "TaskEvent"],
            "ServerSentEventUri": "/redfish/v1/EventService/SSE",
            "Subscriptions": { "@odata.id": "/redfish/v1/EventService/Subscriptions" },
            "Status": { "State": "Enabled", "Health": "OK" }
        }),
        "GET",
    ))
}

fn subscription_body(s: &Subscription) -> Value {
    json!({
        "@odata.id": format!("/redfish/v1/EventService/Subscriptions/{}", s.id),
        "@odata.type": odata_type("EventDestination"),
        "Id": s.id,
        "Name": "Event subscription",
        "Destination": s.destination,
        "Context": s.context,
        "Protocol": "Redfish",
        "EventFormatType": "Event",
        "SubscriptionType": "RedfishEvent",
        "RegistryPrefixes": s.registry_prefixes
    })
}

async fn list(State(state): State<Shared>, Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let ids = state
        .subscriptions
        .list()
        .into_iter()
        .map(|s| format!("/redfish/v1/EventService/Subscriptions/{}", s.id));
    Ok(resource(
        collection(
            "/redfish/v1/EventService/Subscriptions",
            "EventDestinationCollection",
            "Event Subscriptions Collection",
            ids,
        ),
        "GET, POST",
    ))
}

/// A new subscription from a POST body, every property checked.
fn parse_subscription(body: &serde_json::Map<String, Value>) -> RfResult<Subscription> {
    super::sessions::patch_keys(
        body,
        &[
            "Destination",
            "Context",
            "Protocol",
            "EventFormatType",
            "SubscriptionType",
            "RegistryPrefixes",
        ],
        &["Id"],
    )?;
    let text = |k: &str| -> RfResult<Option<String>> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(RedfishError::value_type(k, &v.to_string())),
        }
    };
    let destination =
        text("Destination")?.ok_or_else(|| RedfishError::property_missing("Destination"))?;
    let Some(rest) = destination.strip_prefix("http://") else {
        return Err(RedfishError::value_format("Destination", &destination));
    };
    if rest.is_empty() || rest.starts_with('/') || destination.len() > 1024 {
        return Err(RedfishError::value_format("Destination", &destination));
    }
    for (k, want) in [
        ("Protocol", "Redfish"),
        ("EventFormatType", "Event"),
        ("SubscriptionType", "RedfishEvent"),
    ] {
        if let Some(v) = text(k)? {
            if v != want {
                return Err(RedfishError::value_not_in_list(k, &v));
            }
        }
    }
    let registry_prefixes = match body.get("RegistryPrefixes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => {
            let mut v = Vec::new();
            for p in a {
                match p.as_str() {
                    Some(s @ ("ResourceEvent" | "TaskEvent")) => v.push(s.to_string()),
                    _ => {
                        return Err(RedfishError::value_not_in_list(
                            "RegistryPrefixes",
                            &p.to_string(),
                        ));
                    }
                }
            }
            v
        }
        Some(v) => return Err(RedfishError::value_type("RegistryPrefixes", &v.to_string())),
    };
    Ok(Subscription {
        id: super::auth::random_hex(6),
        destination,
        context: text("Context")?.unwrap_or_default(),
        registry_prefixes,
    })
}

async fn create(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let s = parse_subscription(&body)?;
    let mut next = state.subscriptions.list();
    if next.len() >= 64 {
        return Err(RedfishError::not_allowed(
            "the service keeps at most 64 subscriptions",
        ));
    }
    next.push(s.clone());
    state.subscriptions.store(next)?;
    let mut r = (StatusCode::CREATED, axum::Json(subscription_body(&s))).into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/redfish/v1/EventService/Subscriptions/{}", s.id))
            .map_err(|_| RedfishError::internal())?,
    );
    Ok(r)
}

async fn get_one(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let s = state
        .subscriptions
        .list()
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| RedfishError::not_found("EventDestination", &id))?;
    Ok(resource(subscription_body(&s), "GET, DELETE"))
}

async fn delete(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let list = state.subscriptions.list();
    let Some(current) = list.iter().find(|s| s.id == id) else {
        return Err(RedfishError::not_found("EventDestination", &id));
    };
    super::check_if_match(&headers, &subscription_body(current))?;
    state
        .subscriptions
        .store(list.into_iter().filter(|s| s.id != id).collect())?;
    Ok(no_content())
}

async fn sse(State(state): State<Shared>, Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let rx = state.cards.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    let e = RfEvent::from(&e);
                    let ev = SseEvent::default()
                        .id(e.id.to_string())
                        .data(event_body(&e, "").to_string());
                    return Some((Ok::<_, std::convert::Infallible>(ev), rx));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// POSTs `body` to an `http://host[:port]/path` destination; true on a 2xx answer.
pub async fn post_json(destination: &str, body: &Value) -> bool {
    let Some(rest) = destination.strip_prefix("http://") else {
        return false;
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let addr = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let payload = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    let attempt = async {
        let mut s = tokio::net::TcpStream::connect(&addr).await.ok()?;
        s.write_all(request.as_bytes()).await.ok()?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).await.ok()?;
        Some(head.starts_with(b"HTTP/1.") && head[9] == b'2')
    };
    tokio::time::timeout(Duration::from_secs(5), attempt)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Delivers every event to every matching subscription until `shutdown`.
pub async fn deliver(state: Shared, shutdown: impl std::future::Future<Output = ()>) {
    let mut rx = state.cards.subscribe();
    tokio::pin!(shutdown);
    loop {
        let e = tokio::select! {
            () = &mut shutdown => return,
            e = rx.recv() => match e {
                Ok(e) => RfEvent::from(&e),
                Err(broadcast::error::RecvError::Lagged(n)) => { tracing::warn!("{n} events not delivered (too many at once)"); continue }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
        let prefix = e.message_id.split('.').next().unwrap_or("").to_string();
        for s in state.subscriptions.list() {
            if !s.registry_prefixes.is_empty() && !s.registry_prefixes.contains(&prefix) {
                continue;
            }
            let body = event_body(&e, &s.context);
            tokio::spawn(async move {
                for attempt in 0..3 {
                    if post_json(&s.destination, &body).await {
                        return;
                    }
                    if attempt < 2 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                tracing::warn!(
                    "event delivery to {} failed after 3 attempts",
                    s.destination
                );
            });
        }
    }
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/redfish/v1/EventService", methods(get(service), "GET"))
        .route("/redfish/v1/EventService/SSE", methods(get(sse), "GET"))
        .route(
            "/redfish/v1/EventService/Subscriptions",
            methods(get(list).post(create), "GET, POST"),
        )
        // POST to the Members of a collection is POST to the collection (DSP0266).
        .route(
            "/redfish/v1/EventService/Subscriptions/Members",
            methods(post(create), "POST"),
        )
        .route(
            "/redfish/v1/EventService/Subscriptions/{id}",
            methods(get(get_one).delete(delete), "GET, DELETE"),
        )
}
