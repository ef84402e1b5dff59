//! The Linux kernel's MCTP stack (`AF_MCTP`, Linux 5.15+): datagram sockets addressed
//! by network, EID and message type, with routes and EIDs set up by `mctpd` or the
//! `mctp` tool. Where the kernel has it, this is the preferred path; where it does not
//! (`socket()` fails with `EAFNOSUPPORT`), [`probe`] says so and the serial endpoint in
//! the parent module is the alternative.
//!
//! Layout of `struct sockaddr_mctp` (include/uapi/linux/mctp.h):
//!
//! ```text
//! u16 smctp_family   (AF_MCTP = 45)
//! u16 __smctp_pad0
//! u32 smctp_network  (MCTP_NET_ANY = 0)
//! u8  smctp_addr     (the EID; MCTP_ADDR_ANY = 0xFF)
//! u8  smctp_type     (message type)
//! u8  smctp_tag      (MCTP_TAG_OWNER = 0x08 | tag)
//! u8  __smctp_pad1
//! ```
#![allow(unsafe_code)] // Only at the OS boundary: socket(2), sendto(2), recvfrom(2).

use sidebridge_protocol::mctp::Eid;
use sidebridge_protocol::mctp::vdm::VendorIana;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use tokio::io::unix::AsyncFd;

/// The address family number.
pub const AF_MCTP: libc::c_int = 45;
/// Any MCTP network.
pub const MCTP_NET_ANY: u32 = 0;
/// Any EID (for bind).
pub const MCTP_ADDR_ANY: Eid = 0xFF;
/// Tag-owner flag in `smctp_tag`: on send, the kernel allocates a tag.
pub const MCTP_TAG_OWNER: u8 = 0x08;

/// `struct sockaddr_mctp`, 12 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SockaddrMctp {
    /// `AF_MCTP`.
    pub family: u16,
    pad0: u16,
    /// Network id.
    pub network: u32,
    /// The EID.
    pub addr: Eid,
    /// Message type (7 bits; the IC bit is not part of it).
    pub msg_type: u8,
    /// Tag, with [`MCTP_TAG_OWNER`] for requests.
    pub tag: u8,
    pad1: u8,
}

impl SockaddrMctp {
    /// An address for `eid` and `msg_type` on `network`.
    pub fn new(network: u32, eid: Eid, msg_type: u8, tag: u8) -> Self {
        SockaddrMctp {
            family: AF_MCTP as u16,
            pad0: 0,
            network,
            addr: eid,
            msg_type: msg_type & 0x7F,
            tag,
            pad1: 0,
        }
    }

    /// The bytes as the kernel reads them (native byte order for the integers).
    pub fn to_bytes(&self) -> [u8; 12] {
        let mut b = [0u8; 12];
        b[0..2].copy_from_slice(&self.family.to_ne_bytes());
        b[4..8].copy_from_slice(&self.network.to_ne_bytes());
        b[8] = self.addr;
        b[9] = self.msg_type;
        b[10] = self.tag;
        b
    }

    /// Reads an address the kernel wrote; `None` unless it is an `AF_MCTP` address.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        let b: &[u8; 12] = b.get(..12)?.try_into().ok()?;
        let family = u16::from_ne_bytes([b[0], b[1]]);
        (family == AF_MCTP as u16).then(|| SockaddrMctp {
            family,
            pad0: 0,
            network: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
            addr: b[8],
            msg_type: b[9],
            tag: b[10],
            pad1: 0,
        })
    }
}

const _: () = assert!(std::mem::size_of::<SockaddrMctp>() == 12);

/// Explains an `AF_MCTP` socket error in the terms an operator can act on.
pub fn explain(e: io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(libc::EAFNOSUPPORT) => io::Error::new(
            io::ErrorKind::Unsupported,
            "this kernel has no AF_MCTP support (Linux 5.15+ with CONFIG_MCTP); \
             use the serial MCTP transport (transport = \"mctp-serial\") instead",
        ),
        Some(libc::EPERM) | Some(libc::EACCES) => io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("AF_MCTP socket refused ({e}); needs CAP_NET_ADMIN for binding"),
        ),
        _ => e,
    }
}

/// An `AF_MCTP` datagram socket for one message type.
#[derive(Debug)]
pub struct MctpSocket {
    fd: AsyncFd<OwnedFd>,
}

/// Whether the kernel offers `AF_MCTP`: opens and closes a socket.
pub fn probe() -> io::Result<()> {
    MctpSocket::open_blocking().map(drop)
}

impl MctpSocket {
    fn open_blocking() -> io::Result<OwnedFd> {
        // SAFETY: socket(2) with constant arguments; the result is checked and owned.
        let fd = unsafe {
            libc::socket(
                AF_MCTP,
                libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            )
        };
        if fd < 0 {
            return Err(explain(io::Error::last_os_error()));
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// Opens a socket. Must be called inside a tokio runtime.
    pub fn open() -> io::Result<Self> {
        let owned = Self::open_blocking()?;
        // SAFETY: `OwnedFd` keeps its descriptor open until dropped and always returns
        // the same one from `as_raw_fd`; the AsyncFd owns it.
        let fd = unsafe { AsyncFd::register(owned) }.map_err(io::Error::from)?;
        Ok(MctpSocket { fd })
    }

    /// Binds to receive requests (tag-owner messages, such as NC-SI AENs) of
    /// `msg_type` on `network` from any EID. Only one socket per type and network may
    /// bind (another gets `EADDRINUSE`).
    pub fn bind(&self, network: u32, msg_type: u8) -> io::Result<()> {
        let addr = SockaddrMctp::new(network, MCTP_ADDR_ANY, msg_type, 0).to_bytes();
        // SAFETY: `addr` is valid for the length passed.
        let rc = unsafe {
            libc::bind(
                self.fd.get_ref().as_raw_fd(),
                addr.as_ptr().cast(),
                addr.len() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(explain(io::Error::last_os_error()));
        }
        Ok(())
    }

    /// Sends one message body (without the message type byte) to `to`.
    pub async fn send_to(&self, body: &[u8], to: SockaddrMctp) -> io::Result<()> {
        let addr = to.to_bytes();
        loop {
            let mut guard = self.fd.writable().await?;
            let r = guard.try_io(|fd| {
                // SAFETY: `body` and `addr` are valid for the lengths passed.
                let n = unsafe {
                    libc::sendto(
                        fd.as_raw_fd(),
                        body.as_ptr().cast(),
                        body.len(),
                        0,
                        addr.as_ptr().cast(),
                        addr.len() as libc::socklen_t,
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                }
            });
            if let Ok(r) = r {
                return r;
            }
        }
    }

    /// Receives one message body and its source address.
    pub async fn recv_from(&self) -> io::Result<(Vec<u8>, SockaddrMctp)> {
        let mut buf = vec![0u8; 8192];
        loop {
            let mut guard = self.fd.readable().await?;
            let mut addr = [0u8; 16];
            let r = guard.try_io(|fd| {
                let mut len = addr.len() as libc::socklen_t;
                // SAFETY: `buf` and `addr` are writable for the lengths passed; `len`
                // is updated by the kernel to the address length written.
                let n = unsafe {
                    libc::recvfrom(
                        fd.as_raw_fd(),
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                        libc::MSG_TRUNC,
                        addr.as_mut_ptr().cast(),
                        &mut len,
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            if let Ok(r) = r {
                let n = r?;
                if n > buf.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("MCTP message of {n} bytes truncated to {}", buf.len()),
                    ));
                }
                buf.truncate(n);
                let from = SockaddrMctp::from_bytes(&addr).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "source is not an AF_MCTP address",
                    )
                })?;
                return Ok((buf, from));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_layout_matches_the_kernel() {
        let a = SockaddrMctp::new(MCTP_NET_ANY, 9, 0x02, MCTP_TAG_OWNER);
        let b = a.to_bytes();
        assert_eq!(u16::from_ne_bytes([b[0], b[1]]), 45);
        assert_eq!(&b[2..4], &[0, 0], "pad");
        assert_eq!(&b[8..12], &[9, 0x02, 0x08, 0], "addr, type, tag, pad");
        assert_eq!(SockaddrMctp::from_bytes(&b), Some(a));
        // The IC bit is not part of the type.
        assert_eq!(SockaddrMctp::new(1, 9, 0x82, 0).msg_type, 0x02);
        let mut other = b;
        other[0..2].copy_from_slice(&2u16.to_ne_bytes());
        assert_eq!(
            SockaddrMctp::from_bytes(&other),
            None,
            "AF_INET is not MCTP"
        );
        assert_eq!(SockaddrMctp::from_bytes(&b[..11]), None);
    }

    /// The addresses the vendor-defined path uses: requests as tag owner (the kernel
    /// picks the tag), replies with the request's tag and the owner bit clear.
    #[test]
    fn vendor_defined_addresses() {
        let req = SockaddrMctp::new(1, 20, 0x7F, MCTP_TAG_OWNER).to_bytes();
        assert_eq!(&req[8..11], &[20, 0x7F, 0x08]);
        let reply = SockaddrMctp::new(1, 8, 0x7F, 0x0B & 0x07).to_bytes();
        assert_eq!(&reply[8..11], &[8, 0x7F, 0x03]);
        match AfMctpVdm::open(MCTP_NET_ANY, 32473) {
            Ok(_) => println!("AF_MCTP vendor-defined socket bound"),
            Err(e) => assert!(
                e.to_string().contains("vendor-defined") || e.kind() == io::ErrorKind::Unsupported,
                "{e}"
            ),
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = explain(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        assert!(e.to_string().contains("mctp-serial"), "{e}");
    }

    /// On this kernel or any other: either AF_MCTP works or the error is the clear one.
    #[test]
    fn probe_is_clear_either_way() {
        match probe() {
            Ok(()) => println!("AF_MCTP is available here"),
            Err(e) => {
                println!("AF_MCTP unavailable: {e}");
                assert!(
                    e.kind() == io::ErrorKind::Unsupported
                        || e.kind() == io::ErrorKind::PermissionDenied,
                    "{e}"
                );
            }
        }
    }
}

/// NC-SI over MCTP (DSP0261) through the kernel's MCTP stack: commands to the
/// controller at `eid` as tag owner (the kernel picks the tag and routes the response
/// back to this socket); AENs, which the controller sends as requests, arrive through
/// the bind to message type 0x02.
#[derive(Debug)]
pub struct AfMctpNcsiTransport {
    sock: MctpSocket,
    network: u32,
    eid: Eid,
}

impl AfMctpNcsiTransport {
    /// Opens the socket for the controller at `eid` on `network` (0: any). Errors say
    /// when the kernel has no `AF_MCTP`.
    pub fn open(network: u32, eid: Eid) -> io::Result<Self> {
        let sock = MctpSocket::open()?;
        sock.bind(network, 0x02).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("binding AF_MCTP for NC-SI (message type 2) AENs: {e}"),
            )
        })?;
        Ok(AfMctpNcsiTransport { sock, network, eid })
    }
}

impl crate::Transport for AfMctpNcsiTransport {
    fn send<'a>(&'a self, packet: &'a [u8]) -> crate::BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let to = SockaddrMctp::new(self.network, self.eid, 0x02, MCTP_TAG_OWNER);
            self.sock.send_to(packet, to).await
        })
    }

    fn recv(&self) -> crate::BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            loop {
                let (body, from) = self.sock.recv_from().await?;
                if from.addr == self.eid && from.msg_type & 0x7F == 0x02 {
                    return Ok(body);
                }
            }
        })
    }

    fn describe(&self) -> String {
        format!("NC-SI over kernel MCTP (AF_MCTP), EID {:#04x}", self.eid)
    }
}

/// Vendor-defined messages (IANA, type 0x7F, DSP0236 1.3 §13.2) of one enterprise
/// number through the kernel's MCTP stack: the OEM command set to or from a card BMC
/// that is its own MCTP endpoint, with routes and EIDs set up by `mctpd`.
///
/// One socket bound to type 0x7F receives the tag-owner messages of every peer
/// (requests to an agent, events to the platform) and sends the replies; each request
/// the platform sends goes out on a fresh socket as tag owner, and the kernel routes the
/// response to that socket, so concurrent requests need no tag bookkeeping here. Only
/// one socket per message type and network can bind: one `AfMctpVdm` per process.
#[derive(Debug)]
pub struct AfMctpVdm {
    bound: MctpSocket,
    network: u32,
    enterprise: u32,
}

impl AfMctpVdm {
    /// Binds type 0x7F on `network` for `enterprise`'s messages. Errors say when the
    /// kernel has no `AF_MCTP`, or when another process holds the type.
    pub fn open(network: u32, enterprise: u32) -> io::Result<Self> {
        let bound = MctpSocket::open()?;
        bound.bind(network, VDM_TYPE).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("binding AF_MCTP for vendor-defined messages (type 0x7F): {e}"),
            )
        })?;
        Ok(AfMctpVdm {
            bound,
            network,
            enterprise,
        })
    }

    fn body(&self, payload: &[u8]) -> Vec<u8> {
        VendorIana {
            enterprise: self.enterprise,
            payload,
        }
        .to_body()
    }

    /// The payload of a message from the kernel, when it is ours.
    fn ours(&self, body: &[u8]) -> Option<Vec<u8>> {
        match VendorIana::parse(body) {
            Ok(v) if v.enterprise == self.enterprise => Some(v.payload.to_vec()),
            _ => None,
        }
    }
}

/// Requests of one message type to one EID through the kernel: each goes out on a
/// fresh socket as tag owner (the kernel allocates the tag and routes the response
/// to that socket), so nothing needs binding and nothing is shared between requests.
#[derive(Debug, Clone)]
pub struct AfMctpRequester {
    network: u32,
    eid: Eid,
    msg_type: u8,
}

impl AfMctpRequester {
    /// Requests of `msg_type` to `eid` on `network`. Errors say when the kernel has
    /// no `AF_MCTP`.
    pub fn open(network: u32, eid: Eid, msg_type: u8) -> io::Result<Self> {
        probe()?;
        Ok(AfMctpRequester {
            network,
            eid,
            msg_type,
        })
    }
}

impl super::RequestLink for AfMctpRequester {
    fn request<'a>(
        &'a self,
        body: &'a [u8],
        timeout: std::time::Duration,
    ) -> crate::BoxFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let sock = MctpSocket::open()?;
            let to = SockaddrMctp::new(self.network, self.eid, self.msg_type, MCTP_TAG_OWNER);
            sock.send_to(body, to).await?;
            let answer = async {
                loop {
                    let (body, from) = sock.recv_from().await?;
                    if from.addr == self.eid
                        && from.msg_type & 0x7F == self.msg_type
                        && from.tag & MCTP_TAG_OWNER == 0
                    {
                        return Ok::<_, io::Error>(body);
                    }
                }
            };
            tokio::time::timeout(timeout, answer).await.map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "EID {:#04x} (AF_MCTP network {}) did not answer within {} ms",
                        self.eid,
                        self.network,
                        timeout.as_millis()
                    ),
                )
            })?
        })
    }

    fn describe(&self) -> String {
        format!("EID {:#04x} on AF_MCTP network {}", self.eid, self.network)
    }
}

/// MCTP message type of vendor-defined messages with an IANA enterprise number.
const VDM_TYPE: u8 = 0x7F;

impl super::VdmLink for AfMctpVdm {
    fn vdm_request<'a>(
        &'a self,
        dest: Eid,
        payload: &'a [u8],
        timeout: std::time::Duration,
    ) -> crate::BoxFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let sock = MctpSocket::open()?;
            let to = SockaddrMctp::new(self.network, dest, VDM_TYPE, MCTP_TAG_OWNER);
            sock.send_to(&self.body(payload), to).await?;
            let answer = async {
                loop {
                    let (body, from) = sock.recv_from().await?;
                    if from.addr == dest && from.msg_type & 0x7F == VDM_TYPE {
                        if let Some(p) = self.ours(&body) {
                            return Ok::<_, io::Error>(p);
                        }
                    }
                }
            };
            tokio::time::timeout(timeout, answer).await.map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "EID {dest:#04x} (AF_MCTP) did not answer within {} ms",
                        timeout.as_millis()
                    ),
                )
            })?
        })
    }

    fn vdm_recv(&self) -> crate::BoxFuture<'_, io::Result<super::VdmIncoming>> {
        Box::pin(async move {
            loop {
                let (body, from) = self.bound.recv_from().await?;
                if from.msg_type & 0x7F != VDM_TYPE || from.tag & MCTP_TAG_OWNER == 0 {
                    continue;
                }
                if let Some(payload) = self.ours(&body) {
                    return Ok(super::VdmIncoming {
                        src: from.addr,
                        tag: from.tag & 0x07,
                        payload,
                    });
                }
            }
        })
    }

    fn vdm_reply<'a>(
        &'a self,
        to: &'a super::VdmIncoming,
        payload: &'a [u8],
    ) -> crate::BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            // A response: the request's tag, owner bit clear.
            let addr = SockaddrMctp::new(self.network, to.src, VDM_TYPE, to.tag & 0x07);
            self.bound.send_to(&self.body(payload), addr).await
        })
    }

    fn vdm_notify<'a>(
        &'a self,
        dest: Eid,
        payload: &'a [u8],
    ) -> crate::BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let addr = SockaddrMctp::new(self.network, dest, VDM_TYPE, MCTP_TAG_OWNER);
            self.bound.send_to(&self.body(payload), addr).await
        })
    }

    fn describe(&self) -> String {
        format!("kernel MCTP (AF_MCTP) network {}", self.network)
    }
}
