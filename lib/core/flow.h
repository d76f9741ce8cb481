/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Microflow accounting: bidirectional conversation keys, wall-clock aligned
 * windows, and the per-direction statistics of one conversation in one window.
 */
#ifndef STRATA_CORE_FLOW_H
#define STRATA_CORE_FLOW_H

#include "compat.h"
#include <uapi/linux/strata.h>
#include "parse.h"

/**
 * struct strata_flow_key - a conversation, independent of direction
 * @addr: the two endpoints' addresses (IPv4-mapped for IPv4)
 * @port: the two endpoints' ports (see struct strata_pkt for ICMP)
 * @proto: L4 protocol
 * @family: 4 or 6
 * @pad: zero
 *
 * Canonical: endpoint 0 is the lower of the two (address, then port), so
 * both directions of a conversation give the same key. Which endpoint
 * started the conversation is kept in the microflow (initiator).
 */
struct strata_flow_key {
	__u8 addr[2][16];
	__u16 port[2];
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/**
 * strata_flow_key() - the conversation key of a parsed packet
 * @pkt: parsed packet
 * @key: filled in (padding zeroed, so it can be hashed and compared whole)
 *
 * Return: the packet's direction: 0 when it goes from endpoint 0 to
 * endpoint 1, 1 when it goes the other way.
 */
int strata_flow_key(const struct strata_pkt *pkt, struct strata_flow_key *key);

/**
 * struct strata_stat - a sample set kept as fundamentals only
 * @n: number of samples
 * @sum: sum of the samples
 * @sumsq_lo: low 64 bits of the 128-bit sum of squares
 * @sumsq_hi: high 64 bits of the 128-bit sum of squares
 * @min: smallest sample (meaningless when @n is 0)
 * @max: largest sample
 *
 * Mean and variance are derived later from n, sum and sum of squares; the
 * sum of squares is 128 bits wide so nanosecond samples cannot overflow it.
 */
struct strata_stat {
	__u64 n;
	__u64 sum;
	__u64 sumsq_lo;
	__u64 sumsq_hi;
	__u64 min;
	__u64 max;
};

/**
 * strata_stat_add() - add one sample
 * @s: the sample set
 * @x: the sample
 */
void strata_stat_add(struct strata_stat *s, __u64 x);

/**
 * strata_stat_merge() - add a sample set to another
 * @to: the sum, as if every sample of @from had been added to it
 * @from: the samples to add
 */
void strata_stat_merge(struct strata_stat *to, const struct strata_stat *from);

/**
 * struct strata_dir_stats - one direction of a microflow, one window
 * @packets: packets
 * @bytes: IP bytes (the datagram length from the IP header)
 * @payload_bytes: L4 payload bytes (by the headers)
 * @size: IP datagram sizes
 * @iat: inter-arrival times in ns between packets of this direction in
 *	this window (n = packets - 1): each packet's time minus @last_ns
 *	before it, 0 when the packet is not later (capture files can go back)
 * @rtt_hs: handshake RTT in ns answered by this side: SYN to SYN-ACK for the
 *	responder, SYN-ACK to ACK for the initiator (the round trip between
 *	the observation point and this side's host)
 * @rtt_data: data-to-ACK RTT in ns answered by this side: from a data
 *	segment of the other side to this side's first ACK covering it (not
 *	sampled for retransmitted data, Karn's rule)
 * @first_ns: timestamp of the first packet (ns since the epoch)
 * @last_ns: the latest packet timestamp
 * @tcp_flags: per TCP flag bit (STRATA_TCP_* order, FIN first), the number
 *	of packets that had it set
 * @retrans: TCP segments carrying data (or SYN/FIN) already seen before
 * @out_of_order: TCP segments that filled a gap left earlier (sent before
 *	data already seen, but never seen themselves)
 * @zero_window: TCP segments advertising a zero window (not RST)
 * @fragments: IP fragments
 * @fp_segmented: packets whose payload was given segment hashes
 *	(strata_mflow_fp_segments())
 * @ttl_min: smallest TTL / hop limit
 * @ttl_max: largest TTL / hop limit
 */
struct strata_dir_stats {
	__u64 packets;
	__u64 bytes;
	__u64 payload_bytes;
	struct strata_stat size;
	struct strata_stat iat;
	struct strata_stat rtt_hs;
	struct strata_stat rtt_data;
	__u64 first_ns;
	__u64 last_ns;
	__u32 tcp_flags[STRATA_TCP_NFLAGS];
	__u32 retrans;
	__u32 out_of_order;
	__u32 zero_window;
	__u32 fragments;
	__u32 fp_segmented;
	__u8 ttl_min;
	__u8 ttl_max;
	__u8 pad[2];
};

/**
 * strata_dir_stats_merge() - add one direction's window to an aggregate
 * @to: the aggregate (a longer time span of the same direction)
 * @from: one more window of it
 *
 * Counts, sums and sample sets add up; first/last times and TTL bounds
 * widen. The inter-arrival time from the last packet of one window to the
 * first of the next is not a sample of either, so the aggregate's @iat
 * has one sample fewer per window boundary than a single long window.
 */
void strata_dir_stats_merge(struct strata_dir_stats *to,
			    const struct strata_dir_stats *from);

/**
 * struct strata_tcp_dir - TCP sequence tracking of one direction
 * @valid: @seq_next is known
 * @hole: a gap [@hole_start, @hole_end) is open
 * @acked_pending: a data segment awaits its ACK (for an RTT sample)
 * @syn_seen: this side's SYN was seen; @isn holds its sequence number
 * @isn: initial sequence number of this side (valid with @syn_seen)
 * @seq_next: one past the highest sequence number sent so far
 * @hole_start: start of the most recent gap in the sequence space
 * @hole_end: end of that gap
 * @pending_end: sequence number an ACK must reach to sample @pending_ns
 * @pending_ns: when that data segment was seen
 *
 * Kept across windows: a conversation's TCP state outlives the window.
 */
struct strata_tcp_dir {
	__u8 valid;
	__u8 hole;
	__u8 acked_pending;
	__u8 syn_seen;
	__u32 isn;
	__u32 seq_next;
	__u32 hole_start;
	__u32 hole_end;
	__u32 pending_end;
	__u64 pending_ns;
};

/*
 * Transactions: request/response timing of a conversation.
 *
 * TCP: a request starts with the first new payload the initiator sends
 * after the responder last sent new payload (or at the start); it is
 * answered by the responder's first new payload after it, and that
 * response lasts until its last new responder payload. Only new data (in
 * sequence, never seen before) counts: a retransmission or a segment that
 * fills a gap says nothing about when a request was made or answered.
 *
 * DNS over UDP (port 53 at either end): a query (QR 0) is matched with its
 * response (QR 1) by the message id, through STRATA_TXN_DNS_SLOTS slots of
 * outstanding queries per conversation.
 *
 * A sample is taken in the window where it completes, from state that
 * outlives windows (struct strata_txn_state), so an exchange across a
 * window boundary is counted once, in the window it ends in.
 */
#define STRATA_TXN_DNS_SLOTS	4
/*
 * A DNS query unanswered this long is given up as unanswered, and a
 * response whose responder has been silent this long has ended. Checked
 * when a window rolls, so it takes effect up to one window later; shorter
 * than the tables' 60 s idle time, so it happens before a conversation is
 * forgotten. 10 s covers a stub resolver's retries (glibc: 5 s, twice).
 */
#define STRATA_TXN_TIMEOUT_NS	(10ULL * 1000000000ULL)

/**
 * struct strata_txn_stats - transaction timing of a microflow, one window
 * @ttfb: TCP: time to first byte in ns, from a request's start to its
 *	response's first byte; n is the number of answered requests
 * @resp: TCP: response duration in ns, from its first to its last new
 *	responder payload, sampled when the response ends (the next request
 *	starts, the responder's FIN, an RST, or STRATA_TXN_TIMEOUT_NS of
 *	responder silence; at the end of a capture file)
 * @first: TCP: first-byte latency of the connection's first exchange only
 *	(n is 0 or 1): its first request (for TLS the ClientHello) to the
 *	responder's first payload; measured when the handshake was seen, so
 *	that the first request is known to be the connection's first
 * @dns: DNS query to response latency in ns, per answered query
 * @requests: TCP: requests started, answered or not
 * @dns_queries: DNS queries seen (retransmissions included)
 * @dns_unanswered: queries given up after STRATA_TXN_TIMEOUT_NS (or at
 *	the end of a capture file), counted in the window where they expire
 * @dns_overflow: queries not timed because every slot held an
 *	outstanding query
 * @dns_repeats: queries whose id was already outstanding: a client's
 *	retry, timed from the first (the delay its user saw)
 * @app: STRATA_TXN_APP_* of the connection's first request, from its
 *	first payload bytes; kept in every later window of the connection
 * @pad: zero
 *
 * Every query is accounted once: dns_queries = dns.n + dns_unanswered +
 * dns_overflow + dns_repeats + those still outstanding.
 */
struct strata_txn_stats {
	struct strata_stat ttfb;
	struct strata_stat resp;
	struct strata_stat first;
	struct strata_stat dns;
	__u64 requests;
	__u64 dns_queries;
	__u32 dns_unanswered;
	__u32 dns_overflow;
	__u32 dns_repeats;
	__u8 app;
	__u8 pad[3];
};

/* strata_txn_state.phase */
#define STRATA_TXN_IDLE		0	/* no request open */
#define STRATA_TXN_REQ		1	/* a request awaits its first response byte */
#define STRATA_TXN_RESP		2	/* a response is under way */

/* strata_txn_state.first */
#define STRATA_TXN_FIRST_WAIT	0	/* the connection's first request not seen */
#define STRATA_TXN_FIRST_OPEN	1	/* it is the open request */
#define STRATA_TXN_FIRST_DONE	2	/* measured, or cannot be */

/**
 * struct strata_txn_state - transaction tracking, kept across windows
 * @req_ns: start of the open request (phase REQ)
 * @resp_first_ns: first byte of the response under way (phase RESP)
 * @resp_last_ns: its latest new byte
 * @dns_ns: when each outstanding query was seen
 * @dns_id: its message id
 * @phase: STRATA_TXN_IDLE, _REQ or _RESP
 * @first: STRATA_TXN_FIRST_*
 * @dns_used: one bit per slot holding an outstanding query
 * @pad: zero
 */
struct strata_txn_state {
	__u64 req_ns;
	__u64 resp_first_ns;
	__u64 resp_last_ns;
	__u64 dns_ns[STRATA_TXN_DNS_SLOTS];
	__u16 dns_id[STRATA_TXN_DNS_SLOTS];
	__u8 phase;
	__u8 first;
	__u8 dns_used;
	__u8 pad[5];
};

/* strata_mflow.hs: handshake progress */
#define STRATA_HS_SYN		1	/* initiator's SYN seen */
#define STRATA_HS_SYNACK	2	/* responder's SYN-ACK seen */
#define STRATA_HS_DONE		3	/* initiator's ACK seen */

/**
 * struct strata_mflow - one conversation's microflow
 * @key: the conversation
 * @window_start: start of the current window (ns since the epoch, aligned)
 * @initiator: which endpoint (0 or 1) started the conversation
 * @hs: handshake progress (STRATA_HS_*), 0 when no SYN was seen
 * @started: a packet was accounted, @initiator is set
 * @pad: zero
 * @syn_ns: when the SYN was seen
 * @synack_ns: when the SYN-ACK was seen
 * @dir: statistics per direction in this window; dir[d] is what endpoint d sent
 * @tcp: TCP tracking per direction, kept across windows
 * @txn: transaction timing in this window
 * @txs: transaction tracking, kept across windows
 *
 * The initiator is the sender of the first packet seen, except that the
 * receiver of a SYN-ACK (a SYN with ACK) is the initiator. A SYN with a new
 * initial sequence number on a conversation that already carried TCP is a
 * new connection reusing the 5-tuple: the TCP tracking and the handshake
 * restart, and the SYN's sender becomes the initiator.
 */
struct strata_mflow {
	struct strata_flow_key key;
	__u64 window_start;
	__u8 initiator;
	__u8 hs;
	__u8 started;
	__u8 pad[5];
	__u64 syn_ns;
	__u64 synack_ns;
	struct strata_dir_stats dir[2];
	struct strata_tcp_dir tcp[2];
	struct strata_txn_stats txn;
	struct strata_txn_state txs;
};

/**
 * struct strata_verdict - what a microflow table decided for one packet
 * @dir: its direction in the microflow (strata_flow_key())
 * @segments: its payload gets segment hashes (strata_mflow_fp_segments())
 * @key_hash: the conversation's hash in that table (equal for both
 *	directions; keyed, so only comparable within one table)
 */
struct strata_verdict {
	int dir;
	bool segments;
	__u64 key_hash;
};

/**
 * strata_window_start() - the wall-clock aligned window a time falls in
 * @ts_ns: a time in ns since the epoch
 * @window_ns: the window length in ns (> 0)
 *
 * Windows start at multiples of @window_ns since the epoch, so every sensor
 * cuts the same windows whatever its start time.
 *
 * Return: the start of the window holding @ts_ns.
 */
/**
 * strata_pkt_segs() - the wire packets a packet stands for
 * @pkt: the packet
 *
 * Return: 1, or for a GSO packet its segment count: @pkt->gso_segs, or when
 * the stack has not counted them yet, the payload over @pkt->gso_size
 * (rounded up); never more than the payload allows, so that every segment
 * has at least one byte.
 */
static inline unsigned int strata_pkt_segs(const struct strata_pkt *pkt)
{
	unsigned int n;

	if (!pkt->gso_size || pkt->payload_len <= pkt->gso_size)
		return 1;
	n = pkt->gso_segs ? pkt->gso_segs :
		(pkt->payload_len + pkt->gso_size - 1) / pkt->gso_size;
	if ((__u64)(n - 1) * pkt->gso_size >= pkt->payload_len)
		n = (pkt->payload_len + pkt->gso_size - 1) / pkt->gso_size;
	return n ? n : 1;
}

static inline __u64 strata_window_start(__u64 ts_ns, __u64 window_ns)
{
	return strata_div64(ts_ns, window_ns) * window_ns;
}

/**
 * strata_mflow_init() - start a microflow for a conversation's first packet
 * @mf: the microflow (fully overwritten)
 * @key: the conversation
 * @window_start: the window the first packet falls in
 */
void strata_mflow_init(struct strata_mflow *mf,
		       const struct strata_flow_key *key, __u64 window_start);

/**
 * strata_mflow_account() - account one packet
 * @mf: the conversation's microflow, whose window holds @ts_ns
 * @pkt: the parsed packet
 * @dir: its direction, as returned by strata_flow_key()
 * @ts_ns: its timestamp (ns since the epoch)
 *
 * Timestamps earlier than the previous packet's (possible in capture files)
 * count as a zero inter-arrival time.
 */
void strata_mflow_account(struct strata_mflow *mf, const struct strata_pkt *pkt,
			  int dir, __u64 ts_ns);

/*
 * Segment hashes are computed for the first STRATA_FP_SEG_PACKETS packets
 * carrying payload in each direction of each microflow window; every packet
 * gets the whole-payload hash. See strata_mflow_fp_segments().
 */
#define STRATA_FP_SEG_PACKETS	4
/* A segment budget that gives every packet with payload its segment hashes. */
#define STRATA_FP_SEG_ALL	0xffffffffU

/**
 * strata_mflow_fp_segments() - whether a packet gets segment hashes
 * @mf: the packet's microflow, before strata_mflow_account() of the packet
 * @pkt: the parsed packet
 * @dir: its direction
 * @budget: packets with payload per direction and window to segment
 *	(STRATA_FP_SEG_PACKETS by default, 0 for none, STRATA_FP_SEG_ALL)
 *
 * The whole-payload hash, computed for every packet, matches a packet seen
 * unchanged at two places (per-hop delay and loss, NAT). Segment hashes are
 * for payloads that were changed on the way: a proxy that prefixes a header
 * or re-frames a request, a load balancer forwarding it. That happens at the
 * start of a conversation and of each exchange, which the first packets of
 * each window cover, and the scan costs about eight times the hash per
 * scanned byte: on bulk transfers the budget keeps its cost off most packets.
 * Counts a yes in @mf->dir[@dir].fp_segmented.
 *
 * Return: true when the caller should compute the segment hashes.
 */
bool strata_mflow_fp_segments(struct strata_mflow *mf,
			      const struct strata_pkt *pkt, int dir,
			      __u32 budget);

/**
 * strata_mflow_roll() - move a microflow to a new window
 * @mf: the microflow, whose closed window the caller has already exported
 * @window_start: the new window
 *
 * Clears the per-window statistics and keeps what outlives a window: the
 * key, the initiator, the handshake, the TCP tracking, the transactions
 * under way and the application of the connection (txn.app). Then gives up
 * the DNS queries and ends the responses that STRATA_TXN_TIMEOUT_NS before
 * @window_start passed by: they count in the new window, which is then
 * strata_mflow_active() even without a packet.
 */
void strata_mflow_roll(struct strata_mflow *mf, __u64 window_start);

/**
 * strata_mflow_end() - end what the conversation left open
 * @mf: the microflow, before its last window is exported
 *
 * For the end of a capture file, where nothing more will be seen: a
 * response under way ends at its last byte (a @resp sample), outstanding
 * DNS queries count as unanswered, an open request stays unanswered.
 */
void strata_mflow_end(struct strata_mflow *mf);

/**
 * strata_mflow_active() - whether a microflow's window has anything to export
 * @mf: the microflow
 *
 * Return: true when the window had packets, or when transactions ended in
 * it without a packet (strata_mflow_roll(), strata_mflow_end()): the
 * tables export such a window too, so that no sample is lost.
 */
bool strata_mflow_active(const struct strata_mflow *mf);

/**
 * strata_txn_merge() - add one window's transaction timing to an aggregate
 * @to: the aggregate (a longer time span of the same conversation)
 * @from: one more window of it
 *
 * Sample sets and counts add up; @to->app takes @from's when @from has one.
 */
void strata_txn_merge(struct strata_txn_stats *to,
		      const struct strata_txn_stats *from);

#endif /* STRATA_CORE_FLOW_H */
