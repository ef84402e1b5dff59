//! A daemon on the in-process two-DPU simulator, for the Redfish and client tests.
#![allow(dead_code)]

use sidebridge::daemon::Daemon;
use sidebridge::ncsi::ManagerConfig;
use sidebridge_sim::{Scenario, SimHandle, Simulator};
use sidebridge_transport::memory;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A running daemon and what tests need around it.
pub struct Running {
    /// The daemon.
    pub daemon: Daemon,
    /// The simulator, to compare with what Redfish says.
    pub sim: SimHandle,
    /// The administrator's password.
    pub password: String,
    /// Stops the daemon's tasks.
    pub stop: watch::Sender<bool>,
    /// The receiving end, for servers started by the test.
    pub stop_rx: watch::Receiver<bool>,
}

/// A fresh state directory under the system temp dir.
pub fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "sb-test-{}",
        sidebridge::redfish::auth::random_hex(6)
    ))
}

/// Starts the daemon with `dir` as its state directory.
pub async fn daemon(dir: &std::path::Path) -> Running {
    let sim =
        Simulator::new(Scenario::parse(include_str!("../../sim/scenarios/two-dpus.toml")).unwrap());
    let handle = sim.handle();
    let (mc, nc) = memory::pair(1024);
    tokio::spawn(sim.run(nc, std::future::pending()));
    let (stop, stop_rx) = watch::channel(false);
    let cfg = ManagerConfig {
        packages: vec![0, 1],
        ..ManagerConfig::default()
    };
    let daemon = Daemon::start(
        Arc::new(mc),
        cfg,
        dir,
        stop_rx.clone(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let password = std::fs::read_to_string(dir.join("initial-admin-password"))
        .unwrap()
        .trim()
        .to_string();
    Running {
        daemon,
        sim: handle,
        password,
        stop,
        stop_rx,
    }
}

/// A Redfish client of a daemon started by [`Client::start`]: requests go through the
/// router (`tower::ServiceExt::oneshot`) as `admin` with Basic authentication.
pub struct Client {
    /// The service.
    pub app: axum::Router,
    /// The Authorization header value.
    pub auth: String,
    /// The daemon and its simulator.
    pub running: Running,
    /// The state directory, removed on drop.
    pub dir: PathBuf,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Client {
    /// A daemon in a fresh state directory, and a client of it.
    pub async fn start() -> Client {
        use base64::Engine;
        let dir = temp_dir();
        let running = daemon(&dir).await;
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("admin:{}", running.password))
        );
        Client {
            app: running.daemon.app(),
            auth,
            running,
            dir,
        }
    }

    /// A request with extra headers; the body (if any) as JSON. Returns the status, the
    /// headers and the body as JSON (or as a JSON string when it is not JSON).
    pub async fn send_with(
        &self,
        method: axum::http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (
        axum::http::StatusCode,
        axum::http::HeaderMap,
        serde_json::Value,
    ) {
        use http_body_util::BodyExt;
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("Authorization", &self.auth);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some(b) => req
                .header("Content-Type", "application/json")
                .body(axum::body::Body::from(b.to_string())),
            None => req.body(axum::body::Body::empty()),
        }
        .unwrap();
        let r = tower::ServiceExt::oneshot(self.app.clone(), req)
            .await
            .unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        });
        (status, headers, v)
    }

    /// A request; returns the status and the JSON body.
    pub async fn send(
        &self,
        method: axum::http::Method,
        path: &str,
        body: Option<&str>,
    ) -> (axum::http::StatusCode, serde_json::Value) {
        let (s, _, v) = self.send_with(method, path, &[], body).await;
        (s, v)
    }

    /// A GET that must answer 200: the headers and the body.
    pub async fn get(&self, path: &str) -> (axum::http::HeaderMap, serde_json::Value) {
        let (s, h, v) = self
            .send_with(axum::http::Method::GET, path, &[], None)
            .await;
        assert_eq!(s, axum::http::StatusCode::OK, "GET {path}: {v}");
        (h, v)
    }
}
