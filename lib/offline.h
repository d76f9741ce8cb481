/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Offline analysis: a capture file through the shared core (link layer, parse,
 * fingerprint, microflow table), with counters for everything skipped.
 */
#ifndef STRATA_OFFLINE_H
#define STRATA_OFFLINE_H

#include <uapi/linux/strata.h>
#include "core/parse.h"
#include "core/fingerprint.h"
#include "core/frag.h"
#include "mftable.h"

/**
 * struct strata_counters - per-packet outcome counters (the kernel keeps the same)
 * @seen: packets handed to the core
 * @parsed: parsed completely (STRATA_PARSE_OK)
 * @truncated: headers cut short by the capture length
 * @malformed: headers that contradict themselves or the packet length
 * @unsupported: not IPv4 or IPv6
 * @fragments: IP fragments (also counted in parsed)
 * @ipv4: IPv4 packets parsed
 * @ipv6: IPv6 packets parsed
 * @fingerprints: packets with payload at hand that were fingerprinted
 * @segmented: of those, the packets also given segment hashes
 */
struct strata_counters {
	__u64 seen;
	__u64 parsed;
	__u64 truncated;
	__u64 malformed;
	__u64 unsupported;
	__u64 fragments;
	__u64 ipv4;
	__u64 ipv6;
	__u64 fingerprints;
	__u64 segmented;
};

/**
 * strata_core_packet() - parse one IP packet and count the outcome
 * @data: the packet from its IP header
 * @caplen: bytes at hand
 * @wirelen: bytes on the wire from the IP header on
 * @ts_ns: its timestamp
 * @frags: recently seen fragments (may be NULL: no overlap detection)
 * @pkt: the parse result
 * @c: counters to update
 *
 * A fragment that overlaps one seen before of the same datagram
 * (strata_frag_overlap()) is STRATA_PARSE_MALFORMED, as in the kernel.
 *
 * Return: the parse status.
 */
enum strata_parse_status strata_core_packet(const __u8 *data, __u32 caplen,
					    __u32 wirelen, __u64 ts_ns,
					    struct strata_frag_cache *frags,
					    struct strata_pkt *pkt,
					    struct strata_counters *c);

/**
 * strata_core_fingerprint() - fingerprint a parsed packet's payload
 * @data: the packet from its IP header, as given to strata_core_packet()
 * @caplen: bytes at hand
 * @pkt: its parse result (STRATA_PARSE_OK)
 * @segments: compute segment hashes too (strata_mflow_fp_segments())
 * @fp: the fingerprint of the payload bytes at hand
 * @c: counters to update (fingerprints, segmented)
 */
void strata_core_fingerprint(const __u8 *data, __u32 caplen,
			     const struct strata_pkt *pkt, bool segments,
			     struct strata_fp *fp, struct strata_counters *c);

/**
 * typedef strata_offline_pkt_fn - called for each packet of a capture
 * @pkt: parsed headers (valid when @st is STRATA_PARSE_OK)
 * @st: parse status
 * @ts_ns: capture timestamp in ns since the epoch
 * @frame_len: the frame's original length on the wire (link layer included)
 * @arg: the caller's argument
 */
typedef void (*strata_offline_pkt_fn)(const struct strata_pkt *pkt,
				      enum strata_parse_status st, __u64 ts_ns,
				      __u32 frame_len, void *arg);

/**
 * typedef strata_offline_rec_fn - called with the record of each parsed packet
 * @rec: the record, as the kernel would have written it (hook
 *	STRATA_HOOK_PRE_ROUTING, generation 0, ifindex 0, no GSO; key_hash
 *	from the run's microflow table)
 * @data: the @rec->caplen bytes of the packet from its IP header
 * @frame: the frame's number in the file, from 1 (tshark's frame.number):
 *	also the record's position in its microflow's ring_first/ring_last
 * @arg: the caller's argument
 */
typedef void (*strata_offline_rec_fn)(const struct strata_rec_packet *rec,
				      const __u8 *data, __u64 frame, void *arg);

/**
 * typedef strata_offline_progress_fn - how far a run has read
 * @done: bytes of the file read so far
 * @total: the file's size (0 when not known: a pipe)
 * @frames: frames read so far
 * @arg: the caller's argument
 */
typedef void (*strata_offline_progress_fn)(__u64 done, __u64 total, __u64 frames,
					   void *arg);

/**
 * struct strata_offline - one offline run
 * @window_ns: microflow window (default 1 s when 0)
 * @table_cap: microflow table cap (default 1 << 20 when 0)
 * @fp_segments: segment hash budget (strata_mftable_set_fp_segments());
 *	0 means the default, STRATA_FP_SEG_PACKETS
 * @on_close: closed microflows (may be NULL)
 * @on_packet: every packet, after the core ran on it (may be NULL)
 * @on_record: the record of every parsed packet (may be NULL)
 * @on_progress: called every 16384 frames and once at the end (may be NULL)
 * @snaplen: packet bytes a record keeps, from the IP header (0: up to
 *	STRATA_SNAPLEN_MAX)
 * @arg: passed to the callbacks
 * @counters: filled in by the run
 * @table: filled in by the run (the table's counters at the end)
 * @frames: frames read from the file
 * @not_ip: frames carrying no IP (ARP, ...), not handed to the core
 * @link_short: frames too short for their link header
 * @frags: fragments seen, for overlap detection (reset by strata_offline_run();
 *	zeroed by the caller of strata_offline_frame())
 * @errbuf: on failure, a message naming the file, the offset and the cause
 */
struct strata_offline {
	__u64 window_ns;
	unsigned int table_cap;
	__u32 fp_segments;
	strata_mf_close_fn on_close;
	strata_offline_pkt_fn on_packet;
	strata_offline_rec_fn on_record;
	strata_offline_progress_fn on_progress;
	__u32 snaplen;
	void *arg;
	struct strata_counters counters;
	struct strata_mftable_stats table;
	__u64 frames;
	__u64 not_ip;
	__u64 link_short;
	struct strata_frag_cache frags;
	char errbuf[512];
};

/**
 * strata_offline_frame() - one captured frame through the whole pipeline
 * @o: counters to update (frames, not_ip, link_short, counters) and the
 *	on_packet callback
 * @t: the microflow table
 * @linktype: the capture's link type
 * @frame: the frame
 * @caplen: captured bytes of it
 * @len: its original length on the wire
 * @ts_ns: its timestamp in ns since the epoch
 *
 * Link layer, strata_core_packet(), the table, then
 * strata_core_fingerprint() with the table's segment decision. What
 * strata_offline_run() does for each record, for callers that hold frames
 * in memory (benchmarks, tests).
 */
void strata_offline_frame(struct strata_offline *o, struct strata_mftable *t,
			  int linktype, const __u8 *frame, __u32 caplen,
			  __u32 len, __u64 ts_ns);

/**
 * strata_offline_run() - analyse a pcap or pcapng file
 * @path: the file
 * @o: options in, results out
 *
 * Reads until the end of the file or the first corrupt record; what was read
 * before an error is accounted and its microflows closed (on_close) either way.
 *
 * Return: 0; -ENOENT/-EACCES/-EINVAL when the file cannot be opened as a
 * capture, -EPROTONOSUPPORT for a link type strata does not read, -EIO for a
 * corrupt or truncated record (after the packets before it). @o->errbuf says
 * which.
 */
int strata_offline_run(const char *path, struct strata_offline *o);

#endif /* STRATA_OFFLINE_H */
