// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Netfilter hooks: every IPv4 and IPv6 packet of a namespace, once, through
 * the shared core (parse, fingerprint), counted per CPU. Never drops a packet.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <net/netns/generic.h>
#include "strata.h"
#include "core/parse.h"
#include "core/fingerprint.h"

/*
 * Header bytes copied out of a non-linear skb for parsing. Headers longer
 * than this (a long IPv6 extension chain) count as truncated.
 */
#define STRATA_HDR_MAX 256

static void strata_fingerprint(struct strata_counters __percpu *c,
			       struct sk_buff *skb, const struct strata_pkt *p)
{
	u32 from = p->payload_off, to = min_t(u32, p->ip_len, skb->len);
	struct strata_fp fp;

	if (from >= to)
		return;
	if (to <= skb_headlen(skb)) {
		strata_fp_compute(skb->data + from, to - from, &fp);
	} else {
		/* Paged data (GRO, GSO, zero-copy): feed it piece by piece. */
		struct strata_fp_stream st;
		struct skb_seq_state seq;
		unsigned int done = 0, n;
		const u8 *piece;

		strata_fp_begin(&st, &fp);
		skb_prepare_seq_read(skb, from, to, &seq);
		while ((n = skb_seq_read(done, &piece, &seq)) != 0) {
			strata_fp_feed(&st, piece, n);
			done += n;
		}
		strata_fp_end(&st);
	}
	strata_count(c, STRATA_STAT_FINGERPRINTS);
	strata_count_add(c, STRATA_STAT_FP_SUM, fp.hash);
}

/*
 * Runs for every packet at PRE_ROUTING (received and forwarded) and at
 * LOCAL_OUT (sent by this host), before conntrack's defragmentation, so each
 * packet is seen once and fragments are seen as fragments.
 */
static unsigned int strata_nf_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct strata_counters __percpu *c = strata_net(state->net)->counters;
	u32 caplen = skb_headlen(skb);
	u8 buf[STRATA_HDR_MAX];
	const u8 *data = skb->data;
	struct strata_pkt pkt;

	strata_count(c, STRATA_STAT_SEEN);
	if (caplen < min_t(u32, skb->len, STRATA_HDR_MAX)) {
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
		return NF_ACCEPT;
	}

	switch (strata_parse(data, caplen, skb->len, &pkt)) {
	case STRATA_PARSE_OK:
		break;
	case STRATA_PARSE_TRUNCATED:
		goto truncated;
	case STRATA_PARSE_MALFORMED:
		strata_count(c, STRATA_STAT_MALFORMED);
		return NF_ACCEPT;
	default:
		strata_count(c, STRATA_STAT_UNSUPPORTED);
		return NF_ACCEPT;
	}
	strata_count(c, STRATA_STAT_PARSED);
	if (pkt.family == 4)
		strata_count(c, STRATA_STAT_IPV4);
	else
		strata_count(c, STRATA_STAT_IPV6);
	if (pkt.flags & STRATA_PKT_FRAG)
		strata_count(c, STRATA_STAT_FRAGMENTS);
	strata_fingerprint(c, skb, &pkt);
	return NF_ACCEPT;

truncated:
	strata_count(c, STRATA_STAT_TRUNCATED);
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
