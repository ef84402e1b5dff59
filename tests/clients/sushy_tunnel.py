#!/usr/bin/env python3
"""OpenStack's sushy library against a card reached through the Redfish tunnel: set a
one-time PXE boot on the card's system through the platform's endpoint, read it
back, and print what sushy sees as JSON.

Usage: sushy_tunnel.py URL USER PASSWORD SYSTEM_ID
"""
import json
import sys
import warnings

import sushy

warnings.filterwarnings("ignore")  # the platform's certificate is self-signed

url, user, password, system_id = sys.argv[1:5]
root = sushy.Sushy(url + "/redfish/v1", username=user, password=password, verify=False)
system = root.get_system("/redfish/v1/Systems/" + system_id)
system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
system.refresh()
print(json.dumps({
    "boot_target": str(system.boot.target),
    "manufacturer": system.manufacturer,
    "power_state": str(system.power_state),
}))
