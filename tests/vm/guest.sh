#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Second stage of the test VM, PID 1 in the host's root: runs the job that
# run.sh wrote, streams and saves its output, records exit code, dmesg, taint.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
R=/run/strata-results
V=$R/.vm

off() {
	sync
	umount "$R" 2>/dev/null
	# busybox-static is a test dependency; sysrq is the fallback that needs
	# no binary at all.
	busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 10
}

. "$V/vm.conf"
hostname strata-vm 2>/dev/null
ip link set lo up 2>/dev/null

# ttyS1 carries the job's output to the host live, apart from the kernel's
# console on ttyS0; no newline translation so that the host sees the bytes
# the job wrote.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
mkfifo /run/strata-output
tee "$R/output.log" </run/strata-output >/dev/ttyS1 &
tee_pid=$!

read -r t0 _ </proc/uptime
env -i PATH="$PATH" HOME=/tmp TERM=dumb LANG=C.UTF-8 \
	STRATA_VM=1 STRATA_REPO="$STRATA_REPO" STRATA_KO="$STRATA_REPO/strata.ko" \
	STRATA_RESULTS="$R" KVER="$(uname -r)" CI="${CI:-}" STRATA_FORWARD="${STRATA_FORWARD:-}" \
	STRATA_DEMO_MINUTES="${STRATA_DEMO_MINUTES:-}" \
	/bin/bash "$V/job" </dev/null >/run/strata-output 2>&1
rc=$?
read -r t1 _ </proc/uptime
echo "$t0 $t1" | awk '{ printf "boot %.1fs, job %.1fs\n", $1, $2 - $1 }' >"$V/times"

# Anything the job left running would hold the pipe open and keep tee (and
# the VM) alive until the host's timeout; kill every user process but us and
# tee. Kernel threads have no exe link. Only builtins run in this loop.
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	[ "$p" = 1 ] || [ "$p" = "$tee_pid" ] || [ ! -e "$d/exe" ] && continue
	kill -9 "$p" 2>/dev/null
done
wait "$tee_pid"

dmesg >"$R/dmesg"
cat /proc/sys/kernel/tainted >"$R/tainted"
# rc last: its presence tells the host that the run finished.
echo "$rc" >"$R/rc"
off
