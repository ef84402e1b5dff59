//! SPDM (DMTF DSP0274 1.2 and 1.3) messages a requester needs to authenticate a device
//! and read its measurements: GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS,
//! GET_DIGESTS, GET_CERTIFICATE, CHALLENGE, GET_MEASUREMENTS and RESPOND_IF_READY,
//! their responses, and ERROR. Over MCTP each SPDM message is the body of one MCTP
//! message of type 0x05 (DSP0275 1.0 §6), after the type byte.
//!
//! Every SPDM message starts with the same four bytes (DSP0274 1.3 §9 "Generic SPDM
//! message format"): SPDMVersion (major in the high nibble, minor in the low),
//! RequestResponseCode, Param1, Param2. Multi-byte fields are little-endian.
//!
//! Responses whose length depends on what was negotiated (hash and signature sizes) or
//! on the request (a measurement summary hash, a signature) are parsed with a
//! [`Shape`] saying what to expect. [`Request::parse`]/[`Response::parse`] and
//! `to_bytes` round-trip every field, reserved bytes excepted (emitted as zero).

use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

pub mod chain;
#[cfg(test)]
mod proptests;

pub use chain::{CertChain, der_certificates};

/// The header every SPDM message starts with.
pub const HEADER_LEN: usize = 4;
/// Nonce length in CHALLENGE, GET_MEASUREMENTS and their responses.
pub const NONCE_LEN: usize = 32;
/// RequesterContext length (SPDM 1.3 CHALLENGE, GET_MEASUREMENTS and responses).
pub const CONTEXT_LEN: usize = 8;
/// Certificate slots a responder may have (DSP0274 1.3 §10.7).
pub const SLOTS: u8 = 8;

/// An SPDM version as the SPDMVersion byte carries it: major in bits 7:4, minor in 3:0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Version(pub u8);

impl Version {
    /// 1.0: GET_VERSION is always sent with it (DSP0274 1.3 §10.3).
    pub const V10: Version = Version(0x10);
    /// 1.1.
    pub const V11: Version = Version(0x11);
    /// 1.2: the lowest this requester negotiates (signing contexts, chunk sizes).
    pub const V12: Version = Version(0x12);
    /// 1.3: the highest this requester negotiates (RequesterContext).
    pub const V13: Version = Version(0x13);

    /// The version of a VersionNumberEntry (bits 15:12 major, 11:8 minor, 7:4 update,
    /// 3:0 alpha; DSP0274 1.3 §10.3, Table "VersionNumberEntry definition").
    pub fn from_entry(entry: u16) -> Version {
        Version((entry >> 8) as u8)
    }

    /// The VersionNumberEntry for this version (update and alpha zero).
    pub fn entry(self) -> u16 {
        u16::from(self.0) << 8
    }

    /// The 64-byte prefix of every 1.2+ signature: "dmtf-spdm-v1.X.*" four times
    /// (DSP0274 1.3 §15 "Signature generation").
    pub fn signing_prefix(self) -> [u8; 64] {
        let mut one = *b"dmtf-spdm-v1.2.*";
        one[11] = b'0' + (self.0 >> 4);
        one[13] = b'0' + (self.0 & 0x0F);
        let mut out = [0u8; 64];
        for chunk in out.chunks_mut(16) {
            chunk.copy_from_slice(&one);
        }
        out
    }
}

impl core::fmt::Display for Version {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}.{}", self.0 >> 4, self.0 & 0x0F)
    }
}

/// The combined signing prefix of a 1.2+ signature, before the transcript hash:
/// the version prefix, zeros, and `context` ending at byte 100 (DSP0274 1.3 §15).
pub fn signing_context(version: Version, context: &str) -> Vec<u8> {
    let mut out = version.signing_prefix().to_vec();
    out.resize(100 - context.len(), 0);
    out.extend_from_slice(context.as_bytes());
    out
}

/// The context string of CHALLENGE_AUTH signatures.
pub const CHALLENGE_AUTH_CONTEXT: &str = "responder-challenge_auth signing";
/// The context string of MEASUREMENTS signatures.
pub const MEASUREMENTS_CONTEXT: &str = "responder-measurements signing";

wire_enum! {
    /// RequestResponseCode (DSP0274 1.3 §9, Tables "SPDM request codes" and "SPDM
    /// response codes").
    pub enum Code(u8) {
        /// DIGESTS.
        Digests = 0x01,
        /// CERTIFICATE.
        Certificate = 0x02,
        /// CHALLENGE_AUTH.
        ChallengeAuth = 0x03,
        /// VERSION.
        Version = 0x04,
        /// MEASUREMENTS.
        Measurements = 0x60,
        /// CAPABILITIES.
        Capabilities = 0x61,
        /// ALGORITHMS.
        Algorithms = 0x63,
        /// ERROR.
        Error = 0x7F,
        /// GET_DIGESTS.
        GetDigests = 0x81,
        /// GET_CERTIFICATE.
        GetCertificate = 0x82,
        /// CHALLENGE.
        Challenge = 0x83,
        /// GET_VERSION.
        GetVersion = 0x84,
        /// GET_MEASUREMENTS.
        GetMeasurements = 0xE0,
        /// GET_CAPABILITIES.
        GetCapabilities = 0xE1,
        /// NEGOTIATE_ALGORITHMS.
        NegotiateAlgorithms = 0xE3,
        /// RESPOND_IF_READY.
        RespondIfReady = 0xFF,
    }
}

/// CAPABILITIES flags (DSP0274 1.3 §10.4, Table "Flag fields definitions for the
/// Responder").
pub mod caps {
    /// The responder can return a certificate chain (GET_DIGESTS, GET_CERTIFICATE).
    pub const CERT: u32 = 1 << 1;
    /// The responder answers CHALLENGE.
    pub const CHAL: u32 = 1 << 2;
    /// MEAS_CAP, bits 4:3: 01b measurements without signature, 10b with.
    pub const MEAS_MASK: u32 = 0b11 << 3;
    /// MEAS_CAP = 10b: signed measurements.
    pub const MEAS_SIG: u32 = 0b10 << 3;
    /// MEAS_CAP = 01b: unsigned measurements only.
    pub const MEAS_NO_SIG: u32 = 0b01 << 3;
    /// The responder can sign with a public key provisioned out of band (no chain).
    pub const PUB_KEY_ID: u32 = 1 << 16;
    /// Large messages are chunked (CHUNK_SEND / CHUNK_GET).
    pub const CHUNK: u32 = 1 << 17;
}

/// BaseAsymAlgo bits (DSP0274 1.3 §10.5, Table "Byte offset: BaseAsymAlgo").
pub mod asym {
    /// RSASSA-PKCS1-v1_5 2048.
    pub const RSASSA_2048: u32 = 1 << 0;
    /// RSASSA-PSS 2048.
    pub const RSAPSS_2048: u32 = 1 << 1;
    /// RSASSA-PKCS1-v1_5 3072.
    pub const RSASSA_3072: u32 = 1 << 2;
    /// RSASSA-PSS 3072.
    pub const RSAPSS_3072: u32 = 1 << 3;
    /// ECDSA with NIST P-256.
    pub const ECDSA_P256: u32 = 1 << 4;
    /// RSASSA-PKCS1-v1_5 4096.
    pub const RSASSA_4096: u32 = 1 << 5;
    /// RSASSA-PSS 4096.
    pub const RSAPSS_4096: u32 = 1 << 6;
    /// ECDSA with NIST P-384.
    pub const ECDSA_P384: u32 = 1 << 7;
    /// ECDSA with NIST P-521.
    pub const ECDSA_P521: u32 = 1 << 8;
    /// SM2.
    pub const SM2_P256: u32 = 1 << 9;
    /// EdDSA Ed25519.
    pub const EDDSA_25519: u32 = 1 << 10;
    /// EdDSA Ed448.
    pub const EDDSA_448: u32 = 1 << 11;

    /// The algorithm's name, as Redfish's ComponentIntegrity SigningAlgorithm and
    /// `--asym` of DMTF's emulators spell it; `None` for a value of several bits or an
    /// unknown bit.
    pub fn name(bit: u32) -> Option<&'static str> {
        Some(match bit {
            RSASSA_2048 => "TPM_ALG_RSASSA_2048",
            RSAPSS_2048 => "TPM_ALG_RSAPSS_2048",
            RSASSA_3072 => "TPM_ALG_RSASSA_3072",
            RSAPSS_3072 => "TPM_ALG_RSAPSS_3072",
            ECDSA_P256 => "TPM_ALG_ECDSA_ECC_NIST_P256",
            RSASSA_4096 => "TPM_ALG_RSASSA_4096",
            RSAPSS_4096 => "TPM_ALG_RSAPSS_4096",
            ECDSA_P384 => "TPM_ALG_ECDSA_ECC_NIST_P384",
            ECDSA_P521 => "TPM_ALG_ECDSA_ECC_NIST_P521",
            SM2_P256 => "TPM_ALG_SM2",
            EDDSA_25519 => "EdDSA_ed25519",
            EDDSA_448 => "EdDSA_ed448",
            _ => return None,
        })
    }

    /// The signature's length in bytes (DSP0274 1.3 §10.5: ECDSA and EdDSA r||s,
    /// RSA the modulus size); `None` for an unknown or combined value.
    pub fn signature_len(bit: u32) -> Option<usize> {
        Some(match bit {
            RSASSA_2048 | RSAPSS_2048 => 256,
            RSASSA_3072 | RSAPSS_3072 => 384,
            RSASSA_4096 | RSAPSS_4096 => 512,
            ECDSA_P256 | SM2_P256 | EDDSA_25519 => 64,
            ECDSA_P384 => 96,
            ECDSA_P521 => 132,
            EDDSA_448 => 114,
            _ => return None,
        })
    }
}

/// BaseHashAlgo bits (DSP0274 1.3 §10.5, Table "Byte offset: BaseHashAlgo").
pub mod hash {
    /// SHA-256.
    pub const SHA256: u32 = 1 << 0;
    /// SHA-384.
    pub const SHA384: u32 = 1 << 1;
    /// SHA-512.
    pub const SHA512: u32 = 1 << 2;

    /// The digest length in bytes; `None` for an unknown or combined value.
    pub fn len(bit: u32) -> Option<usize> {
        Some(match bit {
            SHA256 => 32,
            SHA384 => 48,
            SHA512 => 64,
            _ => return None,
        })
    }

    /// The name Redfish uses (ComponentIntegrity HashingAlgorithm).
    pub fn name(bit: u32) -> Option<&'static str> {
        Some(match bit {
            SHA256 => "TPM_ALG_SHA_256",
            SHA384 => "TPM_ALG_SHA_384",
            SHA512 => "TPM_ALG_SHA_512",
            _ => return None,
        })
    }
}

/// MeasurementHashAlgo bits of ALGORITHMS (DSP0274 1.3 §10.5).
pub mod measurement_hash {
    /// Raw bit streams only.
    pub const RAW_BIT_STREAM_ONLY: u32 = 1 << 0;
    /// SHA-256.
    pub const SHA256: u32 = 1 << 1;
    /// SHA-384.
    pub const SHA384: u32 = 1 << 2;
    /// SHA-512.
    pub const SHA512: u32 = 1 << 3;

    /// The name Redfish uses; `None` for an unknown value. The SHA-2 bits are
    /// BaseHashAlgo's shifted left by one.
    pub fn name(bit: u32) -> Option<&'static str> {
        match bit {
            RAW_BIT_STREAM_ONLY => Some("RawBitStream"),
            SHA256 | SHA384 | SHA512 => super::hash::name(bit >> 1),
            _ => None,
        }
    }
}

/// MeasurementSpecification bit 0: the DMTF measurement specification.
pub const MEASUREMENT_SPEC_DMTF: u8 = 0x01;
/// OtherParamsSupport bits 3:0 = 0010b: opaque data format 1 (DSP0274 1.3 §10.5).
pub const OPAQUE_DATA_FMT1: u8 = 0x02;

/// GET_MEASUREMENTS Param2 asking for every measurement block.
pub const ALL_MEASUREMENTS: u8 = 0xFF;
/// GET_MEASUREMENTS Param2 asking only for the number of blocks.
pub const MEASUREMENT_COUNT: u8 = 0x00;

/// ERROR codes (DSP0274 1.3 §10.12, Table "Error code and error data").
pub mod error_code {
    /// The request was invalid.
    pub const INVALID_REQUEST: u8 = 0x01;
    /// The responder is busy: retry later.
    pub const BUSY: u8 = 0x03;
    /// The request was unexpected in the responder's state.
    pub const UNEXPECTED_REQUEST: u8 = 0x04;
    /// Unspecified.
    pub const UNSPECIFIED: u8 = 0x05;
    /// The request is not supported.
    pub const UNSUPPORTED_REQUEST: u8 = 0x07;
    /// The response would exceed the requester's buffer.
    pub const RESPONSE_TOO_LARGE: u8 = 0x0D;
    /// The request's version is not the negotiated one.
    pub const VERSION_MISMATCH: u8 = 0x41;
    /// The response is not ready: send RESPOND_IF_READY later.
    pub const RESPONSE_NOT_READY: u8 = 0x42;
    /// The responder asks for a new GET_VERSION.
    pub const REQUEST_RESYNCH: u8 = 0x43;

    /// The code's name as DSP0274 writes it.
    pub fn name(code: u8) -> &'static str {
        match code {
            INVALID_REQUEST => "InvalidRequest",
            BUSY => "Busy",
            UNEXPECTED_REQUEST => "UnexpectedRequest",
            UNSPECIFIED => "Unspecified",
            0x06 => "DecryptError",
            UNSUPPORTED_REQUEST => "UnsupportedRequest",
            0x08 => "RequestInFlight",
            0x09 => "InvalidResponseCode",
            0x0A => "SessionLimitExceeded",
            0x0B => "SessionRequired",
            0x0C => "ResetRequired",
            RESPONSE_TOO_LARGE => "ResponseTooLarge",
            0x0E => "RequestTooLarge",
            0x0F => "LargeResponse",
            0x10 => "MessageLost",
            VERSION_MISMATCH => "VersionMismatch",
            RESPONSE_NOT_READY => "ResponseNotReady",
            REQUEST_RESYNCH => "RequestResynch",
            0xFF => "Vendor/Other",
            _ => "unknown",
        }
    }
}

/// CTExponent, Flags, DataTransferSize, MaxSPDMmsgSize: the body GET_CAPABILITIES
/// and CAPABILITIES share (DSP0274 1.3 §10.4): the first two from 1.1, the sizes from
/// 1.2; absent fields read as zero.
type Caps = (u8, u32, u32, u32);

fn read_caps(r: &mut Reader<'_>, version: Version) -> Result<Caps> {
    let mut c = (0, 0, 0, 0);
    if version >= Version::V11 {
        r.skip(1)?;
        c.0 = r.u8()?;
        r.skip(2)?;
        c.1 = r.u32_le()?;
    }
    if version >= Version::V12 {
        c.2 = r.u32_le()?;
        c.3 = r.u32_le()?;
    }
    Ok(c)
}

fn write_caps(w: &mut Writer<'_>, version: Version, c: Caps) {
    if version >= Version::V11 {
        w.u8(0).u8(c.0).u16_le(0).u32_le(c.1);
    }
    if version >= Version::V12 {
        w.u32_le(c.2).u32_le(c.3);
    }
}

/// A request this requester sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// GET_VERSION (always SPDMVersion 0x10; DSP0274 1.3 §10.3).
    GetVersion,
    /// GET_CAPABILITIES (§10.4). Fields after the header exist from 1.1;
    /// DataTransferSize and MaxSPDMmsgSize from 1.2.
    GetCapabilities {
        /// Negotiated version.
        version: Version,
        /// CTExponent: the requester's crypto timeout, 2^n µs.
        ct_exponent: u8,
        /// The requester's capability flags.
        flags: u32,
        /// The largest message the requester receives in one transfer (1.2+).
        data_transfer_size: u32,
        /// The largest whole SPDM message it handles (1.2+).
        max_message_size: u32,
    },
    /// NEGOTIATE_ALGORITHMS without algorithm structure tables (no sessions; §10.5).
    NegotiateAlgorithms {
        /// Negotiated version.
        version: Version,
        /// MeasurementSpecification.
        measurement_spec: u8,
        /// OtherParamsSupport (1.2+).
        other_params: u8,
        /// BaseAsymAlgo.
        base_asym: u32,
        /// BaseHashAlgo.
        base_hash: u32,
        /// MELspecification (1.3+).
        mel_spec: u8,
    },
    /// GET_DIGESTS (§10.7).
    GetDigests {
        /// Negotiated version.
        version: Version,
    },
    /// GET_CERTIFICATE (§10.8).
    GetCertificate {
        /// Negotiated version.
        version: Version,
        /// SlotID, 0..=7.
        slot: u8,
        /// Offset into the chain.
        offset: u16,
        /// Bytes asked for.
        length: u16,
    },
    /// CHALLENGE (§10.9).
    Challenge {
        /// Negotiated version.
        version: Version,
        /// SlotID.
        slot: u8,
        /// MeasurementSummaryHashType: 0 none, 1 TCB, 0xFF all.
        summary: u8,
        /// The requester's nonce.
        nonce: [u8; NONCE_LEN],
        /// RequesterContext (1.3+).
        context: [u8; CONTEXT_LEN],
    },
    /// GET_MEASUREMENTS (§10.11).
    GetMeasurements {
        /// Negotiated version.
        version: Version,
        /// Param1 bit 0: a signature is asked for (then nonce and slot are sent).
        signed: bool,
        /// Param1 bit 1 (1.2+): raw bit streams asked for.
        raw: bool,
        /// Param2: 0 the count, 1..=0xFE one index, 0xFF all.
        operation: u8,
        /// Nonce (sent when signed).
        nonce: [u8; NONCE_LEN],
        /// SlotIDParam (sent when signed, 1.1+).
        slot: u8,
        /// RequesterContext (1.3+).
        context: [u8; CONTEXT_LEN],
    },
    /// RESPOND_IF_READY after ERROR ResponseNotReady (§10.13).
    RespondIfReady {
        /// Negotiated version.
        version: Version,
        /// The request code the responder was not ready with.
        code: u8,
        /// The token it gave.
        token: u8,
    },
}

impl Request {
    /// The request code.
    pub fn code(&self) -> Code {
        match self {
            Request::GetVersion => Code::GetVersion,
            Request::GetCapabilities { .. } => Code::GetCapabilities,
            Request::NegotiateAlgorithms { .. } => Code::NegotiateAlgorithms,
            Request::GetDigests { .. } => Code::GetDigests,
            Request::GetCertificate { .. } => Code::GetCertificate,
            Request::Challenge { .. } => Code::Challenge,
            Request::GetMeasurements { .. } => Code::GetMeasurements,
            Request::RespondIfReady { .. } => Code::RespondIfReady,
        }
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let mut w = Writer::new(&mut out);
        let code = u8::from(self.code());
        match *self {
            Request::GetVersion => {
                w.u8(Version::V10.0).u8(code).u8(0).u8(0);
            }
            Request::GetCapabilities {
                version,
                ct_exponent,
                flags,
                data_transfer_size,
                max_message_size,
            } => {
                w.u8(version.0).u8(code).u8(0).u8(0);
                write_caps(
                    &mut w,
                    version,
                    (ct_exponent, flags, data_transfer_size, max_message_size),
                );
            }
            Request::NegotiateAlgorithms {
                version,
                measurement_spec,
                other_params,
                base_asym,
                base_hash,
                mel_spec,
            } => {
                w.u8(version.0).u8(code).u8(0).u8(0);
                w.u16_le(32).u8(measurement_spec);
                w.u8(if version >= Version::V12 {
                    other_params
                } else {
                    0
                });
                w.u32_le(base_asym).u32_le(base_hash).zeros(12);
                w.u8(0).u8(0).u8(0);
                w.u8(if version >= Version::V13 { mel_spec } else { 0 });
            }
            Request::GetDigests { version } => {
                w.u8(version.0).u8(code).u8(0).u8(0);
            }
            Request::GetCertificate {
                version,
                slot,
                offset,
                length,
            } => {
                w.u8(version.0).u8(code).u8(slot & 0x0F).u8(0);
                w.u16_le(offset).u16_le(length);
            }
            Request::Challenge {
                version,
                slot,
                summary,
                ref nonce,
                ref context,
            } => {
                w.u8(version.0).u8(code).u8(slot).u8(summary).bytes(nonce);
                if version >= Version::V13 {
                    w.bytes(context);
                }
            }
            Request::GetMeasurements {
                version,
                signed,
                raw,
                operation,
                ref nonce,
                slot,
                ref context,
            } => {
                let p1 = u8::from(signed) | (u8::from(raw && version >= Version::V12) << 1);
                w.u8(version.0).u8(code).u8(p1).u8(operation);
                if signed {
                    w.bytes(nonce);
                    if version >= Version::V11 {
                        w.u8(slot & 0x0F);
                    }
                }
                if version >= Version::V13 {
                    w.bytes(context);
                }
            }
            Request::RespondIfReady {
                version,
                code: c,
                token,
            } => {
                w.u8(version.0).u8(code).u8(c).u8(token);
            }
        }
        out
    }

    /// Parses a request (what a responder, a capture or a fuzzer sees).
    pub fn parse(bytes: &[u8]) -> Result<Request> {
        let mut r = Reader::new(bytes);
        let version = Version(r.u8()?);
        let code = Code::from(r.u8()?);
        let (p1, p2) = (r.u8()?, r.u8()?);
        let req = match code {
            Code::GetVersion if version == Version::V10 => Request::GetVersion,
            Code::GetCapabilities => {
                let (ct_exponent, flags, data_transfer_size, max_message_size) =
                    read_caps(&mut r, version)?;
                Request::GetCapabilities {
                    version,
                    ct_exponent,
                    flags,
                    data_transfer_size,
                    max_message_size,
                }
            }
            Code::NegotiateAlgorithms => {
                let length = r.u16_le()?;
                if usize::from(length) != bytes.len() || p1 != 0 {
                    return Err(Error::Invalid("NEGOTIATE_ALGORITHMS length or tables"));
                }
                let measurement_spec = r.u8()?;
                let other_params = r.u8()?;
                let base_asym = r.u32_le()?;
                let base_hash = r.u32_le()?;
                r.skip(12)?;
                let (ext_asym, ext_hash) = (r.u8()?, r.u8()?);
                if ext_asym != 0 || ext_hash != 0 {
                    return Err(Error::Invalid("NEGOTIATE_ALGORITHMS extended algorithms"));
                }
                r.skip(1)?;
                let mel_spec = r.u8()?;
                Request::NegotiateAlgorithms {
                    version,
                    measurement_spec,
                    other_params: if version >= Version::V12 {
                        other_params
                    } else {
                        0
                    },
                    base_asym,
                    base_hash,
                    mel_spec: if version >= Version::V13 { mel_spec } else { 0 },
                }
            }
            Code::GetDigests => Request::GetDigests { version },
            Code::GetCertificate => Request::GetCertificate {
                version,
                slot: p1 & 0x0F,
                offset: r.u16_le()?,
                length: r.u16_le()?,
            },
            Code::Challenge => Request::Challenge {
                version,
                slot: p1,
                summary: p2,
                nonce: r.array()?,
                context: if version >= Version::V13 {
                    r.array()?
                } else {
                    [0; CONTEXT_LEN]
                },
            },
            Code::GetMeasurements => {
                let signed = p1 & 1 != 0;
                let (mut nonce, mut slot) = ([0; NONCE_LEN], 0);
                if signed {
                    nonce = r.array()?;
                    if version >= Version::V11 {
                        slot = r.u8()? & 0x0F;
                    }
                }
                Request::GetMeasurements {
                    version,
                    signed,
                    raw: p1 & 2 != 0 && version >= Version::V12,
                    operation: p2,
                    nonce,
                    slot,
                    context: if version >= Version::V13 {
                        r.array()?
                    } else {
                        [0; CONTEXT_LEN]
                    },
                }
            }
            Code::RespondIfReady => Request::RespondIfReady {
                version,
                code: p1,
                token: p2,
            },
            _ => return Err(Error::Invalid("SPDM request code")),
        };
        if r.remaining() != 0 {
            return Err(Error::Invalid("SPDM request: bytes after the last field"));
        }
        Ok(req)
    }
}

/// What a response's variable parts are, as the requester knows from negotiation and
/// from its own request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    /// The negotiated hash's length (DIGESTS, CHALLENGE_AUTH).
    pub hash_len: usize,
    /// The negotiated signature's length (CHALLENGE_AUTH, signed MEASUREMENTS).
    pub signature_len: usize,
    /// CHALLENGE asked for a measurement summary hash.
    pub summary: bool,
    /// GET_MEASUREMENTS asked for a signature.
    pub signed: bool,
}

/// One measurement block (DSP0274 1.3 §10.11, Table "Measurement block format") with,
/// for the DMTF specification, its DMTF header (Table "DMTF measurement specification
/// format").
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MeasurementBlock {
    /// Index, 1..=0xFE.
    pub index: u8,
    /// MeasurementSpecification of the block (bit 0: DMTF).
    pub spec: u8,
    /// DMTFSpecMeasurementValueType (bit 7: raw bit stream) when `spec` is DMTF.
    pub value_type: u8,
    /// The value: a digest, or a raw bit stream (bit 7 of `value_type`), or the whole
    /// measurement for another specification.
    pub value: Vec<u8>,
}

impl MeasurementBlock {
    /// Whether `value` is a raw bit stream rather than a digest.
    pub fn raw(&self) -> bool {
        self.spec == MEASUREMENT_SPEC_DMTF && self.value_type & 0x80 != 0
    }

    /// What the value measures (DMTFSpecMeasurementValueType bits 6:0).
    pub fn kind(&self) -> &'static str {
        match self.value_type & 0x7F {
            0x00 => "immutable ROM",
            0x01 => "mutable firmware",
            0x02 => "hardware configuration",
            0x03 => "firmware configuration",
            0x04 => "freeform measurement manifest",
            0x05 => "structured device mode",
            0x06 => "mutable firmware version",
            0x07 => "mutable firmware security version",
            0x08 => "hash-extended measurement",
            0x09 => "informational",
            0x0A => "structured measurement manifest",
            _ => "other",
        }
    }

    /// The block's wire form (index, specification, size, measurement).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(7 + self.value.len());
        self.emit(&mut Writer::new(&mut out));
        out
    }

    fn emit(&self, w: &mut Writer<'_>) {
        w.u8(self.index).u8(self.spec);
        if self.spec == MEASUREMENT_SPEC_DMTF {
            w.u16_le((self.value.len() + 3) as u16);
            w.u8(self.value_type).u16_le(self.value.len() as u16);
        } else {
            w.u16_le(self.value.len() as u16);
        }
        w.bytes(&self.value);
    }

    /// Parses a MeasurementRecord of `count` blocks.
    pub fn parse_record(record: &[u8], count: u8) -> Result<Vec<MeasurementBlock>> {
        let mut r = Reader::new(record);
        let mut out = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let index = r.u8()?;
            let spec = r.u8()?;
            let size = r.u16_le()?;
            let body = r.take(usize::from(size))?;
            let block = if spec == MEASUREMENT_SPEC_DMTF {
                let mut b = Reader::new(body);
                let value_type = b.u8()?;
                let len = b.u16_le()?;
                let value = b.take(usize::from(len))?.to_vec();
                if b.remaining() != 0 {
                    return Err(Error::Invalid("DMTF measurement: size disagrees"));
                }
                MeasurementBlock {
                    index,
                    spec,
                    value_type,
                    value,
                }
            } else {
                MeasurementBlock {
                    index,
                    spec,
                    value_type: 0,
                    value: body.to_vec(),
                }
            };
            out.push(block);
        }
        if r.remaining() != 0 {
            return Err(Error::Invalid(
                "MeasurementRecord: bytes after the last block",
            ));
        }
        Ok(out)
    }
}

/// A response this requester understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// VERSION: the versions the responder supports (entries as on the wire).
    Version {
        /// VersionNumberEntry values.
        entries: Vec<u16>,
    },
    /// CAPABILITIES.
    Capabilities {
        /// Version.
        version: Version,
        /// CTExponent.
        ct_exponent: u8,
        /// Flags.
        flags: u32,
        /// DataTransferSize (1.2+; 0 before).
        data_transfer_size: u32,
        /// MaxSPDMmsgSize (1.2+; 0 before).
        max_message_size: u32,
    },
    /// ALGORITHMS (no extended algorithms, algorithm structure tables kept raw).
    Algorithms {
        /// Version.
        version: Version,
        /// MeasurementSpecificationSel.
        measurement_spec: u8,
        /// OtherParamsSelection.
        other_params: u8,
        /// MeasurementHashAlgo.
        measurement_hash: u32,
        /// BaseAsymSel.
        base_asym: u32,
        /// BaseHashSel.
        base_hash: u32,
        /// MELspecificationSel (1.3).
        mel_spec: u8,
        /// RespAlgStruct tables, 4 bytes each, as received.
        tables: Vec<[u8; 4]>,
    },
    /// DIGESTS.
    Digests {
        /// Version.
        version: Version,
        /// Param1 (1.3: SupportedSlotMask).
        supported: u8,
        /// Param2: the slots provisioned, one digest each in slot order.
        slots: u8,
        /// The chains' digests.
        digests: Vec<Vec<u8>>,
    },
    /// CERTIFICATE: a portion of a chain.
    Certificate {
        /// Version.
        version: Version,
        /// SlotID.
        slot: u8,
        /// The bytes of this portion.
        portion: Vec<u8>,
        /// Bytes still to come after it.
        remainder: u16,
    },
    /// CHALLENGE_AUTH.
    ChallengeAuth {
        /// Version.
        version: Version,
        /// Param1: SlotID in bits 3:0.
        slot: u8,
        /// Param2: SlotMask.
        slot_mask: u8,
        /// CertChainHash.
        chain_hash: Vec<u8>,
        /// The responder's nonce.
        nonce: [u8; NONCE_LEN],
        /// MeasurementSummaryHash (empty when not asked for).
        summary: Vec<u8>,
        /// OpaqueData.
        opaque: Vec<u8>,
        /// RequesterContext (1.3; zeros before).
        context: [u8; CONTEXT_LEN],
        /// Signature.
        signature: Vec<u8>,
    },
    /// MEASUREMENTS.
    Measurements {
        /// Version.
        version: Version,
        /// Param1: the number of indices when the count was asked for.
        total: u8,
        /// Param2: SlotIDParam and content-changed bits.
        param2: u8,
        /// The blocks.
        blocks: Vec<MeasurementBlock>,
        /// The responder's nonce.
        nonce: [u8; NONCE_LEN],
        /// OpaqueData.
        opaque: Vec<u8>,
        /// RequesterContext (1.3; zeros before).
        context: [u8; CONTEXT_LEN],
        /// Signature (empty when none was asked for).
        signature: Vec<u8>,
    },
    /// ERROR.
    Error {
        /// Version.
        version: Version,
        /// ErrorCode.
        code: u8,
        /// ErrorData.
        data: u8,
        /// ExtendedErrorData.
        extended: Vec<u8>,
    },
}

impl Response {
    /// The response code.
    pub fn code(&self) -> Code {
        match self {
            Response::Version { .. } => Code::Version,
            Response::Capabilities { .. } => Code::Capabilities,
            Response::Algorithms { .. } => Code::Algorithms,
            Response::Digests { .. } => Code::Digests,
            Response::Certificate { .. } => Code::Certificate,
            Response::ChallengeAuth { .. } => Code::ChallengeAuth,
            Response::Measurements { .. } => Code::Measurements,
            Response::Error { .. } => Code::Error,
        }
    }

    /// Parses a response whose variable parts have `shape`.
    pub fn parse(bytes: &[u8], shape: &Shape) -> Result<Response> {
        let mut r = Reader::new(bytes);
        let version = Version(r.u8()?);
        let code = Code::from(r.u8()?);
        let (p1, p2) = (r.u8()?, r.u8()?);
        let rsp = match code {
            Code::Version => {
                r.skip(1)?;
                let n = r.u8()?;
                let entries = (0..n).map(|_| r.u16_le()).collect::<Result<_>>()?;
                Response::Version { entries }
            }
            Code::Capabilities => {
                let (ct_exponent, flags, data_transfer_size, max_message_size) =
                    read_caps(&mut r, version)?;
                if version >= Version::V13 && p1 & 1 != 0 {
                    // A supported-algorithms block follows (1.3 Param1 bit 0); not used.
                    r.rest();
                }
                Response::Capabilities {
                    version,
                    ct_exponent,
                    flags,
                    data_transfer_size,
                    max_message_size,
                }
            }
            Code::Algorithms => {
                let length = r.u16_le()?;
                if usize::from(length) != bytes.len() {
                    return Err(Error::Invalid("ALGORITHMS length"));
                }
                let measurement_spec = r.u8()?;
                let other_params = r.u8()?;
                let measurement_hash = r.u32_le()?;
                let base_asym = r.u32_le()?;
                let base_hash = r.u32_le()?;
                r.skip(11)?;
                let mel_spec = r.u8()?;
                let (ext_asym, ext_hash) = (r.u8()?, r.u8()?);
                r.skip(2)?;
                r.skip(4 * (usize::from(ext_asym) + usize::from(ext_hash)))?;
                let mut tables = Vec::with_capacity(usize::from(p1));
                for _ in 0..p1 {
                    let t: [u8; 4] = r.array()?;
                    // AlgCount bits 3:0: how many extended algorithms follow
                    // (bits 7:4 are the fixed size of AlgSupported, 2).
                    r.skip(4 * usize::from(t[1] & 0x0F))?;
                    tables.push(t);
                }
                Response::Algorithms {
                    version,
                    measurement_spec,
                    other_params,
                    measurement_hash,
                    base_asym,
                    base_hash,
                    mel_spec,
                    tables,
                }
            }
            Code::Digests => {
                if shape.hash_len == 0 {
                    return Err(Error::Invalid("DIGESTS before a hash was negotiated"));
                }
                let n = p2.count_ones() as usize;
                let digests = (0..n)
                    .map(|_| r.take(shape.hash_len).map(<[u8]>::to_vec))
                    .collect::<Result<_>>()?;
                // SPDM 1.3 with a multi-key connection appends per-slot key data;
                // this requester never negotiates one, so nothing may follow.
                Response::Digests {
                    version,
                    supported: p1,
                    slots: p2,
                    digests,
                }
            }
            Code::Certificate => {
                let portion_len = r.u16_le()?;
                let remainder = r.u16_le()?;
                Response::Certificate {
                    version,
                    slot: p1 & 0x0F,
                    portion: r.take(usize::from(portion_len))?.to_vec(),
                    remainder,
                }
            }
            Code::ChallengeAuth => {
                let chain_hash = r.take(shape.hash_len)?.to_vec();
                let nonce = r.array()?;
                let summary = if shape.summary {
                    r.take(shape.hash_len)?.to_vec()
                } else {
                    Vec::new()
                };
                let opaque_len = r.u16_le()?;
                let opaque = r.take(usize::from(opaque_len))?.to_vec();
                let context = if version >= Version::V13 {
                    r.array()?
                } else {
                    [0; CONTEXT_LEN]
                };
                let signature = r.take(shape.signature_len)?.to_vec();
                Response::ChallengeAuth {
                    version,
                    slot: p1 & 0x0F,
                    slot_mask: p2,
                    chain_hash,
                    nonce,
                    summary,
                    opaque,
                    context,
                    signature,
                }
            }
            Code::Measurements => {
                let count = r.u8()?;
                let record_len = r.u24_le()?;
                let record = r.take(record_len as usize)?;
                let blocks = MeasurementBlock::parse_record(record, count)?;
                let nonce = r.array()?;
                let opaque_len = r.u16_le()?;
                let opaque = r.take(usize::from(opaque_len))?.to_vec();
                let context = if version >= Version::V13 {
                    r.array()?
                } else {
                    [0; CONTEXT_LEN]
                };
                let signature = if shape.signed {
                    r.take(shape.signature_len)?.to_vec()
                } else {
                    Vec::new()
                };
                Response::Measurements {
                    version,
                    total: p1,
                    param2: p2,
                    blocks,
                    nonce,
                    opaque,
                    context,
                    signature,
                }
            }
            Code::Error => Response::Error {
                version,
                code: p1,
                data: p2,
                extended: r.rest().to_vec(),
            },
            _ => return Err(Error::Invalid("SPDM response code")),
        };
        if r.remaining() != 0 {
            return Err(Error::Invalid("SPDM response: bytes after the last field"));
        }
        Ok(rsp)
    }

    /// The wire form (what a responder sends; the tests' and fuzzers' round trip).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(128);
        let mut w = Writer::new(&mut out);
        let code = u8::from(self.code());
        match self {
            Response::Version { entries } => {
                let n = u8::try_from(entries.len()).map_err(|_| Error::Invalid("entries"))?;
                w.u8(Version::V10.0).u8(code).u8(0).u8(0).u8(0).u8(n);
                for e in entries {
                    w.u16_le(*e);
                }
            }
            Response::Capabilities {
                version,
                ct_exponent,
                flags,
                data_transfer_size,
                max_message_size,
            } => {
                w.u8(version.0).u8(code).u8(0).u8(0);
                write_caps(
                    &mut w,
                    *version,
                    (*ct_exponent, *flags, *data_transfer_size, *max_message_size),
                );
            }
            Response::Algorithms {
                version,
                measurement_spec,
                other_params,
                measurement_hash,
                base_asym,
                base_hash,
                mel_spec,
                tables,
            } => {
                let n = u8::try_from(tables.len()).map_err(|_| Error::Invalid("tables"))?;
                if tables.iter().any(|t| t[1] & 0x0F != 0) {
                    return Err(Error::Invalid("extended algorithms"));
                }
                let len = 36 + 4 * tables.len();
                w.u8(version.0).u8(code).u8(n).u8(0).u16_le(len as u16);
                w.u8(*measurement_spec).u8(*other_params);
                w.u32_le(*measurement_hash)
                    .u32_le(*base_asym)
                    .u32_le(*base_hash);
                w.zeros(11).u8(*mel_spec).u8(0).u8(0).zeros(2);
                for t in tables {
                    w.bytes(t);
                }
            }
            Response::Digests {
                version,
                supported,
                slots,
                digests,
            } => {
                if digests.len() != slots.count_ones() as usize {
                    return Err(Error::Invalid("one digest per slot"));
                }
                w.u8(version.0).u8(code).u8(*supported).u8(*slots);
                for d in digests {
                    w.bytes(d);
                }
            }
            Response::Certificate {
                version,
                slot,
                portion,
                remainder,
            } => {
                let n = u16::try_from(portion.len()).map_err(|_| Error::Invalid("portion"))?;
                w.u8(version.0).u8(code).u8(*slot).u8(0);
                w.u16_le(n).u16_le(*remainder).bytes(portion);
            }
            Response::ChallengeAuth {
                version,
                slot,
                slot_mask,
                chain_hash,
                nonce,
                summary,
                opaque,
                context,
                signature,
            } => {
                let n = u16::try_from(opaque.len()).map_err(|_| Error::Invalid("opaque"))?;
                w.u8(version.0).u8(code).u8(*slot).u8(*slot_mask);
                w.bytes(chain_hash).bytes(nonce).bytes(summary);
                w.u16_le(n).bytes(opaque);
                if *version >= Version::V13 {
                    w.bytes(context);
                }
                w.bytes(signature);
            }
            Response::Measurements {
                version,
                total,
                param2,
                blocks,
                nonce,
                opaque,
                context,
                signature,
            } => {
                let n = u8::try_from(blocks.len()).map_err(|_| Error::Invalid("blocks"))?;
                let mut record = Vec::new();
                for b in blocks {
                    b.emit(&mut Writer::new(&mut record));
                }
                let on = u16::try_from(opaque.len()).map_err(|_| Error::Invalid("opaque"))?;
                w.u8(version.0).u8(code).u8(*total).u8(*param2);
                w.u8(n).u24_le(record.len() as u32).bytes(&record);
                w.bytes(nonce).u16_le(on).bytes(opaque);
                if *version >= Version::V13 {
                    w.bytes(context);
                }
                w.bytes(signature);
            }
            Response::Error {
                version,
                code: c,
                data,
                extended,
            } => {
                w.u8(version.0).u8(code).u8(*c).u8(*data).bytes(extended);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Golden messages: an exchange between DMTF's spdm_requester_emu and
    /// spdm_responder_emu (spdm-emu 85436d5, libspdm 1e16c60f; `--ver 1.3 --cap
    /// CERT,CHAL --other_param OPAQUE_FMT_1 --meas_op ALL`), captured with its
    /// `--pcap`, each line the SPDM message after the MCTP type byte. See
    /// `make_golden.py` beside this file for how it was made.
    fn golden() -> Vec<(String, Vec<u8>)> {
        include_str!("golden.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let (name, h) = l.split_once(' ').unwrap();
                (name.to_string(), hex(h))
            })
            .collect()
    }

    fn find(name: &str) -> Vec<u8> {
        golden()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no golden {name}"))
            .1
    }

    #[test]
    fn requests_match_the_reference_requester_byte_for_byte() {
        let g = |n| find(n);
        assert_eq!(Request::GetVersion.to_bytes(), g("GET_VERSION"));
        let caps = Request::parse(&g("GET_CAPABILITIES")).unwrap();
        assert_eq!(
            caps,
            Request::GetCapabilities {
                version: Version::V13,
                ct_exponent: 0,
                flags: caps::CERT | caps::CHAL,
                data_transfer_size: 0x1200,
                max_message_size: 0x1200,
            }
        );
        assert_eq!(caps.to_bytes(), g("GET_CAPABILITIES"));
        for name in [
            "GET_DIGESTS",
            "GET_CERTIFICATE",
            "CHALLENGE",
            "GET_MEASUREMENTS",
        ] {
            let bytes = g(name);
            let req = Request::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(req.to_bytes(), bytes, "{name}");
        }
        match Request::parse(&g("CHALLENGE")).unwrap() {
            Request::Challenge { slot, summary, .. } => assert_eq!((slot, summary), (0, 0xFF)),
            other => panic!("{other:?}"),
        }
        match Request::parse(&g("GET_MEASUREMENTS")).unwrap() {
            Request::GetMeasurements {
                signed, operation, ..
            } => assert_eq!((signed, operation), (true, ALL_MEASUREMENTS)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn responses_of_the_reference_responder_parse_and_reemit() {
        let shape = Shape {
            hash_len: 48,
            signature_len: 96,
            summary: true,
            signed: true,
        };
        match Response::parse(&find("VERSION"), &shape).unwrap() {
            Response::Version { entries } => {
                let v: Vec<_> = entries.iter().map(|e| Version::from_entry(*e)).collect();
                assert!(
                    v.contains(&Version::V12) && v.contains(&Version::V13),
                    "{v:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        match Response::parse(&find("CAPABILITIES"), &shape).unwrap() {
            Response::Capabilities { flags, .. } => {
                assert_eq!(flags & caps::MEAS_MASK, caps::MEAS_SIG);
                assert_ne!(flags & caps::CERT, 0);
                assert_ne!(flags & caps::CHAL, 0);
            }
            other => panic!("{other:?}"),
        }
        match Response::parse(&find("ALGORITHMS"), &shape).unwrap() {
            Response::Algorithms {
                base_asym,
                base_hash,
                measurement_spec,
                ..
            } => {
                assert_eq!(base_asym, asym::ECDSA_P384);
                assert_eq!(base_hash, hash::SHA384);
                assert_eq!(measurement_spec, MEASUREMENT_SPEC_DMTF);
            }
            other => panic!("{other:?}"),
        }
        match Response::parse(&find("CHALLENGE_AUTH"), &shape).unwrap() {
            Response::ChallengeAuth {
                chain_hash,
                signature,
                ..
            } => assert_eq!((chain_hash.len(), signature.len()), (48, 96)),
            other => panic!("{other:?}"),
        }
        match Response::parse(&find("MEASUREMENTS"), &shape).unwrap() {
            Response::Measurements { blocks, .. } => {
                assert!(!blocks.is_empty());
                assert!(blocks.iter().all(|b| b.spec == MEASUREMENT_SPEC_DMTF));
            }
            other => panic!("{other:?}"),
        }
        for name in [
            "CAPABILITIES",
            "DIGESTS",
            "CERTIFICATE",
            "CHALLENGE_AUTH",
            "MEASUREMENTS",
            "ERROR",
        ] {
            let bytes = find(name);
            let rsp = Response::parse(&bytes, &shape).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(rsp.to_bytes().unwrap(), bytes, "{name}");
        }
    }

    #[test]
    fn algorithm_names_follow_dsp0274() {
        assert_eq!(
            measurement_hash::name(measurement_hash::SHA512),
            Some("TPM_ALG_SHA_512")
        );
        assert_eq!(
            measurement_hash::name(measurement_hash::SHA256),
            Some("TPM_ALG_SHA_256")
        );
        assert_eq!(measurement_hash::name(1), Some("RawBitStream"));
        assert_eq!(measurement_hash::name(0x12), None);
        assert_eq!(hash::name(hash::SHA384), Some("TPM_ALG_SHA_384"));
        assert_eq!(
            asym::name(asym::ECDSA_P384),
            Some("TPM_ALG_ECDSA_ECC_NIST_P384")
        );
        assert_eq!(
            asym::signature_len(asym::ECDSA_P256 | asym::ECDSA_P384),
            None
        );
        assert_eq!(hash::len(hash::SHA512), Some(64));
    }

    #[test]
    fn signing_context_is_100_bytes_ending_in_the_context_string() {
        let c = signing_context(Version::V13, CHALLENGE_AUTH_CONTEXT);
        assert_eq!(c.len(), 100);
        assert_eq!(&c[..16], b"dmtf-spdm-v1.3.*");
        assert_eq!(&c[48..64], b"dmtf-spdm-v1.3.*");
        assert!(c[64..68].iter().all(|b| *b == 0));
        assert!(c.ends_with(CHALLENGE_AUTH_CONTEXT.as_bytes()));
        assert_eq!(
            &signing_context(Version::V12, "x")[..16],
            b"dmtf-spdm-v1.2.*"
        );
    }

    #[test]
    fn short_and_long_inputs_are_errors_not_panics() {
        let shape = Shape {
            hash_len: 48,
            signature_len: 96,
            summary: true,
            signed: true,
        };
        for (name, bytes) in golden() {
            for cut in 0..bytes.len() {
                let _ = Response::parse(&bytes[..cut], &shape);
                let _ = Request::parse(&bytes[..cut]);
            }
            let mut long = bytes.clone();
            long.push(0);
            if name != "ERROR" && name != "CAPABILITIES" {
                assert!(Response::parse(&long, &shape).is_err() || Request::parse(&long).is_err());
            }
        }
    }
}
