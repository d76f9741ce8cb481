// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of alarms (lib/alarm.c): metrics, rules and their refusals, the
 * kinds (threshold, change, score against the baseline), hold, hysteresis,
 * windows without traffic, the history across a reopen, acks, the API.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <unistd.h>
#include <jansson.h>

#include "unit.h"
#include "alarm.h"
#include "container.h"
#include "metrics.h"
#include "series.h"

#define MW	(900ULL * 1000000000ULL)
#define W(i)	((SERIES_W0 + (i)) * MW)

struct fx {
	char dir[64];
	struct strata_alarms *al;
	struct strata_alarm_config c;
	struct strata_alarm_rule rules[8];
	/* Events of the last windows. */
	struct strata_alarm ev[64];
	bool raised[64];
	unsigned int nev;
};

static void on_event(const struct strata_alarm *a, bool raised,
		     const struct strata_alarm_rule *rule, void *arg)
{
	struct fx *f = arg;

	assert_non_null(rule);
	assert_string_equal(rule->name, a->rule);
	assert_true(f->nev < 64);
	f->ev[f->nev] = *a;
	f->raised[f->nev++] = raised;
}

static void fx_open(struct fx *f)
{
	char err[256] = "";

	if (strata_alarms_open(f->dir, &f->c, &f->al, err, sizeof(err)))
		fail_msg("%s", err);
}

/* A store in a new directory with @rules ("" ends them). */
static void fx_init(struct fx *f, const char *const *rules)
{
	char err[256] = "";
	unsigned int n = 0;

	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/strata-alarm-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	strata_alarm_config_default(&f->c);
	f->c.hw.season = SERIES_SEASON;
	f->c.budget = 16ULL << 20;
	for (; rules && rules[n]; n++)
		if (strata_alarm_rule_parse(rules[n], &f->rules[n], err, sizeof(err)))
			fail_msg("%s: %s", rules[n], err);
	f->c.rules = f->rules;
	f->c.nrules = n;
	fx_open(f);
}

static void fx_done(struct fx *f)
{
	char p[sizeof(((struct fx *)0)->dir) + 256];
	struct dirent *e;
	DIR *d;

	strata_alarms_close(f->al);
	d = opendir(f->dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(f->dir);
}

/* The service 10.0.0.1:443/tcp (or 10.0.0.@host), @bytes in window @i. */
static void mf(struct strata_macroflow *m, unsigned int i, int host, double bytes)
{
	memset(m, 0, sizeof(*m));
	m->window_start = W(i);
	m->window_ns = MW;
	m->key.group = STRATA_GROUP_SERVICE;
	m->key.family = 4;
	m->key.proto = 6;
	m->key.port = 443;
	m->key.addr[10] = m->key.addr[11] = 0xff;
	m->key.addr[12] = 10;
	m->key.addr[15] = (__u8)host;
	m->bytes[0] = (__u64)(bytes * 0.2);
	m->bytes[1] = (__u64)bytes - m->bytes[0];
	m->packets[0] = m->packets[1] = (__u64)(bytes / 1000) + 1;
	m->cflows = 20;
	m->hops = 40;
	m->rtt_hs.n = 20;
	m->rtt_hs.sum = 20 * 1500000;
	m->first_ns = W(i);
	m->last_ns = W(i) + MW - 1;
}

static void window(struct fx *f, unsigned int i, const struct strata_macroflow *m, size_t n)
{
	char err[256] = "";

	f->nev = 0;
	if (strata_alarms_window(f->al, W(i), MW, m, n, on_event, f, err, sizeof(err)))
		fail_msg("window %u: %s", i, err);
}

/* One key's bytes over windows 0, 1, ...: the events of each checked by the caller. */
static void one(struct fx *f, unsigned int i, double bytes)
{
	struct strata_macroflow m;

	mf(&m, i, 1, bytes);
	window(f, i, &m, 1);
}

/* ---- metrics ---- */

/* The value of @text in @m, through the catalog's evaluator. */
static double mval(const char *text, const struct strata_macroflow *m)
{
	struct strata_expr *e;
	char err[256] = "";
	double v;

	if (strata_alarm_metric_parse(text, &e, err, sizeof(err)))
		fail_msg("%s: %s", text, err);
	v = strata_alarm_metric_value(e, m);
	strata_expr_free(e);
	return v;
}

static void test_metrics(void **state)
{
	struct strata_expr *e;
	struct strata_macroflow m;
	char err[256];

	(void)state;
	mf(&m, 0, 1, 100000);
	m.lost[0] = 3;
	m.lost[1] = 1;
	strata_stat_add(&m.delay, 2000000);
	strata_stat_add(&m.delay, 4000000);
	/* The catalog's names, fundamental and derived. */
	assert_true(mval("bytes", &m) == 100000);
	assert_true(mval("packets", &m) == 202);
	assert_true(mval("cflows", &m) == 20);
	assert_true(mval("lost", &m) == 4);
	assert_true(fabs(mval("avg_rtt_hs", &m) - 1500000) < 1e-6);
	assert_true(fabs(mval("loss_ratio", &m) - 4.0 / 202) < 1e-12);
	assert_true(fabs(mval("bit_rate", &m) - 100000.0 * 8 / 900) < 1e-9);
	assert_true(fabs(mval("avg_delay", &m) - 3000000) < 1e-6);
	assert_true(fabs(mval("path_length", &m) - 2) < 1e-12);
	assert_true(mval("delay_max", &m) == 4000000);
	/* Two samples 1 ms apart from their mean: a variance of 1e12 ns^2. */
	assert_true(fabs(mval("sqrt(delay_sumsq / delay_n - avg_delay * avg_delay)", &m) -
			 1000000) < 1e-3);
	/* The directions' shares and the aliases kept from before the catalog. */
	assert_true(fabs(mval("rtt_ms", &m) - 1.5) < 1e-9);
	assert_true(mval("flows", &m) == mval("cflows", &m));
	assert_true(mval("connected_flows", &m) == 20);
	assert_true(fabs(mval("delay_ms", &m) - 3) < 1e-9);
	assert_true(mval("bits_per_second", &m) == mval("bit_rate", &m));
	assert_true(mval("window_s", &m) == 900);
	assert_true(fabs(mval("bytes_per_flow", &m) - 5000) < 1e-9);
	assert_true(fabs(mval("(bytes_s2c - bytes_c2s) / -(2 * flows)", &m) -
			 -(80000.0 - 20000) / 40) < 1e-9);
	assert_true(mval("packets_c2s + packets_s2c", &m) == mval("packets", &m));
	assert_true(mval("lost_c2s", &m) == 3);
	assert_true(fabs(mval("duration_s", &m) - (MW - 1) / 1e9) < 1e-9);
	/* No handshake: no mean RTT (not 0, which would look like a fast one). */
	m.rtt_hs.n = 0;
	m.rtt_hs.sum = 0;
	assert_true(isnan(mval("rtt_ms", &m)));
	assert_true(isnan(mval("avg_rtt_hs", &m)));
	assert_true(isnan(mval("rtt_hs_min", &m)));

	assert_int_equal(strata_alarm_metric_parse("bytez", &e, err, sizeof(err)), -EINVAL);
	assert_null(e);
	assert_non_null(strstr(err, "'bytez' is no metric of a macroflow"));
	/* A metric of another level is none of a macroflow's. */
	assert_int_equal(strata_alarm_metric_parse("retrans / 2", &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'retrans' is no metric"));
	assert_int_equal(strata_alarm_metric_parse("(bytes + 1", &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "')' expected"));
	assert_int_equal(strata_alarm_metric_parse("bytes 2", &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "an operator or the end expected"));
	assert_int_equal(strata_alarm_metric_parse("bytes * ", &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unexpected end"));
}

/* Every metric the catalog has for macroflows is one an alarm may watch. */
static void test_metrics_catalog(void **state)
{
	struct strata_macroflow m;
	struct strata_expr *e;
	char err[256];
	size_t i;

	(void)state;
	mf(&m, 0, 1, 100000);
	for (i = 0; i < strata_nmetrics; i++) {
		const struct strata_metric *c = &strata_metrics[i];

		if (c->kind == STRATA_MK_KEY || !(c->levels & STRATA_LVL_MACROFLOW))
			continue;
		if (strata_alarm_metric_parse(c->name, &e, err, sizeof(err)))
			fail_msg("catalog metric %s: %s", c->name, err);
		/* A fundamental of a macroflow with traffic has a value. */
		if (c->kind == STRATA_MK_FUND && c->guard == NULL)
			assert_false(isnan(strata_alarm_metric_value(e, &m)));
		strata_expr_free(e);
	}
	/* A derived metric is its catalog formula. */
	assert_true(mval("pkt_rate", &m) == mval("packets / ((to_ns - from_ns) / 1000000000)", &m));
	assert_true(mval("avg_pkt_size", &m) == mval("bytes / packets", &m));
}

/* ---- rules ---- */

static void test_rule_parse(void **state)
{
	struct strata_alarm_rule r;
	char err[256];

	(void)state;
	assert_int_equal(strata_alarm_rule_parse("web service=[2001:db8::1]:443/tcp rtt_ms above "
						 "50 clear 40 hold 2 severity critical record 5m",
						 &r, err, sizeof(err)), 0);
	assert_string_equal(r.name, "web");
	assert_int_equal(r.group, STRATA_GROUP_SERVICE);
	assert_true(r.has_key);
	assert_int_equal(r.key.family, 6);
	assert_int_equal(r.key.port, 443);
	assert_int_equal(r.key.proto, 6);
	assert_int_equal(r.kind, STRATA_ALARM_THRESHOLD);
	assert_true(r.above);
	assert_true(r.raise == 50 && r.clear == 40);
	assert_int_equal(r.hold, 2);
	assert_int_equal(r.severity, STRATA_SEV_CRITICAL);
	assert_true(r.record_ns == 300ULL * 1000000000ULL);

	assert_int_equal(strata_alarm_rule_parse("drop application=dns/udp bytes change below -50%",
						 &r, err, sizeof(err)), 0);
	assert_int_equal(r.kind, STRATA_ALARM_CHANGE);
	assert_false(r.above);
	assert_true(r.raise == -50 && r.clear == -50);
	assert_string_equal(r.key.app, "dns");
	assert_true(r.key_proto);
	assert_int_equal(r.hold, 1);
	assert_int_equal(r.severity, STRATA_SEV_WARNING);

	assert_int_equal(strata_alarm_rule_parse("odd client any score above 6", &r, err,
						 sizeof(err)), 0);
	assert_int_equal(r.kind, STRATA_ALARM_SCORE);
	assert_int_equal(r.base, STRATA_BASE_METRICS);
	assert_false(r.has_key);
	assert_int_equal(strata_alarm_rule_parse("ratio service (bytes_s2c / bytes_c2s) above 10",
						 &r, err, sizeof(err)), 0);
	assert_string_equal(r.metric, "(bytes_s2c / bytes_c2s)");
}

/* Bad rules are refused, each with a message that says what is wrong. */
static void test_rule_refused(void **state)
{
	static const struct { const char *rule, *says; } bad[] = {
		{ "x service bytes", "expected NAME GROUP" },
		{ "9x service bytes above 1", "starts with a letter" },
		{ "x$ service bytes above 1", "letters, digits" },
		{ "x servers bytes above 1", "service, client or application" },
		{ "x service=10.0.0.1:99999/tcp bytes above 1", "not a port" },
		{ "x service=10.0.0.1/tcp bytes above 1", "expected ADDR:PORT/PROTO" },
		{ "x client=nowhere bytes above 1", "not an IPv4 or IPv6" },
		{ "x service bytez above 1", "'bytez' is no metric" },
		{ "x service bytes / above 1", "unexpected end" },
		{ "x service bytes above lots", "expected a number" },
		{ "x service bytes change above 50", "with %" },
		{ "x service bytes above 50%", "expected a number" },
		{ "x service bytes above 100 clear 200", "clears at or below 100" },
		{ "x service bytes below 100 clear 50", "clears at or above 100" },
		{ "x service bytes above 1 hold 0", "hold: a number of windows" },
		{ "x service bytes above 1 severity loud", "info, warning or critical" },
		{ "x service bytes above 1 record forever", "record: a duration" },
		{ "x service bytes above 1 color red", "expected clear, hold" },
		{ "x service delay_ms score above 3", "metrics with baselines" },
		{ "x service bytes score below 3", "only 'score above N'" },
		{ "x service above 3 hold 2", "a metric is missing" },
	};
	struct strata_alarm_rule r;
	char err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (strata_alarm_rule_parse(bad[i].rule, &r, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' was taken", bad[i].rule);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': '%s', not '%s'", bad[i].rule, err, bad[i].says);
	}
}

/* ---- the kinds ---- */

/*
 * The seasonal series through a deviation-from-baseline rule: exactly one
 * alarm, from the anomaly's first window to the window after its last; the
 * anomaly's windows are labelled abnormal, the others after the first two
 * normal.
 */
static void test_score_series(void **state)
{
	static const char *const rules[] = { "dev service bytes score above 6 clear 4", NULL };
	struct strata_macroflow m;
	struct strata_mlabel lab;
	struct strata_alarm got[4];
	unsigned int i, raised = 0, cleared = 0;
	struct fx f;
	char err[256];

	(void)state;
	fx_init(&f, rules);
	for (i = 0; i < SERIES_LEN; i++) {
		mf(&m, i, 1, 100 * series_value(i));
		window(&f, i, &m, 1);
		assert_int_equal(strata_alarms_label(f.al, &m, &lab, err, sizeof(err)), 0);
		if (i >= 2 && lab.labels[0] != (series_anomalous(i) ? STRATA_LABEL_ABNORMAL :
						STRATA_LABEL_NORMAL))
			fail_msg("window %u: bytes %s, score %.2f", i,
				 strata_label_name(lab.labels[0]), lab.scores[0]);
		if (f.nev) {
			assert_int_equal(f.nev, 1);
			if (f.raised[0])
				got[raised++] = f.ev[0];
			else
				got[2 + cleared++] = f.ev[0];
		}
	}
	assert_int_equal(raised, 1);
	assert_int_equal(cleared, 1);
	assert_true(got[0].start_ns == W(SERIES_ANOM));
	assert_true(got[0].raised_ns == W(SERIES_ANOM));
	assert_true(got[2].end_ns == W(SERIES_ANOM + SERIES_ANOM_N));
	assert_true(got[2].peak >= 6);
	assert_string_equal(got[2].metric, "score of bytes");
	fx_done(&f);
}

/* Above a value, and cleared when back at or below it; peak and first value kept. */
static void test_threshold(void **state)
{
	static const char *const rules[] = { "big service bytes above 5000", NULL };
	struct fx f;

	(void)state;
	fx_init(&f, rules);
	one(&f, 0, 1000);
	assert_int_equal(f.nev, 0);
	one(&f, 1, 6000);
	assert_int_equal(f.nev, 1);
	assert_true(f.raised[0]);
	assert_true(f.ev[0].start_ns == W(1));
	assert_true(f.ev[0].value_start == 6000);
	assert_int_equal(f.ev[0].id, 1);
	one(&f, 2, 7000);
	assert_int_equal(f.nev, 0);
	one(&f, 3, 5000);
	assert_int_equal(f.nev, 1);
	assert_false(f.raised[0]);
	assert_true(f.ev[0].end_ns == W(3));
	assert_true(f.ev[0].peak == 7000);
	assert_true(f.ev[0].value_start == 6000);
	fx_done(&f);
}

/* The change from the previous window, in percent: a step is one, a plateau none. */
static void test_change(void **state)
{
	static const char *const rules[] = { "jump service bytes change above 100%", NULL };
	struct fx f;

	(void)state;
	fx_init(&f, rules);
	one(&f, 0, 1000);
	one(&f, 1, 1900);	/* +90% */
	assert_int_equal(f.nev, 0);
	one(&f, 2, 4000);	/* +110% */
	assert_int_equal(f.nev, 1);
	assert_true(f.raised[0]);
	assert_true(fabs(f.ev[0].value_start - 2100.0 / 19) < 1e-6);
	one(&f, 3, 4100);	/* high still, but no change: cleared */
	assert_int_equal(f.nev, 1);
	assert_false(f.raised[0]);
	assert_true(f.ev[0].end_ns == W(3));
	fx_done(&f);
}

/* Hold 3: two windows are not enough; the alarm's start is the first of the three. */
static void test_hold(void **state)
{
	static const char *const rules[] = { "held service bytes above 5000 hold 3", NULL };
	static const double v[] = { 6000, 6000, 1000, 6000, 6000 };
	struct fx f;
	unsigned int i;

	(void)state;
	fx_init(&f, rules);
	for (i = 0; i < 5; i++) {
		one(&f, i, v[i]);
		assert_int_equal(f.nev, 0);
	}
	one(&f, 5, 6500);
	assert_int_equal(f.nev, 1);
	assert_true(f.raised[0]);
	assert_true(f.ev[0].start_ns == W(3));
	assert_true(f.ev[0].raised_ns == W(5));
	assert_true(f.ev[0].peak == 6500);
	fx_done(&f);
}

/* Raised above 5000, cleared only at or below 3000: 4000 keeps it. */
static void test_hysteresis(void **state)
{
	static const char *const rules[] = { "hyst service bytes above 5000 clear 3000", NULL };
	struct fx f;

	(void)state;
	fx_init(&f, rules);
	one(&f, 0, 6000);
	assert_int_equal(f.nev, 1);
	one(&f, 1, 4000);
	assert_int_equal(f.nev, 0);
	one(&f, 2, 4500);
	assert_int_equal(f.nev, 0);
	one(&f, 3, 2000);
	assert_int_equal(f.nev, 1);
	assert_false(f.raised[0]);
	assert_true(f.ev[0].end_ns == W(3));
	fx_done(&f);
}

/*
 * A key that had traffic and has none in a window where others do: its
 * bytes are 0 (an alarm on "below"); a window without any macroflow is no
 * such window for anyone (nothing raised).
 */
static void test_no_traffic(void **state)
{
	static const char *const rules[] = {
		"gone service=10.0.0.1:443/tcp bytes below 100", NULL
	};
	struct strata_macroflow m[2];
	struct fx f;

	(void)state;
	fx_init(&f, rules);
	mf(&m[0], 0, 1, 5000);
	mf(&m[1], 0, 2, 5000);
	window(&f, 0, m, 2);
	assert_int_equal(f.nev, 0);
	mf(&m[1], 1, 2, 5000);
	window(&f, 1, &m[1], 1);
	assert_int_equal(f.nev, 1);
	assert_true(f.raised[0]);
	assert_true(f.ev[0].value_start == 0);
	assert_int_equal(f.ev[0].key.addr[15], 1);
	mf(&m[0], 2, 1, 5000);
	window(&f, 2, m, 1);
	assert_int_equal(f.nev, 1);
	assert_false(f.raised[0]);
	fx_done(&f);
}

/* ---- the history ---- */

static int collect(const struct strata_alarm *a, void *arg)
{
	struct fx *f = arg;

	f->ev[f->nev++] = *a;
	return 0;
}

/*
 * The history and the rules' state survive a reopen: the alarm is listed
 * with what it had, clears after the reopen; acks are kept, and refused a
 * second time or for an unknown alarm; windows are not evaluated twice.
 */
static void test_history_reopen_ack(void **state)
{
	static const char *const rules[] = { "big service bytes above 5000 severity critical", NULL };
	struct strata_alarm a;
	char err[256];
	struct fx f;

	(void)state;
	fx_init(&f, rules);
	one(&f, 0, 9000);
	assert_int_equal(f.nev, 1);
	strata_alarms_close(f.al);
	fx_open(&f);
	assert_true(strata_alarms_next(f.al) == W(1));
	assert_int_equal(strata_alarms_window(f.al, W(0), MW, NULL, 0, NULL, NULL, err,
					      sizeof(err)), -EALREADY);
	f.nev = 0;
	assert_int_equal(strata_alarms_list(f.al, 0, ~0ULL, true, collect, &f, err, sizeof(err)), 0);
	assert_int_equal(f.nev, 1);
	assert_int_equal(f.ev[0].id, 1);
	assert_true(f.ev[0].open);
	assert_int_equal(f.ev[0].severity, STRATA_SEV_CRITICAL);
	assert_true(f.ev[0].value_start == 9000);

	assert_int_equal(strata_alarms_ack(f.al, 1, "alice", 1234, &a, err, sizeof(err)), 0);
	assert_int_equal(strata_alarms_ack(f.al, 1, "bob", 1235, &a, err, sizeof(err)), -EALREADY);
	assert_non_null(strstr(err, "acknowledged by alice"));
	assert_int_equal(strata_alarms_ack(f.al, 7, "bob", 1235, &a, err, sizeof(err)), -ENOENT);
	assert_int_equal(strata_alarms_ack(f.al, 1, "", 1235, &a, err, sizeof(err)), -EINVAL);

	one(&f, 1, 1000);
	assert_int_equal(f.nev, 1);
	assert_false(f.raised[0]);
	strata_alarms_close(f.al);
	fx_open(&f);
	assert_int_equal(strata_alarms_get(f.al, 1, &a, err, sizeof(err)), 0);
	assert_false(a.open);
	assert_true(a.end_ns == W(1));
	assert_string_equal(a.ack_by, "alice");
	assert_true(a.ack_ns == 1234);
	f.nev = 0;
	assert_int_equal(strata_alarms_list(f.al, 0, ~0ULL, true, collect, &f, err, sizeof(err)), 0);
	assert_int_equal(f.nev, 0);
	/* [from, to] after it ended: not listed; overlapping its time: listed. */
	assert_int_equal(strata_alarms_list(f.al, W(2), ~0ULL, false, collect, &f, err,
					    sizeof(err)), 0);
	assert_int_equal(f.nev, 0);
	assert_int_equal(strata_alarms_list(f.al, W(0), W(0), false, collect, &f, err,
					    sizeof(err)), 0);
	assert_int_equal(f.nev, 1);
	fx_done(&f);
}

/* The history keeps history_max alarms: the oldest closed ones go. */
static void test_history_max(void **state)
{
	static const char *const rules[] = { "big service bytes above 5000", NULL };
	struct strata_alarms_stats st;
	struct strata_alarm a;
	char err[256];
	struct fx f;
	unsigned int i;

	(void)state;
	fx_init(&f, rules);
	strata_alarms_close(f.al);
	f.c.history_max = 3;
	fx_open(&f);
	for (i = 0; i < 10; i++)
		one(&f, i, i % 2 ? 1000 : 9000);	/* raised, cleared, ... */
	strata_alarms_stats(f.al, &st);
	assert_int_equal(st.raised, 5);
	assert_int_equal(st.trimmed, 2);
	assert_int_equal(strata_alarms_get(f.al, 2, &a, err, sizeof(err)), -ENOENT);
	assert_int_equal(strata_alarms_get(f.al, 3, &a, err, sizeof(err)), 0);
	fx_done(&f);
}

/* ---- the API ---- */

/* @method @sub with @auth as the Authorization header (NULL: none). */
static unsigned int api_auth(struct fx *f, const char *method, const char *sub,
			     const struct strata_api_arg *args, unsigned int n, const char *auth,
			     json_t **out)
{
	struct strata_api_resp resp;
	char msg[256] = "";
	unsigned int st;

	memset(&resp, 0, sizeof(resp));
	st = strata_alarms_api(f->al, "s3cret", method, sub, args, n, auth, &resp, msg,
			       sizeof(msg));
	*out = st == 200 ? json_loadb(resp.body, resp.len, 0, NULL) : json_string(msg);
	assert_non_null(*out);
	free(resp.body);
	return st;
}

static unsigned int api(struct fx *f, const char *method, const char *sub,
			const struct strata_api_arg *args, unsigned int n, json_t **out)
{
	return api_auth(f, method, sub, args, n, "Bearer s3cret", out);
}

/* @v: an alarm list, a container (schema and rows) of @n rows the processor takes. */
static void list_check(json_t *v, size_t n)
{
	static const char *const by[] = { "rule" };
	const struct strata_cquery q = { .group = true, .by = by, .nby = 1 };
	json_t *schema = json_object_get(v, "schema"), *fd, *out;
	struct strata_container *c;
	bool key = false, fund = false;
	char err[512];
	size_t i;

	assert_true(json_is_object(schema));
	assert_string_equal(json_string_value(json_object_get(schema, "type")), "alarms");
	assert_string_equal(json_string_value(json_object_get(schema, "level")), "alarm");
	json_array_foreach(json_object_get(schema, "fields"), i, fd) {
		const char *name = json_string_value(json_object_get(fd, "name"));
		const char *kind = json_string_value(json_object_get(fd, "kind"));

		if (!strcmp(name, "rule"))
			key = !strcmp(kind, "key");
		if (!strcmp(name, "start_ns"))
			fund = !strcmp(kind, "fundamental") &&
			       !strcmp(json_string_value(json_object_get(fd, "unit")), "ns") &&
			       !strcmp(json_string_value(json_object_get(fd, "agg")), "min");
	}
	assert_true(key && fund);
	assert_int_equal(json_array_size(json_object_get(v, "rows")), n);
	/* The processor takes it, and groups alarms by rule. */
	if (strata_container_load(&c, v, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(strata_container_rows(c), n);
	if (strata_container_result(c, &q, &out, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(json_array_size(json_object_get(out, "rows")), 1);
	json_decref(out);
	strata_container_free(c);
}

/* @v: one alarm, a container of its row; the row. */
static json_t *one_row(json_t *v)
{
	list_check(v, 1);
	return json_array_get(json_object_get(v, "rows"), 0);
}

static void test_api(void **state)
{
	static const char *const rules[] = { "big service bytes above 5000", NULL };
	const struct strata_api_arg active[] = { { "state", "active" } };
	const struct strata_api_arg badstate[] = { { "state", "open" } };
	const struct strata_api_arg ack[] = { { "by", "alice" } };
	const struct strata_api_arg inurl[] = { { "by", "alice" }, { "token", "s3cret" } };
	json_t *v, *r;
	struct fx f;

	(void)state;
	fx_init(&f, rules);
	one(&f, 0, 9000);
	one(&f, 1, 9500);
	assert_int_equal(api(&f, "GET", "", active, 1, &v), 200);
	list_check(v, 1);
	r = json_array_get(json_object_get(v, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "rule")), "big");
	assert_string_equal(json_string_value(json_object_get(r, "key")), "10.0.0.1:443/tcp");
	assert_string_equal(json_string_value(json_object_get(r, "state")), "active");
	assert_true(json_is_null(json_object_get(r, "end_ns")));
	assert_true(json_real_value(json_object_get(r, "peak")) == 9500);
	json_decref(v);
	/* A limit cuts the list and says so. */
	one(&f, 2, 1000);
	one(&f, 3, 9000);
	{
		const struct strata_api_arg lim[] = { { "limit", "1" } };
		struct strata_api_resp resp;
		char msg[256] = "";

		memset(&resp, 0, sizeof(resp));
		assert_int_equal(strata_alarms_api(f.al, "s3cret", "GET", "", lim, 1, NULL, &resp,
						   msg, sizeof(msg)), 200);
		assert_true(resp.truncated);
		v = json_loadb(resp.body, resp.len, 0, NULL);
		list_check(v, 1);
		json_decref(v);
		free(resp.body);
	}
	assert_int_equal(api(&f, "GET", "", badstate, 1, &v), 400);
	json_decref(v);
	assert_int_equal(api(&f, "GET", "/1/ack", ack, 1, &v), 405);
	json_decref(v);
	/* The token in the header only: without it a 401, a wrong one a 403. */
	assert_int_equal(api_auth(&f, "POST", "/1/ack", ack, 1, NULL, &v), 401);
	json_decref(v);
	assert_int_equal(api_auth(&f, "POST", "/1/ack", ack, 1, "Bearer guess", &v), 403);
	json_decref(v);
	assert_int_equal(api_auth(&f, "POST", "/1/ack", ack, 1, "s3cret", &v), 403);
	json_decref(v);
	/* In the URL, where logs keep it: refused, even when right. */
	assert_int_equal(api(&f, "POST", "/1/ack", inurl, 2, &v), 400);
	assert_non_null(strstr(json_string_value(v), "Authorization"));
	json_decref(v);
	assert_int_equal(api(&f, "POST", "/9/ack", ack, 1, &v), 404);
	json_decref(v);
	/* Acknowledged: the alarm as a container of its row. */
	assert_int_equal(api(&f, "POST", "/1/ack", ack, 1, &v), 200);
	r = one_row(v);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "ack"), "by")),
			    "alice");
	json_decref(v);
	assert_int_equal(api(&f, "POST", "/1/ack", ack, 1, &v), 409);
	json_decref(v);
	assert_int_equal(api(&f, "GET", "/1", NULL, 0, &v), 200);
	r = one_row(v);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(v,
		"schema"), "interval"), "from_ns")),
		json_integer_value(json_object_get(r, "start_ns")));
	json_decref(v);
	assert_int_equal(api(&f, "GET", "/stats", NULL, 0, &v), 200);
	assert_int_equal(json_integer_value(json_object_get(v, "alarms_raised")), 2);
	assert_int_equal(json_integer_value(json_object_get(v, "alarms_active")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "windows_evaluated")), 4);
	assert_int_equal(json_integer_value(json_object_get(v, "baseline_keys")), 1);
	json_decref(v);
	assert_int_equal(api(&f, "GET", "/x", NULL, 0, &v), 404);
	json_decref(v);
	/* Without an api-token, no acknowledgement at all. */
	{
		struct strata_api_resp resp;
		char msg[256];

		memset(&resp, 0, sizeof(resp));
		assert_int_equal(strata_alarms_api(f.al, "", "POST", "/1/ack", ack, 1,
						   "Bearer s3cret", &resp, msg, sizeof(msg)), 403);
		assert_non_null(strstr(msg, "api-token"));
	}
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_metrics_catalog),
		cmocka_unit_test(test_rule_parse),
		cmocka_unit_test(test_rule_refused),
		cmocka_unit_test(test_score_series),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_change),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_no_traffic),
		cmocka_unit_test(test_history_reopen_ack),
		cmocka_unit_test(test_history_max),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
