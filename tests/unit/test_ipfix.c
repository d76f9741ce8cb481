// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * lib/ipfix.c: every record comes back as it was sent, across message
 * boundaries, and bad messages are refused without harm to the decoder.
 */
#include <errno.h>
#include <fixbuf/public.h>
#include "unit.h"
#include "ipfix.h"

/* The messages an encoder made, one after another, as on a connection. */
struct stream {
	__u8 *buf;
	size_t len;
	unsigned int msgs;
};

static int to_stream(const __u8 *msg, size_t len, void *arg)
{
	struct stream *s = arg;

	s->buf = realloc(s->buf, s->len + len);
	assert_non_null(s->buf);
	memcpy(s->buf + s->len, msg, len);
	s->len += len;
	s->msgs++;
	return 0;
}

struct got {
	struct strata_hello hello;
	struct strata_lflow *lf;
	unsigned int nlf, nhello, nwin, nack;
	struct strata_window_mark win;
	struct strata_ack ack;
};

static int got_hello(const struct strata_hello *h, void *arg)
{
	struct got *g = arg;

	g->hello = *h;
	g->nhello++;
	return 0;
}

static int got_lflow(const struct strata_lflow *lf, void *arg)
{
	struct got *g = arg;

	g->lf = realloc(g->lf, (g->nlf + 1) * sizeof(*lf));
	assert_non_null(g->lf);
	g->lf[g->nlf++] = *lf;
	return 0;
}

static int got_window(const struct strata_window_mark *w, void *arg)
{
	struct got *g = arg;

	g->win = *w;
	g->nwin++;
	return 0;
}

static int got_ack(const struct strata_ack *a, void *arg)
{
	struct got *g = arg;

	g->ack = *a;
	g->nack++;
	return 0;
}

static const struct strata_ipfix_sink sink = {
	.hello = got_hello, .lflow = got_lflow, .window = got_window, .ack = got_ack,
};

/* Decodes a whole stream message by message; returns the first error. */
static int decode_stream(const struct stream *s, struct got *g, char *err, size_t errlen)
{
	struct strata_ipfix *x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, NULL, NULL, err, errlen);
	size_t off = 0;
	int rc = 0;

	assert_non_null(x);
	while (off < s->len) {
		int len = s->len - off >= 4 ? strata_ipfix_msg_len(s->buf + off) : -EBADMSG;

		if (len < 0 || (size_t)len > s->len - off) {
			rc = -EBADMSG;
			break;
		}
		rc = strata_ipfix_decode(x, s->buf + off, (size_t)len, &sink, g, err, errlen);
		if (rc < 0)
			break;
		off += (size_t)len;
	}
	strata_ipfix_free(x);
	return rc < 0 ? rc : 0;
}

static void rand_stat(struct rng *r, struct strata_stat *s)
{
	s->n = rng_u64(r);
	s->sum = rng_u64(r);
	s->sumsq_lo = rng_u64(r);
	s->sumsq_hi = rng_u64(r);
	s->min = rng_u64(r);
	s->max = rng_u64(r);
}

/* A location flow with every field random, and a canonical key. */
static void rand_lflow(struct rng *r, struct strata_lflow *lf, int family)
{
	struct strata_flow_key k;
	unsigned int d, i;

	memset(lf, 0, sizeof(*lf));
	memset(&k, 0, sizeof(k));
	k.family = (__u8)family;
	k.proto = rng_u64(r) & 1 ? 6 : 17;
	for (d = 0; d < 2; d++) {
		if (family == 4) {
			k.addr[d][10] = k.addr[d][11] = 0xff;
			for (i = 12; i < 16; i++)
				k.addr[d][i] = (__u8)rng_u64(r);
		} else {
			for (i = 0; i < 16; i++)
				k.addr[d][i] = (__u8)rng_u64(r);
		}
		k.port[d] = (__u16)rng_u64(r);
	}
	strata_store_canon_key(&k, &lf->f.key);
	lf->f.window_start = rng_u64(r) % 1000 * 60000000000ULL;
	lf->f.window_ns = 60000000000ULL;
	lf->f.first_mf = lf->f.window_start + 1000000000;
	lf->f.last_mf = lf->f.window_start + 59000000000ULL;
	lf->f.microflows = (__u32)rng_u64(r);
	lf->f.has_initiator = rng_u64(r) % 3 != 0;
	lf->f.initiator = lf->f.has_initiator ? rng_u64(r) & 1 : 0;
	lf->f.clock_sync = (__u8)(rng_u64(r) % 3);
	rand_stat(r, &lf->f.txn.ttfb);
	rand_stat(r, &lf->f.txn.resp);
	rand_stat(r, &lf->f.txn.first);
	rand_stat(r, &lf->f.txn.dns);
	lf->f.txn.requests = rng_u64(r);
	lf->f.txn.dns_queries = rng_u64(r);
	lf->f.txn.dns_unanswered = (__u32)rng_u64(r);
	lf->f.txn.dns_overflow = (__u32)rng_u64(r);
	lf->f.txn.dns_repeats = (__u32)rng_u64(r);
	lf->f.txn.app = (__u8)(rng_u64(r) % 4);
	for (d = 0; d < 2; d++) {
		struct strata_dir_stats *s = &lf->f.dir[d];
		__u64 h = 0;

		s->packets = rng_u64(r);
		s->bytes = rng_u64(r);
		s->payload_bytes = rng_u64(r);
		rand_stat(r, &s->size);
		rand_stat(r, &s->iat);
		rand_stat(r, &s->rtt_hs);
		rand_stat(r, &s->rtt_data);
		s->first_ns = rng_u64(r);
		s->last_ns = rng_u64(r);
		for (i = 0; i < STRATA_TCP_NFLAGS; i++)
			s->tcp_flags[i] = (__u32)rng_u64(r);
		s->retrans = (__u32)rng_u64(r);
		s->out_of_order = (__u32)rng_u64(r);
		s->zero_window = (__u32)rng_u64(r);
		s->fragments = (__u32)rng_u64(r);
		s->fp_segmented = (__u32)rng_u64(r);
		s->ttl_min = (__u8)rng_u64(r);
		s->ttl_max = (__u8)rng_u64(r);
		lf->nfp[d] = (__u32)(rng_u64(r) % (STRATA_FP_SAMPLE + 1));
		for (i = 0; i < lf->nfp[d]; i++) {
			h += 1 + rng_u64(r) % 1000000;
			lf->fp[d][i].hash = h;
			lf->fp[d][i].ts_ns = rng_u64(r);
		}
	}
}

static void test_roundtrip(void **state)
{
	struct strata_hello h = {
		.sensor_id = "router-1", .version = "0.2.0", .api_url = "http://10.0.0.1:8470",
		.token = "s3cret", .capabilities = STRATA_CAP_ALL,
		.flow_window_ns = 60000000000ULL, .clock_error_ns = 1234,
		.clock_sync = STRATA_CLOCK_SYNCED, .proto_version = STRATA_PROTO_VERSION,
	};
	struct strata_window_mark w = { .from = 60000000000ULL, .to = 240000000000ULL, .flows = 3000 };
	struct strata_ack a = { .status = STRATA_ACK_DENIED, .through = 77, .message = "bad token" };
	struct stream s = { 0 };
	struct got g = { 0 };
	struct strata_lflow *in;
	struct strata_ipfix *x;
	struct rng r;
	char err[256];
	unsigned int i, n = 3000;

	(void)state;
	rng_seed(&r, 11);
	in = calloc(n, sizeof(*in));
	assert_non_null(in);
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, to_stream, &s, err, sizeof(err));
	assert_non_null(x);
	assert_int_equal(strata_ipfix_put_hello(x, &h, err, sizeof(err)), 0);
	for (i = 0; i < n; i++) {
		rand_lflow(&r, &in[i], i % 3 ? 4 : 6);
		assert_int_equal(strata_ipfix_put_lflow(x, &in[i], err, sizeof(err)), 0);
	}
	assert_int_equal(strata_ipfix_put_window(x, &w, err, sizeof(err)), 0);
	assert_int_equal(strata_ipfix_put_ack(x, &a, err, sizeof(err)), 0);
	assert_int_equal(strata_ipfix_flush(x, err, sizeof(err)), 0);
	strata_ipfix_free(x);
	/* 3000 flows of ~800 bytes do not fit one message. */
	assert_true(s.msgs > 10);

	assert_int_equal(decode_stream(&s, &g, err, sizeof(err)), 0);
	assert_int_equal(g.nhello, 1);
	assert_memory_equal(&g.hello, &h, sizeof(h));
	assert_int_equal(g.nlf, n);
	for (i = 0; i < n; i++) {
		struct strata_lflow want = in[i];

		/* The initiator comes back as known or not; its endpoint when known. */
		if (!want.f.has_initiator)
			want.f.initiator = 0;
		assert_memory_equal(&g.lf[i], &want, sizeof(want));
	}
	assert_int_equal(g.nwin, 1);
	assert_memory_equal(&g.win, &w, sizeof(w));
	assert_int_equal(g.nack, 1);
	assert_int_equal(g.ack.status, a.status);
	assert_int_equal(g.ack.through, a.through);
	assert_string_equal(g.ack.message, a.message);
	free(g.lf);
	free(s.buf);
	free(in);
}

/* A stream cut anywhere, or with bytes flipped, is refused or decoded; never a crash. */
static void test_bad_messages(void **state)
{
	struct stream s = { 0 };
	struct strata_lflow lf;
	struct strata_ipfix *x, *d;
	struct rng r;
	char err[256];
	__u8 junk[64];
	unsigned int i;

	(void)state;
	rng_seed(&r, 12);
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, to_stream, &s, err, sizeof(err));
	assert_non_null(x);
	for (i = 0; i < 20; i++) {
		rand_lflow(&r, &lf, 4);
		assert_int_equal(strata_ipfix_put_lflow(x, &lf, err, sizeof(err)), 0);
	}
	assert_int_equal(strata_ipfix_flush(x, err, sizeof(err)), 0);
	strata_ipfix_free(x);
	d = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, NULL, NULL, err, sizeof(err));
	assert_non_null(d);
	/* Not IPFIX at all. */
	memset(junk, 0xa5, sizeof(junk));
	assert_int_equal(strata_ipfix_msg_len(junk), -EBADMSG);
	assert_int_equal(strata_ipfix_decode(d, junk, sizeof(junk), &sink, NULL, err, sizeof(err)),
			 -EBADMSG);
	/* A length field that disagrees with the bytes given. */
	assert_int_equal(strata_ipfix_decode(d, s.buf, s.len - 1, &sink, NULL, err, sizeof(err)),
			 -EBADMSG);
	/* Flipped bytes anywhere: refused, or decoded into records that pass the checks. */
	for (i = 0; i < 2000; i++) {
		struct stream m = { .len = s.len, .msgs = s.msgs };
		struct got g = { 0 };
		unsigned int k, flips = 1 + (unsigned int)(rng_u64(&r) % 4);
		int rc;

		m.buf = malloc(s.len);
		assert_non_null(m.buf);
		memcpy(m.buf, s.buf, s.len);
		for (k = 0; k < flips; k++)
			m.buf[rng_u64(&r) % s.len] ^= (__u8)(1 + rng_u64(&r) % 255);
		rc = decode_stream(&m, &g, err, sizeof(err));
		assert_true(rc == -EBADMSG || rc == 0);
		assert_true(g.nlf <= 20);
		free(g.lf);
		free(m.buf);
	}
	/* The decoder that saw the bad ones still takes the good stream. */
	{
		struct got g = { 0 };
		size_t off = 0;

		while (off < s.len) {
			int len = strata_ipfix_msg_len(s.buf + off);

			assert_true(len > 0);
			assert_true(strata_ipfix_decode(d, s.buf + off, (size_t)len, &sink, &g,
							err, sizeof(err)) >= 0);
			off += (size_t)len;
		}
		assert_int_equal(g.nlf, 20);
		free(g.lf);
	}
	strata_ipfix_free(d);
	free(s.buf);
}

/*
 * A template of no elements (what RFC 7011 calls a withdrawal; libfixbuf 2.4
 * keeps it as a template) and a data set of it: its records take no bytes,
 * and libfixbuf hands them over for ever. Refused, not a hang.
 */
static void test_empty_template(void **state)
{
	static const __u8 stream[] = {
		/* a message: a template set, template 256 of 0 elements */
		0x00, 0x0a, 0x00, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x02, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00,
		/* a message: a data set of template 256, 4 bytes */
		0x00, 0x0a, 0x00, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
	};
	struct stream s = { .buf = (__u8 *)stream, .len = sizeof(stream), .msgs = 2 };
	struct got g = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(decode_stream(&s, &g, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "template 256: records of no bytes"));
}

/* Values no sensor sends are refused with a reason. */
static void test_bad_values(void **state)
{
	struct strata_hello h = { .sensor_id = "a" };
	struct strata_lflow lf;
	struct stream s = { 0 };
	struct strata_ipfix *x;
	struct got g = { 0 };
	struct rng r;
	char err[256];

	(void)state;
	rng_seed(&r, 13);
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, to_stream, &s, err, sizeof(err));
	assert_non_null(x);
	/* A string that fills its field has no NUL: too long to send. */
	memset(h.token, 'x', sizeof(h.token));
	assert_int_equal(strata_ipfix_put_hello(x, &h, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "token"));
	rand_lflow(&r, &lf, 4);
	lf.f.key.family = 5;
	assert_int_equal(strata_ipfix_put_lflow(x, &lf, err, sizeof(err)), -EINVAL);
	/* A fingerprint sample not in ascending order. */
	rand_lflow(&r, &lf, 6);
	lf.nfp[0] = 2;
	lf.fp[0][0].hash = 9;
	lf.fp[0][1].hash = 3;
	assert_int_equal(strata_ipfix_put_lflow(x, &lf, err, sizeof(err)), 0);
	assert_int_equal(strata_ipfix_flush(x, err, sizeof(err)), 0);
	strata_ipfix_free(x);
	assert_int_equal(decode_stream(&s, &g, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "fingerprint"));
	assert_int_equal(g.nlf, 0);
	free(s.buf);
}

/*
 * Another version of the sensor: its location flows in a template of its
 * own, made here with libfixbuf directly. An older sensor sends fewer
 * elements (the missing ones read as 0), a newer one an element this
 * decoder does not know (skipped): both are taken, by element name.
 */
struct other_rec {
	__u64 win_start;
	__u64 win_ns;
	__u64 packets;
	__u64 future;		/* the newer sensor's element; absent in the older one's */
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

/* The other sensor's stream: its templates, then one record, as two messages. */
static void other_stream(bool newer, struct stream *st)
{
	fbInfoElement_t ies[] = {
		FB_IE_INIT_FULL("strataFlowWindowStart", STRATA_IPFIX_PEN_DEFAULT, 15, 8,
				FB_IE_F_ENDIAN, 0, 0, FB_UINT_64, NULL),
		FB_IE_INIT_FULL("strataFlowWindowNs", STRATA_IPFIX_PEN_DEFAULT, 6, 8,
				FB_IE_F_ENDIAN, 0, 0, FB_UINT_64, NULL),
		FB_IE_INIT_FULL("strataSomethingNew", STRATA_IPFIX_PEN_DEFAULT, 999, 8,
				FB_IE_F_ENDIAN, 0, 0, FB_UINT_64, NULL),
		FB_IE_NULL
	};
	fbInfoElementSpec_t spec[] = {
		{ "strataFlowWindowStart", 8, 0 }, { "strataFlowWindowNs", 8, 0 },
		{ "packetDeltaCount", 8, 0 }, { "strataSomethingNew", 8, 1 },
		{ "sourceIPv4Address", 4, 0 }, { "destinationIPv4Address", 4, 0 },
		{ "sourceTransportPort", 2, 0 }, { "destinationTransportPort", 2, 0 },
		{ "protocolIdentifier", 1, 0 }, { "paddingOctets", 3, 2 },
		FB_IESPEC_NULL
	};
	struct other_rec r = {
		.win_start = 60000000000ULL * 100, .win_ns = 60000000000ULL, .packets = 42,
		.future = 7, .saddr = 0x0a000001, .daddr = 0x0a000002, .sport = 40000,
		.dport = 80, .proto = 6,
	};
	fbInfoModel_t *m = fbInfoModelAlloc();
	fbSession_t *sess;
	__u8 *buf = malloc(STRATA_IPFIX_MSG_MAX);
	fbExporter_t *ex = fbExporterAllocBuffer(buf, STRATA_IPFIX_MSG_MAX);
	fbTemplate_t *in, *out;
	GError *g = NULL;
	fBuf_t *fb;

	fbInfoModelAddElementArray(m, ies);
	sess = fbSessionAlloc(m);
	in = fbTemplateAlloc(m);
	out = fbTemplateAlloc(m);
	/* In memory: every field (flag 1 and 2 entries too); on the wire: by version. */
	assert_true(fbTemplateAppendSpecArray(in, spec, 3, &g));
	assert_true(fbTemplateAppendSpecArray(out, spec, newer ? 1 : 0, &g));
	assert_int_not_equal(fbSessionAddTemplate(sess, TRUE, 300, in, &g), 0);
	assert_int_not_equal(fbSessionAddTemplate(sess, FALSE, 300, out, &g), 0);
	fb = fBufAllocForExport(sess, ex);
	assert_true(fbSessionExportTemplates(sess, &g));
	/*
	 * The buffer holds one message: the first append is refused (end of
	 * message), the templates go out on their own, then the record.
	 */
	fBufSetAutomaticMode(fb, FALSE);
	assert_true(fBufSetInternalTemplate(fb, 300, &g));
	assert_true(fBufSetExportTemplate(fb, 300, &g));
	if (!newer)
		r.future = 0;
	if (!fBufAppend(fb, (uint8_t *)&r, sizeof(r), &g)) {
		assert_true(g_error_matches(g, FB_ERROR_DOMAIN, FB_ERROR_EOM));
		g_clear_error(&g);
		assert_true(fBufEmit(fb, &g));
		to_stream(buf, fbExporterGetMsgLen(ex), st);
		if (!fBufAppend(fb, (uint8_t *)&r, sizeof(r), &g))
			fail_msg("append: %s", g->message);
	}
	assert_true(fBufEmit(fb, &g));
	to_stream(buf, fbExporterGetMsgLen(ex), st);
	fBufFree(fb);
	fbInfoModelFree(m);
	free(buf);
}

static void test_other_versions(void **state)
{
	int newer;

	(void)state;
	for (newer = 0; newer < 2; newer++) {
		struct stream st = { 0 };
		struct got g = { 0 };
		char err[256];

		other_stream(newer, &st);
		assert_int_equal(st.msgs, 2);
		assert_int_equal(decode_stream(&st, &g, err, sizeof(err)), 0);
		assert_int_equal(g.nlf, 1);
		assert_int_equal(g.lf[0].f.window_start, 60000000000ULL * 100);
		assert_int_equal(g.lf[0].f.window_ns, 60000000000ULL);
		assert_int_equal(g.lf[0].f.key.family, 4);
		assert_int_equal(g.lf[0].f.key.proto, 6);
		/* What this sender did not have reads as 0. */
		assert_int_equal(g.lf[0].f.microflows, 0);
		assert_int_equal(g.lf[0].nfp[0] + g.lf[0].nfp[1], 0);
		assert_int_equal(g.lf[0].f.dir[0].packets + g.lf[0].f.dir[1].packets, 42);
		/* No transaction timing from a sensor before it: zeros. */
		{
			struct strata_txn_stats zero;

			memset(&zero, 0, sizeof(zero));
			assert_memory_equal(&g.lf[0].f.txn, &zero, sizeof(zero));
		}
		free(g.lf);
		free(st.buf);
	}
}

/* ---- messages made byte by byte ---- */

struct wire {
	__u8 b[512];
	size_t n;
};

static void w8(struct wire *w, __u8 v)
{
	w->b[w->n++] = v;
}

static void w16(struct wire *w, __u16 v)
{
	w8(w, (__u8)(v >> 8));
	w8(w, (__u8)v);
}

static void w32(struct wire *w, __u32 v)
{
	w16(w, (__u16)(v >> 16));
	w16(w, (__u16)v);
}

/* @v big-endian in @len bytes (more than 8: zeros first). */
static void wbe(struct wire *w, __u64 v, unsigned int len)
{
	while (len--)
		w8(w, len < 8 ? (__u8)(v >> (8 * len)) : 0);
}

/* A field specifier: enterprise elements with their PEN. */
static void wfield(struct wire *w, __u32 pen, __u16 num, __u16 len)
{
	w16(w, (__u16)(num | (pen ? 0x8000 : 0)));
	w16(w, len);
	if (pen)
		w32(w, pen);
}

/*
 * One message: template 300 of a location flow whose window start is
 * @wsl bytes long and whose packet count @pkl (reduced-size encoding,
 * RFC 7011, 6.2), then a data set of 300 with one record (and, with
 * @early, a data set of template 301, defined nowhere, first).
 */
static void msg_300(struct wire *w, unsigned int wsl, unsigned int pkl, bool early)
{
	const __u32 pen = STRATA_IPFIX_PEN_DEFAULT;
	size_t set;

	w->n = 0;
	wbe(w, 0x000a0000, 4);		/* version; length set below */
	w32(w, 0);			/* export time */
	w32(w, 0);			/* sequence */
	w32(w, 7);			/* observation domain */
	if (early) {
		w16(w, 301);
		w16(w, 8);
		w32(w, 0xdeadbeef);
	}
	set = w->n;
	w16(w, 2);
	w16(w, 0);
	w16(w, 300);
	w16(w, 8);
	wfield(w, pen, 15, (__u16)wsl);	/* strataFlowWindowStart */
	wfield(w, pen, 6, 8);		/* strataFlowWindowNs */
	wfield(w, 0, 2, (__u16)pkl);	/* packetDeltaCount */
	wfield(w, 0, 8, 4);		/* sourceIPv4Address */
	wfield(w, 0, 12, 4);		/* destinationIPv4Address */
	wfield(w, 0, 7, 2);		/* sourceTransportPort */
	wfield(w, 0, 11, 2);		/* destinationTransportPort */
	wfield(w, 0, 4, 1);		/* protocolIdentifier */
	w->b[set + 2] = (__u8)((w->n - set) >> 8);
	w->b[set + 3] = (__u8)(w->n - set);
	set = w->n;
	w16(w, 300);
	w16(w, 0);
	wbe(w, 60000000000ULL * 100, wsl);
	wbe(w, 60000000000ULL, 8);
	wbe(w, 1234, pkl);
	w32(w, 0x0a000001);
	w32(w, 0x0a000002);
	w16(w, 40000);
	w16(w, 80);
	w8(w, 6);
	w8(w, 0);			/* padding to the set's end */
	w->b[set + 2] = (__u8)((w->n - set) >> 8);
	w->b[set + 3] = (__u8)(w->n - set);
	w->b[2] = (__u8)(w->n >> 8);
	w->b[3] = (__u8)w->n;
}

/*
 * Records as RFC 7011 allows them: a counter in fewer bytes (reduced-size
 * encoding), padding after the last record, and a data set whose template
 * is not known, skipped. An element longer than strata takes is refused,
 * naming it.
 */
static void test_wire_forms(void **state)
{
	unsigned int pkl;
	struct wire w;
	char err[256];

	(void)state;
	for (pkl = 1; pkl <= 8; pkl *= 2) {
		struct stream st = { .buf = w.b, .msgs = 1 };
		struct got g = { 0 };

		msg_300(&w, 8, pkl, pkl == 4);
		st.len = w.n;
		assert_int_equal(decode_stream(&st, &g, err, sizeof(err)), 0);
		assert_int_equal(g.nlf, 1);
		assert_int_equal(g.lf[0].f.window_start, 60000000000ULL * 100);
		assert_int_equal(g.lf[0].f.dir[0].packets + g.lf[0].f.dir[1].packets,
				 pkl == 1 ? 1234 & 0xff : 1234);
		assert_int_equal(g.lf[0].f.key.proto, 6);
		free(g.lf);
	}
	{
		struct stream st = { .buf = w.b, .msgs = 1 };
		struct got g = { 0 };

		msg_300(&w, 16, 8, false);
		st.len = w.n;
		assert_int_equal(decode_stream(&st, &g, err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, "template 300: element 32473/15 of 16 bytes"));
		assert_int_equal(g.nlf, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_empty_template),
		cmocka_unit_test(test_other_versions),
		cmocka_unit_test(test_wire_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
