//! Reaching a card's network controller over NC-SI over MCTP (DSP0261) on a serial
//! line: sidebridge is the bus owner, assigns the controller its EID, checks that it
//! carries NC-SI, and then runs the same NC-SI engine over it.

use sidebridge_protocol::mctp::Eid;
use sidebridge_transport::mctp::tty::Tty;
use sidebridge_transport::mctp::{EndpointConfig, MctpNcsiTransport, Peer, Role, SerialEndpoint};
use std::path::Path;

/// Opens `device`, brings up the endpoint on it as `eid` with ourselves as `local`,
/// and returns the NC-SI transport to it and what it said about itself. Errors say
/// which device and which step failed.
pub async fn open_serial(
    device: &Path,
    local: Eid,
    eid: Eid,
) -> Result<(MctpNcsiTransport, Peer), String> {
    let tty = Tty::open(device).map_err(|e| e.to_string())?;
    let ep = SerialEndpoint::start(
        tty,
        EndpointConfig {
            role: Role::BusOwner,
            eid: local,
            uuid: [0; 16],
        },
    );
    let peer = ep.bring_up(eid).await.map_err(|e| {
        format!(
            "MCTP on {}: {e} (is the card's controller on this line, at 115200 8N1 or as configured with stty?)",
            device.display()
        )
    })?;
    Ok((ep.ncsi(eid), peer))
}
