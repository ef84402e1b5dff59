//! What sidebridge does with an authentication: the configured mode, the reference
//! measurements, and the state the card layer keeps per card.

use super::{Authenticated, SpdmError};
use serde::Deserialize;
use sidebridge_protocol::spdm::MeasurementBlock;
use sidebridge_transport::mctp::RequestLink;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How much an authentication failure counts (`[[spdm]] mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The chain must verify to a configured trust anchor, the challenge and the
    /// measurement signatures must verify; until they do, operations on the card are
    /// refused. The default.
    #[default]
    Require,
    /// The first chain seen is pinned (its leaf, in the state directory); later the
    /// same leaf must answer the challenge. No anchor needed. Operations are refused
    /// when it fails, as with `require`.
    TrustOnFirstUse,
    /// Authenticate and show the result, but never refuse an operation.
    None,
}

/// One card's SPDM responder and what to expect of it.
#[derive(Debug, Clone)]
pub struct SpdmTarget {
    /// The NC-SI package of the card it authenticates.
    pub package: u8,
    /// The link to its responder.
    pub link: Arc<dyn RequestLink>,
    /// Trust anchors (DER).
    pub anchors: Vec<Vec<u8>>,
    /// The mode.
    pub mode: Mode,
    /// The certificate slot.
    pub slot: u8,
    /// How often to authenticate again.
    pub period: Duration,
    /// How long one SPDM request waits.
    pub timeout: Duration,
    /// Expected measurement values by index; `None`: the first seen.
    pub reference: Option<BTreeMap<u8, Vec<u8>>>,
    /// Where the pinned leaf is kept (trust on first use).
    pub pin: Option<PathBuf>,
}

/// Where a card's authentication stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrityState {
    /// Not attempted yet.
    Pending,
    /// Authenticated.
    Verified,
    /// Failed, with why.
    Failed(String),
}

/// A card's authentication, as the card layer keeps it.
#[derive(Debug, Clone)]
pub struct Integrity {
    /// The state.
    pub state: IntegrityState,
    /// The configured mode.
    pub mode: Mode,
    /// When it was last attempted.
    pub at: Option<SystemTime>,
    /// What the last success found (kept after a later failure, to show).
    pub last: Option<Authenticated>,
    /// The reference measurements (configured, or the first seen).
    pub reference: BTreeMap<u8, Vec<u8>>,
    /// Indices whose last value differs from the reference.
    pub changed: Vec<u8>,
}

impl Integrity {
    /// A card not authenticated yet.
    pub fn pending(mode: Mode, reference: Option<BTreeMap<u8, Vec<u8>>>) -> Self {
        Integrity {
            state: IntegrityState::Pending,
            mode,
            at: None,
            last: None,
            reference: reference.unwrap_or_default(),
            changed: Vec::new(),
        }
    }

    /// Why operations on the card are refused, if they are.
    pub fn refusal(&self) -> Option<String> {
        if self.mode == Mode::None {
            return None;
        }
        match &self.state {
            IntegrityState::Verified => None,
            IntegrityState::Pending => Some("the card is not authenticated yet (SPDM)".into()),
            IntegrityState::Failed(why) => {
                Some(format!("the card failed SPDM authentication: {why}"))
            }
        }
    }

    /// Records a result; returns the measurement indices that now differ from the
    /// reference and did not before (a change to report).
    pub fn record(&mut self, result: Result<Authenticated, SpdmError>) -> Vec<u8> {
        self.at = Some(SystemTime::now());
        match result {
            Err(e) => {
                self.state = IntegrityState::Failed(e.to_string());
                Vec::new()
            }
            Ok(a) => {
                self.state = IntegrityState::Verified;
                let fresh = compare(&mut self.reference, &a.measurements);
                let new: Vec<u8> = fresh
                    .iter()
                    .copied()
                    .filter(|i| !self.changed.contains(i))
                    .collect();
                self.changed = fresh;
                self.last = Some(a);
                new
            }
        }
    }
}

/// Compares `blocks` with `reference`, adopting the value of every index the
/// reference lacks (the first seen); returns the indices that differ.
pub fn compare(reference: &mut BTreeMap<u8, Vec<u8>>, blocks: &[MeasurementBlock]) -> Vec<u8> {
    let mut changed = Vec::new();
    for b in blocks {
        match reference.get(&b.index) {
            Some(v) if *v != b.value => changed.push(b.index),
            Some(_) => {}
            None => {
                reference.insert(b.index, b.value.clone());
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(index: u8, v: u8) -> MeasurementBlock {
        MeasurementBlock {
            index,
            spec: 1,
            value_type: 1,
            value: vec![v; 4],
        }
    }

    #[test]
    fn the_first_values_become_the_reference_and_a_change_is_reported_once() {
        let mut i = Integrity::pending(Mode::Require, None);
        assert!(i.refusal().unwrap().contains("not authenticated yet"));
        let auth = |blocks| Authenticated {
            negotiated: super::super::Negotiated {
                version: sidebridge_protocol::spdm::Version::V13,
                flags: 0,
                base_asym: 0,
                base_hash: 0,
                measurement_hash: 0,
            },
            slot: 0,
            certificates: vec![],
            anchored: true,
            measurements: blocks,
        };
        assert!(
            i.record(Ok(auth(vec![block(1, 1), block(2, 2)])))
                .is_empty()
        );
        assert_eq!(i.refusal(), None);
        assert_eq!(i.record(Ok(auth(vec![block(1, 1), block(2, 9)]))), vec![2]);
        assert!(
            i.record(Ok(auth(vec![block(1, 1), block(2, 9)])))
                .is_empty()
        );
        assert_eq!(i.changed, vec![2]);
        let e = SpdmError::Capability("CHALLENGE (CHAL_CAP)");
        assert!(i.record(Err(e)).is_empty());
        assert!(i.refusal().unwrap().contains("CHAL_CAP"));
        let mut none = Integrity::pending(Mode::None, None);
        none.record(Err(SpdmError::Capability("x")));
        assert_eq!(none.refusal(), None);
    }

    #[test]
    fn a_configured_reference_is_kept() {
        let mut r = BTreeMap::from([(1u8, vec![7u8; 4])]);
        assert_eq!(compare(&mut r, &[block(1, 1), block(3, 3)]), vec![1]);
        assert_eq!(r[&1], vec![7; 4]);
        assert_eq!(r[&3], vec![3; 4]);
    }
}
