//! The Linux kernel's NC-SI generic netlink family ("NCSI",
//! `include/uapi/linux/ncsi.h`) as a [`Transport`]: for OpenBMC images where the
//! kernel's NC-SI driver owns the interface and a raw socket would race it.
//!
//! `send` turns a control packet into `NCSI_CMD_SEND_CMD` (ifindex, package, channel,
//! and the packet's header and payload as `NCSI_ATTR_DATA`); the kernel assigns its own
//! IID, sends the command and replies with the NC's response in `NCSI_ATTR_DATA`.
//! `recv` returns that response with our IID put back (and the checksum redone), so
//! the requester above matches it like any other. The kernel does not forward AENs
//! over netlink: on this transport the manager learns link changes by polling.
//!
//! Netlink headers are in host byte order; NC-SI inside `NCSI_ATTR_DATA` is big-endian.
#![allow(unsafe_code)] // Only at the OS boundary: registering the socket with tokio.

use crate::{BoxFuture, Transport};
use sidebridge_protocol::ncsi::ControlPacket;
use socket2::{Domain, Protocol, Socket, Type};
use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Mutex;
use tokio::io::unix::AsyncFd;

/// Generic netlink controller family id (`GENL_ID_CTRL`).
const GENL_ID_CTRL: u16 = 0x10;
/// `CTRL_CMD_GETFAMILY`.
const CTRL_CMD_GETFAMILY: u8 = 3;
/// `CTRL_ATTR_FAMILY_ID`.
const CTRL_ATTR_FAMILY_ID: u16 = 1;
/// `CTRL_ATTR_FAMILY_NAME`.
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
/// `NLMSG_ERROR`.
const NLMSG_ERROR: u16 = 2;
/// `NLM_F_REQUEST`.
const NLM_F_REQUEST: u16 = 1;
/// `NLM_F_ACK`.
const NLM_F_ACK: u16 = 4;

/// NC-SI family commands (`enum ncsi_nl_commands`).
pub mod cmd {
    /// `NCSI_CMD_PKG_INFO`.
    pub const PKG_INFO: u8 = 1;
    /// `NCSI_CMD_SEND_CMD`.
    pub const SEND_CMD: u8 = 4;
}

/// NC-SI family attributes (`enum ncsi_nl_attrs`).
pub mod attr {
    /// `NCSI_ATTR_IFINDEX` (u32).
    pub const IFINDEX: u16 = 1;
    /// `NCSI_ATTR_PACKAGE_LIST` (nested).
    pub const PACKAGE_LIST: u16 = 2;
    /// `NCSI_ATTR_PACKAGE_ID` (u32).
    pub const PACKAGE_ID: u16 = 3;
    /// `NCSI_ATTR_CHANNEL_ID` (u32).
    pub const CHANNEL_ID: u16 = 4;
    /// `NCSI_ATTR_DATA` (binary: an NC-SI packet).
    pub const DATA: u16 = 5;
}

const NLMSG_HDRLEN: usize = 16;
const GENL_HDRLEN: usize = 4;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// One netlink attribute.
fn put_attr(out: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    out.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(payload);
    out.resize(align4(out.len()), 0);
}

/// A whole generic netlink request: nlmsghdr, genlmsghdr, attributes.
pub fn genl_message(
    family: u16,
    flags: u16,
    seq: u32,
    command: u8,
    version: u8,
    attrs: &[(u16, &[u8])],
) -> Vec<u8> {
    let mut out = vec![0u8; NLMSG_HDRLEN];
    out.extend_from_slice(&[command, version, 0, 0]);
    for (ty, payload) in attrs {
        put_attr(&mut out, *ty, payload);
    }
    let len = out.len() as u32;
    out[0..4].copy_from_slice(&len.to_ne_bytes());
    out[4..6].copy_from_slice(&family.to_ne_bytes());
    out[6..8].copy_from_slice(&flags.to_ne_bytes());
    out[8..12].copy_from_slice(&seq.to_ne_bytes());
    out
}

/// A parsed netlink message: type, sequence, and for generic netlink the command and
/// attributes; for `NLMSG_ERROR` the (negative) errno.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `nlmsg_type`.
    pub ty: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// The error of an `NLMSG_ERROR` (0 is an ACK).
    pub error: Option<i32>,
    /// The genl command.
    pub command: u8,
    /// Attributes, in order.
    pub attrs: Vec<(u16, Vec<u8>)>,
}

impl Message {
    /// The first attribute of type `ty`.
    pub fn attr(&self, ty: u16) -> Option<&[u8]> {
        self.attrs
            .iter()
            .find(|(t, _)| *t & 0x3FFF == ty)
            .map(|(_, v)| v.as_slice())
    }
}

/// Splits a datagram into netlink messages. Malformed lengths end the parse.
pub fn parse_messages(mut buf: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            break;
        }
        let ty = u16::from_ne_bytes([buf[4], buf[5]]);
        let seq = u32::from_ne_bytes([buf[8], buf[9], buf[10], buf[11]]);
        let body = &buf[NLMSG_HDRLEN..len];
        let mut m = Message {
            ty,
            seq,
            error: None,
            command: 0,
            attrs: Vec::new(),
        };
        if ty == NLMSG_ERROR {
            if body.len() >= 4 {
                m.error = Some(i32::from_ne_bytes([body[0], body[1], body[2], body[3]]));
            }
        } else if body.len() >= GENL_HDRLEN {
            m.command = body[0];
            let mut a = &body[GENL_HDRLEN..];
            while a.len() >= 4 {
                let alen = usize::from(u16::from_ne_bytes([a[0], a[1]]));
                let aty = u16::from_ne_bytes([a[2], a[3]]);
                if alen < 4 || alen > a.len() {
                    break;
                }
                m.attrs.push((aty, a[4..alen].to_vec()));
                a = &a[align4(alen).min(a.len())..];
            }
        }
        out.push(m);
        buf = &buf[align4(len).min(buf.len())..];
    }
    out
}

/// The kernel NC-SI netlink transport on one interface.
#[derive(Debug)]
pub struct NetlinkTransport {
    fd: AsyncFd<Socket>,
    family: u16,
    ifindex: u32,
    interface: String,
    /// Netlink sequence → the IID the requester put in the command. A std mutex:
    /// short critical sections, never across an `.await`.
    inflight: Mutex<(u32, HashMap<u32, u8>)>,
}

fn socket() -> io::Result<Socket> {
    let s = Socket::new(
        Domain::from(libc::AF_NETLINK),
        Type::DGRAM,
        Some(Protocol::from(libc::NETLINK_GENERIC)),
    )?;
    s.set_cloexec(true)?;
    Ok(s)
}

/// Resolves the "NCSI" generic netlink family id, with a clear error when the kernel
/// has no NC-SI support.
pub fn resolve_family(s: &Socket) -> io::Result<u16> {
    let req = genl_message(
        GENL_ID_CTRL,
        NLM_F_REQUEST,
        1,
        CTRL_CMD_GETFAMILY,
        1,
        &[(CTRL_ATTR_FAMILY_NAME, b"NCSI\0")],
    );
    s.send(&req)?;
    let mut buf = vec![0u8; 8192];
    let n = (&*s).read(&mut buf)?;
    for m in parse_messages(&buf[..n]) {
        if let Some(e) = m.error.filter(|e| *e != 0) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the kernel has no NC-SI netlink family \"NCSI\" ({}): it was built without CONFIG_NET_NCSI, or no NC-SI interface is registered; use --transport raw",
                    io::Error::from_raw_os_error(-e)
                ),
            ));
        }
        if let Some(id) = m.attr(CTRL_ATTR_FAMILY_ID) {
            if id.len() >= 2 {
                return Ok(u16::from_ne_bytes([id[0], id[1]]));
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "unexpected answer when resolving the NCSI netlink family",
    ))
}

impl NetlinkTransport {
    /// Opens the transport for `interface`. Must be called inside a tokio runtime.
    pub fn open(interface: &str) -> io::Result<Self> {
        let ifindex = crate::raw::interface_index(interface)?;
        let s = socket()?;
        let family = resolve_family(&s)?;
        s.set_nonblocking(true)?;
        // SAFETY: `Socket` owns its fd, keeps it open until dropped and always returns
        // the same one from `as_raw_fd`; the AsyncFd owns the Socket.
        let fd = unsafe { AsyncFd::register(s) }.map_err(io::Error::from)?;
        Ok(NetlinkTransport {
            fd,
            family,
            ifindex,
            interface: interface.into(),
            inflight: Mutex::new((0, HashMap::new())),
        })
    }

    fn request(&self, packet: &[u8]) -> io::Result<Vec<u8>> {
        let p = ControlPacket::new_checked(packet)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let data = &packet[..16 + usize::from(p.payload_len())];
        let ch = p.channel();
        let seq = {
            let mut g = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            g.0 = g.0.wrapping_add(1);
            let seq = g.0;
            g.1.insert(seq, p.iid());
            if g.1.len() > 1024 {
                g.1.retain(|k, _| seq.wrapping_sub(*k) < 1024);
            }
            seq
        };
        Ok(genl_message(
            self.family,
            NLM_F_REQUEST | NLM_F_ACK,
            seq,
            cmd::SEND_CMD,
            0,
            &[
                (attr::IFINDEX, &self.ifindex.to_ne_bytes()),
                (attr::PACKAGE_ID, &u32::from(ch.package_id()).to_ne_bytes()),
                (attr::CHANNEL_ID, &u32::from(ch.channel_id()).to_ne_bytes()),
                (attr::DATA, data),
            ],
        ))
    }

    /// A response from the kernel with our IID restored.
    fn response(&self, m: &Message) -> Option<Vec<u8>> {
        let data = m.attr(attr::DATA)?;
        let iid = self
            .inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .remove(&m.seq)?;
        let mut bytes = data.to_vec();
        let mut p = ControlPacket::new_checked(&mut bytes[..]).ok()?;
        p.set_iid(iid);
        p.fill_checksum();
        Some(bytes)
    }
}

impl Transport for NetlinkTransport {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let msg = self.request(packet)?;
            loop {
                let mut guard = self.fd.writable().await?;
                match guard.try_io(|s| s.get_ref().send(&msg)) {
                    Ok(r) => {
                        return r.map(|_| ()).map_err(|e| {
                            if e.kind() == io::ErrorKind::PermissionDenied {
                                io::Error::new(
                                    e.kind(),
                                    format!("NCSI_CMD_SEND_CMD needs CAP_NET_ADMIN: {e}"),
                                )
                            } else {
                                e
                            }
                        });
                    }
                    Err(_would_block) => continue,
                }
            }
        })
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let mut buf = vec![0u8; 16384];
            loop {
                let mut guard = self.fd.readable().await?;
                let n = match guard.try_io(|s| {
                    let mut sock: &Socket = s.get_ref();
                    sock.read(&mut buf)
                }) {
                    Ok(r) => r?,
                    Err(_would_block) => continue,
                };
                for m in parse_messages(&buf[..n]) {
                    if let Some(e) = m.error.filter(|e| *e != 0) {
                        tracing::debug!(
                            "NC-SI netlink request {} failed: {}",
                            m.seq,
                            io::Error::from_raw_os_error(-e)
                        );
                        continue;
                    }
                    if m.command == cmd::SEND_CMD {
                        if let Some(bytes) = self.response(&m) {
                            return Ok(bytes);
                        }
                    }
                }
            }
        })
    }

    fn describe(&self) -> String {
        format!("kernel NC-SI netlink on {}", self.interface)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genl_messages_have_the_kernel_layout() {
        let m = genl_message(
            0x1d,
            NLM_F_REQUEST | NLM_F_ACK,
            7,
            cmd::SEND_CMD,
            0,
            &[
                (attr::IFINDEX, &3u32.to_ne_bytes()),
                (attr::DATA, &[1, 2, 3, 4, 5]),
            ],
        );
        let mut expected = Vec::new();
        expected.extend_from_slice(&(16u32 + 4 + 8 + 12).to_ne_bytes());
        expected.extend_from_slice(&0x1du16.to_ne_bytes());
        expected.extend_from_slice(&5u16.to_ne_bytes());
        expected.extend_from_slice(&7u32.to_ne_bytes());
        expected.extend_from_slice(&0u32.to_ne_bytes());
        expected.extend_from_slice(&[4, 0, 0, 0]);
        expected.extend_from_slice(&8u16.to_ne_bytes());
        expected.extend_from_slice(&1u16.to_ne_bytes());
        expected.extend_from_slice(&3u32.to_ne_bytes());
        expected.extend_from_slice(&9u16.to_ne_bytes());
        expected.extend_from_slice(&5u16.to_ne_bytes());
        expected.extend_from_slice(&[1, 2, 3, 4, 5, 0, 0, 0]);
        assert_eq!(m, expected);
        let parsed = parse_messages(&m);
        assert_eq!(parsed.len(), 1);
        assert_eq!(
            (parsed[0].ty, parsed[0].seq, parsed[0].command),
            (0x1d, 7, cmd::SEND_CMD)
        );
        assert_eq!(parsed[0].attr(attr::DATA), Some(&[1u8, 2, 3, 4, 5][..]));
        assert_eq!(parsed[0].attr(attr::IFINDEX), Some(&3u32.to_ne_bytes()[..]));
    }

    #[test]
    fn errors_and_garbage_parse_safely() {
        let mut err = vec![0u8; 16];
        err[0..4].copy_from_slice(&36u32.to_ne_bytes());
        err[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        err.extend_from_slice(&(-2i32).to_ne_bytes());
        err.extend_from_slice(&[0u8; 16]);
        assert_eq!(parse_messages(&err)[0].error, Some(-2));
        for n in 0..err.len() {
            let _ = parse_messages(&err[..n]);
        }
        assert!(parse_messages(&[0xFF; 40]).is_empty());
    }

    #[tokio::test]
    async fn opening_says_clearly_what_is_missing() {
        // This machine has no NC-SI interface; which error we get depends on the
        // kernel, and each must say what is wrong.
        let err = NetlinkTransport::open("sb-no-such0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "network interface \"sb-no-such0\" does not exist"
        );
        match NetlinkTransport::open("lo") {
            Ok(t) => assert!(t.describe().contains("lo")),
            Err(e) => assert!(
                e.to_string().contains("NC-SI netlink family")
                    || e.kind() == io::ErrorKind::PermissionDenied,
                "{e}"
            ),
        }
    }
}
