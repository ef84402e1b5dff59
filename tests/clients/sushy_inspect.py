#!/usr/bin/env python3
"""Reads a system the way OpenStack Ironic's redfish inspection does (ironic
drivers/modules/redfish/inspect.py: processors, memory summary, ethernet interfaces,
storage) with sushy, and prints what it found as JSON: cpu_arch from the first
processor's InstructionSet (Ironic's map: x86-64 -> x86_64, ARM-A64 -> aarch64, ...),
cpus, memory_mb, the ports' MACs, local_gb from the smallest drive of at least
4 GiB, less one GiB (as Ironic 39 computes it; checked against Ironic itself).

Usage: sushy_inspect.py URL USER PASSWORD SYSTEM_ID
"""
import json
import sys
import warnings

import sushy

warnings.filterwarnings("ignore")  # the demo certificate is self-signed

CPU_ARCH = {  # ironic.drivers.modules.redfish.inspect
    "x86": "i686",
    "x86-64": "x86_64",
    "IA-64": "ia64",
    "ARM-A32": "arm",
    "ARM-A64": "aarch64",
    "MIPS32": "mips",
    "MIPS64": "mips64",
    "PowerISA": "ppc64le",
    "RV64": "riscv64",
}

url, user, password, system_id = sys.argv[1:5]
root = sushy.Sushy(url + "/redfish/v1", username=user, password=password, verify=False)
system = root.get_system("/redfish/v1/Systems/" + system_id)

out = {}
procs = system.processors.get_members()
out["cpus"] = sum(p.total_threads or 0 for p in procs)
first = procs[0]
out["instruction_set"] = str(first.instruction_set.value) if first.instruction_set else None
out["cpu_arch"] = CPU_ARCH.get(out["instruction_set"])
out["architecture"] = str(first.processor_architecture.value) if first.processor_architecture else None
out["cores"] = [p.total_cores for p in procs]
out["max_speed_mhz"] = [p.max_speed_mhz for p in procs]
out["model"] = [p.model for p in procs]
out["memory_mb"] = int(system.memory_summary.size_gib * 1024) if system.memory_summary else None
out["macs"] = sorted(e.mac_address.lower() for e in system.ethernet_interfaces.get_members())
sizes = []
for s in system.storage.get_members():
    for d in s.drives:
        sizes.append(d.capacity_bytes)
out["drive_bytes"] = sorted(sizes)
# Ironic (drivers/modules/redfish/inspect.py, _detect_local_gb): the smallest drive
# of at least 4 GiB, in GiB less one.
big = [s for s in sorted(sizes) if s >= 4 * 1024 ** 3]
out["local_gb"] = max(0, int(big[0] / 1024 ** 3 - 1)) if big else 0
print(json.dumps(out))
