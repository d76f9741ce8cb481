// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Stitching one flow window's location flows into connected flows, and
 * rolling connected flows up into macroflow groups (Documentation/central.rst).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
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
	__u32 kid;	/* the same for the same ckey: where its run starts in by-key order */
	__u32 kn;	/* the length of that run (join_keys()) */
	__u8 c;		/* the client endpoint of ckey */
};

/*
 * A sampled hash of one direction of one location flow: 16 bytes, for a
 * window has millions.
 */
struct fpe {
	__u64 hash;
	__u32 opos;	/* the direction (0 fwd, 1 rev) << 31 | the flow's position */
	__u32 kid;	/* its location flow's loc.kid */
};

#define FPE_POS(e)	((e)->opos & 0x7fffffffU)

/* A run of entries of one (hash, direction) in the sorted array. */
struct run {
	__u32 start;
	__u32 n;
};

/* A fingerprint candidate of one location flow. */
struct cand {
	__u32 sensor;
	__u32 score;
	__u32 pos;
};

/*
 * One location of a connected flow: the location flows one sensor has of it
 * (more than one where its host rewrote the addresses), client's side first.
 */
struct site {
	struct loc **l;
	size_t n;
	__u64 first_fwd;	/* its first forward packet, 0 unknown */
	__u8 ttl_fwd;		/* the highest forward TTL there */
};

/* Connected flow: its locations, in path order. */
struct comp {
	struct site *site;
	size_t n;
};

/* A sampled hash at a location: when it arrived there and when it left. */
struct smark {
	__u64 hash;
	__u64 t_in;
	__u64 t_out;
};

/* What a location saw of a conversation, over all its location flows. */
struct sview {
	const struct site *s;
	__u64 packets[2];	/* [0] forward, [1] reverse */
	__u64 bytes[2];
	struct smark fp[2][STRATA_FP_SAMPLE];
	__u32 nfp[2];
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

	return r ? r : cmp_u64(a->opos, b->opos);
}

/* Whether two entries are of one (hash, direction) run: 0 when they are. */
static int fpe_run_cmp(const struct fpe *a, const struct fpe *b)
{
	int r = cmp_u64(a->hash, b->hash);

	return r ? r : cmp_u64(a->opos >> 31, b->opos >> 31);
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

/*
 * Grouped by component, then by sensor (the sites), each site's location
 * flows client's side first: by their first forward packet (a rewritten
 * key that holds only replies comes after the one that holds requests),
 * unknown last; then by their first packet.
 */
static int half_cmp(const void *pa, const void *pb)
{
	const struct loc *a = *(struct loc *const *)pa, *b = *(struct loc *const *)pb;
	int r = cmp_u64(a->parent, b->parent);

	if (!r)
		r = cmp_u64(a->lf->sensor, b->lf->sensor);
	if (!r)	/* an unknown time sorts last */
		r = cmp_u64(fwd(a)->first_ns - 1, fwd(b)->first_ns - 1);
	if (!r)
		r = cmp_u64(rev(a)->first_ns - 1, rev(b)->first_ns - 1);
	if (!r)
		r = memcmp(&a->ckey, &b->ckey, sizeof(a->ckey));
	return r ? r : cmp_u64(a->pos, b->pos);
}

/* Grouped by component, each in path order (client's side first). */
static int site_cmp(const void *pa, const void *pb)
{
	const struct site *a = pa, *b = pb;
	int r = cmp_u64(a->l[0]->parent, b->l[0]->parent);

	if (!r)	/* each router on the way decrements the TTL */
		r = cmp_u64(b->ttl_fwd, a->ttl_fwd);
	if (!r)	/* an unknown time sorts last */
		r = cmp_u64(a->first_fwd - 1, b->first_fwd - 1);
	/* One site per sensor in a component: this decides. */
	return r ? r : cmp_u64(a->l[0]->lf->sensor, b->l[0]->lf->sensor);
}

static int comp_cmp(const void *pa, const void *pb)
{
	const struct loc *a = ((const struct comp *)pa)->site[0].l[0];
	const struct loc *b = ((const struct comp *)pb)->site[0].l[0];
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

/* Hashes two ascending samples share (their times: shared_dt()). */
static __u32 shared(const struct strata_fp_mark *a, __u32 na,
		    const struct strata_fp_mark *b, __u32 nb)
{
	__u32 i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		if (a[i].hash < b[j].hash) {
			i++;
		} else if (a[i].hash > b[j].hash) {
			j++;
		} else {
			k++;
			i++;
			j++;
		}
	}
	return k;
}

/* One key at different sensors is one conversation. */
static int join_keys(struct loc *locs, size_t n, struct loc ***out)
{
	struct loc **byk = malloc(n * sizeof(*byk));
	size_t i, j, k;

	*out = byk;
	if (!byk)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		byk[i] = &locs[i];
	qsort(byk, n, sizeof(*byk), key_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n; j++)
			if (memcmp(&byk[i]->ckey, &byk[j]->ckey, sizeof(byk[i]->ckey)))
				break;
		for (k = i; k < j; k++) {
			byk[k]->kid = (__u32)i;
			byk[k]->kn = (__u32)(j - i);
		}
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
	return 0;
}

/*
 * Whether @a and @b, of different sensors and keys, are two conversations
 * however alike their payloads (two clients sending the same request): one
 * of the two sensors saw the other's conversation itself, under that
 * conversation's own key, with packets in a direction its own flow has too.
 * Not so for a host that rewrote the addresses and saw each half under its
 * own key (its hook before the NAT: one key holds the requests, the other
 * the replies), nor for a proxy's two connections, where one's server is
 * the other's client (the proxy's own address).
 */
static bool two_conversations(struct loc *const *byk, const struct loc *a, const struct loc *b)
{
	const struct loc *x[2] = { a, b };
	unsigned int s;
	__u32 k;

	if (!memcmp(a->okey.addr[1], b->okey.addr[0], 16) ||
	    !memcmp(b->okey.addr[1], a->okey.addr[0], 16))
		return false;
	for (s = 0; s < 2; s++) {
		const struct loc *me = x[s], *other = x[!s];

		for (k = other->kid; k < other->kid + other->kn; k++) {
			const struct loc *f = byk[k];

			if (f->lf->sensor != me->lf->sensor)
				continue;
			if ((fwd(f)->packets && fwd(me)->packets) ||
			    (rev(f)->packets && rev(me)->packets))
				return true;
		}
	}
	return false;
}

/*
 * The hashes two location flows share, direction by direction, when that is
 * enough to join them: two, or one where either sampled only one; else 0.
 */
static __u32 fp_score(const struct loc *a, const struct loc *b)
{
	__u32 score = 0, need = 0, o;

	for (o = 0; o < 2; o++) {
		score += shared(a->fp[o], a->nfp[o], b->fp[o], b->nfp[o]);
		need += a->nfp[o] < b->nfp[o] ? a->nfp[o] : b->nfp[o];
	}
	if (need > 2)
		need = 2;
	return need && score >= need ? score : 0;
}

/*
 * Fingerprint candidates of location flow @p, in @cand; returns how many.
 * @runs holds the runs in @ent of @p's hashes that can bring any (found once
 * for all flows, not looked up per flow: a lookup in a table of millions of
 * entries is a cache miss per step).
 */
static size_t candidates(struct loc *locs, struct loc *const *byk, const struct fpe *ent,
			 const struct run *runs, __u32 nruns, __u32 *mark, __u32 p,
			 struct cand *cand)
{
	const struct loc *lp = &locs[p];
	size_t nc = 0, k;
	__u32 i;

	for (i = 0; i < nruns; i++) {
		for (k = runs[i].start; k < runs[i].start + runs[i].n; k++) {
			__u32 q = FPE_POS(&ent[k]), score;
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
			if (score && two_conversations(byk, lp, lq))
				score = 0;
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

/*
 * The sampled hashes of @n location flows, sorted as qsort() with
 * fpe_cmp() would, into *@out (*@nout of them): counted into buckets by the
 * top bits of the hash, written straight into their buckets, then each
 * bucket sorted on its own. Payload hashes are uniform, so a bucket holds a
 * few entries: two passes instead of a merge sort's log2(n), and no second
 * array (a window's entries are millions).
 */
static int fpe_sorted(const struct loc *locs, size_t n, struct fpe **out, size_t *nout)
{
	unsigned int bits = 4, shift;
	struct fpe *ent;
	size_t *end, nent = 0, i, b, nb;
	__u32 o, f;

	for (i = 0; i < n; i++)
		nent += locs[i].nfp[0] + locs[i].nfp[1];
	while (bits < 16 && (1UL << (bits + 2)) < nent)
		bits++;
	shift = 64 - bits;
	nb = 1UL << bits;
	end = calloc(nb + 1, sizeof(*end));
	ent = malloc((nent ? nent : 1) * sizeof(*ent));
	if (!end || !ent) {
		free(end);
		free(ent);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		for (o = 0; o < 2; o++)
			for (f = 0; f < locs[i].nfp[o]; f++)
				end[(locs[i].fp[o][f].hash >> shift) + 1]++;
	for (b = 0; b < nb; b++)
		end[b + 1] += end[b];
	/* end[b] is where bucket b starts; it becomes where it ends. */
	for (i = 0; i < n; i++) {
		for (o = 0; o < 2; o++) {
			for (f = 0; f < locs[i].nfp[o]; f++) {
				struct fpe *e = &ent[end[locs[i].fp[o][f].hash >> shift]++];

				e->hash = locs[i].fp[o][f].hash;
				e->opos = o << 31 | (__u32)i;
				e->kid = locs[i].kid;
			}
		}
	}
	for (b = 0, i = 0; b < nb; i = end[b++])
		if (end[b] - i > 1)
			qsort(ent + i, end[b] - i, sizeof(*ent), fpe_cmp);
	free(end);
	*out = ent;
	*nout = nent;
	return 0;
}

/* Different keys, the same payloads: NAT, proxies. */
static int join_fingerprints(struct loc *locs, struct loc *const *byk, size_t n)
{
	struct fpe *ent = NULL;
	struct cand *cand = NULL;
	__u32 *mark = NULL;
	struct run *runs = NULL;
	__u8 *nruns = NULL;
	size_t nent = 0, i, j, nc, k;
	int ret = -ENOMEM;

	/* Entries are counted in 32 bits (and positions kept in 31). */
	if (n > UINT32_MAX / (2 * STRATA_FP_SAMPLE))
		return -EINVAL;
	runs = malloc(n * 2 * STRATA_FP_SAMPLE * sizeof(*runs));
	nruns = calloc(n, sizeof(*nruns));
	mark = calloc(n, sizeof(*mark));
	/* A flow's hashes each bring at most COMMON_HASH others. */
	cand = malloc(2 * STRATA_FP_SAMPLE * COMMON_HASH * sizeof(*cand));
	if (!runs || !nruns || !mark || !cand || fpe_sorted(locs, n, &ent, &nent))
		goto out;
	for (i = 0; i < nent; i = j) {
		bool keys = false;

		for (j = i + 1; j < nent; j++)
			if (fpe_run_cmp(&ent[i], &ent[j]))
				break;
		/*
		 * A run brings candidates only if it has two keys (flows of one
		 * key are joined already, or are one sensor's) and is not too
		 * common: most runs, those of conversations no address
		 * rewriting touched, are left out here, not looked at per flow.
		 */
		for (k = i + 1; k < j && !keys; k++)
			keys = ent[k].kid != ent[i].kid;
		if (!keys || j - i > COMMON_HASH)
			continue;
		for (k = i; k < j; k++) {
			struct run *r = &runs[FPE_POS(&ent[k]) * 2 * STRATA_FP_SAMPLE +
					      nruns[FPE_POS(&ent[k])]++];

			r->start = (__u32)i;
			r->n = (__u32)(j - i);
		}
	}
	for (i = 0; i < n; i++) {
		nc = candidates(locs, byk, ent, runs + i * 2 * STRATA_FP_SAMPLE, nruns[i], mark,
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

/*
 * Hashes two locations' samples share; each one's arrival in @b minus its
 * departure from @a in @dt.
 */
static __u32 shared_dt(const struct smark *a, __u32 na, const struct smark *b,
		       __u32 nb, __s64 *dt)
{
	__u32 i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		if (a[i].hash < b[j].hash) {
			i++;
		} else if (a[i].hash > b[j].hash) {
			j++;
		} else {
			dt[k++] = (__s64)(b[j].t_in - a[i].t_out);
			i++;
			j++;
		}
	}
	return k;
}

/*
 * Adds a location flow's sample to a location's: the STRATA_FP_SAMPLE
 * smallest hashes of both, a hash both hold arriving at the earlier of
 * its times and leaving at the later. The smallest hashes of a union are
 * the smallest of the smallest of each part: the result is the sample a
 * single location flow of all the location's packets would have had.
 */
static void sample_add(struct smark *m, __u32 *nm, const struct strata_fp_mark *f, __u32 nf)
{
	struct smark out[STRATA_FP_SAMPLE];
	__u32 i = 0, j = 0, k = 0;

	while (k < STRATA_FP_SAMPLE && (i < *nm || j < nf)) {
		if (j == nf || (i < *nm && m[i].hash < f[j].hash)) {
			out[k++] = m[i++];
		} else if (i == *nm || f[j].hash < m[i].hash) {
			out[k].hash = f[j].hash;
			out[k].t_in = out[k].t_out = f[j].ts_ns;
			k++;
			j++;
		} else {
			out[k] = m[i++];
			if (f[j].ts_ns < out[k].t_in)
				out[k].t_in = f[j].ts_ns;
			if (f[j].ts_ns > out[k].t_out)
				out[k].t_out = f[j].ts_ns;
			k++;
			j++;
		}
	}
	memcpy(m, out, k * sizeof(*out));
	*nm = k;
}

/* Union-find over a site's location flows (local indexes). */
static __u32 lf_find(__u32 *p, __u32 i)
{
	while (p[i] != i) {
		p[i] = p[p[i]];
		i = p[i];
	}
	return i;
}

static void lf_union(__u32 *p, __u32 a, __u32 b)
{
	a = lf_find(p, a);
	b = lf_find(p, b);
	if (a < b)
		p[b] = a;
	else if (b < a)
		p[a] = b;
}

struct hent {
	__u64 key;	/* a hash, or a first time */
	__u64 last;	/* with a first time, the last */
	__u32 i;	/* the location flow (local index) */
};

static int hent_cmp(const void *pa, const void *pb)
{
	const struct hent *a = pa, *b = pb;
	int r = cmp_u64(a->key, b->key);

	return r ? r : cmp_u64(a->i, b->i);
}

/*
 * Direction @o (0 forward) of a location seen under several keys: how many
 * packets and bytes it saw, each packet once. The sensor's hook sees a
 * packet once, where it enters the host (or leaves it, when the host sent
 * it): behind a NAT its location flows hold different packets, requests
 * under one key, replies under the other, and add up. Two that hold the
 * same payloads in @o, or whose packets of @o overlap in time, saw those
 * packets twice, once received and once sent on (a proxy there): of each
 * such set only the one with the most packets counts. @p, @best: n each;
 * @e: n * (STRATA_FP_SAMPLE + 1).
 */
static void site_count(const struct site *s, int o, __u32 *p, __u32 *best,
		       struct hent *e, __u64 *packets, __u64 *bytes)
{
	const struct strata_dir_stats *d, *db;
	size_t ne = 0, k, j;
	__u32 i, f, n = (__u32)s->n;

	for (i = 0; i < n; i++)
		p[i] = i;
	/* The same payload at two of them. */
	for (i = 0; i < n; i++)
		for (f = 0; f < s->l[i]->nfp[o]; f++) {
			e[ne].key = s->l[i]->fp[o][f].hash;
			e[ne++].i = i;
		}
	qsort(e, ne, sizeof(*e), hent_cmp);
	for (k = 1; k < ne; k++)
		if (e[k].key == e[k - 1].key)
			lf_union(p, e[k - 1].i, e[k].i);
	/* Packets of two of them at the same time: a sweep by first time. */
	ne = 0;
	for (i = 0; i < n; i++) {
		d = o ? rev(s->l[i]) : fwd(s->l[i]);
		if (!d->packets || !d->first_ns)
			continue;
		e[ne].key = d->first_ns;
		e[ne].last = max_u64(d->first_ns, d->last_ns);
		e[ne++].i = i;
	}
	qsort(e, ne, sizeof(*e), hent_cmp);
	for (k = 1, j = 0; k < ne; k++) {
		if (e[k].key <= e[j].last) {
			lf_union(p, e[j].i, e[k].i);
			if (e[k].last > e[j].last)
				e[j].last = e[k].last;
		} else {
			j = k;
		}
	}
	/* Of each set, the one with the most packets; on a tie the first. */
	for (i = 0; i < n; i++)
		best[i] = UINT32_MAX;
	for (i = 0; i < n; i++) {
		f = lf_find(p, i);
		d = o ? rev(s->l[i]) : fwd(s->l[i]);
		if (best[f] != UINT32_MAX) {
			db = o ? rev(s->l[best[f]]) : fwd(s->l[best[f]]);
			if (d->packets <= db->packets)
				continue;
		}
		best[f] = i;
	}
	*packets = *bytes = 0;
	for (i = 0; i < n; i++) {
		if (best[i] == UINT32_MAX)
			continue;
		d = o ? rev(s->l[best[i]]) : fwd(s->l[best[i]]);
		*packets += d->packets;
		*bytes += d->bytes;
	}
}

static int key_ptr_cmp(const void *pa, const void *pb)
{
	const struct loc *a = *(struct loc *const *)pa, *b = *(struct loc *const *)pb;

	return memcmp(&a->ckey, &b->ckey, sizeof(a->ckey));
}

/* The distinct keys of a site, at most 255; @tmp: n. */
static __u8 site_nkeys(const struct site *s, struct loc **tmp)
{
	size_t i, k = 1;

	memcpy(tmp, s->l, s->n * sizeof(*tmp));
	qsort(tmp, s->n, sizeof(*tmp), key_ptr_cmp);
	for (i = 1; i < s->n; i++)
		k += !!key_ptr_cmp(&tmp[i - 1], &tmp[i]);
	return k > UINT8_MAX ? UINT8_MAX : (__u8)k;
}

/* What site @s saw, and its keys, into @v and @h. */
static int site_view(struct sview *v, struct strata_hop *h, const struct site *s)
{
	const struct loc *l0 = s->l[0];
	size_t i, o;
	__u32 *p;
	void *mem;

	memset(v, 0, sizeof(*v));
	v->s = s;
	h->sensor = l0->lf->sensor;
	h->client = l0->c;
	h->key = l0->ckey;
	h->nkeys = 1;
	h->first_ns = h->last_ns = 0;
	h->clock_sync = l0->lf->f.clock_sync;
	for (i = 0; i < s->n; i++) {
		const struct loc *l = s->l[i];

		h->clock_sync = strata_clock_worst(h->clock_sync, l->lf->f.clock_sync);
		h->first_ns = min_known(h->first_ns, min_known(fwd(l)->first_ns,
							       rev(l)->first_ns));
		h->last_ns = max_u64(h->last_ns, max_u64(fwd(l)->last_ns, rev(l)->last_ns));
		if (fwd(l)->ttl_max > h->ttl[0])
			h->ttl[0] = fwd(l)->ttl_max;
		if (rev(l)->ttl_max > h->ttl[1])
			h->ttl[1] = rev(l)->ttl_max;
		for (o = 0; o < 2; o++)
			sample_add(v->fp[o], &v->nfp[o], l->fp[o], l->nfp[o]);
		/*
		 * Unlike packets (site_count()), transactions add up: behind a
		 * NAT each half holds what the other lacks (one direction each,
		 * so usually none), and a proxy's two connections are two sets
		 * of exchanges.
		 */
		strata_txn_merge(&h->txn, &l->lf->f.txn);
		if (!h->key2.family && memcmp(&l->ckey, &l0->ckey, sizeof(l->ckey))) {
			h->client2 = l->c;
			h->key2 = l->ckey;
		}
	}
	if (s->n == 1) {
		v->packets[0] = fwd(l0)->packets;
		v->packets[1] = rev(l0)->packets;
		v->bytes[0] = fwd(l0)->bytes;
		v->bytes[1] = rev(l0)->bytes;
		return 0;
	}
	/* Rare (a rewrite at that host), and sized by the site, not the window. */
	mem = malloc(s->n * (2 * sizeof(__u32) + sizeof(struct loc *) +
			     (STRATA_FP_SAMPLE + 1) * sizeof(struct hent)));
	if (!mem)
		return -ENOMEM;
	p = mem;
	for (o = 0; o < 2; o++)
		site_count(s, (int)o, p, p + s->n,
			   (struct hent *)(void *)(p + 2 * s->n), &v->packets[o], &v->bytes[o]);
	h->nkeys = site_nkeys(s, (struct loc **)(void *)(p + 2 * s->n));
	free(mem);
	return 0;
}

/* Whether a location flow of @s has one of the first location's keys. */
static bool keys_first(const struct site *s, const struct strata_hop *first)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->l[i]->ckey, &first->key, sizeof(first->key)) ||
		    (first->key2.family &&
		     !memcmp(&s->l[i]->ckey, &first->key2, sizeof(first->key2))))
			return true;
	return false;
}

/* Hop @h of view @v: its delays and losses from the location before. */
static void hop_fill(struct strata_hop *h, const struct sview *v,
		     const struct sview *prev, const struct strata_hop *ph,
		     const struct strata_hop *first)
{
	__s64 dt[STRATA_FP_SAMPLE];

	h->packets[0] = v->packets[0];
	h->packets[1] = v->packets[1];
	h->bytes[0] = v->bytes[0];
	h->bytes[1] = v->bytes[1];
	h->delay_ns[0] = h->delay_ns[1] = STRATA_DELAY_NONE;
	if (!prev) {
		h->matched = STRATA_MATCH_FIRST;
		return;
	}
	h->matched = keys_first(v->s, first) ? STRATA_MATCH_KEY : STRATA_MATCH_FP;
	/*
	 * Requests travel from the previous location here, replies back: from
	 * when a payload left one location to when it reached the next (the
	 * same time, but at a proxy).
	 */
	h->delay_n[0] = shared_dt(prev->fp[0], prev->nfp[0], v->fp[0], v->nfp[0], dt);
	if (h->delay_n[0])
		h->delay_ns[0] = median(dt, h->delay_n[0]);
	h->delay_n[1] = shared_dt(v->fp[1], v->nfp[1], prev->fp[1], prev->nfp[1], dt);
	if (h->delay_n[1])
		h->delay_ns[1] = median(dt, h->delay_n[1]);
	h->lost[0] = (__s64)(ph->packets[0] - h->packets[0]);
	h->lost[1] = (__s64)(h->packets[1] - ph->packets[1]);
}

static int cflow_fill(struct strata_cflow *cf, const struct comp *g,
		      __u64 window_start, __u32 seq)
{
	size_t kept = g->n < STRATA_PATH_MAX ? g->n : STRATA_PATH_MAX, i;
	const struct site *ls = &g->site[kept - 1];
	const struct loc *last = ls->l[ls->n - 1];
	struct sview v[STRATA_PATH_MAX];
	int ret;

	/* Padding too: connected flows are stored and compared whole. */
	memset(cf, 0, sizeof(*cf));
	cf->window_start = window_start;
	cf->seq = seq;
	cf->nhops = (__u16)kept;
	cf->more_hops = g->n - kept > UINT16_MAX ? UINT16_MAX : (__u16)(g->n - kept);
	cf->key = g->site[0].l[0]->okey;
	/* The server as the last location saw it, after any rewrite there. */
	memcpy(cf->server, last->okey.addr[1], sizeof(cf->server));
	cf->server_port = last->okey.port[1];
	for (i = 0; i < kept; i++) {
		ret = site_view(&v[i], &cf->hop[i], &g->site[i]);
		if (ret)
			return ret;
		hop_fill(&cf->hop[i], &v[i], i ? &v[i - 1] : NULL,
			 i ? &cf->hop[i - 1] : NULL, &cf->hop[0]);
	}
	return 0;
}

/* Components in seq order, each its sites in path order; *ncomp of them. */
static int components(struct loc *locs, size_t n, struct loc ***order,
		      struct site **sites, struct comp **comps, size_t *ncomp)
{
	struct loc **ord = malloc(n * sizeof(*ord));
	struct site *st = malloc(n * sizeof(*st));
	struct comp *g = malloc(n * sizeof(*g));
	size_t i, ns = 0, ng = 0;

	if (!ord || !st || !g) {
		free(ord);
		free(st);
		free(g);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		locs[i].parent = uf_find(locs, (__u32)i);
		ord[i] = &locs[i];
	}
	qsort(ord, n, sizeof(*ord), half_cmp);
	for (i = 0; i < n; i++) {
		const struct loc *l = ord[i];

		if (!i || l->parent != ord[i - 1]->parent ||
		    l->lf->sensor != ord[i - 1]->lf->sensor) {
			st[ns].l = &ord[i];
			st[ns].n = 0;
			st[ns].first_fwd = 0;
			st[ns].ttl_fwd = 0;
			ns++;
		}
		st[ns - 1].n++;
		st[ns - 1].first_fwd = min_known(st[ns - 1].first_fwd, fwd(l)->first_ns);
		if (fwd(l)->ttl_max > st[ns - 1].ttl_fwd)
			st[ns - 1].ttl_fwd = fwd(l)->ttl_max;
	}
	qsort(st, ns, sizeof(*st), site_cmp);
	for (i = 0; i < ns; i++) {
		if (!i || st[i].l[0]->parent != st[i - 1].l[0]->parent) {
			g[ng].site = &st[i];
			g[ng].n = 0;
			ng++;
		}
		g[ng - 1].n++;
	}
	qsort(g, ng, sizeof(*g), comp_cmp);
	*order = ord;
	*sites = st;
	*comps = g;
	*ncomp = ng;
	return 0;
}

int strata_stitch(const struct strata_lflow *lf, size_t n, strata_cflow_fn fn, void *arg)
{
	struct strata_cflow cf;
	struct loc *locs, **ord = NULL, **byk = NULL;
	struct site *st = NULL;
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
	ret = join_keys(locs, n, &byk);
	if (!ret)
		ret = join_fingerprints(locs, byk, n);
	free(byk);
	if (!ret)
		ret = components(locs, n, &ord, &st, &g, &ng);
	for (i = 0; !ret && i < ng; i++) {
		ret = cflow_fill(&cf, &g[i], window_start, (__u32)i);
		if (!ret)
			ret = fn(&cf, arg);
	}
	free(g);
	free(st);
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

		m->unsynced += h->clock_sync == STRATA_CLOCK_UNSYNCED;
		for (d = 0; d < 2; d++)
			m->lost[d] += h->lost[d];
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
	/*
	 * The server's response time as measured nearest to it: at the first
	 * hop it would include the network in between, which the delays and
	 * the first hop's own txn already tell apart.
	 */
	if (nhops)
		strata_txn_merge(&m->txn, &c->hop[nhops - 1].txn);
	m->txn.app = 0;
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
