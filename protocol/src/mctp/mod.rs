//! MCTP, the Management Component Transport Protocol (DMTF DSP0236 1.3), and what
//! sidebridge carries over it.
//!
//! - This module: the 4-byte transport header (DSP0236 1.3 §8.1), whole packets, and
//!   the message header byte (IC bit and message type, §8.1 and DSP0239).
//! - [`fragment`]: splitting a message into packets at a transmission unit and putting
//!   it back together (§8.8, "Dropped packets" §8.9), robust to missing, repeated and
//!   out-of-order packets.
//! - [`control`]: MCTP control messages (§11, §12) that a bus owner needs.
//! - [`serial`]: the serial transport binding (DSP0253 1.0): framing, byte stuffing,
//!   FCS-16, and a byte-stream decoder.
//! - [`ncsi`]: NC-SI control packets over MCTP (DSP0261 1.2, message type 0x02).

pub mod control;
pub mod fragment;
pub mod ncsi;
pub mod serial;
pub mod vdm;

#[cfg(test)]
mod proptests;

use crate::error::{Error, Result};

/// An MCTP endpoint ID (DSP0236 1.3 §8.2).
pub type Eid = u8;

/// The null EID: an endpoint that has not been assigned one yet (§8.2).
pub const EID_NULL: Eid = 0x00;
/// The broadcast EID (§8.2); also accepted as "any" by endpoints before assignment.
pub const EID_BROADCAST: Eid = 0xFF;
/// The first EID a bus owner may assign: 1–7 are reserved (§8.2).
pub const EID_FIRST_ASSIGNABLE: Eid = 0x08;

/// The baseline transmission unit: the payload bytes every MCTP packet may carry
/// without negotiation (§8.3). Control messages always fit in one.
pub const BASELINE_MTU: usize = 64;
/// Header version 1, the only one DSP0236 defines (§8.1).
pub const HEADER_VERSION: u8 = 0x01;
/// Bytes in the transport header.
pub const TRANSPORT_HEADER_LEN: usize = 4;

/// Whether `eid` may be assigned to an endpoint (8–0xFE).
pub fn is_assignable(eid: Eid) -> bool {
    (EID_FIRST_ASSIGNABLE..EID_BROADCAST).contains(&eid)
}

wire_enum! {
    /// The message type in the low 7 bits of the first payload byte of a message
    /// (DSP0239 1.11 §4).
    pub enum MessageType(u8) {
        /// MCTP control messages (DSP0236 §11).
        Control = 0x00,
        /// PLDM (DSP0241).
        Pldm = 0x01,
        /// NC-SI control packets and AENs (DSP0261).
        Ncsi = 0x02,
        /// Ethernet pass-through (DSP0261).
        Ethernet = 0x03,
        /// NVMe management (DSP0235).
        NvmeMi = 0x04,
        /// SPDM (DSP0275).
        Spdm = 0x05,
        /// Secured messages (DSP0276).
        SecuredMessages = 0x06,
        /// Vendor defined, PCI vendor id.
        VendorPci = 0x7E,
        /// Vendor defined, IANA enterprise number.
        VendorIana = 0x7F,
    }
}

/// The transport header every MCTP packet starts with (DSP0236 1.3 §8.1, Table 1).
///
/// ```text
/// byte 0  [7:4] reserved  [3:0] header version (0001b)
/// byte 1  destination EID
/// byte 2  source EID
/// byte 3  [7] SOM  [6] EOM  [5:4] packet sequence  [3] TO  [2:0] message tag
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TransportHeader {
    /// Destination endpoint.
    pub dest: Eid,
    /// Source endpoint.
    pub src: Eid,
    /// Start of message: this packet carries the message header.
    pub som: bool,
    /// End of message.
    pub eom: bool,
    /// Packet sequence number, modulo 4 (only the low two bits are used).
    pub seq: u8,
    /// Tag owner: set on requests (the sender chose the tag), clear on responses.
    pub tag_owner: bool,
    /// Message tag, 0–7, tying a response to its request.
    pub tag: u8,
}

impl TransportHeader {
    /// Parses the first four bytes of `buf`. Reserved bits are ignored as §8.1
    /// requires of a receiver; a header version other than 1 is an error.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let [b0, dest, src, b3] = *buf.first_chunk::<4>().ok_or(Error::Truncated {
            needed: TRANSPORT_HEADER_LEN,
            have: buf.len(),
        })?;
        if b0 & 0x0F != HEADER_VERSION {
            return Err(Error::Invalid("MCTP header version (expected 1)"));
        }
        Ok(TransportHeader {
            dest,
            src,
            som: b3 & 0x80 != 0,
            eom: b3 & 0x40 != 0,
            seq: (b3 >> 4) & 0x03,
            tag_owner: b3 & 0x08 != 0,
            tag: b3 & 0x07,
        })
    }

    /// The four wire bytes; reserved bits are zero and out-of-range sequence and
    /// tag values are masked to their field widths.
    pub fn to_bytes(&self) -> [u8; 4] {
        let b3 = (u8::from(self.som) << 7)
            | (u8::from(self.eom) << 6)
            | ((self.seq & 0x03) << 4)
            | (u8::from(self.tag_owner) << 3)
            | (self.tag & 0x07);
        [HEADER_VERSION, self.dest, self.src, b3]
    }
}

/// One MCTP packet: the transport header and its payload (the message header byte
/// included when `header.som` is set). The physical medium's framing is not part of
/// it (see [`serial`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Packet {
    /// The transport header.
    pub header: TransportHeader,
    /// Packet payload: a piece of the message body.
    pub payload: Vec<u8>,
}

impl Packet {
    /// Parses a packet. A packet with no payload is invalid: every packet carries at
    /// least one byte of its message (§8.1).
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let header = TransportHeader::parse(buf)?;
        let payload = &buf[TRANSPORT_HEADER_LEN..];
        if payload.is_empty() {
            return Err(Error::Truncated {
                needed: TRANSPORT_HEADER_LEN + 1,
                have: buf.len(),
            });
        }
        Ok(Packet {
            header,
            payload: payload.to_vec(),
        })
    }

    /// Bytes on the wire (header + payload).
    pub fn wire_len(&self) -> usize {
        TRANSPORT_HEADER_LEN + self.payload.len()
    }

    /// Writes the packet into the front of `buf`, every byte of it, and returns its
    /// length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let (n, have) = (self.wire_len(), buf.len());
        let out = buf
            .get_mut(..n)
            .ok_or(Error::BufferTooSmall { needed: n, have })?;
        out[..TRANSPORT_HEADER_LEN].copy_from_slice(&self.header.to_bytes());
        out[TRANSPORT_HEADER_LEN..].copy_from_slice(&self.payload);
        Ok(n)
    }

    /// The packet as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![0; self.wire_len()];
        // The buffer is exactly wire_len() long, so emit cannot fail.
        let _ = self.emit(&mut out);
        out
    }
}

/// A whole MCTP message: who sent it to whom, its tag, and its body after the
/// message header byte (DSP0236 1.3 §8.1 "Message header").
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Message {
    /// Destination endpoint.
    pub dest: Eid,
    /// Source endpoint.
    pub src: Eid,
    /// Tag owner bit (set on requests).
    pub tag_owner: bool,
    /// Message tag, 0–7.
    pub tag: u8,
    /// Integrity check bit: the message ends with a type-specific integrity check.
    /// Control and NC-SI messages do not use it.
    pub ic: bool,
    /// The message type.
    pub msg_type: MessageType,
    /// The message body after the message header byte.
    pub body: Vec<u8>,
}

impl Message {
    /// The message header byte: IC in bit 7, the type in bits 6..0.
    pub fn header_byte(&self) -> u8 {
        (u8::from(self.ic) << 7) | (u8::from(self.msg_type) & 0x7F)
    }

    /// Splits the first byte of a reassembled message into IC and type.
    pub fn from_parts(
        dest: Eid,
        src: Eid,
        tag_owner: bool,
        tag: u8,
        bytes: &[u8],
    ) -> Result<Message> {
        let (&first, body) = bytes
            .split_first()
            .ok_or(Error::Truncated { needed: 1, have: 0 })?;
        Ok(Message {
            dest,
            src,
            tag_owner,
            tag: tag & 0x07,
            ic: first & 0x80 != 0,
            msg_type: MessageType::from(first & 0x7F),
            body: body.to_vec(),
        })
    }

    /// Header byte followed by the body: the bytes [`fragment::fragment`] splits.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.body.len());
        out.push(self.header_byte());
        out.extend_from_slice(&self.body);
        out
    }

    /// The packets of this message at transmission unit `mtu` (at least
    /// [`BASELINE_MTU`]), sequence numbers starting at `first_seq`.
    pub fn packets(&self, mtu: usize, first_seq: u8) -> Result<Vec<Packet>> {
        fragment::fragment(self, mtu, first_seq)
    }
}
