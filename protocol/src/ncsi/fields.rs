//! Bit-field words that several packets share: link status, link settings, AEN
//! control, filter settings and capability flags. Each is a newtype over the wire word
//! (so unknown and reserved bits survive a round trip) with named accessors.

macro_rules! flag_word {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $getter:ident = $bit:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[cfg_attr(test, derive(proptest_derive::Arbitrary))]
        pub struct $name(pub u32);

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($name), "({:#010x})"), self.0)
            }
        }

        impl $name {
            $(
                $(#[$fmeta])*
                pub const fn $getter(self) -> bool {
                    self.0 & (1 << $bit) != 0
                }
            )*

            /// The word with bit `bit` set to `on`.
            pub const fn with(self, bit: u32, on: bool) -> Self {
                if on { $name(self.0 | (1 << bit)) } else { $name(self.0 & !(1 << bit)) }
            }
        }
    };
}

/// Speed and duplex as Get Link Status and the Link Status Change AEN report them
/// (DSP0222 1.2 §8.4.24, Table 43, bits 4..1).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeedDuplex {
    /// 0: auto-negotiation not complete or no link speed.
    None,
    /// 1: 10BASE-T half duplex.
    Half10M,
    /// 2: 10BASE-T full duplex.
    Full10M,
    /// 3: 100BASE-TX half duplex.
    Half100M,
    /// 4: 100BASE-T4.
    T4100M,
    /// 5: 100BASE-TX full duplex.
    Full100M,
    /// 6: 1000BASE-T half duplex.
    Half1G,
    /// 7: 1000BASE-T full duplex.
    Full1G,
    /// 8: 10G-BASE-T.
    Full10G,
    /// 9: 20 Gbps.
    Full20G,
    /// 10: 25 Gbps.
    Full25G,
    /// 11: 40 Gbps.
    Full40G,
    /// 12: 50 Gbps.
    Full50G,
    /// 13: 100 Gbps.
    Full100G,
    /// 14: 2.5 Gbps.
    Full2_5G,
    /// 15: speed given by the OEM link status field.
    Oem,
}

impl SpeedDuplex {
    /// From the 4-bit field.
    pub const fn from_bits(v: u8) -> Self {
        match v & 0x0F {
            0 => Self::None,
            1 => Self::Half10M,
            2 => Self::Full10M,
            3 => Self::Half100M,
            4 => Self::T4100M,
            5 => Self::Full100M,
            6 => Self::Half1G,
            7 => Self::Full1G,
            8 => Self::Full10G,
            9 => Self::Full20G,
            10 => Self::Full25G,
            11 => Self::Full40G,
            12 => Self::Full50G,
            13 => Self::Full100G,
            14 => Self::Full2_5G,
            _ => Self::Oem,
        }
    }

    /// Link speed in Mbit/s, where the code names one.
    pub const fn mbps(self) -> Option<u32> {
        Some(match self {
            Self::Half10M | Self::Full10M => 10,
            Self::Half100M | Self::T4100M | Self::Full100M => 100,
            Self::Half1G | Self::Full1G => 1_000,
            Self::Full2_5G => 2_500,
            Self::Full10G => 10_000,
            Self::Full20G => 20_000,
            Self::Full25G => 25_000,
            Self::Full40G => 40_000,
            Self::Full50G => 50_000,
            Self::Full100G => 100_000,
            Self::None | Self::Oem => return None,
        })
    }

    /// Whether the link runs full duplex (None when there is no link speed).
    pub const fn full_duplex(self) -> Option<bool> {
        match self {
            Self::None | Self::Oem => None,
            Self::Half10M | Self::Half100M | Self::Half1G => Some(false),
            _ => Some(true),
        }
    }
}

/// Partner-advertised flow control (Link Status bits 19..18).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerFlowControl {
    /// Not pause capable.
    None,
    /// Symmetric pause.
    Symmetric,
    /// Asymmetric pause.
    Asymmetric,
    /// Symmetric and asymmetric pause.
    Both,
}

flag_word! {
    /// The Link Status word (DSP0222 1.2 §8.4.24, Table 43); also carried by the Link
    /// Status Change AEN (§8.5.2).
    pub struct LinkStatus {
        /// Bit 0: link up.
        link_up = 0,
        /// Bit 5: auto-negotiation enabled.
        autoneg_enabled = 5,
        /// Bit 6: auto-negotiation complete.
        autoneg_complete = 6,
        /// Bit 7: parallel detection used.
        parallel_detection = 7,
        /// Bit 9: partner advertised 1000BASE-T full duplex.
        partner_1000t_full = 9,
        /// Bit 10: partner advertised 1000BASE-T half duplex.
        partner_1000t_half = 10,
        /// Bit 11: partner advertised 100BASE-T4.
        partner_100t4 = 11,
        /// Bit 12: partner advertised 100BASE-TX full duplex.
        partner_100tx_full = 12,
        /// Bit 13: partner advertised 100BASE-TX half duplex.
        partner_100tx_half = 13,
        /// Bit 14: partner advertised 10BASE-T full duplex.
        partner_10t_full = 14,
        /// Bit 15: partner advertised 10BASE-T half duplex.
        partner_10t_half = 15,
        /// Bit 16: TX flow control enabled.
        tx_flow_control = 16,
        /// Bit 17: RX flow control enabled.
        rx_flow_control = 17,
        /// Bit 20: SerDes link.
        serdes = 20,
        /// Bit 21: the OEM link speed field is valid.
        oem_speed_valid = 21,
    }
}

impl LinkStatus {
    /// Bits 4..1: speed and duplex.
    pub const fn speed_duplex(self) -> SpeedDuplex {
        SpeedDuplex::from_bits(((self.0 >> 1) & 0x0F) as u8)
    }

    /// The word with the speed/duplex field set to `code` (0..=15).
    pub const fn with_speed_duplex(self, code: u8) -> Self {
        LinkStatus((self.0 & !0x1E) | (((code & 0x0F) as u32) << 1))
    }

    /// Bits 19..18: flow control the link partner advertised.
    pub const fn partner_flow_control(self) -> PartnerFlowControl {
        match (self.0 >> 18) & 0x3 {
            0 => PartnerFlowControl::None,
            1 => PartnerFlowControl::Symmetric,
            2 => PartnerFlowControl::Asymmetric,
            _ => PartnerFlowControl::Both,
        }
    }
}

flag_word! {
    /// Link Settings of Set Link (DSP0222 1.2 §8.4.21, Table 38) and Get Parameters.
    pub struct LinkSettings {
        /// Bit 0: enable auto-negotiation.
        autoneg = 0,
        /// Bit 1: enable 10 Mbps.
        speed_10m = 1,
        /// Bit 2: enable 100 Mbps.
        speed_100m = 2,
        /// Bit 3: enable 1000 Mbps.
        speed_1g = 3,
        /// Bit 4: enable 10 Gbps.
        speed_10g = 4,
        /// Bit 5: enable 20 Gbps.
        speed_20g = 5,
        /// Bit 6: enable 25 Gbps.
        speed_25g = 6,
        /// Bit 7: enable 40 Gbps.
        speed_40g = 7,
        /// Bit 8: enable half duplex.
        half_duplex = 8,
        /// Bit 9: enable full duplex.
        full_duplex = 9,
        /// Bit 10: pause capability.
        pause = 10,
        /// Bit 11: asymmetric pause capability.
        asymmetric_pause = 11,
        /// Bit 12: the OEM link settings field is valid.
        oem_valid = 12,
        /// Bit 13: enable 50 Gbps.
        speed_50g = 13,
        /// Bit 14: enable 100 Gbps.
        speed_100g = 14,
        /// Bit 15: enable 2.5 Gbps.
        speed_2_5g = 15,
        /// Bit 16: enable 5 Gbps.
        speed_5g = 16,
    }
}

flag_word! {
    /// AEN Control of AEN Enable and Get Parameters, and the AEN Control Support of Get
    /// Capabilities (DSP0222 1.2 §8.4.19, Table 35). Bits 31..16 are OEM AEN enables.
    pub struct AenControl {
        /// Bit 0: Link Status Change AEN.
        link_status_change = 0,
        /// Bit 1: Configuration Required AEN.
        configuration_required = 1,
        /// Bit 2: Host NC Driver Status Change AEN.
        host_driver_status_change = 2,
        /// Bit 3: Delayed Response Ready AEN (1.2).
        delayed_response_ready = 3,
    }
}

impl AenControl {
    /// Bits 31..16: OEM AEN enables.
    pub const fn oem(self) -> u16 {
        (self.0 >> 16) as u16
    }
}

flag_word! {
    /// Broadcast Packet Filter settings of Enable Broadcast Filter and Get Parameters,
    /// and the filter capabilities of Get Capabilities (DSP0222 1.2 §8.4.33, Table 51).
    pub struct BroadcastFilter {
        /// Bit 0: forward ARP.
        arp = 0,
        /// Bit 1: forward DHCP client packets.
        dhcp_client = 1,
        /// Bit 2: forward DHCP server packets.
        dhcp_server = 2,
        /// Bit 3: forward NetBIOS.
        netbios = 3,
    }
}

flag_word! {
    /// Multicast Packet Filter settings of Enable Global Multicast Filter and the
    /// filter capabilities of Get Capabilities (DSP0222 1.2 §8.4.37, Table 55).
    pub struct MulticastFilter {
        /// Bit 0: IPv6 Neighbor Advertisement.
        ipv6_neighbor_advertisement = 0,
        /// Bit 1: IPv6 Router Advertisement.
        ipv6_router_advertisement = 1,
        /// Bit 2: DHCPv6 relay agents and servers multicast.
        dhcpv6_relay_server = 2,
        /// Bit 3: DHCPv6 multicasts from server to clients (well known port).
        dhcpv6_server_to_client = 3,
        /// Bit 4: IPv6 MLD.
        ipv6_mld = 4,
        /// Bit 5: IPv6 Neighbor Solicitation.
        ipv6_neighbor_solicitation = 5,
    }
}

flag_word! {
    /// Capabilities Flags of Get Capabilities (DSP0222 1.2 §8.4.46, Table 67).
    pub struct CapabilityFlags {
        /// Bit 0: hardware arbitration supported.
        hardware_arbitration = 0,
        /// Bit 1: OS presence (host NC driver status) reporting.
        os_presence = 1,
        /// Bit 2: network controller to MC flow control.
        nc_to_mc_flow_control = 2,
        /// Bit 3: MC to network controller flow control.
        mc_to_nc_flow_control = 3,
        /// Bit 4: all-multicast addresses support.
        all_multicast = 4,
    }
}

impl CapabilityFlags {
    /// Bits 6..5: hardware arbitration implementation status (0 unknown, 1 not
    /// implemented, 2 implemented, 3 reserved).
    pub const fn hardware_arbitration_status(self) -> u8 {
        ((self.0 >> 5) & 0x3) as u8
    }
}

flag_word! {
    /// Configuration Flags of Get Parameters (DSP0222 1.2 §8.4.48, Table 72).
    pub struct ConfigurationFlags {
        /// Bit 0: broadcast packet filter enabled.
        broadcast_filter_enabled = 0,
        /// Bit 1: channel enabled.
        channel_enabled = 1,
        /// Bit 2: channel network TX enabled.
        network_tx_enabled = 2,
        /// Bit 3: global multicast packet filter enabled.
        multicast_filter_enabled = 3,
    }
}
