/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The host clock's synchronisation state, as sensors report it with their
 * hello and with every location flow, so that figures from several hosts
 * that do not line up can be told apart.
 */
#ifndef STRATA_CLOCK_H
#define STRATA_CLOCK_H

#include <linux/types.h>

/* Clock states: hello, location flows (struct strata_store_flow.clock_sync) */
#define STRATA_CLOCK_UNKNOWN		0	/* not measured: offline, or an old sensor */
#define STRATA_CLOCK_UNSYNCED		1
#define STRATA_CLOCK_SYNCED		2

/**
 * strata_clock_state() - the host clock's state, from adjtimex()
 * @error_ns: set to the kernel's estimated error bound (maxerror), when not
 *	NULL and the state is known
 *
 * Synchronised unless the kernel says TIME_ERROR (no NTP or PTP daemon has
 * disciplined the clock, or it lost sync).
 *
 * Return: STRATA_CLOCK_SYNCED, STRATA_CLOCK_UNSYNCED, or STRATA_CLOCK_UNKNOWN
 * when adjtimex() fails.
 */
__u8 strata_clock_state(__u64 *error_ns);

/**
 * strata_clock_worst() - the state of data from two sources together
 * @a: a STRATA_CLOCK_* state
 * @b: another
 *
 * Unsynchronised if either is; synchronised only if both are; unknown
 * otherwise.
 *
 * Return: the combined STRATA_CLOCK_* state.
 */
static inline __u8 strata_clock_worst(__u8 a, __u8 b)
{
	if (a == STRATA_CLOCK_UNSYNCED || b == STRATA_CLOCK_UNSYNCED)
		return STRATA_CLOCK_UNSYNCED;
	return a == STRATA_CLOCK_SYNCED && b == STRATA_CLOCK_SYNCED ?
		STRATA_CLOCK_SYNCED : STRATA_CLOCK_UNKNOWN;
}

/**
 * strata_clock_name() - a clock state's name in the API and the CLI
 * @state: STRATA_CLOCK_*
 *
 * Return: "synchronised", "unsynchronised" or "unknown".
 */
const char *strata_clock_name(__u8 state);

#endif
