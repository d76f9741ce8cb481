/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor's live state, read by the API's threads without a lock: the
 * drain thread publishes a new snapshot under RCU (liburcu), readers never
 * wait for it and it never waits for them.
 */
#ifndef STRATAD_LIVE_H
#define STRATAD_LIVE_H

#include <stddef.h>
#include <linux/types.h>
#include <urcu-bp.h>

/**
 * struct stratad_live_ring - one ring, since the daemon started
 * @records: packet records read from it
 * @last_seq: the sequence number of the last one (0: none yet)
 */
struct stratad_live_ring {
	__u64 records;
	__u64 last_seq;
};

/**
 * struct stratad_live - a snapshot of the drain thread's counters
 * @rcu: for call_rcu()
 * @started_ns: when the daemon started (CLOCK_REALTIME)
 * @at_ns: when this snapshot was taken
 * @packets: packet records handed to the store since the start
 * @microflows: closed microflows handed to the store
 * @ring_lost: records the rings lost (loss records)
 * @ring_gaps: records missing without a loss record
 * @mf_lost: closed microflows the netlink socket lost
 * @restart_lost: records missing across the last restart
 * @add_errors: store calls that failed
 * @flush_errors: commits that failed
 * @nrings: entries in @ring
 * @ring: per CPU's ring
 */
struct stratad_live {
	struct rcu_head rcu;
	__u64 started_ns;
	__u64 at_ns;
	__u64 packets;
	__u64 microflows;
	__u64 ring_lost;
	__u64 ring_gaps;
	__u64 mf_lost;
	__u64 restart_lost;
	__u64 add_errors;
	__u64 flush_errors;
	unsigned int nrings;
	struct stratad_live_ring ring[];
};

/**
 * stratad_live_publish() - make @l the snapshot readers see
 * @l: allocated with malloc(); the call owns it from now on
 *
 * The one it replaces is freed once no reader holds it (call_rcu()); the
 * caller does not wait.
 */
void stratad_live_publish(struct stratad_live *l);

/**
 * stratad_live_json() - the snapshot as JSON, for GET /api/v1/status
 * @len: its length
 *
 * Return: a malloc()ed, NUL-terminated body, or NULL when nothing was
 * published yet or memory ran out.
 */
char *stratad_live_json(size_t *len);

/**
 * stratad_live_exit() - free the snapshot, after the readers are gone
 *
 * Call after the API's threads have stopped.
 */
void stratad_live_exit(void);

#endif /* STRATAD_LIVE_H */
