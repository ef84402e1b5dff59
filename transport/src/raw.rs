//! NC-SI over RBT on a Linux network interface: an `AF_PACKET` raw socket bound to
//! the interface and EtherType 0x88F8, non-blocking, driven by tokio's `AsyncFd`.
//!
//! Frames are sent to FF:FF:FF:FF:FF:FF from the broadcast address unless another
//! source MAC is set (DSP0222 1.2 §8.2; the kernel's NC-SI driver does the same until
//! a vendor get-MAC succeeded). Received frames are accepted whatever their source
//! address: NCs and QEMU's model answer from FF:FF:FF:FF:FF:FF. Our own transmitted
//! frames are not looped back (`PACKET_IGNORE_OUTGOING`).
#![allow(unsafe_code)] // Only at the OS boundary: sockaddr_ll and one socket option.

use crate::{BoxFuture, Transport};
use sidebridge_protocol::ncsi::frame::{
    BROADCAST, ETHERNET_HEADER_LEN, ETHERTYPE_NCSI, MIN_FRAME_LEN,
};
use socket2::{Domain, Protocol, Socket, Type};
use std::ffi::CString;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use tokio::io::unix::AsyncFd;

/// Linux's `PACKET_IGNORE_OUTGOING` socket option (since 4.20; not in every libc).
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// Largest frame we read: a jumbo frame is more than NC-SI ever sends.
const MAX_FRAME: usize = 9216;

/// An `AF_PACKET` socket carrying NC-SI on one interface.
#[derive(Debug)]
pub struct RawSocket {
    fd: AsyncFd<Socket>,
    interface: String,
    source_mac: [u8; 6],
}

/// The interface index of `name`, or a clear error when there is no such interface.
pub fn interface_index(name: &str) -> io::Result<u32> {
    let c = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name contains NUL"))?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("network interface {name:?} does not exist"),
        ));
    }
    Ok(index)
}

impl RawSocket {
    /// Opens a raw socket on `interface` for EtherType 0x88F8.
    ///
    /// Errors name the cause: a missing interface, or missing `CAP_NET_RAW`. Must be
    /// called inside a tokio runtime.
    pub fn open(interface: &str) -> io::Result<Self> {
        let index = interface_index(interface)?;
        let protocol = Protocol::from(i32::from(ETHERTYPE_NCSI.to_be()));
        let socket = Socket::new(Domain::PACKET, Type::RAW, Some(protocol)).map_err(|e| {
            if e.kind() == io::ErrorKind::PermissionDenied {
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("opening a raw socket on {interface} needs CAP_NET_RAW (run as root or grant the capability): {e}"),
                )
            } else {
                e
            }
        })?;
        socket.set_nonblocking(true)?;
        socket.set_cloexec(true)?;

        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as libc::sa_family_t;
        addr.sll_protocol = ETHERTYPE_NCSI.to_be();
        addr.sll_ifindex = index as libc::c_int;
        // SAFETY: `addr` is a properly initialised sockaddr_ll and the length passed is
        // its exact size; the fd is an open AF_PACKET socket.
        let rc = unsafe {
            libc::bind(
                socket.as_raw_fd(),
                (&raw const addr).cast::<libc::sockaddr>(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            let e = io::Error::last_os_error();
            return Err(io::Error::new(
                e.kind(),
                format!("binding a raw socket to {interface}: {e}"),
            ));
        }

        let one: libc::c_int = 1;
        // SAFETY: the option value is a c_int that lives across the call, with its size.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_PACKET,
                PACKET_IGNORE_OUTGOING,
                (&raw const one).cast::<libc::c_void>(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            let e = io::Error::last_os_error();
            return Err(io::Error::new(
                e.kind(),
                format!("PACKET_IGNORE_OUTGOING on {interface} (needs Linux 4.20 or later): {e}"),
            ));
        }

        // SAFETY: `Socket` owns its file descriptor, keeps it open until dropped and
        // always returns the same one from `as_raw_fd`; the AsyncFd owns the Socket.
        let fd = unsafe { AsyncFd::register(socket) }.map_err(io::Error::from)?;
        Ok(RawSocket {
            fd,
            interface: interface.to_string(),
            source_mac: BROADCAST,
        })
    }

    /// Sends from `mac` instead of the broadcast address.
    pub fn with_source_mac(mut self, mac: [u8; 6]) -> Self {
        self.source_mac = mac;
        self
    }

    /// The interface this socket is bound to.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    fn frame(&self, packet: &[u8]) -> Vec<u8> {
        let mut frame = Vec::with_capacity((ETHERNET_HEADER_LEN + packet.len()).max(MIN_FRAME_LEN));
        frame.extend_from_slice(&BROADCAST);
        frame.extend_from_slice(&self.source_mac);
        frame.extend_from_slice(&ETHERTYPE_NCSI.to_be_bytes());
        frame.extend_from_slice(packet);
        if frame.len() < MIN_FRAME_LEN {
            frame.resize(MIN_FRAME_LEN, 0);
        }
        frame
    }
}

impl Transport for RawSocket {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let frame = self.frame(packet);
            loop {
                let mut guard = self.fd.writable().await?;
                match guard.try_io(|s| s.get_ref().send(&frame)) {
                    Ok(result) => return result.map(|_| ()),
                    Err(_would_block) => continue,
                }
            }
        })
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let mut buf = vec![0u8; MAX_FRAME];
            loop {
                let mut guard = self.fd.readable().await?;
                let n = match guard.try_io(|s| {
                    let mut sock: &Socket = s.get_ref();
                    sock.read(&mut buf)
                }) {
                    Ok(result) => result?,
                    Err(_would_block) => continue,
                };
                // The socket is bound to 0x88F8; check anyway and skip runts.
                if n < ETHERNET_HEADER_LEN || buf[12..14] != ETHERTYPE_NCSI.to_be_bytes() {
                    continue;
                }
                return Ok(buf[ETHERNET_HEADER_LEN..n].to_vec());
            }
        })
    }

    fn describe(&self) -> String {
        format!("raw socket on {}", self.interface)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interface_is_named() {
        let err = RawSocket::open("sb-no-such-if0").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            err.to_string(),
            "network interface \"sb-no-such-if0\" does not exist"
        );
    }

    #[tokio::test]
    async fn loopback_exists_and_frames_are_padded() {
        assert!(interface_index("lo").unwrap() > 0);
        // Opening needs CAP_NET_RAW; when we have it, the frame layout is checkable.
        match RawSocket::open("lo") {
            Ok(s) => {
                let f = s.with_source_mac([2, 0, 0, 0, 0, 1]).frame(&[0xAB; 20]);
                assert_eq!(f.len(), 60);
                assert_eq!(
                    &f[..14],
                    &[255, 255, 255, 255, 255, 255, 2, 0, 0, 0, 0, 1, 0x88, 0xF8]
                );
                assert_eq!(f[14], 0xAB);
            }
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}"),
        }
    }
}
