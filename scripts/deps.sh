#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Installs the Debian packages a target needs, only those missing, quietly.
# Usage: scripts/deps.sh build|check|bench|demo
set -eu

build="make gcc pkg-config linux-headers-amd64 libmnl-dev
       liburcu-dev liblmdb-dev libpcap-dev libxxhash-dev libzstd-dev
       libjansson-dev libmicrohttpd-dev libfixbuf-dev libcurl4-openssl-dev
       libssl-dev"
check="$build libcmocka-dev linux-image-amd64 linux-source qemu-system-x86
       busybox-static tshark iproute2 xz-utils cpio kmod python3
       clang libclang-rt-14-dev nftables ethtool curl openssl"
# The kernel datapath part of the bench runs in the VM (iperf3 between
# namespaces; tcpdump is its peer monitor). The packet-store part compares
# queries with tshark (capinfos, from wireshark-common, counts packets).
bench="$build valgrind softflowd nfdump linux-image-amd64 qemu-system-x86
       busybox-static iproute2 xz-utils cpio kmod iperf3 tcpdump jq
       ethtool tshark"
demo="$check"

case "${1:-}" in
build) want=$build ;;
check) want=$check ;;
bench) want=$bench ;;
demo) want=$demo ;;
*) echo "usage: $0 build|check|bench|demo" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run 'sudo $0 $1' (apt-get needs root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists; refresh once if the first try fails.
if ! apt-get install -y -qq --no-install-recommends $missing >/tmp/strata-apt.log 2>&1; then
	apt-get update -qq >>/tmp/strata-apt.log 2>&1
	apt-get install -y -qq --no-install-recommends $missing >>/tmp/strata-apt.log 2>&1 || {
		echo "deps: apt-get install failed, see /tmp/strata-apt.log" >&2
		tail -20 /tmp/strata-apt.log >&2
		exit 1
	}
fi
