/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor's drill-down API over HTTP (libmicrohttpd): its own threads,
 * each request answered by strata_api_handle() (Documentation/api.rst).
 */
#ifndef STRATAD_HTTP_H
#define STRATAD_HTTP_H

#include <stddef.h>

struct strata_api_arg;
struct strata_api_resp;
struct stratad_http;

/*
 * Answers one request, as strata_api_handle() does; @ctx as given to the
 * start, @auth the request's Authorization header (NULL: none).
 */
typedef int (*stratad_http_fn)(void *ctx, const char *method, const char *path,
			       const struct strata_api_arg *args, unsigned int nargs,
			       const char *auth, struct strata_api_resp *resp);

/*
 * Answers a request with a body (any method but GET), when a server has one:
 * @auth is its Authorization header (NULL: none), @body its body (NUL
 * terminated, @len bytes). Else as stratad_http_fn.
 */
typedef int (*stratad_http_body_fn)(void *ctx, const char *method, const char *path,
				    unsigned int nargs, const char *auth, const char *body,
				    size_t len, struct strata_api_resp *resp);

/* The largest body read; past it a 413. */
#define STRATAD_HTTP_BODY_MAX		(64 << 10)

/* Threads that answer requests, connections at once, idle seconds allowed. */
#define STRATAD_HTTP_THREADS		2
#define STRATAD_HTTP_CONNECTIONS	64
#define STRATAD_HTTP_TIMEOUT_S		30

/**
 * stratad_http_start() - serve an API
 * @listen: "ADDR:PORT" with an IPv4 address, or "[ADDR]:PORT" with an IPv6
 *	one ("127.0.0.1:8470", "[::1]:8470"); "[::]:PORT" takes IPv6 only
 *	(libmicrohttpd sets IPV6_V6ONLY), "0.0.0.0:PORT" IPv4 only; port 0
 *	picks a free port (stratad_http_port() says which)
 * @fn: answers each request, on the server's threads: it must be
 *	reentrant (the sensor's and the central host's APIs only read their
 *	stores, which is safe from any thread while one thread writes)
 * @ctx: passed to @fn; it must stay valid until stratad_http_stop() returns
 * @err: filled with "http ADDR: CAUSE" on failure
 * @errlen: size of @err
 *
 * Requests are answered on STRATAD_HTTP_THREADS threads of libmicrohttpd's
 * own, never on the caller's: a query never holds up the draining of the
 * rings. Errors of libmicrohttpd are logged as warnings, each request at
 * the debug level.
 *
 * Return: the server, or NULL (@err says why: a bad address, a port in use).
 */
struct stratad_http *stratad_http_start(const char *listen, stratad_http_fn fn, void *ctx,
					char *err, size_t errlen);

/**
 * stratad_http_start_body() - serve an API that also takes requests with a
 *	body (the sensor's POST /api/v1/record)
 * @listen: as for stratad_http_start()
 * @fn: answers GET requests, as for stratad_http_start()
 * @body_fn: answers every other method, once its body (at most
 *	STRATAD_HTTP_BODY_MAX bytes: past it a 413 without a call) is read
 * @ctx: passed to @fn and @body_fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Return: the server, or NULL (@err says why).
 */
struct stratad_http *stratad_http_start_body(const char *listen, stratad_http_fn fn,
					     stratad_http_body_fn body_fn, void *ctx,
					     char *err, size_t errlen);

/**
 * stratad_http_port() - the port a server listens on
 * @h: the server
 *
 * Return: the port, also when stratad_http_start() was given port 0.
 */
unsigned int stratad_http_port(const struct stratad_http *h);

/**
 * stratad_http_stop() - stop serving
 * @h: the server, or NULL
 *
 * Closes the listening socket and every connection, and waits for the
 * threads: a query under way is finished first (one read transaction, up to
 * STRATA_API_BODY_MAX of answer). The store may be closed afterwards.
 */
void stratad_http_stop(struct stratad_http *h);

#endif /* STRATAD_HTTP_H */
