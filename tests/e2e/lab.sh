# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The VM lab, sourced by tests/e2e/e2e.sh and tests/vm/demo.sh: client,
# router and server namespaces on a path, a sensor in each, a central host.
#
#   client 10.1.0.2 --- 10.1.0.1 router 10.2.0.1 --- 10.2.0.2 server
#      (the router forwards; TCP to port 8080 leaves it masqueraded)
#   each namespace's "mgmt" 10.99.0.{1,2,3} --- br0 10.99.0.254 (the VM's
#   root namespace, where the central stratad runs)
#
# Sensors export to 10.99.0.254:4739 and answer drill-down on
# 10.99.0.N:8470; the central API listens on $LAB_API.

LAB=${LAB:-/tmp/strata-lab}
LAB_TOKEN=${LAB_TOKEN:-lab-token}
LAB_API=${LAB_API:-0.0.0.0:8471}
LAB_NS=(client router server)
# More options for the central stratad (alarm_record.sh: rules, windows).
[ -n "${LAB_CENTRAL_ARGS+x}" ] || LAB_CENTRAL_ARGS=()
declare -A LAB_MGMT=([client]=10.99.0.1 [router]=10.99.0.2 [server]=10.99.0.3)
STRATA_BIN=${STRATA_BIN:-$STRATA_REPO/build}

lab_log() { printf 'lab: %s\n' "$*"; }

# Offloads off on the path: every location then sees the same wire packets
# (a GSO send would be one packet at the sender and many at the router).
lab_no_offload() { # ns dev
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 ||
		lab_log "ethtool -K $2 in $1 failed (offloads stay on)"
}

lab_central_start() {
	"$STRATA_BIN/stratad" --role central --store "$LAB/central" --collect 10.99.0.254:4739 \
		--listen "$LAB_API" --token "$LAB_TOKEN" --stats-interval 30 \
		"${LAB_CENTRAL_ARGS[@]}" >>"$LAB/central.log" 2>&1 &
	echo $! >"$LAB/central.pid"
}

lab_central_stop() { # [signal]
	local pid
	pid=$(cat "$LAB/central.pid" 2>/dev/null) || return 0
	kill -"${1:-TERM}" "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$LAB/central.pid"
}

lab_sensor_start() { # ns
	local ns=$1 ip=${LAB_MGMT[$1]}
	ip netns exec "$ns" "$STRATA_BIN/stratad" --role sensor --store "$LAB/$ns" \
		--central 10.99.0.254:4739 --token "$LAB_TOKEN" --sensor-id "$ns" \
		--listen "$ip:8470" --api-url "http://$ip:8470" --flush-ms 200 \
		--stats-interval 30 >>"$LAB/$ns.log" 2>&1 &
	echo $! >"$LAB/$ns.pid"
}

lab_up() {
	local ns i=0
	rm -rf "$LAB"
	mkdir -p "$LAB"
	[ -e /sys/module/strata ] || insmod "${STRATA_KO:-$STRATA_REPO/strata.ko}" || return 1
	for ns in "${LAB_NS[@]}"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	# The path.
	ip -n client link add c0 type veth peer name r0 netns router
	ip -n router link add r1 type veth peer name s0 netns server
	ip -n client addr add 10.1.0.2/24 dev c0
	ip -n router addr add 10.1.0.1/24 dev r0
	ip -n router addr add 10.2.0.1/24 dev r1
	ip -n server addr add 10.2.0.2/24 dev s0
	for d in client:c0 router:r0 router:r1 server:s0; do
		ip -n "${d%%:*}" link set "${d#*:}" up
		lab_no_offload "${d%%:*}" "${d#*:}"
	done
	ip -n client route add default via 10.1.0.1
	ip -n server route add default via 10.2.0.1
	ip netns exec router sysctl -qw net.ipv4.ip_forward=1
	# TCP to 8080 is masqueraded by the router: the server sees the
	# router's address and another port (NAT).
	modprobe -q nft_masq 2>/dev/null; modprobe -q nft_chain_nat 2>/dev/null
	ip netns exec router nft -f - <<-'EOF' || { lab_log "nft: no NAT"; return 1; }
		table ip lab {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "r1" tcp dport 8080 masquerade
			}
		}
	EOF
	# The management network, in the root namespace.
	ip link add br0 type bridge
	ip addr add 10.99.0.254/24 dev br0
	ip link set br0 up
	for ns in "${LAB_NS[@]}"; do
		i=$((i + 1))
		ip link add "m$i" type veth peer name mgmt netns "$ns"
		ip link set "m$i" master br0 up
		ip -n "$ns" addr add "${LAB_MGMT[$ns]}/24" dev mgmt
		ip -n "$ns" link set mgmt up
	done
	lab_central_start
	for ns in "${LAB_NS[@]}"; do
		lab_sensor_start "$ns"
	done
	ip netns exec server python3 "$STRATA_REPO/tests/e2e/traffic.py" serve 10.2.0.2 \
		>>"$LAB/traffic-server.log" 2>&1 &
	echo $! >"$LAB/traffic-server.pid"
	lab_wait "the central API and three sensors" lab_sensors_up 60
}

# True when the central lists the three sensors.
lab_sensors_up() {
	local s
	s=$(curl -sf "http://10.99.0.254:${LAB_API##*:}/api/v1/sensors") || return 1
	for ns in "${LAB_NS[@]}"; do
		case "$s" in *"\"id\":\"$ns\""*) ;; *) return 1 ;; esac
	done
}

lab_wait() { # what command timeout_s
	local what=$1 cmd=$2 t=$3 i
	for ((i = 0; i < t * 5; i++)); do
		"$cmd" && return 0
		sleep 0.2
	done
	lab_log "timed out after ${t}s waiting for $what"
	return 1
}

lab_down() {
	local f
	for f in "$LAB"/*.pid; do
		[ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	sleep 1
	for f in "$LAB"/*.pid; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	for ns in "${LAB_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	ip link del br0 2>/dev/null
	return 0
}
