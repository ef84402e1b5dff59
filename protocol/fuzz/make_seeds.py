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
