// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * strata.ko loads and unloads cleanly while UDP and ICMP flow both ways in
 * both families, while namespaces come and go, and 50 times in a row with a
 * reader of the rings and of the closed microflows attached during the
 * traffic; /proc/net/strata follows.
 */
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <signal.h>
#include <sys/prctl.h>

#include "strata_selftest.h"
#include "genl.h"
#include "ring.h"

#define ROUNDS 5

FIXTURE(traffic) {
	struct strata_pair p;
	pid_t sender, churner;
};


/*
 * Runs in A until killed: UDP to B over IPv4 and IPv6 (to a closed port, so
 * B answers with ICMP errors, rate-limited) and ICMP echo both families (B
 * answers). Errors are ignored: the point is traffic during insmod/rmmod.
 */
static void __attribute__((noreturn)) send_forever(const char *a)
{
	struct sockaddr_storage u4, u6, e4, e6;
	socklen_t lu4, lu6, le4, le6;
	struct icmphdr echo = { .type = ICMP_ECHO };
	struct icmp6_hdr echo6 = { .icmp6_type = ICMP6_ECHO_REQUEST };
	int s4, s6, r4, r6, old;
	uint16_t seq = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	old = strata_netns_enter(a);
	if (old < 0)
		_exit(1);
	s4 = socket(AF_INET, SOCK_DGRAM, 0);
	s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	r4 = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	r6 = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);	/* kernel sums ICMPv6 */
	lu4 = strata_sockaddr(AF_INET, STRATA_B4, 9999, &u4);
	lu6 = strata_sockaddr(AF_INET6, STRATA_B6, 9999, &u6);
	le4 = strata_sockaddr(AF_INET, STRATA_B4, 0, &e4);
	le6 = strata_sockaddr(AF_INET6, STRATA_B6, 0, &e6);
	for (;;) {
		seq++;
		sendto(s4, "strata", 6, MSG_DONTWAIT, (struct sockaddr *)&u4, lu4);
		sendto(s6, "strata", 6, MSG_DONTWAIT, (struct sockaddr *)&u6, lu6);
		echo.un.echo.sequence = htons(seq);
		echo.checksum = 0;
		echo.checksum = htons(strata_csum16(&echo, sizeof(echo), 0));
		sendto(r4, &echo, sizeof(echo), MSG_DONTWAIT, (struct sockaddr *)&e4, le4);
		echo6.icmp6_seq = htons(seq);
		sendto(r6, &echo6, sizeof(echo6), MSG_DONTWAIT, (struct sockaddr *)&e6, le6);
		strata_sleep_ms(2);
	}
}

/*
 * Runs until killed: namespaces made and destroyed in a loop, each sending a
 * packet on its loopback, so strata's pernet init and exit race with its
 * registration and unregistration.
 */
static void __attribute__((noreturn)) churn_forever(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		pid_t pid = fork();

		if (pid == 0) {
			struct sockaddr_storage ss;
			socklen_t sl = strata_sockaddr(AF_INET, "127.0.0.1", 9, &ss);
			int fd;

			if (unshare(CLONE_NEWNET) || strata_sh("ip link set lo up"))
				_exit(1);
			fd = socket(AF_INET, SOCK_DGRAM, 0);
			sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, sl);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
}

static pid_t start(void (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		fn(arg);
	return pid;
}

static void churn(const char *unused)
{
	(void)unused;
	churn_forever();
}

FIXTURE_SETUP(traffic)
{
	/* Start unloaded: each round below is a real load and unload. */
	ASSERT_EQ(0, strata_module_unload()) TH_LOG("rmmod strata (left loaded before) failed");
	ASSERT_EQ(0, strata_pair_setup(&self->p, "load"));
	self->sender = start(send_forever, self->p.a);
	ASSERT_LT(0, self->sender);
}

FIXTURE_TEARDOWN(traffic)
{
	pid_t pids[] = { self->sender, self->churner };
	size_t i;

	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}
	strata_pair_teardown(&self->p);
}

/* Poll until @ns's counters show that @what has moved, at most 10 s. */
static int wait_for_traffic(const char *ns, struct strata_procstats *s)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (strata_stats_read(ns, s) == 0 && s->parsed > 0 &&
		    s->ipv4 > 0 && s->ipv6 > 0)
			return 0;
		strata_sleep_ms(100);
	}
	return -1;
}

static void rounds(struct __test_metadata *_metadata, FIXTURE_DATA(traffic) *self)
{
	struct strata_procstats s;
	int i, ret;

	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(-ENOENT, strata_stats_read(self->p.a, &s))
			TH_LOG("round %d: /proc/net/strata exists in A before insmod", i);
		ASSERT_EQ(0, strata_sh("insmod '%s'", strata_ko()))
			TH_LOG("round %d: insmod %s failed", i, strata_ko());
		ASSERT_EQ(0, wait_for_traffic(self->p.a, &s))
			TH_LOG("round %d: A's counters do not show its IPv4 and IPv6 traffic", i);
		ASSERT_EQ(0, wait_for_traffic(self->p.b, &s))
			TH_LOG("round %d: B's counters do not show A's IPv4 and IPv6 traffic", i);
		ASSERT_EQ(0, s.malformed);
		ASSERT_EQ(0, strata_sh("rmmod strata"))
			TH_LOG("round %d: rmmod strata failed", i);
		ret = strata_stats_read(self->p.a, &s);
		ASSERT_EQ(-ENOENT, ret)
			TH_LOG("round %d: /proc/net/strata in A after rmmod: %s", i, strerror(-ret));
		ret = strata_stats_read(NULL, &s);
		ASSERT_EQ(-ENOENT, ret)
			TH_LOG("round %d: /proc/net/strata in the initial namespace after rmmod: %s",
			       i, strerror(-ret));
	}
}

TEST_F_TIMEOUT(traffic, load_unload_with_traffic, 300)
{
	rounds(_metadata, self);
}

TEST_F_TIMEOUT(traffic, load_unload_with_netns_churn, 300)
{
	self->churner = start(churn, NULL);
	ASSERT_LT(0, self->churner);
	rounds(_metadata, self);
}

static int count_rec(const struct strata_ring_rec *rec, void *arg)
{
	(*(unsigned long *)arg) += rec->type == STRATA_REC_PACKET;
	return 0;
}

/*
 * A reader in @ns for @ms: the rings mapped and read, a subscription to the
 * closed microflows. Exit status 0 when it read packet records, else the
 * step that failed.
 */
static void __attribute__((noreturn)) reader(const char *ns, unsigned int ms)
{
	struct strata_rings *rs;
	struct strata_genl *sub;
	unsigned long n = 0;
	unsigned int t;
	char err[256];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (strata_netns_enter(ns) < 0)
		_exit(2);
	rs = strata_rings_open(err, sizeof(err));
	sub = strata_genl_open(err, sizeof(err));
	if (!rs || !sub || strata_genl_subscribe(sub, err, sizeof(err))) {
		fprintf(stderr, "# reader: %s\n", err);
		_exit(3);
	}
	for (t = 0; t < ms; t += 20) {
		if (strata_rings_poll(rs, 20, err, sizeof(err)) < 0 ||
		    strata_rings_read(rs, count_rec, &n, err, sizeof(err)) < 0) {
			fprintf(stderr, "# reader: %s\n", err);
			_exit(4);
		}
	}
	strata_genl_close(sub);
	strata_rings_close(rs);
	_exit(n ? 0 : 5);
}

/* 50 rounds of insmod, traffic with a reader attached, the reader leaving, rmmod. */
TEST_F_TIMEOUT(traffic, load_unload_with_reader_50, 900)
{
	struct strata_procstats s;
	int i, status;

	for (i = 0; i < 50; i++) {
		pid_t pid;

		ASSERT_EQ(0, strata_sh("insmod '%s'", strata_ko()))
			TH_LOG("round %d: insmod %s failed", i, strata_ko());
		ASSERT_EQ(0, wait_for_traffic(self->p.b, &s))
			TH_LOG("round %d: B's counters do not show A's traffic", i);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			reader(self->p.b, 300);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("round %d: the reader failed (status %#x: 3 open, 4 read, 5 no record)",
			       i, status);
		ASSERT_EQ(0, strata_sh("rmmod strata"))
			TH_LOG("round %d: rmmod strata failed", i);
	}
}

TEST_HARNESS_MAIN
