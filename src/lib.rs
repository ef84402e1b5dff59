//! sidebridge, the daemon: it manages the DPUs, IPUs and smart NICs of a server from
//! the platform BMC over NC-SI and MCTP, and presents them on one Redfish aggregation
//! endpoint.
//!
//! # Layout (each layer knows only the one below)
//! - [`redfish`]: the Redfish service (axum). One file per resource; [`redfish::mapping`]
//!   is the one place card state and [`cards::CardError`] become Redfish bodies and
//!   Base messages.
//! - [`cards`]: the card layer. Each card's cached model ([`cards::Card`]), its
//!   operations, tasks and events; no Redfish, no HTTP.
//! - [`ncsi`]: the MC side of NC-SI. [`ncsi::Requester`] sends one command at a time
//!   per channel and matches responses; [`ncsi::Manager`] discovers packages and
//!   channels, configures and monitors the active channel, handles AENs and fails
//!   over; [`ncsi::OemClient`] is the typed async API to a card BMC.
//! - [`mctp`]: bringing up NC-SI over MCTP on a serial line (sidebridge as bus owner).
//! - Transports come from `sidebridge-transport` (raw socket, kernel netlink, MCTP,
//!   in-memory, pcap and tracing decorators); codecs from `sidebridge-protocol`.
//! - [`daemon`]: the pieces started together (engine, cards, Redfish, listeners).
//! - [`config`]: the TOML configuration, parsed once into typed values with errors that
//!   name the key.
//! - [`cli`]: `sidebridge ncsi …`, one command or a discovery from the shell.
//!
//! Where to find a thing: an NC-SI command's codec is in
//! `sidebridge_protocol::ncsi::command`/`response`; a Redfish resource in
//! `redfish/<schema in snake case>.rs`; a transport in `sidebridge_transport::<name>`.

pub mod agent;
pub mod cards;
pub mod cli;
pub mod config;
pub mod daemon;
#[cfg(feature = "dbus")]
pub mod dbus;
pub mod mctp;
pub mod ncsi;
pub mod redfish;
pub mod spdm;
pub mod tls;
