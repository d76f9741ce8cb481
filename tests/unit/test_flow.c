// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of microflow accounting: conversation keys, windows, 128-bit
 * statistics, per-direction counters against a brute-force model, TCP RTTs,
 * transaction timing (TCP requests and responses, first exchange, DNS).
 */
#include "unit.h"
#include "pktbuild.h"
#include "core/flow.h"

#define W1S	1000000000ULL
/* Some time in 2023, well inside a window. */
#define T0	(1700000000ULL * W1S + 123456789ULL)

typedef unsigned __int128 u128;

static void ep6(struct ep *e, __u16 last, __u16 port)
{
	memset(e, 0, sizeof(*e));
	e->addr[0] = 0x20;
	e->addr[1] = 0x01;
	e->addr[2] = 0x0d;
	e->addr[3] = 0xb8;
	e->addr[14] = last >> 8;
	e->addr[15] = last & 0xff;
	e->port = port;
}

/* A parsed packet as strata_parse() would give it, without the bytes. */
static void mkpkt(struct strata_pkt *p, const struct ep *src, const struct ep *dst,
		  __u8 family, __u8 proto)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->saddr, src->addr, 16);
	memcpy(p->daddr, dst->addr, 16);
	p->family = family;
	p->proto = proto;
	p->sport = src->port;
	p->dport = dst->port;
	p->ttl = 64;
	p->l4_off = family == 4 ? 20 : 40;
	p->flags = STRATA_PKT_L4;
}

static void mktcp(struct strata_pkt *p, const struct ep *src, const struct ep *dst,
		  __u32 seq, __u32 ack, __u8 flags, __u16 win, __u16 len)
{
	mkpkt(p, src, dst, 4, 6);
	p->tcp_seq = seq;
	p->tcp_ack = ack;
	p->tcp_flags = flags;
	p->tcp_window = win;
	p->payload_off = 40;
	p->payload_len = len;
	p->ip_len = 40 + len;
}

/* ---- keys ---- */

static void key_of(const struct strata_pkt *p, struct strata_flow_key *k, int *dir)
{
	/* Garbage first: the padding must come back zero. */
	memset(k, 0xee, sizeof(*k));
	*dir = strata_flow_key(p, k);
	assert_int_equal(k->pad, 0);
}

static void check_pair(const struct ep *a, const struct ep *b, __u8 family,
		       __u8 proto, int a_is_ep0)
{
	struct strata_flow_key k1, k2;
	struct strata_pkt p;
	int d1, d2;

	mkpkt(&p, a, b, family, proto);
	key_of(&p, &k1, &d1);
	mkpkt(&p, b, a, family, proto);
	key_of(&p, &k2, &d2);
	/* Both directions: one key, compared whole. */
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_equal(d1, a_is_ep0 ? 0 : 1);
	assert_int_equal(d2, a_is_ep0 ? 1 : 0);
	assert_int_equal(k1.proto, proto);
	assert_int_equal(k1.family, family);
	/* Endpoint 0 is the lower one. */
	assert_memory_equal(k1.addr[0], a_is_ep0 ? a->addr : b->addr, 16);
	assert_memory_equal(k1.addr[1], a_is_ep0 ? b->addr : a->addr, 16);
	assert_int_equal(k1.port[0], a_is_ep0 ? a->port : b->port);
	assert_int_equal(k1.port[1], a_is_ep0 ? b->port : a->port);
}

static void test_flow_key_v4(void **state)
{
	struct ep a, b;

	(void)state;
	ep4(&a, 10, 0, 0, 1, 40000);
	ep4(&b, 10, 0, 0, 2, 80);
	check_pair(&a, &b, 4, 6, 1);
	check_pair(&b, &a, 4, 6, 0);
	/* Address order is network (byte) order: 9.0.0.3 < 10.0.0.2, though
	 * the last 4 bytes read as a little-endian word say otherwise. */
	ep4(&a, 10, 0, 0, 2, 1);
	ep4(&b, 9, 0, 0, 3, 2);
	check_pair(&b, &a, 4, 17, 1);
	ep4(&a, 192, 168, 1, 200, 1);
	ep4(&b, 192, 168, 2, 1, 2);
	check_pair(&a, &b, 4, 17, 1);
	/* The address decides before the port. */
	ep4(&a, 10, 0, 0, 1, 65535);
	ep4(&b, 10, 0, 0, 2, 1);
	check_pair(&a, &b, 4, 6, 1);
	/* Same address: the lower port is endpoint 0 (numeric, not bytes). */
	ep4(&a, 127, 0, 0, 1, 0x0100);
	ep4(&b, 127, 0, 0, 1, 0x00ff);
	check_pair(&b, &a, 4, 6, 1);
	/* ICMP echo: both ports are the identifier. */
	ep4(&a, 10, 0, 0, 7, 0x4242);
	ep4(&b, 10, 0, 0, 3, 0x4242);
	check_pair(&b, &a, 4, 1, 1);
}

static void test_flow_key_v6(void **state)
{
	struct ep a, b;

	(void)state;
	ep6(&a, 1, 443);
	ep6(&b, 2, 443);
	check_pair(&a, &b, 6, 6, 1);
	/* The first differing byte decides. */
	ep6(&a, 0x0100, 1);
	ep6(&b, 0x00ff, 2);
	check_pair(&b, &a, 6, 17, 1);
	a.addr[0] = 0xfe;
	a.addr[1] = 0x80;
	check_pair(&b, &a, 6, 58, 1);
}

static void test_flow_key_distinct(void **state)
{
	struct strata_flow_key k1, k2;
	struct strata_pkt p;
	struct ep a, b;
	int d;

	(void)state;
	ep4(&a, 10, 0, 0, 1, 1000);
	ep4(&b, 10, 0, 0, 2, 53);
	mkpkt(&p, &a, &b, 4, 17);
	key_of(&p, &k1, &d);
	/* Another protocol, another port: another conversation. */
	mkpkt(&p, &a, &b, 4, 6);
	key_of(&p, &k2, &d);
	assert_true(memcmp(&k1, &k2, sizeof(k1)));
	b.port = 54;
	mkpkt(&p, &a, &b, 4, 17);
	key_of(&p, &k2, &d);
	assert_true(memcmp(&k1, &k2, sizeof(k1)));
}

/* ---- windows ---- */

static void test_window_start(void **state)
{
	static const __u64 win[] = { W1S, 60 * W1S, 1, 7, 250000000ULL };
	struct rng r;
	size_t i;
	int k;

	(void)state;
	assert_true(strata_window_start(0, W1S) == 0);
	assert_true(strata_window_start(W1S - 1, W1S) == 0);
	assert_true(strata_window_start(W1S, W1S) == W1S);
	assert_true(strata_window_start(T0, W1S) == 1700000000ULL * W1S);
	assert_true(strata_window_start(T0, 60 * W1S) ==
		    1700000000ULL / 60 * 60 * W1S);
	assert_true(strata_window_start(~0ULL, W1S) == ~0ULL / W1S * W1S);
	rng_seed(&r, 31);
	for (i = 0; i < sizeof(win) / sizeof(win[0]); i++) {
		for (k = 0; k < 10000; k++) {
			__u64 t = rng_u64(&r) >> (k & 1 ? 1 : 0);
			__u64 s = strata_window_start(t, win[i]);

			/* A multiple of the window, holding t. */
			assert_true(s % win[i] == 0);
			assert_true(s <= t && t - s < win[i]);
			/* Boundaries belong to the window they start. */
			assert_true(strata_window_start(s, win[i]) == s);
			if (s)
				assert_true(strata_window_start(s - 1, win[i]) ==
					    s - win[i]);
		}
	}
}

/* ---- statistics ---- */

struct model_stat {
	__u64 n, sum, min, max;
	u128 sumsq;
};

static void model_add(struct model_stat *m, __u64 x)
{
	if (!m->n || x < m->min)
		m->min = x;
	if (!m->n || x > m->max)
		m->max = x;
	m->n++;
	m->sum += x;
	m->sumsq += (u128)x * x;
}

static void expect_stat(const struct strata_stat *s, const struct model_stat *m,
			const char *what)
{
	u128 sq = (u128)s->sumsq_hi << 64 | s->sumsq_lo;

	if (s->n != m->n || s->sum != m->sum || sq != m->sumsq ||
	    (m->n && (s->min != m->min || s->max != m->max)))
		fail_msg("%s: n %llu/%llu sum %llu/%llu sumsq %s min %llu/%llu max %llu/%llu (got/want)",
			 what, (unsigned long long)s->n, (unsigned long long)m->n,
			 (unsigned long long)s->sum, (unsigned long long)m->sum,
			 sq == m->sumsq ? "same" : "DIFFERS",
			 (unsigned long long)s->min, (unsigned long long)m->min,
			 (unsigned long long)s->max, (unsigned long long)m->max);
}

/*
 * Merging: sample sets split at random points and merged back equal the
 * whole, field for field (the 128-bit carry included); empty sets change
 * nothing; directions add up and their time and TTL bounds widen.
 */
static void test_merge(void **state)
{
	struct strata_stat whole, part, sum;
	struct strata_dir_stats a, b;
	struct rng r;
	int i, k;

	(void)state;
	rng_seed(&r, 77);
	for (k = 0; k < 20; k++) {
		int cut = (int)rng_range(&r, 0, 2000);

		memset(&whole, 0, sizeof(whole));
		memset(&part, 0, sizeof(part));
		memset(&sum, 0, sizeof(sum));
		for (i = 0; i < 2000; i++) {
			__u64 x = rng_range(&r, 0, 1ULL << 36);

			strata_stat_add(&whole, x);
			strata_stat_add(&part, x);
			if (i == cut || i == 1999) {
				strata_stat_merge(&sum, &part);
				memset(&part, 0, sizeof(part));
			}
		}
		assert_memory_equal(&sum, &whole, sizeof(sum));
	}
	memset(&part, 0, sizeof(part));
	sum = whole;
	strata_stat_merge(&sum, &part);
	assert_memory_equal(&sum, &whole, sizeof(sum));

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.packets = 3; a.bytes = 300; a.payload_bytes = 200;
	a.first_ns = 1000; a.last_ns = 2000; a.ttl_min = 60; a.ttl_max = 64;
	a.tcp_flags[1] = 1; a.retrans = 2;
	strata_stat_add(&a.size, 100);
	b.packets = 2; b.bytes = 1000; b.payload_bytes = 900;
	b.first_ns = 500; b.last_ns = 3000; b.ttl_min = 50; b.ttl_max = 63;
	b.tcp_flags[1] = 4; b.retrans = 1; b.fragments = 2;
	strata_stat_add(&b.size, 700);
	strata_dir_stats_merge(&a, &b);
	assert_int_equal(a.packets, 5);
	assert_int_equal(a.bytes, 1300);
	assert_int_equal(a.payload_bytes, 1100);
	assert_int_equal(a.first_ns, 500);
	assert_int_equal(a.last_ns, 3000);
	assert_int_equal(a.ttl_min, 50);
	assert_int_equal(a.ttl_max, 64);
	assert_int_equal(a.tcp_flags[1], 5);
	assert_int_equal(a.retrans, 3);
	assert_int_equal(a.fragments, 2);
	assert_int_equal(a.size.n, 2);
	assert_int_equal(a.size.min, 100);
	assert_int_equal(a.size.max, 700);
	/* Into an empty direction: a copy of the counts. */
	memset(&a, 0, sizeof(a));
	strata_dir_stats_merge(&a, &b);
	assert_int_equal(a.first_ns, 500);
	assert_int_equal(a.ttl_min, 50);
	assert_int_equal(a.packets, 2);
}

static void test_stat_add(void **state)
{
	struct strata_stat s;
	struct model_stat m;
	struct rng r;
	int i;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	strata_stat_add(&s, 5);
	model_add(&m, 5);
	expect_stat(&s, &m, "one sample");
	assert_true(s.min == 5 && s.max == 5);
	strata_stat_add(&s, 3);
	strata_stat_add(&s, 9);
	model_add(&m, 3);
	model_add(&m, 9);
	expect_stat(&s, &m, "three samples");
	strata_stat_add(&s, 0);
	model_add(&m, 0);
	expect_stat(&s, &m, "a zero sample");

	/* x^2 just below 2^64, many times: the carry into the high word. */
	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 1000; i++) {
		strata_stat_add(&s, 0xffffffffULL);
		model_add(&m, 0xffffffffULL);
	}
	expect_stat(&s, &m, "2^32-1 x 1000");
	assert_true(s.sumsq_hi != 0);

	/* Nanosecond samples around 1e10 (10 s): each square is ~1e20 > 2^64. */
	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	rng_seed(&r, 32);
	for (i = 0; i < 100000; i++) {
		__u64 x = rng_range(&r, 5000000000ULL, 20000000000ULL);

		strata_stat_add(&s, x);
		model_add(&m, x);
	}
	expect_stat(&s, &m, "1e10-ish x 100000");

	/* Up to 2^40 mixed with small ones. */
	for (i = 0; i < 100000; i++) {
		__u64 x = rng_u64(&r) >> (24 + rng_range(&r, 0, 39));

		strata_stat_add(&s, x);
		model_add(&m, x);
	}
	expect_stat(&s, &m, "mixed magnitudes");
}

/* ---- microflow accounting against a model ---- */

struct model_dir {
	__u64 packets, bytes, payload, first, last, prev;
	struct model_stat size, iat;
	__u32 flags[8], zero_window, fragments;
	__u8 ttl_min, ttl_max;
};

static void model_packet(struct model_dir *m, const struct strata_pkt *p, __u64 ts)
{
	int b;

	if (m->packets)
		model_add(&m->iat, ts >= m->prev ? ts - m->prev : 0);
	else
		m->first = ts;
	if (!m->packets || p->ttl < m->ttl_min)
		m->ttl_min = p->ttl;
	if (!m->packets || p->ttl > m->ttl_max)
		m->ttl_max = p->ttl;
	m->packets++;
	m->bytes += p->ip_len;
	m->payload += p->payload_len;
	model_add(&m->size, p->ip_len);
	m->last = ts;
	m->prev = ts;
	if (p->proto == 6 && (p->flags & STRATA_PKT_L4)) {
		for (b = 0; b < 8; b++)
			if (p->tcp_flags & (1 << b))
				m->flags[b]++;
		if (!p->tcp_window && !(p->tcp_flags & STRATA_TCP_RST))
			m->zero_window++;
	}
	if (p->flags & STRATA_PKT_FRAG)
		m->fragments++;
}

static void expect_dir(const struct strata_dir_stats *d, const struct model_dir *m,
		       const char *what)
{
	char w[96];
	int b;

#define D(f, v) do {							\
	if ((__u64)d->f != (__u64)(v))					\
		fail_msg("%s: " #f " %llu, want %llu", what,		\
			 (unsigned long long)d->f, (unsigned long long)(v)); \
} while (0)
	D(packets, m->packets);
	D(bytes, m->bytes);
	D(payload_bytes, m->payload);
	D(fragments, m->fragments);
	snprintf(w, sizeof(w), "%s size", what);
	expect_stat(&d->size, &m->size, w);
	snprintf(w, sizeof(w), "%s iat", what);
	expect_stat(&d->iat, &m->iat, w);
	if (m->packets) {
		D(first_ns, m->first);
		D(last_ns, m->last);
		D(ttl_min, m->ttl_min);
		D(ttl_max, m->ttl_max);
	}
	for (b = 0; b < 8; b++)
		if (d->tcp_flags[b] != m->flags[b])
			fail_msg("%s: tcp_flags[%d] %u, want %u", what, b,
				 d->tcp_flags[b], m->flags[b]);
	D(zero_window, m->zero_window);
#undef D
}

/*
 * Random conversations over several windows: every field of both
 * directions' statistics is recomputed from the packets and compared at
 * each window's end, then the microflow is rolled as the table would.
 */
static void bruteforce(__u8 proto, __u64 seed, int trials)
{
	struct rng r;
	int trial;

	rng_seed(&r, seed);
	for (trial = 0; trial < trials; trial++) {
		__u64 win = trial & 1 ? W1S : 60 * W1S;
		__u64 ts = T0 + rng_range(&r, 0, 10 * W1S), ws;
		int npk = rng_range(&r, 1, 300), i, first_dir = -1, nwin = 0;
		struct model_dir m[2];
		struct strata_mflow mf;
		struct ep e[2];
		char what[64];

		if (trial & 2) {
			ep4(&e[0], 10, 1, 0, 1, rng_range(&r, 1, 65535));
			ep4(&e[1], 10, 1, 0, 2, rng_range(&r, 1, 65535));
		} else {
			ep6(&e[0], 1, 5000);
			ep6(&e[1], 2, 5001);
		}
		memset(m, 0, sizeof(m));
		ws = 0;
		for (i = 0; i < npk; i++) {
			struct strata_flow_key key;
			struct strata_pkt p;
			int from = rng_range(&r, 0, 9) < 6 ? 0 : 1, dir, k;

			/* Mostly small steps, now and then a same-time packet or
			 * a jump into a later window. */
			k = rng_range(&r, 0, 99);
			ts += k < 10 ? 0 : k < 97 ? rng_range(&r, 1, win / 200) :
			      rng_range(&r, win / 2, 3 * win);
			mkpkt(&p, &e[from], &e[!from], trial & 2 ? 4 : 6, proto);
			p.ip_len = rng_range(&r, 28, 1500);
			p.payload_off = p.l4_off + (proto == 6 ? 20 : 8);
			if (p.ip_len < p.payload_off)
				p.ip_len = p.payload_off;
			p.payload_len = p.ip_len - p.payload_off;
			p.ttl = rng_range(&r, 1, 255);
			if (rng_range(&r, 0, 9) == 0)
				p.flags |= STRATA_PKT_FRAG | STRATA_PKT_MF;
			if (proto == 6) {
				p.tcp_flags = rng_u64(&r);
				p.tcp_window = rng_range(&r, 0, 4) ? rng_u64(&r) : 0;
				p.tcp_seq = rng_u64(&r);
				p.tcp_ack = rng_u64(&r);
			}
			dir = strata_flow_key(&p, &key);
			assert_int_equal(dir, from);	/* e[0] is the lower */
			if (i == 0) {
				ws = strata_window_start(ts, win);
				strata_mflow_init(&mf, &key, ws);
				first_dir = dir;
			} else if (strata_window_start(ts, win) != ws) {
				snprintf(what, sizeof(what), "trial %d window %d dir 0",
					 trial, nwin);
				expect_dir(&mf.dir[0], &m[0], what);
				what[strlen(what) - 1] = '1';
				expect_dir(&mf.dir[1], &m[1], what);
				ws = strata_window_start(ts, win);
				strata_mflow_roll(&mf, ws);
				assert_true(mf.window_start == ws);
				memset(m, 0, sizeof(m));
				nwin++;
			}
			assert_memory_equal(&mf.key, &key, sizeof(key));
			strata_mflow_account(&mf, &p, dir, ts);
			model_packet(&m[dir], &p, ts);
		}
		snprintf(what, sizeof(what), "trial %d window %d dir 0", trial, nwin);
		expect_dir(&mf.dir[0], &m[0], what);
		what[strlen(what) - 1] = '1';
		expect_dir(&mf.dir[1], &m[1], what);
		assert_int_equal(mf.started, 1);
		/* Without TCP, the first sender started the conversation. */
		if (proto != 6)
			assert_int_equal(mf.initiator, first_dir);
	}
}

static void test_bruteforce_udp(void **state)
{
	(void)state;
	bruteforce(17, 41, 2000);
}

static void test_bruteforce_tcp(void **state)
{
	(void)state;
	/* Random flags, windows and sequence numbers: the counters that do
	 * not depend on sequence tracking must still be exact. */
	bruteforce(6, 42, 2000);
}

static void test_mflow_init(void **state)
{
	struct strata_flow_key key;
	struct strata_mflow mf;
	struct strata_pkt p;
	struct ep a, b;
	int d;

	(void)state;
	ep4(&a, 10, 0, 0, 1, 1);
	ep4(&b, 10, 0, 0, 2, 2);
	mkpkt(&p, &a, &b, 4, 6);
	strata_flow_key(&p, &key);
	memset(&mf, 0xaa, sizeof(mf));
	strata_mflow_init(&mf, &key, 5 * W1S);
	assert_memory_equal(&mf.key, &key, sizeof(key));
	assert_true(mf.window_start == 5 * W1S);
	assert_int_equal(mf.started, 0);
	assert_int_equal(mf.hs, 0);
	for (d = 0; d < 2; d++) {
		assert_int_equal(mf.dir[d].packets, 0);
		assert_int_equal(mf.dir[d].bytes, 0);
		assert_int_equal(mf.dir[d].size.n, 0);
		assert_int_equal(mf.dir[d].iat.n, 0);
		assert_int_equal(mf.dir[d].rtt_hs.n, 0);
		assert_int_equal(mf.dir[d].rtt_data.n, 0);
		assert_int_equal(mf.dir[d].retrans, 0);
		assert_int_equal(mf.dir[d].tcp_flags[1], 0);
		assert_int_equal(mf.tcp[d].valid, 0);
		assert_int_equal(mf.tcp[d].acked_pending, 0);
	}
}

static void test_iat_backwards(void **state)
{
	struct strata_flow_key key;
	struct strata_mflow mf;
	struct strata_pkt p;
	struct ep a, b;
	int d;

	(void)state;
	ep4(&a, 10, 0, 0, 1, 1);
	ep4(&b, 10, 0, 0, 2, 2);
	mkpkt(&p, &a, &b, 4, 17);
	p.ip_len = 100;
	d = strata_flow_key(&p, &key);
	strata_mflow_init(&mf, &key, strata_window_start(T0, W1S));
	strata_mflow_account(&mf, &p, d, T0 + 1000);
	strata_mflow_account(&mf, &p, d, T0 + 400);	/* earlier: iat 0 */
	strata_mflow_account(&mf, &p, d, T0 + 1500);
	assert_int_equal(mf.dir[d].iat.n, 2);
	/* 0 for the step back, then at least 500 (from 1000) or 1100 (from 400);
	 * never a wrapped-around huge value. */
	assert_true(mf.dir[d].iat.min == 0);
	assert_true(mf.dir[d].iat.max <= 1100);
}

/* ---- initiator ---- */

static int first_packet_initiator(__u8 proto, __u8 flags, int from_hi)
{
	struct strata_flow_key key;
	struct strata_mflow mf;
	struct strata_pkt p;
	struct ep lo, hi;
	int d;

	ep4(&lo, 10, 0, 0, 1, 1000);
	ep4(&hi, 10, 0, 0, 2, 80);
	if (proto == 6)
		mktcp(&p, from_hi ? &hi : &lo, from_hi ? &lo : &hi, 1, 1, flags,
		      100, 0);
	else
		mkpkt(&p, from_hi ? &hi : &lo, from_hi ? &lo : &hi, 4, proto);
	d = strata_flow_key(&p, &key);
	assert_int_equal(d, from_hi);
	strata_mflow_init(&mf, &key, strata_window_start(T0, W1S));
	strata_mflow_account(&mf, &p, d, T0);
	assert_int_equal(mf.started, 1);
	return mf.initiator;
}

/*
 * A GSO packet (a sender's TSO/GSO send, a receiver's GRO merge) counts as
 * the wire packets it stands for: the sender and a router that sees the
 * pieces count the same packets and bytes.
 */
static void test_gso_counts(void **state)
{
	struct strata_flow_key key;
	struct strata_mflow big, pieces;
	struct strata_pkt p;
	struct ep a, b;
	unsigned int i;
	int d;

	(void)state;
	ep4(&a, 10, 1, 0, 2, 40000);
	ep4(&b, 10, 2, 0, 2, 5001);
	/* 10,000 payload bytes in segments of 1448: 6 full ones and 1,312. */
	mktcp(&p, &a, &b, 1000, 1, STRATA_TCP_ACK, 502, 10000);
	p.gso_size = 1448;
	p.gso_segs = 7;
	d = strata_flow_key(&p, &key);
	strata_mflow_init(&big, &key, strata_window_start(T0, W1S));
	strata_mflow_init(&pieces, &key, strata_window_start(T0, W1S));
	strata_mflow_account(&big, &p, d, T0);
	for (i = 0; i < 7; i++) {
		mktcp(&p, &a, &b, 1000 + 1448 * i, 1, STRATA_TCP_ACK, 502,
		      i < 6 ? 1448 : 10000 - 6 * 1448);
		strata_mflow_account(&pieces, &p, d, T0);
	}
	assert_int_equal(big.dir[d].packets, 7);
	assert_int_equal(big.dir[d].packets, pieces.dir[d].packets);
	assert_int_equal(big.dir[d].bytes, 10000 + 7 * 40);
	assert_int_equal(big.dir[d].bytes, pieces.dir[d].bytes);
	assert_int_equal(big.dir[d].payload_bytes, pieces.dir[d].payload_bytes);
	assert_int_equal(big.dir[d].size.n, 7);
	assert_int_equal(big.dir[d].size.sum, pieces.dir[d].size.sum);
	assert_int_equal(big.dir[d].size.min, pieces.dir[d].size.min);
	assert_int_equal(big.dir[d].size.max, pieces.dir[d].size.max);
	assert_int_equal(big.dir[d].size.sumsq_lo, pieces.dir[d].size.sumsq_lo);

	/* Not counted yet by the stack: the payload and the segment size tell. */
	mktcp(&p, &a, &b, 1000, 1, STRATA_TCP_ACK, 502, 10000);
	p.gso_size = 1448;
	assert_int_equal(strata_pkt_segs(&p), 7);
	/* A count the payload cannot fill is not believed. */
	p.gso_segs = 60;
	assert_int_equal(strata_pkt_segs(&p), 7);
	/* One segment's worth, or no GSO: one packet. */
	p.payload_len = 1448;
	assert_int_equal(strata_pkt_segs(&p), 1);
	p.gso_size = 0;
	p.payload_len = 10000;
	assert_int_equal(strata_pkt_segs(&p), 1);
}

static void test_initiator(void **state)
{
	(void)state;
	/* The first sender... */
	assert_int_equal(first_packet_initiator(17, 0, 0), 0);
	assert_int_equal(first_packet_initiator(17, 0, 1), 1);
	assert_int_equal(first_packet_initiator(6, STRATA_TCP_SYN, 1), 1);
	assert_int_equal(first_packet_initiator(6, STRATA_TCP_SYN, 0), 0);
	assert_int_equal(first_packet_initiator(6, STRATA_TCP_ACK, 1), 1);
	/* ... except that a SYN-ACK's receiver is the initiator. */
	assert_int_equal(first_packet_initiator(6, STRATA_TCP_SYN | STRATA_TCP_ACK, 1), 0);
	assert_int_equal(first_packet_initiator(6, STRATA_TCP_SYN | STRATA_TCP_ACK, 0), 1);
}

/* ---- scripted TCP ---- */

struct conv {
	struct strata_mflow mf;
	struct ep cli, srv;
	int ci;		/* the client's endpoint index */
	int inited;
};

static void conv_init(struct conv *c, int cli_lower)
{
	memset(c, 0, sizeof(*c));
	ep4(&c->cli, 10, 0, 0, cli_lower ? 1 : 9, 40000);
	ep4(&c->srv, 10, 0, 0, 5, 443);
	c->ci = cli_lower ? 0 : 1;
}

/* Account @p, sent by the client or the server of @c. */
static void tx_pkt(struct conv *c, int from_cli, struct strata_pkt *p, __u64 ts)
{
	struct strata_flow_key key;
	int d;

	d = strata_flow_key(p, &key);
	assert_int_equal(d, from_cli ? c->ci : !c->ci);
	if (!c->inited) {
		strata_mflow_init(&c->mf, &key, strata_window_start(ts, W1S));
		c->inited = 1;
	}
	strata_mflow_account(&c->mf, p, d, ts);
}

/* A string literal's bytes and length (it may hold NULs); none at hand. */
#define HEAD(lit)	lit, sizeof(lit) - 1
#define NOHEAD		NULL, 0

/*
 * A TCP segment of @len payload bytes starting with the @hlen bytes at
 * @head, as many as the parser would keep (NULL: no bytes at hand).
 */
static void tx_head(struct conv *c, int from_cli, __u32 seq, __u32 ack, __u8 flags,
		    __u16 len, const char *head, size_t hlen, __u64 ts)
{
	struct strata_pkt p;

	if (from_cli)
		mktcp(&p, &c->cli, &c->srv, seq, ack, flags, 502, len);
	else
		mktcp(&p, &c->srv, &c->cli, seq, ack, flags, 502, len);
	if (head) {
		p.head_len = len < STRATA_PKT_HEAD ? len : STRATA_PKT_HEAD;
		if (p.head_len > hlen)
			p.head_len = hlen;
		memcpy(p.head, head, p.head_len);
	}
	tx_pkt(c, from_cli, &p, ts);
}

static void tx(struct conv *c, int from_cli, __u32 seq, __u32 ack, __u8 flags,
		 __u16 win, __u16 len, __u64 ts)
{
	struct strata_pkt p;

	if (from_cli)
		mktcp(&p, &c->cli, &c->srv, seq, ack, flags, win, len);
	else
		mktcp(&p, &c->srv, &c->cli, seq, ack, flags, win, len);
	tx_pkt(c, from_cli, &p, ts);
}

static struct strata_dir_stats *C(struct conv *c)
{
	return &c->mf.dir[c->ci];
}

static struct strata_dir_stats *S(struct conv *c)
{
	return &c->mf.dir[!c->ci];
}

#define SYN	STRATA_TCP_SYN
#define ACK	STRATA_TCP_ACK
#define PSH	STRATA_TCP_PSH
#define FIN	STRATA_TCP_FIN
#define RST	STRATA_TCP_RST

/* Client ISN, server ISN; data starts at ISN + 1. */
#define CI	1000u
#define SI	5000u

static void handshake(struct conv *c, __u32 ci, __u32 si, __u64 t, __u64 r1,
		      __u64 r2)
{
	tx(c, 1, ci, 0, SYN, 64240, 0, t);
	tx(c, 0, si, ci + 1, SYN | ACK, 65160, 0, t + r1);
	tx(c, 1, ci + 1, si + 1, ACK, 502, 0, t + r1 + r2);
}

static void test_tcp_handshake(void **state)
{
	int lower;

	(void)state;
	for (lower = 0; lower <= 1; lower++) {
		struct conv c;

		conv_init(&c, lower);
		tx(&c, 1, CI, 0, SYN, 64240, 0, T0);
		assert_int_equal(c.mf.hs, STRATA_HS_SYN);
		assert_true(c.mf.syn_ns == T0);
		tx(&c, 0, SI, CI + 1, SYN | ACK, 65160, 0, T0 + 300000);
		assert_int_equal(c.mf.hs, STRATA_HS_SYNACK);
		assert_true(c.mf.synack_ns == T0 + 300000);
		tx(&c, 1, CI + 1, SI + 1, ACK, 502, 0, T0 + 320000);
		assert_int_equal(c.mf.hs, STRATA_HS_DONE);
		assert_int_equal(c.mf.initiator, c.ci);

		/* The responder answered the SYN after 300 us, the initiator
		 * the SYN-ACK after 20 us. */
		assert_int_equal(S(&c)->rtt_hs.n, 1);
		assert_int_equal(S(&c)->rtt_hs.sum, 300000);
		assert_int_equal(C(&c)->rtt_hs.n, 1);
		assert_int_equal(C(&c)->rtt_hs.sum, 20000);
		/* A SYN is not data: no data RTT yet, no retransmission. */
		assert_int_equal(S(&c)->rtt_data.n, 0);
		assert_int_equal(C(&c)->rtt_data.n, 0);
		assert_int_equal(C(&c)->retrans, 0);
		assert_int_equal(S(&c)->retrans, 0);
		assert_int_equal(C(&c)->tcp_flags[1], 1);	/* SYN */
		assert_int_equal(S(&c)->tcp_flags[1], 1);
		assert_int_equal(S(&c)->tcp_flags[4], 1);	/* ACK */
		assert_int_equal(C(&c)->tcp_flags[4], 1);
	}
}

static void test_tcp_rtt_data(void **state)
{
	int lower;

	(void)state;
	for (lower = 0; lower <= 1; lower++) {
		__u64 t = T0 + 1000000;
		struct conv c;

		conv_init(&c, lower);
		handshake(&c, CI, SI, T0, 1000, 1000);
		/* Request: the server's response ACKs it 80 us later. */
		tx(&c, 1, CI + 1, SI + 1, PSH | ACK, 502, 100, t);
		tx(&c, 0, SI + 1, CI + 101, PSH | ACK, 500, 200, t + 80000);
		assert_int_equal(S(&c)->rtt_data.n, 1);
		assert_int_equal(S(&c)->rtt_data.sum, 80000);
		assert_int_equal(C(&c)->rtt_data.n, 0);
		/* The client ACKs the response 3 us later. */
		tx(&c, 1, CI + 101, SI + 201, ACK, 502, 0, t + 83000);
		assert_int_equal(C(&c)->rtt_data.n, 1);
		assert_int_equal(C(&c)->rtt_data.sum, 3000);
		assert_int_equal(S(&c)->rtt_data.n, 1);

		/* A partial ACK does not cover the segment; the full one does. */
		t += 10000000;
		tx(&c, 1, CI + 101, SI + 201, ACK, 502, 1000, t);
		tx(&c, 0, SI + 201, CI + 601, ACK, 500, 0, t + 5000);
		assert_int_equal(S(&c)->rtt_data.n, 1);
		tx(&c, 0, SI + 201, CI + 1101, ACK, 500, 0, t + 9000);
		assert_int_equal(S(&c)->rtt_data.n, 2);
		assert_int_equal(S(&c)->rtt_data.sum, 80000 + 9000);
		/* A duplicate ACK samples nothing more. */
		tx(&c, 0, SI + 201, CI + 1101, ACK, 500, 0, t + 12000);
		assert_int_equal(S(&c)->rtt_data.n, 2);
		/* Pure ACKs are neither data nor retransmissions. */
		assert_int_equal(S(&c)->retrans, 0);
		assert_int_equal(C(&c)->retrans, 0);

		/* Two segments in flight, one ACK for both: one sample, timed
		 * from one of them. */
		t += 10000000;
		tx(&c, 1, CI + 1101, SI + 201, ACK, 502, 100, t);
		tx(&c, 1, CI + 1201, SI + 201, ACK, 502, 100, t + 5);
		tx(&c, 0, SI + 201, CI + 1301, ACK, 500, 0, t + 100);
		assert_int_equal(S(&c)->rtt_data.n, 3);
		assert_true(S(&c)->rtt_data.sum == 89000 + 100 ||
			    S(&c)->rtt_data.sum == 89000 + 95);
	}
}

static void test_tcp_retrans_karn(void **state)
{
	__u64 t = T0 + 1000000;
	struct conv c;

	(void)state;
	conv_init(&c, 1);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx(&c, 1, CI + 1, SI + 1, PSH | ACK, 502, 100, t);
	tx(&c, 1, CI + 1, SI + 1, PSH | ACK, 502, 100, t + 200000000);
	assert_int_equal(C(&c)->retrans, 1);
	assert_int_equal(C(&c)->out_of_order, 0);
	/* The ACK could answer either copy: Karn's rule, no sample. */
	tx(&c, 0, SI + 1, CI + 101, ACK, 500, 0, t + 200050000);
	assert_int_equal(S(&c)->rtt_data.n, 0);
	/* New data afterwards is sampled again. */
	tx(&c, 1, CI + 101, SI + 1, PSH | ACK, 502, 100, t + 300000000);
	tx(&c, 0, SI + 1, CI + 201, ACK, 500, 0, t + 300040000);
	assert_int_equal(S(&c)->rtt_data.n, 1);
	assert_int_equal(S(&c)->rtt_data.sum, 40000);
	assert_int_equal(C(&c)->retrans, 1);
	/* A third copy of the first segment. */
	tx(&c, 1, CI + 1, SI + 1, PSH | ACK, 502, 100, t + 400000000);
	assert_int_equal(C(&c)->retrans, 2);
	assert_int_equal(S(&c)->retrans, 0);
}

static void test_tcp_syn_fin_retrans(void **state)
{
	struct conv c;

	(void)state;
	conv_init(&c, 0);
	tx(&c, 1, CI, 0, SYN, 64240, 0, T0);
	tx(&c, 1, CI, 0, SYN, 64240, 0, T0 + 100000000);
	assert_int_equal(C(&c)->retrans, 1);
	tx(&c, 0, SI, CI + 1, SYN | ACK, 65160, 0, T0 + 100300000);
	tx(&c, 0, SI, CI + 1, SYN | ACK, 65160, 0, T0 + 200300000);
	assert_int_equal(S(&c)->retrans, 1);
	tx(&c, 1, CI + 1, SI + 1, ACK, 502, 0, T0 + 200400000);
	assert_int_equal(c.mf.hs, STRATA_HS_DONE);
	/* FIN, then the same FIN again. */
	tx(&c, 1, CI + 1, SI + 1, FIN | ACK, 502, 0, T0 + 300000000);
	assert_int_equal(C(&c)->retrans, 1);
	tx(&c, 1, CI + 1, SI + 1, FIN | ACK, 502, 0, T0 + 400000000);
	assert_int_equal(C(&c)->retrans, 2);
	assert_int_equal(C(&c)->tcp_flags[0], 2);
}

static void test_tcp_out_of_order(void **state)
{
	__u64 t = T0 + 1000000;
	struct conv c;

	(void)state;
	conv_init(&c, 0);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx(&c, 1, CI + 1, SI + 1, ACK, 502, 100, t);
	/* [CI+101, CI+201) is missing: a gap. */
	tx(&c, 1, CI + 201, SI + 1, ACK, 502, 100, t + 10);
	assert_int_equal(C(&c)->out_of_order, 0);
	assert_int_equal(C(&c)->retrans, 0);
	/* The missing segment arrives: it fills the gap. */
	tx(&c, 1, CI + 101, SI + 1, ACK, 502, 100, t + 20);
	assert_int_equal(C(&c)->out_of_order, 1);
	assert_int_equal(C(&c)->retrans, 0);
	/* Sent again: now it was seen before. */
	tx(&c, 1, CI + 101, SI + 1, ACK, 502, 100, t + 30);
	assert_int_equal(C(&c)->out_of_order, 1);
	assert_int_equal(C(&c)->retrans, 1);
	/* In-order data goes on without either. */
	tx(&c, 1, CI + 301, SI + 1, ACK, 502, 100, t + 40);
	assert_int_equal(C(&c)->out_of_order, 1);
	assert_int_equal(C(&c)->retrans, 1);
	assert_int_equal(S(&c)->out_of_order, 0);
}

static void test_tcp_zero_window(void **state)
{
	struct conv c;

	(void)state;
	conv_init(&c, 1);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx(&c, 1, CI + 1, SI + 1, ACK, 502, 1000, T0 + 10000);
	tx(&c, 0, SI + 1, CI + 1001, ACK, 0, 0, T0 + 20000);
	assert_int_equal(S(&c)->zero_window, 1);
	tx(&c, 0, SI + 1, CI + 1001, ACK, 0, 0, T0 + 30000);
	assert_int_equal(S(&c)->zero_window, 2);
	/* A reset with a zero window is not a zero-window advertisement. */
	tx(&c, 0, SI + 1, CI + 1001, RST | ACK, 0, 0, T0 + 40000);
	assert_int_equal(S(&c)->zero_window, 2);
	tx(&c, 1, CI + 1001, SI + 1, RST, 0, 0, T0 + 50000);
	assert_int_equal(C(&c)->zero_window, 0);
}

static void test_tcp_seq_wrap(void **state)
{
	const __u32 ci = 0xffffff00u - 1;	/* data starts 256 below 2^32 */
	__u64 t = T0 + 1000000;
	struct conv c;

	(void)state;
	conv_init(&c, 1);
	handshake(&c, ci, 0xfffffffeu, T0, 1000, 1000);
	assert_int_equal(c.mf.hs, STRATA_HS_DONE);
	/* 512 bytes from 0xffffff00 to 0x100, across the wrap. */
	tx(&c, 1, 0xffffff00u, 0xffffffffu, ACK, 502, 512, t);
	tx(&c, 0, 0xffffffffu, 0x100, ACK, 500, 0, t + 9000);
	assert_int_equal(S(&c)->rtt_data.n, 1);
	assert_int_equal(S(&c)->rtt_data.sum, 9000);
	/* Next in order, after the wrap: not a retransmission. */
	tx(&c, 1, 0x100, 0xffffffffu, ACK, 502, 100, t + 10000);
	assert_int_equal(C(&c)->retrans, 0);
	/* The server's first data byte is at 0xffffffff: 2 bytes wrap too. */
	tx(&c, 0, 0xffffffffu, 0x164, ACK, 500, 2, t + 11000);
	tx(&c, 0, 0x1, 0x164, ACK, 500, 10, t + 12000);
	assert_int_equal(S(&c)->retrans, 0);
	assert_int_equal(S(&c)->out_of_order, 0);
	/* The segment before the wrap again: a retransmission. */
	tx(&c, 1, 0xffffff00u, 0xb, ACK, 502, 512, t + 20000);
	assert_int_equal(C(&c)->retrans, 1);
	/* A gap just past the wrap, filled. */
	tx(&c, 1, 0x264, 0xb, ACK, 502, 100, t + 30000);	/* gap [0x164,0x264) */
	tx(&c, 1, 0x164, 0xb, ACK, 502, 256, t + 40000);
	assert_int_equal(C(&c)->out_of_order, 1);
	assert_int_equal(C(&c)->retrans, 1);
}

static void test_tcp_port_reuse(void **state)
{
	__u64 t = T0 + 1000000;
	struct conv c;
	int lower;

	(void)state;
	/*
	 * A connection closes and the client opens a new one from the same
	 * port (same key, same window) with a new ISN that lies "before" the
	 * old sequence numbers, as it does half of the time. Its SYN was never
	 * seen before: not a retransmission; nor is its data.
	 */
	for (lower = 0; lower <= 1; lower++) {
		conv_init(&c, lower);
		handshake(&c, CI, SI, T0, 1000, 1000);
		tx(&c, 1, CI + 1, SI + 1, PSH | ACK, 502, 100, t);
		tx(&c, 0, SI + 1, CI + 101, ACK, 500, 0, t + 100);
		tx(&c, 1, CI + 101, SI + 1, FIN | ACK, 502, 0, t + 200);
		tx(&c, 0, SI + 1, CI + 102, FIN | ACK, 500, 0, t + 300);
		tx(&c, 1, CI + 102, SI + 2, ACK, 502, 0, t + 400);
		assert_int_equal(C(&c)->retrans, 0);

		tx(&c, 1, CI - 100000, 0, SYN, 64240, 0, t + 1000);
		tx(&c, 0, SI - 200000, CI - 99999, SYN | ACK, 65160, 0, t + 2000);
		tx(&c, 1, CI - 99999, SI - 199999, ACK, 502, 0, t + 3000);
		tx(&c, 1, CI - 99999, SI - 199999, PSH | ACK, 502, 100, t + 4000);
		tx(&c, 0, SI - 199999, CI - 99899, PSH | ACK, 500, 100, t + 5000);
		if (C(&c)->retrans || S(&c)->retrans)
			fail_msg("new connection on a reused port: retrans %u (client) %u (server), want 0",
				 C(&c)->retrans, S(&c)->retrans);
		assert_int_equal(c.mf.initiator, c.ci);
	}
}

/* ---- transactions ---- */

/* A sample set must hold exactly these fundamentals. */
static void want_stat(const struct strata_stat *st, __u64 n, __u64 sum, __u64 min,
		      __u64 max, u128 sumsq, const char *what)
{
	struct model_stat m = { .n = n, .sum = sum, .sumsq = sumsq, .min = min, .max = max };

	expect_stat(st, &m, what);
}

#define SQ(x)	((u128)(x) * (x))

/*
 * Three exchanges on one connection, with a request in two segments, a
 * response in three, retransmissions on both sides that must not start
 * or answer anything, and the server's FIN ending the last response.
 */
static void test_txn_exchanges(void **state)
{
	__u64 t = T0 + 1000000;
	int lower;

	(void)state;
	for (lower = 0; lower <= 1; lower++) {
		struct strata_txn_stats *x;
		struct conv c;

		conv_init(&c, lower);
		x = &c.mf.txn;
		handshake(&c, CI, SI, T0, 1000, 1000);
		tx_head(&c, 1, CI + 1, SI + 1, ACK, 100, HEAD("GET / HTTP/1.1"), t + 1000);
		tx_head(&c, 1, CI + 101, SI + 1, PSH | ACK, 50, HEAD("Host: a"), t + 1500);
		tx(&c, 0, SI + 1, CI + 151, ACK, 500, 0, t + 2000);	/* no payload */
		assert_int_equal(x->requests, 1);
		assert_int_equal(x->ttfb.n, 0);
		tx_head(&c, 0, SI + 1, CI + 151, ACK, 1000, HEAD("HTTP/1.1"), t + 11000);
		tx_head(&c, 0, SI + 1001, CI + 151, ACK, 1000, NOHEAD, t + 12000);
		tx_head(&c, 0, SI + 2001, CI + 151, PSH | ACK, 500, NOHEAD, t + 15000);
		/* The client sends its request again: not a new one. */
		tx_head(&c, 1, CI + 1, SI + 1, ACK, 100, HEAD("GET / HTTP/1.1"), t + 15500);
		assert_int_equal(C(&c)->retrans, 1);
		assert_int_equal(x->requests, 1);
		assert_int_equal(x->resp.n, 0);		/* still under way */

		tx_head(&c, 1, CI + 151, SI + 2501, PSH | ACK, 80, HEAD("GET /b "), t + 20000);
		assert_int_equal(x->requests, 2);
		want_stat(&x->resp, 1, 4000, 4000, 4000, SQ(4000), "resp after request 2");
		tx_head(&c, 0, SI + 2501, CI + 231, PSH | ACK, 300, NOHEAD, t + 27000);
		tx_head(&c, 1, CI + 231, SI + 2801, PSH | ACK, 80, HEAD("GET /c "), t + 30000);
		/* Response 1's tail sent again: it does not answer request 3. */
		tx_head(&c, 0, SI + 2001, CI + 311, PSH | ACK, 500, NOHEAD, t + 31000);
		assert_int_equal(S(&c)->retrans, 1);
		assert_int_equal(x->ttfb.n, 2);
		tx_head(&c, 0, SI + 2801, CI + 311, ACK, 700, NOHEAD, t + 40000);
		tx_head(&c, 0, SI + 3501, CI + 311, PSH | ACK, 700, NOHEAD, t + 41000);
		assert_int_equal(x->resp.n, 2);
		tx(&c, 0, SI + 4201, CI + 311, FIN | ACK, 500, 0, t + 42000);

		assert_int_equal(x->requests, 3);
		want_stat(&x->ttfb, 3, 27000, 7000, 10000,
			    SQ(10000) + SQ(7000) + SQ(10000), "ttfb");
		want_stat(&x->resp, 3, 5000, 0, 4000, SQ(4000) + SQ(0) + SQ(1000), "resp");
		want_stat(&x->first, 1, 10000, 10000, 10000, SQ(10000), "first");
		assert_int_equal(x->app, STRATA_TXN_APP_HTTP);
		assert_int_equal(x->dns_queries, 0);
		/* Data after the responder's FIN answers nothing. */
		tx_head(&c, 0, SI + 4202, CI + 311, ACK, 10, NOHEAD, t + 43000);
		assert_int_equal(x->ttfb.n, 3);
		assert_int_equal(x->resp.n, 3);
	}
}

/*
 * Windows: a request open at a roll is answered in the next window; a
 * response under way at a roll ends in the next; each sample is counted
 * once, in the window where it completes, and the application stays.
 */
static void test_txn_window_roll(void **state)
{
	__u64 ws = strata_window_start(T0, W1S), w1 = ws + W1S, w2 = w1 + W1S;
	struct strata_txn_stats *x;
	struct conv c;

	(void)state;
	conv_init(&c, 1);
	x = &c.mf.txn;
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK, 200, HEAD("\x16\x03\x01\x00\xc3\x01"), T0 + 10000);
	strata_mflow_roll(&c.mf, w1);
	assert_int_equal(x->requests, 0);
	assert_false(strata_mflow_active(&c.mf));
	tx_head(&c, 0, SI + 1, CI + 201, ACK, 1000, HEAD("\x16\x03\x03"), w1 + 500);
	tx_head(&c, 0, SI + 1001, CI + 201, PSH | ACK, 1000, NOHEAD, w1 + 900);
	want_stat(&x->ttfb, 1, w1 + 500 - (T0 + 10000), w1 + 500 - (T0 + 10000),
		    w1 + 500 - (T0 + 10000), SQ(w1 + 500 - (T0 + 10000)), "ttfb across a roll");
	assert_int_equal(x->first.n, 1);
	assert_true(x->first.sum == w1 + 500 - (T0 + 10000));
	assert_int_equal(x->app, STRATA_TXN_APP_TLS);
	assert_int_equal(x->requests, 0);	/* counted in the window it started in */

	strata_mflow_roll(&c.mf, w2);
	assert_int_equal(x->app, STRATA_TXN_APP_TLS);	/* the connection's, kept */
	assert_int_equal(x->ttfb.n, 0);
	assert_int_equal(x->first.n, 0);
	tx_head(&c, 0, SI + 2001, CI + 201, PSH | ACK, 100, NOHEAD, w2 + 100);
	tx_head(&c, 1, CI + 201, SI + 2101, PSH | ACK, 50, HEAD("\x17\x03\x03"), w2 + 3000);
	want_stat(&x->resp, 1, w2 + 100 - (w1 + 500), w2 + 100 - (w1 + 500),
		    w2 + 100 - (w1 + 500), SQ(w2 + 100 - (w1 + 500)), "resp across a roll");
	assert_int_equal(x->requests, 1);
	/* Only the connection's first exchange is a "first". */
	tx_head(&c, 0, SI + 2101, CI + 251, PSH | ACK, 100, NOHEAD, w2 + 5000);
	assert_int_equal(x->ttfb.n, 1);
	assert_int_equal(x->first.n, 0);
}

/*
 * Unanswered requests: one cut by an RST counts as started, gets no
 * ttfb and no "first"; after the client's FIN (a half-close) the server
 * may still answer.
 */
static void test_txn_unanswered(void **state)
{
	struct conv c;

	(void)state;
	conv_init(&c, 0);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK, 20, HEAD("PING"), T0 + 5000);
	tx(&c, 0, SI + 1, CI + 21, RST | ACK, 0, 0, T0 + 9000);
	assert_int_equal(c.mf.txn.requests, 1);
	assert_int_equal(c.mf.txn.ttfb.n, 0);
	assert_int_equal(c.mf.txn.resp.n, 0);
	/* The connection's first request was not answered: no "first" later. */
	tx_head(&c, 1, CI + 21, SI + 1, PSH | ACK, 20, HEAD("PING"), T0 + 10000);
	tx_head(&c, 0, SI + 1, CI + 41, PSH | ACK, 20, HEAD("PONG"), T0 + 12000);
	assert_int_equal(c.mf.txn.requests, 2);
	assert_int_equal(c.mf.txn.ttfb.n, 1);
	assert_int_equal(c.mf.txn.first.n, 0);
	assert_int_equal(c.mf.txn.app, STRATA_TXN_APP_OTHER);

	conv_init(&c, 1);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK | FIN, 30, HEAD("POST /x "), T0 + 5000);
	tx_head(&c, 0, SI + 1, CI + 32, PSH | ACK, 400, NOHEAD, T0 + 65000);
	tx(&c, 0, SI + 401, CI + 32, FIN | ACK, 0, 0, T0 + 66000);
	want_stat(&c.mf.txn.ttfb, 1, 60000, 60000, 60000, SQ(60000), "after a half-close");
	want_stat(&c.mf.txn.resp, 1, 0, 0, 0, 0, "resp ended by the server's FIN");
	assert_int_equal(c.mf.txn.app, STRATA_TXN_APP_HTTP);
}

/* The application of the first request, from its first bytes. */
static void test_txn_first_app(void **state)
{
	static const struct {
		const char *head;
		size_t hlen;
		__u16 len;
		__u8 app;
	} cases[] = {
		{ HEAD("\x16\x03\x01\x02\x00\x01"), 517, STRATA_TXN_APP_TLS },
		{ HEAD("\x16\x03\x04\x00\x30\x01"), 53, STRATA_TXN_APP_TLS },
		{ HEAD("\x16\x03\x01\x02\x00\x02"), 517, STRATA_TXN_APP_OTHER },	/* ServerHello */
		{ HEAD("\x16\x03\x01"), 3, STRATA_TXN_APP_OTHER },	/* too short to tell */
		{ HEAD("\x16\x03\x01\x02\x00\x01"), 5, STRATA_TXN_APP_OTHER },	/* cut */
		{ HEAD("\x16\x02\x01\x02\x00\x01"), 517, STRATA_TXN_APP_OTHER },
		{ HEAD("GET /index.html"), 200, STRATA_TXN_APP_HTTP },
		{ HEAD("OPTIONS * HTTP/1.1"), 100, STRATA_TXN_APP_HTTP },
		{ HEAD("CONNECT a:443"), 80, STRATA_TXN_APP_HTTP },
		{ HEAD("DELETE /"), 60, STRATA_TXN_APP_HTTP },
		{ HEAD("GETX / "), 60, STRATA_TXN_APP_OTHER },
		{ HEAD("get / "), 60, STRATA_TXN_APP_OTHER },
		{ HEAD("SSH-2.0-OpenSSH"), 40, STRATA_TXN_APP_OTHER },
		{ NOHEAD, 100, STRATA_TXN_APP_NONE },	/* no bytes at hand */
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conv c;

		conv_init(&c, i & 1);
		handshake(&c, CI, SI, T0, 1000, 1000);
		tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK, cases[i].len, cases[i].head,
			cases[i].hlen, T0 + 4000);
		tx_head(&c, 0, SI + 1, CI + 1 + cases[i].len, PSH | ACK, 90, NOHEAD, T0 + 7000);
		if (c.mf.txn.app != cases[i].app)
			fail_msg("case %u: app %u, want %u", i, c.mf.txn.app, cases[i].app);
		want_stat(&c.mf.txn.first, 1, 3000, 3000, 3000, SQ(3000), "first");
	}
}

/*
 * The first exchange is known only from the start of the connection: one
 * picked up mid-stream, or whose first data segment was missed, has no
 * "first" and no application. A server that speaks first (a banner) does
 * not answer anything: the first exchange is the client's first request.
 */
static void test_txn_first_needs_start(void **state)
{
	struct conv c;

	(void)state;
	conv_init(&c, 0);
	tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK, 100, HEAD("GET / "), T0);
	tx_head(&c, 0, SI + 1, CI + 101, PSH | ACK, 100, NOHEAD, T0 + 3000);
	assert_int_equal(c.mf.txn.ttfb.n, 1);
	assert_int_equal(c.mf.txn.first.n, 0);
	assert_int_equal(c.mf.txn.app, STRATA_TXN_APP_NONE);

	conv_init(&c, 1);
	handshake(&c, CI, SI, T0, 1000, 1000);
	/* The segment at CI + 1 was not seen: this is not the first request. */
	tx_head(&c, 1, CI + 101, SI + 1, PSH | ACK, 100, HEAD("GET / "), T0 + 5000);
	tx_head(&c, 0, SI + 1, CI + 201, PSH | ACK, 100, NOHEAD, T0 + 8000);
	assert_int_equal(c.mf.txn.first.n, 0);
	assert_int_equal(c.mf.txn.app, STRATA_TXN_APP_NONE);

	conv_init(&c, 0);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx_head(&c, 0, SI + 1, CI + 1, PSH | ACK, 30, HEAD("220 mx "), T0 + 4000);
	assert_int_equal(c.mf.txn.requests, 0);
	assert_int_equal(c.mf.txn.ttfb.n, 0);
	tx_head(&c, 1, CI + 1, SI + 31, PSH | ACK, 12, HEAD("EHLO a"), T0 + 9000);
	tx_head(&c, 0, SI + 31, CI + 13, PSH | ACK, 40, HEAD("250 ok"), T0 + 9700);
	want_stat(&c.mf.txn.first, 1, 700, 700, 700, SQ(700), "first after a banner");
	assert_int_equal(c.mf.txn.app, STRATA_TXN_APP_OTHER);
}

/* A new connection on the same 5-tuple ends the old one's response. */
static void test_txn_port_reuse(void **state)
{
	struct conv c;

	(void)state;
	conv_init(&c, 1);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK, 10, HEAD("GET / "), T0 + 3000);
	tx_head(&c, 0, SI + 1, CI + 11, PSH | ACK, 10, NOHEAD, T0 + 4000);
	tx_head(&c, 0, SI + 11, CI + 11, PSH | ACK, 10, NOHEAD, T0 + 4500);
	handshake(&c, CI + 50000, SI + 70000, T0 + 10000, 1000, 1000);
	want_stat(&c.mf.txn.resp, 1, 500, 500, 500, SQ(500), "old response");
	tx_head(&c, 1, CI + 50001, SI + 70001, PSH | ACK, 10, HEAD("\x16\x03\x01\x00\x05\x01"),
		T0 + 13000);
	tx_head(&c, 0, SI + 70001, CI + 50011, PSH | ACK, 10, NOHEAD, T0 + 13400);
	want_stat(&c.mf.txn.first, 2, 1000 + 400, 400, 1000, SQ(1000) + SQ(400),
		    "both connections' first exchanges");
	assert_int_equal(c.mf.txn.app, STRATA_TXN_APP_TLS);
	assert_int_equal(c.mf.txn.requests, 2);
}

/* A UDP DNS message from @from_cli with id @id, QR set for a response. */
static void dns(struct conv *c, int from_cli, __u16 id, bool resp, __u16 len, __u64 ts)
{
	struct strata_pkt p;

	if (from_cli)
		mkpkt(&p, &c->cli, &c->srv, 4, 17);
	else
		mkpkt(&p, &c->srv, &c->cli, 4, 17);
	p.payload_off = 28;
	p.payload_len = len;
	p.ip_len = 28 + len;
	p.head_len = len < STRATA_PKT_HEAD ? len : STRATA_PKT_HEAD;
	p.head[0] = id >> 8;
	p.head[1] = id & 0xff;
	p.head[2] = resp ? 0x81 : 0x01;
	p.head[3] = resp ? 0x80 : 0x00;
	tx_pkt(c, from_cli, &p, ts);
}

static void dns_conv(struct conv *c)
{
	memset(c, 0, sizeof(*c));
	ep4(&c->cli, 10, 0, 0, 1, 40000);
	ep4(&c->srv, 10, 0, 0, 53, 53);
	c->ci = 0;	/* 10.0.0.1 is the lower address */
}

/* Every query accounted once: answered, given up, overflowed, repeated, or open. */
static void dns_balance(const struct strata_txn_stats *x, unsigned int open)
{
	assert_int_equal(x->dns_queries, x->dns.n + x->dns_unanswered + x->dns_overflow +
			 x->dns_repeats + open);
}

/*
 * DNS over UDP: answers out of order matched by id, a retry of an
 * outstanding id, slot overflow, an answer to nothing outstanding, a
 * query given up at the roll STRATA_TXN_TIMEOUT_NS after it (exported
 * with a window that has no packet), and messages too short to be DNS.
 */
static void test_txn_dns(void **state)
{
	__u64 ws = strata_window_start(T0, W1S);
	struct strata_txn_stats *x;
	struct conv c;
	__u16 id;

	(void)state;
	dns_conv(&c);
	x = &c.mf.txn;
	dns(&c, 1, 0x0101, false, 40, T0);
	dns(&c, 1, 0x0202, false, 40, T0 + 100);
	dns(&c, 1, 0x0303, false, 40, T0 + 200);
	dns(&c, 0, 0x0202, true, 120, T0 + 1100);
	dns(&c, 0, 0x0101, true, 120, T0 + 2000);
	dns(&c, 0, 0x0303, true, 120, T0 + 2300);
	want_stat(&x->dns, 3, 1000 + 2000 + 2100, 1000, 2100,
		    SQ(1000) + SQ(2000) + SQ(2100), "out of order");
	assert_int_equal(x->dns_queries, 3);
	/* A retry of an outstanding query is timed from its first copy. */
	dns(&c, 1, 0x0707, false, 40, T0 + 3000);
	dns(&c, 1, 0x0707, false, 40, T0 + 4000);
	dns(&c, 0, 0x0707, true, 120, T0 + 4500);
	assert_int_equal(x->dns_repeats, 1);
	assert_int_equal(x->dns.n, 4);
	assert_int_equal(x->dns.max, 2100);
	assert_int_equal(x->dns.sum, 5100 + 1500);
	/* The answer's copy finds nothing outstanding: no sample. */
	dns(&c, 0, 0x0707, true, 120, T0 + 4600);
	assert_int_equal(x->dns.n, 4);
	dns_balance(x, 0);

	/* Five outstanding, four slots: one is not timed. */
	for (id = 20; id < 25; id++)
		dns(&c, 1, id, false, 40, T0 + 10000 + id);
	assert_int_equal(x->dns_overflow, 1);
	dns(&c, 0, 24, true, 120, T0 + 20000);	/* the untimed one */
	assert_int_equal(x->dns.n, 4);
	for (id = 20; id < 23; id++)
		dns(&c, 0, id, true, 120, T0 + 20000);
	assert_int_equal(x->dns.n, 7);
	dns_balance(x, 1);			/* 23 is still out */
	/* Not DNS: shorter than a header. */
	dns(&c, 1, 30, false, 11, T0 + 30000);
	assert_int_equal(x->dns_queries, 10);

	/* Query 23 given up STRATA_TXN_TIMEOUT_NS later, at a roll. */
	strata_mflow_roll(&c.mf, ws + W1S);
	assert_int_equal(x->dns_unanswered, 0);
	strata_mflow_roll(&c.mf, strata_window_start(T0 + 10023 + STRATA_TXN_TIMEOUT_NS,
						     W1S));
	assert_int_equal(x->dns_unanswered, 0);	/* that window starts before it */
	strata_mflow_roll(&c.mf, strata_window_start(T0 + 10023 + STRATA_TXN_TIMEOUT_NS,
						     W1S) + W1S);
	assert_int_equal(x->dns_unanswered, 1);
	assert_int_equal(c.mf.dir[0].packets + c.mf.dir[1].packets, 0);
	assert_true(strata_mflow_active(&c.mf));
	/* Its late answer is no sample. */
	dns(&c, 0, 23, true, 120, T0 + 10023 + STRATA_TXN_TIMEOUT_NS + W1S);
	assert_int_equal(x->dns.n, 0);
}

/* DNS only on port 53; TCP is timed as requests, not as DNS messages. */
static void test_txn_dns_port(void **state)
{
	struct conv c;

	(void)state;
	dns_conv(&c);
	c.srv.port = 5353;
	dns(&c, 1, 1, false, 40, T0);
	dns(&c, 0, 1, true, 40, T0 + 10);
	assert_int_equal(c.mf.txn.dns_queries, 0);
	assert_int_equal(c.mf.txn.dns.n, 0);
	assert_int_equal(c.mf.txn.requests, 0);	/* no request timing on UDP */
}

/*
 * Ends: a response whose responder has been silent STRATA_TXN_TIMEOUT_NS
 * ends at a roll (its duration what it was); strata_mflow_end() ends what
 * is open at the end of a capture.
 */
static void test_txn_end(void **state)
{
	__u64 ws = strata_window_start(T0, W1S);
	struct conv c;

	(void)state;
	conv_init(&c, 0);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK, 10, HEAD("GET / "), T0 + 3000);
	tx_head(&c, 0, SI + 1, CI + 11, PSH | ACK, 10, NOHEAD, T0 + 4000);
	tx_head(&c, 0, SI + 11, CI + 11, PSH | ACK, 10, NOHEAD, T0 + 9000);
	strata_mflow_roll(&c.mf, ws + W1S);
	assert_int_equal(c.mf.txn.resp.n, 0);
	assert_false(strata_mflow_active(&c.mf));
	strata_mflow_roll(&c.mf, strata_window_start(T0 + 9000 + STRATA_TXN_TIMEOUT_NS, W1S)
			  + W1S);
	want_stat(&c.mf.txn.resp, 1, 5000, 5000, 5000, SQ(5000), "resp ended by silence");
	assert_true(strata_mflow_active(&c.mf));
	strata_mflow_roll(&c.mf, c.mf.window_start + W1S);
	assert_false(strata_mflow_active(&c.mf));	/* once */

	conv_init(&c, 1);
	handshake(&c, CI, SI, T0, 1000, 1000);
	tx_head(&c, 1, CI + 1, SI + 1, PSH | ACK, 10, HEAD("GET / "), T0 + 3000);
	tx_head(&c, 0, SI + 1, CI + 11, PSH | ACK, 10, NOHEAD, T0 + 4000);
	tx_head(&c, 0, SI + 11, CI + 11, PSH | ACK, 10, NOHEAD, T0 + 6000);
	strata_mflow_end(&c.mf);
	want_stat(&c.mf.txn.resp, 1, 2000, 2000, 2000, SQ(2000), "resp at the end");
	strata_mflow_end(&c.mf);
	assert_int_equal(c.mf.txn.resp.n, 1);

	dns_conv(&c);
	dns(&c, 1, 5, false, 40, T0);
	dns(&c, 1, 6, false, 40, T0 + 1);
	strata_mflow_end(&c.mf);
	assert_int_equal(c.mf.txn.dns_unanswered, 2);
	dns_balance(&c.mf.txn, 0);
}

/* Windows merged: sample sets and counts add up, the application stays. */
static void test_txn_merge(void **state)
{
	struct strata_txn_stats a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	strata_stat_add(&a.ttfb, 10);
	strata_stat_add(&a.dns, 7);
	a.requests = 2;
	a.dns_queries = 3;
	a.dns_unanswered = 1;
	a.dns_overflow = 1;
	a.app = STRATA_TXN_APP_HTTP;
	strata_stat_add(&b.ttfb, 30);
	strata_stat_add(&b.resp, 4);
	strata_stat_add(&b.first, 5);
	b.requests = 1;
	b.dns_repeats = 2;
	strata_txn_merge(&a, &b);
	want_stat(&a.ttfb, 2, 40, 10, 30, SQ(10) + SQ(30), "merged ttfb");
	want_stat(&a.resp, 1, 4, 4, 4, SQ(4), "merged resp");
	want_stat(&a.first, 1, 5, 5, 5, SQ(5), "merged first");
	want_stat(&a.dns, 1, 7, 7, 7, SQ(7), "merged dns");
	assert_int_equal(a.requests, 3);
	assert_int_equal(a.dns_queries, 3);
	assert_int_equal(a.dns_unanswered, 1);
	assert_int_equal(a.dns_overflow, 1);
	assert_int_equal(a.dns_repeats, 2);
	assert_int_equal(a.app, STRATA_TXN_APP_HTTP);
	b.app = STRATA_TXN_APP_TLS;
	strata_txn_merge(&a, &b);
	assert_int_equal(a.app, STRATA_TXN_APP_TLS);
}

/*
 * The parser hands the core the first payload bytes: whole, cut by the
 * capture length, and none for a packet whose L4 header was not parsed.
 */
static void test_txn_parse_head(void **state)
{
	static const __u8 ch[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x99 };
	struct pb_ip4 ip = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 }, 64, 0, 1, 0, true, false,
			     0, NULL, 0 };
	struct pb_tcp th = { 40000, 443, CI + 1, SI + 1, PSH | ACK, 502, NULL, 0 };
	struct strata_pkt p;
	struct pb b;
	__u32 len;

	(void)state;
	memset(&b, 0, sizeof(b));
	pb_ip4(&b, &ip);
	pb_tcp(&b, &th);
	pb_data(&b, ch, sizeof(ch));
	len = pb_finish(&b);
	assert_int_equal(strata_parse(b.d, len, len, &p), STRATA_PARSE_OK);
	assert_int_equal(p.head_len, STRATA_PKT_HEAD);
	assert_memory_equal(p.head, ch, STRATA_PKT_HEAD);
	assert_int_equal(strata_parse(b.d, 40 + 3, len, &p), STRATA_PARSE_OK);
	assert_int_equal(p.head_len, 3);
	assert_memory_equal(p.head, ch, 3);
	assert_int_equal(p.head[3], 0);
	assert_int_equal(strata_parse(b.d, 40, len, &p), STRATA_PARSE_OK);
	assert_int_equal(p.head_len, 0);

	/* A non-first fragment: bytes after the IP header are not a payload head. */
	memset(&b, 0, sizeof(b));
	ip.frag_off = 64;
	ip.proto = 6;
	pb_ip4(&b, &ip);
	pb_data(&b, ch, sizeof(ch));
	len = pb_finish(&b);
	assert_int_equal(strata_parse(b.d, len, len, &p), STRATA_PARSE_OK);
	assert_int_equal(p.head_len, 0);
}

static void test_roll(void **state)
{
	struct strata_mflow before, fresh;
	__u64 ws = strata_window_start(T0, W1S);
	struct conv c;
	int d;

	(void)state;
	conv_init(&c, 0);
	handshake(&c, CI, SI, T0, 1000, 2000);
	tx(&c, 1, CI + 1, SI + 1, PSH | ACK, 502, 100, T0 + 10000);
	/* The server's response is still unacknowledged when the window ends. */
	tx(&c, 0, SI + 1, CI + 101, PSH | ACK, 500, 300, T0 + 20000);
	before = c.mf;
	strata_mflow_roll(&c.mf, ws + W1S);
	/* What outlives the window. */
	assert_true(c.mf.window_start == ws + W1S);
	assert_memory_equal(&c.mf.key, &before.key, sizeof(before.key));
	assert_int_equal(c.mf.initiator, before.initiator);
	assert_int_equal(c.mf.hs, STRATA_HS_DONE);
	assert_true(c.mf.syn_ns == before.syn_ns);
	assert_true(c.mf.synack_ns == before.synack_ns);
	assert_memory_equal(c.mf.tcp, before.tcp, sizeof(before.tcp));
	/* What does not: the window's statistics, as for a new microflow. */
	strata_mflow_init(&fresh, &before.key, ws + W1S);
	for (d = 0; d < 2; d++) {
		struct strata_dir_stats *x = &c.mf.dir[d];

		assert_int_equal(x->packets, 0);
		assert_int_equal(x->bytes, 0);
		assert_int_equal(x->payload_bytes, 0);
		assert_int_equal(x->size.n, 0);
		assert_int_equal(x->size.sum, 0);
		assert_int_equal(x->size.sumsq_lo, 0);
		assert_int_equal(x->iat.n, 0);
		assert_int_equal(x->rtt_hs.n, 0);
		assert_int_equal(x->rtt_hs.sum, 0);
		assert_int_equal(x->rtt_data.n, 0);
		assert_int_equal(x->retrans, 0);
		assert_int_equal(x->out_of_order, 0);
		assert_int_equal(x->zero_window, 0);
		assert_int_equal(x->fragments, 0);
		assert_memory_equal(x->tcp_flags, fresh.dir[d].tcp_flags,
				    sizeof(x->tcp_flags));
	}

	/*
	 * The next window, opened by the server (a pure ACK): the client
	 * stays the initiator; the client's ACK samples the response sent in
	 * the window before; a copy of the client's window-0 data is a
	 * retransmission. Each side's first packet starts a new iat series.
	 */
	tx(&c, 0, SI + 301, CI + 101, ACK, 500, 0, ws + W1S + 100);
	assert_int_equal(c.mf.initiator, c.ci);
	tx(&c, 1, CI + 101, SI + 301, ACK, 502, 0, ws + W1S + 700);
	assert_int_equal(C(&c)->rtt_data.n, 1);
	assert_true(C(&c)->rtt_data.sum == ws + W1S + 700 - (T0 + 20000));
	assert_int_equal(S(&c)->rtt_data.n, 0);
	tx(&c, 1, CI + 1, SI + 301, PSH | ACK, 502, 100, ws + W1S + 800);
	assert_int_equal(C(&c)->retrans, 1);
	assert_int_equal(C(&c)->packets, 2);
	assert_int_equal(C(&c)->iat.n, 1);
	assert_int_equal(C(&c)->iat.sum, 100);
	assert_true(C(&c)->first_ns == ws + W1S + 700);
	assert_int_equal(S(&c)->packets, 1);
	assert_int_equal(S(&c)->iat.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_key_v4),
		cmocka_unit_test(test_flow_key_v6),
		cmocka_unit_test(test_flow_key_distinct),
		cmocka_unit_test(test_window_start),
		cmocka_unit_test(test_stat_add),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_mflow_init),
		cmocka_unit_test(test_bruteforce_udp),
		cmocka_unit_test(test_bruteforce_tcp),
		cmocka_unit_test(test_iat_backwards),
		cmocka_unit_test(test_gso_counts),
		cmocka_unit_test(test_initiator),
		cmocka_unit_test(test_tcp_handshake),
		cmocka_unit_test(test_tcp_rtt_data),
		cmocka_unit_test(test_tcp_retrans_karn),
		cmocka_unit_test(test_tcp_syn_fin_retrans),
		cmocka_unit_test(test_tcp_out_of_order),
		cmocka_unit_test(test_tcp_zero_window),
		cmocka_unit_test(test_tcp_seq_wrap),
		cmocka_unit_test(test_tcp_port_reuse),
		cmocka_unit_test(test_roll),
		cmocka_unit_test(test_txn_exchanges),
		cmocka_unit_test(test_txn_window_roll),
		cmocka_unit_test(test_txn_unanswered),
		cmocka_unit_test(test_txn_first_app),
		cmocka_unit_test(test_txn_first_needs_start),
		cmocka_unit_test(test_txn_port_reuse),
		cmocka_unit_test(test_txn_dns),
		cmocka_unit_test(test_txn_dns_port),
		cmocka_unit_test(test_txn_end),
		cmocka_unit_test(test_txn_merge),
		cmocka_unit_test(test_txn_parse_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
