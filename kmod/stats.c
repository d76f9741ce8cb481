// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Per-CPU packet counters of a namespace and their text reader,
 * /proc/net/strata (one "name value" line each); netlink.c sends them too.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/netns/generic.h>
#include "strata.h"
#include "core/counters.h"


/**
 * strata_stats_sum() - the counters of a namespace, summed over the CPUs
 * @sn: its strata state
 * @sum: the sums, indexed by enum strata_counter
 */
void strata_stats_sum(struct strata_net *sn, u64 sum[__STRATA_STAT_MAX])
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __STRATA_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct strata_counters *c = per_cpu_ptr(sn->counters, cpu);

		for (i = 0; i < __STRATA_STAT_MAX; i++)
			sum[i] += READ_ONCE(c->v[i]);
	}
}

static int strata_stats_show(struct seq_file *m, void *v)
{
	struct strata_net *sn = strata_net(seq_file_single_net(m));
	u64 sum[__STRATA_STAT_MAX];
	int i;

	strata_stats_sum(sn, sum);
	for (i = 0; i < __STRATA_STAT_MAX; i++)
		seq_printf(m, i == STRATA_STAT_FP_SUM ? "%s 0x%016llx\n" : "%s %llu\n",
			   strata_counter_names[i], sum[i]);
	return 0;
}

/**
 * strata_stats_init() - allocate a namespace's counters and its proc file
 * @net: the namespace
 * @sn: its strata state
 *
 * Return: 0 or -ENOMEM.
 */
int strata_stats_init(struct net *net, struct strata_net *sn)
{
	sn->counters = alloc_percpu(struct strata_counters);
	if (!sn->counters)
		return -ENOMEM;
	if (!proc_create_net_single("strata", 0444, net->proc_net,
				    strata_stats_show, NULL))
		goto err_percpu;
	return 0;

err_percpu:
	free_percpu(sn->counters);
	sn->counters = NULL;
	return -ENOMEM;
}

/**
 * strata_stats_uninit() - remove the proc file and free the counters
 * @net: the namespace
 * @sn: its strata state (its hooks already unregistered)
 */
void strata_stats_uninit(struct net *net, struct strata_net *sn)
{
	remove_proc_entry("strata", net->proc_net);
	free_percpu(sn->counters);
	sn->counters = NULL;
}
