//! NC-SI over MCTP (DMTF DSP0261 1.2).
//!
//! An NC-SI control packet (command, response or AEN) travels as one MCTP message of
//! type 0x02 with the IC bit clear; its body is the control packet exactly as over RBT
//! — the 16-byte header, the payload padded to four bytes, and the 32-bit checksum —
//! without the Ethernet header and without Ethernet's 60-byte minimum padding
//! (DSP0261 1.2 §6.2; the same layout Intel's I210 datasheet §10.7.5.1.1 draws).
//! Pass-through traffic uses type 0x03 and is not carried by sidebridge.
//!
//! Tags follow DSP0236: the management controller sends commands as tag owner; the
//! controller answers with the same tag and the owner bit clear; AENs are unsolicited,
//! so the controller sends them as tag owner with a tag of its choosing.

use super::{Eid, Message, MessageType};
use crate::error::{Error, Result};
use crate::ncsi::PacketRepr;

/// Wraps an NC-SI control packet in an MCTP message.
pub fn to_message(
    packet: &PacketRepr,
    dest: Eid,
    src: Eid,
    tag_owner: bool,
    tag: u8,
) -> Result<Message> {
    Ok(Message {
        dest,
        src,
        tag_owner,
        tag: tag & 0x07,
        ic: false,
        msg_type: MessageType::Ncsi,
        body: packet.to_bytes()?,
    })
}

/// The NC-SI control packet inside an MCTP message of type 0x02.
pub fn from_message(msg: &Message) -> Result<PacketRepr> {
    if msg.msg_type != MessageType::Ncsi {
        return Err(Error::Invalid("MCTP message is not of type 0x02 (NC-SI)"));
    }
    if msg.ic {
        return Err(Error::Invalid(
            "NC-SI over MCTP message with the integrity check bit set",
        ));
    }
    PacketRepr::parse(&msg.body)
}
