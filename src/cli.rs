//! `sidebridge ncsi …`: send one NC-SI command, discover the topology, or reach a card
//! BMC with the OEM set, and print the decoded answer (human-readable, or `--json`).

use crate::config::TransportKind;
use crate::ncsi::{Manager, ManagerConfig, OemClient, Requester, Timing, Topology};
use clap::{Args, Subcommand, ValueEnum};
use sidebridge_protocol::ncsi::{
    AenControl, BroadcastFilter, ChannelId, Command, LinkSettings, MulticastFilter, Response,
    ResponseData, VendorGetMac,
};
use sidebridge_protocol::oem::{
    self, BootEnabled, BootMode, BootOverride, BootTarget, MediaInsert, MediaSlot, Request,
    ResetType, TransferProtocol,
};
use sidebridge_transport::Transport;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Options shared by every `ncsi` command.
#[derive(Debug, Args)]
pub struct NcsiArgs {
    /// The NC-SI interface, e.g. eth0; with `--transport mctp-serial`, the serial
    /// device, e.g. /dev/ttyS2; not used with `--transport mctp`.
    #[arg(long, short = 'i', default_value = "")]
    pub interface: String,
    /// How to reach the NCs.
    #[arg(long, value_enum, default_value = "raw")]
    pub transport: TransportKind,
    /// mctp-serial: the EID to assign to the controller; mctp: the controller's EID.
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u8).range(8..=254))]
    pub mctp_eid: u8,
    /// mctp-serial: our own EID.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(8..=254))]
    pub mctp_local_eid: u8,
    /// Record the session to a pcap file (readable by tshark -r).
    #[arg(long)]
    pub pcap: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Wait per attempt, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub timeout_ms: u64,
    /// Attempts after the first.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// What to do.
    #[command(subcommand)]
    pub command: NcsiCommand,
}

/// Package and channel addressed.
#[derive(Debug, Clone, Copy, Args)]
pub struct Target {
    /// Package id (0..=7).
    #[arg(long, short = 'p', default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=7))]
    pub package: u8,
    /// Channel id (0..=30).
    #[arg(long, short = 'c', default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=30))]
    pub channel: u8,
}

impl Target {
    fn channel(self) -> ChannelId {
        ChannelId::new(self.package, self.channel)
    }
    fn package(self) -> ChannelId {
        ChannelId::package(self.package)
    }
}

fn hex_u32(s: &str) -> Result<u32, String> {
    let t = s.trim_start_matches("0x").trim_start_matches("0X");
    let radix = if t.len() != s.len() { 16 } else { 10 };
    u32::from_str_radix(t, radix).map_err(|e| format!("{s:?}: {e}"))
}

fn hex_bytes(s: &str) -> Result<Vec<u8>, String> {
    let d: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if d.len() % 2 != 0 {
        return Err(format!("odd number of hex digits in {s:?}"));
    }
    (0..d.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&d[i..i + 2], 16).map_err(|_| format!("not hex: {s:?}")))
        .collect()
}

fn mac(s: &str) -> Result<[u8; 6], String> {
    let b = hex_bytes(s)?;
    b.try_into()
        .map_err(|_| format!("{s:?} is not a MAC address (aa:bb:cc:dd:ee:ff)"))
}

/// The vendors whose get-MAC command the kernel knows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Vendor {
    /// Mellanox/NVIDIA (0x8119).
    Mellanox,
    /// Broadcom (0x113D).
    Broadcom,
    /// Intel (0x0157).
    Intel,
}

/// NC-SI commands.
#[derive(Debug, Subcommand)]
pub enum NcsiCommand {
    /// Probe packages and channels and print the topology.
    Discover {
        /// Package ids to probe (default all 8).
        #[arg(long, value_delimiter = ',')]
        packages: Vec<u8>,
    },
    /// Select Package (0x01).
    SelectPackage {
        #[command(flatten)]
        target: Target,
        /// Disable hardware arbitration.
        #[arg(long)]
        hw_arbitration_disable: bool,
    },
    /// Deselect Package (0x02).
    DeselectPackage(#[command(flatten)] Target),
    /// Clear Initial State (0x00).
    ClearInitialState(#[command(flatten)] Target),
    /// Enable Channel (0x03).
    EnableChannel(#[command(flatten)] Target),
    /// Disable Channel (0x04).
    DisableChannel {
        #[command(flatten)]
        target: Target,
        /// Allow the link to go down.
        #[arg(long)]
        allow_link_down: bool,
    },
    /// Reset Channel (0x05).
    ResetChannel(#[command(flatten)] Target),
    /// Enable Channel Network TX (0x06).
    EnableNetworkTx(#[command(flatten)] Target),
    /// Disable Channel Network TX (0x07).
    DisableNetworkTx(#[command(flatten)] Target),
    /// AEN Enable (0x08).
    AenEnable {
        #[command(flatten)]
        target: Target,
        /// AEN control bits (bit 0 link, 1 configuration required, 2 driver status, 16.. OEM).
        #[arg(long, value_parser = hex_u32, default_value = "0x7")]
        mask: u32,
        /// MC ID to put in AENs.
        #[arg(long, default_value_t = 0)]
        mc_id: u8,
    },
    /// Set Link (0x09).
    SetLink {
        #[command(flatten)]
        target: Target,
        /// Link settings word (DSP0222 Table 38).
        #[arg(long, value_parser = hex_u32)]
        settings: u32,
        /// OEM link settings.
        #[arg(long, value_parser = hex_u32, default_value = "0")]
        oem: u32,
    },
    /// Get Link Status (0x0A).
    GetLinkStatus(#[command(flatten)] Target),
    /// Set VLAN Filter (0x0B).
    SetVlanFilter {
        #[command(flatten)]
        target: Target,
        /// VLAN id (1..=4095).
        #[arg(long)]
        vlan: u16,
        /// Filter number (1-based).
        #[arg(long, default_value_t = 1)]
        filter: u8,
        /// User priority (0..=7).
        #[arg(long, default_value_t = 0)]
        priority: u8,
        /// Disable the filter instead.
        #[arg(long)]
        disable: bool,
    },
    /// Enable VLAN (0x0C).
    EnableVlan {
        #[command(flatten)]
        target: Target,
        /// 1 VLAN only, 2 VLAN + non-VLAN, 3 any VLAN + non-VLAN.
        #[arg(long)]
        mode: u8,
    },
    /// Disable VLAN (0x0D).
    DisableVlan(#[command(flatten)] Target),
    /// Set MAC Address (0x0E).
    SetMac {
        #[command(flatten)]
        target: Target,
        /// The address.
        #[arg(long, value_parser = mac)]
        mac: [u8; 6],
        /// Filter number (1-based).
        #[arg(long, default_value_t = 1)]
        filter: u8,
        /// A multicast filter.
        #[arg(long)]
        multicast: bool,
        /// Disable the filter instead.
        #[arg(long)]
        disable: bool,
    },
    /// Enable Broadcast Filter (0x10).
    EnableBroadcastFilter {
        #[command(flatten)]
        target: Target,
        /// Bits: 0 ARP, 1 DHCP client, 2 DHCP server, 3 NetBIOS.
        #[arg(long, value_parser = hex_u32, default_value = "0xb")]
        settings: u32,
    },
    /// Disable Broadcast Filter (0x11).
    DisableBroadcastFilter(#[command(flatten)] Target),
    /// Enable Global Multicast Filter (0x12).
    EnableMulticastFilter {
        #[command(flatten)]
        target: Target,
        /// Multicast filter bits.
        #[arg(long, value_parser = hex_u32)]
        settings: u32,
    },
    /// Disable Global Multicast Filter (0x13).
    DisableMulticastFilter(#[command(flatten)] Target),
    /// Set NC-SI Flow Control (0x14).
    SetFlowControl {
        #[command(flatten)]
        target: Target,
        /// 0 off, 1 NC to MC, 2 MC to NC, 3 both.
        #[arg(long)]
        mode: u8,
    },
    /// Get Version ID (0x15).
    GetVersionId(#[command(flatten)] Target),
    /// Get Capabilities (0x16).
    GetCapabilities(#[command(flatten)] Target),
    /// Get Parameters (0x17).
    GetParameters(#[command(flatten)] Target),
    /// Get Controller Packet Statistics (0x18).
    GetControllerStatistics(#[command(flatten)] Target),
    /// Get NC-SI Statistics (0x19).
    GetNcsiStatistics(#[command(flatten)] Target),
    /// Get NC-SI Pass-through Statistics (0x1A).
    GetPassthroughStatistics(#[command(flatten)] Target),
    /// Get Package Status (0x1B).
    GetPackageStatus(#[command(flatten)] Target),
    /// Get Package UUID (0x52).
    GetPackageUuid(#[command(flatten)] Target),
    /// Get MC MAC Address (0x58).
    GetMcMacAddress(#[command(flatten)] Target),
    /// The vendor "get MAC address" OEM command the kernel sends.
    VendorGetMac {
        #[command(flatten)]
        target: Target,
        /// Whose command.
        #[arg(long, value_enum)]
        vendor: Vendor,
    },
    /// Any command by type, with a hex payload.
    Raw {
        #[command(flatten)]
        target: Target,
        /// Command type (0x00..=0x7E).
        #[arg(long = "type", value_parser = hex_u32)]
        ty: u32,
        /// Payload, hex.
        #[arg(long, value_parser = hex_bytes, default_value = "")]
        payload: Vec<u8>,
        /// Address the package (channel 0x1F).
        #[arg(long)]
        package_wide: bool,
    },
    /// A card BMC's OEM command set (protocol/OEM.md).
    Oem {
        #[command(flatten)]
        target: Target,
        /// OEM manufacturer id.
        #[arg(long, default_value_t = oem::DEFAULT_MANUFACTURER_ID)]
        manufacturer_id: u32,
        /// The OEM command.
        #[command(subcommand)]
        command: OemCommand,
    },
}

fn parse_enum<T: std::fmt::Debug + From<u8>>(s: &str, max: u8) -> Result<T, String> {
    (0..=max)
        .map(T::from)
        .find(|v| format!("{v:?}").eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            let names: Vec<String> = (0..=max)
                .map(|v| format!("{:?}", T::from(v)))
                .filter(|n| !n.starts_with("Unknown"))
                .collect();
            format!("{s:?} is not one of {}", names.join(", "))
        })
}

/// OEM commands.
#[derive(Debug, Subcommand)]
pub enum OemCommand {
    /// GetBridgeInfo: identity, versions and capabilities.
    BridgeInfo,
    /// GetPowerState.
    PowerState,
    /// Reset the card's host.
    Reset {
        /// On, ForceOff, GracefulShutdown, GracefulRestart, ForceRestart, PowerCycle, Nmi.
        #[arg(long = "type", value_parser = |s: &str| parse_enum::<ResetType>(s, 7))]
        ty: ResetType,
        /// Wait until the card reports completion.
        #[arg(long)]
        wait: bool,
    },
    /// GetBootOverride.
    BootOverride,
    /// SetBootOverride.
    SetBootOverride {
        /// None, Pxe, Hdd, Cd, Usb, UefiHttp, UefiShell, BiosSetup, Diags.
        #[arg(long, value_parser = |s: &str| parse_enum::<BootTarget>(s, 8))]
        target: BootTarget,
        /// Disabled, Once, Continuous.
        #[arg(long, default_value = "Once", value_parser = |s: &str| parse_enum::<BootEnabled>(s, 2))]
        enabled: BootEnabled,
        /// Legacy or Uefi.
        #[arg(long, default_value = "Uefi", value_parser = |s: &str| parse_enum::<BootMode>(s, 1))]
        mode: BootMode,
        /// UEFI HTTP boot URI.
        #[arg(long, default_value = "")]
        uri: String,
    },
    /// VirtualMediaInsert.
    MediaInsert {
        /// Cd or Usb.
        #[arg(long, default_value = "Cd", value_parser = |s: &str| parse_enum::<MediaSlot>(s, 1))]
        slot: MediaSlot,
        /// Image URI.
        #[arg(long)]
        image: String,
        /// FromUri, Http, Https, Nfs, Cifs, Tftp, Ftp, Sftp, Scp.
        #[arg(long, default_value = "FromUri", value_parser = |s: &str| parse_enum::<TransferProtocol>(s, 8))]
        protocol: TransferProtocol,
        /// Attach read-write instead of write-protected.
        #[arg(long)]
        read_write: bool,
        /// User name for the image server.
        #[arg(long, default_value = "")]
        username: String,
        /// Password for the image server.
        #[arg(long, default_value = "")]
        password: String,
        /// Wait until the image is attached.
        #[arg(long)]
        wait: bool,
    },
    /// VirtualMediaEject.
    MediaEject {
        /// Cd or Usb.
        #[arg(long, default_value = "Cd", value_parser = |s: &str| parse_enum::<MediaSlot>(s, 1))]
        slot: MediaSlot,
    },
    /// VirtualMediaStatus.
    MediaStatus {
        /// Cd or Usb.
        #[arg(long, default_value = "Cd", value_parser = |s: &str| parse_enum::<MediaSlot>(s, 1))]
        slot: MediaSlot,
    },
    /// GetFirmwareInventory.
    Firmware,
    /// GetNetworkIdentity.
    NetworkIdentity,
    /// GetBootProgress.
    BootProgress,
    /// GetOperationStatus.
    OperationStatus {
        /// The operation's sequence number.
        #[arg(long, value_parser = hex_u32)]
        sequence: u32,
    },
}

impl NcsiCommand {
    /// The NC-SI command and its addressee, for the single-command variants.
    fn command(&self) -> Result<Option<(ChannelId, Command)>, String> {
        use NcsiCommand as N;
        Ok(Some(match self {
            N::Discover { .. } | N::Oem { .. } => return Ok(None),
            N::SelectPackage {
                target,
                hw_arbitration_disable,
            } => (
                target.package(),
                Command::SelectPackage {
                    hardware_arbitration_disable: *hw_arbitration_disable,
                },
            ),
            N::DeselectPackage(t) => (t.package(), Command::DeselectPackage),
            N::ClearInitialState(t) => (t.channel(), Command::ClearInitialState),
            N::EnableChannel(t) => (t.channel(), Command::EnableChannel),
            N::DisableChannel {
                target,
                allow_link_down,
            } => (
                target.channel(),
                Command::DisableChannel {
                    allow_link_down: *allow_link_down,
                },
            ),
            N::ResetChannel(t) => (t.channel(), Command::ResetChannel),
            N::EnableNetworkTx(t) => (t.channel(), Command::EnableChannelNetworkTx),
            N::DisableNetworkTx(t) => (t.channel(), Command::DisableChannelNetworkTx),
            N::AenEnable {
                target,
                mask,
                mc_id,
            } => (
                target.channel(),
                Command::AenEnable {
                    mc_id: *mc_id,
                    control: AenControl(*mask),
                },
            ),
            N::SetLink {
                target,
                settings,
                oem,
            } => (
                target.channel(),
                Command::SetLink {
                    settings: LinkSettings(*settings),
                    oem_settings: *oem,
                },
            ),
            N::GetLinkStatus(t) => (t.channel(), Command::GetLinkStatus),
            N::SetVlanFilter {
                target,
                vlan,
                filter,
                priority,
                disable,
            } => {
                if *vlan == 0 || *vlan > 4095 || *priority > 7 {
                    return Err("--vlan must be 1..=4095 and --priority 0..=7".into());
                }
                (
                    target.channel(),
                    Command::SetVlanFilter {
                        tag: (u16::from(*priority) << 13) | vlan,
                        filter: *filter,
                        enable: !disable,
                    },
                )
            }
            N::EnableVlan { target, mode } => {
                (target.channel(), Command::EnableVlan { mode: *mode })
            }
            N::DisableVlan(t) => (t.channel(), Command::DisableVlan),
            N::SetMac {
                target,
                mac,
                filter,
                multicast,
                disable,
            } => (
                target.channel(),
                Command::SetMacAddress {
                    mac: *mac,
                    filter: *filter,
                    address_type: u8::from(*multicast),
                    enable: !disable,
                },
            ),
            N::EnableBroadcastFilter { target, settings } => (
                target.channel(),
                Command::EnableBroadcastFilter {
                    settings: BroadcastFilter(*settings),
                },
            ),
            N::DisableBroadcastFilter(t) => (t.channel(), Command::DisableBroadcastFilter),
            N::EnableMulticastFilter { target, settings } => (
                target.channel(),
                Command::EnableGlobalMulticastFilter {
                    settings: MulticastFilter(*settings),
                },
            ),
            N::DisableMulticastFilter(t) => (t.channel(), Command::DisableGlobalMulticastFilter),
            N::SetFlowControl { target, mode } => (
                target.channel(),
                Command::SetNcsiFlowControl { mode: *mode },
            ),
            N::GetVersionId(t) => (t.channel(), Command::GetVersionId),
            N::GetCapabilities(t) => (t.channel(), Command::GetCapabilities),
            N::GetParameters(t) => (t.channel(), Command::GetParameters),
            N::GetControllerStatistics(t) => (t.channel(), Command::GetControllerPacketStatistics),
            N::GetNcsiStatistics(t) => (t.channel(), Command::GetNcsiStatistics),
            N::GetPassthroughStatistics(t) => (t.channel(), Command::GetNcsiPassthroughStatistics),
            N::GetPackageStatus(t) => (t.package(), Command::GetPackageStatus),
            N::GetPackageUuid(t) => (t.package(), Command::GetPackageUuid),
            N::GetMcMacAddress(t) => (t.channel(), Command::GetMcMacAddress),
            N::VendorGetMac { target, vendor } => {
                let v = match vendor {
                    Vendor::Mellanox => VendorGetMac::Mellanox,
                    Vendor::Broadcom => VendorGetMac::Broadcom,
                    Vendor::Intel => VendorGetMac::Intel,
                };
                (target.channel(), Command::Oem(v.request()))
            }
            N::Raw {
                target,
                ty,
                payload,
                package_wide,
            } => {
                let ty = u8::try_from(*ty)
                    .ok()
                    .filter(|t| *t < 0x7F)
                    .ok_or("--type must be 0x00..=0x7E")?;
                let cmd = Command::parse(ty, payload)
                    .map_err(|e| format!("--payload for type {ty:#04x}: {e}"))?;
                (
                    if *package_wide {
                        target.package()
                    } else {
                        target.channel()
                    },
                    cmd,
                )
            }
        }))
    }
}

impl OemCommand {
    fn request(&self) -> Request {
        match self {
            Self::BridgeInfo => Request::GetBridgeInfo {
                min_version: 1,
                max_version: 1,
            },
            Self::PowerState => Request::GetPowerState,
            Self::Reset { ty, .. } => Request::Reset(*ty),
            Self::BootOverride => Request::GetBootOverride,
            Self::SetBootOverride {
                target,
                enabled,
                mode,
                uri,
            } => Request::SetBootOverride(BootOverride {
                target: *target,
                enabled: *enabled,
                mode: *mode,
                uri: uri.clone(),
            }),
            Self::MediaInsert {
                slot,
                image,
                protocol,
                read_write,
                username,
                password,
                ..
            } => Request::VirtualMediaInsert(MediaInsert {
                slot: *slot,
                write_protected: !read_write,
                protocol: *protocol,
                image: image.clone(),
                username: username.clone(),
                password: password.clone(),
            }),
            Self::MediaEject { slot } => Request::VirtualMediaEject(*slot),
            Self::MediaStatus { slot } => Request::VirtualMediaStatus(*slot),
            Self::Firmware => Request::GetFirmwareInventory,
            Self::NetworkIdentity => Request::GetNetworkIdentity,
            Self::BootProgress => Request::GetBootProgress,
            Self::OperationStatus { sequence } => Request::GetOperationStatus {
                sequence: *sequence,
            },
        }
    }

    fn waits(&self) -> bool {
        matches!(
            self,
            Self::Reset { wait: true, .. } | Self::MediaInsert { wait: true, .. }
        )
    }
}

fn mac_str(m: &[u8; 6]) -> String {
    m.map(|b| format!("{b:02x}")).join(":")
}

/// The topology as text.
pub fn topology_text(t: &Topology) -> String {
    let mut s = String::new();
    if t.packages.is_empty() {
        s.push_str("no NC-SI package answered\n");
    }
    for p in &t.packages {
        s.push_str(&format!(
            "package {}{}{}\n",
            p.id,
            p.uuid
                .map(|u| format!("  uuid {}", sidebridge_protocol::text::uuid(&u)))
                .unwrap_or_default(),
            if p.present { "" } else { "  (not answering)" }
        ));
        if let Some(c) = &p.card {
            s.push_str(&format!(
                "  card BMC: {} {} serial {} part {} firmware {} (OEM v{}..{}, capabilities {:#x})\n",
                c.manufacturer, c.model, c.serial, c.part_number, c.firmware_version, c.min_version, c.max_version, c.capabilities
            ));
        }
        for c in &p.channels {
            let sd = c.link.speed_duplex();
            let link = if c.link.link_up() {
                format!(
                    "link up {}",
                    sd.mbps()
                        .map(|m| format!("{} Mb/s", m))
                        .unwrap_or_else(|| format!("{sd:?}"))
                )
            } else {
                "link down".to_string()
            };
            s.push_str(&format!(
                "  channel {}: {:?}, {}, {} {} (PCI {:04x}:{:04x}, IANA {}){}\n",
                c.id.channel_id(),
                c.role,
                link,
                c.version.firmware_name(),
                c.version.firmware_version_dotted(),
                c.version.pci_vendor_id,
                c.version.pci_device_id,
                c.version.manufacturer_id,
                c.host_mac
                    .map(|m| format!(", host MAC {}", mac_str(&m)))
                    .unwrap_or_default()
                    + &c.mc_mac
                        .map(|m| format!(", MC MAC {}", mac_str(&m)))
                        .unwrap_or_default()
            ));
        }
    }
    if let Some(a) = t.active {
        s.push_str(&format!("active: {a}\n"));
    }
    s
}

/// A response as text.
pub fn response_text(ch: ChannelId, r: &Response) -> String {
    let head = format!(
        "{} ({ch}): {} ({:#06x}), reason {} ({:#06x})\n",
        r.command_type().name(),
        r.code.name(),
        u16::from(r.code),
        r.reason.name(),
        u16::from(r.reason)
    );
    let body = match &r.data {
        ResponseData::Empty(_) => String::new(),
        ResponseData::Raw { bytes, .. } if bytes.is_empty() => String::new(),
        ResponseData::LinkStatus(l) => {
            let sd = l.status.speed_duplex();
            format!(
                "  link {}, speed/duplex {:?}{}, autoneg {}{}, flow control tx {} rx {}, host driver {}\n",
                if l.status.link_up() { "up" } else { "down" },
                sd,
                sd.mbps()
                    .map(|m| format!(" ({m} Mb/s)"))
                    .unwrap_or_default(),
                if l.status.autoneg_enabled() {
                    "on"
                } else {
                    "off"
                },
                if l.status.autoneg_complete() {
                    " (complete)"
                } else {
                    ""
                },
                l.status.tx_flow_control(),
                l.status.rx_flow_control(),
                if l.other_indications & 1 != 0 {
                    "running"
                } else {
                    "not running"
                }
            )
        }
        ResponseData::VersionId(v) => format!(
            "  NC-SI {}, firmware {} {}, PCI {:04x}:{:04x} subsystem {:04x}:{:04x}, manufacturer (IANA) {}\n",
            v.ncsi_version_string(),
            v.firmware_name(),
            v.firmware_version_dotted(),
            v.pci_vendor_id,
            v.pci_device_id,
            v.pci_subsystem_vendor_id,
            v.pci_subsystem_id,
            v.manufacturer_id
        ),
        ResponseData::PackageUuid(u) => format!("  UUID {}\n", sidebridge_protocol::text::uuid(u)),
        ResponseData::McMacAddresses(m) => format!(
            "  {}\n",
            m.iter().map(mac_str).collect::<Vec<_>>().join(", ")
        ),
        ResponseData::Oem(o) => match VendorGetMac::parse_response(o) {
            Ok(m) => format!(
                "  {:?} get-MAC: {} (BMC address {})\n",
                m.vendor,
                mac_str(&m.mac),
                mac_str(&m.bmc_mac())
            ),
            Err(_) => format!("  {o:#?}\n"),
        },
        other => format!("{other:#?}\n")
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect(),
    };
    head + &body
}

/// Why an `ncsi` command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments do not make a command.
    #[error("{0}")]
    Usage(String),
    /// The path to the controllers could not be opened.
    #[error(transparent)]
    Open(#[from] crate::daemon::OpenError),
    /// The pcap file could not be created.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The command got no usable answer.
    #[error(transparent)]
    Request(#[from] crate::ncsi::RequestError),
    /// The OEM exchange with the card failed.
    #[error(transparent)]
    Oem(#[from] crate::ncsi::OemError),
    /// The controller or the card answered with a failure: the decoded answer.
    #[error("{0}")]
    Failed(String),
}

async fn open(args: &NcsiArgs) -> Result<Arc<dyn Transport>, CliError> {
    if args.interface.is_empty() && args.transport != TransportKind::Mctp {
        return Err(CliError::Usage(match args.transport {
            TransportKind::MctpSerial => {
                "--transport mctp-serial needs the serial device: --interface /dev/ttyS2".into()
            }
            _ => "give the NC-SI interface: --interface eth0".into(),
        }));
    }
    let (t, _, _) = crate::daemon::open_transport(
        args.transport,
        &args.interface,
        args.mctp_local_eid,
        args.mctp_eid,
    )
    .await?;
    Ok(crate::daemon::decorate(t, args.pcap.as_deref())?)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Runs an `ncsi` command; returns the text to print.
pub async fn run(args: NcsiArgs) -> Result<String, CliError> {
    let timing = Timing {
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        retries: args.retries,
    };
    let transport = open(&args).await?;
    let requester = Arc::new(Requester::new(transport));
    if let Some((ch, cmd)) = args.command.command().map_err(CliError::Usage)? {
        let r = requester.request(ch, cmd, timing).await?;
        let text = if args.json {
            json(&serde_json::json!({ "channel": ch, "response": r }))
        } else {
            response_text(ch, &r)
        };
        return if r.is_completed() {
            Ok(text)
        } else {
            Err(CliError::Failed(text.trim_end().to_string()))
        };
    }
    match &args.command {
        NcsiCommand::Discover { packages } => {
            discover(requester, timing, packages, args.json).await
        }
        NcsiCommand::Oem {
            target,
            manufacturer_id,
            command,
        } => {
            let client = OemClient::new(
                requester.clone(),
                target.channel(),
                *manufacturer_id,
                timing,
            );
            oem(&requester, &client, command, args.json).await
        }
        // Every other command is one NC-SI command, sent above.
        _ => Err(CliError::Usage(
            "this command takes no OEM or discovery arguments".into(),
        )),
    }
}

/// `ncsi discover`: the manager's discovery once, with its time.
async fn discover(
    requester: Arc<Requester>,
    timing: Timing,
    packages: &[u8],
    json_out: bool,
) -> Result<String, CliError> {
    let mut cfg = ManagerConfig {
        command: timing,
        ..ManagerConfig::default()
    };
    if !packages.is_empty() {
        if let Some(bad) = packages.iter().find(|p| **p > 7) {
            return Err(CliError::Usage(format!(
                "--packages: {bad} is out of range 0..=7"
            )));
        }
        cfg.packages = packages.to_vec();
    }
    let started = std::time::Instant::now();
    let t = Manager::new(requester, cfg).discover().await;
    let elapsed = started.elapsed();
    Ok(if json_out {
        json(&t)
    } else {
        format!(
            "{}discovered in {} ms\n",
            topology_text(&t),
            elapsed.as_millis()
        )
    })
}

/// `ncsi oem`: one OEM command to a card BMC; a long one is followed to completion.
async fn oem(
    requester: &Arc<Requester>,
    client: &OemClient,
    command: &OemCommand,
    json_out: bool,
) -> Result<String, CliError> {
    let req = command.request();
    if command.waits() {
        let events = Some(requester.subscribe_aens());
        let seq = client
            .run_to_completion(&req, events, Duration::from_secs(600))
            .await?;
        return Ok(if json_out {
            json(&serde_json::json!({ "sequence": seq, "result": "Ok" }))
        } else {
            format!("operation {seq:#x} completed\n")
        });
    }
    let (seq, r) = client.call_raw(&req).await?;
    let text = if json_out {
        json(&serde_json::json!({ "sequence": seq, "response": r }))
    } else {
        let body = format!("{:#?}", r.body);
        format!(
            "{:?} (sequence {seq:#x}): {:?}\n{}\n",
            r.command,
            r.result,
            body.lines()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    if r.result.is_success() {
        Ok(text)
    } else {
        Err(CliError::Failed(text.trim_end().to_string()))
    }
}
