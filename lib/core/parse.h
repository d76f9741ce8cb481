/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Header parsing of one IP packet (IPv4 with options, IPv6 with extension
 * headers, fragments, TCP with options, UDP, ICMP, ICMPv6) into struct strata_pkt.
 */
#ifndef STRATA_CORE_PARSE_H
#define STRATA_CORE_PARSE_H

#include "compat.h"

/**
 * enum strata_parse_status - what strata_parse() could make of a packet
 * @STRATA_PARSE_OK: every header present was parsed (L4 too, unless a
 *	non-first fragment or an L4 protocol strata does not parse)
 * @STRATA_PARSE_TRUNCATED: the captured bytes end inside a header; the
 *	fields before that point are filled in
 * @STRATA_PARSE_MALFORMED: a header contradicts itself or the packet
 *	length (IHL < 5, total length beyond the packet, option
 *	or extension header running past its header, TCP data offset < 5, ...)
 * @STRATA_PARSE_UNSUPPORTED: not an IPv4 or IPv6 packet
 */
enum strata_parse_status {
	STRATA_PARSE_OK = 0,
	STRATA_PARSE_TRUNCATED,
	STRATA_PARSE_MALFORMED,
	STRATA_PARSE_UNSUPPORTED,
};

/* strata_pkt.flags */
#define STRATA_PKT_L4		0x0001	/* L4 header parsed: ports and TCP fields valid */
#define STRATA_PKT_FRAG		0x0002	/* a fragment: MF set or offset > 0 (an IPv6
					 * atomic fragment, RFC 6946, is not one) */
#define STRATA_PKT_FRAG_LATER	0x0004	/* a non-first fragment: no L4 header in it */
#define STRATA_PKT_DF		0x0008	/* IPv4 don't-fragment */
#define STRATA_PKT_MF		0x0010	/* more fragments follow */
#define STRATA_PKT_IPOPT	0x0020	/* IPv4 options or IPv6 extension headers present */
#define STRATA_PKT_ESP		0x0040	/* parsing stopped at ESP (IPv4 or IPv6): the
					 * rest is encrypted */
#define STRATA_PKT_TRAILER	0x0080	/* bytes after the IP datagram (link padding) */

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
#define STRATA_TCP_FIN	0x01
#define STRATA_TCP_SYN	0x02
#define STRATA_TCP_RST	0x04
#define STRATA_TCP_PSH	0x08
#define STRATA_TCP_ACK	0x10
#define STRATA_TCP_URG	0x20
#define STRATA_TCP_ECE	0x40
#define STRATA_TCP_CWR	0x80
#define STRATA_TCP_NFLAGS 8

/* strata_pkt.tcp_opts: which TCP options were present. */
#define STRATA_TCPOPT_MSS	0x01
#define STRATA_TCPOPT_WSCALE	0x02
#define STRATA_TCPOPT_SACK_PERM	0x04
#define STRATA_TCPOPT_SACK	0x08
#define STRATA_TCPOPT_TS	0x10
#define STRATA_TCPOPT_OTHER	0x20

/*
 * Payload bytes kept in struct strata_pkt: enough for "OPTIONS " (the
 * longest HTTP method with its space), a TLS record header with the
 * handshake type, and a DNS header's id and flags (over TCP after the
 * length prefix).
 */
#define STRATA_PKT_HEAD		8

/**
 * struct strata_pkt - the parsed headers of one packet
 * @saddr: source address; IPv4 as the IPv4-mapped IPv6 address ::ffff:a.b.c.d
 * @daddr: destination address, same form
 * @family: 4 or 6
 * @proto: the L4 protocol (IPv6: after the extension header chain)
 * @ttl: IPv4 TTL or IPv6 hop limit
 * @tos: IPv4 TOS / IPv6 traffic class (DSCP << 2 | ECN)
 * @ip_len: length of the IP datagram from its header (IPv4 total length;
 *	IPv6 40 + payload length); a zero IPv4 total length (segmentation
 *	offload, BIG TCP) or IPv6 jumbogram takes the packet's length
 * @l4_off: offset of the L4 header from the start of the IP header
 * @payload_off: offset of the payload from the start of the IP header: after
 *	the L4 header, or after the IP headers when L4 is not parsed (a
 *	non-first fragment, ESP, an unknown protocol); 0 when not reached
 * @payload_len: payload length by the headers (may exceed what was captured)
 * @ip_id: IPv4 identification, or the IPv6 fragment header's identification
 * @frag_off: fragment offset in bytes
 * @ip_opt_len: IPv4 option bytes, or total IPv6 extension header bytes
 * @ip6_exthdrs: number of IPv6 extension headers
 * @flow_label: IPv6 flow label
 * @sport: source port; ICMP echo: the identifier; other ICMP: 0
 * @dport: destination port; ICMP echo: the identifier; other ICMP: type << 8 | code
 * @tcp_flags: TCP flags byte (STRATA_TCP_*)
 * @tcp_opts: STRATA_TCPOPT_* present
 * @tcp_wscale: window scale shift (valid with STRATA_TCPOPT_WSCALE)
 * @tcp_sack_blocks: number of SACK blocks (valid with STRATA_TCPOPT_SACK)
 * @tcp_mss: MSS option value (valid with STRATA_TCPOPT_MSS)
 * @tcp_window: raw (unscaled) window field
 * @tcp_seq: sequence number
 * @tcp_ack: acknowledgement number
 * @tcp_tsval: timestamp value (valid with STRATA_TCPOPT_TS)
 * @tcp_tsecr: timestamp echo reply (valid with STRATA_TCPOPT_TS)
 * @icmp_type: ICMP or ICMPv6 type
 * @icmp_code: ICMP or ICMPv6 code
 * @flags: STRATA_PKT_*
 * @gso_size: a GSO packet (one the stack hands over before segmenting it,
 *	or after GRO merged it): the payload bytes of each wire packet; 0
 *	for a packet that is one wire packet. Not from the headers: the
 *	caller sets it after strata_parse() (the kernel from the skb)
 * @gso_segs: a GSO packet: how many wire packets it stands for (0: not
 *	counted yet; the payload length and @gso_size tell)
 * @head_len: L4 payload bytes in @head (fewer than STRATA_PKT_HEAD when
 *	the payload is shorter or not at hand)
 * @head: the first bytes of the L4 payload, when L4 was parsed: what the
 *	microflow's transaction timing reads (a TLS record header, an HTTP
 *	method, a DNS message id). strata_parse() copies them from the bytes
 *	it was given; the kernel, whose payload may lie outside the linear
 *	part it parses, copies them from the skb
 * @pad: zero
 * @pad2: zero
 */
struct strata_pkt {
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 family;
	__u8 proto;
	__u8 ttl;
	__u8 tos;
	__u32 ip_len;
	__u32 l4_off;
	__u32 payload_off;
	__u32 payload_len;
	__u32 ip_id;
	__u16 frag_off;
	__u16 ip_opt_len;
	__u8 ip6_exthdrs;
	__u8 tcp_flags;
	__u8 tcp_opts;
	__u8 tcp_wscale;
	__u32 flow_label;
	__u16 sport;
	__u16 dport;
	__u8 tcp_sack_blocks;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 pad;
	__u16 tcp_mss;
	__u16 tcp_window;
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u32 tcp_tsval;
	__u32 tcp_tsecr;
	__u32 flags;
	__u16 gso_size;
	__u16 gso_segs;
	__u8 head_len;
	__u8 head[STRATA_PKT_HEAD];
	__u8 pad2[3];
};

/**
 * strata_parse() - parse the headers of one IP packet
 * @data: the packet, starting at the IP header
 * @caplen: how many bytes of it are readable at @data
 * @wirelen: the packet's length on the wire from the IP header on
 *	(>= @caplen; equal when the whole packet is at hand)
 * @pkt: filled in; zeroed first
 *
 * Never reads outside @data[0 .. @caplen). An IP datagram shorter than
 * @wirelen is fine (link-layer padding: STRATA_PKT_TRAILER); one longer is
 * malformed.
 *
 * Return: an enum strata_parse_status.
 */
enum strata_parse_status strata_parse(const __u8 *data, __u32 caplen,
				      __u32 wirelen, struct strata_pkt *pkt);

/**
 * strata_pkt_payload_caplen() - how many payload bytes are at hand
 * @pkt: a parsed packet
 * @caplen: the @caplen it was parsed with
 *
 * Return: the number of payload bytes readable from @pkt->payload_off.
 */
static inline __u32 strata_pkt_payload_caplen(const struct strata_pkt *pkt,
					      __u32 caplen)
{
	__u32 end = pkt->ip_len < caplen ? pkt->ip_len : caplen;

	if (!pkt->payload_off || pkt->payload_off >= end)
		return 0;
	return end - pkt->payload_off;
}

#endif /* STRATA_CORE_PARSE_H */
