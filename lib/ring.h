/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The reader of strata.ko's per-CPU packet rings (/dev/strata): mapping,
 * polling, and validated walking of the records of each ring.
 */
#ifndef STRATA_RING_H
#define STRATA_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <uapi/linux/strata.h>

#define STRATA_DEV_PATH	"/dev/strata"

/* struct strata_ring_rec.type beyond STRATA_REC_*: made by the reader. */
#define STRATA_REC_GAP	0x100	/* packet sequence numbers no loss record explains */

/**
 * struct strata_ring_rec - one record, validated
 * @cpu: the ring it came from
 * @type: STRATA_REC_PACKET, STRATA_REC_LOSS or STRATA_REC_GAP
 * @seq: PACKET: its sequence number; LOSS, GAP: the first one lost
 * @lost: LOSS, GAP: how many packet records are missing
 * @ts_ns: PACKET: when the packet was seen; LOSS: when the first record was
 *	dropped; GAP: the time of the record after the gap
 * @pkt: PACKET: a copy of the record's fixed part
 * @data: PACKET: the @pkt.caplen packet bytes, in the ring: valid until the
 *	record is consumed (strata_ring_commit())
 * @end: ring position just after the record
 */
struct strata_ring_rec {
	unsigned int cpu;
	unsigned int type;
	__u64 seq;
	__u64 lost;
	__u64 ts_ns;
	struct strata_rec_packet pkt;
	const __u8 *data;
	__u64 end;
};

/**
 * struct strata_ring - one ring as the reader sees it
 * @hdr: its header page (shared with the producer)
 * @data: its record space (@data_size bytes)
 * @data_size: a power of two
 * @cpu: the CPU it belongs to
 * @pos: position of the next record to read
 * @head: the producer's position, as last loaded
 * @next_seq: packet sequence number expected next (0: not known yet)
 * @mark_pos: @pos after the last record handed out to the caller
 * @mark_seq: @next_seq at that point
 */
struct strata_ring {
	struct strata_ring_hdr *hdr;
	__u8 *data;
	__u64 data_size;
	unsigned int cpu;
	__u64 pos;
	__u64 head;
	__u64 next_seq;
	__u64 mark_pos;
	__u64 mark_seq;
};

/**
 * typedef strata_ring_fn - called with each record
 * @rec: the record; valid only during the call
 * @arg: the caller's argument
 *
 * Return: 0 to go on, > 0 to stop after this record (it counts as read),
 * < 0 (-errno) to stop with that error (the record is not consumed).
 */
typedef int (*strata_ring_fn)(const struct strata_ring_rec *rec, void *arg);

/**
 * strata_ring_attach() - describe a ring over its memory
 * @r: filled in
 * @map: the start of its mapping: the header page, then the records
 * @map_size: bytes mapped
 * @cpu: the CPU it should belong to
 * @err: filled with the cause on failure
 * @errlen: size of @err
 *
 * Checks the header: version, power-of-two data size within the mapping,
 * the CPU number, and a consumer position that makes sense.
 *
 * Return: 0 or -EPROTO.
 */
int strata_ring_attach(struct strata_ring *r, void *map, size_t map_size,
		       unsigned int cpu, char *err, size_t errlen);

/**
 * strata_ring_begin() - load the producer's position
 * @r: the ring
 * @err: filled on failure
 * @errlen: size of @err
 *
 * With acquire semantics: the records before it are fully written.
 *
 * Return: 1 when records are waiting, 0 when none, -EBADMSG when the head
 * is behind the reader or more than the data size ahead of it.
 */
int strata_ring_begin(struct strata_ring *r, char *err, size_t errlen);

/**
 * strata_ring_next() - read the next record before the loaded head
 * @r: the ring
 * @rec: filled with the record (pad records are skipped)
 * @err: filled with the ring, position and cause on failure
 * @errlen: size of @err
 *
 * Every record is checked before anything in it is used: its length (a
 * multiple of 8, at least its type's header, within the data area and
 * before the head), its type, and for a packet its caplen (within the
 * record and not above wire_len). A gap in the packet sequence numbers that
 * no loss record explains comes out as a STRATA_REC_GAP record.
 *
 * Return: 1 with a record, 0 when none is left, -EBADMSG for a corrupt one
 * (the position stays on it).
 */
int strata_ring_next(struct strata_ring *r, struct strata_ring_rec *rec,
		     char *err, size_t errlen);

/**
 * strata_ring_commit() - give the space before @pos back to the producer
 * @r: the ring
 * @pos: the @end of the last record consumed
 *
 * With release semantics: the reader is done with that memory.
 */
void strata_ring_commit(struct strata_ring *r, __u64 pos);

/**
 * strata_ring_walk() - read every waiting record of one ring
 * @r: the ring
 * @fn: called with each record
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Loads the head, hands out the records before it in order, then commits
 * what was consumed.
 *
 * Return: the number of records handed out, or -errno (-EBADMSG for a
 * corrupt record, or @fn's error).
 */
int strata_ring_walk(struct strata_ring *r, strata_ring_fn fn, void *arg,
		     char *err, size_t errlen);

/**
 * strata_ring_merge() - read the waiting records of several rings, oldest first
 * @rings: the rings
 * @n: how many
 * @pend: room for @n records (the next record of each ring)
 * @fn: called with each record
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Loads every head, then hands out the record with the lowest timestamp at
 * the front of any ring until all are read (each ring is in order; loss and
 * gap records come where they were in their ring), then commits what was
 * consumed. Records fetched but not handed out (when @fn stops early) are
 * read again next time.
 *
 * Return: the number of records handed out, or -errno.
 */
int strata_ring_merge(struct strata_ring *rings, unsigned int n,
		      struct strata_ring_rec *pend, strata_ring_fn fn, void *arg,
		      char *err, size_t errlen);

struct strata_rings;

/**
 * strata_rings_open() - open /dev/strata and map every ring
 * @err: filled with the cause on failure
 * @errlen: size of @err
 *
 * Return: the rings of the caller's network namespace, or NULL with errno
 * set (ENOENT: the module is not loaded).
 */
struct strata_rings *strata_rings_open(char *err, size_t errlen);

/**
 * strata_rings_close() - unmap and close
 * @rs: the rings, or NULL
 */
void strata_rings_close(struct strata_rings *rs);

/**
 * strata_rings_info() - what the module reported
 * @rs: the rings
 *
 * Return: the STRATA_IOC_RING_INFO answer.
 */
const struct strata_ring_info *strata_rings_info(const struct strata_rings *rs);

/**
 * strata_rings_fd() - the device's file descriptor, for poll()
 * @rs: the rings
 *
 * Return: the file descriptor.
 */
int strata_rings_fd(const struct strata_rings *rs);

/**
 * strata_rings_poll() - wait for records
 * @rs: the rings
 * @timeout_ms: as for poll() (-1: no limit)
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Return: 1 when records are waiting, 0 on timeout, -errno (-EINTR when a
 * signal came).
 */
int strata_rings_poll(struct strata_rings *rs, int timeout_ms, char *err,
		      size_t errlen);

/**
 * strata_rings_read() - read the waiting records of every ring, oldest first
 * @rs: the rings
 * @fn: called with each record
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * As strata_ring_merge() over every ring.
 *
 * Return: the number of records handed out, or -errno.
 */
int strata_rings_read(struct strata_rings *rs, strata_ring_fn fn, void *arg,
		      char *err, size_t errlen);

#endif /* STRATA_RING_H */
