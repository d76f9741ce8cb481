// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of stitching: paths seen at several sensors, NAT, payloads shared
 * by other conversations, orientation, order independence, scale, and the
 * macroflow roll-up and application names.
 */
#include <errno.h>

#include "central_build.h"

/* A sensor's clock error. */
#define SKEW	1000000ULL

/* A sensor whose clock is @ns behind. */
static void skew(struct strata_lflow *lf, __u64 ns)
{
	int d;
	__u32 i;

	for (d = 0; d < 2; d++) {
		lf->f.dir[d].first_ns -= ns;
		lf->f.dir[d].last_ns -= ns;
		for (i = 0; i < lf->nfp[d]; i++)
			lf->fp[d][i].ts_ns -= ns;
	}
}

/*
 * Direction @o (0 requests, 1 replies) of a location flow moved @ns later:
 * its times and its sample's.
 */
static void shift_dir(struct strata_lflow *lf, int o, __u64 ns)
{
	int e = o ? !lf->f.initiator : lf->f.initiator;
	__u32 i;

	if (lf->f.dir[e].packets) {
		lf->f.dir[e].first_ns += ns;
		lf->f.dir[e].last_ns += ns;
	}
	for (i = 0; i < lf->nfp[e]; i++)
		lf->fp[e][i].ts_ns += ns;
}

/* ---- collecting the output ---- */

struct out {
	struct strata_cflow *c;
	size_t n;
	size_t cap;
};

static int collect(const struct strata_cflow *c, void *arg)
{
	struct out *o = arg;

	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 16;
		o->c = realloc(o->c, o->cap * sizeof(*o->c));
		assert_non_null(o->c);
	}
	o->c[o->n++] = *c;
	return 0;
}

static void stitch(const struct strata_lflow *lf, size_t n, struct out *o)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	assert_int_equal(strata_stitch(lf, n, collect, o), 0);
	/* Numbered from 0, in the order given. */
	for (i = 0; i < o->n; i++)
		assert_int_equal(o->c[i].seq, i);
}

static void shuffle(struct strata_lflow *lf, size_t n, struct rng *r)
{
	struct strata_lflow t;
	size_t i, j;

	for (i = n; i > 1; i--) {
		j = rng_range(r, 0, i - 1);
		t = lf[i - 1];
		lf[i - 1] = lf[j];
		lf[j] = t;
	}
}

static void assert_key_oriented(const struct strata_flow_key *k,
				const struct ep *cli, const struct ep *srv)
{
	assert_memory_equal(k->addr[0], cli->addr, 16);
	assert_memory_equal(k->addr[1], srv->addr, 16);
	assert_int_equal(k->port[0], cli->port);
	assert_int_equal(k->port[1], srv->port);
	assert_int_equal(k->pad, 0);
}

/* ---- one path ---- */

/*
 * Client, router, server side: sensors 7, 3 and 5 in path order, given in
 * another order. The router drops 3 requests, the client side misses 2
 * replies the router forwarded.
 */
static void test_path_same_key(void **state)
{
	static const __u32 sensor[3] = { 7, 3, 5 };
	static const __u64 fwd_pk[3] = { 100, 97, 97 }, rev_pk[3] = { 78, 80, 80 };
	struct strata_lflow lf[3];
	struct conv cv;
	struct out o;
	struct rng r;
	int i, d;

	(void)state;
	rng_seed(&r, 1);
	conv_init(&cv, &r, 6);
	for (i = 0; i < 3; i++) {
		cv.packets[0] = fwd_pk[i];
		cv.packets[1] = rev_pk[i];
		mklf(&lf[(i + 1) % 3], &cv, sensor[i], i, 3);
	}
	stitch(lf, 3, &o);
	assert_int_equal(o.n, 1);
	assert_true(o.c[0].window_start == WIN);
	assert_int_equal(o.c[0].nhops, 3);
	assert_int_equal(o.c[0].more_hops, 0);
	assert_key_oriented(&o.c[0].key, &cv.cli, &cv.srv);
	assert_int_equal(o.c[0].key.proto, 6);
	assert_int_equal(o.c[0].key.family, 4);
	assert_memory_equal(o.c[0].server, cv.srv.addr, 16);
	assert_int_equal(o.c[0].server_port, 80);
	for (i = 0; i < 3; i++) {
		const struct strata_hop *h = &o.c[0].hop[i];

		assert_int_equal(h->sensor, sensor[i]);
		assert_int_equal(h->matched, i ? STRATA_MATCH_KEY : STRATA_MATCH_FIRST);
		/* The key as the sensor has it, and the client's end of it. */
		assert_memory_equal(&h->key, &lf[0].f.key, sizeof(h->key));
		assert_memory_equal(h->key.addr[h->client], cv.cli.addr, 16);
		assert_int_equal(h->packets[0], fwd_pk[i]);
		assert_int_equal(h->packets[1], rev_pk[i]);
		assert_int_equal(h->bytes[0], fwd_pk[i] * 100);
		assert_int_equal(h->ttl[0], 64 - i);
		assert_int_equal(h->ttl[1], 64 - (2 - i));
		assert_true(h->first_ns == T0 + (__u64)i * DELAY);
		assert_true(h->last_ns == T0 + THINK + (__u64)(2 - i) * DELAY + W1S);
		if (!i) {
			for (d = 0; d < 2; d++) {
				assert_true(h->delay_ns[d] == STRATA_DELAY_NONE);
				assert_int_equal(h->delay_n[d], 0);
				assert_int_equal(h->lost[d], 0);
			}
			continue;
		}
		for (d = 0; d < 2; d++) {
			assert_int_equal(h->delay_ns[d], DELAY);
			assert_int_equal(h->delay_n[d], STRATA_FP_SAMPLE);
		}
	}
	assert_int_equal(o.c[0].hop[1].lost[0], 3);
	assert_int_equal(o.c[0].hop[1].lost[1], 2);
	assert_int_equal(o.c[0].hop[2].lost[0], 0);
	assert_int_equal(o.c[0].hop[2].lost[1], 0);
	free(o.c);

	/*
	 * The server side's clock is 1 ms behind: it seems to see everything
	 * first, but the TTLs still put it last, and its delays show the skew.
	 */
	skew(&lf[0], SKEW);
	stitch(lf, 3, &o);
	assert_int_equal(o.n, 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(o.c[0].hop[i].sensor, sensor[i]);
	assert_true(o.c[0].hop[2].first_ns < o.c[0].hop[0].first_ns);
	assert_int_equal(o.c[0].hop[2].delay_ns[0], (__s64)DELAY - (__s64)SKEW);
	assert_int_equal(o.c[0].hop[2].delay_ns[1], (__s64)DELAY + (__s64)SKEW);
	free(o.c);
}

/*
 * The delay is the lower median over the shared fingerprints only: the
 * second location saw 4 of the first's requests (10, 20, 30 and 40 us
 * later) and 3 of its replies (sent 1, 3 and 5 us before).
 */
static void test_delay_median(void **state)
{
	static const __s64 fwd_dt[4] = { 40000, 10000, 30000, 20000 };
	static const __s64 rev_dt[3] = { 5000, 1000, 3000 };
	struct strata_lflow lf[2];
	struct conv cv;
	struct out o;
	struct rng r;
	int c, i;

	(void)state;
	rng_seed(&r, 2);
	conv_init(&cv, &r, 6);
	mklf(&lf[0], &cv, 1, 0, 2);
	mklf(&lf[1], &cv, 2, 1, 2);
	c = lf[0].f.initiator;
	for (i = 0; i < 4; i++)
		lf[1].fp[c][i].ts_ns = lf[0].fp[c][i].ts_ns + (__u64)fwd_dt[i];
	for (i = 0; i < 3; i++)
		lf[1].fp[!c][i].ts_ns = lf[0].fp[!c][i].ts_ns - (__u64)rev_dt[i];
	/* The others were not seen at the second location: other hashes. */
	for (i = 4; i < STRATA_FP_SAMPLE; i++)
		lf[1].fp[c][i].hash = ~0ULL - (__u64)(STRATA_FP_SAMPLE - i);
	for (i = 3; i < STRATA_FP_SAMPLE; i++)
		lf[1].fp[!c][i].hash = ~0ULL - (__u64)(STRATA_FP_SAMPLE - i);
	stitch(lf, 2, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].hop[1].delay_n[0], 4);
	assert_int_equal(o.c[0].hop[1].delay_ns[0], 20000);
	assert_int_equal(o.c[0].hop[1].delay_n[1], 3);
	assert_int_equal(o.c[0].hop[1].delay_ns[1], 3000);
	free(o.c);

	/* A sample not in hash order is not used: no delay from it. */
	lf[1].fp[c][0].hash = ~0ULL;
	stitch(lf, 2, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].hop[1].delay_n[0], 0);
	assert_true(o.c[0].hop[1].delay_ns[0] == STRATA_DELAY_NONE);
	assert_int_equal(o.c[0].hop[1].delay_n[1], 3);
	free(o.c);
}

/*
 * Behind the third sensor the conversation is masqueraded and forwarded:
 * another client address and port, another server address and port.
 */
static void test_nat(void **state)
{
	struct strata_lflow lf[3];
	struct strata_flow_key post;
	struct conv cv, nat;
	struct out o;
	struct rng r;

	(void)state;
	rng_seed(&r, 3);
	conv_init(&cv, &r, 6);
	ep4(&cv.srv, 203, 0, 113, 5, 443);
	mklf(&lf[0], &cv, 1, 0, 3);
	mklf(&lf[1], &cv, 2, 1, 3);
	nat = cv;
	ep4(&nat.cli, 198, 51, 100, 1, 61000);
	ep4(&nat.srv, 172, 16, 0, 5, 8443);
	mklf(&lf[2], &nat, 3, 2, 3);
	post = lf[2].f.key;
	stitch(lf, 3, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 3);
	assert_int_equal(o.c[0].hop[1].matched, STRATA_MATCH_KEY);
	assert_int_equal(o.c[0].hop[2].matched, STRATA_MATCH_FP);
	assert_int_equal(o.c[0].hop[2].sensor, 3);
	assert_memory_equal(&o.c[0].hop[2].key, &post, sizeof(post));
	/* The client's view, and the server after the NAT. */
	assert_key_oriented(&o.c[0].key, &cv.cli, &cv.srv);
	assert_memory_equal(o.c[0].server, nat.srv.addr, 16);
	assert_int_equal(o.c[0].server_port, 8443);
	assert_int_equal(o.c[0].hop[2].delay_ns[0], DELAY);
	assert_int_equal(o.c[0].hop[2].delay_ns[1], DELAY);
	free(o.c);

	/* Only the pre- and post-NAT locations: matched by fingerprint alone. */
	stitch(&lf[1], 2, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 2);
	assert_int_equal(o.c[0].hop[0].sensor, 2);
	assert_int_equal(o.c[0].hop[1].matched, STRATA_MATCH_FP);
	free(o.c);

	/* Another protocol never matches, whatever the payloads. */
	nat.proto = 17;
	mklf(&lf[2], &nat, 3, 2, 3);
	stitch(&lf[1], 2, &o);
	assert_int_equal(o.n, 2);
	free(o.c);
}

/* ---- a location that rewrites the conversation ---- */

/* The VM lab's sensors (tests/e2e/lab.sh), numbered out of path order. */
#define S_CLIENT	9
#define S_ROUTER	4
#define S_SERVER	6

/*
 * The VM lab's masqueraded conversation: 10.1.0.2:40000 to 10.2.0.2:8080
 * at the client (lf[0]); the router's hook comes before conntrack, so it
 * sees the requests under the client's key (lf[1]) and the replies under
 * the masqueraded one, 10.2.0.1:40000 (lf[2]); the server sees the latter
 * (lf[3]). @pk: per location (client, router, server), packets each way.
 */
static void lab_nat(struct strata_lflow lf[4], struct conv *cv, struct conv *nat,
		    const __u64 pk[3][2])
{
	struct rng r;

	rng_seed(&r, 13);
	conv_init(cv, &r, 6);
	ep4(&cv->cli, 10, 1, 0, 2, 40000);
	ep4(&cv->srv, 10, 2, 0, 2, 8080);
	*nat = *cv;
	ep4(&nat->cli, 10, 2, 0, 1, 40000);
	cv->packets[0] = pk[0][0];
	cv->packets[1] = pk[0][1];
	mklf(&lf[0], cv, S_CLIENT, 0, 3);
	cv->packets[0] = pk[1][0];
	cv->packets[1] = pk[1][1];
	mklf(&lf[1], cv, S_ROUTER, 1, 3);
	keep_dir(&lf[1], 0);
	nat->packets[0] = pk[1][0];
	nat->packets[1] = pk[1][1];
	mklf(&lf[2], nat, S_ROUTER, 1, 3);
	keep_dir(&lf[2], 1);
	nat->packets[0] = pk[2][0];
	nat->packets[1] = pk[2][1];
	mklf(&lf[3], nat, S_SERVER, 2, 3);
	cv->packets[0] = nat->packets[0] = 100;
	cv->packets[1] = nat->packets[1] = 80;
}

/* Every order of the four location flows stitches as @ref. */
static void assert_every_order(const struct strata_lflow lf[4], const struct out *ref)
{
	static const int perm[24][4] = {
		{0,1,2,3},{0,1,3,2},{0,2,1,3},{0,2,3,1},{0,3,1,2},{0,3,2,1},
		{1,0,2,3},{1,0,3,2},{1,2,0,3},{1,2,3,0},{1,3,0,2},{1,3,2,0},
		{2,0,1,3},{2,0,3,1},{2,1,0,3},{2,1,3,0},{2,3,0,1},{2,3,1,0},
		{3,0,1,2},{3,0,2,1},{3,1,0,2},{3,1,2,0},{3,2,0,1},{3,2,1,0},
	};
	struct strata_lflow p[4];
	struct out o;
	int i, j;

	for (i = 0; i < 24; i++) {
		for (j = 0; j < 4; j++)
			p[j] = lf[perm[i][j]];
		stitch(p, 4, &o);
		assert_int_equal(o.n, ref->n);
		assert_memory_equal(o.c, ref->c, o.n * sizeof(*o.c));
		free(o.c);
	}
}

/*
 * The router is one location: one hop between the client and the server,
 * with every packet it saw, both its keys, and delays and losses measured
 * from the client to it and from it to the server, never between its two
 * views. Nothing was lost.
 */
static void test_nat_router(void **state)
{
	static const __u64 pk[3][2] = { { 100, 80 }, { 100, 80 }, { 100, 80 } };
	static const __u32 sensor[3] = { S_CLIENT, S_ROUTER, S_SERVER };
	struct strata_macroflow m;
	struct strata_lflow lf[4];
	const struct strata_hop *h;
	struct conv cv, nat;
	struct out o;
	int i, d;

	(void)state;
	lab_nat(lf, &cv, &nat, pk);
	stitch(lf, 4, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 3);
	assert_int_equal(o.c[0].more_hops, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(o.c[0].hop[i].sensor, sensor[i]);
	assert_key_oriented(&o.c[0].key, &cv.cli, &cv.srv);
	assert_memory_equal(o.c[0].server, nat.srv.addr, 16);
	assert_int_equal(o.c[0].server_port, 8080);

	/* The router: its requests' key first, the masqueraded one second. */
	h = &o.c[0].hop[1];
	assert_int_equal(h->matched, STRATA_MATCH_KEY);
	assert_int_equal(h->nkeys, 2);
	assert_memory_equal(&h->key, &lf[1].f.key, sizeof(h->key));
	assert_memory_equal(h->key.addr[h->client], cv.cli.addr, 16);
	assert_memory_equal(&h->key2, &lf[2].f.key, sizeof(h->key2));
	assert_memory_equal(h->key2.addr[h->client2], nat.cli.addr, 16);
	assert_int_equal(h->key2.port[h->client2], 40000);
	/* What it saw: the requests of one view, the replies of the other. */
	assert_int_equal(h->packets[0], 100);
	assert_int_equal(h->packets[1], 80);
	assert_int_equal(h->bytes[0], 100 * 100);
	assert_int_equal(h->bytes[1], 80 * 100);
	assert_int_equal(h->ttl[0], 63);
	assert_int_equal(h->ttl[1], 63);
	assert_true(h->first_ns == T0 + DELAY);
	assert_true(h->last_ns == T0 + THINK + DELAY + W1S);

	/* The server: joined by fingerprints, its own key only. */
	h = &o.c[0].hop[2];
	assert_int_equal(h->matched, STRATA_MATCH_FP);
	assert_int_equal(h->nkeys, 1);
	assert_int_equal(h->key2.family, 0);
	assert_memory_equal(&h->key, &lf[3].f.key, sizeof(h->key));
	assert_int_equal(o.c[0].hop[0].nkeys, 1);

	for (i = 1; i < 3; i++) {
		h = &o.c[0].hop[i];
		for (d = 0; d < 2; d++) {
			assert_int_equal(h->delay_ns[d], DELAY);
			assert_int_equal(h->delay_n[d], STRATA_FP_SAMPLE);
			assert_int_equal(h->lost[d], 0);
		}
	}
	memset(&m, 0, sizeof(m));
	strata_macro_add(&m, &o.c[0]);
	assert_int_equal(m.hops, 3);
	assert_int_equal(m.lost[0], 0);
	assert_int_equal(m.lost[1], 0);
	assert_int_equal(m.delay.n, 1);
	assert_int_equal(m.delay.sum, 2 * DELAY);
	assert_every_order(lf, &o);
	free(o.c);

	/* Only the router's two views: one location, not a path of two. */
	stitch(&lf[1], 2, &o);
	assert_int_equal(o.n, 2);
	free(o.c);
	stitch(&lf[1], 3, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 2);
	assert_int_equal(o.c[0].hop[0].sensor, S_ROUTER);
	assert_int_equal(o.c[0].hop[0].nkeys, 2);
	assert_int_equal(o.c[0].hop[1].lost[0], 0);
	assert_int_equal(o.c[0].hop[1].lost[1], 0);
	free(o.c);
}

/*
 * Real losses around the masquerading router stay where they happened: a
 * request that reached the router but not the server (lost behind the
 * router), two replies that the router forwarded and the client never got
 * (lost between them).
 */
/*
 * The router's two halves are one location even with no sensor on the
 * client's side to bring them together: the replies' key is joined to the
 * server's by key, the requests' half to the server's by fingerprints.
 */
static void test_nat_router_no_client(void **state)
{
	static const __u64 pk[3][2] = { { 100, 80 }, { 100, 80 }, { 100, 80 } };
	struct strata_lflow lf[4];
	struct conv cv, nat;
	struct out o;

	(void)state;
	lab_nat(lf, &cv, &nat, pk);
	stitch(lf + 1, 3, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 2);
	assert_int_equal(o.c[0].hop[0].sensor, S_ROUTER);
	assert_int_equal(o.c[0].hop[0].nkeys, 2);
	assert_int_equal(o.c[0].hop[0].packets[0], 100);
	assert_int_equal(o.c[0].hop[0].packets[1], 80);
	assert_int_equal(o.c[0].hop[1].sensor, S_SERVER);
	assert_int_equal(o.c[0].hop[1].lost[0], 0);
	assert_int_equal(o.c[0].hop[1].lost[1], 0);
	free(o.c);
}

/*
 * Two clients send the same requests to one server and get the same
 * replies (the same payload hashes), and three sensors see both: two
 * connected flows, each of three locations, not one joined by its
 * fingerprints (each sensor saw both conversations under their own keys).
 */
static void test_twins(void **state)
{
	static const __u32 sensor[3] = { S_CLIENT, S_ROUTER, S_SERVER };
	struct strata_lflow lf[6];
	struct conv a, b;
	struct rng r;
	struct out o;
	int i, k;

	(void)state;
	rng_seed(&r, 21);
	conv_init(&a, &r, 6);
	ep4(&a.cli, 10, 1, 0, 2, 40000);
	ep4(&a.srv, 10, 2, 0, 2, 443);
	b = a;
	ep4(&b.cli, 10, 1, 0, 3, 40001);
	for (i = 0; i < 3; i++) {
		mklf(&lf[i], &a, sensor[i], i, 3);
		mklf(&lf[3 + i], &b, sensor[i], i, 3);
	}
	stitch(lf, 6, &o);
	assert_int_equal(o.n, 2);
	for (k = 0; k < 2; k++) {
		assert_int_equal(o.c[k].nhops, 3);
		for (i = 0; i < 3; i++) {
			assert_int_equal(o.c[k].hop[i].sensor, sensor[i]);
			assert_int_equal(o.c[k].hop[i].nkeys, 1);
			assert_int_equal(o.c[k].hop[i].packets[0], a.packets[0]);
			assert_int_equal(o.c[k].hop[i].lost[0], 0);
		}
	}
	free(o.c);
}

static void test_nat_router_loss(void **state)
{
	static const __u64 pk[3][2] = { { 100, 78 }, { 100, 80 }, { 99, 80 } };
	struct strata_macroflow m;
	struct strata_lflow lf[4];
	struct conv cv, nat;
	struct out o;

	(void)state;
	lab_nat(lf, &cv, &nat, pk);
	stitch(lf, 4, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 3);
	assert_int_equal(o.c[0].hop[1].sensor, S_ROUTER);
	assert_int_equal(o.c[0].hop[1].packets[0], 100);
	assert_int_equal(o.c[0].hop[1].packets[1], 80);
	assert_int_equal(o.c[0].hop[1].lost[0], 0);
	assert_int_equal(o.c[0].hop[1].lost[1], 2);
	assert_int_equal(o.c[0].hop[2].lost[0], 1);
	assert_int_equal(o.c[0].hop[2].lost[1], 0);
	memset(&m, 0, sizeof(m));
	strata_macro_add(&m, &o.c[0]);
	assert_int_equal(m.lost[0], 1);
	assert_int_equal(m.lost[1], 2);
	assert_every_order(lf, &o);
	free(o.c);
}

/*
 * A proxy at the middle location: it received every payload under one key
 * and sent it on under the other (both views hold both directions). It
 * counts the packets of each direction once, not twice, and its delays run
 * from when a payload reached it to when it left it.
 */
#define PROXY	500000ULL

/* Transaction timing of @n requests answered after @ttfb ns each, and @dns ns. */
static void txn_mk(struct strata_txn_stats *t, unsigned int n, __u64 ttfb, __u64 dns)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++)
		strata_stat_add(&t->ttfb, ttfb + i * 100);
	t->requests = n + 1;	/* one unanswered */
	if (dns) {
		strata_stat_add(&t->dns, dns);
		t->dns_queries = 2;
		t->dns_unanswered = 1;
	}
	t->app = STRATA_TXN_APP_HTTP;
}

static void test_proxy(void **state)
{
	static const __u64 pk[3][2] = { { 100, 80 }, { 100, 80 }, { 100, 80 } };
	struct strata_macroflow m;
	struct strata_lflow lf[4];
	const struct strata_hop *h;
	struct conv cv, nat;
	struct out o;
	__u32 i;
	int d, c;

	(void)state;
	lab_nat(lf, &cv, &nat, pk);
	mklf(&lf[1], &cv, S_ROUTER, 1, 3);
	mklf(&lf[2], &nat, S_ROUTER, 1, 3);
	/*
	 * What each measured: the client waits longest; the proxy answers
	 * its client (two requests) and waits for the server (one, and a
	 * DNS lookup); the server's own time is the shortest.
	 */
	txn_mk(&lf[0].f.txn, 1, 2000, 0);
	txn_mk(&lf[1].f.txn, 2, 1500, 0);
	txn_mk(&lf[2].f.txn, 1, 900, 50);
	txn_mk(&lf[3].f.txn, 1, 800, 0);
	/* It answers the client and calls the server PROXY after it heard. */
	shift_dir(&lf[0], 1, PROXY);
	shift_dir(&lf[1], 1, PROXY);
	shift_dir(&lf[2], 0, PROXY);
	shift_dir(&lf[3], 0, PROXY);
	stitch(lf, 4, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 3);
	h = &o.c[0].hop[1];
	assert_int_equal(h->sensor, S_ROUTER);
	assert_int_equal(h->nkeys, 2);
	assert_int_equal(h->packets[0], 100);
	assert_int_equal(h->packets[1], 80);
	assert_int_equal(h->bytes[0], 100 * 100);
	for (i = 1; i < 3; i++)
		for (d = 0; d < 2; d++) {
			assert_int_equal(o.c[0].hop[i].delay_ns[d], DELAY);
			assert_int_equal(o.c[0].hop[i].lost[d], 0);
		}
	/* Each location's own; the proxy's two connections add up. */
	assert_memory_equal(&o.c[0].hop[0].txn, &lf[0].f.txn, sizeof(lf[0].f.txn));
	assert_memory_equal(&o.c[0].hop[2].txn, &lf[3].f.txn, sizeof(lf[3].f.txn));
	assert_int_equal(h->txn.ttfb.n, 3);
	assert_int_equal(h->txn.ttfb.sum, 1500 + 1600 + 900);
	assert_int_equal(h->txn.ttfb.sumsq_lo, 1500 * 1500 + 1600 * 1600 + 900 * 900);
	assert_int_equal(h->txn.ttfb.min, 900);
	assert_int_equal(h->txn.ttfb.max, 1600);
	assert_int_equal(h->txn.requests, 3 + 2);
	assert_int_equal(h->txn.dns.n, 1);
	assert_int_equal(h->txn.dns.sum, 50);
	assert_int_equal(h->txn.dns_queries, 2);
	assert_int_equal(h->txn.dns_unanswered, 1);
	/* The macroflow: the server's location, not the client's. */
	memset(&m, 0, sizeof(m));
	strata_macro_add(&m, &o.c[0]);
	assert_int_equal(m.txn.ttfb.n, 1);
	assert_int_equal(m.txn.ttfb.sum, 800);
	assert_int_equal(m.txn.requests, 2);
	assert_int_equal(m.txn.dns_queries, 0);
	assert_int_equal(m.txn.app, 0);
	assert_every_order(lf, &o);
	free(o.c);

	/*
	 * It reframed what it sent on (no payload in common with what it
	 * received), at the same time: still the same packets, counted once.
	 * The upstream leg joins by its key at the server, the server by the
	 * payloads the client sent.
	 */
	c = lf[2].f.initiator;
	for (d = 0; d < 2; d++)
		for (i = 0; i < lf[2].nfp[d]; i++)
			lf[2].fp[d][i].hash = (~0ULL - 2 * STRATA_FP_SAMPLE) + (__u64)(d * STRATA_FP_SAMPLE + i);
	lf[2].f.dir[c].packets = 90;
	stitch(lf, 4, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 3);
	h = &o.c[0].hop[1];
	assert_int_equal(h->nkeys, 2);
	assert_int_equal(h->packets[0], 100);
	assert_int_equal(h->packets[1], 80);
	free(o.c);
}

/*
 * The masquerading router's mapping changed in the middle of the window
 * (the conversation was quiet past conntrack's timeout): the replies come
 * under two masqueraded keys, one after the other, at the router and the
 * server. Different packets: they add up.
 */
static void test_nat_remap(void **state)
{
	struct strata_lflow lf[6];
	struct conv cv, a, b;
	const struct strata_hop *h;
	struct out o;
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 14);
	conv_init(&cv, &r, 17);
	ep4(&cv.cli, 10, 1, 0, 2, 40000);
	ep4(&cv.srv, 10, 2, 0, 2, 53);
	mklf(&lf[0], &cv, S_CLIENT, 0, 3);
	mklf(&lf[1], &cv, S_ROUTER, 1, 3);
	keep_dir(&lf[1], 0);
	/* The first half of the payloads before the change, the rest after. */
	a = b = cv;
	ep4(&a.cli, 10, 2, 0, 1, 40000);
	ep4(&b.cli, 10, 2, 0, 1, 40001);
	a.nh[0] = a.nh[1] = b.nh[0] = b.nh[1] = STRATA_FP_SAMPLE / 2;
	for (i = 0; i < STRATA_FP_SAMPLE / 2; i++) {
		b.hash[0][i] = cv.hash[0][STRATA_FP_SAMPLE / 2 + i];
		b.hash[1][i] = cv.hash[1][STRATA_FP_SAMPLE / 2 + i];
	}
	a.packets[0] = 60;
	a.packets[1] = 50;
	b.packets[0] = 40;
	b.packets[1] = 30;
	conv_at(&b, WIN);
	b.t0 += 20 * W1S;
	mklf(&lf[2], &a, S_ROUTER, 1, 3);
	keep_dir(&lf[2], 1);
	mklf(&lf[3], &b, S_ROUTER, 1, 3);
	keep_dir(&lf[3], 1);
	mklf(&lf[4], &a, S_SERVER, 2, 3);
	mklf(&lf[5], &b, S_SERVER, 2, 3);
	stitch(lf, 6, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 3);
	h = &o.c[0].hop[1];
	assert_int_equal(h->sensor, S_ROUTER);
	assert_int_equal(h->nkeys, 3);
	assert_memory_equal(&h->key, &lf[1].f.key, sizeof(h->key));
	assert_memory_equal(&h->key2, &lf[2].f.key, sizeof(h->key2));
	assert_int_equal(h->packets[0], 100);
	assert_int_equal(h->packets[1], 80);
	h = &o.c[0].hop[2];
	assert_int_equal(h->sensor, S_SERVER);
	assert_int_equal(h->nkeys, 2);
	assert_int_equal(h->packets[0], 100);
	assert_int_equal(h->packets[1], 80);
	for (i = 1; i < 3; i++) {
		assert_int_equal(o.c[0].hop[i].lost[0], 0);
		assert_int_equal(o.c[0].hop[i].lost[1], 0);
	}
	free(o.c);
}

/* ---- what must stay apart ---- */

static void test_one_shared_payload(void **state)
{
	struct strata_lflow lf[4];
	struct conv a, b;
	struct out o;
	struct rng r;

	(void)state;
	rng_seed(&r, 4);
	conv_init(&a, &r, 6);
	conv_init(&b, &r, 6);
	ep4(&b.cli, 10, 0, 0, 2, 40001);
	ep4(&b.srv, 192, 0, 2, 11, 80);
	/* The same request, the rest different. */
	b.hash[0][3] = a.hash[0][5];
	mklf(&lf[0], &a, 1, 0, 1);
	mklf(&lf[1], &b, 2, 0, 1);
	stitch(lf, 2, &o);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.c[0].nhops, 1);
	assert_int_equal(o.c[1].nhops, 1);
	free(o.c);

	/* Sampled once each, the one shared payload is all there is to go by. */
	a.nh[0] = b.nh[0] = 1;
	a.nh[1] = b.nh[1] = 0;
	b.hash[0][0] = a.hash[0][0];
	mklf(&lf[0], &a, 1, 0, 2);
	mklf(&lf[1], &b, 2, 1, 2);
	stitch(lf, 2, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].hop[1].matched, STRATA_MATCH_FP);
	free(o.c);

	/*
	 * Two conversations with the same request and the same response, each
	 * seen before (sensor 1) and after (sensor 2) a NAT: each pairs with
	 * its own copy, which shares every payload, not the other's two.
	 */
	conv_init(&a, &r, 6);
	conv_init(&b, &r, 6);
	ep4(&b.cli, 10, 0, 0, 2, 40001);
	b.hash[0][0] = a.hash[0][0];
	b.hash[1][0] = a.hash[1][0];
	mklf(&lf[0], &a, 1, 0, 2);
	mklf(&lf[1], &b, 1, 0, 2);
	ep4(&a.cli, 198, 51, 100, 1, 61000);
	ep4(&b.cli, 198, 51, 100, 1, 61001);
	mklf(&lf[2], &a, 2, 1, 2);
	mklf(&lf[3], &b, 2, 1, 2);
	stitch(lf, 4, &o);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.c[0].nhops, 2);
	assert_int_equal(o.c[0].key.port[0], 40000);
	assert_int_equal(o.c[0].hop[1].key.port[1], 61000);
	assert_int_equal(o.c[1].nhops, 2);
	assert_int_equal(o.c[1].key.port[0], 40001);
	assert_int_equal(o.c[1].hop[1].key.port[1], 61001);
	free(o.c);
}

static void test_no_fingerprints(void **state)
{
	struct strata_lflow lf[3];
	struct conv a, b;
	struct out o;
	struct rng r;

	(void)state;
	rng_seed(&r, 5);
	conv_init(&a, &r, 6);
	a.nh[0] = a.nh[1] = 0;
	b = a;
	ep4(&b.cli, 198, 51, 100, 1, 61000);
	mklf(&lf[0], &a, 1, 0, 2);
	mklf(&lf[1], &b, 2, 1, 2);
	stitch(lf, 2, &o);
	assert_int_equal(o.n, 2);
	free(o.c);

	/* One key twice at one sensor: not joined to each other... */
	mklf(&lf[1], &a, 1, 0, 2);
	lf[1].f.microflows = 2;
	stitch(lf, 2, &o);
	assert_int_equal(o.n, 2);
	free(o.c);
	/*
	 * ...but both join a third location that has the key too, and are
	 * then one location: one hop, its packets seen once, not twice.
	 */
	mklf(&lf[2], &a, 2, 1, 2);
	stitch(lf, 3, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, 2);
	assert_int_equal(o.c[0].hop[0].sensor, 1);
	assert_int_equal(o.c[0].hop[0].nkeys, 1);
	assert_int_equal(o.c[0].hop[0].key2.family, 0);
	assert_int_equal(o.c[0].hop[0].packets[0], a.packets[0]);
	assert_int_equal(o.c[0].hop[0].packets[1], a.packets[1]);
	assert_int_equal(o.c[0].hop[1].sensor, 2);
	assert_int_equal(o.c[0].hop[1].lost[0], 0);
	assert_int_equal(o.c[0].hop[1].lost[1], 0);
	free(o.c);
}

/* ---- orientation ---- */

static void test_orientation(void **state)
{
	struct strata_lflow lf[2];
	struct conv cv;
	struct out o;
	struct rng r;
	__u64 t;
	int c;

	(void)state;
	rng_seed(&r, 6);
	conv_init(&cv, &r, 17);
	/* The client has the higher address: endpoint 1 of the key. */
	ep4(&cv.cli, 10, 0, 0, 9, 53000);
	ep4(&cv.srv, 10, 0, 0, 1, 53);
	cv.initiator = 0;
	mklf(&lf[0], &cv, 1, 0, 1);
	assert_memory_equal(lf[0].f.key.addr[1], cv.cli.addr, 16);
	lf[0].f.initiator = 0;	/* wrong, but not known */
	/* The sensor saw the reply first: the port still decides. */
	lf[0].f.dir[0].first_ns = T0 - 1;
	stitch(lf, 1, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].hop[0].client, 1);
	assert_key_oriented(&o.c[0].key, &cv.cli, &cv.srv);
	assert_int_equal(o.c[0].server_port, 53);
	assert_int_equal(o.c[0].hop[0].packets[0], cv.packets[0]);
	free(o.c);

	/* A known initiator wins over the ports. */
	lf[0].f.has_initiator = 1;
	stitch(lf, 1, &o);
	assert_int_equal(o.c[0].hop[0].client, 0);
	assert_int_equal(o.c[0].key.port[0], 53);
	assert_int_equal(o.c[0].server_port, 53000);
	free(o.c);

	/*
	 * Equal ports: the endpoint seen first (the client, endpoint 1 of
	 * the key, here), a time of 0 counting as never; on a tie endpoint 0.
	 */
	ep4(&cv.cli, 10, 0, 0, 9, 123);
	ep4(&cv.srv, 10, 0, 0, 1, 123);
	mklf(&lf[0], &cv, 1, 0, 1);
	c = lf[0].f.initiator;
	assert_int_equal(c, 1);
	stitch(lf, 1, &o);
	assert_int_equal(o.c[0].hop[0].client, 1);
	free(o.c);
	t = lf[0].f.dir[1].first_ns;
	lf[0].f.dir[1].first_ns = 0;
	stitch(lf, 1, &o);
	assert_int_equal(o.c[0].hop[0].client, 0);
	free(o.c);
	lf[0].f.dir[1].first_ns = t;
	lf[0].f.dir[0].first_ns = 0;
	stitch(lf, 1, &o);
	assert_int_equal(o.c[0].hop[0].client, 1);
	free(o.c);
	lf[0].f.dir[0].first_ns = t;
	stitch(lf, 1, &o);
	assert_int_equal(o.c[0].hop[0].client, 0);
	free(o.c);
}

/*
 * Each hop says whether its sensor's clock was synchronised when it closed
 * the flows: the worst of its location flows (the router's two views).
 */
static void test_hop_clock(void **state)
{
	static const __u64 pk[3][2] = { { 100, 80 }, { 100, 80 }, { 100, 80 } };
	static const struct {
		__u8 lf[4];	/* client, router (two views), server */
		__u8 hop[3];
	} cases[] = {
		{ { STRATA_CLOCK_SYNCED, STRATA_CLOCK_SYNCED, STRATA_CLOCK_SYNCED, STRATA_CLOCK_SYNCED },
		  { STRATA_CLOCK_SYNCED, STRATA_CLOCK_SYNCED, STRATA_CLOCK_SYNCED } },
		{ { STRATA_CLOCK_SYNCED, STRATA_CLOCK_SYNCED, STRATA_CLOCK_UNSYNCED, STRATA_CLOCK_UNKNOWN },
		  { STRATA_CLOCK_SYNCED, STRATA_CLOCK_UNSYNCED, STRATA_CLOCK_UNKNOWN } },
		{ { STRATA_CLOCK_UNSYNCED, STRATA_CLOCK_UNKNOWN, STRATA_CLOCK_SYNCED, STRATA_CLOCK_SYNCED },
		  { STRATA_CLOCK_UNSYNCED, STRATA_CLOCK_UNKNOWN, STRATA_CLOCK_SYNCED } },
	};
	struct strata_macroflow m;
	struct strata_lflow lf[4];
	struct conv cv, nat;
	struct out o;
	unsigned int c, i, n;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		lab_nat(lf, &cv, &nat, pk);
		for (i = 0; i < 4; i++)
			lf[i].f.clock_sync = cases[c].lf[i];
		stitch(lf, 4, &o);
		assert_int_equal(o.n, 1);
		assert_int_equal(o.c[0].nhops, 3);
		memset(&m, 0, sizeof(m));
		strata_macro_add(&m, &o.c[0]);
		for (i = 0, n = 0; i < 3; i++) {
			assert_int_equal(o.c[0].hop[i].clock_sync, cases[c].hop[i]);
			n += cases[c].hop[i] == STRATA_CLOCK_UNSYNCED;
		}
		/* A macroflow counts the hops that noted an unsynchronised clock. */
		assert_int_equal(m.unsynced, n);
		free(o.c);
	}
}

/* ---- a mixed window: order independence and coverage ---- */

#define MIX_CONV	60
#define MIX_SENSORS	6

/*
 * Conversations over 1 to 4 of 6 sensors, some masqueraded at their last
 * location, some of those seen before and after the masquerade by the
 * location before it (requests under one key, replies under the other:
 * one hop), some without fingerprints, some sharing a request with the one
 * before, some reported twice by their first sensor with other counts (one
 * hop too). *ncflows: the connected flows they make (a masqueraded
 * location without fingerprints is one of its own).
 */
static size_t mix(struct strata_lflow *lf, struct rng *r, size_t *ncflows)
{
	struct conv cv, prev;
	size_t n = 0;
	int k, h, nh, first, masq;

	memset(&prev, 0, sizeof(prev));
	*ncflows = 0;
	for (k = 0; k < MIX_CONV; k++) {
		conv_init(&cv, r, rng_range(r, 0, 3) ? 6 : 17);
		ep4(&cv.cli, 10, 1, (__u8)(k >> 8), (__u8)k, (__u16)(32768 + k));
		ep4(&cv.srv, 192, 0, 2, (__u8)rng_range(r, 1, 4),
		    (__u16)(rng_range(r, 0, 1) ? 443 : 53));
		cv.initiator = (int)rng_range(r, 0, 1);
		cv.packets[0] = rng_range(r, 1, 1000);
		cv.packets[1] = rng_range(r, 0, 1000);
		cv.t0 = T0 + rng_range(r, 0, 50 * W1S);
		if (!rng_range(r, 0, 5))
			cv.nh[0] = cv.nh[1] = 0;
		if (k && !rng_range(r, 0, 3))
			cv.hash[0][0] = prev.hash[0][1];
		nh = (int)rng_range(r, 1, 4);
		first = (int)rng_range(r, 0, MIX_SENSORS - nh);
		masq = nh >= 2 && !rng_range(r, 0, 2);
		for (h = 0; h < nh; h++) {
			struct conv at = cv;

			if (h == nh - 1 && masq) {
				ep4(&at.cli, 198, 51, 100, 1, (__u16)(20000 + k));
				ep4(&at.srv, 172, 16, 0, (__u8)k, 8080);
				*ncflows += !cv.nh[0];
			}
			/* The masquerading host's sensor, before its NAT. */
			if (h == nh - 2 && masq && h && cv.nh[0] && !rng_range(r, 0, 1)) {
				mklf(&lf[n], &at, (__u32)(first + h), h, nh);
				keep_dir(&lf[n++], 0);
				ep4(&at.cli, 198, 51, 100, 1, (__u16)(20000 + k));
				ep4(&at.srv, 172, 16, 0, (__u8)k, 8080);
				mklf(&lf[n], &at, (__u32)(first + h), h, nh);
				keep_dir(&lf[n++], 1);
				continue;
			}
			mklf(&lf[n++], &at, (__u32)(first + h), h, nh);
			if (!h && nh >= 3 && !rng_range(r, 0, 4)) {
				at.packets[0]++;
				mklf(&lf[n++], &at, (__u32)first, h, nh);
			}
		}
		++*ncflows;
		prev = cv;
	}
	return n;
}

/* A mixed window in *lf (to free), stitched into @o; @r goes on from there. */
static size_t mix_stitched(struct rng *r, __u64 seed, struct strata_lflow **lf,
			   struct out *o)
{
	size_t n, ncf;

	/* A conversation is 6 location flows at the most. */
	*lf = calloc(MIX_CONV * 6, sizeof(**lf));
	assert_non_null(*lf);
	rng_seed(r, seed);
	n = mix(*lf, r, &ncf);
	stitch(*lf, n, o);
	assert_int_equal(o->n, ncf);
	return n;
}

static void test_order_independent(void **state)
{
	struct strata_lflow *lf;
	struct out ref, o;
	struct rng r;
	size_t n;
	int i;

	(void)state;
	n = mix_stitched(&r, 7, &lf, &ref);
	for (i = 0; i < 20; i++) {
		shuffle(lf, n, &r);
		stitch(lf, n, &o);
		assert_int_equal(o.n, ref.n);
		assert_memory_equal(o.c, ref.c, o.n * sizeof(*o.c));
		free(o.c);
	}
	free(ref.c);
	free(lf);
}

static void assert_zero(const void *p, size_t n)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(b[i], 0);
}

static void test_every_flow_once(void **state)
{
	size_t n, i, j, k, hops = 0, singles = 0, fp = 0, two = 0, distinct = 0;
	struct strata_lflow *lf;
	struct out o;
	struct rng r;
	int h;

	(void)state;
	n = mix_stitched(&r, 8, &lf, &o);
	for (i = 0; i < o.n; i++) {
		const struct strata_cflow *c = &o.c[i];

		assert_int_equal(c->more_hops, 0);
		assert_true(c->nhops >= 1 && c->nhops <= 4);
		singles += c->nhops == 1;
		assert_zero(c->pad, sizeof(c->pad));
		assert_int_equal(c->key.pad, 0);
		for (h = 0; h < STRATA_PATH_MAX; h++) {
			const struct strata_hop *hp = &c->hop[h];

			fp += h < c->nhops && hp->matched == STRATA_MATCH_FP;
			assert_zero(hp->pad2, sizeof(hp->pad2));
			if (h >= c->nhops) {	/* unused hops are all zero */
				assert_zero(hp, sizeof(*hp));
				continue;
			}
			/* One hop per sensor. */
			for (j = 0; j < (size_t)h; j++)
				assert_int_not_equal(c->hop[j].sensor, hp->sensor);
			assert_true(hp->nkeys == 1 || hp->nkeys == 2);
			if (hp->nkeys == 1)
				assert_zero(&hp->key2, sizeof(hp->key2));
			else
				assert_memory_not_equal(&hp->key, &hp->key2, sizeof(hp->key));
			two += hp->nkeys == 2;
			hops += hp->nkeys;
		}
	}
	/* Numbered by the client's view of the conversation, then sensor. */
	for (i = 1; i < o.n; i++) {
		int cmp = memcmp(&o.c[i - 1].key, &o.c[i].key, sizeof(o.c[i].key));

		assert_true(cmp < 0 || (!cmp && o.c[i - 1].hop[0].sensor < o.c[i].hop[0].sensor));
	}
	/* The mix has connected flows of one location, NAT joins, NAT hops. */
	assert_true(singles > 0);
	assert_true(fp > 0);
	assert_true(two > 0);
	/*
	 * Each location flow in one hop, as its key or its second key: the
	 * keys of the hops are the distinct (sensor, key) of the input.
	 */
	for (j = 0; j < n; j++) {
		size_t found = 0;

		for (k = 0; k < j; k++)
			if (lf[k].sensor == lf[j].sensor &&
			    !memcmp(&lf[k].f.key, &lf[j].f.key, sizeof(lf[j].f.key)))
				break;
		distinct += k == j;
		for (i = 0; i < o.n; i++)
			for (h = 0; h < o.c[i].nhops; h++) {
				const struct strata_hop *hp = &o.c[i].hop[h];

				if (hp->sensor != lf[j].sensor)
					continue;
				found += !memcmp(&hp->key, &lf[j].f.key, sizeof(hp->key));
				found += hp->nkeys > 1 &&
					 !memcmp(&hp->key2, &lf[j].f.key, sizeof(hp->key2));
			}
		assert_int_equal(found, 1);
	}
	assert_int_equal(hops, distinct);
	free(o.c);
	free(lf);
}

/* Eleven sensors on one path: the first eight kept, three counted. */
static void test_more_hops(void **state)
{
	struct strata_lflow lf[11];
	struct conv cv;
	struct out o;
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 9);
	conv_init(&cv, &r, 6);
	for (i = 0; i < 11; i++)
		mklf(&lf[i], &cv, (__u32)(100 - i), i, 11);
	shuffle(lf, 11, &r);
	stitch(lf, 11, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.c[0].nhops, STRATA_PATH_MAX);
	assert_int_equal(o.c[0].more_hops, 3);
	for (i = 0; i < STRATA_PATH_MAX; i++) {
		assert_int_equal(o.c[0].hop[i].sensor, 100 - i);
		assert_int_equal(o.c[0].hop[i].ttl[0], 64 - i);
	}
	free(o.c);
}

/* ---- the callback ---- */

struct stop {
	int calls;
	int ret;
};

static int stop_second(const struct strata_cflow *c, void *arg)
{
	struct stop *s = arg;

	(void)c;
	return ++s->calls == 2 ? s->ret : 0;
}

static void test_fn_stops(void **state)
{
	struct strata_lflow lf[4];
	struct stop s = { 0, 7 };
	struct conv cv;
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 10);
	for (i = 0; i < 4; i++) {
		conv_init(&cv, &r, 6);
		cv.cli.port = (__u16)(40000 + i);
		mklf(&lf[i], &cv, 1, 0, 1);
	}
	assert_int_equal(strata_stitch(lf, 4, stop_second, &s), 7);
	assert_int_equal(s.calls, 2);
	s.calls = 0;
	s.ret = -EIO;
	assert_int_equal(strata_stitch(lf, 4, stop_second, &s), -EIO);
	assert_int_equal(s.calls, 2);
	s.calls = 0;
	assert_int_equal(strata_stitch(lf, 0, stop_second, &s), 0);
	assert_int_equal(s.calls, 0);
}

/* ---- scale ---- */

#define SCALE_CONV	5000

/*
 * Every conversation at three sensors, masqueraded before the third: 10,000
 * joins by key and 5,000 by fingerprint among 15,000 flows.
 */
static void test_scale(void **state)
{
	struct strata_lflow *lf = calloc(SCALE_CONV * 3, sizeof(*lf));
	struct conv cv;
	struct out o;
	struct rng r;
	size_t i;
	int h;

	(void)state;
	assert_non_null(lf);
	rng_seed(&r, 11);
	for (i = 0; i < SCALE_CONV; i++) {
		conv_init(&cv, &r, 6);
		ep4(&cv.cli, 10, 2, (__u8)(i >> 8), (__u8)i, 40000);
		for (h = 0; h < 3; h++) {
			if (h == 2) {
				ep4(&cv.cli, 198, 51, 100, 1, (__u16)(10000 + i));
				ep4(&cv.srv, 172, 16, 0, 5, 8080);
			}
			mklf(&lf[3 * i + (size_t)h], &cv, (__u32)h, h, 3);
		}
	}
	shuffle(lf, SCALE_CONV * 3, &r);
	stitch(lf, SCALE_CONV * 3, &o);
	assert_int_equal(o.n, SCALE_CONV);
	for (i = 0; i < o.n; i++) {
		assert_int_equal(o.c[i].nhops, 3);
		assert_int_equal(o.c[i].hop[1].matched, STRATA_MATCH_KEY);
		assert_int_equal(o.c[i].hop[2].matched, STRATA_MATCH_FP);
		assert_int_equal(o.c[i].server_port, 8080);
	}
	free(o.c);
	free(lf);
}

/* ---- macroflows ---- */

static void hop_set(struct strata_hop *h, __u64 first, __u64 last, __s64 delay,
		    __s64 lost0, __s64 lost1)
{
	memset(h, 0, sizeof(*h));
	h->first_ns = first;
	h->last_ns = last;
	h->delay_ns[0] = h->delay_ns[1] = delay;
	h->lost[0] = lost0;
	h->lost[1] = lost1;
	h->packets[0] = 10;
	h->packets[1] = 20;
	h->bytes[0] = 1000;
	h->bytes[1] = 2000;
}

static void test_macro(void **state)
{
	struct strata_macro_key keys[__STRATA_GROUP_MAX], want;
	struct strata_cflow c[3];
	struct strata_macroflow m;
	struct ep cli, srv;
	int i;

	(void)state;
	memset(c, 0, sizeof(c));
	ep4(&cli, 10, 0, 0, 1, 40000);
	ep4(&srv, 172, 16, 0, 5, 443);
	for (i = 0; i < 3; i++) {
		memcpy(c[i].key.addr[0], cli.addr, 16);
		ep4(&srv, 203, 0, 113, 5, 443);
		memcpy(c[i].key.addr[1], srv.addr, 16);
		c[i].key.port[0] = cli.port;
		c[i].key.port[1] = 443;
		c[i].key.proto = 6;
		c[i].key.family = 4;
		ep4(&srv, 172, 16, 0, 5, 443);
		memcpy(c[i].server, srv.addr, 16);
		c[i].server_port = 443;
	}
	/* Three hops, delays 100 and 200, some lost and some duplicated. */
	c[0].nhops = 3;
	hop_set(&c[0].hop[0], 0, 0, STRATA_DELAY_NONE, 0, 0);
	hop_set(&c[0].hop[1], T0 + 5, T0 + 50, 100, 3, -1);
	hop_set(&c[0].hop[2], T0 + 7, T0 + 70, 200, -2, 4);
	/* A hop without a delay: no end-to-end delay; more hops counted. */
	c[1].nhops = 2;
	c[1].more_hops = 4;
	hop_set(&c[1].hop[0], T0 + 1, T0 + 10, STRATA_DELAY_NONE, 0, 0);
	hop_set(&c[1].hop[1], T0 + 2, T0 + 90, STRATA_DELAY_NONE, 1, 0);
	/* Clocks out of step: a negative end-to-end delay counts as 0. */
	c[2].nhops = 2;
	hop_set(&c[2].hop[0], T0 + 3, T0 + 30, STRATA_DELAY_NONE, 0, 0);
	hop_set(&c[2].hop[1], T0 + 4, T0 + 40, -500, 0, 0);

	/*
	 * Transactions: each flow's last kept hop counts (flow 1's path goes
	 * on, uncounted), not the first (the client's view).
	 */
	for (i = 0; i < 3; i++)
		txn_mk(&c[i].hop[0].txn, 5, 9000, 700);
	txn_mk(&c[0].hop[2].txn, 2, 1000, 0);
	txn_mk(&c[1].hop[1].txn, 1, 3000, 200);
	txn_mk(&c[2].hop[1].txn, 0, 0, 400);

	memset(&m, 0, sizeof(m));
	for (i = 0; i < 3; i++)
		strata_macro_add(&m, &c[i]);
	assert_int_equal(m.txn.ttfb.n, 3);
	assert_int_equal(m.txn.ttfb.sum, 1000 + 1100 + 3000);
	assert_int_equal(m.txn.ttfb.sumsq_lo, 1000000 + 1210000 + 9000000);
	assert_int_equal(m.txn.ttfb.min, 1000);
	assert_int_equal(m.txn.ttfb.max, 3000);
	assert_int_equal(m.txn.requests, 3 + 2 + 1);
	assert_int_equal(m.txn.dns.n, 2);
	assert_int_equal(m.txn.dns.sum, 600);
	assert_int_equal(m.txn.dns_queries, 4);
	assert_int_equal(m.txn.dns_unanswered, 2);
	assert_int_equal(m.txn.app, 0);
	assert_int_equal(m.cflows, 3);
	assert_int_equal(m.packets[0], 30);
	assert_int_equal(m.packets[1], 60);
	assert_int_equal(m.bytes[0], 3000);
	assert_int_equal(m.bytes[1], 6000);
	/* Signed sums: a duplicate offsets a loss (3 - 2 + 1, -1 + 4 + 0). */
	assert_int_equal(m.lost[0], 2);
	assert_int_equal(m.lost[1], 3);
	assert_int_equal(m.delay.n, 2);
	assert_int_equal(m.delay.sum, 300);
	assert_int_equal(m.delay.min, 0);
	assert_int_equal(m.delay.max, 300);
	assert_int_equal(m.hops, 3 + 2 + 4 + 2);
	assert_true(m.first_ns == T0 + 1);
	assert_true(m.last_ns == T0 + 90);
	/* Left to the caller. */
	assert_int_equal(m.rtt_hs.n, 0);

	memset(keys, 0xee, sizeof(keys));
	c[0].hop[2].key.family = 4;
	strata_macro_keys(&c[0], keys);
	memset(&want, 0, sizeof(want));
	want.group = STRATA_GROUP_SERVICE;
	want.family = 4;
	want.proto = 6;
	want.port = 443;
	memcpy(want.addr, srv.addr, 16);
	assert_memory_equal(&keys[STRATA_GROUP_SERVICE], &want, sizeof(want));
	memset(&want, 0, sizeof(want));
	want.group = STRATA_GROUP_CLIENT;
	want.family = 4;
	memcpy(want.addr, cli.addr, 16);
	assert_memory_equal(&keys[STRATA_GROUP_CLIENT], &want, sizeof(want));
	memset(&want, 0, sizeof(want));
	want.group = STRATA_GROUP_APP;
	want.proto = 6;
	strcpy(want.app, "https");
	assert_memory_equal(&keys[STRATA_GROUP_APP], &want, sizeof(want));
}

/* Stitched flows roll up: two clients of one service. */
/*
 * A request in flight as a flow window ends is counted at the client's
 * location in that window and at the server's in the next: the first
 * window's connected flow shows it lost, the next one's a duplicate, and
 * their macroflow neither.
 */
static void test_macro_window_end(void **state)
{
	static const __u64 pk[2][2] = { { 10, 9 }, { 10, 11 } };
	struct strata_macroflow m;
	struct strata_lflow lf[2];
	struct conv cv;
	struct rng r;
	struct out o;
	int w, k;

	(void)state;
	rng_seed(&r, 31);
	conv_init(&cv, &r, 6);
	memset(&m, 0, sizeof(m));
	for (w = 0; w < 2; w++) {
		conv_at(&cv, WIN + (__u64)w * STRATA_STORE_FLOW_WINDOW_NS);
		for (k = 0; k < 2; k++) {
			cv.packets[0] = pk[w][k];
			mklf(&lf[k], &cv, (__u32)(k + 1), k, 2);
		}
		stitch(lf, 2, &o);
		assert_int_equal(o.n, 1);
		assert_int_equal(o.c[0].nhops, 2);
		assert_int_equal(o.c[0].hop[1].lost[0], w ? -1 : 1);
		strata_macro_add(&m, &o.c[0]);
		free(o.c);
	}
	assert_int_equal(m.cflows, 2);
	assert_int_equal(m.lost[0], 0);
	assert_int_equal(m.lost[1], 0);
}

static void test_macro_stitched(void **state)
{
	struct strata_macro_key k0[__STRATA_GROUP_MAX], k1[__STRATA_GROUP_MAX];
	struct strata_lflow lf[4];
	struct strata_macroflow m;
	struct conv cv;
	struct out o;
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 12);
	for (i = 0; i < 2; i++) {
		conv_init(&cv, &r, 6);
		cv.cli.addr[15] = (__u8)(1 + i);
		cv.packets[0] = 100;
		mklf(&lf[2 * i], &cv, 1, 0, 2);
		cv.packets[0] = 98;
		mklf(&lf[2 * i + 1], &cv, 2, 1, 2);
	}
	stitch(lf, 4, &o);
	assert_int_equal(o.n, 2);
	strata_macro_keys(&o.c[0], k0);
	strata_macro_keys(&o.c[1], k1);
	assert_memory_equal(&k0[STRATA_GROUP_SERVICE], &k1[STRATA_GROUP_SERVICE],
			    sizeof(k0[0]));
	assert_memory_equal(&k0[STRATA_GROUP_APP], &k1[STRATA_GROUP_APP], sizeof(k0[0]));
	assert_string_equal(k0[STRATA_GROUP_APP].app, "http");
	assert_memory_not_equal(&k0[STRATA_GROUP_CLIENT], &k1[STRATA_GROUP_CLIENT],
				sizeof(k0[0]));
	memset(&m, 0, sizeof(m));
	strata_macro_add(&m, &o.c[0]);
	strata_macro_add(&m, &o.c[1]);
	assert_int_equal(m.cflows, 2);
	assert_int_equal(m.hops, 4);
	assert_int_equal(m.packets[0], 200);
	assert_int_equal(m.lost[0], 4);
	assert_int_equal(m.delay.n, 2);
	assert_int_equal(m.delay.sum, 2 * DELAY);
	assert_true(m.first_ns == T0);
	free(o.c);
}

/* ---- application names ---- */

static void test_app_name(void **state)
{
	static const struct {
		__u8 proto;
		__u16 port;
		const char *name;
	} t[] = {
		{ 6, 80, "http" },	{ 6, 443, "https" },	{ 17, 443, "quic" },
		{ 6, 53, "dns" },	{ 17, 53, "dns" },	{ 17, 123, "ntp" },
		{ 6, 22, "ssh" },	{ 6, 5432, "postgresql" },
		{ 6, 11211, "memcached" },	{ 6, 8080, "http-alt" },
		{ 17, 2055, "netflow" },	{ 17, 4739, "ipfix" },
		{ 6, 123, "tcp/123" },	{ 17, 80, "udp/80" },	{ 6, 8081, "tcp/8081" },
		{ 17, 5353, "udp/5353" },	{ 132, 9, "sctp/9" },
		{ 6, 0, "tcp/0" },	{ 17, 65535, "udp/65535" },
		{ 1, 0x4242, "icmp" },	{ 58, 7, "icmpv6" },	{ 47, 0, "ip/47" },
		{ 255, 80, "ip/255" },
	};
	char buf[STRATA_APP_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		assert_ptr_equal(strata_app_name(t[i].proto, t[i].port, buf, sizeof(buf)), buf);
		assert_string_equal(buf, t[i].name);
	}
	/* The longest name fits. */
	assert_string_equal(strata_app_name(132, 65535, buf, sizeof(buf)), "sctp/65535");
	/* Cut short, always terminated; nothing written without room. */
	memset(buf, 'x', sizeof(buf));
	assert_string_equal(strata_app_name(6, 8081, buf, 4), "tcp");
	assert_int_equal(buf[4], 'x');
	assert_string_equal(strata_app_name(6, 5432, buf, 5), "post");
	assert_string_equal(strata_app_name(6, 80, buf, 1), "");
	buf[0] = 'x';
	assert_ptr_equal(strata_app_name(6, 80, buf, 0), buf);
	assert_int_equal(buf[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_same_key),
		cmocka_unit_test(test_delay_median),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_nat_router),
		cmocka_unit_test(test_nat_router_no_client),
		cmocka_unit_test(test_hop_clock),
		cmocka_unit_test(test_twins),
		cmocka_unit_test(test_nat_router_loss),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_nat_remap),
		cmocka_unit_test(test_one_shared_payload),
		cmocka_unit_test(test_no_fingerprints),
		cmocka_unit_test(test_orientation),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_every_flow_once),
		cmocka_unit_test(test_more_hops),
		cmocka_unit_test(test_fn_stops),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_macro),
		cmocka_unit_test(test_macro_stitched),
		cmocka_unit_test(test_macro_window_end),
		cmocka_unit_test(test_app_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
