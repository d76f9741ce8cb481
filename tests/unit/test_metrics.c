// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the metric catalog (lib/metrics.c): formulas compile over
 * fundamentals of the levels they claim, the formula evaluator, and
 * Documentation/metrics.rst listing exactly the catalog.
 */
#include <errno.h>
#include <math.h>

#include "unit.h"
#include "metrics.h"

/* Resolves fundamentals of the catalog; the levels they share build up. */
struct seen {
	unsigned int levels;
	int names;
};

static int resolve_catalog(const char *name, void *arg)
{
	const struct strata_metric *m = strata_metric_find(name);
	struct seen *s = arg;

	if (!m || m->kind != STRATA_MK_FUND)
		return -ENOENT;
	s->levels &= m->levels;
	s->names++;
	return (int)(m - strata_metrics);
}

/* Every derived formula parses and names only fundamentals of its levels. */
static void test_formulas(void **state)
{
	struct strata_expr *e;
	char err[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < strata_nmetrics; i++) {
		const struct strata_metric *m = &strata_metrics[i];
		struct seen s = { ~0U, 0 };

		for (j = 0; j < i; j++)
			if (!strcmp(strata_metrics[j].name, m->name))
				fail_msg("'%s' is in the catalog twice", m->name);
		assert_true(m->kind <= STRATA_MK_DERIVED);
		assert_true(m->levels != 0);
		if (m->guard) {
			const struct strata_metric *g = strata_metric_find(m->guard);

			assert_non_null(g);
			assert_int_equal(g->kind, STRATA_MK_FUND);
			assert_int_equal(g->levels, m->levels);
			assert_true(m->agg == STRATA_AGG_MIN || m->agg == STRATA_AGG_MAX);
		}
		if (m->kind != STRATA_MK_DERIVED) {
			assert_null(m->formula);
			continue;
		}
		assert_non_null(m->formula);
		if (strata_expr_parse(m->formula, resolve_catalog, &s, &e, err, sizeof(err)))
			fail_msg("%s: %s", m->name, err);
		strata_expr_free(e);
		assert_true(s.names > 0);
		/* Carried only where all of its fundamentals are. */
		if (m->levels & ~s.levels)
			fail_msg("%s: levels 0x%x, its fundamentals share 0x%x", m->name,
				 m->levels, s.levels);
	}
}

/* The required metrics are there, with the formulas the design names. */
static void test_required(void **state)
{
	static const char *const need[][2] = {
		{ "size_mean", "size_sum / size_n" },
		{ "iat_mean", "iat_sum / iat_n" },
		{ "size_var", NULL }, { "iat_var", NULL }, { "pkt_rate", NULL },
		{ "byte_rate", NULL }, { "avg_rtt_hs", "rtt_hs_sum / rtt_hs_n" },
		{ "avg_rtt_data", "rtt_data_sum / rtt_data_n" }, { "max_rtt_hs", NULL },
		{ "max_rtt_data", NULL }, { "retrans_ratio", "retrans / packets" },
		{ "hop_loss_ratio", NULL }, { "loss_ratio", NULL },
		{ "avg_ttfb", "txn_ttfb_sum / txn_ttfb_n" },
		{ "tps", "txn_ttfb_n / ((to_ns - from_ns) / 1000000000)" },
		{ "avg_dns", "txn_dns_sum / txn_dns_n" },
	};
	static const char *const txn[] = {
		"txn_ttfb_n", "txn_ttfb_sum", "txn_ttfb_sumsq", "txn_ttfb_min", "txn_ttfb_max",
		"txn_resp_n", "txn_requests", "txn_first_n", "txn_dns_n", "txn_dns_queries",
		"txn_app",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const struct strata_metric *m = strata_metric_find(need[i][0]);

		if (!m)
			fail_msg("%s is missing", need[i][0]);
		assert_int_equal(m->kind, STRATA_MK_DERIVED);
		if (need[i][1])
			assert_string_equal(m->formula, need[i][1]);
	}
	for (i = 0; i < sizeof(txn) / sizeof(txn[0]); i++) {
		const struct strata_metric *m = strata_metric_find(txn[i]);

		assert_non_null(m);
		assert_true(m->levels & STRATA_LVL_MICROFLOW);
	}
}

/* ---- the evaluator ---- */

static const char *const vars[] = { "a", "b", "c" };

static int resolve_abc(const char *name, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 3; i++)
		if (!strcmp(name, vars[i]))
			return i;
	return -ENOENT;
}

static double eval(const char *text, const double *slots)
{
	struct strata_expr *e;
	char err[256];
	double v;

	if (strata_expr_parse(text, resolve_abc, NULL, &e, err, sizeof(err)))
		fail_msg("%s: %s", text, err);
	v = strata_expr_eval(e, slots);
	strata_expr_free(e);
	return v;
}

static void test_eval(void **state)
{
	const double s[3] = { 2, 3, 4 }, z[3] = { 0, 0, -4 }, m[3] = { NAN, 1, 1 };

	(void)state;
	assert_true(eval("a + b * c", s) == 14);
	assert_true(eval("(a + b) * c", s) == 20);
	assert_true(eval("a - b - c", s) == -5);	/* left to right */
	assert_true(eval("c / a / a", s) == 1);
	assert_true(eval("-a * b", s) == -6);
	assert_true(eval("- (a + b)", s) == -5);
	assert_true(eval("sqrt(c) + sqrt (a * 8)", s) == 6);
	assert_true(eval("a * 1000000000 / 1e9", s) == 2);
	assert_true(eval(" ( ( a ) ) ", s) == 2);
	assert_true(isnan(eval("b / a", z)));		/* 0/0: no value */
	assert_true(isnan(eval("b / (a - a)", s)));	/* x/0 too */
	assert_true(isnan(eval("sqrt(c)", z)));
	assert_true(eval("sqrt(a - 0.0000000000001)", z) == 0);	/* rounding, not a value */
	assert_true(isnan(eval("a + b", m)));		/* a missing value spreads */
}

static void refused(const char *text, const char *why)
{
	struct strata_expr *e = (void *)1;
	char err[256] = "";

	assert_int_equal(strata_expr_parse(text, resolve_abc, NULL, &e, err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, why))
		fail_msg("'%s': message '%s' lacks '%s'", text, err, why);
}

static void test_parse_errors(void **state)
{
	char deep[200];

	(void)state;
	refused("", "unexpected end");
	refused("a +", "unexpected end");
	refused("(a + b", "')' expected");
	refused("a b", "an operator or the end expected");
	refused("a + d", "'d' is not a field here");
	refused("a + B", "a name, number or '(' expected");
	refused("a ^ 2", "an operator or the end expected");
	refused("sqrt a", "'sqrt' is not a field here");
	memset(deep, '(', 100);
	strcpy(deep + 100, "a");
	refused(deep, "nested too deep");
	refused("a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a",
		"too long");
}

/* ---- Documentation/metrics.rst ---- */

static void levels_str(unsigned int levels, char *buf, size_t len)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = 0;
	for (i = 0; i < STRATA_LVL_NUM; i++)
		if (levels & (1U << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "",
					      strata_metric_level_name(1U << i));
}

/* The csv-table row the documentation must have for @m. */
static void doc_line(const struct strata_metric *m, char *buf, size_t len)
{
	char lv[128], how[256];

	levels_str(m->levels, lv, sizeof(lv));
	if (m->kind == STRATA_MK_DERIVED)
		snprintf(how, sizeof(how), "``%s``", m->formula);
	else if (m->kind == STRATA_MK_FUND)
		snprintf(how, sizeof(how), "%s%s%s", strata_metric_agg_name(m->agg),
			 m->guard ? " where " : "", m->guard ? m->guard : "");
	else
		how[0] = 0;
	snprintf(buf, len, "   \"%s\", \"%s\", \"%s\", \"%s\", \"%s\", \"%s\", \"%s\"", m->name,
		 strata_metric_kind_name(m->kind), strata_metric_type_name(m->type), m->unit,
		 lv, how, m->doc);
}

static void test_documentation(void **state)
{
	char path[512], line[1024], want[1024];
	const char *src = __FILE__, *tail = strstr(src, "tests/unit/test_metrics.c");
	size_t i = 0, bad = 0;
	bool in = false;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%.*sDocumentation/metrics.rst",
		 tail ? (int)(tail - src) : 0, src);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	/* The rows between the catalog's header row and the blank line after. */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!in) {
			in = !strcmp(line, "   :header: \"name\", \"kind\", \"type\", \"unit\", "
				     "\"levels\", \"aggregation or formula\", \"meaning\"");
			if (in && fgets(line, sizeof(line), f) && strcmp(line, "\n"))
				fail_msg("a blank line after the header");
			continue;
		}
		if (!*line)
			break;
		if (i == strata_nmetrics) {
			fprintf(stderr, "metrics.rst: not in the catalog: %s\n", line);
			bad++;
			continue;
		}
		doc_line(&strata_metrics[i++], want, sizeof(want));
		if (strcmp(line, want)) {
			fprintf(stderr, "metrics.rst: has\n%s\nthe catalog:\n%s\n", line, want);
			bad++;
		}
	}
	fclose(f);
	assert_true(in);
	for (; i < strata_nmetrics; i++, bad++) {
		doc_line(&strata_metrics[i], want, sizeof(want));
		fprintf(stderr, "metrics.rst: missing:\n%s\n", want);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formulas),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_documentation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
