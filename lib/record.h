/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Triggered recording: full payload for one conversation or host for a
 * while, on a sensor's request API, its state kept across restarts; and the
 * client the central host's alarms call (Documentation/daemon.rst).
 */
#ifndef STRATA_RECORD_H
#define STRATA_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "api.h"
#include "genl.h"

/* The longest recording one request asks for, in seconds (an hour). */
#define STRATA_RECORD_DURATION_MAX	3600
/* Recordings in force at once (each may take a detail filter). */
#define STRATA_RECORD_MAX		STRATA_FILTERS_MAX
/* A label's bytes, the NUL included: "record LABEL" fits a store pin's. */
#define STRATA_RECORD_LABEL_MAX		48
/* The state file in the store's directory. */
#define STRATA_RECORD_STATE_FILE	"record.json"
/* The endpoint. */
#define STRATA_RECORD_PATH		"/api/v1/record"

/**
 * struct strata_record_req - what a recording asks for
 * @filter: which packets, as a detail filter matches them (proto, addr with
 *	prefix, port; at least one); @filter.snaplen the bytes recorded of
 *	each, 1..STRATA_SNAPLEN_MAX, or 0 for STRATA_SNAPLEN_MAX (the whole
 *	packet); no segment budget
 * @duration_s: how long, 1..STRATA_RECORD_DURATION_MAX seconds
 * @label: who asked ("alarm-42"): 1..STRATA_RECORD_LABEL_MAX - 1 bytes of
 *	[A-Za-z0-9._:@+/-], or "" for one the sensor makes up; a request with
 *	the label of a recording in force renews it
 */
struct strata_record_req {
	struct strata_filter filter;
	__u32 duration_s;
	char label[STRATA_RECORD_LABEL_MAX];
};

/**
 * struct strata_record - one recording in force
 * @label: its label
 * @filter: its detail filter, snaplen included
 * @start_ns: when it started (CLOCK_REALTIME ns)
 * @end_ns: when it ends
 * @pin_id: the store pin that keeps [@start_ns, @end_ns] (0: none)
 * @applied: its filter is in the module's list (strata_record_compose())
 */
struct strata_record {
	char label[STRATA_RECORD_LABEL_MAX];
	struct strata_filter filter;
	__u64 start_ns;
	__u64 end_ns;
	__u64 pin_id;
	bool applied;
};

/**
 * struct strata_record_state - the recordings and what they put in the
 *	module's filter list; the contents of the state file
 * @generation: the module's generation after the last change made for the
 *	recordings (0: none made)
 * @napplied: entries in @applied
 * @applied: the filters that change put in front of the others'
 * @n: entries in @rec
 * @rec: the recordings, oldest first
 */
struct strata_record_state {
	__u32 generation;
	unsigned int napplied;
	struct strata_filter applied[STRATA_FILTERS_MAX];
	unsigned int n;
	struct strata_record rec[STRATA_RECORD_MAX];
};

/**
 * strata_record_parse_req() - read a request body
 * @body: JSON: {"filter": {"proto": "tcp"|6, "addr": "A[/LEN]", "port": N},
 *	"duration": SECONDS, "snaplen": N, "label": "L"}; "filter" and
 *	"duration" are required, every other member is optional, and a member
 *	not listed is an error
 * @len: its length
 * @r: filled in
 * @err: filled with the member at fault and the form expected
 * @errlen: size of @err
 *
 * Return: 0 or -EINVAL.
 */
int strata_record_parse_req(const char *body, size_t len, struct strata_record_req *r,
			    char *err, size_t errlen);

/**
 * strata_record_req_json() - write a request body
 * @r: the request
 *
 * Return: the JSON text that strata_record_parse_req() reads back into @r
 * (malloc'ed), or NULL when out of memory.
 */
char *strata_record_req_json(const struct strata_record_req *r);

/**
 * strata_record_compose() - the configuration to apply for the recordings
 * @cur: the module's configuration now
 * @st: the recordings and what was applied for them; @st->applied,
 *	@st->napplied and each recording's @applied are updated to what @out
 *	holds
 * @now: the time (CLOCK_REALTIME ns): recordings whose end is not after it
 *	are over and get no filter
 * @out: @cur with its filter list changed, nothing else: first every filter
 *	of @st->applied is taken out of it (its first equal entry: whatever
 *	order another tool left them in, and only those, so that another
 *	tool's change since stays), then the filters of the recordings in
 *	force go in front, largest snaplen first (a packet several recordings
 *	match gets the largest), one filter for recordings that match the same
 *	packets; as many as fit in STRATA_FILTERS_MAX
 *
 * Pure: no I/O. With no recording in force, @out holds the filters @cur
 * held before the recordings, exactly.
 *
 * Return: how many recordings in force got no filter (0: all did).
 */
unsigned int strata_record_compose(const struct strata_config *cur,
				   struct strata_record_state *st, __u64 now,
				   struct strata_config *out);

/**
 * strata_record_state_save() - write the state file
 * @path: the file; written as @path.tmp, synced, then renamed over @path,
 *	so that a crash leaves the old state or the new one
 * @st: the state
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Return: 0 or -errno.
 */
int strata_record_state_save(const char *path, const struct strata_record_state *st,
			     char *err, size_t errlen);

/**
 * strata_record_state_load() - read the state file
 * @path: the file; a missing one is an empty state
 * @st: filled in
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Return: 0, -EINVAL for a file that is not a state file, or -errno.
 */
int strata_record_state_load(const char *path, struct strata_record_state *st,
			     char *err, size_t errlen);


/**
 * struct strata_record_ops - what a recorder acts on: the module and the
 *	store (the daemon's genl handle and store; a unit test's fakes)
 * @config_get: as strata_genl_config_get()
 * @config_set: as strata_genl_config_set()
 * @pin: as strata_store_pin()
 * @unpin: as strata_store_unpin()
 * @log: a line for the log (level: LOG_* numbers of syslog.h); may be NULL
 */
struct strata_record_ops {
	int (*config_get)(void *arg, struct strata_config *cfg, char *err, size_t errlen);
	int (*config_set)(void *arg, const struct strata_config *cfg, unsigned int which,
			  struct strata_config *out, char *err, size_t errlen);
	int (*pin)(void *arg, __u64 t1, __u64 t2, const char *label, __u64 *id,
		   char *err, size_t errlen);
	int (*unpin)(void *arg, __u64 id, char *err, size_t errlen);
	void (*log)(void *arg, int level, const char *msg);
};

struct strata_recorder;

/**
 * strata_recorder_open() - load the recordings and bring the module in line
 * @path: the state file
 * @ops: the module and the store
 * @arg: passed to @ops
 * @now: the time (CLOCK_REALTIME ns)
 * @out: the recorder
 * @err: filled on failure
 * @errlen: size of @err
 *
 * The first strata_recorder_tick() ends the recordings that ended while no
 * recorder ran (their filters taken out) and gives those still in force
 * their filters back if the module lost them (reloaded); a failure to reach
 * the module is logged and tried again a second later. A recorder is not
 * locked: one thread makes every call (the sensor's drain thread).
 *
 * Return: 0, or -errno when the state file cannot be read.
 */
int strata_recorder_open(const char *path, const struct strata_record_ops *ops, void *arg,
			 __u64 now, struct strata_recorder **out, char *err, size_t errlen);

/**
 * strata_recorder_close() - free a recorder (the recordings go on: their
 *	state is in the file)
 * @r: the recorder, or NULL
 */
void strata_recorder_close(struct strata_recorder *r);

/**
 * strata_recorder_start() - start or renew a recording
 * @r: the recorder
 * @req: the request (checked again)
 * @now: the time
 * @out: the recording as it is now
 * @renewed: set when @req renewed a recording of the same label
 * @err: filled on failure
 * @errlen: size of @err
 *
 * A new recording pins [@now, @now + duration] in the store, writes the
 * state file, then puts its filter in front of the module's list (read,
 * changed, and written with the generation read: another tool's change in
 * between is read again, never overwritten). A renewal moves the end
 * later (never earlier) and the pin with it.
 *
 * Return: 0; -EINVAL (a bad request); -EEXIST (the label records another
 * filter); -E2BIG (the module's filters are all taken); -ENOSPC (the store
 * cannot pin more); or the module's or the store's -errno.
 */
int strata_recorder_start(struct strata_recorder *r, const struct strata_record_req *req,
			  __u64 now, struct strata_record *out, bool *renewed,
			  char *err, size_t errlen);

/**
 * strata_recorder_tick() - end the recordings whose time is up
 * @r: the recorder
 * @now: the time
 *
 * Takes their filters out (and only theirs) and writes the state; their
 * pins stay, so that what they recorded outlives retention until unpinned.
 * A failure is logged and tried again a second later.
 *
 * Return: when to call it next (CLOCK_REALTIME ns; ~0 for never).
 */
__u64 strata_recorder_tick(struct strata_recorder *r, __u64 now);

/**
 * strata_recorder_state() - the recorder's state
 * @r: the recorder
 *
 * Return: the state, valid until the next call on @r.
 */
const struct strata_record_state *strata_recorder_state(const struct strata_recorder *r);

/**
 * strata_recorder_handle() - answer a request of the recording endpoint
 * @r: the recorder
 * @method: "GET" (list) or "POST" (start or renew)
 * @nargs: query parameters given (none are taken)
 * @body: POST: the request body (strata_record_parse_req())
 * @len: its length
 * @now: the time
 * @resp: filled in: 200 with {"recordings": [RECORDING...]} for GET; 201
 *	with RECORDING (200 for a renewal) for POST; else 400 (bad request),
 *	405, 409 (the label records another filter, or every filter is taken),
 *	503 (the module or the store refused) with {"error": MESSAGE}
 *
 * RECORDING is {"label", "filter": {"proto", "addr", "port", "snaplen"},
 * "start", "end" (ns since the epoch), "pin", "applied"}. The caller checks
 * the token first.
 *
 * Return: 0, or -ENOMEM (@resp then says 500).
 */
int strata_recorder_handle(struct strata_recorder *r, const char *method,
			   unsigned int nargs, const char *body, size_t len, __u64 now,
			   struct strata_api_resp *resp);

/**
 * strata_record_http() - one request to a sensor's recording endpoint
 * @sensor_api_url: the sensor's API ("http://10.0.0.2:8470")
 * @token: the sensor's token, sent as "Authorization: Bearer TOKEN" (NULL
 *	or "": none)
 * @body: POST this JSON body; NULL: GET
 * @answer: filled with the answer's body (malloc'ed, NUL-terminated) when
 *	the sensor answered, whatever the status; may be NULL
 * @status: filled with the HTTP status when the sensor answered
 * @err: filled with "record URL: CAUSE" on failure (the sensor's own
 *	message for an answer that is not a 2xx)
 * @errlen: size of @err
 *
 * Return: 0 for a 2xx answer; -EINVAL (400), -EACCES (401, 403), -EBUSY
 * (409), -EAGAIN (503), -EIO (another status), -EHOSTUNREACH (no answer in
 * STRATA_RECORD_TIMEOUT_S), -ENOMEM.
 */
int strata_record_http(const char *sensor_api_url, const char *token, const char *body,
		       char **answer, long *status, char *err, size_t errlen);

/* How long the client waits for a sensor. */
#define STRATA_RECORD_TIMEOUT_S	10

/**
 * strata_record_request() - ask a sensor to record
 * @sensor_api_url: the sensor's API, as it told the central host in its
 *	hello ("http://10.0.0.2:8470")
 * @token: the token the sensor was configured with
 * @r: what to record
 * @err: filled with "record URL: CAUSE" on failure
 * @errlen: size of @err
 *
 * POSTs @r to the sensor's /api/v1/record (libcurl, blocking, at most
 * STRATA_RECORD_TIMEOUT_S). Asking again with the same label before the
 * end renews the recording: an alarm that goes on can ask at every
 * evaluation.
 *
 * Return: 0 when the sensor records; else as strata_record_http().
 */
int strata_record_request(const char *sensor_api_url, const char *token,
			  const struct strata_record_req *r, char *err, size_t errlen);

#endif /* STRATA_RECORD_H */
