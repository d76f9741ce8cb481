/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The kernel/user ABI of strata.ko: what the module shows to userspace.
 * Stable once released; new things are added, nothing is renumbered.
 *
 * strata.ko works per network namespace. In every namespace it sees each
 * IPv4 and IPv6 packet once (netfilter PRE_ROUTING for what arrives, to be
 * delivered or forwarded, and LOCAL_OUT for what the namespace sends),
 * parses it, fingerprints its payload, accounts it in a microflow table and,
 * when per-packet records are on, writes one record to the ring of the CPU
 * that saw it. Three interfaces reach that state, all bound to the caller's
 * network namespace:
 *
 *   - /proc/net/strata: the counters as text (for humans and shell tests);
 *   - the generic netlink family "strata": configuration, counters, the live
 *     microflow table, and a multicast group with every closed microflow;
 *   - the character device /dev/strata: per-CPU rings of packet records,
 *     mapped into the reader's memory.
 *
 * Counters
 * --------
 *
 * enum strata_counter lists per-CPU counters, summed on read. In
 * /proc/net/strata: one line per counter, "NAME VALUE", in enum order, VALUE
 * in decimal except fp_sum (0x-prefixed hex). Through netlink: the nest
 * STRATA_A_STATS holds one u64 attribute per counter, of type stat + 1
 * (on architectures that need 64-bit alignment, padding attributes of type
 * 0 may come between them: skip them).
 *
 *    STRATA_STAT_SEEN         "seen"          packets handed to the core
 *    STRATA_STAT_PARSED       "parsed"        headers parsed completely
 *    STRATA_STAT_TRUNCATED    "truncated"     headers longer than the
 *                                             module's header buffer (256 B)
 *    STRATA_STAT_MALFORMED    "malformed"     headers contradicting themselves,
 *                                             the packet length, or the hook's
 *                                             family (IP version 5 sent by a
 *                                             raw socket at the IPv4 hook); a
 *                                             fragment overlapping one seen
 *                                             before of the same datagram
 *    STRATA_STAT_UNSUPPORTED  "unsupported"   neither IPv4 nor IPv6
 *    STRATA_STAT_FRAGMENTS    "fragments"     IP fragments (also in parsed)
 *    STRATA_STAT_IPV4         "ipv4"          parsed IPv4 packets
 *    STRATA_STAT_IPV6         "ipv6"          parsed IPv6 packets
 *    STRATA_STAT_FINGERPRINTS "fingerprints"  non-empty payloads fingerprinted
 *    STRATA_STAT_FP_SUM       "fp_sum"        their payload hashes (xxh64,
 *                                             seed STRATA_FP_SEED_PAYLOAD)
 *                                             summed modulo 2^64: lets a test
 *                                             check that the kernel computes
 *                                             the fingerprints userspace does
 *    STRATA_STAT_SEGMENTED    "segmented"     of the fingerprinted packets,
 *                                             those also given segment hashes
 *                                             (the segment budget)
 *    STRATA_STAT_TABLE_FULL   "table_full"    parsed packets of a conversation
 *                                             not in the microflow table that
 *                                             found it at its cap (not
 *                                             accounted in any microflow)
 *    STRATA_STAT_MF_NEW       "mf_new"        conversations entered into the
 *                                             table
 *    STRATA_STAT_MF_CLOSED    "mf_closed"     microflows closed (a window of a
 *                                             conversation that had packets)
 *    STRATA_STAT_MF_NOTIFY_FAIL "mf_notify_fail" closed microflows that could
 *                                             not be sent to the multicast
 *                                             group (no memory); listeners see
 *                                             a gap in STRATA_MF_A_SEQ
 *    STRATA_STAT_RECORDS      "records"       packet records written to rings
 *    STRATA_STAT_RING_DROPS   "ring_drops"    packet records dropped because
 *                                             their ring was full (each one
 *                                             reported by a loss record)
 *    STRATA_STAT_SAMPLED_OUT  "sampled_out"   packets without a record because
 *                                             of the sampling rate
 *
 * seen = parsed + truncated + malformed + unsupported. Every parsed packet is
 * accounted in a microflow or counted in table_full. With records on and the
 * namespace's rings created (they are, at the first open of /dev/strata in
 * it), every parsed packet gets a record or is counted in ring_drops or in
 * sampled_out; before that first open no record is written, and none is
 * counted as lost, since no reader ever asked for one.
 * Counters only grow while the module is loaded and start at zero in a new
 * namespace.
 *
 * Generic netlink family "strata"
 * -------------------------------
 *
 * Version STRATA_GENL_VERSION. Every request and reply carries top-level
 * attributes of enum strata_attr; validation is strict: unknown attributes,
 * attributes of the wrong size or out of range, and unknown flag bits are
 * refused with -EINVAL (or -ERANGE) and an extended ACK message naming the
 * attribute. Requests act on the namespace of the netlink socket.
 *
 * STRATA_CMD_GET_CONFIG (doit, any user)
 *   Reply: STRATA_A_CONFIG, a nest holding every attribute of
 *   enum strata_cfg_attr, the filters included.
 *
 * STRATA_CMD_SET_CONFIG (doit, CAP_NET_ADMIN in the namespace's user
 * namespace, else -EPERM)
 *   Request: STRATA_A_CONFIG with the attributes to change; those absent keep
 *   their value. STRATA_CFG_A_FILTERS, when present, replaces the whole
 *   filter list (an empty nest clears it). STRATA_CFG_A_GENERATION may be
 *   given: the change is then made only if it equals the current generation
 *   (else -ESTALE), so that two tools do not overwrite each other. Every
 *   accepted change increments the generation. Takes effect for the next
 *   packet on every CPU; records carry the generation that made them.
 *   Reply: the new configuration, as for STRATA_CMD_GET_CONFIG.
 *
 * STRATA_CMD_GET_STATS (doit, any user)
 *   Reply: STRATA_A_STATS (the counters, see above) and STRATA_A_TABLE_LIVE
 *   (u32: microflows in the table now).
 *
 * STRATA_CMD_GET_MICROFLOWS (dumpit, any user)
 *   One message per conversation in the table, each with STRATA_A_MICROFLOW:
 *   its current, still open window. A dump lists every conversation present
 *   from its start to its end; one inserted or removed meanwhile may or may
 *   not appear, and a table resize may list one twice.
 *
 * STRATA_CMD_MICROFLOW (multicast, group STRATA_GENL_MCGRP_MICROFLOWS)
 *   One message per closed microflow, with STRATA_A_MICROFLOW. A microflow
 *   closes when its window ends: when the conversation's first packet of a
 *   later window arrives, or at the latest one table scan after the end of
 *   the window (see Documentation/kernel.rst). STRATA_MF_A_SEQ numbers the
 *   closed microflows of a namespace from 1, in the order they are sent,
 *   without gaps, so a listener detects a message it lost (socket overrun:
 *   ENOBUFS) or that could not be sent or queued (counted in mf_notify_fail;
 *   the gap shows when the next one arrives).
 *
 * The microflow nest (enum strata_mf_attr) carries the conversation key,
 * window and the two directions (enum strata_dir_attr); sample sets
 * (enum strata_sample_attr) carry n, sum, sum of squares (128 bits) and
 * min/max. Field meanings are those of the shared core (lib/core/flow.h).
 * Every attribute of the three nests is always sent, except STRATA_MF_A_SEQ
 * (closed microflows only), STRATA_MF_A_RING_FIRST/LAST (when the window
 * has packet records) and a sample set with no sample; a sample set, when
 * present, has all its attributes.
 *
 * STRATA_MF_A_TXN (nest, enum strata_txn_attr) carries the window's
 * transaction timing (struct strata_txn_stats): TCP time to first byte
 * (STRATA_TXN_A_TTFB), response duration (STRATA_TXN_A_RESP) and the
 * connection's first exchange (STRATA_TXN_A_FIRST) as sample sets in ns,
 * requests started, the application of the first request
 * (STRATA_TXN_APP_*), and DNS query-to-response latency (STRATA_TXN_A_DNS)
 * with the queries seen, given up unanswered, not timed for want of a slot,
 * and repeated. It is always sent, its sample sets only when not empty; a
 * module older than it does not send it (read: all zero). A window can be
 * closed with no packet when a transaction ended in it without one (a DNS
 * query given up, a response whose responder fell silent): its directions
 * then have zero packets.
 *
 * Packet rings: /dev/strata
 * -------------------------
 *
 * open() needs CAP_NET_ADMIN in the user namespace owning the caller's
 * network namespace (packet contents are sensitive; else -EPERM), and binds
 * the file to that namespace; the rings of that namespace are created on its
 * first open (module parameter ring_kb: KiB of records per CPU, default
 * 4096) and live as long as the namespace
 * (records are written whether or not a reader is attached, when records are
 * on). STRATA_IOC_RING_INFO fills struct strata_ring_info. The rings are
 * mapped one by one: mmap(NULL, info.map_size, PROT_READ | PROT_WRITE,
 * MAP_SHARED, fd, cpu * info.map_size) maps the ring of CPU @cpu (0 <= cpu <
 * info.nr_rings), starting with its header page (struct strata_ring_hdr),
 * followed by info.data_size bytes of records. A ring has one producer (its
 * CPU, in the packet path) and one consumer (the reader): the producer
 * advances @head after writing a record, the consumer advances @tail after
 * reading one. Both are byte counts since the ring was created, never
 * wrapped; the byte at count c is at data offset c % data_size. The reader
 * loads @head with acquire semantics, reads the records in [tail, head), and
 * stores @tail with release semantics. poll() reports POLLIN when any ring of
 * the namespace holds records; wakeups are batched (a reader waiting in poll
 * is woken after STRATA_RING_WAKE_BATCH records, or within 10 ms otherwise).
 *
 * Records are 8-byte aligned and never wrap around the end of the data area:
 * the producer fills the end with a STRATA_REC_PAD record when the next one
 * does not fit. Each record starts with struct strata_rec; @len is its total
 * length (a multiple of 8). A packet record (STRATA_REC_PACKET) continues
 * with struct strata_rec_packet and the first @caplen bytes of the packet
 * from its IP header. Every packet record has a sequence number @seq, per
 * ring, from 1. When a record does not fit in the free space it is dropped
 * and its sequence number is consumed: the next record written is a loss
 * record (STRATA_REC_LOSS, struct strata_rec_loss) whose @seq is the first
 * sequence number lost and whose @lost says how many were, so a gap in the
 * packet sequence is always explained by the loss record before it. A full
 * ring never blocks or slows the packet path; it loses the newest records,
 * not the oldest.
 */
#ifndef _UAPI_LINUX_STRATA_H
#define _UAPI_LINUX_STRATA_H

#include <linux/types.h>
#include <linux/ioctl.h>

enum strata_counter {
	STRATA_STAT_SEEN,
	STRATA_STAT_PARSED,
	STRATA_STAT_TRUNCATED,
	STRATA_STAT_MALFORMED,
	STRATA_STAT_UNSUPPORTED,
	STRATA_STAT_FRAGMENTS,
	STRATA_STAT_IPV4,
	STRATA_STAT_IPV6,
	STRATA_STAT_FINGERPRINTS,
	STRATA_STAT_FP_SUM,
	STRATA_STAT_SEGMENTED,
	STRATA_STAT_TABLE_FULL,
	STRATA_STAT_MF_NEW,
	STRATA_STAT_MF_CLOSED,
	STRATA_STAT_MF_NOTIFY_FAIL,
	STRATA_STAT_RECORDS,
	STRATA_STAT_RING_DROPS,
	STRATA_STAT_SAMPLED_OUT,
	__STRATA_STAT_MAX
};

/* ---- generic netlink ---- */

#define STRATA_GENL_NAME		"strata"
#define STRATA_GENL_VERSION		1
#define STRATA_GENL_MCGRP_MICROFLOWS	"microflows"

enum strata_cmd {
	STRATA_CMD_UNSPEC,
	STRATA_CMD_GET_CONFIG,
	STRATA_CMD_SET_CONFIG,
	STRATA_CMD_GET_STATS,
	STRATA_CMD_GET_MICROFLOWS,
	STRATA_CMD_MICROFLOW,
	__STRATA_CMD_MAX
};
#define STRATA_CMD_MAX (__STRATA_CMD_MAX - 1)

enum strata_attr {
	STRATA_A_UNSPEC,
	STRATA_A_CONFIG,	/* nest: enum strata_cfg_attr */
	STRATA_A_STATS,		/* nest: u64 per enum strata_counter, type stat + 1 */
	STRATA_A_TABLE_LIVE,	/* u32: microflows in the table */
	STRATA_A_MICROFLOW,	/* nest: enum strata_mf_attr */
	__STRATA_A_MAX
};
#define STRATA_A_MAX (__STRATA_A_MAX - 1)

/* STRATA_CFG_A_FLAGS */
#define STRATA_CFG_F_FINGERPRINT	0x1	/* payload hashes (and segments) */
#define STRATA_CFG_F_RECORDS		0x2	/* per-packet records to the rings */
#define STRATA_CFG_F_ALL		0x3

/* Limits and defaults of the configuration. */
#define STRATA_WINDOW_MS_MIN		10
#define STRATA_WINDOW_MS_MAX		3600000	/* one hour */
#define STRATA_WINDOW_MS_DEFAULT	1000
#define STRATA_SNAPLEN_MAX		9216	/* a jumbo frame's IP datagram */
#define STRATA_SNAPLEN_DEFAULT		128
#define STRATA_TABLE_CAP_MAX		(1U << 24)
#define STRATA_TABLE_CAP_DEFAULT	(1U << 18)
#define STRATA_SEG_BUDGET_DEFAULT	4	/* STRATA_FP_SEG_PACKETS */
#define STRATA_SEG_BUDGET_ALL		0xffffffffU
#define STRATA_FILTERS_MAX		16

/*
 * Configuration of one namespace. On GET every attribute is present.
 * STRATA_CFG_A_WINDOW_MS: microflow window in ms; windows start at multiples
 *	of it since the epoch, so it must divide a day (86400000) evenly.
 * STRATA_CFG_A_SNAPLEN: bytes of each packet (from the IP header) copied into
 *	its record, for packets no filter matches.
 * STRATA_CFG_A_SAMPLING: one packet record in N (1: every packet; packets
 *	are still all accounted in microflows). Chosen per CPU by count.
 * STRATA_CFG_A_TABLE_CAP: the most conversations in the microflow table.
 *	Lowering it below the current number evicts nothing; new ones wait.
 * STRATA_CFG_A_SEG_BUDGET: packets with payload per direction and window
 *	that get segment hashes (STRATA_SEG_BUDGET_ALL: all, 0: none).
 * STRATA_CFG_A_FILTERS: detail filters, a nest of up to STRATA_FILTERS_MAX
 *	STRATA_FILTER_A_FILTER nests (enum strata_filter_attr), tried in order;
 *	the first that matches a packet gives its snaplen and segment budget.
 */
enum strata_cfg_attr {
	STRATA_CFG_A_UNSPEC,
	STRATA_CFG_A_GENERATION,	/* u32 */
	STRATA_CFG_A_FLAGS,		/* u32, STRATA_CFG_F_* */
	STRATA_CFG_A_WINDOW_MS,		/* u32 */
	STRATA_CFG_A_SNAPLEN,		/* u32, 0..STRATA_SNAPLEN_MAX */
	STRATA_CFG_A_SAMPLING,		/* u32, >= 1 */
	STRATA_CFG_A_TABLE_CAP,		/* u32, 1..STRATA_TABLE_CAP_MAX */
	STRATA_CFG_A_SEG_BUDGET,	/* u32 */
	STRATA_CFG_A_FILTERS,		/* nest */
	__STRATA_CFG_A_MAX
};
#define STRATA_CFG_A_MAX (__STRATA_CFG_A_MAX - 1)

/*
 * One detail filter. A packet matches when each given field matches:
 * STRATA_FILTER_A_PROTO its L4 protocol; STRATA_FILTER_A_ADDR with
 * STRATA_FILTER_A_PREFIX its source or destination address (16 bytes,
 * IPv4 as ::ffff:a.b.c.d with a prefix of 96 + the IPv4 prefix);
 * STRATA_FILTER_A_PORT its source or destination port. A filter with no
 * field matches every packet. STRATA_FILTER_A_SNAPLEN (required) is the
 * snaplen of matching packets, STRATA_FILTER_A_SEG_BUDGET (optional,
 * default the namespace's) their segment budget.
 */
enum strata_filter_attr {
	STRATA_FILTER_A_UNSPEC,
	STRATA_FILTER_A_FILTER,		/* nest, inside STRATA_CFG_A_FILTERS */
	STRATA_FILTER_A_PROTO,		/* u8 */
	STRATA_FILTER_A_ADDR,		/* binary, 16 bytes */
	STRATA_FILTER_A_PREFIX,		/* u8, 0..128 (with ADDR) */
	STRATA_FILTER_A_PORT,		/* u16, host order */
	STRATA_FILTER_A_SNAPLEN,	/* u32, 0..STRATA_SNAPLEN_MAX */
	STRATA_FILTER_A_SEG_BUDGET,	/* u32 */
	__STRATA_FILTER_A_MAX
};
#define STRATA_FILTER_A_MAX (__STRATA_FILTER_A_MAX - 1)

/*
 * One microflow: a conversation in one window. Endpoint 0 is the lower of the
 * two (address, then port); STRATA_MF_A_DIR0 holds what endpoint 0 sent,
 * STRATA_MF_A_DIR1 what endpoint 1 sent. STRATA_MF_A_RING_FIRST/LAST give the
 * ring position of its first and last packet record in the window as
 * cpu << 48 | seq (absent when records were off); records of one microflow
 * can be in several CPUs' rings between the two.
 */
enum strata_mf_attr {
	STRATA_MF_A_UNSPEC,
	STRATA_MF_A_PAD,
	STRATA_MF_A_SEQ,		/* u64, closed microflows only */
	STRATA_MF_A_FAMILY,		/* u8: 4 or 6 */
	STRATA_MF_A_PROTO,		/* u8 */
	STRATA_MF_A_ADDR0,		/* binary, 16 bytes */
	STRATA_MF_A_ADDR1,		/* binary, 16 bytes */
	STRATA_MF_A_PORT0,		/* u16 */
	STRATA_MF_A_PORT1,		/* u16 */
	STRATA_MF_A_KEY_HASH,		/* u64: as in packet records */
	STRATA_MF_A_WINDOW_START,	/* u64, ns since the epoch */
	STRATA_MF_A_WINDOW_NS,		/* u64 */
	STRATA_MF_A_INITIATOR,		/* u8: 0 or 1, the endpoint that began */
	STRATA_MF_A_GENERATION,		/* u32: config when the window opened */
	STRATA_MF_A_RING_FIRST,		/* u64 */
	STRATA_MF_A_RING_LAST,		/* u64 */
	STRATA_MF_A_DIR0,		/* nest: enum strata_dir_attr */
	STRATA_MF_A_DIR1,		/* nest: enum strata_dir_attr */
	STRATA_MF_A_TXN,		/* nest: enum strata_txn_attr */
	__STRATA_MF_A_MAX
};
#define STRATA_MF_A_MAX (__STRATA_MF_A_MAX - 1)

/* One direction of a microflow (struct strata_dir_stats in lib/core/flow.h). */
enum strata_dir_attr {
	STRATA_DIR_A_UNSPEC,
	STRATA_DIR_A_PAD,
	STRATA_DIR_A_PACKETS,		/* u64 */
	STRATA_DIR_A_BYTES,		/* u64 */
	STRATA_DIR_A_PAYLOAD_BYTES,	/* u64 */
	STRATA_DIR_A_SIZE,		/* nest: enum strata_sample_attr */
	STRATA_DIR_A_IAT,		/* nest */
	STRATA_DIR_A_RTT_HS,		/* nest */
	STRATA_DIR_A_RTT_DATA,		/* nest */
	STRATA_DIR_A_FIRST_NS,		/* u64 */
	STRATA_DIR_A_LAST_NS,		/* u64 */
	STRATA_DIR_A_TCP_FLAGS,		/* binary: __u32[8], FIN first */
	STRATA_DIR_A_RETRANS,		/* u32 */
	STRATA_DIR_A_OUT_OF_ORDER,	/* u32 */
	STRATA_DIR_A_ZERO_WINDOW,	/* u32 */
	STRATA_DIR_A_FRAGMENTS,		/* u32 */
	STRATA_DIR_A_FP_SEGMENTED,	/* u32 */
	STRATA_DIR_A_TTL_MIN,		/* u8 */
	STRATA_DIR_A_TTL_MAX,		/* u8 */
	__STRATA_DIR_A_MAX
};
#define STRATA_DIR_A_MAX (__STRATA_DIR_A_MAX - 1)

/* STRATA_TXN_A_APP: what the connection's first request was. */
#define STRATA_TXN_APP_NONE	0	/* not seen from its start, or no bytes at hand */
#define STRATA_TXN_APP_TLS	1	/* a TLS handshake record with a ClientHello */
#define STRATA_TXN_APP_HTTP	2	/* an HTTP method and a space */
#define STRATA_TXN_APP_OTHER	3	/* anything else */

/* Transaction timing of a microflow (struct strata_txn_stats in lib/core/flow.h). */
enum strata_txn_attr {
	STRATA_TXN_A_UNSPEC,
	STRATA_TXN_A_PAD,
	STRATA_TXN_A_TTFB,		/* nest: enum strata_sample_attr, ns */
	STRATA_TXN_A_RESP,		/* nest, ns */
	STRATA_TXN_A_FIRST,		/* nest, ns */
	STRATA_TXN_A_DNS,		/* nest, ns */
	STRATA_TXN_A_REQUESTS,		/* u64 */
	STRATA_TXN_A_DNS_QUERIES,	/* u64 */
	STRATA_TXN_A_DNS_UNANSWERED,	/* u32 */
	STRATA_TXN_A_DNS_OVERFLOW,	/* u32 */
	STRATA_TXN_A_DNS_REPEATS,	/* u32 */
	STRATA_TXN_A_APP,		/* u8: STRATA_TXN_APP_* */
	__STRATA_TXN_A_MAX
};
#define STRATA_TXN_A_MAX (__STRATA_TXN_A_MAX - 1)

/* A sample set (struct strata_stat): present only when n > 0. */
enum strata_sample_attr {
	STRATA_SAMPLE_A_UNSPEC,
	STRATA_SAMPLE_A_PAD,
	STRATA_SAMPLE_A_N,		/* u64 */
	STRATA_SAMPLE_A_SUM,		/* u64 */
	STRATA_SAMPLE_A_SUMSQ_LO,	/* u64 */
	STRATA_SAMPLE_A_SUMSQ_HI,	/* u64 */
	STRATA_SAMPLE_A_MIN,		/* u64 */
	STRATA_SAMPLE_A_MAX,		/* u64 */
	__STRATA_SAMPLE_A_MAX
};
#define STRATA_SAMPLE_A_MAX (__STRATA_SAMPLE_A_MAX - 1)

/* ---- packet rings ---- */

#define STRATA_RING_VERSION	1
#define STRATA_RING_WAKE_BATCH	64

/**
 * struct strata_ring_info - what STRATA_IOC_RING_INFO reports
 * @version: STRATA_RING_VERSION
 * @nr_rings: rings (one per possible CPU), numbered from 0
 * @map_size: bytes to map per ring: header page plus data
 * @data_size: bytes of record space per ring (a power of two)
 * @hdr_size: bytes before the data (the header page)
 * @pad: zero
 */
struct strata_ring_info {
	__u32 version;
	__u32 nr_rings;
	__u64 map_size;
	__u64 data_size;
	__u32 hdr_size;
	__u32 pad;
};

#define STRATA_IOC_MAGIC	0xb7
#define STRATA_IOC_RING_INFO	_IOR(STRATA_IOC_MAGIC, 1, struct strata_ring_info)

/**
 * struct strata_ring_hdr - the first page of a mapped ring
 * @version: STRATA_RING_VERSION
 * @cpu: the CPU whose ring this is
 * @data_size: bytes of record space
 * @hdr_size: offset of the record space from the start of the mapping
 * @head: producer: bytes written (on its own cache line pair)
 * @seq_next: producer: sequence number the next packet record gets
 * @drops: producer: packet records dropped on this ring, in all
 * @tail: consumer: bytes read (written by the reader; on its own lines)
 */
struct strata_ring_hdr {
	__u32 version;
	__u32 cpu;
	__u64 data_size;
	__u32 hdr_size;
	__u8 pad0[128 - 20];
	__u64 head;
	__u64 seq_next;
	__u64 drops;
	__u8 pad1[128 - 24];
	__u64 tail;
	__u8 pad2[128 - 8];
};

/* struct strata_rec.type */
#define STRATA_REC_PAD		1	/* skip @len bytes; only type and len valid */
#define STRATA_REC_PACKET	2	/* struct strata_rec_packet follows */
#define STRATA_REC_LOSS		3	/* struct strata_rec_loss follows */

/**
 * struct strata_rec - the start of every record
 * @type: STRATA_REC_*
 * @len: total bytes of the record, this header included; a multiple of 8
 * @pad: zero
 * @seq: packet record: its sequence number; loss record: the first one lost
 *	(not valid in a pad record, which can be 8 bytes long)
 */
struct strata_rec {
	__u16 type;
	__u16 len;
	__u32 pad;
	__u64 seq;
};

/* struct strata_rec_packet.hook */
#define STRATA_HOOK_PRE_ROUTING	0	/* received: delivered or forwarded */
#define STRATA_HOOK_LOCAL_OUT	1	/* sent by this namespace */

/**
 * struct strata_rec_packet - one packet (after struct strata_rec)
 * @ts_ns: time the hook saw it, ns since the epoch (CLOCK_REALTIME)
 * @saddr: source address (IPv4 as ::ffff:a.b.c.d)
 * @daddr: destination address
 * @wire_len: length of the IP datagram (from the IP header)
 * @payload_len: L4 payload length by the headers
 * @ip_id: IPv4 identification, or the IPv6 fragment identification
 * @flow_label: IPv6 flow label
 * @frag_off: fragment offset in bytes
 * @sport: source port (ICMP: see lib/core/parse.h)
 * @dport: destination port
 * @family: 4 or 6
 * @proto: L4 protocol
 * @ttl: TTL or hop limit
 * @tos: DSCP << 2 | ECN
 * @pkt_flags: STRATA_PKT_* of lib/core/parse.h (fragment bits, DF, ...)
 * @tcp_flags: TCP flags byte
 * @tcp_opts: STRATA_TCPOPT_* present
 * @tcp_wscale: window scale (with STRATA_TCPOPT_WSCALE)
 * @tcp_sack_blocks: SACK blocks (with STRATA_TCPOPT_SACK)
 * @tcp_mss: MSS option (with STRATA_TCPOPT_MSS)
 * @tcp_window: window field, unscaled
 * @icmp_type: ICMP or ICMPv6 type (proto 1 or 58)
 * @icmp_code: ICMP or ICMPv6 code
 * @tcp_seq: sequence number
 * @tcp_ack: acknowledgement number
 * @tcp_tsval: timestamp value (with STRATA_TCPOPT_TS)
 * @tcp_tsecr: timestamp echo reply
 * @fp_hash: xxh64 of the payload bytes at hand, of a GSO packet those of its
 *	first wire packet (0: none, or fingerprints off)
 * @fp_len: payload bytes hashed
 * @nseg: segment hashes in @seg
 * @hook: STRATA_HOOK_*
 * @dir: direction in the microflow: 0 from endpoint 0, 1 from endpoint 1
 * @seg: segment hashes (lib/core/fingerprint.h), @nseg of them valid
 * @key_hash: the microflow's key hash (siphash with the namespace's key):
 *	equal for both directions of a conversation in one namespace
 * @generation: configuration generation the packet was handled with
 * @ifindex: input interface (PRE_ROUTING) or output interface (LOCAL_OUT; 0
 *	when not yet routed)
 * @caplen: packet bytes after this structure (<= snaplen and wire_len)
 * @gso_size: a GSO packet (a TSO or GSO send, a GRO receive), which stands
 *	for several packets on the wire: the payload bytes of each (the
 *	last may have fewer); the fingerprint covers the first of them. 0
 *	for a packet that is one packet on the wire
 * @gso_segs: a GSO packet: how many wire packets it stands for, when the
 *	stack has counted them (0 when not known yet)
 */
struct strata_rec_packet {
	__u64 ts_ns;
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 wire_len;
	__u32 payload_len;
	__u32 ip_id;
	__u32 flow_label;
	__u16 frag_off;
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 proto;
	__u8 ttl;
	__u8 tos;
	__u8 tcp_flags;
	__u8 tcp_opts;
	__u32 pkt_flags;
	__u8 tcp_wscale;
	__u8 tcp_sack_blocks;
	__u16 tcp_mss;
	__u16 tcp_window;
	__u8 icmp_type;
	__u8 icmp_code;
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u32 tcp_tsval;
	__u32 tcp_tsecr;
	__u64 fp_hash;
	__u32 fp_len;
	__u8 nseg;
	__u8 hook;
	__u8 dir;
	__u8 pad1;
	__u32 seg[16];
	__u64 key_hash;
	__u32 generation;
	__u32 ifindex;
	__u32 caplen;
	__u16 gso_size;
	__u16 gso_segs;
};

/**
 * struct strata_rec_loss - records lost to a full ring (after struct strata_rec)
 * @lost: how many packet records were dropped, from strata_rec.seq on
 * @ts_ns: when the first of them was dropped
 */
struct strata_rec_loss {
	__u64 lost;
	__u64 ts_ns;
};

#endif /* _UAPI_LINUX_STRATA_H */
