// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Malformed packets: frames injected on A's veth that B's stack hands to
 * PRE_ROUTING or drops before it, and bad IP_HDRINCL output at LOCAL_OUT.
 */
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sched.h>

#include "strata_selftest.h"
#include "core/fingerprint.h"

#define MARK_PORT 9100

/*
 * Sources B has no route back to: whatever B would answer (ICMP parameter
 * problem, port unreachable) cannot be sent, so B counts only what arrives.
 */
#define SRC4 { 198, 51, 100, 7 }
#define SRC6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 }

FIXTURE(inject) {
	struct strata_pair p;
	int pkt;		/* AF_PACKET in A, on va */
	int ifindex;
	int mark_rx;		/* UDP in B, receives the markers */
};

FIXTURE_SETUP(inject)
{
	cpu_set_t one;
	int old;

	self->pkt = self->mark_rx = -1;
	/*
	 * One CPU: the veth queues each frame to this CPU's backlog, so a
	 * marker sent after a frame is processed after it.
	 */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, strata_module_load()) TH_LOG("insmod %s failed", strata_ko());
	ASSERT_EQ(0, strata_pair_setup(&self->p, "bad"));
	old = strata_netns_enter(self->p.a);
	ASSERT_LE(0, old);
	self->ifindex = (int)if_nametoindex("va");
	self->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	strata_netns_leave(old);
	ASSERT_LT(0, self->ifindex);
	ASSERT_LE(0, self->pkt) TH_LOG("AF_PACKET socket: %s", strerror(errno));
	self->mark_rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, MARK_PORT);
	ASSERT_LE(0, self->mark_rx);
}

FIXTURE_TEARDOWN(inject)
{
	if (self->pkt >= 0)
		close(self->pkt);
	if (self->mark_rx >= 0)
		close(self->mark_rx);
	strata_pair_teardown(&self->p);
}

/* ---- packet building ---- */

static const uint8_t amac[6] = { 2, 0, 0, 0, 0x99, 0x0a };
static const uint8_t bmac[6] = { 2, 0, 0, 0, 0x99, 0x0b };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A frame: Ethernet to B, then the IP packet. */
struct frame {
	uint8_t b[256];
	size_t len;
};

static uint8_t *eth(struct frame *f, uint16_t type)
{
	memcpy(f->b, bmac, 6);
	memcpy(f->b + 6, amac, 6);
	put16(f->b + 12, type);
	return f->b + 14;
}

static void ip4_sum(uint8_t *ip)
{
	size_t ihl = (ip[0] & 15) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, strata_csum16(ip, ihl, 0));
}

/*
 * IPv4 from SRC4 (or A's address) to B: header with @optlen option bytes,
 * then @l4 (@l4len bytes) of protocol @proto; total length and checksum right.
 */
static uint8_t *ip4(struct frame *f, int from_a, uint8_t proto, const uint8_t *opt,
		    size_t optlen, const uint8_t *l4, size_t l4len)
{
	static const uint8_t src[4] = SRC4, a[4] = { 10, 99, 0, 1 }, b[4] = { 10, 99, 0, 2 };
	uint8_t *ip = eth(f, ETH_P_IP);
	size_t ihl = 20 + optlen;

	memset(ip, 0, ihl);
	ip[0] = 0x40 | (uint8_t)(ihl / 4);
	put16(ip + 2, (uint16_t)(ihl + l4len));
	put16(ip + 4, 0x5354);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, from_a ? a : src, 4);
	memcpy(ip + 16, b, 4);
	memcpy(ip + 20, opt, optlen);
	memcpy(ip + ihl, l4, l4len);
	ip4_sum(ip);
	f->len = 14 + ihl + l4len;
	return ip;
}

/* IPv6 from SRC6 to B, next header @nh, @pl (@pllen bytes) as payload. */
static uint8_t *ip6(struct frame *f, uint8_t nh, const uint8_t *pl, size_t pllen)
{
	static const uint8_t src[16] = SRC6;
	static const uint8_t b[16] = { 0xfd, 0, 0, 0x99, [15] = 2 };
	uint8_t *ip = eth(f, ETH_P_IPV6);

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)pllen);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, b, 16);
	memcpy(ip + 40, pl, pllen);
	f->len = 14 + 40 + pllen;
	return ip;
}

/* ---- the cases ---- */

enum { DROPPED, MALFORMED };

struct bad {
	const char *name;
	int expect;	/* DROPPED: ip_rcv/ip6_rcv drop it before PRE_ROUTING */
	void (*build)(struct frame *f);
};

static const uint8_t udp_ok[12] = { 0x30, 0x39, 0x23, 0x28, 0, 12 };	/* 8 + 4, csum 0 */
static const uint8_t tcp_doff4[20] = { 0x30, 0x39, 0x23, 0x28, [12] = 0x40, [13] = 0x02 };

static void b_ipopt(struct frame *f)
{
	/* Record Route claiming 8 bytes in a 4-byte option area. */
	static const uint8_t opt[4] = { 7, 8, 4, 0 };

	ip4(f, 0, IPPROTO_UDP, opt, sizeof(opt), udp_ok, sizeof(udp_ok));
}

static void b_tcp_doff(struct frame *f)
{
	ip4(f, 0, IPPROTO_TCP, NULL, 0, tcp_doff4, sizeof(tcp_doff4));
}

static void b_tcp_short(struct frame *f)
{
	ip4(f, 0, IPPROTO_TCP, NULL, 0, tcp_doff4, 12);
}

static void b_tcp_optlen(struct frame *f)
{
	static const uint8_t tcp[24] = { 0x30, 0x39, 0x23, 0x28, [12] = 0x60, [13] = 0x02,
					 [20] = 2, [21] = 0 };

	ip4(f, 0, IPPROTO_TCP, NULL, 0, tcp, sizeof(tcp));
}

static void b_udp_long(struct frame *f)
{
	uint8_t udp[12];

	memcpy(udp, udp_ok, sizeof(udp));
	put16(udp + 4, 100);
	ip4(f, 0, IPPROTO_UDP, NULL, 0, udp, sizeof(udp));
}

static void b_udp_short(struct frame *f)
{
	uint8_t udp[12];

	memcpy(udp, udp_ok, sizeof(udp));
	put16(udp + 4, 4);
	ip4(f, 0, IPPROTO_UDP, NULL, 0, udp, sizeof(udp));
}

static void b_icmp_short(struct frame *f)
{
	static const uint8_t icmp[4] = { 8, 0 };

	ip4(f, 0, IPPROTO_ICMP, NULL, 0, icmp, sizeof(icmp));
}

static void b6_dstopts(struct frame *f)
{
	/* Destination options of 32 bytes in an 8-byte payload. */
	static const uint8_t pl[8] = { IPPROTO_UDP, 3, 1, 4 };

	ip6(f, 60, pl, sizeof(pl));
}

static void b6_udp_long(struct frame *f)
{
	uint8_t udp[12];

	memcpy(udp, udp_ok, sizeof(udp));
	put16(udp + 4, 100);
	ip6(f, IPPROTO_UDP, udp, sizeof(udp));
}

static void b6_tcp_doff(struct frame *f)
{
	ip6(f, IPPROTO_TCP, tcp_doff4, sizeof(tcp_doff4));
}

static void d_ihl4(struct frame *f)
{
	uint8_t *ip = ip4(f, 0, IPPROTO_UDP, NULL, 0, udp_ok, sizeof(udp_ok));

	ip[0] = 0x44;
	ip4_sum(ip);
}

static void d_totlen_long(struct frame *f)
{
	uint8_t *ip = ip4(f, 0, IPPROTO_UDP, NULL, 0, udp_ok, sizeof(udp_ok));

	put16(ip + 2, 200);
	ip4_sum(ip);
}

static void d_totlen_below_ihl(struct frame *f)
{
	uint8_t *ip = ip4(f, 0, IPPROTO_UDP, NULL, 0, udp_ok, sizeof(udp_ok));

	put16(ip + 2, 16);
	ip4_sum(ip);
}

static void d_csum(struct frame *f)
{
	uint8_t *ip = ip4(f, 0, IPPROTO_UDP, NULL, 0, udp_ok, sizeof(udp_ok));

	ip[10] ^= 0x55;
}

static void d_version5(struct frame *f)
{
	uint8_t *ip = ip4(f, 0, IPPROTO_UDP, NULL, 0, udp_ok, sizeof(udp_ok));

	ip[0] = 0x55;
	ip4_sum(ip);
}

static void d_runt(struct frame *f)
{
	ip4(f, 0, IPPROTO_UDP, NULL, 0, udp_ok, sizeof(udp_ok));
	f->len = 14 + 12;
}

static void d6_plen_long(struct frame *f)
{
	uint8_t *ip = ip6(f, IPPROTO_UDP, udp_ok, sizeof(udp_ok));

	put16(ip + 4, 200);
}

static void d6_version4(struct frame *f)
{
	uint8_t *ip = ip6(f, IPPROTO_UDP, udp_ok, sizeof(udp_ok));

	ip[0] = 0x40;
}

static void d6_hopopts(struct frame *f)
{
	/* Hop-by-hop options are parsed in ip6_rcv_core, before PRE_ROUTING. */
	static const uint8_t pl[8] = { IPPROTO_UDP, 3, 1, 4 };

	ip6(f, 0, pl, sizeof(pl));
}

static const struct bad cases[] = {
	{ "IPv4 option length past the header", MALFORMED, b_ipopt },
	{ "TCP data offset 4", MALFORMED, b_tcp_doff },
	{ "TCP header cut by the IP total length", MALFORMED, b_tcp_short },
	{ "TCP option length 0", MALFORMED, b_tcp_optlen },
	{ "UDP length past the datagram", MALFORMED, b_udp_long },
	{ "UDP length below 8", MALFORMED, b_udp_short },
	{ "ICMP header cut by the IP total length", MALFORMED, b_icmp_short },
	{ "IPv6 destination options past the payload", MALFORMED, b6_dstopts },
	{ "IPv6 UDP length past the datagram", MALFORMED, b6_udp_long },
	{ "IPv6 TCP data offset 4", MALFORMED, b6_tcp_doff },
	{ "IPv4 IHL 4", DROPPED, d_ihl4 },
	{ "IPv4 total length past the frame", DROPPED, d_totlen_long },
	{ "IPv4 total length below the header", DROPPED, d_totlen_below_ihl },
	{ "IPv4 bad header checksum", DROPPED, d_csum },
	{ "IPv4 version 5", DROPPED, d_version5 },
	{ "IPv4 header cut short (12 bytes)", DROPPED, d_runt },
	{ "IPv6 payload length past the frame", DROPPED, d6_plen_long },
	{ "IPv6 version 4", DROPPED, d6_version4 },
	{ "IPv6 hop-by-hop options past the payload", DROPPED, d6_hopopts },
};

static int send_frame(FIXTURE_DATA(inject) *self, const struct frame *f)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = self->ifindex,
		.sll_halen = 6,
	};

	memcpy(ll.sll_addr, bmac, 6);
	ll.sll_protocol = htons((uint16_t)(f->b[12] << 8 | f->b[13]));
	if (sendto(self->pkt, f->b, f->len, 0, (struct sockaddr *)&ll, sizeof(ll)) !=
	    (ssize_t)f->len)
		return -errno;
	return 0;
}

/*
 * A good UDP datagram from A to B, injected the same way: once B has
 * received it, B has processed every frame sent before it.
 */
static int send_marker(struct __test_metadata *_metadata, FIXTURE_DATA(inject) *self)
{
	static const uint8_t udp[12] = { 0x30, 0x39, MARK_PORT >> 8, MARK_PORT & 0xff, 0, 12 };
	struct frame f;
	char buf[64];

	ip4(&f, 1, IPPROTO_UDP, NULL, 0, udp, sizeof(udp));
	if (send_frame(self, &f))
		return -1;
	if (recv(self->mark_rx, buf, sizeof(buf), 0) != 4) {
		TH_LOG("marker not received in B: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Each case is injected alone, followed by a marker. Cases that reach the
 * hook must count as seen and malformed; cases the stack drops first must
 * not be seen at all (this documents what reaches PRE_ROUTING).
 */
TEST_F_TIMEOUT(inject, prerouting, 120)
{
	struct strata_procstats b0, b1, a0, a1, want, zero = { 0 };
	struct strata_fp marker_fp;
	size_t i, failed = 0;
	struct frame f;

	/* The marker's payload: the last 4 of its 12 UDP bytes, all zero. */
	strata_fp_compute((const __u8 *)"\0\0\0\0", 4, &marker_fp);
	ASSERT_EQ(0, strata_stats_read(self->p.a, &a0));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, strata_stats_read(self->p.b, &b0));
		memset(&f, 0, sizeof(f));
		cases[i].build(&f);
		ASSERT_EQ(0, send_frame(self, &f)) TH_LOG("%s: sendto", cases[i].name);
		ASSERT_EQ(0, send_marker(_metadata, self));
		ASSERT_EQ(0, strata_stats_read(self->p.b, &b1));

		memset(&want, 0, sizeof(want));
		want.seen = want.parsed = want.ipv4 = 1;	/* the marker */
		want.fingerprints = 1;				/* its 4 payload bytes */
		want.fp_sum = marker_fp.hash;
		if (cases[i].expect == MALFORMED) {
			want.seen++;
			want.malformed++;
		}
		strata_stats_any_flows(&want);
		b1 = strata_stats_sub(&b1, &b0);
		if (!strata_stats_match(&want, &b1)) {
			TH_LOG("%s: expected %s; B's counters moved by (marker included):",
			       cases[i].name, cases[i].expect == MALFORMED ?
			       "to reach PRE_ROUTING and count as malformed" :
			       "the stack to drop it before PRE_ROUTING");
			strata_stats_print("B", &b1);
			failed++;
		}
	}
	/* AF_PACKET bypasses A's IP stack: A's hooks saw none of it. */
	ASSERT_EQ(0, strata_stats_read(self->p.a, &a1));
	ASSERT_STATS("A (AF_PACKET goes past LOCAL_OUT)", zero, strata_stats_sub(&a1, &a0));
	ASSERT_EQ(0, failed);
}

/*
 * IP_HDRINCL: raw_send_hdrinc() rejects IHL < 5 and rewrites the total
 * length and checksum, but passes the rest through LOCAL_OUT unchecked. The
 * destination, 10.99.0.3, is on A's link but has no neighbour entry: with ARP
 * off the frame leaves with A's own MAC and B drops it as not for it, so
 * only A's LOCAL_OUT sees these.
 */
TEST_F_TIMEOUT(inject, local_out_hdrincl, 60)
{
	static const struct {
		const char *name;
		uint8_t ver_ihl;
		uint8_t proto;
		uint8_t l4[48];
		size_t l4len;
		int malformed;
	} hc[] = {
		{ "TCP data offset 4", 0x45, IPPROTO_TCP,
		  { 0x30, 0x39, 0x23, 0x28, [12] = 0x40, [13] = 0x02 }, 20, 1 },
		{ "UDP length past the datagram", 0x45, IPPROTO_UDP,
		  { 0x30, 0x39, 0x23, 0x28, 0, 100 }, 12, 1 },
		{ "IPv4 option length past the header", 0x46, IPPROTO_UDP,
		  { 7, 8, 4, 0, 0x30, 0x39, 0x23, 0x28, 0, 12 }, 16, 1 },
		/*
		 * An IPv4 hook handed a header whose version is not 4: the
		 * parser's contract (parse.h) calls a bad version malformed.
		 */
		{ "version 5 in an IPv4 header", 0x55, IPPROTO_UDP,
		  { 0x30, 0x39, 0x23, 0x28, 0, 12 }, 12, 1 },
		/*
		 * Bytes 4-7 read as IPv6 payload length 8, next header UDP:
		 * a parser that trusts the version nibble sees IPv6 + UDP.
		 */
		{ "version 6 in an IPv4 header", 0x65, IPPROTO_UDP,
		  { [20] = 0x30, 0x39, 0x23, 0x28, 0, 8 }, 28, 1 },
	};
	struct sockaddr_storage dst;
	socklen_t dl = strata_sockaddr(AF_INET, "10.99.0.3", 0, &dst);
	struct strata_procstats a0, a1, want;
	size_t i, failed = 0;
	int fd, one = 1;

	fd = strata_socket_in(self->p.a, AF_INET, SOCK_RAW, IPPROTO_RAW);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)));
	for (i = 0; i < sizeof(hc) / sizeof(hc[0]); i++) {
		uint8_t pkt[128] = { 0 };
		size_t len = 20 + hc[i].l4len;

		pkt[0] = hc[i].ver_ihl;
		if (hc[i].ver_ihl >> 4 == 6) {
			pkt[5] = 8;			/* IPv4 id: IPv6 payload length */
			pkt[6] = IPPROTO_UDP;		/* IPv4 flags: IPv6 next header */
		}
		pkt[8] = 64;
		pkt[9] = hc[i].proto;
		memcpy(pkt + 12, (uint8_t[4]){ 10, 99, 0, 1 }, 4);
		memcpy(pkt + 16, (uint8_t[4]){ 10, 99, 0, 3 }, 4);
		memcpy(pkt + 20, hc[i].l4, hc[i].l4len);
		ASSERT_EQ(0, strata_stats_read(self->p.a, &a0));
		ASSERT_EQ((ssize_t)len, sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, dl))
			TH_LOG("%s: sendto: %s", hc[i].name, strerror(errno));
		ASSERT_EQ(0, strata_stats_read(self->p.a, &a1));
		memset(&want, 0, sizeof(want));
		want.seen = 1;
		want.malformed = (uint64_t)hc[i].malformed;
		a1 = strata_stats_sub(&a1, &a0);
		if (memcmp(&a1, &want, sizeof(want))) {
			TH_LOG("%s: expected A's LOCAL_OUT to count it as malformed; moved by:",
			       hc[i].name);
			strata_stats_print("A", &a1);
			failed++;
		}
	}
	close(fd);
	ASSERT_EQ(0, failed);
}

/*
 * A fragment of a datagram: IPv4 (or IPv6 with a fragment header) from the
 * foreign source to B, identification 0x4242, @off bytes in, @len bytes of
 * @data, more fragments following when @mf.
 */
static void frag(struct frame *f, int family, uint16_t off, bool mf,
		 const uint8_t *data, size_t len)
{
	if (family == AF_INET) {
		uint8_t *ip = ip4(f, 0, IPPROTO_UDP, NULL, 0, data, len);

		put16(ip + 4, 0x4242);
		put16(ip + 6, (uint16_t)((mf ? 0x2000 : 0) | off / 8));
		ip4_sum(ip);
	} else {
		uint8_t pl[8 + 64] = { IPPROTO_UDP, 0 };

		put16(pl + 2, (uint16_t)(off | (mf ? 1 : 0)));
		pl[4] = pl[5] = 0;
		pl[6] = 0x42;
		pl[7] = 0x42;
		memcpy(pl + 8, data, len);
		ip6(f, IPPROTO_FRAGMENT, pl, 8 + len);
	}
}

/*
 * Overlapping fragments: the first fragment counts as a parsed fragment;
 * a second one whose bytes overlap it counts as malformed (the reassembly
 * after the hook drops it, RFC 5722), in both families.
 */
TEST_F(inject, overlapping_fragments)
{
	static const uint8_t first[24] = { 0x30, 0x39, 0x23, 0x28, 0, 40 };	/* UDP, 40 bytes */
	static const uint8_t later[16] = { 1, 2, 3, 4 };
	struct strata_procstats b0, b1, b2, d, want;
	int fam, families[2] = { AF_INET, AF_INET6 };
	struct frame f;

	for (fam = 0; fam < 2; fam++) {
		ASSERT_EQ(0, strata_stats_read(self->p.b, &b0));
		frag(&f, families[fam], 0, true, first, sizeof(first));
		ASSERT_EQ(0, send_frame(self, &f));
		ASSERT_EQ(0, send_marker(_metadata, self));
		ASSERT_EQ(0, strata_stats_read(self->p.b, &b1));
		/* 16 bytes at offset 16: inside the first fragment's 0..24. */
		frag(&f, families[fam], 16, true, later, sizeof(later));
		ASSERT_EQ(0, send_frame(self, &f));
		ASSERT_EQ(0, send_marker(_metadata, self));
		ASSERT_EQ(0, strata_stats_read(self->p.b, &b2));

		memset(&want, 0, sizeof(want));
		want.seen = want.parsed = 2;		/* the fragment, the marker */
		want.fragments = 1;
		want.ipv4 = families[fam] == AF_INET ? 2 : 1;
		want.ipv6 = families[fam] == AF_INET6 ? 1 : 0;
		want.fingerprints = want.fp_sum = STRATA_ANY;
		want.records = want.ring_drops = STRATA_ANY;
		strata_stats_any_flows(&want);
		d = strata_stats_sub(&b1, &b0);
		ASSERT_STATS(families[fam] == AF_INET ? "IPv4 first fragment" :
			     "IPv6 first fragment", want, d);
		memset(&want, 0, sizeof(want));
		want.seen = 2;
		want.malformed = 1;			/* the overlapping fragment */
		want.parsed = want.ipv4 = 1;		/* the marker */
		want.fingerprints = want.fp_sum = STRATA_ANY;
		want.records = want.ring_drops = STRATA_ANY;
		strata_stats_any_flows(&want);
		d = strata_stats_sub(&b2, &b1);
		ASSERT_STATS(families[fam] == AF_INET ? "IPv4 overlapping fragment" :
			     "IPv6 overlapping fragment", want, d);
	}
}

TEST_HARNESS_MAIN
