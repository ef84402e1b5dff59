//! Command types, response codes and reason codes (DSP0222 1.2 §8.2.1 Table 7,
//! §8.2.5 Tables 9–11, §8.4).

wire_enum! {
    /// The command code in the control packet type field (DSP0222 1.2 Table 17
    /// "Command type summary"). A response carries the same code with bit 7 set.
    pub enum CommandType(u8) {
        /// Clear Initial State (§8.4.3).
        ClearInitialState = 0x00,
        /// Select Package (§8.4.5).
        SelectPackage = 0x01,
        /// Deselect Package (§8.4.7).
        DeselectPackage = 0x02,
        /// Enable Channel (§8.4.9).
        EnableChannel = 0x03,
        /// Disable Channel (§8.4.11).
        DisableChannel = 0x04,
        /// Reset Channel (§8.4.13).
        ResetChannel = 0x05,
        /// Enable Channel Network TX (§8.4.15).
        EnableChannelNetworkTx = 0x06,
        /// Disable Channel Network TX (§8.4.17).
        DisableChannelNetworkTx = 0x07,
        /// AEN Enable (§8.4.19).
        AenEnable = 0x08,
        /// Set Link (§8.4.21).
        SetLink = 0x09,
        /// Get Link Status (§8.4.23).
        GetLinkStatus = 0x0A,
        /// Set VLAN Filter (§8.4.25).
        SetVlanFilter = 0x0B,
        /// Enable VLAN (§8.4.27).
        EnableVlan = 0x0C,
        /// Disable VLAN (§8.4.29).
        DisableVlan = 0x0D,
        /// Set MAC Address (§8.4.31).
        SetMacAddress = 0x0E,
        /// Enable Broadcast Filter (§8.4.33).
        EnableBroadcastFilter = 0x10,
        /// Disable Broadcast Filter (§8.4.35).
        DisableBroadcastFilter = 0x11,
        /// Enable Global Multicast Filter (§8.4.37).
        EnableGlobalMulticastFilter = 0x12,
        /// Disable Global Multicast Filter (§8.4.39).
        DisableGlobalMulticastFilter = 0x13,
        /// Set NC-SI Flow Control (§8.4.41).
        SetNcsiFlowControl = 0x14,
        /// Get Version ID (§8.4.44).
        GetVersionId = 0x15,
        /// Get Capabilities (§8.4.46).
        GetCapabilities = 0x16,
        /// Get Parameters (§8.4.48).
        GetParameters = 0x17,
        /// Get Controller Packet Statistics (§8.4.50).
        GetControllerPacketStatistics = 0x18,
        /// Get NC-SI Statistics (§8.4.52).
        GetNcsiStatistics = 0x19,
        /// Get NC-SI Pass-through Statistics (§8.4.54).
        GetNcsiPassthroughStatistics = 0x1A,
        /// Get Package Status (§8.4.56).
        GetPackageStatus = 0x1B,
        /// OEM Command (§8.4.58): an IANA manufacturer id, then vendor data.
        Oem = 0x50,
        /// PLDM (§8.4.60): a PLDM message carried over NC-SI/RBT.
        Pldm = 0x51,
        /// Get Package UUID (§8.4.62).
        GetPackageUuid = 0x52,
        /// Query Pending NC PLDM Request (1.2, §8.4.64).
        QueryPendingNcPldmRequest = 0x56,
        /// Send NC PLDM Reply (1.2, §8.4.66).
        SendNcPldmReply = 0x57,
        /// Get MC MAC Address (1.2, §8.4.68).
        GetMcMacAddress = 0x58,
    }
}

impl CommandType {
    /// The spec's name for the command, as DSP0222 1.2 Table 17 writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClearInitialState => "Clear Initial State",
            Self::SelectPackage => "Select Package",
            Self::DeselectPackage => "Deselect Package",
            Self::EnableChannel => "Enable Channel",
            Self::DisableChannel => "Disable Channel",
            Self::ResetChannel => "Reset Channel",
            Self::EnableChannelNetworkTx => "Enable Channel Network TX",
            Self::DisableChannelNetworkTx => "Disable Channel Network TX",
            Self::AenEnable => "AEN Enable",
            Self::SetLink => "Set Link",
            Self::GetLinkStatus => "Get Link Status",
            Self::SetVlanFilter => "Set VLAN Filter",
            Self::EnableVlan => "Enable VLAN",
            Self::DisableVlan => "Disable VLAN",
            Self::SetMacAddress => "Set MAC Address",
            Self::EnableBroadcastFilter => "Enable Broadcast Filter",
            Self::DisableBroadcastFilter => "Disable Broadcast Filter",
            Self::EnableGlobalMulticastFilter => "Enable Global Multicast Filter",
            Self::DisableGlobalMulticastFilter => "Disable Global Multicast Filter",
            Self::SetNcsiFlowControl => "Set NC-SI Flow Control",
            Self::GetVersionId => "Get Version ID",
            Self::GetCapabilities => "Get Capabilities",
            Self::GetParameters => "Get Parameters",
            Self::GetControllerPacketStatistics => "Get Controller Packet Statistics",
            Self::GetNcsiStatistics => "Get NC-SI Statistics",
            Self::GetNcsiPassthroughStatistics => "Get NC-SI Pass-through Statistics",
            Self::GetPackageStatus => "Get Package Status",
            Self::Oem => "OEM Command",
            Self::Pldm => "PLDM",
            Self::GetPackageUuid => "Get Package UUID",
            Self::QueryPendingNcPldmRequest => "Query Pending NC PLDM Request",
            Self::SendNcPldmReply => "Send NC PLDM Reply",
            Self::GetMcMacAddress => "Get MC MAC Address",
            Self::Unknown(_) => "Unknown command",
        }
    }

    /// Every command type this crate names, in code order.
    pub const ALL: [CommandType; 33] = [
        Self::ClearInitialState,
        Self::SelectPackage,
        Self::DeselectPackage,
        Self::EnableChannel,
        Self::DisableChannel,
        Self::ResetChannel,
        Self::EnableChannelNetworkTx,
        Self::DisableChannelNetworkTx,
        Self::AenEnable,
        Self::SetLink,
        Self::GetLinkStatus,
        Self::SetVlanFilter,
        Self::EnableVlan,
        Self::DisableVlan,
        Self::SetMacAddress,
        Self::EnableBroadcastFilter,
        Self::DisableBroadcastFilter,
        Self::EnableGlobalMulticastFilter,
        Self::DisableGlobalMulticastFilter,
        Self::SetNcsiFlowControl,
        Self::GetVersionId,
        Self::GetCapabilities,
        Self::GetParameters,
        Self::GetControllerPacketStatistics,
        Self::GetNcsiStatistics,
        Self::GetNcsiPassthroughStatistics,
        Self::GetPackageStatus,
        Self::Oem,
        Self::Pldm,
        Self::GetPackageUuid,
        Self::QueryPendingNcPldmRequest,
        Self::SendNcPldmReply,
        Self::GetMcMacAddress,
    ];
}

wire_enum! {
    /// Response Code (DSP0222 1.2 §8.2.5, Table 9). 0x8000–0xFFFF are vendor codes and
    /// parse to `Unknown`.
    pub enum ResponseCode(u16) {
        /// Command Completed: the command was accepted and performed.
        Completed = 0x0000,
        /// Command Failed: the reason code says why.
        Failed = 0x0001,
        /// Command Unavailable: temporarily not available (e.g. the NC is busy).
        Unavailable = 0x0002,
        /// Command Unsupported: the NC does not implement this command.
        Unsupported = 0x0003,
        /// Delayed Response (1.2): the result follows later, announced by a Delayed
        /// Response Ready AEN.
        Delayed = 0x0004,
    }
}

impl ResponseCode {
    /// Whether this is in the vendor range 0x8000–0xFFFF.
    pub fn is_vendor(self) -> bool {
        u16::from(self) >= 0x8000
    }

    /// The spec's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Completed => "Command Completed",
            Self::Failed => "Command Failed",
            Self::Unavailable => "Command Unavailable",
            Self::Unsupported => "Command Unsupported",
            Self::Delayed => "Delayed Response",
            Self::Unknown(v) if v >= 0x8000 => "Vendor response code",
            Self::Unknown(_) => "Reserved response code",
        }
    }
}

wire_enum! {
    /// Reason Code (DSP0222 1.2 §8.2.5, Tables 10 and 11). Generic codes are
    /// 0x0000–0x00FF; command-specific ones are 0xCCnn with CC the command; 0x8000–0xFFFF
    /// are OEM codes and parse to `Unknown`.
    pub enum ReasonCode(u16) {
        /// No Error / No Reason Code.
        NoError = 0x0000,
        /// Interface Initialization Required: the channel is in the Initial State and
        /// needs Clear Initial State.
        InterfaceInitializationRequired = 0x0001,
        /// Parameter Is Invalid, Unsupported, or Out-of-Range.
        ParameterInvalid = 0x0002,
        /// Channel Not Ready.
        ChannelNotReady = 0x0003,
        /// Package Not Ready.
        PackageNotReady = 0x0004,
        /// Invalid payload length.
        InvalidPayloadLength = 0x0005,
        /// Information not available.
        InformationNotAvailable = 0x0006,
        /// Intervention Required (1.2).
        InterventionRequired = 0x0007,
        /// Link Command Failed – Hardware Access Error (1.2 generic code).
        HardwareAccessError = 0x0008,
        /// Command Timeout (1.2).
        CommandTimeout = 0x0009,
        /// Secondary Device Not Powered (1.2).
        SecondaryDeviceNotPowered = 0x000A,
        /// Unknown / Unsupported Command Type: sent with Command Unsupported.
        UnsupportedCommandType = 0x7FFF,
        /// Set Link: Host OS / driver conflict (§8.4.22, Table 40).
        SetLinkHostOsConflict = 0x0901,
        /// Set Link: media conflict.
        SetLinkMediaConflict = 0x0902,
        /// Set Link: parameter conflict.
        SetLinkParameterConflict = 0x0903,
        /// Set Link: power mode conflict.
        SetLinkPowerModeConflict = 0x0904,
        /// Set Link: speed conflict.
        SetLinkSpeedConflict = 0x0905,
        /// Set Link: Link Command Failed – Hardware Access Error.
        SetLinkHardwareAccessError = 0x0906,
        /// Get Link Status: Link Command Failed – Hardware Access Error (§8.4.24).
        GetLinkStatusHardwareAccessError = 0x0A06,
        /// Set VLAN Filter: VLAN Tag Is Invalid (§8.4.26).
        VlanTagInvalid = 0x0B07,
        /// Set MAC Address: MAC Address Is Zero (§8.4.32).
        MacAddressZero = 0x0E08,
        /// Set NC-SI Flow Control: independent TX and RX enable/disable control is not
        /// supported (§8.4.42).
        IndependentFlowControlUnsupported = 0x1409,
    }
}

impl ReasonCode {
    /// Whether this is in the OEM range 0x8000–0xFFFF.
    pub fn is_oem(self) -> bool {
        u16::from(self) >= 0x8000
    }

    /// The spec's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::NoError => "No Error",
            Self::InterfaceInitializationRequired => "Interface Initialization Required",
            Self::ParameterInvalid => "Parameter Is Invalid, Unsupported, or Out-of-Range",
            Self::ChannelNotReady => "Channel Not Ready",
            Self::PackageNotReady => "Package Not Ready",
            Self::InvalidPayloadLength => "Invalid Payload Length",
            Self::InformationNotAvailable => "Information Not Available",
            Self::InterventionRequired => "Intervention Required",
            Self::HardwareAccessError => "Link Command Failed - Hardware Access Error",
            Self::CommandTimeout => "Command Timeout",
            Self::SecondaryDeviceNotPowered => "Secondary Device Not Powered",
            Self::UnsupportedCommandType => "Unknown/Unsupported Command Type",
            Self::SetLinkHostOsConflict => "Set Link Host OS/Driver Conflict",
            Self::SetLinkMediaConflict => "Set Link Media Conflict",
            Self::SetLinkParameterConflict => "Set Link Parameter Conflict",
            Self::SetLinkPowerModeConflict => "Set Link Power Mode Conflict",
            Self::SetLinkSpeedConflict => "Set Link Speed Conflict",
            Self::SetLinkHardwareAccessError | Self::GetLinkStatusHardwareAccessError => {
                "Link Command Failed - Hardware Access Error"
            }
            Self::VlanTagInvalid => "VLAN Tag Is Invalid",
            Self::MacAddressZero => "MAC Address Is Zero",
            Self::IndependentFlowControlUnsupported => {
                "Independent TX/RX Flow Control Enable Unsupported"
            }
            Self::Unknown(v) if v >= 0x8000 => "OEM reason code",
            Self::Unknown(_) => "Reserved reason code",
        }
    }
}
