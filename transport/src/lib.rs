//! Moving NC-SI control packets between a management controller and network
//! controllers: one [`Transport`] trait and its implementations.
//!
//! A transport carries whole NC-SI control packets (header, payload, checksum); how
//! they travel is its business. The simulator (NC side) and the daemon (MC side) use
//! the same trait, so every test of one runs against the other. Transports read
//! packets only through `sidebridge_protocol` views; a packet that is not a control
//! packet is dropped and counted, never routed.
//!
//! - [`raw`]: NC-SI over RBT, Ethernet frames with EtherType 0x88F8 on an AF_PACKET
//!   socket.
//! - [`netlink`]: the Linux kernel's NC-SI generic netlink family, where the kernel
//!   driver owns the interface.
//! - [`mctp`]: NC-SI over MCTP (DSP0261): the user-space serial endpoint (DSP0253) on a
//!   [`mctp::tty::Tty`], and [`mctp::af_mctp`] for the kernel's MCTP stack.
//! - [`mux`]: several paths joined into one topology by package id.
//! - [`memory`]: two ends in one process (tests, the demo).
//! - Decorators: [`pcap`] records every packet, [`trace`] logs them.

pub mod ifaddrs;
pub mod mctp;
pub mod memory;
pub mod mux;
pub mod netlink;
pub mod pcap;
pub mod raw;
pub mod trace;

use std::future::Future;
use std::io;
use std::pin::Pin;

/// A boxed future, so that [`Transport`] can be used as `dyn Transport`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends and receives NC-SI control packets.
///
/// Both methods take `&self` so that one task can wait in [`recv`](Self::recv) while
/// others send. A packet is handed over whole; `recv` may return bytes after the
/// checksum (Ethernet padding), which the NC-SI parser ignores.
pub trait Transport: Send + Sync {
    /// Sends one control packet.
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;
    /// Waits for the next control packet.
    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>>;
    /// A short description for logs, e.g. `raw socket on eth0`.
    fn describe(&self) -> String;
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        (**self).send(packet)
    }
    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        (**self).recv()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        (**self).send(packet)
    }
    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        (**self).recv()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}
