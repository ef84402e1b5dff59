//! The card BMC behind a package, driven with the OEM command set through NC-SI
//! exactly as the daemon will drive it.

mod common;

use common::{Mc, nc, oem_events, scenario};
use sidebridge_protocol::ncsi::ChannelId;
use sidebridge_protocol::oem::*;
use sidebridge_sim::nc::Nc;

const C0: ChannelId = ChannelId::new(0, 0);

fn dpu() -> Mc {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    mc.ok(
        C0,
        sidebridge_protocol::ncsi::Command::AenEnable {
            mc_id: 0,
            control: sidebridge_protocol::ncsi::AenControl(0b111 | EVENT_AEN_ENABLE_BIT),
        },
    );
    mc
}

fn body(r: Response) -> ResponseBody {
    assert_eq!(r.result, ResultCode::Ok, "{r:?}");
    r.body
}

fn result(r: &Response) -> ResultCode {
    r.result
}

fn set_boot(target: BootTarget, enabled: BootEnabled, mode: BootMode, uri: &str) -> Request {
    Request::SetBootOverride(BootOverride {
        target,
        enabled,
        mode,
        uri: uri.into(),
    })
}

fn insert(slot: MediaSlot, image: &str, protocol: TransferProtocol) -> Request {
    Request::VirtualMediaInsert(MediaInsert {
        slot,
        write_protected: true,
        protocol,
        image: image.into(),
        username: String::new(),
        password: String::new(),
    })
}

#[test]
fn bridge_info_reports_identity_versions_and_capabilities() {
    let mut mc = dpu();
    let ResponseBody::BridgeInfo(b) = body(mc.oem(
        C0,
        &Request::GetBridgeInfo {
            min_version: 1,
            max_version: 3,
        },
    )) else {
        panic!()
    };
    assert_eq!((b.min_version, b.max_version, b.max_chunk), (1, 1, 1024));
    assert_eq!(
        (b.manufacturer.as_str(), b.model.as_str(), b.serial.as_str()),
        ("Example Networks", "DPU-1000", "DPU0000A1")
    );
    assert_eq!(
        (b.part_number.as_str(), b.firmware_version.as_str()),
        ("DPU-1000-100G", "1.4.2")
    );
    assert!(
        b.capabilities & capability::VIRTUAL_MEDIA_USB != 0
            && b.capabilities & capability::EVENTS != 0
    );
    let r = mc.oem(
        C0,
        &Request::GetBridgeInfo {
            min_version: 2,
            max_version: 3,
        },
    );
    assert_eq!(r.result, ResultCode::UnsupportedVersion);
    assert_eq!(
        r.body,
        ResponseBody::Error("supported versions 1..1".into())
    );
}

#[test]
fn a_frame_of_another_version_is_refused_except_get_bridge_info() {
    let mut mc = dpu();
    let mut f = split(CommandId::GetPowerState, ResultCode::Ok, 9, &[], MAX_CHUNK)
        .unwrap()
        .remove(0);
    f.version = 2;
    let (rsp, _) = mc.oem_frame(C0, &f);
    assert_eq!(rsp.result, ResultCode::UnsupportedVersion);
    let req = Request::GetBridgeInfo {
        min_version: 1,
        max_version: 2,
    };
    let mut f = split(
        CommandId::GetBridgeInfo,
        ResultCode::Ok,
        10,
        &req.to_message(),
        MAX_CHUNK,
    )
    .unwrap()
    .remove(0);
    f.version = 2;
    let (rsp, _) = mc.oem_frame(C0, &f);
    assert_eq!(rsp.result, ResultCode::Ok);
}

#[test]
fn boot_override_is_stored_validated_and_cleared_after_one_boot() {
    let mut mc = dpu();
    assert_eq!(
        body(mc.oem(
            C0,
            &set_boot(BootTarget::Cd, BootEnabled::Once, BootMode::Uefi, "")
        )),
        ResponseBody::Empty
    );
    let ResponseBody::BootOverride(o) = body(mc.oem(C0, &Request::GetBootOverride)) else {
        panic!()
    };
    assert_eq!(
        (o.target, o.enabled, o.mode),
        (BootTarget::Cd, BootEnabled::Once, BootMode::Uefi)
    );

    let r = mc.oem(
        C0,
        &set_boot(BootTarget::Pxe, BootEnabled::Once, BootMode::Legacy, ""),
    );
    assert_eq!(
        result(&r),
        ResultCode::ValueNotSupported,
        "this card boots UEFI only"
    );
    let r = mc.oem(
        C0,
        &set_boot(
            BootTarget::Pxe,
            BootEnabled::Once,
            BootMode::Uefi,
            "http://192.0.2.1/x.efi",
        ),
    );
    assert_eq!(
        result(&r),
        ResultCode::InvalidParameter,
        "a URI needs target UefiHttp"
    );
    let r = mc.oem(
        C0,
        &set_boot(
            BootTarget::UefiHttp,
            BootEnabled::Once,
            BootMode::Uefi,
            "tftp://192.0.2.1/x.efi",
        ),
    );
    assert_eq!(result(&r), ResultCode::MalformedUri);
    let r = mc.oem(
        C0,
        &set_boot(
            BootTarget::Unknown(0x42),
            BootEnabled::Once,
            BootMode::Uefi,
            "",
        ),
    );
    assert_eq!(result(&r), ResultCode::InvalidParameter);
    // Failed requests changed nothing.
    assert_eq!(
        mc.nc.card(0).unwrap().boot_override().target,
        BootTarget::Cd
    );

    // ForceRestart: the override is consumed when the host starts booting.
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::ForceRestart)).result,
        ResultCode::Accepted
    );
    mc.advance(200 + 300 + 4 * 100); // off, on, four boot steps: SystemHardwareInitializationComplete
    assert_eq!(
        mc.nc.card(0).unwrap().boot_override().enabled,
        BootEnabled::Once
    );
    mc.advance(200 + 300 + 5 * 100); // OSBootStarted
    let ResponseBody::BootOverride(o) = body(mc.oem(C0, &Request::GetBootOverride)) else {
        panic!()
    };
    assert_eq!(
        (o.target, o.enabled),
        (BootTarget::None, BootEnabled::Disabled)
    );
}

#[test]
fn uefi_http_boot_keeps_its_uri_and_continuous_survives_boots() {
    let mut mc = dpu();
    let uri = "https://192.0.2.10/boot/grubx64.efi";
    body(mc.oem(
        C0,
        &set_boot(
            BootTarget::UefiHttp,
            BootEnabled::Continuous,
            BootMode::Uefi,
            uri,
        ),
    ));
    mc.oem(C0, &Request::Reset(ResetType::PowerCycle));
    mc.advance(10_000);
    let ResponseBody::BootOverride(o) = body(mc.oem(C0, &Request::GetBootOverride)) else {
        panic!()
    };
    assert_eq!(
        (o.target, o.enabled, o.uri.as_str()),
        (BootTarget::UefiHttp, BootEnabled::Continuous, uri)
    );
}

#[test]
fn a_reset_is_a_long_operation_with_events_and_status() {
    let mut mc = dpu();
    let r = mc.oem(C0, &Request::Reset(ResetType::ForceRestart));
    assert_eq!(
        (r.result, r.body),
        (ResultCode::Accepted, ResponseBody::Empty)
    );
    let seq = mc.seq;
    assert_eq!(mc.nc.card(0).unwrap().power(), PowerState::PoweringOff);
    let ResponseBody::OperationStatus(s) =
        body(mc.oem(C0, &Request::GetOperationStatus { sequence: seq }))
    else {
        panic!()
    };
    assert_eq!(
        (s.command, s.state),
        (CommandId::Reset, OperationState::Running)
    );
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::ForceOff)).result,
        ResultCode::InvalidState,
        "one reset at a time"
    );

    let events = oem_events(&mc.advance(10_000));
    let power: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::PowerStateChanged(_)))
        .collect();
    assert_eq!(
        power,
        [
            &Event::PowerStateChanged(PowerState::Off),
            &Event::PowerStateChanged(PowerState::PoweringOn),
            &Event::PowerStateChanged(PowerState::On),
        ]
    );
    assert_eq!(
        events[1],
        Event::BootProgressChanged(BootProgress::None),
        "progress resets at power off"
    );
    assert!(events.contains(&Event::OperationCompleted {
        sequence: seq,
        command: CommandId::Reset,
        result: ResultCode::Ok
    }));
    assert_eq!(
        events.last(),
        Some(&Event::BootProgressChanged(BootProgress::OsRunning))
    );
    let ResponseBody::OperationStatus(s) =
        body(mc.oem(C0, &Request::GetOperationStatus { sequence: seq }))
    else {
        panic!()
    };
    assert_eq!(
        (s.state, s.result, s.progress),
        (OperationState::Completed, ResultCode::Ok, 100)
    );
    assert_eq!(
        body(mc.oem(C0, &Request::GetPowerState)),
        ResponseBody::PowerState(PowerState::On)
    );
    assert_eq!(
        body(mc.oem(C0, &Request::GetBootProgress)),
        ResponseBody::BootProgress(BootProgress::OsRunning)
    );
    // Unknown operations are reported as such.
    let ResponseBody::OperationStatus(s) =
        body(mc.oem(C0, &Request::GetOperationStatus { sequence: 1 }))
    else {
        panic!()
    };
    assert_eq!(s.state, OperationState::NotFound);
}

#[test]
fn force_off_then_on_and_nmi_rules() {
    let mut mc = dpu();
    mc.oem(C0, &Request::Reset(ResetType::ForceOff));
    mc.advance(1_000);
    assert_eq!(mc.nc.card(0).unwrap().power(), PowerState::Off);
    assert_eq!(mc.nc.card(0).unwrap().boot_progress(), BootProgress::None);
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::Nmi)).result,
        ResultCode::InvalidState
    );
    mc.oem(C0, &Request::Reset(ResetType::On));
    mc.advance(5_000);
    assert_eq!(mc.nc.card(0).unwrap().power(), PowerState::On);
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::Nmi)).result,
        ResultCode::Ok
    );
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::Unknown(9))).result,
        ResultCode::InvalidParameter
    );
}

#[test]
fn virtual_media_insert_status_and_eject() {
    let mut mc = dpu();
    let image = "http://192.0.2.10/images/install.iso";
    let r = mc.oem(C0, &insert(MediaSlot::Cd, image, TransferProtocol::Http));
    assert_eq!(r.result, ResultCode::Accepted);
    let seq = mc.seq;
    let ResponseBody::MediaStatus(m) =
        body(mc.oem(C0, &Request::VirtualMediaStatus(MediaSlot::Cd)))
    else {
        panic!()
    };
    assert_eq!(
        (m.state, m.image.as_str(), m.write_protected),
        (MediaState::Inserting, image, true)
    );
    assert_eq!(
        mc.oem(C0, &insert(MediaSlot::Cd, image, TransferProtocol::Http))
            .result,
        ResultCode::MediaPresent
    );
    let events = oem_events(&mc.advance(500));
    assert_eq!(
        events,
        vec![
            Event::MediaStateChanged {
                slot: MediaSlot::Cd,
                state: MediaState::Inserted
            },
            Event::OperationCompleted {
                sequence: seq,
                command: CommandId::VirtualMediaInsert,
                result: ResultCode::Ok
            },
        ]
    );
    assert_eq!(
        mc.nc.card(0).unwrap().media(MediaSlot::Cd).state,
        MediaState::Inserted
    );
    assert_eq!(
        body(mc.oem(C0, &Request::VirtualMediaEject(MediaSlot::Cd))),
        ResponseBody::Empty
    );
    assert_eq!(
        mc.oem(C0, &Request::VirtualMediaEject(MediaSlot::Cd))
            .result,
        ResultCode::NoMedia
    );
    assert_eq!(mc.nc.card(0).unwrap().media(MediaSlot::Cd).image, "");
}

#[test]
fn virtual_media_errors_have_the_right_codes() {
    let mut mc = dpu();
    let code = |mc: &mut Mc, slot, image: &str, p| mc.oem(C0, &insert(slot, image, p)).result;
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Cd,
            "ftp://192.0.2.10/a.iso",
            TransferProtocol::FromUri
        ),
        ResultCode::UnsupportedScheme
    );
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Cd,
            "http://192.0.2.10/a.iso",
            TransferProtocol::Https
        ),
        ResultCode::UnsupportedScheme
    );
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Cd,
            "install.iso",
            TransferProtocol::FromUri
        ),
        ResultCode::MalformedUri
    );
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Cd,
            "http:///a.iso",
            TransferProtocol::FromUri
        ),
        ResultCode::MalformedUri
    );
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Unknown(7),
            "http://h/a.iso",
            TransferProtocol::FromUri
        ),
        ResultCode::NotFound
    );
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Cd,
            "http://h/a.iso",
            TransferProtocol::Unknown(0x40)
        ),
        ResultCode::InvalidParameter
    );
    // An unreachable host: accepted, then the fetch fails.
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Usb,
            "https://images.invalid/a.img",
            TransferProtocol::FromUri
        ),
        ResultCode::Accepted
    );
    let seq = mc.seq;
    let events = oem_events(&mc.advance(1_000));
    assert!(events.contains(&Event::MediaStateChanged {
        slot: MediaSlot::Usb,
        state: MediaState::Failed
    }));
    assert!(events.contains(&Event::OperationCompleted {
        sequence: seq,
        command: CommandId::VirtualMediaInsert,
        result: ResultCode::OperationFailed
    }));
    // A card without a USB slot.
    let mut s = scenario("two-dpus.toml");
    s.packages[0].card.as_mut().unwrap().usb_slot = false;
    let mut mc = Mc::new(Nc::new(s.packages));
    mc.init(0, 0);
    assert_eq!(
        code(
            &mut mc,
            MediaSlot::Usb,
            "http://h/a.img",
            TransferProtocol::FromUri
        ),
        ResultCode::NotFound
    );
}

#[test]
fn ejecting_during_insert_fails_the_operation() {
    let mut mc = dpu();
    mc.oem(
        C0,
        &insert(
            MediaSlot::Cd,
            "http://192.0.2.10/a.iso",
            TransferProtocol::FromUri,
        ),
    );
    let seq = mc.seq;
    assert_eq!(
        body(mc.oem(C0, &Request::VirtualMediaEject(MediaSlot::Cd))),
        ResponseBody::Empty
    );
    let ResponseBody::OperationStatus(s) =
        body(mc.oem(C0, &Request::GetOperationStatus { sequence: seq }))
    else {
        panic!()
    };
    assert_eq!(
        (s.state, s.result),
        (OperationState::Completed, ResultCode::OperationFailed)
    );
    mc.advance(5_000);
    assert_eq!(
        mc.nc.card(0).unwrap().media(MediaSlot::Cd).state,
        MediaState::Ejected
    );
}

#[test]
fn inventory_identity_and_progress() {
    let mut mc = dpu();
    let ResponseBody::FirmwareInventory(f) = body(mc.oem(C0, &Request::GetFirmwareInventory))
    else {
        panic!()
    };
    assert_eq!(
        f.iter()
            .map(|c| (c.name.as_str(), c.version.as_str(), c.updateable))
            .collect::<Vec<_>>(),
        [
            ("BMC", "1.4.2", true),
            ("UEFI", "2024.06", true),
            ("NIC", "24.1.0.7", false)
        ]
    );
    let ResponseBody::NetworkIdentity(n) = body(mc.oem(C0, &Request::GetNetworkIdentity)) else {
        panic!()
    };
    assert_eq!(n.host_name, "dpu0-bmc");
    assert_eq!(n.macs, vec![[0x02, 0x5b, 0, 0, 0, 0x80]]);
    assert_eq!(n.ipv4, vec![([192, 0, 2, 20], 24)]);
    assert_eq!(n.ipv6.len(), 1);
}

#[test]
fn a_retried_request_is_not_applied_twice() {
    let mut mc = dpu();
    let reset = Request::Reset(ResetType::ForceRestart);
    assert_eq!(mc.oem_seq(C0, &reset, 0x7000).result, ResultCode::Accepted);
    assert_eq!(
        mc.oem_seq(C0, &reset, 0x7000).result,
        ResultCode::Accepted,
        "the recorded answer"
    );
    assert_eq!(mc.oem_seq(C0, &reset, 0x7000).result, ResultCode::Accepted);
    assert_eq!(mc.nc.card(0).unwrap().executed(CommandId::Reset), 1);
    // Same sequence, another request: refused, not executed.
    let r = mc.oem_seq(C0, &Request::Reset(ResetType::ForceOff), 0x7000);
    assert_eq!(r.result, ResultCode::SequenceConflict);
    assert_eq!(mc.nc.card(0).unwrap().executed(CommandId::Reset), 1);
    mc.advance(10_000);
    let events = oem_events(&mc.advance(20_000));
    assert!(events.is_empty(), "only one reset ran: {events:?}");
}

#[test]
fn chunked_requests_and_responses() {
    let mut mc = dpu();
    // A 1.5 KB image URI is sent in two chunks.
    let image = format!("http://192.0.2.10/{}.iso", "x".repeat(1500));
    assert_eq!(
        mc.oem(
            C0,
            &insert(MediaSlot::Cd, &image, TransferProtocol::FromUri)
        )
        .result,
        ResultCode::Accepted
    );
    assert_eq!(mc.nc.card(0).unwrap().media(MediaSlot::Cd).image, image);

    // A chunk that skips ahead is refused and the transfer dropped.
    let req = insert(MediaSlot::Usb, &image, TransferProtocol::FromUri);
    let frames = split(
        req.command(),
        ResultCode::Ok,
        0x9000,
        &req.to_message(),
        512,
    )
    .unwrap();
    assert_eq!(frames.len(), 3);
    assert_eq!(
        mc.oem_frame(C0, &frames[0]).0.result,
        ResultCode::ChunkAccepted
    );
    assert_eq!(
        mc.oem_frame(C0, &frames[2]).0.result,
        ResultCode::ChunkOutOfOrder
    );
    assert_eq!(
        mc.oem_frame(C0, &frames[1]).0.result,
        ResultCode::ChunkOutOfOrder,
        "the transfer was discarded"
    );

    // A single frame whose CRC does not match its data.
    let mut f = split(
        CommandId::GetPowerState,
        ResultCode::Ok,
        0x9001,
        &[],
        MAX_CHUNK,
    )
    .unwrap()
    .remove(0);
    f.crc ^= 1;
    assert_eq!(mc.oem_frame(C0, &f).0.result, ResultCode::IntegrityError);

    // A firmware inventory too long for one frame comes back in chunks via ReadResult.
    let mut s = scenario("two-dpus.toml");
    s.packages[0].card.as_mut().unwrap().firmware = (0..60)
        .map(|i| FirmwareComponent {
            name: format!("component-{i:02}"),
            version: format!("{i}.0.0-build.{}", i * 7),
            updateable: i % 2 == 0,
        })
        .collect();
    let mut mc = Mc::new(Nc::new(s.packages));
    mc.init(0, 0);
    let ResponseBody::FirmwareInventory(f) = body(mc.oem(C0, &Request::GetFirmwareInventory))
    else {
        panic!()
    };
    assert_eq!(f.len(), 60);
    assert_eq!(f[59].name, "component-59");
    // ReadResult for a sequence the card never saw.
    let read = Request::ReadResult { offset: 0 };
    let f = split(
        CommandId::ReadResult,
        ResultCode::Ok,
        0xDEAD,
        &read.to_message(),
        MAX_CHUNK,
    )
    .unwrap()
    .remove(0);
    assert_eq!(mc.oem_frame(C0, &f).0.result, ResultCode::NotFound);
}

#[test]
fn malformed_and_unknown_oem_frames() {
    let mut mc = dpu();
    let r = mc.oem(
        C0,
        &Request::Unknown {
            command: 0x42,
            message: vec![],
        },
    );
    assert_eq!(r.result, ResultCode::UnsupportedCommand);
    // Trailing bytes: InvalidLength. A string with invalid UTF-8: InvalidParameter.
    let f = split(
        CommandId::Reset,
        ResultCode::Ok,
        0x9100,
        &[5, 0, 0, 0, 0],
        MAX_CHUNK,
    )
    .unwrap()
    .remove(0);
    assert_eq!(mc.oem_frame(C0, &f).0.result, ResultCode::InvalidLength);
    let f = split(
        CommandId::SetBootOverride,
        ResultCode::Ok,
        0x9101,
        &[5, 1, 1, 0, 0, 2, 0xFF, 0xFE],
        MAX_CHUNK,
    )
    .unwrap()
    .remove(0);
    assert_eq!(mc.oem_frame(C0, &f).0.result, ResultCode::InvalidParameter);
    // A frame whose chunk runs past its total length: answered InvalidLength with its
    // sequence number.
    let mut raw = Vec::new();
    split(
        CommandId::GetPowerState,
        ResultCode::Ok,
        0x9102,
        &[],
        MAX_CHUNK,
    )
    .unwrap()[0]
        .emit(&mut raw);
    raw.push(0xAA);
    let reply = mc.send(
        C0,
        sidebridge_protocol::ncsi::Command::Oem(sidebridge_protocol::ncsi::OemCommand {
            manufacturer_id: DEFAULT_MANUFACTURER_ID,
            data: raw,
        }),
    );
    let Some(sidebridge_protocol::ncsi::PacketRepr {
        body: sidebridge_protocol::ncsi::Body::Response(r),
        ..
    }) = reply.response
    else {
        panic!()
    };
    let sidebridge_protocol::ncsi::ResponseData::Oem(o) = r.data else {
        panic!("{r:?}")
    };
    let f = Frame::parse(&o.data).unwrap();
    assert_eq!((f.result, f.sequence), (ResultCode::InvalidLength, 0x9102));
}

#[test]
fn a_busy_card_answers_busy_and_then_recovers() {
    let mut mc = dpu();
    mc.nc.card_mut(0).unwrap().set_busy_until(1_000);
    assert_eq!(mc.oem(C0, &Request::GetPowerState).result, ResultCode::Busy);
    let seq = mc.seq;
    mc.now = 1_000;
    // The same sequence retried after the busy spell executes: Busy was not recorded.
    assert_eq!(
        mc.oem_seq(C0, &Request::GetPowerState, seq).result,
        ResultCode::Ok
    );
}

#[test]
fn events_reach_only_channels_that_enabled_them() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    mc.oem(C0, &Request::Reset(ResetType::ForceOff));
    assert!(
        oem_events(&mc.advance(1_000)).is_empty(),
        "OEM AENs not enabled"
    );
    mc.ok(
        C0,
        sidebridge_protocol::ncsi::Command::AenEnable {
            mc_id: 0,
            control: sidebridge_protocol::ncsi::AenControl(EVENT_AEN_ENABLE_BIT),
        },
    );
    mc.oem(C0, &Request::Reset(ResetType::On));
    let aens = mc.advance(5_000);
    assert!(!aens.is_empty());
    assert!(aens.iter().all(|(ch, _)| *ch == C0));
}

/// OEM set 1.1: what the card accepts, its system settings (all or nothing, refusals
/// naming the field), its BMC reset; a 1.0 card answers none of them.
#[test]
fn revision_1_1_allowable_values_system_settings_and_manager_reset() {
    let mut mc = dpu();
    let ResponseBody::AllowableValues(a) = body(mc.oem(C0, &Request::GetAllowableValues)) else {
        panic!()
    };
    // Package 0's card boots UEFI only; it has a USB slot.
    assert!(AllowableValues::has(
        a.boot_modes.into(),
        BootMode::Uefi.into()
    ));
    assert!(!AllowableValues::has(
        a.boot_modes.into(),
        BootMode::Legacy.into()
    ));
    assert_eq!(
        a.media,
        [media_type::CD | media_type::DVD, media_type::USB_STICK]
    );
    let update = |asset_tag: Option<&str>, indicator, action| {
        Request::SetSystemSettings(SystemSettingsUpdate {
            asset_tag: asset_tag.map(str::to_string),
            indicator,
            watchdog_enabled: Some(true),
            watchdog_action: action,
        })
    };
    assert_eq!(
        body(mc.oem(
            C0,
            &update(Some("asset tag"), Some(IndicatorLed::Lit), None)
        )),
        ResponseBody::Empty
    );
    let ResponseBody::SystemSettings(s) = body(mc.oem(C0, &Request::GetSystemSettings)) else {
        panic!()
    };
    assert_eq!(
        (s.asset_tag.as_str(), s.indicator, s.watchdog.enabled),
        ("asset tag", IndicatorLed::Lit, true)
    );
    assert_eq!(s.uuid[15], 0xa1, "the scenario's system UUID");
    // An unknown action: refused, naming the field, and nothing else applied.
    let r = mc.oem(
        C0,
        &update(Some("other"), None, Some(WatchdogAction::Unknown(9))),
    );
    assert_eq!(result(&r), ResultCode::InvalidParameter);
    let ResponseBody::Error(detail) = &r.body else {
        panic!()
    };
    assert!(detail.starts_with("watchdog_action:"), "{detail}");
    let ResponseBody::SystemSettings(s) = body(mc.oem(C0, &Request::GetSystemSettings)) else {
        panic!()
    };
    assert_eq!(s.asset_tag, "asset tag", "all or nothing");
    // The boot refusal names its field.
    let r = mc.oem(
        C0,
        &set_boot(BootTarget::Hdd, BootEnabled::Once, BootMode::Legacy, ""),
    );
    let ResponseBody::Error(detail) = &r.body else {
        panic!()
    };
    assert!(detail.starts_with("mode:"), "{detail}");
    assert_eq!(
        body(mc.oem(C0, &Request::ResetManager(ResetType::GracefulRestart))),
        ResponseBody::Empty
    );
    assert_eq!(
        result(&mc.oem(C0, &Request::ResetManager(ResetType::PowerCycle))),
        ResultCode::ValueNotSupported
    );

    // The same scenario with the card at OEM set 1.0.
    let mut packages = scenario("two-dpus.toml").packages;
    packages[0].card.as_mut().unwrap().oem_1_1 = false;
    let mut old = Mc::new(Nc::new(packages));
    old.init(0, 0);
    let ResponseBody::BridgeInfo(b) = body(old.oem(
        C0,
        &Request::GetBridgeInfo {
            min_version: 1,
            max_version: 1,
        },
    )) else {
        panic!()
    };
    assert_eq!(
        b.capabilities & (capability::ALLOWABLE_VALUES | capability::SYSTEM_SETTINGS),
        0
    );
    for req in [
        Request::GetAllowableValues,
        Request::GetSystemSettings,
        update(Some("x"), None, None),
        Request::ResetManager(ResetType::GracefulRestart),
    ] {
        assert_eq!(
            result(&old.oem(C0, &req)),
            ResultCode::UnsupportedCommand,
            "{req:?}"
        );
    }
}

fn sensors(mc: &mut Mc) -> Sensors {
    match body(mc.oem(C0, &Request::GetSensors)) {
        ResponseBody::Sensors(s) => s,
        other => panic!("{other:?}"),
    }
}

fn reading(s: &Sensors, name: &str) -> i32 {
    s.sensors
        .iter()
        .find(|x| x.name == name)
        .and_then(|x| x.reading)
        .unwrap()
}

#[test]
fn sensors_move_with_time_and_power_and_cross_thresholds_on_demand() {
    let mut mc = dpu();
    let s = sensors(&mut mc);
    assert_eq!(s.capacity_watts, 75);
    assert_eq!(s.sensors.len(), 5);
    let nic = s.sensors.iter().find(|x| x.name == "nic_temp").unwrap();
    assert_eq!(
        (nic.reading_type, nic.context),
        (ReadingType::Temperature, PhysicalContext::NetworkingDevice)
    );
    assert_eq!(
        (nic.upper_caution, nic.upper_critical),
        (Some(85_000), Some(95_000))
    );
    // Host on: near the active reading (61 °C ± 1.5), normal.
    let on = reading(&s, "nic_temp");
    assert!((59_500..=62_500).contains(&on), "{on}");
    assert!(
        s.sensors.iter().all(|x| x.state() == SensorState::Normal),
        "{s:?}"
    );
    // It moves over the minute, within its swing.
    let mut seen = std::collections::BTreeSet::new();
    for t in (0..60_000).step_by(5_000) {
        mc.now = t;
        let r = reading(&sensors(&mut mc), "nic_temp");
        assert!((59_500..=62_500).contains(&r), "{r} at {t}");
        seen.insert(r);
    }
    assert!(seen.len() > 5, "{seen:?}");
    // Power goes with the host: off, it reads near idle (12 W ± 4).
    mc.oem(C0, &Request::Reset(ResetType::ForceOff));
    mc.advance(mc.now + 5_000);
    let p = reading(&sensors(&mut mc), "card_power");
    assert!((8_000..=16_000).contains(&p), "{p}");
    // On demand (a test or the sensor_offset fault): past caution, then critical.
    mc.nc.card_mut(0).unwrap().set_sensor_offset(0, 40_000);
    let s = sensors(&mut mc);
    assert_eq!(
        s.sensors[0].state(),
        SensorState::Warning,
        "{:?}",
        s.sensors[0]
    );
    mc.nc.card_mut(0).unwrap().set_sensor_offset(0, 50_000);
    assert_eq!(sensors(&mut mc).sensors[0].state(), SensorState::Critical);
    mc.nc.card_mut(0).unwrap().set_sensor_offset(0, 0);
    assert_eq!(sensors(&mut mc).sensors[0].state(), SensorState::Normal);
    assert!(!mc.nc.card_mut(0).unwrap().set_sensor_offset(9, 1));
}

#[test]
fn the_card_bmcs_network_is_reported_and_changed_by_the_rules() {
    let mut mc = dpu();
    let ResponseBody::ManagerNetwork(n) = body(mc.oem(C0, &Request::GetManagerNetwork)) else {
        panic!()
    };
    assert_eq!(n.host_name, "dpu0-bmc");
    assert_eq!(n.fqdn().as_deref(), Some("dpu0-bmc.mgmt.example.net"));
    assert_eq!(n.ipv4[0].gateway, [192, 0, 2, 1]);
    let bad = mc.oem(
        C0,
        &Request::SetManagerNetwork(ManagerNetworkUpdate {
            static_ipv4: Some(vec![StaticIpv4 {
                address: [192, 0, 2, 30],
                prefix: 33,
                gateway: [0; 4],
            }]),
            ..Default::default()
        }),
    );
    assert_eq!(bad.result, ResultCode::InvalidParameter);
    let update = ManagerNetworkUpdate {
        dhcpv4: Some(true),
        ..Default::default()
    };
    body(mc.oem(C0, &Request::SetManagerNetwork(update)));
    let ResponseBody::ManagerNetwork(after) = body(mc.oem(C0, &Request::GetManagerNetwork)) else {
        panic!()
    };
    assert!(after.dhcpv4);
    assert_eq!(after.ipv4[0].origin, Ipv4Origin::Dhcp);
    assert_eq!(after.ipv4[0].address, n.ipv4[0].address);
}

fn adapter(mc: &mut Mc) -> NetworkAdapter {
    match body(mc.oem(C0, &Request::GetNetworkAdapter)) {
        ResponseBody::NetworkAdapter(a) => a,
        other => panic!("{other:?}"),
    }
}

/// OEM 1.4: the adapter as the scenario gives it; settings are checked whole, stay
/// pending until the host next starts, then are in force; the defaults come back the
/// same way.
#[test]
fn adapter_settings_are_pending_until_the_host_restarts() {
    let mut mc = dpu();
    let ResponseBody::BridgeInfo(b) = body(mc.oem(
        C0,
        &Request::GetBridgeInfo {
            min_version: 1,
            max_version: 1,
        },
    )) else {
        panic!()
    };
    let bits = capability::NETWORK_ADAPTER | capability::ADAPTER_SETTINGS;
    assert_eq!(b.capabilities & bits, bits);

    let a = adapter(&mut mc);
    assert_eq!(a.sku, "DPU-1000-100G-A");
    assert_eq!((a.class_code, a.revision_id), (0x02_0000, 1));
    assert_eq!((a.pcie.generation, a.pcie.lanes, a.max_vfs), (4, 16, 254));
    assert_eq!(a.ports.len(), 2);
    assert_eq!(a.ports[0].speeds_mbps, [10_000, 25_000, 100_000]);
    let t = a.ports[0].transceiver.unwrap();
    assert_eq!(
        (t.kind, t.medium),
        (TransceiverType::Qsfp28, Medium::FiberOptic)
    );
    assert_eq!(t.diagnostics.unwrap().supply_mv, 3300);
    assert_eq!(a.functions[1].mac, [0x02, 0x5b, 0, 0, 0, 0x21]);
    assert_eq!(a.functions[0].boot_modes, 0x11, "PXE and HTTP");
    assert!(a.pending.is_none());
    let defaults = a.current.clone();
    assert!(defaults.ports.iter().all(|p| p.autoneg));

    // Refused whole, the field first: a speed the port cannot run at.
    let mut s = defaults.clone();
    s.ports[1] = PortSettings {
        autoneg: false,
        speed_mbps: 40_000,
    };
    s.functions[0].boot_mode = FunctionBootMode::Http;
    let r = mc.oem(C0, &Request::SetAdapterSettings(Some(s.clone())));
    assert_eq!(r.result, ResultCode::InvalidParameter);
    assert!(
        matches!(&r.body, ResponseBody::Error(d) if d.starts_with("port 1:")),
        "{r:?}"
    );
    // iSCSI boot is not among the function's modes.
    let mut bad = defaults.clone();
    bad.functions[0].boot_mode = FunctionBootMode::Iscsi;
    assert_eq!(
        mc.oem(C0, &Request::SetAdapterSettings(Some(bad))).result,
        ResultCode::InvalidParameter
    );
    assert!(adapter(&mut mc).pending.is_none(), "nothing stored");

    // Stored as pending: what is in force does not change.
    s.ports[1].speed_mbps = 25_000;
    body(mc.oem(C0, &Request::SetAdapterSettings(Some(s.clone()))));
    let a = adapter(&mut mc);
    assert_eq!(a.pending.as_ref(), Some(&s));
    assert_eq!(a.current, defaults);
    // Through the host's restart it is in force, and nothing is pending.
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::ForceRestart)).result,
        ResultCode::Accepted
    );
    mc.advance(10_000);
    let a = adapter(&mut mc);
    assert_eq!((a.current.clone(), a.pending), (s, None));

    // The defaults: pending, then in force after the next start (off, then on).
    body(mc.oem(C0, &Request::SetAdapterSettings(None)));
    assert_eq!(adapter(&mut mc).pending.as_ref(), Some(&defaults));
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::ForceOff)).result,
        ResultCode::Accepted
    );
    mc.advance(20_000);
    assert!(adapter(&mut mc).pending.is_some(), "still off: not applied");
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::On)).result,
        ResultCode::Accepted
    );
    mc.advance(30_000);
    let a = adapter(&mut mc);
    assert_eq!((a.current, a.pending), (defaults.clone(), None));
    // Settings equal to those in force leave nothing pending.
    body(mc.oem(C0, &Request::SetAdapterSettings(Some(defaults))));
    assert!(adapter(&mut mc).pending.is_none());
}

fn bios(mc: &mut Mc) -> Bios {
    match body(mc.oem(C0, &Request::GetBios)) {
        ResponseBody::Bios(b) => b,
        other => panic!("{other:?}"),
    }
}

/// OEM 1.4: the host firmware's attributes as the scenario gives them; changes are
/// checked whole, merge into the pending values and apply at the host's next start;
/// the defaults come back the same way.
#[test]
fn bios_changes_are_pending_until_the_host_restarts() {
    let mut mc = dpu();
    let b = bios(&mut mc);
    assert_eq!(b.registry, "DpuBiosAttributeRegistry.1.0.0");
    assert_eq!(b.attributes.len(), 6);
    let (_, retry) = b.attribute("PxeRetryCount").unwrap();
    assert_eq!(
        (&retry.kind, &retry.value),
        (&BiosKind::Integer(0, 10), &BiosValue::Integer(3))
    );
    assert!(b.attribute("SecureBootCapable").unwrap().1.read_only);
    assert!(b.pending.is_empty());
    let defaults = b.clone();
    let change = |name: &str, value: BiosValue| BiosChange {
        name: name.into(),
        value,
    };
    // Refused whole: one bad change stores nothing.
    for (bad, field) in [
        (
            change("PxeRetryCount", BiosValue::Integer(11)),
            "PxeRetryCount:",
        ),
        (
            change("SecureBootCapable", BiosValue::Boolean(false)),
            "SecureBootCapable:",
        ),
        (
            change("BootMode", BiosValue::Enumeration("Legacy".into())),
            "BootMode:",
        ),
        (change("Nope", BiosValue::Boolean(false)), "Nope:"),
    ] {
        let r = mc.oem(
            C0,
            &Request::SetBiosSettings(Some(vec![
                change("SriovEnable", BiosValue::Boolean(false)),
                bad,
            ])),
        );
        assert_eq!(r.result, ResultCode::InvalidParameter, "{field}");
        assert!(
            matches!(&r.body, ResponseBody::Error(d) if d.starts_with(field)),
            "{r:?}"
        );
    }
    assert!(bios(&mut mc).pending.is_empty());
    // Two requests merge; a change back to the value in force is not pending.
    body(mc.oem(
        C0,
        &Request::SetBiosSettings(Some(vec![
            change("PxeRetryCount", BiosValue::Integer(5)),
            change("SriovEnable", BiosValue::Boolean(false)),
        ])),
    ));
    body(mc.oem(
        C0,
        &Request::SetBiosSettings(Some(vec![
            change("SriovEnable", BiosValue::Boolean(true)),
            change("SystemName", BiosValue::String("lab-7".into())),
        ])),
    ));
    let b = bios(&mut mc);
    assert_eq!(
        b.pending,
        vec![
            (2, BiosValue::Integer(5)),
            (4, BiosValue::String("lab-7".into()))
        ]
    );
    assert_eq!(b.attributes, defaults.attributes, "not in force yet");
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::ForceRestart)).result,
        ResultCode::Accepted
    );
    mc.advance(10_000);
    let b = bios(&mut mc);
    assert!(b.pending.is_empty());
    assert_eq!(
        b.attribute("PxeRetryCount").unwrap().1.value,
        BiosValue::Integer(5)
    );
    assert_eq!(
        b.attribute("SystemName").unwrap().1.value,
        BiosValue::String("lab-7".into())
    );
    // The defaults: pending where they differ, in force after the next start.
    body(mc.oem(C0, &Request::SetBiosSettings(None)));
    assert_eq!(bios(&mut mc).pending.len(), 2);
    assert_eq!(
        mc.oem(C0, &Request::Reset(ResetType::ForceRestart)).result,
        ResultCode::Accepted
    );
    mc.advance(20_000);
    assert_eq!(bios(&mut mc), defaults);
}
