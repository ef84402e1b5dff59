//! Property tests: `parse(emit(x)) == x` for every value type, and no parser panics on
//! arbitrary bytes.

use super::aen::Aen;
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// Command codes this crate does not name and that a command may carry (< 0x7F).
fn unknown_command_code() -> impl Strategy<Value = u8> {
    (0u8..0x7F).prop_filter("unnamed code", |c| {
        matches!(CommandType::from(*c), CommandType::Unknown(_))
    })
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn oem_command() -> impl Strategy<Value = OemCommand> {
    (any::<u32>(), bytes(64)).prop_map(|(manufacturer_id, data)| OemCommand {
        manufacturer_id,
        data,
    })
}

fn oem_response() -> impl Strategy<Value = OemResponse> {
    (any::<u32>(), bytes(64)).prop_map(|(manufacturer_id, data)| OemResponse {
        manufacturer_id,
        data,
    })
}

fn command() -> impl Strategy<Value = Command> {
    let parameterless = prop::sample::select(vec![
        Command::ClearInitialState,
        Command::DeselectPackage,
        Command::EnableChannel,
        Command::ResetChannel,
        Command::EnableChannelNetworkTx,
        Command::DisableChannelNetworkTx,
        Command::GetLinkStatus,
        Command::DisableVlan,
        Command::DisableBroadcastFilter,
        Command::DisableGlobalMulticastFilter,
        Command::GetVersionId,
        Command::GetCapabilities,
        Command::GetParameters,
        Command::GetControllerPacketStatistics,
        Command::GetNcsiStatistics,
        Command::GetNcsiPassthroughStatistics,
        Command::GetPackageStatus,
        Command::GetPackageUuid,
        Command::QueryPendingNcPldmRequest,
        Command::GetMcMacAddress,
    ]);
    prop_oneof![
        parameterless,
        any::<bool>().prop_map(|b| Command::SelectPackage {
            hardware_arbitration_disable: b
        }),
        any::<bool>().prop_map(|b| Command::DisableChannel { allow_link_down: b }),
        (any::<u8>(), any::<AenControl>())
            .prop_map(|(mc_id, control)| Command::AenEnable { mc_id, control }),
        (any::<LinkSettings>(), any::<u32>()).prop_map(|(settings, oem_settings)| {
            Command::SetLink {
                settings,
                oem_settings,
            }
        }),
        (any::<u16>(), any::<u8>(), any::<bool>()).prop_map(|(tag, filter, enable)| {
            Command::SetVlanFilter {
                tag,
                filter,
                enable,
            }
        }),
        any::<u8>().prop_map(|mode| Command::EnableVlan { mode }),
        (any::<[u8; 6]>(), any::<u8>(), 0u8..8, any::<bool>()).prop_map(
            |(mac, filter, address_type, enable)| Command::SetMacAddress {
                mac,
                filter,
                address_type,
                enable
            }
        ),
        any::<BroadcastFilter>().prop_map(|settings| Command::EnableBroadcastFilter { settings }),
        any::<MulticastFilter>()
            .prop_map(|settings| Command::EnableGlobalMulticastFilter { settings }),
        any::<u8>().prop_map(|mode| Command::SetNcsiFlowControl { mode }),
        oem_command().prop_map(Command::Oem),
        bytes(64).prop_map(Command::Pldm),
        bytes(64).prop_map(Command::SendNcPldmReply),
        (unknown_command_code(), bytes(64))
            .prop_map(|(command, payload)| Command::Unknown { command, payload }),
    ]
}

fn empty_response_type() -> impl Strategy<Value = CommandType> {
    prop::sample::select(
        CommandType::ALL
            .iter()
            .copied()
            .filter(|t| ResponseData::is_empty_response(*t))
            .collect::<Vec<_>>(),
    )
}

fn response_data() -> impl Strategy<Value = ResponseData> {
    prop_oneof![
        empty_response_type().prop_map(ResponseData::Empty),
        any::<LinkStatusData>().prop_map(ResponseData::LinkStatus),
        any::<VersionId>().prop_map(ResponseData::VersionId),
        any::<Capabilities>().prop_map(ResponseData::Capabilities),
        any::<Parameters>().prop_map(ResponseData::Parameters),
        any::<ControllerPacketStatistics>()
            .prop_map(|s| ResponseData::ControllerPacketStatistics(Box::new(s))),
        any::<NcsiStatistics>().prop_map(ResponseData::NcsiStatistics),
        any::<PassthroughStatistics>().prop_map(ResponseData::PassthroughStatistics),
        any::<PackageStatus>().prop_map(ResponseData::PackageStatus),
        oem_response().prop_map(ResponseData::Oem),
        bytes(64).prop_map(ResponseData::Pldm),
        any::<[u8; 16]>().prop_map(ResponseData::PackageUuid),
        bytes(64).prop_map(ResponseData::PendingPldmRequest),
        vec(any::<[u8; 6]>(), 0..8).prop_map(ResponseData::McMacAddresses),
        (unknown_command_code(), bytes(64)).prop_map(|(c, bytes)| ResponseData::Raw {
            command: CommandType::Unknown(c),
            bytes
        }),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    let completed = (any::<u16>(), response_data()).prop_map(|(reason, data)| Response {
        code: ResponseCode::Completed,
        reason: ReasonCode::from(reason),
        data,
    });
    let not_completed =
        (1u16.., any::<u16>(), 0u8..0x7F, bytes(32)).prop_map(|(code, reason, c, bytes)| {
            Response {
                code: ResponseCode::from(code),
                reason: ReasonCode::from(reason),
                data: ResponseData::Raw {
                    command: CommandType::from(c),
                    bytes,
                },
            }
        });
    prop_oneof![completed, not_completed]
}

fn aen() -> impl Strategy<Value = Aen> {
    prop_oneof![
        (any::<LinkStatus>(), any::<u32>())
            .prop_map(|(status, oem_status)| Aen::LinkStatusChange { status, oem_status }),
        Just(Aen::ConfigurationRequired),
        any::<u32>().prop_map(|status| Aen::HostNcDriverStatusChange { status }),
        (any::<u8>(), any::<u8>())
            .prop_map(|(command, iid)| Aen::DelayedResponseReady { command, iid }),
        (4u8.., bytes(64)).prop_map(|(aen_type, data)| Aen::Other { aen_type, data }),
    ]
}

pub(crate) fn packet() -> impl Strategy<Value = PacketRepr> {
    let body = prop_oneof![
        command().prop_map(Body::Command),
        response().prop_map(Body::Response),
        aen().prop_map(Body::Aen),
    ];
    (any::<u8>(), any::<u8>(), any::<u8>(), body).prop_map(|(mc_id, iid, channel, body)| {
        PacketRepr {
            mc_id,
            iid,
            channel: ChannelId(channel),
            body,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn command_roundtrip(c in command()) {
        let mut out = Vec::new();
        c.emit_payload(&mut out);
        prop_assert_eq!(Command::parse(c.command_type().into(), &out), Ok(c));
    }

    #[test]
    fn response_roundtrip(r in response()) {
        let mut out = Vec::new();
        r.emit_payload(&mut out);
        prop_assert_eq!(Response::parse(r.command_type().into(), &out), Ok(r));
    }

    #[test]
    fn aen_roundtrip(a in aen()) {
        let mut out = Vec::new();
        a.emit_payload(&mut out);
        prop_assert_eq!(Aen::parse(&out), Ok(a));
    }

    #[test]
    fn packet_roundtrip(p in packet()) {
        let bytes = p.to_bytes().unwrap();
        prop_assert_eq!(bytes.len() % 4, 0);
        prop_assert_eq!(PacketRepr::parse(&bytes), Ok(p));
    }

    #[test]
    fn frame_roundtrip(p in packet(), src in any::<[u8; 6]>()) {
        let frame = NcsiFrame { dst: frame::BROADCAST, src, packet: p };
        let bytes = frame.to_bytes().unwrap();
        prop_assert!(bytes.len() >= frame::MIN_FRAME_LEN);
        prop_assert_eq!(NcsiFrame::parse(&bytes), Ok(frame));
    }

    #[test]
    fn vendor_mac_roundtrip(mac in any::<[u8; 6]>(), i in 0usize..3) {
        let vendor = VendorGetMac::ALL[i];
        let got = VendorGetMac::parse_response(&vendor.response(mac)).unwrap();
        prop_assert_eq!(got, VendorMac { vendor, mac });
        prop_assert_eq!(vendor.request().vendor_get_mac(), Some(vendor));
    }

    #[test]
    fn corrupting_a_checksummed_byte_is_detected(p in packet(), at in any::<prop::sample::Index>(), flip in 1u8..) {
        let mut bytes = p.to_bytes().unwrap();
        let plen = usize::from(ControlPacket::new_unchecked(&bytes[..]).payload_len());
        // Any byte the checksum covers except the length field (which moves the
        // checksum itself) and bytes 0..2 of a word pair that could cancel out.
        let covered: Vec<usize> = (0..16 + plen).filter(|i| !(6..8).contains(i)).collect();
        let i = covered[at.index(covered.len())];
        bytes[i] ^= flip;
        let err = PacketRepr::parse(&bytes).unwrap_err();
        prop_assert!(matches!(err, Error::Checksum { .. }), "{:?}", err);
    }

    #[test]
    fn parsers_never_panic(data in bytes(600), ty in any::<u8>()) {
        let _ = PacketRepr::parse(&data);
        let _ = NcsiFrame::parse(&data);
        let _ = Command::parse(ty, &data);
        let _ = Response::parse(ty, &data);
        let _ = Aen::parse(&data);
        let _ = OemResponse::parse(&data).map(|r| VendorGetMac::parse_response(&r));
        if let Ok(p) = ControlPacket::new_checked(&data[..]) {
            let _ = (p.payload(), p.checksum(), p.compute_checksum(), p.channel().package_id());
        }
        crate::fuzzing::frame(&data);
        crate::fuzzing::packet(&data);
        crate::fuzzing::command(&data);
        crate::fuzzing::response(&data);
        crate::fuzzing::aen(&data);
        crate::fuzzing::vendor_oem(&data);
    }

    /// Arbitrary bytes behind a valid header with a correct checksum: the body parsers
    /// see every payload shape, not just the ones a random checksum lets through.
    #[test]
    fn valid_header_random_payload_never_panics(ty in any::<u8>(), payload in bytes(300)) {
        let mut buf = vec![0u8; 16 + header::padded_len(payload.len()) + 4];
        let mut p = ControlPacket::new_unchecked(&mut buf[..]);
        p.set_revision(1);
        p.set_packet_type(ty);
        p.set_payload_len(payload.len() as u16);
        p.payload_mut().copy_from_slice(&payload);
        p.fill_checksum();
        if let Ok(repr) = PacketRepr::parse(&buf) {
            prop_assert_eq!(PacketRepr::parse(&repr.to_bytes().unwrap()), Ok(repr));
        }
        crate::fuzzing::packet(&buf);
    }
}

use crate::error::Error;

#[test]
fn code_enums_are_bijective() {
    for v in 0..=u8::MAX {
        assert_eq!(u8::from(CommandType::from(v)), v);
    }
    for v in 0..=u16::MAX {
        assert_eq!(u16::from(ResponseCode::from(v)), v);
        assert_eq!(u16::from(ReasonCode::from(v)), v);
    }
    for t in CommandType::ALL {
        assert!(!matches!(t, CommandType::Unknown(_)));
        assert_ne!(t.name(), "Unknown command");
    }
}
