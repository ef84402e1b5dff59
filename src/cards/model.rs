//! What the platform knows about one card: its identity (GetBridgeInfo), what its
//! network controller told discovery (in this layer's own terms, so the layers above
//! need no NC-SI types), and the card BMC state the OEM set reports.

use crate::ncsi::PackageInfo;
use sidebridge_protocol::ncsi::vendor;
use sidebridge_protocol::oem::{
    AllowableValues, BootOverride, BootProgress, BridgeInfo, FirmwareComponent, MediaSlot,
    MediaStatus, NetworkIdentity, PowerState, SystemSettings,
};
use sidebridge_protocol::text;
use std::time::Instant;

/// What the cache knows about one card.
#[derive(Debug, Clone)]
pub struct Card {
    /// Stable id (from the card's UUID, else its serial number; see [`card_id`]).
    pub id: String,
    /// How its OEM set is reached: through an NC-SI package, or the card BMC's own
    /// MCTP endpoint.
    pub reach: Reach,
    /// GetBridgeInfo: identity and capabilities of the card BMC.
    pub info: BridgeInfo,
    /// What discovery found on the network controller.
    pub nic: Nic,
    /// Host power state.
    pub power: Option<PowerState>,
    /// Boot override.
    pub boot: Option<BootOverride>,
    /// Boot progress.
    pub progress: Option<BootProgress>,
    /// Virtual media CD and USB.
    pub media: [Option<MediaStatus>; 2],
    /// Firmware inventory.
    pub firmware: Vec<FirmwareComponent>,
    /// The card BMC's network identity.
    pub network: Option<NetworkIdentity>,
    /// The card's host: processors, memory, host interfaces, drives (OEM 1.2).
    pub host: Option<super::HostInventory>,
    /// The card BMC's own interface and services, its UUID (OEM 1.3).
    pub bmc_network: Option<super::ManagerNetwork>,
    /// The card's sensors and power capacity as last read (OEM 1.3).
    pub sensors: Option<super::Sensors>,
    /// The network adapter beyond NC-SI, its settings in force and pending (OEM 1.4).
    pub adapter: Option<super::NetworkAdapter>,
    /// The host firmware's attributes, values in force and pending (OEM 1.4).
    pub bios: Option<super::Bios>,
    /// What the card accepts (OEM 1.1); `None` for a 1.0 card.
    pub allowable: Option<AllowableValues>,
    /// Asset tag, identify LED, host watchdog, system UUID (OEM 1.1).
    pub settings: Option<SystemSettings>,
    /// Answering.
    pub online: bool,
    /// Whether its NC-SI package is in the topology and present; a card BMC reached as
    /// its own MCTP endpoint stays present while it is configured. A card that is
    /// present may still be offline (not answering its OEM set).
    pub present: bool,
    /// When the cache was last refreshed completely.
    pub refreshed: Option<Instant>,
    /// Why the card failed SPDM authentication, when it did (its last attempt).
    pub untrusted: Option<String>,
    /// Bumped on every change: the layers above cache renderings per generation.
    pub generation: u64,
}

/// How a card's OEM set is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Through the network controller of this NC-SI package (OEM.md §2).
    Package(u8),
    /// The card BMC's own MCTP endpoint, the `n`th configured card-BMC link
    /// (vendor-defined messages, OEM.md §2.1); no NC-SI facts about it.
    CardBmc(usize),
}

impl Card {
    /// A card just found, its state not read yet.
    pub fn new(id: String, reach: Reach, info: BridgeInfo, nic: Nic) -> Self {
        Card {
            id,
            reach,
            info,
            nic,
            power: None,
            boot: None,
            progress: None,
            media: [None, None],
            firmware: Vec::new(),
            network: None,
            host: None,
            bmc_network: None,
            sensors: None,
            adapter: None,
            bios: None,
            allowable: None,
            settings: None,
            online: true,
            present: true,
            refreshed: None,
            untrusted: None,
            generation: 0,
        }
    }

    /// The NC-SI package that fronts it, if one does.
    pub fn package(&self) -> Option<u8> {
        match self.reach {
            Reach::Package(p) => Some(p),
            Reach::CardBmc(_) => None,
        }
    }

    /// Whether the card's agent offers the Redfish tunnel (OEM.md §4.18): the
    /// capability and protocol version 2.
    pub fn tunnel(&self) -> bool {
        self.has(sidebridge_protocol::oem::capability::REDFISH_TUNNEL)
            && self.info.max_version >= sidebridge_protocol::oem::TUNNEL_VERSION
    }

    /// Whether the card announced `cap` (an [`sidebridge_protocol::oem::capability`] bit).
    pub fn has(&self, cap: u32) -> bool {
        self.info.capabilities & cap != 0
    }

    /// The media status of `slot`.
    pub fn media(&self, slot: MediaSlot) -> Option<&MediaStatus> {
        self.media[slot_index(slot)].as_ref()
    }

    /// The card's UUID in its canonical text form, when it reported one.
    pub fn uuid(&self) -> Option<String> {
        (self.info.uuid != [0; 16]).then(|| text::uuid(&self.info.uuid))
    }

    /// The card BMC's own UUID (OEM 1.3) as text, else the card's.
    pub fn manager_uuid(&self) -> Option<String> {
        match self.bmc_network.as_ref().filter(|n| n.uuid != [0; 16]) {
            Some(n) => Some(text::uuid(&n.uuid)),
            None => self.uuid(),
        }
    }
}

/// The index of a media slot in [`Card::media`].
pub(crate) fn slot_index(slot: MediaSlot) -> usize {
    if slot == MediaSlot::Usb { 1 } else { 0 }
}

/// The id of a card: its UUID when it has one, else its serial number (made safe for
/// a URI), else its package.
pub fn card_id(info: &BridgeInfo, package: u8) -> String {
    if info.uuid != [0; 16] {
        return text::uuid(&info.uuid);
    }
    let serial: String = info
        .serial
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if serial.is_empty() {
        format!("package{package}")
    } else {
        serial
    }
}

/// The card's network controller as NC-SI discovery saw it (DSP0222 Get Version ID,
/// Get Link Status, the vendor get-MAC commands).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nic {
    /// The controller, from its first channel's Get Version ID.
    pub controller: Option<Controller>,
    /// One port per NC-SI channel, in channel order.
    pub ports: Vec<Port>,
}

/// A network controller's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    /// The vendor's name (from its IANA enterprise number).
    pub manufacturer: String,
    /// Firmware name.
    pub firmware_name: String,
    /// Firmware version, dotted.
    pub firmware_version: String,
    /// PCI ids.
    pub pci: PciIds,
    /// The package's UUID (NC-SI Get Package UUID, DSP0222 1.2 §8.4.62), as text;
    /// `None` when the controller does not answer the command.
    pub uuid: Option<String>,
}

/// The PCI ids a controller reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PciIds {
    /// Vendor id.
    pub vendor: u16,
    /// Device id.
    pub device: u16,
    /// Subsystem vendor id.
    pub subsystem_vendor: u16,
    /// Subsystem id.
    pub subsystem: u16,
}

/// One port (NC-SI channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    /// The channel number within the package.
    pub id: u8,
    /// Link up.
    pub link_up: bool,
    /// Negotiated speed, when the link is up and the speed is known.
    pub speed_mbps: Option<u32>,
    /// The address the vendor get-MAC command returned for this channel.
    pub mac: Option<[u8; 6]>,
}

impl Nic {
    /// The controller and ports of one discovered package.
    pub fn from_package(p: &PackageInfo) -> Self {
        let controller = p.channels.first().map(|c| {
            let v = &c.version;
            Controller {
                manufacturer: manufacturer_name(v.manufacturer_id),
                firmware_name: v.firmware_name(),
                firmware_version: v.firmware_version_dotted(),
                pci: PciIds {
                    vendor: v.pci_vendor_id,
                    device: v.pci_device_id,
                    subsystem_vendor: v.pci_subsystem_vendor_id,
                    subsystem: v.pci_subsystem_id,
                },
                uuid: p.uuid.map(|u| text::uuid(&u)),
            }
        });
        let ports = p
            .channels
            .iter()
            .map(|c| {
                let link_up = c.link.link_up();
                Port {
                    id: c.id.channel_id(),
                    link_up,
                    speed_mbps: c.link.speed_duplex().mbps().filter(|_| link_up),
                    mac: c.host_mac,
                }
            })
            .collect();
        Nic { controller, ports }
    }

    /// The port with channel number `id`.
    pub fn port(&self, id: u8) -> Option<&Port> {
        self.ports.iter().find(|p| p.id == id)
    }
}

/// A vendor's name from its IANA enterprise number, or the number itself.
pub fn manufacturer_name(iana: u32) -> String {
    vendor::manufacturer_name(iana)
        .map(str::to_string)
        .unwrap_or_else(|| format!("IANA enterprise {iana}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_uri_safe() {
        let mut info = BridgeInfo {
            serial: "DPU 00/01".into(),
            ..BridgeInfo::default()
        };
        assert_eq!(card_id(&info, 3), "DPU0001");
        info.serial.clear();
        assert_eq!(card_id(&info, 3), "package3");
        info.uuid = [0x11; 16];
        assert_eq!(card_id(&info, 3), "11111111-1111-1111-1111-111111111111");
    }

    #[test]
    fn vendors_are_named_from_the_protocol_table() {
        assert_eq!(manufacturer_name(0x8119), "Mellanox Technologies");
        assert_eq!(manufacturer_name(0x0157), "Intel");
        assert_eq!(manufacturer_name(12345), "IANA enterprise 12345");
    }
}

/// A port's host traffic as its controller counts it (Get Controller Packet
/// Statistics, DSP0222 1.2 §8.4.51, Table 74).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostCounters {
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes transmitted.
    pub tx_bytes: u64,
    /// Unicast frames received.
    pub rx_unicast: u64,
    /// Multicast frames received.
    pub rx_multicast: u64,
    /// Broadcast frames received.
    pub rx_broadcast: u64,
    /// Unicast frames transmitted.
    pub tx_unicast: u64,
    /// Multicast frames transmitted.
    pub tx_multicast: u64,
    /// Broadcast frames transmitted.
    pub tx_broadcast: u64,
    /// Frames received with a bad FCS.
    pub fcs_errors: u64,
    /// Frames received misaligned.
    pub alignment_errors: u64,
    /// False carrier detections.
    pub false_carrier: u64,
    /// Runt frames received (undersized).
    pub runts: u64,
    /// Jabber frames received (oversized).
    pub jabbers: u64,
    /// Pause XON frames received.
    pub rx_pause_xon: u64,
    /// Pause XOFF frames received.
    pub rx_pause_xoff: u64,
    /// Pause XON frames transmitted.
    pub tx_pause_xon: u64,
    /// Pause XOFF frames transmitted.
    pub tx_pause_xoff: u64,
    /// Frames transmitted after one collision.
    pub single_collisions: u64,
    /// Frames transmitted after several collisions.
    pub multiple_collisions: u64,
    /// Late collisions.
    pub late_collisions: u64,
    /// Frames not transmitted for excessive collisions.
    pub excessive_collisions: u64,
}

impl HostCounters {
    /// Frames received, every kind.
    pub fn rx_frames(&self) -> u64 {
        self.rx_unicast + self.rx_multicast + self.rx_broadcast
    }

    /// Frames transmitted, every kind.
    pub fn tx_frames(&self) -> u64 {
        self.tx_unicast + self.tx_multicast + self.tx_broadcast
    }

    /// Frames received in error, every kind the controller counts: FCS, alignment,
    /// false carrier, runt and jabber.
    pub fn rx_errors(&self) -> u64 {
        [
            self.fcs_errors,
            self.alignment_errors,
            self.false_carrier,
            self.runts,
            self.jabbers,
        ]
        .iter()
        .fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// A channel's traffic on the sideband itself: NC-SI control packets (Get NC-SI
/// Statistics, §8.4.53) and pass-through packets (Get NC-SI Pass-through Statistics,
/// §8.4.55), seen from the controller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SidebandCounters {
    /// Frames the controller received from the management controller: commands and
    /// pass-through packets to transmit.
    pub rx_frames: u64,
    /// Frames the controller sent to the management controller: responses, AENs and
    /// pass-through packets received from the network.
    pub tx_frames: u64,
}

/// A port's counters as last read; a group the controller does not answer is `None`
/// (all three statistics commands are optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortCounters {
    /// The port's host traffic.
    pub host: Option<HostCounters>,
    /// The channel's sideband traffic.
    pub sideband: Option<SidebandCounters>,
}

impl PortCounters {
    /// From what the three commands answered.
    pub fn from_statistics(s: &crate::ncsi::ChannelStatistics) -> Self {
        let host = s.packets.map(|p| HostCounters {
            rx_bytes: p.rx_bytes,
            tx_bytes: p.tx_bytes,
            rx_unicast: p.rx_unicast,
            rx_multicast: p.rx_multicast,
            rx_broadcast: p.rx_broadcast,
            tx_unicast: p.tx_unicast,
            tx_multicast: p.tx_multicast,
            tx_broadcast: p.tx_broadcast,
            fcs_errors: p.fcs_errors.into(),
            alignment_errors: p.alignment_errors.into(),
            false_carrier: p.false_carrier.into(),
            runts: p.runt_packets.into(),
            jabbers: p.jabber_packets.into(),
            rx_pause_xon: p.rx_pause_xon.into(),
            rx_pause_xoff: p.rx_pause_xoff.into(),
            tx_pause_xon: p.tx_pause_xon.into(),
            tx_pause_xoff: p.tx_pause_xoff.into(),
            single_collisions: p.single_collision.into(),
            multiple_collisions: p.multiple_collision.into(),
            late_collisions: p.late_collision.into(),
            excessive_collisions: p.excessive_collision.into(),
        });
        let sideband = s.ncsi.zip(s.passthrough).map(|(n, pt)| SidebandCounters {
            rx_frames: u64::from(n.receive_packets) + pt.tx_packets,
            tx_frames: u64::from(n.transmit_packets) + u64::from(pt.rx_packets),
        });
        PortCounters { host, sideband }
    }
}
