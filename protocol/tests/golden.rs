//! Golden bytes for every NC-SI packet type the crate knows, in smoltcp's quartet:
//! deconstruct (header getters on the golden bytes), construct (emit into a buffer
//! pre-filled with 0xa5, which catches any byte emit forgets to write), parse, emit.
//!
//! The bytes come from `data/golden.txt`, written by `data/make_golden.py`: an
//! independent encoder laid out from the DSP0222 1.2 tables with its own checksum.

use sidebridge_protocol::ncsi::aen::Aen;
use sidebridge_protocol::ncsi::*;

fn golden(name: &str) -> Vec<u8> {
    let line = include_str!("data/golden.txt")
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no golden bytes named {name}"));
    let hex = line.split_whitespace().nth(1).expect("hex after the name");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// `golden!(name, (type, iid, channel, payload_len), repr)`.
macro_rules! golden {
    ($name:ident, ($ty:expr, $iid:expr, $chan:expr, $plen:expr), $repr:expr) => {
        mod $name {
            use super::*;

            fn bytes() -> Vec<u8> {
                golden(stringify!($name))
            }

            fn repr() -> PacketRepr {
                $repr
            }

            #[test]
            fn deconstruct() {
                let bytes = bytes();
                let p = ControlPacket::new_checked(&bytes[..]).unwrap();
                assert_eq!(p.mc_id(), repr().mc_id);
                assert_eq!(p.revision(), 0x01);
                assert_eq!(p.packet_type(), $ty);
                assert_eq!(p.iid(), $iid);
                assert_eq!(p.channel(), ChannelId($chan));
                assert_eq!(p.payload_len(), $plen);
                assert_eq!(p.total_len(), bytes.len());
                assert_eq!(p.checksum(), p.compute_checksum());
                assert_ne!(p.checksum(), 0);
                p.verify_checksum().unwrap();
            }

            #[test]
            fn construct() {
                let expected = bytes();
                let mut buf = vec![0xa5u8; expected.len()];
                let n = repr().emit(&mut buf).unwrap();
                assert_eq!(n, expected.len());
                assert_eq!(buf, expected);
            }

            #[test]
            fn parse() {
                assert_eq!(PacketRepr::parse(&bytes()).unwrap(), repr());
            }

            #[test]
            fn emit() {
                assert_eq!(repr().buffer_len(), bytes().len());
                assert_eq!(repr().to_bytes().unwrap(), bytes());
            }
        }
    };
}

fn cmd(iid: u8, chan: u8, c: Command) -> PacketRepr {
    PacketRepr::command(iid, ChannelId(chan), c)
}

fn ok(iid: u8, chan: u8, d: ResponseData) -> PacketRepr {
    PacketRepr::response(iid, ChannelId(chan), Response::completed(d))
}

fn fail(iid: u8, chan: u8, ty: u8, code: u16, reason: u16, bytes: Vec<u8>) -> PacketRepr {
    PacketRepr::response(
        iid,
        ChannelId(chan),
        Response {
            code: ResponseCode::from(code),
            reason: ReasonCode::from(reason),
            data: ResponseData::Raw {
                command: CommandType::from(ty),
                bytes,
            },
        },
    )
}

fn empty(iid: u8, chan: u8, ty: CommandType) -> PacketRepr {
    ok(iid, chan, ResponseData::Empty(ty))
}

// ---- Commands ----
golden!(
    cmd_clear_initial_state,
    (0x00, 0x01, 0x00, 0),
    cmd(0x01, 0x00, Command::ClearInitialState)
);
golden!(
    cmd_select_package,
    (0x01, 0x02, 0x1F, 4),
    cmd(
        0x02,
        0x1F,
        Command::SelectPackage {
            hardware_arbitration_disable: true
        }
    )
);
golden!(
    cmd_deselect_package,
    (0x02, 0x03, 0x1F, 0),
    cmd(0x03, 0x1F, Command::DeselectPackage)
);
golden!(
    cmd_enable_channel,
    (0x03, 0x04, 0x00, 0),
    cmd(0x04, 0x00, Command::EnableChannel)
);
golden!(
    cmd_disable_channel,
    (0x04, 0x05, 0x01, 4),
    cmd(
        0x05,
        0x01,
        Command::DisableChannel {
            allow_link_down: true
        }
    )
);
golden!(
    cmd_reset_channel,
    (0x05, 0x06, 0x00, 4),
    cmd(0x06, 0x00, Command::ResetChannel)
);
golden!(
    cmd_enable_channel_network_tx,
    (0x06, 0x07, 0x00, 0),
    cmd(0x07, 0x00, Command::EnableChannelNetworkTx)
);
golden!(
    cmd_disable_channel_network_tx,
    (0x07, 0x08, 0x00, 0),
    cmd(0x08, 0x00, Command::DisableChannelNetworkTx)
);
golden!(
    cmd_aen_enable,
    (0x08, 0x09, 0x00, 8),
    cmd(
        0x09,
        0x00,
        Command::AenEnable {
            mc_id: 0,
            control: AenControl(0x0001_0007)
        }
    )
);
golden!(
    cmd_set_link,
    (0x09, 0x0A, 0x00, 8),
    cmd(
        0x0A,
        0x00,
        Command::SetLink {
            settings: LinkSettings(0x209),
            oem_settings: 0
        }
    )
);
golden!(
    cmd_get_link_status,
    (0x0A, 0x0B, 0x00, 0),
    cmd(0x0B, 0x00, Command::GetLinkStatus)
);
golden!(
    cmd_set_vlan_filter,
    (0x0B, 0x0C, 0x00, 8),
    cmd(
        0x0C,
        0x00,
        Command::SetVlanFilter {
            tag: 0x2064,
            filter: 1,
            enable: true
        }
    )
);
golden!(
    cmd_enable_vlan,
    (0x0C, 0x0D, 0x00, 4),
    cmd(0x0D, 0x00, Command::EnableVlan { mode: 1 })
);
golden!(
    cmd_disable_vlan,
    (0x0D, 0x0E, 0x00, 0),
    cmd(0x0E, 0x00, Command::DisableVlan)
);
golden!(
    cmd_set_mac_address,
    (0x0E, 0x0F, 0x00, 8),
    cmd(
        0x0F,
        0x00,
        Command::SetMacAddress {
            mac: [0x02, 0, 0, 0, 0, 0x01],
            filter: 1,
            address_type: 0,
            enable: true,
        }
    )
);
golden!(
    cmd_enable_broadcast_filter,
    (0x10, 0x10, 0x00, 4),
    cmd(
        0x10,
        0x00,
        Command::EnableBroadcastFilter {
            settings: BroadcastFilter(0x7)
        }
    )
);
golden!(
    cmd_disable_broadcast_filter,
    (0x11, 0x11, 0x00, 0),
    cmd(0x11, 0x00, Command::DisableBroadcastFilter)
);
golden!(
    cmd_enable_global_multicast_filter,
    (0x12, 0x12, 0x00, 4),
    cmd(
        0x12,
        0x00,
        Command::EnableGlobalMulticastFilter {
            settings: MulticastFilter(0x3)
        }
    )
);
golden!(
    cmd_disable_global_multicast_filter,
    (0x13, 0x13, 0x00, 0),
    cmd(0x13, 0x00, Command::DisableGlobalMulticastFilter)
);
golden!(
    cmd_set_ncsi_flow_control,
    (0x14, 0x14, 0x00, 4),
    cmd(0x14, 0x00, Command::SetNcsiFlowControl { mode: 1 })
);
golden!(
    cmd_get_version_id,
    (0x15, 0x15, 0x00, 0),
    cmd(0x15, 0x00, Command::GetVersionId)
);
golden!(
    cmd_get_capabilities,
    (0x16, 0x16, 0x00, 0),
    cmd(0x16, 0x00, Command::GetCapabilities)
);
golden!(
    cmd_get_parameters,
    (0x17, 0x17, 0x00, 0),
    cmd(0x17, 0x00, Command::GetParameters)
);
golden!(
    cmd_get_controller_packet_statistics,
    (0x18, 0x18, 0x00, 0),
    cmd(0x18, 0x00, Command::GetControllerPacketStatistics)
);
golden!(
    cmd_get_ncsi_statistics,
    (0x19, 0x19, 0x00, 0),
    cmd(0x19, 0x00, Command::GetNcsiStatistics)
);
golden!(
    cmd_get_ncsi_passthrough_statistics,
    (0x1A, 0x1A, 0x00, 0),
    cmd(0x1A, 0x00, Command::GetNcsiPassthroughStatistics)
);
golden!(
    cmd_get_package_status,
    (0x1B, 0x1B, 0x1F, 0),
    cmd(0x1B, 0x1F, Command::GetPackageStatus)
);
golden!(
    cmd_oem,
    (0x50, 0x1C, 0x00, 8),
    cmd(
        0x1C,
        0x00,
        Command::Oem(OemCommand {
            manufacturer_id: 32473,
            data: vec![1, 2, 3, 4]
        })
    )
);
golden!(
    cmd_pldm,
    (0x51, 0x1D, 0x00, 6),
    cmd(0x1D, 0x00, Command::Pldm(vec![1, 2, 3, 4, 5, 6]))
);
golden!(
    cmd_get_package_uuid,
    (0x52, 0x1E, 0x1F, 0),
    cmd(0x1E, 0x1F, Command::GetPackageUuid)
);
golden!(
    cmd_query_pending_nc_pldm_request,
    (0x56, 0x1F, 0x00, 0),
    cmd(0x1F, 0x00, Command::QueryPendingNcPldmRequest)
);
golden!(
    cmd_send_nc_pldm_reply,
    (0x57, 0x20, 0x00, 3),
    cmd(0x20, 0x00, Command::SendNcPldmReply(vec![0x80, 0x00, 0x01]))
);
golden!(
    cmd_get_mc_mac_address,
    (0x58, 0x21, 0x00, 0),
    cmd(0x21, 0x00, Command::GetMcMacAddress)
);
golden!(
    cmd_unknown,
    (0x60, 0x22, 0x00, 2),
    cmd(
        0x22,
        0x00,
        Command::Unknown {
            command: 0x60,
            payload: vec![0xBE, 0xEF]
        }
    )
);
golden!(
    cmd_mellanox_get_mac,
    (0x50, 0x23, 0x00, 8),
    cmd(0x23, 0x00, Command::Oem(VendorGetMac::Mellanox.request()))
);
golden!(
    cmd_broadcom_get_mac,
    (0x50, 0x24, 0x00, 12),
    cmd(0x24, 0x00, Command::Oem(VendorGetMac::Broadcom.request()))
);
golden!(
    cmd_intel_get_mac,
    (0x50, 0x25, 0x00, 5),
    cmd(0x25, 0x00, Command::Oem(VendorGetMac::Intel.request()))
);

// ---- Responses without data ----
golden!(
    rsp_clear_initial_state,
    (0x80, 0x40, 0x00, 4),
    empty(0x40, 0x00, CommandType::ClearInitialState)
);
golden!(
    rsp_select_package,
    (0x81, 0x41, 0x1F, 4),
    empty(0x41, 0x1F, CommandType::SelectPackage)
);
golden!(
    rsp_deselect_package,
    (0x82, 0x42, 0x1F, 4),
    empty(0x42, 0x1F, CommandType::DeselectPackage)
);
golden!(
    rsp_enable_channel,
    (0x83, 0x43, 0x00, 4),
    empty(0x43, 0x00, CommandType::EnableChannel)
);
golden!(
    rsp_disable_channel,
    (0x84, 0x44, 0x00, 4),
    empty(0x44, 0x00, CommandType::DisableChannel)
);
golden!(
    rsp_reset_channel,
    (0x85, 0x45, 0x00, 4),
    empty(0x45, 0x00, CommandType::ResetChannel)
);
golden!(
    rsp_enable_channel_network_tx,
    (0x86, 0x46, 0x00, 4),
    empty(0x46, 0x00, CommandType::EnableChannelNetworkTx)
);
golden!(
    rsp_disable_channel_network_tx,
    (0x87, 0x47, 0x00, 4),
    empty(0x47, 0x00, CommandType::DisableChannelNetworkTx)
);
golden!(
    rsp_aen_enable,
    (0x88, 0x48, 0x00, 4),
    empty(0x48, 0x00, CommandType::AenEnable)
);
golden!(
    rsp_set_link,
    (0x89, 0x49, 0x00, 4),
    empty(0x49, 0x00, CommandType::SetLink)
);
golden!(
    rsp_set_vlan_filter,
    (0x8B, 0x4A, 0x00, 4),
    empty(0x4A, 0x00, CommandType::SetVlanFilter)
);
golden!(
    rsp_enable_vlan,
    (0x8C, 0x4B, 0x00, 4),
    empty(0x4B, 0x00, CommandType::EnableVlan)
);
golden!(
    rsp_disable_vlan,
    (0x8D, 0x4C, 0x00, 4),
    empty(0x4C, 0x00, CommandType::DisableVlan)
);
golden!(
    rsp_set_mac_address,
    (0x8E, 0x4D, 0x00, 4),
    empty(0x4D, 0x00, CommandType::SetMacAddress)
);
golden!(
    rsp_enable_broadcast_filter,
    (0x90, 0x4E, 0x00, 4),
    empty(0x4E, 0x00, CommandType::EnableBroadcastFilter)
);
golden!(
    rsp_disable_broadcast_filter,
    (0x91, 0x4F, 0x00, 4),
    empty(0x4F, 0x00, CommandType::DisableBroadcastFilter)
);
golden!(
    rsp_enable_global_multicast_filter,
    (0x92, 0x50, 0x00, 4),
    empty(0x50, 0x00, CommandType::EnableGlobalMulticastFilter)
);
golden!(
    rsp_disable_global_multicast_filter,
    (0x93, 0x51, 0x00, 4),
    empty(0x51, 0x00, CommandType::DisableGlobalMulticastFilter)
);
golden!(
    rsp_set_ncsi_flow_control,
    (0x94, 0x52, 0x00, 4),
    empty(0x52, 0x00, CommandType::SetNcsiFlowControl)
);
golden!(
    rsp_send_nc_pldm_reply,
    (0xD7, 0x53, 0x00, 4),
    empty(0x53, 0x00, CommandType::SendNcPldmReply)
);

// ---- Responses with data ----
golden!(
    rsp_get_link_status,
    (0x8A, 0x0B, 0x00, 16),
    ok(
        0x0B,
        0x00,
        ResponseData::LinkStatus(LinkStatusData {
            status: LinkStatus(0x0003_006F),
            other_indications: 1,
            oem_status: 0,
        })
    )
);
golden!(
    rsp_get_version_id,
    (0x95, 0x15, 0x00, 40),
    ok(
        0x15,
        0x00,
        ResponseData::VersionId(VersionId {
            ncsi_version: [0xF1, 0xF2, 0xF0, 0x00],
            alpha2: 0,
            firmware_name: *b"sidebridge\0\0",
            firmware_version: 0x0102_0304,
            pci_device_id: 0x1017,
            pci_vendor_id: 0x15B3,
            pci_subsystem_id: 0x0001,
            pci_subsystem_vendor_id: 0x15B3,
            manufacturer_id: 0x8119,
        })
    )
);
golden!(
    rsp_get_capabilities,
    (0x96, 0x16, 0x00, 32),
    ok(
        0x16,
        0x00,
        ResponseData::Capabilities(Capabilities {
            flags: CapabilityFlags(0x0D),
            broadcast_filter: BroadcastFilter(0x0F),
            multicast_filter: MulticastFilter(0x07),
            buffering: 0x4000,
            aen_control: AenControl(0x07),
            vlan_filter_count: 15,
            mixed_filter_count: 0,
            multicast_filter_count: 2,
            unicast_filter_count: 4,
            vlan_mode_support: 0x05,
            channel_count: 2,
        })
    )
);
golden!(
    rsp_get_parameters,
    (0x97, 0x17, 0x00, 46),
    ok(
        0x17,
        0x00,
        ResponseData::Parameters(Parameters {
            mac_flags: 0x01,
            vlan_flags: 0x0001,
            link_settings: LinkSettings(0x209),
            broadcast_filter: BroadcastFilter(0x07),
            configuration: ConfigurationFlags(0x07),
            vlan_mode: 1,
            flow_control: 0,
            aen_control: AenControl(0x07),
            macs: vec![[0x02, 0, 0, 0, 0, 0x01], [0x02, 0, 0, 0, 0, 0x02]],
            vlans: vec![100],
        })
    )
);
golden!(
    rsp_get_controller_packet_statistics,
    (0x98, 0x18, 0x00, 204),
    ok(
        0x18,
        0x00,
        ResponseData::ControllerPacketStatistics(Box::new(ControllerPacketStatistics {
            counters_cleared: 0,
            rx_bytes: 1 << 32,
            tx_bytes: 2,
            rx_unicast: 3,
            rx_multicast: 4,
            rx_broadcast: 5,
            tx_unicast: 6,
            tx_multicast: 7,
            tx_broadcast: 8,
            fcs_errors: 9,
            alignment_errors: 10,
            false_carrier: 11,
            runt_packets: 12,
            jabber_packets: 13,
            rx_pause_xon: 14,
            rx_pause_xoff: 15,
            tx_pause_xon: 16,
            tx_pause_xoff: 17,
            single_collision: 18,
            multiple_collision: 19,
            late_collision: 20,
            excessive_collision: 21,
            rx_control_frames: 22,
            rx_frames_by_size: [23, 24, 25, 26, 27, 28, 29],
            tx_frames_by_size: [30, 31, 32, 33, 34, 35, 36],
            rx_valid_bytes: 37,
            rx_error_runt: 38,
            rx_error_jabber: 39,
        }))
    )
);
golden!(
    rsp_get_ncsi_statistics,
    (0x99, 0x19, 0x00, 32),
    ok(
        0x19,
        0x00,
        ResponseData::NcsiStatistics(NcsiStatistics {
            commands_received: 10,
            control_packets_dropped: 1,
            command_type_errors: 2,
            command_checksum_errors: 3,
            receive_packets: 100,
            transmit_packets: 99,
            aens_sent: 5,
        })
    )
);
golden!(
    rsp_get_ncsi_passthrough_statistics,
    (0x9A, 0x1A, 0x00, 48),
    ok(
        0x1A,
        0x00,
        ResponseData::PassthroughStatistics(PassthroughStatistics {
            tx_packets: 1 << 33,
            tx_dropped: 1,
            tx_channel_state_errors: 2,
            tx_undersized: 3,
            tx_oversized: 4,
            rx_packets: 500,
            rx_dropped: 6,
            rx_channel_state_errors: 7,
            rx_undersized: 8,
            rx_oversized: 9,
        })
    )
);
golden!(
    rsp_get_package_status,
    (0x9B, 0x1B, 0x1F, 8),
    ok(0x1B, 0x1F, ResponseData::PackageStatus(PackageStatus(1)))
);
golden!(
    rsp_oem,
    (0xD0, 0x1C, 0x00, 13),
    ok(
        0x1C,
        0x00,
        ResponseData::Oem(OemResponse {
            manufacturer_id: 32473,
            data: vec![1, 2, 3, 4, 5]
        })
    )
);
golden!(
    rsp_pldm,
    (0xD1, 0x1D, 0x00, 8),
    ok(0x1D, 0x00, ResponseData::Pldm(vec![0x02, 0x00, 0x01, 0x00]))
);
golden!(
    rsp_get_package_uuid,
    (0xD2, 0x1E, 0x1F, 20),
    ok(
        0x1E,
        0x1F,
        ResponseData::PackageUuid([
            0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D,
            0x1E, 0x1F
        ])
    )
);
golden!(
    rsp_query_pending_nc_pldm_request,
    (0xD6, 0x1F, 0x00, 7),
    ok(
        0x1F,
        0x00,
        ResponseData::PendingPldmRequest(vec![0x81, 0x00, 0x02])
    )
);
golden!(
    rsp_get_mc_mac_address,
    (0xD8, 0x21, 0x00, 20),
    ok(
        0x21,
        0x00,
        ResponseData::McMacAddresses(vec![[0x02, 0, 0, 0, 0, 0x10], [0x02, 0, 0, 0, 0, 0x11]])
    )
);
golden!(
    rsp_unknown,
    (0xE0, 0x22, 0x00, 6),
    ok(
        0x22,
        0x00,
        ResponseData::Raw {
            command: CommandType::Unknown(0x60),
            bytes: vec![0xCA, 0xFE]
        }
    )
);
golden!(
    rsp_failed_init_required,
    (0x8A, 0x30, 0x00, 4),
    fail(0x30, 0x00, 0x0A, 0x0001, 0x0001, vec![])
);
golden!(
    rsp_unavailable,
    (0x95, 0x31, 0x00, 4),
    fail(0x31, 0x00, 0x15, 0x0002, 0x0004, vec![])
);
golden!(
    rsp_unsupported,
    (0xE0, 0x32, 0x00, 4),
    fail(0x32, 0x00, 0x60, 0x0003, 0x7FFF, vec![])
);
golden!(
    rsp_delayed,
    (0xD0, 0x33, 0x00, 4),
    fail(0x33, 0x00, 0x50, 0x0004, 0x0000, vec![])
);
golden!(
    rsp_failed_set_link_speed_conflict,
    (0x89, 0x34, 0x00, 4),
    fail(0x34, 0x00, 0x09, 0x0001, 0x0905, vec![])
);
golden!(
    rsp_failed_mac_zero,
    (0x8E, 0x35, 0x00, 4),
    fail(0x35, 0x00, 0x0E, 0x0001, 0x0E08, vec![])
);
golden!(
    rsp_vendor_code_oem_reason,
    (0xD0, 0x36, 0x00, 6),
    fail(0x36, 0x00, 0x50, 0x8001, 0x8002, vec![0xAA, 0xBB])
);
golden!(
    rsp_mellanox_get_mac,
    (0xD0, 0x23, 0x00, 22),
    ok(
        0x23,
        0x00,
        ResponseData::Oem(VendorGetMac::Mellanox.response([0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x01]))
    )
);
golden!(
    rsp_broadcom_get_mac,
    (0xD0, 0x24, 0x00, 42),
    ok(
        0x24,
        0x00,
        ResponseData::Oem(VendorGetMac::Broadcom.response([0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x02]))
    )
);
golden!(
    rsp_intel_get_mac,
    (0xD0, 0x25, 0x00, 15),
    ok(
        0x25,
        0x00,
        ResponseData::Oem(VendorGetMac::Intel.response([0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x03]))
    )
);

// ---- AENs ----
golden!(
    aen_link_status_change,
    (0xFF, 0x00, 0x00, 12),
    PacketRepr::aen(
        0,
        ChannelId(0x00),
        Aen::LinkStatusChange {
            status: LinkStatus(0x0003_006F),
            oem_status: 0
        }
    )
);
golden!(
    aen_configuration_required,
    (0xFF, 0x00, 0x01, 4),
    PacketRepr::aen(0, ChannelId(0x01), Aen::ConfigurationRequired)
);
golden!(
    aen_host_nc_driver_status_change,
    (0xFF, 0x00, 0x00, 8),
    PacketRepr::aen(
        0,
        ChannelId(0x00),
        Aen::HostNcDriverStatusChange { status: 1 }
    )
);
golden!(
    aen_delayed_response_ready,
    (0xFF, 0x00, 0x00, 8),
    PacketRepr::aen(
        0,
        ChannelId(0x00),
        Aen::DelayedResponseReady {
            command: 0x50,
            iid: 0x33
        }
    )
);
golden!(
    aen_oem,
    (0xFF, 0x00, 0x20, 10),
    PacketRepr::aen(
        0,
        ChannelId(0x20),
        Aen::Other {
            aen_type: 0x80,
            data: vec![0x00, 0x00, 0x7E, 0xD9, 9, 9]
        }
    )
);

/// Every line of golden.txt has a test above (the list below must match the file).
#[test]
fn every_golden_packet_has_a_quartet() {
    let source = include_str!("golden.rs");
    for line in include_str!("data/golden.txt").lines() {
        let name = line.split_whitespace().next().unwrap();
        assert!(
            source.contains(&format!("golden!(\n    {name},"))
                || source.contains(&format!("golden!({name},")),
            "golden packet {name} has no golden! test"
        );
    }
}

/// The decoded views of the golden values say what the spec says they mean.
#[test]
fn decoded_fields_of_golden_values() {
    let ls = LinkStatus(0x0003_006F);
    assert!(ls.link_up() && ls.autoneg_enabled() && ls.autoneg_complete());
    assert_eq!(ls.speed_duplex(), SpeedDuplex::Full1G);
    assert_eq!(ls.speed_duplex().mbps(), Some(1000));
    assert!(ls.tx_flow_control() && ls.rx_flow_control());
    assert_eq!(ls.partner_flow_control(), PartnerFlowControl::None);

    let bytes = golden("rsp_get_version_id");
    let PacketRepr {
        body: Body::Response(r),
        ..
    } = PacketRepr::parse(&bytes).unwrap()
    else {
        panic!("not a response")
    };
    let ResponseData::VersionId(v) = r.data else {
        panic!("not a version id")
    };
    assert_eq!(v.ncsi_version_string(), "1.2.0");
    assert_eq!(v.firmware_name(), "sidebridge");
    assert_eq!(v.firmware_version_dotted(), "1.2.3.4");

    for (name, mac, bmc) in [
        (
            "rsp_mellanox_get_mac",
            [0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x01],
            [0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x01],
        ),
        (
            "rsp_broadcom_get_mac",
            [0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x02],
            [0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x03],
        ),
        (
            "rsp_intel_get_mac",
            [0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x03],
            [0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x04],
        ),
    ] {
        let PacketRepr {
            body: Body::Response(r),
            ..
        } = PacketRepr::parse(&golden(name)).unwrap()
        else {
            panic!("{name}: not a response")
        };
        let ResponseData::Oem(oem) = r.data else {
            panic!("{name}: not OEM")
        };
        let got = VendorGetMac::parse_response(&oem).unwrap();
        assert_eq!(got.mac, mac, "{name}");
        assert_eq!(got.bmc_mac(), bmc, "{name}");
    }
    for (name, vendor) in [
        ("cmd_mellanox_get_mac", VendorGetMac::Mellanox),
        ("cmd_broadcom_get_mac", VendorGetMac::Broadcom),
        ("cmd_intel_get_mac", VendorGetMac::Intel),
    ] {
        let PacketRepr {
            body: Body::Command(Command::Oem(oem)),
            ..
        } = PacketRepr::parse(&golden(name)).unwrap()
        else {
            panic!("{name}: not an OEM command")
        };
        assert_eq!(oem.vendor_get_mac(), Some(vendor));
    }
}

// ---- The sidebridge OEM command set (protocol/OEM.md) inside NC-SI OEM ----

mod oem_golden {
    use sidebridge_protocol::oem::*;

    pub const SEQ: u32 = 0x1000;

    pub fn frames(command: CommandId, result: ResultCode, seq: u32, message: &[u8]) -> Vec<Frame> {
        split(command, result, seq, message, MAX_CHUNK).unwrap()
    }

    pub fn req(req: &Request, seq: u32) -> Vec<Frame> {
        frames(req.command(), ResultCode::Ok, seq, &req.to_message())
    }

    pub fn rsp(rsp: &Response, seq: u32) -> Frame {
        frames(rsp.command, rsp.result, seq, &rsp.to_message()).remove(0)
    }

    pub fn insert(
        image: &str,
        slot: MediaSlot,
        wp: bool,
        p: TransferProtocol,
        user: &str,
        pass: &str,
    ) -> Request {
        Request::VirtualMediaInsert(MediaInsert {
            slot,
            write_protected: wp,
            protocol: p,
            image: image.into(),
            username: user.into(),
            password: pass.into(),
        })
    }

    pub fn long_uri() -> String {
        format!("http://192.0.2.10/{}", "a".repeat(1082))
    }
}

use sidebridge_protocol::oem::{
    self as oemp, BootEnabled, BootMode, BootOverride, BootProgress as Progress, BootTarget,
    BridgeInfo, CommandId, Event, FirmwareComponent, MediaSlot, MediaState, MediaStatus,
    NetworkIdentity, OperationState, OperationStatus, PowerState, Request, ResetType, ResponseBody,
    ResultCode, TransferProtocol,
};

fn oem_cmd(iid: u8, frame: oemp::Frame) -> PacketRepr {
    cmd(
        iid,
        0,
        Command::Oem(frame.to_oem_command(oemp::DEFAULT_MANUFACTURER_ID)),
    )
}

fn oem_req(iid: u8, seq: u32, r: Request) -> PacketRepr {
    oem_cmd(iid, oem_golden::req(&r, seq).remove(0))
}

fn oem_rsp(
    iid: u8,
    seq: u32,
    command: CommandId,
    result: ResultCode,
    body: ResponseBody,
) -> PacketRepr {
    let frame = oem_golden::rsp(
        &oemp::Response {
            command,
            result,
            body,
        },
        seq,
    );
    ok(
        iid,
        0,
        ResponseData::Oem(frame.to_oem_response(oemp::DEFAULT_MANUFACTURER_ID)),
    )
}

fn oem_event(ev: Event) -> PacketRepr {
    PacketRepr::aen(0, ChannelId(0), ev.to_aen(oemp::DEFAULT_MANUFACTURER_ID))
}

const S: u32 = oem_golden::SEQ;

golden!(
    oem_req_get_bridge_info,
    (0x50, 0x60, 0x00, 28),
    oem_req(
        0x60,
        S,
        Request::GetBridgeInfo {
            min_version: 1,
            max_version: 1
        }
    )
);
golden!(
    oem_req_get_boot_override,
    (0x50, 0x61, 0x00, 24),
    oem_req(0x61, S + 1, Request::GetBootOverride)
);
golden!(
    oem_req_set_boot_override,
    (0x50, 0x62, 0x00, 30),
    oem_req(
        0x62,
        S + 2,
        Request::SetBootOverride(BootOverride {
            target: BootTarget::Cd,
            enabled: BootEnabled::Once,
            mode: BootMode::Uefi,
            uri: String::new(),
        })
    )
);
golden!(
    oem_req_set_boot_override_http,
    (0x50, 0x63, 0x00, 64),
    oem_req(
        0x63,
        S + 3,
        Request::SetBootOverride(BootOverride {
            target: BootTarget::UefiHttp,
            enabled: BootEnabled::Once,
            mode: BootMode::Uefi,
            uri: "http://192.0.2.10/boot/grubx64.efi".into(),
        })
    )
);
golden!(
    oem_req_get_power_state,
    (0x50, 0x64, 0x00, 24),
    oem_req(0x64, S + 4, Request::GetPowerState)
);
golden!(oem_req_reset, (0x50, 0x65, 0x00, 28), {
    let mut f = oem_golden::req(&Request::Reset(ResetType::ForceRestart), S + 5).remove(0);
    f.flags = oemp::flags::RETRY;
    oem_cmd(0x65, f)
});
golden!(
    oem_req_virtual_media_insert,
    (0x50, 0x66, 0x00, 70),
    oem_req(
        0x66,
        S + 6,
        oem_golden::insert(
            "http://192.0.2.10/images/install.iso",
            MediaSlot::Cd,
            true,
            TransferProtocol::Http,
            "",
            ""
        )
    )
);
golden!(
    oem_req_virtual_media_insert_auth,
    (0x50, 0x67, 0x00, 71),
    oem_req(
        0x67,
        S + 7,
        oem_golden::insert(
            "https://192.0.2.10/usb.img",
            MediaSlot::Usb,
            false,
            TransferProtocol::Https,
            "admin",
            "secret"
        )
    )
);
golden!(
    oem_req_virtual_media_insert_chunk0,
    (0x50, 0x68, 0x00, 24 + 1024),
    oem_cmd(
        0x68,
        oem_golden::req(
            &oem_golden::insert(
                &oem_golden::long_uri(),
                MediaSlot::Cd,
                true,
                TransferProtocol::FromUri,
                "",
                ""
            ),
            S + 8
        )
        .remove(0)
    )
);
golden!(
    oem_req_virtual_media_insert_chunk1,
    (0x50, 0x68, 0x00, 24 + 1110 - 1024),
    oem_cmd(
        0x68,
        oem_golden::req(
            &oem_golden::insert(
                &oem_golden::long_uri(),
                MediaSlot::Cd,
                true,
                TransferProtocol::FromUri,
                "",
                ""
            ),
            S + 8
        )
        .remove(1)
    )
);
golden!(
    oem_req_virtual_media_eject,
    (0x50, 0x69, 0x00, 28),
    oem_req(0x69, S + 9, Request::VirtualMediaEject(MediaSlot::Cd))
);
golden!(
    oem_req_virtual_media_status,
    (0x50, 0x6A, 0x00, 28),
    oem_req(0x6A, S + 10, Request::VirtualMediaStatus(MediaSlot::Usb))
);
golden!(
    oem_req_get_firmware_inventory,
    (0x50, 0x6B, 0x00, 24),
    oem_req(0x6B, S + 11, Request::GetFirmwareInventory)
);
golden!(
    oem_req_get_network_identity,
    (0x50, 0x6C, 0x00, 24),
    oem_req(0x6C, S + 12, Request::GetNetworkIdentity)
);
golden!(
    oem_req_get_boot_progress,
    (0x50, 0x6D, 0x00, 24),
    oem_req(0x6D, S + 13, Request::GetBootProgress)
);
golden!(
    oem_req_get_operation_status,
    (0x50, 0x6E, 0x00, 28),
    oem_req(
        0x6E,
        S + 14,
        Request::GetOperationStatus { sequence: S + 5 }
    )
);
golden!(
    oem_req_read_result,
    (0x50, 0x6F, 0x00, 28),
    oem_req(0x6F, S + 11, Request::ReadResult { offset: 1024 })
);

golden!(
    oem_rsp_get_bridge_info,
    (0xD0, 0x60, 0x00, 4 + 24 + 24 + 14 + 10 + 8 + 7 + 7),
    oem_rsp(
        0x60,
        S,
        CommandId::GetBridgeInfo,
        ResultCode::Ok,
        ResponseBody::BridgeInfo(BridgeInfo {
            min_version: 1,
            max_version: 1,
            max_chunk: 1024,
            capabilities: 0x1FF,
            uuid: [
                0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD,
                0xAE, 0xAF
            ],
            manufacturer: "Example Corp".into(),
            model: "DPU-1000".into(),
            serial: "SN0001".into(),
            part_number: "PN-42".into(),
            firmware_version: "1.2.3".into(),
        })
    )
);
golden!(
    oem_rsp_get_boot_override,
    (0xD0, 0x61, 0x00, 4 + 24 + 6),
    oem_rsp(
        0x61,
        S + 1,
        CommandId::GetBootOverride,
        ResultCode::Ok,
        ResponseBody::BootOverride(BootOverride {
            target: BootTarget::Cd,
            enabled: BootEnabled::Once,
            mode: BootMode::Uefi,
            uri: String::new(),
        })
    )
);
golden!(
    oem_rsp_set_boot_override,
    (0xD0, 0x62, 0x00, 28),
    oem_rsp(
        0x62,
        S + 2,
        CommandId::SetBootOverride,
        ResultCode::Ok,
        ResponseBody::Empty
    )
);
golden!(
    oem_rsp_get_power_state,
    (0xD0, 0x64, 0x00, 32),
    oem_rsp(
        0x64,
        S + 4,
        CommandId::GetPowerState,
        ResultCode::Ok,
        ResponseBody::PowerState(PowerState::On)
    )
);
golden!(
    oem_rsp_reset_accepted,
    (0xD0, 0x65, 0x00, 28),
    oem_rsp(
        0x65,
        S + 5,
        CommandId::Reset,
        ResultCode::Accepted,
        ResponseBody::Empty
    )
);
golden!(
    oem_rsp_virtual_media_insert_accepted,
    (0xD0, 0x66, 0x00, 28),
    oem_rsp(
        0x66,
        S + 6,
        CommandId::VirtualMediaInsert,
        ResultCode::Accepted,
        ResponseBody::Empty
    )
);
golden!(
    oem_rsp_chunk_accepted,
    (0xD0, 0x68, 0x00, 28),
    oem_rsp(
        0x68,
        S + 8,
        CommandId::VirtualMediaInsert,
        ResultCode::ChunkAccepted,
        ResponseBody::Empty
    )
);
golden!(
    oem_rsp_virtual_media_status,
    (0xD0, 0x6A, 0x00, 28 + 4 + 2 + 36),
    oem_rsp(
        0x6A,
        S + 10,
        CommandId::VirtualMediaStatus,
        ResultCode::Ok,
        ResponseBody::MediaStatus(MediaStatus {
            slot: MediaSlot::Cd,
            state: MediaState::Inserted,
            write_protected: true,
            protocol: TransferProtocol::Http,
            image: "http://192.0.2.10/images/install.iso".into(),
        })
    )
);
golden!(
    oem_rsp_get_firmware_inventory,
    (0xD0, 0x6B, 0x00, 28 + 4 + 4 + 5 + 7 + 4 + 5 + 6),
    oem_rsp(
        0x6B,
        S + 11,
        CommandId::GetFirmwareInventory,
        ResultCode::Ok,
        ResponseBody::FirmwareInventory(vec![
            FirmwareComponent {
                name: "BMC".into(),
                version: "1.2.3".into(),
                updateable: true
            },
            FirmwareComponent {
                name: "NIC".into(),
                version: "24.1".into(),
                updateable: false
            },
        ])
    )
);
golden!(
    oem_rsp_get_network_identity,
    (0xD0, 0x6C, 0x00, 28 + 10 + 7 + 6 + 18),
    oem_rsp(
        0x6C,
        S + 12,
        CommandId::GetNetworkIdentity,
        ResultCode::Ok,
        ResponseBody::NetworkIdentity(NetworkIdentity {
            host_name: "dpu0-bmc".into(),
            macs: vec![[0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0x10]],
            ipv4: vec![([192, 0, 2, 20], 24)],
            ipv6: vec![(
                [0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10],
                64
            )],
        })
    )
);
golden!(
    oem_rsp_get_boot_progress,
    (0xD0, 0x6D, 0x00, 32),
    oem_rsp(
        0x6D,
        S + 13,
        CommandId::GetBootProgress,
        ResultCode::Ok,
        ResponseBody::BootProgress(Progress::OsRunning)
    )
);
golden!(
    oem_rsp_get_operation_status,
    (0xD0, 0x6E, 0x00, 36),
    oem_rsp(
        0x6E,
        S + 14,
        CommandId::GetOperationStatus,
        ResultCode::Ok,
        ResponseBody::OperationStatus(OperationStatus {
            sequence: S + 5,
            command: CommandId::Reset,
            state: OperationState::Completed,
            result: ResultCode::Ok,
            progress: 100,
        })
    )
);
golden!(
    oem_rsp_unsupported_scheme,
    (0xD0, 0x66, 0x00, 28 + 2 + 27),
    oem_rsp(
        0x66,
        S + 6,
        CommandId::VirtualMediaInsert,
        ResultCode::UnsupportedScheme,
        ResponseBody::Error("scheme ftp is not supported".into())
    )
);

// OEM set 1.1 (OEM.md §4.14-4.17).
golden!(
    oem_req_get_allowable_values,
    (0x50, 0x70, 0x00, 24),
    oem_req(0x70, S + 0x10, Request::GetAllowableValues)
);
golden!(
    oem_rsp_get_allowable_values,
    (0xD0, 0x70, 0x00, 48),
    oem_rsp(
        0x70,
        S + 0x10,
        CommandId::GetAllowableValues,
        ResultCode::Ok,
        ResponseBody::AllowableValues(oemp::AllowableValues {
            boot_targets: 0x1FF,
            boot_enabled: 0x07,
            boot_modes: 0x03,
            media: [
                oemp::media_type::CD | oemp::media_type::DVD,
                oemp::media_type::USB_STICK
            ],
            reset_types: 0xFE,
            manager_reset_types: 1 << 4 | 1 << 5,
            watchdog_actions: 0x0F,
        })
    )
);
golden!(
    oem_req_get_system_settings,
    (0x50, 0x71, 0x00, 24),
    oem_req(0x71, S + 0x11, Request::GetSystemSettings)
);
golden!(
    oem_rsp_get_system_settings,
    (0xD0, 0x71, 0x00, 28 + 4 + 16 + 2 + 9),
    oem_rsp(
        0x71,
        S + 0x11,
        CommandId::GetSystemSettings,
        ResultCode::Ok,
        ResponseBody::SystemSettings(oemp::SystemSettings {
            asset_tag: "asset tag".into(),
            indicator: oemp::IndicatorLed::Lit,
            watchdog: oemp::HostWatchdog {
                enabled: true,
                action: oemp::WatchdogAction::ResetSystem,
            },
            uuid: [
                0x5b, 0x1d, 0x0c, 0x3a, 0x7f, 0x00, 0x4d, 0x2e, 0x9c, 0x41, 0, 0, 0, 0, 0, 0xb2
            ],
        })
    )
);
golden!(
    oem_req_set_system_settings,
    (0x50, 0x72, 0x00, 24 + 4 + 2 + 9),
    oem_req(
        0x72,
        S + 0x12,
        Request::SetSystemSettings(oemp::SystemSettingsUpdate {
            asset_tag: Some("asset tag".into()),
            indicator: Some(oemp::IndicatorLed::Lit),
            watchdog_enabled: Some(true),
            watchdog_action: None,
        })
    )
);
golden!(
    oem_rsp_set_system_settings,
    (0xD0, 0x72, 0x00, 28),
    oem_rsp(
        0x72,
        S + 0x12,
        CommandId::SetSystemSettings,
        ResultCode::Ok,
        ResponseBody::Empty
    )
);
golden!(
    oem_req_reset_manager,
    (0x50, 0x73, 0x00, 28),
    oem_req(
        0x73,
        S + 0x13,
        Request::ResetManager(ResetType::GracefulRestart)
    )
);
golden!(
    oem_rsp_value_not_supported_mode,
    (0xD0, 0x62, 0x00, 28 + 2 + 31),
    oem_rsp(
        0x62,
        S + 2,
        CommandId::SetBootOverride,
        ResultCode::ValueNotSupported,
        ResponseBody::Error("mode: this card boots UEFI only".into())
    )
);

fn seed_patch() -> oemp::TunnelRequest {
    oemp::TunnelRequest {
        method: oemp::Method::Patch,
        role: oemp::TunnelRole::Operator,
        path: "/redfish/v1/Systems/system".into(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("If-Match".into(), "\"a1\"".into()),
        ],
        body: concat!(
            r#"{"Boot": {"BootSourceOverrideMode": "Legacy", "BootSourceOverrideTarget": "Hdd", "#,
            r#""BootSourceOverrideEnabled": "Once", "UefiTargetBootSourceOverride": null}, "#,
            r#""HostWatchdogTimer": {"FunctionEnabled": true}, "AssetTag": "asset tag", "#,
            r#""IndicatorLED": "Lit"}"#
        )
        .into(),
    }
}
golden!(
    oem_req_redfish_patch,
    (0x50, 0x74, 0x00, 24 + 4 + 28 + 32 + 16 + 4 + 252),
    oem_req(0x74, S + 0x14, Request::Redfish(seed_patch()))
);
golden!(
    oem_rsp_redfish_no_content,
    (0xD0, 0x74, 0x00, 28 + 4 + 12 + 4),
    oem_rsp(
        0x74,
        S + 0x14,
        CommandId::RedfishRequest,
        ResultCode::Ok,
        ResponseBody::Redfish(oemp::TunnelResponse {
            status: 204,
            headers: vec![("ETag".into(), "\"b2\"".into())],
            body: Vec::new(),
        })
    )
);

/// The tunnel's frames are version 2 (OEM.md §4.18): byte 0 of the OEM frame, after
/// the NC-SI header and the manufacturer id.
#[test]
fn tunnel_frames_are_version_2() {
    assert_eq!(golden("oem_req_redfish_patch")[16 + 4], 2);
    assert_eq!(golden("oem_rsp_redfish_no_content")[16 + 8], 2);
    assert_eq!(golden("oem_req_get_power_state")[16 + 4], 1);
}

golden!(
    oem_req_get_host_inventory,
    (0x50, 0x75, 0x00, 24),
    oem_req(0x75, S + 21, Request::GetHostInventory)
);
golden!(
    oem_rsp_get_host_inventory,
    (0xD0, 0x75, 0x00, 28 + 100),
    oem_rsp(
        0x75,
        S + 21,
        CommandId::GetHostInventory,
        ResultCode::Ok,
        ResponseBody::HostInventory(oemp::HostInventory {
            memory_mib: 32768,
            processors: vec![oemp::Processor {
                instruction_set: oemp::InstructionSet::ArmA64,
                cores: 16,
                threads: 16,
                max_speed_mhz: 2500,
                manufacturer: "Arm Limited".into(),
                model: "Cortex-A78AE".into(),
            }],
            interfaces: vec![
                oemp::HostInterface {
                    mac: [0x02, 0x5B, 0, 0, 0, 0x20],
                    enabled: true,
                    link_up: true,
                    speed_mbps: 100_000,
                    port: Some(0),
                },
                oemp::HostInterface {
                    mac: [0x02, 0x5B, 0, 0, 0, 0x21],
                    enabled: true,
                    link_up: false,
                    speed_mbps: 0,
                    port: None,
                },
            ],
            drives: vec![oemp::Drive {
                capacity_bytes: 128_035_676_160,
                media: oemp::DriveMedia::Ssd,
                protocol: oemp::DriveProtocol::Emmc,
                model: "EMMC128G".into(),
                serial: "E00A1".into(),
            }],
        })
    )
);
golden!(
    oem_req_get_manager_network,
    (0x50, 0x76, 0x00, 24),
    oem_req(0x76, S + 22, Request::GetManagerNetwork)
);
golden!(
    oem_rsp_get_manager_network,
    (0xD0, 0x76, 0x00, 28 + 113),
    oem_rsp(
        0x76,
        S + 22,
        CommandId::GetManagerNetwork,
        ResultCode::Ok,
        ResponseBody::ManagerNetwork(oemp::ManagerNetwork {
            uuid: [
                0x5b, 0x1d, 0x0c, 0x3a, 0x7f, 0x00, 0x4d, 0x2e, 0x9c, 0x41, 0, 0, 0, 0, 0, 0xf0,
            ],
            enabled: true,
            link_up: true,
            dhcpv4: false,
            dhcpv6: false,
            speed_mbps: 1000,
            mac: [0x02, 0x5b, 0, 0, 0, 0x80],
            host_name: "dpu0-bmc".into(),
            domain_name: "mgmt.example.net".into(),
            ipv4: vec![oemp::Ipv4Address {
                address: [192, 0, 2, 20],
                prefix: 24,
                origin: oemp::Ipv4Origin::Static,
                gateway: [192, 0, 2, 1],
            }],
            ipv6: vec![oemp::Ipv6Address {
                address: [
                    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x5b, 0xff, 0xfe, 0, 0, 0, 0x80,
                ],
                prefix: 64,
                origin: oemp::Ipv6Origin::LinkLocal,
                state: oemp::Ipv6State::Preferred,
            }],
            name_servers: vec!["192.0.2.53".into()],
            services: vec![
                oemp::ServiceState {
                    service: oemp::NetworkService::Https,
                    enabled: true,
                    port: 443,
                },
                oemp::ServiceState {
                    service: oemp::NetworkService::Ipmi,
                    enabled: false,
                    port: 623,
                },
            ],
        })
    )
);
golden!(
    oem_req_set_manager_network,
    (0x50, 0x77, 0x00, 24 + 39),
    oem_req(
        0x77,
        S + 23,
        Request::SetManagerNetwork(oemp::ManagerNetworkUpdate {
            host_name: Some("dpu0-new".into()),
            domain_name: None,
            name_servers: Some(vec!["192.0.2.54".into()]),
            dhcpv4: None,
            static_ipv4: Some(vec![oemp::StaticIpv4 {
                address: [192, 0, 2, 30],
                prefix: 24,
                gateway: [192, 0, 2, 254],
            }]),
        })
    )
);
golden!(
    oem_rsp_set_manager_network,
    (0xD0, 0x77, 0x00, 28),
    oem_rsp(
        0x77,
        S + 23,
        CommandId::SetManagerNetwork,
        ResultCode::Ok,
        ResponseBody::Empty
    )
);
golden!(
    oem_req_get_sensors,
    (0x50, 0x78, 0x00, 24),
    oem_req(0x78, S + 24, Request::GetSensors)
);
golden!(
    oem_rsp_get_sensors,
    (0xD0, 0x78, 0x00, 28 + 8 + 2 * 24 + 10 + 12),
    oem_rsp(
        0x78,
        S + 24,
        CommandId::GetSensors,
        ResultCode::Ok,
        ResponseBody::Sensors(oemp::Sensors {
            capacity_watts: 75,
            sensors: vec![
                oemp::Sensor {
                    name: "nic_temp".into(),
                    reading_type: oemp::ReadingType::Temperature,
                    context: oemp::PhysicalContext::NetworkingDevice,
                    reading: Some(61_500),
                    upper_caution: Some(85_000),
                    upper_critical: Some(95_000),
                    lower_caution: None,
                    lower_critical: None,
                },
                oemp::Sensor {
                    name: "card_power".into(),
                    reading_type: oemp::ReadingType::Power,
                    context: oemp::PhysicalContext::SystemBoard,
                    reading: Some(48_250),
                    upper_caution: None,
                    upper_critical: None,
                    lower_caution: None,
                    lower_critical: None,
                },
            ],
        })
    )
);

fn golden_adapter_settings(pending: bool) -> oemp::AdapterSettings {
    oemp::AdapterSettings {
        npar: false,
        ports: vec![oemp::PortSettings {
            autoneg: !pending,
            speed_mbps: if pending { 25_000 } else { 0 },
        }],
        functions: vec![oemp::FunctionSettings {
            enabled: true,
            boot_mode: if pending {
                oemp::FunctionBootMode::Http
            } else {
                oemp::FunctionBootMode::Pxe
            },
        }],
    }
}

golden!(
    oem_req_get_network_adapter,
    (0x50, 0x79, 0x00, 24),
    oem_req(0x79, S + 25, Request::GetNetworkAdapter)
);
golden!(
    oem_rsp_get_network_adapter,
    (0xD0, 0x79, 0x00, 28 + 20 + 17 + 1 + 32 + 1 + 16 + 2 * 16),
    oem_rsp(
        0x79,
        S + 25,
        CommandId::GetNetworkAdapter,
        ResultCode::Ok,
        ResponseBody::NetworkAdapter(oemp::NetworkAdapter {
            npar_capable: false,
            sriov_capable: true,
            sriov_vepa_capable: false,
            pcie: oemp::PcieLink {
                generation: 4,
                max_generation: 4,
                lanes: 16,
                max_lanes: 16,
            },
            revision_id: 1,
            class_code: 0x02_0000,
            max_vfs: 254,
            max_vfs_per_port: 127,
            vf_group: 1,
            sku: "DPU-1000-100G-A".into(),
            ports: vec![oemp::AdapterPort {
                channel: 0,
                autoneg_capable: true,
                transceiver: Some(oemp::Transceiver {
                    kind: oemp::TransceiverType::Qsfp28,
                    medium: oemp::Medium::FiberOptic,
                    diagnostics: Some(oemp::Diagnostics {
                        rx_power_uw: 891,
                        tx_power_uw: 1122,
                        tx_bias_ua: 7500,
                        supply_mv: 3300,
                    }),
                }),
                speeds_mbps: vec![25_000, 100_000],
            }],
            functions: vec![oemp::AdapterFunction {
                port: Some(0),
                pcie_function: 0,
                technologies: 0x01,
                boot_modes: 0x11,
                vfs_enabled: true,
                max_vfs: 127,
                mac: [0x02, 0x5b, 0, 0, 0, 0x20],
            }],
            current: golden_adapter_settings(false),
            pending: Some(golden_adapter_settings(true)),
        })
    )
);
golden!(
    oem_req_set_adapter_settings,
    (0x50, 0x7A, 0x00, 24 + 4 + 16),
    oem_req(
        0x7A,
        S + 26,
        Request::SetAdapterSettings(Some(golden_adapter_settings(true)))
    )
);
golden!(
    oem_req_set_adapter_settings_defaults,
    (0x50, 0x7B, 0x00, 24 + 4),
    oem_req(0x7B, S + 27, Request::SetAdapterSettings(None))
);
golden!(
    oem_rsp_set_adapter_settings,
    (0xD0, 0x7A, 0x00, 28),
    oem_rsp(
        0x7A,
        S + 26,
        CommandId::SetAdapterSettings,
        ResultCode::Ok,
        ResponseBody::Empty
    )
);

fn golden_bios() -> oemp::Bios {
    oemp::Bios {
        registry: "BiosAttributeRegistry.1.0.0".into(),
        attributes: vec![
            oemp::BiosAttribute {
                name: "BootMode".into(),
                kind: oemp::BiosKind::Enumeration(vec!["Uefi".into(), "Legacy".into()]),
                read_only: false,
                value: oemp::BiosValue::Enumeration("Uefi".into()),
            },
            oemp::BiosAttribute {
                name: "NumCores".into(),
                kind: oemp::BiosKind::Integer(1, 16),
                read_only: false,
                value: oemp::BiosValue::Integer(8),
            },
            oemp::BiosAttribute {
                name: "SecureBootCapable".into(),
                kind: oemp::BiosKind::Boolean,
                read_only: true,
                value: oemp::BiosValue::Boolean(true),
            },
            oemp::BiosAttribute {
                name: "AssetId".into(),
                kind: oemp::BiosKind::String(32),
                read_only: false,
                value: oemp::BiosValue::String(String::new()),
            },
        ],
        pending: vec![(0, oemp::BiosValue::Enumeration("Legacy".into()))],
    }
}

golden!(
    oem_req_get_bios,
    (0x50, 0x7C, 0x00, 24),
    oem_req(0x7C, S + 28, Request::GetBios)
);
golden!(
    oem_rsp_get_bios,
    (0xD0, 0x7C, 0x00, 185),
    oem_rsp(
        0x7C,
        S + 28,
        CommandId::GetBios,
        ResultCode::Ok,
        ResponseBody::Bios(golden_bios())
    )
);
golden!(
    oem_req_set_bios_settings,
    (0x50, 0x7D, 0x00, 64),
    oem_req(
        0x7D,
        S + 29,
        Request::SetBiosSettings(Some(vec![
            oemp::BiosChange {
                name: "NumCores".into(),
                value: oemp::BiosValue::Integer(4),
            },
            oemp::BiosChange {
                name: "AssetId".into(),
                value: oemp::BiosValue::String("rack4".into()),
            },
        ]))
    )
);
golden!(
    oem_req_set_bios_settings_defaults,
    (0x50, 0x7E, 0x00, 28),
    oem_req(0x7E, S + 30, Request::SetBiosSettings(None))
);
golden!(
    oem_rsp_set_bios_settings,
    (0xD0, 0x7D, 0x00, 28),
    oem_rsp(
        0x7D,
        S + 29,
        CommandId::SetBiosSettings,
        ResultCode::Ok,
        ResponseBody::Empty
    )
);
golden!(
    oem_event_power_state_changed,
    (0xFF, 0x00, 0x00, 16),
    oem_event(Event::PowerStateChanged(PowerState::PoweringOn))
);
golden!(
    oem_event_boot_progress_changed,
    (0xFF, 0x00, 0x00, 16),
    oem_event(Event::BootProgressChanged(Progress::OsBootStarted))
);
golden!(
    oem_event_media_state_changed,
    (0xFF, 0x00, 0x00, 16),
    oem_event(Event::MediaStateChanged {
        slot: MediaSlot::Cd,
        state: MediaState::Inserted
    })
);
golden!(
    oem_event_operation_completed,
    (0xFF, 0x00, 0x00, 20),
    oem_event(Event::OperationCompleted {
        sequence: S + 5,
        command: CommandId::Reset,
        result: ResultCode::Ok
    })
);

/// Every OEM golden packet decodes to typed OEM values that re-emit to the same frame.
#[test]
fn oem_golden_frames_decode_to_typed_values() {
    let mut n = 0;
    for line in include_str!("data/golden.txt")
        .lines()
        .filter(|l| l.starts_with("oem_"))
    {
        let name = line.split_whitespace().next().unwrap();
        let repr = PacketRepr::parse(&golden(name)).unwrap();
        match repr.body {
            Body::Command(Command::Oem(c)) => {
                let f = oemp::Frame::parse(&c.data).unwrap();
                if f.is_whole() {
                    let req = Request::parse(f.command, &f.chunk).unwrap();
                    assert_eq!(req.to_message(), f.chunk, "{name}");
                }
            }
            Body::Response(Response {
                data: ResponseData::Oem(r),
                ..
            }) => {
                let f = oemp::Frame::parse(&r.data).unwrap();
                assert!(f.is_whole(), "{name}");
                let rsp = oemp::Response::parse(f.command, f.result, &f.chunk).unwrap();
                assert_eq!(rsp.to_message(), f.chunk, "{name}");
            }
            Body::Aen(a) => {
                let (version, ev) = Event::from_aen(&a, oemp::DEFAULT_MANUFACTURER_ID)
                    .unwrap()
                    .unwrap();
                assert_eq!(version, 1);
                assert_eq!(ev.to_aen(oemp::DEFAULT_MANUFACTURER_ID), a, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        n += 1;
    }
    assert_eq!(n, 62);
}

/// The two chunks of the long insert reassemble to the typed request.
#[test]
fn oem_golden_chunks_reassemble() {
    let frame = |name| {
        let Body::Command(Command::Oem(c)) = PacketRepr::parse(&golden(name)).unwrap().body else {
            panic!()
        };
        oemp::Frame::parse(&c.data).unwrap()
    };
    let (mut r, none) =
        oemp::Reassembly::start(&frame("oem_req_virtual_media_insert_chunk0")).unwrap();
    assert_eq!(none, None);
    let msg = r
        .push(&frame("oem_req_virtual_media_insert_chunk1"))
        .unwrap()
        .unwrap();
    let req = Request::parse(CommandId::VirtualMediaInsert, &msg).unwrap();
    assert_eq!(
        req,
        oem_golden::insert(
            &oem_golden::long_uri(),
            MediaSlot::Cd,
            true,
            TransferProtocol::FromUri,
            "",
            ""
        )
    );
}
