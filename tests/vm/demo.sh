#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Runs inside the VM (make demo-vm): the lab of tests/e2e/lab.sh (client,
# router and server namespaces, a sensor in each, a central host) under real
# traffic, with the central API forwarded to the host. It prints what to try
# from the host, then keeps the lab running for STRATA_DEMO_MINUTES (30) or
# until ^C on the host.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../e2e" && pwd)
# One rule to watch: the bulk service's bytes in a 15-minute window (about
# 45 MB of it here); its alarm asks the sensors to record it whole for 2 min.
LAB_CENTRAL_ARGS=(--alarm "bulk service=10.2.0.2:5001/tcp bytes above 20000000 record 2m")
. "$here/lab.sh"
port=${STRATA_FORWARD:-8471}
LAB_API=0.0.0.0:$port
minutes=${STRATA_DEMO_MINUTES:-30}
api=http://10.99.0.254:$port
trap lab_down EXIT

step() { printf '\n=== %s\n' "$*"; }

step "the VM's network card, for the central API on the host's 127.0.0.1:$port"
modprobe -q virtio_net 2>/dev/null
for i in $(seq 50); do ip link show eth0 >/dev/null 2>&1 && break; sleep 0.1; done
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 || echo "    no eth0: the API is reachable inside the VM only"

step "the lab: client 10.1.0.2 > router (forwards; masquerades TCP to 8080) > server 10.2.0.2; a sensor in each namespace, the central host beside them"
lab_up || { tail -n 20 "$LAB"/*.log; exit 1; }
curl -s "$api/api/v1/sensors" | python3 -m json.tool | sed 's/^/    /' | head -n 40

step "traffic, a round every 20 s: HTTP-like requests to ports 80 and 8080, DNS-like UDP, a 1 MB bulk transfer"
(
	while :; do
		ip netns exec client python3 "$here/traffic.py" client 10.2.0.2 --ports 80,8080 \
			--requests 3 --queries 3 --bulk 1000000 --duration 15 --out "$LAB/conversations.json" \
			2>>"$LAB/traffic-client.log"
		sleep 5
	done
) &
echo $! >"$LAB/traffic-client.pid"
ip netns exec client ping -q -i 1 10.2.0.2 >/dev/null 2>&1 &
echo $! >"$LAB/ping.pid"

step "waiting for the first flow window to close (60 s windows, then 10 s of grace) and reach the central host"
stitched() { curl -sf "$api/api/v1/info" | python3 -c '
import json, sys
i = json.load(sys.stdin)
sys.exit(0 if i["connected_flows"] > 0 and i["windows_to_stitch"] == 0 else 1)'; }
lab_wait "the first connected flows" stitched 240 || exit 1
Q="build/strata query --central http://127.0.0.1:$port"
id=$(curl -sf "$api/api/v1/flows?proto=tcp&port=80&group=service&addr=10.2.0.2&limit=1" |
	python3 -c 'import json,sys; f=json.load(sys.stdin)["rows"]; print(f[0]["id"] if f else "")')
step "ready. From the host, in the repository (another terminal):"
cat <<EOF
    $Q sensors
    $Q macroflows                          # 15-minute macroflows per service
    $Q macroflows --group client
    $Q macroflows --group application
    $Q macroflows --group client --by client --fields avg_rtt_hs,pkt_rate,loss_ratio
    build/strata alarm list --all --central http://127.0.0.1:$port   # after the first 15-min window ends (+2 min): rule "bulk"
    build/strata alarm stats --central http://127.0.0.1:$port
    $Q flows port 80 proto tcp addr 10.2.0.2  # connected flows of a service
    $Q flows ${id:-ID}            # one flow's path: delay and loss per hop
    $Q locations ${id:-ID}
    $Q microflows ${id:-ID}
    $Q packets ${id:-ID}          # every packet, from the three sensors, by time
    $Q packets ${id:-ID} -w /tmp/flow.pcapng && tshark -r /tmp/flow.pcapng
    curl -s http://127.0.0.1:$port/api/openapi.json
    curl -s 'http://127.0.0.1:$port/api/v1/flows?format=csv' | head
The lab runs for $minutes minutes; ^C here stops it.
EOF
end=$((SECONDS + minutes * 60))
while [ $SECONDS -lt $end ]; do
	sleep 30
	curl -sf "$api/api/v1/info" | python3 -c '
import json, sys
i = json.load(sys.stdin)
print("    central: %(sensors)d sensors, %(location_flows)d location flows, %(connected_flows)d connected flows, %(macroflows)d macroflows" % i)' || true
done
