//! Property tests: every request and response this module emits parses back to
//! itself, and no input makes a parser panic.

use super::*;
use proptest::prelude::*;

fn version() -> impl Strategy<Value = Version> {
    prop_oneof![Just(Version::V12), Just(Version::V13)]
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        Just(Request::GetVersion),
        (
            version(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(
                |(version, ct_exponent, flags, data_transfer_size, max_message_size)| {
                    Request::GetCapabilities {
                        version,
                        ct_exponent,
                        flags,
                        data_transfer_size,
                        max_message_size,
                    }
                }
            ),
        (
            version(),
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<u8>()
        )
            .prop_map(
                |(version, measurement_spec, other_params, base_asym, base_hash, mel)| {
                    Request::NegotiateAlgorithms {
                        version,
                        measurement_spec,
                        other_params,
                        base_asym,
                        base_hash,
                        mel_spec: if version >= Version::V13 { mel } else { 0 },
                    }
                }
            ),
        version().prop_map(|version| Request::GetDigests { version }),
        (version(), 0u8..8, any::<u16>(), any::<u16>()).prop_map(
            |(version, slot, offset, length)| Request::GetCertificate {
                version,
                slot,
                offset,
                length,
            }
        ),
        (
            version(),
            any::<u8>(),
            any::<u8>(),
            any::<[u8; 32]>(),
            any::<[u8; 8]>()
        )
            .prop_map(|(version, slot, summary, nonce, ctx)| Request::Challenge {
                version,
                slot,
                summary,
                nonce,
                context: if version >= Version::V13 { ctx } else { [0; 8] },
            }),
        (
            version(),
            any::<bool>(),
            any::<bool>(),
            any::<u8>(),
            any::<[u8; 32]>(),
            0u8..16,
            any::<[u8; 8]>()
        )
            .prop_map(|(version, signed, raw, operation, nonce, slot, ctx)| {
                Request::GetMeasurements {
                    version,
                    signed,
                    raw,
                    operation,
                    nonce: if signed { nonce } else { [0; 32] },
                    slot: if signed { slot } else { 0 },
                    context: if version >= Version::V13 { ctx } else { [0; 8] },
                }
            }),
        (version(), any::<u8>(), any::<u8>()).prop_map(|(version, code, token)| {
            Request::RespondIfReady {
                version,
                code,
                token,
            }
        }),
    ]
}

fn block() -> impl Strategy<Value = MeasurementBlock> {
    (
        1u8..0xFF,
        any::<bool>(),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), 0..80),
    )
        .prop_map(|(index, dmtf, value_type, value)| MeasurementBlock {
            index,
            spec: if dmtf { MEASUREMENT_SPEC_DMTF } else { 0x02 },
            value_type: if dmtf { value_type } else { 0 },
            value,
        })
}

fn response() -> impl Strategy<Value = (Response, Shape)> {
    let hash_len = prop_oneof![Just(32usize), Just(48), Just(64)];
    let sig_len = prop_oneof![Just(64usize), Just(96), Just(256)];
    (
        version(),
        hash_len,
        sig_len,
        any::<bool>(),
        any::<[u8; 32]>(),
        any::<[u8; 8]>(),
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(block(), 0..6),
        0u8..=255,
    )
        .prop_flat_map(|(version, h, s, flag, nonce, ctx, opaque, blocks, mask)| {
            let context = if version >= Version::V13 { ctx } else { [0; 8] };
            let digests = (0..mask.count_ones()).map(|i| vec![i as u8; h]).collect();
            let shape = Shape {
                hash_len: h,
                signature_len: s,
                summary: flag,
                signed: flag,
            };
            prop_oneof![
                Just((
                    Response::Digests {
                        version,
                        supported: 0xFF,
                        slots: mask,
                        digests,
                    },
                    shape
                )),
                Just((
                    Response::Certificate {
                        version,
                        slot: mask & 7,
                        portion: opaque.clone(),
                        remainder: u16::from(mask),
                    },
                    shape
                )),
                Just((
                    Response::ChallengeAuth {
                        version,
                        slot: mask & 7,
                        slot_mask: mask,
                        chain_hash: vec![1; h],
                        nonce,
                        summary: if flag { vec![2; h] } else { Vec::new() },
                        opaque: opaque.clone(),
                        context,
                        signature: vec![3; s],
                    },
                    shape
                )),
                Just((
                    Response::Measurements {
                        version,
                        total: 0,
                        param2: mask & 0x3F,
                        blocks: blocks.clone(),
                        nonce,
                        opaque: opaque.clone(),
                        context,
                        signature: if flag { vec![4; s] } else { Vec::new() },
                    },
                    shape
                )),
                Just((
                    Response::Error {
                        version,
                        code: mask,
                        data: 1,
                        extended: opaque.clone(),
                    },
                    shape
                )),
                Just((
                    Response::Version {
                        entries: opaque.iter().map(|b| u16::from(*b) << 8).collect(),
                    },
                    shape
                )),
            ]
        })
}

proptest! {
    #[test]
    fn requests_round_trip(req in request()) {
        let bytes = req.to_bytes();
        prop_assert_eq!(Request::parse(&bytes), Ok(req));
    }

    #[test]
    fn responses_round_trip((rsp, shape) in response()) {
        let bytes = rsp.to_bytes().unwrap();
        prop_assert_eq!(Response::parse(&bytes, &shape), Ok(rsp));
    }

    #[test]
    fn no_input_makes_a_parser_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        h in 0usize..70,
        s in 0usize..300,
        summary: bool,
        signed: bool,
    ) {
        let _ = Request::parse(&bytes);
        let _ = Response::parse(&bytes, &Shape { hash_len: h, signature_len: s, summary, signed });
        let _ = CertChain::parse(&bytes, h);
    }
}
