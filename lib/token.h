/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Shared secrets: the token a sensor shows the central host in its hello,
 * the one a request shows a sensor's or the central host's API.
 */
#ifndef STRATA_TOKEN_H
#define STRATA_TOKEN_H

#include <stdbool.h>

/**
 * strata_token_equal() - whether a secret shown is the one wanted
 * @want: the secret
 * @got: what was shown
 *
 * In constant time: how long the compare takes says nothing of @want.
 */
bool strata_token_equal(const char *want, const char *got);

/**
 * strata_bearer_ok() - whether a request shows the token
 * @want: the token ("" or NULL: none configured, nothing passes)
 * @authorization: the request's Authorization header, "Bearer TOKEN" (the
 *	scheme's name in any case; NULL: none)
 *
 * Return: true when the token matches (compared by strata_token_equal()).
 */
bool strata_bearer_ok(const char *want, const char *authorization);

#endif /* STRATA_TOKEN_H */
