//! The agent's configuration file (TOML), checked once; errors name the key.
//!
//! ```toml
//! [card]                                   # the card BMC's own Redfish service
//! url = "https://127.0.0.1"                # default; http:// needs insecure_plain_http
//! credentials = "card-credentials"       # "user:password"; a bare name is read from
//!                                          # $CREDENTIALS_DIRECTORY (systemd), a path
//!                                          # must be mode 0600
//! ca_file = "/etc/ssl/certs/ca-certificates.crt"    # trust these CAs, or
//! pinned_certificate = "/etc/sidebridge/card-bmc.pem"  # accept exactly this one
//! insecure_plain_http = false              # allow an http:// url (logged loudly)
//! insecure_skip_verify = false             # TLS without verification (logged loudly)
//! timeout_ms = 10000                       # per request to the card's service
//! poll_interval_ms = 2000                  # state polling for events (100..=3600000)
//! system = "system"                        # optional: which ComputerSystem (default:
//! manager = "bmc"                          #   the first member), Manager, Chassis
//! chassis = "chassis"
//!
//! [mctp]                                   # how the platform BMC reaches this agent
//! serial = "/dev/ttyS1"                    # MCTP over a serial line (DSP0253), or
//! # net = 1                                # the kernel's AF_MCTP on this network
//! enterprise = 32473                       # IANA number of the vendor-defined messages
//!
//! [ncsi]                                   # and/or: NC-SI OEM commands (0x50) that
//! interface = "eth1"                       # the card's NIC forwards on this interface
//! manufacturer_id = 32473                  # (raw socket: needs CAP_NET_RAW)
//!
//! [[allow]]                                # the tunnel's allow-list (§"Allow-list");
//! role = "Operator"                        # none given: the default list below
//! methods = ["POST", "PATCH"]
//! prefixes = ["/redfish/v1/Systems"]
//! ```

use super::tunnel::{AllowList, Rule, TunnelRole};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the configuration could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AgentConfigError(pub String);

/// The whole agent configuration.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The card BMC's Redfish service.
    pub card: CardService,
    /// The MCTP link to the platform BMC, if it comes that way.
    pub mctp: Option<MctpLink>,
    /// The NC-SI interface the card's NIC forwards OEM commands on, if it does.
    pub ncsi: Option<NcsiLink>,
    /// Who may do what through the tunnel.
    pub allow: AllowList,
}

/// `[card]`, checked.
#[derive(Debug, Clone)]
pub struct CardService {
    /// `https://host[:port]` (or `http://` when allowed).
    pub url: String,
    /// `user` and `password` read from the credentials file.
    pub credentials: Option<(String, String)>,
    /// How the service's certificate is checked.
    pub trust: Trust,
    /// Per request.
    pub timeout: Duration,
    /// State polling for events.
    pub poll_interval: Duration,
    /// Which ComputerSystem, Manager and Chassis (None: the first member).
    pub system: Option<String>,
    /// The Manager.
    pub manager: Option<String>,
    /// The Chassis.
    pub chassis: Option<String>,
}

/// How the card service's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The CAs of this PEM file.
    CaFile(PathBuf),
    /// Exactly this certificate.
    Pinned(PathBuf),
    /// Not at all (`insecure_skip_verify`).
    Unverified,
    /// Plain HTTP (`insecure_plain_http` and an `http://` url).
    PlainHttp,
}

/// `[mctp]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MctpLink {
    /// Which MCTP stack.
    pub path: MctpPath,
    /// The IANA enterprise number of the vendor-defined messages.
    pub enterprise: u32,
}

/// `[ncsi]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NcsiLink {
    /// The interface.
    pub interface: String,
    /// The manufacturer id of the OEM commands answered.
    pub manufacturer_id: u32,
}

/// Which MCTP stack the agent is an endpoint on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MctpPath {
    /// The user-space endpoint on this tty (the platform is bus owner).
    Serial(PathBuf),
    /// The kernel's `AF_MCTP` on this network (EIDs from mctpd).
    Kernel(u32),
}

impl std::fmt::Display for MctpPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MctpPath::Serial(p) => write!(f, "MCTP serial {}", p.display()),
            MctpPath::Kernel(n) => write!(f, "AF_MCTP network {n}"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    card: RawCard,
    mctp: Option<RawMctp>,
    ncsi: Option<RawNcsi>,
    #[serde(default)]
    allow: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCard {
    #[serde(default = "d_url")]
    url: String,
    credentials: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    pinned_certificate: Option<PathBuf>,
    #[serde(default)]
    insecure_plain_http: bool,
    #[serde(default)]
    insecure_skip_verify: bool,
    #[serde(default = "d_timeout")]
    timeout_ms: u64,
    #[serde(default = "d_poll")]
    poll_interval_ms: u64,
    system: Option<String>,
    manager: Option<String>,
    chassis: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMctp {
    serial: Option<PathBuf>,
    net: Option<u32>,
    #[serde(default = "d_enterprise")]
    enterprise: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNcsi {
    interface: String,
    #[serde(default = "d_enterprise")]
    manufacturer_id: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    role: String,
    methods: Vec<String>,
    prefixes: Vec<String>,
}

fn d_url() -> String {
    "https://127.0.0.1".into()
}
fn d_timeout() -> u64 {
    10_000
}
fn d_poll() -> u64 {
    2_000
}
fn d_enterprise() -> u32 {
    sidebridge_protocol::oem::DEFAULT_MANUFACTURER_ID
}

fn err(s: String) -> AgentConfigError {
    AgentConfigError(s)
}

impl AgentConfig {
    /// Loads and checks a configuration file (and reads its credentials file).
    pub fn load(path: &Path) -> Result<Self, AgentConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err(format!("cannot read configuration {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| err(format!("{}: {}", path.display(), e.0)))
    }

    /// Parses and checks configuration text.
    pub fn parse(text: &str) -> Result<Self, AgentConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| err(e.to_string().trim_end().into()))?;
        let mctp = match raw.mctp {
            None => None,
            Some(m) => Some(MctpLink {
                path: match (m.serial, m.net) {
                    (Some(tty), None) => MctpPath::Serial(tty),
                    (None, Some(net)) => MctpPath::Kernel(net),
                    _ => {
                        return Err(err(
                            "mctp: give serial = \"/dev/ttyS1\" (MCTP over a serial line) or net = 1 (the kernel's AF_MCTP), one of them".into(),
                        ));
                    }
                },
                enterprise: m.enterprise,
            }),
        };
        let ncsi = match raw.ncsi {
            None => None,
            Some(n) => {
                if n.interface.is_empty()
                    || n.interface.len() > 15
                    || n.interface.contains(['/', ' '])
                {
                    return Err(err(format!(
                        "ncsi.interface: {:?} is not a network interface name",
                        n.interface
                    )));
                }
                Some(NcsiLink {
                    interface: n.interface,
                    manufacturer_id: n.manufacturer_id,
                })
            }
        };
        if mctp.is_none() && ncsi.is_none() {
            return Err(err(
                "nothing to serve: give [mctp] (the agent as an MCTP endpoint) or [ncsi] (OEM commands the NIC forwards), or both".into(),
            ));
        }
        Ok(AgentConfig {
            card: check_card(raw.card)?,
            mctp,
            ncsi,
            allow: check_rules(raw.allow)?,
        })
    }
}

fn check_card(c: RawCard) -> Result<CardService, AgentConfigError> {
    let url = c.url.trim_end_matches('/').to_string();
    let plain = url.starts_with("http://");
    if !plain && !url.starts_with("https://") {
        return Err(err(format!(
            "card.url: {url:?} is neither https:// nor http://"
        )));
    }
    if url
        .split_once("://")
        .is_some_and(|(_, rest)| rest.contains(['/', '@', '?', '#']))
    {
        return Err(err(format!(
            "card.url: {url:?}: give scheme, host and port only (no path, no user)"
        )));
    }
    let trust = match (
        plain,
        c.insecure_plain_http,
        c.insecure_skip_verify,
        c.ca_file,
        c.pinned_certificate,
    ) {
        (true, true, _, None, None) => Trust::PlainHttp,
        (true, false, ..) => {
            return Err(err(
                "card.url: http:// sends the card's credentials in clear; set insecure_plain_http = true to allow it".into(),
            ));
        }
        (false, _, false, Some(ca), None) => Trust::CaFile(ca),
        (false, _, false, None, Some(pin)) => Trust::Pinned(pin),
        (false, _, false, None, None) => {
            Trust::CaFile(crate::redfish::delivery::SYSTEM_CA_FILE.into())
        }
        (false, _, true, None, None) => Trust::Unverified,
        _ => {
            return Err(err(
                "card: give at most one of ca_file, pinned_certificate, insecure_skip_verify (and none of them with http://)".into(),
            ));
        }
    };
    if !(1..=600_000).contains(&c.timeout_ms) {
        return Err(err(format!(
            "card.timeout_ms: {} is out of range 1..=600000",
            c.timeout_ms
        )));
    }
    if !(100..=3_600_000).contains(&c.poll_interval_ms) {
        return Err(err(format!(
            "card.poll_interval_ms: {} is out of range 100..=3600000",
            c.poll_interval_ms
        )));
    }
    let credentials = match &c.credentials {
        Some(p) => Some(read_credentials(&credentials_path(p)?)?),
        None => None,
    };
    Ok(CardService {
        url,
        credentials,
        trust,
        timeout: Duration::from_millis(c.timeout_ms),
        poll_interval: Duration::from_millis(c.poll_interval_ms),
        system: c.system,
        manager: c.manager,
        chassis: c.chassis,
    })
}

/// A bare file name is systemd's: `$CREDENTIALS_DIRECTORY/name` (`LoadCredential=`).
fn credentials_path(p: &Path) -> Result<PathBuf, AgentConfigError> {
    if p.components().count() != 1 || p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    match std::env::var_os("CREDENTIALS_DIRECTORY") {
        Some(dir) => Ok(Path::new(&dir).join(p)),
        None => Err(err(format!(
            "card.credentials: {:?} is a bare name, read from $CREDENTIALS_DIRECTORY, which is not set (run under the unit's LoadCredential=, or give a path)",
            p.display().to_string()
        ))),
    }
}

/// Reads `user:password` from the first line of a file only its owner can read.
pub fn read_credentials(path: &Path) -> Result<(String, String), AgentConfigError> {
    use std::os::unix::fs::MetadataExt;
    let named = |what: String| err(format!("card.credentials: {}: {what}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| named(e.to_string()))?;
    if meta.mode() & 0o077 != 0 {
        return Err(named(format!(
            "mode {:04o}: others can read it; chmod 600",
            meta.mode() & 0o7777
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| named(e.to_string()))?;
    let line = text.lines().next().unwrap_or("");
    match line.split_once(':') {
        Some((user, password)) if !user.is_empty() => Ok((user.into(), password.into())),
        _ => Err(named("the first line is not user:password".into())),
    }
}

fn check_rules(raw: Vec<RawRule>) -> Result<AllowList, AgentConfigError> {
    if raw.is_empty() {
        return Ok(AllowList::default());
    }
    let mut rules = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let key = |k: &str| format!("allow[{i}].{k}");
        let role = TunnelRole::from_name(&r.role).ok_or_else(|| {
            err(format!(
                "{}: {:?} is not one of ReadOnly, Operator, Administrator",
                key("role"),
                r.role
            ))
        })?;
        let mut methods = Vec::new();
        for m in &r.methods {
            methods.push(
                sidebridge_protocol::oem::Method::from_name(m).ok_or_else(|| {
                    err(format!(
                        "{}: {m:?} is not one of GET, HEAD, POST, PATCH, PUT, DELETE",
                        key("methods")
                    ))
                })?,
            );
        }
        for p in &r.prefixes {
            if !p.starts_with("/redfish/v1") || p.contains(['?', '#', '%']) || p.contains("..") {
                return Err(err(format!(
                    "{}: {p:?} must be a plain path under /redfish/v1",
                    key("prefixes")
                )));
            }
        }
        rules.push(Rule {
            name: format!("allow[{i}]"),
            role,
            methods,
            prefixes: r.prefixes,
        });
    }
    Ok(AllowList { rules })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<AgentConfig, AgentConfigError> {
        AgentConfig::parse(s)
    }

    #[test]
    fn defaults_and_errors() {
        let c = parse("[card]\n[mctp]\nserial = \"/dev/ttyS1\"\n").unwrap();
        assert_eq!(c.card.url, "https://127.0.0.1");
        assert_eq!(
            c.card.trust,
            Trust::CaFile("/etc/ssl/certs/ca-certificates.crt".into())
        );
        assert_eq!(c.mctp.as_ref().unwrap().enterprise, 32473);
        assert!(
            parse("[card]\n")
                .unwrap_err()
                .0
                .contains("nothing to serve")
        );
        let n = parse("[card]\n[ncsi]\ninterface = \"eth1\"\n").unwrap();
        assert_eq!(n.ncsi.unwrap().manufacturer_id, 32473);
        assert!(parse("[card]\n[ncsi]\ninterface = \"a/b\"\n").is_err());
        assert_eq!(c.allow, AllowList::default());
        for (text, want) in [
            (
                "[card]\nurl = \"http://127.0.0.1:8000\"\n",
                "insecure_plain_http",
            ),
            (
                "[card]\nurl = \"ftp://x\"\n",
                "neither https:// nor http://",
            ),
            ("[card]\nurl = \"https://u:p@x\"\n", "no path, no user"),
            (
                "[card]\ninsecure_skip_verify = true\npinned_certificate = \"/x\"\n",
                "at most one of",
            ),
            ("[card]\ntimeout_ms = 0\n", "card.timeout_ms: 0"),
            ("[card]\nsurprise = 1\n", "unknown field"),
            (
                "[card]\n[[allow]]\nrole = \"Root\"\nmethods = []\nprefixes = []\n",
                "allow[0].role",
            ),
            (
                "[card]\n[[allow]]\nrole = \"Operator\"\nmethods = [\"TRACE\"]\nprefixes = []\n",
                "allow[0].methods",
            ),
            (
                "[card]\n[[allow]]\nrole = \"Operator\"\nmethods = [\"GET\"]\nprefixes = [\"/redfish/v1/../x\"]\n",
                "allow[0].prefixes",
            ),
        ] {
            let text = format!("{text}[mctp]\nserial = \"/dev/ttyS1\"\n");
            let text = if text.contains("[[allow]]") {
                // [[allow]] must follow the tables; move [mctp] before it.
                let (a, b) = text.split_once("[[allow]]").unwrap();
                let b = b.replace("[mctp]\nserial = \"/dev/ttyS1\"\n", "");
                format!("{a}[mctp]\nserial = \"/dev/ttyS1\"\n[[allow]]{b}")
            } else {
                text
            };
            let e = parse(&text).unwrap_err().0;
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn one_mctp_path() {
        let c = parse("[card]\n[mctp]\nnet = 1\nenterprise = 7\n").unwrap();
        let m = c.mctp.unwrap();
        assert_eq!(m.path, MctpPath::Kernel(1));
        assert_eq!(m.enterprise, 7);
        for text in [
            "[card]\n[mctp]\n",
            "[card]\n[mctp]\nnet = 1\nserial = \"/dev/ttyS1\"\n",
        ] {
            let e = parse(text).unwrap_err().0;
            assert!(e.contains("one of them"), "{e}");
        }
    }

    #[test]
    fn credentials_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sb-agent-cred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("cred");
        std::fs::write(&f, "root:0penBmc\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = read_credentials(&f).unwrap_err().0;
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            read_credentials(&f).unwrap(),
            ("root".into(), "0penBmc".into())
        );
        std::fs::write(&f, "nocolon\n").unwrap();
        assert!(read_credentials(&f).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
