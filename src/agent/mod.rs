//! `sidebridge agent`: the card side. It runs on the card's BMC, answers the OEM
//! command set (`protocol/OEM.md`) that the platform BMC sends, and executes each
//! command against the card BMC's own Redfish service.
//!
//! - [`config`]: the agent's TOML file.
//! - [`client`]: the HTTP client for the card's Redfish service.
//! - [`backend`]: the typed commands, each mapped to Redfish (OEM.md §11).
//! - [`tunnel`]: the Redfish tunnel and its allow-list (OEM.md §4.18).
//!
//! The agent is reached as its own MCTP endpoint ([`Agent::serve`], vendor-defined
//! messages, OEM.md §2.1), or through NC-SI OEM commands that the card's network
//! controller forwards to it on an interface ([`Agent::serve_ncsi`], OEM.md §2).
//!
//! Framing, chunks and retries are the protocol crate's [`Responder`]: a retried
//! frame is answered from the record and never executed twice. Requests are executed
//! one at a time, in arrival order, so a retry that arrives while its first copy runs
//! waits and is then answered from the record. The long operations (Reset,
//! VirtualMediaInsert) answer Accepted at once and run in the background;
//! the platform learns the end from the OperationCompleted event or GetOperationStatus.
//! Power state and boot progress are polled and changes sent as events (OEM.md §7).

pub mod backend;
pub mod client;
pub mod config;
pub mod tunnel;

use backend::Backend;
use client::RedfishClient;
use config::AgentConfig;
use futures_util::FutureExt;
use sidebridge_protocol::ncsi::ChannelId;
use sidebridge_protocol::ncsi::aen::Aen;
use sidebridge_protocol::ncsi::{
    Body, Command, PacketRepr, ReasonCode, ResponseCode, ResponseData,
};
use sidebridge_protocol::oem::responder::{Responder, Step};
use sidebridge_protocol::oem::{
    self, BootProgress, CommandId, Event, Frame, OperationState, OperationStatus, PowerState,
    Request, Response, ResponseBody, ResultCode,
};
use sidebridge_transport::Transport;
use sidebridge_transport::mctp::VdmLink;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tunnel::AllowList;

/// A task aborted when its handle is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How many long operations the agent remembers (OEM.md §5.3).
pub const OPERATIONS: usize = 16;

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Peer::Mctp(l, eid) => write!(f, "EID {eid:#04x} on {}", l.describe()),
            Peer::Ncsi(t, ch, _) => write!(f, "{ch} on {}", t.describe()),
        }
    }
}

/// The agent.
#[derive(Debug)]
pub struct Agent {
    backend: Backend,
    allow: AllowList,
    /// Std mutexes: short critical sections, never held across an `.await`.
    responder: Mutex<Responder>,
    operations: Mutex<VecDeque<OperationStatus>>,
    /// Where events go: the last requester, on the link it used.
    peer: Mutex<Option<Peer>>,
}

/// Where the last request came from.
#[derive(Clone)]
enum Peer {
    /// An MCTP endpoint (the link carries one enterprise number).
    Mctp(Arc<dyn VdmLink>, u8),
    /// An NC-SI channel on an interface, with the manufacturer id it uses.
    Ncsi(Arc<dyn Transport>, ChannelId, u32),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Agent {
    /// An agent for `cfg` (the trust files are read now).
    pub fn new(cfg: &AgentConfig) -> std::io::Result<Arc<Self>> {
        let client = RedfishClient::new(&cfg.card)?;
        Ok(Arc::new(Agent {
            backend: Backend::new(client, &cfg.card),
            allow: cfg.allow.clone(),
            responder: Mutex::new(Responder::new(oem::TUNNEL_VERSION)),
            operations: Mutex::new(VecDeque::new()),
            peer: Mutex::new(None),
        }))
    }

    /// The backend (for its client in tests and the CLI).
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Answers one OEM frame from `link`; `None` when the bytes are not a frame (they
    /// are dropped, as a responder must drop what it cannot read).
    pub async fn answer(self: &Arc<Self>, link: u32, bytes: &[u8]) -> Option<Frame> {
        let frame = match Frame::parse(bytes) {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!("agent: dropped a frame that does not parse: {e}");
                return None;
            }
        };
        let step = lock(&self.responder).accept(link, &frame);
        let (pending, request) = match step {
            Step::Reply(f) => return Some(f),
            Step::Execute(p, r) => (p, r),
        };
        let response = match request {
            Ok(req) => self.execute(req, pending.sequence).await,
            Err(refused) => refused,
        };
        Some(lock(&self.responder).finish(pending, response))
    }

    async fn execute(self: &Arc<Self>, req: Request, sequence: u32) -> Response {
        let command = req.command();
        match req {
            Request::Redfish(t) => Response::ok(
                command,
                ResponseBody::Redfish(tunnel::forward(&self.allow, self.backend.client(), t).await),
            ),
            Request::GetOperationStatus { sequence: s } => {
                let status = lock(&self.operations)
                    .iter()
                    .find(|o| o.sequence == s)
                    .copied()
                    .unwrap_or(OperationStatus {
                        sequence: s,
                        command: CommandId::Unknown(0),
                        state: OperationState::NotFound,
                        result: ResultCode::NotFound,
                        progress: 0,
                    });
                Response::ok(command, ResponseBody::OperationStatus(status))
            }
            Request::Reset(_) | Request::VirtualMediaInsert(_) => {
                self.start(req, sequence);
                Response {
                    command,
                    result: ResultCode::Accepted,
                    body: ResponseBody::Empty,
                }
            }
            // Boxed here and in `start`: both would otherwise inline the whole dispatch.
            other => self.backend.execute(&other).boxed().await,
        }
    }

    fn set_operation(&self, s: OperationStatus) {
        let mut ops = lock(&self.operations);
        ops.retain(|o| o.sequence != s.sequence);
        if ops.len() == OPERATIONS {
            ops.pop_front();
        }
        ops.push_back(s);
    }

    /// Runs a long operation in the background; its end is recorded and announced.
    fn start(self: &Arc<Self>, req: Request, sequence: u32) {
        let command = req.command();
        let status = move |state, result| OperationStatus {
            sequence,
            command,
            state,
            result,
            progress: if state == OperationState::Completed {
                100
            } else {
                0
            },
        };
        self.set_operation(status(OperationState::Running, ResultCode::Ok));
        let agent = self.clone();
        tokio::spawn(async move {
            let r = agent.backend.execute(&req).boxed().await;
            if r.result != ResultCode::Ok {
                tracing::warn!(
                    "agent: {command:?} (sequence {sequence:#x}) failed: {:?}",
                    r.body
                );
            }
            agent.set_operation(status(OperationState::Completed, r.result));
            agent
                .notify(Event::OperationCompleted {
                    sequence,
                    command,
                    result: r.result,
                })
                .await;
        });
    }

    async fn notify(&self, e: Event) {
        let peer = lock(&self.peer).clone();
        let sent = match peer {
            // OEM.md §2.1: the AEN payload after its manufacturer id, behind the
            // message's own enterprise number.
            Some(Peer::Mctp(ep, eid)) => match e.to_aen(0) {
                Aen::Other { data, .. } => ep.vdm_notify(eid, &data[4..]).await,
                _ => return,
            },
            Some(Peer::Ncsi(t, channel, mfr)) => {
                match PacketRepr::aen(0, channel, e.to_aen(mfr)).to_bytes() {
                    Ok(bytes) => t.send(&bytes).await,
                    Err(e) => Err(std::io::Error::other(e.to_string())),
                }
            }
            None => return,
        };
        if let Err(err) = sent {
            tracing::debug!("agent: event not sent: {err}");
        }
    }

    /// Serves the OEM set in NC-SI OEM commands (0x50) of manufacturer id `mfr`
    /// arriving on `t` (an interface the card's network controller forwards them on),
    /// until `shutdown`; everything else on it is the NC's business and ignored.
    /// Answers are OEM Command Responses (0xD0) on the command's channel; events go as
    /// OEM AENs (type 0x80) on the channel of the last command.
    pub async fn serve_ncsi(
        self: Arc<Self>,
        t: Arc<dyn Transport>,
        mfr: u32,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let bytes = tokio::select! {
                () = &mut shutdown => break,
                b = t.recv() => match b {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!("agent: {}: {e}", t.describe());
                        break;
                    }
                },
            };
            let Ok(packet) = PacketRepr::parse(&bytes) else {
                continue;
            };
            let Body::Command(Command::Oem(cmd)) = &packet.body else {
                continue;
            };
            if cmd.manufacturer_id != mfr {
                continue;
            }
            *lock(&self.peer) = Some(Peer::Ncsi(t.clone(), packet.channel, mfr));
            let Some(answer) = self.answer(u32::from(packet.channel.0), &cmd.data).await else {
                continue;
            };
            let response = sidebridge_protocol::ncsi::Response {
                code: ResponseCode::Completed,
                reason: ReasonCode::NoError,
                data: ResponseData::Oem(answer.to_oem_response(mfr)),
            };
            match PacketRepr::response(packet.iid, packet.channel, response).to_bytes() {
                Ok(out) => {
                    if let Err(e) = t.send(&out).await {
                        tracing::warn!("agent: answer not sent on {}: {e}", t.describe());
                    }
                }
                Err(e) => tracing::warn!("agent: answer not encoded: {e}"),
            }
        }
    }

    /// Serves the OEM set on `ep` (vendor-defined messages), until `shutdown`.
    pub async fn serve(
        self: Arc<Self>,
        ep: Arc<dyn VdmLink>,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let m = tokio::select! {
                () = &mut shutdown => break,
                m = ep.vdm_recv() => match m {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!("agent: {e}");
                        break;
                    }
                },
            };
            *lock(&self.peer) = Some(Peer::Mctp(ep.clone(), m.src));
            if let Some(answer) = self.answer(u32::from(m.src), &m.payload).await {
                let mut out = Vec::with_capacity(oem::HEADER_LEN + answer.chunk.len());
                answer.emit(&mut out);
                if let Err(e) = ep.vdm_reply(&m, &out).await {
                    tracing::warn!("agent: answer not sent: {e}");
                }
            }
        }
    }

    /// Watches the card's power state and boot progress: read every `every`, and at
    /// once whenever the card's EventService pushes an event over server-sent events
    /// (when it offers them); each change is an event to the last requester. Runs until
    /// the handle is aborted.
    pub fn spawn_watch(
        self: &Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let pushed = Arc::new(tokio::sync::Notify::new());
        let sse = tokio::spawn(self.clone().follow_sse(pushed.clone(), every));
        let agent = self.clone();
        tokio::spawn(async move {
            let _sse = AbortOnDrop(sse);
            agent.watch(every, pushed).await;
        })
    }

    /// Follows the card's server-sent event stream (EventService.ServerSentEventUri),
    /// waking the watcher on every event; reconnects after a pause when the stream
    /// ends; gives up on a service without one (polling remains).
    async fn follow_sse(
        self: Arc<Self>,
        pushed: Arc<tokio::sync::Notify>,
        pause: std::time::Duration,
    ) {
        use http_body_util::BodyExt;
        loop {
            let uri = match self
                .backend
                .client()
                .get_json("/redfish/v1/EventService")
                .await
            {
                Ok(v) => v["ServerSentEventUri"].as_str().map(str::to_string),
                Err(_) => None,
            };
            let Some(uri) = uri else {
                tracing::debug!("agent: the card's service offers no server-sent events; polling");
                return;
            };
            match self.backend.client().stream(&uri).await {
                Ok(mut body) => {
                    tracing::info!("agent: following the card's events at {uri}");
                    while let Some(Ok(frame)) = body.frame().await {
                        if frame
                            .data_ref()
                            .is_some_and(|d| d.windows(5).any(|w| w == b"data:"))
                        {
                            pushed.notify_one();
                        }
                    }
                }
                Err(e) => tracing::debug!("agent: event stream {uri}: {e}"),
            }
            tokio::time::sleep(pause.max(std::time::Duration::from_secs(1))).await;
        }
    }

    async fn watch(self: Arc<Self>, every: std::time::Duration, pushed: Arc<tokio::sync::Notify>) {
        let mut last: Option<(PowerState, BootProgress)> = None;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = pushed.notified() => {}
            }
            let Ok(ids) = self.backend.ids().await else {
                continue;
            };
            let Ok(s) = self.backend.client().get_json(&ids.system).await else {
                continue;
            };
            let now = (backend::power_state(&s), backend::boot_progress(&s));
            if let Some((p, b)) = last {
                if p != now.0 {
                    self.notify(Event::PowerStateChanged(now.0)).await;
                }
                if b != now.1 {
                    self.notify(Event::BootProgressChanged(now.1)).await;
                }
            }
            last = Some(now);
        }
    }
}
