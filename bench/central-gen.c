// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The central host's benchmarks (bench/central-run.sh):
 *
 *   central-gen strata -c ADDR:PORT [-a URL] [-n SENSORS] [-w WINDOWS]
 *	[-f FLOWS] [-t TOKEN]
 *	SENSORS generated sensors ("gen-0", ...) feed a central stratad over
 *	IPFIX/TCP as daemon/export.c does: a hello, then per flow window its
 *	location flows and a window mark, and the central's acknowledgement
 *	(sent after its LMDB commit) before the next window. Every sensor has
 *	the same conversations in each window (so the central's stitching
 *	joins SENSORS locations per conversation), each with fingerprint
 *	samples, TTLs and times as a path of SENSORS hops would give them.
 *	The messages are encoded before the clock starts; timed: from the
 *	first byte to the last acknowledgement ("stored"), then, with -a, until
 *	the central's API says no flow window is left to stitch ("stitched").
 *
 *   central-gen nfcapd -u PORT [-F] [-n] [-w] [-f] [-s BYTES] [-q BYTES] -- CMD...
 *	The same flows as standard IPFIX biflows (RFC 5103) over UDP to the
 *	nfcapd that CMD starts (a child: it must listen on 127.0.0.1:PORT),
 *	one observation domain per sensor, datagrams of at most BYTES (1400).
 *	Records of the 11 standard elements nfcapd stores, or with -F strata's
 *	own records, those "strata" sends (nfcapd skips the elements it does
 *	not know).
 *	Paced by nfcapd's socket: while its receive queue holds more than -q
 *	bytes (1 MiB, /proc/net/udp) the sender waits, so the kernel drops
 *	nothing and the rate is nfcapd's. Timed: from the first datagram until
 *	nfcapd has read the last one ("read"), and until it has exited after a
 *	SIGTERM, its file written ("written").
 *
 *   central-gen drill -a URL [-r REQUESTS] [-n SENSORS -T THROUGH_NS]
 *	With -T, first waits until SENSORS sensors are stored through
 *	THROUGH_NS and nothing is left to stitch. Then picks REQUESTS connected
 *	flows at random (seeded: the same picks every run) from GET
 *	/api/v1/flows and times GET /api/v1/flows/ID/packets as JSON, then as
 *	pcapng, one request at a time over one kept-alive connection; checks
 *	each answer (every location answered, as many packets as the path
 *	counts). One "req" line per request.
 *
 *   central-gen port
 *	A free port on 127.0.0.1 (TCP and UDP), for a daemon to listen on.
 *
 *   central-gen decode [-w WINDOWS] [-f FLOWS]
 *	What decoding alone costs: one sensor's messages, as "strata" sends
 *	them, decoded by the central's decoder (lib/ipfix.c, into strata's
 *	structures; nothing stored), on one CPU.
 *
 *   central-gen loopback [-m MIB]
 *	What a TCP stream over loopback moves when nothing else is done: a
 *	thread sends MIB MiB (4096) in 1 MiB writes, another reads them;
 *	timed from the first byte to the end of the stream.
 *
 * Prints key=value lines (bench/lib.sh's kv reads them); exits 1 on any
 * failure, saying why on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <fixbuf/public.h>
#include <jansson.h>
#include "central.h"
#include "ipfix.h"
#include "store.h"

#define NS		1000000000ULL
/* The first flow window: 2026-01-01T00:00:00Z. */
#define BASE_NS		(1767225600ULL * NS)
#define WIN_NS		STRATA_STORE_FLOW_WINDOW_NS
/* Between two sensors on the path, one way. */
#define HOP_NS		200000ULL
#define SERVERS		1024
#define TTL0		64

/* The peer this process started (nfcapd), stopped when we fail. */
static pid_t child;

static void die(const char *fmt, ...)
{
	va_list ap;

	if (child > 0)
		kill(child, SIGTERM);
	va_start(ap, fmt);
	fputs("central-gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS + (__u64)ts.tv_nsec;
}

static double secs(__u64 ns)
{
	return ns / 1e9;
}

/* splitmix64: the generator's only randomness, seeded: every run the same. */
static __u64 rnd(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

static unsigned long num(const char *s, const char *what, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		die("%s: not a number from %lu to %lu: '%s'", what, min, max, s);
	return v;
}

/* ---- the flows: one conversation of a window, as a path of sensors sees it ---- */

struct conv {
	__u32 client, server;		/* IPv4, host order */
	__u16 cport, sport;
	__u64 pkts[2], bytes[2];	/* [0] client to server, [1] back */
	__u64 first[2], last[2];	/* at the client's side */
	__u64 fp[2][STRATA_FP_SAMPLE];	/* payload hashes, ascending */
	__u64 fpts[2][STRATA_FP_SAMPLE];
};

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Conversation @i of window @w: a client of its own (10.0.0.0/8, so no two
 * conversations of a window share a key) and one of SERVERS servers
 * (198.18.0.0/15) on 443, 80 or 8443: the macroflows have real groups.
 */
static void conv_gen(unsigned int w, unsigned int i, struct conv *c)
{
	static const __u16 ports[] = { 443, 443, 443, 80, 8443 };
	__u64 s = (__u64)w << 32 | i, dur, rtt;
	unsigned int d, j;

	memset(c, 0, sizeof(*c));
	c->client = 0x0a000000U | ((i + 1) & 0xffffff);
	c->server = 0xc6120000U | (__u32)(rnd(&s) % SERVERS);
	c->cport = (__u16)(1024 + rnd(&s) % 64000);
	c->sport = ports[rnd(&s) % 5];
	dur = rnd(&s) % (8 * NS) + NS / 100;
	rtt = rnd(&s) % (50 * NS / 1000) + NS / 1000;
	c->first[0] = BASE_NS + w * WIN_NS + rnd(&s) % (50 * NS);
	c->last[0] = c->first[0] + dur;
	c->first[1] = c->first[0] + rtt;
	c->last[1] = c->last[0] + rtt;
	c->pkts[0] = 3 + rnd(&s) % 100;
	c->pkts[1] = 3 + rnd(&s) % 300;
	c->bytes[0] = c->pkts[0] * (52 + rnd(&s) % 500);
	c->bytes[1] = c->pkts[1] * (52 + rnd(&s) % 1400);
	for (d = 0; d < 2; d++) {
		for (j = 0; j < STRATA_FP_SAMPLE; j++) {
			c->fp[d][j] = rnd(&s) | 1;
			c->fpts[d][j] = c->first[d] + dur / STRATA_FP_SAMPLE * j;
		}
		qsort(c->fp[d], STRATA_FP_SAMPLE, sizeof(__u64), cmp_u64);
	}
}

static void v4_mapped(__u8 *a, __u32 v)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (__u8)(v >> 24);
	a[13] = (__u8)(v >> 16);
	a[14] = (__u8)(v >> 8);
	a[15] = (__u8)v;
}

/* Hop @k of @n: what it saw of one direction, @delay after the path's start. */
static void dir_fill(struct strata_dir_stats *s, const struct conv *c, unsigned int d,
		     __u64 delay, __u8 ttl)
{
	__u64 p = c->pkts[d];

	memset(s, 0, sizeof(*s));
	s->packets = p;
	s->bytes = c->bytes[d];
	s->payload_bytes = c->bytes[d] - p * 52;
	s->first_ns = c->first[d] + delay;
	s->last_ns = c->last[d] + delay;
	s->size.n = p;
	s->size.sum = c->bytes[d];
	s->size.sumsq_lo = c->bytes[d] / p * c->bytes[d];
	s->size.min = 52;
	s->size.max = c->bytes[d] / p * 2 - 52;
	s->iat.n = p - 1;
	s->iat.sum = c->last[d] - c->first[d];
	s->iat.min = 1000;
	s->iat.max = s->iat.sum / 2;
	s->tcp_flags[0] = 1;		/* FIN */
	s->tcp_flags[1] = 1;		/* SYN */
	s->tcp_flags[3] = (__u32)p / 2;	/* PSH */
	s->tcp_flags[4] = (__u32)p - 1;	/* ACK */
	s->ttl_min = s->ttl_max = ttl;
}

/* The location flow of conversation @c at sensor @k of @n (0: the client's side). */
static void lflow_of(const struct conv *c, __u64 ws, unsigned int k, unsigned int n,
		     struct strata_lflow *lf)
{
	struct strata_flow_key key;
	unsigned int cl, d, j;

	memset(lf, 0, sizeof(*lf));
	memset(&key, 0, sizeof(key));
	v4_mapped(key.addr[0], c->client);
	v4_mapped(key.addr[1], c->server);
	key.port[0] = c->cport;
	key.port[1] = c->sport;
	key.proto = 6;
	key.family = 4;
	strata_store_canon_key(&key, &lf->f.key);
	/* The canonical key's endpoint that is the client. */
	cl = memcmp(lf->f.key.addr[0], key.addr[0], 16) || lf->f.key.port[0] != c->cport;
	lf->f.window_start = ws;
	lf->f.window_ns = WIN_NS;
	lf->f.has_initiator = 1;
	lf->f.initiator = (__u8)cl;
	/* Client to server passes k hops before sensor k; replies n - 1 - k. */
	dir_fill(&lf->f.dir[cl], c, 0, k * HOP_NS, (__u8)(TTL0 - k));
	dir_fill(&lf->f.dir[!cl], c, 1, (n - 1 - k) * HOP_NS, (__u8)(TTL0 - (n - 1 - k)));
	lf->f.first_mf = c->first[0] / NS * NS;
	lf->f.last_mf = (c->last[1] + n * HOP_NS) / NS * NS;
	lf->f.microflows = (__u32)((lf->f.last_mf - lf->f.first_mf) / NS + 1);
	for (d = 0; d < 2; d++) {
		unsigned int e = d ? !cl : cl;
		__u64 delay = (d ? n - 1 - k : k) * HOP_NS;

		lf->nfp[e] = STRATA_FP_SAMPLE;
		for (j = 0; j < STRATA_FP_SAMPLE; j++) {
			lf->fp[e][j].hash = c->fp[d][j];
			lf->fp[e][j].ts_ns = c->fpts[d][j] + delay;
		}
	}
}

/* ---- sockets ---- */

static int tcp_connect(const char *hostport)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, one = 1, rc;

	snprintf(host, sizeof(host), "%s", hostport);
	colon = strrchr(host, ':');
	if (!colon)
		die("%s: not ADDR:PORT", hostport);
	*colon = 0;
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc)
		die("%s: %s", hostport, gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen))
		die("connect %s: %s", hostport, strerror(errno));
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void send_all(int fd, const __u8 *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("send: %s", w ? strerror(errno) : "nothing sent");
		p += w;
		n -= (size_t)w;
	}
}

/* ---- strata: sensors over IPFIX/TCP ---- */

/* A growing byte buffer. */
struct bytes {
	__u8 *p;
	size_t n, cap;
};

static int bytes_add(struct bytes *b, const void *p, size_t len)
{
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		__u8 *np;

		while (cap < b->n + len)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, len);
	b->n += len;
	return 0;
}

/* The encoder's output goes to the buffer *arg points to. */
static int out_msg(const __u8 *msg, size_t len, void *arg)
{
	return bytes_add(*(struct bytes **)arg, msg, len);
}

struct sensor {
	unsigned int k, n, windows, flows;
	const char *token;
	struct bytes hello;
	struct bytes *win;	/* [windows]: each window's messages, its mark last */
	struct bytes *cur;	/* where the encoder writes */
	int fd;
	__u64 t_first, t_last;	/* the first byte sent, the last ack read */
	__u64 *t_ack;		/* [windows]: when each window's ack came */
	pthread_t th;
};

static pthread_barrier_t start_line;

/* Sensor @s's hello and windows, encoded before the clock starts. */
static void *encode(void *arg)
{
	struct sensor *s = arg;
	struct strata_lflow lf;
	struct strata_hello h;
	struct strata_ipfix *x;
	struct conv c;
	char err[256];
	unsigned int w, i;
	int rc;

	s->cur = &s->hello;
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, out_msg, &s->cur, err, sizeof(err));
	if (!x)
		die("%s", err);
	memset(&h, 0, sizeof(h));
	snprintf(h.sensor_id, sizeof(h.sensor_id), "gen-%u", s->k);
	snprintf(h.version, sizeof(h.version), "central-gen");
	snprintf(h.token, sizeof(h.token), "%s", s->token);
	h.capabilities = STRATA_CAP_FINGERPRINTS;
	h.flow_window_ns = WIN_NS;
	h.clock_sync = STRATA_CLOCK_SYNCED;
	h.proto_version = STRATA_PROTO_VERSION;
	rc = strata_ipfix_put_hello(x, &h, err, sizeof(err));
	if (!rc)
		rc = strata_ipfix_flush(x, err, sizeof(err));
	for (w = 0; w < s->windows && !rc; w++) {
		struct strata_window_mark m = {
			.from = BASE_NS + w * WIN_NS, .to = BASE_NS + (w + 1) * WIN_NS,
			.flows = s->flows,
		};

		s->cur = &s->win[w];
		for (i = 0; i < s->flows && !rc; i++) {
			conv_gen(w, i, &c);
			lflow_of(&c, m.from, s->k, s->n, &lf);
			rc = strata_ipfix_put_lflow(x, &lf, err, sizeof(err));
		}
		if (!rc)
			rc = strata_ipfix_put_window(x, &m, err, sizeof(err));
		if (!rc)
			rc = strata_ipfix_flush(x, err, sizeof(err));
	}
	if (rc)
		die("sensor gen-%u: encoding: %s", s->k, rc == -ENOMEM ? "out of memory" : err);
	strata_ipfix_free(x);
	return NULL;
}

static int got_ack(const struct strata_ack *a, void *arg)
{
	*(struct strata_ack *)arg = *a;
	return 0;
}

/* Reads until an acknowledgement; what comes after it stays in @buf. */
static void read_ack(int fd, struct strata_ipfix *dec, __u8 *buf, size_t *have,
		     struct strata_ack *a)
{
	static const struct strata_ipfix_sink sink = { .ack = got_ack };
	char err[256];

	a->status = 0xff;
	while (a->status == 0xff) {
		int len = *have >= 4 ? strata_ipfix_msg_len(buf) : 0;
		ssize_t n;

		if (len < 0)
			die("central: not IPFIX");
		if (len && *have >= (size_t)len) {
			if (strata_ipfix_decode(dec, buf, (size_t)len, &sink, a, err, sizeof(err)) < 0)
				die("central: %s", err);
			memmove(buf, buf + len, *have - (size_t)len);
			*have -= (size_t)len;
			continue;
		}
		n = recv(fd, buf + *have, STRATA_IPFIX_MSG_MAX - *have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("central: connection %s", n ? strerror(errno) : "closed");
		*have += (size_t)n;
	}
}

/* One sensor's connection: hello, then each window and its ack, in turn. */
static void *sensor_run(void *arg)
{
	struct sensor *s = arg;
	__u8 *buf = xcalloc(1, STRATA_IPFIX_MSG_MAX);
	struct strata_ipfix *dec;
	struct strata_ack a;
	char err[256];
	size_t have = 0;
	unsigned int w;

	dec = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, NULL, NULL, err, sizeof(err));
	if (!dec)
		die("%s", err);
	pthread_barrier_wait(&start_line);
	s->t_first = now_ns();
	send_all(s->fd, s->hello.p, s->hello.n);
	read_ack(s->fd, dec, buf, &have, &a);
	if (a.status != STRATA_ACK_OK)
		die("gen-%u: hello refused: %s", s->k, a.message);
	if (a.through)
		die("gen-%u: the central has this sensor through %llu already: not a fresh store",
		    s->k, (unsigned long long)a.through);
	for (w = 0; w < s->windows; w++) {
		send_all(s->fd, s->win[w].p, s->win[w].n);
		read_ack(s->fd, dec, buf, &have, &a);
		if (a.status != STRATA_ACK_OK || a.through != BASE_NS + (w + 1) * WIN_NS)
			die("gen-%u: window %u: ack status %u through %llu: %s", s->k, w, a.status,
			    (unsigned long long)a.through, a.message);
		s->t_ack[w] = now_ns();
	}
	s->t_last = now_ns();
	strata_ipfix_free(dec);
	free(buf);
	return NULL;
}

/* ---- the central's API (libcurl) ---- */

struct http {
	CURL *h;
	struct bytes body;
	bool partial;		/* a Strata-Partial header came */
	char url[512];
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	return bytes_add(arg, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http *h = arg;

	if (size * n > 15 && !strncasecmp(p, "Strata-Partial:", 15))
		h->partial = true;
	return size * n;
}

static void http_init(struct http *h)
{
	memset(h, 0, sizeof(*h));
	h->h = curl_easy_init();
	if (!h->h)
		die("curl_easy_init failed");
	curl_easy_setopt(h->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->h, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(h->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->h, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->h, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(h->h, CURLOPT_NOSIGNAL, 1L);
}

/* GET @base + @path (printf): the status; the body in h->body, NUL-terminated. */
__attribute__((format(printf, 3, 4)))
static long http_get(struct http *h, const char *base, const char *fmt, ...)
{
	char path[384];
	va_list ap;
	long st = 0;
	CURLcode rc;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	snprintf(h->url, sizeof(h->url), "%s%s", base, path);
	h->body.n = 0;
	h->partial = false;
	curl_easy_setopt(h->h, CURLOPT_URL, h->url);
	rc = curl_easy_perform(h->h);
	if (rc)
		die("GET %s: %s", h->url, curl_easy_strerror(rc));
	curl_easy_getinfo(h->h, CURLINFO_RESPONSE_CODE, &st);
	if (bytes_add(&h->body, "", 1))
		die("out of memory");
	h->body.n--;
	return st;
}

static json_t *http_json(struct http *h, const char *base, const char *path)
{
	json_error_t je;
	json_t *v;
	long st = http_get(h, base, "%s", path);

	if (st != 200)
		die("GET %s: status %ld: %.200s", h->url, st, (char *)h->body.p);
	v = json_loadb((char *)h->body.p, h->body.n, 0, &je);
	if (!v)
		die("GET %s: not JSON: %s", h->url, je.text);
	/* A list comes in a container: its rows beside their schema. */
	if (json_object_get(v, "schema") && json_is_array(json_object_get(v, "rows"))) {
		json_t *rows = json_incref(json_object_get(v, "rows"));

		json_decref(v);
		return rows;
	}
	return v;
}

static __u64 jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		die("JSON: no integer '%s'", key);
	return (__u64)json_integer_value(v);
}

/*
 * Waits until @nsensors sensors are stored through @through (0: no such
 * wait) and no flow window is left to stitch. Return: the info object.
 */
static json_t *wait_stitched(struct http *h, const char *api, unsigned int nsensors,
			     __u64 through, unsigned int timeout_s, unsigned int poll_us)
{
	__u64 until = now_ns() + timeout_s * NS;

	for (;;) {
		json_t *info = http_json(h, api, "/api/v1/info");
		bool done = !jint(info, "windows_to_stitch");

		if (done && through) {
			json_t *ss = http_json(h, api, "/api/v1/sensors"), *s;
			unsigned int n = 0;
			size_t i;

			json_array_foreach(ss, i, s)
				n += jint(s, "through_ns") >= through;
			json_decref(ss);
			done = n >= nsensors;
			/* Stitched after the last window came: ask again. */
			if (done) {
				json_decref(info);
				info = http_json(h, api, "/api/v1/info");
				done = !jint(info, "windows_to_stitch");
			}
		}
		if (done)
			return info;
		json_decref(info);
		if (now_ns() > until)
			die("%s: not stitched after %u s", api, timeout_s);
		usleep(poll_us);
	}
}

static int run_strata(int argc, char **argv)
{
	const char *central = NULL, *api = NULL, *token = "";
	unsigned int n = 4, windows = 10, flows = 20000, k, w;
	struct sensor *s;
	__u64 t0, t1, t2 = 0, bytes = 0, enc0, enc1, records;
	json_t *info = NULL, *fl;
	struct http h;
	int o;

	while ((o = getopt(argc, argv, "c:a:n:w:f:t:")) != -1) {
		switch (o) {
		case 'c': central = optarg; break;
		case 'a': api = optarg; break;
		case 'n': n = (unsigned int)num(optarg, "-n", 1, 64); break;
		case 'w': windows = (unsigned int)num(optarg, "-w", 1, 1000); break;
		case 'f': flows = (unsigned int)num(optarg, "-f", 1, 1000000); break;
		case 't': token = optarg; break;
		default: return 2;
		}
	}
	if (!central)
		die("strata: -c ADDR:PORT missing");
	s = xcalloc(n, sizeof(*s));
	enc0 = now_ns();
	for (k = 0; k < n; k++) {
		s[k] = (struct sensor){ .k = k, .n = n, .windows = windows, .flows = flows,
					.token = token };
		s[k].win = xcalloc(windows, sizeof(*s[k].win));
		s[k].t_ack = xcalloc(windows, sizeof(*s[k].t_ack));
		if (pthread_create(&s[k].th, NULL, encode, &s[k]))
			die("pthread_create failed");
	}
	for (k = 0; k < n; k++) {
		pthread_join(s[k].th, NULL);
		bytes += s[k].hello.n;
		for (w = 0; w < windows; w++)
			bytes += s[k].win[w].n;
	}
	enc1 = now_ns();
	/* Connected (the TCP handshake) before the clock starts. */
	for (k = 0; k < n; k++)
		s[k].fd = tcp_connect(central);
	pthread_barrier_init(&start_line, NULL, n);
	for (k = 0; k < n; k++)
		if (pthread_create(&s[k].th, NULL, sensor_run, &s[k]))
			die("pthread_create failed");
	for (k = 0; k < n; k++)
		pthread_join(s[k].th, NULL);
	t0 = s[0].t_first;
	t1 = s[0].t_last;
	for (k = 1; k < n; k++) {
		t0 = s[k].t_first < t0 ? s[k].t_first : t0;
		t1 = s[k].t_last > t1 ? s[k].t_last : t1;
	}
	records = (__u64)n * windows * flows;
	if (api) {
		http_init(&h);
		info = wait_stitched(&h, api, 0, 0, 600, 2000);
		t2 = now_ns();
		if (jint(info, "location_flows") != records ||
		    jint(info, "connected_flows") != (__u64)windows * flows ||
		    jint(info, "windows_trimmed"))
			die("the central holds %llu location flows, %llu connected flows, %llu "
			    "windows trimmed; want %llu, %llu, 0",
			    (unsigned long long)jint(info, "location_flows"),
			    (unsigned long long)jint(info, "connected_flows"),
			    (unsigned long long)jint(info, "windows_trimmed"),
			    (unsigned long long)records, (unsigned long long)windows * flows);
		/* Stitched as meant: every conversation joined at every sensor. */
		fl = http_json(&h, api, "/api/v1/flows?limit=20");
		for (size_t i = 0; i < json_array_size(fl); i++)
			if (jint(json_array_get(fl, i), "locations") != n)
				die("a connected flow with %llu locations, not %u",
				    (unsigned long long)jint(json_array_get(fl, i), "locations"), n);
		json_decref(fl);
	}
	for (k = 0; k < n; k++)
		close(s[k].fd);
	printf("strata sensors=%u windows=%u flows=%u records=%llu bytes=%llu encode_s=%.3f "
	       "stored_s=%.6f stored_rps=%.0f", n, windows, flows, (unsigned long long)records,
	       (unsigned long long)bytes, secs(enc1 - enc0), secs(t1 - t0), records / secs(t1 - t0));
	if (info)
		printf(" stitched_s=%.6f stitched_rps=%.0f stitch_after_s=%.6f lflows=%llu "
		       "cflows=%llu macroflows=%llu used_bytes=%llu", secs(t2 - t0),
		       records / secs(t2 - t0), secs(t2 - t1),
		       (unsigned long long)jint(info, "location_flows"),
		       (unsigned long long)jint(info, "connected_flows"),
		       (unsigned long long)jint(info, "macroflows"),
		       (unsigned long long)jint(info, "used_bytes"));
	printf("\n");
	/* When the last sensor's ack of each window came: where the time went. */
	printf("strata_windows acked_s=");
	for (w = 0; w < windows; w++) {
		__u64 t = 0;

		for (k = 0; k < n; k++)
			t = s[k].t_ack[w] > t ? s[k].t_ack[w] : t;
		printf("%s%.3f", w ? "," : "", secs(t - t0));
	}
	printf("\n");
	json_decref(info);
	return 0;
}

/* ---- nfcapd: the same flows as IPFIX biflows over UDP ---- */

/* A standard biflow record, as libfixbuf lays it out in memory. */
struct nfrec {
	__u64 start_ms, end_ms;
	__u64 pkts, octets, rpkts, roctets;
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct nfrec) == 64, "nfrec has padding");

/* Only elements of IANA's registry (and their RFC 5103 reverses), which nfcapd maps. */
static fbInfoElementSpec_t nf_spec[] = {
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "octetDeltaCount", 8, 0 },
	{ "reversePacketDeltaCount", 8, 0 },
	{ "reverseOctetDeltaCount", 8, 0 },
	{ "sourceIPv4Address", 4, 0 },
	{ "destinationIPv4Address", 4, 0 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "paddingOctets", 3, 1 },	/* in memory only */
	FB_IESPEC_NULL
};

#define NF_TID	256

/* The datagrams of one exporter (one sensor), in order. */
struct dgrams {
	struct bytes buf;
	size_t *off, *len, n, cap;
};

static void dgram_add(struct dgrams *d, const __u8 *p, size_t len)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 1024;
		d->off = realloc(d->off, d->cap * sizeof(*d->off));
		d->len = realloc(d->len, d->cap * sizeof(*d->len));
		if (!d->off || !d->len)
			die("out of memory");
	}
	d->off[d->n] = d->buf.n;
	d->len[d->n++] = len;
	if (bytes_add(&d->buf, p, len))
		die("out of memory");
}

static void gdie(GError *g, const char *what)
{
	die("libfixbuf: %s: %s", what, g ? g->message : "failed");
}

static void nf_emit(fBuf_t *fb, fbExporter_t *ex, const __u8 *msg, struct dgrams *d)
{
	GError *g = NULL;
	size_t len;

	if (!fBufEmit(fb, &g))
		gdie(g, "emit");
	len = fbExporterGetMsgLen(ex);
	if (len)
		dgram_add(d, msg, len);
}

/* Sensor @k's flows as datagrams of at most @mtu bytes, templates first. */
static void nf_encode(unsigned int k, unsigned int n, unsigned int windows, unsigned int flows,
		      size_t mtu, struct dgrams *d, __u64 *packets, __u64 *octets)
{
	fbInfoModel_t *model = fbInfoModelAlloc();
	fbSession_t *ses = fbSessionAlloc(model);
	__u8 *msg = xcalloc(1, mtu);
	fbExporter_t *ex = fbExporterAllocBuffer(msg, (uint16_t)mtu);
	fbTemplate_t *t;
	GError *g = NULL;
	struct strata_lflow lf;
	struct nfrec r;
	struct conv c;
	fBuf_t *fb;
	unsigned int w, i;

	fbSessionSetDomain(ses, k + 1);
	t = fbTemplateAlloc(model);
	if (!fbTemplateAppendSpecArray(t, nf_spec, 1, &g) ||
	    !fbSessionAddTemplate(ses, TRUE, NF_TID, t, &g))
		gdie(g, "internal template");
	t = fbTemplateAlloc(model);
	if (!fbTemplateAppendSpecArray(t, nf_spec, 0, &g) ||
	    !fbSessionAddTemplate(ses, FALSE, NF_TID, t, &g))
		gdie(g, "template");
	fb = fBufAllocForExport(ses, ex);
	if (!fbSessionExportTemplates(ses, &g))
		gdie(g, "templates");
	fBufSetAutomaticMode(fb, FALSE);
	nf_emit(fb, ex, msg, d);
	if (!fBufSetInternalTemplate(fb, NF_TID, &g) || !fBufSetExportTemplate(fb, NF_TID, &g))
		gdie(g, "set template");
	for (w = 0; w < windows; w++) {
		for (i = 0; i < flows; i++) {
			unsigned int cl;

			conv_gen(w, i, &c);
			/* The flow as sensor k saw it: its times, the same counts. */
			lflow_of(&c, BASE_NS + w * WIN_NS, k, n, &lf);
			cl = lf.f.initiator;
			memset(&r, 0, sizeof(r));
			r.start_ms = lf.f.dir[cl].first_ns / 1000000;
			r.end_ms = lf.f.dir[!cl].last_ns / 1000000;
			r.pkts = c.pkts[0];
			r.octets = c.bytes[0];
			r.rpkts = c.pkts[1];
			r.roctets = c.bytes[1];
			*packets += r.pkts + r.rpkts;
			*octets += r.octets + r.roctets;
			r.saddr = c.client;
			r.daddr = c.server;
			r.sport = c.cport;
			r.dport = c.sport;
			r.proto = 6;
			if (fBufAppend(fb, (uint8_t *)&r, sizeof(r), &g))
				continue;
			if (!g_error_matches(g, FB_ERROR_DOMAIN, FB_ERROR_EOM))
				gdie(g, "append");
			g_clear_error(&g);
			nf_emit(fb, ex, msg, d);
			if (!fBufAppend(fb, (uint8_t *)&r, sizeof(r), &g))
				gdie(g, "append");
		}
	}
	nf_emit(fb, ex, msg, d);
	fBufFree(fb);
	fbInfoModelFree(model);
	free(msg);
}

/* The encoder's messages become datagrams of the struct dgrams *arg points to. */
static int out_dgram(const __u8 *msg, size_t len, void *arg)
{
	dgram_add(arg, msg, len);
	return 0;
}

/*
 * Sensor @k's flows as strata's own records, the very ones run_strata()
 * sends (about 100 elements and 16 fingerprints each), in messages of at
 * most @mtu bytes, templates first: nfcapd reads the standard elements and
 * skips the rest.
 */
static void nf_encode_full(unsigned int k, unsigned int n, unsigned int windows,
			   unsigned int flows, size_t mtu, struct dgrams *d, __u64 *packets,
			   __u64 *octets)
{
	struct strata_lflow lf;
	struct strata_ipfix *x;
	struct conv c;
	char err[256];
	unsigned int w, i;
	int rc = 0;

	x = strata_ipfix_new_mtu(STRATA_IPFIX_PEN_DEFAULT, mtu, out_dgram, d, err, sizeof(err));
	if (!x)
		die("%s", err);
	for (w = 0; w < windows && !rc; w++) {
		for (i = 0; i < flows && !rc; i++) {
			conv_gen(w, i, &c);
			lflow_of(&c, BASE_NS + w * WIN_NS, k, n, &lf);
			*packets += c.pkts[0] + c.pkts[1];
			*octets += c.bytes[0] + c.bytes[1];
			rc = strata_ipfix_put_lflow(x, &lf, err, sizeof(err));
		}
	}
	if (!rc)
		rc = strata_ipfix_flush(x, err, sizeof(err));
	if (rc)
		die("sensor %u: encoding: %s", k, rc == -ENOMEM ? "out of memory" : err);
	strata_ipfix_free(x);
}

/*
 * nfcapd's socket on 127.0.0.1:@port in /proc/net/udp: its receive queue
 * (bytes the kernel holds for it, as it counts them) and its drops.
 * Return: false when there is no such socket.
 */
static bool udp_queue(unsigned int port, unsigned long *rxq, unsigned long *drops)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/net/udp", "re");

	if (!f)
		die("/proc/net/udp: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned int lport, sl;
		unsigned long txq, rq;
		char laddr[16], *p;

		if (sscanf(line, " %u: %15[0-9A-Fa-f]:%x %*s %*s %lx:%lx", &sl, laddr, &lport,
			   &txq, &rq) != 5 || lport != port)
			continue;
		/* drops: the last field. */
		p = line + strlen(line);
		while (p > line && (p[-1] == '\n' || p[-1] == ' '))
			*--p = 0;
		while (p > line && p[-1] != ' ')
			p--;
		*rxq = rq;
		*drops = strtoul(p, NULL, 10);
		found = true;
		break;
	}
	fclose(f);
	return found;
}

static int run_nfcapd(int argc, char **argv)
{
	unsigned int n = 4, windows = 10, flows = 20000, port = 0, k;
	unsigned long qmax = 1UL << 20, rxq = 0, drops0 = 0, drops1 = 0;
	size_t mtu = 1400, sent = 0, total = 0, *next;
	bool full = false;
	__u64 t0, t_sent, t_read, t_term, t_exit, bytes = 0, enc0, enc1, waits = 0;
	__u64 packets = 0, octets = 0;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct rusage ru;
	struct dgrams *d;
	int o, *fds, status;
	pid_t pid;

	while ((o = getopt(argc, argv, "Fu:n:w:f:s:q:")) != -1) {
		switch (o) {
		case 'F': full = true; break;
		case 'u': port = (unsigned int)num(optarg, "-u", 1, 65535); break;
		case 'n': n = (unsigned int)num(optarg, "-n", 1, 64); break;
		case 'w': windows = (unsigned int)num(optarg, "-w", 1, 1000); break;
		case 'f': flows = (unsigned int)num(optarg, "-f", 1, 1000000); break;
		case 's': mtu = num(optarg, "-s", 1024, 65000); break;
		case 'q': qmax = num(optarg, "-q", 65536, 1UL << 30); break;
		default: return 2;
		}
	}
	if (!port || optind >= argc)
		die("nfcapd: -u PORT -- NFCAPD ARGS... needed");
	d = xcalloc(n, sizeof(*d));
	enc0 = now_ns();
	for (k = 0; k < n; k++) {
		if (full)
			nf_encode_full(k, n, windows, flows, mtu, &d[k], &packets, &octets);
		else
			nf_encode(k, n, windows, flows, mtu, &d[k], &packets, &octets);
		total += d[k].n;
		bytes += d[k].buf.n;
	}
	enc1 = now_ns();

	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	child = pid;
	if (!pid) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "central-gen: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	/* Listening: its socket is in /proc/net/udp. */
	for (k = 0; !udp_queue(port, &rxq, &drops0); k++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			child = 0;
			die("%s exited (status %d) before listening on port %u", argv[optind],
			    status, port);
		}
		if (k == 1000)
			die("%s: not listening on port %u after 10 s", argv[optind], port);
		usleep(10000);
	}
	fds = xcalloc(n, sizeof(*fds));
	next = xcalloc(n, sizeof(*next));
	to.sin_port = htons((__u16)port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (k = 0; k < n; k++) {
		fds[k] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[k] < 0 || connect(fds[k], (struct sockaddr *)&to, sizeof(to)))
			die("udp socket: %s", strerror(errno));
	}

	/* The exporters take turns, a datagram each; nfcapd's queue paces them. */
	t0 = now_ns();
	while (sent < total) {
		for (k = 0; k < n; k++) {
			struct dgrams *x = &d[k];

			if (next[k] == x->n)
				continue;
			if (send(fds[k], x->buf.p + x->off[next[k]], x->len[next[k]], 0) < 0)
				die("udp send: %s", strerror(errno));
			next[k]++;
			if (++sent % 16)
				continue;
			while (udp_queue(port, &rxq, &drops1) && rxq > qmax) {
				waits++;
				usleep(50);
			}
		}
	}
	t_sent = now_ns();
	/* Until nfcapd has read every datagram (or died). */
	while (udp_queue(port, &rxq, &drops1) && rxq > 0)
		usleep(100);
	t_read = now_ns();
	t_term = now_ns();
	if (kill(pid, SIGTERM))
		die("kill nfcapd: %s", strerror(errno));
	if (wait4(pid, &status, 0, &ru) != pid)
		die("wait4: %s", strerror(errno));
	t_exit = now_ns();
	child = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("nfcapd exited with status %d", status);
	printf("nfcapd sensors=%u windows=%u flows=%u records=%llu packets=%llu octets=%llu "
	       "records_of=%s datagrams=%zu bytes=%llu mtu=%zu encode_s=%.3f sent_s=%.6f read_s=%.6f written_s=%.6f term_s=%.6f "
	       "read_rps=%.0f cpu_s=%.3f pace_waits=%llu udp_drops=%lu\n", n, windows, flows,
	       (unsigned long long)n * windows * flows, (unsigned long long)packets,
	       (unsigned long long)octets, full ? "strata" : "nfcapd", total,
	       (unsigned long long)bytes, mtu,
	       secs(enc1 - enc0), secs(t_sent - t0), secs(t_read - t0), secs(t_exit - t0),
	       secs(t_exit - t_term), (double)n * windows * flows / secs(t_read - t0),
	       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       (unsigned long long)waits, drops1 - drops0);
	return 0;
}

/* ---- drill-down: a connected flow's packets from every sensor on its path ---- */

static int run_drill(int argc, char **argv)
{
	const char *api = NULL;
	unsigned int reqs = 200, nsensors = 0, i;
	__u64 through = 0, seed = 1;
	json_t *info, *flows;
	struct http h;
	size_t nf;
	int o;

	while ((o = getopt(argc, argv, "a:r:n:T:S:")) != -1) {
		switch (o) {
		case 'a': api = optarg; break;
		case 'r': reqs = (unsigned int)num(optarg, "-r", 1, 100000); break;
		case 'n': nsensors = (unsigned int)num(optarg, "-n", 1, 64); break;
		case 'T': through = strtoull(optarg, NULL, 10); break;
		case 'S': seed = num(optarg, "-S", 0, ~0UL); break;
		default: return 2;
		}
	}
	if (!api)
		die("drill: -a URL missing");
	http_init(&h);
	info = wait_stitched(&h, api, nsensors, through, 300, 100000);
	printf("info lflows=%llu cflows=%llu sensors=%llu\n",
	       (unsigned long long)jint(info, "location_flows"),
	       (unsigned long long)jint(info, "connected_flows"),
	       (unsigned long long)jint(info, "sensors"));
	json_decref(info);
	flows = http_json(&h, api, "/api/v1/flows?limit=100000");
	nf = json_array_size(flows);
	if (!nf)
		die("drill: no connected flow");
	for (i = 0; i < reqs; i++) {
		json_t *f = json_array_get(flows, rnd(&seed) % nf), *path, *hop, *ans, *locs, *l;
		const char *id = json_string_value(json_object_get(f, "id"));
		__u64 want = 0, one = 0, t0, t1, t2;
		size_t j, got;
		long st;

		path = json_object_get(f, "path");
		json_array_foreach(path, j, hop) {
			json_t *p = json_object_get(hop, "packets");
			__u64 x = (__u64)json_integer_value(json_array_get(p, 0)) +
				  (__u64)json_integer_value(json_array_get(p, 1));

			want += x;
			if (!j)
				one = x;
		}
		t0 = now_ns();
		st = http_get(&h, api, "/api/v1/flows/%s/packets", id);
		t1 = now_ns();
		if (st != 200 || h.partial)
			die("GET %s: status %ld%s: %.200s", h.url, st, h.partial ? " (partial)" : "",
			    (char *)h.body.p);
		ans = json_loadb((char *)h.body.p, h.body.n, 0, NULL);
		locs = json_object_get(ans, "locations");
		got = json_array_size(json_object_get(ans, "packets"));
		json_array_foreach(locs, j, l)
			if (strcmp(json_string_value(json_object_get(l, "status")) ?: "", "ok"))
				die("GET %s: location %zu: not ok", h.url, j);
		if (got != want || json_array_size(locs) != json_array_size(path))
			die("GET %s: %zu packets from %zu locations; the path counts %llu at %zu",
			    h.url, got, json_array_size(locs), (unsigned long long)want,
			    json_array_size(path));
		json_decref(ans);
		t2 = now_ns();
		st = http_get(&h, api, "/api/v1/flows/%s/packets?format=pcapng", id);
		t2 = now_ns() - t2;
		if (st != 200 || h.partial || h.body.n < 28 ||
		    memcmp(h.body.p, "\x0a\x0d\x0d\x0a", 4))
			die("GET %s: status %ld%s, %zu bytes: not a pcapng", h.url, st,
			    h.partial ? " (partial)" : "", h.body.n);
		printf("req n=%u id=%s proto=%s client=%s client_port=%llu server=%s server_port=%llu "
		       "window_ns=%llu locations=%zu packets=%llu one=%llu json_us=%.0f "
		       "pcapng_us=%.0f pcapng_bytes=%zu\n", i, id,
		       json_string_value(json_object_get(f, "proto")),
		       json_string_value(json_object_get(f, "client")),
		       (unsigned long long)jint(f, "client_port"),
		       json_string_value(json_object_get(f, "server")),
		       (unsigned long long)jint(f, "server_port"),
		       (unsigned long long)jint(f, "window_start_ns"), json_array_size(path),
		       (unsigned long long)want, (unsigned long long)one,
		       (t1 - t0) / 1e3, t2 / 1e3, h.body.n);
	}
	json_decref(flows);
	return 0;
}

/* ---- decoding alone ---- */

static int count_lflow(const struct strata_lflow *lf, void *arg)
{
	(void)lf;
	++*(__u64 *)arg;
	return 0;
}

static int run_decode(int argc, char **argv)
{
	struct sensor s = { .k = 0, .n = 1, .windows = 10, .flows = 20000, .token = "" };
	const struct strata_ipfix_sink sink = { .lflow = count_lflow };
	struct strata_ipfix *x;
	__u64 got = 0, bytes = 0, t0, t1;
	char err[256];
	unsigned int w;
	int o;

	while ((o = getopt(argc, argv, "w:f:")) != -1) {
		switch (o) {
		case 'w': s.windows = (unsigned int)num(optarg, "-w", 1, 1000); break;
		case 'f': s.flows = (unsigned int)num(optarg, "-f", 1, 1000000); break;
		default: return 2;
		}
	}
	s.win = xcalloc(s.windows, sizeof(*s.win));
	encode(&s);
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, NULL, NULL, err, sizeof(err));
	if (!x)
		die("%s", err);
	t0 = now_ns();
	for (w = 0; w <= s.windows; w++) {
		const struct bytes *b = w ? &s.win[w - 1] : &s.hello;
		size_t off = 0;

		while (off < b->n) {
			int len = strata_ipfix_msg_len(b->p + off);

			if (len < 0 || strata_ipfix_decode(x, b->p + off, (size_t)len, &sink, &got,
							   err, sizeof(err)) < 0)
				die("decode: %s", len < 0 ? "not a message" : err);
			off += (size_t)len;
		}
		bytes += b->n;
	}
	t1 = now_ns();
	if (got != (__u64)s.windows * s.flows)
		die("decode: %llu location flows of %llu", (unsigned long long)got,
		    (unsigned long long)s.windows * s.flows);
	printf("decode records=%llu bytes=%llu s=%.6f ns_per_record=%.0f rps=%.0f\n",
	       (unsigned long long)got, (unsigned long long)bytes, secs(t1 - t0),
	       (double)(t1 - t0) / got, got / secs(t1 - t0));
	strata_ipfix_free(x);
	return 0;
}

/* ---- a TCP stream over loopback doing nothing else ---- */

struct lo_send {
	char addr[32];
	size_t mib;
};

static void *lo_sender(void *arg)
{
	struct lo_send *ls = arg;
	__u8 *buf = xcalloc(1, 1 << 20);
	int fd = tcp_connect(ls->addr);
	size_t i;

	for (i = 0; i < ls->mib; i++)
		send_all(fd, buf, 1 << 20);
	close(fd);
	free(buf);
	return NULL;
}

static int run_loopback(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	struct lo_send ls = { .mib = 4096 };
	__u8 *buf = xcalloc(1, 1 << 20);
	__u64 got = 0, t0 = 0, t1;
	pthread_t th;
	ssize_t r;
	int o, l, fd;

	while ((o = getopt(argc, argv, "m:")) != -1) {
		if (o != 'm')
			return 2;
		ls.mib = num(optarg, "-m", 1, 1 << 20);
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		die("loopback: %s", strerror(errno));
	snprintf(ls.addr, sizeof(ls.addr), "127.0.0.1:%u", ntohs(a.sin_port));
	if (pthread_create(&th, NULL, lo_sender, &ls))
		die("pthread_create failed");
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		die("loopback: accept: %s", strerror(errno));
	while ((r = recv(fd, buf, 1 << 20, 0)) > 0) {
		if (!got)
			t0 = now_ns();
		got += (__u64)r;
	}
	t1 = now_ns();
	if (r < 0)
		die("loopback: recv: %s", strerror(errno));
	pthread_join(th, NULL);
	if (got != (__u64)ls.mib << 20)
		die("loopback: %llu bytes of %zu MiB", (unsigned long long)got, ls.mib);
	printf("loopback bytes=%llu s=%.6f mbps=%.0f\n", (unsigned long long)got, secs(t1 - t0),
	       got / secs(t1 - t0) / 1e6);
	close(fd);
	close(l);
	free(buf);
	return 0;
}

/* ---- a free port ---- */

static int run_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int t, u, tries;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Free for TCP and UDP both. */
	for (tries = 0; tries < 100; tries++) {
		a.sin_port = 0;
		t = socket(AF_INET, SOCK_STREAM, 0);
		if (t < 0 || bind(t, (struct sockaddr *)&a, sizeof(a)) ||
		    getsockname(t, (struct sockaddr *)&a, &al))
			die("port: %s", strerror(errno));
		u = socket(AF_INET, SOCK_DGRAM, 0);
		if (u >= 0 && !bind(u, (struct sockaddr *)&a, sizeof(a))) {
			printf("%u\n", ntohs(a.sin_port));
			close(u);
			close(t);
			return 0;
		}
		if (u >= 0)
			close(u);
		close(t);
	}
	die("port: none free");
	return 1;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: central-gen strata|nfcapd|drill|port|decode|loopback [OPTIONS] (see its source)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(argv[1], "strata"))
		rc = run_strata(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "nfcapd"))
		rc = run_nfcapd(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "drill"))
		rc = run_drill(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "port"))
		rc = run_port();
	else if (!strcmp(argv[1], "decode"))
		rc = run_decode(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "loopback"))
		rc = run_loopback(argc - 1, argv + 1);
	else
		rc = 2;
	if (rc == 2)
		fprintf(stderr, "usage: central-gen strata|nfcapd|drill|port|decode|loopback [OPTIONS] (see its source)\n");
	curl_global_cleanup();
	return rc;
}
