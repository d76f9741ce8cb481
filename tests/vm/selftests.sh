#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Runs inside the VM (run.sh): every selftest binary in build/selftests, as
# one TAP stream like kselftest's runner; exit 1 if any fails.
#
# Usage: tests/vm/selftests.sh [DIR]   (DIR: the binaries, default build/selftests)
set -u

dir=${1:-build/selftests}
ko=${STRATA_KO:-$PWD/strata.ko}
per_test_timeout=${STRATA_SELFTEST_TIMEOUT:-600}

if [ "${STRATA_VM:-}" != 1 ]; then
	echo "Bail out! selftests.sh runs inside the VM: make check-vm" >&2
	exit 1
fi

mapfile -t bins < <(find "$dir" -maxdepth 1 -type f -perm -u+x 2>/dev/null | sort)
# Two checks of our own around the binaries: the module matches the kernel,
# and it unloads at the end.
total=$((${#bins[@]} + 2))
n=0
failed=0

echo "TAP version 13"
echo "1..$total"

result() { # ok|not ok, description
	n=$((n + 1))
	echo "$1 $n $2"
	[ "$1" = ok ] || failed=$((failed + 1))
}

if [ ${#bins[@]} = 0 ]; then
	echo "# no selftest binaries in $dir (make selftests builds them)"
	failed=$((failed + 1))
fi

# A module built for another kernel fails every test with "Invalid module
# format"; say it once, clearly.
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
if [ "$vermagic" = "$(uname -r)" ]; then
	result ok "selftests: strata: strata.ko is built for $(uname -r)"
else
	echo "# $ko: vermagic '${vermagic:-none: no such module?}', running kernel $(uname -r);"
	echo "# build it with make module KDIR=/lib/modules/$(uname -r)/build"
	result "not ok" "selftests: strata: strata.ko is built for $(uname -r)"
fi

for bin in "${bins[@]}"; do
	name=$(basename "$bin")
	echo "# selftests: strata: $name"
	start=$SECONDS
	timeout --foreground -k 10 "$per_test_timeout" "$bin" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	echo "# $name: exit $rc in $((SECONDS - start))s"
	if [ "$rc" = 0 ]; then
		result ok "selftests: strata: $name"
	else
		[ "$rc" = 124 ] && echo "# $name: timed out after ${per_test_timeout}s"
		result "not ok" "selftests: strata: $name # exit=$rc"
	fi
done

# Tests may leave the module loaded; unloading it with every namespace gone
# is one more path that must not oops.
ip -all netns delete 2>/dev/null
if [ ! -e /sys/module/strata ] || rmmod strata; then
	result ok "selftests: strata: module unloads at the end"
else
	result "not ok" "selftests: strata: module unloads at the end"
fi

echo "# $((total - failed)) passed, $failed failed"
[ "$failed" = 0 ]
