//! Sends NC-SI commands and matches their responses (DSP0222 1.2 §6.3, §8.2).
//!
//! - One outstanding command per channel (§6.3.1): a per-channel lock is held from
//!   send to response or final timeout.
//! - Instance IDs run 1..=255 and never 0 (0 is for AENs, §6.2.12). Every attempt,
//!   retries included, takes a fresh IID, so a late response to an earlier attempt is
//!   recognised as stale and never answers the retry.
//! - A response is delivered only when its channel, IID and command type equal the
//!   outstanding command's; anything else (late, duplicate, mismatched) is dropped and
//!   counted. Bad checksums (a zero checksum is accepted, §8.2.2.3) and unparsable
//!   packets are dropped and counted too.
//! - Timeouts follow the Linux kernel (`ncsi-cmd.c` waits 1 s per command); the
//!   retry count is configurable (DSP0222 leaves retries to the MC). Discovery probes
//!   use a shorter timeout: an absent package or channel simply never answers.

use sidebridge_protocol::ncsi::{
    Aen, Body, ChannelId, Command, ControlPacket, PacketRepr, Response, header::RESPONSE_BIT,
};
use sidebridge_transport::Transport;
use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{broadcast, oneshot};

/// How long to wait for a response and how often to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Wait per attempt.
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
}

impl Timing {
    /// Ordinary commands: 1 s (as the kernel), 2 retries.
    pub const COMMAND: Timing = Timing {
        timeout: Duration::from_secs(1),
        retries: 2,
    };
    /// Discovery probes: 200 ms (4× DSP0222's 50 ms T5), no retry.
    pub const PROBE: Timing = Timing {
        timeout: Duration::from_millis(200),
        retries: 0,
    };
}

/// Per-channel counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    /// Commands sent (attempts).
    pub sent: u64,
    /// Responses matched to a command.
    pub answered: u64,
    /// Attempts that timed out.
    pub timed_out: u64,
    /// Packets dropped for a bad checksum.
    pub bad_checksum: u64,
    /// Responses that matched no outstanding command (late, duplicate, wrong IID).
    pub stale: u64,
    /// Packets that did not parse.
    pub malformed: u64,
    /// AENs received.
    pub aens: u64,
}

/// Why a command got no usable response.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No matching response within the timeout, after every retry.
    #[error("{command} to {channel}: no response after {attempts} attempt(s) of {timeout_ms} ms")]
    Timeout {
        /// Addressed channel.
        channel: ChannelId,
        /// Command name.
        command: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Wait per attempt.
        timeout_ms: u64,
    },
    /// The command could not be encoded.
    #[error("cannot encode {command}: {source}")]
    Encode {
        /// Command name.
        command: &'static str,
        /// Why.
        source: sidebridge_protocol::Error,
    },
    /// The transport failed.
    #[error("transport: {0}")]
    Transport(#[from] io::Error),
}

struct Pending {
    iid: u8,
    command: u8,
    tx: oneshot::Sender<Response>,
}

#[derive(Default)]
struct State {
    next_iid: u8,
    pending: HashMap<ChannelId, Pending>,
    counters: HashMap<ChannelId, Counters>,
    locks: HashMap<ChannelId, Arc<tokio::sync::Mutex<()>>>,
}

impl State {
    fn iid(&mut self) -> u8 {
        self.next_iid = if self.next_iid == 255 {
            1
        } else {
            self.next_iid + 1
        };
        self.next_iid
    }
}

struct Shared {
    /// A std mutex: every critical section is a few map operations, never across an
    /// `.await`.
    state: Mutex<State>,
    aens: broadcast::Sender<(ChannelId, Aen)>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, ch: ChannelId, f: impl FnOnce(&mut Counters)) {
        f(self.lock().counters.entry(ch).or_default());
    }

    fn receive(&self, bytes: &[u8]) {
        let Ok(packet) = ControlPacket::new_checked(bytes) else {
            self.count(ChannelId(0xFF), |c| c.malformed += 1);
            return;
        };
        let ch = packet.channel();
        if packet.verify_checksum().is_err() {
            self.count(ch, |c| c.bad_checksum += 1);
            return;
        }
        let repr = match PacketRepr::parse_packet(&packet) {
            Ok(r) => r,
            Err(_) => {
                self.count(ch, |c| c.malformed += 1);
                return;
            }
        };
        match repr.body {
            Body::Aen(aen) => {
                self.count(ch, |c| c.aens += 1);
                let _ = self.aens.send((ch, aen));
            }
            Body::Response(rsp) => {
                let ty = packet.packet_type() & !RESPONSE_BIT;
                let mut st = self.lock();
                let matches = st
                    .pending
                    .get(&ch)
                    .is_some_and(|p| p.iid == repr.iid && p.command == ty);
                let counters = st.counters.entry(ch).or_default();
                if matches {
                    counters.answered += 1;
                    if let Some(p) = st.pending.remove(&ch) {
                        let _ = p.tx.send(rsp);
                    }
                } else {
                    counters.stale += 1;
                }
            }
            // Our own commands echoed back, or another MC's: not for us.
            Body::Command(_) => {}
        }
    }
}

/// Sends commands over a transport and matches responses.
pub struct Requester {
    transport: Arc<dyn Transport>,
    shared: Arc<Shared>,
    receiver: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Requester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requester")
            .field("transport", &self.transport.describe())
            .finish()
    }
}

impl Drop for Requester {
    fn drop(&mut self) {
        self.receiver.abort();
    }
}

impl Requester {
    /// Starts receiving on `transport` (must be called inside a tokio runtime).
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        let (aens, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            aens,
        });
        let rx_shared = shared.clone();
        let rx_transport = transport.clone();
        let receiver = tokio::spawn(async move {
            loop {
                match rx_transport.recv().await {
                    Ok(bytes) => rx_shared.receive(&bytes),
                    Err(e) => {
                        tracing::warn!("NC-SI receive on {} failed: {e}", rx_transport.describe());
                        return;
                    }
                }
            }
        });
        Requester {
            transport,
            shared,
            receiver,
        }
    }

    /// The transport's description.
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// AENs as they arrive. A receiver that falls behind by more than 1024 AENs loses
    /// the oldest (an AEN storm cannot make the daemon grow without bound).
    pub fn subscribe_aens(&self) -> broadcast::Receiver<(ChannelId, Aen)> {
        self.shared.aens.subscribe()
    }

    /// Counters of one channel.
    pub fn counters(&self, ch: ChannelId) -> Counters {
        self.shared
            .lock()
            .counters
            .get(&ch)
            .copied()
            .unwrap_or_default()
    }

    /// Counters of every channel seen.
    pub fn all_counters(&self) -> Vec<(ChannelId, Counters)> {
        let mut v: Vec<_> = self
            .shared
            .lock()
            .counters
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }

    /// Sends `cmd` to `ch` and waits for its response, retrying per `timing`.
    pub async fn request(
        &self,
        ch: ChannelId,
        cmd: Command,
        timing: Timing,
    ) -> Result<Response, RequestError> {
        let name = cmd.command_type().name();
        let command = u8::from(cmd.command_type());
        let lock = self.shared.lock().locks.entry(ch).or_default().clone();
        let _one_at_a_time = lock.lock().await;
        let attempts = timing.retries + 1;
        for _ in 0..attempts {
            let (tx, rx) = oneshot::channel();
            let iid = {
                let mut st = self.shared.lock();
                let iid = st.iid();
                st.pending.insert(ch, Pending { iid, command, tx });
                st.counters.entry(ch).or_default().sent += 1;
                iid
            };
            let bytes = PacketRepr::command(iid, ch, cmd.clone())
                .to_bytes()
                .map_err(|source| RequestError::Encode {
                    command: name,
                    source,
                })?;
            if let Err(e) = self.transport.send(&bytes).await {
                self.shared.lock().pending.remove(&ch);
                return Err(e.into());
            }
            match tokio::time::timeout(timing.timeout, rx).await {
                Ok(Ok(rsp)) => return Ok(rsp),
                _ => {
                    let mut st = self.shared.lock();
                    if st.pending.get(&ch).is_some_and(|p| p.iid == iid) {
                        st.pending.remove(&ch);
                    }
                    st.counters.entry(ch).or_default().timed_out += 1;
                }
            }
        }
        Err(RequestError::Timeout {
            channel: ch,
            command: name,
            attempts,
            timeout_ms: timing.timeout.as_millis() as u64,
        })
    }
}
