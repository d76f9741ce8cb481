// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata stats`: the module's per-namespace counters. For now read from
 * /proc/net/strata; the generic netlink family replaces that next.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "print.h"
#include "strata.h"

#define STATS_PATH "/proc/net/strata"

int cmd_stats(int argc, char **argv)
{
	char name[64], value[64];
	FILE *f;

	(void)argv;
	if (argc > 1)
		return usage_error("stats", "takes no arguments");
	f = fopen(STATS_PATH, "r");
	if (!f) {
		if (errno == ENOENT)
			return fail("stats", "%s: not found: is strata.ko loaded? (modprobe strata)",
				    STATS_PATH);
		return fail("stats", "%s: %s", STATS_PATH, strerror(errno));
	}
	pr_begin();
	while (fscanf(f, "%63s %63s", name, value) == 2) {
		/* Hex values (checksums) stay strings; counters are numbers. */
		if (!strncmp(value, "0x", 2)) {
			pr_str(name, NULL, value);
			pr_text("%-14s %s\n", name, value);
		} else {
			pr_text("%-14s ", name);
			pr_u64(name, "%llu\n", strtoull(value, NULL, 10));
		}
	}
	fclose(f);
	pr_end();
	return 0;
}
