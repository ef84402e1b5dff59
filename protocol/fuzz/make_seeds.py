#!/usr/bin/env python3
"""Writes the seed corpus for every fuzz target from tests/data/golden.txt.

Run from protocol/fuzz: python3 make_seeds.py
"""
import os, pathlib

here = pathlib.Path(__file__).parent
golden = (here.parent / "tests/data/golden.txt").read_text().split("\n")

def put(target, name, data):
    d = here / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)

for line in filter(None, golden):
    name, hexs = line.split()
    pkt = bytes.fromhex(hexs)
    plen = ((pkt[6] << 8) | pkt[7]) & 0x0FFF
    ptype = pkt[4]
    payload = pkt[16:16 + plen]
    put("ncsi_packet", name, pkt)
    frame = b"\xff" * 12 + b"\x88\xf8" + pkt
    put("ncsi_frame", name, frame + b"\0" * max(0, 60 - len(frame)))
    if ptype == 0xFF:
        put("ncsi_aen", name, payload)
    elif ptype & 0x80:
        put("ncsi_response", name, bytes([ptype & 0x7F]) + payload)
        if ptype == 0xD0 and len(payload) >= 8:
            put("ncsi_vendor_oem", name, payload[4:])
    else:
        put("ncsi_command", name, bytes([ptype]) + payload)

# The OEM command set inside NC-SI OEM packets.
MFR = (32473).to_bytes(4, "big")
frames = {}
for line in filter(None, golden):
    name, hexs = line.split()
    if not name.startswith("oem_"):
        continue
    pkt = bytes.fromhex(hexs)
    plen = ((pkt[6] << 8) | pkt[7]) & 0x0FFF
    payload = pkt[16:16 + plen]
    if pkt[4] == 0xFF:
        put("oem_event", name, payload[4:])
        continue
    frame = payload[4:] if pkt[4] == 0x50 else payload[8:]
    frames[name] = frame
    put("oem_frame", name, frame)
    offset = int.from_bytes(frame[8:12], "big")
    total = int.from_bytes(frame[12:16], "big")
    if offset == 0 and total == len(frame) - 20:
        if pkt[4] == 0x50:
            put("oem_request", name, frame[1:2] + frame[20:])
        else:
            put("oem_response", name, frame[1:2] + frame[3:4] + frame[20:])
put("oem_reassembly", "two_chunks",
    frames["oem_req_virtual_media_insert_chunk0"] + b"\xf7" + frames["oem_req_virtual_media_insert_chunk1"])
put("oem_reassembly", "one_frame", frames["oem_req_reset"])

# MCTP: serial frames from golden_mctp.txt, the packets and message bodies inside.
def fcs_ok_unframe(frame):
    # Unescape the packet between count and FCS (the frames are well-formed).
    count, out, i = frame[2], bytearray(), 3
    while len(out) < count:
        b = frame[i]; i += 1
        if b == 0x7D:
            b = frame[i] ^ 0x20; i += 1
        out.append(b)
    return bytes(out)

mctp = [l.split() for l in (here.parent / "tests/data/golden_mctp.txt").read_text().splitlines() if l]
stats = []
for name, hexs in mctp:
    frame = bytes.fromhex(hexs)
    put("mctp_serial", name, b"\x00\x7e" + frame + frame)
    packet = fcs_ok_unframe(frame)
    put("mctp_packet", name, packet)
    if name.startswith("ncsi_rsp_get_controller_packet_statistics"):
        stats.append(packet)
    elif packet[4] == 0x00:
        put("mctp_control", name, packet[5:])
    elif packet[4] == 0x02:
        put("mctp_ncsi", name, packet[5:])
        put("mctp_reassembly", name, packet)
put("mctp_reassembly", "four_packets", b"\xf7".join(stats))
put("mctp_reassembly", "lost_middle", b"\xf7".join(stats[:1] + stats[2:]))

# Vendor-defined MCTP bodies: the enterprise number, then an OEM request frame.
for name, frame in frames.items():
    if name.startswith("oem_req_"):
        put("mctp_vdm", name, MFR + frame)
# The responder: a whole request; a chunked one; a retry and a conflicting reuse.
put("oem_responder", "one_request", frames["oem_req_get_power_state"])
put("oem_responder", "two_chunks",
    frames["oem_req_virtual_media_insert_chunk0"] + b"\xf7" + frames["oem_req_virtual_media_insert_chunk1"])
put("oem_responder", "retry_and_conflict",
    frames["oem_req_reset"] + b"\xf7" + frames["oem_req_reset"] + b"\xf7" + frames["oem_req_redfish_patch"])

# SPDM: each message of the reference emulators' exchange (protocol/src/spdm/golden.txt),
# after a selector byte for a 48-byte hash, 96-byte signature, summary and signature.
SPDM_SHAPE = bytes([0x01 | 0x04 | 0x10 | 0x20])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "spdm", "golden.txt")) as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        name, h = line.split()
        put("spdm", name.lower(), SPDM_SHAPE + bytes.fromhex(h))
