//! Card authentication in the card layer: each configured SPDM responder is asked at
//! its card's discovery and on a period; the result gates operations (mode
//! `require` and `trust_on_first_use`), raises events, and is kept for Redfish.

use super::{CardError, CardEventKind, CardResult, Cards, lock};
use crate::spdm::{
    Authenticated, Integrity, IntegrityState, Mode, Requester, SignedMeasurements, SpdmError,
    SpdmTarget,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A configured responder and the lock of its conversations.
pub(super) type Responder = (Arc<SpdmTarget>, Arc<tokio::sync::Mutex<()>>);

/// How often a target whose card is absent, or whose last attempt failed to reach
/// it, is looked at again.
const RETRY: Duration = Duration::from_secs(5);

impl Cards {
    /// Adds a card's SPDM responder. Until its first authentication succeeds,
    /// operations on the card are refused (unless the mode is `none`). Replacing a
    /// package's responder (its link or anchors) keeps what was learnt: the state
    /// and the reference measurements.
    pub fn add_spdm(&self, target: SpdmTarget) {
        lock(&self.integrity)
            .entry(target.package)
            .and_modify(|i| i.mode = target.mode)
            .or_insert_with(|| Integrity::pending(target.mode, target.reference.clone()));
        let mut all = lock(&self.spdm);
        let conversation = all
            .get(&target.package)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        all.insert(target.package, (Arc::new(target), conversation));
        self.spdm_added.notify_one();
    }

    /// The SPDM state of card `id`, when it has a configured responder.
    pub fn integrity(&self, id: &str) -> Option<Integrity> {
        let package = self.card(id).ok()?.package()?;
        lock(&self.integrity).get(&package).cloned()
    }

    /// Refuses an operation on card `id` while its authentication requires it.
    pub(crate) fn trusted(&self, id: &str) -> CardResult<()> {
        let Some(i) = self.integrity(id) else {
            return Ok(());
        };
        match i.refusal() {
            None => Ok(()),
            Some(why) => Err(CardError::Conflict {
                card: id.to_string(),
                detail: format!("state: {why}"),
            }),
        }
    }

    /// The target of card `id`, with its conversation lock.
    fn target(&self, id: &str) -> CardResult<Responder> {
        let card = self.card(id)?;
        card.package()
            .and_then(|p| lock(&self.spdm).get(&p).cloned())
            .ok_or_else(|| CardError::NoSuchCard(id.to_string()))
    }

    /// Authenticates card `id` now: negotiates, checks the chain, challenges, reads
    /// signed measurements; records the result, raises an event when the state
    /// changes and one when a measurement differs from its reference.
    pub async fn authenticate(&self, id: &str) -> CardResult<()> {
        let (t, conversation) = self.target(id)?;
        let result = {
            let _one_at_a_time = conversation.lock().await;
            run(&t).await
        };
        let (before, state, changed) = {
            let mut all = lock(&self.integrity);
            let i = all
                .entry(t.package)
                .or_insert_with(|| Integrity::pending(t.mode, t.reference.clone()));
            let before = i.state.clone();
            let changed = i.record(result);
            (before, i.state.clone(), changed)
        };
        let failed = match &state {
            IntegrityState::Failed(why) => Some(why.clone()),
            _ => None,
        };
        if self.card(id).is_ok_and(|c| c.untrusted != failed) {
            let why = failed.clone();
            self.update(id, |c| c.untrusted = why);
        }
        if before != state {
            match &failed {
                None => tracing::info!("card {id}: SPDM authentication succeeded"),
                Some(why) => tracing::warn!("card {id}: SPDM authentication failed: {why}"),
            }
            self.emit(
                id,
                CardEventKind::IntegrityChanged {
                    verified: state == IntegrityState::Verified,
                    reason: failed,
                },
            );
        }
        if !changed.is_empty() {
            tracing::warn!("card {id}: measurements {changed:?} differ from the reference");
            self.emit(id, CardEventKind::MeasurementsChanged { indices: changed });
        }
        Ok(())
    }

    /// Signed measurements of card `id` for a client to verify: `indices` (empty:
    /// all) from `slot`, the last request signed over `nonce` when given.
    pub async fn signed_measurements(
        &self,
        id: &str,
        slot: u8,
        indices: &[u8],
        nonce: Option<[u8; 32]>,
    ) -> CardResult<(SignedMeasurements, Authenticated)> {
        let (t, conversation) = self.target(id)?;
        let _one_at_a_time = conversation.lock().await;
        let fail = |e: SpdmError| CardError::Protocol {
            card: id.to_string(),
            reason: e.to_string(),
        };
        let Some(last) = self.integrity(id).and_then(|i| i.last) else {
            return Err(CardError::Conflict {
                card: id.to_string(),
                detail: "state: the card has not been authenticated yet".into(),
            });
        };
        if slot != last.slot {
            return Err(CardError::Refused {
                card: id.to_string(),
                result: sidebridge_protocol::oem::ResultCode::NotFound,
                detail: format!("slot {slot}: only slot {} is authenticated", last.slot),
            });
        }
        let leaf = last.certificates.last().cloned().unwrap_or_default();
        let mut r = Requester::new(t.link.as_ref(), t.timeout);
        r.negotiate().await.map_err(fail)?;
        let ops: Vec<u8> = if indices.is_empty() {
            vec![sidebridge_protocol::spdm::ALL_MEASUREMENTS]
        } else {
            indices.to_vec()
        };
        let signed = r
            .signed_measurements(slot, &leaf, &ops, nonce)
            .await
            .map_err(fail)?;
        Ok((signed, last))
    }

    /// Authenticates every configured card at its discovery and then every period.
    pub(super) async fn run_spdm(self: Arc<Self>) {
        let mut due: std::collections::BTreeMap<u8, (Option<String>, Instant)> = Default::default();
        loop {
            let targets: Vec<Arc<SpdmTarget>> =
                lock(&self.spdm).values().map(|(t, _)| t.clone()).collect();
            if targets.is_empty() {
                // Nothing configured: sleep until a responder is added, not on a tick.
                self.spdm_added.notified().await;
                continue;
            }
            for t in targets {
                let Some(id) = self.card_by_package(t.package) else {
                    due.remove(&t.package);
                    continue;
                };
                let (seen, next) = due
                    .get(&t.package)
                    .cloned()
                    .unwrap_or((None, Instant::now()));
                // A new card (or another card in the slot) is authenticated at once.
                if seen.as_deref() == Some(id.as_str()) && Instant::now() < next {
                    continue;
                }
                let _ = self.authenticate(&id).await;
                let ok = matches!(
                    lock(&self.integrity).get(&t.package).map(|i| &i.state),
                    Some(IntegrityState::Verified)
                );
                let wait = if ok {
                    t.period
                } else {
                    t.period.min(RETRY * 12)
                };
                due.insert(t.package, (Some(id), Instant::now() + wait));
            }
            tokio::time::sleep(RETRY).await;
        }
    }
}

/// One authentication of `t`, with the trust on first use pin applied.
async fn run(t: &SpdmTarget) -> Result<Authenticated, SpdmError> {
    let mut r = Requester::new(t.link.as_ref(), t.timeout);
    let anchors = if t.mode == Mode::TrustOnFirstUse {
        &[][..]
    } else {
        &t.anchors[..]
    };
    let a = r.authenticate(t.slot, anchors).await?;
    if t.mode == Mode::TrustOnFirstUse {
        if let Some(pin) = &t.pin {
            let leaf = a.certificates.last().cloned().unwrap_or_default();
            match std::fs::read(pin) {
                Ok(pinned) if pinned == leaf => {}
                Ok(_) => {
                    return Err(SpdmError::Chain {
                        slot: t.slot,
                        detail: format!(
                            "its leaf certificate is not the one pinned at first use ({}); delete that file to accept a replaced card",
                            pin.display()
                        ),
                    });
                }
                Err(_) => {
                    if let Some(dir) = pin.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    if let Err(e) = std::fs::write(pin, &leaf) {
                        tracing::warn!("pinning the SPDM leaf at {}: {e}", pin.display());
                    }
                }
            }
        }
    }
    Ok(a)
}
