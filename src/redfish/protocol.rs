//! What DSP0266 asks of every request and response, whatever the resource, in one
//! place so that no resource can forget it:
//! - the `OData-Version` request header: only 4.0 is served, anything else is 412
//!   (DSP0266 "Request headers": a service that cannot honour the requested version
//!   shall answer 412 Precondition Failed);
//! - query parameters: a `$` parameter or `only`/`excerpt` the service does not offer
//!   is 501 with QueryParameterUnsupported (DSP0266 "Query parameters": a service shall
//!   answer 501 Not Implemented for a query parameter it does not support);
//! - `If-None-Match` on GET and HEAD: 304 Not Modified when the ETag matches
//!   (DSP0266 "ETags", RFC 9110 §13.1.2);
//! - `If-Match` on PATCH, PUT and DELETE: each writable resource checks it against
//!   its current representation (`super::check_if_match`, weak comparison, RFC 9110
//!   §8.8.3.2; 412 otherwise), and [`write_lock`] runs the check and the write under
//!   one lock per resource, so of N concurrent writers carrying the same ETag exactly
//!   one succeeds (DSP0266 "ETags").
//!
//! Rendering (in `super::respond`) puts the same ETag in the `ETag` header and in
//! `@odata.etag`, and a `Link: <schema>; rel=describedby` header on every resource.

use super::error::RedfishError;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The query parameters this service implements.
pub const SUPPORTED_QUERY: &[&str] = &["$expand", "$select", "$filter", "$top", "$skip", "only"];

/// The refusal of a request whose OData-Version is not 4.0 (412) or whose query has
/// a parameter the service does not offer (501); `None` for every other request.
pub fn refuse(req: &Request) -> Option<Response> {
    if host_missing(req) {
        return Some(RedfishError::header_missing("Host").into_response());
    }
    // A path whose %-escapes are not UTF-8 names no resource (and must not reach an
    // extractor that would answer in text/plain).
    if !path_is_utf8(req.uri().path()) {
        return Some(RedfishError::not_found("Resource", req.uri().path()).into_response());
    }
    // Bodies are JSON (DSP0266 "Request headers": Content-Type application/json; a
    // request without the header is taken as JSON).
    if matches!(*req.method(), Method::POST | Method::PATCH | Method::PUT) {
        if let Some(v) = req.headers().get(header::CONTENT_TYPE) {
            let media = v
                .to_str()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim();
            if !media.eq_ignore_ascii_case("application/json") {
                let shown = String::from_utf8_lossy(v.as_bytes()).into_owned();
                return Some(RedfishError::unsupported_media_type(&shown).into_response());
            }
        }
    }
    if let Some(v) = req.headers().get(ODATA_VERSION) {
        if !v.to_str().is_ok_and(|v| v.trim() == "4.0") {
            let shown = format!("OData-Version: {}", String::from_utf8_lossy(v.as_bytes()));
            return Some(RedfishError::header_precondition(&shown).into_response());
        }
    }
    for pair in req.uri().query()?.split('&').filter(|p| !p.is_empty()) {
        let key = percent_decode(pair.split_once('=').map_or(pair, |(k, _)| k));
        let is_query = key.starts_with('$') || key == "only" || key == "excerpt";
        if is_query && !SUPPORTED_QUERY.contains(&key.as_str()) {
            return Some(RedfishError::query_parameter_unsupported(&key).into_response());
        }
    }
    None
}

/// The `OData-Version` header's name (typed: not parsed on every answer).
pub const ODATA_VERSION: axum::http::HeaderName =
    axum::http::HeaderName::from_static("odata-version");

/// Marks a request that came in over a network connection (the listeners insert it;
/// in-process callers do not), so the rules that concern the connection apply only
/// there.
#[derive(Debug, Clone, Copy)]
pub struct FromNetwork;

/// HTTP/1.1 requires a Host header (RFC 9112 §3.2: a server answers 400 to a request
/// without one); only checked on requests that came over the network.
fn host_missing(req: &Request) -> bool {
    req.version() == axum::http::Version::HTTP_11
        && req.extensions().get::<FromNetwork>().is_some()
        && !req.headers().contains_key(header::HOST)
        && req.uri().authority().is_none()
}

/// Whether the %-escapes of `path` decode to UTF-8.
fn path_is_utf8(path: &str) -> bool {
    if !path.contains('%') {
        return true;
    }
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'%', _, _) => return false,
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).is_ok()
}

/// Security headers on every response, as bmcweb sends them: HSTS, no MIME sniffing,
/// no framing, no content to run.
pub fn security_headers(h: &mut axum::http::HeaderMap) {
    // Typed names: no header name is parsed on this path, which every answer takes.
    for (n, v) in [
        (
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.entry(n).or_insert(HeaderValue::from_static(v));
    }
}

/// The same request with a trailing `/` taken off its path (DSP0266: a URI with and
/// without it names the same resource); the service root keeps its own.
pub fn without_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && path != "/redfish/v1/" && path != "/redfish/" {
        let trimmed = path.trim_end_matches('/');
        let pq = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = pq.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// The If-None-Match of a GET or HEAD, for [`conditional`].
pub fn if_none_match(req: &Request) -> Option<HeaderValue> {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        req.headers().get(header::IF_NONE_MATCH).cloned()
    } else {
        None
    }
}

/// 304 Not Modified when the response is the representation If-None-Match names.
pub fn conditional(if_none_match: Option<HeaderValue>, response: Response) -> Response {
    match if_none_match {
        Some(want) if response.status() == StatusCode::OK && matches_any(&want, &response) => {
            not_modified(&response)
        }
        _ => response,
    }
}

/// Whether the response's ETag is one of the tags in an If-Match / If-None-Match
/// header (`*` matches any current representation). Weak comparison: `W/` is ignored.
fn matches_any(list: &HeaderValue, response: &Response) -> bool {
    let Some(have) = response.headers().get(header::ETAG) else {
        return false;
    };
    tag_in_list(list, have)
}

pub(super) fn tag_in_list(list: &HeaderValue, have: &HeaderValue) -> bool {
    let (Ok(list), Ok(have)) = (list.to_str(), have.to_str()) else {
        return false;
    };
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let have = bare(have);
    list.split(',').any(|t| t.trim() == "*" || bare(t) == have)
}

/// 304 with the headers a cache needs (RFC 9110 §15.4.5): ETag, Cache-Control,
/// OData-Version, Link; no body.
fn not_modified(full: &Response) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    for name in [
        header::ETAG,
        header::CACHE_CONTROL,
        header::LINK,
        header::HeaderName::from_static("odata-version"),
    ] {
        if let Some(v) = full.headers().get(&name) {
            r.headers_mut().insert(name, v.clone());
        }
    }
    r
}

/// A query key or value with `%XX` and `+` decoded (invalid escapes kept as they are).
pub(super) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One lock per resource path for writes: an If-Match check and the write it guards
/// run under it. Entries are dropped when no request holds them.
#[derive(Debug, Default)]
pub struct WriteLocks {
    /// Std mutex: held only to find or insert an entry, never across an `.await`.
    paths: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl WriteLocks {
    async fn lock(self: &Arc<Self>, path: &str) -> PathGuard {
        let lock = {
            let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
            paths.entry(path.to_string()).or_default().clone()
        };
        PathGuard {
            guard: Some(lock.lock_owned().await),
            locks: self.clone(),
            path: path.to_string(),
        }
    }
}

/// A held write lock; the table entry goes when the last holder lets go.
struct PathGuard {
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    locks: Arc<WriteLocks>,
    path: String,
}

impl Drop for PathGuard {
    fn drop(&mut self) {
        self.guard.take();
        let mut paths = self.locks.paths.lock().unwrap_or_else(|e| e.into_inner());
        if paths
            .get(&self.path)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            paths.remove(&self.path);
        }
    }
}

/// Serializes writes (PATCH, PUT, DELETE) to one resource: a handler's If-Match check
/// (`super::check_if_match`) and the write it guards run under the path's lock.
pub async fn write_lock<F, Fut>(locks: Arc<WriteLocks>, req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    if !matches!(*req.method(), Method::PATCH | Method::PUT | Method::DELETE) {
        return next(req).await;
    }
    let path = req.uri().path().trim_end_matches('/').to_string();
    let _held = locks.lock(&path).await;
    next(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_compare_weakly_and_lists_split() {
        let have = HeaderValue::from_static("W/\"abc\"");
        let list = |s: &'static str| HeaderValue::from_static(s);
        assert!(tag_in_list(&list("\"abc\""), &have));
        assert!(tag_in_list(&list("W/\"x\", W/\"abc\""), &have));
        assert!(tag_in_list(&list("*"), &have));
        assert!(!tag_in_list(&list("W/\"abd\""), &have));
        assert!(!tag_in_list(&list(""), &have));
    }

    #[test]
    fn query_keys_are_percent_decoded() {
        assert_eq!(percent_decode("%24expand"), "$expand");
        assert_eq!(percent_decode("only"), "only");
        assert_eq!(percent_decode("%2"), "%2");
        assert_eq!(percent_decode("a+b"), "a b");
    }
}
