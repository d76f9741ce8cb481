/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * What the module's files share: the per-namespace state and the per-CPU
 * counters that the hooks update and /proc/net/strata reads.
 */
#ifndef STRATA_KMOD_H
#define STRATA_KMOD_H

#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <uapi/linux/strata.h>

/*
 * Per-CPU counters, indexed by enum strata_stat (include/uapi/linux/strata.h).
 * Only the owning CPU writes its copy (this_cpu_*), so no lock; readers sum
 * all copies. 64-bit loads are single instructions on the 64-bit
 * architectures strata targets, so a reader never sees a torn value.
 */
struct strata_counters {
	u64 v[__STRATA_STAT_MAX];
};

#define strata_count(c, stat)		this_cpu_inc((c)->v[stat])
#define strata_count_add(c, stat, n)	this_cpu_add((c)->v[stat], n)

/**
 * struct strata_net - strata's state in one network namespace
 * @counters: the per-CPU counters
 */
struct strata_net {
	struct strata_counters __percpu *counters;
};

extern unsigned int strata_net_id;

static inline struct strata_net *strata_net(const struct net *net)
{
	return net_generic(net, strata_net_id);
}

int strata_stats_init(struct net *net, struct strata_net *sn);
void strata_stats_uninit(struct net *net, struct strata_net *sn);
int strata_hooks_init(struct net *net);
void strata_hooks_uninit(struct net *net);

#endif /* STRATA_KMOD_H */
