//! The NC-SI engine over a real veth pair against the `sidebridge-sim` binary in a
//! network namespace, on AF_PACKET raw sockets. Needs root: skipped with a message
//! otherwise, except under CI=true, where a missing privilege fails.
//!
//! Prints the measured discovery time and round-trip latency (figures, not
//! assertions: the benchmarks own performance targets).

use sidebridge::ncsi::{Event, Manager, ManagerConfig, Requester, Timing};
use sidebridge_protocol::ncsi::{ChannelId, Command};
use sidebridge_sim::testbed::{Testbed, privileged, sim_binary};
use sidebridge_transport::pcap::PcapTransport;
use sidebridge_transport::raw::RawSocket;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sim/scenarios")
        .join(name)
}

async fn wait_for_sim(r: &Requester, package: u8) {
    for _ in 0..50 {
        if r.request(
            ChannelId::package(package),
            Command::GetPackageStatus,
            Timing::PROBE,
        )
        .await
        .is_ok()
        {
            return;
        }
    }
    panic!("the simulator did not come up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_eight_by_four_over_veth_and_tshark_reads_the_capture() {
    if !privileged("discovers_eight_by_four_over_veth_and_tshark_reads_the_capture") {
        return;
    }
    let bed = Testbed::start("d", &sim_binary(), &scenario("eight-by-four.toml"));
    let pcap = std::env::temp_dir().join(format!("sidebridge-veth-{}.pcap", std::process::id()));
    let raw = RawSocket::open(&bed.host_interface).unwrap();
    let requester = Arc::new(Requester::new(Arc::new(
        PcapTransport::create(raw, &pcap).unwrap(),
    )));
    wait_for_sim(&requester, 0).await;

    let m = Manager::new(requester.clone(), ManagerConfig::default());
    let started = Instant::now();
    let t = m.discover().await;
    let discovery = started.elapsed();
    assert_eq!(t.packages.len(), 8);
    for p in &t.packages {
        assert_eq!(p.channels.len(), 4, "package {}", p.id);
        assert_eq!(
            p.card.as_ref().unwrap().serial,
            format!("DPU8X4{:03}", p.id)
        );
        assert!(
            p.channels
                .iter()
                .all(|c| c.link.link_up() && c.mc_mac.is_some() && c.host_mac.is_none())
        );
    }
    println!(
        "FIGURE discovery of 8 packages x 4 channels over veth: {} ms",
        discovery.as_millis()
    );

    // Round trips of Get Link Status through the requester.
    let ch = ChannelId::new(3, 2);
    let mut rtts = Vec::new();
    for _ in 0..500 {
        let s = Instant::now();
        requester
            .request(ch, Command::GetLinkStatus, Timing::COMMAND)
            .await
            .unwrap();
        rtts.push(s.elapsed());
    }
    rtts.sort();
    println!(
        "FIGURE Get Link Status round trip over veth: p50 {} us, p99 {} us ({} samples)",
        rtts[rtts.len() / 2].as_micros(),
        rtts[rtts.len() * 99 / 100].as_micros(),
        rtts.len()
    );
    let c = requester.counters(ch);
    assert_eq!(
        (c.sent, c.answered, c.timed_out, c.stale),
        (500 + 6, 500 + 6, 0, 0),
        "{c:?}"
    );
    drop(m);
    drop(requester);

    // The capture decodes cleanly with Wireshark's dissector.
    let tshark = std::process::Command::new("tshark")
        .args(["-r"])
        .arg(&pcap)
        .args(["-T", "json"])
        .output();
    let Ok(out) = tshark else {
        std::fs::remove_file(&pcap).ok();
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must have tshark"
        );
        eprintln!("SKIPPED the tshark check: tshark is not installed");
        return;
    };
    std::fs::remove_file(&pcap).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frames: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        frames.len() > 2 * 500,
        "commands and responses captured: {}",
        frames.len()
    );
    for (i, f) in frames.iter().enumerate() {
        let layers = &f["_source"]["layers"];
        assert!(
            layers["ncsi"].is_object(),
            "frame {i} is not NC-SI: {layers}"
        );
        let text = layers.to_string();
        assert!(
            !text.contains("_ws.malformed"),
            "frame {i} malformed: {text}"
        );
        assert!(
            !layers["ncsi"].to_string().contains("_ws.expert"),
            "frame {i}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_over_when_the_active_link_drops() {
    if !privileged("fails_over_when_the_active_link_drops") {
        return;
    }
    // The simulator takes package 0 channel 0's link down 3 s after it starts.
    let text = format!(
        "{}\n[[fault]]\nkind = \"link_flap\"\npackage = 0\nchannel = 0\nat_ms = 3000\nduration_ms = 600000\nperiod_ms = 600000\n",
        std::fs::read_to_string(scenario("two-dpus.toml")).unwrap()
    );
    let file =
        std::env::temp_dir().join(format!("sidebridge-failover-{}.toml", std::process::id()));
    std::fs::write(&file, text).unwrap();
    let bed = Testbed::start("f", &sim_binary(), &file);
    let requester = Arc::new(Requester::new(Arc::new(
        RawSocket::open(&bed.host_interface).unwrap(),
    )));
    wait_for_sim(&requester, 0).await;
    let cfg = ManagerConfig {
        packages: vec![0, 1],
        preferred: Some(ChannelId::new(0, 0)),
        monitor_interval: Duration::from_millis(200),
        ..ManagerConfig::default()
    };
    let m = Arc::new(Manager::new(requester.clone(), cfg));
    let mut events = m.events();
    tokio::spawn(m.clone().run(std::future::pending()));
    let mut seen = Vec::new();
    let result = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let e = events.recv().await.unwrap();
            if let Event::Failover { .. } = e {
                seen.push(e.clone());
                if seen.len() == 2 {
                    return;
                }
            }
        }
    })
    .await;
    std::fs::remove_file(&file).ok();
    assert!(result.is_ok(), "failovers seen: {seen:?}");
    assert_eq!(
        seen[0],
        Event::Failover {
            from: None,
            to: Some(ChannelId::new(0, 0))
        }
    );
    assert_eq!(
        seen[1],
        Event::Failover {
            from: Some(ChannelId::new(0, 0)),
            to: Some(ChannelId::new(0, 1))
        }
    );
    assert_eq!(m.snapshot().active, Some(ChannelId::new(0, 1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_discovers_and_reaches_a_card_over_veth() {
    if !privileged("the_cli_discovers_and_reaches_a_card_over_veth") {
        return;
    }
    let bed = Testbed::start("c", &sim_binary(), &scenario("two-dpus.toml"));
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
            .args(["ncsi", "--interface", &bed.host_interface])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut up = false;
    for _ in 0..50 {
        if cli(&[
            "--timeout-ms",
            "200",
            "--retries",
            "0",
            "select-package",
            "-p",
            "0",
        ])
        .0
        {
            up = true;
            break;
        }
    }
    assert!(up, "the simulator did not come up");
    let (ok, out, err) = cli(&["--json", "discover", "--packages", "0,1,2"]);
    assert!(ok, "{err}");
    let t: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["packages"].as_array().unwrap().len(), 2);
    assert_eq!(t["packages"][1]["card"]["serial"], "DPU0000B2");
    // Addresses, UUIDs, versions and names as text, not byte arrays.
    let p0 = &t["packages"][0];
    assert_eq!(p0["uuid"], "5b1d0c3a-7f00-4d2e-9c41-000000000000");
    assert_eq!(p0["card"]["uuid"].as_str().map(str::len), Some(36), "{p0}");
    let ch = &p0["channels"][1];
    assert_eq!(ch["mc_mac"], "02:5b:00:00:00:11");
    assert_eq!(
        ch["host_mac"],
        serde_json::Value::Null,
        "Mellanox: the host's is not known"
    );
    assert_eq!(ch["version"]["firmware_name"], "DPU NIC");
    assert_eq!(ch["version"]["firmware_version"], "24.1.0.7");
    let (ok, out, err) = cli(&["discover", "--packages", "0"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("card BMC: Example Networks DPU-1000 serial DPU0000A1"),
        "{out}"
    );
    assert!(out.contains("channel 1: Standby, link up 100000 Mb/s, DPU NIC 24.1.0.7 (PCI 15b3:a2dc, IANA 33049), MC MAC 02:5b:00:00:00:11"), "{out}");
    let (ok, out, _) = cli(&["get-link-status", "-p", "0", "-c", "1"]);
    assert!(ok);
    assert!(out.starts_with("Get Link Status (package 0 channel 1): Command Completed (0x0000), reason No Error (0x0000)\n  link up"), "{out}");
    let (ok, out, err) = cli(&[
        "oem",
        "-p",
        "1",
        "set-boot-override",
        "--target",
        "cd",
        "--enabled",
        "once",
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("SetBootOverride (sequence"), "{out}");
    let (ok, out, _) = cli(&["--json", "oem", "-p", "1", "boot-override"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["response"]["body"]["BootOverride"]["target"], "Cd");
    let (ok, _, err) = cli(&[
        "oem",
        "-p",
        "1",
        "media-insert",
        "--image",
        "ftp://192.0.2.1/a.iso",
    ]);
    assert!(!ok);
    assert!(err.contains("UnsupportedScheme"), "{err}");
    let (ok, out, err) = cli(&[
        "oem",
        "-p",
        "1",
        "reset",
        "--type",
        "forcerestart",
        "--wait",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("operation 0x") && out.trim_end().ends_with("completed"),
        "{out}"
    );
}
