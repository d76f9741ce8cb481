// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * stratad --role sensor with the module, in the VM: live traffic from A into
 * B's store, queried while capture goes on; kill -9 and a restart that says
 * what was lost; retention under a small budget while traffic continues.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "strata_selftest.h"
#include "stratad_run.h"
#include "core/fingerprint.h"
#include "store.h"

#define UPORT 9300

struct tally {
	__u64 n;
	__u64 bad;	/* records whose fields are not what was sent */
};

static int count_rec(const struct strata_store_rec *r, void *arg)
{
	struct tally *t = arg;
	size_t len = r->pkt->payload_len;
	struct strata_fp fp;

	t->n++;
	strata_fp_hash((const __u8 *)strata_udp_payload(len), (__u32)len, &fp);
	if (r->pkt->wire_len != len + 28 || r->pkt->fp_hash != fp.hash)
		t->bad++;
	return 0;
}

/* Records of UDP from A's @sport to B's @dport in the store (read-only). */
static int stored(const char *dir, __u16 sport, __u16 dport, struct tally *t,
		  struct strata_store_info *info)
{
	memset(t, 0, sizeof(*t));
	return store_each(dir, sport, dport, count_rec, t, info);
}

/* Wait up to @ms for @want records of the flow. Return the last count. */
static __u64 wait_stored(const char *dir, __u16 sport, __u16 dport, __u64 want,
			 unsigned int ms)
{
	struct tally t = { 0 };
	unsigned int i;

	for (i = 0; i <= ms; i += 100) {
		if (!stored(dir, sport, dport, &t, NULL) && t.n >= want)
			break;
		strata_sleep_ms(100);
	}
	return t.n;
}

/* The sum of "N packet records missing across the restart" in a log. */
static __u64 missing_in_log(const char *log)
{
	char line[1024];
	__u64 sum = 0;
	FILE *f = fopen(log, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "packet records missing across the restart");
		const char *c = strstr(line, "cpu ");
		unsigned int cpu;
		unsigned long long n;

		if (p && c && sscanf(c, "cpu %u: %llu", &cpu, &n) == 2)
			sum += n;
	}
	fclose(f);
	return sum;
}

/* Records in a nanosecond pcap of raw IP, or -1 if it is not one. */
static long pcap_records(const unsigned char *p, size_t len)
{
	size_t off = 24;
	long n = 0;

	if (len < 24 || memcmp(p, "\x4d\x3c\xb2\xa1", 4) || p[20] != 101)
		return -1;
	while (off + 16 <= len) {
		__u32 caplen;

		memcpy(&caplen, p + off + 8, 4);
		off += 16 + caplen;
		n++;
	}
	return off == len ? n : -1;
}

FIXTURE(sensor) {
	struct strata_pair p;
	char dir[128], log[160];
	pid_t pid;
};

FIXTURE_SETUP(sensor)
{
	cpu_set_t one;

	memset(self, 0, sizeof(*self));
	/* Every packet on one CPU, so into one ring: the restart test counts. */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, strata_module_load()) TH_LOG("insmod %s failed", strata_ko());
	ASSERT_EQ(0, strata_pair_setup(&self->p, "sn"));
	snprintf(self->dir, sizeof(self->dir), "/tmp/sensor-store-%d", (int)getpid());
	snprintf(self->log, sizeof(self->log), "/tmp/sensor-%d.log", (int)getpid());
	strata_sh("rm -rf %s %s", self->dir, self->log);
}

FIXTURE_TEARDOWN(sensor)
{
	if (self->pid > 0)
		stratad_stop(self->pid, 5000);
	if (self->pid > 0 || getenv("STRATA_KEEP_LOGS"))
		strata_sh("cat %s >&2 2>/dev/null", self->log);
	strata_sh("rm -rf %s", self->dir);
	strata_pair_teardown(&self->p);
}

/*
 * Live: every datagram A sends into B is in B's store, with its fields and
 * payload hash; a query while capture goes on answers, and sees the store
 * grow; SIGTERM commits the rest and exits 0.
 */
TEST_F_TIMEOUT(sensor, live_store_and_query, 180)
{
	static const char *const extra[] = { "--flush-ms", "200", "--listen", "127.0.0.1:0",
					     NULL };
	struct strata_procstats s0, s1;
	struct tally t;
	struct timespec a, b;
	int fd, rx, st;
	pid_t bg;
	__u64 n;

	rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	ASSERT_LE(0, rx);
	fd = sender(self->p.a, UPORT + 100);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, strata_stats_read(self->p.b, &s0));
	self->pid = stratad_start(self->p.b, self->dir, self->log, extra);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, stratad_ready(self->log, 1)) TH_LOG("stratad did not open the rings");

	ASSERT_EQ(0, burst(fd, UPORT, 300, 0));
	n = wait_stored(self->dir, UPORT + 100, UPORT, 300, 5000);
	ASSERT_EQ(300, n) TH_LOG("the store holds %llu of 300 datagrams", (unsigned long long)n);

	/* 3000 more from a child while the parent queries. */
	bg = fork();
	ASSERT_LE(0, bg);
	if (!bg) {
		unsigned int i;

		for (i = 0; i < 30; i++) {
			if (burst(fd, UPORT, 100, 0))
				_exit(1);
			strata_sleep_ms(20);
		}
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	ASSERT_EQ(0, stored(self->dir, UPORT + 100, UPORT, &t, NULL));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ASSERT_LE(300, t.n);
	ASSERT_EQ(0, t.bad);
	TH_LOG("a query during capture: %llu records in %.1f ms", (unsigned long long)t.n,
	       (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	ASSERT_EQ(bg, waitpid(bg, &st, 0));
	ASSERT_EQ(0, st);

	n = wait_stored(self->dir, UPORT + 100, UPORT, 3300, 8000);
	ASSERT_EQ(3300, n) TH_LOG("the store holds %llu of 3300 datagrams", (unsigned long long)n);
	ASSERT_EQ(0, strata_stats_read(self->p.b, &s1));
	ASSERT_EQ(0, strata_stats_sub(&s1, &s0).ring_drops);
	ASSERT_EQ(0, stored(self->dir, UPORT + 100, UPORT, &t, NULL));
	ASSERT_EQ(0, t.bad) TH_LOG("records whose length or payload hash is not what was sent");

	/*
	 * The drill-down API: the conversation as a pcap, a bad request
	 * refused with a 400 and a message, and the daemon still serving.
	 */
	{
		char path[256], *body;
		unsigned int port = api_port(self->log);
		size_t blen;
		int status;

		ASSERT_NE(0, port) TH_LOG("no 'drill-down API on' line in the log");
		snprintf(path, sizeof(path), "/api/v1/packets?flow=%s:%d-%s:%d/udp&format=pcap"
			 "&limit=100000", STRATA_A4, UPORT + 100, STRATA_B4, UPORT);
		status = http_get(self->p.b, port, path, &body, &blen);
		ASSERT_EQ(200, status);
		ASSERT_EQ(3300, pcap_records((unsigned char *)body, blen))
			TH_LOG("the API's pcap does not hold the 3300 datagrams");
		free(body);
		status = http_get(self->p.b, port, "/api/v1/packets?flow=nonsense", &body, &blen);
		ASSERT_EQ(400, status);
		ASSERT_NE(NULL, body);
		ASSERT_NE(NULL, strstr(body, "\"error\"")) TH_LOG("400 without a message: %s", body);
		free(body);
		status = http_get(self->p.b, port, "/api/v1/info", &body, &blen);
		ASSERT_EQ(200, status) TH_LOG("the daemon stopped serving after a bad request");
		ASSERT_NE(NULL, strstr(body, "\"packets\""));
		free(body);
		/*
		 * The drain thread's counters, read under RCU: at least the
		 * datagrams above were drained, one ring per CPU, none lost.
		 */
		status = http_get(self->p.b, port, "/api/v1/status", &body, &blen);
		ASSERT_EQ(200, status);
		{
			const char *p = strstr(body, "\"packets\":");
			unsigned long long drained = 0;

			ASSERT_NE(NULL, p) TH_LOG("status without packets: %s", body);
			ASSERT_EQ(1, sscanf(p, "\"packets\": %llu", &drained));
			ASSERT_LE(3300ULL, drained) TH_LOG("status: %s", body);
			ASSERT_NE(NULL, strstr(body, "\"rings\"")) TH_LOG("status: %s", body);
			ASSERT_NE(NULL, strstr(body, "\"ring\": 0")) TH_LOG("status: %s", body);
		}
		free(body);
		status = http_get(self->p.b, port, "/api/v1/status?x=1", &body, &blen);
		ASSERT_EQ(400, status);
		free(body);
	}

	ASSERT_EQ(0, stratad_stop(self->pid, 5000));
	self->pid = 0;
	ASSERT_EQ(0, strata_sh("grep -q 'sensor: stopped' %s", self->log));
	close(fd);
	close(rx);
}

/*
 * kill -9 between two flushes: what was committed is there and the store
 * opens; what was read but not committed is missing, and the next start
 * says how many records are missing; capture goes on after it.
 */
TEST_F_TIMEOUT(sensor, kill9_restart, 180)
{
	static const char *const slow[] = { "--flush-ms", "3000", NULL };
	static const char *const fast[] = { "--flush-ms", "200", NULL };
	struct strata_store_info info;
	struct tally t;
	int fd0, fd1, fd2, rx[3], i;
	__u64 n;

	for (i = 0; i < 3; i++) {
		rx[i] = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT + i);
		ASSERT_LE(0, rx[i]);
	}
	fd0 = sender(self->p.a, UPORT + 100);
	fd1 = sender(self->p.a, UPORT + 101);
	fd2 = sender(self->p.a, UPORT + 102);
	ASSERT_LE(0, fd0);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);

	self->pid = stratad_start(self->p.b, self->dir, self->log, slow);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, stratad_ready(self->log, 1)) TH_LOG("stratad did not open the rings");
	ASSERT_EQ(0, burst(fd0, UPORT, 50, 0));
	n = wait_stored(self->dir, UPORT + 100, UPORT, 50, 8000);
	ASSERT_EQ(50, n);
	/* A flush just committed them: the next is ~3 s away. */
	ASSERT_EQ(0, burst(fd1, UPORT + 1, 40, 0));
	strata_sleep_ms(1000);	/* drained from the ring, not committed */
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
	self->pid = 0;

	ASSERT_EQ(0, stored(self->dir, UPORT + 100, UPORT, &t, &info))
		TH_LOG("the store does not open after kill -9");
	ASSERT_EQ(50, t.n);
	ASSERT_EQ(0, stored(self->dir, UPORT + 101, UPORT + 1, &t, NULL));
	ASSERT_EQ(0, t.n) TH_LOG("records of the unflushed interval were committed");

	self->pid = stratad_start(self->p.b, self->dir, self->log, fast);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, stratad_ready(self->log, 2)) TH_LOG("stratad did not start again");
	ASSERT_EQ(0, burst(fd2, UPORT + 2, 30, 0));
	n = wait_stored(self->dir, UPORT + 102, UPORT + 2, 30, 5000);
	ASSERT_EQ(30, n) TH_LOG("capture after the restart: %llu of 30", (unsigned long long)n);
	n = missing_in_log(self->log);
	ASSERT_LE(40, n) TH_LOG("the restart reported %llu missing records, 40 were lost",
				(unsigned long long)n);
	ASSERT_GE(60, n) TH_LOG("the restart reported %llu missing records for 40 lost",
				(unsigned long long)n);
	ASSERT_EQ(0, stored(self->dir, UPORT + 100, UPORT, &t, NULL));
	ASSERT_EQ(50, t.n);
	ASSERT_EQ(0, stratad_stop(self->pid, 5000));
	self->pid = 0;
	for (i = 0; i < 3; i++)
		close(rx[i]);
	close(fd0);
	close(fd1);
	close(fd2);
}

/*
 * A 2 MiB budget and about 12 MB of packet records: the file never grows
 * past the budget, retention removes the oldest, the newest are all there.
 */
TEST_F_TIMEOUT(sensor, retention_under_budget, 300)
{
	static const char *const extra[] = { "--flush-ms", "200", "--budget", "2M",
					     "--compress", "none", NULL };
	const off_t budget = 2 << 20;
	struct strata_procstats s0, s1;
	struct strata_store_info info;
	char path[192];
	struct tally t;
	struct stat stt;
	off_t biggest = 0;
	int fd, rx, rx2, i;

	ASSERT_EQ(0, strata_sh("ip netns exec %s %s config set snaplen 1500 >/dev/null",
			       self->p.b, repo_path("build/strata", path, sizeof(path))));
	rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	rx2 = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT + 3);
	ASSERT_LE(0, rx);
	ASSERT_LE(0, rx2);
	fd = sender(self->p.a, UPORT + 100);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, strata_stats_read(self->p.b, &s0));
	self->pid = stratad_start(self->p.b, self->dir, self->log, extra);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, stratad_ready(self->log, 1)) TH_LOG("stratad did not open the rings");
	snprintf(path, sizeof(path), "%s/data.mdb", self->dir);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, burst(fd, UPORT, 400, 1200));
		strata_sleep_ms(150);
		ASSERT_EQ(0, stat(path, &stt));
		if (stt.st_size > biggest)
			biggest = stt.st_size;
		ASSERT_GE(budget, stt.st_size) TH_LOG("data.mdb %lld bytes, budget %lld",
						      (long long)stt.st_size, (long long)budget);
	}
	/* The newest: on their own port, all kept. */
	ASSERT_EQ(0, burst(fd, UPORT + 3, 300, 1200));
	ASSERT_EQ(300, wait_stored(self->dir, UPORT + 100, UPORT + 3, 300, 5000));
	ASSERT_EQ(0, stored(self->dir, UPORT + 100, UPORT, &t, &info));
	ASSERT_EQ(0, stat(path, &stt));
	ASSERT_GE(budget, stt.st_size);
	ASSERT_LT(0, info.c.packets_removed) TH_LOG("retention removed nothing");
	ASSERT_GT(8000, t.n) TH_LOG("all 8000 old datagrams still held in 2 MiB?");
	ASSERT_EQ(0, t.bad);
	ASSERT_EQ(0, strata_stats_read(self->p.b, &s1));
	ASSERT_EQ(0, strata_stats_sub(&s1, &s0).ring_drops)
		TH_LOG("the rings overran: the test's traffic is too fast for the VM");
	TH_LOG("2 MiB budget: file at most %lld bytes; %llu packets held, %llu removed, "
	       "%llu dropped", (long long)biggest, (unsigned long long)info.packets,
	       (unsigned long long)info.c.packets_removed,
	       (unsigned long long)info.c.packets_dropped);
	ASSERT_EQ(0, stratad_stop(self->pid, 5000));
	self->pid = 0;
	close(fd);
	close(rx);
	close(rx2);
}

TEST_HARNESS_MAIN
