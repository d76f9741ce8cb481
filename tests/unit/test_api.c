// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the drill-down API (lib/api.c) on a small store: every
 * endpoint's JSON against what was written, pcap bodies byte for byte,
 * conversations in both orders and IPv6, time bounds, tcpdump filters,
 * limits, every class of bad request, and the time and flow parsers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <unistd.h>
#include <jansson.h>
#include <lmdb.h>

#include "unit.h"
#include "pktbuild.h"
#include "api.h"
#include "container.h"
#include "core/parse.h"

#define T0		1700000000000000000ULL	/* 2023-11-14T22:13:20Z */
#define NPKT		60
#define NCONV		3
#define PKT_NS		1000000ULL		/* a packet every 1 ms */
#define WIN_NS		10000000ULL		/* 10 ms windows */
#define NWIN		(NPKT * PKT_NS / WIN_NS)
#define CAP_MAX		256
#define SEQ_MASK	((1ULL << 48) - 1)	/* of a ring position */
#define DAY_NS		86400000000000ULL
#define FW0		(T0 - T0 % STRATA_STORE_FLOW_WINDOW_NS)	/* T0's flow window */

/* The conversations: TCP/80 and UDP/53 over IPv4, UDP/53 over IPv6. */
static const struct tconv {
	const char *flow;	/* the API's syntax, endpoint a first */
	const char *flow_rev;	/* endpoint b first */
	int family;
	__u8 proto;
	__u8 a[16];
	__u8 b[16];
	__u16 pa;
	__u16 pb;
} convs[NCONV] = {
	{ "10.0.0.1:40000-10.0.0.2:80/tcp", "10.0.0.2:80-10.0.0.1:40000/6", 4, 6,
	  { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 },
	  { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 }, 40000, 80 },
	{ "10.0.0.3:5000-10.0.0.4:53/udp", "10.0.0.4:53-10.0.0.3:5000/udp", 4, 17,
	  { [10] = 0xff, [11] = 0xff, 10, 0, 0, 3 },
	  { [10] = 0xff, [11] = 0xff, 10, 0, 0, 4 }, 5000, 53 },
	{ "[2001:db8::1]:5353-[2001:db8::2]:53/udp", "[2001:db8::2]:53-[2001:db8::1]:5353/17",
	  6, 17, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
	  5353, 53 },
};

/* A packet as written. */
struct tpkt {
	unsigned int cpu;
	__u64 seq;
	unsigned int conv;
	struct strata_rec_packet p;
	__u8 data[CAP_MAX];
};

static struct {
	char dir[64];
	struct strata_store *s;
	struct tpkt pkts[NPKT];
	struct strata_mflow mf[NWIN * NCONV];
	unsigned int nmf;
} fx;

/* The IP packet of packet @i: real headers, so that libpcap filters work. */
static __u32 build(unsigned int i, const struct tconv *c, bool back, struct pb *b)
{
	const __u8 *src = back ? c->b : c->a, *dst = back ? c->a : c->b;
	__u16 sp = back ? c->pb : c->pa, dp = back ? c->pa : c->pb;

	memset(b, 0, sizeof(*b));
	if (c->family == 4) {
		struct pb_ip4 h = { .ttl = 64, .id = (__u16)i };

		memcpy(h.src, src + 12, 4);
		memcpy(h.dst, dst + 12, 4);
		pb_ip4(b, &h);
	} else {
		struct pb_ip6 h = { .hlim = 64 };

		memcpy(h.src, src, 16);
		memcpy(h.dst, dst, 16);
		pb_ip6(b, &h);
	}
	if (c->proto == 6) {
		struct pb_tcp t = { .sport = sp, .dport = dp, .seq = 1000 + i,
				    .flags = STRATA_TCP_ACK, .win = 512 };

		pb_tcp(b, &t);
	} else {
		pb_udp(b, sp, dp);
	}
	pb_fill(b, 20 + i * 3, (__u8)i);
	return pb_finish(b);
}

static void make_packet(unsigned int i, struct tpkt *t)
{
	static __u64 seqs[2];
	const struct tconv *c = &convs[i % NCONV];
	bool back = (i / NCONV) % 2;
	struct strata_rec_packet *p = &t->p;
	struct pb b;
	__u32 len = build(i, c, back, &b);

	memset(t, 0, sizeof(*t));
	t->cpu = i % 2;
	t->seq = ++seqs[t->cpu];
	t->conv = i % NCONV;
	p->ts_ns = T0 + i * PKT_NS + 123;
	memcpy(p->saddr, back ? c->b : c->a, 16);
	memcpy(p->daddr, back ? c->a : c->b, 16);
	p->sport = back ? c->pb : c->pa;
	p->dport = back ? c->pa : c->pb;
	p->family = (__u8)c->family;
	p->proto = c->proto;
	p->wire_len = len;
	/* Every fifth cut short, as a snaplen does. */
	p->caplen = i % 5 ? len : 40;
	assert_true(p->caplen <= CAP_MAX);
	memcpy(t->data, b.d, p->caplen);
	p->payload_len = 20 + i * 3;
	/* Every seventh from the third a GSO packet, of 10-byte segments. */
	if (i % 7 == 3)
		p->gso_size = 10;
	p->ip_id = i;
	p->ttl = 64;
	p->tcp_flags = c->proto == 6 ? STRATA_TCP_ACK : 0;
	p->tcp_seq = c->proto == 6 ? 1000 + i : 0;
	p->fp_hash = 0xf000000000000000ULL | i;	/* past 2^63: a hex string */
	p->nseg = (__u8)(i % 4);
	for (unsigned int k = 0; k < p->nseg; k++)
		p->seg[k] = i * 100 + k;
	p->hook = (__u8)(i % 2);
	p->dir = back;
	p->key_hash = 0xdead0000ULL + t->conv;
	p->generation = 7;
	p->ifindex = 3;
}

static void key_of(const struct tconv *c, struct strata_flow_key *k)
{
	assert_int_equal(strata_api_parse_flow(c->flow, k), 0);
}

/* A microflow per conversation and window, its packets' ring positions. */
static void make_microflows(void)
{
	char err[256];

	for (unsigned int w = 0; w < NWIN; w++) {
		for (unsigned int c = 0; c < NCONV; c++) {
			struct strata_mflow *mf = &fx.mf[fx.nmf];
			struct strata_mf_info in = { .has_seq = true, .has_ring = true };
			struct strata_flow_key k;
			const struct tpkt *first = NULL, *last = NULL;

			key_of(&convs[c], &k);
			strata_mflow_init(mf, &k, T0 + w * WIN_NS);
			for (unsigned int i = 0; i < NPKT; i++) {
				const struct tpkt *t = &fx.pkts[i];
				struct strata_dir_stats *d;

				if (t->conv != c || (t->p.ts_ns - T0) / WIN_NS != w)
					continue;
				first = first ? first : t;
				last = t;
				d = &mf->dir[!memcmp(t->p.saddr, k.addr[0], 16) &&
					     t->p.sport == k.port[0] ? 0 : 1];
				d->packets++;
				d->bytes += t->p.wire_len;
				strata_stat_add(&d->size, t->p.wire_len);
				d->tcp_flags[4] += t->p.tcp_flags ? 1 : 0;
				d->last_ns = t->p.ts_ns;
				d->ttl_min = d->ttl_max = 64;
			}
			assert_non_null(first);
			mf->dir[1].size.sumsq_hi = 3;	/* a 128-bit sum, as a string */
			/* Transactions: conversation 1 has none, 2 DNS only. */
			if (c != 1) {
				strata_stat_add(&mf->txn.ttfb, 1000 * (w + 1) + c);
				mf->txn.requests = w + 2;
				mf->txn.app = STRATA_TXN_APP_HTTP;
			}
			if (c == 2) {
				strata_stat_add(&mf->txn.dns, 300 + w);
				mf->txn.dns_queries = 2;
				mf->txn.dns_unanswered = w == 1;
			}
			/* The initiator known in two conversations, not the third. */
			mf->started = c != 2;
			mf->initiator = c == 0;
			in.seq = ++fx.nmf;
			in.key_hash = 0xdead0000ULL + c;
			in.window_ns = WIN_NS;
			in.generation = 7;
			in.ring_first = (__u64)first->cpu << 48 | first->seq;
			in.ring_last = (__u64)last->cpu << 48 | last->seq;
			assert_int_equal(strata_store_add_microflow(fx.s, mf, &in, err,
								    sizeof(err)), 0);
		}
	}
}

static int setup(void **state)
{
	struct strata_store_opts o;
	char err[256];

	(void)state;
	strcpy(fx.dir, "/tmp/strata-api-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	strata_store_opts_init(&o, fx.dir);
	o.budget = 4ULL << 20;
	o.block_bytes = STRATA_STORE_BLOCK_MIN;
	assert_int_equal(strata_store_open(&o, &fx.s, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < NPKT; i++) {
		make_packet(i, &fx.pkts[i]);
		assert_int_equal(strata_store_add_packet(fx.s, fx.pkts[i].cpu, fx.pkts[i].seq,
							 &fx.pkts[i].p, fx.pkts[i].data,
							 err, sizeof(err)), 0);
		/* Three blocks, so that time ranges pick some. */
		if (i % 20 == 19)
			assert_int_equal(strata_store_flush(fx.s, err, sizeof(err)), 0);
	}
	make_microflows();
	assert_int_equal(strata_store_flush(fx.s, err, sizeof(err)), 0);
	return 0;
}

static int teardown(void **state)
{
	char f[128], err[256];

	(void)state;
	assert_int_equal(strata_store_close(fx.s, err, sizeof(err)), 0);
	snprintf(f, sizeof(f), "%s/data.mdb", fx.dir);
	unlink(f);
	snprintf(f, sizeof(f), "%s/lock.mdb", fx.dir);
	unlink(f);
	rmdir(fx.dir);
	return 0;
}

/* ---- requests ---- */

#define ARGS_MAX	(STRATA_API_ARGS_MAX + 2)

/* A request with NULL-terminated name, value pairs; the status. */
static unsigned int vcall(struct strata_store *s, size_t body_max, const char *method,
			  const char *path, struct strata_api_resp *resp, va_list ap)
{
	struct strata_api_arg a[ARGS_MAX];
	unsigned int n = 0;
	const char *k;

	while ((k = va_arg(ap, const char *))) {
		assert_true(n < ARGS_MAX);
		a[n].name = k;
		a[n].value = va_arg(ap, const char *);
		n++;
	}
	assert_int_equal(strata_api_handle_max(s, method, path, a, n, body_max, resp), 0);
	assert_non_null(resp->content_type);
	return resp->status;
}

static unsigned int call(const char *method, const char *path,
			 struct strata_api_resp *resp, ...)
{
	unsigned int st;
	va_list ap;

	va_start(ap, resp);
	st = vcall(fx.s, STRATA_API_BODY_MAX, method, path, resp, ap);
	va_end(ap);
	return st;
}

static json_t *parse(const struct strata_api_resp *resp)
{
	json_error_t je;
	json_t *j = json_loadb(resp->body, resp->len, 0, &je);

	if (!j)
		fail_msg("not JSON: %s: %.*s", je.text, (int)resp->len, resp->body);
	return j;
}

/* A 200 JSON answer, parsed; @truncated says whether the limit cut it. */
/* A 200 answer, whole. */
static json_t *vget_doc(const char *path, bool *truncated, va_list ap)
{
	struct strata_api_resp resp;
	unsigned int st;
	json_t *j;

	st = vcall(fx.s, STRATA_API_BODY_MAX, "GET", path, &resp, ap);
	if (st != 200)
		fail_msg("%s: %u %.*s", path, st, (int)resp.len, resp.body);
	assert_string_equal(resp.content_type, "application/json");
	assert_null(resp.allow);
	j = parse(&resp);
	if (truncated)
		*truncated = resp.truncated;
	strata_api_resp_free(&resp);
	return j;
}

/*
 * A 200 answer; of a container (blocks, microflows, flows), its rows, once
 * the processor has taken it: every path of its schema leads to integers
 * where it must.
 */
static json_t *vget_json(const char *path, bool *truncated, va_list ap)
{
	json_t *j = vget_doc(path, truncated, ap), *rows = json_object_get(j, "rows");
	struct strata_container *c;
	char err[512];

	if (!rows)
		return j;
	assert_true(json_is_array(rows));
	if (strata_container_load(&c, j, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	assert_int_equal(strata_container_rows(c), json_array_size(rows));
	strata_container_free(c);
	json_incref(rows);
	json_decref(j);
	return rows;
}

static json_t *get_doc(const char *path, ...)
{
	va_list ap;
	json_t *j;

	va_start(ap, path);
	j = vget_doc(path, NULL, ap);
	va_end(ap);
	return j;
}

static json_t *get_json(const char *path, bool *truncated, ...)
{
	va_list ap;
	json_t *j;

	va_start(ap, truncated);
	j = vget_json(path, truncated, ap);
	va_end(ap);
	return j;
}

/* The number of records in a 200 JSON array answer. */
static size_t count(const char *path, bool *truncated, ...)
{
	va_list ap;
	json_t *j;
	size_t n;

	va_start(ap, truncated);
	j = vget_json(path, truncated, ap);
	va_end(ap);
	assert_true(json_is_array(j));
	n = json_array_size(j);
	json_decref(j);
	return n;
}

static __u64 jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("no integer \"%s\"", k);
	return (__u64)json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v))
		fail_msg("no string \"%s\"", k);
	return json_string_value(v);
}

/* "%llu.%09llu": epoch seconds to the ns. */
static const char *tstr(__u64 ns, char *buf)
{
	sprintf(buf, "%llu.%09llu", (unsigned long long)(ns / 1000000000),
		(unsigned long long)(ns % 1000000000));
	return buf;
}

/* ---- the parsers ---- */

static void test_parse_time(void **state)
{
	static const struct {
		const char *s;
		__u64 ns;
	} good[] = {
		{ "0", 0 },
		{ "1700000000", T0 },
		{ "1700000000.5", T0 + 500000000 },
		{ "1700000000.123456789", T0 + 123456789 },
		{ "1700000000.1234567891", T0 + 123456789 },	/* past ns: cut */
		{ "2023-11-14T22:13:20Z", T0 },
		{ "2023-11-14t22:13:20z", T0 },
		{ "2023-11-14 22:13:20Z", T0 },
		{ "2023-11-14T22:13:20.000000001Z", T0 + 1 },
		{ "2023-11-14T22:13:20.25Z", T0 + 250000000 },
		{ "2023-11-14T23:13:20+01:00", T0 },
		{ "2023-11-14T16:43:20.5-05:30", T0 + 500000000 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2024-02-29T00:00:00Z", 1709164800000000000ULL },
	};
	static const char *const bad[] = {
		"", "abc", ".", "1.2.3", "1e9", "-5", " 5", "5 ", "1700000000.",
		"99999999999", "18446744073",
		"2023-11-14T22:13:20", "2023-11-14T22:13:20+1:00", "2023-11-14T22:13:20+ab:cd",
		"2023-11-14T22:13:20+24:00", "2023-11-14T22:13:20+01:60",
		"2023-11-14T22:13:20+01:00x",
		"2023-11-14T22:13:20 01:00", "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zjunk",
		"2023-11-14T25:00:00Z", "2023-02-31T00:00:00Z", "2023-13-01T00:00:00Z",
		"2023-11-14", "2023-11-14X22:13:20Z", "1969-12-31T23:59:59Z",
		"1970-01-01T00:30:00+01:00", "2600-01-01T00:00:00Z",
	};
	unsigned int i;
	__u64 ns;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ns = 42;
		if (strata_api_parse_time(good[i].s, &ns))
			fail_msg("'%s' refused", good[i].s);
		if (ns != good[i].ns)
			fail_msg("'%s': %llu, not %llu", good[i].s, (unsigned long long)ns,
				 (unsigned long long)good[i].ns);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns = 42;
		if (strata_api_parse_time(bad[i], &ns) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(ns, 42);
	}
	/* The last second u64 nanoseconds hold whole. */
	assert_int_equal(strata_api_parse_time("18446744072.999999999", &ns), 0);
	assert_true(ns == 18446744072999999999ULL);
}

static void test_parse_flow(void **state)
{
	static const char *const bad[] = {
		"", "10.0.0.1:1", "10.0.0.1:1-10.0.0.2:2", "10.0.0.1:1-10.0.0.2:2/",
		"10.0.0.1:1-10.0.0.2:2/bogus", "10.0.0.1:1-10.0.0.2:2/256",
		"10.0.0.1:1-[2001:db8::1]:2/tcp", "10.0.0.1:65536-10.0.0.2:2/tcp",
		"10.0.0.1:-10.0.0.2:2/tcp", "[2001:db8::1:1-[2001:db8::2]:2/tcp",
		"[2001:db8::1]x-[2001:db8::2]:2/tcp", "10.0.0.1:1-10.0.0.256:2/tcp",
		"host:1-10.0.0.2:2/tcp", "10.0.0.1:1+10.0.0.2:2/tcp",
		"10.0.0.1:1-10.0.0.2:2/tcp-"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	};
	struct strata_flow_key k1, k2, want;
	struct strata_pkt p;
	unsigned int i;

	(void)state;
	for (i = 0; i < NCONV; i++) {
		const struct tconv *c = &convs[i];

		memset(&p, 0, sizeof(p));
		memcpy(p.saddr, c->b, 16);
		memcpy(p.daddr, c->a, 16);
		p.sport = c->pb;
		p.dport = c->pa;
		p.proto = c->proto;
		p.family = (__u8)c->family;
		strata_flow_key(&p, &want);
		assert_int_equal(strata_api_parse_flow(c->flow, &k1), 0);
		assert_int_equal(strata_api_parse_flow(c->flow_rev, &k2), 0);
		assert_memory_equal(&k1, &want, sizeof(want));
		assert_memory_equal(&k2, &want, sizeof(want));
	}
	/* ICMP: addresses alone, port 0; IPv6 without brackets has no port. */
	assert_int_equal(strata_api_parse_flow("10.0.0.2-10.0.0.1/icmp", &k1), 0);
	assert_int_equal(k1.proto, 1);
	assert_int_equal(k1.port[0] | k1.port[1], 0);
	assert_int_equal(k1.addr[0][15], 1);
	assert_int_equal(strata_api_parse_flow("[2001:db8::1]-[2001:db8::2]/icmpv6", &k2), 0);
	assert_int_equal(k2.family, 6);
	assert_int_equal(k2.proto, 58);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strata_api_parse_flow(bad[i], &k1) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

/* ---- endpoints ---- */

static void test_info(void **state)
{
	struct strata_store_info in;
	json_t *j, *t;
	char err[256];

	(void)state;
	assert_int_equal(strata_store_info(fx.s, &in, err, sizeof(err)), 0);
	j = get_json("/api/v1/info", NULL, NULL);
	assert_int_equal(jint(j, "packets"), NPKT);
	assert_int_equal(jint(j, "packets"), in.packets);
	assert_int_equal(jint(j, "blocks"), in.blocks);
	assert_int_equal(jint(j, "microflows"), NWIN * NCONV);
	assert_int_equal(jint(j, "first_ts"), fx.pkts[0].p.ts_ns);
	assert_int_equal(jint(j, "last_ts"), fx.pkts[NPKT - 1].p.ts_ns);
	assert_int_equal(jint(j, "first_block"), in.first_block);
	assert_int_equal(jint(j, "last_block"), in.last_block);
	assert_int_equal(jint(j, "budget"), in.budget);
	assert_int_equal(jint(j, "version"), STRATA_STORE_VERSION);
	assert_string_equal(jstr(j, "codec"), "zstd");
	t = json_object_get(j, "totals");
	assert_int_equal(jint(t, "packets_written"), NPKT);
	assert_int_equal(jint(t, "microflows_written"), NWIN * NCONV);
	assert_int_equal(jint(t, "map_full"), 0);
	assert_int_equal(jint(j, "flows"), NCONV);
	assert_int_equal(json_object_size(t), sizeof(in.c) / sizeof(__u64));
	json_decref(j);
}

struct blocks {
	struct strata_store_block b[16];
	struct strata_store_range r[16][4];
	unsigned int n;
};

static int on_block(const struct strata_store_block *b, void *arg)
{
	struct blocks *bs = arg;

	assert_true(bs->n < 16 && b->nranges <= 4);
	bs->b[bs->n] = *b;
	memcpy(bs->r[bs->n], b->ranges, b->nranges * sizeof(*b->ranges));
	bs->n++;
	return 0;
}

static void check_blocks(__u64 t1, __u64 t2)
{
	struct blocks bs = { .n = 0 };
	char err[256], f[32], t[32];
	json_t *j, *e, *rg;
	unsigned int i, k;

	assert_int_equal(strata_store_blocks(fx.s, t1, t2, on_block, &bs, err, sizeof(err)), 0);
	j = get_json("/api/v1/blocks", NULL, "from", tstr(t1, f), "to", tstr(t2, t), NULL);
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), bs.n);
	json_array_foreach(j, i, e) {
		assert_int_equal(jint(e, "id"), bs.b[i].id);
		assert_int_equal(jint(e, "first_ts"), bs.b[i].first_ts);
		assert_int_equal(jint(e, "last_ts"), bs.b[i].last_ts);
		assert_int_equal(jint(e, "packets"), bs.b[i].packets);
		assert_int_equal(jint(e, "raw_bytes"), bs.b[i].raw_bytes);
		assert_int_equal(jint(e, "stored_bytes"), bs.b[i].stored_bytes);
		assert_string_equal(jstr(e, "codec"), bs.b[i].codec ? "zstd" : "none");
		assert_true(bs.b[i].last_ts >= t1 && bs.b[i].first_ts <= t2);
		rg = json_object_get(e, "ranges");
		assert_int_equal(json_array_size(rg), bs.b[i].nranges);
		for (k = 0; k < bs.b[i].nranges; k++) {
			json_t *r = json_array_get(rg, k);

			assert_int_equal(jint(r, "cpu"), bs.r[i][k].first >> 48);
			assert_int_equal(jint(r, "first_seq"), bs.r[i][k].first & SEQ_MASK);
			assert_int_equal(jint(r, "last_seq"), bs.r[i][k].last & SEQ_MASK);
		}
	}
	json_decref(j);
}

static void test_blocks(void **state)
{
	json_t *j, *e;
	__u64 sum = 0;
	size_t i;

	(void)state;
	j = get_json("/api/v1/blocks", NULL, NULL);
	assert_int_equal(json_array_size(j), 3);
	json_array_foreach(j, i, e)
		sum += jint(e, "packets");
	assert_int_equal(sum, NPKT);
	json_decref(j);
	check_blocks(0, ~0ULL >> 1);
	/* The middle block alone, then bounds on its first and last packet. */
	check_blocks(fx.pkts[25].p.ts_ns, fx.pkts[30].p.ts_ns);
	check_blocks(fx.pkts[19].p.ts_ns, fx.pkts[20].p.ts_ns);
	check_blocks(fx.pkts[59].p.ts_ns, fx.pkts[59].p.ts_ns);
	check_blocks(fx.pkts[59].p.ts_ns + 1, ~0ULL >> 1);
	/* No parameters but from and to. */
	assert_int_equal(count("/api/v1/blocks", NULL, "from", "0", NULL), 3);
}

struct mfs {
	struct strata_store_mflow m[NWIN * NCONV];
	unsigned int n;
};

static int on_mflow(const struct strata_store_mflow *m, void *arg)
{
	struct mfs *ms = arg;

	assert_true(ms->n < NWIN * NCONV);
	ms->m[ms->n++] = *m;
	return 0;
}

static void check_stat(const json_t *o, const struct strata_stat *s)
{
	unsigned __int128 v = (unsigned __int128)s->sumsq_hi << 64 | s->sumsq_lo;
	const unsigned __int128 e19 = 10000000000000000000ULL;
	char want[48];

	assert_int_equal(jint(o, "n"), s->n);
	assert_int_equal(jint(o, "sum"), s->sum);
	assert_int_equal(jint(o, "min"), s->min);
	assert_int_equal(jint(o, "max"), s->max);
	/* The 128-bit sum in decimal, in two halves of 19 digits. */
	if (v >= e19)
		snprintf(want, sizeof(want), "%llu%019llu", (unsigned long long)(v / e19),
			 (unsigned long long)(v % e19));
	else
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
	assert_string_equal(jstr(o, "sumsq"), want);
}

static void check_dir(const json_t *o, const struct strata_dir_stats *d)
{
	json_t *fl = json_object_get(o, "tcp_flags");

	assert_int_equal(jint(o, "packets"), d->packets);
	assert_int_equal(jint(o, "bytes"), d->bytes);
	assert_int_equal(jint(o, "last_ns"), d->last_ns);
	assert_int_equal(jint(o, "ttl_min"), d->ttl_min);
	assert_int_equal(jint(o, "retrans"), d->retrans);
	check_stat(json_object_get(o, "size"), &d->size);
	check_stat(json_object_get(o, "rtt_hs"), &d->rtt_hs);
	assert_int_equal(jint(fl, "ack"), d->tcp_flags[4]);
	assert_int_equal(jint(fl, "syn"), 0);
	assert_int_equal(json_object_size(fl), STRATA_TCP_NFLAGS);
}

static void check_txn(const json_t *o, const struct strata_txn_stats *t)
{
	assert_non_null(o);
	check_stat(json_object_get(o, "ttfb"), &t->ttfb);
	check_stat(json_object_get(o, "resp"), &t->resp);
	check_stat(json_object_get(o, "first"), &t->first);
	check_stat(json_object_get(o, "dns"), &t->dns);
	assert_int_equal(jint(o, "requests"), t->requests);
	assert_int_equal(jint(o, "dns_queries"), t->dns_queries);
	assert_int_equal(jint(o, "dns_unanswered"), t->dns_unanswered);
	assert_int_equal(jint(o, "app"), t->app);
}

/* Microflows of [t1, t2] (of @flow when given) against the store and fx. */
static void check_microflows(const char *flow, __u64 t1, __u64 t2)
{
	struct mfs *ms = calloc(1, sizeof(*ms));
	struct strata_flow_key k;
	char err[256], f[32], t[32];
	json_t *j, *e;
	size_t i;

	assert_non_null(ms);
	if (flow)
		assert_int_equal(strata_api_parse_flow(flow, &k), 0);
	assert_int_equal(strata_store_microflows(fx.s, flow ? &k : NULL, t1, t2, on_mflow, ms,
						 err, sizeof(err)), 0);
	assert_true(ms->n > 0);
	if (flow)
		j = get_json("/api/v1/microflows", NULL, "flow", flow, "from", tstr(t1, f),
			     "to", tstr(t2, t), NULL);
	else
		j = get_json("/api/v1/microflows", NULL, "to", tstr(t2, t), "from",
			     tstr(t1, f), NULL);
	assert_int_equal(json_array_size(j), ms->n);
	json_array_foreach(j, i, e) {
		const struct strata_store_mflow *m = &ms->m[i];
		const struct strata_mflow *w = &fx.mf[m->info.seq - 1];
		char a[64];
		json_t *rf = json_object_get(e, "ring_first");

		assert_memory_equal(&m->mf.key, &w->key, sizeof(w->key));
		assert_int_equal(jint(e, "seq"), m->info.seq);
		assert_int_equal(jint(e, "window_start"), w->window_start);
		assert_true(w->window_start <= t2 && w->window_start + WIN_NS > t1);
		assert_int_equal(jint(e, "window_ns"), WIN_NS);
		assert_int_equal(jint(e, "generation"), 7);
		assert_int_equal(jint(e, "family"), w->key.family);
		assert_int_equal(jint(e, "proto"), w->key.proto);
		inet_ntop(w->key.family == 4 ? AF_INET : AF_INET6,
			  w->key.family == 4 ? w->key.addr[0] + 12 : w->key.addr[0], a, sizeof(a));
		assert_string_equal(jstr(e, "addr0"), a);
		assert_int_equal(jint(e, "port0"), w->key.port[0]);
		assert_int_equal(jint(e, "port1"), w->key.port[1]);
		assert_int_equal(jint(e, "initiator"), w->initiator);
		snprintf(a, sizeof(a), "0x%016llx", (unsigned long long)m->info.key_hash);
		assert_string_equal(jstr(e, "key_hash"), a);
		assert_int_equal(jint(rf, "cpu"), m->info.ring_first >> 48);
		assert_int_equal(jint(rf, "seq"), m->info.ring_first & SEQ_MASK);
		assert_non_null(json_object_get(e, "ring_last"));
		assert_int_equal(jint(e, "first_block"), m->first_block);
		assert_int_equal(jint(e, "last_block"), m->last_block);
		assert_true(m->first_block >= 1 && m->last_block >= m->first_block);
		check_dir(json_object_get(e, "dir0"), &w->dir[0]);
		check_dir(json_object_get(e, "dir1"), &w->dir[1]);
		check_txn(json_object_get(e, "txn"), &w->txn);
	}
	json_decref(j);
	free(ms);
}

static const char *jfield(json_t *doc, size_t i)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(doc, "schema"), "fields"), i), "name"));
}

static bool has_field(json_t *doc, const char *name)
{
	size_t i;

	for (i = 0; jfield(doc, i); i++)
		if (!strcmp(jfield(doc, i), name))
			return true;
	return false;
}

/*
 * Lists are containers naming this sensor; the processor sums a
 * conversation's microflows (both directions) as the store's records do.
 */
static void test_containers(void **state)
{
	static const char *const by[] = { "addr0", "port0", "addr1", "port1", "ip_proto" };
	static const char *const fields[] = { "avg_pkt_size", "size_mean", "pkt_rate" };
	struct strata_cquery q = { true, by, 5, fields, 3 };
	struct strata_container *c;
	json_t *doc, *schema, *out, *row;
	char err[1024];
	size_t i, m;

	(void)state;
	strata_api_set_producer("edge-1");
	doc = get_doc("/api/v1/microflows", NULL);
	strata_api_set_producer(NULL);
	schema = json_object_get(doc, "schema");
	assert_string_equal(jstr(schema, "type"), "microflows");
	assert_string_equal(jstr(schema, "level"), "microflow");
	assert_string_equal(jstr(json_array_get(json_object_get(schema, "sensors"), 0), "id"),
			    "edge-1");
	assert_string_equal(jstr(schema, "version"), STRATA_VERSION);
	assert_string_equal(jfield(doc, 0), "window");
	assert_true(has_field(doc, "rtt_data_sumsq"));
	assert_false(has_field(doc, "microflows"));	/* flows only */
	assert_int_equal(strata_container_load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(strata_container_result(c, &q, &out, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(out, "rows")), NCONV);
	json_array_foreach(json_object_get(out, "rows"), i, row) {
		__u64 pk = 0, by_ = 0, sn = 0, ss = 0, from = ~0ULL, to = 0;
		double secs;

		for (m = 0; m < fx.nmf; m++) {
			const struct strata_mflow *w = &fx.mf[m];

			if (w->key.port[0] != jint(row, "port0") ||
			    w->key.port[1] != jint(row, "port1"))
				continue;
			pk += w->dir[0].packets + w->dir[1].packets;
			by_ += w->dir[0].bytes + w->dir[1].bytes;
			sn += w->dir[0].size.n + w->dir[1].size.n;
			ss += w->dir[0].size.sum + w->dir[1].size.sum;
			from = w->window_start < from ? w->window_start : from;
			to = w->window_start + WIN_NS > to ? w->window_start + WIN_NS : to;
		}
		assert_true(pk > 0);
		assert_int_equal(jint(row, "packets"), pk);
		assert_int_equal(jint(row, "bytes"), by_);
		assert_true(json_real_value(json_object_get(row, "avg_pkt_size")) ==
			    (double)by_ / (double)pk);
		assert_true(json_real_value(json_object_get(row, "size_mean")) ==
			    (double)ss / (double)sn);
		secs = (double)(to - from) / 1e9;
		assert_true(fabs(json_real_value(json_object_get(row, "pkt_rate")) -
				 (double)pk / secs) <= 1e-9 * (double)pk / secs);
	}
	json_decref(out);
	strata_container_free(c);
	json_decref(doc);

	doc = get_doc("/api/v1/flows", NULL);
	assert_string_equal(jstr(json_object_get(doc, "schema"), "level"), "flow");
	assert_true(has_field(doc, "microflows"));
	assert_true(has_field(doc, "txn_dns_sumsq"));
	/* Transaction timing per flow, by the processor: avg_ttfb, avg_dns. */
	{
		static const char *const tf[] = { "avg_ttfb", "req_rate", "avg_dns" };
		struct strata_cquery tq = { true, by, 5, tf, 3 };

		assert_int_equal(strata_container_load(&c, doc, err, sizeof(err)), 0);
		assert_int_equal(strata_container_result(c, &tq, &out, err, sizeof(err)), 0);
		assert_int_equal(json_array_size(json_object_get(out, "rows")), NCONV);
		json_array_foreach(json_object_get(out, "rows"), i, row) {
			__u64 tn = 0, ts = 0, rq = 0, dn = 0, ds = 0;

			for (m = 0; m < fx.nmf; m++) {
				const struct strata_mflow *w = &fx.mf[m];

				if (w->key.port[0] != jint(row, "port0"))
					continue;
				tn += w->txn.ttfb.n;
				ts += w->txn.ttfb.sum;
				rq += w->txn.requests;
				dn += w->txn.dns.n;
				ds += w->txn.dns.sum;
			}
			if (tn)
				assert_true(json_real_value(json_object_get(row, "avg_ttfb")) ==
					    (double)ts / (double)tn);
			else	/* no sample: no value */
				assert_true(json_is_null(json_object_get(row, "avg_ttfb")));
			assert_true(fabs(json_real_value(json_object_get(row, "req_rate")) -
					 (double)rq / 60.0) < 1e-9);
			if (dn)
				assert_true(json_real_value(json_object_get(row, "avg_dns")) ==
					    (double)ds / (double)dn);
			else
				assert_true(json_is_null(json_object_get(row, "avg_dns")));
		}
		json_decref(out);
		strata_container_free(c);
	}
	/* No producer set: an empty id, still a sensor entry. */
	assert_string_equal(jstr(json_array_get(json_object_get(json_object_get(doc, "schema"),
							     "sensors"), 0), "id"), "");
	json_decref(doc);
	doc = get_doc("/api/v1/blocks", NULL);
	assert_string_equal(jstr(json_object_get(doc, "schema"), "type"), "blocks");
	assert_string_equal(jfield(doc, 0), "block");
	assert_true(has_field(doc, "stored_bytes"));
	json_decref(doc);
	/* Packet records too; grouped by source, they add up as the packets do. */
	doc = get_doc("/api/v1/packets", NULL);
	schema = json_object_get(doc, "schema");
	assert_string_equal(jstr(schema, "type"), "packets");
	assert_string_equal(jstr(schema, "level"), "packet");
	assert_true(has_field(doc, "ts_ns") && has_field(doc, "saddr") && has_field(doc, "data"));
	assert_true(has_field(doc, "ip_proto") && has_field(doc, "payload_bytes"));
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), NPKT);
	{
		static const char *const src[] = { "saddr" };
		static const char *const pf[] = { "avg_pkt_size" };
		struct strata_cquery pq = { true, src, 1, pf, 1 };
		char a[64];

		assert_int_equal(strata_container_load(&c, doc, err, sizeof(err)), 0);
		assert_int_equal(strata_container_result(c, &pq, &out, err, sizeof(err)), 0);
		assert_true(json_array_size(json_object_get(out, "rows")) >= 2);
		json_array_foreach(json_object_get(out, "rows"), i, row) {
			__u64 pk = 0, by_ = 0, pl = 0, cap = 0;

			for (m = 0; m < NPKT; m++) {
				const struct strata_rec_packet *p = &fx.pkts[m].p;
				__u64 segs = m % 7 == 3 ? (p->payload_len + 9) / 10 : 1;

				inet_ntop(p->family == 4 ? AF_INET : AF_INET6,
					  p->family == 4 ? p->saddr + 12 : p->saddr, a, sizeof(a));
				if (strcmp(a, jstr(row, "saddr")))
					continue;
				pk += segs;
				by_ += p->wire_len + (segs - 1) * (p->wire_len - p->payload_len);
				pl += p->payload_len;
				cap += p->caplen;
			}
			assert_true(pk > 0);
			assert_int_equal(jint(row, "packets"), pk);
			assert_int_equal(jint(row, "bytes"), by_);
			assert_int_equal(jint(row, "payload_bytes"), pl);
			assert_int_equal(jint(row, "caplen"), cap);
			assert_true(json_real_value(json_object_get(row, "avg_pkt_size")) ==
				    (double)by_ / (double)pk);
		}
		json_decref(out);
		strata_container_free(c);
	}
	json_decref(doc);
}

static void test_microflows(void **state)
{
	bool trunc = true;
	unsigned int c;

	(void)state;
	assert_int_equal(count("/api/v1/microflows", &trunc, NULL), NWIN * NCONV);
	assert_false(trunc);
	check_microflows(NULL, 0, ~0ULL >> 1);
	/* A window's first and last ns are in it; the ns before is not. */
	check_microflows(NULL, T0 + 2 * WIN_NS, T0 + 2 * WIN_NS);
	check_microflows(NULL, T0 + 3 * WIN_NS - 1, T0 + 3 * WIN_NS - 1);
	for (c = 0; c < NCONV; c++) {
		check_microflows(convs[c].flow, 0, ~0ULL >> 1);
		check_microflows(convs[c].flow_rev, T0 + WIN_NS, T0 + 3 * WIN_NS);
		assert_int_equal(count("/api/v1/microflows", NULL, "flow", convs[c].flow_rev,
				       NULL), NWIN);
	}
	/* The limit: exactly as many is no truncation, one fewer is. */
	assert_int_equal(count("/api/v1/microflows", &trunc, "limit", "18", NULL), 18);
	assert_false(trunc);
	assert_int_equal(count("/api/v1/microflows", &trunc, "limit", "17", NULL), 17);
	assert_true(trunc);
	/* Nothing there: an empty array. */
	assert_int_equal(count("/api/v1/microflows", &trunc, "from", "1800000000", NULL), 0);
}

/* Location flows (of @conv, -1 for any), its microflows summed by the store,
 * against a JSON answer, which is freed. */
static void check_flows(json_t *j, int conv)
{
	struct strata_dir_stats want[2];
	struct strata_txn_stats txn;
	struct strata_flow_key k;
	unsigned int c, n = 0, i;
	const json_t *e = NULL;
	char a[64];
	size_t x;

	for (c = 0; c < NCONV; c++) {
		if (conv >= 0 && c != (unsigned int)conv)
			continue;
		n++;
		key_of(&convs[c], &k);
		/* In the store's order (by hash): found by its port 0, unique here. */
		for (x = 0; x < json_array_size(j); x++) {
			e = json_array_get(j, x);
			if (jint(e, "port0") == k.port[0])
				break;
		}
		assert_true(x < json_array_size(j));
		memset(want, 0, sizeof(want));
		memset(&txn, 0, sizeof(txn));
		for (i = 0; i < fx.nmf; i++) {
			if (memcmp(&fx.mf[i].key, &k, sizeof(k)))
				continue;
			strata_dir_stats_merge(&want[0], &fx.mf[i].dir[0]);
			strata_dir_stats_merge(&want[1], &fx.mf[i].dir[1]);
			strata_txn_merge(&txn, &fx.mf[i].txn);
		}
		/* Not zero where the fixture has transactions: the sum is seen. */
		assert_true(c == 1 || txn.ttfb.n == NWIN);
		assert_int_equal(jint(e, "window_start"), FW0);
		assert_int_equal(jint(e, "window_ns"), STRATA_STORE_FLOW_WINDOW_NS);
		assert_int_equal(jint(e, "family"), k.family);
		assert_int_equal(jint(e, "proto"), k.proto);
		inet_ntop(k.family == 4 ? AF_INET : AF_INET6,
			  k.family == 4 ? k.addr[1] + 12 : k.addr[1], a, sizeof(a));
		assert_string_equal(jstr(e, "addr1"), a);
		assert_int_equal(jint(e, "port0"), k.port[0]);
		assert_int_equal(jint(e, "port1"), k.port[1]);
		if (c == 2)
			assert_null(json_object_get(e, "initiator"));
		else
			assert_int_equal(jint(e, "initiator"), c == 0);
		assert_int_equal(jint(e, "microflows"), NWIN);
		assert_int_equal(jint(e, "first_mf"), T0);
		assert_int_equal(jint(e, "last_mf"), T0 + (NWIN - 1) * WIN_NS);
		check_dir(json_object_get(e, "dir0"), &want[0]);
		check_dir(json_object_get(e, "dir1"), &want[1]);
		check_txn(json_object_get(e, "txn"), &txn);
	}
	assert_int_equal(json_array_size(j), n);
	json_decref(j);
}

static void test_flows(void **state)
{
	char f[32], t[32];
	bool trunc;
	unsigned int c;

	(void)state;
	check_flows(get_json("/api/v1/flows", &trunc, NULL), -1);
	assert_false(trunc);
	/*
	 * With a conversation, the store looks it up in each flow window of
	 * the range: a bounded range (a day each side of T0), not the
	 * default one, from 1970 to the end of time, which takes seconds.
	 */
	for (c = 0; c < NCONV; c++) {
		check_flows(get_json("/api/v1/flows", NULL, "flow", convs[c].flow_rev,
				     "from", tstr(T0 - DAY_NS, f), "to", tstr(T0 + DAY_NS, t),
				     NULL), (int)c);
		/* The flow window's last ns overlaps it. */
		check_flows(get_json("/api/v1/flows", NULL, "flow", convs[c].flow,
				     "from", tstr(FW0 + STRATA_STORE_FLOW_WINDOW_NS - 1, f),
				     "to", tstr(T0 + DAY_NS, t), NULL), (int)c);
	}
	assert_int_equal(count("/api/v1/flows", NULL,
			       "from", tstr(FW0 + STRATA_STORE_FLOW_WINDOW_NS, f), NULL), 0);
	assert_int_equal(count("/api/v1/flows", &trunc, "limit", "2", NULL), 2);
	assert_true(trunc);
}

static void hex(const __u8 *d, __u32 n, char *out)
{
	for (__u32 i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * n] = 0;
}

static bool in_conv(const struct tpkt *t, int conv)
{
	return conv < 0 || t->conv == (unsigned int)conv;
}

/* Packets [first, last] of fx (of @conv, -1 for any), @limit at most,
 * against a JSON answer, which is freed. */
static void check_packets_json(json_t *j, int conv, unsigned int first,
			       unsigned int last, unsigned int limit)
{
	char want[2 * CAP_MAX + 1], a[64];
	unsigned int i, n = 0;
	const json_t *e, *seg;

	assert_true(json_is_array(j));
	for (i = first; i <= last && n < limit; i++) {
		const struct tpkt *t = &fx.pkts[i];
		const struct strata_rec_packet *p = &t->p;

		if (!in_conv(t, conv))
			continue;
		e = json_array_get(j, n++);
		assert_non_null(e);
		assert_int_equal(jint(e, "cpu"), t->cpu);
		assert_int_equal(jint(e, "seq"), t->seq);
		assert_true(jint(e, "block") >= 1);
		assert_int_equal(jint(e, "ts_ns"), p->ts_ns);
		assert_string_equal(jstr(e, "hook"), p->hook ? "local_out" : "pre_routing");
		assert_int_equal(jint(e, "ifindex"), 3);
		assert_int_equal(jint(e, "family"), p->family);
		assert_int_equal(jint(e, "proto"), p->proto);
		inet_ntop(p->family == 4 ? AF_INET : AF_INET6,
			  p->family == 4 ? p->saddr + 12 : p->saddr, a, sizeof(a));
		assert_string_equal(jstr(e, "saddr"), a);
		inet_ntop(p->family == 4 ? AF_INET : AF_INET6,
			  p->family == 4 ? p->daddr + 12 : p->daddr, a, sizeof(a));
		assert_string_equal(jstr(e, "daddr"), a);
		assert_int_equal(jint(e, "sport"), p->sport);
		assert_int_equal(jint(e, "dport"), p->dport);
		assert_int_equal(jint(e, "wire_len"), p->wire_len);
		/* As the core counts: a GSO packet as its segments, each with its headers. */
		assert_int_equal(jint(e, "packets"), i % 7 == 3 ? (p->payload_len + 9) / 10 : 1);
		assert_int_equal(jint(e, "bytes"), p->wire_len + (jint(e, "packets") - 1) *
				 (p->wire_len - p->payload_len));
		assert_int_equal(jint(e, "caplen"), p->caplen);
		assert_int_equal(jint(e, "payload_len"), p->payload_len);
		assert_int_equal(jint(e, "ip_id"), p->ip_id);
		assert_int_equal(jint(e, "ttl"), 64);
		assert_int_equal(jint(e, "tcp_flags"), p->tcp_flags);
		assert_int_equal(jint(e, "tcp_seq"), p->tcp_seq);
		assert_int_equal(jint(e, "dir"), p->dir);
		assert_int_equal(jint(e, "generation"), 7);
		snprintf(a, sizeof(a), "0x%016llx", (unsigned long long)p->fp_hash);
		assert_string_equal(jstr(e, "fp_hash"), a);
		snprintf(a, sizeof(a), "0x%016llx", (unsigned long long)p->key_hash);
		assert_string_equal(jstr(e, "key_hash"), a);
		assert_int_equal(jint(e, "nseg"), p->nseg);
		seg = json_object_get(e, "seg");
		assert_int_equal(json_array_size(seg), p->nseg);
		for (unsigned int k = 0; k < p->nseg; k++)
			assert_int_equal(json_integer_value(json_array_get(seg, k)), p->seg[k]);
		hex(t->data, p->caplen, want);
		assert_string_equal(jstr(e, "data"), want);
	}
	assert_int_equal(json_array_size(j), n);
	json_decref(j);
}

static void test_packets_json(void **state)
{
	const char *pk = "/api/v1/packets";
	char f[32], t[32];
	bool trunc;
	json_t *j;
	unsigned int c;

	(void)state;
	check_packets_json(get_json(pk, &trunc, NULL), -1, 0, NPKT - 1, NPKT);
	assert_false(trunc);
	assert_int_equal(count(pk, NULL, "format", "json", NULL), NPKT);
	for (c = 0; c < NCONV; c++) {
		check_packets_json(get_json(pk, NULL, "flow", convs[c].flow, NULL), (int)c,
				   0, NPKT - 1, NPKT);
		/* Reversed, and bounded by packets' own times: both included. */
		j = get_json(pk, NULL, "flow", convs[c].flow_rev,
			     "from", tstr(fx.pkts[12 + c].p.ts_ns, f),
			     "to", tstr(fx.pkts[42 + c].p.ts_ns, t), NULL);
		assert_int_equal(json_array_size(j), 11);
		check_packets_json(j, (int)c, 12 + c, 42 + c, NPKT);
		/* One ns inside the bounds: the end packets are out. */
		j = get_json(pk, NULL, "flow", convs[c].flow_rev,
			     "from", tstr(fx.pkts[12 + c].p.ts_ns + 1, f),
			     "to", tstr(fx.pkts[42 + c].p.ts_ns - 1, t), NULL);
		assert_int_equal(json_array_size(j), 9);
		check_packets_json(j, (int)c, 13 + c, 41 + c, NPKT);
	}
	/* RFC 3339 bounds, the same instants as epoch seconds. */
	check_packets_json(get_json(pk, NULL, "from", "2023-11-14T22:13:20.005000123Z",
				    "to", "2023-11-14T23:13:20.009000123+01:00", NULL),
			   -1, 5, 9, NPKT);
	/* The limit cuts, and says so. */
	check_packets_json(get_json(pk, &trunc, "limit", "7", "flow", convs[1].flow, NULL),
			   1, 0, NPKT - 1, 7);
	assert_true(trunc);
	assert_int_equal(count(pk, &trunc, "limit", "20", "flow", convs[1].flow, NULL), 20);
	assert_false(trunc);
	assert_int_equal(count(pk, &trunc, "limit", "1000000", NULL), NPKT);
	/* A tcpdump filter narrows: TCP port 80 is conversation 0. */
	check_packets_json(get_json(pk, NULL, "filter", "tcp port 80", NULL), 0, 0, NPKT - 1,
			   NPKT);
	check_packets_json(get_json(pk, NULL, "filter", "ip6 and udp", NULL), 2, 0, NPKT - 1,
			   NPKT);
	/* The limit counts what the filter kept; an empty filter is none. */
	j = get_json(pk, &trunc, "filter", "udp", "limit", "5", NULL);
	assert_int_equal(json_array_size(j), 5);
	assert_true(trunc);
	assert_int_equal(jint(json_array_get(j, 0), "proto"), 17);
	json_decref(j);
	assert_int_equal(count(pk, NULL, "filter", "", NULL), NPKT);
}

/* The pcap file format, as test_offline's files are read. */
struct pcap_hdr {
	__u32 magic;
	__u16 major;
	__u16 minor;
	__s32 zone;
	__u32 sigfigs;
	__u32 snaplen;
	__u32 linktype;
};

struct pcap_rec {
	__u32 sec;
	__u32 nsec;
	__u32 caplen;
	__u32 len;
};

/* A pcap answer against packets [first, last] of fx (of @conv). */
static void check_pcap(const struct strata_api_resp *resp, int conv, unsigned int first,
		       unsigned int last)
{
	const char *p = resp->body, *end = resp->body + resp->len;
	struct pcap_hdr h;
	struct pcap_rec r;
	unsigned int i;

	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->content_type, "application/vnd.tcpdump.pcap");
	assert_non_null(resp->filename);
	assert_true(resp->len >= sizeof(h));
	memcpy(&h, p, sizeof(h));
	p += sizeof(h);
	assert_int_equal(h.magic, 0xa1b23c4d);
	assert_int_equal(h.major, 2);
	assert_int_equal(h.minor, 4);
	assert_int_equal(h.linktype, 101);
	assert_true(h.snaplen >= STRATA_SNAPLEN_MAX);
	for (i = first; i <= last; i++) {
		const struct tpkt *t = &fx.pkts[i];

		if (!in_conv(t, conv))
			continue;
		assert_true(end - p >= (long)sizeof(r));
		memcpy(&r, p, sizeof(r));
		p += sizeof(r);
		assert_int_equal((__u64)r.sec * 1000000000ULL + r.nsec, t->p.ts_ns);
		assert_true(r.nsec < 1000000000);
		assert_int_equal(r.caplen, t->p.caplen);
		assert_int_equal(r.len, t->p.wire_len);
		assert_true(end - p >= (long)r.caplen);
		assert_memory_equal(p, t->data, r.caplen);
		p += r.caplen;
	}
	assert_true(p == end);
}

static void test_packets_pcap(void **state)
{
	struct strata_api_resp resp;
	char f[32], t[32];
	unsigned int c;

	(void)state;
	assert_int_equal(call("GET", "/api/v1/packets", &resp, "format", "pcap", NULL), 200);
	check_pcap(&resp, -1, 0, NPKT - 1);
	assert_false(resp.truncated);
	strata_api_resp_free(&resp);
	for (c = 0; c < NCONV; c++) {
		call("GET", "/api/v1/packets", &resp, "format", "pcap", "flow", convs[c].flow_rev,
		     "from", tstr(fx.pkts[3].p.ts_ns, f), "to", tstr(fx.pkts[50].p.ts_ns, t),
		     NULL);
		check_pcap(&resp, (int)c, 3, 50);
		strata_api_resp_free(&resp);
	}
	call("GET", "/api/v1/packets", &resp, "format", "pcap", "filter", "tcp port 80", NULL);
	check_pcap(&resp, 0, 0, NPKT - 1);
	strata_api_resp_free(&resp);
	/* Conversation 2's first 4 packets: 2, 5, 8, 11. */
	call("GET", "/api/v1/packets", &resp, "format", "pcap", "flow", convs[2].flow,
	     "limit", "4", NULL);
	check_pcap(&resp, 2, 0, 11);
	assert_true(resp.truncated);
	strata_api_resp_free(&resp);
	/* No packet: the file header alone. */
	call("GET", "/api/v1/packets", &resp, "format", "pcap", "from", "1800000000", NULL);
	check_pcap(&resp, -1, 1, 0);
	strata_api_resp_free(&resp);
}

/* ---- bad requests ---- */

/* A status, and an {"error": ...} holding @msg. */
static void expect_error(struct strata_api_resp *resp, unsigned int status, const char *msg)
{
	const char *m;
	json_t *j;

	if (resp->status != status)
		fail_msg("%u, not %u: %.*s", resp->status, status, (int)resp->len, resp->body);
	assert_string_equal(resp->content_type, "application/json");
	assert_false(resp->truncated);
	assert_null(resp->filename);
	j = parse(resp);
	m = jstr(j, "error");
	if (!strstr(m, msg))
		fail_msg("'%s' does not say '%s'", m, msg);
	assert_int_equal(json_object_size(j), 1);
	json_decref(j);
	strata_api_resp_free(resp);
}

/* A bad request and what it must get: @nargs of @args, a status, a message. */
static const struct bad_case {
	const char *method;
	const char *path;
	unsigned int nargs;
	struct strata_api_arg args[2];
	unsigned int status;
	const char *msg;
} bad_cases[] = {
	/* Flows, times and their order. */
	{ "GET", "/api/v1/packets", 1, { { "flow", "10.0.0.1:80" } }, 400,
	  "flow: '10.0.0.1:80' is not ADDR:PORT-ADDR:PORT/PROTO" },
	{ "GET", "/api/v1/microflows", 1, { { "flow", "10.0.0.1:1-[::1]:2/tcp" } }, 400,
	  "flow: '10.0.0.1:1-[::1]:2/tcp' is not" },
	{ "GET", "/api/v1/packets", 1, { { "from", "yesterday" } }, 400,
	  "from: 'yesterday' is not an RFC 3339 time" },
	{ "GET", "/api/v1/blocks", 1, { { "to", "2023-11-14T22:13:20" } }, 400,
	  "to: '2023-11-14T22:13:20' is not an RFC 3339 time" },
	{ "GET", "/api/v1/packets", 1, { { "from", "2023-11-14T22:13:20 01:00" } }, 400,
	  "(a '+' in a URL is a space: write %2B)" },
	{ "GET", "/api/v1/microflows", 2, { { "from", "2" }, { "to", "1" } }, 400,
	  "from is after to" },
	/* Filters, formats, limits. */
	{ "GET", "/api/v1/packets", 1, { { "filter", "tcp port" } }, 400,
	  "filter 'tcp port': " },
	{ "GET", "/api/v1/packets", 1, { { "filter", "ether host 1:2:3:4:5:6" } }, 400,
	  "filter 'ether host 1:2:3:4:5:6': " },
	{ "GET", "/api/v1/packets", 1, { { "format", "csv" } }, 400,
	  "format: 'csv' is not json or pcap" },
	{ "GET", "/api/v1/packets", 1, { { "format", "PCAP" } }, 400, "format: 'PCAP'" },
	{ "GET", "/api/v1/packets", 1, { { "limit", "0" } }, 400,
	  "limit: '0' is not a number 1..1000000" },
	{ "GET", "/api/v1/packets", 1, { { "limit", "1000001" } }, 400, "limit: '1000001'" },
	{ "GET", "/api/v1/microflows", 1, { { "limit", "-1" } }, 400, "limit: '-1'" },
	{ "GET", "/api/v1/flows", 1, { { "limit", "ten" } }, 400, "limit: 'ten'" },
	/* Parameters: unknown, not this endpoint's, twice, valueless. */
	{ "GET", "/api/v1/packets", 1, { { "bogus", "1" } }, 400,
	  "unknown parameter 'bogus' (/api/v1/packets takes "
	  "from, to, flow, limit, filter, format)" },
	{ "GET", "/api/v1/info", 1, { { "from", "1" } }, 400,
	  "unknown parameter 'from' (/api/v1/info takes no parameters)" },
	{ "GET", "/api/v1/microflows", 1, { { "format", "pcap" } }, 400,
	  "unknown parameter 'format'" },
	{ "GET", "/api/v1/flows", 1, { { "filter", "tcp" } }, 400,
	  "unknown parameter 'filter' (/api/v1/flows takes from, to, flow, limit)" },
	{ "GET", "/api/v1/blocks", 1, { { "limit", "5" } }, 400,
	  "unknown parameter 'limit' (/api/v1/blocks takes from, to)" },
	{ "GET", "/api/v1/packets", 1, { { "\xff\xfe\x01", "1" } }, 400,
	  "unknown parameter '\?\?\?'" },
	{ "GET", "/api/v1/packets", 2, { { "from", "1" }, { "from", "2" } }, 400,
	  "parameter 'from' given twice" },
	{ "GET", "/api/v1/packets", 1, { { "flow", NULL } }, 400,
	  "flow: the value is missing: ADDR:PORT-ADDR:PORT/PROTO" },
	{ "GET", "/api/v1/packets", 1, { { "to", "" } }, 400, "to: the value is missing" },
	/* Paths, then methods. */
	{ "GET", "/api/v1/nope", 0, { { NULL, NULL } }, 404,
	  "no such endpoint '/api/v1/nope': /api/v1/info, /api/v1/blocks, "
	  "/api/v1/microflows, /api/v1/flows, /api/v1/packets" },
	{ "GET", "/api/v1/info/", 0, { { NULL, NULL } }, 404, "no such endpoint" },
	{ "GET", "/", 0, { { NULL, NULL } }, 404, "no such endpoint '/'" },
	{ "POST", "/nope", 0, { { NULL, NULL } }, 404, "no such endpoint" },
	{ "POST", "/api/v1/info", 0, { { NULL, NULL } }, 405,
	  "method POST not allowed: /api/v1/info takes GET" },
	{ "DELETE", "/api/v1/packets", 1, { { "flow", "x" } }, 405, "method DELETE" },
	{ "HEAD", "/api/v1/info", 0, { { NULL, NULL } }, 405, "method HEAD" },
	{ "get", "/api/v1/packets", 0, { { NULL, NULL } }, 405, "method get" },
};

static void test_bad_requests(void **state)
{
	struct strata_api_resp r;
	struct strata_api_arg many[STRATA_API_ARGS_MAX + 1];
	char lng[200], want[96];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];

		assert_int_equal(strata_api_handle(fx.s, b->method, b->path, b->args, b->nargs,
						   &r), 0);
		/* 405 says what is allowed; nothing else does. */
		if (b->status == 405)
			assert_string_equal(r.allow, "GET");
		else
			assert_null(r.allow);
		expect_error(&r, b->status, b->msg);
	}
	/* A long value is quoted cut, at 64 bytes. */
	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = 0;
	call("GET", "/api/v1/packets", &r, "flow", lng, NULL);
	snprintf(want, sizeof(want), "flow: '%.64s...' is not", lng);
	expect_error(&r, 400, want);
	for (i = 0; i <= STRATA_API_ARGS_MAX; i++)
		many[i] = (struct strata_api_arg){ "from", "1" };
	assert_int_equal(strata_api_handle(fx.s, "GET", "/api/v1/packets", many,
					   STRATA_API_ARGS_MAX + 1, &r), 0);
	expect_error(&r, 400, "more than 16 parameters");
	/* No store (not open yet): unavailable, after the request was checked. */
	assert_int_equal(strata_api_handle(NULL, "GET", "/api/v1/info", NULL, 0, &r), 0);
	expect_error(&r, 503, "the store is not open");
	/* The glue's own errors, in the same form. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(strata_api_error(&r, 400, "bad %s \x80", "thing"), 0);
	expect_error(&r, 400, "bad thing ?");
}

/* Past the body limit: 413, whatever the format, and nothing half-made. */
static void test_too_large(void **state)
{
	struct strata_api_resp r;

	(void)state;
	assert_int_equal(strata_api_handle_max(fx.s, "GET", "/api/v1/packets", NULL, 0,
					       4096, &r), 0);
	expect_error(&r, 413, "larger than 4096 bytes: narrow the time range");
	assert_int_equal(strata_api_handle_max(fx.s, "GET", "/api/v1/microflows", NULL, 0,
					       4096, &r), 0);
	expect_error(&r, 413, "name a flow or lower the limit");
	{
		struct strata_api_arg a[] = { { "format", "pcap" } };

		assert_int_equal(strata_api_handle_max(fx.s, "GET", "/api/v1/packets", a, 1,
						       2048, &r), 0);
		expect_error(&r, 413, "larger than 2048 bytes");
		/* Room for all of it: the same request answers. */
		assert_int_equal(strata_api_handle_max(fx.s, "GET", "/api/v1/packets", a, 1,
						       64 << 10, &r), 0);
		check_pcap(&r, -1, 0, NPKT - 1);
		strata_api_resp_free(&r);
	}
	assert_int_equal(strata_api_handle_max(fx.s, "GET", "/api/v1/info", NULL, 0, 16, &r), 0);
	expect_error(&r, 413, "larger than 16 bytes");
	assert_int_equal(strata_api_handle_max(fx.s, "GET", "/api/v1/blocks", NULL, 0, 64, &r), 0);
	expect_error(&r, 413, "larger than 64 bytes");
}

/*
 * A corrupt block: a 500 naming it, not a 200 with what could be read (a
 * drill-down that silently lacks packets would be believed). The store is
 * closed to edit its file (LMDB: one open per process), then reopened.
 */
static void test_corrupt_block(void **state)
{
	struct strata_store_opts o;
	struct strata_api_resp r;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	__u8 key[8] = { [7] = 2 }, *copy;
	MDB_val k = { sizeof(key), key }, v;
	char err[256];

	(void)state;
	assert_int_equal(strata_store_close(fx.s, err, sizeof(err)), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, fx.dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "blocks", 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	copy = malloc(v.mv_size);
	assert_non_null(copy);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size - 1] ^= 0x40;	/* past the header: the checksum sees it */
	v.mv_data = copy;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(copy);
	strata_store_opts_init(&o, fx.dir);
	o.budget = 4ULL << 20;
	assert_int_equal(strata_store_open(&o, &fx.s, err, sizeof(err)), 0);

	call("GET", "/api/v1/packets", &r, NULL);
	expect_error(&r, 500, "block 2: checksum");
	call("GET", "/api/v1/packets", &r, "format", "pcap", NULL);
	expect_error(&r, 500, "1 corrupt block in the range");
	/* Around it, all is well. */
	call("GET", "/api/v1/packets", &r, "format", "pcap", "to",
	     "1700000000.019000123", NULL);
	check_pcap(&r, -1, 0, 19);
	strata_api_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_flow),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_microflows),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_packets_json),
		cmocka_unit_test(test_packets_pcap),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_corrupt_block),	/* last: it breaks the store */
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
