#!/usr/bin/env python3
"""The seed document's manual provisioning flow, driven by OpenStack's sushy library
against a running sidebridge: one-time boot to CD, insert virtual media, reset; then
read back power state, boot override and media state and print them as JSON.

Usage: sushy_flow.py URL USER PASSWORD SYSTEM_ID
"""
import json
import sys
import time
import warnings

import sushy

warnings.filterwarnings("ignore")  # the demo certificate is self-signed

url, user, password, system_id = sys.argv[1:5]
root = sushy.Sushy(url + "/redfish/v1", username=user, password=password, verify=False)

systems = [m for m in root.get_system_collection().members_identities]
system = root.get_system("/redfish/v1/Systems/" + system_id)

# 1. One-time boot to CD, UEFI.
system.set_system_boot_options(
    sushy.BOOT_SOURCE_TARGET_CD, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE, mode=sushy.BOOT_SOURCE_MODE_UEFI
)
system.refresh()
after_patch = {
    "target": str(system.boot.target),
    "enabled": str(system.boot.enabled),
    "mode": str(system.boot.mode),
}

# 2. Virtual media: the system's manager, its CD.
manager = system.managers[0]
cd = [v for v in manager.virtual_media.get_members() if sushy.VIRTUAL_MEDIA_CD in v.media_types][0]
cd.insert_media("http://192.0.2.10/images/install.iso", inserted=True, write_protected=True)
deadline = time.time() + 30
while time.time() < deadline:
    cd.refresh()
    if cd.inserted:
        break
    time.sleep(0.2)

# 3. Reset, then wait for the host to be on again.
system.reset_system(sushy.RESET_FORCE_RESTART)
deadline = time.time() + 30
time.sleep(0.5)
while time.time() < deadline:
    system.refresh()
    progress = system.json.get("BootProgress", {}).get("LastState")
    if str(system.power_state) == str(sushy.POWER_STATE_ON) and progress == "OSRunning":
        break
    time.sleep(0.2)

print(json.dumps({
    "systems": systems,
    "after_patch": after_patch,
    "power_state": str(system.power_state),
    "boot_progress": system.json.get("BootProgress", {}).get("LastState"),
    "boot_target": str(system.boot.target),
    "boot_enabled": str(system.boot.enabled),
    "media_inserted": cd.inserted,
    "media_image": cd.image,
    "manager": manager.identity,
    "allowed_resets": sorted(str(v) for v in system.get_allowed_reset_system_values()),
}))
