//! sidebridge's benchmarks; run by `bench/run` (root: veth pairs, raw sockets).
//! Prints one table; every figure is a median over repeated rounds, and every
//! comparison is measured side by side in the same run.
//!
//! 1. NC-SI round trip (Get Link Status) through the requester vs a minimal raw-socket
//!    ping-pong, same simulator, same veth pair.
//! 2. Discovery of 8 packages × 4 channels.
//! 3. Cached Redfish GET over TLS with keep-alive vs a bare axum + rustls hello world,
//!    same load generator (wrk), same concurrency.
//! 4. POST Reset latency: Redfish → OEM → simulator → the card's acceptance (202).
//! 5. RSS of the real daemon with 8 cards, idle and under 100 concurrent clients.
//! 6. Stripped binary size with the `min` profile (given by bench/run).
//! 7. A tunnelled GET of a ComputerSystem over MCTP serial at 115200 baud (a pty relay
//!    that paces bytes at the line rate) vs the wire time of the body's bytes at that
//!    rate; and the same GET revalidated with If-None-Match (304: headers only).

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine;
use sidebridge::daemon::{Daemon, serve_tls, tls_config};
use sidebridge::ncsi::{Manager, ManagerConfig, Requester, Timing};
use sidebridge_protocol::ncsi::{ChannelId, Command, PacketRepr};
use sidebridge_sim::testbed::{Testbed, privileged};
use sidebridge_transport::Transport;
use sidebridge_transport::raw::RawSocket;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Row {
    what: String,
    value: String,
    baseline: String,
    ratio: String,
    target: String,
    ok: Option<bool>,
}

fn row(
    what: &str,
    value: String,
    baseline: &str,
    ratio: Option<f64>,
    target: &str,
    ok: Option<bool>,
) -> Row {
    Row {
        what: what.into(),
        value,
        baseline: baseline.into(),
        ratio: ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
        target: target.into(),
        ok,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

fn pct(v: &mut [Duration], p: usize) -> f64 {
    v.sort();
    v[(v.len() * p / 100).min(v.len() - 1)].as_secs_f64() * 1e6
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn release_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/release/examples/bench → target/release/<name>
    exe.parent().and_then(Path::parent).unwrap().join(name)
}

/// A raw-socket ping-pong: send a prebuilt Get Link Status, wait for the response with
/// the same IID. The least work an MC can do for one round trip.
async fn pingpong(sock: &RawSocket, ch: ChannelId, n: usize, iid: &mut u8) -> Vec<Duration> {
    // This socket also received every response the requester got meanwhile: drop them,
    // or an old response with a reused IID would pass for the answer.
    while tokio::time::timeout(Duration::from_millis(20), sock.recv())
        .await
        .is_ok()
    {}
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        *iid = if *iid == 255 { 1 } else { *iid + 1 };
        let bytes = PacketRepr::command(*iid, ch, Command::GetLinkStatus)
            .to_bytes()
            .unwrap();
        let t = Instant::now();
        sock.send(&bytes).await.unwrap();
        loop {
            let r = tokio::time::timeout(Duration::from_secs(1), sock.recv())
                .await
                .expect("ping-pong answer")
                .unwrap();
            if r.len() > 5 && r[3] == *iid && r[4] == 0x8A {
                break;
            }
        }
        out.push(t.elapsed());
    }
    out
}

async fn ncsi(rows: &mut Vec<Row>, rounds: usize, per_round: usize) {
    let bed = Testbed::start(
        "b",
        &release_bin("sidebridge-sim"),
        &root().join("sim/scenarios/eight-by-four.toml"),
    );
    let requester = Arc::new(Requester::new(Arc::new(
        RawSocket::open(&bed.host_interface).unwrap(),
    )));
    for _ in 0..50 {
        if requester
            .request(
                ChannelId::package(0),
                Command::GetPackageStatus,
                Timing::PROBE,
            )
            .await
            .is_ok()
        {
            break;
        }
    }
    // Discovery.
    let mut disc = Vec::new();
    for _ in 0..rounds {
        let m = Manager::new(requester.clone(), ManagerConfig::default());
        let t = Instant::now();
        let topo = m.discover().await;
        disc.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(
            topo.packages
                .iter()
                .map(|p| p.channels.len())
                .sum::<usize>(),
            32,
            "8 x 4 discovered"
        );
    }
    let d = median(&mut disc);
    rows.push(row(
        "Discovery, 8 packages x 4 channels (ms)",
        format!("{d:.1}"),
        "",
        None,
        "< 1000",
        Some(d < 1000.0),
    ));

    // Round trips, alternating batches so both see the same conditions.
    let ch = ChannelId::new(0, 0);
    let raw = RawSocket::open(&bed.host_interface).unwrap();
    let mut iid = 100;
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for _ in 0..per_round {
            let t = Instant::now();
            requester
                .request(ch, Command::GetLinkStatus, Timing::COMMAND)
                .await
                .unwrap();
            ours.push(t.elapsed());
        }
        bare.extend(pingpong(&raw, ch, per_round, &mut iid).await);
    }
    let (o50, o99, b50, b99) = (
        pct(&mut ours, 50),
        pct(&mut ours, 99),
        pct(&mut bare, 50),
        pct(&mut bare, 99),
    );
    let ratio = o50 / b50;
    rows.push(row(
        "NC-SI round trip p50, requester (us)",
        format!("{o50:.0}"),
        &format!("{b50:.0} raw ping-pong"),
        Some(ratio),
        "ratio <= 1.3",
        Some(ratio <= 1.3),
    ));
    rows.push(row(
        "NC-SI round trip p99, requester (us)",
        format!("{o99:.0}"),
        &format!("{b99:.0} raw ping-pong"),
        Some(o99 / b99),
        "",
        None,
    ));
}

/// wrk's requests per second.
fn wrk(url: &str, auth: Option<&str>, connections: usize, seconds: u64) -> f64 {
    let mut cmd = Process::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(a) = auth {
        cmd.args(["-H", &format!("Authorization: {a}")]);
    }
    let out = cmd.arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Non-2xx"), "wrk saw errors: {text}");
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no wrk result: {text}"))
}

async fn start_daemon(dir: &Path) -> (Daemon, tokio::sync::watch::Sender<bool>, String) {
    let sim = sidebridge_sim::Simulator::new(
        sidebridge_sim::Scenario::parse(include_str!("../sim/scenarios/two-dpus.toml")).unwrap(),
    );
    let (mc, nc) = sidebridge_transport::memory::pair(1024);
    tokio::spawn(sim.run(nc, std::future::pending()));
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let cfg = ManagerConfig {
        packages: vec![0, 1],
        ..ManagerConfig::default()
    };
    let d = Daemon::start(Arc::new(mc), cfg, dir, stop_rx, Duration::from_secs(10))
        .await
        .unwrap();
    let pw = std::fs::read_to_string(dir.join("initial-admin-password"))
        .unwrap()
        .trim()
        .to_string();
    (d, stop, pw)
}

async fn redfish(rows: &mut Vec<Row>, rounds: usize, seconds: u64) {
    let dir = std::env::temp_dir().join(format!("sb-bench-{}", std::process::id()));
    let (d, stop, pw) = start_daemon(&dir).await;
    let tls = tls_config(&dir, None).unwrap();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{pw}"))
    );
    let l1 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let l2 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (p1, p2) = (
        l1.local_addr().unwrap().port(),
        l2.local_addr().unwrap().port(),
    );
    let hello = Router::new().route("/", axum::routing::get(|| async { "hello" }));
    tokio::spawn(serve_tls(l1, d.app(), tls.clone(), stop.subscribe()));
    tokio::spawn(serve_tls(l2, hello, tls, stop.subscribe()));
    let url = format!("https://127.0.0.1:{p1}/redfish/v1/Systems/DPU0000A1");
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let u = url.clone();
        let a = auth.clone();
        ours.push(
            tokio::task::spawn_blocking(move || wrk(&u, Some(&a), 32, seconds))
                .await
                .unwrap(),
        );
        let h = format!("https://127.0.0.1:{p2}/");
        bare.push(
            tokio::task::spawn_blocking(move || wrk(&h, None, 32, seconds))
                .await
                .unwrap(),
        );
    }
    let (o, b) = (median(&mut ours), median(&mut bare));
    rows.push(row(
        "Cached Redfish GET over TLS, 32 conn (req/s)",
        format!("{o:.0}"),
        &format!("{b:.0} hello world"),
        Some(o / b),
        "ratio >= 0.6",
        Some(o / b >= 0.6),
    ));

    // POST Reset: Redfish → OEM → simulator → the card's acceptance.
    let mut lat = Vec::new();
    for _ in 0..rounds.max(3) {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/redfish/v1/Systems/DPU0000B2/Actions/ComputerSystem.Reset")
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .body(Body::from(r#"{"ResetType": "ForceRestart"}"#))
            .unwrap();
        let t = Instant::now();
        let r = tower::ServiceExt::oneshot(d.app(), req).await.unwrap();
        lat.push(t.elapsed());
        assert_eq!(r.status(), 202);
        // Let the reset finish before the next (the card refuses overlapping resets).
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if d.cards
                .tasks()
                .iter()
                .all(|t| t.state != sidebridge::cards::TaskState::Running)
            {
                break;
            }
        }
    }
    let l50 = pct(&mut lat, 50);
    rows.push(row(
        "POST Reset to 202 Accepted, p50 (us)",
        format!("{l50:.0}"),
        "",
        None,
        "",
        None,
    ));
    let _ = stop.send(true);
    let _ = std::fs::remove_dir_all(dir);
}

/// Bits per byte on an 8N1 serial line.
const BITS_PER_BYTE: f64 = 10.0;

/// Two ptys joined by a relay that paces every byte at `baud` (8N1), one direction at
/// a time each: a serial line's wire time, on a pty. Counts the bytes it carried.
fn paced_line(baud: u32) -> (PathBuf, PathBuf, Arc<std::sync::atomic::AtomicU64>) {
    use sidebridge_transport::mctp::tty::{Tty, openpty};
    let (m1, s1) = openpty().unwrap();
    let (m2, s2) = openpty().unwrap();
    let a = Arc::new(Tty::from_file(m1, "line-a".into()).unwrap());
    let b = Arc::new(Tty::from_file(m2, "line-b".into()).unwrap());
    let carried = Arc::new(std::sync::atomic::AtomicU64::new(0));
    for (from, to) in [(a.clone(), b.clone()), (b, a)] {
        let carried = carried.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 256];
            let mut next = Instant::now();
            loop {
                let Ok(n) = from.read(&mut buf).await else {
                    return;
                };
                carried.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                // The bytes leave one after another: the line is busy until `next`.
                next = next.max(Instant::now())
                    + Duration::from_secs_f64(n as f64 * BITS_PER_BYTE / f64::from(baud));
                tokio::time::sleep_until(next.into()).await;
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        });
    }
    (s1, s2, carried)
}

/// The tunnel over a paced MCTP serial line: the platform's OEM client, the agent,
/// and a card Redfish service (sidebridge's own, over the simulator, on loopback).
async fn tunnel(rows: &mut Vec<Row>, rounds: usize) {
    use sidebridge::agent::{Agent, config::AgentConfig};
    use sidebridge_protocol::oem::{self, Request, ResponseBody, TunnelRequest};
    use sidebridge_transport::mctp::{EndpointConfig, Role, SerialEndpoint, tty::Tty};
    const BAUD: u32 = 115_200;
    let dir = std::env::temp_dir().join(format!("sb-bench-tunnel-{}", std::process::id()));
    let (d, stop, _) = start_daemon(&dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = sidebridge::redfish::app_trusting(
        d.state.clone(),
        sidebridge::redfish::auth::Role::Administrator,
    );
    tokio::spawn(sidebridge::daemon::serve_plain(
        listener,
        app,
        stop.subscribe(),
    ));
    let (platform_end, card_end, carried) = paced_line(BAUD);
    let cfg = AgentConfig::parse(&format!(
        "[card]\nurl = \"http://127.0.0.1:{port}\"\ninsecure_plain_http = true\nsystem = \"DPU0000A1\"\n[mctp]\nserial = \"{}\"\n",
        card_end.display()
    ))
    .unwrap();
    let ep = |tty, role, eid| {
        SerialEndpoint::start(
            tty,
            EndpointConfig {
                role,
                eid,
                uuid: [0; 16],
                vendor_iana: Some(oem::DEFAULT_MANUFACTURER_ID),
            },
        )
    };
    let card = ep(Tty::open(&card_end).unwrap(), Role::Endpoint, 0);
    let agent = Agent::new(&cfg).unwrap();
    tokio::spawn(agent.serve(card, std::future::pending()));
    let platform = ep(Tty::open(&platform_end).unwrap(), Role::BusOwner, 8);
    platform
        .bring_up_for(20, sidebridge_protocol::mctp::MessageType::VendorIana)
        .await
        .unwrap();
    let client = sidebridge::ncsi::OemClient::over_mctp(
        platform,
        20,
        oem::DEFAULT_MANUFACTURER_ID,
        Timing {
            timeout: Duration::from_secs(10),
            retries: 0,
        },
    );
    let get = |inm: Option<String>| {
        Request::Redfish(TunnelRequest {
            method: oem::Method::Get,
            role: oem::TunnelRole::ReadOnly,
            path: "/redfish/v1/Systems/DPU0000A1".into(),
            headers: inm
                .map(|t| vec![("If-None-Match".into(), t)])
                .unwrap_or_default(),
            body: Vec::new(),
        })
    };
    let (mut full, mut revalidated, mut floors) = (Vec::new(), Vec::new(), Vec::new());
    let (mut body_len, mut wire) = (0usize, 0u64);
    for _ in 0..rounds.max(1) {
        let before = carried.load(std::sync::atomic::Ordering::Relaxed);
        let t = Instant::now();
        let (_, r) = client.call(&get(None)).await.unwrap();
        let took = t.elapsed().as_secs_f64();
        wire = carried.load(std::sync::atomic::Ordering::Relaxed) - before;
        let ResponseBody::Redfish(r) = r.body else {
            panic!("no tunnel answer")
        };
        assert_eq!(r.status, 200);
        body_len = r.body.len();
        let etag = r.header("ETag").unwrap_or_default().to_string();
        floors.push(body_len as f64 * BITS_PER_BYTE / f64::from(BAUD));
        full.push(took);
        let t = Instant::now();
        let (_, r) = client.call(&get(Some(etag.clone()))).await.unwrap();
        let ResponseBody::Redfish(r) = r.body else {
            panic!("no tunnel answer")
        };
        assert_eq!(r.status, 304, "revalidation with {etag}");
        revalidated.push(t.elapsed().as_secs_f64());
    }
    let (full, floor, reval) = (
        median(&mut full),
        median(&mut floors),
        median(&mut revalidated),
    );
    rows.push(row(
        &format!(
            "Tunnelled GET ComputerSystem ({body_len} B body, {wire} B on the wire), MCTP serial 115200 baud (ms)"
        ),
        format!("{:.0}", full * 1e3),
        &format!("{:.0} (body at line rate)", floor * 1e3),
        Some(full / floor),
        "<= 1.5x the floor",
        Some(full / floor <= 1.5),
    ));
    rows.push(row(
        "Tunnelled GET revalidated, 304 (ms)",
        format!("{:.0}", reval * 1e3),
        &format!("{:.0} (full GET)", full * 1e3),
        Some(reval / full),
        "",
        None,
    ));
    let _ = stop.send(true);
    drop(d);
    let _ = std::fs::remove_dir_all(&dir);
}

fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

/// A `/proc/PID/status` figure in KiB (VmRSS, RssAnon, RssFile).
fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// `min`: measure the binary the BMC runs (`--profile min --no-default-features`, built
/// by bench/run in full mode) rather than the release build with the simulator.
async fn memory(rows: &mut Vec<Row>, seconds: u64, min: bool) {
    let bed = Testbed::start(
        "m",
        &release_bin("sidebridge-sim"),
        &root().join("sim/scenarios/eight-by-four.toml"),
    );
    let dir = std::env::temp_dir().join(format!("sb-bench-rss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let cfg = dir.join("sidebridge.toml");
    std::fs::write(&cfg, format!("[ncsi]\ninterface = \"{}\"\n[redfish]\nlisten = \"127.0.0.1:{port}\"\nstate_dir = \"{}\"\n", bed.host_interface, dir.join("state").display())).unwrap();
    let binary = if min {
        root().join("target/min/sidebridge")
    } else {
        release_bin("sidebridge")
    };
    let mut child = Process::new(&binary)
        .args(["run", "--config"])
        .arg(&cfg)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Until it serves (discovery of 8 packages, the first card refresh).
    let pw_file = dir.join("state/initial-admin-password");
    let mut up = false;
    for _ in 0..300 {
        if pw_file.exists() && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the daemon did not start");
    let pw = std::fs::read_to_string(&pw_file)
        .unwrap()
        .trim()
        .to_string();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{pw}"))
    );
    // Touch every system once so all 8 cards are cached, then settle.
    for p in 0..8 {
        let url = format!("https://127.0.0.1:{port}/redfish/v1/Systems/DPU8X4{p:03}");
        let _ = Process::new("wrk")
            .args([
                "-t1",
                "-c1",
                "-d1s",
                "-H",
                &format!("Authorization: {auth}"),
                &url,
            ])
            .output();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kib(pid) as f64 / 1024.0;
    // Heap and stacks vs the binary's own pages (which a BMC shares with nothing, but
    // which the min build, without the simulator, makes smaller).
    let (anon, file) = (
        status_kib(pid, "RssAnon:") as f64 / 1024.0,
        status_kib(pid, "RssFile:") as f64 / 1024.0,
    );
    let url = format!("https://127.0.0.1:{port}/redfish/v1/Systems/DPU8X4003");
    let a = auth.clone();
    let load = tokio::task::spawn_blocking(move || wrk(&url, Some(&a), 100, seconds));
    let mut peak = 0u64;
    while !load.is_finished() {
        peak = peak.max(rss_kib(pid));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rps = load.await.unwrap();
    // A flood as a careless client or an attacker makes it: 1000 connections opened at
    // once and left silent (the cap refuses most, the header timeout ends the rest),
    // then closed; memory must come back.
    let mut flood = Vec::new();
    for _ in 0..1000 {
        if let Ok(s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            flood.push(s);
        }
        peak = peak.max(rss_kib(pid));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    peak = peak.max(rss_kib(pid));
    let flooded = flood.len();
    drop(flood);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid) as f64 / 1024.0;
    let anon_after = status_kib(pid, "RssAnon:") as f64 / 1024.0;
    let peak = peak as f64 / 1024.0;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    rows.push(row(
        if min {
            "RSS idle, 8 cards, min build (MiB)"
        } else {
            "RSS idle, 8 cards, release build with the simulator (MiB)"
        },
        format!("{idle:.1}"),
        &format!("anon {anon:.1}, file {file:.1}"),
        None,
        "<= 10",
        Some(idle <= 10.0),
    ));
    rows.push(row(
        "RSS peak, 100 concurrent clients (MiB)",
        format!("{peak:.1}"),
        &format!("{rps:.0} req/s"),
        None,
        "<= 20",
        Some(peak <= 20.0),
    ));
    rows.push(row(
        "RSS 3 s after the load and a flood of idle connections (MiB)",
        format!("{after:.1}"),
        &format!("{flooded} connections; anon {anon_after:.1} (idle {anon:.1})"),
        None,
        "<= 20, anon <= idle + 2",
        Some(after <= 20.0 && anon_after <= anon + 2.0),
    ));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let short = args.iter().any(|a| a == "--short");
    let size = args
        .iter()
        .position(|a| a == "--binary-size")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok());
    let size_dbus = args
        .iter()
        .position(|a| a == "--binary-size-dbus")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok());
    if !privileged("sidebridge benchmarks") {
        std::process::exit(0);
    }
    let (rounds, per_round, seconds) = if short { (1, 50, 1) } else { (5, 400, 5) };
    // `--only ncsi,redfish,memory,tunnel` runs some of them (while working on one).
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let runs = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|x| x == name))
    };
    let mut rows = Vec::new();
    if runs("ncsi") {
        ncsi(&mut rows, rounds, per_round).await;
    }
    if runs("redfish") {
        redfish(&mut rows, rounds, seconds).await;
    }
    if runs("memory") {
        memory(&mut rows, seconds, size.is_some()).await;
    }
    if runs("tunnel") {
        tunnel(&mut rows, rounds).await;
    }
    match size {
        Some(b) => {
            let mib = b as f64 / (1024.0 * 1024.0);
            rows.push(row(
                "Stripped binary, min profile, x86_64 (MiB)",
                format!("{mib:.2}"),
                "",
                None,
                "<= 4 (armv7)",
                Some(mib <= 4.0),
            ));
            if let Some(d) = size_dbus {
                let dmib = d as f64 / (1024.0 * 1024.0);
                rows.push(row(
                    "  the same with the `dbus` feature (the OpenBMC recipe's)",
                    format!("{dmib:.2}"),
                    "",
                    None,
                    &format!("+{:.2} for D-Bus", dmib - mib),
                    None,
                ));
            }
        }
        None => rows.push(row(
            "Stripped binary, min profile (MiB)",
            "not built".into(),
            "",
            None,
            "<= 4 (armv7)",
            None,
        )),
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "sidebridge benchmarks ({} mode, medians of {rounds} round(s); {cpus} CPUs, host {})",
        if short { "short" } else { "full" },
        host.trim()
    );
    println!();
    println!("| measure | sidebridge | baseline | ratio | target | met |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        let met = match r.ok {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.what, r.value, r.baseline, r.ratio, r.target, met
        );
    }
}
