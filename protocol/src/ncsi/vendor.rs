//! OEM Command (0x50) payloads (DSP0222 1.2 §8.4.58/§8.4.59): a 4-byte IANA
//! manufacturer id, then vendor data. Also the vendor "get MAC address" commands the
//! Linux kernel sends (`net/ncsi/ncsi-manage.c`, `ncsi_oem_gma_handler_*`; offsets as
//! `net/ncsi/internal.h` defines them), so the daemon can learn the address the NC
//! provisioned for the BMC.

use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

/// IANA enterprise number of Mellanox (NVIDIA networking).
pub const MANUFACTURER_MELLANOX: u32 = 0x8119;
/// IANA enterprise number of Broadcom.
pub const MANUFACTURER_BROADCOM: u32 = 0x113D;
/// IANA enterprise number of Intel.
pub const MANUFACTURER_INTEL: u32 = 0x0157;
/// The enterprise number RFC 5612 reserves for documentation (32473), the OEM
/// command set's default manufacturer id (`crate::oem::DEFAULT_MANUFACTURER_ID`).
pub const MANUFACTURER_DOCUMENTATION: u32 = 0x7ED9;

/// The vendors this crate knows, by IANA enterprise number.
const MANUFACTURERS: &[(u32, &str)] = &[
    (MANUFACTURER_MELLANOX, "Mellanox Technologies"),
    (MANUFACTURER_BROADCOM, "Broadcom"),
    (MANUFACTURER_INTEL, "Intel"),
    (
        MANUFACTURER_DOCUMENTATION,
        "Example (RFC 5612 documentation enterprise number)",
    ),
];

/// The name of the vendor with IANA enterprise number `iana`, when it is one of
/// [`MANUFACTURER_MELLANOX`], [`MANUFACTURER_BROADCOM`], [`MANUFACTURER_INTEL`] or
/// [`MANUFACTURER_DOCUMENTATION`].
pub fn manufacturer_name(iana: u32) -> Option<&'static str> {
    MANUFACTURERS
        .iter()
        .find(|(n, _)| *n == iana)
        .map(|(_, name)| *name)
}

/// The request payload of an OEM command: manufacturer id and vendor data.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OemCommand {
    /// IANA enterprise number of the vendor whose command set the data follows.
    pub manufacturer_id: u32,
    /// Vendor-defined bytes.
    pub data: Vec<u8>,
}

impl OemCommand {
    /// Parses an OEM command payload (at least the 4-byte manufacturer id).
    pub fn parse(payload: &[u8]) -> Result<Self> {
        if payload.len() < 4 {
            return Err(Error::PayloadLength {
                what: "OEM Command",
                expected: 4,
                actual: payload.len(),
            });
        }
        let mut r = Reader::new(payload);
        Ok(OemCommand {
            manufacturer_id: r.u32()?,
            data: r.rest().to_vec(),
        })
    }

    /// Appends the payload to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        Writer::new(out).u32(self.manufacturer_id).bytes(&self.data);
    }

    /// The vendor get-MAC request this is, if it is one.
    pub fn vendor_get_mac(&self) -> Option<VendorGetMac> {
        VendorGetMac::ALL.into_iter().find(|v| *self == v.request())
    }
}

/// The response data of an OEM command after the response and reason codes.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OemResponse {
    /// IANA enterprise number of the vendor.
    pub manufacturer_id: u32,
    /// Vendor-defined bytes.
    pub data: Vec<u8>,
}

impl OemResponse {
    /// Parses the bytes after the response and reason codes.
    pub fn parse(data: &[u8]) -> Result<Self> {
        let OemCommand {
            manufacturer_id,
            data,
        } = OemCommand::parse(data).map_err(|_| Error::PayloadLength {
            what: "OEM Command response",
            expected: 8,
            actual: data.len() + 4,
        })?;
        Ok(OemResponse {
            manufacturer_id,
            data,
        })
    }

    /// Appends the bytes after the response and reason codes to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        Writer::new(out).u32(self.manufacturer_id).bytes(&self.data);
    }
}

/// The vendor "get MAC address" commands the Linux kernel sends during configuration.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VendorGetMac {
    /// Mellanox "Get Allocated Management Address": command 0x00, parameter 0x1B.
    Mellanox,
    /// Broadcom "Get MAC": command type 0x01.
    Broadcom,
    /// Intel "Get MAC": command 0x06.
    Intel,
}

/// Where each vendor's response carries the MAC, counted in the data after the
/// manufacturer id (`MLX_MAC_ADDR_OFFSET`, `BCM_MAC_ADDR_OFFSET`,
/// `INTEL_MAC_ADDR_OFFSET` in the kernel).
const MELLANOX_MAC_AT: usize = 8;
const BROADCOM_MAC_AT: usize = 28;
const INTEL_MAC_AT: usize = 1;

impl VendorGetMac {
    /// All three vendors.
    pub const ALL: [VendorGetMac; 3] = [Self::Mellanox, Self::Broadcom, Self::Intel];

    /// The vendor's IANA enterprise number.
    pub const fn manufacturer_id(self) -> u32 {
        match self {
            Self::Mellanox => MANUFACTURER_MELLANOX,
            Self::Broadcom => MANUFACTURER_BROADCOM,
            Self::Intel => MANUFACTURER_INTEL,
        }
    }

    /// The vendor for a manufacturer id.
    pub fn from_manufacturer(id: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.manufacturer_id() == id)
    }

    /// The request exactly as the kernel builds it: Mellanox 8 bytes (IANA, command
    /// revision 0, command 0x00, parameter 0x1B, host 0), Broadcom 12 bytes (IANA,
    /// version 0, type 0x01, length 0, 4 zero bytes), Intel 5 bytes (IANA, command
    /// 0x06).
    pub fn request(self) -> OemCommand {
        let data = match self {
            Self::Mellanox => vec![0x00, 0x00, 0x1B, 0x00],
            Self::Broadcom => vec![0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            Self::Intel => vec![0x06],
        };
        OemCommand {
            manufacturer_id: self.manufacturer_id(),
            data,
        }
    }

    /// The response an NC gives carrying `mac`, laid out where the kernel reads it.
    pub fn response(self, mac: [u8; 6]) -> OemResponse {
        let (mut data, at) = match self {
            // revision, command, parameter, host, status (1 = address allocated), 3 rsvd
            Self::Mellanox => (vec![0x00, 0x00, 0x1B, 0x00, 0x01, 0, 0, 0], MELLANOX_MAC_AT),
            // version, type, length of what follows the 4-byte vendor header
            Self::Broadcom => (vec![0x00, 0x01, 0x00, 0x20], BROADCOM_MAC_AT),
            Self::Intel => (vec![0x06], INTEL_MAC_AT),
        };
        data.resize(at, 0);
        data.extend_from_slice(&mac);
        OemResponse {
            manufacturer_id: self.manufacturer_id(),
            data,
        }
    }

    /// The MAC a vendor get-MAC response carries, as it sits in the packet.
    ///
    /// Broadcom and Intel report the host's address; the kernel gives the BMC that
    /// address plus one (see [`VendorMac::bmc_mac`]).
    pub fn parse_response(rsp: &OemResponse) -> Result<VendorMac> {
        let vendor = Self::from_manufacturer(rsp.manufacturer_id).ok_or(Error::Invalid(
            "manufacturer id for a vendor get-MAC response",
        ))?;
        let (at, command_ok) = match vendor {
            Self::Mellanox => (
                MELLANOX_MAC_AT,
                rsp.data.get(1..3) == Some(&[0x00, 0x1B][..]),
            ),
            Self::Broadcom => (BROADCOM_MAC_AT, rsp.data.get(1) == Some(&0x01)),
            Self::Intel => (INTEL_MAC_AT, rsp.data.first() == Some(&0x06)),
        };
        if !command_ok {
            return Err(Error::Invalid(
                "vendor OEM response: not a get-MAC response",
            ));
        }
        let mac = rsp.data.get(at..at + 6).ok_or(Error::Truncated {
            needed: 4 + at + 6,
            have: 4 + rsp.data.len(),
        })?;
        let mut out = [0u8; 6];
        out.copy_from_slice(mac);
        Ok(VendorMac { vendor, mac: out })
    }
}

/// A MAC address read from a vendor get-MAC response.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VendorMac {
    /// Whose command set answered.
    pub vendor: VendorGetMac,
    /// The address as the response carries it.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::mac"))]
    pub mac: [u8; 6],
}

impl VendorMac {
    /// The address the management controller should use: Broadcom and Intel report
    /// the host's, and the kernel adds one (`eth_addr_inc`); Mellanox reports the
    /// allocated management address itself.
    pub fn bmc_mac(&self) -> [u8; 6] {
        match self.vendor {
            VendorGetMac::Mellanox => self.mac,
            VendorGetMac::Broadcom | VendorGetMac::Intel => {
                let v = u64::from_be_bytes([
                    0,
                    0,
                    self.mac[0],
                    self.mac[1],
                    self.mac[2],
                    self.mac[3],
                    self.mac[4],
                    self.mac[5],
                ]);
                let b = (v.wrapping_add(1) & 0xFFFF_FFFF_FFFF).to_be_bytes();
                [b[2], b[3], b[4], b[5], b[6], b[7]]
            }
        }
    }
}
