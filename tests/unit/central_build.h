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

#endif /* STRATA_TEST_CENTRAL_BUILD_H */
