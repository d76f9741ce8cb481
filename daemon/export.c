// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor's exporter: sends each closed flow window of the store to the
 * central host as IPFIX, and goes on from where the central host says.
 *
 * The store is the spool: nothing is sent that is not stored, and a window
 * counts as delivered only when the central host acknowledges it (after
 * its commit). After a broken connection the central host's answer to the
 * hello says where to go on from, so a window is sent again only when its
 * acknowledgement was lost, and the central host stores it once.
 *
 * With tls = yes the connection is TLS over a non-blocking socket: every
 * wait is a poll() that first asks whether OpenSSL holds bytes already.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <xxhash.h>
#include "bytes.h"
#include "err.h"
#include "ipfix.h"
#include "net.h"
#include "store.h"
#include "stratad.h"
#include "tls.h"

#define CONNECT_TIMEOUT_MS	5000
#define IO_TIMEOUT_MS		30000
#define RETRY_MAX_S		10
#define KEEPALIVE_MS		15000

struct stratad_export {
	const struct stratad_config *cfg;
	struct strata_store *store;
	pthread_t thread;
	volatile int stop;
	struct stratad_tls *tls;	/* NULL: plain TCP */
	struct stratad_conn sock;
	struct strata_ipfix *enc;
	/* Counters, since the start. */
	__u64 connects, windows, flows, lost_windows;
	char last_err[512];
	char send_err[256];	/* why the last send failed ("": it did not) */
};

/* ---- fingerprint samples ---- */

/*
 * One location flow being sampled: its flow window and canonical key.
 * @dup: per direction, which of lf.fp[] were seen more than once (a
 * retransmission, a payload sent again): when, is not one time.
 * @first_dup: the same for @first.
 */
struct sample {
	struct strata_lflow lf;
	struct strata_fp_mark first[2];	/* each direction's first payload */
	bool dup[2][STRATA_FP_SAMPLE];
	bool first_dup[2];
};

static guint sample_hash(gconstpointer k)
{
	return (guint)XXH64(k, sizeof(__u64) + sizeof(struct strata_flow_key), 0);
}

static gboolean sample_equal(gconstpointer a, gconstpointer b)
{
	return !memcmp(a, b, sizeof(__u64) + sizeof(struct strata_flow_key));
}

/* The lookup key: the flow window, then the canonical key. */
struct skey {
	__u64 window;
	struct strata_flow_key key;
};
_Static_assert(sizeof(struct skey) == sizeof(__u64) + sizeof(struct strata_flow_key),
	       "skey is hashed as bytes: no padding");

struct sampling {
	GHashTable *t;		/* struct skey -> struct sample */
	struct skey *keys;	/* owned, one per sample */
};

/*
 * Keeps the STRATA_FP_SAMPLE smallest hashes of a direction, each at the
 * first time it was seen, and which of them were seen again. A hash that
 * leaves the sample never comes back (the smallest only get smaller), so
 * the marks are right for those that stay.
 */
static void bottom_add(struct sample *sm, unsigned int d, __u64 h, __u64 ts, bool dup)
{
	struct strata_fp_mark *m = sm->lf.fp[d];
	bool *md = sm->dup[d];
	unsigned int n = sm->lf.nfp[d], i;

	for (i = 0; i < n && m[i].hash < h; i++)
		;
	if (i < n && m[i].hash == h) {
		if (ts < m[i].ts_ns)
			m[i].ts_ns = ts;
		md[i] = true;
		return;
	}
	if (i == STRATA_FP_SAMPLE)
		return;
	if (n == STRATA_FP_SAMPLE)
		n--;
	memmove(m + i + 1, m + i, (n - i) * sizeof(*m));
	memmove(md + i + 1, md + i, (n - i) * sizeof(*md));
	m[i].hash = h;
	m[i].ts_ns = ts;
	md[i] = dup;
	sm->lf.nfp[d] = n + 1;
}

static int on_packet(const struct strata_store_rec *r, void *arg)
{
	const struct strata_rec_packet *p = r->pkt;
	struct sampling *s = arg;
	struct strata_flow_key k;
	struct sample *sm;
	struct skey sk;
	unsigned int d;

	if (!p->fp_hash)
		return 0;
	memset(&k, 0, sizeof(k));
	memcpy(k.addr[0], p->saddr, 16);
	memcpy(k.addr[1], p->daddr, 16);
	k.port[0] = p->sport;
	k.port[1] = p->dport;
	k.proto = p->proto;
	k.family = p->family;
	memset(&sk, 0, sizeof(sk));
	strata_store_canon_key(&k, &sk.key);
	sk.window = p->ts_ns / STRATA_STORE_FLOW_WINDOW_NS * STRATA_STORE_FLOW_WINDOW_NS;
	sm = g_hash_table_lookup(s->t, &sk);
	if (!sm)
		return 0;	/* a packet of no stored flow: its microflow was lost */
	d = memcmp(k.addr[0], sk.key.addr[0], 16) || k.port[0] != sk.key.port[0];
	if (!sm->first[d].hash || p->ts_ns < sm->first[d].ts_ns) {
		/* An earlier payload: the one that was first comes after it. */
		sm->first_dup[d] = sm->first[d].hash == p->fp_hash;
		sm->first[d].hash = p->fp_hash;
		sm->first[d].ts_ns = p->ts_ns;
	} else if (sm->first[d].hash == p->fp_hash) {
		sm->first_dup[d] = true;
	}
	bottom_add(sm, d, p->fp_hash, p->ts_ns, false);
	return 0;
}

/*
 * The sample of a direction: its first payload's hash, which every location
 * on the path sees even where a sender's GSO packet stands for many wire
 * packets, and the smallest hashes after it, ascending; less those seen more
 * than once in the window. Such a payload's time is not one time, and two
 * locations can pick different copies of it: a packet sent twice near the
 * end of a window has its first copy in this window at the sender and in
 * the next one further on, and a delay measured between the second copy
 * here and the first there comes out negative.
 */
static void sample_finish(struct sample *sm)
{
	unsigned int d, i, n;

	for (d = 0; d < 2; d++) {
		struct strata_fp_mark *m = sm->lf.fp[d], f = sm->first[d];
		bool has = false;

		n = sm->lf.nfp[d];
		for (i = 0; i < n; i++)
			has |= m[i].hash == f.hash;
		if (f.hash && !has) {
			/* Drop the largest to make room, then insert in order. */
			if (n == STRATA_FP_SAMPLE)
				sm->lf.nfp[d] = --n;
			bottom_add(sm, d, f.hash, f.ts_ns, sm->first_dup[d]);
			n = sm->lf.nfp[d];
		}
		for (i = 0, sm->lf.nfp[d] = 0; i < n; i++)
			if (!sm->dup[d][i])
				m[sm->lf.nfp[d]++] = m[i];
		memset(m + sm->lf.nfp[d], 0, (STRATA_FP_SAMPLE - sm->lf.nfp[d]) * sizeof(*m));
	}
}

struct collect {
	struct sample *v;
	size_t n, cap;
};

static int on_flow(const struct strata_store_flow *f, void *arg)
{
	struct collect *c = arg;

	struct sample *v = strata_vec_room(c->v, c->n, &c->cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	c->v = v;
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	c->v[c->n].lf.f = *f;
	c->n++;
	return 0;
}

/* The location flows of [@from, @to), each with its fingerprint sample. */
static int window_flows(struct stratad_export *e, __u64 from, __u64 to, struct collect *c,
			char *err, size_t errlen)
{
	struct sampling s = { 0 };
	size_t i;
	int rc;

	c->n = 0;
	rc = strata_store_flows(e->store, NULL, from, to - 1, on_flow, c, err, errlen);
	if (rc || !c->n)
		return rc;
	s.t = g_hash_table_new(sample_hash, sample_equal);
	s.keys = calloc(c->n, sizeof(*s.keys));
	if (!s.keys) {
		g_hash_table_destroy(s.t);
		return strata_seterr(err, errlen, ENOMEM, "export: out of memory");
	}
	for (i = 0; i < c->n; i++) {
		s.keys[i].window = c->v[i].lf.f.window_start;
		s.keys[i].key = c->v[i].lf.f.key;
		g_hash_table_insert(s.t, &s.keys[i], &c->v[i]);
	}
	rc = strata_store_packets(e->store, from, to - 1, NULL, on_packet, &s, err, errlen);
	for (i = 0; i < c->n; i++)
		sample_finish(&c->v[i]);
	g_hash_table_destroy(s.t);
	free(s.keys);
	return rc;
}

/* ---- the connection ---- */

static int send_msg(const __u8 *msg, size_t len, void *arg)
{
	struct stratad_export *e = arg;
	int rc = stratad_conn_send_all(&e->sock, msg, len, IO_TIMEOUT_MS);
	char b;

	if (!rc)
		return 0;
	/*
	 * A TLS central host that refused us said why in an alert before it
	 * closed: reading it is the only way to learn it.
	 */
	if (e->sock.ssl) {
		char was[sizeof(e->sock.err)];

		memcpy(was, e->sock.err, sizeof(was));
		e->sock.err[0] = 0;
		if (stratad_conn_recv(&e->sock, &b, 1, 0) >= 0 || !e->sock.err[0] ||
		    !strstr(e->sock.err, "alert"))
			memcpy(e->sock.err, was, sizeof(was));
	}
	snprintf(e->send_err, sizeof(e->send_err), "central: %s%s",
		 e->sock.err[0] ? "TLS: " : "send: ", e->sock.err[0] ? e->sock.err : strerror(-rc));
	return rc;
}

static int got_ack(const struct strata_ack *a, void *arg)
{
	*(struct strata_ack *)arg = *a;
	return 0;
}

/* Reads messages until one holds an acknowledgement. Return: 0 or -errno. */
static int read_ack(struct stratad_export *e, struct strata_ipfix *dec, struct strata_ack *a,
		    char *err, size_t errlen)
{
	static const struct strata_ipfix_sink sink = { .ack = got_ack };
	__u8 *buf = malloc(STRATA_IPFIX_MSG_MAX);
	size_t have = 0;
	int waited = 0, rc = 0;

	if (!buf)
		return strata_seterr(err, errlen, ENOMEM, "export: out of memory");
	a->status = 0xff;
	while (a->status == 0xff) {
		struct pollfd pfd = { .fd = e->sock.fd, .events = POLLIN };
		ssize_t n;
		int len;

		if (e->stop || stratad_stop) {
			rc = -EINTR;
			break;
		}
		if (have >= 4 && (len = strata_ipfix_msg_len(buf)) < 0) {
			/* A TLS record: an alert from a central host that wants TLS. */
			rc = strata_seterr(err, errlen, EBADMSG, "central: not IPFIX%s",
					   !e->sock.ssl && (buf[0] == 0x15 || buf[0] == 0x16) &&
					   buf[1] == 3 ? " but TLS: set tls = yes here" : "");
			break;
		}
		if (have >= 4 && have >= (size_t)len) {
			rc = strata_ipfix_decode(dec, buf, (size_t)len, &sink, a, err, errlen);
			if (rc < 0)
				break;
			memmove(buf, buf + len, have - (size_t)len);
			have -= (size_t)len;
			rc = 0;
			continue;
		}
		rc = stratad_conn_pending(&e->sock) ? 1 : poll(&pfd, 1, 1000);
		if (rc < 0 && errno != EINTR) {
			rc = strata_seterr(err, errlen, errno, "central: poll: %s", strerror(errno));
			break;
		}
		if (rc <= 0) {
			rc = 0;
			if ((waited += 1000) >= IO_TIMEOUT_MS) {
				rc = strata_seterr(err, errlen, ETIMEDOUT,
						   "central: no answer in %d s", IO_TIMEOUT_MS / 1000);
				break;
			}
			continue;
		}
		n = stratad_conn_recv(&e->sock, buf + have, STRATA_IPFIX_MSG_MAX - have, 0);
		if (n < 0 && errno == EAGAIN)
			continue;	/* TLS: a part of a record */
		if (n <= 0) {
			rc = strata_seterr(err, errlen, n ? errno : ECONNRESET, "central: %s%s",
					   n && e->sock.err[0] ? "TLS: " : "connection ",
					   !n ? "closed" : e->sock.err[0] ? e->sock.err : strerror(errno));
			break;
		}
		have += (size_t)n;
	}
	free(buf);
	return rc;
}

static void note_err(struct stratad_export *e, const char *err)
{
	if (strcmp(err, e->last_err)) {
		log_warn("export: %s", err);
		snprintf(e->last_err, sizeof(e->last_err), "%s", err);
	}
}

/* Ends a run of location flows with its window mark; the central's ack in @a. */
static int send_mark(struct stratad_export *e, struct strata_ipfix *dec,
		     const struct strata_window_mark *w, struct strata_ack *a,
		     char *err, size_t errlen)
{
	int rc = strata_ipfix_put_window(e->enc, w, err, errlen);

	if (!rc)
		rc = strata_ipfix_flush(e->enc, err, errlen);
	if (!rc)
		rc = read_ack(e, dec, a, err, errlen);
	if (!rc && a->status != STRATA_ACK_OK)
		rc = strata_seterr(err, errlen, EPROTO, "central: %s", a->message);
	return rc;
}

/*
 * Nothing to send: waits a little, watching the connection. A central host
 * that went away closes it (read as an end of file); one that is cut off
 * without a word is found by a keep-alive every KEEPALIVE_MS, an empty
 * window mark it must acknowledge.
 */
static int idle(struct stratad_export *e, struct strata_ipfix *dec, __u64 through,
		unsigned int *idle_ms, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = e->sock.fd, .events = POLLIN };
	struct strata_window_mark w = { .from = through, .to = through, .flows = 0 };
	struct strata_ack a;
	char b;
	int rc = stratad_conn_pending(&e->sock) ? 1 : poll(&pfd, 1, 200);
	ssize_t n = rc > 0 ? stratad_conn_recv(&e->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT) : -1;

	/* Under TLS, a readable socket may hold only a part of a record: nothing yet. */
	if (rc > 0 && !(n < 0 && errno == EAGAIN)) {
		if (n <= 0)
			return strata_seterr(err, errlen, ECONNRESET, "central: %s%s",
					     n && e->sock.err[0] ? "TLS: " : "connection ",
					     !n ? "closed" : e->sock.err[0] ? e->sock.err :
					     strerror(errno));
		/* Something unasked for: read it as an answer (a refusal, say). */
		rc = read_ack(e, dec, &a, err, errlen);
		return rc ? rc : strata_seterr(err, errlen, EPROTO, "central: %s",
					       a.message[0] ? a.message : "an unexpected answer");
	}
	*idle_ms += 200;
	if (*idle_ms < KEEPALIVE_MS)
		return 0;
	*idle_ms = 0;
	return send_mark(e, dec, &w, &a, err, errlen);
}

/* One connection: hello, then windows until an error or the stop. */
static int session(struct stratad_export *e, char *err, size_t errlen)
{
	const struct stratad_config *c = e->cfg;
	struct strata_ipfix *dec = NULL;
	struct collect col = { 0 };
	struct strata_hello h;
	struct strata_ack a;
	unsigned int idle_ms = 0;
	char how[320];
	__u64 through;
	int rc;

	e->sock.err[0] = 0;
	e->send_err[0] = 0;
	e->sock.fd = stratad_tcp_connect(c->central, CONNECT_TIMEOUT_MS, err, errlen);
	if (e->sock.fd < 0) {
		rc = e->sock.fd;
		e->sock.fd = -1;
		return rc;
	}
	/* A handshake that fails (a certificate refused) backs off like a refused connect. */
	if (e->tls) {
		rc = stratad_tls_connect(e->tls, &e->sock, CONNECT_TIMEOUT_MS, err, errlen);
		if (rc) {
			stratad_conn_close(&e->sock);
			return rc;
		}
	}
	e->connects++;
	e->enc = strata_ipfix_new(c->pen, send_msg, e, err, errlen);
	dec = strata_ipfix_new(c->pen, NULL, NULL, err, errlen);
	if (!e->enc || !dec) {
		rc = -ENOMEM;
		goto out;
	}
	memset(&h, 0, sizeof(h));
	snprintf(h.sensor_id, sizeof(h.sensor_id), "%s", c->sensor_id);
	snprintf(h.version, sizeof(h.version), "%s", STRATAD_VERSION);
	snprintf(h.api_url, sizeof(h.api_url), "%s", c->api_url);
	snprintf(h.token, sizeof(h.token), "%s", c->token);
	h.capabilities = STRATA_CAP_FINGERPRINTS | (*c->api_url ? STRATA_CAP_DRILLDOWN : 0);
	h.flow_window_ns = STRATA_STORE_FLOW_WINDOW_NS;
	h.proto_version = STRATA_PROTO_VERSION;
	h.clock_sync = strata_clock_state(&h.clock_error_ns);
	rc = strata_ipfix_put_hello(e->enc, &h, err, errlen);
	if (!rc)
		rc = strata_ipfix_flush(e->enc, err, errlen);
	if (!rc)
		rc = read_ack(e, dec, &a, err, errlen);
	if (!rc && a.status != STRATA_ACK_OK)
		rc = strata_seterr(err, errlen, EACCES, "central refused the hello: %s", a.message);
	if (rc)
		goto out;
	through = a.through;
	log_info("export: connected to %s as %s%s%s, going on from %llu", c->central,
		 c->sensor_id, e->tls ? " over " : "",
		 e->tls ? stratad_conn_describe(&e->sock, how, sizeof(how)) : "",
		 (unsigned long long)through);
	e->last_err[0] = 0;
	while (!e->stop && !stratad_stop) {
		struct strata_store_info info;
		struct strata_window_mark w;
		__u64 first;
		size_t i;

		rc = strata_store_info(e->store, &info, err, errlen);
		if (rc)
			break;
		first = info.first_ts / STRATA_STORE_FLOW_WINDOW_NS * STRATA_STORE_FLOW_WINDOW_NS;
		if (!info.flows_through || through >= info.flows_through) {
			rc = idle(e, dec, through, &idle_ms, err, errlen);
			if (rc)
				break;
			continue;
		}
		idle_ms = 0;
		/* Windows the budget took before they were sent: lost, and said so. */
		if (through && through < first) {
			e->lost_windows += (first - through) / STRATA_STORE_FLOW_WINDOW_NS;
			log_warn("export: %llu flow windows were removed from the store before "
				 "they were sent", (unsigned long long)((first - through) /
									 STRATA_STORE_FLOW_WINDOW_NS));
		}
		w.from = through > first ? through : first;
		if (!through)
			w.from = first;
		w.to = w.from + STRATA_STORE_FLOW_WINDOW_NS;
		if (w.to > info.flows_through)
			w.to = info.flows_through;
		/* An idle stretch goes in one mark. */
		rc = window_flows(e, w.from, w.to, &col, err, errlen);
		if (rc)
			break;
		while (!col.n && w.to + STRATA_STORE_FLOW_WINDOW_NS <= info.flows_through &&
		       w.to - w.from < 60 * STRATA_STORE_FLOW_WINDOW_NS) {
			rc = window_flows(e, w.to, w.to + STRATA_STORE_FLOW_WINDOW_NS, &col,
					  err, errlen);
			if (rc || col.n)
				break;
			w.to += STRATA_STORE_FLOW_WINDOW_NS;
		}
		if (rc)
			break;
		if (col.n) {
			/* The idle run ends where the flows start: they go next. */
			__u64 fw = col.v[0].lf.f.window_start;

			if (fw > w.from) {
				w.to = fw;
				col.n = 0;
			}
		}
		w.flows = col.n;
		for (i = 0; i < col.n && !rc; i++)
			rc = strata_ipfix_put_lflow(e->enc, &col.v[i].lf, err, errlen);
		if (!rc)
			rc = send_mark(e, dec, &w, &a, err, errlen);
		if (rc)
			break;
		through = a.through;
		e->windows++;
		e->flows += col.n;
	}
out:
	/* The codec's output callback has no room for a message: it is here. */
	if (rc && e->send_err[0])
		snprintf(err, errlen, "%s", e->send_err);
	free(col.v);
	strata_ipfix_free(dec);
	strata_ipfix_free(e->enc);
	e->enc = NULL;
	stratad_conn_close(&e->sock);
	return rc;
}

static void *exporter(void *arg)
{
	struct stratad_export *e = arg;
	unsigned int wait_s = 1, i;
	char err[512];

	while (!e->stop && !stratad_stop) {
		__u64 connects = e->connects;
		int rc = session(e, err, sizeof(err));

		if (e->stop || stratad_stop)
			break;
		if (rc)
			note_err(e, err);
		/* A session that got going starts the backoff again from 1 s. */
		if (e->connects != connects)
			wait_s = 1;
		/* Back off (1, 2, 4, 8, 10, 10 ... s); start again from the central's answer. */
		for (i = 0; i < wait_s * 10 && !e->stop && !stratad_stop; i++)
			usleep(100000);
		wait_s = wait_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : wait_s * 2;
	}
	return NULL;
}

struct stratad_export *stratad_export_start(const struct stratad_config *c,
					    struct strata_store *s, char *err, size_t errlen)
{
	struct stratad_export *e = calloc(1, sizeof(*e));
	char how[512];
	int rc;

	if (!e) {
		snprintf(err, errlen, "export: out of memory");
		return NULL;
	}
	e->cfg = c;
	e->store = s;
	e->sock.fd = -1;
	if (stratad_tls_new(c, false, &e->tls, err, errlen)) {
		free(e);
		return NULL;
	}
	if (e->tls)
		log_info("export: %s", stratad_tls_describe(e->tls, how, sizeof(how)));
	rc = pthread_create(&e->thread, NULL, exporter, e);
	if (rc) {
		snprintf(err, errlen, "export: thread: %s", strerror(rc));
		stratad_tls_free(e->tls);
		free(e);
		return NULL;
	}
	return e;
}

void stratad_export_stop(struct stratad_export *e)
{
	if (!e)
		return;
	e->stop = 1;
	pthread_join(e->thread, NULL);
	log_info("export: %llu connections, %llu flow windows (%llu flows) sent, "
		 "%llu windows removed before they were sent", (unsigned long long)e->connects,
		 (unsigned long long)e->windows, (unsigned long long)e->flows,
		 (unsigned long long)e->lost_windows);
	stratad_tls_free(e->tls);
	free(e);
}
