//! `sidebridge`: manages DPUs, IPUs and smart NICs from the platform BMC over NC-SI
//! and MCTP, and presents them on a Redfish aggregation endpoint.
//!
//! Subcommands: `ncsi` talks NC-SI on an interface (one command, a discovery, or a card
//! BMC's OEM set); `spdm` authenticates a card's SPDM responder by hand; `decode` reads NC-SI frames or control packets given in hex and
//! prints what they mean.

use clap::{Parser, Subcommand};
use sidebridge_protocol::ncsi::{Body, NcsiFrame, PacketRepr};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "sidebridge",
    version,
    about = "NC-SI/MCTP to Redfish bridge for DPUs on the platform BMC"
)]
struct Cli {
    /// Log more (repeat for more detail).
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run the daemon against the built-in two-DPU simulator, no root needed.
    #[cfg(feature = "demo")]
    Demo {
        /// HTTPS port on 127.0.0.1.
        #[arg(long, default_value_t = 8443)]
        port: u16,
        /// Where accounts, the certificate and subscriptions are kept.
        #[arg(long)]
        state_dir: Option<std::path::PathBuf>,
        #[command(flatten)]
        card: DemoCard,
        /// Also publish the cards on D-Bus: `system`, or a bus address
        /// (`unix:path=…`, a private dbus-daemon's).
        #[cfg(feature = "dbus")]
        #[arg(long, value_name = "BUS")]
        dbus: Option<String>,
    },
    /// Run the daemon with a configuration file.
    Run {
        /// The configuration (TOML).
        #[arg(long, short = 'c')]
        config: std::path::PathBuf,
    },
    /// Run on a card's BMC: answer the platform BMC's OEM commands by driving this
    /// BMC's own Redfish service.
    Agent {
        /// The agent configuration (TOML).
        #[arg(long, short = 'c')]
        config: std::path::PathBuf,
    },
    /// Send NC-SI commands on an interface and print the decoded answers.
    Ncsi(sidebridge::cli::NcsiArgs),
    /// Authenticate a card's SPDM responder as the daemon would (negotiate, check
    /// the chain, challenge, verify signed measurements) and print what it found.
    Spdm(sidebridge::spdm::cli::SpdmArgs),
    /// Decode NC-SI control packets or Ethernet frames given as hex (spaces and
    /// colons allowed), one per argument or one per line on standard input.
    Decode {
        /// Hex strings; read standard input when none are given.
        hex: Vec<String>,
    },
}

/// `sidebridge demo --card-redfish URL`: a third card whose BMC is a real Redfish
/// service, reached through a built-in `sidebridge agent` over an MCTP serial line (a
/// pseudo-terminal pair), with the Redfish tunnel.
#[derive(Debug, clap::Args)]
struct DemoCard {
    /// A Redfish service to stand for a card's BMC (a BMC, sushy-emulator, ...).
    #[arg(long, value_name = "URL")]
    card_redfish: Option<String>,
    /// Its credentials: a file whose first line is user:password (mode 0600).
    #[arg(long, value_name = "FILE", requires = "card_redfish")]
    card_credentials: Option<std::path::PathBuf>,
    /// Do not verify its TLS certificate (a self-signed BMC).
    #[arg(long, requires = "card_redfish")]
    card_insecure: bool,
}

/// Why `sidebridge decode` could not read an input.
#[derive(Debug, PartialEq, thiserror::Error)]
enum DecodeError {
    /// Hex comes in pairs of digits.
    #[error("odd number of hex digits ({0})")]
    OddDigits(usize),
    /// Not a hex digit pair.
    #[error("not hex at offset {offset}: {text:?}")]
    NotHex { offset: usize, text: String },
    /// The bytes are not an NC-SI packet or frame.
    #[error(transparent)]
    Packet(#[from] sidebridge_protocol::Error),
}

fn parse_hex(s: &str) -> Result<Vec<u8>, DecodeError> {
    let digits: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let digits = digits.strip_prefix("0x").unwrap_or(&digits);
    if digits.len() % 2 != 0 {
        return Err(DecodeError::OddDigits(digits.len()));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| DecodeError::NotHex {
                offset: i,
                text: digits[i..i + 2].to_string(),
            })
        })
        .collect()
}

/// Decodes one packet: an Ethernet frame when bytes 12..14 are 0x88F8, else a bare
/// control packet.
fn describe(bytes: &[u8]) -> Result<String, DecodeError> {
    let (prefix, packet) = if bytes.len() >= 14 && bytes[12..14] == [0x88, 0xF8] {
        let frame = NcsiFrame::parse(bytes)?;
        let mac = |m: [u8; 6]| m.map(|b| format!("{b:02x}")).join(":");
        (
            format!("Ethernet {} -> {}, NC-SI ", mac(frame.src), mac(frame.dst)),
            frame.packet,
        )
    } else {
        (String::new(), PacketRepr::parse(bytes)?)
    };
    let what = match &packet.body {
        Body::Command(c) => format!("{} command", c.command_type().name()),
        Body::Response(r) => format!(
            "{} response: {} ({:#06x}), reason {} ({:#06x})",
            r.command_type().name(),
            r.code.name(),
            u16::from(r.code),
            r.reason.name(),
            u16::from(r.reason)
        ),
        Body::Aen(a) => format!("AEN type {:#04x}", a.aen_type()),
    };
    let body = match &packet.body {
        Body::Command(c) => format!("{c:#?}"),
        Body::Response(r) => format!("{:#?}", r.data),
        Body::Aen(a) => format!("{a:#?}"),
    };
    Ok(format!(
        "{prefix}{what}\n  IID {:#04x}, {}, MC ID {:#04x}\n{}",
        packet.iid,
        packet.channel,
        packet.mc_id,
        body.lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    ))
}

/// What stops `demo` or `run`: any error, printed with its message.
type Failure = Box<dyn std::error::Error>;

/// Runs a command that returns a report on a single-threaded runtime: the report on
/// standard output, or `who: error` on standard error and exit status 1.
fn report<E: std::fmt::Display>(
    who: &str,
    f: impl std::future::Future<Output = Result<String, E>>,
) -> ExitCode {
    let Some(rt) = runtime(tokio::runtime::Builder::new_current_thread()) else {
        return ExitCode::FAILURE;
    };
    match rt.block_on(f) {
        Ok(text) => {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{who}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The runtime `b` builds (with every driver), or `None` with the reason printed.
fn runtime(mut b: tokio::runtime::Builder) -> Option<tokio::runtime::Runtime> {
    match b.enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("sidebridge: cannot start the runtime: {e}");
            None
        }
    }
}

fn block_on(f: impl std::future::Future<Output = Result<(), Failure>>) -> ExitCode {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    b.worker_threads(2);
    let Some(rt) = runtime(b) else {
        return ExitCode::FAILURE;
    };
    match rt.block_on(f) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sidebridge: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `sidebridge demo`: the simulator in-process, HTTPS on 127.0.0.1.
/// Adds the `--card-redfish` card to a running demo: an agent on one end of a pty
/// pair, the platform's bus-owner endpoint on the other.
#[cfg(feature = "demo")]
async fn demo_card(d: &sidebridge::daemon::Daemon, c: &DemoCard) -> Result<(), Failure> {
    use sidebridge::agent::{Agent, config::AgentConfig};
    use sidebridge_transport::mctp::SerialEndpoint;
    let Some(url) = &c.card_redfish else {
        return Ok(());
    };
    let mut text = format!("[card]\nurl = {url:?}\n");
    if url.starts_with("http://") {
        eprintln!(
            "sidebridge demo: WARNING: {url} is plain HTTP: credentials and requests travel in clear text"
        );
        text.push_str("insecure_plain_http = true\n");
    } else if c.card_insecure {
        eprintln!("sidebridge demo: WARNING: the certificate of {url} is not verified");
        text.push_str("insecure_skip_verify = true\n");
    }
    if let Some(f) = &c.card_credentials {
        text.push_str(&format!("credentials = {:?}\n", f.display().to_string()));
    }
    text.push_str("poll_interval_ms = 1000\n[mctp]\nserial = \"(built in)\"\n");
    let cfg = AgentConfig::parse(&text).map_err(|e| format!("--card-redfish: {e}"))?;
    let enterprise = sidebridge_protocol::oem::DEFAULT_MANUFACTURER_ID;
    let agent = Agent::new(&cfg)?;
    let (platform_side, card_side) = SerialEndpoint::pty_pair(8, Some(enterprise))?;
    agent.spawn_watch(cfg.card.poll_interval);
    tokio::spawn(agent.serve(card_side, std::future::pending()));
    let timing = sidebridge::ncsi::Timing {
        timeout: std::time::Duration::from_secs(5),
        retries: 2,
    };
    d.cards.add_card_bmc(platform_side, 20, enterprise, timing);
    d.cards.probe_card_bmcs().await;
    match d.cards.cards().into_iter().find(|c| c.package().is_none()) {
        Some(c) => println!(
            "  card BMC {url}: /redfish/v1/Systems/{} (through the Redfish tunnel)",
            c.id
        ),
        None => println!("  card BMC {url}: not reached yet (see the log); the demo keeps trying"),
    }
    Ok(())
}

#[cfg(feature = "demo")]
async fn demo(
    port: u16,
    state_dir: Option<std::path::PathBuf>,
    card: DemoCard,
    #[cfg(feature = "dbus")] dbus: Option<String>,
) -> Result<(), Failure> {
    use sidebridge::daemon::{Daemon, bind, serve_tls, signal, tls_config};
    use std::sync::Arc;
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .unwrap_or_default();
    let state_dir =
        state_dir.unwrap_or_else(|| std::env::temp_dir().join(format!("sidebridge-demo-{uid}")));
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let listener = bind(addr).await?;
    let scenario = sidebridge_sim::Scenario::parse(include_str!("../sim/scenarios/two-dpus.toml"))?;
    let sim = sidebridge_sim::Simulator::new(scenario);
    let (mc, nc) = sidebridge_transport::memory::pair(1024);
    tokio::spawn(sim.run(nc, std::future::pending()));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let cfg = sidebridge::ncsi::ManagerConfig {
        packages: vec![0, 1, 2, 3],
        ..Default::default()
    };
    let d = Daemon::start(
        Arc::new(mc),
        cfg,
        &state_dir,
        stop_rx.clone(),
        std::time::Duration::from_secs(10),
    )
    .await?;
    let tls = tls_config(&state_dir, None)?;
    let password = std::fs::read_to_string(state_dir.join("initial-admin-password"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "(changed; see your notes)".into());
    let first = d
        .cards
        .cards()
        .first()
        .map(|c| c.id.clone())
        .unwrap_or_else(|| "DPU0000A1".into());
    let url = format!("https://127.0.0.1:{port}");
    println!("sidebridge demo: two simulated DPUs behind NC-SI, Redfish at {url}/redfish/v1");
    println!(
        "  user admin, password {password}  (kept in {}/initial-admin-password)",
        state_dir.display()
    );
    println!(
        "  the certificate is self-signed (-k below); state in {}",
        state_dir.display()
    );
    println!();
    println!("  curl -sk -u admin:{password} {url}/redfish/v1/Systems");
    println!(
        "  curl -sk -u admin:{password} -X PATCH -H 'Content-Type: application/json' \\\n       -d '{{\"Boot\": {{\"BootSourceOverrideTarget\": \"Cd\", \"BootSourceOverrideEnabled\": \"Once\"}}}}' {url}/redfish/v1/Systems/{first}"
    );
    println!("  curl -sk -u admin:{password} {url}/redfish/v1/Systems/{first}");
    demo_card(&d, &card).await?;
    #[cfg(feature = "dbus")]
    if let Some(bus) = dbus {
        let c = sidebridge::config::DbusConfig {
            enabled: true,
            bus,
            ..Default::default()
        };
        let bus = connect_dbus(&c).await?;
        publish_dbus(bus, &d, &stop_rx);
    }
    println!();
    println!("Ctrl-C stops it.");
    let server = tokio::spawn(serve_tls(listener, d.app(), tls, stop_rx));
    signal().await;
    let _ = stop_tx.send(true);
    let _ = server.await;
    Ok(())
}

/// Opens every configured path to the cards: the `[ncsi]` one and each
/// `[[mctp_serial]]` line, joined by package id, with tracing and the optional pcap.
async fn open_paths(
    cfg: &sidebridge::config::Config,
) -> Result<
    (
        std::sync::Arc<dyn sidebridge_transport::Transport>,
        sidebridge::cards::Connections,
    ),
    Failure,
> {
    use sidebridge::config::TransportKind;
    use sidebridge::daemon::{decorate, open_transport};
    use sidebridge_transport::Transport;
    use std::sync::Arc;
    let n = &cfg.ncsi;
    // Open a path, saying what answered on an MCTP line.
    let open = |kind: TransportKind, device: String, eid: u8| async move {
        let (t, c, peer) = open_transport(kind, &device, n.mctp_local_eid, eid).await?;
        if let Some(peer) = peer {
            eprintln!(
                "sidebridge: MCTP endpoint on {device} is EID {} (message types {:02x?})",
                peer.eid, peer.message_types
            );
        }
        Ok::<_, sidebridge::daemon::OpenError>((t, c))
    };
    let device = match (&n.transport, &n.serial) {
        (TransportKind::MctpSerial, Some(tty)) => tty.display().to_string(),
        _ => n.interface.clone(),
    };
    let (transport, connection) = open(n.transport, device, n.mctp_eid).await?;
    // Cards on their own MCTP lines join the same topology, routed by package id.
    let mut connections = sidebridge::cards::Connections::from(connection);
    let transport: Box<dyn Transport> = if cfg.mctp_lines.is_empty() {
        transport
    } else {
        let mut routes: Vec<(u8, Arc<dyn Transport>)> = Vec::new();
        for line in &cfg.mctp_lines {
            let (t, c) = open(
                TransportKind::MctpSerial,
                line.serial.display().to_string(),
                line.eid,
            )
            .await?;
            routes.push((line.package, Arc::new(t)));
            connections = connections.with_package(line.package, c);
        }
        Box::new(sidebridge_transport::mux::PackageMux::new(
            Arc::from(transport),
            routes,
        ))
    };
    for line in &cfg.card_bmcs {
        connections = connections.with_card_bmc(match &line.serial {
            Some(tty) => sidebridge::cards::Connection::CardBmcSerial {
                device: tty.display().to_string(),
                eid: line.eid,
            },
            None => sidebridge::cards::Connection::CardBmcKernel { eid: line.eid },
        });
    }
    let transport = decorate(transport, n.pcap.as_deref())?;
    Ok((transport, connections))
}

/// Starts an MCTP endpoint (bus owner) on each `[[card_bmc]]` line and adds the link
/// to the card layer, then reaches every card BMC once (the periodic refresh keeps
/// trying those that do not answer yet).
async fn open_card_bmcs(
    cfg: &sidebridge::config::Config,
    cards: &std::sync::Arc<sidebridge::cards::Cards>,
) -> Result<(), Failure> {
    for (i, line) in cfg.card_bmcs.iter().enumerate() {
        let timing = sidebridge::ncsi::Timing {
            timeout: std::time::Duration::from_millis(line.timeout_ms),
            retries: line.retries,
        };
        let Some(serial) = &line.serial else {
            let net = line
                .mctp_net
                .unwrap_or(sidebridge_transport::mctp::af_mctp::MCTP_NET_ANY);
            let link = sidebridge_transport::mctp::af_mctp::AfMctpVdm::open(net, line.enterprise)
                .map_err(|e| format!("card_bmc[{i}].mctp_net: {e}"))?;
            cards.add_vdm_link(
                std::sync::Arc::new(link),
                None,
                line.eid,
                line.enterprise,
                timing,
            );
            continue;
        };
        let ep =
            sidebridge::mctp::bus_owner(serial, cfg.ncsi.mctp_local_eid, Some(line.enterprise))
                .map_err(|e| {
                    format!(
                        "card_bmc[{i}].serial: cannot open {}: {e}",
                        serial.display()
                    )
                })?;
        cards.add_card_bmc(ep, line.eid, line.enterprise, timing);
    }
    if !cfg.card_bmcs.is_empty() {
        cards.probe_card_bmcs().await;
        for c in cards.cards() {
            if c.package().is_none() {
                match cards.refresh(&c.id).await {
                    Ok(()) => eprintln!("sidebridge: card BMC {} reached over MCTP", c.id),
                    Err(e) => eprintln!("sidebridge: card BMC {}: {e}", c.id),
                }
            }
        }
    }
    Ok(())
}

/// Each `[[spdm]]` responder for the card layer: the trust anchors read, the link
/// opened (on a serial line of its own, the responder is given its EID now).
async fn open_spdm(
    cfg: &sidebridge::config::Config,
    state_dir: &std::path::Path,
) -> Result<Vec<sidebridge::spdm::SpdmTarget>, Failure> {
    use sidebridge_protocol::mctp::MessageType;
    use sidebridge_transport::mctp::{RequestLink, af_mctp::AfMctpRequester};
    let mut out = Vec::new();
    for (i, t) in cfg.spdm.iter().enumerate() {
        let anchors = sidebridge::spdm::load_anchors(&t.trust_anchors)
            .map_err(|e| format!("spdm[{i}].trust_anchors: {e}"))?;
        let link: std::sync::Arc<dyn RequestLink> = match (&t.serial, t.mctp_net) {
            (Some(serial), _) => {
                let ep = sidebridge::mctp::bus_owner(serial, cfg.ncsi.mctp_local_eid, None)
                    .map_err(|e| {
                        format!("spdm[{i}].serial: cannot open {}: {e}", serial.display())
                    })?;
                if let Err(e) = ep.bring_up_for(t.eid, MessageType::Spdm).await {
                    eprintln!(
                        "sidebridge: spdm[{i}]: the responder on {} did not come up ({e}); authentication of package {} will fail until it does and sidebridge restarts",
                        serial.display(),
                        t.package
                    );
                }
                std::sync::Arc::new(ep.requester(t.eid, MessageType::Spdm))
            }
            (None, net) => std::sync::Arc::new(
                AfMctpRequester::open(net.unwrap_or(0), t.eid, u8::from(MessageType::Spdm))
                    .map_err(|e| format!("spdm[{i}].mctp_net: {e}"))?,
            ),
        };
        let reference = t.reference().map_err(|e| format!("spdm[{i}].{e}"))?;
        out.push(sidebridge::spdm::SpdmTarget {
            package: t.package,
            link,
            anchors,
            mode: t.mode,
            slot: t.slot,
            period: std::time::Duration::from_secs(t.period_s),
            timeout: std::time::Duration::from_millis(t.timeout_ms),
            reference,
            pin: Some(
                state_dir
                    .join("spdm")
                    .join(format!("package{}-slot{}.der", t.package, t.slot)),
            ),
        });
    }
    Ok(out)
}

/// `sidebridge run --config FILE`.
async fn run(path: std::path::PathBuf) -> Result<(), Failure> {
    use sidebridge::config::Config;
    use sidebridge::daemon::{
        Daemon, TlsFiles, bind, check_state_dir, serve_plain_with, serve_tls_with, signal,
        tls_config,
    };
    let cfg = Config::load(&path)?;
    let r = &cfg.redfish;
    // Cheap checks first, each with a message that says what to fix.
    check_state_dir(&r.state_dir)?;
    let files = r
        .certificate
        .clone()
        .zip(r.private_key.clone())
        .map(|(cert, key)| TlsFiles { cert, key });
    let tls = tls_config(&r.state_dir, files.as_ref())?;
    let listener = bind(r.listen).await?;
    let plain = match r.http_listen {
        Some(a) => Some(bind(a).await?),
        None => None,
    };
    // The bus name too, before the sideband is touched.
    #[cfg(feature = "dbus")]
    let bus = match cfg.dbus.enabled {
        true => Some(connect_dbus(&cfg.dbus).await?),
        false => None,
    };
    // The SPDM anchors and links too: a card is never served before its responder
    // is known.
    let spdm = open_spdm(&cfg, &r.state_dir).await?;
    let (transport, connections) = open_paths(&cfg).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let d = Daemon::start_on(
        transport,
        connections,
        cfg.manager_config(),
        &r.state_dir,
        stop_rx.clone(),
        std::time::Duration::from_secs(15),
    )
    .await?;
    if let Some(p) = &d.created_password {
        eprintln!(
            "sidebridge: first start: created the account admin; its password is in {}",
            p.display()
        );
    }
    for t in spdm {
        d.cards.add_spdm(t);
    }
    open_card_bmcs(&cfg, &d.cards).await?;
    #[cfg(feature = "dbus")]
    if let Some(bus) = bus {
        publish_dbus(bus, &d, &stop_rx);
    }
    eprintln!(
        "sidebridge: Redfish on https://{} ({} card(s) found)",
        r.listen,
        d.cards.cards().len()
    );
    if let Some(ca) = &r.event_ca_file {
        d.state.subscriptions.trust.set_ca_file(ca.clone());
    }
    if let Some(n) = &r.event_destination_networks {
        // Checked when the configuration was loaded.
        if let Ok(n) = sidebridge::redfish::delivery::Networks::parse(n) {
            d.state.subscriptions.set_allowed(n);
        }
    }
    let app = d.app();
    let plain_app = match r.http_unauthenticated_role {
        sidebridge::config::Unauthenticated::As(role) => {
            eprintln!(
                "sidebridge: the loopback listener serves requests without credentials as {}",
                role.name()
            );
            sidebridge::redfish::app_trusting(d.state.clone(), role)
        }
        sidebridge::config::Unauthenticated::Refused => app.clone(),
    };
    let limits = r.limits();
    let https = tokio::spawn(serve_tls_with(listener, app, tls, limits, stop_rx.clone()));
    let http = plain.map(|l| tokio::spawn(serve_plain_with(l, plain_app, limits, stop_rx)));
    signal().await;
    let _ = stop_tx.send(true);
    let _ = https.await;
    if let Some(h) = http {
        if let Ok(Err(e)) = h.await {
            return Err(e.into());
        }
    }
    Ok(())
}

/// Connects to the bus and owns the name `[dbus]` asks for.
#[cfg(feature = "dbus")]
async fn connect_dbus(
    c: &sidebridge::config::DbusConfig,
) -> Result<(zbus::Connection, sidebridge::dbus::Settings), Failure> {
    let s = sidebridge::dbus::Settings::from(c);
    let conn = sidebridge::dbus::connect(&s).await?;
    eprintln!(
        "sidebridge: the cards are on D-Bus as {} ({})",
        s.name, c.bus
    );
    Ok((conn, s))
}

/// Publishes the cards until the daemon stops.
#[cfg(feature = "dbus")]
fn publish_dbus(
    (conn, s): (zbus::Connection, sidebridge::dbus::Settings),
    d: &sidebridge::daemon::Daemon,
    stop: &tokio::sync::watch::Receiver<bool>,
) {
    let mut stop = stop.clone();
    tokio::spawn(sidebridge::dbus::run(
        conn,
        d.cards.clone(),
        s,
        async move {
            let _ = stop.changed().await;
        },
    ));
}

/// `sidebridge agent --config FILE`.
async fn agent(path: std::path::PathBuf) -> Result<(), Failure> {
    use sidebridge::agent::{Agent, config::AgentConfig, config::MctpPath, config::Trust};
    use sidebridge_transport::mctp::{EndpointConfig, Role, SerialEndpoint, tty::Tty};
    let cfg = AgentConfig::load(&path)?;
    match &cfg.card.trust {
        Trust::PlainHttp => eprintln!(
            "sidebridge agent: WARNING: insecure_plain_http: the card's credentials and every request travel in clear text to {}",
            cfg.card.url
        ),
        Trust::Unverified => eprintln!(
            "sidebridge agent: WARNING: insecure_skip_verify: the certificate of {} is NOT verified; anyone on that path can pose as the card's BMC",
            cfg.card.url
        ),
        _ => {}
    }
    if cfg.card.credentials.is_none() {
        eprintln!(
            "sidebridge agent: no card.credentials: requests to {} carry no credentials",
            cfg.card.url
        );
    }
    let agent = Agent::new(&cfg)?;
    let ep: Option<std::sync::Arc<dyn sidebridge_transport::mctp::VdmLink>> = match &cfg.mctp {
        None => None,
        Some(m) => Some(match &m.path {
            MctpPath::Serial(tty) => {
                let t = Tty::open(tty)
                    .map_err(|e| format!("mctp.serial: cannot open {}: {e}", tty.display()))?;
                SerialEndpoint::start(
                    t,
                    EndpointConfig {
                        role: Role::Endpoint,
                        eid: sidebridge_protocol::mctp::EID_NULL,
                        uuid: [0; 16],
                        vendor_iana: Some(m.enterprise),
                    },
                )
            }
            MctpPath::Kernel(net) => std::sync::Arc::new(
                sidebridge_transport::mctp::af_mctp::AfMctpVdm::open(*net, m.enterprise)
                    .map_err(|e| format!("mctp.net: {e}"))?,
            ),
        }),
    };
    let nc: Option<std::sync::Arc<dyn sidebridge_transport::Transport>> = match &cfg.ncsi {
        None => None,
        Some(n) => Some(std::sync::Arc::new(
            sidebridge_transport::raw::RawSocket::open(&n.interface)
                .map_err(|e| format!("ncsi.interface: {e}"))?,
        )),
    };
    match agent.backend().ids().await {
        Ok(ids) => eprintln!(
            "sidebridge agent: card service {} (system {}, manager {})",
            cfg.card.url, ids.system, ids.manager
        ),
        Err(e) => eprintln!("sidebridge agent: {e}; answering Busy until it does"),
    }
    if let Some(m) = &cfg.mctp {
        eprintln!(
            "sidebridge agent: OEM set on {} as enterprise {}",
            m.path, m.enterprise
        );
    }
    if let Some(n) = &cfg.ncsi {
        eprintln!(
            "sidebridge agent: OEM set in NC-SI OEM commands on {} (manufacturer id {})",
            n.interface, n.manufacturer_id
        );
    }
    let watch = agent.spawn_watch(cfg.card.poll_interval);
    let stop = sidebridge::daemon::signal();
    tokio::pin!(stop);
    let mctp = async {
        match ep {
            Some(ep) => agent.clone().serve(ep, std::future::pending()).await,
            None => std::future::pending().await,
        }
    };
    let ncsi = async {
        match (nc, &cfg.ncsi) {
            (Some(t), Some(n)) => {
                agent
                    .clone()
                    .serve_ncsi(t, n.manufacturer_id, std::future::pending())
                    .await
            }
            _ => std::future::pending().await,
        }
    };
    tokio::select! {
        () = &mut stop => {}
        () = mctp => {}
        () = ncsi => {}
    }
    watch.abort();
    Ok(())
}

fn main() -> ExitCode {
    sidebridge::daemon::tune_allocator();
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        #[cfg(feature = "demo")]
        Cmd::Demo {
            port,
            state_dir,
            card,
            #[cfg(feature = "dbus")]
            dbus,
        } => block_on(demo(
            port,
            state_dir,
            card,
            #[cfg(feature = "dbus")]
            dbus,
        )),
        Cmd::Run { config } => block_on(run(config)),
        Cmd::Agent { config } => block_on(agent(config)),
        Cmd::Ncsi(args) => report("sidebridge", sidebridge::cli::run(args)),
        Cmd::Spdm(args) => report("sidebridge spdm", sidebridge::spdm::cli::run(&args)),
        Cmd::Decode { hex } => {
            let inputs: Vec<String> = if hex.is_empty() {
                std::io::stdin()
                    .lines()
                    .map_while(Result::ok)
                    .filter(|l| !l.trim().is_empty())
                    .collect()
            } else {
                hex
            };
            let mut failed = false;
            let mut stdout = std::io::stdout().lock();
            for (i, input) in inputs.iter().enumerate() {
                match parse_hex(input).and_then(|b| describe(&b)) {
                    Ok(text) => {
                        // A closed pipe (`| head`) ends the output quietly.
                        if writeln!(stdout, "{text}").is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        eprintln!("input {}: {e}", i + 1);
                        failed = true;
                    }
                }
            }
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidebridge_protocol::ncsi;

    #[test]
    fn decodes_a_frame_and_a_bare_packet() {
        let packet =
            PacketRepr::command(3, ncsi::ChannelId::new(1, 2), ncsi::Command::GetVersionId)
                .to_bytes()
                .unwrap();
        let text = describe(&packet).unwrap();
        assert!(
            text.starts_with("Get Version ID command\n  IID 0x03, package 1 channel 2"),
            "{text}"
        );
        let frame = NcsiFrame::broadcast(PacketRepr::parse(&packet).unwrap())
            .to_bytes()
            .unwrap();
        let text = describe(&frame).unwrap();
        assert!(
            text.starts_with(
                "Ethernet ff:ff:ff:ff:ff:ff -> ff:ff:ff:ff:ff:ff, NC-SI Get Version ID"
            ),
            "{text}"
        );
    }

    #[test]
    fn reports_bad_hex_and_bad_packets_precisely() {
        let err = |r: Result<_, DecodeError>| r.map(|_: Vec<u8>| ()).unwrap_err().to_string();
        assert_eq!(err(parse_hex("abc")), "odd number of hex digits (3)");
        assert_eq!(err(parse_hex("zz")), "not hex at offset 0: \"zz\"");
        assert_eq!(parse_hex("0x00 01:02"), Ok(vec![0, 1, 2]));
        assert_eq!(
            describe(&[0; 4]).unwrap_err().to_string(),
            "truncated: need 16 bytes, have 4"
        );
    }

    /// The quick start in README.md shows a decode command and its output; they must
    /// stay true.
    #[test]
    fn readme_quick_start_output_is_current() {
        let readme = include_str!("../README.md");
        let hex = readme
            .split("cargo run -- decode ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("README has a decode example");
        let shown = readme
            .split("```text\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("README shows the decode output");
        let got = describe(&parse_hex(hex).unwrap()).unwrap();
        assert_eq!(shown.trim_end(), got.trim_end());
    }
}
