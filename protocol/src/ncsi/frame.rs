//! NC-SI over RBT: control packets in Ethernet II frames with EtherType 0x88F8
//! (DSP0222 1.2 §8.2: destination FF:FF:FF:FF:FF:FF; frames padded to the Ethernet
//! minimum of 60 bytes before the FCS).
//!
//! The source MAC is not checked: real NCs and QEMU's model answer from the broadcast
//! address, and the Linux kernel switches to the interface MAC once a vendor get-MAC
//! succeeded.

use super::packet::PacketRepr;
use crate::error::{Error, Result};

/// EtherType of NC-SI control packets.
pub const ETHERTYPE_NCSI: u16 = 0x88F8;
/// The destination (and conventional source) address of NC-SI frames.
pub const BROADCAST: [u8; 6] = [0xFF; 6];
/// Destination, source, EtherType.
pub const ETHERNET_HEADER_LEN: usize = 14;
/// Smallest Ethernet frame without FCS; shorter frames are zero-padded.
pub const MIN_FRAME_LEN: usize = 60;

/// An Ethernet frame carrying an NC-SI control packet.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NcsiFrame {
    /// Destination MAC (broadcast for NC-SI).
    pub dst: [u8; 6],
    /// Source MAC.
    pub src: [u8; 6],
    /// The control packet.
    pub packet: PacketRepr,
}

impl NcsiFrame {
    /// A frame from the broadcast address to the broadcast address, as MCs send them.
    pub fn broadcast(packet: PacketRepr) -> Self {
        NcsiFrame {
            dst: BROADCAST,
            src: BROADCAST,
            packet,
        }
    }

    /// Parses a frame (without FCS), checking the EtherType and the packet checksum.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let (dst, src, packet) = split(bytes)?;
        Ok(NcsiFrame {
            dst,
            src,
            packet: PacketRepr::parse(packet)?,
        })
    }

    /// The frame's bytes, padded to [`MIN_FRAME_LEN`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(MIN_FRAME_LEN);
        out.extend_from_slice(&self.dst);
        out.extend_from_slice(&self.src);
        out.extend_from_slice(&ETHERTYPE_NCSI.to_be_bytes());
        out.extend_from_slice(&self.packet.to_bytes()?);
        if out.len() < MIN_FRAME_LEN {
            out.resize(MIN_FRAME_LEN, 0);
        }
        Ok(out)
    }
}

/// Splits a frame into destination, source and the NC-SI bytes after the EtherType.
pub fn split(bytes: &[u8]) -> Result<([u8; 6], [u8; 6], &[u8])> {
    if bytes.len() < ETHERNET_HEADER_LEN {
        return Err(Error::Truncated {
            needed: ETHERNET_HEADER_LEN,
            have: bytes.len(),
        });
    }
    let ethertype = u16::from_be_bytes([bytes[12], bytes[13]]);
    if ethertype != ETHERTYPE_NCSI {
        return Err(Error::EtherType(ethertype));
    }
    let mut dst = [0u8; 6];
    let mut src = [0u8; 6];
    dst.copy_from_slice(&bytes[0..6]);
    src.copy_from_slice(&bytes[6..12]);
    Ok((dst, src, &bytes[ETHERNET_HEADER_LEN..]))
}
