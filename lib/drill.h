/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Drill-down across sensors: a connected flow's microflows and packets,
 * fetched from every sensor on its path at once and merged into one timeline.
 */
#ifndef STRATA_DRILL_H
#define STRATA_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <linux/types.h>
#include "api.h"
#include "central.h"

/* The longest a sensor may take to answer, and the most packets per location. */
#define STRATA_DRILL_TIMEOUT_MS		10000
#define STRATA_DRILL_PACKETS_MAX	100000
/* What to fetch from: each hop's key, and its second key (struct strata_hop). */
#define STRATA_DRILL_LOCS_MAX		(2 * STRATA_PATH_MAX)

/**
 * struct strata_drill_loc - one location and key to fetch from
 * @sensor: its id (the name the answer tags records with)
 * @api_url: its drill-down API ("http://ADDR:PORT"); "" when it has none
 * @key: the conversation as that sensor has it (a location seen under two
 *	keys, struct strata_hop's @key and @key2, is two of these with the
 *	same @hop)
 * @hop: its index on the path
 * @t1: from
 * @t2: to
 */
struct strata_drill_loc {
	const char *sensor;
	const char *api_url;
	struct strata_flow_key key;
	unsigned int hop;
	__u64 t1;
	__u64 t2;
};

/* What to fetch and how to answer. */
enum strata_drill_kind {
	STRATA_DRILL_MICROFLOWS,	/* JSON: microflows of every location, by time */
	STRATA_DRILL_PACKETS,		/* JSON: packets of every location, by time */
	STRATA_DRILL_PCAPNG,		/* pcapng: one interface per location */
};

/**
 * strata_drill() - fetch and merge
 * @locs: the locations, in path order (a hop's keys one after the other)
 * @n: how many (at most STRATA_DRILL_LOCS_MAX)
 * @kind: STRATA_DRILL_*
 * @schema: for JSON, the answer's schema (lib/container.h) as the caller
 *	knows it: type, level, interval and the sensors of @locs with their
 *	clocks; this adds the fields (the rows' "location" and "hop", then
 *	every field the sensors' own schemas describe). It stays the caller's.
 *	NULL for pcapng.
 * @timeout_ms: the longest wait for the slowest sensor
 * @resp: filled with the answer: a 200 whenever at least one location
 *	answered, with @resp->partial naming the ones that did not (and why,
 *	in the JSON); a 502 when none did; @resp->truncated when a sensor's
 *	answer was cut at STRATA_DRILL_PACKETS_MAX
 *
 * The sensors are asked all at once (libcurl's multi interface). JSON
 * answers are containers, {"schema": @schema, "locations": [{"sensor",
 * "hop", "conversation", "status", "error", "records"}], "rows": [...]},
 * one location entry per element of @locs, each row the sensor's own with
 * "location" (the sensor id) and "hop" (its index on the path) added, by
 * time (then path order). The pcapng has one interface per element of @locs, named
 * after its sensor, raw IP, nanosecond timestamps, and the packets of all
 * of them in time order.
 *
 * Return: 0, or -ENOMEM (also for a JSON @kind without @schema).
 */
int strata_drill(const struct strata_drill_loc *locs, unsigned int n,
		 enum strata_drill_kind kind, json_t *schema, unsigned int timeout_ms,
		 struct strata_api_resp *resp);

#endif /* STRATA_DRILL_H */
