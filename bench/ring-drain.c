// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The kernel datapath bench's helper, run in one network namespace: switches
 * per-packet records on or off there, and drains that namespace's rings.
 *
 * Usage:
 *   ring-drain records on|off [fingerprint on|off]
 *                               set STRATA_CFG_F_RECORDS (and
 *                               STRATA_CFG_F_FINGERPRINT) in the namespace's
 *                               configuration, other fields unchanged, and
 *                               print the result as key=value lines
 *   ring-drain drain            map every ring of the namespace, print
 *                               "ready rings=N" once they are mapped, read
 *                               records as they arrive until SIGTERM or
 *                               SIGINT, read what is left, and print what was
 *                               read as key=value lines (see print_counts())
 *
 * The reader does what any consumer must do and nothing more: it validates
 * and counts each record (lib/ring.c) and gives the space back to the
 * producer. Exit status: 0, 1 on an error (named on stderr), 2 on usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "genl.h"
#include "ring.h"

#define NSEC_PER_SEC	1000000000ULL
#define POLL_MS		100	/* how often a stop request is looked at */

/**
 * struct cpu_count - what was read from one CPU's ring
 * @packets: packet records
 * @loss_records: loss records
 * @lost: packet records they say were dropped
 * @gaps: sequence gaps no loss record explained (a producer bug)
 * @gap_lost: packet records missing in those gaps
 * @first_ns: timestamp of the first packet record (0: none yet)
 * @last_ns: timestamp of the last one
 */
struct cpu_count {
	unsigned long long packets;
	unsigned long long loss_records;
	unsigned long long lost;
	unsigned long long gaps;
	unsigned long long gap_lost;
	unsigned long long first_ns;
	unsigned long long last_ns;
};

/**
 * struct drain - the reader's state
 * @n: rings (CPUs)
 * @cpu: per ring
 * @reads: strata_rings_read() calls that returned records
 */
struct drain {
	unsigned int n;
	struct cpu_count *cpu;
	unsigned long long reads;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: ring-drain records on|off [fingerprint on|off]\n"
			"       ring-drain drain\n");
	return 2;
}

/* "on" or "off" to 1 or 0; -1 for anything else. */
static int onoff(const char *s)
{
	if (!strcmp(s, "on"))
		return 1;
	if (!strcmp(s, "off"))
		return 0;
	return -1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * Switch per-packet records on or off, and payload fingerprints when @fp is
 * 0 or 1 (-1: unchanged); everything else stays as it is.
 */
static int records_set(bool on, int fp)
{
	struct strata_config cfg, out;
	struct strata_genl *g;
	char err[256] = "";
	int rc;

	g = strata_genl_open(err, sizeof(err));
	if (!g) {
		fprintf(stderr, "ring-drain: records: %s\n", err);
		return 1;
	}
	rc = strata_genl_config_get(g, &cfg, err, sizeof(err));
	if (!rc) {
		if (on)
			cfg.flags |= STRATA_CFG_F_RECORDS;
		else
			cfg.flags &= ~STRATA_CFG_F_RECORDS;
		if (fp == 1)
			cfg.flags |= STRATA_CFG_F_FINGERPRINT;
		else if (!fp)
			cfg.flags &= ~STRATA_CFG_F_FINGERPRINT;
		/* With the generation read: a concurrent change is refused,
		 * not overwritten. */
		rc = strata_genl_config_set(g, &cfg,
					    STRATA_CONFIG_GENERATION | STRATA_CONFIG_FLAGS,
					    &out, err, sizeof(err));
	}
	strata_genl_close(g);
	if (rc) {
		fprintf(stderr, "ring-drain: records %s: %s\n", on ? "on" : "off", err);
		return 1;
	}
	if (!!(out.flags & STRATA_CFG_F_RECORDS) != on ||
	    (fp >= 0 && !!(out.flags & STRATA_CFG_F_FINGERPRINT) != fp)) {
		fprintf(stderr, "ring-drain: records %s: the kernel answered flags 0x%x\n",
			on ? "on" : "off", out.flags);
		return 1;
	}
	printf("generation=%u\nflags=0x%x\nrecords=%s\nfingerprint=%s\nsnaplen=%u\n"
	       "sampling=%u\nseg_budget=%u\n", out.generation, out.flags,
	       on ? "on" : "off",
	       out.flags & STRATA_CFG_F_FINGERPRINT ? "on" : "off", out.snaplen,
	       out.sampling, out.seg_budget);
	return 0;
}

static int count_rec(const struct strata_ring_rec *rec, void *arg)
{
	struct drain *d = arg;
	struct cpu_count *c;

	if (rec->cpu >= d->n)
		return -ERANGE;
	c = &d->cpu[rec->cpu];
	switch (rec->type) {
	case STRATA_REC_PACKET:
		c->packets++;
		if (!c->first_ns)
			c->first_ns = rec->ts_ns;
		c->last_ns = rec->ts_ns;
		break;
	case STRATA_REC_LOSS:
		c->loss_records++;
		c->lost += rec->lost;
		break;
	case STRATA_REC_GAP:
		c->gaps++;
		c->gap_lost += rec->lost;
		break;
	}
	return 0;
}

/*
 * key=value lines: totals, then cpuN_* per ring. span_ns runs from the
 * first packet record to the last one over all rings (the traffic's
 * duration, as the kernel stamped it); attached_ns is how long the reader
 * was attached.
 */
static void print_counts(const struct drain *d, unsigned long long attached_ns)
{
	unsigned long long first = 0, last = 0;
	struct cpu_count t = { 0 };
	unsigned int i;

	for (i = 0; i < d->n; i++) {
		const struct cpu_count *c = &d->cpu[i];

		t.packets += c->packets;
		t.loss_records += c->loss_records;
		t.lost += c->lost;
		t.gaps += c->gaps;
		t.gap_lost += c->gap_lost;
		if (c->first_ns && (!first || c->first_ns < first))
			first = c->first_ns;
		if (c->last_ns > last)
			last = c->last_ns;
	}
	printf("rings=%u\nattached_ns=%llu\nspan_ns=%llu\nreads=%llu\n"
	       "records=%llu\nloss_records=%llu\nlost=%llu\ngaps=%llu\ngap_lost=%llu\n",
	       d->n, attached_ns, first ? last - first : 0, d->reads, t.packets,
	       t.loss_records, t.lost, t.gaps, t.gap_lost);
	for (i = 0; i < d->n; i++) {
		const struct cpu_count *c = &d->cpu[i];

		printf("cpu%u_records=%llu\ncpu%u_loss_records=%llu\ncpu%u_lost=%llu\n"
		       "cpu%u_gaps=%llu\ncpu%u_span_ns=%llu\n",
		       i, c->packets, i, c->loss_records, i, c->lost, i, c->gaps,
		       i, c->first_ns ? c->last_ns - c->first_ns : 0);
	}
}

static int drain(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct strata_rings *rs;
	struct drain d = { 0 };
	unsigned long long t0;
	char err[256] = "";
	int rc = 0, n;

	/* No SA_RESTART: the signal interrupts poll() at once. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL)) {
		fprintf(stderr, "ring-drain: drain: sigaction: %s\n", strerror(errno));
		return 1;
	}
	rs = strata_rings_open(err, sizeof(err));
	if (!rs) {
		fprintf(stderr, "ring-drain: drain: %s\n", err);
		return 1;
	}
	d.n = strata_rings_info(rs)->nr_rings;
	d.cpu = calloc(d.n, sizeof(*d.cpu));
	if (!d.cpu) {
		fprintf(stderr, "ring-drain: drain: %s\n", strerror(ENOMEM));
		strata_rings_close(rs);
		return 1;
	}
	t0 = now_ns();
	printf("ready rings=%u\n", d.n);
	fflush(stdout);

	while (!stop) {
		rc = strata_rings_poll(rs, POLL_MS, err, sizeof(err));
		if (rc == -EINTR) {
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		if (!rc)
			continue;
		n = strata_rings_read(rs, count_rec, &d, err, sizeof(err));
		if (n < 0) {
			rc = n;
			break;
		}
		d.reads += n > 0;
		rc = 0;
	}
	/* What arrived between the last read and the stop request. */
	if (!rc) {
		do
			n = strata_rings_read(rs, count_rec, &d, err, sizeof(err));
		while (n > 0);
		rc = n;
	}
	if (rc < 0)
		fprintf(stderr, "ring-drain: drain: %s\n", err);
	else
		print_counts(&d, now_ns() - t0);
	free(d.cpu);
	strata_rings_close(rs);
	return rc < 0;
}

int main(int argc, char **argv)
{
	int rec, fp = -1;

	if ((argc == 3 || argc == 5) && !strcmp(argv[1], "records")) {
		rec = onoff(argv[2]);
		if (argc == 5) {
			if (strcmp(argv[3], "fingerprint"))
				return usage();
			fp = onoff(argv[4]);
			if (fp < 0)
				return usage();
		}
		if (rec < 0)
			return usage();
		return records_set(rec, fp);
	}
	if (argc == 2 && !strcmp(argv[1], "drain"))
		return drain();
	return usage();
}
