// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Baselines: additive Holt-Winters over a season of windows, Holt (double
 * exponential smoothing) until a season has been seen; pure functions.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "baseline.h"
#include "err.h"

void strata_hw_params_default(struct strata_hw_params *p)
{
	p->alpha = 0.3;
	p->beta = 0.02;
	p->gamma = 0.3;
	p->delta = 0.1;
	p->season = STRATA_HW_SEASON_DEFAULT;
	p->possibly = 4;
	p->abnormal = 6;
	p->min_rel = 0.02;
	p->min_abs = 1;
}

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

static bool unit(double x)
{
	return x > 0 && x < 1;
}

int strata_hw_params_check(const struct strata_hw_params *p, char *err, size_t errlen)
{
	if (!unit(p->alpha) || !unit(p->beta) || !unit(p->gamma) || !unit(p->delta))
		return strata_seterr(err, errlen, EINVAL,
				     "baseline: smoothing factors must lie between 0 and 1");
	if (!p->season || p->season > STRATA_HW_SEASON_MAX)
		return strata_seterr(err, errlen, EINVAL,
				     "baseline: a season of %u windows is not 1 to %u", p->season,
				     STRATA_HW_SEASON_MAX);
	if (!(p->possibly > 0) || !(p->abnormal >= p->possibly))
		return strata_seterr(err, errlen, EINVAL,
				     "baseline: thresholds %g and %g: need 0 < possibly <= abnormal",
				     p->possibly, p->abnormal);
	if (!(p->min_rel >= 0) || !(p->min_abs > 0))
		return strata_seterr(err, errlen, EINVAL,
				     "baseline: the deviation floors must be positive");
	return 0;
}

size_t strata_hw_size(unsigned int season)
{
	return sizeof(struct strata_hw) + season * sizeof(double);
}

void strata_hw_init(struct strata_hw *hw, unsigned int season)
{
	unsigned int i;

	memset(hw, 0, sizeof(*hw));
	hw->season = season;
	for (i = 0; i < season; i++)
		hw->s[i] = NAN;
}

/*
 * The first season's values become seasonal terms: each one's difference
 * from their mean, which is the level; windows of it that had no value get
 * a term of 0. The trend starts again from 0: over one season a daily
 * shape and a trend cannot be told apart.
 */
static void warm_up(struct strata_hw *hw)
{
	double sum = 0;
	unsigned int i, n = 0;

	for (i = 0; i < hw->season; i++) {
		if (!isnan(hw->s[i])) {
			sum += hw->s[i];
			n++;
		}
	}
	if (!n)
		return;
	hw->level = sum / n;
	hw->trend = 0;
	for (i = 0; i < hw->season; i++)
		hw->s[i] = isnan(hw->s[i]) ? 0 : hw->s[i] - hw->level;
	hw->warm = 1;
}

static int label_of(const struct strata_hw_params *p, double score)
{
	if (score >= p->abnormal)
		return STRATA_LABEL_ABNORMAL;
	if (score >= p->possibly)
		return STRATA_LABEL_POSSIBLY;
	return STRATA_LABEL_NORMAL;
}

void strata_hw_step(struct strata_hw *hw, const struct strata_hw_params *p, __u64 window,
		    double y, struct strata_hw_out *out)
{
	unsigned int m = hw->season, i = (unsigned int)(window % m);
	double gap, season, fc, r, floor, level;
	bool learn;

	out->forecast = NAN;
	out->score = 0;
	out->label = STRATA_LABEL_NONE;
	if (isnan(y) || isinf(y))
		return;
	if (!hw->n) {
		hw->level = y;
		hw->first = hw->last = window;
		if (m > 1)
			hw->s[i] = y;
		hw->n = 1;
		out->label = STRATA_LABEL_LEARNING;
		return;
	}
	learn = window > hw->last;
	gap = learn ? (double)(window - hw->last) : 1;
	if (!hw->warm && m > 1 && learn && window - hw->first >= m)
		warm_up(hw);
	season = hw->warm ? hw->s[i] : 0;
	fc = hw->level + gap * hw->trend + season;
	r = y - fc;
	out->forecast = fc;
	if (hw->n == 1) {
		/* The second value: the trend is the step from the first, per window. */
		out->label = STRATA_LABEL_LEARNING;
		if (!learn)
			return;
		hw->trend = (y - hw->level) / gap;
		hw->level = y;
		hw->dev = fabs(r);
		if (m > 1 && !hw->warm)
			hw->s[i] = y;
		hw->last = window;
		hw->n = 2;
		return;
	}
	floor = dmax(p->min_abs, p->min_rel * fabs(fc));
	floor = dmax(floor, hw->dev);
	out->score = fabs(r) / floor;
	out->label = label_of(p, out->score);
	if (!learn)
		return;
	/* Learn from at most @abnormal deviations: an anomaly is not a baseline. */
	if (r > p->abnormal * floor)
		r = p->abnormal * floor;
	else if (r < -p->abnormal * floor)
		r = -p->abnormal * floor;
	y = fc + r;
	level = hw->level;
	hw->level = p->alpha * (y - season) + (1 - p->alpha) * (level + gap * hw->trend);
	hw->trend = p->beta * (hw->level - level) / gap + (1 - p->beta) * hw->trend;
	if (hw->warm)
		hw->s[i] = p->gamma * (y - hw->level) + (1 - p->gamma) * season;
	else if (m > 1)
		hw->s[i] = y;
	hw->dev = p->delta * fabs(r) + (1 - p->delta) * hw->dev;
	hw->last = window;
	if (hw->n < 0xffffffffU)
		hw->n++;
}

const char *strata_label_name(int label)
{
	static const char *const names[__STRATA_LABEL_MAX] = {
		"none", "learning", "normal", "possibly-anomalous", "abnormal",
	};

	return label >= 0 && label < __STRATA_LABEL_MAX ? names[label] : "?";
}
