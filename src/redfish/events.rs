//! `EventService`: a Server-Sent Events stream and persisted subscriptions whose
//! destinations receive each event by HTTP POST (DSP0266 §14). Events come from the
//! card layer ([`crate::cards::CardEvent`], made Redfish by [`super::mapping`]): card
//! state changes, cards going offline and back, task ends.
//!
//! Push delivery speaks `http://` and `https://` ([`super::delivery`]; https
//! destinations are verified against a CA file, the system's bundle by default). Each
//! event is tried once and then `DeliveryRetryAttempts` more times,
//! `DeliveryRetryIntervalSeconds` apart; a destination that still fails is suspended
//! (`DeliveryRetryPolicy` SuspendRetries: `Status.State` Disabled, no more events) until
//! it is deleted and subscribed again. At most [`MAX_SUBSCRIPTIONS`] subscriptions, and
//! at most [`MAX_DELIVERIES`] deliveries in flight at once.

use super::auth::{Caller, Privilege, read_state, write_atomic};
use super::delivery::{self, Destination, SYSTEM_CA_FILE, Trust};
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
use std::sync::{Arc, Mutex};
use std::time::Duration;
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
    /// Delivery failed after every retry: no more events go there.
    #[serde(default)]
    pub suspended: bool,
}

/// The EventService's delivery settings, kept in `event-service.json`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Retries after a failed first attempt (`DeliveryRetryAttempts`).
    pub retry_attempts: u32,
    /// Seconds between attempts (`DeliveryRetryIntervalSeconds`).
    pub retry_interval_seconds: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            retry_attempts: 3,
            retry_interval_seconds: 5,
        }
    }
}

/// Most subscriptions kept.
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// Most event deliveries (connections) in flight at once, over all subscriptions.
pub const MAX_DELIVERIES: usize = 16;
/// Bounds of the settings a client may PATCH.
const RETRY_ATTEMPTS: std::ops::RangeInclusive<u64> = 0..=10;
const RETRY_INTERVAL: std::ops::RangeInclusive<u64> = 1..=600;

/// Subscriptions kept in `subscriptions.json`, the delivery settings, the trust store.
#[derive(Debug)]
pub struct Subscriptions {
    path: PathBuf,
    settings_path: PathBuf,
    /// Short critical sections, never across an `.await`.
    list: Mutex<Vec<Subscription>>,
    /// Retry settings (short critical sections as above).
    settings: Mutex<DeliverySettings>,
    /// The CAs https destinations must chain to.
    pub trust: Trust,
    /// Bounds the deliveries in flight.
    in_flight: Arc<tokio::sync::Semaphore>,
    /// Where events may go (short critical sections as above).
    allowed: Mutex<delivery::Networks>,
}

impl Subscriptions {
    /// Loads the subscriptions of `state_dir` (none on first start).
    pub fn open(state_dir: &FsPath) -> std::io::Result<Self> {
        let path = state_dir.join("subscriptions.json");
        let list = read_state(&path)?.unwrap_or_default();
        let settings_path = state_dir.join("event-service.json");
        let settings = read_state(&settings_path)?.unwrap_or_default();
        Ok(Subscriptions {
            path,
            settings_path,
            list: Mutex::new(list),
            settings: Mutex::new(settings),
            trust: Trust::new(PathBuf::from(SYSTEM_CA_FILE)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_DELIVERIES)),
            allowed: Mutex::new(delivery::Networks::default_for_host()),
        })
    }

    /// Events go only to these networks from now on.
    pub fn set_allowed(&self, n: delivery::Networks) {
        *self.allowed.lock().unwrap_or_else(|e| e.into_inner()) = n;
    }

    /// Where events may go.
    pub fn allowed(&self) -> delivery::Networks {
        self.allowed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The delivery settings.
    pub fn settings(&self) -> DeliverySettings {
        *self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn store_settings(&self, next: DeliverySettings) -> RfResult<()> {
        let bytes = serde_json::to_vec_pretty(&next).map_err(|_| RedfishError::internal())?;
        write_atomic(&self.settings_path, &bytes, 0o600).map_err(|e| {
            tracing::error!("saving {}: {e}", self.settings_path.display());
            RedfishError::internal()
        })?;
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(())
    }

    /// Marks a subscription suspended (it is kept, and shown Disabled).
    fn suspend(&self, id: &str) {
        let r = self.update(|list| {
            Ok(match list.iter_mut().find(|s| s.id == id && !s.suspended) {
                Some(s) => {
                    s.suspended = true;
                    true
                }
                None => false,
            })
        });
        if r.is_err() {
            tracing::error!("subscription {id} could not be marked suspended");
        }
    }

    /// The subscriptions.
    pub fn list(&self) -> Vec<Subscription> {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the list with `f` and saves it: read, change and write happen under
    /// the list's lock, so concurrent writers neither lose each other's changes nor
    /// interleave their files. Nothing changes when `f` or the write fails. The lock
    /// is a std mutex held across a small synchronous file write, never an `.await`.
    fn update<T>(&self, f: impl FnOnce(&mut Vec<Subscription>) -> RfResult<T>) -> RfResult<T> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let mut next = list.clone();
        let out = f(&mut next)?;
        let bytes = serde_json::to_vec_pretty(&next).map_err(|_| RedfishError::internal())?;
        write_atomic(&self.path, &bytes, 0o600).map_err(|e| {
            tracing::error!("saving {}: {e}", self.path.display());
            RedfishError::internal()
        })?;
        *list = next;
        Ok(out)
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

fn service_body(settings: DeliverySettings) -> Value {
    json!({
            "@odata.id": "/redfish/v1/EventService",
            "@odata.type": odata_type("EventService"),
            "Id": "EventService",
            "Name": "Event Service",
            "ServiceEnabled": true,
            "DeliveryRetryAttempts": settings.retry_attempts,
            "DeliveryRetryIntervalSeconds": settings.retry_interval_seconds,
            "EventFormatTypes": ["Event"],
            "RegistryPrefixes": ["ResourceEvent", "TaskEvent"],
            "ServerSentEventUri": "/redfish/v1/EventService/SSE",
            "Subscriptions": { "@odata.id": "/redfish/v1/EventService/Subscriptions" },
            "Status": { "State": "Enabled", "Health": "OK" }
    })
}

async fn service(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(resource(
        service_body(state.subscriptions.settings()),
        "GET, PATCH",
    ))
}

/// PATCH of the retry settings (ConfigureManager).
async fn patch_service(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    headers: axum::http::HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureManager)?;
    let current = state.subscriptions.settings();
    super::check_if_match(&headers, &service_body(current))?;
    super::sessions::patch_keys(
        &body,
        &["DeliveryRetryAttempts", "DeliveryRetryIntervalSeconds"],
        &[
            "Id",
            "Name",
            "ServiceEnabled",
            "EventFormatTypes",
            "RegistryPrefixes",
            "ServerSentEventUri",
            "Subscriptions",
            "Status",
        ],
    )?;
    let number = |k: &str, range: std::ops::RangeInclusive<u64>| -> RfResult<Option<u32>> {
        match body.get(k) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if range.contains(&n) => Ok(Some(n as u32)),
                Some(_) => Err(RedfishError::value_out_of_range(k, &v.to_string())),
                None => Err(RedfishError::value_type(k, &v.to_string())),
            },
        }
    };
    let next = DeliverySettings {
        retry_attempts: number("DeliveryRetryAttempts", RETRY_ATTEMPTS)?
            .unwrap_or(current.retry_attempts),
        retry_interval_seconds: number("DeliveryRetryIntervalSeconds", RETRY_INTERVAL)?
            .unwrap_or(current.retry_interval_seconds),
    };
    state.subscriptions.store_settings(next)?;
    Ok(resource(service_body(next), "GET, PATCH"))
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
        "RegistryPrefixes": s.registry_prefixes,
        "DeliveryRetryPolicy": "SuspendRetries",
        "Status": if s.suspended {
            json!({ "State": "Disabled", "Health": "Critical" })
        } else {
            json!({ "State": "Enabled", "Health": "OK" })
        }
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
    if Destination::parse(&destination).is_none() {
        // Shown with control characters escaped: the value goes into a message.
        return Err(RedfishError::value_format(
            "Destination",
            &destination.escape_default().to_string(),
        ));
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
        suspended: false,
    })
}

async fn create(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureComponents)?;
    let s = parse_subscription(&body)?;
    // The destination must resolve inside the allowed networks now; each delivery
    // checks again (a name can change).
    if let Some(to) = Destination::parse(&s.destination) {
        if let Err(e) = state.subscriptions.allowed().resolve(&to).await {
            return Err(
                RedfishError::value_not_in_list("Destination", &s.destination)
                    .with_summary(format!("Destination {}: {e}", s.destination)),
            );
        }
    }
    state.subscriptions.update(|list| {
        if list.len() >= MAX_SUBSCRIPTIONS {
            return Err(RedfishError::not_allowed(&format!(
                "the service keeps at most {MAX_SUBSCRIPTIONS} subscriptions"
            )));
        }
        list.push(s.clone());
        Ok(())
    })?;
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
    state.subscriptions.update(|list| {
        let Some(current) = list.iter().find(|s| s.id == id) else {
            return Err(RedfishError::not_found("EventDestination", &id));
        };
        super::check_if_match(&headers, &subscription_body(current))?;
        list.retain(|s| s.id != id);
        Ok(())
    })?;
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
            if s.suspended
                || (!s.registry_prefixes.is_empty() && !s.registry_prefixes.contains(&prefix))
            {
                continue;
            }
            let body = event_body(&e, &s.context).to_string().into_bytes();
            tokio::spawn(deliver_one(state.clone(), s, body));
        }
    }
}

/// One event to one subscription: the first attempt and the configured retries; a
/// destination that fails them all is suspended.
async fn deliver_one(state: Shared, s: Subscription, body: Vec<u8>) {
    let Some(to) = Destination::parse(&s.destination) else {
        return state.subscriptions.suspend(&s.id);
    };
    let settings = state.subscriptions.settings();
    let mut why = String::new();
    for attempt in 0..=settings.retry_attempts {
        if attempt > 0 {
            let pause = u64::from(settings.retry_interval_seconds);
            tokio::time::sleep(Duration::from_secs(pause)).await;
        }
        let Ok(_slot) = state.subscriptions.in_flight.clone().acquire_owned().await else {
            return;
        };
        let allowed = state.subscriptions.allowed();
        match delivery::post(&to, &body, &state.subscriptions.trust, &allowed).await {
            Ok(()) => return,
            Err(e) => why = e.to_string(),
        }
    }
    tracing::warn!(
        "event delivery to {} failed {} time(s) ({why}); subscription {} suspended",
        to.authority(),
        settings.retry_attempts + 1,
        s.id
    );
    state.subscriptions.suspend(&s.id);
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/redfish/v1/EventService",
            methods(get(service).patch(patch_service), "GET, PATCH"),
        )
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
