/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The userspace microflow table: the shared core's accounting (lib/core/flow.c)
 * over a bounded open-addressing hash table, for offline analysis and benchmarks.
 */
#ifndef STRATA_MFTABLE_H
#define STRATA_MFTABLE_H

#include "core/flow.h"

/* No record position: strata_mftable_packet()'s @ring_pos. */
#define STRATA_RING_POS_NONE	(~0ULL)

struct strata_mftable;

/**
 * struct strata_mf_info - what is known of a microflow beyond struct strata_mflow:
 *	from the kernel's microflow messages (lib/genl.h), or from this table
 * @has_seq: @seq is valid (closed microflows)
 * @has_ring: @ring_first and @ring_last are valid (records were on)
 * @seq: number of the closed microflow in its namespace, from 1
 * @key_hash: the conversation's key hash, as in its packet records
 * @window_ns: window length
 * @generation: configuration generation when the window opened
 * @ring_first: cpu << 48 | seq of the first packet record of the window
 * @ring_last: the same for the last one
 * @frame_bytes: per direction, the frames' lengths on the wire (link layer
 *	included) as given to strata_mftable_packet(); 0 from the kernel
 */
struct strata_mf_info {
	bool has_seq;
	bool has_ring;
	__u64 seq;
	__u64 key_hash;
	__u64 window_ns;
	__u32 generation;
	__u64 ring_first;
	__u64 ring_last;
	__u64 frame_bytes[2];
};

/**
 * typedef strata_mf_close_fn - called with each microflow whose window closed
 * @mf: the microflow; valid only during the call
 * @info: its number (from 1, in close order), key hash, window length, and
 *	the record positions given with its first and last packet (has_ring
 *	when any packet of the window came with one); generation 0
 * @arg: the caller's argument
 */
typedef void (*strata_mf_close_fn)(const struct strata_mflow *mf,
				   const struct strata_mf_info *info, void *arg);

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
 * @frame_len: its frame's length on the wire, link layer included (summed
 *	per direction into the microflow's strata_mf_info)
 *
 * A packet stamped before the current window (capture files are not always
 * in order) is accounted in the current window: a closed window was already
 * exported and is not reopened.
 *
 * When @ts_ns is in a later window than the table's current one, every
 * microflow of the earlier windows is closed first (in no set order), and a
 * conversation idle for 60 s is forgotten.
 *
 * @ring_pos: the position of the packet's record (any increasing number,
 *	e.g. its index in the capture), kept as the window's first and last;
 *	STRATA_RING_POS_NONE when it has none
 * @v: filled in when not NULL: the packet's direction, its conversation's
 *	64-bit hash (keyed with the table's random seed), and whether its
 *	payload should get segment hashes (strata_mflow_fp_segments() and the
 *	table's budget; false for a packet the table could not account)
 *
 * Return: 0, or -ENOSPC when the conversation is new and the table is full
 * (counted in table_full).
 */
int strata_mftable_packet(struct strata_mftable *t, const struct strata_pkt *pkt,
			  __u64 ts_ns, __u32 frame_len, __u64 ring_pos,
			  struct strata_verdict *v);

/**
 * strata_mftable_set_fp_segments() - set the segment hash budget
 * @t: the table
 * @budget: packets with payload per direction and window whose payload gets
 *	segment hashes: STRATA_FP_SEG_PACKETS when a table is created, 0 for
 *	none, STRATA_FP_SEG_ALL for every packet
 */
void strata_mftable_set_fp_segments(struct strata_mftable *t, __u32 budget);

/**
 * strata_mftable_flush() - close every live microflow, at the end of the input
 * @t: the table
 *
 * What the conversations left open ends in their last window
 * (strata_mflow_end()): nothing more will answer.
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
