// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Times the shared core (link layer, parse, fingerprint, microflow table) over
 * a capture held in memory, and strata's own offline reader over the file.
 *
 * Modes:
 *   core-bench [-r REPS] FILE       the core over FILE in memory, best of REPS
 *   core-bench -1 FILE              the core once, for callgrind: only the loop
 *                                   is instrumented (run valgrind with
 *                                   --instr-atstart=no), so loading the file
 *                                   is not in the count
 *   core-bench -O [-r REPS] FILE    strata_offline_run() over FILE, wall clock
 *                                   whole (file reading included), best of REPS
 *   -F (with the first two)         also (or, with -1, only) two diagnostic
 *                                   figures: the core with segment hashes for
 *                                   every packet with payload (STRATA_FP_SEG_ALL,
 *                                   not only the default budget), and the core
 *                                   without payload fingerprints
 *
 * Results go to stdout as one line of key=value pairs, for bench/run.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include <valgrind/callgrind.h>
#include "link.h"
#include "mftable.h"
#include "offline.h"

#define NSEC_PER_SEC 1000000000ULL

/* One captured frame: where it is in the arena and what libpcap said of it. */
struct rec {
	__u64 ts_ns;
	__u64 off;
	__u32 caplen;
	__u32 len;
};

struct capture {
	int linktype;
	size_t n;
	struct rec *rec;
	__u8 *arena;
	size_t bytes;
};

/* What a pass runs: the core as configured by default, or a diagnostic. */
enum mode {
	CORE,		/* the default segment budget (STRATA_FP_SEG_PACKETS) */
	ALLSEG,		/* segment hashes for every packet with payload */
	NOFP,		/* no payload fingerprints at all */
};

static const char *const mode_name[] = { "core", "allseg", "nofp" };

/* What one pass produced, so the compiler cannot drop the work. */
struct tally {
	struct strata_offline o;	/* counters, as strata_offline_run() keeps them */
	struct strata_mftable_stats st;
	__u64 closed_pkts;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The whole file into one arena before anything is timed. Each frame starts
 * 2 bytes past an 8-byte boundary, as a driver places it (NET_IP_ALIGN), so
 * the IP header behind Ethernet is aligned the way the kernel sees it.
 */
static int load(const char *path, struct capture *cap)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t rcap = 1 << 20, acap = 64 << 20, used = 0;
	struct stat sb;
	pcap_t *p;
	int rc;

	memset(cap, 0, sizeof(*cap));
	/* Sized from the file (frames plus alignment) so it rarely moves. */
	if (!stat(path, &sb) && (size_t)sb.st_size > acap)
		acap = (size_t)sb.st_size + (size_t)sb.st_size / 4;
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
						    err);
	if (!p) {
		fprintf(stderr, "core-bench: %s: %s\n", path, err);
		return -1;
	}
	cap->linktype = pcap_datalink(p);
	cap->rec = malloc(rcap * sizeof(*cap->rec));
	cap->arena = malloc(acap);
	if (!cap->rec || !cap->arena)
		goto nomem;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		size_t need = used + 2 + h->caplen + 8;

		if (cap->n == rcap) {
			struct rec *r = realloc(cap->rec, 2 * rcap * sizeof(*r));

			if (!r)
				goto nomem;
			cap->rec = r;
			rcap *= 2;
		}
		if (need > acap) {
			__u8 *a;

			while (need > acap)
				acap *= 2;
			a = realloc(cap->arena, acap);
			if (!a)
				goto nomem;
			cap->arena = a;
		}
		used = (used + 7) & ~(size_t)7;
		used += 2;
		memcpy(cap->arena + used, data, h->caplen);
		cap->rec[cap->n] = (struct rec){
			.ts_ns = (__u64)h->ts.tv_sec * NSEC_PER_SEC +
				 (__u64)h->ts.tv_usec,
			.off = used,
			.caplen = h->caplen,
			.len = h->len,
		};
		cap->n++;
		cap->bytes += h->caplen;
		used += h->caplen;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "core-bench: %s: after %zu records: %s\n", path,
			cap->n, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	if (!strata_link_supported(cap->linktype)) {
		fprintf(stderr, "core-bench: %s: link type %d not supported\n",
			path, cap->linktype);
		return -1;
	}
	return 0;
nomem:
	fprintf(stderr, "core-bench: %s: out of memory after %zu records\n",
		path, cap->n);
	pcap_close(p);
	return -1;
}

static void on_close(const struct strata_mflow *mf,
		     const struct strata_mf_info *info, void *arg)
{
	struct tally *t = arg;

	(void)info;
	t->closed_pkts += mf->dir[0].packets + mf->dir[1].packets;
}

/*
 * What strata_offline_run() does per frame, minus the file: the library's
 * own per-frame function (link layer, core, table); at the end the table is
 * flushed, closing every microflow.
 */
static void pass(const struct capture *cap, struct strata_mftable *t,
		 struct tally *ty, enum mode mode)
{
	for (size_t i = 0; i < cap->n; i++) {
		const struct rec *r = &cap->rec[i];
		const __u8 *frame = cap->arena + r->off;
		struct strata_pkt pkt;
		__u32 l3;

		if (mode != NOFP) {
			strata_offline_frame(&ty->o, t, cap->linktype, frame,
					     r->caplen, r->len, r->ts_ns);
			continue;
		}
		/* Diagnostic: parse and table only, no payload fingerprints. */
		ty->o.frames++;
		if (strata_link_l3(cap->linktype, frame, r->caplen, &l3)) {
			ty->o.not_ip++;
			continue;
		}
		ty->o.counters.seen++;
		if (strata_parse(frame + l3, r->caplen - l3, r->len - l3, &pkt) ==
		    STRATA_PARSE_OK) {
			ty->o.counters.parsed++;
			strata_mftable_packet(t, &pkt, r->ts_ns, r->len, STRATA_RING_POS_NONE, NULL);
		}
	}
	strata_mftable_flush(t);
	strata_mftable_stats(t, &ty->st);
}

/*
 * One timed pass. The table is created before the clock starts (a one-off
 * allocation, not per-packet work) and freed after it stops.
 */
static double timed_pass(const struct capture *cap, struct tally *ty, int cg,
			 enum mode mode)
{
	struct strata_mftable *t;
	double t0, t1;

	memset(ty, 0, sizeof(*ty));
	t = strata_mftable_new(1u << 20, NSEC_PER_SEC, on_close, ty);
	if (!t) {
		fprintf(stderr, "core-bench: microflow table: %s\n", strerror(errno));
		exit(1);
	}
	if (mode == ALLSEG)
		strata_mftable_set_fp_segments(t, STRATA_FP_SEG_ALL);
	if (cg)
		CALLGRIND_START_INSTRUMENTATION;
	t0 = now();
	pass(cap, t, ty, mode);
	t1 = now();
	if (cg)
		CALLGRIND_STOP_INSTRUMENTATION;
	strata_mftable_free(t);
	return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_tally(const char *what, size_t frames, const struct tally *ty)
{
	printf("%s_counters frames=%zu not_ip=%llu link_short=%llu seen=%llu "
	       "parsed=%llu truncated=%llu malformed=%llu unsupported=%llu "
	       "ipv4=%llu ipv6=%llu mf_packets=%llu microflows=%llu closed=%llu "
	       "table_full=%llu closed_pkts=%llu fingerprints=%llu segmented=%llu\n",
	       what, frames,
	       (unsigned long long)ty->o.not_ip, (unsigned long long)ty->o.link_short,
	       (unsigned long long)ty->o.counters.seen, (unsigned long long)ty->o.counters.parsed,
	       (unsigned long long)ty->o.counters.truncated,
	       (unsigned long long)ty->o.counters.malformed,
	       (unsigned long long)ty->o.counters.unsupported,
	       (unsigned long long)ty->o.counters.ipv4, (unsigned long long)ty->o.counters.ipv6,
	       (unsigned long long)ty->st.packets, (unsigned long long)ty->st.flows,
	       (unsigned long long)ty->st.closed,
	       (unsigned long long)ty->st.table_full,
	       (unsigned long long)ty->closed_pkts,
	       (unsigned long long)ty->o.counters.fingerprints,
	       (unsigned long long)ty->o.counters.segmented);
}

static void report(const char *what, size_t frames, double *secs, int reps)
{
	double best, median;

	qsort(secs, (size_t)reps, sizeof(*secs), cmp_double);
	best = secs[0];
	median = secs[reps / 2];
	printf("%s frames=%zu reps=%d best_s=%.6f median_s=%.6f pps=%.0f "
	       "ns_per_pkt=%.1f\n", what, frames, reps, best, median,
	       (double)frames / best, best * 1e9 / (double)frames);
}

static int run_offline(const char *path, int reps)
{
	double *secs = calloc((size_t)reps, sizeof(*secs));
	struct strata_offline o;
	struct tally ty;

	if (!secs)
		return 1;
	for (int i = 0; i < reps; i++) {
		double t0;
		int rc;

		memset(&o, 0, sizeof(o));
		memset(&ty, 0, sizeof(ty));
		o.on_close = on_close;
		o.arg = &ty;
		t0 = now();
		rc = strata_offline_run(path, &o);
		secs[i] = now() - t0;
		if (rc) {
			fprintf(stderr, "core-bench: %s\n", o.errbuf);
			free(secs);
			return 1;
		}
	}
	{
		__u64 closed = ty.closed_pkts;

		ty.o = o;
		ty.st = o.table;
		ty.closed_pkts = closed;
	}
	report("offline", (size_t)o.frames, secs, reps);
	print_tally("offline", (size_t)o.frames, &ty);
	free(secs);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: core-bench [-F] [-r REPS] FILE the core, capture in memory\n"
		   "       core-bench [-F] -1 FILE          one pass, for callgrind\n"
		   "       core-bench -O [-r REPS] FILE     strata_offline_run() on FILE\n"
		   "  -F: also time the core with segment hashes on every packet and\n"
		   "      without fingerprints (diagnostics)\n");
}

int main(int argc, char **argv)
{
	int reps = 5, once = 0, offline = 0, nofp = 0, opt;
	struct capture cap;
	struct tally ty;
	double *secs, t0;
	char *end;

	while ((opt = getopt(argc, argv, "r:1OFh")) != -1) {
		switch (opt) {
		case 'r':
			reps = (int)strtol(optarg, &end, 10);
			if (*end || reps < 1 || reps > 1000) {
				fprintf(stderr, "core-bench: -r: want 1..1000\n");
				return 2;
			}
			break;
		case '1':
			once = 1;
			break;
		case 'O':
			offline = 1;
			break;
		case 'F':
			nofp = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || (once && offline) || (nofp && offline)) {
		usage(stderr);
		return 2;
	}
	if (offline)
		return run_offline(argv[optind], reps);

	t0 = now();
	if (load(argv[optind], &cap))
		return 1;
	fprintf(stderr, "core-bench: loaded %zu frames, %.1f MB in %.2f s\n",
		cap.n, (double)cap.bytes / 1e6, now() - t0);
	if (once) {
		double s = timed_pass(&cap, &ty, 1, nofp ? NOFP : CORE);

		report(nofp ? "nofp_once" : "core_once", cap.n, &s, 1);
		print_tally(nofp ? "nofp_once" : "core_once", cap.n, &ty);
		return 0;
	}
	secs = calloc((size_t)reps, sizeof(*secs));
	if (!secs)
		return 1;
	/* A warm-up pass first: page faults on the arena, cold caches. */
	timed_pass(&cap, &ty, 0, CORE);
	for (enum mode m = CORE; m <= (nofp ? NOFP : CORE); m++) {
		for (int i = 0; i < reps; i++)
			secs[i] = timed_pass(&cap, &ty, 0, m);
		report(mode_name[m], cap.n, secs, reps);
		print_tally(mode_name[m], cap.n, &ty);
	}
	free(secs);
	free(cap.rec);
	free(cap.arena);
	return 0;
}
