// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * libFuzzer target: the central REST API's request parsing (lib/capi.c),
 * under ASan and UBSan, over a small central store made once: two sensors,
 * a few location flows over two flow windows (one conversation seen at both
 * sensors, one behind NAT matched by fingerprints, IPv4 and IPv6), stitched.
 *
 * An input is a request as the HTTP glue (daemon/http.c) hands it over,
 * fields separated by NUL bytes:
 *
 *	METHOD \0 PATH \0 ARG \0 ARG \0 ...
 *
 * each ARG "NAME=VALUE" (split at the first '='), or "NAME" alone for a
 * parameter without a value (value NULL, as for "?flow"). A missing method
 * or path is an empty string; the arguments end with the input (a NUL at
 * its very end adds none), and past STRATA_API_ARGS_MAX + 1 of them (what
 * the glue passes at most) the rest is ignored. Every field gets a buffer of its own
 * that ends at its NUL, so an over-read shows.
 *
 * The answer must have a status the API documents, and every answer that is
 * not a 200, and every 200 said to be JSON, must be valid JSON; the former
 * an object with an "error" string.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "capi.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const __u8 *data, size_t size);

#define W1S	1000000000ULL
#define WIN	(1700000000ULL / 60 * 60 * W1S)	/* 1699999980 s */
#define NARGS	(STRATA_API_ARGS_MAX + 1)

static char dir[] = "/tmp/strata-fuzz-capi-XXXXXX";
static struct strata_cstore *cs;
static struct strata_capi *api;

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_capi: %s: %s\n", what, err);
	exit(1);
}

static void ep(struct strata_flow_key *k, int d, const char *addr, __u16 port)
{
	if (strchr(addr, ':')) {
		k->family = 6;
		if (inet_pton(AF_INET6, addr, k->addr[d]) != 1)
			die(addr, "not an address");
	} else {
		k->family = 4;
		k->addr[d][10] = k->addr[d][11] = 0xff;
		if (inet_pton(AF_INET, addr, k->addr[d] + 12) != 1)
			die(addr, "not an address");
	}
	k->port[d] = port;
}

/*
 * A location flow of the conversation cli -> srv in flow window @win, seen
 * with TTL @ttl; fingerprints @fp + 1, @fp + 2, ... both ways.
 */
static void mklf(struct strata_lflow *lf, __u64 win, const char *cli, __u16 cport,
		 const char *srv, __u16 sport, __u8 proto, __u8 ttl, __u64 fp)
{
	struct strata_flow_key k;
	unsigned int d, i;

	memset(lf, 0, sizeof(*lf));
	memset(&k, 0, sizeof(k));
	ep(&k, 0, cli, cport);
	ep(&k, 1, srv, sport);
	k.proto = proto;
	strata_store_canon_key(&k, &lf->f.key);
	lf->f.window_start = win;
	lf->f.window_ns = 60 * W1S;
	lf->f.first_mf = win;
	lf->f.last_mf = win + 30 * W1S;
	lf->f.microflows = 1;
	lf->f.has_initiator = 1;
	/* Endpoint 0 of the canonical key is the client, or not. */
	lf->f.initiator = memcmp(&k, &lf->f.key, sizeof(k)) != 0;
	/* d 0: what the client sent, d 1: the server's answers. */
	for (d = 0; d < 2; d++) {
		struct strata_dir_stats *s = &lf->f.dir[d ^ lf->f.initiator];
		struct strata_fp_mark *m = lf->fp[d ^ lf->f.initiator];

		s->packets = 10 + d;
		s->bytes = 1000 * s->packets;
		s->payload_bytes = 900 * s->packets;
		s->first_ns = win + W1S + d * 1000000;
		s->last_ns = win + 20 * W1S + d * 1000000;
		s->rtt_hs.n = 1;
		s->rtt_hs.sum = s->rtt_hs.min = s->rtt_hs.max = 200000;
		s->ttl_min = s->ttl_max = ttl;
		lf->nfp[d ^ lf->f.initiator] = fp ? 4 : 0;
		for (i = 0; fp && i < 4; i++) {
			m[i].hash = fp + 16 * d + i + 1;
			m[i].ts_ns = win + (2 + i) * W1S + d * 1000000;
		}
	}
}

/* A sensor without a drill-down URL: no request may leave this process. */
static __u32 hello(const char *id)
{
	struct strata_hello h = {
		.version = "0.2.0", .capabilities = STRATA_CAP_ALL, .flow_window_ns = 60 * W1S,
		.clock_error_ns = 1000, .clock_sync = STRATA_CLOCK_SYNCED,
		.proto_version = STRATA_PROTO_VERSION,
	};
	struct strata_sensor s;
	char err[256];

	snprintf(h.sensor_id, sizeof(h.sensor_id), "%s", id);
	if (strata_cstore_hello(cs, &h, WIN, &s, err, sizeof(err)))
		die("hello", err);
	return s.num;
}

static void put(__u32 sensor, const struct strata_lflow *lf, size_t n)
{
	struct strata_window_mark w = { .from = WIN, .to = WIN + 120 * W1S, .flows = n };
	char err[256];

	if (strata_cstore_put(cs, sensor, &w, lf, n, WIN + 130 * W1S, err, sizeof(err)))
		die("put", err);
}

static void cleanup(void)
{
	char path[sizeof(dir) + 16];

	strata_capi_free(api);
	strata_cstore_close(cs);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strata_lflow a[4], b[4];
	char err[256];
	__u32 s1, s2;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		die("mkdtemp", strerror(errno));
	if (strata_cstore_open(dir, STRATA_CSTORE_BUDGET_MIN, STRATA_MACRO_WINDOW_NS, false, &cs, err,
			       sizeof(err)))
		die("open", err);
	atexit(cleanup);
	s1 = hello("edge-1");
	s2 = hello("core-2");
	/* The edge sensor, next to the clients. */
	mklf(&a[0], WIN, "10.0.0.1", 40000, "192.0.2.10", 80, 6, 64, 0x1000);
	mklf(&a[1], WIN, "10.0.0.2", 5353, "192.0.2.53", 53, 17, 64, 0);
	mklf(&a[2], WIN, "10.0.0.3", 40002, "198.51.100.7", 8080, 6, 64, 0x2000);
	mklf(&a[3], WIN + 60 * W1S, "10.0.0.1", 40001, "192.0.2.10", 443, 6, 64, 0);
	put(s1, a, 4);
	/* The core sensor, one hop on: the same flows, one after NAT, one IPv6. */
	mklf(&b[0], WIN, "10.0.0.1", 40000, "192.0.2.10", 80, 6, 63, 0x1000);
	mklf(&b[1], WIN, "203.0.113.1", 1024, "198.51.100.7", 8080, 6, 63, 0x2000);
	mklf(&b[2], WIN, "2001:db8::1", 40001, "2001:db8::2", 443, 6, 63, 0);
	mklf(&b[3], WIN + 60 * W1S, "10.0.0.1", 40001, "192.0.2.10", 443, 6, 63, 0);
	put(s2, b, 4);
	if (strata_cstore_stitch(cs, NULL, err, sizeof(err)))
		die("stitch", err);
	api = strata_capi_new(cs, err, sizeof(err));
	if (!api)
		die("api", err);
	return 0;
}

/* The field at @*off of @data, in a buffer of its own; NULL past the end. */
static char *field(const __u8 *data, size_t size, size_t *off)
{
	const __u8 *nul;
	size_t n;
	char *s;

	if (*off >= size)
		return NULL;
	nul = memchr(data + *off, 0, size - *off);
	n = nul ? (size_t)(nul - (data + *off)) : size - *off;
	s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data + *off, n);
	s[n] = 0;
	*off += n + 1;
	return s;
}

static void check(const struct strata_api_resp *resp)
{
	json_error_t e;
	json_t *v, *msg;

	switch (resp->status) {
	case 200: case 400: case 404: case 405: case 413: case 500: case 503:
		break;
	default:
		abort();
	}
	if (resp->status == 200 && strcmp(resp->content_type, "application/json"))
		return;
	if (!resp->body)
		abort();
	v = json_loadb(resp->body, resp->len, 0, &e);
	if (!v) {
		fprintf(stderr, "fuzz_capi: a %u answer that is not JSON: %s\n", resp->status,
			e.text);
		abort();
	}
	if (resp->status != 200) {
		msg = json_object_get(v, "error");
		if (!json_is_object(v) || !json_is_string(msg))
			abort();
	}
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	struct strata_api_arg args[NARGS];
	struct strata_api_resp resp;
	char *method, *path, *f[NARGS];
	unsigned int n, i;
	size_t off = 0;
	int rc;

	method = field(data, size, &off);
	path = field(data, size, &off);
	if (!method)
		method = strdup("");
	if (!path)
		path = strdup("");
	if (!method || !path)
		abort();
	for (n = 0; n < NARGS && (f[n] = field(data, size, &off)); n++) {
		char *eq = strchr(f[n], '=');

		args[n].name = f[n];
		args[n].value = NULL;
		if (eq) {
			*eq = 0;
			args[n].value = eq + 1;
		}
	}
	rc = strata_capi_handle(api, method, path, args, n, NULL, &resp);
	/* -ENOMEM: not even an error body could be made. */
	if (rc && (rc != -ENOMEM || resp.status != 500))
		abort();
	if (!rc)
		check(&resp);
	strata_api_resp_free(&resp);
	for (i = 0; i < n; i++)
		free(f[i]);
	free(method);
	free(path);
	return 0;
}
