//! Two transports connected in one process: what one end sends, the other receives,
//! in order. Used by tests and by `sidebridge demo`, where the simulator runs inside
//! the daemon.

use crate::{BoxFuture, Transport};
use std::io;
use tokio::sync::{Mutex, mpsc};

/// A transport with nothing behind it: nothing arrives, and sending fails saying so.
/// For a platform whose cards are all reached some other way (no NC-SI path).
#[derive(Debug, Clone, Copy, Default)]
pub struct Idle;

impl Transport for Idle {
    fn send<'a>(&'a self, _packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async {
            Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "no NC-SI path is configured (ncsi.transport = \"none\")",
            ))
        })
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(std::future::pending())
    }

    fn describe(&self) -> String {
        "no NC-SI path".into()
    }
}

/// One end of an in-memory pair.
#[derive(Debug)]
pub struct MemoryTransport {
    /// Packets to the other end.
    tx: mpsc::Sender<Vec<u8>>,
    /// Packets from the other end. A tokio mutex because `recv` holds it across the
    /// await; only one task receives at a time.
    rx: Mutex<mpsc::Receiver<Vec<u8>>>,
    /// Which end this is, for `describe`.
    name: &'static str,
}

/// A connected pair; each direction buffers up to `capacity` packets, after which
/// `send` waits (like a busy sideband, nothing is dropped silently).
pub fn pair(capacity: usize) -> (MemoryTransport, MemoryTransport) {
    let (a_tx, b_rx) = mpsc::channel(capacity.max(1));
    let (b_tx, a_rx) = mpsc::channel(capacity.max(1));
    (
        MemoryTransport {
            tx: a_tx,
            rx: Mutex::new(a_rx),
            name: "in-memory (MC end)",
        },
        MemoryTransport {
            tx: b_tx,
            rx: Mutex::new(b_rx),
            name: "in-memory (NC end)",
        },
    )
}

impl Transport for MemoryTransport {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            self.tx.send(packet.to_vec()).await.map_err(|_| {
                io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the other end of the in-memory transport is gone",
                )
            })
        })
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            self.rx.lock().await.recv().await.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the other end of the in-memory transport is gone",
                )
            })
        })
    }

    fn describe(&self) -> String {
        self.name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn packets_cross_in_order_both_ways_and_a_dropped_end_is_an_error() {
        let (a, b) = pair(4);
        a.send(&[1]).await.unwrap();
        a.send(&[2]).await.unwrap();
        b.send(&[9]).await.unwrap();
        assert_eq!(b.recv().await.unwrap(), vec![1]);
        assert_eq!(b.recv().await.unwrap(), vec![2]);
        assert_eq!(a.recv().await.unwrap(), vec![9]);
        drop(b);
        assert_eq!(
            a.send(&[3]).await.unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        assert_eq!(
            a.recv().await.unwrap_err().kind(),
            io::ErrorKind::ConnectionAborted
        );
    }
}
