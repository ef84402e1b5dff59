//! Card authentication with SPDM (DSP0274 1.2/1.3 over MCTP, DSP0275): a requester
//! that negotiates, fetches the responder's certificate chain, checks it against the
//! configured trust anchors, challenges the responder and verifies its signature over
//! the whole exchange, then asks for signed measurements and verifies those too.
//!
//! The codecs are `sidebridge_protocol::spdm`; the link is any
//! [`RequestLink`] (the serial endpoint or `AF_MCTP`). Crypto: ring verifies the
//! signatures (ECDSA P-256/P-384 with SHA-256/384, RSA PKCS#1 v1.5 and PSS) and
//! computes the transcript hashes; rustls-webpki validates the X.509 path.

pub mod cli;
pub mod policy;

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use sidebridge_protocol::spdm::{
    self, ALL_MEASUREMENTS, CertChain, MEASUREMENT_SPEC_DMTF, MeasurementBlock, OPAQUE_DATA_FMT1,
    Request, Response, Shape, Version, asym, caps, error_code, hash,
};
use sidebridge_transport::mctp::RequestLink;
use std::time::Duration;

pub use policy::{Integrity, IntegrityState, Mode, SpdmTarget};

/// The versions this requester speaks, highest first (DSP0274 1.2 is the lowest
/// with signing contexts and DataTransferSize; 1.3 the highest implemented).
pub const VERSIONS: [Version; 2] = [Version::V13, Version::V12];
/// The signing algorithms offered: those ring verifies.
pub const OFFERED_ASYM: u32 = asym::ECDSA_P256
    | asym::ECDSA_P384
    | asym::RSASSA_2048
    | asym::RSASSA_3072
    | asym::RSASSA_4096
    | asym::RSAPSS_2048
    | asym::RSAPSS_3072
    | asym::RSAPSS_4096;
/// The hash algorithms offered.
pub const OFFERED_HASH: u32 = hash::SHA256 | hash::SHA384;
/// The largest message we take in one transfer and whole (no chunking): well within
/// the MCTP reassembly limit (8 KiB).
pub const TRANSFER_SIZE: u32 = 4096;
/// The longest certificate chain we read (the Length field is 16 bits).
const MAX_CHAIN: usize = 0xFFFF;

/// Why authentication failed, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum SpdmError {
    /// The link failed or the responder did not answer.
    #[error("reaching the SPDM responder ({link}): {source}")]
    Link {
        /// The link.
        link: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The responder answered with ERROR.
    #[error("the responder answered {request} with ERROR {name} ({code:#04x}, data {data:#04x})")]
    Refused {
        /// What we asked.
        request: &'static str,
        /// ErrorCode.
        code: u8,
        /// Its name.
        name: &'static str,
        /// ErrorData.
        data: u8,
    },
    /// An answer that does not parse or is not the one asked for.
    #[error("the responder's answer to {request} is malformed: {detail}")]
    Malformed {
        /// What we asked.
        request: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// No version in common.
    #[error(
        "no SPDM version in common: the responder offers {offered}; sidebridge speaks 1.2 and 1.3"
    )]
    Version {
        /// What the responder offered.
        offered: String,
    },
    /// The responder lacks a capability authentication needs.
    #[error("the responder does not offer {0}")]
    Capability(&'static str),
    /// No algorithm in common.
    #[error(
        "no {what} algorithm in common: the responder selected {selected:#x} of the offered {offered:#x}"
    )]
    Algorithm {
        /// Signing or hash.
        what: &'static str,
        /// What it selected.
        selected: u32,
        /// What we offered.
        offered: u32,
    },
    /// NEGOTIATE_ALGORITHMS refused: in practice, no algorithm in common.
    #[error(
        "the responder refused NEGOTIATE_ALGORITHMS (ERROR {name}): it likely shares none of the algorithms sidebridge offers (signing ECDSA P-256/P-384, RSA 2048-4096 PKCS#1 v1.5 or PSS; hash SHA-256/384)"
    )]
    AlgorithmsRefused {
        /// The error's name.
        name: &'static str,
    },
    /// The certificate chain is not acceptable.
    #[error("certificate chain in slot {slot}: {detail}")]
    Chain {
        /// The slot.
        slot: u8,
        /// Why.
        detail: String,
    },
    /// The measurements differ from the summary the challenge signed.
    #[error("the measurements differ from the measurement summary hash CHALLENGE_AUTH signed")]
    Summary,
    /// A signature does not verify.
    #[error("the {what} signature does not verify with the leaf certificate's key")]
    Signature {
        /// CHALLENGE_AUTH or MEASUREMENTS.
        what: &'static str,
    },
}

/// What was negotiated (VCA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// The version.
    pub version: Version,
    /// The responder's capability flags.
    pub flags: u32,
    /// BaseAsymSel.
    pub base_asym: u32,
    /// BaseHashSel.
    pub base_hash: u32,
    /// MeasurementHashAlgo.
    pub measurement_hash: u32,
}

impl Negotiated {
    fn hash_len(&self) -> usize {
        hash::len(self.base_hash).unwrap_or(0)
    }

    fn signature_len(&self) -> usize {
        asym::signature_len(self.base_asym).unwrap_or(0)
    }

    /// Whether the responder signs measurements.
    pub fn signs_measurements(&self) -> bool {
        self.flags & caps::MEAS_MASK == caps::MEAS_SIG
    }
}

/// What one authentication found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// What was negotiated.
    pub negotiated: Negotiated,
    /// The slot used.
    pub slot: u8,
    /// The certificates of the chain, DER, root side first, leaf last.
    pub certificates: Vec<Vec<u8>>,
    /// Whether the chain verified to a configured anchor (false when none was
    /// required: trust on first use, or none).
    pub anchored: bool,
    /// The measurement blocks, verified with the MEASUREMENTS signature (empty when
    /// the responder does not offer signed measurements).
    pub measurements: Vec<MeasurementBlock>,
}

/// Signed measurements for a client to verify itself (Redfish
/// `SPDMGetSignedMeasurements`): the whole transcript L1 it signs, not just the
/// response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMeasurements {
    /// What was negotiated.
    pub negotiated: Negotiated,
    /// VCA, the GET_MEASUREMENTS request and the MEASUREMENTS response with its
    /// signature at the end (DSP0274 1.3 §10.11: L1 is this less the signature).
    pub transcript: Vec<u8>,
    /// The signature alone.
    pub signature: Vec<u8>,
    /// The blocks, verified.
    pub blocks: Vec<MeasurementBlock>,
}

/// One SPDM conversation with a responder.
pub struct Requester<'a> {
    link: &'a dyn RequestLink,
    timeout: Duration,
    rng: SystemRandom,
    /// VCA: GET_VERSION … ALGORITHMS, the start of every transcript (1.2+).
    vca: Vec<u8>,
    negotiated: Option<Negotiated>,
}

impl std::fmt::Debug for Requester<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requester")
            .field("link", &self.link.describe())
            .field("negotiated", &self.negotiated)
            .finish()
    }
}

fn name(code: spdm::Code) -> &'static str {
    use spdm::Code as C;
    match code {
        C::GetVersion => "GET_VERSION",
        C::GetCapabilities => "GET_CAPABILITIES",
        C::NegotiateAlgorithms => "NEGOTIATE_ALGORITHMS",
        C::GetDigests => "GET_DIGESTS",
        C::GetCertificate => "GET_CERTIFICATE",
        C::Challenge => "CHALLENGE",
        C::GetMeasurements => "GET_MEASUREMENTS",
        C::RespondIfReady => "RESPOND_IF_READY",
        _ => "a request",
    }
}

fn digest_alg(base_hash: u32) -> &'static digest::Algorithm {
    match base_hash {
        hash::SHA256 => &digest::SHA256,
        hash::SHA512 => &digest::SHA512,
        _ => &digest::SHA384,
    }
}

/// The negotiated hash of `data`.
pub fn hash_of(base_hash: u32, data: &[u8]) -> Vec<u8> {
    digest::digest(digest_alg(base_hash), data)
        .as_ref()
        .to_vec()
}

impl<'a> Requester<'a> {
    /// A requester on `link`; each request waits up to `timeout`.
    pub fn new(link: &'a dyn RequestLink, timeout: Duration) -> Self {
        Requester {
            link,
            timeout,
            rng: SystemRandom::new(),
            vca: Vec::new(),
            negotiated: None,
        }
    }

    /// What was negotiated, once [`Requester::negotiate`] succeeded.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    fn random<const N: usize>(&self) -> [u8; N] {
        let mut out = [0u8; N];
        // SystemRandom only fails when the OS has no randomness at all.
        self.rng
            .fill(&mut out)
            .expect("the OS random number generator");
        out
    }

    /// Sends `req`, returns its bytes and the response's bytes and parse. ERROR
    /// ResponseNotReady is followed by RESPOND_IF_READY after the time it asks for;
    /// Busy is retried twice; other ERRORs fail with their name.
    async fn exchange(
        &self,
        req: &Request,
        shape: &Shape,
    ) -> Result<(Vec<u8>, Vec<u8>, Response), SpdmError> {
        let request = name(req.code());
        let bytes = req.to_bytes();
        let mut send = bytes.clone();
        for attempt in 0..4 {
            let rsp = self
                .link
                .request(&send, self.timeout)
                .await
                .map_err(|source| SpdmError::Link {
                    link: self.link.describe(),
                    source,
                })?;
            let parsed = Response::parse(&rsp, shape).map_err(|e| SpdmError::Malformed {
                request,
                detail: e.to_string(),
            })?;
            match parsed {
                Response::Error {
                    code: error_code::RESPONSE_NOT_READY,
                    ref extended,
                    version,
                    ..
                } if extended.len() >= 4 && attempt < 3 => {
                    // ExtendedErrorData: RDTExponent, RequestCode, Token, RDTM.
                    let wait = (1u64 << extended[0].min(24)) * u64::from(extended[3].max(1));
                    tokio::time::sleep(Duration::from_micros(wait.min(5_000_000))).await;
                    send = Request::RespondIfReady {
                        version,
                        code: extended[1],
                        token: extended[2],
                    }
                    .to_bytes();
                }
                Response::Error {
                    code: error_code::BUSY,
                    ..
                } if attempt < 2 => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    send = bytes.clone();
                }
                Response::Error { code, data, .. } => {
                    return Err(SpdmError::Refused {
                        request,
                        code,
                        name: error_code::name(code),
                        data,
                    });
                }
                other => {
                    // Every response carries the version of its request (VERSION
                    // answers GET_VERSION's 1.0; DSP0274 1.3 §9).
                    if rsp.first() != bytes.first() {
                        return Err(SpdmError::Malformed {
                            request,
                            detail: format!(
                                "answered with SPDMVersion {:#04x} to a request of {:#04x}",
                                rsp.first().copied().unwrap_or(0),
                                bytes[0]
                            ),
                        });
                    }
                    let expected = u8::from(req.code()) & 0x7F;
                    if u8::from(other.code()) != expected {
                        return Err(SpdmError::Malformed {
                            request,
                            detail: format!("answered with code {:#04x}", u8::from(other.code())),
                        });
                    }
                    return Ok((bytes, rsp, other));
                }
            }
        }
        Err(SpdmError::Malformed {
            request,
            detail: "never ready".into(),
        })
    }

    /// GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS (DSP0274 1.3 §10.3–§10.5):
    /// the highest common version (1.2 or 1.3), the responder's capabilities, one
    /// signing and one hash algorithm of those offered.
    pub async fn negotiate(&mut self) -> Result<&Negotiated, SpdmError> {
        self.vca.clear();
        self.negotiated = None;
        let none = Shape::default();
        let (q, r, rsp) = self.exchange(&Request::GetVersion, &none).await?;
        let Response::Version { entries } = rsp else {
            unreachable!("exchange checks the code")
        };
        let theirs: Vec<Version> = entries.iter().map(|e| Version::from_entry(*e)).collect();
        let Some(version) = VERSIONS.iter().copied().find(|v| theirs.contains(v)) else {
            let offered = theirs.iter().map(|v| v.to_string()).collect::<Vec<_>>();
            return Err(SpdmError::Version {
                offered: offered.join(", "),
            });
        };
        self.vca.extend_from_slice(&q);
        self.vca.extend_from_slice(&r);

        let req = Request::GetCapabilities {
            version,
            ct_exponent: 0,
            flags: caps::CERT | caps::CHAL,
            data_transfer_size: TRANSFER_SIZE,
            max_message_size: TRANSFER_SIZE,
        };
        let (q, r, rsp) = self.exchange(&req, &none).await?;
        let Response::Capabilities { flags, .. } = rsp else {
            unreachable!("exchange checks the code")
        };
        if flags & caps::CERT == 0 {
            return Err(SpdmError::Capability(
                "certificates (CERT_CAP): it cannot be authenticated with a chain",
            ));
        }
        if flags & caps::CHAL == 0 {
            return Err(SpdmError::Capability("CHALLENGE (CHAL_CAP)"));
        }
        self.vca.extend_from_slice(&q);
        self.vca.extend_from_slice(&r);

        let req = Request::NegotiateAlgorithms {
            version,
            measurement_spec: MEASUREMENT_SPEC_DMTF,
            other_params: OPAQUE_DATA_FMT1,
            base_asym: OFFERED_ASYM,
            base_hash: OFFERED_HASH,
            mel_spec: 0,
        };
        let (q, r, rsp) = self.exchange(&req, &none).await.map_err(|e| match e {
            SpdmError::Refused { name, .. } => SpdmError::AlgorithmsRefused { name },
            e => e,
        })?;
        let Response::Algorithms {
            base_asym,
            base_hash,
            measurement_hash,
            ..
        } = rsp
        else {
            unreachable!("exchange checks the code")
        };
        if base_asym.count_ones() != 1 || base_asym & OFFERED_ASYM == 0 {
            return Err(SpdmError::Algorithm {
                what: "signing",
                selected: base_asym,
                offered: OFFERED_ASYM,
            });
        }
        if base_hash.count_ones() != 1 || base_hash & OFFERED_HASH == 0 {
            return Err(SpdmError::Algorithm {
                what: "hash",
                selected: base_hash,
                offered: OFFERED_HASH,
            });
        }
        self.vca.extend_from_slice(&q);
        self.vca.extend_from_slice(&r);
        Ok(self.negotiated.insert(Negotiated {
            version,
            flags,
            base_asym,
            base_hash,
            measurement_hash,
        }))
    }

    fn need(&self) -> Result<Negotiated, SpdmError> {
        self.negotiated.clone().ok_or(SpdmError::Malformed {
            request: "GET_DIGESTS",
            detail: "nothing negotiated".into(),
        })
    }

    /// Negotiates, reads and checks the chain of `slot`, challenges, and reads
    /// signed measurements: the whole authentication. `anchors` are DER trust anchor
    /// certificates; empty means the chain is not checked against any (trust on
    /// first use, or none: the caller pins what it saw).
    pub async fn authenticate(
        &mut self,
        slot: u8,
        anchors: &[Vec<u8>],
    ) -> Result<Authenticated, SpdmError> {
        self.negotiate().await?;
        let n = self.need()?;
        let shape = Shape {
            hash_len: n.hash_len(),
            signature_len: n.signature_len(),
            summary: false,
            signed: false,
        };
        let chain_err = |detail: String| SpdmError::Chain { slot, detail };

        // B: GET_DIGESTS, DIGESTS, then GET_CERTIFICATE/CERTIFICATE (§10.7, §10.8).
        let mut b = Vec::new();
        let req = Request::GetDigests { version: n.version };
        let (q, r, rsp) = self.exchange(&req, &shape).await?;
        let Response::Digests { slots, digests, .. } = rsp else {
            unreachable!("exchange checks the code")
        };
        if slots & (1 << slot) == 0 {
            return Err(chain_err(format!(
                "not provisioned (the responder's slots: {slots:#010b})"
            )));
        }
        let digest = digests[(slots & ((1u8 << slot) - 1)).count_ones() as usize].clone();
        b.extend_from_slice(&q);
        b.extend_from_slice(&r);

        let mut chain = Vec::new();
        loop {
            let want = (TRANSFER_SIZE as usize - 8).min(MAX_CHAIN - chain.len()) as u16;
            let req = Request::GetCertificate {
                version: n.version,
                slot,
                offset: chain.len() as u16,
                length: want,
            };
            let (q, r, rsp) = self.exchange(&req, &shape).await?;
            let Response::Certificate {
                portion, remainder, ..
            } = rsp
            else {
                unreachable!("exchange checks the code")
            };
            b.extend_from_slice(&q);
            b.extend_from_slice(&r);
            if portion.is_empty() && remainder > 0 {
                return Err(chain_err("the responder sent an empty portion".into()));
            }
            chain.extend_from_slice(&portion);
            if remainder == 0 {
                break;
            }
            if chain.len() + usize::from(remainder) > MAX_CHAIN {
                return Err(chain_err("longer than 64 KiB".into()));
            }
        }
        let chain_hash = hash_of(n.base_hash, &chain);
        if chain_hash != digest {
            return Err(chain_err(
                "its digest differs from the one DIGESTS gave for the slot".into(),
            ));
        }
        let parsed =
            CertChain::parse(&chain, n.hash_len()).map_err(|e| chain_err(e.to_string()))?;
        let certificates: Vec<Vec<u8>> = parsed.certificates.iter().map(|c| c.to_vec()).collect();
        let root_matches = hash_of(n.base_hash, parsed.certificates[0]) == parsed.root_hash
            || anchors
                .iter()
                .any(|a| hash_of(n.base_hash, a) == parsed.root_hash);
        if !root_matches && !anchors.is_empty() {
            return Err(chain_err(
                "its RootHash matches neither its first certificate nor a trust anchor".into(),
            ));
        }
        let anchored = if anchors.is_empty() {
            false
        } else {
            verify_path(&certificates, anchors).map_err(chain_err)?;
            true
        };
        let leaf = certificates.last().cloned().unwrap_or_default();

        // C: CHALLENGE / CHALLENGE_AUTH (§10.9); M1 = VCA + B + C less the signature.
        let summary = if n.flags & caps::MEAS_MASK != 0 {
            0xFF
        } else {
            0
        };
        let req = Request::Challenge {
            version: n.version,
            slot,
            summary,
            nonce: self.random(),
            context: self.random(),
        };
        let ch_shape = Shape {
            summary: summary != 0,
            ..shape
        };
        let (q, r, rsp) = self.exchange(&req, &ch_shape).await?;
        let Response::ChallengeAuth {
            slot: answered_slot,
            chain_hash: their_hash,
            context,
            signature,
            summary: summary_hash,
            ..
        } = rsp
        else {
            unreachable!("exchange checks the code")
        };
        let Request::Challenge {
            context: sent_context,
            ..
        } = req
        else {
            unreachable!()
        };
        if answered_slot != slot || their_hash != chain_hash {
            return Err(SpdmError::Malformed {
                request: "CHALLENGE",
                detail: "CHALLENGE_AUTH names another slot or chain".into(),
            });
        }
        if n.version >= Version::V13 && context != sent_context {
            return Err(SpdmError::Malformed {
                request: "CHALLENGE",
                detail: "CHALLENGE_AUTH does not echo the RequesterContext".into(),
            });
        }
        let mut m1 = self.vca.clone();
        m1.extend_from_slice(&b);
        m1.extend_from_slice(&q);
        m1.extend_from_slice(&r[..r.len() - signature.len()]);
        verify_signature(&n, &leaf, spdm::CHALLENGE_AUTH_CONTEXT, &m1, &signature).map_err(
            |_| SpdmError::Signature {
                what: "CHALLENGE_AUTH",
            },
        )?;

        let measurements = if n.signs_measurements() {
            self.signed_measurements(slot, &leaf, &[ALL_MEASUREMENTS], None)
                .await?
                .blocks
        } else {
            Vec::new()
        };
        // The challenge signed a summary of all measurement blocks (type 0xFF): the
        // hash of their concatenation (DSP0274 1.3 §10.9). The blocks read after it
        // must be the ones it summarised.
        if !measurements.is_empty() && !summary_hash.is_empty() {
            let all: Vec<u8> = measurements.iter().flat_map(|b| b.to_bytes()).collect();
            if hash_of(n.base_hash, &all) != summary_hash {
                return Err(SpdmError::Summary);
            }
        }
        Ok(Authenticated {
            negotiated: n,
            slot,
            certificates,
            anchored,
            measurements,
        })
    }

    /// GET_MEASUREMENTS for each of `operations` (one index each, or 0xFF for all),
    /// the last with a signature and `nonce` (or a fresh one), the earlier ones
    /// unsigned (DSP0274 1.3 §10.11; Redfish `SPDMGetSignedMeasurements`); the
    /// signature is verified with `leaf`'s key over L1 = VCA + every request and
    /// response (the last without its signature).
    pub async fn signed_measurements(
        &self,
        slot: u8,
        leaf: &[u8],
        operations: &[u8],
        nonce: Option<[u8; 32]>,
    ) -> Result<SignedMeasurements, SpdmError> {
        let n = self.need()?;
        if !n.signs_measurements() {
            return Err(SpdmError::Capability("signed measurements (MEAS_CAP 10b)"));
        }
        let Some((&last, earlier)) = operations.split_last() else {
            return Err(SpdmError::Malformed {
                request: "GET_MEASUREMENTS",
                detail: "no measurement index asked for".into(),
            });
        };
        let mut l1 = self.vca.clone();
        let mut blocks = Vec::new();
        let mut shape = Shape {
            hash_len: n.hash_len(),
            signature_len: n.signature_len(),
            summary: false,
            signed: false,
        };
        for &op in earlier {
            let req = Request::GetMeasurements {
                version: n.version,
                signed: false,
                raw: false,
                operation: op,
                nonce: [0; 32],
                slot: 0,
                context: self.random(),
            };
            let (q, r, rsp) = self.exchange(&req, &shape).await?;
            if let Response::Measurements { blocks: b, .. } = rsp {
                blocks.extend(b);
            }
            l1.extend_from_slice(&q);
            l1.extend_from_slice(&r);
        }
        shape.signed = true;
        let req = Request::GetMeasurements {
            version: n.version,
            signed: true,
            raw: false,
            operation: last,
            nonce: nonce.unwrap_or_else(|| self.random()),
            slot,
            context: self.random(),
        };
        let (q, r, rsp) = self.exchange(&req, &shape).await?;
        let Response::Measurements {
            blocks: b,
            signature,
            ..
        } = rsp
        else {
            unreachable!("exchange checks the code")
        };
        blocks.extend(b);
        l1.extend_from_slice(&q);
        l1.extend_from_slice(&r[..r.len() - signature.len()]);
        verify_signature(&n, leaf, spdm::MEASUREMENTS_CONTEXT, &l1, &signature).map_err(|_| {
            SpdmError::Signature {
                what: "MEASUREMENTS",
            }
        })?;
        let mut transcript = l1;
        transcript.extend_from_slice(&signature);
        Ok(SignedMeasurements {
            negotiated: n,
            transcript,
            signature,
            blocks,
        })
    }
}

/// Validates `certificates` (root side first, leaf last) to one of `anchors` with
/// rustls-webpki: signatures, validity now, CA constraints. The leaf's extended key
/// usage, when it has one, must allow SPDM responder authentication
/// (1.3.6.1.4.1.412.274.3) or TLS server authentication, as DMTF's sample chains do.
pub fn verify_path(certificates: &[Vec<u8>], anchors: &[Vec<u8>]) -> Result<(), String> {
    let Some((leaf, rest)) = certificates.split_last() else {
        return Err("no certificate".into());
    };
    let anchor_ders: Vec<CertificateDer<'_>> = anchors
        .iter()
        .map(|a| CertificateDer::from(a.as_slice()))
        .collect();
    let trust: Vec<_> = anchor_ders
        .iter()
        .filter_map(|a| webpki::anchor_from_trusted_cert(a).ok())
        .collect();
    if trust.is_empty() {
        return Err("no usable trust anchor is configured".into());
    }
    let intermediates: Vec<CertificateDer<'_>> = rest
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let leaf_der = CertificateDer::from(leaf.as_slice());
    let ee = webpki::EndEntityCert::try_from(&leaf_der)
        .map_err(|e| format!("the leaf certificate does not parse: {e}"))?;
    let now = UnixTime::now();
    let verify = |usage: webpki::KeyUsage| {
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &trust,
            &intermediates,
            now,
            usage,
            None,
            None,
        )
        .map(drop)
    };
    // First as an SPDM responder; a leaf whose EKU lacks that but allows TLS server
    // authentication (DMTF's samples) is tried again as such.
    match verify(webpki::KeyUsage::required_if_present(SPDM_RESPONDER_AUTH_OID)) {
        Err(webpki::Error::RequiredEkuNotFoundContext(_)) => {
            verify(webpki::KeyUsage::server_auth()).map_err(|e| match e {
                webpki::Error::RequiredEkuNotFoundContext(_) => "the leaf's extended key usage allows neither SPDM responder nor server authentication".to_string(),
                other => path_error(other),
            })
        }
        r => r.map_err(path_error),
    }
}

fn path_error(e: webpki::Error) -> String {
    match e {
        webpki::Error::UnknownIssuer => {
            "it does not chain to a configured trust anchor (unknown issuer)".into()
        }
        e => format!("it does not verify to a configured trust anchor: {e:?}"),
    }
}

/// id-DMTF-eku-responder-auth, 1.3.6.1.4.1.412.274.3 (DSP0274 1.3 §10.8.1), DER body.
const SPDM_RESPONDER_AUTH_OID: &[u8] =
    &[0x2B, 0x06, 0x01, 0x04, 0x01, 0x83, 0x1C, 0x82, 0x12, 0x03];

/// Verifies a 1.2+ SPDM signature: over the signing context of `context` and the
/// hash of `transcript` (DSP0274 1.3 §15), with the key of the `leaf` certificate.
/// ECDSA signatures come as r||s and are re-encoded as DER for ring.
pub fn verify_signature(
    n: &Negotiated,
    leaf: &[u8],
    context: &str,
    transcript: &[u8],
    signature: &[u8],
) -> Result<(), BadSignature> {
    let mut message = spdm::signing_context(n.version, context);
    message.extend_from_slice(&hash_of(n.base_hash, transcript));
    let der = CertificateDer::from(leaf);
    let ee = webpki::EndEntityCert::try_from(&der).map_err(|_| BadSignature)?;
    let (alg, sig): (&dyn SignatureVerificationAlgorithm, Vec<u8>) =
        match (n.base_asym, n.base_hash) {
            (asym::ECDSA_P256, hash::SHA256) => {
                (webpki::ring::ECDSA_P256_SHA256, ecdsa_der(signature))
            }
            (asym::ECDSA_P256, hash::SHA384) => {
                (webpki::ring::ECDSA_P256_SHA384, ecdsa_der(signature))
            }
            (asym::ECDSA_P384, hash::SHA256) => {
                (webpki::ring::ECDSA_P384_SHA256, ecdsa_der(signature))
            }
            (asym::ECDSA_P384, hash::SHA384) => {
                (webpki::ring::ECDSA_P384_SHA384, ecdsa_der(signature))
            }
            (asym::RSASSA_2048 | asym::RSASSA_3072 | asym::RSASSA_4096, hash::SHA256) => {
                (webpki::ring::RSA_PKCS1_2048_8192_SHA256, signature.to_vec())
            }
            (asym::RSASSA_2048 | asym::RSASSA_3072 | asym::RSASSA_4096, hash::SHA384) => {
                (webpki::ring::RSA_PKCS1_2048_8192_SHA384, signature.to_vec())
            }
            (asym::RSAPSS_2048 | asym::RSAPSS_3072 | asym::RSAPSS_4096, hash::SHA256) => (
                webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
                signature.to_vec(),
            ),
            (asym::RSAPSS_2048 | asym::RSAPSS_3072 | asym::RSAPSS_4096, hash::SHA384) => (
                webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
                signature.to_vec(),
            ),
            _ => return Err(BadSignature),
        };
    ee.verify_signature(alg, &message, &sig)
        .map_err(|_| BadSignature)
}

/// A signature that does not verify (or a leaf or algorithm it cannot be checked
/// with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadSignature;

/// ECDSA r||s (each half the signature) as a DER Ecdsa-Sig-Value (RFC 3279 §2.2.3).
fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
    fn int(x: &[u8]) -> Vec<u8> {
        let x = {
            let first = x
                .iter()
                .position(|b| *b != 0)
                .unwrap_or(x.len().saturating_sub(1));
            &x[first..]
        };
        let mut out = vec![0x02];
        let pad = x.first().is_some_and(|b| b & 0x80 != 0);
        der_len(&mut out, x.len() + usize::from(pad));
        if pad {
            out.push(0);
        }
        out.extend_from_slice(x);
        out
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30];
    der_len(&mut out, body.len());
    out.extend(body);
    out
}

fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        out.push(0x81);
        out.push(len as u8);
    }
}

/// Reads trust anchors: PEM files (one or more CERTIFICATE blocks) or DER files.
pub fn load_anchors(paths: &[std::path::PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p).map_err(|e| format!("trust anchor {}: {e}", p.display()))?;
        if bytes.starts_with(b"-----") {
            let certs = crate::tls::pem_certificates(&bytes)
                .map_err(|e| format!("trust anchor {}: {e}", p.display()))?;
            out.extend(certs.into_iter().map(|c| c.to_vec()));
        } else {
            out.push(bytes);
        }
        let last = out.last().cloned().unwrap_or_default();
        webpki::anchor_from_trusted_cert(&CertificateDer::from(last.as_slice())).map_err(|e| {
            format!(
                "trust anchor {}: not a usable certificate: {e}",
                p.display()
            )
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A responder that answers each request with the next of `answers` (the
    /// reference responder's recorded messages, possibly altered), whatever it is.
    #[derive(Debug)]
    struct Replay(Mutex<Vec<Vec<u8>>>);

    impl RequestLink for Replay {
        fn request<'a>(
            &'a self,
            _body: &'a [u8],
            _timeout: Duration,
        ) -> sidebridge_transport::BoxFuture<'a, std::io::Result<Vec<u8>>> {
            let next = self.0.lock().unwrap().pop();
            Box::pin(async move {
                next.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::TimedOut, "no more"))
            })
        }
        fn describe(&self) -> String {
            "replay".into()
        }
    }

    fn golden(name: &str) -> Vec<u8> {
        let line = include_str!("../../protocol/src/spdm/golden.txt")
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap();
        let h = line.split_whitespace().nth(1).unwrap();
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The recorded exchange up to CHALLENGE_AUTH, `alter`ed, as a replay.
    fn replay(alter: impl FnOnce(&mut Vec<Vec<u8>>)) -> Replay {
        let mut answers: Vec<Vec<u8>> = [
            "VERSION",
            "CAPABILITIES",
            "ALGORITHMS",
            "DIGESTS",
            "CERTIFICATE",
            "CHALLENGE_AUTH",
        ]
        .iter()
        .map(|n| golden(n))
        .collect();
        alter(&mut answers);
        answers.reverse();
        Replay(Mutex::new(answers))
    }

    async fn run(link: &Replay) -> SpdmError {
        Requester::new(link, Duration::from_secs(1))
            .authenticate(0, &[])
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn the_recorded_exchange_is_checked_step_by_step() {
        // As recorded: everything up to CHALLENGE_AUTH holds; its RequesterContext
        // is the recording's, not ours.
        let e = run(&replay(|_| {})).await.to_string();
        assert!(e.contains("does not echo the RequesterContext"), "{e}");
        // A response of another version than its request.
        let e = run(&replay(|a| a[1][0] = 0x12)).await.to_string();
        assert!(
            e.contains("answered with SPDMVersion 0x12 to a request of 0x13"),
            "{e}"
        );
        // Another response than the one asked for.
        let e = run(&replay(|a| a.swap(3, 4))).await.to_string();
        assert!(e.contains("GET_DIGESTS"), "{e}");
        // A chain that is not the one DIGESTS described.
        let e = run(&replay(|a| {
            let n = a[4].len();
            a[4][n - 1] ^= 1;
        }))
        .await
        .to_string();
        assert!(e.contains("its digest differs"), "{e}");
        // A slot that is not provisioned.
        let e = run(&replay(|a| {
            a[3][3] = 0x02;
            a[3].truncate(4 + 48);
        }))
        .await
        .to_string();
        assert!(e.contains("not provisioned"), "{e}");
        // A responder without CHALLENGE.
        let e = run(&replay(|a| a[1][8] &= !0x04)).await.to_string();
        assert!(e.contains("CHAL_CAP"), "{e}");
        // An ERROR with its name.
        let e = run(&replay(|a| a[2] = vec![0x13, 0x7F, 0x07, 0x00]))
            .await
            .to_string();
        assert!(e.contains("ERROR UnsupportedRequest"), "{e}");
        // Silence.
        let e = run(&replay(|a| a.truncate(3))).await.to_string();
        assert!(e.contains("reaching the SPDM responder (replay)"), "{e}");
    }

    #[test]
    fn ecdsa_r_s_become_der_with_sign_padding_and_trimmed_zeros() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a leading zero
        raw[32] = 0x00; // s starts with zeros: trimmed
        raw[33] = 0x01;
        let der = ecdsa_der(&raw);
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 33, 0x00]);
        let s_at = 2 + 2 + 33;
        assert_eq!(&der[s_at..s_at + 3], &[0x02, 31, 0x01]);
        assert_eq!(usize::from(der[1]), der.len() - 2);
    }
}
