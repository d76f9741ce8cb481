// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Triggered recording: requests, the filter list they make with the
 * module's own, the state file, the recorder that ends them, and the
 * client of a sensor's /api/v1/record.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <jansson.h>
#include <curl/curl.h>
#include "err.h"
#include "keywords.h"
#include "record.h"

/* syslog's levels, for ops->log */
#define LVL_ERR		3
#define LVL_WARN	4
#define LVL_INFO	6

#define NSEC_PER_SEC	1000000000ULL
/* A failed change is tried again after this long. */
#define RETRY_NS	NSEC_PER_SEC
/* Recordings without a filter (all taken) look for room this often. */
#define UNFIT_RETRY_NS	(5 * NSEC_PER_SEC)
/* Read-change-write of the configuration when another tool keeps changing it. */
#define SET_TRIES	5
/* The most of an answer the client keeps. */
#define ANSWER_MAX	(1 << 20)

/* ---- filters ---- */

/* The same packets: proto, addr and prefix, port; snaplen aside. */
static bool match_equal(const struct strata_filter *a, const struct strata_filter *b)
{
	if (a->has_proto != b->has_proto || a->has_addr != b->has_addr ||
	    a->has_port != b->has_port)
		return false;
	if (a->has_proto && a->proto != b->proto)
		return false;
	if (a->has_addr && (a->prefix != b->prefix || memcmp(a->addr, b->addr, 16)))
		return false;
	return !a->has_port || a->port == b->port;
}

/* Every field, as the module echoes it. */
static bool filter_equal(const struct strata_filter *a, const struct strata_filter *b)
{
	return match_equal(a, b) && a->snaplen == b->snaplen &&
	       a->has_seg_budget == b->has_seg_budget &&
	       (!a->has_seg_budget || a->seg_budget == b->seg_budget);
}

static bool filters_equal(const struct strata_config *a, const struct strata_config *b)
{
	unsigned int i;

	if (a->nfilters != b->nfilters)
		return false;
	for (i = 0; i < a->nfilters; i++)
		if (!filter_equal(&a->filters[i], &b->filters[i]))
			return false;
	return true;
}

/* {"proto", "addr", "port"[, "snaplen"]}, the fields a filter has. */
static json_t *filter_json(const struct strata_filter *f, bool snaplen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (f->has_proto)
		json_object_set_new(o, "proto",
				    json_string(strata_proto_name(f->proto, buf, sizeof(buf))));
	if (f->has_addr)
		json_object_set_new(o, "addr", json_string(strata_addr_format(
				    f->addr, f->prefix, buf, sizeof(buf))));
	if (f->has_port)
		json_object_set_new(o, "port", json_integer(f->port));
	if (snaplen)
		json_object_set_new(o, "snaplen", json_integer(f->snaplen));
	return o;
}

/* An integer member within [min, max]. */
static int get_uint(json_t *v, const char *name, json_int_t min, json_int_t max,
		    __u64 *out, char *err, size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return strata_seterr(err, errlen, EINVAL, "%s: not an integer from %lld to %lld",
				     name, (long long)min, (long long)max);
	*out = (__u64)json_integer_value(v);
	return 0;
}

/* The filter object; "snaplen" in it only when @snaplen (the state file). */
static int filter_parse(json_t *o, bool snaplen, struct strata_filter *f, char *err,
			size_t errlen)
{
	const char *k;
	json_t *v;
	__u64 x;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!json_is_object(o))
		return strata_seterr(err, errlen, EINVAL, "filter: not an object");
	json_object_foreach(o, k, v) {
		if (!strcmp(k, "proto")) {
			if (json_is_integer(v)) {
				rc = get_uint(v, "filter: proto", 0, 255, &x, err, errlen);
				if (rc)
					return rc;
				f->proto = (__u8)x;
			} else if (!json_is_string(v) ||
				   strata_kw_proto(json_string_value(v), &f->proto)) {
				return strata_seterr(err, errlen, EINVAL,
						     "filter: proto: not tcp, udp, icmp, icmpv6, sctp or 0..255");
			}
			f->has_proto = true;
		} else if (!strcmp(k, "addr")) {
			if (!json_is_string(v) ||
			    strata_kw_addr(json_string_value(v), f->addr, &f->prefix) < 0)
				return strata_seterr(err, errlen, EINVAL,
						     "filter: addr: not an IPv4 or IPv6 address with an optional /LEN");
			f->has_addr = true;
		} else if (!strcmp(k, "port")) {
			rc = get_uint(v, "filter: port", 0, 65535, &x, err, errlen);
			if (rc)
				return rc;
			f->port = (__u16)x;
			f->has_port = true;
		} else if (snaplen && !strcmp(k, "snaplen")) {
			rc = get_uint(v, "filter: snaplen", 0, STRATA_SNAPLEN_MAX, &x, err, errlen);
			if (rc)
				return rc;
			f->snaplen = (__u32)x;
		} else {
			return strata_seterr(err, errlen, EINVAL,
					     "filter: unknown member '%.32s' (proto, addr, port%s)",
					     k, snaplen ? ", snaplen" : "");
		}
	}
	if (!f->has_proto && !f->has_addr && !f->has_port)
		return strata_seterr(err, errlen, EINVAL,
				     "filter: give proto, addr or port (an empty filter matches every packet)");
	return 0;
}

/* ---- requests ---- */

static int label_check(const char *l, char *err, size_t errlen)
{
	size_t n = strlen(l);

	if (!n || n >= STRATA_RECORD_LABEL_MAX ||
	    strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+/-") != n)
		return strata_seterr(err, errlen, EINVAL,
				     "label: 1 to %d characters of A-Z a-z 0-9 . _ : @ + / -",
				     STRATA_RECORD_LABEL_MAX - 1);
	return 0;
}

/* What every request must be, whoever built it. */
static int req_check(const struct strata_record_req *r, char *err, size_t errlen)
{
	const struct strata_filter *f = &r->filter;

	if (!f->has_proto && !f->has_addr && !f->has_port)
		return strata_seterr(err, errlen, EINVAL, "filter: give proto, addr or port");
	if (f->has_addr && f->prefix > 128)
		return strata_seterr(err, errlen, EINVAL, "filter: prefix over 128");
	if (f->has_seg_budget)
		return strata_seterr(err, errlen, EINVAL, "filter: no segment budget in a recording");
	if (f->snaplen > STRATA_SNAPLEN_MAX)
		return strata_seterr(err, errlen, EINVAL, "snaplen: 1 to %d", STRATA_SNAPLEN_MAX);
	if (!r->duration_s || r->duration_s > STRATA_RECORD_DURATION_MAX)
		return strata_seterr(err, errlen, EINVAL, "duration: 1 to %d seconds",
				     STRATA_RECORD_DURATION_MAX);
	if (!memchr(r->label, 0, sizeof(r->label)))
		return strata_seterr(err, errlen, EINVAL, "label: too long");
	return r->label[0] ? label_check(r->label, err, errlen) : 0;
}

int strata_record_parse_req(const char *body, size_t len, struct strata_record_req *r,
			    char *err, size_t errlen)
{
	bool has_filter = false, has_dur = false;
	__u32 snaplen = 0;
	json_error_t je;
	const char *k;
	json_t *o, *v;
	__u64 x;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return strata_seterr(err, errlen, EINVAL, "body: not JSON: %s (line %d)",
				     je.text, je.line);
	if (!json_is_object(o))
		rc = strata_seterr(err, errlen, EINVAL, "body: not a JSON object");
	json_object_foreach(o, k, v) {
		if (rc)
			break;
		if (!strcmp(k, "filter")) {
			rc = filter_parse(v, false, &r->filter, err, errlen);
			has_filter = true;
		} else if (!strcmp(k, "duration")) {
			rc = get_uint(v, "duration", 1, STRATA_RECORD_DURATION_MAX, &x, err,
				      errlen);
			r->duration_s = (__u32)x;
			has_dur = true;
		} else if (!strcmp(k, "snaplen")) {
			rc = get_uint(v, "snaplen", 1, STRATA_SNAPLEN_MAX, &x, err, errlen);
			snaplen = (__u32)x;
		} else if (!strcmp(k, "label")) {
			if (!json_is_string(v))
				rc = strata_seterr(err, errlen, EINVAL, "label: not a string");
			else if (!(rc = label_check(json_string_value(v), err, errlen)))
				strcpy(r->label, json_string_value(v));
		} else {
			rc = strata_seterr(err, errlen, EINVAL,
					   "unknown member '%.32s' (filter, duration, snaplen, label)",
					   k);
		}
	}
	json_decref(o);
	r->filter.snaplen = snaplen;
	if (!rc && !has_filter)
		rc = strata_seterr(err, errlen, EINVAL, "filter: missing");
	if (!rc && !has_dur)
		rc = strata_seterr(err, errlen, EINVAL, "duration: missing (1 to %d seconds)",
				   STRATA_RECORD_DURATION_MAX);
	return rc;
}

char *strata_record_req_json(const struct strata_record_req *r)
{
	json_t *o = json_object();
	char *s = NULL;

	if (!o)
		return NULL;
	json_object_set_new(o, "filter", filter_json(&r->filter, false));
	json_object_set_new(o, "duration", json_integer(r->duration_s));
	if (r->filter.snaplen)
		json_object_set_new(o, "snaplen", json_integer(r->filter.snaplen));
	if (r->label[0])
		json_object_set_new(o, "label", json_string(r->label));
	if (json_object_size(o) >= 2)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* ---- the filter list ---- */

unsigned int strata_record_compose(const struct strata_config *cur,
				   struct strata_record_state *st, __u64 now,
				   struct strata_config *out)
{
	struct strata_filter mine[STRATA_FILTERS_MAX];
	unsigned int order[STRATA_RECORD_MAX], nact = 0, nmine = 0, unfit = 0;
	unsigned int i, j, k, room;
	struct strata_config base = *cur;

	/* Take ours out: each one's first equal entry, wherever it is now. */
	for (i = 0; i < st->napplied && i < STRATA_FILTERS_MAX; i++)
		for (j = 0; j < base.nfilters; j++)
			if (filter_equal(&base.filters[j], &st->applied[i])) {
				memmove(&base.filters[j], &base.filters[j + 1],
					(base.nfilters - j - 1) * sizeof(base.filters[0]));
				base.nfilters--;
				break;
			}
	/* The recordings in force, largest snaplen first, then oldest first. */
	for (i = 0; i < st->n; i++) {
		st->rec[i].applied = false;
		if (st->rec[i].end_ns <= now)
			continue;
		for (k = nact; k > 0; k--) {
			const struct strata_record *p = &st->rec[order[k - 1]];

			if (p->filter.snaplen >= st->rec[i].filter.snaplen)
				break;
			order[k] = order[k - 1];
		}
		order[k] = i;
		nact++;
	}
	room = STRATA_FILTERS_MAX - base.nfilters;
	for (k = 0; k < nact; k++) {
		struct strata_record *rec = &st->rec[order[k]];

		/* One that matches the same packets with more bytes is there. */
		for (j = 0; j < nmine; j++)
			if (match_equal(&mine[j], &rec->filter))
				break;
		if (j == nmine) {
			if (nmine == room) {
				unfit++;
				continue;
			}
			mine[nmine++] = rec->filter;
		}
		rec->applied = true;
	}
	*out = base;
	/* Unused entries zeroed: equal lists are equal structures. */
	memset(out->filters, 0, sizeof(out->filters));
	memcpy(out->filters, mine, nmine * sizeof(mine[0]));
	memcpy(out->filters + nmine, base.filters, base.nfilters * sizeof(base.filters[0]));
	out->nfilters = nmine + base.nfilters;
	memcpy(st->applied, mine, nmine * sizeof(mine[0]));
	st->napplied = nmine;
	return unfit;
}

/* ---- the state file ---- */

static json_t *record_json(const struct strata_record *r)
{
	return json_pack("{s:s, s:o, s:I, s:I, s:I, s:b}", "label", r->label,
			 "filter", filter_json(&r->filter, true),
			 "start", (json_int_t)r->start_ns, "end", (json_int_t)r->end_ns,
			 "pin", (json_int_t)r->pin_id, "applied", r->applied);
}

static json_t *state_json(const struct strata_record_state *st)
{
	json_t *o, *applied = json_array(), *recs = json_array();
	unsigned int i;

	for (i = 0; applied && i < st->napplied; i++)
		json_array_append_new(applied, filter_json(&st->applied[i], true));
	for (i = 0; recs && i < st->n; i++)
		json_array_append_new(recs, record_json(&st->rec[i]));
	o = json_pack("{s:i, s:I, s:o*, s:o*}", "version", 1, "generation",
		      (json_int_t)st->generation, "applied", applied, "recordings", recs);
	return o;
}

int strata_record_state_save(const char *path, const struct strata_record_state *st,
			     char *err, size_t errlen)
{
	char tmp[4096];
	json_t *o = state_json(st);
	int fd, rc = 0;

	if (!o)
		return strata_seterr(err, errlen, ENOMEM, "record state %s: out of memory", path);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		json_decref(o);
		return strata_seterr(err, errlen, ENAMETOOLONG, "record state %s: path too long",
				     path);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || json_dumpfd(o, fd, JSON_INDENT(1)) || write(fd, "\n", 1) != 1 ||
	    fsync(fd))
		rc = errno ? -errno : -EIO;
	if (fd >= 0 && close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	json_decref(o);
	if (rc) {
		unlink(tmp);
		return strata_seterr(err, errlen, -rc, "record state %s: %s", path,
				     strerror(-rc));
	}
	return 0;
}

static int record_parse(json_t *o, struct strata_record *r, char *err, size_t errlen)
{
	json_t *label = json_object_get(o, "label"), *f = json_object_get(o, "filter");
	json_t *start = json_object_get(o, "start"), *end = json_object_get(o, "end");
	json_t *pin = json_object_get(o, "pin");

	memset(r, 0, sizeof(*r));
	if (!json_is_string(label) || label_check(json_string_value(label), err, errlen) ||
	    !json_is_integer(start) || !json_is_integer(end) || !json_is_integer(pin))
		return strata_seterr(err, errlen, EINVAL, "a recording without its label, start, end or pin");
	strcpy(r->label, json_string_value(label));
	r->start_ns = (__u64)json_integer_value(start);
	r->end_ns = (__u64)json_integer_value(end);
	r->pin_id = (__u64)json_integer_value(pin);
	r->applied = json_is_true(json_object_get(o, "applied"));
	return filter_parse(f, true, &r->filter, err, errlen);
}

int strata_record_state_load(const char *path, struct strata_record_state *st,
			     char *err, size_t errlen)
{
	json_t *o, *applied, *recs, *gen, *v;
	char sub[256] = "";
	json_error_t je;
	size_t i;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return strata_seterr(err, errlen, EINVAL, "record state %s: %s (line %d)", path,
				     je.text, je.line);
	applied = json_object_get(o, "applied");
	recs = json_object_get(o, "recordings");
	gen = json_object_get(o, "generation");
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 1 || !json_is_integer(gen) ||
	    !json_is_array(applied) || !json_is_array(recs) ||
	    json_array_size(applied) > STRATA_FILTERS_MAX ||
	    json_array_size(recs) > STRATA_RECORD_MAX)
		rc = strata_seterr(sub, sizeof(sub), EINVAL,
				   "not a version 1 state file (version, generation, applied, recordings)");
	if (!rc)
		st->generation = (__u32)json_integer_value(gen);
	json_array_foreach(applied, i, v) {
		if (rc)
			break;
		rc = filter_parse(v, true, &st->applied[i], sub, sizeof(sub));
		st->napplied = (unsigned int)i + 1;
	}
	json_array_foreach(recs, i, v) {
		if (rc)
			break;
		rc = record_parse(v, &st->rec[i], sub, sizeof(sub));
		st->n = (unsigned int)i + 1;
	}
	json_decref(o);
	if (rc) {
		memset(st, 0, sizeof(*st));
		return strata_seterr(err, errlen, EINVAL, "record state %s: %s", path, sub);
	}
	return 0;
}

/* ---- the recorder ---- */

struct strata_recorder {
	const struct strata_record_ops *ops;
	void *arg;
	char path[4096];
	struct strata_record_state st;
	__u64 retry_ns;		/* a failed change: try again then (0: none) */
	unsigned int made;	/* labels made up */
};

static void rlog(struct strata_recorder *r, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rlog(struct strata_recorder *r, int level, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!r->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->ops->log(r->arg, level, msg);
}

/*
 * Make the module's filters those of @next (its recordings in force at
 * @now), changing nothing else: read the configuration, compose, write the
 * state file first (so that a crash after the change still knows which
 * filters are the recordings'), then set it with the generation read, and
 * read again when another tool changed it in between. @must, when not
 * NULL, is a recording that must get its filter: else -E2BIG and no
 * change. On success @next, with what was applied and the new generation,
 * becomes the recorder's state.
 */
static int apply(struct strata_recorder *r, struct strata_record_state *next, __u64 now,
		 const struct strata_record *must, char *err, size_t errlen)
{
	struct strata_config cur, want, got;
	struct strata_record_state st;
	unsigned int tries, unfit;
	int rc;

	for (tries = 0;; tries++) {
		rc = r->ops->config_get(r->arg, &cur, err, errlen);
		if (rc)
			return rc;
		st = *next;
		unfit = strata_record_compose(&cur, &st, now, &want);
		if (must && !st.rec[must - next->rec].applied)
			return strata_seterr(err, errlen, E2BIG,
					     "record: the module's %d detail filters are taken (%u by its configuration, %u by recordings)",
					     STRATA_FILTERS_MAX, want.nfilters - st.napplied,
					     st.napplied);
		if (unfit && !tries)
			rlog(r, LVL_WARN, "record: %u recordings get no filter: the module's %d are taken",
			     unfit, STRATA_FILTERS_MAX);
		if (r->st.napplied && r->st.generation && cur.generation != r->st.generation &&
		    !tries)
			rlog(r, LVL_INFO, "record: the configuration changed since the recordings' last change (generation %u, then %u): only their filters are taken out or put in",
			     cur.generation, r->st.generation);
		if (filters_equal(&cur, &want)) {
			st.generation = cur.generation;
			break;
		}
		rc = strata_record_state_save(r->path, &st, err, errlen);
		if (rc)
			return rc;
		want.generation = cur.generation;
		rc = r->ops->config_set(r->arg, &want,
					STRATA_CONFIG_FILTERS | STRATA_CONFIG_GENERATION, &got,
					err, errlen);
		if (rc == -ESTALE && tries + 1 < SET_TRIES)
			continue;
		if (rc) {
			char e2[256];

			/* Not applied: the file says what the module holds. */
			if (strata_record_state_save(r->path, &r->st, e2, sizeof(e2)))
				rlog(r, LVL_ERR, "%s", e2);
			return rc;
		}
		st.generation = got.generation;
		break;
	}
	*next = st;
	/* Nothing changed (a look for room that found none): no write. */
	if (!memcmp(&r->st, &st, sizeof(st)))
		return 0;
	r->st = st;
	return strata_record_state_save(r->path, &r->st, err, errlen);
}

static void drop(struct strata_record_state *st, unsigned int i)
{
	memmove(&st->rec[i], &st->rec[i + 1], (st->n - i - 1) * sizeof(st->rec[0]));
	st->n--;
}

/* Recordings over at @now out of @next; how many. */
static unsigned int drop_ended(struct strata_record_state *next, __u64 now)
{
	unsigned int i = 0, n = 0;

	while (i < next->n) {
		if (next->rec[i].end_ns <= now) {
			drop(next, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

/* The first end among the recordings, ~0 for none. */
static __u64 first_end(const struct strata_record_state *st)
{
	__u64 at = ~0ULL;
	unsigned int i;

	for (i = 0; i < st->n; i++)
		if (st->rec[i].end_ns < at)
			at = st->rec[i].end_ns;
	return at;
}

static void log_ended(struct strata_recorder *r, const struct strata_record_state *old,
		      __u64 now)
{
	unsigned int i;

	for (i = 0; i < old->n; i++)
		if (old->rec[i].end_ns <= now)
			rlog(r, LVL_INFO, "record %s: ended; pin %llu keeps what it recorded",
			     old->rec[i].label, (unsigned long long)old->rec[i].pin_id);
}

int strata_recorder_open(const char *path, const struct strata_record_ops *ops, void *arg,
			 __u64 now, struct strata_recorder **out, char *err, size_t errlen)
{
	struct strata_recorder *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return strata_seterr(err, errlen, ENOMEM, "record: out of memory");
	if (strlen(path) >= sizeof(r->path)) {
		free(r);
		return strata_seterr(err, errlen, ENAMETOOLONG, "record state %s: path too long",
				     path);
	}
	strcpy(r->path, path);
	r->ops = ops;
	r->arg = arg;
	rc = strata_record_state_load(path, &r->st, err, errlen);
	if (rc) {
		free(r);
		return rc;
	}
	if (r->st.n || r->st.napplied)
		rlog(r, LVL_INFO, "record: %u recordings in the state file, %u filters applied at generation %u",
		     r->st.n, r->st.napplied, r->st.generation);
	/* The tick ends what ended while down and puts back what is missing. */
	r->retry_ns = now;
	*out = r;
	return 0;
}

void strata_recorder_close(struct strata_recorder *r)
{
	free(r);
}

const struct strata_record_state *strata_recorder_state(const struct strata_recorder *r)
{
	return &r->st;
}

__u64 strata_recorder_tick(struct strata_recorder *r, __u64 now)
{
	struct strata_record_state old = r->st, next = r->st;
	__u64 at = first_end(&r->st);
	unsigned int i;
	bool unfit = false;
	char err[512];

	if (at > now && !(r->retry_ns && r->retry_ns <= now))
		return r->retry_ns && r->retry_ns < at ? r->retry_ns : at;
	drop_ended(&next, now);
	if (apply(r, &next, now, NULL, err, sizeof(err))) {
		rlog(r, LVL_ERR, "%s (tried again in a second)", err);
		r->retry_ns = now + RETRY_NS;
		return r->retry_ns;
	}
	log_ended(r, &old, now);
	/* apply() made next the state: what ended is gone from it. */
	r->retry_ns = 0;
	at = first_end(&r->st);
	for (i = 0; i < r->st.n; i++)
		unfit |= !r->st.rec[i].applied;
	if (unfit) {
		r->retry_ns = now + UNFIT_RETRY_NS;
		if (r->retry_ns < at)
			at = r->retry_ns;
	}
	return at;
}

static int find(const struct strata_record_state *st, const char *label)
{
	unsigned int i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->rec[i].label, label))
			return (int)i;
	return -1;
}

static int pin(struct strata_recorder *r, const struct strata_record *rec, __u64 *id,
	       char *err, size_t errlen)
{
	char label[STRATA_RECORD_LABEL_MAX + 8];

	snprintf(label, sizeof(label), "record %s", rec->label);
	return r->ops->pin(r->arg, rec->start_ns, rec->end_ns, label, id, err, errlen);
}

/* A renewal: a later end, the pin moved with it (the new one first). */
static int renew(struct strata_recorder *r, unsigned int i, __u64 end, char *err,
		 size_t errlen)
{
	struct strata_record *rec = &r->st.rec[i];
	struct strata_record moved = *rec;
	__u64 old = rec->pin_id;
	char e2[512];
	int rc;

	if (end <= rec->end_ns)
		return 0;
	moved.end_ns = end;
	rc = pin(r, &moved, &moved.pin_id, err, errlen);
	if (rc)
		return rc;
	*rec = moved;
	rc = strata_record_state_save(r->path, &r->st, err, errlen);
	if (old && r->ops->unpin(r->arg, old, e2, sizeof(e2)))
		rlog(r, LVL_WARN, "record %s: the old pin %llu stays: %s", rec->label,
		     (unsigned long long)old, e2);
	return rc;
}

int strata_recorder_start(struct strata_recorder *r, const struct strata_record_req *req,
			  __u64 now, struct strata_record *out, bool *renewed,
			  char *err, size_t errlen)
{
	struct strata_record_state next;
	struct strata_record rec;
	char e2[512];
	int i, rc;

	*renewed = false;
	rc = req_check(req, err, errlen);
	if (rc)
		return rc;
	/* Recordings over now go first, so that their label and room are free. */
	strata_recorder_tick(r, now);
	memset(&rec, 0, sizeof(rec));
	rec.filter = req->filter;
	if (!rec.filter.snaplen)
		rec.filter.snaplen = STRATA_SNAPLEN_MAX;
	rec.start_ns = now;
	rec.end_ns = now + req->duration_s * NSEC_PER_SEC;
	if (req->label[0]) {
		strcpy(rec.label, req->label);
	} else {
		do
			snprintf(rec.label, sizeof(rec.label), "r%llu-%u",
				 (unsigned long long)(now / NSEC_PER_SEC), ++r->made);
		while (find(&r->st, rec.label) >= 0);
	}
	i = find(&r->st, rec.label);
	if (i >= 0) {
		struct strata_record *cur = &r->st.rec[i];

		if (!filter_equal(&cur->filter, &rec.filter))
			return strata_seterr(err, errlen, EEXIST,
					     "record %s: the label records another filter until it ends",
					     rec.label);
		rc = renew(r, (unsigned int)i, rec.end_ns, err, errlen);
		if (!rc) {
			*out = r->st.rec[i];
			*renewed = true;
		}
		return rc;
	}
	if (r->st.n == STRATA_RECORD_MAX)
		return strata_seterr(err, errlen, E2BIG, "record: %d recordings in force already",
				     STRATA_RECORD_MAX);
	rc = pin(r, &rec, &rec.pin_id, err, errlen);
	if (rc)
		return rc;
	next = r->st;
	next.rec[next.n++] = rec;
	rc = apply(r, &next, now, &next.rec[next.n - 1], err, errlen);
	if (rc) {
		/* Nothing recorded: nothing to keep. */
		if (r->ops->unpin(r->arg, rec.pin_id, e2, sizeof(e2)))
			rlog(r, LVL_WARN, "record %s: pin %llu stays: %s", rec.label,
			     (unsigned long long)rec.pin_id, e2);
		return rc;
	}
	*out = r->st.rec[r->st.n - 1];
	rlog(r, LVL_INFO, "record %s: snaplen %u for %u s, pin %llu", out->label,
	     out->filter.snaplen, req->duration_s, (unsigned long long)out->pin_id);
	return 0;
}

/* The body of an answer, with a newline as the API's others have. */
static int answer(struct strata_api_resp *resp, unsigned int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t n;

	json_decref(o);
	if (!s)
		return strata_api_error(resp, 500, "out of memory");
	n = strlen(s);
	resp->body = realloc(s, n + 2);
	if (!resp->body) {
		free(s);
		return strata_api_error(resp, 500, "out of memory");
	}
	resp->body[n] = '\n';
	resp->body[n + 1] = 0;
	resp->len = n + 1;
	resp->status = status;
	resp->content_type = "application/json";
	return 0;
}

static unsigned int status_of(int rc)
{
	switch (rc) {
	case -EINVAL:
		return 400;
	case -EEXIST:
	case -E2BIG:
		return 409;
	default:
		return 503;
	}
}

int strata_recorder_handle(struct strata_recorder *r, const char *method,
			   unsigned int nargs, const char *body, size_t len, __u64 now,
			   struct strata_api_resp *resp)
{
	struct strata_record_req req;
	struct strata_record rec;
	unsigned int i;
	char err[512];
	bool renewed;
	json_t *arr;
	int rc;

	memset(resp, 0, sizeof(*resp));
	if (nargs)
		return strata_api_error(resp, 400, "%s takes no parameters", STRATA_RECORD_PATH);
	if (method && !strcmp(method, "GET")) {
		strata_recorder_tick(r, now);
		arr = json_array();
		for (i = 0; arr && i < r->st.n; i++)
			json_array_append_new(arr, record_json(&r->st.rec[i]));
		return answer(resp, 200, json_pack("{s:o*, s:I}", "recordings", arr,
						   "generation", (json_int_t)r->st.generation));
	}
	if (!method || strcmp(method, "POST")) {
		resp->allow = "GET, POST";
		return strata_api_error(resp, 405, "method not allowed: %s takes GET and POST",
					STRATA_RECORD_PATH);
	}
	rc = strata_record_parse_req(body, len, &req, err, sizeof(err));
	if (!rc)
		rc = strata_recorder_start(r, &req, now, &rec, &renewed, err, sizeof(err));
	if (rc)
		return strata_api_error(resp, status_of(rc), "%s", err);
	return answer(resp, renewed ? 200 : 201, record_json(&rec));
}

/* ---- the client ---- */

struct body {
	char *p;
	size_t len;
	bool big;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *p;

	if (b->len + add > ANSWER_MAX) {
		b->big = true;
		return 0;
	}
	p = realloc(b->p, b->len + add + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, add);
	b->p = p;
	b->len += add;
	b->p[b->len] = 0;
	return add;
}

static int errno_of(long status)
{
	switch (status) {
	case 400:
		return EINVAL;
	case 401:
	case 403:
		return EACCES;
	case 409:
		return EBUSY;
	case 503:
		return EAGAIN;
	default:
		return EIO;
	}
}

int strata_record_http(const char *sensor_api_url, const char *token, const char *body,
		       char **answer_out, long *status, char *err, size_t errlen)
{
	char url[1024], auth[256], cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL, *h2;
	struct body b = { 0 };
	CURL *h;
	CURLcode cc;
	long st = 0;
	int rc = 0;

	if (answer_out)
		*answer_out = NULL;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", sensor_api_url, STRATA_RECORD_PATH) >=
	    sizeof(url))
		return strata_seterr(err, errlen, EINVAL, "record: URL too long");
	if (token && *token &&
	    (size_t)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token) >= sizeof(auth))
		return strata_seterr(err, errlen, EINVAL, "record %s: token too long", url);
	h = curl_easy_init();
	if (!h)
		return strata_seterr(err, errlen, ENOMEM, "record %s: libcurl failed to start", url);
	if (token && *token && (h2 = curl_slist_append(hdr, auth)))
		hdr = h2;
	if (body && (h2 = curl_slist_append(hdr, "Content-Type: application/json")))
		hdr = h2;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)STRATA_RECORD_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	if (cc != CURLE_OK) {
		rc = strata_seterr(err, errlen, b.big ? EIO : EHOSTUNREACH, "record %s: %s", url,
				   b.big ? "answer too long" : cerr[0] ? cerr : curl_easy_strerror(cc));
	} else if (st < 200 || st > 299) {
		json_t *o = json_loadb(b.p ? b.p : "", b.len, 0, NULL);
		const char *m = json_string_value(json_object_get(o, "error"));

		rc = strata_seterr(err, errlen, errno_of(st), "record %s: %ld: %s", url, st,
				   m ? m : "(no message)");
		json_decref(o);
	}
	if (status)
		*status = st;
	if (answer_out && cc == CURLE_OK) {
		*answer_out = b.p ? b.p : strdup("");
		b.p = NULL;
		if (!*answer_out && !rc)
			rc = strata_seterr(err, errlen, ENOMEM, "record %s: out of memory", url);
	}
	free(b.p);
	return rc;
}

int strata_record_request(const char *sensor_api_url, const char *token,
			  const struct strata_record_req *r, char *err, size_t errlen)
{
	char *body;
	int rc = req_check(r, err, errlen);

	if (rc)
		return rc;
	body = strata_record_req_json(r);
	if (!body)
		return strata_seterr(err, errlen, ENOMEM, "record: out of memory");
	rc = strata_record_http(sensor_api_url, token, body, NULL, NULL, err, errlen);
	free(body);
	return rc;
}
