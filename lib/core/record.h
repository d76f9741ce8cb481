/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * A packet record (struct strata_rec_packet, include/uapi/linux/strata.h)
 * from the core's results: one filler for the kernel's rings and for the
 * records userspace makes from capture files, so both hold the same fields.
 */
#ifndef STRATA_CORE_RECORD_H
#define STRATA_CORE_RECORD_H

#include "compat.h"
#include <uapi/linux/strata.h>
#include "parse.h"
#include "fingerprint.h"

/**
 * struct strata_rec_meta - the fields of a record not from parse or fingerprint
 * @ts_ns: when the packet was seen
 * @key_hash: its conversation's hash
 * @generation: configuration generation (0 offline)
 * @ifindex: interface (0 when not known)
 * @caplen: packet bytes that follow the record
 * @gso_size: payload bytes per wire packet of a GSO packet, else 0
 * @gso_segs: wire packets of a GSO packet (0: not known or not GSO)
 * @hook: STRATA_HOOK_*
 * @dir: direction in the microflow
 */
struct strata_rec_meta {
	__u64 ts_ns;
	__u64 key_hash;
	__u32 generation;
	__u32 ifindex;
	__u32 caplen;
	__u16 gso_size;
	__u16 gso_segs;
	__u8 hook;
	__u8 dir;
};

/**
 * strata_rec_fill() - fill in a packet record
 * @r: the record; every byte of it is assigned (it may be ring memory
 *	holding an older record), so no memset is needed first
 * @p: the parsed packet
 * @fp: its fingerprint (@fp->nseg segment hashes valid, the rest ignored)
 * @m: the other fields
 */
static inline void strata_rec_fill(struct strata_rec_packet *r,
				   const struct strata_pkt *p,
				   const struct strata_fp *fp,
				   const struct strata_rec_meta *m)
{
	unsigned int i;

	_Static_assert(sizeof(*r) == 200, "every field of the record is assigned below");
	r->ts_ns = m->ts_ns;
	memcpy(r->saddr, p->saddr, 16);
	memcpy(r->daddr, p->daddr, 16);
	r->wire_len = p->ip_len;
	r->payload_len = p->payload_len;
	r->ip_id = p->ip_id;
	r->flow_label = p->flow_label;
	r->frag_off = p->frag_off;
	r->sport = p->sport;
	r->dport = p->dport;
	r->family = p->family;
	r->proto = p->proto;
	r->ttl = p->ttl;
	r->tos = p->tos;
	r->tcp_flags = p->tcp_flags;
	r->tcp_opts = p->tcp_opts;
	r->pkt_flags = p->flags;
	r->tcp_wscale = p->tcp_wscale;
	r->tcp_sack_blocks = p->tcp_sack_blocks;
	r->tcp_mss = p->tcp_mss;
	r->tcp_window = p->tcp_window;
	r->icmp_type = p->icmp_type;
	r->icmp_code = p->icmp_code;
	r->tcp_seq = p->tcp_seq;
	r->tcp_ack = p->tcp_ack;
	r->tcp_tsval = p->tcp_tsval;
	r->tcp_tsecr = p->tcp_tsecr;
	r->fp_hash = fp->hash;
	r->fp_len = fp->len;
	r->nseg = fp->nseg;
	r->hook = m->hook;
	r->dir = m->dir;
	r->pad1 = 0;
	/* Past nseg, fp->seg may never have been written: zeros. */
	for (i = 0; i < sizeof(r->seg) / sizeof(r->seg[0]); i++)
		r->seg[i] = i < fp->nseg ? fp->seg[i] : 0;
	r->key_hash = m->key_hash;
	r->generation = m->generation;
	r->ifindex = m->ifindex;
	r->caplen = m->caplen;
	r->gso_size = m->gso_size;
	r->gso_segs = m->gso_segs;
}

#endif /* STRATA_CORE_RECORD_H */
