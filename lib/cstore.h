/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The central store (LMDB): sensors, location flows, connected flows and
 * macroflows, each level keyed by time first (Documentation/central.rst).
 */
#ifndef STRATA_CSTORE_H
#define STRATA_CSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "central.h"
#include "ipfix.h"

/*
 * 2: struct strata_hop gained key2; connected flows stored up to their last hop
 * 3: location flows, hops and macroflows gained their transaction timing
 *    (version-2 values still read, with zero transaction fields)
 */
#define STRATA_CSTORE_VERSION		3
#define STRATA_CSTORE_BUDGET_MIN	(16ULL << 20)

/**
 * struct strata_sensor - a sensor as the central host knows it
 * @num: its number, given at its first hello, for ever
 * @id: its id
 * @version: its software version at its last hello
 * @api_url: its drill-down API
 * @capabilities: STRATA_CAP_*
 * @clock_sync: STRATA_CLOCK_*
 * @proto_version: its protocol version
 * @clock_error_ns: its clock's estimated error at its last hello
 * @flow_window_ns: its flow window
 * @first_seen_ns: its first hello
 * @last_seen_ns: its last hello or window mark
 * @through: every location flow of it before this time is stored
 * @lflows: location flows stored
 * @resent: location flows sent again (after a broken connection) and
 *	stored once
 * @windows: window marks taken
 */
struct strata_sensor {
	__u32 num;
	char id[STRATA_SENSOR_ID_MAX];
	char version[32];
	char api_url[128];
	__u64 capabilities;
	__u8 clock_sync;
	__u8 pad;
	__u16 proto_version;
	__u32 pad2;
	__u64 clock_error_ns;
	__u64 flow_window_ns;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u64 through;
	__u64 lflows;
	__u64 resent;
	__u64 windows;
};

/**
 * struct strata_cstore_info - the central store at a glance
 * @budget: its size budget
 * @used_bytes: bytes in use
 * @sensors: sensors known
 * @lflows: location flows stored
 * @cflows: connected flows
 * @macroflows: macroflows (every grouping)
 * @dirty: flow windows waiting to be stitched, and macroflow windows to be
 *	summed again
 * @windows_trimmed: flow windows removed to keep within the budget
 * @macro_window_ns: the macroflow window
 */
struct strata_cstore_info {
	__u64 budget;
	__u64 used_bytes;
	__u64 sensors;
	__u64 lflows;
	__u64 cflows;
	__u64 macroflows;
	__u64 dirty;
	__u64 windows_trimmed;
	__u64 macro_window_ns;
};

typedef int (*strata_sensor_fn)(const struct strata_sensor *s, void *arg);
typedef int (*strata_lflow_fn)(const struct strata_lflow *lf, void *arg);
typedef int (*strata_macroflow_fn)(const struct strata_macroflow *m, void *arg);

struct strata_cstore;

/**
 * strata_cstore_open() - open or create a central store
 * @path: its directory (created when missing)
 * @budget: the most bytes it may take; the oldest flow windows go first
 * @macro_window_ns: the macroflow window (a multiple of the flow window)
 * @sync: fsync every commit: an acknowledged window survives a power cut,
 *	not only a crash of the process (which it always survives)
 * @out: set to the store
 * @err: filled on failure
 * @errlen: its size
 *
 * Writers: strata_cstore_hello() and strata_cstore_put() must be called
 * from one thread; strata_cstore_stitch() and strata_cstore_stitch_settled()
 * from one thread, which may be another (they stitch from a snapshot and
 * take the writer's lock only to write the result, so puts go on
 * meanwhile). Readers: any thread.
 *
 * Return: 0 or -errno.
 */
int strata_cstore_open(const char *path, __u64 budget, __u64 macro_window_ns, bool sync,
		       struct strata_cstore **out, char *err, size_t errlen);

/* strata_cstore_close() - close a store (NULL is fine). */
void strata_cstore_close(struct strata_cstore *cs);

/**
 * strata_cstore_hello() - a sensor said hello
 * @cs: the store
 * @h: what it said
 * @now_ns: when
 * @out: filled with the sensor as now stored (its number, its @through:
 *	where it must go on from)
 * @err: filled on failure
 * @errlen: its size
 *
 * Return: 0 or -errno.
 */
int strata_cstore_hello(struct strata_cstore *cs, const struct strata_hello *h, __u64 now_ns,
			struct strata_sensor *out, char *err, size_t errlen);

/**
 * strata_cstore_put() - store a run of a sensor's flow windows
 * @cs: the store
 * @sensor: the sensor's number
 * @w: the window mark that ended the run
 * @lf: the location flows of [@w->from, @w->to)
 * @n: how many
 * @now_ns: when
 * @err: filled on failure
 * @errlen: its size
 *
 * All of it is stored in one transaction, or none. A location flow stored
 * before (the same sensor, flow window and conversation: sent again after a
 * broken connection) is replaced, never added twice, and counted in the
 * sensor's @resent. The sensor's @through moves to @w->to. The flow windows
 * touched are stitched at the next strata_cstore_stitch().
 *
 * Return: 0, -EPROTO when @n is not @w->flows or a flow lies outside
 * [@w->from, @w->to), or -errno.
 */
int strata_cstore_put(struct strata_cstore *cs, __u32 sensor, const struct strata_window_mark *w,
		      const struct strata_lflow *lf, size_t n, __u64 now_ns,
		      char *err, size_t errlen);

/**
 * strata_cstore_stitch() - stitch the flow windows that changed
 * @cs: the store
 * @stitched: set to the number of flow windows stitched (may be NULL)
 * @err: filled on failure
 * @errlen: its size
 *
 * Each flow window that got location flows since the last call is stitched
 * again from all of its location flows (strata_stitch()): its connected
 * flows are replaced, and so are the macroflows of its macroflow window.
 * Stitching again gives the same result, so a window can be redone at any
 * time.
 *
 * Return: 0 or -errno.
 */
int strata_cstore_stitch(struct strata_cstore *cs, unsigned int *stitched,
			 char *err, size_t errlen);

/**
 * strata_cstore_stitch_settled() - strata_cstore_stitch() of the flow
 *	windows that have settled
 * @cs: the store
 * @settle_ns: how long a window must have had no new location flows
 * @now_ns: now (the clock strata_cstore_put() was given)
 * @stitched: set to the number of flow windows stitched (may be NULL)
 * @err: filled on failure
 * @errlen: its size
 *
 * While sensors deliver a window one after another, stitching it after each
 * would redo it once per sensor: this waits until it has been quiet for
 * @settle_ns. Macroflow windows are summed again likewise, once the flow
 * windows stitched in them have settled, or at once when none of their
 * flow windows waits to be stitched.
 *
 * Return: 0 or -errno.
 */
int strata_cstore_stitch_settled(struct strata_cstore *cs, __u64 settle_ns, __u64 now_ns,
				 unsigned int *stitched, char *err, size_t errlen);

/*
 * Readers. Each walks one read transaction; @fn returns 0 to go on, or a
 * -errno that stops the walk and is returned.
 */
int strata_cstore_info(struct strata_cstore *cs, struct strata_cstore_info *info,
		       char *err, size_t errlen);
int strata_cstore_sensors(struct strata_cstore *cs, strata_sensor_fn fn, void *arg,
			  char *err, size_t errlen);

/**
 * strata_cstore_lflows() - location flows of [@t1, @t2]
 * @sensor: one sensor's, or ~0U for all
 * @conv: one conversation's (either way round), or NULL
 */
int strata_cstore_lflows(struct strata_cstore *cs, __u64 t1, __u64 t2, __u32 sensor,
			 const struct strata_flow_key *conv, strata_lflow_fn fn, void *arg,
			 char *err, size_t errlen);

/* strata_cstore_lflow_get() - one location flow. Return: 0, -ENOENT or -errno. */
int strata_cstore_lflow_get(struct strata_cstore *cs, __u64 window, __u32 sensor,
			    const struct strata_flow_key *conv, struct strata_lflow *out,
			    char *err, size_t errlen);

/* strata_cstore_cflows() - connected flows of the flow windows in [@t1, @t2]. */
int strata_cstore_cflows(struct strata_cstore *cs, __u64 t1, __u64 t2, strata_cflow_fn fn,
			 void *arg, char *err, size_t errlen);

/* strata_cstore_cflow_get() - one connected flow. Return: 0, -ENOENT or -errno. */
int strata_cstore_cflow_get(struct strata_cstore *cs, __u64 window, __u32 seq,
			    struct strata_cflow *out, char *err, size_t errlen);

/**
 * strata_cstore_macroflows() - macroflows of the windows in [@t1, @t2]
 * @group: STRATA_GROUP_*
 */
int strata_cstore_macroflows(struct strata_cstore *cs, __u64 t1, __u64 t2, unsigned int group,
			     strata_macroflow_fn fn, void *arg, char *err, size_t errlen);

#endif /* STRATA_CSTORE_H */
