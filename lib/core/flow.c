// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Microflow accounting shared by strata.ko and libstrata: conversation keys,
 * per-direction fundamentals, TCP sequence tracking, RTT samples and
 * transaction (request/response, DNS) timing.
 */
#include "flow.h"

int strata_flow_key(const struct strata_pkt *pkt, struct strata_flow_key *key)
{
	int c = memcmp(pkt->saddr, pkt->daddr, 16);
	int dir;

	if (!c)
		c = (int)pkt->sport - (int)pkt->dport;
	dir = c > 0;
	memcpy(key->addr[dir], pkt->saddr, 16);
	memcpy(key->addr[!dir], pkt->daddr, 16);
	key->port[dir] = pkt->sport;
	key->port[!dir] = pkt->dport;
	key->proto = pkt->proto;
	key->family = pkt->family;
	key->pad = 0;
	return dir;
}

void strata_stat_add(struct strata_stat *s, __u64 x)
{
	__u64 lo, hi;

#ifdef __SIZEOF_INT128__
	unsigned __int128 sq = (unsigned __int128)x * x;

	lo = (__u64)sq;
	hi = (__u64)(sq >> 64);
#else
	/* x * x from 32-bit halves: (a·2^32 + b)^2 = a²·2^64 + 2ab·2^32 + b². */
	__u64 a = x >> 32, b = (__u32)x, ab = a * b, mid_lo, bb = b * b;

	mid_lo = ab << 33;
	lo = bb + mid_lo;
	hi = a * a + (ab >> 31) + (lo < bb);
#endif
	if (!s->n || x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	s->n++;
	s->sum += x;
	s->sumsq_lo += lo;
	s->sumsq_hi += hi + (s->sumsq_lo < lo);
}

void strata_stat_merge(struct strata_stat *to, const struct strata_stat *from)
{
	__u64 lo;

	if (!from->n)
		return;
	if (!to->n || from->min < to->min)
		to->min = from->min;
	if (!to->n || from->max > to->max)
		to->max = from->max;
	to->n += from->n;
	to->sum += from->sum;
	lo = to->sumsq_lo + from->sumsq_lo;
	to->sumsq_hi += from->sumsq_hi + (lo < to->sumsq_lo);
	to->sumsq_lo = lo;
}

void strata_dir_stats_merge(struct strata_dir_stats *to,
			    const struct strata_dir_stats *from)
{
	unsigned int i;

	if (!from->packets)
		return;
	if (!to->packets || from->first_ns < to->first_ns)
		to->first_ns = from->first_ns;
	if (from->last_ns > to->last_ns)
		to->last_ns = from->last_ns;
	if (!to->packets || from->ttl_min < to->ttl_min)
		to->ttl_min = from->ttl_min;
	if (from->ttl_max > to->ttl_max)
		to->ttl_max = from->ttl_max;
	to->packets += from->packets;
	to->bytes += from->bytes;
	to->payload_bytes += from->payload_bytes;
	strata_stat_merge(&to->size, &from->size);
	strata_stat_merge(&to->iat, &from->iat);
	strata_stat_merge(&to->rtt_hs, &from->rtt_hs);
	strata_stat_merge(&to->rtt_data, &from->rtt_data);
	for (i = 0; i < STRATA_TCP_NFLAGS; i++)
		to->tcp_flags[i] += from->tcp_flags[i];
	to->retrans += from->retrans;
	to->out_of_order += from->out_of_order;
	to->zero_window += from->zero_window;
	to->fragments += from->fragments;
	to->fp_segmented += from->fp_segmented;
}

/* Sequence number order, modulo 2^32 (RFC 1982 style, like the kernel's before()). */
static inline bool seq_lt(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static inline bool seq_le(__u32 a, __u32 b)
{
	return (__s32)(a - b) <= 0;
}

/* A time difference; 0 when a capture file went back in time. */
static inline __u64 since(__u64 ts, __u64 from)
{
	return ts > from ? ts - from : 0;
}

static void txn_resp_end(struct strata_mflow *mf)
{
	struct strata_txn_state *s = &mf->txs;

	if (s->phase == STRATA_TXN_RESP)
		strata_stat_add(&mf->txn.resp, s->resp_last_ns - s->resp_first_ns);
	s->phase = STRATA_TXN_IDLE;
	/* A first request that got no answer is not measured. */
	if (s->first == STRATA_TXN_FIRST_OPEN)
		s->first = STRATA_TXN_FIRST_DONE;
}

static void tcp_handshake(struct strata_mflow *mf, struct strata_dir_stats *d,
			  __u8 fl, int dir, __u64 ts)
{
	__u8 sa = fl & (STRATA_TCP_SYN | STRATA_TCP_ACK);

	if (sa == STRATA_TCP_SYN) {
		/*
		 * A retransmitted SYN restarts the clock: the SYN-ACK most
		 * likely answers the last one.
		 */
		if (dir == mf->initiator && mf->hs <= STRATA_HS_SYN) {
			mf->hs = STRATA_HS_SYN;
			mf->syn_ns = ts;
		}
	} else if (sa == (STRATA_TCP_SYN | STRATA_TCP_ACK)) {
		if (dir != mf->initiator && mf->hs == STRATA_HS_SYN) {
			strata_stat_add(&d->rtt_hs, ts - mf->syn_ns);
			mf->hs = STRATA_HS_SYNACK;
			mf->synack_ns = ts;
		}
	} else if (sa == STRATA_TCP_ACK && !(fl & STRATA_TCP_RST)) {
		if (dir == mf->initiator && mf->hs == STRATA_HS_SYNACK) {
			strata_stat_add(&d->rtt_hs, ts - mf->synack_ns);
			mf->hs = STRATA_HS_DONE;
		}
	}
}

/*
 * Track one TCP segment. Return: true when it carries new payload, in
 * sequence (not a retransmission, not a gap being filled).
 */
static bool tcp_track(struct strata_mflow *mf, const struct strata_pkt *p,
		      int dir, __u64 ts)
{
	struct strata_dir_stats *d = &mf->dir[dir];
	struct strata_tcp_dir *t = &mf->tcp[dir], *r = &mf->tcp[!dir];
	__u8 fl = p->tcp_flags;
	__u32 seq = p->tcp_seq, len, end;

	/* Sequence space used: payload, plus one each for SYN and FIN. */
	len = p->payload_len + !!(fl & STRATA_TCP_SYN) + !!(fl & STRATA_TCP_FIN);
	end = seq + len;

	/*
	 * A SYN that is neither this side's known SYN again nor the first
	 * thing seen is a new connection on the same 5-tuple (port reuse):
	 * what was tracked belongs to the old one.
	 */
	if ((fl & (STRATA_TCP_SYN | STRATA_TCP_ACK)) == STRATA_TCP_SYN &&
	    (t->valid || r->valid) && !(t->syn_seen && t->isn == seq)) {
		memset(mf->tcp, 0, sizeof(mf->tcp));
		mf->hs = 0;
		mf->initiator = dir;
		/* A response of the old connection under way ends here. */
		txn_resp_end(mf);
		mf->txs.first = STRATA_TXN_FIRST_WAIT;
	}
	if (fl & STRATA_TCP_SYN && !t->syn_seen) {
		t->syn_seen = 1;
		t->isn = seq;
	}
	tcp_handshake(mf, d, fl, dir, ts);
	if (!p->tcp_window && !(fl & STRATA_TCP_RST))
		d->zero_window++;

	/* Does this ACK answer the other side's data segment under watch? */
	if (fl & STRATA_TCP_ACK && r->acked_pending &&
	    seq_le(r->pending_end, p->tcp_ack)) {
		strata_stat_add(&d->rtt_data, ts - r->pending_ns);
		r->acked_pending = 0;
	}

	if (!len)
		return false;
	if (!t->valid) {
		t->valid = 1;
		t->seq_next = end;
	} else if (seq_le(t->seq_next, seq)) {
		/* New data; a jump leaves a gap that a later segment may fill. */
		if (seq_lt(t->seq_next, seq)) {
			t->hole = 1;
			t->hole_start = t->seq_next;
			t->hole_end = seq;
		}
		t->seq_next = end;
	} else if (seq_lt(t->seq_next, end)) {
		/* Partly old, partly new: a retransmission that adds data. */
		d->retrans++;
		t->seq_next = end;
		t->acked_pending = 0;
		return false;
	} else if (t->hole && seq_le(t->hole_start, seq) &&
		   seq_le(end, t->hole_end)) {
		/* Never seen, sent before what was: it arrives out of order. */
		d->out_of_order++;
		if (seq == t->hole_start)
			t->hole_start = end;
		else
			t->hole_end = seq;	/* keep the part before it */
		if (!seq_lt(t->hole_start, t->hole_end))
			t->hole = 0;
		return false;
	} else {
		d->retrans++;
		/*
		 * Karn's rule: once data before the watched segment's end was
		 * sent twice, an ACK no longer tells which copy it answers.
		 */
		if (t->acked_pending && seq_lt(seq, t->pending_end))
			t->acked_pending = 0;
		return false;
	}
	/* Watch one new data segment at a time for a data-to-ACK sample. */
	if (p->payload_len && !t->acked_pending) {
		t->acked_pending = 1;
		t->pending_end = end;
		t->pending_ns = ts;
	}
	return p->payload_len != 0;
}

static bool head_is(const struct strata_pkt *p, const char *tok, unsigned int n)
{
	return p->head_len >= n && !memcmp(p->head, tok, n);
}

/* The application of a connection's first request, from its first bytes. */
static __u8 txn_app(const struct strata_pkt *p)
{
	static const struct {
		char tok[9];
		__u8 len;
	} methods[] = {
		{ "GET ", 4 }, { "POST ", 5 }, { "HEAD ", 5 }, { "PUT ", 4 },
		{ "DELETE ", 7 }, { "OPTIONS ", 8 }, { "PATCH ", 6 },
		{ "CONNECT ", 8 }, { "TRACE ", 6 },
	};
	const __u8 *h = p->head;
	unsigned int i;

	if (!p->head_len)
		return STRATA_TXN_APP_NONE;
	/* A TLS handshake record (SSL 3.0 to TLS 1.3) holding a ClientHello. */
	if (p->head_len >= 6 && h[0] == 0x16 && h[1] == 3 && h[2] <= 4 && h[5] == 1)
		return STRATA_TXN_APP_TLS;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (head_is(p, methods[i].tok, methods[i].len))
			return STRATA_TXN_APP_HTTP;
	return STRATA_TXN_APP_OTHER;
}

/* Request/response timing of one TCP segment, after tcp_track(). */
static void txn_tcp(struct strata_mflow *mf, const struct strata_pkt *p,
		    int dir, __u64 ts, bool new_data)
{
	struct strata_txn_state *s = &mf->txs;
	struct strata_txn_stats *x = &mf->txn;

	if (new_data && dir == mf->initiator) {
		if (s->phase != STRATA_TXN_REQ) {
			/* Pipelined data before any answer is the same request. */
			txn_resp_end(mf);
			s->phase = STRATA_TXN_REQ;
			s->req_ns = ts;
			x->requests++;
			/*
			 * The connection's first request: only when its bytes
			 * start right after the SYN seen, else the first seen
			 * is not the first sent.
			 */
			if (s->first == STRATA_TXN_FIRST_WAIT) {
				const struct strata_tcp_dir *t = &mf->tcp[dir];

				if (t->syn_seen && p->tcp_seq == t->isn + 1) {
					s->first = STRATA_TXN_FIRST_OPEN;
					x->app = txn_app(p);
				} else {
					s->first = STRATA_TXN_FIRST_DONE;
				}
			}
		}
	} else if (new_data) {
		if (s->phase == STRATA_TXN_REQ) {
			strata_stat_add(&x->ttfb, since(ts, s->req_ns));
			if (s->first == STRATA_TXN_FIRST_OPEN) {
				strata_stat_add(&x->first, since(ts, s->req_ns));
				s->first = STRATA_TXN_FIRST_DONE;
			}
			s->phase = STRATA_TXN_RESP;
			s->resp_first_ns = ts;
			s->resp_last_ns = ts;
		} else if (s->phase == STRATA_TXN_RESP && ts > s->resp_last_ns) {
			s->resp_last_ns = ts;
		}
		/* Else the responder speaks first (a banner): not an answer. */
	}
	/*
	 * The responder's FIN or an RST ends the exchange. The initiator's
	 * FIN does not: after a half-close the response may go on.
	 */
	if (p->tcp_flags & STRATA_TCP_RST ||
	    (p->tcp_flags & STRATA_TCP_FIN && dir != mf->initiator))
		txn_resp_end(mf);
}

/* DNS over UDP: a query takes a slot, its response frees it with a sample. */
static void txn_dns(struct strata_mflow *mf, const struct strata_pkt *p, __u64 ts)
{
	struct strata_txn_state *s = &mf->txs;
	struct strata_txn_stats *x = &mf->txn;
	__u16 id = strata_be16(p->head);
	int i, free_slot = -1;

	/* A DNS header is 12 bytes; the id and the QR bit are all we read. */
	if (p->payload_len < 12 || p->head_len < 3)
		return;
	for (i = 0; i < STRATA_TXN_DNS_SLOTS; i++) {
		if (!(s->dns_used & 1 << i)) {
			if (free_slot < 0)
				free_slot = i;
		} else if (s->dns_id[i] == id) {
			break;
		}
	}
	if (p->head[2] & 0x80) {		/* QR: a response */
		if (i < STRATA_TXN_DNS_SLOTS) {
			strata_stat_add(&x->dns, since(ts, s->dns_ns[i]));
			s->dns_used &= ~(1 << i);
		}
		/* Else an answer to a query given up, overflowed or not seen. */
		return;
	}
	x->dns_queries++;
	if (i < STRATA_TXN_DNS_SLOTS) {
		x->dns_repeats++;
	} else if (free_slot < 0) {
		x->dns_overflow++;
	} else {
		s->dns_used |= 1 << free_slot;
		s->dns_id[free_slot] = id;
		s->dns_ns[free_slot] = ts;
	}
}

/* Give up the queries older than @timeout at @now (all, with @timeout 0). */
static void txn_dns_expire(struct strata_mflow *mf, __u64 now, __u64 timeout)
{
	struct strata_txn_state *s = &mf->txs;
	int i;

	for (i = 0; i < STRATA_TXN_DNS_SLOTS; i++) {
		if (s->dns_used & 1 << i && since(now, s->dns_ns[i]) >= timeout) {
			s->dns_used &= ~(1 << i);
			mf->txn.dns_unanswered++;
		}
	}
}

void strata_mflow_init(struct strata_mflow *mf,
		       const struct strata_flow_key *key, __u64 window_start)
{
	memset(mf, 0, sizeof(*mf));
	mf->key = *key;
	mf->window_start = window_start;
}

void strata_mflow_account(struct strata_mflow *mf, const struct strata_pkt *pkt,
			  int dir, __u64 ts_ns)
{
	struct strata_dir_stats *d = &mf->dir[dir];
	unsigned int i, segs;
	__u32 hdr;

	if (!mf->started) {
		mf->started = 1;
		mf->initiator = dir;
		/* Seeing the SYN-ACK first means its receiver opened the conversation. */
		if (pkt->proto == 6 && pkt->flags & STRATA_PKT_L4 &&
		    (pkt->tcp_flags & (STRATA_TCP_SYN | STRATA_TCP_ACK)) ==
		    (STRATA_TCP_SYN | STRATA_TCP_ACK))
			mf->initiator = !dir;
	}

	if (!d->packets) {
		d->first_ns = ts_ns;
		d->last_ns = ts_ns;
		d->ttl_min = pkt->ttl;
		d->ttl_max = pkt->ttl;
	} else {
		strata_stat_add(&d->iat, ts_ns > d->last_ns ? ts_ns - d->last_ns : 0);
		if (ts_ns > d->last_ns)
			d->last_ns = ts_ns;
		if (pkt->ttl < d->ttl_min)
			d->ttl_min = pkt->ttl;
		if (pkt->ttl > d->ttl_max)
			d->ttl_max = pkt->ttl;
	}
	/*
	 * A GSO packet counts as the wire packets it stands for, each with
	 * its own copy of the headers, so that a sender (which sees one
	 * large packet) and the hosts on the path (which see the pieces)
	 * count the same packets and bytes.
	 */
	segs = strata_pkt_segs(pkt);
	hdr = pkt->ip_len > pkt->payload_len ? pkt->ip_len - pkt->payload_len : 0;
	d->packets += segs;
	d->bytes += pkt->ip_len + (__u64)(segs - 1) * hdr;
	d->payload_bytes += pkt->payload_len;
	if (segs == 1) {
		strata_stat_add(&d->size, pkt->ip_len);
	} else {
		for (i = 0; i + 1 < segs; i++)
			strata_stat_add(&d->size, hdr + pkt->gso_size);
		strata_stat_add(&d->size, hdr + pkt->payload_len -
				(__u64)(segs - 1) * pkt->gso_size);
	}
	if (pkt->flags & STRATA_PKT_FRAG)
		d->fragments++;

	if (!(pkt->flags & STRATA_PKT_L4))
		return;
	if (pkt->proto == 17) {
		if (pkt->sport == 53 || pkt->dport == 53)
			txn_dns(mf, pkt, ts_ns);
		return;
	}
	if (pkt->proto != 6)
		return;
	for (i = 0; i < STRATA_TCP_NFLAGS; i++)
		d->tcp_flags[i] += (pkt->tcp_flags >> i) & 1;
	txn_tcp(mf, pkt, dir, ts_ns, tcp_track(mf, pkt, dir, ts_ns));
}

bool strata_mflow_fp_segments(struct strata_mflow *mf,
			      const struct strata_pkt *pkt, int dir,
			      __u32 budget)
{
	struct strata_dir_stats *d = &mf->dir[dir];

	if (!pkt->payload_len || d->fp_segmented >= budget)
		return false;
	d->fp_segmented++;
	return true;
}

void strata_mflow_roll(struct strata_mflow *mf, __u64 window_start)
{
	struct strata_txn_state *s = &mf->txs;
	__u8 app = mf->txn.app;

	memset(mf->dir, 0, sizeof(mf->dir));
	memset(&mf->txn, 0, sizeof(mf->txn));
	mf->txn.app = app;
	mf->window_start = window_start;
	txn_dns_expire(mf, window_start, STRATA_TXN_TIMEOUT_NS);
	/*
	 * The sample does not depend on when it is taken, only the window it
	 * lands in: a responder silent this long has finished.
	 */
	if (s->phase == STRATA_TXN_RESP &&
	    since(window_start, s->resp_last_ns) >= STRATA_TXN_TIMEOUT_NS)
		txn_resp_end(mf);
}

void strata_mflow_end(struct strata_mflow *mf)
{
	txn_dns_expire(mf, 0, 0);
	txn_resp_end(mf);
}

bool strata_mflow_active(const struct strata_mflow *mf)
{
	return mf->dir[0].packets || mf->dir[1].packets || mf->txn.resp.n ||
		mf->txn.dns_unanswered;
}

void strata_txn_merge(struct strata_txn_stats *to,
		      const struct strata_txn_stats *from)
{
	strata_stat_merge(&to->ttfb, &from->ttfb);
	strata_stat_merge(&to->resp, &from->resp);
	strata_stat_merge(&to->first, &from->first);
	strata_stat_merge(&to->dns, &from->dns);
	to->requests += from->requests;
	to->dns_queries += from->dns_queries;
	to->dns_unanswered += from->dns_unanswered;
	to->dns_overflow += from->dns_overflow;
	to->dns_repeats += from->dns_repeats;
	if (from->app)
		to->app = from->app;
}
