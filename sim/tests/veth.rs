//! The `sidebridge-sim` binary on one end of a veth pair inside a network namespace
//! this test creates, and raw NC-SI frames on the other end. Needs root (network
//! namespaces, CAP_NET_RAW): skipped with a message otherwise, except under CI=true,
//! where a missing privilege fails the test.

use sidebridge_protocol::ncsi::*;
use sidebridge_protocol::oem::{self, Request, ResponseBody, ResultCode};
use sidebridge_transport::Transport;
use sidebridge_transport::raw::RawSocket;
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

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

fn have_ip() -> bool {
    Process::new("ip")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Skips (or, under CI, fails) when the test cannot run here.
fn privileged(test: &str) -> bool {
    let why = if !is_root() {
        "needs root for network namespaces and raw sockets"
    } else if !have_ip() {
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
    let out = Process::new("ip").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A namespace with one end of a veth pair, and the simulator running in it. Dropping
/// it stops the simulator and removes both.
struct Testbed {
    ns: String,
    host_if: String,
    sim: Option<Child>,
}

impl Testbed {
    fn new(tag: &str, scenario: &str) -> Self {
        let id = std::process::id() % 100_000;
        let ns = format!("sbsim-{tag}-{id}");
        let host_if = format!("sbh{tag}{id}");
        let sim_if = format!("sbs{tag}{id}");
        let _ = Process::new("ip").args(["netns", "del", &ns]).output();
        let _ = Process::new("ip").args(["link", "del", &host_if]).output();
        ip(&["netns", "add", &ns]);
        let mut bed = Testbed {
            ns: ns.clone(),
            host_if: host_if.clone(),
            sim: None,
        };
        ip(&[
            "link", "add", &host_if, "type", "veth", "peer", "name", &sim_if,
        ]);
        ip(&["link", "set", &sim_if, "netns", &ns]);
        ip(&["link", "set", &host_if, "up"]);
        ip(&["-n", &ns, "link", "set", &sim_if, "up"]);
        let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(scenario);
        let child = Process::new("ip")
            .args([
                "netns",
                "exec",
                &ns,
                env!("CARGO_BIN_EXE_sidebridge-sim"),
                "--interface",
                &sim_if,
                "--scenario",
            ])
            .arg(&scenario)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
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
        let _ = Process::new("ip").args(["netns", "del", &self.ns]).output();
        let _ = Process::new("ip")
            .args(["link", "del", &self.host_if])
            .output();
    }
}

async fn exchange(t: &RawSocket, iid: u8, ch: ChannelId, cmd: Command) -> Option<Response> {
    t.send(&PacketRepr::command(iid, ch, cmd).to_bytes().unwrap())
        .await
        .unwrap();
    loop {
        let bytes = tokio::time::timeout(Duration::from_secs(1), t.recv())
            .await
            .ok()?
            .unwrap();
        let p = PacketRepr::parse(&bytes).unwrap();
        if let Body::Response(r) = p.body {
            assert_eq!((p.iid, p.channel), (iid, ch));
            return Some(r);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_answers_raw_frames_over_a_veth_pair() {
    if !privileged("the_simulator_answers_raw_frames_over_a_veth_pair") {
        return;
    }
    let bed = Testbed::new("a", "two-dpus.toml");
    let t = RawSocket::open(&bed.host_if)
        .unwrap()
        .with_source_mac([0x02, 0, 0, 0, 0, 0x01]);

    // Wait for the simulator to come up: Select Package until it answers.
    let mut up = false;
    for iid in 1..=20 {
        if exchange(
            &t,
            iid,
            ChannelId::package(0),
            Command::SelectPackage {
                hardware_arbitration_disable: false,
            },
        )
        .await
        .is_some()
        {
            up = true;
            break;
        }
    }
    assert!(up, "the simulator did not answer on {}", bed.host_if);

    // Package 1 exists, package 4 does not.
    assert!(
        exchange(
            &t,
            30,
            ChannelId::package(1),
            Command::SelectPackage {
                hardware_arbitration_disable: false
            }
        )
        .await
        .is_some()
    );
    assert!(
        exchange(
            &t,
            31,
            ChannelId::package(4),
            Command::SelectPackage {
                hardware_arbitration_disable: false
            }
        )
        .await
        .is_none()
    );

    let c0 = ChannelId::new(0, 0);
    let r = exchange(&t, 40, c0, Command::GetVersionId).await.unwrap();
    assert_eq!(
        (r.code, r.reason),
        (
            ResponseCode::Failed,
            ReasonCode::InterfaceInitializationRequired
        )
    );
    assert!(
        exchange(&t, 41, c0, Command::ClearInitialState)
            .await
            .unwrap()
            .is_completed()
    );
    let r = exchange(&t, 42, c0, Command::GetVersionId).await.unwrap();
    let ResponseData::VersionId(v) = r.data else {
        panic!("{r:?}")
    };
    assert_eq!(v.firmware_name(), "DPU NIC");

    // An OEM round trip to the card BMC over the wire.
    let f = oem::split(
        oem::CommandId::GetBridgeInfo,
        ResultCode::Ok,
        1,
        &Request::GetBridgeInfo {
            min_version: 1,
            max_version: 1,
        }
        .to_message(),
        1024,
    )
    .unwrap()
    .remove(0);
    let r = exchange(
        &t,
        43,
        c0,
        Command::Oem(f.to_oem_command(oem::DEFAULT_MANUFACTURER_ID)),
    )
    .await
    .unwrap();
    let ResponseData::Oem(o) = r.data else {
        panic!("{r:?}")
    };
    let f = oem::Frame::parse(&o.data).unwrap();
    let rsp = oem::Response::parse(f.command, f.result, &f.chunk).unwrap();
    let ResponseBody::BridgeInfo(b) = rsp.body else {
        panic!("{rsp:?}")
    };
    assert_eq!(b.serial, "DPU0000A1");
}
