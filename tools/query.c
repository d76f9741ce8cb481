// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * strata query: the central host's API from the command line, as tables or
 * (with -j) as the API's own JSON, or aggregated and derived by libstrata's
 * processor (--by, --fields); packets also as a pcapng file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>
#include "container.h"
#include "print.h"
#include "strata.h"

#define QUERY_TIMEOUT_S	60

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct central_body *b = arg;
	char *q = realloc(b->p, b->len + size * n + 1);

	if (!q)
		return 0;
	b->p = q;
	memcpy(b->p + b->len, p, size * n);
	b->len += size * n;
	b->p[b->len] = 0;
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct central_body *b = arg;
	size_t len = size * n;

	if (len > 16 && !strncasecmp(p, "Strata-Partial:", 15)) {
		size_t s = 15, e = len;

		/* The value, without the blanks around it and the CRLF. */
		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
			e--;
		snprintf(b->partial, sizeof(b->partial), "%.*s", (int)(e - s), p + s);
	}
	if (len > 17 && !strncasecmp(p, "Strata-Truncated:", 17))
		b->truncated = true;
	return len;
}

int central_api(const char *op, const char *method, const char *central, const char *path,
		const char *query, const char *token, struct central_body *b)
{
	char url[2048], err[CURL_ERROR_SIZE] = "", auth[512];
	struct curl_slist *hdrs = NULL;
	long status = 0;
	CURLcode rc;
	CURL *h;

	memset(b, 0, sizeof(*b));
	snprintf(url, sizeof(url), "%s%s%s%s", central, path, *query ? "?" : "", query);
	if (token && (size_t)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token) >=
	    sizeof(auth))
		return usage_error(op, "the token is too long");
	h = curl_easy_init();
	if (!h)
		return fail(op, "libcurl failed to start");
	if (token) {
		hdrs = curl_slist_append(NULL, auth);
		if (!hdrs) {
			curl_easy_cleanup(h);
			return fail(op, "out of memory");
		}
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (!strcmp(method, "POST"))
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)QUERY_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK)
		return fail(op, "%s: %s", central, err[0] ? err : curl_easy_strerror(rc));
	if (status != 200) {
		json_t *e = json_loadb(b->p ? b->p : "", b->len, 0, NULL);
		const char *msg = json_string_value(json_object_get(e, "error"));
		int r = fail(op, "%s: HTTP %ld: %s", path, status, msg ? msg : "(no message)");

		json_decref(e);
		return r;
	}
	return 0;
}

/* ---- arguments ---- */

struct qargs {
	const char *central;
	char query[1024];
	const char *id;
	const char *write;
	const char *by;		/* keys to aggregate by, comma-separated */
	const char *fields;	/* fields to show, derived ones computed */
};

static int add_param(struct qargs *q, const char *name, const char *value)
{
	size_t n = strlen(q->query);
	char *v = curl_easy_escape(NULL, value, 0);
	int r;

	if (!v)
		return fail("query", "out of memory");
	r = snprintf(q->query + n, sizeof(q->query) - n, "%s%s=%s", n ? "&" : "", name, v);
	curl_free(v);
	if (r < 0 || (size_t)r >= sizeof(q->query) - n)
		return usage_error("query", "the query is too long");
	return 0;
}

/*
 * --central URL, --from T, --to T, --group G, --sort S, --limit N, then the
 * group filters as keywords (addr A, port N, proto P, app NAME), an ID
 * where the object takes one, and -w FILE for packets.
 */
static int parse_args(int argc, char **argv, struct qargs *q, bool takes_id, bool takes_w,
		      bool container)
{
	static const char *const opts[] = { "--from", "--to", "--group", "--sort", "--limit" };
	static const char *const kws[] = { "addr", "port", "proto", "app" };
	unsigned int k;
	int i, r;

	if (!q->central)
		q->central = getenv("STRATA_CENTRAL") ? getenv("STRATA_CENTRAL") :
			CENTRAL_DEFAULT;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool done = false;

		if (i + 1 < argc && !strcmp(a, "--central")) {
			q->central = argv[++i];
			continue;
		}
		if (takes_w && i + 1 < argc && !strcmp(a, "-w")) {
			q->write = argv[++i];
			continue;
		}
		if (container && i + 1 < argc && !strcmp(a, "--by")) {
			q->by = argv[++i];
			continue;
		}
		if (container && i + 1 < argc && !strcmp(a, "--fields")) {
			q->fields = argv[++i];
			continue;
		}
		for (k = 0; k < 5 && !done; k++) {
			if (i + 1 < argc && !strcmp(a, opts[k])) {
				r = add_param(q, opts[k] + 2, argv[++i]);
				if (r)
					return r;
				done = true;
			}
		}
		for (k = 0; k < 4 && !done; k++) {
			if (i + 1 < argc && !strcmp(a, kws[k])) {
				r = add_param(q, kws[k], argv[++i]);
				if (r)
					return r;
				done = true;
			}
		}
		if (done)
			continue;
		if (takes_id && !q->id && a[0] != '-') {
			q->id = a;
			continue;
		}
		return usage_error("query", "unexpected '%s' (or its value is missing)", a);
	}
	return 0;
}

/* ---- tables ---- */

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static long long jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static long long jidx(json_t *o, const char *k, size_t i)
{
	return json_integer_value(json_array_get(json_object_get(o, k), i));
}

static const char *tm(long long ns, char *buf, size_t len)
{
	return time_str((__u64)ns, 3, buf, len);
}

/* A delay in ms, or "-" where none was measured. */
static const char *delay(json_t *d, char *buf, size_t len)
{
	if (!json_is_integer(d))
		return "-";
	snprintf(buf, len, "%.3f", (double)json_integer_value(d) / 1e6);
	return buf;
}

static void table_sensors(json_t *doc)
{
	json_t *rows = json_object_get(doc, "rows");
	json_t *s;
	size_t i;
	char t[32];

	printf("%-16s %4s %-8s %-14s %-12s %8s %6s  %s\n", "SENSOR", "NUM", "VERSION", "CLOCK",
	       "THROUGH", "FLOWS", "RESENT", "API");
	json_array_foreach(rows, i, s)
		printf("%-16s %4lld %-8s %-14s %-12s %8lld %6lld  %s\n", jstr(s, "id"), jint(s, "num"),
		       jstr(s, "version"), jstr(s, "clock"), tm(jint(s, "through_ns"), t, sizeof(t)),
		       jint(s, "location_flows"), jint(s, "resent"), jstr(s, "api_url"));
}

static void macro_key(json_t *m, char *buf, size_t len)
{
	json_t *k = json_object_get(m, "key");
	const char *g = jstr(m, "group");

	if (!strcmp(g, "service"))
		snprintf(buf, len, "%s:%lld/%s", jstr(k, "addr"), jint(k, "port"), jstr(k, "proto"));
	else if (!strcmp(g, "client"))
		snprintf(buf, len, "%s", jstr(k, "addr"));
	else
		snprintf(buf, len, "%s (%s)", jstr(k, "app"), jstr(k, "proto"));
}

static void table_macroflows(json_t *doc)
{
	json_t *rows = json_object_get(doc, "rows");
	char t[32], key[96];
	json_t *m;
	size_t i;

	printf("%-12s %-34s %6s %10s %10s %12s %12s %7s %9s\n", "WINDOW", "GROUP", "FLOWS",
	       "PKTS c>s", "PKTS s>c", "BYTES c>s", "BYTES s>c", "LOST", "RTT ms");
	json_array_foreach(rows, i, m) {
		json_t *rtt = json_object_get(m, "rtt_handshake_ns");
		long long n = jint(rtt, "n");

		macro_key(m, key, sizeof(key));
		printf("%-12s %-34s %6lld %10lld %10lld %12lld %12lld %7lld ",
		       tm(jint(m, "window_start_ns"), t, sizeof(t)), key, jint(m, "connected_flows"),
		       jidx(m, "packets", 0), jidx(m, "packets", 1), jidx(m, "bytes", 0),
		       jidx(m, "bytes", 1), jidx(m, "lost", 0) + jidx(m, "lost", 1));
		if (n)
			printf("%9.3f\n", (double)jint(rtt, "sum") / (double)n / 1e6);
		else
			printf("%9s\n", "-");
	}
}

static void table_flows(json_t *doc)
{
	json_t *rows = json_object_get(doc, "rows");
	char t[32], ep[128];
	json_t *c, *h;
	size_t i, j;

	printf("%-24s %-12s %-46s %-5s %4s %9s %9s  %s\n", "ID", "START", "CLIENT > SERVER",
	       "PROTO", "LOCS", "PKTS c>s", "PKTS s>c", "PATH");
	json_array_foreach(rows, i, c) {
		json_t *path = json_object_get(c, "path");

		snprintf(ep, sizeof(ep), "%s:%lld > %s:%lld", jstr(c, "client"), jint(c, "client_port"),
			 jstr(c, "server"), jint(c, "server_port"));
		printf("%-24s %-12s %-46s %-5s %4lld %9lld %9lld  ", jstr(c, "id"),
		       tm(jint(json_array_get(path, 0), "first_ns"), t, sizeof(t)), ep, jstr(c, "proto"),
		       jint(c, "locations"), jidx(json_array_get(path, 0), "packets", 0),
		       jidx(json_array_get(path, 0), "packets", 1));
		json_array_foreach(path, j, h)
			printf("%s%s", j ? " > " : "", jstr(h, "sensor"));
		printf("\n");
	}
}

static void table_path(json_t *c)
{
	char d0[32], d1[32];
	json_t *h;
	size_t j, k;

	printf("flow %s  %s:%lld > %s:%lld %s  (server at the last location: %s:%lld)\n",
	       jstr(c, "id"), jstr(c, "client"), jint(c, "client_port"), jstr(c, "server"),
	       jint(c, "server_port"), jstr(c, "proto"), jstr(c, "server_at_last_hop"),
	       jint(c, "server_port_at_last_hop"));
	printf("%3s %-14s %-11s %-50s %9s %9s %10s %10s %6s %6s\n", "HOP", "SENSOR", "MATCHED",
	       "CONVERSATION THERE", "PKTS c>s", "PKTS s>c", "DELAY c>s", "DELAY s>c", "LOST>", "LOST<");
	json_array_foreach(json_object_get(c, "path"), j, h) {
		json_t *d = json_object_get(h, "delay_ns");

		printf("%3zu %-14s %-11s %-50s %9lld %9lld %10s %10s %6lld %6lld\n", j, jstr(h, "sensor"),
		       jstr(h, "matched"), jstr(h, "conversation"), jidx(h, "packets", 0),
		       jidx(h, "packets", 1), delay(json_array_get(d, 0), d0, sizeof(d0)),
		       delay(json_array_get(d, 1), d1, sizeof(d1)), jidx(h, "lost", 0),
		       jidx(h, "lost", 1));
		/* Where its host rewrote the conversation: the keys after the first. */
		for (k = 1; k < json_array_size(json_object_get(h, "conversations")); k++)
			printf("%3s %-14s %-11s %-50s\n", "", "", "+",
			       json_string_value(json_array_get(json_object_get(h, "conversations"),
								k)) ?: "?");
	}
	printf("(delays in ms, from the previous location; LOST> client-to-server packets the "
	       "previous location saw and this one did not, LOST< replies; + the same "
	       "location's conversation after its host rewrote it)\n");
}

static void table_locations(json_t *doc)
{
	json_t *rows = json_object_get(doc, "rows");
	json_t *l, *d;
	size_t i;

	printf("%-14s %-50s %9s %9s %12s %12s %6s\n", "SENSOR", "CONVERSATION", "PKTS 0>1",
	       "PKTS 1>0", "BYTES 0>1", "BYTES 1>0", "MFLOWS");
	json_array_foreach(rows, i, l) {
		d = json_object_get(l, "dir");
		printf("%-14s %-50s %9lld %9lld %12lld %12lld %6lld\n", jstr(l, "sensor"),
		       jstr(l, "conversation"), jint(json_array_get(d, 0), "packets"),
		       jint(json_array_get(d, 1), "packets"), jint(json_array_get(d, 0), "bytes"),
		       jint(json_array_get(d, 1), "bytes"), jint(l, "microflows"));
	}
}

static void table_locs_status(json_t *top)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(top, "locations"), i, l) {
		if (strcmp(jstr(l, "status"), "ok"))
			fprintf(stderr, "strata: query: location %s is missing: %s\n", jstr(l, "sensor"),
				jstr(l, "error"));
	}
}

static void table_microflows(json_t *top)
{
	char t[32];
	json_t *m;
	size_t i;

	printf("%-16s %-14s %-46s %9s %9s %12s %12s\n", "WINDOW", "LOCATION", "CONVERSATION",
	       "PKTS 0>1", "PKTS 1>0", "BYTES 0>1", "BYTES 1>0");
	json_array_foreach(json_object_get(top, "rows"), i, m) {
		char conv[128];

		snprintf(conv, sizeof(conv), "%s:%lld-%s:%lld/%lld", jstr(m, "addr0"), jint(m, "port0"),
			 jstr(m, "addr1"), jint(m, "port1"), jint(m, "proto"));
		printf("%-16s %-14s %-46s %9lld %9lld %12lld %12lld\n",
		       tm(jint(m, "window_start"), t, sizeof(t)), jstr(m, "location"), conv,
		       jint(json_object_get(m, "dir0"), "packets"),
		       jint(json_object_get(m, "dir1"), "packets"),
		       jint(json_object_get(m, "dir0"), "bytes"),
		       jint(json_object_get(m, "dir1"), "bytes"));
	}
	table_locs_status(top);
}

static void table_packets(json_t *top)
{
	char t[32];
	json_t *p;
	size_t i;

	printf("%-18s %-14s %-46s %5s %6s\n", "TIME", "LOCATION", "SOURCE > DESTINATION", "PROTO",
	       "LEN");
	json_array_foreach(json_object_get(top, "rows"), i, p) {
		char ep[128];

		snprintf(ep, sizeof(ep), "%s:%lld > %s:%lld", jstr(p, "saddr"), jint(p, "sport"),
			 jstr(p, "daddr"), jint(p, "dport"));
		printf("%-18s %-14s %-46s %5lld %6lld\n", time_str((__u64)jint(p, "ts_ns"), 6, t, sizeof(t)),
		       jstr(p, "location"), ep, jint(p, "proto"), jint(p, "wire_len"));
	}
	table_locs_status(top);
}

/* ---- --by and --fields: the processor's rows ---- */

#define NAMES_MAX	64

static unsigned int split(char *s, const char **names)
{
	unsigned int n = 0;
	char *tok, *save;

	for (tok = strtok_r(s, ",", &save); tok && n < NAMES_MAX; tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	return n;
}

/* A cell's text form, to size its column. */
static int cell_width(json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return (int)strlen(json_string_value(v));
	if (json_is_integer(v))
		return snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	if (json_is_real(v) && !isnan(json_real_value(v)))
		return snprintf(buf, sizeof(buf), "%.6g", json_real_value(v));
	return 1;
}

/* One cell through the printer: right-aligned numbers, left-aligned text. */
static void cell(const char *name, json_t *v, int w, bool last)
{
	char fmt[32], nofmt[32];
	const char *sep = last ? "" : " ";

	snprintf(nofmt, sizeof(nofmt), "%%%ds%s", w, sep);
	if (json_is_string(v)) {
		snprintf(fmt, sizeof(fmt), last ? "%%s" : "%%-%ds%s", w, sep);
		pr_str(name, fmt, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(fmt, sizeof(fmt), "%%%dlld%s", w, sep);
		pr_s64(name, fmt, json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(fmt, sizeof(fmt), "%%%d.6g%s", w, sep);
		pr_f64(name, fmt, nofmt, json_real_value(v));
	} else {
		pr_null(name, nofmt);
	}
}

/*
 * The rows of a container, aggregated by --by's keys (summing every
 * fundamental before dividing) with --fields computed: a table with the
 * keys and the fields (all fundamentals without --fields), or with -j the
 * processor's container.
 */
static int processed(const struct qargs *q, const char *what, const char *text, size_t len)
{
	const char *by[NAMES_MAX], *fields[NAMES_MAX], *cols[2 * NAMES_MAX];
	struct strata_cquery cq = { .by = by, .fields = fields };
	char *bybuf = strdup(q->by ? q->by : ""), *fbuf = strdup(q->fields ? q->fields : "");
	struct strata_container *c = NULL;
	json_t *out = NULL, *rows, *f, *row;
	unsigned int ncols = 0, i;
	int widths[2 * NAMES_MAX], rc = 0;
	char err[1536];
	size_t r;

	if (!bybuf || !fbuf) {
		rc = fail("query", "out of memory");
		goto out;
	}
	cq.group = q->by != NULL;
	cq.nby = split(bybuf, by);
	cq.nfields = split(fbuf, fields);
	if (strata_container_loadb(&c, text, len, err, sizeof(err))) {
		rc = fail("query", "%s: %s", what, err);
		goto out;
	}
	rc = strata_container_result(c, &cq, &out, err, sizeof(err));
	if (rc) {
		rc = rc == -EINVAL ? usage_error("query", "%s", err) : fail("query", "%s", err);
		goto out;
	}
	rows = json_object_get(out, "rows");
	/* Columns: the keys kept, then what --fields asked (all fundamentals without). */
	json_array_foreach(json_object_get(json_object_get(out, "schema"), "fields"), r, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		bool key = !strcmp(json_string_value(json_object_get(f, "kind")), "key");

		if (ncols < 2 * NAMES_MAX && (key || (!cq.nfields &&
		    !strcmp(json_string_value(json_object_get(f, "kind")), "fundamental"))))
			cols[ncols++] = name;
	}
	for (i = 0; i < cq.nfields && ncols < 2 * NAMES_MAX; i++)
		cols[ncols++] = fields[i];
	for (i = 0; i < ncols; i++) {
		widths[i] = (int)strlen(cols[i]);
		json_array_foreach(rows, r, row) {
			int w = cell_width(json_object_get(row, cols[i]));

			widths[i] = w > widths[i] ? w : widths[i];
		}
	}
	pr_begin();
	pr_jsonv("schema", json_object_get(out, "schema"));
	/* Headers aligned as their cells: text left, numbers right. */
	for (i = 0; i < ncols; i++) {
		bool text = false;

		json_array_foreach(json_object_get(json_object_get(out, "schema"), "fields"), r, f)
			if (!strcmp(json_string_value(json_object_get(f, "name")), cols[i]))
				text = !strcmp(json_string_value(json_object_get(f, "type")), "string");
		pr_text(text ? "%-*s%s" : "%*s%s", i + 1 < ncols || !text ? widths[i] : 0, cols[i],
			i + 1 < ncols ? " " : "\n");
	}
	pr_open_arr("rows");
	json_array_foreach(rows, r, row) {
		pr_open_obj(NULL);
		for (i = 0; i < ncols; i++)
			cell(cols[i], json_object_get(row, cols[i]), widths[i], i + 1 == ncols);
		pr_close();
		pr_text("\n");
	}
	pr_close();
	pr_end();
out:
	json_decref(out);
	strata_container_free(c);
	free(bybuf);
	free(fbuf);
	return rc;
}

/* ---- the command ---- */

static const struct object {
	const char *name;
	const char *path;	/* "%s" is the ID */
	bool id;		/* takes an ID (flows: may) */
	bool container;		/* answers a container: --by and --fields */
	void (*table)(json_t *v);
} objects[] = {
	{ "sensors", "/api/v1/sensors", false, true, table_sensors },
	{ "macroflows", "/api/v1/macroflows", false, true, table_macroflows },
	{ "flows", "/api/v1/flows", true, true, table_flows },
	{ "locations", "/api/v1/flows/%s/locations", true, true, table_locations },
	{ "microflows", "/api/v1/flows/%s/microflows", true, true, table_microflows },
	{ "packets", "/api/v1/flows/%s/packets", true, true, table_packets },
};

int cmd_query(int argc, char **argv)
{
	const struct object *o = NULL;
	struct qargs q;
	struct central_body b;
	char path[256];
	json_t *v;
	unsigned int i;
	int rc;

	/* argv[0] is "query"; --central URL may come before the object too. */
	argc--;
	argv++;
	memset(&q, 0, sizeof(q));
	if (argc >= 2 && !strcmp(argv[0], "--central")) {
		q.central = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc < 1)
		return usage_error("query", "what: sensors, macroflows, flows, locations, "
				   "microflows or packets");
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(argv[0], objects[i].name))
			o = &objects[i];
	if (!o)
		return usage_error("query", "'%s': sensors, macroflows, flows, locations, "
				   "microflows or packets", argv[0]);
	rc = parse_args(argc - 1, argv + 1, &q, o->id, o->table == table_packets,
			o->container);
	if (rc)
		return rc;
	if ((q.by || q.fields) && o->table == table_flows && q.id)
		return usage_error("query", "--by and --fields are for lists: flows without an ID");
	if (strchr(o->path, '%') && !q.id)
		return usage_error("query", "%s: the connected flow's ID (from 'strata query flows')",
				   o->name);
	if (o->table == table_flows && q.id)
		snprintf(path, sizeof(path), "/api/v1/flows/%s", q.id);
	else
		snprintf(path, sizeof(path), o->path, q.id);
	if (q.write && (rc = add_param(&q, "format", "pcapng")))
		return rc;
	rc = central_api("query", "GET", q.central, path, q.query, NULL, &b);
	if (rc)
		goto out;
	if (b.partial[0])
		fprintf(stderr, "strata: query: partial answer: missing %s\n", b.partial);
	if (q.write) {
		FILE *f = strcmp(q.write, "-") ? fopen(q.write, "wb") : stdout;

		if (!f || fwrite(b.p, 1, b.len, f) != b.len || (f != stdout && fclose(f))) {
			rc = fail("query", "%s: %s", q.write, strerror(errno));
			goto out;
		}
		goto out;
	}
	if (q.by || q.fields) {
		rc = processed(&q, path, b.p ? b.p : "", b.len);
		if (!rc && b.truncated)
			fprintf(stderr, "strata: query: more rows match; raise --limit or narrow "
				"--from/--to: the aggregates miss them\n");
		goto out;
	}
	if (pr_json) {
		fwrite(b.p, 1, b.len, stdout);
		if (b.len && b.p[b.len - 1] != '\n')
			putchar('\n');
		goto out;
	}
	v = json_loadb(b.p, b.len, 0, NULL);
	if (!v) {
		rc = fail("query", "%s: the answer is not JSON", path);
		goto out;
	}
	if (o->table == table_flows && q.id)
		table_path(json_array_get(json_object_get(v, "rows"), 0));	/* one row */
	else
		o->table(v);
	json_decref(v);
	if (b.truncated)
		fprintf(stderr, "strata: query: more rows match; raise --limit or narrow --from/--to\n");
out:
	free(b.p);
	return rc;
}
