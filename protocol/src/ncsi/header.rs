//! The NC-SI control packet header, payload padding and checksum
//! (DSP0222 1.2 §8.2.1 "Control packet header", §8.2.2 "payload", §8.2.2.3 checksum).
//!
//! ```text
//!  0         1         2         3         4         5         6         7
//! +---------+---------+---------+---------+---------+---------+---------+---------+
//! |  MC ID  |  Hdr    |Reserved |   IID   | Control | Channel | Rsvd|  Payload   |
//! |         |Revision |         |         | Pkt Type|   ID    | 4b  | length 12b |
//! +---------+---------+---------+---------+---------+---------+---------+---------+
//! |                         Reserved (8 bytes)                                    |
//! +-------------------------------------------------------------------------------+
//! | Payload (payload length bytes) | zero padding to a 4-byte boundary            |
//! +-------------------------------------------------------------------------------+
//! | Checksum (32 bits)                                                             |
//! +-------------------------------------------------------------------------------+
//! ```

use crate::error::{Error, Result};

/// Length of the control packet header (DSP0222 1.2 §8.2.1).
pub const HEADER_LEN: usize = 16;
/// Length of the checksum that follows the padded payload (DSP0222 1.2 §8.2.2.3).
pub const CHECKSUM_LEN: usize = 4;
/// The only header revision DSP0222 1.x defines (§8.2.1: "0x01").
pub const HEADER_REVISION: u8 = 0x01;
/// The largest payload the 12-bit payload length field can describe.
pub const MAX_PAYLOAD_LEN: usize = 0x0FFF;
/// The packet type of every AEN (DSP0222 1.2 §8.5).
pub const AEN_PACKET_TYPE: u8 = 0xFF;
/// Bit 7 of the packet type marks a response (DSP0222 1.2 §8.2.1, Table 7).
pub const RESPONSE_BIT: u8 = 0x80;

mod field {
    use core::ops::Range;
    pub const MC_ID: usize = 0;
    pub const REVISION: usize = 1;
    pub const RESERVED0: usize = 2;
    pub const IID: usize = 3;
    pub const TYPE: usize = 4;
    pub const CHANNEL: usize = 5;
    pub const LENGTH: Range<usize> = 6..8;
    pub const RESERVED1: Range<usize> = 8..16;
    pub const PAYLOAD: usize = 16;
}

/// Rounds a payload length up to the 4-byte boundary the checksum follows
/// (DSP0222 1.2 §8.2.2: "payload data … padded to a 32-bit boundary").
pub const fn padded_len(payload_len: usize) -> usize {
    (payload_len + 3) & !3
}

/// The NC-SI checksum: the 32-bit two's complement of the sum of the header and payload
/// taken as big-endian 16-bit words (DSP0222 1.2 §8.2.2.3). An odd trailing byte counts
/// as the high byte of a word whose low byte is zero (the payload padding).
pub fn checksum(data: &[u8]) -> u32 {
    let mut sum: u32 = 0;
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        sum = sum.wrapping_add(u32::from(u16::from_be_bytes([w[0], w[1]])));
    }
    if let [last] = words.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    sum.wrapping_neg()
}

/// The Channel ID field: package id in bits 7..5, internal channel id in bits 4..0
/// (DSP0222 1.2 §6.2.9). Internal channel 0x1F addresses the package itself.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u8);

impl ChannelId {
    /// The internal channel id that means "the package, not one of its channels".
    pub const PACKAGE_WIDE: u8 = 0x1F;

    /// The id of `channel` (0..=30) in `package` (0..=7). Out-of-range bits are masked.
    pub const fn new(package: u8, channel: u8) -> Self {
        ChannelId(((package & 0x07) << 5) | (channel & 0x1F))
    }

    /// The id addressing `package` as a whole (internal channel 0x1F).
    pub const fn package(package: u8) -> Self {
        Self::new(package, Self::PACKAGE_WIDE)
    }

    /// Package id, 0..=7.
    pub const fn package_id(self) -> u8 {
        self.0 >> 5
    }

    /// Internal channel id, 0..=31.
    pub const fn channel_id(self) -> u8 {
        self.0 & 0x1F
    }

    /// Whether this addresses the package rather than a channel.
    pub const fn is_package_wide(self) -> bool {
        self.channel_id() == Self::PACKAGE_WIDE
    }
}

impl core::fmt::Display for ChannelId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_package_wide() {
            write!(f, "package {}", self.package_id())
        } else {
            write!(
                f,
                "package {} channel {}",
                self.package_id(),
                self.channel_id()
            )
        }
    }
}

/// A zero-copy view of an NC-SI control packet (header, payload, padding, checksum).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone)]
pub struct ControlPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ControlPacket<T> {
    /// Wraps a buffer without checking it; getters may panic until
    /// [`check_len`](Self::check_len) has passed.
    pub const fn new_unchecked(buffer: T) -> Self {
        ControlPacket { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the header, the padded payload its length field
    /// announces, and the checksum. After this, no getter panics.
    pub fn check_len(&self) -> Result<()> {
        let have = self.buffer.as_ref().len();
        if have < HEADER_LEN {
            return Err(Error::Truncated {
                needed: HEADER_LEN,
                have,
            });
        }
        let needed = self.total_len();
        if have < needed {
            return Err(Error::Truncated { needed, have });
        }
        Ok(())
    }

    /// Consumes the view, giving the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Header, padded payload and checksum: the bytes this packet occupies.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + padded_len(usize::from(self.payload_len())) + CHECKSUM_LEN
    }

    /// Management Controller ID (§8.2.1; 0x00 unless the MC configured another).
    pub fn mc_id(&self) -> u8 {
        self.buffer.as_ref()[field::MC_ID]
    }

    /// Header revision (§8.2.1; 0x01).
    pub fn revision(&self) -> u8 {
        self.buffer.as_ref()[field::REVISION]
    }

    /// Instance ID: 1..=255 for commands and their responses, 0 for AENs (§6.2.12).
    pub fn iid(&self) -> u8 {
        self.buffer.as_ref()[field::IID]
    }

    /// Control packet type: the command code, | 0x80 for a response, 0xFF for an AEN.
    pub fn packet_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Channel ID (package and internal channel).
    pub fn channel(&self) -> ChannelId {
        ChannelId(self.buffer.as_ref()[field::CHANNEL])
    }

    /// Payload length: the low 12 bits of bytes 6..8 (the upper 4 bits are reserved).
    pub fn payload_len(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]]) & 0x0FFF
    }

    /// The payload, without padding.
    pub fn payload(&self) -> &[u8] {
        let end = field::PAYLOAD + usize::from(self.payload_len());
        &self.buffer.as_ref()[field::PAYLOAD..end]
    }

    /// The checksum carried after the padded payload.
    pub fn checksum(&self) -> u32 {
        let at = HEADER_LEN + padded_len(usize::from(self.payload_len()));
        let b = &self.buffer.as_ref()[at..at + CHECKSUM_LEN];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The checksum the header and payload call for.
    pub fn compute_checksum(&self) -> u32 {
        checksum(&self.buffer.as_ref()[..field::PAYLOAD + usize::from(self.payload_len())])
    }

    /// Checks the checksum. A carried checksum of zero means "not computed" and is
    /// accepted (DSP0222 1.2 §8.2.2.3).
    pub fn verify_checksum(&self) -> Result<()> {
        let carried = self.checksum();
        let computed = self.compute_checksum();
        if carried == 0 || carried == computed {
            Ok(())
        } else {
            Err(Error::Checksum { carried, computed })
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ControlPacket<T> {
    /// Sets the MC ID.
    pub fn set_mc_id(&mut self, v: u8) {
        self.buffer.as_mut()[field::MC_ID] = v;
    }

    /// Sets the header revision.
    pub fn set_revision(&mut self, v: u8) {
        self.buffer.as_mut()[field::REVISION] = v;
    }

    /// Sets the instance ID.
    pub fn set_iid(&mut self, v: u8) {
        self.buffer.as_mut()[field::IID] = v;
    }

    /// Sets the control packet type.
    pub fn set_packet_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::TYPE] = v;
    }

    /// Sets the channel ID.
    pub fn set_channel(&mut self, v: ChannelId) {
        self.buffer.as_mut()[field::CHANNEL] = v.0;
    }

    /// Sets the payload length (12 bits) and clears the 4 reserved bits above it.
    pub fn set_payload_len(&mut self, v: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&(v & 0x0FFF).to_be_bytes());
    }

    /// Zeroes the reserved header bytes (byte 2 and bytes 8..16).
    pub fn clear_reserved(&mut self) {
        let buf = self.buffer.as_mut();
        buf[field::RESERVED0] = 0;
        buf[field::RESERVED1].fill(0);
    }

    /// The payload, mutable; its length is the one the header announces.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = field::PAYLOAD + usize::from(self.payload_len());
        &mut self.buffer.as_mut()[field::PAYLOAD..end]
    }

    /// Zeroes the padding between the payload and the checksum.
    pub fn clear_padding(&mut self) {
        let len = usize::from(self.payload_len());
        self.buffer.as_mut()[HEADER_LEN + len..HEADER_LEN + padded_len(len)].fill(0);
    }

    /// Writes `v` as the checksum.
    pub fn set_checksum(&mut self, v: u32) {
        let at = HEADER_LEN + padded_len(usize::from(self.payload_len()));
        self.buffer.as_mut()[at..at + CHECKSUM_LEN].copy_from_slice(&v.to_be_bytes());
    }

    /// Computes and writes the checksum; call after every other field is final.
    pub fn fill_checksum(&mut self) {
        let v = self.compute_checksum();
        self.set_checksum(v);
    }
}
