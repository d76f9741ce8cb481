/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Overlapping IP fragments: a small cache of the byte ranges recently seen
 * of each fragmented datagram, so that a fragment overlapping one seen
 * before (a reassembly evasion, or a broken stack) counts as malformed.
 */
#ifndef STRATA_CORE_FRAG_H
#define STRATA_CORE_FRAG_H

#include "compat.h"
#include "parse.h"

#define STRATA_FRAG_SLOTS	64	/* datagrams remembered (direct-mapped) */
#define STRATA_FRAG_RANGES	8	/* fragments remembered per datagram */
/* A datagram's fragments are forgotten after this, as Linux's ipfrag_time. */
#define STRATA_FRAG_TIMEOUT_NS	(30ULL * 1000000000ULL)

/**
 * struct strata_frag_cache - recently seen fragments
 * @slot: one datagram each, chosen by a hash of (addresses, id, protocol);
 *	a newer datagram with the same hash replaces an older one
 */
struct strata_frag_cache {
	struct {
		__u64 key;
		__u64 ts_ns;
		__u32 n;
		__u32 start[STRATA_FRAG_RANGES];
		__u32 end[STRATA_FRAG_RANGES];
	} slot[STRATA_FRAG_SLOTS];
};

/**
 * strata_frag_overlap() - whether a fragment overlaps one seen before
 * @c: the cache (zeroed before first use)
 * @pkt: a parsed packet; anything but a fragment returns false at once
 * @ts_ns: its timestamp
 *
 * The fragment's range is its offset and the bytes after its headers (IPv4
 * header, or IPv6 headers up to the fragment header). A range equal to one
 * seen before is a duplicate, not an overlap (networks do duplicate). What
 * the cache forgot (more than STRATA_FRAG_RANGES fragments, a slot taken
 * over, fragments on different CPUs in the kernel) is not detected.
 *
 * Return: true when the fragment overlaps another of the same datagram.
 */
bool strata_frag_overlap(struct strata_frag_cache *c, const struct strata_pkt *pkt,
			 __u64 ts_ns);

#endif /* STRATA_CORE_FRAG_H */
