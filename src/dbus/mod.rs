//! The cards on D-Bus, as OpenBMC's other daemons expect hardware to appear (feature
//! `dbus`, `[dbus]` in the configuration).
//!
//! This layer maps the card layer ([`crate::cards`]) to the interfaces that
//! phosphor-dbus-interfaces defines, as the Redfish layer maps it to Redfish: every
//! value is read from the card layer's cache, and every control goes through the same
//! card-layer call as its Redfish twin (same checks against what the card accepts, same
//! confirmation: a write returns once the card stored it and the value was read back).
//! Interface, property and enumeration names are those of the YAML files in
//! openbmc/phosphor-dbus-interfaces, `yaml/xyz/openbmc_project/…`; each interface
//! below names its file.
//!
//! Objects, for a card whose id escapes to `<c>` (sd-bus label escaping, so
//! `object_path::filename()` gives the card id back):
//! - `/xyz/openbmc_project/inventory/system/board/<c>`: the card (Item, Item.Board,
//!   Decorator.Asset, State.Decorator.OperationalStatus and Availability,
//!   Association.Definitions to the chassis);
//! - `…/board/<c>/port<n>`: one per NC-SI channel (Item, Item.NetworkInterface,
//!   Connector.Port with the link speed);
//! - `/xyz/openbmc_project/software/<c>_<n>`: one per firmware component
//!   (Software.Version, associated with the card);
//! - `/xyz/openbmc_project/control/<c>/boot` and `…/boot/one_time`: the boot override
//!   (Control.Boot.Source, Mode, Type, Object.Enable), as phosphor-settings lays out a
//!   host's;
//! - `/xyz/openbmc_project/state/<c>/host` and `…/chassis`: the card's host (State.Host,
//!   State.Chassis), whose requested transitions reset it;
//! - `/xyz/openbmc_project/VirtualMedia/Legacy/<c>_<slot>`: the card's virtual media
//!   (VirtualMedia.Legacy, MountPoint, Process);
//! - `/xyz/openbmc_project/ComponentIntegrity/<c>`: the card's SPDM authentication
//!   when it has a responder configured (Attestation.ComponentIntegrity,
//!   Attestation.IdentityAuthentication, an association `protecting` the card)
//! - `/xyz/openbmc_project/sensors/<type>/<c>_<sensor>`: the card's sensors
//!   (Sensor.Value, Sensor.Threshold.Warning and .Critical where the card has such
//!   thresholds, the `inventory` association to the card).
//!
//! `org.freedesktop.DBus.ObjectManager` is at `/xyz/openbmc_project` (the root of what
//! is published), at `/xyz/openbmc_project/inventory` (Inventory/Item.interface.yaml
//! requires it there) and at `/xyz/openbmc_project/sensors` (Sensor/Value.interface.yaml
//! does). A card whose NC-SI package vanishes has its objects removed
//! (`InterfacesRemoved`) and added back when it returns; a card that is present but
//! not answering keeps them, `Available` false.

mod interfaces;

use crate::cards::{Card, Cards};
use interfaces::*;
use sidebridge_protocol::oem::{BootEnabled, MediaSlot, PowerState};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use zbus::object_server::{Interface, SignalEmitter};
use zbus::{Connection, fdo};

/// The root of every object published.
pub const ROOT: &str = "/xyz/openbmc_project";
/// Where inventory items live.
pub const INVENTORY: &str = "/xyz/openbmc_project/inventory";
/// Where the cards' sensors are, each under its reading type's namespace; an object
/// manager is here too (Sensor/Value.interface.yaml asks for one).
pub const SENSORS: &str = "/xyz/openbmc_project/sensors";
/// Where a card's inventory item lives (its escaped id appended).
pub const BOARDS: &str = "/xyz/openbmc_project/inventory/system/board";

/// `[dbus]`, as the daemon uses it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The bus: `None` for the system bus, else a D-Bus address (`unix:path=…`).
    pub address: Option<String>,
    /// The well-known name to own.
    pub name: String,
    /// The chassis inventory object the cards are contained by, when given.
    pub chassis: Option<String>,
    /// How often the cache is compared with what is published (besides every card
    /// event).
    pub poll: Duration,
}

impl From<&crate::config::DbusConfig> for Settings {
    fn from(c: &crate::config::DbusConfig) -> Self {
        Settings {
            address: (c.bus != "system").then(|| c.bus.clone()),
            name: c.name.clone(),
            chassis: c.chassis.clone(),
            poll: Duration::from_millis(c.poll_interval_ms),
        }
    }
}

/// Why the D-Bus face could not start.
#[derive(Debug, thiserror::Error)]
#[error("D-Bus ({bus}): {what}: {source}")]
pub struct Error {
    bus: String,
    what: String,
    #[source]
    source: zbus::Error,
}

/// The escaped form of `s` as one object path element, as sd-bus and sdbusplus write
/// it (`sd_bus_path_encode`): every byte that is not an ASCII letter, or a digit after
/// the first byte, becomes `_` and two lower-case hex digits; the empty string is `_`.
pub fn label(s: &str) -> String {
    if s.is_empty() {
        return "_".into();
    }
    let mut out = String::with_capacity(s.len());
    for (i, b) in s.bytes().enumerate() {
        if b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()) {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

/// The object paths of one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The inventory item.
    pub item: String,
    /// Boot override settings.
    pub boot: String,
    /// The one-time flag of the boot override.
    pub one_time: String,
    /// The host state.
    pub host: String,
    /// The chassis (power) state.
    pub chassis: String,
    label: String,
}

impl Paths {
    /// The paths of the card `id`.
    pub fn of(id: &str) -> Self {
        let l = label(id);
        Paths {
            item: format!("{BOARDS}/{l}"),
            boot: format!("{ROOT}/control/{l}/boot"),
            one_time: format!("{ROOT}/control/{l}/boot/one_time"),
            host: format!("{ROOT}/state/{l}/host"),
            chassis: format!("{ROOT}/state/{l}/chassis"),
            label: l,
        }
    }

    /// Port `n`'s object.
    pub fn port(&self, n: u8) -> String {
        format!("{}/port{n}", self.item)
    }

    /// The `n`th firmware component's object.
    pub fn software(&self, n: usize) -> String {
        format!("{ROOT}/software/{}_{n}", self.label)
    }

    /// A sensor's object (Sensor/Value.interface.yaml: under its reading type's
    /// namespace), named after the card and the sensor.
    pub fn sensor(&self, namespace: &str, name: &str) -> String {
        format!("{SENSORS}/{namespace}/{}_{}", self.label, label(name))
    }

    /// The card's component integrity (SPDM) object.
    pub fn integrity(&self) -> String {
        format!("{ROOT}/ComponentIntegrity/{}", self.label)
    }

    /// A virtual media slot's object.
    pub fn media(&self, slot: MediaSlot) -> String {
        let s = if slot == MediaSlot::Usb { "usb" } else { "cd" };
        format!("{ROOT}/VirtualMedia/Legacy/{}_{s}", self.label)
    }
}

/// What is published for one card, to know what to add, update and remove.
#[derive(Debug, Default)]
struct Published {
    ports: Vec<u8>,
    software: usize,
    boot: bool,
    state: bool,
    media: [bool; 2],
    sensors: Vec<String>,
    integrity: bool,
}

/// Connects to the bus, owns `settings.name` and publishes the root object managers.
/// Fails when the bus cannot be reached or the name is owned by someone else.
pub async fn connect(settings: &Settings) -> Result<Connection, Error> {
    let bus = settings
        .address
        .clone()
        .unwrap_or_else(|| "system bus".into());
    let err = |what: &str| {
        let what = what.to_string();
        let bus = bus.clone();
        move |source| Error { bus, what, source }
    };
    let builder = match &settings.address {
        None => zbus::connection::Builder::system(),
        Some(a) => zbus::connection::Builder::address(a.as_str()),
    }
    .map_err(err("bad bus address"))?;
    let conn = builder
        .serve_at(ROOT, fdo::ObjectManager)
        .map_err(err("object manager"))?
        .serve_at(INVENTORY, fdo::ObjectManager)
        .map_err(err("object manager"))?
        // Sensor/Value.interface.yaml: a service with sensors implements it here.
        .serve_at(SENSORS, fdo::ObjectManager)
        .map_err(err("object manager"))?
        .build()
        .await
        .map_err(err("cannot connect"))?;
    // Not through the builder: it queues for a taken name instead of failing.
    let flags = zbus::fdo::RequestNameFlags::DoNotQueue.into();
    match conn
        .request_name_with_flags(settings.name.as_str(), flags)
        .await
    {
        Ok(zbus::fdo::RequestNameReply::PrimaryOwner)
        | Ok(zbus::fdo::RequestNameReply::AlreadyOwner) => Ok(conn),
        Ok(other) => Err(Error {
            bus,
            what: format!("cannot own {}", settings.name),
            source: zbus::Error::Failure(format!("the bus answered {other:?}")),
        }),
        Err(e) => Err(Error {
            bus,
            what: format!("cannot own {}", settings.name),
            source: e,
        }),
    }
}

/// Publishes the cards on `conn` and keeps what is published equal to the card layer:
/// after every card event and every `settings.poll`, until `shutdown`.
pub async fn run(
    conn: Connection,
    cards: Arc<Cards>,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut events = cards.subscribe();
    let mut tick = tokio::time::interval(settings.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut published: BTreeMap<String, Published> = BTreeMap::new();
    let ctx = Shared {
        cards: cards.clone(),
        chassis: settings.chassis.clone(),
    };
    tokio::pin!(shutdown);
    loop {
        sync(&conn, &ctx, &mut published).await;
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tick.tick() => {}
            e = events.recv() => {
                if let Ok(e) = e {
                    if let crate::cards::CardEventKind::PowerChanged(_) = e.kind {
                        power_changed_at(&conn, &e.card, e.timestamp).await;
                    }
                }
            }
        }
    }
    for id in published.keys().cloned().collect::<Vec<_>>() {
        if let Some(p) = published.remove(&id) {
            remove_card(&conn, &Paths::of(&id), &p).await;
        }
    }
}

/// What every interface object needs besides its values.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) cards: Arc<Cards>,
    pub(crate) chassis: Option<String>,
}

/// One pass: adds what appeared, updates what changed, removes what vanished.
async fn sync(conn: &Connection, ctx: &Shared, published: &mut BTreeMap<String, Published>) {
    let cards: BTreeMap<String, Arc<Card>> = ctx
        .cards
        .cards()
        .into_iter()
        .filter(|c| c.present)
        .map(|c| (c.id.clone(), c))
        .collect();
    let gone: Vec<String> = published
        .keys()
        .filter(|id| !cards.contains_key(*id))
        .cloned()
        .collect();
    for id in gone {
        if let Some(p) = published.remove(&id) {
            tracing::info!("D-Bus: card {id} vanished, its objects are removed");
            remove_card(conn, &Paths::of(&id), &p).await;
        }
    }
    for (id, card) in &cards {
        let p = published.entry(id.clone()).or_default();
        if let Err(e) = sync_card(conn, ctx, card, p).await {
            tracing::warn!("D-Bus: publishing card {id}: {e}");
        }
    }
}

/// Adds `iface` at `path` unless it is there; else gives it `values` (emitting
/// PropertiesChanged for what changed).
async fn put<I: Snapshot>(conn: &Connection, path: &str, iface: I) -> zbus::Result<()> {
    let server = conn.object_server();
    match server.interface::<_, I>(path).await {
        Ok(r) => {
            let emitter = r.signal_emitter().clone();
            let new = iface.take();
            r.get().await.update(new, conn, &emitter, None).await
        }
        Err(zbus::Error::InterfaceNotFound) => server.at(path, iface).await.map(|_| ()),
        Err(e) => Err(e),
    }
}

/// [`put`] for a threshold interface, then its Asserted/Deasserted signal for each
/// alarm that changed (an alarm already on when the sensor first appears is asserted).
async fn put_threshold<I: Threshold>(
    conn: &Connection,
    path: &str,
    iface: I,
    reading: f64,
) -> zbus::Result<()> {
    let server = conn.object_server();
    let before = match server.interface::<_, I>(path).await {
        Ok(r) => r.get().await.values().alarms(),
        Err(_) => (false, false),
    };
    let after = iface.values().alarms();
    put(conn, path, iface).await?;
    if before != after {
        let r = server.interface::<_, I>(path).await?;
        let e = r.signal_emitter();
        if before.0 != after.0 {
            I::alarm_signal(e, true, after.0, reading).await?;
        }
        if before.1 != after.1 {
            I::alarm_signal(e, false, after.1, reading).await?;
        }
    }
    Ok(())
}

/// Removes interface `I` at `path` if it is there.
async fn drop_iface<I: Interface>(conn: &Connection, path: &str) {
    match conn.object_server().remove::<I, _>(path).await {
        Ok(_) | Err(zbus::Error::InterfaceNotFound) => {}
        Err(e) => tracing::warn!("D-Bus: removing {} at {path}: {e}", I::name()),
    }
}

async fn sync_card(
    conn: &Connection,
    ctx: &Shared,
    card: &Card,
    p: &mut Published,
) -> zbus::Result<()> {
    let paths = Paths::of(&card.id);
    let item = paths.item.as_str();
    // The card.
    put(conn, item, Item::card(card)).await?;
    put(conn, item, Board).await?;
    put(conn, item, Asset::of(card)).await?;
    put(conn, item, OperationalStatus::of(card)).await?;
    put(conn, item, Availability::of(card)).await?;
    put(conn, item, Associations::card(ctx)).await?;
    // Its ports.
    let ports: Vec<u8> = card.nic.ports.iter().map(|q| q.id).collect();
    for gone in p.ports.iter().filter(|n| !ports.contains(n)) {
        remove_port(conn, &paths.port(*gone)).await;
    }
    for port in &card.nic.ports {
        let path = paths.port(port.id);
        put(conn, &path, Item::port(port)).await?;
        put(conn, &path, NetworkInterface::of(port)).await?;
        put(conn, &path, ConnectorPort::of(port)).await?;
        put(conn, &path, Associations::port(item)).await?;
    }
    p.ports = ports;
    // Its firmware.
    let versions = Version::all(card);
    for n in versions.len()..p.software {
        remove_software(conn, &paths.software(n)).await;
    }
    for (n, v) in versions.into_iter().enumerate() {
        let path = paths.software(n);
        put(conn, &path, v).await?;
        put(conn, &path, Associations::software(item)).await?;
    }
    p.software = Version::count(card);
    // The boot override, once the card reported one.
    if let Some(boot) = &card.boot {
        let b = BootValues::of(boot);
        let k = ctx.clone();
        put(conn, &paths.boot, BootSource::new(&b, k.clone(), &card.id)).await?;
        put(
            conn,
            &paths.boot,
            BootModeIface::new(&b, k.clone(), &card.id),
        )
        .await?;
        put(conn, &paths.boot, BootType::new(&b, k.clone(), &card.id)).await?;
        put(conn, &paths.boot, Enable::boot(&b, k.clone(), &card.id)).await?;
        // The one-time flag keeps the operator's choice while the override is
        // disabled (the card stores none then).
        let one_time = match boot.enabled {
            BootEnabled::Disabled => one_time_choice(conn, &paths.one_time).await,
            e => e == BootEnabled::Once,
        };
        put(
            conn,
            &paths.one_time,
            Enable::one_time(one_time, k, &card.id),
        )
        .await?;
        p.boot = true;
    } else if p.boot {
        remove_boot(conn, &paths).await;
        p.boot = false;
    }
    // The host's state, once the card reported it.
    if let Some(power) = card.power {
        put(conn, &paths.host, HostState::of(card, power, ctx.clone())).await?;
        put(
            conn,
            &paths.chassis,
            ChassisState::of(card, power, ctx.clone()),
        )
        .await?;
        p.state = true;
    } else if p.state {
        drop_iface::<HostState>(conn, &paths.host).await;
        drop_iface::<ChassisState>(conn, &paths.chassis).await;
        p.state = false;
    }
    // Its sensors, as last read.
    let mut sensors = Vec::new();
    for s in card.sensors.iter().flat_map(|l| l.sensors.iter()) {
        let (Some((ns, _)), Some(value)) = (sensor_kind(s.reading_type), SensorValue::of(s)) else {
            continue;
        };
        let path = paths.sensor(ns, &s.name);
        put(conn, &path, value).await?;
        let reading = s.reading.map_or(f64::NAN, |r| f64::from(r) / 1000.0);
        match ThresholdWarning::of(s) {
            Some(t) => put_threshold(conn, &path, t, reading).await?,
            None => drop_iface::<ThresholdWarning>(conn, &path).await,
        }
        match ThresholdCritical::of(s) {
            Some(t) => put_threshold(conn, &path, t, reading).await?,
            None => drop_iface::<ThresholdCritical>(conn, &path).await,
        }
        put(conn, &path, Associations::sensor(item)).await?;
        sensors.push(path);
    }
    for gone in p.sensors.iter().filter(|g| !sensors.contains(g)) {
        remove_sensor(conn, gone).await;
    }
    p.sensors = sensors;
    // Its SPDM authentication, when it has a responder.
    let integrity = paths.integrity();
    match ctx.cards.integrity(&card.id) {
        Some(i) => {
            put(conn, &integrity, ComponentIntegrity::of(&i)).await?;
            put(conn, &integrity, IdentityAuthentication::of(&i)).await?;
            put(conn, &integrity, Associations::integrity(item)).await?;
            p.integrity = true;
        }
        None if p.integrity => {
            remove_integrity(conn, &integrity).await;
            p.integrity = false;
        }
        None => {}
    }
    // Virtual media slots the card reported.
    for slot in [MediaSlot::Cd, MediaSlot::Usb] {
        let i = if slot == MediaSlot::Usb { 1 } else { 0 };
        let path = paths.media(slot);
        match card.media(slot) {
            Some(m) => {
                put(conn, &path, Legacy::new(ctx.clone(), &card.id, slot)).await?;
                put(conn, &path, MountPoint::of(m)).await?;
                put(conn, &path, Process::of(m)).await?;
                p.media[i] = true;
            }
            None if p.media[i] => {
                remove_media(conn, &path).await;
                p.media[i] = false;
            }
            None => {}
        }
    }
    Ok(())
}

/// The one-time flag as published, true (phosphor-settings' default) when none is.
async fn one_time_choice(conn: &Connection, path: &str) -> bool {
    match conn.object_server().interface::<_, Enable>(path).await {
        Ok(r) => r.get().await.enabled_now(),
        Err(_) => true,
    }
}

/// Records when a card's power state changed (State.Chassis `LastStateChangeTime`).
async fn power_changed_at(conn: &Connection, id: &str, at: std::time::SystemTime) {
    let path = Paths::of(id).chassis;
    if let Ok(r) = conn
        .object_server()
        .interface::<_, ChassisState>(path.as_str())
        .await
    {
        let ms = at
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let emitter = r.signal_emitter().clone();
        let iface = r.get().await;
        let mut v = iface.values();
        v.changed_at = ms;
        let _ = iface.update(v, conn, &emitter, None).await;
    }
}

async fn remove_port(conn: &Connection, path: &str) {
    drop_iface::<Item>(conn, path).await;
    drop_iface::<NetworkInterface>(conn, path).await;
    drop_iface::<ConnectorPort>(conn, path).await;
    drop_iface::<Associations>(conn, path).await;
}

async fn remove_software(conn: &Connection, path: &str) {
    drop_iface::<Version>(conn, path).await;
    drop_iface::<Associations>(conn, path).await;
}

async fn remove_boot(conn: &Connection, paths: &Paths) {
    drop_iface::<BootSource>(conn, &paths.boot).await;
    drop_iface::<BootModeIface>(conn, &paths.boot).await;
    drop_iface::<BootType>(conn, &paths.boot).await;
    drop_iface::<Enable>(conn, &paths.boot).await;
    drop_iface::<Enable>(conn, &paths.one_time).await;
}

async fn remove_sensor(conn: &Connection, path: &str) {
    drop_iface::<SensorValue>(conn, path).await;
    drop_iface::<ThresholdWarning>(conn, path).await;
    drop_iface::<ThresholdCritical>(conn, path).await;
    drop_iface::<Associations>(conn, path).await;
}

async fn remove_media(conn: &Connection, path: &str) {
    drop_iface::<Legacy>(conn, path).await;
    drop_iface::<MountPoint>(conn, path).await;
    drop_iface::<Process>(conn, path).await;
}

async fn remove_integrity(conn: &Connection, path: &str) {
    drop_iface::<ComponentIntegrity>(conn, path).await;
    drop_iface::<IdentityAuthentication>(conn, path).await;
    drop_iface::<Associations>(conn, path).await;
}

async fn remove_card(conn: &Connection, paths: &Paths, p: &Published) {
    if p.integrity {
        remove_integrity(conn, &paths.integrity()).await;
    }
    for n in &p.ports {
        remove_port(conn, &paths.port(*n)).await;
    }
    for n in 0..p.software {
        remove_software(conn, &paths.software(n)).await;
    }
    if p.boot {
        remove_boot(conn, paths).await;
    }
    if p.state {
        drop_iface::<HostState>(conn, &paths.host).await;
        drop_iface::<ChassisState>(conn, &paths.chassis).await;
    }
    for slot in [MediaSlot::Cd, MediaSlot::Usb] {
        remove_media(conn, &paths.media(slot)).await;
    }
    for path in &p.sensors {
        remove_sensor(conn, path).await;
    }
    let item = paths.item.as_str();
    drop_iface::<Item>(conn, item).await;
    drop_iface::<Board>(conn, item).await;
    drop_iface::<Asset>(conn, item).await;
    drop_iface::<OperationalStatus>(conn, item).await;
    drop_iface::<Availability>(conn, item).await;
    drop_iface::<Associations>(conn, item).await;
}

/// Emits PropertiesChanged for the properties whose values differ between `old` and
/// `new` (both as `GetAll` gives them), leaving out `except` (zbus signals a property
/// it set itself).
pub(crate) async fn emit_changes(
    emitter: &SignalEmitter<'_>,
    iface: zbus::names::InterfaceName<'_>,
    old: &std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
    new: &std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
    except: Option<&str>,
) -> zbus::Result<()> {
    let mut changed = std::collections::HashMap::new();
    for (k, v) in new {
        if old.get(k) != Some(v) && Some(k.as_str()) != except {
            changed.insert(k.as_str(), zbus::zvariant::Value::try_from(v)?);
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    fdo::Properties::properties_changed(emitter, iface, changed, std::borrow::Cow::Borrowed(&[]))
        .await
}

/// Whether the card reports power on (for the requested transitions' initial values).
pub(crate) fn is_on(p: PowerState) -> bool {
    matches!(
        p,
        PowerState::On | PowerState::PoweringOn | PowerState::Paused
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_escape_like_sd_bus() {
        // sd_bus_path_encode("/x", "6b1f-ab") → "/x/_36b1f_2dab" (systemd
        // src/libsystemd/sd-bus/bus-label.c: a leading digit is escaped too).
        assert_eq!(label("6b1f-ab"), "_36b1f_2dab");
        assert_eq!(label("DPU0000A1"), "DPU0000A1");
        assert_eq!(label(""), "_");
        assert_eq!(label("a.b_c"), "a_2eb_5fc");
        let p = Paths::of("DPU0000A1");
        assert_eq!(
            p.item,
            "/xyz/openbmc_project/inventory/system/board/DPU0000A1"
        );
        assert_eq!(p.port(1), format!("{}/port1", p.item));
        assert_eq!(p.software(0), "/xyz/openbmc_project/software/DPU0000A1_0");
        assert_eq!(
            p.media(MediaSlot::Usb),
            "/xyz/openbmc_project/VirtualMedia/Legacy/DPU0000A1_usb"
        );
        for id in ["6b1f-ab", "DPU0000A1", "a.b_c", ""] {
            assert!(zbus::zvariant::ObjectPath::try_from(Paths::of(id).one_time).is_ok());
        }
    }
}
