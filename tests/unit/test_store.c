// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the LMDB packet store: byte-for-byte round trips with both
 * codecs, time and conversation queries against brute force, the block
 * table, microflow block references, retention by size and age, pins, a
 * SIGKILLed writer, the on-disk layout of store.rst, format versions,
 * corrupt blocks, bad options, a reader thread and read-only opens.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <lmdb.h>
#include <zstd.h>
#include <xxhash.h>

#include "unit.h"
#include "store.h"

#define NCPU		4
#define NCONV		8
#define PKT_HDR		(sizeof(struct strata_rec) + sizeof(struct strata_rec_packet))
#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)
#define T0		1700000000000000000ULL	/* 2023-11-14, ns */

/* ---- temporary directories ---- */

struct tdir {
	char path[64];
};

static void tdir_make(struct tdir *d)
{
	strcpy(d->path, "/tmp/strata-store-XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static void tdir_rm(struct tdir *d)
{
	char f[128];

	snprintf(f, sizeof(f), "%s/data.mdb", d->path);
	unlink(f);
	snprintf(f, sizeof(f), "%s/lock.mdb", d->path);
	unlink(f);
	rmdir(d->path);
}

static __u64 file_size(const struct tdir *d)
{
	char f[128];
	struct stat sb;

	snprintf(f, sizeof(f), "%s/data.mdb", d->path);
	assert_int_equal(stat(f, &sb), 0);
	return (__u64)sb.st_size;
}

/* ---- packets ---- */

/* A conversation: endpoints a and b, not in canonical order on purpose. */
struct conv {
	__u8 a[16];
	__u8 b[16];
	__u16 pa;
	__u16 pb;
	__u8 proto;
	__u8 family;
};

static struct conv convs[NCONV];

static void convs_init(void)
{
	unsigned int i;

	for (i = 0; i < NCONV; i++) {
		struct conv *c = &convs[i];

		memset(c, 0, sizeof(*c));
		if (i < NCONV / 2) {
			c->family = 4;
			c->a[10] = c->a[11] = c->b[10] = c->b[11] = 0xff;
			c->a[12] = 10, c->a[15] = (__u8)(200 - i);	/* a > b for some */
			c->b[12] = 10, c->b[15] = (__u8)(1 + i * 40);
		} else {
			c->family = 6;
			c->a[0] = 0x20, c->a[1] = 0x01, c->a[15] = (__u8)(i * 3);
			c->b[0] = 0x20, c->b[1] = 0x01, c->b[15] = (__u8)(90 - i);
		}
		c->proto = i % 2 ? 17 : 6;
		c->pa = (__u16)(40000 + i);
		c->pb = i == 3 ? (__u16)(40000 + i) : 443;	/* equal addresses: ports decide */
		if (i == 3)
			memcpy(c->b, c->a, 16);
	}
}

/* The conversation's key with its endpoints in the order given. */
static void conv_key(const struct conv *c, bool swap, struct strata_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr[swap], c->a, 16);
	memcpy(k->addr[!swap], c->b, 16);
	k->port[swap] = c->pa;
	k->port[!swap] = c->pb;
	k->proto = c->proto;
	k->family = c->family;
}

/* The canonical key, by the core. */
static void canon(const struct conv *c, struct strata_flow_key *k)
{
	struct strata_pkt p;

	memset(&p, 0, sizeof(p));
	memcpy(p.saddr, c->a, 16);
	memcpy(p.daddr, c->b, 16);
	p.sport = c->pa;
	p.dport = c->pb;
	p.proto = c->proto;
	p.family = c->family;
	strata_flow_key(&p, k);
}

struct tpkt {
	unsigned int cpu;
	__u64 seq;
	unsigned int conv;
	__u64 block;
	struct strata_rec_packet p;
	const __u8 *data;
};

/* Time goes on by 0.1-2 us a packet; each record is up to 20 us late on its CPU. */
struct gen {
	struct rng r;
	__u64 t;
	__u64 last_ts[NCPU];
	__u64 seq[NCPU];
	__u32 cap_min;
	__u32 cap_max;
	bool cheap;		/* packet bytes: a pattern, not random (bulk tests) */
};

static void gen_init(struct gen *g, __u64 seed, __u64 t, __u32 cap_min, __u32 cap_max)
{
	memset(g, 0, sizeof(*g));
	rng_seed(&g->r, seed);
	g->t = t;
	g->cap_min = cap_min;
	g->cap_max = cap_max;
}

static void fill(struct rng *r, __u8 *p, size_t n)
{
	__u64 x;

	while (n >= 8) {
		x = rng_u64(r);
		memcpy(p, &x, 8);
		p += 8;
		n -= 8;
	}
	x = rng_u64(r);
	memcpy(p, &x, n);
}

/* The next packet; its data goes to @data (room for cap_max bytes). */
static void gen_next(struct gen *g, struct tpkt *t, __u8 *data)
{
	struct rng *r = &g->r;
	unsigned int cpu = (unsigned int)rng_range(r, 0, NCPU - 1);
	const struct conv *c;
	__u64 ts;
	bool back;

	memset(t, 0, sizeof(*t));
	g->t += rng_range(r, 100, 2000);
	ts = g->t - rng_range(r, 0, 20000);
	if (ts < g->last_ts[cpu])
		ts = g->last_ts[cpu];
	g->last_ts[cpu] = ts;
	t->cpu = cpu;
	t->seq = ++g->seq[cpu];
	t->conv = (unsigned int)rng_range(r, 0, NCONV - 1);
	c = &convs[t->conv];
	back = rng_u64(r) & 1;
	t->p.ts_ns = ts;
	memcpy(t->p.saddr, back ? c->b : c->a, 16);
	memcpy(t->p.daddr, back ? c->a : c->b, 16);
	t->p.sport = back ? c->pb : c->pa;
	t->p.dport = back ? c->pa : c->pb;
	t->p.family = c->family;
	t->p.proto = c->proto;
	t->p.caplen = (__u32)rng_range(r, g->cap_min, g->cap_max);
	t->p.wire_len = t->p.caplen + (__u32)rng_range(r, 0, 1000);
	t->p.ttl = 64;
	t->p.ip_id = (__u32)rng_u64(r) & 0xffff;
	t->p.tcp_seq = (__u32)rng_u64(r);
	t->p.tcp_window = 512;
	t->p.nseg = (__u8)rng_range(r, 0, 16);
	t->p.seg[0] = (__u32)rng_u64(r);
	t->p.fp_hash = rng_u64(r);
	t->p.key_hash = 0x1000 + t->conv;
	t->p.dir = back;
	t->p.generation = 7;
	if (g->cheap)
		memset(data, (__u8)t->seq, t->p.caplen);
	else
		fill(r, data, t->p.caplen);
	t->data = data;
}

static int tpkt_cmp(const void *a, const void *b)
{
	const struct tpkt *x = a, *y = b;

	if (x->p.ts_ns != y->p.ts_ns)
		return x->p.ts_ns < y->p.ts_ns ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A set of packets with their bytes. */
struct pset {
	struct tpkt *v;
	unsigned int n;
	unsigned int cap;
	__u8 *arena;
	size_t used;
	size_t arena_cap;
};

static void pset_init(struct pset *ps, unsigned int cap, size_t arena)
{
	memset(ps, 0, sizeof(*ps));
	ps->v = calloc(cap, sizeof(*ps->v));
	ps->arena = malloc(arena);
	ps->cap = cap;
	ps->arena_cap = arena;
	assert_non_null(ps->v);
	assert_non_null(ps->arena);
}

static void pset_free(struct pset *ps)
{
	free(ps->v);
	free(ps->arena);
}

/* Room for the next packet's bytes. */
static __u8 *pset_room(struct pset *ps, __u32 n)
{
	assert_true(ps->n < ps->cap);
	assert_true(ps->used + n <= ps->arena_cap);
	return ps->arena + ps->used;
}

static void pset_push(struct pset *ps, const struct tpkt *t)
{
	__u8 *d = pset_room(ps, t->p.caplen);

	ps->v[ps->n] = *t;
	if (t->data != d)
		memcpy(d, t->data, t->p.caplen);
	ps->v[ps->n].data = d;
	ps->used += t->p.caplen;
	ps->n++;
}

static int collect(const struct strata_store_rec *r, void *arg)
{
	struct pset *ps = arg;
	struct tpkt t;

	memset(&t, 0, sizeof(t));
	t.cpu = r->cpu;
	t.seq = r->seq;
	t.block = r->block;
	t.p = *r->pkt;
	t.data = r->data;
	pset_push(ps, &t);
	return 0;
}

static int count_fn(const struct strata_store_rec *r, void *arg)
{
	(void)r;
	++*(unsigned int *)arg;
	return 0;
}

/* Counts into @held the packets of conversation @k (NULL: all) over all time. */
static int count_all(struct strata_store *s, const struct strata_flow_key *k,
		     unsigned int *held, char *err, size_t errlen)
{
	*held = 0;
	return strata_store_packets(s, 0, ~0ULL, k, count_fn, held, err, errlen);
}

static void same_pkt(const struct tpkt *a, const struct tpkt *b)
{
	assert_int_equal(a->cpu, b->cpu);
	assert_int_equal(a->seq, b->seq);
	assert_memory_equal(&a->p, &b->p, sizeof(a->p));
	if (a->p.caplen)
		assert_memory_equal(a->data, b->data, a->p.caplen);
}

/* ---- store helpers ---- */

/*
 * The suites run twice: the writer calls sealing and committing in the
 * caller's thread, then (committer_mode) with the store's committer thread,
 * the periodic flushes not waiting.
 */
static bool committer_mode;

static struct strata_store *sopen_o(struct strata_store_opts *o)
{
	struct strata_store *s;
	char err[512];
	int rc;

	if (!o->readonly)
		o->committer = committer_mode;
	rc = strata_store_open(o, &s, err, sizeof(err));

	if (rc)
		fail_msg("open: %d %s", rc, err);
	return s;
}

static struct strata_store *sopen(const char *path, __u64 budget, __u32 block, __u32 codec,
				  __u64 max_age)
{
	struct strata_store_opts o;

	strata_store_opts_init(&o, path);
	o.budget = budget;
	o.block_bytes = block;
	o.codec = codec;
	o.max_age_ns = max_age;
	return sopen_o(&o);
}

static struct strata_store *sopen_ro(const char *path)
{
	struct strata_store_opts o;

	strata_store_opts_init(&o, path);
	o.readonly = true;
	return sopen_o(&o);
}

static void sadd(struct strata_store *s, const struct tpkt *t)
{
	char err[512];
	int rc = strata_store_add_packet(s, t->cpu, t->seq, &t->p, t->data, err, sizeof(err));

	if (rc)
		fail_msg("add: %d %s", rc, err);
}

static void sflush_nowait(struct strata_store *s)
{
	char err[512];
	int rc = strata_store_flush_nowait(s, err, sizeof(err));

	if (rc)
		fail_msg("flush_nowait: %d %s", rc, err);
}

static void sflush(struct strata_store *s)
{
	char err[512];
	int rc = strata_store_flush(s, err, sizeof(err));

	if (rc)
		fail_msg("flush: %d %s", rc, err);
}

static void sclose(struct strata_store *s)
{
	char err[512];
	int rc = strata_store_close(s, err, sizeof(err));

	if (rc)
		fail_msg("close: %d %s", rc, err);
}

static void sinfo(struct strata_store *s, struct strata_store_info *in)
{
	char err[512];
	int rc = strata_store_info(s, in, err, sizeof(err));

	if (rc)
		fail_msg("info: %d %s", rc, err);
}

/* Every record of [t1, t2] (of @conv when given), in the store's order. */
static void query(struct strata_store *s, __u64 t1, __u64 t2, const struct strata_flow_key *conv,
		  struct pset *out)
{
	char err[512];
	int rc;

	out->n = 0;
	out->used = 0;
	rc = strata_store_packets(s, t1, t2, conv, collect, out, err, sizeof(err));
	if (rc)
		fail_msg("packets: %d %s", rc, err);
}

/*
 * Writes @n generated packets, flushing every @every, into @s and @all
 * (each when given). Return: the raw record bytes written.
 */
static __u64 write_packets(struct strata_store *s, struct gen *g, unsigned int n,
			   unsigned int every, struct pset *all)
{
	static __u8 buf[STRATA_SNAPLEN_MAX];
	struct tpkt t;
	unsigned int i;
	__u64 raw = 0;

	for (i = 0; i < n; i++) {
		gen_next(g, &t, all ? pset_room(all, g->cap_max) : buf);
		if (s)
			sadd(s, &t);
		if (all)
			pset_push(all, &t);
		raw += ALIGN8(PKT_HDR + t.p.caplen);
		if (s && every && (i + 1) % every == 0)
			sflush_nowait(s);
	}
	return raw;
}

/* ---- fixtures: one store of 20000 packets per codec ---- */

struct fix {
	struct tdir d;
	struct strata_store *s;
	struct pset all;	/* sorted by (ts, cpu, seq) */
	struct pset got;
	__u32 codec;
};

#define FIX_N		20000
#define FIX_BLOCK	(16U << 10)

/* A new store in @d (made here) holding @n generated packets, closed. */
static void store_with(struct tdir *d, __u32 codec, __u64 seed, unsigned int n,
		       __u32 cap_min, __u32 cap_max)
{
	struct strata_store *s;
	struct gen gn;

	convs_init();
	tdir_make(d);
	s = sopen(d->path, 8ULL << 20, FIX_BLOCK, codec, 0);
	gen_init(&gn, seed, T0, cap_min, cap_max);
	write_packets(s, &gn, n, 2000, NULL);
	sclose(s);
}

static int fix_setup(void **state, __u32 codec)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct gen g;

	convs_init();
	tdir_make(&f->d);
	f->codec = codec;
	pset_init(&f->all, FIX_N, (size_t)FIX_N * 200);
	pset_init(&f->got, FIX_N, (size_t)FIX_N * 200);
	f->s = sopen(f->d.path, 64ULL << 20, FIX_BLOCK, codec, 0);
	gen_init(&g, 42 + codec, T0, 0, 200);
	write_packets(f->s, &g, FIX_N, 3000, &f->all);
	sflush(f->s);
	qsort(f->all.v, f->all.n, sizeof(*f->all.v), tpkt_cmp);
	*state = f;
	return 0;
}

static int fix_setup_zstd(void **state)
{
	return fix_setup(state, STRATA_STORE_CODEC_ZSTD);
}

static int fix_setup_none(void **state)
{
	return fix_setup(state, STRATA_STORE_CODEC_NONE);
}

static int fix_teardown(void **state)
{
	struct fix *f = *state;

	if (f->s)
		sclose(f->s);
	tdir_rm(&f->d);
	pset_free(&f->all);
	pset_free(&f->got);
	free(f);
	return 0;
}

static void check_all(struct fix *f)
{
	unsigned int i;

	query(f->s, 0, ~0ULL, NULL, &f->got);
	assert_int_equal(f->got.n, f->all.n);
	for (i = 0; i < f->all.n; i++)
		same_pkt(&f->got.v[i], &f->all.v[i]);
}

/* Everything written comes back byte for byte, in time order, also after a reopen. */
static void test_roundtrip(void **state)
{
	struct fix *f = *state;
	struct strata_store_info in;

	check_all(f);
	sinfo(f->s, &in);
	assert_int_equal(in.packets, FIX_N);
	assert_int_equal(in.c.packets_written, FIX_N);
	assert_int_equal(in.blocks, in.c.blocks_written);
	assert_int_equal(in.first_ts, f->all.v[0].p.ts_ns);
	assert_int_equal(in.last_ts, f->all.v[FIX_N - 1].p.ts_ns);
	assert_int_equal(in.snaplen, 200);
	assert_int_equal(in.codec, f->codec);
	print_message("  %s: %u packets in %llu blocks: %.1f raw, %.1f stored bytes per packet (caplen 0-200, random bytes)\n",
		      f->codec ? "zstd" : "none", FIX_N, (unsigned long long)in.blocks,
		      (double)in.c.raw_bytes_written / FIX_N,
		      (double)in.c.stored_bytes_written / FIX_N);
	sclose(f->s);
	f->s = sopen(f->d.path, 64ULL << 20, FIX_BLOCK, f->codec, 0);
	check_all(f);
}

/* Brute force: the packets of @all in [t1, t2] (of conversation @c, or all). */
static unsigned int expect(const struct pset *all, __u64 t1, __u64 t2, int c,
			   const struct tpkt **out)
{
	unsigned int i, n = 0;

	for (i = 0; i < all->n; i++)
		if (all->v[i].p.ts_ns >= t1 && all->v[i].p.ts_ns <= t2 &&
		    (c < 0 || all->v[i].conv == (unsigned int)c))
			out[n++] = &all->v[i];
	return n;
}

static void check_range(struct fix *f, __u64 t1, __u64 t2, int c, bool swap,
			const struct tpkt **exp)
{
	struct strata_flow_key k;
	unsigned int n, i;

	if (c >= 0)
		conv_key(&convs[c], swap, &k);
	query(f->s, t1, t2, c >= 0 ? &k : NULL, &f->got);
	n = expect(&f->all, t1, t2, c, exp);
	assert_int_equal(f->got.n, n);
	for (i = 0; i < n; i++)
		same_pkt(&f->got.v[i], exp[i]);
}

/* Time ranges: random, empty, single instants, edges. */
static void test_time_ranges(void **state)
{
	struct fix *f = *state;
	const struct tpkt **exp = malloc(FIX_N * sizeof(*exp));
	__u64 lo = f->all.v[0].p.ts_ns, hi = f->all.v[FIX_N - 1].p.ts_ns;
	struct rng r;
	unsigned int i;

	rng_seed(&r, 7);
	for (i = 0; i < 150; i++) {
		__u64 a = rng_range(&r, lo - 1000, hi + 1000);
		__u64 b = a + rng_range(&r, 0, (hi - lo) / (i % 10 ? 50 : 2));

		check_range(f, a, b, -1, false, exp);
	}
	for (i = 0; i < 20; i++) {
		__u64 t = f->all.v[rng_range(&r, 0, FIX_N - 1)].p.ts_ns;

		check_range(f, t, t, -1, false, exp);
	}
	check_range(f, 0, lo - 1, -1, false, exp);
	check_range(f, hi + 1, ~0ULL, -1, false, exp);
	check_range(f, lo, lo, -1, false, exp);
	check_range(f, hi, hi, -1, false, exp);
	assert_int_equal(f->got.n, expect(&f->all, hi, hi, -1, exp));
	free(exp);
}

/* Conversations, IPv4 and IPv6, given in either endpoint order. */
static void test_conversations(void **state)
{
	struct fix *f = *state;
	const struct tpkt **exp = malloc(FIX_N * sizeof(*exp));
	__u64 lo = f->all.v[0].p.ts_ns, hi = f->all.v[FIX_N - 1].p.ts_ns;
	struct strata_flow_key k;
	struct rng r;
	unsigned int c, i, n;

	rng_seed(&r, 8);
	for (c = 0; c < NCONV; c++) {
		check_range(f, 0, ~0ULL, (int)c, c & 1, exp);
		assert_true(f->got.n > FIX_N / NCONV / 2);
		for (i = 0; i < 6; i++) {
			__u64 a = rng_range(&r, lo, hi);

			check_range(f, a, a + (hi - lo) / 10, (int)c, i & 1, exp);
		}
	}
	/* A conversation never seen: nothing. */
	conv_key(&convs[0], false, &k);
	k.port[0] ^= 1;
	n = 0;
	assert_int_equal(strata_store_packets(f->s, 0, ~0ULL, &k, count_fn, &n, NULL, 0), 0);
	assert_int_equal(n, 0);
	free(exp);
}

struct bats {
	struct strata_store_block b[4096];
	struct strata_store_range r[4096][NCPU];
	unsigned int n;
};

static int bat_fn(const struct strata_store_block *b, void *arg)
{
	struct bats *bs = arg;

	assert_true(bs->n < 4096);
	assert_true(b->nranges <= NCPU);
	bs->b[bs->n] = *b;
	memcpy(bs->r[bs->n], b->ranges, b->nranges * sizeof(*b->ranges));
	bs->n++;
	return 0;
}

/* The block table says what each block holds. */
static void test_bat(void **state)
{
	struct fix *f = *state;
	struct bats *bs = calloc(1, sizeof(*bs));
	__u64 packets = 0, lo = f->all.v[0].p.ts_ns, hi = f->all.v[FIX_N - 1].p.ts_ns;
	unsigned int i, j, c;
	struct rng r;
	char err[256];

	query(f->s, 0, ~0ULL, NULL, &f->got);
	assert_int_equal(strata_store_blocks(f->s, 0, ~0ULL, bat_fn, bs, err, sizeof(err)), 0);
	assert_true(bs->n > 100);
	for (i = 0; i < bs->n; i++) {
		const struct strata_store_block *b = &bs->b[i];
		__u64 first = ~0ULL, last = 0, raw = 0, bytes = 0;
		__u64 smin[NCPU], smax[NCPU];
		unsigned int cnt = 0, nr = 0;

		if (i)
			assert_true(b->first_ts >= bs->b[i - 1].first_ts);
		for (c = 0; c < NCPU; c++)
			smin[c] = ~0ULL, smax[c] = 0;
		for (j = 0; j < f->got.n; j++) {
			const struct tpkt *t = &f->got.v[j];

			if (t->block != b->id)
				continue;
			cnt++;
			raw += ALIGN8(PKT_HDR + t->p.caplen);
			bytes += t->p.caplen;
			if (t->p.ts_ns < first)
				first = t->p.ts_ns;
			if (t->p.ts_ns > last)
				last = t->p.ts_ns;
			if (t->seq < smin[t->cpu])
				smin[t->cpu] = t->seq;
			if (t->seq > smax[t->cpu])
				smax[t->cpu] = t->seq;
		}
		assert_int_equal(cnt, b->packets);
		assert_int_equal(raw, b->raw_bytes);
		assert_true(b->raw_bytes <= FIX_BLOCK);
		assert_int_equal(first, b->first_ts);
		assert_int_equal(last, b->last_ts);
		/* Stored as they are: the header, the heads, the bytes unpadded. */
		if (b->codec == STRATA_STORE_CODEC_NONE && b->data_codec == STRATA_STORE_CODEC_NONE)
			assert_int_equal(b->stored_bytes, 64 + cnt * PKT_HDR + bytes);
		else
			assert_true(b->stored_bytes < 64 + cnt * PKT_HDR + bytes);
		for (c = 0; c < NCPU; c++) {
			if (smin[c] == ~0ULL)
				continue;
			assert_true(nr < b->nranges);
			assert_int_equal(bs->r[i][nr].first, (__u64)c << 48 | smin[c]);
			assert_int_equal(bs->r[i][nr].last, (__u64)c << 48 | smax[c]);
			nr++;
		}
		assert_int_equal(nr, b->nranges);
		packets += b->packets;
	}
	assert_int_equal(packets, FIX_N);

	/* A range lists every block with a record in it, and only blocks that overlap. */
	rng_seed(&r, 9);
	for (i = 0; i < 30; i++) {
		__u64 a = rng_range(&r, lo, hi), b = a + rng_range(&r, 0, (hi - lo) / 20);
		struct bats *q = calloc(1, sizeof(*q));

		assert_int_equal(strata_store_blocks(f->s, a, b, bat_fn, q, err, sizeof(err)), 0);
		for (j = 0; j < q->n; j++)
			assert_true(q->b[j].first_ts <= b && q->b[j].last_ts >= a);
		for (j = 0; j < f->got.n; j++) {
			const struct tpkt *t = &f->got.v[j];
			bool found = false;

			if (t->p.ts_ns < a || t->p.ts_ns > b)
				continue;
			for (c = 0; c < q->n && !found; c++)
				found = q->b[c].id == t->block;
			assert_true(found);
		}
		free(q);
	}
	free(bs);
}

/* ---- microflows ---- */

#define WIN_NS		1000000ULL	/* 1 ms windows over ~20 ms of packets */
#define NWIN		64

struct mfexp {
	bool used;
	unsigned int conv;
	__u64 ws;
	const struct tpkt *first, *last;
	__u64 seq;
	unsigned int packets;
};

struct mfgot {
	struct strata_store_mflow m[NWIN * NCONV];
	unsigned int n;
};

static int mf_fn(const struct strata_store_mflow *m, void *arg)
{
	struct mfgot *g = arg;

	assert_true(g->n < NWIN * NCONV);
	g->m[g->n++] = *m;
	return 0;
}

static void mf_make(const struct mfexp *e, struct strata_mflow *mf, struct strata_mf_info *in)
{
	struct strata_flow_key k;

	canon(&convs[e->conv], &k);
	strata_mflow_init(mf, &k, e->ws);
	mf->dir[0].packets = e->packets;
	memset(in, 0, sizeof(*in));
	in->has_seq = true;
	in->has_ring = true;
	in->seq = e->seq;
	in->key_hash = 0x1000 + e->conv;
	in->window_ns = WIN_NS;
	in->generation = 7;
	in->ring_first = (__u64)e->first->cpu << 48 | e->first->seq;
	in->ring_last = (__u64)e->last->cpu << 48 | e->last->seq;
}

/* The block of the record at a ring position, from a full query. */
static __u64 block_of(const struct pset *got, __u64 pos)
{
	unsigned int i;

	for (i = 0; i < got->n; i++)
		if (((__u64)got->v[i].cpu << 48 | got->v[i].seq) == pos)
			return got->v[i].block;
	fail_msg("no record at %llx", (unsigned long long)pos);
	return 0;
}

/*
 * Microflows of every (window, conversation) of a store: stored with their
 * packets' blocks, found by time and by conversation in either order.
 */
static void test_microflows(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct pset all, got;
	struct mfexp *e = calloc(NWIN * NCONV, sizeof(*e));
	struct mfgot *g = calloc(1, sizeof(*g));
	struct strata_flow_key k;
	struct strata_mflow mf;
	struct strata_mf_info in;
	struct gen gn;
	struct rng r;
	__u64 base, lo, hi;
	unsigned int i, j, c, n, nmf = 0, half;
	char err[256];

	(void)state;
	convs_init();
	tdir_make(&d);
	pset_init(&all, 8000, 8000 * 64);
	pset_init(&got, 8000, 8000 * 64);
	s = sopen(d.path, 16ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, 0);
	gen_init(&gn, 5, T0, 0, 64);
	/* The first half is flushed before any microflow is given. */
	write_packets(s, &gn, 4000, 0, &all);
	sflush(s);
	write_packets(s, &gn, 4000, 0, &all);
	qsort(all.v, all.n, sizeof(*all.v), tpkt_cmp);
	base = all.v[0].p.ts_ns / WIN_NS * WIN_NS;
	for (i = 0; i < all.n; i++) {
		const struct tpkt *t = &all.v[i];
		unsigned int w = (unsigned int)((t->p.ts_ns - base) / WIN_NS);
		struct mfexp *x = &e[w * NCONV + t->conv];

		assert_true(w < NWIN);
		if (!x->used) {
			x->used = true;
			x->conv = t->conv;
			x->ws = base + w * WIN_NS;
			x->first = t;
			x->seq = ++nmf;
		}
		x->last = t;
		x->packets++;
	}
	/*
	 * Half of the microflows go before the flush that commits the open
	 * block, so their last records are resolved in that same transaction
	 * or at query time; the rest after.
	 */
	half = 0;
	for (i = 0; i < NWIN * NCONV; i++) {
		if (!e[i].used || (e[i].seq & 1))
			continue;
		mf_make(&e[i], &mf, &in);
		assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
		half++;
	}
	sflush(s);
	for (i = 0; i < NWIN * NCONV; i++) {
		if (!e[i].used || !(e[i].seq & 1))
			continue;
		mf_make(&e[i], &mf, &in);
		assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
	}
	/* Given twice: stored once. */
	assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
	sflush(s);
	assert_true(half > 10 && half < nmf);

	query(s, 0, ~0ULL, NULL, &got);
	assert_int_equal(got.n, all.n);
	assert_int_equal(strata_store_microflows(s, NULL, 0, ~0ULL, mf_fn, g, err, sizeof(err)), 0);
	assert_int_equal(g->n, nmf);
	for (i = 0; i < g->n; i++) {
		const struct strata_store_mflow *m = &g->m[i];

		if (i)
			assert_true(m->mf.window_start >= g->m[i - 1].mf.window_start);
		assert_int_equal(m->info.window_ns, WIN_NS);
		assert_true(m->info.has_ring && m->info.has_seq);
		assert_int_equal(m->first_block, block_of(&got, m->info.ring_first));
		assert_int_equal(m->last_block, block_of(&got, m->info.ring_last));
		assert_int_equal(m->mf.dir[0].packets, e[(m->mf.window_start - base) / WIN_NS * NCONV +
							  (m->info.key_hash - 0x1000)].packets);
	}
	/* By conversation and time, both endpoint orders, against brute force. */
	lo = all.v[0].p.ts_ns;
	hi = all.v[all.n - 1].p.ts_ns;
	rng_seed(&r, 11);
	for (c = 0; c < NCONV; c++) {
		for (j = 0; j < 8; j++) {
			__u64 a = j ? rng_range(&r, lo, hi) : 0;
			__u64 b = j ? a + rng_range(&r, 0, 5 * WIN_NS) : ~0ULL;

			conv_key(&convs[c], j & 1, &k);
			g->n = 0;
			assert_int_equal(strata_store_microflows(s, &k, a, b, mf_fn, g, err,
								 sizeof(err)), 0);
			for (i = 0, n = 0; i < NWIN * NCONV; i++)
				if (e[i].used && e[i].conv == c && e[i].ws <= b && e[i].ws + WIN_NS > a)
					n++;
			assert_int_equal(g->n, n);
			for (i = 0; i < g->n; i++) {
				struct strata_flow_key want;

				canon(&convs[c], &want);
				assert_memory_equal(&g->m[i].mf.key, &want, sizeof(want));
				assert_true(g->m[i].mf.window_start <= b);
				assert_true(g->m[i].mf.window_start + WIN_NS > a);
			}
		}
	}
	sclose(s);
	tdir_rm(&d);
	pset_free(&all);
	pset_free(&got);
	free(e);
	free(g);
}

/* A microflow stored before its last records were: found at query time. */
static void test_microflow_late_records(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct strata_mflow mf;
	struct strata_mf_info in;
	struct strata_flow_key k;
	struct mfgot *g = calloc(1, sizeof(*g));
	struct tpkt t;
	__u8 data[16] = { 0 };
	char err[256];
	unsigned int i;

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 4ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, 0);
	memset(&t, 0, sizeof(t));
	t.data = data;
	t.p.family = 4;
	t.p.proto = 6;
	memcpy(t.p.saddr, convs[0].a, 16);
	memcpy(t.p.daddr, convs[0].b, 16);
	t.p.sport = convs[0].pa;
	t.p.dport = convs[0].pb;
	for (i = 1; i <= 10; i++) {
		t.cpu = 1;
		t.seq = i;
		t.p.ts_ns = T0 + i;
		sadd(s, &t);
		if (i == 5)
			sflush(s);
	}
	/* Record 10 is in the open block when the microflow is committed. */
	canon(&convs[0], &k);
	strata_mflow_init(&mf, &k, T0);
	memset(&in, 0, sizeof(in));
	in.has_ring = true;
	in.window_ns = WIN_NS;
	in.ring_first = 1ULL << 48 | 1;
	in.ring_last = 1ULL << 48 | 10;
	assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
	/* Committed alone: the open block is sealed by the flush, first. */
	sflush(s);
	assert_int_equal(strata_store_microflows(s, &k, 0, ~0ULL, mf_fn, g, err, sizeof(err)), 0);
	assert_int_equal(g->n, 1);
	assert_int_equal(g->m[0].first_block, 1);
	assert_int_equal(g->m[0].last_block, 2);
	/* Records off: no blocks. */
	in.has_ring = false;
	mf.window_start += WIN_NS;
	assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
	sflush(s);
	g->n = 0;
	assert_int_equal(strata_store_microflows(s, NULL, T0 + WIN_NS, T0 + WIN_NS, mf_fn, g,
						 err, sizeof(err)), 0);
	assert_int_equal(g->n, 1);
	assert_false(g->m[0].info.has_ring);
	assert_int_equal(g->m[0].first_block, 0);
	sclose(s);
	tdir_rm(&d);
	free(g);
}

/* ---- retention ---- */

struct newest {
	__u64 t1;
	__u64 t2;
	unsigned int n;
};

/*
 * A small budget, ten times its size written: the file never grows past
 * the budget, the newest data is always all there, and the counters add up.
 */
static void groups_match_blocks(const char *path);

static void test_retention_size(void **state)
{
	const __u64 budget = 8ULL << 20;
	struct tdir d;
	struct strata_store *s;
	struct strata_store_info in;
	struct strata_mflow mf;
	struct strata_mf_info mi;
	struct strata_flow_key k;
	struct mfgot *g = calloc(1, sizeof(*g));
	struct gen gn;
	struct tpkt t;
	static __u8 buf[STRATA_SNAPLEN_MAX];
	__u64 raw = 0, first_ts, last_ts, max_file = 0;
	unsigned int n = 0, batch, flushes = 0, held;
	char err[256];

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, budget, 32U << 10, STRATA_STORE_CODEC_NONE, 0);
	gen_init(&gn, 77, T0, 1000, 1400);
	gn.cheap = true;
	canon(&convs[0], &k);
	while (raw < 10 * budget) {
		/* A batch of about 256 KiB, then a flush and the checks. */
		first_ts = ~0ULL;
		last_ts = 0;
		for (batch = 0; batch < 180; batch++) {
			gen_next(&gn, &t, buf);
			sadd(s, &t);
			if (t.p.ts_ns < first_ts)
				first_ts = t.p.ts_ns;
			if (t.p.ts_ns > last_ts)
				last_ts = t.p.ts_ns;
			raw += ALIGN8(PKT_HDR + t.p.caplen);
			n++;
		}
		strata_mflow_init(&mf, &k, first_ts);
		memset(&mi, 0, sizeof(mi));
		mi.has_seq = true;
		mi.seq = ++flushes;
		mi.window_ns = last_ts - first_ts + 1;
		assert_int_equal(strata_store_add_microflow(s, &mf, &mi, err, sizeof(err)), 0);
		sflush(s);
		if (file_size(&d) > max_file)
			max_file = file_size(&d);
		assert_true(file_size(&d) <= budget);
		/* The records of this batch: all there (late ones of the last batch too). */
		held = 0;
		assert_int_equal(strata_store_packets(s, first_ts, last_ts, NULL, count_fn, &held,
						      err, sizeof(err)), 0);
		assert_true(held >= batch);
	}
	sinfo(s, &in);
	assert_int_equal(in.c.packets_written, n);
	assert_true(in.c.blocks_removed > 0);
	assert_int_equal(in.packets + in.c.packets_removed, n);
	assert_int_equal(in.blocks + in.c.blocks_removed, in.c.blocks_written);
	assert_int_equal(in.c.packets_dropped, 0);
	assert_int_equal(in.c.blocks_expired, 0);
	assert_true(in.used_bytes <= budget);
	assert_true(in.file_bytes <= budget);
	held = 0;
	assert_int_equal(strata_store_packets(s, 0, ~0ULL, NULL, count_fn, &held, err,
					      sizeof(err)), 0);
	assert_int_equal(held, in.packets);
	/* Old microflows went with their blocks; the recent ones stay. */
	assert_true(in.c.microflows_removed > 0);
	assert_int_equal(in.microflows + in.c.microflows_removed, flushes);
	assert_int_equal(strata_store_microflows(s, NULL, 0, ~0ULL, mf_fn, g, err, sizeof(err)), 0);
	assert_int_equal(g->n, in.microflows);
	assert_true(g->m[0].mf.window_start + g->m[0].info.window_ns > in.first_ts - 50000);
	print_message("  %llu MiB written into 8 MiB: %llu blocks removed, %llu held (%.1f MiB used, file %.1f MiB at most), %llu map-full retries\n",
		      (unsigned long long)(raw >> 20), (unsigned long long)in.c.blocks_removed,
		      (unsigned long long)in.blocks, in.used_bytes / 1048576.0,
		      max_file / 1048576.0, (unsigned long long)in.c.map_full);
	sclose(s);
	groups_match_blocks(d.path);
	tdir_rm(&d);
	free(g);
}

/* Blocks older than max_age behind the newest packet go, and their microflows. */
static void test_max_age(void **state)
{
	const __u64 age = 5000000;	/* 5 ms of data time */
	struct tdir d;
	struct strata_store *s;
	struct strata_store_info in;
	struct pset all, got;
	struct gen gn;
	const struct tpkt **exp;
	__u64 newest;
	unsigned int i, n;

	(void)state;
	convs_init();
	tdir_make(&d);
	pset_init(&all, 30000, 30000 * 32);
	pset_init(&got, 30000, 30000 * 32);
	exp = malloc(30000 * sizeof(*exp));
	s = sopen(d.path, 64ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, age);
	gen_init(&gn, 3, T0, 0, 32);
	write_packets(s, &gn, 30000, 1000, &all);	/* about 30 ms */
	sflush(s);
	qsort(all.v, all.n, sizeof(*all.v), tpkt_cmp);
	newest = all.v[all.n - 1].p.ts_ns;
	sinfo(s, &in);
	assert_int_equal(in.last_ts, newest);
	assert_true(in.c.blocks_expired > 0);
	assert_int_equal(in.c.blocks_expired, in.c.blocks_removed);
	query(s, 0, ~0ULL, NULL, &got);
	/* Whatever is held lies in blocks that end within the age... */
	for (i = 0; i < got.n; i++)
		assert_true(got.v[i].p.ts_ns + age + 100000 >= newest);
	/* ...and everything within the age is held. */
	n = expect(&all, newest - age, newest, -1, exp);
	query(s, newest - age, newest, NULL, &got);
	assert_int_equal(got.n, n);
	sclose(s);
	tdir_rm(&d);
	pset_free(&all);
	pset_free(&got);
	free(exp);
}

struct pinlist {
	struct strata_store_pin p[8];
	unsigned int n;
};

static int pin_fn(const struct strata_store_pin *p, void *arg)
{
	struct pinlist *l = arg;

	l->p[l->n++] = *p;
	return 0;
}

/* A pin keeps its range past its age and past the budget, until unpinned. */
static void test_pins(void **state)
{
	const __u64 age = 3000000;
	struct tdir d;
	struct strata_store *s;
	struct strata_store_info in;
	struct pinlist pl;
	struct pset all;
	struct gen gn;
	const struct tpkt **exp;
	__u64 id, id2, p1, p2;
	unsigned int n, held;
	char err[256];

	(void)state;
	convs_init();
	tdir_make(&d);
	pset_init(&all, 40000, 40000 * 32);
	exp = malloc(40000 * sizeof(*exp));
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, age);
	gen_init(&gn, 4, T0, 0, 32);
	write_packets(s, &gn, 2000, 500, &all);
	sflush(s);
	qsort(all.v, all.n, sizeof(*all.v), tpkt_cmp);
	p1 = all.v[500].p.ts_ns;
	p2 = all.v[900].p.ts_ns;
	assert_int_equal(strata_store_pin(s, p1, p2, "incident 42", &id, err, sizeof(err)), 0);
	n = expect(&all, p1, p2, -1, exp);

	/* Bad pins. */
	assert_int_equal(strata_store_pin(s, p2, p1, NULL, NULL, err, sizeof(err)), -EINVAL);
	{
		char label[STRATA_STORE_LABEL_MAX + 1];

		memset(label, 'x', sizeof(label) - 1);
		label[sizeof(label) - 1] = 0;
		assert_int_equal(strata_store_pin(s, p1, p2, label, NULL, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "label"));
	}

	/* 40 ms of data later, and about 6x the budget: the pinned range stays whole. */
	write_packets(s, &gn, 38000, 1000, NULL);
	sflush(s);
	held = 0;
	assert_int_equal(strata_store_packets(s, p1, p2, NULL, count_fn, &held, err,
					      sizeof(err)), 0);
	assert_int_equal(held, n);
	sinfo(s, &in);
	assert_true(in.c.blocks_expired > 0);
	assert_int_equal(in.pins, 1);
	assert_true(in.first_ts <= p1);
	pl.n = 0;
	assert_int_equal(strata_store_pins(s, pin_fn, &pl, err, sizeof(err)), 0);
	assert_int_equal(pl.n, 1);
	assert_int_equal(pl.p[0].id, id);
	assert_int_equal(pl.p[0].t1, p1);
	assert_int_equal(pl.p[0].t2, p2);
	assert_string_equal(pl.p[0].label, "incident 42");
	assert_true(pl.p[0].bytes > 0);

	/* A second pin over the newest data, then the first goes. */
	assert_int_equal(strata_store_pin(s, in.last_ts - 1000, in.last_ts, NULL, &id2, err,
					  sizeof(err)), 0);
	assert_true(id2 > id);
	assert_int_equal(strata_store_unpin(s, id, err, sizeof(err)), 0);
	assert_int_equal(strata_store_unpin(s, id, err, sizeof(err)), -ENOENT);
	held = 0;
	assert_int_equal(strata_store_packets(s, p1, p2, NULL, count_fn, &held, err,
					      sizeof(err)), 0);
	assert_int_equal(held, 0);
	sinfo(s, &in);
	assert_int_equal(in.pins, 1);
	sclose(s);
	tdir_rm(&d);
	pset_free(&all);
	free(exp);
}

/*
 * Under size retention: pins may hold at most half the budget, and a pin
 * keeps its range whole while four times the budget is written after it.
 */
static void test_pin_budget(void **state)
{
	const __u64 budget = 8ULL << 20;
	struct tdir d;
	struct strata_store *s;
	struct strata_store_info in;
	struct gen gn;
	__u64 p1, p2, id, raw = 0;
	unsigned int n = 0, held;
	char err[256];

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, budget, 32U << 10, STRATA_STORE_CODEC_NONE, 0);
	gen_init(&gn, 6, T0, 1000, 1400);
	gn.cheap = true;
	write_packets(s, &gn, 500, 0, NULL);
	sflush(s);
	p1 = 0;
	p2 = gn.t - 20000;	/* no later record of the first 500 can come after */
	assert_int_equal(strata_store_packets(s, p1, p2, NULL, count_fn, &n, err, sizeof(err)), 0);
	assert_true(n > 400);
	raw += write_packets(s, &gn, 4000, 180, NULL);
	sflush(s);
	/* About 6 MiB held: pinning it all would take more than half. */
	assert_int_equal(strata_store_pin(s, 0, ~0ULL, "all", NULL, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "half the budget"));
	assert_int_equal(strata_store_pin(s, p1, p2, "first 500", &id, err, sizeof(err)), 0);
	while (raw < 4 * budget) {
		raw += write_packets(s, &gn, 180, 0, NULL);
		sflush(s);
		assert_true(file_size(&d) <= budget);
	}
	held = 0;
	assert_int_equal(strata_store_packets(s, p1, p2, NULL, count_fn, &held, err, sizeof(err)), 0);
	assert_int_equal(held, n);
	sinfo(s, &in);
	assert_true(in.c.blocks_removed > 500);
	assert_int_equal(in.c.packets_dropped, 0);
	assert_true(in.first_ts < p2);	/* the oldest block held is pinned */
	/* Unpinned, they are the oldest: the next size pass takes them first. */
	assert_int_equal(strata_store_unpin(s, id, err, sizeof(err)), 0);
	write_packets(s, &gn, 2000, 180, NULL);
	sflush(s);
	held = 0;
	assert_int_equal(strata_store_packets(s, p1, p2, NULL, count_fn, &held, err, sizeof(err)), 0);
	assert_int_equal(held, 0);
	sclose(s);
	tdir_rm(&d);
}

struct hold {
	struct strata_store *s;
	struct tdir *d;
	struct gen *gn;
	unsigned int calls;
	unsigned int kept;	/* calls that said the queue waits for the next flush */
	unsigned int enospc;	/* calls that said they dropped it */
	unsigned int dropped;	/* packets they said they dropped */
	__u64 added;
	bool too_big;
};

/* What a write under a reader may answer: kept for later, dropped, or done. */
static void hold_rc(struct hold *h, int rc, const char *err)
{
	const char *p;

	if (rc == -EAGAIN) {
		assert_non_null(strstr(err, "kept for the next flush"));
		h->kept++;
	} else if (rc == -ENOSPC) {
		p = strstr(err, " packets in ");
		assert_non_null(p);
		assert_non_null(strstr(err, "dropped"));
		while (p > err && p[-1] >= '0' && p[-1] <= '9')
			p--;
		h->dropped += (unsigned int)strtoul(p, NULL, 10);
		h->enospc++;
	} else if (rc) {
		fail_msg("under a reader: %d %s", rc, err);
	}
}

/* Adds @n packets, then flushes. Return: their raw bytes. */
static __u64 hold_write(struct hold *h, unsigned int n)
{
	static __u8 buf[STRATA_SNAPLEN_MAX];
	struct tpkt t;
	__u64 raw = 0;
	char err[512];
	unsigned int i;

	for (i = 0; i < n; i++) {
		gen_next(h->gn, &t, buf);
		hold_rc(h, strata_store_add_packet(h->s, t.cpu, t.seq, &t.p, t.data, err,
						   sizeof(err)), err);
		raw += ALIGN8(PKT_HDR + t.p.caplen);
		h->added++;
	}
	hold_rc(h, strata_store_flush(h->s, err, sizeof(err)), err);
	return raw;
}

/* Writes three budgets' worth while the caller's read transaction holds its pages. */
static int hold_fn(const struct strata_store_rec *r, void *arg)
{
	struct hold *h = arg;
	__u64 raw = 0;

	(void)r;
	if (h->calls++)
		return 1;
	while (raw < 3 * (8ULL << 20)) {
		raw += hold_write(h, 180);
		if (file_size(h->d) > 8ULL << 20)
			h->too_big = true;
	}
	return 1;
}

/*
 * A reader that holds its transaction keeps the pages freed since from
 * reuse: the writer removes what it can, keeps what does not fit for the
 * next flush (a query ends soon), and once a quarter of the budget waits,
 * drops it and counts it; it never grows the file, and goes on once the
 * reader is done with what it kept.
 */
static void test_reader_holds_pages(void **state)
{
	struct tdir d;
	struct strata_store_info in;
	struct hold h;
	struct gen gn;
	unsigned int held = 0, i;
	char err[256];

	(void)state;
	convs_init();
	tdir_make(&d);
	memset(&h, 0, sizeof(h));
	h.s = sopen(d.path, 8ULL << 20, 32U << 10, STRATA_STORE_CODEC_NONE, 0);
	h.d = &d;
	h.gn = &gn;
	gen_init(&gn, 17, T0, 1000, 1400);
	gn.cheap = true;
	write_packets(h.s, &gn, 2000, 180, NULL);
	sflush(h.s);
	assert_int_equal(strata_store_packets(h.s, 0, ~0ULL, NULL, hold_fn, &h, err, sizeof(err)), 0);
	assert_true(h.kept > 0);
	assert_true(h.enospc > 0);
	assert_false(h.too_big);
	/*
	 * The reader is gone: what was kept is committed with the next flush,
	 * everything fits again, and the drops are counted: every packet
	 * added was either written or counted as dropped. (The first answers
	 * may still be about commits made under the reader.)
	 */
	for (i = 0; i < 11; i++)
		hold_write(&h, 180);
	sflush(h.s);
	assert_int_equal(strata_store_packets(h.s, gn.t - 50000, ~0ULL, NULL, count_fn, &held, err,
					      sizeof(err)), 0);
	assert_true(held > 0);
	sinfo(h.s, &in);
	assert_int_equal(in.c.packets_written + in.c.packets_dropped, 2000 + h.added);
	/* With the committer thread, one answer may stand for several commits. */
	if (committer_mode)
		assert_true(in.c.packets_dropped >= h.dropped);
	else
		assert_int_equal(in.c.packets_dropped, h.dropped);
	assert_true(in.c.blocks_dropped > 0);
	assert_true(in.c.map_full >= 5 * h.enospc);
	assert_int_equal(in.packets + in.c.packets_removed, in.c.packets_written);
	assert_true(file_size(&d) <= 8ULL << 20);
	print_message("  a reader holding its pages: %u answers kept the queue, %u dropped %u packets, %llu map-full retries\n",
		      h.kept, h.enospc, h.dropped, (unsigned long long)in.c.map_full);
	sclose(h.s);
	tdir_rm(&d);
}

/* ---- crash ---- */

/*
 * A child writes and flushes A, writes B without a flush, and is killed:
 * the store opens consistent with exactly A.
 */
static void test_crash(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct strata_store_info in;
	struct pset all, got;
	struct gen gn;
	pid_t pid;
	int status;
	unsigned int i;

	(void)state;
	convs_init();
	tdir_make(&d);
	pset_init(&all, 6000, 6000 * 100);
	pset_init(&got, 6000, 6000 * 100);
	/* The parent generates what the child writes: the same seed. */
	gen_init(&gn, 99, T0, 0, 100);
	write_packets(NULL, &gn, 4000, 0, &all);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct strata_store_opts o;
		char err[256];
		struct tpkt t;
		static __u8 buf[STRATA_SNAPLEN_MAX];

		strata_store_opts_init(&o, d.path);
		o.block_bytes = FIX_BLOCK;
		o.budget = 16ULL << 20;
		if (strata_store_open(&o, &s, err, sizeof(err)))
			_exit(3);
		gen_init(&gn, 99, T0, 0, 100);
		for (i = 0; i < 6000; i++) {
			gen_next(&gn, &t, buf);
			if (strata_store_add_packet(s, t.cpu, t.seq, &t.p, t.data, err, sizeof(err)))
				_exit(4);
			if (i + 1 == 2000 || i + 1 == 4000)
				if (strata_store_flush(s, err, sizeof(err)))
					_exit(5);
		}
		raise(SIGKILL);
		_exit(6);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	qsort(all.v, all.n, sizeof(*all.v), tpkt_cmp);
	s = sopen(d.path, 16ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, 0);
	sinfo(s, &in);
	assert_int_equal(in.packets, 4000);
	assert_int_equal(in.c.packets_written, 4000);
	assert_int_equal(in.last_ts, all.v[all.n - 1].p.ts_ns);
	assert_true(in.last_commit_ns > 0);
	query(s, 0, ~0ULL, NULL, &got);
	assert_int_equal(got.n, 4000);
	for (i = 0; i < got.n; i++)
		same_pkt(&got.v[i], &all.v[i]);
	/* And it goes on: the next block ids follow the committed ones. */
	write_packets(s, &gn, 100, 0, NULL);
	sflush(s);
	sinfo(s, &in);
	assert_int_equal(in.packets, 4100);
	sclose(s);
	tdir_rm(&d);
	pset_free(&all);
	pset_free(&got);
}

/* ---- the on-disk format, as Documentation/store.rst describes it ---- */

struct raw {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, blocks, bat, time, mflow, conv, flow, bloom, group;
};

static void raw_open(struct raw *r, const char *path, bool write)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->env, 16), 0);
	assert_int_equal(mdb_env_open(r->env, path, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, write ? 0 : MDB_RDONLY, &r->txn), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "meta", 0, &r->meta), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "blocks", 0, &r->blocks), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "bat", 0, &r->bat), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "time", 0, &r->time), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "mflow", 0, &r->mflow), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "conv", 0, &r->conv), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "flow", 0, &r->flow), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "bloom", 0, &r->bloom), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "group", 0, &r->group), 0);
}

static void raw_close(struct raw *r, bool commit)
{
	if (commit)
		assert_int_equal(mdb_txn_commit(r->txn), 0);
	else
		mdb_txn_abort(r->txn);
	mdb_env_close(r->env);
}

static __u64 be64(const void *p)
{
	const __u8 *b = p;
	__u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void put_be64(__u8 *p, __u64 v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (__u8)v;
}

/*
 * The group filters are those of the groups that hold blocks: a group's
 * goes with its last block, and a block's filter with the block.
 */
static void groups_match_blocks(const char *path)
{
	struct raw r;
	MDB_cursor *c;
	MDB_val k, v;
	__u64 last = ~0ULL, groups = 0, blooms = 0, blocks = 0, id;
	__u8 gk[8];
	MDB_stat st;

	raw_open(&r, path, false);
	assert_int_equal(mdb_cursor_open(r.txn, r.blocks, &c), 0);
	while (!mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		id = be64(k.mv_data);
		blocks++;
		if (id / 64 != last) {
			groups++;
			last = id / 64;
		}
		put_be64(gk, id / 64);
		assert_int_equal(mdb_get(r.txn, r.group, &(MDB_val){ 8, gk }, &v), 0);
		assert_int_equal(mdb_get(r.txn, r.bloom, &(MDB_val){ 8, k.mv_data }, &v), 0);
		blooms++;
	}
	mdb_cursor_close(c);
	assert_int_equal(blooms, blocks);
	assert_int_equal(mdb_stat(r.txn, r.bloom, &st), 0);
	assert_int_equal(st.ms_entries, blocks);
	assert_int_equal(mdb_stat(r.txn, r.group, &st), 0);
	assert_int_equal(st.ms_entries, groups);
	raw_close(&r, false);
}

static __u64 u64_at(const void *p, size_t off)
{
	__u64 v;

	memcpy(&v, (const __u8 *)p + off, 8);
	return v;
}

static __u32 u32_at(const void *p, size_t off)
{
	__u32 v;

	memcpy(&v, (const __u8 *)p + off, 4);
	return v;
}

static __u16 u16_at(const void *p, size_t off)
{
	__u16 v;

	memcpy(&v, (const __u8 *)p + off, 2);
	return v;
}

static __u64 blk_checksum(const __u8 *v, size_t len)
{
	return XXH64(v + 64, len - 64, XXH64(v, 56, 0));
}

static void meta_u32(struct raw *r, const char *name, __u32 want)
{
	MDB_val k = { strlen(name), (void *)name }, v;

	assert_int_equal(mdb_get(r->txn, r->meta, &k, &v), 0);
	assert_int_equal(v.mv_size, 4);
	assert_int_equal(u32_at(v.mv_data, 0), want);
}

static void test_format(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct raw r;
	struct tpkt t;
	struct strata_mflow mf;
	struct strata_mf_info mi;
	struct strata_flow_key k;
	MDB_cursor *c;
	MDB_val kv, v;
	__u8 data[40];
	__u64 id = 0, first, last;
	unsigned int i, nblocks = 0;
	char err[256];

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 4ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	memset(&t, 0, sizeof(t));
	memset(data, 0xab, sizeof(data));
	t.data = data;
	t.p.family = 6;
	t.p.proto = 17;
	memcpy(t.p.saddr, convs[5].a, 16);
	memcpy(t.p.daddr, convs[5].b, 16);
	t.p.sport = convs[5].pa;
	t.p.dport = convs[5].pb;
	t.p.caplen = 37;
	t.p.wire_len = 1000;
	for (i = 0; i < 200; i++) {
		t.cpu = 3 - i % 2;
		t.seq = 100 + i;
		t.p.ts_ns = T0 + 1000 * (i + 1) - (i % 2) * 1500;
		sadd(s, &t);
	}
	canon(&convs[5], &k);
	strata_mflow_init(&mf, &k, T0);
	memset(&mi, 0, sizeof(mi));
	mi.has_ring = mi.has_seq = true;
	mi.seq = 9;
	mi.window_ns = 1000000;
	mi.ring_first = 2ULL << 48 | 101;	/* the earliest record */
	mi.ring_last = 3ULL << 48 | 298;
	assert_int_equal(strata_store_add_microflow(s, &mf, &mi, err, sizeof(err)), 0);
	sclose(s);

	raw_open(&r, d.path, false);
	meta_u32(&r, "version", STRATA_STORE_VERSION);
	meta_u32(&r, "byteorder", 0x01020304);
	meta_u32(&r, "codec", STRATA_STORE_CODEC_NONE);
	{
		MDB_val lk = { 6, "layout" };

		assert_int_equal(mdb_get(r.txn, r.meta, &lk, &v), 0);
		assert_int_equal(v.mv_size, 8);
		assert_int_equal(u32_at(v.mv_data, 0), 200);
		assert_int_equal(u32_at(v.mv_data, 4), 1008);
	}
	/*
	 * blocks: u64 BE id -> 64-byte header, the records' heads (struct
	 * strata_rec, struct strata_rec_packet), then their packet bytes.
	 */
	assert_int_equal(mdb_cursor_open(r.txn, r.blocks, &c), 0);
	while (!mdb_cursor_get(c, &kv, &v, MDB_NEXT)) {
		const __u8 *b = v.mv_data;
		__u32 off = 64, n, cnt;

		assert_int_equal(kv.mv_size, 8);
		assert_true(be64(kv.mv_data) > id);
		id = be64(kv.mv_data);
		assert_memory_equal(b, "SBLK", 4);
		assert_int_equal(u16_at(b, 4), 2);	/* the block layout's version */
		assert_int_equal(b[6], STRATA_STORE_CODEC_NONE);
		assert_int_equal(b[7], STRATA_STORE_CODEC_NONE);
		cnt = u32_at(b, 8);
		assert_int_equal(u32_at(b, 12), cnt * ALIGN8(PKT_HDR + 37));
		assert_int_equal(u64_at(b, 16), id);
		assert_int_equal(u32_at(b, 40), cnt * PKT_HDR);		/* heads */
		assert_int_equal(u32_at(b, 44), cnt * 37);		/* bytes */
		assert_int_equal(u32_at(b, 48), cnt * 37);		/* bytes, stored */
		assert_int_equal(u32_at(b, 52), 0);
		assert_int_equal(64 + cnt * (PKT_HDR + 37), v.mv_size);
		assert_int_equal(u64_at(b, 56), blk_checksum(b, v.mv_size));
		first = u64_at(b, 24);
		last = u64_at(b, 32);
		for (n = 0; n < cnt; n++, off += PKT_HDR) {
			/* struct strata_rec: type, len, pad = cpu, seq. */
			assert_int_equal(u16_at(b, off), STRATA_REC_PACKET);
			assert_int_equal(u16_at(b, off + 2), ALIGN8(PKT_HDR + 37));
			assert_true(u32_at(b, off + 4) == 2 || u32_at(b, off + 4) == 3);
			assert_true(u64_at(b, off + 16) >= first && u64_at(b, off + 16) <= last);
			assert_int_equal(u32_at(b, off + 16 + offsetof(struct strata_rec_packet,
									 caplen)), 37);
		}
		for (n = 0; n < cnt; n++, off += 37)
			assert_memory_equal(b + off, data, 37);
		nblocks++;
	}
	mdb_cursor_close(c);
	assert_true(nblocks >= 2);
	/* bat: u64 BE id -> 32 bytes and 16 per ring. */
	assert_int_equal(mdb_cursor_open(r.txn, r.bat, &c), 0);
	for (i = 0; !mdb_cursor_get(c, &kv, &v, MDB_NEXT); i++) {
		const __u8 *b = v.mv_data;
		MDB_val tk, tv;
		__u8 tkey[16];

		assert_int_equal(u16_at(b, 28), 2);
		assert_int_equal(v.mv_size, 32 + 2 * 16);
		assert_int_equal(u64_at(b, 32) >> 48, 2);
		assert_int_equal(u64_at(b, 48) >> 48, 3);
		assert_int_equal(b[30], STRATA_STORE_CODEC_NONE);
		assert_int_equal(b[31], STRATA_STORE_CODEC_NONE);
		assert_int_equal(u32_at(b, 24), 64 + u32_at(b, 16) * (PKT_HDR + 37));
		/* time: first_ts BE | id BE -> nothing. */
		put_be64(tkey, u64_at(b, 0));
		memcpy(tkey + 8, kv.mv_data, 8);
		tk.mv_data = tkey;
		tk.mv_size = 16;
		assert_int_equal(mdb_get(r.txn, r.time, &tk, &tv), 0);
		assert_int_equal(tv.mv_size, 0);
		/*
		 * bloom: id BE -> an 8192-bit Bloom filter of the block's
		 * conversations: bits (lo + i * (hi | 1)) mod 8192, i 0..5, of
		 * each one's hash. All packets here are of one conversation.
		 */
		assert_int_equal(mdb_get(r.txn, r.bloom, &kv, &tv), 0);
		assert_int_equal(tv.mv_size, 1024);
		{
			__u64 h = XXH64(&k, sizeof(k), 0x73747261636f6e76ULL);
			__u32 lo = (__u32)h, hi = (__u32)(h >> 32) | 1;
			const __u8 *bl = tv.mv_data;
			unsigned int j, set = 0, bit;

			for (j = 0; j < 1024 * 8; j++)
				set += !!(bl[j / 8] & (1 << (j % 8)));
			assert_true(set >= 1 && set <= 6);
			for (j = 0; j < 6; j++) {
				bit = (lo + j * hi) % 8192;
				assert_true(bl[bit / 8] & (1 << (bit % 8)));
			}
		}
	}
	mdb_cursor_close(c);
	assert_int_equal(i, nblocks);
	/*
	 * group: id / 64 BE -> 512 lines of 512 bits; the conversation's hash
	 * times 0x9e3779b97f4a7c15 is g, line g >> 55, bits (lo + i * mid)
	 * mod 512, lo = g's low 32 bits, mid = bits 32..54 | 1. The blocks
	 * here are ids 1.., all in group 0.
	 */
	{
		__u64 h = XXH64(&k, sizeof(k), 0x73747261636f6e76ULL);
		__u64 g = h * 0x9e3779b97f4a7c15ULL;
		__u32 lo = (__u32)g, mid = (__u32)(g >> 32 & 0x7fffff) | 1;
		__u8 gk[8];
		const __u8 *line;
		unsigned int j, set = 0, bit;

		assert_true(id < 64);
		put_be64(gk, 0);
		kv.mv_data = gk;
		kv.mv_size = 8;
		assert_int_equal(mdb_get(r.txn, r.group, &kv, &v), 0);
		assert_int_equal(v.mv_size, 32768);
		for (j = 0; j < 32768 * 8; j++)
			set += !!(((const __u8 *)v.mv_data)[j / 8] & (1 << (j % 8)));
		assert_true(set >= 1 && set <= 6);
		line = (const __u8 *)v.mv_data + (g >> 55) * 64;
		for (j = 0; j < 6; j++) {
			bit = (lo + j * mid) % 512;
			assert_true(line[bit / 8] & (1 << (bit % 8)));
		}
	}
	/* mflow: window_start | conversation hash | seq -> 64 bytes + struct strata_mflow. */
	assert_int_equal(mdb_cursor_open(r.txn, r.mflow, &c), 0);
	assert_int_equal(mdb_cursor_get(c, &kv, &v, MDB_FIRST), 0);
	assert_int_equal(kv.mv_size, 24);
	assert_int_equal(be64(kv.mv_data), T0);
	assert_int_equal(be64((__u8 *)kv.mv_data + 8), XXH64(&k, sizeof(k), 0x73747261636f6e76ULL));
	assert_int_equal(be64((__u8 *)kv.mv_data + 16), 9);
	assert_int_equal(v.mv_size, 64 + 1008);
	assert_int_equal(u64_at(v.mv_data, 0), 1000000);
	assert_int_equal(u64_at(v.mv_data, 24), mi.ring_first);
	assert_int_equal(u64_at(v.mv_data, 40), 1);		/* resolved when stored */
	assert_int_equal(u64_at(v.mv_data, 48), nblocks);
	assert_int_equal(u32_at(v.mv_data, 60), 3);
	assert_memory_equal((__u8 *)v.mv_data + 64, &mf, sizeof(mf));
	mdb_cursor_close(c);
	/* conv: flow window | hash | window_start | seq -> nothing. */
	assert_int_equal(mdb_cursor_open(r.txn, r.conv, &c), 0);
	assert_int_equal(mdb_cursor_get(c, &kv, &v, MDB_FIRST), 0);
	assert_int_equal(kv.mv_size, 32);
	assert_int_equal(be64(kv.mv_data), T0 - T0 % 60000000000ULL);
	assert_int_equal(be64((__u8 *)kv.mv_data + 8), XXH64(&k, sizeof(k), 0x73747261636f6e76ULL));
	assert_int_equal(be64((__u8 *)kv.mv_data + 16), T0);
	assert_int_equal(be64((__u8 *)kv.mv_data + 24), 9);
	assert_int_equal(v.mv_size, 0);
	mdb_cursor_close(c);
	/* flow: flow window | hash -> struct strata_store_flow, written at close. */
	assert_int_equal(mdb_cursor_open(r.txn, r.flow, &c), 0);
	assert_int_equal(mdb_cursor_get(c, &kv, &v, MDB_FIRST), 0);
	assert_int_equal(kv.mv_size, 16);
	assert_int_equal(be64(kv.mv_data), T0 - T0 % 60000000000ULL);
	assert_int_equal(be64((__u8 *)kv.mv_data + 8), XXH64(&k, sizeof(k), 0x73747261636f6e76ULL));
	assert_int_equal(v.mv_size, sizeof(struct strata_store_flow));
	assert_int_equal(u32_at(v.mv_data, offsetof(struct strata_store_flow, microflows)), 1);
	mdb_cursor_close(c);
	/* state: flows_through (56) is past the closed window. */
	{
		MDB_val sk = { 5, "state" };

		assert_int_equal(mdb_get(r.txn, r.meta, &sk, &v), 0);
		assert_int_equal(v.mv_size, 72 + 15 * 8);
		assert_int_equal(u64_at(v.mv_data, 56), T0 - T0 % 60000000000ULL + 60000000000ULL);
	}
	raw_close(&r, false);
	tdir_rm(&d);
}

static void meta_set(const char *path, const char *name, const void *val, size_t len)
{
	struct raw r;
	MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)val };

	raw_open(&r, path, true);
	if (val)
		assert_int_equal(mdb_put(r.txn, r.meta, &k, &v, 0), 0);
	else
		assert_int_equal(mdb_del(r.txn, r.meta, &k, NULL), 0);
	raw_close(&r, true);
}

static int open_rc(const char *path, bool ro, char *err, size_t errlen)
{
	struct strata_store_opts o;
	struct strata_store *s;
	int rc;

	strata_store_opts_init(&o, path);
	o.budget = 8ULL << 20;
	o.readonly = ro;
	rc = strata_store_open(&o, &s, err, errlen);
	if (!rc)
		strata_store_close(s, NULL, 0);
	return rc;
}

static int mf_one(const struct strata_store_mflow *m, void *arg)
{
	struct strata_store_mflow *got = arg;

	*got = *m;
	return 0;
}

/*
 * A format-5 store (microflows of 712 bytes, without transaction timing)
 * still opens: read-only as it is, its microflows with zero transaction
 * fields; for writing it becomes format 6 and takes new microflows beside
 * the old ones. A format-4 store is still refused.
 */
static void test_format_v5(void **state)
{
	struct strata_store_mflow got;
	struct strata_mflow mf, zero;
	struct strata_mf_info mi;
	struct strata_store *s;
	struct tdir d;
	struct raw r;
	MDB_cursor *c;
	MDB_val kv, v;
	__u32 v5 = 5, v4 = 4, lay5[2] = { 200, 712 };
	__u8 old[64 + 712];
	char err[256];

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 4ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	canon(&convs[1], &mf.key);
	strata_mflow_init(&mf, &mf.key, T0);
	mf.dir[0].packets = 3;
	mf.dir[1].bytes = 4444;
	mf.txn.requests = 9;	/* what format 5 did not keep */
	strata_stat_add(&mf.txn.ttfb, 5000);
	memset(&mi, 0, sizeof(mi));
	mi.window_ns = 1000000;
	mi.key_hash = 0x55;
	assert_int_equal(strata_store_add_microflow(s, &mf, &mi, err, sizeof(err)), 0);
	sclose(s);

	/* Make it what format 5 wrote: meta, and the microflow cut at 776 bytes. */
	meta_set(d.path, "version", &v5, sizeof(v5));
	meta_set(d.path, "layout", lay5, sizeof(lay5));
	raw_open(&r, d.path, true);
	assert_int_equal(mdb_cursor_open(r.txn, r.mflow, &c), 0);
	assert_int_equal(mdb_cursor_get(c, &kv, &v, MDB_FIRST), 0);
	assert_int_equal(v.mv_size, 64 + sizeof(struct strata_mflow));
	memcpy(old, v.mv_data, sizeof(old));
	v.mv_size = sizeof(old);
	v.mv_data = old;
	assert_int_equal(mdb_cursor_put(c, &kv, &v, MDB_CURRENT), 0);
	mdb_cursor_close(c);
	raw_close(&r, true);

	memset(&zero, 0, sizeof(zero));
	s = sopen_ro(d.path);
	memset(&got, 0xff, sizeof(got));
	assert_int_equal(strata_store_microflows(s, NULL, 0, ~0ULL, mf_one, &got, err,
						 sizeof(err)), 0);
	assert_int_equal(got.mf.dir[0].packets, 3);
	assert_int_equal(got.mf.dir[1].bytes, 4444);
	assert_memory_equal(&got.mf.key, &mf.key, sizeof(mf.key));
	assert_int_equal(got.info.key_hash, 0x55);
	assert_memory_equal(&got.mf.txn, &zero.txn, sizeof(zero.txn));
	assert_memory_equal(&got.mf.txs, &zero.txs, sizeof(zero.txs));
	sclose(s);
	raw_open(&r, d.path, false);
	meta_u32(&r, "version", 5);		/* read-only: left as it was */
	raw_close(&r, false);

	/* Opened for writing: format 6, and both sizes read side by side. */
	s = sopen(d.path, 4ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	mf.window_start = T0 + 1000000;
	assert_int_equal(strata_store_add_microflow(s, &mf, &mi, err, sizeof(err)), 0);
	sclose(s);
	raw_open(&r, d.path, false);
	meta_u32(&r, "version", STRATA_STORE_VERSION);
	{
		MDB_val lk = { 6, "layout" };

		assert_int_equal(mdb_get(r.txn, r.meta, &lk, &v), 0);
		assert_int_equal(u32_at(v.mv_data, 4), sizeof(struct strata_mflow));
	}
	raw_close(&r, false);
	s = sopen_ro(d.path);
	memset(&got, 0, sizeof(got));
	assert_int_equal(strata_store_microflows(s, NULL, 0, T0 + 1, mf_one, &got, err,
						 sizeof(err)), 0);
	assert_true(got.mf.window_start == T0);
	assert_int_equal(got.mf.txn.requests, 0);
	assert_int_equal(strata_store_microflows(s, NULL, T0 + 1000000, ~0ULL, mf_one, &got,
						 err, sizeof(err)), 0);
	assert_true(got.mf.window_start == T0 + 1000000);
	assert_int_equal(got.mf.txn.requests, 9);
	assert_int_equal(got.mf.txn.ttfb.sum, 5000);
	sclose(s);

	/* A format older than 5 is refused, naming its version. */
	meta_set(d.path, "version", &v4, sizeof(v4));
	assert_int_equal(open_rc(d.path, true, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "version 4"));
	tdir_rm(&d);
}

/* Another format version, or missing or garbled meta, is refused. */
static void test_version(void **state)
{
	struct tdir d;
	/* Another version than ours: the next one; then ours again. */
	__u32 v2 = STRATA_STORE_VERSION + 1, v1 = STRATA_STORE_VERSION;
	char err[256];

	(void)state;
	tdir_make(&d);
	assert_int_equal(open_rc(d.path, true, err, sizeof(err)), -ENOENT);
	assert_int_equal(open_rc(d.path, false, err, sizeof(err)), 0);
	assert_int_equal(open_rc(d.path, true, err, sizeof(err)), 0);

	meta_set(d.path, "version", &v2, sizeof(v2));
	assert_int_equal(open_rc(d.path, false, err, sizeof(err)), -EPROTO);
	{
		char want[32];

		snprintf(want, sizeof(want), "version %u", v2);
		assert_non_null(strstr(err, want));
	}
	assert_non_null(strstr(err, d.path));
	assert_int_equal(open_rc(d.path, true, err, sizeof(err)), -EPROTO);
	meta_set(d.path, "version", "\1\0\0", 3);
	assert_int_equal(open_rc(d.path, false, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "\"version\""));
	meta_set(d.path, "version", NULL, 0);
	assert_int_equal(open_rc(d.path, false, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "missing"));
	meta_set(d.path, "version", &v1, sizeof(v1));
	assert_int_equal(open_rc(d.path, false, err, sizeof(err)), 0);
	meta_set(d.path, "state", "garbage", 7);
	assert_int_equal(open_rc(d.path, false, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "\"state\""));
	tdir_rm(&d);

	/* An LMDB environment that is not a strata store. */
	tdir_make(&d);
	{
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		MDB_val k = { 3, "foo" }, v = { 3, "bar" };

		assert_int_equal(mdb_env_create(&env), 0);
		assert_int_equal(mdb_env_open(env, d.path, 0, 0640), 0);
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
	}
	assert_int_equal(open_rc(d.path, false, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "not a strata store"));
	tdir_rm(&d);
}

/* Packet bytes as they read back: each record's caplen bytes, compared. */
struct bytes_check {
	const __u8 *want;
	unsigned int n, bad;
};

static int bytes_fn(const struct strata_store_rec *r, void *arg)
{
	struct bytes_check *b = arg;

	if (r->pkt->caplen != 1400 || memcmp(r->data, b->want + r->seq * 1400, 1400))
		b->bad++;
	b->n++;
	return 0;
}

/*
 * Heads are compressed always (zstd), packet bytes only where zstd makes
 * them a sixteenth smaller; after bytes that did not compress, the next 1,
 * 2, 4 ... blocks' bytes are stored without trying.
 */
static void test_codec_sections(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct bats *bs = calloc(1, sizeof(*bs));
	struct bytes_check bc;
	struct tpkt t;
	struct rng r;
	__u8 *pool = malloc(90 * 1400);
	unsigned int i, j, blk;
	char err[256];
	/* 3 blocks of random bytes, then 6 of text: tried, skipped, tried... */
	static const char want[] = "NNNNNZZZZ";

	(void)state;
	convs_init();
	tdir_make(&d);
	rng_seed(&r, 5);
	/* Random bytes, never repeated: no compressor shrinks them. */
	for (i = 0; i < 90 * 1400; i++)
		pool[i] = (__u8)rng_u64(&r);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, 0);
	memset(&t, 0, sizeof(t));
	t.p.family = 4;
	t.p.proto = 6;
	t.p.caplen = 1400;
	/* 10 records of 1616 bytes fill a 16 KiB block. */
	for (blk = 0; blk < 9; blk++) {
		if (blk == 3) {
			/* From here on, the bytes are text: zstd halves them. */
			for (i = 30 * 1400; i < 90 * 1400; i++)
				pool[i] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n"[i % 46];
		}
		for (j = 0; j < 10; j++) {
			t.seq = blk * 10 + j;
			t.p.ts_ns = T0 + 1000 * t.seq;
			t.p.wire_len = 1500;
			t.data = pool + t.seq * 1400;
			sadd(s, &t);
		}
	}
	sflush(s);
	assert_int_equal(strata_store_blocks(s, 0, ~0ULL, bat_fn, bs, err, sizeof(err)), 0);
	assert_int_equal(bs->n, 9);
	for (i = 0; i < bs->n; i++) {
		assert_int_equal(bs->b[i].codec, STRATA_STORE_CODEC_ZSTD);
		assert_int_equal(bs->b[i].data_codec, want[i] == 'Z' ? STRATA_STORE_CODEC_ZSTD :
				 STRATA_STORE_CODEC_NONE);
		if (want[i] == 'Z')
			assert_true(bs->b[i].stored_bytes < bs->b[i].raw_bytes / 2);
		else
			assert_true(bs->b[i].stored_bytes < 64 + 10 * 1400 + 10 * PKT_HDR / 2);
	}
	/* Every record's bytes read back, from both kinds of block. */
	memset(&bc, 0, sizeof(bc));
	bc.want = pool;
	assert_int_equal(strata_store_packets(s, 0, ~0ULL, NULL, bytes_fn, &bc, err, sizeof(err)), 0);
	assert_int_equal(bc.n, 90);
	assert_int_equal(bc.bad, 0);
	sclose(s);
	tdir_rm(&d);
	free(pool);
	free(bs);
}

/* ---- corruption ---- */

/* Rewrites block @id's value through @edit, then reopens the store. */
static void block_edit(const char *path, __u64 id, void (*edit)(__u8 *v, size_t *len, void *arg),
		       void *arg)
{
	struct raw r;
	__u8 key[8], *copy;
	MDB_val k = { 8, key }, v;
	size_t len;

	put_be64(key, id);
	raw_open(&r, path, true);
	assert_int_equal(mdb_get(r.txn, r.blocks, &k, &v), 0);
	len = v.mv_size;
	copy = malloc(len + 64);
	memcpy(copy, v.mv_data, len);
	edit(copy, &len, arg);
	v.mv_data = copy;
	v.mv_size = len;
	assert_int_equal(mdb_put(r.txn, r.blocks, &k, &v, 0), 0);
	raw_close(&r, true);
	free(copy);
}

static void flip_byte(__u8 *v, size_t *len, void *arg)
{
	v[*(size_t *)arg % *len] ^= 0x40;
}

struct fuzz {
	struct rng r;
	const __u8 *orig;
	size_t len;
};

/* Random changes to the records, with a checksum that matches them. */
static void fuzz_records(__u8 *v, size_t *len, void *arg)
{
	struct fuzz *f = arg;
	unsigned int i, n = (unsigned int)rng_range(&f->r, 1, 4);
	__u32 cnt;
	__u64 x;

	memcpy(v, f->orig, f->len);
	*len = f->len;
	memcpy(&cnt, v + 8, sizeof(cnt));
	for (i = 0; i < n; i++) {
		size_t at = 40 + rng_range(&f->r, 0, *len - 41), head;

		switch (rng_u64(&f->r) % 4) {
		case 0:
			v[at] ^= (__u8)(1 << rng_range(&f->r, 0, 7));
			break;
		case 1:
			v[at] = (__u8)rng_u64(&f->r);
			break;
		case 2:
			/* The section sizes in the header. */
			v[40 + rng_range(&f->r, 0, 15)] = (__u8)rng_u64(&f->r);
			break;
		default:
			/* Record lengths and caplens are where it hurts. */
			head = 64 + PKT_HDR * rng_range(&f->r, 0, cnt - 1);
			if (rng_u64(&f->r) % 2)
				v[head + 2] = (__u8)rng_u64(&f->r);
			else
				v[head + 16 + offsetof(struct strata_rec_packet, caplen)] =
					(__u8)rng_u64(&f->r);
			break;
		}
	}
	if (rng_u64(&f->r) % 8 == 0)
		*len -= rng_range(&f->r, 1, 64);
	x = blk_checksum(v, *len);
	memcpy(v + 56, &x, 8);
}

struct ordered {
	__u64 ts;
	unsigned int n;
	bool bad;
};

static int ordered_fn(const struct strata_store_rec *r, void *arg)
{
	struct ordered *o = arg;

	if (r->pkt->ts_ns < o->ts || r->pkt->caplen > STRATA_SNAPLEN_MAX)
		o->bad = true;
	o->ts = r->pkt->ts_ns;
	/* Every byte handed out is readable (ASan checks). */
	if (r->pkt->caplen)
		o->ts += r->data[r->pkt->caplen - 1] * 0;
	o->n++;
	return 0;
}

static void test_corrupt(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct bats *bs = calloc(1, sizeof(*bs));
	struct raw r;
	struct fuzz fz;
	struct ordered o;
	struct strata_store_opts ro;
	unsigned int held, victim, fuzzed, i, bad = 0, ok = 0;
	size_t at;
	char err[512], want[64];
	__u8 key[8];

	(void)state;
	store_with(&d, STRATA_STORE_CODEC_NONE, 13, 3000, 0, 120);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	assert_int_equal(strata_store_blocks(s, 0, ~0ULL, bat_fn, bs, err, sizeof(err)), 0);
	sclose(s);
	assert_true(bs->n > 10);
	victim = bs->n / 2;

	/* One byte of one block's records. */
	at = 1000;
	block_edit(d.path, bs->b[victim].id, flip_byte, &at);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	assert_int_equal(count_all(s, NULL, &held, err, sizeof(err)), -EBADMSG);
	snprintf(want, sizeof(want), "block %llu: checksum", (unsigned long long)bs->b[victim].id);
	assert_non_null(strstr(err, want));
	/* Every other block was still read. */
	assert_int_equal(held, 3000 - bs->b[victim].packets);
	/* A range without it is fine. */
	held = 0;
	assert_int_equal(strata_store_packets(s, 0, bs->b[victim - 2].last_ts, NULL, count_fn, &held,
					      err, sizeof(err)), 0);
	assert_true(held > 0);
	sclose(s);

	/*
	 * Random damage behind a matching checksum, to a block far from the
	 * first: an error naming it, or sane records; never a bad read.
	 */
	fuzzed = victim / 2;
	snprintf(want, sizeof(want), "block %llu:", (unsigned long long)bs->b[fuzzed].id);
	put_be64(key, bs->b[fuzzed].id);
	raw_open(&r, d.path, false);
	{
		MDB_val k = { 8, key }, v;

		assert_int_equal(mdb_get(r.txn, r.blocks, &k, &v), 0);
		fz.len = v.mv_size;
		fz.orig = malloc(fz.len);
		memcpy((void *)fz.orig, v.mv_data, fz.len);
	}
	raw_close(&r, false);
	rng_seed(&fz.r, 21);
	strata_store_opts_init(&ro, d.path);
	ro.readonly = true;
	for (i = 0; i < 100; i++) {
		int rc;

		block_edit(d.path, bs->b[fuzzed].id, fuzz_records, &fz);
		/* Read-only: no writer's page lists to set up 100 times. */
		s = sopen_o(&ro);
		memset(&o, 0, sizeof(o));
		rc = strata_store_packets(s, bs->b[fuzzed].first_ts, bs->b[fuzzed].last_ts,
					  NULL, ordered_fn, &o, err, sizeof(err));
		assert_true(rc == 0 || rc == -EBADMSG);
		assert_false(o.bad);
		if (rc) {
			assert_non_null(strstr(err, want));
			bad++;
		} else {
			ok++;
		}
		sclose(s);
	}
	assert_true(bad >= 8 && ok >= 5);
	free((void *)fz.orig);

	/* A block table entry of the wrong size. */
	put_be64(key, bs->b[1].id);
	raw_open(&r, d.path, true);
	{
		MDB_val k = { 8, key }, v = { 5, "short" };

		assert_int_equal(mdb_put(r.txn, r.bat, &k, &v, 0), 0);
	}
	raw_close(&r, true);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	assert_int_equal(strata_store_blocks(s, 0, ~0ULL, bat_fn, bs, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "block table"));
	sclose(s);
	print_message("  corrupt records behind a good checksum: %u refused, %u read as valid records\n",
		      bad, ok);
	tdir_rm(&d);
	free(bs);
}

/*
 * @n packets of 100 bytes, 1 us apart from T0: the first @n1 of
 * conversation 1, the others of conversation 2.
 */
static void write_two_convs(struct strata_store *s, unsigned int n1, unsigned int n)
{
	static __u8 data[100];
	struct tpkt t;
	unsigned int i;

	memset(&t, 0, sizeof(t));
	memset(data, 0x5a, sizeof(data));
	t.data = data;
	t.p.caplen = 100;
	t.p.wire_len = 100;
	for (i = 0; i < n; i++) {
		const struct conv *c = &convs[i < n1 ? 1 : 2];

		t.seq = i;
		t.p.ts_ns = T0 + 1000ULL * i;
		t.p.family = c->family;
		t.p.proto = c->proto;
		memcpy(t.p.saddr, c->a, 16);
		memcpy(t.p.daddr, c->b, 16);
		t.p.sport = c->pa;
		t.p.dport = c->pb;
		sadd(s, &t);
	}
}

/*
 * A conversation query opens only the blocks whose filter may hold it: a
 * corrupt block of another conversation is not even read.
 */
static void test_conv_filter(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct bats *bs = calloc(1, sizeof(*bs));
	struct strata_flow_key ka, kb;
	unsigned int i, held, a_blocks = 0;
	size_t at = 300;
	char err[512];

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	/* 600 packets of conversation 1, then 600 of conversation 2. */
	write_two_convs(s, 600, 1200);
	sflush(s);
	assert_int_equal(strata_store_blocks(s, 0, ~0ULL, bat_fn, bs, err, sizeof(err)), 0);
	sclose(s);
	for (i = 0; i < bs->n; i++)
		a_blocks += bs->b[i].last_ts < T0 + 1000ULL * 600;
	assert_true(a_blocks >= 3 && a_blocks < bs->n - 3);
	/* Damage a block of conversation 1 only. */
	block_edit(d.path, bs->b[1].id, flip_byte, &at);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	canon(&convs[1], &ka);
	canon(&convs[2], &kb);
	assert_int_equal(count_all(s, &kb, &held, err, sizeof(err)), 0);
	assert_int_equal(held, 600);
	assert_int_equal(count_all(s, &ka, &held, err, sizeof(err)), -EBADMSG);
	assert_int_equal(held, 600 - bs->b[1].packets);
	/* Without a conversation, every block is read. */
	assert_int_equal(count_all(s, NULL, &held, err, sizeof(err)), -EBADMSG);
	assert_int_equal(held, 1200 - bs->b[1].packets);
	sclose(s);
	tdir_rm(&d);
	free(bs);
}

/*
 * The group filters come first: with the block filters of groups 0 and 1
 * (block ids 1..127, conversation 1 only) removed, conversation 2 is still
 * found whole, so those were never looked at, and conversation 1's query
 * says a filter is missing, so its groups' filters passed it on.
 */
static void test_group_filter(void **state)
{
	struct tdir d;
	struct strata_store *s;
	struct strata_flow_key ka, kb;
	struct raw r;
	__u8 key[8];
	MDB_val k = { 8, key };
	unsigned int held, removed = 0;
	__u64 id;
	char err[512];

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	/* About 150 blocks of conversation 1, then 6 of conversation 2. */
	write_two_convs(s, 7700, 8000);
	sclose(s);
	raw_open(&r, d.path, true);
	for (id = 1; id < 128; id++) {
		put_be64(key, id);
		removed += !mdb_del(r.txn, r.bloom, &k, NULL);
	}
	raw_close(&r, true);
	assert_int_equal(removed, 127);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	canon(&convs[1], &ka);
	canon(&convs[2], &kb);
	assert_int_equal(count_all(s, &kb, &held, err, sizeof(err)), 0);
	assert_int_equal(held, 300);
	assert_int_equal(count_all(s, &ka, &held, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "block 1: no filter"));
	sclose(s);
	tdir_rm(&d);
}

/* A zstd block whose compressed bytes are damaged (checksum fixed up). */
static void zstd_damage(__u8 *v, size_t *len, void *arg)
{
	__u64 x;

	(void)arg;
	v[64 + (*len - 64) / 2] ^= 0xff;
	v[64 + (*len - 64) / 3] ^= 0x5a;
	x = blk_checksum(v, *len);
	memcpy(v + 56, &x, 8);
}

static void test_corrupt_zstd(void **state)
{
	struct tdir d;
	struct strata_store *s;
	unsigned int held = 0;
	char err[512];

	(void)state;
	store_with(&d, STRATA_STORE_CODEC_ZSTD, 14, 1000, 0, 16);
	block_edit(d.path, 2, zstd_damage, NULL);
	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, 0);
	assert_int_equal(strata_store_packets(s, 0, ~0ULL, NULL, count_fn, &held, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "block 2:"));
	assert_true(held > 0 && held < 1000);
	sclose(s);
	tdir_rm(&d);
}

/* ---- options and misuse ---- */

static void expect_open(struct strata_store_opts *o, int want, const char *msg)
{
	struct strata_store *s = NULL;
	char err[512] = "";
	int rc = strata_store_open(o, &s, err, sizeof(err));

	if (rc != want)
		fail_msg("open gave %d (%s), expected %d", rc, err, want);
	assert_null(s);
	if (!strstr(err, msg))
		fail_msg("\"%s\" does not say \"%s\"", err, msg);
}

static void test_bad_options(void **state)
{
	struct strata_store_opts o;
	struct strata_store *s;
	struct tdir d;
	struct tpkt t;
	struct strata_mflow mf;
	struct strata_mf_info mi;
	__u8 data[64] = { 0 };
	char err[512];

	(void)state;
	/* 8000 records of 320 bytes: a file bigger than 1 MiB. */
	store_with(&d, STRATA_STORE_CODEC_NONE, 1, 8000, 100, 100);
	strata_store_opts_init(&o, NULL);
	expect_open(&o, -EINVAL, "no directory");
	strata_store_opts_init(&o, d.path);
	o.block_bytes = 1000;
	expect_open(&o, -EINVAL, "block size 1000");
	strata_store_opts_init(&o, d.path);
	o.budget = 2ULL << 20;
	expect_open(&o, -EINVAL, "budget");
	strata_store_opts_init(&o, d.path);
	o.codec = 5;
	expect_open(&o, -EINVAL, "codec 5");
	strata_store_opts_init(&o, d.path);
	o.zstd_level = 30;
	expect_open(&o, -EINVAL, "zstd level 30");
	strata_store_opts_init(&o, d.path);
	o.zstd_level = ZSTD_minCLevel() - 1;
	expect_open(&o, -EINVAL, "zstd level -");

	/* A budget below what the file already takes. */
	strata_store_opts_init(&o, d.path);
	o.budget = 1ULL << 20;
	o.block_bytes = FIX_BLOCK;
	expect_open(&o, -EINVAL, "cannot shrink");

	s = sopen(d.path, 8ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_NONE, 0);
	memset(&t, 0, sizeof(t));
	t.p.caplen = 10;
	t.p.wire_len = 9;
	assert_int_equal(strata_store_add_packet(s, 0, 1, &t.p, data, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "caplen 10"));
	t.p.wire_len = 10;
	assert_int_equal(strata_store_add_packet(s, 70000, 1, &t.p, data, err, sizeof(err)),
			 -EINVAL);
	t.p.nseg = 17;
	assert_int_equal(strata_store_add_packet(s, 0, 1, &t.p, data, err, sizeof(err)), -EINVAL);
	assert_int_equal(strata_store_packets(s, 2, 1, NULL, count_fn, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(strata_store_blocks(s, 2, 1, bat_fn, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(strata_store_microflows(s, NULL, 2, 1, mf_fn, NULL, err, sizeof(err)),
			 -EINVAL);
	memset(&mf, 0, sizeof(mf));
	memset(&mi, 0, sizeof(mi));
	assert_int_equal(strata_store_add_microflow(s, &mf, &mi, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "window"));
	assert_int_equal(strata_store_unpin(s, 12345, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "12345"));
	sclose(s);

	/* Read-only: the reader calls work, the writer calls are refused. */
	strata_store_opts_init(&o, d.path);
	o.readonly = true;
	s = sopen_o(&o);
	{
		struct strata_store_info in;
		unsigned int n = 0;

		sinfo(s, &in);
		assert_int_equal(in.packets, 8000);
		assert_int_equal(strata_store_packets(s, 0, ~0ULL, NULL, count_fn, &n, err,
						      sizeof(err)), 0);
		assert_int_equal(n, 8000);
	}
	t.p.nseg = 0;
	assert_int_equal(strata_store_add_packet(s, 0, 1, &t.p, data, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "read-only"));
	assert_int_equal(strata_store_flush(s, err, sizeof(err)), -EPERM);
	assert_int_equal(strata_store_pin(s, 1, 2, NULL, NULL, err, sizeof(err)), -EPERM);
	sclose(s);
	tdir_rm(&d);
}

/* ---- a reader thread while the writer writes ---- */

struct rdr {
	struct strata_store *s;
	volatile bool stop;
	unsigned int rounds;
	int rc;
	char err[256];
};

static void *reader_main(void *arg)
{
	struct rdr *r = arg;
	struct strata_store_info in;
	__u64 last = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) && !r->rc) {
		unsigned int n = 0;

		r->rc = strata_store_info(r->s, &in, r->err, sizeof(r->err));
		if (!r->rc)
			r->rc = strata_store_packets(r->s, 0, ~0ULL, NULL, count_fn, &n, r->err,
						     sizeof(r->err));
		/* Each read sees one committed state: never less than before. */
		if (!r->rc && (n < last || in.packets < last))
			r->rc = -EDOM;
		last = n;
		r->rounds++;
	}
	return NULL;
}

static void test_reader_thread(void **state)
{
	struct tdir d;
	struct rdr r;
	struct gen gn;
	pthread_t th;
	unsigned int i;

	(void)state;
	convs_init();
	tdir_make(&d);
	memset(&r, 0, sizeof(r));
	r.s = sopen(d.path, 16ULL << 20, FIX_BLOCK, STRATA_STORE_CODEC_ZSTD, 0);
	gen_init(&gn, 31, T0, 0, 64);
	assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
	for (i = 0; i < 40; i++)
		write_packets(r.s, &gn, 250, 250, NULL);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	if (r.rc)
		fail_msg("reader: %d %s", r.rc, r.err);
	assert_true(r.rounds > 0);
	sclose(r.s);
	tdir_rm(&d);
}

struct flows_got {
	struct strata_store_flow f[16];
	unsigned int n;
};

static int on_flow(const struct strata_store_flow *f, void *arg)
{
	struct flows_got *g = arg;

	assert_true(g->n < 16);
	g->f[g->n++] = *f;
	return 0;
}

/*
 * Location flows: microflows of one conversation, given with its endpoints
 * in either order, sum per 60 s into one flow with directions lined up to
 * its canonical key; a microflow given twice counts once; another
 * conversation and another minute are other flows; a query by
 * conversation finds its flows only; retention removes flows with their
 * window's microflows.
 */
static void test_flows(void **state)
{
	const __u64 min0 = T0 - T0 % STRATA_STORE_FLOW_WINDOW_NS;
	struct strata_flow_key k, rev;
	struct strata_mflow mf;
	struct strata_mf_info in;
	struct strata_store *s;
	struct strata_store_info info;
	struct flows_got g;
	struct tdir d;
	char err[256];
	unsigned int i;

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 0);
	canon(&convs[1], &k);
	rev = k;	/* the same conversation, endpoints swapped */
	memcpy(rev.addr[0], k.addr[1], 16);
	memcpy(rev.addr[1], k.addr[0], 16);
	rev.port[0] = k.port[1];
	rev.port[1] = k.port[0];
	memset(&in, 0, sizeof(in));
	in.window_ns = 1000000000ULL;
	in.has_seq = true;
	for (i = 0; i < 4; i++) {	/* 4 one-second windows in minute 0 */
		strata_mflow_init(&mf, i % 2 ? &rev : &k, min0 + i * in.window_ns);
		mf.started = 1;
		mf.initiator = 0;	/* endpoint 0 of the key given */
		mf.dir[0].packets = 10 + i;
		mf.dir[0].bytes = 1000;
		mf.dir[0].first_ns = min0 + i * in.window_ns + 5;
		mf.dir[0].last_ns = min0 + i * in.window_ns + 7;
		mf.dir[1].packets = 1;
		mf.dir[1].bytes = 40;
		mf.dir[1].first_ns = mf.dir[1].last_ns = min0 + i * in.window_ns + 6;
		in.seq = i + 1;
		assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
		if (i == 2)	/* given twice: counted once */
			assert_int_equal(strata_store_add_microflow(s, &mf, &in, err,
								    sizeof(err)), 0);
	}
	/* Minute 1, and another conversation in minute 0. */
	strata_mflow_init(&mf, &k, min0 + STRATA_STORE_FLOW_WINDOW_NS);
	mf.dir[1].packets = 3;
	in.seq = 10;
	assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
	canon(&convs[2], &rev);
	strata_mflow_init(&mf, &rev, min0);
	mf.dir[0].packets = 99;
	in.seq = 11;
	assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
	sflush(s);

	memset(&g, 0, sizeof(g));
	assert_int_equal(strata_store_flows(s, &k, min0, min0 + 2 * STRATA_STORE_FLOW_WINDOW_NS,
					    on_flow, &g, err, sizeof(err)), 0);
	assert_int_equal(g.n, 2);
	assert_memory_equal(&g.f[0].key, &k, sizeof(k));
	assert_int_equal(g.f[0].window_start, min0);
	assert_int_equal(g.f[0].window_ns, STRATA_STORE_FLOW_WINDOW_NS);
	assert_int_equal(g.f[0].microflows, 4);
	assert_int_equal(g.f[0].first_mf, min0);
	assert_int_equal(g.f[0].last_mf, min0 + 3 * in.window_ns);
	/* Windows 0 and 2 had k's endpoint 0 sending 10 and 12; 1 and 3 the other. */
	assert_int_equal(g.f[0].dir[0].packets, 10 + 12 + 1 + 1);
	assert_int_equal(g.f[0].dir[1].packets, 11 + 13 + 1 + 1);
	assert_int_equal(g.f[0].dir[0].bytes, 2000 + 80);
	assert_int_equal(g.f[0].dir[0].first_ns, min0 + 5);
	assert_int_equal(g.f[0].dir[1].first_ns, min0 + 6);
	assert_int_equal(g.f[0].dir[1].last_ns, min0 + 3 * in.window_ns + 7);
	assert_true(g.f[0].has_initiator);
	assert_int_equal(g.f[0].initiator, 0);
	/* Without the clock option (an offline analysis): not known. */
	assert_int_equal(g.f[0].clock_sync, STRATA_CLOCK_UNKNOWN);
	assert_int_equal(g.f[1].window_start, min0 + STRATA_STORE_FLOW_WINDOW_NS);
	assert_int_equal(g.f[1].microflows, 1);
	/* The conversation named the other way round: the same flows. */
	memset(&g, 0, sizeof(g));
	canon(&convs[1], &k);
	memcpy(rev.addr[0], k.addr[1], 16);
	memcpy(rev.addr[1], k.addr[0], 16);
	rev.port[0] = k.port[1];
	rev.port[1] = k.port[0];
	rev.proto = k.proto;
	rev.family = k.family;
	assert_int_equal(strata_store_flows(s, &rev, min0, min0, on_flow, &g, err,
					    sizeof(err)), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].microflows, 4);
	/* All flows of minute 0: both conversations. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(strata_store_flows(s, NULL, min0, min0 + 1, on_flow, &g, err,
					    sizeof(err)), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(strata_store_info(s, &info, err, sizeof(err)), 0);
	assert_int_equal(info.flows, 3);
	assert_int_equal(strata_store_flows(s, NULL, 2, 1, on_flow, &g, err, sizeof(err)),
			 -EINVAL);
	sclose(s);

	/* An age limit removes them with their microflows. */
	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 1);
	{
		struct tpkt t;
		__u8 data[8] = { 0 };

		memset(&t, 0, sizeof(t));
		t.data = data;
		t.p.family = 4;
		t.p.proto = 17;
		t.p.ts_ns = min0 + 10 * STRATA_STORE_FLOW_WINDOW_NS;
		sadd(s, &t);
		sflush(s);
	}
	assert_int_equal(strata_store_info(s, &info, err, sizeof(err)), 0);
	assert_int_equal(info.flows, 0);
	assert_int_equal(info.c.flows_removed, 3);
	sclose(s);
	tdir_rm(&d);
}

/* Adds a microflow of conversation @k: window @ws, sequence number @seq, @n packets a>b. */
static int add_mf(struct strata_store *s, const struct strata_flow_key *k, __u64 ws,
		  __u64 seq, __u64 n, char *err, size_t errlen)
{
	struct strata_mflow mf;
	struct strata_mf_info in;

	strata_mflow_init(&mf, k, ws);
	mf.started = 1;
	mf.dir[0].packets = n;
	mf.dir[0].bytes = 100 * n;
	mf.dir[0].first_ns = ws + 1;
	mf.dir[0].last_ns = ws + 2;
	memset(&in, 0, sizeof(in));
	in.window_ns = 1000000000ULL;
	in.has_seq = true;
	in.seq = seq;
	return strata_store_add_microflow(s, &mf, &in, err, errlen);
}

static void flows_of(struct strata_store *s, const struct strata_flow_key *k,
		     struct flows_got *g)
{
	char err[256];
	int rc;

	memset(g, 0, sizeof(*g));
	rc = strata_store_flows(s, k, 0, ~0ULL, on_flow, g, err, sizeof(err));
	if (rc)
		fail_msg("flows: %d %s", rc, err);
}

/* Adds microflow @mf (window_ns 1 s, sequence number @seq) to @s. */
static void add_txn_mf(struct strata_store *s, const struct strata_mflow *mf, __u64 seq)
{
	struct strata_mf_info in;
	char err[256];

	memset(&in, 0, sizeof(in));
	in.window_ns = 1000000000ULL;
	in.has_seq = true;
	in.seq = seq;
	assert_int_equal(strata_store_add_microflow(s, mf, &in, err, sizeof(err)), 0);
}

/* The transaction timing three microflows of test_flow_txn() sum to. */
static void assert_txn_sum(const struct strata_txn_stats *t, __u64 late_ttfb)
{
	__u64 n = late_ttfb ? 4 : 3, sum = 9000 + late_ttfb;

	assert_int_equal(t->ttfb.n, n);
	assert_int_equal(t->ttfb.sum, sum);
	assert_int_equal(t->ttfb.sumsq_lo, 35000000ULL + late_ttfb * late_ttfb);
	assert_int_equal(t->ttfb.min, 1000);
	assert_int_equal(t->ttfb.max, late_ttfb > 5000 ? late_ttfb : 5000);
	assert_int_equal(t->requests, n);
	assert_int_equal(t->resp.n, 1);
	assert_int_equal(t->resp.sum, 7000);
	assert_int_equal(t->dns.n, 1);
	assert_int_equal(t->dns.sum, 200);
	assert_int_equal(t->dns_queries, 2);
	assert_int_equal(t->dns_unanswered, 1);
	assert_int_equal(t->app, STRATA_TXN_APP_HTTP);
}

/*
 * A location flow sums its microflows' transaction timing, a window
 * without packets that ended a transaction (a response, a query that timed
 * out) included: the same while its flow window is open (summed when
 * asked) and once it closed (the flow table), and a late microflow adds
 * its own to the closed flow.
 */
static void test_flow_txn(void **state)
{
	const __u64 min0 = T0 - T0 % STRATA_STORE_FLOW_WINDOW_NS;
	struct strata_flow_key k;
	struct strata_mflow mf;
	struct strata_store *s;
	struct flows_got g;
	struct tdir d;

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 0);
	canon(&convs[1], &k);
	strata_mflow_init(&mf, &k, min0);
	mf.started = 1;
	mf.dir[0].packets = 4;
	strata_stat_add(&mf.txn.ttfb, 1000);
	strata_stat_add(&mf.txn.ttfb, 3000);
	mf.txn.requests = 2;
	mf.txn.app = STRATA_TXN_APP_HTTP;
	add_txn_mf(s, &mf, 1);
	strata_mflow_init(&mf, &k, min0 + 1000000000ULL);
	mf.dir[1].packets = 2;
	strata_stat_add(&mf.txn.ttfb, 5000);
	strata_stat_add(&mf.txn.dns, 200);
	mf.txn.requests = 1;
	mf.txn.dns_queries = 2;
	mf.txn.app = STRATA_TXN_APP_HTTP;
	add_txn_mf(s, &mf, 2);
	/*
	 * No packet: a response ended by silence, a query given up, 10 s after
	 * they began at 55 s: in the next flow window's first seconds, yet
	 * counted in the window where they began (no flow without packets).
	 */
	strata_mflow_init(&mf, &k, min0 + STRATA_STORE_FLOW_WINDOW_NS + 5000000000ULL);
	strata_stat_add(&mf.txn.resp, 7000);
	mf.txn.dns_unanswered = 1;
	add_txn_mf(s, &mf, 3);
	sflush(s);
	flows_of(s, &k, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].microflows, 3);
	assert_txn_sum(&g.f[0].txn, 0);
	sclose(s);		/* closes the window: into the flow table */

	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 0);
	flows_of(s, &k, &g);
	assert_int_equal(g.n, 1);
	assert_txn_sum(&g.f[0].txn, 0);
	/* A late microflow of the closed window. */
	strata_mflow_init(&mf, &k, min0 + 3000000000ULL);
	mf.dir[0].packets = 1;
	strata_stat_add(&mf.txn.ttfb, 6000);
	mf.txn.requests = 1;
	add_txn_mf(s, &mf, 4);
	sflush(s);
	flows_of(s, &k, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].microflows, 4);
	assert_txn_sum(&g.f[0].txn, 6000);
	sclose(s);
	tdir_rm(&d);
}

/*
 * Formats 5 and 6 stored location flows of 656 bytes, without transaction
 * timing: read-only such a store reads them with zero transaction fields
 * and stays as it is; opened for writing it becomes format 7, and a late
 * microflow added to an old flow makes it a whole one.
 */
static void test_format_v6_flows(void **state)
{
	const __u64 min0 = T0 - T0 % STRATA_STORE_FLOW_WINDOW_NS;
	struct strata_txn_stats zero;
	struct strata_flow_key k;
	struct strata_mflow mf;
	struct strata_store *s;
	struct flows_got g;
	struct tdir d;
	struct raw r;
	MDB_cursor *c;
	MDB_val kv, v;
	__u32 v6 = 6;
	__u8 old[656];

	(void)state;
	convs_init();
	tdir_make(&d);
	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 0);
	canon(&convs[1], &k);
	strata_mflow_init(&mf, &k, min0);
	mf.started = 1;
	mf.dir[0].packets = 5;
	strata_stat_add(&mf.txn.ttfb, 1000);
	mf.txn.requests = 1;
	add_txn_mf(s, &mf, 1);
	sclose(s);

	/* What format 6 wrote: its version, the flow cut at 656 bytes. */
	meta_set(d.path, "version", &v6, sizeof(v6));
	raw_open(&r, d.path, true);
	assert_int_equal(mdb_cursor_open(r.txn, r.flow, &c), 0);
	assert_int_equal(mdb_cursor_get(c, &kv, &v, MDB_FIRST), 0);
	assert_int_equal(v.mv_size, sizeof(struct strata_store_flow));
	memcpy(old, v.mv_data, sizeof(old));
	v.mv_size = sizeof(old);
	v.mv_data = old;
	assert_int_equal(mdb_cursor_put(c, &kv, &v, MDB_CURRENT), 0);
	mdb_cursor_close(c);
	raw_close(&r, true);

	memset(&zero, 0, sizeof(zero));
	s = sopen_ro(d.path);
	flows_of(s, &k, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].dir[0].packets, 5);
	assert_memory_equal(&g.f[0].txn, &zero, sizeof(zero));
	sclose(s);
	raw_open(&r, d.path, false);
	meta_u32(&r, "version", 6);		/* read-only: left as it was */
	raw_close(&r, false);

	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 0);
	strata_mflow_init(&mf, &k, min0 + 1000000000ULL);
	mf.dir[0].packets = 1;
	strata_stat_add(&mf.txn.ttfb, 4000);
	mf.txn.requests = 2;
	add_txn_mf(s, &mf, 2);
	sflush(s);
	flows_of(s, &k, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].dir[0].packets, 6);
	assert_int_equal(g.f[0].txn.ttfb.n, 1);
	assert_int_equal(g.f[0].txn.ttfb.sum, 4000);
	assert_int_equal(g.f[0].txn.requests, 2);
	sclose(s);
	raw_open(&r, d.path, false);
	meta_u32(&r, "version", STRATA_STORE_VERSION);
	raw_close(&r, false);
	tdir_rm(&d);
}

/*
 * A flow window's life. While open, its flows are summed from its
 * microflows when asked for; a kill -9 then loses none of them. Once the
 * newest packet is a minute, the grace and two microflow windows past its
 * start, the window closes: its flows go into the flow table as they were
 * shown. A late microflow is added to its closed flow, once. Closing the
 * store closes every window.
 */
/* A live capture's flows say what the host clock's state was when they closed. */
static void test_flow_clock(void **state)
{
	const __u64 min0 = T0 - T0 % STRATA_STORE_FLOW_WINDOW_NS;
	struct strata_store_opts o;
	struct strata_mf_info in;
	struct strata_flow_key k;
	struct strata_mflow mf;
	struct strata_store *s;
	struct flows_got g;
	struct tdir d;
	char err[256];
	__u8 want;

	(void)state;
	convs_init();
	tdir_make(&d);
	strata_store_opts_init(&o, d.path);
	o.budget = 8ULL << 20;
	o.clock = true;
	s = sopen_o(&o);
	canon(&convs[1], &k);
	memset(&in, 0, sizeof(in));
	in.window_ns = 1000000000ULL;
	in.has_seq = true;
	in.seq = 1;
	strata_mflow_init(&mf, &k, min0);
	mf.dir[0].packets = 1;
	assert_int_equal(strata_store_add_microflow(s, &mf, &in, err, sizeof(err)), 0);
	want = strata_clock_state(NULL);
	/* Closing the writer closes every flow window. */
	sclose(s);
	assert_int_not_equal(want, STRATA_CLOCK_UNKNOWN);
	strata_store_opts_init(&o, d.path);
	o.readonly = true;
	s = sopen_o(&o);
	memset(&g, 0, sizeof(g));
	assert_int_equal(strata_store_flows(s, &k, 0, ~0ULL, on_flow, &g, err, sizeof(err)), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].clock_sync, want);
	sclose(s);
	tdir_rm(&d);
}

static void test_flow_windows(void **state)
{
	const __u64 W = STRATA_STORE_FLOW_WINDOW_NS, min0 = T0 - T0 % W;
	struct strata_flow_key k;
	struct strata_store_info in;
	struct strata_store *s;
	struct flows_got open, got;
	struct tdir d;
	struct tpkt t;
	__u8 data[8] = { 0 };
	char err[256];
	pid_t pid;
	int status;

	(void)state;
	convs_init();
	tdir_make(&d);
	canon(&convs[1], &k);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct strata_store_opts o;

		strata_store_opts_init(&o, d.path);
		o.budget = 8ULL << 20;
		if (strata_store_open(&o, &s, err, sizeof(err)) ||
		    add_mf(s, &k, min0, 1, 10, err, sizeof(err)) ||
		    add_mf(s, &k, min0 + 5000000000ULL, 2, 20, err, sizeof(err)) ||
		    add_mf(s, &k, min0 + W, 3, 30, err, sizeof(err)) ||
		    strata_store_flush(s, err, sizeof(err)))
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));

	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 0);
	sinfo(s, &in);
	assert_int_equal(in.flows_through, 0);
	assert_int_equal(in.flows, 2);
	flows_of(s, &k, &open);
	assert_int_equal(open.n, 2);
	assert_int_equal(open.f[0].window_start, min0);
	assert_int_equal(open.f[0].microflows, 2);
	assert_int_equal(open.f[0].dir[0].packets, 30);
	assert_int_equal(open.f[0].first_mf, min0);
	assert_int_equal(open.f[0].last_mf, min0 + 5000000000ULL);
	assert_int_equal(open.f[1].microflows, 1);

	/* A packet just late enough closes minute 0, not minute 1. */
	memset(&t, 0, sizeof(t));
	t.data = data;
	t.p.family = 4;
	t.p.proto = 17;
	t.p.caplen = sizeof(data);
	t.p.wire_len = 60;
	t.seq = 1;
	t.p.ts_ns = min0 + W + 10000000000ULL + 2 * 1000000000ULL - 1;
	sadd(s, &t);
	sflush(s);
	sinfo(s, &in);
	assert_int_equal(in.flows_through, 0);
	t.seq = 2;
	t.p.ts_ns++;
	sadd(s, &t);
	sflush(s);
	sinfo(s, &in);
	assert_int_equal(in.flows_through, min0 + W);
	assert_int_equal(in.flows, 2);
	flows_of(s, &k, &got);
	assert_int_equal(got.n, 2);
	assert_memory_equal(&got.f[0], &open.f[0], sizeof(got.f[0]));
	assert_memory_equal(&got.f[1], &open.f[1], sizeof(got.f[1]));

	/* A late microflow of minute 0, given twice: added once. */
	assert_int_equal(add_mf(s, &k, min0 + 7000000000ULL, 4, 5, err, sizeof(err)), 0);
	sflush(s);
	assert_int_equal(add_mf(s, &k, min0 + 7000000000ULL, 4, 5, err, sizeof(err)), 0);
	sflush(s);
	flows_of(s, &k, &got);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.f[0].microflows, 3);
	assert_int_equal(got.f[0].dir[0].packets, 35);
	assert_int_equal(got.f[0].last_mf, min0 + 7000000000ULL);
	open.f[0] = got.f[0];

	/* Closing the store closes minute 1, as it was shown. */
	sclose(s);
	s = sopen(d.path, 8ULL << 20, 0, STRATA_STORE_CODEC_ZSTD, 0);
	sinfo(s, &in);
	assert_int_equal(in.flows_through, min0 + 2 * W);
	assert_int_equal(in.flows, 2);
	flows_of(s, &k, &got);
	assert_int_equal(got.n, 2);
	assert_memory_equal(&got.f[0], &open.f[0], sizeof(got.f[0]));
	assert_memory_equal(&got.f[1], &open.f[1], sizeof(got.f[1]));
	sclose(s);
	tdir_rm(&d);
}

int main(void)
{
	/* The fixture store of each codec is built once for its group. */
	const struct CMUnitTest zstd[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_time_ranges),
		cmocka_unit_test(test_conversations),
		cmocka_unit_test(test_bat),
	};
	const struct CMUnitTest none[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_time_ranges),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_flow_clock),
		cmocka_unit_test(test_flow_txn),
		cmocka_unit_test(test_format_v6_flows),
		cmocka_unit_test(test_flow_windows),
		cmocka_unit_test(test_microflows),
		cmocka_unit_test(test_microflow_late_records),
		cmocka_unit_test(test_retention_size),
		cmocka_unit_test(test_max_age),
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_pin_budget),
		cmocka_unit_test(test_reader_holds_pages),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_codec_sections),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_format_v5),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_corrupt_zstd),
		cmocka_unit_test(test_conv_filter),
		cmocka_unit_test(test_group_filter),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_reader_thread),
	};

	int rc;

	rc = cmocka_run_group_tests_name("store, zstd blocks", zstd, fix_setup_zstd, fix_teardown) |
	     cmocka_run_group_tests_name("store, raw blocks", none, fix_setup_none, fix_teardown) |
	     cmocka_run_group_tests_name("store", tests, NULL, NULL);
	committer_mode = true;
	rc |= cmocka_run_group_tests_name("store, zstd blocks, committer thread", zstd,
					  fix_setup_zstd, fix_teardown) |
	      cmocka_run_group_tests_name("store, committer thread", tests, NULL, NULL);
	return rc;
}
