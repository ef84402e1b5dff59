//! Discovery, channel policy, monitoring, AEN handling and failover (DSP0222 1.2 §6,
//! and the Linux kernel's `net/ncsi/ncsi-manage.c` for what an MC does in practice).
//!
//! Discovery, for each package id: Select Package (an absent package never answers),
//! then per channel Clear Initial State, Get Version ID, Get Capabilities (whose channel
//! count says how many channels to probe), Get Parameters, Get Link Status and the
//! vendor get-MAC the NC's manufacturer understands; Get Package UUID; and the OEM
//! GetBridgeInfo that tells a DPU's card BMC from a plain NIC. Packages without
//! hardware arbitration are deselected again, as the kernel does.
//!
//! Then one channel is made active (the preferred one if it has link, else the first
//! with link): AENs enabled as far as its capabilities allow, broadcast filter, network
//! TX and channel enabled. The active channel is polled with Get Link Status; a link
//! loss (by AEN or poll) or a channel that stops answering fails over to another
//! channel with link, same package first. Configuration Required re-initialises the
//! channel; packages that vanished are probed again periodically.
//!
//! The topology is published on a `watch` channel and everything that happens on an
//! event `broadcast` channel.

use super::oem_client::OemClient;
use super::requester::{RequestError, Requester, Timing};
use sidebridge_protocol::ncsi::{
    Aen, AenControl, BroadcastFilter, Capabilities, ChannelId, Command, LinkStatus, Parameters,
    ReasonCode, Response, ResponseCode, ResponseData, VendorGetMac, VersionId,
};
use sidebridge_protocol::oem::{self, BridgeInfo, Request, ResponseBody};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// What the manager does and how patiently.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Package ids to probe (DSP0222 allows 0..=7).
    pub packages: Vec<u8>,
    /// Timing of discovery probes.
    pub probe: Timing,
    /// Timing of ordinary commands.
    pub command: Timing,
    /// The channel to make active when it has link.
    pub preferred: Option<ChannelId>,
    /// How often the active channel's link is polled.
    pub monitor_interval: Duration,
    /// How often missing packages are probed again.
    pub rediscover_interval: Duration,
    /// OEM manufacturer id per package (default 32473 for every package).
    pub card_manufacturer: HashMap<u8, u32>,
    /// How often the card layer reads every port's statistics (zero: only on demand).
    pub statistics_interval: Duration,
    /// Statistics older than this are read again when asked for.
    pub statistics_max_age: Duration,
}

impl Default for ManagerConfig {
    fn default() -> Self {
        ManagerConfig {
            packages: (0..8).collect(),
            probe: Timing::PROBE,
            command: Timing::COMMAND,
            preferred: None,
            monitor_interval: Duration::from_secs(1),
            rediscover_interval: Duration::from_secs(10),
            card_manufacturer: HashMap::new(),
            statistics_interval: Duration::from_secs(60),
            statistics_max_age: Duration::from_secs(10),
        }
    }
}

impl ManagerConfig {
    /// The OEM manufacturer id of package `id`'s card.
    pub fn manufacturer(&self, id: u8) -> u32 {
        self.card_manufacturer
            .get(&id)
            .copied()
            .unwrap_or(oem::DEFAULT_MANUFACTURER_ID)
    }
}

/// What a channel is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ChannelRole {
    /// Discovered, not carrying traffic.
    Standby,
    /// The channel the MC uses.
    Active,
    /// Stopped answering.
    Failed,
}

/// One discovered channel.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChannelInfo {
    /// Package and channel.
    pub id: ChannelId,
    /// Get Version ID.
    pub version: VersionId,
    /// Get Capabilities.
    pub capabilities: Capabilities,
    /// Get Parameters at discovery.
    pub parameters: Option<Parameters>,
    /// Last known link status.
    pub link: LinkStatus,
    /// The host port's MAC, when the NC's vendor get-MAC command reports it: Broadcom
    /// and Intel answer the host's address (the kernel gives the BMC that plus one).
    /// Mellanox answers the management controller's own allocated address instead,
    /// which is not the host's, so a Mellanox channel has none here (Linux
    /// `net/ncsi/ncsi-rsp.c`: `ncsi_rsp_handler_oem_mlx_gma` sets it as is, the Broadcom
    /// and Intel handlers after `eth_addr_inc`).
    #[serde(serialize_with = "sidebridge_protocol::text::ser::opt_mac")]
    pub host_mac: Option<[u8; 6]>,
    /// The management controller's own MAC on this channel, as the kernel derives it
    /// from the same answer ([`VendorMac::bmc_mac`]).
    #[serde(serialize_with = "sidebridge_protocol::text::ser::opt_mac")]
    pub mc_mac: Option<[u8; 6]>,
    /// Its role.
    pub role: ChannelRole,
}

/// One discovered package.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PackageInfo {
    /// Package id.
    pub id: u8,
    /// Get Package UUID, when answered.
    #[serde(serialize_with = "sidebridge_protocol::text::ser::opt_uuid")]
    pub uuid: Option<[u8; 16]>,
    /// Whether the package does hardware arbitration (may stay selected).
    pub hardware_arbitration: bool,
    /// Its channels.
    pub channels: Vec<ChannelInfo>,
    /// The card BMC's identity, for DPUs.
    pub card: Option<BridgeInfo>,
    /// A card answered Busy when asked for its identity; it is asked again on the
    /// rediscovery interval.
    pub card_busy: bool,
    /// Still answering.
    pub present: bool,
}

/// Everything discovered.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Topology {
    /// Packages found, by id.
    pub packages: Vec<PackageInfo>,
    /// The active channel.
    pub active: Option<ChannelId>,
}

impl Topology {
    /// A channel's information.
    pub fn channel(&self, id: ChannelId) -> Option<&ChannelInfo> {
        self.packages
            .iter()
            .find(|p| p.id == id.package_id())?
            .channels
            .iter()
            .find(|c| c.id == id)
    }

    fn channel_mut(&mut self, id: ChannelId) -> Option<&mut ChannelInfo> {
        self.packages
            .iter_mut()
            .find(|p| p.id == id.package_id())?
            .channels
            .iter_mut()
            .find(|c| c.id == id)
    }

    /// A package's information.
    pub fn package(&self, id: u8) -> Option<&PackageInfo> {
        self.packages.iter().find(|p| p.id == id)
    }
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An AEN arrived.
    Aen {
        /// From where.
        channel: ChannelId,
        /// What.
        aen: Aen,
    },
    /// A channel's link went up or down.
    LinkChanged {
        /// Which.
        channel: ChannelId,
        /// Up?
        up: bool,
    },
    /// The active channel changed.
    Failover {
        /// The previous active channel.
        from: Option<ChannelId>,
        /// The new one (None: no channel with link is left).
        to: Option<ChannelId>,
    },
    /// A package stopped answering.
    PackageLost(u8),
    /// A package (re)appeared.
    PackageFound(u8),
    /// A channel was re-initialised after Configuration Required or a reset.
    Reinitialised(ChannelId),
    /// An OEM event from a card BMC.
    Card {
        /// The card's package.
        package: u8,
        /// The event.
        event: oem::Event,
    },
}

/// The NC-SI manager.
#[derive(Debug)]
pub struct Manager {
    requester: Arc<Requester>,
    cfg: ManagerConfig,
    topology: watch::Sender<Topology>,
    events: broadcast::Sender<Event>,
}

fn completed(r: Result<Response, RequestError>) -> Option<ResponseData> {
    r.ok().filter(Response::is_completed).map(|r| r.data)
}

/// A channel's counters, each `None` when the controller does not answer that command
/// (all three are optional in DSP0222 1.2 §8.4.50, §8.4.52, §8.4.54).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelStatistics {
    /// Get Controller Packet Statistics (0x18): the port's host traffic.
    pub packets: Option<sidebridge_protocol::ncsi::ControllerPacketStatistics>,
    /// Get NC-SI Statistics (0x19): control packets on the sideband.
    pub ncsi: Option<sidebridge_protocol::ncsi::NcsiStatistics>,
    /// Get NC-SI Pass-through Statistics (0x1A): pass-through traffic on the sideband.
    pub passthrough: Option<sidebridge_protocol::ncsi::PassthroughStatistics>,
}

impl Manager {
    /// Reads a channel's three statistics commands (each with the usual retries);
    /// one the controller refuses or does not answer is left out.
    pub async fn statistics(&self, ch: ChannelId) -> ChannelStatistics {
        let mut s = ChannelStatistics::default();
        if let Some(ResponseData::ControllerPacketStatistics(p)) =
            self.cmd(ch, Command::GetControllerPacketStatistics).await
        {
            s.packets = Some(*p);
        }
        if let Some(ResponseData::NcsiStatistics(n)) =
            self.cmd(ch, Command::GetNcsiStatistics).await
        {
            s.ncsi = Some(n);
        }
        if let Some(ResponseData::PassthroughStatistics(p)) =
            self.cmd(ch, Command::GetNcsiPassthroughStatistics).await
        {
            s.passthrough = Some(p);
        }
        s
    }

    /// The settings it runs with.
    pub fn config(&self) -> &ManagerConfig {
        &self.cfg
    }

    /// A manager sending through `requester`.
    pub fn new(requester: Arc<Requester>, cfg: ManagerConfig) -> Self {
        let (topology, _) = watch::channel(Topology::default());
        let (events, _) = broadcast::channel(1024);
        Manager {
            requester,
            cfg,
            topology,
            events,
        }
    }

    /// The requester (counters, raw commands).
    pub fn requester(&self) -> &Arc<Requester> {
        &self.requester
    }

    /// The topology, updated as it changes.
    pub fn topology(&self) -> watch::Receiver<Topology> {
        self.topology.subscribe()
    }

    /// The current topology.
    pub fn snapshot(&self) -> Topology {
        self.topology.borrow().clone()
    }

    /// Events as they happen.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// The OEM client of package `id`'s card (through its active channel, or its
    /// first), when it has one.
    pub fn oem(&self, id: u8) -> Option<OemClient> {
        let topo = self.topology.borrow();
        let pkg = topo.package(id).filter(|p| p.card.is_some())?;
        let ch = pkg
            .channels
            .iter()
            .find(|c| c.role == ChannelRole::Active)
            .or(pkg.channels.first())?
            .id;
        Some(OemClient::new(
            self.requester.clone(),
            ch,
            self.cfg.manufacturer(id),
            self.cfg.command,
        ))
    }

    /// Probes inside a package that answered: the short probe timeout, but the
    /// command retries, so that one lost response does not hide a channel or a card.
    fn probe_known(&self) -> Timing {
        Timing {
            timeout: self.cfg.probe.timeout,
            retries: self.cfg.command.retries,
        }
    }

    async fn cmd(&self, ch: ChannelId, c: Command) -> Option<ResponseData> {
        completed(self.requester.request(ch, c, self.cfg.command).await)
    }

    /// Probes one channel; `None` when it does not answer Clear Initial State.
    async fn probe_channel(&self, ch: ChannelId) -> Option<ChannelInfo> {
        completed(
            self.requester
                .request(ch, Command::ClearInitialState, self.probe_known())
                .await,
        )?;
        let Some(ResponseData::VersionId(version)) = self.cmd(ch, Command::GetVersionId).await
        else {
            return None;
        };
        let Some(ResponseData::Capabilities(capabilities)) =
            self.cmd(ch, Command::GetCapabilities).await
        else {
            return None;
        };
        let parameters = match self.cmd(ch, Command::GetParameters).await {
            Some(ResponseData::Parameters(p)) => Some(p),
            _ => None,
        };
        let link = match self.cmd(ch, Command::GetLinkStatus).await {
            Some(ResponseData::LinkStatus(l)) => l.status,
            _ => LinkStatus(0),
        };
        let (mut host_mac, mut mc_mac) = (None, None);
        if let Some(vendor) = VendorGetMac::from_manufacturer(version.manufacturer_id) {
            if let Some(ResponseData::Oem(o)) = self.cmd(ch, Command::Oem(vendor.request())).await {
                if let Ok(m) = VendorGetMac::parse_response(&o) {
                    mc_mac = Some(m.bmc_mac());
                    host_mac = (m.vendor != VendorGetMac::Mellanox).then_some(m.mac);
                }
            }
        }
        Some(ChannelInfo {
            id: ch,
            version,
            capabilities,
            parameters,
            link,
            host_mac,
            mc_mac,
            role: ChannelRole::Standby,
        })
    }

    /// Probes one package; `None` when it does not answer Select Package.
    pub async fn probe_package(&self, id: u8) -> Option<PackageInfo> {
        let whole = ChannelId::package(id);
        completed(
            self.requester
                .request(
                    whole,
                    Command::SelectPackage {
                        hardware_arbitration_disable: false,
                    },
                    self.cfg.probe,
                )
                .await,
        )?;
        let mut channels = Vec::new();
        if let Some(first) = self.probe_channel(ChannelId::new(id, 0)).await {
            let count = first.capabilities.channel_count.clamp(1, 31);
            channels.push(first);
            for c in 1..count {
                if let Some(info) = self.probe_channel(ChannelId::new(id, c)).await {
                    channels.push(info);
                }
            }
        } else {
            // No channel 0: probe the others together (one command per channel at a time
            // is all DSP0222 asks).
            let probes = (1..31).map(|c| self.probe_channel(ChannelId::new(id, c)));
            channels.extend(futures_join_all(probes).await.into_iter().flatten());
        }
        let uuid = match self.cmd(whole, Command::GetPackageUuid).await {
            Some(ResponseData::PackageUuid(u)) => Some(u),
            _ => None,
        };
        let hardware_arbitration = channels
            .first()
            .is_some_and(|c| c.capabilities.flags.hardware_arbitration());
        let (card, card_busy) = match channels.first() {
            Some(c) => self.bridge_info(id, c.id).await,
            None => (None, false),
        };
        if !hardware_arbitration {
            let _ = self
                .requester
                .request(whole, Command::DeselectPackage, self.cfg.probe)
                .await;
        }
        Some(PackageInfo {
            id,
            uuid,
            hardware_arbitration,
            channels,
            card,
            card_busy,
            present: true,
        })
    }

    /// The card's identity, and whether it answered Busy instead.
    async fn bridge_info(&self, id: u8, ch: ChannelId) -> (Option<BridgeInfo>, bool) {
        let client = OemClient::new(
            self.requester.clone(),
            ch,
            self.cfg.manufacturer(id),
            self.probe_known(),
        );
        let req = Request::GetBridgeInfo {
            min_version: oem::PROTOCOL_VERSION,
            max_version: oem::PROTOCOL_VERSION,
        };
        match client.call(&req).await {
            Ok((
                _,
                oem::Response {
                    body: ResponseBody::BridgeInfo(b),
                    ..
                },
            )) => (Some(b), false),
            Err(super::OemError::Card {
                result: oem::ResultCode::Busy,
                ..
            }) => (None, true),
            _ => (None, false),
        }
    }

    /// Asks cards that were busy at discovery for their identity again.
    pub async fn refresh_cards(&self) {
        let busy: Vec<(u8, ChannelId)> = {
            let t = self.topology.borrow();
            t.packages
                .iter()
                .filter(|p| p.present && p.card_busy)
                .filter_map(|p| Some((p.id, p.channels.first()?.id)))
                .collect()
        };
        for (id, ch) in busy {
            let (card, card_busy) = self.bridge_info(id, ch).await;
            self.topology.send_modify(|t| {
                if let Some(p) = t.packages.iter_mut().find(|p| p.id == id) {
                    p.card = card;
                    p.card_busy = card_busy;
                }
            });
        }
    }

    /// Discovers every configured package, publishes the topology and returns it.
    pub async fn discover(&self) -> Topology {
        let mut packages = Vec::new();
        for &id in &self.cfg.packages {
            if let Some(p) = self.probe_package(id).await {
                packages.push(p);
            }
        }
        let topo = Topology {
            packages,
            active: None,
        };
        self.topology.send_replace(topo.clone());
        topo
    }

    /// The AENs to enable on a channel: link, configuration required and driver
    /// status as far as it supports them, plus the OEM event bit when a card sits
    /// behind it.
    fn aen_mask(&self, ch: &ChannelInfo, card: bool) -> AenControl {
        let mut want = 0b111;
        if card {
            want |= oem::EVENT_AEN_ENABLE_BIT;
        }
        AenControl(want & ch.capabilities.aen_control.0)
    }

    /// Configures `ch` as the active channel.
    pub async fn activate(&self, ch: ChannelId) -> Result<(), RequestError> {
        let (info, card) = {
            let t = self.topology.borrow();
            let Some(info) = t.channel(ch).cloned() else {
                return Ok(());
            };
            (
                info,
                t.package(ch.package_id()).is_some_and(|p| p.card.is_some()),
            )
        };
        let whole = ChannelId::package(ch.package_id());
        let steps = [
            (
                whole,
                Command::SelectPackage {
                    hardware_arbitration_disable: false,
                },
            ),
            (ch, Command::ClearInitialState),
            (
                ch,
                Command::AenEnable {
                    mc_id: 0,
                    control: self.aen_mask(&info, card),
                },
            ),
            (
                ch,
                Command::EnableBroadcastFilter {
                    settings: BroadcastFilter(info.capabilities.broadcast_filter.0 & 0b1011),
                },
            ),
            (ch, Command::EnableChannelNetworkTx),
            (ch, Command::EnableChannel),
        ];
        for (target, c) in steps {
            let r = self.requester.request(target, c, self.cfg.command).await?;
            if !r.is_completed() {
                tracing::warn!(
                    "configuring {ch}: {:?} answered {:?}/{:?}",
                    r.command_type(),
                    r.code,
                    r.reason
                );
            }
        }
        self.topology.send_modify(|t| {
            for p in &mut t.packages {
                for c in &mut p.channels {
                    if c.role == ChannelRole::Active {
                        c.role = ChannelRole::Standby;
                    }
                }
            }
            if let Some(c) = t.channel_mut(ch) {
                c.role = ChannelRole::Active;
            }
            t.active = Some(ch);
        });
        Ok(())
    }

    /// Enables AENs on a standby channel so that it reports link changes too.
    async fn enable_standby_aens(&self, ch: ChannelId) {
        let (info, card) = {
            let t = self.topology.borrow();
            let Some(info) = t.channel(ch).cloned() else {
                return;
            };
            (
                info,
                t.package(ch.package_id()).is_some_and(|p| p.card.is_some()),
            )
        };
        let _ = self
            .requester
            .request(
                ch,
                Command::AenEnable {
                    mc_id: 0,
                    control: self.aen_mask(&info, card),
                },
                self.cfg.command,
            )
            .await;
    }

    /// The channel to use: the preferred one if it has link, else the first with link
    /// (same package as `near` first), never one of `exclude`.
    fn choose(&self, near: Option<u8>, exclude: &[ChannelId]) -> Option<ChannelId> {
        let t = self.topology.borrow();
        let usable = |c: &&ChannelInfo| {
            c.link.link_up() && c.role != ChannelRole::Failed && !exclude.contains(&c.id)
        };
        let all: Vec<&ChannelInfo> = t
            .packages
            .iter()
            .filter(|p| p.present)
            .flat_map(|p| &p.channels)
            .filter(usable)
            .collect();
        if let Some(p) = self
            .cfg
            .preferred
            .filter(|p| all.iter().any(|c| c.id == *p))
        {
            return Some(p);
        }
        all.iter()
            .find(|c| Some(c.id.package_id()) == near)
            .or(all.first())
            .map(|c| c.id)
    }

    /// Moves traffic off `from` to the best other channel.
    async fn failover(&self, from: Option<ChannelId>) {
        let exclude: Vec<ChannelId> = from.into_iter().collect();
        let mut to = self.choose(from.map(|f| f.package_id()), &exclude);
        while let Some(ch) = to {
            if let Some(f) = from {
                // Best effort: the old channel may be gone.
                let _ = self
                    .requester
                    .request(
                        f,
                        Command::DisableChannel {
                            allow_link_down: true,
                        },
                        self.cfg.probe,
                    )
                    .await;
            }
            match self.activate(ch).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!("failover to {ch} failed: {e}");
                    self.topology.send_modify(|t| {
                        if let Some(c) = t.channel_mut(ch) {
                            c.role = ChannelRole::Failed;
                        }
                    });
                    to = self.choose(from.map(|f| f.package_id()), &exclude);
                }
            }
        }
        if to.is_none() {
            self.topology.send_modify(|t| t.active = None);
        }
        tracing::info!("NC-SI failover: {from:?} -> {to:?}");
        self.emit(Event::Failover { from, to });
    }

    fn set_link(&self, ch: ChannelId, status: LinkStatus) -> bool {
        let mut changed = false;
        self.topology.send_if_modified(|t| {
            if let Some(c) = t.channel_mut(ch) {
                changed = c.link.link_up() != status.link_up();
                let modified = c.link != status;
                c.link = status;
                return modified;
            }
            false
        });
        if changed {
            self.emit(Event::LinkChanged {
                channel: ch,
                up: status.link_up(),
            });
        }
        changed
    }

    async fn reinitialise(&self, ch: ChannelId) {
        let active = self.topology.borrow().active == Some(ch);
        if active {
            if let Err(e) = self.activate(ch).await {
                tracing::warn!("re-initialising {ch}: {e}");
                self.failover(Some(ch)).await;
                return;
            }
        } else {
            let _ = self
                .requester
                .request(ch, Command::ClearInitialState, self.cfg.command)
                .await;
            self.enable_standby_aens(ch).await;
        }
        self.emit(Event::Reinitialised(ch));
    }

    async fn handle_aen(&self, ch: ChannelId, aen: Aen) {
        self.emit(Event::Aen {
            channel: ch,
            aen: aen.clone(),
        });
        let lost = self
            .topology
            .borrow()
            .package(ch.package_id())
            .is_none_or(|p| !p.present);
        match aen {
            Aen::LinkStatusChange { status, .. } => {
                let changed = self.set_link(ch, status);
                let active = self.topology.borrow().active == Some(ch);
                if changed && active && !status.link_up() {
                    self.failover(Some(ch)).await;
                }
            }
            Aen::ConfigurationRequired if lost => self.rediscover(ch.package_id()).await,
            Aen::ConfigurationRequired => self.reinitialise(ch).await,
            Aen::Other { .. } => {
                let mfr = self.cfg.manufacturer(ch.package_id());
                if let Ok(Some((_, event))) = oem::Event::from_aen(&aen, mfr) {
                    self.emit(Event::Card {
                        package: ch.package_id(),
                        event,
                    });
                }
            }
            _ => {}
        }
    }

    /// Probes a package again and puts what it finds in the topology.
    pub async fn rediscover(&self, id: u8) {
        let Some(mut found) = self.probe_package(id).await else {
            return;
        };
        let was_missing = self
            .topology
            .borrow()
            .package(id)
            .is_none_or(|p| !p.present);
        let active = self.topology.borrow().active;
        for c in &mut found.channels {
            if Some(c.id) == active {
                c.role = ChannelRole::Active;
            }
        }
        self.topology.send_modify(|t| {
            t.packages.retain(|p| p.id != id);
            t.packages.push(found.clone());
            t.packages.sort_by_key(|p| p.id);
        });
        for c in &found.channels {
            self.enable_standby_aens(c.id).await;
        }
        if was_missing {
            self.emit(Event::PackageFound(id));
        }
        if self.topology.borrow().active.is_none() {
            self.failover(None).await;
        }
    }

    async fn monitor(&self) {
        let Some(ch) = self.topology.borrow().active else {
            // No active channel: take one as soon as any has link.
            if self.choose(None, &[]).is_some() {
                self.failover(None).await;
            }
            return;
        };
        match self
            .requester
            .request(ch, Command::GetLinkStatus, self.cfg.command)
            .await
        {
            Ok(r) if r.is_completed() => {
                if let ResponseData::LinkStatus(l) = r.data {
                    if self.set_link(ch, l.status) && !l.status.link_up() {
                        self.failover(Some(ch)).await;
                    }
                }
            }
            Ok(r)
                if r.code == ResponseCode::Failed
                    && r.reason == ReasonCode::InterfaceInitializationRequired =>
            {
                self.reinitialise(ch).await;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("active channel {ch} stopped answering: {e}");
                let id = ch.package_id();
                // Is the whole package gone?
                let alive = completed(
                    self.requester
                        .request(
                            ChannelId::package(id),
                            Command::GetPackageStatus,
                            self.cfg.probe,
                        )
                        .await,
                )
                .is_some();
                self.topology.send_modify(|t| {
                    if let Some(c) = t.channel_mut(ch) {
                        c.role = ChannelRole::Failed;
                    }
                    if !alive {
                        if let Some(p) = t.packages.iter_mut().find(|p| p.id == id) {
                            p.present = false;
                        }
                    }
                });
                if !alive {
                    self.emit(Event::PackageLost(id));
                }
                self.failover(Some(ch)).await;
            }
        }
    }

    /// Probes configured packages that are missing from the topology or lost.
    async fn rediscover_missing(&self) {
        let missing: Vec<u8> = {
            let t = self.topology.borrow();
            self.cfg
                .packages
                .iter()
                .copied()
                .filter(|id| t.package(*id).is_none_or(|p| !p.present))
                .collect()
        };
        for id in missing {
            self.rediscover(id).await;
        }
    }

    /// Discovers, activates a channel and then monitors until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        let mut aens = self.requester.subscribe_aens();
        let topo = self.discover().await;
        for c in topo.packages.iter().flat_map(|p| &p.channels) {
            self.enable_standby_aens(c.id).await;
        }
        self.failover(None).await;
        let mut monitor = tokio::time::interval(self.cfg.monitor_interval);
        let mut rediscover = tokio::time::interval(self.cfg.rediscover_interval);
        monitor.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        rediscover.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        monitor.tick().await;
        rediscover.tick().await;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                aen = aens.recv() => match aen {
                    Ok((ch, aen)) => self.handle_aen(ch, aen).await,
                    Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!("{n} AENs dropped (AEN storm?)"),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = monitor.tick() => self.monitor().await,
                _ = rediscover.tick() => {
                    self.rediscover_missing().await;
                    self.refresh_cards().await;
                }
            }
        }
    }
}

/// Runs futures concurrently and collects their outputs in order (a small
/// `join_all`, to avoid a dependency for one call).
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set: Vec<std::pin::Pin<Box<F>>> = futs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
