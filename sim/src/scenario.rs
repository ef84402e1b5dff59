//! Scenario files (TOML, `sim/scenarios/*.toml`): which packages sit on the sideband,
//! what each reports, the card BMC behind it, and which faults to inject.
//!
//! Every key is checked: unknown keys, out-of-range numbers, malformed MACs, UUIDs,
//! addresses and enum names are errors that name the file, the key and the value.
//! See `sim/scenarios/two-dpus.toml` for a commented example.

use crate::card::{CardConfig, Timing};
use crate::faults::{FaultKind, FaultSpec, Trigger};
use crate::nc::PackageConfig;
use serde::Deserialize;
use sidebridge_protocol::ncsi::{
    AenControl, BroadcastFilter, Capabilities, CapabilityFlags, LinkSettings, LinkStatus,
    MulticastFilter, VendorGetMac, VersionId,
};
use sidebridge_protocol::oem::{self, BridgeInfo, FirmwareComponent, NetworkIdentity, PowerState};
use std::path::Path;

/// A scenario: the sideband's packages and the faults to inject.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Human-readable name.
    pub name: String,
    /// Seed of the random faults (same seed, same faults).
    pub seed: u64,
    /// The packages.
    pub packages: Vec<PackageConfig>,
    /// The faults.
    pub faults: Vec<FaultSpec>,
}

/// Why a scenario could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    seed: u64,
    #[serde(rename = "package", default)]
    packages: Vec<PackageFile>,
    #[serde(rename = "fault", default)]
    faults: Vec<FaultFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageFile {
    id: u8,
    #[serde(default = "one")]
    channels: u8,
    uuid: Option<String>,
    #[serde(default = "default_fw_name")]
    firmware_name: String,
    #[serde(default = "default_fw_version")]
    firmware_version: String,
    #[serde(default)]
    manufacturer_id: u32,
    #[serde(default)]
    pci: Pci,
    vendor_mac: Option<String>,
    base_mac: Option<String>,
    #[serde(default)]
    mc_macs: Vec<String>,
    #[serde(default = "yes")]
    link_up: bool,
    #[serde(default = "default_speed")]
    speed: String,
    #[serde(default = "default_speeds")]
    speeds: Vec<String>,
    #[serde(default = "yes")]
    hardware_arbitration: bool,
    /// Host traffic per channel while its link is up, frames a second (both ways).
    #[serde(default = "default_traffic")]
    traffic_fps: u32,
    card: Option<CardFile>,
}

fn default_traffic() -> u32 {
    2000
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pci {
    #[serde(default)]
    vendor: u16,
    #[serde(default)]
    device: u16,
    #[serde(default)]
    subsystem_vendor: u16,
    #[serde(default)]
    subsystem: u16,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardFile {
    #[serde(default = "default_oem_mfr")]
    manufacturer_id: u32,
    #[serde(default)]
    manufacturer: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    part_number: String,
    #[serde(default)]
    firmware_version: String,
    #[serde(default)]
    host_name: String,
    #[serde(default)]
    bmc_macs: Vec<String>,
    #[serde(default)]
    ipv4: Vec<String>,
    #[serde(default)]
    ipv6: Vec<String>,
    #[serde(default = "default_power")]
    power: String,
    #[serde(default)]
    firmware: Vec<FirmwareFile>,
    #[serde(default)]
    timing: TimingFile,
    #[serde(default = "default_schemes")]
    media_schemes: Vec<String>,
    #[serde(default = "yes")]
    usb_slot: bool,
    #[serde(default)]
    legacy_boot: bool,
    #[serde(default = "yes")]
    oem_1_1: bool,
    #[serde(default)]
    asset_tag: String,
    system_uuid: Option<String>,
    /// The card's host (GetHostInventory, OEM set 1.2); without it the card does not
    /// announce the command.
    host: Option<HostFile>,
    /// The card BMC's own interface and services beyond its identity
    /// (GetManagerNetwork and SetManagerNetwork, OEM set 1.3); without it the card
    /// does not announce the commands.
    bmc_network: Option<BmcNetworkFile>,
    /// The card's sensors (GetSensors, OEM set 1.3); without it the card does not
    /// announce the command.
    sensors: Option<SensorsFile>,
    /// The card's network adapter beyond NC-SI (GetNetworkAdapter and
    /// SetAdapterSettings, OEM set 1.4); without it the card does not announce them.
    adapter: Option<AdapterFile>,
    /// The host firmware's attributes (GetBios and SetBiosSettings, OEM set 1.4);
    /// without it the card does not announce them.
    bios: Option<BiosFile>,
}

/// The host firmware's attributes (OEM.md §4.25); their values at start are also the
/// card's defaults (§4.26).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BiosFile {
    #[serde(default)]
    registry: String,
    attributes: Vec<BiosAttributeFile>,
}

/// One attribute: `values` makes it an enumeration; otherwise its type is the value's
/// (text, integer within `bounds`, boolean).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BiosAttributeFile {
    name: String,
    value: toml::Value,
    #[serde(default)]
    values: Vec<String>,
    /// A string's longest length (default 255).
    max_len: Option<u16>,
    /// An integer's bounds, inclusive (default: any).
    bounds: Option<[i64; 2]>,
    #[serde(default)]
    read_only: bool,
}

fn bios(
    f: &BiosFile,
    bad: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<oem::Bios, ScenarioError> {
    if f.attributes.len() > oem::MAX_BIOS_ATTRIBUTES {
        return Err(bad("bios.attributes", "more than 128".into()));
    }
    let mut out = oem::Bios {
        registry: f.registry.clone(),
        ..oem::Bios::default()
    };
    for a in &f.attributes {
        let key = |k: &str| format!("bios.attributes.{}.{k}", a.name);
        if !oem::is_bios_name(&a.name) || out.attribute(&a.name).is_some() {
            return Err(bad(
                "bios.attributes.name",
                format!(
                    "{:?} is not 1 to 64 letters, digits and _, or repeats",
                    a.name
                ),
            ));
        }
        let (kind, value) = match (&a.value, a.values.is_empty()) {
            (toml::Value::String(s), false) => {
                if a.values.len() > oem::MAX_BIOS_VALUES {
                    return Err(bad(&key("values"), "more than 32".into()));
                }
                (
                    oem::BiosKind::Enumeration(a.values.clone()),
                    oem::BiosValue::Enumeration(s.clone()),
                )
            }
            (toml::Value::String(s), true) => (
                oem::BiosKind::String(a.max_len.unwrap_or(255).min(255)),
                oem::BiosValue::String(s.clone()),
            ),
            (toml::Value::Integer(n), true) => {
                let [lo, hi] = a.bounds.unwrap_or([i64::MIN, i64::MAX]);
                (oem::BiosKind::Integer(lo, hi), oem::BiosValue::Integer(*n))
            }
            (toml::Value::Boolean(b), true) => {
                (oem::BiosKind::Boolean, oem::BiosValue::Boolean(*b))
            }
            _ => {
                return Err(bad(
                    &key("value"),
                    "a string (with `values`: an enumeration), an integer or a boolean".into(),
                ));
            }
        };
        let attr = oem::BiosAttribute {
            name: a.name.clone(),
            kind,
            read_only: a.read_only,
            value,
        };
        attr.admits(&attr.value)
            .map_err(|why| bad(&key("value"), why))?;
        out.attributes.push(attr);
    }
    Ok(out)
}

/// The network adapter (OEM.md §4.23); its settings in force at start are also the
/// card's defaults (§4.24).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdapterFile {
    #[serde(default)]
    sku: String,
    /// PCIe generation in use and at most, lanes in use and at most.
    #[serde(default)]
    pcie_generation: [u8; 2],
    #[serde(default)]
    pcie_lanes: [u8; 2],
    /// The class code, as hex ("0x020000").
    class_code: Option<String>,
    #[serde(default)]
    revision_id: u8,
    #[serde(default)]
    npar_capable: bool,
    #[serde(default)]
    npar: bool,
    #[serde(default)]
    sriov_capable: bool,
    #[serde(default)]
    sriov_vepa_capable: bool,
    /// Virtual functions at most: the controller's, per port, the smallest group.
    #[serde(default)]
    max_vfs: [u16; 3],
    #[serde(default)]
    ports: Vec<AdapterPortFile>,
    #[serde(default)]
    functions: Vec<AdapterFunctionFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdapterPortFile {
    channel: u8,
    #[serde(default)]
    autoneg_capable: bool,
    speeds_mbps: Vec<u32>,
    /// Redfish SFP.Type (SFP28, QSFP56, …); without it no transceiver is present.
    transceiver: Option<String>,
    /// Redfish SFP.MediumType (Copper, FiberOptic).
    medium: Option<String>,
    /// Diagnostics: received and transmitted power (µW), bias (µA), supply (mV).
    diagnostics: Option<[u32; 4]>,
    /// The settings at start: auto-negotiation (default: when capable), else
    /// `speed_mbps`.
    autoneg: Option<bool>,
    #[serde(default)]
    speed_mbps: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdapterFunctionFile {
    /// The NC-SI channel of its port.
    port: Option<u8>,
    #[serde(default)]
    pcie_function: u8,
    /// Redfish NetworkDeviceTechnology names.
    technologies: Vec<String>,
    /// Redfish BootMode names other than Disabled.
    #[serde(default)]
    boot_modes: Vec<String>,
    #[serde(default)]
    max_vfs: u16,
    #[serde(default)]
    vfs_enabled: bool,
    mac: Option<String>,
    /// The settings at start.
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "disabled")]
    boot_mode: String,
}

fn disabled() -> String {
    "Disabled".into()
}

fn adapter(
    f: &AdapterFile,
    bad: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<oem::NetworkAdapter, ScenarioError> {
    if f.ports.len() > oem::MAX_ADAPTER_PORTS {
        return Err(bad("adapter.ports", "more than 8".into()));
    }
    if f.functions.len() > oem::MAX_FUNCTIONS {
        return Err(bad("adapter.functions", "more than 16".into()));
    }
    let class_code = match &f.class_code {
        Some(s) => u32::from_str_radix(s.trim_start_matches("0x"), 16)
            .ok()
            .filter(|c| *c <= 0x00FF_FFFF)
            .ok_or_else(|| bad("adapter.class_code", format!("{s:?} is not 24-bit hex")))?,
        None => 0,
    };
    let mut ports = Vec::new();
    let mut port_settings = Vec::new();
    for p in &f.ports {
        if p.speeds_mbps.len() > oem::MAX_SPEEDS {
            return Err(bad("adapter.ports.speeds_mbps", "more than 8".into()));
        }
        let transceiver = match &p.transceiver {
            Some(kind) => Some(oem::Transceiver {
                kind: oem::TransceiverType::from_redfish_name(kind).ok_or_else(|| {
                    bad(
                        "adapter.ports.transceiver",
                        format!("{kind:?} is not an SFP type"),
                    )
                })?,
                medium: match &p.medium {
                    Some(m) => oem::Medium::from_redfish_name(m).ok_or_else(|| {
                        bad("adapter.ports.medium", format!("{m:?} is not a medium"))
                    })?,
                    None => oem::Medium::NotKnown,
                },
                diagnostics: p.diagnostics.map(|d| oem::Diagnostics {
                    rx_power_uw: d[0],
                    tx_power_uw: d[1],
                    tx_bias_ua: d[2],
                    supply_mv: d[3],
                }),
            }),
            None => None,
        };
        ports.push(oem::AdapterPort {
            channel: p.channel,
            autoneg_capable: p.autoneg_capable,
            transceiver,
            speeds_mbps: p.speeds_mbps.clone(),
        });
        let autoneg = p.autoneg.unwrap_or(p.autoneg_capable);
        port_settings.push(oem::PortSettings {
            autoneg,
            speed_mbps: if autoneg { 0 } else { p.speed_mbps },
        });
    }
    let mut functions = Vec::new();
    let mut function_settings = Vec::new();
    for x in &f.functions {
        let technologies = x.technologies.iter().try_fold(0u8, |m, n| {
            oem::TECHNOLOGIES
                .iter()
                .position(|t| t == n)
                .map(|i| m | 1 << i)
                .ok_or_else(|| {
                    bad(
                        "adapter.functions.technologies",
                        format!("{n:?} is unknown"),
                    )
                })
        })?;
        let mode = |n: &str| {
            oem::FunctionBootMode::from_redfish_name(n).ok_or_else(|| {
                bad(
                    "adapter.functions.boot_modes",
                    format!("{n:?} is not a BootMode"),
                )
            })
        };
        let boot_modes = x
            .boot_modes
            .iter()
            .try_fold(0u8, |m, n| Ok(m | mode(n)?.bit().unwrap_or(0)))?;
        let mac = match &x.mac {
            Some(m) => parse_mac(m)
                .ok_or_else(|| bad("adapter.functions.mac", format!("{m:?} is not a MAC")))?,
            None => [0; 6],
        };
        functions.push(oem::AdapterFunction {
            port: x.port,
            pcie_function: x.pcie_function,
            technologies,
            boot_modes,
            vfs_enabled: x.vfs_enabled,
            max_vfs: x.max_vfs,
            mac,
        });
        function_settings.push(oem::FunctionSettings {
            enabled: x.enabled,
            boot_mode: mode(&x.boot_mode)?,
        });
    }
    let mut a = oem::NetworkAdapter {
        npar_capable: f.npar_capable,
        sriov_capable: f.sriov_capable,
        sriov_vepa_capable: f.sriov_vepa_capable,
        pcie: oem::PcieLink {
            generation: f.pcie_generation[0],
            max_generation: f.pcie_generation[1],
            lanes: f.pcie_lanes[0],
            max_lanes: f.pcie_lanes[1],
        },
        revision_id: f.revision_id,
        class_code,
        max_vfs: f.max_vfs[0],
        max_vfs_per_port: f.max_vfs[1],
        vf_group: f.max_vfs[2],
        sku: f.sku.clone(),
        ports,
        functions,
        current: oem::AdapterSettings::default(),
        pending: None,
    };
    let settings = oem::AdapterSettings {
        npar: f.npar,
        ports: port_settings,
        functions: function_settings,
    };
    settings
        .check(&a)
        .map_err(|why| bad("adapter", format!("its settings break OEM.md §4.24: {why}")))?;
    a.current = settings;
    Ok(a)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SensorsFile {
    #[serde(default)]
    capacity_watts: u32,
    list: Vec<SensorFile>,
}

/// One sensor; values in its unit (°C, W, V, A, RPM).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SensorFile {
    name: String,
    /// A Redfish ReadingType: Temperature, Power, Voltage, Current or Rotational.
    #[serde(rename = "type")]
    reading_type: String,
    /// A Redfish PhysicalContext (CPU, NetworkDevice, SystemBoard, …).
    #[serde(default)]
    context: Option<String>,
    /// The reading with the host off.
    idle: f64,
    /// The reading with the host on (default: idle).
    active: Option<f64>,
    /// The largest move either way over a minute.
    #[serde(default)]
    swing: f64,
    upper_caution: Option<f64>,
    upper_critical: Option<f64>,
    lower_caution: Option<f64>,
    lower_critical: Option<f64>,
}

/// A value in its unit as thousandths (OEM.md §4.22).
fn milli(v: f64) -> Option<i32> {
    let m = (v * 1000.0).round();
    (m.is_finite() && m >= f64::from(i32::MIN) && m <= f64::from(i32::MAX)).then_some(m as i32)
}

fn sensors(
    f: &SensorsFile,
    bad: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<crate::card::SensorsConfig, ScenarioError> {
    if f.list.len() > oem::MAX_SENSORS {
        return Err(bad("sensors.list", "more than 64 sensors".into()));
    }
    let mut out = Vec::new();
    for sf in &f.list {
        if !oem::is_sensor_name(&sf.name)
            || out
                .iter()
                .any(|o: &crate::card::SensorConfig| o.name == sf.name)
        {
            return Err(bad(
                "sensors.list",
                format!(
                    "{:?} is not a unique name of 1 to 64 letters, digits, _ and -",
                    sf.name
                ),
            ));
        }
        let reading_type = oem::ReadingType::from_redfish(&sf.reading_type).ok_or_else(|| {
            bad(
                "sensors.list",
                format!(
                    "{}: type {:?} is not Temperature, Power, Voltage, Current or Rotational",
                    sf.name, sf.reading_type
                ),
            )
        })?;
        let context = match &sf.context {
            None => oem::PhysicalContext::NotKnown,
            Some(c) => oem::PhysicalContext::from_redfish_name(c).ok_or_else(|| {
                bad(
                    "sensors.list",
                    format!(
                        "{}: {c:?} is not a Redfish PhysicalContext this simulator knows",
                        sf.name
                    ),
                )
            })?,
        };
        let value = |what: &str, v: f64| {
            milli(v).ok_or_else(|| {
                bad(
                    "sensors.list",
                    format!("{}: {what} {v} is out of range", sf.name),
                )
            })
        };
        let opt = |what: &str, v: Option<f64>| v.map(|v| value(what, v)).transpose();
        out.push(crate::card::SensorConfig {
            name: sf.name.clone(),
            reading_type,
            context,
            idle: value("idle", sf.idle)?,
            active: value("active", sf.active.unwrap_or(sf.idle))?,
            swing: value("swing", sf.swing.abs())?,
            thresholds: [
                opt("upper_caution", sf.upper_caution)?,
                opt("upper_critical", sf.upper_critical)?,
                opt("lower_caution", sf.lower_caution)?,
                opt("lower_critical", sf.lower_critical)?,
            ],
        });
    }
    Ok(crate::card::SensorsConfig {
        capacity_watts: f.capacity_watts,
        sensors: out,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BmcNetworkFile {
    /// The card BMC's UUID (Redfish Manager.UUID).
    uuid: Option<String>,
    #[serde(default)]
    domain_name: String,
    /// The default gateway of the first IPv4 address.
    gateway: Option<String>,
    #[serde(default)]
    name_servers: Vec<String>,
    #[serde(default)]
    speed_mbps: u32,
    #[serde(default = "yes")]
    link_up: bool,
    #[serde(default)]
    dhcpv4: bool,
    /// Network services: `{ name = "HTTPS", port = 443 }` (enabled unless
    /// `enabled = false`); names as Redfish ManagerNetworkProtocol's.
    #[serde(default)]
    services: Vec<ServiceFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    name: String,
    #[serde(default = "yes")]
    enabled: bool,
    port: u16,
}

/// The card BMC's network as GetManagerNetwork reports it: the identity's first MAC,
/// host name and addresses, with what `b` adds. IPv4 addresses are DHCP's when DHCPv4
/// is on, else static; IPv6 link-local addresses (fe80::/10) are link-local, the
/// others static; all preferred.
fn bmc_network(
    b: &BmcNetworkFile,
    id: &NetworkIdentity,
    bad: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<oem::ManagerNetwork, ScenarioError> {
    let uuid = match &b.uuid {
        Some(u) => {
            parse_uuid(u).ok_or_else(|| bad("bmc_network.uuid", format!("{u:?} is not a UUID")))?
        }
        None => [0; 16],
    };
    let gateway = match &b.gateway {
        Some(g) => g
            .parse::<std::net::Ipv4Addr>()
            .map_err(|_| {
                bad(
                    "bmc_network.gateway",
                    format!("{g:?} is not an IPv4 address"),
                )
            })?
            .octets(),
        None => [0; 4],
    };
    if b.name_servers.len() > oem::MAX_NAME_SERVERS {
        return Err(bad("bmc_network.name_servers", "more than 8".into()));
    }
    for n in &b.name_servers {
        if n.parse::<std::net::IpAddr>().is_err() {
            return Err(bad(
                "bmc_network.name_servers",
                format!("{n:?} is not an IP address"),
            ));
        }
    }
    let services = b
        .services
        .iter()
        .map(|sv| {
            Ok(oem::ServiceState {
                service: oem::NetworkService::from_redfish_name(&sv.name).ok_or_else(|| {
                    bad(
                        "bmc_network.services",
                        format!(
                            "{:?} is not HTTP, HTTPS, SSH, SSDP, IPMI, NTP or SNMP",
                            sv.name
                        ),
                    )
                })?,
                enabled: sv.enabled,
                port: sv.port,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let origin = if b.dhcpv4 {
        oem::Ipv4Origin::Dhcp
    } else {
        oem::Ipv4Origin::Static
    };
    Ok(oem::ManagerNetwork {
        uuid,
        enabled: true,
        link_up: b.link_up,
        dhcpv4: b.dhcpv4,
        dhcpv6: false,
        speed_mbps: b.speed_mbps,
        mac: id.macs.first().copied().unwrap_or_default(),
        host_name: id.host_name.clone(),
        domain_name: b.domain_name.clone(),
        ipv4: id
            .ipv4
            .iter()
            .enumerate()
            .map(|(i, (address, prefix))| oem::Ipv4Address {
                address: *address,
                prefix: *prefix,
                origin,
                gateway: if i == 0 { gateway } else { [0; 4] },
            })
            .collect(),
        ipv6: id
            .ipv6
            .iter()
            .map(|(address, prefix)| oem::Ipv6Address {
                address: *address,
                prefix: *prefix,
                origin: if address[0] == 0xfe && address[1] & 0xc0 == 0x80 {
                    oem::Ipv6Origin::LinkLocal
                } else {
                    oem::Ipv6Origin::Static
                },
                state: oem::Ipv6State::Preferred,
            })
            .collect(),
        name_servers: b.name_servers.clone(),
        services,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostFile {
    #[serde(default)]
    memory_mib: u64,
    #[serde(default)]
    processors: Vec<ProcessorFile>,
    #[serde(default)]
    interfaces: Vec<InterfaceFile>,
    #[serde(default)]
    drives: Vec<DriveFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterfaceFile {
    mac: String,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "yes")]
    link_up: bool,
    #[serde(default)]
    speed_mbps: u32,
    /// The NIC port it is a function of.
    port: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcessorFile {
    /// A Redfish InstructionSet name ("ARM-A64", "x86-64", …).
    instruction_set: String,
    #[serde(default)]
    cores: u16,
    #[serde(default)]
    threads: u16,
    #[serde(default)]
    max_speed_mhz: u16,
    #[serde(default)]
    manufacturer: String,
    #[serde(default)]
    model: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DriveFile {
    capacity_bytes: u64,
    /// "SSD" or "HDD".
    media: String,
    /// "eMMC", "NVMe", "SATA", "SAS" or "USB".
    protocol: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    serial: String,
}

/// Redfish names of the instruction sets, drive media and protocols.
const INSTRUCTION_SETS: &[(&str, oem::InstructionSet)] = &[
    ("x86", oem::InstructionSet::X86),
    ("x86-64", oem::InstructionSet::X86_64),
    ("IA-64", oem::InstructionSet::Ia64),
    ("ARM-A32", oem::InstructionSet::ArmA32),
    ("ARM-A64", oem::InstructionSet::ArmA64),
    ("MIPS32", oem::InstructionSet::Mips32),
    ("MIPS64", oem::InstructionSet::Mips64),
    ("PowerISA", oem::InstructionSet::PowerIsa),
    ("RV32", oem::InstructionSet::Rv32),
    ("RV64", oem::InstructionSet::Rv64),
];
const MEDIA: &[(&str, oem::DriveMedia)] =
    &[("SSD", oem::DriveMedia::Ssd), ("HDD", oem::DriveMedia::Hdd)];
const PROTOCOLS: &[(&str, oem::DriveProtocol)] = &[
    ("eMMC", oem::DriveProtocol::Emmc),
    ("NVMe", oem::DriveProtocol::Nvme),
    ("SATA", oem::DriveProtocol::Sata),
    ("SAS", oem::DriveProtocol::Sas),
    ("USB", oem::DriveProtocol::Usb),
];

fn named<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn host(
    h: &HostFile,
    bad: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<oem::HostInventory, ScenarioError> {
    let most = |what: &str, n: usize| {
        if n > oem::MAX_INVENTORY {
            Err(bad(
                what,
                format!("{n} given, at most {} are carried", oem::MAX_INVENTORY),
            ))
        } else {
            Ok(())
        }
    };
    most("host.processors", h.processors.len())?;
    most("host.interfaces", h.interfaces.len())?;
    most("host.drives", h.drives.len())?;
    let processors = h
        .processors
        .iter()
        .map(|p| {
            Ok(oem::Processor {
                instruction_set: named(INSTRUCTION_SETS, &p.instruction_set).ok_or_else(|| {
                    bad(
                        "host.processors.instruction_set",
                        format!("{:?} is not a Redfish InstructionSet", p.instruction_set),
                    )
                })?,
                cores: p.cores,
                threads: p.threads,
                max_speed_mhz: p.max_speed_mhz,
                manufacturer: p.manufacturer.clone(),
                model: p.model.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    let interfaces = h
        .interfaces
        .iter()
        .map(|i| {
            Ok(oem::HostInterface {
                mac: parse_mac(&i.mac).ok_or_else(|| {
                    bad(
                        "host.interfaces.mac",
                        format!("{:?} is not a MAC address", i.mac),
                    )
                })?,
                enabled: i.enabled,
                link_up: i.link_up,
                speed_mbps: i.speed_mbps,
                port: i.port,
            })
        })
        .collect::<Result<_, _>>()?;
    let drives = h
        .drives
        .iter()
        .map(|d| {
            Ok(oem::Drive {
                capacity_bytes: d.capacity_bytes,
                media: named(MEDIA, &d.media).ok_or_else(|| {
                    bad(
                        "host.drives.media",
                        format!("{:?} is not SSD or HDD", d.media),
                    )
                })?,
                protocol: named(PROTOCOLS, &d.protocol).ok_or_else(|| {
                    bad(
                        "host.drives.protocol",
                        format!("{:?} is not eMMC, NVMe, SATA, SAS or USB", d.protocol),
                    )
                })?,
                model: d.model.clone(),
                serial: d.serial.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(oem::HostInventory {
        memory_mib: h.memory_mib,
        processors,
        interfaces,
        drives,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FirmwareFile {
    name: String,
    version: String,
    #[serde(default)]
    updateable: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimingFile {
    #[serde(default = "t_off")]
    power_off_ms: u64,
    #[serde(default = "t_on")]
    power_on_ms: u64,
    #[serde(default = "t_step")]
    boot_step_ms: u64,
    #[serde(default = "t_media")]
    media_attach_ms: u64,
}

impl Default for TimingFile {
    fn default() -> Self {
        let t = Timing::default();
        TimingFile {
            power_off_ms: t.power_off_ms,
            power_on_ms: t.power_on_ms,
            boot_step_ms: t.boot_step_ms,
            media_attach_ms: t.media_attach_ms,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultFile {
    kind: String,
    package: Option<u8>,
    channel: Option<u8>,
    command: Option<String>,
    probability: Option<f64>,
    after_commands: Option<u64>,
    #[serde(default = "one_u32")]
    count: u32,
    at_ms: Option<u64>,
    #[serde(default)]
    duration_ms: u64,
    #[serde(default)]
    delay_ms: u64,
    #[serde(default)]
    period_ms: u64,
    /// sensor_offset: the sensor's name on the package's card.
    sensor: Option<String>,
    /// sensor_offset: what is added to its reading, in its unit.
    offset: Option<f64>,
}

fn one() -> u8 {
    1
}
fn one_u32() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn default_fw_name() -> String {
    "sidebridge".into()
}
fn default_fw_version() -> String {
    "1.0.0.0".into()
}
fn default_speed() -> String {
    "25G".into()
}
fn default_speeds() -> Vec<String> {
    vec!["1G".into(), "10G".into(), "25G".into()]
}
fn default_oem_mfr() -> u32 {
    oem::DEFAULT_MANUFACTURER_ID
}
fn default_power() -> String {
    "On".into()
}
fn default_schemes() -> Vec<String> {
    vec!["http".into(), "https".into()]
}
fn t_off() -> u64 {
    Timing::default().power_off_ms
}
fn t_on() -> u64 {
    Timing::default().power_on_ms
}
fn t_step() -> u64 {
    Timing::default().boot_step_ms
}
fn t_media() -> u64 {
    Timing::default().media_attach_ms
}

/// Parses `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (m, p) in mac.iter_mut().zip(parts) {
        if p.len() != 2 {
            return None;
        }
        *m = u8::from_str_radix(p, 16).ok()?;
    }
    Some(mac)
}

/// Parses a UUID in its 8-4-4-4-12 hex form.
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let groups: Vec<&str> = s.split('-').collect();
    if groups.iter().map(|g| g.len()).collect::<Vec<_>>() != [8, 4, 4, 4, 12] {
        return None;
    }
    let hex: String = groups.concat();
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Link speed name to (Set Link speed bit, Get Link Status speed/duplex code).
fn speed(name: &str) -> Option<(u32, u8)> {
    Some(match name {
        "10M" => (1, 2),
        "100M" => (2, 5),
        "1G" => (3, 7),
        "2.5G" => (15, 14),
        "10G" => (4, 8),
        "20G" => (5, 9),
        "25G" => (6, 10),
        "40G" => (7, 11),
        "50G" => (13, 12),
        "100G" => (14, 13),
        _ => return None,
    })
}

fn power(name: &str) -> Option<PowerState> {
    Some(match name {
        "On" => PowerState::On,
        "Off" => PowerState::Off,
        _ => return None,
    })
}

fn firmware_version(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut v = 0u32;
    for p in parts {
        v = (v << 8) | u32::from(p.parse::<u8>().ok()?);
    }
    Some(v)
}

fn ip_with_prefix<const N: usize>(s: &str, max_prefix: u8) -> Option<([u8; N], u8)> {
    let (addr, prefix) = s.split_once('/')?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= max_prefix)?;
    let ip: std::net::IpAddr = addr.parse().ok()?;
    let bytes: Vec<u8> = match ip {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    Some((bytes.try_into().ok()?, prefix))
}

impl Scenario {
    /// Loads a scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError(format!("cannot read scenario {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| ScenarioError(format!("{}: {}", path.display(), e.0)))
    }

    /// Parses scenario text.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let file: File = toml::from_str(text)
            .map_err(|e| ScenarioError(e.to_string().trim_end().to_string()))?;
        let mut packages = Vec::new();
        for (n, p) in file.packages.iter().enumerate() {
            let config = package_config(n, p, &packages)?;
            packages.push(config);
        }
        let mut faults = Vec::new();
        for (n, f) in file.faults.iter().enumerate() {
            faults.push(fault_spec(
                f,
                &|key, why| ScenarioError(format!("fault[{n}] ({}).{key}: {why}", f.kind)),
                &packages,
            )?);
        }
        Ok(Scenario {
            name: file.name,
            seed: file.seed,
            packages,
            faults,
        })
    }
}

/// Package `n` of the file, checked against the packages before it; errors name the
/// package and the key.
fn package_config(
    n: usize,
    p: &PackageFile,
    earlier: &[PackageConfig],
) -> Result<PackageConfig, ScenarioError> {
    let at = |key: &str| format!("package[{n}] (id {}).{key}", p.id);
    let bad = |key: &str, why: String| ScenarioError(format!("{}: {why}", at(key)));
    if p.id > 7 {
        return Err(bad("id", format!("{} is out of range 0..=7", p.id)));
    }
    if earlier.iter().any(|q| q.id == p.id) {
        return Err(bad("id", format!("package {} is defined twice", p.id)));
    }
    if !(1..=31).contains(&p.channels) {
        return Err(bad(
            "channels",
            format!("{} is out of range 1..=31", p.channels),
        ));
    }
    let uuid = match &p.uuid {
        Some(u) => parse_uuid(u).ok_or_else(|| {
            bad(
                "uuid",
                format!("{u:?} is not a UUID (8-4-4-4-12 hex digits)"),
            )
        })?,
        None => {
            let mut u = [0u8; 16];
            u[15] = p.id;
            u[0] = 0x5b;
            u
        }
    };
    if p.firmware_name.len() > 12 {
        return Err(bad(
            "firmware_name",
            format!("{:?} is longer than 12 bytes", p.firmware_name),
        ));
    }
    let mut name = [0u8; 12];
    name[..p.firmware_name.len()].copy_from_slice(p.firmware_name.as_bytes());
    let fw = firmware_version(&p.firmware_version).ok_or_else(|| {
        bad(
            "firmware_version",
            format!(
                "{:?} is not four dotted numbers 0..=255",
                p.firmware_version
            ),
        )
    })?;
    let vendor = match p.vendor_mac.as_deref() {
        None => None,
        Some("mellanox") => Some(VendorGetMac::Mellanox),
        Some("broadcom") => Some(VendorGetMac::Broadcom),
        Some("intel") => Some(VendorGetMac::Intel),
        Some(other) => {
            return Err(bad(
                "vendor_mac",
                format!("{other:?} is not one of \"mellanox\", \"broadcom\", \"intel\""),
            ));
        }
    };
    let base_mac = match &p.base_mac {
        Some(m) => parse_mac(m).ok_or_else(|| {
            bad(
                "base_mac",
                format!("{m:?} is not a MAC address aa:bb:cc:dd:ee:ff"),
            )
        })?,
        None => [0x02, 0x5b, 0, 0, p.id, 0],
    };
    let mc_macs = p
        .mc_macs
        .iter()
        .map(|m| parse_mac(m).ok_or_else(|| bad("mc_macs", format!("{m:?} is not a MAC address"))))
        .collect::<Result<Vec<_>, _>>()?;
    let (supported, link) = link_config(p, &bad)?;
    let card = match &p.card {
        None => None,
        Some(c) => Some(card_config(c, &|key, why| {
            ScenarioError(format!("{}: {why}", at(&format!("card.{key}"))))
        })?),
    };
    let mut aen = AenControl(0b111);
    if card.is_some() {
        aen = AenControl(aen.0 | oem::EVENT_AEN_ENABLE_BIT);
    }
    Ok(PackageConfig {
        id: p.id,
        channels: p.channels,
        uuid,
        version: VersionId {
            ncsi_version: [0xF1, 0xF2, 0xF0, 0x00],
            alpha2: 0,
            firmware_name: name,
            firmware_version: fw,
            pci_device_id: p.pci.device,
            pci_vendor_id: p.pci.vendor,
            pci_subsystem_id: p.pci.subsystem,
            pci_subsystem_vendor_id: p.pci.subsystem_vendor,
            manufacturer_id: p.manufacturer_id,
        },
        capabilities: Capabilities {
            flags: CapabilityFlags(if p.hardware_arbitration {
                0x0D | (2 << 5)
            } else {
                0x0C | (1 << 5)
            }),
            broadcast_filter: BroadcastFilter(0x0F),
            multicast_filter: MulticastFilter(0x07),
            buffering: 16 * 1024,
            aen_control: aen,
            vlan_filter_count: 4,
            mixed_filter_count: 0,
            multicast_filter_count: 2,
            unicast_filter_count: 2,
            vlan_mode_support: 0x05,
            channel_count: p.channels,
        },
        supported_speeds: supported,
        link,
        traffic_fps: p.traffic_fps,
        vendor,
        base_mac,
        mc_macs,
        card,
    })
}

/// The link speeds Set Link may enable and the link status at start.
fn link_config(
    p: &PackageFile,
    bad: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<(LinkSettings, LinkStatus), ScenarioError> {
    let (_, code) = speed(&p.speed).ok_or_else(|| {
        bad(
            "speed",
            format!(
                "{:?} is not one of 10M, 100M, 1G, 2.5G, 10G, 20G, 25G, 40G, 50G, 100G",
                p.speed
            ),
        )
    })?;
    let mut supported = LinkSettings(0);
    for s in &p.speeds {
        let (bit, _) =
            speed(s).ok_or_else(|| bad("speeds", format!("{s:?} is not a link speed")))?;
        supported = supported.with(bit, true);
    }
    supported = supported
        .with(0, true)
        .with(8, true)
        .with(9, true)
        .with(10, true);
    let link = LinkStatus(0)
        .with(0, p.link_up)
        .with_speed_duplex(if p.link_up { code } else { 0 })
        .with(5, true)
        .with(6, p.link_up);
    Ok((supported, link))
}

fn card_config(
    c: &CardFile,
    bad: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<CardConfig, ScenarioError> {
    let strings = [
        ("manufacturer", &c.manufacturer),
        ("model", &c.model),
        ("serial", &c.serial),
        ("part_number", &c.part_number),
        ("firmware_version", &c.firmware_version),
        ("host_name", &c.host_name),
    ];
    for (key, value) in strings {
        if value.len() > oem::MAX_STRING_LEN {
            return Err(bad(
                key,
                format!("is longer than {} bytes", oem::MAX_STRING_LEN),
            ));
        }
    }
    let macs = c
        .bmc_macs
        .iter()
        .map(|m| parse_mac(m).ok_or_else(|| bad("bmc_macs", format!("{m:?} is not a MAC address"))))
        .collect::<Result<Vec<_>, _>>()?;
    let ipv4 = c
        .ipv4
        .iter()
        .map(|a| {
            ip_with_prefix::<4>(a, 32).ok_or_else(|| {
                bad(
                    "ipv4",
                    format!("{a:?} is not an IPv4 address with a prefix, e.g. 192.0.2.20/24"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ipv6 = c
        .ipv6
        .iter()
        .map(|a| {
            ip_with_prefix::<16>(a, 128).ok_or_else(|| {
                bad(
                    "ipv6",
                    format!("{a:?} is not an IPv6 address with a prefix, e.g. fe80::1/64"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let power = power(&c.power)
        .ok_or_else(|| bad("power", format!("{:?} is not \"On\" or \"Off\"", c.power)))?;
    for s in &c.media_schemes {
        if s.is_empty()
            || !s
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        {
            return Err(bad(
                "media_schemes",
                format!("{s:?} is not a lower-case URI scheme"),
            ));
        }
    }
    if c.asset_tag.len() > oem::MAX_ASSET_TAG_LEN {
        return Err(bad(
            "asset_tag",
            format!("{:?} is longer than 64 bytes", c.asset_tag),
        ));
    }
    let system_uuid = match &c.system_uuid {
        Some(u) => parse_uuid(u).ok_or_else(|| {
            bad(
                "system_uuid",
                format!("{u:?} is not a UUID (8-4-4-4-12 hex digits)"),
            )
        })?,
        None => [0; 16],
    };
    let network = NetworkIdentity {
        host_name: c.host_name.clone(),
        macs,
        ipv4,
        ipv6,
    };
    let bmc_network = c
        .bmc_network
        .as_ref()
        .map(|b| bmc_network(b, &network, bad))
        .transpose()?;
    Ok(CardConfig {
        manufacturer_id: c.manufacturer_id,
        identity: BridgeInfo {
            min_version: 1,
            max_version: 1,
            max_chunk: oem::MAX_CHUNK as u16,
            capabilities: 0,
            uuid: [0; 16],
            manufacturer: c.manufacturer.clone(),
            model: c.model.clone(),
            serial: c.serial.clone(),
            part_number: c.part_number.clone(),
            firmware_version: c.firmware_version.clone(),
        },
        network,
        firmware: c
            .firmware
            .iter()
            .map(|f| FirmwareComponent {
                name: f.name.clone(),
                version: f.version.clone(),
                updateable: f.updateable,
            })
            .collect(),
        timing: Timing {
            power_off_ms: c.timing.power_off_ms,
            power_on_ms: c.timing.power_on_ms,
            boot_step_ms: c.timing.boot_step_ms,
            media_attach_ms: c.timing.media_attach_ms,
        },
        media_schemes: c.media_schemes.clone(),
        usb_slot: c.usb_slot,
        legacy_boot: c.legacy_boot,
        power,
        oem_1_1: c.oem_1_1,
        asset_tag: c.asset_tag.clone(),
        system_uuid,
        host: c.host.as_ref().map(|h| host(h, bad)).transpose()?,
        bmc_network,
        sensors: c.sensors.as_ref().map(|f| sensors(f, bad)).transpose()?,
        adapter: c.adapter.as_ref().map(|f| adapter(f, bad)).transpose()?,
        bios: c.bios.as_ref().map(|f| bios(f, bad)).transpose()?,
    })
}

fn fault_spec(
    f: &FaultFile,
    bad: &dyn Fn(&str, String) -> ScenarioError,
    packages: &[PackageConfig],
) -> Result<FaultSpec, ScenarioError> {
    let kind = match f.kind.as_str() {
        "drop" => FaultKind::Drop,
        "delay" => FaultKind::Delay { ms: f.delay_ms },
        "duplicate" => FaultKind::Duplicate,
        "corrupt_checksum" => FaultKind::CorruptChecksum,
        "truncate" => FaultKind::Truncate,
        "stale_iid" => FaultKind::StaleIid,
        "aen_storm" => FaultKind::AenStorm { count: f.count },
        "package_vanish" => FaultKind::PackageVanish {
            duration_ms: f.duration_ms,
        },
        "link_flap" => FaultKind::LinkFlap {
            duration_ms: f.duration_ms,
            period_ms: f.period_ms,
        },
        "card_busy" => FaultKind::CardBusy {
            duration_ms: f.duration_ms,
        },
        "sensor_offset" => {
            let list = f
                .package
                .and_then(|p| packages.iter().find(|q| q.id == p))
                .and_then(|p| p.card.as_ref())
                .and_then(|c| c.sensors.as_ref())
                .ok_or_else(|| {
                    bad(
                        "package",
                        "a sensor_offset needs a package whose card has sensors".into(),
                    )
                })?;
            let name = f.sensor.as_deref().unwrap_or_default();
            let index = list
                .sensors
                .iter()
                .position(|x| x.name == name)
                .ok_or_else(|| bad("sensor", format!("{name:?} is not a sensor of that card")))?;
            let offset = f.offset.and_then(milli).ok_or_else(|| {
                bad(
                    "offset",
                    "a sensor_offset needs offset (in the sensor's unit)".into(),
                )
            })?;
            FaultKind::SensorOffset {
                sensor: index as u8,
                offset,
                duration_ms: f.duration_ms,
            }
        }
        other => {
            return Err(bad(
                "kind",
                format!(
                    "{other:?} is not one of drop, delay, duplicate, corrupt_checksum, truncate, stale_iid, aen_storm, package_vanish, link_flap, card_busy, sensor_offset"
                ),
            ));
        }
    };
    if let Some(p) = f.package {
        let Some(pkg) = packages.iter().find(|q| q.id == p) else {
            return Err(bad(
                "package",
                format!("there is no package {p} in this scenario"),
            ));
        };
        if let Some(c) = f.channel {
            if c >= pkg.channels {
                return Err(bad(
                    "channel",
                    format!("package {p} has {} channels", pkg.channels),
                ));
            }
        }
    }
    let command = match &f.command {
        None => None,
        Some(name) => Some(
            sidebridge_protocol::ncsi::CommandType::ALL
                .into_iter()
                .find(|t| t.name().eq_ignore_ascii_case(name) || format!("{t:?}").eq_ignore_ascii_case(name))
                .ok_or_else(|| bad("command", format!("{name:?} is not an NC-SI command name, e.g. \"Get Link Status\" or \"Oem\"")))?,
        ),
    };
    let timed = matches!(
        kind,
        FaultKind::AenStorm { .. }
            | FaultKind::PackageVanish { .. }
            | FaultKind::LinkFlap { .. }
            | FaultKind::CardBusy { .. }
            | FaultKind::SensorOffset { .. }
    );
    let trigger = match (f.probability, f.after_commands, f.at_ms) {
        (Some(p), None, None) if !timed => {
            if !(0.0..=1.0).contains(&p) {
                return Err(bad("probability", format!("{p} is not between 0 and 1")));
            }
            Trigger::Random { probability: p }
        }
        (None, Some(n), None) if !timed => Trigger::AfterCommands {
            after: n,
            count: f.count,
        },
        (None, None, Some(at)) if timed => Trigger::At { at_ms: at },
        _ if timed => {
            return Err(bad(
                "at_ms",
                "this fault happens at a time: give at_ms (and no probability/after_commands)"
                    .into(),
            ));
        }
        _ => {
            return Err(bad(
                "probability",
                "give exactly one of probability (random) or after_commands (scripted)".into(),
            ));
        }
    };
    if matches!(kind, FaultKind::Delay { ms: 0 }) {
        return Err(bad("delay_ms", "a delay fault needs delay_ms > 0".into()));
    }
    if matches!(
        kind,
        FaultKind::PackageVanish { duration_ms: 0 }
            | FaultKind::CardBusy { duration_ms: 0 }
            | FaultKind::SensorOffset { duration_ms: 0, .. }
            | FaultKind::LinkFlap { duration_ms: 0, .. }
    ) {
        return Err(bad(
            "duration_ms",
            "this fault needs duration_ms > 0".into(),
        ));
    }
    if matches!(kind, FaultKind::LinkFlap { period_ms: 0, .. }) {
        return Err(bad("period_ms", "a link flap needs period_ms > 0".into()));
    }
    if matches!(
        kind,
        FaultKind::PackageVanish { .. }
            | FaultKind::CardBusy { .. }
            | FaultKind::AenStorm { .. }
            | FaultKind::LinkFlap { .. }
    ) && f.package.is_none()
    {
        return Err(bad("package", "this fault needs a package".into()));
    }
    Ok(FaultSpec {
        kind,
        trigger,
        package: f.package,
        channel: f.channel,
        command,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        assert_eq!(
            parse_mac("02:aa:BB:0c:0d:0e"),
            Some([2, 0xaa, 0xbb, 0x0c, 0x0d, 0x0e])
        );
        assert_eq!(parse_mac("02:aa:bb:0c:0d"), None);
        assert_eq!(parse_mac("02:aa:bb:0c:0d:0g"), None);
        assert_eq!(
            parse_uuid("00112233-4455-6677-8899-aabbccddeeff").unwrap()[15],
            0xff
        );
        assert_eq!(parse_uuid("00112233-4455-6677-8899aabbccddeeff"), None);
        assert_eq!(
            ip_with_prefix::<4>("192.0.2.1/24", 32),
            Some(([192, 0, 2, 1], 24))
        );
        assert_eq!(ip_with_prefix::<4>("192.0.2.1/33", 32), None);
        assert_eq!(ip_with_prefix::<4>("fe80::1/64", 32), None);
        assert_eq!(firmware_version("28.39.10.2"), Some(0x1C27_0A02));
        assert_eq!(firmware_version("28.39.1002.2"), None);
    }

    /// An adapter whose settings at start break OEM.md §4.24, or with a name the
    /// schema does not know, is refused with the key.
    #[test]
    fn adapter_keys_are_checked() {
        let card = |adapter: &str| {
            format!(
                "name = \"x\"\n[[package]]\nid = 0\nchannels = 1\n[package.card]\n[package.card.adapter]\n{adapter}\n"
            )
        };
        let ok = card(
            "ports = [{ channel = 0, speeds_mbps = [25000], autoneg = false, speed_mbps = 25000 }]",
        );
        let s = Scenario::parse(&ok).unwrap();
        let a = s.packages[0]
            .card
            .as_ref()
            .unwrap()
            .adapter
            .as_ref()
            .unwrap();
        assert_eq!(a.current.ports[0].speed_mbps, 25_000);
        for (bad, key) in [
            (
                "ports = [{ channel = 0, speeds_mbps = [25000], autoneg = false, speed_mbps = 10000 }]",
                "port 0:",
            ),
            (
                "ports = [{ channel = 0, speeds_mbps = [25000], transceiver = \"SFP9\" }]",
                "adapter.ports.transceiver",
            ),
            ("class_code = \"0x1000000\"", "adapter.class_code"),
            (
                "functions = [{ technologies = [\"Ethernet\"], boot_mode = \"HTTP\" }]",
                "function 0:",
            ),
        ] {
            let e = Scenario::parse(&card(bad)).unwrap_err().to_string();
            assert!(e.contains(key), "{bad}: {e}");
        }
    }
}
