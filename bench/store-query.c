// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * One conversation's packets out of a store, timed in one process that keeps
 * the store open, as the sensor's drill-down API does (its threads share the
 * daemon's open store): strata_store_packets() over the whole time range,
 * RUNS times. The first run maps the store's pages into the process; the
 * median is of all runs.
 *
 * Usage: store-query DIR ADDR:PORT-ADDR:PORT/PROTO RUNS
 * Prints: packets=N runs=R first_ms=F median_ms=M min_ms=A max_ms=B
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "store.h"

static int count(const struct strata_store_rec *r, void *arg)
{
	(void)r;
	++*(unsigned long long *)arg;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct strata_store_opts o;
	struct strata_store *s;
	struct strata_flow_key k;
	unsigned long long n = 0, first_n = 0;
	double *t, first;
	char err[512];
	int runs, i;

	if (argc != 4 || (runs = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: store-query DIR ADDR:PORT-ADDR:PORT/PROTO RUNS\n");
		return 2;
	}
	if (strata_api_parse_flow(argv[2], &k)) {
		fprintf(stderr, "store-query: bad conversation '%s'\n", argv[2]);
		return 2;
	}
	strata_store_opts_init(&o, argv[1]);
	o.readonly = true;
	if (strata_store_open(&o, &s, err, sizeof(err))) {
		fprintf(stderr, "store-query: %s\n", err);
		return 1;
	}
	t = calloc(runs, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < runs; i++) {
		double t0 = now_ms();

		n = 0;
		if (strata_store_packets(s, 0, ~0ULL, &k, count, &n, err, sizeof(err))) {
			fprintf(stderr, "store-query: %s\n", err);
			return 1;
		}
		t[i] = now_ms() - t0;
		if (!i)
			first_n = n;
		else if (n != first_n) {
			fprintf(stderr, "store-query: run %d found %llu packets, run 0 %llu\n", i, n,
				first_n);
			return 1;
		}
	}
	first = t[0];
	qsort(t, runs, sizeof(*t), cmp);
	printf("packets=%llu runs=%d first_ms=%.2f median_ms=%.2f min_ms=%.2f max_ms=%.2f\n", n, runs,
	       first, t[(runs - 1) / 2], t[0], t[runs - 1]);
	free(t);
	strata_store_close(s, err, sizeof(err));
	return 0;
}
