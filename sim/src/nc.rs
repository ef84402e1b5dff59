//! A model of the network controllers on one NC-SI sideband: up to 8 packages of up to
//! 31 channels, each package optionally fronting a card BMC ([`CardBmc`]).
//!
//! It follows DSP0222 1.2's state machine: channels start in the Initial State and
//! answer everything but Clear Initial State with Command Failed / Interface
//! Initialization Required (§6.2.4); packages are selected and deselected (§6.2.5);
//! channel enable, network TX, AEN enables, link settings and the VLAN, MAC,
//! broadcast and multicast filters are state that Get Parameters reports back
//! (§8.4.49); statistics count the packets the model really saw. Misuse gets the
//! response and reason codes DSP0222 gives for it. A channel that does not exist, or a
//! package that is absent, does not answer at all — that is how an MC discovers them.
//!
//! The model is synchronous and takes time as virtual milliseconds; the async runner in
//! [`crate::runner`] drives it.

use crate::card::{CardBmc, CardConfig};
use sidebridge_protocol::ncsi::header::{HEADER_REVISION, RESPONSE_BIT};
use sidebridge_protocol::ncsi::{
    Aen, AenControl, Body, BroadcastFilter, Capabilities, ChannelId, Command, CommandType,
    ConfigurationFlags, ControlPacket, ControllerPacketStatistics, LinkSettings, LinkStatus,
    LinkStatusData, MulticastFilter, NcsiStatistics, OemCommand, OemResponse, PackageStatus,
    PacketRepr, Parameters, PassthroughStatistics, ReasonCode, Response, ResponseCode,
    ResponseData, VendorGetMac, VersionId,
};
use sidebridge_protocol::oem::{self, CommandId as OemCommandId, Frame, ResultCode};

/// What a package is (from the scenario file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageConfig {
    /// Package id, 0..=7.
    pub id: u8,
    /// Number of channels, 1..=31.
    pub channels: u8,
    /// Get Package UUID.
    pub uuid: [u8; 16],
    /// Get Version ID.
    pub version: VersionId,
    /// Get Capabilities (the channel count is taken from `channels`).
    pub capabilities: Capabilities,
    /// Link speeds Set Link may enable (LinkSettings speed bits).
    pub supported_speeds: LinkSettings,
    /// Link status of every channel at start.
    pub link: LinkStatus,
    /// Host traffic of each channel while its link is up, frames a second.
    pub traffic_fps: u32,
    /// Which vendor get-MAC command the NC answers, if any.
    pub vendor: Option<VendorGetMac>,
    /// Host MAC of channel 0; channel n has this plus n.
    pub base_mac: [u8; 6],
    /// Get MC MAC Address (1.2).
    pub mc_macs: Vec<[u8; 6]>,
    /// The card BMC behind this package, for DPUs.
    pub card: Option<CardConfig>,
}

/// One channel's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Internal channel id.
    pub id: u8,
    /// In the Initial State (§6.2.4).
    pub initial: bool,
    /// Enable Channel / Disable Channel.
    pub enabled: bool,
    /// Allow Link Down of the last Disable Channel.
    pub allow_link_down: bool,
    /// Enable/Disable Channel Network TX.
    pub tx_enabled: bool,
    /// AEN Enable: MC ID and control.
    pub aen_mc_id: u8,
    /// AEN control in force.
    pub aen: AenControl,
    /// Link status.
    pub link: LinkStatus,
    /// Set Link settings.
    pub link_settings: LinkSettings,
    /// Set Link OEM settings.
    pub oem_link_settings: u32,
    /// VLAN filters: tag and enabled, indexed by filter number − 1.
    pub vlans: Vec<(u16, bool)>,
    /// Enable VLAN mode, `None` when disabled.
    pub vlan_mode: Option<u8>,
    /// MAC filters: address, type and enabled, indexed by filter number − 1.
    pub macs: Vec<([u8; 6], u8, bool)>,
    /// Broadcast filter, `None` when disabled.
    pub broadcast: Option<BroadcastFilter>,
    /// Global multicast filter, `None` when disabled.
    pub multicast: Option<MulticastFilter>,
    /// Set NC-SI Flow Control mode.
    pub flow_control: u8,
    /// Host NC driver running (Get Link Status other indications, HNCDSC AEN).
    pub host_driver: bool,
    /// NC-SI statistics, counted from what the model saw.
    pub stats: NcsiStatistics,
    /// Milliseconds this channel's link has been up (host traffic flows only then).
    pub traffic_up_ms: u64,
    /// When `traffic_up_ms` was last brought up to date.
    pub traffic_at: u64,
}

/// Host traffic the model's counters follow: of every 100 frames received, 94 unicast,
/// 5 multicast, 1 broadcast; transmitted is 4/5 of received, 97/2/1; 742 bytes per
/// frame on average; one FCS error in a million frames received.
const RX_SHARES: [u64; 3] = [94, 5, 1];
const TX_SHARES: [u64; 3] = [97, 2, 1];
const FRAME_BYTES: u64 = 742;

impl Channel {
    /// Brings the link-up time to `now`.
    pub fn account_traffic(&mut self, now: u64) {
        if self.link.link_up() {
            self.traffic_up_ms += now.saturating_sub(self.traffic_at);
        }
        self.traffic_at = self.traffic_at.max(now);
    }

    /// Get Controller Packet Statistics (DSP0222 1.2 §8.4.51) as the traffic model
    /// has it: host traffic at `fps` frames a second while the link was up.
    pub fn packet_statistics(&self, fps: u32) -> ControllerPacketStatistics {
        let rx = self.traffic_up_ms * u64::from(fps) / 1000;
        let tx = rx * 4 / 5;
        let part = |n: u64, s: u64| n * s / 100;
        let fcs = (rx / 1_000_000) as u32;
        let bins = |n: u64| -> [u32; 7] {
            // 64, 65–127, 128–255, 256–511, 512–1023, 1024–1522, 1523–9022 bytes.
            let shares = [30, 10, 5, 5, 10, 40, 0];
            shares.map(|x| (n * x / 100) as u32)
        };
        ControllerPacketStatistics {
            rx_bytes: rx * FRAME_BYTES,
            tx_bytes: tx * FRAME_BYTES,
            rx_unicast: part(rx, RX_SHARES[0]),
            rx_multicast: part(rx, RX_SHARES[1]),
            rx_broadcast: part(rx, RX_SHARES[2]),
            tx_unicast: part(tx, TX_SHARES[0]),
            tx_multicast: part(tx, TX_SHARES[1]),
            tx_broadcast: part(tx, TX_SHARES[2]),
            fcs_errors: fcs,
            rx_frames_by_size: bins(rx),
            tx_frames_by_size: bins(tx),
            rx_valid_bytes: (rx - u64::from(fcs)) * FRAME_BYTES,
            ..Default::default()
        }
    }

    fn new(id: u8, link: LinkStatus, caps: &Capabilities) -> Self {
        let mac_slots = usize::from(caps.unicast_filter_count)
            + usize::from(caps.multicast_filter_count)
            + usize::from(caps.mixed_filter_count);
        Channel {
            id,
            initial: true,
            enabled: false,
            allow_link_down: false,
            tx_enabled: false,
            aen_mc_id: 0,
            aen: AenControl(0),
            link,
            link_settings: LinkSettings(0),
            oem_link_settings: 0,
            vlans: vec![(0, false); usize::from(caps.vlan_filter_count)],
            vlan_mode: None,
            macs: vec![([0; 6], 0, false); mac_slots],
            broadcast: None,
            multicast: None,
            flow_control: 0,
            host_driver: false,
            stats: NcsiStatistics::default(),
            traffic_up_ms: 0,
            traffic_at: 0,
        }
    }

    /// Back to the Initial State: configuration cleared (Reset Channel, §8.4.13).
    /// Statistics and link survive.
    fn reset(&mut self, caps: &Capabilities) {
        let mut fresh = Channel::new(self.id, self.link, caps);
        fresh.stats = self.stats;
        fresh.host_driver = self.host_driver;
        (fresh.traffic_up_ms, fresh.traffic_at) = (self.traffic_up_ms, self.traffic_at);
        *self = fresh;
    }
}

/// One package.
#[derive(Debug)]
pub struct Package {
    /// Its configuration.
    pub config: PackageConfig,
    /// Selected (Select Package) or deselected.
    pub selected: bool,
    /// Hardware arbitration disabled by the last Select Package.
    pub hw_arbitration_disabled: bool,
    /// Present on the bus (fault injection can take it away).
    pub present: bool,
    /// Its channels.
    pub channels: Vec<Channel>,
    /// The card BMC behind it.
    pub card: Option<CardBmc>,
}

/// A packet the model puts on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// From which package.
    pub package: u8,
    /// The channel id in the packet.
    pub channel: ChannelId,
    /// The command answered, `None` for an AEN.
    pub command: Option<CommandType>,
    /// The control packet.
    pub bytes: Vec<u8>,
}

/// All packages on the sideband.
#[derive(Debug)]
pub struct Nc {
    packages: Vec<Package>,
}

fn add_to_mac(mac: [u8; 6], n: u8) -> [u8; 6] {
    let v = u64::from_be_bytes([0, 0, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]])
        .wrapping_add(u64::from(n));
    let b = v.to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

/// The speed/duplex code for the fastest speed both allowed and supported.
fn negotiated_speed(allowed: LinkSettings, supported: LinkSettings) -> u8 {
    let both = allowed.0 & supported.0;
    // (LinkSettings bit, speed/duplex code), fastest first.
    for (bit, code) in [
        (14, 13),
        (13, 12),
        (7, 11),
        (6, 10),
        (5, 9),
        (4, 8),
        (15, 14),
        (3, 7),
        (2, 5),
        (1, 2),
    ] {
        if both & (1 << bit) != 0 {
            return code;
        }
    }
    0
}

const SPEED_BITS: u32 = 0b1110_0000_1111_1110;

impl Nc {
    /// The sideband with `packages`, every channel in the Initial State.
    pub fn new(packages: Vec<PackageConfig>) -> Self {
        let packages = packages
            .into_iter()
            .map(|mut config| {
                config.capabilities.channel_count = config.channels;
                let channels = (0..config.channels)
                    .map(|i| Channel::new(i, config.link, &config.capabilities))
                    .collect();
                let card = config.card.clone().map(CardBmc::new);
                Package {
                    config,
                    selected: false,
                    hw_arbitration_disabled: false,
                    present: true,
                    channels,
                    card,
                }
            })
            .collect();
        Nc { packages }
    }

    /// The packages.
    pub fn packages(&self) -> &[Package] {
        &self.packages
    }

    /// Package `id`.
    pub fn package(&self, id: u8) -> Option<&Package> {
        self.packages.iter().find(|p| p.config.id == id)
    }

    fn package_index(&self, id: u8) -> Option<usize> {
        self.packages.iter().position(|p| p.config.id == id)
    }

    /// The card BMC of package `id`.
    pub fn card(&self, id: u8) -> Option<&CardBmc> {
        self.package(id)?.card.as_ref()
    }

    /// The card BMC of package `id`, mutable (tests, fault injection).
    pub fn card_mut(&mut self, id: u8) -> Option<&mut CardBmc> {
        let i = self.package_index(id)?;
        self.packages[i].card.as_mut()
    }

    /// The earliest time a card has something scheduled.
    pub fn next_deadline(&self) -> Option<u64> {
        self.packages
            .iter()
            .filter_map(|p| p.card.as_ref()?.next_deadline())
            .min()
    }

    /// Brings every channel's traffic to `now` (before a link change, a command or an
    /// advance, so link-up time is counted between them).
    pub fn account_traffic(&mut self, now: u64) {
        for p in &mut self.packages {
            for c in &mut p.channels {
                c.account_traffic(now);
            }
        }
    }

    /// Advances every card to `now` and returns the AENs their events cause.
    pub fn advance(&mut self, now: u64) -> Vec<Outgoing> {
        self.account_traffic(now);
        let mut out = Vec::new();
        for i in 0..self.packages.len() {
            if let Some(card) = self.packages[i].card.as_mut() {
                card.advance(now);
            }
            self.card_events(i, &mut out);
        }
        out
    }

    fn card_events(&mut self, i: usize, out: &mut Vec<Outgoing>) {
        let Some(card) = self.packages[i].card.as_mut() else {
            return;
        };
        let events = card.take_events();
        let mfr = card.config().manufacturer_id;
        for ev in events {
            self.aen(i, None, oem::EVENT_AEN_ENABLE_BIT, &ev.to_aen(mfr), out);
        }
    }

    /// Queues `aen` on every channel of package `i` (or on `only`) whose AEN control has
    /// any bit of `enable_bit` set, when the package is present and selected.
    fn aen(
        &mut self,
        i: usize,
        only: Option<u8>,
        enable_bit: u32,
        aen: &Aen,
        out: &mut Vec<Outgoing>,
    ) {
        let pkg = &mut self.packages[i];
        if !pkg.present || !pkg.selected {
            return;
        }
        let pid = pkg.config.id;
        for ch in pkg
            .channels
            .iter_mut()
            .filter(|c| only.is_none_or(|o| o == c.id))
        {
            if ch.initial && enable_bit != 1 << 1 || ch.aen.0 & enable_bit == 0 {
                continue;
            }
            let channel = ChannelId::new(pid, ch.id);
            if let Ok(bytes) = PacketRepr::aen(ch.aen_mc_id, channel, aen.clone()).to_bytes() {
                ch.stats.aens_sent = ch.stats.aens_sent.wrapping_add(1);
                ch.stats.transmit_packets = ch.stats.transmit_packets.wrapping_add(1);
                out.push(Outgoing {
                    package: pid,
                    channel,
                    command: None,
                    bytes,
                });
            }
        }
    }

    /// Sets a channel's link up or down; a change sends a Link Status Change AEN where
    /// enabled (§8.5.2).
    pub fn set_link(&mut self, package: u8, channel: u8, up: bool) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let Some(i) = self.package_index(package) else {
            return out;
        };
        let Some(ch) = self.packages[i]
            .channels
            .iter_mut()
            .find(|c| c.id == channel)
        else {
            return out;
        };
        let new = ch.link.with(0, up);
        if new == ch.link {
            return out;
        }
        ch.link = new;
        self.aen(
            i,
            Some(channel),
            1 << 0,
            &Aen::LinkStatusChange {
                status: new,
                oem_status: 0,
            },
            &mut out,
        );
        out
    }

    /// Sets the host NC driver state of a channel; a change sends a Host NC Driver
    /// Status Change AEN where enabled (§8.5.4).
    pub fn set_host_driver(&mut self, package: u8, channel: u8, running: bool) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let Some(i) = self.package_index(package) else {
            return out;
        };
        let Some(ch) = self.packages[i]
            .channels
            .iter_mut()
            .find(|c| c.id == channel)
        else {
            return out;
        };
        if ch.host_driver == running {
            return out;
        }
        ch.host_driver = running;
        self.aen(
            i,
            Some(channel),
            1 << 2,
            &Aen::HostNcDriverStatusChange {
                status: u32::from(running),
            },
            &mut out,
        );
        out
    }

    /// Takes a package off the bus, or puts it back. A package that comes back has been
    /// reset: every channel is in the Initial State (configuration lost, AEN enables kept
    /// so that it can report it) and sends Configuration Required where enabled (§8.5.3).
    pub fn set_present(&mut self, package: u8, present: bool) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let Some(i) = self.package_index(package) else {
            return out;
        };
        if self.packages[i].present == present {
            return out;
        }
        self.packages[i].present = present;
        if present {
            let caps = self.packages[i].config.capabilities;
            for ch in &mut self.packages[i].channels {
                let (aen, mc) = (ch.aen, ch.aen_mc_id);
                ch.reset(&caps);
                ch.aen = aen;
                ch.aen_mc_id = mc;
            }
            self.aen(i, None, 1 << 1, &Aen::ConfigurationRequired, &mut out);
            // Only the configuration-required bit survives the reset.
            for ch in &mut self.packages[i].channels {
                ch.aen = AenControl(0);
            }
        }
        out
    }

    /// An AEN storm: `count` Link Status Change AENs from one channel, whatever its
    /// AEN enables (a misbehaving NC).
    pub fn aen_storm(&mut self, package: u8, channel: u8, count: u32) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let Some(pkg) = self.package(package) else {
            return out;
        };
        let Some(ch) = pkg.channels.iter().find(|c| c.id == channel) else {
            return out;
        };
        let id = ChannelId::new(package, channel);
        let aen = PacketRepr::aen(
            ch.aen_mc_id,
            id,
            Aen::LinkStatusChange {
                status: ch.link,
                oem_status: 0,
            },
        );
        if let Ok(bytes) = aen.to_bytes() {
            for _ in 0..count {
                out.push(Outgoing {
                    package,
                    channel: id,
                    command: None,
                    bytes: bytes.clone(),
                });
            }
        }
        out
    }

    /// Handles one control packet from the MC at time `now`; returns the response (if
    /// any) and AENs it causes.
    pub fn handle(&mut self, bytes: &[u8], now: u64) -> Vec<Outgoing> {
        self.account_traffic(now);
        let mut out = Vec::new();
        let Ok(packet) = ControlPacket::new_checked(bytes) else {
            return out;
        };
        let channel_id = packet.channel();
        let Some(i) = self.package_index(channel_id.package_id()) else {
            return out;
        };
        if !self.packages[i].present || packet.packet_type() & RESPONSE_BIT != 0 {
            return out; // absent packages are silent; responses and AENs are for the MC
        }
        let stats_channel = if channel_id.is_package_wide() {
            0
        } else {
            channel_id.channel_id()
        };
        let stat = |nc: &mut Nc, f: &dyn Fn(&mut NcsiStatistics)| {
            if let Some(c) = nc.packages[i]
                .channels
                .iter_mut()
                .find(|c| c.id == stats_channel)
            {
                f(&mut c.stats);
            }
        };
        stat(self, &|s| inc(&mut s.receive_packets));
        let bad_checksum = packet.verify_checksum().is_err();
        if bad_checksum || packet.revision() != HEADER_REVISION {
            stat(self, &|s| {
                inc(&mut s.control_packets_dropped);
                if bad_checksum {
                    inc(&mut s.command_checksum_errors);
                }
            });
            return out;
        }
        let channel_exists = channel_id.is_package_wide()
            || usize::from(channel_id.channel_id()) < self.packages[i].channels.len();
        if !channel_exists {
            return out;
        }
        stat(self, &|s| inc(&mut s.commands_received));

        let command_type = CommandType::from(packet.packet_type());
        let answer = match Command::parse(packet.packet_type(), packet.payload()) {
            _ if matches!(command_type, CommandType::Unknown(_)) => Answer::Unsupported,
            Err(_) => Answer::Fail(ReasonCode::InvalidPayloadLength),
            Ok(cmd) => self.execute(i, channel_id, cmd, now),
        };
        if matches!(command_type, CommandType::Unknown(_)) {
            stat(self, &|s| inc(&mut s.command_type_errors));
        }
        let response = PacketRepr {
            mc_id: packet.mc_id(),
            iid: packet.iid(),
            channel: channel_id,
            body: Body::Response(answer.into_response(command_type)),
        };
        if let Ok(bytes) = response.to_bytes() {
            stat(self, &|s| inc(&mut s.transmit_packets));
            out.push(Outgoing {
                package: channel_id.package_id(),
                channel: channel_id,
                command: Some(command_type),
                bytes,
            });
        }
        // A card operation may have produced events while answering.
        self.card_events(i, &mut out);
        out
    }

    /// Runs one well-formed command on package `i`: package commands first, then the
    /// Initial State rule (§6.2.4), then the channel's own dispatch.
    fn execute(&mut self, i: usize, channel_id: ChannelId, cmd: Command, now: u64) -> Answer {
        let pkg = &mut self.packages[i];
        if let Some(answer) = pkg.package_command(&cmd) {
            return answer;
        }
        // OEM commands to the package address its card (one per package).
        let is_oem = matches!(cmd, Command::Oem(_));
        if channel_id.is_package_wide() && !is_oem {
            return Answer::Fail(ReasonCode::ParameterInvalid);
        }
        let ch_index = if channel_id.is_package_wide() {
            0
        } else {
            usize::from(channel_id.channel_id())
        };
        let ch = &mut pkg.channels[ch_index];
        if ch.initial && !matches!(cmd, Command::ClearInitialState) {
            return Answer::Fail(ReasonCode::InterfaceInitializationRequired);
        }
        match cmd {
            Command::Oem(oem_cmd) => pkg.oem(ch_index, channel_id, &oem_cmd, now),
            cmd => ch.execute(cmd, &pkg.config),
        }
    }
}

/// What the model answers a command with; [`Nc::handle`] makes the response packet.
#[derive(Debug, PartialEq)]
enum Answer {
    /// Command Completed with this data.
    Done(ResponseData),
    /// Command Failed with this reason.
    Fail(ReasonCode),
    /// Command Unsupported / Unsupported Command Type (§8.2.6).
    Unsupported,
}

impl Answer {
    /// Completed with no data beyond the codes.
    fn empty(t: CommandType) -> Self {
        Answer::Done(ResponseData::Empty(t))
    }

    fn into_response(self, command: CommandType) -> Response {
        match self {
            Answer::Done(data) => Response {
                code: ResponseCode::Completed,
                reason: ReasonCode::NoError,
                data,
            },
            Answer::Fail(reason) => Response::error(command, ResponseCode::Failed, reason),
            Answer::Unsupported => Response::error(
                command,
                ResponseCode::Unsupported,
                ReasonCode::UnsupportedCommandType,
            ),
        }
    }
}

/// Adds one to a 32-bit statistics counter, wrapping as the counters do (§8.4.54).
fn inc(counter: &mut u32) {
    *counter = counter.wrapping_add(1);
}

impl Package {
    /// Package commands (§8.4.5, §8.4.7, §8.4.57, §8.4.63) work on the package,
    /// whatever the channel field says; PLDM is not modelled.
    fn package_command(&mut self, cmd: &Command) -> Option<Answer> {
        let caps = &self.config.capabilities;
        Some(match cmd {
            Command::SelectPackage {
                hardware_arbitration_disable,
            } => {
                self.selected = true;
                self.hw_arbitration_disabled = *hardware_arbitration_disable;
                Answer::empty(CommandType::SelectPackage)
            }
            Command::DeselectPackage => {
                self.selected = false;
                Answer::empty(CommandType::DeselectPackage)
            }
            Command::GetPackageStatus => {
                Answer::Done(ResponseData::PackageStatus(PackageStatus(u32::from(
                    self.selected
                        && !self.hw_arbitration_disabled
                        && caps.flags.hardware_arbitration(),
                ))))
            }
            Command::GetPackageUuid => Answer::Done(ResponseData::PackageUuid(self.config.uuid)),
            Command::Pldm(_) | Command::QueryPendingNcPldmRequest | Command::SendNcPldmReply(_) => {
                Answer::Unsupported
            }
            _ => return None,
        })
    }

    /// OEM Command (§8.4.58): the vendor get-MAC the NC answers itself, else the
    /// sidebridge OEM set for the card behind the package.
    fn oem(
        &mut self,
        ch_index: usize,
        channel_id: ChannelId,
        cmd: &OemCommand,
        now: u64,
    ) -> Answer {
        let channel_mac = add_to_mac(self.config.base_mac, self.channels[ch_index].id);
        if let (Some(v), Some(asked)) = (self.config.vendor, cmd.vendor_get_mac()) {
            if v == asked {
                return Answer::Done(ResponseData::Oem(v.response(channel_mac)));
            }
        }
        match self.card.as_mut() {
            Some(card) if card.config().manufacturer_id == cmd.manufacturer_id => {
                Answer::Done(ResponseData::Oem(oem_to_card(card, channel_id.0, cmd, now)))
            }
            _ => Answer::Unsupported,
        }
    }
}

impl Channel {
    /// The channel's dispatch table: one arm per DSP0222 channel command, state in
    /// `self`, limits from the package's configuration.
    fn execute(&mut self, cmd: Command, cfg: &PackageConfig) -> Answer {
        use CommandType as T;
        let caps = &cfg.capabilities;
        match cmd {
            Command::ClearInitialState => {
                self.initial = false;
                Answer::empty(T::ClearInitialState)
            }
            Command::EnableChannel => {
                self.enabled = true;
                Answer::empty(T::EnableChannel)
            }
            Command::DisableChannel { allow_link_down } => {
                self.enabled = false;
                self.allow_link_down = allow_link_down;
                Answer::empty(T::DisableChannel)
            }
            Command::ResetChannel => {
                self.reset(caps);
                Answer::empty(T::ResetChannel)
            }
            Command::EnableChannelNetworkTx => {
                self.tx_enabled = true;
                Answer::empty(T::EnableChannelNetworkTx)
            }
            Command::DisableChannelNetworkTx => {
                self.tx_enabled = false;
                Answer::empty(T::DisableChannelNetworkTx)
            }
            Command::AenEnable { mc_id, control } => self.aen_enable(mc_id, control, caps),
            Command::SetLink {
                settings,
                oem_settings,
            } => self.set_link(settings, oem_settings, cfg.supported_speeds),
            Command::GetLinkStatus => Answer::Done(ResponseData::LinkStatus(LinkStatusData {
                status: self.link,
                other_indications: u32::from(self.host_driver),
                oem_status: 0,
            })),
            Command::SetVlanFilter {
                tag,
                filter,
                enable,
            } => self.set_vlan_filter(tag, filter, enable),
            Command::EnableVlan { mode } => self.enable_vlan(mode, caps),
            Command::DisableVlan => {
                self.vlan_mode = None;
                Answer::empty(T::DisableVlan)
            }
            Command::SetMacAddress {
                mac,
                filter,
                address_type,
                enable,
            } => self.set_mac_address(mac, filter, address_type, enable),
            Command::EnableBroadcastFilter { settings } => {
                if settings.0 & !caps.broadcast_filter.0 != 0 {
                    return Answer::Fail(ReasonCode::ParameterInvalid);
                }
                self.broadcast = Some(settings);
                Answer::empty(T::EnableBroadcastFilter)
            }
            Command::DisableBroadcastFilter => {
                self.broadcast = None;
                Answer::empty(T::DisableBroadcastFilter)
            }
            Command::EnableGlobalMulticastFilter { settings } => {
                if settings.0 & !caps.multicast_filter.0 != 0 {
                    return Answer::Fail(ReasonCode::ParameterInvalid);
                }
                self.multicast = Some(settings);
                Answer::empty(T::EnableGlobalMulticastFilter)
            }
            Command::DisableGlobalMulticastFilter => {
                self.multicast = None;
                Answer::empty(T::DisableGlobalMulticastFilter)
            }
            Command::SetNcsiFlowControl { mode } => self.set_flow_control(mode, caps),
            Command::GetVersionId => Answer::Done(ResponseData::VersionId(cfg.version)),
            Command::GetCapabilities => Answer::Done(ResponseData::Capabilities(*caps)),
            Command::GetParameters => Answer::Done(ResponseData::Parameters(self.parameters())),
            // The host traffic model (`packet_statistics`); the model carries no
            // pass-through traffic, so its pass-through counters stay zero.
            Command::GetControllerPacketStatistics => {
                Answer::Done(ResponseData::ControllerPacketStatistics(Box::new(
                    self.packet_statistics(cfg.traffic_fps),
                )))
            }
            Command::GetNcsiStatistics => Answer::Done(ResponseData::NcsiStatistics(self.stats)),
            Command::GetNcsiPassthroughStatistics => Answer::Done(
                ResponseData::PassthroughStatistics(PassthroughStatistics::default()),
            ),
            Command::GetMcMacAddress => {
                Answer::Done(ResponseData::McMacAddresses(cfg.mc_macs.clone()))
            }
            // Package commands and OEM are dispatched before the channel's table.
            Command::SelectPackage { .. }
            | Command::DeselectPackage
            | Command::GetPackageStatus
            | Command::GetPackageUuid
            | Command::Pldm(_)
            | Command::QueryPendingNcPldmRequest
            | Command::SendNcPldmReply(_)
            | Command::Oem(_)
            | Command::Unknown { .. } => Answer::Unsupported,
        }
    }

    /// AEN Enable (§8.4.15): only AENs the NC supports.
    fn aen_enable(&mut self, mc_id: u8, control: AenControl, caps: &Capabilities) -> Answer {
        if control.0 & !caps.aen_control.0 != 0 {
            return Answer::Fail(ReasonCode::ParameterInvalid);
        }
        self.aen_mc_id = mc_id;
        self.aen = control;
        Answer::empty(CommandType::AenEnable)
    }

    /// Set Link (§8.4.21) with the reasons of Table 40.
    fn set_link(&mut self, settings: LinkSettings, oem: u32, supported: LinkSettings) -> Answer {
        if self.host_driver {
            return Answer::Fail(ReasonCode::SetLinkHostOsConflict);
        }
        if settings.0 & SPEED_BITS & !supported.0 != 0 {
            return Answer::Fail(ReasonCode::SetLinkSpeedConflict);
        }
        if settings.0 & SPEED_BITS == 0 || (!settings.half_duplex() && !settings.full_duplex()) {
            return Answer::Fail(ReasonCode::SetLinkParameterConflict);
        }
        self.link_settings = settings;
        self.oem_link_settings = oem;
        let code = negotiated_speed(settings, supported);
        self.link = self
            .link
            .with_speed_duplex(code)
            .with(5, settings.autoneg())
            .with(6, settings.autoneg());
        Answer::empty(CommandType::SetLink)
    }

    /// Set VLAN Filter (§8.4.29): filter numbers count from 1.
    fn set_vlan_filter(&mut self, tag: u16, filter: u8, enable: bool) -> Answer {
        let Some(slot) = usize::from(filter)
            .checked_sub(1)
            .filter(|s| *s < self.vlans.len())
        else {
            return Answer::Fail(ReasonCode::ParameterInvalid);
        };
        if enable && tag & 0x0FFF == 0 {
            return Answer::Fail(ReasonCode::VlanTagInvalid);
        }
        self.vlans[slot] = (tag, enable);
        Answer::empty(CommandType::SetVlanFilter)
    }

    /// Enable VLAN (§8.4.31): modes 1..=3, each only if the NC supports it.
    fn enable_vlan(&mut self, mode: u8, caps: &Capabilities) -> Answer {
        if !(1..=3).contains(&mode) || caps.vlan_mode_support & (1 << (mode - 1)) == 0 {
            return Answer::Fail(ReasonCode::ParameterInvalid);
        }
        self.vlan_mode = Some(mode);
        Answer::empty(CommandType::EnableVlan)
    }

    /// Set MAC Address (§8.4.35): filter numbers count from 1; a zero MAC cannot be
    /// enabled.
    fn set_mac_address(&mut self, mac: [u8; 6], filter: u8, ty: u8, enable: bool) -> Answer {
        let Some(slot) = usize::from(filter)
            .checked_sub(1)
            .filter(|s| *s < self.macs.len())
        else {
            return Answer::Fail(ReasonCode::ParameterInvalid);
        };
        if ty > 1 {
            return Answer::Fail(ReasonCode::ParameterInvalid);
        }
        if enable && mac == [0; 6] {
            return Answer::Fail(ReasonCode::MacAddressZero);
        }
        self.macs[slot] = (mac, ty, enable);
        Answer::empty(CommandType::SetMacAddress)
    }

    /// Set NC-SI Flow Control (§8.4.45): independent directions only where both are
    /// supported.
    fn set_flow_control(&mut self, mode: u8, caps: &Capabilities) -> Answer {
        let both = caps.flags.nc_to_mc_flow_control() && caps.flags.mc_to_nc_flow_control();
        match mode {
            0 => {}
            1..=3 if both => {}
            1 | 2 => return Answer::Fail(ReasonCode::IndependentFlowControlUnsupported),
            _ => return Answer::Fail(ReasonCode::ParameterInvalid),
        }
        self.flow_control = mode;
        Answer::empty(CommandType::SetNcsiFlowControl)
    }

    /// Get Parameters (§8.4.49): the state the other commands set.
    fn parameters(&self) -> Parameters {
        let bit = |on: bool, n: u32| if on { 1u32 << n } else { 0 };
        let mac_flags = self
            .macs
            .iter()
            .take(8)
            .enumerate()
            .fold(0u8, |f, (n, m)| f | if m.2 { 1 << n } else { 0 });
        let vlan_flags = self
            .vlans
            .iter()
            .take(16)
            .enumerate()
            .fold(0u16, |f, (n, v)| f | if v.1 { 1 << n } else { 0 });
        Parameters {
            mac_flags,
            vlan_flags,
            link_settings: self.link_settings,
            broadcast_filter: self.broadcast.unwrap_or_default(),
            configuration: ConfigurationFlags(
                bit(self.broadcast.is_some(), 0)
                    | bit(self.enabled, 1)
                    | bit(self.tx_enabled, 2)
                    | bit(self.multicast.is_some(), 3),
            ),
            vlan_mode: self.vlan_mode.unwrap_or(0),
            flow_control: self.flow_control,
            aen_control: self.aen,
            macs: self.macs.iter().map(|m| m.0).collect(),
            vlans: self.vlans.iter().map(|v| v.0).collect(),
        }
    }
}

/// Hands an OEM command to the card. A frame too short to carry a header cannot be
/// answered with an OEM frame; one whose chunk runs past its total length is answered
/// InvalidLength with the command and sequence read from the header (OEM.md §3.1).
fn oem_to_card(card: &mut CardBmc, channel: u8, cmd: &OemCommand, now: u64) -> OemResponse {
    let mfr = cmd.manufacturer_id;
    let frame = match Frame::parse(&cmd.data) {
        Ok(f) => card.handle(channel, &f, now),
        Err(_) => {
            let d = &cmd.data;
            let (command, sequence) = if d.len() >= 8 {
                (
                    OemCommandId::from(d[1]),
                    u32::from_be_bytes([d[4], d[5], d[6], d[7]]),
                )
            } else {
                (OemCommandId::Unknown(d.get(1).copied().unwrap_or(0)), 0)
            };
            let msg =
                oem::Response::error(command, ResultCode::InvalidLength, "malformed OEM frame")
                    .to_message();
            oem::split(
                command,
                ResultCode::InvalidLength,
                sequence,
                &msg,
                oem::MAX_CHUNK,
            )
            .map(|mut f| f.remove(0))
            .unwrap_or_else(|_| Frame {
                version: oem::PROTOCOL_VERSION,
                command,
                flags: 0,
                result: ResultCode::InvalidLength,
                sequence,
                offset: 0,
                total_len: 0,
                crc: 0,
                chunk: vec![],
            })
        }
    };
    frame.to_oem_response(mfr)
}
