// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The central store: one LMDB environment with a table per level, keys
 * big-endian and time first, so every query is a range scan.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <lmdb.h>
#include <xxhash.h>
#include "cstore.h"
#include "bytes.h"
#include "err.h"
#include "lmdbutil.h"

/*
 * Tables (Documentation/central.rst, "Central store"):
 *   meta    "version", "next_sensor", "trimmed" -> __u64
 *   sensor  num (be32)                          -> struct strata_sensor
 *   lflow   window (be64), sensor (be32), conversation hash (be64)
 *                                               -> struct strata_lflow (version 2:
 *                                                  LFLOW_V2, below)
 *   cflow   window (be64), seq (be32)           -> struct strata_cflow up to
 *                                                  its last hop (nhops of them)
 *   macro   macro window (be64), group (u8), group hash (be64)
 *                                               -> struct strata_macroflow
 *   dirty   window (be64)                       -> struct mark of its last change:
 *                                                  to stitch
 *   mdirty  macro window (be64)                 -> struct mark of its last change:
 *                                                  to sum again
 */
/*
 * When a window last changed: @ns for settling, and the write transaction
 * that changed it, which tells a stitch computed outside the writer's lock
 * whether the window changed meanwhile (times can repeat; ids do not).
 */
struct mark {
	__u64 ns;
	__u64 txn;
};

struct lflows {
	struct strata_lflow *v;
	size_t n, cap;
};

struct cflows {
	struct strata_cflow *v;
	size_t n, cap;
};

/*
 * @lfs, @cfs: a window's location flows and connected flows while it is
 * stitched, kept from one window to the next (tens of MB each: allocating
 * them afresh costs a page fault per page every time); the stitching
 * thread's only.
 */
struct strata_cstore {
	MDB_env *env;
	MDB_dbi meta, sensor, lflow, cflow, macro, dirty, mdirty;
	__u64 budget;
	__u64 macro_ns;
	struct lflows lfs;
	struct cflows cfs;
};

#define CONV_SEED	0x73747261u	/* "stra" */

/*
 * Version 2 stored location flows, hops and macroflows without their
 * transaction timing: struct strata_store_flow of 656 bytes inside struct
 * strata_lflow, struct strata_hop without its last member, struct
 * strata_macroflow without its last. A version-2 store opened here becomes
 * version 3 (a build that reads only version 2 then refuses it, rather
 * than taking the new sizes for corruption); its old values stay, read
 * with zero transaction fields, until a window stitched again or trimmed
 * replaces them.
 */
#define VERSION_V2	2
#define SFLOW_V2	offsetof(struct strata_store_flow, txn)
#define LFLOW_V2	(sizeof(struct strata_lflow) - sizeof(struct strata_txn_stats))
#define HOP_V2		offsetof(struct strata_hop, txn)
#define MACRO_V2	offsetof(struct strata_macroflow, txn)
_Static_assert(offsetof(struct strata_lflow, f) == 0 &&
	       offsetof(struct strata_lflow, sensor) == sizeof(struct strata_store_flow),
	       "a location flow is its flow, then the rest");
_Static_assert(sizeof(struct strata_store_flow) - SFLOW_V2 == sizeof(struct strata_txn_stats),
	       "transaction timing ends the flow");
_Static_assert(sizeof(struct strata_hop) - HOP_V2 == sizeof(struct strata_txn_stats),
	       "transaction timing ends the hop");
_Static_assert(offsetof(struct strata_macroflow, unsynced) - MACRO_V2 ==
	       sizeof(struct strata_txn_stats) &&
	       sizeof(struct strata_macroflow) == offsetof(struct strata_macroflow, unsynced) + 8,
	       "transaction timing, then the unsynchronised locations, end the macroflow");

/*
 * A stored location flow back in a struct, of either version.
 * Return: 0, or MDB_CORRUPTED for another size.
 */
static int lflow_of(const MDB_val *v, struct strata_lflow *lf)
{
	const __u8 *p = v->mv_data;

	if (v->mv_size == sizeof(*lf)) {
		memcpy(lf, p, sizeof(*lf));
		return 0;
	}
	if (v->mv_size != LFLOW_V2)
		return MDB_CORRUPTED;
	memset(lf, 0, sizeof(*lf));
	memcpy(&lf->f, p, SFLOW_V2);
	memcpy(&lf->sensor, p + SFLOW_V2, LFLOW_V2 - SFLOW_V2);
	return 0;
}


static int lmdb_err(char *err, size_t errlen, int rc, const char *what)
{
	return strata_lmdb_err(err, errlen, rc, "central store", what);
}

static __u64 conv_hash(const struct strata_flow_key *conv)
{
	struct strata_flow_key canon;

	strata_store_canon_key(conv, &canon);
	return XXH64(&canon, sizeof(canon), CONV_SEED);
}

struct lkey {
	__u8 b[20];
	MDB_val v;
};

static MDB_val *lflow_key(struct lkey *k, __u64 window, __u32 sensor, __u64 h)
{
	strata_be64_put(k->b, window);
	strata_be32_put(k->b + 8, sensor);
	strata_be64_put(k->b + 12, h);
	k->v.mv_data = k->b;
	k->v.mv_size = 20;
	return &k->v;
}

static MDB_val *cflow_key(struct lkey *k, __u64 window, __u32 seq)
{
	strata_be64_put(k->b, window);
	strata_be32_put(k->b + 8, seq);
	k->v.mv_data = k->b;
	k->v.mv_size = 12;
	return &k->v;
}

static MDB_val *win_key(struct lkey *k, __u64 window)
{
	strata_be64_put(k->b, window);
	k->v.mv_data = k->b;
	k->v.mv_size = 8;
	return &k->v;
}


int strata_cstore_open(const char *path, __u64 budget, __u64 macro_window_ns, bool sync,
		       struct strata_cstore **out, char *err, size_t errlen)
{
	static const struct strata_lmdb_table dbs[] = {
		{ "meta", offsetof(struct strata_cstore, meta) },
		{ "sensor", offsetof(struct strata_cstore, sensor) },
		{ "lflow", offsetof(struct strata_cstore, lflow) },
		{ "cflow", offsetof(struct strata_cstore, cflow) },
		{ "macro", offsetof(struct strata_cstore, macro) },
		{ "dirty", offsetof(struct strata_cstore, dirty) },
		{ "mdirty", offsetof(struct strata_cstore, mdirty) },
	};
	struct strata_cstore *cs;
	MDB_txn *txn;
	__u64 version;
	int rc;

	if (budget < STRATA_CSTORE_BUDGET_MIN)
		return strata_seterr(err, errlen, EINVAL, "central store: a budget of %llu bytes is under %llu",
				     (unsigned long long)budget,
				     (unsigned long long)STRATA_CSTORE_BUDGET_MIN);
	if (!macro_window_ns || macro_window_ns % STRATA_STORE_FLOW_WINDOW_NS)
		return strata_seterr(err, errlen, EINVAL,
				     "central store: the macroflow window must be a multiple of %llu s",
				     STRATA_STORE_FLOW_WINDOW_NS / 1000000000ULL);
	if (mkdir(path, 0750) && errno != EEXIST)
		return strata_seterr(err, errlen, errno, "central store %s: %s", path, strerror(errno));
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return strata_seterr(err, errlen, ENOMEM, "central store: out of memory");
	cs->budget = budget;
	cs->macro_ns = macro_window_ns;
	/*
	 * Without @sync a commit is in the page cache when it returns: safe
	 * from a crash of the process, not from one of the machine.
	 */
	rc = strata_lmdb_open(&cs->env, path, budget, sync ? 0 : MDB_NOSYNC, dbs,
			      sizeof(dbs) / sizeof(dbs[0]), cs, &txn, err, errlen, "central store");
	if (rc)
		goto fail;
	rc = strata_lmdb_meta_get(txn, cs->meta, "version", &version);
	/* A new store, or one of version 2: its old values read (lflow_of()). */
	if (!rc && (!version || version == VERSION_V2))
		rc = strata_lmdb_meta_put(txn, cs->meta, "version", STRATA_CSTORE_VERSION);
	else if (!rc && version != STRATA_CSTORE_VERSION) {
		mdb_txn_abort(txn);
		rc = strata_seterr(err, errlen, EPROTO,
				   "central store %s: format %llu, this strata reads %d and %d", path,
				   (unsigned long long)version, VERSION_V2, STRATA_CSTORE_VERSION);
		goto fail;
	}
	if (!rc)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc) {
		rc = lmdb_err(err, errlen, rc, "open");
		goto fail;
	}
	*out = cs;
	return 0;
fail:
	strata_cstore_close(cs);
	return rc;
}

void strata_cstore_close(struct strata_cstore *cs)
{
	if (!cs)
		return;
	if (cs->env)
		mdb_env_close(cs->env);
	free(cs->lfs.v);
	free(cs->cfs.v);
	free(cs);
}

/* ---- sensors ---- */

static int sensor_get(struct strata_cstore *cs, MDB_txn *txn, __u32 num,
		      struct strata_sensor *s)
{
	struct lkey k;
	MDB_val v;
	int rc;

	strata_be32_put(k.b, num);
	k.v.mv_data = k.b;
	k.v.mv_size = 4;
	rc = mdb_get(txn, cs->sensor, &k.v, &v);
	if (!rc && v.mv_size != sizeof(*s))
		return MDB_CORRUPTED;
	if (!rc)
		memcpy(s, v.mv_data, sizeof(*s));
	return rc;
}

static int sensor_put(struct strata_cstore *cs, MDB_txn *txn, const struct strata_sensor *s)
{
	struct lkey k;
	MDB_val v = { sizeof(*s), (void *)s };

	strata_be32_put(k.b, s->num);
	k.v.mv_data = k.b;
	k.v.mv_size = 4;
	return mdb_put(txn, cs->sensor, &k.v, &v, 0);
}

static int txn_end(MDB_txn *txn, int rc, char *err, size_t errlen, const char *what)
{
	if (rc) {
		mdb_txn_abort(txn);
		return strata_lmdb_is_own(rc) ? lmdb_err(err, errlen, rc, what) : rc;
	}
	rc = mdb_txn_commit(txn);
	return rc ? lmdb_err(err, errlen, rc, what) : 0;
}

/* strata_lmdb_each(): -EEXIST, which stops the scan, at the sensor of id @arg. */
static int same_id(const void *rec, void *arg)
{
	return strcmp(((const struct strata_sensor *)rec)->id, arg) ? 0 : -EEXIST;
}

int strata_cstore_hello(struct strata_cstore *cs, const struct strata_hello *h, __u64 now_ns,
			struct strata_sensor *out, char *err, size_t errlen)
{
	struct strata_sensor s;
	MDB_txn *txn;
	__u64 next;
	bool found;
	int rc;

	rc = mdb_txn_begin(cs->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "hello");
	/* A few sensors: a scan by id is cheap and needs no second index. */
	rc = strata_lmdb_each(txn, cs->sensor, &s, sizeof(s), same_id, (void *)h->sensor_id);
	if (rc && rc != -EEXIST)
		return txn_end(txn, rc, err, errlen, "hello");
	found = rc == -EEXIST;
	rc = 0;
	if (!found) {
		memset(&s, 0, sizeof(s));
		rc = strata_lmdb_meta_get(txn, cs->meta, "next_sensor", &next);
		s.num = (__u32)next;
		snprintf(s.id, sizeof(s.id), "%s", h->sensor_id);
		s.first_seen_ns = now_ns;
		if (!rc)
			rc = strata_lmdb_meta_put(txn, cs->meta, "next_sensor", next + 1);
	}
	snprintf(s.version, sizeof(s.version), "%s", h->version);
	snprintf(s.api_url, sizeof(s.api_url), "%s", h->api_url);
	s.capabilities = h->capabilities;
	s.clock_sync = h->clock_sync;
	s.clock_error_ns = h->clock_error_ns;
	s.proto_version = h->proto_version;
	s.flow_window_ns = h->flow_window_ns;
	s.last_seen_ns = now_ns;
	if (!rc)
		rc = sensor_put(cs, txn, &s);
	rc = txn_end(txn, rc, err, errlen, "hello");
	if (!rc)
		*out = s;
	return rc;
}

/* ---- the budget ---- */

/*
 * The bytes that @txn's tables take: their pages, the free list's and the
 * main table's, and the two meta pages. Not the file's high-water mark
 * (mdb_env_info()'s last page): LMDB never lowers that, and it says
 * nothing of what a transaction has deleted so far.
 */
static __u64 used_bytes(struct strata_cstore *cs, MDB_txn *txn)
{
	const MDB_dbi dbis[] = {
		0 /* the free list */, 1 /* the main table */,
		cs->meta, cs->sensor, cs->lflow, cs->cflow, cs->macro, cs->dirty, cs->mdirty,
	};
	__u64 pages = 2, psize = 4096;
	MDB_stat st;
	size_t i;

	for (i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
		if (mdb_stat(txn, dbis[i], &st))
			continue;
		pages += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
		psize = st.ms_psize;
	}
	return pages * psize;
}

/* Deletes the entries of @dbi whose keys start with the 8 bytes @prefix or less. */
static int del_upto(MDB_txn *txn, MDB_dbi dbi, __u64 upto)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &c);

	if (rc)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) {
		if (k.mv_size < 8 || strata_be64_get(k.mv_data) > upto)
			break;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Keeps the store under its budget: while more than 3/4 of it is in use,
 * the oldest flow window goes, at every level. LMDB reuses freed pages only
 * a few transactions later, hence the margin.
 */
static int trim(struct strata_cstore *cs, MDB_txn *txn)
{
	__u64 trimmed;
	int rounds = 0, rc = 0;

	while (used_bytes(cs, txn) > cs->budget / 4 * 3 && rounds++ < 16) {
		MDB_cursor *c;
		MDB_val k, v;
		__u64 w;

		rc = mdb_cursor_open(txn, cs->lflow, &c);
		if (rc)
			return rc;
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		mdb_cursor_close(c);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc)
			return rc;
		w = strata_be64_get(k.mv_data);
		rc = del_upto(txn, cs->lflow, w);
		if (!rc)
			rc = del_upto(txn, cs->cflow, w);
		if (!rc)
			rc = del_upto(txn, cs->dirty, w);
		/* Macroflow windows that ended by then. */
		if (!rc && w + STRATA_STORE_FLOW_WINDOW_NS >= cs->macro_ns)
			rc = del_upto(txn, cs->macro, w + STRATA_STORE_FLOW_WINDOW_NS - cs->macro_ns);
		if (!rc && w + STRATA_STORE_FLOW_WINDOW_NS >= cs->macro_ns)
			rc = del_upto(txn, cs->mdirty, w + STRATA_STORE_FLOW_WINDOW_NS - cs->macro_ns);
		if (!rc)
			rc = strata_lmdb_meta_get(txn, cs->meta, "trimmed", &trimmed);
		if (!rc)
			rc = strata_lmdb_meta_put(txn, cs->meta, "trimmed", trimmed + 1);
		if (rc)
			return rc;
	}
	return rc;
}

/* ---- location flows ---- */

/* A location flow's place in a put: by flow window, then conversation hash. */
struct put_ord {
	__u64 window;
	__u64 hash;
	size_t i;
};

static int put_ord_cmp(const void *a, const void *b)
{
	const struct put_ord *x = a, *y = b;

	if (x->window != y->window)
		return x->window < y->window ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Puts one location flow under @k, written straight into LMDB's page.
 * @append: every key of this put is past the table's last one, in order:
 * LMDB then only appends (a key it already has, which only a sensor's own
 * duplicate can be, falls back to a plain put).
 */
static int lflow_put(struct strata_cstore *cs, MDB_txn *txn, MDB_val *k,
		     const struct strata_lflow *lf, __u32 sensor, bool append,
		     struct strata_sensor *s)
{
	MDB_val v = { sizeof(*lf), NULL };
	int rc = MDB_KEYEXIST;

	if (append)
		rc = mdb_put(txn, cs->lflow, k, &v, MDB_APPEND | MDB_RESERVE);
	if (rc == MDB_KEYEXIST) {
		v.mv_size = sizeof(*lf);
		rc = mdb_put(txn, cs->lflow, k, &v, MDB_NOOVERWRITE | MDB_RESERVE);
	}
	if (rc == MDB_KEYEXIST) {
		/* Sent again (a resend after a cut): the new one replaces it. */
		s->resent++;
		v.mv_size = sizeof(*lf);
		rc = mdb_put(txn, cs->lflow, k, &v, MDB_RESERVE);
	} else if (!rc) {
		s->lflows++;
	}
	if (rc)
		return rc;
	/* LMDB's values are only 2-byte aligned: bytes, not a struct. */
	memcpy(v.mv_data, lf, sizeof(*lf));
	memcpy((__u8 *)v.mv_data + offsetof(struct strata_lflow, sensor), &sensor,
	       sizeof(sensor));
	return 0;
}

/* Whether @k is past every key of @dbi. */
static int past_last(MDB_txn *txn, MDB_dbi dbi, const MDB_val *k, bool *past)
{
	MDB_cursor *c;
	MDB_val lk, lv;
	int rc = mdb_cursor_open(txn, dbi, &c);

	if (rc)
		return rc;
	rc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		*past = true;
		return 0;
	}
	*past = !rc && mdb_cmp(txn, dbi, k, &lk) > 0;
	return rc;
}

int strata_cstore_put(struct strata_cstore *cs, __u32 sensor, const struct strata_window_mark *w,
		      const struct strata_lflow *lf, size_t n, __u64 now_ns,
		      char *err, size_t errlen)
{
	struct strata_sensor s;
	__u64 last_dirty = ~0ULL;
	struct put_ord *ord;
	struct lkey k, dk;
	MDB_txn *txn;
	struct mark m = { now_ns, 0 };
	MDB_val when = { sizeof(m), &m };
	bool append = false;
	size_t i;
	int rc;

	if (n != w->flows)
		return strata_seterr(err, errlen, EPROTO,
				     "central store: a window mark for %llu flows after %zu",
				     (unsigned long long)w->flows, n);
	for (i = 0; i < n; i++)
		if (lf[i].f.window_start < w->from || lf[i].f.window_start >= w->to)
			return strata_seterr(err, errlen, EPROTO,
					     "central store: a location flow outside its window mark");
	/*
	 * In key order: LMDB then fills its pages one after another instead
	 * of splitting pages all over the table (the hashes are random).
	 */
	ord = malloc((n ? n : 1) * sizeof(*ord));
	if (!ord)
		return strata_seterr(err, errlen, ENOMEM, "central store: put: out of memory");
	for (i = 0; i < n; i++) {
		ord[i].window = lf[i].f.window_start;
		ord[i].hash = conv_hash(&lf[i].f.key);
		ord[i].i = i;
	}
	qsort(ord, n, sizeof(*ord), put_ord_cmp);
	rc = mdb_txn_begin(cs->env, NULL, 0, &txn);
	if (rc) {
		free(ord);
		return lmdb_err(err, errlen, rc, "put");
	}
	m.txn = mdb_txn_id(txn);
	rc = trim(cs, txn);
	if (!rc)
		rc = sensor_get(cs, txn, sensor, &s);
	if (!rc && n)
		rc = past_last(txn, cs->lflow, lflow_key(&k, ord[0].window, sensor, ord[0].hash),
			       &append);
	for (i = 0; i < n && !rc; i++) {
		rc = lflow_put(cs, txn, lflow_key(&k, ord[i].window, sensor, ord[i].hash),
			       &lf[ord[i].i], sensor, append, &s);
		if (!rc && ord[i].window != last_dirty) {
			last_dirty = ord[i].window;
			rc = mdb_put(txn, cs->dirty, win_key(&dk, last_dirty), &when, 0);
		}
	}
	free(ord);
	if (!rc) {
		if (w->to > s.through)
			s.through = w->to;
		s.windows++;
		s.last_seen_ns = now_ns;
		rc = sensor_put(cs, txn, &s);
	}
	return txn_end(txn, rc, err, errlen, "put");
}

/* ---- connected flows: stored with their hops only ---- */

/* The bytes a connected flow takes in the table: no unused hops. */
static size_t cflow_size(const struct strata_cflow *c)
{
	unsigned int n = c->nhops < STRATA_PATH_MAX ? c->nhops : STRATA_PATH_MAX;

	return offsetof(struct strata_cflow, hop) + n * sizeof(c->hop[0]);
}

/*
 * A stored connected flow back in a struct, its hops of either version:
 * MDB_CORRUPTED when its size is not its own.
 */
static int cflow_of(const MDB_val *v, struct strata_cflow *c)
{
	const size_t head = offsetof(struct strata_cflow, hop);
	const __u8 *p = v->mv_data;
	unsigned int i, n;

	if (v->mv_size < head || v->mv_size > sizeof(*c))
		return MDB_CORRUPTED;
	memcpy(c, p, head);
	n = c->nhops < STRATA_PATH_MAX ? c->nhops : STRATA_PATH_MAX;
	if (v->mv_size == cflow_size(c)) {
		memcpy(c->hop, p + head, v->mv_size - head);
	} else if (v->mv_size == head + n * HOP_V2) {
		memset(c->hop, 0, n * sizeof(c->hop[0]));
		for (i = 0; i < n; i++)
			memcpy(&c->hop[i], p + head + i * HOP_V2, HOP_V2);
	} else {
		return MDB_CORRUPTED;
	}
	memset(&c->hop[n], 0, (STRATA_PATH_MAX - n) * sizeof(c->hop[0]));
	return 0;
}

/* ---- stitching ---- */

/* Walks the entries of @dbi keyed by window in [@t1, @t2] (first 8 key bytes). */
static int range(MDB_txn *txn, MDB_dbi dbi, __u64 t1, __u64 t2,
		 int (*each)(const MDB_val *k, const MDB_val *v, void *arg), void *arg)
{
	struct lkey pos;
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &c);

	if (rc)
		return rc;
	k = *win_key(&pos, t1);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); !rc;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 8 || strata_be64_get(k.mv_data) > t2)
			break;
		rc = each(&k, &v, arg);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct lflow_walk {
	__u32 sensor;
	bool one_conv;
	struct strata_flow_key canon;
	strata_lflow_fn fn;
	void *arg;
};

static int lflow_each(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct lflow_walk *w = arg;
	struct strata_lflow lf;

	if (k->mv_size != 20)
		return MDB_CORRUPTED;
	if (w->sensor != ~0U && strata_be32_get((const __u8 *)k->mv_data + 8) != w->sensor)
		return 0;
	if (lflow_of(v, &lf))
		return MDB_CORRUPTED;
	if (w->one_conv && memcmp(&lf.f.key, &w->canon, sizeof(w->canon)))
		return 0;
	return w->fn(&lf, w->arg);
}

/* Copies the location flows of one window out of the table, one copy each. */
static int lflow_load(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct lflows *a = arg;
	struct strata_lflow *p;

	if (k->mv_size != 20 || (v->mv_size != sizeof(*p) && v->mv_size != LFLOW_V2))
		return MDB_CORRUPTED;
	p = strata_vec_room(a->v, a->n, &a->cap, sizeof(*p));
	if (!p)
		return -ENOMEM;
	a->v = p;
	return lflow_of(v, &a->v[a->n++]);
}

static int cflows_push(const struct strata_cflow *c, void *arg)
{
	struct cflows *a = arg;
	struct strata_cflow *v = strata_vec_room(a->v, a->n, &a->cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	a->v = v;
	memcpy(&a->v[a->n++], c, cflow_size(c));
	return 0;
}

/* Deletes the entries of @dbi whose key starts with window @w. */
static int del_window(MDB_txn *txn, MDB_dbi dbi, __u64 w)
{
	struct lkey k;
	MDB_cursor *c;
	MDB_val key, v;
	int rc = mdb_cursor_open(txn, dbi, &c);

	if (rc)
		return rc;
	key = *win_key(&k, w);
	for (rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE); !rc;
	     rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE)) {
		if (strata_be64_get(key.mv_data) != w)
			break;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
		key = *win_key(&k, w);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether @dbi still has @m for window @w: nothing changed it since. */
static int mark_same(MDB_txn *txn, MDB_dbi dbi, __u64 w, const struct mark *m, bool *same)
{
	struct lkey k;
	MDB_val v;
	int rc = mdb_get(txn, dbi, win_key(&k, w), &v);

	*same = !rc && v.mv_size == sizeof(*m) && !memcmp(v.mv_data, m, sizeof(*m));
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Stitches flow window @w (last changed at @m) again, its connected flows
 * replaced: stitched from a read transaction's snapshot, outside the
 * writer's lock (so sensors' puts go on meanwhile), then written in a short
 * write transaction, unless the window changed meanwhile (it stays marked,
 * and is stitched again once settled). Sets *@done when written.
 */
static int stitch_window(struct strata_cstore *cs, __u64 w, const struct mark *m,
			 struct lflows *lfs, struct cflows *cfs, __u64 mw_ns, bool *done)
{
	struct mark now = { mw_ns, 0 };
	MDB_val mv = { sizeof(now), &now };
	struct lkey k;
	MDB_txn *txn;
	bool same;
	size_t i;
	int rc;

	*done = false;
	lfs->n = 0;
	cfs->n = 0;
	rc = mdb_txn_begin(cs->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	rc = range(txn, cs->lflow, w, w, lflow_load, lfs);
	mdb_txn_abort(txn);
	if (!rc)
		rc = strata_stitch(lfs->v, lfs->n, cflows_push, cfs);
	if (rc)
		return rc;
	rc = mdb_txn_begin(cs->env, NULL, 0, &txn);
	if (rc)
		return rc;
	now.txn = mdb_txn_id(txn);
	rc = mark_same(txn, cs->dirty, w, m, &same);
	if (rc || !same) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = del_window(txn, cs->cflow, w);
	/*
	 * Not MDB_APPEND: a window stitched again (a sensor resending, or one
	 * late) is older than windows stored since.
	 */
	for (i = 0; i < cfs->n && !rc; i++) {
		MDB_val v = { cflow_size(&cfs->v[i]), NULL };

		rc = mdb_put(txn, cs->cflow, cflow_key(&k, w, cfs->v[i].seq), &v, MDB_RESERVE);
		if (!rc)
			memcpy(v.mv_data, &cfs->v[i], v.mv_size);
	}
	if (!rc)
		rc = mdb_del(txn, cs->dirty, win_key(&k, w), NULL);
	/*
	 * Its macroflow window is summed again once it has settled too: a
	 * burst of windows costs one sum, not one per window.
	 */
	if (!rc)
		rc = mdb_put(txn, cs->mdirty, win_key(&k, w / cs->macro_ns * cs->macro_ns), &mv, 0);
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	*done = !rc;
	return rc;
}

/* The macroflows of one window, summed in a hash table keyed by group. */
struct macro_sum {
	struct strata_cstore *cs;
	MDB_txn *txn;
	GHashTable *t;
	__u64 mw;
	int rc;
};

static guint mkey_hash(gconstpointer k)
{
	return (guint)XXH64(k, sizeof(struct strata_macro_key), CONV_SEED);
}

static gboolean mkey_equal(gconstpointer a, gconstpointer b)
{
	return !memcmp(a, b, sizeof(struct strata_macro_key));
}

/*
 * Adds the handshake RTTs of location flow (@c's window, @sensor, @key),
 * both directions, to @rtt; nothing when the store does not have it.
 */
static void rtt_add(struct macro_sum *ms, const struct strata_cflow *c, __u32 sensor,
		    const struct strata_flow_key *key, struct strata_stat *rtt)
{
	struct strata_lflow lf;
	struct lkey lk;
	MDB_val lv;

	if (mdb_get(ms->txn, ms->cs->lflow, lflow_key(&lk, c->window_start, sensor,
						      conv_hash(key)), &lv) ||
	    lflow_of(&lv, &lf))
		return;
	strata_stat_merge(rtt, &lf.f.dir[0].rtt_hs);
	strata_stat_merge(rtt, &lf.f.dir[1].rtt_hs);
}

static int macro_each(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct strata_macro_key keys[__STRATA_GROUP_MAX];
	struct macro_sum *ms = arg;
	struct strata_stat rtt;
	struct strata_cflow c;
	unsigned int g;

	(void)k;
	if (cflow_of(v, &c))
		return MDB_CORRUPTED;
	/*
	 * Handshake RTTs are in the first location's flows: under its second
	 * key too where its host rewrote the conversation.
	 */
	memset(&rtt, 0, sizeof(rtt));
	if (c.nhops)
		rtt_add(ms, &c, c.hop[0].sensor, &c.hop[0].key, &rtt);
	if (c.nhops && c.hop[0].nkeys > 1)
		rtt_add(ms, &c, c.hop[0].sensor, &c.hop[0].key2, &rtt);
	strata_macro_keys(&c, keys);
	for (g = 0; g < __STRATA_GROUP_MAX; g++) {
		struct strata_macroflow *m = g_hash_table_lookup(ms->t, &keys[g]);

		if (!m) {
			m = calloc(1, sizeof(*m));
			if (!m)
				return -ENOMEM;
			m->window_start = ms->mw;
			m->window_ns = ms->cs->macro_ns;
			m->key = keys[g];
			g_hash_table_insert(ms->t, &m->key, m);
		}
		strata_macro_add(m, &c);
		strata_stat_merge(&m->rtt_hs, &rtt);
	}
	return 0;
}

static int macro_put(struct strata_cstore *cs, MDB_txn *txn, const struct strata_macroflow *m)
{
	__u8 b[17];
	MDB_val k = { sizeof(b), b }, v = { sizeof(*m), (void *)m };

	strata_be64_put(b, m->window_start);
	b[8] = m->key.group;
	strata_be64_put(b + 9, XXH64(&m->key, sizeof(m->key), CONV_SEED));
	return mdb_put(txn, cs->macro, &k, &v, 0);
}

/*
 * Sums macroflow window @mw (last changed at @m) again from its connected
 * flows, as stitch_window() does: summed from a snapshot, written unless
 * it changed meanwhile.
 */
static int macro_window(struct strata_cstore *cs, __u64 mw, const struct mark *m)
{
	struct macro_sum ms = { .cs = cs, .mw = mw };
	GHashTableIter it;
	gpointer key, val;
	struct lkey k;
	MDB_txn *txn;
	bool same;
	int rc;

	rc = mdb_txn_begin(cs->env, NULL, MDB_RDONLY, &ms.txn);
	if (rc)
		return rc;
	ms.t = g_hash_table_new_full(mkey_hash, mkey_equal, NULL, free);
	rc = range(ms.txn, cs->cflow, mw, mw + cs->macro_ns - 1, macro_each, &ms);
	mdb_txn_abort(ms.txn);
	if (!rc)
		rc = mdb_txn_begin(cs->env, NULL, 0, &txn);
	if (rc) {
		g_hash_table_destroy(ms.t);
		return rc;
	}
	rc = mark_same(txn, cs->mdirty, mw, m, &same);
	if (!rc && same)
		rc = del_window(txn, cs->macro, mw);
	g_hash_table_iter_init(&it, ms.t);
	while (!rc && same && g_hash_table_iter_next(&it, &key, &val))
		rc = macro_put(cs, txn, val);
	if (!rc && same)
		rc = mdb_del(txn, cs->mdirty, win_key(&k, mw), NULL);
	g_hash_table_destroy(ms.t);
	if (rc || !same) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

struct settled {
	__u64 w;
	struct mark m;
};

/* Whether flow windows of [@t1, @t2) wait to be stitched (in @txn's dirty table). */
static bool pending(struct strata_cstore *cs, MDB_txn *txn, __u64 t1, __u64 t2)
{
	struct lkey pos;
	MDB_cursor *c;
	MDB_val k, v;
	bool any;

	if (mdb_cursor_open(txn, cs->dirty, &c))
		return true;
	k = *win_key(&pos, t1);
	any = !mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) &&
	      (k.mv_size != 8 || strata_be64_get(k.mv_data) < t2);
	mdb_cursor_close(c);
	return any;
}

/*
 * The windows of @dbi (keys of 8 bytes) whose last change is @settle_ns or
 * more before @now_ns, with their marks, from a read transaction. With
 * @macro (@dbi the macroflow windows), also those none of whose flow
 * windows waits to be stitched: nothing more is on its way to them.
 */
static int list_settled(struct strata_cstore *cs, MDB_dbi dbi, bool macro, __u64 settle_ns,
			__u64 now_ns, struct settled **out, size_t *n)
{
	size_t cap = 0;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_txn_begin(cs->env, NULL, MDB_RDONLY, &txn);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	rc = mdb_cursor_open(txn, dbi, &c);
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct settled *p;
		struct mark m;

		if (k.mv_size != 8 || v.mv_size != sizeof(m)) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&m, v.mv_data, sizeof(m));
		if ((now_ns < settle_ns || m.ns > now_ns - settle_ns) &&
		    (!macro || pending(cs, txn, strata_be64_get(k.mv_data),
				       strata_be64_get(k.mv_data) + cs->macro_ns)))
			continue;
		p = strata_vec_room(*out, *n, &cap, sizeof(*p));
		if (!p) {
			rc = -ENOMEM;
			break;
		}
		*out = p;
		(*out)[*n].w = strata_be64_get(k.mv_data);
		(*out)[(*n)++].m = m;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int strata_cstore_stitch_settled(struct strata_cstore *cs, __u64 settle_ns, __u64 now_ns,
				 unsigned int *stitched, char *err, size_t errlen)
{
	struct settled *wins = NULL, *mws = NULL;
	__u64 when = now_ns == ~0ULL ? 0 : now_ns;
	size_t nw = 0, nm = 0, i;
	unsigned int n = 0;
	bool done;
	int rc;

	if (stitched)
		*stitched = 0;
	rc = list_settled(cs, cs->dirty, false, settle_ns, now_ns, &wins, &nw);
	for (i = 0; i < nw && !rc; i++) {
		rc = stitch_window(cs, wins[i].w, &wins[i].m, &cs->lfs, &cs->cfs, when, &done);
		n += done;
	}
	if (!rc)
		rc = list_settled(cs, cs->mdirty, true, settle_ns, now_ns, &mws, &nm);
	for (i = 0; i < nm && !rc; i++)
		rc = macro_window(cs, mws[i].w, &mws[i].m);
	free(wins);
	free(mws);
	if (stitched)
		*stitched = n;
	if (strata_lmdb_is_own(rc))
		return lmdb_err(err, errlen, rc, "stitch");
	return rc ? strata_seterr(err, errlen, -rc, "central store: stitch: %s", strerror(-rc)) : 0;
}

int strata_cstore_stitch(struct strata_cstore *cs, unsigned int *stitched,
			 char *err, size_t errlen)
{
	return strata_cstore_stitch_settled(cs, 0, ~0ULL, stitched, err, errlen);
}

/* ---- readers ---- */

static int rtxn(struct strata_cstore *cs, MDB_txn **txn, char *err, size_t errlen)
{
	return strata_lmdb_rtxn(cs->env, txn, err, errlen, "central store");
}

/* Ends a read transaction: @rc an LMDB code, a callback's -errno, or 0. */
static int rend(MDB_txn *txn, int rc, char *err, size_t errlen, const char *what)
{
	return strata_lmdb_rend(txn, rc, err, errlen, "central store", what);
}

int strata_cstore_info(struct strata_cstore *cs, struct strata_cstore_info *info,
		       char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc = rtxn(cs, &txn, err, errlen);

	if (rc)
		return rc;
	memset(info, 0, sizeof(*info));
	info->budget = cs->budget;
	info->used_bytes = used_bytes(cs, txn);
	info->macro_window_ns = cs->macro_ns;
	rc = mdb_stat(txn, cs->sensor, &st);
	info->sensors = st.ms_entries;
	if (!rc)
		rc = mdb_stat(txn, cs->lflow, &st);
	info->lflows = st.ms_entries;
	if (!rc)
		rc = mdb_stat(txn, cs->cflow, &st);
	info->cflows = st.ms_entries;
	if (!rc)
		rc = mdb_stat(txn, cs->macro, &st);
	info->macroflows = st.ms_entries;
	if (!rc)
		rc = mdb_stat(txn, cs->dirty, &st);
	info->dirty = st.ms_entries;
	if (!rc)
		rc = mdb_stat(txn, cs->mdirty, &st);
	info->dirty += st.ms_entries;
	if (!rc)
		rc = strata_lmdb_meta_get(txn, cs->meta, "trimmed", &info->windows_trimmed);
	return rend(txn, rc, err, errlen, "info");
}

struct sensor_walk {
	strata_sensor_fn fn;
	void *arg;
};

static int sensor_one(const void *rec, void *arg)
{
	struct sensor_walk *w = arg;

	return w->fn(rec, w->arg);
}

int strata_cstore_sensors(struct strata_cstore *cs, strata_sensor_fn fn, void *arg,
			  char *err, size_t errlen)
{
	struct sensor_walk w = { fn, arg };
	struct strata_sensor s;
	MDB_txn *txn;
	int rc = rtxn(cs, &txn, err, errlen);

	if (rc)
		return rc;
	rc = strata_lmdb_each(txn, cs->sensor, &s, sizeof(s), sensor_one, &w);
	return rend(txn, rc, err, errlen, "sensors");
}

int strata_cstore_lflows(struct strata_cstore *cs, __u64 t1, __u64 t2, __u32 sensor,
			 const struct strata_flow_key *conv, strata_lflow_fn fn, void *arg,
			 char *err, size_t errlen)
{
	struct lflow_walk w = { .sensor = sensor, .one_conv = conv != NULL, .fn = fn, .arg = arg };
	MDB_txn *txn;
	int rc;

	if (conv)
		strata_store_canon_key(conv, &w.canon);
	rc = rtxn(cs, &txn, err, errlen);
	if (rc)
		return rc;
	rc = range(txn, cs->lflow, t1 / STRATA_STORE_FLOW_WINDOW_NS * STRATA_STORE_FLOW_WINDOW_NS,
		   t2, lflow_each, &w);
	return rend(txn, rc, err, errlen, "location flows");
}

int strata_cstore_lflow_get(struct strata_cstore *cs, __u64 window, __u32 sensor,
			    const struct strata_flow_key *conv, struct strata_lflow *out,
			    char *err, size_t errlen)
{
	struct lkey k;
	MDB_txn *txn;
	MDB_val v;
	int rc = rtxn(cs, &txn, err, errlen);

	if (rc)
		return rc;
	rc = mdb_get(txn, cs->lflow, lflow_key(&k, window, sensor, conv_hash(conv)), &v);
	if (!rc)
		rc = lflow_of(&v, out);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return strata_seterr(err, errlen, ENOENT, "no such location flow");
	}
	return rend(txn, rc, err, errlen, "location flow");
}

struct cflow_walk {
	strata_cflow_fn fn;
	void *arg;
};

static int cflow_each(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct cflow_walk *w = arg;
	struct strata_cflow c;

	(void)k;
	if (cflow_of(v, &c))
		return MDB_CORRUPTED;
	return w->fn(&c, w->arg);
}

int strata_cstore_cflows(struct strata_cstore *cs, __u64 t1, __u64 t2, strata_cflow_fn fn,
			 void *arg, char *err, size_t errlen)
{
	struct cflow_walk w = { fn, arg };
	MDB_txn *txn;
	int rc = rtxn(cs, &txn, err, errlen);

	if (rc)
		return rc;
	rc = range(txn, cs->cflow, t1 / STRATA_STORE_FLOW_WINDOW_NS * STRATA_STORE_FLOW_WINDOW_NS,
		   t2, cflow_each, &w);
	return rend(txn, rc, err, errlen, "connected flows");
}

int strata_cstore_cflow_get(struct strata_cstore *cs, __u64 window, __u32 seq,
			    struct strata_cflow *out, char *err, size_t errlen)
{
	struct lkey k;
	MDB_txn *txn;
	MDB_val v;
	int rc = rtxn(cs, &txn, err, errlen);

	if (rc)
		return rc;
	rc = mdb_get(txn, cs->cflow, cflow_key(&k, window, seq), &v);
	if (!rc)
		rc = cflow_of(&v, out);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return strata_seterr(err, errlen, ENOENT, "no such connected flow");
	}
	return rend(txn, rc, err, errlen, "connected flow");
}

struct macro_walk {
	unsigned int group;
	strata_macroflow_fn fn;
	void *arg;
};

static int macro_read(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct macro_walk *w = arg;
	struct strata_macroflow m;

	if (k->mv_size != 17 || (v->mv_size != sizeof(m) && v->mv_size != MACRO_V2))
		return MDB_CORRUPTED;
	if (((const __u8 *)k->mv_data)[8] != w->group)
		return 0;
	memset(&m, 0, sizeof(m));
	memcpy(&m, v->mv_data, v->mv_size);
	return w->fn(&m, w->arg);
}

int strata_cstore_macroflows(struct strata_cstore *cs, __u64 t1, __u64 t2, unsigned int group,
			     strata_macroflow_fn fn, void *arg, char *err, size_t errlen)
{
	struct macro_walk w = { group, fn, arg };
	MDB_txn *txn;
	int rc;

	if (group >= __STRATA_GROUP_MAX)
		return strata_seterr(err, errlen, EINVAL, "no grouping %u", group);
	rc = rtxn(cs, &txn, err, errlen);
	if (rc)
		return rc;
	rc = range(txn, cs->macro, t1 / cs->macro_ns * cs->macro_ns, t2, macro_read, &w);
	return rend(txn, rc, err, errlen, "macroflows");
}
