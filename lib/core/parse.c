// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Header parsing shared by strata.ko and libstrata. Every read is checked
 * against the captured length first, and every length field against the packet.
 */
#include "parse.h"

/* IPv6 extension headers and the IPPROTO numbers strata cares about. */
#define NH_HOPOPTS	0
#define NH_ICMP		1
#define NH_TCP		6
#define NH_UDP		17
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_ESP		50
#define NH_AH		51
#define NH_ICMPV6	58
#define NH_NONE		59
#define NH_DSTOPTS	60
#define NH_SCTP		132
#define NH_MOBILITY	135
#define NH_UDPLITE	136
#define NH_HIP		139
#define NH_SHIM6	140
#define NH_EXP1		253
#define NH_EXP2		254

/*
 * Bound on the IPv6 extension header chain. A longer chain is legal but only
 * seen in attacks; stopping keeps the per-packet work bounded.
 */
#define MAX_EXTHDRS	16

/*
 * need() - can @len bytes at @off be read? A region past the datagram is a
 * malformed packet, a region inside it but past the capture a truncated one.
 */
static inline enum strata_parse_status need(__u32 off, __u32 len, __u32 end,
					    __u32 caplen)
{
	if ((__u64)off + len > end)
		return STRATA_PARSE_MALFORMED;
	if ((__u64)off + len > caplen)
		return STRATA_PARSE_TRUNCATED;
	return STRATA_PARSE_OK;
}

static void set_payload(struct strata_pkt *p, __u32 off)
{
	p->payload_off = off;
	p->payload_len = p->ip_len - off;
}

static enum strata_parse_status parse_tcp_options(const __u8 *o, __u32 len,
						  struct strata_pkt *p)
{
	__u32 i = 0;

	while (i < len) {
		__u8 kind = o[i], olen;

		if (kind == 0)		/* end of option list */
			break;
		if (kind == 1) {	/* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= len)
			return STRATA_PARSE_MALFORMED;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			return STRATA_PARSE_MALFORMED;
		/*
		 * A known option with the wrong length is ignored rather than
		 * failing the packet: its other fields are still good, and the
		 * walk can go on because the length byte itself is sane.
		 */
		switch (kind) {
		case 2:
			if (olen == 4) {
				p->tcp_opts |= STRATA_TCPOPT_MSS;
				p->tcp_mss = strata_be16(o + i + 2);
			}
			break;
		case 3:
			if (olen == 3) {
				p->tcp_opts |= STRATA_TCPOPT_WSCALE;
				p->tcp_wscale = o[i + 2];
			}
			break;
		case 4:
			if (olen == 2)
				p->tcp_opts |= STRATA_TCPOPT_SACK_PERM;
			break;
		case 5:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				p->tcp_opts |= STRATA_TCPOPT_SACK;
				p->tcp_sack_blocks = (olen - 2) / 8;
			}
			break;
		case 8:
			if (olen == 10) {
				p->tcp_opts |= STRATA_TCPOPT_TS;
				p->tcp_tsval = strata_be32(o + i + 2);
				p->tcp_tsecr = strata_be32(o + i + 6);
			}
			break;
		default:
			p->tcp_opts |= STRATA_TCPOPT_OTHER;
			break;
		}
		i += olen;
	}
	return STRATA_PARSE_OK;
}

static enum strata_parse_status parse_l4(const __u8 *d, __u32 caplen,
					 __u32 off, struct strata_pkt *p)
{
	__u32 end = p->ip_len;
	enum strata_parse_status st;
	const __u8 *h = d + off;

	p->l4_off = off;
	switch (p->proto) {
	case NH_TCP: {
		__u32 doff;

		st = need(off, 20, end, caplen);
		if (st)
			return st;
		p->sport = strata_be16(h);
		p->dport = strata_be16(h + 2);
		p->tcp_seq = strata_be32(h + 4);
		p->tcp_ack = strata_be32(h + 8);
		p->tcp_flags = h[13];
		p->tcp_window = strata_be16(h + 14);
		doff = (h[12] >> 4) * 4;
		if (doff < 20)
			return STRATA_PARSE_MALFORMED;
		st = need(off, doff, end, caplen);
		if (st)
			return st;
		st = parse_tcp_options(h + 20, doff - 20, p);
		if (st)
			return st;
		set_payload(p, off + doff);
		break;
	}
	case NH_UDP:
	case NH_UDPLITE: {
		__u32 ulen;

		st = need(off, 8, end, caplen);
		if (st)
			return st;
		p->sport = strata_be16(h);
		p->dport = strata_be16(h + 2);
		ulen = strata_be16(h + 4);
		set_payload(p, off + 8);
		/*
		 * UDP's length must fit the datagram; shorter means bytes after
		 * the UDP payload, which are not payload. Zero is only allowed
		 * in an IPv6 jumbogram, whose payload does not fit 16 bits
		 * (RFC 2675). UDP-Lite's field is checksum coverage instead.
		 */
		if (p->proto == NH_UDP) {
			if (!ulen && !(p->family == 6 && end - off > 0xffff))
				return STRATA_PARSE_MALFORMED;
			if (ulen && ulen < 8)
				return STRATA_PARSE_MALFORMED;
			/*
			 * A first fragment's UDP length covers the whole
			 * datagram; its own payload is what it carries.
			 */
			if (ulen && !(p->flags & STRATA_PKT_MF)) {
				if (ulen > end - off)
					return STRATA_PARSE_MALFORMED;
				p->payload_len = ulen - 8;
			}
		}
		break;
	}
	case NH_SCTP:
		st = need(off, 12, end, caplen);
		if (st)
			return st;
		p->sport = strata_be16(h);
		p->dport = strata_be16(h + 2);
		set_payload(p, off + 12);
		break;
	case NH_ICMP:
	case NH_ICMPV6: {
		bool echo;

		st = need(off, 8, end, caplen);
		if (st)
			return st;
		p->icmp_type = h[0];
		p->icmp_code = h[1];
		if (p->proto == NH_ICMP)
			echo = h[0] == 8 || h[0] == 0;
		else
			echo = h[0] == 128 || h[0] == 129;
		/*
		 * Echo request and reply share the identifier, so keying on it
		 * makes them one conversation; other messages key on type/code.
		 */
		if (echo) {
			p->sport = strata_be16(h + 4);
			p->dport = p->sport;
		} else {
			p->dport = (__u16)(h[0] << 8 | h[1]);
		}
		set_payload(p, off + 8);
		break;
	}
	case NH_ESP:
		p->flags |= STRATA_PKT_ESP;
		fallthrough;
	default:
		/* Not parsed: the rest is payload, with no ports. */
		set_payload(p, off);
		return STRATA_PARSE_OK;
	}
	p->flags |= STRATA_PKT_L4;
	return STRATA_PARSE_OK;
}

static enum strata_parse_status parse_ipv4(const __u8 *d, __u32 caplen,
					   __u32 wirelen, struct strata_pkt *p)
{
	__u32 ihl, tot, frag, i;

	if (wirelen < 20)
		return STRATA_PARSE_MALFORMED;
	if (caplen < 20)
		return STRATA_PARSE_TRUNCATED;
	ihl = (d[0] & 0x0f) * 4;
	tot = strata_be16(d + 2);
	/*
	 * Zero: the length is the packet's. A capture taken on a sender with
	 * segmentation offload shows its large segments so, and Linux's BIG
	 * TCP gives packets over 64 KiB a zero total length in the stack.
	 */
	if (!tot)
		tot = wirelen;
	if (ihl < 20 || tot < ihl || tot > wirelen)
		return STRATA_PARSE_MALFORMED;

	p->family = 4;
	p->tos = d[1];
	p->ip_len = tot;
	p->ip_id = strata_be16(d + 4);
	frag = strata_be16(d + 6);
	p->ttl = d[8];
	p->proto = d[9];
	p->saddr[10] = p->saddr[11] = 0xff;
	memcpy(p->saddr + 12, d + 12, 4);
	p->daddr[10] = p->daddr[11] = 0xff;
	memcpy(p->daddr + 12, d + 16, 4);
	if (tot < wirelen)
		p->flags |= STRATA_PKT_TRAILER;
	if (frag & 0x4000)
		p->flags |= STRATA_PKT_DF;
	if (frag & 0x2000)
		p->flags |= STRATA_PKT_MF;
	p->frag_off = (frag & 0x1fff) * 8;
	if (p->flags & STRATA_PKT_MF || p->frag_off)
		p->flags |= STRATA_PKT_FRAG;

	if (ihl > caplen)
		return STRATA_PARSE_TRUNCATED;
	if (ihl > 20) {
		p->flags |= STRATA_PKT_IPOPT;
		p->ip_opt_len = ihl - 20;
		/* Walk the option TLVs: a length that breaks the walk is malformed. */
		for (i = 20; i < ihl;) {
			if (d[i] == 0)
				break;
			if (d[i] == 1) {
				i++;
				continue;
			}
			if (i + 1 >= ihl || d[i + 1] < 2 || i + d[i + 1] > ihl)
				return STRATA_PARSE_MALFORMED;
			i += d[i + 1];
		}
	}
	if (p->frag_off) {
		p->flags |= STRATA_PKT_FRAG_LATER;
		p->l4_off = ihl;
		set_payload(p, ihl);
		return STRATA_PARSE_OK;
	}
	return parse_l4(d, caplen, ihl, p);
}

static enum strata_parse_status parse_ipv6(const __u8 *d, __u32 caplen,
					   __u32 wirelen, struct strata_pkt *p)
{
	enum strata_parse_status st;
	__u32 w0, off = 40, n;
	__u8 nh;

	if (wirelen < 40)
		return STRATA_PARSE_MALFORMED;
	if (caplen < 40)
		return STRATA_PARSE_TRUNCATED;
	w0 = strata_be32(d);
	p->family = 6;
	p->tos = (w0 >> 20) & 0xff;
	p->flow_label = w0 & 0xfffff;
	p->ip_len = 40 + strata_be16(d + 4);
	nh = d[6];
	p->ttl = d[7];
	memcpy(p->saddr, d + 8, 16);
	memcpy(p->daddr, d + 24, 16);
	/*
	 * A zero payload length is a jumbogram (RFC 2675): the real length is
	 * in a hop-by-hop option; take the packet's length instead.
	 */
	if (p->ip_len == 40 && nh == NH_HOPOPTS)
		p->ip_len = wirelen;
	if (p->ip_len > wirelen)
		return STRATA_PARSE_MALFORMED;
	if (p->ip_len < wirelen)
		p->flags |= STRATA_PKT_TRAILER;

	for (n = 0;; n++) {
		__u32 hlen;

		p->proto = nh;
		switch (nh) {
		case NH_HOPOPTS:
		case NH_ROUTING:
		case NH_DSTOPTS:
		case NH_MOBILITY:
		case NH_HIP:
		case NH_SHIM6:
		case NH_EXP1:
		case NH_EXP2:
		case NH_AH:
		case NH_FRAGMENT:
			break;
		case NH_ESP:
			p->flags |= STRATA_PKT_ESP;
			fallthrough;
		case NH_NONE:
			set_payload(p, off);
			goto done_ext;
		default:
			goto done_ext;
		}
		if (n == MAX_EXTHDRS)
			return STRATA_PARSE_MALFORMED;
		st = need(off, nh == NH_FRAGMENT ? 8 : 2, p->ip_len, caplen);
		if (st)
			return st;
		p->ip6_exthdrs++;
		p->flags |= STRATA_PKT_IPOPT;
		if (nh == NH_FRAGMENT) {
			__u16 fo = strata_be16(d + off + 2);

			p->frag_off = fo & 0xfff8;
			p->ip_id = strata_be32(d + off + 4);
			if (fo & 1)
				p->flags |= STRATA_PKT_MF;
			/* An atomic fragment (offset 0, no MF) is not fragmented. */
			if (p->frag_off || fo & 1)
				p->flags |= STRATA_PKT_FRAG;
			hlen = 8;
		} else if (nh == NH_AH) {
			hlen = (d[off + 1] + 2) * 4;
		} else {
			hlen = (d[off + 1] + 1) * 8;
		}
		/* The whole header must be at hand: what follows it is read next. */
		st = need(off, hlen, p->ip_len, caplen);
		if (st)
			return st;
		nh = d[off];
		off += hlen;
		p->ip_opt_len = off - 40;
		if (p->frag_off) {
			/* A later fragment: what follows is the middle of a payload. */
			p->proto = nh;
			p->flags |= STRATA_PKT_FRAG_LATER;
			p->l4_off = off;
			set_payload(p, off);
			return STRATA_PARSE_OK;
		}
	}
done_ext:
	if (p->payload_off) {
		p->l4_off = off;
		return STRATA_PARSE_OK;
	}
	return parse_l4(d, caplen, off, p);
}

enum strata_parse_status strata_parse(const __u8 *data, __u32 caplen,
				      __u32 wirelen, struct strata_pkt *pkt)
{
	enum strata_parse_status st;
	__u32 n;

	memset(pkt, 0, sizeof(*pkt));
	if (caplen > wirelen)
		caplen = wirelen;
	if (!caplen)
		return wirelen ? STRATA_PARSE_TRUNCATED : STRATA_PARSE_MALFORMED;
	switch (data[0] >> 4) {
	case 4:
		st = parse_ipv4(data, caplen, wirelen, pkt);
		break;
	case 6:
		st = parse_ipv6(data, caplen, wirelen, pkt);
		break;
	default:
		return STRATA_PARSE_UNSUPPORTED;
	}
	if (st == STRATA_PARSE_OK && pkt->flags & STRATA_PKT_L4) {
		n = strata_pkt_payload_caplen(pkt, caplen);
		if (n > STRATA_PKT_HEAD)
			n = STRATA_PKT_HEAD;
		memcpy(pkt->head, data + pkt->payload_off, n);
		pkt->head_len = n;
	}
	return st;
}
