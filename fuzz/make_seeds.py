#!/usr/bin/env python3
"""Writes the seed corpus of the daemon's fuzz targets (layout: src/harness.rs).

Run from fuzz/: python3 make_seeds.py
"""
import pathlib

here = pathlib.Path(__file__).parent
root = here.parent

def put(target, name, data):
    d = here / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)

# Flags: bits 0-2 method (GET HEAD POST PATCH PUT DELETE OPTIONS TRACE), bit 3 no
# trusted role, bit 4 Basic admin, bit 5 JSON content type, bit 6 path = suffix only.
GET, HEAD, POST, PATCH, PUT, DELETE = range(6)
PLAIN, BASIC, JSON, ONLY = 0x08, 0x10, 0x20, 0x40

def req(flags, which, suffix=b"", headers=b"", body=b""):
    return bytes([flags, which]) + suffix + b"\0" + headers + b"\0" + body

put("redfish_router", "root", req(GET, 0))
put("redfish_router", "root_plain", req(GET | PLAIN, 0))
put("redfish_router", "root_basic", req(GET | PLAIN | BASIC, 0))
put("redfish_router", "expand", req(GET, 1, b"?$expand=.($levels=2)"))
put("redfish_router", "filter", req(GET, 2, b"?$filter=Id eq 'x' and not (Name ne 'y')&$top=1&$skip=1"))
put("redfish_router", "select", req(GET, 3, b"?$select=Boot/BootSourceOverrideTarget,Id"))
put("redfish_router", "trailing", req(GET, 4, b"/"))
put("redfish_router", "escape", req(GET | ONLY, 0, b"/redfish/v1/%FF%2e%2e/Systems"))
# The seed's exact bodies (../shared/seed).
put("redfish_router", "seed_patch", req(PATCH | JSON | ONLY, 0, b"/redfish/v1/Systems/DPU0000B2", b"",
    b'{"Boot":{"BootSourceOverrideMode":"Legacy","BootSourceOverrideTarget":"Hdd",'
    b'"BootSourceOverrideEnabled":"Once","UefiTargetBootSourceOverride":null},'
    b'"HostWatchdogTimer":{"FunctionEnabled":true},"AssetTag":"asset tag","IndicatorLED":"Lit"}'))
put("redfish_router", "seed_insert", req(POST | JSON | ONLY, 0,
    b"/redfish/v1/Managers/DPU0000B2/VirtualMedia/CD/Actions/VirtualMedia.InsertMedia", b"",
    b'{"Image": "http://127.0.0.1:9/image.iso"}'))
put("redfish_router", "system_patch", req(PATCH | JSON | ONLY, 0, b"/redfish/v1/Systems/DPU0000B2", b"",
    b'{"Boot":{"BootSourceOverrideEnabled":"Once","BootSourceOverrideTarget":"Pxe"}}'))
put("redfish_router", "reset", req(POST | JSON | ONLY, 0,
    b"/redfish/v1/Systems/DPU0000B2/Actions/ComputerSystem.Reset", b"", b'{"ResetType":"ForceRestart"}'))
put("redfish_router", "insert_media", req(POST | ONLY, 0,
    b"/redfish/v1/Managers/DPU0000B2/VirtualMedia/CD/Actions/VirtualMedia.InsertMedia", b"",
    b'{"Image":"http://127.0.0.1:9/x.iso","Inserted":true,"WriteProtected":true}'))
put("redfish_router", "account", req(POST | JSON | ONLY, 0, b"/redfish/v1/AccountService/Accounts", b"",
    b'{"UserName":"op","Password":"a-long-password-1","RoleId":"Operator"}'))
put("redfish_router", "session", req(POST | PLAIN | ONLY, 0, b"/redfish/v1/SessionService/Sessions",
    b"Content-Type: application/json; charset=utf-8", b'{"UserName":"admin","Password":"wrong"}'))
put("redfish_router", "subscription", req(POST | ONLY, 0, b"/redfish/v1/EventService/Subscriptions", b"",
    b'{"Destination":"http://127.0.0.1:9/e","Protocol":"Redfish","EventFormatType":"Event"}'))
put("redfish_router", "form_post", req(POST | ONLY, 0, b"/redfish/v1/AccountService/Accounts",
    b"Content-Type: text/plain", b"UserName=x&Password=y"))
put("redfish_router", "odata_version", req(GET, 5, b"", b"OData-Version: 4.01\nIf-None-Match: W/\"x\""))
put("redfish_router", "deep_json", req(PATCH | JSON, 6, b"", b"", b"[" * 200 + b"]" * 200))
put("redfish_router", "delete", req(DELETE, 7))

for f in sorted((root / "deploy/config").glob("*.toml")) + [root / "deploy/agent/agent.toml"]:
    put("config", f.stem, f.read_bytes())
