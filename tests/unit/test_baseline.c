// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the baselines (lib/baseline.c): a seasonal series with one
 * injected anomaly, Holt before the season is seen, gaps, bad parameters.
 */
#include <errno.h>
#include <math.h>

#include "unit.h"
#include "baseline.h"
#include "series.h"

static struct strata_hw *hw_new(unsigned int season)
{
	struct strata_hw *hw = malloc(strata_hw_size(season));

	assert_non_null(hw);
	strata_hw_init(hw, season);
	return hw;
}

/*
 * Ten seasons of a daily shape with noise, three windows of the eighth
 * season four times as high: those three are abnormal, every other window
 * from the third on is normal, the first two are learning.
 */
static void test_seasonal_anomaly(void **state)
{
	struct strata_hw_params p;
	struct strata_hw *hw;
	struct strata_hw_out o;
	__u64 w;
	double y;
	unsigned int bad = 0;

	(void)state;
	strata_hw_params_default(&p);
	p.season = SERIES_SEASON;
	hw = hw_new(p.season);
	for (w = 0; w < SERIES_LEN; w++) {
		y = series_value(w);
		strata_hw_step(hw, &p, SERIES_W0 + w, y, &o);
		if (w < 2) {
			assert_int_equal(o.label, STRATA_LABEL_LEARNING);
			continue;
		}
		if (series_anomalous(w)) {
			if (o.label != STRATA_LABEL_ABNORMAL)
				fail_msg("window %llu (anomaly): %s, score %.2f",
					 (unsigned long long)w, strata_label_name(o.label), o.score);
		} else if (o.label != STRATA_LABEL_NORMAL) {
			print_error("window %llu: %s, value %.0f, forecast %.0f, score %.2f\n",
				    (unsigned long long)w, strata_label_name(o.label), y, o.forecast,
				    o.score);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_true(hw->warm);
	free(hw);
}

/*
 * Before a season has been seen, the forecast is Holt's: a straight line
 * goes on as a line (a simple moving level would lag behind it), and
 * nothing is labelled anomalous.
 */
static void test_holt_before_warm(void **state)
{
	struct strata_hw_params p;
	struct strata_hw *hw;
	struct strata_hw_out o;
	unsigned int w;

	(void)state;
	strata_hw_params_default(&p);
	p.season = 50;
	hw = hw_new(p.season);
	for (w = 0; w < 40; w++) {
		strata_hw_step(hw, &p, 1000 + w, 1000.0 + 100.0 * w, &o);
		assert_false(hw->warm);
		if (w >= 2) {
			assert_true(fabs(o.forecast - (1000.0 + 100.0 * w)) < 1e-6);
			assert_int_equal(o.label, STRATA_LABEL_NORMAL);
		}
	}
	/* A jump off the line is seen before the season is. */
	strata_hw_step(hw, &p, 1040, 1000.0 + 100.0 * 40 + 5000, &o);
	assert_int_equal(o.label, STRATA_LABEL_ABNORMAL);
	free(hw);
}

/*
 * The season starts from the first season's shape: a series that repeats
 * exactly is forecast exactly from the second season on (Holt alone would
 * miss every turn of it).
 */
static void test_season_learnt(void **state)
{
	static const double shape[8] = { 10, 50, 200, 400, 300, 120, 40, 20 };
	struct strata_hw_params p;
	struct strata_hw *hw;
	struct strata_hw_out o;
	unsigned int w;

	(void)state;
	strata_hw_params_default(&p);
	p.season = 8;
	hw = hw_new(p.season);
	for (w = 0; w < 8 * 6; w++) {
		strata_hw_step(hw, &p, 800 + w, shape[w % 8] * 100, &o);
		if (w >= 8) {
			assert_true(hw->warm);
			assert_true(fabs(o.forecast - shape[w % 8] * 100) < 1e-6);
			assert_int_equal(o.label, STRATA_LABEL_NORMAL);
		}
	}
	free(hw);
}

/*
 * Windows without a value: NaN is no value (label none, nothing learnt);
 * a gap in window numbers carries the trend on over it.
 */
static void test_gaps(void **state)
{
	struct strata_hw_params p;
	struct strata_hw *hw;
	struct strata_hw_out o;
	__u32 n;
	unsigned int w;

	(void)state;
	strata_hw_params_default(&p);
	p.season = 1;
	hw = hw_new(p.season);
	for (w = 0; w < 10; w++)
		strata_hw_step(hw, &p, w, 500.0 + 10.0 * w, &o);
	n = hw->n;
	strata_hw_step(hw, &p, 10, NAN, &o);
	assert_int_equal(o.label, STRATA_LABEL_NONE);
	assert_int_equal(hw->n, n);
	/* Five windows on, the line is where it would have been. */
	strata_hw_step(hw, &p, 15, 650.0, &o);
	assert_true(fabs(o.forecast - 650.0) < 1e-6);
	assert_int_equal(o.label, STRATA_LABEL_NORMAL);
	/* A window already learnt is judged, not learnt from again. */
	n = hw->n;
	strata_hw_step(hw, &p, 15, 650.0, &o);
	assert_int_equal(hw->n, n);
	free(hw);
}

/* A lasting change is abnormal at first and learnt as the new normal. */
static void test_lasting_change(void **state)
{
	struct strata_hw_params p;
	struct strata_hw *hw;
	struct strata_hw_out o;
	unsigned int w, first_normal = 0;

	(void)state;
	strata_hw_params_default(&p);
	p.season = 1;
	hw = hw_new(p.season);
	for (w = 0; w < 30; w++)
		strata_hw_step(hw, &p, w, 1000.0 + (w % 2 ? 20 : -20), &o);
	strata_hw_step(hw, &p, 30, 3000.0, &o);
	assert_int_equal(o.label, STRATA_LABEL_ABNORMAL);
	for (w = 31; w < 200 && !first_normal; w++) {
		strata_hw_step(hw, &p, w, 3000.0 + (w % 2 ? 60 : -60), &o);
		if (o.label == STRATA_LABEL_NORMAL)
			first_normal = w;
	}
	assert_true(first_normal > 31);
	assert_true(first_normal < 80);
	free(hw);
}

static void test_params(void **state)
{
	struct strata_hw_params p;
	char err[128];

	(void)state;
	strata_hw_params_default(&p);
	assert_int_equal(strata_hw_params_check(&p, err, sizeof(err)), 0);
	p.alpha = 1.5;
	assert_int_equal(strata_hw_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "between 0 and 1"));
	strata_hw_params_default(&p);
	p.season = STRATA_HW_SEASON_MAX + 1;
	assert_int_equal(strata_hw_params_check(&p, err, sizeof(err)), -EINVAL);
	strata_hw_params_default(&p);
	p.possibly = 7;
	p.abnormal = 5;
	assert_int_equal(strata_hw_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "possibly <= abnormal"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seasonal_anomaly),
		cmocka_unit_test(test_holt_before_warm),
		cmocka_unit_test(test_season_learnt),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_lasting_change),
		cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
