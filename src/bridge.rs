//! The bridge between Redfish and the cards: a cached model of each DPU's card BMC,
//! refreshed from the OEM command set on events and periodically, and the operations
//! Redfish asks for turned into OEM requests.
//!
//! Nothing is reported done unless the card confirmed it: a PATCH answers once the
//! card said Ok; a long operation (reset, media insert) answers with a Task that
//! completes when the card reports completion. A card that stops answering is shown
//! `UnavailableOffline` rather than with stale data.

use crate::ncsi::{Event as NcsiEvent, Manager, OemClient, OemError, PackageInfo, RequestError};
use crate::redfish::error::{RedfishError, RfResult};
use serde_json::{Value, json};
use sidebridge_protocol::oem::{
    self, BootOverride, BootProgress, BridgeInfo, FirmwareComponent, MediaInsert, MediaSlot,
    MediaStatus, NetworkIdentity, PowerState, Request, ResetType, ResponseBody, ResultCode,
    capability,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::broadcast;

/// What the cache knows about one card.
#[derive(Debug, Clone)]
pub struct Card {
    /// Stable Redfish id (from the card's UUID, else its serial number).
    pub id: String,
    /// NC-SI package.
    pub package: u8,
    /// GetBridgeInfo.
    pub info: BridgeInfo,
    /// What discovery found on the NC side.
    pub nic: PackageInfo,
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
    /// Answering.
    pub online: bool,
    /// When the cache was last refreshed completely.
    pub refreshed: Option<Instant>,
    /// Bumped on every change: rendered Redfish bodies are cached per generation.
    pub generation: u64,
}

impl Card {
    /// Whether the card announced `cap`.
    pub fn has(&self, cap: u32) -> bool {
        self.info.capabilities & cap != 0
    }

    /// The media slot index of `slot`.
    pub fn media(&self, slot: MediaSlot) -> Option<&MediaStatus> {
        self.media[if slot == MediaSlot::Usb { 1 } else { 0 }].as_ref()
    }
}

/// The id of a card: its UUID when it has one, else its serial number (made safe for
/// a URI), else its package.
pub fn card_id(info: &BridgeInfo, package: u8) -> String {
    if info.uuid != [0; 16] {
        let h: String = info.uuid.iter().map(|b| format!("{b:02x}")).collect();
        return format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        );
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

/// Task state (Redfish `TaskState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Running on the card.
    Running,
    /// Done.
    Completed,
    /// Failed.
    Exception,
}

/// A Task for an operation the card completes later.
#[derive(Debug, Clone)]
pub struct Task {
    /// Id.
    pub id: String,
    /// What it does.
    pub name: String,
    /// State.
    pub state: TaskState,
    /// When it started.
    pub start: SystemTime,
    /// When it ended.
    pub end: Option<SystemTime>,
    /// Percent done.
    pub percent: u8,
    /// Messages (Base registry JSON).
    pub messages: Vec<Value>,
    /// The resource it acts on.
    pub target: String,
}

/// A Redfish event (EventService).
#[derive(Debug, Clone)]
pub struct RfEvent {
    /// Event id.
    pub id: u64,
    /// The resource it is about.
    pub origin: String,
    /// MessageId (a Base or ResourceEvent message).
    pub message_id: String,
    /// Text.
    pub message: String,
    /// OK, Warning, Critical.
    pub severity: &'static str,
    /// When.
    pub timestamp: SystemTime,
}

/// Seconds since the epoch as an RFC 3339 UTC timestamp.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// What a Redfish request was, to name the right property or parameter in errors.
#[derive(Debug, Clone, Copy)]
pub enum Context<'a> {
    /// A PATCH of this property with this value.
    Patch(&'a str, &'a str),
    /// An action with this parameter and value.
    Action(&'a str, &'a str, &'a str),
}

/// Maps an OEM failure to the Redfish error of `OEM.md` §6.
pub fn redfish_error(e: &OemError, ctx: Context<'_>) -> RedfishError {
    match e {
        OemError::Ncsi(RequestError::Timeout { .. }) | OemError::NcsiRefused { .. } => {
            RedfishError::unavailable(5)
        }
        OemError::Ncsi(_) | OemError::Malformed(_) => RedfishError::internal(),
        OemError::Deadline { .. } => RedfishError::timeout(),
        OemError::Card { result, detail } => {
            let (value_err, format_err) = match ctx {
                Context::Patch(p, v) => (
                    RedfishError::value_not_in_list(p, v),
                    RedfishError::value_format(p, v),
                ),
                Context::Action(a, p, v) => (
                    RedfishError::parameter_not_in_list(v, p, a),
                    RedfishError::parameter_format(v, p, a),
                ),
            };
            match result {
                ResultCode::UnsupportedCommand => match ctx {
                    Context::Patch(..) => RedfishError::method_not_allowed("GET, PATCH"),
                    Context::Action(a, ..) => RedfishError::action_not_supported(a),
                },
                ResultCode::InvalidParameter
                | ResultCode::ValueNotSupported
                | ResultCode::UnsupportedScheme => value_err,
                ResultCode::MalformedUri | ResultCode::TooLarge => format_err,
                ResultCode::Busy
                | ResultCode::UnsupportedVersion
                | ResultCode::IntegrityError
                | ResultCode::ChunkOutOfOrder => RedfishError::unavailable(5),
                ResultCode::InvalidState | ResultCode::MediaPresent => RedfishError::in_use(),
                ResultCode::NoMedia => RedfishError::not_allowed("no media is inserted"),
                ResultCode::NotFound => RedfishError::not_found("VirtualMedia", detail),
                ResultCode::OperationFailed => RedfishError::operation_failed(detail),
                ResultCode::OperationTimeout => RedfishError::timeout(),
                _ => RedfishError::internal(),
            }
        }
    }
}

/// The bridge.
#[derive(Debug)]
pub struct Bridge {
    manager: Arc<Manager>,
    /// How each card is reached (for Redfish's ConnectionMethod).
    pub connections: Connections,
    /// Std mutexes: short critical sections, never across an `.await`.
    /// Behind `Arc`: a request takes a reference, not a deep copy; changes copy on write.
    cards: Mutex<BTreeMap<String, Arc<Card>>>,
    tasks: Mutex<BTreeMap<u64, Task>>,
    next_task: AtomicU64,
    next_event: AtomicU64,
    events: broadcast::Sender<RfEvent>,
    /// How long a long operation may take on the card.
    pub deadline: Duration,
    /// How often every card is refreshed.
    pub refresh_interval: Duration,
}

/// The path from this BMC to the cards' network controllers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// NC-SI over RBT on the sideband interface (raw socket or the kernel's driver).
    Rbt,
    /// NC-SI over MCTP (DSP0261) on a serial line (DSP0253), the controller at `eid`.
    MctpSerial {
        /// The tty.
        device: String,
        /// The controller's EID.
        eid: u8,
    },
    /// NC-SI over the kernel's MCTP stack (`AF_MCTP`), the controller at `eid`.
    MctpKernel {
        /// The controller's EID.
        eid: u8,
    },
}

impl Connection {
    /// The Redfish ConnectionMethod id: `NCSI`, or `NCSI-MCTP-<device>` (e.g.
    /// `NCSI-MCTP-ttyS2`), one per serial line.
    pub fn id(&self) -> String {
        match self {
            Connection::Rbt => "NCSI".into(),
            Connection::MctpSerial { device, .. } => {
                let base = device.rsplit('/').next().unwrap_or(device);
                let clean: String = base
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                format!("NCSI-MCTP-{clean}")
            }
            Connection::MctpKernel { eid } => format!("NCSI-MCTP-EID{eid}"),
        }
    }

    /// The ConnectionMethodVariant text.
    pub fn variant(&self) -> String {
        match self {
            Connection::Rbt => {
                "NC-SI over RBT (DMTF DSP0222), sidebridge OEM command set v1".into()
            }
            Connection::MctpSerial { device, eid } => format!(
                "NC-SI over MCTP (DMTF DSP0261) on serial {device} (DSP0253), endpoint ID {eid}, sidebridge OEM command set v1"
            ),
            Connection::MctpKernel { eid } => format!(
                "NC-SI over MCTP (DMTF DSP0261) through the kernel's MCTP stack, endpoint ID {eid}, sidebridge OEM command set v1"
            ),
        }
    }

    /// A short name for the ConnectionMethod.
    pub fn name(&self) -> &'static str {
        match self {
            Connection::Rbt => "NC-SI sideband",
            Connection::MctpSerial { .. } => "NC-SI over MCTP serial",
            Connection::MctpKernel { .. } => "NC-SI over MCTP",
        }
    }
}

/// The path of every card: one default, and the packages reached another way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connections {
    default: Connection,
    by_package: BTreeMap<u8, Connection>,
}

impl From<Connection> for Connections {
    fn from(default: Connection) -> Self {
        Connections {
            default,
            by_package: BTreeMap::new(),
        }
    }
}

impl Connections {
    /// `package` is reached by `connection`.
    pub fn with_package(mut self, package: u8, connection: Connection) -> Self {
        self.by_package.insert(package, connection);
        self
    }

    /// How `package` is reached.
    pub fn for_package(&self, package: u8) -> &Connection {
        self.by_package.get(&package).unwrap_or(&self.default)
    }

    /// Every distinct path, the default first.
    pub fn all(&self) -> Vec<&Connection> {
        let mut out = vec![&self.default];
        for c in self.by_package.values() {
            if !out.iter().any(|o| o.id() == c.id()) {
                out.push(c);
            }
        }
        out
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Bridge {
    /// A bridge over `manager`'s topology, cards reached by NC-SI over RBT.
    pub fn new(manager: Arc<Manager>) -> Arc<Self> {
        Self::with_connections(manager, Connections::from(Connection::Rbt))
    }

    /// A bridge over `manager`'s topology, cards reached as `connections` says.
    pub fn with_connections(manager: Arc<Manager>, connections: Connections) -> Arc<Self> {
        let (events, _) = broadcast::channel(256);
        Arc::new(Bridge {
            manager,
            connections,
            cards: Mutex::new(BTreeMap::new()),
            tasks: Mutex::new(BTreeMap::new()),
            next_task: AtomicU64::new(1),
            next_event: AtomicU64::new(1),
            events,
            deadline: Duration::from_secs(600),
            refresh_interval: Duration::from_secs(30),
        })
    }

    /// The NC-SI manager.
    pub fn manager(&self) -> &Arc<Manager> {
        &self.manager
    }

    /// Redfish events as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<RfEvent> {
        self.events.subscribe()
    }

    fn emit(&self, origin: String, message_id: &str, message: String, severity: &'static str) {
        let id = self.next_event.fetch_add(1, Ordering::Relaxed);
        let _ = self.events.send(RfEvent {
            id,
            origin,
            message_id: message_id.into(),
            message,
            severity,
            timestamp: SystemTime::now(),
        });
    }

    /// Every card, by id.
    pub fn cards(&self) -> Vec<Arc<Card>> {
        lock(&self.cards).values().cloned().collect()
    }

    /// One card.
    pub fn card(&self, id: &str) -> RfResult<Arc<Card>> {
        lock(&self.cards)
            .get(id)
            .cloned()
            .ok_or_else(|| RedfishError::not_found("ComputerSystem", id))
    }

    fn client(&self, card: &Card) -> RfResult<OemClient> {
        self.manager
            .oem(card.package)
            .ok_or_else(|| RedfishError::unavailable(5))
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
        let mut cards = lock(&self.cards);
        for p in &topo.packages {
            let Some(info) = &p.card else { continue };
            let id = card_id(info, p.id);
            let entry = cards.entry(id.clone()).or_insert_with(|| {
                Arc::new(Card {
                    id,
                    package: p.id,
                    info: info.clone(),
                    nic: p.clone(),
                    power: None,
                    boot: None,
                    progress: None,
                    media: [None, None],
                    firmware: Vec::new(),
                    network: None,
                    online: true,
                    refreshed: None,
                    generation: 0,
                })
            });
            let online = entry.online && p.present;
            if entry.package != p.id
                || entry.info != *info
                || entry.nic != *p
                || entry.online != online
            {
                let entry = Arc::make_mut(entry);
                entry.package = p.id;
                entry.info = info.clone();
                entry.nic = p.clone();
                entry.online = online;
                entry.generation += 1;
            }
        }
    }

    fn offline(&self, id: &str, why: &str) {
        let was = lock(&self.cards).get(id).is_some_and(|c| c.online);
        self.update(id, |c| c.online = false);
        if was {
            tracing::warn!("card {id} is not answering: {why}");
            self.emit(
                format!("/redfish/v1/Systems/{id}"),
                "ResourceEvent.1.3.ResourceStatusChangedCritical",
                format!("The card {id} stopped answering: {why}"),
                "Critical",
            );
        }
    }

    /// Reads everything from a card; a card that does not answer goes offline. A card
    /// whose NC was reset (Interface Initialization Required) or that was offline gets
    /// its package probed again first, and one more try.
    pub async fn refresh(&self, id: &str) -> RfResult<()> {
        match self.refresh_once(id).await {
            Err(_) if self.card(id).is_ok_and(|c| !c.online) => {
                let package = self.card(id)?.package;
                self.manager.rediscover(package).await;
                self.sync();
                self.refresh_once(id).await
            }
            r => r,
        }
    }

    async fn refresh_once(&self, id: &str) -> RfResult<()> {
        let card = self.card(id)?;
        let client = self.client(&card)?;
        let result: Result<(), OemError> = async {
            let power = match client.call(&Request::GetPowerState).await?.1.body {
                ResponseBody::PowerState(p) => Some(p),
                _ => None,
            };
            let boot = match client.call(&Request::GetBootOverride).await?.1.body {
                ResponseBody::BootOverride(b) => Some(b),
                _ => None,
            };
            let progress = if card.has(capability::BOOT_PROGRESS) {
                match client.call(&Request::GetBootProgress).await?.1.body {
                    ResponseBody::BootProgress(b) => Some(b),
                    _ => None,
                }
            } else {
                None
            };
            let mut media = [None, None];
            for (i, (slot, cap)) in [
                (MediaSlot::Cd, capability::VIRTUAL_MEDIA_CD),
                (MediaSlot::Usb, capability::VIRTUAL_MEDIA_USB),
            ]
            .into_iter()
            .enumerate()
            {
                if card.has(cap) {
                    if let ResponseBody::MediaStatus(m) = client
                        .call(&Request::VirtualMediaStatus(slot))
                        .await?
                        .1
                        .body
                    {
                        media[i] = Some(m);
                    }
                }
            }
            let firmware = if card.has(capability::FIRMWARE_INVENTORY) {
                match client.call(&Request::GetFirmwareInventory).await?.1.body {
                    ResponseBody::FirmwareInventory(f) => f,
                    _ => Vec::new(),
                }
            } else {
                Vec::new()
            };
            let network = if card.has(capability::NETWORK_IDENTITY) {
                match client.call(&Request::GetNetworkIdentity).await?.1.body {
                    ResponseBody::NetworkIdentity(n) => Some(n),
                    _ => None,
                }
            } else {
                None
            };
            let was_offline = !card.online;
            self.update(id, |c| {
                c.power = power;
                c.boot = boot;
                c.progress = progress;
                c.media = media;
                c.firmware = firmware;
                c.network = network;
                c.online = true;
                c.refreshed = Some(Instant::now());
            });
            if was_offline {
                self.emit(
                    format!("/redfish/v1/Systems/{id}"),
                    "ResourceEvent.1.3.ResourceStatusChangedOK",
                    format!("The card {id} is answering again."),
                    "OK",
                );
            }
            Ok(())
        }
        .await;
        result.map_err(|e| {
            if matches!(e, OemError::Ncsi(_) | OemError::NcsiRefused { .. }) {
                self.offline(id, &e.to_string());
            }
            redfish_error(&e, Context::Patch("Status", ""))
        })
    }

    /// Refreshes every card.
    pub async fn refresh_all(&self) {
        self.sync();
        for c in self.cards() {
            let _ = self.refresh(&c.id).await;
        }
    }

    /// Sets the boot override; returns once the card stored it.
    pub async fn set_boot(
        &self,
        id: &str,
        o: BootOverride,
        property: &str,
        value: &str,
    ) -> RfResult<()> {
        let card = self.card(id)?;
        let client = self.client(&card)?;
        match client.call(&Request::SetBootOverride(o)).await {
            Ok(_) => {
                if let Ok((_, r)) = client.call(&Request::GetBootOverride).await {
                    if let ResponseBody::BootOverride(b) = r.body {
                        self.update(id, |c| c.boot = Some(b));
                    }
                }
                self.emit(
                    format!("/redfish/v1/Systems/{id}"),
                    "ResourceEvent.1.3.ResourceChanged",
                    format!("The boot override of {id} changed."),
                    "OK",
                );
                Ok(())
            }
            Err(e) => Err(self.fail(id, e, Context::Patch(property, value))),
        }
    }

    fn fail(&self, id: &str, e: OemError, ctx: Context<'_>) -> RedfishError {
        if matches!(e, OemError::Ncsi(_) | OemError::NcsiRefused { .. }) {
            self.offline(id, &e.to_string());
        }
        redfish_error(&e, ctx)
    }

    fn new_task(&self, name: String, target: String) -> u64 {
        let n = self.next_task.fetch_add(1, Ordering::Relaxed);
        let mut tasks = lock(&self.tasks);
        while tasks.len() >= 100 {
            let oldest = tasks.keys().next().copied();
            match oldest {
                Some(k) => tasks.remove(&k),
                None => break,
            };
        }
        tasks.insert(
            n,
            Task {
                id: n.to_string(),
                name,
                state: TaskState::Running,
                start: SystemTime::now(),
                end: None,
                percent: 0,
                messages: vec![],
                target,
            },
        );
        n
    }

    /// The tasks.
    pub fn tasks(&self) -> Vec<Task> {
        lock(&self.tasks).values().cloned().collect()
    }

    /// One task.
    pub fn task(&self, id: &str) -> RfResult<Task> {
        id.parse::<u64>()
            .ok()
            .and_then(|n| lock(&self.tasks).get(&n).cloned())
            .ok_or_else(|| RedfishError::not_found("Task", id))
    }

    fn spawn_wait(self: &Arc<Self>, task: u64, card_id: String, client: OemClient, seq: u32) {
        let bridge = self.clone();
        let events = Some(self.manager.requester().subscribe_aens());
        tokio::spawn(async move {
            let r = client.wait_for(seq, events, bridge.deadline).await;
            let (state, msg) = match &r {
                Ok(()) => (
                    TaskState::Completed,
                    json!({"MessageId": "TaskEvent.1.0.TaskCompletedOK", "Message": format!("The task with Id '{task}' has completed."), "MessageArgs": [task.to_string()], "MessageSeverity": "OK"}),
                ),
                Err(e) => (
                    TaskState::Exception,
                    json!({"MessageId": "TaskEvent.1.0.TaskAborted", "Message": format!("The task with Id '{task}' has been aborted: {e}"), "MessageArgs": [task.to_string()], "MessageSeverity": "Critical"}),
                ),
            };
            if let Some(t) = lock(&bridge.tasks).get_mut(&task) {
                t.state = state;
                t.end = Some(SystemTime::now());
                t.percent = 100;
                t.messages.push(msg);
            }
            let _ = bridge.refresh(&card_id).await;
            bridge.emit(
                format!("/redfish/v1/TaskService/Tasks/{task}"),
                if r.is_ok() {
                    "TaskEvent.1.0.TaskCompletedOK"
                } else {
                    "TaskEvent.1.0.TaskAborted"
                },
                format!("Task {task} ended."),
                if r.is_ok() { "OK" } else { "Critical" },
            );
        });
    }

    /// Resets a card's host. `Ok(None)` when the card finished at once, else the task
    /// that tracks it.
    pub async fn reset(
        self: &Arc<Self>,
        id: &str,
        t: ResetType,
        value: &str,
    ) -> RfResult<Option<u64>> {
        let card = self.card(id)?;
        let client = self.client(&card)?;
        match client.call(&Request::Reset(t)).await {
            Ok((_, r)) if r.result == ResultCode::Ok => Ok(None),
            Ok((seq, _)) => {
                let task = self.new_task(
                    format!("Reset {id} ({value})"),
                    format!("/redfish/v1/Systems/{id}"),
                );
                self.spawn_wait(task, id.to_string(), client, seq);
                Ok(Some(task))
            }
            Err(e) => Err(self.fail(
                id,
                e,
                Context::Action("ComputerSystem.Reset", "ResetType", value),
            )),
        }
    }

    /// Inserts virtual media; returns the task that tracks the attachment.
    pub async fn insert_media(self: &Arc<Self>, id: &str, m: MediaInsert) -> RfResult<Option<u64>> {
        let card = self.card(id)?;
        let client = self.client(&card)?;
        let image = m.image.clone();
        let slot = m.slot;
        match client.call(&Request::VirtualMediaInsert(m)).await {
            Ok((_, r)) if r.result == ResultCode::Ok => Ok(None),
            Ok((seq, _)) => {
                self.update(id, |c| {
                    let i = if slot == MediaSlot::Usb { 1 } else { 0 };
                    if let Some(ms) = c.media[i].as_mut() {
                        ms.state = oem::MediaState::Inserting;
                        ms.image = image.clone();
                    }
                });
                let task = self.new_task(
                    format!("Insert {image} into {id}"),
                    format!("/redfish/v1/Managers/{id}/VirtualMedia/{}", slot_name(slot)),
                );
                self.spawn_wait(task, id.to_string(), client, seq);
                Ok(Some(task))
            }
            Err(e) => Err(self.fail(
                id,
                e,
                Context::Action("VirtualMedia.InsertMedia", "Image", &image),
            )),
        }
    }

    /// Ejects virtual media.
    pub async fn eject_media(&self, id: &str, slot: MediaSlot) -> RfResult<()> {
        let card = self.card(id)?;
        let client = self.client(&card)?;
        match client.call(&Request::VirtualMediaEject(slot)).await {
            Ok(_) => {
                let _ = self.refresh(id).await;
                Ok(())
            }
            Err(e) => Err(self.fail(id, e, Context::Action("VirtualMedia.EjectMedia", "", ""))),
        }
    }

    fn card_by_package(&self, package: u8) -> Option<String> {
        lock(&self.cards)
            .values()
            .find(|c| c.package == package)
            .map(|c| c.id.clone())
    }

    /// Follows the manager's events and refreshes periodically, until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        let mut events = self.manager.events();
        let mut tick = tokio::time::interval(self.refresh_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
            }
        }
    }

    async fn on_event(&self, e: NcsiEvent) {
        match e {
            NcsiEvent::Card { package, event } => {
                let Some(id) = self.card_by_package(package) else {
                    return;
                };
                let origin = format!("/redfish/v1/Systems/{id}");
                match event {
                    oem::Event::PowerStateChanged(p) => {
                        self.update(&id, |c| c.power = Some(p));
                        self.emit(
                            origin,
                            "ResourceEvent.1.3.ResourceChanged",
                            format!("The power state of {id} is now {p:?}."),
                            "OK",
                        );
                    }
                    oem::Event::BootProgressChanged(b) => {
                        self.update(&id, |c| c.progress = Some(b));
                        if b == BootProgress::OsBootStarted {
                            // A one-time override is consumed now: read it back.
                            let _ = self.refresh(&id).await;
                        }
                        self.emit(
                            origin,
                            "ResourceEvent.1.3.ResourceChanged",
                            format!("The boot progress of {id} is now {b:?}."),
                            "OK",
                        );
                    }
                    oem::Event::MediaStateChanged { slot, state } => {
                        self.update(&id, |c| {
                            if let Some(m) =
                                c.media[if slot == MediaSlot::Usb { 1 } else { 0 }].as_mut()
                            {
                                m.state = state;
                            }
                        });
                        self.emit(
                            format!("/redfish/v1/Managers/{id}/VirtualMedia/{}", slot_name(slot)),
                            "ResourceEvent.1.3.ResourceChanged",
                            format!("Virtual media {slot:?} of {id} is now {state:?}."),
                            "OK",
                        );
                    }
                    _ => {}
                }
            }
            NcsiEvent::PackageLost(p) => {
                if let Some(id) = self.card_by_package(p) {
                    self.offline(&id, "its NC-SI package stopped answering");
                }
            }
            NcsiEvent::PackageFound(_) | NcsiEvent::Reinitialised(_) => self.refresh_all().await,
            _ => {}
        }
    }
}

/// The Redfish name of a media slot.
pub fn slot_name(slot: MediaSlot) -> &'static str {
    if slot == MediaSlot::Usb { "USB" } else { "CD" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000)),
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

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
}
