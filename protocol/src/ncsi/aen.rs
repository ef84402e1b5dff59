//! Asynchronous Event Notifications (DSP0222 1.2 §8.5): packet type 0xFF, IID 0.
//!
//! ```text
//! payload: | reserved (3) | AEN type (1) | AEN data ... |
//! ```

use super::fields::LinkStatus;
use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

/// AEN type codes (DSP0222 1.2 §8.5, Table 84).
pub mod aen_type {
    /// Link Status Change (§8.5.2).
    pub const LINK_STATUS_CHANGE: u8 = 0x00;
    /// Configuration Required (§8.5.3).
    pub const CONFIGURATION_REQUIRED: u8 = 0x01;
    /// Host NC Driver Status Change (§8.5.4).
    pub const HOST_NC_DRIVER_STATUS_CHANGE: u8 = 0x02;
    /// Delayed Response Ready (1.2, §8.5.5).
    pub const DELAYED_RESPONSE_READY: u8 = 0x03;
    /// First OEM AEN type; 0x80..=0xFF are OEM.
    pub const OEM_FIRST: u8 = 0x80;
}

/// An AEN and its data.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aen {
    /// Link Status Change: the new link status (payload 12 bytes).
    LinkStatusChange {
        /// Link Status word, as Get Link Status reports it.
        status: LinkStatus,
        /// OEM Link Status.
        oem_status: u32,
    },
    /// Configuration Required: the channel went back to the Initial State and must
    /// be re-initialised (payload 4 bytes).
    ConfigurationRequired,
    /// Host NC Driver Status Change (payload 8 bytes).
    HostNcDriverStatusChange {
        /// Host NC driver status; bit 0 set = the host driver is running.
        status: u32,
    },
    /// Delayed Response Ready (1.2): the response to an earlier command that answered
    /// Delayed Response is ready (payload 8 bytes).
    DelayedResponseReady {
        /// The original command type.
        command: u8,
        /// The original command's IID.
        iid: u8,
    },
    /// An OEM AEN (type 0x80..=0xFF) or a type this crate does not know, with its data.
    Other {
        /// The AEN type.
        aen_type: u8,
        /// The bytes after the AEN type.
        data: Vec<u8>,
    },
}

impl Aen {
    /// The AEN type code.
    pub fn aen_type(&self) -> u8 {
        match self {
            Self::LinkStatusChange { .. } => aen_type::LINK_STATUS_CHANGE,
            Self::ConfigurationRequired => aen_type::CONFIGURATION_REQUIRED,
            Self::HostNcDriverStatusChange { .. } => aen_type::HOST_NC_DRIVER_STATUS_CHANGE,
            Self::DelayedResponseReady { .. } => aen_type::DELAYED_RESPONSE_READY,
            Self::Other { aen_type, .. } => *aen_type,
        }
    }

    /// Whether the AEN type is in the OEM range.
    pub fn is_oem(&self) -> bool {
        self.aen_type() >= aen_type::OEM_FIRST
    }

    /// Parses an AEN payload.
    pub fn parse(payload: &[u8]) -> Result<Self> {
        let too_short = |expected| Error::PayloadLength {
            what: "AEN",
            expected,
            actual: payload.len(),
        };
        let mut r = Reader::new(payload);
        r.skip(3).map_err(|_| too_short(4))?;
        let ty = r.u8().map_err(|_| too_short(4))?;
        Ok(match ty {
            aen_type::LINK_STATUS_CHANGE => Self::LinkStatusChange {
                status: LinkStatus(r.u32().map_err(|_| too_short(12))?),
                oem_status: r.u32().map_err(|_| too_short(12))?,
            },
            aen_type::CONFIGURATION_REQUIRED => Self::ConfigurationRequired,
            aen_type::HOST_NC_DRIVER_STATUS_CHANGE => Self::HostNcDriverStatusChange {
                status: r.u32().map_err(|_| too_short(8))?,
            },
            aen_type::DELAYED_RESPONSE_READY => {
                let command = r.u8().map_err(|_| too_short(8))?;
                let iid = r.u8().map_err(|_| too_short(8))?;
                r.skip(2).map_err(|_| too_short(8))?;
                Self::DelayedResponseReady { command, iid }
            }
            aen_type => Self::Other {
                aen_type,
                data: r.rest().to_vec(),
            },
        })
    }

    /// Appends the payload (without padding) to `out`.
    pub fn emit_payload(&self, out: &mut Vec<u8>) {
        let mut w = Writer::new(out);
        w.zeros(3).u8(self.aen_type());
        match self {
            Self::LinkStatusChange { status, oem_status } => {
                w.u32(status.0).u32(*oem_status);
            }
            Self::ConfigurationRequired => {}
            Self::HostNcDriverStatusChange { status } => {
                w.u32(*status);
            }
            Self::DelayedResponseReady { command, iid } => {
                w.u8(*command).u8(*iid).zeros(2);
            }
            Self::Other { data, .. } => {
                w.bytes(data);
            }
        }
    }
}
