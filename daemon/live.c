// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor's live state under RCU: one pointer, swapped by the drain
 * thread, read by libmicrohttpd's threads. The "bulletproof" flavour of
 * liburcu needs no registration of reader threads, which belong to
 * libmicrohttpd.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "live.h"

static struct stratad_live *live;

static void live_free(struct rcu_head *head)
{
	free(caa_container_of(head, struct stratad_live, rcu));
}

void stratad_live_publish(struct stratad_live *l)
{
	struct stratad_live *old = rcu_xchg_pointer(&live, l);

	if (old)
		call_rcu(&old->rcu, live_free);
}

static void put_u64(json_t *o, const char *name, __u64 v)
{
	json_object_set_new(o, name, json_integer((json_int_t)v));
}

char *stratad_live_json(size_t *len)
{
	const struct stratad_live *l;
	json_t *o, *lost, *errs, *rings;
	unsigned int i;
	char *body = NULL;

	o = json_object();
	lost = json_object();
	errs = json_object();
	rings = json_array();
	if (!o || !lost || !errs || !rings)
		goto out;
	rcu_read_lock();
	l = rcu_dereference(live);
	if (l) {
		put_u64(o, "started_ns", l->started_ns);
		put_u64(o, "at_ns", l->at_ns);
		put_u64(o, "packets", l->packets);
		put_u64(o, "microflows", l->microflows);
		put_u64(lost, "ring", l->ring_lost);
		put_u64(lost, "gaps", l->ring_gaps);
		put_u64(lost, "microflows", l->mf_lost);
		put_u64(lost, "restart", l->restart_lost);
		put_u64(errs, "add", l->add_errors);
		put_u64(errs, "flush", l->flush_errors);
		for (i = 0; i < l->nrings; i++) {
			json_t *r = json_object();

			if (!r)
				break;
			put_u64(r, "cpu", i);
			put_u64(r, "records", l->ring[i].records);
			put_u64(r, "last_seq", l->ring[i].last_seq);
			json_array_append_new(rings, r);
		}
	}
	rcu_read_unlock();
	if (!l)
		goto out;
	json_object_set_new(o, "lost", lost);
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "rings", rings);
	lost = errs = rings = NULL;
	body = json_dumps(o, JSON_INDENT(2));
	if (body)
		*len = strlen(body);
out:
	json_decref(lost);
	json_decref(errs);
	json_decref(rings);
	json_decref(o);
	return body;
}

void stratad_live_exit(void)
{
	struct stratad_live *old = rcu_xchg_pointer(&live, NULL);

	/* Callbacks under way first, then the last snapshot. */
	rcu_barrier();
	if (old) {
		synchronize_rcu();
		free(old);
	}
}
