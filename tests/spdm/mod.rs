//! DMTF's SPDM reference responder (`spdm_responder_emu`, built by
//! `../shared/tools/spdm-emu/build.sh`) as the independent peer, and the small adapter
//! between its socket framing and our MCTP stack: a pseudo-terminal pair runs MCTP over
//! a serial line; its far end serves SPDM (type 0x05) by forwarding each request to the
//! emulator in the emulator's own framing and answering with what it returns.
#![allow(dead_code)]

use sidebridge_protocol::mctp::MessageType;
use sidebridge_transport::mctp::{SerialEndpoint, SerialRequester};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where the emulators were built (build.sh's OUTDIR): `SIDEBRIDGE_SPDM_EMU`, else
/// `/tmp/spdm`. `None` (with the reason printed) when they are not there; under
/// `CI=true` that is a failure.
pub fn emulator_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var("SIDEBRIDGE_SPDM_EMU").unwrap_or("/tmp/spdm".into()));
    if dir.join("bin/spdm_responder_emu").exists() && dir.join("nodelay.so").exists() {
        return Some(dir);
    }
    let why = format!(
        "no SPDM emulator in {} (build it: ../shared/tools/spdm-emu/build.sh {0}, or set SIDEBRIDGE_SPDM_EMU)",
        dir.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("skipped: {why}");
    None
}

/// A running responder emulator; killed on drop.
pub struct Emulator {
    child: Child,
    /// Its TCP port.
    pub port: u16,
    /// The emulators' directory.
    pub dir: PathBuf,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    /// Starts `spdm_responder_emu --trans MCTP` with `args` on a free loopback port
    /// and waits until it listens.
    pub async fn start(dir: &std::path::Path, args: &[&str]) -> Emulator {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(dir.join("bin/spdm_responder_emu"))
            .current_dir(dir.join("bin"))
            .env("LD_PRELOAD", dir.join("nodelay.so"))
            .args([
                "--trans",
                "MCTP",
                "--ip",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spdm_responder_emu starts");
        let emu = Emulator {
            child,
            port,
            dir: dir.to_path_buf(),
        };
        // Not a probe connection: the emulator serves one client and exits when it
        // leaves. Its listening socket shows in /proc/net/tcp (state 0A, LISTEN).
        let needle = format!(":{port:04X} ");
        for _ in 0..200 {
            let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
            if tcp
                .lines()
                .any(|l| l.contains(&needle) && l.split_whitespace().nth(3) == Some("0A"))
            {
                return emu;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("spdm_responder_emu did not listen on {port}");
    }

    /// A sample file of the emulators (certificates), e.g. `ecp384/ca.cert.der`.
    pub fn sample(&self, rel: &str) -> PathBuf {
        self.dir.join("bin").join(rel)
    }

    /// Our MCTP stack to the emulator: a serial link whose far end forwards SPDM to
    /// it. Returns the requester link and the bus owner's endpoint.
    pub async fn link(&self) -> (SerialRequester, Arc<SerialEndpoint>) {
        let (owner, card) = SerialEndpoint::pty_pair(8, None).unwrap();
        self.bridge(card).await;
        owner.bring_up_for(9, MessageType::Spdm).await.unwrap();
        (owner.requester(9, MessageType::Spdm), owner)
    }

    /// Makes `card` (an MCTP endpoint) serve SPDM by forwarding each request to the
    /// emulator and answering with what it returns.
    pub async fn bridge(&self, card: Arc<SerialEndpoint>) {
        let mut served = card.serve(MessageType::Spdm);
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        tcp.set_nodelay(true).unwrap();
        tokio::spawn(async move {
            while let Some(m) = served.recv().await {
                // The emulator's framing: command 1 (normal), transport 1 (MCTP),
                // size, then the MCTP message type byte and the SPDM message.
                let mut frame = Vec::with_capacity(13 + m.body.len());
                frame.extend_from_slice(&1u32.to_be_bytes());
                frame.extend_from_slice(&1u32.to_be_bytes());
                frame.extend_from_slice(&(m.body.len() as u32 + 1).to_be_bytes());
                frame.push(0x05);
                frame.extend_from_slice(&m.body);
                if tcp.write_all(&frame).await.is_err() {
                    return;
                }
                let mut head = [0u8; 12];
                if tcp.read_exact(&mut head).await.is_err() {
                    return;
                }
                let size = u32::from_be_bytes(head[8..12].try_into().unwrap()) as usize;
                let mut payload = vec![0u8; size];
                if tcp.read_exact(&mut payload).await.is_err() {
                    return;
                }
                if payload.first() == Some(&0x05) {
                    let _ = card.reply(&m, &payload[1..]).await;
                }
            }
        });
    }
}
