// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Location flows for the central host's suites: a conversation and what each
 * sensor on its path stores of it (see central_build.h).
 */
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

void mklf(struct strata_lflow *lf, const struct conv *cv, __u32 sensor, int hop, int nhops)
{
	__u64 back = (__u64)(nhops - 1 - hop);
	struct strata_pkt p;
	__u64 h[STRATA_FP_SAMPLE];
	int c, d;
	__u32 i;

	memset(lf, 0, sizeof(*lf));
	memset(&p, 0, sizeof(p));
	memcpy(p.saddr, cv->cli.addr, 16);
	memcpy(p.daddr, cv->srv.addr, 16);
	p.sport = cv->cli.port;
	p.dport = cv->srv.port;
	p.proto = cv->proto;
	p.family = 4;
	c = strata_flow_key(&p, &lf->f.key);
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
