//! A decorator that records every packet a transport sends or receives in a pcap file
//! (`--pcap FILE`), readable by `tshark -r` and Wireshark with their NC-SI dissector.
//! Packets are written inside a synthetic Ethernet frame (broadcast addresses,
//! EtherType 0x88F8) whatever the underlying transport, so MCTP and netlink sessions
//! decode the same way.

use crate::{BoxFuture, Transport};
use sidebridge_protocol::ncsi::frame::{BROADCAST, ETHERTYPE_NCSI, MIN_FRAME_LEN};
use sidebridge_protocol::pcap;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Wraps a transport and writes its traffic to a pcap file.
#[derive(Debug)]
pub struct PcapTransport<T> {
    inner: T,
    /// The capture file. A std mutex: the critical section is one small write and
    /// never crosses an `.await`.
    file: Mutex<File>,
}

impl<T: Transport> PcapTransport<T> {
    /// Creates (truncates) `path` and writes the pcap file header.
    pub fn create(inner: T, path: &Path) -> io::Result<Self> {
        let mut file = File::create(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create pcap file {}: {e}", path.display()),
            )
        })?;
        file.write_all(&pcap::file_header(pcap::LINKTYPE_ETHERNET))?;
        Ok(PcapTransport {
            inner,
            file: Mutex::new(file),
        })
    }

    fn record(&self, packet: &[u8]) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut frame = Vec::with_capacity(14 + packet.len());
        frame.extend_from_slice(&BROADCAST);
        frame.extend_from_slice(&BROADCAST);
        frame.extend_from_slice(&ETHERTYPE_NCSI.to_be_bytes());
        frame.extend_from_slice(packet);
        if frame.len() < MIN_FRAME_LEN {
            frame.resize(MIN_FRAME_LEN, 0);
        }
        let rec = pcap::record(now.as_secs() as u32, now.subsec_micros(), &frame);
        if let Ok(mut f) = self.file.lock() {
            // A capture is a diagnostic aid: a failed write must not fail the traffic.
            let _ = f.write_all(&rec).and_then(|_| f.flush());
        }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

impl<T: Transport> Transport for PcapTransport<T> {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            self.inner.send(packet).await?;
            self.record(packet);
            Ok(())
        })
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let packet = self.inner.recv().await?;
            self.record(&packet);
            Ok(packet)
        })
    }

    fn describe(&self) -> String {
        format!("{} (recorded to pcap)", self.inner.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory;

    #[tokio::test]
    async fn records_both_directions() {
        let path =
            std::env::temp_dir().join(format!("sidebridge-pcap-test-{}.pcap", std::process::id()));
        let (a, b) = memory::pair(4);
        let a = PcapTransport::create(a, &path).unwrap();
        a.send(&[0xAA; 20]).await.unwrap();
        b.send(&[0xBB; 70]).await.unwrap();
        assert_eq!(a.recv().await.unwrap(), vec![0xBB; 70]);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).ok();
        // header + (16 + 60) for the padded short packet + (16 + 84) for the long one
        assert_eq!(bytes.len(), 24 + 16 + 60 + 16 + 84);
        assert_eq!(&bytes[24 + 16 + 12..24 + 16 + 14], &[0x88, 0xF8]);
        assert_eq!(bytes[24 + 16 + 14], 0xAA);
        assert_eq!(bytes[24 + 16 + 60 + 16 + 14], 0xBB);
    }

    #[test]
    fn an_unwritable_path_is_a_clear_error() {
        let (a, _b) = memory::pair(1);
        let err = PcapTransport::create(a, Path::new("/nonexistent-dir/x.pcap")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot create pcap file /nonexistent-dir/x.pcap"),
            "{err}"
        );
    }
}
