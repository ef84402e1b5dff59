//! The network-controller model against DSP0222 1.2's state machine, driven through
//! the protocol crate exactly as an MC would.

mod common;

use common::{Mc, nc, scenario};
use sidebridge_protocol::ncsi::*;
use sidebridge_sim::nc::Nc;

const P0: ChannelId = ChannelId::package(0);
const C0: ChannelId = ChannelId::new(0, 0);
const C1: ChannelId = ChannelId::new(0, 1);

fn params(mc: &mut Mc, ch: ChannelId) -> Parameters {
    match mc.ok(ch, Command::GetParameters) {
        ResponseData::Parameters(p) => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn absent_packages_and_channels_do_not_answer() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    assert!(
        mc.send(
            ChannelId::package(5),
            Command::SelectPackage {
                hardware_arbitration_disable: false
            }
        )
        .response
        .is_none()
    );
    mc.ok(
        P0,
        Command::SelectPackage {
            hardware_arbitration_disable: false,
        },
    );
    // Package 0 has channels 0 and 1: channel 2 does not exist and stays silent.
    assert!(
        mc.send(ChannelId::new(0, 2), Command::ClearInitialState)
            .response
            .is_none()
    );
    mc.ok(C1, Command::ClearInitialState);
}

#[test]
fn the_initial_state_refuses_everything_but_clear_initial_state() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.ok(
        P0,
        Command::SelectPackage {
            hardware_arbitration_disable: false,
        },
    );
    for cmd in [
        Command::GetVersionId,
        Command::GetLinkStatus,
        Command::EnableChannel,
        Command::GetParameters,
    ] {
        assert_eq!(
            mc.fails(C0, cmd),
            (
                ResponseCode::Failed,
                ReasonCode::InterfaceInitializationRequired
            )
        );
    }
    mc.ok(C0, Command::ClearInitialState);
    assert!(matches!(
        mc.ok(C0, Command::GetVersionId),
        ResponseData::VersionId(_)
    ));
    // Channel 1 is still in its own initial state.
    assert_eq!(
        mc.fails(C1, Command::GetLinkStatus),
        (
            ResponseCode::Failed,
            ReasonCode::InterfaceInitializationRequired
        )
    );
    // Clear Initial State again is harmless.
    mc.ok(C0, Command::ClearInitialState);
}

#[test]
fn select_and_deselect_and_package_status() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    assert!(!mc.nc.package(0).unwrap().selected);
    mc.ok(
        P0,
        Command::SelectPackage {
            hardware_arbitration_disable: false,
        },
    );
    assert!(mc.nc.package(0).unwrap().selected);
    assert_eq!(
        mc.ok(P0, Command::GetPackageStatus),
        ResponseData::PackageStatus(PackageStatus(1))
    );
    mc.ok(P0, Command::DeselectPackage);
    assert!(!mc.nc.package(0).unwrap().selected);
    assert_eq!(
        mc.ok(P0, Command::GetPackageStatus),
        ResponseData::PackageStatus(PackageStatus(0))
    );
    // Channel commands cannot be sent to the package as a whole.
    assert_eq!(
        mc.fails(P0, Command::GetLinkStatus),
        (ResponseCode::Failed, ReasonCode::ParameterInvalid)
    );
}

#[test]
fn identity_comes_from_the_scenario() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    let ResponseData::VersionId(v) = mc.ok(C0, Command::GetVersionId) else {
        panic!()
    };
    assert_eq!(v.firmware_name(), "DPU NIC");
    assert_eq!(v.firmware_version_dotted(), "24.1.0.7");
    assert_eq!(
        (v.pci_vendor_id, v.pci_device_id, v.manufacturer_id),
        (0x15b3, 0xa2dc, 0x8119)
    );
    assert_eq!(v.ncsi_version_string(), "1.2.0");
    let ResponseData::Capabilities(c) = mc.ok(C0, Command::GetCapabilities) else {
        panic!()
    };
    assert_eq!(c.channel_count, 2);
    assert!(
        c.aen_control.0 & (1 << 16) != 0,
        "a DPU offers the OEM event AEN bit"
    );
    let ResponseData::PackageUuid(u) = mc.ok(P0, Command::GetPackageUuid) else {
        panic!()
    };
    assert_eq!(u[..4], [0x5b, 0x1d, 0x0c, 0x3a]);
    assert_eq!(
        mc.ok(C0, Command::GetMcMacAddress),
        ResponseData::McMacAddresses(vec![[0x02, 0x5b, 0, 0, 0, 0xf0]])
    );
    // The kernel's Mellanox get-MAC: channel 1 reports base + 1.
    mc.ok(C1, Command::ClearInitialState);
    let ResponseData::Oem(o) = mc.ok(C1, Command::Oem(VendorGetMac::Mellanox.request())) else {
        panic!()
    };
    assert_eq!(
        VendorGetMac::parse_response(&o).unwrap().mac,
        [0x02, 0x5b, 0, 0, 0, 0x11]
    );
    // Another vendor's get-MAC is not this NC's.
    assert_eq!(
        mc.fails(C1, Command::Oem(VendorGetMac::Intel.request())),
        (
            ResponseCode::Unsupported,
            ReasonCode::UnsupportedCommandType
        )
    );
}

#[test]
fn channel_enables_and_filters_show_in_get_parameters() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    assert_eq!(params(&mut mc, C0).configuration, ConfigurationFlags(0));
    mc.ok(C0, Command::EnableChannel);
    mc.ok(C0, Command::EnableChannelNetworkTx);
    mc.ok(
        C0,
        Command::EnableBroadcastFilter {
            settings: BroadcastFilter(0b0011),
        },
    );
    mc.ok(
        C0,
        Command::EnableGlobalMulticastFilter {
            settings: MulticastFilter(0b0001),
        },
    );
    mc.ok(
        C0,
        Command::SetMacAddress {
            mac: [2, 0, 0, 0, 0, 9],
            filter: 2,
            address_type: 0,
            enable: true,
        },
    );
    mc.ok(
        C0,
        Command::SetVlanFilter {
            tag: 0x2064,
            filter: 1,
            enable: true,
        },
    );
    mc.ok(C0, Command::EnableVlan { mode: 1 });
    mc.ok(
        C0,
        Command::AenEnable {
            mc_id: 0,
            control: AenControl(0b101),
        },
    );
    mc.ok(C0, Command::SetNcsiFlowControl { mode: 3 });
    let p = params(&mut mc, C0);
    assert!(p.configuration.channel_enabled() && p.configuration.network_tx_enabled());
    assert!(
        p.configuration.broadcast_filter_enabled() && p.configuration.multicast_filter_enabled()
    );
    assert_eq!(p.broadcast_filter, BroadcastFilter(0b0011));
    assert_eq!(p.mac_flags, 0b10);
    assert_eq!(p.macs[1], [2, 0, 0, 0, 0, 9]);
    assert_eq!((p.vlan_flags, p.vlans[0], p.vlan_mode), (1, 0x2064, 1));
    assert_eq!(p.aen_control, AenControl(0b101));
    assert_eq!(p.flow_control, 3);
    mc.ok(
        C0,
        Command::DisableChannel {
            allow_link_down: true,
        },
    );
    mc.ok(C0, Command::DisableChannelNetworkTx);
    mc.ok(C0, Command::DisableBroadcastFilter);
    mc.ok(C0, Command::DisableGlobalMulticastFilter);
    mc.ok(C0, Command::DisableVlan);
    let p = params(&mut mc, C0);
    assert_eq!(p.configuration, ConfigurationFlags(0));
    assert_eq!(p.vlan_mode, 0);
    assert!(mc.nc.package(0).unwrap().channels[0].allow_link_down);
}

#[test]
fn misuse_gets_the_reason_dsp0222_gives() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    let fail = |r| (ResponseCode::Failed, r);
    assert_eq!(
        mc.fails(
            C0,
            Command::SetMacAddress {
                mac: [0; 6],
                filter: 1,
                address_type: 0,
                enable: true
            }
        ),
        fail(ReasonCode::MacAddressZero)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::SetMacAddress {
                mac: [2; 6],
                filter: 0,
                address_type: 0,
                enable: true
            }
        ),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::SetMacAddress {
                mac: [2; 6],
                filter: 5,
                address_type: 0,
                enable: true
            }
        ),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::SetMacAddress {
                mac: [2; 6],
                filter: 1,
                address_type: 3,
                enable: true
            }
        ),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::SetVlanFilter {
                tag: 0x2000,
                filter: 1,
                enable: true
            }
        ),
        fail(ReasonCode::VlanTagInvalid)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::SetVlanFilter {
                tag: 5,
                filter: 9,
                enable: true
            }
        ),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(C0, Command::EnableVlan { mode: 2 }),
        fail(ReasonCode::ParameterInvalid),
        "mode 2 is not supported (0x05)"
    );
    assert_eq!(
        mc.fails(C0, Command::EnableVlan { mode: 0 }),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::AenEnable {
                mc_id: 0,
                control: AenControl(1 << 20)
            }
        ),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::EnableBroadcastFilter {
                settings: BroadcastFilter(1 << 9)
            }
        ),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(
            C0,
            Command::EnableGlobalMulticastFilter {
                settings: MulticastFilter(1 << 9)
            }
        ),
        fail(ReasonCode::ParameterInvalid)
    );
    assert_eq!(
        mc.fails(C0, Command::SetNcsiFlowControl { mode: 4 }),
        fail(ReasonCode::ParameterInvalid)
    );
    // Set Link: 1G is not among this NC's speeds (10G, 25G, 100G).
    let one_gig = LinkSettings(0).with(0, true).with(3, true).with(9, true);
    assert_eq!(
        mc.fails(
            C0,
            Command::SetLink {
                settings: one_gig,
                oem_settings: 0
            }
        ),
        fail(ReasonCode::SetLinkSpeedConflict)
    );
    let no_speed = LinkSettings(0).with(0, true).with(9, true);
    assert_eq!(
        mc.fails(
            C0,
            Command::SetLink {
                settings: no_speed,
                oem_settings: 0
            }
        ),
        fail(ReasonCode::SetLinkParameterConflict)
    );
    mc.nc.set_host_driver(0, 0, true);
    let ten = LinkSettings(0).with(4, true).with(9, true);
    assert_eq!(
        mc.fails(
            C0,
            Command::SetLink {
                settings: ten,
                oem_settings: 0
            }
        ),
        fail(ReasonCode::SetLinkHostOsConflict)
    );
    // Unknown commands and PLDM are unsupported; a bad length is refused.
    let unknown = mc.fails(
        C0,
        Command::Unknown {
            command: 0x60,
            payload: vec![],
        },
    );
    assert_eq!(
        unknown,
        (
            ResponseCode::Unsupported,
            ReasonCode::UnsupportedCommandType
        )
    );
    assert_eq!(
        mc.fails(C0, Command::Pldm(vec![1])),
        (
            ResponseCode::Unsupported,
            ReasonCode::UnsupportedCommandType
        )
    );
    let mut bad = vec![0u8; 16 + 4 + 4];
    let mut p = ControlPacket::new_unchecked(&mut bad[..]);
    p.set_revision(1);
    p.set_iid(77);
    p.set_packet_type(0x08); // AEN Enable with a 4-byte payload
    p.set_payload_len(4);
    p.fill_checksum();
    let r = mc.raw(&bad).response.unwrap();
    let Body::Response(r) = r.body else { panic!() };
    assert_eq!(
        (r.code, r.reason),
        (ResponseCode::Failed, ReasonCode::InvalidPayloadLength)
    );
}

#[test]
fn flow_control_modes_the_nc_cannot_split_get_1409() {
    let mut s = scenario("two-dpus.toml");
    s.packages[0].capabilities.flags = CapabilityFlags(0x01); // no flow control at all
    let mut mc = Mc::new(Nc::new(s.packages));
    mc.init(0, 0);
    assert_eq!(
        mc.fails(C0, Command::SetNcsiFlowControl { mode: 1 }),
        (
            ResponseCode::Failed,
            ReasonCode::IndependentFlowControlUnsupported
        )
    );
    assert_eq!(
        mc.fails(C0, Command::SetNcsiFlowControl { mode: 3 }),
        (ResponseCode::Failed, ReasonCode::ParameterInvalid)
    );
    mc.ok(C0, Command::SetNcsiFlowControl { mode: 0 });
}

#[test]
fn set_link_changes_the_link_status() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    let settings = LinkSettings(0)
        .with(0, true)
        .with(4, true)
        .with(6, true)
        .with(9, true); // 10G, 25G
    mc.ok(
        C0,
        Command::SetLink {
            settings,
            oem_settings: 0,
        },
    );
    let ResponseData::LinkStatus(ls) = mc.ok(C0, Command::GetLinkStatus) else {
        panic!()
    };
    assert!(ls.status.link_up());
    assert_eq!(
        ls.status.speed_duplex(),
        SpeedDuplex::Full25G,
        "the fastest allowed speed"
    );
    assert_eq!(params(&mut mc, C0).link_settings, settings);
}

#[test]
fn reset_channel_returns_to_the_initial_state_and_clears_configuration() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    mc.ok(C0, Command::EnableChannel);
    mc.ok(
        C0,
        Command::SetMacAddress {
            mac: [2, 0, 0, 0, 0, 9],
            filter: 1,
            address_type: 0,
            enable: true,
        },
    );
    mc.ok(C0, Command::ResetChannel);
    assert_eq!(
        mc.fails(C0, Command::GetParameters),
        (
            ResponseCode::Failed,
            ReasonCode::InterfaceInitializationRequired
        )
    );
    mc.ok(C0, Command::ClearInitialState);
    let p = params(&mut mc, C0);
    assert_eq!((p.configuration, p.mac_flags), (ConfigurationFlags(0), 0));
}

#[test]
fn statistics_count_what_the_nc_saw() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0); // select goes to package-wide (counted on channel 0), CIS on channel 0
    let mut corrupt = PacketRepr::command(9, C0, Command::GetLinkStatus)
        .to_bytes()
        .unwrap();
    let n = corrupt.len();
    corrupt[n - 1] ^= 1;
    assert!(
        mc.raw(&corrupt).response.is_none(),
        "a bad checksum is dropped silently"
    );
    mc.fails(
        C0,
        Command::Unknown {
            command: 0x61,
            payload: vec![],
        },
    );
    let ResponseData::NcsiStatistics(s) = mc.ok(C0, Command::GetNcsiStatistics) else {
        panic!()
    };
    // Received: select, CIS, corrupt, unknown, this one = 5; the corrupt one dropped.
    assert_eq!(s.receive_packets, 5);
    assert_eq!(s.commands_received, 4);
    assert_eq!(
        (s.command_checksum_errors, s.control_packets_dropped),
        (1, 1)
    );
    assert_eq!(s.command_type_errors, 1);
    assert_eq!(
        s.transmit_packets, 3,
        "select, CIS and the unsupported answer; this response is counted after"
    );
}

#[test]
fn responses_and_aens_sent_to_the_nc_are_ignored() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    let rsp = PacketRepr::response(
        1,
        C0,
        Response::completed(ResponseData::Empty(CommandType::EnableChannel)),
    );
    assert!(mc.raw(&rsp.to_bytes().unwrap()).response.is_none());
    let aen = PacketRepr::aen(0, C0, sidebridge_protocol::ncsi::Aen::ConfigurationRequired);
    assert!(mc.raw(&aen.to_bytes().unwrap()).response.is_none());
}

#[test]
fn link_and_driver_aens_follow_the_enables_and_selection() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    // Not enabled yet: no AEN.
    assert!(mc.nc.set_link(0, 0, false).is_empty());
    mc.ok(
        C0,
        Command::AenEnable {
            mc_id: 7,
            control: AenControl(0b101),
        },
    );
    let out = mc.nc.set_link(0, 0, true);
    let aens = common::decode(out.into_iter().map(|o| o.bytes).collect()).aens;
    assert_eq!(aens.len(), 1);
    let (ch, Aen::LinkStatusChange { status, .. }) = &aens[0] else {
        panic!("{aens:?}")
    };
    assert_eq!(*ch, C0);
    assert!(status.link_up());
    let out = mc.nc.set_host_driver(0, 0, true);
    let aens = common::decode(out.into_iter().map(|o| o.bytes).collect()).aens;
    assert_eq!(
        aens,
        vec![(C0, Aen::HostNcDriverStatusChange { status: 1 })]
    );
    // A deselected package stays off the bus.
    mc.ok(P0, Command::DeselectPackage);
    assert!(mc.nc.set_link(0, 0, false).is_empty());
}

#[test]
fn a_package_that_vanishes_comes_back_reset_and_says_so() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.init(0, 0);
    mc.ok(
        C0,
        Command::AenEnable {
            mc_id: 0,
            control: AenControl(0b011),
        },
    );
    mc.ok(C0, Command::EnableChannel);
    mc.nc.set_present(0, false);
    assert!(mc.send(C0, Command::GetLinkStatus).response.is_none());
    let out = mc.nc.set_present(0, true);
    let aens = common::decode(out.into_iter().map(|o| o.bytes).collect()).aens;
    assert_eq!(aens, vec![(C0, Aen::ConfigurationRequired)]);
    assert_eq!(
        mc.fails(C0, Command::GetLinkStatus),
        (
            ResponseCode::Failed,
            ReasonCode::InterfaceInitializationRequired
        )
    );
    mc.ok(C0, Command::ClearInitialState);
    assert!(!params(&mut mc, C0).configuration.channel_enabled());
}

#[test]
fn a_plain_nic_has_no_card_behind_it() {
    let mut mc = Mc::new(nc("one-nic.toml"));
    mc.init(0, 0);
    let oem = sidebridge_protocol::oem::split(
        sidebridge_protocol::oem::CommandId::GetPowerState,
        sidebridge_protocol::oem::ResultCode::Ok,
        1,
        &[],
        1024,
    )
    .unwrap()
    .remove(0);
    assert_eq!(
        mc.fails(C0, Command::Oem(oem.to_oem_command(32473))),
        (
            ResponseCode::Unsupported,
            ReasonCode::UnsupportedCommandType
        )
    );
    let ResponseData::Oem(o) = mc.ok(C0, Command::Oem(VendorGetMac::Broadcom.request())) else {
        panic!()
    };
    assert_eq!(
        VendorGetMac::parse_response(&o).unwrap().bmc_mac(),
        [0x02, 0x5b, 0, 0, 0, 0x21]
    );
}

fn packet_statistics(mc: &mut Mc, ch: ChannelId) -> ControllerPacketStatistics {
    match mc.ok(ch, Command::GetControllerPacketStatistics) {
        ResponseData::ControllerPacketStatistics(s) => *s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn host_traffic_counters_grow_with_link_up_time_only() {
    let mut mc = Mc::new(nc("two-dpus.toml"));
    mc.ok(
        P0,
        Command::SelectPackage {
            hardware_arbitration_disable: false,
        },
    );
    mc.ok(C0, Command::ClearInitialState);
    let fps = u64::from(mc.nc.package(0).unwrap().config.traffic_fps);
    let start = packet_statistics(&mut mc, C0);
    mc.advance(10_000);
    let up = packet_statistics(&mut mc, C0);
    // Ten seconds of link: fps × 10 frames received, 4/5 of that sent, by kind.
    let rx = up.rx_unicast + up.rx_multicast + up.rx_broadcast;
    assert_eq!(
        rx - (start.rx_unicast + start.rx_multicast + start.rx_broadcast),
        fps * 10
    );
    assert_eq!(up.rx_bytes - start.rx_bytes, fps * 10 * 742);
    assert_eq!(up.tx_bytes - start.tx_bytes, fps * 8 * 742);
    assert!(up.rx_unicast > up.rx_multicast && up.rx_multicast > up.rx_broadcast);
    // Link down: nothing more flows.
    mc.nc.set_link(0, 0, false);
    mc.advance(20_000);
    let down = packet_statistics(&mut mc, C0);
    assert_eq!(down.rx_bytes, up.rx_bytes);
    mc.nc.set_link(0, 0, true);
    mc.advance(21_000);
    assert_eq!(
        packet_statistics(&mut mc, C0).rx_bytes - down.rx_bytes,
        fps * 742
    );
}
