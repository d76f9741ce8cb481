// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * libFuzzer target: the central host's collector input. The bytes are what a
 * sensor sends over TCP, a stream of IPFIX messages; they are cut into
 * messages and decoded as daemon/central.c's conn_read() does, stopping at
 * the first error, under ASan and UBSan. The sink reads every byte of what
 * it is handed and aborts when a record breaks what strata_ipfix_decode()
 * promises (lib/ipfix.h).
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "ipfix.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const __u8 *data, size_t size);

/* libfixbuf says what it thinks of bad input through glib: not here. */
static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer arg)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)arg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	g_log_set_default_handler(quiet, NULL);
	return 0;
}

/* Every byte of a record read, so that ASan sees a bad pointer. */
static volatile __u8 sink_sum;

static void touch(const void *p, size_t len)
{
	const __u8 *b = p;
	__u8 sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += b[i];
	sink_sum += sum;
}

/* A string field must hold its NUL: the central host prints them with %s. */
static void check_str(const char *s, size_t size)
{
	if (strnlen(s, size) == size)
		abort();
}

static int on_hello(const struct strata_hello *h, void *arg)
{
	(void)arg;
	touch(h, sizeof(*h));
	check_str(h->sensor_id, sizeof(h->sensor_id));
	check_str(h->version, sizeof(h->version));
	check_str(h->api_url, sizeof(h->api_url));
	check_str(h->token, sizeof(h->token));
	return 0;
}

static int on_lflow(const struct strata_lflow *lf, void *arg)
{
	const struct strata_store_flow *f = &lf->f;
	unsigned int d, i;

	(void)arg;
	touch(lf, sizeof(*lf));
	if (f->key.family != 4 && f->key.family != 6)
		abort();
	if (!f->window_ns)
		abort();
	for (d = 0; d < 2; d++) {
		if (lf->nfp[d] > STRATA_FP_SAMPLE)
			abort();
		for (i = 0; i < lf->nfp[d]; i++)
			if (!lf->fp[d][i].hash ||
			    (i && lf->fp[d][i].hash <= lf->fp[d][i - 1].hash))
				abort();
	}
	return 0;
}

static int on_window(const struct strata_window_mark *w, void *arg)
{
	(void)arg;
	touch(w, sizeof(*w));
	if (w->to < w->from)
		abort();
	return 0;
}

static int on_ack(const struct strata_ack *a, void *arg)
{
	(void)arg;
	touch(a, sizeof(*a));
	check_str(a->message, sizeof(a->message));
	return 0;
}

static const struct strata_ipfix_sink sink = {
	.hello = on_hello, .lflow = on_lflow, .window = on_window, .ack = on_ack,
};

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	struct strata_ipfix *x;
	char err[256];
	size_t off = 0;
	int len;

	x = strata_ipfix_new(STRATA_IPFIX_PEN_DEFAULT, NULL, NULL, err, sizeof(err));
	if (!x)
		abort();
	/* As conn_read(): a whole message at a time; the first bad one ends it. */
	while (size - off >= 4) {
		__u8 *msg;
		int rc;

		len = strata_ipfix_msg_len(data + off);
		if (len < 0 || (size_t)len > size - off)
			break;
		/* A buffer that ends where the message does, for ASan. */
		msg = malloc((size_t)len);
		if (!msg)
			abort();
		memcpy(msg, data + off, (size_t)len);
		rc = strata_ipfix_decode(x, msg, (size_t)len, &sink, NULL, err, sizeof(err));
		free(msg);
		if (rc < 0) {
			check_str(err, sizeof(err));
			break;
		}
		off += (size_t)len;
	}
	strata_ipfix_free(x);
	return 0;
}
