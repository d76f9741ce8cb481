// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * `strata config show|set`: the module's configuration in this namespace,
 * read and changed through generic netlink with the keywords of lib/keywords.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "keywords.h"
#include "print.h"
#include "strata.h"

/* How often a flag change is retried when another tool changed the config. */
#define SET_RETRIES 5

static void print_segments(const char *name, const char *prefix, __u32 v)
{
	pr_u64(name, NULL, v);
	if (v == STRATA_SEG_BUDGET_ALL)
		pr_text("%ssegments all", prefix);
	else
		pr_text("%ssegments %u", prefix, v);
}

static void print_filter(const struct strata_filter *f)
{
	char buf[64];

	pr_open_obj(NULL);
	pr_text("filter");
	if (f->has_proto) {
		pr_u64("proto", NULL, f->proto);
		pr_text(" proto %s", strata_proto_name(f->proto, buf, sizeof(buf)));
	}
	if (f->has_addr)
		pr_str("addr", " addr %s",
		       strata_addr_format(f->addr, f->prefix, buf, sizeof(buf)));
	if (f->has_port)
		pr_u64("port", " port %llu", f->port);
	pr_u64("snaplen", " snaplen %llu", f->snaplen);
	if (f->has_seg_budget)
		print_segments("segments", " ", f->seg_budget);
	pr_text("\n");
	pr_close();
}

/* Every field, in text as the keywords `config set` reads. */
static void print_config(const struct strata_config *c)
{
	unsigned int i;

	pr_begin();
	pr_u64("generation", "generation %llu\n", c->generation);
	pr_u64("window_ms", "window %llu\n", c->window_ms);
	pr_u64("snaplen", "snaplen %llu\n", c->snaplen);
	pr_u64("sampling", "sampling %llu\n", c->sampling);
	pr_u64("table_cap", "table-cap %llu\n", c->table_cap);
	print_segments("segments", "", c->seg_budget);
	pr_text("\n");
	pr_u64("flags", NULL, c->flags);
	pr_bool("fingerprint", "fingerprint %s\n", c->flags & STRATA_CFG_F_FINGERPRINT);
	pr_bool("records", "records %s\n", c->flags & STRATA_CFG_F_RECORDS);
	if (c->flags & ~STRATA_CFG_F_ALL)
		pr_text("flags 0x%x\n", c->flags);
	pr_open_arr("filters");
	for (i = 0; i < c->nfilters; i++)
		print_filter(&c->filters[i]);
	pr_close();
	if (!c->nfilters)
		pr_text("no-filters\n");
	pr_end();
}

static int config_show(int argc, char **argv)
{
	struct strata_config cfg;
	struct strata_genl *g;
	char err[512];
	int rc;

	(void)argv;
	if (argc > 1)
		return usage_error("config show", "takes no arguments");
	g = strata_genl_open(err, sizeof(err));
	if (!g)
		return fail("config show", "%s", err);
	rc = strata_genl_config_get(g, &cfg, err, sizeof(err));
	strata_genl_close(g);
	if (rc)
		return fail_msg(err);
	print_config(&cfg);
	return 0;
}

static int config_set(int argc, char **argv)
{
	struct strata_config cur, out;
	struct strata_kw_config kc;
	struct strata_genl *g;
	bool own_gen, flags;
	char err[512];
	int rc, tries;

	if (strata_kw_config(argc - 1, argv + 1, &kc, err, sizeof(err)))
		return usage_error("config set", "%s", err);
	flags = kc.flags_set | kc.flags_clear;
	if (!kc.which && !flags)
		return usage_error("config set", "nothing to set");
	own_gen = kc.which & STRATA_CONFIG_GENERATION;
	g = strata_genl_open(err, sizeof(err));
	if (!g)
		return fail("config set", "%s", err);
	for (tries = 0;; tries++) {
		if (flags) {
			/*
			 * The kernel takes the flags whole: read them, change
			 * the bits asked for, and send them with the
			 * generation read, so that nothing changes in between.
			 */
			rc = strata_genl_config_get(g, &cur, err, sizeof(err));
			if (rc)
				break;
			if (own_gen && cur.generation != kc.cfg.generation) {
				snprintf(err, sizeof(err),
					 "config set: generation mismatch: the configuration is at generation %u, not %u",
					 cur.generation, kc.cfg.generation);
				rc = -ESTALE;
				break;
			}
			kc.cfg.flags = (cur.flags | kc.flags_set) & ~kc.flags_clear;
			kc.cfg.generation = cur.generation;
			kc.which |= STRATA_CONFIG_FLAGS | STRATA_CONFIG_GENERATION;
		}
		rc = strata_genl_config_set(g, &kc.cfg, kc.which, &out, err,
					    sizeof(err));
		/* Our own read-modify-write raced with another change: again. */
		if (rc == -ESTALE && flags && !own_gen && tries < SET_RETRIES)
			continue;
		break;
	}
	strata_genl_close(g);
	if (rc)
		return fail_msg(err);
	print_config(&out);
	return 0;
}

int cmd_config(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("config", "show or set?");
	if (!strcmp(argv[1], "show"))
		return config_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "set"))
		return config_set(argc - 1, argv + 1);
	return usage_error("config", "'%s': not show or set", argv[1]);
}
