// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata microflows`: the live microflow table, or the microflows as they
 * close (the multicast group), one line or one JSON object each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "keywords.h"
#include "print.h"
#include "strata.h"

struct mf_opts {
	struct strata_filter filter;
	unsigned long long count;	/* 0: no limit */
	unsigned long long shown;
	bool closed;
	bool all;	/* the live table: also conversations quiet in this window */
};

/* An unsigned 128-bit value in decimal (sums of squares). */
static const char *u128_str(__u64 hi, __u64 lo, char *buf, size_t len)
{
	unsigned __int128 v = (unsigned __int128)hi << 64 | lo;
	char tmp[48];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return buf;
}

static void print_sample(const char *name, const struct strata_stat *s)
{
	char buf[48];

	pr_open_obj(name);
	pr_u64("n", NULL, s->n);
	pr_u64("sum", NULL, s->sum);
	/* 128 bits: a decimal string, as no JSON number holds it. */
	pr_str("sumsq", NULL, u128_str(s->sumsq_hi, s->sumsq_lo, buf, sizeof(buf)));
	pr_u64("min", NULL, s->min);
	pr_u64("max", NULL, s->max);
	pr_close();
}

static void print_dir(const char *name, const struct strata_dir_stats *d)
{
	static const char *const flags[STRATA_TCP_NFLAGS] = {
		"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr",
	};
	int i;

	pr_open_obj(name);
	pr_u64("packets", NULL, d->packets);
	pr_u64("bytes", NULL, d->bytes);
	pr_u64("payload_bytes", NULL, d->payload_bytes);
	print_sample("size", &d->size);
	print_sample("iat", &d->iat);
	print_sample("rtt_hs", &d->rtt_hs);
	print_sample("rtt_data", &d->rtt_data);
	pr_u64("first_ns", NULL, d->first_ns);
	pr_u64("last_ns", NULL, d->last_ns);
	pr_open_obj("tcp_flags");
	for (i = 0; i < STRATA_TCP_NFLAGS; i++)
		pr_u64(flags[i], NULL, d->tcp_flags[i]);
	pr_close();
	pr_u64("retrans", NULL, d->retrans);
	pr_u64("out_of_order", NULL, d->out_of_order);
	pr_u64("zero_window", NULL, d->zero_window);
	pr_u64("fragments", NULL, d->fragments);
	pr_u64("fp_segmented", NULL, d->fp_segmented);
	pr_u64("ttl_min", NULL, d->ttl_min);
	pr_u64("ttl_max", NULL, d->ttl_max);
	pr_close();
}

/* Transaction timing; app as its STRATA_TXN_APP_* number, as the API gives it. */
static void print_txn(const struct strata_txn_stats *x)
{
	pr_open_obj("txn");
	print_sample("ttfb", &x->ttfb);
	print_sample("resp", &x->resp);
	print_sample("first", &x->first);
	print_sample("dns", &x->dns);
	pr_u64("requests", NULL, x->requests);
	pr_u64("dns_queries", NULL, x->dns_queries);
	pr_u64("dns_unanswered", NULL, x->dns_unanswered);
	pr_u64("dns_overflow", NULL, x->dns_overflow);
	pr_u64("dns_repeats", NULL, x->dns_repeats);
	pr_u64("app", NULL, x->app);
	pr_close();
}

static const char *app_name(__u8 app)
{
	switch (app) {
	case STRATA_TXN_APP_TLS:
		return "tls";
	case STRATA_TXN_APP_HTTP:
		return "http";
	case STRATA_TXN_APP_OTHER:
		return "other";
	default:
		return "?";
	}
}

/* A sample set's mean in ms, "-" without samples. */
static const char *mean_ms(const struct strata_stat *s, char *buf, size_t len)
{
	if (s->n)
		snprintf(buf, len, "%.3f", (double)s->sum / (double)s->n / 1e6);
	else
		snprintf(buf, len, "-");
	return buf;
}

/*
 * Text: requests and their mean time to first byte and response time, the
 * first exchange with its application, DNS queries answered and mean delay.
 */
static void print_txn_text(const struct strata_txn_stats *x)
{
	char a[24], b[24];

	if (x->requests || x->ttfb.n || x->resp.n)
		pr_text(", req %llu ttfb %s resp %s ms", (unsigned long long)x->requests,
			mean_ms(&x->ttfb, a, sizeof(a)), mean_ms(&x->resp, b, sizeof(b)));
	if (x->first.n)
		pr_text(", first %s %s ms", app_name(x->app), mean_ms(&x->first, a, sizeof(a)));
	if (x->dns_queries || x->dns.n || x->dns_unanswered)
		pr_text(", dns %llu/%llu %s ms lost %u", (unsigned long long)x->dns.n,
			(unsigned long long)x->dns_queries, mean_ms(&x->dns, a, sizeof(a)),
			x->dns_unanswered + x->dns_overflow);
}

static void print_ring_pos(const char *name, __u64 pos)
{
	pr_open_obj(name);
	pr_u64("cpu", NULL, pos >> 48);
	pr_u64("seq", NULL, pos & ((1ULL << 48) - 1));
	pr_close();
}

/* "addr:port", "[addr6]:port", or the address alone for ICMP. */
static const char *endpoint(const struct strata_flow_key *k, int e, char *buf,
			    size_t len)
{
	char a[64];

	addr_str(k->addr[e], k->family, a, sizeof(a));
	if (k->proto == 1 || k->proto == 58)
		snprintf(buf, len, "%s", a);
	else if (k->family == 6)
		snprintf(buf, len, "[%s]:%u", a, k->port[e]);
	else
		snprintf(buf, len, "%s:%u", a, k->port[e]);
	return buf;
}

/* One side's round trip: handshake samples when the window has them. */
static void rtt_side(const struct strata_dir_stats *d, char *buf, size_t len)
{
	mean_ms(d->rtt_hs.n ? &d->rtt_hs : &d->rtt_data, buf, len);
}

/*
 * Text: window start, protocol, initiator > responder, what each sent,
 * RTT per side (initiator's + responder's, ms) and retransmissions.
 */
static void print_text(const struct strata_mflow *mf, const struct strata_mf_info *info)
{
	const struct strata_dir_stats *a = &mf->dir[mf->initiator];
	const struct strata_dir_stats *b = &mf->dir[!mf->initiator];
	char t[32], pa[80], pb[80], pn[8], ra[24], rb[24];

	(void)info;
	time_str(mf->window_start, 3, t, sizeof(t));
	endpoint(&mf->key, mf->initiator, pa, sizeof(pa));
	endpoint(&mf->key, !mf->initiator, pb, sizeof(pb));
	pr_text("%s %s %s > %s: %llu pkts %llu bytes > < %llu pkts %llu bytes",
		t, strata_proto_name(mf->key.proto, pn, sizeof(pn)), pa, pb,
		(unsigned long long)a->packets, (unsigned long long)a->bytes,
		(unsigned long long)b->packets, (unsigned long long)b->bytes);
	if (a->rtt_hs.n || a->rtt_data.n || b->rtt_hs.n || b->rtt_data.n) {
		rtt_side(a, ra, sizeof(ra));
		rtt_side(b, rb, sizeof(rb));
		pr_text(", rtt %s+%s ms", ra, rb);
	}
	if (mf->key.proto == 6)
		pr_text(", retrans %u/%u", a->retrans, b->retrans);
	print_txn_text(&mf->txn);
	pr_text("\n");
}

/* JSON: every field the kernel sent. */
static void print_json(const struct strata_mflow *mf, const struct strata_mf_info *info)
{
	char buf[64];

	if (info->has_seq)
		pr_u64("seq", NULL, info->seq);
	pr_u64("window_start", NULL, mf->window_start);
	pr_u64("window_ns", NULL, info->window_ns);
	pr_u64("generation", NULL, info->generation);
	pr_u64("family", NULL, mf->key.family);
	pr_u64("proto", NULL, mf->key.proto);
	pr_str("addr0", NULL, addr_str(mf->key.addr[0], mf->key.family, buf, sizeof(buf)));
	pr_u64("port0", NULL, mf->key.port[0]);
	pr_str("addr1", NULL, addr_str(mf->key.addr[1], mf->key.family, buf, sizeof(buf)));
	pr_u64("port1", NULL, mf->key.port[1]);
	pr_u64("initiator", NULL, mf->initiator);
	pr_hex("key_hash", NULL, info->key_hash);
	if (info->has_ring) {
		print_ring_pos("ring_first", info->ring_first);
		print_ring_pos("ring_last", info->ring_last);
	}
	print_dir("dir0", &mf->dir[0]);
	print_dir("dir1", &mf->dir[1]);
	print_txn(&mf->txn);
}

void print_microflow(const struct strata_mflow *mf, const struct strata_mf_info *info)
{
	if (pr_json)
		print_json(mf, info);
	else
		print_text(mf, info);
}

static int on_mflow(const struct strata_mflow *mf, const struct strata_mf_info *info,
		    void *arg)
{
	struct mf_opts *o = arg;

	if (!strata_filter_match_key(&o->filter, &mf->key))
		return 0;
	/* A conversation kept for its TCP state, quiet in the open window. */
	if (!o->closed && !o->all && !mf->dir[0].packets && !mf->dir[1].packets)
		return 0;
	if (o->closed)
		pr_begin();
	else
		pr_open_obj(NULL);
	print_microflow(mf, info);
	if (o->closed)
		pr_end();
	else
		pr_close();
	o->shown++;
	return o->count && o->shown >= o->count;
}

/* Lost closed microflows: a line, or an object {"loss": {...}}, never nothing. */
static int on_loss(const struct strata_mf_loss *l, void *arg)
{
	(void)arg;
	pr_begin();
	pr_open_obj("loss");
	switch (l->kind) {
	case STRATA_MF_LOSS_GAP:
		pr_str("kind", NULL, "gap");
		pr_u64("first_seq", NULL, l->first);
		pr_u64("count", NULL, l->count);
		pr_text("-- %llu closed microflows lost (seq %llu..%llu)\n",
			(unsigned long long)l->count, (unsigned long long)l->first,
			(unsigned long long)(l->first + l->count - 1));
		break;
	case STRATA_MF_LOSS_OVERRUN:
		pr_str("kind", NULL, "overrun");
		pr_text("-- receive buffer overrun: closed microflows dropped (the gap follows)\n");
		break;
	default:
		pr_str("kind", NULL, "late");
		pr_u64("seq", NULL, l->first);
		pr_text("-- closed microflow %llu came late, out of order (counted lost above)\n",
			(unsigned long long)l->first);
		break;
	}
	pr_close();
	pr_end();
	return 0;
}

static int follow_closed(struct mf_opts *o)
{
	struct strata_genl *g;
	char err[512];
	int rc;

	g = strata_genl_open(err, sizeof(err));
	if (!g)
		return fail("microflows", "%s", err);
	rc = strata_genl_subscribe(g, err, sizeof(err));
	if (rc) {
		strata_genl_close(g);
		return fail_msg(err);
	}
	pr_stream = true;
	stop_on_signals();
	for (rc = 0; !stop_requested && !rc;) {
		rc = strata_genl_mf_recv(g, on_mflow, on_loss, o, err, sizeof(err));
		/* A signal: SIGINT or SIGTERM end cleanly, others go on. */
		if (rc == -EINTR)
			rc = 0;
	}
	strata_genl_close(g);
	return rc < 0 ? fail_msg(err) : 0;
}

static int dump_table(struct mf_opts *o)
{
	struct strata_genl *g;
	char err[512];
	int rc;

	g = strata_genl_open(err, sizeof(err));
	if (!g)
		return fail("microflows", "%s", err);
	pr_begin();
	pr_open_arr("microflows");
	rc = strata_genl_mf_dump(g, on_mflow, o, err, sizeof(err));
	pr_close();
	strata_genl_close(g);
	if (rc) {
		/* What was printed stays printed; the error says where it ended. */
		pr_end();
		return fail_msg(err);
	}
	pr_end();
	return 0;
}

/* Filter words may come in several runs around the options: one filter. */
static int merge_filter(struct strata_filter *to, const struct strata_filter *f)
{
	if ((to->has_proto && f->has_proto) || (to->has_addr && f->has_addr) ||
	    (to->has_port && f->has_port))
		return usage_error("microflows", "proto, addr and port: once each");
	if (f->has_proto) {
		to->has_proto = true;
		to->proto = f->proto;
	}
	if (f->has_addr) {
		to->has_addr = true;
		memcpy(to->addr, f->addr, 16);
		to->prefix = f->prefix;
	}
	if (f->has_port) {
		to->has_port = true;
		to->port = f->port;
	}
	return 0;
}

int cmd_microflows(int argc, char **argv)
{
	struct mf_opts o = { 0 };
	char err[256];
	int i, n, rc;

	for (i = 1; i < argc;) {
		if (!strcmp(argv[i], "--closed")) {
			o.closed = true;
			i++;
		} else if (!strcmp(argv[i], "--all")) {
			o.all = true;
			i++;
		} else if (!strcmp(argv[i], "-c")) {
			rc = parse_count("microflows", i + 1 < argc ? argv[i + 1] : NULL,
					 &o.count);
			if (rc)
				return rc;
			i += 2;
		} else {
			struct strata_filter f;

			n = strata_kw_filter(argc - i, argv + i, false, &f, err,
					     sizeof(err));
			if (n < 0)
				return usage_error("microflows", "%s", err);
			if (!n)
				return usage_error("microflows", "unknown argument '%s'",
						   argv[i]);
			rc = merge_filter(&o.filter, &f);
			if (rc)
				return rc;
			i += n;
		}
	}
	return o.closed ? follow_closed(&o) : dump_table(&o);
}
