//! What the daemon's fuzz targets do with one input, shared by the targets and by the
//! corpus replay in `tests/fuzz_corpus.rs` (which includes this file by path).
//!
//! `redfish_router`: the input becomes one HTTP request (method, one of the service's
//! own URIs plus a fuzzed suffix, headers, body) sent through the whole in-process
//! service (`sidebridge::redfish::app`, every layer) of a daemon on the two-DPU
//! simulator. Whatever the request, the service must not panic, must not answer 500
//! (or any 5xx other than 501/503/504, which name a missing feature or a card that is
//! busy or slow), and every error it answers is a Redfish error body (JSON with
//! `error`).
//!
//! `config`: the input as configuration text, for the daemon (`Config::parse`) and the
//! agent (`AgentConfig::parse`): neither panics, and what the daemon's accepts yields
//! the settings the daemon derives from it.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use sidebridge::redfish::auth::Role;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A daemon on the simulator, its services, and the URIs it showed.
pub struct Service {
    runtime: tokio::runtime::Runtime,
    /// Requests without credentials answered as an Administrator (what a satellite
    /// listener does), so most inputs reach the resources.
    trusting: axum::Router,
    /// Requests as they come: credentials or 401.
    plain: axum::Router,
    /// Every `@odata.id` and action target found from the service root.
    pub uris: Vec<String>,
    /// `Basic admin:<password>`.
    auth: String,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("uris", &self.uris.len())
            .finish()
    }
}

/// The one service of this process (started on first use).
pub fn service() -> &'static Service {
    static S: OnceLock<Service> = OnceLock::new();
    S.get_or_init(start)
}

fn start() -> Service {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dir = std::env::temp_dir().join(format!("sb-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (daemon, password) = runtime.block_on(async {
        let sim = sidebridge_sim::Simulator::new(
            sidebridge_sim::Scenario::parse(include_str!("../../sim/scenarios/two-dpus.toml"))
                .expect("the two-DPU scenario"),
        );
        let (mc, nc) = sidebridge_transport::memory::pair(1024);
        tokio::spawn(sim.run(nc, std::future::pending()));
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        std::mem::forget(stop);
        let cfg = sidebridge::ncsi::ManagerConfig {
            packages: vec![0, 1],
            ..sidebridge::ncsi::ManagerConfig::default()
        };
        let d = sidebridge::daemon::Daemon::start(
            Arc::new(mc),
            cfg,
            &dir,
            stop_rx,
            Duration::from_secs(10),
        )
        .await
        .expect("the daemon starts");
        let pw = std::fs::read_to_string(dir.join("initial-admin-password"))
            .expect("the initial password")
            .trim()
            .to_string();
        (d, pw)
    });
    let trusting = sidebridge::redfish::app_trusting(daemon.state.clone(), Role::Administrator);
    let plain = daemon.app();
    std::mem::forget(daemon);
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("admin:{password}")
        )
    );
    let mut s = Service {
        runtime,
        trusting,
        plain,
        uris: Vec::new(),
        auth,
    };
    s.uris = s.crawl();
    s
}

impl Service {
    /// Sends one request; the status and body.
    pub fn send(&self, trusted: bool, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let app = if trusted { &self.trusting } else { &self.plain };
        self.runtime.block_on(async {
            let r = tokio::time::timeout(
                Duration::from_secs(60),
                tower::ServiceExt::oneshot(app.clone(), req),
            )
            .await
            .expect("the service answers within 60 s")
            .expect("infallible");
            let status = r.status();
            let body = axum::body::to_bytes(r.into_body(), 1 << 22)
                .await
                .expect("the body is readable");
            (status, body.to_vec())
        })
    }

    /// The URIs reachable from the service root (GET, breadth first, at most 400).
    fn crawl(&self) -> Vec<String> {
        let mut seen = vec!["/redfish/v1".to_string()];
        let mut i = 0;
        while i < seen.len() && seen.len() < 400 {
            let req = Request::get(seen[i].as_str()).body(Body::empty()).unwrap();
            i += 1;
            let (status, body) = self.send(true, req);
            if status != StatusCode::OK {
                continue;
            }
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
                continue;
            };
            let mut found = Vec::new();
            links(&v, &mut found);
            for u in found {
                if u.starts_with("/redfish/v1") && !seen.contains(&u) {
                    seen.push(u);
                }
            }
        }
        seen
    }
}

fn links(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if let ("@odata.id" | "target", serde_json::Value::String(s)) = (k.as_str(), x) {
                    out.push(s.split('#').next().unwrap_or(s).to_string());
                }
                links(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| links(x, out)),
        _ => {}
    }
}

const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "TRACE",
];

/// Input layout: byte 0 flags (bits 0-2 method, bit 3 without the trusted role,
/// bit 4 with the administrator's Basic credentials, bit 5 `Content-Type:
/// application/json`, bit 6 the path is the suffix alone); byte 1 which of the
/// service's URIs; then, separated by NUL bytes, the path suffix, the header lines
/// (`name: value`, one per line) and the body.
pub fn redfish_router(data: &[u8]) {
    let s = service();
    let (Some(&flags), Some(&which)) = (data.first(), data.get(1)) else {
        return;
    };
    let mut parts = data[2..].splitn(3, |b| *b == 0);
    let suffix = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let headers = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default().to_vec();
    let base = &s.uris[which as usize % s.uris.len()];
    let path = if flags & 0x40 != 0 {
        suffix.to_string()
    } else {
        format!("{base}{suffix}")
    };
    let method = Method::from_bytes(METHODS[(flags & 7) as usize].as_bytes()).unwrap();
    let Ok(mut req) = Request::builder()
        .method(method.clone())
        .uri(path.as_str())
        .body(Body::from(body))
    else {
        return; // not a request line hyper would pass on
    };
    let h = req.headers_mut();
    if flags & 0x10 != 0 {
        h.insert("authorization", HeaderValue::from_str(&s.auth).unwrap());
    }
    if flags & 0x20 != 0 {
        h.insert("content-type", HeaderValue::from_static("application/json"));
    }
    for line in headers.split(|b| *b == b'\n') {
        let mut kv = line.splitn(2, |b| *b == b':');
        let (Some(k), Some(v)) = (kv.next(), kv.next()) else {
            continue;
        };
        let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k),
            HeaderValue::from_bytes(v.trim_ascii()),
        ) else {
            continue;
        };
        h.append(k, v);
    }
    let (status, body) = s.send(flags & 0x08 == 0, req);
    let code = status.as_u16();
    assert!(
        code < 500 || matches!(code, 501 | 503 | 504),
        "{method} {path}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    if code >= 400 && method != Method::HEAD {
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: {status} with a body that is not JSON ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        });
        assert!(
            v.get("error").is_some(),
            "{method} {path}: {status} without a Redfish error: {v}"
        );
    }
}

/// The input as configuration text.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = sidebridge::config::Config::parse(text) {
        let _ = c.manager_config();
        let _ = format!("{c:?}");
    }
    if let Ok(c) = sidebridge::agent::config::AgentConfig::parse(text) {
        let _ = format!("{c:?}");
    }
}
