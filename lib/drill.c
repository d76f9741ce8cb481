// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Drill-down across sensors: asks every sensor on a connected flow's path at
 * once (libcurl multi), then merges their answers by time, as JSON or pcapng.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>
#include "bytes.h"
#include "container.h"
#include "drill.h"

/* A sensor's answer may not be larger (a runaway or hostile sensor). */
#define BODY_MAX	(512U << 20)
/* Nor describe more fields (merging them takes time square in their number). */
#define FIELDS_MAX	512

struct fetch {
	const struct strata_drill_loc *loc;
	CURL *h;
	char *body;
	size_t len, cap;
	bool too_big, truncated;
	long status;
	char conv[160];
	char error[CURL_ERROR_SIZE + 64];
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;

	if (n > BODY_MAX - f->len) {
		f->too_big = true;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	if (n > f->cap - f->len) {
		size_t cap = f->cap ? f->cap : 65536;
		char *b;

		while (cap - f->len < n)
			cap *= 2;
		b = realloc(f->body, cap);
		if (!b)
			return 0;
		f->body = b;
		f->cap = cap;
	}
	memcpy(f->body + f->len, p, n);
	f->len += n;
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;

	if (n >= 16 && !strncasecmp(p, "Strata-Truncated:", 17 < n ? 17 : n))
		f->truncated = true;
	return n;
}


static int fetch_start(CURLM *m, struct fetch *f, enum strata_drill_kind kind,
		       unsigned int timeout_ms)
{
	const struct strata_drill_loc *l = f->loc;
	char url[512], *conv;

	strata_api_format_flow(&l->key, f->conv, sizeof(f->conv));
	if (!l->api_url[0]) {
		snprintf(f->error, sizeof(f->error), "the sensor has no drill-down API (api-url)");
		return 0;
	}
	f->h = curl_easy_init();
	if (!f->h)
		return -ENOMEM;
	conv = curl_easy_escape(f->h, f->conv, 0);
	if (!conv)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s/api/v1/%s?flow=%s&from=%llu.%09llu&to=%llu.%09llu&limit=%u%s",
		 l->api_url, kind == STRATA_DRILL_MICROFLOWS ? "microflows" : "packets", conv,
		 (unsigned long long)(l->t1 / 1000000000ULL), (unsigned long long)(l->t1 % 1000000000ULL),
		 (unsigned long long)(l->t2 / 1000000000ULL), (unsigned long long)(l->t2 % 1000000000ULL),
		 STRATA_DRILL_PACKETS_MAX, kind == STRATA_DRILL_PCAPNG ? "&format=pcap" : "");
	curl_free(conv);
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(f->h, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 3000 ? timeout_ms : 3000));
	curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->error);
	curl_easy_setopt(f->h, CURLOPT_PRIVATE, f);
	f->error[0] = 0;
	return curl_multi_add_handle(m, f->h) ? -ENOMEM : 0;
}

/* Runs every transfer to its end (each has its own time limit). */
static void fetch_all(CURLM *m)
{
	CURLMsg *msg;
	int running = 1, left;

	while (running) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (running)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	while ((msg = curl_multi_info_read(m, &left))) {
		struct fetch *f;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &f->status);
		if (msg->data.result != CURLE_OK) {
			f->status = 0;
			if (f->too_big)
				snprintf(f->error, sizeof(f->error), "its answer is larger than %u MiB",
					 BODY_MAX >> 20);
			else if (!f->error[0])
				snprintf(f->error, sizeof(f->error), "%s",
					 curl_easy_strerror(msg->data.result));
		} else if (f->status != 200) {
			snprintf(f->error, sizeof(f->error), "HTTP %ld: %.*s", f->status,
				 (int)(f->len < 200 ? f->len : 200), f->body ? f->body : "");
		}
	}
}

/* ---- merging ---- */

struct rec {
	__u64 ts;
	unsigned int hop;	/* its index on the path */
	unsigned int loc;	/* its location and key: the pcapng interface */
	size_t i;		/* order within its location */
	json_t *o;		/* JSON: the record */
	const __u8 *data;	/* pcapng: the packet */
	__u32 caplen, origlen;
};

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->hop != y->hop)
		return x->hop < y->hop ? -1 : 1;
	if (x->loc != y->loc)
		return x->loc < y->loc ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

struct recs {
	struct rec *v;
	size_t n, cap;
};

static int recs_push(struct recs *r, const struct rec *x)
{
	struct rec *v = strata_vec_room(r->v, r->n, &r->cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->v = v;
	r->v[r->n++] = *x;
	return 0;
}

static __u32 rd32(const __u8 *p, bool swap)
{
	__u32 v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The records of one sensor's pcap answer. Return: 0, -EBADMSG, -ENOMEM. */
static int pcap_recs(struct fetch *f, unsigned int loc, struct recs *out)
{
	const __u8 *p = (const __u8 *)f->body, *end = p + f->len;
	__u32 magic;
	bool swap, nano;
	size_t i = 0;

	if (f->len < 24)
		return -EBADMSG;
	memcpy(&magic, p, 4);
	swap = magic == 0x4d3cb2a1 || magic == 0xd4c3b2a1;
	nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b23c4d && magic != 0xa1b2c3d4)
		return -EBADMSG;
	if (rd32(p + 20, swap) != 101)	/* LINKTYPE_RAW, as the sensor writes */
		return -EBADMSG;
	for (p += 24; p < end; i++) {
		struct rec r = { .hop = f->loc->hop, .loc = loc, .i = i };

		if (end - p < 16)
			return -EBADMSG;
		r.ts = (__u64)rd32(p, swap) * 1000000000ULL +
		       (__u64)rd32(p + 4, swap) * (nano ? 1 : 1000);
		r.caplen = rd32(p + 8, swap);
		r.origlen = rd32(p + 12, swap);
		if (r.caplen > (size_t)(end - p - 16) || r.caplen > 262144)
			return -EBADMSG;
		r.data = p + 16;
		if (recs_push(out, &r))
			return -ENOMEM;
		p += 16 + r.caplen;
	}
	return 0;
}

/*
 * A field of a sensor's schema into @fields, unless one of its name is
 * there (sensors of two versions: the union of what they describe).
 */
static int add_field(json_t *fields, json_t *fd)
{
	const char *name = json_string_value(json_object_get(fd, "name"));
	json_t *g;
	size_t i;

	if (!name)
		return -EBADMSG;
	json_array_foreach(fields, i, g)
		if (!strcmp(json_string_value(json_object_get(g, "name")), name))
			return 0;
	return json_array_append(fields, fd) ? -ENOMEM : 0;
}

/*
 * The rows of one sensor's JSON answer, a container, tagged with their
 * location; the fields its schema describes go into @fields.
 */
static int json_recs(struct fetch *f, unsigned int loc, const char *time_field,
		     struct recs *out, json_t **arr, json_t *fields)
{
	json_t *doc, *fds, *o;
	size_t i;
	int rc = 0;

	doc = json_loadb(f->body ? f->body : "", f->len, 0, NULL);
	*arr = json_incref(json_object_get(doc, "rows"));
	fds = json_object_get(json_object_get(doc, "schema"), "fields");
	/* A sensor describes tens of fields: many more is not a sensor's answer. */
	if (!json_is_array(*arr) || !json_is_array(fds) || json_array_size(fds) > FIELDS_MAX)
		rc = -EBADMSG;
	json_array_foreach(fds, i, o)
		if (!rc)
			rc = add_field(fields, o);
	json_decref(doc);
	if (rc)
		return rc;
	json_array_foreach(*arr, i, o) {
		struct rec r = { .hop = f->loc->hop, .loc = loc, .i = i, .o = o };

		if (!json_is_object(o))
			return -EBADMSG;
		r.ts = (__u64)json_integer_value(json_object_get(o, time_field));
		json_object_set_new(o, "location", json_string(f->loc->sensor));
		json_object_set_new(o, "hop", json_integer(f->loc->hop));
		if (recs_push(out, &r))
			return -ENOMEM;
	}
	return 0;
}

/* pcapng blocks, little-endian as this host writes them (the SHB says so). */
static int put(FILE *o, const void *p, size_t n)
{
	return fwrite(p, 1, n, o) == n ? 0 : -EIO;
}

static void put32(FILE *o, __u32 v)
{
	put(o, &v, 4);
}

static void put_opt(FILE *o, __u16 code, const void *v, __u16 len)
{
	static const __u8 zero[4];

	put(o, &code, 2);
	put(o, &len, 2);
	put(o, v, len);
	put(o, zero, (4 - len % 4) % 4);
}

static size_t opt_len(size_t len)
{
	return 4 + (len + 3) / 4 * 4;
}

static void pcapng(FILE *o, struct fetch *f, unsigned int n, const struct recs *r)
{
	static const __u8 zero[4];
	const char *app = "strata central (drill-down)";
	__u8 tsresol = 9;
	unsigned int i;
	size_t k, len;

	/* Section header: byte-order magic, version 1.0, length unknown. */
	len = 28 + opt_len(strlen(app)) + 4;
	put32(o, 0x0a0d0d0a);
	put32(o, (__u32)len);
	put32(o, 0x1a2b3c4d);
	put32(o, 0x00000001);
	put32(o, 0xffffffff);
	put32(o, 0xffffffff);
	put_opt(o, 4, app, (__u16)strlen(app));	/* shb_userappl */
	put32(o, 0);				/* opt_endofopt */
	put32(o, (__u32)len);
	/*
	 * One interface per location and key: raw IP, ns timestamps, named
	 * after its sensor (a location seen under two keys has two, of one name).
	 */
	for (i = 0; i < n; i++) {
		size_t nl = strlen(f[i].loc->sensor);

		len = 20 + opt_len(nl) + opt_len(1) + 4;
		put32(o, 1);
		put32(o, (__u32)len);
		put32(o, 101);			/* LINKTYPE_RAW; reserved 0 */
		put32(o, 0);			/* snaplen: no limit */
		put_opt(o, 2, f[i].loc->sensor, (__u16)nl);	/* if_name */
		put_opt(o, 9, &tsresol, 1);			/* if_tsresol: 10^-9 */
		put32(o, 0);
		put32(o, (__u32)len);
	}
	for (k = 0; k < r->n; k++) {
		const struct rec *x = &r->v[k];

		len = 32 + (x->caplen + 3) / 4 * 4;
		put32(o, 6);
		put32(o, (__u32)len);
		put32(o, x->loc);
		put32(o, (__u32)(x->ts >> 32));
		put32(o, (__u32)x->ts);
		put32(o, x->caplen);
		put32(o, x->origlen);
		put(o, x->data, x->caplen);
		put(o, zero, (4 - x->caplen % 4) % 4);
		put32(o, (__u32)len);
	}
}

static int answer(struct fetch *f, unsigned int n, enum strata_drill_kind kind,
		  json_t *schema, struct strata_api_resp *resp)
{
	json_t *locs = json_array(), *arrays[STRATA_DRILL_LOCS_MAX] = { 0 }, *all, *top;
	struct recs r = { 0 };
	unsigned int i, ok = 0;
	size_t k, plen = 0;
	bool missing = false;	/* the location before: named in the partial list */
	int rc = 0;
	FILE *o;

	for (i = 0; i < n; i++) {
		size_t before = r.n;
		int e = 0;

		if (f[i].status == 200) {
			e = kind == STRATA_DRILL_PCAPNG ? pcap_recs(&f[i], i, &r) :
				json_recs(&f[i], i, kind == STRATA_DRILL_MICROFLOWS ?
					  "window_start" : "ts_ns", &r, &arrays[i],
					  json_object_get(schema, "fields"));
			if (e == -ENOMEM) {
				rc = e;
				break;
			}
			if (e) {
				r.n = before;
				snprintf(f[i].error, sizeof(f[i].error), "its answer is not what "
					 "a sensor sends (%s)", kind == STRATA_DRILL_PCAPNG ?
					 "pcap" : "a JSON container");
			}
		}
		if (f[i].status == 200 && !e) {
			ok++;
		} else if (!i || !missing || f[i].loc->hop != f[i - 1].loc->hop) {
			/* A location named once, whichever of its keys failed. */
			plen += (size_t)snprintf(resp->partial + plen, plen < sizeof(resp->partial) ?
						 sizeof(resp->partial) - plen : 0, "%s%s",
						 plen ? ", " : "", f[i].loc->sensor);
			if (plen >= sizeof(resp->partial))
				plen = sizeof(resp->partial) - 1;
		}
		missing = !(f[i].status == 200 && !e);
		if (f[i].truncated)
			resp->truncated = true;
		json_array_append_new(locs, json_pack("{s:s,s:I,s:s,s:s,s:s?,s:I}",
			"sensor", f[i].loc->sensor, "hop", (json_int_t)f[i].loc->hop,
			"conversation", f[i].conv,
			"status", f[i].status == 200 && !e ? "ok" : "missing",
			"error", f[i].status == 200 && !e ? NULL : f[i].error,
			"records", (json_int_t)(r.n - before)));
	}
	if (!rc && r.n)		/* qsort() of NULL is undefined, even of 0 elements */
		qsort(r.v, r.n, sizeof(*r.v), rec_cmp);
	resp->status = ok ? 200 : 502;
	if (!rc && kind == STRATA_DRILL_PCAPNG && ok) {
		o = open_memstream(&resp->body, &resp->len);
		if (!o) {
			rc = -ENOMEM;
		} else {
			pcapng(o, f, n, &r);
			if (fclose(o))
				rc = -ENOMEM;
		}
		resp->content_type = "application/x-pcapng";
		resp->filename = "strata.pcapng";
	} else if (!rc) {
		all = json_array();
		for (k = 0; k < r.n; k++)
			json_array_append(all, r.v[k].o);
		top = json_pack("{s:O,s:o,s:o}", "schema", schema, "locations", locs, "rows", all);
		locs = NULL;
		resp->body = top ? json_dumps(top, JSON_COMPACT) : NULL;
		resp->len = resp->body ? strlen(resp->body) : 0;
		resp->content_type = "application/json";
		json_decref(top);
		if (!resp->body)
			rc = -ENOMEM;
	}
	json_decref(locs);
	for (i = 0; i < n; i++)
		json_decref(arrays[i]);
	free(r.v);
	return rc;
}

int strata_drill(const struct strata_drill_loc *locs, unsigned int n,
		 enum strata_drill_kind kind, json_t *schema, unsigned int timeout_ms,
		 struct strata_api_resp *resp)
{
	struct fetch f[STRATA_DRILL_LOCS_MAX];
	CURLM *m;
	unsigned int i;
	int rc = 0;

	if (n > STRATA_DRILL_LOCS_MAX)
		n = STRATA_DRILL_LOCS_MAX;
	memset(f, 0, sizeof(f));
	/* Each row says where it was seen; the sensors' fields follow. */
	if (kind != STRATA_DRILL_PCAPNG &&
	    (!schema || strata_schema_field_own(schema, "location", STRATA_MK_KEY, STRATA_MT_STR,
						0, "", "location") ||
	     strata_schema_field_own(schema, "hop", STRATA_MK_KEY, STRATA_MT_U64, 0, "", "hop")))
		return -ENOMEM;
	m = curl_multi_init();
	if (!m)
		return -ENOMEM;
	for (i = 0; i < n && !rc; i++) {
		f[i].loc = &locs[i];
		rc = fetch_start(m, &f[i], kind, timeout_ms);
	}
	if (!rc) {
		fetch_all(m);
		rc = answer(f, n, kind, schema, resp);
	}
	for (i = 0; i < n; i++) {
		if (f[i].h) {
			curl_multi_remove_handle(m, f[i].h);
			curl_easy_cleanup(f[i].h);
		}
		free(f[i].body);
	}
	curl_multi_cleanup(m);
	return rc;
}
