// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * /proc/net/strata counts exactly what was sent: per family, per direction
 * (LOCAL_OUT in A, PRE_ROUTING in B), fragments, and per namespace.
 */
#include "strata_selftest.h"
#include "core/fingerprint.h"

#define PORT 9000

FIXTURE(pair) {
	struct strata_pair p;
	int rx4, rx6;	/* bound in B */
	int tx4, tx6;	/* in A */
};

FIXTURE_SETUP(pair)
{
	self->rx4 = self->rx6 = self->tx4 = self->tx6 = -1;
	ASSERT_EQ(0, strata_module_load()) TH_LOG("insmod %s failed", strata_ko());
	ASSERT_EQ(0, strata_pair_setup(&self->p, "cnt"));
	self->rx4 = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, PORT);
	ASSERT_LE(0, self->rx4) TH_LOG("UDP socket in B: %s", strerror(-self->rx4));
	self->rx6 = strata_udp_bound(self->p.b, AF_INET6, STRATA_B6, PORT);
	ASSERT_LE(0, self->rx6) TH_LOG("UDPv6 socket in B: %s", strerror(-self->rx6));
	self->tx4 = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, self->tx4);
	self->tx6 = strata_socket_in(self->p.a, AF_INET6, SOCK_DGRAM, 0);
	ASSERT_LE(0, self->tx6);
}

FIXTURE_TEARDOWN(pair)
{
	int *fds[] = { &self->rx4, &self->rx6, &self->tx4, &self->tx6 };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	strata_pair_teardown(&self->p);
}

/* Receive one datagram in B and check its length. */
static int recv_len(int fd, size_t want, char *why, size_t whylen)
{
	static char buf[65536];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n < 0) {
		snprintf(why, whylen, "recv in B: %s", strerror(errno));
		return -1;
	}
	if ((size_t)n != want) {
		snprintf(why, whylen, "B received %zd bytes, A sent %zu", n, want);
		return -1;
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Receive @n datagrams in B and check their sizes against @want (sorted),
 * in any order: the sender may move between CPUs, and the veth queues each
 * packet to the backlog of the CPU that sent it.
 */
static int recv_sizes(int fd, const size_t *want, size_t n, char *why, size_t whylen)
{
	static char buf[65536];
	size_t got[16], i, off;
	ssize_t r;

	for (i = 0; i < n && i < 16; i++) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0) {
			snprintf(why, whylen, "recv in B after %zu of %zu datagrams: %s",
				 i, n, strerror(errno));
			return -1;
		}
		got[i] = (size_t)r;
	}
	qsort(got, i, sizeof(got[0]), cmp_size);
	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			break;
	if (i == n)
		return 0;
	off = (size_t)snprintf(why, whylen, "sizes sent and received differ; received:");
	for (i = 0; i < n && off < whylen; i++)
		off += (size_t)snprintf(why + off, whylen - off, " %zu", got[i]);
	return -1;
}

/* The file: exactly the counters of the uapi header, in order, "name value". */
TEST_F_TIMEOUT(pair, proc_format, 120)
{
	char buf[4096], err[256];
	struct strata_procstats s;
	const char *rest;
	size_t i;
	int old;

	old = strata_netns_enter(self->p.a);
	ASSERT_LE(0, old);
	ASSERT_LT(0, strata_read_file("/proc/self/net/strata", buf, sizeof(buf)))
		TH_LOG("/proc/net/strata missing with the module loaded");
	strata_netns_leave(old);
	ASSERT_EQ(0, strata_stats_parse(buf, &s, err, sizeof(err))) TH_LOG("%s", err);
	for (rest = buf, i = 0; i < STRATA_NSTATS; i++)
		rest = strchr(rest, '\n') + 1;
	/* A counter the tests do not know is a uapi change they must follow. */
	ASSERT_EQ(0, *rest) TH_LOG("lines after the known counters: %s", rest);
	ASSERT_EQ(0, strncmp(strstr(buf, "fp_sum "), "fp_sum 0x", 9))
		TH_LOG("fp_sum is not printed in hex");
}

/* A namespace that nobody uses counts nothing: the fixture is quiet. */
TEST_F_TIMEOUT(pair, quiet_namespaces, 120)
{
	struct strata_procstats a, b, zero = { 0 };

	strata_sleep_ms(1500);
	ASSERT_EQ(0, strata_stats_read(self->p.a, &a));
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b));
	ASSERT_STATS("A, idle since its creation", zero, a);
	ASSERT_STATS("B, idle since its creation", zero, b);
}

/*
 * N IPv4 and M IPv6 datagrams of known sizes from A to B: A's LOCAL_OUT and
 * B's PRE_ROUTING each see exactly N + M packets, all parsed.
 */
TEST_F_TIMEOUT(pair, udp_exact, 120)
{
	static const size_t len4[] = { 0, 1, 64, 512, 1000, 1472 };	/* 1472: MTU - 28 */
	static const size_t len6[] = { 0, 1, 64, 512, 1000, 1452 };	/* 1452: MTU - 48 */
	const size_t n4 = sizeof(len4) / sizeof(len4[0]), n6 = sizeof(len6) / sizeof(len6[0]);
	struct strata_procstats a0, b0, a1, b1, want = { 0 };
	char why[128];
	size_t i;

	ASSERT_EQ(0, strata_stats_read(self->p.a, &a0));
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b0));
	/* Braces: an ASSERT is two statements (the check, then its handler). */
	for (i = 0; i < n4; i++) {
		ASSERT_EQ(0, strata_udp_send(self->tx4, AF_INET, STRATA_B4, PORT, len4[i]));
	}
	for (i = 0; i < n6; i++) {
		ASSERT_EQ(0, strata_udp_send(self->tx6, AF_INET6, STRATA_B6, PORT, len6[i]));
	}
	/* Received means B's PRE_ROUTING hook has run for every one of them. */
	ASSERT_EQ(0, recv_sizes(self->rx4, len4, n4, why, sizeof(why))) TH_LOG("IPv4: %s", why);
	ASSERT_EQ(0, recv_sizes(self->rx6, len6, n6, why, sizeof(why))) TH_LOG("IPv6: %s", why);
	ASSERT_EQ(0, strata_stats_read(self->p.a, &a1));
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b1));

	want.seen = want.parsed = n4 + n6;
	want.ipv4 = n4;
	want.ipv6 = n6;
	/*
	 * The kernel fingerprints every non-empty payload; its hashes must be
	 * the ones libstrata computes on the same bytes (one core, two builds).
	 */
	for (i = 0; i < n4 + n6; i++) {
		size_t len = i < n4 ? len4[i] : len6[i - n4];
		struct strata_fp fp;

		if (!len)
			continue;
		strata_fp_compute((const __u8 *)strata_udp_payload(len), len, &fp);
		want.fingerprints++;
		want.fp_sum += fp.hash;
	}
	strata_stats_any_flows(&want);
	ASSERT_STATS("A (LOCAL_OUT)", want, strata_stats_sub(&a1, &a0));
	ASSERT_STATS("B (PRE_ROUTING)", want, strata_stats_sub(&b1, &b0));
}

/*
 * A 3000-byte datagram with a 1500-byte MTU: A's LOCAL_OUT runs before
 * fragmentation and sees one packet; B's PRE_ROUTING runs before reassembly
 * (strata hooks at the first priority, ahead of defrag) and sees 3 fragments.
 */
static void fragments(struct __test_metadata *_metadata, FIXTURE_DATA(pair) *self,
		      int family)
{
	const size_t len = 3000;
	struct strata_procstats a0, b0, a1, b1, wa = { 0 }, wb = { 0 };
	int tx = family == AF_INET ? self->tx4 : self->tx6;
	int rx = family == AF_INET ? self->rx4 : self->rx6;
	const char *dst = family == AF_INET ? STRATA_B4 : STRATA_B6;
	char why[128];

	ASSERT_EQ(0, strata_stats_read(self->p.a, &a0));
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b0));
	ASSERT_EQ(0, strata_udp_send(tx, family, dst, PORT, len));
	ASSERT_EQ(0, recv_len(rx, len, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, strata_stats_read(self->p.a, &a1));
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b1));

	wa.seen = wa.parsed = wa.fingerprints = 1;
	wb.seen = wb.parsed = wb.fragments = wb.fingerprints = 3;
	/*
	 * Each fragment's payload is fingerprinted as it is; udp_exact checks
	 * the hashes themselves, so here only their number is compared.
	 */
	wa.fp_sum = strata_stats_sub(&a1, &a0).fp_sum;
	wb.fp_sum = strata_stats_sub(&b1, &b0).fp_sum;
	if (family == AF_INET) {
		wa.ipv4 = 1;
		wb.ipv4 = 3;
	} else {
		wa.ipv6 = 1;
		wb.ipv6 = 3;
	}
	strata_stats_any_flows(&wa);
	strata_stats_any_flows(&wb);
	ASSERT_STATS("A (LOCAL_OUT, before fragmentation)", wa, strata_stats_sub(&a1, &a0));
	ASSERT_STATS("B (PRE_ROUTING, before reassembly)", wb, strata_stats_sub(&b1, &b0));
}

TEST_F_TIMEOUT(pair, udp_fragments_ipv4, 120)
{
	fragments(_metadata, self, AF_INET);
}

TEST_F_TIMEOUT(pair, udp_fragments_ipv6, 120)
{
	fragments(_metadata, self, AF_INET6);
}

/*
 * Counters are per namespace: a namespace C made before the traffic and one
 * made after it both stay at zero while A and B talk.
 */
TEST_F_TIMEOUT(pair, per_namespace, 120)
{
	struct strata_procstats a0, b0, c0, a1, b1, c1, d1, zero = { 0 }, want = { 0 };
	char c[32], d[32], why[128];
	int i;

	snprintf(c, sizeof(c), "cnt-c-%d", (int)getpid());
	snprintf(d, sizeof(d), "cnt-d-%d", (int)getpid());
	ASSERT_EQ(0, strata_sh("ip netns add %s && ip -n %s link set lo up", c, c));
	ASSERT_EQ(0, strata_stats_read(c, &c0)) TH_LOG("no /proc/net/strata in a new namespace");
	ASSERT_STATS("C, new", zero, c0);
	ASSERT_EQ(0, strata_stats_read(self->p.a, &a0));
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b0));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, strata_udp_send(self->tx4, AF_INET, STRATA_B4, PORT, 100));
		ASSERT_EQ(0, strata_udp_send(self->tx6, AF_INET6, STRATA_B6, PORT, 100));
	}
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, recv_len(self->rx4, 100, why, sizeof(why))) TH_LOG("%s", why);
		ASSERT_EQ(0, recv_len(self->rx6, 100, why, sizeof(why))) TH_LOG("%s", why);
	}
	ASSERT_EQ(0, strata_sh("ip netns add %s", d));
	ASSERT_EQ(0, strata_stats_read(self->p.a, &a1));
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b1));
	ASSERT_EQ(0, strata_stats_read(c, &c1));
	ASSERT_EQ(0, strata_stats_read(d, &d1));
	strata_sh("ip netns del %s; ip netns del %s", c, d);

	want.seen = want.parsed = want.fingerprints = 20;
	want.ipv4 = want.ipv6 = 10;
	{
		struct strata_fp fp;

		strata_fp_compute((const __u8 *)strata_udp_payload(100), 100, &fp);
		want.fp_sum = 20 * fp.hash;
	}
	strata_stats_any_flows(&want);
	ASSERT_STATS("A", want, strata_stats_sub(&a1, &a0));
	ASSERT_STATS("B", want, strata_stats_sub(&b1, &b0));
	ASSERT_STATS("C, made before A and B talked", zero, c1);
	ASSERT_STATS("D, made after A and B talked", zero, d1);
}

TEST_HARNESS_MAIN
