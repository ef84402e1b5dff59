//! What happened to a card, as the card layer reports it. The Redfish layer turns each
//! into an Event resource (origin, MessageId, severity); D-Bus could turn the same into
//! PropertiesChanged.

use sidebridge_protocol::oem::{BootProgress, MediaSlot, MediaState, PowerState};
use std::time::SystemTime;

/// One change of a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardEvent {
    /// Increasing event number.
    pub id: u64,
    /// The card's id.
    pub card: String,
    /// What changed.
    pub kind: CardEventKind,
    /// When.
    pub timestamp: SystemTime,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardEventKind {
    /// The host's power state.
    PowerChanged(PowerState),
    /// The host's boot progress.
    BootProgressChanged(BootProgress),
    /// The boot override the card stored.
    BootOverrideChanged,
    /// The host system settings the card stored (asset tag, identify LED, watchdog).
    SettingsChanged,
    /// The card's BMC was reset.
    ManagerReset,
    /// The card BMC's own network settings the card stored (host name, domain, name
    /// servers, DHCPv4, static addresses).
    ManagerNetworkChanged,
    /// The network adapter's pending settings changed (stored, or set to the
    /// defaults) (`applied` false), or the card applied them at its host's start
    /// (true).
    AdapterSettingsChanged {
        /// Applied (true) or stored as pending.
        applied: bool,
    },
    /// The host firmware's pending attribute values changed (`applied` false), or the
    /// card applied them at its host's start (true).
    BiosSettingsChanged {
        /// Applied (true) or stored as pending.
        applied: bool,
    },
    /// A virtual media slot's state.
    MediaChanged {
        /// The slot.
        slot: MediaSlot,
        /// Its new state.
        state: MediaState,
    },
    /// A port's link (an NC-SI channel of the card's package) went up or down.
    LinkChanged {
        /// The port (the channel number).
        port: u8,
        /// Up?
        up: bool,
    },
    /// The platform's active NC-SI channel moved to (true) or away from (false) one of
    /// this card's ports.
    ActiveChannel {
        /// The port.
        port: u8,
        /// Now active?
        active: bool,
    },
    /// The card stopped answering.
    Offline {
        /// What failed.
        reason: String,
    },
    /// The card answers again.
    Online,
    /// The card was found (at start, or when it was plugged in), reached `how`.
    Discovered {
        /// How it is reached, in words.
        how: String,
    },
    /// A sensor's reading crossed a threshold: its state is now `state`.
    SensorStateChanged {
        /// The sensor's name.
        sensor: String,
        /// Its new state.
        state: super::SensorState,
        /// The reading that put it there (thousandths of its unit).
        reading: Option<i32>,
    },
    /// The card's SPDM authentication succeeded (`verified`) or failed, with why.
    IntegrityChanged {
        /// Authenticated now.
        verified: bool,
        /// Why it failed.
        reason: Option<String>,
    },
    /// Signed measurements differ from the reference (configured, or the first seen).
    MeasurementsChanged {
        /// The measurement indices that changed.
        indices: Vec<u8>,
    },
    /// A long operation ended.
    TaskEnded {
        /// The task.
        task: u64,
        /// Completed (true) or failed.
        ok: bool,
    },
}
