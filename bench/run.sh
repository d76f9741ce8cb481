#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The benchmarks of `make bench`: strata's shared core and offline reader next
# to softflowd and nfpcapd on one generated capture, then the packet store
# next to nfpcapd, tcpdump and tshark (bench/store-run.sh), then the central
# host next to nfcapd and tshark (bench/central-run.sh), then strata.ko in a
# VM next to no monitor and tcpdump (bench/vm-run.sh), printed as ratios.
#
# Environment: B (build dir, default build), BENCH_PACKETS (capture size,
# default 1000000), BENCH_REPS (timed repetitions, best kept, default 5),
# BENCH_CG_PACKETS (callgrind on this prefix of the capture; default 0, the
# whole capture), BENCH_STORE (0: leave the packet-store part out, said in the
# output; default 1), BENCH_CENTRAL (0: leave the central-host part out, said
# in the output; default 1), BENCH_VM (0: leave the VM part out, said in the
# output; default 1), and those of bench/store-run.sh, bench/central-run.sh
# and bench/vm-run.sh. Exits 0
# when the figures were measured, whether or not the targets are met; 1 when a
# tool failed or a sanity check did not hold.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

B=${B:-build}
OUT=$B/bench
PACKETS=${BENCH_PACKETS:-1000000}
REPS=${BENCH_REPS:-5}
CG_PACKETS=${BENCH_CG_PACKETS:-0}
CAP=$OUT/capture-$PACKETS.pcap
WORK=$OUT/work
TARGET=3	# the core's packets/s over softflowd's, from the issue
STORE=${BENCH_STORE:-1}
CENTRAL=${BENCH_CENTRAL:-1}
VM=${BENCH_VM:-1}
VM_TARGET=0.85	# in the VM, throughput with records drained / without strata.ko

for t in core-bench gen-pcap pcap-head; do
	[ -x "$OUT/$t" ] || die "$OUT/$t missing; run 'make bench'"
done
need_tools softflowd nfpcapd valgrind callgrind_annotate
fresh_work
start_all=$(date +%s)

# ---- the capture: generated once per generator build, never committed ----
capture "$CAP" -n "$PACKETS"
CG_CAP=$CAP
cg_pkts=$PACKETS
if [ "$CG_PACKETS" -gt 0 ] && [ "$CG_PACKETS" -lt "$PACKETS" ]; then
	CG_CAP=$WORK/prefix-$CG_PACKETS.pcap
	"$OUT/pcap-head" "$CG_PACKETS" "$CAP" "$CG_CAP"
	cg_pkts=$CG_PACKETS
fi

# ---- helpers (the others are in bench/lib.sh) ----

# ir FILE: total instructions in a callgrind output file.
ir() { awk '/^totals:/{t=$2} /^summary:/{s=$2} END{print (t!="" ? t : s)}' "$1"; }

# ---- timed runs, one at a time (nothing else of ours runs beside them) ----

busy0=$(busy)

log "core in memory: best of $REPS passes (and $REPS each of two diagnostics)"
core=$("$OUT/core-bench" -F -r "$REPS" "$CAP" 2>"$WORK/core.err") || { cat "$WORK/core.err" >&2; die "core-bench failed"; }
core_line=$(grep '^core ' <<<"$core")
core_cnt=$(grep '^core_counters ' <<<"$core")
core_pps=$(kv "$core_line" pps)
allseg_pps=$(kv "$(grep '^allseg ' <<<"$core")" pps)
nofp_pps=$(kv "$(grep '^nofp ' <<<"$core")" pps)
frames=$(kv "$core_line" frames)

log "strata offline reader (strata_offline_run): best of $REPS runs"
off=$("$OUT/core-bench" -O -r "$REPS" "$CAP") || die "core-bench -O failed"
off_line=$(grep '^offline ' <<<"$off")
off_pps=$(kv "$off_line" pps)

# softflowd as bench/lib.sh says, on the capture.
sf_cmd=("${SOFTFLOWD[@]}" -p "$WORK/softflowd.pid" -r)
log "softflowd -r: best of $REPS runs"
best_of softflowd "${sf_cmd[@]}" "$CAP"
sf_s=$BEST_S sf_cpu=$BEST_CPU
sf_seen=$(sed -n 's/^Packets processed: \([0-9]*\).*/\1/p' "$WORK/softflowd.out")
sf_ign=$(sed -n 's/^Ignored packets: \([0-9]*\).*/\1/p' "$WORK/softflowd.out")
sf_pps=$(awk -v n="$frames" -v s="$sf_s" 'BEGIN{printf "%.0f", n/s}')

# nfpcapd reads the file, builds flows and writes an nfcapd file (fresh
# directory per run, so every run writes the same).
log "nfpcapd -r: best of $REPS runs"
# shellcheck disable=SC2016 # the inner shell's $1 and $2
best_of nfpcapd sh -c 'rm -rf "$1" && mkdir "$1" && exec nfpcapd -r "$2" -w "$1"' \
	sh "$WORK/nfpcapd" "$CAP"
nf_s=$BEST_S nf_cpu=$BEST_CPU
nf_seen=$(sed -n 's/^Total: Processed: \([0-9]*\).*/\1/p' "$WORK/nfpcapd.out")
nf_flowpk=$(sed -n 's/.*Flows: \([0-9]*\), Packets: \([0-9]*\).*/\2/p' "$WORK/nfpcapd.out" | head -1)
nf_pps=$(awk -v n="$frames" -v s="$nf_s" 'BEGIN{printf "%.0f", n/s}')

# Reference tools, when installed (scripts/deps.sh bench adds both now):
# tshark building its TCP conversation table (a full dissection: one run, it
# is slow), tcpdump printing one line per packet.
ts_pps='' td_pps='' ts_s=''
if command -v tshark >/dev/null; then
	log "tshark -z conv,tcp (reference, 1 run)"
	wall ts_s tshark -n -r "$CAP" -q -z conv,tcp
	ts_pps=$(awk -v n="$frames" -v s="$ts_s" 'BEGIN{printf "%.0f", n/s}')
fi
if command -v tcpdump >/dev/null; then
	log "tcpdump -r (reference, best of $REPS)"
	# shellcheck disable=SC2016 # the inner shell's $1
	best_of tcpdump sh -c 'tcpdump -nn -q -r "$1" >/dev/null' sh "$CAP"
	td_s=$BEST_S
	td_pps=$(awk -v n="$frames" -v s="$td_s" 'BEGIN{printf "%.0f", n/s}')
fi

busy1=$(busy)

# ---- instructions under callgrind: two at a time (one per core); counts do
# not depend on what runs beside them ----

log "callgrind on $CG_CAP ($cg_pkts packets): core loop, strata offline, softflowd, nfpcapd"
vg=(valgrind --tool=callgrind --quiet)
(
	"${vg[@]}" --instr-atstart=no --callgrind-out-file="$WORK/cg.core" \
		"$OUT/core-bench" -1 "$CG_CAP" >"$WORK/cg.core.log" 2>&1 &
	"${vg[@]}" --callgrind-out-file="$WORK/cg.softflowd" "${sf_cmd[@]}" \
		"$CG_CAP" >"$WORK/cg.softflowd.log" 2>&1 &
	wait
	"${vg[@]}" --callgrind-out-file="$WORK/cg.offline" \
		"$OUT/core-bench" -O -r 1 "$CG_CAP" >"$WORK/cg.offline.log" 2>&1 &
	mkdir -p "$WORK/cg-nfpcapd"
	"${vg[@]}" --callgrind-out-file="$WORK/cg.nfpcapd" nfpcapd -r "$CG_CAP" \
		-w "$WORK/cg-nfpcapd" >"$WORK/cg.nfpcapd.log" 2>&1 &
	wait
)
for f in core offline softflowd nfpcapd; do
	[ -s "$WORK/cg.$f" ] || { tail -5 "$WORK/cg.$f.log" >&2; die "callgrind run of $f failed"; }
done
ipp() { awk -v i="$(ir "$WORK/cg.$1")" -v n="$cg_pkts" 'BEGIN{printf "%.0f", i/n}'; }
core_ipp=$(ipp core)
off_ipp=$(ipp offline)
sf_ipp=$(ipp softflowd)
nf_ipp=$(ipp nfpcapd)

# ---- the packet store (bench/store-run.sh): its own timed runs, after
# callgrind and before the VM, so that nothing of ours competes with them; its
# section of the table is printed after this script's ----

if [ "$STORE" = 1 ]; then
	log "packet store: ingest and query (bench/store-run.sh)"
	B=$B bash bench/store-run.sh >"$WORK/store.table" || die "the packet-store part failed"
fi

# ---- the central host (bench/central-run.sh): likewise, before the VM ----

if [ "$CENTRAL" = 1 ]; then
	log "central host: ingest next to nfcapd, drill-down next to tshark (bench/central-run.sh)"
	B=$B bash bench/central-run.sh >"$WORK/central.table" || die "the central-host part failed"
fi

# ---- the kernel datapath, in the VM: after the timed runs and callgrind, so
# that neither competes with it ----

if [ "$VM" = 1 ]; then
	log "kernel datapath: strata.ko in the VM (bench/vm-run.sh)"
	B=$B bash bench/vm-run.sh || die "the VM part failed"
fi

# ---- the table ----

echo
echo "strata bench: $CAP, $frames frames ($(awk -v b="$(stat -c %s "$CAP")" 'BEGIN{printf "%.0f MB", b/1e6}')), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "packets/s: frames in the file / seconds (best of $REPS); ratio = strata / peer"
echo "instructions/packet: callgrind Ir / $cg_pkts frames; ratio = peer / strata"
echo "CPUs busy with other work just before / after the timed runs: $busy0 / $busy1 (well above 0%: timings are pessimistic)"
echo
head_rows
pps_row "pps: core, capture in memory" "$core_pps" "softflowd -r, whole run" "$sf_pps"
pps_row "pps: core, capture in memory" "$core_pps" "nfpcapd -r, whole run" "$nf_pps"
pps_row "pps: core, segments for all (diagnostic)" "$allseg_pps" "softflowd -r, whole run" "$sf_pps"
pps_row "pps: core minus fingerprints (diagnostic)" "$nofp_pps" "softflowd -r, whole run" "$sf_pps"
pps_row "pps: strata_offline_run, whole run" "$off_pps" "softflowd -r, whole run" "$sf_pps"
pps_row "pps: strata_offline_run, whole run" "$off_pps" "nfpcapd -r, whole run" "$nf_pps"
[ -n "$ts_pps" ] && pps_row "pps: strata_offline_run, whole run" "$off_pps" "tshark -q -z conv,tcp (ref., 1 run)" "$ts_pps"
[ -n "$td_pps" ] && pps_row "pps: strata_offline_run, whole run" "$off_pps" "tcpdump -nn -q -r (reference)" "$td_pps"
row "instr/pkt: core loop" "$core_ipp" "softflowd -r, whole run" "$sf_ipp" "$(ratio "$sf_ipp" "$core_ipp")"
row "instr/pkt: core loop" "$core_ipp" "nfpcapd -r, whole run" "$nf_ipp" "$(ratio "$nf_ipp" "$core_ipp")"
row "instr/pkt: strata_offline_run, whole run" "$off_ipp" "softflowd -r, whole run" "$sf_ipp" "$(ratio "$sf_ipp" "$off_ipp")"
row "instr/pkt: strata_offline_run, whole run" "$off_ipp" "nfpcapd -r, whole run" "$nf_ipp" "$(ratio "$nf_ipp" "$off_ipp")"
if [ "$VM" = 1 ]; then
	vkv=$OUT/vm/vm-bench.kv
	vmv() { sed -n "s/^$1=//p" "$vkv" | head -n1; }
	gbps() { awk -v x="$1" 'BEGIN{printf "%.3f Gbit/s", x/1e9}'; }
	for wl in $(vmv workloads); do
		a=$(vmv "${wl}_unloaded_bps") t=$(vmv "${wl}_tcpdump_bps")
		b=$(vmv "${wl}_microflows_bps") c=$(vmv "${wl}_records_bps")
		row "Gbit/s VM $wl: records, rings drained" "$(gbps "$c")" "no monitor (strata.ko unloaded)" "$(gbps "$a")" "$(ratio "$c" "$a")"
		row "Gbit/s VM $wl: microflows only" "$(gbps "$b")" "no monitor (strata.ko unloaded)" "$(gbps "$a")" "$(ratio "$b" "$a")"
		row "Gbit/s VM $wl: records, rings drained" "$(gbps "$c")" "tcpdump -s 128 -w /dev/null" "$(gbps "$t")" "$(ratio "$c" "$t")"
		d=$(vmv "${wl}_records_nofp_bps")
		row "Gbit/s VM $wl: records, no fp (diagnostic)" "$(gbps "$d")" "no monitor (strata.ko unloaded)" "$(gbps "$a")" "$(ratio "$d" "$a")"
	done
fi
echo
echo "CPU seconds of the best whole runs (user+sys): softflowd $sf_cpu, nfpcapd $nf_cpu (nfpcapd runs a reader and a flow thread)"
echo "fingerprints: $(kv "$core_cnt" fingerprints) packets with payload hashed, $(kv "$core_cnt" segmented) of them also given segment hashes" \
	"(the default budget: the first 4 with payload per direction and microflow window)"
echo "accounted: strata $(kv "$core_cnt" parsed) IP packets parsed, $(kv "$core_cnt" not_ip) not IP, $(kv "$core_cnt" microflows) microflows (1 s windows);" \
	"softflowd ${sf_seen:-?} processed, ${sf_ign:-?} ignored; nfpcapd ${nf_seen:-?} read, ${nf_flowpk:-?} in flows"
echo

if [ "$VM" = 1 ]; then
	vh() { sed -n "s/^$1=//p" "$OUT/vm-host.kv" | head -n1; }
	echo "VM: TCG emulation (no KVM), $(vmv vcpus) vCPUs, kernel $(vmv kernel); iperf3 TCP between two netns over a veth," \
		"$(vmv secs) s measured per run (4 streams), best of $(vmv rounds) rounds; strata.ko and tcpdump watch both netns"
	echo "VM: host CPUs busy with other work during the VM part: $(vh other_busy_pct)%; other QEMU VMs running" \
		"$(vh other_vms_time_pct)% of the time (well above 0: the VM figures are low and noisy)"
	for wl in $(vmv workloads); do
		cr=$(vmv "${wl}_best_round")
		line="VM $wl: records/s drained per CPU (round $cr, the best (c) run):"
		for ns in gen sink; do
			span=$(vmv "${wl}_c${cr}_${ns}_span_ns")
			line+=" $ns"
			for ((i = 0; i < $(vmv "${wl}_c${cr}_${ns}_rings"); i++)); do
				line+=" cpu$i $(awk -v x="$(vmv "${wl}_c${cr}_${ns}_cpu${i}_records")" -v s="$span" \
					'BEGIN{printf "%.0f", s ? x / (s / 1e9) : 0}')"
			done
			line+=";"
		done
		echo "$line all (c) and (d) runs: records written $(vmv "${wl}_records_written_all"), drained $(vmv "${wl}_records_drained_all")," \
			"ring_drops $(vmv "${wl}_ring_drops_all"), tcpdump dropped $(vmv "${wl}_tcpdump_dropped_all")"
		echo "VM $wl: spread over the rounds, Gbit/s: unloaded $(vmv "${wl}_a_range_gbps"), tcpdump $(vmv "${wl}_t_range_gbps")," \
			"microflows only $(vmv "${wl}_b_range_gbps"), records drained $(vmv "${wl}_c_range_gbps")," \
			"no fingerprints $(vmv "${wl}_d_range_gbps")"
	done
	[ "$(vmv problems)" = 0 ] || echo "VM: PROBLEMS in the kernel's counters or records: see $OUT/vm/output.log"
else
	echo "VM: kernel datapath part left out (BENCH_VM=$VM)"
fi
echo

verdict=$(awk -v a="$core_pps" -v b="$sf_pps" -v t="$TARGET" \
	'BEGIN{r=a/b; printf "%.2fx (target %sx): %s", r, t, (r >= t ? "PASS" : "BELOW TARGET")}')
echo "target: core packets/s >= ${TARGET}x softflowd's whole run: $verdict"
if [ "$VM" = 1 ]; then
	for wl in $(vmv workloads); do
		echo "target (VM, $wl): throughput with records drained >= ${VM_TARGET}x without strata.ko: $(vmv "${wl}_verdict")" \
			"(medians: $(vmv "${wl}_median_ratio"))"
	done
fi

echo
echo "where the core's instructions go (callgrind, core loop only, top functions by self cost):"
# awk reads to the end: no SIGPIPE for callgrind_annotate under pipefail.
callgrind_annotate "$WORK/cg.core" 2>/dev/null |
	awk '/^-+$/ {n++} n >= 5 && /^ *[0-9,]+ \(/ && c++ < 12 {print "  " $0}' || true
if [ "$STORE" = 1 ]; then
	cat "$WORK/store.table"
else
	echo
	echo "packet store: left out (BENCH_STORE=$STORE)"
fi
if [ "$CENTRAL" = 1 ]; then
	cat "$WORK/central.table"
else
	echo
	echo "central host: left out (BENCH_CENTRAL=$CENTRAL)"
fi
echo
log "done in $(( $(date +%s) - start_all )) s; raw outputs in $WORK"
