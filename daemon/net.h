/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * Sockets of stratad: addresses as "ADDR:PORT" or "[ADDR6]:PORT", TCP
 * connections with time limits, and whole writes.
 */
#ifndef STRATAD_NET_H
#define STRATAD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>

/**
 * stratad_parse_addr() - "ADDR:PORT" or "[ADDR6]:PORT" to a socket address
 * @s: the address; ADDR is numeric (no name lookup)
 * @ss: filled with it
 * @v6: set when it is an IPv6 one
 * @port: set to the port
 *
 * Return: 0, or -EINVAL when @s is not of that form.
 */
int stratad_parse_addr(const char *s, struct sockaddr_storage *ss, bool *v6, __u16 *port);

/**
 * stratad_tcp_listen() - a listening TCP socket
 * @addr: "ADDR:PORT" (port 0: any free one)
 * @port: set to the port bound (may be NULL)
 * @err: filled on failure ("ADDR: CAUSE")
 * @errlen: its size
 *
 * Return: the socket (non-blocking, close-on-exec), or -errno.
 */
int stratad_tcp_listen(const char *addr, unsigned int *port, char *err, size_t errlen);

/**
 * stratad_tcp_connect() - connect to "ADDR:PORT" within @timeout_ms
 * @addr: where
 * @timeout_ms: how long to wait for the connection
 * @err: filled on failure
 * @errlen: its size
 *
 * Return: the connected socket (blocking, close-on-exec), or -errno.
 */
int stratad_tcp_connect(const char *addr, unsigned int timeout_ms, char *err, size_t errlen);

/**
 * stratad_wait() - wait at most @timeout_ms for @fd to be ready for @events
 * @fd: the socket
 * @events: POLLIN or POLLOUT
 * @timeout_ms: how long
 *
 * Return: 0 (ready, or a signal came: try again), -ETIMEDOUT, or -errno of
 * poll().
 */
int stratad_wait(int fd, short events, unsigned int timeout_ms);

/**
 * stratad_send_all() - write all of @len bytes, waiting at most @timeout_ms
 *	for the socket to take more
 * @fd: the socket
 * @buf: the bytes
 * @len: how many
 * @timeout_ms: the longest wait between two writes
 *
 * Return: 0, -ETIMEDOUT, or -errno of send().
 */
int stratad_send_all(int fd, const void *buf, size_t len, unsigned int timeout_ms);

#endif /* STRATAD_NET_H */
