/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * What the selftests that run stratad share: start, wait, stop; UDP bursts
 * from A to B; the API over HTTP; the store's records of a conversation.
 */
#ifndef STRATAD_RUN_H
#define STRATAD_RUN_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "strata_selftest.h"
#include "store.h"

static inline const char *repo_path(const char *rel, char *buf, size_t len)
{
	const char *repo = getenv("STRATA_REPO");

	snprintf(buf, len, "%s/%s", repo && *repo ? repo : ".", rel);
	return buf;
}

/*
 * stratad in namespace @ns on store @dir, its log to @log; @extra are more
 * "--key value" words (NULL-terminated). Return: its pid, or -1.
 */
static inline pid_t stratad_start(const char *ns, const char *dir, const char *log,
				  const char *const *extra)
{
	char bin[512];
	const char *argv[32];
	int n = 0, fd;
	pid_t pid;

	repo_path("build/stratad", bin, sizeof(bin));
	argv[n++] = bin;
	argv[n++] = "--store";
	argv[n++] = dir;
	argv[n++] = "--listen";
	argv[n++] = "off";
	argv[n++] = "--stats-interval";
	argv[n++] = "0";
	while (extra && *extra && n < 30)
		argv[n++] = *extra++;
	argv[n] = NULL;
	pid = fork();
	if (pid)
		return pid;
	if (strata_netns_enter(ns) < 0)
		_exit(126);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	execv(bin, (char *const *)argv);
	_exit(127);
}

/*
 * Until stratad has the rings open (they exist from the first open: a
 * packet before it has no record). Return 0, or -1 after 20 s.
 */
static inline int stratad_ready(const char *log, unsigned int starts)
{
	unsigned int i;

	for (i = 0; i < 200; i++) {
		if (!strata_sh("[ $(grep -c 'sensor: draining' %s 2>/dev/null) -ge %u ]", log,
			       starts))
			return 0;
		strata_sleep_ms(100);
	}
	return -1;
}

/* SIGTERM, then wait up to @ms. Return: its exit status, or -1. */
static inline int stratad_stop(pid_t pid, unsigned int ms)
{
	int st;
	unsigned int t;

	kill(pid, SIGTERM);
	for (t = 0; t < ms; t += 20) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		strata_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static inline void flow_key(__u16 sport, __u16 dport, struct strata_flow_key *k)
{
	struct strata_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 17;
	p.saddr[10] = p.saddr[11] = p.daddr[10] = p.daddr[11] = 0xff;
	inet_pton(AF_INET, STRATA_A4, p.saddr + 12);
	inet_pton(AF_INET, STRATA_B4, p.daddr + 12);
	p.sport = sport;
	p.dport = dport;
	strata_flow_key(&p, k);
}

/* Send @n datagrams of sizes 1..1000 from A's socket @fd to B:@port. */
static inline int burst(int fd, __u16 port, unsigned int n, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int rc = strata_udp_send(fd, AF_INET, STRATA_B4, port,
					 size ? size : 1 + (i * 37) % 1000);

		if (rc)
			return rc;
	}
	return 0;
}

/* A UDP socket in A bound to @sport. */
static inline int sender(const char *ns, __u16 sport)
{
	return strata_udp_bound(ns, AF_INET, STRATA_A4, sport);
}

/* The port of the drill-down API from stratad's log, or 0. */
static inline unsigned int api_port(const char *log)
{
	char line[1024];
	unsigned int port = 0;
	FILE *f = fopen(log, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "drill-down API on ");

		if (p && (p = strstr(p, "(port ")))
			sscanf(p, "(port %u)", &port);
	}
	fclose(f);
	return port;
}

/*
 * One HTTP/1.0 request, @method @path, to 127.0.0.1:@port in namespace @ns,
 * with more header lines @headers ("Name: value\r\n"..., or NULL) and the
 * body @send (or NULL). Return the status (0 on a transport error); the
 * answer's body (malloc'ed) in @body, @blen.
 */
static inline int http_req(const char *ns, unsigned int port, const char *method,
			   const char *path, const char *headers, const char *send,
			   char **body, size_t *blen)
{
	struct sockaddr_storage ss;
	socklen_t sl = strata_sockaddr(AF_INET, "127.0.0.1", (uint16_t)port, &ss);
	int fd = strata_socket_in(ns, AF_INET, SOCK_STREAM, 0), status = 0;
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), req[8192], *end;
	ssize_t n;

	*body = NULL;
	*blen = 0;
	if (fd < 0 || !buf || connect(fd, (struct sockaddr *)&ss, sl))
		goto out;
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: localhost\r\n%s"
		 "Content-Length: %zu\r\n\r\n%s", method, path, headers ? headers : "",
		 send ? strlen(send) : 0, send ? send : "");
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				goto out;
			buf = nb;
		}
	}
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end || sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		goto out;
	*blen = len - (size_t)(end + 4 - buf);
	*body = malloc(*blen + 1);
	if (*body) {
		memcpy(*body, end + 4, *blen);
		(*body)[*blen] = 0;
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return status;
}

/* A GET of @path: http_req() without headers or body. */
static inline int http_get(const char *ns, unsigned int port, const char *path,
			   char **body, size_t *blen)
{
	return http_req(ns, port, "GET", path, NULL, NULL, body, blen);
}

/* Each stored record of UDP from A's @sport to B's @dport, read-only. */
static inline int store_each(const char *dir, __u16 sport, __u16 dport,
			     strata_store_rec_fn fn, void *arg,
			     struct strata_store_info *info)
{
	struct strata_store_opts o;
	struct strata_store *s;
	struct strata_flow_key k;
	char err[512];
	int rc;

	strata_store_opts_init(&o, dir);
	o.readonly = true;
	rc = strata_store_open(&o, &s, err, sizeof(err));
	if (rc)
		return rc;
	flow_key(sport, dport, &k);
	rc = strata_store_packets(s, 0, ~0ULL, &k, fn, arg, err, sizeof(err));
	if (!rc && info)
		rc = strata_store_info(s, info, err, sizeof(err));
	strata_store_close(s, err, sizeof(err));
	return rc;
}

#endif /* STRATAD_RUN_H */
