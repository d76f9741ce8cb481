/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Baselines: a seasonal model of one metric of one macroflow key (additive
 * Holt-Winters, Holt until a season is seen) and the score of each window.
 */
#ifndef STRATA_BASELINE_H
#define STRATA_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Windows in a season: a day of 15-minute windows by default, at most a day of minutes. */
#define STRATA_HW_SEASON_DEFAULT	96
#define STRATA_HW_SEASON_MAX		1440

/* A window's label against its baseline (struct strata_hw_out.label). */
enum strata_label {
	STRATA_LABEL_NONE,	/* no value this window (a ratio of nothing) */
	STRATA_LABEL_LEARNING,	/* too few windows seen to say */
	STRATA_LABEL_NORMAL,
	STRATA_LABEL_POSSIBLY,	/* possibly anomalous */
	STRATA_LABEL_ABNORMAL,
	__STRATA_LABEL_MAX
};

/**
 * struct strata_hw_params - how a baseline learns and judges
 * @alpha: smoothing of the level (0 < alpha < 1)
 * @beta: smoothing of the trend
 * @gamma: smoothing of the seasonal terms
 * @delta: smoothing of the absolute deviation the score is measured in
 * @season: windows in a season (1 to STRATA_HW_SEASON_MAX; 1: no season)
 * @possibly: a score from which a window is possibly anomalous
 * @abnormal: a score from which it is abnormal (at least @possibly)
 * @min_rel: the deviation is never taken below this share of the forecast
 * @min_abs: nor below this (the metric's unit): a flat series has no
 *	deviation, and a change of one byte in it is not an anomaly
 */
struct strata_hw_params {
	double alpha, beta, gamma, delta;
	unsigned int season;
	double possibly, abnormal;
	double min_rel, min_abs;
};

/**
 * struct strata_hw - one metric's model (stored as it is: a header and
 *	@season doubles)
 * @n: values learnt from
 * @season: entries of @s
 * @first: the window number of the first value (window start / length)
 * @last: the window number of the last value
 * @level: the deseasonalised level
 * @trend: its change per window
 * @dev: the smoothed absolute deviation of values from their forecast
 * @s: the seasonal terms, by window number modulo @season; while warming
 *	up (@warm false), the raw values of the first season (NaN: not seen)
 * @warm: a whole season has been seen: Holt-Winters; before it, Holt
 */
struct strata_hw {
	__u32 n;
	__u32 season;
	__u64 first;
	__u64 last;
	double level, trend, dev;
	__u8 warm;
	__u8 pad[7];
	double s[];
};

/**
 * struct strata_hw_out - what a baseline says of one window's value
 * @forecast: the value expected (NaN while learning)
 * @score: how far the value is from it, in smoothed absolute deviations
 *	(0 while learning)
 * @label: STRATA_LABEL_*
 */
struct strata_hw_out {
	double forecast;
	double score;
	int label;
};

/* strata_hw_params_default() - the defaults Documentation/alarms.rst gives. */
void strata_hw_params_default(struct strata_hw_params *p);

/**
 * strata_hw_params_check() - whether parameters can be used
 * @p: the parameters
 * @err: filled with what is wrong
 * @errlen: its size
 *
 * Return: 0 or -EINVAL.
 */
int strata_hw_params_check(const struct strata_hw_params *p, char *err, size_t errlen);

/* strata_hw_size() - bytes of a model of @season windows. */
size_t strata_hw_size(unsigned int season);

/**
 * strata_hw_init() - a model that has seen nothing
 * @hw: strata_hw_size(@season) bytes
 * @season: windows in a season
 */
void strata_hw_init(struct strata_hw *hw, unsigned int season);

/**
 * strata_hw_step() - judge one window's value, then learn from it
 * @hw: the model
 * @p: its parameters (@p->season the model's)
 * @window: the window's number (start / length): its place in the season,
 *	and how many windows passed since the last value (the trend runs on
 *	over windows without a value)
 * @y: the value; NaN: none this window (nothing learnt, label NONE)
 * @out: filled with the forecast, the score and the label
 *
 * The first two values set the level and the trend (LEARNING); from the
 * third on the value is judged against Holt's forecast (level + trend).
 * Once the windows seen span a season, the season's values become the
 * seasonal terms (each one's difference from their mean) and Holt-Winters
 * takes over: level + trend + the window's seasonal term. What is learnt
 * from a value is limited to @p->abnormal deviations from the forecast, so
 * that an anomaly does not become the baseline at once; a lasting change
 * is learnt within some tens of windows, as the deviation widens.
 * A @window at or before @hw->last is judged but not learnt from.
 */
void strata_hw_step(struct strata_hw *hw, const struct strata_hw_params *p, __u64 window,
		    double y, struct strata_hw_out *out);

/* strata_label_name() - "none", "learning", "normal", "possibly-anomalous", "abnormal". */
const char *strata_label_name(int label);

#endif /* STRATA_BASELINE_H */
