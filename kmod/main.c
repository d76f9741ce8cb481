// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Module init and exit: strata's state is per network namespace, so both
 * only register and unregister the pernet operations.
 */
#include <linux/module.h>
#include <net/netns/generic.h>
#include "strata.h"

unsigned int strata_net_id __read_mostly;

static int __net_init strata_net_init(struct net *net)
{
	struct strata_net *sn = strata_net(net);
	int ret;

	ret = strata_stats_init(net, sn);
	if (ret)
		return ret;
	ret = strata_hooks_init(net);
	if (ret)
		goto err_stats;
	return 0;

err_stats:
	strata_stats_uninit(net, sn);
	return ret;
}

static void __net_exit strata_net_exit(struct net *net)
{
	/* Hooks first: their unregistration waits out packets still in them. */
	strata_hooks_uninit(net);
	strata_stats_uninit(net, strata_net(net));
}

static struct pernet_operations strata_net_ops = {
	.init = strata_net_init,
	.exit = strata_net_exit,
	.id = &strata_net_id,
	.size = sizeof(struct strata_net),
};

static int __init strata_mod_init(void)
{
	int ret = register_pernet_subsys(&strata_net_ops);

	if (ret)
		return ret;
	pr_info("strata: loaded\n");
	return 0;
}

static void __exit strata_mod_exit(void)
{
	unregister_pernet_subsys(&strata_net_ops);
	pr_info("strata: unloaded\n");
}

module_init(strata_mod_init);
module_exit(strata_mod_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("The strata authors");
MODULE_DESCRIPTION("strata: per-packet timestamps, fingerprints and microflows");
