//! The Redfish aggregation service (DSP0266) over the card layer: one file per
//! resource, a Base-registry error type, a privilege check per handler, authentication
//! by session token or HTTP Basic.
//!
//! - [`auth`]: accounts, roles and privileges (DSP0266 §13), sessions.
//! - [`error`]: [`RedfishError`], Base messages in `@Message.ExtendedInfo`.
//! - [`mapping`]: card errors, events, tasks and connections in Redfish terms.
//! - Resources, one file each: `service` (service root, `odata`, `$metadata`),
//!   `sessions` (SessionService, AccountService, Roles), `systems` (ComputerSystem,
//!   Reset), `managers` (Manager, EthernetInterface, VirtualMedia), `chassis`
//!   (Chassis, NetworkAdapter, Port, NetworkDeviceFunction, PCIeDevice/Function,
//!   UpdateService), `aggregation` (AggregationService, sources, ConnectionMethods),
//!   `events` (EventService, SSE, subscriptions), `tasks` (TaskService).

pub mod auth;
pub mod error;
pub mod mapping;
pub mod names;
pub mod protocol;
mod query;

mod adapter;
mod aggregation;
pub(crate) mod bios;
mod chassis;
pub mod delivery;
pub mod events;
mod host;
mod integrity;
pub mod log_services;
mod managers;
mod metrics;
mod sensors;
mod service;
mod sessions;
mod systems;
mod tasks;
pub mod tunnel;

use crate::cards::{Card, Cards};
use auth::{Auth, Caller};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::{Router, middleware};
use error::{RedfishError, RfResult};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Longest a request may take (an OEM round trip with retries, several times over).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// Accounts and sessions.
    pub auth: Auth,
    /// The cards.
    pub cards: Arc<Cards>,
    /// Where subscriptions are kept.
    pub state_dir: PathBuf,
    /// Event subscriptions.
    pub subscriptions: events::Subscriptions,
    /// Rendered card resources by path, with the card generation they show. A cached
    /// GET of an unchanged card builds and serializes nothing.
    pub rendered: std::sync::Mutex<std::collections::HashMap<String, (u64, Rendered)>>,
    /// One lock per resource for writes (If-Match check and write together).
    pub write_locks: Arc<protocol::WriteLocks>,
    /// The Redfish tunnel's card ids and kept responses.
    pub tunnel: tunnel::TunnelState,
    /// Each card's event log.
    pub logs: log_services::EventLogs,
}

/// Shared state.
pub type Shared = Arc<AppState>;

impl AppState {
    /// State over `cards` keeping files in `state_dir`. Returns the path of the
    /// initial administrator password when this is the first start.
    pub fn open(
        cards: Arc<Cards>,
        state_dir: PathBuf,
    ) -> std::io::Result<(Shared, Option<PathBuf>)> {
        let (auth, created) = Auth::open(&state_dir)?;
        let subscriptions = events::Subscriptions::open(&state_dir)?;
        let logs = log_services::EventLogs::open(&state_dir)?;
        Ok((
            Arc::new(AppState {
                auth,
                cards,
                state_dir,
                subscriptions,
                rendered: std::sync::Mutex::new(std::collections::HashMap::new()),
                write_locks: Arc::default(),
                tunnel: tunnel::TunnelState::default(),
                logs,
            }),
            created,
        ))
    }
}

/// A JSON object request body: malformed JSON, a non-object or an oversized body get
/// the Base messages for them.
#[derive(Debug)]
pub struct JsonBody(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = RedfishError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                RedfishError::payload_too_large()
            } else {
                RedfishError::malformed_json()
            }
        })?;
        if bytes.is_empty() {
            return Ok(JsonBody(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(JsonBody(m)),
            _ => Err(RedfishError::malformed_json()),
        }
    }
}

/// The weak ETag of serialized body bytes (SipHash with fixed keys: stable across
/// restarts, and it reads 8 bytes at a time).
fn etag_of(bytes: &[u8]) -> String {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(bytes);
    format!("W/\"{:016x}\"", h.finish())
}

/// A resource serialized once: the body with `@odata.etag`, the same ETag for the
/// header, and the `Link` to its JSON Schema.
#[derive(Debug, Clone)]
pub struct Rendered {
    body: Bytes,
    etag: HeaderValue,
    link: Option<HeaderValue>,
}

impl Rendered {
    /// Serializes `body`. The ETag is the hash of the representation without
    /// `@odata.etag`, which is then put first in the object: header and property carry
    /// the same value (DSP0266 "ETags"), and [`check_if_match`] can recompute it from
    /// the resource's body.
    pub fn new(body: &Value) -> Self {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let tag = etag_of(&bytes);
        let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("W/\"0\""));
        let spliced = match bytes.strip_prefix(b"{") {
            // Resources only (they have an @odata.id): not `/redfish`'s version object.
            Some(rest) if body.get("@odata.id").is_some() && body.get("@odata.etag").is_none() => {
                let mut out = Vec::with_capacity(bytes.len() + tag.len() + 20);
                out.extend_from_slice(b"{\"@odata.etag\":");
                out.extend_from_slice(serde_json::to_string(&tag).unwrap_or_default().as_bytes());
                if rest != b"}" {
                    out.push(b',');
                }
                out.extend_from_slice(rest);
                Bytes::from(out)
            }
            _ => Bytes::from(bytes),
        };
        let link = schema_link(body.get("@odata.type").and_then(Value::as_str));
        Rendered {
            body: spliced,
            etag,
            link,
        }
    }

    fn respond(self, allow: &'static str) -> Response {
        let mut r = self.body.into_response();
        let h = r.headers_mut();
        // These and the security headers, without growing the map on the way.
        h.reserve(16);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(protocol::ODATA_VERSION, HeaderValue::from_static("4.0"));
        h.insert(header::ALLOW, HeaderValue::from_static(allow));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(header::ETAG, self.etag);
        if let Some(link) = self.link {
            h.insert(header::LINK, link);
        }
        r
    }
}

/// `Link: <…/Schema.vX_Y_Z.json>; rel=describedby` for `#Schema.vX_Y_Z.Type` (DSP0266
/// "Link header"): the versioned JSON Schema DMTF publishes, or the unversioned one
/// for a collection.
fn schema_link(odata_type: Option<&str>) -> Option<HeaderValue> {
    let t = odata_type?.strip_prefix('#')?;
    let namespace = t.rsplit_once('.').map_or(t, |(ns, _)| ns);
    HeaderValue::from_str(&format!(
        "<https://redfish.dmtf.org/schemas/v1/{namespace}.json>; rel=describedby"
    ))
    .ok()
}

/// A card resource at `path`, rendered by `build` only when the card changed since
/// the last rendering (`generation`).
pub fn cached_resource(
    state: &AppState,
    path: &str,
    generation: u64,
    allow: &'static str,
    build: impl FnOnce() -> Value,
) -> Response {
    if let Some((g, rendered)) = state
        .rendered
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(path)
    {
        if *g == generation {
            return rendered.clone().respond(allow);
        }
    }
    let rendered = Rendered::new(&build());
    let mut cache = state.rendered.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() > 4096 {
        cache.clear();
    }
    cache.insert(path.to_string(), (generation, rendered.clone()));
    drop(cache);
    rendered.respond(allow)
}

/// A resource response: JSON with `@odata.etag`, OData-Version, ETag, Link, Allow,
/// Cache-Control.
pub fn resource(body: Value, allow: &'static str) -> Response {
    Rendered::new(&body).respond(allow)
}

/// 412 when an If-Match header names another version of `current`, the body the
/// resource's GET shows (held under [`protocol::write_lock`] by the caller's request).
pub fn check_if_match(headers: &HeaderMap, current: &Value) -> RfResult<()> {
    let Some(want) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let have = Rendered::new(current).etag;
    if protocol::tag_in_list(want, &have) {
        Ok(())
    } else {
        Err(RedfishError::precondition_failed())
    }
}

/// A method router whose other methods answer 405 with an Allow header.
pub fn methods(router: MethodRouter<Shared>, allow: &'static str) -> MethodRouter<Shared> {
    router.fallback(move || async move { RedfishError::method_not_allowed(allow) })
}

/// 204 No Content with OData-Version.
pub fn no_content() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(protocol::ODATA_VERSION, HeaderValue::from_static("4.0"));
    r
}

/// A collection body.
pub fn collection(
    odata_id: &str,
    ty: &str,
    name: &str,
    members: impl IntoIterator<Item = String>,
) -> Value {
    let members: Vec<Value> = members
        .into_iter()
        .map(|m| serde_json::json!({ "@odata.id": m }))
        .collect();
    serde_json::json!({
        "@odata.id": odata_id,
        "@odata.type": format!("#{ty}.{ty}"),
        "Name": name,
        "Members@odata.count": members.len(),
        "Members": members,
    })
}

/// A collection with one member per card, `{odata_id}/{card id}`: Systems, Managers,
/// Chassis, AggregationSources.
pub fn card_collection(state: &Shared, odata_id: &str, ty: &str, name: &str) -> Response {
    let ids = state
        .cards
        .cards()
        .into_iter()
        .map(|c| format!("{odata_id}/{}", c.id));
    resource(collection(odata_id, ty, name, ids), "GET")
}

fn public(method: &Method, path: &str) -> bool {
    let path = path.trim_end_matches('/');
    matches!(
        path,
        "/redfish" | "/redfish/v1" | "/redfish/v1/odata" | "/redfish/v1/$metadata"
    ) || (method == Method::POST
        && matches!(
            path,
            "/redfish/v1/SessionService/Sessions" | "/redfish/v1/SessionService/Sessions/Members"
        ))
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// The role given to requests without credentials, on a listener that trusts them
/// (the loopback listener of a bmcweb satellite, when configured).
#[derive(Debug, Clone, Copy)]
struct Trusted(auth::Role);

/// Authenticates every request but the public ones; the caller goes into the request
/// extensions for handlers.
async fn authenticate(state: Shared, inner: Router, mut req: Request, next: Next) -> Response {
    let trusted = req.extensions().get::<Trusted>().copied();
    let caller = if let Some(token) = req
        .headers()
        .get("X-Auth-Token")
        .and_then(|v| v.to_str().ok())
    {
        state.auth.session(token)
    } else if let Some((u, p)) = basic(req.headers()) {
        state.auth.check(&u, &p).await
    } else {
        None
    };
    match caller {
        Some(c) => {
            req.extensions_mut().insert(c);
        }
        None if public(req.method(), req.uri().path()) => {}
        None => match trusted {
            Some(Trusted(role)) => {
                req.extensions_mut().insert(Caller {
                    user: "satellite".into(),
                    role,
                    session: None,
                });
            }
            None => return RedfishError::unauthorized().into_response(),
        },
    }
    // Authenticated: a query is answered over the resources as this caller; a write
    // runs under its resource's lock.
    if query::wants(&req) {
        // Boxed: its state is large and rarely needed; every request's future stays small.
        Box::pin(query::serve(inner, req)).await
    } else {
        // A card's tunnelled subtree goes to the card; the rest to the typed resources.
        protocol::write_lock(state.write_locks.clone(), req, |req| async {
            match tunnel::serve(&state, req).await {
                Ok(r) => r,
                Err(req) => next.run(req).await,
            }
        })
        .await
    }
}

/// The request rules of [`protocol`] (OData-Version, unsupported queries, 304), the
/// OData-Version header on every response, and a Redfish 404 for unknown paths.
async fn odata_version(req: Request, next: Next) -> Response {
    if let Some(mut refused) = protocol::refuse(&req) {
        protocol::security_headers(refused.headers_mut());
        return refused;
    }
    let req = protocol::without_trailing_slash(req);
    let if_none_match = protocol::if_none_match(&req);
    // A reference-counted copy: the path is only needed for a 404.
    let uri = req.uri().clone();
    let mut r = next.run(req).await;
    if r.status() == StatusCode::NOT_FOUND && r.headers().get(protocol::ODATA_VERSION).is_none() {
        r = RedfishError::not_found("Resource", uri.path()).into_response();
    }
    r.headers_mut()
        .entry(protocol::ODATA_VERSION)
        .or_insert(HeaderValue::from_static("4.0"));
    let mut r = protocol::conditional(if_none_match, r);
    protocol::security_headers(r.headers_mut());
    r
}

/// The caller of an authenticated request (handlers of non-public routes only).
pub fn caller(req_ext: &axum::http::Extensions) -> RfResult<Caller> {
    req_ext
        .get::<Caller>()
        .cloned()
        .ok_or_else(RedfishError::unauthorized)
}

/// The service for a listener that serves requests without credentials with `role`
/// (only ever the loopback plain-HTTP listener, and only when configured).
pub fn app_trusting(state: Shared, role: auth::Role) -> Router {
    app(state).layer(axum::Extension(Trusted(role)))
}

/// A card by id (404 naming `kind` when there is none), read from the card first when
/// it never was, so a first look shows its state rather than nothing.
pub async fn card(state: &Shared, id: &str, kind: &str) -> RfResult<Arc<Card>> {
    state
        .cards
        .card_read(id)
        .await
        .map_err(|e| mapping::card_error(&e, mapping::Context::Read(kind)))
}

/// A card by id as cached (404 naming `kind` when there is none).
pub fn cached_card(state: &Shared, id: &str, kind: &str) -> RfResult<Arc<Card>> {
    state
        .cards
        .card(id)
        .map_err(|e| mapping::card_error(&e, mapping::Context::Read(kind)))
}

/// The whole service.
pub fn app(state: Shared) -> Router {
    let timeout = tower::ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(
            |_: tower::BoxError| async { RedfishError::timeout() },
        ))
        .timeout(REQUEST_TIMEOUT);
    // The resources; authentication, queries over them and the write locks are one
    // layer (each layer costs every request).
    let typed: Router = Router::new()
        .merge(service::routes())
        .merge(sessions::routes())
        .merge(systems::routes())
        .merge(managers::routes())
        .merge(log_services::routes())
        .merge(chassis::routes())
        .merge(adapter::routes())
        .merge(bios::routes())
        .merge(metrics::routes())
        .merge(host::routes())
        .merge(sensors::routes())
        .merge(aggregation::routes())
        .merge(events::routes())
        .merge(tasks::routes())
        .merge(integrity::routes())
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state.clone());
    // What a query reads its members from: the subtrees of cards with the Redfish
    // tunnel from the card, the rest from the typed resources. (A request without a
    // query takes the same turn in `authenticate`, without this router level.)
    let tunnel_state = state.clone();
    let direct = typed.clone();
    let inner: Router = Router::new().fallback_service(tower::service_fn(move |req: Request| {
        let (state, typed) = (tunnel_state.clone(), direct.clone());
        async move {
            Ok::<_, std::convert::Infallible>(match tunnel::serve(&state, req).await {
                Ok(r) => r,
                Err(req) => tower::ServiceExt::oneshot(typed, req).await.into_response(),
            })
        }
    }));
    // The layers wrap the typed router as one service (not route by route), so they
    // see every request before it is routed (a trailing slash is taken off first).
    let layered = tower::ServiceBuilder::new()
        .layer(timeout)
        .layer(middleware::from_fn(odata_version))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            authenticate(state.clone(), inner.clone(), req, next)
        }))
        .service(typed);
    Router::new().fallback_service(layered)
}

/// Delivers events to subscriptions until `shutdown`: each event to every matching
/// subscription, three attempts each.
pub async fn events_delivery(state: Shared, shutdown: impl std::future::Future<Output = ()>) {
    events::deliver(state, shutdown).await;
}
