//! The sidebridge simulator: NC-SI network controllers and the card BMCs behind them,
//! with fault injection, so the daemon can be tested on any Linux box.
//!
//! - [`nc`]: the network controllers (DSP0222 1.2 state machine), up to 8 packages.
//! - [`card`]: a card BMC answering the sidebridge OEM command set (`protocol/OEM.md`).
//! - [`faults`]: drop, delay, duplicate, corrupt, truncate, stale IID, AEN storm,
//!   package vanish, link flap, card busy — random (seeded) or scripted.
//! - [`scenario`]: the TOML scenario files in `sim/scenarios/`.
//! - [`runner`]: serves a [`sidebridge_transport::Transport`] (in-process pair or raw
//!   socket); `sidebridge-sim --interface IF --scenario FILE` is the binary.

pub mod card;
pub mod faults;
pub mod nc;
pub mod runner;
pub mod scenario;
pub mod testbed;

pub use runner::{Control, SimHandle, Simulator};
pub use scenario::Scenario;
