//! Reaching a card's network controller over NC-SI over MCTP (DSP0261) on a serial
//! line: sidebridge is the bus owner, assigns the controller its EID, checks that it
//! carries NC-SI, and then runs the same NC-SI engine over it.

use sidebridge_protocol::mctp::Eid;
use sidebridge_transport::mctp::tty::Tty;
use sidebridge_transport::mctp::{EndpointConfig, MctpNcsiTransport, Peer, Role, SerialEndpoint};
use std::io;
use std::path::{Path, PathBuf};

/// Why an MCTP serial line could not be brought up.
#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    /// The tty could not be opened or configured.
    #[error("{0}")]
    Open(#[source] io::Error),
    /// Nothing usable answered the bus owner's requests on the line.
    #[error(
        "MCTP on {}: {source} (is the card's controller on this line, at 115200 8N1 or as configured with stty?)",
        device.display()
    )]
    BringUp {
        /// The tty.
        device: PathBuf,
        /// What the endpoint said.
        #[source]
        source: io::Error,
    },
}

/// Opens the tty `device` and starts the bus owner's endpoint on it as `local`,
/// carrying `vendor_iana`'s vendor-defined messages when given: what the NC-SI path,
/// the card BMC lines and the SPDM responders on a serial line each start with. The
/// error is the tty's, for the caller to name its configuration key.
pub fn bus_owner(
    device: &Path,
    local: Eid,
    vendor_iana: Option<u32>,
) -> io::Result<std::sync::Arc<SerialEndpoint>> {
    let tty = Tty::open(device)?;
    Ok(SerialEndpoint::start(
        tty,
        EndpointConfig {
            role: Role::BusOwner,
            eid: local,
            uuid: [0; 16],
            vendor_iana,
        },
    ))
}

/// Opens `device`, brings up the endpoint on it as `eid` with ourselves as `local`,
/// and returns the NC-SI transport to it and what it said about itself. Errors say
/// which device and which step failed.
pub async fn open_serial(
    device: &Path,
    local: Eid,
    eid: Eid,
) -> Result<(MctpNcsiTransport, Peer), SerialError> {
    let ep = bus_owner(device, local, None).map_err(SerialError::Open)?;
    let peer = ep
        .bring_up(eid)
        .await
        .map_err(|source| SerialError::BringUp {
            device: device.to_path_buf(),
            source,
        })?;
    Ok((ep.ncsi(eid), peer))
}
