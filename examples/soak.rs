//! The soak campaign (`bash campaigns/soak [SECONDS]`): a daemon on the two-DPU
//! simulator with random sideband faults, served over loopback HTTP, and concurrent
//! clients mixing Redfish operations for SECONDS, checking invariants all along and
//! at the end:
//!
//! - every reset the service accepted (202/204) was executed on the card exactly once
//!   (executed ≥ accepted, and executed ≤ accepted + answers that left it unknown);
//! - every PATCH of the boot override the service confirmed (200, nothing refused)
//!   is what the card holds, read from the simulated card at once;
//! - no task is still Running 30 s after it started (the simulated card finishes a
//!   reset or an attachment within a few seconds, faults and all);
//! - after the load, heap in use (a leak), resident memory (the daemon gives freed
//!   pages back once its last connection closes) and open file descriptors are back
//!   near what they were once warm;
//! - the service never answered 500.
//!
//! Faults: 3% of responses dropped, 2% corrupted, 1% late past the timeout, and on a
//! timer package 1 vanishes for 2 s and card 0's BMC is busy for 1 s.

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use sidebridge::daemon::{ConnectionLimits, Daemon, serve_plain_with};
use sidebridge::ncsi::ManagerConfig;
use sidebridge::redfish::names;
use sidebridge_protocol::oem::CommandId;
use sidebridge_sim::{Scenario, SimHandle, Simulator};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SYSTEMS: [&str; 2] = ["DPU0000A1", "DPU0000B2"];

fn scenario(seconds: u64) -> String {
    let mut s = include_str!("../sim/scenarios/two-dpus.toml").to_string();
    s.push_str(
        "\n[[fault]]\nkind = \"drop\"\nprobability = 0.03\n\
         \n[[fault]]\nkind = \"corrupt_checksum\"\nprobability = 0.02\n\
         \n[[fault]]\nkind = \"delay\"\nprobability = 0.01\ndelay_ms = 1500\n",
    );
    let end = (seconds + 30) * 1000;
    for at in (20_000..end).step_by(20_000) {
        s.push_str(&format!(
            "\n[[fault]]\nkind = \"package_vanish\"\npackage = 1\nat_ms = {at}\nduration_ms = 2000\n"
        ));
    }
    for at in (15_000..end).step_by(15_000) {
        s.push_str(&format!(
            "\n[[fault]]\nkind = \"card_busy\"\npackage = 0\nat_ms = {at}\nduration_ms = 1000\n"
        ));
    }
    s
}

/// One keep-alive connection to the service, reopened when it fails.
struct Client {
    addr: SocketAddr,
    auth: String,
    conn: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Client {
    async fn send(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        for _ in 0..3 {
            if self.conn.as_ref().is_none_or(|c| c.is_closed()) {
                let Ok(tcp) = tokio::net::TcpStream::connect(self.addr).await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (send, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                        .await
                        .expect("HTTP/1.1 handshake");
                tokio::spawn(conn);
                self.conn = Some(send);
            }
            let send = self.conn.as_mut().unwrap();
            if send.ready().await.is_err() {
                self.conn = None;
                continue;
            }
            let mut req = hyper::Request::builder()
                .method(method)
                .uri(path)
                .header("Host", "127.0.0.1")
                .header("Authorization", &self.auth);
            if body.is_some() {
                req = req.header("Content-Type", "application/json");
            }
            let data = body.as_ref().map(|b| b.to_string()).unwrap_or_default();
            let req = req.body(Full::new(Bytes::from(data))).unwrap();
            match send.send_request(req).await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let bytes = r.into_body().collect().await.map(|b| b.to_bytes());
                    let v = bytes
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok())
                        .unwrap_or(Value::Null);
                    return (status, v);
                }
                Err(_) => self.conn = None,
            }
        }
        panic!("{method} {path}: no answer over three connections");
    }
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    accepted_resets: [AtomicU64; 2],
    unknown_resets: [AtomicU64; 2],
    confirmed_patches: AtomicU64,
    media: AtomicU64,
    sessions: AtomicU64,
    subscriptions: AtomicU64,
    by_status: Mutex<HashMap<u16, u64>>,
}

impl Tally {
    fn saw(&self, status: u16, what: &str, v: &Value) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        *self.by_status.lock().unwrap().entry(status).or_default() += 1;
        assert_ne!(status, 500, "{what}: 500 {v}");
    }
}

struct World {
    sim: SimHandle,
    tally: Tally,
    /// Held around a boot PATCH and the check of the card that follows it.
    patching: [tokio::sync::Mutex<()>; 2],
    uris: Vec<String>,
}

fn rnd(state: &mut u64) -> u64 {
    // xorshift64*: reproducible per client.
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

async fn client(w: Arc<World>, mut c: Client, seed: u64, until: Instant) {
    let mut r = seed.max(1);
    while Instant::now() < until {
        let which = (rnd(&mut r) % 2) as usize;
        let sys = SYSTEMS[which];
        match rnd(&mut r) % 100 {
            0..=44 => {
                let uri = &w.uris[(rnd(&mut r) as usize) % w.uris.len()];
                let (st, v) = c.send("GET", uri, None).await;
                w.tally.saw(st, uri, &v);
            }
            45..=59 => patch_boot(&w, &mut c, which, &mut r).await,
            60..=69 => {
                let t = ["ForceRestart", "On", "GracefulRestart", "PowerCycle"]
                    [(rnd(&mut r) % 4) as usize];
                let path = format!("/redfish/v1/Systems/{sys}/Actions/ComputerSystem.Reset");
                let (st, v) = c.send("POST", &path, Some(json!({"ResetType": t}))).await;
                w.tally.saw(st, &path, &v);
                match st {
                    202 | 204 => {
                        w.tally.accepted_resets[which].fetch_add(1, Ordering::Relaxed);
                    }
                    // The card may or may not have taken it (no answer came back).
                    503 | 504 => {
                        w.tally.unknown_resets[which].fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
            70..=77 => {
                let base =
                    format!("/redfish/v1/Managers/{sys}/VirtualMedia/CD/Actions/VirtualMedia");
                let (path, body) = if rnd(&mut r) % 2 == 0 {
                    (
                        format!("{base}.InsertMedia"),
                        json!({"Image": "http://127.0.0.1:9/image.iso"}),
                    )
                } else {
                    (format!("{base}.EjectMedia"), json!({}))
                };
                let (st, v) = c.send("POST", &path, Some(body)).await;
                w.tally.saw(st, &path, &v);
                w.tally.media.fetch_add(1, Ordering::Relaxed);
            }
            78..=87 => {
                let (st, v) = c
                    .send(
                        "POST",
                        "/redfish/v1/EventService/Subscriptions",
                        Some(json!({"Destination": "http://127.0.0.1:9/events", "Protocol": "Redfish"})),
                    )
                    .await;
                w.tally.saw(st, "subscribe", &v);
                if let Some(id) = v["@odata.id"].as_str() {
                    let (st, v) = c.send("DELETE", id, None).await;
                    w.tally.saw(st, id, &v);
                    assert_eq!(st, 204, "DELETE {id}: {v}");
                    w.tally.subscriptions.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {
                let (st, v) = c
                    .send("GET", "/redfish/v1/SessionService/Sessions", None)
                    .await;
                w.tally.saw(st, "sessions", &v);
                w.tally.sessions.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// PATCHes a Continuous boot override with a target the card allows; when the service
/// confirms it, the card must hold exactly that.
async fn patch_boot(w: &World, c: &mut Client, which: usize, r: &mut u64) {
    let sys = SYSTEMS[which];
    let path = format!("/redfish/v1/Systems/{sys}");
    let _held = w.patching[which].lock().await;
    let (st, v) = c.send("GET", &path, None).await;
    w.tally.saw(st, &path, &v);
    let Some(allowed) = v["Boot"]["BootSourceOverrideTarget@Redfish.AllowableValues"].as_array()
    else {
        return;
    };
    let target = allowed[(rnd(r) as usize) % allowed.len()]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"Boot": {"BootSourceOverrideEnabled": "Continuous", "BootSourceOverrideTarget": target}});
    let (st, v) = c.send("PATCH", &path, Some(body)).await;
    w.tally.saw(st, &path, &v);
    let refused = v.get("@Message.ExtendedInfo").is_some_and(|m| {
        m.as_array().is_some_and(|a| {
            a.iter().any(|m| {
                !m["MessageId"]
                    .as_str()
                    .is_some_and(|id| id.ends_with(".Success"))
            })
        })
    });
    if st != 200 || refused {
        return;
    }
    let (t, e) = w.sim.with(|nc| {
        let o = nc.card(which as u8).unwrap().boot_override().clone();
        (o.target, o.enabled)
    });
    assert_eq!(
        (name(names::TARGETS, t), name(names::ENABLED, e)),
        (target.as_str(), "Continuous"),
        "{sys}: the service confirmed a PATCH the card does not hold"
    );
    w.tally.confirmed_patches.fetch_add(1, Ordering::Relaxed);
}

/// The Redfish name of `x` in `table`.
fn name<T: PartialEq>(table: &[(T, &'static str)], x: T) -> &'static str {
    table
        .iter()
        .find(|(k, _)| *k == x)
        .map(|(_, n)| *n)
        .unwrap_or("?")
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Heap bytes in use (glibc's own count: small blocks plus mmapped ones), in KiB: a
/// leak shows here whatever the allocator keeps resident; 0 where unknown.
#[allow(unsafe_code)] // One libc call at the OS boundary.
fn heap_kib() -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's counters under its own locks.
        let m = unsafe { libc::mallinfo2() };
        ((m.uordblks + m.hblkhd) / 1024) as u64
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    0
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn links(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "@odata.id" {
                    if let Some(s) = x.as_str() {
                        out.push(s.split('#').next().unwrap_or(s).to_string());
                    }
                }
                links(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| links(x, out)),
        _ => {}
    }
}

fn main() {
    // The allocator as the daemon's own main sets it, before any thread exists: the
    // soak measures the service as it runs. Without it, each argon2 password check
    // (7 MiB) lands at the top of a per-thread arena, which malloc_trim never
    // shrinks, and the resident figure after the load depends on the scheduling.
    sidebridge::daemon::tune_allocator();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the runtime")
        .block_on(soak());
}

async fn soak() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(60);
    let clients: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let dir = std::env::temp_dir().join(format!("sb-soak-{}", std::process::id()));
    let sim = Simulator::new(Scenario::parse(&scenario(seconds)).expect("the soak scenario"));
    let handle = sim.handle();
    let (mc, nc) = sidebridge_transport::memory::pair(1024);
    tokio::spawn(sim.run(nc, std::future::pending()));
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let cfg = ManagerConfig {
        packages: vec![0, 1],
        ..ManagerConfig::default()
    };
    let d = Daemon::start(
        Arc::new(mc),
        cfg,
        &dir,
        stop_rx.clone(),
        Duration::from_secs(10),
    )
    .await
    .expect("the daemon starts");
    let pw = std::fs::read_to_string(dir.join("initial-admin-password")).unwrap();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{}", pw.trim()))
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_plain_with(
        listener,
        d.app(),
        ConnectionLimits::default(),
        stop_rx,
    ));
    let mut c = Client {
        addr,
        auth: auth.clone(),
        conn: None,
    };
    // The resources, found from the root.
    let mut uris = vec!["/redfish/v1".to_string()];
    let mut i = 0;
    while i < uris.len() && uris.len() < 300 {
        let (st, v) = c.send("GET", &uris[i].clone(), None).await;
        i += 1;
        if st == 200 {
            let mut found = Vec::new();
            links(&v, &mut found);
            for u in found {
                if !uris.contains(&u) && !u.contains("/SSE") {
                    uris.push(u);
                }
            }
        }
    }
    let world = Arc::new(World {
        sim: handle.clone(),
        tally: Tally::default(),
        patching: Default::default(),
        uris,
    });
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for n in 0..clients {
        let cl = Client {
            addr,
            auth: auth.clone(),
            conn: None,
        };
        tasks.push(tokio::spawn(client(
            world.clone(),
            cl,
            0x5eed + n * 7919,
            until,
        )));
    }
    // Warm figures a quarter in; the peak all along.
    tokio::time::sleep(Duration::from_secs(seconds / 4)).await;
    let (warm_rss, warm_fds, warm_heap) = (rss_kib(), fds(), heap_kib());
    let mut peak = warm_rss;
    while !tasks.iter().all(|t| t.is_finished()) {
        peak = peak.max(rss_kib());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for t in tasks {
        t.await.expect("a client failed an invariant");
    }
    // Tasks end; connections idle out (the default idle timeout is 30 s).
    let settle = Instant::now();
    loop {
        let (st, v) = c
            .send("GET", "/redfish/v1/TaskService/Tasks?$expand=.", None)
            .await;
        assert_eq!(st, 200, "{v}");
        let running: Vec<_> = v["Members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["TaskState"] == "Running")
            .map(|t| t["@odata.id"].as_str().unwrap_or("?").to_string())
            .collect();
        if running.is_empty() {
            break;
        }
        assert!(
            settle.elapsed() < Duration::from_secs(30),
            "tasks still Running 30 s after the load: {running:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(c);
    tokio::time::sleep(Duration::from_secs(33)).await;
    let (end_rss, end_fds, end_heap) = (rss_kib(), fds(), heap_kib());
    let t = &world.tally;
    let mut resets = Vec::new();
    for (i, sys) in SYSTEMS.iter().enumerate() {
        let executed =
            handle.with(|nc| nc.card(i as u8).unwrap().executed(CommandId::Reset)) as u64;
        let accepted = t.accepted_resets[i].load(Ordering::Relaxed);
        let unknown = t.unknown_resets[i].load(Ordering::Relaxed);
        assert!(
            accepted <= executed && executed <= accepted + unknown,
            "{sys}: {accepted} resets accepted, {unknown} unknown, {executed} executed on the card"
        );
        resets.push(format!(
            "{sys} {accepted} accepted/{executed} executed ({unknown} unknown)"
        ));
    }
    let mut statuses: Vec<_> = t.by_status.lock().unwrap().clone().into_iter().collect();
    statuses.sort();
    println!(
        "soak: {seconds} s, {clients} clients, {} requests",
        t.requests.load(Ordering::Relaxed)
    );
    println!("  statuses: {statuses:?}");
    println!("  resets: {}", resets.join("; "));
    println!(
        "  confirmed boot PATCHes: {}; media operations: {}; subscriptions made and deleted: {}; session reads: {}",
        t.confirmed_patches.load(Ordering::Relaxed),
        t.media.load(Ordering::Relaxed),
        t.subscriptions.load(Ordering::Relaxed),
        t.sessions.load(Ordering::Relaxed)
    );
    println!(
        "  RSS warm {:.1} MiB, peak {:.1} MiB, after {:.1} MiB; heap in use warm {:.1} MiB, after {:.1} MiB; fds warm {warm_fds}, after {end_fds}",
        warm_rss as f64 / 1024.0,
        peak as f64 / 1024.0,
        end_rss as f64 / 1024.0,
        warm_heap as f64 / 1024.0,
        end_heap as f64 / 1024.0
    );
    assert!(
        t.confirmed_patches.load(Ordering::Relaxed) > 0,
        "no PATCH was ever confirmed"
    );
    assert!(
        end_fds <= warm_fds + 4,
        "open file descriptors grew: {warm_fds} warm, {end_fds} after"
    );
    assert!(
        end_heap <= warm_heap + warm_heap / 4 + 1024,
        "heap in use grew: {warm_heap} KiB warm, {end_heap} KiB after"
    );
    assert!(
        end_rss <= warm_rss + warm_rss / 4 + 2048,
        "resident memory did not come back: {warm_rss} KiB warm, {end_rss} KiB after"
    );
    let _ = stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
    println!("soak: every invariant held");
}
