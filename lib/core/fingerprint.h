/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Payload fingerprints: a 64-bit hash of the whole payload and hashes of its
 * content-defined segments (Gear rolling hash, FastCDC-style normalised cuts).
 */
#ifndef STRATA_CORE_FINGERPRINT_H
#define STRATA_CORE_FINGERPRINT_H

#include "compat.h"

/*
 * Segment boundaries: a cut is placed after byte i when the Gear hash of the
 * bytes before it matches a mask, never before STRATA_FP_SEG_MIN bytes and
 * always at STRATA_FP_SEG_MAX. Below STRATA_FP_SEG_AVG a stricter mask is used
 * and above it a looser one (FastCDC normalisation), which tightens the size
 * spread around the average. The Gear hash forgets a byte after 64 shifts, so
 * a cut depends only on the 64 bytes before it: inserting or prepending bytes
 * moves the cuts near the edit and leaves the others where they were.
 */
#define STRATA_FP_SEG_MIN	16
#define STRATA_FP_SEG_AVG	48
#define STRATA_FP_SEG_MAX	192
/* At most this many segments are kept per payload (the first ones). */
#define STRATA_FP_MAX_SEGS	16
/*
 * Cuts are looked for in the first STRATA_FP_SCAN_MAX bytes of a payload
 * only: the Gear scan costs about five instructions per byte, which on
 * full-size payloads would be most of the per-packet work (10 Gb/s leaves a
 * few hundred ns per packet). An edit near the start (a header added by a
 * proxy) or a re-framing that shifts the stream by less than this still
 * leaves segments in common; the whole-payload hash covers every byte. A
 * segment ends at a cut or at the end of the payload; one the scan limit
 * cuts short is not content-defined and is dropped.
 */
#define STRATA_FP_SCAN_MAX	512
/* Seeds, fixed so that every sensor computes the same fingerprints. */
#define STRATA_FP_SEED_PAYLOAD	0x5354524154415031ULL	/* "STRATAP1" */
#define STRATA_FP_SEED_SEGMENT	0x5354524154415331ULL	/* "STRATAS1" */

/**
 * struct strata_fp - fingerprint of one payload
 * @hash: xxh64 of the whole payload (0 for an empty payload)
 * @len: payload bytes hashed
 * @nseg: number of segment hashes in @seg (<= STRATA_FP_MAX_SEGS)
 * @seg: low 32 bits of the xxh64 of each segment, in payload order
 */
struct strata_fp {
	__u64 hash;
	__u32 len;
	__u32 nseg;
	__u32 seg[STRATA_FP_MAX_SEGS];
};

/**
 * struct strata_fp_stream - fingerprinting a payload that arrives in pieces
 *
 * For payloads that are not contiguous in memory (a non-linear sk_buff):
 * strata_fp_begin(), strata_fp_feed() for each piece in order, strata_fp_end().
 * The result equals strata_fp_compute() on the concatenation, or
 * strata_fp_hash() when @segments is cleared after strata_fp_begin().
 */
struct strata_fp_stream {
	strata_h64_state whole;
	strata_h64_state seg;
	__u64 gear;
	__u32 seg_len;
	bool segments;
	struct strata_fp *out;
};

/**
 * strata_fp_compute() - fingerprint a contiguous payload
 * @data: payload bytes
 * @len: number of bytes
 * @out: the fingerprint
 */
void strata_fp_compute(const __u8 *data, __u32 len, struct strata_fp *out);

/**
 * strata_fp_hash() - the whole-payload hash only, no segment hashes
 * @data: payload bytes
 * @len: number of bytes
 * @out: the fingerprint, with @out->nseg 0
 *
 * For the packets a microflow does not sample for segments
 * (strata_mflow_fp_segments()): the hash costs about 0.07 ns per byte, the
 * segment scan about 0.3 ns per scanned byte plus a hash per segment.
 */
void strata_fp_hash(const __u8 *data, __u32 len, struct strata_fp *out);

/**
 * strata_fp_begin() - start a streamed fingerprint
 * @st: stream state
 * @out: where the fingerprint is written; valid after strata_fp_end()
 */
void strata_fp_begin(struct strata_fp_stream *st, struct strata_fp *out);

/**
 * strata_fp_feed() - add the next piece of the payload
 * @st: stream state
 * @data: bytes
 * @len: number of bytes
 */
void strata_fp_feed(struct strata_fp_stream *st, const __u8 *data, __u32 len);

/**
 * strata_fp_end() - finish a streamed fingerprint
 * @st: stream state
 */
void strata_fp_end(struct strata_fp_stream *st);

/**
 * strata_fp_shared() - how many segment hashes two fingerprints share
 * @a: a fingerprint
 * @b: another fingerprint
 *
 * Counts the entries of @a->seg that also occur in @b->seg (a multiset
 * intersection, each entry of @b matched at most once).
 *
 * Return: the number of shared segment hashes.
 */
unsigned int strata_fp_shared(const struct strata_fp *a,
			      const struct strata_fp *b);

#endif /* STRATA_CORE_FINGERPRINT_H */
