// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata stats`: the module's per-namespace counters through generic
 * netlink, under the names and in the order of /proc/net/strata.
 */
#include <stdio.h>
#include "genl.h"
#include "print.h"
#include "strata.h"

int cmd_stats(int argc, char **argv)
{
	struct strata_stats st;
	struct strata_genl *g;
	char err[512];
	unsigned int i;
	int rc;

	(void)argv;
	if (argc > 1)
		return usage_error("stats", "takes no arguments");
	g = strata_genl_open(err, sizeof(err));
	if (!g)
		return fail("stats", "%s", err);
	rc = strata_genl_stats(g, &st, err, sizeof(err));
	strata_genl_close(g);
	if (rc)
		return fail_msg(err);
	pr_begin();
	for (i = 0; i < __STRATA_STAT_MAX; i++) {
		const char *name = strata_stat_name(i);

		if (!st.present[i])
			continue;
		pr_text("%-14s ", name);
		/* A sum of hashes, as /proc/net/strata writes it: hex. */
		if (i == STRATA_STAT_FP_SUM)
			pr_hex(name, "0x%016llx\n", st.v[i]);
		else
			pr_u64(name, "%llu\n", st.v[i]);
	}
	pr_text("%-14s ", "table_live");
	pr_u64("table_live", "%llu\n", st.table_live);
	pr_end();
	return 0;
}
