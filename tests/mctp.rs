//! NC-SI over MCTP end to end on pseudo-terminals, no privilege needed.
//!
//! Two pty pairs joined by a relay in the test: the daemon's side (MCTP bus owner)
//! opens one slave as its serial device, the simulator (an MCTP endpoint carrying the
//! NIC and card-BMC models) opens the other. The relay passes every frame, or drops
//! and corrupts them on request, so MCTP's loss handling is exercised on real bytes.

use base64::Engine;
use sidebridge::cards::{Connection, Connections};
use sidebridge::ncsi::{Manager, ManagerConfig, Requester, Timing};
use sidebridge_protocol::mctp::control::Version;
use sidebridge_protocol::mctp::serial::{Decoder, encode_to_vec};
use sidebridge_protocol::mctp::{EID_NULL, TransportHeader};
use sidebridge_protocol::oem::{
    self, BootEnabled, BootMode, BootOverride, BootTarget, MediaInsert, MediaSlot, MediaState,
    Request, ResetType, ResponseBody, TransferProtocol,
};
use sidebridge_sim::{Scenario, SimHandle, Simulator};
use sidebridge_transport::mctp::tty::{Tty, openpty};
use sidebridge_transport::mctp::{EndpointConfig, Role, SerialEndpoint};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn scenario_text() -> String {
    // The two-DPU scenario with quick card timings, so resets take milliseconds.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/two-dpus.toml"),
    )
    .unwrap();
    let quick =
        "timing = { power_off_ms = 20, power_on_ms = 30, boot_step_ms = 10, media_attach_ms = 40 }";
    let out: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("timing =") {
                quick.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        out.contains(quick),
        "the scenario has card timings to speed up"
    );
    out
}

/// What the relay does to frames.
#[derive(Debug, Default)]
struct Faults {
    /// Drop every Nth packet that is not the start of a message, card to BMC (0: never).
    drop_continuation_to_mc: u64,
    /// Corrupt every Nth frame, BMC to card (0: never).
    corrupt_to_nc: u64,
}

#[derive(Debug, Default)]
struct RelayCounters {
    frames: AtomicU64,
    continuations_to_mc: AtomicU64,
    dropped: AtomicU64,
    corrupted: AtomicU64,
}

struct Relay {
    faults: Mutex<Faults>,
    counters: RelayCounters,
}

/// Joins two pty masters; `to_nc` is the direction from the daemon to the card.
async fn pump(from: Arc<Tty>, to: Arc<Tty>, relay: Arc<Relay>, to_nc: bool) {
    let mut decoder = Decoder::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(n) => n,
            // No process has the slave open (yet, or any more: a CLI run ended). Wait
            // for the next one rather than tearing the link down.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        for pkt in decoder.feed(&buf[..n]) {
            let c = &relay.counters;
            let frames = c.frames.fetch_add(1, Ordering::Relaxed) + 1;
            let mut frame = encode_to_vec(&pkt).unwrap();
            let (drop_every, corrupt_every) = {
                let f = relay.faults.lock().unwrap();
                (f.drop_continuation_to_mc, f.corrupt_to_nc)
            };
            let som = TransportHeader::parse(&pkt).map(|h| h.som).unwrap_or(true);
            if !to_nc && !som {
                let k = c.continuations_to_mc.fetch_add(1, Ordering::Relaxed) + 1;
                if drop_every != 0 && k % drop_every == 0 {
                    c.dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
            if to_nc && corrupt_every != 0 && frames % corrupt_every == 0 {
                // A byte of the packet (after flag, revision and count).
                frame[4] ^= 0x01;
                c.corrupted.fetch_add(1, Ordering::Relaxed);
            }
            // With nobody on the other side (between CLI runs) the frame is lost, as
            // on a real line with the far end unplugged.
            let _ = to.write_all(&frame).await;
        }
    }
}

/// Two ptys joined by a relay: returns the slave paths (daemon side, card side).
fn link(faults: Faults) -> (PathBuf, PathBuf, Arc<Relay>) {
    let (ma, sa) = openpty().unwrap();
    let (mb, sb) = openpty().unwrap();
    let a = Arc::new(Tty::from_file(ma, "relay A".into()).unwrap());
    let b = Arc::new(Tty::from_file(mb, "relay B".into()).unwrap());
    let relay = Arc::new(Relay {
        faults: Mutex::new(faults),
        counters: RelayCounters::default(),
    });
    tokio::spawn(pump(a.clone(), b.clone(), relay.clone(), true));
    tokio::spawn(pump(b, a, relay.clone(), false));
    // Hold each slave open for the whole test, as a UART device never hangs up: when
    // the last descriptor of a pty slave closes, Linux resets its terminal settings,
    // and a process that opens it next would briefly see it in cooked mode.
    for p in [&sa, &sb] {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(p)
            .unwrap();
        std::mem::forget(f);
    }
    (sa, sb, relay)
}

/// The simulator as an MCTP endpoint on `path`, with the two-DPU scenario.
fn start_sim(path: &Path) -> (SimHandle, Arc<SerialEndpoint>, [u8; 16]) {
    start_sim_with(path, &scenario_text())
}

/// The simulator of scenario `text` as an MCTP endpoint on `path`.
fn start_sim_with(path: &Path, text: &str) -> (SimHandle, Arc<SerialEndpoint>, [u8; 16]) {
    let scenario = Scenario::parse(text).unwrap();
    let uuid = scenario.packages[0].uuid;
    let sim = Simulator::new(scenario);
    let handle = sim.handle();
    let ep = SerialEndpoint::start(
        Tty::open(path).unwrap(),
        EndpointConfig {
            role: Role::Endpoint,
            eid: EID_NULL,
            uuid,
            vendor_iana: None,
        },
    );
    tokio::spawn(sim.run(ep.ncsi(EID_NULL), std::future::pending()));
    (handle, ep, uuid)
}

fn config(timing: Timing) -> ManagerConfig {
    ManagerConfig {
        packages: vec![0, 1, 2],
        probe: timing,
        command: timing,
        ..ManagerConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_and_every_oem_operation_over_mctp_serial() {
    let (daemon_tty, card_tty, relay) = link(Faults::default());
    let (sim, card_ep, uuid) = start_sim(&card_tty);

    // Bring-up: EID assignment and capability discovery through real control messages.
    let (transport, peer) = sidebridge::mctp::open_serial(&daemon_tty, 8, 9)
        .await
        .unwrap();
    assert_eq!(peer.eid, 9);
    assert_eq!(card_ep.eid(), 9, "the card took the EID it was given");
    assert_eq!(peer.uuid, uuid);
    assert_eq!(peer.message_types, [0x00, 0x02]);
    assert_eq!(peer.ncsi_versions, [Version::NCSI_1_2_0]);
    let described = sidebridge_transport::Transport::describe(&transport);
    assert!(described.contains("EID 0x08 to 0x09"), "{described}");

    // NC-SI discovery over MCTP finds what it finds over RBT.
    let timing = Timing {
        timeout: Duration::from_millis(500),
        retries: 2,
    };
    let requester = Arc::new(Requester::new(Arc::new(transport)));
    let m = Manager::new(requester.clone(), config(timing));
    let topo = m.discover().await;
    assert_eq!(
        topo.packages.iter().map(|p| p.id).collect::<Vec<_>>(),
        [0, 1]
    );
    for p in &topo.packages {
        assert_eq!(p.channels.len(), 2);
        assert!(p.card.is_some(), "package {} has its card BMC", p.id);
    }

    // One OEM operation of every kind, each checked against the simulated card.
    let mut client = m.oem(0).unwrap();
    client.poll_interval = Duration::from_millis(20);
    let call = |r: Request| {
        let client = client.clone();
        async move { client.call(&r).await.unwrap().1.body }
    };
    assert!(matches!(
        call(Request::GetBridgeInfo { min_version: 1, max_version: 1 }).await,
        ResponseBody::BridgeInfo(i) if i.uuid == topo.packages[0].card.as_ref().unwrap().uuid
    ));
    let boot = BootOverride {
        target: BootTarget::Cd,
        enabled: BootEnabled::Once,
        mode: BootMode::Uefi,
        uri: String::new(),
    };
    call(Request::SetBootOverride(boot.clone())).await;
    assert_eq!(
        sim.with(|nc| nc.card(0).unwrap().boot_override().clone()),
        boot
    );
    assert_eq!(
        call(Request::GetBootOverride).await,
        ResponseBody::BootOverride(boot)
    );
    assert!(matches!(
        call(Request::GetPowerState).await,
        ResponseBody::PowerState(_)
    ));
    client
        .run_to_completion(
            &Request::Reset(ResetType::ForceRestart),
            None,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(
        sim.with(|nc| nc.card(0).unwrap().executed(oem::CommandId::Reset)),
        1
    );
    // A long image URI: the request spans several MCTP packets.
    let image = format!(
        "http://images.example/{}/dpu-installer.iso",
        "x".repeat(120)
    );
    client
        .run_to_completion(
            &Request::VirtualMediaInsert(MediaInsert {
                slot: MediaSlot::Cd,
                write_protected: true,
                protocol: TransferProtocol::Http,
                image: image.clone(),
                username: String::new(),
                password: String::new(),
            }),
            None,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    match call(Request::VirtualMediaStatus(MediaSlot::Cd)).await {
        ResponseBody::MediaStatus(s) => {
            assert_eq!(
                (s.state, s.image.as_str()),
                (MediaState::Inserted, image.as_str())
            );
        }
        other => panic!("media status: {other:?}"),
    }
    call(Request::VirtualMediaEject(MediaSlot::Cd)).await;
    assert_eq!(
        sim.with(|nc| nc.card(0).unwrap().media(MediaSlot::Cd).state),
        MediaState::Ejected
    );
    match call(Request::GetFirmwareInventory).await {
        ResponseBody::FirmwareInventory(list) => assert!(!list.is_empty()),
        other => panic!("firmware inventory: {other:?}"),
    }
    assert!(matches!(
        call(Request::GetNetworkIdentity).await,
        ResponseBody::NetworkIdentity(_)
    ));
    assert!(matches!(
        call(Request::GetBootProgress).await,
        ResponseBody::BootProgress(_)
    ));

    // Multi-packet messages really crossed the link, and nothing was lost.
    let c = &relay.counters;
    assert!(c.continuations_to_mc.load(Ordering::Relaxed) > 0);
    let s = card_ep.stats();
    assert_eq!(s.serial.bad_fcs + s.reassembly.out_of_sequence, 0);
    assert_eq!(requester.counters(client.channel().unwrap()).timed_out, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_and_corrupted_fragments_are_retried_never_applied_twice() {
    let (daemon_tty, card_tty, relay) = link(Faults::default());
    let (sim, card_ep, _) = start_sim(&card_tty);
    let (transport, _) = sidebridge::mctp::open_serial(&daemon_tty, 8, 9)
        .await
        .unwrap();
    let daemon_ep = transport.endpoint().clone();
    let timing = Timing {
        timeout: Duration::from_millis(300),
        retries: 4,
    };
    let requester = Arc::new(Requester::new(Arc::new(transport)));
    let m = Manager::new(requester.clone(), config(timing));
    // Faults from here on: every 3rd continuation packet from the card is lost (its
    // message with it), every 7th frame to the card is corrupted.
    *relay.faults.lock().unwrap() = Faults {
        drop_continuation_to_mc: 3,
        corrupt_to_nc: 7,
    };
    let topo = m.discover().await;
    assert_eq!(
        topo.packages.iter().map(|p| p.id).collect::<Vec<_>>(),
        [0, 1]
    );
    let mut client = m.oem(0).unwrap().with_first_sequence(0x4000);
    client.poll_interval = Duration::from_millis(20);
    for _ in 0..4 {
        client
            .run_to_completion(
                &Request::Reset(ResetType::ForceRestart),
                None,
                Duration::from_secs(20),
            )
            .await
            .unwrap();
    }
    // Every inventory read spans several packets and still arrives whole.
    for _ in 0..3 {
        match client
            .call(&Request::GetFirmwareInventory)
            .await
            .unwrap()
            .1
            .body
        {
            ResponseBody::FirmwareInventory(list) => assert!(!list.is_empty()),
            other => panic!("firmware inventory: {other:?}"),
        }
    }
    assert_eq!(
        sim.with(|nc| nc.card(0).unwrap().executed(oem::CommandId::Reset)),
        4,
        "retried requests were answered from the card's record, not run again"
    );
    let c = &relay.counters;
    assert!(c.dropped.load(Ordering::Relaxed) > 0, "faults fired");
    assert!(c.corrupted.load(Ordering::Relaxed) > 0, "faults fired");
    // Each end saw and counted what the relay did.
    let card = card_ep.stats();
    assert!(
        card.serial.bad_fcs + card.serial.aborted + card.malformed > 0,
        "{card:?}"
    );
    let ours = daemon_ep.stats();
    assert!(
        ours.reassembly.out_of_sequence + ours.reassembly.no_start > 0,
        "{ours:?}"
    );
    assert!(requester.counters(client.channel().unwrap()).timed_out > 0);
}

/// A third DPU, package 2, for its own serial line.
fn third_dpu() -> String {
    let text = scenario_text();
    let second = &text[text.find("[[package]]\nid = 1").unwrap()..];
    format!(
        "name = \"a DPU on MCTP\"\nseed = 2\n{}",
        second
            .replacen("id = 1", "id = 2", 1)
            .replace("DPU0000B2", "DPU0000C3")
            .replace("9c41-000000000001", "9c41-000000000002")
            .replace("02:5b:00:00:01:", "02:5b:00:00:02:")
    )
}

/// Mixed paths: two DPUs on the RBT sideband (in memory here) and a third on its own
/// MCTP serial line, in one topology; Redfish says which card is on which path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_on_different_paths_and_redfish_names_each() {
    let sim = Simulator::new(Scenario::parse(&scenario_text()).unwrap());
    let (mc, nc) = sidebridge_transport::memory::pair(1024);
    tokio::spawn(sim.run(nc, std::future::pending()));

    let (daemon_tty, card_tty, _relay) = link(Faults::default());
    let _third = start_sim_with(&card_tty, &third_dpu());
    let (serial, peer) = sidebridge::mctp::open_serial(&daemon_tty, 8, 10)
        .await
        .unwrap();
    let mux = sidebridge_transport::mux::PackageMux::new(
        Arc::new(mc),
        vec![(
            2,
            Arc::new(serial) as Arc<dyn sidebridge_transport::Transport>,
        )],
    );
    let mctp = Connection::MctpSerial {
        device: daemon_tty.display().to_string(),
        eid: peer.eid,
    };
    let connections = Connections::from(Connection::Rbt).with_package(2, mctp.clone());

    let dir = std::env::temp_dir().join(format!("sidebridge-mctp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let d = sidebridge::daemon::Daemon::start_on(
        Arc::new(mux),
        connections,
        config(Timing {
            timeout: Duration::from_millis(500),
            retries: 2,
        }),
        &dir,
        stop_rx,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let cards = d.cards.cards();
    assert_eq!(
        cards
            .iter()
            .map(|c| c.package().unwrap())
            .collect::<Vec<_>>(),
        [0, 1, 2],
        "three DPUs over two paths"
    );
    let password = std::fs::read_to_string(dir.join("initial-admin-password")).unwrap();
    let get = |path: String| {
        let app = d.app();
        let auth =
            base64::engine::general_purpose::STANDARD.encode(format!("admin:{}", password.trim()));
        async move {
            let req = axum::http::Request::get(&path)
                .header("Authorization", format!("Basic {auth}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let r = tower::ServiceExt::oneshot(app, req).await.unwrap();
            assert_eq!(r.status(), 200, "GET {path}");
            let bytes = http_body_util::BodyExt::collect(r.into_body())
                .await
                .unwrap()
                .to_bytes();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        }
    };
    let base = "/redfish/v1/AggregationService/ConnectionMethods";
    let mctp_id = sidebridge::redfish::mapping::connection_id(&mctp);
    assert!(mctp_id.starts_with("NCSI-MCTP-"), "{mctp_id}");
    let methods = get(base.into()).await;
    let members: Vec<&str> = methods["Members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["@odata.id"].as_str().unwrap())
        .collect();
    assert_eq!(
        members,
        [format!("{base}/NCSI"), format!("{base}/{mctp_id}")]
    );
    let m = get(format!("{base}/{mctp_id}")).await;
    let variant = m["ConnectionMethodVariant"].as_str().unwrap();
    assert!(
        variant.contains("DSP0261") && variant.contains("endpoint ID 10"),
        "{variant}"
    );
    let on_mctp = &cards[2].id;
    assert_eq!(
        m["Links"]["AggregationSources"],
        serde_json::json!([{ "@odata.id": format!("/redfish/v1/AggregationService/AggregationSources/{on_mctp}") }])
    );
    assert_eq!(
        get(format!("{base}/NCSI")).await["Links"]["AggregationSources"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let src = get(format!(
        "/redfish/v1/AggregationService/AggregationSources/{on_mctp}"
    ))
    .await;
    assert_eq!(
        src["Links"]["ConnectionMethod"]["@odata.id"],
        format!("{base}/{mctp_id}")
    );
    let system = get(format!("/redfish/v1/Systems/{on_mctp}")).await;
    assert_eq!(system["Status"]["State"], "Enabled");
    let manager = get(format!("/redfish/v1/Managers/{on_mctp}")).await;
    assert_eq!(manager["FirmwareVersion"], cards[2].info.firmware_version);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped binaries: `sidebridge-sim --mctp-serial` as the card, the
/// `sidebridge ncsi --transport mctp-serial` CLI as the BMC, each run of the CLI
/// bringing the endpoint up again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binaries_speak_mctp_over_a_pty() {
    let (daemon_tty, card_tty, _relay) = link(Faults::default());
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/two-dpus.toml");
    let sim = std::process::Command::new(sidebridge_sim::testbed::sim_binary())
        .arg("--mctp-serial")
        .arg(&card_tty)
        .arg("--scenario")
        .arg(&scenario)
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(sim);
    let tty = daemon_tty.display().to_string();
    let cli = move |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
            .args(["ncsi", "--transport", "mctp-serial", "--interface", &tty])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let run = |args: Vec<&'static str>| {
        let cli = cli.clone();
        tokio::task::spawn_blocking(move || cli(&args))
    };
    // The simulator needs a moment to open its end.
    let mut up = None;
    for _ in 0..50 {
        let r = run(vec!["--json", "discover", "--packages", "0,1,2"])
            .await
            .unwrap();
        if r.0 {
            up = Some(r.1);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = up.expect("the CLI never reached the simulator over MCTP");
    let t: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["packages"].as_array().unwrap().len(), 2);
    assert_eq!(t["packages"][1]["card"]["serial"], "DPU0000B2");
    let (ok, out, err) = run(vec![
        "oem",
        "-p",
        "1",
        "set-boot-override",
        "--target",
        "cd",
        "--enabled",
        "once",
    ])
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert!(out.starts_with("SetBootOverride (sequence"), "{out}");
    let (ok, out, _) = run(vec!["--json", "oem", "-p", "1", "boot-override"])
        .await
        .unwrap();
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["response"]["body"]["BootOverride"]["target"], "Cd");
    // A device that is not there is named.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args([
            "ncsi",
            "--transport",
            "mctp-serial",
            "--interface",
            "/dev/nonexistent-tty",
            "discover",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/dev/nonexistent-tty"), "{err}");
}

/// Writes `dir/sidebridge.toml` with `ncsi` as the `[ncsi]` keys, Redfish on a free
/// loopback port and its state under `dir`.
fn daemon_config(dir: &Path, ncsi: &str) -> PathBuf {
    let path = dir.join("sidebridge.toml");
    std::fs::write(
        &path,
        format!(
            "[ncsi]\n{ncsi}[redfish]\nlisten = \"127.0.0.1:0\"\nstate_dir = \"{}\"\n",
            dir.join("state").display()
        ),
    )
    .unwrap();
    path
}

/// `sidebridge run` with `transport = "mctp-serial"`: brings the line up, finds the
/// cards behind it, serves Redfish; and names the device when it cannot open it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_runs_over_mctp_serial() {
    use std::io::BufRead;
    let (daemon_tty, card_tty, _relay) = link(Faults::default());
    let _sim = start_sim(&card_tty);
    let dir = std::env::temp_dir().join(format!("sidebridge-mctp-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let write_config = |serial: &str| {
        daemon_config(
            &dir,
            &format!(
                "transport = \"mctp-serial\"\nserial = \"{serial}\"\nmctp_eid = 12\npackages = [0, 1, 2]\n"
            ),
        )
    };
    let config = write_config(&daemon_tty.display().to_string());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args(["run", "--config"])
        .arg(&config)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let done = line.contains("card(s) found");
            seen.push(line);
            if done {
                break;
            }
        }
        seen
    });
    let lines = tokio::time::timeout(Duration::from_secs(30), lines)
        .await
        .expect("the daemon did not come up")
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(
        text.contains("is EID 12 (message types [00, 02])"),
        "{text}"
    );
    assert!(text.contains("(2 card(s) found)"), "{text}");

    let config = write_config("/dev/nonexistent-ttyX");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open /dev/nonexistent-ttyX"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `transport = "mctp"` (the kernel's AF_MCTP): where the kernel lacks it, as here,
/// the CLI and the daemon say so and point to mctp-serial.
#[test]
fn kernel_mctp_is_explained_where_missing() {
    if sidebridge_transport::mctp::af_mctp::probe().is_ok() {
        println!("skipped: this kernel has AF_MCTP, so there is no error to check");
        return;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args(["ncsi", "--transport", "mctp", "--mctp-eid", "9", "discover"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("this kernel has no AF_MCTP support") && err.contains("mctp-serial"),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args(["ncsi", "--transport", "raw", "discover"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("give the NC-SI interface: --interface eth0")
    );
    let dir = std::env::temp_dir().join(format!("sidebridge-afmctp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = daemon_config(&dir, "transport = \"mctp\"\nmctp_eid = 9\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("this kernel has no AF_MCTP support"), "{err}");
}
