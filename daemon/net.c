// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Sockets of stratad: the address form every option takes, listening and
 * connecting TCP sockets, and writes that finish or time out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "keywords.h"
#include "net.h"

int stratad_parse_addr(const char *s, struct sockaddr_storage *ss, bool *v6, __u16 *port)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	char buf[128], *colon, *addr = buf;
	__u32 p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (!colon || strata_kw_u32(colon + 1, 0, 65535, &p))
		return -EINVAL;
	*port = (__u16)p;
	*colon = 0;
	*v6 = buf[0] == '[';
	if (*v6) {
		if (colon == buf + 1 || colon[-1] != ']')
			return -EINVAL;
		colon[-1] = 0;
		addr = buf + 1;
	}
	memset(ss, 0, sizeof(*ss));
	if (*v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(*port);
		return inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons(*port);
	return inet_pton(AF_INET, addr, &a4->sin_addr) == 1 ? 0 : -EINVAL;
}

static int sock_err(char *err, size_t errlen, const char *addr, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s: %s", addr, what, strerror(e));
	return -e;
}

int stratad_tcp_listen(const char *addr, unsigned int *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1, e;
	__u16 p;
	bool v6;

	if (stratad_parse_addr(addr, &ss, &v6, &p)) {
		snprintf(err, errlen, "%s: not ADDR:PORT or [ADDR6]:PORT", addr);
		return -EINVAL;
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sock_err(err, errlen, addr, "socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, v6 ? sizeof(struct sockaddr_in6) :
		 sizeof(struct sockaddr_in)) || listen(fd, 64)) {
		e = errno;
		close(fd);
		return sock_err(err, errlen, addr, "cannot listen", e);
	}
	if (port) {
		getsockname(fd, (struct sockaddr *)&ss, &sl);
		*port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
			      ((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

int stratad_tcp_connect(const char *addr, unsigned int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t el = sizeof(int);
	int fd, e = 0, one = 1, fl;
	__u16 p;
	bool v6;

	if (stratad_parse_addr(addr, &ss, &v6, &p) || !p) {
		snprintf(err, errlen, "%s: not ADDR:PORT or [ADDR6]:PORT", addr);
		return -EINVAL;
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sock_err(err, errlen, addr, "socket", errno);
	if (connect(fd, (struct sockaddr *)&ss, v6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in))) {
		if (errno != EINPROGRESS) {
			e = errno;
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		e = poll(&pfd, 1, (int)timeout_ms);
		if (e <= 0) {
			e = e ? errno : ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) || e)
			goto fail;
	}
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return sock_err(err, errlen, addr, "cannot connect", e ? e : EIO);
}

int stratad_wait(int fd, short events, unsigned int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r = poll(&pfd, 1, (int)timeout_ms);

	if (r == 0)
		return -ETIMEDOUT;
	return r < 0 && errno != EINTR ? -errno : 0;
}

int stratad_send_all(int fd, const void *buf, size_t len, unsigned int timeout_ms)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = stratad_wait(fd, POLLOUT, timeout_ms);

			if (r < 0)
				return r;
			continue;
		}
		return n < 0 ? -errno : -EPIPE;
	}
	return 0;
}
