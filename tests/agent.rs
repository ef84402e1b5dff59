//! The two sides end to end, against a real and independent Redfish service:
//! OpenStack's `sushy-tools` emulator (`sushy-emulator --fake`, pinned 2.2.0 in
//! `.ci/run`) stands in for the card BMC's own Redfish. The chain is
//!
//! ```text
//! client ─HTTPS─▶ sidebridge run ─MCTP serial (pty)─▶ relay ─MCTP serial (pty)─▶
//!     sidebridge agent ─HTTP─▶ counting proxy ─▶ sushy-emulator
//! ```
//!
//! The relay joins the two pseudo-terminals and can drop or corrupt DSP0253 frames;
//! the proxy counts what reaches the emulator. Without `sushy-emulator` the tests skip
//! with a message, except under CI=true, where they fail.

use serde_json::{Value, json};
use sidebridge::agent::client::{RedfishClient, Reply};
use sidebridge::agent::config::{CardService, Trust};
use sidebridge_transport::mctp::tty::{Tty, openpty};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn emulator_binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("SUSHY_EMULATOR") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("sushy-emulator"))
        .find(|p| p.exists())
}

/// The emulator, or `None` (skipped, with the reason printed) outside CI.
fn need_emulator(test: &str) -> Option<PathBuf> {
    match emulator_binary() {
        Some(p) => Some(p),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "{test} needs sushy-emulator; CI must install it (python3 -m pip install sushy-tools==2.2.0)"
            )
        }
        None => {
            eprintln!(
                "SKIPPED {test}: sushy-emulator is not installed (python3 -m pip install sushy-tools==2.2.0)"
            );
            None
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn client(url: &str, credentials: Option<(String, String)>) -> RedfishClient {
    RedfishClient::new(&CardService {
        url: url.into(),
        credentials,
        trust: if url.starts_with("https") {
            Trust::Unverified
        } else {
            Trust::PlainHttp
        },
        timeout: Duration::from_secs(30),
        poll_interval: Duration::from_secs(1),
        system: None,
        manager: None,
        chassis: None,
    })
    .unwrap()
}

async fn until<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    secs: u64,
    mut f: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ---- the relay: two ptys joined, DSP0253 frames dropped or corrupted on demand ----

/// What the relay does to each frame, from a seeded generator.
#[derive(Debug, Default)]
struct Faults {
    /// Per mille of frames dropped.
    drop: u32,
    /// Per mille of frames with one byte flipped (the FCS then fails).
    corrupt: u32,
    seed: u64,
}

#[derive(Debug, Default)]
struct RelayStats {
    frames: AtomicU64,
    dropped: AtomicU64,
    corrupted: AtomicU64,
}

struct Relay {
    /// The platform's end and the agent's end.
    ends: (PathBuf, PathBuf),
    faults: Arc<Mutex<Faults>>,
    stats: Arc<RelayStats>,
}

impl Relay {
    fn start() -> Relay {
        let (m1, s1) = openpty().unwrap();
        let (m2, s2) = openpty().unwrap();
        let a = Arc::new(Tty::from_file(m1, "relay-a".into()).unwrap());
        let b = Arc::new(Tty::from_file(m2, "relay-b".into()).unwrap());
        let faults = Arc::new(Mutex::new(Faults::default()));
        let stats = Arc::new(RelayStats::default());
        for (from, to) in [(a.clone(), b.clone()), (b, a)] {
            let (faults, stats) = (faults.clone(), stats.clone());
            tokio::spawn(async move {
                let mut frame = Vec::new();
                let mut buf = [0u8; 512];
                loop {
                    let Ok(n) = from.read(&mut buf).await else {
                        return;
                    };
                    let mut out = Vec::new();
                    for &byte in &buf[..n] {
                        frame.push(byte);
                        // A frame is 0x7E … 0x7E (DSP0253 §5); a lone flag starts one.
                        if byte == 0x7E && frame.len() > 1 {
                            let f = std::mem::take(&mut frame);
                            stats.frames.fetch_add(1, Ordering::Relaxed);
                            let mut g = faults.lock().unwrap();
                            g.seed = g
                                .seed
                                .wrapping_mul(6364136223846793005)
                                .wrapping_add(1442695040888963407);
                            let roll = ((g.seed >> 33) % 1000) as u32;
                            if roll < g.drop {
                                stats.dropped.fetch_add(1, Ordering::Relaxed);
                            } else if roll < g.drop + g.corrupt && f.len() > 4 {
                                let mut f = f;
                                let i = 2 + (g.seed as usize >> 8) % (f.len() - 4);
                                f[i] ^= if f[i] == 0x5E || f[i] == 0x5D {
                                    0x01
                                } else {
                                    0x10
                                };
                                if f[i] == 0x7E || f[i] == 0x7D {
                                    f[i] ^= 0x03;
                                }
                                stats.corrupted.fetch_add(1, Ordering::Relaxed);
                                out.extend_from_slice(&f);
                            } else {
                                out.extend_from_slice(&f);
                            }
                        } else if byte == 0x7E {
                            frame = vec![0x7E];
                        }
                    }
                    if !out.is_empty() && to.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
        Relay {
            ends: (s1, s2),
            faults,
            stats,
        }
    }

    fn set(&self, drop: u32, corrupt: u32, seed: u64) {
        *self.faults.lock().unwrap() = Faults {
            drop,
            corrupt,
            seed,
        };
    }
}

// ---- the counting proxy in front of the emulator ----

#[derive(Debug, Default)]
struct Counts {
    resets: AtomicU32,
    requests: AtomicU32,
    /// When set, the proxy refuses connections (the card's service "down").
    down: std::sync::atomic::AtomicBool,
}

/// One HTTP/1.1 request from `s`: head and body (Content-Length).
async fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        req.extend_from_slice(&buf[..n]);
        if let Some(end) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&req[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while req.len() < end + 4 + len {
                let n = s.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                req.extend_from_slice(&buf[..n]);
            }
            return Some(req);
        }
    }
}

async fn proxy(upstream: u16, counts: Arc<Counts>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let counts = counts.clone();
            tokio::spawn(async move {
                if counts.down.load(Ordering::Relaxed) {
                    return; // closed at once: the service does not answer
                }
                let Some(req) = read_request(&mut s).await else {
                    return;
                };
                counts.requests.fetch_add(1, Ordering::Relaxed);
                let line = String::from_utf8_lossy(
                    &req[..req.iter().position(|b| *b == b'\n').unwrap_or(0)],
                )
                .to_string();
                if line.starts_with("POST") && line.contains("ComputerSystem.Reset") {
                    counts.resets.fetch_add(1, Ordering::Relaxed);
                }
                let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    return;
                };
                if up.write_all(&req).await.is_err() {
                    return;
                }
                // The emulator closes after each response (Connection: close).
                let mut rsp = Vec::new();
                let _ = up.read_to_end(&mut rsp).await;
                let _ = s.write_all(&rsp).await;
                let _ = s.shutdown().await;
            });
        }
    });
    port
}

/// A loopback HTTP server with one small image; counts the GETs.
async fn image_server(hits: Arc<AtomicU32>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let hits = hits.clone();
            tokio::spawn(async move {
                if read_request(&mut s).await.is_none() {
                    return;
                }
                hits.fetch_add(1, Ordering::Relaxed);
                let body = vec![0x42u8; 4096];
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(&body).await;
            });
        }
    });
    port
}

// ---- the whole chain ----

struct Chain {
    _emulator: Proc,
    _agent: Proc,
    _platform: Proc,
    relay: Relay,
    counts: Arc<Counts>,
    /// The emulator, directly.
    card: RedfishClient,
    /// The platform's HTTPS endpoint as admin.
    platform: RedfishClient,
    platform_url: String,
    password: String,
    /// The platform's id of the card.
    id: String,
    dir: PathBuf,
}

impl Drop for Chain {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

async fn chain(emulator: &Path, agent_extra: &str) -> Chain {
    let dir = std::env::temp_dir().join(format!(
        "sb-agent-{}",
        sidebridge::redfish::auth::random_hex(6)
    ));
    std::fs::create_dir_all(dir.join("state")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("state"), std::fs::Permissions::from_mode(0o700)).unwrap();

    let emu_port = free_port();
    let emu = Proc(
        Command::new(emulator)
            .args(["--fake", "-i", "127.0.0.1", "-p", &emu_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sushy-emulator"),
    );
    let card = client(&format!("http://127.0.0.1:{emu_port}"), None);
    until("the emulator", 30, || async {
        card.get_json("/redfish/v1").await.ok()
    })
    .await;
    let counts = Arc::new(Counts::default());
    let proxy_port = proxy(emu_port, counts.clone()).await;

    let relay = Relay::start();
    write(
        &dir.join("agent.toml"),
        &format!(
            "[card]\nurl = \"http://127.0.0.1:{proxy_port}\"\ninsecure_plain_http = true\npoll_interval_ms = 500\n[mctp]\nserial = \"{}\"\n{agent_extra}",
            relay.ends.1.display()
        ),
    );
    let bin = env!("CARGO_BIN_EXE_sidebridge");
    let agent = Proc(
        Command::new(bin)
            .args(["agent", "-c"])
            .arg(dir.join("agent.toml"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("agent.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    let https = free_port();
    write(
        &dir.join("run.toml"),
        &format!(
            "[ncsi]\ntransport = \"none\"\n[[card_bmc]]\nserial = \"{}\"\neid = 20\ntimeout_ms = 2000\nretries = 6\n[redfish]\nlisten = \"127.0.0.1:{https}\"\nstate_dir = \"{}\"\n",
            relay.ends.0.display(),
            dir.join("state").display()
        ),
    );
    let platform = Proc(
        Command::new(bin)
            .args(["run", "-c"])
            .arg(dir.join("run.toml"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("run.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    let password = until("the platform's first start", 60, || async {
        std::fs::read_to_string(dir.join("state/initial-admin-password"))
            .ok()
            .map(|p| p.trim().to_string())
    })
    .await;
    let platform_url = format!("https://127.0.0.1:{https}");
    let rf = client(&platform_url, Some(("admin".into(), password.clone())));
    let id = until("the card on the platform", 60, || async {
        let v = rf.get_json("/redfish/v1/Systems").await.ok()?;
        let m = v["Members"][0]["@odata.id"].as_str()?.to_string();
        Some(m.rsplit('/').next()?.to_string())
    })
    .await;
    Chain {
        _emulator: emu,
        _agent: agent,
        _platform: platform,
        relay,
        counts,
        card,
        platform: rf,
        platform_url,
        password,
        id,
        dir,
    }
}

impl Chain {
    async fn send(&self, method: &str, path: &str, body: &Value) -> Reply {
        let headers = [("content-type".to_string(), "application/json".to_string())];
        self.platform
            .request(method, path, &headers, bytes::Bytes::from(body.to_string()))
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .platform
            .request("GET", path, &[], bytes::Bytes::new())
            .await
            .unwrap();
        (
            r.status,
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        )
    }

    /// The emulator's only system, read directly.
    async fn card_system(&self) -> Value {
        let s = self.card.get_json("/redfish/v1/Systems").await.unwrap();
        let path = s["Members"][0]["@odata.id"].as_str().unwrap().to_string();
        self.card.get_json(&path).await.unwrap()
    }

    /// The emulator's power state once it has settled: its fake driver may still move
    /// it after answering a reset (Off, then On), so two direct reads a moment apart
    /// must agree.
    async fn settled_power(&self) -> Value {
        until("the emulator's power state to settle", 20, || async {
            let a = self.card_system().await["PowerState"].clone();
            tokio::time::sleep(Duration::from_millis(500)).await;
            let b = self.card_system().await["PowerState"].clone();
            (a == b).then_some(b)
        })
        .await
    }

    fn logs(&self) -> String {
        format!(
            "agent log:\n{}\nplatform log:\n{}",
            std::fs::read_to_string(self.dir.join("agent.log")).unwrap_or_default(),
            std::fs::read_to_string(self.dir.join("run.log")).unwrap_or_default()
        )
    }
}

/// The seed's body for step 1, exactly.
fn seed_patch() -> Value {
    json!({"Boot": {"BootSourceOverrideMode": "Legacy", "BootSourceOverrideTarget": "Hdd",
        "BootSourceOverrideEnabled": "Once", "UefiTargetBootSourceOverride": null},
        "HostWatchdogTimer": {"FunctionEnabled": true}, "AssetTag": "asset tag",
        "IndicatorLED": "Lit"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_flow_through_the_tunnel_reaches_sushy_tools() {
    let Some(emu) = need_emulator("the_seed_flow_through_the_tunnel_reaches_sushy_tools") else {
        return;
    };
    let c = chain(&emu, "").await;
    let system = format!("/redfish/v1/Systems/{}", c.id);

    // The card's ComputerSystem under the platform's id, every URI rewritten.
    let (status, v) = c.get(&system).await;
    assert_eq!(status, 200, "{v}\n{}", c.logs());
    assert_eq!(v["@odata.id"], system.as_str());
    assert_eq!(v["Id"], c.id.as_str());
    assert_eq!(
        v["Actions"]["#ComputerSystem.Reset"]["target"],
        format!("{system}/Actions/ComputerSystem.Reset").as_str()
    );
    assert_eq!(
        v["Manufacturer"], "Sushy Emulator",
        "the card's own Redfish"
    );
    let (_, src) = c
        .get("/redfish/v1/AggregationService/AggregationSources")
        .await;
    assert_eq!(src["Members@odata.count"], 1);

    // 1. The seed's PATCH, exactly; read back through the platform and directly.
    let r = c.send("PATCH", &system, &seed_patch()).await;
    assert!(
        (200..300).contains(&r.status),
        "PATCH: {} {:?}",
        r.status,
        r.body
    );
    let direct = c.card_system().await;
    let (_, through) = c.get(&system).await;
    assert_eq!(
        through["Boot"], direct["Boot"],
        "the platform shows the card's state"
    );
    assert_eq!(direct["Boot"]["BootSourceOverrideMode"], "Legacy");
    assert_eq!(direct["Boot"]["BootSourceOverrideTarget"], "Hdd");
    assert_eq!(through["IndicatorLED"], direct["IndicatorLED"]);

    // 2. InsertMedia with the seed's body; the emulator downloads the image.
    let hits = Arc::new(AtomicU32::new(0));
    let image = format!(
        "http://127.0.0.1:{}/boot.iso",
        image_server(hits.clone()).await
    );
    let (_, coll) = c.get(&format!("{system}/VirtualMedia")).await;
    let mut cd = None;
    for m in coll["Members"].as_array().unwrap() {
        let p = m["@odata.id"].as_str().unwrap();
        assert!(p.starts_with(&system), "member rewritten: {p}");
        let (_, vm) = c.get(p).await;
        if vm["MediaTypes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "CD")
        {
            cd = Some((p.to_string(), vm));
        }
    }
    let (cd, vm) = cd.expect("a CD slot");
    let insert = vm["Actions"]["#VirtualMedia.InsertMedia"]["target"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(insert.starts_with(&system), "{insert}");
    let r = c.send("POST", &insert, &json!({"Image": image})).await;
    assert!(
        (200..300).contains(&r.status),
        "InsertMedia: {} {:?}",
        r.status,
        r.body
    );
    assert!(
        hits.load(Ordering::Relaxed) >= 1,
        "the emulator fetched the image"
    );
    let (_, through) = c.get(&cd).await;
    assert_eq!(through["Inserted"], true);
    assert_eq!(through["Image"], image.as_str());

    // 3. The seed's reset.
    let before = c.counts.resets.load(Ordering::Relaxed);
    let r = c
        .send(
            "POST",
            &format!("{system}/Actions/ComputerSystem.Reset"),
            &json!({"ResetType": "ForceRestart"}),
        )
        .await;
    assert!(
        (200..300).contains(&r.status),
        "Reset: {} {:?}",
        r.status,
        r.body
    );
    assert_eq!(c.counts.resets.load(Ordering::Relaxed), before + 1);
    let direct = c.settled_power().await;
    let (_, through) = c.get(&system).await;
    assert_eq!(through["PowerState"], direct);

    // The platform's query engine works over the tunnel.
    let (status, v) = c.get(&format!("{system}?$select=PowerState")).await;
    assert_eq!(status, 200);
    assert_eq!(v["PowerState"], direct);
    assert!(v.get("Boot").is_none(), "{v}");

    // Python's sushy, the provisioning client, through the same endpoint.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/sushy_tunnel.py");
    let python = std::process::Command::new("python3")
        .args(["-c", "import sushy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if python {
        let out = tokio::task::spawn_blocking({
            let (url, pw, id) = (c.platform_url.clone(), c.password.clone(), c.id.clone());
            move || {
                Command::new("python3")
                    .arg(script)
                    .args([url, "admin".into(), pw, id])
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "sushy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let direct = c.card_system().await;
        assert_eq!(v["boot_target"], "BootSource.PXE");
        assert_eq!(direct["Boot"]["BootSourceOverrideTarget"], "Pxe");
        assert_eq!(v["manufacturer"], "Sushy Emulator");
    } else if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI must install sushy (python3 -m pip install sushy==5.14.0)");
    } else {
        eprintln!("SKIPPED the sushy client part: sushy is not installed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_keep_their_meaning_through_the_tunnel() {
    let Some(emu) = need_emulator("errors_keep_their_meaning_through_the_tunnel") else {
        return;
    };
    // The card owner allows Operators to PATCH systems but not to reset them.
    let rules = "[[allow]]\nrole = \"ReadOnly\"\nmethods = [\"GET\"]\nprefixes = [\"/redfish/v1\"]\n\
                 [[allow]]\nrole = \"Operator\"\nmethods = [\"PATCH\"]\nprefixes = [\"/redfish/v1/Systems\"]\n";
    let c = chain(&emu, rules).await;
    let system = format!("/redfish/v1/Systems/{}", c.id);

    // The card's own refusal: status and message as the card wrote them.
    let r = c
        .send(
            "POST",
            &format!("{system}/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia"),
            &json!({"Image": "http://127.0.0.1:9/none.iso"}),
        )
        .await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 403, "the allow-list refuses POST first: {v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("no rule allows it") && msg.contains("allow[1]"),
        "{msg}"
    );
    assert_eq!(
        v["error"]["@Message.ExtendedInfo"][0]["MessageId"],
        "Base.1.19.InsufficientPrivilege"
    );
    let r = c
        .send(
            "PATCH",
            &system,
            &json!({"Boot": {"BootSourceOverrideTarget": "Cd"}}),
        )
        .await;
    assert_eq!(r.status, 204, "PATCH is allowed");
    // The card's accounts are never reachable.
    let (status, v) = c.get("/redfish/v1/Systems/../AccountService").await;
    assert_ne!(status, 200, "{v}");
    let (status, _) = c.get(&format!("{system}/NoSuchThing")).await;
    assert_eq!(status, 404, "the card's 404");

    // The card's service down: 503 with a message saying so.
    c.counts.down.store(true, Ordering::Relaxed);
    let (status, v) = c.get(&system).await;
    assert_eq!(status, 503, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("does not answer"), "{msg}");
    c.counts.down.store(false, Ordering::Relaxed);
    let (status, _) = c.get(&system).await;
    assert_eq!(status, 200, "back when the service is");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reset_reaches_the_card_once_under_frame_loss_and_corruption() {
    let Some(emu) =
        need_emulator("each_reset_reaches_the_card_once_under_frame_loss_and_corruption")
    else {
        return;
    };
    let c = chain(&emu, "").await;
    let system = format!("/redfish/v1/Systems/{}", c.id);
    // Learn the card's ids before the line gets bad.
    assert_eq!(c.get(&system).await.0, 200);
    c.relay.set(50, 50, 0x5eed);
    let before = c.counts.resets.load(Ordering::Relaxed);
    let resets = 8;
    for i in 0..resets {
        let kind = if i % 2 == 0 { "ForceOff" } else { "On" };
        let r = c
            .send(
                "POST",
                &format!("{system}/Actions/ComputerSystem.Reset"),
                &json!({ "ResetType": kind }),
            )
            .await;
        assert!(
            (200..300).contains(&r.status),
            "reset {i}: {} {:?}\n{}",
            r.status,
            r.body,
            c.logs()
        );
    }
    c.relay.set(0, 0, 0);
    let s = &c.relay.stats;
    let (dropped, corrupted) = (
        s.dropped.load(Ordering::Relaxed),
        s.corrupted.load(Ordering::Relaxed),
    );
    assert!(
        dropped > 0 && corrupted > 0,
        "the line was bad: {dropped} dropped, {corrupted} corrupted"
    );
    assert_eq!(
        c.counts.resets.load(Ordering::Relaxed) - before,
        resets,
        "every reset reached the emulator exactly once ({dropped} frames dropped, {corrupted} corrupted)\n{}",
        c.logs()
    );
    // And the platform shows what the card says.
    let direct = c.settled_power().await;
    let (_, through) = c.get(&system).await;
    assert_eq!(through["PowerState"], direct);
}

/// The members of a collection the emulator links from `v[key]`, read directly.
async fn emulator_members(card: &RedfishClient, v: &Value, key: &str) -> Vec<Value> {
    let Some(coll) = v[key]["@odata.id"].as_str() else {
        return Vec::new();
    };
    // A link whose collection answers an error (the fake driver's Storage) has none.
    let Ok(c) = card.get_json(coll).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in c["Members"].as_array().into_iter().flatten() {
        out.push(
            card.get_json(m["@odata.id"].as_str().unwrap())
                .await
                .unwrap(),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reports_the_emulated_hosts_inventory() {
    let Some(emulator) = need_emulator("the_agent_reports_the_emulated_hosts_inventory") else {
        return;
    };
    use sidebridge_protocol::oem::{self, Request, ResponseBody, capability};
    let port = free_port();
    let _emu = Proc(
        Command::new(&emulator)
            .args(["--fake", "-i", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sushy-emulator"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let card = client(&url, None);
    until("the emulator to answer", 30, || async {
        card.get_json("/redfish/v1/Systems").await.ok()
    })
    .await;
    let c = CardService {
        url: url.clone(),
        credentials: None,
        trust: Trust::PlainHttp,
        timeout: Duration::from_secs(30),
        poll_interval: Duration::from_secs(1),
        system: None,
        manager: None,
        chassis: None,
    };
    let backend = sidebridge::agent::backend::Backend::new(client(&url, None), &c);
    let info = backend
        .execute(&Request::GetBridgeInfo {
            min_version: 1,
            max_version: 2,
        })
        .await;
    let ResponseBody::BridgeInfo(info) = info.body else {
        panic!("{info:?}")
    };
    assert_ne!(
        info.capabilities & capability::HOST_INVENTORY,
        0,
        "{info:?}"
    );
    let r = backend.execute(&Request::GetHostInventory).await;
    let ResponseBody::HostInventory(h) = r.body else {
        panic!("{r:?}")
    };
    // Every value against the emulator's own resources, read directly.
    let systems = card.get_json("/redfish/v1/Systems").await.unwrap();
    let system = card
        .get_json(systems["Members"][0]["@odata.id"].as_str().unwrap())
        .await
        .unwrap();
    // (sushy-tools' fake driver links no Processors and gives MemorySummary no size:
    // the agent then reports none, as it must.)
    let procs = emulator_members(&card, &system, "Processors").await;
    assert_eq!(h.processors.len(), procs.len());
    for (p, e) in h.processors.iter().zip(&procs) {
        assert_eq!(
            u64::from(p.cores),
            e["TotalCores"].as_u64().unwrap_or(0),
            "{e}"
        );
        assert_eq!(
            u64::from(p.threads),
            e["TotalThreads"].as_u64().unwrap_or(0),
            "{e}"
        );
        assert_eq!(
            u64::from(p.max_speed_mhz),
            e["MaxSpeedMHz"].as_u64().unwrap_or(0),
            "{e}"
        );
        assert_eq!(p.model, e["Model"].as_str().unwrap_or(""));
        let set = sidebridge::redfish::names::name(
            sidebridge::redfish::names::INSTRUCTION_SETS,
            p.instruction_set,
        );
        assert_eq!(set, e["InstructionSet"].as_str(), "{e}");
    }
    let gib = system["MemorySummary"]["TotalSystemMemoryGiB"]
        .as_f64()
        .unwrap_or(0.0);
    assert_eq!(h.memory_mib, (gib * 1024.0).round() as u64);
    let nics = emulator_members(&card, &system, "EthernetInterfaces").await;
    let macs: Vec<String> = nics
        .iter()
        .map(|e| e["MACAddress"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(!macs.is_empty());
    assert_eq!(
        h.interfaces
            .iter()
            .map(|i| sidebridge_protocol::text::mac(&i.mac))
            .collect::<Vec<_>>(),
        macs
    );
    // Drives: Storage's, else SimpleStorage's devices.
    let mut sizes = Vec::new();
    for s in emulator_members(&card, &system, "Storage").await {
        for d in s["Drives"].as_array().into_iter().flatten() {
            let d = card
                .get_json(d["@odata.id"].as_str().unwrap())
                .await
                .unwrap();
            sizes.push(d["CapacityBytes"].as_u64().unwrap_or(0));
        }
    }
    if sizes.is_empty() {
        for s in emulator_members(&card, &system, "SimpleStorage").await {
            for d in s["Devices"].as_array().into_iter().flatten() {
                sizes.push(d["CapacityBytes"].as_u64().unwrap_or(0));
            }
        }
    }
    assert_eq!(
        h.drives
            .iter()
            .map(|d| d.capacity_bytes)
            .collect::<Vec<_>>(),
        sizes
    );
    // And what the agent answers survives its own codec.
    let msg = oem::Response::ok(
        oem::CommandId::GetHostInventory,
        ResponseBody::HostInventory(h.clone()),
    );
    let parsed = oem::Response::parse(msg.command, msg.result, &msg.to_message()).unwrap();
    assert_eq!(parsed.body, ResponseBody::HostInventory(h));
}
