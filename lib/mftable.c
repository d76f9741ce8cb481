// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The userspace microflow table: chained hash over an index pool, a hard cap
 * on conversations, window rollover and idle expiry around the shared core.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include "mftable.h"

#define NIL UINT32_MAX
/*
 * A conversation silent this long is forgotten at a window's end (its TCP
 * state with it); one that speaks again later starts a new entry.
 */
#define IDLE_NS (60ULL * 1000000000ULL)

struct entry {
	struct strata_mflow mf;
	__u64 last_ns;
	__u64 ring_first;	/* record positions of the window's first and */
	__u64 ring_last;	/* last packet, or STRATA_RING_POS_NONE */
	__u64 frame_bytes[2];	/* the window's, per direction */
	__u32 next;		/* next entry in the bucket chain, or free list */
	__u8 used;
};

struct strata_mftable {
	__u32 *buckets;
	__u32 mask;
	struct entry *pool;
	__u32 pool_len;		/* entries ever handed out */
	__u32 pool_size;	/* entries allocated */
	__u32 free_head;
	unsigned int cap;
	__u32 seg_budget;
	__u64 window_ns;
	__u64 window;		/* start of the current window */
	bool have_window;
	__u64 seed;
	strata_mf_close_fn close;
	void *arg;
	struct strata_mftable_stats st;
};

struct strata_mftable *strata_mftable_new(unsigned int cap, __u64 window_ns,
					  strata_mf_close_fn close, void *arg)
{
	struct strata_mftable *t;
	__u32 n = 1;

	if (!cap || !window_ns || cap > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	while (n < cap)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->buckets = malloc(n * sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, n * sizeof(*t->buckets));
	t->mask = n - 1;
	t->cap = cap;
	t->seg_budget = STRATA_FP_SEG_PACKETS;
	t->window_ns = window_ns;
	t->free_head = NIL;
	t->close = close;
	t->arg = arg;
	/* A random seed: a crafted capture must not be able to pick our chains. */
	if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed))
		t->seed = (uintptr_t)t ^ 0x9e3779b97f4a7c15ULL;
	return t;
}

static __u64 key_hash(const struct strata_mftable *t,
		      const struct strata_flow_key *k)
{
	return strata_h64(k, sizeof(*k), t->seed);
}

static __u32 entry_alloc(struct strata_mftable *t)
{
	__u32 i;

	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = t->pool[i].next;
		return i;
	}
	if (t->pool_len == t->pool_size) {
		__u32 n = t->pool_size ? t->pool_size * 2 : 1024;
		struct entry *p;

		if (n > t->cap)
			n = t->cap;
		p = realloc(t->pool, (size_t)n * sizeof(*p));
		if (!p)
			return NIL;
		t->pool = p;
		t->pool_size = n;
	}
	return t->pool_len++;
}

static void entry_remove(struct strata_mftable *t, __u32 i)
{
	__u32 *link = &t->buckets[key_hash(t, &t->pool[i].mf.key) & t->mask];

	while (*link != i)
		link = &t->pool[*link].next;
	*link = t->pool[i].next;
	t->pool[i].used = 0;
	t->pool[i].next = t->free_head;
	t->free_head = i;
	t->st.live--;
}

/*
 * Close the current window: export what it holds, forget the idle. With
 * @drop_all (the end of the input) what the conversations left open ends
 * in this window. An idle conversation is forgotten after its roll, and
 * only when the roll ended no transaction: one that did is exported with
 * the next window first.
 */
static void rollover(struct strata_mftable *t, __u64 window, bool drop_all)
{
	__u32 i;

	for (i = 0; i < t->pool_len; i++) {
		struct entry *e = &t->pool[i];

		if (!e->used)
			continue;
		if (drop_all)
			strata_mflow_end(&e->mf);
		if (strata_mflow_active(&e->mf)) {
			t->st.closed++;
			if (t->close) {
				struct strata_mf_info info = {
					.has_seq = true,
					.seq = t->st.closed,
					.key_hash = key_hash(t, &e->mf.key),
					.window_ns = t->window_ns,
					.has_ring = e->ring_first != STRATA_RING_POS_NONE,
					.ring_first = e->ring_first,
					.ring_last = e->ring_last,
					.frame_bytes = { e->frame_bytes[0], e->frame_bytes[1] },
				};

				t->close(&e->mf, &info, t->arg);
			}
		}
		e->ring_first = e->ring_last = STRATA_RING_POS_NONE;
		e->frame_bytes[0] = e->frame_bytes[1] = 0;
		if (drop_all) {
			entry_remove(t, i);
			continue;
		}
		strata_mflow_roll(&e->mf, window);
		if (!strata_mflow_active(&e->mf) && e->last_ns + IDLE_NS < window)
			entry_remove(t, i);
	}
	t->window = window;
}

int strata_mftable_packet(struct strata_mftable *t, const struct strata_pkt *pkt,
			  __u64 ts_ns, __u32 frame_len, __u64 ring_pos,
			  struct strata_verdict *v)
{
	struct strata_flow_key key;
	__u64 w = strata_window_start(ts_ns, t->window_ns), hash;
	struct entry *e;
	__u32 i;
	int dir;

	/*
	 * A packet stamped before the current window (capture files are not
	 * always in order) is accounted in the current one: a closed window
	 * was already exported and is not reopened.
	 */
	if (!t->have_window) {
		t->window = w;
		t->have_window = true;
	} else if (w > t->window) {
		rollover(t, w, false);
	}

	dir = strata_flow_key(pkt, &key);
	hash = key_hash(t, &key);
	if (v) {
		v->dir = dir;
		v->segments = false;
		v->key_hash = hash;
	}
	for (i = t->buckets[hash & t->mask]; i != NIL; i = t->pool[i].next)
		if (!memcmp(&t->pool[i].mf.key, &key, sizeof(key)))
			break;
	if (i == NIL) {
		if (t->st.live >= t->cap) {
			t->st.table_full++;
			return -ENOSPC;
		}
		i = entry_alloc(t);
		if (i == NIL) {
			t->st.table_full++;
			return -ENOMEM;
		}
		strata_mflow_init(&t->pool[i].mf, &key, t->window);
		t->pool[i].used = 1;
		t->pool[i].ring_first = t->pool[i].ring_last = STRATA_RING_POS_NONE;
		t->pool[i].frame_bytes[0] = t->pool[i].frame_bytes[1] = 0;
		t->pool[i].next = t->buckets[hash & t->mask];
		t->buckets[hash & t->mask] = i;
		t->st.live++;
	}
	e = &t->pool[i];
	if (!e->mf.dir[0].packets && !e->mf.dir[1].packets)
		t->st.flows++;
	strata_mflow_account(&e->mf, pkt, dir, ts_ns);
	e->frame_bytes[dir] += frame_len;
	if (v)
		v->segments = strata_mflow_fp_segments(&e->mf, pkt, dir, t->seg_budget);
	if (ring_pos != STRATA_RING_POS_NONE) {
		if (e->ring_first == STRATA_RING_POS_NONE)
			e->ring_first = ring_pos;
		e->ring_last = ring_pos;
	}
	e->last_ns = ts_ns;
	t->st.packets++;
	return 0;
}

void strata_mftable_set_fp_segments(struct strata_mftable *t, __u32 budget)
{
	t->seg_budget = budget;
}

void strata_mftable_flush(struct strata_mftable *t)
{
	rollover(t, t->window, true);
}

void strata_mftable_stats(const struct strata_mftable *t,
			  struct strata_mftable_stats *st)
{
	*st = t->st;
}

void strata_mftable_free(struct strata_mftable *t)
{
	if (!t)
		return;
	free(t->pool);
	free(t->buckets);
	free(t);
}
