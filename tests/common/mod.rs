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
