// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Per-CPU packet counters of a namespace and their reader, /proc/net/strata
 * (one "name value" line each; the genl family will carry them as well).
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/netns/generic.h>
#include "strata.h"

static void strata_stats_sum(struct strata_net *sn, struct strata_counters *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct strata_counters *c = per_cpu_ptr(sn->counters, cpu);

		sum->seen += READ_ONCE(c->seen);
		sum->parsed += READ_ONCE(c->parsed);
		sum->truncated += READ_ONCE(c->truncated);
		sum->malformed += READ_ONCE(c->malformed);
		sum->unsupported += READ_ONCE(c->unsupported);
		sum->fragments += READ_ONCE(c->fragments);
		sum->ipv4 += READ_ONCE(c->ipv4);
		sum->ipv6 += READ_ONCE(c->ipv6);
		sum->fingerprints += READ_ONCE(c->fingerprints);
		sum->fp_sum += READ_ONCE(c->fp_sum);
	}
}

static int strata_stats_show(struct seq_file *m, void *v)
{
	struct strata_counters s;

	strata_stats_sum(strata_net(seq_file_single_net(m)), &s);
	seq_printf(m, "seen %llu\n", s.seen);
	seq_printf(m, "parsed %llu\n", s.parsed);
	seq_printf(m, "truncated %llu\n", s.truncated);
	seq_printf(m, "malformed %llu\n", s.malformed);
	seq_printf(m, "unsupported %llu\n", s.unsupported);
	seq_printf(m, "fragments %llu\n", s.fragments);
	seq_printf(m, "ipv4 %llu\n", s.ipv4);
	seq_printf(m, "ipv6 %llu\n", s.ipv6);
	seq_printf(m, "fingerprints %llu\n", s.fingerprints);
	seq_printf(m, "fp_sum 0x%016llx\n", s.fp_sum);
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
