// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Module init and exit: the entry cache, /dev/strata and the generic netlink
 * family are global; everything else is per network namespace (pernet
 * operations), created with the namespace and gone with it.
 */
#include <linux/module.h>
#include <net/netns/generic.h>
#include "strata.h"

unsigned int strata_net_id __read_mostly;

static int __net_init strata_net_init(struct net *net)
{
	struct strata_net *sn = strata_net(net);
	int ret;

	sn->net = net;
	mutex_init(&sn->rings_lock);
	init_waitqueue_head(&sn->ring_wait);
	RCU_INIT_POINTER(sn->rings, NULL);
	sn->sample = alloc_percpu(u32);
	if (!sn->sample)
		return -ENOMEM;
	sn->frags = alloc_percpu(struct strata_frag_cache);
	if (!sn->frags) {
		ret = -ENOMEM;
		goto err_sample;
	}
	ret = strata_config_init(sn);
	if (ret)
		goto err_sample;
	ret = strata_stats_init(net, sn);
	if (ret)
		goto err_config;
	ret = strata_table_init(sn);
	if (ret)
		goto err_stats;
	ret = strata_hooks_init(net);
	if (ret)
		goto err_table;
	return 0;

err_table:
	strata_table_uninit(sn);
err_stats:
	strata_stats_uninit(net, sn);
err_config:
	strata_config_uninit(sn);
err_sample:
	free_percpu(sn->frags);
	free_percpu(sn->sample);
	return ret;
}

static void __net_exit strata_net_exit(struct net *net)
{
	struct strata_net *sn = strata_net(net);

	/* Hooks first: their unregistration waits out packets still in them. */
	strata_hooks_uninit(net);
	strata_table_uninit(sn);
	strata_rings_free(sn);
	strata_stats_uninit(net, sn);
	strata_config_uninit(sn);
	free_percpu(sn->frags);
	free_percpu(sn->sample);
}

static struct pernet_operations strata_net_ops = {
	.init = strata_net_init,
	.exit = strata_net_exit,
	.id = &strata_net_id,
	.size = sizeof(struct strata_net),
};

static int __init strata_mod_init(void)
{
	int ret;

	ret = strata_table_cache_init();
	if (ret)
		return ret;
	ret = strata_ring_init();
	if (ret)
		goto err_cache;
	ret = register_pernet_subsys(&strata_net_ops);
	if (ret)
		goto err_ring;
	ret = strata_genl_init();
	if (ret)
		goto err_pernet;
	pr_info("strata: loaded\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&strata_net_ops);
err_ring:
	strata_ring_uninit();
err_cache:
	strata_table_cache_uninit();
	return ret;
}

static void __exit strata_mod_exit(void)
{
	strata_genl_uninit();
	unregister_pernet_subsys(&strata_net_ops);
	strata_ring_uninit();
	/* Entries freed with call_rcu() by the workers. */
	rcu_barrier();
	strata_table_cache_uninit();
	pr_info("strata: unloaded\n");
}

module_init(strata_mod_init);
module_exit(strata_mod_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("The strata authors");
MODULE_DESCRIPTION("strata: per-packet timestamps, fingerprints and microflows");
