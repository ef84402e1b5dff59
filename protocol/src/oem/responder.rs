//! The responder's side of framing, retries and chunking (`OEM.md` §3.3, §5.1, §8),
//! without I/O and without the commands themselves: a card model or the agent feeds
//! each received [`Frame`] to [`Responder::accept`] and either sends the frame it gets
//! back at once (a chunk stored, a replayed answer, a ReadResult, a framing error), or
//! executes the whole request it gets and hands the [`Response`] to
//! [`Responder::finish`] for the frame to send.
//!
//! The responder remembers the last [`RECORD_DEPTH`] executions, so a retried request
//! (same sequence, command and CRC-32) gets the recorded answer and is never executed
//! twice, and a sequence number reused for another request gets SequenceConflict.
//! When it must forget one, it forgets a read before a write (§5.1): a requester's
//! burst of reads (a card refresh) must not push out the record that a retry of a
//! reset, running beside it, needs.

use super::{
    CommandId, Frame, MAX_CHUNK, MAX_VERSION, PROTOCOL_VERSION, Reassembly, ReassemblyError,
    Request, Response, ResultCode, TUNNEL_VERSION, crc32, split,
};
use crate::error::Error;
use std::collections::{HashMap, VecDeque};

/// How many executed requests a responder remembers (`OEM.md` §5.3).
pub const RECORD_DEPTH: usize = 16;

/// One remembered execution (§5.1).
#[derive(Debug, Clone)]
struct Record {
    sequence: u32,
    command: CommandId,
    version: u8,
    request_crc: u32,
    result: ResultCode,
    message: Vec<u8>,
    /// Whether the request changed state (forgotten after the reads).
    writes: bool,
}

/// A whole request being executed, from [`Responder::accept`].
#[derive(Debug)]
pub struct Pending {
    /// Its sequence number.
    pub sequence: u32,
    command: CommandId,
    version: u8,
    request_crc: u32,
    writes: bool,
}

impl Pending {
    /// The command id.
    pub fn command(&self) -> CommandId {
        self.command
    }
}

/// What to do with a received frame.
#[derive(Debug)]
pub enum Step {
    /// Send this frame back; nothing to execute.
    Reply(Frame),
    /// Execute the request and pass the response to [`Responder::finish`]. The
    /// request is an error response for a message that did not parse: the caller
    /// returns it unchanged, so it is recorded like any answer.
    Execute(Pending, core::result::Result<Request, Response>),
}

/// The responder's memory: records of executed requests, partial chunked requests.
#[derive(Debug)]
pub struct Responder {
    /// The highest protocol version it speaks (1, or 2 with the tunnel).
    max_version: u8,
    records: VecDeque<Record>,
    /// Partial chunked requests, per link (an NC-SI channel, an MCTP peer).
    partial: HashMap<u32, Reassembly>,
}

impl Responder {
    /// A responder speaking versions 1 to `max_version` (at most [`MAX_VERSION`]),
    /// remembering nothing yet.
    pub fn new(max_version: u8) -> Self {
        Responder {
            max_version: max_version.clamp(PROTOCOL_VERSION, MAX_VERSION),
            records: VecDeque::new(),
            partial: HashMap::new(),
        }
    }

    /// The highest protocol version it speaks.
    pub fn max_version(&self) -> u8 {
        self.max_version
    }

    /// Takes one frame received on `link` (requests on different links reassemble
    /// independently).
    pub fn accept(&mut self, link: u32, frame: &Frame) -> Step {
        let supported = (PROTOCOL_VERSION..=self.max_version).contains(&frame.version);
        if !supported && frame.command != CommandId::GetBridgeInfo {
            let detail = format!("supported versions 1..{}", self.max_version);
            return Step::Reply(error_frame(frame, ResultCode::UnsupportedVersion, &detail));
        }
        let tunnel = frame.command == CommandId::RedfishRequest;
        if supported
            && tunnel != (frame.version == TUNNEL_VERSION)
            && !matches!(
                frame.command,
                CommandId::ReadResult | CommandId::GetBridgeInfo
            )
        {
            return Step::Reply(error_frame(
                frame,
                ResultCode::UnsupportedVersion,
                "RedfishRequest is version 2; other commands version 1",
            ));
        }
        if frame.command == CommandId::ReadResult {
            return Step::Reply(self.read_result(frame));
        }
        let message = match self.reassemble(link, frame) {
            Ok(Some(message)) => message,
            Ok(None) => return Step::Reply(reply(frame, ResultCode::ChunkAccepted, &[])),
            Err(error) => return Step::Reply(error),
        };
        if let Some(answer) = self.replay(frame) {
            return Step::Reply(answer);
        }
        let request = Request::parse(frame.command, &message).map_err(|e| {
            let code = match e {
                Error::Invalid(what) if !what.starts_with("request: bytes after") => {
                    ResultCode::InvalidParameter
                }
                _ => ResultCode::InvalidLength,
            };
            Response::error(frame.command, code, e.to_string())
        });
        Step::Execute(
            Pending {
                sequence: frame.sequence,
                command: frame.command,
                version: frame.version,
                request_crc: frame.crc,
                writes: request.as_ref().is_ok_and(Request::changes_state),
            },
            request,
        )
    }

    /// Records the response to `pending` and returns its first frame; the requester
    /// reads the rest with ReadResult (§3.3, §4.13).
    pub fn finish(&mut self, pending: Pending, response: Response) -> Frame {
        let message = response.to_message();
        if self.records.len() == RECORD_DEPTH {
            // The oldest read goes first; only a record of writes loses its oldest.
            match self.records.iter().position(|r| !r.writes) {
                Some(i) => {
                    self.records.remove(i);
                }
                None => {
                    self.records.pop_front();
                }
            }
        }
        let record = Record {
            sequence: pending.sequence,
            command: pending.command,
            version: pending.version,
            request_crc: pending.request_crc,
            result: response.result,
            message,
            writes: pending.writes,
        };
        let first = record_frame(&record, 0);
        self.records.push_back(record);
        first
    }

    /// An error answer to `pending` that is not recorded (Busy: the request may be
    /// sent again and must then execute).
    pub fn refuse(&self, pending: &Pending, result: ResultCode, detail: &str) -> Frame {
        let msg = Response::error(pending.command, result, detail).to_message();
        let mut f = first_frame(pending.command, result, pending.sequence, &msg);
        f.version = pending.version;
        f
    }

    /// The whole request message of `frame`: `Ok(None)` while chunks are still
    /// coming, `Err` with the error frame when the CRC or a chunk is wrong.
    fn reassemble(&mut self, link: u32, frame: &Frame) -> Result<Option<Vec<u8>>, Frame> {
        if frame.is_whole() {
            if crc32(&frame.chunk) != frame.crc {
                return Err(error_frame(
                    frame,
                    ResultCode::IntegrityError,
                    "CRC-32 mismatch",
                ));
            }
            return Ok(Some(frame.chunk.clone()));
        }
        let pushed = if frame.offset == 0 {
            Reassembly::start(frame).map(|(r, done)| {
                self.partial.insert(link, r);
                done
            })
        } else {
            match self.partial.get_mut(&link) {
                Some(r) => r.push(frame),
                None => Err(ReassemblyError::OutOfOrder),
            }
        };
        match pushed {
            Ok(None) => Ok(None),
            Ok(Some(message)) => {
                self.partial.remove(&link);
                Ok(Some(message))
            }
            Err(e) => {
                self.partial.remove(&link);
                Err(error_frame(frame, e.result_code(), "chunk rejected"))
            }
        }
    }

    /// The recorded answer when this sequence number was seen before (§5.1): the
    /// same answer for the same request, SequenceConflict for another one.
    fn replay(&self, frame: &Frame) -> Option<Frame> {
        let rec = self.records.iter().find(|r| r.sequence == frame.sequence)?;
        Some(
            if rec.command == frame.command && rec.request_crc == frame.crc {
                record_frame(rec, 0)
            } else {
                error_frame(
                    frame,
                    ResultCode::SequenceConflict,
                    "sequence number used for another request",
                )
            },
        )
    }

    fn read_result(&self, frame: &Frame) -> Frame {
        let Ok(Request::ReadResult { offset }) =
            Request::parse(CommandId::ReadResult, &frame.chunk)
        else {
            return error_frame(
                frame,
                ResultCode::InvalidLength,
                "ReadResult carries a 4-byte offset",
            );
        };
        let Some(rec) = self.records.iter().find(|r| r.sequence == frame.sequence) else {
            return error_frame(
                frame,
                ResultCode::NotFound,
                "no response recorded for that sequence",
            );
        };
        if offset as usize >= rec.message.len() {
            return error_frame(
                frame,
                ResultCode::InvalidParameter,
                "offset past the end of the response",
            );
        }
        record_frame(rec, offset as usize)
    }
}

/// The frame of `rec`'s response message starting at `offset`.
fn record_frame(rec: &Record, offset: usize) -> Frame {
    let end = (offset + MAX_CHUNK).min(rec.message.len());
    Frame {
        version: rec.version,
        command: rec.command,
        flags: 0,
        result: rec.result,
        sequence: rec.sequence,
        offset: offset as u32,
        total_len: rec.message.len() as u32,
        crc: crc32(&rec.message),
        chunk: rec.message[offset..end].to_vec(),
    }
}

/// The first frame of a response message.
fn first_frame(command: CommandId, result: ResultCode, sequence: u32, message: &[u8]) -> Frame {
    split(command, result, sequence, message, MAX_CHUNK)
        .map(|mut f| f.remove(0))
        .unwrap_or_else(|_| {
            let msg = Response::error(command, ResultCode::InternalError, "response too large")
                .to_message();
            Frame {
                version: PROTOCOL_VERSION,
                command,
                flags: 0,
                result: ResultCode::InternalError,
                sequence,
                offset: 0,
                total_len: msg.len() as u32,
                crc: crc32(&msg),
                chunk: msg,
            }
        })
}

/// An answer to `frame` with `result` and an empty or short message, in its version.
fn reply(frame: &Frame, result: ResultCode, message: &[u8]) -> Frame {
    let mut f = first_frame(frame.command, result, frame.sequence, message);
    f.version = frame.version;
    f
}

/// An error answer to `frame` (§6).
fn error_frame(frame: &Frame, result: ResultCode, detail: &str) -> Frame {
    reply(
        frame,
        result,
        &Response::error(frame.command, result, detail).to_message(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oem::{Method, ResponseBody, TunnelRequest, TunnelRole};

    fn frame(req: &Request, seq: u32) -> Frame {
        split(
            req.command(),
            ResultCode::Ok,
            seq,
            &req.to_message(),
            MAX_CHUNK,
        )
        .unwrap()
        .remove(0)
    }

    fn execute(r: &mut Responder, f: &Frame) -> (Frame, bool) {
        match r.accept(0, f) {
            Step::Reply(f) => (f, false),
            Step::Execute(p, req) => {
                let rsp = Response::ok(req.unwrap().command(), ResponseBody::Empty);
                (r.finish(p, rsp), true)
            }
        }
    }

    fn tunnel() -> Request {
        Request::Redfish(TunnelRequest {
            method: Method::Get,
            role: TunnelRole::ReadOnly,
            path: "/redfish/v1".into(),
            headers: vec![],
            body: vec![],
        })
    }

    /// A burst of reads beside a write (a card refresh while a reset waits for its
    /// answer) does not push out the write's record: its retry is still answered from
    /// it, not executed again (§5.1); the reads' own records go first.
    #[test]
    fn reads_are_forgotten_before_a_write_is() {
        let mut r = Responder::new(2);
        let reset = frame(&Request::Reset(crate::oem::ResetType::ForceOff), 100);
        assert!(execute(&mut r, &reset).1);
        for seq in 101..101 + 3 * RECORD_DEPTH as u32 {
            let read = if seq % 2 == 0 {
                frame(&Request::GetPowerState, seq)
            } else {
                let mut f = frame(&tunnel(), seq);
                f.version = TUNNEL_VERSION;
                f
            };
            assert!(execute(&mut r, &read).1, "read {seq} executes");
        }
        let mut retry = reset.clone();
        retry.flags |= crate::oem::flags::RETRY;
        let (answer, executed) = execute(&mut r, &retry);
        assert!(!executed, "the reset ran twice");
        assert_eq!((answer.sequence, answer.result), (100, ResultCode::Ok));
        // Writes alone still keep only the last RECORD_DEPTH.
        for seq in 200..200 + RECORD_DEPTH as u32 {
            let w = frame(&Request::Reset(crate::oem::ResetType::On), seq);
            assert!(execute(&mut r, &w).1);
        }
        assert!(execute(&mut r, &reset).1, "the oldest write was forgotten");
    }

    #[test]
    fn a_retry_is_answered_from_the_record_and_a_reuse_conflicts() {
        let mut r = Responder::new(1);
        let reset = frame(&Request::Reset(crate::oem::ResetType::On), 5);
        let (first, executed) = execute(&mut r, &reset);
        assert!(executed);
        let (again, executed) = execute(&mut r, &reset);
        assert!(!executed, "a retry is never executed twice");
        assert_eq!(again, first);
        let other = frame(&Request::GetPowerState, 5);
        let (conflict, executed) = execute(&mut r, &other);
        assert!(!executed);
        assert_eq!(conflict.result, ResultCode::SequenceConflict);
    }

    #[test]
    fn refused_requests_are_not_recorded() {
        let mut r = Responder::new(1);
        let f = frame(&Request::GetPowerState, 9);
        let Step::Execute(p, _) = r.accept(0, &f) else {
            panic!()
        };
        assert_eq!(
            r.refuse(&p, ResultCode::Busy, "busy").result,
            ResultCode::Busy
        );
        assert!(execute(&mut r, &f).1, "executed when sent again");
    }

    /// §4.18, §10: the tunnel needs a version-2 responder and version-2 frames; other
    /// commands stay version 1; GetBridgeInfo is answered at any version.
    #[test]
    fn versions() {
        let mut v1 = Responder::new(1);
        let t = frame(&tunnel(), 1);
        assert_eq!(t.version, 2);
        assert_eq!(
            execute(&mut v1, &t).0.result,
            ResultCode::UnsupportedVersion
        );
        let mut v2 = Responder::new(2);
        let (ok, executed) = execute(&mut v2, &t);
        assert!(executed);
        assert_eq!((ok.result, ok.version), (ResultCode::Ok, 2));
        let mut t1 = frame(&tunnel(), 2);
        t1.version = 1;
        assert_eq!(
            execute(&mut v2, &t1).0.result,
            ResultCode::UnsupportedVersion
        );
        let mut p2 = frame(&Request::GetPowerState, 3);
        p2.version = 2;
        assert_eq!(
            execute(&mut v2, &p2).0.result,
            ResultCode::UnsupportedVersion
        );
        let mut info = frame(
            &Request::GetBridgeInfo {
                min_version: 1,
                max_version: 9,
            },
            4,
        );
        info.version = 9;
        assert!(execute(&mut v2, &info).1);
    }

    #[test]
    fn long_responses_are_read_in_chunks() {
        let mut r = Responder::new(2);
        let f = frame(&tunnel(), 7);
        let Step::Execute(p, _) = r.accept(0, &f) else {
            panic!()
        };
        let body = vec![b'x'; 3000];
        let rsp = Response::ok(
            CommandId::RedfishRequest,
            ResponseBody::Redfish(crate::oem::TunnelResponse {
                status: 200,
                headers: vec![],
                body: body.clone(),
            }),
        );
        let first = r.finish(p, rsp.clone());
        let (mut asm, mut done) = Reassembly::start(&first).unwrap();
        while done.is_none() {
            let read = Request::ReadResult {
                offset: asm.received() as u32,
            };
            let mut rf = frame(&read, 7);
            rf.command = CommandId::ReadResult;
            let Step::Reply(next) = r.accept(0, &rf) else {
                panic!()
            };
            assert_eq!(next.version, 2);
            done = asm.push(&next).unwrap();
        }
        let msg = done.unwrap();
        assert_eq!(
            Response::parse(CommandId::RedfishRequest, ResultCode::Ok, &msg).unwrap(),
            rsp
        );
    }
}
