//! NC-SI over MCTP (DSP0261) in user space, over the MCTP serial binding (DSP0253) on
//! a tty: for kernels without `AF_MCTP`, for UART-attached controllers, and for tests
//! on a pseudo-terminal. [`af_mctp`] is the kernel path where it exists.
//!
//! A [`SerialEndpoint`] is one MCTP endpoint on one serial link (a point-to-point
//! medium: one peer). It frames, fragments and reassembles, answers the control
//! requests every endpoint must (Get Endpoint ID, UUID, version and message type
//! support; Set Endpoint ID when it is not the bus owner), and as bus owner assigns
//! the peer its EID and asks what it supports ([`SerialEndpoint::bring_up`]).
//! [`SerialEndpoint::ncsi`] then gives a [`Transport`] that carries
//! NC-SI control packets to and from the peer, so the NC-SI requester and manager, and
//! the simulator, run over MCTP unchanged.
//!
//! An endpoint configured with an IANA enterprise number also carries vendor-defined
//! messages of that number (DSP0236 1.3 §13.2, type 0x7F): the OEM command set when the
//! card's BMC is its own MCTP endpoint. [`SerialEndpoint::vdm_request`] sends one as
//! tag owner and waits for the response with its tag; [`SerialEndpoint::vdm_recv`]
//! takes the tag-owner messages a peer sends (requests to a responder, events to a
//! requester) and [`SerialEndpoint::vdm_reply`] answers one.

pub mod af_mctp;
pub mod tty;

use crate::{BoxFuture, Transport};
use sidebridge_protocol::mctp::control::{
    CommandCode, CompletionCode, ControlMessage, EidType, EndpointType, Request, ResponseData,
    SetEidOperation, VERSION_BASE_SPEC, Version,
};
use sidebridge_protocol::mctp::fragment::{Outcome, Reassembler, ReassemblyStats};
use sidebridge_protocol::mctp::serial::{Decoder, DecoderStats, encode};
use sidebridge_protocol::mctp::vdm::VendorIana;
use sidebridge_protocol::mctp::{
    BASELINE_MTU, EID_BROADCAST, EID_NULL, Eid, Message, MessageType, Packet, is_assignable,
};
use sidebridge_protocol::ncsi::ControlPacket;
use sidebridge_protocol::ncsi::header::{AEN_PACKET_TYPE, RESPONSE_BIT};
use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tty::Tty;

/// How long a control request waits for its response before it is sent again.
/// DSP0236 1.3 §8.11 (Table 5) allows a responder up to 100 ms (MT2) plus transport
/// delay; a 64-byte packet takes 6 ms at 115200 baud.
pub const CONTROL_TIMEOUT: Duration = Duration::from_millis(500);
/// Control requests are sent at most this many times (DSP0236 MN1: 2 retries).
pub const CONTROL_ATTEMPTS: u32 = 3;

/// Which side of the link this endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The management controller: owns the bus and assigns EIDs (static EID).
    BusOwner,
    /// A managed endpoint (the network controller): takes the EID it is given.
    Endpoint,
}

/// What one endpoint is.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Bus owner or endpoint.
    pub role: Role,
    /// Our EID: the bus owner's static EID, or an endpoint's EID before assignment
    /// (usually [`EID_NULL`]).
    pub eid: Eid,
    /// Our UUID, answered to Get Endpoint UUID.
    pub uuid: [u8; 16],
    /// The IANA enterprise number of the vendor-defined messages we carry (type
    /// 0x7F, announced in Get Message Type Support); `None`: none.
    pub vendor_iana: Option<u32>,
}

/// What the bus owner learnt about its peer in [`SerialEndpoint::bring_up`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The EID assigned.
    pub eid: Eid,
    /// The peer's UUID.
    pub uuid: [u8; 16],
    /// Message types it supports.
    pub message_types: Vec<u8>,
    /// Versions of DSP0261 (NC-SI over MCTP) it supports (empty when it does not
    /// carry NC-SI).
    pub ncsi_versions: Vec<Version>,
}

/// A vendor-defined message a peer sent as tag owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VdmIncoming {
    /// The sender's EID.
    pub src: Eid,
    /// Its tag, for [`SerialEndpoint::vdm_reply`].
    pub tag: u8,
    /// The payload after the enterprise number.
    pub payload: Vec<u8>,
}

/// A request of a served message type (see [`SerialEndpoint::serve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageIncoming {
    /// The sender's EID.
    pub src: Eid,
    /// Its tag, for [`SerialEndpoint::reply`].
    pub tag: u8,
    /// The message type.
    pub msg_type: MessageType,
    /// The message body after the type byte.
    pub body: Vec<u8>,
}

/// Counters of one endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// The serial decoder's counters (bad FCS, noise, aborted frames, ...).
    pub serial: DecoderStats,
    /// The reassembler's counters (sequence errors, ...).
    pub reassembly: ReassemblyStats,
    /// Packets that did not parse as MCTP.
    pub malformed: u64,
    /// Messages addressed to another EID.
    pub not_ours: u64,
    /// Messages of a type we do not carry.
    pub unsupported_type: u64,
    /// NC-SI or vendor-defined messages dropped because nobody was receiving.
    pub overflow: u64,
    /// Vendor-defined messages of another enterprise number, or too short.
    pub vdm_refused: u64,
    /// Vendor-defined responses that matched no request (late or duplicate).
    pub vdm_unmatched: u64,
    /// Control requests answered.
    pub control_answered: u64,
    /// Control responses that matched no request (late or duplicate).
    pub control_unmatched: u64,
}

/// An NC-SI message received, with the MCTP fields the transport needs.
#[derive(Debug)]
struct Incoming {
    src: Eid,
    tag_owner: bool,
    tag: u8,
    body: Vec<u8>,
}

#[derive(Debug)]
struct State {
    eid: Eid,
    next_tag: u8,
    next_instance: u8,
    pending: HashMap<u8, (CommandCode, oneshot::Sender<ControlMessage>)>,
    /// Requests (vendor-defined, SPDM, ...) waiting for a response, by (peer, tag):
    /// tags are per peer, whatever the message type (DSP0236 1.3 §8.8).
    vdm_pending: HashMap<(Eid, u8), oneshot::Sender<Vec<u8>>>,
    /// Message types we answer (see [`SerialEndpoint::serve`]), with where their
    /// requests go.
    served: HashMap<u8, mpsc::Sender<MessageIncoming>>,
    stats: EndpointStats,
}

#[derive(Debug)]
struct Shared {
    tty: Tty,
    config: EndpointConfig,
    write: tokio::sync::Mutex<()>,
    state: Mutex<State>,
    ncsi_tx: mpsc::Sender<Incoming>,
    vdm_tx: mpsc::Sender<VdmIncoming>,
}

/// One MCTP endpoint on a serial link. Dropping it stops its reader.
#[derive(Debug)]
pub struct SerialEndpoint {
    shared: Arc<Shared>,
    ncsi_rx: tokio::sync::Mutex<mpsc::Receiver<Incoming>>,
    vdm_rx: tokio::sync::Mutex<mpsc::Receiver<VdmIncoming>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for SerialEndpoint {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn eid(&self) -> Eid {
        self.lock().eid
    }

    fn next_tag(&self) -> u8 {
        let mut s = self.lock();
        let t = s.next_tag;
        s.next_tag = (t + 1) & 0x07;
        t
    }

    async fn send(&self, msg: &Message) -> io::Result<()> {
        let packets = msg.packets(BASELINE_MTU, 0).map_err(invalid)?;
        let mut bytes = Vec::with_capacity(msg.body.len() + 16 * packets.len());
        for p in &packets {
            encode(&p.to_bytes(), &mut bytes).map_err(invalid)?;
        }
        // One message's frames go out together, never interleaved with another's.
        let _guard = self.write.lock().await;
        self.tty.write_all(&bytes).await
    }

    /// Set Endpoint ID (DSP0236 1.3 §12.3): a simple endpoint takes an assignable EID;
    /// the bus owner assigns EIDs and takes none.
    fn set_endpoint_id(
        &self,
        s: &mut State,
        instance: u8,
        operation: SetEidOperation,
        eid: Eid,
    ) -> ControlMessage {
        let command = CommandCode::SetEndpointId;
        if self.config.role == Role::BusOwner {
            return ControlMessage::fail(instance, command, CompletionCode::Unsupported);
        }
        match operation {
            SetEidOperation::Set | SetEidOperation::Force if is_assignable(eid) => s.eid = eid,
            SetEidOperation::SetDiscovered | SetEidOperation::Reset => {}
            _ => return ControlMessage::fail(instance, command, CompletionCode::InvalidData),
        }
        ControlMessage::reply(
            instance,
            command,
            ResponseData::SetEndpointId {
                assignment_rejected: false,
                allocation_status: 0,
                eid: s.eid,
                pool_size: 0,
            },
        )
    }

    /// The message types we carry (Get Message Type Support, DSP0236 1.3 §12.6).
    fn message_types(&self, s: &State) -> Vec<u8> {
        let mut types = vec![u8::from(MessageType::Control), u8::from(MessageType::Ncsi)];
        if self.config.vendor_iana.is_some() {
            types.push(u8::from(MessageType::VendorIana));
        }
        let mut served: Vec<u8> = s.served.keys().copied().collect();
        served.sort_unstable();
        types.extend(served);
        types
    }

    /// A vendor-defined message: a response goes to the request waiting with its tag;
    /// a tag-owner message to whoever calls [`SerialEndpoint::vdm_recv`].
    fn deliver_vdm(&self, msg: Message) {
        let payload = match (self.config.vendor_iana, VendorIana::parse(&msg.body)) {
            (Some(ours), Ok(v)) if v.enterprise == ours => v.payload.to_vec(),
            _ => {
                self.lock().stats.vdm_refused += 1;
                return;
            }
        };
        if msg.tag_owner {
            let incoming = VdmIncoming {
                src: msg.src,
                tag: msg.tag,
                payload,
            };
            if self.vdm_tx.try_send(incoming).is_err() {
                self.lock().stats.overflow += 1;
            }
            return;
        }
        let mut s = self.lock();
        match s.vdm_pending.remove(&(msg.src, msg.tag)) {
            Some(tx) => {
                let _ = tx.send(payload);
            }
            None => s.stats.vdm_unmatched += 1,
        }
    }

    /// A message of another type: a response goes to the request waiting with its
    /// tag; a request of a served type to whoever serves it; anything else is counted.
    fn deliver_other(&self, msg_type: MessageType, msg: Message) {
        let mut s = self.lock();
        if msg.tag_owner {
            let Some(tx) = s.served.get(&u8::from(msg_type)).cloned() else {
                s.stats.unsupported_type += 1;
                return;
            };
            let incoming = MessageIncoming {
                src: msg.src,
                tag: msg.tag,
                msg_type,
                body: msg.body,
            };
            if tx.try_send(incoming).is_err() {
                s.stats.overflow += 1;
            }
            return;
        }
        match s.vdm_pending.remove(&(msg.src, msg.tag)) {
            Some(tx) => {
                let _ = tx.send(msg.body);
            }
            None => s.stats.vdm_unmatched += 1,
        }
    }

    /// Answers a control request addressed to us (DSP0236 1.3 §12).
    fn answer(&self, instance: u8, request: &Request) -> ControlMessage {
        let command = request.command();
        let mut s = self.lock();
        s.stats.control_answered += 1;
        match request {
            Request::SetEndpointId { operation, eid } => {
                self.set_endpoint_id(&mut s, instance, *operation, *eid)
            }
            Request::GetEndpointId => {
                let bus_owner = self.config.role == Role::BusOwner;
                ControlMessage::reply(
                    instance,
                    command,
                    ResponseData::GetEndpointId {
                        eid: s.eid,
                        endpoint_type: if bus_owner {
                            EndpointType::BusOwnerOrBridge
                        } else {
                            EndpointType::Simple
                        },
                        eid_type: if bus_owner {
                            EidType::Static
                        } else {
                            EidType::Dynamic
                        },
                        medium: 0,
                    },
                )
            }
            Request::GetEndpointUuid => ControlMessage::reply(
                instance,
                command,
                ResponseData::GetEndpointUuid {
                    uuid: self.config.uuid,
                },
            ),
            Request::GetVersionSupport { msg_type } => {
                let versions = match *msg_type {
                    VERSION_BASE_SPEC | 0x00 => vec![Version::MCTP_1_3_1],
                    0x02 => vec![Version::NCSI_1_2_0],
                    _ => {
                        return ControlMessage::fail(
                            instance,
                            command,
                            CompletionCode::MessageTypeNotSupported,
                        );
                    }
                };
                ControlMessage::reply(
                    instance,
                    command,
                    ResponseData::GetVersionSupport { versions },
                )
            }
            Request::GetMessageTypeSupport => ControlMessage::reply(
                instance,
                command,
                ResponseData::GetMessageTypeSupport {
                    types: self.message_types(&s),
                },
            ),
            Request::Other { .. } => {
                ControlMessage::fail(instance, command, CompletionCode::Unsupported)
            }
        }
    }

    async fn deliver(&self, msg: Message) {
        let ours = {
            let eid = self.eid();
            msg.dest == eid || msg.dest == EID_NULL || msg.dest == EID_BROADCAST
        };
        if !ours {
            self.lock().stats.not_ours += 1;
            return;
        }
        match (msg.msg_type, msg.ic) {
            (MessageType::Control, false) => match ControlMessage::parse(&msg.body) {
                Ok(ControlMessage::Request {
                    instance,
                    datagram,
                    request,
                }) => {
                    let reply = self.answer(instance, &request);
                    if datagram {
                        return;
                    }
                    let Ok(body) = reply.to_body() else { return };
                    let out = Message {
                        dest: msg.src,
                        src: self.eid(),
                        tag_owner: false,
                        tag: msg.tag,
                        ic: false,
                        msg_type: MessageType::Control,
                        body,
                    };
                    if let Err(e) = self.send(&out).await {
                        tracing::warn!("MCTP control reply on {}: {e}", self.tty.name());
                    }
                }
                Ok(rsp @ ControlMessage::Response { .. }) => {
                    let h = rsp.header();
                    let mut s = self.lock();
                    match s.pending.remove(&h.instance) {
                        Some((command, tx)) if command == h.command => {
                            let _ = tx.send(rsp);
                        }
                        Some(other) => {
                            s.pending.insert(h.instance, other);
                            s.stats.control_unmatched += 1;
                        }
                        None => s.stats.control_unmatched += 1,
                    }
                }
                Err(_) => self.lock().stats.malformed += 1,
            },
            (MessageType::Ncsi, false) => {
                let incoming = Incoming {
                    src: msg.src,
                    tag_owner: msg.tag_owner,
                    tag: msg.tag,
                    body: msg.body,
                };
                if self.ncsi_tx.try_send(incoming).is_err() {
                    self.lock().stats.overflow += 1;
                }
            }
            (MessageType::VendorIana, false) => self.deliver_vdm(msg),
            (t, false) => self.deliver_other(t, msg),
            _ => self.lock().stats.unsupported_type += 1,
        }
    }
}

/// A codec error on something we were asked to send.
fn invalid(e: sidebridge_protocol::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

async fn read_loop(shared: Arc<Shared>) {
    let mut decoder = Decoder::new();
    let mut reassembler = Reassembler::new();
    let start = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        let n = match shared.tty.read(&mut buf).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!("MCTP serial link {} stopped: {e}", shared.tty.name());
                return;
            }
        };
        let now = start.elapsed().as_millis() as u64;
        for frame in decoder.feed(&buf[..n]) {
            let outcome = match Packet::parse(&frame) {
                Ok(p) => reassembler.push(&p, now),
                Err(_) => {
                    shared.lock().stats.malformed += 1;
                    continue;
                }
            };
            if let Outcome::Complete(msg) = outcome {
                shared.deliver(msg).await;
            }
        }
        let mut s = shared.lock();
        s.stats.serial = decoder.stats();
        s.stats.reassembly = reassembler.stats();
    }
}

impl SerialEndpoint {
    /// Starts an endpoint on `tty`. Must be called inside a tokio runtime.
    pub fn start(tty: Tty, config: EndpointConfig) -> Arc<SerialEndpoint> {
        let (ncsi_tx, ncsi_rx) = mpsc::channel(256);
        let (vdm_tx, vdm_rx) = mpsc::channel(64);
        let shared = Arc::new(Shared {
            tty,
            state: Mutex::new(State {
                eid: config.eid,
                next_tag: 0,
                next_instance: 0,
                pending: HashMap::new(),
                vdm_pending: HashMap::new(),
                served: HashMap::new(),
                stats: EndpointStats::default(),
            }),
            config,
            write: tokio::sync::Mutex::new(()),
            ncsi_tx,
            vdm_tx,
        });
        let reader = tokio::spawn(read_loop(shared.clone()));
        Arc::new(SerialEndpoint {
            shared,
            ncsi_rx: tokio::sync::Mutex::new(ncsi_rx),
            vdm_rx: tokio::sync::Mutex::new(vdm_rx),
            reader,
        })
    }

    /// Two endpoints on the two ends of a pseudo-terminal pair, a serial line inside
    /// one process (the demo's built-in card, tests): a bus owner with EID `owner_eid`
    /// and an endpoint waiting for its EID, both carrying `vendor_iana`'s messages.
    pub fn pty_pair(
        owner_eid: Eid,
        vendor_iana: Option<u32>,
    ) -> io::Result<(Arc<SerialEndpoint>, Arc<SerialEndpoint>)> {
        let (master, slave) = tty::openpty()?;
        let config = |role, eid| EndpointConfig {
            role,
            eid,
            uuid: [0; 16],
            vendor_iana,
        };
        let endpoint = SerialEndpoint::start(Tty::open(&slave)?, config(Role::Endpoint, EID_NULL));
        let owner = SerialEndpoint::start(
            Tty::from_file(master, "pty pair".into())?,
            config(Role::BusOwner, owner_eid),
        );
        Ok((owner, endpoint))
    }

    /// Our current EID.
    pub fn eid(&self) -> Eid {
        self.shared.eid()
    }

    /// The counters so far.
    pub fn stats(&self) -> EndpointStats {
        self.shared.lock().stats
    }

    /// The tty's name.
    pub fn link(&self) -> &str {
        self.shared.tty.name()
    }

    /// Sends a control request to `dest` and waits for its response, sending it again
    /// after [`CONTROL_TIMEOUT`], at most [`CONTROL_ATTEMPTS`] times.
    pub async fn control(&self, dest: Eid, request: Request) -> io::Result<ControlMessage> {
        let command = request.command();
        for _ in 0..CONTROL_ATTEMPTS {
            let (tx, rx) = oneshot::channel();
            let instance = {
                let mut s = self.shared.lock();
                let i = s.next_instance;
                s.next_instance = (i + 1) & 0x1F;
                s.pending.insert(i, (command, tx));
                i
            };
            let msg = Message {
                dest,
                src: self.eid(),
                tag_owner: true,
                tag: self.shared.next_tag(),
                ic: false,
                msg_type: MessageType::Control,
                body: ControlMessage::Request {
                    instance,
                    datagram: false,
                    request: request.clone(),
                }
                .to_body()
                .map_err(invalid)?,
            };
            self.shared.send(&msg).await?;
            match tokio::time::timeout(CONTROL_TIMEOUT, rx).await {
                Ok(Ok(rsp)) => return Ok(rsp),
                _ => {
                    self.shared.lock().pending.remove(&instance);
                }
            }
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "MCTP endpoint {dest:#04x} on {} did not answer {command:?} ({CONTROL_ATTEMPTS} attempts)",
                self.link()
            ),
        ))
    }

    /// As bus owner: assigns the peer on this link `eid` (Set Endpoint ID to the null
    /// EID, DSP0236 1.3 §8.17.2), then reads its UUID, message types and NC-SI over
    /// MCTP versions. Fails clearly if the peer refuses the EID or does not carry
    /// NC-SI.
    pub async fn bring_up(&self, eid: Eid) -> io::Result<Peer> {
        self.bring_up_for(eid, MessageType::Ncsi).await
    }

    /// [`bring_up`](Self::bring_up) for a peer that must carry `needs` (NC-SI, or
    /// our vendor-defined messages when the peer is a card BMC).
    pub async fn bring_up_for(&self, eid: Eid, needs: MessageType) -> io::Result<Peer> {
        if !is_assignable(eid) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("EID {eid:#04x} cannot be assigned (8 to 0xFE)"),
            ));
        }
        let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        let link = self.link().to_string();
        let set = self
            .control(
                EID_NULL,
                Request::SetEndpointId {
                    operation: SetEidOperation::Set,
                    eid,
                },
            )
            .await?;
        match set {
            ControlMessage::Response {
                completion: CompletionCode::Success,
                data:
                    ResponseData::SetEndpointId {
                        assignment_rejected: false,
                        eid: got,
                        ..
                    },
                ..
            } if got == eid => {}
            other => {
                return Err(bad(format!(
                    "the endpoint on {link} refused EID {eid:#04x}: {other:?}"
                )));
            }
        }
        let uuid = match self.control(eid, Request::GetEndpointUuid).await? {
            ControlMessage::Response {
                data: ResponseData::GetEndpointUuid { uuid },
                ..
            } => uuid,
            other => return Err(bad(format!("Get Endpoint UUID on {link}: {other:?}"))),
        };
        let message_types = match self.control(eid, Request::GetMessageTypeSupport).await? {
            ControlMessage::Response {
                data: ResponseData::GetMessageTypeSupport { types },
                ..
            } => types,
            other => {
                return Err(bad(format!(
                    "Get Message Type Support on {link}: {other:?}"
                )));
            }
        };
        if !message_types.contains(&u8::from(needs)) {
            let what = match needs {
                MessageType::Ncsi => "NC-SI over MCTP".to_string(),
                other => format!("message type {:#04x}", u8::from(other)),
            };
            return Err(bad(format!(
                "the endpoint on {link} does not support {what} (message types {message_types:02x?})"
            )));
        }
        if needs != MessageType::Ncsi {
            return Ok(Peer {
                eid,
                uuid,
                message_types,
                ncsi_versions: Vec::new(),
            });
        }
        let ncsi_versions = match self
            .control(eid, Request::GetVersionSupport { msg_type: 0x02 })
            .await?
        {
            ControlMessage::Response {
                data: ResponseData::GetVersionSupport { versions },
                ..
            } => versions,
            _ => Vec::new(),
        };
        Ok(Peer {
            eid,
            uuid,
            message_types,
            ncsi_versions,
        })
    }

    fn vdm_message(
        &self,
        dest: Eid,
        tag_owner: bool,
        tag: u8,
        payload: &[u8],
    ) -> io::Result<Message> {
        let enterprise = self.shared.config.vendor_iana.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "MCTP endpoint on {} carries no vendor-defined messages",
                    self.link()
                ),
            )
        })?;
        Ok(VendorIana {
            enterprise,
            payload,
        }
        .to_message(dest, self.eid(), tag_owner, tag))
    }

    /// Sends a vendor-defined request to `dest` as tag owner and waits up to
    /// `timeout` for the response with its tag. No retry here: the caller's protocol
    /// decides (the OEM set's sequence numbers make a retry safe).
    pub async fn vdm_request(
        &self,
        dest: Eid,
        payload: &[u8],
        timeout: Duration,
    ) -> io::Result<Vec<u8>> {
        self.exchange(dest, timeout, |tag| {
            self.vdm_message(dest, true, tag, payload)
        })
        .await
    }

    /// Sends a request of `msg_type` (SPDM, say) to `dest` as tag owner and waits up
    /// to `timeout` for the response with its tag: the response's body after the type
    /// byte. No retry here: the caller's protocol decides.
    pub async fn request(
        &self,
        dest: Eid,
        msg_type: MessageType,
        body: &[u8],
        timeout: Duration,
    ) -> io::Result<Vec<u8>> {
        self.exchange(dest, timeout, |tag| {
            Ok(Message {
                dest,
                src: self.eid(),
                tag_owner: true,
                tag,
                ic: false,
                msg_type,
                body: body.to_vec(),
            })
        })
        .await
    }

    /// Takes a free tag for `dest`, sends what `make` builds with it, and waits for
    /// the response with that tag.
    async fn exchange(
        &self,
        dest: Eid,
        timeout: Duration,
        make: impl FnOnce(u8) -> io::Result<Message>,
    ) -> io::Result<Vec<u8>> {
        let (tx, rx) = oneshot::channel();
        let tag = {
            let mut s = self.shared.lock();
            let first = s.next_tag;
            let tag = (0..8)
                .map(|i| (first + i) & 0x07)
                .find(|t| !s.vdm_pending.contains_key(&(dest, *t)))
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!("eight requests to EID {dest:#04x} outstanding: no free tag"),
                    )
                })?;
            s.next_tag = (tag + 1) & 0x07;
            s.vdm_pending.insert((dest, tag), tx);
            tag
        };
        let sent = match make(tag) {
            Ok(msg) => self.shared.send(&msg).await,
            Err(e) => Err(e),
        };
        let answer = match sent {
            Ok(()) => tokio::time::timeout(timeout, rx).await,
            Err(e) => {
                self.shared.lock().vdm_pending.remove(&(dest, tag));
                return Err(e);
            }
        };
        match answer {
            Ok(Ok(payload)) => Ok(payload),
            _ => {
                self.shared.lock().vdm_pending.remove(&(dest, tag));
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "EID {dest:#04x} on {} did not answer within {} ms",
                        self.link(),
                        timeout.as_millis()
                    ),
                ))
            }
        }
    }

    /// Answers requests of `msg_type` from now on (it joins the types announced in
    /// Get Message Type Support): they arrive on the returned channel, and
    /// [`SerialEndpoint::reply`] answers each. A test's SPDM responder, say.
    pub fn serve(&self, msg_type: MessageType) -> mpsc::Receiver<MessageIncoming> {
        let (tx, rx) = mpsc::channel(16);
        self.shared.lock().served.insert(u8::from(msg_type), tx);
        rx
    }

    /// Answers `to` with `body` (owner bit clear, its tag, its type).
    pub async fn reply(&self, to: &MessageIncoming, body: &[u8]) -> io::Result<()> {
        let msg = Message {
            dest: to.src,
            src: self.eid(),
            tag_owner: false,
            tag: to.tag,
            ic: false,
            msg_type: to.msg_type,
            body: body.to_vec(),
        };
        self.shared.send(&msg).await
    }

    /// The next vendor-defined message a peer sent as tag owner.
    pub async fn vdm_recv(&self) -> io::Result<VdmIncoming> {
        self.vdm_rx.lock().await.recv().await.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("MCTP serial link {} closed", self.link()),
            )
        })
    }

    /// Answers `to` (owner bit clear, its tag).
    pub async fn vdm_reply(&self, to: &VdmIncoming, payload: &[u8]) -> io::Result<()> {
        let msg = self.vdm_message(to.src, false, to.tag, payload)?;
        self.shared.send(&msg).await
    }

    /// Sends an unsolicited vendor-defined message (an event) to `dest` as tag
    /// owner; no response is expected.
    pub async fn vdm_notify(&self, dest: Eid, payload: &[u8]) -> io::Result<()> {
        let tag = self.shared.next_tag();
        let msg = self.vdm_message(dest, true, tag, payload)?;
        self.shared.send(&msg).await
    }

    /// A transport carrying NC-SI control packets to and from `peer` over this
    /// endpoint. Give [`EID_NULL`] on the network controller's side to answer whoever
    /// sends commands.
    pub fn ncsi(self: &Arc<Self>, peer: Eid) -> MctpNcsiTransport {
        MctpNcsiTransport {
            ep: self.clone(),
            peer: Mutex::new(peer),
            tags: Mutex::new(Tags::default()),
            malformed: AtomicU64::new(0),
        }
    }
}

/// Vendor-defined (IANA) messages of one enterprise number to and from MCTP peers, over
/// whichever MCTP stack: the user-space [`SerialEndpoint`] or the kernel's `AF_MCTP`
/// ([`af_mctp::AfMctpVdm`]). What the OEM client and the agent need of MCTP.
pub trait VdmLink: Send + Sync + std::fmt::Debug {
    /// Sends a request to `dest` as tag owner and waits up to `timeout` for the
    /// response to it.
    fn vdm_request<'a>(
        &'a self,
        dest: Eid,
        payload: &'a [u8],
        timeout: Duration,
    ) -> BoxFuture<'a, io::Result<Vec<u8>>>;
    /// The next tag-owner message a peer sent (a request, or an event).
    fn vdm_recv(&self) -> BoxFuture<'_, io::Result<VdmIncoming>>;
    /// Answers `to`.
    fn vdm_reply<'a>(
        &'a self,
        to: &'a VdmIncoming,
        payload: &'a [u8],
    ) -> BoxFuture<'a, io::Result<()>>;
    /// Sends an unsolicited message (an event) to `dest`.
    fn vdm_notify<'a>(&'a self, dest: Eid, payload: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;
    /// What the link is, for messages.
    fn describe(&self) -> String;
}

impl VdmLink for SerialEndpoint {
    fn vdm_request<'a>(
        &'a self,
        dest: Eid,
        payload: &'a [u8],
        timeout: Duration,
    ) -> BoxFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(SerialEndpoint::vdm_request(self, dest, payload, timeout))
    }

    fn vdm_recv(&self) -> BoxFuture<'_, io::Result<VdmIncoming>> {
        Box::pin(SerialEndpoint::vdm_recv(self))
    }

    fn vdm_reply<'a>(
        &'a self,
        to: &'a VdmIncoming,
        payload: &'a [u8],
    ) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(SerialEndpoint::vdm_reply(self, to, payload))
    }

    fn vdm_notify<'a>(&'a self, dest: Eid, payload: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(SerialEndpoint::vdm_notify(self, dest, payload))
    }

    fn describe(&self) -> String {
        format!("MCTP serial {}", self.link())
    }
}

/// Requests of one MCTP message type to one peer and their responses, over whichever
/// MCTP stack: the user-space [`SerialEndpoint`] ([`SerialRequester`]) or the
/// kernel's `AF_MCTP` ([`af_mctp::AfMctpRequester`]). What the SPDM requester needs of
/// MCTP (DSP0275: each SPDM message is one MCTP message of type 0x05).
pub trait RequestLink: Send + Sync + std::fmt::Debug {
    /// Sends `body` (after the message type byte) as tag owner and waits up to
    /// `timeout` for the response to it: its body after the type byte.
    fn request<'a>(
        &'a self,
        body: &'a [u8],
        timeout: Duration,
    ) -> BoxFuture<'a, io::Result<Vec<u8>>>;
    /// What the link is, for messages.
    fn describe(&self) -> String;
}

/// Requests of one message type to one peer over a [`SerialEndpoint`].
#[derive(Debug, Clone)]
pub struct SerialRequester {
    ep: Arc<SerialEndpoint>,
    peer: Eid,
    msg_type: MessageType,
}

impl SerialEndpoint {
    /// A [`RequestLink`] for `msg_type` messages to `peer` over this endpoint.
    pub fn requester(self: &Arc<Self>, peer: Eid, msg_type: MessageType) -> SerialRequester {
        SerialRequester {
            ep: self.clone(),
            peer,
            msg_type,
        }
    }
}

impl RequestLink for SerialRequester {
    fn request<'a>(
        &'a self,
        body: &'a [u8],
        timeout: Duration,
    ) -> BoxFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(self.ep.request(self.peer, self.msg_type, body, timeout))
    }

    fn describe(&self) -> String {
        format!("EID {:#04x} on MCTP serial {}", self.peer, self.ep.link())
    }
}

/// NC-SI over MCTP as a [`Transport`]: commands go out as tag owner with a fresh tag,
/// responses with the tag of the command they answer (owner bit clear), AENs as tag
/// owner (DSP0261 1.2 §6, DSP0236 §8.1).
#[derive(Debug)]
pub struct MctpNcsiTransport {
    ep: Arc<SerialEndpoint>,
    peer: Mutex<Eid>,
    tags: Mutex<Tags>,
    /// NC-SI messages dropped because they are not control packets (both ways).
    malformed: AtomicU64,
}

/// The tags of commands received and not answered yet, by what a response to each
/// carries in its NC-SI header: IID, command type and channel.
#[derive(Debug, Default)]
struct Tags {
    open: Vec<([u8; 3], u8)>,
    last: u8,
}

impl Tags {
    /// Commands kept; older ones are forgotten (one outstanding per channel makes
    /// more than a few impossible for a well-behaved requester).
    const KEEP: usize = 64;

    fn command(&mut self, key: [u8; 3], tag: u8) {
        self.open.retain(|(k, _)| *k != key);
        if self.open.len() == Self::KEEP {
            self.open.remove(0);
        }
        self.open.push((key, tag));
        self.last = tag;
    }

    fn response(&mut self, key: [u8; 3]) -> u8 {
        match self.open.iter().position(|(k, _)| *k == key) {
            Some(i) => self.open.remove(i).1,
            None => self.last,
        }
    }
}

/// IID, command type (response bit cleared) and channel of an NC-SI packet, read
/// through the header view (DSP0222 1.2 §8.2.1).
fn ncsi_key<T: AsRef<[u8]>>(packet: &ControlPacket<T>) -> [u8; 3] {
    [
        packet.iid(),
        packet.packet_type() & !RESPONSE_BIT,
        packet.channel().0,
    ]
}

/// Whether the packet is a response (bit 7 of the type set; AENs are not).
fn is_response<T: AsRef<[u8]>>(packet: &ControlPacket<T>) -> bool {
    let ty = packet.packet_type();
    ty & RESPONSE_BIT != 0 && ty != AEN_PACKET_TYPE
}

impl MctpNcsiTransport {
    /// The endpoint underneath (for its counters).
    pub fn endpoint(&self) -> &Arc<SerialEndpoint> {
        &self.ep
    }

    fn peer(&self) -> Eid {
        *self.peer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// NC-SI messages dropped as malformed: refused by `send`, skipped by `recv`.
    pub fn malformed(&self) -> u64 {
        self.malformed.load(Ordering::Relaxed)
    }
}

impl Transport for MctpNcsiTransport {
    fn send<'a>(&'a self, packet: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let view = ControlPacket::new_checked(packet).map_err(|e| {
                self.malformed.fetch_add(1, Ordering::Relaxed);
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("not an NC-SI control packet, not sent: {e}"),
                )
            })?;
            let (tag_owner, tag) = if is_response(&view) {
                // A response: the tag of the command it answers, owner bit clear.
                let tag = self
                    .tags
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .response(ncsi_key(&view));
                (false, tag)
            } else {
                (true, self.ep.shared.next_tag())
            };
            let msg = Message {
                dest: self.peer(),
                src: self.ep.eid(),
                tag_owner,
                tag,
                ic: false,
                msg_type: MessageType::Ncsi,
                body: packet.to_vec(),
            };
            self.ep.shared.send(&msg).await
        })
    }

    fn recv(&self) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        Box::pin(async move {
            let mut rx = self.ep.ncsi_rx.lock().await;
            loop {
                let m = rx.recv().await.ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("MCTP serial link {} closed", self.ep.link()),
                    )
                })?;
                let peer = self.peer();
                if peer != EID_NULL && m.src != peer {
                    continue;
                }
                let view = match ControlPacket::new_checked(&m.body[..]) {
                    Ok(v) => v,
                    Err(e) => {
                        self.malformed.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!("NC-SI over MCTP from EID {}: dropped: {e}", m.src);
                        continue;
                    }
                };
                if m.tag_owner {
                    self.tags
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .command(ncsi_key(&view), m.tag);
                    if peer == EID_NULL {
                        // The NC side answers whoever commands it.
                        *self.peer.lock().unwrap_or_else(|p| p.into_inner()) = m.src;
                    }
                }
                return Ok(m.body);
            }
        })
    }

    fn describe(&self) -> String {
        format!(
            "NC-SI over MCTP serial on {} (EID {:#04x} to {:#04x})",
            self.ep.link(),
            self.ep.eid(),
            self.peer()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidebridge_protocol::mctp::serial::encode_to_vec;

    /// A served message type (SPDM here) is announced once served, its requests
    /// reach the server with their tags, and each response reaches the request it
    /// answers, two outstanding at once and answered in reverse order; an
    /// unanswered request times out and frees its tag.
    #[tokio::test]
    async fn requests_of_a_served_type_reach_the_server_and_responses_their_request() {
        let (owner, card) = SerialEndpoint::pty_pair(8, None).unwrap();
        let mut served = card.serve(MessageType::Spdm);
        let peer = owner.bring_up_for(9, MessageType::Spdm).await.unwrap();
        assert!(
            peer.message_types.contains(&0x05),
            "{:?}",
            peer.message_types
        );
        let link = owner.requester(9, MessageType::Spdm);
        let server = tokio::spawn(async move {
            let a = served.recv().await.unwrap();
            let b = served.recv().await.unwrap();
            assert_eq!((a.src, a.msg_type), (8, MessageType::Spdm));
            for m in [&b, &a] {
                let mut rsp = m.body.clone();
                rsp[1] &= 0x7F;
                card.reply(m, &rsp).await.unwrap();
            }
            // The third is never answered.
            served.recv().await.unwrap();
            card
        });
        let t = Duration::from_secs(2);
        let (ra, rb) = tokio::join!(link.request(&[0x10, 0x84, 1, 0], t), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            link.request(&[0x10, 0x84, 2, 0], t).await
        });
        assert_eq!(ra.unwrap(), vec![0x10, 0x04, 1, 0]);
        assert_eq!(rb.unwrap(), vec![0x10, 0x04, 2, 0]);
        let e = link
            .request(&[0x10, 0x84, 3, 0], Duration::from_millis(200))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(link.describe().contains("0x09"), "{}", link.describe());
        assert!(owner.shared.lock().vdm_pending.is_empty());
        server.await.unwrap();
    }

    /// The card's side answers each command with that command's tag, even when
    /// commands to two channels are outstanding at once and answered out of order.
    #[tokio::test]
    async fn responses_carry_the_tag_of_their_command() {
        let (master, slave) = tty::openpty().unwrap();
        let wire = Tty::from_file(master, "test".into()).unwrap();
        let card = SerialEndpoint::start(
            Tty::open(&slave).unwrap(),
            EndpointConfig {
                role: Role::Endpoint,
                eid: 9,
                uuid: [0; 16],
                vendor_iana: None,
            },
        );
        let nc = card.ncsi(EID_NULL);
        // Two Get Link Status commands (IID 1 to channel 0, IID 2 to channel 1).
        let command = |iid: u8, channel: u8| {
            let mut p = vec![
                0, 1, 0, iid, 0x0A, channel, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ];
            let sum = p[..16].chunks(2).fold(0u32, |s, w| {
                s.wrapping_add(u32::from(u16::from_be_bytes([w[0], w[1]])))
            });
            p[16..20].copy_from_slice(&0u32.wrapping_sub(sum).to_be_bytes());
            p
        };
        // First a message too short to be an NC-SI packet: dropped and counted.
        let bodies = [
            (vec![0, 1, 0, 7, 0x0A], 4u8),
            (command(1, 0), 5),
            (command(2, 1), 6),
        ];
        for (body, tag) in bodies {
            let msg = Message {
                dest: 9,
                src: 8,
                tag_owner: true,
                tag,
                ic: false,
                msg_type: MessageType::Ncsi,
                body,
            };
            for p in msg.packets(BASELINE_MTU, 0).unwrap() {
                wire.write_all(&encode_to_vec(&p.to_bytes()).unwrap())
                    .await
                    .unwrap();
            }
        }
        let first = nc.recv().await.unwrap();
        let second = nc.recv().await.unwrap();
        assert_eq!(first[3], 1, "the short message was skipped");
        assert_eq!(nc.malformed(), 1);
        assert_eq!(
            nc.send(&[0, 1, 0]).await.unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert_eq!(nc.malformed(), 2);
        // Answer the second command first.
        for cmd in [second, first] {
            let mut rsp = cmd.clone();
            rsp[4] |= 0x80;
            nc.send(&rsp).await.unwrap();
        }
        let mut decoder = Decoder::new();
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while got.len() < 2 {
            let n = wire.read(&mut buf).await.unwrap();
            for f in decoder.feed(&buf[..n]) {
                let p = Packet::parse(&f).unwrap();
                got.push((
                    p.payload[1 + 3],
                    p.header.tag,
                    p.header.tag_owner,
                    p.header.dest,
                ));
            }
        }
        assert_eq!(got, [(2, 6, false, 8), (1, 5, false, 8)]);
    }

    fn pair(
        iana_a: Option<u32>,
        iana_b: Option<u32>,
    ) -> (Arc<SerialEndpoint>, Arc<SerialEndpoint>) {
        let (master, slave) = tty::openpty().unwrap();
        let owner = SerialEndpoint::start(
            Tty::from_file(master, "owner".into()).unwrap(),
            EndpointConfig {
                role: Role::BusOwner,
                eid: 8,
                uuid: [1; 16],
                vendor_iana: iana_a,
            },
        );
        let card = SerialEndpoint::start(
            Tty::open(&slave).unwrap(),
            EndpointConfig {
                role: Role::Endpoint,
                eid: EID_NULL,
                uuid: [2; 16],
                vendor_iana: iana_b,
            },
        );
        (owner, card)
    }

    /// Vendor-defined messages (DSP0236 1.3 §13.2): announced, requests matched to
    /// their responses by tag, events delivered, another enterprise number refused.
    #[tokio::test]
    async fn vendor_defined_requests_responses_and_events() {
        let (owner, card) = pair(Some(32473), Some(32473));
        let peer = owner
            .bring_up_for(20, MessageType::VendorIana)
            .await
            .unwrap();
        assert!(peer.message_types.contains(&0x7F));
        assert_eq!(card.eid(), 20);
        let responder = card.clone();
        let answering = tokio::spawn(async move {
            for _ in 0..2 {
                let m = responder.vdm_recv().await.unwrap();
                let mut answer = b"re: ".to_vec();
                answer.extend_from_slice(&m.payload);
                responder.vdm_reply(&m, &answer).await.unwrap();
            }
            responder.vdm_notify(8, b"event").await.unwrap();
        });
        let long = vec![0x7E; 300]; // escaped on the wire, five packets
        let (a, b) = tokio::join!(
            owner.vdm_request(20, b"one", Duration::from_secs(2)),
            owner.vdm_request(20, &long, Duration::from_secs(2)),
        );
        assert_eq!(a.unwrap(), b"re: one");
        assert_eq!(&b.unwrap()[4..], &long[..]);
        let event = owner.vdm_recv().await.unwrap();
        assert_eq!((event.src, event.payload.as_slice()), (20, &b"event"[..]));
        answering.await.unwrap();

        // A card of another enterprise number: refused and counted, the request
        // times out with a clear error.
        let (owner, card) = pair(Some(32473), Some(1));
        owner
            .bring_up_for(21, MessageType::VendorIana)
            .await
            .unwrap();
        let e = owner
            .vdm_request(21, b"x", Duration::from_millis(200))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(card.stats().vdm_refused, 1);

        // A peer without vendor-defined messages fails bring-up, saying so.
        let (owner, _card) = pair(Some(32473), None);
        let e = owner
            .bring_up_for(22, MessageType::VendorIana)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("message type 0x7f"), "{e}");
    }
}
