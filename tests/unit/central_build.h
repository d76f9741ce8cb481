/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * Location flows for the central host's suites (stitching, central store,
 * central API): one conversation as each sensor on its path sees it.
 */
#ifndef STRATA_TEST_CENTRAL_BUILD_H
#define STRATA_TEST_CENTRAL_BUILD_H

#include "unit.h"
#include "central.h"
#include "cstore.h"

#define W1S	1000000000ULL
/* A flow window's start, and a time inside it. */
#define WIN	(1700000000ULL / 60 * 60 * W1S)
#define T0	(WIN + 5 * W1S)
/* Per-hop one-way delay, and the server's think time. */
#define DELAY	150000ULL
#define THINK	2000000ULL

/*
 * One conversation as one location sees it: its endpoints there, and the
 * payload hashes of each direction (the same at every location it passes).
 */
struct conv {
	struct ep cli, srv;
	__u8 proto;
	__u8 family;		/* 4, or 6 for endpoints that are not ep4()'s */
	int initiator;		/* the sensor knows who started it */
	__u32 nh[2];
	__u64 hash[2][STRATA_FP_SAMPLE];
	__u64 packets[2];	/* [0] client to server, [1] back */
	__u64 win;		/* its flow window */
	__u64 t0;		/* the client's first packet */
};

/*
 * A conversation of flow window WIN from 10.0.0.1:40000 to 192.0.2.10:80
 * over @proto, 100 packets forward and 80 back, a full sample of random
 * hashes (from @r) each way.
 */
void conv_init(struct conv *cv, struct rng *r, __u8 proto);

/* @cv moved to the flow window that starts at @win, 5 s into it. */
void conv_at(struct conv *cv, __u64 win);

/*
 * @cv as sensor @sensor sees it, hop @hop (0 next to the client) of @nhops:
 * forward packets leave the client with TTL 64 and reach it hop * DELAY
 * later; replies leave the server with TTL 64 and reach it
 * (nhops - 1 - hop) * DELAY after the server sent them.
 */
void mklf(struct strata_lflow *lf, const struct conv *cv, __u32 sensor, int hop, int nhops);

/*
 * Only the client-to-server packets (@keep 0) or only the replies of a
 * location flow mklf() made (its initiator known): the view of a sensor
 * whose hook comes before its host's NAT.
 */
void keep_dir(struct strata_lflow *lf, int keep);

/* ---- a central store in a temporary directory ---- */

/* A macroflow window of 5 flow windows: WIN starts in the middle of one. */
#define MW_NS	(5 * STRATA_STORE_FLOW_WINDOW_NS)
#define MW_OF(t)	((t) / MW_NS * MW_NS)

struct cdir {
	char path[64];
	struct strata_cstore *cs;
};

/* A new directory and a store in it with @budget and MW_NS (asserted). */
void cdir_open(struct cdir *d, __u64 budget);
/* The store closed and opened again in its directory (a restart). */
void cdir_reopen(struct cdir *d, __u64 budget);
/* The store closed, its files and its directory removed. */
void cdir_rm(struct cdir *d);

/* Sensor @id says hello at @now_ns (asserted); returns its number. */
__u32 hello(struct strata_cstore *cs, const char *id, __u64 now_ns);

/* @n location flows of @sensor, all of flow window @win, stored (asserted). */
void put_window(struct strata_cstore *cs, __u32 sensor, __u64 win,
		const struct strata_lflow *lf, size_t n);

/* strata_cstore_stitch() (asserted); returns the windows stitched. */
unsigned int stitch_all(struct strata_cstore *cs);

/* What a reader gave: an array that grows. */
struct got {
	void *v;
	size_t n, cap;
};

int got_lflow(const struct strata_lflow *lf, void *arg);
int got_cflow(const struct strata_cflow *c, void *arg);
int got_macro(const struct strata_macroflow *m, void *arg);
int got_sensor(const struct strata_sensor *s, void *arg);

/* Every connected flow of [@t1, @t2], into @g (zeroed first; free g->v). */
void all_cflows(struct strata_cstore *cs, __u64 t1, __u64 t2, struct got *g);
/* Every macroflow of one @group of [@t1, @t2], likewise. */
void all_macros(struct strata_cstore *cs, __u64 t1, __u64 t2, unsigned int group,
		struct got *g);

#endif /* STRATA_TEST_CENTRAL_BUILD_H */
