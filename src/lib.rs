//! sidebridge, the daemon: it manages the DPUs, IPUs and smart NICs of a server from
//! the platform BMC over NC-SI, and (in later modules) presents them over Redfish.
//!
//! # Layout
//! - [`ncsi`]: the MC side of NC-SI. [`ncsi::Requester`] sends one command at a time
//!   per channel and matches responses; [`ncsi::Manager`] discovers packages and
//!   channels, configures and monitors the active channel, handles AENs and fails
//!   over; [`ncsi::OemClient`] is the typed async API to a card BMC.
//! - [`netlink`]: the Linux kernel's NC-SI generic netlink family as a transport,
//!   for images where the kernel's NC-SI driver owns the interface.
//! - [`config`]: the TOML configuration, validated with errors that name the key.
//! - [`cli`]: `sidebridge ncsi …`, one command or a discovery from the shell.
//! - Transports come from `sidebridge-transport` (raw socket, in-memory, pcap).

pub mod bridge;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod mctp;
pub mod ncsi;
pub mod redfish;
