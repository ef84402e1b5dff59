//! The platform's side of the Redfish tunnel (`protocol/OEM.md` §4.18): for a card
//! whose agent offers it, everything under the card's `Systems`, `Managers` and
//! `Chassis` members is the card's own Redfish, carried whole through the OEM set,
//! with every URI rewritten both ways between the card's ids and the platform's.
//!
//! - The card's ids are learnt once per card: the first member of the card's
//!   `Systems`, `Managers` and `Chassis` collections, read through the tunnel.
//! - Request: the path and any URI in a JSON body become the card's; only If-Match,
//!   Content-Type and OData-Version travel (the client's If-None-Match is answered
//!   here, see below). The platform's privilege table applies first (GET: Login;
//!   writes: ConfigureComponents, under Managers ConfigureManager); the agent's
//!   allow-list then applies on the card.
//! - Response: status, ETag, Location, Allow, Retry-After, Content-Type; URIs in the
//!   JSON body and in Location become the platform's; the member's `Id` becomes the
//!   platform's id. A card with an NC-SI package keeps the platform's own
//!   `NetworkAdapters` (what the NC told discovery) and its chassis links to them.
//! - GETs revalidate: a response with an ETag is kept (bounded, [`CACHE_BYTES`]); the
//!   next GET of that path asks the card with If-None-Match and a 304 from the card
//!   serves the kept body, so only headers cross the sideband. The client's own
//!   If-None-Match is then answered by the service's conditional-request rule.
//! - URIs outside the three subtrees (the card's TaskService, UpdateService,
//!   Registries) are left as the card wrote them: the platform has its own.

use super::auth::{Caller, Privilege, Role};
use super::error::RedfishError;
use super::mapping::{Context, card_error};
use super::{BODY_LIMIT, Shared};
use crate::cards::Card;
use crate::cards::{self, TunnelRequest, TunnelRole};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The most bytes of card bodies kept for revalidation.
pub const CACHE_BYTES: usize = 256 * 1024;

/// The three subtrees the tunnel carries.
const KINDS: [&str; 3] = ["Systems", "Managers", "Chassis"];

/// The card-side paths of one card's members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CardIds {
    /// By [`KINDS`] index: `/redfish/v1/Systems/{card's id}`, …
    members: [Option<String>; 3],
}

/// A kept response.
#[derive(Debug, Clone)]
struct Kept {
    etag: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// What the tunnel remembers: card ids and kept responses (std mutexes, never held
/// across an `.await`).
#[derive(Debug, Default)]
pub struct TunnelState {
    ids: Mutex<HashMap<String, CardIds>>,
    kept: Mutex<(VecDeque<String>, HashMap<String, Kept>, usize)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TunnelState {
    fn keep(&self, key: String, k: Kept) {
        let mut g = lock(&self.kept);
        let (order, map, bytes) = &mut *g;
        if let Some(old) = map.remove(&key) {
            *bytes -= old.body.len();
            order.retain(|o| *o != key);
        }
        if k.body.len() > CACHE_BYTES / 4 {
            return;
        }
        *bytes += k.body.len();
        order.push_back(key.clone());
        map.insert(key, k);
        while *bytes > CACHE_BYTES {
            let Some(oldest) = order.pop_front() else {
                break;
            };
            if let Some(o) = map.remove(&oldest) {
                *bytes -= o.body.len();
            }
        }
    }

    fn kept(&self, key: &str) -> Option<Kept> {
        lock(&self.kept).1.get(key).cloned()
    }

    fn forget(&self, key: &str) {
        let mut g = lock(&self.kept);
        let (order, map, bytes) = &mut *g;
        if let Some(old) = map.remove(key) {
            *bytes -= old.body.len();
            order.retain(|o| o != key);
        }
    }
}

/// `(kind index, platform id, rest)` of a path under a card member.
fn target(path: &str) -> Option<(usize, &str, &str)> {
    let rest = path.strip_prefix("/redfish/v1/")?;
    let (kind, rest) = rest.split_once('/')?;
    let k = KINDS.iter().position(|x| *x == kind)?;
    let (id, rest) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    (!id.is_empty()).then_some((k, id, rest))
}

/// Whether `path` of `card` goes through the tunnel.
fn tunnelled(card: &Card, kind: usize, rest: &str) -> bool {
    card.tunnel()
        && !(KINDS[kind] == "Chassis"
            && card.package().is_some()
            && (rest == "/NetworkAdapters" || rest.starts_with("/NetworkAdapters/")))
}

/// Answers `req` through the tunnel when it is a tunnelled card's; else `None` (the
/// typed resources answer it).
pub async fn serve(state: &Shared, req: Request) -> Result<Response, Request> {
    let Some((kind, id, rest)) = target(req.uri().path()) else {
        return Err(req);
    };
    let Ok(card) = state.cards.card(id) else {
        return Err(req);
    };
    if !tunnelled(&card, kind, rest) {
        return Err(req);
    }
    let rest = rest.to_string();
    // Boxed: the exchange's state is large; the futures of requests that do not take
    // the tunnel stay small.
    Ok(
        match Box::pin(forward(state, &card, kind, &rest, req)).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        },
    )
}

fn role(r: Role) -> TunnelRole {
    match r {
        Role::Administrator => TunnelRole::Administrator,
        Role::Operator => TunnelRole::Operator,
        Role::ReadOnly => TunnelRole::ReadOnly,
    }
}

/// The card's members, read through the tunnel once.
async fn card_ids(state: &Shared, card: &Card, who: TunnelRole) -> Result<CardIds, RedfishError> {
    if let Some(ids) = lock(&state.tunnel.ids).get(&card.id) {
        return Ok(ids.clone());
    }
    let mut ids = CardIds::default();
    for (k, kind) in KINDS.iter().enumerate() {
        let t = TunnelRequest {
            method: cards::Method::Get,
            role: who,
            path: format!("/redfish/v1/{kind}"),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let r = state
            .cards
            .redfish(&card.id, t)
            .await
            .map_err(|e| card_error(&e, Context::Read(kind)))?;
        if r.status != 200 {
            continue;
        }
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        ids.members[k] = v["Members"][0]["@odata.id"]
            .as_str()
            .map(|s| s.trim_end_matches('/').to_string());
    }
    lock(&state.tunnel.ids).insert(card.id.clone(), ids.clone());
    Ok(ids)
}

/// `(card prefix, platform prefix)` of each member the card has.
fn prefixes(ids: &CardIds, platform_id: &str) -> Vec<(String, String)> {
    ids.members
        .iter()
        .enumerate()
        .filter_map(|(k, m)| {
            m.clone()
                .map(|m| (m, format!("/redfish/v1/{}/{platform_id}", KINDS[k])))
        })
        .collect()
}

/// `s` with a leading `from` prefix (at a segment boundary) replaced by `to`.
fn swap(s: &str, from: &str, to: &str) -> Option<String> {
    let rest = s.strip_prefix(from)?;
    (rest.is_empty() || rest.starts_with(['/', '#', '?'])).then(|| format!("{to}{rest}"))
}

/// Rewrites every string in `v` that is a URI under one of `map`'s prefixes.
fn rewrite(v: &mut Value, map: &[(String, String)]) {
    match v {
        Value::String(s) => {
            if let Some(n) = map.iter().find_map(|(f, t)| swap(s, f, t)) {
                *s = n;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite(x, map)),
        Value::Object(o) => o.values_mut().for_each(|x| rewrite(x, map)),
        _ => {}
    }
}

fn rewrite_bytes(body: &[u8], map: &[(String, String)]) -> Option<Value> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    rewrite(&mut v, map);
    Some(v)
}

fn privilege(method: &Method, kind: usize) -> Privilege {
    if method == Method::GET || method == Method::HEAD {
        Privilege::Login
    } else if KINDS[kind] == "Managers" {
        Privilege::ConfigureManager
    } else {
        Privilege::ConfigureComponents
    }
}

/// The request headers that travel.
const REQUEST_HEADERS: [HeaderName; 3] = [
    header::IF_MATCH,
    header::CONTENT_TYPE,
    HeaderName::from_static("odata-version"),
];
/// The response headers that come back.
const RESPONSE_HEADERS: [&str; 5] = ["etag", "location", "allow", "retry-after", "content-type"];

async fn forward(
    state: &Shared,
    card: &Card,
    kind: usize,
    rest: &str,
    req: Request,
) -> Result<Response, RedfishError> {
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(RedfishError::unauthorized)?;
    caller.require(privilege(req.method(), kind))?;
    let who = role(caller.role);
    let ids = card_ids(state, card, who).await?;
    let map = prefixes(&ids, &card.id);
    let Some(member) = &ids.members[kind] else {
        return Err(RedfishError::not_found(KINDS[kind], &card.id));
    };
    let method = cards::Method::from_name(req.method().as_str())
        .ok_or_else(|| RedfishError::method_not_allowed("GET, HEAD, POST, PATCH, PUT, DELETE"))?;
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let path = format!("{member}{rest}{query}");
    let mut headers: Vec<(String, String)> = REQUEST_HEADERS
        .iter()
        .filter_map(|h| {
            let v = req.headers().get(h)?.to_str().ok()?;
            Some((h.as_str().to_string(), v.to_string()))
        })
        .collect();
    let is_get = method == cards::Method::Get;
    let kept = if is_get {
        state.tunnel.kept(&path)
    } else {
        None
    };
    if let Some(k) = &kept {
        headers.push(("If-None-Match".into(), k.etag.clone()));
    }
    let body = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
        .await
        .map_err(|_| RedfishError::payload_too_large())?;
    // URIs in a JSON body become the card's.
    let back: Vec<(String, String)> = map.iter().map(|(c, p)| (p.clone(), c.clone())).collect();
    let body = match rewrite_bytes(&body, &back) {
        Some(v) => v.to_string().into_bytes(),
        None => body.to_vec(),
    };
    let t = TunnelRequest {
        method,
        role: who,
        path: path.clone(),
        headers,
        body,
    };
    let schema = match KINDS[kind] {
        "Systems" => "ComputerSystem",
        "Managers" => "Manager",
        _ => "Chassis",
    };
    let mut r = state
        .cards
        .redfish(&card.id, t)
        .await
        .map_err(|e| card_error(&e, Context::Read(schema)))?;
    match (r.status, kept) {
        (304, Some(k)) => {
            r.status = k.status;
            r.headers = k.headers;
            r.body = k.body;
        }
        (200, _) if is_get => match r.header("ETag") {
            Some(etag) => state.tunnel.keep(
                path.clone(),
                Kept {
                    etag: etag.to_string(),
                    status: r.status,
                    headers: r.headers.clone(),
                    body: r.body.clone(),
                },
            ),
            None => state.tunnel.forget(&path),
        },
        _ => state.tunnel.forget(&path),
    }
    if !is_get && (200..300).contains(&r.status) {
        // The card changed: the typed model (events, D-Bus) reads it again.
        let cards = state.cards.clone();
        let id = card.id.clone();
        tokio::spawn(async move {
            let _ = cards.refresh(&id).await;
        });
    }
    Ok(respond(card, kind, rest, r, &map))
}

fn respond(
    card: &Card,
    kind: usize,
    rest: &str,
    r: cards::TunnelResponse,
    map: &[(String, String)],
) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let empty = r.body.is_empty();
    let body = match rewrite_bytes(&r.body, map) {
        Some(mut v) => {
            if rest.is_empty() && v.get("Id").is_some() {
                v["Id"] = Value::String(card.id.clone());
            }
            if KINDS[kind] == "Chassis" && rest.is_empty() && card.package().is_some() {
                v["NetworkAdapters"] = serde_json::json!({
                    "@odata.id": format!("/redfish/v1/Chassis/{}/NetworkAdapters", card.id)
                });
            }
            (Bytes::from(v.to_string()), true)
        }
        None => (Bytes::from(r.body), false),
    };
    let (body, rewritten) = body;
    let mut out = Response::new(Body::from(body));
    *out.status_mut() = status;
    let h = out.headers_mut();
    for (n, v) in &r.headers {
        let lower = n.to_ascii_lowercase();
        if !RESPONSE_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        let v = if lower == "location" {
            map.iter()
                .find_map(|(f, t)| swap(v, f, t))
                .unwrap_or(v.clone())
        } else {
            v.clone()
        };
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(lower), HeaderValue::try_from(v)) {
            h.append(name, value);
        }
    }
    if empty {
        h.remove(header::CONTENT_TYPE);
    } else if rewritten {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn targets_and_rewriting() {
        assert_eq!(target("/redfish/v1/Systems/dpu0"), Some((0, "dpu0", "")));
        assert_eq!(
            target("/redfish/v1/Chassis/dpu0/Sensors/t1"),
            Some((2, "dpu0", "/Sensors/t1"))
        );
        assert_eq!(target("/redfish/v1/Systems"), None);
        assert_eq!(target("/redfish/v1/Systems/"), None);
        assert_eq!(target("/redfish/v1/UpdateService/x"), None);
        let ids = CardIds {
            members: [
                Some("/redfish/v1/Systems/system".into()),
                Some("/redfish/v1/Managers/bmc".into()),
                None,
            ],
        };
        let map = prefixes(&ids, "dpu0");
        let mut v = json!({
            "@odata.id": "/redfish/v1/Systems/system",
            "Links": {"ManagedBy": [{"@odata.id": "/redfish/v1/Managers/bmc"}]},
            "Bios": {"@odata.id": "/redfish/v1/Systems/system/Bios"},
            "Other": "/redfish/v1/Systems/systemX",
            "Frag": "/redfish/v1/Systems/system#/Boot",
            "Task": "/redfish/v1/TaskService/Tasks/1"
        });
        rewrite(&mut v, &map);
        assert_eq!(v["@odata.id"], "/redfish/v1/Systems/dpu0");
        assert_eq!(
            v["Links"]["ManagedBy"][0]["@odata.id"],
            "/redfish/v1/Managers/dpu0"
        );
        assert_eq!(v["Bios"]["@odata.id"], "/redfish/v1/Systems/dpu0/Bios");
        assert_eq!(
            v["Other"], "/redfish/v1/Systems/systemX",
            "segment boundary"
        );
        assert_eq!(v["Frag"], "/redfish/v1/Systems/dpu0#/Boot");
        assert_eq!(v["Task"], "/redfish/v1/TaskService/Tasks/1");
    }

    #[test]
    fn the_kept_responses_stay_within_their_budget() {
        let s = TunnelState::default();
        let k = |n: usize| Kept {
            etag: "\"1\"".into(),
            status: 200,
            headers: vec![],
            body: vec![b'x'; n],
        };
        for i in 0..40 {
            s.keep(format!("/p{i}"), k(CACHE_BYTES / 8));
        }
        {
            let (order, map, bytes) = &*lock(&s.kept);
            assert!(*bytes <= CACHE_BYTES);
            assert_eq!(order.len(), map.len());
            assert!(map.contains_key("/p39") && !map.contains_key("/p0"));
        }
        s.keep("/big".into(), k(CACHE_BYTES));
        assert!(s.kept("/big").is_none(), "too big to keep");
    }
}
