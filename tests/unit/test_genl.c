// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the generic netlink parsing: messages built with libmnl as
 * include/uapi/linux/strata.h describes them (microflow, configuration,
 * counters, errors with extended ACKs), parsed back field by field; every
 * malformed nest refused with a message naming the attribute.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "unit.h"
#include "genl.h"

#define FAMILY_ID	0x1d

static __u8 buf[32768] __attribute__((aligned(8)));

static struct nlmsghdr *msg_start(__u8 cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAMILY_ID;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = STRATA_GENL_VERSION;
	return nlh;
}

/* ---- microflows ---- */

/* What to break in a built microflow message. */
struct breakage {
	unsigned int omit_mf;		/* STRATA_MF_A_* left out */
	unsigned int omit_dir;		/* STRATA_DIR_A_* left out of dir1 */
	unsigned int omit_sample;	/* STRATA_SAMPLE_A_* left out of dir0 iat */
	unsigned int short_mf;		/* STRATA_MF_A_* sent one byte short */
	unsigned int long_dir;		/* STRATA_DIR_A_* sent one byte long */
	bool trailing;			/* 4 stray bytes at the end of dir0 */
	bool unknown;			/* attributes of a newer kernel */
	bool pads;			/* PAD attributes, as nla_put_u64_64bit adds */
	unsigned int long_txn;		/* STRATA_TXN_A_* sent too long */
	unsigned int omit_txn_sample;	/* STRATA_SAMPLE_A_* left out of txn ttfb */
};

static void put_u64(struct nlmsghdr *nlh, unsigned int type, __u64 v,
		    unsigned int pad_type, const struct breakage *b)
{
	if (b->pads)
		mnl_attr_put(nlh, pad_type, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

static void put_sample(struct nlmsghdr *nlh, unsigned int type,
		       const struct strata_stat *s, bool break_it,
		       const struct breakage *b)
{
	struct nlattr *nest;

	if (!s->n)
		return;		/* an empty sample set is not sent */
	nest = mnl_attr_nest_start(nlh, type);
	if (!break_it || b->omit_sample != STRATA_SAMPLE_A_N)
		put_u64(nlh, STRATA_SAMPLE_A_N, s->n, STRATA_SAMPLE_A_PAD, b);
	if (!break_it || b->omit_sample != STRATA_SAMPLE_A_SUM)
		put_u64(nlh, STRATA_SAMPLE_A_SUM, s->sum, STRATA_SAMPLE_A_PAD, b);
	put_u64(nlh, STRATA_SAMPLE_A_SUMSQ_LO, s->sumsq_lo, STRATA_SAMPLE_A_PAD, b);
	put_u64(nlh, STRATA_SAMPLE_A_SUMSQ_HI, s->sumsq_hi, STRATA_SAMPLE_A_PAD, b);
	put_u64(nlh, STRATA_SAMPLE_A_MIN, s->min, STRATA_SAMPLE_A_PAD, b);
	if (!break_it || b->omit_sample != STRATA_SAMPLE_A_MAX)
		put_u64(nlh, STRATA_SAMPLE_A_MAX, s->max, STRATA_SAMPLE_A_PAD, b);
	mnl_attr_nest_end(nlh, nest);
}

static void put_dir(struct nlmsghdr *nlh, unsigned int type,
		    const struct strata_dir_stats *d, int dir,
		    const struct breakage *b)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int omit = dir == 1 ? b->omit_dir : 0;
	unsigned int lng = b->long_dir;
	__u8 flags[STRATA_TCP_NFLAGS * 4 + 1];

	if (omit != STRATA_DIR_A_PACKETS)
		put_u64(nlh, STRATA_DIR_A_PACKETS, d->packets, STRATA_DIR_A_PAD, b);
	if (omit != STRATA_DIR_A_BYTES)
		put_u64(nlh, STRATA_DIR_A_BYTES, d->bytes, STRATA_DIR_A_PAD, b);
	put_u64(nlh, STRATA_DIR_A_PAYLOAD_BYTES, d->payload_bytes, STRATA_DIR_A_PAD, b);
	put_sample(nlh, STRATA_DIR_A_SIZE, &d->size, false, b);
	put_sample(nlh, STRATA_DIR_A_IAT, &d->iat, dir == 0, b);
	put_sample(nlh, STRATA_DIR_A_RTT_HS, &d->rtt_hs, false, b);
	put_sample(nlh, STRATA_DIR_A_RTT_DATA, &d->rtt_data, false, b);
	put_u64(nlh, STRATA_DIR_A_FIRST_NS, d->first_ns, STRATA_DIR_A_PAD, b);
	put_u64(nlh, STRATA_DIR_A_LAST_NS, d->last_ns, STRATA_DIR_A_PAD, b);
	memcpy(flags, d->tcp_flags, sizeof(d->tcp_flags));
	flags[sizeof(d->tcp_flags)] = 0;
	mnl_attr_put(nlh, STRATA_DIR_A_TCP_FLAGS,
		     sizeof(d->tcp_flags) + (lng == STRATA_DIR_A_TCP_FLAGS), flags);
	if (lng == STRATA_DIR_A_RETRANS)
		mnl_attr_put_u64(nlh, STRATA_DIR_A_RETRANS, d->retrans);
	else
		mnl_attr_put_u32(nlh, STRATA_DIR_A_RETRANS, d->retrans);
	mnl_attr_put_u32(nlh, STRATA_DIR_A_OUT_OF_ORDER, d->out_of_order);
	mnl_attr_put_u32(nlh, STRATA_DIR_A_ZERO_WINDOW, d->zero_window);
	mnl_attr_put_u32(nlh, STRATA_DIR_A_FRAGMENTS, d->fragments);
	mnl_attr_put_u32(nlh, STRATA_DIR_A_FP_SEGMENTED, d->fp_segmented);
	mnl_attr_put_u8(nlh, STRATA_DIR_A_TTL_MIN, d->ttl_min);
	if (lng == STRATA_DIR_A_TTL_MAX)
		mnl_attr_put_u16(nlh, STRATA_DIR_A_TTL_MAX, d->ttl_max);
	else
		mnl_attr_put_u8(nlh, STRATA_DIR_A_TTL_MAX, d->ttl_max);
	if (b->unknown)
		mnl_attr_put_u32(nlh, STRATA_DIR_A_MAX + 5, 0xdead);
	mnl_attr_nest_end(nlh, nest);
	if (b->trailing && dir == 0) {
		/* Four bytes that claim to be part of the nest. */
		memset(mnl_nlmsg_get_payload_tail(nlh), 0xee, 4);
		nest->nla_len += 4;
		nlh->nlmsg_len += 4;
	}
}

static void put_txn(struct nlmsghdr *nlh, const struct strata_txn_stats *x,
		    const struct breakage *b)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, STRATA_MF_A_TXN);
	struct breakage ttfb = *b;

	ttfb.omit_sample = b->omit_txn_sample;
	put_sample(nlh, STRATA_TXN_A_TTFB, &x->ttfb, true, &ttfb);
	put_sample(nlh, STRATA_TXN_A_RESP, &x->resp, false, b);
	put_sample(nlh, STRATA_TXN_A_FIRST, &x->first, false, b);
	put_sample(nlh, STRATA_TXN_A_DNS, &x->dns, false, b);
	put_u64(nlh, STRATA_TXN_A_REQUESTS, x->requests, STRATA_TXN_A_PAD, b);
	put_u64(nlh, STRATA_TXN_A_DNS_QUERIES, x->dns_queries, STRATA_TXN_A_PAD, b);
	if (b->long_txn == STRATA_TXN_A_DNS_UNANSWERED)
		mnl_attr_put_u64(nlh, STRATA_TXN_A_DNS_UNANSWERED, x->dns_unanswered);
	else
		mnl_attr_put_u32(nlh, STRATA_TXN_A_DNS_UNANSWERED, x->dns_unanswered);
	mnl_attr_put_u32(nlh, STRATA_TXN_A_DNS_OVERFLOW, x->dns_overflow);
	mnl_attr_put_u32(nlh, STRATA_TXN_A_DNS_REPEATS, x->dns_repeats);
	if (b->long_txn == STRATA_TXN_A_APP)
		mnl_attr_put_u16(nlh, STRATA_TXN_A_APP, x->app);
	else
		mnl_attr_put_u8(nlh, STRATA_TXN_A_APP, x->app);
	if (b->unknown)
		mnl_attr_put_u32(nlh, STRATA_TXN_A_MAX + 3, 0xbeef);
	mnl_attr_nest_end(nlh, nest);
}

static void put_mflow(struct nlmsghdr *nlh, const struct strata_mflow *mf,
		      const struct strata_mf_info *info, const struct breakage *b)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, STRATA_A_MICROFLOW);
	unsigned int o = b->omit_mf, s = b->short_mf;

	if (info->has_seq && o != STRATA_MF_A_SEQ)
		put_u64(nlh, STRATA_MF_A_SEQ, info->seq, STRATA_MF_A_PAD, b);
	if (o != STRATA_MF_A_FAMILY) {
		if (s == STRATA_MF_A_FAMILY)
			mnl_attr_put(nlh, STRATA_MF_A_FAMILY, 0, NULL);
		else
			mnl_attr_put_u8(nlh, STRATA_MF_A_FAMILY, mf->key.family);
	}
	if (o != STRATA_MF_A_PROTO)
		mnl_attr_put_u8(nlh, STRATA_MF_A_PROTO, mf->key.proto);
	if (o != STRATA_MF_A_ADDR0)
		mnl_attr_put(nlh, STRATA_MF_A_ADDR0,
			     16 - (s == STRATA_MF_A_ADDR0), mf->key.addr[0]);
	if (o != STRATA_MF_A_ADDR1)
		mnl_attr_put(nlh, STRATA_MF_A_ADDR1, 16, mf->key.addr[1]);
	if (o != STRATA_MF_A_PORT0) {
		if (s == STRATA_MF_A_PORT0)
			mnl_attr_put_u8(nlh, STRATA_MF_A_PORT0, 1);
		else
			mnl_attr_put_u16(nlh, STRATA_MF_A_PORT0, mf->key.port[0]);
	}
	if (o != STRATA_MF_A_PORT1)
		mnl_attr_put_u16(nlh, STRATA_MF_A_PORT1, mf->key.port[1]);
	if (o != STRATA_MF_A_KEY_HASH) {
		if (s == STRATA_MF_A_KEY_HASH)
			mnl_attr_put_u32(nlh, STRATA_MF_A_KEY_HASH, 7);
		else
			put_u64(nlh, STRATA_MF_A_KEY_HASH, info->key_hash,
				STRATA_MF_A_PAD, b);
	}
	if (o != STRATA_MF_A_WINDOW_START)
		put_u64(nlh, STRATA_MF_A_WINDOW_START, mf->window_start,
			STRATA_MF_A_PAD, b);
	if (o != STRATA_MF_A_WINDOW_NS)
		put_u64(nlh, STRATA_MF_A_WINDOW_NS, info->window_ns, STRATA_MF_A_PAD, b);
	if (o != STRATA_MF_A_INITIATOR)
		mnl_attr_put_u8(nlh, STRATA_MF_A_INITIATOR, mf->initiator);
	if (o != STRATA_MF_A_GENERATION)
		mnl_attr_put_u32(nlh, STRATA_MF_A_GENERATION, info->generation);
	if (info->has_ring && o != STRATA_MF_A_RING_FIRST)
		put_u64(nlh, STRATA_MF_A_RING_FIRST, info->ring_first,
			STRATA_MF_A_PAD, b);
	if (info->has_ring && o != STRATA_MF_A_RING_LAST)
		put_u64(nlh, STRATA_MF_A_RING_LAST, info->ring_last, STRATA_MF_A_PAD, b);
	if (b->unknown) {
		mnl_attr_put_u64(nlh, STRATA_MF_A_MAX + 1, 1);
		mnl_attr_put(nlh, 300, 3, "abc");
	}
	if (o != STRATA_MF_A_DIR0)
		put_dir(nlh, STRATA_MF_A_DIR0, &mf->dir[0], 0, b);
	if (o != STRATA_MF_A_DIR1)
		put_dir(nlh, STRATA_MF_A_DIR1, &mf->dir[1], 1, b);
	if (o != STRATA_MF_A_TXN)	/* left out: as a module older than it sends */
		put_txn(nlh, &mf->txn, b);
	mnl_attr_nest_end(nlh, nest);
}

static void rand_stat(struct rng *r, struct strata_stat *s)
{
	s->n = rng_range(r, 1, 1000);
	s->sum = rng_u64(r);
	s->sumsq_lo = rng_u64(r);
	s->sumsq_hi = rng_u64(r);
	s->min = rng_range(r, 0, 1000);
	s->max = rng_range(r, s->min, 100000);
}

static void rand_mflow(struct rng *r, struct strata_mflow *mf,
		       struct strata_mf_info *info)
{
	int d, i;

	memset(mf, 0, sizeof(*mf));
	memset(info, 0, sizeof(*info));
	mf->key.family = rng_range(r, 0, 1) ? 6 : 4;
	mf->key.proto = (__u8)rng_range(r, 0, 255);
	rng_bytes(r, mf->key.addr[0], 16);
	rng_bytes(r, mf->key.addr[1], 16);
	mf->key.port[0] = (__u16)rng_u64(r);
	mf->key.port[1] = (__u16)rng_u64(r);
	mf->window_start = rng_u64(r);
	mf->initiator = (__u8)rng_range(r, 0, 1);
	mf->started = 1;
	for (d = 0; d < 2; d++) {
		struct strata_dir_stats *s = &mf->dir[d];

		s->packets = rng_u64(r);
		s->bytes = rng_u64(r);
		s->payload_bytes = rng_u64(r);
		rand_stat(r, &s->size);
		rand_stat(r, &s->iat);
		if (d)			/* dir1: one empty sample set */
			rand_stat(r, &s->rtt_hs);
		rand_stat(r, &s->rtt_data);
		s->first_ns = rng_u64(r);
		s->last_ns = rng_u64(r);
		for (i = 0; i < STRATA_TCP_NFLAGS; i++)
			s->tcp_flags[i] = (__u32)rng_u64(r);
		s->retrans = (__u32)rng_u64(r);
		s->out_of_order = (__u32)rng_u64(r);
		s->zero_window = (__u32)rng_u64(r);
		s->fragments = (__u32)rng_u64(r);
		s->fp_segmented = (__u32)rng_u64(r);
		s->ttl_min = (__u8)rng_u64(r);
		s->ttl_max = (__u8)rng_u64(r);
	}
	/* Each transaction sample set empty one time in three. */
	if (rng_range(r, 0, 2))
		rand_stat(r, &mf->txn.ttfb);
	if (rng_range(r, 0, 2))
		rand_stat(r, &mf->txn.resp);
	if (rng_range(r, 0, 2))
		rand_stat(r, &mf->txn.first);
	if (rng_range(r, 0, 2))
		rand_stat(r, &mf->txn.dns);
	mf->txn.requests = rng_u64(r);
	mf->txn.dns_queries = rng_u64(r);
	mf->txn.dns_unanswered = (__u32)rng_u64(r);
	mf->txn.dns_overflow = (__u32)rng_u64(r);
	mf->txn.dns_repeats = (__u32)rng_u64(r);
	mf->txn.app = (__u8)rng_u64(r);	/* a newer module's value passes too */
	info->has_seq = rng_range(r, 0, 1);
	info->seq = info->has_seq ? rng_u64(r) : 0;
	info->key_hash = rng_u64(r);
	info->window_ns = rng_u64(r);
	info->generation = (__u32)rng_u64(r);
	info->has_ring = rng_range(r, 0, 1);
	if (info->has_ring) {
		info->ring_first = rng_u64(r);
		info->ring_last = rng_u64(r);
	}
}

static void check_stat(const struct strata_stat *a, const struct strata_stat *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->sum, b->sum);
	assert_int_equal(a->sumsq_lo, b->sumsq_lo);
	assert_int_equal(a->sumsq_hi, b->sumsq_hi);
	assert_int_equal(a->min, b->min);
	assert_int_equal(a->max, b->max);
}

static void check_mflow(const struct strata_mflow *a, const struct strata_mf_info *ai,
			const struct strata_mflow *b, const struct strata_mf_info *bi)
{
	int d, i;

	assert_int_equal(a->key.family, b->key.family);
	assert_int_equal(a->key.proto, b->key.proto);
	assert_memory_equal(a->key.addr[0], b->key.addr[0], 16);
	assert_memory_equal(a->key.addr[1], b->key.addr[1], 16);
	assert_int_equal(a->key.port[0], b->key.port[0]);
	assert_int_equal(a->key.port[1], b->key.port[1]);
	assert_int_equal(a->window_start, b->window_start);
	assert_int_equal(a->initiator, b->initiator);
	for (d = 0; d < 2; d++) {
		const struct strata_dir_stats *x = &a->dir[d], *y = &b->dir[d];

		assert_int_equal(x->packets, y->packets);
		assert_int_equal(x->bytes, y->bytes);
		assert_int_equal(x->payload_bytes, y->payload_bytes);
		check_stat(&x->size, &y->size);
		check_stat(&x->iat, &y->iat);
		check_stat(&x->rtt_hs, &y->rtt_hs);
		check_stat(&x->rtt_data, &y->rtt_data);
		assert_int_equal(x->first_ns, y->first_ns);
		assert_int_equal(x->last_ns, y->last_ns);
		for (i = 0; i < STRATA_TCP_NFLAGS; i++)
			assert_int_equal(x->tcp_flags[i], y->tcp_flags[i]);
		assert_int_equal(x->retrans, y->retrans);
		assert_int_equal(x->out_of_order, y->out_of_order);
		assert_int_equal(x->zero_window, y->zero_window);
		assert_int_equal(x->fragments, y->fragments);
		assert_int_equal(x->fp_segmented, y->fp_segmented);
		assert_int_equal(x->ttl_min, y->ttl_min);
		assert_int_equal(x->ttl_max, y->ttl_max);
	}
	/* Nothing else of the struct is made up: the whole of it is equal. */
	assert_memory_equal(a, b, sizeof(*a));
	assert_int_equal(ai->has_seq, bi->has_seq);
	assert_int_equal(ai->seq, bi->seq);
	assert_int_equal(ai->key_hash, bi->key_hash);
	assert_int_equal(ai->window_ns, bi->window_ns);
	assert_int_equal(ai->generation, bi->generation);
	assert_int_equal(ai->has_ring, bi->has_ring);
	assert_int_equal(ai->ring_first, bi->ring_first);
	assert_int_equal(ai->ring_last, bi->ring_last);
}

static void test_mflow_roundtrip(void **state)
{
	struct strata_mf_info info, got_info;
	struct strata_mflow mf, got;
	struct rng r;
	char err[256];
	int i;

	(void)state;
	rng_seed(&r, 1);
	for (i = 0; i < 200; i++) {
		struct breakage b = { .pads = i % 2, .unknown = i % 3 == 0 };
		struct nlmsghdr *nlh = msg_start(i % 2 ? STRATA_CMD_MICROFLOW :
						 STRATA_CMD_GET_MICROFLOWS);

		rand_mflow(&r, &mf, &info);
		put_mflow(nlh, &mf, &info, &b);
		memset(&got, 0x5a, sizeof(got));
		memset(&got_info, 0x5a, sizeof(got_info));
		if (strata_genl_parse_mflow(nlh, &got, &got_info, err, sizeof(err)))
			fail_msg("parse: %s", err);
		check_mflow(&got, &got_info, &mf, &info);
	}
	/* Empty sample sets come back as zeros. */
	assert_int_equal(got.dir[0].rtt_hs.n, 0);
	assert_int_equal(got.dir[0].rtt_hs.max, 0);
}

/* A module older than transaction timing sends no STRATA_MF_A_TXN: zeros. */
static void test_mflow_no_txn(void **state)
{
	struct strata_mf_info info, got_info;
	struct strata_mflow mf, got;
	struct breakage b = { .omit_mf = STRATA_MF_A_TXN };
	struct strata_txn_stats zero;
	struct nlmsghdr *nlh;
	struct rng r;
	char err[256];

	(void)state;
	rng_seed(&r, 5);
	rand_mflow(&r, &mf, &info);
	assert_true(mf.txn.requests != 0);
	nlh = msg_start(STRATA_CMD_MICROFLOW);
	put_mflow(nlh, &mf, &info, &b);
	memset(&got, 0x5a, sizeof(got));
	if (strata_genl_parse_mflow(nlh, &got, &got_info, err, sizeof(err)))
		fail_msg("parse: %s", err);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&got.txn, &zero, sizeof(zero));
	mf.txn = zero;
	check_mflow(&got, &got_info, &mf, &info);
}

/* A microflow message broken by @b must be refused, the error saying @what. */
static void expect_mf_error(const struct breakage *b, const char *what)
{
	struct strata_mf_info info, got_info;
	struct strata_mflow mf, got;
	struct nlmsghdr *nlh;
	struct rng r;
	char err[256] = "";

	rng_seed(&r, 2);
	rand_mflow(&r, &mf, &info);
	info.has_seq = info.has_ring = true;
	nlh = msg_start(STRATA_CMD_MICROFLOW);
	put_mflow(nlh, &mf, &info, b);
	assert_int_equal(strata_genl_parse_mflow(nlh, &got, &got_info, err,
						 sizeof(err)), -EINVAL);
	if (!strstr(err, what))
		fail_msg("error '%s' does not say '%s'", err, what);
	assert_non_null(strstr(err, "microflow"));
}

static void test_mflow_malformed(void **state)
{
	static const unsigned int required[] = {
		STRATA_MF_A_FAMILY, STRATA_MF_A_PROTO, STRATA_MF_A_ADDR0,
		STRATA_MF_A_ADDR1, STRATA_MF_A_PORT0, STRATA_MF_A_PORT1,
		STRATA_MF_A_KEY_HASH, STRATA_MF_A_WINDOW_START,
		STRATA_MF_A_WINDOW_NS, STRATA_MF_A_INITIATOR,
		STRATA_MF_A_GENERATION, STRATA_MF_A_DIR0, STRATA_MF_A_DIR1,
	};
	static const char *const names[] = {
		"family", "proto", "addr0", "addr1", "port0", "port1", "key_hash",
		"window_start", "window_ns", "initiator", "generation", "dir0",
		"dir1",
	};
	struct breakage b;
	unsigned int i;
	char want[64];

	(void)state;
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		memset(&b, 0, sizeof(b));
		b.omit_mf = required[i];
		snprintf(want, sizeof(want), "attribute %s missing", names[i]);
		expect_mf_error(&b, want);
	}
	memset(&b, 0, sizeof(b));
	b.omit_mf = STRATA_MF_A_RING_LAST;
	expect_mf_error(&b, "ring_first and ring_last");

	memset(&b, 0, sizeof(b));
	b.short_mf = STRATA_MF_A_FAMILY;
	expect_mf_error(&b, "family: 0 bytes, expected 1");
	b.short_mf = STRATA_MF_A_ADDR0;
	expect_mf_error(&b, "addr0: 15 bytes, expected 16");
	b.short_mf = STRATA_MF_A_PORT0;
	expect_mf_error(&b, "port0: 1 bytes, expected 2");
	b.short_mf = STRATA_MF_A_KEY_HASH;
	expect_mf_error(&b, "key_hash: 4 bytes, expected 8");

	memset(&b, 0, sizeof(b));
	b.omit_dir = STRATA_DIR_A_PACKETS;
	expect_mf_error(&b, "dir1: attribute packets missing");
	b.omit_dir = STRATA_DIR_A_BYTES;
	expect_mf_error(&b, "dir1: attribute bytes missing");

	memset(&b, 0, sizeof(b));
	b.long_dir = STRATA_DIR_A_TCP_FLAGS;
	expect_mf_error(&b, "dir0: attribute tcp_flags: 33 bytes, expected 32");
	b.long_dir = STRATA_DIR_A_RETRANS;
	expect_mf_error(&b, "retrans: 8 bytes, expected 4");
	b.long_dir = STRATA_DIR_A_TTL_MAX;
	expect_mf_error(&b, "ttl_max: 2 bytes, expected 1");

	memset(&b, 0, sizeof(b));
	b.omit_sample = STRATA_SAMPLE_A_N;
	expect_mf_error(&b, "dir0 iat: attribute n missing");
	b.omit_sample = STRATA_SAMPLE_A_MAX;
	expect_mf_error(&b, "dir0 iat: attribute max missing");

	memset(&b, 0, sizeof(b));
	b.trailing = true;
	expect_mf_error(&b, "dir0: 4 trailing bytes");

	memset(&b, 0, sizeof(b));
	b.long_txn = STRATA_TXN_A_DNS_UNANSWERED;
	expect_mf_error(&b, "txn: attribute dns_unanswered: 8 bytes, expected 4");
	b.long_txn = STRATA_TXN_A_APP;
	expect_mf_error(&b, "txn: attribute app: 2 bytes, expected 1");
	memset(&b, 0, sizeof(b));
	b.omit_txn_sample = STRATA_SAMPLE_A_SUM;
	expect_mf_error(&b, "txn ttfb: attribute sum missing");
}

static void test_mflow_bad_values(void **state)
{
	struct strata_mf_info info, got_info;
	struct strata_mflow mf, got;
	struct breakage b = { 0 };
	struct nlmsghdr *nlh;
	struct rng r;
	char err[256];

	(void)state;
	rng_seed(&r, 3);
	rand_mflow(&r, &mf, &info);
	mf.key.family = 5;
	nlh = msg_start(STRATA_CMD_MICROFLOW);
	put_mflow(nlh, &mf, &info, &b);
	assert_int_equal(strata_genl_parse_mflow(nlh, &got, &got_info, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "family 5"));

	mf.key.family = 4;
	mf.initiator = 2;
	nlh = msg_start(STRATA_CMD_MICROFLOW);
	put_mflow(nlh, &mf, &info, &b);
	assert_int_equal(strata_genl_parse_mflow(nlh, &got, &got_info, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "initiator 2"));

	mf.initiator = 1;
	mf.dir[1].size.min = mf.dir[1].size.max + 1;
	nlh = msg_start(STRATA_CMD_MICROFLOW);
	put_mflow(nlh, &mf, &info, &b);
	assert_int_equal(strata_genl_parse_mflow(nlh, &got, &got_info, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dir1 size: min above max"));

	/* No microflow nest at all; a message shorter than its headers. */
	nlh = msg_start(STRATA_CMD_MICROFLOW);
	mnl_attr_put_u32(nlh, STRATA_A_TABLE_LIVE, 1);
	assert_int_equal(strata_genl_parse_mflow(nlh, &got, &got_info, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no microflow nest"));
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(strata_genl_parse_mflow(nlh, &got, &got_info, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too short"));
}

/* Any byte of a valid message changed: parsed or refused, never a bad read. */
static void test_mflow_mutations(void **state)
{
	struct strata_mf_info info, got_info;
	struct strata_mflow mf, got;
	struct breakage b = { .pads = true };
	struct nlmsghdr *nlh;
	struct rng r;
	unsigned int i, bad = 0;
	__u8 *copy;
	__u32 len;
	char err[256];

	(void)state;
	rng_seed(&r, 4);
	rand_mflow(&r, &mf, &info);
	nlh = msg_start(STRATA_CMD_MICROFLOW);
	put_mflow(nlh, &mf, &info, &b);
	len = nlh->nlmsg_len;
	for (i = 0; i < 100000; i++) {
		unsigned int k;

		/* A copy of exactly the message's size: ASan sees any over-read. */
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, buf, len);
		for (k = (unsigned int)rng_range(&r, 1, 3); k; k--)
			copy[rng_range(&r, NLMSG_HDRLEN + GENL_HDRLEN, len - 1)] =
				(__u8)rng_u64(&r);
		if (strata_genl_parse_mflow((struct nlmsghdr *)copy, &got, &got_info,
					    err, sizeof(err)))
			bad++;
		free(copy);
	}
	assert_true(bad > 1000);
}

/* ---- configuration ---- */

static void rand_config(struct rng *r, struct strata_config *c, unsigned int nf)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->generation = (__u32)rng_u64(r);
	c->flags = (__u32)rng_range(r, 0, STRATA_CFG_F_ALL);
	c->window_ms = (__u32)rng_u64(r);
	c->snaplen = (__u32)rng_u64(r);
	c->sampling = (__u32)rng_u64(r);
	c->table_cap = (__u32)rng_u64(r);
	c->seg_budget = (__u32)rng_u64(r);
	c->nfilters = nf;
	for (i = 0; i < nf; i++) {
		struct strata_filter *f = &c->filters[i];

		f->has_proto = rng_range(r, 0, 1);
		f->has_addr = rng_range(r, 0, 1);
		f->has_port = rng_range(r, 0, 1);
		f->has_seg_budget = rng_range(r, 0, 1);
		if (f->has_proto)
			f->proto = (__u8)rng_u64(r);
		if (f->has_addr) {
			rng_bytes(r, f->addr, 16);
			f->prefix = (__u8)rng_range(r, 0, 128);
		}
		if (f->has_port)
			f->port = (__u16)rng_u64(r);
		f->snaplen = (__u32)rng_u64(r);
		if (f->has_seg_budget)
			f->seg_budget = (__u32)rng_u64(r);
	}
}

/* A GET_CONFIG reply, attribute by attribute as the uapi describes it. */
static struct nlmsghdr *config_reply(const struct strata_config *c,
				     unsigned int omit)
{
	struct nlmsghdr *nlh = msg_start(STRATA_CMD_GET_CONFIG);
	struct nlattr *nest, *filters, *f;
	unsigned int i;

	nest = mnl_attr_nest_start(nlh, STRATA_A_CONFIG);
	if (omit != STRATA_CFG_A_GENERATION)
		mnl_attr_put_u32(nlh, STRATA_CFG_A_GENERATION, c->generation);
	if (omit != STRATA_CFG_A_FLAGS)
		mnl_attr_put_u32(nlh, STRATA_CFG_A_FLAGS, c->flags);
	if (omit != STRATA_CFG_A_WINDOW_MS)
		mnl_attr_put_u32(nlh, STRATA_CFG_A_WINDOW_MS, c->window_ms);
	if (omit != STRATA_CFG_A_SNAPLEN)
		mnl_attr_put_u32(nlh, STRATA_CFG_A_SNAPLEN, c->snaplen);
	if (omit != STRATA_CFG_A_SAMPLING)
		mnl_attr_put_u32(nlh, STRATA_CFG_A_SAMPLING, c->sampling);
	if (omit != STRATA_CFG_A_TABLE_CAP)
		mnl_attr_put_u32(nlh, STRATA_CFG_A_TABLE_CAP, c->table_cap);
	if (omit != STRATA_CFG_A_SEG_BUDGET)
		mnl_attr_put_u32(nlh, STRATA_CFG_A_SEG_BUDGET, c->seg_budget);
	if (omit != STRATA_CFG_A_FILTERS) {
		filters = mnl_attr_nest_start(nlh, STRATA_CFG_A_FILTERS);
		for (i = 0; i < c->nfilters; i++) {
			const struct strata_filter *x = &c->filters[i];

			f = mnl_attr_nest_start(nlh, STRATA_FILTER_A_FILTER);
			if (x->has_proto)
				mnl_attr_put_u8(nlh, STRATA_FILTER_A_PROTO, x->proto);
			if (x->has_addr) {
				mnl_attr_put(nlh, STRATA_FILTER_A_ADDR, 16, x->addr);
				mnl_attr_put_u8(nlh, STRATA_FILTER_A_PREFIX, x->prefix);
			}
			if (x->has_port)
				mnl_attr_put_u16(nlh, STRATA_FILTER_A_PORT, x->port);
			mnl_attr_put_u32(nlh, STRATA_FILTER_A_SNAPLEN, x->snaplen);
			if (x->has_seg_budget)
				mnl_attr_put_u32(nlh, STRATA_FILTER_A_SEG_BUDGET,
						 x->seg_budget);
			mnl_attr_nest_end(nlh, f);
		}
		mnl_attr_nest_end(nlh, filters);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static const struct nlattr *config_nest(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == STRATA_A_CONFIG)
			return a;
	fail_msg("no config nest");
	return NULL;
}

static void check_config(const struct strata_config *a, const struct strata_config *b)
{
	unsigned int i;

	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->window_ms, b->window_ms);
	assert_int_equal(a->snaplen, b->snaplen);
	assert_int_equal(a->sampling, b->sampling);
	assert_int_equal(a->table_cap, b->table_cap);
	assert_int_equal(a->seg_budget, b->seg_budget);
	assert_int_equal(a->nfilters, b->nfilters);
	for (i = 0; i < a->nfilters; i++) {
		const struct strata_filter *x = &a->filters[i], *y = &b->filters[i];

		assert_int_equal(x->has_proto, y->has_proto);
		assert_int_equal(x->proto, y->proto);
		assert_int_equal(x->has_addr, y->has_addr);
		assert_memory_equal(x->addr, y->addr, 16);
		assert_int_equal(x->prefix, y->prefix);
		assert_int_equal(x->has_port, y->has_port);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->snaplen, y->snaplen);
		assert_int_equal(x->has_seg_budget, y->has_seg_budget);
		assert_int_equal(x->seg_budget, y->seg_budget);
	}
}

static void test_config_parse(void **state)
{
	struct strata_config c, got;
	struct rng r;
	char err[256];
	unsigned int nf;

	(void)state;
	rng_seed(&r, 5);
	for (nf = 0; nf <= STRATA_FILTERS_MAX; nf++) {
		rand_config(&r, &c, nf);
		memset(&got, 0x5a, sizeof(got));
		if (strata_genl_parse_config(config_nest(config_reply(&c, 0)), &got,
					     err, sizeof(err)))
			fail_msg("parse: %s", err);
		check_config(&got, &c);
	}
}

static void test_config_put(void **state)
{
	struct strata_config c, got;
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	struct rng r;
	char err[256];
	unsigned int seen;

	(void)state;
	rng_seed(&r, 6);
	rand_config(&r, &c, STRATA_FILTERS_MAX);
	/* Everything put comes back through the parser. */
	nlh = msg_start(STRATA_CMD_SET_CONFIG);
	assert_int_equal(strata_genl_put_config(nlh, sizeof(buf), &c,
						STRATA_CONFIG_ALL), 0);
	if (strata_genl_parse_config(config_nest(nlh), &got, err, sizeof(err)))
		fail_msg("parse: %s", err);
	check_config(&got, &c);

	/* Only what @which names is put; an empty filter list is an empty nest. */
	c.nfilters = 0;
	nlh = msg_start(STRATA_CMD_SET_CONFIG);
	assert_int_equal(strata_genl_put_config(nlh, sizeof(buf), &c,
						STRATA_CONFIG_WINDOW |
						STRATA_CONFIG_GENERATION |
						STRATA_CONFIG_FILTERS), 0);
	seen = 0;
	mnl_attr_for_each_nested(a, config_nest(nlh)) {
		seen |= 1U << mnl_attr_get_type(a);
		if (mnl_attr_get_type(a) == STRATA_CFG_A_WINDOW_MS)
			assert_int_equal(mnl_attr_get_u32(a), c.window_ms);
		if (mnl_attr_get_type(a) == STRATA_CFG_A_GENERATION)
			assert_int_equal(mnl_attr_get_u32(a), c.generation);
		if (mnl_attr_get_type(a) == STRATA_CFG_A_FILTERS)
			assert_int_equal(mnl_attr_get_payload_len(a), 0);
	}
	assert_int_equal(seen, 1U << STRATA_CFG_A_WINDOW_MS |
			       1U << STRATA_CFG_A_GENERATION |
			       1U << STRATA_CFG_A_FILTERS);

	/* Too small a buffer: -EMSGSIZE, and the message is left as it was. */
	nlh = msg_start(STRATA_CMD_SET_CONFIG);
	c.nfilters = STRATA_FILTERS_MAX;
	assert_int_equal(strata_genl_put_config(nlh, 200, &c, STRATA_CONFIG_ALL),
			 -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN);
	c.nfilters = STRATA_FILTERS_MAX + 1;
	assert_int_equal(strata_genl_put_config(nlh, sizeof(buf), &c,
						STRATA_CONFIG_ALL), -EINVAL);
}

static void test_config_malformed(void **state)
{
	static const char *const names[] = {
		[STRATA_CFG_A_GENERATION] = "generation",
		[STRATA_CFG_A_FLAGS] = "flags",
		[STRATA_CFG_A_WINDOW_MS] = "window_ms",
		[STRATA_CFG_A_SNAPLEN] = "snaplen",
		[STRATA_CFG_A_SAMPLING] = "sampling",
		[STRATA_CFG_A_TABLE_CAP] = "table_cap",
		[STRATA_CFG_A_SEG_BUDGET] = "seg_budget",
		[STRATA_CFG_A_FILTERS] = "filters",
	};
	struct strata_config c, got;
	struct nlmsghdr *nlh;
	struct nlattr *nest, *filters, *f;
	struct rng r;
	char err[256], want[64];
	unsigned int i;

	(void)state;
	rng_seed(&r, 7);
	rand_config(&r, &c, 2);
	for (i = STRATA_CFG_A_GENERATION; i <= STRATA_CFG_A_MAX; i++) {
		assert_int_equal(strata_genl_parse_config(config_nest(config_reply(&c, i)),
							  &got, err, sizeof(err)),
				 -EINVAL);
		snprintf(want, sizeof(want), "config: attribute %s missing", names[i]);
		assert_string_equal(err, want);
	}

	/* More filters than the uapi allows. */
	rand_config(&r, &c, STRATA_FILTERS_MAX);
	nlh = config_reply(&c, 0);
	nest = (struct nlattr *)config_nest(nlh);
	/* Append a 17th filter inside the filters nest (the last attribute). */
	filters = (struct nlattr *)((char *)nest + NLA_HDRLEN);
	while ((char *)mnl_attr_next(filters) < (char *)nest + nest->nla_len)
		filters = mnl_attr_next(filters);
	assert_int_equal(mnl_attr_get_type(filters), STRATA_CFG_A_FILTERS);
	f = mnl_attr_nest_start(nlh, STRATA_FILTER_A_FILTER);
	mnl_attr_put_u32(nlh, STRATA_FILTER_A_SNAPLEN, 1);
	mnl_attr_nest_end(nlh, f);
	filters->nla_len += (__u16)f->nla_len;
	nest->nla_len += (__u16)f->nla_len;
	assert_int_equal(strata_genl_parse_config(nest, &got, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "config: more than 16 filters");

	/* A filter without snaplen; an address without prefix; a bad prefix. */
	for (i = 0; i < 3; i++) {
		nlh = msg_start(STRATA_CMD_GET_CONFIG);
		rand_config(&r, &c, 0);
		nest = mnl_attr_nest_start(nlh, STRATA_A_CONFIG);
		mnl_attr_put_u32(nlh, STRATA_CFG_A_GENERATION, 1);
		mnl_attr_put_u32(nlh, STRATA_CFG_A_FLAGS, 1);
		mnl_attr_put_u32(nlh, STRATA_CFG_A_WINDOW_MS, 1000);
		mnl_attr_put_u32(nlh, STRATA_CFG_A_SNAPLEN, 128);
		mnl_attr_put_u32(nlh, STRATA_CFG_A_SAMPLING, 1);
		mnl_attr_put_u32(nlh, STRATA_CFG_A_TABLE_CAP, 1000);
		mnl_attr_put_u32(nlh, STRATA_CFG_A_SEG_BUDGET, 4);
		filters = mnl_attr_nest_start(nlh, STRATA_CFG_A_FILTERS);
		f = mnl_attr_nest_start(nlh, STRATA_FILTER_A_FILTER);
		mnl_attr_put_u32(nlh, STRATA_FILTER_A_SNAPLEN, 64);
		mnl_attr_nest_end(nlh, f);
		f = mnl_attr_nest_start(nlh, STRATA_FILTER_A_FILTER);
		if (i != 0)
			mnl_attr_put_u32(nlh, STRATA_FILTER_A_SNAPLEN, 64);
		if (i >= 1)
			mnl_attr_put(nlh, STRATA_FILTER_A_ADDR, 16, c.filters[0].addr);
		if (i == 2)
			mnl_attr_put_u8(nlh, STRATA_FILTER_A_PREFIX, 129);
		mnl_attr_nest_end(nlh, f);
		mnl_attr_nest_end(nlh, filters);
		mnl_attr_nest_end(nlh, nest);
		assert_int_equal(strata_genl_parse_config(nest, &got, err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, i == 0 ? "config: filter 2: no snaplen" :
				    i == 1 ? "config: filter 2: an address needs a prefix and a prefix an address" :
				    "config: filter 2: prefix 129 over 128");
	}
}

/* ---- counters ---- */

static void test_stats(void **state)
{
	struct strata_stats st;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i, j;
	char err[256];

	(void)state;
	nlh = msg_start(STRATA_CMD_GET_STATS);
	nest = mnl_attr_nest_start(nlh, STRATA_A_STATS);
	for (i = 0; i < __STRATA_STAT_MAX; i++) {
		if (i == STRATA_STAT_RECORDS)
			continue;	/* one the kernel did not send */
		mnl_attr_put_u64(nlh, i + 1, 1000 + i);
	}
	mnl_attr_put_u64(nlh, __STRATA_STAT_MAX + 1, 7);	/* a newer counter */
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, STRATA_A_TABLE_LIVE, 4242);
	memset(&st, 0x5a, sizeof(st));
	if (strata_genl_parse_stats(nlh, &st, err, sizeof(err)))
		fail_msg("parse: %s", err);
	for (i = 0; i < __STRATA_STAT_MAX; i++) {
		if (i == STRATA_STAT_RECORDS) {
			assert_false(st.present[i]);
			assert_int_equal(st.v[i], 0);
			continue;
		}
		assert_true(st.present[i]);
		assert_int_equal(st.v[i], 1000 + i);
	}
	assert_int_equal(st.table_live, 4242);

	/* A counter of the wrong size; no table_live; no counters. */
	nlh = msg_start(STRATA_CMD_GET_STATS);
	nest = mnl_attr_nest_start(nlh, STRATA_A_STATS);
	mnl_attr_put_u32(nlh, STRATA_STAT_MF_NEW + 1, 1);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, STRATA_A_TABLE_LIVE, 1);
	assert_int_equal(strata_genl_parse_stats(nlh, &st, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "stats: counter mf_new: 4 bytes, expected 8");
	nlh = msg_start(STRATA_CMD_GET_STATS);
	nest = mnl_attr_nest_start(nlh, STRATA_A_STATS);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(strata_genl_parse_stats(nlh, &st, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "stats: attribute table_live missing");
	nlh = msg_start(STRATA_CMD_GET_STATS);
	mnl_attr_put_u32(nlh, STRATA_A_TABLE_LIVE, 1);
	assert_int_equal(strata_genl_parse_stats(nlh, &st, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "stats: attribute stats missing");
	nlh = msg_start(STRATA_CMD_GET_STATS);
	mnl_attr_put_u64(nlh, STRATA_A_TABLE_LIVE, 1);
	assert_int_equal(strata_genl_parse_stats(nlh, &st, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "stats: attribute table_live: 8 bytes, expected 4");

	/* Every counter has its /proc/net/strata name, each a different one. */
	for (i = 0; i < __STRATA_STAT_MAX; i++) {
		assert_non_null(strata_stat_name(i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(strata_stat_name(i), strata_stat_name(j));
	}
	assert_string_equal(strata_stat_name(STRATA_STAT_SEEN), "seen");
	assert_string_equal(strata_stat_name(STRATA_STAT_FP_SUM), "fp_sum");
	assert_string_equal(strata_stat_name(STRATA_STAT_MF_NOTIFY_FAIL),
			    "mf_notify_fail");
	assert_string_equal(strata_stat_name(STRATA_STAT_SAMPLED_OUT), "sampled_out");
	assert_null(strata_stat_name(__STRATA_STAT_MAX));
}

/* ---- errors ---- */

/* An NLMSG_ERROR for a request of @req_len payload bytes, as the kernel sends. */
static struct nlmsghdr *error_msg(int error, bool capped, const char *msg,
				  int miss_type)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	unsigned int req_len = 24;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = NLMSG_HDRLEN + (capped ? 0 : req_len);
	e->msg.nlmsg_type = FAMILY_ID;
	if (capped) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		/* The request's payload follows the header: bytes that look
		 * like an attribute, which must not be taken for one. */
		e->msg.nlmsg_len = NLMSG_HDRLEN + req_len;
		memset(mnl_nlmsg_put_extra_header(nlh, req_len), 0x01, req_len);
	}
	if (msg || miss_type) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		if (msg)
			mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
		if (miss_type)
			mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, (__u32)miss_type);
	}
	return nlh;
}

static void test_errors(void **state)
{
	struct nlmsghdr *nlh;
	char err[256];
	int v;

	(void)state;
	assert_int_equal(strata_genl_parse_error(error_msg(0, true, NULL, 0),
						 "config set", err, sizeof(err)), 0);
	assert_int_equal(strata_genl_parse_error(error_msg(-EINVAL, true,
			 "window must divide a day", 0), "config set", err,
			 sizeof(err)), -EINVAL);
	assert_string_equal(err, "config set: Invalid argument: window must divide a day");
	assert_int_equal(strata_genl_parse_error(error_msg(-ERANGE, false,
			 "snaplen above 9216", 0), "config set", err,
			 sizeof(err)), -ERANGE);
	assert_string_equal(err, "config set: Numerical result out of range: snaplen above 9216");
	assert_int_equal(strata_genl_parse_error(error_msg(-EINVAL, false, NULL,
			 STRATA_FILTER_A_SNAPLEN), "config set", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "config set: Invalid argument: attribute type 6 missing");
	assert_int_equal(strata_genl_parse_error(error_msg(-ESTALE, true,
			 NULL, 0), "config set", err, sizeof(err)), -ESTALE);
	assert_string_equal(err, "config set: generation mismatch");
	/* The kernel's messages that start with the operation do not repeat it. */
	assert_int_equal(strata_genl_parse_error(error_msg(-ESTALE, true,
			 "config set: the configuration changed since that generation", 0),
			 "config set", err, sizeof(err)), -ESTALE);
	assert_string_equal(err, "config set: generation mismatch: the configuration changed since that generation");
	assert_int_equal(strata_genl_parse_error(error_msg(-EPERM, true, NULL, 0),
						 "config set", err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "CAP_NET_ADMIN"));
	/* An error message cut short is refused, not read past. */
	nlh = error_msg(-EINVAL, true, NULL, 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(strata_genl_parse_error(nlh, "x", err, sizeof(err)), -EBADMSG);

	/* The end of a dump, clean and with an error. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	v = 0;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(v)), &v, sizeof(v));
	assert_int_equal(strata_genl_parse_error(nlh, "microflows dump", err,
						 sizeof(err)), 0);
	v = -ENOBUFS;
	memcpy(mnl_nlmsg_get_payload(nlh), &v, sizeof(v));
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "table resized");
	assert_int_equal(strata_genl_parse_error(nlh, "microflows dump", err,
						 sizeof(err)), -ENOBUFS);
	assert_string_equal(err, "microflows dump: No buffer space available: table resized");
}

static void test_seq_check(void **state)
{
	struct strata_mf_loss l;
	__u64 next = 0;

	(void)state;
	/* The first message sets the expectation; none lost before it. */
	assert_false(strata_genl_seq_check(&next, 17, &l));
	assert_int_equal(next, 18);
	assert_false(strata_genl_seq_check(&next, 18, &l));
	assert_true(strata_genl_seq_check(&next, 25, &l));
	assert_int_equal(l.kind, STRATA_MF_LOSS_GAP);
	assert_int_equal(l.first, 19);
	assert_int_equal(l.count, 6);
	assert_false(strata_genl_seq_check(&next, 26, &l));
	/* 28 before 27: 27 is a gap, then comes late; 29 is on time. */
	assert_true(strata_genl_seq_check(&next, 28, &l));
	assert_int_equal(l.kind, STRATA_MF_LOSS_GAP);
	assert_int_equal(l.first, 27);
	assert_int_equal(l.count, 1);
	assert_true(strata_genl_seq_check(&next, 27, &l));
	assert_int_equal(l.kind, STRATA_MF_LOSS_LATE);
	assert_int_equal(l.first, 27);
	assert_int_equal(l.count, 1);
	assert_int_equal(next, 29);
	assert_false(strata_genl_seq_check(&next, 29, &l));
	assert_int_equal(next, 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mflow_roundtrip),
		cmocka_unit_test(test_mflow_no_txn),
		cmocka_unit_test(test_mflow_malformed),
		cmocka_unit_test(test_mflow_bad_values),
		cmocka_unit_test(test_mflow_mutations),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test(test_config_put),
		cmocka_unit_test(test_config_malformed),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_seq_check),
	};

	return cmocka_run_group_tests_name("genl", tests, NULL, NULL);
}
