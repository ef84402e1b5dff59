//! Property tests for the MCTP codecs: round trips, reassembly under loss, and no
//! panics on arbitrary input.

use super::control::*;
use super::fragment::{Outcome, Reassembler, fragment};
use super::serial::{Decoder, encode_to_vec};
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn header() -> impl Strategy<Value = TransportHeader> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        any::<bool>(),
        0u8..4,
        any::<bool>(),
        0u8..8,
    )
        .prop_map(
            |(dest, src, som, eom, seq, tag_owner, tag)| TransportHeader {
                dest,
                src,
                som,
                eom,
                seq,
                tag_owner,
                tag,
            },
        )
}

fn message(max_body: usize) -> impl Strategy<Value = Message> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        0u8..8,
        any::<bool>(),
        0u8..0x80,
        vec(any::<u8>(), 0..max_body),
    )
        .prop_map(|(dest, src, tag_owner, tag, ic, ty, body)| Message {
            dest,
            src,
            tag_owner,
            tag,
            ic,
            msg_type: MessageType::from(ty),
            body,
        })
}

/// Command codes without a typed form, for `Request::Other` / `ResponseData::Other`.
fn other_command() -> impl Strategy<Value = CommandCode> {
    prop_oneof![0x06u8..=0xFF, Just(0u8)].prop_map(CommandCode::from)
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        (0u8..4, any::<u8>()).prop_map(|(op, eid)| Request::SetEndpointId {
            operation: SetEidOperation::from(op),
            eid
        }),
        Just(Request::GetEndpointId),
        Just(Request::GetEndpointUuid),
        any::<u8>().prop_map(|msg_type| Request::GetVersionSupport { msg_type }),
        Just(Request::GetMessageTypeSupport),
        (other_command(), vec(any::<u8>(), 0..20))
            .prop_map(|(command, data)| Request::Other { command, data }),
    ]
}

fn success_response() -> impl Strategy<Value = (CommandCode, ResponseData)> {
    prop_oneof![
        (any::<bool>(), 0u8..4, any::<u8>(), any::<u8>()).prop_map(|(r, a, eid, pool_size)| (
            CommandCode::SetEndpointId,
            ResponseData::SetEndpointId {
                assignment_rejected: r,
                allocation_status: a,
                eid,
                pool_size
            }
        )),
        (any::<u8>(), 0u8..4, 0u8..4, any::<u8>()).prop_map(|(eid, t, e, medium)| (
            CommandCode::GetEndpointId,
            ResponseData::GetEndpointId {
                eid,
                endpoint_type: EndpointType::from(t),
                eid_type: EidType::from(e),
                medium
            }
        )),
        any::<[u8; 16]>().prop_map(|uuid| (
            CommandCode::GetEndpointUuid,
            ResponseData::GetEndpointUuid { uuid }
        )),
        vec(any::<[u8; 4]>(), 0..6).prop_map(|v| (
            CommandCode::GetVersionSupport,
            ResponseData::GetVersionSupport {
                versions: v
                    .into_iter()
                    .map(|[major, minor, update, alpha]| Version {
                        major,
                        minor,
                        update,
                        alpha
                    })
                    .collect()
            }
        )),
        vec(any::<u8>(), 0..20).prop_map(|types| (
            CommandCode::GetMessageTypeSupport,
            ResponseData::GetMessageTypeSupport { types }
        )),
        (other_command(), vec(any::<u8>(), 0..20))
            .prop_map(|(c, data)| (c, ResponseData::Other { data })),
    ]
}

fn control() -> impl Strategy<Value = ControlMessage> {
    let req = (0u8..32, any::<bool>(), request()).prop_map(|(instance, datagram, request)| {
        ControlMessage::Request {
            instance,
            datagram,
            request,
        }
    });
    let ok = (0u8..32, success_response())
        .prop_map(|(instance, (command, data))| ControlMessage::reply(instance, command, data));
    let failed = (0u8..32, any::<u8>(), 1u8..).prop_map(|(instance, c, cc)| {
        ControlMessage::fail(instance, CommandCode::from(c), CompletionCode::from(cc))
    });
    prop_oneof![req, ok, failed]
}

/// Applies faults to a packet run: 0 loses a packet, 1 repeats one, 2 swaps one with
/// the next.
fn damage(mut pkts: Vec<Packet>, ops: &[(u8, prop::sample::Index)]) -> Vec<Packet> {
    for (op, at) in ops {
        let i = at.index(pkts.len());
        match op {
            0 if pkts.len() > 1 => {
                pkts.remove(i);
            }
            1 => {
                let p = pkts[i].clone();
                pkts.insert(i, p);
            }
            _ => {
                let j = (i + 1) % pkts.len();
                pkts.swap(i, j);
            }
        }
    }
    pkts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn header_roundtrip(h in header()) {
        prop_assert_eq!(TransportHeader::parse(&h.to_bytes()), Ok(h));
    }

    #[test]
    fn packet_roundtrip(h in header(), payload in vec(any::<u8>(), 1..300)) {
        let p = Packet { header: h, payload };
        prop_assert_eq!(Packet::parse(&p.to_bytes()), Ok(p));
    }

    #[test]
    fn control_roundtrip(m in control()) {
        let body = m.to_body().unwrap();
        prop_assert_eq!(ControlMessage::parse(&body), Ok(m));
    }

    #[test]
    fn fragment_reassemble_roundtrip(m in message(1000), mtu in 64usize..200, seq in 0u8..4) {
        let pkts = fragment(&m, mtu, seq).unwrap();
        prop_assert!(pkts.iter().all(|p| p.payload.len() <= mtu));
        let mut r = Reassembler::new();
        let mut out: Vec<Outcome> = pkts.iter().map(|p| r.push(p, 0)).collect();
        prop_assert_eq!(out.pop(), Some(Outcome::Complete(m)));
        prop_assert!(out.iter().all(|o| *o == Outcome::Pending));
    }

    /// One packet lost, repeated or moved: the reassembler never delivers a message
    /// that was not sent, and a clean resend afterwards always arrives.
    #[test]
    fn reassembly_survives_a_lost_repeated_or_moved_packet(
        m in message(600),
        op in 0u8..3,
        at in any::<prop::sample::Index>(),
    ) {
        let pkts = damage(fragment(&m, 64, 0).unwrap(), &[(op, at)]);
        let mut r = Reassembler::new();
        for p in &pkts {
            if let Outcome::Complete(got) = r.push(p, 0) {
                prop_assert_eq!(&got, &m);
            }
        }
        let again = fragment(&m, 64, 1).unwrap();
        let last = again.iter().map(|p| r.push(p, 1)).last();
        prop_assert_eq!(last, Some(Outcome::Complete(m)));
    }

    /// Many faults at once can fool a 2-bit sequence number (losing four packets in a
    /// row looks like nothing happened), so message integrity is the message layer's:
    /// whatever the reassembler completes, the NC-SI codec accepts only the packet that
    /// was sent, and a clean resend still arrives.
    #[test]
    fn ncsi_never_accepts_a_damaged_message(
        p in crate::ncsi::proptests::packet(),
        ops in vec((0u8..3, any::<prop::sample::Index>()), 1..8),
    ) {
        let m = ncsi::to_message(&p, 9, 8, true, 3).unwrap();
        let pkts = damage(m.packets(64, 0).unwrap(), &ops);
        let mut r = Reassembler::new();
        for x in &pkts {
            if let Outcome::Complete(got) = r.push(x, 0) {
                if let Ok(back) = ncsi::from_message(&got) {
                    prop_assert_eq!(&back, &p);
                }
            }
        }
        let last = m.packets(64, 2).unwrap().iter().map(|x| r.push(x, 1)).last();
        prop_assert_eq!(last, Some(Outcome::Complete(m)));
    }

    #[test]
    fn serial_roundtrip(h in header(), payload in vec(any::<u8>(), 1..251), noise in vec(any::<u8>(), 0..20)) {
        let pkt = Packet { header: h, payload }.to_bytes();
        let frame = encode_to_vec(&pkt).unwrap();
        let mut d = Decoder::new();
        // Noise first: it may leave the decoder anywhere in a frame, even expecting
        // the FCS. Two flags resynchronise from any state.
        d.feed(&noise);
        d.feed(&[serial::FLAG, serial::FLAG]);
        prop_assert_eq!(d.feed(&frame), vec![pkt]);
    }

    #[test]
    fn serial_detects_any_single_byte_corruption(
        payload in vec(any::<u8>(), 1..100),
        at in any::<prop::sample::Index>(),
        flip in 1u8..,
    ) {
        let pkt = Packet { header: TransportHeader { dest: 9, src: 8, som: true, eom: true, seq: 0, tag_owner: true, tag: 1 }, payload }.to_bytes();
        let mut frame = encode_to_vec(&pkt).unwrap();
        // Any byte between the flags.
        let i = 1 + at.index(frame.len() - 2);
        frame[i] ^= flip;
        let got = Decoder::new().feed(&frame);
        prop_assert!(got.is_empty(), "corruption at {} delivered {:?}", i, got);
    }

    #[test]
    fn ncsi_over_mctp_roundtrip(p in crate::ncsi::proptests::packet(), tag in 0u8..8, owner in any::<bool>()) {
        let msg = ncsi::to_message(&p, 9, 8, owner, tag).unwrap();
        prop_assert_eq!(msg.body.len() % 4, 0);
        let pkts = msg.packets(64, 0).unwrap();
        let mut r = Reassembler::new();
        let done = pkts.iter().map(|x| r.push(x, 0)).last();
        let Some(Outcome::Complete(back)) = done else {
            return Err(TestCaseError::fail("message did not reassemble"));
        };
        prop_assert_eq!(ncsi::from_message(&back), Ok(p));
    }

    #[test]
    fn parsers_never_panic(data in vec(any::<u8>(), 0..400)) {
        let _ = TransportHeader::parse(&data);
        let _ = Packet::parse(&data);
        let _ = ControlMessage::parse(&data);
        crate::fuzzing::mctp_packet(&data);
        crate::fuzzing::mctp_control(&data);
        crate::fuzzing::mctp_serial(&data);
        crate::fuzzing::mctp_reassembly(&data);
        crate::fuzzing::mctp_ncsi(&data);
    }
}
