//! MCTP control messages (DSP0236 1.3 §11, §12): the ones a bus owner uses to bring an
//! endpoint up — Set Endpoint ID, Get Endpoint ID, Get Endpoint UUID, Get MCTP Version
//! Support, Get Message Type Support — as typed requests and responses. Other commands
//! parse to their raw bytes and round-trip unchanged.
//!
//! Body layout (after the message header byte 0x00, §11.1 Table 11):
//!
//! ```text
//! byte 0  [7] Rq  [6] D (datagram)  [5] reserved  [4:0] instance id
//! byte 1  command code
//! byte 2  completion code (responses only), then the command's data
//! ```

use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

use super::Eid;

wire_enum! {
    /// Control command codes (DSP0236 1.3 §12.1 Table 12).
    pub enum CommandCode(u8) {
        /// §12.3
        SetEndpointId = 0x01,
        /// §12.4
        GetEndpointId = 0x02,
        /// §12.5
        GetEndpointUuid = 0x03,
        /// §12.6
        GetVersionSupport = 0x04,
        /// §12.7
        GetMessageTypeSupport = 0x05,
        /// §12.8
        GetVendorMessageSupport = 0x06,
        /// §12.9
        ResolveEndpointId = 0x07,
        /// §12.10
        AllocateEndpointIds = 0x08,
        /// §12.11
        RoutingInformationUpdate = 0x09,
        /// §12.12
        GetRoutingTableEntries = 0x0A,
        /// §12.13
        PrepareForEndpointDiscovery = 0x0B,
        /// §12.14
        EndpointDiscovery = 0x0C,
        /// §12.15
        DiscoveryNotify = 0x0D,
        /// §12.16
        GetNetworkId = 0x0E,
        /// §12.17
        QueryHop = 0x0F,
    }
}

wire_enum! {
    /// Completion codes (DSP0236 1.3 §11.5 Table 13).
    pub enum CompletionCode(u8) {
        /// The request was accepted and completed.
        Success = 0x00,
        /// Generic failure.
        Error = 0x01,
        /// A field of the request is invalid.
        InvalidData = 0x02,
        /// The request is shorter or longer than the command allows.
        InvalidLength = 0x03,
        /// The endpoint cannot answer now; retry later.
        NotReady = 0x04,
        /// The command is not supported.
        Unsupported = 0x05,
        /// Get MCTP Version Support: the message type asked about is not supported
        /// (§12.6).
        MessageTypeNotSupported = 0x80,
    }
}

wire_enum! {
    /// Set Endpoint ID operation (§12.3 Table 14, request byte 1 bits 1:0).
    pub enum SetEidOperation(u8) {
        /// Set the EID unless the endpoint has been assigned one by another bus owner.
        Set = 0,
        /// Set the EID unconditionally.
        Force = 1,
        /// Return to the static EID, if any.
        Reset = 2,
        /// Set the discovered flag without changing the EID.
        SetDiscovered = 3,
    }
}

wire_enum! {
    /// The endpoint's kind in Get Endpoint ID (§12.4 Table 15, byte 3 bits 5:4).
    pub enum EndpointType(u8) {
        /// A simple endpoint.
        Simple = 0,
        /// A bus owner or bridge.
        BusOwnerOrBridge = 1,
    }
}

wire_enum! {
    /// How the endpoint got its EID (§12.4 Table 15, byte 3 bits 1:0).
    pub enum EidType(u8) {
        /// Assigned by a bus owner.
        Dynamic = 0,
        /// A static EID.
        Static = 1,
        /// A static EID, which is also the current one.
        StaticCurrent = 2,
        /// A static EID that differs from the current one.
        StaticDifferent = 3,
    }
}

/// A version entry of Get MCTP Version Support (§12.6 Table 18): four bytes, each
/// major/minor/update a BCD digit pair prefixed 0xF when single-digit (1.3.1 is
/// `F1 F3 F1 00`), then an alpha byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Version {
    /// Major version byte as on the wire.
    pub major: u8,
    /// Minor version byte.
    pub minor: u8,
    /// Update version byte.
    pub update: u8,
    /// Alpha byte (0x00 for none).
    pub alpha: u8,
}

impl Version {
    /// DSP0236 1.3.1, what sidebridge implements.
    pub const MCTP_1_3_1: Version = Version {
        major: 0xF1,
        minor: 0xF3,
        update: 0xF1,
        alpha: 0x00,
    };
    /// DSP0261 1.2.0 (NC-SI over MCTP).
    pub const NCSI_1_2_0: Version = Version {
        major: 0xF1,
        minor: 0xF2,
        update: 0xF0,
        alpha: 0x00,
    };
}

/// The message type asked about in Get MCTP Version Support that means "the base
/// specification" (§12.6 Table 17).
pub const VERSION_BASE_SPEC: u8 = 0xFF;

/// The control message header (body bytes 0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ControlHeader {
    /// Rq: a request (set) or response (clear).
    pub request: bool,
    /// D: a datagram, which gets no response.
    pub datagram: bool,
    /// Instance id, 0–31, matches a response to its request.
    pub instance: u8,
    /// The command.
    pub command: CommandCode,
}

/// A control request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Request {
    /// Assign an EID (§12.3).
    SetEndpointId {
        /// What to do.
        operation: SetEidOperation,
        /// The EID to assign.
        eid: Eid,
    },
    /// Ask the endpoint's EID (§12.4).
    GetEndpointId,
    /// Ask the endpoint's UUID (§12.5).
    GetEndpointUuid,
    /// Ask which versions of a message type's specification it supports (§12.6);
    /// [`VERSION_BASE_SPEC`] asks about DSP0236 itself.
    GetVersionSupport {
        /// The message type, or 0xFF.
        msg_type: u8,
    },
    /// Ask which message types it supports (§12.7).
    GetMessageTypeSupport,
    /// Any other command, data kept raw.
    Other {
        /// The command.
        command: CommandCode,
        /// Request data after the command code.
        data: Vec<u8>,
    },
}

/// A control response's data after the completion code. A response whose completion
/// code is not success carries no data (§11.5: "only the completion code"), so it
/// parses to [`ResponseData::Failed`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ResponseData {
    /// Set Endpoint ID (§12.3 Table 14).
    SetEndpointId {
        /// EID assignment status (byte 2 bits 5:4): 0 accepted, 1 rejected.
        assignment_rejected: bool,
        /// EID allocation status (byte 2 bits 1:0): whether the endpoint wants a pool.
        allocation_status: u8,
        /// The EID now in use.
        eid: Eid,
        /// EID pool size the endpoint wants (0 for a simple endpoint).
        pool_size: u8,
    },
    /// Get Endpoint ID (§12.4 Table 15).
    GetEndpointId {
        /// The EID (0 before assignment).
        eid: Eid,
        /// Endpoint kind.
        endpoint_type: EndpointType,
        /// How the EID was given.
        eid_type: EidType,
        /// Medium-specific information.
        medium: u8,
    },
    /// Get Endpoint UUID (§12.5 Table 16).
    GetEndpointUuid {
        /// The UUID, in wire order.
        uuid: [u8; 16],
    },
    /// Get MCTP Version Support (§12.6 Table 18).
    GetVersionSupport {
        /// Supported versions.
        versions: Vec<Version>,
    },
    /// Get Message Type Support (§12.7 Table 19).
    GetMessageTypeSupport {
        /// Supported message types (raw bytes as DSP0239 numbers them).
        types: Vec<u8>,
    },
    /// A response whose completion code is not success: no data.
    Failed,
    /// Another command's data, raw.
    Other {
        /// Response data after the completion code.
        data: Vec<u8>,
    },
}

/// A control message: header plus request or response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ControlMessage {
    /// A request (Rq set).
    Request {
        /// Instance id, 0–31.
        instance: u8,
        /// Datagram: no response expected.
        datagram: bool,
        /// The request.
        request: Request,
    },
    /// A response (Rq clear).
    Response {
        /// Instance id of the request answered.
        instance: u8,
        /// The command answered.
        command: CommandCode,
        /// Completion code.
        completion: CompletionCode,
        /// Data after the completion code.
        data: ResponseData,
    },
}

impl Request {
    /// The command code.
    pub fn command(&self) -> CommandCode {
        match self {
            Request::SetEndpointId { .. } => CommandCode::SetEndpointId,
            Request::GetEndpointId => CommandCode::GetEndpointId,
            Request::GetEndpointUuid => CommandCode::GetEndpointUuid,
            Request::GetVersionSupport { .. } => CommandCode::GetVersionSupport,
            Request::GetMessageTypeSupport => CommandCode::GetMessageTypeSupport,
            Request::Other { command, .. } => *command,
        }
    }

    fn parse(command: CommandCode, data: &[u8]) -> Result<Request> {
        let exact = |n: usize| {
            if data.len() == n {
                Ok(())
            } else {
                Err(Error::PayloadLength {
                    what: "MCTP control request",
                    expected: n,
                    actual: data.len(),
                })
            }
        };
        Ok(match command {
            CommandCode::SetEndpointId => {
                exact(2)?;
                Request::SetEndpointId {
                    operation: SetEidOperation::from(data[0] & 0x03),
                    eid: data[1],
                }
            }
            CommandCode::GetEndpointId => {
                exact(0)?;
                Request::GetEndpointId
            }
            CommandCode::GetEndpointUuid => {
                exact(0)?;
                Request::GetEndpointUuid
            }
            CommandCode::GetVersionSupport => {
                exact(1)?;
                Request::GetVersionSupport { msg_type: data[0] }
            }
            CommandCode::GetMessageTypeSupport => {
                exact(0)?;
                Request::GetMessageTypeSupport
            }
            command => Request::Other {
                command,
                data: data.to_vec(),
            },
        })
    }

    fn emit(&self, w: &mut Writer<'_>) {
        match self {
            Request::SetEndpointId { operation, eid } => {
                w.u8(u8::from(*operation) & 0x03).u8(*eid);
            }
            Request::GetVersionSupport { msg_type } => {
                w.u8(*msg_type);
            }
            Request::Other { data, .. } => {
                w.bytes(data);
            }
            Request::GetEndpointId | Request::GetEndpointUuid | Request::GetMessageTypeSupport => {}
        }
    }
}

impl ResponseData {
    fn parse(command: CommandCode, completion: CompletionCode, data: &[u8]) -> Result<Self> {
        if completion != CompletionCode::Success {
            // §11.5: an error response may end after the completion code; anything
            // after it is not interpreted.
            return Ok(if data.is_empty() {
                ResponseData::Failed
            } else {
                ResponseData::Other {
                    data: data.to_vec(),
                }
            });
        }
        let short = |n: usize| Error::PayloadLength {
            what: "MCTP control response",
            expected: n,
            actual: data.len(),
        };
        let mut r = Reader::new(data);
        Ok(match command {
            CommandCode::SetEndpointId => {
                if data.len() != 3 {
                    return Err(short(3));
                }
                let status = r.u8()?;
                ResponseData::SetEndpointId {
                    assignment_rejected: (status >> 4) & 0x03 == 1,
                    allocation_status: status & 0x03,
                    eid: r.u8()?,
                    pool_size: r.u8()?,
                }
            }
            CommandCode::GetEndpointId => {
                if data.len() != 3 {
                    return Err(short(3));
                }
                let eid = r.u8()?;
                let kind = r.u8()?;
                ResponseData::GetEndpointId {
                    eid,
                    endpoint_type: EndpointType::from((kind >> 4) & 0x03),
                    eid_type: EidType::from(kind & 0x03),
                    medium: r.u8()?,
                }
            }
            CommandCode::GetEndpointUuid => {
                if data.len() != 16 {
                    return Err(short(16));
                }
                ResponseData::GetEndpointUuid { uuid: r.array()? }
            }
            CommandCode::GetVersionSupport => {
                let n = usize::from(r.u8()?);
                if data.len() != 1 + 4 * n {
                    return Err(short(1 + 4 * n));
                }
                let versions = (0..n)
                    .map(|_| {
                        let [major, minor, update, alpha] = r.array()?;
                        Ok(Version {
                            major,
                            minor,
                            update,
                            alpha,
                        })
                    })
                    .collect::<Result<_>>()?;
                ResponseData::GetVersionSupport { versions }
            }
            CommandCode::GetMessageTypeSupport => {
                let n = usize::from(r.u8()?);
                if data.len() != 1 + n {
                    return Err(short(1 + n));
                }
                ResponseData::GetMessageTypeSupport {
                    types: r.take(n)?.to_vec(),
                }
            }
            _ => ResponseData::Other {
                data: data.to_vec(),
            },
        })
    }

    fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        match self {
            ResponseData::SetEndpointId {
                assignment_rejected,
                allocation_status,
                eid,
                pool_size,
            } => {
                w.u8((u8::from(*assignment_rejected) << 4) | (allocation_status & 0x03))
                    .u8(*eid)
                    .u8(*pool_size);
            }
            ResponseData::GetEndpointId {
                eid,
                endpoint_type,
                eid_type,
                medium,
            } => {
                w.u8(*eid)
                    .u8(((u8::from(*endpoint_type) & 0x03) << 4) | (u8::from(*eid_type) & 0x03))
                    .u8(*medium);
            }
            ResponseData::GetEndpointUuid { uuid } => {
                w.bytes(uuid);
            }
            ResponseData::GetVersionSupport { versions } => {
                let n = u8::try_from(versions.len())
                    .map_err(|_| Error::Invalid("more than 255 MCTP version entries"))?;
                w.u8(n);
                for v in versions {
                    w.u8(v.major).u8(v.minor).u8(v.update).u8(v.alpha);
                }
            }
            ResponseData::GetMessageTypeSupport { types } => {
                let n = u8::try_from(types.len())
                    .map_err(|_| Error::Invalid("more than 255 MCTP message types"))?;
                w.u8(n).bytes(types);
            }
            ResponseData::Failed => {}
            ResponseData::Other { data } => {
                w.bytes(data);
            }
        }
        Ok(())
    }
}

impl ControlMessage {
    /// The header fields.
    pub fn header(&self) -> ControlHeader {
        match self {
            ControlMessage::Request {
                instance,
                datagram,
                request,
            } => ControlHeader {
                request: true,
                datagram: *datagram,
                instance: instance & 0x1F,
                command: request.command(),
            },
            ControlMessage::Response {
                instance, command, ..
            } => ControlHeader {
                request: false,
                datagram: false,
                instance: instance & 0x1F,
                command: *command,
            },
        }
    }

    /// Parses a control message body (after the message header byte).
    pub fn parse(body: &[u8]) -> Result<ControlMessage> {
        let mut r = Reader::new(body);
        let b0 = r.u8()?;
        let command = CommandCode::from(r.u8()?);
        let instance = b0 & 0x1F;
        if b0 & 0x80 != 0 {
            Ok(ControlMessage::Request {
                instance,
                datagram: b0 & 0x40 != 0,
                request: Request::parse(command, r.rest())?,
            })
        } else {
            let completion = CompletionCode::from(r.u8()?);
            Ok(ControlMessage::Response {
                instance,
                command,
                completion,
                data: ResponseData::parse(command, completion, r.rest())?,
            })
        }
    }

    /// The message body (without the message header byte).
    pub fn to_body(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(8);
        let h = self.header();
        let mut w = Writer::new(&mut out);
        w.u8((u8::from(h.request) << 7) | (u8::from(h.datagram) << 6) | h.instance)
            .u8(u8::from(h.command));
        match self {
            ControlMessage::Request { request, .. } => request.emit(&mut w),
            ControlMessage::Response {
                completion, data, ..
            } => {
                w.u8(u8::from(*completion));
                data.emit(&mut w)?;
            }
        }
        Ok(out)
    }

    /// A success response to `request` with `data`.
    pub fn reply(instance: u8, command: CommandCode, data: ResponseData) -> ControlMessage {
        ControlMessage::Response {
            instance,
            command,
            completion: CompletionCode::Success,
            data,
        }
    }

    /// A failure response carrying only the completion code.
    pub fn fail(instance: u8, command: CommandCode, completion: CompletionCode) -> ControlMessage {
        ControlMessage::Response {
            instance,
            command,
            completion,
            data: ResponseData::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_responses_stop_at_the_completion_code() {
        let m = ControlMessage::parse(&[0x03, 0x01, 0x02]).unwrap();
        assert_eq!(
            m,
            ControlMessage::fail(3, CommandCode::SetEndpointId, CompletionCode::InvalidData)
        );
        assert_eq!(m.to_body().unwrap(), [0x03, 0x01, 0x02]);
    }

    #[test]
    fn wrong_lengths_are_named() {
        assert_eq!(
            ControlMessage::parse(&[0x80, 0x01, 0x00]),
            Err(Error::PayloadLength {
                what: "MCTP control request",
                expected: 2,
                actual: 1
            })
        );
        assert_eq!(
            ControlMessage::parse(&[0x00, 0x05, 0x00, 0x03, 0x00]),
            Err(Error::PayloadLength {
                what: "MCTP control response",
                expected: 4,
                actual: 2
            })
        );
        assert!(matches!(
            ControlMessage::parse(&[0x80]),
            Err(Error::Truncated { .. })
        ));
    }
}
