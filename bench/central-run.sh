#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The central host's benchmarks of `make bench`: location flows stored per
# second by a central stratad fed by generated sensors over IPFIX/TCP, next
# to nfcapd taking the same flows as IPFIX over UDP (twice: records of the
# 11 fields it stores, and strata's own records); and the drill-down from
# a connected flow to its packets at three sensors, next to tshark -Y on the
# capture. Prints the "central host" section of the table.
#
# Environment: B (build dir, default build), BENCH_CENTRAL_SENSORS (generated
# sensors, default 4), BENCH_CENTRAL_WINDOWS (flow windows each, default
# 10), BENCH_CENTRAL_FLOWS (location flows per window and sensor, default
# 20000), BENCH_CENTRAL_MTU (nfcapd's datagrams, bytes, default 1400),
# BENCH_CENTRAL_REPS (ingest runs of each tool, best kept, default 3),
# BENCH_DRILL_REQUESTS (drill-down requests per capture, default 200),
# BENCH_DRILL_TSHARK (of those, how many tshark does too, default 20),
# BENCH_DRILL_PACKETS (the generated drill-down capture, default 200000),
# STRATA_PCAPS (the real captures, default ../shared/pcaps). Exits 0 when
# the figures were measured, whether or not the target is met; 1 when a tool
# failed or a sanity check did not hold.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

B=${B:-build}
OUT=$B/bench
STRATA=$B/strata
STRATAD=$B/stratad
GEN=$OUT/central-gen
NSENS=${BENCH_CENTRAL_SENSORS:-4}
NWIN=${BENCH_CENTRAL_WINDOWS:-10}
NFLOWS=${BENCH_CENTRAL_FLOWS:-20000}
MTU=${BENCH_CENTRAL_MTU:-1400}
REPS=${BENCH_CENTRAL_REPS:-3}
DREQS=${BENCH_DRILL_REQUESTS:-200}
DTSHARK=${BENCH_DRILL_TSHARK:-20}
DPACKETS=${BENCH_DRILL_PACKETS:-200000}
PCAPS=${STRATA_PCAPS:-../shared/pcaps}
REAL=$PCAPS/ntop_nDPI/tests/cfgs/default/pcap/netflix.pcap
GENCAP=$OUT/capture-$DPACKETS.pcap
WORK=$OUT/central-work
TOKEN=bench-central
TARGET=2	# stored records/s over nfcapd's, from the issue
# nfcapd's socket buffer: its man page says > 100k for high volumes; this
# is net.core.rmem_max here (the kernel doubles it).
NF_RCVBUF=4194304

for t in "$STRATA" "$STRATAD" "$GEN" "$OUT/gen-pcap"; do
	[ -x "$t" ] || die "$t missing; run 'make bench-central'"
done
need_tools nfcapd nfdump tshark capinfos jq
[ -s "$REAL" ] || die "$REAL missing (STRATA_PCAPS: the folder of the real captures)"
if [ "$REPS" -lt 1 ] || [ "$DREQS" -lt 1 ] || [ "$DTSHARK" -lt 1 ]; then
	die "BENCH_CENTRAL_REPS, BENCH_DRILL_REQUESTS and BENCH_DRILL_TSHARK must be at least 1"
fi
fresh_work
start_all=$(date +%s)
TCK=$(getconf CLK_TCK)

# ---- the daemons: ours, stopped by their PIDs, at the end whatever happens ----

DAEMONS=()
stop_daemon() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
stop_all() {
	local p
	for p in "${DAEMONS[@]}"; do
		stop_daemon "$p"
	done
	DAEMONS=()
}
trap stop_all EXIT

# start_central DIR LOG [BUDGET]: a central stratad on ports the kernel
# picks (its log says which); sets C_PID, C_API (its URL) and C_COLLECT.
start_central() {
	local i line
	"$STRATAD" --role central --store "$1" --collect 127.0.0.1:0 --listen 127.0.0.1:0 \
		--token "$TOKEN" --budget "${3:-8G}" --stats-interval 0 >"$2" 2>&1 &
	C_PID=$!
	DAEMONS+=("$C_PID")
	for ((i = 0; i < 100; i++)); do
		line=$(grep -h 'central: collecting on' "$2" || true)
		[ -n "$line" ] && break
		kill -0 "$C_PID" 2>/dev/null || { tail -3 "$2" >&2; die "the central stratad did not start"; }
		sleep 0.1
	done
	[ -n "$line" ] || die "the central stratad is not collecting after 10 s (see $2)"
	C_COLLECT=127.0.0.1:$(sed -n 's/.*collecting on .*(port \([0-9]*\)).*/\1/p' <<<"$line")
	C_API=http://127.0.0.1:$(sed -n 's/.*central API on .*(port \([0-9]*\)).*/\1/p' "$2")
}

# cpu_s PID: its CPU seconds so far (user + system).
cpu_s() { awk -v t="$TCK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }

# Each run starts from nothing and with no dirty pages (rm, sync, untimed),
# and with warm memory (bench/lib.sh).
fresh() { rm -rf "$WORK/out"; sync; warm_memory; }

busy0=$(busy)

# What TCP over loopback moves when nothing else is done: the ceiling of
# any collector fed over it here.
"$GEN" loopback >"$WORK/loopback.out" || die "central-gen loopback failed"
lo_mbps=$(kv " $(grep '^loopback ' "$WORK/loopback.out")" mbps)
# What decoding alone costs the central, on one CPU (the best of 3).
dec_ns=''
for ((r = 0; r < 3; r++)); do
	"$GEN" decode -w "$NWIN" -f "$NFLOWS" >"$WORK/decode.out" || die "central-gen decode failed"
	n=$(kv " $(grep '^decode ' "$WORK/decode.out")" ns_per_record)
	if [ -z "$dec_ns" ] || [ "$n" -lt "$dec_ns" ]; then dec_ns=$n; fi
done

# ---- ingest: generated sensors into a central stratad, the same flows into nfcapd ----

records=$((NSENS * NWIN * NFLOWS))
st_best='' sti_best='' st_line='' sti_line='' st_cpu=''
for ((r = 1; r <= REPS; r++)); do
	log "central ingest, strata: $NSENS sensors x $NWIN windows x $NFLOWS location flows over TCP (run $r of $REPS)"
	fresh
	start_central "$WORK/out" "$WORK/central-ingest.log"
	c0=$(cpu_s "$C_PID")
	"$GEN" strata -c "$C_COLLECT" -a "$C_API" -n "$NSENS" -w "$NWIN" -f "$NFLOWS" -t "$TOKEN" \
		>"$WORK/strata-$r.out" 2>"$WORK/strata-$r.err" || { cat "$WORK/strata-$r.err" >&2; die "central-gen strata failed"; }
	c1=$(cpu_s "$C_PID")
	stop_all
	line=$(grep '^strata ' "$WORK/strata-$r.out")
	rps=$(kv "$line" stored_rps)
	if [ -z "$st_best" ] || [ "$rps" -gt "$st_best" ]; then
		st_best=$rps st_line=$line
		st_cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b - a}')
		st_acks=$(kv " $(grep '^strata_windows ' "$WORK/strata-$r.out")" acked_s)
	fi
	rps=$(kv "$line" stitched_rps)
	if [ -z "$sti_best" ] || [ "$rps" -gt "$sti_best" ]; then
		sti_best=$rps sti_line=$line
	fi
done
st_bytes=$(kv "$st_line" bytes)

# nf_ingest TAG [central-gen nfcapd options]: REPS runs of nfcapd taking the
# flows; sets NF[TAG.rps] (best, records written / s), NF[TAG.line] and
# NF[TAG.files].
declare -A NF
nf_ingest() {
	local tag=$1 r port line got got_pk s rps
	shift
	NF[$tag.rps]=''
	for ((r = 1; r <= REPS; r++)); do
		log "central ingest, nfcapd: the same flows as IPFIX biflows over UDP, $tag records (run $r of $REPS)"
		fresh
		mkdir "$WORK/out"
		port=$("$GEN" port)
		"$GEN" nfcapd "$@" -u "$port" -n "$NSENS" -w "$NWIN" -f "$NFLOWS" -- \
			nfcapd -p "$port" -b 127.0.0.1 -4 -w "$WORK/out" -B "$NF_RCVBUF" -t 300 \
			>"$WORK/nfcapd-$tag-$r.out" 2>"$WORK/nfcapd-$tag-$r.err" ||
			{ tail -5 "$WORK/nfcapd-$tag-$r.err" >&2; die "central-gen nfcapd failed"; }
		line=$(grep '^nfcapd ' "$WORK/nfcapd-$tag-$r.out")
		# What nfcapd wrote, counted by nfdump: every flow, every packet.
		nfdump -R "$WORK/out" -I >"$WORK/nfdump-$tag-$r.txt" 2>&1 ||
			{ cat "$WORK/nfdump-$tag-$r.txt" >&2; die "nfdump -I failed"; }
		got=$(sed -n 's/^Flows: //p' "$WORK/nfdump-$tag-$r.txt")
		got_pk=$(sed -n 's/^Packets: //p' "$WORK/nfdump-$tag-$r.txt")
		if [ "$got" != "$records" ] || [ "$got_pk" != "$(kv "$line" packets)" ] || [ "$(kv "$line" udp_drops)" != 0 ]; then
			die "sanity: nfcapd ($tag records) stored $got flows, $got_pk packets of $records, $(kv "$line" packets) sent; the kernel dropped $(kv "$line" udp_drops) datagrams"
		fi
		s=$(kv "$line" written_s)
		rps=$(awk -v n="$got" -v s="$s" 'BEGIN{printf "%.0f", n/s}')
		if [ -z "${NF[$tag.rps]}" ] || [ "$rps" -gt "${NF[$tag.rps]}" ]; then
			NF[$tag.rps]=$rps NF[$tag.line]=$line
			NF[$tag.files]=$(find "$WORK/out" -name 'nfcapd.*' | wc -l)
		fi
	done
	rm -rf "$WORK/out"
}
# The 11 standard elements nfcapd stores, in datagrams of a path MTU; and
# strata's own records, about 100 elements and 16 fingerprints each, in
# datagrams as large as the central's TCP messages (loopback's MTU is 64 KiB).
nf_ingest own -s "$MTU"
nf_ingest same -F -s 65000
nf_best=${NF[own.rps]} nf_line=${NF[own.line]}
nf_read=$(kv "$nf_line" read_rps)

busy_mid=$(busy)

# ---- drill-down: a connected flow's packets from three sensors ----

capture "$GENCAP" -n "$DPACKETS"

declare -A D
# drill NAME CAPTURE: three sensors serving stores of CAPTURE feed a central;
# DREQS drill-downs timed through its API, DTSHARK of them by tshark and
# strata query too; the figures go to D[NAME.*].
drill() {
	local name=$1 cap=$2 d=$WORK/drill-$1 through s port line n one pk ws flt ip l4 t0 t1 a ap b bp
	local -a sample ts cli
	mkdir -p "$d"
	log "drill-down ($name): three sensor stores of $cap"
	cat "$cap" >/dev/null
	"$STRATA" analyze "$cap" --store "$d/store-client" >/dev/null || die "strata analyze $cap failed"
	through=$("$STRATA" -j store info --store "$d/store-client" | jq -r .flows_through)
	cp -r "$d/store-client" "$d/store-router"
	cp -r "$d/store-client" "$d/store-server"
	start_central "$d/central" "$d/central.log" 1G
	for s in client router server; do
		port=$("$GEN" port)
		"$STRATAD" --role sensor --capture no --store "$d/store-$s" --central "$C_COLLECT" \
			--token "$TOKEN" --sensor-id "$s" --listen "127.0.0.1:$port" \
			--api-url "http://127.0.0.1:$port" --stats-interval 0 >"$d/sensor-$s.log" 2>&1 &
		DAEMONS+=($!)
	done
	log "drill-down ($name): $DREQS connected flows' packets, as JSON and as pcapng"
	"$GEN" drill -a "$C_API" -n 3 -T "$through" -r "$DREQS" >"$d/drill.out" 2>"$d/drill.err" ||
		{ cat "$d/drill.err" >&2; die "central-gen drill ($name) failed"; }
	D[$name.flows]=$(kv " $(grep '^info ' "$d/drill.out")" cflows)
	D[$name.json]=$(sed -n 's/.* json_us=\([0-9]*\).*/\1/p' "$d/drill.out" | pctl 50 95)
	D[$name.pcapng]=$(sed -n 's/.* pcapng_us=\([0-9]*\).*/\1/p' "$d/drill.out" | pctl 50 95)
	D[$name.packets]=$(sed -n 's/.* packets=\([0-9]*\).*/\1/p' "$d/drill.out" | pctl 50 95)

	# The first DTSHARK distinct TCP and UDP flows of the requests (tshark's
	# filter needs ports): the same packets out of the capture with tshark,
	# and out of the API with strata query, each a whole process.
	mapfile -t sample < <(grep '^req ' "$d/drill.out" | grep -E ' proto=(tcp|udp) ' |
		awk '!seen[$3]++' | head -n "$DTSHARK")
	[ "${#sample[@]}" -gt 0 ] || die "drill-down ($name): no TCP or UDP flow among the requests"
	log "drill-down ($name): ${#sample[@]} of them with tshark -r -Y -w and strata query packets -w"
	ts=() cli=()
	for line in "${sample[@]}"; do
		n=$(kv "$line" packets) one=$(kv "$line" one) l4=$(kv "$line" proto)
		ws=$(($(kv "$line" window_ns) / 1000000000))

		a=$(kv "$line" client) ap=$(kv "$line" client_port)
		b=$(kv "$line" server) bp=$(kv "$line" server_port)
		if [[ $a == *:* ]]; then ip=ipv6; else ip=ip; fi
		# Both directions exactly, over the connected flow's flow window.
		flt="(($ip.src==$a && $l4.srcport==$ap && $ip.dst==$b && $l4.dstport==$bp) ||"
		flt+=" ($ip.src==$b && $l4.srcport==$bp && $ip.dst==$a && $l4.dstport==$ap))"
		flt+=" && frame.time_epoch >= $ws && frame.time_epoch < $((ws + 60))"
		wall s tshark -n -r "$cap" -Y "$flt" -w "$d/t.pcap"
		ts+=("$s")
		pk=$(frames "$d/t.pcap")
		[ "$pk" = "$one" ] || die "sanity ($name): tshark -Y '$flt' found $pk packets, a sensor $one ($line)"
		t0=${EPOCHREALTIME/[.,]/}
		"$STRATA" query packets "$(kv "$line" id)" -w "$d/q.pcapng" --central "$C_API" 2>"$d/q.err" ||
			{ cat "$d/q.err" >&2; die "strata query packets failed"; }
		t1=${EPOCHREALTIME/[.,]/}
		cli+=($((t1 - t0)))
		pk=$(frames "$d/q.pcapng")
		[ "$pk" = "$n" ] || die "sanity ($name): strata query packets wrote $pk packets, the path counts $n ($line)"
	done
	D[$name.nsample]=${#sample[@]}
	D[$name.tshark]=$(printf '%s\n' "${ts[@]}" | pctl 50 95)
	D[$name.cli]=$(printf '%s\n' "${cli[@]}" | pctl 50 95)
	D[$name.frames]=$(frames "$cap")
	D[$name.mb]=$(mb "$(stat -L -c %s "$cap")")
	stop_all
	rm -rf "$d/store-client" "$d/store-router" "$d/store-server"
}
drill real "$REAL"
drill gen "$GENCAP"

# What a strata process costs before it does anything (dynamic linking of
# its libraries, mostly): most of strata query's time above.
su=()
for ((i = 0; i < DTSHARK; i++)); do
	t0=${EPOCHREALTIME/[.,]/}
	"$STRATA" version >/dev/null
	t1=${EPOCHREALTIME/[.,]/}
	su+=($((t1 - t0)))
done
startup_ms=$(printf '%s\n' "${su[@]}" | pctl 50)
D[real.label]=$(basename "$REAL" .pcap)
D[gen.label]=gen-$DPACKETS

busy1=$(busy)

# ---- the section of the table ----

mrps() { awk -v x="$1" 'BEGIN{printf "%.3f Mrec/s", x/1e6}'; }
ms() { awk -v x="$1" 'BEGIN{printf "%.2f ms", x/1e3}'; }
sec() { awk -v x="$1" 'BEGIN{printf "%.2f s", x}'; }
# tratio SECONDS MICROSECONDS: the peer's seconds over strata's time.
tratio() { awk -v s="$1" -v u="$2" 'BEGIN{printf "%.1fx", s*1e6/u}'; }

echo
echo "central host: $NSENS generated sensors x $NWIN flow windows x $NFLOWS location flows = $records records;" \
	"drill-down from three sensors' stores of $REAL and of $GENCAP; $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "records/s: records stored / wall-clock seconds (best of $REPS); ratio = strata / peer"
echo "drill-down: API request times over one kept-alive connection, median and p95 of $DREQS;" \
	"tshark and strata query: whole processes; ratio = peer / strata (above 1: strata is faster)"
echo "CPUs busy with other work before the ingest / before the drill-down / after it: $busy0 / $busy_mid / $busy1" \
	"(well above 0%: timings are pessimistic)"
echo
head_rows
same_best=${NF[same.rps]} same_line=${NF[same.line]}
row "rec/s: central, stored (TCP, acked)" "$(mrps "$st_best")" "nfcapd, its 11 fields (UDP, no ack)" "$(mrps "$nf_best")" "$(ratio "$st_best" "$nf_best")"
row "rec/s: central, stored (TCP, acked)" "$(mrps "$st_best")" "nfcapd, strata's records (UDP, no ack)" "$(mrps "$same_best")" "$(ratio "$st_best" "$same_best")"
row "rec/s: central, stored and stitched" "$(mrps "$sti_best")" "nfcapd, its 11 fields" "$(mrps "$nf_best")" "$(ratio "$sti_best" "$nf_best")"
row "rec/s: central, stored and stitched" "$(mrps "$sti_best")" "nfcapd, strata's records" "$(mrps "$same_best")" "$(ratio "$sti_best" "$same_best")"
row "rec/s: central, stored (diagnostic)" "$(mrps "$st_best")" "nfcapd, datagrams read" "$(mrps "$nf_read")" "$(ratio "$st_best" "$nf_read")"
row "B/record on the wire (diagnostic)" "$(awk -v b="$st_bytes" -v n="$records" 'BEGIN{printf "%.0f B", b/n}')" \
	"nfcapd: its 11 fields, $MTU B datagrams" "$(awk -v b="$(kv "$nf_line" bytes)" -v n="$records" 'BEGIN{printf "%.0f B", b/n}')" \
	"$(ratio "$st_bytes" "$(kv "$nf_line" bytes)")"
row "rec/s: TCP over loopback alone (diagnostic)" \
	"$(awk -v m="$lo_mbps" -v b="$st_bytes" -v n="$records" 'BEGIN{printf "%.3f Mrec/s", m*1e6/(b/n)/1e6}')" \
	"nfcapd, its 11 fields" "$(mrps "$nf_best")" \
	"$(awk -v m="$lo_mbps" -v b="$st_bytes" -v n="$records" -v p="$nf_best" 'BEGIN{printf "%.2fx", m*1e6/(b/n)/p}')"
row "us/record: decoding alone (diagnostic)" "$(awk -v n="$dec_ns" 'BEGIN{printf "%.2f us", n/1e3}')" \
	"nfcapd's CPU, strata's records" \
	"$(awk -v c="$(kv "$same_line" cpu_s)" -v n="$records" 'BEGIN{printf "%.2f us", c*1e6/n}')" \
	"$(awk -v c="$(kv "$same_line" cpu_s)" -v n="$records" -v d="$dec_ns" 'BEGIN{printf "%.2fx", c*1e9/n/d}')"
row "MB/s taken in (diagnostic)" "$(awk -v b="$st_bytes" -v s="$(kv "$st_line" stored_s)" 'BEGIN{printf "%.0f MB/s", b/s/1e6}')" \
	"nfcapd, strata's records" "$(awk -v b="$(kv "$same_line" bytes)" -v s="$(kv "$same_line" written_s)" 'BEGIN{printf "%.0f MB/s", b/s/1e6}')" \
	"$(awk -v a="$st_bytes" -v sa="$(kv "$st_line" stored_s)" -v b="$(kv "$same_line" bytes)" -v sb="$(kv "$same_line" written_s)" 'BEGIN{printf "%.2fx", (a/sa)/(b/sb)}')"
for name in real gen; do
	read -r jm jp <<<"${D[$name.json]}"
	read -r pm pp <<<"${D[$name.pcapng]}"
	read -r tm tp <<<"${D[$name.tshark]}"
	read -r cm cp <<<"${D[$name.cli]}"
	k=${D[$name.nsample]} c=${D[$name.label]}
	row "ms: drill JSON median, $c" "$(ms "$jm")" "tshark -r -Y -w, median of $k" "$(sec "$tm")" "$(tratio "$tm" "$jm")"
	row "ms: drill JSON p95, $c" "$(ms "$jp")" "tshark -r -Y -w, p95 of $k" "$(sec "$tp")" "$(tratio "$tp" "$jp")"
	row "ms: drill pcapng median, $c" "$(ms "$pm")" "tshark -r -Y -w, median of $k" "$(sec "$tm")" "$(tratio "$tm" "$pm")"
	row "ms: drill pcapng p95, $c" "$(ms "$pp")" "tshark -r -Y -w, p95 of $k" "$(sec "$tp")" "$(tratio "$tp" "$pp")"
	row "ms: strata query -w median, $c" "$(ms "$cm")" "tshark -r -Y -w, median of $k" "$(sec "$tm")" "$(tratio "$tm" "$cm")"
done
echo
echo "strata (best run): $NSENS TCP connections, one IPFIX stream each (hello, then per window its location flows" \
	"and mark, the next window after the ack); acked after the central's LMDB commit (sync = no, the default: in the page cache, not fsync'd);" \
	"$(kv "$st_line" stored_s) s to the last ack, $(kv "$sti_line" stitched_s) s until nothing was left to stitch" \
	"(best stitched run); the central's CPU: $st_cpu s; $(kv "$st_line" cflows) connected flows of $NSENS locations each," \
	"$(kv "$st_line" macroflows) macroflows, $(kv "$st_line" used_bytes) B of LMDB in use"
echo "strata (best run): the last sensor's ack of each window, seconds after the first byte: $st_acks" \
	"(the central stitches a window once it has had no new flows for 2 s, in a thread of its own)"
for tag in own same; do
	line=${NF[$tag.line]}
	echo "nfcapd ($tag records, best run): $(kv "$line" datagrams) datagrams of at most $(kv "$line" mtu) B," \
		"$(kv "$line" bytes) B, IPFIX biflows (RFC 5103 reverse counters), one observation" \
		"domain per sensor; $(kv "$line" read_s) s until it had read the last, $(kv "$line" written_s) s until it had" \
		"exited after SIGTERM ($(kv "$line" term_s) s of it), its file written (${NF[$tag.files]} file(s), not fsync'd);" \
		"its CPU: $(kv "$line" cpu_s) s; the sender waited for its socket queue $(kv "$line" pace_waits) times," \
		"the kernel dropped $(kv "$line" udp_drops); nfdump -I counts $records flows and every packet"
done
for name in real gen; do
	read -r pkm pkp <<<"${D[$name.packets]}"
	echo "drill-down (${D[$name.label]}): ${D[$name.frames]} frames (${D[$name.mb]}), ${D[$name.flows]} connected flows;" \
		"packets per answer (3 locations): median $pkm, p95 $pkp; tshark's and strata query's outputs hold" \
		"the flow window's packets, as many as the sensors count (checked for all ${D[$name.nsample]})"
done
echo "TCP over loopback, a thread sending 4 GiB to another that only reads: $lo_mbps MB/s; at strata's" \
	"bytes per record that is the records/s of the row above, before any decoding or storing"
echo "strata query's start-up: 'strata version' takes $(ms "$startup_ms") (median of $DTSHARK) before it does anything"
echo
for tag in own same; do
	r=$(awk -v a="$st_best" -v b="${NF[$tag.rps]}" 'BEGIN{printf "%.2f", a/b}')
	echo "target: central stored records/s >= ${TARGET}x nfcapd's ($tag records): ${r}x:" \
		"$(awk -v r="$r" -v t="$TARGET" 'BEGIN{print (r >= t ? "PASS" : "BELOW TARGET")}')"
done
echo
log "central host part done in $(( $(date +%s) - start_all )) s; raw outputs in $WORK"
