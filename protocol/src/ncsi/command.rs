//! NC-SI commands (DSP0222 1.2 §8.4): the typed payload of every command packet.
//!
//! [`Command::parse`] takes the control packet type and the payload (without padding
//! or checksum); [`Command::emit_payload`] writes the payload back. A payload shorter
//! than the command needs is [`Error::PayloadLength`]; reserved bits are ignored on
//! parse and written as zero. Unknown command types keep their payload as raw bytes.

use super::codes::CommandType;
use super::fields::{AenControl, BroadcastFilter, LinkSettings, MulticastFilter};
use super::vendor::OemCommand;
use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

/// An NC-SI command with its parameters.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Clear Initial State (0x00, §8.4.3): leave the Initial State.
    ClearInitialState,
    /// Select Package (0x01, §8.4.5). Payload: 3 reserved bytes, then bit 0 of byte 3.
    SelectPackage {
        /// Hardware Arbitration Disable: the package drives the RBT without arbitration.
        hardware_arbitration_disable: bool,
    },
    /// Deselect Package (0x02, §8.4.7).
    DeselectPackage,
    /// Enable Channel (0x03, §8.4.9): start pass-through traffic to the MC.
    EnableChannel,
    /// Disable Channel (0x04, §8.4.11). Payload: 3 reserved bytes, then bit 0 of byte 3.
    DisableChannel {
        /// Allow Link Down: the NC may take the link down while disabled.
        allow_link_down: bool,
    },
    /// Reset Channel (0x05, §8.4.13). Payload: 4 reserved bytes.
    ResetChannel,
    /// Enable Channel Network TX (0x06, §8.4.15).
    EnableChannelNetworkTx,
    /// Disable Channel Network TX (0x07, §8.4.17).
    DisableChannelNetworkTx,
    /// AEN Enable (0x08, §8.4.19). Payload: 3 reserved bytes, MC ID, AEN control.
    AenEnable {
        /// The MC ID the NC puts into AENs.
        mc_id: u8,
        /// Which AENs to send.
        control: AenControl,
    },
    /// Set Link (0x09, §8.4.21). Payload: link settings, OEM link settings.
    SetLink {
        /// Speeds, duplex, auto-negotiation and pause to allow.
        settings: LinkSettings,
        /// Vendor link settings (valid when `settings.oem_valid()`).
        oem_settings: u32,
    },
    /// Get Link Status (0x0A, §8.4.23).
    GetLinkStatus,
    /// Set VLAN Filter (0x0B, §8.4.25). Payload: 2 reserved, 802.1Q tag control
    /// (priority, CFI, VLAN id), 2 reserved, filter selector, enable (bit 0).
    SetVlanFilter {
        /// User priority (bits 15..13), CFI (bit 12) and VLAN id (bits 11..0).
        tag: u16,
        /// Filter selector, 1-based index into the NC's VLAN filters.
        filter: u8,
        /// Enable (true) or disable (false) the filter.
        enable: bool,
    },
    /// Enable VLAN (0x0C, §8.4.27). Payload: 3 reserved bytes, mode.
    EnableVlan {
        /// VLAN mode: 1 VLAN only, 2 VLAN + non-VLAN, 3 any VLAN + non-VLAN.
        mode: u8,
    },
    /// Disable VLAN (0x0D, §8.4.29).
    DisableVlan,
    /// Set MAC Address (0x0E, §8.4.31). Payload: MAC, filter number, address type
    /// (bits 7..5) and enable (bit 0).
    SetMacAddress {
        /// The address to filter on.
        mac: [u8; 6],
        /// MAC filter number, 1-based.
        filter: u8,
        /// Address type: 0 unicast, 1 multicast (3 bits).
        address_type: u8,
        /// Enable (true) or disable (false) the filter.
        enable: bool,
    },
    /// Enable Broadcast Filter (0x10, §8.4.33). Payload: filter settings.
    EnableBroadcastFilter {
        /// Which broadcast packets to forward to the MC.
        settings: BroadcastFilter,
    },
    /// Disable Broadcast Filter (0x11, §8.4.35).
    DisableBroadcastFilter,
    /// Enable Global Multicast Filter (0x12, §8.4.37). Payload: filter settings.
    EnableGlobalMulticastFilter {
        /// Which multicast packets to forward to the MC.
        settings: MulticastFilter,
    },
    /// Disable Global Multicast Filter (0x13, §8.4.39).
    DisableGlobalMulticastFilter,
    /// Set NC-SI Flow Control (0x14, §8.4.41). Payload: 3 reserved bytes, mode.
    SetNcsiFlowControl {
        /// 0 disabled, 1 NC to MC, 2 MC to NC, 3 bidirectional.
        mode: u8,
    },
    /// Get Version ID (0x15, §8.4.44).
    GetVersionId,
    /// Get Capabilities (0x16, §8.4.46).
    GetCapabilities,
    /// Get Parameters (0x17, §8.4.48).
    GetParameters,
    /// Get Controller Packet Statistics (0x18, §8.4.50).
    GetControllerPacketStatistics,
    /// Get NC-SI Statistics (0x19, §8.4.52).
    GetNcsiStatistics,
    /// Get NC-SI Pass-through Statistics (0x1A, §8.4.54).
    GetNcsiPassthroughStatistics,
    /// Get Package Status (0x1B, §8.4.56).
    GetPackageStatus,
    /// OEM Command (0x50, §8.4.58): manufacturer id and vendor data.
    Oem(OemCommand),
    /// PLDM (0x51, §8.4.60): a PLDM request, kept as raw bytes.
    Pldm(Vec<u8>),
    /// Get Package UUID (0x52, §8.4.62).
    GetPackageUuid,
    /// Query Pending NC PLDM Request (0x56, 1.2 §8.4.64).
    QueryPendingNcPldmRequest,
    /// Send NC PLDM Reply (0x57, 1.2 §8.4.66): a PLDM reply, kept as raw bytes.
    SendNcPldmReply(Vec<u8>),
    /// Get MC MAC Address (0x58, 1.2 §8.4.68).
    GetMcMacAddress,
    /// A command type this crate does not know, with its payload unchanged.
    Unknown {
        /// The command code (0x00..=0x7E).
        command: u8,
        /// The payload as received.
        payload: Vec<u8>,
    },
}

/// Checks a fixed payload length; DSP0222 says an NC answers a wrong one with
/// Invalid Payload Length, so the parser reports it precisely.
fn expect_len(what: &'static str, payload: &[u8], expected: usize) -> Result<()> {
    if payload.len() == expected {
        Ok(())
    } else {
        Err(Error::PayloadLength {
            what,
            expected,
            actual: payload.len(),
        })
    }
}

impl Command {
    /// The command code.
    pub fn command_type(&self) -> CommandType {
        use CommandType as T;
        match self {
            Self::ClearInitialState => T::ClearInitialState,
            Self::SelectPackage { .. } => T::SelectPackage,
            Self::DeselectPackage => T::DeselectPackage,
            Self::EnableChannel => T::EnableChannel,
            Self::DisableChannel { .. } => T::DisableChannel,
            Self::ResetChannel => T::ResetChannel,
            Self::EnableChannelNetworkTx => T::EnableChannelNetworkTx,
            Self::DisableChannelNetworkTx => T::DisableChannelNetworkTx,
            Self::AenEnable { .. } => T::AenEnable,
            Self::SetLink { .. } => T::SetLink,
            Self::GetLinkStatus => T::GetLinkStatus,
            Self::SetVlanFilter { .. } => T::SetVlanFilter,
            Self::EnableVlan { .. } => T::EnableVlan,
            Self::DisableVlan => T::DisableVlan,
            Self::SetMacAddress { .. } => T::SetMacAddress,
            Self::EnableBroadcastFilter { .. } => T::EnableBroadcastFilter,
            Self::DisableBroadcastFilter => T::DisableBroadcastFilter,
            Self::EnableGlobalMulticastFilter { .. } => T::EnableGlobalMulticastFilter,
            Self::DisableGlobalMulticastFilter => T::DisableGlobalMulticastFilter,
            Self::SetNcsiFlowControl { .. } => T::SetNcsiFlowControl,
            Self::GetVersionId => T::GetVersionId,
            Self::GetCapabilities => T::GetCapabilities,
            Self::GetParameters => T::GetParameters,
            Self::GetControllerPacketStatistics => T::GetControllerPacketStatistics,
            Self::GetNcsiStatistics => T::GetNcsiStatistics,
            Self::GetNcsiPassthroughStatistics => T::GetNcsiPassthroughStatistics,
            Self::GetPackageStatus => T::GetPackageStatus,
            Self::Oem(_) => T::Oem,
            Self::Pldm(_) => T::Pldm,
            Self::GetPackageUuid => T::GetPackageUuid,
            Self::QueryPendingNcPldmRequest => T::QueryPendingNcPldmRequest,
            Self::SendNcPldmReply(_) => T::SendNcPldmReply,
            Self::GetMcMacAddress => T::GetMcMacAddress,
            Self::Unknown { command, .. } => T::Unknown(*command),
        }
    }

    /// Parses the payload of a command packet of type `command`.
    pub fn parse(command: u8, payload: &[u8]) -> Result<Self> {
        use CommandType as T;
        let ty = CommandType::from(command);
        let name = ty.name();
        let mut r = Reader::new(payload);
        let cmd = match ty {
            T::ClearInitialState
            | T::DeselectPackage
            | T::EnableChannel
            | T::EnableChannelNetworkTx
            | T::DisableChannelNetworkTx
            | T::GetLinkStatus
            | T::DisableVlan
            | T::DisableBroadcastFilter
            | T::DisableGlobalMulticastFilter
            | T::GetVersionId
            | T::GetCapabilities
            | T::GetParameters
            | T::GetControllerPacketStatistics
            | T::GetNcsiStatistics
            | T::GetNcsiPassthroughStatistics
            | T::GetPackageStatus
            | T::GetPackageUuid
            | T::QueryPendingNcPldmRequest
            | T::GetMcMacAddress => {
                expect_len(name, payload, 0)?;
                Self::no_parameters(ty).ok_or(Error::Invalid("command type"))?
            }
            T::SelectPackage => {
                expect_len(name, payload, 4)?;
                r.skip(3)?;
                Self::SelectPackage {
                    hardware_arbitration_disable: r.u8()? & 1 != 0,
                }
            }
            T::DisableChannel => {
                expect_len(name, payload, 4)?;
                r.skip(3)?;
                Self::DisableChannel {
                    allow_link_down: r.u8()? & 1 != 0,
                }
            }
            T::ResetChannel => {
                expect_len(name, payload, 4)?;
                Self::ResetChannel
            }
            T::AenEnable => {
                expect_len(name, payload, 8)?;
                r.skip(3)?;
                Self::AenEnable {
                    mc_id: r.u8()?,
                    control: AenControl(r.u32()?),
                }
            }
            T::SetLink => {
                expect_len(name, payload, 8)?;
                Self::SetLink {
                    settings: LinkSettings(r.u32()?),
                    oem_settings: r.u32()?,
                }
            }
            T::SetVlanFilter => {
                expect_len(name, payload, 8)?;
                r.skip(2)?;
                let tag = r.u16()?;
                r.skip(2)?;
                Self::SetVlanFilter {
                    tag,
                    filter: r.u8()?,
                    enable: r.u8()? & 1 != 0,
                }
            }
            T::EnableVlan => {
                expect_len(name, payload, 4)?;
                r.skip(3)?;
                Self::EnableVlan { mode: r.u8()? }
            }
            T::SetMacAddress => {
                expect_len(name, payload, 8)?;
                let mac = r.array()?;
                let filter = r.u8()?;
                let flags = r.u8()?;
                Self::SetMacAddress {
                    mac,
                    filter,
                    address_type: flags >> 5,
                    enable: flags & 1 != 0,
                }
            }
            T::EnableBroadcastFilter => {
                expect_len(name, payload, 4)?;
                Self::EnableBroadcastFilter {
                    settings: BroadcastFilter(r.u32()?),
                }
            }
            T::EnableGlobalMulticastFilter => {
                expect_len(name, payload, 4)?;
                Self::EnableGlobalMulticastFilter {
                    settings: MulticastFilter(r.u32()?),
                }
            }
            T::SetNcsiFlowControl => {
                expect_len(name, payload, 4)?;
                r.skip(3)?;
                Self::SetNcsiFlowControl { mode: r.u8()? }
            }
            T::Oem => Self::Oem(OemCommand::parse(payload)?),
            T::Pldm => Self::Pldm(payload.to_vec()),
            T::SendNcPldmReply => Self::SendNcPldmReply(payload.to_vec()),
            T::Unknown(command) => Self::Unknown {
                command,
                payload: payload.to_vec(),
            },
        };
        Ok(cmd)
    }

    /// The parameterless command of type `ty`, if it is one.
    fn no_parameters(ty: CommandType) -> Option<Self> {
        use CommandType as T;
        Some(match ty {
            T::ClearInitialState => Self::ClearInitialState,
            T::DeselectPackage => Self::DeselectPackage,
            T::EnableChannel => Self::EnableChannel,
            T::EnableChannelNetworkTx => Self::EnableChannelNetworkTx,
            T::DisableChannelNetworkTx => Self::DisableChannelNetworkTx,
            T::GetLinkStatus => Self::GetLinkStatus,
            T::DisableVlan => Self::DisableVlan,
            T::DisableBroadcastFilter => Self::DisableBroadcastFilter,
            T::DisableGlobalMulticastFilter => Self::DisableGlobalMulticastFilter,
            T::GetVersionId => Self::GetVersionId,
            T::GetCapabilities => Self::GetCapabilities,
            T::GetParameters => Self::GetParameters,
            T::GetControllerPacketStatistics => Self::GetControllerPacketStatistics,
            T::GetNcsiStatistics => Self::GetNcsiStatistics,
            T::GetNcsiPassthroughStatistics => Self::GetNcsiPassthroughStatistics,
            T::GetPackageStatus => Self::GetPackageStatus,
            T::GetPackageUuid => Self::GetPackageUuid,
            T::QueryPendingNcPldmRequest => Self::QueryPendingNcPldmRequest,
            T::GetMcMacAddress => Self::GetMcMacAddress,
            _ => return None,
        })
    }

    /// Appends the payload (without padding) to `out`.
    pub fn emit_payload(&self, out: &mut Vec<u8>) {
        let mut w = Writer::new(out);
        match self {
            Self::SelectPackage {
                hardware_arbitration_disable: flag,
            }
            | Self::DisableChannel {
                allow_link_down: flag,
            } => {
                w.zeros(3).u8(u8::from(*flag));
            }
            Self::ResetChannel => {
                w.zeros(4);
            }
            Self::AenEnable { mc_id, control } => {
                w.zeros(3).u8(*mc_id).u32(control.0);
            }
            Self::SetLink {
                settings,
                oem_settings,
            } => {
                w.u32(settings.0).u32(*oem_settings);
            }
            Self::SetVlanFilter {
                tag,
                filter,
                enable,
            } => {
                w.zeros(2)
                    .u16(*tag)
                    .zeros(2)
                    .u8(*filter)
                    .u8(u8::from(*enable));
            }
            Self::EnableVlan { mode: v } | Self::SetNcsiFlowControl { mode: v } => {
                w.zeros(3).u8(*v);
            }
            Self::SetMacAddress {
                mac,
                filter,
                address_type,
                enable,
            } => {
                w.bytes(mac)
                    .u8(*filter)
                    .u8((address_type << 5) | u8::from(*enable));
            }
            Self::EnableBroadcastFilter { settings } => {
                w.u32(settings.0);
            }
            Self::EnableGlobalMulticastFilter { settings } => {
                w.u32(settings.0);
            }
            Self::Oem(oem) => oem.emit(out),
            Self::Pldm(data)
            | Self::SendNcPldmReply(data)
            | Self::Unknown { payload: data, .. } => {
                w.bytes(data);
            }
            Self::ClearInitialState
            | Self::DeselectPackage
            | Self::EnableChannel
            | Self::EnableChannelNetworkTx
            | Self::DisableChannelNetworkTx
            | Self::GetLinkStatus
            | Self::DisableVlan
            | Self::DisableBroadcastFilter
            | Self::DisableGlobalMulticastFilter
            | Self::GetVersionId
            | Self::GetCapabilities
            | Self::GetParameters
            | Self::GetControllerPacketStatistics
            | Self::GetNcsiStatistics
            | Self::GetNcsiPassthroughStatistics
            | Self::GetPackageStatus
            | Self::GetPackageUuid
            | Self::QueryPendingNcPldmRequest
            | Self::GetMcMacAddress => {}
        }
    }
}
