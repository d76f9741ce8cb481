// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the userspace microflow table: the cap, window rollover and
 * flush through the close callback, the statistics handed out, and the
 * transactions that end without a packet (expiry, the end of the input).
 */
#include <errno.h>

#include "unit.h"
#include "mftable.h"

#define W1S	1000000000ULL
#define WS0	(1700000000ULL * W1S)

/* Everything the close callback saw. */
struct closed {
	struct strata_mflow *mf;
	struct strata_mf_info *info;
	unsigned int n, cap;
	unsigned int empty;	/* microflows handed out without a packet */
};

static void on_close(const struct strata_mflow *mf,
		     const struct strata_mf_info *info, void *arg)
{
	struct closed *c = arg;

	if (!mf->dir[0].packets && !mf->dir[1].packets)
		c->empty++;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->mf = realloc(c->mf, c->cap * sizeof(*c->mf));
		c->info = realloc(c->info, c->cap * sizeof(*c->info));
		assert_non_null(c->mf);
		assert_non_null(c->info);
	}
	c->info[c->n] = *info;
	c->mf[c->n++] = *mf;
}

static void closed_reset(struct closed *c)
{
	free(c->mf);
	free(c->info);
	memset(c, 0, sizeof(*c));
}

/* Conversation @i: 10.x.y.z:(1024 + i % 50000) to 192.0.2.1:53, UDP. */
static void conv_pkt(struct strata_pkt *p, unsigned int i, int reply, __u16 len)
{
	__u8 a[16] = { [10] = 0xff, [11] = 0xff, 10, (__u8)(i >> 16),
		       (__u8)(i >> 8), (__u8)i };
	__u8 b[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };
	__u16 pa = 1024 + i % 50000, pb = 53;

	memset(p, 0, sizeof(*p));
	memcpy(reply ? p->daddr : p->saddr, a, 16);
	memcpy(reply ? p->saddr : p->daddr, b, 16);
	p->sport = reply ? pb : pa;
	p->dport = reply ? pa : pb;
	p->family = 4;
	p->proto = 17;
	p->ttl = 64;
	p->ip_len = 28 + len;
	p->l4_off = 20;
	p->payload_off = 28;
	p->payload_len = len;
	p->flags = STRATA_PKT_L4;
}

static int acct(struct strata_mftable *t, unsigned int i, int reply, __u16 len,
		__u64 ts)
{
	struct strata_pkt p;

	conv_pkt(&p, i, reply, len);
	return strata_mftable_packet(t, &p, ts, 0, STRATA_RING_POS_NONE, NULL);
}

/* The closed microflow of conversation @i (protocol @proto) in window @ws. */
static const struct strata_mflow *find_p(const struct closed *c, unsigned int i,
					 __u64 ws, __u8 proto)
{
	struct strata_flow_key k;
	struct strata_pkt p;
	const struct strata_mflow *hit = NULL;
	unsigned int j;

	conv_pkt(&p, i, 0, 0);
	p.proto = proto;
	strata_flow_key(&p, &k);
	for (j = 0; j < c->n; j++) {
		if (c->mf[j].window_start != ws ||
		    memcmp(&c->mf[j].key, &k, sizeof(k)))
			continue;
		if (hit)
			fail_msg("conversation %u closed twice in window %llu", i,
				 (unsigned long long)ws);
		hit = &c->mf[j];
	}
	return hit;
}

static const struct strata_mflow *find(const struct closed *c, unsigned int i,
				       __u64 ws)
{
	return find_p(c, i, ws, 17);
}

static void stats(struct strata_mftable *t, struct strata_mftable_stats *st)
{
	memset(st, 0xee, sizeof(*st));
	strata_mftable_stats(t, st);
}

static void test_new_invalid(void **state)
{
	(void)state;
	errno = 0;
	assert_null(strata_mftable_new(16, 0, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(strata_mftable_new(0, W1S, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	strata_mftable_free(NULL);
}

static void check_cap(unsigned int cap)
{
	struct strata_mftable_stats st;
	struct strata_mftable *t;
	struct closed c = { 0 };
	unsigned int i;

	t = strata_mftable_new(cap, W1S, on_close, &c);
	assert_non_null(t);
	for (i = 0; i < cap; i++)
		if (acct(t, i, 0, 10, WS0 + i))
			fail_msg("cap %u: conversation %u refused", cap, i);
	/* One more conversation: refused and counted. */
	assert_int_equal(acct(t, cap, 0, 10, WS0 + cap), -ENOSPC);
	assert_int_equal(acct(t, cap + 1, 1, 10, WS0 + cap), -ENOSPC);
	/* Conversations already in the table go on, in both directions. */
	assert_int_equal(acct(t, 0, 1, 10, WS0 + cap + 1), 0);
	assert_int_equal(acct(t, cap - 1, 0, 10, WS0 + cap + 2), 0);
	stats(t, &st);
	assert_int_equal(st.table_full, 2);
	assert_int_equal(st.packets, cap + 2);
	assert_int_equal(st.flows, cap);
	assert_int_equal(st.live, cap);
	assert_int_equal(st.closed, 0);
	assert_int_equal(c.n, 0);

	strata_mftable_flush(t);
	stats(t, &st);
	assert_int_equal(c.n, cap);
	assert_int_equal(st.closed, cap);
	assert_int_equal(st.live, 0);
	/* The refused conversation was not accounted anywhere. */
	assert_null(find(&c, cap, WS0));
	assert_int_equal(find(&c, 0, WS0)->dir[1].packets, 1);
	strata_mftable_free(t);
	closed_reset(&c);
}

static void test_cap(void **state)
{
	(void)state;
	check_cap(1);
	check_cap(5);		/* hashed in 8 slots, still 5 */
	check_cap(64);
	check_cap(1000);
	check_cap(4096);
}

static void test_rollover(void **state)
{
	struct strata_mftable_stats st;
	const struct strata_mflow *mf;
	struct strata_mftable *t;
	struct closed c = { 0 };

	(void)state;
	t = strata_mftable_new(100, W1S, on_close, &c);
	assert_non_null(t);
	/* Window 0: conversation 1 has 2 + 1 packets, conversation 2 one. */
	assert_int_equal(acct(t, 1, 0, 100, WS0 + 10), 0);
	assert_int_equal(acct(t, 1, 1, 300, WS0 + 20), 0);
	assert_int_equal(acct(t, 1, 0, 50, WS0 + 40), 0);
	assert_int_equal(acct(t, 2, 1, 7, WS0 + 999999999), 0);
	assert_int_equal(c.n, 0);

	/* The first packet of window 1 closes both, before it is accounted. */
	assert_int_equal(acct(t, 1, 1, 1, WS0 + W1S), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.empty, 0);
	mf = find(&c, 1, WS0);
	assert_non_null(mf);
	assert_int_equal(mf->initiator, 0);	/* the lower endpoint sent first */
	assert_int_equal(mf->dir[0].packets, 2);
	assert_int_equal(mf->dir[0].bytes, 128 + 78);
	assert_int_equal(mf->dir[0].payload_bytes, 150);
	assert_int_equal(mf->dir[0].iat.n, 1);
	assert_int_equal(mf->dir[0].iat.sum, 30);
	assert_true(mf->dir[0].first_ns == WS0 + 10);
	assert_true(mf->dir[0].last_ns == WS0 + 40);
	assert_int_equal(mf->dir[1].packets, 1);
	assert_int_equal(mf->dir[1].bytes, 328);
	mf = find(&c, 2, WS0);
	assert_non_null(mf);
	/* 10.x is below 192.0.2.1: the reply came from endpoint 1, which
	 * thereby started the conversation. */
	assert_int_equal(mf->dir[1].packets, 1);
	assert_int_equal(mf->dir[0].packets, 0);
	assert_int_equal(mf->initiator, 1);

	stats(t, &st);
	assert_int_equal(st.packets, 5);
	assert_int_equal(st.flows, 3);		/* conversation 1 again in window 1 */
	assert_int_equal(st.closed, 2);
	assert_int_equal(st.table_full, 0);

	strata_mftable_flush(t);
	assert_int_equal(c.n, 3);
	mf = find(&c, 1, WS0 + W1S);
	assert_non_null(mf);
	assert_int_equal(mf->dir[1].packets, 1);
	assert_int_equal(mf->dir[0].packets, 0);
	/* The conversation outlives the window: its initiator is unchanged. */
	assert_int_equal(mf->initiator, 0);
	stats(t, &st);
	assert_int_equal(st.closed, 3);
	assert_int_equal(st.live, 0);
	/* A second flush has nothing to close. */
	strata_mftable_flush(t);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.empty, 0);
	strata_mftable_free(t);
	closed_reset(&c);
}

static void test_rollover_skips_windows(void **state)
{
	const __u64 w60 = 60 * W1S, ws = WS0 / w60 * w60;
	struct strata_mftable *t;
	struct closed c = { 0 };

	(void)state;
	t = strata_mftable_new(16, w60, on_close, &c);
	assert_non_null(t);
	assert_int_equal(acct(t, 1, 0, 1, ws + 59 * W1S), 0);
	/* Five minutes later: the 60 s window the first packet was in closes. */
	assert_int_equal(acct(t, 2, 0, 1, ws + 300 * W1S + 5), 0);
	assert_int_equal(c.n, 1);
	assert_true(c.mf[0].window_start == ws);
	strata_mftable_flush(t);
	assert_int_equal(c.n, 2);
	assert_true(c.mf[1].window_start == ws + 300 * W1S);
	assert_int_equal(c.empty, 0);
	strata_mftable_free(t);
	closed_reset(&c);
}

static void test_late_packet(void **state)
{
	struct strata_mftable_stats st;
	struct strata_mftable *t;
	struct closed c = { 0 };
	unsigned int j;
	__u64 pk = 0;

	(void)state;
	t = strata_mftable_new(16, W1S, on_close, &c);
	assert_non_null(t);
	assert_int_equal(acct(t, 1, 0, 1, WS0 + 900), 0);
	assert_int_equal(acct(t, 1, 0, 1, WS0 + W1S + 5), 0);
	assert_int_equal(c.n, 1);
	/* A capture file's timestamps step back over the boundary: the window
	 * is not reopened, nothing more closes, the packet is not lost. */
	assert_int_equal(acct(t, 1, 1, 1, WS0 + W1S - 5), 0);
	assert_int_equal(acct(t, 3, 1, 1, WS0 + W1S - 3), 0);
	assert_int_equal(c.n, 1);
	strata_mftable_flush(t);
	stats(t, &st);
	assert_int_equal(st.packets, 4);
	for (j = 0; j < c.n; j++)
		pk += c.mf[j].dir[0].packets + c.mf[j].dir[1].packets;
	assert_int_equal(pk, 4);
	strata_mftable_free(t);
	closed_reset(&c);
}

static void test_idle_frees_room(void **state)
{
	struct strata_mftable *t;
	struct closed c = { 0 };
	unsigned int w;

	(void)state;
	/*
	 * A conversation that has sent nothing for a long time must not hold
	 * its place: otherwise a long capture fills the table for good. The
	 * header does not say how long; ten minutes of 1 s windows is long
	 * under any reasonable idle timeout.
	 */
	t = strata_mftable_new(2, W1S, on_close, &c);
	assert_non_null(t);
	assert_int_equal(acct(t, 1, 0, 1, WS0 + 1), 0);
	assert_int_equal(acct(t, 2, 0, 1, WS0 + 2), 0);
	assert_int_equal(acct(t, 3, 0, 1, WS0 + 3), -ENOSPC);
	for (w = 1; w <= 600; w++)
		assert_int_equal(acct(t, 1, 0, 1, WS0 + w * W1S), 0);
	assert_int_equal(acct(t, 3, 0, 1, WS0 + 600 * W1S + 1), 0);
	assert_int_equal(c.empty, 0);
	/* Conversation 1, active in every window, was closed in each. */
	assert_int_equal(c.n, 600 + 1);
	/* And after a flush the table is empty. */
	strata_mftable_flush(t);
	assert_int_equal(acct(t, 4, 0, 1, WS0 + 600 * W1S + 2), 0);
	assert_int_equal(acct(t, 5, 0, 1, WS0 + 600 * W1S + 3), 0);
	assert_int_equal(c.empty, 0);
	strata_mftable_free(t);
	closed_reset(&c);
}

/* A DNS message of conversation @i with id @id: a query, or its answer. */
static int acct_dns(struct strata_mftable *t, unsigned int i, int reply, __u16 id,
		    __u64 ts)
{
	struct strata_pkt p;

	conv_pkt(&p, i, reply, 40);
	p.head_len = STRATA_PKT_HEAD;
	p.head[0] = id >> 8;
	p.head[1] = (__u8)id;
	p.head[2] = reply ? 0x81 : 0x01;
	return strata_mftable_packet(t, &p, ts, 0, STRATA_RING_POS_NONE, NULL);
}

/*
 * A query never answered is given up STRATA_TXN_TIMEOUT_NS later, in a
 * window of its conversation that has no packet: that window is handed
 * out (once), and the idle conversation forgotten only after it. At the
 * end of the input (flush) what is still outstanding counts in the last
 * window. Answered queries are timed.
 */
static void test_txn_expiry(void **state)
{
	const struct strata_mflow *m;
	struct strata_mftable *t;
	struct closed c = { 0 };
	unsigned int w, j, n1 = 0;
	__u64 exp_ws = WS0 + (STRATA_TXN_TIMEOUT_NS / W1S + 1) * W1S;

	(void)state;
	t = strata_mftable_new(16, W1S, on_close, &c);
	assert_non_null(t);
	assert_int_equal(acct_dns(t, 1, 0, 0x1234, WS0 + 100), 0);
	assert_int_equal(acct_dns(t, 2, 0, 7, WS0 + 200), 0);
	assert_int_equal(acct_dns(t, 2, 1, 7, WS0 + 5200), 0);
	/* Conversation 3 keeps the windows rolling for 80 s. */
	for (w = 0; w <= 80; w++)
		assert_int_equal(acct(t, 3, 0, 1, WS0 + w * W1S + 10), 0);

	m = find(&c, 2, WS0);
	assert_non_null(m);
	assert_int_equal(m->txn.dns.n, 1);
	assert_int_equal(m->txn.dns.sum, 5000);
	m = find(&c, 1, WS0);
	assert_non_null(m);
	assert_int_equal(m->txn.dns_queries, 1);
	assert_int_equal(m->txn.dns_unanswered, 0);
	m = find(&c, 1, exp_ws);
	if (!m)
		fail_msg("no window of conversation 1 at its expiry");
	assert_int_equal(m->txn.dns_unanswered, 1);
	assert_int_equal(m->dir[0].packets + m->dir[1].packets, 0);
	for (j = 0; j < c.n; j++) {
		struct strata_flow_key k;
		struct strata_pkt p;

		conv_pkt(&p, 1, 0, 0);
		strata_flow_key(&p, &k);
		n1 += !memcmp(&c.mf[j].key, &k, sizeof(k));
	}
	assert_int_equal(n1, 2);
	assert_int_equal(c.empty, 1);

	/* The end of the input: an outstanding query counts in its last window. */
	assert_int_equal(acct_dns(t, 4, 0, 9, WS0 + 80 * W1S + 500), 0);
	strata_mftable_flush(t);
	m = find(&c, 4, WS0 + 80 * W1S);
	assert_non_null(m);
	assert_int_equal(m->txn.dns_queries, 1);
	assert_int_equal(m->txn.dns_unanswered, 1);
	strata_mftable_free(t);
	closed_reset(&c);
}

static void tcp_pkt(struct strata_pkt *p, int from_cli, __u32 seq, __u32 ack,
		    __u8 flags, __u16 len)
{
	/* Client 10.0.0.9:1033 (endpoint 0), server 192.0.2.1:53. */
	conv_pkt(p, 9, !from_cli, len);
	p->proto = 6;
	p->ip_len = 40 + len;
	p->payload_off = 40;
	p->tcp_seq = seq;
	p->tcp_ack = ack;
	p->tcp_flags = flags;
	p->tcp_window = 1000;
}

static void test_tcp_across_windows(void **state)
{
	const struct strata_mflow *mf;
	struct strata_mftable *t;
	struct closed c = { 0 };
	struct strata_pkt p;
	int ci;

	(void)state;
	t = strata_mftable_new(16, W1S, on_close, &c);
	assert_non_null(t);
	tcp_pkt(&p, 1, 100, 0, STRATA_TCP_SYN, 0);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 1000, 0, STRATA_RING_POS_NONE, NULL), 0);
	tcp_pkt(&p, 0, 900, 101, STRATA_TCP_SYN | STRATA_TCP_ACK, 0);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 2000, 0, STRATA_RING_POS_NONE, NULL), 0);
	tcp_pkt(&p, 1, 101, 901, STRATA_TCP_ACK, 0);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 2500, 0, STRATA_RING_POS_NONE, NULL), 0);
	tcp_pkt(&p, 1, 101, 901, STRATA_TCP_ACK | STRATA_TCP_PSH, 100);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 3000, 0, STRATA_RING_POS_NONE, NULL), 0);
	/* Next window: the server speaks first (its ACK), then the client
	 * sends its window-0 segment again. */
	tcp_pkt(&p, 0, 901, 201, STRATA_TCP_ACK, 0);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + W1S + 100, 0, STRATA_RING_POS_NONE, NULL), 0);
	tcp_pkt(&p, 1, 101, 901, STRATA_TCP_ACK | STRATA_TCP_PSH, 100);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + W1S + 200, 0, STRATA_RING_POS_NONE, NULL), 0);
	strata_mftable_flush(t);

	mf = find_p(&c, 9, WS0, 6);
	assert_non_null(mf);
	ci = mf->initiator;
	assert_int_equal(ci, 0);
	assert_int_equal(mf->dir[ci].packets, 3);
	assert_int_equal(mf->dir[ci].rtt_hs.n, 1);
	assert_int_equal(mf->dir[ci].rtt_hs.sum, 500);
	assert_int_equal(mf->dir[!ci].rtt_hs.sum, 1000);
	assert_int_equal(mf->hs, STRATA_HS_DONE);

	mf = find_p(&c, 9, WS0 + W1S, 6);
	assert_non_null(mf);
	/* The TCP state came along: same initiator, handshake done, the
	 * server's ACK sampled the window-0 data, the copy is a retransmission. */
	assert_int_equal(mf->initiator, ci);
	assert_int_equal(mf->hs, STRATA_HS_DONE);
	assert_int_equal(mf->dir[!ci].rtt_data.n, 1);
	assert_int_equal(mf->dir[!ci].rtt_data.sum, W1S + 100 - 3000);
	assert_int_equal(mf->dir[ci].retrans, 1);
	strata_mftable_free(t);
	closed_reset(&c);
}

/*
 * Many conversations over several windows with a random subset active in
 * each: every conversation is closed exactly once per window it was active
 * in, with its packet count, however the open addressing probes and reuses
 * slots after closes.
 */
static void test_many(void **state)
{
	enum { N = 30000, NWIN = 5 };
	static __u16 count[NWIN][N];
	struct strata_mftable_stats st;
	struct strata_mftable *t;
	struct closed c = { 0 };
	__u64 total = 0, seen = 0;
	struct rng r;
	unsigned int w, i, j;

	(void)state;
	rng_seed(&r, 51);
	memset(count, 0, sizeof(count));
	t = strata_mftable_new(N, W1S, on_close, &c);
	assert_non_null(t);
	for (w = 0; w < NWIN; w++) {
		unsigned int npk = 3 * N;

		for (j = 0; j < npk; j++) {
			/* Skewed: low-numbered conversations are busier; some
			 * windows leave most conversations idle. */
			__u64 x = rng_u64(&r);

			i = (w & 1) ? x % N : (x % N) * (x % N) / N;
			if (acct(t, i, x >> 63, 20, WS0 + w * W1S + j))
				fail_msg("window %u conversation %u refused", w, i);
			count[w][i]++;
			total++;
		}
	}
	strata_mftable_flush(t);
	stats(t, &st);
	assert_int_equal(st.packets, total);
	assert_int_equal(st.table_full, 0);
	assert_int_equal(st.live, 0);
	assert_int_equal(c.empty, 0);
	assert_int_equal(st.closed, c.n);
	for (j = 0; j < c.n; j++) {
		const struct strata_mflow *mf = &c.mf[j];
		__u64 pk = mf->dir[0].packets + mf->dir[1].packets;

		w = (mf->window_start - WS0) / W1S;
		assert_true(w < NWIN);
		/* Which conversation: from the 10.x.y.z address. */
		i = mf->key.addr[0][13] << 16 | mf->key.addr[0][14] << 8 |
		    mf->key.addr[0][15];
		assert_true(i < N);
		if (pk != count[w][i])
			fail_msg("window %u conversation %u: %llu packets, want %u",
				 w, i, (unsigned long long)pk, count[w][i]);
		count[w][i] = 0;	/* a second close would now mismatch */
		seen += pk;
	}
	assert_int_equal(seen, total);
	for (w = 0; w < NWIN; w++)
		for (i = 0; i < N; i++)
			if (count[w][i])
				fail_msg("window %u conversation %u never closed", w, i);
	strata_mftable_free(t);
	closed_reset(&c);
}

static void test_no_callback(void **state)
{
	struct strata_mftable_stats st;
	struct strata_mftable *t;

	(void)state;
	t = strata_mftable_new(4, W1S, NULL, NULL);
	assert_non_null(t);
	assert_int_equal(acct(t, 1, 0, 1, WS0), 0);
	assert_int_equal(acct(t, 2, 0, 1, WS0 + W1S), 0);
	strata_mftable_flush(t);
	stats(t, &st);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.live, 0);
	strata_mftable_free(t);
}

/* Whether packet (@i, @reply, @len) at @ts gets segment hashes. */
static bool seg(struct strata_mftable *t, unsigned int i, int reply, __u16 len,
		__u64 ts)
{
	struct strata_verdict v = { .segments = !len };	/* wrong: the call must set it */
	struct strata_pkt p;

	conv_pkt(&p, i, reply, len);
	assert_int_equal(strata_mftable_packet(t, &p, ts, 0, STRATA_RING_POS_NONE, &v), 0);
	return v.segments;
}

/*
 * The segment budget: the first STRATA_FP_SEG_PACKETS packets with payload
 * of each direction of each window; packets without payload never; a new
 * budget in every window; the count kept in the closed microflow; 0 and
 * STRATA_FP_SEG_ALL; a packet the full table could not account gets none.
 */
static void test_fp_segments(void **state)
{
	struct closed c = { 0 };
	struct strata_mftable *t;
	struct strata_pkt p;
	const struct strata_mflow *mf;
	unsigned int n;
	struct strata_verdict v;

	(void)state;
	assert_int_equal(STRATA_FP_SEG_PACKETS, 4);
	t = strata_mftable_new(2, W1S, on_close, &c);
	assert_non_null(t);
	assert_false(seg(t, 1, 0, 0, WS0));		/* no payload */
	for (n = 0; n < 4; n++) {
		assert_true(seg(t, 1, 0, 100, WS0 + n));
		assert_false(seg(t, 1, 0, 0, WS0 + n));
	}
	assert_false(seg(t, 1, 0, 100, WS0 + 10));	/* budget spent */
	for (n = 0; n < 4; n++)				/* the other direction */
		assert_true(seg(t, 1, 1, 100, WS0 + 20 + n));
	assert_false(seg(t, 1, 1, 100, WS0 + 30));
	assert_true(seg(t, 2, 0, 100, WS0 + 40));	/* another conversation */
	/* Table full: the packet is not accounted and gets no segments. */
	conv_pkt(&p, 3, 0, 100);
	v.segments = true;
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 50, 0, STRATA_RING_POS_NONE, &v),
			 -ENOSPC);
	assert_false(v.segments);
	/* A new window, a new budget. */
	assert_true(seg(t, 1, 0, 100, WS0 + W1S));
	mf = find(&c, 1, WS0);
	assert_non_null(mf);
	assert_int_equal(mf->dir[mf->initiator].fp_segmented, 4);
	assert_int_equal(mf->dir[!mf->initiator].fp_segmented, 4);
	assert_int_equal(mf->dir[mf->initiator].packets, 10);

	strata_mftable_set_fp_segments(t, 0);
	assert_false(seg(t, 2, 0, 100, WS0 + W1S + 1));
	strata_mftable_set_fp_segments(t, STRATA_FP_SEG_ALL);
	for (n = 0; n < 100; n++)
		assert_true(seg(t, 2, 1, 100, WS0 + W1S + 2 + n));
	assert_false(seg(t, 2, 1, 0, WS0 + W1S + 200));
	strata_mftable_free(t);
	closed_reset(&c);
}

/*
 * What the close callback is told beside the microflow: a number in close
 * order from 1, the conversation's hash (the one each packet's verdict
 * gave, in both directions), the window length, and the record positions
 * of the window's first and last packet (none when no packet had one), and
 * the frames' lengths summed per direction.
 */
static void test_close_info(void **state)
{
	struct strata_verdict v0, v1, v2;
	struct closed c = { 0 };
	struct strata_mftable *t;
	struct strata_pkt p;
	unsigned int i;

	(void)state;
	t = strata_mftable_new(16, W1S, on_close, &c);
	assert_non_null(t);
	conv_pkt(&p, 1, 0, 10);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 1, 100, 7, &v0), 0);
	conv_pkt(&p, 1, 1, 10);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 2, 200, 9, &v1), 0);
	conv_pkt(&p, 1, 0, 10);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 3, 300, STRATA_RING_POS_NONE, NULL),
			 0);
	conv_pkt(&p, 1, 0, 10);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 4, 400, 12, NULL), 0);
	conv_pkt(&p, 2, 0, 10);	/* no record position at all */
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + 5, 50, STRATA_RING_POS_NONE, &v2), 0);
	assert_true(v0.key_hash == v1.key_hash);
	assert_true(v0.key_hash != v2.key_hash);
	assert_int_equal(v0.dir, !v1.dir);
	/* The next window closes both; then conversation 1 again. */
	conv_pkt(&p, 1, 0, 10);
	assert_int_equal(strata_mftable_packet(t, &p, WS0 + W1S, 60, 20, NULL), 0);
	strata_mftable_flush(t);
	assert_int_equal(c.n, 3);
	for (i = 0; i < c.n; i++) {
		const struct strata_mf_info *in = &c.info[i];

		assert_true(in->has_seq);
		assert_int_equal(in->seq, i + 1);
		assert_int_equal(in->window_ns, W1S);
		/* Frame lengths sum per direction and window. */
		if (in->key_hash == v2.key_hash) {
			assert_false(in->has_ring);
			assert_int_equal(in->frame_bytes[v2.dir], 50);
			assert_int_equal(in->frame_bytes[!v2.dir], 0);
		} else if (c.mf[i].window_start == WS0) {
			assert_true(in->key_hash == v0.key_hash);
			assert_true(in->has_ring);
			assert_int_equal(in->ring_first, 7);
			assert_int_equal(in->ring_last, 12);
			assert_int_equal(in->frame_bytes[v0.dir], 100 + 300 + 400);
			assert_int_equal(in->frame_bytes[v1.dir], 200);
		} else {
			assert_true(in->has_ring);
			assert_int_equal(in->ring_first, 20);
			assert_int_equal(in->ring_last, 20);
			assert_int_equal(in->frame_bytes[v0.dir], 60);
			assert_int_equal(in->frame_bytes[v1.dir], 0);
		}
	}
	strata_mftable_free(t);
	closed_reset(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_invalid),
		cmocka_unit_test(test_close_info),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_rollover),
		cmocka_unit_test(test_rollover_skips_windows),
		cmocka_unit_test(test_late_packet),
		cmocka_unit_test(test_idle_frees_room),
		cmocka_unit_test(test_tcp_across_windows),
		cmocka_unit_test(test_txn_expiry),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_no_callback),
		cmocka_unit_test(test_fp_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
