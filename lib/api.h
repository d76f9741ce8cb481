/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor's drill-down API without its HTTP: a request (method, path,
 * query parameters) in, a status and a JSON or pcap body out; and the time
 * and conversation syntax the API and `strata store` share.
 */
#ifndef STRATA_API_H
#define STRATA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <pcap/pcap.h>
#include "core/flow.h"
#include "store.h"

/* The largest body built: past it a request gets 413 (Documentation/api.rst). */
#define STRATA_API_BODY_MAX	(256UL << 20)
/* Records (packets, microflows) per response: the default, and the most. */
#define STRATA_API_LIMIT_DEFAULT	10000
#define STRATA_API_LIMIT_MAX		1000000
/* Query parameters per request: more is a 400. */
#define STRATA_API_ARGS_MAX		16

/**
 * struct strata_api_arg - one decoded query parameter
 * @name: its name
 * @value: its value, NULL when the query gave the name alone ("?flow")
 */
struct strata_api_arg {
	const char *name;
	const char *value;
};

/**
 * struct strata_api_resp - what to answer
 * @status: the HTTP status: 200, 400, 404, 405, 413, 500 or 503
 * @content_type: the body's media type (a static string)
 * @allow: with 405, the value of the Allow header ("GET"); else NULL
 * @filename: a file name to offer (Content-Disposition), or NULL
 * @truncated: the limit stopped the answer: more records match
 * @partial: a partial answer: which parts are missing ("router, server"),
 *	sent as the header Strata-Partial; "" for a whole one
 * @body: the body, malloc'ed; the caller owns it (strata_api_resp_free())
 * @len: its length in bytes
 */
struct strata_api_resp {
	unsigned int status;
	const char *content_type;
	const char *allow;
	const char *filename;
	bool truncated;
	char partial[256];
	char *body;
	size_t len;
};

/**
 * strata_api_handle() - answer one drill-down request
 * @s: the store, read through its reader calls only
 * @method: the HTTP method ("GET" is the only one served)
 * @path: the URL's path, without the query ("/api/v1/packets")
 * @args: the query parameters, decoded
 * @nargs: entries in @args
 * @resp: filled in, always, whatever the status
 *
 * The endpoints, their parameters and answers are in Documentation/api.rst.
 * Every answer but a 200 is a JSON object {"error": "MESSAGE"}, the message
 * naming the parameter at fault and the form expected, or the store's own
 * message. The body is built whole in memory, so the store's read
 * transaction ends before the caller starts sending: a slow client holds
 * no LMDB pages. Reentrant: any number of threads may call it at once, on
 * one store.
 *
 * Return: 0 with @resp filled; -ENOMEM when not even the error's body could
 * be allocated (@resp then says 500 with no body).
 */
int strata_api_handle(struct strata_store *s, const char *method, const char *path,
		      const struct strata_api_arg *args, unsigned int nargs,
		      struct strata_api_resp *resp);

/**
 * strata_api_handle_max() - strata_api_handle() with another body limit
 * @s: the store
 * @method: the HTTP method
 * @path: the URL's path
 * @args: the query parameters, decoded
 * @nargs: entries in @args
 * @body_max: the largest body to build, in bytes; a larger answer is a 413
 * @resp: filled in
 *
 * Return: as strata_api_handle().
 */
int strata_api_handle_max(struct strata_store *s, const char *method, const char *path,
			  const struct strata_api_arg *args, unsigned int nargs,
			  size_t body_max, struct strata_api_resp *resp);

/**
 * strata_api_set_producer() - the sensor id every answer's schema names
 * @id: this sensor's id (stratad's sensor_id); NULL or "" when it has none
 *
 * Process-wide: one stratad serves one sensor's store.
 */
void strata_api_set_producer(const char *id);

/**
 * strata_api_error() - make an error response
 * @resp: filled with @status and the body {"error": MESSAGE} (a body it held
 *	is not freed: start from a zeroed one); @resp->allow is left as it is
 * @status: the HTTP status
 * @fmt: printf format of the message; bytes outside printable ASCII become
 *	'?', so that the body is valid JSON whatever a caller's value held
 *
 * For the HTTP glue's own errors, in the same form as strata_api_handle()'s.
 *
 * Return: 0; -ENOMEM when the body could not be allocated (@resp then says
 * 500 with no body).
 */
int strata_api_error(struct strata_api_resp *resp, unsigned int status,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * strata_api_printable() - a client's string, safe to show
 * @s: the string
 * @buf: filled with the first @len - 4 bytes of @s at most, each byte
 *	outside printable ASCII as '?' (no control characters, valid UTF-8),
 *	then "..." when @s was longer
 * @len: size of @buf, at least 4
 *
 * For messages and logs that quote what a client sent.
 *
 * Return: @buf.
 */
const char *strata_api_printable(const char *s, char *buf, size_t len);

/**
 * strata_api_resp_free() - free a response's body
 * @resp: the response (its fields are zeroed)
 */
void strata_api_resp_free(struct strata_api_resp *resp);

/**
 * strata_api_parse_time() - parse a point in time
 * @s: seconds since the epoch, with up to 9 decimals ("1795455420.5"), or
 *	an RFC 3339 time with its offset ("2026-11-22T17:27:00Z",
 *	"2026-11-22 17:27:00.123456789+01:00"; 'T', 't' or a space between
 *	date and time, 'Z' or 'z' for UTC); decimals past the ninth are ignored
 * @ns: filled with ns since the epoch
 *
 * Return: 0, or -EINVAL for anything else (a missing offset, a time before
 * 1970 or past 2554, which u64 nanoseconds cannot hold).
 */
int strata_api_parse_time(const char *s, __u64 *ns);

/**
 * strata_api_parse_flow() - parse a conversation
 * @s: "ADDR:PORT-ADDR:PORT/PROTO", either endpoint first, IPv6 addresses in
 *	brackets ("[2001:db8::1]:443-[2001:db8::2]:51000/tcp"); an address
 *	without a port has port 0 (ICMP); PROTO as strata_kw_proto() reads it
 * @key: filled with the canonical key, made by the core's strata_flow_key()
 *	as the store's conversation index is
 *
 * Return: 0, or -EINVAL.
 */
int strata_api_parse_flow(const char *s, struct strata_flow_key *key);

/**
 * strata_api_format_flow() - write a conversation as strata_api_parse_flow()
 *	reads it
 * @k: the conversation
 * @buf: filled with "ADDR:PORT-ADDR:PORT/PROTO", endpoint 0 first, IPv6
 *	addresses in brackets, PROTO by name where it has one ("tcp")
 * @len: size of @buf (160 is enough)
 *
 * Return: @buf.
 */
const char *strata_api_format_flow(const struct strata_flow_key *k, char *buf, size_t len);

/**
 * strata_api_filter() - compile a tcpdump expression for packet records
 * @expr: the expression
 * @prog: filled with the program (pcap_freecode() it), for records' bytes
 *	from the IP header (raw IP: what pcap_offline_filter() is given)
 * @err: filled with libpcap's message on failure
 * @errlen: size of @err
 *
 * The one filter compile of the API and of `strata packets` and `strata
 * store packets`.
 *
 * Return: 0, -EINVAL for an expression libpcap refuses, -ENOMEM.
 */
int strata_api_filter(const char *expr, struct bpf_program *prog, char *err,
		      size_t errlen);

#endif /* STRATA_API_H */
