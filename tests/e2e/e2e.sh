#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Runs inside the VM (make check-e2e): the lab of lab.sh under real traffic,
# with two faults on the way, then check_e2e.py's assertions on what the
# central host and drill-down return, against captures of every namespace.
#
#   phase A  requests (ports 80 and 8080, the latter masqueraded), DNS-like
#            UDP and a bulk transfer, all links up
#   phase B  the same while the router's sensor is cut off from the central
#            host for 30 s (its management link down), then restored
#   phase C  the same while the central host is killed (SIGKILL) and started
#            again 5 s later
# Then it waits until every sensor has delivered every flow window of the
# traffic and the central host has stitched them.
set -u

if [ "${STRATA_VM:-}" != 1 ]; then
	echo "e2e.sh runs inside the VM: make check-e2e" >&2
	exit 1
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lab.sh"
LAB_API=10.99.0.254:8471
api=http://$LAB_API
trap lab_down EXIT

for t in nft ethtool dumpcap curl python3; do
	command -v "$t" >/dev/null || { echo "e2e: $t not found (scripts/deps.sh check installs it)"; exit 1; }
done
lab_up || { tail -n 20 "$LAB"/*.log; exit 1; }

# Captures of every link of the path, in every namespace.
for c in client:c0 router:r0 router:r1 server:s0; do
	ip netns exec "${c%%:*}" dumpcap -q -P -i "${c#*:}" -w "$LAB/cap-${c#*:}.pcap" \
		>/dev/null 2>&1 &
	echo $! >"$LAB/dumpcap-${c#*:}.pid"
done
# dumpcap takes seconds to start under emulation: traffic waits for it.
caps_ready() {
	local f
	for f in c0 r0 r1 s0; do
		[ "$(stat -c %s "$LAB/cap-$f.pcap" 2>/dev/null || echo 0)" -ge 24 ] || return 1
	done
}
lab_wait "the captures to start" caps_ready 60 || exit 1
# A ping a second keeps every sensor's clock of stored packets moving, so
# that flow windows close (60 s, then 10 s of grace and two microflows).
ip netns exec client ping -q -i 1 10.2.0.2 >/dev/null 2>&1 &
echo $! >"$LAB/ping.pid"
sleep 2

traffic() { # duration
	ip netns exec client python3 "$here/traffic.py" client 10.2.0.2 --ports 80,8080 \
		--requests 4 --queries 4 --bulk 1000000 --duration "$1" --out "$LAB/conversations.json"
}

lab_log "phase A: traffic, all links up"
traffic 10 || exit 1
lab_log "phase B: the router's sensor cut off from the central host for 30 s, under traffic"
ip -n router link set mgmt down
traffic 20 || exit 1
sleep 10
ip -n router link set mgmt up
lab_log "phase C: the central host killed (SIGKILL) under traffic, started again 5 s later"
lab_central_stop KILL
traffic 5 || exit 1
lab_central_start
end=$(date +%s)

# Every sensor past the flow window of the last traffic, and all stitched.
need=$(( (end / 60 + 1) * 60 ))
delivered() {
	curl -sf "$api/api/v1/sensors" | python3 -c '
import json, sys
need = int(sys.argv[1]) * 10**9
s = json.load(sys.stdin)["rows"]
sys.exit(0 if len(s) == 3 and all(x["through_ns"] >= need for x in s) else 1)' "$need" &&
	curl -sf "$api/api/v1/info" | grep -q '"windows_to_stitch":0'
}
lab_log "waiting for the flow windows up to $(date -d @$need +%T) to close and be stitched"
lab_wait "every flow window delivered" delivered 300 || {
	curl -s "$api/api/v1/sensors"; echo
	for f in "$LAB"/*.log; do echo "== $f"; tail -n 15 "$f"; done
	exit 1
}
for f in "$LAB"/dumpcap-*.pid; do kill "$(cat "$f")" 2>/dev/null; done
sleep 1
python3 "$here/check_e2e.py" --api "$api" --lab "$LAB"
rc=$?
[ $rc = 0 ] || for f in "$LAB"/*.log; do echo "== $f"; tail -n 15 "$f"; done
exit $rc
