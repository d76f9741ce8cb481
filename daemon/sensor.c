// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor role: drains this namespace's packet rings and closed
 * microflows into the packet store, commits it every flush interval, and
 * says what was lost: by the rings (full), by the store (full of pins), and
 * across a restart (records drained but not committed before a kill, or
 * overwritten while the daemon was down).
 *
 * One thread does all of it, so the store has one writer; poll() waits on
 * the rings and the netlink socket together, never longer than the time to
 * the next flush. Nothing here can block the kernel: a ring that is not
 * drained in time overruns, and the module counts it.
 *
 * Triggered recordings (lib/record.c) change the module's filters and pin
 * the store, both writer work: the API's threads hand their requests to
 * this thread through a mailbox and an eventfd in the same poll().
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "api.h"
#include "genl.h"
#include "http.h"
#include "record.h"
#include "ring.h"
#include "store.h"
#include "token.h"
#include "live.h"
#include "stratad.h"

#define MAX_CPUS	4096
#define NSEC_PER_MSEC	1000000ULL
/* How long an API thread waits for the drain thread to take a recording request. */
#define REC_WAIT_S	10

/*
 * One recording request at a time, from an API thread to the drain thread:
 * the API thread fills it and waits on @cv for @done; the drain thread
 * answers with @lock held, so that the request's memory stays valid.
 */
struct rec_box {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int efd;
	bool open;		/* the drain thread answers */
	bool pending;
	bool done;
	const char *method;
	unsigned int nargs;
	const char *body;
	size_t len;
	struct strata_api_resp *resp;
	char why[256];		/* why recording is off, when it is */
};

struct sensor {
	const struct stratad_config *cfg;
	struct strata_store *store;
	/* Per ring: the last sequence number stored before this start (0:
	 * none), and whether this start has seen a record of it yet. */
	__u64 stored_seq[MAX_CPUS];
	bool seen[MAX_CPUS];
	/* Since the start. */
	__u64 packets, microflows, ring_lost, ring_gaps, mf_lost, restart_lost;
	__u64 add_errors, flush_errors;
	__u64 started_ns;
	unsigned int nrings;
	struct stratad_live_ring ring[MAX_CPUS];
	char last_err[512];
	/* Triggered recordings: their own netlink handle (the drain's is subscribed). */
	struct strata_genl *cg;
	struct strata_recorder *rec;
	struct rec_box box;
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / NSEC_PER_MSEC;
}

/* Keep a store error, and log it unless it repeats the last one. */
static void store_err(struct sensor *s, __u64 *counter, const char *err)
{
	(*counter)++;
	if (strcmp(err, s->last_err)) {
		log_err("%s", err);
		snprintf(s->last_err, sizeof(s->last_err), "%s", err);
	}
}

static int on_block(const struct strata_store_block *b, void *arg)
{
	struct sensor *s = arg;
	unsigned int i;

	for (i = 0; i < b->nranges; i++) {
		unsigned int cpu = (unsigned int)(b->ranges[i].last >> 48);
		__u64 seq = b->ranges[i].last & ((1ULL << 48) - 1);

		if (cpu < MAX_CPUS && seq > s->stored_seq[cpu])
			s->stored_seq[cpu] = seq;
	}
	return 0;
}

/*
 * Where each ring stood in the store when the daemon last stopped: the last
 * sequence number stored per CPU, from the newest blocks' ring ranges.
 */
static int load_positions(struct sensor *s)
{
	struct strata_store_info in;
	char err[512];
	int rc;

	rc = strata_store_info(s->store, &in, err, sizeof(err));
	if (!rc && in.blocks) {
		__u64 from = in.last_ts > 600 * 1000000000ULL ?
			in.last_ts - 600 * 1000000000ULL : 0;

		rc = strata_store_blocks(s->store, from, ~0ULL, on_block, s, err, sizeof(err));
		log_info("store %s: %llu packets, %llu microflows, %llu of %llu bytes used; "
			 "last commit at %llu ns", s->cfg->store,
			 (unsigned long long)in.packets, (unsigned long long)in.microflows,
			 (unsigned long long)in.used_bytes, (unsigned long long)in.budget,
			 (unsigned long long)in.last_commit_ns);
	}
	if (rc)
		log_err("%s", err);
	return rc;
}

/* The first record of a ring since the start: anything missing before it? */
static void first_of_ring(struct sensor *s, unsigned int cpu, __u64 seq)
{
	__u64 last = s->stored_seq[cpu];

	s->seen[cpu] = true;
	if (!last)
		return;
	if (seq <= last) {
		log_info("cpu %u: ring sequence numbers start again at %llu (the last stored "
			 "was %llu): the rings were made anew (module reloaded or a new "
			 "namespace)", cpu, (unsigned long long)seq, (unsigned long long)last);
	} else if (seq > last + 1) {
		s->restart_lost += seq - last - 1;
		log_warn("cpu %u: %llu packet records missing across the restart (seq %llu..%llu): "
			 "read but not committed before the last stop, or overwritten in the ring "
			 "while stratad was down", cpu, (unsigned long long)(seq - last - 1),
			 (unsigned long long)(last + 1), (unsigned long long)(seq - 1));
	}
}

static int on_record(const struct strata_ring_rec *r, void *arg)
{
	struct sensor *s = arg;
	char err[512];

	if (r->cpu < MAX_CPUS && !s->seen[r->cpu])
		first_of_ring(s, r->cpu, r->seq);
	switch (r->type) {
	case STRATA_REC_PACKET:
		if (strata_store_add_packet(s->store, r->cpu, r->seq, &r->pkt, r->data,
					    err, sizeof(err)))
			store_err(s, &s->add_errors, err);
		else
			s->packets++;
		if (r->cpu < MAX_CPUS) {
			s->ring[r->cpu].records++;
			s->ring[r->cpu].last_seq = r->seq;
		}
		break;
	case STRATA_REC_LOSS:
		s->ring_lost += r->lost;
		log_warn("cpu %u: %llu packet records lost, ring full (seq %llu..%llu)", r->cpu,
			 (unsigned long long)r->lost, (unsigned long long)r->seq,
			 (unsigned long long)(r->seq + r->lost - 1));
		break;
	default:	/* STRATA_REC_GAP */
		s->ring_gaps += r->lost;
		log_warn("cpu %u: %llu packet records missing without a loss record (seq %llu..%llu)",
			 r->cpu, (unsigned long long)r->lost, (unsigned long long)r->seq,
			 (unsigned long long)(r->seq + r->lost - 1));
		break;
	}
	return 0;
}

static int on_mflow(const struct strata_mflow *mf, const struct strata_mf_info *info,
		    void *arg)
{
	struct sensor *s = arg;
	char err[512];

	if (strata_store_add_microflow(s->store, mf, info, err, sizeof(err)))
		store_err(s, &s->add_errors, err);
	else
		s->microflows++;
	return 0;
}

static int on_mf_loss(const struct strata_mf_loss *l, void *arg)
{
	struct sensor *s = arg;

	s->mf_lost += l->count;
	log_warn("%llu closed microflows lost (from number %llu): the netlink socket "
		 "overran or the kernel could not send them", (unsigned long long)l->count,
		 (unsigned long long)l->first);
	return 0;
}

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* The counters for GET /api/v1/status (daemon/live.h). */
static void publish(struct sensor *s)
{
	struct stratad_live *l = malloc(sizeof(*l) + s->nrings * sizeof(l->ring[0]));

	if (!l)
		return;		/* the readers keep the last one */
	l->started_ns = s->started_ns;
	l->at_ns = realtime_ns();
	l->packets = s->packets;
	l->microflows = s->microflows;
	l->ring_lost = s->ring_lost;
	l->ring_gaps = s->ring_gaps;
	l->mf_lost = s->mf_lost;
	l->restart_lost = s->restart_lost;
	l->add_errors = s->add_errors;
	l->flush_errors = s->flush_errors;
	l->nrings = s->nrings;
	memcpy(l->ring, s->ring, s->nrings * sizeof(l->ring[0]));
	stratad_live_publish(l);
}

/* Asks the store's committer for a commit; the drain goes on meanwhile. */
static void flush(struct sensor *s)
{
	char err[512];

	if (strata_store_flush_nowait(s->store, err, sizeof(err)))
		store_err(s, &s->flush_errors, err);
	publish(s);
}

static void log_stats(struct sensor *s)
{
	struct strata_store_info in;
	char err[512];

	if (strata_store_info(s->store, &in, err, sizeof(err))) {
		log_err("%s", err);
		return;
	}
	log_info("stored %llu packets, %llu microflows since the start; lost: ring %llu, "
		 "gaps %llu, microflows %llu, restart %llu; store: %llu of %llu bytes, "
		 "%llu packets removed by retention, %llu dropped; errors: add %llu, flush %llu",
		 (unsigned long long)s->packets, (unsigned long long)s->microflows,
		 (unsigned long long)s->ring_lost, (unsigned long long)s->ring_gaps,
		 (unsigned long long)s->mf_lost, (unsigned long long)s->restart_lost,
		 (unsigned long long)in.used_bytes, (unsigned long long)in.budget,
		 (unsigned long long)in.c.packets_removed,
		 (unsigned long long)in.c.packets_dropped,
		 (unsigned long long)s->add_errors, (unsigned long long)s->flush_errors);
}

/* Read everything waiting in the rings. Return 0 or -errno (logged). */
static int drain_rings(struct strata_rings *rs, struct sensor *s)
{
	char err[512];
	int n;

	do
		n = strata_rings_read(rs, on_record, s, err, sizeof(err));
	while (n > 0);
	if (n < 0)
		log_err("%s", err);
	return n;
}

/* The exporter reads closed flow windows; it never writes the store. */
static int exp_start(const struct stratad_config *c, struct sensor *s,
		     struct stratad_export **exp)
{
	char err[512];

	if (!*c->central)
		return 0;
	*exp = stratad_export_start(c, s->store, err, sizeof(err));
	if (!*exp) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

/* capture = no: the API and the exporter run on their threads until the stop. */
static int serve_only(const struct stratad_config *c, int started)
{
	if (started)
		return 1;
	log_info("sensor: serving %s read-only, without capture", c->store);
	while (!stratad_stop)
		usleep(200000);
	log_info("sensor: stopped");
	return 0;
}

/* ---- triggered recording ---- */

static int rec_config_get(void *arg, struct strata_config *cfg, char *err, size_t errlen)
{
	return strata_genl_config_get(((struct sensor *)arg)->cg, cfg, err, errlen);
}

static int rec_config_set(void *arg, const struct strata_config *cfg, unsigned int which,
			  struct strata_config *out, char *err, size_t errlen)
{
	return strata_genl_config_set(((struct sensor *)arg)->cg, cfg, which, out, err, errlen);
}

static int rec_pin(void *arg, __u64 t1, __u64 t2, const char *label, __u64 *id,
		   char *err, size_t errlen)
{
	return strata_store_pin(((struct sensor *)arg)->store, t1, t2, label, id, err, errlen);
}

static int rec_unpin(void *arg, __u64 id, char *err, size_t errlen)
{
	return strata_store_unpin(((struct sensor *)arg)->store, id, err, errlen);
}

static void rec_log(void *arg, int level, const char *msg)
{
	(void)arg;
	stratad_log(level, "%s", msg);
}

static const struct strata_record_ops rec_ops = {
	.config_get = rec_config_get,
	.config_set = rec_config_set,
	.pin = rec_pin,
	.unpin = rec_unpin,
	.log = rec_log,
};

static int rec_box_init(struct rec_box *b)
{
	b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->efd < 0)
		return -errno;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cv, NULL);
	snprintf(b->why, sizeof(b->why), "recording: the sensor is starting; try again");
	return 0;
}

/* Open or close the mailbox; a request waiting at the close gets a 503. */
static void rec_box_open(struct rec_box *b, bool open, const char *why)
{
	pthread_mutex_lock(&b->lock);
	b->open = open;
	if (why)
		snprintf(b->why, sizeof(b->why), "%s", why);
	if (!open && b->pending && !b->done) {
		strata_api_error(b->resp, 503, "%s", b->why);
		b->done = true;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->lock);
}

/* On an API thread: hand a request to the drain thread and wait for its answer. */
static int rec_call(struct sensor *s, const char *method, unsigned int nargs,
		    const char *body, size_t len, struct strata_api_resp *resp)
{
	struct rec_box *b = &s->box;
	struct timespec until;
	__u64 one = 1;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REC_WAIT_S;
	pthread_mutex_lock(&b->lock);
	while (b->open && b->pending && !rc)
		rc = pthread_cond_timedwait(&b->cv, &b->lock, &until);
	if (!b->open || rc) {
		strata_api_error(resp, 503, "%s", !b->open ? b->why :
				 "recording: another request is under way; try again");
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	b->pending = true;
	b->done = false;
	b->method = method;
	b->nargs = nargs;
	b->body = body;
	b->len = len;
	b->resp = resp;
	if (write(b->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("record: eventfd: %s", strerror(errno));
	while (!b->done && !rc)
		rc = pthread_cond_timedwait(&b->cv, &b->lock, &until);
	/* The drain thread answers with the lock held: not done is not taken. */
	if (!b->done)
		strata_api_error(resp, 503, "recording: the capture thread did not answer in %d s",
				 REC_WAIT_S);
	b->pending = false;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/* On the drain thread: answer the request waiting, if any. */
static void rec_serve(struct sensor *s)
{
	struct rec_box *b = &s->box;
	__u64 v;

	if (read(b->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("record: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&b->lock);
	if (b->pending && !b->done) {
		strata_recorder_handle(s->rec, b->method, b->nargs, b->body, b->len,
				       realtime_ns(), b->resp);
		log_debug("record: %s: %u", b->method, b->resp->status);
		b->done = true;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->lock);
}

/* The recorder on the control handle; without it, the API says why. */
static void rec_start(struct sensor *s)
{
	char err[512], path[512];

	s->cg = strata_genl_open(err, sizeof(err));
	snprintf(path, sizeof(path), "%s/%s", s->cfg->store, STRATA_RECORD_STATE_FILE);
	if (!s->cg || strata_recorder_open(path, &rec_ops, s, realtime_ns(), &s->rec, err,
					   sizeof(err))) {
		log_err("record: recording is off: %s", err);
		rec_box_open(&s->box, false, err);
		return;
	}
	if (!*s->cfg->token)
		log_warn("record: no token set: POST %s is refused", STRATA_RECORD_PATH);
	rec_box_open(&s->box, true, NULL);
}

/* The drill-down API over the store, and the list of recordings. */
static int api_handler(void *ctx, const char *method, const char *path,
		       const struct strata_api_arg *args, unsigned int nargs, const char *auth,
		       struct strata_api_resp *resp)
{
	struct sensor *s = ctx;

	(void)auth;	/* reading takes no token; recording does (api_body_handler) */
	if (path && !strcmp(path, STRATA_RECORD_PATH))
		return rec_call(s, method, nargs, NULL, 0, resp);
	return strata_api_handle(s->store, method, path, args, nargs, resp);
}

/* Requests with a body: POST /api/v1/record, with the token. */
static int api_body_handler(void *ctx, const char *method, const char *path,
			    unsigned int nargs, const char *auth, const char *body,
			    size_t len, struct strata_api_resp *resp)
{
	struct sensor *s = ctx;

	if (!path || strcmp(path, STRATA_RECORD_PATH))
		return strata_api_handle(s->store, method, path, NULL, nargs, resp);
	memset(resp, 0, sizeof(*resp));
	if (!*s->cfg->token)
		return strata_api_error(resp, 403, "recording is refused: the sensor has no token set (token in stratad.conf)");
	if (!auth)
		return strata_api_error(resp, 401, "an Authorization: Bearer TOKEN header is required");
	if (!strata_bearer_ok(s->cfg->token, auth))
		return strata_api_error(resp, 403, "bad token");
	return rec_call(s, method, nargs, body, len, resp);
}

int stratad_sensor(const struct stratad_config *c)
{
	struct strata_store_opts so;
	struct strata_rings *rs = NULL;
	struct stratad_http *http = NULL;
	struct stratad_export *exp = NULL;
	struct strata_genl *g = NULL;
	struct sensor *s;
	__u64 next_flush, next_stats, next_rec;
	char err[512];
	int rc = 1;

	s = calloc(1, sizeof(*s));
	if (!s) {
		log_err("sensor: out of memory");
		return 1;
	}
	s->cfg = c;
	s->started_ns = realtime_ns();
	if (rec_box_init(&s->box)) {
		log_err("sensor: eventfd: %s", strerror(errno));
		free(s);
		return 1;
	}
	strata_store_opts_init(&so, c->store);
	so.budget = c->budget;
	so.codec = c->codec;
	so.max_age_ns = c->max_age_s * 1000000000ULL;
	so.sync = c->sync;
	/* This thread drains and copies; the store's committer writes LMDB. */
	so.committer = true;
	so.readonly = !c->capture;
	/* Packets stamped by this host's clock: flows note its state. */
	so.clock = true;
	if (strata_store_tune_malloc())
		log_debug("sensor: malloc settings refused (another malloc?): blocks cost more page faults");
	if (strata_store_open(&so, &s->store, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	if (c->capture && load_positions(s))
		goto out;
	/* The API's threads only read the store, through read transactions. */
	strata_api_set_producer(c->sensor_id);
	if (*c->listen) {
		http = stratad_http_start_body(c->listen, api_handler, api_body_handler, s, err,
					       sizeof(err));
		if (!http) {
			log_err("%s", err);
			goto out;
		}
		log_info("drill-down API on %s (port %u)", c->listen, stratad_http_port(http));
	}
	if (!c->capture) {
		rec_box_open(&s->box, false, "recording needs capture (capture = yes)");
		rc = serve_only(c, exp_start(c, s, &exp));
		goto out;
	}
	rs = strata_rings_open(err, sizeof(err));
	if (!rs) {
		log_err("%s%s", err, errno == ENOENT ? " (is strata.ko loaded? modprobe strata)" : "");
		goto out;
	}
	g = strata_genl_open(err, sizeof(err));
	if (!g || strata_genl_subscribe(g, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	if (exp_start(c, s, &exp))
		goto out;
	rec_start(s);
	log_info("sensor: draining %u rings into %s", strata_rings_info(rs)->nr_rings,
		 c->store);
	s->nrings = strata_rings_info(rs)->nr_rings;
	if (s->nrings > MAX_CPUS)
		s->nrings = MAX_CPUS;
	publish(s);

	next_flush = now_ms() + c->flush_ms;
	next_stats = c->stats_s ? now_ms() + c->stats_s * 1000ULL : ~0ULL;
	next_rec = 0;
	rc = 0;
	while (!stratad_stop) {
		struct pollfd pfd[3] = {
			{ .fd = strata_rings_fd(rs), .events = POLLIN },
			{ .fd = strata_genl_fd(g), .events = POLLIN },
			{ .fd = s->box.efd, .events = POLLIN },
		};
		__u64 now = now_ms();
		int timeout = next_flush > now ? (int)(next_flush - now) : 0;

		if (timeout > 200)	/* wakeups are batched: look now and then */
			timeout = 200;
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR) {
			log_err("sensor: poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		if (drain_rings(rs, s) < 0) {
			rc = 1;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			int r = strata_genl_mf_recv(g, on_mflow, on_mf_loss, s, err, sizeof(err));

			if (r < 0 && r != -EINTR && r != -EAGAIN)
				log_err("%s", err);
		}
		/* A request may start a recording: the next end is computed again. */
		if (pfd[2].revents & POLLIN) {
			rec_serve(s);
			next_rec = 0;
		}
		/* Recordings end within a poll timeout (200 ms) of their time. */
		if (s->rec && realtime_ns() >= next_rec)
			next_rec = strata_recorder_tick(s->rec, realtime_ns());
		now = now_ms();
		if (now >= next_flush) {
			flush(s);
			next_flush = now + c->flush_ms;
		}
		if (now >= next_stats) {
			log_stats(s);
			next_stats = now + c->stats_s * 1000ULL;
		}
	}
	/* Recordings go on in the state file; the next start ends them. */
	rec_box_open(&s->box, false, "the sensor is stopping");
	/* Stopping: what is in the rings now, then one last commit. */
	drain_rings(rs, s);
	flush(s);
	log_stats(s);
	log_info("sensor: stopped");
out:
	stratad_export_stop(exp);
	stratad_http_stop(http);	/* queries under way finish first */
	stratad_live_exit();
	strata_recorder_close(s->rec);
	strata_genl_close(s->cg);
	strata_genl_close(g);
	strata_rings_close(rs);
	if (s->store && strata_store_close(s->store, err, sizeof(err))) {
		log_err("%s", err);
		rc = 1;
	}
	close(s->box.efd);
	pthread_cond_destroy(&s->box.cv);
	pthread_mutex_destroy(&s->box.lock);
	free(s);
	return rc;
}
