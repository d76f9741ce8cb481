// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * A namespace's configuration: the defaults, and which detail filter a
 * packet matches. Changes come through netlink (netlink.c), which publishes
 * a new copy; the packet path reads the current one under RCU.
 */
#include <linux/slab.h>
#include "strata.h"

/**
 * strata_config_init() - give a new namespace the default configuration
 * @sn: its strata state
 *
 * Return: 0 or -ENOMEM.
 */
int strata_config_init(struct strata_net *sn)
{
	struct strata_config *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);

	if (!cfg)
		return -ENOMEM;
	cfg->generation = 1;
	cfg->flags = STRATA_CFG_F_FINGERPRINT | STRATA_CFG_F_RECORDS;
	cfg->window_ms = STRATA_WINDOW_MS_DEFAULT;
	cfg->window_ns = (u64)cfg->window_ms * NSEC_PER_MSEC;
	cfg->snaplen = STRATA_SNAPLEN_DEFAULT;
	cfg->sampling = 1;
	cfg->table_cap = STRATA_TABLE_CAP_DEFAULT;
	cfg->seg_budget = STRATA_SEG_BUDGET_DEFAULT;
	mutex_init(&sn->config_lock);
	RCU_INIT_POINTER(sn->config, cfg);
	return 0;
}

/**
 * strata_config_uninit() - free the configuration of a namespace going away
 * @sn: its strata state (no packet in the hooks any more)
 */
void strata_config_uninit(struct strata_net *sn)
{
	kfree(rcu_dereference_protected(sn->config, true));
	RCU_INIT_POINTER(sn->config, NULL);
}

static bool prefix_match(const u8 *a, const u8 *b, unsigned int len)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!bits)
		return true;
	return !((a[bytes] ^ b[bytes]) & (0xff00 >> bits));
}

/**
 * strata_config_match() - the first detail filter a packet matches
 * @cfg: the configuration
 * @pkt: the parsed packet
 *
 * Return: the filter, or NULL when none matches.
 */
const struct strata_filter *strata_config_match(const struct strata_config *cfg,
						const struct strata_pkt *pkt)
{
	u32 i;

	for (i = 0; i < cfg->nfilters; i++) {
		const struct strata_filter *f = &cfg->filters[i];

		if (f->fields & STRATA_FILT_PROTO && f->proto != pkt->proto)
			continue;
		if (f->fields & STRATA_FILT_ADDR &&
		    !prefix_match(f->addr, pkt->saddr, f->prefix) &&
		    !prefix_match(f->addr, pkt->daddr, f->prefix))
			continue;
		if (f->fields & STRATA_FILT_PORT &&
		    (!(pkt->flags & STRATA_PKT_L4) ||
		     (f->port != pkt->sport && f->port != pkt->dport)))
			continue;
		return f;
	}
	return NULL;
}
