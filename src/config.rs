//! The daemon's configuration file (TOML). Every key is checked; errors name the file,
//! the key and what is wrong with the value. `deploy/` will ship commented examples;
//! the keys are:
//!
//! ```toml
//! [ncsi]
//! interface = "eth0"             # the BMC's NC-SI interface
//! transport = "raw"              # raw (AF_PACKET) | netlink (the kernel's NC-SI driver)
//!                                # | mctp-serial (NC-SI over MCTP on a serial line)
//!                                # | mctp (the kernel's AF_MCTP; EIDs from mctpd)
//!                                # | none (no NC-SI path: [[card_bmc]] cards only)
//! serial = "/dev/ttyS2"          # mctp-serial only: the tty (interface is then unused)
//! mctp_eid = 9                   # mctp-serial: EID assigned to the card's controller
//! mctp_local_eid = 8             # mctp-serial: our own (bus owner) EID
//! timeout_ms = 1000              # per command attempt (1..=60000)
//! retries = 2                    # attempts after the first (0..=10)
//! probe_timeout_ms = 200         # per discovery probe (1..=60000)
//! monitor_interval_ms = 1000     # link poll of the active channel (100..=3600000)
//! rediscover_interval_ms = 10000 # probe for missing packages (1000..=3600000)
//! statistics_interval_ms = 60000 # read every port's counters (0 = only when asked; else 1000..=86400000)
//! statistics_max_age_ms = 10000  # a GET older than this reads them again (0..=3600000)
//! packages = [0, 1, 2, 3, 4, 5, 6, 7]
//! preferred_package = 0          # optional, with preferred_channel
//! preferred_channel = 0
//! pcap = "/run/sidebridge/ncsi.pcap"   # optional: record NC-SI traffic
//!
//! [[mctp_serial]]                # optional: a card on its own MCTP serial line, next
//! package = 2                    # to the [ncsi] path; its NC-SI package id (unique)
//! serial = "/dev/ttyS3"
//! eid = 10                       # EID given to its controller (default 9)
//!
//! [[card_bmc]]                   # optional: a card whose BMC is its own MCTP
//! serial = "/dev/ttyS4"          # endpoint on a serial line (or mctp_net = 1: the
//!                                # kernel's AF_MCTP) (the OEM set as MCTP
//! eid = 20                       # vendor-defined messages; `sidebridge agent` there)
//! enterprise = 32473             # IANA number of those messages (default 32473)
//! timeout_ms = 5000              # per frame (1..=600000); retries = 2 (0..=10)
//!
//! [[card]]                       # optional, per package: OEM manufacturer id
//! package = 0
//! manufacturer_id = 32473
//!
//! [redfish]
//! listen = "0.0.0.0:443"         # HTTPS
//! http_listen = "127.0.0.1:8080" # optional plain HTTP, loopback only (bmcweb satellite)
//! state_dir = "/var/lib/sidebridge"
//! certificate = "/etc/sidebridge/cert.pem"   # optional, with private_key; else generated
//! private_key = "/etc/sidebridge/key.pem"
//! event_ca_file = "/etc/ssl/certs/ca-certificates.crt"  # CAs for https event destinations
//! event_destination_networks = ["10.0.0.0/8"]  # where events may go (default: loopback
//!                                # and the BMC's own networks)
//! max_connections = 128          # per listener; one more is answered 503 (1..=4096)
//! header_timeout_ms = 10000      # TLS handshake, then request line and headers
//! idle_timeout_ms = 30000        # a connection without traffic is closed
//! max_header_bytes = 16384       # request line and headers (8192..=65536; else 431)
//! ```

use crate::ncsi::{ManagerConfig, Timing};
use crate::redfish::auth::Role;
use serde::Deserialize;
use sidebridge_protocol::ncsi::ChannelId;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a configuration could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// How NC-SI packets reach the network controllers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// An AF_PACKET raw socket on the interface (needs CAP_NET_RAW).
    Raw,
    /// The Linux kernel's NC-SI generic netlink family (needs CAP_NET_ADMIN).
    Netlink,
    /// NC-SI over MCTP (DSP0261) on a serial line (DSP0253), sidebridge as bus owner.
    #[serde(rename = "mctp-serial")]
    MctpSerial,
    /// NC-SI over the kernel's MCTP stack (`AF_MCTP`, Linux 5.15+), routes and EIDs set
    /// up by mctpd.
    Mctp,
    /// No NC-SI path: the cards are `[[card_bmc]]` links only.
    None,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// NC-SI settings.
    pub ncsi: NcsiConfig,
    /// Per-card settings.
    #[serde(default, rename = "card")]
    pub cards: Vec<CardSettings>,
    /// Cards on their own MCTP serial lines.
    #[serde(default, rename = "mctp_serial")]
    pub mctp_lines: Vec<MctpLine>,
    /// Card BMCs that are their own MCTP endpoints.
    #[serde(default, rename = "card_bmc")]
    pub card_bmcs: Vec<CardBmcLine>,
    /// The Redfish service.
    #[serde(default)]
    pub redfish: RedfishConfig,
    /// The D-Bus face (OpenBMC).
    #[serde(default)]
    pub dbus: DbusConfig,
    /// Cards authenticated with SPDM.
    #[serde(default, rename = "spdm")]
    pub spdm: Vec<SpdmConfig>,
}

/// `[[spdm]]`: a card's SPDM responder (its NIC or root of trust) reached over MCTP,
/// and how much its authentication counts (README "Card authentication (SPDM)").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpdmConfig {
    /// The NC-SI package of the card it authenticates.
    pub package: u8,
    /// The tty of an MCTP serial line of its own (this BMC the bus owner).
    pub serial: Option<PathBuf>,
    /// Or the kernel's `AF_MCTP` network (EIDs and routes from mctpd).
    pub mctp_net: Option<u32>,
    /// The responder's EID.
    #[serde(default = "d_mctp_eid")]
    pub eid: u8,
    /// CA certificates (PEM or DER files) the card's chain must verify to: the
    /// vendor's, or this card's own.
    #[serde(default)]
    pub trust_anchors: Vec<PathBuf>,
    /// `require` (default), `trust_on_first_use` or `none`.
    #[serde(default)]
    pub mode: crate::spdm::Mode,
    /// The certificate slot, 0..=7.
    #[serde(default)]
    pub slot: u8,
    /// Authenticate again every this many seconds.
    #[serde(default = "d_spdm_period")]
    pub period_s: u64,
    /// How long one SPDM request waits, ms.
    #[serde(default = "d_spdm_timeout")]
    pub timeout_ms: u64,
    /// Expected measurement values, hex, by index (`"1" = "8d53…"`); an index not
    /// listed takes the first value seen.
    #[serde(default)]
    pub measurements: std::collections::BTreeMap<String, String>,
}

impl SpdmConfig {
    /// The configured reference measurements, checked.
    pub fn reference(&self) -> Result<Option<std::collections::BTreeMap<u8, Vec<u8>>>, String> {
        if self.measurements.is_empty() {
            return Ok(None);
        }
        let mut out = std::collections::BTreeMap::new();
        for (k, v) in &self.measurements {
            let index: u8 = k
                .parse()
                .ok()
                .filter(|i| (1..=0xFE).contains(i))
                .ok_or_else(|| format!("measurements: index {k:?} is not 1 to 254"))?;
            let bytes = sidebridge_protocol::text::from_hex(v.trim())
                .ok_or_else(|| format!("measurements.{k}: not a hex string"))?;
            out.insert(index, bytes);
        }
        Ok(Some(out))
    }
}

fn d_spdm_period() -> u64 {
    3600
}
fn d_spdm_timeout() -> u64 {
    5000
}

/// `[dbus]`: publish the cards on D-Bus (builds with the `dbus` feature).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbusConfig {
    /// Publish (default false).
    #[serde(default)]
    pub enabled: bool,
    /// `"system"` (the default) or a D-Bus server address (`unix:path=…`).
    #[serde(default = "d_bus")]
    pub bus: String,
    /// The well-known name to own.
    #[serde(default = "d_bus_name")]
    pub name: String,
    /// The chassis inventory object the cards are `contained_by`, when given.
    pub chassis: Option<String>,
    /// How often the published values are compared with the cache, besides every card
    /// event (ms, 100..=60000).
    #[serde(default = "d_bus_poll")]
    pub poll_interval_ms: u64,
}

impl Default for DbusConfig {
    fn default() -> Self {
        DbusConfig {
            enabled: false,
            bus: d_bus(),
            name: d_bus_name(),
            chassis: None,
            poll_interval_ms: d_bus_poll(),
        }
    }
}

fn d_bus() -> String {
    "system".into()
}
fn d_bus_name() -> String {
    "xyz.openbmc_project.Sidebridge".into()
}
fn d_bus_poll() -> u64 {
    1000
}

/// Whether `s` is a valid D-Bus well-known bus name (D-Bus specification, "Valid Bus
/// Names": two or more dot-separated elements of `[A-Za-z0-9_-]`, none starting with a
/// digit, at most 255 bytes).
fn is_bus_name(s: &str) -> bool {
    s.len() <= 255
        && s.split('.').count() >= 2
        && s.split('.').all(|e| {
            !e.is_empty()
                && !e.starts_with(|c: char| c.is_ascii_digit())
                && e.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// Whether `s` is a valid D-Bus object path other than `/` ("Valid Object Paths").
fn is_object_path(s: &str) -> bool {
    s.len() > 1
        && s.starts_with('/')
        && s[1..]
            .split('/')
            .all(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

fn check_dbus(d: &DbusConfig) -> Result<(), ConfigError> {
    if !d.enabled {
        return Ok(());
    }
    if cfg!(not(feature = "dbus")) {
        return Err(ConfigError(
            "dbus.enabled: this sidebridge was built without D-Bus support (the `dbus` feature)"
                .into(),
        ));
    }
    if d.bus != "system" && !d.bus.contains(':') {
        return Err(ConfigError(format!(
            "dbus.bus: {:?} is neither \"system\" nor a D-Bus address such as \"unix:path=/run/dbus/system_bus_socket\"",
            d.bus
        )));
    }
    if !is_bus_name(&d.name) {
        return Err(ConfigError(format!(
            "dbus.name: {:?} is not a D-Bus bus name (dot-separated elements of letters, digits, _ and -)",
            d.name
        )));
    }
    if let Some(c) = &d.chassis {
        if !is_object_path(c) || !c.starts_with("/xyz/openbmc_project/inventory/") {
            return Err(ConfigError(format!(
                "dbus.chassis: {c:?} is not an object path under /xyz/openbmc_project/inventory/"
            )));
        }
    }
    range("dbus.poll_interval_ms", d.poll_interval_ms, 100, 60_000)
}

/// `[redfish]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedfishConfig {
    /// HTTPS listen address.
    #[serde(default = "d_listen")]
    pub listen: std::net::SocketAddr,
    /// Optional plain-HTTP listener (loopback only: a bmcweb satellite).
    pub http_listen: Option<std::net::SocketAddr>,
    /// Requests on the plain listener without credentials: refused (`"required"`, the
    /// default) or served with this role (`"Operator"`, `"ReadOnly"`,
    /// `"Administrator"`). bmcweb's aggregator sends no credentials to a satellite.
    #[serde(default)]
    pub http_unauthenticated_role: Unauthenticated,
    /// Accounts, subscriptions, generated certificate.
    #[serde(default = "d_state_dir")]
    pub state_dir: PathBuf,
    /// TLS certificate chain (PEM); generated when absent.
    pub certificate: Option<PathBuf>,
    /// TLS private key (PEM).
    pub private_key: Option<PathBuf>,
    /// The CAs (PEM bundle) an `https://` event destination must chain to; the
    /// system's bundle when absent.
    pub event_ca_file: Option<PathBuf>,
    /// The networks event destinations may be on (CIDR); absent: loopback and the
    /// BMC's own networks.
    pub event_destination_networks: Option<Vec<String>>,
    /// Connections served at once per listener (1..=4096).
    #[serde(default = "d_max_connections")]
    pub max_connections: usize,
    /// The TLS handshake, then the request line and headers, must arrive within this
    /// (ms, 100..=600000).
    #[serde(default = "d_header_timeout")]
    pub header_timeout_ms: u64,
    /// A connection without traffic for this long is closed (ms, 100..=3600000).
    #[serde(default = "d_idle_timeout")]
    pub idle_timeout_ms: u64,
    /// The request line and headers may take at most this many bytes (8192..=65536).
    #[serde(default = "d_max_header_bytes")]
    pub max_header_bytes: usize,
}

fn d_max_connections() -> usize {
    crate::daemon::ConnectionLimits::default().max_connections
}
fn d_header_timeout() -> u64 {
    crate::daemon::ConnectionLimits::default()
        .header_timeout
        .as_millis() as u64
}
fn d_idle_timeout() -> u64 {
    crate::daemon::ConnectionLimits::default()
        .idle_timeout
        .as_millis() as u64
}
fn d_max_header_bytes() -> usize {
    crate::daemon::ConnectionLimits::default().max_header_bytes
}

impl RedfishConfig {
    /// The connection limits of both listeners.
    pub fn limits(&self) -> crate::daemon::ConnectionLimits {
        crate::daemon::ConnectionLimits {
            max_connections: self.max_connections,
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            max_header_bytes: self.max_header_bytes,
        }
    }
}

impl Default for RedfishConfig {
    fn default() -> Self {
        RedfishConfig {
            listen: d_listen(),
            http_listen: None,
            http_unauthenticated_role: Unauthenticated::Refused,
            state_dir: d_state_dir(),
            certificate: None,
            private_key: None,
            event_ca_file: None,
            event_destination_networks: None,
            max_connections: d_max_connections(),
            header_timeout_ms: d_header_timeout(),
            idle_timeout_ms: d_idle_timeout(),
            max_header_bytes: d_max_header_bytes(),
        }
    }
}

fn d_listen() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([0, 0, 0, 0], 443))
}
/// What the plain listener does with a request that carries no credentials
/// (`redfish.http_unauthenticated_role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unauthenticated {
    /// Refused with 401 (`"required"`, the default).
    #[default]
    Refused,
    /// Served with this role (`"Operator"`, `"ReadOnly"`, `"Administrator"`).
    As(Role),
}

impl<'de> Deserialize<'de> for Unauthenticated {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "required" {
            return Ok(Unauthenticated::Refused);
        }
        Role::from_name(&s).map(Unauthenticated::As).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{s:?} is not one of \"required\", \"Operator\", \"ReadOnly\", \"Administrator\""
            ))
        })
    }
}
fn d_state_dir() -> PathBuf {
    PathBuf::from("/var/lib/sidebridge")
}

/// `[ncsi]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NcsiConfig {
    /// Interface name (raw and netlink).
    #[serde(default)]
    pub interface: String,
    /// The serial device (mctp-serial).
    pub serial: Option<PathBuf>,
    /// EID the bus owner assigns to the card's controller (mctp-serial).
    #[serde(default = "d_mctp_eid")]
    pub mctp_eid: u8,
    /// Our own EID as bus owner (mctp-serial).
    #[serde(default = "d_mctp_local_eid")]
    pub mctp_local_eid: u8,
    /// Transport.
    #[serde(default = "raw")]
    pub transport: TransportKind,
    /// Per attempt, ms.
    #[serde(default = "d_timeout")]
    pub timeout_ms: u64,
    /// Retries.
    #[serde(default = "d_retries")]
    pub retries: u32,
    /// Per probe, ms.
    #[serde(default = "d_probe")]
    pub probe_timeout_ms: u64,
    /// Link poll interval, ms.
    #[serde(default = "d_monitor")]
    pub monitor_interval_ms: u64,
    /// Rediscovery interval, ms.
    #[serde(default = "d_rediscover")]
    pub rediscover_interval_ms: u64,
    /// How often every port's statistics are read, ms (0: only when a GET finds them
    /// stale).
    #[serde(default = "d_statistics_interval")]
    pub statistics_interval_ms: u64,
    /// Statistics older than this are read again when a GET asks for them, ms.
    #[serde(default = "d_statistics_max_age")]
    pub statistics_max_age_ms: u64,
    /// Package ids to probe.
    #[serde(default = "d_packages")]
    pub packages: Vec<u8>,
    /// Preferred package.
    pub preferred_package: Option<u8>,
    /// Preferred channel (with the preferred package).
    pub preferred_channel: Option<u8>,
    /// Record traffic here.
    pub pcap: Option<PathBuf>,
}

/// `[[mctp_serial]]`: a card reached by NC-SI over MCTP on its own serial line, while
/// the other packages use the `[ncsi]` path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MctpLine {
    /// The NC-SI package id of the controller on this line.
    pub package: u8,
    /// The tty.
    pub serial: PathBuf,
    /// EID given to the controller.
    #[serde(default = "d_mctp_eid")]
    pub eid: u8,
}

/// `[[card_bmc]]`: a card BMC that is its own MCTP endpoint on a serial line, reached
/// with the OEM set as vendor-defined messages (OEM.md §2.1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardBmcLine {
    /// The tty (MCTP over a serial line, this BMC the bus owner).
    pub serial: Option<PathBuf>,
    /// Or the kernel's `AF_MCTP` network (EIDs and routes from mctpd).
    pub mctp_net: Option<u32>,
    /// EID given to the card BMC.
    #[serde(default = "d_card_bmc_eid")]
    pub eid: u8,
    /// The IANA enterprise number of the vendor-defined messages.
    #[serde(default = "d_enterprise")]
    pub enterprise: u32,
    /// How long one frame waits for its answer (the agent executes each request
    /// against the card's Redfish service before answering), ms.
    #[serde(default = "d_card_bmc_timeout")]
    pub timeout_ms: u64,
    /// Attempts after the first.
    #[serde(default = "d_retries")]
    pub retries: u32,
}

fn d_card_bmc_timeout() -> u64 {
    5000
}
fn d_card_bmc_eid() -> u8 {
    20
}
fn d_enterprise() -> u32 {
    sidebridge_protocol::oem::DEFAULT_MANUFACTURER_ID
}

/// `[[card]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardSettings {
    /// Package id.
    pub package: u8,
    /// OEM manufacturer id.
    pub manufacturer_id: u32,
}

fn d_mctp_eid() -> u8 {
    9
}
fn d_mctp_local_eid() -> u8 {
    8
}
fn raw() -> TransportKind {
    TransportKind::Raw
}
fn d_timeout() -> u64 {
    1000
}
fn d_retries() -> u32 {
    2
}
fn d_probe() -> u64 {
    200
}
fn d_monitor() -> u64 {
    1000
}
fn d_rediscover() -> u64 {
    10_000
}
fn d_statistics_interval() -> u64 {
    60_000
}
fn d_statistics_max_age() -> u64 {
    10_000
}
fn d_packages() -> Vec<u8> {
    (0..8).collect()
}

fn range<T: PartialOrd + std::fmt::Display>(
    key: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result<(), ConfigError> {
    if v < lo || v > hi {
        return Err(ConfigError(format!(
            "{key}: {v} is out of range {lo}..={hi}"
        )));
    }
    Ok(())
}

impl Config {
    /// Loads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!("cannot read configuration {}: {e}", path.display()))
        })?;
        Self::parse(&text).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
    }

    /// Parses and checks configuration text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let c: Config =
            toml::from_str(text).map_err(|e| ConfigError(e.to_string().trim_end().to_string()))?;
        check_ncsi(&c.ncsi)?;
        check_redfish(&c.redfish)?;
        check_dbus(&c.dbus)?;
        check_mctp_lines(&c.mctp_lines, &c.ncsi)?;
        check_card_bmcs(&c)?;
        check_cards(&c.cards)?;
        check_spdm(&c)?;
        Ok(c)
    }

    /// The manager settings this configuration asks for.
    pub fn manager_config(&self) -> ManagerConfig {
        let n = &self.ncsi;
        ManagerConfig {
            // Without an NC-SI path there is nothing to probe.
            packages: if n.transport == TransportKind::None {
                Vec::new()
            } else {
                n.packages.clone()
            },
            probe: Timing {
                timeout: Duration::from_millis(n.probe_timeout_ms),
                retries: 0,
            },
            command: Timing {
                timeout: Duration::from_millis(n.timeout_ms),
                retries: n.retries,
            },
            preferred: n
                .preferred_package
                .zip(n.preferred_channel)
                .map(|(p, c)| ChannelId::new(p, c)),
            monitor_interval: Duration::from_millis(n.monitor_interval_ms),
            rediscover_interval: Duration::from_millis(n.rediscover_interval_ms),
            statistics_interval: Duration::from_millis(n.statistics_interval_ms),
            statistics_max_age: Duration::from_millis(n.statistics_max_age_ms),
            card_manufacturer: self
                .cards
                .iter()
                .map(|c| (c.package, c.manufacturer_id))
                .collect(),
        }
    }
}

/// `[ncsi]`: transport, device, EIDs, timings, packages, preference.
fn check_ncsi(n: &NcsiConfig) -> Result<(), ConfigError> {
    if n.transport == TransportKind::Mctp {
        range("ncsi.mctp_eid", n.mctp_eid, 8, 0xFE)?;
    } else if n.transport == TransportKind::MctpSerial {
        if n.serial.is_none() {
            return Err(ConfigError(
                "ncsi.serial: transport \"mctp-serial\" needs the serial device, e.g. serial = \"/dev/ttyS2\"".into(),
            ));
        }
        range("ncsi.mctp_eid", n.mctp_eid, 8, 0xFE)?;
        range("ncsi.mctp_local_eid", n.mctp_local_eid, 8, 0xFE)?;
        if n.mctp_eid == n.mctp_local_eid {
            return Err(ConfigError(format!(
                "ncsi.mctp_eid: {} is also ncsi.mctp_local_eid; the two ends need different EIDs",
                n.mctp_eid
            )));
        }
    } else if n.transport == TransportKind::None {
        // Nothing to check: no NC-SI path.
    } else if n.interface.is_empty() || n.interface.len() > 15 || n.interface.contains(['/', ' ']) {
        return Err(ConfigError(format!(
            "ncsi.interface: {:?} is not a network interface name",
            n.interface
        )));
    }
    if n.serial.is_some() && n.transport != TransportKind::MctpSerial {
        return Err(ConfigError(
            "ncsi.serial: only used with transport = \"mctp-serial\"".into(),
        ));
    }
    range("ncsi.timeout_ms", n.timeout_ms, 1, 60_000)?;
    range("ncsi.retries", n.retries, 0, 10)?;
    range("ncsi.probe_timeout_ms", n.probe_timeout_ms, 1, 60_000)?;
    range(
        "ncsi.monitor_interval_ms",
        n.monitor_interval_ms,
        100,
        3_600_000,
    )?;
    range(
        "ncsi.rediscover_interval_ms",
        n.rediscover_interval_ms,
        1000,
        3_600_000,
    )?;
    if n.statistics_interval_ms != 0 {
        range(
            "ncsi.statistics_interval_ms",
            n.statistics_interval_ms,
            1000,
            86_400_000,
        )?;
    }
    range(
        "ncsi.statistics_max_age_ms",
        n.statistics_max_age_ms,
        0,
        3_600_000,
    )?;
    if n.packages.is_empty() {
        return Err(ConfigError(
            "ncsi.packages: at least one package id is needed".into(),
        ));
    }
    for p in &n.packages {
        range("ncsi.packages", *p, 0, 7)?;
    }
    match (n.preferred_package, n.preferred_channel) {
        (Some(p), Some(ch)) => {
            range("ncsi.preferred_package", p, 0, 7)?;
            range("ncsi.preferred_channel", ch, 0, 30)?;
        }
        (None, None) => {}
        _ => {
            return Err(ConfigError(
                "ncsi.preferred_package and ncsi.preferred_channel go together".into(),
            ));
        }
    }
    Ok(())
}

/// `[redfish]`: the plain listener only on loopback, certificate with key.
fn check_redfish(r: &RedfishConfig) -> Result<(), ConfigError> {
    if let Some(h) = r.http_listen {
        if !h.ip().is_loopback() {
            return Err(ConfigError(format!(
                "redfish.http_listen: {h} is not a loopback address (plain HTTP is for a local bmcweb only)"
            )));
        }
    }
    if let Some(n) = &r.event_destination_networks {
        crate::redfish::delivery::Networks::parse(n)
            .map_err(|e| ConfigError(format!("redfish.event_destination_networks: {e}")))?;
    }
    range("redfish.max_connections", r.max_connections, 1, 4096)?;
    range(
        "redfish.header_timeout_ms",
        r.header_timeout_ms,
        100,
        600_000,
    )?;
    range("redfish.idle_timeout_ms", r.idle_timeout_ms, 100, 3_600_000)?;
    range("redfish.max_header_bytes", r.max_header_bytes, 8192, 65_536)?;
    if r.certificate.is_some() != r.private_key.is_some() {
        return Err(ConfigError(
            "redfish.certificate and redfish.private_key go together".into(),
        ));
    }
    Ok(())
}

/// `[[mctp_serial]]`: each line's package and EID valid, probed, and used once.
fn check_mctp_lines(lines: &[MctpLine], n: &NcsiConfig) -> Result<(), ConfigError> {
    for (i, line) in lines.iter().enumerate() {
        let key = |k: &str| format!("mctp_serial[{i}].{k}");
        range(&key("package"), line.package, 0, 7)?;
        range(&key("eid"), line.eid, 8, 0xFE)?;
        if line.eid == n.mctp_local_eid {
            return Err(ConfigError(format!(
                "{}: {} is also ncsi.mctp_local_eid; the two ends need different EIDs",
                key("eid"),
                line.eid
            )));
        }
        if !n.packages.contains(&line.package) {
            return Err(ConfigError(format!(
                "{}: package {} is not in ncsi.packages, so it would never be probed",
                key("package"),
                line.package
            )));
        }
        let earlier = &lines[..i];
        if earlier.iter().any(|o| o.package == line.package) {
            return Err(ConfigError(format!(
                "{}: package {} is configured twice",
                key("package"),
                line.package
            )));
        }
        if earlier.iter().any(|o| o.serial == line.serial)
            || n.serial.as_ref() == Some(&line.serial)
        {
            return Err(ConfigError(format!(
                "{}: {} is used twice",
                key("serial"),
                line.serial.display()
            )));
        }
    }
    Ok(())
}

/// `[[card_bmc]]`: valid EIDs, each tty used once.
fn check_card_bmcs(c: &Config) -> Result<(), ConfigError> {
    for (i, line) in c.card_bmcs.iter().enumerate() {
        let key = |k: &str| format!("card_bmc[{i}].{k}");
        range(&key("eid"), line.eid, 8, 0xFE)?;
        range(&key("timeout_ms"), line.timeout_ms, 1, 600_000)?;
        range(&key("retries"), line.retries, 0, 10)?;
        if line.eid == c.ncsi.mctp_local_eid {
            return Err(ConfigError(format!(
                "{}: {} is also ncsi.mctp_local_eid (our own EID); the two ends need different EIDs",
                key("eid"),
                line.eid
            )));
        }
        let serial = match (&line.serial, line.mctp_net) {
            (Some(s), None) => s,
            (None, Some(_)) => {
                if c.card_bmcs[..i].iter().any(|o| o.mctp_net.is_some()) {
                    return Err(ConfigError(format!(
                        "{}: one AF_MCTP card BMC per platform so far (one socket binds the message type)",
                        key("mctp_net")
                    )));
                }
                continue;
            }
            _ => {
                return Err(ConfigError(format!(
                    "card_bmc[{i}]: give serial = \"/dev/ttyS4\" or mctp_net = 1 (the kernel's AF_MCTP), one of them"
                )));
            }
        };
        let used = c.ncsi.serial.as_ref() == Some(serial)
            || c.mctp_lines.iter().any(|m| &m.serial == serial)
            || c.card_bmcs[..i]
                .iter()
                .any(|o| o.serial.as_ref() == Some(serial));
        if used {
            return Err(ConfigError(format!(
                "{}: {} is used twice",
                key("serial"),
                serial.display()
            )));
        }
    }
    if c.ncsi.transport == TransportKind::None && c.card_bmcs.is_empty() {
        return Err(ConfigError(
            "ncsi.transport: \"none\" leaves no way to reach a card; add a [[card_bmc]]".into(),
        ));
    }
    Ok(())
}

/// `[[spdm]]`: one responder per package, one way to reach it, anchors for `require`.
fn check_spdm(c: &Config) -> Result<(), ConfigError> {
    for (i, t) in c.spdm.iter().enumerate() {
        let key = |k: &str| format!("spdm[{i}].{k}");
        range(&key("package"), t.package, 0, 7)?;
        range(&key("eid"), t.eid, 8, 0xFE)?;
        range(&key("slot"), t.slot, 0, 7)?;
        range(&key("period_s"), t.period_s, 10, 86_400 * 30)?;
        range(&key("timeout_ms"), t.timeout_ms, 10, 60_000)?;
        if c.spdm[..i].iter().any(|o| o.package == t.package) {
            return Err(ConfigError(format!(
                "{}: package {} has two SPDM responders",
                key("package"),
                t.package
            )));
        }
        match (&t.serial, t.mctp_net) {
            (Some(s), None) => {
                let used = c.ncsi.serial.as_ref() == Some(s)
                    || c.mctp_lines.iter().any(|m| &m.serial == s)
                    || c.card_bmcs.iter().any(|o| o.serial.as_ref() == Some(s))
                    || c.spdm[..i].iter().any(|o| o.serial.as_ref() == Some(s));
                if used {
                    return Err(ConfigError(format!(
                        "{}: {} is used by another section; a responder on a shared line is reached through AF_MCTP (mctp_net)",
                        key("serial"),
                        s.display()
                    )));
                }
            }
            (None, Some(_)) => {}
            _ => {
                return Err(ConfigError(format!(
                    "spdm[{i}]: give serial = \"/dev/ttyS5\" or mctp_net = 1 (the kernel's AF_MCTP), one of them"
                )));
            }
        }
        if t.mode == crate::spdm::Mode::Require && t.trust_anchors.is_empty() {
            return Err(ConfigError(format!(
                "{}: mode \"require\" needs at least one CA file the card's chain verifies to (or choose mode = \"trust_on_first_use\" or \"none\" explicitly)",
                key("trust_anchors")
            )));
        }
        t.reference()
            .map_err(|e| ConfigError(format!("spdm[{i}].{e}")))?;
    }
    Ok(())
}

/// `[[card]]`: one entry per package.
fn check_cards(cards: &[CardSettings]) -> Result<(), ConfigError> {
    for (i, card) in cards.iter().enumerate() {
        range(&format!("card[{i}].package"), card.package, 0, 7)?;
        if cards[..i].iter().any(|o| o.package == card.package) {
            return Err(ConfigError(format!(
                "card[{i}].package: package {} is configured twice",
                card.package
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_manager_settings() {
        let c = Config::parse(
            "[ncsi]\ninterface = \"eth0\"\n[[card]]\npackage = 1\nmanufacturer_id = 343\n",
        )
        .unwrap();
        assert_eq!(c.ncsi.transport, TransportKind::Raw);
        let m = c.manager_config();
        assert_eq!(m.packages, (0..8).collect::<Vec<_>>());
        assert_eq!(
            m.command,
            Timing {
                timeout: Duration::from_secs(1),
                retries: 2
            }
        );
        assert_eq!((m.manufacturer(1), m.manufacturer(0)), (343, 32473));
        assert_eq!(
            (m.statistics_interval, m.statistics_max_age),
            (Duration::from_secs(60), Duration::from_secs(10))
        );
    }

    #[test]
    fn the_d_bus_section() {
        let base = "[ncsi]\ninterface = \"eth0\"\n";
        let off = Config::parse(base).unwrap();
        assert!(!off.dbus.enabled);
        let c = Config::parse(&format!(
            "{base}[dbus]\nenabled = true\nchassis = \"/xyz/openbmc_project/inventory/system/chassis/c0\"\n"
        ))
        .unwrap();
        assert_eq!(c.dbus.bus, "system");
        assert_eq!(c.dbus.name, "xyz.openbmc_project.Sidebridge");
        assert_eq!(c.dbus.poll_interval_ms, 1000);
        let bus = Config::parse(&format!(
            "{base}[dbus]\nenabled = true\nbus = \"unix:path=/run/test/bus\"\nname = \"com.example.Cards\"\n"
        ))
        .unwrap();
        assert_eq!(bus.dbus.bus, "unix:path=/run/test/bus");
        for (bad, key) in [
            ("bus = \"session\"", "dbus.bus"),
            ("name = \"nodots\"", "dbus.name"),
            ("name = \"xyz.1openbmc\"", "dbus.name"),
            ("name = \"xyz..a\"", "dbus.name"),
            ("chassis = \"/xyz/openbmc_project/state/x\"", "dbus.chassis"),
            (
                "chassis = \"/xyz/openbmc_project/inventory/a-b\"",
                "dbus.chassis",
            ),
            (
                "chassis = \"/xyz/openbmc_project/inventory/\"",
                "dbus.chassis",
            ),
            ("poll_interval_ms = 50", "dbus.poll_interval_ms"),
        ] {
            let e = Config::parse(&format!("{base}[dbus]\nenabled = true\n{bad}\n"))
                .unwrap_err()
                .0;
            assert!(e.starts_with(key), "{bad}: {e}");
        }
        // Checked only when enabled.
        assert!(Config::parse(&format!("{base}[dbus]\nbus = \"session\"\n")).is_ok());
        let e = Config::parse(&format!("{base}[dbus]\nenable = true\n"))
            .unwrap_err()
            .0;
        assert!(e.contains("enable"), "{e}");
    }

    #[test]
    fn statistics_periods() {
        let base = "[ncsi]\ninterface = \"eth0\"\n";
        let m = Config::parse(&format!(
            "{base}statistics_interval_ms = 0\nstatistics_max_age_ms = 0\n"
        ))
        .unwrap()
        .manager_config();
        assert_eq!(m.statistics_interval, Duration::ZERO);
        assert_eq!(
            Config::parse(&format!("{base}statistics_interval_ms = 10\n"))
                .unwrap_err()
                .0,
            "ncsi.statistics_interval_ms: 10 is out of range 1000..=86400000"
        );
    }

    #[test]
    fn cards_on_their_own_mctp_lines() {
        let base = "[ncsi]\ninterface = \"eth0\"\n";
        let line = |p: u8, dev: &str, eid: u8| {
            format!("[[mctp_serial]]\npackage = {p}\nserial = \"{dev}\"\neid = {eid}\n")
        };
        let c = Config::parse(&format!(
            "{base}{}{}",
            line(2, "/dev/ttyS2", 9),
            line(3, "/dev/ttyS3", 10)
        ))
        .unwrap();
        assert_eq!(c.mctp_lines.len(), 2);
        assert_eq!(c.mctp_lines[1].eid, 10);
        let err = |t: String| Config::parse(&t).unwrap_err().0;
        assert_eq!(
            err(format!(
                "{base}{}{}",
                line(2, "/dev/ttyS2", 9),
                line(2, "/dev/ttyS3", 10)
            )),
            "mctp_serial[1].package: package 2 is configured twice"
        );
        assert_eq!(
            err(format!(
                "{base}{}{}",
                line(2, "/dev/ttyS2", 9),
                line(3, "/dev/ttyS2", 10)
            )),
            "mctp_serial[1].serial: /dev/ttyS2 is used twice"
        );
        assert_eq!(
            err(format!("{base}{}", line(2, "/dev/ttyS2", 8))),
            "mctp_serial[0].eid: 8 is also ncsi.mctp_local_eid; the two ends need different EIDs"
        );
        assert_eq!(
            err(format!(
                "[ncsi]\ninterface = \"eth0\"\npackages = [0, 1]\n{}",
                line(2, "/dev/ttyS2", 9)
            )),
            "mctp_serial[0].package: package 2 is not in ncsi.packages, so it would never be probed"
        );
    }

    #[test]
    fn kernel_mctp() {
        let c = Config::parse("[ncsi]\ntransport = \"mctp\"\nmctp_eid = 20\n").unwrap();
        assert_eq!(c.ncsi.transport, TransportKind::Mctp);
        assert_eq!(c.ncsi.mctp_eid, 20);
        assert_eq!(
            Config::parse("[ncsi]\ntransport = \"mctp\"\nmctp_eid = 0\n")
                .unwrap_err()
                .0,
            "ncsi.mctp_eid: 0 is out of range 8..=254"
        );
    }

    #[test]
    fn mctp_serial() {
        let c = Config::parse("[ncsi]\ntransport = \"mctp-serial\"\nserial = \"/dev/ttyS2\"\n")
            .unwrap();
        assert_eq!(c.ncsi.transport, TransportKind::MctpSerial);
        assert_eq!(c.ncsi.serial.as_deref(), Some(Path::new("/dev/ttyS2")));
        assert_eq!((c.ncsi.mctp_eid, c.ncsi.mctp_local_eid), (9, 8));
    }

    #[test]
    fn errors_name_the_key() {
        let err = |t: &str| Config::parse(t).unwrap_err().0;
        assert!(
            err("[ncsi]\ninterface = \"eth0\"\ntimeout = 5\n").contains("unknown field `timeout`")
        );
        assert!(
            err("[ncsi]\ninterface = \"eth0\"\ntransport = \"usb\"\n")
                .contains("unknown variant `usb`")
        );
        assert_eq!(
            err("[ncsi]\ninterface = \"eth0\"\ntimeout_ms = 0\n"),
            "ncsi.timeout_ms: 0 is out of range 1..=60000"
        );
        assert_eq!(
            err("[ncsi]\ninterface = \"eth0\"\npackages = [9]\n"),
            "ncsi.packages: 9 is out of range 0..=7"
        );
        assert_eq!(
            err("[ncsi]\ninterface = \"eth0\"\npackages = []\n"),
            "ncsi.packages: at least one package id is needed"
        );
        assert_eq!(
            err("[ncsi]\ninterface = \"a/b\"\n"),
            "ncsi.interface: \"a/b\" is not a network interface name"
        );
        assert_eq!(
            err("[ncsi]\ninterface = \"e\"\npreferred_package = 1\n"),
            "ncsi.preferred_package and ncsi.preferred_channel go together"
        );
        assert_eq!(
            err(
                "[ncsi]\ninterface = \"e\"\n[[card]]\npackage = 1\nmanufacturer_id = 1\n[[card]]\npackage = 1\nmanufacturer_id = 2\n"
            ),
            "card[1].package: package 1 is configured twice"
        );
        assert!(err("").contains("missing field `ncsi`"));
        assert_eq!(
            err("[ncsi]\ntransport = \"mctp-serial\"\n"),
            "ncsi.serial: transport \"mctp-serial\" needs the serial device, e.g. serial = \"/dev/ttyS2\""
        );
        assert_eq!(
            err("[ncsi]\ntransport = \"mctp-serial\"\nserial = \"/dev/ttyS2\"\nmctp_eid = 3\n"),
            "ncsi.mctp_eid: 3 is out of range 8..=254"
        );
        assert_eq!(
            err("[ncsi]\ntransport = \"mctp-serial\"\nserial = \"/dev/ttyS2\"\nmctp_eid = 8\n"),
            "ncsi.mctp_eid: 8 is also ncsi.mctp_local_eid; the two ends need different EIDs"
        );
        assert_eq!(
            err("[ncsi]\ninterface = \"eth0\"\nserial = \"/dev/ttyS2\"\n"),
            "ncsi.serial: only used with transport = \"mctp-serial\""
        );
        assert_eq!(
            err("[ncsi]\ninterface = \"e\"\n[redfish]\nhttp_listen = \"0.0.0.0:80\"\n"),
            "redfish.http_listen: 0.0.0.0:80 is not a loopback address (plain HTTP is for a local bmcweb only)"
        );
        assert!(
            err("[ncsi]\ninterface = \"e\"\n[redfish]\nlisten = \"nowhere\"\n")
                .contains("invalid socket address")
        );
        let role =
            err("[ncsi]\ninterface = \"e\"\n[redfish]\nhttp_unauthenticated_role = \"Root\"\n");
        assert!(
            role.contains("\"Root\" is not one of \"required\", \"Operator\"")
                && role.contains("http_unauthenticated_role"),
            "{role}"
        );
        let ok = |t: &str| Config::parse(t).unwrap().redfish.http_unauthenticated_role;
        assert_eq!(
            ok("[ncsi]\ninterface = \"e\"\n[redfish]\nhttp_unauthenticated_role = \"ReadOnly\"\n"),
            Unauthenticated::As(Role::ReadOnly)
        );
        assert_eq!(ok("[ncsi]\ninterface = \"e\"\n"), Unauthenticated::Refused);
        let e = Config::load(Path::new("/nonexistent/sb.toml"))
            .unwrap_err()
            .0;
        assert!(
            e.starts_with("cannot read configuration /nonexistent/sb.toml"),
            "{e}"
        );
    }

    #[test]
    fn card_bmc_lines() {
        let base = "[ncsi]\ntransport = \"none\"\n";
        let c = Config::parse(&format!(
            "{base}[[card_bmc]]\nserial = \"/dev/ttyS4\"\n[[card_bmc]]\nmctp_net = 1\neid = 21\n"
        ))
        .unwrap();
        assert_eq!(c.card_bmcs.len(), 2);
        assert_eq!((c.card_bmcs[0].eid, c.card_bmcs[0].timeout_ms), (20, 5000));
        assert!(c.manager_config().packages.is_empty(), "no NC-SI to probe");
        let err = |t: &str| Config::parse(&format!("{base}{t}")).unwrap_err().0;
        assert!(err("").contains("add a [[card_bmc]]"));
        assert!(err("[[card_bmc]]\neid = 20\n").contains("one of them"));
        assert!(
            err("[[card_bmc]]\nserial = \"/dev/x\"\n[[card_bmc]]\nserial = \"/dev/x\"\neid = 21\n")
                .contains("used twice")
        );
        assert!(
            err("[[card_bmc]]\nmctp_net = 1\n[[card_bmc]]\nmctp_net = 1\neid = 21\n")
                .contains("one AF_MCTP card BMC")
        );
        assert!(err("[[card_bmc]]\nserial = \"/dev/x\"\neid = 8\n").contains("mctp_local_eid"));
        assert!(err("[[card_bmc]]\nserial = \"/dev/x\"\neid = 3\n").contains("card_bmc[0].eid"));
    }

    #[test]
    fn spdm_sections() {
        let base = "[ncsi]\ninterface = \"eth0\"\n";
        let c = Config::parse(&format!(
            "{base}[[spdm]]\npackage = 1\nmctp_net = 1\ntrust_anchors = [\"/etc/ca.pem\"]\n\
             [spdm.measurements]\n1 = \"0a0B\"\n\
             [[spdm]]\npackage = 2\nserial = \"/dev/ttyS5\"\nmode = \"trust_on_first_use\"\n"
        ))
        .unwrap();
        assert_eq!(c.spdm.len(), 2);
        let t = &c.spdm[0];
        assert_eq!(
            (t.eid, t.slot, t.period_s, t.mode),
            (9, 0, 3600, crate::spdm::Mode::Require)
        );
        assert_eq!(t.reference().unwrap().unwrap()[&1], vec![0x0A, 0x0B]);
        assert_eq!(c.spdm[1].mode, crate::spdm::Mode::TrustOnFirstUse);
        let err = |t: &str| Config::parse(&format!("{base}{t}")).unwrap_err().0;
        assert!(
            err("[[spdm]]\npackage = 1\nmctp_net = 1\n").contains("needs at least one CA file")
        );
        assert!(err("[[spdm]]\npackage = 1\nmode = \"none\"\n").contains("one of them"));
        assert!(err("[[spdm]]\npackage = 1\nmctp_net = 1\nmode = \"maybe\"\n").contains("maybe"));
        assert!(
            err("[[spdm]]\npackage = 1\nmctp_net = 1\nmode = \"none\"\nslot = 8\n")
                .contains("spdm[0].slot")
        );
        assert!(
            err("[[spdm]]\npackage = 1\nmctp_net = 1\nmode = \"none\"\n[spdm.measurements]\n1 = \"xyz\"\n")
                .contains("measurements.1: not a hex string")
        );
        assert!(
            err("[[spdm]]\npackage = 1\nmctp_net = 1\nmode = \"none\"\n[spdm.measurements]\n0 = \"00\"\n")
                .contains("not 1 to 254")
        );
        assert!(
            err("[[spdm]]\npackage = 1\nmctp_net = 1\nmode = \"none\"\n[[spdm]]\npackage = 1\nmctp_net = 1\nmode = \"none\"\n")
                .contains("two SPDM responders")
        );
    }
}
