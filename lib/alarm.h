/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Alarms on macroflows: metrics as catalog formulas over them, rules,
 * their evaluation window by window with the baselines, and the history.
 */
#ifndef STRATA_ALARM_H
#define STRATA_ALARM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "api.h"
#include "baseline.h"
#include "central.h"

/* ---- metrics ---- */

/* The longest metric a rule may name, as written. */
#define STRATA_FORMULA_TEXT	96

struct strata_expr;

/**
 * strata_alarm_metric_parse() - compile an alarm's metric
 * @text: a formula of the metric catalog's evaluator (strata_expr_parse():
 *	names, numbers, + - * /, sqrt(), parentheses) over a macroflow's
 *	metrics: the catalog's macroflow fundamentals and derived metrics
 *	(bytes, packets, cflows, avg_rtt_hs, loss_ratio, ...), the
 *	directions' shares (bytes_c2s, ...) and the aliases of
 *	Documentation/alarms.rst (rtt_ms, flows, ...)
 * @out: the compiled metric, freed with strata_expr_free()
 * @err: filled with what is wrong, naming the word at fault
 * @errlen: its size
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int strata_alarm_metric_parse(const char *text, struct strata_expr **out, char *err,
			      size_t errlen);

/**
 * strata_alarm_metric_value() - a metric of a macroflow
 * @e: the metric, from strata_alarm_metric_parse()
 * @m: the macroflow
 *
 * Return: the value, or NaN where it has none (a division by zero: a mean
 * RTT of no handshake).
 */
double strata_alarm_metric_value(const struct strata_expr *e, const struct strata_macroflow *m);

/*
 * The metrics every macroflow key has a baseline of (STRATA_BASE_*), in
 * this order: bytes, packets, flows, rtt_ms, loss_ratio.
 */
#define STRATA_BASE_METRICS	5
const char *strata_base_metric_name(unsigned int i);

/* ---- rules ---- */

enum strata_alarm_kind {
	STRATA_ALARM_THRESHOLD,	/* the metric above or below a value */
	STRATA_ALARM_CHANGE,	/* its change from the previous window, in % */
	STRATA_ALARM_SCORE,	/* its score against its baseline */
};

enum strata_alarm_severity {
	STRATA_SEV_INFO,
	STRATA_SEV_WARNING,
	STRATA_SEV_CRITICAL,
};

#define STRATA_ALARM_NAME_MAX	32
#define STRATA_ALARM_TEXT_MAX	256

/**
 * struct strata_alarm_rule - one rule (Documentation/alarms.rst, "Rules")
 * @name: its name, unique among the rules
 * @group: the macroflows it watches (STRATA_GROUP_*)
 * @has_key: only one key of @group: @key
 * @key: that key (SERVICE: family, addr, port, proto; CLIENT: family,
 *	addr; APP: app, and proto when @key_proto)
 * @key_proto: APP: @key.proto counts
 * @kind: STRATA_ALARM_*
 * @above: raised above @raise (else below)
 * @severity: STRATA_SEV_*
 * @base: SCORE: the baseline metric (STRATA_BASE_METRICS: the highest
 *	score of them all, "any")
 * @metric: the metric as written (THRESHOLD, CHANGE: checked by
 *	strata_alarm_metric_parse(), compiled by strata_alarms_open()); SCORE:
 *	the baseline metric's name or "any"
 * @raise: the value past which the condition holds
 * @clear: the value back past which an alarm clears (hysteresis); @raise
 *	when not given
 * @hold: windows the condition must hold before the alarm is raised
 * @record_ns: triggered recording of the traffic for this long on raise
 *	(0: none)
 * @text: the rule as written
 */
struct strata_alarm_rule {
	char name[STRATA_ALARM_NAME_MAX];
	__u8 group;
	bool has_key;
	bool key_proto;
	__u8 kind;
	bool above;
	__u8 severity;
	__u8 base;
	__u8 pad;
	struct strata_macro_key key;
	char metric[STRATA_FORMULA_TEXT];
	double raise, clear;
	__u32 hold;
	__u32 pad2;
	__u64 record_ns;
	char text[STRATA_ALARM_TEXT_MAX];
};

/**
 * strata_alarm_rule_parse() - read a rule
 * @text: "NAME GROUP[=KEY] METRIC [change|score] above|below VALUE
 *	[clear VALUE] [hold N] [severity info|warning|critical]
 *	[record DURATION]" (Documentation/alarms.rst)
 * @r: filled
 * @err: filled with what is wrong and the form expected
 * @errlen: its size
 *
 * Return: 0 or -EINVAL.
 */
int strata_alarm_rule_parse(const char *text, struct strata_alarm_rule *r, char *err,
			    size_t errlen);

const char *strata_alarm_severity_name(int severity);

/* ---- the history ---- */

/**
 * struct strata_alarm - one alarm, as the history keeps it
 * @id: its number, from 1 up
 * @rule: the rule's name
 * @metric: what was watched ("bytes", "score of rtt_ms", "change of bytes")
 * @key: the macroflow key
 * @severity: STRATA_SEV_*
 * @kind: STRATA_ALARM_*
 * @above: the rule's direction
 * @open: still active
 * @start_ns: the start of the first window the condition held in
 * @raised_ns: the start of the window it was raised in (after the hold)
 * @end_ns: the start of the window it cleared in (0 while open)
 * @value_start: the value in the first window
 * @peak: the farthest value past the threshold while active
 * @threshold: the rule's raise value
 * @record_ns: the rule's triggered recording (0: none)
 * @ack_ns: when it was acknowledged (0: not)
 * @ack_by: by whom
 */
struct strata_alarm {
	__u64 id;
	char rule[STRATA_ALARM_NAME_MAX];
	char metric[STRATA_FORMULA_TEXT + 16];
	struct strata_macro_key key;
	__u8 severity;
	__u8 kind;
	__u8 above;
	__u8 open;
	__u32 pad;
	__u64 start_ns, raised_ns, end_ns;
	double value_start, peak, threshold;
	__u64 record_ns;
	__u64 ack_ns;
	char ack_by[64];
};

/* ---- the engine ---- */

/**
 * struct strata_alarm_config - how alarms and baselines run
 * @hw: the baselines' parameters (their @min_abs is per metric: unused)
 * @base_groups: bit (1 << STRATA_GROUP_*) per grouping that has baselines
 * @base_keys_max: keys with a baseline at most; more are counted, not kept
 * @budget: the alarm store's size in bytes
 * @history_max: alarms kept; the oldest closed ones go first
 * @rules: the rules
 * @nrules: how many
 */
struct strata_alarm_config {
	struct strata_hw_params hw;
	unsigned int base_groups;
	unsigned int base_keys_max;
	__u64 budget;
	unsigned int history_max;
	const struct strata_alarm_rule *rules;
	unsigned int nrules;
};

void strata_alarm_config_default(struct strata_alarm_config *c);

/* Counters of struct strata_alarms_stats that others add to. */
enum strata_alarm_counter {
	STRATA_AC_NOTIFY_SENT,
	STRATA_AC_NOTIFY_FAILED,
	STRATA_AC_NOTIFY_DROPPED,
	STRATA_AC_RECORD_REQUESTS,
	STRATA_AC_RECORD_FAILED,
	__STRATA_AC_MAX
};

/**
 * struct strata_alarms_stats - since the process started, but @active and
 *	@base_keys (stored)
 * @windows: macroflow windows evaluated
 * @rules_evaluated: rule evaluations (a rule on a key in a window)
 * @raised: alarms raised
 * @cleared: alarms cleared
 * @active: alarms open now
 * @base_keys: keys with a baseline now
 * @keys_dropped: key windows without a baseline: past @base_keys_max
 * @expired: baselines and rule states dropped after a season without traffic
 * @trimmed: labels and closed alarms removed to keep within the budget
 * @errors: windows that failed to be evaluated (the store)
 * @c: the counters others add (STRATA_AC_*)
 */
struct strata_alarms_stats {
	__u64 windows, rules_evaluated, raised, cleared, active, base_keys, keys_dropped;
	__u64 expired, trimmed, errors;
	__u64 c[__STRATA_AC_MAX];
};

/**
 * struct strata_mlabel - a macroflow window's quality against its baselines
 * @score: the highest score of its metrics
 * @label: the label of that score (STRATA_LABEL_*)
 * @worst: which metric had it (STRATA_BASE_*)
 * @labels: per metric
 * @scores: per metric
 * @forecast: per metric (NaN: none)
 */
struct strata_mlabel {
	double score;
	__u8 label;
	__u8 worst;
	__u8 labels[STRATA_BASE_METRICS];
	__u8 pad;
	double scores[STRATA_BASE_METRICS];
	double forecast[STRATA_BASE_METRICS];
};

struct strata_alarms;

/*
 * Called after a window's evaluation is stored, once per alarm raised
 * (@raised true) or cleared, with the rule that made it (NULL where the
 * rule is gone from the configuration).
 */
typedef void (*strata_alarm_event_fn)(const struct strata_alarm *a, bool raised,
				      const struct strata_alarm_rule *rule, void *arg);
typedef int (*strata_alarm_fn)(const struct strata_alarm *a, void *arg);

/**
 * strata_alarms_open() - open or create an alarm store
 * @path: its directory (created when missing)
 * @c: the configuration; its rules are copied
 * @out: set to the store
 * @err: filled on failure
 * @errlen: its size
 *
 * One thread evaluates (strata_alarms_window()); the readers and
 * strata_alarms_ack() may be called from any thread.
 *
 * Return: 0 or -errno.
 */
int strata_alarms_open(const char *path, const struct strata_alarm_config *c,
		       struct strata_alarms **out, char *err, size_t errlen);

/* strata_alarms_close() - close a store (NULL is fine). */
void strata_alarms_close(struct strata_alarms *al);

/**
 * strata_alarms_next() - the first macroflow window not evaluated yet
 * @al: the store
 *
 * Return: its start (0: none evaluated yet).
 */
__u64 strata_alarms_next(struct strata_alarms *al);

/**
 * strata_alarms_window() - evaluate one macroflow window
 * @al: the store
 * @window: its start
 * @window_ns: its length
 * @m: its macroflows, every grouping (keys of one grouping unique)
 * @n: how many
 * @fn: called with each alarm raised or cleared, after the commit (may be
 *	NULL)
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: its size
 *
 * Windows are taken in time order: one at or before the last evaluated is
 * refused (-EALREADY). For each key of a grouping with baselines, each
 * metric is judged against its baseline and learnt (strata_hw_step()), and
 * the window's label is stored. A key with a baseline or a rule state that
 * has no macroflow this window, while others have, had no traffic: its
 * counts are 0 (its ratios undefined); one without traffic for a season
 * is dropped. Then every rule runs on every key of its grouping it
 * matches. All of it is one transaction.
 *
 * Return: 0 or -errno.
 */
int strata_alarms_window(struct strata_alarms *al, __u64 window, __u64 window_ns,
			 const struct strata_macroflow *m, size_t n,
			 strata_alarm_event_fn fn, void *arg, char *err, size_t errlen);

/**
 * strata_alarms_list() - the alarms active during [@from, @to]
 * @active_only: only those open now
 * @fn: called with each, oldest first; a non-zero return stops the walk
 *	and is returned
 */
int strata_alarms_list(struct strata_alarms *al, __u64 from, __u64 to, bool active_only,
		       strata_alarm_fn fn, void *arg, char *err, size_t errlen);

/* strata_alarms_get() - one alarm. Return: 0, -ENOENT or -errno. */
int strata_alarms_get(struct strata_alarms *al, __u64 id, struct strata_alarm *out,
		      char *err, size_t errlen);

/**
 * strata_alarms_ack() - acknowledge an alarm
 * @al: the store
 * @id: the alarm
 * @who: who acknowledges it (printable, under 64 bytes)
 * @now_ns: when
 * @out: filled with the alarm as now stored (may be NULL)
 * @err: filled on failure
 * @errlen: its size
 *
 * Return: 0, -ENOENT, -EALREADY (acknowledged before: @out says by whom),
 * -EINVAL (@who) or -errno.
 */
int strata_alarms_ack(struct strata_alarms *al, __u64 id, const char *who, __u64 now_ns,
		      struct strata_alarm *out, char *err, size_t errlen);

/**
 * strata_alarms_label() - a macroflow window's stored quality
 * Return: 0, -ENOENT (not evaluated, or its grouping has no baselines) or
 * -errno.
 */
int strata_alarms_label(struct strata_alarms *al, const struct strata_macroflow *m,
			struct strata_mlabel *out, char *err, size_t errlen);

void strata_alarms_stats(struct strata_alarms *al, struct strata_alarms_stats *st);
void strata_alarms_count(struct strata_alarms *al, enum strata_alarm_counter c, __u64 n);

/* ---- JSON and the API ---- */

struct json_t;

/* strata_alarm_json() - an alarm as the API and the webhook show it. */
struct json_t *strata_alarm_json(const struct strata_alarm *a);

/* strata_alarm_key_str() - a key as rules write it ("10.0.0.1:443/tcp", "http"). */
const char *strata_alarm_key_str(const struct strata_macro_key *k, char *buf, size_t len);

/* strata_mlabel_json() - a macroflow's "quality" (JSON null without one). */
struct json_t *strata_mlabel_json(struct strata_alarms *al, const struct strata_macroflow *m);

/**
 * strata_alarms_api() - answer a request under /api/v1/alarms
 * @al: the store
 * @token: the secret an acknowledgement must carry ("": acknowledgements
 *	are refused)
 * @method: the HTTP method
 * @sub: the path after "/api/v1/alarms" ("", "/stats", "/ID", "/ID/ack")
 * @args: the query parameters
 * @nargs: how many
 * @auth: the request's Authorization header (NULL: none), which an
 *	acknowledgement needs: "Bearer @token" (401 without it, 403 with
 *	another)
 * @resp: filled with the body on a 200: the list a container (type
 *	"alarms", Documentation/alarms.rst), one alarm and an acknowledged
 *	one a container of its row, the counters an object
 * @msg: filled with the error on any other status
 * @msglen: its size
 *
 * Return: the HTTP status.
 */
unsigned int strata_alarms_api(struct strata_alarms *al, const char *token, const char *method,
			       const char *sub, const struct strata_api_arg *args,
			       unsigned int nargs, const char *auth, struct strata_api_resp *resp,
			       char *msg, size_t msglen);

#endif /* STRATA_ALARM_H */
