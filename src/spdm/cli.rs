//! `sidebridge spdm`: authenticate a card's SPDM responder by hand, as the daemon
//! would, and print what was negotiated, the chain, and the verified measurements.
//! For bring-up ("does this NIC's responder answer, and does its chain verify to our
//! vendor CA?") before writing `[[spdm]]`.

use super::{Requester, hash_of, load_anchors};
use sidebridge_protocol::mctp::MessageType;
use sidebridge_protocol::spdm::{asym, hash, measurement_hash};
use sidebridge_protocol::text::hex;
use sidebridge_transport::mctp::{RequestLink, af_mctp::AfMctpRequester};
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The arguments of `sidebridge spdm`.
#[derive(Debug, Clone, clap::Args)]
pub struct SpdmArgs {
    /// An MCTP serial line to the responder (sidebridge is the bus owner and assigns
    /// the EID).
    #[arg(long, value_name = "TTY", conflicts_with = "mctp_net")]
    pub serial: Option<PathBuf>,
    /// Or the kernel's AF_MCTP network (mctpd set the EID up).
    #[arg(long, value_name = "NET")]
    pub mctp_net: Option<u32>,
    /// The responder's EID.
    #[arg(long, default_value_t = 9)]
    pub eid: u8,
    /// Our EID on a serial line.
    #[arg(long, default_value_t = 8)]
    pub local_eid: u8,
    /// A CA file (PEM or DER) the chain must verify to; repeat for several. Without
    /// one the chain is shown but not checked.
    #[arg(long = "trust-anchor", value_name = "FILE")]
    pub trust_anchors: Vec<PathBuf>,
    /// The certificate slot.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..8))]
    pub slot: u8,
    /// How long one request waits, ms.
    #[arg(long, default_value_t = 5000)]
    pub timeout_ms: u64,
}

/// Runs it; the report, or why it failed.
pub async fn run(args: &SpdmArgs) -> Result<String, String> {
    let anchors = load_anchors(&args.trust_anchors)?;
    // The requester keeps its endpoint alive.
    let link: Arc<dyn RequestLink> = match (&args.serial, args.mctp_net) {
        (Some(tty), _) => {
            let ep = crate::mctp::bus_owner(tty, args.local_eid, None)
                .map_err(|e| format!("cannot open {}: {e}", tty.display()))?;
            ep.bring_up_for(args.eid, MessageType::Spdm)
                .await
                .map_err(|e| format!("MCTP on {}: {e}", tty.display()))?;
            Arc::new(ep.requester(args.eid, MessageType::Spdm))
        }
        (None, Some(net)) => Arc::new(
            AfMctpRequester::open(net, args.eid, u8::from(MessageType::Spdm))
                .map_err(|e| e.to_string())?,
        ),
        (None, None) => {
            return Err("give --serial TTY or --mctp-net NET (the kernel's AF_MCTP)".into());
        }
    };
    let mut r = Requester::new(link.as_ref(), Duration::from_millis(args.timeout_ms));
    let a = r
        .authenticate(args.slot, &anchors)
        .await
        .map_err(|e| format!("{}: {e}", link.describe()))?;
    let n = &a.negotiated;
    let mut out = String::new();
    let name = |o: Option<&'static str>, v: u32| o.map_or(format!("{v:#x}"), str::to_string);
    let _ = writeln!(out, "SPDM {} with {}", n.version, link.describe());
    let _ = writeln!(
        out,
        "  signing {}, hash {}, measurement hash {}",
        name(asym::name(n.base_asym), n.base_asym),
        name(hash::name(n.base_hash), n.base_hash),
        name(
            measurement_hash::name(n.measurement_hash),
            n.measurement_hash
        )
    );
    let _ = writeln!(
        out,
        "  chain (slot {}): {} certificate(s), {}",
        a.slot,
        a.certificates.len(),
        if a.anchored {
            "verified to a trust anchor"
        } else {
            "NOT checked (no --trust-anchor)"
        }
    );
    for (i, c) in a.certificates.iter().enumerate() {
        let role = if i + 1 == a.certificates.len() {
            "leaf"
        } else if i == 0 {
            "root side"
        } else {
            "intermediate"
        };
        let _ = writeln!(
            out,
            "    {i}: {role}, {} bytes, SHA-256 {}",
            c.len(),
            hex(&hash_of(hash::SHA256, c))
        );
    }
    let _ = writeln!(out, "  challenge: signature verified");
    if a.measurements.is_empty() {
        let _ = writeln!(
            out,
            "  measurements: the responder does not sign measurements"
        );
    } else {
        let _ = writeln!(out, "  measurements (signed, verified):");
        for b in &a.measurements {
            let _ = writeln!(
                out,
                "    {:>3} {:<34} {}{}",
                b.index,
                b.kind(),
                if b.raw() { "raw " } else { "" },
                hex(&b.value)
            );
        }
    }
    Ok(out)
}
