// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The generic netlink family "strata" (include/uapi/linux/strata.h):
 * configuration, counters, the live microflow table, and the multicast
 * group of closed microflows. Every request acts on the namespace of the
 * socket it came from.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include "strata.h"

static struct genl_family strata_family;

enum strata_mcgrp { STRATA_MCGRP_MICROFLOWS };

static const struct genl_multicast_group strata_mcgrps[] = {
	[STRATA_MCGRP_MICROFLOWS] = { .name = STRATA_GENL_MCGRP_MICROFLOWS },
};

static const struct nla_policy strata_filter_policy[STRATA_FILTER_A_MAX + 1] = {
	[STRATA_FILTER_A_FILTER] = { .type = NLA_REJECT },
	[STRATA_FILTER_A_PROTO] = { .type = NLA_U8 },
	[STRATA_FILTER_A_ADDR] = NLA_POLICY_EXACT_LEN(16),
	[STRATA_FILTER_A_PREFIX] = NLA_POLICY_MAX(NLA_U8, 128),
	[STRATA_FILTER_A_PORT] = { .type = NLA_U16 },
	[STRATA_FILTER_A_SNAPLEN] = NLA_POLICY_MAX(NLA_U32, STRATA_SNAPLEN_MAX),
	[STRATA_FILTER_A_SEG_BUDGET] = { .type = NLA_U32 },
};

static struct netlink_range_validation strata_window_range __ro_after_init = {
	.min = STRATA_WINDOW_MS_MIN, .max = STRATA_WINDOW_MS_MAX,
};

static struct netlink_range_validation strata_cap_range __ro_after_init = {
	.min = 1, .max = STRATA_TABLE_CAP_MAX,
};

static const struct nla_policy strata_cfg_policy[STRATA_CFG_A_MAX + 1] = {
	[STRATA_CFG_A_GENERATION] = { .type = NLA_U32 },
	[STRATA_CFG_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, STRATA_CFG_F_ALL),
	[STRATA_CFG_A_WINDOW_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &strata_window_range),
	[STRATA_CFG_A_SNAPLEN] = NLA_POLICY_MAX(NLA_U32, STRATA_SNAPLEN_MAX),
	[STRATA_CFG_A_SAMPLING] = NLA_POLICY_MIN(NLA_U32, 1),
	[STRATA_CFG_A_TABLE_CAP] = NLA_POLICY_FULL_RANGE(NLA_U32, &strata_cap_range),
	[STRATA_CFG_A_SEG_BUDGET] = { .type = NLA_U32 },
	[STRATA_CFG_A_FILTERS] = { .type = NLA_NESTED },
};

static const struct nla_policy strata_policy[STRATA_A_MAX + 1] = {
	[STRATA_A_CONFIG] = NLA_POLICY_NESTED(strata_cfg_policy),
	[STRATA_A_STATS] = { .type = NLA_REJECT },
	[STRATA_A_TABLE_LIVE] = { .type = NLA_REJECT },
	[STRATA_A_MICROFLOW] = { .type = NLA_REJECT },
};

/* ---- configuration ---- */

static int put_filter(struct sk_buff *skb, const struct strata_filter *f)
{
	struct nlattr *nest = nla_nest_start(skb, STRATA_FILTER_A_FILTER);

	if (!nest)
		return -EMSGSIZE;
	if ((f->fields & STRATA_FILT_PROTO &&
	     nla_put_u8(skb, STRATA_FILTER_A_PROTO, f->proto)) ||
	    (f->fields & STRATA_FILT_ADDR &&
	     (nla_put(skb, STRATA_FILTER_A_ADDR, 16, f->addr) ||
	      nla_put_u8(skb, STRATA_FILTER_A_PREFIX, f->prefix))) ||
	    (f->fields & STRATA_FILT_PORT &&
	     nla_put_u16(skb, STRATA_FILTER_A_PORT, f->port)) ||
	    nla_put_u32(skb, STRATA_FILTER_A_SNAPLEN, f->snaplen) ||
	    (f->fields & STRATA_FILT_SEG_BUDGET &&
	     nla_put_u32(skb, STRATA_FILTER_A_SEG_BUDGET, f->seg_budget))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_config(struct sk_buff *skb, const struct strata_config *cfg)
{
	struct nlattr *nest = nla_nest_start(skb, STRATA_A_CONFIG), *fl;
	u32 i;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, STRATA_CFG_A_GENERATION, cfg->generation) ||
	    nla_put_u32(skb, STRATA_CFG_A_FLAGS, cfg->flags) ||
	    nla_put_u32(skb, STRATA_CFG_A_WINDOW_MS, cfg->window_ms) ||
	    nla_put_u32(skb, STRATA_CFG_A_SNAPLEN, cfg->snaplen) ||
	    nla_put_u32(skb, STRATA_CFG_A_SAMPLING, cfg->sampling) ||
	    nla_put_u32(skb, STRATA_CFG_A_TABLE_CAP, cfg->table_cap) ||
	    nla_put_u32(skb, STRATA_CFG_A_SEG_BUDGET, cfg->seg_budget))
		goto err;
	fl = nla_nest_start(skb, STRATA_CFG_A_FILTERS);
	if (!fl)
		goto err;
	for (i = 0; i < cfg->nfilters; i++)
		if (put_filter(skb, &cfg->filters[i]))
			goto err;
	nla_nest_end(skb, fl);
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int reply_config(struct genl_info *info, const struct strata_config *cfg)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &strata_family, 0,
				STRATA_CMD_GET_CONFIG);
	if (!hdr || put_config(skb, cfg)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

static int strata_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct strata_net *sn = strata_net(genl_info_net(info));
	int ret;

	mutex_lock(&sn->config_lock);
	ret = reply_config(info, rcu_dereference_protected(sn->config,
					lockdep_is_held(&sn->config_lock)));
	mutex_unlock(&sn->config_lock);
	return ret;
}

static int parse_filter(const struct nlattr *nla, struct strata_filter *f,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[STRATA_FILTER_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, STRATA_FILTER_A_MAX, nla, strata_filter_policy,
			       extack);
	if (ret)
		return ret;
	memset(f, 0, sizeof(*f));
	if (!tb[STRATA_FILTER_A_SNAPLEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "filter: snaplen is required");
		return -EINVAL;
	}
	f->snaplen = nla_get_u32(tb[STRATA_FILTER_A_SNAPLEN]);
	if (tb[STRATA_FILTER_A_PROTO]) {
		f->fields |= STRATA_FILT_PROTO;
		f->proto = nla_get_u8(tb[STRATA_FILTER_A_PROTO]);
	}
	if (!tb[STRATA_FILTER_A_ADDR] != !tb[STRATA_FILTER_A_PREFIX]) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "filter: address and prefix go together");
		return -EINVAL;
	}
	if (tb[STRATA_FILTER_A_ADDR]) {
		f->fields |= STRATA_FILT_ADDR;
		nla_memcpy(f->addr, tb[STRATA_FILTER_A_ADDR], 16);
		f->prefix = nla_get_u8(tb[STRATA_FILTER_A_PREFIX]);
	}
	if (tb[STRATA_FILTER_A_PORT]) {
		f->fields |= STRATA_FILT_PORT;
		f->port = nla_get_u16(tb[STRATA_FILTER_A_PORT]);
	}
	if (tb[STRATA_FILTER_A_SEG_BUDGET]) {
		f->fields |= STRATA_FILT_SEG_BUDGET;
		f->seg_budget = nla_get_u32(tb[STRATA_FILTER_A_SEG_BUDGET]);
	}
	return 0;
}

static int parse_filters(const struct nlattr *list, struct strata_config *cfg,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	int rem, ret;

	cfg->nfilters = 0;
	nla_for_each_nested(nla, list, rem) {
		if (nla_type(nla) != STRATA_FILTER_A_FILTER) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "filters: only filter nests allowed");
			return -EINVAL;
		}
		if (cfg->nfilters == STRATA_FILTERS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "filters: at most 16");
			return -E2BIG;
		}
		ret = parse_filter(nla, &cfg->filters[cfg->nfilters], extack);
		if (ret)
			return ret;
		cfg->nfilters++;
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, list, "filters: trailing bytes");
		return -EINVAL;
	}
	return 0;
}

static int strata_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct strata_net *sn = strata_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[STRATA_CFG_A_MAX + 1];
	struct strata_config *old, *cfg;
	int ret;

	if (!info->attrs[STRATA_A_CONFIG]) {
		NL_SET_ERR_MSG(extack, "config set: no STRATA_A_CONFIG nest");
		return -EINVAL;
	}
	/* Validated by the family policy, nested policy included. */
	ret = nla_parse_nested(tb, STRATA_CFG_A_MAX, info->attrs[STRATA_A_CONFIG],
			       strata_cfg_policy, extack);
	if (ret)
		return ret;
	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;

	mutex_lock(&sn->config_lock);
	old = rcu_dereference_protected(sn->config,
					lockdep_is_held(&sn->config_lock));
	*cfg = *old;
	ret = -ESTALE;
	if (tb[STRATA_CFG_A_GENERATION] &&
	    nla_get_u32(tb[STRATA_CFG_A_GENERATION]) != old->generation) {
		NL_SET_ERR_MSG_ATTR(extack, tb[STRATA_CFG_A_GENERATION],
				    "config set: the configuration changed since that generation");
		goto err;
	}
	ret = -EINVAL;
	if (tb[STRATA_CFG_A_WINDOW_MS]) {
		cfg->window_ms = nla_get_u32(tb[STRATA_CFG_A_WINDOW_MS]);
		if (86400000 % cfg->window_ms) {
			NL_SET_ERR_MSG_ATTR(extack, tb[STRATA_CFG_A_WINDOW_MS],
					    "window must divide a day (86400000 ms) evenly");
			goto err;
		}
		cfg->window_ns = (u64)cfg->window_ms * NSEC_PER_MSEC;
	}
	if (tb[STRATA_CFG_A_FLAGS])
		cfg->flags = nla_get_u32(tb[STRATA_CFG_A_FLAGS]);
	if (tb[STRATA_CFG_A_SNAPLEN])
		cfg->snaplen = nla_get_u32(tb[STRATA_CFG_A_SNAPLEN]);
	if (tb[STRATA_CFG_A_SAMPLING])
		cfg->sampling = nla_get_u32(tb[STRATA_CFG_A_SAMPLING]);
	if (tb[STRATA_CFG_A_TABLE_CAP])
		cfg->table_cap = nla_get_u32(tb[STRATA_CFG_A_TABLE_CAP]);
	if (tb[STRATA_CFG_A_SEG_BUDGET])
		cfg->seg_budget = nla_get_u32(tb[STRATA_CFG_A_SEG_BUDGET]);
	if (tb[STRATA_CFG_A_FILTERS]) {
		ret = parse_filters(tb[STRATA_CFG_A_FILTERS], cfg, extack);
		if (ret)
			goto err;
	}
	cfg->generation = old->generation + 1;
	rcu_assign_pointer(sn->config, cfg);
	kfree_rcu(old, rcu);
	ret = reply_config(info, cfg);
	mutex_unlock(&sn->config_lock);
	return ret;
err:
	mutex_unlock(&sn->config_lock);
	kfree(cfg);
	return ret;
}

/* ---- counters ---- */

static int strata_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct strata_net *sn = strata_net(genl_info_net(info));
	u64 sum[__STRATA_STAT_MAX];
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i;

	strata_stats_sum(sn, sum);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &strata_family, 0, STRATA_CMD_GET_STATS);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, STRATA_A_STATS);
	if (!nest)
		goto err;
	for (i = 0; i < __STRATA_STAT_MAX; i++)
		if (nla_put_u64_64bit(msg, i + 1, sum[i], 0))
			goto err;
	nla_nest_end(msg, nest);
	if (nla_put_u32(msg, STRATA_A_TABLE_LIVE, atomic_read(&sn->table.count)))
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ---- microflows ---- */

static int put_sample(struct sk_buff *skb, int type, const struct strata_stat *s)
{
	struct nlattr *nest;

	if (!s->n)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, STRATA_SAMPLE_A_N, s->n, STRATA_SAMPLE_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_SAMPLE_A_SUM, s->sum, STRATA_SAMPLE_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_SAMPLE_A_SUMSQ_LO, s->sumsq_lo,
			      STRATA_SAMPLE_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_SAMPLE_A_SUMSQ_HI, s->sumsq_hi,
			      STRATA_SAMPLE_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_SAMPLE_A_MIN, s->min, STRATA_SAMPLE_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_SAMPLE_A_MAX, s->max, STRATA_SAMPLE_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_dir(struct sk_buff *skb, int type, const struct strata_dir_stats *d)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, STRATA_DIR_A_PACKETS, d->packets, STRATA_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_DIR_A_BYTES, d->bytes, STRATA_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_DIR_A_PAYLOAD_BYTES, d->payload_bytes,
			      STRATA_DIR_A_PAD) ||
	    put_sample(skb, STRATA_DIR_A_SIZE, &d->size) ||
	    put_sample(skb, STRATA_DIR_A_IAT, &d->iat) ||
	    put_sample(skb, STRATA_DIR_A_RTT_HS, &d->rtt_hs) ||
	    put_sample(skb, STRATA_DIR_A_RTT_DATA, &d->rtt_data) ||
	    nla_put_u64_64bit(skb, STRATA_DIR_A_FIRST_NS, d->first_ns, STRATA_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_DIR_A_LAST_NS, d->last_ns, STRATA_DIR_A_PAD) ||
	    nla_put(skb, STRATA_DIR_A_TCP_FLAGS, sizeof(d->tcp_flags), d->tcp_flags) ||
	    nla_put_u32(skb, STRATA_DIR_A_RETRANS, d->retrans) ||
	    nla_put_u32(skb, STRATA_DIR_A_OUT_OF_ORDER, d->out_of_order) ||
	    nla_put_u32(skb, STRATA_DIR_A_ZERO_WINDOW, d->zero_window) ||
	    nla_put_u32(skb, STRATA_DIR_A_FRAGMENTS, d->fragments) ||
	    nla_put_u32(skb, STRATA_DIR_A_FP_SEGMENTED, d->fp_segmented) ||
	    nla_put_u8(skb, STRATA_DIR_A_TTL_MIN, d->ttl_min) ||
	    nla_put_u8(skb, STRATA_DIR_A_TTL_MAX, d->ttl_max)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_txn(struct sk_buff *skb, const struct strata_txn_stats *x)
{
	struct nlattr *nest = nla_nest_start(skb, STRATA_MF_A_TXN);

	if (!nest)
		return -EMSGSIZE;
	if (put_sample(skb, STRATA_TXN_A_TTFB, &x->ttfb) ||
	    put_sample(skb, STRATA_TXN_A_RESP, &x->resp) ||
	    put_sample(skb, STRATA_TXN_A_FIRST, &x->first) ||
	    put_sample(skb, STRATA_TXN_A_DNS, &x->dns) ||
	    nla_put_u64_64bit(skb, STRATA_TXN_A_REQUESTS, x->requests, STRATA_TXN_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_TXN_A_DNS_QUERIES, x->dns_queries,
			      STRATA_TXN_A_PAD) ||
	    nla_put_u32(skb, STRATA_TXN_A_DNS_UNANSWERED, x->dns_unanswered) ||
	    nla_put_u32(skb, STRATA_TXN_A_DNS_OVERFLOW, x->dns_overflow) ||
	    nla_put_u32(skb, STRATA_TXN_A_DNS_REPEATS, x->dns_repeats) ||
	    nla_put_u8(skb, STRATA_TXN_A_APP, x->app)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_microflow(struct sk_buff *skb, const struct strata_mf_snap *s)
{
	const struct strata_mflow *mf = &s->mf;
	struct nlattr *nest = nla_nest_start(skb, STRATA_A_MICROFLOW);

	if (!nest)
		return -EMSGSIZE;
	if ((s->seq && nla_put_u64_64bit(skb, STRATA_MF_A_SEQ, s->seq, STRATA_MF_A_PAD)) ||
	    nla_put_u8(skb, STRATA_MF_A_FAMILY, mf->key.family) ||
	    nla_put_u8(skb, STRATA_MF_A_PROTO, mf->key.proto) ||
	    nla_put(skb, STRATA_MF_A_ADDR0, 16, mf->key.addr[0]) ||
	    nla_put(skb, STRATA_MF_A_ADDR1, 16, mf->key.addr[1]) ||
	    nla_put_u16(skb, STRATA_MF_A_PORT0, mf->key.port[0]) ||
	    nla_put_u16(skb, STRATA_MF_A_PORT1, mf->key.port[1]) ||
	    nla_put_u64_64bit(skb, STRATA_MF_A_KEY_HASH, s->key_hash, STRATA_MF_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_MF_A_WINDOW_START, mf->window_start,
			      STRATA_MF_A_PAD) ||
	    nla_put_u64_64bit(skb, STRATA_MF_A_WINDOW_NS, s->window_ns, STRATA_MF_A_PAD) ||
	    nla_put_u8(skb, STRATA_MF_A_INITIATOR, mf->initiator) ||
	    nla_put_u32(skb, STRATA_MF_A_GENERATION, s->generation) ||
	    (s->has_ring &&
	     (nla_put_u64_64bit(skb, STRATA_MF_A_RING_FIRST, s->ring_first,
				STRATA_MF_A_PAD) ||
	      nla_put_u64_64bit(skb, STRATA_MF_A_RING_LAST, s->ring_last,
				STRATA_MF_A_PAD))) ||
	    put_dir(skb, STRATA_MF_A_DIR0, &mf->dir[0]) ||
	    put_dir(skb, STRATA_MF_A_DIR1, &mf->dir[1]) ||
	    put_txn(skb, &mf->txn)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * strata_genl_notify() - multicast one closed microflow in its namespace
 * @sn: the namespace
 * @s: the microflow
 *
 * Called by the table worker (process context). A message that cannot be
 * built is counted in mf_notify_fail; its sequence number is then missing.
 */
void strata_genl_notify(struct strata_net *sn, const struct strata_mf_snap *s)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&strata_family, sn->net, STRATA_MCGRP_MICROFLOWS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto fail;
	hdr = genlmsg_put(skb, 0, 0, &strata_family, 0, STRATA_CMD_MICROFLOW);
	if (!hdr || put_microflow(skb, s)) {
		nlmsg_free(skb);
		goto fail;
	}
	genlmsg_end(skb, hdr);
	/* -ESRCH when the last listener just left: nobody to lose it for. */
	genlmsg_multicast_netns(&strata_family, sn->net, skb, 0,
				STRATA_MCGRP_MICROFLOWS, GFP_KERNEL);
	return;
fail:
	this_cpu_inc(sn->counters->v[STRATA_STAT_MF_NOTIFY_FAIL]);
}

/* A dump's state: the table iterator and a microflow that did not fit. */
struct strata_dump {
	struct rhashtable_iter iter;
	bool pending;
	struct strata_mf_snap snap;
};

static int strata_nl_dump_start(struct netlink_callback *cb)
{
	struct strata_net *sn = strata_net(sock_net(cb->skb->sk));
	struct strata_dump *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return -ENOMEM;
	rhashtable_walk_enter(&sn->table.ht, &d->iter);
	cb->args[0] = (long)d;
	return 0;
}

static int strata_nl_dump_done(struct netlink_callback *cb)
{
	struct strata_dump *d = (struct strata_dump *)cb->args[0];

	if (d) {
		rhashtable_walk_exit(&d->iter);
		kfree(d);
	}
	return 0;
}

static int strata_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct strata_net *sn = strata_net(sock_net(cb->skb->sk));
	struct strata_dump *d = (struct strata_dump *)cb->args[0];

	for (;;) {
		void *hdr;

		if (!d->pending && !strata_table_walk(sn, &d->iter, &d->snap))
			break;
		d->pending = true;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &strata_family, NLM_F_MULTI,
				  STRATA_CMD_GET_MICROFLOWS);
		if (!hdr)
			break;
		if (put_microflow(skb, &d->snap)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		d->pending = false;
	}
	/* 0 (nothing added) ends the dump. */
	return skb->len;
}

static const struct genl_ops strata_ops[] = {
	{
		.cmd = STRATA_CMD_GET_CONFIG,
		.doit = strata_nl_get_config,
	},
	{
		.cmd = STRATA_CMD_SET_CONFIG,
		.doit = strata_nl_set_config,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = STRATA_CMD_GET_STATS,
		.doit = strata_nl_get_stats,
	},
	{
		.cmd = STRATA_CMD_GET_MICROFLOWS,
		.start = strata_nl_dump_start,
		.dumpit = strata_nl_dump,
		.done = strata_nl_dump_done,
	},
};

static struct genl_family strata_family __ro_after_init = {
	.name = STRATA_GENL_NAME,
	.version = STRATA_GENL_VERSION,
	.maxattr = STRATA_A_MAX,
	.policy = strata_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = strata_ops,
	.n_ops = ARRAY_SIZE(strata_ops),
	.resv_start_op = STRATA_CMD_MICROFLOW + 1,
	.mcgrps = strata_mcgrps,
	.n_mcgrps = ARRAY_SIZE(strata_mcgrps),
};

/**
 * strata_genl_init() - register the family
 *
 * Return: 0 or -errno.
 */
int strata_genl_init(void)
{
	return genl_register_family(&strata_family);
}

/**
 * strata_genl_uninit() - unregister the family
 */
void strata_genl_uninit(void)
{
	genl_unregister_family(&strata_family);
}
