// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The central host's REST API: parses a request, reads the central store,
 * and answers JSON, or CSV for every list (one flattening for all of them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <curl/curl.h>
#include "alarm.h"
#include "bytes.h"
#include "capi.h"
#include "container.h"
#include "drill.h"
#include "err.h"
#include "keywords.h"

#define LIMIT_DEFAULT	1000
#define LIMIT_MAX	100000

struct strata_capi {
	struct strata_cstore *cs;
	struct strata_alarms *al;	/* NULL: no alarms served */
	char token[128];
};

void strata_capi_set_alarms(struct strata_capi *a, struct strata_alarms *al, const char *token)
{
	a->al = al;
	snprintf(a->token, sizeof(a->token), "%s", token);
}

struct strata_capi *strata_capi_new(struct strata_cstore *cs, char *err, size_t errlen)
{
	struct strata_capi *a = calloc(1, sizeof(*a));

	if (!a) {
		strata_seterr(err, errlen, ENOMEM, "central API: out of memory");
		return NULL;
	}
	a->cs = cs;
	/* Drill-down asks sensors with libcurl; its global state is set up here, once. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(a);
		strata_seterr(err, errlen, EIO, "central API: libcurl failed to start");
		return NULL;
	}
	return a;
}

void strata_capi_free(struct strata_capi *a)
{
	if (!a)
		return;
	curl_global_cleanup();
	free(a);
}

/* ---- a request ---- */

/* The parameters any endpoint may take; each endpoint says which. */
enum {
	P_FROM, P_TO, P_GROUP, P_SORT, P_LIMIT, P_FORMAT, P_ADDR, P_PORT, P_PROTO,
	P_APP, P_SENSOR, P_FIELDS, __P_MAX
};

static const char *const pname[__P_MAX] = {
	"from", "to", "group", "sort", "limit", "format", "addr", "port", "proto",
	"app", "sensor", "fields",
};

struct req {
	struct strata_capi *a;
	struct strata_api_resp *resp;
	const char *auth;		/* the Authorization header, or NULL */
	const char *val[__P_MAX];
	__u64 from, to;
	unsigned int group, limit;
	bool csv, pcapng;
	/* Filters of a group: addr, port, proto, app. */
	bool has_addr, has_port, has_proto;
	__u8 addr[16];
	int family;
	__u16 port;
	__u8 proto;
	char msg[512];
	/* The sensors, by number, for names; those the answer shows. */
	struct strata_sensor *sensors;
	unsigned char *shown;
	unsigned int nsensors;
};

static unsigned int bad(struct req *r, unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static unsigned int bad(struct req *r, unsigned int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return status;
}

static const char *const group_names[__STRATA_GROUP_MAX] = {
	[STRATA_GROUP_SERVICE] = "service",
	[STRATA_GROUP_CLIENT] = "client",
	[STRATA_GROUP_APP] = "application",
};

static unsigned int parse_params(struct req *r, unsigned int allowed,
				 const struct strata_api_arg *args, unsigned int nargs)
{
	char shown[64];
	unsigned int i, p;
	__u32 u;

	for (i = 0; i < nargs; i++) {
		for (p = 0; p < __P_MAX && strcmp(args[i].name, pname[p]); p++)
			;
		if (p == __P_MAX || !(allowed & (1U << p)))
			return bad(r, 400, "unknown parameter '%s' here",
				   strata_api_printable(args[i].name, shown, sizeof(shown)));
		if (!args[i].value || !*args[i].value)
			return bad(r, 400, "%s: needs a value", pname[p]);
		if (r->val[p])
			return bad(r, 400, "%s: given twice", pname[p]);
		r->val[p] = args[i].value;
	}
	r->to = ~0ULL;
	r->limit = LIMIT_DEFAULT;
	if (r->val[P_FROM] && strata_api_parse_time(r->val[P_FROM], &r->from))
		return bad(r, 400, "from: not a time (seconds since the epoch, or RFC 3339)");
	if (r->val[P_TO] && strata_api_parse_time(r->val[P_TO], &r->to))
		return bad(r, 400, "to: not a time (seconds since the epoch, or RFC 3339)");
	if (r->from > r->to)
		return bad(r, 400, "from: after to");
	if (r->val[P_LIMIT]) {
		if (strata_kw_u32(r->val[P_LIMIT], 1, LIMIT_MAX, &u))
			return bad(r, 400, "limit: not a number from 1 to %u", LIMIT_MAX);
		r->limit = u;
	}
	if (r->val[P_FORMAT]) {
		if (!strcmp(r->val[P_FORMAT], "csv"))
			r->csv = true;
		else if (!strcmp(r->val[P_FORMAT], "pcapng"))
			r->pcapng = true;
		else if (strcmp(r->val[P_FORMAT], "json"))
			return bad(r, 400, "format: json, csv or pcapng");
	}
	if (r->val[P_GROUP]) {
		for (p = 0; p < __STRATA_GROUP_MAX && strcmp(r->val[P_GROUP], group_names[p]); p++)
			;
		if (p == __STRATA_GROUP_MAX)
			return bad(r, 400, "group: service, client or application");
		r->group = p;
	}
	if (r->val[P_ADDR]) {
		__u8 prefix;
		int family = strata_kw_addr(r->val[P_ADDR], r->addr, &prefix);

		/* The family, or -errno; a prefix of IPv4 counts from 96. */
		if (family < 0 || prefix != 128)
			return bad(r, 400, "addr: not an IPv4 or IPv6 address");
		r->family = family;
		r->has_addr = true;
	}
	if (r->val[P_PORT]) {
		if (strata_kw_u32(r->val[P_PORT], 0, 65535, &u))
			return bad(r, 400, "port: not a number from 0 to 65535");
		r->port = (__u16)u;
		r->has_port = true;
	}
	if (r->val[P_PROTO]) {
		if (strata_kw_proto(r->val[P_PROTO], &r->proto))
			return bad(r, 400, "proto: tcp, udp, icmp, ... or a number");
		r->has_proto = true;
	}
	return 0;
}

/* ---- JSON pieces ---- */

static json_t *jaddr(const __u8 a[16], int family)
{
	char buf[INET6_ADDRSTRLEN];

	if (family == 4)
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	return json_string(buf);
}

/* "ADDR:PORT-ADDR:PORT/PROTO", the form strata_api_parse_flow() reads. */
static json_t *jconv(const struct strata_flow_key *k)
{
	char out[160];

	return json_string(strata_api_format_flow(k, out, sizeof(out)));
}

static json_t *jpair(__u64 a, __u64 b)
{
	return json_pack("[II]", (json_int_t)a, (json_int_t)b);
}

static json_t *jdelay(__s64 d)
{
	return d == STRATA_DELAY_NONE ? json_null() : json_integer(d);
}

static json_t *jstat(const struct strata_stat *s)
{
	return json_pack("{s:I,s:I,s:o,s:I,s:I}", "n", (json_int_t)s->n, "sum", (json_int_t)s->sum,
			 "sumsq", strata_json_u128(s->sumsq_hi, s->sumsq_lo),
			 "min", (json_int_t)(s->n ? s->min : 0), "max", (json_int_t)s->max);
}

/*
 * Transaction timing as the sensor API shows a flow's ("txn"); @app: with
 * the application (not for a macroflow's, whose group mixes connections).
 */
static json_t *jtxn(const struct strata_txn_stats *t, bool app)
{
	json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I}",
			      "ttfb", jstat(&t->ttfb), "resp", jstat(&t->resp),
			      "first", jstat(&t->first), "dns", jstat(&t->dns),
			      "requests", (json_int_t)t->requests,
			      "dns_queries", (json_int_t)t->dns_queries,
			      "dns_unanswered", (json_int_t)t->dns_unanswered,
			      "dns_overflow", (json_int_t)t->dns_overflow,
			      "dns_repeats", (json_int_t)t->dns_repeats);

	if (o && app)
		json_object_set_new(o, "app", json_integer(t->app));
	return o;
}

static const struct strata_sensor *sensor_of(struct req *r, __u32 num)
{
	unsigned int i;

	for (i = 0; i < r->nsensors; i++) {
		if (r->sensors[i].num == num) {
			r->shown[i] = 1;
			return &r->sensors[i];
		}
	}
	return NULL;
}

static const char *sensor_name(struct req *r, __u32 num)
{
	const struct strata_sensor *s = sensor_of(r, num);

	return s ? s->id : "?";
}

/*
 * A location whose sensor's clock was not known to be synchronised: its
 * times may not line up with the other locations'. @clock is the state its
 * location flows noted when their window closed there; where that is
 * unknown (a sensor before 0.3), the state at the sensor's last hello.
 */
static bool unsynced(struct req *r, __u32 num, __u8 clock)
{
	const struct strata_sensor *s;

	if (clock != STRATA_CLOCK_UNKNOWN)
		return clock != STRATA_CLOCK_SYNCED;
	s = sensor_of(r, num);
	return !s || s->clock_sync != STRATA_CLOCK_SYNCED;
}

static int load_sensor(const struct strata_sensor *s, void *arg)
{
	struct req *r = arg;
	struct strata_sensor *v = realloc(r->sensors, (r->nsensors + 1) * sizeof(*v));
	unsigned char *u;

	if (!v)
		return -ENOMEM;
	r->sensors = v;
	u = realloc(r->shown, r->nsensors + 1);
	if (!u)
		return -ENOMEM;
	r->shown = u;
	r->shown[r->nsensors] = 0;
	r->sensors[r->nsensors++] = *s;
	return 0;
}

static const char *clock_name(const struct strata_sensor *s)
{
	static const char *const sync[] = { "unknown", "unsynchronised", "synchronised" };

	return sync[s->clock_sync <= 2 ? s->clock_sync : 0];
}

static json_t *sensor_json(const struct strata_sensor *s)
{
	return json_pack("{s:s,s:I,s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "id", s->id, "num", (json_int_t)s->num, "version", s->version,
			 "api_url", s->api_url, "capabilities", (json_int_t)s->capabilities,
			 "clock", clock_name(s),
			 "clock_error_ns", (json_int_t)s->clock_error_ns,
			 "protocol", (json_int_t)s->proto_version,
			 "first_seen_ns", (json_int_t)s->first_seen_ns,
			 "last_seen_ns", (json_int_t)s->last_seen_ns,
			 "through_ns", (json_int_t)s->through,
			 "location_flows", (json_int_t)s->lflows,
			 "resent", (json_int_t)s->resent,
			 "window_marks", (json_int_t)s->windows);
}

static json_t *cflow_json(struct req *r, const struct strata_cflow *c)
{
	static const char *const matched[] = { "first", "key", "fingerprint" };
	json_t *o, *hops = json_array();
	char id[48], pb[16];
	const char *proto = strata_proto_name(c->key.proto, pb, sizeof(pb));
	unsigned int i, unsync = 0;

	snprintf(id, sizeof(id), "%llu-%u", (unsigned long long)c->window_start, c->seq);
	for (i = 0; i < c->nhops && i < STRATA_PATH_MAX; i++) {
		const struct strata_hop *h = &c->hop[i];
		json_t *convs = json_array(), *o;

		/* Every key kept, the first again as "conversation". */
		json_array_append_new(convs, jconv(&h->key));
		if (h->nkeys > 1)
			json_array_append_new(convs, jconv(&h->key2));
		o = json_pack(
			"{s:s,s:I,s:s,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o}",
			"sensor", sensor_name(r, h->sensor), "sensor_num", (json_int_t)h->sensor,
			"matched", matched[h->matched <= 2 ? h->matched : 0],
			"conversation", jconv(&h->key), "conversations", convs,
			"first_ns", (json_int_t)h->first_ns, "last_ns", (json_int_t)h->last_ns,
			"packets", jpair(h->packets[0], h->packets[1]),
			"bytes", jpair(h->bytes[0], h->bytes[1]),
			"ttl", jpair(h->ttl[0], h->ttl[1]),
			"delay_ns", json_pack("[oo]", jdelay(h->delay_ns[0]), jdelay(h->delay_ns[1])),
			"delay_samples", jpair(h->delay_n[0], h->delay_n[1]),
			"lost", json_pack("[II]", (json_int_t)h->lost[0], (json_int_t)h->lost[1]));
		if (o && h->nkeys > 2)
			json_object_set_new(o, "more_conversations", json_integer(h->nkeys - 2));
		if (o)
			json_object_set_new(o, "clock", json_string(strata_clock_name(h->clock_sync)));
		if (o)
			json_object_set_new(o, "txn", jtxn(&h->txn, true));
		json_array_append_new(hops, o);
		unsync += unsynced(r, h->sensor, h->clock_sync);
	}
	o = json_pack("{s:s,s:I,s:o,s:I,s:o,s:I,s:o,s:I,s:s,s:I,s:o}",
		      "id", id, "window_start_ns", (json_int_t)c->window_start,
		      "client", jaddr(c->key.addr[0], c->key.family),
		      "client_port", (json_int_t)c->key.port[0],
		      "server", jaddr(c->key.addr[1], c->key.family),
		      "server_port", (json_int_t)c->key.port[1],
		      "server_at_last_hop", jaddr(c->server, c->key.family),
		      "server_port_at_last_hop", (json_int_t)c->server_port,
		      "proto", proto, "locations", (json_int_t)c->nhops, "path", hops);
	if (o) {
		json_object_set_new(o, "window_end_ns", json_integer((json_int_t)(c->window_start +
							STRATA_STORE_FLOW_WINDOW_NS)));
		json_object_set_new(o, "unsync_sensors", json_integer(unsync));
		/* The server side's, as macroflows count it: the last kept hop's. */
		if (c->nhops)
			json_object_set_new(o, "txn", jtxn(&c->hop[(c->nhops < STRATA_PATH_MAX ?
							      c->nhops : STRATA_PATH_MAX) - 1].txn,
							   false));
	}
	if (o && c->more_hops)
		json_object_set_new(o, "more_locations", json_integer(c->more_hops));
	return o;
}

static json_t *lflow_json(struct req *r, const struct strata_lflow *lf)
{
	const struct strata_store_flow *f = &lf->f;
	json_t *dirs = json_array();
	unsigned int d, i;

	for (d = 0; d < 2; d++) {
		const struct strata_dir_stats *s = &f->dir[d];
		json_t *fp = json_array();

		for (i = 0; i < lf->nfp[d] && i < STRATA_FP_SAMPLE; i++) {
			char h[24];

			snprintf(h, sizeof(h), "0x%016llx", (unsigned long long)lf->fp[d][i].hash);
			json_array_append_new(fp, json_pack("{s:s,s:I}", "hash", h, "ts_ns",
							    (json_int_t)lf->fp[d][i].ts_ns));
		}
		json_array_append_new(dirs, json_pack(
			"{s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:o}",
			"packets", (json_int_t)s->packets, "bytes", (json_int_t)s->bytes,
			"payload_bytes", (json_int_t)s->payload_bytes,
			"first_ns", (json_int_t)s->first_ns, "last_ns", (json_int_t)s->last_ns,
			"size", jstat(&s->size), "iat", jstat(&s->iat),
			"rtt_handshake", jstat(&s->rtt_hs), "rtt_data", jstat(&s->rtt_data),
			"retransmits", (json_int_t)s->retrans,
			"ttl_min", (json_int_t)s->ttl_min, "ttl_max", (json_int_t)s->ttl_max,
			"fingerprints", fp));
	}
	return json_pack("{s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:s,s:o}",
			 "sensor", sensor_name(r, lf->sensor), "sensor_num", (json_int_t)lf->sensor,
			 "conversation", jconv(&f->key),
			 "window_start_ns", (json_int_t)f->window_start,
			 "window_end_ns", (json_int_t)(f->window_start + f->window_ns),
			 "first_microflow_ns", (json_int_t)f->first_mf,
			 "last_microflow_ns", (json_int_t)f->last_mf,
			 "microflows", (json_int_t)f->microflows,
			 "initiator", (json_int_t)f->initiator,
			 "initiator_known", json_boolean(f->has_initiator), "dir", dirs,
			 "unsync_sensors", (json_int_t)unsynced(r, lf->sensor, f->clock_sync),
			 "clock", strata_clock_name(f->clock_sync), "txn", jtxn(&f->txn, true));
}

/* ---- groups and filters ---- */

static bool key_matches(struct req *r, const struct strata_macro_key *k)
{
	if (r->has_addr && (k->family != r->family || memcmp(k->addr, r->addr, 16)))
		return false;
	if (r->has_port && k->port != r->port)
		return false;
	if (r->has_proto && k->proto != r->proto)
		return false;
	if (r->val[P_APP] && strcmp(k->app, r->val[P_APP]))
		return false;
	return true;
}

static json_t *mkey_json(const struct strata_macro_key *k)
{
	char pb[16];
	const char *proto = strata_proto_name(k->proto, pb, sizeof(pb));

	switch (k->group) {
	case STRATA_GROUP_SERVICE:
		return json_pack("{s:o,s:I,s:s}", "addr", jaddr(k->addr, k->family),
				 "port", (json_int_t)k->port, "proto", proto);
	case STRATA_GROUP_CLIENT:
		return json_pack("{s:o}", "addr", jaddr(k->addr, k->family));
	default:
		return json_pack("{s:s,s:s}", "app", k->app, "proto", proto);
	}
}

/* The query that lists a macroflow's connected flows. */
static json_t *mflows_link(const struct strata_macroflow *m)
{
	char buf[320], a[INET6_ADDRSTRLEN], pb[16];
	const char *proto = strata_proto_name(m->key.proto, pb, sizeof(pb));
	__u64 t1 = m->window_start, t2 = m->window_start + m->window_ns - 1;
	int n;

	if (m->key.family == 4)
		inet_ntop(AF_INET, m->key.addr + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, m->key.addr, a, sizeof(a));
	n = snprintf(buf, sizeof(buf), "/api/v1/flows?from=%llu.%09llu&to=%llu.%09llu&group=%s",
		     (unsigned long long)(t1 / 1000000000ULL), (unsigned long long)(t1 % 1000000000ULL),
		     (unsigned long long)(t2 / 1000000000ULL), (unsigned long long)(t2 % 1000000000ULL),
		     group_names[m->key.group]);
	if (m->key.group == STRATA_GROUP_SERVICE)
		snprintf(buf + n, sizeof(buf) - (size_t)n, "&addr=%s&port=%u&proto=%s", a,
			 m->key.port, proto);
	else if (m->key.group == STRATA_GROUP_CLIENT)
		snprintf(buf + n, sizeof(buf) - (size_t)n, "&addr=%s", a);
	else	/* one name can be several protocols' (dns, nfs, ipfix) */
		snprintf(buf + n, sizeof(buf) - (size_t)n, "&app=%s&proto=%s", m->key.app, proto);
	return json_string(buf);
}

static json_t *macro_json(const struct strata_macroflow *m)
{
	return json_pack("{s:I,s:I,s:I,s:s,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:I}",
			 "window_start_ns", (json_int_t)m->window_start,
			 "window_end_ns", (json_int_t)(m->window_start + m->window_ns),
			 "window_ns", (json_int_t)m->window_ns,
			 "group", group_names[m->key.group], "key", mkey_json(&m->key),
			 "connected_flows", (json_int_t)m->cflows,
			 "packets", jpair(m->packets[0], m->packets[1]),
			 "bytes", jpair(m->bytes[0], m->bytes[1]),
			 "lost", json_pack("[II]", (json_int_t)m->lost[0], (json_int_t)m->lost[1]),
			 "rtt_handshake_ns", jstat(&m->rtt_hs),
			 "delay_ns", jstat(&m->delay),
			 "locations", (json_int_t)m->hops,
			 "first_ns", (json_int_t)m->first_ns, "last_ns", (json_int_t)m->last_ns,
			 "flows", mflows_link(m), "txn", jtxn(&m->txn, false),
			 "unsynced_locations", (json_int_t)m->unsynced);
}

/* ---- lists ---- */

struct list {
	struct req *r;
	json_t *rows;
	struct strata_macroflow *m;	/* macroflows, sorted before output */
	size_t nm, capm;
	bool truncated;
};

static int on_macro(const struct strata_macroflow *m, void *arg)
{
	struct list *l = arg;
	struct strata_macroflow *v;

	if (!key_matches(l->r, &m->key) || m->window_start > l->r->to ||
	    m->window_start + m->window_ns <= l->r->from)
		return 0;
	v = strata_vec_room(l->m, l->nm, &l->capm, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->m = v;
	l->m[l->nm++] = *m;
	return 0;
}

enum { S_BYTES, S_PACKETS, S_FLOWS, S_LOST, S_TIME };

static __u64 sort_val(const struct strata_macroflow *m, int by)
{
	switch (by) {
	case S_PACKETS:
		return m->packets[0] + m->packets[1];
	case S_FLOWS:
		return m->cflows;
	case S_LOST:	/* more duplicates than losses: none lost */
		return m->lost[0] + m->lost[1] > 0 ? (__u64)(m->lost[0] + m->lost[1]) : 0;
	case S_TIME:
		return ~m->window_start;
	}
	return m->bytes[0] + m->bytes[1];
}

static int macro_cmp(const void *a, const void *b, void *arg)
{
	const struct strata_macroflow *x = a, *y = b;
	int by = *(int *)arg;
	__u64 u, v;

	u = sort_val(x, by);
	v = sort_val(y, by);
	if (u != v)
		return u < v ? 1 : -1;
	if (x->window_start != y->window_start)
		return x->window_start < y->window_start ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static unsigned int list_macroflows(struct req *r, struct list *l)
{
	static const char *const sorts[] = { "bytes", "packets", "flows", "lost", "time" };
	char err[256];
	size_t i;
	int by = S_BYTES, rc;

	if (r->val[P_SORT]) {
		for (by = 0; by < 5 && strcmp(r->val[P_SORT], sorts[by]); by++)
			;
		if (by == 5)
			return bad(r, 400, "sort: bytes, packets, flows, lost or time");
	}
	rc = strata_cstore_macroflows(r->a->cs, r->from, r->to, r->group, on_macro, l, err,
				      sizeof(err));
	if (rc)
		return bad(r, rc == -ENOMEM ? 500 : 503, "%s", rc == -ENOMEM ? "out of memory" : err);
	if (l->nm)	/* l->m is NULL when none matched: not for qsort_r() */
		qsort_r(l->m, l->nm, sizeof(*l->m), macro_cmp, &by);
	for (i = 0; i < l->nm && i < r->limit; i++) {
		json_t *o = macro_json(&l->m[i]);

		/* Its label against its baselines (lib/alarm.c). */
		if (o && r->a->al)
			json_object_set_new(o, "quality", strata_mlabel_json(r->a->al, &l->m[i]));
		json_array_append_new(l->rows, o);
	}
	l->truncated = l->nm > r->limit;
	return 200;
}

static int on_cflow(const struct strata_cflow *c, void *arg)
{
	struct strata_macro_key keys[__STRATA_GROUP_MAX];
	struct list *l = arg;
	struct req *r = l->r;

	if (r->val[P_GROUP] || r->has_addr || r->has_port || r->has_proto || r->val[P_APP]) {
		strata_macro_keys(c, keys);
		if (!key_matches(r, &keys[r->group]))
			return 0;
	}
	if (json_array_size(l->rows) == r->limit) {
		l->truncated = true;
		return -ECANCELED;	/* enough */
	}
	json_array_append_new(l->rows, cflow_json(r, c));
	return 0;
}

static unsigned int list_flows(struct req *r, struct list *l)
{
	char err[256];
	int rc;

	rc = strata_cstore_cflows(r->a->cs, r->from, r->to, on_cflow, l, err, sizeof(err));
	if (rc && rc != -ECANCELED)
		return bad(r, 503, "%s", err);
	return 200;
}

static int sensor_row(const struct strata_sensor *s, void *arg)
{
	struct list *l = arg;

	json_array_append_new(l->rows, sensor_json(s));
	return 0;
}

/* ---- containers: the rows and their schema ---- */

/* A field of a container: its catalog name, where the rows hold it. */
struct cfield {
	const char *name;
	const char *path;
};

#define STAT_FIELDS(m, p) \
	{ m "_n", p ".n" }, { m "_sum", p ".sum" }, { m "_sumsq", p ".sumsq" }, \
	{ m "_min", p ".min" }, { m "_max", p ".max" }

/* Transaction timing, under "txn" in every level's rows (jtxn()). */
#define TXN_FIELDS \
	STAT_FIELDS("txn_ttfb", "txn.ttfb"), STAT_FIELDS("txn_resp", "txn.resp"), \
	STAT_FIELDS("txn_first", "txn.first"), STAT_FIELDS("txn_dns", "txn.dns"), \
	{ "txn_requests", "txn.requests" }, { "txn_dns_queries", "txn.dns_queries" }

static const struct cfield macro_keys[__STRATA_GROUP_MAX][4] = {
	[STRATA_GROUP_SERVICE] = { { "server", "key.addr" }, { "port", "key.port" },
				   { "proto", "key.proto" } },
	[STRATA_GROUP_CLIENT] = { { "client", "key.addr" } },
	[STRATA_GROUP_APP] = { { "app", "key.app" }, { "proto", "key.proto" } },
};

static const struct cfield macro_fields[] = {
	{ "window", "window_start_ns" }, { "group", "group" },
	{ "from_ns", "window_start_ns" }, { "to_ns", "window_end_ns" },
	{ "cflows", "connected_flows" }, { "packets", "packets.*" }, { "bytes", "bytes.*" },
	{ "lost", "lost.*" }, STAT_FIELDS("rtt_hs", "rtt_handshake_ns"),
	STAT_FIELDS("delay", "delay_ns"), { "locations", "locations" }, TXN_FIELDS,
	{ "unsynced_locations", "unsynced_locations" },
};

static const struct cfield cflow_fields[] = {
	{ "window", "window_start_ns" }, { "id", "id" }, { "client", "client" },
	{ "client_port", "client_port" }, { "server", "server" },
	{ "server_port", "server_port" }, { "proto", "proto" },
	{ "from_ns", "window_start_ns" }, { "to_ns", "window_end_ns" },
	/* At the first location, as macroflows count them; lost: along the path. */
	{ "packets", "path.0.packets.*" }, { "bytes", "path.0.bytes.*" },
	{ "lost", "path.*.lost.*" }, { "locations", "locations" },
	{ "unsync_sensors", "unsync_sensors" },
	/* At the last location, the server's side, as macroflows count it. */
	TXN_FIELDS,
};

static const struct cfield lflow_fields[] = {
	{ "window", "window_start_ns" }, { "sensor", "sensor" },
	{ "conversation", "conversation" },
	{ "from_ns", "window_start_ns" }, { "to_ns", "window_end_ns" },
	{ "microflows", "microflows" }, { "packets", "dir.*.packets" },
	{ "bytes", "dir.*.bytes" }, { "payload_bytes", "dir.*.payload_bytes" },
	STAT_FIELDS("size", "dir.*.size"), STAT_FIELDS("iat", "dir.*.iat"),
	STAT_FIELDS("rtt_hs", "dir.*.rtt_handshake"), STAT_FIELDS("rtt_data", "dir.*.rtt_data"),
	{ "retrans", "dir.*.retransmits" }, { "unsync_sensors", "unsync_sensors" },
	TXN_FIELDS,
};

static const struct cfield sensor_fields[] = {
	{ "sensor", "id" }, { "location_flows", "location_flows" }, { "resent", "resent" },
	{ "window_marks", "window_marks" }, { "clock_error_ns", "clock_error_ns" },
};

#define NF(t)	(sizeof(t) / sizeof((t)[0]))

/* The keys of @f (@keys: true) or the others, in their order. */
static int add_fields(json_t *schema, const struct cfield *f, size_t n, bool keys)
{
	const struct strata_metric *m;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && f[i].name && !rc; i++) {
		m = strata_metric_find(f[i].name);
		if (!m)
			return -ENOENT;
		if ((m->kind == STRATA_MK_KEY) == keys)
			rc = strata_schema_field(schema, f[i].name, f[i].path);
	}
	return rc;
}

/*
 * {"schema": ..., "rows": @rows}: the fields of @type, the sensors the rows
 * came from (all of them: macroflows do not say which) with their clocks,
 * and the fields= asked for, computed into @rows.
 */
static unsigned int container(struct req *r, const char *type, unsigned int level,
			      __u64 window_ns, const struct cfield *f, size_t n, bool all,
			      json_t *rows, json_t **doc)
{
	json_t *schema = strata_schema_new(type, level, r->from, r->to, window_ns);
	unsigned int i;
	char err[1536];
	int rc;

	*doc = NULL;
	if (!schema)
		return bad(r, 500, "out of memory");
	/* Keys first, the group's among them. */
	rc = add_fields(schema, f, n, true);
	if (!rc && level == STRATA_LVL_MACROFLOW)
		rc = add_fields(schema, macro_keys[r->group], NF(macro_keys[0]), true);
	if (!rc)
		rc = add_fields(schema, f, n, false);
	for (i = 0; i < r->nsensors && !rc; i++)
		if (all || r->shown[i])
			rc = strata_schema_sensor(schema, r->sensors[i].id, r->sensors[i].version,
						  clock_name(&r->sensors[i]),
						  r->sensors[i].clock_error_ns);
	if (rc) {
		json_decref(schema);
		/* -ENOENT: a field not in the catalog at that level, a bug here. */
		return bad(r, 500, "%s schema: %s", type, strerror(-rc));
	}
	*doc = json_pack("{s:o,s:O}", "schema", schema, "rows", rows);
	if (!*doc)
		return bad(r, 500, "out of memory");
	if (r->val[P_FIELDS]) {
		rc = strata_container_derive(*doc, r->val[P_FIELDS], err, sizeof(err));
		if (rc)
			return bad(r, rc == -EINVAL ? 400 : 500, "%s", err);
	}
	return 0;
}

/* ---- CSV: every list, flattened the same way ---- */

/* Column names of a row: nested keys joined by '.', array items by index. */
static void flatten(json_t *v, const char *prefix, json_t *out)
{
	char name[256];
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, c) {
			snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", k);
			flatten(c, name, out);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			snprintf(name, sizeof(name), "%s.%zu", prefix, i);
			flatten(c, name, out);
		}
	} else {
		json_object_set(out, prefix, v);
	}
}

static int csv_cell(FILE *f, json_t *v)
{
	const char *s;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		return fprintf(f, "%lld", (long long)json_integer_value(v)) < 0;
	if (json_is_true(v) || json_is_false(v))
		return fputs(json_is_true(v) ? "true" : "false", f) < 0;
	s = json_string_value(v);
	if (!s)
		return 0;
	/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		return fputc('"', f) == EOF;
	}
	return fputs(s, f) < 0;
}

static int to_csv(json_t *rows, char **out, size_t *outlen)
{
	json_t *flat = json_array(), *cols = json_array(), *seen = json_object(), *c, *row;
	FILE *f = open_memstream(out, outlen);
	const char *k;
	size_t i, j;

	if (!f || !flat || !cols || !seen) {
		if (f)
			fclose(f);
		json_decref(flat);
		json_decref(cols);
		json_decref(seen);
		return -ENOMEM;
	}
	json_array_foreach(rows, i, row) {
		json_t *o = json_object();

		flatten(row, "", o);
		json_object_foreach(o, k, c) {
			if (!json_object_get(seen, k)) {
				json_object_set_new(seen, k, json_true());
				json_array_append_new(cols, json_string(k));
			}
		}
		json_array_append_new(flat, o);
	}
	json_array_foreach(cols, j, c)
		fprintf(f, "%s%s", j ? "," : "", json_string_value(c));
	fputs("\r\n", f);
	json_array_foreach(flat, i, row) {
		json_array_foreach(cols, j, c) {
			if (j)
				fputc(',', f);
			csv_cell(f, json_object_get(row, json_string_value(c)));
		}
		fputs("\r\n", f);
	}
	json_decref(flat);
	json_decref(cols);
	json_decref(seen);
	return fclose(f) ? -ENOMEM : 0;
}

/* The answer: @v as JSON, or @rows as CSV when asked. */
static unsigned int answer(struct req *r, json_t *v, json_t *rows, const char *name)
{
	struct strata_api_resp *resp = r->resp;

	if (!v)
		return bad(r, 500, "out of memory");
	if (r->pcapng)
		return bad(r, 400, "format: pcapng is for a flow's packets; json%s here",
			   rows ? " or csv" : "");
	if (r->csv && rows) {
		if (to_csv(rows, &resp->body, &resp->len))
			return bad(r, 500, "out of memory");
		resp->content_type = "text/csv; charset=utf-8";
		resp->filename = name;
		return 200;
	}
	resp->body = json_dumps(v, JSON_COMPACT);
	if (!resp->body)
		return bad(r, 500, "out of memory");
	resp->len = strlen(resp->body);
	resp->content_type = "application/json";
	return 200;
}

/* "WINDOW-SEQ", a connected flow's id. */
static int parse_cflow_id(const char *s, size_t n, __u64 *window, __u32 *seq)
{
	char buf[48], *dash, *end;
	unsigned long long w;
	unsigned long q;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	dash = strchr(buf, '-');
	if (!dash || dash == buf || !dash[1] || buf[0] < '0' || buf[0] > '9' ||
	    dash[1] < '0' || dash[1] > '9')
		return -EINVAL;
	*dash = 0;
	errno = 0;
	w = strtoull(buf, &end, 10);
	if (errno || *end)
		return -EINVAL;
	q = strtoul(dash + 1, &end, 10);
	if (errno || *end || q > 0xffffffffUL)
		return -EINVAL;
	*window = w;
	*seq = (__u32)q;
	return 0;
}

/*
 * A connected flow's microflows or packets, from the sensors on its path:
 * each is asked for the conversation as it saw it, over the flow window.
 */
static unsigned int drill(struct req *r, const struct strata_cflow *c, bool microflows)
{
	struct strata_drill_loc locs[STRATA_DRILL_LOCS_MAX];
	enum strata_drill_kind kind = microflows ? STRATA_DRILL_MICROFLOWS : STRATA_DRILL_PACKETS;
	const __u64 t2 = c->window_start + STRATA_STORE_FLOW_WINDOW_NS - 1;
	json_t *schema = NULL;
	unsigned int i, j, k, n = 0;
	int rc = 0;

	if (r->csv || (microflows && r->pcapng))
		return bad(r, 400, "format: json%s here", microflows ? "" : " or pcapng");
	if (r->pcapng)
		kind = STRATA_DRILL_PCAPNG;
	else
		schema = strata_schema_new(microflows ? "microflows" : "packets", microflows ?
					   STRATA_LVL_MICROFLOW : STRATA_LVL_PACKET,
					   c->window_start, t2, 0);
	for (i = 0; i < c->nhops && i < STRATA_PATH_MAX; i++) {
		/* A location seen under two keys: its packets of both. */
		for (k = 0; k < (c->hop[i].nkeys > 1 ? 2U : 1U); k++, n++) {
			locs[n].sensor = "?";
			locs[n].api_url = "";
			for (j = 0; j < r->nsensors; j++) {
				if (r->sensors[j].num != c->hop[i].sensor)
					continue;
				locs[n].sensor = r->sensors[j].id;
				locs[n].api_url = r->sensors[j].api_url;
				/* The schema names each sensor on the path once. */
				if (schema && !k && !rc)
					rc = strata_schema_sensor(schema, r->sensors[j].id,
								  r->sensors[j].version,
								  clock_name(&r->sensors[j]),
								  r->sensors[j].clock_error_ns);
			}
			locs[n].key = k ? c->hop[i].key2 : c->hop[i].key;
			locs[n].hop = i;
			locs[n].t1 = c->window_start;
			locs[n].t2 = t2;
		}
	}
	if (rc || strata_drill(locs, n, kind, schema, STRATA_DRILL_TIMEOUT_MS, r->resp)) {
		json_decref(schema);
		return bad(r, 500, "out of memory");
	}
	json_decref(schema);
	if (r->resp->status != 200)
		return bad(r, r->resp->status, "no sensor on the path answered: %s",
			   r->resp->partial);
	return 200;
}

extern const char strata_capi_openapi[];

static unsigned int dispatch(struct req *r, const char *method, const char *path,
			     const struct strata_api_arg *args, unsigned int nargs)
{
	const unsigned int list = 1U << P_FROM | 1U << P_TO | 1U << P_LIMIT | 1U << P_FORMAT |
				  1U << P_FIELDS;
	const unsigned int grp = 1U << P_GROUP | 1U << P_ADDR | 1U << P_PORT | 1U << P_PROTO |
				 1U << P_APP;
	struct list l = { .r = r };
	/* What the rows are, for their schema. */
	const struct cfield *cf = NULL;
	const char *type = NULL;
	unsigned int level = 0;
	size_t ncf = 0;
	__u64 wns = STRATA_STORE_FLOW_WINDOW_NS;
	bool all = false;
	json_t *doc = NULL;
	struct strata_cflow c;
	char err[256], shown[96];
	unsigned int st;
	json_t *v;
	__u64 w;
	__u32 seq;
	int rc;

	/* Alarms (lib/alarm.c): their own methods, a POST among them. */
	if (r->a->al && !strncmp(path, "/api/v1/alarms", 14) && (!path[14] || path[14] == '/'))
		return strata_alarms_api(r->a->al, r->a->token, method, path + 14, args, nargs, r->auth,
					 r->resp, r->msg, sizeof(r->msg));
	if (strcmp(method, "GET")) {
		r->resp->allow = "GET";
		return bad(r, 405, "%s: only GET is served",
			   strata_api_printable(method, shown, sizeof(shown)));
	}
	if (!strcmp(path, "/api/openapi.json")) {
		if (nargs)
			return bad(r, 400, "openapi.json takes no parameters");
		r->resp->body = strdup(strata_capi_openapi);
		if (!r->resp->body)
			return bad(r, 500, "out of memory");
		r->resp->len = strlen(r->resp->body);
		r->resp->content_type = "application/json";
		return 200;
	}
	if (strncmp(path, "/api/v1/", 8))
		return bad(r, 404, "no such endpoint: %s (see /api/openapi.json)",
			   strata_api_printable(path, shown, sizeof(shown)));
	path += 8;
	/* Sensor names for every answer that shows sensor numbers. */
	rc = strata_cstore_sensors(r->a->cs, load_sensor, r, err, sizeof(err));
	if (rc)
		return bad(r, 503, "%s", rc == -ENOMEM ? "out of memory" : err);
	if (!strcmp(path, "info")) {
		struct strata_cstore_info i;

		if ((st = parse_params(r, 0, args, nargs)))
			return st;
		if (strata_cstore_info(r->a->cs, &i, err, sizeof(err)))
			return bad(r, 503, "%s", err);
		v = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "budget", (json_int_t)i.budget,
			      "used_bytes", (json_int_t)i.used_bytes, "sensors", (json_int_t)i.sensors,
			      "location_flows", (json_int_t)i.lflows,
			      "connected_flows", (json_int_t)i.cflows,
			      "macroflows", (json_int_t)i.macroflows,
			      "windows_to_stitch", (json_int_t)i.dirty,
			      "windows_trimmed", (json_int_t)i.windows_trimmed,
			      "macro_window_ns", (json_int_t)i.macro_window_ns);
		st = answer(r, v, NULL, NULL);
		json_decref(v);
		return st;
	}
	l.rows = json_array();
	if (!l.rows)
		return bad(r, 500, "out of memory");
	if (!strcmp(path, "sensors")) {
		type = "sensors";
		level = STRATA_LVL_SENSOR;
		cf = sensor_fields;
		ncf = NF(sensor_fields);
		all = true;
		wns = 0;
		st = parse_params(r, 1U << P_FORMAT | 1U << P_FIELDS, args, nargs);
		if (!st) {
			rc = strata_cstore_sensors(r->a->cs, sensor_row, &l, err, sizeof(err));
			st = rc ? bad(r, 503, "%s", err) : 0;
		}
	} else if (!strcmp(path, "macroflows")) {
		type = "macroflows";
		level = STRATA_LVL_MACROFLOW;
		cf = macro_fields;
		ncf = NF(macro_fields);
		all = true;
		st = parse_params(r, list | grp | 1U << P_SORT, args, nargs);
		if (!st)
			st = list_macroflows(r, &l);
		wns = l.nm ? l.m[0].window_ns : 0;
	} else if (!strcmp(path, "flows")) {
		type = "flows";
		level = STRATA_LVL_CFLOW;
		cf = cflow_fields;
		ncf = NF(cflow_fields);
		st = parse_params(r, list | grp, args, nargs);
		if (!st)
			st = list_flows(r, &l);
	} else if (!strncmp(path, "flows/", 6)) {
		const char *id = path + 6, *rest = strchr(id, '/');
		size_t n = rest ? (size_t)(rest - id) : strlen(id);

		if (parse_cflow_id(id, n, &w, &seq))
			st = bad(r, 400, "flows/ID: ID is WINDOW-SEQ, as a flow's \"id\"");
		else if (rest && strcmp(rest, "/locations") && strcmp(rest, "/microflows") &&
			 strcmp(rest, "/packets"))
			st = bad(r, 404, "no such endpoint: flows/ID%s",
				 strata_api_printable(rest, shown, sizeof(shown)));
		else if ((st = parse_params(r, rest ? 1U << P_FORMAT |
					    (strcmp(rest, "/locations") ? 0 : 1U << P_FIELDS) :
					    1U << P_FIELDS, args, nargs)))
			;
		else if ((rc = strata_cstore_cflow_get(r->a->cs, w, seq, &c, err, sizeof(err))))
			st = bad(r, rc == -ENOENT ? 404 : 503, "%s", err);
		else if (!rest) {
			/* A container of one row, as the list has it, over its window. */
			type = "flows";
			level = STRATA_LVL_CFLOW;
			cf = cflow_fields;
			ncf = NF(cflow_fields);
			r->from = c.window_start;
			r->to = c.window_start + STRATA_STORE_FLOW_WINDOW_NS - 1;
			v = cflow_json(r, &c);
			if (!v || json_array_append_new(l.rows, v))
				st = bad(r, 500, "out of memory");
		} else if (strcmp(rest, "/locations")) {
			json_decref(l.rows);
			return drill(r, &c, !strcmp(rest, "/microflows"));
		} else {
			unsigned int i, k;

			type = "locations";
			level = STRATA_LVL_FLOW;
			r->from = c.window_start;
			r->to = c.window_start + STRATA_STORE_FLOW_WINDOW_NS - 1;
			cf = lflow_fields;
			ncf = NF(lflow_fields);
			/* Each hop's location flows: two where it had two keys. */
			for (i = 0; i < c.nhops && i < STRATA_PATH_MAX && !st; i++) {
				for (k = 0; k < (c.hop[i].nkeys > 1 ? 2U : 1U) && !st; k++) {
					struct strata_lflow lf;

					rc = strata_cstore_lflow_get(r->a->cs, c.window_start,
								     c.hop[i].sensor,
								     k ? &c.hop[i].key2 : &c.hop[i].key,
								     &lf, err, sizeof(err));
					if (rc)
						st = bad(r, rc == -ENOENT ? 404 : 503, "%s", err);
					else
						json_array_append_new(l.rows, lflow_json(r, &lf));
				}
			}
		}
	} else {
		st = bad(r, 404, "no such endpoint: /api/v1/%s (see /api/openapi.json)",
			 strata_api_printable(path, shown, sizeof(shown)));
	}
	if ((!st || st == 200) && type)
		st = container(r, type, level, wns, cf, ncf, all, l.rows, &doc);
	if (!st || st == 200) {
		st = answer(r, doc ? doc : l.rows, l.rows, "strata.csv");
		r->resp->truncated = l.truncated;
	}
	json_decref(doc);
	json_decref(l.rows);
	free(l.m);
	return st;
}

int strata_capi_handle(struct strata_capi *a, const char *method, const char *path,
		       const struct strata_api_arg *args, unsigned int nargs, const char *auth,
		       struct strata_api_resp *resp)
{
	struct req *r = calloc(1, sizeof(*r));
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	if (!r) {
		resp->status = 500;
		return -ENOMEM;
	}
	r->a = a;
	r->resp = resp;
	r->auth = auth;
	resp->status = dispatch(r, method, path, args, nargs);
	if (resp->status != 200) {
		free(resp->body);
		resp->body = NULL;
		rc = strata_api_error(resp, resp->status, "%s", r->msg);
	}
	free(r->sensors);
	free(r->shown);
	free(r);
	return rc;
}

int strata_capi_handler(void *ctx, const char *method, const char *path,
			const struct strata_api_arg *args, unsigned int nargs, const char *auth,
			struct strata_api_resp *resp)
{
	return strata_capi_handle(ctx, method, path, args, nargs, auth, resp);
}
