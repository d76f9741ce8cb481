/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The central host's REST API: sensors, macroflows, connected flows and
 * their locations, as JSON or CSV (Documentation/central.rst, "API").
 */
#ifndef STRATA_CAPI_H
#define STRATA_CAPI_H

#include <stddef.h>
#include "api.h"
#include "cstore.h"

struct strata_capi;

/**
 * strata_capi_new() - an API over a central store
 * @cs: the store, open for as long as the API is
 * @err: filled on failure
 * @errlen: its size
 *
 * Return: the API, or NULL (out of memory).
 */
struct strata_capi *strata_capi_new(struct strata_cstore *cs, char *err, size_t errlen);

struct strata_alarms;

/**
 * strata_capi_set_alarms() - serve /api/v1/alarms and macroflows' quality
 * @a: the API, before it serves
 * @al: the alarm store, open for as long as the API is
 * @token: the secret an acknowledgement takes ("": none taken; copied)
 */
void strata_capi_set_alarms(struct strata_capi *a, struct strata_alarms *al, const char *token);

/* strata_capi_free() - free an API (NULL is fine). */
void strata_capi_free(struct strata_capi *a);

/**
 * strata_capi_handle() - answer one request
 * @a: the API
 * @method: the HTTP method
 * @path: the URL's path, without the query
 * @args: the query parameters, decoded
 * @nargs: entries in @args
 * @auth: the request's Authorization header (NULL: none); an alarm's
 *	acknowledgement needs "Bearer API-TOKEN"
 * @resp: filled in, always: a 200 with the answer, or a 4xx/5xx with
 *	{"error": MESSAGE} as strata_api_handle() gives them
 *
 * Reentrant: the store is only read.
 *
 * Return: 0, or -ENOMEM when not even an error could be built.
 */
int strata_capi_handle(struct strata_capi *a, const char *method, const char *path,
		       const struct strata_api_arg *args, unsigned int nargs, const char *auth,
		       struct strata_api_resp *resp);

/* strata_capi_handle() in the form stratad's HTTP server calls (@ctx: the API). */
int strata_capi_handler(void *ctx, const char *method, const char *path,
			const struct strata_api_arg *args, unsigned int nargs, const char *auth,
			struct strata_api_resp *resp);

#endif /* STRATA_CAPI_H */
