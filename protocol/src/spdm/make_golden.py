#!/usr/bin/env python3
"""Writes golden.txt: one SPDM message per line, named by its code, taken from a pcap
that DMTF's spdm_requester_emu wrote (--pcap) against spdm_responder_emu. The pcap's
link type is 291 (MCTP); each record is a 4-byte MCTP header, the MCTP message type
(0x05) and the SPDM message. The first message of each code is kept.

    cd OUT/bin && LD_PRELOAD=OUT/nodelay.so ./spdm_responder_emu --trans MCTP &
    LD_PRELOAD=OUT/nodelay.so ./spdm_requester_emu --trans MCTP --ver 1.3 \
        --cap CERT,CHAL --other_param OPAQUE_FMT_1 --meas_op ALL \
        --exe_conn DIGEST,CERT,CHAL,MEAS --exe_session NO_END --pcap /tmp/spdm.pcap
    python3 make_golden.py /tmp/spdm.pcap > golden.txt
"""
import struct
import sys

NAMES = {0x84: "GET_VERSION", 0x04: "VERSION", 0xE1: "GET_CAPABILITIES",
         0x61: "CAPABILITIES", 0xE3: "NEGOTIATE_ALGORITHMS", 0x63: "ALGORITHMS",
         0x81: "GET_DIGESTS", 0x01: "DIGESTS", 0x82: "GET_CERTIFICATE",
         0x02: "CERTIFICATE", 0x83: "CHALLENGE", 0x03: "CHALLENGE_AUTH",
         0xE0: "GET_MEASUREMENTS", 0x60: "MEASUREMENTS", 0x7F: "ERROR"}

data = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4
assert struct.unpack("<I", data[20:24])[0] == 291, "not an MCTP capture"
off, seen = 24, set()
print("# SPDM messages from DMTF spdm-emu 85436d5 (libspdm 1e16c60f), responder and")
print("# requester emulators, --ver 1.3 --cap CERT,CHAL --other_param OPAQUE_FMT_1")
print("# --meas_op ALL; made by make_golden.py. NEGOTIATE_ALGORITHMS carries the")
print("# emulator's four algorithm tables (ours sends none).")
while off < len(data):
    _, _, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
    rec = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if len(rec) < 7 or rec[4] != 0x05:
        continue
    msg = rec[5:]
    name = NAMES.get(msg[1])
    if name and name not in seen:
        seen.add(name)
        print(name, msg.hex())
