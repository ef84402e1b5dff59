//! NC-SI responses (DSP0222 1.2 §8.4): response code, reason code, then the data of
//! the command answered.
//!
//! A response whose code is Command Completed carries the command's typed data
//! ([`ResponseData`]); any other code (failed, unavailable, unsupported, delayed,
//! vendor) keeps whatever follows the codes as raw bytes, since DSP0222 does not
//! promise the data fields of a response that did not complete.

use super::codes::{CommandType, ReasonCode, ResponseCode};
use super::fields::{
    AenControl, BroadcastFilter, CapabilityFlags, ConfigurationFlags, LinkSettings, LinkStatus,
    MulticastFilter,
};
use super::vendor::OemResponse;
use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

/// A response: codes and data.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Response Code (§8.2.5, Table 9).
    pub code: ResponseCode,
    /// Reason Code (§8.2.5, Tables 10–11).
    pub reason: ReasonCode,
    /// What follows the codes.
    pub data: ResponseData,
}

/// The data of a response after the response and reason codes.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseData {
    /// A completed command whose response has no data (response payload 4 bytes).
    Empty(CommandType),
    /// Get Link Status (§8.4.24): 12 bytes.
    LinkStatus(LinkStatusData),
    /// Get Version ID (§8.4.45): 36 bytes.
    VersionId(VersionId),
    /// Get Capabilities (§8.4.47): 28 bytes.
    Capabilities(Capabilities),
    /// Get Parameters (§8.4.49): 28 bytes plus MAC and VLAN tables.
    Parameters(Parameters),
    /// Get Controller Packet Statistics (§8.4.51): 200 bytes.
    ControllerPacketStatistics(Box<ControllerPacketStatistics>),
    /// Get NC-SI Statistics (§8.4.53): 28 bytes.
    NcsiStatistics(NcsiStatistics),
    /// Get NC-SI Pass-through Statistics (§8.4.55): 44 bytes.
    PassthroughStatistics(PassthroughStatistics),
    /// Get Package Status (§8.4.57): 4 bytes.
    PackageStatus(PackageStatus),
    /// OEM Command (§8.4.59): manufacturer id and vendor data.
    Oem(OemResponse),
    /// PLDM (§8.4.61): the PLDM response, raw.
    Pldm(Vec<u8>),
    /// Get Package UUID (§8.4.63): 16 bytes.
    PackageUuid(
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::uuid"))] [u8; 16],
    ),
    /// Query Pending NC PLDM Request (§8.4.65): the pending PLDM request, raw.
    PendingPldmRequest(Vec<u8>),
    /// Get MC MAC Address (§8.4.69): the addresses the NC holds for the MC.
    McMacAddresses(
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::macs"))]
        Vec<[u8; 6]>,
    ),
    /// Bytes after the codes kept unparsed: a response that did not complete, or a
    /// response to a command type this crate does not know.
    Raw {
        /// The command answered.
        command: CommandType,
        /// The bytes after the response and reason codes.
        bytes: Vec<u8>,
    },
}

/// Get Link Status data (DSP0222 1.2 §8.4.24, Table 42).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct LinkStatusData {
    /// Link Status word.
    pub status: LinkStatus,
    /// Other Indications (bit 0: host NC driver status).
    pub other_indications: u32,
    /// OEM Link Status.
    pub oem_status: u32,
}

/// Get Version ID data (DSP0222 1.2 §8.4.45, Table 62).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct VersionId {
    /// NC-SI version: major, minor, update (BCD; 0xF in the high nibble for one digit,
    /// 0xFF for "none") and alpha1 (ASCII or 0).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::dotted4"))]
    pub ncsi_version: [u8; 4],
    /// Alpha2 of the NC-SI version (ASCII or 0).
    pub alpha2: u8,
    /// Firmware name string, 12 bytes, NUL padded.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::ascii"))]
    pub firmware_name: [u8; 12],
    /// Firmware version (vendor defined; typically 4 bytes major.minor.x.y).
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::text::ser::dotted_u32")
    )]
    pub firmware_version: u32,
    /// PCI Device ID.
    pub pci_device_id: u16,
    /// PCI Vendor ID.
    pub pci_vendor_id: u16,
    /// PCI Subsystem ID.
    pub pci_subsystem_id: u16,
    /// PCI Subsystem Vendor ID.
    pub pci_subsystem_vendor_id: u16,
    /// IANA Manufacturer ID.
    pub manufacturer_id: u32,
}

impl VersionId {
    /// The firmware name without trailing NULs or spaces (lossy UTF-8).
    pub fn firmware_name(&self) -> String {
        let end = self
            .firmware_name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(12);
        String::from_utf8_lossy(&self.firmware_name[..end])
            .trim_end()
            .to_string()
    }

    /// The firmware version as four dotted bytes, e.g. `16.35.2000.0` style vendors
    /// use ("hh.hh.hh.hh" in hex is how tshark prints it).
    pub fn firmware_version_dotted(&self) -> String {
        let b = self.firmware_version.to_be_bytes();
        format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
    }

    /// The NC-SI version, e.g. "1.2.0" (BCD digits; 0xF nibbles and 0xFF bytes
    /// dropped), with alpha characters appended.
    pub fn ncsi_version_string(&self) -> String {
        let mut parts = Vec::new();
        for &b in &self.ncsi_version[..3] {
            if b == 0xFF {
                break;
            }
            let hi = b >> 4;
            let lo = b & 0x0F;
            parts.push(if hi == 0x0F {
                format!("{lo}")
            } else {
                format!("{hi}{lo}")
            });
        }
        let mut s = parts.join(".");
        for a in [self.ncsi_version[3], self.alpha2] {
            if a.is_ascii_alphabetic() {
                s.push(a as char);
            }
        }
        s
    }
}

/// Get Capabilities data (DSP0222 1.2 §8.4.47, Table 66).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Capabilities {
    /// Capabilities Flags.
    pub flags: CapabilityFlags,
    /// Broadcast Packet Filter Capabilities.
    pub broadcast_filter: BroadcastFilter,
    /// Multicast Packet Filter Capabilities.
    pub multicast_filter: MulticastFilter,
    /// Buffering Capability: bytes the NC can buffer for pass-through to the MC.
    pub buffering: u32,
    /// AEN Control Support.
    pub aen_control: AenControl,
    /// VLAN Filter Count.
    pub vlan_filter_count: u8,
    /// Mixed Filter Count.
    pub mixed_filter_count: u8,
    /// Multicast Filter Count.
    pub multicast_filter_count: u8,
    /// Unicast Filter Count.
    pub unicast_filter_count: u8,
    /// VLAN Mode Support (bit 0 VLAN only, bit 1 VLAN + non-VLAN, bit 2 any VLAN +
    /// non-VLAN).
    pub vlan_mode_support: u8,
    /// Channel Count: channels in the package.
    pub channel_count: u8,
}

/// Get Parameters data (DSP0222 1.2 §8.4.49, Table 71).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Parameters {
    /// MAC Address Flags: bit n set = MAC filter n+1 enabled.
    pub mac_flags: u8,
    /// VLAN Tag Flags: bit n set = VLAN filter n+1 enabled.
    pub vlan_flags: u16,
    /// Link Settings in force.
    pub link_settings: LinkSettings,
    /// Broadcast Packet Filter settings in force.
    pub broadcast_filter: BroadcastFilter,
    /// Configuration Flags.
    pub configuration: ConfigurationFlags,
    /// VLAN Mode in force.
    pub vlan_mode: u8,
    /// Flow Control Enable.
    pub flow_control: u8,
    /// AEN Control in force.
    pub aen_control: AenControl,
    /// The MAC filter table (at most 255 entries; the count byte is derived).
    #[cfg_attr(
        test,
        proptest(
            strategy = "proptest::collection::vec(proptest::prelude::any::<[u8; 6]>(), 0..9)"
        )
    )]
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::macs"))]
    pub macs: Vec<[u8; 6]>,
    /// The VLAN filter table (at most 255 entries; the count byte is derived).
    #[cfg_attr(
        test,
        proptest(strategy = "proptest::collection::vec(proptest::prelude::any::<u16>(), 0..16)")
    )]
    pub vlans: Vec<u16>,
}

/// Get Controller Packet Statistics data (DSP0222 1.2 §8.4.51, Table 74): the
/// 1.1+ layout with 64-bit byte and packet totals.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct ControllerPacketStatistics {
    /// Counters Cleared From Last Read: bit n set = counter n wrapped or was cleared.
    pub counters_cleared: u64,
    /// Total Bytes Received.
    pub rx_bytes: u64,
    /// Total Bytes Transmitted.
    pub tx_bytes: u64,
    /// Total Unicast Packets Received.
    pub rx_unicast: u64,
    /// Total Multicast Packets Received.
    pub rx_multicast: u64,
    /// Total Broadcast Packets Received.
    pub rx_broadcast: u64,
    /// Total Unicast Packets Transmitted.
    pub tx_unicast: u64,
    /// Total Multicast Packets Transmitted.
    pub tx_multicast: u64,
    /// Total Broadcast Packets Transmitted.
    pub tx_broadcast: u64,
    /// FCS Receive Errors.
    pub fcs_errors: u32,
    /// Alignment Errors.
    pub alignment_errors: u32,
    /// False Carrier Detections.
    pub false_carrier: u32,
    /// Runt Packets Received.
    pub runt_packets: u32,
    /// Jabber Packets Received.
    pub jabber_packets: u32,
    /// Pause XON Frames Received.
    pub rx_pause_xon: u32,
    /// Pause XOFF Frames Received.
    pub rx_pause_xoff: u32,
    /// Pause XON Frames Transmitted.
    pub tx_pause_xon: u32,
    /// Pause XOFF Frames Transmitted.
    pub tx_pause_xoff: u32,
    /// Single Collision Transmit Frames.
    pub single_collision: u32,
    /// Multiple Collision Transmit Frames.
    pub multiple_collision: u32,
    /// Late Collision Frames.
    pub late_collision: u32,
    /// Excessive Collision Frames.
    pub excessive_collision: u32,
    /// Control Frames Received.
    pub rx_control_frames: u32,
    /// Frames received by size: 64, 65–127, 128–255, 256–511, 512–1023, 1024–1522,
    /// 1523–9022 bytes.
    pub rx_frames_by_size: [u32; 7],
    /// Frames transmitted by size, same bins.
    pub tx_frames_by_size: [u32; 7],
    /// Valid Bytes Received.
    pub rx_valid_bytes: u64,
    /// Error Runt Packets Received.
    pub rx_error_runt: u32,
    /// Error Jabber Packets Received.
    pub rx_error_jabber: u32,
}

/// Get NC-SI Statistics data (DSP0222 1.2 §8.4.53, Table 77).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct NcsiStatistics {
    /// NC-SI Commands Received.
    pub commands_received: u32,
    /// NC-SI Control Packets Dropped.
    pub control_packets_dropped: u32,
    /// NC-SI Command Type Errors.
    pub command_type_errors: u32,
    /// NC-SI Command Checksum Errors.
    pub command_checksum_errors: u32,
    /// NC-SI Receive Packets.
    pub receive_packets: u32,
    /// NC-SI Transmit Packets.
    pub transmit_packets: u32,
    /// AENs Sent.
    pub aens_sent: u32,
}

/// Get NC-SI Pass-through Statistics data (DSP0222 1.2 §8.4.55, Table 80).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct PassthroughStatistics {
    /// Pass-through TX Packets Received on the NC-SI RX interface (MC to NC).
    pub tx_packets: u64,
    /// Pass-through TX Packets Dropped.
    pub tx_dropped: u32,
    /// Pass-through TX Packet Channel State Errors.
    pub tx_channel_state_errors: u32,
    /// Pass-through TX Packet Undersized Errors.
    pub tx_undersized: u32,
    /// Pass-through TX Packet Oversized Errors.
    pub tx_oversized: u32,
    /// Pass-through RX Packets Received on the LAN interface.
    pub rx_packets: u32,
    /// Total Pass-through RX Packets Dropped.
    pub rx_dropped: u32,
    /// Pass-through RX Packet Channel State Errors.
    pub rx_channel_state_errors: u32,
    /// Pass-through RX Packet Undersized Errors.
    pub rx_undersized: u32,
    /// Pass-through RX Packet Oversized Errors.
    pub rx_oversized: u32,
}

/// Get Package Status data (DSP0222 1.2 §8.4.57, Table 82).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct PackageStatus(pub u32);

impl PackageStatus {
    /// Bit 0: hardware arbitration status (the package has the arbitration token).
    pub const fn hardware_arbitration(self) -> bool {
        self.0 & 1 != 0
    }
}

/// Fixed data lengths (after the 4 code bytes) of the fixed-size responses.
const LINK_STATUS_LEN: usize = 12;
const VERSION_ID_LEN: usize = 36;
const CAPABILITIES_LEN: usize = 28;
const PARAMETERS_FIXED_LEN: usize = 28;
const CONTROLLER_STATS_LEN: usize = 200;
const NCSI_STATS_LEN: usize = 28;
const PASSTHROUGH_STATS_LEN: usize = 44;
const PACKAGE_STATUS_LEN: usize = 4;
const UUID_LEN: usize = 16;

/// Checks that `data` holds at least the fixed part DSP0222 defines. Longer data is
/// accepted (later revisions may append fields) and the extra bytes ignored.
fn expect_at_least(what: &'static str, data: &[u8], len: usize) -> Result<()> {
    if data.len() >= len {
        Ok(())
    } else {
        Err(Error::PayloadLength {
            what,
            expected: len + 4,
            actual: data.len() + 4,
        })
    }
}

impl Response {
    /// A Command Completed response with no error and `data`.
    pub fn completed(data: ResponseData) -> Self {
        Response {
            code: ResponseCode::Completed,
            reason: ReasonCode::NoError,
            data,
        }
    }

    /// A response that did not complete, with no data.
    pub fn error(command: CommandType, code: ResponseCode, reason: ReasonCode) -> Self {
        Response {
            code,
            reason,
            data: ResponseData::Raw {
                command,
                bytes: Vec::new(),
            },
        }
    }

    /// The command this response answers.
    pub fn command_type(&self) -> CommandType {
        self.data.command_type()
    }

    /// Whether the command completed.
    pub fn is_completed(&self) -> bool {
        self.code == ResponseCode::Completed
    }

    /// Parses a response payload to command `command`.
    pub fn parse(command: u8, payload: &[u8]) -> Result<Self> {
        let command = CommandType::from(command);
        let mut r = Reader::new(payload);
        let code = ResponseCode::from(r.u16().map_err(|_| Error::PayloadLength {
            what: "response",
            expected: 4,
            actual: payload.len(),
        })?);
        let reason = ReasonCode::from(r.u16().map_err(|_| Error::PayloadLength {
            what: "response",
            expected: 4,
            actual: payload.len(),
        })?);
        let rest = r.rest();
        let data = if code == ResponseCode::Completed {
            ResponseData::parse(command, rest)?
        } else {
            ResponseData::Raw {
                command,
                bytes: rest.to_vec(),
            }
        };
        Ok(Response { code, reason, data })
    }

    /// Appends the payload (codes and data, without padding) to `out`.
    pub fn emit_payload(&self, out: &mut Vec<u8>) {
        Writer::new(out)
            .u16(self.code.into())
            .u16(self.reason.into());
        self.data.emit(out);
    }
}

impl ResponseData {
    /// The command whose response this is.
    pub fn command_type(&self) -> CommandType {
        use CommandType as T;
        match self {
            Self::Empty(t) => *t,
            Self::LinkStatus(_) => T::GetLinkStatus,
            Self::VersionId(_) => T::GetVersionId,
            Self::Capabilities(_) => T::GetCapabilities,
            Self::Parameters(_) => T::GetParameters,
            Self::ControllerPacketStatistics(_) => T::GetControllerPacketStatistics,
            Self::NcsiStatistics(_) => T::GetNcsiStatistics,
            Self::PassthroughStatistics(_) => T::GetNcsiPassthroughStatistics,
            Self::PackageStatus(_) => T::GetPackageStatus,
            Self::Oem(_) => T::Oem,
            Self::Pldm(_) => T::Pldm,
            Self::PackageUuid(_) => T::GetPackageUuid,
            Self::PendingPldmRequest(_) => T::QueryPendingNcPldmRequest,
            Self::McMacAddresses(_) => T::GetMcMacAddress,
            Self::Raw { command, .. } => *command,
        }
    }

    /// Whether a completed response to `command` has no data (4-byte payload).
    pub fn is_empty_response(command: CommandType) -> bool {
        use CommandType as T;
        matches!(
            command,
            T::ClearInitialState
                | T::SelectPackage
                | T::DeselectPackage
                | T::EnableChannel
                | T::DisableChannel
                | T::ResetChannel
                | T::EnableChannelNetworkTx
                | T::DisableChannelNetworkTx
                | T::AenEnable
                | T::SetLink
                | T::SetVlanFilter
                | T::EnableVlan
                | T::DisableVlan
                | T::SetMacAddress
                | T::EnableBroadcastFilter
                | T::DisableBroadcastFilter
                | T::EnableGlobalMulticastFilter
                | T::DisableGlobalMulticastFilter
                | T::SetNcsiFlowControl
                | T::SendNcPldmReply
        )
    }

    /// Parses the data of a completed response to `command`.
    pub fn parse(command: CommandType, data: &[u8]) -> Result<Self> {
        use CommandType as T;
        let name = command.name();
        let mut r = Reader::new(data);
        Ok(match command {
            t if Self::is_empty_response(t) => Self::Empty(t),
            T::GetLinkStatus => {
                expect_at_least(name, data, LINK_STATUS_LEN)?;
                Self::LinkStatus(LinkStatusData {
                    status: LinkStatus(r.u32()?),
                    other_indications: r.u32()?,
                    oem_status: r.u32()?,
                })
            }
            T::GetVersionId => {
                expect_at_least(name, data, VERSION_ID_LEN)?;
                let ncsi_version = r.array()?;
                r.skip(3)?;
                Self::VersionId(VersionId {
                    ncsi_version,
                    alpha2: r.u8()?,
                    firmware_name: r.array()?,
                    firmware_version: r.u32()?,
                    pci_device_id: r.u16()?,
                    pci_vendor_id: r.u16()?,
                    pci_subsystem_id: r.u16()?,
                    pci_subsystem_vendor_id: r.u16()?,
                    manufacturer_id: r.u32()?,
                })
            }
            T::GetCapabilities => {
                expect_at_least(name, data, CAPABILITIES_LEN)?;
                let flags = CapabilityFlags(r.u32()?);
                let broadcast_filter = BroadcastFilter(r.u32()?);
                let multicast_filter = MulticastFilter(r.u32()?);
                let buffering = r.u32()?;
                let aen_control = AenControl(r.u32()?);
                let vlan_filter_count = r.u8()?;
                let mixed_filter_count = r.u8()?;
                let multicast_filter_count = r.u8()?;
                let unicast_filter_count = r.u8()?;
                r.skip(2)?;
                Self::Capabilities(Capabilities {
                    flags,
                    broadcast_filter,
                    multicast_filter,
                    buffering,
                    aen_control,
                    vlan_filter_count,
                    mixed_filter_count,
                    multicast_filter_count,
                    unicast_filter_count,
                    vlan_mode_support: r.u8()?,
                    channel_count: r.u8()?,
                })
            }
            T::GetParameters => {
                expect_at_least(name, data, PARAMETERS_FIXED_LEN)?;
                let mac_count = r.u8()?;
                r.skip(2)?;
                let mac_flags = r.u8()?;
                let vlan_count = r.u8()?;
                r.skip(1)?;
                let vlan_flags = r.u16()?;
                let link_settings = LinkSettings(r.u32()?);
                let broadcast_filter = BroadcastFilter(r.u32()?);
                let configuration = ConfigurationFlags(r.u32()?);
                let vlan_mode = r.u8()?;
                let flow_control = r.u8()?;
                r.skip(2)?;
                let aen_control = AenControl(r.u32()?);
                let needed =
                    PARAMETERS_FIXED_LEN + 6 * usize::from(mac_count) + 2 * usize::from(vlan_count);
                expect_at_least(name, data, needed)?;
                let macs = (0..mac_count).map(|_| r.array()).collect::<Result<_>>()?;
                let vlans = (0..vlan_count).map(|_| r.u16()).collect::<Result<_>>()?;
                Self::Parameters(Parameters {
                    mac_flags,
                    vlan_flags,
                    link_settings,
                    broadcast_filter,
                    configuration,
                    vlan_mode,
                    flow_control,
                    aen_control,
                    macs,
                    vlans,
                })
            }
            T::GetControllerPacketStatistics => {
                expect_at_least(name, data, CONTROLLER_STATS_LEN)?;
                let mut s = ControllerPacketStatistics {
                    counters_cleared: r.u64()?,
                    rx_bytes: r.u64()?,
                    tx_bytes: r.u64()?,
                    rx_unicast: r.u64()?,
                    rx_multicast: r.u64()?,
                    rx_broadcast: r.u64()?,
                    tx_unicast: r.u64()?,
                    tx_multicast: r.u64()?,
                    tx_broadcast: r.u64()?,
                    fcs_errors: r.u32()?,
                    alignment_errors: r.u32()?,
                    false_carrier: r.u32()?,
                    runt_packets: r.u32()?,
                    jabber_packets: r.u32()?,
                    rx_pause_xon: r.u32()?,
                    rx_pause_xoff: r.u32()?,
                    tx_pause_xon: r.u32()?,
                    tx_pause_xoff: r.u32()?,
                    single_collision: r.u32()?,
                    multiple_collision: r.u32()?,
                    late_collision: r.u32()?,
                    excessive_collision: r.u32()?,
                    rx_control_frames: r.u32()?,
                    ..Default::default()
                };
                for v in &mut s.rx_frames_by_size {
                    *v = r.u32()?;
                }
                for v in &mut s.tx_frames_by_size {
                    *v = r.u32()?;
                }
                s.rx_valid_bytes = r.u64()?;
                s.rx_error_runt = r.u32()?;
                s.rx_error_jabber = r.u32()?;
                Self::ControllerPacketStatistics(Box::new(s))
            }
            T::GetNcsiStatistics => {
                expect_at_least(name, data, NCSI_STATS_LEN)?;
                Self::NcsiStatistics(NcsiStatistics {
                    commands_received: r.u32()?,
                    control_packets_dropped: r.u32()?,
                    command_type_errors: r.u32()?,
                    command_checksum_errors: r.u32()?,
                    receive_packets: r.u32()?,
                    transmit_packets: r.u32()?,
                    aens_sent: r.u32()?,
                })
            }
            T::GetNcsiPassthroughStatistics => {
                expect_at_least(name, data, PASSTHROUGH_STATS_LEN)?;
                Self::PassthroughStatistics(PassthroughStatistics {
                    tx_packets: r.u64()?,
                    tx_dropped: r.u32()?,
                    tx_channel_state_errors: r.u32()?,
                    tx_undersized: r.u32()?,
                    tx_oversized: r.u32()?,
                    rx_packets: r.u32()?,
                    rx_dropped: r.u32()?,
                    rx_channel_state_errors: r.u32()?,
                    rx_undersized: r.u32()?,
                    rx_oversized: r.u32()?,
                })
            }
            T::GetPackageStatus => {
                expect_at_least(name, data, PACKAGE_STATUS_LEN)?;
                Self::PackageStatus(PackageStatus(r.u32()?))
            }
            T::Oem => Self::Oem(OemResponse::parse(data)?),
            T::Pldm => Self::Pldm(data.to_vec()),
            T::GetPackageUuid => {
                expect_at_least(name, data, UUID_LEN)?;
                Self::PackageUuid(r.array()?)
            }
            T::QueryPendingNcPldmRequest => Self::PendingPldmRequest(data.to_vec()),
            T::GetMcMacAddress => {
                expect_at_least(name, data, 4)?;
                let count = r.u8()?;
                r.skip(3)?;
                expect_at_least(name, data, 4 + 6 * usize::from(count))?;
                let macs = (0..count).map(|_| r.array()).collect::<Result<_>>()?;
                Self::McMacAddresses(macs)
            }
            other => Self::Raw {
                command: other,
                bytes: data.to_vec(),
            },
        })
    }

    /// Appends the data (after the codes, without padding) to `out`.
    ///
    /// Tables longer than their 8-bit count field (Get Parameters, Get MC MAC
    /// Address) are cut to 255 entries.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut w = Writer::new(out);
        match self {
            Self::Empty(_) => {}
            Self::LinkStatus(d) => {
                w.u32(d.status.0).u32(d.other_indications).u32(d.oem_status);
            }
            Self::VersionId(v) => {
                w.bytes(&v.ncsi_version)
                    .zeros(3)
                    .u8(v.alpha2)
                    .bytes(&v.firmware_name)
                    .u32(v.firmware_version)
                    .u16(v.pci_device_id)
                    .u16(v.pci_vendor_id)
                    .u16(v.pci_subsystem_id)
                    .u16(v.pci_subsystem_vendor_id)
                    .u32(v.manufacturer_id);
            }
            Self::Capabilities(c) => {
                w.u32(c.flags.0)
                    .u32(c.broadcast_filter.0)
                    .u32(c.multicast_filter.0)
                    .u32(c.buffering)
                    .u32(c.aen_control.0)
                    .u8(c.vlan_filter_count)
                    .u8(c.mixed_filter_count)
                    .u8(c.multicast_filter_count)
                    .u8(c.unicast_filter_count)
                    .zeros(2)
                    .u8(c.vlan_mode_support)
                    .u8(c.channel_count);
            }
            Self::Parameters(p) => {
                let macs = &p.macs[..p.macs.len().min(255)];
                let vlans = &p.vlans[..p.vlans.len().min(255)];
                w.u8(macs.len() as u8)
                    .zeros(2)
                    .u8(p.mac_flags)
                    .u8(vlans.len() as u8)
                    .zeros(1)
                    .u16(p.vlan_flags)
                    .u32(p.link_settings.0)
                    .u32(p.broadcast_filter.0)
                    .u32(p.configuration.0)
                    .u8(p.vlan_mode)
                    .u8(p.flow_control)
                    .zeros(2)
                    .u32(p.aen_control.0);
                for mac in macs {
                    w.bytes(mac);
                }
                for vlan in vlans {
                    w.u16(*vlan);
                }
            }
            Self::ControllerPacketStatistics(s) => {
                w.u64(s.counters_cleared)
                    .u64(s.rx_bytes)
                    .u64(s.tx_bytes)
                    .u64(s.rx_unicast)
                    .u64(s.rx_multicast)
                    .u64(s.rx_broadcast)
                    .u64(s.tx_unicast)
                    .u64(s.tx_multicast)
                    .u64(s.tx_broadcast)
                    .u32(s.fcs_errors)
                    .u32(s.alignment_errors)
                    .u32(s.false_carrier)
                    .u32(s.runt_packets)
                    .u32(s.jabber_packets)
                    .u32(s.rx_pause_xon)
                    .u32(s.rx_pause_xoff)
                    .u32(s.tx_pause_xon)
                    .u32(s.tx_pause_xoff)
                    .u32(s.single_collision)
                    .u32(s.multiple_collision)
                    .u32(s.late_collision)
                    .u32(s.excessive_collision)
                    .u32(s.rx_control_frames);
                for v in s.rx_frames_by_size.iter().chain(&s.tx_frames_by_size) {
                    w.u32(*v);
                }
                w.u64(s.rx_valid_bytes)
                    .u32(s.rx_error_runt)
                    .u32(s.rx_error_jabber);
            }
            Self::NcsiStatistics(s) => {
                w.u32(s.commands_received)
                    .u32(s.control_packets_dropped)
                    .u32(s.command_type_errors)
                    .u32(s.command_checksum_errors)
                    .u32(s.receive_packets)
                    .u32(s.transmit_packets)
                    .u32(s.aens_sent);
            }
            Self::PassthroughStatistics(s) => {
                w.u64(s.tx_packets)
                    .u32(s.tx_dropped)
                    .u32(s.tx_channel_state_errors)
                    .u32(s.tx_undersized)
                    .u32(s.tx_oversized)
                    .u32(s.rx_packets)
                    .u32(s.rx_dropped)
                    .u32(s.rx_channel_state_errors)
                    .u32(s.rx_undersized)
                    .u32(s.rx_oversized);
            }
            Self::PackageStatus(s) => {
                w.u32(s.0);
            }
            Self::Oem(o) => o.emit(out),
            Self::PackageUuid(u) => {
                w.bytes(u);
            }
            Self::McMacAddresses(macs) => {
                let macs = &macs[..macs.len().min(255)];
                w.u8(macs.len() as u8).zeros(3);
                for mac in macs {
                    w.bytes(mac);
                }
            }
            Self::Pldm(b) | Self::PendingPldmRequest(b) | Self::Raw { bytes: b, .. } => {
                w.bytes(b);
            }
        }
    }
}
