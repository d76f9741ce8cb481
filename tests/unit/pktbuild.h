/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * Test packet builder: IPv4 (with options) or IPv6 (with an extension header
 * chain), then TCP/UDP/ICMP/ICMPv6 and payload, with lengths and checksums.
 */
#ifndef STRATA_TEST_PKTBUILD_H
#define STRATA_TEST_PKTBUILD_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define PB_MAX 8192

/*
 * A packet under construction. Each header appended patches the previous
 * header's next-header (or IPv4 protocol) byte, so a chain is built in wire
 * order; pb_finish() then fills in the lengths and checksums.
 */
struct pb {
	__u8 d[PB_MAX];
	__u32 len;
	__u8 family;
	__u32 nh_at;	/* the next-header byte the next append patches, 0 = none */
	__u32 ip_end;	/* end of the IP header and extension headers so far */
	__u32 l4_off;	/* 0 until an L4 header is appended */
	__u8 l4_proto;
	__u8 ip6_exthdrs;
};

struct pb_ip4 {
	__u8 src[4];
	__u8 dst[4];
	__u8 ttl;
	__u8 tos;
	__u16 id;
	__u16 frag_off;		/* in bytes, a multiple of 8 */
	bool df;
	bool mf;
	__u8 proto;		/* used only when no L4 header is appended */
	const __u8 *opt;	/* option bytes, a multiple of 4, at most 40 */
	__u8 optlen;
};

struct pb_ip6 {
	__u8 src[16];
	__u8 dst[16];
	__u8 hlim;
	__u8 tclass;
	__u32 flow;		/* 20 bits */
};

struct pb_tcp {
	__u16 sport;
	__u16 dport;
	__u32 seq;
	__u32 ack;
	__u8 flags;
	__u16 win;
	const __u8 *opt;	/* option bytes, a multiple of 4, at most 40 */
	__u8 optlen;
};

void pb_ip4(struct pb *b, const struct pb_ip4 *h);
void pb_ip6(struct pb *b, const struct pb_ip6 *h);
/* Hop-by-hop (0), routing (43) or destination options (60); @len a multiple of 8. */
void pb_ip6_ext(struct pb *b, __u8 type, __u32 len);
void pb_ip6_frag(struct pb *b, __u16 off, bool mf, __u32 id);
/* Authentication header (51); @len a multiple of 8, at least 16. */
void pb_ip6_ah(struct pb *b, __u32 len, __u32 spi);
/* Set the pending next-header/protocol byte without appending a header. */
void pb_next(struct pb *b, __u8 proto);
void pb_tcp(struct pb *b, const struct pb_tcp *h);
void pb_udp(struct pb *b, __u16 sport, __u16 dport);
/* ICMP (IPv4) or ICMPv6 (IPv6) with the 4-byte rest-of-header id/seq. */
void pb_icmp(struct pb *b, __u8 type, __u8 code, __u16 id, __u16 seq);
void pb_data(struct pb *b, const void *p, __u32 n);
/* @n bytes of a pattern that depends on @seed. */
void pb_fill(struct pb *b, __u32 n, __u8 seed);
/* Lengths and checksums; returns the packet length. */
__u32 pb_finish(struct pb *b);

/* Internet checksum of @n bytes, folded and complemented. */
__u16 pb_csum(const __u8 *p, __u32 n, __u32 sum);

/* ::ffff:a.b.c.d */
void pb_mapped(__u8 out[16], const __u8 v4[4]);

#endif /* STRATA_TEST_PKTBUILD_H */
