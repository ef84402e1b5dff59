//! A whole NC-SI control packet as a value: header fields and a typed body.

use super::aen::Aen;
use super::command::Command;
use super::header::{
    AEN_PACKET_TYPE, CHECKSUM_LEN, ChannelId, ControlPacket, HEADER_LEN, HEADER_REVISION,
    MAX_PAYLOAD_LEN, RESPONSE_BIT, padded_len,
};
use super::response::Response;
use crate::error::{Error, Result};

/// What a control packet carries.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A command, MC to NC.
    Command(Command),
    /// A response, NC to MC.
    Response(Response),
    /// An asynchronous event notification, NC to MC.
    Aen(Aen),
}

/// An NC-SI control packet (DSP0222 1.2 §8.2): the header fields that vary, and the
/// body. The revision is always 0x01 and the payload length, padding and checksum are
/// derived on emit.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketRepr {
    /// Management Controller ID (0x00 unless the MC configured another).
    pub mc_id: u8,
    /// Instance ID: 1..=255 for commands and responses, 0 for AENs.
    pub iid: u8,
    /// Package and channel addressed.
    pub channel: ChannelId,
    /// Command, response or AEN.
    pub body: Body,
}

impl PacketRepr {
    /// A command packet with MC ID 0.
    pub fn command(iid: u8, channel: ChannelId, command: Command) -> Self {
        PacketRepr {
            mc_id: 0,
            iid,
            channel,
            body: Body::Command(command),
        }
    }

    /// A response packet with MC ID 0.
    pub fn response(iid: u8, channel: ChannelId, response: Response) -> Self {
        PacketRepr {
            mc_id: 0,
            iid,
            channel,
            body: Body::Response(response),
        }
    }

    /// An AEN packet (IID 0) with MC ID `mc_id`.
    pub fn aen(mc_id: u8, channel: ChannelId, aen: Aen) -> Self {
        PacketRepr {
            mc_id,
            iid: 0,
            channel,
            body: Body::Aen(aen),
        }
    }

    /// Parses a control packet and verifies its checksum (zero accepted, §8.2.2.3).
    /// Bytes after the checksum (Ethernet padding) are ignored.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let packet = ControlPacket::new_checked(bytes)?;
        packet.verify_checksum()?;
        Self::parse_packet(&packet)
    }

    /// Parses a control packet without looking at its checksum, for callers that
    /// count checksum errors separately.
    pub fn parse_packet<T: AsRef<[u8]>>(packet: &ControlPacket<T>) -> Result<Self> {
        packet.check_len()?;
        if packet.revision() != HEADER_REVISION {
            return Err(Error::Revision(packet.revision()));
        }
        let ty = packet.packet_type();
        let payload = packet.payload();
        let body = if ty == AEN_PACKET_TYPE {
            Body::Aen(Aen::parse(payload)?)
        } else if ty & RESPONSE_BIT != 0 {
            Body::Response(Response::parse(ty & !RESPONSE_BIT, payload)?)
        } else {
            Body::Command(Command::parse(ty, payload)?)
        };
        Ok(PacketRepr {
            mc_id: packet.mc_id(),
            iid: packet.iid(),
            channel: packet.channel(),
            body,
        })
    }

    /// The control packet type byte.
    pub fn packet_type(&self) -> u8 {
        match &self.body {
            Body::Command(c) => c.command_type().into(),
            Body::Response(r) => u8::from(r.command_type()) | RESPONSE_BIT,
            Body::Aen(_) => AEN_PACKET_TYPE,
        }
    }

    /// The payload bytes, without padding.
    pub fn payload(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match &self.body {
            Body::Command(c) => c.emit_payload(&mut out),
            Body::Response(r) => r.emit_payload(&mut out),
            Body::Aen(a) => a.emit_payload(&mut out),
        }
        out
    }

    /// Checks that the packet can be put on the wire unambiguously.
    fn check_emittable(&self, payload_len: usize) -> Result<()> {
        if payload_len > MAX_PAYLOAD_LEN {
            return Err(Error::PayloadTooLong(payload_len));
        }
        match &self.body {
            // A command code of 0x80 or more would read back as a response.
            Body::Command(c) if u8::from(c.command_type()) >= RESPONSE_BIT => {
                Err(Error::Invalid("command type (must be below 0x80)"))
            }
            // The response to 0x7F would have type 0xFF, which is the AEN type.
            Body::Response(r) if u8::from(r.command_type()) >= 0x7F => {
                Err(Error::Invalid("response command type (must be below 0x7F)"))
            }
            _ => Ok(()),
        }
    }

    /// Bytes [`emit`](Self::emit) writes: header, padded payload, checksum.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + padded_len(self.payload().len()) + CHECKSUM_LEN
    }

    /// Writes the packet into the front of `buf` and returns its length. Every byte
    /// of the packet is written, reserved fields and padding included.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let payload = self.payload();
        self.check_emittable(payload.len())?;
        let len = HEADER_LEN + padded_len(payload.len()) + CHECKSUM_LEN;
        let have = buf.len();
        let buf = buf
            .get_mut(..len)
            .ok_or(Error::BufferTooSmall { needed: len, have })?;
        let mut packet = ControlPacket::new_unchecked(buf);
        packet.set_mc_id(self.mc_id);
        packet.set_revision(HEADER_REVISION);
        packet.set_iid(self.iid);
        packet.set_packet_type(self.packet_type());
        packet.set_channel(self.channel);
        packet.set_payload_len(payload.len() as u16);
        packet.clear_reserved();
        packet.payload_mut().copy_from_slice(&payload);
        packet.clear_padding();
        packet.fill_checksum();
        Ok(len)
    }

    /// The packet as a new byte vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; self.buffer_len()];
        self.emit(&mut buf)?;
        Ok(buf)
    }
}
