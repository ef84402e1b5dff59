//! A test bed for privileged tests: a network namespace holding one end of a veth pair,
//! with `sidebridge-sim` answering on it; the other end stays in the caller's
//! namespace. Dropping the test bed stops the simulator and removes both.
//!
//! Used by the simulator's and the daemon's veth tests. Such tests need root; they
//! skip with a printed reason otherwise, except under `CI=true`, where a missing
//! privilege is a failure ([`privileged`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Whether the privileged test `test` can run here; prints why not, and panics under
/// `CI=true` instead of skipping.
pub fn privileged(test: &str) -> bool {
    let have_ip = Command::new("ip")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let why = if !is_root() {
        "needs root for network namespaces and raw sockets"
    } else if !have_ip {
        "needs the ip command (iproute2)"
    } else {
        return true;
    };
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test} {why}, and CI=true requires it to run");
    }
    eprintln!("SKIPPED {test}: {why}");
    false
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The namespace, the veth pair and the simulator.
#[derive(Debug)]
pub struct Testbed {
    /// The namespace's name.
    pub namespace: String,
    /// The veth end in the caller's namespace: talk NC-SI here.
    pub host_interface: String,
    sim: Option<Child>,
}

impl Testbed {
    /// Sets up the namespace and veth pair named after `tag` and the process id, and
    /// starts `sim_binary` on the namespace's end with `scenario`.
    pub fn start(tag: &str, sim_binary: &Path, scenario: &Path) -> Self {
        let id = std::process::id() % 100_000;
        let namespace = format!("sb-{tag}-{id}");
        let host_interface = format!("sbh{tag}{id}");
        let sim_interface = format!("sbs{tag}{id}");
        assert!(
            host_interface.len() <= 15,
            "interface name {host_interface} too long"
        );
        let _ = Command::new("ip")
            .args(["netns", "del", &namespace])
            .output();
        let _ = Command::new("ip")
            .args(["link", "del", &host_interface])
            .output();
        ip(&["netns", "add", &namespace]);
        let mut bed = Testbed {
            namespace: namespace.clone(),
            host_interface: host_interface.clone(),
            sim: None,
        };
        ip(&[
            "link",
            "add",
            &host_interface,
            "type",
            "veth",
            "peer",
            "name",
            &sim_interface,
        ]);
        ip(&["link", "set", &sim_interface, "netns", &namespace]);
        ip(&["link", "set", &host_interface, "up"]);
        ip(&["-n", &namespace, "link", "set", &sim_interface, "up"]);
        let child = Command::new("ip")
            .args(["netns", "exec", &namespace])
            .arg(sim_binary)
            .args(["--interface", &sim_interface, "--scenario"])
            .arg(scenario)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sidebridge-sim");
        bed.sim = Some(child);
        bed
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        if let Some(mut c) = self.sim.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.namespace])
            .output();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_interface])
            .output();
    }
}

/// The `sidebridge-sim` binary next to the running test executable, built first when
/// it is not there (e.g. `cargo test -p sidebridge` alone does not build it).
pub fn sim_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let bin = dir.join("sidebridge-sim");
    if !bin.exists() {
        // Build it with the profile of the running test (target/<profile>/deps/…).
        let profile = dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug");
        let profile = if profile == "debug" { "dev" } else { profile };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "-p",
                "sidebridge-sim",
                "--bin",
                "sidebridge-sim",
                "--profile",
                profile,
            ])
            .status()
            .expect("run cargo");
        assert!(status.success(), "building sidebridge-sim failed");
    }
    assert!(bin.exists(), "{} is missing", bin.display());
    bin
}
