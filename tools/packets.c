// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata packets`: follows the packet records of this namespace's rings,
 * filtered by a tcpdump expression, printed or written to a pcap file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "genl.h"
#include "keywords.h"
#include "pktout.h"
#include "print.h"
#include "ring.h"
#include "strata.h"

#define POLL_MS		200

struct pkt_opts {
	struct pktout out;
	unsigned long long lost;	/* records lost or missing, reported */
};

/* Records lost to a full ring, or missing without one: always said. */
static void print_loss(const struct strata_ring_rec *r, struct pkt_opts *o)
{
	bool gap = r->type == STRATA_REC_GAP;
	char t[32];

	o->lost += r->lost;
	pr_begin();
	pr_open_obj(gap ? "gap" : "loss");
	pr_u64("cpu", NULL, r->cpu);
	pr_u64("first_seq", NULL, r->seq);
	pr_u64("lost", NULL, r->lost);
	if (!gap)
		pr_u64("ts_ns", NULL, r->ts_ns);
	pr_close();
	/* With -w, text notices go to stderr so the count is still seen. */
	if (!pr_json) {
		FILE *f = o->out.dump ? stderr : stdout;

		fprintf(f, "%s cpu %u: %llu packet records %s (seq %llu..%llu)\n",
			time_str(r->ts_ns, 9, t, sizeof(t)), r->cpu,
			(unsigned long long)r->lost,
			gap ? "missing without a loss record" : "lost: ring full",
			(unsigned long long)r->seq,
			(unsigned long long)(r->seq + r->lost - 1));
	}
	pr_end();
}

static int on_record(const struct strata_ring_rec *r, void *arg)
{
	struct pkt_opts *o = arg;

	if (r->type != STRATA_REC_PACKET) {
		print_loss(r, o);
		return 0;
	}
	return pktout_packet(&o->out, &r->pkt, r->data, r->cpu, r->seq);
}

/* Say when records are off: following the rings would show nothing. */
static void check_records_on(void)
{
	struct strata_config cfg;
	struct strata_genl *g;
	char err[512];

	g = strata_genl_open(err, sizeof(err));
	if (!g)
		return;
	if (!strata_genl_config_get(g, &cfg, err, sizeof(err)) &&
	    !(cfg.flags & STRATA_CFG_F_RECORDS))
		fprintf(stderr, "strata: packets: packet records are off in this namespace ('strata config set records on')\n");
	strata_genl_close(g);
}

int cmd_packets(int argc, char **argv)
{
	struct pkt_opts o = { .out.op = "packets" };
	struct strata_rings *rs;
	const char *file = NULL;
	char err[512];
	int i, rc = 0, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c")) {
			rc = parse_count("packets", i + 1 < argc ? argv[i + 1] : NULL,
					 &o.out.count);
			if (rc)
				return rc;
			i++;
		} else if (!strcmp(argv[i], "-w")) {
			if (i + 1 >= argc)
				return usage_error("packets", "-w: a file name is missing");
			file = argv[++i];
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			break;
		}
	}
	rc = pktout_filter(&o.out, argc - i, argv + i);
	if (rc)
		return rc;
	rs = strata_rings_open(err, sizeof(err));
	if (!rs) {
		rc = fail("packets", "%s", err);
		goto out;
	}
	check_records_on();
	if (file) {
		rc = pktout_open(&o.out, file);
		if (rc)
			goto out;
	}
	pr_stream = true;
	stop_on_signals();
	while (!stop_requested && !(o.out.count && o.out.matched >= o.out.count)) {
		ret = strata_rings_poll(rs, POLL_MS, err, sizeof(err));
		if (ret == -EINTR)
			continue;
		/* Read on timeout too: wakeups are batched, records may wait. */
		if (ret >= 0)
			ret = strata_rings_read(rs, on_record, &o, err, sizeof(err));
		if (ret < 0) {
			rc = fail("packets", "%s", err);
			break;
		}
	}
	if (file)
		fprintf(stderr, "strata: packets: %llu packets written to %s, %llu records lost\n",
			o.out.matched, file, o.lost);
out:
	if (pktout_close(&o.out) && !rc)
		rc = 1;
	strata_rings_close(rs);
	return rc;
}
