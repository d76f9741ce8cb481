// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata analyze FILE`: a capture through the shared core and the microflow
 * table; prints the counters and each conversation summed over its microflows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>
#include "keywords.h"
#include "offline.h"
#include "store.h"
#include "print.h"
#include "strata.h"

/*
 * A conversation over the whole file. Packets and IP bytes are summed from
 * the closed microflows (the core's accounting); frame bytes, which include
 * the link layer, from the packets as read, to compare with tshark's tables.
 */
struct conv {
	struct strata_flow_key key;
	int initiator;
	__u64 microflows;
	__u64 packets[2];
	__u64 bytes[2];
	__u64 payload[2];
	__u64 frame_bytes[2];
	__u64 first_ns;
	__u64 last_ns;
};

/*
 * With --store: the records and microflows go into a store too; the first
 * error is kept (the run goes on: what can be stored is).
 */
struct analysis {
	struct conv **slots;	/* open addressing, a power of two, at most half full */
	size_t nslots;
	struct conv **list;
	size_t n, cap;
	int oom;
	struct strata_store *store;
	int store_rc;
	char store_err[512];
	bool progress;
	__u64 last_flush;
};

/* Keep the first store error. */
static void store_error(struct analysis *an, int rc, const char *err)
{
	if (rc && !an->store_rc) {
		an->store_rc = rc;
		snprintf(an->store_err, sizeof(an->store_err), "%s", err);
	}
}

static void on_record(const struct strata_rec_packet *rec, const __u8 *data,
		      __u64 frame, void *arg)
{
	struct analysis *an = arg;
	char err[512];

	if (an->store)
		store_error(an, strata_store_add_packet(an->store, 0, frame, rec, data,
							err, sizeof(err)), err);
}

/* Every 16384 frames: commit what was stored, and draw the progress bar. */
static void on_progress(__u64 done, __u64 total, __u64 frames, void *arg)
{
	struct analysis *an = arg;
	char err[512];

	/* The committer thread commits it; this thread reads on. */
	if (an->store && frames != an->last_flush) {
		store_error(an, strata_store_flush_nowait(an->store, err, sizeof(err)), err);
		an->last_flush = frames;
	}
	if (!an->progress)
		return;
	if (total)
		fprintf(stderr, "\ranalyze: %3u%% %7.1f of %.1f MB, %llu frames ",
			(unsigned int)(done * 100 / total), done / 1e6, total / 1e6,
			(unsigned long long)frames);
	else
		fprintf(stderr, "\ranalyze: %7.1f MB, %llu frames ", done / 1e6,
			(unsigned long long)frames);
}

/* Doubles the hash table (or makes it). Return: 0 or -ENOMEM. */
static int conv_grow(struct analysis *an)
{
	size_t n = an->nslots ? 2 * an->nslots : 1024, i, j;
	struct conv **t = calloc(n, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < an->n; i++) {
		j = XXH3_64bits(&an->list[i]->key, sizeof(an->list[i]->key)) & (n - 1);
		while (t[j])
			j = (j + 1) & (n - 1);
		t[j] = an->list[i];
	}
	free(an->slots);
	an->slots = t;
	an->nslots = n;
	return 0;
}

/* The conversation of @k, made when new (every packet looks one up). */
static struct conv *conv_get(struct analysis *an, const struct strata_flow_key *k)
{
	struct conv *c;
	size_t j;

	if (an->n + 1 > an->nslots / 2 && conv_grow(an)) {
		an->oom = 1;
		return NULL;
	}
	j = XXH3_64bits(k, sizeof(*k)) & (an->nslots - 1);
	for (; an->slots[j]; j = (j + 1) & (an->nslots - 1))
		if (!memcmp(&an->slots[j]->key, k, sizeof(*k)))
			return an->slots[j];
	if (an->n == an->cap) {
		size_t ncap = an->cap ? an->cap * 2 : 256;
		struct conv **l = realloc(an->list, ncap * sizeof(*l));

		if (!l) {
			an->oom = 1;
			return NULL;
		}
		an->list = l;
		an->cap = ncap;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		an->oom = 1;
		return NULL;
	}
	c->key = *k;
	c->initiator = -1;
	an->slots[j] = c;
	an->list[an->n++] = c;
	return c;
}

static void on_close(const struct strata_mflow *mf,
		     const struct strata_mf_info *info, void *arg)
{
	struct analysis *an = arg;
	struct conv *c = conv_get(an, &mf->key);
	char err[512];
	int d;

	if (an->store)
		store_error(an, strata_store_add_microflow(an->store, mf, info, err,
							   sizeof(err)), err);
	if (!c)
		return;
	if (c->initiator < 0)
		c->initiator = mf->initiator;
	c->microflows++;
	for (d = 0; d < 2; d++) {
		const struct strata_dir_stats *s = &mf->dir[d];

		if (!s->packets)
			continue;
		c->frame_bytes[d] += info->frame_bytes[d];
		c->packets[d] += s->packets;
		c->bytes[d] += s->bytes;
		c->payload[d] += s->payload_bytes;
		if (!c->first_ns || s->first_ns < c->first_ns)
			c->first_ns = s->first_ns;
		if (s->last_ns > c->last_ns)
			c->last_ns = s->last_ns;
	}
}

static int by_first(const void *a, const void *b)
{
	const struct conv *x = *(struct conv *const *)a, *y = *(struct conv *const *)b;

	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static const char *proto_name(int p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmp6";
	case 132: return "sctp";
	}
	snprintf(buf, len, "%d", p);
	return buf;
}

static void print_conv(const struct conv *c)
{
	/* Print from the initiator's side: A started the conversation. */
	int a = c->initiator < 0 ? 0 : c->initiator, b = !a;
	char abuf[64], bbuf[64], pbuf[8];

	pr_open_obj(NULL);
	pr_str("proto", "%-5s ", proto_name(c->key.proto, pbuf, sizeof(pbuf)));
	pr_str("a", "%s", addr_str(c->key.addr[a], c->key.family, abuf, sizeof(abuf)));
	pr_u64("a_port", ":%llu", c->key.port[a]);
	pr_str("b", " > %s", addr_str(c->key.addr[b], c->key.family, bbuf, sizeof(bbuf)));
	pr_u64("b_port", ":%llu", c->key.port[b]);
	pr_u64("packets_ab", "  a>b %llu pkts", c->packets[a]);
	pr_u64("bytes_ab", " %llu B", c->bytes[a]);
	pr_u64("payload_ab", NULL, c->payload[a]);
	pr_u64("frame_bytes_ab", NULL, c->frame_bytes[a]);
	pr_u64("packets_ba", "  b>a %llu pkts", c->packets[b]);
	pr_u64("bytes_ba", " %llu B", c->bytes[b]);
	pr_u64("payload_ba", NULL, c->payload[b]);
	pr_u64("frame_bytes_ba", NULL, c->frame_bytes[b]);
	pr_u64("microflows", "  %llu microflows\n", c->microflows);
	pr_u64("first_ns", NULL, c->first_ns);
	pr_u64("last_ns", NULL, c->last_ns);
	pr_close();
}

static void print_counters(const struct strata_offline *o)
{
	const struct strata_counters *c = &o->counters;

	pr_open_obj("counters");
	pr_u64("frames", "frames       %llu\n", o->frames);
	pr_u64("not_ip", "not ip       %llu\n", o->not_ip);
	pr_u64("link_short", "link short   %llu\n", o->link_short);
	pr_u64("seen", "seen         %llu\n", c->seen);
	pr_u64("parsed", "parsed       %llu\n", c->parsed);
	pr_u64("truncated", "truncated    %llu\n", c->truncated);
	pr_u64("malformed", "malformed    %llu\n", c->malformed);
	pr_u64("unsupported", "unsupported  %llu\n", c->unsupported);
	pr_u64("fragments", "fragments    %llu\n", c->fragments);
	pr_u64("ipv4", "ipv4         %llu\n", c->ipv4);
	pr_u64("ipv6", "ipv6         %llu\n", c->ipv6);
	pr_u64("microflows", "microflows   %llu\n", o->table.closed);
	pr_u64("table_full", "table full   %llu\n", o->table.table_full);
	pr_close();
}

static void print_store(struct strata_store *s, const char *dir)
{
	struct strata_store_info in;
	char err[512];

	if (strata_store_info(s, &in, err, sizeof(err))) {
		fail("analyze", "%s", err);
		return;
	}
	pr_open_obj("store");
	print_store_info(&in, dir);
	pr_close();
}

int cmd_analyze(int argc, char **argv)
{
	struct strata_offline o = { 0 };
	struct analysis an = { 0 };
	const char *file = NULL, *dir = NULL;
	struct strata_store_opts so;
	char err[512];
	size_t i;
	int rc, ret;

	strata_store_opts_init(&so, NULL);
	for (i = 1; i < (size_t)argc; i++) {
		const char *opt = argv[i], *val = i + 1 < (size_t)argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--window") && val) {
			char *end;
			double s = strtod(argv[++i], &end);

			if (*end || s <= 0 || s > 3600)
				return usage_error("analyze", "--window: '%s' is not a number of seconds in (0, 3600]",
						   argv[i]);
			o.window_ns = (__u64)(s * 1e9);
		} else if (!strcmp(opt, "--store") && val) {
			dir = argv[++i];
		} else if (!strcmp(opt, "--budget") && val) {
			if (strata_kw_size(argv[++i], STRATA_STORE_BUDGET_MIN, 1ULL << 50,
					   &so.budget))
				return usage_error("analyze", "--budget: '%s' is not a size from 1M (512M, 4G, ...)",
						   argv[i]);
		} else if (!strcmp(opt, "--compress") && val) {
			i++;
			if (!strcmp(argv[i], "zstd"))
				so.codec = STRATA_STORE_CODEC_ZSTD;
			else if (!strcmp(argv[i], "none"))
				so.codec = STRATA_STORE_CODEC_NONE;
			else
				return usage_error("analyze", "--compress: '%s' is not zstd or none",
						   argv[i]);
		} else if (!strcmp(opt, "--snaplen") && val) {
			if (strata_kw_u32(argv[++i], 0, STRATA_SNAPLEN_MAX, &o.snaplen))
				return usage_error("analyze", "--snaplen: '%s' is not a number of bytes up to %d",
						   argv[i], STRATA_SNAPLEN_MAX);
		} else if (opt[0] == '-' && opt[1]) {
			return usage_error("analyze", "unknown option '%s' (or its value is missing)", opt);
		} else if (!file) {
			file = opt;
		} else {
			return usage_error("analyze", "one file at a time ('%s')", opt);
		}
	}
	if (!file)
		return usage_error("analyze", "which file? strata analyze FILE [--store DIR]");

	if (dir) {
		so.path = dir;
		/* Reading and the core on this thread, sealing and writing on another. */
		so.committer = true;
		/* Refused by another malloc (a sanitizer's): only slower. */
		(void)strata_store_tune_malloc();
		if (strata_store_open(&so, &an.store, err, sizeof(err)))
			return fail("analyze", "%s", err);
		o.on_record = on_record;
	}
	an.progress = isatty(STDERR_FILENO);
	o.on_close = on_close;
	o.on_progress = on_progress;
	o.arg = &an;
	ret = strata_offline_run(file, &o);
	if (an.progress)
		fputc('\n', stderr);
	if (an.store) {
		/* What was read before an error is kept: flush it either way. */
		store_error(&an, strata_store_flush(an.store, err, sizeof(err)), err);
	}
	/* A corrupt record ends the run, but what came before it is reported. */
	if (ret && !o.frames) {
		strata_store_close(an.store, err, sizeof(err));
		return fail("analyze", "%s", o.errbuf);
	}

	if (an.n)	/* an empty list is NULL, which qsort may not be given */
		qsort(an.list, an.n, sizeof(*an.list), by_first);
	pr_begin();
	pr_str("file", "file         %s\n", file);
	if (ret)
		pr_str("error", "error        %s\n", o.errbuf);
	print_counters(&o);
	if (an.store)
		print_store(an.store, dir);
	pr_u64("conversations", "conversations %llu\n", an.n);
	pr_open_arr("conversations");
	for (i = 0; i < an.n; i++)
		print_conv(an.list[i]);
	pr_close();
	pr_end();

	rc = 0;
	if (ret) {
		fail("analyze", "%s", o.errbuf);
		rc = 1;
	}
	if (an.store_rc)
		rc = fail("analyze", "%s", an.store_err);
	if (strata_store_close(an.store, err, sizeof(err)))
		rc = fail("analyze", "%s", err);
	if (an.oom)
		rc = fail("analyze", "out of memory: the conversation list is incomplete");
	for (i = 0; i < an.n; i++)
		free(an.list[i]);
	free(an.slots);
	free(an.list);
	return rc;
}
