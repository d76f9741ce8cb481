// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * strata alarm list|show|ack|stats: the central host's alarms from the
 * command line, as tables or (with -j) as the API's own JSON (a container).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>
#include "print.h"
#include "strata.h"

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static const char *when(json_t *v, char *buf, size_t len)
{
	if (!json_is_integer(v))
		return "-";
	return time_str((__u64)json_integer_value(v), 0, buf, len);
}

static const char *num(json_t *v, char *buf, size_t len)
{
	if (!json_is_number(v))
		return "-";
	snprintf(buf, len, "%.6g", json_number_value(v));
	return buf;
}

static void table(json_t *rows)
{
	char t1[32], t2[32], v1[32], v2[32], v3[32];
	json_t *a;
	size_t i;

	printf("%6s %-16s %-8s %-9s %-28s %-20s %9s %-9s %-9s %10s %10s  %s\n", "ID", "RULE",
	       "SEVERITY", "STATE", "KEY", "METRIC", "THRESHOLD", "START", "END", "VALUE", "PEAK",
	       "ACK");
	json_array_foreach(rows, i, a) {
		json_t *ack = json_object_get(a, "ack");

		printf("%6lld %-16s %-8s %-9s %-28s %-20s %9s %-9s %-9s %10s %10s  %s\n",
		       json_integer_value(json_object_get(a, "id")), jstr(a, "rule"),
		       jstr(a, "severity"), jstr(a, "state"), jstr(a, "key"), jstr(a, "metric"),
		       num(json_object_get(a, "threshold"), v1, sizeof(v1)),
		       when(json_object_get(a, "start_ns"), t1, sizeof(t1)),
		       when(json_object_get(a, "end_ns"), t2, sizeof(t2)),
		       num(json_object_get(a, "value_start"), v2, sizeof(v2)),
		       num(json_object_get(a, "peak"), v3, sizeof(v3)),
		       json_is_object(ack) ? jstr(ack, "by") : "-");
	}
}

static void stats(json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
		printf("%-24s %lld\n", k, json_integer_value(v));
}

static int add(char *q, size_t len, const char *name, const char *value)
{
	size_t n = strlen(q);
	char *v = curl_easy_escape(NULL, value, 0);
	int r;

	if (!v)
		return fail("alarm", "out of memory");
	r = snprintf(q + n, len - n, "%s%s=%s", n ? "&" : "", name, v);
	curl_free(v);
	if (r < 0 || (size_t)r >= len - n)
		return usage_error("alarm", "the query is too long");
	return 0;
}

int cmd_alarm(int argc, char **argv)
{
	const char *central = getenv("STRATA_CENTRAL") ? getenv("STRATA_CENTRAL") : CENTRAL_DEFAULT;
	const char *cmd, *id = NULL, *by = getenv("USER"), *token = getenv("STRATA_API_TOKEN");
	const char *from = NULL, *to = NULL, *limit = NULL, *method = "GET";
	struct central_body b = { 0 };
	char path[128], query[512] = "";
	bool all = false;
	json_t *v;
	int i, rc;

	if (argc < 2)
		return usage_error("alarm", "list, show ID, ack ID or stats");
	cmd = argv[1];
	if (strcmp(cmd, "list") && strcmp(cmd, "show") && strcmp(cmd, "ack") && strcmp(cmd, "stats"))
		return usage_error("alarm", "'%s': list, show ID, ack ID or stats", cmd);
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--central") && val)
			central = argv[++i];
		else if (!strcmp(cmd, "list") && !strcmp(a, "--all"))
			all = true;
		else if (!strcmp(cmd, "list") && !strcmp(a, "--from") && val)
			from = argv[++i];
		else if (!strcmp(cmd, "list") && !strcmp(a, "--to") && val)
			to = argv[++i];
		else if (!strcmp(cmd, "list") && !strcmp(a, "--limit") && val)
			limit = argv[++i];
		else if (!strcmp(cmd, "ack") && !strcmp(a, "--by") && val)
			by = argv[++i];
		else if (!strcmp(cmd, "ack") && !strcmp(a, "--token") && val)
			token = argv[++i];
		else if ((!strcmp(cmd, "show") || !strcmp(cmd, "ack")) && !id && a[0] != '-')
			id = a;
		else
			return usage_error("alarm", "%s: unexpected '%s' (or its value is missing)",
					   cmd, a);
	}
	if (!strcmp(cmd, "list")) {
		snprintf(path, sizeof(path), "/api/v1/alarms");
		rc = add(query, sizeof(query), "state", all || from || to ? "all" : "active");
		if (!rc && from)
			rc = add(query, sizeof(query), "from", from);
		if (!rc && to)
			rc = add(query, sizeof(query), "to", to);
		if (!rc && limit)
			rc = add(query, sizeof(query), "limit", limit);
		if (rc)
			return rc;
	} else if (!strcmp(cmd, "stats")) {
		snprintf(path, sizeof(path), "/api/v1/alarms/stats");
	} else {
		if (!id || strspn(id, "0123456789") != strlen(id) || strlen(id) > 20)
			return usage_error("alarm", "%s: the alarm's ID (a number, from 'strata alarm "
					   "list')", cmd);
		snprintf(path, sizeof(path), "/api/v1/alarms/%s%s", id, *cmd == 'a' ? "/ack" : "");
		if (*cmd == 'a') {
			if (!by || !*by)
				return usage_error("alarm", "ack: --by NAME (who acknowledges it)");
			if (!token || !*token)
				return usage_error("alarm", "ack: --token SECRET or $STRATA_API_TOKEN "
						   "(the central host's api-token)");
			method = "POST";
			rc = add(query, sizeof(query), "by", by);
			if (rc)
				return rc;
		}
	}
	/* The token in a header: a URL ends up in logs. */
	rc = central_api("alarm", method, central, path, query, *cmd == 'a' ? token : NULL, &b);
	if (rc)
		goto out;
	if (pr_json) {
		fwrite(b.p, 1, b.len, stdout);
		if (b.len && b.p[b.len - 1] != '\n')
			putchar('\n');
		goto out;
	}
	v = json_loadb(b.p ? b.p : "", b.len, 0, NULL);
	if (!v) {
		rc = fail("alarm", "%s: the answer is not JSON", path);
		goto out;
	}
	if (!strcmp(cmd, "stats")) {
		stats(v);
	} else {
		/* A container (Documentation/metrics.rst): the alarms, or one, are its rows. */
		json_t *rows = json_object_get(v, "rows");

		if (!json_is_array(rows)) {
			rc = fail("alarm", "%s: the answer has no rows (not a container)", path);
			json_decref(v);
			goto out;
		}
		table(rows);
	}
	json_decref(v);
	if (b.truncated)
		fprintf(stderr, "strata: alarm: more alarms match; raise --limit or narrow "
			"--from/--to\n");
out:
	free(b.p);
	return rc;
}
