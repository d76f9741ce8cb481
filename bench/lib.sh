# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Helpers of the bench scripts (bench/run.sh and the like): timing,
# messages, the capture, and the table's rows. Sourced, never run.
#
# The sourcing script sets WORK (an absolute directory for the tools' outputs)
# before it times anything, and REPS (timed repetitions) before best_of.
# shellcheck shell=bash

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

# need_tools CMD...: dies unless every CMD is installed.
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t not installed; run 'bash scripts/deps.sh bench'"
	done
}

# fresh_work: an empty $WORK, made absolute.
fresh_work() {
	rm -rf "$WORK"
	mkdir -p "$WORK"
	WORK=$(realpath "$WORK")
}

# capture FILE GEN-PCAP-ARGS...: generates FILE with $OUT/gen-pcap when it is
# missing or older than the generator (a rebuilt generator may write other
# bytes); otherwise the file is kept. Never committed.
capture() {
	local file=$1
	shift
	if [ ! -s "$file" ] || [ "$OUT/gen-pcap" -nt "$file" ]; then
		log "generating $file (gen-pcap $*)"
		"$OUT/gen-pcap" "$@" -o "$file.tmp" || die "gen-pcap $* failed"
		mv "$file.tmp" "$file"
	fi
}

# softflowd as the bench runs it; the caller adds -p PIDFILE -r FILE. It reads
# the file, keeps its flows (cap as strata's table: 2^20) and exports NetFlow
# v9 (IPv6 too) to a local UDP port nothing listens on: the datagrams are
# built and sent, which is its whole job. No control socket (-c none): with
# one, 1.1.0 at EOF may block in accept() for good, depending on stale poll
# state (seen here with some socket paths).
# shellcheck disable=SC2034 # used by the sourcing scripts
SOFTFLOWD=(softflowd -n 127.0.0.1:39995 -v 9 -6 -d -m 1048576 -c none)

# kv LINE KEY: the value of KEY=value in a core-bench output line.
kv() { sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" <<<"$1"; }

# wall SECONDS_VAR CMD...: run CMD (its output to $WORK/last.out), set the
# variable to the wall-clock seconds it took; CPU seconds go to $WORK/last.cpu.
# CMD is stopped after WALL_TIMEOUT seconds (default 600), which is a failure.
wall() {
	local var=$1 t0 t1 rc=0
	shift
	t0=$(date +%s%N)
	TIMEFORMAT='%U %S'
	{ time timeout "${WALL_TIMEOUT:-600}" "$@" >"$WORK/last.out" 2>&1 || rc=$?; } 2>"$WORK/last.cpu"
	t1=$(date +%s%N)
	[ $rc = 0 ] || { tail -5 "$WORK/last.out" >&2; die "$* failed (exit $rc)"; }
	printf -v "$var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", (b-a)/1e9}')"
}

# best_of NAME CMD...: REPS runs of CMD; sets BEST_S to the best wall-clock
# seconds and BEST_CPU to that run's CPU seconds; its output to $WORK/NAME.out.
# With BEFORE set to a command name (BEFORE=fn best_of ...), that command runs
# before each run, untimed: to remove what the previous run wrote.
best_of() {
	local name=$1 s i
	shift
	BEST_S='' BEST_CPU=''
	for ((i = 0; i < REPS; i++)); do
		[ -z "${BEFORE:-}" ] || "$BEFORE"
		wall s "$@"
		if [ -z "$BEST_S" ] || awk -v a="$s" -v b="$BEST_S" 'BEGIN{exit !(a<b)}'; then
			BEST_S=$s
			# shellcheck disable=SC2034 # read by the sourcing script
			BEST_CPU=$(awk '{printf "%.2f", $1+$2}' "$WORK/last.cpu")
			cp "$WORK/last.out" "$WORK/$name.out"
		fi
	done
}

# warm_memory: writes WARM_MB (default 3072, at most a quarter of the
# memory available) MB to /dev/shm and removes it, untimed, before every
# timed run of every tool. This VM's kernel hands free memory back to its
# host (virtio-balloon free page reporting: page_reporting.* in
# /proc/cmdline), which the first touch of a page handed back probably pays
# for, in system time. Measured here (00:50 UTC): the first strata ingest
# after a few idle minutes took 3.03 s, 2.52 s of it system time; the next
# two 1.80 s (0.74 and 0.79 s system); with this before each, 1.68 to 1.97
# s (0.72 to 0.84 s system). It does not remove all of the variation.
warm_memory() {
	local mb=${WARM_MB:-3072} avail f=/dev/shm/strata-bench-warm.$$
	avail=$(awk '/^MemAvailable:/ {print int($2 / 1024 / 4)}' /proc/meminfo)
	[ -n "$avail" ] && [ "$avail" -lt "$mb" ] && mb=$avail
	[ -d /dev/shm ] && [ "$mb" -gt 0 ] || return 0
	dd if=/dev/zero of="$f" bs=1M count="$mb" status=none || true
	rm -f "$f"
}

# busy: percent of CPU time not idle over the next second, all CPUs; ours
# are not running, so it is other work that would compete with the timings.
busy() {
	local a b
	a=$(head -1 /proc/stat)
	sleep 1
	b=$(head -1 /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN{split(a,x); split(b,y); t=0
		for (i=2;i<=9;i++) t+=y[i]-x[i]; id=(y[5]-x[5])+(y[6]-x[6])
		printf "%.0f%%", t ? 100*(t-id)/t : 0}'
}

# frames FILE: the records in a pcap or pcapng file, as capinfos counts them.
frames() {
	local n
	n=$(capinfos -M -c -T -r "$1" | awk -F'\t' 'END{print $2}') || die "capinfos $1 failed"
	[ -n "$n" ] || die "capinfos: no count for $1"
	echo "$n"
}

# median_ms: of the microsecond times on stdin (one a line), the median, the
# fastest and the slowest, in ms.
median_ms() {
	sort -n | awk '{t[NR] = $1} END{printf "%.1f %.1f %.1f\n", t[int((NR + 1) / 2)] / 1e3, t[1] / 1e3, t[NR] / 1e3}'
}

# pctl P...: of the numbers on stdin (one a line), the P-th percentiles
# (nearest rank: the smallest value with at least P% of them at or below
# it; pctl 50 is median_ms's median), one line, space-separated.
pctl() {
	sort -g | awk -v ps="$*" '{t[NR] = $1} END{n = split(ps, p, " ")
		for (i = 1; i <= n; i++) {r = int(p[i] * NR / 100); if (r < p[i] * NR / 100) r++
			if (r < 1) r = 1; printf "%s%s", (i > 1 ? " " : ""), t[r]}
		print ""}'
}

# ---- the table ----

# pps N SECONDS; mb BYTES; fmt NUMBER UNIT: for the rows.
pps() { awk -v n="$1" -v s="$2" 'BEGIN{printf "%.0f", n/s}'; }
mb() { awk -v b="$1" 'BEGIN{printf "%.0f MB", b/1e6}'; }
fmt() { awk -v x="$1" -v u="$2" 'BEGIN{printf "%.*f %s", (x < 10 ? 2 : x < 100 ? 1 : 0), x, u}'; }

mpps() { awk -v x="$1" 'BEGIN{printf "%.3f Mpps", x/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}'; }
row() { printf '%-42s %-12s %-38s %-12s %s\n' "$@"; }
# The table's two heading lines.
head_rows() { row "job" "strata" "peer" "peer figure" "ratio"; row "---" "------" "----" "-----------" "-----"; }
# pps_row JOB STRATA_PPS PEER PEER_PPS: a packets/s row with its ratio.
pps_row() { row "$1" "$(mpps "$2")" "$3" "$(mpps "$4")" "$(ratio "$2" "$4")"; }
