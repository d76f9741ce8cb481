/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * What every selftest shares: reading /proc/net/strata of a namespace, module
 * load and unload, quiet namespace pairs joined by a veth, and UDP helpers.
 */
#ifndef STRATA_SELFTEST_H
#define STRATA_SELFTEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

/*
 * The counters of /proc/net/strata, in the order the file lists them
 * (include/uapi/linux/strata.h). fp_sum is printed in hex; the others in
 * decimal. A difference of two readings is meaningful for all of them,
 * fp_sum included (a sum modulo 2^64).
 */
#define STRATA_STATS(X) \
	X(seen) X(parsed) X(truncated) X(malformed) X(unsupported) \
	X(fragments) X(ipv4) X(ipv6) X(fingerprints) X(fp_sum) \
	X(segmented) X(table_full) X(mf_new) X(mf_closed) X(mf_notify_fail) \
	X(records) X(ring_drops) X(sampled_out)

/*
 * An expected value that matches anything: for counters a test does not
 * predict (segmented, mf_new and mf_closed depend on when windows turn).
 */
#define STRATA_ANY UINT64_MAX

struct strata_procstats {
#define X(n) uint64_t n;
	STRATA_STATS(X)
#undef X
};

static const char *const strata_stat_names[] = {
#define X(n) #n,
	STRATA_STATS(X)
#undef X
};

#define STRATA_NSTATS (sizeof(strata_stat_names) / sizeof(strata_stat_names[0]))

/* Counter @i, in file order: the struct is that many uint64_t in a row. */
static inline uint64_t *strata_stat(struct strata_procstats *s, size_t i)
{
	return (uint64_t *)s + i;
}

static inline uint64_t strata_stat_get(const struct strata_procstats *s, size_t i)
{
	return ((const uint64_t *)s)[i];
}

/*
 * The tests insmod and rmmod and set up namespaces: on a developer's machine
 * that would disturb the host, so they only run where run.sh put them.
 */
static void __attribute__((constructor)) strata_selftest_guard(void)
{
	if (!getenv("STRATA_VM") && !getenv("STRATA_SELFTEST_ON_HOST")) {
		printf("Bail out! strata selftests load modules and create namespaces; "
		       "run them in the VM: make check-vm (or set STRATA_SELFTEST_ON_HOST=1)\n");
		exit(1);
	}
}

/**
 * strata_stats_parse() - parse the text of /proc/net/strata
 * @text: the file's contents, NUL-terminated
 * @s: filled in
 * @err: a message when it does not parse
 * @errlen: size of @err
 *
 * Return: 0, or -EPROTO when a line is missing, misnamed or out of order.
 */
static inline int strata_stats_parse(const char *text, struct strata_procstats *s,
				     char *err, size_t errlen)
{
	const char *p = text;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < STRATA_NSTATS; i++) {
		const char *name = strata_stat_names[i];
		size_t n = strlen(name);
		char *end;

		if (strncmp(p, name, n) || p[n] != ' ') {
			snprintf(err, errlen, "line %zu: expected \"%s <value>\", found \"%.*s\"",
				 i + 1, name, (int)strcspn(p, "\n"), p);
			return -EPROTO;
		}
		errno = 0;
		/* Base 0: "0x" for fp_sum; the kernel prints no leading zeros. */
		*strata_stat(s, i) = strtoull(p + n + 1, &end, 0);
		if (errno || end == p + n + 1 || *end != '\n') {
			snprintf(err, errlen, "line %zu: bad value in \"%.*s\"",
				 i + 1, (int)strcspn(p, "\n"), p);
			return -EPROTO;
		}
		p = end + 1;
	}
	return 0;
}

/**
 * strata_read_file() - read a whole (proc) file
 * @path: the file
 * @buf: where to put it, NUL-terminated
 * @len: size of @buf
 *
 * Return: bytes read, or -errno.
 */
static inline ssize_t strata_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	n = n < 0 ? -errno : got;
	close(fd);
	buf[got] = 0;
	return n;
}

/* ---- network namespaces ---- */

/**
 * strata_netns_enter() - move this process into a named namespace
 * @name: a namespace of /run/netns, or NULL for the one of PID 1
 *
 * /proc/self/net follows the caller's namespace, and sockets created now
 * stay in it after strata_netns_leave().
 *
 * Return: the fd of the namespace left, for strata_netns_leave(), or -errno.
 */
static inline int strata_netns_enter(const char *name)
{
	char path[256];
	int old, fd;

	if (name)
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	else
		snprintf(path, sizeof(path), "/proc/1/ns/net");
	old = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (old < 0)
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		close(old);
		return -e;
	}
	close(fd);
	return old;
}

static inline void strata_netns_leave(int old)
{
	if (old >= 0) {
		if (setns(old, CLONE_NEWNET))
			perror("setns back");
		close(old);
	}
}

/**
 * strata_stats_read() - read the counters of a namespace
 * @netns: a namespace of /run/netns, or NULL for the caller's
 * @s: filled in
 *
 * Return: 0; -ENOENT when the file does not exist (module not loaded);
 * -EPROTO when it does not parse (printed); another -errno.
 */
static inline int strata_stats_read(const char *netns, struct strata_procstats *s)
{
	char buf[4096], err[256];
	int old = -1, ret;
	ssize_t n;

	if (netns) {
		old = strata_netns_enter(netns);
		if (old < 0)
			return old;
	}
	n = strata_read_file("/proc/self/net/strata", buf, sizeof(buf));
	strata_netns_leave(old);
	if (n < 0)
		return (int)n;
	ret = strata_stats_parse(buf, s, err, sizeof(err));
	if (ret)
		fprintf(stderr, "# /proc/net/strata of %s: %s\n",
			netns ? netns : "this namespace", err);
	return ret;
}

/* The difference of two readings, counter by counter. */
static inline struct strata_procstats strata_stats_sub(const struct strata_procstats *a,
						   const struct strata_procstats *b)
{
	struct strata_procstats d;
	size_t i;

	for (i = 0; i < STRATA_NSTATS; i++)
		*strata_stat(&d, i) = strata_stat_get(a, i) - strata_stat_get(b, i);
	return d;
}

static inline void strata_stats_print(const char *what, const struct strata_procstats *s)
{
	char line[512];
	size_t i, off = 0;

	for (i = 0; i < STRATA_NSTATS && off < sizeof(line); i++)
		off += snprintf(line + off, sizeof(line) - off, " %s=%" PRIu64,
				strata_stat_names[i], strata_stat_get(s, i));
	fprintf(stderr, "# %s:%s\n", what, line);
}

/*
 * Compare every counter of a delta with what was expected, and name each
 * one that differs: one failing test then tells the whole story.
 */
#define ASSERT_STATS(what, expect, seen_) do { \
	const struct strata_procstats _e = (expect), _s = (seen_); \
	size_t _i; \
	int _bad = 0; \
	for (_i = 0; _i < STRATA_NSTATS; _i++) { \
		uint64_t _ev = strata_stat_get(&_e, _i); \
		uint64_t _sv = strata_stat_get(&_s, _i); \
		if (_ev != STRATA_ANY && _ev != _sv) { \
			TH_LOG("%s: counter %s moved by %" PRIu64 ", expected %" PRIu64, \
			       (what), strata_stat_names[_i], _sv, _ev); \
			_bad = 1; \
		} \
	} \
	ASSERT_EQ(0, _bad) TH_LOG("%s: counters differ from what was sent", (what)); \
} while (0)

/**
 * strata_stats_match() - whether a delta is what was expected
 * @expect: expected values, STRATA_ANY for "any"
 * @seen: the delta
 *
 * Return: true when every counter matches.
 */
static inline bool strata_stats_match(const struct strata_procstats *expect,
				      const struct strata_procstats *seen)
{
	size_t i;

	for (i = 0; i < STRATA_NSTATS; i++)
		if (strata_stat_get(expect, i) != STRATA_ANY &&
		    strata_stat_get(expect, i) != strata_stat_get(seen, i))
			return false;
	return true;
}

/**
 * strata_stats_any_flows() - mark the counters a traffic test does not predict
 * @s: expected values
 */
static inline void strata_stats_any_flows(struct strata_procstats *s)
{
	s->segmented = s->mf_new = s->mf_closed = STRATA_ANY;
}

/* ---- commands ---- */

/**
 * strata_sh() - run a shell command, its output sent to stderr
 * @fmt: printf format of the command
 *
 * stdout carries TAP, so the command's output goes to stderr.
 *
 * Return: the command's exit status, 128 + signal, or -1.
 */
static inline int __attribute__((format(printf, 1, 2))) strata_sh(const char *fmt, ...)
{
	char cmd[4096], full[4200];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "{ %s\n} >&2", cmd);
	fflush(NULL);
	st = system(full);
	if (st == -1)
		return -1;
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (st)
		fprintf(stderr, "# exit %d: %s\n", st, cmd);
	return st;
}

static inline int strata_module_loaded(void)
{
	return access("/sys/module/strata", F_OK) == 0;
}

static inline const char *strata_ko(void)
{
	const char *ko = getenv("STRATA_KO");

	return ko && *ko ? ko : "strata.ko";
}

/* Load strata.ko unless it is loaded. Return: 0 or the insmod status. */
static inline int strata_module_load(void)
{
	if (strata_module_loaded())
		return 0;
	return strata_sh("insmod '%s'", strata_ko());
}

/* Unload strata.ko if it is loaded. Return: 0 or the rmmod status. */
static inline int strata_module_unload(void)
{
	if (!strata_module_loaded())
		return 0;
	return strata_sh("rmmod strata");
}

static inline void strata_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- a quiet pair of namespaces ---- */

/*
 * Two namespaces A and B joined by a veth pair, A = 10.99.0.1 / fd00:99::1,
 * B = 10.99.0.2 / fd00:99::2, that send nothing on their own: no DAD, no
 * router solicitation, no link-local address, and ARP off on the veths
 * (which also stops the solicited-node joins, hence MLD reports), with
 * static neighbours so that no ARP or neighbour discovery is needed.
 */
struct strata_pair {
	char a[32], b[32];
};

#define STRATA_A4 "10.99.0.1"
#define STRATA_B4 "10.99.0.2"
#define STRATA_A6 "fd00:99::1"
#define STRATA_B6 "fd00:99::2"
#define STRATA_AMAC "02:00:00:00:99:0a"
#define STRATA_BMAC "02:00:00:00:99:0b"

/*
 * Namespace names unique per test process: the harness forks one process
 * per test, and a failed setup leaves its namespaces behind.
 */
static inline void strata_pair_names(struct strata_pair *p, const char *tag)
{
	snprintf(p->a, sizeof(p->a), "%s-a-%d", tag, (int)getpid());
	snprintf(p->b, sizeof(p->b), "%s-b-%d", tag, (int)getpid());
}

/* Return: 0, or the status of the first command that failed. */
static inline int strata_pair_setup(struct strata_pair *p, const char *tag)
{
	static const char quiet[] =
		"for k in all default; do c=/proc/sys/net/ipv6/conf/$k;"
		" echo 0 >$c/accept_dad && echo 0 >$c/dad_transmits &&"
		" echo 0 >$c/router_solicitations && echo 1 >$c/addr_gen_mode || exit 1;"
		" done";

	strata_pair_names(p, tag);
	return strata_sh(
		"set -e\n"
		"ip netns add %1$s\n"
		"ip netns add %2$s\n"
		"ip netns exec %1$s sh -c '%3$s'\n"
		"ip netns exec %2$s sh -c '%3$s'\n"
		"ip -n %1$s link add va address " STRATA_AMAC " type veth"
		" peer name vb address " STRATA_BMAC " netns %2$s\n"
		"ip -n %1$s link set va arp off addrgenmode none\n"
		"ip -n %2$s link set vb arp off addrgenmode none\n"
		"ip -n %1$s addr add " STRATA_A4 "/24 dev va\n"
		"ip -n %2$s addr add " STRATA_B4 "/24 dev vb\n"
		"ip -n %1$s addr add " STRATA_A6 "/64 dev va nodad\n"
		"ip -n %2$s addr add " STRATA_B6 "/64 dev vb nodad\n"
		"ip -n %1$s neigh add " STRATA_B4 " lladdr " STRATA_BMAC " dev va nud permanent\n"
		"ip -n %2$s neigh add " STRATA_A4 " lladdr " STRATA_AMAC " dev vb nud permanent\n"
		"ip -n %1$s neigh add " STRATA_B6 " lladdr " STRATA_BMAC " dev va nud permanent\n"
		"ip -n %2$s neigh add " STRATA_A6 " lladdr " STRATA_AMAC " dev vb nud permanent\n"
		"ip -n %1$s link set lo up\n"
		"ip -n %2$s link set lo up\n"
		"ip -n %1$s link set va up\n"
		"ip -n %2$s link set vb up",
		p->a, p->b, quiet);
}

static inline void strata_pair_teardown(struct strata_pair *p)
{
	if (p->a[0])
		strata_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null; true",
			  p->a, p->b);
}

/* ---- UDP ---- */

static inline socklen_t strata_sockaddr(int family, const char *addr, uint16_t port,
					struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s->sin_addr);
		return sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		return sizeof(*s);
	}
}

/**
 * strata_socket_in() - a socket in a named namespace
 * @netns: the namespace (NULL: the caller's)
 * @family: AF_INET, AF_INET6, AF_PACKET
 * @type: SOCK_DGRAM, SOCK_RAW
 * @proto: protocol
 *
 * Return: the socket, or -errno.
 */
static inline int strata_socket_in(const char *netns, int family, int type, int proto)
{
	int old = -1, fd;

	if (netns) {
		old = strata_netns_enter(netns);
		if (old < 0)
			return old;
	}
	fd = socket(family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		fd = -errno;
	strata_netns_leave(old);
	return fd;
}

/**
 * strata_udp_bound() - a UDP socket bound in a namespace, 5 s receive timeout
 * @netns: the namespace
 * @family: AF_INET or AF_INET6
 * @addr: the local address
 * @port: the local port
 *
 * Return: the socket, or -errno.
 */
static inline int strata_udp_bound(const char *netns, int family, const char *addr,
				   uint16_t port)
{
	struct timeval tv = { 5, 0 };
	struct sockaddr_storage ss;
	socklen_t len = strata_sockaddr(family, addr, port, &ss);
	int fd = strata_socket_in(netns, family, SOCK_DGRAM, 0);

	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&ss, len)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* Send one datagram of @len bytes. Return: 0 or -errno. */
/**
 * strata_csum16() - the Internet checksum (RFC 1071)
 * @data: bytes
 * @len: how many
 * @sum: a partial sum to start from (a pseudo-header's), or 0
 *
 * Return: the folded, complemented checksum in host order.
 */
static inline uint16_t strata_csum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The payload strata_udp_send() sends for a datagram of @len bytes. */
static inline const char *strata_udp_payload(size_t len)
{
	static char payload[65536];
	size_t i;

	for (i = 0; i < len && i < sizeof(payload); i++)
		payload[i] = (char)(i * 7 + len);
	return payload;
}

static inline int strata_udp_send(int fd, int family, const char *addr, uint16_t port,
				  size_t len)
{
	const char *payload = strata_udp_payload(len);
	struct sockaddr_storage ss;
	socklen_t sl = strata_sockaddr(family, addr, port, &ss);

	if (sendto(fd, payload, len, 0, (struct sockaddr *)&ss, sl) != (ssize_t)len)
		return -errno;
	return 0;
}

#endif /* STRATA_SELFTEST_H */
