// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the central store (lib/cstore.c): restarts, hellos, puts and
 * resends, stitching into connected flows and macroflows, readers, the budget.
 */
#include <errno.h>
#include <pthread.h>
#include <lmdb.h>

#include "central_build.h"

#define FW	STRATA_STORE_FLOW_WINDOW_NS
#define BUDGET	(4 * STRATA_CSTORE_BUDGET_MIN)

/* ---- the scenario: two conversations over a path of three sensors ---- */

static const char *const ids[3] = { "edge", "core", "dc" };

/* Conversation A: 10.0.0.1:40000 -> 192.0.2.10:80; B: from 10.0.0.2:40001. */
struct scen {
	__u32 num[3];			/* the sensors, in path order */
	struct conv a, b;
	struct strata_lflow lf[3][2];	/* [sensor][A, B] */
};

/* The first hop's handshake RTTs; the others' must not count. */
#define RTT_CLI		1000
#define RTT_SRV		3000
#define RTT_B		2000
#define RTT_FAR		999999

/*
 * Transaction timing: each location measures its own; the last hop's (the
 * server's host) counts in macroflows, the others' must not.
 */
#define TTFB_A		700
#define TTFB_B		900
#define TTFB_FAR	5000
#define DNS_B		40

static void scen_build(struct strata_cstore *cs, struct scen *s)
{
	struct rng r;
	int i;

	rng_seed(&r, 100);
	for (i = 0; i < 3; i++)
		s->num[i] = hello(cs, ids[i], WIN);
	conv_init(&s->a, &r, 6);
	conv_init(&s->b, &r, 6);
	ep4(&s->b.cli, 10, 0, 0, 2, 40001);
	s->b.packets[0] = 50;
	s->b.packets[1] = 30;
	for (i = 0; i < 3; i++) {
		struct strata_lflow *a = &s->lf[i][0], *b = &s->lf[i][1];

		mklf(a, &s->a, s->num[i], i, 3);
		mklf(b, &s->b, s->num[i], i, 3);
		/* dir[initiator] is what the client sent. */
		strata_stat_add(&a->f.dir[a->f.initiator].rtt_hs, i ? RTT_FAR : RTT_CLI);
		strata_stat_add(&a->f.dir[!a->f.initiator].rtt_hs, i ? RTT_FAR : RTT_SRV);
		strata_stat_add(&b->f.dir[b->f.initiator].rtt_hs, i ? RTT_FAR : RTT_B);
		strata_stat_add(&a->f.txn.ttfb, i == 2 ? TTFB_A : TTFB_FAR);
		a->f.txn.requests = 1 + i;
		strata_stat_add(&b->f.txn.ttfb, i == 2 ? TTFB_B : TTFB_FAR);
		b->f.txn.requests = 1 + i;
		strata_stat_add(&b->f.txn.dns, i == 2 ? DNS_B : 2 * DNS_B);
		b->f.txn.dns_queries = 1;
		put_window(cs, s->num[i], WIN, s->lf[i], 2);
	}
}

static void info(struct strata_cstore *cs, struct strata_cstore_info *in)
{
	char err[256] = "";

	if (strata_cstore_info(cs, in, err, sizeof(err)))
		fail_msg("info: %s", err);
}

/* The store's counts, as strata_cstore_info() gives them (into @in). */
static void assert_counts(struct strata_cstore *cs, struct strata_cstore_info *in,
			  __u64 sensors, __u64 lflows, __u64 cflows, __u64 macroflows,
			  __u64 dirty)
{
	info(cs, in);
	assert_int_equal(in->sensors, sensors);
	assert_int_equal(in->lflows, lflows);
	assert_int_equal(in->cflows, cflows);
	assert_int_equal(in->macroflows, macroflows);
	assert_int_equal(in->dirty, dirty);
}

static void sensor_get(struct strata_cstore *cs, __u32 num, struct strata_sensor *out)
{
	struct got g = { 0 };
	char err[256] = "";
	size_t i;

	assert_int_equal(strata_cstore_sensors(cs, got_sensor, &g, err, sizeof(err)), 0);
	for (i = 0; i < g.n; i++)
		if (((struct strata_sensor *)g.v)[i].num == num)
			break;
	assert_true(i < g.n);
	*out = ((struct strata_sensor *)g.v)[i];
	free(g.v);
}

static size_t count_lflows(struct strata_cstore *cs, __u64 t1, __u64 t2, __u32 sensor,
			   const struct strata_flow_key *conv)
{
	struct got g = { 0 };
	char err[256] = "";

	if (strata_cstore_lflows(cs, t1, t2, sensor, conv, got_lflow, &g, err, sizeof(err)))
		fail_msg("location flows: %s", err);
	free(g.v);
	return g.n;
}

static void mkey(struct strata_macro_key *k, unsigned int group, const struct ep *e)
{
	memset(k, 0, sizeof(*k));
	k->group = (__u8)group;
	if (group == STRATA_GROUP_APP) {
		k->proto = 6;
		strcpy(k->app, "http");
		return;
	}
	k->family = 4;
	memcpy(k->addr, e->addr, 16);
	if (group == STRATA_GROUP_SERVICE) {
		k->proto = 6;
		k->port = e->port;
	}
}

static const struct strata_macroflow *find_macro(const struct got *g,
						 const struct strata_macro_key *k)
{
	const struct strata_macroflow *m = g->v;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!memcmp(&m[i].key, k, sizeof(*k)))
			return &m[i];
	fail_msg("no macroflow of group %u", k->group);
	return NULL;
}

/*
 * The macroflow of @group and endpoint @e in @g, against what was put:
 * @cflows flows of 3 hops, @p0 and @p1 packets, @rtt_n handshake RTTs
 * summing to @rtt_sum.
 */
static const struct strata_macroflow *assert_macro(const struct got *g, unsigned int group,
						   const struct ep *e, __u64 cflows, __u64 p0,
						   __u64 p1, __u64 rtt_n, __u64 rtt_sum)
{
	const struct strata_macroflow *m;
	struct strata_macro_key k;

	mkey(&k, group, e);
	m = find_macro(g, &k);
	assert_true(m->window_start == MW_OF(WIN));
	assert_true(m->window_ns == MW_NS);
	assert_int_equal(m->cflows, cflows);
	assert_int_equal(m->packets[0], p0);
	assert_int_equal(m->packets[1], p1);
	assert_int_equal(m->bytes[0], p0 * 100);
	assert_int_equal(m->bytes[1], p1 * 100);
	assert_int_equal(m->hops, 3 * cflows);
	assert_int_equal(m->lost[0], 0);
	assert_int_equal(m->lost[1], 0);
	/* Two hops after the first, DELAY each. */
	assert_int_equal(m->delay.n, cflows);
	assert_int_equal(m->delay.sum, cflows * 2 * DELAY);
	assert_true(m->first_ns == T0);
	assert_int_equal(m->rtt_hs.n, rtt_n);
	assert_int_equal(m->rtt_hs.sum, rtt_sum);
	return m;
}

/* The scenario's macroflows, every grouping, against what was put. */
static void check_macros(struct strata_cstore *cs, const struct scen *s)
{
	const struct strata_macroflow *m;
	struct got g;

	all_macros(cs, 0, ~0ULL, STRATA_GROUP_SERVICE, &g);
	assert_int_equal(g.n, 1);
	/* A's both directions and B's client side, at the first hop only. */
	m = assert_macro(&g, STRATA_GROUP_SERVICE, &s->a.srv, 2, 150, 110, 3,
			 RTT_CLI + RTT_SRV + RTT_B);
	assert_int_equal(m->rtt_hs.min, RTT_CLI);
	assert_int_equal(m->rtt_hs.max, RTT_SRV);
	/* Transactions as the server's location measured them, both flows. */
	assert_int_equal(m->txn.ttfb.n, 2);
	assert_int_equal(m->txn.ttfb.sum, TTFB_A + TTFB_B);
	assert_int_equal(m->txn.ttfb.min, TTFB_A);
	assert_int_equal(m->txn.ttfb.max, TTFB_B);
	assert_int_equal(m->txn.requests, 3 + 3);
	assert_int_equal(m->txn.dns.n, 1);
	assert_int_equal(m->txn.dns.sum, DNS_B);
	assert_int_equal(m->txn.dns_queries, 1);
	free(g.v);

	all_macros(cs, 0, ~0ULL, STRATA_GROUP_CLIENT, &g);
	assert_int_equal(g.n, 2);
	m = assert_macro(&g, STRATA_GROUP_CLIENT, &s->a.cli, 1, 100, 80, 2, RTT_CLI + RTT_SRV);
	assert_int_equal(m->txn.ttfb.n, 1);
	assert_int_equal(m->txn.ttfb.sum, TTFB_A);
	assert_int_equal(m->txn.requests, 3);
	assert_int_equal(m->txn.dns_queries, 0);
	assert_macro(&g, STRATA_GROUP_CLIENT, &s->b.cli, 1, 50, 30, 1, RTT_B);
	free(g.v);

	all_macros(cs, 0, ~0ULL, STRATA_GROUP_APP, &g);
	assert_int_equal(g.n, 1);
	assert_macro(&g, STRATA_GROUP_APP, NULL, 2, 150, 110, 3, RTT_CLI + RTT_SRV + RTT_B);
	free(g.v);
}

/* The scenario in a new store, stitched. */
static void scen_stitched(struct cdir *d, struct scen *s)
{
	cdir_open(d, BUDGET);
	scen_build(d->cs, s);
	assert_int_equal(stitch_all(d->cs), 1);
}

/* Everything the store holds at the scenario's level, for comparisons. */
struct snap {
	struct got c, m[__STRATA_GROUP_MAX];
};

static void snap_take(struct strata_cstore *cs, struct snap *sn)
{
	unsigned int g;

	all_cflows(cs, 0, ~0ULL, &sn->c);
	for (g = 0; g < __STRATA_GROUP_MAX; g++)
		all_macros(cs, 0, ~0ULL, g, &sn->m[g]);
}

static void snap_same(const struct snap *a, const struct snap *b)
{
	unsigned int g;

	assert_int_equal(a->c.n, b->c.n);
	assert_memory_equal(a->c.v, b->c.v, a->c.n * sizeof(struct strata_cflow));
	for (g = 0; g < __STRATA_GROUP_MAX; g++) {
		assert_int_equal(a->m[g].n, b->m[g].n);
		assert_memory_equal(a->m[g].v, b->m[g].v,
				    a->m[g].n * sizeof(struct strata_macroflow));
	}
}

static void snap_free(struct snap *sn)
{
	unsigned int g;

	free(sn->c.v);
	for (g = 0; g < __STRATA_GROUP_MAX; g++)
		free(sn->m[g].v);
}

/* ---- open, close, reopen ---- */

static void test_reopen(void **state)
{
	struct strata_cstore_info before, after;
	struct strata_sensor s0, s1;
	struct snap a, b;
	struct scen s;
	struct cdir d;
	int i;

	(void)state;
	scen_stitched(&d, &s);
	snap_take(d.cs, &a);
	info(d.cs, &before);
	sensor_get(d.cs, s.num[1], &s0);

	/* A restart loses nothing. */
	cdir_reopen(&d, BUDGET);
	assert_counts(d.cs, &after, 3, 6, 2, 4, 0);
	after.used_bytes = before.used_bytes;
	assert_memory_equal(&after, &before, sizeof(after));
	sensor_get(d.cs, s.num[1], &s1);
	assert_memory_equal(&s1, &s0, sizeof(s1));
	snap_take(d.cs, &b);
	snap_same(&a, &b);
	snap_free(&b);
	check_macros(d.cs, &s);
	for (i = 0; i < 3; i++)
		assert_int_equal(hello(d.cs, ids[i], WIN + FW), s.num[i]);

	/* Windows put and not stitched yet are stitched after the restart. */
	conv_at(&s.a, WIN + FW);
	mklf(&s.lf[0][0], &s.a, s.num[0], 0, 1);
	put_window(d.cs, s.num[0], WIN + FW, s.lf[0], 1);
	cdir_reopen(&d, BUDGET);
	assert_counts(d.cs, &after, 3, 7, 2, 4, 1);
	assert_int_equal(stitch_all(d.cs), 1);
	assert_counts(d.cs, &after, 3, 7, 3, 4, 0);
	snap_free(&a);
	cdir_rm(&d);
}

static int open_rc(const char *path, __u64 budget, __u64 mw, char *err, size_t errlen)
{
	struct strata_cstore *cs = NULL;
	int rc;

	err[0] = 0;
	rc = strata_cstore_open(path, budget, mw, false, &cs, err, errlen);
	if (!rc)
		strata_cstore_close(cs);
	return rc;
}

static void set_version(const char *path, __u64 v)
{
	MDB_val k = { 7, "version" }, val = { sizeof(v), &v };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, path, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_put(txn, meta, &k, &val, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_open_refused(void **state)
{
	char err[256], want[64];
	struct cdir d;

	(void)state;
	cdir_open(&d, BUDGET);
	strata_cstore_close(d.cs);
	d.cs = NULL;
	/* A budget under the least, a macroflow window of no flow windows. */
	assert_int_equal(open_rc(d.path, STRATA_CSTORE_BUDGET_MIN - 1, MW_NS, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "budget"));
	assert_int_equal(open_rc(d.path, 0, MW_NS, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "budget"));
	assert_int_equal(open_rc(d.path, BUDGET, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "macroflow window"));
	assert_int_equal(open_rc(d.path, BUDGET, FW / 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "macroflow window"));
	assert_int_equal(open_rc(d.path, BUDGET, FW + 1, err, sizeof(err)), -EINVAL);
	assert_int_equal(open_rc(d.path, BUDGET, FW, err, sizeof(err)), 0);
	assert_int_equal(open_rc(d.path, STRATA_CSTORE_BUDGET_MIN, MW_NS, err, sizeof(err)), 0);

	/* Another format version, the one after ours, is refused. */
	set_version(d.path, STRATA_CSTORE_VERSION + 1);
	assert_int_equal(open_rc(d.path, BUDGET, MW_NS, err, sizeof(err)), -EPROTO);
	snprintf(want, sizeof(want), "format %d", STRATA_CSTORE_VERSION + 1);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, d.path));
	set_version(d.path, STRATA_CSTORE_VERSION);
	assert_int_equal(open_rc(d.path, BUDGET, MW_NS, err, sizeof(err)), 0);
	cdir_rm(&d);
}

/*
 * Rewrites every value of a store as version 2 stored it, without
 * transaction timing: location flows, hops and macroflows each 224 bytes
 * shorter (the timing was added last to each), and the version 2.
 */
static void to_version2(const char *path)
{
	const size_t lf2 = sizeof(struct strata_lflow) - sizeof(struct strata_txn_stats);
	const size_t sf2 = offsetof(struct strata_store_flow, txn);
	const size_t hop2 = offsetof(struct strata_hop, txn);
	const size_t head = offsetof(struct strata_cflow, hop);
	const char *const tables[3] = { "lflow", "cflow", "macro" };
	__u8 *buf = malloc(sizeof(struct strata_cflow)), kb[32];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *c;
	MDB_val k, v;
	unsigned int t, i;
	size_t n;
	int rc;

	assert_non_null(buf);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, path, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	for (t = 0; t < 3; t++) {
		assert_int_equal(mdb_dbi_open(txn, tables[t], 0, &dbi), 0);
		assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			const __u8 *p = v.mv_data;

			if (t == 0) {
				assert_int_equal(v.mv_size, sizeof(struct strata_lflow));
				memcpy(buf, p, sf2);
				memcpy(buf + sf2, p + sizeof(struct strata_store_flow),
				       lf2 - sf2);
				n = lf2;
			} else if (t == 1) {
				struct strata_cflow cf;

				memcpy(&cf, p, head);
				assert_int_equal(v.mv_size, head + cf.nhops * sizeof(cf.hop[0]));
				memcpy(buf, p, head);
				for (i = 0; i < cf.nhops; i++)
					memcpy(buf + head + i * hop2,
					       p + head + i * sizeof(cf.hop[0]), hop2);
				n = head + cf.nhops * hop2;
			} else {
				assert_int_equal(v.mv_size, sizeof(struct strata_macroflow));
				n = offsetof(struct strata_macroflow, txn);
				memcpy(buf, p, n);
			}
			/* The key points into the page the put rewrites: a copy. */
			assert_true(k.mv_size <= sizeof(kb));
			memcpy(kb, k.mv_data, k.mv_size);
			k.mv_data = kb;
			v.mv_data = buf;
			v.mv_size = n;
			assert_int_equal(mdb_cursor_put(c, &k, &v, MDB_CURRENT), 0);
		}
		assert_int_equal(rc, MDB_NOTFOUND);
		mdb_cursor_close(c);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(buf);
	set_version(path, 2);
}

static void all_lflows(struct strata_cstore *cs, struct got *g)
{
	char err[256];

	memset(g, 0, sizeof(*g));
	assert_int_equal(strata_cstore_lflows(cs, 0, ~0ULL, ~0U, NULL, got_lflow, g, err,
					      sizeof(err)), 0);
}

static __u64 get_version(const char *path)
{
	MDB_val k = { 7, "version" }, v;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	__u64 ver;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_RDONLY, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_get(txn, meta, &k, &v), 0);
	assert_int_equal(v.mv_size, 8);
	memcpy(&ver, v.mv_data, 8);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return ver;
}

/*
 * A store of version 2 (no transaction timing) stays usable: it opens,
 * becomes version 3, and reads every location flow, connected flow and
 * macroflow as it was, with zero transaction fields; a window stitched
 * again has them.
 */
static void test_version2(void **state)
{
	struct strata_txn_stats zero;
	struct snap a, b;
	struct got g, g2;
	struct scen s;
	struct cdir d;
	size_t i, j;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	scen_stitched(&d, &s);
	snap_take(d.cs, &a);
	all_lflows(d.cs, &g);
	assert_int_equal(g.n, 6);
	strata_cstore_close(d.cs);
	d.cs = NULL;
	to_version2(d.path);

	cdir_reopen(&d, BUDGET);
	assert_int_equal(get_version(d.path), STRATA_CSTORE_VERSION);
	all_lflows(d.cs, &g2);
	assert_int_equal(g2.n, 6);
	for (i = 0; i < g.n; i++) {
		struct strata_lflow *x = &((struct strata_lflow *)g.v)[i];
		const struct strata_lflow *y = &((const struct strata_lflow *)g2.v)[i];

		assert_memory_equal(&y->f.txn, &zero, sizeof(zero));
		assert_true(x->f.txn.requests > 0);
		memset(&x->f.txn, 0, sizeof(x->f.txn));
		assert_memory_equal(x, y, sizeof(*x));
	}
	/* One of them alone, too. */
	{
		const struct strata_lflow *x = g2.v;
		struct strata_lflow one;
		char err[256];

		assert_int_equal(strata_cstore_lflow_get(d.cs, x->f.window_start, x->sensor,
							 &x->f.key, &one, err, sizeof(err)), 0);
		assert_memory_equal(&one, x, sizeof(one));
	}
	free(g.v);
	free(g2.v);
	snap_take(d.cs, &b);
	assert_int_equal(b.c.n, a.c.n);
	for (i = 0; i < a.c.n; i++) {
		struct strata_cflow *x = &((struct strata_cflow *)a.c.v)[i];

		for (j = 0; j < STRATA_PATH_MAX; j++)
			memset(&x->hop[j].txn, 0, sizeof(x->hop[j].txn));
	}
	for (j = 0; j < __STRATA_GROUP_MAX; j++)
		for (i = 0; i < a.m[j].n; i++)
			memset(&((struct strata_macroflow *)a.m[j].v)[i].txn, 0, sizeof(zero));
	snap_same(&a, &b);
	snap_free(&a);
	snap_free(&b);

	/* The window sent again and stitched: transactions back at every level. */
	for (i = 0; i < 3; i++)
		put_window(d.cs, s.num[i], WIN, s.lf[i], 2);
	assert_int_equal(stitch_all(d.cs), 1);
	check_macros(d.cs, &s);
	all_cflows(d.cs, 0, ~0ULL, &g);
	assert_int_equal(g.n, 2);
	assert_memory_equal(&((const struct strata_cflow *)g.v)[0].hop[2].txn, &s.lf[2][0].f.txn,
			    sizeof(zero));
	free(g.v);
	cdir_rm(&d);
}

/* ---- hello ---- */

static void test_hello(void **state)
{
	struct strata_sensor s, again;
	struct strata_hello h;
	struct strata_lflow lf;
	struct conv cv;
	struct cdir d;
	struct rng r;
	char err[256] = "";

	(void)state;
	rng_seed(&r, 1);
	cdir_open(&d, BUDGET);
	assert_int_equal(hello(d.cs, "alpha", WIN), 0);
	assert_int_equal(hello(d.cs, "beta", WIN + 1), 1);
	conv_init(&cv, &r, 6);
	mklf(&lf, &cv, 0, 0, 1);
	put_window(d.cs, 0, WIN, &lf, 1);
	sensor_get(d.cs, 0, &s);
	assert_string_equal(s.id, "alpha");
	assert_true(s.through == WIN + FW);
	assert_true(s.first_seen_ns == WIN);

	/* Again, with another version and API: same number, same through. */
	memset(&h, 0, sizeof(h));
	strcpy(h.sensor_id, "alpha");
	strcpy(h.version, "0.3.0");
	strcpy(h.api_url, "http://10.9.9.9:8470");
	h.capabilities = STRATA_CAP_FINGERPRINTS;
	h.clock_sync = STRATA_CLOCK_UNSYNCED;
	h.clock_error_ns = 4242;
	h.flow_window_ns = FW;
	h.proto_version = 2;
	assert_int_equal(strata_cstore_hello(d.cs, &h, WIN + 5 * FW, &again, err, sizeof(err)), 0);
	assert_int_equal(again.num, 0);
	assert_true(again.through == WIN + FW);
	assert_string_equal(again.version, "0.3.0");
	assert_string_equal(again.api_url, "http://10.9.9.9:8470");
	assert_int_equal(again.capabilities, STRATA_CAP_FINGERPRINTS);
	assert_int_equal(again.clock_sync, STRATA_CLOCK_UNSYNCED);
	assert_int_equal(again.clock_error_ns, 4242);
	assert_int_equal(again.proto_version, 2);
	assert_true(again.first_seen_ns == WIN);
	assert_true(again.last_seen_ns == WIN + 5 * FW);
	assert_int_equal(again.lflows, 1);
	/* As stored, not only as returned. */
	sensor_get(d.cs, 0, &s);
	assert_memory_equal(&s, &again, sizeof(s));

	/* A third id gets the next number; beta kept its own. */
	assert_int_equal(hello(d.cs, "gamma", WIN + 6 * FW), 2);
	assert_int_equal(hello(d.cs, "beta", WIN + 6 * FW), 1);
	sensor_get(d.cs, 1, &s);
	assert_string_equal(s.id, "beta");
	assert_true(s.through == 0);
	cdir_rm(&d);
}

/* ---- put and stitch ---- */

static void test_put_stitch(void **state)
{
	struct strata_cstore_info in;
	const struct strata_cflow *c;
	struct got g;
	struct scen s;
	struct cdir d;
	int i, h;

	(void)state;
	cdir_open(&d, BUDGET);
	scen_build(d.cs, &s);
	assert_counts(d.cs, &in, 3, 6, 0, 0, 1);
	assert_int_equal(stitch_all(d.cs), 1);
	/* Nothing changed since: nothing to stitch. */
	assert_int_equal(stitch_all(d.cs), 0);

	all_cflows(d.cs, 0, ~0ULL, &g);
	assert_int_equal(g.n, 2);
	c = g.v;
	for (i = 0; i < 2; i++) {
		const struct conv *cv = i ? &s.b : &s.a;

		assert_true(c[i].window_start == WIN);
		assert_int_equal(c[i].seq, i);
		assert_int_equal(c[i].nhops, 3);
		assert_memory_equal(c[i].key.addr[0], cv->cli.addr, 16);
		assert_int_equal(c[i].key.port[0], cv->cli.port);
		assert_memory_equal(c[i].server, cv->srv.addr, 16);
		for (h = 0; h < 3; h++) {
			assert_int_equal(c[i].hop[h].sensor, s.num[h]);
			assert_int_equal(c[i].hop[h].matched,
					 h ? STRATA_MATCH_KEY : STRATA_MATCH_FIRST);
			assert_int_equal(c[i].hop[h].packets[0], cv->packets[0]);
		}
	}
	free(g.v);
	check_macros(d.cs, &s);
	assert_counts(d.cs, &in, 3, 6, 2, 4, 0);
	cdir_rm(&d);
}

/*
 * The central host stitches a window once it has had no new location flows
 * for a while (sensors deliver one after another), and sums its macroflow
 * window once that has settled too; nothing is lost by waiting.
 */
static void test_settled(void **state)
{
	const __u64 put_at = WIN + 2 * STRATA_STORE_FLOW_WINDOW_NS;	/* put_window()'s clock */
	const __u64 settle = 2 * 1000000000ULL;
	struct strata_cstore_info in;
	struct strata_lflow lf[1];
	struct conv cv;
	struct rng r;
	unsigned int n = ~0U;
	char err[256] = "";
	struct scen s;
	struct cdir d;

	(void)state;
	cdir_open(&d, BUDGET);
	scen_build(d.cs, &s);
	/* Put 1 s ago: not settled, nothing stitched, still waiting. */
	assert_int_equal(strata_cstore_stitch_settled(d.cs, settle, put_at + 1000000000ULL, &n, err,
						      sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_counts(d.cs, &in, 3, 6, 0, 0, 1);
	/*
	 * 2 s: the window is stitched, and its macroflow window summed at
	 * once (no other flow window of it waits), as stitching at once gives.
	 */
	assert_int_equal(strata_cstore_stitch_settled(d.cs, settle, put_at + settle, &n, err,
						      sizeof(err)), 0);
	assert_int_equal(n, 1);
	check_macros(d.cs, &s);
	assert_counts(d.cs, &in, 3, 6, 2, 4, 0);

	/*
	 * A flow window of the same macroflow window still settling: the
	 * macroflow window stitched meanwhile waits for it, or for its own 2 s.
	 */
	rng_seed(&r, 8);
	conv_init(&cv, &r, 17);
	conv_at(&cv, WIN);
	mklf(&lf[0], &cv, s.num[0], 0, 1);
	put_window(d.cs, s.num[0], WIN, lf, 1);
	conv_at(&cv, WIN + FW);
	mklf(&lf[0], &cv, s.num[0], 0, 1);
	put_window(d.cs, s.num[0], WIN + FW, lf, 1);
	info(d.cs, &in);
	assert_int_equal(in.dirty, 2);
	/* WIN + FW was put later (put_window()'s clock is per window): WIN settles first. */
	assert_int_equal(strata_cstore_stitch_settled(d.cs, settle, WIN + 3 * FW, &n, err,
						      sizeof(err)), 0);
	info(d.cs, &in);
	assert_int_equal(MW_OF(WIN), MW_OF(WIN + FW));
	assert_int_equal(n, 1);
	assert_int_equal(in.dirty, 2);	/* WIN + FW, and the macroflow window */
	assert_int_equal(strata_cstore_stitch_settled(d.cs, settle, WIN + 4 * FW, &n, err,
						      sizeof(err)), 0);
	info(d.cs, &in);
	assert_int_equal(in.dirty, 0);
	cdir_rm(&d);
}

/* A sensor sends again after a broken connection: nothing counts twice. */
static void test_resend(void **state)
{
	struct strata_cstore_info in;
	struct strata_sensor sn;
	struct strata_lflow later, got, fresh[2];
	struct snap a, b;
	struct scen s;
	struct cdir d;
	struct conv cv;
	char err[256] = "";
	int i;

	(void)state;
	scen_stitched(&d, &s);
	snap_take(d.cs, &a);

	for (i = 0; i < 3; i++)
		put_window(d.cs, s.num[i], WIN, s.lf[i], 2);
	info(d.cs, &in);
	assert_int_equal(in.lflows, 6);
	for (i = 0; i < 3; i++) {
		sensor_get(d.cs, s.num[i], &sn);
		assert_int_equal(sn.lflows, 2);
		assert_int_equal(sn.resent, 2);
		assert_int_equal(sn.windows, 2);
		assert_true(sn.through == WIN + FW);
	}
	assert_int_equal(stitch_all(d.cs), 1);
	snap_take(d.cs, &b);
	snap_same(&a, &b);
	snap_free(&a);
	snap_free(&b);
	check_macros(d.cs, &s);

	/*
	 * The edge sensor goes on with a later window (of the next macroflow
	 * window), then resends the first one: through never goes back, and
	 * the old window stitches again beside the newer one.
	 */
	cv = s.a;
	conv_at(&cv, WIN + 2 * FW);
	mklf(&later, &cv, s.num[0], 0, 1);
	put_window(d.cs, s.num[0], WIN + 2 * FW, &later, 1);
	sensor_get(d.cs, s.num[0], &sn);
	assert_true(sn.through == WIN + 3 * FW);
	assert_int_equal(stitch_all(d.cs), 1);
	snap_take(d.cs, &a);
	put_window(d.cs, s.num[0], WIN, s.lf[0], 2);
	sensor_get(d.cs, s.num[0], &sn);
	assert_true(sn.through == WIN + 3 * FW);
	assert_int_equal(sn.resent, 4);
	assert_int_equal(sn.lflows, 3);
	assert_int_equal(stitch_all(d.cs), 1);
	snap_take(d.cs, &b);
	snap_same(&a, &b);
	snap_free(&a);
	snap_free(&b);

	/* What is sent again replaces what was there: the sensor's last word. */
	memcpy(fresh, s.lf[1], sizeof(fresh));
	fresh[0].f.microflows = 3;
	put_window(d.cs, s.num[1], WIN, fresh, 2);
	assert_int_equal(strata_cstore_lflow_get(d.cs, WIN, s.num[1], &fresh[0].f.key, &got,
						 err, sizeof(err)), 0);
	assert_int_equal(got.f.microflows, 3);
	info(d.cs, &in);
	assert_int_equal(in.lflows, 7);
	cdir_rm(&d);
}

static void test_put_refused(void **state)
{
	struct strata_cstore_info before, after;
	struct strata_sensor s0, s1;
	struct strata_window_mark w = { WIN, WIN + FW, 2 };
	struct strata_lflow lf[2];
	struct conv cv;
	struct cdir d;
	struct rng r;
	char err[256];
	__u32 n;

	(void)state;
	rng_seed(&r, 3);
	cdir_open(&d, BUDGET);
	n = hello(d.cs, "edge", WIN);
	conv_init(&cv, &r, 6);
	mklf(&lf[0], &cv, n, 0, 1);
	cv.cli.port++;
	mklf(&lf[1], &cv, n, 0, 1);
	info(d.cs, &before);
	sensor_get(d.cs, n, &s0);

	/* The mark counts another number of flows than were sent. */
	err[0] = 0;
	assert_int_equal(strata_cstore_put(d.cs, n, &w, lf, 1, WIN, err, sizeof(err)), -EPROTO);
	assert_true(err[0]);
	w.flows = 1;
	assert_int_equal(strata_cstore_put(d.cs, n, &w, lf, 2, WIN, err, sizeof(err)), -EPROTO);
	w.flows = 2;
	/* A flow of the window after the mark's, or before it. */
	lf[1].f.window_start = WIN + FW;
	err[0] = 0;
	assert_int_equal(strata_cstore_put(d.cs, n, &w, lf, 2, WIN, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "outside"));
	lf[1].f.window_start = WIN - FW;
	assert_int_equal(strata_cstore_put(d.cs, n, &w, lf, 2, WIN, err, sizeof(err)), -EPROTO);
	lf[1].f.window_start = WIN;
	/* A sensor that never said hello. */
	assert_true(strata_cstore_put(d.cs, n + 1, &w, lf, 2, WIN, err, sizeof(err)) < 0);

	info(d.cs, &after);
	assert_memory_equal(&after, &before, sizeof(after));
	assert_int_equal(after.lflows, 0);
	assert_int_equal(after.dirty, 0);
	sensor_get(d.cs, n, &s1);
	assert_memory_equal(&s1, &s0, sizeof(s1));
	assert_true(s1.through == 0);
	assert_int_equal(count_lflows(d.cs, 0, ~0ULL, ~0U, NULL), 0);

	/* The same, right, is taken; so is a window with nothing in it. */
	assert_int_equal(strata_cstore_put(d.cs, n, &w, lf, 2, WIN, err, sizeof(err)), 0);
	w.from = WIN + FW;
	w.to = WIN + 3 * FW;
	w.flows = 0;
	assert_int_equal(strata_cstore_put(d.cs, n, &w, NULL, 0, WIN, err, sizeof(err)), 0);
	sensor_get(d.cs, n, &s1);
	assert_true(s1.through == WIN + 3 * FW);
	assert_int_equal(s1.lflows, 2);
	assert_int_equal(s1.windows, 2);
	cdir_rm(&d);
}

/* Different keys, the same payloads: masqueraded between two sensors. */
static void test_nat(void **state)
{
	struct strata_macro_key k;
	struct strata_lflow lf[2];
	const struct strata_cflow *c;
	struct conv cv, nat;
	struct got g;
	struct cdir d;
	struct rng r;
	__u32 n0, n1;

	(void)state;
	rng_seed(&r, 4);
	cdir_open(&d, BUDGET);
	n0 = hello(d.cs, "inside", WIN);
	n1 = hello(d.cs, "outside", WIN);
	conv_init(&cv, &r, 6);
	nat = cv;
	ep4(&nat.cli, 198, 51, 100, 1, 61000);
	ep4(&nat.srv, 172, 16, 0, 5, 8080);
	mklf(&lf[0], &cv, n0, 0, 2);
	mklf(&lf[1], &nat, n1, 1, 2);
	put_window(d.cs, n1, WIN, &lf[1], 1);
	put_window(d.cs, n0, WIN, &lf[0], 1);
	assert_int_equal(stitch_all(d.cs), 1);
	all_cflows(d.cs, 0, ~0ULL, &g);
	assert_int_equal(g.n, 1);
	c = g.v;
	assert_int_equal(c->nhops, 2);
	assert_int_equal(c->hop[0].sensor, n0);
	assert_int_equal(c->hop[1].sensor, n1);
	assert_int_equal(c->hop[1].matched, STRATA_MATCH_FP);
	assert_memory_equal(c->key.addr[0], cv.cli.addr, 16);
	assert_memory_equal(c->server, nat.srv.addr, 16);
	assert_int_equal(c->server_port, 8080);
	free(g.v);
	/* The service is the one behind the NAT. */
	all_macros(d.cs, 0, ~0ULL, STRATA_GROUP_SERVICE, &g);
	assert_int_equal(g.n, 1);
	mkey(&k, STRATA_GROUP_SERVICE, &nat.srv);
	assert_int_equal(find_macro(&g, &k)->hops, 2);
	free(g.v);
	cdir_rm(&d);
}

/*
 * The first location rewrites the conversation (a masquerading router
 * with its own sensor): its requests are under the client's key, its
 * replies under the rewritten one, and the macroflows' handshake RTTs come
 * from both.
 */
static void test_nat_first_rtt(void **state)
{
	const struct strata_macroflow *m;
	struct strata_macro_key k;
	struct strata_lflow lf[3];
	const struct strata_cflow *c;
	struct conv cv, nat;
	struct got g;
	struct cdir d;
	struct rng r;
	__u32 n0, n1;

	(void)state;
	rng_seed(&r, 5);
	cdir_open(&d, BUDGET);
	n0 = hello(d.cs, "router", WIN);
	n1 = hello(d.cs, "server", WIN);
	conv_init(&cv, &r, 6);
	nat = cv;
	ep4(&nat.cli, 198, 51, 100, 1, 61000);
	mklf(&lf[0], &cv, n0, 0, 2);
	keep_dir(&lf[0], 0);
	strata_stat_add(&lf[0].f.dir[lf[0].f.initiator].rtt_hs, 1000);
	mklf(&lf[1], &nat, n0, 0, 2);
	keep_dir(&lf[1], 1);
	strata_stat_add(&lf[1].f.dir[!lf[1].f.initiator].rtt_hs, 3000);
	mklf(&lf[2], &nat, n1, 1, 2);
	put_window(d.cs, n0, WIN, lf, 2);
	put_window(d.cs, n1, WIN, &lf[2], 1);
	assert_int_equal(stitch_all(d.cs), 1);
	all_cflows(d.cs, 0, ~0ULL, &g);
	assert_int_equal(g.n, 1);
	c = g.v;
	assert_int_equal(c->nhops, 2);
	assert_int_equal(c->hop[0].sensor, n0);
	assert_int_equal(c->hop[0].nkeys, 2);
	free(g.v);
	all_macros(d.cs, 0, ~0ULL, STRATA_GROUP_SERVICE, &g);
	assert_int_equal(g.n, 1);
	mkey(&k, STRATA_GROUP_SERVICE, &nat.srv);
	m = find_macro(&g, &k);
	assert_non_null(m);
	assert_int_equal(m->rtt_hs.n, 2);
	assert_int_equal(m->rtt_hs.sum, 4000);
	free(g.v);
	cdir_rm(&d);
}

/* ---- readers ---- */

static int stop_first(const struct strata_lflow *lf, void *arg)
{
	(void)lf;
	++*(int *)arg;
	return -ECANCELED;
}

static void test_readers(void **state)
{
	struct strata_cstore_info in;
	struct strata_flow_key rev;
	struct strata_lflow lf, later;
	struct strata_cflow c;
	struct conv cv;
	struct scen s;
	struct cdir d;
	struct got g;
	char err[256];
	int calls = 0;
	size_t i;

	(void)state;
	cdir_open(&d, BUDGET);
	scen_build(d.cs, &s);
	cv = s.a;
	conv_at(&cv, WIN + FW);
	mklf(&later, &cv, s.num[0], 0, 1);
	put_window(d.cs, s.num[0], WIN + FW, &later, 1);
	info(d.cs, &in);
	assert_int_equal(in.dirty, 2);
	assert_int_equal(stitch_all(d.cs), 2);

	/* Conversation A, its endpoints the other way round. */
	memcpy(rev.addr[0], s.lf[0][0].f.key.addr[1], 16);
	memcpy(rev.addr[1], s.lf[0][0].f.key.addr[0], 16);
	rev.port[0] = s.lf[0][0].f.key.port[1];
	rev.port[1] = s.lf[0][0].f.key.port[0];
	rev.proto = 6;
	rev.family = 4;
	rev.pad = 0;
	assert_memory_not_equal(&rev, &s.lf[0][0].f.key, sizeof(rev));

	/* By sensor: its two flows of WIN; of both windows, three. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(strata_cstore_lflows(d.cs, WIN, WIN + FW - 1, s.num[1], NULL, got_lflow,
					      &g, err, sizeof(err)), 0);
	assert_int_equal(g.n, 2);
	for (i = 0; i < g.n; i++) {
		const struct strata_lflow *l = &((struct strata_lflow *)g.v)[i];

		assert_int_equal(l->sensor, s.num[1]);
		assert_true(l->f.window_start == WIN);
	}
	free(g.v);
	assert_int_equal(count_lflows(d.cs, 0, ~0ULL, s.num[0], NULL), 3);
	assert_int_equal(count_lflows(d.cs, 0, ~0ULL, 77, NULL), 0);
	/* A time inside a flow window is that window. */
	assert_int_equal(count_lflows(d.cs, WIN + 30 * W1S, WIN + 30 * W1S, ~0U, NULL), 6);
	assert_int_equal(count_lflows(d.cs, WIN + FW, ~0ULL, ~0U, NULL), 1);
	/* By conversation, either way round; and both. */
	assert_int_equal(count_lflows(d.cs, 0, ~0ULL, ~0U, &rev), 4);
	assert_int_equal(count_lflows(d.cs, 0, ~0ULL, ~0U, &s.lf[0][0].f.key), 4);
	assert_int_equal(count_lflows(d.cs, 0, ~0ULL, ~0U, &s.lf[0][1].f.key), 3);
	assert_int_equal(count_lflows(d.cs, WIN, WIN, s.num[2], &rev), 1);
	/* A callback stops the walk with its own code. */
	assert_int_equal(strata_cstore_lflows(d.cs, 0, ~0ULL, ~0U, NULL, stop_first, &calls,
					      err, sizeof(err)), -ECANCELED);
	assert_int_equal(calls, 1);

	/* One location flow, by either key. */
	assert_int_equal(strata_cstore_lflow_get(d.cs, WIN, s.num[2], &rev, &lf, err,
						 sizeof(err)), 0);
	assert_int_equal(lf.sensor, s.num[2]);
	assert_memory_equal(&lf.f, &s.lf[2][0].f, sizeof(lf.f));
	assert_int_equal(strata_cstore_lflow_get(d.cs, WIN + FW, s.num[2], &rev, &lf, err,
						 sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no such"));

	/* Connected flows: by window, and one by one. */
	all_cflows(d.cs, WIN, WIN, &g);
	assert_int_equal(g.n, 2);
	free(g.v);
	all_cflows(d.cs, WIN + 1, WIN + FW, &g);
	assert_int_equal(g.n, 3);
	free(g.v);
	all_cflows(d.cs, WIN + FW, ~0ULL, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(((struct strata_cflow *)g.v)->nhops, 1);
	free(g.v);
	assert_int_equal(strata_cstore_cflow_get(d.cs, WIN, 1, &c, err, sizeof(err)), 0);
	assert_true(c.window_start == WIN);
	assert_int_equal(c.seq, 1);
	assert_memory_equal(c.key.addr[0], s.b.cli.addr, 16);
	assert_int_equal(strata_cstore_cflow_get(d.cs, WIN, 2, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no such"));
	assert_int_equal(strata_cstore_cflow_get(d.cs, WIN + 9 * FW, 0, &c, err, sizeof(err)),
			 -ENOENT);

	/* Macroflows: of the group asked for only. */
	all_macros(d.cs, 0, ~0ULL, STRATA_GROUP_CLIENT, &g);
	assert_int_equal(g.n, 2);
	for (i = 0; i < g.n; i++)
		assert_int_equal(((struct strata_macroflow *)g.v)[i].key.group,
				 STRATA_GROUP_CLIENT);
	free(g.v);
	all_macros(d.cs, MW_OF(WIN) + MW_NS, ~0ULL, STRATA_GROUP_CLIENT, &g);
	assert_int_equal(g.n, 0);
	free(g.v);
	assert_int_equal(strata_cstore_macroflows(d.cs, 0, ~0ULL, __STRATA_GROUP_MAX, got_macro,
						  &g, err, sizeof(err)), -EINVAL);

	/* One macroflow window: a service, two clients, an application. */
	assert_counts(d.cs, &in, 3, 7, 3, 4, 0);
	assert_int_equal(in.windows_trimmed, 0);
	assert_true(in.budget == BUDGET);
	assert_true(in.macro_window_ns == MW_NS);
	assert_true(in.used_bytes > 0 && in.used_bytes <= BUDGET);
	cdir_rm(&d);
}

/* ---- the budget ---- */

#define BUDGET_CONV	100
#define BUDGET_WINDOWS	200
#define BUDGET_KEPT	20

/* Window @k: BUDGET_CONV conversations of one sensor. */
static void window_of(struct strata_lflow *lf, struct rng *r, unsigned int k)
{
	struct conv cv;
	int i;

	for (i = 0; i < BUDGET_CONV; i++) {
		conv_init(&cv, r, 6);
		ep4(&cv.cli, 10, 1, (__u8)(i >> 8), (__u8)i, (__u16)(32768 + k));
		conv_at(&cv, WIN + k * FW);
		mklf(&lf[i], &cv, 0, 0, 1);
	}
}

static void test_budget(void **state)
{
	struct strata_lflow *lf = calloc(BUDGET_CONV, sizeof(*lf));
	struct strata_cstore_info in;
	struct cdir d;
	struct rng r;
	struct got g;
	unsigned int k;

	(void)state;
	assert_non_null(lf);
	rng_seed(&r, 5);
	cdir_open(&d, STRATA_CSTORE_BUDGET_MIN);
	assert_int_equal(hello(d.cs, "busy", WIN), 0);
	for (k = 0; k < BUDGET_WINDOWS; k++) {
		window_of(lf, &r, k);
		put_window(d.cs, 0, WIN + k * FW, lf, BUDGET_CONV);
		assert_int_equal(stitch_all(d.cs), 1);
		info(d.cs, &in);
		assert_true(in.used_bytes <= STRATA_CSTORE_BUDGET_MIN);
	}
	assert_true(in.windows_trimmed > 0);
	/* The oldest windows went, at every level... */
	assert_int_equal(count_lflows(d.cs, WIN, WIN, ~0U, NULL), 0);
	all_cflows(d.cs, WIN, WIN, &g);
	assert_int_equal(g.n, 0);
	free(g.v);
	all_macros(d.cs, MW_OF(WIN), MW_OF(WIN), STRATA_GROUP_SERVICE, &g);
	assert_int_equal(g.n, 0);
	free(g.v);
	/*
	 * ...and only as many as the budget needs: the newest BUDGET_KEPT
	 * (a third of the budget's worth) are all there, each window whole.
	 */
	for (k = BUDGET_WINDOWS - BUDGET_KEPT; k < BUDGET_WINDOWS; k++) {
		assert_int_equal(count_lflows(d.cs, WIN + k * FW, WIN + k * FW, ~0U, NULL),
				 BUDGET_CONV);
		all_cflows(d.cs, WIN + k * FW, WIN + k * FW, &g);
		assert_int_equal(g.n, BUDGET_CONV);
		free(g.v);
	}
	info(d.cs, &in);
	assert_true(in.lflows >= BUDGET_KEPT * BUDGET_CONV);
	assert_true(in.lflows % BUDGET_CONV == 0);
	cdir_rm(&d);
	free(lf);
}

/* ---- readers beside the writer ---- */

#define RT_WINDOWS	40
#define RT_CONV		20

struct rt {
	struct strata_cstore *cs;
	int *done;		/* set by the writer when it is through */
	unsigned int rounds;
	unsigned int bad;	/* a reader failed, or saw half a window */
};

static void *reader_main(void *arg)
{
	struct rt *t = arg;
	struct strata_cstore_info in;
	char err[256];
	unsigned int k, rounds = 0, bad = 0;

	while (!__atomic_load_n(t->done, __ATOMIC_ACQUIRE) || !rounds) {
		struct got g = { 0 };

		bad += strata_cstore_info(t->cs, &in, err, sizeof(err)) != 0;
		bad += strata_cstore_sensors(t->cs, got_sensor, &g, err, sizeof(err)) != 0;
		free(g.v);
		for (k = 0; k < RT_WINDOWS; k += 7) {
			memset(&g, 0, sizeof(g));
			bad += strata_cstore_lflows(t->cs, WIN + k * FW, WIN + k * FW, ~0U, NULL,
						    got_lflow, &g, err, sizeof(err)) != 0;
			/* Each put is one transaction: all of a window or none. */
			bad += g.n != 0 && g.n != RT_CONV;
			free(g.v);
			memset(&g, 0, sizeof(g));
			bad += strata_cstore_cflows(t->cs, WIN + k * FW, WIN + k * FW, got_cflow, &g,
						    err, sizeof(err)) != 0;
			bad += g.n != 0 && g.n != RT_CONV;
			free(g.v);
		}
		memset(&g, 0, sizeof(g));
		bad += strata_cstore_macroflows(t->cs, 0, ~0ULL, STRATA_GROUP_CLIENT, got_macro, &g,
						err, sizeof(err)) != 0;
		free(g.v);
		rounds++;
	}
	t->rounds = rounds;
	t->bad = bad;
	return NULL;
}

static void test_reader_threads(void **state)
{
	struct strata_lflow lf[RT_CONV];
	struct rt t[3];
	pthread_t th[3];
	int done = 0;
	struct conv cv;
	struct cdir d;
	struct rng r;
	unsigned int k, i;

	(void)state;
	rng_seed(&r, 6);
	cdir_open(&d, BUDGET);
	assert_int_equal(hello(d.cs, "writer", WIN), 0);
	for (i = 0; i < 3; i++) {
		t[i] = (struct rt){ .cs = d.cs, .done = &done };
		assert_int_equal(pthread_create(&th[i], NULL, reader_main, &t[i]), 0);
	}
	for (k = 0; k < RT_WINDOWS; k++) {
		for (i = 0; i < RT_CONV; i++) {
			conv_init(&cv, &r, 17);
			cv.cli.port = (__u16)(10000 + i);
			conv_at(&cv, WIN + k * FW);
			mklf(&lf[i], &cv, 0, 0, 1);
		}
		put_window(d.cs, 0, WIN + k * FW, lf, RT_CONV);
		assert_int_equal(stitch_all(d.cs), 1);
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(t[i].rounds > 0);
		assert_int_equal(t[i].bad, 0);
	}
	assert_int_equal(count_lflows(d.cs, 0, ~0ULL, ~0U, NULL), RT_WINDOWS * RT_CONV);
	cdir_rm(&d);
}

/*
 * Stitching in a thread of its own while sensors' windows go on arriving
 * (some of them sent again, so windows change while they are being
 * stitched) ends with what stitching once at the end gives.
 */
#define ST_WINDOWS	12
#define ST_CONV		30

struct st {
	struct strata_cstore *cs;
	int *done;
	unsigned int rounds, stitched;
	int rc;
	char err[256];
};

static void *stitcher_main(void *arg)
{
	struct st *t = arg;

	while (!__atomic_load_n(t->done, __ATOMIC_ACQUIRE) && !t->rc) {
		unsigned int n = 0;

		__atomic_store_n(&t->rc, strata_cstore_stitch(t->cs, &n, t->err, sizeof(t->err)),
				 __ATOMIC_RELEASE);
		t->stitched += n;
		__atomic_add_fetch(&t->rounds, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * The puts of the scenario: two sensors, and every third window resent.
 * With @t, each window waits for a round of its stitcher, so that the two
 * interleave whatever the scheduler does.
 */
static void st_puts(struct strata_cstore *cs, const __u32 num[2],
		    struct strata_lflow lf[ST_WINDOWS][2][ST_CONV], struct st *t)
{
	unsigned int k, r;

	for (k = 0; k < ST_WINDOWS; k++) {
		r = t ? __atomic_load_n(&t->rounds, __ATOMIC_ACQUIRE) : 0;
		put_window(cs, num[0], WIN + k * FW, lf[k][0], ST_CONV);
		put_window(cs, num[1], WIN + k * FW, lf[k][1], ST_CONV);
		if (k >= 2 && k % 3 == 2)
			put_window(cs, num[0], WIN + (k - 2) * FW, lf[k - 2][0], ST_CONV);
		while (t && __atomic_load_n(&t->rounds, __ATOMIC_ACQUIRE) < r + 2 &&
		       !__atomic_load_n(&t->rc, __ATOMIC_ACQUIRE))
			sched_yield();
	}
}

static void test_stitch_thread(void **state)
{
	static struct strata_lflow lf[ST_WINDOWS][2][ST_CONV];
	struct snap a, b;
	struct cdir d1, d2;
	struct conv cv;
	struct rng r;
	struct st t;
	pthread_t th;
	int done = 0;
	__u32 n1[2], n2[2];
	unsigned int k, i;

	(void)state;
	rng_seed(&r, 9);
	for (k = 0; k < ST_WINDOWS; k++)
		for (i = 0; i < ST_CONV; i++) {
			conv_init(&cv, &r, 6);
			cv.cli.port = (__u16)(10000 + i);
			conv_at(&cv, WIN + k * FW);
			mklf(&lf[k][0][i], &cv, 0, 0, 2);
			mklf(&lf[k][1][i], &cv, 1, 1, 2);
		}
	cdir_open(&d1, BUDGET);
	cdir_open(&d2, BUDGET);
	n1[0] = hello(d1.cs, "a", WIN);
	n1[1] = hello(d1.cs, "b", WIN);
	n2[0] = hello(d2.cs, "a", WIN);
	n2[1] = hello(d2.cs, "b", WIN);

	t = (struct st){ .cs = d1.cs, .done = &done };
	assert_int_equal(pthread_create(&th, NULL, stitcher_main, &t), 0);
	st_puts(d1.cs, n1, lf, &t);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	if (t.rc)
		fail_msg("the stitcher thread: %s", t.err);
	assert_true(t.rounds >= 2 * ST_WINDOWS);
	assert_true(t.stitched >= ST_WINDOWS);
	stitch_all(d1.cs);

	st_puts(d2.cs, n2, lf, NULL);
	assert_int_equal(stitch_all(d2.cs), ST_WINDOWS);

	snap_take(d1.cs, &a);
	snap_take(d2.cs, &b);
	assert_int_equal(a.c.n, ST_WINDOWS * ST_CONV);
	snap_same(&a, &b);
	snap_free(&a);
	snap_free(&b);
	cdir_rm(&d1);
	cdir_rm(&d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_version2),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_put_stitch),
		cmocka_unit_test(test_settled),
		cmocka_unit_test(test_resend),
		cmocka_unit_test(test_put_refused),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_nat_first_rtt),
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_reader_threads),
		cmocka_unit_test(test_stitch_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
