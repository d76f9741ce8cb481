// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata store`: what a sensor's packet store holds (Documentation/store.rst),
 * read through LMDB read transactions, so a running daemon is not disturbed.
 *
 *   strata store info     --store DIR
 *   strata store blocks   --store DIR [--from T] [--to T]
 *   strata store microflows --store DIR [--flow F] [--from T] [--to T]
 *   strata store flows    --store DIR [--flow F] [--from T] [--to T]
 *   strata store packets  --store DIR [--flow F] [--from T] [--to T] [-c N]
 *                         [-w FILE] [FILTER...]
 *   strata store pins     --store DIR
 *   strata store pin      --store DIR --from T --to T [--label L]
 *   strata store unpin    --store DIR ID
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "keywords.h"
#include "pktout.h"
#include "print.h"
#include "store.h"
#include "strata.h"

struct store_args {
	const char *sub;
	const char *dir;
	__u64 from, to;
	bool has_flow;
	struct strata_flow_key flow;
	const char *label;
	const char *file;
	unsigned long long count;
	__u64 pin_id;
	int nfilter;
	char **filter;
};

static int parse_args(int argc, char **argv, struct store_args *a)
{
	const char *op = "store";
	int i;

	memset(a, 0, sizeof(*a));
	a->to = ~0ULL;
	if (argc < 2)
		return usage_error(op, "which? info, blocks, microflows, flows, packets, pins, pin, unpin");
	a->sub = argv[1];
	for (i = 2; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--store") && v) {
			a->dir = argv[++i];
		} else if ((!strcmp(o, "--from") || !strcmp(o, "--to")) && v) {
			if (strata_api_parse_time(argv[++i], o[2] == 'f' ? &a->from : &a->to))
				return usage_error(op, "%s: '%s' is not an RFC 3339 time or epoch seconds",
						   o, argv[i]);
		} else if (!strcmp(o, "--flow") && v) {
			if (strata_api_parse_flow(argv[++i], &a->flow))
				return usage_error(op, "--flow: '%s' is not ADDR:PORT-ADDR:PORT/PROTO ([V6]:PORT for IPv6)",
						   argv[i]);
			a->has_flow = true;
		} else if (!strcmp(o, "--label") && v) {
			a->label = argv[++i];
		} else if (!strcmp(o, "-w") && v) {
			a->file = argv[++i];
		} else if (!strcmp(o, "-c")) {
			int rc = parse_count(op, v, &a->count);

			if (rc)
				return rc;
			i++;
		} else if (!strcmp(o, "--")) {
			i++;
			break;
		} else if (o[0] == '-') {
			return usage_error(op, "unknown option '%s' (or its value is missing)", o);
		} else {
			break;
		}
	}
	a->nfilter = argc - i;
	a->filter = argv + i;
	if (!a->dir)
		return usage_error(op, "--store DIR is missing");
	if (a->from > a->to)
		return usage_error(op, "--from is after --to");
	return 0;
}

/* A time range: two fields in JSON, " T1..T2" in text. */
static void print_range(const char *k1, __u64 t1, const char *k2, __u64 t2,
			unsigned int digits)
{
	char b1[32], b2[32];

	pr_u64(k1, NULL, t1);
	pr_u64(k2, NULL, t2);
	pr_text(" %s..%s", time_str(t1, digits, b1, sizeof(b1)),
		time_str(t2, digits, b2, sizeof(b2)));
}

static int on_block(const struct strata_store_block *b, void *arg)
{
	(void)arg;
	pr_begin();
	pr_u64("id", "block %llu", b->id);
	print_range("first_ts", b->first_ts, "last_ts", b->last_ts, 6);
	pr_u64("packets", " %llu packets", b->packets);
	pr_u64("raw_bytes", " %llu B", b->raw_bytes);
	pr_u64("stored_bytes", " stored %llu B", b->stored_bytes);
	pr_str("codec", " heads %s", b->codec == STRATA_STORE_CODEC_ZSTD ? "zstd" : "none");
	pr_str("data_codec", " bytes %s\n",
	       b->data_codec == STRATA_STORE_CODEC_ZSTD ? "zstd" : "none");
	pr_end();
	return 0;
}

static int on_mflow(const struct strata_store_mflow *m, void *arg)
{
	(void)arg;
	pr_begin();
	print_microflow(&m->mf, &m->info);
	if (pr_json) {
		pr_u64("first_block", NULL, m->first_block);
		pr_u64("last_block", NULL, m->last_block);
	}
	pr_end();
	return 0;
}

/* A location flow, printed as a microflow of its minute, plus its span. */
static int on_flow(const struct strata_store_flow *f, void *arg)
{
	struct strata_mf_info info;
	struct strata_mflow mf;

	(void)arg;
	memset(&mf, 0, sizeof(mf));
	memset(&info, 0, sizeof(info));
	mf.key = f->key;
	mf.window_start = f->window_start;
	mf.initiator = f->initiator;
	mf.started = f->has_initiator;
	mf.dir[0] = f->dir[0];
	mf.dir[1] = f->dir[1];
	mf.txn = f->txn;
	info.window_ns = f->window_ns;
	pr_begin();
	print_microflow(&mf, &info);
	pr_u64("microflows", NULL, f->microflows);
	pr_u64("first_mf", NULL, f->first_mf);
	pr_u64("last_mf", NULL, f->last_mf);
	pr_end();
	return 0;
}

static int on_packet(const struct strata_store_rec *r, void *arg)
{
	return pktout_packet(arg, r->pkt, r->data, r->cpu, r->seq);
}

static int on_pin(const struct strata_store_pin *p, void *arg)
{
	(void)arg;
	pr_begin();
	pr_u64("id", "pin %llu", p->id);
	print_range("t1", p->t1, "t2", p->t2, 3);
	pr_u64("bytes", " holds %llu B", p->bytes);
	pr_str("label", " '%s'\n", p->label);
	pr_end();
	return 0;
}

void print_store_info(const struct strata_store_info *in, const char *dir)
{
	char t[32];

	pr_str("path", "store       %s\n", dir);
	pr_u64("version", "version     %llu\n", in->version);
	pr_str("codec", "codec       %s\n", in->codec == STRATA_STORE_CODEC_ZSTD ? "zstd" : "none");
	pr_u64("packets", "packets     %llu", in->packets);
	if (in->packets)
		print_range("first_ts", in->first_ts, "last_ts", in->last_ts, 6);
	pr_text("\n");
	pr_u64("blocks", "blocks      %llu", in->blocks);
	pr_u64("first_block", " (%llu", in->first_block);
	pr_u64("last_block", "..%llu)\n", in->last_block);
	pr_u64("microflows", "microflows  %llu\n", in->microflows);
	pr_u64("flows", "flows       %llu (60 s)", in->flows);
	pr_u64("flows_through", NULL, in->flows_through);
	pr_text(in->flows_through ? ", windows closed before %s\n" : ", every window open\n",
		time_str(in->flows_through, 0, t, sizeof(t)));
	pr_u64("used_bytes", "used        %llu B", in->used_bytes);
	pr_u64("file_bytes", " in a %llu B file", in->file_bytes);
	pr_u64("budget", ", budget %llu B\n", in->budget);
	pr_u64("last_commit_ns", NULL, in->last_commit_ns);
	pr_text("last commit %s\n", in->last_commit_ns ?
		time_str(in->last_commit_ns, 3, t, sizeof(t)) : "never");
	pr_u64("pins", "pins        %llu\n", in->pins);
	pr_open_obj("totals");
	pr_u64("packets_written", "written     %llu packets", in->c.packets_written);
	pr_u64("blocks_written", " in %llu blocks\n", in->c.blocks_written);
	pr_u64("packets_removed", "removed     %llu packets", in->c.packets_removed);
	pr_u64("blocks_removed", " in %llu blocks", in->c.blocks_removed);
	pr_u64("blocks_expired", " (%llu for age)\n", in->c.blocks_expired);
	pr_u64("packets_dropped", "dropped     %llu packets (store full)\n",
	       in->c.packets_dropped);
	pr_u64("microflows_dropped", NULL, in->c.microflows_dropped);
	pr_u64("map_full", NULL, in->c.map_full);
	pr_close();
}

int cmd_store(int argc, char **argv)
{
	struct strata_store_opts so;
	struct strata_store *s = NULL;
	struct strata_store_info in;
	struct pktout out = { .op = "store packets" };
	struct store_args a;
	char err[512];
	int rc, ret = 0;
	bool writer;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	writer = !strcmp(a.sub, "pin") || !strcmp(a.sub, "unpin");
	if (!strcmp(a.sub, "unpin")) {
		if (a.nfilter != 1 || strata_kw_size(a.filter[0], 1, ~0ULL, &a.pin_id))
			return usage_error("store unpin", "which pin? strata store unpin --store DIR ID");
	} else if (!strcmp(a.sub, "packets")) {
		out.count = a.count;
		rc = pktout_filter(&out, a.nfilter, a.filter);
		if (rc)
			return rc;
	} else if (a.nfilter) {
		return usage_error("store", "%s: unexpected '%s'", a.sub, a.filter[0]);
	}
	if (!strcmp(a.sub, "pin") && (!a.from || a.to == ~0ULL))
		return usage_error("store pin", "--from and --to are both needed");

	strata_store_opts_init(&so, a.dir);
	so.readonly = !writer;
	if (strata_store_open(&so, &s, err, sizeof(err))) {
		pktout_close(&out);
		return fail("store", "%s", err);
	}
	if (!strcmp(a.sub, "info")) {
		ret = strata_store_info(s, &in, err, sizeof(err));
		if (!ret) {
			pr_begin();
			print_store_info(&in, a.dir);
			pr_end();
		}
	} else if (!strcmp(a.sub, "blocks")) {
		ret = strata_store_blocks(s, a.from, a.to, on_block, NULL, err, sizeof(err));
	} else if (!strcmp(a.sub, "microflows")) {
		ret = strata_store_microflows(s, a.has_flow ? &a.flow : NULL, a.from, a.to,
					      on_mflow, NULL, err, sizeof(err));
	} else if (!strcmp(a.sub, "flows")) {
		ret = strata_store_flows(s, a.has_flow ? &a.flow : NULL, a.from, a.to,
					 on_flow, NULL, err, sizeof(err));
	} else if (!strcmp(a.sub, "packets")) {
		if (a.file && pktout_open(&out, a.file)) {
			ret = -EIO;
			snprintf(err, sizeof(err), "store packets: cannot write %s", a.file);
		}
		if (!ret)
			ret = strata_store_packets(s, a.from, a.to, a.has_flow ? &a.flow : NULL,
						   on_packet, &out, err, sizeof(err));
		if (a.file && !ret)
			fprintf(stderr, "strata: store packets: %llu packets written to %s\n",
				out.matched, a.file);
	} else if (!strcmp(a.sub, "pins")) {
		ret = strata_store_pins(s, on_pin, NULL, err, sizeof(err));
	} else if (!strcmp(a.sub, "pin")) {
		__u64 id;

		ret = strata_store_pin(s, a.from, a.to, a.label, &id, err, sizeof(err));
		if (!ret) {
			pr_begin();
			pr_u64("id", "pin %llu\n", id);
			pr_end();
		}
	} else if (!strcmp(a.sub, "unpin")) {
		ret = strata_store_unpin(s, a.pin_id, err, sizeof(err));
	} else {
		strata_store_close(s, err, sizeof(err));
		return usage_error("store", "unknown '%s': info, blocks, microflows, flows, packets, pins, pin, unpin",
				   a.sub);
	}
	rc = ret < 0 ? fail("store", "%s", err) : 0;
	if (pktout_close(&out))
		rc = 1;
	if (strata_store_close(s, err, sizeof(err)) && !rc)
		rc = fail("store", "%s", err);
	return rc;
}
