// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Stitching one flow window's location flows into connected flows, and
 * rolling connected flows up into macroflow groups (Documentation/central.rst).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "central.h"
#include "keywords.h"

/*
 * A payload hash in more location flows of a window than this finds no
 * fingerprint candidates: pairing every flow of such a run with every other
 * would be quadratic, and a payload that common (a health check, a
 * keepalive) says nothing about which conversation is which. It still
 * counts in the score of a pair that another hash brought together.
 */
#define COMMON_HASH	64

/* One location flow as stitching sees it. */
struct loc {
	const struct strata_lflow *lf;
	struct strata_flow_key ckey;	/* canonical, padding zeroed */
	struct strata_flow_key okey;	/* oriented: endpoint 0 the client */
	const struct strata_fp_mark *fp[2];	/* [0] fwd sample, [1] rev */
	__u32 nfp[2];
	__u32 pos;	/* index in the (sensor, key) order */
	__u32 parent;	/* union-find; the component's root once resolved */
	__u8 c;		/* the client endpoint of ckey */
};

/* A sampled hash of one direction of one location flow. */
struct fpe {
	__u64 hash;
	__u32 run;	/* first entry of the (hash, o) run */
	__u32 nrun;	/* entries in that run */
	__u32 o;	/* 0 fwd, 1 rev */
	__u32 pos;
};

/* A fingerprint candidate of one location flow. */
struct cand {
	__u32 sensor;
	__u32 score;
	__u32 pos;
};

/* Connected flow: its locations, in path order. */
struct comp {
	struct loc **hop;
	size_t n;
};

/* The earlier of two times, 0 meaning unknown. */
static __u64 min_known(__u64 a, __u64 b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

static __u64 max_u64(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

static __u8 client_of(const struct strata_store_flow *f)
{
	__u64 t0 = f->dir[0].first_ns, t1 = f->dir[1].first_ns;

	if (f->has_initiator)
		return f->initiator ? 1 : 0;
	/* Without a handshake the client is on the ephemeral, higher port. */
	if (f->key.port[0] != f->key.port[1])
		return f->key.port[1] > f->key.port[0];
	return t1 && (!t0 || t1 < t0);
}

/*
 * A sample's usable length: the merges below need it strictly ascending,
 * and a sensor's bytes are not trusted to be; one that is not counts as
 * empty rather than matching at random.
 */
static __u32 sample_len(const struct strata_lflow *lf, int d)
{
	__u32 n = lf->nfp[d] < STRATA_FP_SAMPLE ? lf->nfp[d] : STRATA_FP_SAMPLE;
	__u32 i;

	for (i = 1; i < n; i++)
		if (lf->fp[d][i].hash <= lf->fp[d][i - 1].hash)
			return 0;
	return n;
}

static void loc_init(struct loc *l, const struct strata_lflow *lf)
{
	__u8 c;

	memset(l, 0, sizeof(*l));
	l->lf = lf;
	l->ckey = lf->f.key;
	l->ckey.pad = 0;
	c = client_of(&lf->f);
	l->c = c;
	memcpy(l->okey.addr[0], l->ckey.addr[c], 16);
	memcpy(l->okey.addr[1], l->ckey.addr[!c], 16);
	l->okey.port[0] = l->ckey.port[c];
	l->okey.port[1] = l->ckey.port[!c];
	l->okey.proto = l->ckey.proto;
	l->okey.family = l->ckey.family;
	l->fp[0] = lf->fp[c];
	l->fp[1] = lf->fp[!c];
	l->nfp[0] = sample_len(lf, c);
	l->nfp[1] = sample_len(lf, !c);
}

static const struct strata_dir_stats *fwd(const struct loc *l)
{
	return &l->lf->f.dir[l->c];
}

static const struct strata_dir_stats *rev(const struct loc *l)
{
	return &l->lf->f.dir[!l->c];
}

static int cmp_u64(__u64 a, __u64 b)
{
	return (a > b) - (a < b);
}

/*
 * The working order: (sensor, key), then the whole input so that even two
 * entries of one sensor and key sort the same whatever the array order.
 */
static int loc_cmp(const void *pa, const void *pb)
{
	const struct loc *a = pa, *b = pb;
	int r = cmp_u64(a->lf->sensor, b->lf->sensor);

	if (!r)
		r = memcmp(&a->ckey, &b->ckey, sizeof(a->ckey));
	return r ? r : memcmp(a->lf, b->lf, sizeof(*a->lf));
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct loc *a = *(struct loc *const *)pa, *b = *(struct loc *const *)pb;
	int r = memcmp(&a->ckey, &b->ckey, sizeof(a->ckey));

	return r ? r : cmp_u64(a->pos, b->pos);
}

static int fpe_cmp(const void *pa, const void *pb)
{
	const struct fpe *a = pa, *b = pb;
	int r = cmp_u64(a->hash, b->hash);

	if (!r)
		r = cmp_u64(a->o, b->o);
	return r ? r : cmp_u64(a->pos, b->pos);
}

/* Whether two entries are of one (hash, o) run: 0 when they are. */
static int fpe_run_cmp(const void *pa, const void *pb)
{
	const struct fpe *a = pa, *b = pb;
	int r = cmp_u64(a->hash, b->hash);

	return r ? r : cmp_u64(a->o, b->o);
}

/* Per other sensor, the best score first, then the lower position. */
static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int r = cmp_u64(a->sensor, b->sensor);

	if (!r)
		r = cmp_u64(b->score, a->score);
	return r ? r : cmp_u64(a->pos, b->pos);
}

/* Grouped by component, each in path order (client's side first). */
static int path_cmp(const void *pa, const void *pb)
{
	const struct loc *a = *(struct loc *const *)pa, *b = *(struct loc *const *)pb;
	__u64 ta = fwd(a)->first_ns, tb = fwd(b)->first_ns;
	int r = cmp_u64(a->parent, b->parent);

	if (!r)	/* each router on the way decrements the TTL */
		r = cmp_u64(fwd(b)->ttl_max, fwd(a)->ttl_max);
	if (!r)	/* an unknown time sorts last */
		r = cmp_u64(ta - 1, tb - 1);
	if (!r)
		r = cmp_u64(a->lf->sensor, b->lf->sensor);
	if (!r)
		r = memcmp(&a->ckey, &b->ckey, sizeof(a->ckey));
	return r ? r : cmp_u64(a->pos, b->pos);
}

static int comp_cmp(const void *pa, const void *pb)
{
	const struct loc *a = ((const struct comp *)pa)->hop[0];
	const struct loc *b = ((const struct comp *)pb)->hop[0];
	int r = memcmp(&a->okey, &b->okey, sizeof(a->okey));

	if (!r)
		r = cmp_u64(a->lf->sensor, b->lf->sensor);
	return r ? r : cmp_u64(a->pos, b->pos);
}

static int s64_cmp(const void *pa, const void *pb)
{
	__s64 a = *(const __s64 *)pa, b = *(const __s64 *)pb;

	return (a > b) - (a < b);
}

static __u32 uf_find(struct loc *l, __u32 i)
{
	while (l[i].parent != i) {
		l[i].parent = l[l[i].parent].parent;	/* path halving */
		i = l[i].parent;
	}
	return i;
}

/* The lower position becomes the root: the same roots for the same input. */
static void uf_union(struct loc *l, __u32 a, __u32 b)
{
	a = uf_find(l, a);
	b = uf_find(l, b);
	if (a < b)
		l[b].parent = a;
	else if (b < a)
		l[a].parent = b;
}

/*
 * Hashes two ascending samples share; with @dt, each one's time in @b minus
 * its time in @a.
 */
static __u32 shared(const struct strata_fp_mark *a, __u32 na,
		    const struct strata_fp_mark *b, __u32 nb, __s64 *dt)
{
	__u32 i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		if (a[i].hash < b[j].hash) {
			i++;
		} else if (a[i].hash > b[j].hash) {
			j++;
		} else {
			if (dt)
				dt[k] = (__s64)(b[j].ts_ns - a[i].ts_ns);
			k++;
			i++;
			j++;
		}
	}
	return k;
}

/* One key at different sensors is one conversation. */
static int join_keys(struct loc *locs, size_t n)
{
	struct loc **byk = malloc(n * sizeof(*byk));
	size_t i, j, k;

	if (!byk)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		byk[i] = &locs[i];
	qsort(byk, n, sizeof(*byk), key_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n; j++)
			if (memcmp(&byk[i]->ckey, &byk[j]->ckey, sizeof(byk[i]->ckey)))
				break;
		/*
		 * Sorted by position, so by sensor: two sensors at least when
		 * the ends differ, and then every flow of the run has a
		 * partner of another sensor.
		 */
		if (byk[i]->lf->sensor == byk[j - 1]->lf->sensor)
			continue;
		for (k = i + 1; k < j; k++)
			uf_union(locs, byk[i]->pos, byk[k]->pos);
	}
	free(byk);
	return 0;
}

/*
 * The hashes two location flows share, direction by direction, when that is
 * enough to join them: two, or one where either sampled only one; else 0.
 */
static __u32 fp_score(const struct loc *a, const struct loc *b)
{
	__u32 score = 0, need = 0, o;

	for (o = 0; o < 2; o++) {
		score += shared(a->fp[o], a->nfp[o], b->fp[o], b->nfp[o], NULL);
		need += a->nfp[o] < b->nfp[o] ? a->nfp[o] : b->nfp[o];
	}
	if (need > 2)
		need = 2;
	return need && score >= need ? score : 0;
}

/*
 * Fingerprint candidates of location flow @p, in @cand; returns how many.
 * @runs holds, for each of @p's hashes, the first entry of its run in @ent
 * (found once for all flows, not looked up per flow: a lookup in a table of
 * millions of entries is a cache miss per step).
 */
static size_t candidates(struct loc *locs, const struct fpe *ent, const __u32 *runs,
			 __u32 nruns, __u32 *mark, __u32 p, struct cand *cand)
{
	const struct loc *lp = &locs[p];
	size_t nc = 0, k;
	__u32 i;

	for (i = 0; i < nruns; i++) {
		const struct fpe *e = &ent[runs[i]];

		if (e->nrun > COMMON_HASH)
			continue;
		for (k = e->run; k < e->run + e->nrun; k++) {
			__u32 q = ent[k].pos, score;
			const struct loc *lq = &locs[q];

			if (mark[q] == p + 1)
				continue;
			mark[q] = p + 1;
			/* Same key joined already; one sensor never. */
			if (lq->lf->sensor == lp->lf->sensor ||
			    lq->ckey.proto != lp->ckey.proto ||
			    !memcmp(&lq->ckey, &lp->ckey, sizeof(lq->ckey)))
				continue;
			score = fp_score(lp, lq);
			if (!score)
				continue;
			cand[nc].sensor = lq->lf->sensor;
			cand[nc].score = score;
			cand[nc].pos = q;
			nc++;
		}
	}
	return nc;
}

/* Different keys, the same payloads: NAT, proxies. */
static int join_fingerprints(struct loc *locs, size_t n)
{
	struct fpe *ent = NULL;
	struct cand *cand = NULL;
	__u32 *mark = NULL, *runs = NULL;
	__u8 *nruns = NULL;
	size_t nent = 0, i, j, nc, k;
	int ret = -ENOMEM;
	__u32 o, f;

	/* Entries are counted in 32 bits. */
	if (n > UINT32_MAX / (2 * STRATA_FP_SAMPLE))
		return -EINVAL;
	ent = calloc(n, 2 * STRATA_FP_SAMPLE * sizeof(*ent));
	runs = calloc(n, 2 * STRATA_FP_SAMPLE * sizeof(*runs));
	nruns = calloc(n, sizeof(*nruns));
	mark = calloc(n, sizeof(*mark));
	/* A flow's hashes each bring at most COMMON_HASH others. */
	cand = malloc(2 * STRATA_FP_SAMPLE * COMMON_HASH * sizeof(*cand));
	if (!ent || !runs || !nruns || !mark || !cand)
		goto out;
	for (i = 0; i < n; i++) {
		for (o = 0; o < 2; o++) {
			for (f = 0; f < locs[i].nfp[o]; f++) {
				ent[nent].hash = locs[i].fp[o][f].hash;
				ent[nent].o = o;
				ent[nent].pos = (__u32)i;
				nent++;
			}
		}
	}
	qsort(ent, nent, sizeof(*ent), fpe_cmp);
	for (i = 0; i < nent; i = j) {
		for (j = i + 1; j < nent; j++)
			if (fpe_run_cmp(&ent[i], &ent[j]))
				break;
		for (k = i; k < j; k++) {
			__u32 p = ent[k].pos;

			ent[k].run = (__u32)i;
			ent[k].nrun = (__u32)(j - i);
			runs[p * 2 * STRATA_FP_SAMPLE + nruns[p]++] = (__u32)i;
		}
	}
	for (i = 0; i < n; i++) {
		nc = candidates(locs, ent, runs + i * 2 * STRATA_FP_SAMPLE, nruns[i], mark,
				(__u32)i, cand);
		qsort(cand, nc, sizeof(*cand), cand_cmp);
		for (k = 0; k < nc; k++)
			if (!k || cand[k].sensor != cand[k - 1].sensor)
				uf_union(locs, (__u32)i, cand[k].pos);
	}
	ret = 0;
out:
	free(ent);
	free(runs);
	free(nruns);
	free(mark);
	free(cand);
	return ret;
}

/* The lower median of @n (> 0) samples. */
static __s64 median(__s64 *v, __u32 n)
{
	qsort(v, n, sizeof(*v), s64_cmp);
	return v[(n - 1) / 2];
}

static void hop_fill(struct strata_hop *h, const struct loc *l,
		     const struct loc *prev, const struct strata_hop *ph,
		     const struct loc *first)
{
	__s64 dt[STRATA_FP_SAMPLE];

	h->sensor = l->lf->sensor;
	if (!prev)
		h->matched = STRATA_MATCH_FIRST;
	else if (!memcmp(&l->ckey, &first->ckey, sizeof(l->ckey)))
		h->matched = STRATA_MATCH_KEY;
	else
		h->matched = STRATA_MATCH_FP;
	h->client = l->c;
	h->key = l->ckey;
	h->first_ns = min_known(fwd(l)->first_ns, rev(l)->first_ns);
	h->last_ns = max_u64(fwd(l)->last_ns, rev(l)->last_ns);
	h->packets[0] = fwd(l)->packets;
	h->packets[1] = rev(l)->packets;
	h->bytes[0] = fwd(l)->bytes;
	h->bytes[1] = rev(l)->bytes;
	h->ttl[0] = fwd(l)->ttl_max;
	h->ttl[1] = rev(l)->ttl_max;
	h->delay_ns[0] = h->delay_ns[1] = STRATA_DELAY_NONE;
	if (!prev)
		return;
	/* Requests travel from the previous location here, replies back. */
	h->delay_n[0] = shared(prev->fp[0], prev->nfp[0], l->fp[0], l->nfp[0], dt);
	if (h->delay_n[0])
		h->delay_ns[0] = median(dt, h->delay_n[0]);
	h->delay_n[1] = shared(l->fp[1], l->nfp[1], prev->fp[1], prev->nfp[1], dt);
	if (h->delay_n[1])
		h->delay_ns[1] = median(dt, h->delay_n[1]);
	h->lost[0] = (__s64)(ph->packets[0] - h->packets[0]);
	h->lost[1] = (__s64)(h->packets[1] - ph->packets[1]);
}

static void cflow_fill(struct strata_cflow *cf, const struct comp *g,
		       __u64 window_start, __u32 seq)
{
	size_t kept = g->n < STRATA_PATH_MAX ? g->n : STRATA_PATH_MAX, i;
	const struct loc *last = g->hop[kept - 1];

	/* Padding too: connected flows are stored and compared whole. */
	memset(cf, 0, sizeof(*cf));
	cf->window_start = window_start;
	cf->seq = seq;
	cf->nhops = (__u16)kept;
	cf->more_hops = g->n - kept > UINT16_MAX ? UINT16_MAX : (__u16)(g->n - kept);
	cf->key = g->hop[0]->okey;
	memcpy(cf->server, last->okey.addr[1], sizeof(cf->server));
	cf->server_port = last->okey.port[1];
	for (i = 0; i < kept; i++)
		hop_fill(&cf->hop[i], g->hop[i], i ? g->hop[i - 1] : NULL,
			 i ? &cf->hop[i - 1] : NULL, g->hop[0]);
}

/* Components in seq order, each in path order; *ncomp of them. */
static int components(struct loc *locs, size_t n, struct loc ***order,
		      struct comp **comps, size_t *ncomp)
{
	struct loc **ord = malloc(n * sizeof(*ord));
	struct comp *g = malloc(n * sizeof(*g));
	size_t i, ng = 0;

	if (!ord || !g) {
		free(ord);
		free(g);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		locs[i].parent = uf_find(locs, (__u32)i);
		ord[i] = &locs[i];
	}
	qsort(ord, n, sizeof(*ord), path_cmp);
	for (i = 0; i < n; i++) {
		if (!i || ord[i]->parent != ord[i - 1]->parent) {
			g[ng].hop = &ord[i];
			g[ng].n = 0;
			ng++;
		}
		g[ng - 1].n++;
	}
	qsort(g, ng, sizeof(*g), comp_cmp);
	*order = ord;
	*comps = g;
	*ncomp = ng;
	return 0;
}

int strata_stitch(const struct strata_lflow *lf, size_t n, strata_cflow_fn fn, void *arg)
{
	struct strata_cflow cf;
	struct loc *locs, **ord = NULL;
	struct comp *g = NULL;
	__u64 window_start;
	size_t i, ng = 0;
	int ret;

	if (!n)
		return 0;
	/* Positions are 32-bit, and mark[] in candidates() counts to n + 1. */
	if (n >= UINT32_MAX)
		return -EINVAL;
	locs = malloc(n * sizeof(*locs));
	if (!locs)
		return -ENOMEM;
	window_start = lf[0].f.window_start;
	for (i = 0; i < n; i++) {
		loc_init(&locs[i], &lf[i]);
		if (lf[i].f.window_start < window_start)
			window_start = lf[i].f.window_start;
	}
	/* From here on, only positions in this order decide anything. */
	qsort(locs, n, sizeof(*locs), loc_cmp);
	for (i = 0; i < n; i++)
		locs[i].pos = locs[i].parent = (__u32)i;
	ret = join_keys(locs, n);
	if (!ret)
		ret = join_fingerprints(locs, n);
	if (!ret)
		ret = components(locs, n, &ord, &g, &ng);
	for (i = 0; !ret && i < ng; i++) {
		cflow_fill(&cf, &g[i], window_start, (__u32)i);
		ret = fn(&cf, arg);
	}
	free(g);
	free(ord);
	free(locs);
	return ret;
}

void strata_macro_keys(const struct strata_cflow *c, struct strata_macro_key keys[__STRATA_GROUP_MAX])
{
	struct strata_macro_key *k;
	__u16 nhops = c->nhops < STRATA_PATH_MAX ? c->nhops : STRATA_PATH_MAX;

	memset(keys, 0, __STRATA_GROUP_MAX * sizeof(*keys));
	k = &keys[STRATA_GROUP_SERVICE];
	k->group = STRATA_GROUP_SERVICE;
	/* The server's family is the last location's, where it was seen. */
	k->family = nhops ? c->hop[nhops - 1].key.family : c->key.family;
	k->proto = c->key.proto;
	k->port = c->server_port;
	memcpy(k->addr, c->server, sizeof(k->addr));
	k = &keys[STRATA_GROUP_CLIENT];
	k->group = STRATA_GROUP_CLIENT;
	k->family = c->key.family;
	memcpy(k->addr, c->key.addr[0], sizeof(k->addr));
	k = &keys[STRATA_GROUP_APP];
	k->group = STRATA_GROUP_APP;
	k->proto = c->key.proto;
	strata_app_name(c->key.proto, c->server_port, k->app, sizeof(k->app));
}

void strata_macro_add(struct strata_macroflow *m, const struct strata_cflow *c)
{
	__u16 nhops = c->nhops < STRATA_PATH_MAX ? c->nhops : STRATA_PATH_MAX;
	bool all_delays = nhops >= 2;
	__s64 delay = 0;
	__u16 i;
	int d;

	m->cflows++;
	m->hops += (__u64)c->nhops + c->more_hops;
	for (d = 0; nhops && d < 2; d++) {
		m->packets[d] += c->hop[0].packets[d];
		m->bytes[d] += c->hop[0].bytes[d];
	}
	for (i = 0; i < nhops; i++) {
		const struct strata_hop *h = &c->hop[i];

		for (d = 0; d < 2; d++)
			if (h->lost[d] > 0)
				m->lost[d] += (__u64)h->lost[d];
		m->first_ns = min_known(m->first_ns, h->first_ns);
		m->last_ns = max_u64(m->last_ns, h->last_ns);
		if (!i)
			continue;
		if (h->delay_ns[0] == STRATA_DELAY_NONE)
			all_delays = false;
		else if (__builtin_add_overflow(delay, h->delay_ns[0], &delay))
			delay = h->delay_ns[0] < 0 ? INT64_MIN : INT64_MAX;
	}
	/* Clocks of two sensors can disagree by more than the path's delay. */
	if (all_delays)
		strata_stat_add(&m->delay, delay < 0 ? 0 : (__u64)delay);
}

struct app {
	__u8 proto;
	__u16 port;
	const char *name;
};

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP
#define SCTP	IPPROTO_SCTP

static const struct app apps[] = {
	{ TCP, 22, "ssh" },		{ TCP, 25, "smtp" },
	{ TCP, 53, "dns" },		{ UDP, 53, "dns" },
	{ UDP, 67, "dhcp" },		{ TCP, 80, "http" },
	{ UDP, 123, "ntp" },		{ UDP, 161, "snmp" },
	{ TCP, 179, "bgp" },		{ TCP, 389, "ldap" },
	{ TCP, 443, "https" },		{ UDP, 443, "quic" },
	{ TCP, 445, "smb" },		{ UDP, 514, "syslog" },
	{ TCP, 587, "submission" },	{ TCP, 853, "dot" },
	{ TCP, 993, "imaps" },		{ TCP, 995, "pop3s" },
	{ TCP, 2049, "nfs" },		{ UDP, 2049, "nfs" },
	{ UDP, 2055, "netflow" },	{ TCP, 3306, "mysql" },
	{ TCP, 3389, "rdp" },		{ TCP, 4739, "ipfix" },
	{ UDP, 4739, "ipfix" },		{ SCTP, 4739, "ipfix" },
	{ UDP, 5060, "sip" },		{ TCP, 5432, "postgresql" },
	{ TCP, 6379, "redis" },		{ TCP, 8080, "http-alt" },
	{ TCP, 9092, "kafka" },		{ TCP, 11211, "memcached" },
};

const char *strata_app_name(__u8 proto, __u16 port, char *buf, size_t len)
{
	char num[4];
	size_t i;

	if (!len)
		return buf;
	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (apps[i].proto == proto && apps[i].port == port) {
			snprintf(buf, len, "%s", apps[i].name);
			return buf;
		}
	/* The protocol names are the configuration's ("tcp", "icmpv6"). */
	if (proto == TCP || proto == UDP || proto == SCTP)
		snprintf(buf, len, "%s/%u", strata_proto_name(proto, num, sizeof(num)), port);
	else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		snprintf(buf, len, "%s", strata_proto_name(proto, num, sizeof(num)));
	else
		snprintf(buf, len, "ip/%u", proto);
	return buf;
}
