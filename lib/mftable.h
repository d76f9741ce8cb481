/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The userspace microflow table: the shared core's accounting (lib/core/flow.c)
 * over a bounded open-addressing hash table, for offline analysis and benchmarks.
 */
#ifndef STRATA_MFTABLE_H
#define STRATA_MFTABLE_H

#include "core/flow.h"

struct strata_mftable;

/**
 * typedef strata_mf_close_fn - called with each microflow whose window closed
 * @mf: the microflow; valid only during the call
 * @arg: the caller's argument
 */
typedef void (*strata_mf_close_fn)(const struct strata_mflow *mf, void *arg);

/**
 * struct strata_mftable_stats - what the table did
 * @packets: packets accounted
 * @flows: microflows created (a conversation counts again in each window)
 * @closed: microflows handed to the close callback
 * @table_full: packets not accounted because the table was at its cap
 * @live: microflows in the table now
 */
struct strata_mftable_stats {
	__u64 packets;
	__u64 flows;
	__u64 closed;
	__u64 table_full;
	__u64 live;
};

/**
 * strata_mftable_new() - create a table
 * @cap: the most conversations it holds at once (rounded up to a power of two
 *	for the hash; the cap itself is enforced exactly). A conversation
 *	stays in the table, and counts against the cap, until it has been
 *	idle for 60 s, so that its TCP tracking survives quiet spells
 * @window_ns: microflow window length in ns
 * @close: callback for closed microflows (may be NULL)
 * @arg: passed to @close
 *
 * Return: the table, or NULL with errno set (EINVAL, ENOMEM).
 */
struct strata_mftable *strata_mftable_new(unsigned int cap, __u64 window_ns,
					  strata_mf_close_fn close, void *arg);

/**
 * strata_mftable_packet() - account one parsed packet
 * @t: the table
 * @pkt: the packet
 * @ts_ns: its timestamp
 *
 * A packet stamped before the current window (capture files are not always
 * in order) is accounted in the current window: a closed window was already
 * exported and is not reopened.
 *
 * When @ts_ns is in a later window than the table's current one, every
 * microflow of the earlier windows is closed first (in no set order), and a
 * conversation idle for 60 s is forgotten.
 *
 * @segments: set (when not NULL) to whether the packet's payload should get
 *	segment hashes, by strata_mflow_fp_segments() and the table's budget;
 *	false for a packet the table could not account
 *
 * Return: 0, or -ENOSPC when the conversation is new and the table is full
 * (counted in table_full).
 */
int strata_mftable_packet(struct strata_mftable *t, const struct strata_pkt *pkt,
			  __u64 ts_ns, bool *segments);

/**
 * strata_mftable_set_fp_segments() - set the segment hash budget
 * @t: the table
 * @budget: packets with payload per direction and window whose payload gets
 *	segment hashes: STRATA_FP_SEG_PACKETS when a table is created, 0 for
 *	none, STRATA_FP_SEG_ALL for every packet
 */
void strata_mftable_set_fp_segments(struct strata_mftable *t, __u32 budget);

/**
 * strata_mftable_flush() - close every live microflow
 * @t: the table
 */
void strata_mftable_flush(struct strata_mftable *t);

/**
 * strata_mftable_stats() - read the counters
 * @t: the table
 * @st: filled in
 */
void strata_mftable_stats(const struct strata_mftable *t,
			  struct strata_mftable_stats *st);

/**
 * strata_mftable_free() - free a table (without closing its microflows)
 * @t: the table, or NULL
 */
void strata_mftable_free(struct strata_mftable *t);

#endif /* STRATA_MFTABLE_H */
