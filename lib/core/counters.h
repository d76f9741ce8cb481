/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The names of the module's counters (enum strata_counter of
 * include/uapi/linux/strata.h), as /proc/net/strata prints them and the
 * tools show them: one table for the module and for libstrata.
 */
#ifndef STRATA_CORE_COUNTERS_H
#define STRATA_CORE_COUNTERS_H

#include <uapi/linux/strata.h>

static const char *const strata_counter_names[__STRATA_STAT_MAX] = {
	[STRATA_STAT_SEEN] = "seen",
	[STRATA_STAT_PARSED] = "parsed",
	[STRATA_STAT_TRUNCATED] = "truncated",
	[STRATA_STAT_MALFORMED] = "malformed",
	[STRATA_STAT_UNSUPPORTED] = "unsupported",
	[STRATA_STAT_FRAGMENTS] = "fragments",
	[STRATA_STAT_IPV4] = "ipv4",
	[STRATA_STAT_IPV6] = "ipv6",
	[STRATA_STAT_FINGERPRINTS] = "fingerprints",
	[STRATA_STAT_FP_SUM] = "fp_sum",
	[STRATA_STAT_SEGMENTED] = "segmented",
	[STRATA_STAT_TABLE_FULL] = "table_full",
	[STRATA_STAT_MF_NEW] = "mf_new",
	[STRATA_STAT_MF_CLOSED] = "mf_closed",
	[STRATA_STAT_MF_NOTIFY_FAIL] = "mf_notify_fail",
	[STRATA_STAT_RECORDS] = "records",
	[STRATA_STAT_RING_DROPS] = "ring_drops",
	[STRATA_STAT_SAMPLED_OUT] = "sampled_out",
};

#endif /* STRATA_CORE_COUNTERS_H */
