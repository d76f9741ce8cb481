// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The generic netlink client of strata.ko on libmnl: requests and their
 * replies, extended ACK messages, and strict parsing of every attribute nest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include "genl.h"
#include "err.h"
#include "core/counters.h"

/*
 * Receive buffer: the kernel sizes dump datagrams after the largest buffer
 * the reader offered (up to 32 KiB and more), and a datagram cut short by a
 * small buffer is lost; 64 KiB holds any.
 */
#define RECV_BUF	65536
#define SEND_BUF	8192
/* Multicast receive buffer asked for: closed microflows come in bursts. */
#define MCAST_RCVBUF	(8 << 20)

struct strata_genl {
	struct mnl_socket *nl;
	__u32 portid;
	__u32 seq;
	__u16 family;
	__u32 version;
	__u32 mcgrp;		/* 0: the family has no "microflows" group */
	bool subscribed;
	__u64 mf_next;		/* closed microflow sequence number expected */
	char buf[RECV_BUF];
};


const char *strata_stat_name(unsigned int stat)
{
	return stat < __STRATA_STAT_MAX ? strata_counter_names[stat] : NULL;
}

/* strerror(), with the errors this family gives their meaning here. */
static const char *cause(int e)
{
	switch (e) {
	case ESTALE:
		return "generation mismatch";
	case EPERM:
		return "Operation not permitted (needs CAP_NET_ADMIN)";
	}
	return strerror(e);
}

/* ---- attribute parsing ---- */

enum pol_kind {
	P_SKIP,		/* known but carries nothing for us (padding) */
	P_FIXED,	/* exactly @len bytes */
	P_NEST,		/* a nest: empty, or attributes */
	P_STR,		/* a NUL-terminated string */
};

struct pol {
	enum pol_kind kind;
	unsigned short len;
	const char *name;
};

#define FIXED(n, t)	{ P_FIXED, sizeof(t), n }
#define BIN(n, l)	{ P_FIXED, l, n }
#define NEST(n)		{ P_NEST, 0, n }

/*
 * Fill @tb[type] for each attribute of the @len bytes at @payload. Unknown
 * types (a newer kernel) are skipped; a known type with the wrong size, or
 * bytes that do not form whole attributes, are an error naming @where.
 */
static int parse_attrs(const void *payload, size_t len, const struct pol *pol,
		       unsigned int max, const struct nlattr **tb,
		       const char *where, char *err, size_t errlen)
{
	const struct nlattr *a = payload;
	int rem = (int)len;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (len > 0x7fffffff)
		return strata_seterr(err, errlen, EINVAL, "%s: too long", where);
	for (; mnl_attr_ok(a, rem); rem -= NLA_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		unsigned int type = mnl_attr_get_type(a);
		unsigned int plen = mnl_attr_get_payload_len(a);
		const struct pol *p;

		if (type > max)
			continue;
		p = &pol[type];
		switch (p->kind) {
		case P_SKIP:
			continue;
		case P_FIXED:
			if (plen != p->len)
				return strata_seterr(err, errlen, EINVAL,
					      "%s: attribute %s: %u bytes, expected %u",
					      where, p->name, plen, p->len);
			break;
		case P_NEST:
			if (plen && plen < NLA_HDRLEN)
				return strata_seterr(err, errlen, EINVAL,
					      "%s: attribute %s: %u bytes, not a nest",
					      where, p->name, plen);
			break;
		case P_STR:
			if (!plen || strnlen(mnl_attr_get_payload(a), plen) == plen)
				return strata_seterr(err, errlen, EINVAL,
					      "%s: attribute %s: not a string",
					      where, p->name);
			break;
		}
		tb[type] = a;
	}
	if (rem > 0)
		return strata_seterr(err, errlen, EINVAL,
			      "%s: %d trailing bytes do not form an attribute",
			      where, rem);
	return 0;
}

static int parse_nest(const struct nlattr *nest, const struct pol *pol,
		      unsigned int max, const struct nlattr **tb,
		      const char *where, char *err, size_t errlen)
{
	return parse_attrs(mnl_attr_get_payload(nest),
			   mnl_attr_get_payload_len(nest), pol, max, tb, where,
			   err, errlen);
}

/* The top-level attributes of a generic netlink message. */
static const struct pol top_pol[STRATA_A_MAX + 1] = {
	[STRATA_A_CONFIG] = NEST("config"),
	[STRATA_A_STATS] = NEST("stats"),
	[STRATA_A_TABLE_LIVE] = FIXED("table_live", __u32),
	[STRATA_A_MICROFLOW] = NEST("microflow"),
};

static int parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb,
		     const char *where, char *err, size_t errlen)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return strata_seterr(err, errlen, EINVAL, "%s: message of %u bytes, too short",
			      where, nlh->nlmsg_len);
	return parse_attrs(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			   nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, top_pol,
			   STRATA_A_MAX, tb, where, err, errlen);
}

/* ---- configuration ---- */

static const struct pol cfg_pol[STRATA_CFG_A_MAX + 1] = {
	[STRATA_CFG_A_GENERATION] = FIXED("generation", __u32),
	[STRATA_CFG_A_FLAGS] = FIXED("flags", __u32),
	[STRATA_CFG_A_WINDOW_MS] = FIXED("window_ms", __u32),
	[STRATA_CFG_A_SNAPLEN] = FIXED("snaplen", __u32),
	[STRATA_CFG_A_SAMPLING] = FIXED("sampling", __u32),
	[STRATA_CFG_A_TABLE_CAP] = FIXED("table_cap", __u32),
	[STRATA_CFG_A_SEG_BUDGET] = FIXED("seg_budget", __u32),
	[STRATA_CFG_A_FILTERS] = NEST("filters"),
};

static const struct pol filter_pol[STRATA_FILTER_A_MAX + 1] = {
	[STRATA_FILTER_A_FILTER] = NEST("filter"),
	[STRATA_FILTER_A_PROTO] = FIXED("proto", __u8),
	[STRATA_FILTER_A_ADDR] = BIN("addr", 16),
	[STRATA_FILTER_A_PREFIX] = FIXED("prefix", __u8),
	[STRATA_FILTER_A_PORT] = FIXED("port", __u16),
	[STRATA_FILTER_A_SNAPLEN] = FIXED("snaplen", __u32),
	[STRATA_FILTER_A_SEG_BUDGET] = FIXED("seg_budget", __u32),
};

static int parse_filter(const struct nlattr *nest, unsigned int i,
			struct strata_filter *f, char *err, size_t errlen)
{
	const struct nlattr *tb[STRATA_FILTER_A_MAX + 1];
	char where[32];
	int rc;

	snprintf(where, sizeof(where), "config: filter %u", i + 1);
	rc = parse_nest(nest, filter_pol, STRATA_FILTER_A_MAX, tb, where, err,
			errlen);
	if (rc)
		return rc;
	memset(f, 0, sizeof(*f));
	if (!tb[STRATA_FILTER_A_SNAPLEN])
		return strata_seterr(err, errlen, EINVAL, "%s: no snaplen", where);
	if (!tb[STRATA_FILTER_A_ADDR] != !tb[STRATA_FILTER_A_PREFIX])
		return strata_seterr(err, errlen, EINVAL,
			      "%s: an address needs a prefix and a prefix an address",
			      where);
	f->snaplen = mnl_attr_get_u32(tb[STRATA_FILTER_A_SNAPLEN]);
	if (tb[STRATA_FILTER_A_PROTO]) {
		f->has_proto = true;
		f->proto = mnl_attr_get_u8(tb[STRATA_FILTER_A_PROTO]);
	}
	if (tb[STRATA_FILTER_A_ADDR]) {
		f->has_addr = true;
		memcpy(f->addr, mnl_attr_get_payload(tb[STRATA_FILTER_A_ADDR]), 16);
		f->prefix = mnl_attr_get_u8(tb[STRATA_FILTER_A_PREFIX]);
		if (f->prefix > 128)
			return strata_seterr(err, errlen, EINVAL, "%s: prefix %u over 128",
				      where, f->prefix);
	}
	if (tb[STRATA_FILTER_A_PORT]) {
		f->has_port = true;
		f->port = mnl_attr_get_u16(tb[STRATA_FILTER_A_PORT]);
	}
	if (tb[STRATA_FILTER_A_SEG_BUDGET]) {
		f->has_seg_budget = true;
		f->seg_budget = mnl_attr_get_u32(tb[STRATA_FILTER_A_SEG_BUDGET]);
	}
	return 0;
}

/* STRATA_CFG_A_FILTERS: STRATA_FILTER_A_FILTER nests, in order. */
static int parse_filters(const struct nlattr *nest, struct strata_config *cfg,
			 char *err, size_t errlen)
{
	const struct nlattr *a;
	int rc;

	cfg->nfilters = 0;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != STRATA_FILTER_A_FILTER)
			continue;
		if (cfg->nfilters == STRATA_FILTERS_MAX)
			return strata_seterr(err, errlen, EINVAL,
				      "config: more than %d filters",
				      STRATA_FILTERS_MAX);
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return strata_seterr(err, errlen, EINVAL,
				      "config: filter %u: not a nest",
				      cfg->nfilters + 1);
		rc = parse_filter(a, cfg->nfilters, &cfg->filters[cfg->nfilters],
				  err, errlen);
		if (rc)
			return rc;
		cfg->nfilters++;
	}
	/* What mnl_attr_for_each_nested() stopped at must be the end. */
	if ((const char *)a < (const char *)mnl_attr_get_payload(nest) +
			      mnl_attr_get_payload_len(nest))
		return strata_seterr(err, errlen, EINVAL,
			      "config: filters: trailing bytes do not form an attribute");
	return 0;
}

int strata_genl_parse_config(const struct nlattr *nest, struct strata_config *cfg,
			     char *err, size_t errlen)
{
	const struct nlattr *tb[STRATA_CFG_A_MAX + 1];
	unsigned int i;
	int rc;

	rc = parse_nest(nest, cfg_pol, STRATA_CFG_A_MAX, tb, "config", err, errlen);
	if (rc)
		return rc;
	for (i = 1; i <= STRATA_CFG_A_MAX; i++)
		if (cfg_pol[i].kind != P_SKIP && !tb[i])
			return strata_seterr(err, errlen, EINVAL,
				      "config: attribute %s missing", cfg_pol[i].name);
	memset(cfg, 0, sizeof(*cfg));
	cfg->generation = mnl_attr_get_u32(tb[STRATA_CFG_A_GENERATION]);
	cfg->flags = mnl_attr_get_u32(tb[STRATA_CFG_A_FLAGS]);
	cfg->window_ms = mnl_attr_get_u32(tb[STRATA_CFG_A_WINDOW_MS]);
	cfg->snaplen = mnl_attr_get_u32(tb[STRATA_CFG_A_SNAPLEN]);
	cfg->sampling = mnl_attr_get_u32(tb[STRATA_CFG_A_SAMPLING]);
	cfg->table_cap = mnl_attr_get_u32(tb[STRATA_CFG_A_TABLE_CAP]);
	cfg->seg_budget = mnl_attr_get_u32(tb[STRATA_CFG_A_SEG_BUDGET]);
	return parse_filters(tb[STRATA_CFG_A_FILTERS], cfg, err, errlen);
}

static int put_filter(struct nlmsghdr *nlh, size_t buflen,
		      const struct strata_filter *f)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, STRATA_FILTER_A_FILTER);
	if (!nest)
		return -EMSGSIZE;
	if (f->has_proto &&
	    !mnl_attr_put_u8_check(nlh, buflen, STRATA_FILTER_A_PROTO, f->proto))
		goto cancel;
	if (f->has_addr &&
	    (!mnl_attr_put_check(nlh, buflen, STRATA_FILTER_A_ADDR, 16, f->addr) ||
	     !mnl_attr_put_u8_check(nlh, buflen, STRATA_FILTER_A_PREFIX, f->prefix)))
		goto cancel;
	if (f->has_port &&
	    !mnl_attr_put_u16_check(nlh, buflen, STRATA_FILTER_A_PORT, f->port))
		goto cancel;
	if (!mnl_attr_put_u32_check(nlh, buflen, STRATA_FILTER_A_SNAPLEN, f->snaplen))
		goto cancel;
	if (f->has_seg_budget &&
	    !mnl_attr_put_u32_check(nlh, buflen, STRATA_FILTER_A_SEG_BUDGET,
				    f->seg_budget))
		goto cancel;
	mnl_attr_nest_end(nlh, nest);
	return 0;
cancel:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

int strata_genl_put_config(struct nlmsghdr *nlh, size_t buflen,
			   const struct strata_config *cfg, unsigned int which)
{
	static const struct {
		unsigned int bit;
		__u16 type;
		size_t off;
	} u32s[] = {
		{ STRATA_CONFIG_GENERATION, STRATA_CFG_A_GENERATION,
		  offsetof(struct strata_config, generation) },
		{ STRATA_CONFIG_FLAGS, STRATA_CFG_A_FLAGS,
		  offsetof(struct strata_config, flags) },
		{ STRATA_CONFIG_WINDOW, STRATA_CFG_A_WINDOW_MS,
		  offsetof(struct strata_config, window_ms) },
		{ STRATA_CONFIG_SNAPLEN, STRATA_CFG_A_SNAPLEN,
		  offsetof(struct strata_config, snaplen) },
		{ STRATA_CONFIG_SAMPLING, STRATA_CFG_A_SAMPLING,
		  offsetof(struct strata_config, sampling) },
		{ STRATA_CONFIG_TABLE_CAP, STRATA_CFG_A_TABLE_CAP,
		  offsetof(struct strata_config, table_cap) },
		{ STRATA_CONFIG_SEG_BUDGET, STRATA_CFG_A_SEG_BUDGET,
		  offsetof(struct strata_config, seg_budget) },
	};
	struct nlattr *nest, *filters;
	unsigned int i;

	if (cfg->nfilters > STRATA_FILTERS_MAX)
		return -EINVAL;
	nest = mnl_attr_nest_start_check(nlh, buflen, STRATA_A_CONFIG);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		__u32 v;

		if (!(which & u32s[i].bit))
			continue;
		memcpy(&v, (const char *)cfg + u32s[i].off, sizeof(v));
		if (!mnl_attr_put_u32_check(nlh, buflen, u32s[i].type, v))
			goto cancel;
	}
	if (which & STRATA_CONFIG_FILTERS) {
		filters = mnl_attr_nest_start_check(nlh, buflen, STRATA_CFG_A_FILTERS);
		if (!filters)
			goto cancel;
		for (i = 0; i < cfg->nfilters; i++)
			if (put_filter(nlh, buflen, &cfg->filters[i]))
				goto cancel;
		mnl_attr_nest_end(nlh, filters);
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
cancel:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

/* ---- counters ---- */

int strata_genl_parse_stats(const struct nlmsghdr *nlh, struct strata_stats *st,
			    char *err, size_t errlen)
{
	const struct nlattr *tb[STRATA_A_MAX + 1], *a;
	int rc;

	rc = parse_top(nlh, tb, "stats", err, errlen);
	if (rc)
		return rc;
	if (!tb[STRATA_A_STATS] || !tb[STRATA_A_TABLE_LIVE])
		return strata_seterr(err, errlen, EINVAL, "stats: attribute %s missing",
			      tb[STRATA_A_STATS] ? "table_live" : "stats");
	memset(st, 0, sizeof(*st));
	st->table_live = mnl_attr_get_u32(tb[STRATA_A_TABLE_LIVE]);
	mnl_attr_for_each_nested(a, tb[STRATA_A_STATS]) {
		unsigned int type = mnl_attr_get_type(a);

		/* Type stat + 1; counters of a newer kernel are skipped. */
		if (!type || type > __STRATA_STAT_MAX)
			continue;
		if (mnl_attr_get_payload_len(a) != sizeof(__u64))
			return strata_seterr(err, errlen, EINVAL,
				      "stats: counter %s: %u bytes, expected 8",
				      strata_stat_name(type - 1),
				      mnl_attr_get_payload_len(a));
		st->v[type - 1] = mnl_attr_get_u64(a);
		st->present[type - 1] = true;
	}
	if ((const char *)a < (const char *)mnl_attr_get_payload(tb[STRATA_A_STATS]) +
			      mnl_attr_get_payload_len(tb[STRATA_A_STATS]))
		return strata_seterr(err, errlen, EINVAL,
			      "stats: trailing bytes do not form an attribute");
	return 0;
}

/* ---- microflows ---- */

static const struct pol mf_pol[STRATA_MF_A_MAX + 1] = {
	[STRATA_MF_A_SEQ] = FIXED("seq", __u64),
	[STRATA_MF_A_FAMILY] = FIXED("family", __u8),
	[STRATA_MF_A_PROTO] = FIXED("proto", __u8),
	[STRATA_MF_A_ADDR0] = BIN("addr0", 16),
	[STRATA_MF_A_ADDR1] = BIN("addr1", 16),
	[STRATA_MF_A_PORT0] = FIXED("port0", __u16),
	[STRATA_MF_A_PORT1] = FIXED("port1", __u16),
	[STRATA_MF_A_KEY_HASH] = FIXED("key_hash", __u64),
	[STRATA_MF_A_WINDOW_START] = FIXED("window_start", __u64),
	[STRATA_MF_A_WINDOW_NS] = FIXED("window_ns", __u64),
	[STRATA_MF_A_INITIATOR] = FIXED("initiator", __u8),
	[STRATA_MF_A_GENERATION] = FIXED("generation", __u32),
	[STRATA_MF_A_RING_FIRST] = FIXED("ring_first", __u64),
	[STRATA_MF_A_RING_LAST] = FIXED("ring_last", __u64),
	[STRATA_MF_A_DIR0] = NEST("dir0"),
	[STRATA_MF_A_DIR1] = NEST("dir1"),
	[STRATA_MF_A_TXN] = NEST("txn"),
};

/* Present in every microflow message; SEQ and RING_* are not. */
static const unsigned int mf_required[] = {
	STRATA_MF_A_FAMILY, STRATA_MF_A_PROTO, STRATA_MF_A_ADDR0,
	STRATA_MF_A_ADDR1, STRATA_MF_A_PORT0, STRATA_MF_A_PORT1,
	STRATA_MF_A_KEY_HASH, STRATA_MF_A_WINDOW_START, STRATA_MF_A_WINDOW_NS,
	STRATA_MF_A_INITIATOR, STRATA_MF_A_GENERATION, STRATA_MF_A_DIR0,
	STRATA_MF_A_DIR1,
};

static const struct pol dir_pol[STRATA_DIR_A_MAX + 1] = {
	[STRATA_DIR_A_PACKETS] = FIXED("packets", __u64),
	[STRATA_DIR_A_BYTES] = FIXED("bytes", __u64),
	[STRATA_DIR_A_PAYLOAD_BYTES] = FIXED("payload_bytes", __u64),
	[STRATA_DIR_A_SIZE] = NEST("size"),
	[STRATA_DIR_A_IAT] = NEST("iat"),
	[STRATA_DIR_A_RTT_HS] = NEST("rtt_hs"),
	[STRATA_DIR_A_RTT_DATA] = NEST("rtt_data"),
	[STRATA_DIR_A_FIRST_NS] = FIXED("first_ns", __u64),
	[STRATA_DIR_A_LAST_NS] = FIXED("last_ns", __u64),
	[STRATA_DIR_A_TCP_FLAGS] = BIN("tcp_flags", STRATA_TCP_NFLAGS * sizeof(__u32)),
	[STRATA_DIR_A_RETRANS] = FIXED("retrans", __u32),
	[STRATA_DIR_A_OUT_OF_ORDER] = FIXED("out_of_order", __u32),
	[STRATA_DIR_A_ZERO_WINDOW] = FIXED("zero_window", __u32),
	[STRATA_DIR_A_FRAGMENTS] = FIXED("fragments", __u32),
	[STRATA_DIR_A_FP_SEGMENTED] = FIXED("fp_segmented", __u32),
	[STRATA_DIR_A_TTL_MIN] = FIXED("ttl_min", __u8),
	[STRATA_DIR_A_TTL_MAX] = FIXED("ttl_max", __u8),
};

static const struct pol txn_pol[STRATA_TXN_A_MAX + 1] = {
	[STRATA_TXN_A_TTFB] = NEST("ttfb"),
	[STRATA_TXN_A_RESP] = NEST("resp"),
	[STRATA_TXN_A_FIRST] = NEST("first"),
	[STRATA_TXN_A_DNS] = NEST("dns"),
	[STRATA_TXN_A_REQUESTS] = FIXED("requests", __u64),
	[STRATA_TXN_A_DNS_QUERIES] = FIXED("dns_queries", __u64),
	[STRATA_TXN_A_DNS_UNANSWERED] = FIXED("dns_unanswered", __u32),
	[STRATA_TXN_A_DNS_OVERFLOW] = FIXED("dns_overflow", __u32),
	[STRATA_TXN_A_DNS_REPEATS] = FIXED("dns_repeats", __u32),
	[STRATA_TXN_A_APP] = FIXED("app", __u8),
};

static const struct pol sample_pol[STRATA_SAMPLE_A_MAX + 1] = {
	[STRATA_SAMPLE_A_N] = FIXED("n", __u64),
	[STRATA_SAMPLE_A_SUM] = FIXED("sum", __u64),
	[STRATA_SAMPLE_A_SUMSQ_LO] = FIXED("sumsq_lo", __u64),
	[STRATA_SAMPLE_A_SUMSQ_HI] = FIXED("sumsq_hi", __u64),
	[STRATA_SAMPLE_A_MIN] = FIXED("min", __u64),
	[STRATA_SAMPLE_A_MAX] = FIXED("max", __u64),
};

static __u64 get_u64(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static __u32 get_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

/* A sample set: absent when empty; when present, every field is. */
static int parse_sample(const struct nlattr *nest, struct strata_stat *s,
			const char *where, char *err, size_t errlen)
{
	const struct nlattr *tb[STRATA_SAMPLE_A_MAX + 1];
	unsigned int i;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!nest)
		return 0;
	rc = parse_nest(nest, sample_pol, STRATA_SAMPLE_A_MAX, tb, where, err,
			errlen);
	if (rc)
		return rc;
	for (i = STRATA_SAMPLE_A_N; i <= STRATA_SAMPLE_A_MAX; i++)
		if (!tb[i])
			return strata_seterr(err, errlen, EINVAL, "%s: attribute %s missing",
				      where, sample_pol[i].name);
	s->n = mnl_attr_get_u64(tb[STRATA_SAMPLE_A_N]);
	s->sum = mnl_attr_get_u64(tb[STRATA_SAMPLE_A_SUM]);
	s->sumsq_lo = mnl_attr_get_u64(tb[STRATA_SAMPLE_A_SUMSQ_LO]);
	s->sumsq_hi = mnl_attr_get_u64(tb[STRATA_SAMPLE_A_SUMSQ_HI]);
	s->min = mnl_attr_get_u64(tb[STRATA_SAMPLE_A_MIN]);
	s->max = mnl_attr_get_u64(tb[STRATA_SAMPLE_A_MAX]);
	if (s->n && s->min > s->max)
		return strata_seterr(err, errlen, EINVAL, "%s: min above max", where);
	return 0;
}

/* Where the sample sets of a nest go: attribute type, offset in the struct. */
struct sample_at {
	unsigned int type;
	size_t off;
};

static int parse_samples(const struct nlattr *const *tb, const struct pol *pol,
			 const struct sample_at *at, unsigned int n, void *base,
			 const char *where, char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		char swhere[64];

		snprintf(swhere, sizeof(swhere), "%s %s", where, pol[at[i].type].name);
		rc = parse_sample(tb[at[i].type],
				  (struct strata_stat *)((char *)base + at[i].off),
				  swhere, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_dir(const struct nlattr *nest, struct strata_dir_stats *d,
		     int dir, char *err, size_t errlen)
{
	static const struct sample_at samples[] = {
		{ STRATA_DIR_A_SIZE, offsetof(struct strata_dir_stats, size) },
		{ STRATA_DIR_A_IAT, offsetof(struct strata_dir_stats, iat) },
		{ STRATA_DIR_A_RTT_HS, offsetof(struct strata_dir_stats, rtt_hs) },
		{ STRATA_DIR_A_RTT_DATA, offsetof(struct strata_dir_stats, rtt_data) },
	};
	const struct nlattr *tb[STRATA_DIR_A_MAX + 1];
	char where[48];
	int rc;

	snprintf(where, sizeof(where), "microflow: dir%d", dir);
	rc = parse_nest(nest, dir_pol, STRATA_DIR_A_MAX, tb, where, err, errlen);
	if (rc)
		return rc;
	if (!tb[STRATA_DIR_A_PACKETS] || !tb[STRATA_DIR_A_BYTES])
		return strata_seterr(err, errlen, EINVAL, "%s: attribute %s missing", where,
			      tb[STRATA_DIR_A_PACKETS] ? "bytes" : "packets");
	memset(d, 0, sizeof(*d));
	d->packets = get_u64(tb[STRATA_DIR_A_PACKETS]);
	d->bytes = get_u64(tb[STRATA_DIR_A_BYTES]);
	d->payload_bytes = get_u64(tb[STRATA_DIR_A_PAYLOAD_BYTES]);
	rc = parse_samples(tb, dir_pol, samples, sizeof(samples) / sizeof(samples[0]), d,
			   where, err, errlen);
	if (rc)
		return rc;
	d->first_ns = get_u64(tb[STRATA_DIR_A_FIRST_NS]);
	d->last_ns = get_u64(tb[STRATA_DIR_A_LAST_NS]);
	if (tb[STRATA_DIR_A_TCP_FLAGS])
		memcpy(d->tcp_flags, mnl_attr_get_payload(tb[STRATA_DIR_A_TCP_FLAGS]),
		       sizeof(d->tcp_flags));
	d->retrans = get_u32(tb[STRATA_DIR_A_RETRANS]);
	d->out_of_order = get_u32(tb[STRATA_DIR_A_OUT_OF_ORDER]);
	d->zero_window = get_u32(tb[STRATA_DIR_A_ZERO_WINDOW]);
	d->fragments = get_u32(tb[STRATA_DIR_A_FRAGMENTS]);
	d->fp_segmented = get_u32(tb[STRATA_DIR_A_FP_SEGMENTED]);
	if (tb[STRATA_DIR_A_TTL_MIN])
		d->ttl_min = mnl_attr_get_u8(tb[STRATA_DIR_A_TTL_MIN]);
	if (tb[STRATA_DIR_A_TTL_MAX])
		d->ttl_max = mnl_attr_get_u8(tb[STRATA_DIR_A_TTL_MAX]);
	return 0;
}

/* Transaction timing: absent from a module older than it, then all zero. */
static int parse_txn(const struct nlattr *nest, struct strata_txn_stats *x,
		     char *err, size_t errlen)
{
	static const struct sample_at samples[] = {
		{ STRATA_TXN_A_TTFB, offsetof(struct strata_txn_stats, ttfb) },
		{ STRATA_TXN_A_RESP, offsetof(struct strata_txn_stats, resp) },
		{ STRATA_TXN_A_FIRST, offsetof(struct strata_txn_stats, first) },
		{ STRATA_TXN_A_DNS, offsetof(struct strata_txn_stats, dns) },
	};
	const struct nlattr *tb[STRATA_TXN_A_MAX + 1];
	int rc;

	memset(x, 0, sizeof(*x));
	if (!nest)
		return 0;
	rc = parse_nest(nest, txn_pol, STRATA_TXN_A_MAX, tb, "microflow: txn", err, errlen);
	if (!rc)
		rc = parse_samples(tb, txn_pol, samples, sizeof(samples) / sizeof(samples[0]),
				   x, "microflow: txn", err, errlen);
	if (rc)
		return rc;
	x->requests = get_u64(tb[STRATA_TXN_A_REQUESTS]);
	x->dns_queries = get_u64(tb[STRATA_TXN_A_DNS_QUERIES]);
	x->dns_unanswered = get_u32(tb[STRATA_TXN_A_DNS_UNANSWERED]);
	x->dns_overflow = get_u32(tb[STRATA_TXN_A_DNS_OVERFLOW]);
	x->dns_repeats = get_u32(tb[STRATA_TXN_A_DNS_REPEATS]);
	/* A value a newer module knows is passed on as it is. */
	if (tb[STRATA_TXN_A_APP])
		x->app = mnl_attr_get_u8(tb[STRATA_TXN_A_APP]);
	return 0;
}

int strata_genl_parse_mflow(const struct nlmsghdr *nlh, struct strata_mflow *mf,
			    struct strata_mf_info *info, char *err, size_t errlen)
{
	const struct nlattr *top[STRATA_A_MAX + 1], *tb[STRATA_MF_A_MAX + 1];
	unsigned int i;
	int rc;

	rc = parse_top(nlh, top, "microflow", err, errlen);
	if (rc)
		return rc;
	if (!top[STRATA_A_MICROFLOW])
		return strata_seterr(err, errlen, EINVAL, "microflow: no microflow nest");
	rc = parse_nest(top[STRATA_A_MICROFLOW], mf_pol, STRATA_MF_A_MAX, tb,
			"microflow", err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < sizeof(mf_required) / sizeof(mf_required[0]); i++)
		if (!tb[mf_required[i]])
			return strata_seterr(err, errlen, EINVAL,
				      "microflow: attribute %s missing",
				      mf_pol[mf_required[i]].name);
	if (!tb[STRATA_MF_A_RING_FIRST] != !tb[STRATA_MF_A_RING_LAST])
		return strata_seterr(err, errlen, EINVAL,
			      "microflow: ring_first and ring_last come together");

	memset(mf, 0, sizeof(*mf));
	memset(info, 0, sizeof(*info));
	mf->key.family = mnl_attr_get_u8(tb[STRATA_MF_A_FAMILY]);
	if (mf->key.family != 4 && mf->key.family != 6)
		return strata_seterr(err, errlen, EINVAL, "microflow: family %u, not 4 or 6",
			      mf->key.family);
	mf->key.proto = mnl_attr_get_u8(tb[STRATA_MF_A_PROTO]);
	memcpy(mf->key.addr[0], mnl_attr_get_payload(tb[STRATA_MF_A_ADDR0]), 16);
	memcpy(mf->key.addr[1], mnl_attr_get_payload(tb[STRATA_MF_A_ADDR1]), 16);
	mf->key.port[0] = mnl_attr_get_u16(tb[STRATA_MF_A_PORT0]);
	mf->key.port[1] = mnl_attr_get_u16(tb[STRATA_MF_A_PORT1]);
	mf->window_start = mnl_attr_get_u64(tb[STRATA_MF_A_WINDOW_START]);
	mf->initiator = mnl_attr_get_u8(tb[STRATA_MF_A_INITIATOR]);
	if (mf->initiator > 1)
		return strata_seterr(err, errlen, EINVAL, "microflow: initiator %u, not 0 or 1",
			      mf->initiator);
	mf->started = 1;

	info->key_hash = mnl_attr_get_u64(tb[STRATA_MF_A_KEY_HASH]);
	info->window_ns = mnl_attr_get_u64(tb[STRATA_MF_A_WINDOW_NS]);
	info->generation = mnl_attr_get_u32(tb[STRATA_MF_A_GENERATION]);
	if (tb[STRATA_MF_A_SEQ]) {
		info->has_seq = true;
		info->seq = mnl_attr_get_u64(tb[STRATA_MF_A_SEQ]);
	}
	if (tb[STRATA_MF_A_RING_FIRST]) {
		info->has_ring = true;
		info->ring_first = mnl_attr_get_u64(tb[STRATA_MF_A_RING_FIRST]);
		info->ring_last = mnl_attr_get_u64(tb[STRATA_MF_A_RING_LAST]);
	}
	rc = parse_dir(tb[STRATA_MF_A_DIR0], &mf->dir[0], 0, err, errlen);
	if (!rc)
		rc = parse_dir(tb[STRATA_MF_A_DIR1], &mf->dir[1], 1, err, errlen);
	if (!rc)
		rc = parse_txn(tb[STRATA_MF_A_TXN], &mf->txn, err, errlen);
	return rc;
}

/* ---- errors and acknowledgements ---- */

static const struct pol ack_pol[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { P_STR, 0, "msg" },
	[NLMSGERR_ATTR_MISS_TYPE] = FIXED("miss_type", __u32),
};

int strata_genl_parse_error(const struct nlmsghdr *nlh, const char *op,
			    char *err, size_t errlen)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t plen = mnl_nlmsg_get_payload_len(nlh), off;
	const char *payload = mnl_nlmsg_get_payload(nlh);
	char ack[256] = "";
	int e;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *me = (const void *)payload;

		if (plen < sizeof(*me))
			return strata_seterr(err, errlen, EBADMSG, "%s: truncated error message", op);
		if (!me->error)
			return 0;
		e = -me->error;
		off = sizeof(*me);
		/* Without NETLINK_CAP_ACK the request follows the header. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    me->msg.nlmsg_len >= NLMSG_HDRLEN)
			off += NLMSG_ALIGN(me->msg.nlmsg_len - NLMSG_HDRLEN);
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		int v;

		if (plen < sizeof(int))
			return 0;
		memcpy(&v, payload, sizeof(v));
		if (v >= 0)
			return 0;
		e = -v;
		off = NLMSG_ALIGN(sizeof(int));
	} else {
		return 0;
	}
	if (e <= 0)
		return strata_seterr(err, errlen, EPROTO, "%s: error code %d from the kernel",
			      op, -e);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen &&
	    !parse_attrs(payload + off, plen - off, ack_pol, NLMSGERR_ATTR_MAX,
			 tb, op, NULL, 0)) {
		if (tb[NLMSGERR_ATTR_MSG]) {
			const char *m = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
			size_t n = strlen(op);

			/* "config set: X" from the kernel: X is enough after op. */
			if (!strncmp(m, op, n) && !strncmp(m + n, ": ", 2))
				m += n + 2;
			snprintf(ack, sizeof(ack), ": %s", m);
		}
		else if (tb[NLMSGERR_ATTR_MISS_TYPE])
			snprintf(ack, sizeof(ack), ": attribute type %u missing",
				 mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
	}
	/* A message ending in a newline would end ours early. */
	if (*ack && ack[strlen(ack) - 1] == '\n')
		ack[strlen(ack) - 1] = 0;
	return strata_seterr(err, errlen, e, "%s: %s%s", op, cause(e), ack);
}

bool strata_genl_seq_check(__u64 *next, __u64 seq, struct strata_mf_loss *loss)
{
	__u64 want = *next;

	if (!want || seq == want) {
		*next = seq + 1;
		return false;
	}
	memset(loss, 0, sizeof(*loss));
	if (seq > want) {
		loss->kind = STRATA_MF_LOSS_GAP;
		loss->first = want;
		loss->count = seq - want;
		*next = seq + 1;
	} else {
		loss->kind = STRATA_MF_LOSS_LATE;
		loss->first = seq;
		loss->count = 1;
	}
	return true;
}

/* ---- the socket ---- */

typedef int (*msg_fn)(const struct nlmsghdr *nlh, void *data, char *err,
		      size_t errlen);

static struct nlmsghdr *put_request(struct strata_genl *g, void *buf, __u16 type,
				    __u8 cmd, __u8 version, __u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++g->seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = version;
	return nlh;
}

/*
 * Send @nlh and read the answer: @fn for each message of the family (the
 * reply, or each dump message), until the ACK, the error or the end of the
 * dump. Messages of other sequence numbers (what remains of a dump stopped
 * early) are skipped.
 */
static int transact(struct strata_genl *g, struct nlmsghdr *nlh, const char *op,
		    msg_fn fn, void *data, char *err, size_t errlen)
{
	__u32 seq = nlh->nlmsg_seq;
	bool stopped = false;
	int rc;

	if (g->subscribed)
		return strata_seterr(err, errlen, EBUSY,
			      "%s: the handle is subscribed to microflows; use another",
			      op);
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0)
		return strata_seterr(err, errlen, errno, "%s: send: %s", op, strerror(errno));
	for (;;) {
		const struct nlmsghdr *m = (const void *)g->buf;
		ssize_t n = mnl_socket_recvfrom(g->nl, g->buf, sizeof(g->buf));
		int len;

		if (n < 0) {
			if (errno == ENOSPC)
				return strata_seterr(err, errlen, EMSGSIZE,
					      "%s: a reply did not fit in %d bytes",
					      op, RECV_BUF);
			return strata_seterr(err, errlen, errno, "%s: receive: %s", op,
				      strerror(errno));
		}
		for (len = (int)n; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(m, g->portid))
				continue;
			switch (m->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
			case NLMSG_DONE:
				return strata_genl_parse_error(m, op, err, errlen);
			case NLMSG_OVERRUN:
				return strata_seterr(err, errlen, EIO, "%s: overrun", op);
			}
			if (stopped)
				continue;
			rc = fn(m, data, err, errlen);
			if (rc < 0)
				return rc;
			if (rc > 0) {
				/* A dump is not cancelled; what is left is skipped. */
				if (nlh->nlmsg_flags & NLM_F_DUMP)
					return 0;
				stopped = true;
			}
		}
		if (len > 0)
			return strata_seterr(err, errlen, EBADMSG, "%s: %d bytes of a truncated message",
				      op, len);
	}
}

struct family_reply {
	__u16 id;
	__u32 version;
	__u32 mcgrp;
};

static const struct pol ctrl_pol[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = FIXED("family_id", __u16),
	[CTRL_ATTR_VERSION] = FIXED("version", __u32),
	[CTRL_ATTR_MCAST_GROUPS] = NEST("mcast_groups"),
};

static const struct pol grp_pol[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = { P_STR, 0, "name" },
	[CTRL_ATTR_MCAST_GRP_ID] = FIXED("id", __u32),
};

static int family_msg(const struct nlmsghdr *nlh, void *data, char *err,
		      size_t errlen)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp;
	struct family_reply *r = data;
	int rc;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return strata_seterr(err, errlen, EBADMSG, "genl open: short reply");
	rc = parse_attrs(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			 nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, ctrl_pol,
			 CTRL_ATTR_MAX, tb, "genl open", err, errlen);
	if (rc)
		return rc;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return strata_seterr(err, errlen, EBADMSG, "genl open: no family id");
	r->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	r->version = get_u32(tb[CTRL_ATTR_VERSION]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (parse_nest(grp, grp_pol, CTRL_ATTR_MCAST_GRP_MAX, gtb,
			       "genl open: group", err, errlen))
			return -EBADMSG;
		if (gtb[CTRL_ATTR_MCAST_GRP_NAME] && gtb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
			    STRATA_GENL_MCGRP_MICROFLOWS))
			r->mcgrp = mnl_attr_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

struct strata_genl *strata_genl_open(char *err, size_t errlen)
{
	char req[SEND_BUF] __attribute__((aligned(8)));
	struct family_reply r = { 0 };
	struct strata_genl *g;
	struct nlmsghdr *nlh;
	int one = 1, rc;

	g = calloc(1, sizeof(*g));
	if (!g) {
		strata_seterr(err, errlen, ENOMEM, "genl open: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	g->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!g->nl) {
		rc = strata_seterr(err, errlen, errno, "genl open: netlink socket: %s",
			    strerror(errno));
		goto free;
	}
	/* Extended ACKs carry the kernel's reason for refusing a request;
	 * capped ACKs do not echo the request back. Both are best effort. */
	mnl_socket_setsockopt(g->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(g->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = strata_seterr(err, errlen, errno, "genl open: bind: %s", strerror(errno));
		goto close;
	}
	g->portid = mnl_socket_get_portid(g->nl);

	nlh = put_request(g, req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, STRATA_GENL_NAME);
	rc = transact(g, nlh, "genl open", family_msg, &r, err, errlen);
	if (rc == -ENOENT) {
		strata_seterr(err, errlen, ENOENT,
		       "strata.ko is not loaded (generic netlink family \"%s\" not found)",
		       STRATA_GENL_NAME);
		goto close;
	}
	if (rc)
		goto close;
	if (!r.id) {
		rc = strata_seterr(err, errlen, EBADMSG, "genl open: no family in the reply");
		goto close;
	}
	g->family = r.id;
	g->version = r.version;
	g->mcgrp = r.mcgrp;
	return g;
close:
	mnl_socket_close(g->nl);
free:
	free(g);
	errno = -rc;
	return NULL;
}

void strata_genl_close(struct strata_genl *g)
{
	if (!g)
		return;
	mnl_socket_close(g->nl);
	free(g);
}

int strata_genl_fd(const struct strata_genl *g)
{
	return mnl_socket_get_fd(g->nl);
}

struct cfg_reply {
	struct strata_config *cfg;
	bool got;
	const char *op;
};

static int config_msg(const struct nlmsghdr *nlh, void *data, char *err,
		      size_t errlen)
{
	const struct nlattr *tb[STRATA_A_MAX + 1];
	struct cfg_reply *r = data;
	char sub[256];
	int rc;

	rc = parse_top(nlh, tb, r->op, err, errlen);
	if (rc)
		return rc;
	if (!tb[STRATA_A_CONFIG])
		return strata_seterr(err, errlen, EBADMSG, "%s: reply without config", r->op);
	rc = strata_genl_parse_config(tb[STRATA_A_CONFIG], r->cfg, sub, sizeof(sub));
	if (rc)
		return strata_seterr(err, errlen, -rc, "%s: reply: %s", r->op, sub);
	r->got = true;
	return 1;
}

static int config_req(struct strata_genl *g, __u8 cmd, const char *op,
		      const struct strata_config *in, unsigned int which,
		      struct strata_config *out, char *err, size_t errlen)
{
	char req[SEND_BUF] __attribute__((aligned(8)));
	struct strata_config tmp;
	struct cfg_reply r = { out ? out : &tmp, false, op };
	struct nlmsghdr *nlh;
	int rc;

	nlh = put_request(g, req, g->family, cmd, STRATA_GENL_VERSION, NLM_F_ACK);
	if (in) {
		rc = strata_genl_put_config(nlh, sizeof(req), in, which);
		if (rc)
			return strata_seterr(err, errlen, -rc, "%s: %s", op,
				      rc == -EINVAL ? "too many filters" :
				      "request too large");
	}
	rc = transact(g, nlh, op, config_msg, &r, err, errlen);
	if (rc)
		return rc;
	if (!r.got)
		return strata_seterr(err, errlen, EBADMSG, "%s: no reply", op);
	return 0;
}

int strata_genl_config_get(struct strata_genl *g, struct strata_config *cfg,
			   char *err, size_t errlen)
{
	return config_req(g, STRATA_CMD_GET_CONFIG, "config get", NULL, 0, cfg,
			  err, errlen);
}

int strata_genl_config_set(struct strata_genl *g, const struct strata_config *cfg,
			   unsigned int which, struct strata_config *out,
			   char *err, size_t errlen)
{
	if (!(which & STRATA_CONFIG_ALL) || (which & ~STRATA_CONFIG_ALL))
		return strata_seterr(err, errlen, EINVAL, "config set: nothing to set");
	return config_req(g, STRATA_CMD_SET_CONFIG, "config set", cfg, which, out,
			  err, errlen);
}

struct stats_reply {
	struct strata_stats *st;
	bool got;
};

static int stats_msg(const struct nlmsghdr *nlh, void *data, char *err,
		     size_t errlen)
{
	struct stats_reply *r = data;
	int rc = strata_genl_parse_stats(nlh, r->st, err, errlen);

	if (rc)
		return rc;
	r->got = true;
	return 1;
}

int strata_genl_stats(struct strata_genl *g, struct strata_stats *st,
		      char *err, size_t errlen)
{
	char req[SEND_BUF] __attribute__((aligned(8)));
	struct stats_reply r = { st, false };
	struct nlmsghdr *nlh;
	int rc;

	nlh = put_request(g, req, g->family, STRATA_CMD_GET_STATS,
			  STRATA_GENL_VERSION, NLM_F_ACK);
	rc = transact(g, nlh, "stats", stats_msg, &r, err, errlen);
	if (rc)
		return rc;
	if (!r.got)
		return strata_seterr(err, errlen, EBADMSG, "stats: no reply");
	return 0;
}

struct mf_cb {
	strata_genl_mf_fn fn;
	void *arg;
	const char *op;
};

static int mf_msg(const struct nlmsghdr *nlh, void *data, char *err,
		  size_t errlen)
{
	struct mf_cb *c = data;
	struct strata_mf_info info;
	struct strata_mflow mf;
	char sub[256];
	int rc;

	rc = strata_genl_parse_mflow(nlh, &mf, &info, sub, sizeof(sub));
	if (rc)
		return strata_seterr(err, errlen, -rc, "%s: %s", c->op, sub);
	rc = c->fn(&mf, &info, c->arg);
	if (rc < 0)
		return strata_seterr(err, errlen, -rc, "%s: stopped: %s", c->op,
			      strerror(-rc));
	return rc;
}

int strata_genl_mf_dump(struct strata_genl *g, strata_genl_mf_fn fn, void *arg,
			char *err, size_t errlen)
{
	char req[SEND_BUF] __attribute__((aligned(8)));
	struct mf_cb c = { fn, arg, "microflows dump" };
	struct nlmsghdr *nlh;

	nlh = put_request(g, req, g->family, STRATA_CMD_GET_MICROFLOWS,
			  STRATA_GENL_VERSION, NLM_F_DUMP);
	return transact(g, nlh, c.op, mf_msg, &c, err, errlen);
}

int strata_genl_subscribe(struct strata_genl *g, char *err, size_t errlen)
{
	int grp = (int)g->mcgrp, size = MCAST_RCVBUF;
	int fd = mnl_socket_get_fd(g->nl);

	if (!g->mcgrp)
		return strata_seterr(err, errlen, ENOENT,
			      "microflows subscribe: the family has no group \"%s\"",
			      STRATA_GENL_MCGRP_MICROFLOWS);
	/* The forced size needs CAP_NET_ADMIN; else as much as rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (mnl_socket_setsockopt(g->nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return strata_seterr(err, errlen, errno, "microflows subscribe: %s",
			      strerror(errno));
	g->subscribed = true;
	g->mf_next = 0;
	return 0;
}

int strata_genl_mf_recv(struct strata_genl *g, strata_genl_mf_fn fn,
			strata_genl_loss_fn loss, void *arg,
			char *err, size_t errlen)
{
	static const char op[] = "microflows receive";
	const struct nlmsghdr *m = (const void *)g->buf;
	struct strata_mf_loss l;
	struct strata_mf_info info;
	struct strata_mflow mf;
	char sub[256];
	ssize_t n;
	int len, rc;

	if (!g->subscribed)
		return strata_seterr(err, errlen, EINVAL, "%s: not subscribed", op);
	n = mnl_socket_recvfrom(g->nl, g->buf, sizeof(g->buf));
	if (n < 0) {
		if (errno == ENOBUFS) {
			/* Messages were dropped; the next one shows how many. */
			memset(&l, 0, sizeof(l));
			l.kind = STRATA_MF_LOSS_OVERRUN;
			rc = loss(&l, arg);
			if (rc < 0)
				return strata_seterr(err, errlen, -rc, "%s: stopped: %s", op,
					      strerror(-rc));
			return rc > 0;
		}
		if (errno == ENOSPC)
			return strata_seterr(err, errlen, EMSGSIZE,
				      "%s: a message did not fit in %d bytes", op,
				      RECV_BUF);
		return strata_seterr(err, errlen, errno, "%s: %s", op, strerror(errno));
	}
	for (len = (int)n; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		const struct genlmsghdr *gh;

		if (m->nlmsg_type != g->family ||
		    m->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
			continue;
		gh = mnl_nlmsg_get_payload(m);
		if (gh->cmd != STRATA_CMD_MICROFLOW)
			continue;
		rc = strata_genl_parse_mflow(m, &mf, &info, sub, sizeof(sub));
		if (rc)
			return strata_seterr(err, errlen, -rc, "%s: %s", op, sub);
		if (!info.has_seq)
			return strata_seterr(err, errlen, EBADMSG,
				      "%s: closed microflow without a sequence number", op);
		if (strata_genl_seq_check(&g->mf_next, info.seq, &l)) {
			rc = loss(&l, arg);
			if (rc)
				goto stop;
		}
		rc = fn(&mf, &info, arg);
		if (rc)
			goto stop;
	}
	return 0;
stop:
	if (rc < 0)
		return strata_seterr(err, errlen, -rc, "%s: stopped: %s", op, strerror(-rc));
	return 1;
}
