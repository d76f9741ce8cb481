// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Netfilter hooks: every IPv4 and IPv6 packet of a namespace, once, through
 * the shared core (parse, microflow table, fingerprint) and into a record on
 * its CPU's ring, counted per CPU. Never drops or changes a packet.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <net/netns/generic.h>
#include "strata.h"
#include "core/parse.h"
#include "core/fingerprint.h"
#include "core/record.h"

/*
 * Header bytes copied out of a non-linear skb for parsing. Headers longer
 * than this (a long IPv6 extension chain) count as truncated.
 */
#define STRATA_HDR_MAX 256

static void strata_fingerprint(struct strata_counters __percpu *c,
			       struct sk_buff *skb, const struct strata_pkt *p,
			       bool segments, struct strata_fp *fp)
{
	u32 from = p->payload_off, to = min_t(u32, p->ip_len, skb->len);
	u16 gso_size = skb_is_gso(skb) ? skb_shinfo(skb)->gso_size : 0;

	/*
	 * A GSO packet (a TSO or GSO send, a GRO receive) stands for several
	 * packets on the wire, and its first gso_size payload bytes are the
	 * first of them: the hash covers those, the bytes another host sees
	 * as one packet. A hash of all 64 KB would match nothing anywhere
	 * else, at the cost of reading every byte once more.
	 */
	if (gso_size && gso_size != GSO_BY_FRAGS && to - from > gso_size &&
	    from < to)
		to = from + gso_size;
	if (from >= to) {
		memset(fp, 0, sizeof(*fp));
		return;
	}
	if (to <= skb_headlen(skb)) {
		if (segments)
			strata_fp_compute(skb->data + from, to - from, fp);
		else
			strata_fp_hash(skb->data + from, to - from, fp);
	} else {
		/* Paged data (GRO, GSO, zero-copy): feed it piece by piece. */
		struct strata_fp_stream st;
		struct skb_seq_state seq;
		unsigned int done = 0, n;
		const u8 *piece;

		strata_fp_begin(&st, fp);
		st.segments = segments;
		skb_prepare_seq_read(skb, from, to, &seq);
		/* skb_seq_read() hands out whole pieces, past @to too. */
		while (done < to - from &&
		       (n = skb_seq_read(done, &piece, &seq)) != 0) {
			n = min(n, to - from - done);
			strata_fp_feed(&st, piece, n);
			done += n;
		}
		skb_abort_seq_read(&seq);
		strata_fp_end(&st);
	}
	strata_count(c, STRATA_STAT_FINGERPRINTS);
	strata_count_add(c, STRATA_STAT_FP_SUM, fp->hash);
	if (segments)
		strata_count(c, STRATA_STAT_SEGMENTED);
}

/*
 * A parsed packet: the microflow table, the fingerprint, the record. Bottom
 * halves are disabled: each CPU's ring has that CPU as its only producer.
 */
static void strata_packet(struct strata_net *sn, struct sk_buff *skb,
			  const struct strata_pkt *pkt,
			  const struct nf_hook_state *state)
{
	const struct strata_config *cfg = rcu_dereference(sn->config);
	const struct strata_filter *f = strata_config_match(cfg, pkt);
	u32 snaplen = f ? f->snaplen : cfg->snaplen;
	u32 budget = f && f->fields & STRATA_FILT_SEG_BUDGET ?
		f->seg_budget : cfg->seg_budget;
	u64 ts = ktime_get_real_ns(), pos = U64_MAX;
	struct strata_rec_packet *rec;
	struct strata_rec_meta meta;
	struct strata_verdict v;
	struct strata_fp fp;
	bool record = false;

	if (cfg->flags & STRATA_CFG_F_RECORDS) {
		u32 *n = this_cpu_ptr(sn->sample);

		if (++*n >= cfg->sampling) {
			*n = 0;
			pos = strata_ring_next_pos(sn);
			record = pos != U64_MAX;
		} else {
			strata_count(sn->counters, STRATA_STAT_SAMPLED_OUT);
		}
	}
	if (!(cfg->flags & STRATA_CFG_F_FINGERPRINT))
		budget = 0;
	strata_table_packet(sn, cfg, pkt, ts, budget, pos, &v);
	if (cfg->flags & STRATA_CFG_F_FINGERPRINT)
		strata_fingerprint(sn->counters, skb, pkt, v.segments, &fp);
	else
		memset(&fp, 0, sizeof(fp));
	if (record) {
		u32 caplen = min3(snaplen, skb->len, pkt->ip_len);
		const struct net_device *dev = state->hook == NF_INET_PRE_ROUTING ?
			state->in : state->out;

		rec = strata_ring_reserve(sn, caplen, ts);
		if (!rec)
			return;
		meta.ts_ns = ts;
		meta.key_hash = v.key_hash;
		meta.generation = cfg->generation;
		meta.ifindex = dev ? dev->ifindex : 0;
		meta.caplen = caplen;
		meta.gso_size = skb_is_gso(skb) ? skb_shinfo(skb)->gso_size : 0;
		meta.gso_segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 0;
		meta.hook = state->hook == NF_INET_PRE_ROUTING ?
			STRATA_HOOK_PRE_ROUTING : STRATA_HOOK_LOCAL_OUT;
		meta.dir = v.dir;
		strata_rec_fill(rec, pkt, &fp, &meta);
		strata_ring_commit(sn, rec, skb, caplen);
	}
}

/*
 * Runs for every packet at PRE_ROUTING (received and forwarded) and at
 * LOCAL_OUT (sent by this host), before conntrack's defragmentation, so each
 * packet is seen once and fragments are seen as fragments.
 */
static unsigned int strata_nf_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct strata_net *sn = strata_net(state->net);
	struct strata_counters __percpu *c = sn->counters;
	u32 caplen = skb_headlen(skb);
	u8 buf[STRATA_HDR_MAX];
	const u8 *data = skb->data;
	enum strata_parse_status st;
	struct strata_pkt pkt;

	local_bh_disable();
	strata_count(c, STRATA_STAT_SEEN);
	if (!caplen && skb->len) {
		caplen = min_t(u32, skb->len, STRATA_HDR_MAX);
		data = skb_header_pointer(skb, 0, caplen, buf);
		if (!data)
			goto truncated;
	}

	/*
	 * The stack only hands IPv4 to the IPv4 hooks, but a raw socket
	 * (IP_HDRINCL) can send any first byte: a version that does not
	 * match the hook's family is a malformed packet of that family.
	 */
	if (caplen && data[0] >> 4 != (state->pf == NFPROTO_IPV4 ? 4 : 6)) {
		strata_count(c, STRATA_STAT_MALFORMED);
		goto out;
	}

	/*
	 * Headers are almost always in the linear part. Only when they run
	 * past it are up to STRATA_HDR_MAX bytes copied out and parsed again:
	 * a parse of fewer bytes ends the same way or as truncated.
	 */
	st = strata_parse(data, caplen, skb->len, &pkt);
	if (st == STRATA_PARSE_TRUNCATED &&
	    caplen < min_t(u32, skb->len, STRATA_HDR_MAX)) {
		caplen = min_t(u32, skb->len, STRATA_HDR_MAX);
		data = skb_header_pointer(skb, 0, caplen, buf);
		if (!data)
			goto truncated;
		st = strata_parse(data, caplen, skb->len, &pkt);
	}
	switch (st) {
	case STRATA_PARSE_OK:
		break;
	case STRATA_PARSE_TRUNCATED:
		goto truncated;
	case STRATA_PARSE_MALFORMED:
		strata_count(c, STRATA_STAT_MALFORMED);
		goto out;
	default:
		strata_count(c, STRATA_STAT_UNSUPPORTED);
		goto out;
	}
	/*
	 * A fragment overlapping one seen before of the same datagram is an
	 * evasion attempt or a broken stack: the reassembly after this hook
	 * drops it (RFC 5722), and so it counts as malformed here.
	 */
	if (pkt.flags & STRATA_PKT_FRAG &&
	    strata_frag_overlap(this_cpu_ptr(sn->frags), &pkt, ktime_get_real_ns())) {
		strata_count(c, STRATA_STAT_MALFORMED);
		goto out;
	}
	strata_count(c, STRATA_STAT_PARSED);
	if (pkt.family == 4)
		strata_count(c, STRATA_STAT_IPV4);
	else
		strata_count(c, STRATA_STAT_IPV6);
	if (pkt.flags & STRATA_PKT_FRAG)
		strata_count(c, STRATA_STAT_FRAGMENTS);
	/*
	 * The transaction timing reads the first payload bytes (TCP, DNS),
	 * which in a non-linear skb (a socket's paged send, GRO) lie past
	 * the part parsed: 8 bytes copied, only when missing.
	 */
	if (pkt.flags & STRATA_PKT_L4 &&
	    (pkt.proto == IPPROTO_TCP ||
	     (pkt.proto == IPPROTO_UDP && (pkt.sport == 53 || pkt.dport == 53))) &&
	    pkt.head_len < min_t(u32, pkt.payload_len, STRATA_PKT_HEAD)) {
		u32 n = min_t(u32, pkt.payload_len, STRATA_PKT_HEAD);

		if (!skb_copy_bits(skb, pkt.payload_off, pkt.head, n))
			pkt.head_len = n;
	}
	/* GSO and GRO packets stand for several wire packets: the core counts them. */
	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_size != GSO_BY_FRAGS) {
		pkt.gso_size = skb_shinfo(skb)->gso_size;
		pkt.gso_segs = skb_shinfo(skb)->gso_segs;
	}
	strata_packet(sn, skb, &pkt, state);
	goto out;

truncated:
	strata_count(c, STRATA_STAT_TRUNCATED);
out:
	local_bh_enable();
	return NF_ACCEPT;
}

static const struct nf_hook_ops strata_nf_ops[] = {
	{ .hook = strata_nf_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_PRE_ROUTING, .priority = NF_IP_PRI_FIRST },
	{ .hook = strata_nf_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_LOCAL_OUT, .priority = NF_IP_PRI_FIRST },
	{ .hook = strata_nf_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_PRE_ROUTING, .priority = NF_IP6_PRI_FIRST },
	{ .hook = strata_nf_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_LOCAL_OUT, .priority = NF_IP6_PRI_FIRST },
};

/**
 * strata_hooks_init() - register the hooks in a namespace
 * @net: the namespace, whose counters are already allocated
 *
 * Return: 0 or the -errno of nf_register_net_hooks().
 */
int strata_hooks_init(struct net *net)
{
	return nf_register_net_hooks(net, strata_nf_ops, ARRAY_SIZE(strata_nf_ops));
}

/**
 * strata_hooks_uninit() - unregister the hooks of a namespace
 * @net: the namespace
 *
 * Returns after every packet inside the hooks has left them.
 */
void strata_hooks_uninit(struct net *net)
{
	nf_unregister_net_hooks(net, strata_nf_ops, ARRAY_SIZE(strata_nf_ops));
}
