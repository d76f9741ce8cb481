// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The central role: takes sensors' connections (IPFIX over TCP), stores
 * their location flows, stitches them once a second, and serves the API.
 *
 * One thread owns the sockets and puts what sensors send; another, the
 * stitcher, stitches the windows that have settled, from a snapshot, so
 * the sockets are served meanwhile (LMDB has one writer at a time: each
 * holds it only to write); the API's threads only read. A connection must say hello (with the token) before
 * anything else; a bad message gets a refusal and the connection is
 * closed, and the rest go on being served.
 *
 * With tls = yes every connection is a TLS one: its handshake goes on a
 * step at a time as poll() says the socket is ready (the thread never
 * waits on one peer), within HANDSHAKE_TIMEOUT_MS; one that fails is
 * logged, counted and closed. Reads then drain what OpenSSL holds, which
 * poll() cannot see.
 *
 * After each round of stitching, the stitcher evaluates the macroflow
 * windows that are done (alarm-wait after their end): baselines, labels
 * and alarm rules (lib/alarm.c), in an alarm store of their own under the
 * central store's directory. What an alarm sets off (a notification, a
 * request to sensors to record) goes on the notifier's thread: the
 * stitcher never waits on the network.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "alarm.h"
#include "bytes.h"
#include "capi.h"
#include "cstore.h"
#include "http.h"
#include "ipfix.h"
#include "net.h"
#include "notify.h"
#include "record.h"
#include "stratad.h"
#include "tls.h"
#include "token.h"

#define CONNS_MAX	256
/* Location flows one window mark may cover: a bound on a connection's memory. */
#define PENDING_MAX	(1U << 20)
#define ACK_TIMEOUT_MS	5000
/*
 * A connection silent this long is closed: a sensor sends a keep-alive
 * every 15 s, so only a dead peer or one that stalled mid-message is.
 */
#define IDLE_TIMEOUT_MS	60000
/* A TLS handshake takes a round trip or two: a peer that stalls in it is dropped. */
#define HANDSHAKE_TIMEOUT_MS	10000

struct conn {
	struct stratad_conn sock;
	bool handshaking;	/* TLS: the handshake is under way */
	bool tls_started;	/* TLS: its first bytes were looked at */
	short events;		/* what to poll() for */
	__u64 since_ms;		/* when it was accepted */
	bool hello;
	__u32 sensor;
	char id[STRATA_SENSOR_ID_MAX];
	char peer[64];
	struct strata_ipfix *dec;
	struct strata_ipfix *enc;
	__u8 *buf;
	size_t have;
	struct strata_lflow *pending;
	size_t npending, cap;
	int failed;		/* a record refused: answer and close */
	__u64 last_rx_ms;	/* when it last sent something */
	char why[128];
};

struct central {
	const struct stratad_config *cfg;
	struct strata_cstore *cs;
	struct stratad_tls *tls;	/* NULL: plain TCP */
	struct conn *conn[CONNS_MAX];
	unsigned int nconn;
	/* Since the start; stitched and store_errors also by the stitcher (atomics). */
	__u64 accepted, refused, bad_messages, windows, lflows, stitched, store_errors;
	__u64 tls_failed;	/* handshakes that failed or timed out */
	struct strata_alarms *al;
	struct strata_notify *nt;
	struct strata_notify_stats nt_seen;	/* what was added to the alarms' counters */
	unsigned int late;	/* alarms of windows caught up on, not notified */
};

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void conn_free(struct conn *k)
{
	if (!k)
		return;
	stratad_conn_close(&k->sock);
	strata_ipfix_free(k->dec);
	strata_ipfix_free(k->enc);
	free(k->buf);
	free(k->pending);
	free(k);
}

static int send_msg(const __u8 *msg, size_t len, void *arg)
{
	struct conn *k = arg;

	return stratad_conn_send_all(&k->sock, msg, len, ACK_TIMEOUT_MS);
}

static int ack(struct conn *k, __u8 status, __u64 through, const char *msg)
{
	struct strata_ack a;
	char err[256];
	int rc;

	memset(&a, 0, sizeof(a));
	a.status = status;
	a.through = through;
	snprintf(a.message, sizeof(a.message), "%s", msg);
	rc = strata_ipfix_put_ack(k->enc, &a, err, sizeof(err));
	if (!rc)
		rc = strata_ipfix_flush(k->enc, err, sizeof(err));
	return rc;
}

static bool id_ok(const char *id)
{
	if (!*id)
		return false;
	for (; *id; id++)
		if (*id <= ' ' || *id > '~' || *id == '"' || *id == '/' || *id == '\\')
			return false;
	return true;
}

struct decode_ctx {
	struct central *c;
	struct conn *k;
};

/* The first refusal of a connection is the one it is told (cut to fit an ack). */
static void refuse(struct conn *k, int status, const char *why)
{
	if (k->failed)
		return;
	k->failed = status;
	snprintf(k->why, sizeof(k->why), "%.*s", (int)sizeof(k->why) - 1, why);
}

static int on_hello(const struct strata_hello *h, void *arg)
{
	struct decode_ctx *x = arg;
	struct central *c = x->c;
	struct conn *k = x->k;
	struct strata_sensor s;
	char err[256];
	unsigned int i;

	if (k->hello) {
		refuse(k, STRATA_ACK_BAD, "a second hello");
		return -EPROTO;
	}
	/* No token configured: any sensor is taken, whatever it shows. */
	if (c->cfg->token[0] && !strata_token_equal(c->cfg->token, h->token)) {
		refuse(k, STRATA_ACK_DENIED, "bad token");
		return -EACCES;
	}
	if (!id_ok(h->sensor_id)) {
		refuse(k, STRATA_ACK_BAD, "a sensor id must be printable ASCII without spaces");
		return -EPROTO;
	}
	/* The id's older connection is stale (the sensor reconnected): drop it. */
	for (i = 0; i < c->nconn; i++) {
		struct conn *o = c->conn[i];

		if (o != k && o->hello && !strcmp(o->id, h->sensor_id) && !o->failed) {
			log_info("central: %s connected again from %s; closing its connection from %s",
				 h->sensor_id, k->peer, o->peer);
			o->failed = -1;
		}
	}
	if (strata_cstore_hello(c->cs, h, realtime_ns(), &s, err, sizeof(err))) {
		log_err("%s", err);
		__atomic_add_fetch(&c->store_errors, 1, __ATOMIC_RELAXED);
		refuse(k, STRATA_ACK_ERROR, "the central store failed");
		return -EIO;
	}
	k->hello = true;
	k->sensor = s.num;
	snprintf(k->id, sizeof(k->id), "%s", s.id);
	log_info("central: sensor %s (%s, version %s, clock %s) from %s, stored through %llu",
		 s.id, h->api_url[0] ? h->api_url : "no drill-down", h->version,
		 strata_clock_name(h->clock_sync),
		 k->peer, (unsigned long long)s.through);
	return ack(k, STRATA_ACK_OK, s.through, "");
}

static int on_lflow(const struct strata_lflow *lf, void *arg)
{
	struct decode_ctx *x = arg;
	struct conn *k = x->k;
	struct strata_lflow *v;

	if (!k->hello) {
		refuse(k, STRATA_ACK_DENIED, "a location flow before the hello");
		return -EACCES;
	}
	if (k->npending == PENDING_MAX) {
		refuse(k, STRATA_ACK_BAD, "more than 1048576 location flows in one window mark");
		return -E2BIG;
	}
	v = strata_vec_room(k->pending, k->npending, &k->cap, sizeof(*v));
	if (!v) {
		refuse(k, STRATA_ACK_ERROR, "out of memory");
		return -ENOMEM;
	}
	k->pending = v;
	k->pending[k->npending++] = *lf;
	return 0;
}

static int on_window(const struct strata_window_mark *w, void *arg)
{
	struct decode_ctx *x = arg;
	struct central *c = x->c;
	struct conn *k = x->k;
	char err[256];
	int rc;

	if (!k->hello) {
		refuse(k, STRATA_ACK_DENIED, "a window mark before the hello");
		return -EACCES;
	}
	rc = strata_cstore_put(c->cs, k->sensor, w, k->pending, k->npending, realtime_ns(),
			       err, sizeof(err));
	if (rc == -EPROTO) {
		refuse(k, STRATA_ACK_BAD, err);
		return rc;
	}
	if (rc) {
		log_err("%s", err);
		__atomic_add_fetch(&c->store_errors, 1, __ATOMIC_RELAXED);
		refuse(k, STRATA_ACK_ERROR, "the central store failed");
		return rc;
	}
	c->windows++;
	c->lflows += k->npending;
	k->npending = 0;
	return ack(k, STRATA_ACK_OK, w->to, "");
}

static const struct strata_ipfix_sink sink = {
	.hello = on_hello, .lflow = on_lflow, .window = on_window,
};

/* Reads what the socket has and handles each whole message. Return: 0, or <0 to close. */
static int conn_recv(struct central *c, struct conn *k)
{
	struct decode_ctx x = { c, k };
	char err[256];
	ssize_t n;
	int len, rc;

	n = stratad_conn_recv(&k->sock, k->buf + k->have, STRATA_IPFIX_MSG_MAX - k->have,
			      MSG_DONTWAIT);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	k->have += (size_t)n;
	k->last_rx_ms = realtime_ns() / 1000000;
	while (k->have >= 4) {
		len = strata_ipfix_msg_len(k->buf);
		if (len < 0) {
			c->bad_messages++;
			refuse(k, STRATA_ACK_BAD, "not an IPFIX message");
			return len;
		}
		if (k->have < (size_t)len)
			break;
		rc = strata_ipfix_decode(k->dec, k->buf, (size_t)len, &sink, &x, err, sizeof(err));
		if (rc < 0) {
			if (!k->failed) {
				c->bad_messages++;
				refuse(k, STRATA_ACK_BAD, err);
			}
			return rc;
		}
		memmove(k->buf, k->buf + len, k->have - (size_t)len);
		k->have -= (size_t)len;
	}
	return 0;
}

/*
 * Under TLS, reads again while OpenSSL holds decrypted bytes: poll() does not
 * see them. There is always room: what is left after the whole messages is
 * less than one message.
 */
static int conn_read(struct central *c, struct conn *k)
{
	int r;

	do
		r = conn_recv(c, k);
	while (!r && stratad_conn_pending(&k->sock));
	return r;
}

/*
 * A step of a TLS handshake; once done, what came after it is read. A sensor
 * without TLS starts with an IPFIX header (version 10) where a TLS one starts
 * with a record (22, 3): it is told why in IPFIX, as a bad token is.
 */
static int conn_handshake(struct central *c, struct conn *k)
{
	__u8 b[2];
	char how[320];
	int r;

	if (!k->tls_started) {
		k->tls_started = true;
		if (recv(k->sock.fd, b, 2, MSG_PEEK | MSG_DONTWAIT) == 2 && b[0] == 0 &&
		    b[1] == 10) {
			/* Read what came, so that the close is not a reset that loses the answer. */
			for (r = 0; r < 16 && recv(k->sock.fd, k->buf, STRATA_IPFIX_MSG_MAX,
						   MSG_DONTWAIT) > 0; r++)
				;
			stratad_tls_drop(&k->sock);
			k->handshaking = false;
			refuse(k, STRATA_ACK_DENIED, "this collector takes TLS only: set tls = yes "
			       "on the sensor");
			return -EPROTO;
		}
	}
	r = stratad_tls_handshake(&k->sock, &k->events);
	if (r <= 0)
		return r;
	k->handshaking = false;
	k->last_rx_ms = realtime_ns() / 1000000;
	log_debug("central: %s: %s", k->peer, stratad_conn_describe(&k->sock, how, sizeof(how)));
	return conn_read(c, k);
}

static void conn_close(struct central *c, unsigned int i, int why)
{
	struct conn *k = c->conn[i];

	if (k->handshaking && why) {
		c->tls_failed++;
		log_warn("central: %s: TLS handshake failed: %s%s", k->peer,
			 why == -ETIMEDOUT ? "not finished in 10 s" :
			 k->sock.err[0] ? k->sock.err : strerror(-why),
			 strstr(k->sock.err, "wrong version number") || strstr(k->sock.err, "http") ?
			 " (not TLS: a sensor without tls = yes?)" : "");
	} else if (k->handshaking) {
		log_info("central: %s: closed during its TLS handshake", k->peer);
	} else if (k->failed > 0) {
		c->refused++;
		log_warn("central: %s%s%s: refused: %s", k->peer, k->hello ? " " : "",
			 k->hello ? k->id : "", k->why);
		ack(k, (__u8)k->failed, 0, k->why);
	} else if (why && why != -ECONNRESET) {
		log_info("central: %s %s: connection closed: %s%s", k->peer, k->id,
			 k->sock.err[0] ? "TLS: " : "", k->sock.err[0] ? k->sock.err : strerror(-why));
	} else {
		log_info("central: %s %s: connection closed", k->peer, k->id);
	}
	if (k->npending)
		log_info("central: %s: %zu location flows without their window mark dropped; "
			 "the sensor sends them again", k->id, k->npending);
	conn_free(k);
	c->conn[i] = c->conn[--c->nconn];
}

static void conn_accept(struct central *c, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct conn *k;
	char err[256], host[48];
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (c->nconn == CONNS_MAX) {
		log_warn("central: %u connections already; refusing one", CONNS_MAX);
		close(fd);
		return;
	}
	k = calloc(1, sizeof(*k));
	if (k) {
		k->sock.fd = fd;
		k->events = POLLIN;
		k->buf = malloc(STRATA_IPFIX_MSG_MAX);
		k->dec = strata_ipfix_new(c->cfg->pen, NULL, NULL, err, sizeof(err));
		k->enc = strata_ipfix_new(c->cfg->pen, send_msg, k, err, sizeof(err));
		k->handshaking = c->tls && !stratad_tls_accept(c->tls, &k->sock);
	}
	if (!k || !k->buf || !k->dec || !k->enc || (c->tls && !k->handshaking)) {
		log_err("central: no memory for a connection");
		if (k)
			conn_free(k);
		else
			close(fd);
		return;
	}
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	snprintf(k->peer, sizeof(k->peer), "%s", host);
	k->last_rx_ms = realtime_ns() / 1000000;
	k->since_ms = k->last_rx_ms;
	c->conn[c->nconn++] = k;
	c->accepted++;
}

/* Windows quiet for this long are stitched (a sensor's share follows another's). */
#define STITCH_SETTLE_NS	(2ULL * 1000000000ULL)

static void stitch(struct central *c, bool all)
{
	unsigned int n;
	char err[256];
	int rc = all ? strata_cstore_stitch(c->cs, &n, err, sizeof(err)) :
		strata_cstore_stitch_settled(c->cs, STITCH_SETTLE_NS, realtime_ns(), &n, err,
					     sizeof(err));

	if (rc) {
		log_err("%s", err);
		__atomic_add_fetch(&c->store_errors, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&c->stitched, n, __ATOMIC_RELAXED);
}

/* ---- alarms ---- */

struct record_job {
	struct central *c;
	__u64 alarm_id;
	char sensor[STRATA_SENSOR_ID_MAX];
	char url[128];
	struct strata_record_req req;
};

/* On the notifier's thread: the one call of triggered recording. */
static void record_job(void *arg, bool run)
{
	struct record_job *j = arg;
	char err[256];

	if (!run) {
		free(j);
		return;
	}
	if (!j->url[0]) {
		strata_alarms_count(j->c->al, STRATA_AC_RECORD_FAILED, 1);
		log_warn("central: alarm %llu: sensor %s has no api-url: cannot ask it to record",
			 (unsigned long long)j->alarm_id, j->sensor);
	} else if (strata_record_request(j->url, j->c->cfg->token, &j->req, err, sizeof(err))) {
		strata_alarms_count(j->c->al, STRATA_AC_RECORD_FAILED, 1);
		log_err("central: alarm %llu: recording on %s: %s",
			(unsigned long long)j->alarm_id, j->sensor, err);
	} else {
		log_info("central: alarm %llu: %s records for %u s",
			 (unsigned long long)j->alarm_id, j->sensor, j->req.duration_s);
	}
	free(j);
}

/* The sensors that saw an alarm's traffic: those on the paths of its connected flows. */
struct rec_find {
	const struct strata_alarm *a;
	__u32 sensor[64];
	unsigned int n;
	bool matched;
	__u8 proto;
	__u16 port;
};

static int rec_cflow(const struct strata_cflow *cf, void *arg)
{
	struct strata_macro_key keys[__STRATA_GROUP_MAX];
	struct rec_find *f = arg;
	unsigned int i, j;

	strata_macro_keys(cf, keys);
	if (memcmp(&keys[f->a->key.group], &f->a->key, sizeof(f->a->key)))
		return 0;
	if (!f->matched) {
		f->matched = true;
		f->proto = cf->key.proto;
		f->port = cf->key.port[1];
	}
	for (i = 0; i < cf->nhops && i < STRATA_PATH_MAX; i++) {
		for (j = 0; j < f->n && f->sensor[j] != cf->hop[i].sensor; j++)
			;
		if (j == f->n && f->n < 64)
			f->sensor[f->n++] = cf->hop[i].sensor;
	}
	return 0;
}

struct rec_ask {
	struct central *c;
	struct rec_find *f;
	__u64 alarm_id;
	struct strata_record_req req;
};

static int rec_sensor(const struct strata_sensor *s, void *arg)
{
	struct rec_ask *k = arg;
	struct record_job *j;
	unsigned int i;

	for (i = 0; i < k->f->n && k->f->sensor[i] != s->num; i++)
		;
	if (i == k->f->n)
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->c = k->c;
	snprintf(j->sensor, sizeof(j->sensor), "%s", s->id);
	snprintf(j->url, sizeof(j->url), "%s", s->api_url);
	j->alarm_id = k->alarm_id;
	j->req = k->req;
	strata_alarms_count(k->c->al, STRATA_AC_RECORD_REQUESTS, 1);
	if (strata_notify_run(k->c->nt, record_job, j)) {
		strata_alarms_count(k->c->al, STRATA_AC_RECORD_FAILED, 1);
		log_err("central: alarm %llu: recording on %s not asked: the notifier's queue is full",
			(unsigned long long)k->alarm_id, s->id);
		free(j);
	}
	return 0;
}

/* An alarm with "record DURATION": each sensor that saw its traffic is asked. */
static void record(struct central *c, const struct strata_alarm *a, __u64 window_ns)
{
	struct rec_find f = { .a = a };
	struct rec_ask k = { .c = c, .f = &f };
	struct strata_record_req *r = &k.req;
	char err[256];

	int rc = strata_cstore_cflows(c->cs, a->raised_ns, a->raised_ns + window_ns - 1, rec_cflow,
				      &f, err, sizeof(err));

	/*
	 * The filter: the key's address, port and protocol; an application's
	 * server port. The whole packet (snaplen 0); the label names the
	 * alarm, so that asking again renews the same recording.
	 */
	k.alarm_id = a->id;
	r->duration_s = (__u32)((a->record_ns + 999999999ULL) / 1000000000ULL);
	if (r->duration_s > STRATA_RECORD_DURATION_MAX)
		r->duration_s = STRATA_RECORD_DURATION_MAX;
	snprintf(r->label, sizeof(r->label), "alarm-%llu", (unsigned long long)a->id);
	if (a->key.group != STRATA_GROUP_APP) {
		r->filter.has_addr = true;
		memcpy(r->filter.addr, a->key.addr, sizeof(r->filter.addr));
		r->filter.prefix = 128;
	}
	if (a->key.group == STRATA_GROUP_SERVICE) {
		r->filter.has_proto = r->filter.has_port = true;
		r->filter.proto = a->key.proto;
		r->filter.port = a->key.port;
	} else if (a->key.group == STRATA_GROUP_APP) {
		r->filter.has_proto = r->filter.has_port = f.matched;
		r->filter.proto = f.proto;
		r->filter.port = f.port;
	}
	if (!rc)
		rc = strata_cstore_sensors(c->cs, rec_sensor, &k, err, sizeof(err));
	if (rc) {
		strata_alarms_count(c->al, STRATA_AC_RECORD_FAILED, 1);
		log_err("central: alarm %llu: the sensors to record: %s", (unsigned long long)a->id, err);
		return;
	}
	if (!f.n)
		log_warn("central: alarm %llu: no connected flow of %s in its window: no sensor to "
			 "ask to record", (unsigned long long)a->id, a->rule);
}

/*
 * Called by strata_alarms_window() after the window is stored. The filter
 * of a recording is the key: a service's address, port and protocol, a
 * client's address, an application's protocol and server port.
 */
struct alarm_ctx {
	struct central *c;
	__u64 window_ns;
	bool late;
};

static void on_alarm(const struct strata_alarm *a, bool raised,
		     const struct strata_alarm_rule *rule, void *arg)
{
	struct alarm_ctx *x = arg;
	struct central *c = x->c;
	char key[96];

	if (raised)
		log_warn("central: alarm %llu raised: %s %s on %s (%s, %s %g): %g",
			 (unsigned long long)a->id, strata_alarm_severity_name(a->severity), a->rule,
			 strata_alarm_key_str(&a->key, key, sizeof(key)), a->metric,
			 a->above ? "above" : "below", a->threshold, a->value_start);
	else
		log_info("central: alarm %llu cleared: %s on %s (peak %g)", (unsigned long long)a->id,
			 a->rule, strata_alarm_key_str(&a->key, key, sizeof(key)), a->peak);
	/* Windows of the past, caught up on: in the history, not sent. */
	if (x->late) {
		c->late++;
		return;
	}
	if (strata_notify_alarm(c->nt, a, raised))
		strata_alarms_count(c->al, STRATA_AC_NOTIFY_DROPPED, 1);
	if (raised && rule && rule->record_ns)
		record(c, a, x->window_ns);
}

struct first_win {
	__u64 w;
};

static int first_window(const struct strata_macroflow *m, void *arg)
{
	struct first_win *f = arg;

	if (m->window_start < f->w)
		f->w = m->window_start;
	return -ECANCELED;	/* the first of this grouping is enough */
}

struct mvec {
	struct strata_macroflow *v;
	size_t n, cap;
};

static int mvec_add(const struct strata_macroflow *m, void *arg)
{
	struct mvec *mv = arg;
	struct strata_macroflow *v = strata_vec_room(mv->v, mv->n, &mv->cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	mv->v = v;
	mv->v[mv->n++] = *m;
	return 0;
}

/* The notifier's counts since the last look, into the alarms' counters. */
static void notify_counts(struct central *c)
{
	struct strata_notify_stats s;

	strata_notify_stats(c->nt, &s);
	strata_alarms_count(c->al, STRATA_AC_NOTIFY_SENT, s.sent + s.commands -
			    c->nt_seen.sent - c->nt_seen.commands);
	strata_alarms_count(c->al, STRATA_AC_NOTIFY_FAILED, s.failed + s.command_failed -
			    c->nt_seen.failed - c->nt_seen.command_failed);
	c->nt_seen = s;
}

/* Windows evaluated at most per round: a long history is caught up on in steps. */
#define ALARM_WINDOWS_PER_ROUND	16

/*
 * The macroflow windows done: the next with macroflows (a window without
 * any, of any grouping, is a gap of the monitoring, not a window without
 * traffic), once alarm-wait has passed since its end.
 */
static void alarms(struct central *c, bool all)
{
	const __u64 mw = c->cfg->macro_window_s * 1000000000ULL;
	const __u64 wait = c->cfg->alarm_wait_s * 1000000000ULL;
	struct alarm_ctx x = { .c = c, .window_ns = mw };
	struct mvec mv = { 0 };
	char err[256];
	unsigned int i, g;
	__u64 now = realtime_ns();
	int rc = 0;

	for (i = 0; i < ALARM_WINDOWS_PER_ROUND || all; i++) {
		struct first_win f = { ~0ULL };
		__u64 next = strata_alarms_next(c->al);

		for (g = 0; g < __STRATA_GROUP_MAX && !rc; g++) {
			rc = strata_cstore_macroflows(c->cs, next, ~0ULL, g, first_window, &f, err,
						      sizeof(err));
			if (rc == -ECANCELED)
				rc = 0;
		}
		if (rc || f.w == ~0ULL || f.w + mw + wait > now)
			break;
		mv.n = 0;
		for (g = 0; g < __STRATA_GROUP_MAX && !rc; g++)
			rc = strata_cstore_macroflows(c->cs, f.w, f.w, g, mvec_add, &mv, err,
						      sizeof(err));
		if (rc)
			break;
		/* Older than a window past the wait: the history is being caught up on. */
		x.late = f.w + 2 * mw + wait < now;
		rc = strata_alarms_window(c->al, f.w, mw, mv.v, mv.n, on_alarm, &x, err, sizeof(err));
		if (rc)
			break;
	}
	if (rc) {
		log_err("central: alarms: %s", rc == -ENOMEM ? "out of memory" : err);
		__atomic_add_fetch(&c->store_errors, 1, __ATOMIC_RELAXED);
	}
	if (c->late) {
		log_info("central: alarms: %u alarms of past windows caught up on were stored, "
			 "not notified", c->late);
		c->late = 0;
	}
	free(mv.v);
	notify_counts(c);
}

static void notify_log(int level, const char *msg, void *arg)
{
	(void)arg;
	stratad_log(level, "%s", msg);
}

/* The stitcher thread: the settled windows once a second, until told to stop. */
struct stitcher {
	struct central *c;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void *stitcher_main(void *arg)
{
	struct stitcher *st = arg;
	struct timespec t;

	pthread_mutex_lock(&st->mu);
	while (!st->stop) {
		pthread_mutex_unlock(&st->mu);
		stitch(st->c, false);
		alarms(st->c, false);
		pthread_mutex_lock(&st->mu);
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec++;
		while (!st->stop && pthread_cond_timedwait(&st->cv, &st->mu, &t) == 0)
			;
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

static int stitcher_start(struct stitcher *st, struct central *c)
{
	pthread_condattr_t ca;
	int rc;

	st->c = c;
	st->stop = false;
	pthread_mutex_init(&st->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->cv, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&st->th, NULL, stitcher_main, st);
	if (rc) {
		pthread_cond_destroy(&st->cv);
		pthread_mutex_destroy(&st->mu);
	}
	return -rc;
}

static void stitcher_stop(struct stitcher *st)
{
	pthread_mutex_lock(&st->mu);
	st->stop = true;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->th, NULL);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
}

static void log_stats(struct central *c)
{
	log_info("central: %u connections; since the start %llu accepted, %llu refused, "
		 "%llu bad messages, %llu window marks, %llu location flows, %llu windows "
		 "stitched, %llu store errors", c->nconn, (unsigned long long)c->accepted,
		 (unsigned long long)c->refused, (unsigned long long)c->bad_messages,
		 (unsigned long long)c->windows, (unsigned long long)c->lflows,
		 (unsigned long long)__atomic_load_n(&c->stitched, __ATOMIC_RELAXED),
		 (unsigned long long)__atomic_load_n(&c->store_errors, __ATOMIC_RELAXED));
	if (c->al) {
		struct strata_alarms_stats a;

		strata_alarms_stats(c->al, &a);
		log_info("central: alarms: %llu windows evaluated, %llu rule evaluations, %llu raised, "
			 "%llu cleared, %llu active, %llu baselines (%llu key windows past "
			 "baseline-keys), %llu notified, %llu notifications failed, %llu dropped, "
			 "%llu recordings asked, %llu failed", (unsigned long long)a.windows,
			 (unsigned long long)a.rules_evaluated, (unsigned long long)a.raised,
			 (unsigned long long)a.cleared, (unsigned long long)a.active,
			 (unsigned long long)a.base_keys, (unsigned long long)a.keys_dropped,
			 (unsigned long long)a.c[STRATA_AC_NOTIFY_SENT],
			 (unsigned long long)a.c[STRATA_AC_NOTIFY_FAILED],
			 (unsigned long long)a.c[STRATA_AC_NOTIFY_DROPPED],
			 (unsigned long long)a.c[STRATA_AC_RECORD_REQUESTS],
			 (unsigned long long)a.c[STRATA_AC_RECORD_FAILED]);
	}
	if (c->tls)
		log_info("central: since the start %llu TLS handshakes failed",
			 (unsigned long long)c->tls_failed);
}

int stratad_central(const struct stratad_config *cfg)
{
	struct pollfd pfd[CONNS_MAX + 1];
	struct stratad_http *http = NULL;
	struct strata_capi *api = NULL;
	struct stitcher st;
	struct central *c;
	__u64 next_stats;
	unsigned int port, i;
	char err[512];
	bool stitching = false;
	int lfd = -1, rc = 1;

	c = calloc(1, sizeof(*c));
	if (!c) {
		log_err("central: out of memory");
		return 1;
	}
	c->cfg = cfg;
	/*
	 * Stitching a window allocates tens of MB and frees them: from the
	 * heap and kept there (up to glibc's largest threshold), not mapped
	 * afresh each time at a page fault per page.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	if (stratad_tls_new(cfg, true, &c->tls, err, sizeof(err))) {
		log_err("central: %s", err);
		goto out;
	}
	if (strata_cstore_open(cfg->store, cfg->budget, cfg->macro_window_s * 1000000000ULL,
			       cfg->sync, &c->cs, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	{
		struct strata_alarm_config ac = cfg->alarm;
		struct strata_notify_config nc = cfg->notify;
		char path[sizeof(cfg->store) + 8];

		ac.rules = cfg->alarms;
		ac.nrules = cfg->nalarms;
		snprintf(path, sizeof(path), "%s/alarms", cfg->store);
		if (strata_alarms_open(path, &ac, &c->al, err, sizeof(err))) {
			log_err("central: %s", err);
			goto out;
		}
		nc.log = notify_log;
		c->nt = strata_notify_start(&nc, err, sizeof(err));
		if (!c->nt) {
			log_err("central: %s", err);
			goto out;
		}
	}
	if (*cfg->listen) {
		api = strata_capi_new(c->cs, err, sizeof(err));
		if (api)
			strata_capi_set_alarms(api, c->al, cfg->api_token);
		http = api ? stratad_http_start(cfg->listen, strata_capi_handler, api, err,
						sizeof(err)) : NULL;
		if (!http) {
			log_err("%s", err);
			goto out;
		}
		log_info("central API on %s (port %u)", cfg->listen, stratad_http_port(http));
	}
	lfd = stratad_tcp_listen(cfg->collect, &port, err, sizeof(err));
	if (lfd < 0) {
		log_err("collect %s", err);
		goto out;
	}
	if (!*cfg->token)
		log_warn("central: no token set: any sensor that connects is accepted");
	log_info("central: collecting on %s (port %u) into %s", cfg->collect, port, cfg->store);
	if (c->tls)
		log_info("central: collector: %s", stratad_tls_describe(c->tls, err, sizeof(err)));
	rc = stitcher_start(&st, c);
	if (rc) {
		log_err("central: the stitcher thread: %s", strerror(-rc));
		rc = 1;
		goto out;
	}
	stitching = true;
	next_stats = cfg->stats_s ? realtime_ns() / 1000000 + cfg->stats_s * 1000ULL : ~0ULL;
	while (!stratad_stop) {
		__u64 now;

		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < c->nconn; i++) {
			pfd[i + 1].fd = c->conn[i]->sock.fd;
			pfd[i + 1].events = c->conn[i]->events;
			pfd[i + 1].revents = 0;
		}
		if (poll(pfd, c->nconn + 1, 200) < 0 && errno != EINTR) {
			log_err("central: poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		/* From the end: closing moves the last connection into the hole. */
		for (i = c->nconn; i-- > 0;) {
			struct conn *k = c->conn[i];
			int r = 0;

			if (k->handshaking) {
				/* From the accept: a peer that trickles bytes is no better. */
				if (pfd[i + 1].revents)
					r = conn_handshake(c, k);
				if (!r && k->handshaking &&
				    realtime_ns() / 1000000 - k->since_ms > HANDSHAKE_TIMEOUT_MS)
					r = -ETIMEDOUT;
			} else if (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR))
				r = conn_read(c, k);
			else if (realtime_ns() / 1000000 - k->last_rx_ms > IDLE_TIMEOUT_MS)
				r = -ETIMEDOUT;
			if (r < 0 || k->failed)
				conn_close(c, i, r);
		}
		if (pfd[0].revents & POLLIN)
			conn_accept(c, lfd);
		now = realtime_ns() / 1000000;
		if (now >= next_stats) {
			log_stats(c);
			next_stats = now + cfg->stats_s * 1000ULL;
		}
	}
	/* What is left, settled or not, once no sensor adds to it. */
	stitcher_stop(&st);
	stitching = false;
	stitch(c, true);
	alarms(c, true);
	/* What the last windows raised is sent, within a bound. */
	if (strata_notify_flush(c->nt, 5000))
		log_warn("central: notifications still under way after 5 s: stopping them");
	notify_counts(c);
	log_stats(c);
	log_info("central: stopped");
out:
	if (stitching)
		stitcher_stop(&st);
	stratad_http_stop(http);
	strata_capi_free(api);
	while (c->nconn)
		conn_close(c, c->nconn - 1, 0);
	if (lfd >= 0)
		close(lfd);
	strata_notify_stop(c->nt);
	strata_alarms_close(c->al);
	strata_cstore_close(c->cs);
	stratad_tls_free(c->tls);
	free(c);
	return rc;
}
