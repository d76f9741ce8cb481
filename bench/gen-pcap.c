// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * A deterministic synthetic Ethernet capture for the benchmarks: web (HTTP and
 * TLS-like) TCP conversations, long-lived push connections, DNS, ICMP, ARP.
 *
 * The traffic is seen from a mirror port at the clients' gateway: a client's
 * packets appear as it sends them, a server's one round trip later. Every
 * conversation is generated whole (as packet descriptors), all descriptors are
 * sorted by time, and the first N are written as frames. Conversations start
 * before the capture does, so it opens mid-stream like a real one; it ends
 * mid-stream too (the cut at N packets).
 *
 * Nothing depends on the machine but libm's log/exp/cos: a fixed seed gives
 * the same file. -c CAPLEN cuts each frame as written (as tcpdump -s does:
 * the record keeps the frame's length, the file header says CAPLEN); the
 * traffic, and so every byte that is written, stays the same.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define US		1LL
#define MS		(1000 * US)
#define SEC		(1000 * MS)

#define NCLIENT		4000
#define NSERVER		600
#define NOBJ		4000
#define NBGNAME		3000
#define POOL_SIZE	(12u << 20)
#define OBJ_MAX		(4u << 20)
#define HIST_SEC	8192	/* per-second packet counts, for the stop rule */
#define EPOCH		1767225600LL	/* 2026-01-01 00:00:00 UTC */
#define CAPLEN_MIN	14		/* an Ethernet header */
#define CAPLEN_MAX	262144		/* libpcap's largest snapshot length */

/* What a descriptor becomes when written out. */
enum ptype {
	P_TCP,		/* TCP without payload */
	P_TCP_SYN,	/* SYN or SYN-ACK with the handshake options */
	P_TCP_SACK,	/* pure ACK with one SACK block [aux, extra) */
	P_DATA,		/* TCP payload from the pool at aux */
	P_HTTP_REQ,	/* an HTTP GET for object extra */
	P_HTTP_RESP,	/* HTTP response header, then the pool at aux */
	P_DNS_Q,	/* DNS query: id in seq, name in aux, qtype in ack */
	P_DNS_R,	/* DNS response: as the query, rcode | ancount << 8 in extra */
	P_ICMP_REQ,	/* echo request, sequence number in seq */
	P_ICMP_REP,	/* echo reply */
	P_ARP_REQ,
	P_ARP_REP,
};

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

/* One packet to be: 40 bytes, so a million of them stay small. */
struct desc {
	int64_t ts;		/* µs from the capture's start */
	uint32_t serial;	/* generation order: breaks ties in causal order */
	uint32_t conv;
	uint32_t seq;
	uint32_t ack;
	uint32_t aux;
	uint32_t extra;
	uint16_t len;		/* payload bytes */
	uint8_t flags;		/* TCP flags */
	uint8_t dir;		/* 0 client to server, 1 back */
	uint8_t ptype;
	uint8_t pad[3];
};

enum ckind { C_TCP, C_DNS, C_ICMP, C_ARP };

/* Side 0 is the client (it is behind the gateway), side 1 the server. */
struct conv {
	uint8_t kind;
	uint8_t family;
	uint8_t tcp_ts;		/* TCP timestamps negotiated */
	uint8_t wscale;
	uint8_t addr[2][16];
	uint8_t mac[2][6];	/* side 0's MAC, and the MAC that faces it */
	uint16_t port[2];
	uint8_t ttl[2];
	uint8_t tos;
	uint16_t ipid[2];
	uint16_t win[2];
	uint16_t mss;
	uint32_t flowlabel[2];
	uint32_t tsoff[2];
	uint32_t rtt;		/* µs */
	uint32_t cookie;	/* seeds the client's HTTP cookie */
	uint32_t server;
	int64_t first, last;	/* emitted range, for the concurrency figure */
	uint64_t emitted;
};

struct rng {
	uint64_t s[4];
};

struct obj {
	uint32_t off;
	uint32_t size;
};

struct gen {
	struct rng r;
	struct desc *d;
	size_t nd, capd;
	struct conv *c;
	size_t nc, capc;
	uint32_t serial;
	uint64_t hist[HIST_SEC];
	uint8_t *pool;
	struct obj obj[NOBJ];
	double objcdf[NOBJ];
	double srvcdf[NSERVER];
	uint8_t client_v6ok[NCLIENT];
	uint8_t client_win[NCLIENT];	/* Windows-like stack: no timestamps, TTL 128 */
	uint64_t retrans;		/* retransmitted segments generated */
};

static const uint8_t gw_mac[6] = { 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x01 };
static const uint8_t dns_mac[6] = { 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x35 };

/* ---- random numbers: xoshiro256**, seeded by splitmix64 ---- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnd(r) >> 32) * n) >> 32);
}

static uint32_t range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static double unit(struct rng *r)
{
	return (double)(rnd(r) >> 11) * 0x1.0p-53;
}

static int chance(struct rng *r, double p)
{
	return unit(r) < p;
}

static int64_t expo(struct rng *r, double mean)
{
	return (int64_t)(-log(1.0 - unit(r)) * mean);
}

/* Log-normal around @median, clipped to [lo, hi]. */
static double lognorm(struct rng *r, double median, double sigma, double lo,
		      double hi)
{
	double u1 = 1.0 - unit(r), u2 = unit(r);
	double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	double x = median * exp(sigma * z);

	return x < lo ? lo : x > hi ? hi : x;
}

static uint32_t pick_cdf(struct rng *r, const double *cdf, uint32_t n)
{
	double u = unit(r) * cdf[n - 1];
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- descriptors and conversations ---- */

static void *grow(void *p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 65536;
	p = realloc(p, *cap * elem);
	if (!p) {
		fprintf(stderr, "gen-pcap: out of memory\n");
		exit(1);
	}
	return p;
}

/* Packets before the capture's start are dropped: it opens mid-stream. */
static void add(struct gen *g, int64_t ts, uint32_t conv, int dir, int pt,
		int flags, uint32_t seq, uint32_t ack, uint32_t len,
		uint32_t aux, uint32_t extra)
{
	struct desc *d;
	int64_t s;

	if (ts < 0)
		return;
	g->d = grow(g->d, &g->capd, g->nd, sizeof(*g->d));
	d = &g->d[g->nd++];
	memset(d, 0, sizeof(*d));
	d->ts = ts;
	d->serial = g->serial++;
	d->conv = conv;
	d->dir = (uint8_t)dir;
	d->ptype = (uint8_t)pt;
	d->flags = (uint8_t)flags;
	d->seq = seq;
	d->ack = ack;
	d->len = (uint16_t)len;
	d->aux = aux;
	d->extra = extra;
	s = ts / SEC;
	g->hist[s < HIST_SEC ? s : HIST_SEC - 1]++;
}

static void client_addr(struct conv *c, uint32_t i, int family)
{
	if (family == 4) {
		c->addr[0][0] = 10;
		c->addr[0][1] = (uint8_t)(1 + i / 250 / 250);
		c->addr[0][2] = (uint8_t)(i / 250 % 250);
		c->addr[0][3] = (uint8_t)(2 + i % 250);
	} else {
		static const uint8_t p[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };

		memcpy(c->addr[0], p, 8);
		c->addr[0][8] = 0x02;
		c->addr[0][9] = 0x1b;
		c->addr[0][12] = (uint8_t)(i >> 24);
		c->addr[0][13] = (uint8_t)(i >> 16);
		c->addr[0][14] = (uint8_t)(i >> 8);
		c->addr[0][15] = (uint8_t)i;
	}
	c->mac[0][0] = 0x02;
	c->mac[0][1] = 0x42;
	c->mac[0][2] = (uint8_t)(i >> 24);
	c->mac[0][3] = (uint8_t)(i >> 16);
	c->mac[0][4] = (uint8_t)(i >> 8);
	c->mac[0][5] = (uint8_t)i;
}

static void server_addr(uint8_t *a, uint32_t j, int family)
{
	memset(a, 0, 16);
	if (family == 4) {
		a[0] = 198;
		a[1] = (uint8_t)(18 + j / 250 / 250);
		a[2] = (uint8_t)(j / 250 % 250);
		a[3] = (uint8_t)(1 + j % 250);
	} else {
		static const uint8_t p[6] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0 };

		memcpy(a, p, 6);
		a[12] = (uint8_t)(j >> 24);
		a[13] = (uint8_t)(j >> 16);
		a[14] = (uint8_t)(j >> 8);
		a[15] = (uint8_t)(1 + j);
	}
}

static uint32_t new_conv(struct gen *g, int kind, int family, uint32_t client)
{
	struct rng *r = &g->r;
	struct conv *c;

	g->c = grow(g->c, &g->capc, g->nc, sizeof(*g->c));
	c = &g->c[g->nc];
	memset(c, 0, sizeof(*c));
	c->kind = (uint8_t)kind;
	c->family = (uint8_t)family;
	client_addr(c, client, family);
	memcpy(c->mac[1], gw_mac, 6);
	c->port[0] = (uint16_t)range(r, 32768, 60999);
	c->ttl[0] = g->client_win[client] ? 128 : 64;
	c->ttl[1] = (uint8_t)(chance(r, 0.7) ? 64 - range(r, 4, 18) :
			      chance(r, 0.8) ? 128 - range(r, 4, 18) :
					       255 - range(r, 4, 18));
	c->ipid[0] = (uint16_t)rnd(r);
	c->ipid[1] = (uint16_t)rnd(r);
	c->flowlabel[0] = (uint32_t)rnd(r) & 0xfffff;
	c->flowlabel[1] = (uint32_t)rnd(r) & 0xfffff;
	c->tsoff[0] = (uint32_t)rnd(r);
	c->tsoff[1] = (uint32_t)rnd(r);
	c->tcp_ts = !g->client_win[client];
	c->cookie = client * 2654435761u;
	c->first = -1;
	return (uint32_t)g->nc++;
}

/* ---- TCP ---- */

struct tcp {
	struct gen *g;
	uint32_t conv;
	uint32_t cseq, sseq;	/* next sequence number of each side */
	int64_t rtt;
	int64_t spacing;	/* µs between full segments at the bottleneck */
	uint32_t cwnd;		/* segments per round trip, slow start */
	int64_t idle_since;
	int http;
};

/* A client stack's reaction time to what it receives. */
static int64_t host_delay(struct rng *r)
{
	return range(r, 15, 250);
}

static int64_t rto(const struct tcp *t)
{
	return t->rtt + 200 * MS;
}

static int64_t tcp_handshake(struct tcp *t, int64_t ts)
{
	struct gen *g = t->g;
	uint32_t ciss = (uint32_t)rnd(&g->r), siss = (uint32_t)rnd(&g->r);

	/* A SYN lost on the way out is sent again after the 1 s initial RTO. */
	if (chance(&g->r, 0.004)) {
		add(g, ts, t->conv, 0, P_TCP_SYN, F_SYN, ciss, 0, 0, 0, 0);
		ts += 1 * SEC;
		g->retrans++;
	}
	add(g, ts, t->conv, 0, P_TCP_SYN, F_SYN, ciss, 0, 0, 0, 0);
	ts += t->rtt;
	add(g, ts, t->conv, 1, P_TCP_SYN, F_SYN | F_ACK, siss, ciss + 1, 0, 0, 0);
	ts += host_delay(&g->r);
	add(g, ts, t->conv, 0, P_TCP, F_ACK, ciss + 1, siss + 1, 0, 0, 0);
	t->cseq = ciss + 1;
	t->sseq = siss + 1;
	t->cwnd = 10;
	t->idle_since = ts;
	return ts;
}

struct seg {
	int active;
	int64_t ts;
	uint32_t seq, len, aux, extra;
	int pt, flags;
	int dupacks;
};

/*
 * One request and its response starting at @ts; returns when the last packet
 * of it was seen. The response is paced by slow start (cwnd doubles each round
 * trip from 10) and then by the path's bottleneck; the client ACKs every second
 * segment. A segment lost before the mirror port leaves a hole: the client
 * answers each later segment with a duplicate ACK carrying a SACK block, and
 * the retransmission comes one round trip after the third (or after the RTO).
 * A segment lost after the mirror port is seen twice, the copy answered with a
 * D-SACK.
 */
static int64_t tcp_exchange(struct tcp *t, int64_t ts, uint32_t reqlen,
			    uint32_t obj, uint32_t resplen, uint32_t respoff)
{
	struct gen *g = t->g;
	struct conv *c = &g->c[t->conv];
	struct rng *r = &g->r;
	uint32_t mss = c->mss, off, rcv_nxt, rcv_high, unacked = 0, in_round = 0;
	int64_t proc, tseg, tprev, round_start, last;
	struct seg hole = { 0 }, dup = { 0 };

	if (ts - t->idle_since > rto(t))
		t->cwnd = 10;	/* slow start restart after idle */

	/* The request: one or more client segments, PSH on the last. */
	for (off = 0; off < reqlen;) {
		uint32_t n = reqlen - off < mss ? reqlen - off : mss;
		int pt = t->http && off == 0 ? P_HTTP_REQ : P_DATA;

		add(g, ts, t->conv, 0, pt, F_ACK | (off + n == reqlen ? F_PSH : 0),
		    t->cseq + off, t->sseq, n, below(r, POOL_SIZE - 1500), obj);
		off += n;
		if (off < reqlen)
			ts += range(r, 2, 20);
	}
	t->cseq += reqlen;

	/* The server answers after its processing time; a slow one ACKs first. */
	proc = (int64_t)lognorm(r, 2.0 * MS, 1.2, 100, 400 * MS);
	if (proc > 40 * MS)
		add(g, ts + t->rtt + 40 * MS, t->conv, 1, P_TCP, F_ACK, t->sseq,
		    t->cseq, 0, 0, 0);
	tseg = ts + t->rtt + proc;
	round_start = tseg;
	tprev = tseg;
	rcv_nxt = rcv_high = t->sseq;
	last = tseg;

	for (off = 0; off < resplen;) {
		uint32_t n = resplen - off < mss ? resplen - off : mss;
		uint32_t seq = t->sseq + off;
		int pt = t->http && off == 0 ? P_HTTP_RESP : P_DATA;
		int flags = F_ACK | (off + n == resplen ? F_PSH : 0);
		uint32_t aux = respoff + off;

		if (off) {
			tseg = tprev + t->spacing * n / mss + range(r, 0, 8);
			if (in_round >= t->cwnd) {
				if (tseg < round_start + t->rtt)
					tseg = round_start + t->rtt;
				round_start = tseg;
				in_round = 0;
				t->cwnd = t->cwnd < 4096 ? t->cwnd * 2 : t->cwnd;
			}
		}
		if (hole.active && hole.ts <= tseg) {
			/* The retransmission fills the hole: one cumulative ACK. */
			add(g, hole.ts, t->conv, 1, hole.pt, hole.flags, hole.seq,
			    t->cseq, hole.len, hole.aux, hole.extra);
			rcv_nxt = rcv_high;
			add(g, hole.ts + host_delay(r), t->conv, 0, P_TCP, F_ACK,
			    t->cseq, rcv_nxt, 0, 0, 0);
			hole.active = 0;
			unacked = 0;
			g->retrans++;
		}
		if (dup.active && dup.ts <= tseg) {
			add(g, dup.ts, t->conv, 1, dup.pt, dup.flags, dup.seq,
			    t->cseq, dup.len, dup.aux, dup.extra);
			add(g, dup.ts + host_delay(r), t->conv, 0, P_TCP_SACK, F_ACK,
			    t->cseq, rcv_nxt, 0, dup.seq, dup.seq + dup.len);
			dup.active = 0;
			g->retrans++;
		}
		if (off && !hole.active && off + n < resplen && chance(r, 0.003)) {
			hole = (struct seg){ 1, tseg + rto(t), seq, n, aux, resplen,
					     pt, flags, 0 };
		} else if (hole.active) {
			add(g, tseg, t->conv, 1, pt, flags, seq, t->cseq, n, aux,
			    resplen);
			rcv_high = seq + n;
			add(g, tseg + host_delay(r), t->conv, 0, P_TCP_SACK, F_ACK,
			    t->cseq, hole.seq, 0, hole.seq + hole.len, rcv_high);
			if (++hole.dupacks == 3 && tseg + t->rtt < hole.ts)
				hole.ts = tseg + t->rtt;
		} else {
			add(g, tseg, t->conv, 1, pt, flags, seq, t->cseq, n, aux,
			    resplen);
			rcv_nxt = rcv_high = seq + n;
			if (++unacked == 2) {
				add(g, tseg + host_delay(r), t->conv, 0, P_TCP,
				    F_ACK, t->cseq, rcv_nxt, 0, 0, 0);
				unacked = 0;
			}
			if (!dup.active && chance(r, 0.002))
				dup = (struct seg){ 1, tseg + rto(t), seq, n, aux,
						    resplen, pt, flags, 0 };
		}
		in_round++;
		off += n;
		tprev = tseg;
		last = tseg;
	}
	if (hole.active) {
		add(g, hole.ts, t->conv, 1, hole.pt, hole.flags, hole.seq,
		    t->cseq, hole.len, hole.aux, hole.extra);
		rcv_nxt = rcv_high;
		last = hole.ts + host_delay(r);
		add(g, last, t->conv, 0, P_TCP, F_ACK, t->cseq, rcv_nxt, 0, 0, 0);
		unacked = 0;
		g->retrans++;
	}
	if (unacked) {
		/* A lone last segment waits for the delayed-ACK timer. */
		last += 40 * MS;
		add(g, last, t->conv, 0, P_TCP, F_ACK, t->cseq, rcv_nxt, 0, 0, 0);
	}
	if (dup.active) {
		if (dup.ts <= last)
			dup.ts = last + range(r, 1, 5) * MS;
		add(g, dup.ts, t->conv, 1, dup.pt, dup.flags, dup.seq, t->cseq,
		    dup.len, dup.aux, dup.extra);
		last = dup.ts + host_delay(r);
		add(g, last, t->conv, 0, P_TCP_SACK, F_ACK, t->cseq, rcv_nxt, 0,
		    dup.seq, dup.seq + dup.len);
		g->retrans++;
	}
	t->sseq += resplen;
	t->idle_since = last;
	return last;
}

/* Teardown: mostly the client closes, sometimes the server, rarely a reset. */
static int64_t tcp_close(struct tcp *t, int64_t ts)
{
	struct gen *g = t->g;
	double u = unit(&g->r);

	if (u < 0.04) {
		add(g, ts, t->conv, 0, P_TCP, F_RST | F_ACK, t->cseq, t->sseq, 0,
		    0, 0);
		return ts;
	}
	if (u < 0.65) {
		add(g, ts, t->conv, 0, P_TCP, F_FIN | F_ACK, t->cseq, t->sseq, 0,
		    0, 0);
		ts += t->rtt;
		add(g, ts, t->conv, 1, P_TCP, F_FIN | F_ACK, t->sseq, t->cseq + 1,
		    0, 0, 0);
		ts += host_delay(&g->r);
		add(g, ts, t->conv, 0, P_TCP, F_ACK, t->cseq + 1, t->sseq + 1, 0,
		    0, 0);
		return ts;
	}
	add(g, ts, t->conv, 1, P_TCP, F_FIN | F_ACK, t->sseq, t->cseq, 0, 0, 0);
	ts += host_delay(&g->r);
	add(g, ts, t->conv, 0, P_TCP, F_ACK, t->cseq, t->sseq + 1, 0, 0, 0);
	ts += range(&g->r, 100, 3000);
	add(g, ts, t->conv, 0, P_TCP, F_FIN | F_ACK, t->cseq, t->sseq + 1, 0,
	    0, 0);
	ts += t->rtt;
	add(g, ts, t->conv, 1, P_TCP, F_ACK, t->sseq + 1, t->cseq + 1, 0, 0, 0);
	return ts;
}

/* ---- DNS ---- */

static uint32_t dns_conv(struct gen *g, uint32_t client, int family)
{
	uint32_t k = new_conv(g, C_DNS, family, client);
	struct conv *c = &g->c[k];

	if (family == 4) {
		memset(c->addr[1], 0, 16);
		c->addr[1][0] = 10;
		c->addr[1][3] = 53;
	} else {
		static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };

		memcpy(c->addr[1], a, 16);
	}
	memcpy(c->mac[1], dns_mac, 6);
	c->port[1] = 53;
	c->ttl[1] = 64;
	return k;
}

/*
 * One lookup: the resolver answers from its cache in a millisecond or after
 * asking upstream; a few names do not exist, and one query in a hundred is
 * lost and asked again after a second with the same id.
 */
static int64_t dns_lookup(struct gen *g, int64_t ts, uint32_t client,
			  int family, uint32_t name, int qtype)
{
	struct rng *r = &g->r;
	uint32_t k = dns_conv(g, client, family);
	uint32_t id = below(r, 65536), rcode = 0, an = range(r, 1, 3);
	int64_t wait = chance(r, 0.6) ? range(r, 300, 2000) :
		       (int64_t)lognorm(r, 25.0 * MS, 0.8, 2 * MS, 500 * MS);

	if (chance(r, 0.03)) {
		rcode = 3;
		an = 0;
	}
	if (chance(r, 0.01)) {
		add(g, ts, k, 0, P_DNS_Q, 0, id, (uint32_t)qtype, 0, name, 0);
		ts += 1 * SEC;
	}
	add(g, ts, k, 0, P_DNS_Q, 0, id, (uint32_t)qtype, 0, name, 0);
	ts += wait;
	add(g, ts, k, 1, P_DNS_R, 0, id, (uint32_t)qtype, 0, name,
	    rcode | an << 8);
	return ts;
}

/* ---- conversations ---- */

static uint32_t tcp_conv(struct gen *g, uint32_t client, int family,
			 uint32_t server, uint16_t port)
{
	uint32_t k = new_conv(g, C_TCP, family, client);
	struct conv *c = &g->c[k];
	struct rng *r = &g->r;

	server_addr(c->addr[1], server, family);
	c->port[1] = port;
	c->server = server;
	c->rtt = (uint32_t)lognorm(r, 30.0 * MS, 0.8, 1 * MS, 400 * MS);
	c->mss = (uint16_t)((family == 4 ? 1460 : 1440) - (c->tcp_ts ? 12 : 0));
	c->wscale = 7;
	c->win[0] = (uint16_t)range(r, 500, 4000);
	c->win[1] = (uint16_t)range(r, 200, 2000);
	c->tos = chance(r, 0.1) ? 0x28 : 0;
	return k;
}

static void tcp_setup(struct tcp *t, struct gen *g, uint32_t k, int http)
{
	struct conv *c = &g->c[k];
	double mbps = lognorm(&g->r, 20.0, 1.2, 1.0, 900.0);

	memset(t, 0, sizeof(*t));
	t->g = g;
	t->conv = k;
	t->rtt = c->rtt;
	t->spacing = (int64_t)((c->mss + 66) * 8 / mbps);
	if (t->spacing < 1)
		t->spacing = 1;
	t->http = http;
}

static int pick_family(struct gen *g, uint32_t client)
{
	return g->client_v6ok[client] && chance(&g->r, 0.4) ? 6 : 4;
}

#define HTTP_RESP_FMT							\
	"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 01 Jan 2026 "	\
	"00:00:00 GMT\r\nContent-Type: application/octet-stream\r\n"	\
	"Content-Length: %u\r\nCache-Control: max-age=86400\r\n"		\
	"Connection: keep-alive\r\n\r\n"

/*
 * A browser-like connection: a lookup, the handshake, a TLS handshake (for
 * port 443), a few requests with think times between them, an idle keep-alive
 * period, the close.
 */
static void gen_web(struct gen *g, int64_t ts)
{
	struct rng *r = &g->r;
	uint32_t client = below(r, NCLIENT);
	uint32_t server = pick_cdf(r, g->srvcdf, NSERVER);
	int family = pick_family(g, client), https = chance(r, 0.7);
	uint32_t k, nreq;
	struct tcp t;

	if (chance(r, 0.75))
		ts = dns_lookup(g, ts, client, pick_family(g, client), server,
				family == 4 ? 1 : 28) + range(r, 50, 500);
	k = tcp_conv(g, client, family, server, https ? 443 : 80);
	tcp_setup(&t, g, k, !https);
	ts = tcp_handshake(&t, ts);
	if (https) {
		ts = tcp_exchange(&t, ts + range(r, 50, 300), range(r, 240, 600), 0,
				  range(r, 2800, 5200), below(r, POOL_SIZE - 6000));
		ts = tcp_exchange(&t, ts + range(r, 50, 300), range(r, 60, 160), 0,
				  range(r, 50, 300), below(r, POOL_SIZE - 400));
	}
	nreq = 1;
	while (nreq < 40 && chance(r, 0.65))
		nreq++;
	for (uint32_t i = 0; i < nreq; i++) {
		uint32_t o = pick_cdf(r, g->objcdf, NOBJ);
		uint32_t hdr = https ? 0 : (uint32_t)snprintf(NULL, 0, HTTP_RESP_FMT,
							       g->obj[o].size);
		uint32_t req = range(r, https ? 120 : 330, 800);

		ts = tcp_exchange(&t, ts + range(r, 100, 800), req, o,
				  hdr + g->obj[o].size, g->obj[o].off - hdr);
		if (i + 1 < nreq)
			ts += 50 * MS + expo(r, 1.5 * SEC);
	}
	ts += 1 * SEC + expo(r, 15.0 * SEC);
	tcp_close(&t, ts);
}

/*
 * A long-lived push connection (messaging, notifications): small messages
 * each way every few seconds for minutes. They keep many conversations open
 * at once for few packets.
 */
static void gen_push(struct gen *g, int64_t ts)
{
	struct rng *r = &g->r;
	uint32_t client = below(r, NCLIENT);
	uint32_t server = below(r, 20);	/* a few push services */
	int family = pick_family(g, client);
	int64_t end = ts + (int64_t)lognorm(r, 300.0 * SEC, 0.6, 30 * SEC,
					    1800 * SEC);
	uint32_t k = tcp_conv(g, client, family, NSERVER - 1 - server,
			      chance(r, 0.5) ? 443 : 5223);
	struct tcp t;

	tcp_setup(&t, g, k, 0);
	ts = tcp_handshake(&t, ts);
	ts = tcp_exchange(&t, ts + range(r, 50, 300), range(r, 240, 600), 0,
			  range(r, 2800, 5200), below(r, POOL_SIZE - 6000));
	for (;;) {
		ts += 200 * MS + expo(r, 12.0 * SEC);
		if (ts > end)
			break;
		ts = tcp_exchange(&t, ts, range(r, 40, 200), 0, range(r, 40, 600),
				  below(r, POOL_SIZE - 1000));
	}
	tcp_close(&t, ts);
}

/* Background for [from, to): pings, ARP, lookups not tied to a connection. */
static void gen_background(struct gen *g, int64_t from, int64_t to, double dns_rate)
{
	struct rng *r = &g->r;

	for (uint32_t p = 0; p < 12; p++) {
		int family = p % 3 == 2 ? 6 : 4;
		uint32_t k = new_conv(g, C_ICMP, family, 7 + p * 13);
		struct conv *c = &g->c[k];

		server_addr(c->addr[1], p, family);
		c->port[0] = (uint16_t)(0x4000 + p);
		c->rtt = (uint32_t)(2 + p * 3) * MS;
		for (int64_t s = from / SEC; s < to / SEC; s++) {
			int64_t ts = s * SEC + p * 77 * MS;

			add(g, ts, k, 0, P_ICMP_REQ, 0, (uint32_t)s, 0, 56, 0, 0);
			add(g, ts + c->rtt + range(r, 0, 500), k, 1, P_ICMP_REP,
			    0, (uint32_t)s, 0, 56, 0, 0);
		}
	}
	for (int64_t ts = from; ts < to; ts += 3 * SEC) {
		uint32_t k = new_conv(g, C_ARP, 4, below(r, NCLIENT));

		add(g, ts + range(r, 0, 999999), k, 1, P_ARP_REQ, 0, 0, 0, 0, 0, 0);
		add(g, ts + 1000000 + range(r, 100, 900), k, 0, P_ARP_REP, 0, 0, 0,
		    0, 0, 0);
	}
	for (int64_t ts = from + expo(r, SEC / dns_rate); ts < to;
	     ts += expo(r, SEC / dns_rate)) {
		uint32_t client = below(r, NCLIENT);
		int qtype = chance(r, 0.3) ? 28 : chance(r, 0.1) ? 65 : 1;

		dns_lookup(g, ts, client, pick_family(g, client),
			   NSERVER + below(r, NBGNAME), qtype);
	}
}

static void gen_init(struct gen *g, uint64_t seed)
{
	struct rng pr;
	double s = 0;

	memset(g, 0, sizeof(*g));
	rng_seed(&g->r, seed);
	/* The pool is the bodies' bytes: incompressible, like TLS or media. */
	g->pool = malloc(POOL_SIZE);
	if (!g->pool) {
		fprintf(stderr, "gen-pcap: out of memory\n");
		exit(1);
	}
	rng_seed(&pr, seed ^ 0x706f6f6cULL);
	for (uint32_t i = 0; i < POOL_SIZE; i += 8) {
		uint64_t v = rnd(&pr);

		memcpy(g->pool + i, &v, 8);
	}
	/* Objects: heavy-tailed sizes, Zipf popularity (a few are hot). */
	for (uint32_t i = 0; i < NOBJ; i++) {
		g->obj[i].size = (uint32_t)lognorm(&g->r, 9000.0, 1.5, 200, OBJ_MAX);
		g->obj[i].off = 1024 + below(&g->r, POOL_SIZE - 1024 - g->obj[i].size);
		s += 1.0 / (i + 1);
		g->objcdf[i] = s;
	}
	s = 0;
	for (uint32_t j = 0; j < NSERVER; j++) {
		s += 1.0 / pow(j + 1, 0.9);
		g->srvcdf[j] = s;
	}
	for (uint32_t i = 0; i < NCLIENT; i++) {
		g->client_v6ok[i] = chance(&g->r, 0.45);
		g->client_win[i] = chance(&g->r, 0.2);
	}
}

/* ---- writing frames ---- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static size_t dns_name(uint8_t *p, uint32_t name)
{
	char buf[96], *s, *dot;
	size_t n = 0;

	if (name < NSERVER)
		snprintf(buf, sizeof(buf), "www%u.example.com", name);
	else
		snprintf(buf, sizeof(buf), "api%u.svc%u.example.net",
			 name - NSERVER, (name * 7) % 50);
	for (s = buf; *s; s = dot + 1) {
		size_t l;

		dot = strchr(s, '.');
		l = dot ? (size_t)(dot - s) : strlen(s);
		p[n++] = (uint8_t)l;
		memcpy(p + n, s, l);
		n += l;
		if (!dot)
			break;
	}
	p[n++] = 0;
	return n;
}

static size_t dns_msg(uint8_t *p, const struct desc *d, int family)
{
	uint32_t qtype = d->ack, rcode = d->extra & 0xff, an = d->extra >> 8;
	int resp = d->ptype == P_DNS_R;
	size_t n = 12, q;

	put16(p, d->seq);
	put16(p + 2, resp ? 0x8180 | rcode : 0x0100);
	put16(p + 4, 1);
	put16(p + 6, resp ? an : 0);
	put16(p + 8, 0);
	put16(p + 10, 1);
	q = dns_name(p + n, d->aux);
	n += q;
	put16(p + n, qtype);
	put16(p + n + 2, 1);
	n += 4;
	for (uint32_t i = 0; i < (resp ? an : 0); i++) {
		uint32_t rdlen = qtype == 28 ? 16 : qtype == 65 ? 10 : 4;

		put16(p + n, 0xc00c);
		put16(p + n + 2, qtype);
		put16(p + n + 4, 1);
		put32(p + n + 6, 300 - (d->seq % 250));
		put16(p + n + 10, rdlen);
		n += 12;
		if (rdlen == 16 || rdlen == 4) {
			uint8_t a[16];

			server_addr(a, d->aux % NSERVER + i, rdlen == 4 ? 4 : 6);
			memcpy(p + n, a, rdlen);
		} else {
			/* HTTPS record: priority 1, target ".", alpn=h2 */
			static const uint8_t h[10] = { 0, 1, 0, 0, 1, 0, 3, 2, 'h',
						       '2' };
			memcpy(p + n, h, sizeof(h));
		}
		n += rdlen;
	}
	/* EDNS(0) OPT record, as resolvers and stub resolvers send today. */
	p[n] = 0;
	put16(p + n + 1, 41);
	put16(p + n + 3, 1232);
	put32(p + n + 5, 0);
	put16(p + n + 9, 0);
	(void)family;
	return n + 11;
}

static size_t tcp_opts(uint8_t *o, const struct conv *c, const struct desc *d,
		       uint32_t tsval, uint32_t tsecr)
{
	size_t n = 0;

	if (d->ptype == P_TCP_SYN) {
		o[n++] = 2;
		o[n++] = 4;
		put16(o + n, c->mss + (c->tcp_ts ? 12 : 0));
		n += 2;
		if (c->tcp_ts) {
			o[n++] = 4;
			o[n++] = 2;
			o[n++] = 8;
			o[n++] = 10;
			put32(o + n, tsval);
			put32(o + n + 4, tsecr);
			n += 8;
			o[n++] = 1;
			o[n++] = 3;
			o[n++] = 3;
			o[n++] = c->wscale;
		} else {
			o[n++] = 1;
			o[n++] = 3;
			o[n++] = 3;
			o[n++] = 8;
			o[n++] = 1;
			o[n++] = 1;
			o[n++] = 4;
			o[n++] = 2;
		}
		return n;
	}
	if (c->tcp_ts) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		put32(o + n, tsval);
		put32(o + n + 4, tsecr);
		n += 8;
	}
	if (d->ptype == P_TCP_SACK) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 5;
		o[n++] = 10;
		put32(o + n, d->aux);
		put32(o + n + 4, d->extra);
		n += 8;
	}
	return n;
}

static size_t http_req(uint8_t *p, size_t len, const struct conv *c,
		       uint32_t obj)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "GET /static/%08x/o%u.bin HTTP/1.1\r\nHost: www%u.example.com"
			 "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
			 "Accept: */*\r\nAccept-Encoding: gzip, br\r\nCookie: sid=",
			 obj * 2654435761u, obj, c->server);
	size_t h = (size_t)n < len ? (size_t)n : len;
	uint32_t x = c->cookie;

	memcpy(p, head, h);
	for (size_t i = h; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)b64[(x >> 16) & 63];
	}
	if (len >= h + 4)
		memcpy(p + len - 4, "\r\n\r\n", 4);
	return len;
}

/* The payload of @d into @p; returns its length. */
static size_t payload(const struct gen *g, const struct conv *c,
		      const struct desc *d, uint8_t *p)
{
	switch (d->ptype) {
	case P_DATA:
		memcpy(p, g->pool + d->aux, d->len);
		return d->len;
	case P_HTTP_REQ:
		return http_req(p, d->len, c, d->extra);
	case P_HTTP_RESP: {
		char h[512];
		size_t n = 0;

		/*
		 * extra is the whole response's length and the header states
		 * the body's, which depends on the header's own length (the
		 * number's digits): a few rounds settle it.
		 */
		for (int i = 0; i < 4; i++)
			n = (size_t)snprintf(h, sizeof(h), HTTP_RESP_FMT,
					     d->extra - (uint32_t)n);
		if (n > d->len)
			n = d->len;
		memcpy(p, h, n);
		memcpy(p + n, g->pool + d->aux + n, d->len - n);
		return d->len;
	}
	default:
		return 0;
	}
}

static size_t frame(struct gen *g, const struct desc *d, uint8_t *f,
		    uint64_t *v6)
{
	struct conv *c = &g->c[d->conv];
	int dir = d->dir, v4 = c->family == 4;
	uint8_t *ip = f + 14, *l4;
	size_t l4len = 0, iphl = v4 ? 20 : 40, n;
	int proto = 0;
	uint32_t sum;

	/* Ethernet: the client's side faces the gateway (or the resolver). */
	memcpy(f, c->mac[!dir], 6);
	memcpy(f + 6, c->mac[dir], 6);

	if (c->kind == C_ARP) {
		uint8_t sip[4] = { 10, 0, 0, 1 };
		int req = d->ptype == P_ARP_REQ;

		memset(f, 0, 60);
		memcpy(f, req ? (const uint8_t *)"\xff\xff\xff\xff\xff\xff" :
				gw_mac, 6);
		memcpy(f + 6, req ? gw_mac : c->mac[0], 6);
		put16(f + 12, 0x0806);
		put16(f + 14, 1);
		put16(f + 16, 0x0800);
		f[18] = 6;
		f[19] = 4;
		put16(f + 20, req ? 1 : 2);
		memcpy(f + 22, req ? gw_mac : c->mac[0], 6);
		memcpy(f + 28, req ? sip : c->addr[0], 4);
		if (!req) {
			memcpy(f + 32, gw_mac, 6);
			memcpy(f + 38, sip, 4);
		} else {
			memcpy(f + 38, c->addr[0], 4);
		}
		return 60;
	}

	put16(f + 12, v4 ? 0x0800 : 0x86dd);
	l4 = ip + iphl;
	if (c->kind == C_TCP) {
		int64_t half = c->rtt / 2;
		uint32_t tsval = (uint32_t)(d->ts / MS) + c->tsoff[dir];
		uint32_t tsecr = (uint32_t)((d->ts - half) / MS) + c->tsoff[!dir];
		size_t ol;

		proto = 6;
		if (d->ptype == P_TCP_SYN && !(d->flags & F_ACK))
			tsecr = 0;
		ol = tcp_opts(l4 + 20, c, d, tsval, tsecr);
		put16(l4, c->port[dir]);
		put16(l4 + 2, c->port[!dir]);
		put32(l4 + 4, d->seq);
		put32(l4 + 8, d->ack);
		l4[12] = (uint8_t)((20 + ol) / 4 << 4);
		l4[13] = d->flags;
		put16(l4 + 14, d->ptype == P_TCP_SYN ? (v4 ? 64240 : 64800) :
			       c->win[dir]);
		put16(l4 + 16, 0);
		put16(l4 + 18, 0);
		l4len = 20 + ol + payload(g, c, d, l4 + 20 + ol);
	} else if (c->kind == C_DNS) {
		proto = 17;
		put16(l4, c->port[dir]);
		put16(l4 + 2, c->port[!dir]);
		l4len = 8 + dns_msg(l4 + 8, d, c->family);
		put16(l4 + 4, (uint32_t)l4len);
		put16(l4 + 6, 0);
	} else {
		int req = d->ptype == P_ICMP_REQ;

		proto = v4 ? 1 : 58;
		l4[0] = (uint8_t)(v4 ? (req ? 8 : 0) : (req ? 128 : 129));
		l4[1] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 4, c->port[0]);
		put16(l4 + 6, d->seq & 0xffff);
		put32(l4 + 8, (uint32_t)(EPOCH + d->ts / SEC));
		put32(l4 + 12, (uint32_t)(d->ts % SEC));
		for (int i = 16; i < 8 + 56; i++)
			l4[i] = (uint8_t)i;
		l4len = 8 + 56;
	}

	/* IP header; the addresses swap with the direction. */
	if (v4) {
		ip[0] = 0x45;
		ip[1] = c->tos;
		put16(ip + 2, (uint32_t)(20 + l4len));
		put16(ip + 4, c->ipid[dir]++);
		put16(ip + 6, proto == 6 ? 0x4000 : 0);
		ip[8] = c->ttl[dir];
		ip[9] = (uint8_t)proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, c->addr[dir], 4);
		memcpy(ip + 16, c->addr[!dir], 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		sum = csum_add(0, ip + 12, 8);
	} else {
		put32(ip, 0x60000000u | (uint32_t)c->tos << 20 | c->flowlabel[dir]);
		put16(ip + 4, (uint32_t)l4len);
		ip[6] = (uint8_t)proto;
		ip[7] = c->ttl[dir];
		memcpy(ip + 8, c->addr[dir], 16);
		memcpy(ip + 24, c->addr[!dir], 16);
		sum = csum_add(0, ip + 8, 32);
		(*v6)++;
	}
	/* L4 checksum over the pseudo-header (none for ICMPv4). */
	if (proto != 1)
		sum += (uint32_t)proto + (uint32_t)l4len;
	else
		sum = 0;
	sum = csum_fold(csum_add(sum, l4, l4len));
	if (proto == 17 && sum == 0)
		sum = 0xffff;
	put16(l4 + (proto == 6 ? 16 : proto == 17 ? 6 : 2), sum);

	n = 14 + iphl + l4len;
	if (n < 60) {
		/* Ethernet pads short frames; a receiver captures the padding. */
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

static int cmp_desc(const void *a, const void *b)
{
	const struct desc *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

/*
 * Writes the first @count descriptors as frames, each cut to @caplen bytes;
 * @bytes sums the frames' lengths, @written what the records hold.
 */
static int write_pcap(struct gen *g, const char *path, size_t count,
		      uint32_t caplen, uint64_t *bytes, uint64_t *written,
		      uint64_t *v6)
{
	/* Native byte order throughout, as the magic number tells readers. */
	const struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr = { 0xa1b2c3d4, 2, 4, 0, 0, caplen, 1 /* LINKTYPE_ETHERNET */ };
	static char buf[1 << 20];
	uint8_t f[2048];
	FILE *fp = fopen(path, "wb");

	if (!fp) {
		fprintf(stderr, "gen-pcap: %s: %s\n", path, strerror(errno));
		return -1;
	}
	setvbuf(fp, buf, _IOFBF, sizeof(buf));
	fwrite(&hdr, 1, sizeof(hdr), fp);
	for (size_t i = 0; i < count; i++) {
		const struct desc *d = &g->d[i];
		struct conv *c = &g->c[d->conv];
		/* The whole frame is built either way: v6 and the sums agree. */
		uint32_t rec[4], n = (uint32_t)frame(g, d, f, v6);
		uint32_t incl = n < caplen ? n : caplen;

		rec[0] = (uint32_t)(EPOCH + d->ts / SEC);
		rec[1] = (uint32_t)(d->ts % SEC);
		rec[2] = incl;
		rec[3] = n;
		/* The pcap record header is in the writer's byte order (magic). */
		fwrite(rec, 1, sizeof(rec), fp);
		fwrite(f, 1, incl, fp);
		*bytes += n;
		*written += incl;
		if (c->first < 0)
			c->first = d->ts;
		c->last = d->ts;
		c->emitted++;
	}
	if (fflush(fp) || ferror(fp)) {
		fprintf(stderr, "gen-pcap: %s: write: %s\n", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	if (fclose(fp)) {
		fprintf(stderr, "gen-pcap: %s: close: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Conversations open in each second, averaged and at the peak. */
static void concurrency(const struct gen *g, int64_t dur, double *mean,
			long *peak)
{
	size_t ns = (size_t)(dur / SEC) + 2;
	long *delta = calloc(ns + 1, sizeof(*delta)), cur = 0;
	double tot = 0;

	*peak = 0;
	*mean = 0;
	if (!delta)
		return;
	for (size_t i = 0; i < g->nc; i++) {
		const struct conv *c = &g->c[i];

		if (c->first < 0 || c->kind == C_ARP || c->kind == C_ICMP)
			continue;
		delta[c->first / SEC]++;
		delta[c->last / SEC + 1]--;
	}
	for (size_t s = 0; s + 1 < ns; s++) {
		cur += delta[s];
		tot += (double)cur;
		if (cur > *peak)
			*peak = cur;
	}
	*mean = tot / (double)(ns - 1);
	free(delta);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen-pcap [-n PACKETS] [-d SECONDS] [-s SEED] [-c CAPLEN] [-q] -o FILE\n"
		   "  -n  packets to write (default 1000000)\n"
		   "  -d  approximate duration in seconds (default 180)\n"
		   "  -s  seed (default 1); the same seed gives the same file\n"
		   "  -c  write at most CAPLEN bytes of each frame (%u..%u, default %u);\n"
		   "      the same packets, cut: records keep the frame's length\n"
		   "  -q  no summary on stderr\n", CAPLEN_MIN, CAPLEN_MAX, CAPLEN_MAX);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, bytes = 0, written = 0, v6 = 0, tcp = 0, udp = 0, icmp = 0;
	uint64_t syn = 0;
	unsigned long caplen = CAPLEN_MAX;
	size_t count = 1000000, ncal = 0;
	double dur = 180.0, per_web, web_rate, push_rate, dns_rate, conc_mean;
	const char *out = NULL;
	int quiet = 0, opt;
	int64_t ts, bg_until, stop_check = 0;
	long conc_peak;
	struct gen *g;
	char *end;

	while ((opt = getopt(argc, argv, "n:d:s:c:o:qh")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, &end, 10);
			if (*end || count < 1000) {
				fprintf(stderr, "gen-pcap: -n: want a count >= 1000\n");
				return 2;
			}
			break;
		case 'd':
			dur = strtod(optarg, &end);
			if (*end || dur < 10 || dur > 3600) {
				fprintf(stderr, "gen-pcap: -d: want 10..3600 seconds\n");
				return 2;
			}
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end) {
				fprintf(stderr, "gen-pcap: -s: not a number\n");
				return 2;
			}
			break;
		case 'c':
			caplen = strtoul(optarg, &end, 10);
			if (*end || caplen < CAPLEN_MIN || caplen > CAPLEN_MAX) {
				fprintf(stderr, "gen-pcap: -c: want %u..%u bytes\n",
					CAPLEN_MIN, CAPLEN_MAX);
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!out || optind != argc) {
		usage(stderr);
		return 2;
	}

	g = malloc(sizeof(*g));
	if (!g) {
		fprintf(stderr, "gen-pcap: out of memory\n");
		return 1;
	}
	gen_init(g, seed);

	/*
	 * Calibrate: how many packets a web conversation brings on average, so
	 * that the arrival rate fills about -d seconds with -n packets. The
	 * trial runs on its own stream and is thrown away.
	 */
	{
		struct rng keep = g->r;

		rng_seed(&g->r, seed ^ 0x63616c6962ULL);
		for (int i = 0; i < 3000; i++)
			gen_web(g, 0);
		ncal = g->nd;
		g->nd = 0;
		g->nc = 0;
		g->serial = 0;
		g->retrans = 0;
		memset(g->hist, 0, sizeof(g->hist));
		g->r = keep;
	}
	per_web = (double)ncal / 3000.0;
	/* About 1000 push connections open per million packets. */
	push_rate = (double)count / 1e6 * 1000.0 / 330.0;
	dns_rate = (double)count / dur / 100.0;
	web_rate = ((double)count / dur - push_rate * 330.0 / 14.0 * 3.0 -
		    dns_rate * 2.0 - 24.0) / per_web;
	if (web_rate < 0.1)
		web_rate = 0.1;

	/*
	 * Conversations arrive as one Poisson process from well before the
	 * capture opens. Stop once the packets before the current arrival time
	 * (which later arrivals cannot add to) reach the count.
	 */
	bg_until = 0;
	for (ts = -1800 * SEC;; ts += expo(&g->r, SEC / (web_rate + push_rate))) {
		if (ts >= 0 && ts + 60 * SEC > bg_until) {
			gen_background(g, bg_until, bg_until + 60 * SEC, dns_rate);
			bg_until += 60 * SEC;
		}
		if (chance(&g->r, push_rate / (web_rate + push_rate)))
			gen_push(g, ts);
		else if (ts > -300 * SEC)
			gen_web(g, ts);
		if (ts / SEC > stop_check && ts > 0) {
			uint64_t n = 0;

			stop_check = ts / SEC;
			for (int64_t s = 0; s < stop_check - 2 && s < HIST_SEC; s++)
				n += g->hist[s];
			if (n >= count)
				break;
		}
		if (ts / SEC >= HIST_SEC - 2) {
			fprintf(stderr, "gen-pcap: traffic model runs too long\n");
			return 1;
		}
	}

	qsort(g->d, g->nd, sizeof(*g->d), cmp_desc);
	if (write_pcap(g, out, count, (uint32_t)caplen, &bytes, &written, &v6))
		return 1;

	if (!quiet) {
		size_t nconv = 0;

		for (size_t i = 0; i < count; i++) {
			const struct conv *c = &g->c[g->d[i].conv];

			tcp += c->kind == C_TCP;
			udp += c->kind == C_DNS;
			icmp += c->kind == C_ICMP;
			syn += g->d[i].ptype == P_TCP_SYN;
		}
		for (size_t i = 0; i < g->nc; i++)
			nconv += g->c[i].emitted && g->c[i].kind != C_ARP;
		concurrency(g, g->d[count - 1].ts, &conc_mean, &conc_peak);
		fprintf(stderr,
			"gen-pcap: %s: %zu packets, %.1f MB of frames (%.1f MB written), "
			"%.1f s, mean %.0f B/frame\n"
			"gen-pcap: TCP %.1f%%, UDP/DNS %.1f%%, ICMP %.2f%%, ARP %.2f%%, "
			"IPv6 %.1f%% of packets\n"
			"gen-pcap: %zu conversations, %.0f open on average, %ld at the "
			"peak; %llu SYN/SYN-ACK, ~%llu retransmissions\n",
			out, count, (double)bytes / 1e6, (double)written / 1e6,
			(double)g->d[count - 1].ts / SEC, (double)bytes / (double)count,
			100.0 * (double)tcp / (double)count,
			100.0 * (double)udp / (double)count,
			100.0 * (double)icmp / (double)count,
			100.0 * (double)(count - tcp - udp - icmp) / (double)count,
			100.0 * (double)v6 / (double)count, nconv, conc_mean, conc_peak,
			(unsigned long long)syn, (unsigned long long)g->retrans);
	}
	free(g->d);
	free(g->c);
	free(g->pool);
	free(g);
	return 0;
}
