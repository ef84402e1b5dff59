#!/usr/bin/env bash
# OpenStack Ironic (standalone: SQLite, no auth, no message bus) against sidebridge:
# enrol one DPU with the `redfish` hardware type, manage it, run Ironic's redfish
# inspection, then a manual cleaning with the BIOS interface's apply_configuration
# step (PxeRetryCount 5) and read the cached BIOS settings back. Prints one JSON
# object with what Ironic recorded.
#
# Usage: ironic_flow.sh IRONIC_BIN_DIR REDFISH_URL PASSWORD SYSTEM_ID WORKDIR
set -euo pipefail
bin=$1 url=$2 password=$3 system=$4 work=$5
mkdir -p "$work/log"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/ironic.conf" <<CONF
[DEFAULT]
auth_strategy = noauth
enabled_hardware_types = redfish
enabled_power_interfaces = redfish
enabled_management_interfaces = redfish
enabled_boot_interfaces = redfish-virtual-media
enabled_deploy_interfaces = ramdisk,direct
enabled_inspect_interfaces = redfish
enabled_bios_interfaces = redfish
enabled_network_interfaces = noop
enabled_raid_interfaces = no-raid
enabled_vendor_interfaces = no-vendor
enabled_firmware_interfaces = no-firmware
enabled_console_interfaces = no-console
enabled_rescue_interfaces = no-rescue
rpc_transport = none
host = localhost
log_file = $work/log/ironic.log
[database]
connection = sqlite:///$work/ironic.db
[api]
host_ip = 127.0.0.1
port = $port
[conductor]
automated_clean = false
[dhcp]
dhcp_provider = none
CONF
"$bin/ironic-dbsync" --config-file "$work/ironic.conf" create_schema >"$work/log/dbsync.log" 2>&1
# Its own process group, so that its workers go with it.
setsid env -u REQUESTS_CA_BUNDLE "$bin/ironic" --config-file "$work/ironic.conf" >"$work/log/ironic.out" 2>&1 &
pid=$!
trap 'kill -TERM -- -$pid 2>/dev/null || true; sleep 1; kill -KILL -- -$pid 2>/dev/null || true' EXIT
python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(240):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2)
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the Ironic API did not start")
PY
export OS_ENDPOINT=http://127.0.0.1:$port OS_AUTH_TYPE=none
bm() { "$bin/baremetal" --os-baremetal-api-version latest "$@"; }
bm node create --driver redfish --name dpu \
  --driver-info redfish_address="$url" \
  --driver-info redfish_system_id="/redfish/v1/Systems/$system" \
  --driver-info redfish_username=admin --driver-info redfish_password="$password" \
  --driver-info redfish_verify_ca=False >/dev/null
bm node manage dpu --wait 120 >/dev/null
bm node inspect dpu --wait 180 >/dev/null
inspected=$(bm node show dpu -f json -c provision_state -c last_error -c properties -c power_state)
ports=$(bm port list --node dpu -f json -c address)
bios_before=$(bm node bios setting list dpu -f json)
bm node clean dpu --disable-ramdisk --wait 300 \
  --clean-steps '[{"interface": "bios", "step": "apply_configuration", "args": {"settings": [{"name": "PxeRetryCount", "value": 5}]}}]' >/dev/null
cleaned=$(bm node show dpu -f json -c provision_state -c last_error)
bios_after=$(bm node bios setting list dpu -f json)
printf '{"inspected": %s, "ports": %s, "bios_before": %s, "cleaned": %s, "bios_after": %s}\n' \
  "$inspected" "$ports" "$bios_before" "$cleaned" "$bios_after"
