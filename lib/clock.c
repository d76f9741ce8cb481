// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/* The host clock's synchronisation state (adjtimex). */
#include <string.h>
#include <sys/timex.h>

#include "clock.h"

__u8 strata_clock_state(__u64 *error_ns)
{
	struct timex tx;
	int st;

	memset(&tx, 0, sizeof(tx));
	st = adjtimex(&tx);
	if (st < 0)
		return STRATA_CLOCK_UNKNOWN;
	if (error_ns)
		*error_ns = (__u64)tx.maxerror * 1000;
	return st == TIME_ERROR ? STRATA_CLOCK_UNSYNCED : STRATA_CLOCK_SYNCED;
}

const char *strata_clock_name(__u8 state)
{
	return state == STRATA_CLOCK_SYNCED ? "synchronised" :
		state == STRATA_CLOCK_UNSYNCED ? "unsynchronised" : "unknown";
}
