//! Golden bytes for MCTP: every control message sidebridge uses, NC-SI over MCTP in one
//! and in four packets, all inside DSP0253 serial frames. The frames come from
//! `data/golden_mctp.txt`, written by `data/make_golden_mctp.py`, an encoder
//! independent of this crate (its own FCS, escaping and fragmentation).
//!
//! Each frame goes through the quartet: deconstruct (decode the frame, parse the
//! transport header, check its fields), parse (reassemble and read the typed message),
//! construct (emit the typed message again, fragment it, frame it) and compare with the
//! golden bytes.

use sidebridge_protocol::mctp::control::*;
use sidebridge_protocol::mctp::fragment::{Outcome, Reassembler};
use sidebridge_protocol::mctp::serial::{Decoder, encode_to_vec};
use sidebridge_protocol::mctp::*;
use sidebridge_protocol::ncsi::PacketRepr;
use sidebridge_protocol::oem;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The frames of one golden message: `name`, or `name_0`, `name_1`, ... when it spans
/// several packets.
fn frames(name: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for line in include_str!("data/golden_mctp.txt").lines() {
        let mut it = line.split_whitespace();
        let (Some(n), Some(h)) = (it.next(), it.next()) else {
            continue;
        };
        let numbered = n
            .strip_prefix(name)
            .and_then(|r| r.strip_prefix('_'))
            .is_some_and(|r| r.parse::<u32>().is_ok());
        if n == name || numbered {
            out.push(hex(h));
        }
    }
    assert!(!out.is_empty(), "no golden frames named {name}");
    out
}

fn ncsi_golden(name: &str) -> Vec<u8> {
    let line = include_str!("data/golden.txt")
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap();
    hex(line.split_whitespace().nth(1).unwrap())
}

/// Decodes, checks headers, reassembles; then re-emits and compares byte for byte.
/// Returns the message.
fn quartet(name: &str, dest: Eid, src: Eid, tag_owner: bool, tag: u8, first_seq: u8) -> Message {
    let golden = frames(name);
    let mut r = Reassembler::new();
    let mut done = None;
    for (i, f) in golden.iter().enumerate() {
        // Deconstruct.
        let pkts = Decoder::new().feed(f);
        assert_eq!(pkts.len(), 1, "{name}: one packet per frame");
        let p = Packet::parse(&pkts[0]).unwrap();
        let h = p.header;
        assert_eq!(
            (h.dest, h.src, h.tag_owner, h.tag),
            (dest, src, tag_owner, tag)
        );
        assert_eq!(h.som, i == 0, "{name}: SOM");
        assert_eq!(h.eom, i + 1 == golden.len(), "{name}: EOM");
        assert_eq!(h.seq, (first_seq + i as u8) % 4, "{name}: sequence");
        // The frame re-encodes byte for byte.
        assert_eq!(&encode_to_vec(&pkts[0]).unwrap(), f, "{name}: frame");
        // Parse.
        match r.push(&p, 0) {
            Outcome::Complete(m) => done = Some(m),
            Outcome::Pending => assert!(i + 1 < golden.len()),
            Outcome::Dropped(why) => panic!("{name}: dropped: {why:?}"),
        }
    }
    let msg = done.unwrap_or_else(|| panic!("{name}: did not complete"));
    // Construct: the message fragments and frames to the golden bytes again.
    let again: Vec<Vec<u8>> = msg
        .packets(64, first_seq)
        .unwrap()
        .iter()
        .map(|p| encode_to_vec(&p.to_bytes()).unwrap())
        .collect();
    assert_eq!(again, golden, "{name}: construct");
    msg
}

fn control(name: &str, dest: Eid, src: Eid, tag_owner: bool, tag: u8, want: ControlMessage) {
    let msg = quartet(name, dest, src, tag_owner, tag, 0);
    assert_eq!(msg.msg_type, MessageType::Control);
    assert!(!msg.ic);
    assert_eq!(
        ControlMessage::parse(&msg.body).as_ref(),
        Ok(&want),
        "{name}"
    );
    assert_eq!(want.to_body().unwrap(), msg.body, "{name}: emit");
}

const BO: Eid = 0x08;
const EP: Eid = 0x09;

fn req(instance: u8, request: Request) -> ControlMessage {
    ControlMessage::Request {
        instance,
        datagram: false,
        request,
    }
}

#[test]
fn set_endpoint_id() {
    control(
        "ctl_set_eid_req",
        EID_NULL,
        BO,
        true,
        0,
        req(
            1,
            Request::SetEndpointId {
                operation: SetEidOperation::Set,
                eid: EP,
            },
        ),
    );
    control(
        "ctl_set_eid_rsp",
        BO,
        EP,
        false,
        0,
        ControlMessage::reply(
            1,
            CommandCode::SetEndpointId,
            ResponseData::SetEndpointId {
                assignment_rejected: false,
                allocation_status: 0,
                eid: EP,
                pool_size: 0,
            },
        ),
    );
}

#[test]
fn get_endpoint_id() {
    control(
        "ctl_get_eid_req",
        EP,
        BO,
        true,
        1,
        req(2, Request::GetEndpointId),
    );
    control(
        "ctl_get_eid_rsp",
        BO,
        EP,
        false,
        1,
        ControlMessage::reply(
            2,
            CommandCode::GetEndpointId,
            ResponseData::GetEndpointId {
                eid: EP,
                endpoint_type: EndpointType::Simple,
                eid_type: EidType::Dynamic,
                medium: 0,
            },
        ),
    );
}

#[test]
fn get_endpoint_uuid_with_escaped_bytes() {
    control(
        "ctl_get_uuid_req",
        EP,
        BO,
        true,
        2,
        req(3, Request::GetEndpointUuid),
    );
    let frame = &frames("ctl_get_uuid_rsp")[0];
    assert!(
        frame.windows(2).any(|w| w == [0x7D, 0x5E]) && frame.windows(2).any(|w| w == [0x7D, 0x5D]),
        "the golden frame exercises both escapes"
    );
    control(
        "ctl_get_uuid_rsp",
        BO,
        EP,
        false,
        2,
        ControlMessage::reply(
            3,
            CommandCode::GetEndpointUuid,
            ResponseData::GetEndpointUuid {
                uuid: [
                    0x7E, 0x7D, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x00, 0x11, 0x22,
                    0x33, 0x7E, 0x7D,
                ],
            },
        ),
    );
}

#[test]
fn get_version_support() {
    control(
        "ctl_get_version_req",
        EP,
        BO,
        true,
        3,
        req(
            4,
            Request::GetVersionSupport {
                msg_type: VERSION_BASE_SPEC,
            },
        ),
    );
    control(
        "ctl_get_version_rsp",
        BO,
        EP,
        false,
        3,
        ControlMessage::reply(
            4,
            CommandCode::GetVersionSupport,
            ResponseData::GetVersionSupport {
                versions: vec![Version::MCTP_1_3_1, Version::NCSI_1_2_0],
            },
        ),
    );
    control(
        "ctl_get_version_unsupported",
        BO,
        EP,
        false,
        3,
        ControlMessage::fail(
            5,
            CommandCode::GetVersionSupport,
            CompletionCode::MessageTypeNotSupported,
        ),
    );
}

#[test]
fn get_message_type_support() {
    control(
        "ctl_get_msg_types_req",
        EP,
        BO,
        true,
        4,
        req(6, Request::GetMessageTypeSupport),
    );
    control(
        "ctl_get_msg_types_rsp",
        BO,
        EP,
        false,
        4,
        ControlMessage::reply(
            6,
            CommandCode::GetMessageTypeSupport,
            ResponseData::GetMessageTypeSupport {
                types: vec![0x00, 0x02],
            },
        ),
    );
}

#[test]
fn unsupported_command() {
    control(
        "ctl_unsupported_rsp",
        BO,
        EP,
        false,
        5,
        ControlMessage::fail(7, CommandCode::QueryHop, CompletionCode::Unsupported),
    );
}

fn ncsi(name: &str, golden_name: &str, dest: Eid, src: Eid, owner: bool, tag: u8, seq: u8) {
    let msg = quartet(name, dest, src, owner, tag, seq);
    assert_eq!(msg.msg_type, MessageType::Ncsi);
    let want = PacketRepr::parse(&ncsi_golden(golden_name)).unwrap();
    assert_eq!(ncsi::from_message(&msg).as_ref(), Ok(&want), "{name}");
    let built = ncsi::to_message(&want, dest, src, owner, tag).unwrap();
    assert_eq!(built, msg, "{name}: construct");
}

#[test]
fn ncsi_command_response_and_aen() {
    ncsi(
        "ncsi_cmd_get_link_status",
        "cmd_get_link_status",
        EP,
        BO,
        true,
        6,
        0,
    );
    ncsi(
        "ncsi_rsp_get_link_status",
        "rsp_get_link_status",
        BO,
        EP,
        false,
        6,
        0,
    );
    ncsi(
        "ncsi_aen_link_status_change",
        "aen_link_status_change",
        BO,
        EP,
        true,
        2,
        0,
    );
}

#[test]
fn ncsi_response_in_four_packets() {
    assert_eq!(frames("ncsi_rsp_get_controller_packet_statistics").len(), 4);
    ncsi(
        "ncsi_rsp_get_controller_packet_statistics",
        "rsp_get_controller_packet_statistics",
        BO,
        EP,
        false,
        7,
        2,
    );
}

#[test]
fn a_message_of_another_type_is_not_ncsi() {
    let msg = quartet("ctl_get_eid_req", EP, BO, true, 1, 0);
    assert_eq!(
        ncsi::from_message(&msg),
        Err(sidebridge_protocol::Error::Invalid(
            "MCTP message is not of type 0x02 (NC-SI)"
        ))
    );
}

/// Vendor-defined (IANA) messages carry the OEM frames when the card BMC is its own
/// MCTP endpoint (DSP0236 1.3 §13.2, OEM.md §2.1): the enterprise number, then the
/// same OEM frame NC-SI would carry after its manufacturer id.
fn vdm_golden(name: &str, ncsi_name: &str, tag: u8) -> oem::Frame {
    let msg = quartet(name, EP, BO, true, tag, 0);
    let v = vdm::VendorIana::from_message(&msg).unwrap();
    assert_eq!(v.enterprise, oem::DEFAULT_MANUFACTURER_ID);
    let ncsi_packet = ncsi_golden(ncsi_name);
    assert_eq!(
        v.payload,
        &ncsi_packet[16 + 4..ncsi_packet.len() - 4][..v.payload.len()]
    );
    let frame = oem::Frame::parse(v.payload).unwrap();
    // Construct: the same message from the frame.
    let mut payload = Vec::new();
    frame.emit(&mut payload);
    let again = vdm::VendorIana {
        enterprise: oem::DEFAULT_MANUFACTURER_ID,
        payload: &payload,
    }
    .to_message(EP, BO, true, tag);
    assert_eq!(again, msg, "{name}: construct");
    frame
}

#[test]
fn vendor_defined_oem_frames() {
    let f = vdm_golden("vdm_get_power_state", "oem_req_get_power_state", 3);
    assert_eq!(f.command, oem::CommandId::GetPowerState);
    assert_eq!(frames("vdm_redfish_patch").len(), 6);
    let f = vdm_golden("vdm_redfish_patch", "oem_req_redfish_patch", 4);
    assert_eq!((f.command, f.version), (oem::CommandId::RedfishRequest, 2));
    match oem::Request::parse(f.command, &f.chunk).unwrap() {
        oem::Request::Redfish(t) => {
            assert_eq!(t.method, oem::Method::Patch);
            assert_eq!(t.header("if-match"), Some("\"a1\""));
        }
        other => panic!("{other:?}"),
    }
}
