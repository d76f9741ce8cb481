/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor's packet store on LMDB: ring records batched into compressed
 * blocks, a block table, time and conversation indexes, microflows, retention.
 */
#ifndef STRATA_STORE_H
#define STRATA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <uapi/linux/strata.h>
#include "clock.h"
#include "core/flow.h"
#include "genl.h"

/* On-disk format version (Documentation/store.rst). */
#define STRATA_STORE_VERSION		7

/* Block codecs: struct strata_store_opts.codec and byte 6 of a block. */
#define STRATA_STORE_CODEC_NONE		0
#define STRATA_STORE_CODEC_ZSTD		1

#define STRATA_STORE_BUDGET_DEFAULT	(1ULL << 30)
#define STRATA_STORE_BUDGET_MIN		(1ULL << 20)
#define STRATA_STORE_BLOCK_DEFAULT	(256U << 10)
#define STRATA_STORE_BLOCK_MIN		(16U << 10)	/* the largest record fits */
#define STRATA_STORE_BLOCK_MAX		(16U << 20)
#define STRATA_STORE_ZSTD_LEVEL_DEFAULT	(-3)
#define STRATA_STORE_PINS_MAX		64
#define STRATA_STORE_LABEL_MAX		64		/* bytes, the NUL included */
/* Location flows: each conversation's microflows summed over this window. */
#define STRATA_STORE_FLOW_WINDOW_NS	(60ULL * 1000000000ULL)

/**
 * struct strata_store_opts - how to open a store
 * @path: the store's directory (created when missing, one level); LMDB
 *	keeps DIR/data.mdb and DIR/lock.mdb in it
 * @budget: the most bytes data.mdb may take (rounded down to 4 KiB; the
 *	LMDB map size); at least STRATA_STORE_BUDGET_MIN and 32 blocks
 * @block_bytes: raw bytes of records that seal a block,
 *	STRATA_STORE_BLOCK_MIN..STRATA_STORE_BLOCK_MAX; 0 (the default):
 *	STRATA_STORE_BLOCK_DEFAULT, or a thirty-second of @budget when that
 *	is less (at least STRATA_STORE_BLOCK_MIN), so any budget from 1 MiB
 *	holds 32 blocks
 * @codec: STRATA_STORE_CODEC_* of the blocks written from now on
 * @zstd_level: ZSTD_minCLevel()..19 but 0, for STRATA_STORE_CODEC_ZSTD;
 *	negative levels are zstd's fast ones
 * @max_age_ns: remove blocks older than this behind the newest packet
 *	(0: age plays no part)
 * @sync: fsync the store at every flush (mdb_env_sync()); without it a
 *	flush survives a crash of the process, not of the machine
 * @committer: seal and commit in two threads of the store's own: the
 *	writer calls only copy records and hand full blocks over (see
 *	strata_store_flush_nowait() and Documentation/store.rst)
 * @readonly: open for the reader calls only (another process may write);
 *	the other options then play no part
 * @clock: the records come from this host's clock (a live capture): each
 *	location flow notes the clock's state when its window closes
 *	(strata_clock_state()); off for captures read from files
 *
 * Start from strata_store_opts_init(); a zero @budget, @block_bytes or
 * @zstd_level also means the default.
 */
struct strata_store_opts {
	const char *path;
	__u64 budget;
	__u32 block_bytes;
	__u32 codec;
	int zstd_level;
	__u64 max_age_ns;
	bool sync;
	bool committer;
	bool readonly;
	bool clock;
};

/**
 * struct strata_store_counters - totals since the store was created
 * @packets_written: packet records committed
 * @blocks_written: blocks committed
 * @raw_bytes_written: record bytes of those blocks, uncompressed
 * @stored_bytes_written: bytes of those blocks as stored (header included)
 * @microflows_written: microflows committed (a rewrite of one counts again)
 * @blocks_removed: blocks removed by retention (size or age)
 * @packets_removed: their packet records
 * @bytes_removed: their stored bytes
 * @blocks_expired: of @blocks_removed, those removed for their age
 * @microflows_removed: microflows removed by retention
 * @flows_removed: location flows removed by retention
 * @packets_dropped: packet records that could not be committed (the store
 *	was full of pinned data or held by readers; see store.rst)
 * @blocks_dropped: the blocks that held them
 * @microflows_dropped: microflows that could not be committed
 * @map_full: commits that hit MDB_MAP_FULL and were retried after removing
 *	more blocks
 */
struct strata_store_counters {
	__u64 packets_written;
	__u64 blocks_written;
	__u64 raw_bytes_written;
	__u64 stored_bytes_written;
	__u64 microflows_written;
	__u64 blocks_removed;
	__u64 packets_removed;
	__u64 bytes_removed;
	__u64 blocks_expired;
	__u64 microflows_removed;
	__u64 flows_removed;
	__u64 packets_dropped;
	__u64 blocks_dropped;
	__u64 microflows_dropped;
	__u64 map_full;
};

/**
 * struct strata_store_info - what a store holds, as last committed
 * @version: STRATA_STORE_VERSION
 * @codec: the codec of new blocks
 * @snaplen: the largest caplen stored
 * @pins: pins in force
 * @created_ns: when the store was created (CLOCK_REALTIME)
 * @last_commit_ns: when the last flush committed (CLOCK_REALTIME)
 * @budget: the LMDB map size in force
 * @file_bytes: the size data.mdb has reached (pages up to the last used)
 * @used_bytes: pages that hold data (the rest of @file_bytes is free pages)
 * @blocks: blocks held
 * @packets: packet records held
 * @microflows: microflows held
 * @flows: location flows held (of open windows too)
 * @flows_through: flow windows that start before it are closed: their flows
 *	are in the flow table; later ones are summed from their microflows
 * @first_ts: the oldest packet time held (0 without blocks)
 * @last_ts: the newest packet time committed
 * @first_block: the oldest block id held (0 without blocks)
 * @last_block: the newest block id held
 * @c: totals since creation
 */
struct strata_store_info {
	__u32 version;
	__u32 codec;
	__u32 snaplen;
	__u32 pins;
	__u64 created_ns;
	__u64 last_commit_ns;
	__u64 budget;
	__u64 file_bytes;
	__u64 used_bytes;
	__u64 blocks;
	__u64 packets;
	__u64 microflows;
	__u64 flows;
	__u64 flows_through;
	__u64 first_ts;
	__u64 last_ts;
	__u64 first_block;
	__u64 last_block;
	struct strata_store_counters c;
};

/**
 * struct strata_store_range - the records of one ring in one block
 * @first: ring position (cpu << 48 | seq) of the first
 * @last: ring position of the last
 */
struct strata_store_range {
	__u64 first;
	__u64 last;
};

/**
 * struct strata_store_block - one entry of the block allocation table
 * @id: block id, from 1, increasing in write order, never reused
 * @first_ts: its earliest packet time
 * @last_ts: its latest packet time
 * @packets: records in it
 * @raw_bytes: record bytes, uncompressed
 * @stored_bytes: bytes as stored, block header included
 * @codec: STRATA_STORE_CODEC_* its records' heads are stored with
 * @data_codec: the same for their packet bytes (zstd only where it pays)
 * @nranges: entries in @ranges
 * @ranges: per ring present in the block, ascending by CPU
 */
struct strata_store_block {
	__u64 id;
	__u64 first_ts;
	__u64 last_ts;
	__u32 packets;
	__u32 raw_bytes;
	__u32 stored_bytes;
	__u32 codec;
	__u32 data_codec;
	unsigned int nranges;
	const struct strata_store_range *ranges;
};

/**
 * struct strata_store_rec - one stored packet record
 * @block: the block it is in
 * @cpu: the ring it came from
 * @seq: its sequence number in that ring
 * @pkt: its fixed part
 * @data: the @pkt->caplen packet bytes from the IP header
 */
struct strata_store_rec {
	__u64 block;
	unsigned int cpu;
	__u64 seq;
	const struct strata_rec_packet *pkt;
	const __u8 *data;
};

/**
 * struct strata_store_mflow - one stored microflow
 * @mf: as received (fields the kernel does not send are zero)
 * @info: the rest of what was received
 * @first_block: the block holding the record at @info.ring_first (0: not
 *	known: records were off, lost, or removed by retention)
 * @last_block: the same for @info.ring_last
 */
struct strata_store_mflow {
	struct strata_mflow mf;
	struct strata_mf_info info;
	__u64 first_block;
	__u64 last_block;
};

/**
 * struct strata_store_flow - a location flow: one conversation at this
 *	sensor over one flow window, its microflows summed
 * @key: the conversation, canonical (strata_flow_key())
 * @window_start: a multiple of @window_ns since the epoch
 * @window_ns: STRATA_STORE_FLOW_WINDOW_NS
 * @first_mf: window start of its first microflow
 * @last_mf: window start of its last microflow
 * @microflows: microflows summed into it
 * @initiator: the endpoint of @key that started the conversation, from the
 *	first microflow that saw a packet of it (with @has_initiator)
 * @has_initiator: @initiator is known
 * @clock_sync: the host clock's state (STRATA_CLOCK_*) when the flow window
 *	closed, with the @clock option; STRATA_CLOCK_UNKNOWN without it (an
 *	offline analysis) and in flows stored before strata 0.3
 * @pad: zero
 * @dir: per endpoint of @key, what it sent (strata_dir_stats_merge() of
 *	the microflows' directions)
 * @txn: the microflows' transaction timing summed (strata_txn_merge()),
 *	windows without packets included; zero in flows stored before
 *	format 7
 */
struct strata_store_flow {
	struct strata_flow_key key;
	__u64 window_start;
	__u64 window_ns;
	__u64 first_mf;
	__u64 last_mf;
	__u32 microflows;
	__u8 initiator;
	__u8 has_initiator;
	__u8 clock_sync;
	__u8 pad;
	struct strata_dir_stats dir[2];
	struct strata_txn_stats txn;
};

/**
 * struct strata_store_pin - a time range kept past retention
 * @id: from 1, never reused
 * @t1: start (ns since the epoch)
 * @t2: end, included
 * @created_ns: when it was made (CLOCK_REALTIME)
 * @bytes: stored bytes of the blocks it holds now (each block counted under
 *	the oldest pin that holds it)
 * @label: the caller's label, NUL-terminated
 */
struct strata_store_pin {
	__u64 id;
	__u64 t1;
	__u64 t2;
	__u64 created_ns;
	__u64 bytes;
	char label[STRATA_STORE_LABEL_MAX];
};

/*
 * Callbacks of the reader calls. The argument is valid only during the call.
 * Return: 0 to go on, > 0 to stop without an error, < 0 (-errno) to stop
 * with that error (the reader call returns it).
 */
typedef int (*strata_store_block_fn)(const struct strata_store_block *b, void *arg);
typedef int (*strata_store_rec_fn)(const struct strata_store_rec *r, void *arg);
typedef int (*strata_store_mflow_fn)(const struct strata_store_mflow *m, void *arg);
typedef int (*strata_store_pin_fn)(const struct strata_store_pin *p, void *arg);
typedef int (*strata_store_flow_fn)(const struct strata_store_flow *f, void *arg);

struct strata_store;

/**
 * strata_store_opts_init() - the default options
 * @o: filled in: 1 GiB budget, blocks sized from it (256 KiB), zstd level 1, no age limit,
 *	no sync, read-write
 * @path: the store's directory
 */
void strata_store_opts_init(struct strata_store_opts *o, const char *path);

/**
 * strata_store_open() - open or create a store
 * @o: options
 * @out: the store, on success
 * @err: filled with "store open DIR: CAUSE" on failure
 * @errlen: size of @err
 *
 * A writer creates a missing store, checks the format of an existing one,
 * and applies retention once (the budget or age may have changed). One
 * thread makes every writer call (add, flush, pin, close); the reader calls
 * may come from any thread at the same time.
 *
 * Return: 0; -EINVAL for bad options (or a budget below the size the file
 * already has: LMDB cannot shrink a file), -EPROTO for a directory holding
 * another format version or no strata store, -ENOENT for a missing store
 * opened read-only, or another -errno.
 */
int strata_store_open(const struct strata_store_opts *o, struct strata_store **out,
		      char *err, size_t errlen);

/**
 * strata_store_tune_malloc() - keep the memory of committed blocks for reuse
 *
 * LMDB copies each block into memory of its own that it frees after the
 * commit. glibc would give memory that large back to the kernel (munmap,
 * or trimming the heap), so the next block's copy pays a page fault for
 * every 4 KiB again. This sets the process's malloc to serve blocks from
 * the heap and to keep what is freed (M_MMAP_THRESHOLD 32 MiB,
 * M_TRIM_THRESHOLD 1 GiB): memory then stays at its high-water mark, which
 * the commit queue bounds. It changes malloc for the whole process, so the
 * programs call it (``stratad``, ``strata analyze --store``) once, at
 * start; the library never does.
 *
 * Return: 0, or -EINVAL when malloc refused a setting (a sanitizer's malloc
 * does; the programs then only run slower).
 */
int strata_store_tune_malloc(void);

/**
 * strata_store_close() - flush and close
 * @s: the store, or NULL
 * @err: filled with the flush's error
 * @errlen: size of @err
 *
 * Frees everything even when the flush fails.
 *
 * Return: 0 or the flush's -errno.
 */
int strata_store_close(struct strata_store *s, char *err, size_t errlen);

/**
 * strata_store_add_packet() - append a packet record to the open block
 * @s: the store (writer)
 * @cpu: the ring it came from, < 65536
 * @seq: its sequence number in that ring, < 2^48
 * @pkt: its fixed part (@pkt->caplen <= STRATA_SNAPLEN_MAX and wire_len,
 *	@pkt->nseg <= 16)
 * @data: the @pkt->caplen packet bytes
 * @err: filled on failure
 * @errlen: size of @err
 *
 * The record is laid out as in the ring (struct strata_rec with pad = @cpu,
 * struct strata_rec_packet, the bytes, zeros to 8). A block is sealed (its
 * records sorted by time, compressed) when the next record would take it
 * past the block size; sealed blocks are committed by strata_store_flush(),
 * or here as soon as they hold a sixteenth of the budget, so that one
 * commit always fits.
 *
 * With the committer option, a full block is handed to the store's
 * threads instead: the sealer seals it, and the committer commits at a
 * sixteenth of the budget or at a flush.
 *
 * Return: 0; -EINVAL for a record that breaks the rules above (not
 * stored); -EPERM on a read-only store; or a commit's -errno (the packet is
 * stored all the same).
 */
int strata_store_add_packet(struct strata_store *s, unsigned int cpu, __u64 seq,
			    const struct strata_rec_packet *pkt, const __u8 *data,
			    char *err, size_t errlen);

/**
 * strata_store_add_microflow() - queue a closed microflow for the next flush
 * @s: the store (writer)
 * @mf: the microflow (a copy is kept)
 * @info: what came with it; @info->has_ring says whether @info->ring_first
 *	and @info->ring_last name packet records
 * @err: filled on failure
 * @errlen: size of @err
 *
 * At the flush, the records at @info->ring_first and @info->ring_last are
 * looked up in the block table, the blocks of this flush included; a
 * record not found there yet (still in the ring) is looked up again by
 * strata_store_microflows(). Microflows are keyed by window start,
 * conversation and @info->seq: a microflow given twice is stored once.
 *
 * Return: 0; -EINVAL for a window of 0 ns; -EPERM on a read-only store; or a
 * commit's -errno.
 */
int strata_store_add_microflow(struct strata_store *s, const struct strata_mflow *mf,
			       const struct strata_mf_info *info,
			       char *err, size_t errlen);

/**
 * strata_store_flush() - seal the open block and commit
 * @s: the store (writer)
 * @err: filled with "store flush: CAUSE" on failure
 * @errlen: size of @err
 *
 * One LMDB write transaction: the sealed blocks with their table and index
 * entries, the queued microflows, then retention (age, pins, then size down
 * to 75% of the budget once above 90%). On MDB_MAP_FULL the oldest unpinned
 * blocks are removed and the commit tried again; what still cannot be
 * committed (a reader holds the pages freed since it began) waits for the
 * next flush, until a quarter of the budget waits or the store closes:
 * then it is dropped and counted (packets_dropped). With the sync option
 * the file is then fsynced. A flush with nothing queued commits nothing.
 *
 * With the committer option, the committer thread does this and the call
 * waits for it; it then also returns the error of an earlier commit nobody
 * waited for (see strata_store_flush_nowait()), once.
 *
 * Return: 0; -EAGAIN when the queue waits for the next flush (no room LMDB
 * may reuse yet); -ENOSPC when data had to be dropped; -EPERM on a
 * read-only store; or another -errno (the queued data stays for the next
 * flush).
 */
int strata_store_flush(struct strata_store *s, char *err, size_t errlen);

/**
 * strata_store_flush_nowait() - strata_store_flush(), not waiting for it
 * @s: the store (writer)
 * @err: filled on failure
 * @errlen: size of @err
 *
 * With the committer option: hands the open block and the queued
 * microflows to the committer thread, asks it to commit, and returns; the
 * commit's error, if any, is returned once by a later writer call
 * (add_packet, add_microflow or a flush), "an earlier commit: CAUSE".
 * Without the option, the same as strata_store_flush().
 *
 * The store's threads hold at most 128 blocks and microflow batches not
 * yet queued for a commit: a writer call that would hand them one more
 * waits for room. That is the back-pressure on a writer faster than the
 * disk.
 *
 * Return: 0; an earlier commit's -errno; or -ENOMEM.
 */
int strata_store_flush_nowait(struct strata_store *s, char *err, size_t errlen);

/**
 * strata_store_pin() - keep a time range past retention
 * @s: the store (writer)
 * @t1: start, ns since the epoch
 * @t2: end, included (>= @t1)
 * @label: up to STRATA_STORE_LABEL_MAX - 1 bytes (may be NULL)
 * @id: the new pin's id (may be NULL)
 * @err: filled on failure
 * @errlen: size of @err
 *
 * The blocks that hold packets of [@t1, @t2], and the microflows of those
 * windows, stay until strata_store_unpin(), whatever their age and the
 * budget. Pins together may hold at most half the budget, so that new data
 * always has room: a pin beyond that is refused. Data arriving later inside
 * a pinned range counts against the same half: past it, the newest pin's
 * newest blocks lose their protection first. Committed at once.
 *
 * Return: 0; -EINVAL for @t1 > @t2 or a long label; -ENOSPC when the pins
 * would hold more than half the budget, or STRATA_STORE_PINS_MAX are in
 * force; -EPERM on a read-only store; or another -errno.
 */
int strata_store_pin(struct strata_store *s, __u64 t1, __u64 t2, const char *label,
		     __u64 *id, char *err, size_t errlen);

/**
 * strata_store_unpin() - remove a pin
 * @s: the store (writer)
 * @id: the pin
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Applies retention at once to what the pin held. Committed at once.
 *
 * Return: 0; -ENOENT for no such pin; -EPERM on a read-only store; or
 * another -errno.
 */
int strata_store_unpin(struct strata_store *s, __u64 id, char *err, size_t errlen);

/**
 * strata_store_pins() - list the pins
 * @s: the store
 * @fn: called with each pin, by id
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Return: 0 or -errno.
 */
int strata_store_pins(struct strata_store *s, strata_store_pin_fn fn, void *arg,
		      char *err, size_t errlen);

/**
 * strata_store_info() - what the store holds, as last committed
 * @s: the store
 * @info: filled in
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Return: 0 or -errno.
 */
int strata_store_info(struct strata_store *s, struct strata_store_info *info,
		      char *err, size_t errlen);

/**
 * strata_store_blocks() - the block table entries of a time range
 * @s: the store
 * @t1: start, ns since the epoch
 * @t2: end, included
 * @fn: called with each block holding packets of [@t1, @t2], by first
 *	packet time
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Return: 0, @fn's -errno, -EINVAL for @t1 > @t2, -EBADMSG for a corrupt
 * table entry, or another -errno.
 */
int strata_store_blocks(struct strata_store *s, __u64 t1, __u64 t2,
			strata_store_block_fn fn, void *arg, char *err, size_t errlen);

/**
 * strata_store_packets() - the packet records of a time range
 * @s: the store
 * @t1: start, ns since the epoch
 * @t2: end, included
 * @conv: only the records of this conversation, in either direction (its
 *	endpoints in any order), or NULL for all
 * @fn: called with each record, by time (then CPU, then sequence number)
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Every block is checked before use (header, checksum, size, each record's
 * length, type, caplen and time). Records come in time order across blocks
 * as long as no more than 64 blocks overlap in time (many more than the
 * rings' disorder makes). A corrupt block is skipped: the others are still
 * read, and the call then fails with -EBADMSG naming it.
 *
 * Return: 0; @fn's -errno; -EINVAL for @t1 > @t2; -EBADMSG after every
 * readable record was handed out, when a block in the range was corrupt
 * (@err names the first and how many); or another -errno.
 */
int strata_store_packets(struct strata_store *s, __u64 t1, __u64 t2,
			 const struct strata_flow_key *conv,
			 strata_store_rec_fn fn, void *arg, char *err, size_t errlen);

/**
 * strata_store_microflows() - the microflows of a time range
 * @s: the store
 * @conv: only this conversation's (either endpoint order), or NULL for all
 * @t1: start, ns since the epoch
 * @t2: end, included
 * @fn: called with each microflow whose window overlaps [@t1, @t2], by
 *	window start
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Block ids not known when the microflow was stored are looked up again.
 *
 * Return: 0, @fn's -errno, -EINVAL for @t1 > @t2, -EBADMSG for a corrupt
 * entry, or another -errno.
 */
int strata_store_microflows(struct strata_store *s, const struct strata_flow_key *conv,
			    __u64 t1, __u64 t2, strata_store_mflow_fn fn, void *arg,
			    char *err, size_t errlen);

/**
 * strata_store_flows() - the location flows of a time range
 * @s: the store
 * @conv: only this conversation's (either endpoint order), or NULL for all
 * @t1: start, ns since the epoch
 * @t2: end, included
 * @fn: called with each flow whose window overlaps [@t1, @t2], by window
 *	start (then by the store's conversation hash)
 * @arg: passed to @fn
 * @err: filled on failure
 * @errlen: size of @err
 *
 * A flow holds the microflows stored so far whose windows start in it: it
 * grows while its window is open, and a microflow given twice counts once.
 * An open window's flows are summed from its microflows at the call; a
 * closed one's (before strata_store_info()'s @flows_through) are read from
 * the flow table, written once when the window closed.
 * Retention removes a flow with the microflows of its window.
 *
 * Return: 0, @fn's -errno, -EINVAL for @t1 > @t2, -EBADMSG for a corrupt
 * entry, or another -errno.
 */
int strata_store_flows(struct strata_store *s, const struct strata_flow_key *conv,
		       __u64 t1, __u64 t2, strata_store_flow_fn fn, void *arg,
		       char *err, size_t errlen);

/**
 * strata_store_canon_key() - a conversation's canonical key
 * @in: the conversation's key, either way round
 * @out: filled with its canonical form (the endpoints in the order the
 *	core's strata_flow_key() puts them), the form the store keeps its
 *	flows and location flows under
 */
void strata_store_canon_key(const struct strata_flow_key *in, struct strata_flow_key *out);

#endif /* STRATA_STORE_H */
