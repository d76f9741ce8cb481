// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The drill-down API's HTTP server: libmicrohttpd with a pool of its own
 * threads, each request decoded and handed to strata_api_handle().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "api.h"
#include "http.h"
#include "keywords.h"
#include "live.h"
#include "net.h"
#include "stratad.h"

struct stratad_http {
	struct MHD_Daemon *d;
	stratad_http_fn fn;
	stratad_http_body_fn body_fn;
	void *ctx;
	unsigned int port;
};

/* A GET whose headers are in: answered at the next call. */
static int headers_seen;

/* A request body being read, for the body handler. */
struct upload {
	char *buf;
	size_t len;
	bool big;
};

/* libmicrohttpd's own messages: warnings, one line each. */
static void on_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	log_warn("http: %s", line);
}

/* The query parameters: one more than the API takes, so that it says so. */
struct http_args {
	struct strata_api_arg v[STRATA_API_ARGS_MAX + 1];
	unsigned int n;
	bool nul;	/* a %00 in a name or value */
};

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			      size_t key_size, const char *value, size_t value_size)
{
	struct http_args *a = cls;

	(void)kind;
	/* A C string would end at the %00: refuse rather than cut the value. */
	if (strlen(key) != key_size || (value && strlen(value) != value_size))
		a->nul = true;
	if (a->n == STRATA_API_ARGS_MAX + 1)
		return MHD_NO;
	a->v[a->n].name = key;
	a->v[a->n].value = value;
	a->n++;
	return MHD_YES;
}

static enum MHD_Result reply(struct MHD_Connection *c, struct strata_api_resp *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char disp[96];

	if (resp->body) {
		r = MHD_create_response_from_buffer(resp->len, resp->body,
						    MHD_RESPMEM_MUST_FREE);
		if (r)
			resp->body = NULL;	/* libmicrohttpd's to free now */
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;	/* out of memory: the connection is closed */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (resp->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
	if (resp->filename) {
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", resp->filename);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	}
	if (resp->truncated)
		MHD_add_response_header(r, "Strata-Truncated", "true");
	if (resp->partial[0])
		MHD_add_response_header(r, "Strata-Partial", resp->partial);
	ret = MHD_queue_response(c, resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Start reading a body, or refuse one larger than the server reads at once,
 * before reading it. Return: MHD_YES to go on, else the answer's result.
 */
static enum MHD_Result upload_start(struct MHD_Connection *c, void **req_cls)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct strata_api_resp resp;
	enum MHD_Result ret;

	if (cl && strtoull(cl, NULL, 10) > STRATAD_HTTP_BODY_MAX) {
		memset(&resp, 0, sizeof(resp));
		strata_api_error(&resp, 413, "a body of more than %d bytes", STRATAD_HTTP_BODY_MAX);
		ret = reply(c, &resp);
		strata_api_resp_free(&resp);
		return ret;
	}
	*req_cls = calloc(1, sizeof(struct upload));
	return *req_cls ? MHD_YES : MHD_NO;
}

/* More of a body; past the most read, it is only counted as too big. */
static enum MHD_Result upload_add(struct upload *u, const char *data, size_t *len)
{
	char *p;

	if (u->len + *len > STRATAD_HTTP_BODY_MAX) {
		u->big = true;
	} else {
		p = realloc(u->buf, u->len + *len + 1);
		if (!p)
			return MHD_NO;
		memcpy(p + u->len, data, *len);
		u->buf = p;
		u->len += *len;
		u->buf[u->len] = 0;
	}
	*len = 0;
	return MHD_YES;
}

/* The end of a request, answered or not: its body goes. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u && *req_cls != (void *)&headers_seen) {
		free(u->buf);
		free(u);
	}
	*req_cls = NULL;
}

/*
 * libmicrohttpd calls this first when the headers are in, then again as a
 * body arrives and once at its end. A GET is answered at the second call,
 * so that the connection stays open for the next request; with a body
 * handler, any other method once its body is read; without one at once
 * (405), before its body is read: libmicrohttpd then closes the connection
 * after the answer.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct stratad_http *h = cls;
	struct strata_api_resp resp;
	struct upload *up = NULL;
	struct http_args a;
	const char *auth;
	enum MHD_Result ret;
	char m[16], u[128];

	(void)version;
	if (!*req_cls && !strcmp(method, MHD_HTTP_METHOD_GET)) {
		*req_cls = &headers_seen;
		return MHD_YES;
	}
	if (!*req_cls && h->body_fn)
		return upload_start(c, req_cls);
	if (*req_cls && *req_cls != (void *)&headers_seen) {
		up = *req_cls;
		if (*upload_data_size)
			return upload_add(up, upload_data, upload_data_size);
	}
	memset(&a, 0, sizeof(a));
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, on_arg, &a);
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (a.nul) {
		memset(&resp, 0, sizeof(resp));
		strata_api_error(&resp, 400, "a query parameter holds a NUL byte (%%00)");
	} else if (!strcmp(url, "/api/v1/status") && !strcmp(method, MHD_HTTP_METHOD_GET)) {
		/* The daemon's own state: daemon/live.h. */
		memset(&resp, 0, sizeof(resp));
		if (a.n) {
			strata_api_error(&resp, 400, "status takes no parameters");
		} else {
			resp.body = stratad_live_json(&resp.len);
			if (resp.body) {
				resp.status = 200;
				resp.content_type = "application/json";
			} else {
				strata_api_error(&resp, 503, "no status yet");
			}
		}
	} else if (up && up->big) {
		memset(&resp, 0, sizeof(resp));
		strata_api_error(&resp, 413, "a body of more than %d bytes", STRATAD_HTTP_BODY_MAX);
	} else if (up) {
		h->body_fn(h->ctx, method, url, a.n, auth, up->buf ? up->buf : "", up->len, &resp);
	} else {
		h->fn(h->ctx, method, url, a.v, a.n, auth, &resp);
	}
	log_debug("http: %s %s: %u, %zu bytes%s", strata_api_printable(method, m, sizeof(m)),
		  strata_api_printable(url, u, sizeof(u)), resp.status, resp.len,
		  resp.truncated ? ", truncated" : "");
	ret = reply(c, &resp);
	strata_api_resp_free(&resp);
	return ret;
}

struct stratad_http *stratad_http_start(const char *listen, stratad_http_fn fn, void *ctx,
					char *err, size_t errlen)
{
	return stratad_http_start_body(listen, fn, NULL, ctx, err, errlen);
}

struct stratad_http *stratad_http_start_body(const char *listen, stratad_http_fn fn,
					     stratad_http_body_fn body_fn, void *ctx,
					     char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct stratad_http *h;
	const union MHD_DaemonInfo *info;
	__u16 port;
	bool v6;

	if (stratad_parse_addr(listen, &ss, &v6, &port)) {
		snprintf(err, errlen, "http %s: not ADDR:PORT or [ADDR6]:PORT", listen);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "http %s: %s", listen, strerror(ENOMEM));
		return NULL;
	}
	h->fn = fn;
	h->body_fn = body_fn;
	h->ctx = ctx;
	/* The logger first: messages of the start itself go through it too. */
	errno = 0;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
				MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
				port, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)STRATAD_HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)STRATAD_HTTP_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)STRATAD_HTTP_TIMEOUT_S,
				MHD_OPTION_END);
	if (!h->d) {
		/* bind() and listen() leave errno; libmicrohttpd logged the rest. */
		snprintf(err, errlen, "http %s: cannot listen: %s", listen,
			 errno ? strerror(errno) : "libmicrohttpd refused (see the log)");
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	return h;
}

unsigned int stratad_http_port(const struct stratad_http *h)
{
	return h->port;
}

void stratad_http_stop(struct stratad_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
