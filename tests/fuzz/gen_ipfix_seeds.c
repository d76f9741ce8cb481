// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Seeds of fuzz_ipfix: a few valid IPFIX streams, as a sensor (or the
 * central host, for acks) sends them, made with lib/ipfix.c's encoder.
 * Usage: gen_ipfix_seeds DIR (one file per stream, DIR must exist).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ipfix.h"

/* One stream: every message the encoder handed over, back to back. */
struct stream {
	__u8 buf[1 << 17];
	size_t len;
};

static int to_stream(const __u8 *msg, size_t len, void *arg)
{
	struct stream *s = arg;

	if (len > sizeof(s->buf) - s->len)
		return -1;
	memcpy(s->buf + s->len, msg, len);
	s->len += len;
	return 0;
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "gen_ipfix_seeds: %s: %s\n", what, err);
	exit(1);
}

#define W1S	1000000000ULL
#define WIN	(1700000000ULL / 60 * 60 * W1S)

/* A location flow: family 4 or 6, @nfp fingerprints per direction, seeded by @n. */
static void mklf(struct strata_lflow *lf, int family, unsigned int nfp, unsigned int n)
{
	struct strata_flow_key k;
	unsigned int d, i;

	memset(lf, 0, sizeof(*lf));
	memset(&k, 0, sizeof(k));
	k.family = (__u8)family;
	k.proto = n & 1 ? 17 : 6;
	for (d = 0; d < 2; d++) {
		if (family == 4) {
			k.addr[d][10] = k.addr[d][11] = 0xff;
			k.addr[d][12] = d ? 192 : 10;
			k.addr[d][15] = (__u8)(n + d + 1);
		} else {
			k.addr[d][0] = 0x20;
			k.addr[d][1] = 0x01;
			k.addr[d][2] = 0x0d;
			k.addr[d][3] = 0xb8;
			k.addr[d][15] = (__u8)(n + d + 1);
		}
		k.port[d] = d ? 443 : (__u16)(40000 + n);
	}
	strata_store_canon_key(&k, &lf->f.key);
	lf->f.window_start = WIN;
	lf->f.window_ns = 60 * W1S;
	lf->f.first_mf = WIN + W1S;
	lf->f.last_mf = WIN + 50 * W1S;
	lf->f.microflows = 2 + n;
	lf->f.has_initiator = n % 3 != 0;
	lf->f.initiator = n & 1;
	for (d = 0; d < 2; d++) {
		struct strata_dir_stats *s = &lf->f.dir[d];

		s->packets = 10 + n + d;
		s->bytes = 1500 * s->packets;
		s->payload_bytes = 1400 * s->packets;
		s->size.n = s->packets;
		s->size.sum = s->bytes;
		s->size.min = 60;
		s->size.max = 1500;
		s->rtt_hs.n = 1;
		s->rtt_hs.sum = s->rtt_hs.min = s->rtt_hs.max = 150000;
		s->first_ns = WIN + 2 * W1S + d;
		s->last_ns = WIN + 40 * W1S + d;
		s->tcp_flags[0] = 1;
		s->tcp_flags[1] = 1;
		s->retrans = n;
		s->ttl_min = 60;
		s->ttl_max = 64;
		lf->nfp[d] = nfp;
		for (i = 0; i < nfp; i++) {
			lf->fp[d][i].hash = 0x1000 * (i + 1) + n;
			lf->fp[d][i].ts_ns = WIN + (i + 3) * W1S;
		}
	}
}

static void put_lflow(struct strata_ipfix *x, int family, unsigned int nfp, unsigned int n)
{
	struct strata_lflow lf;
	char err[256];

	mklf(&lf, family, nfp, n);
	if (strata_ipfix_put_lflow(x, &lf, err, sizeof(err)))
		die("lflow", err);
}

static void save(const char *dir, const char *name, const struct stream *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f))
		die(path, "cannot write");
}

int main(int argc, char **argv)
{
	struct strata_hello h = {
		.sensor_id = "router-1", .version = "0.2.0", .api_url = "http://10.0.0.1:8470",
		.token = "s3cret", .capabilities = STRATA_CAP_ALL,
		.flow_window_ns = 60 * W1S, .clock_error_ns = 1234,
		.clock_sync = STRATA_CLOCK_SYNCED, .proto_version = STRATA_PROTO_VERSION,
	};
	struct strata_window_mark w = { .from = WIN, .to = WIN + 60 * W1S };
	struct strata_ack a = { .status = STRATA_ACK_OK, .through = WIN };
	static struct stream s;
	struct strata_ipfix *x;
	char err[256];
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_ipfix_seeds DIR\n");
		return 2;
	}

	/* A sensor's connection: hello, a window of flows, its mark; one message. */
	memset(&s, 0, sizeof(s));
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, to_stream, &s, err, sizeof(err));
	if (!x)
		die("encoder", err);
	if (strata_ipfix_put_hello(x, &h, err, sizeof(err)))
		die("hello", err);
	put_lflow(x, 4, 3, 0);
	put_lflow(x, 6, STRATA_FP_SAMPLE, 1);
	put_lflow(x, 4, 0, 2);
	w.flows = 3;
	if (strata_ipfix_put_window(x, &w, err, sizeof(err)) ||
	    strata_ipfix_flush(x, err, sizeof(err)))
		die("window", err);
	strata_ipfix_free(x);
	save(argv[1], "sensor-one-message", &s);

	/* The same, one message per record: templates, then records. */
	memset(&s, 0, sizeof(s));
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, to_stream, &s, err, sizeof(err));
	if (!x || strata_ipfix_flush(x, err, sizeof(err)))
		die("encoder", err);
	if (strata_ipfix_put_hello(x, &h, err, sizeof(err)) ||
	    strata_ipfix_flush(x, err, sizeof(err)))
		die("hello", err);
	for (i = 0; i < 4; i++) {
		put_lflow(x, i & 1 ? 6 : 4, i * 2, 10 + i);
		if (strata_ipfix_flush(x, err, sizeof(err)))
			die("flush", err);
	}
	w.flows = 4;
	if (strata_ipfix_put_window(x, &w, err, sizeof(err)) ||
	    strata_ipfix_flush(x, err, sizeof(err)))
		die("window", err);
	strata_ipfix_free(x);
	save(argv[1], "sensor-many-messages", &s);

	/* A hello with empty strings, then an empty window mark. */
	memset(&s, 0, sizeof(s));
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, to_stream, &s, err, sizeof(err));
	if (!x)
		die("encoder", err);
	{
		struct strata_hello e = { .sensor_id = "s", .proto_version = 1 };
		struct strata_window_mark z = { .from = 0, .to = 0, .flows = 0 };

		if (strata_ipfix_put_hello(x, &e, err, sizeof(err)) ||
		    strata_ipfix_put_window(x, &z, err, sizeof(err)) ||
		    strata_ipfix_flush(x, err, sizeof(err)))
			die("empty", err);
	}
	strata_ipfix_free(x);
	save(argv[1], "sensor-empty", &s);

	/* The central host's side: acks, one refusing with a message. */
	memset(&s, 0, sizeof(s));
	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, to_stream, &s, err, sizeof(err));
	if (!x)
		die("encoder", err);
	if (strata_ipfix_put_ack(x, &a, err, sizeof(err)) ||
	    strata_ipfix_flush(x, err, sizeof(err)))
		die("ack", err);
	a.status = STRATA_ACK_DENIED;
	snprintf(a.message, sizeof(a.message), "bad token");
	if (strata_ipfix_put_ack(x, &a, err, sizeof(err)) ||
	    strata_ipfix_flush(x, err, sizeof(err)))
		die("ack", err);
	strata_ipfix_free(x);
	save(argv[1], "central-acks", &s);
	return 0;
}
