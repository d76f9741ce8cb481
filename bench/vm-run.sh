#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The host side of the kernel datapath bench: boots the test VM, runs
# bench/vm-bench.sh in it, and measures how busy the host was with other work
# meanwhile (a TCG VM's figures drop when it has to share the host's CPUs).
#
# Environment: B (build dir, default build), KVER (the VM's kernel; default
# as tests/vm/run.sh chooses), BENCH_VM_SECONDS (measured seconds per iperf3
# run, default 3), BENCH_VM_ROUNDS (default 5), BENCH_VM_WORKLOADS (default
# "tso mtu"; see bench/vm-bench.sh), BENCH_VM_WAIT (seconds to wait for
# other QEMU VMs on the host to end before starting, default 600).
# Results: $B/bench/vm/vm-bench.kv (the VM's figures), $B/bench/vm-host.kv
# (the host's), the VM's raw outputs in $B/bench/vm/. Exits 0 when the
# figures were measured, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

B=${B:-build}
OUT=$B/bench
RES=$OUT/vm
SECS=${BENCH_VM_SECONDS:-3}
ROUNDS=${BENCH_VM_ROUNDS:-5}
WORKLOADS=${BENCH_VM_WORKLOADS:-tso mtu}
WAIT=${BENCH_VM_WAIT:-600}

die() { echo "bench-vm: $*" >&2; exit 1; }

[ -x "$OUT/ring-drain" ] || die "$OUT/ring-drain missing; run 'make bench-bin'"
[ -r strata.ko ] || die "strata.ko missing; run 'make module'"
mkdir -p "$RES"
rm -f "$RES/vm-bench.kv" "$OUT/vm-host.kv"

# A TCG VM runs at half speed or less when another VM shares the host's
# CPUs: wait a while for other QEMU VMs (other test runs) to end, and say so.
for ((w = 0; w < WAIT; w += 5)); do
	others=$(pgrep -c qemu-system-x86 || true)
	[ "$others" = 0 ] && break
	[ $w != 0 ] || echo "bench-vm: $others other QEMU VM(s) running; waiting up to $WAIT s for them to end (BENCH_VM_WAIT)" >&2
	sleep 5
done
others=$(pgrep -c qemu-system-x86 || true)
[ "$others" = 0 ] || echo "bench-vm: going on beside $others other QEMU VM(s): expect low and noisy figures" >&2

# Busy jiffies (all but idle and iowait) of all CPUs, from /proc/stat.
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
# Every 2 s while the VM runs: how many other QEMU VMs there are (ours is the
# one whose command line shares our results directory).
res_abs=$(realpath "$RES")
(
	while :; do
		{ pgrep -a qemu-system-x86 || true; } | grep -cvF -- "path=$res_abs," || true
		sleep 2
	done
) >"$OUT/vm-others" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
b0=$(busy)
t0=$(date +%s%N)
rc=0
TIMEFORMAT='%U %S'
# time's report to a file, the VM's progress to our stderr; the VM's CPU time
# is in it (tests/vm/run.sh waits for qemu).
{ time KVER=${KVER:-} B=$B tests/vm/run.sh --timeout 1800 --results "$RES" -- \
	bench/vm-bench.sh -t "$SECS" -r "$ROUNDS" -w "$WORKLOADS" "$OUT/ring-drain" \
	>&3 2>&3 || rc=$?; } 3>&2 2>"$OUT/vm-time"
t1=$(date +%s%N)
b1=$(busy)
kill $sampler 2>/dev/null || true
[ $rc = 0 ] || die "the VM part failed (exit $rc); its output is in $RES/output.log, the kernel's in $RES/dmesg"
[ -s "$RES/vm-bench.kv" ] || die "the VM left no $RES/vm-bench.kv"

# Other work: the host's busy CPU time minus ours (the VM's), as a share of
# all CPUs over the run. USER_HZ is 100 on Linux.
awk -v b0="$b0" -v b1="$b1" -v t0="$t0" -v t1="$t1" -v n="$(nproc)" -v o="$others" \
	-v hz="$(getconf CLK_TCK)" '
	FILENAME ~ /vm-time$/ { ours = $1 + $2; next }
	{ samples++; if ($1 > 0) with++; if ($1 > most) most = $1 }
	END {
		wall = (t1 - t0) / 1e9
		other = (b1 - b0) / hz - ours
		if (other < 0) other = 0
		printf "host_cpus=%d\nwall_s=%.1f\nvm_cpu_s=%.1f\nother_busy_pct=%.0f\n", n, wall, ours,
			100 * other / (wall * n)
		printf "other_vms_at_start=%d\nother_vms_time_pct=%.0f\nother_vms_max=%d\n", o,
			samples ? 100 * with / samples : 0, most
	}' "$OUT/vm-time" "$OUT/vm-others" >"$OUT/vm-host.kv"
hv() { sed -n "s/^$1=//p" "$OUT/vm-host.kv"; }
echo "bench-vm: host CPUs busy with other work during the VM part: $(hv other_busy_pct)%;" \
	"other QEMU VMs running $(hv other_vms_time_pct)% of the time (at most $(hv other_vms_max))" \
	"(well above 0: the VM figures are low and noisy)" >&2
