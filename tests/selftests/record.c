// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Triggered recording in the VM: stratad --role sensor in B with snaplen 96;
 * POST /api/v1/record for a conversation gives its packets their whole
 * payload for the duration and pins the range, then the configuration is
 * exactly the old one and packets are cut again; bad requests are refused
 * and the daemon serves on; a recording goes on across a restart and still
 * ends.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "strata_selftest.h"
#include "stratad_run.h"
#include "store.h"

#define UPORT 9400
#define SNAP 96
#define TOKEN "sekrit-42"
#define AUTH "Authorization: Bearer " TOKEN "\r\n"
#define SIZE 1000	/* payload bytes of each datagram: 1028 on the wire */

/* What the records of a conversation hold. */
struct seen {
	unsigned int n;
	unsigned int cut;	/* caplen SNAP of a longer packet */
	unsigned int whole;	/* caplen = wire_len, payload as sent */
	unsigned int other;	/* anything else: a wrong length or payload */
	__u32 generation[2];	/* the first's and the last's */
};

static int check_rec(const struct strata_store_rec *r, void *arg)
{
	struct seen *s = arg;
	const struct strata_rec_packet *p = r->pkt;

	if (!s->n)
		s->generation[0] = p->generation;
	s->generation[1] = p->generation;
	s->n++;
	if (p->wire_len != SIZE + 28)
		s->other++;
	else if (p->caplen == SNAP)
		s->cut++;
	else if (p->caplen == p->wire_len &&
		 !memcmp(r->data + 28, strata_udp_payload(SIZE), SIZE))
		s->whole++;
	else
		s->other++;
	return 0;
}

/* Until @want records of A:@sport -> B:UPORT are stored (at most 8 s). */
static struct seen wait_seen(const char *dir, __u16 sport, unsigned int want)
{
	struct seen s;
	unsigned int i;

	for (i = 0; i < 80; i++) {
		memset(&s, 0, sizeof(s));
		if (!store_each(dir, sport, UPORT, check_rec, &s, NULL) && s.n >= want)
			break;
		strata_sleep_ms(100);
	}
	return s;
}

/* `strata config show` in @ns without its generation line, into @buf. */
static int config_text(const char *ns, char *buf, size_t len)
{
	char cmd[768], bin[512];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s %s config show | grep -v '^generation '",
		 ns, repo_path("build/strata", bin, sizeof(bin)));
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	return pclose(f) ? -1 : 0;
}

/* Until the configuration is @want again (at most @ms). Return 0 or -1. */
static int wait_config(const char *ns, const char *want, unsigned int ms)
{
	char now[4096];
	unsigned int t;

	for (t = 0; t <= ms; t += 200) {
		if (!config_text(ns, now, sizeof(now)) && !strcmp(now, want))
			return 0;
		strata_sleep_ms(200);
	}
	return -1;
}

struct pins {
	unsigned int n;
	struct strata_store_pin last;
};

static int on_pin(const struct strata_store_pin *p, void *arg)
{
	struct pins *ps = arg;

	ps->n++;
	ps->last = *p;
	return 0;
}

static int store_pins(const char *dir, struct pins *ps)
{
	struct strata_store_opts o;
	struct strata_store *s;
	char err[512];
	int rc;

	memset(ps, 0, sizeof(*ps));
	strata_store_opts_init(&o, dir);
	o.readonly = true;
	rc = strata_store_open(&o, &s, err, sizeof(err));
	if (rc)
		return rc;
	rc = strata_store_pins(s, on_pin, ps, err, sizeof(err));
	strata_store_close(s, err, sizeof(err));
	return rc;
}

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* POST @body to /api/v1/record with @headers. Return the status; body in @out. */
static int post(const char *ns, unsigned int port, const char *headers, const char *body,
		char **out)
{
	size_t len;

	return http_req(ns, port, "POST", "/api/v1/record", headers, body, out, &len);
}

/* stratad's options: its API on a free port, the token. */
static const char *const extra[] = { "--flush-ms", "200", "--listen", "127.0.0.1:0",
				     "--token", TOKEN, NULL };

FIXTURE(record) {
	struct strata_pair p;
	char dir[128], log[160], old[4096];
	pid_t pid;
	int rx, fd[4];
};

FIXTURE_SETUP(record)
{
	char bin[512];
	int i;

	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, strata_module_load()) TH_LOG("insmod %s failed", strata_ko());
	ASSERT_EQ(0, strata_pair_setup(&self->p, "rc"));
	snprintf(self->dir, sizeof(self->dir), "/tmp/record-store-%d", (int)getpid());
	snprintf(self->log, sizeof(self->log), "/tmp/record-%d.log", (int)getpid());
	strata_sh("rm -rf %s %s", self->dir, self->log);
	/* The namespace's own configuration: a small snaplen and one filter of its own. */
	ASSERT_EQ(0, strata_sh("ip netns exec %s %s config set snaplen %d filter proto tcp port 22 snaplen 200 >/dev/null",
			       self->p.b, repo_path("build/strata", bin, sizeof(bin)), SNAP));
	ASSERT_EQ(0, config_text(self->p.b, self->old, sizeof(self->old)));
	self->rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	ASSERT_LE(0, self->rx);
	for (i = 0; i < 4; i++) {
		self->fd[i] = sender(self->p.a, (__u16)(UPORT + 100 + i));
		ASSERT_LE(0, self->fd[i]);
	}
}

FIXTURE_TEARDOWN(record)
{
	int i;

	if (self->pid > 0)
		stratad_stop(self->pid, 5000);
	if (self->pid > 0 || getenv("STRATA_KEEP_LOGS"))
		strata_sh("cat %s >&2 2>/dev/null", self->log);
	for (i = 0; i < 4; i++)
		if (self->fd[i] > 0)
			close(self->fd[i]);
	if (self->rx > 0)
		close(self->rx);
	strata_sh("rm -rf %s %s %s.cli", self->dir, self->log, self->log);
	strata_pair_teardown(&self->p);
}

/*
 * Cut before, whole during (the bytes as sent), cut after; the range
 * pinned; the configuration exactly the old one at the end; bad requests
 * refused with the daemon serving on.
 */
TEST_F_TIMEOUT(record, full_payload_for_a_while, 240)
{
	char body[256], during[4096], *out = NULL;
	unsigned int port;
	struct pins ps;
	struct seen s;
	__u32 gen_before;
	__u64 t_post;
	size_t blen;

	self->pid = stratad_start(self->p.b, self->dir, self->log, extra);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, stratad_ready(self->log, 1)) TH_LOG("stratad did not open the rings");
	port = api_port(self->log);
	ASSERT_NE(0, port);

	/* Before: cut at the namespace's snaplen. */
	ASSERT_EQ(0, burst(self->fd[0], UPORT, 20, SIZE));
	s = wait_seen(self->dir, UPORT + 100, 20);
	ASSERT_EQ(20, s.n);
	ASSERT_EQ(20, s.cut);

	/* Refused: no token, a wrong one, not JSON, a bad filter; the daemon serves on. */
	snprintf(body, sizeof(body), "{\"filter\": {\"proto\": \"udp\", \"port\": %d},"
		 " \"duration\": 4, \"label\": \"alarm-7\"}", UPORT);
	ASSERT_EQ(401, post(self->p.b, port, NULL, body, &out));
	free(out);
	ASSERT_EQ(403, post(self->p.b, port, "Authorization: Bearer nope\r\n", body, &out));
	free(out);
	ASSERT_EQ(400, post(self->p.b, port, AUTH, "{\"filter\": ", &out));
	ASSERT_NE(NULL, strstr(out, "\"error\""));
	free(out);
	ASSERT_EQ(400, post(self->p.b, port, AUTH,
			    "{\"filter\": {\"port\": 70000}, \"duration\": 4}", &out));
	ASSERT_NE(NULL, strstr(out, "port")) TH_LOG("%s", out);
	free(out);
	ASSERT_EQ(0, wait_config(self->p.b, self->old, 0))
		TH_LOG("a refused request changed the configuration");

	/* The recording. */
	t_post = realtime_ns();
	ASSERT_EQ(201, post(self->p.b, port, AUTH, body, &out)) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "\"label\":\"alarm-7\"")) TH_LOG("%s", out);
	free(out);
	ASSERT_EQ(0, config_text(self->p.b, during, sizeof(during)));
	ASSERT_NE(NULL, strstr(during, "filter proto udp port 9400 snaplen 9216\nfilter proto tcp port 22 snaplen 200\n"))
		TH_LOG("config show during the recording:\n%s", during);
	ASSERT_EQ(200, http_get(self->p.b, port, "/api/v1/record", &out, &blen));
	ASSERT_NE(NULL, strstr(out, "\"alarm-7\"")) TH_LOG("%s", out);
	free(out);

	ASSERT_EQ(0, burst(self->fd[1], UPORT, 20, SIZE));
	gen_before = s.generation[1];
	s = wait_seen(self->dir, UPORT + 101, 20);
	ASSERT_EQ(20, s.n);
	ASSERT_EQ(20, s.whole) TH_LOG("%u cut, %u other", s.cut, s.other);
	/* The records say which configuration made them. */
	ASSERT_LT(gen_before, s.generation[0]);
	ASSERT_EQ(0, store_pins(self->dir, &ps));
	ASSERT_EQ(1, ps.n);
	ASSERT_STREQ("record alarm-7", ps.last.label);
	ASSERT_LE(t_post, ps.last.t1);
	ASSERT_EQ(ps.last.t1 + 4000000000ULL, ps.last.t2);

	/* The end: exactly the old configuration, packets cut again, the pin kept. */
	ASSERT_EQ(0, wait_config(self->p.b, self->old, 8000))
		TH_LOG("the configuration is not the old one after the recording");
	ASSERT_LE(t_post + 4000000000ULL, realtime_ns());
	ASSERT_EQ(0, burst(self->fd[2], UPORT, 20, SIZE));
	s = wait_seen(self->dir, UPORT + 102, 20);
	ASSERT_EQ(20, s.n);
	ASSERT_EQ(20, s.cut);
	ASSERT_EQ(0, store_pins(self->dir, &ps));
	ASSERT_EQ(1, ps.n);
	ASSERT_EQ(0, strata_sh("grep -q 'record alarm-7: ended' %s", self->log));
	ASSERT_EQ(0, stratad_stop(self->pid, 5000));
	self->pid = 0;
}

/*
 * Started with the CLI; stratad stops and starts again while it lasts: the
 * module keeps the filter meanwhile, and the new stratad ends it in time.
 */
TEST_F_TIMEOUT(record, across_a_restart, 240)
{
	char bin[512], during[4096], *out = NULL;
	unsigned int port;
	struct seen s;
	size_t blen;

	self->pid = stratad_start(self->p.b, self->dir, self->log, extra);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, stratad_ready(self->log, 1));
	port = api_port(self->log);
	ASSERT_NE(0, port);
	repo_path("build/strata", bin, sizeof(bin));
	ASSERT_EQ(0, strata_sh("ip netns exec %s env STRATA_TOKEN=%s %s record start --sensor http://127.0.0.1:%u proto udp port %d duration 25 label restart-1 | grep -q '^restart-1 filter proto udp port %d snaplen 9216'",
			       self->p.b, TOKEN, bin, port, UPORT, UPORT));
	ASSERT_EQ(0, strata_sh("ip netns exec %s %s record list --sensor http://127.0.0.1:%u | grep -q '^restart-1 '",
			       self->p.b, bin, port));
	/* Without the token the CLI says why and exits 1. */
	ASSERT_EQ(0, strata_sh("ip netns exec %s env -u STRATA_TOKEN %s record start --sensor http://127.0.0.1:%u port 1 duration 1 >%s.cli 2>&1; rc=$?; cat %s.cli; grep -q 'Authorization' %s.cli && [ $rc = 1 ]",
			       self->p.b, bin, port, self->log, self->log, self->log));

	ASSERT_EQ(0, stratad_stop(self->pid, 5000));
	self->pid = 0;
	ASSERT_EQ(0, config_text(self->p.b, during, sizeof(during)));
	ASSERT_NE(NULL, strstr(during, "filter proto udp port 9400 snaplen 9216\n"))
		TH_LOG("the filter went with the daemon:\n%s", during);
	/* While stratad is down the module records whole packets: nothing drains them. */

	self->pid = stratad_start(self->p.b, self->dir, self->log, extra);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, stratad_ready(self->log, 2));
	port = api_port(self->log);
	ASSERT_EQ(200, http_get(self->p.b, port, "/api/v1/record", &out, &blen));
	ASSERT_NE(NULL, strstr(out, "\"restart-1\"")) TH_LOG("%s", out);
	free(out);
	ASSERT_EQ(0, burst(self->fd[0], UPORT, 10, SIZE));
	s = wait_seen(self->dir, UPORT + 100, 10);
	ASSERT_EQ(10, s.whole) TH_LOG("%u records, %u cut", s.n, s.cut);

	ASSERT_EQ(0, wait_config(self->p.b, self->old, 30000))
		TH_LOG("the restarted daemon did not end the recording");
	ASSERT_EQ(0, burst(self->fd[1], UPORT, 10, SIZE));
	s = wait_seen(self->dir, UPORT + 101, 10);
	ASSERT_EQ(10, s.cut);
	ASSERT_EQ(0, stratad_stop(self->pid, 5000));
	self->pid = 0;
}

TEST_HARNESS_MAIN
