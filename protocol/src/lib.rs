//! Pure codecs for sidebridge. No I/O, no async runtime: bytes in, typed values out,
//! and back.
//!
//! # Layout
//! - [`ncsi`]: DMTF DSP0222 1.2 (Network Controller Sideband Interface) control packets
//!   over RBT: the Ethernet framing ([`ncsi::frame`]), the 16-byte control packet header
//!   and checksum ([`ncsi::header`]), every command and response
//!   ([`ncsi::command`], [`ncsi::response`]), response and reason codes
//!   ([`ncsi::codes`]), AENs ([`ncsi::aen`]) and the vendor "get MAC address" OEM
//!   commands the Linux kernel sends ([`ncsi::vendor`]). [`ncsi::PacketRepr`] ties them
//!   together.
//! - [`mctp`]: MCTP (DSP0236) packets, fragmentation and reassembly, control messages,
//!   the serial binding (DSP0253) and NC-SI over MCTP (DSP0261).
//! - [`pcap`]: the libpcap file format, so captures open in tshark and Wireshark.
//! - [`text`]: text forms of wire values (UUIDs).
//!
//! # Contract (after smoltcp's `wire` module)
//! - Untrusted bytes enter through `parse` functions or `new_checked` views. No input
//!   can make them panic: every read is bounds-checked and returns [`Error`].
//! - Views such as [`ncsi::ControlPacket`] give zero-copy access to fields; once
//!   `check_len` has passed, no getter panics.
//! - `Repr` values carry the meaning of a packet; `emit` writes every byte of the wire
//!   form, reserved fields and padding included, so what is sent never depends on what
//!   the buffer held before.
//! - Codes this crate does not know parse to an `Unknown(n)` variant (or raw bytes) and
//!   emit back unchanged.
#![forbid(unsafe_code)]

#[macro_use]
mod macros;

pub mod error;
pub mod mctp;
pub mod ncsi;
pub mod oem;
pub mod pcap;
pub mod spdm;
pub mod text;
mod wire;

#[doc(hidden)]
pub mod fuzzing;

pub use error::{Error, Result};
