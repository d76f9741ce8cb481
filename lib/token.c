// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/* Shared secrets, compared so that the time taken tells nothing. */
#include <string.h>
#include <strings.h>
#include "token.h"

bool strata_token_equal(const char *want, const char *got)
{
	size_t n = strlen(want), m = strlen(got), i;
	unsigned char d = n != m;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
	return !d;
}

bool strata_bearer_ok(const char *want, const char *authorization)
{
	static const char bearer[] = "Bearer ";

	if (!want || !*want || !authorization ||
	    strncasecmp(authorization, bearer, sizeof(bearer) - 1))
		return false;
	return strata_token_equal(want, authorization + sizeof(bearer) - 1);
}
