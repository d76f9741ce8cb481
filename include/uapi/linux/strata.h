/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The kernel/user ABI of strata.ko: what the module shows to userspace.
 * Stable once released; new things are added, nothing is renumbered.
 *
 * Per-namespace counters
 * ----------------------
 *
 * strata.ko keeps, in every network namespace, per-CPU counters of the
 * packets its netfilter hooks saw (IPv4 and IPv6, at PRE_ROUTING and
 * LOCAL_OUT: each packet received, forwarded or sent by the namespace once).
 * They are read from /proc/net/strata, which exists in a namespace while the
 * module is loaded: one line per counter, "NAME VALUE", in the order of
 * enum strata_stat, VALUE in decimal except fp_sum (0x-prefixed hex):
 *
 *    STRATA_STAT_SEEN         "seen"          packets handed to the core
 *    STRATA_STAT_PARSED       "parsed"        headers parsed completely
 *    STRATA_STAT_TRUNCATED    "truncated"     headers longer than the
 *                                             module's header buffer (256 B)
 *    STRATA_STAT_MALFORMED    "malformed"     headers contradicting themselves,
 *                                             the packet length, or the hook's
 *                                             family (IP version 5 sent by a
 *                                             raw socket at the IPv4 hook)
 *    STRATA_STAT_UNSUPPORTED  "unsupported"   neither IPv4 nor IPv6
 *    STRATA_STAT_FRAGMENTS    "fragments"     IP fragments (also in parsed)
 *    STRATA_STAT_IPV4         "ipv4"          parsed IPv4 packets
 *    STRATA_STAT_IPV6         "ipv6"          parsed IPv6 packets
 *    STRATA_STAT_FINGERPRINTS "fingerprints"  non-empty payloads fingerprinted
 *    STRATA_STAT_FP_SUM       "fp_sum"        their payload hashes (xxh64,
 *                                             seed STRATA_FP_SEED_PAYLOAD)
 *                                             summed modulo 2^64: lets a test
 *                                             check that the kernel computes
 *                                             the fingerprints userspace does
 *
 * seen = parsed + truncated + malformed + unsupported. Counters only grow
 * while the module is loaded and start at zero in a new namespace.
 *
 * The generic netlink family "strata" (configuration, statistics, microflow
 * dump and multicast) and the per-CPU packet rings are described here when
 * they are added.
 */
#ifndef _UAPI_LINUX_STRATA_H
#define _UAPI_LINUX_STRATA_H

enum strata_stat {
	STRATA_STAT_SEEN,
	STRATA_STAT_PARSED,
	STRATA_STAT_TRUNCATED,
	STRATA_STAT_MALFORMED,
	STRATA_STAT_UNSUPPORTED,
	STRATA_STAT_FRAGMENTS,
	STRATA_STAT_IPV4,
	STRATA_STAT_IPV6,
	STRATA_STAT_FINGERPRINTS,
	STRATA_STAT_FP_SUM,
	__STRATA_STAT_MAX
};

#endif /* _UAPI_LINUX_STRATA_H */
