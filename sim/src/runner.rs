//! Drives the model over a [`Transport`]: commands in, responses (through the fault
//! plan) and AENs out, timed card transitions and timed faults on schedule. Time is
//! tokio's, so tests under `tokio::time::pause()` run instantly and deterministically.

use crate::faults::{FaultPlan, TimedAction};
use crate::nc::{Nc, Outgoing};
use crate::scenario::Scenario;
use sidebridge_transport::Transport;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};

/// A change a test or the demo asks of a running simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Set a channel's link.
    Link {
        /// Package.
        package: u8,
        /// Channel.
        channel: u8,
        /// Up?
        up: bool,
    },
    /// Take a package away or bring it back.
    Present {
        /// Package.
        package: u8,
        /// Present?
        present: bool,
    },
    /// Set the host NC driver state of a channel.
    HostDriver {
        /// Package.
        package: u8,
        /// Channel.
        channel: u8,
        /// Running?
        running: bool,
    },
}

/// A handle on a running simulator: read the model, send it [`Control`]s.
#[derive(Debug, Clone)]
pub struct SimHandle {
    nc: Arc<Mutex<Nc>>,
    faults: Arc<Mutex<FaultPlan>>,
    control: mpsc::UnboundedSender<Control>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the model as it was; keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimHandle {
    /// Runs `f` on the model. The lock is a std mutex held only for `f`, never across
    /// an `.await`.
    pub fn with<R>(&self, f: impl FnOnce(&mut Nc) -> R) -> R {
        f(&mut lock(&self.nc))
    }

    /// How many times fault `i` of the scenario fired.
    pub fn fault_fired(&self, i: usize) -> u64 {
        lock(&self.faults).fired(i)
    }

    /// Asks the running simulator for a change; false when it has stopped.
    pub fn control(&self, c: Control) -> bool {
        self.control.send(c).is_ok()
    }
}

/// A simulator ready to run.
#[derive(Debug)]
pub struct Simulator {
    nc: Arc<Mutex<Nc>>,
    faults: Arc<Mutex<FaultPlan>>,
    control_tx: mpsc::UnboundedSender<Control>,
    control_rx: mpsc::UnboundedReceiver<Control>,
}

impl Simulator {
    /// The simulator for a scenario.
    pub fn new(scenario: Scenario) -> Self {
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        Simulator {
            nc: Arc::new(Mutex::new(Nc::new(scenario.packages))),
            faults: Arc::new(Mutex::new(FaultPlan::new(scenario.faults, scenario.seed))),
            control_tx,
            control_rx,
        }
    }

    /// A handle for reading and steering it while it runs.
    pub fn handle(&self) -> SimHandle {
        SimHandle {
            nc: self.nc.clone(),
            faults: self.faults.clone(),
            control: self.control_tx.clone(),
        }
    }

    /// Serves `transport` until `shutdown` completes or the transport fails.
    pub async fn run<T: Transport>(
        mut self,
        transport: T,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let start = Instant::now();
        let ms = |t: Instant| t.saturating_duration_since(start).as_millis() as u64;
        // Packets held back by delay faults: (due ms, order, bytes).
        let mut delayed: BinaryHeap<Reverse<(u64, u64, Vec<u8>)>> = BinaryHeap::new();
        let mut order = 0u64;
        tokio::pin!(shutdown);
        loop {
            let deadline = {
                let nc = lock(&self.nc).next_deadline();
                let faults = lock(&self.faults).next_deadline();
                [nc, faults, delayed.peek().map(|Reverse((t, _, _))| *t)]
                    .into_iter()
                    .flatten()
                    .min()
            };
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(start + Duration::from_millis(d)).await,
                    None => std::future::pending().await,
                }
            };
            let mut out: Vec<Outgoing> = Vec::new();
            tokio::select! {
                biased;
                () = &mut shutdown => return Ok(()),
                Some(c) = self.control_rx.recv() => {
                    let mut nc = lock(&self.nc);
                    out = match c {
                        Control::Link { package, channel, up } => nc.set_link(package, channel, up),
                        Control::Present { package, present } => nc.set_present(package, present),
                        Control::HostDriver { package, channel, running } => nc.set_host_driver(package, channel, running),
                    };
                }
                packet = transport.recv() => {
                    let packet = packet?;
                    out = lock(&self.nc).handle(&packet, ms(Instant::now()));
                }
                () = sleep => {
                    let now = ms(Instant::now());
                    while delayed.peek().is_some_and(|Reverse((t, _, _))| *t <= now) {
                        if let Some(Reverse((_, _, bytes))) = delayed.pop() {
                            transport.send(&bytes).await?;
                        }
                    }
                    let actions = lock(&self.faults).due(now);
                    let mut nc = lock(&self.nc);
                    for a in actions {
                        out.extend(timed_action(&mut nc, a));
                    }
                    out.extend(nc.advance(now));
                }
            }
            let now = ms(Instant::now());
            let sends: Vec<_> = {
                let mut faults = lock(&self.faults);
                out.iter().flat_map(|o| faults.on_packet(o)).collect()
            };
            for s in sends {
                if s.delay_ms == 0 {
                    transport.send(&s.bytes).await?;
                } else {
                    order += 1;
                    delayed.push(Reverse((now + s.delay_ms, order, s.bytes)));
                }
            }
        }
    }
}

/// What a timed fault does to the model now (a storm, a package vanishing, a link
/// flap, a busy card), and the packets it puts on the bus.
fn timed_action(nc: &mut Nc, a: TimedAction) -> Vec<Outgoing> {
    match a {
        TimedAction::AenStorm {
            package,
            channel,
            count,
        } => nc.aen_storm(package, channel, count),
        TimedAction::Present { package, present } => nc.set_present(package, present),
        TimedAction::Link {
            package,
            channel,
            up,
        } => {
            let channels: Vec<u8> = match channel {
                Some(c) => vec![c],
                None => nc
                    .package(package)
                    .map(|p| p.channels.iter().map(|c| c.id).collect())
                    .unwrap_or_default(),
            };
            channels
                .into_iter()
                .flat_map(|c| nc.set_link(package, c, up))
                .collect()
        }
        TimedAction::CardBusy { package, until_ms } => {
            if let Some(card) = nc.card_mut(package) {
                card.set_busy_until(until_ms);
            }
            Vec::new()
        }
        TimedAction::SensorOffset {
            package,
            sensor,
            offset,
        } => {
            if let Some(card) = nc.card_mut(package) {
                card.set_sensor_offset(usize::from(sensor), offset);
            }
            Vec::new()
        }
    }
}
