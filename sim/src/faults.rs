//! Fault injection: what can go wrong on a sideband, random (seeded, so a run can be
//! reproduced) or scripted.
//!
//! Response faults act on the responses the model produces: drop, delay (e.g. past
//! the MC's timeout), duplicate, corrupt the checksum, truncate, or answer with a stale
//! IID. Timed faults change the model at a time: an AEN storm, a package that
//! disappears and comes back, a flapping link, a busy card BMC.

use crate::nc::Outgoing;
use sidebridge_protocol::ncsi::{CommandType, ControlPacket};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// The response is not sent.
    Drop,
    /// The response is sent `ms` milliseconds late.
    Delay {
        /// How late.
        ms: u64,
    },
    /// The response is sent twice.
    Duplicate,
    /// The response's checksum is wrong.
    CorruptChecksum,
    /// The response is cut short (half its length).
    Truncate,
    /// The response carries the IID before the right one.
    StaleIid,
    /// `count` Link Status Change AENs at once.
    AenStorm {
        /// How many.
        count: u32,
    },
    /// The package stops answering for `duration_ms`, then comes back reset.
    PackageVanish {
        /// How long it is gone.
        duration_ms: u64,
    },
    /// The link goes down and up every `period_ms` for `duration_ms`, ending up.
    LinkFlap {
        /// How long it flaps.
        duration_ms: u64,
        /// Time between changes.
        period_ms: u64,
    },
    /// The card BMC answers Busy for `duration_ms`.
    CardBusy {
        /// How long.
        duration_ms: u64,
    },
    /// Sensor `sensor` (its index on the package's card) reads `offset` more (in
    /// thousandths of its unit) for `duration_ms`, to cross its thresholds on demand.
    SensorOffset {
        /// The sensor's index.
        sensor: u8,
        /// What is added to its reading.
        offset: i32,
        /// How long.
        duration_ms: u64,
    },
}

/// When a fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// Each matching response, with this probability.
    Random {
        /// 0.0..=1.0.
        probability: f64,
    },
    /// Matching responses number `after`+1 to `after`+`count` (1-based: `after = 0`
    /// hits the first).
    AfterCommands {
        /// Matching responses let through first.
        after: u64,
        /// How many are hit.
        count: u32,
    },
    /// Once, at this many milliseconds after the start (timed faults).
    At {
        /// Start time.
        at_ms: u64,
    },
}

/// One fault of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// What.
    pub kind: FaultKind,
    /// When.
    pub trigger: Trigger,
    /// Only responses from (or the timed fault on) this package.
    pub package: Option<u8>,
    /// Only this channel.
    pub channel: Option<u8>,
    /// Only responses to this command.
    pub command: Option<CommandType>,
}

/// A change the runner applies to the model at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimedAction {
    /// Link Status Change AEN storm.
    AenStorm {
        /// Package.
        package: u8,
        /// Channel.
        channel: u8,
        /// How many AENs.
        count: u32,
    },
    /// Package present or not.
    Present {
        /// Package.
        package: u8,
        /// Present?
        present: bool,
    },
    /// Link up or down on one channel (all channels when `channel` is `None`).
    Link {
        /// Package.
        package: u8,
        /// Channel, or all.
        channel: Option<u8>,
        /// Up?
        up: bool,
    },
    /// The card answers Busy until this time.
    CardBusy {
        /// Package.
        package: u8,
        /// Until (ms).
        until_ms: u64,
    },
    /// A sensor of the package's card reads this much more (0: back to normal).
    SensorOffset {
        /// Package.
        package: u8,
        /// The sensor's index.
        sensor: u8,
        /// The offset.
        offset: i32,
    },
}

/// SplitMix64: a small, fast, reproducible generator (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The faults of a run and their state.
#[derive(Debug)]
pub struct FaultPlan {
    specs: Vec<FaultSpec>,
    rngs: Vec<Rng>,
    matched: Vec<u64>,
    /// How many times each fault fired.
    fired: Vec<u64>,
    timeline: Vec<(u64, TimedAction)>,
}

/// A packet to send after `delay_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Send {
    /// Delay in milliseconds (0: now).
    pub delay_ms: u64,
    /// The packet.
    pub bytes: Vec<u8>,
}

impl FaultPlan {
    /// The plan for `specs` with random faults seeded by `seed`.
    pub fn new(specs: Vec<FaultSpec>, seed: u64) -> Self {
        let rngs = (0..specs.len() as u64)
            .map(|i| Rng(seed ^ i.wrapping_mul(0xA076_1D64_78BD_642F)))
            .collect();
        let mut timeline = Vec::new();
        for s in &specs {
            let (Trigger::At { at_ms }, Some(package)) = (s.trigger, s.package) else {
                continue;
            };
            match s.kind {
                FaultKind::AenStorm { count } => {
                    timeline.push((
                        at_ms,
                        TimedAction::AenStorm {
                            package,
                            channel: s.channel.unwrap_or(0),
                            count,
                        },
                    ));
                }
                FaultKind::PackageVanish { duration_ms } => {
                    timeline.push((
                        at_ms,
                        TimedAction::Present {
                            package,
                            present: false,
                        },
                    ));
                    timeline.push((
                        at_ms + duration_ms,
                        TimedAction::Present {
                            package,
                            present: true,
                        },
                    ));
                }
                FaultKind::LinkFlap {
                    duration_ms,
                    period_ms,
                } => {
                    let mut t = at_ms;
                    let mut up = false;
                    while t < at_ms + duration_ms {
                        timeline.push((
                            t,
                            TimedAction::Link {
                                package,
                                channel: s.channel,
                                up,
                            },
                        ));
                        up = !up;
                        t += period_ms;
                    }
                    timeline.push((
                        at_ms + duration_ms,
                        TimedAction::Link {
                            package,
                            channel: s.channel,
                            up: true,
                        },
                    ));
                }
                FaultKind::CardBusy { duration_ms } => {
                    timeline.push((
                        at_ms,
                        TimedAction::CardBusy {
                            package,
                            until_ms: at_ms + duration_ms,
                        },
                    ));
                }
                FaultKind::SensorOffset {
                    sensor,
                    offset,
                    duration_ms,
                } => {
                    for (t, offset) in [(at_ms, offset), (at_ms + duration_ms, 0)] {
                        timeline.push((
                            t,
                            TimedAction::SensorOffset {
                                package,
                                sensor,
                                offset,
                            },
                        ));
                    }
                }
                _ => {}
            }
        }
        timeline.sort_by_key(|(t, _)| *t);
        let n = specs.len();
        FaultPlan {
            specs,
            rngs,
            matched: vec![0; n],
            fired: vec![0; n],
            timeline,
        }
    }

    /// No faults.
    pub fn none() -> Self {
        Self::new(Vec::new(), 0)
    }

    /// How many times fault `i` (scenario order) fired.
    pub fn fired(&self, i: usize) -> u64 {
        self.fired.get(i).copied().unwrap_or(0)
    }

    /// The earliest pending timed action.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timeline.first().map(|(t, _)| *t)
    }

    /// Takes the timed actions due by `now`.
    pub fn due(&mut self, now: u64) -> Vec<TimedAction> {
        let n = self.timeline.partition_point(|(t, _)| *t <= now);
        self.timeline.drain(..n).map(|(_, a)| a).collect()
    }

    /// Decides what happens to a packet the model sends. AENs pass unchanged; a
    /// response meets the first fault that fires for it.
    pub fn on_packet(&mut self, out: &Outgoing) -> Vec<Send> {
        let now = |bytes: Vec<u8>| Send { delay_ms: 0, bytes };
        let Some(command) = out.command else {
            return vec![now(out.bytes.clone())];
        };
        for i in 0..self.specs.len() {
            let s = &self.specs[i];
            let matches = s.package.is_none_or(|p| p == out.package)
                && s.channel.is_none_or(|c| c == out.channel.channel_id())
                && s.command.is_none_or(|c| c == command);
            if !matches {
                continue;
            }
            let fires = match s.trigger {
                Trigger::Random { probability } => self.rngs[i].unit() < probability,
                Trigger::AfterCommands { after, count } => {
                    self.matched[i] += 1;
                    self.matched[i] > after && self.matched[i] <= after + u64::from(count)
                }
                Trigger::At { .. } => false,
            };
            if !fires {
                continue;
            }
            let mut bytes = out.bytes.clone();
            let result = match s.kind {
                FaultKind::Drop => vec![],
                FaultKind::Delay { ms } => vec![Send {
                    delay_ms: ms,
                    bytes,
                }],
                FaultKind::Duplicate => vec![now(bytes.clone()), now(bytes)],
                FaultKind::CorruptChecksum => {
                    if let Some(last) = bytes.last_mut() {
                        *last ^= 0x5A;
                    }
                    vec![now(bytes)]
                }
                FaultKind::Truncate => {
                    bytes.truncate(bytes.len() / 2);
                    vec![now(bytes)]
                }
                FaultKind::StaleIid => {
                    if bytes.len() > 3 {
                        bytes[3] = if bytes[3] <= 1 { 255 } else { bytes[3] - 1 };
                        let mut p = ControlPacket::new_unchecked(&mut bytes[..]);
                        if p.check_len().is_ok() {
                            p.fill_checksum();
                        }
                    }
                    vec![now(bytes)]
                }
                // Timed faults never act on a single response.
                _ => continue,
            };
            self.fired[i] += 1;
            return result;
        }
        vec![now(out.bytes.clone())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_reproducible_and_roughly_uniform() {
        let mut a = Rng(42);
        let mut b = Rng(42);
        let xs: Vec<f64> = (0..10_000).map(|_| a.unit()).collect();
        assert!(
            xs.iter()
                .zip((0..10_000).map(|_| b.unit()))
                .all(|(x, y)| *x == y)
        );
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((0.48..0.52).contains(&mean), "{mean}");
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
