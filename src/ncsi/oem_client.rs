//! A typed async client for the OEM command set of one card (`protocol/OEM.md`).
//!
//! Every operation gets a new 32-bit sequence number; the first is random so that a
//! restarted daemon does not reuse its previous run's numbers (OEM.md §5.1). NC-SI
//! level retries resend the same frame with the same sequence, which the card answers
//! from its record instead of executing again. Long messages are chunked both ways;
//! long operations complete by the card's OperationCompleted event or, when that does
//! not come, by polling GetOperationStatus until a deadline.

use super::requester::{RequestError, Requester, Timing};
use sidebridge_protocol::mctp::Eid;
use sidebridge_protocol::ncsi::{Aen, ChannelId, Command, ReasonCode, ResponseCode, ResponseData};
use sidebridge_protocol::oem::{
    self, CommandId, Event, Frame, OperationState, Reassembly, Request, Response, ResultCode,
};
use sidebridge_transport::mctp::VdmLink;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// Why an OEM operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OemError {
    /// NC-SI got no answer (the card or its NC is unreachable).
    #[error(transparent)]
    Ncsi(#[from] RequestError),
    /// The NC refused the OEM command itself.
    #[error("NC-SI {code:?} (reason {reason:?}) for the OEM command")]
    NcsiRefused {
        /// Response code.
        code: ResponseCode,
        /// Reason code.
        reason: ReasonCode,
    },
    /// The answer was not a valid OEM frame.
    #[error("malformed OEM answer: {0}")]
    Malformed(String),
    /// The card answered with an error result (OEM.md §6).
    #[error("card answered {result:?}: {detail}")]
    Card {
        /// Result code.
        result: ResultCode,
        /// Its detail string.
        detail: String,
    },
    /// The card BMC's own MCTP endpoint did not answer (vendor-defined messages).
    #[error("{0}")]
    Mctp(String),
    /// A long operation did not complete before the deadline.
    #[error("operation {sequence:#x} did not complete within {seconds} s")]
    Deadline {
        /// Its sequence number.
        sequence: u32,
        /// The deadline.
        seconds: u64,
    },
}

/// A seed for the first sequence number: not cryptographic, just different per run.
fn random_u32() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = nanos ^ (u64::from(std::process::id()) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as u32
}

/// How the OEM frames reach the card.
#[derive(Debug, Clone)]
enum Link {
    /// In NC-SI OEM commands (0x50) through the card's NC (OEM.md §2).
    Ncsi {
        requester: Arc<Requester>,
        channel: ChannelId,
    },
    /// As MCTP vendor-defined messages to the card BMC's own endpoint (OEM.md §2.1).
    Mctp {
        endpoint: Arc<dyn VdmLink>,
        eid: Eid,
    },
}

/// The OEM client of one card.
#[derive(Debug, Clone)]
pub struct OemClient {
    link: Link,
    manufacturer_id: u32,
    sequence: Arc<AtomicU32>,
    timing: Timing,
    /// Interval of GetOperationStatus polls while waiting for a long operation.
    pub poll_interval: Duration,
}

impl OemClient {
    /// A client for the card behind `channel`'s package.
    pub fn new(
        requester: Arc<Requester>,
        channel: ChannelId,
        manufacturer_id: u32,
        timing: Timing,
    ) -> Self {
        OemClient {
            link: Link::Ncsi { requester, channel },
            manufacturer_id,
            sequence: Arc::new(AtomicU32::new(random_u32())),
            timing,
            poll_interval: Duration::from_secs(1),
        }
    }

    /// A client for the card BMC at `eid` on `endpoint`, which carries vendor-defined
    /// messages of enterprise number `manufacturer_id` (OEM.md §2.1). Each frame is
    /// sent up to `timing.retries + 1` times, waiting `timing.timeout` for each.
    pub fn over_mctp(
        endpoint: Arc<dyn VdmLink>,
        eid: Eid,
        manufacturer_id: u32,
        timing: Timing,
    ) -> Self {
        OemClient {
            link: Link::Mctp { endpoint, eid },
            manufacturer_id,
            sequence: Arc::new(AtomicU32::new(random_u32())),
            timing,
            poll_interval: Duration::from_secs(1),
        }
    }

    /// Starts the sequence numbers at `seq` (tests).
    pub fn with_first_sequence(self, seq: u32) -> Self {
        self.sequence.store(seq, Ordering::Relaxed);
        self
    }

    /// The NC-SI channel it talks through (none over MCTP vendor-defined messages).
    pub fn channel(&self) -> Option<ChannelId> {
        match &self.link {
            Link::Ncsi { channel, .. } => Some(*channel),
            Link::Mctp { .. } => None,
        }
    }

    fn next_sequence(&self) -> u32 {
        self.sequence.fetch_add(1, Ordering::Relaxed)
    }

    async fn frame(&self, f: &Frame) -> Result<Frame, OemError> {
        let answer = match &self.link {
            Link::Ncsi { requester, channel } => self.frame_ncsi(requester, *channel, f).await?,
            Link::Mctp { endpoint, eid } => self.frame_mctp(endpoint.as_ref(), *eid, f).await?,
        };
        if answer.sequence != f.sequence {
            return Err(OemError::Malformed(format!(
                "answer for sequence {:#x}, sent {:#x}",
                answer.sequence, f.sequence
            )));
        }
        Ok(answer)
    }

    /// One frame over MCTP: sent again (RETRY flag set) when no answer comes in time;
    /// the sequence number makes that safe (OEM.md §5.1).
    async fn frame_mctp(
        &self,
        endpoint: &dyn VdmLink,
        eid: Eid,
        f: &Frame,
    ) -> Result<Frame, OemError> {
        let mut last = String::new();
        for attempt in 0..=self.timing.retries {
            let mut f = f.clone();
            if attempt > 0 {
                f.flags |= oem::flags::RETRY;
            }
            let mut payload = Vec::with_capacity(oem::HEADER_LEN + f.chunk.len());
            f.emit(&mut payload);
            match endpoint
                .vdm_request(eid, &payload, self.timing.timeout)
                .await
            {
                Ok(answer) => match Frame::parse(&answer) {
                    Ok(a) if a.sequence == f.sequence => return Ok(a),
                    // A late answer to an earlier frame, or garbage: try again.
                    Ok(a) => last = format!("answer for sequence {:#x}", a.sequence),
                    Err(e) => last = format!("malformed OEM answer: {e}"),
                },
                Err(e) => last = e.to_string(),
            }
        }
        Err(OemError::Mctp(format!(
            "the card BMC at EID {eid:#04x} on {} did not answer ({} attempts): {last}",
            endpoint.describe(),
            self.timing.retries + 1
        )))
    }

    async fn frame_ncsi(
        &self,
        requester: &Requester,
        channel: ChannelId,
        f: &Frame,
    ) -> Result<Frame, OemError> {
        let cmd = Command::Oem(f.to_oem_command(self.manufacturer_id));
        let rsp = requester.request(channel, cmd, self.timing).await?;
        if !rsp.is_completed() {
            return Err(OemError::NcsiRefused {
                code: rsp.code,
                reason: rsp.reason,
            });
        }
        let ResponseData::Oem(o) = rsp.data else {
            return Err(OemError::Malformed("no OEM data in the response".into()));
        };
        if o.manufacturer_id != self.manufacturer_id {
            return Err(OemError::Malformed(format!(
                "manufacturer id {} in the answer",
                o.manufacturer_id
            )));
        }
        Frame::parse(&o.data).map_err(|e| OemError::Malformed(e.to_string()))
    }

    /// Sends `req` and returns the whole response, whatever its result code.
    pub async fn call_raw(&self, req: &Request) -> Result<(u32, Response), OemError> {
        let seq = self.next_sequence();
        let message = req.to_message();
        let frames = oem::split(req.command(), ResultCode::Ok, seq, &message, oem::MAX_CHUNK)
            .map_err(|e| OemError::Malformed(e.to_string()))?;
        // A chunked transfer the card lost track of is restarted once from offset 0.
        let mut first = None;
        'transfer: for _ in 0..2 {
            for (i, f) in frames.iter().enumerate() {
                let answer = self.frame(f).await?;
                let last = i + 1 == frames.len();
                match answer.result {
                    ResultCode::ChunkAccepted if !last => continue,
                    ResultCode::ChunkOutOfOrder | ResultCode::IntegrityError
                        if frames.len() > 1 =>
                    {
                        continue 'transfer;
                    }
                    _ => {
                        first = Some(answer);
                        break 'transfer;
                    }
                }
            }
        }
        let first = first.ok_or_else(|| {
            OemError::Malformed("the card kept rejecting the chunked transfer".into())
        })?;
        let (mut asm, mut done) = Reassembly::start(&first)
            .map_err(|e| OemError::Malformed(format!("response chunk: {e:?}")))?;
        while done.is_none() {
            let read = Request::ReadResult {
                offset: asm.received() as u32,
            };
            let f = oem::split(
                CommandId::ReadResult,
                ResultCode::Ok,
                seq,
                &read.to_message(),
                oem::MAX_CHUNK,
            )
            .map_err(|e| OemError::Malformed(e.to_string()))?
            .remove(0);
            let answer = self.frame(&f).await?;
            done = asm
                .push(&answer)
                .map_err(|e| OemError::Malformed(format!("response chunk: {e:?}")))?;
        }
        let msg = done.unwrap_or_default();
        let rsp = Response::parse(first.command, first.result, &msg)
            .map_err(|e| OemError::Malformed(e.to_string()))?;
        Ok((seq, rsp))
    }

    /// Sends `req`; a non-success result becomes [`OemError::Card`].
    pub async fn call(&self, req: &Request) -> Result<(u32, Response), OemError> {
        let (seq, rsp) = self.call_raw(req).await?;
        if !rsp.result.is_success() {
            let detail = match &rsp.body {
                oem::ResponseBody::Error(d) => d.clone(),
                _ => String::new(),
            };
            return Err(OemError::Card {
                result: rsp.result,
                detail,
            });
        }
        Ok((seq, rsp))
    }

    /// Runs a long operation (Reset, VirtualMediaInsert) to its end: Ok, or the card's
    /// failure, or [`OemError::Deadline`]. Completion comes from the OperationCompleted
    /// event when `events` delivers it, otherwise from polling.
    pub async fn run_to_completion(
        &self,
        req: &Request,
        events: Option<broadcast::Receiver<(ChannelId, Aen)>>,
        deadline: Duration,
    ) -> Result<u32, OemError> {
        let (seq, rsp) = self.call(req).await?;
        if rsp.result == ResultCode::Ok {
            return Ok(seq);
        }
        self.wait_for(seq, events, deadline).await.map(|()| seq)
    }

    /// Waits for the long operation `seq` (answered Accepted) to end.
    pub async fn wait_for(
        &self,
        seq: u32,
        mut events: Option<broadcast::Receiver<(ChannelId, Aen)>>,
        deadline: Duration,
    ) -> Result<(), OemError> {
        let wait = async {
            loop {
                // Wait for an event or the next poll, whichever comes first.
                let event = async {
                    match events.as_mut() {
                        Some(rx) => loop {
                            match rx.recv().await {
                                Ok((_, aen)) => {
                                    if let Ok(Some((
                                        _,
                                        Event::OperationCompleted {
                                            sequence, result, ..
                                        },
                                    ))) = Event::from_aen(&aen, self.manufacturer_id)
                                    {
                                        if sequence == seq {
                                            return Some(result);
                                        }
                                    }
                                }
                                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                                Err(broadcast::error::RecvError::Closed) => return None,
                            }
                        },
                        None => None,
                    }
                };
                let result = tokio::select! {
                    Some(r) = event => Some(r),
                    () = tokio::time::sleep(self.poll_interval) => None,
                };
                let result = match result {
                    Some(r) => r,
                    None => {
                        let (_, st) = self
                            .call(&Request::GetOperationStatus { sequence: seq })
                            .await?;
                        match st.body {
                            oem::ResponseBody::OperationStatus(s)
                                if s.state == OperationState::Completed =>
                            {
                                s.result
                            }
                            oem::ResponseBody::OperationStatus(s)
                                if s.state == OperationState::NotFound =>
                            {
                                return Err(OemError::Card {
                                    result: ResultCode::NotFound,
                                    detail: "the card lost track of the operation".into(),
                                });
                            }
                            _ => continue,
                        }
                    }
                };
                return if result == ResultCode::Ok {
                    Ok(())
                } else {
                    Err(OemError::Card {
                        result,
                        detail: "the operation failed".into(),
                    })
                };
            }
        };
        tokio::time::timeout(deadline, wait)
            .await
            .map_err(|_| OemError::Deadline {
                sequence: seq,
                seconds: deadline.as_secs(),
            })?
    }
}
