//! One transport over several: NC-SI packets are routed by package id, so cards on
//! different paths (some on the RBT sideband, some on MCTP serial lines) appear to the
//! requester and manager as the packages of one topology.
//!
//! The package id is bits 7..5 of the channel id, byte 5 of every control packet
//! (DSP0222 1.2 §6.2.9). Package ids must be unique across the paths.

use crate::{BoxFuture, Transport};
use std::io;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};

/// Routes by package id; what no route claims goes to the default path.
pub struct PackageMux {
    default: Arc<dyn Transport>,
    routes: Vec<(u8, Arc<dyn Transport>)>,
    rx: Mutex<mpsc::Receiver<io::Result<Vec<u8>>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
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
        }
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
        let package = packet.get(5).map(|c| c >> 5).unwrap_or(0);
        self.route(package).send(packet)
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
        let mut p = vec![0u8; 20];
        p[5] = package << 5;
        p[3] = tag;
        p
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
}
