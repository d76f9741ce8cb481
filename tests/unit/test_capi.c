// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the central API (lib/capi.c, lib/openapi.c) over a small
 * central store: every endpoint's JSON and CSV, the flows links, errors.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <jansson.h>

#include "central_build.h"
#include "alarm.h"
#include "capi.h"
#include "container.h"
#include "keywords.h"

#define FW	STRATA_STORE_FLOW_WINDOW_NS
/* The second macroflow window, and its one flow window. */
#define MW2	(MW_OF(WIN) + MW_NS)

/*
 * The store: in WIN, A and B (HTTP, over edge, core and dc; core lost 3 of
 * A's requests), C (DNS over UDP) and D (DNS over TCP) at the edge, E
 * (HTTPS over IPv6) at edge and core; in MW2, G (HTTP, much larger). A
 * fourth sensor, its version with a comma and quotes, sent nothing.
 */
enum { A, B, C, D, E, G, NCONV };

static const char *const sensor_ids[] = { "edge", "core", "dc" };
#define LAB_VERSION	"1.0,beta \"q\""

static struct {
	struct cdir d;
	struct strata_capi *api;
	/* The same store, served with an alarm store of one alarm. */
	struct strata_capi *api_al;
	struct strata_alarms *al;
	char al_dir[64];
	struct conv cv[NCONV];
	__u32 num[3], lab;
	__u64 cflows;
} fx;

static void ep6(struct ep *e, __u16 last, __u16 port)
{
	static const __u8 db8[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(e, 0, sizeof(*e));
	memcpy(e->addr, db8, 4);
	e->addr[14] = (__u8)(last >> 8);
	e->addr[15] = (__u8)last;
	e->port = port;
}

/* How many sensors, from the edge, see each conversation. */
static const int conv_hops[NCONV] = { 3, 3, 1, 1, 2, 1 };

/* Conversation @k seen by its first @nhops sensors in @win. */
/* The clock state each hop's location flows note (STRATA_CLOCK_*). */
static __u8 put_clock[3];

/*
 * What location @hop measured of conversation @k: TCP ones a request
 * answered after TT(k, hop) and one after twice that, of three; UDP (C) a
 * DNS query answered after 500 + 10 * hop ns, of two.
 */
#define TT(k, hop)	(1000ULL * ((k) + 1) + 100ULL * (hop))

static void txn_of(struct strata_txn_stats *t, int k, int hop)
{
	memset(t, 0, sizeof(*t));
	if (fx.cv[k].proto == 17) {
		strata_stat_add(&t->dns, 500 + 10 * (__u64)hop);
		t->dns_queries = 2;
		t->dns_unanswered = 1;
		return;
	}
	strata_stat_add(&t->ttfb, TT(k, hop));
	strata_stat_add(&t->ttfb, 2 * TT(k, hop));
	t->requests = 3;
	t->app = STRATA_TXN_APP_HTTP;
}

static void put_conv(struct conv *cv, int nhops, __u64 win)
{
	struct strata_lflow lf;
	int h;

	conv_at(cv, win);
	for (h = 0; h < nhops; h++) {
		struct conv at = *cv;

		/* Core lost 3 of A's requests. */
		if (cv == &fx.cv[A] && h)
			at.packets[0] -= 3;
		mklf(&lf, &at, fx.num[h], h, nhops);
		lf.f.clock_sync = put_clock[h];
		txn_of(&lf.f.txn, (int)(cv - fx.cv), h);
		put_window(fx.d.cs, fx.num[h], win, &lf, 1);
	}
}

/* An alarm store whose rule raised one alarm on A's service in WIN's macroflow window. */
static void alarms_setup(void)
{
	struct strata_alarm_config c;
	struct strata_alarm_rule rule;
	struct strata_macroflow m;
	char err[256] = "";

	strcpy(fx.al_dir, "/tmp/strata-capi-alarm-XXXXXX");
	assert_non_null(mkdtemp(fx.al_dir));
	strata_alarm_config_default(&c);
	c.budget = 16ULL << 20;
	if (strata_alarm_rule_parse("big service bytes above 10", &rule, err, sizeof(err)))
		fail_msg("%s", err);
	c.rules = &rule;
	c.nrules = 1;
	if (strata_alarms_open(fx.al_dir, &c, &fx.al, err, sizeof(err)))
		fail_msg("%s", err);
	memset(&m, 0, sizeof(m));
	m.window_start = MW_OF(WIN);
	m.window_ns = MW_NS;
	m.key.group = STRATA_GROUP_SERVICE;
	m.key.family = 4;
	m.key.proto = 6;
	m.key.port = 80;
	m.key.addr[10] = m.key.addr[11] = 0xff;
	m.key.addr[12] = 192;
	m.key.addr[14] = 2;
	m.key.addr[15] = 1;
	m.cflows = 1;
	m.packets[0] = m.packets[1] = 2;
	m.bytes[0] = m.bytes[1] = 100;
	if (strata_alarms_window(fx.al, m.window_start, MW_NS, &m, 1, NULL, NULL, err,
				 sizeof(err)))
		fail_msg("%s", err);
	fx.api_al = strata_capi_new(fx.d.cs, err, sizeof(err));
	assert_non_null(fx.api_al);
	strata_capi_set_alarms(fx.api_al, fx.al, "");
}

static void alarms_teardown(void)
{
	char p[sizeof(fx.al_dir) + 256];
	struct dirent *e;
	DIR *d;

	strata_capi_free(fx.api_al);
	strata_alarms_close(fx.al);
	d = opendir(fx.al_dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", fx.al_dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(fx.al_dir);
}

static int setup(void **state)
{
	struct strata_sensor s;
	struct strata_hello h;
	char err[256];
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 42);
	cdir_open(&fx.d, 4 * STRATA_CSTORE_BUDGET_MIN);
	for (i = 0; i < 3; i++)
		fx.num[i] = hello(fx.d.cs, sensor_ids[i], WIN);
	memset(&h, 0, sizeof(h));
	strcpy(h.sensor_id, "lab");
	strcpy(h.version, LAB_VERSION);
	assert_int_equal(strata_cstore_hello(fx.d.cs, &h, WIN, &s, err, sizeof(err)), 0);
	fx.lab = s.num;
	for (i = 0; i < NCONV; i++)
		conv_init(&fx.cv[i], &r, 6);
	ep4(&fx.cv[B].cli, 10, 0, 0, 2, 40001);
	fx.cv[B].packets[0] = 50;
	fx.cv[B].packets[1] = 30;
	ep4(&fx.cv[C].cli, 10, 0, 0, 1, 40002);
	ep4(&fx.cv[C].srv, 192, 0, 2, 53, 53);
	fx.cv[C].proto = 17;
	fx.cv[C].packets[0] = fx.cv[C].packets[1] = 2;
	ep4(&fx.cv[D].cli, 10, 0, 0, 3, 40003);
	ep4(&fx.cv[D].srv, 192, 0, 2, 53, 53);
	fx.cv[D].packets[0] = fx.cv[D].packets[1] = 10;
	ep6(&fx.cv[E].cli, 1, 50000);
	ep6(&fx.cv[E].srv, 0x80, 443);
	fx.cv[E].family = 6;
	fx.cv[E].packets[0] = 20;
	fx.cv[E].packets[1] = 15;
	ep4(&fx.cv[G].cli, 10, 0, 0, 1, 40004);
	fx.cv[G].packets[0] = fx.cv[G].packets[1] = 1000;
	for (i = 0; i < NCONV; i++)
		put_conv(&fx.cv[i], conv_hops[i], i == G ? MW2 : WIN);
	assert_int_equal(stitch_all(fx.d.cs), 2);
	fx.cflows = NCONV;
	fx.api = strata_capi_new(fx.d.cs, err, sizeof(err));
	assert_non_null(fx.api);
	alarms_setup();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	strata_capi_free(fx.api);
	alarms_teardown();
	cdir_rm(&fx.d);
	return 0;
}

/* ---- requests ---- */

/*
 * The query of @url (a copy, cut) split at '&' and '=' into @args (a name
 * without '=' has no value); @url is left as the path. Returns how many, or
 * -1 past @max. No cmocka: threads call it too.
 */
static int split_query(char *url, struct strata_api_arg *args, unsigned int max)
{
	char *q = strchr(url, '?'), *tok, *save, *eq;
	unsigned int n = 0;

	if (!q)
		return 0;
	*q++ = 0;
	for (tok = strtok_r(q, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		if (n == max)
			return -1;
		eq = strchr(tok, '=');
		if (eq)
			*eq++ = 0;
		args[n].name = tok;
		args[n++].value = eq;
	}
	return (int)n;
}

/* @method @url ("/api/v1/flows?from=1&group=client"), answered: the status. */
/* @method @url with @auth as its Authorization header (NULL: none). */
static unsigned int req_auth(struct strata_capi *api, const char *method, const char *url,
			     const char *auth, struct strata_api_resp *resp)
{
	struct strata_api_arg args[STRATA_API_ARGS_MAX];
	char buf[512];
	int n;

	assert_true(strlen(url) < sizeof(buf));
	strcpy(buf, url);
	n = split_query(buf, args, STRATA_API_ARGS_MAX);
	assert_true(n >= 0);
	assert_int_equal(strata_capi_handle(api, method, buf, args, (unsigned int)n, auth, resp), 0);
	assert_non_null(resp->body);
	assert_non_null(resp->content_type);
	return resp->status;
}

static unsigned int req(struct strata_capi *api, const char *method, const char *url,
			struct strata_api_resp *resp)
{
	return req_auth(api, method, url, NULL, resp);
}

static json_t *body_json(const struct strata_api_resp *resp)
{
	json_error_t je;
	json_t *j = json_loadb(resp->body, resp->len, 0, &je);

	if (!j)
		fail_msg("not JSON (%s): %.*s", je.text, (int)resp->len, resp->body);
	return j;
}

/* GET @url of @api: a 200 in JSON, parsed whole; *@truncated (may be NULL) as answered. */
static json_t *get_doc_of(struct strata_capi *api, const char *url, bool *truncated)
{
	struct strata_api_resp resp;
	unsigned int st = req(api, "GET", url, &resp);
	json_t *j;

	if (st != 200)
		fail_msg("%s: %u %.*s", url, st, (int)resp.len, resp.body);
	assert_string_equal(resp.content_type, "application/json");
	j = body_json(&resp);
	if (truncated)
		*truncated = resp.truncated;
	strata_api_resp_free(&resp);
	return j;
}

/*
 * GET @url: a 200 in JSON; of a list, its rows. Every list is a container
 * whose schema describes its rows: that is checked here, for every list
 * any test asks for (test_containers checks the schemas' contents).
 */
static json_t *get_of(struct strata_capi *api, const char *url, bool *truncated)
{
	json_t *j = get_doc_of(api, url, truncated), *rows = json_object_get(j, "rows");
	json_t *schema = json_object_get(j, "schema");
	struct strata_container *c;
	char err[512];

	if (!rows)
		return j;	/* info */
	assert_true(json_is_array(rows));
	assert_true(json_is_object(schema));
	assert_string_equal(json_string_value(json_object_get(schema, "version")), STRATA_VERSION);
	/* The processor takes it: every path leads to integers where it must. */
	if (strata_container_load(&c, j, err, sizeof(err)))
		fail_msg("%s: %s", url, err);
	assert_int_equal(strata_container_rows(c), json_array_size(rows));
	strata_container_free(c);
	json_incref(rows);
	json_decref(j);
	return rows;
}

static json_t *get_doc(const char *url, bool *truncated)
{
	return get_doc_of(fx.api, url, truncated);
}

static json_t *get(const char *url, bool *truncated)
{
	return get_of(fx.api, url, truncated);
}

/* GET @url: a JSON array of rows; how many. */
static size_t rows(const char *url, bool *truncated)
{
	json_t *j = get(url, truncated);
	size_t n;

	assert_true(json_is_array(j));
	n = json_array_size(j);
	json_decref(j);
	return n;
}

static __u64 jnum(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", k);
	return (__u64)json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", k);
	return json_string_value(v);
}

/* Item @i of the array @k of @o, an integer. */
static __u64 jat(const json_t *o, const char *k, size_t i)
{
	const json_t *v = json_array_get(json_object_get(o, k), i);

	if (!json_is_integer(v))
		fail_msg("\"%s\"[%zu] is not an integer", k, i);
	return (__u64)json_integer_value(v);
}

/* The connected flow of conversation @k, as the store numbered it. */
static void cflow_id(int k, char *id, size_t len)
{
	struct got g;
	size_t i;

	all_cflows(fx.d.cs, 0, ~0ULL, &g);
	for (i = 0; i < g.n; i++) {
		const struct strata_cflow *c = &((struct strata_cflow *)g.v)[i];

		if (!memcmp(c->key.addr[0], fx.cv[k].cli.addr, 16) &&
		    c->key.port[0] == fx.cv[k].cli.port)
			break;
	}
	assert_true(i < g.n);
	snprintf(id, len, "%llu-%u",
		 (unsigned long long)((struct strata_cflow *)g.v)[i].window_start,
		 ((struct strata_cflow *)g.v)[i].seq);
	free(g.v);
}

/* ---- the OpenAPI document ---- */

/* Every endpoint lib/capi.c serves (with an alarm store), and its method. */
static const struct { const char *path, *method; } endpoints[] = {
	{ "/api/openapi.json", "get" }, { "/api/v1/info", "get" }, { "/api/v1/sensors", "get" },
	{ "/api/v1/macroflows", "get" }, { "/api/v1/flows", "get" },
	{ "/api/v1/flows/{id}", "get" }, { "/api/v1/flows/{id}/locations", "get" },
	{ "/api/v1/flows/{id}/microflows", "get" }, { "/api/v1/flows/{id}/packets", "get" },
	{ "/api/v1/alarms", "get" }, { "/api/v1/alarms/stats", "get" },
	{ "/api/v1/alarms/{alarm}", "get" }, { "/api/v1/alarms/{alarm}/ack", "post" },
};

static void test_openapi(void **state)
{
	struct strata_api_resp resp;
	json_t *doc, *paths, *v, *op;
	const char *path, *method;
	char id[48], url[128];
	size_t i;

	(void)state;
	doc = get_doc_of(fx.api_al, "/api/openapi.json", NULL);
	assert_string_equal(jstr(doc, "openapi"), "3.0.3");
	paths = json_object_get(doc, "paths");
	assert_true(json_is_object(paths));
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
		if (!json_is_object(json_object_get(json_object_get(paths, endpoints[i].path),
						    endpoints[i].method)))
			fail_msg("%s %s: not in the document", endpoints[i].method,
				 endpoints[i].path);
	assert_int_equal(json_object_size(paths), sizeof(endpoints) / sizeof(endpoints[0]));

	/* Every path documented answers a valid request. */
	cflow_id(A, id, sizeof(id));
	json_object_foreach(paths, path, v) {
		const char *brace = strstr(path, "{id}");

		if (brace)
			snprintf(url, sizeof(url), "%.*s%s%s", (int)(brace - path), path, id,
				 brace + 4);
		else if ((brace = strstr(path, "{alarm}")))
			snprintf(url, sizeof(url), "%.*s1%s", (int)(brace - path), path, brace + 7);
		else
			snprintf(url, sizeof(url), "%s", path);
		/* One method a path: get, or post (an acknowledgement). */
		assert_int_equal(json_object_size(v), 1);
		method = json_is_object(json_object_get(v, "post")) ? "post" : "get";
		op = json_object_get(v, method);
		assert_true(json_is_object(op));
		/*
		 * Drill-down asks the sensors, and this fixture's have no API:
		 * the answer says none on the path answered (tests/offline's
		 * central_check.py drills down through real ones).
		 */
		if (strstr(path, "/microflows") || strstr(path, "/packets")) {
			if (req(fx.api_al, "GET", url, &resp) != 502 ||
			    !memmem(resp.body, resp.len, "no sensor on the path answered", 30))
				fail_msg("%s: %u %.*s", url, resp.status, (int)resp.len, resp.body);
		} else if (!strcmp(method, "post")) {
			/* An acknowledgement: this API has no api-token to take one. */
			if (req(fx.api_al, "POST", url, &resp) != 403 ||
			    !memmem(resp.body, resp.len, "api-token", 9))
				fail_msg("%s: %u %.*s", url, resp.status, (int)resp.len, resp.body);
		} else if (req(fx.api_al, "GET", url, &resp) != 200) {
			fail_msg("%s: %u %.*s", url, resp.status, (int)resp.len, resp.body);
		}
		strata_api_resp_free(&resp);
	}
	json_decref(doc);
	/* It takes no parameters. */
	assert_int_equal(req(fx.api, "GET", "/api/openapi.json?format=csv", &resp), 400);
	strata_api_resp_free(&resp);
}

/* ---- alarms: a container like every list ---- */

static void test_alarms(void **state)
{
	json_t *doc, *rows, *fd, *a;
	bool rule = false, start = false;
	size_t i;

	(void)state;
	doc = get_doc_of(fx.api_al, "/api/v1/alarms?state=all", NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "schema"),
							      "type")), "alarms");
	json_array_foreach(json_object_get(json_object_get(doc, "schema"), "fields"), i, fd) {
		if (!strcmp(jstr(fd, "name"), "rule"))
			rule = !strcmp(jstr(fd, "kind"), "key") && !strcmp(jstr(fd, "type"), "string");
		if (!strcmp(jstr(fd, "name"), "start_ns"))
			start = !strcmp(jstr(fd, "kind"), "fundamental") &&
				!strcmp(jstr(fd, "unit"), "ns");
	}
	assert_true(rule && start);
	json_decref(doc);
	/* get_of() checks the schema and that the processor takes the rows. */
	rows = get_of(fx.api_al, "/api/v1/alarms?state=all", NULL);
	assert_int_equal(json_array_size(rows), 1);
	a = json_array_get(rows, 0);
	assert_string_equal(jstr(a, "rule"), "big");
	assert_string_equal(jstr(a, "key"), "192.0.2.1:80/tcp");
	assert_int_equal(jnum(a, "start_ns"), MW_OF(WIN));
	json_decref(rows);
	/* One alarm: a container of its row; the counters an object. */
	rows = get_of(fx.api_al, "/api/v1/alarms/1", NULL);
	assert_int_equal(json_array_size(rows), 1);
	assert_int_equal(jnum(json_array_get(rows, 0), "id"), 1);
	json_decref(rows);
	a = get_doc_of(fx.api_al, "/api/v1/alarms/stats", NULL);
	assert_int_equal(jnum(a, "alarms_raised"), 1);
	json_decref(a);
	/* Without an alarm store, no alarm endpoint. */
	{
		struct strata_api_resp resp;

		assert_int_equal(req(fx.api, "GET", "/api/v1/alarms", &resp), 404);
		strata_api_resp_free(&resp);
	}
}

/* ---- info and sensors ---- */

static void test_info(void **state)
{
	struct strata_cstore_info in;
	char err[256];
	json_t *j;

	(void)state;
	assert_int_equal(strata_cstore_info(fx.d.cs, &in, err, sizeof(err)), 0);
	j = get("/api/v1/info", NULL);
	assert_int_equal(jnum(j, "sensors"), 4);
	assert_int_equal(jnum(j, "location_flows"), 3 + 3 + 1 + 1 + 2 + 1);
	assert_int_equal(jnum(j, "connected_flows"), fx.cflows);
	/* WIN: 4 services, 4 clients, 4 applications; MW2: one of each. */
	assert_int_equal(jnum(j, "macroflows"), 15);
	assert_int_equal(jnum(j, "windows_to_stitch"), 0);
	assert_int_equal(jnum(j, "budget"), 4 * STRATA_CSTORE_BUDGET_MIN);
	assert_int_equal(jnum(j, "used_bytes"), in.used_bytes);
	assert_int_equal(jnum(j, "macro_window_ns"), MW_NS);
	json_decref(j);
}

static void test_sensors(void **state)
{
	json_t *j, *s;
	size_t i;

	(void)state;
	j = get("/api/v1/sensors", NULL);
	assert_int_equal(json_array_size(j), 4);
	json_array_foreach(j, i, s) {
		if (!strcmp(jstr(s, "id"), "lab")) {
			assert_int_equal(jnum(s, "num"), fx.lab);
			assert_string_equal(jstr(s, "version"), LAB_VERSION);
			assert_int_equal(jnum(s, "location_flows"), 0);
			assert_int_equal(jnum(s, "through_ns"), 0);
			continue;
		}
		assert_true(i < 3);
		assert_string_equal(jstr(s, "id"), sensor_ids[i]);
		assert_int_equal(jnum(s, "num"), fx.num[i]);
		assert_string_equal(jstr(s, "version"), "0.2.0");
		assert_string_equal(jstr(s, "clock"), "synchronised");
		assert_int_equal(jnum(s, "first_seen_ns"), WIN);
		/* edge saw every conversation, core A, B and E, dc A and B. */
		assert_int_equal(jnum(s, "location_flows"), i == 0 ? 6 : i == 1 ? 3 : 2);
		assert_int_equal(jnum(s, "resent"), 0);
		assert_int_equal(jnum(s, "through_ns"), i ? WIN + FW : MW2 + FW);
	}
	json_decref(j);
}

/* ---- macroflows ---- */

static double real_of(json_t *row, const char *k)
{
	json_t *v = json_object_get(row, k);

	if (!json_is_real(v))
		fail_msg("\"%s\" is not a real", k);
	return json_real_value(v);
}


/* The row of @rows whose key has "addr" (or "app") @what and window @ws. */
static json_t *row_of(json_t *rows, const char *field, const char *what, const char *proto,
		      __u64 ws)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r) {
		json_t *k = json_object_get(r, "key");

		if (jnum(r, "window_start_ns") == ws && !strcmp(jstr(k, field), what) &&
		    (!proto || !strcmp(jstr(k, "proto"), proto)))
			return r;
	}
	fail_msg("no macroflow of %s %s", field, what);
	return NULL;
}

static void assert_pair(const json_t *o, const char *k, __u64 a, __u64 b)
{
	assert_int_equal(jat(o, k, 0), a);
	assert_int_equal(jat(o, k, 1), b);
}

/* A stat's JSON ("n", "sum", "min", "max") against @s. */
static void assert_jstat(const json_t *o, const struct strata_stat *s)
{
	assert_non_null(o);
	assert_int_equal(jnum(o, "n"), s->n);
	assert_int_equal(jnum(o, "sum"), s->sum);
	assert_int_equal(jnum(o, "min"), s->n ? s->min : 0);
	assert_int_equal(jnum(o, "max"), s->max);
}

/* @o's "txn" against @t; "app" only where @app. */
static void assert_txn(const json_t *o, const struct strata_txn_stats *t, bool app)
{
	const json_t *x = json_object_get(o, "txn");

	assert_non_null(x);
	assert_jstat(json_object_get(x, "ttfb"), &t->ttfb);
	assert_jstat(json_object_get(x, "resp"), &t->resp);
	assert_jstat(json_object_get(x, "dns"), &t->dns);
	assert_int_equal(jnum(x, "requests"), t->requests);
	assert_int_equal(jnum(x, "dns_queries"), t->dns_queries);
	assert_int_equal(jnum(x, "dns_unanswered"), t->dns_unanswered);
	if (app)
		assert_int_equal(jnum(x, "app"), t->app);
	else
		assert_null(json_object_get(x, "app"));
}

/* The last hops' transaction timing of conversations @k[0..n), summed. */
static void txn_last(struct strata_txn_stats *sum, const int *k, size_t n)
{
	struct strata_txn_stats t;
	size_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		txn_of(&t, k[i], conv_hops[k[i]] - 1);
		strata_txn_merge(sum, &t);
	}
	sum->app = 0;
}

static void test_macroflows(void **state)
{
	static const int ab[] = { A, B }, ac[] = { A, C };
	struct strata_txn_stats want;
	json_t *j, *m, *k;

	(void)state;
	/* The services, by bytes: G's first; A and B are one. */
	j = get("/api/v1/macroflows", NULL);
	assert_int_equal(json_array_size(j), 5);
	m = json_array_get(j, 0);
	assert_int_equal(jnum(m, "window_start_ns"), MW2);
	assert_string_equal(jstr(m, "group"), "service");
	m = row_of(j, "addr", "192.0.2.10", NULL, MW_OF(WIN));
	k = json_object_get(m, "key");
	assert_int_equal(jnum(k, "port"), 80);
	assert_string_equal(jstr(k, "proto"), "tcp");
	assert_int_equal(jnum(m, "window_ns"), MW_NS);
	assert_int_equal(jnum(m, "connected_flows"), 2);
	assert_pair(m, "packets", 150, 110);
	assert_pair(m, "bytes", 15000, 11000);
	assert_pair(m, "lost", 3, 0);
	assert_int_equal(jnum(m, "locations"), 6);
	assert_int_equal(jnum(json_object_get(m, "delay_ns"), "n"), 2);
	assert_int_equal(jnum(json_object_get(m, "delay_ns"), "sum"), 4 * DELAY);
	/* A's and B's transactions as dc, by the server, measured them. */
	txn_last(&want, ab, 2);
	assert_int_equal(want.ttfb.n, 4);
	assert_int_equal(want.ttfb.sum, 3 * TT(A, 2) + 3 * TT(B, 2));
	assert_txn(m, &want, false);
	m = row_of(j, "addr", "2001:db8::80", NULL, MW_OF(WIN));
	assert_int_equal(jnum(json_object_get(m, "key"), "port"), 443);
	assert_int_equal(jnum(m, "locations"), 2);
	json_decref(j);

	j = get("/api/v1/macroflows?group=client", NULL);
	assert_int_equal(json_array_size(j), 5);
	m = row_of(j, "addr", "10.0.0.1", NULL, MW_OF(WIN));
	assert_string_equal(jstr(m, "group"), "client");
	/* A and C: A's requests at dc, C's DNS at the edge, its only location. */
	assert_int_equal(jnum(m, "connected_flows"), 2);
	assert_pair(m, "packets", 102, 82);
	txn_last(&want, ac, 2);
	assert_int_equal(want.dns.n, 1);
	assert_txn(m, &want, false);
	row_of(j, "addr", "2001:db8::1", NULL, MW_OF(WIN));
	json_decref(j);

	j = get("/api/v1/macroflows?group=application", NULL);
	assert_int_equal(json_array_size(j), 5);
	assert_int_equal(jnum(row_of(j, "app", "http", NULL, MW_OF(WIN)), "connected_flows"), 2);
	assert_int_equal(jnum(row_of(j, "app", "dns", "udp", MW_OF(WIN)), "connected_flows"), 1);
	assert_int_equal(jnum(row_of(j, "app", "dns", "tcp", MW_OF(WIN)), "connected_flows"), 1);
	assert_int_equal(jnum(row_of(j, "app", "https", "tcp", MW_OF(WIN)), "connected_flows"), 1);
	json_decref(j);
}

/* The value of each sort, rows in order: never rising (time: never falling). */
static __u64 sort_key(const json_t *m, const char *by)
{
	if (!strcmp(by, "bytes"))
		return jat(m, "bytes", 0) + jat(m, "bytes", 1);
	if (!strcmp(by, "packets"))
		return jat(m, "packets", 0) + jat(m, "packets", 1);
	if (!strcmp(by, "flows"))
		return jnum(m, "connected_flows");
	if (!strcmp(by, "lost"))
		return jat(m, "lost", 0) + jat(m, "lost", 1);
	return ~jnum(m, "window_start_ns");
}

static void test_macroflows_sort_limit(void **state)
{
	static const char *const sorts[] = { "bytes", "packets", "flows", "lost", "time" };
	static const char *const groups[] = { "service", "client", "application" };
	char url[128];
	bool trunc;
	size_t s, g, i;
	json_t *j;

	(void)state;
	for (g = 0; g < 3; g++) {
		for (s = 0; s < 5; s++) {
			snprintf(url, sizeof(url), "/api/v1/macroflows?group=%s&sort=%s", groups[g],
				 sorts[s]);
			j = get(url, NULL);
			assert_int_equal(json_array_size(j), 5);
			for (i = 1; i < 5; i++)
				assert_true(sort_key(json_array_get(j, i - 1), sorts[s]) >=
					    sort_key(json_array_get(j, i), sorts[s]));
			json_decref(j);
		}
	}
	/* Only A lost packets; the flows: A and B's groups first. */
	j = get("/api/v1/macroflows?sort=lost", NULL);
	assert_int_equal(jat(json_array_get(j, 0), "lost", 0), 3);
	assert_int_equal(jat(json_array_get(j, 1), "lost", 0), 0);
	json_decref(j);
	j = get("/api/v1/macroflows?sort=flows", NULL);
	assert_int_equal(jnum(json_array_get(j, 0), "connected_flows"), 2);
	json_decref(j);
	j = get("/api/v1/macroflows?sort=time", NULL);
	assert_int_equal(jnum(json_array_get(j, 4), "window_start_ns"), MW2);
	json_decref(j);

	/* A limit cuts, and says so; the first rows are the same. */
	assert_int_equal(rows("/api/v1/macroflows?limit=2", &trunc), 2);
	assert_true(trunc);
	assert_int_equal(rows("/api/v1/macroflows?limit=4", &trunc), 4);
	assert_true(trunc);
	assert_int_equal(rows("/api/v1/macroflows?limit=5", &trunc), 5);
	assert_false(trunc);
	assert_int_equal(rows("/api/v1/macroflows?limit=100000", &trunc), 5);
	assert_false(trunc);
	j = get("/api/v1/macroflows?limit=1&sort=packets", &trunc);
	assert_int_equal(jnum(json_array_get(j, 0), "window_start_ns"), MW2);
	json_decref(j);
}

static void test_macroflows_filters(void **state)
{
	char url[128];

	(void)state;
	assert_int_equal(rows("/api/v1/macroflows?addr=192.0.2.10", NULL), 2);
	assert_int_equal(rows("/api/v1/macroflows?addr=192.0.2.53", NULL), 2);
	assert_int_equal(rows("/api/v1/macroflows?addr=192.0.2.99", NULL), 0);
	assert_int_equal(rows("/api/v1/macroflows?addr=2001:db8::80", NULL), 1);
	assert_int_equal(rows("/api/v1/macroflows?addr=192.0.2.53&proto=udp", NULL), 1);
	assert_int_equal(rows("/api/v1/macroflows?port=53", NULL), 2);
	assert_int_equal(rows("/api/v1/macroflows?port=80&proto=6", NULL), 2);
	assert_int_equal(rows("/api/v1/macroflows?proto=udp", NULL), 1);
	assert_int_equal(rows("/api/v1/macroflows?group=client&addr=10.0.0.1", NULL), 2);
	assert_int_equal(rows("/api/v1/macroflows?group=client&addr=2001:db8::1", NULL), 1);
	assert_int_equal(rows("/api/v1/macroflows?group=application&app=dns", NULL), 2);
	assert_int_equal(rows("/api/v1/macroflows?group=application&app=dns&proto=tcp", NULL), 1);
	assert_int_equal(rows("/api/v1/macroflows?group=application&app=http", NULL), 2);
	/* Filters of another grouping match nothing. */
	assert_int_equal(rows("/api/v1/macroflows?group=application&addr=10.0.0.1", NULL), 0);
	/* A time range: the macroflow windows it touches. */
	snprintf(url, sizeof(url), "/api/v1/macroflows?from=%llu", MW2 / W1S);
	assert_int_equal(rows(url, NULL), 1);
	snprintf(url, sizeof(url), "/api/v1/macroflows?to=%llu.%09llu", (MW2 - 1) / W1S,
		 (MW2 - 1) % W1S);
	assert_int_equal(rows(url, NULL), 4);
	snprintf(url, sizeof(url), "/api/v1/macroflows?from=%llu&to=%llu", T0 / W1S,
		 T0 / W1S + 1);
	assert_int_equal(rows(url, NULL), 4);
}

/*
 * Whether connected flow @c (as the API shows it) is of macroflow @m: its
 * group's key and its window.
 */
static bool of_macro(const json_t *c, const json_t *m)
{
	const json_t *k = json_object_get(m, "key");
	const char *group = jstr(m, "group");
	__u64 ws = jnum(c, "window_start_ns");
	char app[STRATA_APP_MAX];
	__u8 proto;

	if (ws < jnum(m, "window_start_ns") ||
	    ws >= jnum(m, "window_start_ns") + jnum(m, "window_ns"))
		return false;
	if (!strcmp(group, "client"))
		return !strcmp(jstr(c, "client"), jstr(k, "addr"));
	if (strcmp(jstr(c, "proto"), jstr(k, "proto")))
		return false;
	if (!strcmp(group, "service"))
		return !strcmp(jstr(c, "server_at_last_hop"), jstr(k, "addr")) &&
		       jnum(c, "server_port_at_last_hop") == jnum(k, "port");
	assert_int_equal(strata_kw_proto(jstr(c, "proto"), &proto), 0);
	strata_app_name(proto, (__u16)jnum(c, "server_port_at_last_hop"), app, sizeof(app));
	return !strcmp(app, jstr(k, "app"));
}

/* Every macroflow's "flows" link lists exactly its connected flows. */
static void test_macroflow_links(void **state)
{
	static const char *const groups[] = { "service", "client", "application" };
	json_t *all, *ms, *m, *fl, *c;
	size_t g, i, n, want, got;
	char url[64];

	(void)state;
	all = get("/api/v1/flows", NULL);
	assert_int_equal(json_array_size(all), fx.cflows);
	for (g = 0; g < 3; g++) {
		snprintf(url, sizeof(url), "/api/v1/macroflows?group=%s", groups[g]);
		ms = get(url, NULL);
		n = 0;
		json_array_foreach(ms, i, m) {
			size_t k;

			fl = get(jstr(m, "flows"), NULL);
			got = json_array_size(fl);
			assert_int_equal(got, jnum(m, "connected_flows"));
			json_array_foreach(fl, k, c)
				if (!of_macro(c, m))
					fail_msg("%s: flow %s is not of it", jstr(m, "flows"),
						 jstr(c, "id"));
			want = 0;
			json_array_foreach(all, k, c)
				want += of_macro(c, m);
			assert_int_equal(got, want);
			n += got;
			json_decref(fl);
		}
		/* Each connected flow is in one macroflow of each grouping. */
		assert_int_equal(n, fx.cflows);
		json_decref(ms);
	}
	json_decref(all);
}

/* ---- connected flows ---- */

static void test_flows(void **state)
{
	static const char *const matched[3] = { "first", "key", "key" };
	struct strata_txn_stats want;
	struct strata_api_resp resp;
	json_t *all, *one, *c = NULL, *p, *h;
	char id[48], url[96];
	bool trunc;
	size_t i;

	(void)state;
	cflow_id(A, id, sizeof(id));
	all = get("/api/v1/flows", &trunc);
	assert_false(trunc);
	json_array_foreach(all, i, c)
		if (!strcmp(jstr(c, "id"), id))
			break;
	assert_non_null(c);
	assert_int_equal(jnum(c, "window_start_ns"), WIN);
	assert_string_equal(jstr(c, "client"), "10.0.0.1");
	assert_int_equal(jnum(c, "client_port"), 40000);
	assert_string_equal(jstr(c, "server"), "192.0.2.10");
	assert_int_equal(jnum(c, "server_port"), 80);
	assert_string_equal(jstr(c, "proto"), "tcp");
	assert_int_equal(jnum(c, "locations"), 3);
	p = json_object_get(c, "path");
	assert_int_equal(json_array_size(p), 3);
	json_array_foreach(p, i, h) {
		assert_string_equal(jstr(h, "sensor"), sensor_ids[i]);
		assert_int_equal(jnum(h, "sensor_num"), fx.num[i]);
		assert_string_equal(jstr(h, "matched"), matched[i]);
		assert_string_equal(jstr(h, "conversation"), "10.0.0.1:40000-192.0.2.10:80/tcp");
		assert_pair(h, "packets", i ? 97 : 100, 80);
		assert_pair(h, "lost", i == 1 ? 3 : 0, 0);
		assert_pair(h, "ttl", 64 - i, 64 - (2 - i));
		if (i)
			assert_int_equal(jat(h, "delay_ns", 0), DELAY);
		else
			assert_true(json_is_null(json_array_get(json_object_get(h, "delay_ns"), 0)));
		/* What each location measured. */
		txn_of(&want, A, (int)i);
		assert_txn(h, &want, true);
	}
	/* The flow's own: its last location's, as macroflows count it. */
	txn_of(&want, A, 2);
	want.app = 0;
	assert_txn(c, &want, false);

	/* One by its id: a container of one row, the same as in the list. */
	snprintf(url, sizeof(url), "/api/v1/flows/%s", id);
	one = get(url, NULL);
	assert_int_equal(json_array_size(one), 1);
	assert_true(json_equal(json_array_get(one, 0), c));
	json_decref(one);
	/* Its schema: the flows', over the flow's window; derived fields asked. */
	snprintf(url, sizeof(url), "/api/v1/flows/%s?fields=avg_pkt_size", id);
	one = get_doc(url, NULL);
	assert_string_equal(jstr(json_object_get(one, "schema"), "type"), "flows");
	assert_int_equal(jnum(json_object_get(json_object_get(one, "schema"), "interval"),
			      "from_ns"), jnum(c, "window_start_ns"));
	assert_true(json_is_real(json_object_get(json_array_get(json_object_get(one, "rows"), 0),
						 "avg_pkt_size")));
	json_decref(one);
	json_decref(all);
	{
		struct strata_api_resp resp;

		snprintf(url, sizeof(url), "/api/v1/flows/%s?fields=nope", id);
		assert_int_equal(req(fx.api, "GET", url, &resp), 400);
		assert_non_null(memmem(resp.body, resp.len, "nope", 4));
		strata_api_resp_free(&resp);
	}

	/* IPv6. */
	cflow_id(E, id, sizeof(id));
	snprintf(url, sizeof(url), "/api/v1/flows/%s", id);
	one = get(url, NULL);
	assert_int_equal(json_array_size(one), 1);
	json_incref(json_array_get(one, 0));
	{
		json_t *row = json_array_get(one, 0);

		json_decref(one);
		one = row;
	}
	assert_string_equal(jstr(one, "client"), "2001:db8::1");
	assert_string_equal(jstr(one, "server"), "2001:db8::80");
	assert_int_equal(jnum(one, "locations"), 2);
	assert_string_equal(jstr(json_array_get(json_object_get(one, "path"), 1), "conversation"),
			    "[2001:db8::1]:50000-[2001:db8::80]:443/tcp");
	json_decref(one);

	/* Limits and ranges. */
	assert_int_equal(rows("/api/v1/flows?limit=2", &trunc), 2);
	assert_true(trunc);
	assert_int_equal(rows("/api/v1/flows?limit=6", &trunc), 6);
	assert_false(trunc);
	snprintf(url, sizeof(url), "/api/v1/flows?from=%llu", MW2 / W1S);
	assert_int_equal(rows(url, NULL), 1);
	assert_int_equal(rows("/api/v1/flows?group=client&addr=10.0.0.1", NULL), 3);
	assert_int_equal(rows("/api/v1/flows?proto=udp", NULL), 1);

	/* A flow that is not there. */
	snprintf(url, sizeof(url), "/api/v1/flows/%llu-%u", WIN, 99);
	assert_int_equal(req(fx.api, "GET", url, &resp), 404);
	strata_api_resp_free(&resp);
}

static void test_locations(void **state)
{
	struct strata_txn_stats want;
	json_t *j, *l, *d;
	char id[48], url[96];
	size_t i;

	(void)state;
	cflow_id(A, id, sizeof(id));
	snprintf(url, sizeof(url), "/api/v1/flows/%s/locations", id);
	j = get(url, NULL);
	assert_int_equal(json_array_size(j), 3);
	json_array_foreach(j, i, l) {
		assert_string_equal(jstr(l, "sensor"), sensor_ids[i]);
		assert_int_equal(jnum(l, "sensor_num"), fx.num[i]);
		assert_string_equal(jstr(l, "conversation"), "10.0.0.1:40000-192.0.2.10:80/tcp");
		assert_int_equal(jnum(l, "window_start_ns"), WIN);
		assert_true(json_is_true(json_object_get(l, "initiator_known")));
		/* dir[initiator]: what the client sent. */
		d = json_array_get(json_object_get(l, "dir"), jnum(l, "initiator"));
		assert_int_equal(jnum(d, "packets"), i ? 97 : 100);
		assert_int_equal(json_array_size(json_object_get(d, "fingerprints")),
				 STRATA_FP_SAMPLE);
		txn_of(&want, A, (int)i);
		assert_txn(l, &want, true);
	}
	json_decref(j);

	/* avg_ttfb per location: each its own. */
	strcat(url, "?fields=avg_ttfb,answer_ratio");
	j = get_doc(url, NULL);
	json_array_foreach(json_object_get(j, "rows"), i, l) {
		assert_true(real_of(l, "avg_ttfb") == 3.0 * (double)TT(A, i) / 2.0);
		assert_true(real_of(l, "answer_ratio") == 2.0 / 3.0);
	}
	assert_int_equal(i, 3);
	json_decref(j);
}

/* ---- CSV ---- */

/* A CSV body, RFC 4180: records of fields, quotes undone. */
struct csv {
	char ***rec;
	size_t *nf;
	size_t n;
};

static void csv_record(struct csv *t)
{
	t->rec = realloc(t->rec, (t->n + 1) * sizeof(*t->rec));
	t->nf = realloc(t->nf, (t->n + 1) * sizeof(*t->nf));
	assert_true(t->rec && t->nf);
	t->rec[t->n] = NULL;
	t->nf[t->n++] = 0;
}

static void csv_field(struct csv *t, char *field, size_t *fl)
{
	size_t r = t->n - 1;

	field[*fl] = 0;
	t->rec[r] = realloc(t->rec[r], (t->nf[r] + 1) * sizeof(char *));
	assert_non_null(t->rec[r]);
	t->rec[r][t->nf[r]++] = strdup(field);
	*fl = 0;
}

static void csv_parse(const char *b, size_t len, struct csv *t)
{
	char field[512];
	size_t i = 0, fl = 0;
	bool quoted = false;

	memset(t, 0, sizeof(*t));
	csv_record(t);
	while (i < len) {
		char ch = b[i++];

		assert_true(fl < sizeof(field) - 1);
		if (quoted && ch == '"' && i < len && b[i] == '"') {
			field[fl++] = '"';
			i++;
		} else if (ch == '"') {
			/* A quote opens a field or closes it, nowhere else. */
			assert_true(quoted || !fl);
			quoted = !quoted;
		} else if (quoted) {
			field[fl++] = ch;
		} else if (ch == ',') {
			csv_field(t, field, &fl);
		} else if (ch == '\r') {
			/* Every line ends in CRLF. */
			assert_true(i < len && b[i] == '\n');
			i++;
			csv_field(t, field, &fl);
			if (i < len)
				csv_record(t);
		} else {
			/* No bare line feed, as a line end or in a field. */
			assert_int_not_equal(ch, '\n');
			field[fl++] = ch;
		}
	}
	assert_false(quoted);
	assert_int_equal(fl, 0);
}

static void csv_free(struct csv *t)
{
	size_t r, f;

	for (r = 0; r < t->n; r++) {
		for (f = 0; f < t->nf[r]; f++)
			free(t->rec[r][f]);
		free(t->rec[r]);
	}
	free(t->rec);
	free(t->nf);
}

/* The column named @name of the header, or fail. */
static size_t csv_col(const struct csv *t, const char *name)
{
	size_t f;

	for (f = 0; f < t->nf[0]; f++)
		if (!strcmp(t->rec[0][f], name))
			return f;
	fail_msg("no column %s", name);
	return 0;
}

/* GET @url as CSV: text/csv, a header and @nrows rows of its width. */
static void get_csv(const char *url, size_t nrows, struct csv *t)
{
	struct strata_api_resp resp;
	size_t r;

	if (req(fx.api, "GET", url, &resp) != 200)
		fail_msg("%s: %u %.*s", url, resp.status, (int)resp.len, resp.body);
	assert_string_equal(resp.content_type, "text/csv; charset=utf-8");
	assert_true(resp.len >= 2);
	assert_memory_equal(resp.body + resp.len - 2, "\r\n", 2);
	csv_parse(resp.body, resp.len, t);
	strata_api_resp_free(&resp);
	assert_int_equal(t->n, nrows + 1);
	for (r = 1; r < t->n; r++)
		assert_int_equal(t->nf[r], t->nf[0]);
}

static void test_csv(void **state)
{
	size_t id, ver, r, n = 0;
	char idbuf[48], url[96];
	struct csv t;

	(void)state;
	get_csv("/api/v1/sensors?format=csv", 4, &t);
	id = csv_col(&t, "id");
	ver = csv_col(&t, "version");
	csv_col(&t, "through_ns");
	for (r = 1; r < t.n; r++) {
		if (strcmp(t.rec[r][id], "lab"))
			continue;
		/* The comma and the quotes survive the trip. */
		assert_string_equal(t.rec[r][ver], LAB_VERSION);
		n++;
	}
	assert_int_equal(n, 1);
	csv_free(&t);

	get_csv("/api/v1/macroflows?format=csv&group=application", 5, &t);
	id = csv_col(&t, "key.app");
	csv_col(&t, "packets.1");
	for (r = 1, n = 0; r < t.n; r++)
		n += !strcmp(t.rec[r][id], "dns");
	assert_int_equal(n, 2);
	csv_free(&t);

	get_csv("/api/v1/flows?format=csv", fx.cflows, &t);
	csv_col(&t, "path.0.sensor");
	/* A's path has three locations: their columns are there for all. */
	csv_col(&t, "path.2.packets.0");
	csv_free(&t);

	cflow_id(A, idbuf, sizeof(idbuf));
	snprintf(url, sizeof(url), "/api/v1/flows/%s/locations?format=csv", idbuf);
	get_csv(url, 3, &t);
	assert_string_equal(t.rec[1][csv_col(&t, "sensor")], "edge");
	assert_string_equal(t.rec[3][csv_col(&t, "conversation")],
			    "10.0.0.1:40000-192.0.2.10:80/tcp");
	csv_free(&t);
}

/* ---- errors ---- */

static const struct bad_req {
	const char *method;
	const char *url;
	unsigned int status;
	const char *says;	/* in the message: the parameter at fault */
} bad_reqs[] = {
	{ "GET", "/api/v1/nothing", 404, "nothing" },
	{ "GET", "/nothing", 404, "no such endpoint" },
	{ "GET", "/api/v1/flows/1-2/paths", 404, "/paths" },
	{ "POST", "/api/v1/info", 405, "POST" },
	{ "DELETE", "/api/v1/flows", 405, "DELETE" },
	{ "GET", "/api/v1/info?x=1", 400, "'x'" },
	{ "GET", "/api/v1/sensors?limit=1", 400, "'limit'" },
	{ "GET", "/api/v1/flows?sort=bytes", 400, "'sort'" },
	{ "GET", "/api/v1/flows/1-0?format=csv", 400, "'format'" },
	{ "GET", "/api/v1/macroflows?limit=1&limit=2", 400, "limit" },
	{ "GET", "/api/v1/flows?group=client&group=client", 400, "group" },
	{ "GET", "/api/v1/macroflows?limit", 400, "limit" },
	{ "GET", "/api/v1/macroflows?from=yesterday", 400, "from" },
	{ "GET", "/api/v1/macroflows?to=2026-13-01T00:00:00Z", 400, "to" },
	{ "GET", "/api/v1/flows?from=20&to=10", 400, "from" },
	{ "GET", "/api/v1/flows?limit=0", 400, "limit" },
	{ "GET", "/api/v1/flows?limit=100001", 400, "limit" },
	{ "GET", "/api/v1/macroflows?limit=-1", 400, "limit" },
	{ "GET", "/api/v1/macroflows?limit=ten", 400, "limit" },
	{ "GET", "/api/v1/macroflows?group=server", 400, "group" },
	{ "GET", "/api/v1/macroflows?sort=size", 400, "sort" },
	{ "GET", "/api/v1/macroflows?addr=10.0.0.300", 400, "addr" },
	{ "GET", "/api/v1/macroflows?addr=10.0.0.0/24", 400, "addr" },
	{ "GET", "/api/v1/flows?addr=example.org", 400, "addr" },
	{ "GET", "/api/v1/macroflows?port=65536", 400, "port" },
	{ "GET", "/api/v1/macroflows?port=-1", 400, "port" },
	{ "GET", "/api/v1/flows?proto=tcpx", 400, "proto" },
	{ "GET", "/api/v1/flows?proto=256", 400, "proto" },
	{ "GET", "/api/v1/sensors?format=xml", 400, "format" },
	{ "GET", "/api/v1/flows/abc", 400, "ID" },
	{ "GET", "/api/v1/flows/1-", 400, "ID" },
	{ "GET", "/api/v1/flows/-1", 400, "ID" },
	{ "GET", "/api/v1/flows/1-2-3", 400, "ID" },
	{ "GET", "/api/v1/flows/18446744073709551616-0", 400, "ID" },
	{ "GET", "/api/v1/flows/99999999999999999999-0", 400, "ID" },
	{ "GET", "/api/v1/flows/1-4294967296", 400, "ID" },
	{ "GET", "/api/v1/flows/1-+2", 400, "ID" },
	{ "GET", "/api/v1/flows/abc/locations", 400, "ID" },
	{ "GET", "/api/v1/flows/0-0", 404, "no such" },
	{ "GET", "/api/v1/flows/0-0/locations", 404, "no such" },
	{ "GET", "/api/v1/macroflows?fields=avg_rtt_hs,nonesuch", 400,
	  "fields: 'nonesuch' is not a metric of macroflows rows; derived ones here: " },
	/* Data RTTs are not in macroflows: refused, what is there listed. */
	{ "GET", "/api/v1/macroflows?fields=avg_rtt_data", 400, "loss_ratio, avg_delay" },
	{ "GET", "/api/v1/flows?fields=avg_rtt_hs", 400, "'avg_rtt_hs' is not a metric of flows" },
	{ "GET", "/api/v1/sensors?fields=pkt_rate", 400, "'pkt_rate' is not a metric of sensors" },
};

static void test_errors(void **state)
{
	struct strata_api_resp resp;
	size_t i;
	json_t *j;

	(void)state;
	for (i = 0; i < sizeof(bad_reqs) / sizeof(bad_reqs[0]); i++) {
		const struct bad_req *b = &bad_reqs[i];
		const char *msg;

		if (req(fx.api, b->method, b->url, &resp) != b->status)
			fail_msg("%s %s: %u, not %u: %.*s", b->method, b->url, resp.status,
				 b->status, (int)resp.len, resp.body);
		assert_string_equal(resp.content_type, "application/json");
		assert_false(resp.truncated);
		if (b->status == 405)
			assert_string_equal(resp.allow, "GET");
		else
			assert_null(resp.allow);
		j = body_json(&resp);
		assert_int_equal(json_object_size(j), 1);
		msg = jstr(j, "error");
		if (!strstr(msg, b->says))
			fail_msg("%s %s: \"%s\" does not say %s", b->method, b->url, msg, b->says);
		json_decref(j);
		strata_api_resp_free(&resp);
	}
}

/* ---- threads ---- */

#define TH_N		4
#define TH_ROUNDS	40

static void *caller_main(void *arg)
{
	static const char *const urls[] = {
		"/api/v1/info", "/api/v1/sensors?format=csv", "/api/v1/macroflows?group=client",
		"/api/v1/macroflows?sort=time&format=csv", "/api/v1/flows?limit=3",
		"/api/v1/flows?addr=192.0.2.10", "/api/openapi.json",
	};
	unsigned int *bad = arg, i, k;

	for (i = 0; i < TH_ROUNDS; i++) {
		for (k = 0; k < sizeof(urls) / sizeof(urls[0]); k++) {
			struct strata_api_arg a[4];
			struct strata_api_resp resp;
			char buf[128];
			int n;

			/* No cmocka here: its asserts are not for threads. */
			snprintf(buf, sizeof(buf), "%s", urls[k]);
			n = split_query(buf, a, 4);
			if (n < 0) {
				++*bad;
				continue;
			}
			if (strata_capi_handle(fx.api, "GET", buf, a, (unsigned int)n, NULL, &resp) ||
			    resp.status != 200 || !resp.body)
				++*bad;
			strata_api_resp_free(&resp);
		}
	}
	return NULL;
}

/* ---- containers: the schema beside the rows ---- */

static json_t *field_of(json_t *doc, const char *name)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "schema"), "fields"), i, f)
		if (!strcmp(jstr(f, "name"), name))
			return f;
	return NULL;
}

static void assert_field(json_t *doc, const char *name, const char *kind, const char *unit,
			 const char *path)
{
	json_t *f = field_of(doc, name);

	if (!f)
		fail_msg("no field '%s' in the schema", name);
	assert_string_equal(jstr(f, "kind"), kind);
	assert_string_equal(jstr(f, "unit"), unit);
	if (path)
		assert_string_equal(json_string_value(json_array_get(json_object_get(f, "path"), 0)),
				    path);
}

static void test_containers(void **state)
{
	json_t *doc, *schema, *m, *s, *names;
	size_t i;

	(void)state;
	doc = get_doc("/api/v1/macroflows?fields=loss_ratio,path_length,pkt_rate,avg_rtt_hs", NULL);
	schema = json_object_get(doc, "schema");
	assert_string_equal(jstr(schema, "type"), "macroflows");
	assert_string_equal(jstr(schema, "level"), "macroflow");
	assert_int_equal(jnum(json_object_get(schema, "interval"), "from_ns"), 0);
	assert_int_equal(jnum(json_object_get(schema, "interval"), "to_ns"), INT64_MAX);
	assert_int_equal(jnum(json_object_get(schema, "interval"), "window_ns"), MW_NS);
	/* Keys first; the group's keys: server, port, proto. */
	names = json_array();
	json_array_foreach(json_object_get(schema, "fields"), i, s)
		if (i < 5)
			json_array_append_new(names, json_string(jstr(s, "name")));
	m = json_pack("[sssss]", "window", "group", "server", "port", "proto");
	assert_true(json_equal(names, m));
	json_decref(m);
	json_decref(names);
	assert_field(doc, "packets", "fundamental", "packets", "packets.*");
	assert_field(doc, "rtt_hs_sumsq", "fundamental", "ns^2", "rtt_handshake_ns.sumsq");
	assert_string_equal(jstr(field_of(doc, "rtt_hs_min"), "guard"), "rtt_hs_n");
	assert_field(doc, "loss_ratio", "derived", "ratio", "loss_ratio");
	assert_string_equal(jstr(field_of(doc, "loss_ratio"), "formula"), "lost / packets");
	assert_null(field_of(doc, "avg_delay"));	/* not asked for */
	/* Macroflows do not say which sensors fed them: every one, with its clock. */
	assert_int_equal(json_array_size(json_object_get(schema, "sensors")), 4);
	json_array_foreach(json_object_get(schema, "sensors"), i, s) {
		assert_non_null(json_object_get(s, "version"));
		assert_non_null(json_object_get(s, "clock_error_ns"));
		if (strcmp(jstr(s, "id"), "lab"))
			assert_string_equal(jstr(s, "clock"), "synchronised");
	}
	m = row_of(json_object_get(doc, "rows"), "addr", "192.0.2.10", NULL, MW_OF(WIN));
	assert_true(fabs(real_of(m, "loss_ratio") - 3.0 / 260) < 1e-12);
	assert_true(real_of(m, "path_length") == 3);
	assert_true(fabs(real_of(m, "pkt_rate") - 260 / ((double)MW_NS / 1e9)) < 1e-9);
	if (jnum(json_object_get(m, "rtt_handshake_ns"), "n"))
		assert_true(real_of(m, "avg_rtt_hs") ==
			    (double)jnum(json_object_get(m, "rtt_handshake_ns"), "sum") /
			    (double)jnum(json_object_get(m, "rtt_handshake_ns"), "n"));
	else
		assert_true(json_is_null(json_object_get(m, "avg_rtt_hs")));
	assert_int_equal(jnum(m, "window_end_ns"), MW_OF(WIN) + MW_NS);
	json_decref(doc);

	doc = get_doc("/api/v1/macroflows?group=client", NULL);
	assert_field(doc, "client", "key", "", "key.addr");
	assert_null(field_of(doc, "server"));
	json_decref(doc);

	/* Transaction timing, derived at every level that lists it. */
	doc = get_doc("/api/v1/macroflows?fields=avg_ttfb,tps,avg_dns", NULL);
	assert_field(doc, "txn_ttfb_n", "fundamental", "samples", "txn.ttfb.n");
	assert_field(doc, "avg_ttfb", "derived", "ns", "avg_ttfb");
	m = row_of(json_object_get(doc, "rows"), "addr", "192.0.2.10", NULL, MW_OF(WIN));
	/* A and B at dc: 2 answered each, after TT and 2 TT. */
	assert_true(real_of(m, "avg_ttfb") == 3.0 * (double)(TT(A, 2) + TT(B, 2)) / 4.0);
	assert_true(fabs(real_of(m, "tps") - 4 / ((double)MW_NS / 1e9)) < 1e-12);
	assert_true(json_is_null(json_object_get(m, "avg_dns")));
	m = row_of(json_object_get(doc, "rows"), "addr", "192.0.2.53", "udp", MW_OF(WIN));
	assert_true(real_of(m, "avg_dns") == 500);
	assert_true(json_is_null(json_object_get(m, "avg_ttfb")));
	json_decref(doc);

	doc = get_doc("/api/v1/flows?fields=avg_ttfb,tps,avg_dns", NULL);
	assert_field(doc, "txn_requests", "fundamental", "requests", "txn.requests");
	json_array_foreach(json_object_get(doc, "rows"), i, m) {
		int k;

		for (k = 0; k < NCONV; k++)
			if (jnum(m, "client_port") == fx.cv[k].cli.port &&
			    !strcmp(jstr(m, "client"), k == E ? "2001:db8::1" :
				    k == B ? "10.0.0.2" : k == D ? "10.0.0.3" : "10.0.0.1"))
				break;
		assert_true(k < NCONV);
		if (k == C) {
			assert_true(real_of(m, "avg_dns") == 500);
			continue;
		}
		/* Each flow: its last location's, over the flow window. */
		assert_true(real_of(m, "avg_ttfb") == 3.0 * (double)TT(k, conv_hops[k] - 1) / 2.0);
		assert_true(fabs(real_of(m, "tps") - 2 / ((double)FW / 1e9)) < 1e-12);
	}
	assert_int_equal(i, NCONV);
	json_decref(doc);

	/* The processor: services by protocol, sums before the division. */
	{
		static const char *const by[] = { "proto" };
		static const char *const f[] = { "avg_ttfb", "req_rate" };
		struct strata_cquery q = { true, by, 1, f, 2 };
		struct strata_container *c;
		__u64 n = 0, sum = 0, req = 0;
		json_t *out, *r;
		char err[1024];
		int k;

		for (k = 0; k < NCONV; k++) {
			struct strata_txn_stats t;

			if (k == C)
				continue;
			txn_of(&t, k, conv_hops[k] - 1);
			n += t.ttfb.n;
			sum += t.ttfb.sum;
			req += t.requests;
		}
		doc = get_doc("/api/v1/macroflows", NULL);
		assert_int_equal(strata_container_load(&c, doc, err, sizeof(err)), 0);
		assert_int_equal(strata_container_result(c, &q, &out, err, sizeof(err)), 0);
		json_array_foreach(json_object_get(out, "rows"), i, r) {
			if (strcmp(jstr(r, "proto"), "tcp"))
				continue;
			assert_true(real_of(r, "avg_ttfb") == (double)sum / (double)n);
			/* Two macroflow windows' span. */
			assert_true(fabs(real_of(r, "req_rate") -
					 (double)req / (2 * (double)MW_NS / 1e9)) < 1e-12);
			n = 0;
		}
		assert_int_equal(n, 0);		/* the tcp row was there */
		json_decref(out);
		strata_container_free(c);
		json_decref(doc);
	}

	doc = get_doc("/api/v1/sensors", NULL);
	assert_string_equal(jstr(json_object_get(doc, "schema"), "level"), "sensor");
	assert_field(doc, "sensor", "key", "", "id");
	assert_field(doc, "location_flows", "fundamental", "flows", NULL);
	json_decref(doc);
}

/* The service macroflows' unsynced_locations, summed. */
static json_int_t unsynced_locations(void)
{
	json_t *doc = get_doc("/api/v1/macroflows?group=service", NULL), *m;
	json_int_t n = 0;
	size_t i;

	json_array_foreach(json_object_get(doc, "rows"), i, m)
		n += jnum(m, "unsynced_locations");
	json_decref(doc);
	return n;
}

/* Rows that hold data of a sensor whose clock is not synchronised say so. */
static void test_clock_flags(void **state)
{
	struct strata_hello h;
	struct strata_sensor sn;
	json_t *doc, *c, *hop, *l, *s;
	char err[256], url[128];
	size_t i, j, flagged = 0;

	(void)state;
	doc = get_doc("/api/v1/flows", NULL);
	/* Only the sensors on the rows' paths: not lab. */
	assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "schema"),
							 "sensors")), 3);
	json_array_foreach(json_object_get(doc, "rows"), i, c)
		assert_int_equal(jnum(c, "unsync_sensors"), 0);
	json_decref(doc);

	memset(&h, 0, sizeof(h));
	snprintf(h.sensor_id, sizeof(h.sensor_id), "dc");
	snprintf(h.version, sizeof(h.version), "0.2.0");
	h.clock_sync = STRATA_CLOCK_UNSYNCED;
	h.flow_window_ns = FW;
	h.proto_version = 1;
	assert_int_equal(strata_cstore_hello(fx.d.cs, &h, WIN, &sn, err, sizeof(err)), 0);

	doc = get_doc("/api/v1/flows", NULL);
	json_array_foreach(json_object_get(json_object_get(doc, "schema"), "sensors"), i, s)
		assert_string_equal(jstr(s, "clock"), strcmp(jstr(s, "id"), "dc") ?
				    "synchronised" : "unsynchronised");
	json_array_foreach(json_object_get(doc, "rows"), i, c) {
		bool via_dc = false;

		json_array_foreach(json_object_get(c, "path"), j, hop)
			via_dc |= !strcmp(jstr(hop, "sensor"), "dc");
		assert_int_equal(jnum(c, "unsync_sensors"), via_dc);
		flagged += via_dc;
		if (!via_dc)
			continue;
		snprintf(url, sizeof(url), "/api/v1/flows/%s/locations", jstr(c, "id"));
		l = get(url, NULL);
		json_array_foreach(l, j, hop)
			assert_int_equal(jnum(hop, "unsync_sensors"),
					 !strcmp(jstr(hop, "sensor"), "dc"));
		json_decref(l);
	}
	assert_int_equal(flagged, 2);	/* A and B */
	json_decref(doc);
	hello(fx.d.cs, "dc", WIN);

	/*
	 * Per window: dc's location flow of A noted an unsynchronised clock
	 * when it closed, though dc's hello says synchronised now. B's, from
	 * the same sensor, noted nothing (an older sensor): the hello decides.
	 */
	put_clock[2] = STRATA_CLOCK_UNSYNCED;
	put_conv(&fx.cv[A], 3, WIN);
	put_clock[2] = STRATA_CLOCK_UNKNOWN;
	assert_int_equal(stitch_all(fx.d.cs), 1);
	doc = get_doc("/api/v1/flows", NULL);
	flagged = 0;
	json_array_foreach(json_object_get(doc, "rows"), i, c) {
		bool a = jnum(c, "client_port") == fx.cv[A].cli.port &&
			 jnum(c, "server_port") == fx.cv[A].srv.port;

		assert_int_equal(jnum(c, "unsync_sensors"), a);
		flagged += a;
		json_array_foreach(json_object_get(c, "path"), j, hop)
			assert_string_equal(jstr(hop, "clock"),
					    a && !strcmp(jstr(hop, "sensor"), "dc") ?
					    "unsynchronised" : "unknown");
	}
	assert_int_equal(flagged, 1);
	json_decref(doc);
	assert_int_equal(unsynced_locations(), 1);	/* A's service: dc's hop */
	put_conv(&fx.cv[A], 3, WIN);
	assert_int_equal(stitch_all(fx.d.cs), 1);
	assert_int_equal(unsynced_locations(), 0);
}

static void test_threads(void **state)
{
	unsigned int bad[TH_N] = { 0 }, i;
	pthread_t th[TH_N];

	(void)state;
	for (i = 0; i < TH_N; i++)
		assert_int_equal(pthread_create(&th[i], NULL, caller_main, &bad[i]), 0);
	for (i = 0; i < TH_N; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(bad[i], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openapi),
		cmocka_unit_test(test_alarms),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_sensors),
		cmocka_unit_test(test_macroflows),
		cmocka_unit_test(test_macroflows_sort_limit),
		cmocka_unit_test(test_macroflows_filters),
		cmocka_unit_test(test_macroflow_links),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_clock_flags),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
