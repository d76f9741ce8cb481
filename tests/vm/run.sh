#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Boots Debian's kernel under QEMU with the host's root shared read-only over
# virtio-9p and runs one command in it; fails on timeout, oops, warning or taint.
#
# Usage: tests/vm/run.sh [--timeout SEC] [--results DIR] [--forward PORT] -- COMMAND...
#
# COMMAND runs as root in the repository, with the VM's kernel and the host's
# binaries, and env STRATA_VM=1, STRATA_REPO, STRATA_KO (<repo>/strata.ko),
# STRATA_RESULTS (the results dir, mounted at /run/strata-results) and KVER.
# --forward PORT gives the VM a network card (QEMU user networking, the
# guest 10.0.2.15/24 on eth0 once COMMAND sets it up) and forwards the
# host's 127.0.0.1:PORT to the guest's PORT; STRATA_FORWARD=PORT tells it.
# Exit status: COMMAND's, or 1 if the VM did not report one, if the kernel
# logged a warning, oops or BUG, or if it is tainted by anything but an
# out-of-tree unsigned module. Files left in the results dir: output.log
# (COMMAND's stdout and stderr), rc, dmesg, tainted, console.log.
#
# Environment: KVER (kernel version, default: newest /lib/modules/* with a
# /boot/vmlinuz-*), B (build dir, default build), STRATA_VM_MEM (MiB, 1024),
# STRATA_VM_SMP (2), STRATA_VM_APPEND (extra kernel parameters).
set -euo pipefail

die() { echo "strata-vm: $*" >&2; exit 1; }
usage() { echo "usage: $0 [--timeout SEC] [--results DIR] [--forward PORT] -- COMMAND..." >&2; exit 2; }

timeout=600
results=
forward=
while [ $# -gt 0 ]; do
	case "$1" in
	--forward) [ $# -ge 2 ] || usage; forward=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--results) [ $# -ge 2 ] || usage; results=$2; shift 2 ;;
	--results=*) results=${1#*=}; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage
case "$timeout" in ''|*[!0-9]*) usage ;; esac
case "$forward" in *[!0-9]*) usage ;; esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
build=${B:-build}
case "$build" in /*) ;; *) build=$repo/$build ;; esac
cache=$build/vm
results=${results:-$cache/results}
mkdir -p "$cache" "$results"
results=$(cd "$results" && pwd -P)

# ---- which kernel ----
if [ -z "${KVER:-}" ]; then
	for d in $(ls -d /lib/modules/*/ 2>/dev/null | sort -rV); do
		v=$(basename "$d")
		[ -f "/boot/vmlinuz-$v" ] && { KVER=$v; break; }
	done
fi
[ -n "${KVER:-}" ] || die "no kernel: no /lib/modules/<ver> with a /boot/vmlinuz-<ver>; install linux-image-amd64 (make check runs scripts/deps.sh check, which does)"
kernel=/boot/vmlinuz-$KVER
moddir=/lib/modules/$KVER
[ -r "$kernel" ] || die "$kernel is missing; install linux-image-amd64 (for kernel $KVER; make check runs scripts/deps.sh check, which does)"
[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep is missing; install linux-image-amd64 (kernel $KVER)"

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found; install qemu-system-x86"
busybox=/bin/busybox
[ -x "$busybox" ] || die "$busybox not found; install busybox-static"
# The initramfs has no libc: a dynamic busybox (package busybox) cannot run there.
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is dynamically linked; install busybox-static"
command -v cpio >/dev/null || die "cpio not found; install cpio"

# ---- initramfs, cached per kernel version and per content of its inputs ----
# virtio-9p and what it needs; modules.dep gives the rest and the order.
want="virtio_pci 9pnet_virtio 9p"

modpath() { # module name -> path relative to $moddir, "" if built in
	local n=$1 p
	grep -qE "/$n\.ko$" "$moddir/modules.builtin" 2>/dev/null && return 0
	p=$(grep -oE "^[^:]*/$n\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | head -n1)
	[ -n "$p" ] || die "module $n is neither in $moddir/modules.dep nor built in"
	echo "${p%:}"
}

declare -A seen=()
order=()
add() { # dependencies first; modules.dep lists them all, nearest first
	local p=$1 deps d i
	[ -n "${seen[$p]:-}" ] && return 0
	seen[$p]=1
	deps=$(grep -E "^$p:" "$moddir/modules.dep" | cut -d: -f2)
	read -r -a d <<<"$deps"
	for ((i = ${#d[@]} - 1; i >= 0; i--)); do add "${d[i]}"; done
	order+=("$p")
}
for m in $want; do
	p=$(modpath "$m")
	[ -n "$p" ] && add "$p"
done

key=$( { cat "$here/init"; printf '%s\n' "${order[@]}"; \
	stat -c '%s %Y' "$busybox" "$moddir/modules.dep"; } | sha256sum | cut -c1-12)
initrd=$cache/initramfs-$KVER-$key.cpio
if [ ! -f "$initrd" ]; then
	echo "strata-vm: building $initrd" >&2
	tmp=$(mktemp -d "$cache/initramfs.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp"/{bin,dev,proc,sys,modules,newroot,results}
	cp "$busybox" "$tmp/bin/busybox"
	for a in sh mount umount mkdir ln insmod switch_root poweroff cat; do
		ln -s busybox "$tmp/bin/$a"
	done
	cp "$here/init" "$tmp/init"
	chmod 755 "$tmp/init"
	for p in "${order[@]}"; do
		n=$(basename "$p")
		case "$p" in
		*.ko.xz) xz -dc "$moddir/$p" >"$tmp/modules/${n%.xz}"; n=${n%.xz} ;;
		*.ko.zst) zstd -qdc "$moddir/$p" >"$tmp/modules/${n%.zst}"; n=${n%.zst} ;;
		*.ko.gz) gzip -dc "$moddir/$p" >"$tmp/modules/${n%.gz}"; n=${n%.gz} ;;
		*) cp "$moddir/$p" "$tmp/modules/$n" ;;
		esac
		echo "$n" >>"$tmp/modules/order"
	done
	# Uncompressed: unpacking is cheaper than inflating under TCG.
	(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$tmp.cpio"
	rm -f "$cache/initramfs-$KVER"-*.cpio
	mv "$tmp.cpio" "$initrd"
	rm -rf "$tmp"
	trap - EXIT
fi

# ---- the job ----
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
rm -rf "$results/.vm"
rm -f "$results"/{output.log,rc,dmesg,tainted,console.log}
mkdir -p "$results/.vm"
{
	echo "STRATA_REPO=$(sq "$repo")"
	echo "CI=$(sq "${CI:-}")"
	echo "STRATA_FORWARD=$(sq "$forward")"
	echo "STRATA_DEMO_MINUTES=$(sq "${STRATA_DEMO_MINUTES:-}")"
} >"$results/.vm/vm.conf"
{
	echo "cd $(printf '%q' "$repo") || exit 1"
	printf 'exec'; printf ' %q' "$@"; echo
} >"$results/.vm/job"
: >"$results/.vm/live"

qopt() { printf '%s' "${1//,/,,}"; } # QEMU option values escape ',' as ',,'
append="console=ttyS0 panic=-1 rdinit=/init mitigations=off ${STRATA_VM_APPEND:-}"
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot
	-machine pc -accel tcg,thread=multi -cpu max
	-smp "${STRATA_VM_SMP:-2}" -m "${STRATA_VM_MEM:-1024}"
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-serial "file:$(qopt "$results/console.log")"
	-serial "file:$(qopt "$results/.vm/live")"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$(qopt "$repo"),mount_tag=repo,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$(qopt "$results"),mount_tag=results,security_model=none,multidevs=remap")
if [ -n "$forward" ]; then
	qemu+=(-netdev "user,id=n0,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:$forward-10.0.2.15:$forward"
		-device virtio-net-pci,netdev=n0)
fi

start=$(date +%s%N)
# --foreground keeps qemu in our process group so that ^C reaches it.
timeout --foreground -k 10 "$timeout" "${qemu[@]}" </dev/null >"$results/.vm/qemu.log" 2>&1 &
qpid=$!
tpid=
trap 'kill "$qpid" 2>/dev/null; kill "$tpid" 2>/dev/null; true' EXIT
trap 'echo "strata-vm: interrupted" >&2; exit 130' INT TERM
# The job's output arrives on the VM's second serial port, live. tail runs
# in the background so that a signal interrupts `wait` and reaches the trap.
tail -n +1 -f -s 0.2 --pid="$qpid" "$results/.vm/live" 2>/dev/null &
tpid=$!
qrc=0
wait "$qpid" || qrc=$?
wait "$tpid" || true
trap - EXIT INT TERM
wall=$((($(date +%s%N) - start) / 100000000))
wall=$((wall / 10)).$((wall % 10))

tail_console() {
	echo "strata-vm: last lines of the kernel console ($results/console.log):" >&2
	tail -n "${1:-40}" "$results/console.log" >&2 2>/dev/null || true
}

rc=$(cat "$results/rc" 2>/dev/null || true)
case "$rc" in
''|*[!0-9]*)
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "strata-vm: FAIL: no exit code from the VM within ${timeout}s (timeout, qemu killed)" >&2
	else
		echo "strata-vm: FAIL: the VM stopped without reporting an exit code (qemu exit $qrc: kernel panic, init failure or qemu error)" >&2
		sed 's/^/strata-vm: qemu: /' "$results/.vm/qemu.log" >&2
	fi
	tail_console 60
	exit 1
	;;
esac

times=$(cat "$results/.vm/times" 2>/dev/null || true)
echo "strata-vm: kernel $KVER, exit $rc, wall ${wall}s${times:+, guest: $times}" >&2

bad=0
# A WARN, BUG or oops prints at least one of these; "Call Trace" also
# catches lockdep, hung-task and RCU-stall reports.
pat='WARNING:|BUG:|Oops|Call Trace|general protection|KASAN|UBSAN|kernel BUG|RIP: |soft lockup|hard LOCKUP|blocked for more than|rcu_.*stall'
if grep -qE "$pat" "$results/dmesg"; then
	echo "strata-vm: FAIL: the kernel logged a warning, oops or BUG:" >&2
	grep -nE "$pat" "$results/dmesg" | head -n 20 | sed 's/^/strata-vm:   /' >&2
	bad=1
fi
# Allowed: O (12, out-of-tree module) and E (13, unsigned module), which
# loading strata.ko sets.
taint=$(cat "$results/tainted" 2>/dev/null || echo missing)
case "$taint" in
''|*[!0-9]*) echo "strata-vm: FAIL: no taint mask from the VM ($taint)" >&2; bad=1 ;;
*)
	if [ $((taint & ~(4096 | 8192))) -ne 0 ]; then
		letters=PFSRMBUDAWCIOELKXTN
		flags=
		for ((i = 0; i < ${#letters}; i++)); do
			[ $((taint >> i & 1)) = 1 ] && flags+="${letters:i:1}(bit $i) "
		done
		echo "strata-vm: FAIL: kernel tainted $taint: $flags(only O and E are expected)" >&2
		bad=1
	fi ;;
esac
if [ "$bad" = 1 ]; then
	first=$(grep -nE "$pat" "$results/dmesg" | head -n1 | cut -d: -f1)
	if [ -n "$first" ]; then
		echo "strata-vm: dmesg from the first report ($results/dmesg):" >&2
		tail -n +$((first > 10 ? first - 10 : 1)) "$results/dmesg" | head -n 80 >&2
	else
		echo "strata-vm: last lines of dmesg ($results/dmesg):" >&2
		tail -n 60 "$results/dmesg" >&2
	fi
	exit 1
fi
if [ "$rc" != 0 ]; then
	# The module's own messages often say why a test failed.
	echo "strata-vm: COMMAND failed (exit $rc); last lines of dmesg ($results/dmesg):" >&2
	tail -n 20 "$results/dmesg" >&2
fi
exit "$rc"
