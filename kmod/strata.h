/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * What the module's files share: the per-namespace state (counters,
 * configuration, microflow table, packet rings) and the functions each file
 * offers the others.
 */
#ifndef STRATA_KMOD_H
#define STRATA_KMOD_H

#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/siphash.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/strata.h>
#include "core/flow.h"
#include "core/frag.h"

/*
 * Per-CPU counters, indexed by enum strata_counter (include/uapi/linux/strata.h).
 * Only the owning CPU writes its copy (this_cpu_*), so no lock; readers sum
 * all copies. 64-bit loads are single instructions on the 64-bit
 * architectures strata targets, so a reader never sees a torn value.
 */
struct strata_counters {
	u64 v[__STRATA_STAT_MAX];
};

#define strata_count(c, stat)		this_cpu_inc((c)->v[stat])
#define strata_count_add(c, stat, n)	this_cpu_add((c)->v[stat], n)

/* struct strata_filter.fields */
#define STRATA_FILT_PROTO	0x1
#define STRATA_FILT_ADDR	0x2
#define STRATA_FILT_PORT	0x4
#define STRATA_FILT_SEG_BUDGET	0x8

/**
 * struct strata_filter - one detail filter (enum strata_filter_attr)
 * @fields: STRATA_FILT_* given
 * @proto: L4 protocol
 * @prefix: prefix length of @addr, 0..128
 * @port: source or destination port
 * @addr: address (IPv4-mapped for IPv4)
 * @snaplen: snaplen of matching packets
 * @seg_budget: their segment budget (with STRATA_FILT_SEG_BUDGET)
 */
struct strata_filter {
	u32 fields;
	u8 proto;
	u8 prefix;
	u16 port;
	u8 addr[16];
	u32 snaplen;
	u32 seg_budget;
};

/**
 * struct strata_config - a namespace's configuration (enum strata_cfg_attr)
 * Never changed once published: a change publishes a new copy (RCU).
 */
struct strata_config {
	u32 generation;
	u32 flags;
	u32 window_ms;
	u32 snaplen;
	u32 sampling;
	u32 table_cap;
	u32 seg_budget;
	u32 nfilters;
	u64 window_ns;
	struct strata_filter filters[STRATA_FILTERS_MAX];
	struct rcu_head rcu;
};

/**
 * struct strata_table - the microflow table of a namespace
 * @ht: conversations (struct strata_mfe), RCU lookups, per-bucket locks
 * @count: conversations in @ht
 * @close_seq: number of the last closed microflow sent (worker only)
 * @close_fail: closed microflows lost to an allocation failure, not yet
 *	skipped in the numbering
 * @closed: closed microflows waiting to be multicast by the worker
 * @work: the worker: closes windows, forgets idle conversations, sends
 *	@closed, wakes ring readers
 * @iter: where the worker's bounded scan of @ht resumes
 * @iter_live: @iter has been entered
 */
struct strata_table {
	struct rhashtable ht;
	atomic_t count;
	u64 close_seq;
	atomic_t close_fail;
	struct llist_head closed;
	struct delayed_work work;
	struct rhashtable_iter iter;
	bool iter_live;
};

struct strata_rings;

/**
 * struct strata_net - strata's state in one network namespace
 * @net: the namespace
 * @counters: the per-CPU counters
 * @sample: per-CPU packet count for the record sampling
 * @frags: per-CPU recently seen fragments, for overlap detection
 * @config: the configuration (RCU)
 * @config_lock: serialises configuration changes
 * @hash_key: the namespace's random key for conversation hashes
 * @table: the microflow table
 * @rings: the packet rings (RCU), NULL until /dev/strata is first opened
 * @rings_lock: serialises their creation
 * @ring_wait: readers waiting in poll()
 */
struct strata_net {
	struct net *net;
	struct strata_counters __percpu *counters;
	u32 __percpu *sample;
	struct strata_frag_cache __percpu *frags;
	struct strata_config __rcu *config;
	struct mutex config_lock;
	siphash_key_t hash_key;
	struct strata_table table;
	struct strata_rings __rcu *rings;
	struct mutex rings_lock;
	wait_queue_head_t ring_wait;
};

extern unsigned int strata_net_id;

static inline struct strata_net *strata_net(const struct net *net)
{
	return net_generic(net, strata_net_id);
}

/**
 * struct strata_mf_snap - a microflow copied out of the table
 * @mf: the statistics
 * @seq: closed microflows: the namespace's sequence number; 0 for live ones
 * @key_hash: the conversation's hash
 * @window_ns: window length
 * @generation: configuration generation when the window opened
 * @ring_first: ring position of the first packet record (cpu << 48 | seq)
 * @ring_last: of the last one
 * @has_ring: @ring_first and @ring_last are valid
 */
struct strata_mf_snap {
	struct strata_mflow mf;
	u64 seq;
	u64 key_hash;
	u64 window_ns;
	u32 generation;
	u64 ring_first;
	u64 ring_last;
	bool has_ring;
};

/* stats.c */
int strata_stats_init(struct net *net, struct strata_net *sn);
void strata_stats_uninit(struct net *net, struct strata_net *sn);
void strata_stats_sum(struct strata_net *sn, u64 sum[__STRATA_STAT_MAX]);

/* hooks.c */
int strata_hooks_init(struct net *net);
void strata_hooks_uninit(struct net *net);

/* config.c */
int strata_config_init(struct strata_net *sn);
void strata_config_uninit(struct strata_net *sn);
const struct strata_filter *strata_config_match(const struct strata_config *cfg,
						const struct strata_pkt *pkt);

/* table.c */
int strata_table_cache_init(void);
void strata_table_cache_uninit(void);
int strata_table_init(struct strata_net *sn);
void strata_table_uninit(struct strata_net *sn);
bool strata_table_packet(struct strata_net *sn, const struct strata_config *cfg,
			 const struct strata_pkt *pkt, u64 ts_ns, u32 seg_budget,
			 u64 ring_pos, struct strata_verdict *v);
int strata_table_walk(struct strata_net *sn, struct rhashtable_iter *iter,
		      struct strata_mf_snap *snap);

/* netlink.c */
int strata_genl_init(void);
void strata_genl_uninit(void);
void strata_genl_notify(struct strata_net *sn, const struct strata_mf_snap *s);

/* ring.c */
int strata_ring_init(void);
void strata_ring_uninit(void);
void strata_rings_free(struct strata_net *sn);
u64 strata_ring_next_pos(struct strata_net *sn);
struct strata_rec_packet *strata_ring_reserve(struct strata_net *sn, u32 caplen,
					      u64 ts_ns);
void strata_ring_commit(struct strata_net *sn, struct strata_rec_packet *rp,
			const struct sk_buff *skb, u32 caplen);
void strata_ring_kick(struct strata_net *sn);

#endif /* STRATA_KMOD_H */
