//! The card BMC behind a package: it answers the sidebridge OEM command set
//! (`protocol/OEM.md`) with realistic behaviour. Resets take time and walk the power
//! state and boot progress through their states; a one-time boot override clears once
//! the host starts booting; virtual media is fetched in the background and fails for
//! unreachable hosts. Time is virtual milliseconds passed in by the caller, so tests
//! are deterministic.

use sidebridge_protocol::oem::{
    self, BootEnabled, BootMode, BootOverride, BootProgress, BootTarget, BridgeInfo, CommandId,
    Event, FirmwareComponent, Frame, MediaInsert, MediaSlot, MediaState, MediaStatus,
    NetworkIdentity, OperationState, OperationStatus, PowerState, Request, ResetType, Response,
    ResponseBody, ResultCode, TransferProtocol, capability,
};
use sidebridge_protocol::oem::{
    AllowableValues, HostWatchdog, IndicatorLed, SystemSettings, SystemSettingsUpdate,
    WatchdogAction, media_type,
};
use std::collections::{HashMap, VecDeque};

/// How many executed requests (and long operations) the card remembers (OEM.md §5.3).
pub use sidebridge_protocol::oem::responder::RECORD_DEPTH;
use sidebridge_protocol::oem::responder::{self, Responder};

/// How long the card's host takes for each step, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// From PoweringOff to Off (ForceOff; graceful shutdown takes twice as long).
    pub power_off_ms: u64,
    /// From PoweringOn to On.
    pub power_on_ms: u64,
    /// Between boot progress steps after power on.
    pub boot_step_ms: u64,
    /// Fetching and attaching a virtual media image.
    pub media_attach_ms: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            power_off_ms: 200,
            power_on_ms: 300,
            boot_step_ms: 100,
            media_attach_ms: 500,
        }
    }
}

/// What a card is and what it starts as (from the scenario file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardConfig {
    /// The OEM manufacturer id it answers (default 32473).
    pub manufacturer_id: u32,
    /// Identity reported by GetBridgeInfo (versions and chunk size are filled in).
    pub identity: BridgeInfo,
    /// Reported by GetNetworkIdentity.
    pub network: NetworkIdentity,
    /// Reported by GetFirmwareInventory.
    pub firmware: Vec<FirmwareComponent>,
    /// Step durations.
    pub timing: Timing,
    /// URI schemes virtual media accepts, lower case (e.g. "http", "https").
    pub media_schemes: Vec<String>,
    /// Whether a USB virtual media slot exists.
    pub usb_slot: bool,
    /// Whether the host firmware can boot in Legacy mode.
    pub legacy_boot: bool,
    /// Power state at start.
    pub power: PowerState,
    /// Whether the card speaks OEM set 1.1 (GetAllowableValues, system settings,
    /// ResetManager); a 1.0 card answers those UnsupportedCommand.
    pub oem_1_1: bool,
    /// The host system's asset tag and UUID at start (GetSystemSettings).
    pub asset_tag: String,
    /// The host system's UUID (zero: none).
    pub system_uuid: [u8; 16],
    /// The card's host (GetHostInventory, OEM set 1.2); `None`: the card does not
    /// announce the command and answers it UnsupportedCommand.
    pub host: Option<oem::HostInventory>,
    /// The card BMC's own interface and services at start (GetManagerNetwork and
    /// SetManagerNetwork, OEM set 1.3); `None`: the card does not announce them.
    pub bmc_network: Option<oem::ManagerNetwork>,
    /// The card's sensors (GetSensors, OEM set 1.3); `None`: the card does not
    /// announce the command.
    pub sensors: Option<SensorsConfig>,
    /// The card's network adapter at start (GetNetworkAdapter and SetAdapterSettings,
    /// OEM set 1.4); its settings in force are the card's defaults. `None`: the card
    /// does not announce the commands.
    pub adapter: Option<oem::NetworkAdapter>,
    /// The host firmware's attributes at start, which are also its defaults (GetBios
    /// and SetBiosSettings, OEM set 1.4); `None`: the card does not announce them.
    pub bios: Option<oem::Bios>,
}

/// The card's sensors and power capacity (OEM.md §4.22), as the scenario gives them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SensorsConfig {
    /// The card's power capacity in W (zero: not reported).
    pub capacity_watts: u32,
    /// The sensors.
    pub sensors: Vec<SensorConfig>,
}

/// One simulated sensor. Its reading (thousandths of its unit) is `idle` while the
/// host is off and `active` while it is on, moving by up to `swing` either way over a
/// minute (a triangle wave, its phase from the sensor's place in the list), plus any
/// offset a test or a `sensor_offset` fault adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorConfig {
    /// Name (the Redfish id).
    pub name: String,
    /// What it measures.
    pub reading_type: oem::ReadingType,
    /// Where it is.
    pub context: oem::PhysicalContext,
    /// Reading with the host off.
    pub idle: i32,
    /// Reading with the host on.
    pub active: i32,
    /// Largest move either way.
    pub swing: i32,
    /// Upper caution, upper critical, lower caution, lower critical.
    pub thresholds: [Option<i32>; 4],
}

impl Default for CardConfig {
    fn default() -> Self {
        CardConfig {
            manufacturer_id: oem::DEFAULT_MANUFACTURER_ID,
            identity: BridgeInfo::default(),
            network: NetworkIdentity::default(),
            firmware: Vec::new(),
            timing: Timing::default(),
            media_schemes: vec!["http".into(), "https".into()],
            usb_slot: true,
            legacy_boot: false,
            power: PowerState::On,
            oem_1_1: true,
            asset_tag: String::new(),
            system_uuid: [0; 16],
            host: None,
            bmc_network: None,
            sensors: None,
            adapter: None,
            bios: None,
        }
    }
}

/// One long operation (OEM.md §5.2).
#[derive(Debug, Clone, Copy)]
struct Operation {
    status: OperationStatus,
}

/// A state change due at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Power(PowerState),
    Progress(BootProgress),
    Complete {
        sequence: u32,
        result: ResultCode,
    },
    MediaDone {
        slot: MediaSlot,
        sequence: u32,
        ok: bool,
    },
}

/// The card BMC model.
#[derive(Debug)]
pub struct CardBmc {
    cfg: CardConfig,
    power: PowerState,
    progress: BootProgress,
    boot: BootOverride,
    media: [MediaStatus; 2],
    /// Executed requests remembered, partial chunked requests (OEM.md §3.3, §5.1).
    responder: Responder,
    operations: VecDeque<Operation>,
    /// Scheduled state changes, in time order.
    timeline: Vec<(u64, Step)>,
    /// Events not yet sent.
    outbox: Vec<Event>,
    /// Until when the card answers Busy (fault injection).
    busy_until: Option<u64>,
    /// How many times each state-changing command was executed (not replayed).
    executed: HashMap<CommandId, u32>,
    /// Asset tag, identify LED, host watchdog, system UUID (OEM 1.1).
    settings: SystemSettings,
    /// The card BMC's own network as it is now (OEM 1.3).
    bmc_network: Option<oem::ManagerNetwork>,
    /// What is added to each sensor's reading (by index), thousandths of its unit.
    sensor_offsets: Vec<i32>,
    /// The network adapter as it is now, pending settings included (OEM 1.4).
    adapter: Option<oem::NetworkAdapter>,
    /// The host firmware's attributes as they are now, pending values included.
    bios: Option<oem::Bios>,
}

fn empty_media(slot: MediaSlot) -> MediaStatus {
    MediaStatus {
        slot,
        state: MediaState::Ejected,
        write_protected: false,
        protocol: TransferProtocol::FromUri,
        image: String::new(),
    }
}

/// Splits an absolute URI into (scheme, host); `None` when it is not `scheme://host…`.
fn scheme_and_host(uri: &str) -> Option<(String, String)> {
    let (scheme, rest) = uri.split_once("://")?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host
        .strip_prefix('[')
        .map_or(host.split(':').next().unwrap_or(""), |v6| {
            v6.split(']').next().unwrap_or("")
        });
    if !scheme_ok || host.is_empty() || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

fn protocol_scheme(p: TransferProtocol) -> Option<&'static str> {
    Some(match p {
        TransferProtocol::Http => "http",
        TransferProtocol::Https => "https",
        TransferProtocol::Nfs => "nfs",
        TransferProtocol::Cifs => "smb",
        TransferProtocol::Tftp => "tftp",
        TransferProtocol::Ftp => "ftp",
        TransferProtocol::Sftp => "sftp",
        TransferProtocol::Scp => "scp",
        TransferProtocol::FromUri | TransferProtocol::Unknown(_) => return None,
    })
}

impl CardBmc {
    /// A card in its configured initial state (host booted to the OS when on).
    pub fn new(cfg: CardConfig) -> Self {
        let progress = if cfg.power == PowerState::On {
            BootProgress::OsRunning
        } else {
            BootProgress::None
        };
        CardBmc {
            power: cfg.power,
            progress,
            boot: BootOverride {
                target: BootTarget::None,
                enabled: BootEnabled::Disabled,
                mode: BootMode::Uefi,
                uri: String::new(),
            },
            media: [empty_media(MediaSlot::Cd), empty_media(MediaSlot::Usb)],
            responder: Responder::new(oem::PROTOCOL_VERSION),
            operations: VecDeque::new(),
            timeline: Vec::new(),
            outbox: Vec::new(),
            busy_until: None,
            executed: HashMap::new(),
            settings: SystemSettings {
                asset_tag: cfg.asset_tag.clone(),
                indicator: IndicatorLed::Off,
                watchdog: HostWatchdog {
                    enabled: false,
                    action: WatchdogAction::None,
                },
                uuid: cfg.system_uuid,
            },
            bmc_network: cfg.bmc_network.clone(),
            adapter: cfg.adapter.clone(),
            bios: cfg.bios.clone(),
            sensor_offsets: vec![0; cfg.sensors.as_ref().map_or(0, |s| s.sensors.len())],
            cfg,
        }
    }

    /// The sensors as they read at `now` (ms), when the card has any.
    pub fn sensors(&self, now: u64) -> Option<oem::Sensors> {
        let cfg = self.cfg.sensors.as_ref()?;
        const PERIOD: u64 = 60_000;
        let sensors = cfg
            .sensors
            .iter()
            .zip(&self.sensor_offsets)
            .enumerate()
            .map(|(i, (sc, offset))| {
                let base = if self.power == PowerState::On {
                    sc.active
                } else {
                    sc.idle
                };
                // A triangle wave from -swing to +swing over PERIOD.
                let t = (now + i as u64 * PERIOD / 7) % PERIOD;
                let half = PERIOD / 2;
                let up = if t < half { t } else { PERIOD - t };
                let wave = (i64::from(sc.swing) * (4 * up as i64 - PERIOD as i64)) / PERIOD as i64;
                oem::Sensor {
                    name: sc.name.clone(),
                    reading_type: sc.reading_type,
                    context: sc.context,
                    reading: Some(base.saturating_add(wave as i32).saturating_add(*offset)),
                    upper_caution: sc.thresholds[0],
                    upper_critical: sc.thresholds[1],
                    lower_caution: sc.thresholds[2],
                    lower_critical: sc.thresholds[3],
                }
            })
            .collect();
        Some(oem::Sensors {
            capacity_watts: cfg.capacity_watts,
            sensors,
        })
    }

    /// Adds `offset` (thousandths of its unit) to sensor `index`'s reading from now on
    /// (0 takes it back); false when there is no such sensor.
    pub fn set_sensor_offset(&mut self, index: usize, offset: i32) -> bool {
        match self.sensor_offsets.get_mut(index) {
            Some(o) => {
                *o = offset;
                true
            }
            None => false,
        }
    }

    /// The card BMC's own network as it is now (OEM 1.3), when it reports one.
    pub fn bmc_network(&self) -> Option<&oem::ManagerNetwork> {
        self.bmc_network.as_ref()
    }

    /// The network adapter as it is now (OEM 1.4), when the card reports one.
    pub fn adapter(&self) -> Option<&oem::NetworkAdapter> {
        self.adapter.as_ref()
    }

    /// SetAdapterSettings (OEM.md §4.24): checked whole, then stored as pending until
    /// the host next starts.
    fn set_adapter_settings(&mut self, s: Option<oem::AdapterSettings>) -> Response {
        let command = CommandId::SetAdapterSettings;
        // The card's defaults are its settings at start.
        let defaults = self.cfg.adapter.as_ref().map(|d| d.current.clone());
        let (Some(a), Some(defaults)) = (self.adapter.as_mut(), defaults) else {
            return Response::error(
                command,
                ResultCode::UnsupportedCommand,
                "this card does not report its network adapter (OEM set 1.4)",
            );
        };
        let s = s.unwrap_or(defaults);
        if let Err(why) = s.check(a) {
            return Response::error(command, ResultCode::InvalidParameter, why);
        }
        // Settings equal to those in force leave nothing pending (OEM.md §4.24).
        a.pending = (s != a.current).then_some(s);
        *self.executed.entry(command).or_default() += 1;
        Response::ok(command, ResponseBody::Empty)
    }

    /// The host firmware's attributes as they are now (OEM 1.4), when the card
    /// reports them.
    pub fn bios(&self) -> Option<&oem::Bios> {
        self.bios.as_ref()
    }

    /// SetBiosSettings (OEM.md §4.26): checked whole, then merged into the pending
    /// values until the host next starts; the defaults are the values at start.
    fn set_bios_settings(&mut self, changes: Option<Vec<oem::BiosChange>>) -> Response {
        let command = CommandId::SetBiosSettings;
        let (Some(b), Some(defaults)) = (self.bios.as_mut(), self.cfg.bios.as_ref()) else {
            return Response::error(
                command,
                ResultCode::UnsupportedCommand,
                "this card does not report its host firmware's attributes (OEM set 1.4)",
            );
        };
        match changes {
            Some(changes) => {
                if let Err(why) = b.check(&changes) {
                    return Response::error(command, ResultCode::InvalidParameter, why);
                }
                b.apply(&changes);
            }
            None => {
                b.pending.clear();
                let back: Vec<oem::BiosChange> = defaults
                    .attributes
                    .iter()
                    .map(|a| oem::BiosChange {
                        name: a.name.clone(),
                        value: a.value.clone(),
                    })
                    .collect();
                b.apply(&back);
            }
        }
        *self.executed.entry(command).or_default() += 1;
        Response::ok(command, ResponseBody::Empty)
    }

    /// SetManagerNetwork (OEM.md §4.21): checked whole, then applied.
    fn set_manager_network(&mut self, u: oem::ManagerNetworkUpdate) -> Response {
        let command = CommandId::SetManagerNetwork;
        let Some(n) = self.bmc_network.as_mut() else {
            return Response::error(
                command,
                ResultCode::UnsupportedCommand,
                "this card does not report its own network (OEM set 1.3)",
            );
        };
        if let Err(why) = u.check() {
            return Response::error(command, ResultCode::InvalidParameter, why);
        }
        n.apply(&u);
        *self.executed.entry(command).or_default() += 1;
        Response::ok(command, ResponseBody::Empty)
    }

    /// The host system settings (asset tag, identify LED, watchdog, UUID).
    pub fn system_settings(&self) -> &SystemSettings {
        &self.settings
    }

    /// The configuration.
    pub fn config(&self) -> &CardConfig {
        &self.cfg
    }

    /// The host's power state.
    pub fn power(&self) -> PowerState {
        self.power
    }

    /// The host's boot progress.
    pub fn boot_progress(&self) -> BootProgress {
        self.progress
    }

    /// The boot override in force.
    pub fn boot_override(&self) -> &BootOverride {
        &self.boot
    }

    /// A virtual media slot's state.
    pub fn media(&self, slot: MediaSlot) -> &MediaStatus {
        &self.media[if slot == MediaSlot::Usb { 1 } else { 0 }]
    }

    /// How many times `command` was executed (retries answered from the record are
    /// not counted): the check that retries never apply an operation twice.
    pub fn executed(&self, command: CommandId) -> u32 {
        self.executed.get(&command).copied().unwrap_or(0)
    }

    /// Makes the card answer Busy until `until` (fault injection).
    pub fn set_busy_until(&mut self, until: u64) {
        self.busy_until = Some(until);
    }

    /// The earliest scheduled state change.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timeline.iter().map(|(t, _)| *t).min()
    }

    /// Takes the events produced so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.outbox)
    }

    fn capabilities(&self) -> u32 {
        let mut c = capability::BOOT_OVERRIDE
            | capability::UEFI_HTTP_BOOT
            | capability::POWER
            | capability::VIRTUAL_MEDIA_CD
            | capability::FIRMWARE_INVENTORY
            | capability::NETWORK_IDENTITY
            | capability::BOOT_PROGRESS
            | capability::EVENTS;
        if self.cfg.usb_slot {
            c |= capability::VIRTUAL_MEDIA_USB;
        }
        if self.cfg.oem_1_1 {
            c |= capability::ALLOWABLE_VALUES
                | capability::SYSTEM_SETTINGS
                | capability::MANAGER_RESET;
        }
        if self.cfg.host.is_some() {
            c |= capability::HOST_INVENTORY;
        }
        if self.bmc_network.is_some() {
            c |= capability::MANAGER_NETWORK | capability::MANAGER_NETWORK_SET;
        }
        if self.cfg.sensors.is_some() {
            c |= capability::SENSORS;
        }
        if self.cfg.adapter.is_some() {
            c |= capability::NETWORK_ADAPTER | capability::ADAPTER_SETTINGS;
        }
        if self.cfg.bios.is_some() {
            c |= capability::BIOS | capability::BIOS_SETTINGS;
        }
        c
    }

    /// What the card accepts (GetAllowableValues, OEM.md §4.14).
    fn allowable(&self) -> AllowableValues {
        let bits = |codes: &[u8]| codes.iter().fold(0u32, |m, c| m | 1 << c);
        let mut modes = 1 << u8::from(BootMode::Uefi);
        if self.cfg.legacy_boot {
            modes |= 1 << u8::from(BootMode::Legacy);
        }
        AllowableValues {
            boot_targets: bits(&[0, 1, 2, 3, 4, 5, 6, 7, 8]),
            boot_enabled: 0b111,
            boot_modes: modes,
            reset_types: bits(&[1, 2, 3, 4, 5, 6, 7]),
            media: [
                media_type::CD | media_type::DVD,
                if self.cfg.usb_slot {
                    media_type::USB_STICK
                } else {
                    0
                },
            ],
            watchdog_actions: 0b1111,
            manager_reset_types: bits(&[
                ResetType::GracefulRestart.into(),
                ResetType::ForceRestart.into(),
            ]),
        }
    }

    /// SetSystemSettings (OEM.md §4.16): every field checked, then all applied.
    fn set_system_settings(&mut self, u: SystemSettingsUpdate) -> Response {
        let err = |code, detail: &str| Response::error(CommandId::SetSystemSettings, code, detail);
        if let Some(IndicatorLed::Unknown(v)) = u.indicator {
            return err(
                ResultCode::InvalidParameter,
                &format!("indicator: {v:#04x}"),
            );
        }
        if let Some(WatchdogAction::Unknown(v)) = u.watchdog_action {
            return err(
                ResultCode::InvalidParameter,
                &format!("watchdog_action: {v:#04x}"),
            );
        }
        if let Some(tag) = &u.asset_tag {
            if tag.chars().any(char::is_control) {
                return err(
                    ResultCode::InvalidParameter,
                    "asset_tag: control characters",
                );
            }
            self.settings.asset_tag = tag.clone();
        }
        if let Some(led) = u.indicator {
            self.settings.indicator = led;
        }
        if let Some(on) = u.watchdog_enabled {
            self.settings.watchdog.enabled = on;
        }
        if let Some(action) = u.watchdog_action {
            self.settings.watchdog.action = action;
        }
        Response::ok(CommandId::SetSystemSettings, ResponseBody::Empty)
    }

    // ---- time ----

    fn schedule(&mut self, at: u64, step: Step) {
        let i = self.timeline.partition_point(|(t, _)| *t <= at);
        self.timeline.insert(i, (at, step));
    }

    /// Applies every state change due by `now`; the events it causes go to the outbox.
    pub fn advance(&mut self, now: u64) {
        while let Some((at, _)) = self.timeline.first() {
            if *at > now {
                break;
            }
            let (_, step) = self.timeline.remove(0);
            self.apply(step);
        }
    }

    fn set_power(&mut self, p: PowerState) {
        // The controller's firmware reads its pending settings as the host starts
        // (OEM.md §4.24).
        if p == PowerState::PoweringOn
            && let Some(a) = self.adapter.as_mut()
            && let Some(s) = a.pending.take()
        {
            a.current = s;
        }
        if p == PowerState::PoweringOn
            && let Some(b) = self.bios.as_mut()
        {
            b.start();
        }
        if self.power != p {
            self.power = p;
            self.outbox.push(Event::PowerStateChanged(p));
        }
        if p == PowerState::Off {
            self.set_progress(BootProgress::None);
        }
    }

    fn set_progress(&mut self, b: BootProgress) {
        if self.progress != b {
            self.progress = b;
            self.outbox.push(Event::BootProgressChanged(b));
        }
        // A one-time override is consumed once the host starts booting from it.
        if b == BootProgress::OsBootStarted && self.boot.enabled == BootEnabled::Once {
            self.boot = BootOverride {
                target: BootTarget::None,
                enabled: BootEnabled::Disabled,
                mode: self.boot.mode,
                uri: String::new(),
            };
        }
    }

    fn apply(&mut self, step: Step) {
        match step {
            Step::Power(p) => self.set_power(p),
            Step::Progress(b) => self.set_progress(b),
            Step::Complete { sequence, result } => self.complete(sequence, result),
            Step::MediaDone { slot, sequence, ok } => {
                let i = if slot == MediaSlot::Usb { 1 } else { 0 };
                if self.media[i].state != MediaState::Inserting {
                    return; // ejected meanwhile; the eject completed the operation
                }
                self.media[i].state = if ok {
                    MediaState::Inserted
                } else {
                    MediaState::Failed
                };
                self.outbox.push(Event::MediaStateChanged {
                    slot,
                    state: self.media[i].state,
                });
                self.complete(
                    sequence,
                    if ok {
                        ResultCode::Ok
                    } else {
                        ResultCode::OperationFailed
                    },
                );
            }
        }
    }

    fn complete(&mut self, sequence: u32, result: ResultCode) {
        if let Some(op) = self
            .operations
            .iter_mut()
            .find(|o| o.status.sequence == sequence)
        {
            if op.status.state == OperationState::Completed {
                return;
            }
            op.status.state = OperationState::Completed;
            op.status.result = result;
            op.status.progress = 100;
            let command = op.status.command;
            self.outbox.push(Event::OperationCompleted {
                sequence,
                command,
                result,
            });
        }
    }

    fn start_operation(&mut self, sequence: u32, command: CommandId) {
        if self.operations.len() == RECORD_DEPTH {
            self.operations.pop_front();
        }
        self.operations.push_back(Operation {
            status: OperationStatus {
                sequence,
                command,
                state: OperationState::Running,
                result: ResultCode::Ok,
                progress: 0,
            },
        });
    }

    fn operation_running(&self, command: CommandId) -> bool {
        self.operations
            .iter()
            .any(|o| o.status.command == command && o.status.state != OperationState::Completed)
    }

    /// Schedules power off (and back on when `on_after`) from `now`; returns when the
    /// operation completes.
    fn schedule_reset(&mut self, now: u64, t: ResetType, sequence: u32) {
        let timing = self.cfg.timing;
        let mut at = now;
        let off = matches!(
            t,
            ResetType::ForceOff
                | ResetType::GracefulShutdown
                | ResetType::ForceRestart
                | ResetType::GracefulRestart
                | ResetType::PowerCycle
        );
        let on = matches!(
            t,
            ResetType::On
                | ResetType::ForceRestart
                | ResetType::GracefulRestart
                | ResetType::PowerCycle
        );
        if off && self.power != PowerState::Off {
            self.schedule(at, Step::Power(PowerState::PoweringOff));
            let graceful = matches!(t, ResetType::GracefulShutdown | ResetType::GracefulRestart);
            at += timing.power_off_ms * if graceful { 2 } else { 1 };
            self.schedule(at, Step::Power(PowerState::Off));
        }
        if on && (off || self.power != PowerState::On) {
            self.schedule(at, Step::Power(PowerState::PoweringOn));
            at += timing.power_on_ms;
            self.schedule(at, Step::Power(PowerState::On));
            self.schedule(
                at,
                Step::Complete {
                    sequence,
                    result: ResultCode::Ok,
                },
            );
            for b in [
                BootProgress::PrimaryProcessorInitializationStarted,
                BootProgress::MemoryInitializationStarted,
                BootProgress::PciResourceConfigStarted,
                BootProgress::SystemHardwareInitializationComplete,
                BootProgress::OsBootStarted,
                BootProgress::OsRunning,
            ] {
                at += timing.boot_step_ms;
                self.schedule(at, Step::Progress(b));
            }
        } else {
            self.schedule(
                at,
                Step::Complete {
                    sequence,
                    result: ResultCode::Ok,
                },
            );
        }
    }

    // ---- commands ----

    /// Answers one OEM frame received on NC-SI channel `channel` at time `now`.
    /// Framing, chunks, retries and ReadResult are the protocol crate's
    /// [`Responder`]'s (OEM.md §3.3, §5.1); the card executes whole requests.
    pub fn handle(&mut self, channel: u8, frame: &Frame, now: u64) -> Frame {
        self.advance(now);
        let (pending, request) = match self.responder.accept(u32::from(channel), frame) {
            responder::Step::Reply(f) => return f,
            responder::Step::Execute(pending, request) => (pending, request),
        };
        if self.busy_until.is_some_and(|t| now < t) {
            return self
                .responder
                .refuse(&pending, ResultCode::Busy, "card BMC busy");
        }
        let response = match request {
            Ok(req) => self.execute(req, pending.sequence, now),
            Err(refused) => refused,
        };
        self.responder.finish(pending, response)
    }

    fn execute(&mut self, req: Request, sequence: u32, now: u64) -> Response {
        let command = req.command();
        let err = |code, detail: &str| Response::error(command, code, detail);
        let response = match req {
            Request::GetBridgeInfo {
                min_version,
                max_version,
            } => {
                if max_version < 1 || min_version > 1 {
                    err(ResultCode::UnsupportedVersion, "supported versions 1..1")
                } else {
                    let mut info = self.cfg.identity.clone();
                    info.min_version = 1;
                    info.max_version = 1;
                    info.max_chunk = oem::MAX_CHUNK as u16;
                    info.capabilities = self.capabilities();
                    Response::ok(command, ResponseBody::BridgeInfo(info))
                }
            }
            Request::GetBootOverride => {
                Response::ok(command, ResponseBody::BootOverride(self.boot.clone()))
            }
            Request::SetBootOverride(o) => self.set_boot_override(o),
            Request::GetPowerState => Response::ok(command, ResponseBody::PowerState(self.power)),
            Request::Reset(t) => match t {
                ResetType::Unknown(v) => err(
                    ResultCode::InvalidParameter,
                    &format!("reset type {v:#04x}"),
                ),
                _ if self.operation_running(CommandId::Reset) => {
                    err(ResultCode::InvalidState, "a reset is in progress")
                }
                ResetType::Nmi if self.power != PowerState::On => err(
                    ResultCode::InvalidState,
                    "state: the host is off, and an NMI needs it on",
                ),
                ResetType::Nmi => Response::ok(command, ResponseBody::Empty),
                t => {
                    self.start_operation(sequence, command);
                    self.schedule_reset(now, t, sequence);
                    self.advance(now);
                    Response {
                        command,
                        result: ResultCode::Accepted,
                        body: ResponseBody::Empty,
                    }
                }
            },
            Request::VirtualMediaInsert(m) => self.insert(m, sequence, now),
            Request::VirtualMediaEject(slot) => self.eject(slot),
            Request::VirtualMediaStatus(slot) => match self.slot_index(slot) {
                Some(i) => Response::ok(command, ResponseBody::MediaStatus(self.media[i].clone())),
                None => err(ResultCode::NotFound, "no such media slot"),
            },
            Request::GetFirmwareInventory => Response::ok(
                command,
                ResponseBody::FirmwareInventory(self.cfg.firmware.clone()),
            ),
            Request::GetNetworkIdentity => Response::ok(
                command,
                ResponseBody::NetworkIdentity(self.cfg.network.clone()),
            ),
            Request::GetBootProgress => {
                Response::ok(command, ResponseBody::BootProgress(self.progress))
            }
            Request::GetHostInventory => match &self.cfg.host {
                Some(h) => Response::ok(command, ResponseBody::HostInventory(h.clone())),
                None => err(
                    ResultCode::UnsupportedCommand,
                    "this card does not report its host (OEM set 1.2)",
                ),
            },
            Request::GetManagerNetwork => match &self.bmc_network {
                Some(n) => Response::ok(command, ResponseBody::ManagerNetwork(n.clone())),
                None => err(
                    ResultCode::UnsupportedCommand,
                    "this card does not report its own network (OEM set 1.3)",
                ),
            },
            Request::SetManagerNetwork(u) => self.set_manager_network(u),
            Request::GetSensors => match self.sensors(now) {
                Some(list) => Response::ok(command, ResponseBody::Sensors(list)),
                None => err(
                    ResultCode::UnsupportedCommand,
                    "this card reports no sensors (OEM set 1.3)",
                ),
            },
            Request::GetNetworkAdapter => match &self.adapter {
                Some(a) => Response::ok(command, ResponseBody::NetworkAdapter(a.clone())),
                None => err(
                    ResultCode::UnsupportedCommand,
                    "this card does not report its network adapter (OEM set 1.4)",
                ),
            },
            Request::SetAdapterSettings(s) => self.set_adapter_settings(s),
            Request::GetBios => match &self.bios {
                Some(b) => Response::ok(command, ResponseBody::Bios(b.clone())),
                None => err(
                    ResultCode::UnsupportedCommand,
                    "this card does not report its host firmware's attributes (OEM set 1.4)",
                ),
            },
            Request::SetBiosSettings(c) => self.set_bios_settings(c),
            Request::GetOperationStatus { sequence: s } => {
                let status = self
                    .operations
                    .iter()
                    .find(|o| o.status.sequence == s)
                    .map(|o| o.status)
                    .unwrap_or(OperationStatus {
                        sequence: s,
                        command: CommandId::Unknown(0),
                        state: OperationState::NotFound,
                        result: ResultCode::Ok,
                        progress: 0,
                    });
                Response::ok(command, ResponseBody::OperationStatus(status))
            }
            Request::ReadResult { .. } => err(
                ResultCode::InvalidState,
                "ReadResult is answered before execution",
            ),
            Request::GetAllowableValues
            | Request::GetSystemSettings
            | Request::SetSystemSettings(_)
            | Request::ResetManager(_)
                if !self.cfg.oem_1_1 =>
            {
                err(
                    ResultCode::UnsupportedCommand,
                    "this card speaks OEM set 1.0",
                )
            }
            Request::GetAllowableValues => {
                Response::ok(command, ResponseBody::AllowableValues(self.allowable()))
            }
            Request::GetSystemSettings => {
                Response::ok(command, ResponseBody::SystemSettings(self.settings.clone()))
            }
            Request::SetSystemSettings(u) => self.set_system_settings(u),
            Request::ResetManager(t) => match t {
                ResetType::Unknown(v) => err(
                    ResultCode::InvalidParameter,
                    &format!("reset type {v:#04x}"),
                ),
                ResetType::GracefulRestart | ResetType::ForceRestart => {
                    Response::ok(command, ResponseBody::Empty)
                }
                _ => err(
                    ResultCode::ValueNotSupported,
                    "the card BMC restarts only (GracefulRestart, ForceRestart)",
                ),
            },
            // The simulated card has no Redfish service of its own: the agent
            // (`sidebridge agent`) answers the tunnel.
            Request::Redfish(_) => err(
                ResultCode::UnsupportedCommand,
                "this card has no Redfish service to tunnel to",
            ),
            Request::Unknown { command: c, .. } => err(
                ResultCode::UnsupportedCommand,
                &format!("command {c:#04x} is not implemented"),
            ),
        };
        if response.result.is_success() {
            *self.executed.entry(command).or_default() += 1;
        }
        response
    }

    fn slot_index(&self, slot: MediaSlot) -> Option<usize> {
        match slot {
            MediaSlot::Cd => Some(0),
            MediaSlot::Usb if self.cfg.usb_slot => Some(1),
            _ => None,
        }
    }

    fn set_boot_override(&mut self, o: BootOverride) -> Response {
        let command = CommandId::SetBootOverride;
        let err = |code, detail: &str| Response::error(command, code, detail);
        if let BootTarget::Unknown(v) = o.target {
            return err(
                ResultCode::InvalidParameter,
                &format!("target: {v:#04x} is not a boot target"),
            );
        }
        if let BootEnabled::Unknown(v) = o.enabled {
            return err(
                ResultCode::InvalidParameter,
                &format!("enabled: {v:#04x} is not an enabled kind"),
            );
        }
        if let BootMode::Unknown(v) = o.mode {
            return err(
                ResultCode::InvalidParameter,
                &format!("mode: {v:#04x} is not a boot mode"),
            );
        }
        if o.mode == BootMode::Legacy && !self.cfg.legacy_boot {
            return err(
                ResultCode::ValueNotSupported,
                "mode: this card boots UEFI only",
            );
        }
        if !o.uri.is_empty() {
            if o.target != BootTarget::UefiHttp {
                return err(
                    ResultCode::InvalidParameter,
                    "uri: a boot URI needs target UefiHttp",
                );
            }
            match scheme_and_host(&o.uri) {
                Some((s, _)) if s == "http" || s == "https" => {}
                _ => {
                    return err(
                        ResultCode::MalformedUri,
                        "uri: the boot URI must be an absolute http:// or https:// URI",
                    );
                }
            }
        }
        self.boot = if o.enabled == BootEnabled::Disabled {
            BootOverride {
                target: BootTarget::None,
                enabled: BootEnabled::Disabled,
                mode: o.mode,
                uri: String::new(),
            }
        } else {
            o
        };
        Response::ok(command, ResponseBody::Empty)
    }

    fn insert(&mut self, m: MediaInsert, sequence: u32, now: u64) -> Response {
        let command = CommandId::VirtualMediaInsert;
        let err = |code, detail: &str| Response::error(command, code, detail);
        let Some(i) = self.slot_index(m.slot) else {
            return err(ResultCode::NotFound, "no such media slot");
        };
        let Some((scheme, host)) = scheme_and_host(&m.image) else {
            return err(
                ResultCode::MalformedUri,
                "the image must be an absolute URI: scheme://host/path",
            );
        };
        if !self.cfg.media_schemes.contains(&scheme) {
            return err(
                ResultCode::UnsupportedScheme,
                &format!("scheme {scheme} is not supported"),
            );
        }
        if let TransferProtocol::Unknown(v) = m.protocol {
            return err(
                ResultCode::InvalidParameter,
                &format!("transfer protocol {v:#04x}"),
            );
        }
        if protocol_scheme(m.protocol).is_some_and(|p| p != scheme) {
            return err(
                ResultCode::UnsupportedScheme,
                "the transfer protocol does not match the URI scheme",
            );
        }
        if matches!(
            self.media[i].state,
            MediaState::Inserting | MediaState::Inserted
        ) {
            return err(ResultCode::MediaPresent, "media is already inserted");
        }
        // Hosts under .invalid (RFC 2606) cannot be reached: the fetch fails.
        let ok = !(host.ends_with(".invalid") || host == "invalid");
        self.media[i] = MediaStatus {
            slot: m.slot,
            state: MediaState::Inserting,
            write_protected: m.write_protected,
            protocol: m.protocol,
            image: m.image,
        };
        self.outbox.push(Event::MediaStateChanged {
            slot: m.slot,
            state: MediaState::Inserting,
        });
        self.start_operation(sequence, command);
        self.schedule(
            now + self.cfg.timing.media_attach_ms,
            Step::MediaDone {
                slot: m.slot,
                sequence,
                ok,
            },
        );
        Response {
            command,
            result: ResultCode::Accepted,
            body: ResponseBody::Empty,
        }
    }

    fn eject(&mut self, slot: MediaSlot) -> Response {
        let command = CommandId::VirtualMediaEject;
        let Some(i) = self.slot_index(slot) else {
            return Response::error(command, ResultCode::NotFound, "no such media slot");
        };
        if matches!(self.media[i].state, MediaState::Ejected) {
            return Response::error(command, ResultCode::NoMedia, "no media inserted");
        }
        if self.media[i].state == MediaState::Inserting {
            let running: Vec<u32> = self
                .operations
                .iter()
                .filter(|o| {
                    o.status.command == CommandId::VirtualMediaInsert
                        && o.status.state != OperationState::Completed
                })
                .map(|o| o.status.sequence)
                .collect();
            for s in running {
                self.complete(s, ResultCode::OperationFailed);
            }
        }
        self.media[i] = empty_media(slot);
        self.outbox.push(Event::MediaStateChanged {
            slot,
            state: MediaState::Ejected,
        });
        Response::ok(command, ResponseBody::Empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_checks() {
        assert_eq!(
            scheme_and_host("http://192.0.2.1/a.iso"),
            Some(("http".into(), "192.0.2.1".into()))
        );
        assert_eq!(
            scheme_and_host("HTTPS://user:pw@Host.Example:8443/x"),
            Some(("https".into(), "host.example".into()))
        );
        assert_eq!(
            scheme_and_host("http://[2001:db8::1]:80/x"),
            Some(("http".into(), "2001:db8::1".into()))
        );
        for bad in [
            "",
            "image.iso",
            "http:/x",
            "://host/x",
            "1http://h/x",
            "http:///x",
            "http://h/a b",
        ] {
            assert_eq!(scheme_and_host(bad), None, "{bad}");
        }
    }
}
