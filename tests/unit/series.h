/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * A seasonal series for the baseline and alarm suites: a daily shape with
 * noise over a season shortened to 24 windows, and one injected anomaly.
 */
#ifndef STRATA_TEST_SERIES_H
#define STRATA_TEST_SERIES_H

#include <math.h>
#include <linux/types.h>

#define SERIES_SEASON	24
#define SERIES_LEN	(10 * SERIES_SEASON)
/* The anomaly: three windows of the eighth season, four times the usual. */
#define SERIES_ANOM	(7 * SERIES_SEASON + 10)
#define SERIES_ANOM_N	3
/* The first window's number (window start / window length). */
#define SERIES_W0	1000000ULL

static inline int series_anomalous(__u64 w)
{
	return w >= SERIES_ANOM && w < SERIES_ANOM + SERIES_ANOM_N;
}

/*
 * Window @w: 10000 * (1.5 + sin) over the season, noise of up to 3% (the
 * mean of four hashes of @w, so nearly normal and the same on every run).
 */
static inline double series_value(__u64 w)
{
	double shape = 10000.0 * (1.5 + sin(2 * M_PI * (double)(w % SERIES_SEASON) /
					    SERIES_SEASON));
	double noise = 0;
	__u64 x = w * 0x9e3779b97f4a7c15ULL + 12345;
	int i;

	for (i = 0; i < 4; i++) {
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ULL;
		x ^= x >> 29;
		noise += (double)(x >> 11) / (double)(1ULL << 53) - 0.5;
	}
	shape *= 1 + 0.03 * noise / 2;
	return series_anomalous(w) ? 4 * shape : shape;
}

#endif /* STRATA_TEST_SERIES_H */
