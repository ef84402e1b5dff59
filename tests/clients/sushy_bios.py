#!/usr/bin/env python3
"""Drives a system's BIOS the way OpenStack Ironic's redfish BIOS interface does
(ironic drivers/modules/redfish/bios.py: cache_bios_settings reads bios.attributes;
apply_configuration calls bios.set_attributes and reboots; factory_reset calls
bios.reset_bios) with sushy, and prints what it saw at each step as JSON.

Usage: sushy_bios.py URL USER PASSWORD SYSTEM_ID
"""
import json
import sys
import warnings

import sushy

warnings.filterwarnings("ignore")  # the demo certificate is self-signed

url, user, password, system_id = sys.argv[1:5]
root = sushy.Sushy(url + "/redfish/v1", username=user, password=password, verify=False)
system = root.get_system("/redfish/v1/Systems/" + system_id)
bios = system.bios
out = {
    "attributes": dict(bios.attributes),
    "registry": bios._attribute_registry,
    "apply_times": [t.value for t in (bios.supported_apply_times or [])],
}
bios.set_attributes({"PxeRetryCount": 4, "SriovEnable": False})
bios.refresh()
out["pending_after_set"] = dict(bios.pending_attributes)
try:
    bios.set_attributes({"PxeRetryCount": 42})
    out["refused"] = None
except sushy.exceptions.BadRequestError as e:
    out["refused"] = [m.get("MessageId") for m in e.body.get("@Message.ExtendedInfo", [])]
bios.reset_bios()
bios.refresh()
out["pending_after_reset"] = dict(bios.pending_attributes)
print(json.dumps(out))
