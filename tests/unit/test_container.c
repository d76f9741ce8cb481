// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the client-side processor (lib/container.c): random rows
 * aggregated by every subset of their keys against a brute-force sum,
 * feeding equal to loading the union, schemas refused, malformed input.
 */
#include <errno.h>
#include <math.h>
#include <jansson.h>

#include "unit.h"
#include "container.h"

#define NROWS	400
#define NKEYS	3

static const char *const key_names[NKEYS] = { "client", "server", "port" };

/* One generated row, as the brute force sees it. */
struct raw {
	int key[NKEYS];			/* indexes into small domains */
	__u64 from, to;
	__u64 packets[2], bytes[2];
	__s64 lost[2];
	__u64 n[2], sum[2], min[2], max[2];
	unsigned __int128 sumsq[2];
};

static struct raw raws[NROWS];

static json_t *key_value(int k, int v)
{
	static const char *const clients[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	static const char *const servers[] = { "192.0.2.1", "192.0.2.2" };

	if (k == 0)
		return json_string(clients[v]);
	if (k == 1)
		return json_string(servers[v]);
	return json_integer(v ? 443 : 80);
}

static const int domain[NKEYS] = { 3, 2, 2 };

static json_t *u128(unsigned __int128 v)
{
	char buf[48], *p = buf + sizeof(buf) - 1;

	*p = 0;
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	return json_string(p);
}

/*
 * The schema: keys at the top, fundamentals nested the way the central API
 * nests them (per-direction arrays, stat objects per direction), so paths
 * with '*', indexes and alternatives are all exercised.
 */
static json_t *schema(const char *type, __u64 from, __u64 to, const char *sensor)
{
	static const char *const fields[][2] = {
		{ "client", "key.client" }, { "server", "key.server" }, { "port", "key.port" },
		{ "from_ns", "from_ns" }, { "to_ns", "to_ns" }, { "packets", "packets.*" },
		{ "bytes", "bytes.0|bytes.1" }, { "lost", "lost.*" },
		{ "rtt_hs_n", "dir.*.rtt.n" }, { "rtt_hs_sum", "dir.*.rtt.sum" },
		{ "rtt_hs_sumsq", "dir.*.rtt.sumsq" }, { "rtt_hs_min", "dir.*.rtt.min" },
		{ "rtt_hs_max", "dir.*.rtt.max" },
	};
	json_t *s = strata_schema_new(type, STRATA_LVL_MACROFLOW, from, to, 900000000000ULL);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_int_equal(strata_schema_field(s, fields[i][0], fields[i][1]), 0);
	/* Not carried by macroflows: refused. */
	assert_int_equal(strata_schema_field(s, "rtt_data_n", "x"), -ENOENT);
	assert_int_equal(strata_schema_field(s, "nonesuch", "x"), -ENOENT);
	assert_int_equal(strata_schema_sensor(s, sensor, "0.2.0", "synchronised", 1000), 0);
	return s;
}

static json_t *row_json(const struct raw *w)
{
	json_t *dirs = json_array();
	int d;

	for (d = 0; d < 2; d++) {
		/* No samples: a min and max that must not count. */
		json_array_append_new(dirs, json_pack("{s:{s:I,s:I,s:o,s:I,s:I}}", "rtt",
			"n", (json_int_t)w->n[d], "sum", (json_int_t)w->sum[d],
			"sumsq", u128(w->sumsq[d]), "min", (json_int_t)w->min[d],
			"max", (json_int_t)w->max[d]));
	}
	return json_pack("{s:{s:o,s:o,s:o},s:I,s:I,s:[II],s:[II],s:[II],s:o}",
			 "key", "client", key_value(0, w->key[0]), "server", key_value(1, w->key[1]),
			 "port", key_value(2, w->key[2]),
			 "from_ns", (json_int_t)w->from, "to_ns", (json_int_t)w->to,
			 "packets", (json_int_t)w->packets[0], (json_int_t)w->packets[1],
			 "bytes", (json_int_t)w->bytes[0], (json_int_t)w->bytes[1],
			 "lost", (json_int_t)w->lost[0], (json_int_t)w->lost[1], "dir", dirs);
}

static void gen(struct rng *r)
{
	int i, k, d;

	for (i = 0; i < NROWS; i++) {
		struct raw *w = &raws[i];

		for (k = 0; k < NKEYS; k++)
			w->key[k] = (int)rng_range(r, 0, (__u64)domain[k] - 1);
		w->from = 1800000000000000000ULL + rng_range(r, 0, 9) * 900000000000ULL;
		w->to = w->from + 900000000000ULL;
		for (d = 0; d < 2; d++) {
			__u64 j;

			w->packets[d] = rng_range(r, 0, 1000000);
			w->bytes[d] = w->packets[d] * rng_range(r, 40, 1500);
			w->lost[d] = (__s64)rng_range(r, 0, 20) - 5;
			w->n[d] = rng_range(r, 0, 3);
			w->sum[d] = w->sumsq[d] = 0;
			w->min[d] = w->n[d] ? ~0ULL >> 1 : rng_range(r, 0, 5);
			w->max[d] = w->n[d] ? 0 : 4000000000ULL + rng_range(r, 0, 9);
			for (j = 0; j < w->n[d]; j++) {
				/* Up to ~4.3 s: squares past 2^64, sums of them in 128 bits. */
				__u64 x = rng_range(r, 1000, 4300000000ULL);

				w->sum[d] += x;
				w->sumsq[d] += (unsigned __int128)x * x;
				w->min[d] = x < w->min[d] ? x : w->min[d];
				w->max[d] = x > w->max[d] ? x : w->max[d];
			}
		}
	}
}

static json_t *container(int lo, int hi, const char *sensor)
{
	json_t *rows = json_array(), *doc;
	__u64 from = ~0ULL, to = 0;
	int i;

	for (i = lo; i < hi; i++) {
		json_array_append_new(rows, row_json(&raws[i]));
		from = raws[i].from < from ? raws[i].from : from;
		to = raws[i].to > to ? raws[i].to : to;
	}
	doc = json_pack("{s:o,s:o}", "schema", schema("macroflows", from, to, sensor), "rows", rows);
	assert_non_null(doc);
	return doc;
}

/* ---- the brute force ---- */

struct sums {
	__int128 from, to, packets, bytes, lost, n, sum, sumsq, min, max;
	bool has_min;
	size_t rows;
};

static bool same_group(const struct raw *w, const struct raw *first, unsigned int mask)
{
	int k;

	for (k = 0; k < NKEYS; k++)
		if ((mask & (1U << k)) && w->key[k] != first->key[k])
			return false;
	return true;
}

static void brute(unsigned int mask, const struct raw *first, struct sums *s)
{
	int i, d;

	memset(s, 0, sizeof(*s));
	s->from = INT64_MAX;
	for (i = 0; i < NROWS; i++) {
		const struct raw *w = &raws[i];

		if (!same_group(w, first, mask))
			continue;
		s->rows++;
		s->from = (__int128)w->from < s->from ? (__int128)w->from : s->from;
		s->to = (__int128)w->to > s->to ? (__int128)w->to : s->to;
		for (d = 0; d < 2; d++) {
			s->packets += w->packets[d];
			s->bytes += w->bytes[d];
			s->lost += w->lost[d];
			s->n += w->n[d];
			s->sum += w->sum[d];
			s->sumsq += (__int128)w->sumsq[d];
			if (!w->n[d])
				continue;
			if (!s->has_min || w->min[d] < s->min)
				s->min = w->min[d];
			if (!s->has_min || w->max[d] > s->max)
				s->max = w->max[d];
			s->has_min = true;
		}
	}
}

static __int128 jint(json_t *v)
{
	const char *s = json_string_value(v);
	__int128 x = 0;

	if (json_is_integer(v))
		return json_integer_value(v);
	assert_non_null(s);
	for (; *s; s++)
		x = x * 10 + (*s - '0');
	return x;
}

static void near(json_t *v, double want)
{
	double got;

	if (isnan(want)) {
		assert_true(json_is_null(v));
		return;
	}
	assert_true(json_is_real(v));
	got = json_real_value(v);
	assert_true(fabs(got - want) <= 1e-9 * fabs(want) + 1e-12);
}

static const char *const derived[] = {
	"avg_rtt_hs", "rtt_hs_var", "max_rtt_hs", "pkt_rate", "bit_rate", "loss_ratio",
	"avg_pkt_size",
};
#define NDERIVED	(sizeof(derived) / sizeof(derived[0]))

static double ratio(__int128 a, __int128 b)
{
	return b ? (double)a / (double)b : NAN;
}

static void check_result(json_t *res, unsigned int mask)
{
	json_t *rows = json_object_get(res, "rows"), *row;
	size_t i, groups = 0;
	int k, j;

	/* One row per distinct combination of the grouped keys. */
	for (j = 0; j < NROWS; j++) {
		for (k = 0; k < j && !same_group(&raws[j], &raws[k], mask); k++)
			;
		groups += k == j;
	}
	assert_int_equal(json_array_size(rows), groups);
	json_array_foreach(rows, i, row) {
		const struct raw *first = NULL;
		struct sums s;
		double secs, mean;

		/* The raw row this group starts with, by its keys. */
		for (j = 0; j < NROWS && !first; j++) {
			bool eq = true;

			for (k = 0; k < NKEYS; k++) {
				json_t *kv = json_object_get(row, key_names[k]), *want;

				if (!(mask & (1U << k))) {
					assert_null(kv);	/* not grouped by: gone */
					continue;
				}
				want = key_value(k, raws[j].key[k]);
				eq &= json_equal(kv, want);
				json_decref(want);
			}
			if (eq)
				first = &raws[j];
		}
		assert_non_null(first);
		brute(mask, first, &s);
		assert_true(jint(json_object_get(row, "from_ns")) == s.from);
		assert_true(jint(json_object_get(row, "to_ns")) == s.to);
		assert_true(jint(json_object_get(row, "packets")) == s.packets);
		assert_true(jint(json_object_get(row, "bytes")) == s.bytes);
		assert_true(jint(json_object_get(row, "lost")) == s.lost);
		assert_true(jint(json_object_get(row, "rtt_hs_n")) == s.n);
		assert_true(jint(json_object_get(row, "rtt_hs_sum")) == s.sum);
		assert_true(json_is_string(json_object_get(row, "rtt_hs_sumsq")));
		assert_true(jint(json_object_get(row, "rtt_hs_sumsq")) == s.sumsq);
		if (s.has_min) {
			assert_true(jint(json_object_get(row, "rtt_hs_min")) == s.min);
			assert_true(jint(json_object_get(row, "rtt_hs_max")) == s.max);
		} else {
			assert_true(json_is_null(json_object_get(row, "rtt_hs_min")));
			assert_true(json_is_null(json_object_get(row, "rtt_hs_max")));
		}
		secs = (double)(s.to - s.from) / 1e9;
		mean = ratio(s.sum, s.n);
		near(json_object_get(row, "avg_rtt_hs"), mean);
		near(json_object_get(row, "rtt_hs_var"), s.n ? (double)s.sumsq / (double)s.n -
		     mean * mean : NAN);
		near(json_object_get(row, "max_rtt_hs"), s.has_min ? (double)s.max : NAN);
		near(json_object_get(row, "pkt_rate"), (double)s.packets / secs);
		near(json_object_get(row, "bit_rate"), (double)s.bytes * 8 / secs);
		near(json_object_get(row, "loss_ratio"), ratio(s.lost, s.packets));
		near(json_object_get(row, "avg_pkt_size"), ratio(s.bytes, s.packets));
	}
}

static json_t *result(struct strata_container *c, unsigned int mask, bool group)
{
	const char *by[NKEYS];
	struct strata_cquery q = { group, by, 0, derived, NDERIVED };
	char err[512];
	json_t *out;
	int k;

	for (k = 0; k < NKEYS; k++)
		if (mask & (1U << k))
			by[q.nby++] = key_names[k];
	assert_int_equal(strata_container_result(c, &q, &out, err, sizeof(err)), 0);
	return out;
}

/* Every subset of the keys, against the brute force. */
static void test_every_subset(void **state)
{
	struct strata_container *c;
	struct rng r;
	char err[256];
	unsigned int mask;
	json_t *doc, *res, *by;

	(void)state;
	rng_seed(&r, 6);
	gen(&r);
	doc = container(0, NROWS, "edge");
	assert_int_equal(strata_container_load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(strata_container_rows(c), NROWS);
	for (mask = 0; mask < 1U << NKEYS; mask++) {
		res = result(c, mask, true);
		check_result(res, mask);
		by = json_object_get(json_object_get(res, "schema"), "aggregated_by");
		assert_int_equal(json_array_size(by), __builtin_popcount(mask));
		json_decref(res);
	}
	/* Without grouping: one row each, every key kept. */
	res = result(c, 0, false);
	assert_int_equal(json_array_size(json_object_get(res, "rows")), NROWS);
	assert_true(json_equal(json_object_get(json_array_get(json_object_get(res, "rows"), 7),
					       "server"),
			       json_object_get(json_object_get(json_array_get(
				       json_object_get(doc, "rows"), 7), "key"), "server")));
	json_decref(res);
	strata_container_free(c);
	json_decref(doc);
}

/* Feeding three containers one after the other equals loading their union. */
static void test_feed_equals_union(void **state)
{
	struct strata_container *all, *c;
	json_t *doc, *part, *a, *b;
	char err[256];
	unsigned int mask;
	struct rng r;

	(void)state;
	rng_seed(&r, 7);
	gen(&r);
	doc = container(0, NROWS, "edge");
	assert_int_equal(strata_container_load(&all, doc, err, sizeof(err)), 0);
	part = container(0, 100, "edge");
	assert_int_equal(strata_container_load(&c, part, err, sizeof(err)), 0);
	json_decref(part);
	part = container(100, 250, "edge");
	assert_int_equal(strata_container_feed(c, part, err, sizeof(err)), 0);
	json_decref(part);
	part = container(250, NROWS, "core");
	assert_int_equal(strata_container_feed(c, part, err, sizeof(err)), 0);
	json_decref(part);
	assert_int_equal(strata_container_rows(c), NROWS);
	for (mask = 0; mask < 1U << NKEYS; mask++) {
		a = result(all, mask, true);
		b = result(c, mask, true);
		/* Same rows; the schema only adds the second sensor. */
		assert_true(json_equal(json_object_get(a, "rows"), json_object_get(b, "rows")));
		assert_true(json_equal(json_object_get(json_object_get(a, "schema"), "interval"),
				       json_object_get(json_object_get(b, "schema"), "interval")));
		assert_int_equal(json_array_size(json_object_get(json_object_get(b, "schema"),
								 "sensors")), 2);
		json_decref(a);
		json_decref(b);
	}
	strata_container_free(all);
	strata_container_free(c);
	json_decref(doc);
}

/* A container of another type, or with other fields, is refused whole. */
static void test_schema_mismatch(void **state)
{
	struct strata_container *c;
	json_t *doc, *other, *fields;
	char err[256];
	struct rng r;

	(void)state;
	rng_seed(&r, 8);
	gen(&r);
	doc = container(0, 10, "edge");
	assert_int_equal(strata_container_load(&c, doc, err, sizeof(err)), 0);

	other = container(10, 20, "edge");
	json_object_set_new(json_object_get(other, "schema"), "type", json_string("flows"));
	assert_int_equal(strata_container_feed(c, other, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "of type 'flows', not 'macroflows'"));
	json_decref(other);

	other = container(10, 20, "edge");
	fields = json_object_get(json_object_get(other, "schema"), "fields");
	json_array_remove(fields, 5);	/* packets */
	assert_int_equal(strata_container_feed(c, other, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "schema differs"));
	json_decref(other);

	other = container(10, 20, "edge");
	fields = json_object_get(json_object_get(other, "schema"), "fields");
	json_object_set_new(json_array_get(fields, 5), "agg", json_string("max"));
	assert_int_equal(strata_container_feed(c, other, err, sizeof(err)), -EINVAL);
	json_decref(other);

	/* Refused: nothing was added. */
	assert_int_equal(strata_container_rows(c), 10);
	strata_container_free(c);
	json_decref(doc);
}

static void refused(const char *text, const char *why)
{
	struct strata_container *c = (void *)1;
	char err[256] = "";

	assert_int_equal(strata_container_loadb(&c, text, strlen(text), err, sizeof(err)),
			 -EINVAL);
	assert_null(c);
	if (!strstr(err, why))
		fail_msg("'%s': message '%s' lacks '%s'", text, err, why);
}

#define F_PKTS	"{\"name\":\"packets\",\"kind\":\"fundamental\",\"type\":\"u64\"," \
		"\"unit\":\"packets\",\"agg\":\"sum\",\"path\":[\"p\"]}"
#define F_KEY	"{\"name\":\"client\",\"kind\":\"key\",\"type\":\"string\",\"path\":\"c\"}"
#define SCHEMA(f) "{\"schema\":{\"type\":\"t\",\"fields\":[" f "]},"

static void test_malformed(void **state)
{
	(void)state;
	refused("", "not JSON");
	refused("{\"schema\":", "not JSON");
	refused("[1,2]", "no \"schema\" object");
	refused("{\"rows\":[]}", "no \"schema\" object");
	refused("{\"schema\":{\"fields\":[]},\"rows\":[]}", "schema.type");
	refused("{\"schema\":{\"type\":\"t\",\"fields\":[]}}", "no \"rows\" array");
	refused("{\"schema\":{\"type\":\"t\",\"fields\":{}},\"rows\":[]}", "not an array");
	refused(SCHEMA("{\"name\":\"x\",\"kind\":\"sort of\",\"type\":\"u64\",\"path\":\"x\"}")
		"\"rows\":[]}", "schema.fields[0]");
	refused(SCHEMA(F_KEY ",{\"name\":\"x\",\"kind\":\"fundamental\",\"type\":\"u64\","
		       "\"path\":\"x\"}") "\"rows\":[]}", "schema.fields[1]");
	refused(SCHEMA(F_KEY ",{\"name\":\"x\",\"kind\":\"key\",\"type\":\"u64\",\"path\":[]}")
		"\"rows\":[]}", "schema.fields[1]");
	refused(SCHEMA(F_KEY "," F_KEY) "\"rows\":[]}", "'client' described twice");
	refused(SCHEMA(F_PKTS) "\"rows\":[{\"p\":1},7]}", "rows[1] is not an object");
	refused(SCHEMA(F_PKTS) "\"rows\":[{\"p\":\"many\"}]}", "rows[0]: 'packets' is not an "
		"integer");
	refused(SCHEMA(F_PKTS) "\"rows\":[{\"p\":1.5}]}", "'packets' is not an integer");
	refused(SCHEMA("{\"name\":\"m\",\"kind\":\"fundamental\",\"type\":\"u64\",\"agg\":"
		       "\"min\",\"guard\":\"n\",\"path\":\"m\"}") "\"rows\":[]}",
		"its guard 'n' is not a fundamental field");
}

/* By a key that is not one, fields that are no metric: clear refusals. */
static void test_bad_request(void **state)
{
	static const char *const not_key[] = { "packets" };
	static const char *const nope[] = { "avg_rtt_hs", "avg_ttfb" };
	struct strata_cquery q = { true, not_key, 1, NULL, 0 };
	struct strata_container *c;
	char err[1024];
	json_t *doc, *out = NULL;
	struct rng r;

	(void)state;
	rng_seed(&r, 9);
	gen(&r);
	doc = container(0, 10, "edge");
	assert_int_equal(strata_container_load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(strata_container_result(c, &q, &out, err, sizeof(err)), -EINVAL);
	assert_null(out);
	assert_non_null(strstr(err, "by: 'packets' is not a key of macroflows rows; keys: "
			       "client, server, port"));
	q.nby = 0;
	q.fields = nope;
	q.nfields = 2;
	/* avg_ttfb needs txn_ttfb_*, which these rows do not carry. */
	assert_int_equal(strata_container_result(c, &q, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fields: 'avg_ttfb' is not a metric of macroflows rows"));
	assert_non_null(strstr(err, "avg_rtt_hs"));
	assert_null(strstr(err, "avg_dns"));
	assert_null(strstr(err, "hop_loss_ratio"));	/* a hop's, not a macroflow's */
	strata_container_free(c);
	json_decref(doc);
}

/* The APIs' fields=: computed into each row, described in the schema. */
static void test_derive_in_place(void **state)
{
	json_t *doc, *row, *fl, *f;
	char err[1024];
	struct rng r;
	size_t i;
	bool described = false;

	(void)state;
	rng_seed(&r, 10);
	gen(&r);
	doc = container(0, 50, "edge");
	assert_int_equal(strata_container_derive(doc, "avg_rtt_hs,packets", err, sizeof(err)), 0);
	json_array_foreach(json_object_get(doc, "rows"), i, row) {
		const struct raw *w = &raws[i];

		near(json_object_get(row, "avg_rtt_hs"),
		     ratio((__int128)w->sum[0] + w->sum[1], (__int128)w->n[0] + w->n[1]));
		assert_true(json_is_array(json_object_get(row, "packets")));	/* untouched */
	}
	fl = json_object_get(json_object_get(doc, "schema"), "fields");
	json_array_foreach(fl, i, f)
		if (!strcmp(json_string_value(json_object_get(f, "name")), "avg_rtt_hs"))
			described = !strcmp(json_string_value(json_object_get(f, "kind")),
					    "derived") &&
				!strcmp(json_string_value(json_object_get(f, "formula")),
					"rtt_hs_sum / rtt_hs_n");
	assert_true(described);
	assert_int_equal(strata_container_derive(doc, "avg_rtt_hs,bogus", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'bogus' is not a metric"));
	assert_non_null(strstr(err, "loss_ratio"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_subset),
		cmocka_unit_test(test_feed_equals_union),
		cmocka_unit_test(test_schema_mismatch),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_derive_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
