/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * What every unit suite includes: cmocka with its prerequisite headers and a
 * small seeded PRNG, so that every "random" input is reproducible.
 */
#ifndef STRATA_TEST_UNIT_H
#define STRATA_TEST_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/types.h>

/* xorshift64*: fast, and the same sequence on every machine for a seed. */
struct rng {
	__u64 s;
};

static inline void rng_seed(struct rng *r, __u64 seed)
{
	/* A zero state would stay zero; mix the seed once (splitmix64 step). */
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	r->s = (seed ^ (seed >> 31)) | 1;
}

static inline __u64 rng_u64(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [lo, hi]. */
static inline __u64 rng_range(struct rng *r, __u64 lo, __u64 hi)
{
	return lo + rng_u64(r) % (hi - lo + 1);
}

static inline void rng_bytes(struct rng *r, __u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (__u8)(rng_u64(r) >> 56);
}

/* A conversation's endpoint, as struct strata_flow_key holds it. */
struct ep {
	__u8 addr[16];
	__u16 port;
};

/* a.b.c.d:port, IPv4-mapped. */
static inline void ep4(struct ep *e, __u8 a, __u8 b, __u8 c, __u8 d, __u16 port)
{
	memset(e, 0, sizeof(*e));
	e->addr[10] = e->addr[11] = 0xff;
	e->addr[12] = a;
	e->addr[13] = b;
	e->addr[14] = c;
	e->addr[15] = d;
	e->port = port;
}

#endif /* STRATA_TEST_UNIT_H */
