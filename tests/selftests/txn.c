// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Transaction timing measured by the module: a TCP server and a DNS-like
 * UDP responder in one namespace answer after known delays; the closed
 * microflows of the client's namespace must count every request and query
 * and time them to within the scheduling slack of the delays.
 */
#include <netinet/tcp.h>
#include "strata_selftest.h"
#include "mf_wait.h"

#define TXN_PORT	9200
#define DNS_PORT	53
#define NREQ		10
#define NDNS		8
#define REQ_DELAY_MS	50	/* the server's think time before answering */
#define RESP_GAP_MS	20	/* between the two halves of each response */
#define DNS_DELAY_MS	30
/*
 * A sample can never be shorter than the delay that caused it: the request
 * left the client (and passed its hook) before the server read it and
 * started sleeping. It can be longer by the wakeup latency of nanosleep
 * plus scheduling and the veth round trip; the VM emulates its CPU in
 * software, where that reaches a few ms. The upper bound on the mean
 * leaves 20 ms for it: far below the delay differences under test.
 */
#define SLACK_MS	20
#define MS		1000000ULL

/* The transaction timing of one conversation, summed over its closed windows. */
struct txn_sum {
	__u8 proto;
	__u16 port;			/* the server's */
	struct strata_txn_stats x;
	unsigned int windows, empty;	/* closed windows; of them, with no packet */
	size_t lost;
};

static int on_mf(const struct strata_mflow *mf, const struct strata_mf_info *info,
		 void *arg)
{
	struct txn_sum *t = arg;

	(void)info;
	if (mf->key.proto != t->proto ||
	    (mf->key.port[0] != t->port && mf->key.port[1] != t->port))
		return 0;
	strata_txn_merge(&t->x, &mf->txn);
	t->windows++;
	t->empty += !mf->dir[0].packets && !mf->dir[1].packets;
	return 0;
}

static int on_loss(const struct strata_mf_loss *loss, void *arg)
{
	struct txn_sum *t = arg;

	t->lost += loss->count ? loss->count : 1;
	return 0;
}

/* Closed microflows until @done says so or @max_ms pass; 0 or -errno. */
static int collect(struct strata_genl *sub, struct txn_sum *t,
		   bool (*done)(const struct txn_sum *t), unsigned int max_ms,
		   char *err, size_t errlen)
{
	unsigned int waited = 0;
	int ret;

	while (!done(t) && waited < max_ms) {
		ret = selftest_mf_wait(sub, 100, on_mf, on_loss, t, err, errlen);
		if (ret < 0)
			return ret;
		if (!ret)
			waited += 100;
	}
	return 0;
}

static bool tcp_done(const struct txn_sum *t)
{
	return t->x.resp.n >= NREQ;
}

static bool dns_done(const struct txn_sum *t)
{
	return t->x.dns_unanswered >= 1;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The server: each 100-byte request answered after REQ_DELAY_MS, in two halves. */
static void tcp_server(int lfd)
{
	char req[100], resp[500];
	int s = accept(lfd, NULL, NULL), one = 1, i;

	if (s < 0)
		_exit(1);
	/* Each half its own segment at once, not held back for an ACK. */
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(resp, 'r', sizeof(resp));
	for (i = 0; i < NREQ; i++) {
		if (read_full(s, req, sizeof(req)))
			_exit(2);
		strata_sleep_ms(REQ_DELAY_MS);
		if (write(s, resp, sizeof(resp)) != sizeof(resp))
			_exit(3);
		strata_sleep_ms(RESP_GAP_MS);
		if (write(s, resp, sizeof(resp)) != sizeof(resp))
			_exit(4);
	}
	if (read(s, req, 1) != 0)	/* the client's FIN; then ours */
		_exit(5);
	close(s);
	_exit(0);
}

/* The responder: a query's id and flags back with QR set, after DNS_DELAY_MS. */
static void dns_server(int fd)
{
	struct sockaddr_storage from;
	socklen_t fl;
	__u8 msg[512];
	ssize_t n;
	int i;

	for (i = 0; i < NDNS; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, msg, sizeof(msg), 0, (struct sockaddr *)&from, &fl);
		if (n < 12)
			_exit(1);
		strata_sleep_ms(DNS_DELAY_MS);
		msg[2] |= 0x80;
		if (sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&from, fl) != n)
			_exit(2);
	}
	_exit(0);
}

static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

FIXTURE(txn) {
	struct strata_pair p;
	struct strata_genl *sub;	/* closed microflows of A, the client */
	char err[512];
};

FIXTURE_SETUP(txn)
{
	int old;

	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, strata_module_load()) TH_LOG("insmod %s failed", strata_ko());
	ASSERT_EQ(0, strata_pair_setup(&self->p, "txn"));
	old = strata_netns_enter(self->p.a);
	ASSERT_LE(0, old);
	self->sub = strata_genl_open(self->err, sizeof(self->err));
	if (self->sub && strata_genl_subscribe(self->sub, self->err, sizeof(self->err))) {
		strata_genl_close(self->sub);
		self->sub = NULL;
	}
	strata_netns_leave(old);
	ASSERT_NE(NULL, self->sub) TH_LOG("subscribe in A: %s", self->err);
}

FIXTURE_TEARDOWN(txn)
{
	strata_genl_close(self->sub);
	strata_pair_teardown(&self->p);
}

/* Mean of a sample set in ns, checked against [@lo_ms, @lo_ms + SLACK_MS]. */
#define ASSERT_MEAN_MS(st, lo_ms) do {						\
	__u64 mean_ = (st).n ? (st).sum / (st).n : 0;				\
	TH_LOG(#st ": n %llu mean %.3f ms min %.3f max %.3f",			\
	       (unsigned long long)(st).n, mean_ / 1e6, (st).min / 1e6,	\
	       (st).max / 1e6);							\
	ASSERT_LE((lo_ms) * MS, (st).min);					\
	ASSERT_GE(((lo_ms) + SLACK_MS) * MS, mean_);				\
} while (0)

/*
 * NREQ HTTP-looking requests on one connection, each answered after
 * REQ_DELAY_MS in two halves RESP_GAP_MS apart: NREQ requests, NREQ time
 * to first byte samples of at least the delay, NREQ responses lasting at
 * least the gap (the last ended by the server's FIN), one first exchange
 * detected as HTTP from the first payload (paged in the sender's skb).
 */
TEST_F_TIMEOUT(txn, tcp_requests, 120)
{
	struct txn_sum t = { .proto = IPPROTO_TCP, .port = TXN_PORT };
	struct sockaddr_storage ss;
	socklen_t sl = strata_sockaddr(AF_INET, STRATA_B4, TXN_PORT, &ss);
	char req[100], resp[1000];
	int lfd, c, one = 1, i;
	pid_t pid;

	lfd = strata_socket_in(self->p.b, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&ss, sl));
	ASSERT_EQ(0, listen(lfd, 4));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		tcp_server(lfd);
	close(lfd);

	c = strata_socket_in(self->p.a, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&ss, sl));
	memset(req, 'q', sizeof(req));
	memcpy(req, "GET /txn HTTP/1.1\r\n", 19);
	for (i = 0; i < NREQ; i++) {
		ASSERT_EQ((ssize_t)sizeof(req), write(c, req, sizeof(req)));
		ASSERT_EQ(0, read_full(c, resp, sizeof(resp)));
	}
	shutdown(c, SHUT_WR);
	ASSERT_EQ(0, read(c, resp, 1));		/* the server's FIN */
	close(c);
	ASSERT_EQ(0, wait_child(pid));

	ASSERT_EQ(0, collect(self->sub, &t, tcp_done, 5000, self->err, sizeof(self->err)))
		TH_LOG("%s", self->err);
	ASSERT_EQ(0, t.lost);
	EXPECT_EQ(NREQ, t.x.requests);
	ASSERT_EQ(NREQ, t.x.ttfb.n);
	ASSERT_MEAN_MS(t.x.ttfb, REQ_DELAY_MS);
	ASSERT_EQ(NREQ, t.x.resp.n);
	ASSERT_MEAN_MS(t.x.resp, RESP_GAP_MS);
	ASSERT_EQ(1, t.x.first.n);
	ASSERT_LE(REQ_DELAY_MS * MS, t.x.first.sum);
	EXPECT_EQ(STRATA_TXN_APP_HTTP, t.x.app);
	EXPECT_EQ(0, t.x.dns_queries);
}

/*
 * NDNS queries on one UDP socket, each answered after DNS_DELAY_MS, then
 * one the responder never sees: NDNS + 1 queries, NDNS latency samples of
 * at least the delay, and the last query given up STRATA_TXN_TIMEOUT_NS
 * later in a window of its own with no packet.
 */
TEST_F_TIMEOUT(txn, dns_queries, 120)
{
	struct txn_sum t = { .proto = IPPROTO_UDP, .port = DNS_PORT };
	struct sockaddr_storage ss;
	socklen_t sl = strata_sockaddr(AF_INET, STRATA_B4, DNS_PORT, &ss);
	__u8 q[40], a[512];
	int srv, c, i;
	pid_t pid;

	srv = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, DNS_PORT);
	ASSERT_LE(0, srv);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		dns_server(srv);
	close(srv);

	c = strata_udp_bound(self->p.a, AF_INET, STRATA_A4, 40053);
	ASSERT_LE(0, c);
	memset(q, 0, sizeof(q));
	q[5] = 1;	/* one question */
	for (i = 0; i < NDNS; i++) {
		q[0] = 0x40;
		q[1] = (__u8)(i * 37 + 1);	/* ids 0x4001, 0x4026, ... */
		ASSERT_EQ((ssize_t)sizeof(q), sendto(c, q, sizeof(q), 0,
						     (struct sockaddr *)&ss, sl));
		ASSERT_EQ((ssize_t)sizeof(q), recv(c, a, sizeof(a), 0));
		ASSERT_EQ(0, memcmp(a, q, 2));
	}
	ASSERT_EQ(0, wait_child(pid));
	q[0] = 0x77;	/* nobody listens any more: never answered */
	ASSERT_EQ((ssize_t)sizeof(q), sendto(c, q, sizeof(q), 0, (struct sockaddr *)&ss, sl));
	close(c);

	ASSERT_EQ(0, collect(self->sub, &t, dns_done,
			     (unsigned int)(STRATA_TXN_TIMEOUT_NS / MS) + 10000,
			     self->err, sizeof(self->err)))
		TH_LOG("%s", self->err);
	ASSERT_EQ(0, t.lost);
	EXPECT_EQ(NDNS + 1, t.x.dns_queries);
	ASSERT_EQ(NDNS, t.x.dns.n);
	ASSERT_MEAN_MS(t.x.dns, DNS_DELAY_MS);
	ASSERT_EQ(1, t.x.dns_unanswered);
	EXPECT_EQ(0, t.x.dns_overflow);
	EXPECT_EQ(0, t.x.dns_repeats);
	EXPECT_LE(1, t.empty) TH_LOG("the expiry's window has no packet");
	EXPECT_EQ(0, t.x.requests);
}

TEST_HARNESS_MAIN
