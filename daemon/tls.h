/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * TLS of the sensor-to-central link (OpenSSL), and the connection both ends
 * read and write through: a socket alone, or a socket under TLS.
 */
#ifndef STRATAD_TLS_H
#define STRATAD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct stratad_config;
struct stratad_tls;
struct ssl_st;

/**
 * struct stratad_conn - one connection: a socket, under TLS or not
 * @fd: the socket (-1: none)
 * @ssl: its TLS session; NULL: plain TCP, read and written as before TLS
 *	existed (recv(), stratad_send_all())
 * @err: what the last failed TLS call said (empty: nothing yet)
 *
 * A TLS connection's socket is non-blocking: stratad_conn_recv() returns
 * -1 with errno EAGAIN when no application byte is there yet, even after
 * poll() said the socket was readable (a part of a record, or a record
 * that is not data).
 */
struct stratad_conn {
	int fd;
	struct ssl_st *ssl;
	char err[160];
};

/**
 * stratad_tls_new() - the TLS context of a role, from the configuration
 * @c: the configuration (tls, tls-cert, tls-key, tls-ca, tls-name)
 * @server: true for the central host (it accepts), false for a sensor
 * @tls: set to the context, or to NULL when ``tls = no``
 * @err: filled on failure, naming the key, the file and the cause
 * @errlen: its size
 *
 * Loads and checks everything once, so that a configuration that cannot
 * work refuses to start: a tls-* key with ``tls = no``, a central host
 * without ``tls-cert``, a key without a certificate, a file that cannot be
 * read or parsed, a key that is not the certificate's. Both ends: TLS 1.2
 * at least, no renegotiation, no session tickets.
 *
 * Return: 0 or -EINVAL.
 */
int stratad_tls_new(const struct stratad_config *c, bool server, struct stratad_tls **tls,
		    char *err, size_t errlen);

/**
 * stratad_tls_free() - frees a context from stratad_tls_new()
 * @tls: the context (NULL: nothing)
 */
void stratad_tls_free(struct stratad_tls *tls);

/**
 * stratad_tls_describe() - one line for the log: what a context checks
 * @tls: the context
 * @buf: filled with it
 * @len: its size
 *
 * Return: @buf.
 */
const char *stratad_tls_describe(const struct stratad_tls *tls, char *buf, size_t len);

/**
 * stratad_tls_connect() - a sensor's TLS handshake over a connected socket
 * @tls: the sensor's context
 * @k: the connection; @k->fd is made non-blocking, @k->ssl is set on success
 * @timeout_ms: the longest the handshake may take
 * @err: filled on failure: a certificate that fails verification says which
 *	check failed ("certificate verify failed: IP address mismatch")
 * @errlen: its size
 *
 * Verifies the central host's certificate chain against tls-ca (or the
 * system's trust store) and its name: tls-name, else the address of
 * ``central``.
 *
 * Return: 0, -ETIMEDOUT, or -EPROTO.
 */
int stratad_tls_connect(struct stratad_tls *tls, struct stratad_conn *k,
			unsigned int timeout_ms, char *err, size_t errlen);

/**
 * stratad_tls_accept() - starts the central host's side of a handshake
 * @tls: the central host's context
 * @k: the accepted connection (its socket non-blocking); @k->ssl is set
 *
 * Return: 0 or -ENOMEM.
 */
int stratad_tls_accept(struct stratad_tls *tls, struct stratad_conn *k);

/**
 * stratad_tls_drop() - makes a connection whose handshake has not started
 *	a plain one again, to answer a peer that speaks no TLS in its language
 * @k: the connection
 */
void stratad_tls_drop(struct stratad_conn *k);

/**
 * stratad_tls_handshake() - goes on with a handshake without blocking
 * @k: a connection from stratad_tls_accept()
 * @events: set to what to poll() for next (POLLIN or POLLOUT) while under way
 *
 * Return: 1 when the handshake is done, 0 while it is under way, or
 * -EPROTO when it failed (the cause in @k->err).
 */
int stratad_tls_handshake(struct stratad_conn *k, short *events);

/**
 * stratad_conn_recv() - reads what has arrived, without blocking under TLS
 * @k: the connection
 * @buf: where
 * @len: at most this many bytes
 * @flags: recv()'s; under TLS only MSG_PEEK means something
 *
 * Return: as recv(): the bytes read, 0 at the end, or -1 with errno
 * (EAGAIN: nothing yet; EPROTO: a TLS error, its cause in @k->err).
 */
ssize_t stratad_conn_recv(struct stratad_conn *k, void *buf, size_t len, int flags);

/**
 * stratad_conn_describe() - one line for the log: how the connection is
 *	protected ("TLSv1.3 TLS_AES_256_GCM_SHA384, certificate /CN=...")
 * @k: the connection
 * @buf: filled with it
 * @len: its size
 *
 * Return: @buf.
 */
const char *stratad_conn_describe(const struct stratad_conn *k, char *buf, size_t len);

/**
 * stratad_conn_pending() - whether bytes wait in TLS's buffer
 * @k: the connection
 *
 * poll() does not see bytes that OpenSSL already took from the socket:
 * read them before waiting.
 *
 * Return: true when stratad_conn_recv() has bytes to give without reading
 * the socket.
 */
bool stratad_conn_pending(const struct stratad_conn *k);

/**
 * stratad_conn_send_all() - stratad_send_all() over the connection
 * @k: the connection
 * @buf: the bytes
 * @len: how many
 * @timeout_ms: the longest wait for the socket to take more
 *
 * Return: 0, -ETIMEDOUT, -EPROTO (a TLS error, its cause in @k->err), or
 * -errno of send().
 */
int stratad_conn_send_all(struct stratad_conn *k, const void *buf, size_t len,
			  unsigned int timeout_ms);

/**
 * stratad_conn_close() - closes the connection (a close_notify first under
 *	TLS, without waiting for the peer's)
 * @k: the connection; @k->fd is -1 and @k->ssl NULL afterwards
 */
void stratad_conn_close(struct stratad_conn *k);

#endif /* STRATAD_TLS_H */
