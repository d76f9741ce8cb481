// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Test packet builder: writes headers in wire order and patches lengths,
 * next-header bytes and checksums so that only the tested field is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A builder bug must stop the test run, not produce a silently odd packet. */
static __u8 *room(struct pb *b, __u32 n)
{
	__u8 *p;

	if (b->len + n > PB_MAX) {
		fprintf(stderr, "pktbuild: packet over %u bytes\n", PB_MAX);
		abort();
	}
	p = b->d + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

static void link_next(struct pb *b, __u8 proto)
{
	if (b->nh_at)
		b->d[b->nh_at] = proto;
}

void pb_mapped(__u8 out[16], const __u8 v4[4])
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

void pb_ip4(struct pb *b, const struct pb_ip4 *h)
{
	__u32 hl = 20 + h->optlen;
	__u8 *p;

	if (h->optlen % 4 || h->optlen > 40 || h->frag_off % 8) {
		fprintf(stderr, "pktbuild: bad IPv4 options or offset\n");
		abort();
	}
	memset(b, 0, sizeof(*b));
	b->family = 4;
	p = room(b, hl);
	p[0] = 0x40 | hl / 4;
	p[1] = h->tos;
	put16(p + 4, h->id);
	put16(p + 6, (h->df ? 0x4000 : 0) | (h->mf ? 0x2000 : 0) |
		     h->frag_off / 8);
	p[8] = h->ttl;
	p[9] = h->proto;
	memcpy(p + 12, h->src, 4);
	memcpy(p + 16, h->dst, 4);
	if (h->optlen)
		memcpy(p + 20, h->opt, h->optlen);
	b->nh_at = 9;
	b->ip_end = hl;
}

void pb_ip6(struct pb *b, const struct pb_ip6 *h)
{
	__u8 *p;

	memset(b, 0, sizeof(*b));
	b->family = 6;
	p = room(b, 40);
	put32(p, 6u << 28 | (__u32)h->tclass << 20 | (h->flow & 0xfffff));
	p[6] = 59;
	p[7] = h->hlim;
	memcpy(p + 8, h->src, 16);
	memcpy(p + 24, h->dst, 16);
	b->nh_at = 6;
	b->ip_end = 40;
}

void pb_ip6_ext(struct pb *b, __u8 type, __u32 len)
{
	__u32 off = b->len;
	__u8 *p;

	if (len < 8 || len % 8 || len > 2048) {
		fprintf(stderr, "pktbuild: bad extension header length %u\n", len);
		abort();
	}
	link_next(b, type);
	p = room(b, len);
	p[0] = 59;
	p[1] = len / 8 - 1;
	if (type == 43) {
		/* Routing type 4 (SRH-like) with no segments left: skipped as is. */
		p[2] = 4;
		p[3] = 0;
	} else {
		/* Hop-by-hop and destination options: one PadN covering the rest. */
		p[2] = 1;
		p[3] = len - 4;
	}
	b->nh_at = off;
	b->ip_end = b->len;
	b->ip6_exthdrs++;
}

void pb_ip6_frag(struct pb *b, __u16 off, bool mf, __u32 id)
{
	__u32 at = b->len;
	__u8 *p;

	if (off % 8) {
		fprintf(stderr, "pktbuild: fragment offset %u not a multiple of 8\n", off);
		abort();
	}
	link_next(b, 44);
	p = room(b, 8);
	p[0] = 59;
	put16(p + 2, off | (mf ? 1 : 0));
	put32(p + 4, id);
	b->nh_at = at;
	b->ip_end = b->len;
	b->ip6_exthdrs++;
}

void pb_ip6_ah(struct pb *b, __u32 len, __u32 spi)
{
	__u32 at = b->len;
	__u8 *p;

	if (len < 16 || len % 8 || len > 1024) {
		fprintf(stderr, "pktbuild: bad AH length %u\n", len);
		abort();
	}
	link_next(b, 51);
	p = room(b, len);
	p[0] = 59;
	p[1] = len / 4 - 2;	/* AH counts 32-bit words, minus 2 (RFC 4302) */
	put32(p + 4, spi);
	put32(p + 8, 1);
	b->nh_at = at;
	b->ip_end = b->len;
	b->ip6_exthdrs++;
}

void pb_next(struct pb *b, __u8 proto)
{
	link_next(b, proto);
	b->nh_at = 0;
}

void pb_tcp(struct pb *b, const struct pb_tcp *h)
{
	__u8 *p;

	if (h->optlen % 4 || h->optlen > 40) {
		fprintf(stderr, "pktbuild: bad TCP option length %u\n", h->optlen);
		abort();
	}
	link_next(b, 6);
	b->nh_at = 0;
	b->l4_off = b->len;
	b->l4_proto = 6;
	p = room(b, 20 + h->optlen);
	put16(p, h->sport);
	put16(p + 2, h->dport);
	put32(p + 4, h->seq);
	put32(p + 8, h->ack);
	p[12] = (20 + h->optlen) / 4 << 4;
	p[13] = h->flags;
	put16(p + 14, h->win);
	if (h->optlen)
		memcpy(p + 20, h->opt, h->optlen);
}

void pb_udp(struct pb *b, __u16 sport, __u16 dport)
{
	__u8 *p;

	link_next(b, 17);
	b->nh_at = 0;
	b->l4_off = b->len;
	b->l4_proto = 17;
	p = room(b, 8);
	put16(p, sport);
	put16(p + 2, dport);
}

void pb_icmp(struct pb *b, __u8 type, __u8 code, __u16 id, __u16 seq)
{
	__u8 proto = b->family == 6 ? 58 : 1;
	__u8 *p;

	link_next(b, proto);
	b->nh_at = 0;
	b->l4_off = b->len;
	b->l4_proto = proto;
	p = room(b, 8);
	p[0] = type;
	p[1] = code;
	put16(p + 4, id);
	put16(p + 6, seq);
}

void pb_data(struct pb *b, const void *src, __u32 n)
{
	memcpy(room(b, n), src, n);
}

void pb_fill(struct pb *b, __u32 n, __u8 seed)
{
	__u8 *p = room(b, n);
	__u32 i;

	for (i = 0; i < n; i++)
		p[i] = (__u8)(seed + i * 7 + (i >> 8));
}

__u16 pb_csum(const __u8 *p, __u32 n, __u32 sum)
{
	__u32 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (__u32)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Pseudo-header sum for the L4 checksum (folded later by pb_csum). */
static __u32 pseudo_sum(const struct pb *b, __u32 l4len)
{
	const __u8 *a = b->family == 4 ? b->d + 12 : b->d + 8;
	__u32 alen = b->family == 4 ? 8 : 32;
	__u32 sum = 0, i;

	for (i = 0; i < alen; i += 2)
		sum += (__u32)a[i] << 8 | a[i + 1];
	return sum + b->l4_proto + (l4len & 0xffff) + (l4len >> 16);
}

__u32 pb_finish(struct pb *b)
{
	__u8 *p = b->d;

	if (b->family == 4) {
		put16(p + 2, b->len);
		p[10] = p[11] = 0;
		put16(p + 10, pb_csum(p, (p[0] & 0xf) * 4, 0));
	} else {
		put16(p + 4, b->len - 40);
	}
	if (b->l4_off) {
		__u8 *l4 = p + b->l4_off;
		__u32 l4len = b->len - b->l4_off;
		int at = -1;

		switch (b->l4_proto) {
		case 6:
			at = 16;
			break;
		case 17:
			put16(l4 + 4, l4len);
			at = 6;
			break;
		case 1:
		case 58:
			at = 2;
			break;
		}
		l4[at] = l4[at + 1] = 0;
		put16(l4 + at, pb_csum(l4, l4len, b->l4_proto == 1 ? 0 :
				       pseudo_sum(b, l4len)));
	}
	return b->len;
}
