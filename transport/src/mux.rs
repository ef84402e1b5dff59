//! One transport over several: NC-SI packets are routed by package id, so cards on
//! different paths (some on the RBT sideband, some on MCTP serial lines) appear to the
//! requester and manager as the packages of one topology.
//!
//! The package id is bits 7..5 of the channel id of every control packet
//! (DSP0222 1.2 §6.2.9), read through [`ControlPacket`]. Package ids must be unique
//! across the paths. A packet too short to have a header is refused and counted,
//! never routed.

use crate::{BoxFuture, Transport};
use sidebridge_protocol::ncsi::ControlPacket;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, mpsc};

/// Routes by package id; what no route claims goes to the default path.
pub struct PackageMux {
    default: Arc<dyn Transport>,
    routes: Vec<(u8, Arc<dyn Transport>)>,
    rx: Mutex<mpsc::Receiver<io::Result<Vec<u8>>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Packets refused by `send` because they are not NC-SI control packets.
    malformed: AtomicU64,
}

impl std::fmt::Debug for PackageMux {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Drop for PackageMux {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl PackageMux {
    /// `default` plus `(package, transport)` routes. Must be called inside a tokio
    /// runtime: one task per path forwards what it receives.
    pub fn new(default: Arc<dyn Transport>, routes: Vec<(u8, Arc<dyn Transport>)>) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let mut tasks = Vec::new();
        let all = std::iter::once(default.clone()).chain(routes.iter().map(|(_, t)| t.clone()));
        for t in all {
            let tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let r = t.recv().await;
                    let failed = r.is_err();
                    if tx.send(r).await.is_err() || failed {
                        return;
                    }
                }
            }));
        }
        PackageMux {
            default,
            routes,
            rx: Mutex::new(rx),
            tasks,
            malformed: AtomicU64::new(0),
        }
    }

    /// How many packets `send` refused as malformed.
    pub fn malformed(&self) -> u64 {
        self.malformed.load(Ordering::Relaxed)
    }

    fn route(&self, package: u8) -> &Arc<dyn Transport> {
        self.routes
            .iter()
            .find(|(p, _)| *p == package)
            .map(|(_, t)| t)
            .unwrap_or(&self.default)
    }
}

impl Transport for PackageMux {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        match ControlPacket::new_checked(packet) {
            Ok(p) => self.route(p.channel().package_id()).send(packet),
            Err(e) => {
                self.malformed.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("multiplexer: dropped a malformed NC-SI packet: {e}");
                Box::pin(async move {
                    Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("not an NC-SI control packet, not sent: {e}"),
                    ))
                })
            }
        }
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            self.rx.lock().await.recv().await.unwrap_or_else(|| {
                Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "every path of the multiplexed transport is gone",
                ))
            })
        })
    }

    fn describe(&self) -> String {
        let mut s = self.default.describe();
        for (p, t) in &self.routes {
            s.push_str(&format!("; package {p}: {}", t.describe()));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory;

    fn packet(package: u8, tag: u8) -> Vec<u8> {
        use sidebridge_protocol::ncsi::{ChannelId, Command, PacketRepr};
        PacketRepr::command(tag, ChannelId::new(package, 0), Command::GetVersionId)
            .to_bytes()
            .unwrap()
    }

    #[tokio::test]
    async fn routes_by_package_and_merges_what_comes_back() {
        let (a, a_far) = memory::pair(8);
        let (b, b_far) = memory::pair(8);
        let mux = PackageMux::new(Arc::new(a), vec![(2, Arc::new(b) as Arc<dyn Transport>)]);
        mux.send(&packet(0, 1)).await.unwrap();
        mux.send(&packet(2, 2)).await.unwrap();
        mux.send(&packet(5, 3)).await.unwrap();
        assert_eq!(a_far.recv().await.unwrap()[3], 1);
        assert_eq!(b_far.recv().await.unwrap()[3], 2);
        assert_eq!(
            a_far.recv().await.unwrap()[3],
            3,
            "unrouted packages take the default"
        );
        b_far.send(&packet(2, 9)).await.unwrap();
        a_far.send(&packet(0, 8)).await.unwrap();
        let mut got = vec![mux.recv().await.unwrap()[3], mux.recv().await.unwrap()[3]];
        got.sort();
        assert_eq!(got, [8, 9]);
        assert!(mux.describe().contains("package 2: in-memory"));
    }

    /// A packet without a whole header goes nowhere: not to package 0, not anywhere.
    #[tokio::test]
    async fn a_malformed_packet_is_refused_and_counted_not_routed() {
        let (a, a_far) = memory::pair(8);
        let mux = PackageMux::new(Arc::new(a), vec![]);
        let err = mux.send(&[0u8; 6]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let mut long_claim = packet(0, 4);
        long_claim[7] = 0xFF; // payload length beyond the buffer
        assert!(mux.send(&long_claim).await.is_err());
        assert_eq!(mux.malformed(), 2);
        mux.send(&packet(0, 5)).await.unwrap();
        assert_eq!(
            a_far.recv().await.unwrap()[3],
            5,
            "only the good packet arrived"
        );
    }
}
