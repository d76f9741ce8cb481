// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor's drill-down API (Documentation/api.rst): a request's path and
 * parameters to a JSON or pcap body from the store; and the time and
 * conversation syntax it shares with `strata store`. No HTTP here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include "api.h"
#include "container.h"
#include "keywords.h"

#define NSEC_PER_SEC	1000000000ULL
/* The most whole seconds that u64 nanoseconds hold with any fraction. */
#define SEC_MAX		18446744072ULL

/* ---- times and conversations ---- */

/* Decimals after a '.' as ns (past the ninth ignored). Return the end, or NULL
 * without a digit. */
static const char *parse_frac(const char *p, __u64 *frac)
{
	const char *start = p;
	__u64 scale = NSEC_PER_SEC;

	*frac = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (scale > 1) {
			scale /= 10;
			*frac += (__u64)(*p - '0') * scale;
		}
	}
	return p == start ? NULL : p;
}

/* Integers, not a double: a double stops at 0.2 us on today's epoch. */
static int parse_epoch(const char *s, __u64 *ns)
{
	const char *p = s;
	__u64 sec = 0, frac = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (__u64)(*p - '0');
		if (sec > SEC_MAX)
			return -EINVAL;
	}
	if (*p == '.' && !(p = parse_frac(p + 1, &frac)))
		return -EINVAL;
	if (*p)
		return -EINVAL;
	*ns = sec * NSEC_PER_SEC + frac;
	return 0;
}

static int two_digits(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static int parse_rfc3339(const char *s, __u64 *ns)
{
	struct tm tm;
	const char *p;
	__u64 frac = 0;
	long off = 0;
	int mday, mon, h, m;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p = strptime(p + 1, "%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.' && !(p = parse_frac(p + 1, &frac)))
		return -EINVAL;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* Each digit checked: "+ab:cd" is no offset of zero. */
		h = two_digits(p + 1);
		if (h < 0 || h > 23 || p[3] != ':')
			return -EINVAL;
		m = two_digits(p + 4);
		if (m < 0 || m > 59)
			return -EINVAL;
		off = (h * 60L + m) * 60L * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;	/* RFC 3339 wants the offset */
	}
	if (*p)
		return -EINVAL;
	/* timegm() makes 2026-02-31 into March 3rd: refuse what it moved. */
	mday = tm.tm_mday;
	mon = tm.tm_mon;
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != mday || tm.tm_mon != mon ||
	    t - off < 0 || (__u64)(t - off) > SEC_MAX)
		return -EINVAL;
	*ns = (__u64)(t - off) * NSEC_PER_SEC + frac;
	return 0;
}

int strata_api_parse_time(const char *s, __u64 *ns)
{
	if (strspn(s, "0123456789.") == strlen(s))
		return parse_epoch(s, ns);
	return parse_rfc3339(s, ns);
}

/* One endpoint: "ADDR:PORT", "[V6]:PORT", or an address alone (port 0). */
static int parse_endpoint(char *s, __u8 addr[16], int *family, __u16 *port)
{
	char *colon = NULL, *a = s;
	__u32 p = 0;

	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close)
			return -EINVAL;
		*close = 0;
		a = s + 1;
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			return -EINVAL;
	} else if (strchr(s, '.')) {
		colon = strchr(s, ':');
	}
	/* Else a bare IPv6 address (no port), or garbage inet_pton refuses. */
	if (colon) {
		*colon = 0;
		if (strata_kw_u32(colon + 1, 0, 65535, &p))
			return -EINVAL;
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET6, a, addr) == 1) {
		*family = 6;
	} else if (inet_pton(AF_INET, a, addr + 12) == 1) {
		addr[10] = addr[11] = 0xff;
		*family = 4;
	} else {
		return -EINVAL;
	}
	*port = (__u16)p;
	return 0;
}

int strata_api_parse_flow(const char *s, struct strata_flow_key *key)
{
	char buf[160], *slash, *dash;
	struct strata_pkt pkt;
	int fa, fb;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strrchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	memset(&pkt, 0, sizeof(pkt));
	if (strata_kw_proto(slash + 1, &pkt.proto))
		return -EINVAL;
	/* The '-' between the endpoints: after a ']' or the first port. */
	dash = strstr(buf, "]-");
	dash = dash ? dash + 1 : strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = 0;
	if (parse_endpoint(buf, pkt.saddr, &fa, &pkt.sport) ||
	    parse_endpoint(dash + 1, pkt.daddr, &fb, &pkt.dport) || fa != fb)
		return -EINVAL;
	pkt.family = (__u8)fa;
	strata_flow_key(&pkt, key);
	return 0;
}

const char *strata_api_format_flow(const struct strata_flow_key *k, char *buf, size_t len)
{
	char a[2][INET6_ADDRSTRLEN], pb[16];
	const char *p = strata_proto_name(k->proto, pb, sizeof(pb));
	int i;

	for (i = 0; i < 2; i++) {
		if (k->family == 4)
			inet_ntop(AF_INET, k->addr[i] + 12, a[i], sizeof(a[i]));
		else
			inet_ntop(AF_INET6, k->addr[i], a[i], sizeof(a[i]));
	}
	if (k->family == 4)
		snprintf(buf, len, "%s:%u-%s:%u/%s", a[0], k->port[0], a[1], k->port[1], p);
	else
		snprintf(buf, len, "[%s]:%u-[%s]:%u/%s", a[0], k->port[0], a[1], k->port[1], p);
	return buf;
}

/* ---- the response body ---- */

/* The body grows by doubling up to its limit; past it: -EFBIG, for good. */
struct abuf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	int err;
};

static int abuf_add(struct abuf *b, const void *d, size_t n)
{
	size_t cap;
	char *p;

	if (b->err || !n)
		return b->err;
	if (n > b->max - b->len)
		return b->err = -EFBIG;
	if (n > b->cap - b->len) {
		cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap = cap > b->max / 2 ? b->max : cap * 2;
		p = realloc(b->p, cap);
		if (!p)
			return b->err = -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	return 0;
}

static int abuf_dump(const char *d, size_t n, void *arg)
{
	return abuf_add(arg, d, n) ? -1 : 0;
}

/* ---- JSON objects from tables of fields ---- */

/* An object being built: one failed allocation anywhere fails it whole. */
struct jobj {
	json_t *o;
	bool oom;
};

static void jput(struct jobj *j, const char *k, json_t *v)
{
	/* json_object_set_new() takes @v, even on failure or with no @j->o. */
	if (!v || json_object_set_new(j->o, k, v))
		j->oom = true;
}

static void jput_u64(struct jobj *j, const char *k, __u64 v)
{
	jput(j, k, json_integer((json_int_t)v));
}

/* A 64-bit hash: a "0x%016llx" string, as JSON numbers stop at 2^63. */
static void jput_hex(struct jobj *j, const char *k, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
	jput(j, k, json_string(buf));
}

static void jput_addr(struct jobj *j, const char *k, const __u8 a[16], int family)
{
	char buf[INET6_ADDRSTRLEN];

	if (family == 4)
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	jput(j, k, json_string(buf));
}

/* A nested object: its failure is its parent's. */
static void jput_obj(struct jobj *parent, const char *k, struct jobj *c)
{
	parent->oom |= c->oom;
	jput(parent, k, c->o);
}

static void jput_ring_pos(struct jobj *j, const char *k, __u64 pos)
{
	struct jobj c = { json_object(), false };

	jput_u64(&c, "cpu", pos >> 48);
	jput_u64(&c, "seq", pos & ((1ULL << 48) - 1));
	jput_obj(j, k, &c);
}

enum {
	K_UINT,		/* an unsigned integer of 1, 2, 4 or 8 bytes */
	K_HEX,		/* a 64-bit hash */
	K_CODEC,	/* STRATA_STORE_CODEC_*, u32, as "zstd" or "none" */
	K_HOOK,		/* STRATA_HOOK_*, u8, as "local_out" or "pre_routing" */
	K_ADDR,		/* 16 bytes, in the family passed to jput_fields() */
	K_STAT,		/* struct strata_stat */
	K_FLAGS,	/* u32[STRATA_TCP_NFLAGS], one count per TCP flag */
};

struct field {
	const char *name;
	unsigned short off;
	unsigned char size;
	unsigned char kind;
};

#define FIELD(type, member, kind) \
	{ #member, offsetof(type, member), sizeof(((type *)0)->member), kind }

static __u64 field_u64(const void *base, const struct field *f)
{
	const __u8 *p = (const __u8 *)base + f->off;
	__u64 v8;
	__u32 v4;
	__u16 v2;

	switch (f->size) {
	case 1:
		return *p;
	case 2:
		memcpy(&v2, p, 2);
		return v2;
	case 4:
		memcpy(&v4, p, 4);
		return v4;
	default:
		memcpy(&v8, p, 8);
		return v8;
	}
}

static void jput_stat(struct jobj *j, const char *k, const struct strata_stat *s)
{
	struct jobj c = { json_object(), false };

	jput_u64(&c, "n", s->n);
	jput_u64(&c, "sum", s->sum);
	jput(&c, "sumsq", strata_json_u128(s->sumsq_hi, s->sumsq_lo));
	jput_u64(&c, "min", s->min);
	jput_u64(&c, "max", s->max);
	jput_obj(j, k, &c);
}

static void jput_flags(struct jobj *j, const char *k, const __u32 *counts)
{
	static const char *const names[STRATA_TCP_NFLAGS] = {
		"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr",
	};
	struct jobj c = { json_object(), false };
	int i;

	for (i = 0; i < STRATA_TCP_NFLAGS; i++)
		jput_u64(&c, names[i], counts[i]);
	jput_obj(j, k, &c);
}

static void jput_fields(struct jobj *j, const void *base, const struct field *f,
			size_t n, int family)
{
	const __u8 *p;
	size_t i;

	for (i = 0; i < n; i++, f++) {
		p = (const __u8 *)base + f->off;
		switch (f->kind) {
		case K_UINT:
			jput_u64(j, f->name, field_u64(base, f));
			break;
		case K_HEX:
			jput_hex(j, f->name, field_u64(base, f));
			break;
		case K_CODEC:
			jput(j, f->name, json_string(field_u64(base, f) ==
						     STRATA_STORE_CODEC_ZSTD ? "zstd" : "none"));
			break;
		case K_HOOK:
			jput(j, f->name, json_string(field_u64(base, f) ==
						     STRATA_HOOK_LOCAL_OUT ? "local_out" :
						     "pre_routing"));
			break;
		case K_ADDR:
			jput_addr(j, f->name, p, family);
			break;
		case K_STAT:
			jput_stat(j, f->name, (const struct strata_stat *)p);
			break;
		case K_FLAGS:
			jput_flags(j, f->name, (const __u32 *)p);
			break;
		}
	}
}

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))

/* The fields and names of `strata store info -j`, and those it leaves out. */
#define INFO(m, k)	FIELD(struct strata_store_info, m, k)
static const struct field info_fields[] = {
	INFO(version, K_UINT), INFO(codec, K_CODEC), INFO(snaplen, K_UINT),
	INFO(packets, K_UINT), INFO(first_ts, K_UINT), INFO(last_ts, K_UINT),
	INFO(blocks, K_UINT), INFO(first_block, K_UINT), INFO(last_block, K_UINT),
	INFO(microflows, K_UINT), INFO(flows, K_UINT), INFO(flows_through, K_UINT),
	INFO(used_bytes, K_UINT),
	INFO(file_bytes, K_UINT), INFO(budget, K_UINT), INFO(created_ns, K_UINT),
	INFO(last_commit_ns, K_UINT), INFO(pins, K_UINT),
};

#define CNT(m)		FIELD(struct strata_store_counters, m, K_UINT)
static const struct field counter_fields[] = {
	CNT(packets_written), CNT(blocks_written), CNT(raw_bytes_written),
	CNT(stored_bytes_written), CNT(microflows_written), CNT(blocks_removed),
	CNT(packets_removed), CNT(bytes_removed), CNT(blocks_expired),
	CNT(microflows_removed), CNT(flows_removed), CNT(packets_dropped),
	CNT(blocks_dropped), CNT(microflows_dropped), CNT(map_full),
};
/* A counter added to the store must be added here. */
_Static_assert(sizeof(struct strata_store_counters) == sizeof(counter_fields) /
	       sizeof(counter_fields[0]) * sizeof(__u64), "every counter in the API");

/* `strata store blocks -j`. */
#define BLK(m, k)	FIELD(struct strata_store_block, m, k)
static const struct field block_fields[] = {
	BLK(id, K_UINT), BLK(first_ts, K_UINT), BLK(last_ts, K_UINT),
	BLK(packets, K_UINT), BLK(raw_bytes, K_UINT), BLK(stored_bytes, K_UINT),
	BLK(codec, K_CODEC), BLK(data_codec, K_CODEC),
};

/* `strata packets -j` (tools/pktout.c), in its order: before "seg", after. */
#define PKT(m, k)	FIELD(struct strata_rec_packet, m, k)
static const struct field pkt_fields[] = {
	PKT(ts_ns, K_UINT), PKT(hook, K_HOOK), PKT(ifindex, K_UINT),
	PKT(family, K_UINT), PKT(proto, K_UINT), PKT(saddr, K_ADDR),
	PKT(daddr, K_ADDR), PKT(sport, K_UINT), PKT(dport, K_UINT),
	PKT(wire_len, K_UINT), PKT(payload_len, K_UINT), PKT(caplen, K_UINT),
	PKT(gso_size, K_UINT), PKT(gso_segs, K_UINT), PKT(ip_id, K_UINT),
	PKT(flow_label, K_UINT), PKT(frag_off, K_UINT), PKT(ttl, K_UINT),
	PKT(tos, K_UINT), PKT(pkt_flags, K_UINT), PKT(tcp_flags, K_UINT),
	PKT(tcp_opts, K_UINT), PKT(tcp_wscale, K_UINT), PKT(tcp_sack_blocks, K_UINT),
	PKT(tcp_mss, K_UINT), PKT(tcp_window, K_UINT), PKT(icmp_type, K_UINT),
	PKT(icmp_code, K_UINT), PKT(tcp_seq, K_UINT), PKT(tcp_ack, K_UINT),
	PKT(tcp_tsval, K_UINT), PKT(tcp_tsecr, K_UINT), PKT(fp_hash, K_HEX),
	PKT(fp_len, K_UINT), PKT(nseg, K_UINT),
};
static const struct field pkt_fields_tail[] = {
	PKT(dir, K_UINT), PKT(key_hash, K_HEX), PKT(generation, K_UINT),
};

/* One direction of a microflow, as `strata microflows -j` prints it. */
#define DIR(m, k)	FIELD(struct strata_dir_stats, m, k)
static const struct field dir_fields[] = {
	DIR(packets, K_UINT), DIR(bytes, K_UINT), DIR(payload_bytes, K_UINT),
	DIR(size, K_STAT), DIR(iat, K_STAT), DIR(rtt_hs, K_STAT),
	DIR(rtt_data, K_STAT), DIR(first_ns, K_UINT), DIR(last_ns, K_UINT),
	DIR(tcp_flags, K_FLAGS), DIR(retrans, K_UINT), DIR(out_of_order, K_UINT),
	DIR(zero_window, K_UINT), DIR(fragments, K_UINT), DIR(fp_segmented, K_UINT),
	DIR(ttl_min, K_UINT), DIR(ttl_max, K_UINT),
};

/*
 * Transaction timing ("txn"), as `strata microflows -j` prints a
 * microflow's; a location flow's is its microflows' summed.
 */
#define TXN(m, k)	FIELD(struct strata_txn_stats, m, k)
static const struct field txn_fields[] = {
	TXN(ttfb, K_STAT), TXN(resp, K_STAT), TXN(first, K_STAT), TXN(dns, K_STAT),
	TXN(requests, K_UINT), TXN(dns_queries, K_UINT), TXN(dns_unanswered, K_UINT),
	TXN(dns_overflow, K_UINT), TXN(dns_repeats, K_UINT), TXN(app, K_UINT),
};

/* ---- requests ---- */

/* Query parameters, as bits of struct endpoint.params. */
enum {
	P_FROM = 1 << 0,
	P_TO = 1 << 1,
	P_FLOW = 1 << 2,
	P_LIMIT = 1 << 3,
	P_FILTER = 1 << 4,
	P_FORMAT = 1 << 5,
};

#define TIME_FORM "an RFC 3339 time (2026-11-22T17:27:00.5Z) or epoch seconds (1795455420.5)"

/* In bit order: a name, and the form a message asks for. */
static const struct param {
	const char *name;
	const char *form;
} params[] = {
	{ "from", TIME_FORM },
	{ "to", TIME_FORM },
	{ "flow", "ADDR:PORT-ADDR:PORT/PROTO ([V6]:PORT for IPv6)" },
	{ "limit", "a number 1..1000000" },
	{ "filter", "a tcpdump expression" },
	{ "format", "json or pcap" },
};

struct api_req {
	struct strata_store *s;
	struct strata_api_resp *resp;
	struct abuf out;
	__u64 from;
	__u64 to;
	bool has_flow;
	struct strata_flow_key flow;
	__u32 limit;
	bool pcap;
	const char *filter;
	struct bpf_program prog;
	bool has_prog;
	__u64 n;		/* records in the body */
	char err[512];		/* the store's message */
	char msg[640];		/* the answer's, for a status other than 200 */
};

/* Set the message of a failed request. Return: @status. */
__attribute__((format(printf, 3, 4)))
static unsigned int bad(struct api_req *r, unsigned int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return status;
}

/* A caller's value in a message: 64 bytes at most, printable ASCII. */
#define QUOTE_BUF	(64 + 4)
#define quote(s, buf)	strata_api_printable(s, buf, sizeof(buf))

const char *strata_api_printable(const char *s, char *buf, size_t len)
{
	size_t i, max = len - 4;

	for (i = 0; s[i] && i < max; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

/* After a reader call: the body's own failure, or the store's. */
static unsigned int store_fail(struct api_req *r, int rc)
{
	if (r->out.err == -EFBIG)
		return bad(r, 413, "the answer is larger than %zu bytes: narrow the time range (from, to), name a flow or lower the limit",
			   r->out.max);
	if (r->out.err)
		return bad(r, 500, "building the answer: %s", strerror(-r->out.err));
	/* Reader slots all taken, or the map grew under a read-only handle. */
	if (rc == -EAGAIN)
		return bad(r, 503, "%s", r->err);
	return bad(r, 500, "%s", r->err);
}

/* Whether one more record goes in: past the limit, the answer is cut. */
static int take(struct api_req *r)
{
	if (r->n >= r->limit) {
		r->resp->truncated = true;
		return 1;
	}
	r->n++;
	return 0;
}

/* @sep, then @j as compact JSON, into the body; @j is freed. Return: 0 or
 * the body's -errno (kept in it: every later write fails the same). */
static int put_json(struct api_req *r, const char *sep, struct jobj *j)
{
	if (j->oom && !r->out.err)
		r->out.err = -ENOMEM;
	if (!abuf_add(&r->out, sep, strlen(sep)) &&
	    json_dump_callback(j->o, abuf_dump, &r->out, JSON_COMPACT | JSON_PRESERVE_ORDER) &&
	    !r->out.err)
		r->out.err = -ENOMEM;
	json_decref(j->o);
	return r->out.err;
}

/* Array elements: "[" then one compact object a line, then "]". */
static int emit(struct api_req *r, struct jobj *j)
{
	return put_json(r, r->n > 1 ? ",\n" : "\n", j);
}

/* ---- containers: a schema before the rows ---- */

/* The id this process's sensor goes by, for every schema it answers. */
static char producer[64] = "";

void strata_api_set_producer(const char *id)
{
	snprintf(producer, sizeof(producer), "%s", id ? id : "");
}

/* A field: its catalog name, where a row holds it ('|' between paths). */
struct cfield {
	const char *name;
	const char *path;
};

#define BOTH(m)		"dir0." m "|dir1." m
#define STAT_FIELDS(m, p) \
	{ m "_n", BOTH(p ".n") }, { m "_sum", BOTH(p ".sum") }, \
	{ m "_sumsq", BOTH(p ".sumsq") }, { m "_min", BOTH(p ".min") }, \
	{ m "_max", BOTH(p ".max") }

#define TXN_FIELDS(m, p) \
	{ m "_n", p ".n" }, { m "_sum", p ".sum" }, { m "_sumsq", p ".sumsq" }, \
	{ m "_min", p ".min" }, { m "_max", p ".max" }

/* Microflows and flows: one conversation, both directions summed. */
static const struct cfield conv_fields[] = {
	{ "window", "window_start" }, { "family", "family" }, { "ip_proto", "proto" },
	{ "addr0", "addr0" }, { "port0", "port0" }, { "addr1", "addr1" }, { "port1", "port1" },
	{ "initiator", "initiator" },
	{ "from_ns", "window_start" }, { "to_ns", "window_end" },
	{ "packets", BOTH("packets") }, { "bytes", BOTH("bytes") },
	{ "payload_bytes", BOTH("payload_bytes") },
	STAT_FIELDS("size", "size"), STAT_FIELDS("iat", "iat"),
	STAT_FIELDS("rtt_hs", "rtt_hs"), STAT_FIELDS("rtt_data", "rtt_data"),
	{ "retrans", BOTH("retrans") }, { "out_of_order", BOTH("out_of_order") },
	{ "zero_window", BOTH("zero_window") }, { "fragments", BOTH("fragments") },
	/* Conversation-wide: one "txn" object, no directions. */
	TXN_FIELDS("txn_ttfb", "txn.ttfb"), TXN_FIELDS("txn_resp", "txn.resp"),
	TXN_FIELDS("txn_first", "txn.first"), TXN_FIELDS("txn_dns", "txn.dns"),
	{ "txn_requests", "txn.requests" }, { "txn_dns_queries", "txn.dns_queries" },
	/* Flows only: the level leaves it out of microflows. */
	{ "microflows", "microflows" },
};

static const struct cfield block_cfields[] = {
	{ "block", "id" }, { "from_ns", "first_ts" }, { "to_ns", "last_ts" },
	{ "packets", "packets" }, { "raw_bytes", "raw_bytes" },
	{ "stored_bytes", "stored_bytes" },
};

/* @e's schema, or NULL: its fields, this sensor, the interval asked. */
static json_t *api_schema(struct api_req *r, const char *type, unsigned int level,
			  const struct cfield *f, size_t n, __u64 window_ns)
{
	json_t *schema = strata_schema_new(type, level, r->from, r->to, window_ns);
	const struct strata_metric *m;
	size_t i;

	if (!schema || strata_schema_sensor(schema, producer, STRATA_VERSION, NULL, 0))
		goto fail;
	for (i = 0; i < n; i++) {
		m = strata_metric_find(f[i].name);
		/* A field another level carries: not these rows'. */
		if (m && !(m->levels & level))
			continue;
		if (strata_schema_field(schema, f[i].name, f[i].path))
			goto fail;
	}
	return schema;
fail:
	json_decref(schema);
	return NULL;
}

/*
 * A list answer: a container whose schema comes first, then "rows": what a
 * reader call hands out, one compact object a line, so that it streams.
 */
static unsigned int run_array(struct api_req *r, int (*read)(struct api_req *r),
			      json_t *schema)
{
	struct jobj j = { schema, !schema };
	int rc;

	rc = put_json(r, "{\"schema\":", &j);
	if (!rc)
		rc = abuf_add(&r->out, ",\"rows\":[", 9);
	if (!rc)
		rc = read(r);
	if (rc || abuf_add(&r->out, r->n ? "\n]}\n" : "]}\n", r->n ? 4 : 3))
		return store_fail(r, rc);
	return 200;
}

static unsigned int run_info(struct api_req *r)
{
	struct strata_store_info in;
	struct jobj j = { json_object(), false }, c = { json_object(), false };
	int rc;

	rc = strata_store_info(r->s, &in, r->err, sizeof(r->err));
	if (rc) {
		json_decref(j.o);
		json_decref(c.o);
		return store_fail(r, rc);
	}
	jput_fields(&j, &in, info_fields, NFIELDS(info_fields), 0);
	jput_fields(&c, &in.c, counter_fields, NFIELDS(counter_fields), 0);
	jput_obj(&j, "totals", &c);
	if (put_json(r, "", &j) || abuf_add(&r->out, "\n", 1))
		return store_fail(r, 0);
	return 200;
}

static int on_block(const struct strata_store_block *b, void *arg)
{
	struct api_req *r = arg;
	struct jobj j = { json_object(), false };
	json_t *ranges = json_array();
	unsigned int i;

	r->n++;
	jput_fields(&j, b, block_fields, NFIELDS(block_fields), 0);
	for (i = 0; i < b->nranges; i++) {
		struct jobj c = { json_object(), false };

		jput_u64(&c, "cpu", b->ranges[i].first >> 48);
		jput_u64(&c, "first_seq", b->ranges[i].first & ((1ULL << 48) - 1));
		jput_u64(&c, "last_seq", b->ranges[i].last & ((1ULL << 48) - 1));
		if (c.oom || json_array_append_new(ranges, c.o))
			j.oom = true;
	}
	jput(&j, "ranges", ranges);
	return emit(r, &j);
}

static int read_blocks(struct api_req *r)
{
	return strata_store_blocks(r->s, r->from, r->to, on_block, r, r->err, sizeof(r->err));
}

/* A conversation's endpoints, under the names of `strata microflows -j`. */
static void jput_key(struct jobj *j, const struct strata_flow_key *k)
{
	jput_u64(j, "family", k->family);
	jput_u64(j, "proto", k->proto);
	jput_addr(j, "addr0", k->addr[0], k->family);
	jput_u64(j, "port0", k->port[0]);
	jput_addr(j, "addr1", k->addr[1], k->family);
	jput_u64(j, "port1", k->port[1]);
}

/* What each endpoint sent: "dir0" and "dir1". */
static void jput_dirs(struct jobj *j, const struct strata_dir_stats dir[2])
{
	static const char *const names[2] = { "dir0", "dir1" };
	int i;

	for (i = 0; i < 2; i++) {
		struct jobj d = { json_object(), false };

		jput_fields(&d, &dir[i], dir_fields, NFIELDS(dir_fields), 0);
		jput_obj(j, names[i], &d);
	}
}

static void jput_txn(struct jobj *j, const struct strata_txn_stats *t)
{
	struct jobj o = { json_object(), false };

	jput_fields(&o, t, txn_fields, NFIELDS(txn_fields), 0);
	jput_obj(j, "txn", &o);
}

static int on_mflow(const struct strata_store_mflow *m, void *arg)
{
	const struct strata_mflow *mf = &m->mf;
	const struct strata_mf_info *in = &m->info;
	struct api_req *r = arg;
	struct jobj j;

	if (take(r))
		return 1;
	j.o = json_object();
	j.oom = false;
	if (in->has_seq)
		jput_u64(&j, "seq", in->seq);
	jput_u64(&j, "window_start", mf->window_start);
	jput_u64(&j, "window_end", mf->window_start + in->window_ns);
	jput_u64(&j, "window_ns", in->window_ns);
	jput_u64(&j, "generation", in->generation);
	jput_key(&j, &mf->key);
	jput_u64(&j, "initiator", mf->initiator);
	jput_hex(&j, "key_hash", in->key_hash);
	if (in->has_ring) {
		jput_ring_pos(&j, "ring_first", in->ring_first);
		jput_ring_pos(&j, "ring_last", in->ring_last);
	}
	jput_dirs(&j, mf->dir);
	jput_txn(&j, &mf->txn);
	jput_u64(&j, "first_block", m->first_block);
	jput_u64(&j, "last_block", m->last_block);
	return emit(r, &j);
}

static int read_microflows(struct api_req *r)
{
	return strata_store_microflows(r->s, r->has_flow ? &r->flow : NULL, r->from, r->to,
				       on_mflow, r, r->err, sizeof(r->err));
}

static int on_flow(const struct strata_store_flow *f, void *arg)
{
	struct api_req *r = arg;
	struct jobj j;

	if (take(r))
		return 1;
	j.o = json_object();
	j.oom = false;
	jput_u64(&j, "window_start", f->window_start);
	jput_u64(&j, "window_end", f->window_start + f->window_ns);
	jput_u64(&j, "window_ns", f->window_ns);
	jput_key(&j, &f->key);
	if (f->has_initiator)
		jput_u64(&j, "initiator", f->initiator);
	jput_u64(&j, "microflows", f->microflows);
	jput_u64(&j, "first_mf", f->first_mf);
	jput_u64(&j, "last_mf", f->last_mf);
	jput_dirs(&j, f->dir);
	jput_txn(&j, &f->txn);
	return emit(r, &j);
}

static int read_flows(struct api_req *r)
{
	return strata_store_flows(r->s, r->has_flow ? &r->flow : NULL, r->from, r->to,
				  on_flow, r, r->err, sizeof(r->err));
}

static int packet_json(struct api_req *r, const struct strata_store_rec *rec)
{
	static const char digits[] = "0123456789abcdef";
	const struct strata_rec_packet *p = rec->pkt;
	struct jobj j = { json_object(), false };
	char hex[2 * STRATA_SNAPLEN_MAX + 1];
	json_t *seg = json_array();
	/* What the core counted: a GSO packet as its wire packets. */
	const struct strata_pkt k = {
		.gso_size = p->gso_size, .gso_segs = p->gso_segs, .payload_len = p->payload_len,
	};
	unsigned int segs = strata_pkt_segs(&k), i;
	__u64 hdr = p->wire_len > p->payload_len ? p->wire_len - p->payload_len : 0;

	jput_u64(&j, "cpu", rec->cpu);
	jput_u64(&j, "seq", rec->seq);
	jput_u64(&j, "block", rec->block);
	jput_u64(&j, "packets", segs);
	jput_u64(&j, "bytes", p->wire_len + (__u64)(segs - 1) * hdr);
	jput_fields(&j, p, pkt_fields, NFIELDS(pkt_fields), p->family);
	/* The store checked nseg <= 16 and caplen <= STRATA_SNAPLEN_MAX. */
	for (i = 0; i < p->nseg; i++)
		if (json_array_append_new(seg, json_integer(p->seg[i])))
			j.oom = true;
	jput(&j, "seg", seg);
	jput_fields(&j, p, pkt_fields_tail, NFIELDS(pkt_fields_tail), 0);
	for (i = 0; i < p->caplen; i++) {
		hex[2 * i] = digits[rec->data[i] >> 4];
		hex[2 * i + 1] = digits[rec->data[i] & 15];
	}
	jput(&j, "data", json_stringn_nocheck(hex, 2 * (size_t)p->caplen));
	return emit(r, &j);
}

/* The pcap file format: host byte order, magic 0xa1b23c4d for ns. */
struct pcap_file_hdr {
	__u32 magic;
	__u16 major;
	__u16 minor;
	__s32 thiszone;
	__u32 sigfigs;
	__u32 snaplen;
	__u32 linktype;
};

struct pcap_rec_hdr {
	__u32 ts_sec;
	__u32 ts_nsec;
	__u32 caplen;
	__u32 len;
};

#define PCAP_MAGIC_NS		0xa1b23c4d
#define PCAP_LINKTYPE_RAW	101	/* raw IPv4 or IPv6, by the version nibble */

static int on_packet(const struct strata_store_rec *rec, void *arg)
{
	const struct strata_rec_packet *p = rec->pkt;
	struct api_req *r = arg;
	struct pcap_rec_hdr ph;
	struct pcap_pkthdr h;

	if (r->has_prog) {
		memset(&h, 0, sizeof(h));
		h.caplen = p->caplen;
		h.len = p->wire_len;
		if (!pcap_offline_filter(&r->prog, &h, rec->data))
			return 0;
	}
	if (take(r))
		return 1;
	if (!r->pcap)
		return packet_json(r, rec);
	ph.ts_sec = (__u32)(p->ts_ns / NSEC_PER_SEC);
	ph.ts_nsec = (__u32)(p->ts_ns % NSEC_PER_SEC);
	ph.caplen = p->caplen;
	ph.len = p->wire_len;
	if (!abuf_add(&r->out, &ph, sizeof(ph)))
		abuf_add(&r->out, rec->data, p->caplen);
	return r->out.err;
}

static int read_packets(struct api_req *r)
{
	return strata_store_packets(r->s, r->from, r->to, r->has_flow ? &r->flow : NULL,
				    on_packet, r, r->err, sizeof(r->err));
}

/* A packet record's catalog metrics; the rest are its own (pkt_own). */
static const struct cfield pkt_cfields[] = {
	{ "family", "family" }, { "ip_proto", "proto" }, { "packets", "packets" },
	{ "bytes", "bytes" }, { "payload_bytes", "payload_len" },
};

#define OWN_KEY(n, t, u)	{ n, STRATA_MK_KEY, STRATA_MT_##t, 0, u }
#define OWN_SUM(n, u)		{ n, STRATA_MK_FUND, STRATA_MT_U64, STRATA_AGG_SUM, u }
/*
 * The other fields of a packet record (Documentation/api.rst): what
 * describes the packet is a key, its sizes are fundamentals (they add up).
 */
static const struct {
	const char *name;
	unsigned char kind, type, agg;
	const char *unit;
} pkt_own[] = {
	OWN_KEY("ts_ns", U64, "ns"), OWN_KEY("cpu", U64, ""), OWN_KEY("seq", U64, ""),
	OWN_KEY("block", U64, ""), OWN_KEY("hook", STR, ""), OWN_KEY("ifindex", U64, ""),
	OWN_KEY("saddr", STR, ""), OWN_KEY("daddr", STR, ""), OWN_KEY("sport", U64, ""),
	OWN_KEY("dport", U64, ""), OWN_SUM("wire_len", "bytes"), OWN_SUM("caplen", "bytes"),
	OWN_KEY("gso_size", U64, "bytes"), OWN_KEY("gso_segs", U64, ""),
	OWN_KEY("ip_id", U64, ""), OWN_KEY("flow_label", U64, ""),
	OWN_KEY("frag_off", U64, ""), OWN_KEY("ttl", U64, ""), OWN_KEY("tos", U64, ""),
	OWN_KEY("pkt_flags", U64, ""), OWN_KEY("tcp_flags", U64, ""),
	OWN_KEY("tcp_opts", U64, ""), OWN_KEY("tcp_wscale", U64, ""),
	OWN_KEY("tcp_sack_blocks", U64, ""), OWN_KEY("tcp_mss", U64, "bytes"),
	OWN_KEY("tcp_window", U64, ""), OWN_KEY("icmp_type", U64, ""),
	OWN_KEY("icmp_code", U64, ""), OWN_KEY("tcp_seq", U64, ""), OWN_KEY("tcp_ack", U64, ""),
	OWN_KEY("tcp_tsval", U64, ""), OWN_KEY("tcp_tsecr", U64, ""),
	OWN_KEY("fp_hash", STR, ""), OWN_KEY("fp_len", U64, "bytes"),
	OWN_KEY("nseg", U64, ""), OWN_KEY("seg", U64, "bytes"), OWN_KEY("dir", U64, ""),
	OWN_KEY("key_hash", STR, ""), OWN_KEY("generation", U64, ""),
	OWN_KEY("data", STR, ""),
};

/* Packet records' schema: this sensor, the interval asked, every field. */
static json_t *packet_schema(struct api_req *r)
{
	json_t *schema = api_schema(r, "packets", STRATA_LVL_PACKET, pkt_cfields,
				    NFIELDS(pkt_cfields), 0);
	size_t i;

	for (i = 0; i < NFIELDS(pkt_own) && schema; i++) {
		if (strata_schema_field_own(schema, pkt_own[i].name, pkt_own[i].kind,
					    pkt_own[i].type, pkt_own[i].agg, pkt_own[i].unit,
					    pkt_own[i].name)) {
			json_decref(schema);
			schema = NULL;
		}
	}
	return schema;
}

static unsigned int run_packets(struct api_req *r)
{
	const struct pcap_file_hdr fh = {
		.magic = PCAP_MAGIC_NS, .major = 2, .minor = 4,
		.snaplen = 65535, .linktype = PCAP_LINKTYPE_RAW,
	};
	char q[QUOTE_BUF];
	int rc;

	if (r->filter && *r->filter) {
		char why[PCAP_ERRBUF_SIZE];

		rc = strata_api_filter(r->filter, &r->prog, why, sizeof(why));
		if (rc == -EINVAL)
			return bad(r, 400, "filter '%s': %s", quote(r->filter, q), why);
		if (rc)
			return bad(r, 500, "filter: %s", why);
		r->has_prog = true;
	}
	if (!r->pcap)
		return run_array(r, read_packets, packet_schema(r));
	r->resp->content_type = "application/vnd.tcpdump.pcap";
	r->resp->filename = "strata.pcap";
	rc = abuf_add(&r->out, &fh, sizeof(fh));
	if (!rc)
		rc = read_packets(r);
	return rc ? store_fail(r, rc) : 200;
}

static unsigned int run_blocks(struct api_req *r)
{
	return run_array(r, read_blocks, api_schema(r, "blocks", STRATA_LVL_BLOCK, block_cfields,
						    NFIELDS(block_cfields), 0));
}

/* Microflow windows are configurable: each row says its window_ns. */
static unsigned int run_microflows(struct api_req *r)
{
	return run_array(r, read_microflows, api_schema(r, "microflows", STRATA_LVL_MICROFLOW,
							conv_fields, NFIELDS(conv_fields), 0));
}

static unsigned int run_flows(struct api_req *r)
{
	return run_array(r, read_flows, api_schema(r, "flows", STRATA_LVL_FLOW, conv_fields,
						   NFIELDS(conv_fields),
						   STRATA_STORE_FLOW_WINDOW_NS));
}

/* An endpoint answers by @run. */
static const struct endpoint {
	const char *path;
	unsigned int params;
	unsigned int (*run)(struct api_req *r);
} endpoints[] = {
	{ "/api/v1/info", 0, run_info },
	{ "/api/v1/blocks", P_FROM | P_TO, run_blocks },
	{ "/api/v1/microflows", P_FLOW | P_FROM | P_TO | P_LIMIT, run_microflows },
	{ "/api/v1/flows", P_FLOW | P_FROM | P_TO | P_LIMIT, run_flows },
	{ "/api/v1/packets", P_FLOW | P_FROM | P_TO | P_LIMIT | P_FILTER | P_FORMAT,
	  run_packets },
};

/* "from, to, flow" for a message: what an endpoint takes. */
static const char *param_list(unsigned int bits, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < NFIELDS(params); i++)
		if (bits & (1U << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
					      params[i].name);
	return n ? buf : "no parameters";
}

static unsigned int parse_value(struct api_req *r, unsigned int i, const char *v)
{
	const struct param *pm = &params[i];
	char q[QUOTE_BUF];
	int rc = 0;

	switch (1U << i) {
	case P_FROM:
	case P_TO:
		rc = strata_api_parse_time(v, (1U << i) == P_TO ? &r->to : &r->from);
		if (rc && strchr(v, ' '))
			return bad(r, 400, "%s: '%s' is not %s (a '+' in a URL is a space: write %%2B)",
				   pm->name, quote(v, q), pm->form);
		break;
	case P_FLOW:
		rc = strata_api_parse_flow(v, &r->flow);
		r->has_flow = true;
		break;
	case P_LIMIT:
		rc = strata_kw_u32(v, 1, STRATA_API_LIMIT_MAX, &r->limit);
		break;
	case P_FILTER:
		r->filter = v;
		break;
	case P_FORMAT:
		r->pcap = !strcmp(v, "pcap");
		rc = r->pcap || !strcmp(v, "json") ? 0 : -EINVAL;
		break;
	}
	if (rc)
		return bad(r, 400, "%s: '%s' is not %s", pm->name, quote(v, q),
			   pm->form);
	return 200;
}

static unsigned int parse_args(struct api_req *r, const struct endpoint *e,
			       const struct strata_api_arg *args, unsigned int nargs)
{
	unsigned int seen = 0, a, i, status;
	char q[QUOTE_BUF], list[80];

	if (nargs > STRATA_API_ARGS_MAX)
		return bad(r, 400, "more than %d parameters", STRATA_API_ARGS_MAX);
	for (a = 0; a < nargs; a++) {
		const char *name = args[a].name ? args[a].name : "";

		for (i = 0; i < NFIELDS(params); i++)
			if (!strcmp(name, params[i].name))
				break;
		if (i == NFIELDS(params) || !(e->params & (1U << i)))
			return bad(r, 400, "unknown parameter '%s' (%s takes %s)",
				   quote(name, q), e->path,
				   param_list(e->params, list, sizeof(list)));
		if (seen & (1U << i))
			return bad(r, 400, "parameter '%s' given twice", name);
		seen |= 1U << i;
		/* An empty filter is no filter; any other value is needed. */
		if (!args[a].value || (!*args[a].value && (1U << i) != P_FILTER))
			return bad(r, 400, "%s: the value is missing: %s", name,
				   params[i].form);
		status = parse_value(r, i, args[a].value);
		if (status != 200)
			return status;
	}
	if (r->from > r->to)
		return bad(r, 400, "from is after to");
	return 200;
}

static unsigned int dispatch(struct api_req *r, const char *method, const char *path,
			     const struct strata_api_arg *args, unsigned int nargs)
{
	const struct endpoint *e = NULL;
	char q[QUOTE_BUF], list[160];
	size_t i, n = 0;
	unsigned int status;

	for (i = 0; i < NFIELDS(endpoints); i++) {
		if (path && !strcmp(path, endpoints[i].path))
			e = &endpoints[i];
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      endpoints[i].path);
	}
	if (!e)
		return bad(r, 404, "no such endpoint '%s': %s",
			   quote(path ? path : "", q), list);
	if (!method || strcmp(method, "GET")) {
		r->resp->allow = "GET";
		return bad(r, 405, "method %s not allowed: %s takes GET",
			   quote(method ? method : "", q), e->path);
	}
	status = parse_args(r, e, args, nargs);
	if (status != 200)
		return status;
	if (!r->s)
		return bad(r, 503, "the store is not open");
	return e->run(r);
}

int strata_api_error(struct strata_api_resp *resp, unsigned int status,
		     const char *fmt, ...)
{
	char raw[640], msg[sizeof(raw) + 4], *p;
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Printable ASCII: valid UTF-8 whatever the caller's bytes were. */
	strata_api_printable(raw, msg, sizeof(msg));
	resp->status = status;
	resp->content_type = "application/json";
	resp->filename = NULL;
	resp->truncated = false;
	resp->len = 0;
	o = json_pack("{s:s}", "error", msg);
	resp->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!resp->body) {
		resp->status = 500;
		return -ENOMEM;
	}
	resp->len = strlen(resp->body);
	/* One byte more, for a newline (json_dumps() gave strlen + 1). */
	p = realloc(resp->body, resp->len + 2);
	if (p) {
		resp->body = p;
		resp->body[resp->len++] = '\n';
		resp->body[resp->len] = 0;
	}
	return 0;
}

int strata_api_handle_max(struct strata_store *s, const char *method, const char *path,
			  const struct strata_api_arg *args, unsigned int nargs,
			  size_t body_max, struct strata_api_resp *resp)
{
	struct api_req *r;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	resp->content_type = "application/json";
	/* Off the stack: a pool thread's stack need not hold the messages. */
	r = calloc(1, sizeof(*r));
	if (!r) {
		resp->status = 500;
		return -ENOMEM;
	}
	r->s = s;
	r->resp = resp;
	r->to = ~0ULL;
	r->limit = STRATA_API_LIMIT_DEFAULT;
	r->out.max = body_max;
	resp->status = dispatch(r, method, path, args, nargs);
	if (resp->status == 200) {
		resp->body = r->out.p;
		resp->len = r->out.len;
	} else {
		free(r->out.p);
		rc = strata_api_error(resp, resp->status, "%s", r->msg);
	}
	if (r->has_prog)
		pcap_freecode(&r->prog);
	free(r);
	return rc;
}

int strata_api_handle(struct strata_store *s, const char *method, const char *path,
		      const struct strata_api_arg *args, unsigned int nargs,
		      struct strata_api_resp *resp)
{
	return strata_api_handle_max(s, method, path, args, nargs, STRATA_API_BODY_MAX,
				     resp);
}

void strata_api_resp_free(struct strata_api_resp *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

int strata_api_filter(const char *expr, struct bpf_program *prog, char *err,
		      size_t errlen)
{
	/* Records hold the packet from its IP header: raw IP. */
	pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
	int rc = 0;

	if (!dead) {
		snprintf(err, errlen, "pcap_open_dead failed");
		return -ENOMEM;
	}
	if (pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		snprintf(err, errlen, "%s", pcap_geterr(dead));
		rc = -EINVAL;
	}
	pcap_close(dead);
	return rc;
}
