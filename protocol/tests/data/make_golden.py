#!/usr/bin/env python3
"""Writes golden.txt: one NC-SI control packet per line, "name hex".

An encoder independent of the Rust crate: each packet is laid out here with
struct.pack straight from the DSP0222 1.2 tables (and the Linux kernel's vendor
OEM layouts), and the checksum computed here. The Rust golden tests parse and emit
these bytes, so the two implementations must agree byte for byte.

Run: python3 protocol/tests/data/make_golden.py > protocol/tests/data/golden.txt
"""
import struct

def checksum(data: bytes) -> int:
    s = 0
    if len(data) % 2:
        data += b"\0"
    for i in range(0, len(data), 2):
        s = (s + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return (-s) & 0xFFFFFFFF

def pkt(iid, ptype, chan, payload=b"", mc_id=0):
    hdr = struct.pack(">BBBBBBH8x", mc_id, 1, 0, iid, ptype, chan, len(payload))
    pad = b"\0" * ((4 - len(payload) % 4) % 4)
    return hdr + payload + pad + struct.pack(">I", checksum(hdr + payload))

def rsp(iid, cmd, chan, data=b"", code=0, reason=0):
    return pkt(iid, cmd | 0x80, chan, struct.pack(">HH", code, reason) + data)

out = []
def add(name, b):
    out.append(f"{name} {b.hex()}")

# Commands (DSP0222 1.2 §8.4).
add("cmd_clear_initial_state", pkt(0x01, 0x00, 0x00))
add("cmd_select_package", pkt(0x02, 0x01, 0x1F, struct.pack(">3xB", 1)))
add("cmd_deselect_package", pkt(0x03, 0x02, 0x1F))
add("cmd_enable_channel", pkt(0x04, 0x03, 0x00))
add("cmd_disable_channel", pkt(0x05, 0x04, 0x01, struct.pack(">3xB", 1)))
add("cmd_reset_channel", pkt(0x06, 0x05, 0x00, struct.pack(">I", 0)))
add("cmd_enable_channel_network_tx", pkt(0x07, 0x06, 0x00))
add("cmd_disable_channel_network_tx", pkt(0x08, 0x07, 0x00))
add("cmd_aen_enable", pkt(0x09, 0x08, 0x00, struct.pack(">3xBI", 0x00, 0x00010007)))
add("cmd_set_link", pkt(0x0A, 0x09, 0x00, struct.pack(">II", 0x209, 0)))
add("cmd_get_link_status", pkt(0x0B, 0x0A, 0x00))
add("cmd_set_vlan_filter", pkt(0x0C, 0x0B, 0x00, struct.pack(">2xH2xBB", 0x2064, 1, 1)))
add("cmd_enable_vlan", pkt(0x0D, 0x0C, 0x00, struct.pack(">3xB", 1)))
add("cmd_disable_vlan", pkt(0x0E, 0x0D, 0x00))
add("cmd_set_mac_address", pkt(0x0F, 0x0E, 0x00, bytes.fromhex("020000000001") + bytes([1, 0x01])))
add("cmd_enable_broadcast_filter", pkt(0x10, 0x10, 0x00, struct.pack(">I", 0x7)))
add("cmd_disable_broadcast_filter", pkt(0x11, 0x11, 0x00))
add("cmd_enable_global_multicast_filter", pkt(0x12, 0x12, 0x00, struct.pack(">I", 0x3)))
add("cmd_disable_global_multicast_filter", pkt(0x13, 0x13, 0x00))
add("cmd_set_ncsi_flow_control", pkt(0x14, 0x14, 0x00, struct.pack(">3xB", 1)))
add("cmd_get_version_id", pkt(0x15, 0x15, 0x00))
add("cmd_get_capabilities", pkt(0x16, 0x16, 0x00))
add("cmd_get_parameters", pkt(0x17, 0x17, 0x00))
add("cmd_get_controller_packet_statistics", pkt(0x18, 0x18, 0x00))
add("cmd_get_ncsi_statistics", pkt(0x19, 0x19, 0x00))
add("cmd_get_ncsi_passthrough_statistics", pkt(0x1A, 0x1A, 0x00))
add("cmd_get_package_status", pkt(0x1B, 0x1B, 0x1F))
add("cmd_oem", pkt(0x1C, 0x50, 0x00, struct.pack(">I", 32473) + bytes([1, 2, 3, 4])))
add("cmd_pldm", pkt(0x1D, 0x51, 0x00, bytes([1, 2, 3, 4, 5, 6])))
add("cmd_get_package_uuid", pkt(0x1E, 0x52, 0x1F))
add("cmd_query_pending_nc_pldm_request", pkt(0x1F, 0x56, 0x00))
add("cmd_send_nc_pldm_reply", pkt(0x20, 0x57, 0x00, bytes([0x80, 0x00, 0x01])))
add("cmd_get_mc_mac_address", pkt(0x21, 0x58, 0x00))
add("cmd_unknown", pkt(0x22, 0x60, 0x00, bytes([0xBE, 0xEF])))
# Vendor get-MAC requests as net/ncsi/ncsi-manage.c builds them.
add("cmd_mellanox_get_mac", pkt(0x23, 0x50, 0x00, struct.pack(">I", 0x8119) + bytes([0, 0, 0x1B, 0])))
add("cmd_broadcom_get_mac", pkt(0x24, 0x50, 0x00, struct.pack(">I", 0x113D) + bytes([0, 1, 0, 0, 0, 0, 0, 0])))
add("cmd_intel_get_mac", pkt(0x25, 0x50, 0x00, struct.pack(">I", 0x0157) + bytes([6])))

# Responses with no data (payload = response code + reason code).
EMPTY = [
    ("clear_initial_state", 0x00), ("select_package", 0x01), ("deselect_package", 0x02),
    ("enable_channel", 0x03), ("disable_channel", 0x04), ("reset_channel", 0x05),
    ("enable_channel_network_tx", 0x06), ("disable_channel_network_tx", 0x07),
    ("aen_enable", 0x08), ("set_link", 0x09), ("set_vlan_filter", 0x0B),
    ("enable_vlan", 0x0C), ("disable_vlan", 0x0D), ("set_mac_address", 0x0E),
    ("enable_broadcast_filter", 0x10), ("disable_broadcast_filter", 0x11),
    ("enable_global_multicast_filter", 0x12), ("disable_global_multicast_filter", 0x13),
    ("set_ncsi_flow_control", 0x14), ("send_nc_pldm_reply", 0x57),
]
for i, (name, code) in enumerate(EMPTY):
    chan = 0x1F if code in (0x01, 0x02) else 0x00
    add(f"rsp_{name}", rsp(0x40 + i, code, chan))

add("rsp_get_link_status", rsp(0x0B, 0x0A, 0x00, struct.pack(">III", 0x0003006F, 1, 0)))
add("rsp_get_version_id", rsp(0x15, 0x15, 0x00,
    bytes([0xF1, 0xF2, 0xF0, 0x00]) + bytes([0, 0, 0, 0]) + b"sidebridge\0\0"
    + struct.pack(">IHHHHI", 0x01020304, 0x1017, 0x15B3, 0x0001, 0x15B3, 0x8119)))
add("rsp_get_capabilities", rsp(0x16, 0x16, 0x00,
    struct.pack(">IIIIIBBBB2xBB", 0x0D, 0x0F, 0x07, 0x4000, 0x07, 15, 0, 2, 4, 0x05, 2)))
add("rsp_get_parameters", rsp(0x17, 0x17, 0x00,
    struct.pack(">B2xBBxHIIIBB2xI", 2, 0x01, 1, 0x0001, 0x209, 0x07, 0x07, 1, 0, 0x07)
    + bytes.fromhex("020000000001020000000002") + struct.pack(">H", 100)))
# Controller packet statistics: u64 cleared flags and totals, then u32 counters,
# valid bytes as u64 (DSP0222 1.1+ layout, 204-byte payload).
stats = struct.pack(">Q", 0) + struct.pack(">8Q", 1 << 32, 2, 3, 4, 5, 6, 7, 8)
stats += struct.pack(">14I", *range(9, 23)) + struct.pack(">14I", *range(23, 37))
stats += struct.pack(">QII", 37, 38, 39)
add("rsp_get_controller_packet_statistics", rsp(0x18, 0x18, 0x00, stats))
add("rsp_get_ncsi_statistics", rsp(0x19, 0x19, 0x00, struct.pack(">7I", 10, 1, 2, 3, 100, 99, 5)))
add("rsp_get_ncsi_passthrough_statistics", rsp(0x1A, 0x1A, 0x00,
    struct.pack(">Q9I", 1 << 33, 1, 2, 3, 4, 500, 6, 7, 8, 9)))
add("rsp_get_package_status", rsp(0x1B, 0x1B, 0x1F, struct.pack(">I", 1)))
add("rsp_oem", rsp(0x1C, 0x50, 0x00, struct.pack(">I", 32473) + bytes([1, 2, 3, 4, 5])))
add("rsp_pldm", rsp(0x1D, 0x51, 0x00, bytes([0x02, 0x00, 0x01, 0x00])))
add("rsp_get_package_uuid", rsp(0x1E, 0x52, 0x1F, bytes(range(0x10, 0x20))))
add("rsp_query_pending_nc_pldm_request", rsp(0x1F, 0x56, 0x00, bytes([0x81, 0x00, 0x02])))
add("rsp_get_mc_mac_address", rsp(0x21, 0x58, 0x00,
    struct.pack(">B3x", 2) + bytes.fromhex("020000000010020000000011")))
add("rsp_unknown", rsp(0x22, 0x60, 0x00, bytes([0xCA, 0xFE])))
# Failures: every generic response code once, with reason codes.
add("rsp_failed_init_required", rsp(0x30, 0x0A, 0x00, code=0x0001, reason=0x0001))
add("rsp_unavailable", rsp(0x31, 0x15, 0x00, code=0x0002, reason=0x0004))
add("rsp_unsupported", rsp(0x32, 0x60, 0x00, code=0x0003, reason=0x7FFF))
add("rsp_delayed", rsp(0x33, 0x50, 0x00, code=0x0004, reason=0x0000))
add("rsp_failed_set_link_speed_conflict", rsp(0x34, 0x09, 0x00, code=0x0001, reason=0x0905))
add("rsp_failed_mac_zero", rsp(0x35, 0x0E, 0x00, code=0x0001, reason=0x0E08))
add("rsp_vendor_code_oem_reason", rsp(0x36, 0x50, 0x00, bytes([0xAA, 0xBB]), code=0x8001, reason=0x8002))
# Vendor get-MAC responses where the kernel reads them.
mlx = struct.pack(">I", 0x8119) + bytes([0, 0, 0x1B, 0, 1, 0, 0, 0]) + bytes.fromhex("02aabbccdd01")
add("rsp_mellanox_get_mac", rsp(0x23, 0x50, 0x00, mlx))
bcm = struct.pack(">I", 0x113D) + bytes([0, 1, 0, 0x20]) + bytes(24) + bytes.fromhex("02aabbccdd02")
add("rsp_broadcom_get_mac", rsp(0x24, 0x50, 0x00, bcm))
intel = struct.pack(">I", 0x0157) + bytes([6]) + bytes.fromhex("02aabbccdd03")
add("rsp_intel_get_mac", rsp(0x25, 0x50, 0x00, intel))

# AENs (DSP0222 1.2 §8.5): IID 0, type 0xFF.
add("aen_link_status_change", pkt(0x00, 0xFF, 0x00, struct.pack(">3xBII", 0, 0x0003006F, 0), mc_id=0))
add("aen_configuration_required", pkt(0x00, 0xFF, 0x01, struct.pack(">3xB", 1)))
add("aen_host_nc_driver_status_change", pkt(0x00, 0xFF, 0x00, struct.pack(">3xBI", 2, 1)))
add("aen_delayed_response_ready", pkt(0x00, 0xFF, 0x00, struct.pack(">3xBBB2x", 3, 0x50, 0x33)))
add("aen_oem", pkt(0x00, 0xFF, 0x20, struct.pack(">3xB", 0x80) + struct.pack(">I", 32473) + bytes([9, 9])))


# ---- sidebridge OEM command set (protocol/OEM.md) inside NC-SI OEM (0x50) ----
import zlib
MFR = 32473

def s16(b: bytes) -> bytes:
    return struct.pack(">H", len(b)) + b

def oem_frames(cmd, result, seq, msg, maxc=1024, flags=0, version=1):
    crc = zlib.crc32(msg) & 0xFFFFFFFF
    chunks = [msg[i:i + maxc] for i in range(0, len(msg), maxc)] or [b""]
    return [struct.pack(">BBBBIIII", version, cmd, flags, result, seq, i * maxc, len(msg), crc) + c
            for i, c in enumerate(chunks)]

def oem_req(iid, cmd, seq, msg, **kw):
    return [pkt(iid, 0x50, 0x00, struct.pack(">I", MFR) + f) for f in oem_frames(cmd, 0, seq, msg, **kw)]

def oem_rsp(iid, cmd, seq, msg, result=0, **kw):
    return [rsp(iid, 0x50, 0x00, struct.pack(">I", MFR) + f) for f in oem_frames(cmd, result, seq, msg, **kw)]

add("oem_req_get_bridge_info", oem_req(0x60, 0x01, 0x1000, bytes([1, 1, 0, 0]))[0])
add("oem_req_get_boot_override", oem_req(0x61, 0x02, 0x1001, b"")[0])
add("oem_req_set_boot_override", oem_req(0x62, 0x03, 0x1002, bytes([3, 1, 1, 0]) + s16(b""))[0])
add("oem_req_set_boot_override_http", oem_req(0x63, 0x03, 0x1003,
    bytes([5, 1, 1, 0]) + s16(b"http://192.0.2.10/boot/grubx64.efi"))[0])
add("oem_req_get_power_state", oem_req(0x64, 0x04, 0x1004, b"")[0])
add("oem_req_reset", oem_req(0x65, 0x05, 0x1005, bytes([5, 0, 0, 0]), flags=1)[0])
add("oem_req_virtual_media_insert", oem_req(0x66, 0x06, 0x1006,
    bytes([0, 1, 1, 0]) + s16(b"http://192.0.2.10/images/install.iso") + s16(b"") + s16(b""))[0])
add("oem_req_virtual_media_insert_auth", oem_req(0x67, 0x06, 0x1007,
    bytes([1, 0, 2, 0]) + s16(b"https://192.0.2.10/usb.img") + s16(b"admin") + s16(b"secret"))[0])
long_uri = b"http://192.0.2.10/" + b"a" * 1082
c0, c1 = oem_req(0x68, 0x06, 0x1008, bytes([0, 1, 0, 0]) + s16(long_uri) + s16(b"") + s16(b""))
add("oem_req_virtual_media_insert_chunk0", c0)
add("oem_req_virtual_media_insert_chunk1", c1)
add("oem_req_virtual_media_eject", oem_req(0x69, 0x07, 0x1009, bytes([0, 0, 0, 0]))[0])
add("oem_req_virtual_media_status", oem_req(0x6A, 0x08, 0x100A, bytes([1, 0, 0, 0]))[0])
add("oem_req_get_firmware_inventory", oem_req(0x6B, 0x09, 0x100B, b"")[0])
add("oem_req_get_network_identity", oem_req(0x6C, 0x0A, 0x100C, b"")[0])
add("oem_req_get_boot_progress", oem_req(0x6D, 0x0B, 0x100D, b"")[0])
add("oem_req_get_operation_status", oem_req(0x6E, 0x0C, 0x100E, struct.pack(">I", 0x1005))[0])
add("oem_req_read_result", oem_req(0x6F, 0x0D, 0x100B, struct.pack(">I", 1024))[0])

add("oem_rsp_get_bridge_info", oem_rsp(0x60, 0x01, 0x1000,
    bytes([1, 1]) + struct.pack(">HI", 1024, 0x1FF) + bytes(range(0xA0, 0xB0))
    + s16(b"Example Corp") + s16(b"DPU-1000") + s16(b"SN0001") + s16(b"PN-42") + s16(b"1.2.3"))[0])
add("oem_rsp_get_boot_override", oem_rsp(0x61, 0x02, 0x1001, bytes([3, 1, 1, 0]) + s16(b""))[0])
add("oem_rsp_set_boot_override", oem_rsp(0x62, 0x03, 0x1002, b"")[0])
add("oem_rsp_get_power_state", oem_rsp(0x64, 0x04, 0x1004, bytes([1, 0, 0, 0]))[0])
add("oem_rsp_reset_accepted", oem_rsp(0x65, 0x05, 0x1005, b"", result=0x01)[0])
add("oem_rsp_virtual_media_insert_accepted", oem_rsp(0x66, 0x06, 0x1006, b"", result=0x01)[0])
add("oem_rsp_chunk_accepted", oem_rsp(0x68, 0x06, 0x1008, b"", result=0x02)[0])
add("oem_rsp_virtual_media_status", oem_rsp(0x6A, 0x08, 0x100A,
    bytes([0, 2, 1, 1]) + s16(b"http://192.0.2.10/images/install.iso"))[0])
add("oem_rsp_get_firmware_inventory", oem_rsp(0x6B, 0x09, 0x100B,
    bytes([2, 0, 0, 0]) + bytes([1, 0, 0, 0]) + s16(b"BMC") + s16(b"1.2.3")
    + bytes([0, 0, 0, 0]) + s16(b"NIC") + s16(b"24.1"))[0])
add("oem_rsp_get_network_identity", oem_rsp(0x6C, 0x0A, 0x100C,
    s16(b"dpu0-bmc") + bytes([1]) + bytes.fromhex("02aabbccdd10") + bytes([1, 192, 0, 2, 20, 24])
    + bytes([1]) + bytes.fromhex("fe800000000000000000000000000010") + bytes([64]))[0])
add("oem_rsp_get_boot_progress", oem_rsp(0x6D, 0x0B, 0x100D, bytes([9, 0, 0, 0]))[0])
add("oem_rsp_get_operation_status", oem_rsp(0x6E, 0x0C, 0x100E, struct.pack(">IBBBB", 0x1005, 5, 2, 0, 100))[0])
add("oem_rsp_unsupported_scheme", oem_rsp(0x66, 0x06, 0x1006, s16(b"scheme ftp is not supported"), result=0x23)[0])

# OEM set 1.1 (OEM.md §4.14-4.17).
SYS_UUID = bytes.fromhex("5b1d0c3a7f004d2e9c410000000000b2")
add("oem_req_get_allowable_values", oem_req(0x70, 0x0E, 0x1010, b"")[0])
add("oem_rsp_get_allowable_values", oem_rsp(0x70, 0x0E, 0x1010,
    # targets 0-8, enabled 0-2, modes Legacy+UEFI, CD: CD|DVD, USB: USBStick,
    # resets 1-7, manager resets GracefulRestart(4)+ForceRestart(5), watchdog 0-3
    struct.pack(">IBBBBIIB3x", 0x1FF, 0x07, 0x03, 0x03, 0x08, 0xFE, 0x30, 0x0F))[0])
add("oem_req_get_system_settings", oem_req(0x71, 0x0F, 0x1011, b"")[0])
add("oem_rsp_get_system_settings", oem_rsp(0x71, 0x0F, 0x1011,
    bytes([1, 1, 1, 0]) + SYS_UUID + s16(b"asset tag"))[0])
# The seed's PATCH: asset tag, identify LED Lit, watchdog enabled (mask 0b0111).
add("oem_req_set_system_settings", oem_req(0x72, 0x10, 0x1012,
    bytes([0x07, 1, 1, 0]) + s16(b"asset tag"))[0])
add("oem_rsp_set_system_settings", oem_rsp(0x72, 0x10, 0x1012, b"")[0])
add("oem_req_reset_manager", oem_req(0x73, 0x11, 0x1013, bytes([4, 0, 0, 0]))[0])
add("oem_rsp_value_not_supported_mode", oem_rsp(0x62, 0x03, 0x1002,
    s16(b"mode: this card boots UEFI only"), result=0x27)[0])

# The Redfish tunnel (OEM.md §4.18, version 2 frames): the seed's PATCH as an
# Operator, and the card's 204 with its new ETag.
SEED_PATCH = (b'{"Boot": {"BootSourceOverrideMode": "Legacy", "BootSourceOverrideTarget": "Hdd", '
              b'"BootSourceOverrideEnabled": "Once", "UefiTargetBootSourceOverride": null}, '
              b'"HostWatchdogTimer": {"FunctionEnabled": true}, "AssetTag": "asset tag", '
              b'"IndicatorLED": "Lit"}')
def tunnel_headers(hs):
    return b"".join(s16(n) + s16(v) for n, v in hs)
TUNNEL_REQ = (bytes([0x04, 0x02, 2, 0]) + s16(b"/redfish/v1/Systems/system")
    + tunnel_headers([(b"Content-Type", b"application/json"), (b"If-Match", b'"a1"')])
    + struct.pack(">I", len(SEED_PATCH)) + SEED_PATCH)
add("oem_req_redfish_patch", oem_req(0x74, 0x12, 0x1014, TUNNEL_REQ, version=2)[0])
add("oem_rsp_redfish_no_content", oem_rsp(0x74, 0x12, 0x1014,
    struct.pack(">HBx", 204, 1) + tunnel_headers([(b"ETag", b'"b2"')]) + struct.pack(">I", 0),
    version=2)[0])

# GetHostInventory (OEM.md §4.19, revision 1.2): one Arm processor, 32 GiB, two host
# interfaces (the second down, a function of no port), one eMMC drive.
add("oem_req_get_host_inventory", oem_req(0x75, 0x13, 0x1015, b"")[0])
HOST = (bytes([1, 0, 0, 0]) + struct.pack(">Q", 32768)
    + bytes([5, 0]) + struct.pack(">HHH", 16, 16, 2500) + s16(b"Arm Limited") + s16(b"Cortex-A78AE")
    + bytes([2]) + bytes.fromhex("025b00000020") + bytes([0x03, 0]) + struct.pack(">I", 100000)
    + bytes.fromhex("025b00000021") + bytes([0x01, 0xFF]) + struct.pack(">I", 0)
    + bytes([1]) + struct.pack(">QBB", 128035676160, 1, 1) + s16(b"EMMC128G") + s16(b"E00A1"))
add("oem_rsp_get_host_inventory", oem_rsp(0x75, 0x13, 0x1015, HOST)[0])

# GetManagerNetwork (OEM.md §4.20, revision 1.3): the card BMC's UUID, enabled + link
# up, 1 Gbit/s, one static IPv4 address with its gateway, one link-local IPv6 address
# (preferred), one name server, HTTPS on 443 and IPMI off on 623.
add("oem_req_get_manager_network", oem_req(0x76, 0x14, 0x1016, b"")[0])
NET = (bytes.fromhex("5b1d0c3a7f004d2e9c410000000000f0") + bytes([0x03, 0, 0, 0])
    + struct.pack(">I", 1000) + bytes.fromhex("025b00000080") + bytes(2)
    + s16(b"dpu0-bmc") + s16(b"mgmt.example.net")
    + bytes([1, 192, 0, 2, 20, 24, 1, 192, 0, 2, 1])
    + bytes([1]) + bytes.fromhex("fe80000000000000005bfffe00000080") + bytes([64, 3, 1])
    + bytes([1]) + s16(b"192.0.2.53")
    + bytes([2]) + bytes([2, 1]) + struct.pack(">H", 443) + bytes([5, 0]) + struct.pack(">H", 623))
add("oem_rsp_get_manager_network", oem_rsp(0x76, 0x14, 0x1016, NET)[0])
# SetManagerNetwork (OEM.md §4.21): a new host name, one static name server and one
# static address with its gateway (mask bits 0, 2, 4; DHCPv4 untouched).
add("oem_req_set_manager_network", oem_req(0x77, 0x15, 0x1017,
    bytes([0x15, 0, 0, 0]) + s16(b"dpu0-new") + s16(b"")
    + bytes([1]) + s16(b"192.0.2.54")
    + bytes([1, 192, 0, 2, 30, 24, 192, 0, 2, 254]))[0])
add("oem_rsp_set_manager_network", oem_rsp(0x77, 0x15, 0x1017, b"")[0])

# GetSensors (OEM.md §4.22): 75 W capacity; the NIC's temperature 61.5 °C with upper
# caution 85 and critical 95, and the card's power 48.25 W with no thresholds.
add("oem_req_get_sensors", oem_req(0x78, 0x16, 0x1018, b"")[0])
SENSORS = (bytes([2, 0, 0, 0]) + struct.pack(">I", 75)
    + bytes([1, 2, 0x07, 0]) + struct.pack(">iiiii", 61500, 85000, 95000, 0, 0) + s16(b"nic_temp")
    + bytes([2, 3, 0x01, 0]) + struct.pack(">iiiii", 48250, 0, 0, 0, 0) + s16(b"card_power"))
add("oem_rsp_get_sensors", oem_rsp(0x78, 0x16, 0x1018, SENSORS)[0])

# GetNetworkAdapter (OEM.md §4.23, revision 1.4): SR-IOV capable with settings pending;
# PCIe Gen4 x16 of Gen4 x16, revision 1, class 0x020000; 254 VFs, 127 per port, groups
# of 1; SKU; one port on channel 0 (auto-negotiation capable, a QSFP28 fiber module
# with diagnostics, 25 and 100 Gbit/s); one function on it (PCIe function 0, Ethernet,
# PXE and HTTP boot, VFs enabled, 127 VFs, its MAC). In force: auto-negotiation, the
# function enabled booting PXE; pending: 25 Gbit/s fixed, booting HTTP.
add("oem_req_get_network_adapter", oem_req(0x79, 0x17, 0x1019, b"")[0])
CURRENT = bytes([0, 0, 0, 0]) + bytes([1, 0, 0, 0]) + struct.pack(">I", 0) + bytes([1, 1, 0, 0])
PENDING = bytes([0, 0, 0, 0]) + bytes([0, 0, 0, 0]) + struct.pack(">I", 25000) + bytes([1, 5, 0, 0])
ADAPTER = (bytes([0x0A, 4, 4, 16, 16, 1, 0, 0]) + struct.pack(">IHHH2x", 0x020000, 254, 127, 1)
    + s16(b"DPU-1000-100G-A")
    + bytes([1]) + bytes([0, 0x07, 6, 2, 2, 0, 0, 0]) + struct.pack(">IIII", 891, 1122, 7500, 3300)
    + struct.pack(">II", 25000, 100000)
    + bytes([1]) + bytes([0, 0, 0x01, 0x11, 0x01, 0]) + struct.pack(">H", 127)
    + bytes.fromhex("025b00000020") + bytes(2)
    + CURRENT + PENDING)
add("oem_rsp_get_network_adapter", oem_rsp(0x79, 0x17, 0x1019, ADAPTER)[0])
# SetAdapterSettings (OEM.md §4.24): the pending block above, then the card's defaults.
add("oem_req_set_adapter_settings", oem_req(0x7A, 0x18, 0x101A, bytes([0, 1, 1, 0]) + PENDING)[0])
add("oem_req_set_adapter_settings_defaults", oem_req(0x7B, 0x18, 0x101B, bytes([1, 0, 0, 0]))[0])
add("oem_rsp_set_adapter_settings", oem_rsp(0x7A, 0x18, 0x101A, b"")[0])

# GetBios (OEM.md §4.25, revision 1.4): registry "BiosAttributeRegistry.1.0.0"; an
# enumeration BootMode (Uefi of Uefi, Legacy), an integer NumCores 8 in 1..16, a
# read-only boolean SecureBootCapable true, a string AssetId "" of at most 32 bytes;
# pending: BootMode Legacy.
add("oem_req_get_bios", oem_req(0x7C, 0x19, 0x101C, b"")[0])
BIOS = (bytes([1, 4, 0, 0]) + s16(b"BiosAttributeRegistry.1.0.0")
    + bytes([1, 0, 0, 0]) + s16(b"BootMode") + s16(b"Uefi") + bytes([2]) + s16(b"Uefi") + s16(b"Legacy")
    + bytes([3, 0, 0, 0]) + s16(b"NumCores") + struct.pack(">qqq", 8, 1, 16)
    + bytes([4, 1, 0, 0]) + s16(b"SecureBootCapable") + bytes([1])
    + bytes([2, 0, 0, 0]) + s16(b"AssetId") + s16(b"") + struct.pack(">H", 32)
    + bytes([1]) + bytes([0]) + s16(b"Legacy"))
add("oem_rsp_get_bios", oem_rsp(0x7C, 0x19, 0x101C, BIOS)[0])
# SetBiosSettings (OEM.md §4.26): NumCores 4 and AssetId "rack4"; then the defaults.
add("oem_req_set_bios_settings", oem_req(0x7D, 0x1A, 0x101D, bytes([0, 2, 0, 0])
    + s16(b"NumCores") + bytes([3]) + struct.pack(">q", 4)
    + s16(b"AssetId") + bytes([2]) + s16(b"rack4"))[0])
add("oem_req_set_bios_settings_defaults", oem_req(0x7E, 0x1A, 0x101E, bytes([1, 0, 0, 0]))[0])
add("oem_rsp_set_bios_settings", oem_rsp(0x7D, 0x1A, 0x101D, b"")[0])

def oem_event(chan, ev, data):
    return pkt(0x00, 0xFF, chan, struct.pack(">3xB", 0x80) + struct.pack(">IBB2x", MFR, 1, ev) + data)

add("oem_event_power_state_changed", oem_event(0x00, 0x01, bytes([2, 0, 0, 0])))
add("oem_event_boot_progress_changed", oem_event(0x00, 0x02, bytes([8, 0, 0, 0])))
add("oem_event_media_state_changed", oem_event(0x00, 0x03, bytes([0, 2, 0, 0])))
add("oem_event_operation_completed", oem_event(0x00, 0x04, struct.pack(">IBB2x", 0x1005, 5, 0)))

print("\n".join(out))
