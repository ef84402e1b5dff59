//! Vendor-defined MCTP messages with an IANA enterprise number (DMTF DSP0236 1.3 §13.2,
//! message type 0x7F), as the sidebridge OEM command set uses them when the card's BMC
//! is its own MCTP endpoint (`OEM.md` §2.1).
//!
//! ```text
//! byte 0     [7] IC  [6:0] message type 0x7F   (the message header, `Message::msg_type`)
//! bytes 1-4  IANA enterprise number, big-endian (`Message::body` starts here)
//! bytes 5-   vendor-defined payload: one OEM frame (`OEM.md` §3.1), or an OEM event
//!            (`OEM.md` §7) when the card sends it as tag owner
//! ```
//! The IC bit is clear: the OEM frame carries its own CRC-32 (`OEM.md` §3.3).

use super::{Eid, Message, MessageType};
use crate::error::{Error, Result};

/// Length of the enterprise number in front of the payload.
pub const IANA_LEN: usize = 4;

/// A vendor-defined (IANA) message: whose it is and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VendorIana<'a> {
    /// The IANA enterprise number (sidebridge's default: 32473).
    pub enterprise: u32,
    /// The vendor-defined payload.
    pub payload: &'a [u8],
}

impl<'a> VendorIana<'a> {
    /// Reads the body of an MCTP message of type 0x7F.
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let (iana, payload) = body
            .split_first_chunk::<IANA_LEN>()
            .ok_or(Error::Truncated {
                needed: IANA_LEN,
                have: body.len(),
            })?;
        Ok(VendorIana {
            enterprise: u32::from_be_bytes(*iana),
            payload,
        })
    }

    /// Reads the vendor-defined message `msg`, refusing other types and the IC bit.
    pub fn from_message(msg: &'a Message) -> Result<Self> {
        if msg.msg_type != MessageType::VendorIana {
            return Err(Error::Invalid(
                "MCTP message is not of type 0x7F (vendor IANA)",
            ));
        }
        if msg.ic {
            return Err(Error::Invalid("vendor-defined message with the IC bit set"));
        }
        Self::parse(&msg.body)
    }

    /// The message body: enterprise number, then payload.
    pub fn to_body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(IANA_LEN + self.payload.len());
        out.extend_from_slice(&self.enterprise.to_be_bytes());
        out.extend_from_slice(self.payload);
        out
    }

    /// An MCTP message carrying this payload.
    pub fn to_message(&self, dest: Eid, src: Eid, tag_owner: bool, tag: u8) -> Message {
        Message {
            dest,
            src,
            tag_owner,
            tag: tag & 0x07,
            ic: false,
            msg_type: MessageType::VendorIana,
            body: self.to_body(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GetPowerState (OEM frame, sequence 7) to enterprise 32473, written out by
    /// hand from §13.2 and `OEM.md` §3.1 (`tests/mctp_golden.rs` checks the
    /// independently encoded `vdm_*` frames of `golden_mctp.txt`).
    const GOLDEN: [u8; 24] = [
        0x00, 0x00, 0x7E, 0xD9, // IANA 32473
        0x01, 0x04, 0x00, 0x00, // version 1, GetPowerState, flags, result
        0x00, 0x00, 0x00, 0x07, // sequence 7
        0x00, 0x00, 0x00, 0x00, // offset 0
        0x00, 0x00, 0x00, 0x00, // total length 0
        0x00, 0x00, 0x00, 0x00, // CRC-32 of nothing
    ];

    #[test]
    fn golden_parse_and_emit() {
        let v = VendorIana::parse(&GOLDEN).unwrap();
        assert_eq!(v.enterprise, 32473);
        assert_eq!(v.payload.len(), 20);
        let f = crate::oem::Frame::parse(v.payload).unwrap();
        assert_eq!(f.command, crate::oem::CommandId::GetPowerState);
        assert_eq!(f.sequence, 7);
        assert_eq!(v.to_body(), GOLDEN);
        let m = v.to_message(9, 8, true, 3);
        assert_eq!(m.msg_type, MessageType::VendorIana);
        assert_eq!(VendorIana::from_message(&m).unwrap(), v);
    }

    #[test]
    fn short_and_wrong_messages_are_refused() {
        for n in 0..IANA_LEN {
            assert!(VendorIana::parse(&GOLDEN[..n]).is_err());
        }
        let mut m = VendorIana::parse(&GOLDEN)
            .unwrap()
            .to_message(9, 8, true, 3);
        m.ic = true;
        assert!(VendorIana::from_message(&m).is_err());
        m.ic = false;
        m.msg_type = MessageType::Ncsi;
        assert!(VendorIana::from_message(&m).is_err());
    }
}
