//! `sidebridge-sim`: runs the simulator on a network interface (e.g. one end of a veth
//! pair) so that a management controller on the other end sees NC-SI packages, or on a
//! serial device or pty as an MCTP endpoint carrying NC-SI over MCTP.

use clap::Parser;
use sidebridge_protocol::mctp::EID_NULL;
use sidebridge_sim::{Scenario, Simulator};
use sidebridge_transport::Transport;
use sidebridge_transport::mctp::tty::Tty;
use sidebridge_transport::mctp::{EndpointConfig, Role, SerialEndpoint};
use sidebridge_transport::pcap::PcapTransport;
use sidebridge_transport::raw::RawSocket;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "sidebridge-sim",
    version,
    about = "Simulated NC-SI network controllers and card BMCs on a network interface"
)]
struct Args {
    /// Interface to answer on (AF_PACKET, EtherType 0x88F8; needs CAP_NET_RAW).
    #[arg(
        long,
        required_unless_present = "mctp_serial",
        conflicts_with = "mctp_serial"
    )]
    interface: Option<String>,
    /// Answer NC-SI over MCTP (DSP0261) on this serial device or pty instead, as an
    /// MCTP endpoint waiting for its EID from the bus owner (DSP0253 framing).
    #[arg(long, value_name = "TTY")]
    mctp_serial: Option<PathBuf>,
    /// Scenario file (TOML), e.g. sim/scenarios/two-dpus.toml.
    #[arg(long)]
    scenario: PathBuf,
    /// Also record the traffic to this pcap file.
    #[arg(long)]
    pcap: Option<PathBuf>,
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        Some(_) = async { match term.as_mut() { Some(t) => t.recv().await, None => std::future::pending().await } } => {}
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let scenario = Scenario::load(&args.scenario)?;
    let inner: Box<dyn Transport> = match (&args.interface, &args.mctp_serial) {
        (Some(interface), _) => Box::new(RawSocket::open(interface)?),
        (None, Some(path)) => {
            let tty = Tty::open(path)?;
            let uuid = scenario.packages.first().map(|p| p.uuid).unwrap_or([0; 16]);
            let ep = SerialEndpoint::start(
                tty,
                EndpointConfig {
                    role: Role::Endpoint,
                    eid: EID_NULL,
                    uuid,
                    vendor_iana: None,
                },
            );
            Box::new(ep.ncsi(EID_NULL))
        }
        (None, None) => return Err("give --interface or --mctp-serial".into()),
    };
    let transport: Box<dyn Transport> = match &args.pcap {
        Some(p) => Box::new(PcapTransport::create(inner, p)?),
        None => inner,
    };
    let packages: Vec<String> = scenario
        .packages
        .iter()
        .map(|p| format!("{}{}", p.id, if p.card.is_some() { " (DPU)" } else { "" }))
        .collect();
    eprintln!(
        "sidebridge-sim: scenario {:?}: packages {} with {} fault(s), on {}",
        scenario.name,
        packages.join(", "),
        scenario.faults.len(),
        transport.describe()
    );
    Simulator::new(scenario)
        .run(transport, shutdown_signal())
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("transport failed: {e}")).into())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sidebridge-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sidebridge-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
