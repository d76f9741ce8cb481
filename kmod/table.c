// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The microflow table of a namespace: the shared core's accounting
 * (lib/core/flow.c) for every conversation, in an rhashtable (RCU lookups,
 * per-bucket locks, resized as it grows) keyed by the conversation and its
 * siphash under the namespace's random key. Each entry has its own spinlock,
 * taken by the packet path for the accounting and by the worker.
 *
 * A window closes when the conversation's first packet of a later window
 * arrives, or else when the worker's scan reaches the entry after the window
 * ended. The worker scans a bounded number of entries per run, enough to go
 * round the whole table once per window; closed microflows go through a
 * lock-free list to the worker, which multicasts them. Conversations idle for
 * STRATA_IDLE_NS are forgotten.
 */
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include "strata.h"

#define STRATA_IDLE_NS		(60 * NSEC_PER_SEC)
#define STRATA_WORK_MS		10
#define STRATA_IDLE_WORK_MS	1000
#define STRATA_SCAN_MIN		1024

/* The rhashtable key: the conversation's hash first, then the conversation. */
struct strata_mf_key {
	u64 hash;
	struct strata_flow_key key;
};

/**
 * struct strata_mfe - one conversation in the table
 * @node: rhashtable linkage
 * @k: the key
 * @lock: guards everything below
 * @dead: removed from the table; a packet that finds it looks again
 * @last_ns: latest packet
 * @generation: configuration generation when the window opened
 * @ring_first: ring position of the window's first packet record
 * @ring_last: of its last one
 * @has_ring: the window has packet records
 * @mf: the statistics of the current window
 * @rcu: for freeing after readers are done
 */
struct strata_mfe {
	struct rhash_head node;
	struct strata_mf_key k;
	spinlock_t lock;
	bool dead;
	bool has_ring;
	u32 generation;
	u64 last_ns;
	u64 ring_first;
	u64 ring_last;
	struct strata_mflow mf;
	struct rcu_head rcu;
};

/* A closed microflow on its way to the worker. */
struct strata_mf_closed {
	struct llist_node node;
	struct strata_mf_snap snap;
};

static u32 strata_mf_hashfn(const void *data, u32 len, u32 seed)
{
	const struct strata_mf_key *k = data;

	return (u32)(k->hash >> 32) ^ (u32)k->hash ^ seed;
}

static const struct rhashtable_params strata_mf_params = {
	.head_offset = offsetof(struct strata_mfe, node),
	.key_offset = offsetof(struct strata_mfe, k),
	.key_len = sizeof(struct strata_mf_key),
	.hashfn = strata_mf_hashfn,
	.automatic_shrinking = true,
};

static struct kmem_cache *strata_mfe_cache;

static void snap_of(const struct strata_mfe *e, u64 window_ns,
		    struct strata_mf_snap *s)
{
	s->mf = e->mf;
	s->seq = 0;
	s->key_hash = e->k.hash;
	s->window_ns = window_ns;
	s->generation = e->generation;
	s->ring_first = e->ring_first;
	s->ring_last = e->ring_last;
	s->has_ring = e->has_ring;
}

/*
 * Close the entry's window (held under its lock) and open @w: the closed
 * microflow is queued for the worker, which numbers it as it sends it. An
 * allocation failure is counted and leaves a gap in the numbers, so
 * listeners see it.
 */
static void close_window(struct strata_net *sn, struct strata_mfe *e, u64 w,
			 u64 window_ns, u32 generation)
{
	struct strata_counters __percpu *c = sn->counters;

	if (strata_mflow_active(&e->mf)) {
		struct strata_mf_closed *cl = kmalloc(sizeof(*cl), GFP_ATOMIC);

		strata_count(c, STRATA_STAT_MF_CLOSED);
		if (cl) {
			snap_of(e, window_ns, &cl->snap);
			llist_add(&cl->node, &sn->table.closed);
		} else {
			/* The worker skips a number for it: listeners see a gap. */
			strata_count(c, STRATA_STAT_MF_NOTIFY_FAIL);
			atomic_inc(&sn->table.close_fail);
		}
	}
	strata_mflow_roll(&e->mf, w);
	e->generation = generation;
	e->has_ring = false;
}

static struct strata_mfe *mfe_new(struct strata_net *sn,
				  const struct strata_mf_key *k, u64 w,
				  u32 generation)
{
	struct strata_mfe *e = kmem_cache_alloc(strata_mfe_cache, GFP_ATOMIC);

	if (!e)
		return NULL;
	e->k = *k;
	spin_lock_init(&e->lock);
	e->dead = false;
	e->has_ring = false;
	e->generation = generation;
	e->last_ns = 0;
	strata_mflow_init(&e->mf, &k->key, w);
	return e;
}

/* Find or insert the conversation; NULL when the table is at its cap. */
static struct strata_mfe *mfe_get(struct strata_net *sn,
				  const struct strata_config *cfg,
				  const struct strata_mf_key *k, u64 w)
{
	struct strata_table *t = &sn->table;
	struct strata_mfe *e, *old;

	e = rhashtable_lookup(&t->ht, k, strata_mf_params);
	if (e)
		return e;
	if (atomic_inc_return(&t->count) > cfg->table_cap)
		goto full;
	e = mfe_new(sn, k, w, cfg->generation);
	if (!e)
		goto full;
	old = rhashtable_lookup_get_insert_fast(&t->ht, &e->node,
						strata_mf_params);
	if (old) {
		/* Another CPU inserted it first, or the insert failed. */
		kmem_cache_free(strata_mfe_cache, e);
		atomic_dec(&t->count);
		return IS_ERR(old) ? NULL : old;
	}
	strata_count(sn->counters, STRATA_STAT_MF_NEW);
	return e;
full:
	atomic_dec(&t->count);
	return NULL;
}

/**
 * strata_table_packet() - account one parsed packet
 * @sn: the namespace
 * @cfg: its configuration
 * @pkt: the packet
 * @ts_ns: its timestamp
 * @seg_budget: the segment budget that applies to it
 * @ring_pos: the ring position its record will have (cpu << 48 | seq), or
 *	U64_MAX when it gets no record
 * @v: the verdict: direction, segments, key hash
 *
 * Called from the hooks with bottom halves disabled and under RCU.
 *
 * Return: false when the conversation is not in the table, which is at its
 * cap (counted in table_full); @v is still filled in (no segments).
 */
bool strata_table_packet(struct strata_net *sn, const struct strata_config *cfg,
			 const struct strata_pkt *pkt, u64 ts_ns, u32 seg_budget,
			 u64 ring_pos, struct strata_verdict *v)
{
	u64 w = strata_window_start(ts_ns, cfg->window_ns);
	struct strata_mf_key k;
	struct strata_mfe *e;
	int tries;

	v->dir = strata_flow_key(pkt, &k.key);
	k.hash = siphash(&k.key, sizeof(k.key), &sn->hash_key);
	v->key_hash = k.hash;
	v->segments = false;

	for (tries = 0; tries < 2; tries++) {
		e = mfe_get(sn, cfg, &k, w);
		if (!e)
			break;
		spin_lock(&e->lock);
		if (e->dead) {	/* the worker is removing it: look again */
			spin_unlock(&e->lock);
			continue;
		}
		if (e->mf.window_start < w)
			close_window(sn, e, w, cfg->window_ns, cfg->generation);
		strata_mflow_account(&e->mf, pkt, v->dir, ts_ns);
		v->segments = strata_mflow_fp_segments(&e->mf, pkt, v->dir,
						       seg_budget);
		if (ring_pos != U64_MAX) {
			if (!e->has_ring)
				e->ring_first = ring_pos;
			e->ring_last = ring_pos;
			e->has_ring = true;
		}
		e->last_ns = ts_ns;
		spin_unlock(&e->lock);
		return true;
	}
	strata_count(sn->counters, STRATA_STAT_TABLE_FULL);
	return false;
}

static void mfe_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(strata_mfe_cache, container_of(head, struct strata_mfe, rcu));
}

/*
 * One entry seen by the worker's scan: close a window that has ended, and
 * forget a conversation idle for STRATA_IDLE_NS.
 */
static void scan_entry(struct strata_net *sn, struct strata_mfe *e, u64 now,
		       const struct strata_config *cfg)
{
	u64 w = strata_window_start(now, cfg->window_ns);
	bool forget = false;

	spin_lock_bh(&e->lock);
	if (e->dead) {
		spin_unlock_bh(&e->lock);
		return;
	}
	if (e->mf.window_start < w)
		close_window(sn, e, w, cfg->window_ns, cfg->generation);
	if (!strata_mflow_active(&e->mf) && now > e->last_ns + STRATA_IDLE_NS) {
		e->dead = true;
		forget = true;
	}
	spin_unlock_bh(&e->lock);
	if (forget &&
	    !rhashtable_remove_fast(&sn->table.ht, &e->node, strata_mf_params)) {
		atomic_dec(&sn->table.count);
		call_rcu(&e->rcu, mfe_free_rcu);
	}
}

/* Scan up to @budget entries, resuming where the last run stopped. */
static void scan(struct strata_net *sn, unsigned int budget)
{
	struct strata_table *t = &sn->table;
	const struct strata_config *cfg;
	u64 now = ktime_get_real_ns();
	struct strata_mfe *e;

	if (!t->iter_live) {
		rhashtable_walk_enter(&t->ht, &t->iter);
		t->iter_live = true;
	}
	rhashtable_walk_start(&t->iter);
	cfg = rcu_dereference(sn->config);
	while (budget--) {
		e = rhashtable_walk_next(&t->iter);
		if (IS_ERR(e)) {	/* -EAGAIN: a resize; go on */
			continue;
		}
		if (!e) {		/* a full round: start the next one */
			rhashtable_walk_stop(&t->iter);
			rhashtable_walk_exit(&t->iter);
			t->iter_live = false;
			return;
		}
		scan_entry(sn, e, now, cfg);
	}
	rhashtable_walk_stop(&t->iter);
}

/*
 * Multicast the closed microflows in the order they were queued, numbered
 * from 1 in that order (only this worker numbers them, so the numbers
 * arrive in order); those lost to an allocation failure skip a number.
 */
static void send_closed(struct strata_net *sn)
{
	struct strata_table *t = &sn->table;
	struct llist_node *list = llist_del_all(&t->closed);
	struct strata_mf_closed *cl, *tmp;

	list = llist_reverse_order(list);
	llist_for_each_entry_safe(cl, tmp, list, node) {
		t->close_seq += atomic_xchg(&t->close_fail, 0) + 1;
		cl->snap.seq = t->close_seq;
		strata_genl_notify(sn, &cl->snap);
		kfree(cl);
		cond_resched();
	}
}

static void strata_table_work(struct work_struct *work)
{
	struct strata_table *t = container_of(to_delayed_work(work),
					      struct strata_table, work);
	struct strata_net *sn = container_of(t, struct strata_net, table);
	unsigned int n = atomic_read(&t->count), budget;
	u32 window_ms;

	rcu_read_lock();
	window_ms = rcu_dereference(sn->config)->window_ms;
	rcu_read_unlock();
	/* Enough per run to go round the table once per window. */
	budget = max_t(unsigned int, STRATA_SCAN_MIN,
		       (u64)n * STRATA_WORK_MS / window_ms + 1);
	scan(sn, budget);
	send_closed(sn);
	strata_ring_kick(sn);
	/*
	 * A namespace with nothing in its table and no reader waiting (most
	 * of a container host's) is looked at once a second, not 100 times.
	 */
	queue_delayed_work(system_power_efficient_wq, &t->work,
			   msecs_to_jiffies(!atomic_read(&t->count) &&
					    !wq_has_sleeper(&sn->ring_wait) ?
					    STRATA_IDLE_WORK_MS : STRATA_WORK_MS));
}

/**
 * strata_table_walk() - the next conversation of a dump, copied out
 * @sn: the namespace
 * @iter: the dump's iterator (rhashtable_walk_enter() done by the caller)
 * @snap: the copy
 *
 * Return: 1 with @snap filled in, 0 at the end of the table.
 */
int strata_table_walk(struct strata_net *sn, struct rhashtable_iter *iter,
		      struct strata_mf_snap *snap)
{
	struct strata_mfe *e;
	u64 window_ns;
	int ret = 0;

	rhashtable_walk_start(iter);
	window_ns = rcu_dereference(sn->config)->window_ns;
	for (;;) {
		e = rhashtable_walk_next(iter);
		if (IS_ERR(e))
			continue;
		if (!e)
			break;
		spin_lock_bh(&e->lock);
		if (e->dead) {
			spin_unlock_bh(&e->lock);
			continue;
		}
		snap_of(e, window_ns, snap);
		spin_unlock_bh(&e->lock);
		ret = 1;
		break;
	}
	rhashtable_walk_stop(iter);
	return ret;
}

/**
 * strata_table_init() - create a namespace's microflow table and its worker
 * @sn: its strata state (configuration already set)
 *
 * Return: 0 or -errno.
 */
int strata_table_init(struct strata_net *sn)
{
	struct strata_table *t = &sn->table;
	int ret;

	get_random_bytes(&sn->hash_key, sizeof(sn->hash_key));
	ret = rhashtable_init(&t->ht, &strata_mf_params);
	if (ret)
		return ret;
	atomic_set(&t->count, 0);
	t->close_seq = 0;
	atomic_set(&t->close_fail, 0);
	init_llist_head(&t->closed);
	t->iter_live = false;
	INIT_DELAYED_WORK(&t->work, strata_table_work);
	queue_delayed_work(system_power_efficient_wq, &t->work,
			   msecs_to_jiffies(STRATA_WORK_MS));
	return 0;
}

static void mfe_free(void *ptr, void *arg)
{
	kmem_cache_free(strata_mfe_cache, ptr);
}

/**
 * strata_table_uninit() - stop the worker and free the table
 * @sn: the namespace's strata state (its hooks already unregistered)
 *
 * Microflows still open or queued are dropped: nobody can listen in a
 * namespace that is going away.
 */
void strata_table_uninit(struct strata_net *sn)
{
	struct strata_table *t = &sn->table;
	struct llist_node *list;
	struct strata_mf_closed *cl, *tmp;

	cancel_delayed_work_sync(&t->work);
	if (t->iter_live)
		rhashtable_walk_exit(&t->iter);
	list = llist_del_all(&t->closed);
	llist_for_each_entry_safe(cl, tmp, list, node)
		kfree(cl);
	/* Entries freed by the worker's call_rcu() may still be pending. */
	rcu_barrier();
	rhashtable_free_and_destroy(&t->ht, mfe_free, NULL);
}

/**
 * strata_table_cache_init() - create the entry cache, at module load
 *
 * Return: 0 or -ENOMEM.
 */
int strata_table_cache_init(void)
{
	strata_mfe_cache = KMEM_CACHE(strata_mfe, 0);
	return strata_mfe_cache ? 0 : -ENOMEM;
}

/**
 * strata_table_cache_uninit() - destroy the entry cache, at module unload
 */
void strata_table_cache_uninit(void)
{
	kmem_cache_destroy(strata_mfe_cache);
}
