//! The card layer: a cached model of each DPU's card BMC, refreshed from the OEM
//! command set on events and periodically, and the operations the layers above ask
//! for turned into OEM requests. It knows nothing of Redfish or HTTP: it speaks in
//! [`Card`]s, [`CardError`]s, [`CardEvent`]s and [`Task`]s, and `redfish/` maps them.
//!
//! Nothing is reported done unless the card confirmed it: a write returns once the
//! card said Ok; a long operation (reset, media insert) returns a [`Task`] that
//! completes when the card reports completion. A card that stops answering goes
//! offline (the layers above show no stale values for it) and is probed again.
//!
//! - [`model`]: [`Card`], its network controller ([`Nic`], [`Port`], [`Controller`]).
//! - [`error`]: [`CardError`], what went wrong with a card.
//! - [`events`]: [`CardEvent`], what changed.
//! - [`tasks`]: [`Task`], long operations.
//! - [`connection`]: [`Connection`], how a card is reached.

pub mod connection;
pub mod error;
pub mod events;
mod integrity;
pub mod model;
pub mod tasks;

pub use connection::{Connection, Connections};
pub use error::{CardError, CardResult};
pub use events::{CardEvent, CardEventKind};
pub use model::{
    Card, Controller, HostCounters, Nic, PciIds, Port, PortCounters, Reach, SidebandCounters,
    card_id,
};
pub use sidebridge_protocol::oem::{
    AdapterFunction, AdapterPort, AdapterSettings, Diagnostics, FunctionBootMode, FunctionSettings,
    Medium, NetworkAdapter, PcieLink, PortSettings, TECHNOLOGIES, Transceiver, TransceiverType,
};
pub use sidebridge_protocol::oem::{
    AllowableValues, BootEnabled, BootMode, BootOverride, BootProgress, BootTarget, DriveMedia,
    DriveProtocol, FirmwareComponent, HostInterface, HostInventory, HostWatchdog, IndicatorLed,
    InstructionSet, Ipv4Address, Ipv4Origin, Ipv6Address, Ipv6Origin, Ipv6State, MAX_ASSET_TAG_LEN,
    MAX_URI_LEN, ManagerNetwork, ManagerNetworkUpdate, MediaInsert, MediaSlot, MediaState,
    MediaStatus, NetworkIdentity, NetworkService, PhysicalContext, PowerState, Processor,
    ReadingType, ResetType, ResultCode, Sensor, SensorState, Sensors, ServiceState, StaticIpv4,
    SystemSettings, SystemSettingsUpdate, TransferProtocol, WatchdogAction, capability, media_type,
};
/// The card BMC's vocabulary, as the OEM command set defines it (`protocol/OEM.md`).
pub use sidebridge_protocol::oem::{
    Bios, BiosAttribute, BiosChange, BiosKind, BiosValue, MAX_BIOS_ATTRIBUTES,
};
/// The Redfish tunnel's request and response, as the OEM set carries them.
pub use sidebridge_protocol::oem::{Method, TunnelRequest, TunnelResponse, TunnelRole};
pub use tasks::{Task, TaskKind, TaskState};

use crate::ncsi::{Event as NcsiEvent, Manager, OemClient, OemError, Timing};
use model::slot_index;
use sidebridge_protocol::ncsi::{Aen, ChannelId};
use sidebridge_protocol::oem::{self, Request, ResponseBody};
use sidebridge_transport::mctp::{SerialEndpoint, VdmLink};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::broadcast;

/// Every card behind the NC-SI manager's topology.
#[derive(Debug)]
pub struct Cards {
    manager: Arc<Manager>,
    /// How each card is reached.
    pub connections: Connections,
    /// Std mutexes: short critical sections, never across an `.await`.
    /// Behind `Arc`: a reader takes a reference, not a deep copy; changes copy on write.
    cards: Mutex<BTreeMap<String, Arc<Card>>>,
    tasks: Mutex<tasks::Tasks>,
    next_event: AtomicU64,
    events: broadcast::Sender<CardEvent>,
    /// The card BMCs reached as their own MCTP endpoints, in configuration order
    /// (the index is their [`Reach::CardBmc`]).
    bmcs: Mutex<Vec<BmcLink>>,
    /// How long a long operation may take on the card.
    pub deadline: Duration,
    /// How often every card is refreshed.
    pub refresh_interval: Duration,
    /// Each port's counters as last read, and when.
    counters: Mutex<BTreeMap<PortKey, (Instant, Arc<PortCounters>)>>,
    /// The cards' SPDM responders (`[[spdm]]`), by package, each with the lock that
    /// keeps its conversations one at a time (a responder holds one negotiated state;
    /// the periodic check and a client's signed measurements must not interleave).
    spdm: Mutex<BTreeMap<u8, integrity::Responder>>,
    /// Wakes the SPDM loop, idle while no responder is configured.
    spdm_added: tokio::sync::Notify,
    /// Each authenticated card's SPDM state, by package.
    integrity: Mutex<BTreeMap<u8, crate::spdm::Integrity>>,
}

/// One card BMC reached as its own MCTP endpoint (OEM.md §2.1).
#[derive(Debug, Clone)]
struct BmcLink {
    endpoint: Arc<dyn VdmLink>,
    /// The serial endpoint when this BMC is the bus owner of the line (it assigns the
    /// card BMC its EID); `None` on the kernel's stack, where mctpd does.
    serial: Option<Arc<SerialEndpoint>>,
    eid: u8,
    /// Whether the card BMC has its EID.
    up: bool,
    client: OemClient,
    /// Its OEM events, as NC-SI AENs of type 0x80 would carry them (the payload of a
    /// vendor-defined event message is exactly that AEN's data, OEM.md §2.1).
    events: broadcast::Sender<(ChannelId, Aen)>,
}

/// A card's port: (card id, channel).
type PortKey = (String, u8);

/// Aborts a task when dropped (when [`Cards::run`] returns).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads one value with `request`; `pick` takes it out of the matching response.
async fn read<T>(
    client: &OemClient,
    request: Request,
    pick: impl FnOnce(ResponseBody) -> Option<T>,
) -> Result<Option<T>, OemError> {
    Ok(pick(client.call(&request).await?.1.body))
}

/// A read of something the card announced with `cap` (OEM 1.4's adapter and BIOS);
/// none when it did not. A card that announced it and later answers
/// UnsupportedCommand (its service changed) is still a card: the value is unknown.
async fn read_announced<T>(
    card: &Card,
    cap: u32,
    client: &OemClient,
    request: Request,
    pick: fn(ResponseBody) -> Option<T>,
) -> Result<Option<T>, OemError> {
    if !card.has(cap) {
        return Ok(None);
    }
    match read(client, request, pick).await {
        Err(OemError::Card {
            result: ResultCode::UnsupportedCommand,
            ..
        }) => Ok(None),
        r => r,
    }
}

impl Cards {
    /// The cards of `manager`'s topology, reached by NC-SI over RBT.
    pub fn new(manager: Arc<Manager>) -> Arc<Self> {
        Self::with_connections(manager, Connections::from(Connection::Rbt))
    }

    /// The cards of `manager`'s topology, reached as `connections` says.
    pub fn with_connections(manager: Arc<Manager>, connections: Connections) -> Arc<Self> {
        let (events, _) = broadcast::channel(256);
        Arc::new(Cards {
            manager,
            connections,
            cards: Mutex::new(BTreeMap::new()),
            tasks: Mutex::new(tasks::Tasks::default()),
            next_event: AtomicU64::new(1),
            events,
            bmcs: Mutex::new(Vec::new()),
            deadline: Duration::from_secs(600),
            refresh_interval: Duration::from_secs(30),
            counters: Mutex::new(BTreeMap::new()),
            spdm: Mutex::new(BTreeMap::new()),
            spdm_added: tokio::sync::Notify::new(),
            integrity: Mutex::new(BTreeMap::new()),
        })
    }

    /// The NC-SI manager.
    pub fn manager(&self) -> &Arc<Manager> {
        &self.manager
    }

    /// Card events as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<CardEvent> {
        self.events.subscribe()
    }

    fn emit(&self, card: &str, kind: CardEventKind) {
        let id = self.next_event.fetch_add(1, Ordering::Relaxed);
        let _ = self.events.send(CardEvent {
            id,
            card: card.to_string(),
            kind,
            timestamp: SystemTime::now(),
        });
    }

    /// Every card, by id.
    pub fn cards(&self) -> Vec<Arc<Card>> {
        lock(&self.cards).values().cloned().collect()
    }

    /// One card as cached.
    pub fn card(&self, id: &str) -> CardResult<Arc<Card>> {
        lock(&self.cards)
            .get(id)
            .cloned()
            .ok_or_else(|| CardError::NoSuchCard(id.to_string()))
    }

    /// One card, read from the card first when it never was, so a first look shows
    /// its state rather than nothing.
    pub async fn card_read(&self, id: &str) -> CardResult<Arc<Card>> {
        let card = self.card(id)?;
        if card.refreshed.is_none() && card.online {
            let _ = self.refresh(id).await;
            return self.card(id);
        }
        Ok(card)
    }

    /// The card, answering: refused as unreachable when it is known to be offline.
    fn online(&self, id: &str) -> CardResult<Arc<Card>> {
        let card = self.card(id)?;
        if card.online {
            Ok(card)
        } else {
            Err(CardError::Unreachable {
                card: id.to_string(),
                reason: "it is offline".into(),
            })
        }
    }

    /// The card, answering and announcing capability `cap`; refused as the card would
    /// refuse the command (UnsupportedCommand) otherwise, saying that it `lacks`.
    fn capable(&self, id: &str, cap: u32, lacks: &str) -> CardResult<Arc<Card>> {
        let card = self.online(id)?;
        if card.has(cap) {
            Ok(card)
        } else {
            Err(CardError::Refused {
                card: id.to_string(),
                result: ResultCode::UnsupportedCommand,
                detail: format!(
                    "the card {lacks} over the sideband (it does not announce the command)"
                ),
            })
        }
    }

    fn client(&self, card: &Card) -> CardResult<OemClient> {
        match card.reach {
            Reach::Package(p) => self.manager.oem(p).ok_or_else(|| CardError::Unreachable {
                card: card.id.clone(),
                reason: format!("NC-SI package {p} is not in the topology"),
            }),
            Reach::CardBmc(n) => lock(&self.bmcs)
                .get(n)
                .map(|l| l.client.clone())
                .ok_or_else(|| CardError::Unreachable {
                    card: card.id.clone(),
                    reason: format!("card-BMC link {n} is not configured"),
                }),
        }
    }

    /// The OEM events of the card, for waiting on a long operation.
    fn card_events(&self, card: &Card) -> broadcast::Receiver<(ChannelId, Aen)> {
        match card.reach {
            Reach::CardBmc(n) => match lock(&self.bmcs).get(n) {
                Some(l) => l.events.subscribe(),
                None => broadcast::channel(1).1,
            },
            Reach::Package(_) => self.manager.requester().subscribe_aens(),
        }
    }

    /// Adds a card BMC that is its own MCTP endpoint at `eid` on a serial line, this
    /// BMC the bus owner (`endpoint` carries vendor-defined messages of enterprise
    /// number `manufacturer_id`). Its card appears once
    /// [`probe_card_bmcs`](Self::probe_card_bmcs) reached it; its events are followed
    /// from now on.
    pub fn add_card_bmc(
        self: &Arc<Self>,
        endpoint: Arc<SerialEndpoint>,
        eid: u8,
        manufacturer_id: u32,
        timing: Timing,
    ) -> usize {
        let link: Arc<dyn VdmLink> = endpoint.clone();
        self.add_vdm_link(link, Some(endpoint), eid, manufacturer_id, timing)
    }

    /// [`add_card_bmc`](Self::add_card_bmc) on any MCTP stack; `serial` is the line's
    /// endpoint when this BMC must assign the card BMC its EID.
    pub fn add_vdm_link(
        self: &Arc<Self>,
        endpoint: Arc<dyn VdmLink>,
        serial: Option<Arc<SerialEndpoint>>,
        eid: u8,
        manufacturer_id: u32,
        timing: Timing,
    ) -> usize {
        let (events, _) = broadcast::channel(64);
        let client = OemClient::over_mctp(endpoint.clone(), eid, manufacturer_id, timing);
        let n = {
            let mut bmcs = lock(&self.bmcs);
            bmcs.push(BmcLink {
                endpoint: endpoint.clone(),
                up: serial.is_none(),
                serial,
                eid,
                client,
                events: events.clone(),
            });
            bmcs.len() - 1
        };
        let cards = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Ok(m) = endpoint.vdm_recv().await {
                // OEM.md §2.1: the payload is the AEN payload of §7 after its
                // manufacturer id, which is the message's own enterprise number.
                let mut data = manufacturer_id.to_be_bytes().to_vec();
                data.extend_from_slice(&m.payload);
                let aen = Aen::Other {
                    aen_type: oem::EVENT_AEN_TYPE,
                    data,
                };
                let _ = events.send((ChannelId::package(0), aen.clone()));
                let Some(cards) = cards.upgrade() else { return };
                let id = cards.card_by_reach(Reach::CardBmc(n));
                if let (Some(id), Ok(Some((_, event)))) =
                    (id, oem::Event::from_aen(&aen, manufacturer_id))
                {
                    cards.on_card_event(&id, event).await;
                }
            }
        });
        n
    }

    /// Brings up every card-BMC link not up yet (assigns the EID) and reads each card
    /// BMC's identity (GetBridgeInfo); a card BMC that answers appears, or comes back
    /// online; one that does not goes offline.
    pub async fn probe_card_bmcs(&self) {
        let links: Vec<BmcLink> = lock(&self.bmcs).clone();
        for (n, link) in links.into_iter().enumerate() {
            if let (false, Some(serial)) = (link.up, &link.serial) {
                match serial
                    .bring_up_for(link.eid, sidebridge_protocol::mctp::MessageType::VendorIana)
                    .await
                {
                    Ok(_) => {
                        if let Some(l) = lock(&self.bmcs).get_mut(n) {
                            l.up = true;
                        }
                    }
                    Err(e) => {
                        tracing::warn!("card BMC on {}: {e}", link.endpoint.describe());
                        if let Some(id) = self.card_by_reach(Reach::CardBmc(n)) {
                            self.offline(&id, &e.to_string());
                        }
                        continue;
                    }
                }
            }
            let ask = Request::GetBridgeInfo {
                min_version: oem::PROTOCOL_VERSION,
                max_version: oem::MAX_VERSION,
            };
            match link.client.call(&ask).await {
                Ok((_, r)) => {
                    if let ResponseBody::BridgeInfo(info) = r.body {
                        self.card_bmc_found(n, info);
                    }
                }
                Err(e) => {
                    if let Some(id) = self.card_by_reach(Reach::CardBmc(n)) {
                        self.offline(&id, &e.to_string());
                    }
                    // Maybe the card BMC restarted and lost its EID: bring it up again.
                    if let Some(l) = lock(&self.bmcs).get_mut(n) {
                        l.up = l.serial.is_none();
                    }
                }
            }
        }
    }

    fn card_bmc_found(&self, n: usize, info: oem::BridgeInfo) {
        let reach = Reach::CardBmc(n);
        let mut cards = lock(&self.cards);
        let existing = cards
            .values()
            .find(|c| c.reach == reach)
            .map(|c| c.id.clone());
        let id = existing.unwrap_or_else(|| {
            let id = card_id(&info, 0);
            if id == "package0" {
                format!("cardbmc{n}")
            } else {
                id
            }
        });
        let mut new = false;
        let entry = cards.entry(id.clone()).or_insert_with(|| {
            new = true;
            Arc::new(Card::new(id.clone(), reach, info.clone(), Nic::default()))
        });
        if entry.info != info {
            let e = Arc::make_mut(entry);
            e.info = info;
            e.generation += 1;
        }
        drop(cards);
        if new {
            let how = format!("as card BMC {n} (its own MCTP endpoint)");
            self.emit(&id, CardEventKind::Discovered { how });
        }
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Card)) {
        if let Some(c) = lock(&self.cards).get_mut(id) {
            let c = Arc::make_mut(c);
            f(c);
            c.generation += 1;
        }
    }

    /// Takes the cards from the manager's topology (new DPUs appear, lost ones go
    /// offline).
    pub fn sync(&self) {
        let topo = self.manager.snapshot();
        let mut found = Vec::new();
        let mut cards = lock(&self.cards);
        for p in &topo.packages {
            let Some(info) = &p.card else { continue };
            let id = card_id(info, p.id);
            let nic = Nic::from_package(p);
            let entry = cards.entry(id.clone()).or_insert_with(|| {
                found.push((id.clone(), format!("behind NC-SI package {}", p.id)));
                Arc::new(Card::new(
                    id,
                    Reach::Package(p.id),
                    info.clone(),
                    nic.clone(),
                ))
            });
            let online = entry.online && p.present;
            if entry.reach != Reach::Package(p.id)
                || entry.info != *info
                || entry.nic != nic
                || entry.online != online
                || entry.present != p.present
            {
                let entry = Arc::make_mut(entry);
                entry.reach = Reach::Package(p.id);
                entry.info = info.clone();
                entry.nic = nic;
                entry.online = online;
                entry.present = p.present;
                entry.generation += 1;
            }
        }
        drop(cards);
        for (id, how) in found {
            self.emit(&id, CardEventKind::Discovered { how });
        }
    }

    fn offline(&self, id: &str, why: &str) {
        let was = lock(&self.cards).get(id).is_some_and(|c| c.online);
        self.update(id, |c| c.online = false);
        if was {
            tracing::warn!("card {id} is not answering: {why}");
            self.emit(
                id,
                CardEventKind::Offline {
                    reason: why.to_string(),
                },
            );
        }
    }

    /// The error an OEM exchange ended in; a card whose NC-SI path failed goes
    /// offline.
    fn fail(&self, id: &str, e: OemError) -> CardError {
        if matches!(
            e,
            OemError::Ncsi(_) | OemError::NcsiRefused { .. } | OemError::Mctp(_)
        ) {
            self.offline(id, &e.to_string());
        }
        CardError::from_oem(id, e)
    }

    /// Reads everything from a card; a card that does not answer goes offline. A card
    /// whose NC was reset (Interface Initialization Required) or that was offline gets
    /// its package probed again first, and one more try.
    pub async fn refresh(&self, id: &str) -> CardResult<()> {
        // Boxed: both calls would otherwise inline the whole read into this future.
        use futures_util::FutureExt;
        match self.refresh_once(id).boxed().await {
            Err(_) if self.card(id).is_ok_and(|c| !c.online) => {
                match self.card(id)?.reach {
                    Reach::Package(p) => {
                        self.manager.rediscover(p).await;
                        self.sync();
                    }
                    Reach::CardBmc(_) => self.probe_card_bmcs().await,
                }
                self.refresh_once(id).boxed().await
            }
            r => r,
        }
    }

    async fn refresh_once(&self, id: &str) -> CardResult<()> {
        let card = self.card(id)?;
        let client = self.client(&card)?;
        let fresh = read_state(&card, &client)
            .await
            .map_err(|e| self.fail(id, e))?;
        let was_offline = !card.online;
        let sensor_events = sensor_changes(card.sensors.as_ref(), fresh.sensors.as_ref());
        // Pending settings gone and the settings in force changed: the card applied them.
        let applied = card.adapter.as_ref().is_some_and(|old| {
            fresh.adapter.as_ref().is_some_and(|new| {
                old.pending.is_some() && new.pending.is_none() && old.current != new.current
            })
        });
        let bios_applied = card.bios.as_ref().is_some_and(|old| {
            fresh.bios.as_ref().is_some_and(|new| {
                !old.pending.is_empty()
                    && new.pending.is_empty()
                    && old.attributes != new.attributes
            })
        });
        self.update(id, |c| {
            c.power = fresh.power;
            c.boot = fresh.boot;
            c.progress = fresh.progress;
            c.media = fresh.media;
            c.firmware = fresh.firmware;
            c.network = fresh.network;
            c.host = fresh.host;
            c.bmc_network = fresh.bmc_network;
            c.sensors = fresh.sensors;
            c.adapter = fresh.adapter;
            c.bios = fresh.bios;
            c.allowable = fresh.allowable;
            c.settings = fresh.settings;
            c.online = true;
            c.refreshed = Some(Instant::now());
        });
        if was_offline {
            self.emit(id, CardEventKind::Online);
        }
        for e in sensor_events {
            self.emit(id, e);
        }
        if applied {
            self.emit(id, CardEventKind::AdapterSettingsChanged { applied: true });
        }
        if bios_applied {
            self.emit(id, CardEventKind::BiosSettingsChanged { applied: true });
        }
        Ok(())
    }

    /// Refreshes every card.
    pub async fn refresh_all(&self) {
        self.sync();
        self.probe_card_bmcs().await;
        for c in self.cards() {
            let _ = self.refresh(&c.id).await;
        }
    }

    /// Sets the boot override; returns once the card stored it.
    pub async fn set_boot(&self, id: &str, o: BootOverride) -> CardResult<()> {
        self.trusted(id)?;
        let card = self.online(id)?;
        let client = self.client(&card)?;
        client
            .call(&Request::SetBootOverride(o))
            .await
            .map_err(|e| self.fail(id, e))?;
        if let Ok(Some(b)) = read(&client, Request::GetBootOverride, boot_of).await {
            self.update(id, |c| c.boot = Some(b));
        }
        self.emit(id, CardEventKind::BootOverrideChanged);
        Ok(())
    }

    /// Changes some of the host system settings (asset tag, identify LED, watchdog);
    /// returns once the card stored them, with the settings read back.
    pub async fn set_system_settings(&self, id: &str, u: SystemSettingsUpdate) -> CardResult<()> {
        self.trusted(id)?;
        let card = self.capable(id, capability::SYSTEM_SETTINGS, "has no system settings")?;
        let client = self.client(&card)?;
        client
            .call(&Request::SetSystemSettings(u))
            .await
            .map_err(|e| self.fail(id, e))?;
        if let Ok(Some(s)) = read(&client, Request::GetSystemSettings, settings_of).await {
            self.update(id, |c| c.settings = Some(s));
        }
        self.emit(id, CardEventKind::SettingsChanged);
        Ok(())
    }

    /// A write the card checks by rules the protocol crate also holds: `rules` (over
    /// the card as last read) refuses it here first, with InvalidParameter and the
    /// field; then `request` goes to the card, `read_back` is read again into the card
    /// with `store`, and `event` is raised. Returns once the card stored it.
    async fn checked_write<T>(
        &self,
        id: &str,
        (cap, lacks): (u32, &str),
        rules: impl FnOnce(&Card) -> Result<(), String>,
        (request, event): (Request, CardEventKind),
        (read_back, pick): (Request, fn(ResponseBody) -> Option<T>),
        store: impl FnOnce(&mut Card, T),
    ) -> CardResult<()> {
        let card = self.capable(id, cap, lacks)?;
        if let Err(why) = rules(&card) {
            return Err(CardError::Refused {
                card: id.to_string(),
                result: ResultCode::InvalidParameter,
                detail: why,
            });
        }
        let client = self.client(&card)?;
        client.call(&request).await.map_err(|e| self.fail(id, e))?;
        if let Ok(Some(v)) = read(&client, read_back, pick).await {
            self.update(id, |c| store(c, v));
        }
        self.emit(id, event);
        Ok(())
    }

    /// Changes some of the card BMC's own network settings (host name, domain, name
    /// servers, DHCPv4, static IPv4 addresses; OEM.md §4.21); returns once the card
    /// stored them, with its network read back. An update that breaks the rules of
    /// §4.21 is refused here, before the card sees it.
    pub async fn set_manager_network(&self, id: &str, u: ManagerNetworkUpdate) -> CardResult<()> {
        self.trusted(id)?;
        let request = Request::SetManagerNetwork(u.clone());
        self.checked_write(
            id,
            (
                capability::MANAGER_NETWORK_SET,
                "cannot change its BMC's network settings",
            ),
            |_| u.check(),
            (request, CardEventKind::ManagerNetworkChanged),
            (Request::GetManagerNetwork, bmc_network_of),
            |c, n| c.bmc_network = Some(n),
        )
        .await
    }

    /// Replaces the network adapter's pending settings, or sets them to the card's
    /// defaults (`None`) (OEM.md §4.24); returns once the card stored them, with the
    /// adapter read back. Settings that break the rules of §4.24 are refused here,
    /// before the card sees them.
    pub async fn set_adapter_settings(
        &self,
        id: &str,
        s: Option<AdapterSettings>,
    ) -> CardResult<()> {
        self.trusted(id)?;
        let request = Request::SetAdapterSettings(s.clone());
        self.checked_write(
            id,
            (
                capability::ADAPTER_SETTINGS,
                "cannot change its network adapter's settings",
            ),
            |card| match (&s, &card.adapter) {
                (Some(s), Some(a)) => s.check(a),
                _ => Ok(()),
            },
            (
                request,
                CardEventKind::AdapterSettingsChanged { applied: false },
            ),
            (Request::GetNetworkAdapter, adapter_of),
            |c, a| c.adapter = Some(a),
        )
        .await
    }

    /// Merges `changes` into the host firmware's pending attribute values, or makes
    /// the card's defaults pending (`None`) (OEM.md §4.26); returns once the card
    /// stored them, with the attributes read back. Changes that break the rules of
    /// §4.26 are refused here, before the card sees them.
    pub async fn set_bios(&self, id: &str, changes: Option<Vec<BiosChange>>) -> CardResult<()> {
        self.trusted(id)?;
        let request = Request::SetBiosSettings(changes.clone());
        self.checked_write(
            id,
            (
                capability::BIOS_SETTINGS,
                "cannot change its host firmware's attributes",
            ),
            |card| match (&changes, &card.bios) {
                (Some(c), Some(b)) => b.check(c),
                _ => Ok(()),
            },
            (
                request,
                CardEventKind::BiosSettingsChanged { applied: false },
            ),
            (Request::GetBios, bios_of),
            |c, b| c.bios = Some(b),
        )
        .await
    }

    /// Resets the card's own BMC; returns once the card accepted it.
    pub async fn reset_manager(&self, id: &str, t: ResetType) -> CardResult<()> {
        self.trusted(id)?;
        let card = self.capable(id, capability::MANAGER_RESET, "cannot reset its BMC")?;
        let client = self.client(&card)?;
        client
            .call(&Request::ResetManager(t))
            .await
            .map_err(|e| self.fail(id, e))?;
        self.emit(id, CardEventKind::ManagerReset);
        Ok(())
    }

    /// Carries one Redfish request to the card's own service through its agent (the
    /// tunnel, OEM.md §4.18) and returns the card's answer as it is. Refused as
    /// UnsupportedCommand for a card whose agent does not offer the tunnel.
    pub async fn redfish(
        &self,
        id: &str,
        t: oem::TunnelRequest,
    ) -> CardResult<oem::TunnelResponse> {
        self.trusted(id)?;
        let card = self.online(id)?;
        if !card.tunnel() {
            return Err(CardError::Refused {
                card: id.to_string(),
                result: ResultCode::UnsupportedCommand,
                detail: "the card's agent does not offer the Redfish tunnel (OEM set 2)".into(),
            });
        }
        let client = self.client(&card)?;
        let (_, r) = client
            .call(&Request::Redfish(t))
            .await
            .map_err(|e| self.fail(id, e))?;
        match r.body {
            ResponseBody::Redfish(t) => Ok(t),
            other => Err(CardError::Protocol {
                card: id.to_string(),
                reason: format!("the tunnel answered {other:?}"),
            }),
        }
    }

    /// The tasks.
    pub fn tasks(&self) -> Vec<Task> {
        lock(&self.tasks).all()
    }

    /// One task.
    pub fn task(&self, id: u64) -> CardResult<Task> {
        lock(&self.tasks)
            .get(id)
            .cloned()
            .ok_or_else(|| CardError::NoSuchTask(id.to_string()))
    }

    /// Starts a task for the long operation the card accepted as `seq`; it ends when
    /// the card reports completion, or fails at the deadline.
    fn track(self: &Arc<Self>, card: &str, kind: TaskKind, client: OemClient, seq: u32) -> u64 {
        let task = lock(&self.tasks).start(card, kind);
        let cards = self.clone();
        let card = card.to_string();
        let events = self.card(&card).ok().map(|c| self.card_events(&c));
        tokio::spawn(async move {
            let r = client.wait_for(seq, events, cards.deadline).await;
            let ok = r.is_ok();
            lock(&cards.tasks).finish(task, r.map_err(|e| e.to_string()));
            let _ = cards.refresh(&card).await;
            cards.emit(&card, CardEventKind::TaskEnded { task, ok });
        });
        task
    }

    /// Resets a card's host. `Ok(None)` when the card finished at once, else the task
    /// that tracks it.
    pub async fn reset(self: &Arc<Self>, id: &str, t: ResetType) -> CardResult<Option<u64>> {
        self.trusted(id)?;
        let card = self.card(id)?;
        let client = self.client(&card)?;
        match client.call(&Request::Reset(t)).await {
            Ok((_, r)) if r.result == ResultCode::Ok => Ok(None),
            Ok((seq, _)) => Ok(Some(self.track(id, TaskKind::Reset(t), client, seq))),
            Err(e) => Err(self.fail(id, e)),
        }
    }

    /// Inserts virtual media; returns the task that tracks the attachment.
    pub async fn insert_media(
        self: &Arc<Self>,
        id: &str,
        m: MediaInsert,
    ) -> CardResult<Option<u64>> {
        self.trusted(id)?;
        let card = self.online(id)?;
        let client = self.client(&card)?;
        let (image, slot) = (m.image.clone(), m.slot);
        match client.call(&Request::VirtualMediaInsert(m)).await {
            Ok((_, r)) if r.result == ResultCode::Ok => Ok(None),
            Ok((seq, _)) => {
                self.update(id, |c| {
                    if let Some(ms) = c.media[slot_index(slot)].as_mut() {
                        ms.state = MediaState::Inserting;
                        ms.image = image.clone();
                    }
                });
                let kind = TaskKind::InsertMedia { slot, image };
                Ok(Some(self.track(id, kind, client, seq)))
            }
            Err(e) => Err(self.fail(id, e)),
        }
    }

    /// Ejects virtual media.
    pub async fn eject_media(&self, id: &str, slot: MediaSlot) -> CardResult<()> {
        self.trusted(id)?;
        let card = self.online(id)?;
        let client = self.client(&card)?;
        client
            .call(&Request::VirtualMediaEject(slot))
            .await
            .map_err(|e| self.fail(id, e))?;
        let _ = self.refresh(id).await;
        Ok(())
    }

    fn card_by_reach(&self, reach: Reach) -> Option<String> {
        lock(&self.cards)
            .values()
            .find(|c| c.reach == reach)
            .map(|c| c.id.clone())
    }

    fn card_by_package(&self, package: u8) -> Option<String> {
        self.card_by_reach(Reach::Package(package))
    }

    /// A port's counters: as last read when that is newer than the manager's
    /// `statistics_max_age`, else read from the controller now. Only for cards reached
    /// over NC-SI (their ports are its channels) that answer.
    pub async fn port_counters(&self, id: &str, port: u8) -> CardResult<Arc<PortCounters>> {
        // A package that stopped answering has no counters to read (503, not stale or
        // empty ones).
        let card = self.online(id)?;
        let Some(package) = card.package() else {
            return Err(CardError::Refused {
                card: id.to_string(),
                result: oem::ResultCode::UnsupportedCommand,
                detail: "it is not reached over NC-SI, whose statistics these are".into(),
            });
        };
        let max_age = self.manager.config().statistics_max_age;
        if let Some((at, c)) = lock(&self.counters).get(&(id.to_string(), port)) {
            if at.elapsed() < max_age {
                return Ok(c.clone());
            }
        }
        Ok(self.read_counters(id, package, port).await)
    }

    /// Reads a port's counters now (a command the controller does not answer leaves
    /// its group out) and keeps them.
    async fn read_counters(&self, id: &str, package: u8, port: u8) -> Arc<PortCounters> {
        let s = self.manager.statistics(ChannelId::new(package, port)).await;
        let c = Arc::new(PortCounters::from_statistics(&s));
        lock(&self.counters).insert((id.to_string(), port), (Instant::now(), c.clone()));
        c
    }

    /// Reads the counters of every port of every card reached over NC-SI.
    async fn read_all_counters(&self) {
        let cards: Vec<Arc<Card>> = lock(&self.cards).values().cloned().collect();
        for card in cards.iter().filter(|c| c.online) {
            if let Some(p) = card.package() {
                for port in &card.nic.ports {
                    self.read_counters(&card.id, p, port.id).await;
                }
            }
        }
    }

    /// Follows the manager's events and refreshes periodically, until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        let spdm = tokio::spawn(self.clone().run_spdm());
        let _stop_spdm = AbortOnDrop(spdm);
        let mut events = self.manager.events();
        let mut tick = tokio::time::interval(self.refresh_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let every = self.manager.config().statistics_interval;
        // The first reading when first asked for or one period in, not at start.
        let period = if every.is_zero() {
            Duration::from_secs(86_400)
        } else {
            every
        };
        let mut statistics = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        statistics.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                e = events.recv() => match e {
                    Ok(e) => self.on_event(e).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.refresh_all().await,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick() => self.refresh_all().await,
                _ = statistics.tick(), if !every.is_zero() => self.read_all_counters().await,
            }
        }
    }

    async fn on_event(&self, e: NcsiEvent) {
        match e {
            NcsiEvent::Card { package, event } => {
                if let Some(id) = self.card_by_package(package) {
                    self.on_card_event(&id, event).await;
                }
            }
            NcsiEvent::PackageLost(p) => {
                if let Some(id) = self.card_by_package(p) {
                    self.offline(&id, "its NC-SI package stopped answering");
                }
                // The package is no longer present in the topology: nor is its card.
                self.sync();
            }
            NcsiEvent::PackageFound(_) | NcsiEvent::Reinitialised(_) => self.refresh_all().await,
            NcsiEvent::LinkChanged { channel, up } => {
                if let Some(id) = self.card_by_package(channel.package_id()) {
                    self.emit(
                        &id,
                        CardEventKind::LinkChanged {
                            port: channel.channel_id(),
                            up,
                        },
                    );
                }
            }
            NcsiEvent::Failover { from, to } => {
                for (ch, active) in [(from, false), (to, true)] {
                    let Some(ch) = ch else { continue };
                    if let Some(id) = self.card_by_package(ch.package_id()) {
                        let port = ch.channel_id();
                        self.emit(&id, CardEventKind::ActiveChannel { port, active });
                    }
                }
            }
            _ => {}
        }
    }

    /// An OEM event from the card (OEM.md §7) updates the cache and is passed on.
    async fn on_card_event(&self, id: &str, event: oem::Event) {
        match event {
            oem::Event::PowerStateChanged(p) => {
                self.update(id, |c| c.power = Some(p));
                self.emit(id, CardEventKind::PowerChanged(p));
            }
            oem::Event::BootProgressChanged(b) => {
                self.update(id, |c| c.progress = Some(b));
                if b == BootProgress::OsBootStarted {
                    // A one-time override is consumed now: read it back.
                    let _ = self.refresh(id).await;
                }
                self.emit(id, CardEventKind::BootProgressChanged(b));
            }
            oem::Event::MediaStateChanged { slot, state } => {
                self.update(id, |c| {
                    if let Some(m) = c.media[slot_index(slot)].as_mut() {
                        m.state = state;
                    }
                });
                self.emit(id, CardEventKind::MediaChanged { slot, state });
            }
            _ => {}
        }
    }
}

/// The boot override in a GetBootOverride answer.
fn boot_of(r: ResponseBody) -> Option<BootOverride> {
    match r {
        ResponseBody::BootOverride(b) => Some(b),
        _ => None,
    }
}

/// The settings in a GetSystemSettings answer.
fn settings_of(r: ResponseBody) -> Option<SystemSettings> {
    match r {
        ResponseBody::SystemSettings(s) => Some(s),
        _ => None,
    }
}

/// The card BMC state one refresh reads.
struct Fresh {
    allowable: Option<AllowableValues>,
    settings: Option<SystemSettings>,
    power: Option<PowerState>,
    boot: Option<BootOverride>,
    progress: Option<BootProgress>,
    media: [Option<MediaStatus>; 2],
    firmware: Vec<FirmwareComponent>,
    network: Option<NetworkIdentity>,
    host: Option<HostInventory>,
    bmc_network: Option<ManagerNetwork>,
    sensors: Option<Sensors>,
    adapter: Option<NetworkAdapter>,
    bios: Option<Bios>,
}

fn bios_of(r: ResponseBody) -> Option<Bios> {
    match r {
        ResponseBody::Bios(b) => Some(b),
        _ => None,
    }
}

fn adapter_of(r: ResponseBody) -> Option<NetworkAdapter> {
    match r {
        ResponseBody::NetworkAdapter(a) => Some(a),
        _ => None,
    }
}

fn bmc_network_of(r: ResponseBody) -> Option<ManagerNetwork> {
    match r {
        ResponseBody::ManagerNetwork(n) => Some(n),
        _ => None,
    }
}

/// Reads the state `card` has: what it announced in its capabilities, nothing else.
async fn read_state(card: &Card, client: &OemClient) -> Result<Fresh, OemError> {
    let power = read(client, Request::GetPowerState, |r| match r {
        ResponseBody::PowerState(p) => Some(p),
        _ => None,
    })
    .await?;
    let boot = read(client, Request::GetBootOverride, boot_of).await?;
    let progress = if card.has(capability::BOOT_PROGRESS) {
        read(client, Request::GetBootProgress, |r| match r {
            ResponseBody::BootProgress(b) => Some(b),
            _ => None,
        })
        .await?
    } else {
        None
    };
    let mut media = [None, None];
    for (slot, cap) in [
        (MediaSlot::Cd, capability::VIRTUAL_MEDIA_CD),
        (MediaSlot::Usb, capability::VIRTUAL_MEDIA_USB),
    ] {
        if card.has(cap) {
            media[slot_index(slot)] =
                read(client, Request::VirtualMediaStatus(slot), |r| match r {
                    ResponseBody::MediaStatus(m) => Some(m),
                    _ => None,
                })
                .await?;
        }
    }
    let firmware = if card.has(capability::FIRMWARE_INVENTORY) {
        read(client, Request::GetFirmwareInventory, |r| match r {
            ResponseBody::FirmwareInventory(f) => Some(f),
            _ => None,
        })
        .await?
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    let network = if card.has(capability::NETWORK_IDENTITY) {
        read(client, Request::GetNetworkIdentity, |r| match r {
            ResponseBody::NetworkIdentity(n) => Some(n),
            _ => None,
        })
        .await?
    } else {
        None
    };
    let host = if card.has(capability::HOST_INVENTORY) {
        read(client, Request::GetHostInventory, |r| match r {
            ResponseBody::HostInventory(h) => Some(h),
            _ => None,
        })
        .await?
    } else {
        None
    };
    let bmc_network = if card.has(capability::MANAGER_NETWORK) {
        read(client, Request::GetManagerNetwork, bmc_network_of).await?
    } else {
        None
    };
    let sensors = if card.has(capability::SENSORS) {
        read(client, Request::GetSensors, |r| match r {
            ResponseBody::Sensors(s) => Some(s),
            _ => None,
        })
        .await?
    } else {
        None
    };
    let adapter = read_announced(
        card,
        capability::NETWORK_ADAPTER,
        client,
        Request::GetNetworkAdapter,
        adapter_of,
    )
    .await?;
    let bios = read_announced(card, capability::BIOS, client, Request::GetBios, bios_of).await?;
    let allowable = if card.has(capability::ALLOWABLE_VALUES) {
        read(client, Request::GetAllowableValues, |r| match r {
            ResponseBody::AllowableValues(a) => Some(a),
            _ => None,
        })
        .await?
    } else {
        None
    };
    let settings = if card.has(capability::SYSTEM_SETTINGS) {
        read(client, Request::GetSystemSettings, settings_of).await?
    } else {
        None
    };
    Ok(Fresh {
        allowable,
        settings,
        power,
        boot,
        progress,
        media,
        firmware,
        network,
        host,
        bmc_network,
        sensors,
        adapter,
        bios,
    })
}

/// The sensors whose state (normal, warning, critical) `new` changes from `old`; at
/// the first reading, those that are not normal (OEM.md §4.22).
fn sensor_changes(old: Option<&Sensors>, new: Option<&Sensors>) -> Vec<CardEventKind> {
    let Some(new) = new else { return Vec::new() };
    new.sensors
        .iter()
        .filter_map(|s| {
            let was = old
                .and_then(|o| o.sensors.iter().find(|x| x.name == s.name))
                .map_or(SensorState::Normal, Sensor::state);
            (s.state() != was).then(|| CardEventKind::SensorStateChanged {
                sensor: s.name.clone(),
                state: s.state(),
                reading: s.reading,
            })
        })
        .collect()
}
