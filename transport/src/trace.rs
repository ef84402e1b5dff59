//! A decorator that logs every packet a transport moves, decoded, at `tracing`'s debug
//! level (and the raw bytes at trace level): `sidebridge -vv` shows the NC-SI dialogue.

use crate::{BoxFuture, Transport};
use sidebridge_protocol::ncsi::{Body, PacketRepr};
use std::io;

/// Wraps a transport and logs its traffic.
#[derive(Debug)]
pub struct TracingTransport<T> {
    inner: T,
}

impl<T: Transport> TracingTransport<T> {
    /// Logs `inner`'s traffic.
    pub fn new(inner: T) -> Self {
        TracingTransport { inner }
    }
}

/// One line describing a packet: direction, type, IID, channel, codes.
pub fn summary(direction: &str, packet: &[u8]) -> String {
    match PacketRepr::parse(packet) {
        Ok(p) => {
            let what = match &p.body {
                Body::Command(c) => format!("{} command", c.command_type().name()),
                Body::Response(r) => format!(
                    "{} response {:?}/{:?}",
                    r.command_type().name(),
                    r.code,
                    r.reason
                ),
                Body::Aen(a) => format!("AEN type {:#04x}", a.aen_type()),
            };
            format!("NC-SI {direction} {what}, IID {}, {}", p.iid, p.channel)
        }
        Err(e) => format!(
            "NC-SI {direction} undecodable packet ({} bytes): {e}",
            packet.len()
        ),
    }
}

impl<T: Transport> Transport for TracingTransport<T> {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            tracing::debug!("{}", summary("->", packet));
            tracing::trace!("-> {:02x?}", packet);
            self.inner.send(packet).await
        })
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let packet = self.inner.recv().await?;
            tracing::debug!("{}", summary("<-", &packet));
            tracing::trace!("<- {:02x?}", packet);
            Ok(packet)
        })
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory;
    use sidebridge_protocol::ncsi::{ChannelId, Command};

    #[tokio::test]
    async fn passes_packets_through_and_summarises_them() {
        let (a, b) = memory::pair(2);
        let a = TracingTransport::new(a);
        let bytes = PacketRepr::command(5, ChannelId::new(1, 2), Command::GetLinkStatus)
            .to_bytes()
            .unwrap();
        a.send(&bytes).await.unwrap();
        assert_eq!(b.recv().await.unwrap(), bytes);
        assert_eq!(
            summary("->", &bytes),
            "NC-SI -> Get Link Status command, IID 5, package 1 channel 2"
        );
        assert_eq!(
            summary("<-", &[1, 2]),
            "NC-SI <- undecodable packet (2 bytes): truncated: need 16 bytes, have 2"
        );
    }
}
