#!/usr/bin/env python3
"""Writes golden_mctp.txt: one DSP0253 serial frame per line, "name hex".

An encoder independent of the Rust crate, laid out from DSP0236 1.3 (transport header,
control messages), DSP0253 1.0 (serial framing; FCS and escaping as the Linux kernel's
mctp-serial driver does them) and DSP0261 (NC-SI control packets as message type 0x02,
taken from golden.txt). The Rust tests decode and re-encode every frame.

Run: python3 protocol/tests/data/make_golden_mctp.py > protocol/tests/data/golden_mctp.txt
"""
import pathlib

def fcs16(data, fcs=0xFFFF):
    # Bitwise CRC-16, reflected polynomial 0x8408 (RFC 1662 appendix C), no final
    # complement, as in the kernel's crc_ccitt().
    for b in data:
        fcs ^= b
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs

def frame(packet):
    body = bytearray()
    for b in packet:
        if b in (0x7E, 0x7D):
            body += bytes([0x7D, b ^ 0x20])
        else:
            body.append(b)
    fcs = fcs16(bytes([1, len(packet)]) + packet)
    return bytes([0x7E, 1, len(packet)]) + bytes(body) + bytes([fcs >> 8, fcs & 0xFF, 0x7E])

def hdr(dest, src, som, eom, seq, to, tag):
    return bytes([0x01, dest, src, (som << 7) | (eom << 6) | (seq << 4) | (to << 3) | tag])

def message(dest, src, to, tag, msg, mtu=64, seq=0):
    """All packets of one message (msg starts with the message header byte)."""
    chunks = [msg[i:i + mtu] for i in range(0, len(msg), mtu)]
    return [hdr(dest, src, i == 0, i == len(chunks) - 1, (seq + i) % 4, to, tag) + c
            for i, c in enumerate(chunks)]

out = []
def add(name, packets):
    if len(packets) == 1:
        out.append(f"{name} {frame(packets[0]).hex()}")
    else:
        for i, p in enumerate(packets):
            out.append(f"{name}_{i} {frame(p).hex()}")

BO, EP = 0x08, 0x09  # bus owner, endpoint

# Control messages (type 0x00): Rq|D|inst, command, [completion], data.
def ctl_req(dest, src, tag, inst, cmd, data=b""):
    return message(dest, src, 1, tag, bytes([0x00, 0x80 | inst, cmd]) + data)
def ctl_rsp(dest, src, tag, inst, cmd, cc, data=b""):
    return message(dest, src, 0, tag, bytes([0x00, inst, cmd, cc]) + data)

add("ctl_set_eid_req", ctl_req(0x00, BO, 0, 1, 0x01, bytes([0x00, EP])))
add("ctl_set_eid_rsp", ctl_rsp(BO, EP, 0, 1, 0x01, 0x00, bytes([0x00, EP, 0x00])))
add("ctl_get_eid_req", ctl_req(EP, BO, 1, 2, 0x02))
add("ctl_get_eid_rsp", ctl_rsp(BO, EP, 1, 2, 0x02, 0x00, bytes([EP, 0x00, 0x00])))
add("ctl_get_uuid_req", ctl_req(EP, BO, 2, 3, 0x03))
# A UUID holding both special bytes, so the frame shows escaping.
uuid = bytes([0x7E, 0x7D, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC,
              0xDE, 0xF0, 0x00, 0x11, 0x22, 0x33, 0x7E, 0x7D])
add("ctl_get_uuid_rsp", ctl_rsp(BO, EP, 2, 3, 0x03, 0x00, uuid))
add("ctl_get_version_req", ctl_req(EP, BO, 3, 4, 0x04, bytes([0xFF])))
add("ctl_get_version_rsp", ctl_rsp(BO, EP, 3, 4, 0x04, 0x00,
                                   bytes([2, 0xF1, 0xF3, 0xF1, 0x00, 0xF1, 0xF2, 0xF0, 0x00])))
add("ctl_get_version_unsupported", ctl_rsp(BO, EP, 3, 5, 0x04, 0x80))
add("ctl_get_msg_types_req", ctl_req(EP, BO, 4, 6, 0x05))
add("ctl_get_msg_types_rsp", ctl_rsp(BO, EP, 4, 6, 0x05, 0x00, bytes([2, 0x00, 0x02])))
add("ctl_unsupported_rsp", ctl_rsp(BO, EP, 5, 7, 0x0F, 0x05))

# NC-SI over MCTP (type 0x02): the control packet bytes of golden.txt.
golden = dict(l.split() for l in
              (pathlib.Path(__file__).parent / "golden.txt").read_text().splitlines() if l)
def ncsi(name):
    return bytes([0x02]) + bytes.fromhex(golden[name])
add("ncsi_cmd_get_link_status", message(EP, BO, 1, 6, ncsi("cmd_get_link_status")))
add("ncsi_rsp_get_link_status", message(BO, EP, 0, 6, ncsi("rsp_get_link_status")))
add("ncsi_aen_link_status_change", message(BO, EP, 1, 2, ncsi("aen_link_status_change")))
# 224 bytes of control packet + the type byte: four packets, sequence 2, 3, 0, 1.
add("ncsi_rsp_get_controller_packet_statistics",
    message(BO, EP, 0, 7, ncsi("rsp_get_controller_packet_statistics"), seq=2))

# Vendor-defined messages, IANA (DSP0236 1.3 §13.2, type 0x7F): the OEM frame of a
# golden NC-SI OEM command after its NC-SI header and manufacturer id, behind the
# enterprise number. The tunnelled PATCH needs six packets.
def vdm(name):
    ncsi_packet = bytes.fromhex(golden[name])
    plen = int.from_bytes(ncsi_packet[6:8], "big") & 0x0FFF
    payload = ncsi_packet[16:16 + plen]  # manufacturer id, then the OEM frame
    return bytes([0x7F]) + payload
add("vdm_get_power_state", message(EP, BO, 1, 3, vdm("oem_req_get_power_state")))
add("vdm_redfish_patch", message(EP, BO, 1, 4, vdm("oem_req_redfish_patch")))

print("\n".join(out))
