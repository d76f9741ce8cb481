#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Runs inside the VM (make demo-vm): loads strata.ko, joins two namespaces by
# a veth, sends ping, UDP and TCP both ways in both families, and shows what
# strata saw: counters, configuration, closed and live microflows, packet
# records as text and as a pcap that tshark reads.
set -eu

ko=${STRATA_KO:-$PWD/strata.ko}
strata() { "$STRATA_REPO/build/strata" "$@"; }
C=client S=server
C4=10.0.0.1 S4=10.0.0.2 C6=fd00::1 S6=fd00::2
n=0

step() {
	n=$((n + 1))
	printf '\n=== %d. %s\n' "$n" "$*"
}

# The counters of both namespaces side by side.
counters() {
	printf '    %-30s %s\n' "$C ($C4, $C6)" "$S ($S4, $S6)"
	paste <(ip netns exec $C cat /proc/net/strata) <(ip netns exec $S cat /proc/net/strata) |
		awk -F'\t' '{ printf "    %-30s %s\n", $1, $2 }'
}

cleanup() {
	ip netns del $C 2>/dev/null || true
	ip netns del $S 2>/dev/null || true
	[ -e /sys/module/strata ] && rmmod strata
	return 0
}
trap cleanup EXIT

step "load strata.ko ($(uname -r))"
insmod "$ko"
grep -m1 strata /proc/modules

step "two new namespaces, $C and $S: each has its own counters, at zero"
ip netns add $C
ip netns add $S
counters

step "join them by a veth pair and bring it up (IPv6 announces itself: MLD reports, router solicitations)"
ip -n $C link add veth0 type veth peer name veth0 netns $S
ip -n $C addr add $C4/24 dev veth0
ip -n $S addr add $S4/24 dev veth0
ip -n $C addr add $C6/64 dev veth0 nodad
ip -n $S addr add $S6/64 dev veth0 nodad
for ns in $C $S; do
	ip -n $ns link set lo up
	ip -n $ns link set veth0 up
done
sleep 1
counters

step "ping, 3 echo requests each way over IPv4 and IPv6 (plus ARP / neighbour discovery)"
ip netns exec $C busybox ping -q -c 3 -W 2 $S4 | tail -n 2
ip netns exec $S busybox ping -q -c 3 -W 2 $C4 | tail -n 2
ip netns exec $C busybox ping6 -q -c 3 -W 2 $S6 | tail -n 2
ip netns exec $S busybox ping6 -q -c 3 -W 2 $C6 | tail -n 2
counters

step "UDP burst: 100 datagrams each way over IPv4 and IPv6, to closed ports (answered by rate-limited ICMP port unreachable)"
ip netns exec $C bash -c "for i in {1..100}; do echo datagram \$i >/dev/udp/$S4/9000; echo datagram \$i >/dev/udp/$S6/9000; done"
ip netns exec $S bash -c "for i in {1..100}; do echo datagram \$i >/dev/udp/$C4/9000; echo datagram \$i >/dev/udp/$C6/9000; done"
counters

step "the configuration of $S, through the strata tool (generic netlink): strata -n $S config show"
strata -n $S config show | sed 's/^/    /'

step "record TCP port 8000 in full detail (snaplen 1500, segment hashes on every packet), the rest at 96 bytes"
strata -n $S config set snaplen 96 filter proto tcp port 8000 snaplen 1500 segments all | sed 's/^/    /'

step "follow closed microflows in $S (strata microflows --closed) and its packet records (strata packets -w) during TCP: 1 MB from $C to $S over IPv4, 1 MB from $S to $C over IPv6"
strata -n $S microflows --closed -c 12 proto tcp >/tmp/closed.txt 2>&1 &
closed=$!
strata -n $S packets -c 200 -w /tmp/demo.pcap tcp port 8000 2>/tmp/packets.err &
packets=$!
sleep 0.5
ip netns exec $S busybox nc -l -p 8000 >/dev/null &
ip netns exec $C busybox nc -l -p 8006 >/dev/null &
sleep 0.5
ip netns exec $C bash -c "head -c 1000000 /dev/urandom >/dev/tcp/$S4/8000"
ip netns exec $S bash -c "head -c 1000000 /dev/urandom >/dev/tcp/$C6/8006"
sleep 2.5	# the windows of the transfers close
kill $closed $packets 2>/dev/null || true
wait || true
echo "    closed microflows of $S (TCP):"
sed 's/^/    /' /tmp/closed.txt
echo "    200 packet records of tcp port 8000 written to /tmp/demo.pcap; tshark reads them back:"
tshark -n -r /tmp/demo.pcap 2>/dev/null | head -n 8 | sed 's/^/    /'
echo "    ... $(tshark -n -r /tmp/demo.pcap 2>/dev/null | wc -l) packets in the file"

step "the live microflow table of $S (strata microflows), and one conversation in JSON (strata -j)"
strata -n $S microflows | head -n 10 | sed 's/^/    /'
strata -j -n $S microflows proto tcp port 8000 | head -c 1200 | sed 's/^/    /'
echo

step "a few packet records as the tool prints them (strata packets -c 6) while $C pings $S"
strata -n $S packets -c 6 icmp >/tmp/ping.txt 2>&1 &
p=$!
sleep 0.3
ip netns exec $C busybox ping -q -c 3 -W 2 $S4 >/dev/null
wait $p || true
sed 's/^/    /' /tmp/ping.txt

step "the counters through the tool: strata -n $S stats"
strata -n $S stats | sed 's/^/    /'
counters

step "unload strata.ko: /proc/net/strata goes away"
rmmod strata
ls /proc/net/strata 2>&1 | sed 's/^/    /' || true
