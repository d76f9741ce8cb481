// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Overlapping IP fragments, shared by strata.ko and libstrata.
 */
#include "frag.h"

/* The datagram a fragment belongs to: addresses, identification, protocol. */
static __u64 frag_key(const struct strata_pkt *p)
{
	struct {
		__u8 saddr[16];
		__u8 daddr[16];
		__u32 id;
		__u8 proto;
		__u8 family;
		__u16 pad;
	} k;

	memcpy(k.saddr, p->saddr, 16);
	memcpy(k.daddr, p->daddr, 16);
	k.id = p->ip_id;
	k.proto = p->proto;
	k.family = p->family;
	k.pad = 0;
	return strata_h64(&k, sizeof(k), 0) | 1;	/* never 0: 0 is an empty slot */
}

bool strata_frag_overlap(struct strata_frag_cache *c, const struct strata_pkt *pkt,
			 __u64 ts_ns)
{
	__u32 hdr, start, end, i, r;
	__u64 key;

	if (!(pkt->flags & STRATA_PKT_FRAG))
		return false;
	/* A later fragment's data starts at payload_off, a first one's at L4. */
	hdr = pkt->flags & STRATA_PKT_FRAG_LATER ? pkt->payload_off : pkt->l4_off;
	if (!hdr || hdr >= pkt->ip_len)
		return false;
	start = pkt->frag_off;
	end = start + (pkt->ip_len - hdr);
	key = frag_key(pkt);
	i = (__u32)(key % STRATA_FRAG_SLOTS);
	if (c->slot[i].key != key || ts_ns - c->slot[i].ts_ns > STRATA_FRAG_TIMEOUT_NS) {
		c->slot[i].key = key;
		c->slot[i].n = 0;
	}
	c->slot[i].ts_ns = ts_ns;
	for (r = 0; r < c->slot[i].n; r++) {
		if (c->slot[i].start[r] == start && c->slot[i].end[r] == end)
			return false;	/* a duplicate */
		if (start < c->slot[i].end[r] && c->slot[i].start[r] < end)
			return true;
	}
	if (c->slot[i].n < STRATA_FRAG_RANGES) {
		c->slot[i].start[c->slot[i].n] = start;
		c->slot[i].end[c->slot[i].n] = end;
		c->slot[i].n++;
	}
	return false;
}
