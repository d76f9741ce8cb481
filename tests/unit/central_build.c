// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Location flows for the central host's suites: a conversation and what each
 * sensor on its path stores of it (see central_build.h).
 */
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include "central_build.h"

static int u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

void conv_init(struct conv *cv, struct rng *r, __u8 proto)
{
	int d;
	__u32 i;

	memset(cv, 0, sizeof(*cv));
	ep4(&cv->cli, 10, 0, 0, 1, 40000);
	ep4(&cv->srv, 192, 0, 2, 10, 80);
	cv->proto = proto;
	cv->family = 4;
	cv->initiator = 1;
	for (d = 0; d < 2; d++) {
		cv->nh[d] = STRATA_FP_SAMPLE;
		for (i = 0; i < STRATA_FP_SAMPLE; i++)
			cv->hash[d][i] = rng_u64(r) | 1;
	}
	cv->packets[0] = 100;
	cv->packets[1] = 80;
	conv_at(cv, WIN);
}

void conv_at(struct conv *cv, __u64 win)
{
	cv->win = win;
	cv->t0 = win + 5 * W1S;
}

/* @cv's canonical key into @key; returns its client's endpoint (0 or 1) there. */
static int conv_key(const struct conv *cv, struct strata_flow_key *key)
{
	struct strata_pkt p;

	memset(&p, 0, sizeof(p));
	memcpy(p.saddr, cv->cli.addr, 16);
	memcpy(p.daddr, cv->srv.addr, 16);
	p.sport = cv->cli.port;
	p.dport = cv->srv.port;
	p.proto = cv->proto;
	p.family = cv->family;
	return strata_flow_key(&p, key);
}

void mklf(struct strata_lflow *lf, const struct conv *cv, __u32 sensor, int hop, int nhops)
{
	__u64 back = (__u64)(nhops - 1 - hop);
	__u64 h[STRATA_FP_SAMPLE];
	int c, d;
	__u32 i;

	memset(lf, 0, sizeof(*lf));
	c = conv_key(cv, &lf->f.key);
	lf->f.window_start = cv->win;
	lf->f.window_ns = STRATA_STORE_FLOW_WINDOW_NS;
	lf->f.microflows = 1;
	lf->f.initiator = (__u8)c;
	lf->f.has_initiator = cv->initiator ? 1 : 0;
	lf->sensor = sensor;
	for (d = 0; d < 2; d++) {
		struct strata_dir_stats *s = &lf->f.dir[d ? !c : c];
		__u64 t = d ? cv->t0 + THINK + back * DELAY :
			      cv->t0 + (__u64)hop * DELAY;

		s->packets = cv->packets[d];
		s->bytes = cv->packets[d] * 100;
		s->first_ns = s->packets ? t : 0;
		s->last_ns = s->packets ? t + W1S : 0;
		s->ttl_min = s->ttl_max = (__u8)(64 - (d ? back : (__u64)hop));
		memcpy(h, cv->hash[d], sizeof(h));
		qsort(h, cv->nh[d], sizeof(h[0]), u64_cmp);
		lf->nfp[d ? !c : c] = cv->nh[d];
		for (i = 0; i < cv->nh[d]; i++) {
			lf->fp[d ? !c : c][i].hash = h[i];
			lf->fp[d ? !c : c][i].ts_ns = t + 1000 * (h[i] % 997);
		}
	}
}

/*
 * A location flow that holds only direction @keep (0 requests, 1 replies),
 * as a sensor whose hook comes before the NAT sees a conversation its host
 * masquerades: requests under the client's key, replies under the
 * masqueraded one.
 */
void keep_dir(struct strata_lflow *lf, int keep)
{
	int drop = keep ? lf->f.initiator : !lf->f.initiator;

	memset(&lf->f.dir[drop], 0, sizeof(lf->f.dir[drop]));
	memset(lf->fp[drop], 0, sizeof(lf->fp[drop]));
	lf->nfp[drop] = 0;
}

/* ---- a central store in a temporary directory ---- */

void cdir_open(struct cdir *d, __u64 budget)
{
	char err[256] = "";

	strcpy(d->path, "/tmp/strata-cstore-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	d->cs = NULL;
	if (strata_cstore_open(d->path, budget, MW_NS, false, &d->cs, err, sizeof(err)))
		fail_msg("%s", err);
}

void cdir_reopen(struct cdir *d, __u64 budget)
{
	char err[256] = "";

	strata_cstore_close(d->cs);
	d->cs = NULL;
	if (strata_cstore_open(d->path, budget, MW_NS, false, &d->cs, err, sizeof(err)))
		fail_msg("%s", err);
}

void cdir_rm(struct cdir *d)
{
	struct dirent *e;
	char f[sizeof(d->path) + 256];
	DIR *dir;

	strata_cstore_close(d->cs);
	d->cs = NULL;
	dir = opendir(d->path);
	assert_non_null(dir);
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.') {
			snprintf(f, sizeof(f), "%s/%s", d->path, e->d_name);
			assert_int_equal(unlink(f), 0);
		}
	closedir(dir);
	assert_int_equal(rmdir(d->path), 0);
}

__u32 hello(struct strata_cstore *cs, const char *id, __u64 now_ns)
{
	struct strata_hello h;
	struct strata_sensor s;
	char err[256] = "";

	memset(&h, 0, sizeof(h));
	snprintf(h.sensor_id, sizeof(h.sensor_id), "%s", id);
	snprintf(h.version, sizeof(h.version), "0.2.0");
	snprintf(h.api_url, sizeof(h.api_url), "http://%s:8470", id);
	h.capabilities = STRATA_CAP_ALL;
	h.flow_window_ns = STRATA_STORE_FLOW_WINDOW_NS;
	h.clock_sync = STRATA_CLOCK_SYNCED;
	h.proto_version = 1;
	if (strata_cstore_hello(cs, &h, now_ns, &s, err, sizeof(err)))
		fail_msg("hello %s: %s", id, err);
	return s.num;
}

void put_window(struct strata_cstore *cs, __u32 sensor, __u64 win,
		const struct strata_lflow *lf, size_t n)
{
	struct strata_window_mark w = { win, win + STRATA_STORE_FLOW_WINDOW_NS, n };
	char err[256] = "";

	if (strata_cstore_put(cs, sensor, &w, lf, n, win + 2 * STRATA_STORE_FLOW_WINDOW_NS,
			      err, sizeof(err)))
		fail_msg("put: %s", err);
}

unsigned int stitch_all(struct strata_cstore *cs)
{
	unsigned int n = ~0U;
	char err[256] = "";

	if (strata_cstore_stitch(cs, &n, err, sizeof(err)))
		fail_msg("stitch: %s", err);
	return n;
}

static int got_push(struct got *g, const void *v, size_t size)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		g->v = realloc(g->v, g->cap * size);
		if (!g->v)
			return -ENOMEM;
	}
	memcpy((char *)g->v + g->n++ * size, v, size);
	return 0;
}

int got_lflow(const struct strata_lflow *lf, void *arg)
{
	return got_push(arg, lf, sizeof(*lf));
}

int got_cflow(const struct strata_cflow *c, void *arg)
{
	return got_push(arg, c, sizeof(*c));
}

int got_macro(const struct strata_macroflow *m, void *arg)
{
	return got_push(arg, m, sizeof(*m));
}

int got_sensor(const struct strata_sensor *s, void *arg)
{
	return got_push(arg, s, sizeof(*s));
}

void all_cflows(struct strata_cstore *cs, __u64 t1, __u64 t2, struct got *g)
{
	char err[256] = "";

	memset(g, 0, sizeof(*g));
	if (strata_cstore_cflows(cs, t1, t2, got_cflow, g, err, sizeof(err)))
		fail_msg("connected flows: %s", err);
}

void all_macros(struct strata_cstore *cs, __u64 t1, __u64 t2, unsigned int group,
		struct got *g)
{
	char err[256] = "";

	memset(g, 0, sizeof(*g));
	if (strata_cstore_macroflows(cs, t1, t2, group, got_macro, g, err, sizeof(err)))
		fail_msg("macroflows: %s", err);
}
