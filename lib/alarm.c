// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Alarms: metrics over macroflows, rules, and their evaluation window by window with
 * the baselines, in an LMDB environment of its own (the alarm store).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <jansson.h>
#include <lmdb.h>
#include <xxhash.h>
#include "alarm.h"
#include "bytes.h"
#include "container.h"
#include "err.h"
#include "lmdbutil.h"
#include "keywords.h"
#include "metrics.h"
#include "token.h"

/* ---- metrics: the catalog's, over a macroflow ---- */

/*
 * An alarm's metric is a formula of the metric catalog's evaluator
 * (strata_expr_*, lib/metrics.c) over the names below, each a slot of the
 * value array a macroflow fills: the catalog's macroflow fundamentals, the
 * shares of each direction the catalog does not carry (a macroflow
 * container sums both), and then the catalog's derived macroflow metrics
 * and the older names kept as aliases, each computed from those before it.
 */
enum {
	S_FROM, S_TO, S_PACKETS, S_BYTES, S_RTT_N, S_RTT_SUM, S_RTT_SUMSQ, S_RTT_MIN,
	S_RTT_MAX, S_LOST, S_DELAY_N, S_DELAY_SUM, S_DELAY_SUMSQ, S_DELAY_MIN, S_DELAY_MAX,
	S_CFLOWS, S_LOCATIONS,
	/* Transactions: four sample sets of five slots each, then two counts. */
	S_TXN_TTFB, S_TXN_RESP = S_TXN_TTFB + 5, S_TXN_FIRST = S_TXN_RESP + 5,
	S_TXN_DNS = S_TXN_FIRST + 5, S_TXN_REQUESTS = S_TXN_DNS + 5, S_TXN_DNS_QUERIES,
	S_UNSYNCED,
	/* Not in the catalog: the directions' shares, and the time with traffic. */
	S_PKT_C2S, S_PKT_S2C, S_BYTES_C2S, S_BYTES_S2C, S_LOST_C2S, S_LOST_S2C, S_DURATION,
	__S_FUND
};

static const char *const fund_names[__S_FUND] = {
	"from_ns", "to_ns", "packets", "bytes", "rtt_hs_n", "rtt_hs_sum", "rtt_hs_sumsq",
	"rtt_hs_min", "rtt_hs_max", "lost", "delay_n", "delay_sum", "delay_sumsq", "delay_min",
	"delay_max", "cflows", "locations",
	"txn_ttfb_n", "txn_ttfb_sum", "txn_ttfb_sumsq", "txn_ttfb_min", "txn_ttfb_max",
	"txn_resp_n", "txn_resp_sum", "txn_resp_sumsq", "txn_resp_min", "txn_resp_max",
	"txn_first_n", "txn_first_sum", "txn_first_sumsq", "txn_first_min", "txn_first_max",
	"txn_dns_n", "txn_dns_sum", "txn_dns_sumsq", "txn_dns_min", "txn_dns_max",
	"txn_requests", "txn_dns_queries", "unsynced_locations",
	"packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c", "lost_c2s", "lost_s2c",
	"duration_s",
};

/* The names alarm rules had before they took the catalog's (alarms.rst). */
static const struct { const char *name, *formula; } aliases[] = {
	{ "flows", "cflows" },
	{ "connected_flows", "cflows" },
	{ "rtt_ms", "avg_rtt_hs / 1000000" },
	{ "delay_ms", "avg_delay / 1000000" },
	{ "bytes_per_flow", "bytes / cflows" },
	{ "bits_per_second", "bit_rate" },
	{ "window_s", "interval_s" },
};

#define NALIASES	(sizeof(aliases) / sizeof(aliases[0]))
/* Derived macroflow metrics of the catalog: a few dozen at most. */
#define MAX_DERIVED	48

/* The metrics with baselines, in STRATA_BASE_* order, and their floors. */
static const char *const base_names[STRATA_BASE_METRICS] = {
	"bytes", "packets", "flows", "rtt_ms", "loss_ratio",
};
static const double base_min_abs[STRATA_BASE_METRICS] = { 10000, 10, 2, 1, 0.005 };

/*
 * The computed slots, compiled once (the catalog is constant): derived
 * metrics from __S_FUND on, then the aliases.
 */
static struct {
	pthread_once_t once;
	int rc;
	char err[256];
	unsigned int nder;	/* catalog derived metrics */
	const char *name[MAX_DERIVED + NALIASES];
	struct strata_expr *e[MAX_DERIVED + NALIASES];
} mx = { .once = PTHREAD_ONCE_INIT };

#define NSLOTS	(__S_FUND + MAX_DERIVED + NALIASES)

/* Slots usable so far: @upto computed ones (those a formula may build on). */
struct slot_scope {
	unsigned int upto;
	char bad[64];		/* the name refused, for the message */
};

static int slot_of(const char *name, void *arg)
{
	struct slot_scope *sc = arg;
	unsigned int i;

	for (i = 0; i < __S_FUND; i++)
		if (!strcmp(name, fund_names[i]))
			return (int)i;
	for (i = 0; i < sc->upto; i++)
		if (!strcmp(name, mx.name[i]))
			return (int)(__S_FUND + i);
	snprintf(sc->bad, sizeof(sc->bad), "%s", name);
	return -ENOENT;
}

static void compile_computed(void)
{
	struct slot_scope sc = { 0 };
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < strata_nmetrics && !mx.rc; i++) {
		const struct strata_metric *m = &strata_metrics[i];

		if (m->kind != STRATA_MK_DERIVED || !(m->levels & STRATA_LVL_MACROFLOW))
			continue;
		if (n == MAX_DERIVED) {
			mx.rc = strata_seterr(mx.err, sizeof(mx.err), E2BIG, "alarm metrics: more "
					      "than %d derived macroflow metrics", MAX_DERIVED);
			break;
		}
		/* Derived metrics build on fundamentals only. */
		mx.rc = strata_expr_parse(m->formula, slot_of, &sc, &mx.e[n], mx.err,
					  sizeof(mx.err));
		mx.name[n++] = m->name;
	}
	mx.nder = n;
	for (i = 0; i < NALIASES && !mx.rc; i++) {
		sc.upto = n;
		mx.rc = strata_expr_parse(aliases[i].formula, slot_of, &sc, &mx.e[n], mx.err,
					  sizeof(mx.err));
		mx.name[n++] = aliases[i].name;
	}
}

static int computed_ready(char *err, size_t errlen)
{
	pthread_once(&mx.once, compile_computed);
	if (mx.rc)
		return strata_seterr(err, errlen, -mx.rc, "%s", mx.err);
	return 0;
}

int strata_alarm_metric_parse(const char *text, struct strata_expr **out, char *err,
			      size_t errlen)
{
	struct slot_scope sc;
	char why[256];
	int rc;

	*out = NULL;
	rc = computed_ready(err, errlen);
	if (rc)
		return rc;
	if (strlen(text) >= STRATA_FORMULA_TEXT)
		return strata_seterr(err, errlen, EINVAL, "metric '%.20s...': longer than %d bytes",
				     text, STRATA_FORMULA_TEXT - 1);
	memset(&sc, 0, sizeof(sc));
	sc.upto = mx.nder + NALIASES;
	rc = strata_expr_parse(text, slot_of, &sc, out, why, sizeof(why));
	if (rc == -EINVAL && *sc.bad)
		return strata_seterr(err, errlen, EINVAL, "metric '%s': '%s' is no metric of a "
				     "macroflow (bytes, packets, cflows, avg_rtt_hs, loss_ratio, "
				     "...: Documentation/alarms.rst)", text, sc.bad);
	if (rc)
		return strata_seterr(err, errlen, -rc, "metric '%s': %s", text, why);
	return 0;
}

/* A sample set's five slots: n, sum, sum of squares, min, max (no value without samples). */
static void stat_slots(double *v, const struct strata_stat *st)
{
	v[0] = (double)st->n;
	v[1] = (double)st->sum;
	v[2] = ldexp((double)st->sumsq_hi, 64) + (double)st->sumsq_lo;
	v[3] = st->n ? (double)st->min : NAN;
	v[4] = st->n ? (double)st->max : NAN;
}

/* The value of each slot in @m; @v of NSLOTS. */
static void fill_slots(const struct strata_macroflow *m, double *v)
{
	unsigned int i;

	v[S_FROM] = (double)m->window_start;
	v[S_TO] = (double)(m->window_start + m->window_ns);
	v[S_PKT_C2S] = (double)m->packets[0];
	v[S_PKT_S2C] = (double)m->packets[1];
	v[S_PACKETS] = v[S_PKT_C2S] + v[S_PKT_S2C];
	v[S_BYTES_C2S] = (double)m->bytes[0];
	v[S_BYTES_S2C] = (double)m->bytes[1];
	v[S_BYTES] = v[S_BYTES_C2S] + v[S_BYTES_S2C];
	v[S_LOST_C2S] = (double)m->lost[0];
	v[S_LOST_S2C] = (double)m->lost[1];
	v[S_LOST] = v[S_LOST_C2S] + v[S_LOST_S2C];
	/* A min or max of no samples is no value (containers: "guard"). */
	stat_slots(v + S_RTT_N, &m->rtt_hs);
	stat_slots(v + S_DELAY_N, &m->delay);
	stat_slots(v + S_TXN_TTFB, &m->txn.ttfb);
	stat_slots(v + S_TXN_RESP, &m->txn.resp);
	stat_slots(v + S_TXN_FIRST, &m->txn.first);
	stat_slots(v + S_TXN_DNS, &m->txn.dns);
	v[S_TXN_REQUESTS] = (double)m->txn.requests;
	v[S_TXN_DNS_QUERIES] = (double)m->txn.dns_queries;
	v[S_UNSYNCED] = (double)m->unsynced;
	v[S_CFLOWS] = (double)m->cflows;
	v[S_LOCATIONS] = (double)m->hops;
	v[S_DURATION] = m->last_ns > m->first_ns ? (m->last_ns - m->first_ns) / 1e9 : 0;
	/* In order: each computed slot builds only on those before it. */
	for (i = 0; i < mx.nder + NALIASES; i++)
		v[__S_FUND + i] = strata_expr_eval(mx.e[i], v);
}

/* A metric over slots fill_slots() filled (NaN: no value). */
static double slots_value(const struct strata_expr *e, const double *v)
{
	double r = strata_expr_eval(e, v);

	return isfinite(r) ? r : NAN;
}

double strata_alarm_metric_value(const struct strata_expr *e, const struct strata_macroflow *m)
{
	double v[NSLOTS];

	/* Every compiled metric went through strata_alarm_metric_parse(). */
	fill_slots(m, v);
	return slots_value(e, v);
}

const char *strata_base_metric_name(unsigned int i)
{
	return i < STRATA_BASE_METRICS ? base_names[i] : "any";
}

/* ---- rules ---- */

static const char *const group_names[__STRATA_GROUP_MAX] = {
	[STRATA_GROUP_SERVICE] = "service",
	[STRATA_GROUP_CLIENT] = "client",
	[STRATA_GROUP_APP] = "application",
};

static const char *const sev_names[] = { "info", "warning", "critical" };

const char *strata_alarm_severity_name(int severity)
{
	return severity >= 0 && severity <= STRATA_SEV_CRITICAL ? sev_names[severity] : "?";
}

/* "ADDR:PORT/PROTO" ("[V6]:PORT/PROTO"), "ADDR", "NAME[/PROTO]" of @group. */
static int parse_key(struct strata_alarm_rule *r, const char *s, char *err, size_t errlen)
{
	struct strata_macro_key *k = &r->key;
	char buf[96], *port, *proto;
	__u8 prefix;
	__u32 u;
	int fam;

	if (strlen(s) >= sizeof(buf))
		return strata_seterr(err, errlen, EINVAL, "key '%.20s...': too long", s);
	strcpy(buf, s);
	k->group = r->group;
	if (r->group == STRATA_GROUP_APP) {
		proto = strchr(buf, '/');
		if (proto) {
			*proto++ = 0;
			if (strata_kw_proto(proto, &k->proto))
				return strata_seterr(err, errlen, EINVAL,
						     "application=%s: '%s' is not tcp, udp, ... or a number",
						     s, proto);
			r->key_proto = true;
		}
		if (!*buf || strlen(buf) >= sizeof(k->app))
			return strata_seterr(err, errlen, EINVAL,
					     "application=%s: a name of 1 to %zu bytes (http, dns, tcp/8080)",
					     s, sizeof(k->app) - 1);
		strcpy(k->app, buf);
		return 0;
	}
	if (r->group == STRATA_GROUP_CLIENT) {
		fam = strata_kw_addr(buf, k->addr, &prefix);
		if (fam < 0 || prefix != 128)
			return strata_seterr(err, errlen, EINVAL,
					     "client=%s: not an IPv4 or IPv6 address", s);
		k->family = (__u8)fam;
		return 0;
	}
	/* service=ADDR:PORT/PROTO; an IPv6 address in brackets. */
	proto = strrchr(buf, '/');
	if (!proto)
		return strata_seterr(err, errlen, EINVAL,
				     "service=%s: expected ADDR:PORT/PROTO ([V6]:PORT/PROTO)", s);
	*proto++ = 0;
	port = strrchr(buf, ':');
	if (!port || strata_kw_proto(proto, &k->proto))
		return strata_seterr(err, errlen, EINVAL,
				     "service=%s: expected ADDR:PORT/PROTO ([V6]:PORT/PROTO)", s);
	*port++ = 0;
	if (strata_kw_u32(port, 0, 65535, &u))
		return strata_seterr(err, errlen, EINVAL, "service=%s: '%s' is not a port", s, port);
	k->port = (__u16)u;
	if (buf[0] == '[' && port - buf >= 3 && port[-2] == ']') {
		port[-2] = 0;
		fam = strata_kw_addr(buf + 1, k->addr, &prefix);
		if (fam != 6)
			fam = -1;
	} else {
		fam = strata_kw_addr(buf, k->addr, &prefix);
		if (fam != 4)
			fam = -1;
	}
	if (fam < 0 || prefix != 128)
		return strata_seterr(err, errlen, EINVAL,
				     "service=%s: not an address (IPv6 in brackets)", s);
	k->family = (__u8)fam;
	return 0;
}

static int parse_number(const char *s, double *v)
{
	char *end;

	if (!s)
		return -EINVAL;
	*v = strtod(s, &end);
	if (end == s || !isfinite(*v))
		return -EINVAL;
	if (*end == '%' && !end[1])
		return 1;
	return *end ? -EINVAL : 0;
}

/* "90", "90s", "5m", "2h": ns. */
static int parse_dur(const char *s, __u64 *ns)
{
	char *end;
	unsigned long long v;
	__u64 mult = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'm')
		mult = 60;
	else if (*end == 'h')
		mult = 3600;
	else if (*end && *end != 's')
		return -EINVAL;
	if (*end && end[1])
		return -EINVAL;
	if (!v || v > 86400 / mult)
		return -ERANGE;
	*ns = v * mult * 1000000000ULL;
	return 0;
}

#define RULE_WORDS	40

static int rule_bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rule_bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The rule's options after its condition; @w at the first. */
static int parse_options(struct strata_alarm_rule *r, char **w, int nw, int i, char *err,
			 size_t errlen)
{
	bool clear = false;
	unsigned int s;
	__u32 u;

	for (; i < nw; i += 2) {
		const char *v = i + 1 < nw ? w[i + 1] : NULL;

		if (!strcmp(w[i], "clear")) {
			int pc = parse_number(v, &r->clear);

			if (pc < 0 || (pc == 1) != (r->kind == STRATA_ALARM_CHANGE))
				return rule_bad(err, errlen, "clear: a number%s", r->kind ==
						STRATA_ALARM_CHANGE ? " with %" : "");
			clear = true;
		} else if (!strcmp(w[i], "hold")) {
			if (!v || strata_kw_u32(v, 1, 1000, &u))
				return rule_bad(err, errlen, "hold: a number of windows from 1 to 1000");
			r->hold = u;
		} else if (!strcmp(w[i], "severity")) {
			for (s = 0; s <= STRATA_SEV_CRITICAL && (!v || strcmp(v, sev_names[s])); s++)
				;
			if (s > STRATA_SEV_CRITICAL)
				return rule_bad(err, errlen, "severity: info, warning or critical");
			r->severity = (__u8)s;
		} else if (!strcmp(w[i], "record")) {
			if (parse_dur(v, &r->record_ns))
				return rule_bad(err, errlen,
						"record: a duration up to a day (90s, 5m, 1h)");
		} else {
			return rule_bad(err, errlen, "'%s': expected clear, hold, severity or record",
					w[i]);
		}
	}
	if (!clear)
		r->clear = r->raise;
	if (r->above && r->clear > r->raise)
		return rule_bad(err, errlen, "clear %g: an 'above' rule clears at or below %g",
				r->clear, r->raise);
	if (!r->above && r->clear < r->raise)
		return rule_bad(err, errlen, "clear %g: a 'below' rule clears at or above %g",
				r->clear, r->raise);
	return 0;
}

int strata_alarm_rule_parse(const char *text, struct strata_alarm_rule *r, char *err,
			    size_t errlen)
{
	char buf[STRATA_ALARM_TEXT_MAX], metric[STRATA_FORMULA_TEXT], *w[RULE_WORDS], *eq, *save;
	int nw = 0, i, j, rc;
	size_t n = 0;
	unsigned int g;

	memset(r, 0, sizeof(*r));
	if (strlen(text) >= sizeof(buf))
		return rule_bad(err, errlen, "longer than %zu bytes", sizeof(buf) - 1);
	strcpy(r->text, text);
	strcpy(buf, text);
	for (w[nw] = strtok_r(buf, " \t", &save); w[nw]; w[nw] = strtok_r(NULL, " \t", &save))
		if (++nw == RULE_WORDS)
			return rule_bad(err, errlen, "more than %d words", RULE_WORDS - 1);
	if (nw < 5)
		return rule_bad(err, errlen, "expected NAME GROUP[=KEY] METRIC [change|score] "
				"above|below VALUE [clear VALUE] [hold N] [severity S] [record DURATION]");
	if (strlen(w[0]) >= sizeof(r->name) || !isalpha((unsigned char)w[0][0]))
		return rule_bad(err, errlen, "'%s': a name starts with a letter and is under %zu bytes",
				w[0], sizeof(r->name));
	for (j = 0; w[0][j]; j++)
		if (!isalnum((unsigned char)w[0][j]) && w[0][j] != '-' && w[0][j] != '_')
			return rule_bad(err, errlen, "'%s': a name of letters, digits, - and _", w[0]);
	strcpy(r->name, w[0]);
	eq = strchr(w[1], '=');
	if (eq)
		*eq = 0;
	for (g = 0; g < __STRATA_GROUP_MAX && strcmp(w[1], group_names[g]); g++)
		;
	if (g == __STRATA_GROUP_MAX)
		return rule_bad(err, errlen, "'%s': the group is service, client or application",
				w[1]);
	r->group = (__u8)g;
	r->key.group = (__u8)g;
	if (eq) {
		rc = parse_key(r, eq + 1, err, errlen);
		if (rc)
			return rc;
		r->has_key = true;
	}
	/* The metric: the words up to the condition (a formula may have spaces). */
	for (i = 2; i < nw && strcmp(w[i], "above") && strcmp(w[i], "below") &&
	     strcmp(w[i], "change") && strcmp(w[i], "score"); i++) {
		j = snprintf(metric + n, sizeof(metric) - n, "%s%s", n ? " " : "", w[i]);
		if (j < 0 || (size_t)j >= sizeof(metric) - n)
			return rule_bad(err, errlen, "the metric is longer than %zu bytes",
					sizeof(metric) - 1);
		n += (size_t)j;
	}
	if (i == 2)
		return rule_bad(err, errlen, "a metric is missing before '%s'", i < nw ? w[i] : "");
	if (i + 1 >= nw)
		return rule_bad(err, errlen, "a condition is missing: above VALUE, below VALUE, "
				"change above|below PERCENT%%, score above VALUE");
	r->kind = STRATA_ALARM_THRESHOLD;
	if (!strcmp(w[i], "change") || !strcmp(w[i], "score")) {
		r->kind = w[i][0] == 'c' ? STRATA_ALARM_CHANGE : STRATA_ALARM_SCORE;
		i++;
		if (strcmp(w[i], "above") && strcmp(w[i], "below"))
			return rule_bad(err, errlen, "'%s': expected above or below", w[i]);
	}
	r->above = !strcmp(w[i], "above");
	rc = i + 1 < nw ? parse_number(w[i + 1], &r->raise) : -EINVAL;
	if (rc < 0 || (rc == 1) != (r->kind == STRATA_ALARM_CHANGE))
		return rule_bad(err, errlen, "%s %s: expected a number%s", w[i],
				i + 1 < nw ? w[i + 1] : "", r->kind == STRATA_ALARM_CHANGE ?
				" with % (50%, -30%)" : "");
	if (r->kind == STRATA_ALARM_SCORE) {
		if (!r->above || r->raise <= 0)
			return rule_bad(err, errlen, "score: only 'score above N', N above 0");
		for (g = 0; g < STRATA_BASE_METRICS && strcmp(metric, base_names[g]); g++)
			;
		if (g == STRATA_BASE_METRICS && strcmp(metric, "any"))
			return rule_bad(err, errlen, "score of '%s': the metrics with baselines are "
					"bytes, packets, flows, rtt_ms, loss_ratio, or any", metric);
		r->base = (__u8)g;
	} else {
		/* Checked here; strata_alarms_open() compiles it again for itself. */
		struct strata_expr *e;

		rc = strata_alarm_metric_parse(metric, &e, err, errlen);
		if (rc)
			return rc;
		strata_expr_free(e);
	}
	strcpy(r->metric, metric);
	r->hold = 1;
	r->severity = STRATA_SEV_WARNING;
	return parse_options(r, w, nw, i + 2, err, errlen);
}

/* Whether a macroflow key is one a rule watches. */
static bool rule_matches(const struct strata_alarm_rule *r, const struct strata_macro_key *k)
{
	const struct strata_macro_key *w = &r->key;

	if (k->group != r->group)
		return false;
	if (!r->has_key)
		return true;
	switch (r->group) {
	case STRATA_GROUP_SERVICE:
		return k->family == w->family && k->port == w->port && k->proto == w->proto &&
			!memcmp(k->addr, w->addr, 16);
	case STRATA_GROUP_CLIENT:
		return k->family == w->family && !memcmp(k->addr, w->addr, 16);
	}
	return !strncmp(k->app, w->app, sizeof(k->app)) && (!r->key_proto || k->proto == w->proto);
}

const char *strata_alarm_key_str(const struct strata_macro_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 8], pb[16];
	const char *proto = strata_proto_name(k->proto, pb, sizeof(pb));

	strata_addr_format(k->addr, -1, a, sizeof(a));
	if (k->group == STRATA_GROUP_SERVICE)
		snprintf(buf, len, k->family == 6 ? "[%s]:%u/%s" : "%s:%u/%s", a, k->port, proto);
	else if (k->group == STRATA_GROUP_CLIENT)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%.*s/%s", (int)sizeof(k->app), k->app, proto);
	return buf;
}

/* ---- the store ---- */

/*
 * Tables (Documentation/alarms.rst, "The alarm store"):
 *   meta    "version", "next_id", "next_window", "window_ns" -> __u64
 *   base    group (u8), key hash (be64)   -> struct base_hdr, then a model
 *                                            (struct strata_hw) per metric
 *   label   window (be64), group (u8), key hash (be64) -> struct strata_mlabel
 *   rstate  rule hash (be64), group (u8), key hash (be64) -> struct rstate
 *   alarm   id (be64)                     -> struct strata_alarm
 */
#define ALARM_STORE_VERSION	1
#define KEY_SEED		0x616c726dU	/* "alrm" */

struct base_hdr {
	struct strata_macro_key key;
	__u64 seen;		/* the last window number with traffic */
	__u64 last;		/* the last window number learnt */
	__u32 season;
	__u32 nmetrics;
};

/* A rule's state on one key. */
struct rstate {
	struct strata_macro_key key;
	__u64 seen, last;	/* window numbers: with traffic, evaluated */
	double prev;		/* the metric in the last window (CHANGE) */
	__u32 run;		/* windows in a row the condition held */
	__u32 pad;
	__u64 run_start;	/* the first of them (ns) */
	double run_value, run_peak;
	__u64 alarm;		/* the open alarm, 0: none */
};

struct event {
	struct strata_alarm a;
	bool raised;
	const struct strata_alarm_rule *rule;
};

struct strata_alarms {
	MDB_env *env;
	MDB_dbi meta, base, label, rstate, alarm;
	struct strata_alarm_config c;
	struct strata_alarm_rule *rules;
	struct strata_expr *base_e[STRATA_BASE_METRICS];
	struct strata_expr **rule_e;	/* per rule: its metric (NULL: SCORE) */
	struct strata_hw_params hwp[STRATA_BASE_METRICS];
	size_t base_size;
	__u8 *buf;		/* a base record being worked on */
	__u64 next;		/* the first window not evaluated (atomic) */
	__u64 nbase;		/* base records (atomic) */
	struct strata_alarms_stats st;	/* atomics */
};

static int lmdb_err(char *err, size_t errlen, int rc, const char *what)
{
	return strata_lmdb_err(err, errlen, rc, "alarm store", what);
}

/* Whether a stored alarm is open (LMDB's values are not aligned: copied out). */
static bool stored_open(const MDB_val *v)
{
	__u8 open;

	if (v->mv_size != sizeof(struct strata_alarm))
		return false;
	memcpy(&open, (const __u8 *)v->mv_data + offsetof(struct strata_alarm, open), 1);
	return open;
}

static void add(__u64 *c, __u64 n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static __u64 key_hash(const struct strata_macro_key *k)
{
	return XXH64(k, sizeof(*k), KEY_SEED);
}

/* A 17-byte key: 8 bytes of @a, @group, 8 bytes of @b. */
struct k17 {
	__u8 b[17];
	MDB_val v;
};

static MDB_val *k17(struct k17 *k, __u64 a, __u8 group, __u64 b)
{
	strata_be64_put(k->b, a);
	k->b[8] = group;
	strata_be64_put(k->b + 9, b);
	k->v.mv_data = k->b;
	k->v.mv_size = 17;
	return &k->v;
}

static MDB_val *k8(struct k17 *k, __u64 a)
{
	strata_be64_put(k->b, a);
	k->v.mv_data = k->b;
	k->v.mv_size = 8;
	return &k->v;
}

static MDB_val *k9(struct k17 *k, __u8 group, __u64 h)
{
	k->b[0] = group;
	strata_be64_put(k->b + 1, h);
	k->v.mv_data = k->b;
	k->v.mv_size = 9;
	return &k->v;
}

void strata_alarm_config_default(struct strata_alarm_config *c)
{
	memset(c, 0, sizeof(*c));
	strata_hw_params_default(&c->hw);
	c->base_groups = 1U << STRATA_GROUP_SERVICE | 1U << STRATA_GROUP_APP;
	c->base_keys_max = 10000;
	c->budget = 256ULL << 20;
	c->history_max = 100000;
}

static int count_open(struct strata_alarms *al, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, al->alarm, &cur);

	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (stored_open(&v))
			al->st.active++;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int strata_alarms_open(const char *path, const struct strata_alarm_config *c,
		       struct strata_alarms **out, char *err, size_t errlen)
{
	static const struct strata_lmdb_table dbs[] = {
		{ "meta", offsetof(struct strata_alarms, meta) },
		{ "base", offsetof(struct strata_alarms, base) },
		{ "label", offsetof(struct strata_alarms, label) },
		{ "rstate", offsetof(struct strata_alarms, rstate) },
		{ "alarm", offsetof(struct strata_alarms, alarm) },
	};
	struct strata_alarms *al;
	MDB_txn *txn;
	MDB_stat ms;
	unsigned int i;
	__u64 version;
	int rc;

	rc = strata_hw_params_check(&c->hw, err, errlen);
	if (rc)
		return rc;
	if (c->budget < (4ULL << 20))
		return strata_seterr(err, errlen, EINVAL, "alarm store: a budget under 4 MiB");
	if (mkdir(path, 0750) && errno != EEXIST)
		return strata_seterr(err, errlen, errno, "alarm store %s: %s", path, strerror(errno));
	al = calloc(1, sizeof(*al));
	if (!al)
		return strata_seterr(err, errlen, ENOMEM, "alarm store: out of memory");
	al->c = *c;
	al->rules = calloc(c->nrules ? c->nrules : 1, sizeof(*al->rules));
	al->rule_e = calloc(c->nrules ? c->nrules : 1, sizeof(*al->rule_e));
	al->base_size = sizeof(struct base_hdr) + STRATA_BASE_METRICS * strata_hw_size(c->hw.season);
	al->buf = malloc(al->base_size);
	if (!al->rules || !al->rule_e || !al->buf) {
		rc = strata_seterr(err, errlen, ENOMEM, "alarm store: out of memory");
		goto fail;
	}
	if (c->nrules)
		memcpy(al->rules, c->rules, c->nrules * sizeof(*al->rules));
	al->c.rules = al->rules;
	for (i = 0; i < STRATA_BASE_METRICS; i++) {
		rc = strata_alarm_metric_parse(base_names[i], &al->base_e[i], err, errlen);
		if (rc)
			goto fail;
		al->hwp[i] = c->hw;
		al->hwp[i].min_abs = base_min_abs[i];
	}
	for (i = 0; i < c->nrules; i++) {
		if (al->rules[i].kind == STRATA_ALARM_SCORE)
			continue;
		rc = strata_alarm_metric_parse(al->rules[i].metric, &al->rule_e[i], err, errlen);
		if (rc)
			goto fail;
	}
	/* The API's threads read beside the evaluator. */
	rc = strata_lmdb_open(&al->env, path, c->budget, MDB_NOSYNC, dbs,
			      sizeof(dbs) / sizeof(dbs[0]), al, &txn, err, errlen, "alarm store");
	if (rc)
		goto fail;
	rc = strata_lmdb_meta_get(txn, al->meta, "version", &version);
	if (!rc && !version) {
		rc = strata_lmdb_meta_put(txn, al->meta, "version", ALARM_STORE_VERSION);
	} else if (!rc && version != ALARM_STORE_VERSION) {
		mdb_txn_abort(txn);
		rc = strata_seterr(err, errlen, EPROTO, "alarm store %s: format %llu, this strata reads %d",
				   path, (unsigned long long)version, ALARM_STORE_VERSION);
		goto fail;
	}
	if (!rc)
		rc = strata_lmdb_meta_get(txn, al->meta, "next_window", &al->next);
	if (!rc)
		rc = mdb_stat(txn, al->base, &ms);
	if (!rc)
		al->nbase = ms.ms_entries;
	if (!rc)
		rc = count_open(al, txn);
	if (!rc)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc) {
		rc = lmdb_err(err, errlen, rc, "open");
		goto fail;
	}
	*out = al;
	return 0;
fail:
	strata_alarms_close(al);
	return rc;
}

void strata_alarms_close(struct strata_alarms *al)
{
	unsigned int i;

	if (!al)
		return;
	if (al->env)
		mdb_env_close(al->env);
	for (i = 0; i < STRATA_BASE_METRICS; i++)
		strata_expr_free(al->base_e[i]);
	for (i = 0; al->rule_e && i < al->c.nrules; i++)
		strata_expr_free(al->rule_e[i]);
	free(al->rule_e);
	free(al->rules);
	free(al->buf);
	free(al);
}

__u64 strata_alarms_next(struct strata_alarms *al)
{
	return __atomic_load_n(&al->next, __ATOMIC_RELAXED);
}

void strata_alarms_stats(struct strata_alarms *al, struct strata_alarms_stats *st)
{
	__u64 *from = (__u64 *)&al->st, *to = (__u64 *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(__u64); i++)
		to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
	st->base_keys = __atomic_load_n(&al->nbase, __ATOMIC_RELAXED);
}

void strata_alarms_count(struct strata_alarms *al, enum strata_alarm_counter c, __u64 n)
{
	if (c < __STRATA_AC_MAX)
		add(&al->st.c[c], n);
}

/* ---- one window ---- */

/* A key of the window's macroflows, for finding whether a stored key had traffic. */
struct present {
	__u8 group;
	__u64 hash;
	size_t idx;
};

struct wctx {
	struct strata_alarms *al;
	MDB_txn *txn;
	__u64 window, window_ns, wno;
	const struct strata_macroflow *m;
	size_t n;
	struct present *pres;
	struct event *ev;
	size_t nev, capev;
};

static int present_cmp(const void *a, const void *b)
{
	const struct present *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static bool is_present(struct wctx *x, __u8 group, __u64 hash)
{
	struct present p = { group, hash, 0 };

	return x->n && bsearch(&p, x->pres, x->n, sizeof(p), present_cmp);
}

/* A key that had no traffic in the window: a macroflow of zeros. */
static void zero_macroflow(struct wctx *x, const struct strata_macro_key *k,
			   struct strata_macroflow *z)
{
	memset(z, 0, sizeof(*z));
	z->window_start = x->window;
	z->window_ns = x->window_ns;
	z->key = *k;
}

static struct strata_hw *base_model(struct strata_alarms *al, unsigned int i)
{
	return (struct strata_hw *)(al->buf + sizeof(struct base_hdr) +
				    i * strata_hw_size(al->c.hw.season));
}

/* One key's baselines: judge the window, learn, store the label. */
static int base_step(struct wctx *x, const struct strata_macroflow *m, __u64 h, bool zero)
{
	struct strata_alarms *al = x->al;
	struct base_hdr *hdr = (struct base_hdr *)al->buf;
	struct strata_mlabel lab;
	struct strata_hw_out o;
	struct k17 k, lk;
	double slots[NSLOTS];
	MDB_val v;
	unsigned int i;
	bool any = false, learning = false;
	int rc = mdb_get(x->txn, al->base, k9(&k, m->key.group, h), &v);

	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!rc && v.mv_size == al->base_size &&
	    !memcmp((const __u8 *)v.mv_data + offsetof(struct base_hdr, season), &al->c.hw.season,
		    sizeof(__u32))) {
		memcpy(al->buf, v.mv_data, al->base_size);
	} else {
		/* New, or of another season length: learnt afresh. */
		if (rc == MDB_NOTFOUND && __atomic_load_n(&al->nbase, __ATOMIC_RELAXED) >=
		    al->c.base_keys_max) {
			add(&al->st.keys_dropped, 1);
			return 0;
		}
		memset(hdr, 0, sizeof(*hdr));
		hdr->key = m->key;
		hdr->season = al->c.hw.season;
		hdr->nmetrics = STRATA_BASE_METRICS;
		hdr->seen = x->wno;
		for (i = 0; i < STRATA_BASE_METRICS; i++)
			strata_hw_init(base_model(al, i), al->c.hw.season);
		if (rc == MDB_NOTFOUND)
			add(&al->nbase, 1);
	}
	memset(&lab, 0, sizeof(lab));
	lab.label = STRATA_LABEL_NONE;
	/* The macroflow's slots once, for every metric with a baseline. */
	fill_slots(m, slots);
	for (i = 0; i < STRATA_BASE_METRICS; i++) {
		strata_hw_step(base_model(al, i), &al->hwp[i], x->wno,
			       slots_value(al->base_e[i], slots), &o);
		lab.labels[i] = (__u8)o.label;
		lab.scores[i] = o.score;
		lab.forecast[i] = o.forecast;
		learning |= o.label == STRATA_LABEL_LEARNING;
		if (o.label < STRATA_LABEL_NORMAL)
			continue;
		if (!any || o.score > lab.score) {
			lab.score = o.score;
			lab.worst = (__u8)i;
			lab.label = (__u8)o.label;
		}
		any = true;
	}
	if (!any && learning)
		lab.label = STRATA_LABEL_LEARNING;
	hdr->last = x->wno;
	if (!zero)
		hdr->seen = x->wno;
	v.mv_data = al->buf;
	v.mv_size = al->base_size;
	rc = mdb_put(x->txn, al->base, &k.v, &v, 0);
	if (rc)
		return rc;
	v.mv_data = &lab;
	v.mv_size = sizeof(lab);
	return mdb_put(x->txn, al->label, k17(&lk, x->window, m->key.group, h), &v, 0);
}

/* Stored keys (base or one rule's states) with no traffic this window. */
struct absent {
	struct strata_macro_key key;
	__u64 hash;
	bool expired;
};

struct absents {
	struct absent *v;
	size_t n, cap;
};

/*
 * The keys of @dbi from @prefix on (its first @plen bytes) that are not in
 * this window and were last evaluated before it; @hdr_off: where a value's
 * struct strata_macro_key is, followed by its seen and last window numbers.
 */
static int absent_keys(struct wctx *x, MDB_dbi dbi, const __u8 *prefix, size_t plen,
		       struct absents *out)
{
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	__u64 seen, last, h;
	struct absent *a;
	int rc = mdb_cursor_open(x->txn, dbi, &cur);

	if (rc)
		return rc;
	for (rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	     mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const __u8 *kb = k.mv_data;

		if (k.mv_size != plen + 9 || (plen && memcmp(kb, prefix, plen)))
			break;
		if (v.mv_size < sizeof(struct strata_macro_key) + 16)
			continue;
		h = strata_be64_get(kb + plen + 1);
		if (is_present(x, kb[plen], h))
			continue;
		memcpy(&seen, (const __u8 *)v.mv_data + sizeof(struct strata_macro_key), 8);
		memcpy(&last, (const __u8 *)v.mv_data + sizeof(struct strata_macro_key) + 8, 8);
		if (last >= x->wno)
			continue;
		a = strata_vec_room(out->v, out->n, &out->cap, sizeof(*a));
		if (!a) {
			rc = -ENOMEM;
			break;
		}
		out->v = a;
		a = &out->v[out->n++];
		memcpy(&a->key, v.mv_data, sizeof(a->key));
		a->hash = h;
		a->expired = x->wno - seen > x->al->c.hw.season;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int bases(struct wctx *x)
{
	struct strata_alarms *al = x->al;
	struct absents ab = { 0 };
	struct strata_macroflow z;
	struct k17 k;
	size_t i;
	int rc = 0;

	for (i = 0; i < x->n && !rc; i++) {
		const struct present *p = &x->pres[i];

		if (al->c.base_groups & (1U << p->group))
			rc = base_step(x, &x->m[p->idx], p->hash, false);
	}
	if (!rc)
		rc = absent_keys(x, al->base, NULL, 0, &ab);
	for (i = 0; i < ab.n && !rc; i++) {
		if (ab.v[i].expired) {
			rc = mdb_del(x->txn, al->base, k9(&k, ab.v[i].key.group, ab.v[i].hash), NULL);
			if (!rc) {
				__atomic_sub_fetch(&al->nbase, 1, __ATOMIC_RELAXED);
				add(&al->st.expired, 1);
			}
			continue;
		}
		zero_macroflow(x, &ab.v[i].key, &z);
		rc = base_step(x, &z, ab.v[i].hash, true);
	}
	free(ab.v);
	return rc;
}

static bool holds(const struct strata_alarm_rule *r, double v)
{
	return !isnan(v) && (r->above ? v > r->raise : v < r->raise);
}

static bool clears(const struct strata_alarm_rule *r, double v)
{
	return !isnan(v) && (r->above ? v <= r->clear : v >= r->clear);
}

static bool farther(const struct strata_alarm_rule *r, double v, double than)
{
	return !isnan(v) && (r->above ? v > than : v < than);
}

static int push_event(struct wctx *x, const struct strata_alarm *a, bool raised,
		      const struct strata_alarm_rule *r)
{
	struct event *e = strata_vec_room(x->ev, x->nev, &x->capev, sizeof(*e));

	if (!e)
		return -ENOMEM;
	x->ev = e;
	x->ev[x->nev].a = *a;
	x->ev[x->nev].raised = raised;
	x->ev[x->nev].rule = r;
	x->nev++;
	return 0;
}

static int alarm_put(struct wctx *x, const struct strata_alarm *a)
{
	struct k17 k;
	MDB_val v = { sizeof(*a), (void *)a };

	return mdb_put(x->txn, x->al->alarm, k8(&k, a->id), &v, 0);
}

/* The oldest closed alarms past history_max go. */
static int trim_history(struct wctx *x)
{
	MDB_cursor *cur;
	MDB_stat ms;
	MDB_val k, v;
	size_t over;
	int rc = mdb_stat(x->txn, x->al->alarm, &ms);

	if (rc || ms.ms_entries <= x->al->c.history_max)
		return rc;
	over = ms.ms_entries - x->al->c.history_max;
	rc = mdb_cursor_open(x->txn, x->al->alarm, &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && over;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (stored_open(&v))
			continue;
		rc = mdb_cursor_del(cur, 0);
		over--;
		add(&x->al->st.trimmed, 1);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static void metric_desc(const struct strata_alarm_rule *r, char *buf, size_t len)
{
	if (r->kind == STRATA_ALARM_SCORE)
		snprintf(buf, len, "score of %s", r->metric);
	else if (r->kind == STRATA_ALARM_CHANGE)
		snprintf(buf, len, "change of %s (%%)", r->metric);
	else
		snprintf(buf, len, "%s", r->metric);
}

/* The value a rule watches in a macroflow (NaN: none this window). */
static int rule_value(struct wctx *x, const struct strata_alarm_rule *r,
		      const struct strata_macroflow *m, __u64 h, struct rstate *s, double *v)
{
	struct strata_mlabel lab;
	struct k17 k;
	MDB_val d;
	double cur;
	int rc;

	*v = NAN;
	if (r->kind == STRATA_ALARM_THRESHOLD) {
		*v = strata_alarm_metric_value(x->al->rule_e[r - x->al->rules], m);
	} else if (r->kind == STRATA_ALARM_CHANGE) {
		cur = strata_alarm_metric_value(x->al->rule_e[r - x->al->rules], m);
		if (!isnan(s->prev) && s->prev != 0 && s->last + 1 == x->wno)
			*v = (cur - s->prev) / fabs(s->prev) * 100;
		s->prev = cur;
	} else {
		rc = mdb_get(x->txn, x->al->label, k17(&k, x->window, m->key.group, h), &d);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc || d.mv_size != sizeof(lab))
			return rc ? rc : MDB_CORRUPTED;
		memcpy(&lab, d.mv_data, sizeof(lab));
		if (r->base == STRATA_BASE_METRICS) {
			if (lab.label >= STRATA_LABEL_NORMAL)
				*v = lab.score;
		} else if (lab.labels[r->base] >= STRATA_LABEL_NORMAL) {
			*v = lab.scores[r->base];
		}
	}
	return 0;
}

/* One rule on one key in this window: hold, raise, peak, clear. */
static int rule_step(struct wctx *x, const struct strata_alarm_rule *r, __u64 rh,
		     const struct strata_macroflow *m, __u64 h, bool zero)
{
	struct strata_alarms *al = x->al;
	struct strata_alarm a;
	struct rstate s;
	struct k17 k, ak;
	MDB_val v;
	double val;
	__u64 id;
	int rc = mdb_get(x->txn, al->rstate, k17(&k, rh, m->key.group, h), &v);

	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!rc && v.mv_size == sizeof(s)) {
		memcpy(&s, v.mv_data, sizeof(s));
	} else {
		memset(&s, 0, sizeof(s));
		s.key = m->key;
		s.prev = NAN;
		s.seen = x->wno;
	}
	rc = rule_value(x, r, m, h, &s, &val);
	if (rc)
		return rc;
	add(&al->st.rules_evaluated, 1);
	if (!s.alarm) {
		if (holds(r, val)) {
			if (!s.run) {
				s.run_start = x->window;
				s.run_value = s.run_peak = val;
			} else if (farther(r, val, s.run_peak)) {
				s.run_peak = val;
			}
			if (++s.run >= r->hold) {
				rc = strata_lmdb_meta_get(x->txn, al->meta, "next_id", &id);
				if (!rc)
					rc = strata_lmdb_meta_put(x->txn, al->meta, "next_id", ++id ? id : ++id);
				if (rc)
					return rc;
				memset(&a, 0, sizeof(a));
				a.id = id;
				snprintf(a.rule, sizeof(a.rule), "%s", r->name);
				metric_desc(r, a.metric, sizeof(a.metric));
				a.key = m->key;
				a.severity = r->severity;
				a.kind = r->kind;
				a.above = r->above;
				a.open = 1;
				a.start_ns = s.run_start;
				a.raised_ns = x->window;
				a.value_start = s.run_value;
				a.peak = s.run_peak;
				a.threshold = r->raise;
				a.record_ns = r->record_ns;
				rc = alarm_put(x, &a);
				if (!rc)
					rc = push_event(x, &a, true, r);
				if (rc)
					return rc;
				s.alarm = id;
				s.run = 0;
			}
		} else {
			s.run = 0;
		}
	} else {
		rc = mdb_get(x->txn, al->alarm, k8(&ak, s.alarm), &v);
		if (rc == MDB_NOTFOUND) {
			s.alarm = 0;	/* trimmed away, which only closed ones are */
		} else if (rc || v.mv_size != sizeof(a)) {
			return rc ? rc : MDB_CORRUPTED;
		} else {
			memcpy(&a, v.mv_data, sizeof(a));
			if (clears(r, val)) {
				a.open = 0;
				a.end_ns = x->window;
				s.alarm = 0;
				rc = push_event(x, &a, false, r);
			} else if (farther(r, val, a.peak)) {
				a.peak = val;
			}
			if (!rc)
				rc = alarm_put(x, &a);
			if (rc)
				return rc;
		}
	}
	s.last = x->wno;
	if (!zero)
		s.seen = x->wno;
	v.mv_data = &s;
	v.mv_size = sizeof(s);
	return mdb_put(x->txn, al->rstate, &k.v, &v, 0);
}

static int rules(struct wctx *x)
{
	struct strata_alarms *al = x->al;
	struct strata_macroflow z;
	struct absents ab = { 0 };
	unsigned int ri;
	__u8 prefix[8];
	struct k17 k;
	size_t i;
	int rc = 0;

	for (ri = 0; ri < al->c.nrules && !rc; ri++) {
		const struct strata_alarm_rule *r = &al->rules[ri];
		__u64 rh = XXH64(r->name, strlen(r->name), KEY_SEED);

		for (i = 0; i < x->n && !rc; i++) {
			const struct present *p = &x->pres[i];

			if (rule_matches(r, &x->m[p->idx].key))
				rc = rule_step(x, r, rh, &x->m[p->idx], p->hash, false);
		}
		strata_be64_put(prefix, rh);
		ab.n = 0;
		if (!rc)
			rc = absent_keys(x, al->rstate, prefix, 8, &ab);
		for (i = 0; i < ab.n && !rc; i++) {
			struct rstate s;
			MDB_val v;

			if (ab.v[i].expired) {
				/* Gone for a season: forgotten, unless an alarm of it is open. */
				rc = mdb_get(x->txn, al->rstate, k17(&k, rh, ab.v[i].key.group,
								      ab.v[i].hash), &v);
				if (rc || v.mv_size != sizeof(s))
					return rc ? rc : MDB_CORRUPTED;
				memcpy(&s, v.mv_data, sizeof(s));
				if (!s.alarm) {
					rc = mdb_del(x->txn, al->rstate, &k.v, NULL);
					add(&al->st.expired, 1);
					continue;
				}
			}
			zero_macroflow(x, &ab.v[i].key, &z);
			rc = rule_step(x, r, rh, &z, ab.v[i].hash, true);
		}
	}
	free(ab.v);
	return rc;
}

/*
 * Labels of the oldest windows and the oldest closed alarms, a quarter of
 * each, to make room: the budget is full.
 */
static int make_room(struct strata_alarms *al)
{
	MDB_dbi dbs[2] = { al->label, al->alarm };
	MDB_cursor *cur;
	MDB_txn *txn = NULL;
	MDB_stat ms;
	MDB_val k, v;
	size_t drop;
	unsigned int i;
	int rc = mdb_txn_begin(al->env, NULL, 0, &txn);

	for (i = 0; i < 2 && !rc; i++) {
		rc = mdb_stat(txn, dbs[i], &ms);
		if (rc)
			break;
		drop = ms.ms_entries / 4 + 1;
		rc = mdb_cursor_open(txn, dbs[i], &cur);
		if (rc)
			break;
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && drop;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (dbs[i] == al->alarm && stored_open(&v))
				continue;
			rc = mdb_cursor_del(cur, 0);
			drop--;
			add(&al->st.trimmed, 1);
		}
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	if (rc) {
		if (txn)
			mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

static int window_txn(struct wctx *x)
{
	struct strata_alarms *al = x->al;
	__u64 wns;
	int rc = mdb_txn_begin(al->env, NULL, 0, &x->txn);

	if (rc)
		return rc;
	x->nev = 0;
	rc = strata_lmdb_meta_get(x->txn, al->meta, "window_ns", &wns);
	/* Another window length: window numbers mean other times; start again. */
	if (!rc && wns && wns != x->window_ns) {
		rc = mdb_drop(x->txn, al->base, 0);
		if (!rc)
			rc = mdb_drop(x->txn, al->rstate, 0);
		if (!rc)
			__atomic_store_n(&al->nbase, 0, __ATOMIC_RELAXED);
	}
	if (!rc && wns != x->window_ns)
		rc = strata_lmdb_meta_put(x->txn, al->meta, "window_ns", x->window_ns);
	if (!rc)
		rc = bases(x);
	if (!rc)
		rc = rules(x);
	if (!rc)
		rc = trim_history(x);
	if (!rc)
		rc = strata_lmdb_meta_put(x->txn, al->meta, "next_window", x->window + x->window_ns);
	if (rc) {
		mdb_txn_abort(x->txn);
		return rc;
	}
	return mdb_txn_commit(x->txn);
}

int strata_alarms_window(struct strata_alarms *al, __u64 window, __u64 window_ns,
			 const struct strata_macroflow *m, size_t n,
			 strata_alarm_event_fn fn, void *arg, char *err, size_t errlen)
{
	struct wctx x = { .al = al, .window = window, .window_ns = window_ns, .m = m, .n = n };
	__u64 nbase = __atomic_load_n(&al->nbase, __ATOMIC_RELAXED);
	size_t i;
	int rc;

	if (!window_ns || window % window_ns)
		return strata_seterr(err, errlen, EINVAL, "alarms: window %llu is not a multiple of %llu",
				     (unsigned long long)window, (unsigned long long)window_ns);
	if (window < __atomic_load_n(&al->next, __ATOMIC_RELAXED))
		return strata_seterr(err, errlen, EALREADY, "alarms: window %llu evaluated before",
				     (unsigned long long)window);
	x.wno = window / window_ns;
	x.pres = calloc(n ? n : 1, sizeof(*x.pres));
	if (!x.pres)
		return strata_seterr(err, errlen, ENOMEM, "alarms: out of memory");
	for (i = 0; i < n; i++) {
		x.pres[i].group = m[i].key.group;
		x.pres[i].hash = key_hash(&m[i].key);
		x.pres[i].idx = i;
	}
	qsort(x.pres, n, sizeof(*x.pres), present_cmp);
	rc = window_txn(&x);
	if (rc == MDB_MAP_FULL) {
		__atomic_store_n(&al->nbase, nbase, __ATOMIC_RELAXED);
		rc = make_room(al);
		if (!rc)
			rc = window_txn(&x);
	}
	if (rc) {
		__atomic_store_n(&al->nbase, nbase, __ATOMIC_RELAXED);
		add(&al->st.errors, 1);
		rc = strata_lmdb_is_own(rc) ? lmdb_err(err, errlen, rc, "a window") :
			strata_seterr(err, errlen, -rc, "alarms: a window: %s", strerror(-rc));
		goto out;
	}
	__atomic_store_n(&al->next, window + window_ns, __ATOMIC_RELAXED);
	add(&al->st.windows, 1);
	for (i = 0; i < x.nev; i++) {
		if (x.ev[i].raised) {
			add(&al->st.raised, 1);
			add(&al->st.active, 1);
		} else {
			add(&al->st.cleared, 1);
			__atomic_sub_fetch(&al->st.active, 1, __ATOMIC_RELAXED);
		}
		if (fn)
			fn(&x.ev[i].a, x.ev[i].raised, x.ev[i].rule, arg);
	}
out:
	free(x.pres);
	free(x.ev);
	return rc;
}

/* ---- readers ---- */

static int rtxn(struct strata_alarms *al, MDB_txn **txn, char *err, size_t errlen)
{
	return strata_lmdb_rtxn(al->env, txn, err, errlen, "alarm store");
}

static int rend(MDB_txn *txn, int rc, char *err, size_t errlen, const char *what)
{
	return strata_lmdb_rend(txn, rc, err, errlen, "alarm store", what);
}

struct list_walk {
	__u64 from, to;
	bool active_only;
	strata_alarm_fn fn;
	void *arg;
};

static int list_one(const void *rec, void *arg)
{
	const struct strata_alarm *a = rec;
	struct list_walk *w = arg;

	if ((w->active_only && !a->open) || a->start_ns > w->to || (!a->open && a->end_ns < w->from))
		return 0;
	return w->fn(a, w->arg);
}

int strata_alarms_list(struct strata_alarms *al, __u64 from, __u64 to, bool active_only,
		       strata_alarm_fn fn, void *arg, char *err, size_t errlen)
{
	struct list_walk w = { from, to, active_only, fn, arg };
	struct strata_alarm a;
	MDB_txn *txn;
	int rc = rtxn(al, &txn, err, errlen);

	if (rc)
		return rc;
	rc = strata_lmdb_each(txn, al->alarm, &a, sizeof(a), list_one, &w);
	return rend(txn, rc, err, errlen, "alarms");
}

/* One value of @dbi, copied to @out (@size bytes). Return: 0, MDB_NOTFOUND, or an error. */
static int get_one(struct strata_alarms *al, MDB_dbi dbi, MDB_val *key, void *out, size_t size,
		   char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_val v;
	int rc = rtxn(al, &txn, err, errlen);

	if (rc)
		return rc;
	rc = mdb_get(txn, dbi, key, &v);
	if (!rc && v.mv_size != size)
		rc = MDB_CORRUPTED;
	if (!rc)
		memcpy(out, v.mv_data, size);
	mdb_txn_abort(txn);
	return rc;
}

int strata_alarms_get(struct strata_alarms *al, __u64 id, struct strata_alarm *out,
		      char *err, size_t errlen)
{
	struct k17 k;
	int rc = get_one(al, al->alarm, k8(&k, id), out, sizeof(*out), err, errlen);

	if (rc == MDB_NOTFOUND)
		return strata_seterr(err, errlen, ENOENT, "no alarm %llu", (unsigned long long)id);
	return strata_lmdb_is_own(rc) ? lmdb_err(err, errlen, rc, "an alarm") : rc;
}

int strata_alarms_ack(struct strata_alarms *al, __u64 id, const char *who, __u64 now_ns,
		      struct strata_alarm *out, char *err, size_t errlen)
{
	struct strata_alarm a;
	struct k17 k;
	MDB_txn *txn;
	MDB_val v;
	const char *p;
	int rc;

	if (!*who || strlen(who) >= sizeof(a.ack_by))
		return strata_seterr(err, errlen, EINVAL, "by: a name of 1 to %zu bytes",
				     sizeof(a.ack_by) - 1);
	for (p = who; *p; p++)
		if (*p < ' ' || *p > '~')
			return strata_seterr(err, errlen, EINVAL, "by: printable ASCII");
	rc = mdb_txn_begin(al->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "ack");
	rc = mdb_get(txn, al->alarm, k8(&k, id), &v);
	if (!rc && v.mv_size != sizeof(a))
		rc = MDB_CORRUPTED;
	if (rc) {
		mdb_txn_abort(txn);
		return rc == MDB_NOTFOUND ? strata_seterr(err, errlen, ENOENT, "no alarm %llu",
							  (unsigned long long)id) :
			lmdb_err(err, errlen, rc, "ack");
	}
	memcpy(&a, v.mv_data, sizeof(a));
	if (out)
		*out = a;
	if (a.ack_ns) {
		mdb_txn_abort(txn);
		return strata_seterr(err, errlen, EALREADY, "alarm %llu: acknowledged by %s before",
				     (unsigned long long)id, a.ack_by);
	}
	a.ack_ns = now_ns ? now_ns : 1;
	snprintf(a.ack_by, sizeof(a.ack_by), "%s", who);
	v.mv_data = &a;
	v.mv_size = sizeof(a);
	rc = mdb_put(txn, al->alarm, &k.v, &v, 0);
	if (rc) {
		mdb_txn_abort(txn);
		return lmdb_err(err, errlen, rc, "ack");
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "ack");
	if (out)
		*out = a;
	return 0;
}

int strata_alarms_label(struct strata_alarms *al, const struct strata_macroflow *m,
			struct strata_mlabel *out, char *err, size_t errlen)
{
	struct k17 k;
	int rc = get_one(al, al->label, k17(&k, m->window_start, m->key.group, key_hash(&m->key)),
			 out, sizeof(*out), err, errlen);

	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	return strata_lmdb_is_own(rc) ? lmdb_err(err, errlen, rc, "a label") : rc;
}

/* ---- JSON ---- */

static json_t *jnum(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

json_t *strata_alarm_json(const struct strata_alarm *a)
{
	static const char *const kinds[] = { "threshold", "change", "score" };
	char key[96];
	json_t *o;

	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:I,s:I,s:o,s:o,s:o}",
		      "id", (json_int_t)a->id, "rule", a->rule, "metric", a->metric,
		      "group", a->key.group < __STRATA_GROUP_MAX ? group_names[a->key.group] : "?",
		      "key", strata_alarm_key_str(&a->key, key, sizeof(key)),
		      "severity", strata_alarm_severity_name(a->severity),
		      "kind", kinds[a->kind <= STRATA_ALARM_SCORE ? a->kind : 0],
		      "direction", a->above ? "above" : "below", "threshold", jnum(a->threshold),
		      "state", a->open ? "active" : "cleared",
		      "start_ns", (json_int_t)a->start_ns, "raised_ns", (json_int_t)a->raised_ns,
		      "end_ns", a->open ? json_null() : json_integer((json_int_t)a->end_ns),
		      "value_start", jnum(a->value_start), "peak", jnum(a->peak));
	if (!o)
		return NULL;
	json_object_set_new(o, "ack", a->ack_ns ? json_pack("{s:s,s:I}", "by", a->ack_by, "at_ns",
							     (json_int_t)a->ack_ns) : json_null());
	if (a->record_ns)
		json_object_set_new(o, "record_s", json_integer((json_int_t)(a->record_ns / 1000000000ULL)));
	return o;
}

json_t *strata_mlabel_json(struct strata_alarms *al, const struct strata_macroflow *m)
{
	struct strata_mlabel l;
	json_t *o, *per;
	unsigned int i;

	if (!al || strata_alarms_label(al, m, &l, NULL, 0))
		return json_null();
	per = json_object();
	for (i = 0; i < STRATA_BASE_METRICS && per; i++)
		json_object_set_new(per, base_names[i],
				    json_pack("{s:s,s:o,s:o}", "label", strata_label_name(l.labels[i]),
					      "score", jnum(l.labels[i] >= STRATA_LABEL_NORMAL ?
							    l.scores[i] : NAN),
					      "forecast", jnum(l.forecast[i])));
	o = json_pack("{s:s,s:o,s:s,s:o}", "label", strata_label_name(l.label),
		      "score", jnum(l.label >= STRATA_LABEL_NORMAL ? l.score : NAN),
		      "metric", l.label >= STRATA_LABEL_NORMAL ? base_names[l.worst] : "",
		      "metrics", per ? per : json_null());
	return o ? o : json_null();
}

/* ---- the API ---- */

static unsigned int api_bad(char *msg, size_t msglen, unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static unsigned int api_bad(char *msg, size_t msglen, unsigned int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return status;
}

static unsigned int api_json(json_t *v, struct strata_api_resp *resp, char *msg, size_t msglen)
{
	if (v)
		resp->body = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!resp->body)
		return api_bad(msg, msglen, 500, "out of memory");
	resp->len = strlen(resp->body);
	resp->content_type = "application/json";
	return 200;
}

struct api_list {
	json_t *rows;
	unsigned int limit;
	bool truncated;
};

static int api_row(const struct strata_alarm *a, void *arg)
{
	struct api_list *l = arg;

	if (json_array_size(l->rows) == l->limit) {
		l->truncated = true;
		return -ECANCELED;	/* enough */
	}
	return json_array_append_new(l->rows, strata_alarm_json(a)) ? -ENOMEM : 0;
}

/*
 * The fields of an alarm list's rows (strata_alarm_json()): what describes
 * the alarm is a key; the times, which add up over alarms as a span, are
 * fundamentals. The values (threshold, first value, peak) are in the
 * metric's unit, which differs from rule to rule, and do not add up (a
 * peak is the farthest past the threshold, up or down by the rule): keys.
 */
static const struct {
	const char *name;
	unsigned char kind, type, agg;
	const char *unit, *path;
} list_fields[] = {
	{ "id", STRATA_MK_KEY, STRATA_MT_U64, 0, "", "id" },
	{ "rule", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "rule" },
	{ "metric", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "metric" },
	{ "group", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "group" },
	{ "key", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "key" },
	{ "severity", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "severity" },
	{ "kind", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "kind" },
	{ "direction", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "direction" },
	{ "state", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "state" },
	{ "threshold", STRATA_MK_KEY, STRATA_MT_F64, 0, "", "threshold" },
	{ "value_start", STRATA_MK_KEY, STRATA_MT_F64, 0, "", "value_start" },
	{ "peak", STRATA_MK_KEY, STRATA_MT_F64, 0, "", "peak" },
	{ "record_s", STRATA_MK_KEY, STRATA_MT_U64, 0, "s", "record_s" },
	{ "ack_by", STRATA_MK_KEY, STRATA_MT_STR, 0, "", "ack.by" },
	{ "start_ns", STRATA_MK_FUND, STRATA_MT_U64, STRATA_AGG_MIN, "ns", "start_ns" },
	{ "raised_ns", STRATA_MK_FUND, STRATA_MT_U64, STRATA_AGG_MIN, "ns", "raised_ns" },
	{ "end_ns", STRATA_MK_FUND, STRATA_MT_U64, STRATA_AGG_MAX, "ns", "end_ns" },
	{ "ack_ns", STRATA_MK_FUND, STRATA_MT_U64, STRATA_AGG_MAX, "ns", "ack.at_ns" },
};

/* {"schema": ..., "rows": @rows} of an alarm list over [@from, @to]. */
static json_t *list_container(json_t *rows, __u64 from, __u64 to)
{
	json_t *schema = strata_schema_new("alarms", 0, from, to, 0), *doc;
	size_t i;
	int rc = schema ? json_object_set_new(schema, "level", json_string("alarm")) : -ENOMEM;

	for (i = 0; i < sizeof(list_fields) / sizeof(list_fields[0]) && !rc; i++)
		rc = strata_schema_field_own(schema, list_fields[i].name, list_fields[i].kind,
					     list_fields[i].type, list_fields[i].agg,
					     list_fields[i].unit, list_fields[i].path);
	if (rc) {
		json_decref(schema);
		json_decref(rows);
		return NULL;
	}
	doc = json_pack("{s:o,s:o}", "schema", schema, "rows", rows);
	return doc;
}

static json_t *stats_json(struct strata_alarms *al)
{
	struct strata_alarms_stats s;

	strata_alarms_stats(al, &s);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "rules", (json_int_t)al->c.nrules,
			 "windows_evaluated", (json_int_t)s.windows,
			 "next_window_ns", (json_int_t)strata_alarms_next(al),
			 "rules_evaluated", (json_int_t)s.rules_evaluated,
			 "alarms_raised", (json_int_t)s.raised, "alarms_cleared", (json_int_t)s.cleared,
			 "alarms_active", (json_int_t)s.active, "baseline_keys", (json_int_t)s.base_keys,
			 "baseline_keys_dropped", (json_int_t)s.keys_dropped,
			 "expired", (json_int_t)s.expired, "trimmed", (json_int_t)s.trimmed,
			 "errors", (json_int_t)s.errors,
			 "notify_sent", (json_int_t)s.c[STRATA_AC_NOTIFY_SENT],
			 "notify_failed", (json_int_t)s.c[STRATA_AC_NOTIFY_FAILED],
			 "notify_dropped", (json_int_t)s.c[STRATA_AC_NOTIFY_DROPPED],
			 "record_requests", (json_int_t)s.c[STRATA_AC_RECORD_REQUESTS],
			 "record_failed", (json_int_t)s.c[STRATA_AC_RECORD_FAILED]);
}

/* The one parameter set an endpoint allows; each given once, with a value. */
static unsigned int api_params(const struct strata_api_arg *args, unsigned int nargs,
			       const char *const *names, const char **val, char *msg,
			       size_t msglen)
{
	char shown[64];
	unsigned int i, p;

	for (i = 0; i < nargs; i++) {
		for (p = 0; names[p] && strcmp(args[i].name, names[p]); p++)
			;
		if (!names[p])
			return api_bad(msg, msglen, 400, "unknown parameter '%s' here",
				       strata_api_printable(args[i].name, shown, sizeof(shown)));
		if (!args[i].value || !*args[i].value)
			return api_bad(msg, msglen, 400, "%s: needs a value", names[p]);
		if (val[p])
			return api_bad(msg, msglen, 400, "%s: given twice", names[p]);
		val[p] = args[i].value;
	}
	return 0;
}

static unsigned int api_list(struct strata_alarms *al, const struct strata_api_arg *args,
			     unsigned int nargs, struct strata_api_resp *resp, char *msg,
			     size_t msglen)
{
	static const char *const names[] = { "from", "to", "state", "limit", NULL };
	const char *val[4] = { 0 };
	struct api_list l = { .limit = 1000 };
	__u64 from = 0, to = ~0ULL;
	char err[256];
	unsigned int st;
	__u32 u;
	int rc;

	st = api_params(args, nargs, names, val, msg, msglen);
	if (st)
		return st;
	if (val[0] && strata_api_parse_time(val[0], &from))
		return api_bad(msg, msglen, 400, "from: not a time (seconds since the epoch, or RFC 3339)");
	if (val[1] && strata_api_parse_time(val[1], &to))
		return api_bad(msg, msglen, 400, "to: not a time (seconds since the epoch, or RFC 3339)");
	if (from > to)
		return api_bad(msg, msglen, 400, "from: after to");
	if (val[2] && strcmp(val[2], "active") && strcmp(val[2], "all"))
		return api_bad(msg, msglen, 400, "state: active or all");
	if (val[3]) {
		if (strata_kw_u32(val[3], 1, 100000, &u))
			return api_bad(msg, msglen, 400, "limit: not a number from 1 to 100000");
		l.limit = u;
	}
	l.rows = json_array();
	if (!l.rows)
		return api_bad(msg, msglen, 500, "out of memory");
	rc = strata_alarms_list(al, from, to, val[2] && !strcmp(val[2], "active"), api_row, &l,
				err, sizeof(err));
	if (rc && rc != -ECANCELED) {
		json_decref(l.rows);
		return api_bad(msg, msglen, rc == -ENOMEM ? 500 : 503, "%s",
			       rc == -ENOMEM ? "out of memory" : err);
	}
	resp->truncated = l.truncated;
	return api_json(list_container(l.rows, from, to), resp, msg, msglen);
}

/* One alarm: a container of its row, over its span (to now while active). */
static unsigned int api_one(const struct strata_alarm *a, struct strata_api_resp *resp,
			    char *msg, size_t msglen)
{
	json_t *rows = json_array();

	if (!rows || json_array_append_new(rows, strata_alarm_json(a))) {
		json_decref(rows);
		return api_bad(msg, msglen, 500, "out of memory");
	}
	return api_json(list_container(rows, a->start_ns, a->end_ns ? a->end_ns : ~0ULL),
			resp, msg, msglen);
}

unsigned int strata_alarms_api(struct strata_alarms *al, const char *token, const char *method,
			       const char *sub, const struct strata_api_arg *args,
			       unsigned int nargs, const char *auth, struct strata_api_resp *resp,
			       char *msg, size_t msglen)
{
	static const char *const ack_names[] = { "by", NULL };
	const char *val[1] = { 0 };
	struct strata_alarm a;
	char err[256], shown[96], *end;
	unsigned long long id;
	struct timespec now;
	bool ack = false;
	unsigned int st;
	int rc;

	if (!*sub || !strcmp(sub, "/") || !strcmp(sub, "/stats")) {
		if (strcmp(method, "GET")) {
			resp->allow = "GET";
			return api_bad(msg, msglen, 405, "%s: only GET is served here",
				       strata_api_printable(method, shown, sizeof(shown)));
		}
		if (strcmp(sub, "/stats"))
			return api_list(al, args, nargs, resp, msg, msglen);
		if (nargs)
			return api_bad(msg, msglen, 400, "alarms/stats takes no parameters");
		return api_json(stats_json(al), resp, msg, msglen);
	}
	errno = 0;
	id = strtoull(sub + 1, &end, 10);
	if (!isdigit((unsigned char)sub[1]) || errno || !id)
		return api_bad(msg, msglen, 404, "no such endpoint: /api/v1/alarms%s (alarms/ID, "
			       "alarms/ID/ack)", strata_api_printable(sub, shown, sizeof(shown)));
	if (!strcmp(end, "/ack"))
		ack = true;
	else if (*end)
		return api_bad(msg, msglen, 404, "no such endpoint: /api/v1/alarms%s (alarms/ID, "
			       "alarms/ID/ack)", strata_api_printable(sub, shown, sizeof(shown)));
	if (strcmp(method, ack ? "POST" : "GET")) {
		resp->allow = ack ? "POST" : "GET";
		return api_bad(msg, msglen, 405, "%s: only %s is served here",
			       strata_api_printable(method, shown, sizeof(shown)), resp->allow);
	}
	if (!ack) {
		if (nargs)
			return api_bad(msg, msglen, 400, "alarms/ID takes no parameters");
		rc = strata_alarms_get(al, id, &a, err, sizeof(err));
		if (rc)
			return api_bad(msg, msglen, rc == -ENOENT ? 404 : 503, "%s", err);
		return api_one(&a, resp, msg, msglen);
	}
	/* A secret in a URL ends up in logs and histories: the header only. */
	for (unsigned int i = 0; i < nargs; i++)
		if (!strcmp(args[i].name, "token"))
			return api_bad(msg, msglen, 400, "token: not in the URL; send the "
				       "api-token as 'Authorization: Bearer TOKEN'");
	st = api_params(args, nargs, ack_names, val, msg, msglen);
	if (st)
		return st;
	if (!*token)
		return api_bad(msg, msglen, 403, "acknowledgements are off: the central host has no "
			       "api-token");
	if (!auth)
		return api_bad(msg, msglen, 401, "the api-token is missing: send it as "
			       "'Authorization: Bearer TOKEN'");
	if (!strata_bearer_ok(token, auth))
		return api_bad(msg, msglen, 403, "the api-token is wrong");
	if (!val[0])
		return api_bad(msg, msglen, 400, "by: who acknowledges (a name)");
	clock_gettime(CLOCK_REALTIME, &now);
	rc = strata_alarms_ack(al, id, val[0], (__u64)now.tv_sec * 1000000000ULL +
			       (__u64)now.tv_nsec, &a, err, sizeof(err));
	if (rc == -EALREADY || rc == -ENOENT)
		return api_bad(msg, msglen, rc == -ENOENT ? 404 : 409, "%s", err);
	if (rc)
		return api_bad(msg, msglen, rc == -EINVAL ? 400 : 503, "%s", err);
	return api_one(&a, resp, msg, msglen);
}
