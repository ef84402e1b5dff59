//! Every error a parser or emitter can return, each provoked once, with the exact
//! error asserted.

use sidebridge_protocol::Error;
use sidebridge_protocol::ncsi::*;

fn get_link_status() -> Vec<u8> {
    PacketRepr::command(7, ChannelId::new(0, 1), Command::GetLinkStatus)
        .to_bytes()
        .unwrap()
}

fn set_checksum(bytes: &mut [u8]) {
    ControlPacket::new_unchecked(bytes).fill_checksum();
}

#[test]
fn shorter_than_a_header_is_truncated() {
    let bytes = get_link_status();
    assert_eq!(
        PacketRepr::parse(&bytes[..15]),
        Err(Error::Truncated {
            needed: 16,
            have: 15
        })
    );
    assert_eq!(
        PacketRepr::parse(&[]),
        Err(Error::Truncated {
            needed: 16,
            have: 0
        })
    );
}

#[test]
fn payload_length_past_the_buffer_is_truncated() {
    let mut bytes = get_link_status();
    ControlPacket::new_unchecked(&mut bytes[..]).set_payload_len(8);
    assert_eq!(
        PacketRepr::parse(&bytes),
        Err(Error::Truncated {
            needed: 28,
            have: 20
        })
    );
}

#[test]
fn missing_checksum_is_truncated() {
    let bytes = get_link_status();
    assert_eq!(
        PacketRepr::parse(&bytes[..18]),
        Err(Error::Truncated {
            needed: 20,
            have: 18
        })
    );
}

#[test]
fn wrong_checksum_is_rejected_with_both_values() {
    let mut bytes = get_link_status();
    let good = ControlPacket::new_unchecked(&bytes[..]).checksum();
    let n = bytes.len();
    bytes[n - 1] ^= 0x01;
    assert_eq!(
        PacketRepr::parse(&bytes),
        Err(Error::Checksum {
            carried: good ^ 0x01,
            computed: good
        })
    );
}

#[test]
fn zero_checksum_means_not_computed_and_is_accepted() {
    let mut bytes = get_link_status();
    ControlPacket::new_unchecked(&mut bytes[..]).set_checksum(0);
    let repr = PacketRepr::parse(&bytes).unwrap();
    assert_eq!(repr.body, Body::Command(Command::GetLinkStatus));
}

#[test]
fn unknown_header_revision_is_rejected() {
    let mut bytes = get_link_status();
    ControlPacket::new_unchecked(&mut bytes[..]).set_revision(2);
    set_checksum(&mut bytes);
    assert_eq!(PacketRepr::parse(&bytes), Err(Error::Revision(2)));
}

#[test]
fn fixed_length_command_with_wrong_length_names_the_command() {
    let mut buf = vec![0u8; 16 + 4 + 4];
    let mut p = ControlPacket::new_unchecked(&mut buf[..]);
    p.set_revision(1);
    p.set_packet_type(0x08); // AEN Enable needs 8 bytes
    p.set_payload_len(4);
    p.fill_checksum();
    assert_eq!(
        PacketRepr::parse(&buf),
        Err(Error::PayloadLength {
            what: "AEN Enable",
            expected: 8,
            actual: 4
        })
    );
    assert_eq!(
        Command::parse(0x00, &[0]),
        Err(Error::PayloadLength {
            what: "Clear Initial State",
            expected: 0,
            actual: 1
        })
    );
}

#[test]
fn short_response_data_names_the_response() {
    assert_eq!(
        Response::parse(0x15, &[0, 0, 0, 0, 0xF1]),
        Err(Error::PayloadLength {
            what: "Get Version ID",
            expected: 40,
            actual: 5
        })
    );
    assert_eq!(
        Response::parse(0x0A, &[0, 0]),
        Err(Error::PayloadLength {
            what: "response",
            expected: 4,
            actual: 2
        })
    );
    // Get Parameters announcing more MACs than it carries.
    let mut data = vec![0u8; 4 + 28];
    data[4] = 3;
    assert_eq!(
        Response::parse(0x17, &data),
        Err(Error::PayloadLength {
            what: "Get Parameters",
            expected: 4 + 28 + 18,
            actual: 32
        })
    );
}

#[test]
fn a_failed_response_keeps_its_bytes_without_requiring_data() {
    let r = Response::parse(0x15, &[0, 1, 0, 1]).unwrap();
    assert_eq!(r.code, ResponseCode::Failed);
    assert_eq!(r.reason, ReasonCode::InterfaceInitializationRequired);
    assert_eq!(
        r.data,
        ResponseData::Raw {
            command: CommandType::GetVersionId,
            bytes: vec![]
        }
    );
}

#[test]
fn longer_response_data_is_accepted_and_the_extra_ignored() {
    let mut payload = vec![0, 0, 0, 0];
    payload.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xEE, 0xEE]);
    let r = Response::parse(0x0A, &payload).unwrap();
    let ResponseData::LinkStatus(ls) = r.data else {
        panic!("{r:?}")
    };
    assert!(ls.status.link_up());
}

#[test]
fn short_aens_and_oem_payloads_are_rejected() {
    assert_eq!(
        Aen::parse(&[0, 0]),
        Err(Error::PayloadLength {
            what: "AEN",
            expected: 4,
            actual: 2
        })
    );
    assert_eq!(
        Aen::parse(&[0, 0, 0, 0, 0, 0, 0, 1]),
        Err(Error::PayloadLength {
            what: "AEN",
            expected: 12,
            actual: 8
        })
    );
    assert_eq!(
        OemCommand::parse(&[0, 0, 0x7E]),
        Err(Error::PayloadLength {
            what: "OEM Command",
            expected: 4,
            actual: 3
        })
    );
    assert_eq!(
        OemResponse::parse(&[0, 0]),
        Err(Error::PayloadLength {
            what: "OEM Command response",
            expected: 8,
            actual: 6
        })
    );
}

#[test]
fn vendor_get_mac_errors() {
    let unknown = OemResponse {
        manufacturer_id: 32473,
        data: vec![0; 16],
    };
    assert_eq!(
        VendorGetMac::parse_response(&unknown),
        Err(Error::Invalid(
            "manufacturer id for a vendor get-MAC response"
        ))
    );
    let other_cmd = OemResponse {
        manufacturer_id: 0x0157,
        data: vec![0x07; 8],
    };
    assert_eq!(
        VendorGetMac::parse_response(&other_cmd),
        Err(Error::Invalid(
            "vendor OEM response: not a get-MAC response"
        ))
    );
    let short = OemResponse {
        manufacturer_id: 0x0157,
        data: vec![0x06, 1, 2],
    };
    assert_eq!(
        VendorGetMac::parse_response(&short),
        Err(Error::Truncated {
            needed: 11,
            have: 7
        })
    );
}

#[test]
fn emit_rejects_what_cannot_be_put_on_the_wire() {
    let big = PacketRepr::command(1, ChannelId(0), Command::Pldm(vec![0; 4096]));
    assert_eq!(big.to_bytes(), Err(Error::PayloadTooLong(4096)));
    let max = PacketRepr::command(1, ChannelId(0), Command::Pldm(vec![0; 4095]));
    assert_eq!(max.to_bytes().unwrap().len(), 16 + 4096 + 4);

    let looks_like_response = PacketRepr::command(
        1,
        ChannelId(0),
        Command::Unknown {
            command: 0x85,
            payload: vec![],
        },
    );
    assert_eq!(
        looks_like_response.to_bytes(),
        Err(Error::Invalid("command type (must be below 0x80)"))
    );
    let looks_like_aen = PacketRepr::response(
        1,
        ChannelId(0),
        Response::error(
            CommandType::Unknown(0x7F),
            ResponseCode::Unsupported,
            ReasonCode::UnsupportedCommandType,
        ),
    );
    assert_eq!(
        looks_like_aen.to_bytes(),
        Err(Error::Invalid("response command type (must be below 0x7F)"))
    );

    let repr = PacketRepr::command(1, ChannelId(0), Command::GetLinkStatus);
    let mut small = [0u8; 10];
    assert_eq!(
        repr.emit(&mut small),
        Err(Error::BufferTooSmall {
            needed: 20,
            have: 10
        })
    );
}

#[test]
fn frames_check_ethertype_and_length_and_ignore_padding() {
    let frame = NcsiFrame::broadcast(PacketRepr::command(9, ChannelId(0), Command::GetVersionId));
    let bytes = frame.to_bytes().unwrap();
    assert_eq!(bytes.len(), 60, "padded to the Ethernet minimum");
    assert_eq!(
        &bytes[..14],
        &[
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x88, 0xF8
        ]
    );
    assert_eq!(NcsiFrame::parse(&bytes).unwrap(), frame);

    let mut ipv4 = bytes.clone();
    ipv4[12..14].copy_from_slice(&[0x08, 0x00]);
    assert_eq!(NcsiFrame::parse(&ipv4), Err(Error::EtherType(0x0800)));
    assert_eq!(
        NcsiFrame::parse(&bytes[..13]),
        Err(Error::Truncated {
            needed: 14,
            have: 13
        })
    );

    // A source MAC other than broadcast is accepted (real NCs vary).
    let mut from_nic = bytes.clone();
    from_nic[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x09]);
    assert_eq!(
        NcsiFrame::parse(&from_nic).unwrap().src,
        [0x02, 0, 0, 0, 0, 0x09]
    );
}

#[test]
fn reserved_length_bits_are_ignored_and_cleared() {
    let mut bytes = get_link_status();
    bytes[6] |= 0xF0;
    set_checksum(&mut bytes);
    let repr = PacketRepr::parse(&bytes).unwrap();
    assert_eq!(repr.to_bytes().unwrap()[6] & 0xF0, 0);
}

#[test]
fn channel_ids_split_package_and_channel() {
    let c = ChannelId::new(5, 3);
    assert_eq!(c.0, 0xA3);
    assert_eq!((c.package_id(), c.channel_id()), (5, 3));
    assert!(ChannelId::package(7).is_package_wide());
    assert_eq!(ChannelId::package(7).0, 0xFF);
    assert_eq!(ChannelId::package(2).to_string(), "package 2");
    assert_eq!(c.to_string(), "package 5 channel 3");
}
