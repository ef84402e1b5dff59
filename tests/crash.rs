//! The crash campaign: `sidebridge demo` killed with SIGKILL at random moments while
//! clients create and delete accounts and subscriptions and the cards' event logs grow
//! (resets), then started again on the same state directory, round after round. It
//! must always start (no state file torn, none moved aside as corrupt), and everything
//! the service acknowledged before the kill must be there after it: each account and
//! subscription answered 201 (and not deleted since), none answered 204 to DELETE,
//! every log entry a client had read.
//!
//! `cargo test` runs 8 rounds; `bash campaigns/crash [ROUNDS]` runs more (200 for the
//! figures in the README).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One HTTPS request on a new connection (the service's certificate is its own,
/// self-signed: not verified on this loopback test).
async fn send(
    port: u16,
    auth: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(sidebridge::tls::unverified().unwrap()));
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tls.connect(name, tcp).await.ok()?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
        .await
        .ok()?;
    tokio::spawn(conn);
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "localhost")
        .header("Authorization", auth);
    if body.is_some() {
        req = req.header("Content-Type", "application/json");
    }
    let data = body.map(|b| b.to_string()).unwrap_or_default();
    let r = send
        .send_request(req.body(Full::new(Bytes::from(data))).unwrap())
        .await
        .ok()?;
    let status = r.status().as_u16();
    let b = r.into_body().collect().await.ok()?.to_bytes();
    Some((status, serde_json::from_slice(&b).unwrap_or(Value::Null)))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &Path, port: u16) -> Demo {
    Demo(
        Command::new(env!("CARGO_BIN_EXE_sidebridge"))
            .args(["demo", "--port", &port.to_string(), "--state-dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sidebridge demo starts"),
    )
}

/// What the service acknowledged and what a client saw.
#[derive(Default, Debug)]
struct Acked {
    accounts: BTreeSet<String>,
    deleted_accounts: BTreeSet<String>,
    subscriptions: BTreeSet<String>,
    deleted_subscriptions: BTreeSet<String>,
    log_entries: BTreeSet<String>,
}

fn members(v: &Value) -> BTreeSet<String> {
    v["Members"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m["@odata.id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const LOG: &str = "/redfish/v1/Managers/DPU0000B2/LogServices/EventLog/Entries";

/// Writes until killed: accounts, subscriptions, resets that add log entries.
async fn write(port: u16, auth: String, round: usize, acked: Arc<Mutex<Acked>>) {
    let mut k = 0;
    loop {
        k += 1;
        let user = format!("r{round}u{k}");
        let body =
            json!({"UserName": user, "Password": "crash-test-password-1", "RoleId": "ReadOnly"});
        if let Some((201, _)) = send(
            port,
            &auth,
            "POST",
            "/redfish/v1/AccountService/Accounts",
            Some(body),
        )
        .await
        {
            acked.lock().unwrap().accounts.insert(user);
        }
        let body = json!({"Destination": "http://127.0.0.1:9/crash", "Protocol": "Redfish", "Context": format!("r{round}s{k}")});
        if let Some((201, v)) = send(
            port,
            &auth,
            "POST",
            "/redfish/v1/EventService/Subscriptions",
            Some(body),
        )
        .await
        {
            if let Some(id) = v["@odata.id"].as_str() {
                acked.lock().unwrap().subscriptions.insert(id.to_string());
            }
        }
        let _ = send(
            port,
            &auth,
            "POST",
            "/redfish/v1/Systems/DPU0000B2/Actions/ComputerSystem.Reset",
            Some(json!({"ResetType": "ForceRestart"})),
        )
        .await;
        if let Some((200, v)) = send(port, &auth, "GET", LOG, None).await {
            acked.lock().unwrap().log_entries.extend(members(&v));
        }
    }
}

/// Deletes what earlier rounds made (so the caps are never reached), recording each
/// 204.
async fn tidy(port: u16, auth: &str, acked: &Mutex<Acked>) {
    let (accounts, subs): (Vec<_>, Vec<_>) = {
        let a = acked.lock().unwrap();
        (
            a.accounts.iter().cloned().collect(),
            a.subscriptions.iter().cloned().collect(),
        )
    };
    for u in accounts {
        let path = format!("/redfish/v1/AccountService/Accounts/{u}");
        if let Some((204, _)) = send(port, auth, "DELETE", &path, None).await {
            let mut a = acked.lock().unwrap();
            a.accounts.remove(&u);
            a.deleted_accounts.insert(u);
        }
    }
    for s in subs {
        if let Some((204, _)) = send(port, auth, "DELETE", &s, None).await {
            let mut a = acked.lock().unwrap();
            a.subscriptions.remove(&s);
            a.deleted_subscriptions.insert(s);
        }
    }
}

/// Checks the restarted service holds exactly what was acknowledged.
async fn check(port: u16, auth: &str, acked: &Acked, round: usize) {
    let (st, v) = send(
        port,
        auth,
        "GET",
        "/redfish/v1/AccountService/Accounts",
        None,
    )
    .await
    .unwrap();
    assert_eq!(st, 200, "{v}");
    let users: BTreeSet<String> = members(&v)
        .into_iter()
        .map(|m| m.rsplit('/').next().unwrap().to_string())
        .collect();
    for u in &acked.accounts {
        assert!(
            users.contains(u),
            "round {round}: account {u} was acknowledged and is gone"
        );
    }
    for u in &acked.deleted_accounts {
        assert!(
            !users.contains(u),
            "round {round}: account {u} was deleted and is back"
        );
    }
    let (_, v) = send(
        port,
        auth,
        "GET",
        "/redfish/v1/EventService/Subscriptions",
        None,
    )
    .await
    .unwrap();
    let subs = members(&v);
    for s in &acked.subscriptions {
        assert!(
            subs.contains(s),
            "round {round}: subscription {s} was acknowledged and is gone"
        );
    }
    for s in &acked.deleted_subscriptions {
        assert!(
            !subs.contains(s),
            "round {round}: subscription {s} was deleted and is back"
        );
    }
    let (_, v) = send(port, auth, "GET", LOG, None).await.unwrap();
    let entries = members(&v);
    // The log keeps its last 256 entries: what was read must be there unless newer
    // entries pushed it out.
    let id = |e: &String| {
        e.rsplit('/')
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let oldest = entries.iter().map(id).min().unwrap_or(0);
    for e in &acked.log_entries {
        assert!(
            entries.contains(e) || id(e) < oldest,
            "round {round}: log entry {e} was read before the kill and is gone"
        );
    }
}

fn corrupt_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_it_always_starts_and_keeps_what_it_acknowledged() {
    let rounds: usize = std::env::var("CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let dir = std::env::temp_dir().join(format!("sb-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut auth = String::new();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut slowest = Duration::ZERO;
    for round in 0..rounds {
        let port = free_port();
        let t = Instant::now();
        let demo = start(&dir, port);
        if round == 0 {
            for _ in 0..200 {
                if dir.join("initial-admin-password").exists() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let pw = std::fs::read_to_string(dir.join("initial-admin-password")).unwrap();
            auth = format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("admin:{}", pw.trim())
                )
            );
        }
        let mut up = false;
        while t.elapsed() < Duration::from_secs(30) {
            if let Some((200, _)) =
                send(port, &auth, "GET", "/redfish/v1/Systems/DPU0000B2", None).await
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "round {round}: the service did not start within 30 s");
        slowest = slowest.max(t.elapsed());
        assert_eq!(
            corrupt_files(&dir),
            Vec::<PathBuf>::new(),
            "round {round}: a state file was torn"
        );
        if round > 0 {
            let a = std::mem::take(&mut *acked.lock().unwrap());
            check(port, &auth, &a, round).await;
            *acked.lock().unwrap() = a;
            tidy(port, &auth, &acked).await;
        }
        let writers: Vec<_> = (0..3)
            .map(|_| tokio::spawn(write(port, auth.clone(), round, acked.clone())))
            .collect();
        // xorshift: a kill 100..1600 ms into the writing.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(100 + seed % 1500)).await;
        drop(demo); // SIGKILL
        for w in writers {
            w.abort();
        }
    }
    let a = acked.lock().unwrap();
    println!(
        "{rounds} kills: {} accounts, {} subscriptions, {} deletions, {} log entries checked; slowest start {slowest:?}",
        a.accounts.len(),
        a.subscriptions.len(),
        a.deleted_accounts.len() + a.deleted_subscriptions.len(),
        a.log_entries.len()
    );
    drop(a);
    let _ = std::fs::remove_dir_all(&dir);
}
