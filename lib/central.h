/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The central host's data model: location flows as sensors send them,
 * connected flows stitched from them, and the macroflows they roll up into.
 */
#ifndef STRATA_CENTRAL_H
#define STRATA_CENTRAL_H

#include <stdbool.h>
#include <stddef.h>
#include "core/flow.h"
#include "store.h"

/* A sensor's id: printable ASCII, no spaces; bytes with the NUL. */
#define STRATA_SENSOR_ID_MAX	64
/* Payload fingerprints sampled per direction of a location flow. */
#define STRATA_FP_SAMPLE	8
/* Locations of a connected flow (more are counted, not kept). */
#define STRATA_PATH_MAX		8
/* Macroflow windows: 15 minutes unless configured otherwise. */
#define STRATA_MACRO_WINDOW_NS	(900ULL * 1000000000ULL)
/* An application's name ("http", "dns", "tcp/8080"), bytes with the NUL. */
#define STRATA_APP_MAX		16
/* A per-hop delay that could not be measured. */
#define STRATA_DELAY_NONE	INT64_MIN

/**
 * struct strata_fp_mark - one sampled payload fingerprint
 * @hash: the packet's payload hash (strata_rec_packet.fp_hash), never 0
 * @ts_ns: when this location saw that packet
 */
struct strata_fp_mark {
	__u64 hash;
	__u64 ts_ns;
};

/**
 * struct strata_lflow - a location flow: one conversation, one flow
 *	window, one sensor
 * @f: the flow as the sensor's store holds it (key canonical; dir[d]
 *	counts what endpoint d of the key sent)
 * @sensor: the central host's number of the sensor (struct strata_sensor)
 * @nfp: valid entries of @fp per direction
 * @fp: per direction (as in @f.dir), the STRATA_FP_SAMPLE smallest payload
 *	hashes of the window's packets, ascending by hash. Taking the smallest
 *	hashes is a coordinated sample: two locations that saw the same
 *	packets keep the same ones, whatever else each saw, so they can be
 *	matched even where addresses and ports were rewritten.
 */
struct strata_lflow {
	struct strata_store_flow f;
	__u32 sensor;
	__u32 nfp[2];
	__u32 pad;
	struct strata_fp_mark fp[2][STRATA_FP_SAMPLE];
};

/* struct strata_hop.matched: how a location joined its connected flow */
#define STRATA_MATCH_FIRST	0	/* the location the others joined */
#define STRATA_MATCH_KEY	1	/* same addresses, ports and protocol */
#define STRATA_MATCH_FP		2	/* shared payload fingerprints (NAT, proxy) */

/**
 * struct strata_hop - one location of a connected flow, in path order
 * @sensor: the sensor's number
 * @matched: STRATA_MATCH_*
 * @client: which endpoint of @key is the client (the initiator)
 * @client2: which endpoint of @key2 is the client
 * @nkeys: the keys under which the sensor saw the conversation in this flow
 *	window: 1, or 2 or more where its host rewrote the addresses (a NAT
 *	or a proxy there: the conversation before the rewrite and after it).
 *	Only @key and @key2 are kept; the counts below cover all of them.
 * @key: the conversation as seen there (canonical, as the sensor's store
 *	has it: the way back down to its microflows and packets); of several,
 *	the one on the client's side (the first forward packet)
 * @key2: the second key, after the rewrite (its microflows and packets
 *	are the location's too); all zero when @nkeys is 1
 * @first_ns: the first packet seen there, either direction
 * @last_ns: the last one
 * @packets: [0] client to server, [1] server to client, seen there, each
 *	packet once (Documentation/central.rst, "Stitching rules": Locations)
 * @bytes: the same in IP bytes
 * @ttl: the highest TTL of [0] client-to-server packets, [1] the others
 * @clock_sync: the sensor's clock when it closed these flows
 *	(strata_clock_worst() of its location flows' STRATA_CLOCK_*): a hop
 *	not STRATA_CLOCK_SYNCED has times that may not line up with the others'
 * @delay_ns: [0] from the previous location to this one (client to server
 *	packets), [1] from this location to the previous one (replies): the
 *	median over the fingerprints both saw; STRATA_DELAY_NONE for the first
 *	location and where none matched
 * @delay_n: fingerprints behind each @delay_ns
 * @lost: [0] client-to-server packets seen at the previous location and not
 *	here; [1] replies seen here and not at the previous location (counts
 *	can go negative where a location saw more, e.g. duplicates)
 * @txn: the transaction timing measured there: its location flows'
 *	strata_txn_merge()d, every key's (a NAT there: the conversation
 *	before and after the rewrite; a proxy: both of its connections).
 *	The first hop's is the client's view (its host's sensor: the time the
 *	client waited), the last hop's the server's (the time the server
 *	took, as its host's sensor saw it)
 *
 * A location is one sensor: the location flows it has of the conversation
 * make one hop, whatever their keys, so delays and losses are always
 * between two locations, never between two views of one.
 */
struct strata_hop {
	__u32 sensor;
	__u8 matched;
	__u8 client;
	__u8 client2;
	__u8 nkeys;
	struct strata_flow_key key;
	struct strata_flow_key key2;
	__u64 first_ns;
	__u64 last_ns;
	__u64 packets[2];
	__u64 bytes[2];
	__u8 ttl[2];
	__u8 clock_sync;
	__u8 pad2[5];
	__s64 delay_ns[2];
	__u32 delay_n[2];
	__s64 lost[2];
	struct strata_txn_stats txn;
};

/**
 * struct strata_cflow - a connected flow: one conversation over one flow
 *	window, end to end
 * @window_start: the flow window
 * @seq: its number within the window (the key of the central store)
 * @nhops: locations in @hop
 * @more_hops: locations past STRATA_PATH_MAX, counted only
 * @key: the conversation as the client sees it, oriented: addr[0]/port[0]
 *	the client, addr[1]/port[1] the server (at the first location)
 * @server: the server as the last location sees it (after any NAT):
 *	addr[1]/port[1] of the last hop's oriented key
 * @server_port: its port
 * @hop: the locations, from the client's side to the server's
 */
struct strata_cflow {
	__u64 window_start;
	__u32 seq;
	__u16 nhops;
	__u16 more_hops;
	struct strata_flow_key key;
	__u8 server[16];
	__u16 server_port;
	__u8 pad[6];
	struct strata_hop hop[STRATA_PATH_MAX];
};

/* struct strata_macroflow.group: what connected flows are grouped by */
#define STRATA_GROUP_SERVICE	0	/* server address, port, protocol */
#define STRATA_GROUP_CLIENT	1	/* client address */
#define STRATA_GROUP_APP	2	/* application (by protocol and server port) */
#define __STRATA_GROUP_MAX	3

/**
 * struct strata_macro_key - a macroflow's group
 * @group: STRATA_GROUP_*
 * @family: 4 or 6 (SERVICE, CLIENT)
 * @proto: L4 protocol (SERVICE, APP)
 * @port: server port (SERVICE)
 * @addr: server address (SERVICE) or client address (CLIENT)
 * @app: application name (APP)
 */
struct strata_macro_key {
	__u8 group;
	__u8 family;
	__u8 proto;
	__u8 pad;
	__u16 port;
	__u16 pad2;
	__u8 addr[16];
	char app[STRATA_APP_MAX];
};

/**
 * struct strata_macroflow - connected flows of one group over one macroflow
 *	window, as fundamental metrics (counts and sums; derived ones, such as
 *	means and ratios, are computed by whoever reads them)
 * @window_start: the macroflow window
 * @window_ns: its length
 * @key: the group
 * @cflows: connected flows
 * @packets: [0] client to server, [1] server to client, at each flow's
 *	first location
 * @bytes: the same in IP bytes
 * @lost: per direction, packets lost along the paths: the sum of the hops'
 *	@lost, signed. A packet in flight at a flow window's end is counted
 *	upstream in one window and downstream in the next: lost in the one,
 *	a duplicate in the other; the two cancel here. Below 0: locations
 *	downstream saw more than those upstream (duplicates)
 * @rtt_hs: handshake RTTs at the first location, both directions merged
 *	(added by the caller: see strata_macro_add())
 * @delay: end-to-end delays (sum of the hops' delays) of the flows that
 *	had one measured at every hop, ns, client to server
 * @hops: locations, summed over the flows, those past STRATA_PATH_MAX
 *	included (hops / cflows: mean path length)
 * @first_ns: first packet of any of its flows
 * @last_ns: last one
 * @txn: transaction timing at each flow's location nearest the server (its
 *	last hop: the server's response time as the sensor closest to it, at
 *	best its own host's, measured it), summed; @txn.app is 0 (a group
 *	mixes connections). The client's side is in each flow's first hop
 *	(struct strata_hop.txn): the two differ by the network between.
 *	Zero in macroflows stored before central store version 3
 * @unsynced: locations (hops, summed over the connected flows) whose
 *	sensor noted an unsynchronised clock when it closed their flow window
 *	(struct strata_hop.clock_sync); 0 before central store version 3
 */
struct strata_macroflow {
	__u64 window_start;
	__u64 window_ns;
	struct strata_macro_key key;
	__u64 cflows;
	__u64 packets[2];
	__u64 bytes[2];
	__s64 lost[2];
	struct strata_stat rtt_hs;
	struct strata_stat delay;
	__u64 hops;
	__u64 first_ns;
	__u64 last_ns;
	struct strata_txn_stats txn;
	__u64 unsynced;
};

typedef int (*strata_cflow_fn)(const struct strata_cflow *c, void *arg);

/**
 * strata_stitch() - stitch one flow window's location flows end to end
 * @lf: the location flows of one flow window, from every sensor
 * @n: how many
 * @fn: called with each connected flow, @seq from 0 up, in an order that
 *	depends only on the set of @lf (not on their order in the array)
 * @arg: passed to @fn
 *
 * Every location flow ends up in exactly one connected flow. Location flows
 * of different sensors with the same key join; so do those whose keys
 * differ but whose payload fingerprints match (rules in
 * Documentation/central.rst). The location flows of one sensor in a
 * connected flow make one hop (struct strata_hop: @key and @key2). Locations
 * are ordered from the client's side to the server's: by the TTL of
 * client-to-server packets (highest first), then by first-seen time.
 *
 * Return: 0, what @fn returned when not 0, -EINVAL for @n of UINT32_MAX
 * or more, or -ENOMEM.
 */
int strata_stitch(const struct strata_lflow *lf, size_t n, strata_cflow_fn fn, void *arg);

/**
 * strata_macro_keys() - the macroflow groups a connected flow belongs to
 * @c: the connected flow
 * @keys: filled with one key per STRATA_GROUP_*, indexed by it
 */
void strata_macro_keys(const struct strata_cflow *c, struct strata_macro_key keys[__STRATA_GROUP_MAX]);

/**
 * strata_macro_add() - add a connected flow to a macroflow
 * @m: the macroflow (zeroed, with @window_start, @window_ns and @key set,
 *	before the first call)
 * @c: a connected flow of its group and window
 *
 * Adds everything but @m->rtt_hs: a connected flow carries no RTTs, so the
 * caller (the central store, which has the location flows) merges the
 * first location's rtt_hs of both directions into it. @m->txn gets the
 * last kept hop's transaction timing (the location nearest the server).
 */
void strata_macro_add(struct strata_macroflow *m, const struct strata_cflow *c);

/**
 * strata_app_name() - the application name of a protocol and server port
 * @proto: L4 protocol
 * @port: server port
 * @buf: filled with the name: a well-known service ("http", "dns", ...) or
 *	"PROTO/PORT" ("tcp/8080", "udp/5353"); "icmp" and the like for
 *	protocols without ports
 * @len: size of @buf (STRATA_APP_MAX is enough)
 *
 * Return: @buf.
 */
const char *strata_app_name(__u8 proto, __u16 port, char *buf, size_t len);

#endif /* STRATA_CENTRAL_H */
