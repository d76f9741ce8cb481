// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata record start|list`: triggered recordings on a sensor, through its
 * API (lib/record.c): full payload for a filter's packets for a while.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "keywords.h"
#include "print.h"
#include "record.h"
#include "strata.h"

#define SENSOR_DEFAULT "http://127.0.0.1:8470"

/* One recording as the sensor gave it. */
static void print_recording(json_t *o)
{
	json_t *f = json_object_get(o, "filter");
	__u64 start = (__u64)json_integer_value(json_object_get(o, "start"));
	__u64 end = (__u64)json_integer_value(json_object_get(o, "end"));
	struct timespec ts;
	__u64 now;
	char t1[32], t2[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	pr_open_obj(NULL);
	pr_str("label", "%s", json_string_value(json_object_get(o, "label")));
	pr_text(" filter");
	if (json_object_get(f, "proto"))
		pr_str("proto", " proto %s", json_string_value(json_object_get(f, "proto")));
	if (json_object_get(f, "addr"))
		pr_str("addr", " addr %s", json_string_value(json_object_get(f, "addr")));
	if (json_object_get(f, "port"))
		pr_u64("port", " port %llu", (__u64)json_integer_value(json_object_get(f, "port")));
	pr_u64("snaplen", " snaplen %llu",
	       (__u64)json_integer_value(json_object_get(f, "snaplen")));
	pr_u64("start", NULL, start);
	pr_u64("end", NULL, end);
	pr_text(" from %s to %s", time_str(start, 0, t1, sizeof(t1)),
		time_str(end, 0, t2, sizeof(t2)));
	if (end > now)
		pr_text(" (%llu s left)", (unsigned long long)((end - now + 500000000) / 1000000000));
	pr_u64("pin", " pin %llu", (__u64)json_integer_value(json_object_get(o, "pin")));
	pr_bool("applied", NULL, json_is_true(json_object_get(o, "applied")));
	if (!json_is_true(json_object_get(o, "applied")))
		pr_text(" (no filter: the module's are all taken)");
	pr_text("\n");
	pr_close();
}

/* --sensor URL and --token T, wherever they are; the rest left in @rest. */
static int common_args(int argc, char **argv, const char **url, const char **token,
		       char **rest, int *nrest)
{
	int i;

	*url = getenv("STRATA_SENSOR") ? getenv("STRATA_SENSOR") : SENSOR_DEFAULT;
	*token = getenv("STRATA_TOKEN");
	*nrest = 0;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--sensor") || !strcmp(argv[i], "--token")) {
			if (i + 1 == argc)
				return usage_error("record", "%s: a value is missing", argv[i]);
			*(argv[i][2] == 's' ? url : token) = argv[i + 1];
			i++;
			continue;
		}
		rest[(*nrest)++] = argv[i];
	}
	return 0;
}

/* FILTER... duration D [snaplen N] [label L], in any order after the filter. */
static int parse_start(int argc, char **argv, struct strata_record_req *r)
{
	char err[256];
	__u32 v;
	int i, n;

	memset(r, 0, sizeof(*r));
	n = strata_kw_filter(argc, argv, false, &r->filter, err, sizeof(err));
	if (n < 0)
		return usage_error("record start", "%s", err);
	if (!n)
		return usage_error("record start", "a filter first: [proto P] [addr A[/LEN]] [port N]");
	for (i = n; i < argc; i += 2) {
		const char *kw = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return usage_error("record start", "%s: value missing", kw);
		if (!strcmp(kw, "duration")) {
			if (strata_kw_u32(val, 1, STRATA_RECORD_DURATION_MAX, &v))
				return usage_error("record start", "duration %s: 1 to %d seconds",
						   val, STRATA_RECORD_DURATION_MAX);
			r->duration_s = v;
		} else if (!strcmp(kw, "snaplen")) {
			if (strata_kw_u32(val, 1, STRATA_SNAPLEN_MAX, &v))
				return usage_error("record start", "snaplen %s: 1 to %d", val,
						   STRATA_SNAPLEN_MAX);
			r->filter.snaplen = v;
		} else if (!strcmp(kw, "label")) {
			if (strlen(val) >= sizeof(r->label))
				return usage_error("record start", "label %s: longer than %zu",
						   val, sizeof(r->label) - 1);
			strcpy(r->label, val);
		} else {
			return usage_error("record start", "'%s': not duration, snaplen or label",
					   kw);
		}
	}
	if (!r->duration_s)
		return usage_error("record start", "duration D (seconds) is required");
	return 0;
}

/* Ask the sensor; print its recording(s) from the answer. */
static int call(const char *op, const char *url, const char *token, const char *body)
{
	char err[768], *answer = NULL;
	json_t *o, *arr, *v;
	size_t i;
	int rc;

	rc = strata_record_http(url, token, body, &answer, NULL, err, sizeof(err));
	if (rc) {
		free(answer);
		return fail_msg(err);
	}
	o = json_loads(answer, 0, NULL);
	free(answer);
	if (!json_is_object(o)) {
		json_decref(o);
		return fail(op, "%s: the answer is not a JSON object", url);
	}
	pr_begin();
	arr = json_object_get(o, "recordings");
	if (arr) {
		pr_open_arr("recordings");
		json_array_foreach(arr, i, v)
			print_recording(v);
		pr_close();
		if (!json_array_size(arr))
			pr_text("no recordings\n");
	} else {
		pr_open_arr("recordings");
		print_recording(o);
		pr_close();
	}
	pr_end();
	json_decref(o);
	return 0;
}

int cmd_record(int argc, char **argv)
{
	const char *url, *token;
	struct strata_record_req r;
	char **rest, *body;
	int n, rc;

	if (argc < 2)
		return usage_error("record", "start or list?");
	rest = calloc((size_t)argc, sizeof(*rest));
	if (!rest)
		return fail("record", "out of memory");
	rc = common_args(argc - 2, argv + 2, &url, &token, rest, &n);
	if (!rc && !strcmp(argv[1], "list")) {
		rc = n ? usage_error("record list", "'%s': not --sensor or --token", rest[0]) :
			 call("record list", url, token, NULL);
	} else if (!rc && !strcmp(argv[1], "start")) {
		rc = parse_start(n, rest, &r);
		body = rc ? NULL : strata_record_req_json(&r);
		if (!rc)
			rc = body ? call("record start", url, token, body) :
				    fail("record start", "out of memory");
		free(body);
	} else if (!rc) {
		rc = usage_error("record", "'%s': not start or list", argv[1]);
	}
	free(rest);
	return rc;
}
