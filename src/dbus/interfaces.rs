//! The phosphor-dbus-interfaces interfaces the cards are published with. Each holds the
//! values last published (read from the card layer's cache) behind a mutex, so reads
//! never wait for a card; controls call the card layer and reply once the card stored
//! the change. Each struct names the YAML file (openbmc/phosphor-dbus-interfaces,
//! `yaml/xyz/openbmc_project/…`) its names and types come from.

use super::{Shared, emit_changes, is_on};
use crate::cards::{Card, CardError, CardEventKind, Port, ReadingType, Sensor};
use sidebridge_protocol::oem::{
    AllowableValues, BootEnabled, BootMode, BootOverride, BootTarget, MediaInsert, MediaSlot,
    MediaState, MediaStatus, PowerState, ResetType, TransferProtocol,
};
use sidebridge_protocol::text;
use std::sync::{Mutex, MutexGuard};
use zbus::object_server::{Interface, SignalEmitter};
use zbus::{Connection, fdo, interface};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An interface whose properties are a snapshot of values.
pub(crate) trait Snapshot: Interface + Sized {
    /// The values.
    type V: Clone + PartialEq + Send + Sync;
    /// Where they are kept.
    fn cell(&self) -> &Mutex<Self::V>;
    /// What of the published values a fresh reading keeps (what the card does not
    /// report: the last requested transition, the time of the last change).
    fn keep(_old: &Self::V, new: Self::V) -> Self::V {
        new
    }
    /// The values now.
    fn values(&self) -> Self::V {
        lock(self.cell()).clone()
    }
    /// The values, the interface given up.
    fn take(self) -> Self::V {
        self.values()
    }
    /// Gives the interface `new` values and signals the properties that changed
    /// (leaving out `except`).
    fn update(
        &self,
        new: Self::V,
        conn: &Connection,
        emitter: &SignalEmitter<'_>,
        except: Option<&str>,
    ) -> impl std::future::Future<Output = zbus::Result<()>> + Send {
        update(
            self,
            new,
            conn,
            emitter.to_owned(),
            except.map(str::to_string),
        )
    }
}

async fn update<I: Snapshot>(
    iface: &I,
    new: I::V,
    conn: &Connection,
    emitter: SignalEmitter<'static>,
    except: Option<String>,
) -> zbus::Result<()> {
    let current = iface.values();
    let new = I::keep(&current, new);
    if current == new {
        return Ok(());
    }
    let server = conn.object_server();
    let old = iface.get_all(server, conn, None, &emitter).await?;
    *lock(iface.cell()) = new;
    let now = iface.get_all(server, conn, None, &emitter).await?;
    emit_changes(&emitter, I::name(), &old, &now, except.as_deref()).await
}

macro_rules! snapshot {
    ($t:ty, $v:ty) => {
        impl Snapshot for $t {
            type V = $v;
            fn cell(&self) -> &Mutex<$v> {
                &self.v
            }
        }
    };
}

/// A fully qualified enumeration value, as sdbusplus writes it:
/// `<interface>.<enumeration>.<value>`.
fn en(iface: &str, enumeration: &str, value: &str) -> String {
    format!("{iface}.{enumeration}.{value}")
}

/// The value of a fully qualified enumeration string, if it is one of `iface`'s
/// `enumeration`.
fn de<'a>(s: &'a str, iface: &str, enumeration: &str) -> Option<&'a str> {
    s.strip_prefix(iface)?
        .strip_prefix('.')?
        .strip_prefix(enumeration)?
        .strip_prefix('.')
}

/// A D-Bus error as a property setter returns it.
fn bus(e: fdo::Error) -> zbus::Error {
    zbus::Error::FDO(Box::new(e))
}

/// A card-layer failure as a D-Bus error.
fn failed(e: CardError) -> fdo::Error {
    match e {
        CardError::TimedOut { .. } => fdo::Error::TimedOut(e.to_string()),
        CardError::NoSuchCard(_) => fdo::Error::UnknownObject(e.to_string()),
        e => fdo::Error::Failed(e.to_string()),
    }
}

// ---------------------------------------------------------------------------------
// Inventory

/// `xyz.openbmc_project.Inventory.Item` (Inventory/Item.interface.yaml).
pub(crate) struct Item {
    v: Mutex<ItemV>,
}
#[derive(Clone, PartialEq)]
pub(crate) struct ItemV {
    pretty_name: String,
    present: bool,
}
snapshot!(Item, ItemV);

impl Item {
    pub(crate) fn card(c: &Card) -> Self {
        let name = format!("{} {}", c.info.manufacturer.trim(), c.info.model.trim());
        let name = name.trim();
        Item {
            v: Mutex::new(ItemV {
                pretty_name: if name.is_empty() {
                    c.id.clone()
                } else {
                    name.into()
                },
                present: c.present,
            }),
        }
    }

    pub(crate) fn port(p: &Port) -> Self {
        Item {
            v: Mutex::new(ItemV {
                pretty_name: format!("Port {}", p.id),
                present: true,
            }),
        }
    }
}

#[interface(name = "xyz.openbmc_project.Inventory.Item")]
impl Item {
    #[zbus(property)]
    fn pretty_name(&self) -> String {
        lock(&self.v).pretty_name.clone()
    }
    #[zbus(property)]
    fn present(&self) -> bool {
        lock(&self.v).present
    }
}

/// `xyz.openbmc_project.Inventory.Item.Board` (Inventory/Item/Board.interface.yaml): no
/// properties.
pub(crate) struct Board;
static NO_VALUES: Mutex<()> = Mutex::new(());
impl Snapshot for Board {
    type V = ();
    fn cell(&self) -> &Mutex<()> {
        &NO_VALUES
    }
}
#[interface(name = "xyz.openbmc_project.Inventory.Item.Board")]
impl Board {}

/// `xyz.openbmc_project.Inventory.Decorator.Asset`
/// (Inventory/Decorator/Asset.interface.yaml), from GetBridgeInfo. BuildDate, SubModel
/// and SparePartNumber are not reported by the OEM set: empty, the YAML's default.
pub(crate) struct Asset {
    v: Mutex<AssetV>,
}
#[derive(Clone, PartialEq)]
pub(crate) struct AssetV {
    part: String,
    serial: String,
    manufacturer: String,
    model: String,
}
snapshot!(Asset, AssetV);

impl Asset {
    pub(crate) fn of(c: &Card) -> Self {
        Asset {
            v: Mutex::new(AssetV {
                part: c.info.part_number.clone(),
                serial: c.info.serial.clone(),
                manufacturer: c.info.manufacturer.clone(),
                model: c.info.model.clone(),
            }),
        }
    }
}

#[interface(name = "xyz.openbmc_project.Inventory.Decorator.Asset")]
impl Asset {
    #[zbus(property)]
    fn part_number(&self) -> String {
        lock(&self.v).part.clone()
    }
    #[zbus(property)]
    fn serial_number(&self) -> String {
        lock(&self.v).serial.clone()
    }
    #[zbus(property)]
    fn manufacturer(&self) -> String {
        lock(&self.v).manufacturer.clone()
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn build_date(&self) -> String {
        String::new()
    }
    #[zbus(property)]
    fn model(&self) -> String {
        lock(&self.v).model.clone()
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn sub_model(&self) -> String {
        String::new()
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn spare_part_number(&self) -> String {
        String::new()
    }
}

/// `xyz.openbmc_project.State.Decorator.OperationalStatus`
/// (State/Decorator/OperationalStatus.interface.yaml): `Functional` while the card
/// answers its OEM set.
pub(crate) struct OperationalStatus {
    v: Mutex<bool>,
}
snapshot!(OperationalStatus, bool);
impl OperationalStatus {
    pub(crate) fn of(c: &Card) -> Self {
        OperationalStatus {
            v: Mutex::new(c.online),
        }
    }
}
#[interface(name = "xyz.openbmc_project.State.Decorator.OperationalStatus")]
impl OperationalStatus {
    #[zbus(property)]
    fn functional(&self) -> bool {
        *lock(&self.v)
    }
}

/// `xyz.openbmc_project.State.Decorator.Availability`
/// (State/Decorator/Availability.interface.yaml): reachable over the sideband.
pub(crate) struct Availability {
    v: Mutex<bool>,
}
snapshot!(Availability, bool);
impl Availability {
    pub(crate) fn of(c: &Card) -> Self {
        Availability {
            v: Mutex::new(c.online),
        }
    }
}
#[interface(name = "xyz.openbmc_project.State.Decorator.Availability")]
impl Availability {
    #[zbus(property)]
    fn available(&self) -> bool {
        *lock(&self.v)
    }
}

/// `xyz.openbmc_project.Attestation.ComponentIntegrity`
/// (Attestation/ComponentIntegrity.interface.yaml): the card's SPDM authentication
/// (`[[spdm]]`): enabled, SPDM and its negotiated version, when last attempted (s
/// since the epoch). What bmcweb's ComponentIntegrity reads.
pub(crate) struct ComponentIntegrity {
    v: Mutex<(bool, String, u64)>,
}
snapshot!(ComponentIntegrity, (bool, String, u64));
const CI_IFACE: &str = "xyz.openbmc_project.Attestation.ComponentIntegrity";
impl ComponentIntegrity {
    pub(crate) fn of(i: &crate::spdm::Integrity) -> Self {
        let version = i
            .last
            .as_ref()
            .map(|a| a.negotiated.version.to_string())
            .unwrap_or_default();
        let at =
            i.at.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
        ComponentIntegrity {
            v: Mutex::new((i.mode != crate::spdm::Mode::None, version, at)),
        }
    }
}
#[interface(name = "xyz.openbmc_project.Attestation.ComponentIntegrity")]
impl ComponentIntegrity {
    #[zbus(property)]
    fn enabled(&self) -> bool {
        lock(&self.v).0
    }
    #[zbus(property, name = "Type")]
    fn kind(&self) -> String {
        en(CI_IFACE, "SecurityTechnologyType", "SPDM")
    }
    #[zbus(property)]
    fn type_version(&self) -> String {
        lock(&self.v).1.clone()
    }
    #[zbus(property)]
    fn last_updated(&self) -> u64 {
        lock(&self.v).2
    }
}

/// `xyz.openbmc_project.Attestation.IdentityAuthentication`
/// (Attestation/IdentityAuthentication.interface.yaml): whether the card's responder
/// proved its identity.
pub(crate) struct IdentityAuthentication {
    v: Mutex<&'static str>,
}
snapshot!(IdentityAuthentication, &'static str);
impl IdentityAuthentication {
    pub(crate) fn of(i: &crate::spdm::Integrity) -> Self {
        use crate::spdm::IntegrityState as S;
        IdentityAuthentication {
            v: Mutex::new(match i.state {
                S::Verified => "Success",
                S::Failed(_) => "Failed",
                S::Pending => "Unknown",
            }),
        }
    }
}
#[interface(name = "xyz.openbmc_project.Attestation.IdentityAuthentication")]
impl IdentityAuthentication {
    #[zbus(property)]
    fn responder_verification_status(&self) -> String {
        en(
            "xyz.openbmc_project.Attestation.IdentityAuthentication",
            "VerificationStatus",
            &lock(&self.v),
        )
    }
}

/// `xyz.openbmc_project.Association.Definitions`
/// (Association/Definitions.interface.yaml): `(forward, reverse, endpoint)`, the
/// association names being those the YAML of the object's interface defines.
pub(crate) struct Associations {
    v: Mutex<Vec<(String, String, String)>>,
}
snapshot!(Associations, Vec<(String, String, String)>);

impl Associations {
    fn new(v: Vec<(&str, &str, &str)>) -> Self {
        Associations {
            v: Mutex::new(
                v.into_iter()
                    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
                    .collect(),
            ),
        }
    }
    /// The card is contained by the chassis (Inventory/Item.interface.yaml:
    /// `contained_by`, reverse `containing`).
    pub(crate) fn card(ctx: &Shared) -> Self {
        Self::new(match &ctx.chassis {
            Some(c) => vec![("contained_by", "containing", c.as_str())],
            None => vec![],
        })
    }
    /// A card's component integrity protects the card (Attestation/
    /// ComponentIntegrity.interface.yaml: `protecting`, reverse `protected_by`).
    pub(crate) fn integrity(item: &str) -> Self {
        Self::new(vec![("protecting", "protected_by", item)])
    }
    /// A port is contained by its card.
    pub(crate) fn port(item: &str) -> Self {
        Self::new(vec![("contained_by", "containing", item)])
    }
    /// A sensor is of the card (Sensor/Value.interface.yaml: `inventory`, reverse
    /// `sensors`).
    pub(crate) fn sensor(item: &str) -> Self {
        Self::new(vec![("inventory", "sensors", item)])
    }
    /// A firmware version runs on the card (Software/Version.interface.yaml:
    /// `running`, reverse `ran_on`).
    pub(crate) fn software(item: &str) -> Self {
        Self::new(vec![("running", "ran_on", item)])
    }
}

#[interface(name = "xyz.openbmc_project.Association.Definitions")]
impl Associations {
    #[zbus(property)]
    fn associations(&self) -> Vec<(String, String, String)> {
        lock(&self.v).clone()
    }
}

/// `xyz.openbmc_project.Inventory.Item.NetworkInterface`
/// (Inventory/Item/NetworkInterface.interface.yaml): the host port's MAC as the NC's
/// vendor get-MAC command reported it; empty when it reported none (a Mellanox NC
/// answers its management address instead, see `ChannelInfo::host_mac`).
pub(crate) struct NetworkInterface {
    v: Mutex<String>,
}
snapshot!(NetworkInterface, String);
impl NetworkInterface {
    pub(crate) fn of(p: &Port) -> Self {
        NetworkInterface {
            v: Mutex::new(p.mac.map(|m| text::mac(&m)).unwrap_or_default()),
        }
    }
}
#[interface(name = "xyz.openbmc_project.Inventory.Item.NetworkInterface")]
impl NetworkInterface {
    #[zbus(property, name = "MACAddress")]
    fn mac_address(&self) -> String {
        lock(&self.v).clone()
    }
}

/// `xyz.openbmc_project.Inventory.Connector.Port`
/// (Inventory/Connector/Port.interface.yaml). `Speed` is the link's in bits per second
/// from Get Link Status (DSP0222 §8.4.32), 0 while the link is down ("not known at this
/// time, the port is inactive"). The YAML's protocols are PCIe or Unknown, and its
/// types Upstream/Downstream: Unknown for an Ethernet port. `Width` is not supported
/// (the YAML's `maxint`).
pub(crate) struct ConnectorPort {
    v: Mutex<u64>,
}
snapshot!(ConnectorPort, u64);
const PORT: &str = "xyz.openbmc_project.Inventory.Connector.Port";
impl ConnectorPort {
    pub(crate) fn of(p: &Port) -> Self {
        let bps = match (p.link_up, p.speed_mbps) {
            (true, Some(m)) => u64::from(m) * 1_000_000,
            _ => 0,
        };
        ConnectorPort { v: Mutex::new(bps) }
    }
}
#[interface(name = "xyz.openbmc_project.Inventory.Connector.Port")]
impl ConnectorPort {
    #[zbus(property(emits_changed_signal = "const"))]
    fn port_protocol(&self) -> String {
        en(PORT, "PortProtocol", "Unknown")
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn port_type(&self) -> String {
        en(PORT, "PortType", "Unknown")
    }
    #[zbus(property)]
    fn speed(&self) -> u64 {
        *lock(&self.v)
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn width(&self) -> u64 {
        u64::MAX
    }
}

// ---------------------------------------------------------------------------------
// Sensors

const VALUE: &str = "xyz.openbmc_project.Sensor.Value";

/// Where each reading type lives under `/xyz/openbmc_project/sensors` and its unit
/// (Sensor/Value.interface.yaml: the `paths` segments and the `Unit` each namespace
/// must use).
pub(crate) fn sensor_kind(t: ReadingType) -> Option<(&'static str, &'static str)> {
    Some(match t {
        ReadingType::Temperature => ("temperature", "DegreesC"),
        ReadingType::Power => ("power", "Watts"),
        ReadingType::Voltage => ("voltage", "Volts"),
        ReadingType::Current => ("current", "Amperes"),
        ReadingType::FanSpeed => ("fan_tach", "RPMS"),
        ReadingType::Unknown(_) => return None,
    })
}

/// Thousandths as the YAML's double; not known (or no threshold): NaN, as the YAML
/// says for a threshold that does not exist.
fn milli(v: Option<i32>) -> f64 {
    v.map_or(f64::NAN, |m| f64::from(m) / 1000.0)
}

/// `xyz.openbmc_project.Sensor.Value` (Sensor/Value.interface.yaml): a card sensor's
/// reading (OEM GetSensors, OEM.md §4.22) as of the card layer's last refresh of the
/// card. `MaxValue`/`MinValue` are the YAML's defaults (the card reports no range).
pub(crate) struct SensorValue {
    v: Mutex<(Option<i32>, &'static str)>,
}
snapshot!(SensorValue, (Option<i32>, &'static str));
impl SensorValue {
    /// `None` for a reading type the YAML has no namespace for.
    pub(crate) fn of(s: &Sensor) -> Option<Self> {
        let (_, unit) = sensor_kind(s.reading_type)?;
        Some(SensorValue {
            v: Mutex::new((s.reading, unit)),
        })
    }
}
#[interface(name = "xyz.openbmc_project.Sensor.Value")]
impl SensorValue {
    #[zbus(property)]
    fn value(&self) -> f64 {
        milli(lock(&self.v).0)
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn max_value(&self) -> f64 {
        f64::INFINITY
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn min_value(&self) -> f64 {
        f64::NEG_INFINITY
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn unit(&self) -> String {
        en(VALUE, "Unit", lock(&self.v).1)
    }
}

/// One threshold class's values: high, low (thousandths) and whether the reading is
/// at or beyond each.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ThresholdV {
    high: Option<i32>,
    low: Option<i32>,
    alarm_high: bool,
    alarm_low: bool,
}

impl ThresholdV {
    /// Whether the reading is at or beyond the high and the low bound.
    pub(crate) fn alarms(&self) -> (bool, bool) {
        (self.alarm_high, self.alarm_low)
    }

    /// `None` when the sensor has neither bound of the class.
    fn of(s: &Sensor, high: Option<i32>, low: Option<i32>) -> Option<Self> {
        if high.is_none() && low.is_none() {
            return None;
        }
        let r = s.reading;
        Some(ThresholdV {
            high,
            low,
            alarm_high: matches!((r, high), (Some(r), Some(h)) if r >= h),
            alarm_low: matches!((r, low), (Some(r), Some(l)) if r <= l),
        })
    }
}

/// A threshold class's interface: its values, and the YAML's signal for an alarm
/// that was asserted or deasserted (`high` or low), with the reading that did it.
pub(crate) trait Threshold: Snapshot<V = ThresholdV> {
    fn alarm_signal(
        e: &SignalEmitter<'_>,
        high: bool,
        asserted: bool,
        value: f64,
    ) -> impl std::future::Future<Output = zbus::Result<()>> + Send;
}

/// One threshold class's interface (Sensor/Threshold/<Class>.interface.yaml): the
/// card's thresholds of that class and their alarms, computed from the reading as
/// OEM.md §4.22 defines them. The alarms are read-only here (the card, not the BMC,
/// owns them); a change comes as PropertiesChanged and as the YAML's
/// Asserted/Deasserted signal. The two classes differ only in names.
macro_rules! threshold_iface {
    ($t:ident, $iface:literal, $upper:ident, $lower:ident,
     $high:ident, $low:ident, $alarm_high:ident, $alarm_low:ident,
     $high_on:ident, $high_off:ident, $low_on:ident, $low_off:ident) => {
        pub(crate) struct $t {
            v: Mutex<ThresholdV>,
        }
        snapshot!($t, ThresholdV);
        impl $t {
            /// `None` when the sensor has no threshold of this class.
            pub(crate) fn of(s: &Sensor) -> Option<Self> {
                ThresholdV::of(s, s.$upper, s.$lower).map(|v| $t { v: Mutex::new(v) })
            }
        }
        #[interface(name = $iface)]
        impl $t {
            #[zbus(property)]
            fn $high(&self) -> f64 {
                milli(lock(&self.v).high)
            }
            #[zbus(property)]
            fn $low(&self) -> f64 {
                milli(lock(&self.v).low)
            }
            #[zbus(property)]
            fn $alarm_high(&self) -> bool {
                lock(&self.v).alarm_high
            }
            #[zbus(property)]
            fn $alarm_low(&self) -> bool {
                lock(&self.v).alarm_low
            }
            #[zbus(signal)]
            async fn $high_on(emitter: &SignalEmitter<'_>, sensor_value: f64) -> zbus::Result<()>;
            #[zbus(signal)]
            async fn $high_off(emitter: &SignalEmitter<'_>, sensor_value: f64) -> zbus::Result<()>;
            #[zbus(signal)]
            async fn $low_on(emitter: &SignalEmitter<'_>, sensor_value: f64) -> zbus::Result<()>;
            #[zbus(signal)]
            async fn $low_off(emitter: &SignalEmitter<'_>, sensor_value: f64) -> zbus::Result<()>;
        }
        impl Threshold for $t {
            async fn alarm_signal(
                e: &SignalEmitter<'_>,
                high: bool,
                asserted: bool,
                value: f64,
            ) -> zbus::Result<()> {
                match (high, asserted) {
                    (true, true) => Self::$high_on(e, value).await,
                    (true, false) => Self::$high_off(e, value).await,
                    (false, true) => Self::$low_on(e, value).await,
                    (false, false) => Self::$low_off(e, value).await,
                }
            }
        }
    };
}

// `xyz.openbmc_project.Sensor.Threshold.Warning` (Sensor/Threshold/Warning.interface.yaml):
// the card's caution thresholds.
threshold_iface!(
    ThresholdWarning,
    "xyz.openbmc_project.Sensor.Threshold.Warning",
    upper_caution,
    lower_caution,
    warning_high,
    warning_low,
    warning_alarm_high,
    warning_alarm_low,
    warning_high_alarm_asserted,
    warning_high_alarm_deasserted,
    warning_low_alarm_asserted,
    warning_low_alarm_deasserted
);

// `xyz.openbmc_project.Sensor.Threshold.Critical`
// (Sensor/Threshold/Critical.interface.yaml): the card's critical thresholds.
threshold_iface!(
    ThresholdCritical,
    "xyz.openbmc_project.Sensor.Threshold.Critical",
    upper_critical,
    lower_critical,
    critical_high,
    critical_low,
    critical_alarm_high,
    critical_alarm_low,
    critical_high_alarm_asserted,
    critical_high_alarm_deasserted,
    critical_low_alarm_asserted,
    critical_low_alarm_deasserted
);

// ---------------------------------------------------------------------------------
// Software

/// `xyz.openbmc_project.Software.Version` (Software/Version.interface.yaml): one per
/// firmware component the card reports (GetFirmwareInventory, OEM.md §4.9), then the
/// network controller's firmware from Get Version ID (DSP0222 §8.4.44).
pub(crate) struct Version {
    v: Mutex<(String, &'static str)>,
}
snapshot!(Version, (String, &'static str));
const VERSION: &str = "xyz.openbmc_project.Software.Version";

impl Version {
    /// The purpose of a component by its name: the card BMC's own, the host's (its
    /// UEFI, boot loader), or other.
    fn purpose_of(name: &str) -> &'static str {
        let n = name.to_ascii_lowercase();
        if n.contains("bmc") {
            "BMC"
        } else if ["uefi", "bios", "atf", "host", "boot"]
            .iter()
            .any(|k| n.contains(k))
        {
            "Host"
        } else {
            "Other"
        }
    }

    pub(crate) fn all(c: &Card) -> Vec<Version> {
        let mut v: Vec<(String, &'static str)> = c
            .firmware
            .iter()
            .map(|f| (f.version.clone(), Self::purpose_of(&f.name)))
            .collect();
        if c.firmware.is_empty() && !c.info.firmware_version.is_empty() {
            v.push((c.info.firmware_version.clone(), "BMC"));
        }
        if let Some(nc) = &c.nic.controller {
            v.push((nc.firmware_version.clone(), "Other"));
        }
        v.into_iter()
            .map(|v| Version { v: Mutex::new(v) })
            .collect()
    }

    pub(crate) fn count(c: &Card) -> usize {
        let bmc = usize::from(c.firmware.is_empty() && !c.info.firmware_version.is_empty());
        c.firmware.len() + bmc + usize::from(c.nic.controller.is_some())
    }
}

#[interface(name = "xyz.openbmc_project.Software.Version")]
impl Version {
    #[zbus(property)]
    fn version(&self) -> String {
        lock(&self.v).0.clone()
    }
    #[zbus(property)]
    fn purpose(&self) -> String {
        en(VERSION, "VersionPurpose", lock(&self.v).1)
    }
}

// ---------------------------------------------------------------------------------
// Boot override (phosphor-settings' layout: Source, Mode, Type and Object.Enable on
// `…/boot`, Object.Enable on `…/boot/one_time`, as bmcweb reads a host's)

const SOURCE: &str = "xyz.openbmc_project.Control.Boot.Source";
const MODE: &str = "xyz.openbmc_project.Control.Boot.Mode";
const TYPE: &str = "xyz.openbmc_project.Control.Boot.Type";

/// The boot override in D-Bus terms.
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct BootValues {
    source: &'static str,
    mode: &'static str,
    kind: &'static str,
    enabled: bool,
}

/// Control/Boot/Source `Sources` ↔ the card's targets (bmcweb's mapping).
const SOURCES: &[(&str, BootTarget)] = &[
    ("Default", BootTarget::None),
    ("Network", BootTarget::Pxe),
    ("Disk", BootTarget::Hdd),
    ("ExternalMedia", BootTarget::Cd),
    ("RemovableMedia", BootTarget::Usb),
    ("HTTP", BootTarget::UefiHttp),
];
/// Control/Boot/Mode `Modes` ↔ the targets that are a mode, not a source.
const MODES: &[(&str, BootTarget)] = &[
    ("Setup", BootTarget::BiosSetup),
    ("Safe", BootTarget::Diags),
];

impl BootValues {
    pub(crate) fn of(b: &BootOverride) -> Self {
        let source = SOURCES
            .iter()
            .find(|(_, t)| *t == b.target)
            .map_or("Default", |(s, _)| s);
        let mode = MODES
            .iter()
            .find(|(_, t)| *t == b.target)
            .map_or("Regular", |(s, _)| s);
        BootValues {
            source,
            mode,
            kind: if b.mode == BootMode::Legacy {
                "Legacy"
            } else {
                "EFI"
            },
            enabled: b.enabled != BootEnabled::Disabled,
        }
    }
}

/// What a boot property write changes in the card's override.
#[derive(Clone, Copy)]
enum BootChange {
    Source(BootTarget),
    Mode(Option<BootTarget>),
    Kind(BootMode),
    Enabled(bool),
    OneTime(bool),
}

/// Where a boot property write went.
enum Stored {
    /// To the card, which stored it.
    Card,
    /// Nowhere yet: the override is disabled, and a card stores no target then
    /// (OEM.md §4.3). The source, mode and one-time choice wait on D-Bus, as
    /// phosphor-settings keeps them, and go to the card with `Enabled`.
    Pending,
}

/// A pending source or mode, in the published values.
fn pend(v: &mut BootValues, change: BootChange) {
    match change {
        BootChange::Source(t) => {
            v.source = SOURCES
                .iter()
                .find(|(_, x)| *x == t)
                .map_or("Default", |(s, _)| s)
        }
        BootChange::Mode(Some(t)) => {
            v.mode = MODES
                .iter()
                .find(|(_, x)| *x == t)
                .map_or("Regular", |(s, _)| s)
        }
        BootChange::Mode(None) => v.mode = "Regular",
        _ => {}
    }
}

/// The target the published source and mode ask for (a mode other than Regular wins,
/// as in bmcweb).
async fn pending_target(conn: &Connection, id: &str) -> BootTarget {
    let path = super::Paths::of(id).boot;
    let server = conn.object_server();
    let mode = match server.interface::<_, BootModeIface>(path.as_str()).await {
        Ok(r) => r.get().await.values().mode,
        Err(_) => "Regular",
    };
    if let Some((_, t)) = MODES.iter().find(|(m, _)| *m == mode) {
        return *t;
    }
    let source = match server.interface::<_, BootSource>(path.as_str()).await {
        Ok(r) => r.get().await.values().source,
        Err(_) => "Default",
    };
    SOURCES
        .iter()
        .find(|(s, _)| *s == source)
        .map_or(BootTarget::None, |(_, t)| *t)
}

/// Applies one change to the card's boot override through the card layer, checked
/// against what the card accepts, as the Redfish PATCH of `Boot` does.
async fn set_boot(
    ctx: &Shared,
    id: &str,
    change: BootChange,
    conn: &Connection,
) -> fdo::Result<Stored> {
    let card = ctx.cards.card(id).map_err(failed)?;
    let Some(mut b) = card.boot.clone() else {
        return Err(failed(CardError::NotReady {
            card: id.into(),
            what: "boot override",
        }));
    };
    let allowed = card.allowable.unwrap_or(AllowableValues {
        boot_targets: u32::MAX,
        boot_enabled: u8::MAX,
        boot_modes: u8::MAX,
        ..AllowableValues::default()
    });
    let disabled = b.enabled == BootEnabled::Disabled;
    match change {
        BootChange::Source(t) | BootChange::Mode(Some(t)) if disabled => {
            if !AllowableValues::has(allowed.boot_targets, u8::from(t)) {
                return Err(fdo::Error::InvalidArgs(format!(
                    "card {id} does not accept the boot target {t:?}"
                )));
            }
            return Ok(Stored::Pending);
        }
        BootChange::Mode(None) if disabled => return Ok(Stored::Pending),
        BootChange::Source(t) => b.target = t,
        BootChange::Mode(Some(t)) => b.target = t,
        BootChange::Mode(None) => {
            if MODES.iter().any(|(_, t)| *t == b.target) {
                b.target = BootTarget::None;
            }
        }
        BootChange::Kind(m) => b.mode = m,
        BootChange::Enabled(false) => b.enabled = BootEnabled::Disabled,
        BootChange::Enabled(true) => {
            if disabled {
                b.target = pending_target(conn, id).await;
                // Once unless the operator chose continuous on `one_time`.
                let once = super::one_time_choice(conn, &super::Paths::of(id).one_time).await;
                b.enabled = if once {
                    BootEnabled::Once
                } else {
                    BootEnabled::Continuous
                };
            }
        }
        BootChange::OneTime(once) => {
            if disabled {
                return Ok(Stored::Pending);
            }
            b.enabled = if once {
                BootEnabled::Once
            } else {
                BootEnabled::Continuous
            };
        }
    }
    if !AllowableValues::has(allowed.boot_targets, u8::from(b.target)) {
        return Err(fdo::Error::InvalidArgs(format!(
            "card {id} does not accept the boot target {:?}",
            b.target
        )));
    }
    if !AllowableValues::has(u32::from(allowed.boot_enabled), u8::from(b.enabled)) {
        return Err(fdo::Error::InvalidArgs(format!(
            "card {id} does not accept a {:?} boot override",
            b.enabled
        )));
    }
    if !AllowableValues::has(u32::from(allowed.boot_modes), u8::from(b.mode)) {
        return Err(fdo::Error::InvalidArgs(format!(
            "card {id} does not accept the boot mode {:?}",
            b.mode
        )));
    }
    ctx.cards.set_boot(id, b).await.map_err(failed)?;
    Ok(Stored::Card)
}

/// After a write went through the card layer: the whole override published again (a
/// source write can change the mode), signalling what changed besides `prop`.
async fn republish(
    ctx: &Shared,
    id: &str,
    conn: &Connection,
    except: (&str, &str),
) -> zbus::Result<()> {
    let Ok(card) = ctx.cards.card(id) else {
        return Ok(());
    };
    let Some(boot) = &card.boot else {
        return Ok(());
    };
    let b = BootValues::of(boot);
    let paths = super::Paths::of(id);
    let server = conn.object_server();
    macro_rules! one {
        ($t:ty, $name:literal) => {
            if let Ok(r) = server.interface::<_, $t>(paths.boot.as_str()).await {
                let e = r.signal_emitter().clone();
                let skip = (except.0 == $name).then_some(except.1);
                r.get().await.update(b.clone(), conn, &e, skip).await?;
            }
        };
    }
    one!(BootSource, "source");
    one!(BootModeIface, "mode");
    one!(BootType, "type");
    if let Ok(r) = server.interface::<_, Enable>(paths.boot.as_str()).await {
        let e = r.signal_emitter().clone();
        let skip = (except.0 == "enabled").then_some(except.1);
        r.get().await.update(b.enabled, conn, &e, skip).await?;
    }
    if let Ok(r) = server.interface::<_, Enable>(paths.one_time.as_str()).await {
        let e = r.signal_emitter().clone();
        let once = match boot.enabled {
            BootEnabled::Disabled => r.get().await.enabled_now(),
            en => en == BootEnabled::Once,
        };
        let skip = (except.0 == "one_time").then_some(except.1);
        r.get().await.update(once, conn, &e, skip).await?;
    }
    Ok(())
}

macro_rules! boot_iface {
    ($t:ident, $iface:literal, $prop:literal, $getter:ident, $setter:ident, $field:ident,
     $key:literal, $konst:ident, $enum:literal, $parse:expr) => {
        /// One property of the boot override (see [`BootValues`]).
        pub(crate) struct $t {
            v: Mutex<BootValues>,
            ctx: Shared,
            id: String,
        }
        impl Snapshot for $t {
            type V = BootValues;
            fn cell(&self) -> &Mutex<BootValues> {
                &self.v
            }
            /// A disabled override has no target on the card: the pending source and
            /// mode stay.
            fn keep(old: &BootValues, new: BootValues) -> BootValues {
                if new.enabled {
                    new
                } else {
                    BootValues {
                        source: old.source,
                        mode: old.mode,
                        ..new
                    }
                }
            }
        }
        impl $t {
            pub(crate) fn new(b: &BootValues, ctx: Shared, id: &str) -> Self {
                $t {
                    v: Mutex::new(b.clone()),
                    ctx,
                    id: id.into(),
                }
            }
        }
        #[interface(name = $iface)]
        impl $t {
            #[zbus(property, name = $prop)]
            fn $getter(&self) -> String {
                en($konst, $enum, lock(&self.v).$field)
            }
            #[zbus(property, name = $prop)]
            async fn $setter(
                &self,
                value: String,
                #[zbus(connection)] conn: &Connection,
            ) -> zbus::Result<()> {
                let Some(change) = de(&value, $konst, $enum).and_then($parse) else {
                    return Err(bus(fdo::Error::InvalidArgs(format!(
                        "{value:?} is not a {}.{} value",
                        $konst, $enum
                    ))));
                };
                match set_boot(&self.ctx, &self.id, change, conn)
                    .await
                    .map_err(bus)?
                {
                    Stored::Card => republish(&self.ctx, &self.id, conn, ($key, $prop)).await,
                    Stored::Pending => {
                        pend(&mut lock(&self.v), change);
                        Ok(())
                    }
                }
            }
        }
    };
}

boot_iface!(
    BootSource,
    "xyz.openbmc_project.Control.Boot.Source",
    "BootSource",
    boot_source,
    set_boot_source,
    source,
    "source",
    SOURCE,
    "Sources",
    |v: &str| SOURCES
        .iter()
        .find(|(s, _)| *s == v)
        .map(|(_, t)| BootChange::Source(*t))
);
boot_iface!(
    BootModeIface,
    "xyz.openbmc_project.Control.Boot.Mode",
    "BootMode",
    boot_mode,
    set_boot_mode,
    mode,
    "mode",
    MODE,
    "Modes",
    |v: &str| match v {
        "Regular" => Some(BootChange::Mode(None)),
        v => MODES
            .iter()
            .find(|(s, _)| *s == v)
            .map(|(_, t)| BootChange::Mode(Some(*t))),
    }
);
boot_iface!(
    BootType,
    "xyz.openbmc_project.Control.Boot.Type",
    "BootType",
    boot_type,
    set_boot_type,
    kind,
    "type",
    TYPE,
    "Types",
    |v: &str| match v {
        "EFI" => Some(BootChange::Kind(BootMode::Uefi)),
        "Legacy" => Some(BootChange::Kind(BootMode::Legacy)),
        _ => None,
    }
);

/// `xyz.openbmc_project.Object.Enable` (Object/Enable.interface.yaml): on `…/boot`,
/// whether the override is in force; on `…/boot/one_time`, whether it is for the next
/// boot only (else every boot).
pub(crate) struct Enable {
    v: Mutex<bool>,
    ctx: Shared,
    id: String,
    one_time: bool,
}
snapshot!(Enable, bool);
impl Enable {
    pub(crate) fn boot(b: &BootValues, ctx: Shared, id: &str) -> Self {
        Enable {
            v: Mutex::new(b.enabled),
            ctx,
            id: id.into(),
            one_time: false,
        }
    }
    pub(crate) fn one_time(once: bool, ctx: Shared, id: &str) -> Self {
        Enable {
            v: Mutex::new(once),
            ctx,
            id: id.into(),
            one_time: true,
        }
    }
    pub(crate) fn enabled_now(&self) -> bool {
        *lock(&self.v)
    }
}
#[interface(name = "xyz.openbmc_project.Object.Enable")]
impl Enable {
    #[zbus(property)]
    fn enabled(&self) -> bool {
        *lock(&self.v)
    }
    #[zbus(property)]
    async fn set_enabled(
        &self,
        value: bool,
        #[zbus(connection)] conn: &Connection,
    ) -> zbus::Result<()> {
        let change = if self.one_time {
            BootChange::OneTime(value)
        } else {
            BootChange::Enabled(value)
        };
        let stored = set_boot(&self.ctx, &self.id, change, conn)
            .await
            .map_err(bus)?;
        if self.one_time {
            // Kept here while the override is disabled (the card stores none then).
            *lock(&self.v) = value;
        }
        if matches!(stored, Stored::Pending) {
            return Ok(());
        }
        let key = if self.one_time { "one_time" } else { "enabled" };
        republish(&self.ctx, &self.id, conn, (key, "Enabled")).await
    }
}

// ---------------------------------------------------------------------------------
// Host and chassis state: the requested transitions reset the card's host through the
// card layer, checked against the reset types the card accepts (GetAllowableValues),
// as the Redfish ComputerSystem.Reset action does.

const HOST: &str = "xyz.openbmc_project.State.Host";
const CHASSIS: &str = "xyz.openbmc_project.State.Chassis";

/// State/Host `Transition` → the card's reset (bmcweb's mapping: Reboot is off then
/// on, the warm reboots restart).
const HOST_TRANSITIONS: &[(&str, ResetType)] = &[
    ("Off", ResetType::GracefulShutdown),
    ("On", ResetType::On),
    ("Reboot", ResetType::PowerCycle),
    ("GracefulWarmReboot", ResetType::GracefulRestart),
    ("ForceWarmReboot", ResetType::ForceRestart),
];
/// State/Chassis `Transition` → the card's reset.
const CHASSIS_TRANSITIONS: &[(&str, ResetType)] = &[
    ("Off", ResetType::ForceOff),
    ("On", ResetType::On),
    ("PowerCycle", ResetType::PowerCycle),
];

fn accepts(c: &Card, t: ResetType) -> bool {
    c.allowable
        .is_none_or(|a| AllowableValues::has(a.reset_types, u8::from(t)))
}

/// Resets the card's host with the reset `name` maps to in `table`.
async fn transition(
    ctx: &Shared,
    id: &str,
    value: &str,
    iface: &str,
    table: &[(&'static str, ResetType)],
) -> fdo::Result<&'static str> {
    let Some((name, t)) = de(value, iface, "Transition")
        .and_then(|v| table.iter().find(|(n, _)| *n == v))
        .copied()
    else {
        return Err(fdo::Error::InvalidArgs(format!(
            "{value:?} is not a {iface}.Transition value"
        )));
    };
    let card = ctx.cards.card(id).map_err(failed)?;
    if !accepts(&card, t) {
        return Err(fdo::Error::InvalidArgs(format!(
            "card {id} does not accept the reset {t:?}"
        )));
    }
    ctx.cards.reset(id, t).await.map_err(failed)?;
    Ok(name)
}

/// `xyz.openbmc_project.State.Host` (State/Host.interface.yaml).
pub(crate) struct HostState {
    v: Mutex<HostV>,
    ctx: Shared,
    id: String,
}
#[derive(Clone, PartialEq)]
pub(crate) struct HostV {
    requested: &'static str,
    allowed: Vec<&'static str>,
    current: &'static str,
}
impl Snapshot for HostState {
    type V = HostV;
    fn cell(&self) -> &Mutex<HostV> {
        &self.v
    }
    fn keep(old: &HostV, new: HostV) -> HostV {
        HostV {
            requested: old.requested,
            ..new
        }
    }
}
impl HostState {
    pub(crate) fn of(c: &Card, power: PowerState, ctx: Shared) -> Self {
        let current = match power {
            PowerState::Off => "Off",
            PowerState::On => "Running",
            PowerState::PoweringOn => "TransitioningToRunning",
            PowerState::PoweringOff => "TransitioningToOff",
            _ => "Quiesced",
        };
        HostState {
            v: Mutex::new(HostV {
                requested: if is_on(power) { "On" } else { "Off" },
                allowed: HOST_TRANSITIONS
                    .iter()
                    .filter(|(_, t)| accepts(c, *t))
                    .map(|(n, _)| *n)
                    .collect(),
                current,
            }),
            ctx,
            id: c.id.clone(),
        }
    }
}
#[interface(name = "xyz.openbmc_project.State.Host")]
impl HostState {
    #[zbus(property)]
    fn requested_host_transition(&self) -> String {
        en(HOST, "Transition", lock(&self.v).requested)
    }
    #[zbus(property)]
    async fn set_requested_host_transition(&self, value: String) -> zbus::Result<()> {
        let name = transition(&self.ctx, &self.id, &value, HOST, HOST_TRANSITIONS)
            .await
            .map_err(bus)?;
        lock(&self.v).requested = name;
        Ok(())
    }
    #[zbus(property)]
    fn allowed_host_transitions(&self) -> Vec<String> {
        let v = lock(&self.v);
        v.allowed
            .iter()
            .map(|t| en(HOST, "Transition", t))
            .collect()
    }
    #[zbus(property)]
    fn current_host_state(&self) -> String {
        en(HOST, "HostState", lock(&self.v).current)
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn restart_cause(&self) -> String {
        en(HOST, "RestartCause", "Unknown")
    }
}

/// `xyz.openbmc_project.State.Chassis` (State/Chassis.interface.yaml): the card's
/// host power. `CurrentPowerStatus` is about the supply's quality, which the card does
/// not report: `Undefined`. `LastStateChangeTime` (ms since the epoch) is when this
/// daemon saw the power state change, 0 until it did.
pub(crate) struct ChassisState {
    v: Mutex<ChassisV>,
    ctx: Shared,
    id: String,
}
#[derive(Clone, PartialEq)]
pub(crate) struct ChassisV {
    requested: &'static str,
    current: &'static str,
    pub(crate) changed_at: u64,
}
impl Snapshot for ChassisState {
    type V = ChassisV;
    fn cell(&self) -> &Mutex<ChassisV> {
        &self.v
    }
    fn keep(old: &ChassisV, new: ChassisV) -> ChassisV {
        ChassisV {
            requested: old.requested,
            changed_at: new.changed_at.max(old.changed_at),
            ..new
        }
    }
}
impl ChassisState {
    pub(crate) fn of(c: &Card, power: PowerState, ctx: Shared) -> Self {
        let current = match power {
            PowerState::Off => "Off",
            PowerState::PoweringOn => "TransitioningToOn",
            PowerState::PoweringOff => "TransitioningToOff",
            _ => "On",
        };
        ChassisState {
            v: Mutex::new(ChassisV {
                requested: if is_on(power) { "On" } else { "Off" },
                current,
                changed_at: 0,
            }),
            ctx,
            id: c.id.clone(),
        }
    }
}
#[interface(name = "xyz.openbmc_project.State.Chassis")]
impl ChassisState {
    #[zbus(property)]
    fn requested_power_transition(&self) -> String {
        en(CHASSIS, "Transition", lock(&self.v).requested)
    }
    #[zbus(property)]
    async fn set_requested_power_transition(&self, value: String) -> zbus::Result<()> {
        let name = transition(&self.ctx, &self.id, &value, CHASSIS, CHASSIS_TRANSITIONS)
            .await
            .map_err(bus)?;
        lock(&self.v).requested = name;
        Ok(())
    }
    #[zbus(property)]
    fn current_power_state(&self) -> String {
        en(CHASSIS, "PowerState", lock(&self.v).current)
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn current_power_status(&self) -> String {
        en(CHASSIS, "PowerStatus", "Undefined")
    }
    #[zbus(property)]
    fn last_state_change_time(&self) -> u64 {
        lock(&self.v).changed_at
    }
}

// ---------------------------------------------------------------------------------
// Virtual media: VirtualMedia/Legacy.interface.yaml (mount an image given by URL to the
// host), with MountPoint and Process for its state. The card BMC fetches the image and
// attaches it; the URL's scheme is the card's to accept.

/// The errors of the media methods, named as phosphor-dbus-interfaces'
/// Common.errors.yaml names them.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "xyz.openbmc_project.Common.Error")]
pub(crate) enum CommonError {
    /// A zbus error.
    #[zbus(error)]
    ZBus(zbus::Error),
    /// A bad argument.
    InvalidArgument(String),
    /// Not possible in the card's current state.
    NotAllowed(String),
    /// The card cannot be reached.
    Unavailable(String),
    /// The card did not finish in time.
    Timeout(String),
    /// Anything else.
    InternalFailure(String),
}

impl From<CardError> for CommonError {
    fn from(e: CardError) -> Self {
        let s = e.to_string();
        match e {
            CardError::Unreachable { .. } | CardError::Busy { .. } => Self::Unavailable(s),
            CardError::Conflict { .. } | CardError::NotReady { .. } => Self::NotAllowed(s),
            CardError::Refused { .. } => Self::NotAllowed(s),
            CardError::TimedOut { .. } => Self::Timeout(s),
            _ => Self::InternalFailure(s),
        }
    }
}

/// The most a credentials pipe may hold.
const MAX_SECRET: usize = 1024;
/// How long the client may take to write it and close the pipe.
const SECRET_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The user name and password of `Mount`'s `FileDescriptor`: `-1` (int32) for none,
/// else a pipe holding `user\0password\0`.
async fn secret(fd: &zbus::zvariant::Value<'_>) -> Result<(String, String), CommonError> {
    use tokio::io::AsyncReadExt;
    let bad = |m: &str| CommonError::InvalidArgument(format!("FileDescriptor: {m}"));
    let fd = match fd {
        zbus::zvariant::Value::I32(-1) => return Ok((String::new(), String::new())),
        zbus::zvariant::Value::Fd(fd) => fd,
        _ => return Err(bad("neither -1 (int32) nor a file descriptor")),
    };
    let owned = std::os::fd::AsFd::as_fd(fd)
        .try_clone_to_owned()
        .map_err(|e| bad(&e.to_string()))?;
    let pipe = tokio::net::unix::pipe::Receiver::from_owned_fd(owned)
        .map_err(|e| bad(&format!("not a pipe: {e}")))?;
    let mut data = Vec::new();
    let mut limited = pipe.take(MAX_SECRET as u64 + 1);
    let read = limited.read_to_end(&mut data);
    match tokio::time::timeout(SECRET_TIMEOUT, read).await {
        Err(_) => return Err(bad("the pipe was not closed within 2 s")),
        Ok(Err(e)) => return Err(bad(&e.to_string())),
        Ok(Ok(_)) if data.len() > MAX_SECRET => return Err(bad("more than 1024 bytes")),
        Ok(Ok(_)) => {}
    }
    let mut parts = data
        .split(|b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let user = parts.next().unwrap_or_default();
    let password = parts.next().unwrap_or_default();
    Ok((user, password))
}

/// `xyz.openbmc_project.VirtualMedia.Legacy` (VirtualMedia/Legacy.interface.yaml).
pub(crate) struct Legacy {
    ctx: Shared,
    id: String,
    slot: MediaSlot,
}
impl Snapshot for Legacy {
    type V = ();
    fn cell(&self) -> &Mutex<()> {
        &NO_VALUES
    }
}
impl Legacy {
    pub(crate) fn new(ctx: Shared, id: &str, slot: MediaSlot) -> Self {
        Legacy {
            ctx,
            id: id.into(),
            slot,
        }
    }
}

/// The `Completion` result of a media operation: 0, or EIO when the card reported it
/// failed (it reports no reason code).
const EIO: i32 = 5;

#[interface(name = "xyz.openbmc_project.VirtualMedia.Legacy")]
impl Legacy {
    /// Inserts the image at `image_url`; true once the card accepted it. `Completion`
    /// follows when the card attached it (or failed to).
    async fn mount(
        &self,
        image_url: String,
        read_write: bool,
        file_descriptor: zbus::zvariant::Value<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<bool, CommonError> {
        if image_url.is_empty() || image_url.len() > 2048 {
            return Err(CommonError::InvalidArgument(
                "ImageURL must be 1 to 2048 bytes".into(),
            ));
        }
        let (username, password) = secret(&file_descriptor).await?;
        let m = MediaInsert {
            slot: self.slot,
            write_protected: !read_write,
            protocol: TransferProtocol::FromUri,
            image: image_url,
            username,
            password,
        };
        // Subscribed before the insert, so its end cannot be missed.
        let mut events = self.ctx.cards.subscribe();
        let task = self.ctx.cards.insert_media(&self.id, m).await?;
        let emitter = emitter.to_owned();
        let (id, deadline) = (self.id.clone(), self.ctx.cards.deadline);
        tokio::spawn(async move {
            let result = match task {
                None => 0,
                Some(task) => {
                    let wait = async {
                        loop {
                            match events.recv().await {
                                Ok(e) if e.card == id => {
                                    if let CardEventKind::TaskEnded { task: t, ok } = e.kind {
                                        if t == task {
                                            return if ok { 0 } else { EIO };
                                        }
                                    }
                                }
                                Ok(_) => {}
                                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                                Err(_) => return EIO,
                            }
                        }
                    };
                    tokio::time::timeout(deadline, wait).await.unwrap_or(EIO)
                }
            };
            let _ = Legacy::completion(&emitter, result).await;
        });
        Ok(true)
    }

    /// Ejects the image; true once the card ejected it.
    async fn unmount(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<bool, CommonError> {
        self.ctx.cards.eject_media(&self.id, self.slot).await?;
        let _ = Legacy::completion(&emitter, 0).await;
        Ok(true)
    }

    /// A mount or unmount ended: 0, or an errno.
    #[zbus(signal)]
    async fn completion(emitter: &SignalEmitter<'_>, result: i32) -> zbus::Result<()>;
}

/// `xyz.openbmc_project.VirtualMedia.MountPoint`
/// (VirtualMedia/MountPoint.interface.yaml): the slot's image. The NBD properties
/// (Device, Socket, Timeout, BlockSize, RemainingInactivityTimeout) belong to the BMC's
/// own USB gadget and have no meaning for a card's media: empty and 0. `Mode` is 1,
/// legacy.
pub(crate) struct MountPoint {
    v: Mutex<(String, String, bool)>,
}
snapshot!(MountPoint, (String, String, bool));
impl MountPoint {
    pub(crate) fn of(m: &MediaStatus) -> Self {
        let slot = if m.slot == MediaSlot::Usb {
            "usb"
        } else {
            "cd"
        };
        MountPoint {
            v: Mutex::new((slot.into(), m.image.clone(), m.write_protected)),
        }
    }
}
#[interface(name = "xyz.openbmc_project.VirtualMedia.MountPoint")]
impl MountPoint {
    #[zbus(property)]
    fn end_point_id(&self) -> String {
        lock(&self.v).0.clone()
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn mode(&self) -> u8 {
        1
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn device(&self) -> String {
        String::new()
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn socket(&self) -> String {
        String::new()
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn timeout(&self) -> u16 {
        0
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn block_size(&self) -> u16 {
        0
    }
    #[zbus(property(emits_changed_signal = "const"))]
    fn remaining_inactivity_timeout(&self) -> u16 {
        0
    }
    #[zbus(property, name = "ImageURL")]
    fn image_url(&self) -> String {
        lock(&self.v).1.clone()
    }
    #[zbus(property)]
    fn write_protected(&self) -> bool {
        lock(&self.v).2
    }
}

/// `xyz.openbmc_project.VirtualMedia.Process` (VirtualMedia/Process.interface.yaml):
/// `Active` while an image is attached or being attached; `ExitCode` EIO after a failed
/// insert, else 0.
pub(crate) struct Process {
    v: Mutex<(bool, i32)>,
}
snapshot!(Process, (bool, i32));
impl Process {
    pub(crate) fn of(m: &MediaStatus) -> Self {
        let active = matches!(m.state, MediaState::Inserted | MediaState::Inserting);
        let code = if m.state == MediaState::Failed {
            EIO
        } else {
            0
        };
        Process {
            v: Mutex::new((active, code)),
        }
    }
}
#[interface(name = "xyz.openbmc_project.VirtualMedia.Process")]
impl Process {
    #[zbus(property)]
    fn active(&self) -> bool {
        lock(&self.v).0
    }
    #[zbus(property)]
    fn exit_code(&self) -> i32 {
        lock(&self.v).1
    }
}
