// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The metric catalog (one table, listed in Documentation/metrics.rst) and
 * the formula compiler and evaluator the derived metrics go through.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "metrics.h"

#define PK	STRATA_LVL_PACKET
#define MF	STRATA_LVL_MICROFLOW
#define FL	STRATA_LVL_FLOW
#define HP	STRATA_LVL_HOP
#define CF	STRATA_LVL_CFLOW
#define MA	STRATA_LVL_MACROFLOW
#define SE	STRATA_LVL_SENSOR
#define BL	STRATA_LVL_BLOCK
/* Every level whose rows cover a time span. */
#define ROWS	(MF | FL | CF | MA | BL)
/* Where transaction timing is carried; of them, those whose rows have a span. */
#define TXN	(MF | FL | HP | CF | MA)
#define TXN_ROWS	(MF | FL | CF | MA)

#define KEY(n, t, u, l, d) \
	{ n, STRATA_MK_KEY, STRATA_MT_##t, 0, l, u, NULL, NULL, d }
#define SUM(n, t, u, l, d) \
	{ n, STRATA_MK_FUND, STRATA_MT_##t, STRATA_AGG_SUM, l, u, NULL, NULL, d }
#define MIN(n, u, l, g, d) \
	{ n, STRATA_MK_FUND, STRATA_MT_U64, STRATA_AGG_MIN, l, u, g, NULL, d }
#define MAX(n, u, l, g, d) \
	{ n, STRATA_MK_FUND, STRATA_MT_U64, STRATA_AGG_MAX, l, u, g, NULL, d }
#define DER(n, u, l, f, d) \
	{ n, STRATA_MK_DERIVED, STRATA_MT_F64, 0, l, u, NULL, f, d }

/* A sample set (struct strata_stat) as five fundamentals. */
#define STAT(p, u, l, what) \
	SUM(p "_n", U64, "samples", l, what ": samples"), \
	SUM(p "_sum", U64, u, l, what ": sum"), \
	SUM(p "_sumsq", U128, u "^2", l, what ": sum of squares"), \
	MIN(p "_min", u, l, p "_n", what ": smallest"), \
	MAX(p "_max", u, l, p "_n", what ": largest")

/* Mean, variance and standard deviation of a sample set. */
#define MOMENTS(p, u, l, what) \
	DER(p "_mean", u, l, p "_sum / " p "_n", what ": mean"), \
	DER(p "_var", u "^2", l, p "_sumsq / " p "_n - (" p "_sum / " p "_n) * (" \
	    p "_sum / " p "_n)", what ": variance"), \
	DER(p "_stddev", u, l, "sqrt(" p "_sumsq / " p "_n - (" p "_sum / " p "_n) * (" \
	    p "_sum / " p "_n))", what ": standard deviation")

#define SECONDS	"((to_ns - from_ns) / 1000000000)"

const struct strata_metric strata_metrics[] = {
	/* ---- keys ---- */
	KEY("window", U64, "ns", ROWS, "start of the row's window (ns since the epoch)"),
	KEY("group", STR, "", MA, "what the macroflow groups by: service, client or application"),
	KEY("server", STR, "", CF | MA, "server address (macroflows of group service)"),
	KEY("port", U64, "", MA, "server port (macroflows of group service)"),
	KEY("client", STR, "", CF | MA, "client address"),
	KEY("client_port", U64, "", CF, "client port"),
	KEY("server_port", U64, "", CF, "server port"),
	KEY("proto", STR, "", CF | MA, "L4 protocol by name (tcp, udp, icmp, or a number)"),
	KEY("app", STR, "", MA, "application (macroflows of group application)"),
	KEY("id", STR, "", CF, "connected flow id, WINDOW-SEQ"),
	KEY("sensor", STR, "", FL | SE, "sensor id"),
	KEY("conversation", STR, "", FL, "ADDR:PORT-ADDR:PORT/PROTO as the location saw it"),
	KEY("family", U64, "", PK | MF | FL, "4 or 6"),
	KEY("ip_proto", U64, "", PK | MF | FL, "L4 protocol number"),
	KEY("addr0", STR, "", MF | FL, "endpoint 0 (the lower) address"),
	KEY("port0", U64, "", MF | FL, "endpoint 0 port"),
	KEY("addr1", STR, "", MF | FL, "endpoint 1 address"),
	KEY("port1", U64, "", MF | FL, "endpoint 1 port"),
	KEY("initiator", U64, "", MF | FL, "which endpoint (0 or 1) started the conversation"),
	KEY("block", U64, "", BL, "packet block id"),
	KEY("txn_app", U64, "", MF, "application protocol the transactions were parsed as"),

	/* ---- fundamentals ---- */
	MIN("from_ns", "ns", ROWS, NULL, "start of the time the row covers"),
	MAX("to_ns", "ns", ROWS, NULL, "end of the time the row covers (exclusive)"),
	SUM("packets", U64, "packets", PK | MF | FL | HP | CF | MA | BL,
	    "packets, both directions (connected flows, macroflows: at the first location)"),
	SUM("bytes", U64, "bytes", PK | MF | FL | HP | CF | MA,
	    "IP bytes, both directions (as packets)"),
	SUM("payload_bytes", U64, "bytes", PK | MF | FL, "L4 payload bytes, both directions"),
	STAT("size", "bytes", MF | FL, "IP datagram size"),
	STAT("iat", "ns", MF | FL, "inter-arrival time within a direction"),
	STAT("rtt_hs", "ns", MF | FL | MA, "handshake RTT (SYN to SYN-ACK, SYN-ACK to ACK)"),
	STAT("rtt_data", "ns", MF | FL, "data-to-ACK RTT"),
	SUM("retrans", U64, "packets", MF | FL, "TCP segments retransmitted"),
	SUM("out_of_order", U64, "packets", MF | FL, "TCP segments that filled a gap"),
	SUM("zero_window", U64, "packets", MF | FL, "TCP segments advertising a zero window"),
	SUM("fragments", U64, "packets", MF | FL, "IP fragments"),
	SUM("microflows", U64, "microflows", FL, "microflows summed into the location flow"),
	SUM("lost", S64, "packets", HP | CF | MA,
	    "packets seen upstream and not downstream, both directions (signed: duplicates)"),
	STAT("delay", "ns", MA, "end-to-end delay, client to server (flows measured at every hop)"),
	SUM("cflows", U64, "flows", MA, "connected flows"),
	SUM("locations", U64, "locations", CF | MA, "locations (hops) on the path, summed"),
	SUM("unsync_sensors", U64, "locations", FL | CF,
	    "locations whose clock was not synchronised: as their location flows noted, else at the sensor's last hello"),
	SUM("unsynced_locations", U64, "locations", MA,
	    "locations whose sensor noted an unsynchronised clock when their flow window closed"),
	/* Connected flows and macroflows: at the last location, the server's side. */
	STAT("txn_ttfb", "ns", TXN,
	     "request to first response byte (n: answered requests; cflow, macroflow: "
	     "at the last location)"),
	STAT("txn_resp", "ns", TXN, "response duration"),
	SUM("txn_requests", U64, "requests", TXN, "requests seen"),
	STAT("txn_first", "ns", TXN, "first-byte latency of a connection's first exchange"),
	STAT("txn_dns", "ns", TXN, "DNS query to answer"),
	SUM("txn_dns_queries", U64, "queries", TXN, "DNS queries seen"),
	SUM("location_flows", U64, "flows", SE, "location flows the central host stored"),
	SUM("resent", U64, "flows", SE, "location flows sent again and stored once"),
	SUM("window_marks", U64, "marks", SE, "flow window marks taken"),
	MAX("clock_error_ns", "ns", SE, NULL, "the sensor clock's estimated error"),
	SUM("raw_bytes", U64, "bytes", BL, "packet records' bytes before compression"),
	SUM("stored_bytes", U64, "bytes", BL, "bytes stored"),

	/* ---- derived ---- */
	DER("interval_s", "s", ROWS, "(to_ns - from_ns) / 1000000000", "the time the row covers"),
	DER("pkt_rate", "packets/s", MF | FL | CF | MA | BL, "packets / " SECONDS,
	    "packet rate"),
	DER("byte_rate", "bytes/s", MF | FL | CF | MA, "bytes / " SECONDS, "byte rate"),
	DER("bit_rate", "bits/s", MF | FL | CF | MA, "bytes * 8 / " SECONDS, "bit rate"),
	DER("avg_pkt_size", "bytes", PK | MF | FL | HP | CF | MA, "bytes / packets",
	    "average packet size (IP bytes over packets)"),
	MOMENTS("size", "bytes", MF | FL, "IP datagram size"),
	MOMENTS("iat", "ns", MF | FL, "inter-arrival time"),
	DER("avg_rtt_hs", "ns", MF | FL | MA, "rtt_hs_sum / rtt_hs_n", "average handshake RTT"),
	DER("rtt_hs_var", "ns^2", MF | FL | MA,
	    "rtt_hs_sumsq / rtt_hs_n - (rtt_hs_sum / rtt_hs_n) * (rtt_hs_sum / rtt_hs_n)",
	    "handshake RTT variance"),
	DER("max_rtt_hs", "ns", MF | FL | MA, "rtt_hs_max", "largest handshake RTT"),
	DER("avg_rtt_data", "ns", MF | FL, "rtt_data_sum / rtt_data_n", "average data RTT"),
	DER("max_rtt_data", "ns", MF | FL, "rtt_data_max", "largest data RTT"),
	DER("retrans_ratio", "ratio", MF | FL, "retrans / packets",
	    "retransmitted segments over packets"),
	DER("loss_ratio", "ratio", CF | MA, "lost / packets",
	    "packets lost along the path over packets at the first location"),
	DER("hop_loss_ratio", "ratio", HP, "lost / (packets + lost)",
	    "packets lost since the previous location over those it saw"),
	DER("avg_delay", "ns", MA, "delay_sum / delay_n", "average end-to-end delay"),
	DER("path_length", "locations", MA, "locations / cflows", "average locations per flow"),
	DER("flow_rate", "flows/s", MA, "cflows / " SECONDS, "connected flows per second"),
	DER("avg_ttfb", "ns", TXN, "txn_ttfb_sum / txn_ttfb_n",
	    "average request-to-first-response time"),
	DER("max_ttfb", "ns", TXN, "txn_ttfb_max",
	    "largest request-to-first-response time"),
	DER("tps", "1/s", TXN_ROWS, "txn_ttfb_n / " SECONDS,
	    "transactions (answered requests) per second"),
	DER("req_rate", "1/s", TXN_ROWS, "txn_requests / " SECONDS, "requests per second"),
	DER("answer_ratio", "ratio", TXN, "txn_ttfb_n / txn_requests",
	    "requests answered"),
	DER("avg_resp", "ns", TXN, "txn_resp_sum / txn_resp_n",
	    "average response duration"),
	DER("avg_first_ttfb", "ns", TXN, "txn_first_sum / txn_first_n",
	    "average first-exchange latency of connections"),
	DER("avg_dns", "ns", TXN, "txn_dns_sum / txn_dns_n",
	    "average DNS answer time"),
	DER("dns_qps", "1/s", TXN_ROWS, "txn_dns_queries / " SECONDS, "DNS queries per second"),
	DER("compression", "ratio", BL, "stored_bytes / raw_bytes", "stored over raw bytes"),
};

const size_t strata_nmetrics = sizeof(strata_metrics) / sizeof(strata_metrics[0]);

const struct strata_metric *strata_metric_find(const char *name)
{
	size_t i;

	for (i = 0; i < strata_nmetrics; i++)
		if (!strcmp(strata_metrics[i].name, name))
			return &strata_metrics[i];
	return NULL;
}

const char *strata_metric_kind_name(unsigned int kind)
{
	static const char *const n[] = { "key", "fundamental", "derived" };

	return kind < 3 ? n[kind] : "?";
}

const char *strata_metric_type_name(unsigned int type)
{
	static const char *const n[] = { "u64", "s64", "u128", "f64", "string" };

	return type < 5 ? n[type] : "?";
}

const char *strata_metric_agg_name(unsigned int agg)
{
	static const char *const n[] = { "sum", "min", "max" };

	return agg < 3 ? n[agg] : "?";
}

const char *strata_metric_level_name(unsigned int bit)
{
	static const char *const n[STRATA_LVL_NUM] = {
		"packet", "microflow", "flow", "hop", "cflow", "macroflow", "sensor", "block",
	};
	unsigned int i;

	for (i = 0; i < STRATA_LVL_NUM; i++)
		if (bit == 1U << i)
			return n[i];
	return "?";
}

/* ---- formulas: recursive descent to a stack program ---- */

enum { OP_NUM, OP_VAR, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_SQRT };

struct ins {
	int op;
	int slot;
	double num;
};

/* Deep enough for any formula of the catalog; a longer one is refused. */
#define EXPR_MAX	64
#define DEPTH_MAX	32

struct strata_expr {
	unsigned int n;
	struct ins ins[EXPR_MAX];
};

struct parser {
	const char *text, *p;
	strata_expr_resolve_fn resolve;
	void *arg;
	struct strata_expr *e;
	unsigned int depth;
	char *err;
	size_t errlen;
};

static int perr(struct parser *ps, const char *what)
{
	return strata_seterr(ps->err, ps->errlen, EINVAL, "formula '%s': at %zu: %s", ps->text,
			     (size_t)(ps->p - ps->text), what);
}

static int emit(struct parser *ps, int op, int slot, double num)
{
	if (ps->e->n == EXPR_MAX)
		return perr(ps, "too long");
	ps->e->ins[ps->e->n++] = (struct ins){ op, slot, num };
	return 0;
}

static void skip(struct parser *ps)
{
	while (*ps->p == ' ')
		ps->p++;
}

static int expr(struct parser *ps);

static int primary(struct parser *ps)
{
	char name[64], *end;
	size_t n = 0;
	int rc, slot;
	double v;

	skip(ps);
	if (*ps->p == '(') {
		ps->p++;
		rc = expr(ps);
		if (rc)
			return rc;
		skip(ps);
		if (*ps->p != ')')
			return perr(ps, "')' expected");
		ps->p++;
		return 0;
	}
	if (*ps->p == '-') {
		ps->p++;
		if (++ps->depth > DEPTH_MAX)
			return perr(ps, "nested too deep");
		rc = primary(ps);
		ps->depth--;
		return rc ? rc : emit(ps, OP_NEG, 0, 0);
	}
	if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
		v = strtod(ps->p, &end);
		if (end == ps->p)
			return perr(ps, "a number expected");
		ps->p = end;
		return emit(ps, OP_NUM, 0, v);
	}
	if (!islower((unsigned char)*ps->p) && *ps->p != '_')
		return perr(ps, *ps->p ? "a name, number or '(' expected" : "unexpected end");
	while (islower((unsigned char)ps->p[n]) || isdigit((unsigned char)ps->p[n]) ||
	       ps->p[n] == '_') {
		if (n + 1 == sizeof(name))
			return perr(ps, "name too long");
		name[n] = ps->p[n];
		n++;
	}
	name[n] = 0;
	ps->p += n;
	skip(ps);
	if (!strcmp(name, "sqrt") && *ps->p == '(') {
		rc = primary(ps);
		return rc ? rc : emit(ps, OP_SQRT, 0, 0);
	}
	slot = ps->resolve(name, ps->arg);
	if (slot < 0) {
		ps->p -= n;
		return strata_seterr(ps->err, ps->errlen, EINVAL, "formula '%s': '%s' is not a "
				     "field here", ps->text, name);
	}
	return emit(ps, OP_VAR, slot, 0);
}

static int term(struct parser *ps)
{
	int rc = primary(ps), op;

	while (!rc) {
		skip(ps);
		if (*ps->p != '*' && *ps->p != '/')
			return 0;
		op = *ps->p++ == '*' ? OP_MUL : OP_DIV;
		rc = primary(ps);
		if (!rc)
			rc = emit(ps, op, 0, 0);
	}
	return rc;
}

static int expr(struct parser *ps)
{
	int rc, op;

	if (++ps->depth > DEPTH_MAX)
		return perr(ps, "nested too deep");
	rc = term(ps);
	while (!rc) {
		skip(ps);
		if (*ps->p != '+' && *ps->p != '-')
			break;
		op = *ps->p++ == '+' ? OP_ADD : OP_SUB;
		rc = term(ps);
		if (!rc)
			rc = emit(ps, op, 0, 0);
	}
	ps->depth--;
	return rc;
}

int strata_expr_parse(const char *text, strata_expr_resolve_fn resolve, void *arg,
		      struct strata_expr **out, char *err, size_t errlen)
{
	struct parser ps = { text, text, resolve, arg, NULL, 0, err, errlen };
	int rc;

	*out = NULL;
	ps.e = calloc(1, sizeof(*ps.e));
	if (!ps.e)
		return strata_seterr(err, errlen, ENOMEM, "formula: out of memory");
	rc = expr(&ps);
	if (!rc) {
		skip(&ps);
		if (*ps.p)
			rc = perr(&ps, "an operator or the end expected");
	}
	if (rc) {
		free(ps.e);
		return rc;
	}
	*out = ps.e;
	return 0;
}

double strata_expr_eval(const struct strata_expr *e, const double *slots)
{
	double st[EXPR_MAX], a, b;
	unsigned int i, sp = 0;

	for (i = 0; i < e->n; i++) {
		const struct ins *in = &e->ins[i];

		switch (in->op) {
		case OP_NUM:
			st[sp++] = in->num;
			continue;
		case OP_VAR:
			st[sp++] = slots[in->slot];
			continue;
		case OP_NEG:
			st[sp - 1] = -st[sp - 1];
			continue;
		case OP_SQRT:
			a = st[sp - 1];
			/* A variance a rounding error below 0 is 0. */
			if (a < 0 && a > -1e-9 * (1 + fabs(a)))
				a = 0;
			st[sp - 1] = a < 0 ? NAN : sqrt(a);
			continue;
		}
		b = st[--sp];
		a = st[sp - 1];
		switch (in->op) {
		case OP_ADD:
			a += b;
			break;
		case OP_SUB:
			a -= b;
			break;
		case OP_MUL:
			a *= b;
			break;
		default:
			a = b == 0 ? NAN : a / b;
			break;
		}
		st[sp - 1] = a;
	}
	return sp == 1 ? st[0] : NAN;
}

void strata_expr_free(struct strata_expr *e)
{
	free(e);
}
