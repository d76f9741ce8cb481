#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Runs inside the VM (make check-e2e): triggered recording the whole way, in
# the lab of lab.sh. The central host has one-minute macroflow windows and
# the rule "bulk: service 10.2.0.2:5001/tcp above 100 kB in a window, record
# 45 s"; every sensor's module keeps 96 bytes of each packet.
#
#   before  a 300 kB transfer to the bulk port: stored cut to 96 bytes; its
#           window raises the alarm, and the central host asks the sensors
#           on the path to record the service whole
#   during  a 50 kB transfer (under the rule's threshold: no second alarm)
#           while the recording is in force: stored whole, and the filter is
#           in `strata config show`
#   after   the recording over: `strata config show` prints what it printed
#           before, and a 50 kB transfer is cut to 96 bytes again
set -u

if [ "${STRATA_VM:-}" != 1 ]; then
	echo "alarm_record.sh runs inside the VM: make check-e2e" >&2
	exit 1
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=/tmp/strata-lab-record
LAB_CENTRAL_ARGS=(--macro-window 60 --alarm-wait 40s
		  --alarm "bulk service=10.2.0.2:5001/tcp bytes above 100000 record 45s")
. "$here/lab.sh"
LAB_API=10.99.0.254:8471
api=http://$LAB_API
sensor_api=http://10.99.0.3:8470	# the server's sensor
strata=$STRATA_BIN/strata
trap lab_down EXIT

# Like lab_wait, by the clock: a try takes a second or more under emulation.
wait_for() { # what command timeout_s
	local until=$((SECONDS + $3))

	while [ $SECONDS -lt $until ]; do
		"$2" && return 0
		sleep 1
	done
	lab_log "timed out after $3 s waiting for $1"
	return 1
}

fail() {
	echo "alarm_record: FAIL: $*"
	for f in "$LAB"/*.log; do echo "== $f"; tail -n 20 "$f"; done
	exit 1
}

for t in curl python3; do
	command -v "$t" >/dev/null || fail "$t not found (scripts/deps.sh check installs it)"
done
lab_up || fail "the lab did not come up"
for ns in "${LAB_NS[@]}"; do
	"$strata" -n "$ns" config set snaplen 96 >/dev/null || fail "config set snaplen in $ns"
	# The generation moves with every change; the rest must come back.
	"$strata" -n "$ns" config show | grep -v generation >"$LAB/config-$ns.before" ||
		fail "config show in $ns"
done
# Packets keep coming, so that the sensors' flow windows close.
ip netns exec client ping -q -i 1 10.2.0.2 >/dev/null 2>&1 &
echo $! >"$LAB/ping.pid"

bulk() { # phase bytes
	ip netns exec client python3 "$here/traffic.py" client 10.2.0.2 --requests 0 \
		--queries 0 --bulk "$2" --duration 1 --out "$LAB/$1.json" ||
		fail "the $1 transfer"
}

lab_log "before: 300 kB to the bulk port, cut to 96 bytes"
bulk before 300000
alarmed() {
	curl -sf "$api/api/v1/alarms?state=all" | python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = d["rows"] if isinstance(d, dict) else d
sys.exit(0 if any(a["rule"] == "bulk" for a in rows) else 1)'
}
lab_log "waiting for the window to end, its flows to come in and the alarm"
wait_for "the alarm" alarmed 240 || { curl -s "$api/api/v1/alarms/stats"; echo; fail "no alarm"; }
"$strata" alarm list --central "$api" || fail "strata alarm list"
recording() {
	curl -sf "$sensor_api/api/v1/record" >"$LAB/record.json" &&
		python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["recordings"]
sys.exit(0 if any(x["label"].startswith("alarm-") for x in r) else 1)' "$LAB/record.json"
}
wait_for "the server's sensor to record" recording 60 || fail "no recording on the server's sensor"
cat "$LAB/record.json"; echo
"$strata" -n server config show | grep -q "filter .*port 5001" ||
	fail "the recording's filter is not in config show"

lab_log "during: 50 kB to the bulk port, stored whole"
bulk during 50000
end=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["recordings"]
print(max(x["end"] for x in r if x["label"].startswith("alarm-")) // 10**9 + 1)' "$LAB/record.json")
over() {
	[ "$(date +%s)" -gt "$end" ] && ! recording
}
lab_log "waiting for the recording to end ($(date -d @"$end" +%T))"
wait_for "the recording to end" over 120 || fail "the recording did not end"
for ns in "${LAB_NS[@]}"; do
	"$strata" -n "$ns" config show | grep -v generation >"$LAB/config-$ns.after"
	diff -u "$LAB/config-$ns.before" "$LAB/config-$ns.after" ||
		fail "$ns: the configuration after the recording is not the one before"
done

lab_log "after: 50 kB to the bulk port, cut to 96 bytes again"
bulk after 50000
sleep 2
python3 - "$sensor_api" "$LAB" <<'EOF' || fail "stored packets"
import json, sys, urllib.request
api, lab = sys.argv[1], sys.argv[2]
for phase, whole in (("before", False), ("during", True), ("after", False)):
    conv = json.loads(open("%s/%s.json" % (lab, phase)).readline())
    url = ("%s/api/v1/packets?flow=10.1.0.2:%d-10.2.0.2:5001/tcp&from=%.3f&to=%.3f"
           "&limit=100000" % (api, conv["sport"], conv["t0"] / 1e9 - 1, conv["t1"] / 1e9 + 1))
    d = json.load(urllib.request.urlopen(url))
    rows = d["rows"] if isinstance(d, dict) else d
    data = [p for p in rows if p["payload_len"] > 0 and p["dport"] == 5001]
    sent = sum(p["payload_len"] for p in data)
    if sent < conv["sent"]:
        sys.exit("%s: %d payload bytes stored of %d sent" % (phase, sent, conv["sent"]))
    if whole:
        cut = [p for p in data if p["caplen"] < p["payload_len"] + 40]
        if cut:
            sys.exit("%s: %d of %d packets cut (caplen %d, payload %d)" %
                     (phase, len(cut), len(data), cut[0]["caplen"], cut[0]["payload_len"]))
    else:
        long = [p for p in rows if p["caplen"] > 96]
        if long or not any(p["payload_len"] > 56 for p in data):
            sys.exit("%s: %d packets longer than the snaplen of 96" % (phase, len(long)))
    print("alarm_record: %s: %d data packets, %d payload bytes, caplen %d..%d" %
          (phase, len(data), sent, min(p["caplen"] for p in data),
           max(p["caplen"] for p in data)))
EOF
echo "alarm_record: passed"
