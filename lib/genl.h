/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The generic netlink client of strata.ko (libmnl): configuration, counters,
 * the live microflow table and the multicast group of closed microflows.
 */
#ifndef STRATA_GENL_H
#define STRATA_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <uapi/linux/strata.h>
#include "core/flow.h"
#include "mftable.h"

struct strata_genl;

/**
 * struct strata_filter - one detail filter (enum strata_filter_attr)
 * @has_proto: @proto is given
 * @has_addr: @addr and @prefix are given
 * @has_port: @port is given
 * @has_seg_budget: @seg_budget is given (else the namespace's)
 * @proto: L4 protocol
 * @prefix: prefix length of @addr, 0..128 (IPv4: 96 + its prefix)
 * @port: source or destination port
 * @addr: address, IPv4 as ::ffff:a.b.c.d
 * @snaplen: bytes recorded of matching packets
 * @seg_budget: segment budget of matching packets
 */
struct strata_filter {
	bool has_proto;
	bool has_addr;
	bool has_port;
	bool has_seg_budget;
	__u8 proto;
	__u8 prefix;
	__u16 port;
	__u8 addr[16];
	__u32 snaplen;
	__u32 seg_budget;
};

/**
 * struct strata_config - a namespace's configuration (enum strata_cfg_attr)
 * @generation: bumped by the kernel on every accepted change
 * @flags: STRATA_CFG_F_*
 * @window_ms: microflow window
 * @snaplen: bytes recorded of packets no filter matches
 * @sampling: one packet record in @sampling
 * @table_cap: the most conversations in the microflow table
 * @seg_budget: packets per direction and window given segment hashes
 * @nfilters: filters in use in @filters
 * @filters: detail filters, tried in order
 */
struct strata_config {
	__u32 generation;
	__u32 flags;
	__u32 window_ms;
	__u32 snaplen;
	__u32 sampling;
	__u32 table_cap;
	__u32 seg_budget;
	unsigned int nfilters;
	struct strata_filter filters[STRATA_FILTERS_MAX];
};

/* strata_genl_config_set() @which: the fields of struct strata_config sent. */
#define STRATA_CONFIG_GENERATION	0x01	/* the expected generation */
#define STRATA_CONFIG_FLAGS		0x02
#define STRATA_CONFIG_WINDOW		0x04
#define STRATA_CONFIG_SNAPLEN		0x08
#define STRATA_CONFIG_SAMPLING		0x10
#define STRATA_CONFIG_TABLE_CAP		0x20
#define STRATA_CONFIG_SEG_BUDGET	0x40
#define STRATA_CONFIG_FILTERS		0x80	/* replaces the whole list */
#define STRATA_CONFIG_ALL		0xff

/**
 * struct strata_stats - the counters of a namespace (STRATA_CMD_GET_STATS)
 * @v: counter values, indexed by enum strata_counter
 * @present: which counters the kernel sent, indexed the same way
 * @table_live: microflows in the table
 */
struct strata_stats {
	__u64 v[__STRATA_STAT_MAX];
	bool present[__STRATA_STAT_MAX];
	__u32 table_live;
};

/**
 * typedef strata_genl_mf_fn - called with each microflow received
 * @mf: the microflow: key, window start, initiator and both directions (the
 *	fields the kernel does not send, TCP tracking and handshake state,
 *	are zero); valid only during the call
 * @info: the rest of the message
 * @arg: the caller's argument
 *
 * Return: 0 to go on, > 0 to stop without an error, < 0 (-errno) to stop
 * with that error.
 */
typedef int (*strata_genl_mf_fn)(const struct strata_mflow *mf,
				 const struct strata_mf_info *info, void *arg);

/* struct strata_mf_loss.kind */
#define STRATA_MF_LOSS_GAP	1	/* closed microflows never received */
#define STRATA_MF_LOSS_OVERRUN	2	/* the socket overflowed (ENOBUFS) */
#define STRATA_MF_LOSS_LATE	3	/* one counted in a gap came after all */

/**
 * struct strata_mf_loss - closed microflows a listener did not get
 * @kind: STRATA_MF_LOSS_*
 * @first: GAP: the first sequence number missing; LATE: the one received
 * @count: GAP: how many are missing; OVERRUN: 0 (an overrun is followed by
 *	the gap it made, counted, when the next message arrives); LATE: 1, to
 *	take off the gaps reported
 *
 * Microflows can arrive out of order (the kernel numbers them on the CPU
 * that closes them): one that came after a later one is first counted in a
 * GAP, then reported LATE when it arrives (and handed out as usual).
 */
struct strata_mf_loss {
	int kind;
	__u64 first;
	__u64 count;
};

/**
 * typedef strata_genl_loss_fn - called when closed microflows were lost
 * @loss: what was lost
 * @arg: the caller's argument
 *
 * Return: as for strata_genl_mf_fn.
 */
typedef int (*strata_genl_loss_fn)(const struct strata_mf_loss *loss, void *arg);

/**
 * strata_genl_open() - connect to the family "strata"
 * @err: filled with a message naming the cause on failure
 * @errlen: size of @err
 *
 * Opens a generic netlink socket in the caller's network namespace with
 * extended ACKs on, and resolves the family and its multicast group.
 *
 * Return: the handle, or NULL with errno set (ENOENT: the module is not
 * loaded).
 */
struct strata_genl *strata_genl_open(char *err, size_t errlen);

/**
 * strata_genl_close() - close a handle
 * @g: the handle, or NULL
 */
void strata_genl_close(struct strata_genl *g);

/**
 * strata_genl_fd() - the socket, to poll() a subscribed handle
 * @g: the handle
 *
 * Return: the file descriptor.
 */
int strata_genl_fd(const struct strata_genl *g);

/**
 * strata_genl_config_get() - read the configuration
 * @g: the handle
 * @cfg: filled in
 * @err: filled with "config get: CAUSE" on failure
 * @errlen: size of @err
 *
 * Return: 0 or -errno.
 */
int strata_genl_config_get(struct strata_genl *g, struct strata_config *cfg,
			   char *err, size_t errlen);

/**
 * strata_genl_config_set() - change the configuration
 * @g: the handle
 * @cfg: the new values
 * @which: STRATA_CONFIG_* fields of @cfg to send; with
 *	STRATA_CONFIG_GENERATION the change is made only if @cfg->generation
 *	is the current generation (else -ESTALE)
 * @out: the configuration after the change (may be NULL)
 * @err: filled with "config set: CAUSE[: kernel's message]" on failure
 * @errlen: size of @err
 *
 * Return: 0 or -errno (-EPERM without CAP_NET_ADMIN, -EINVAL or -ERANGE for
 * a value the kernel refused, -ESTALE).
 */
int strata_genl_config_set(struct strata_genl *g, const struct strata_config *cfg,
			   unsigned int which, struct strata_config *out,
			   char *err, size_t errlen);

/**
 * strata_genl_stats() - read the counters
 * @g: the handle
 * @st: filled in
 * @err: filled with "stats: CAUSE" on failure
 * @errlen: size of @err
 *
 * Return: 0 or -errno.
 */
int strata_genl_stats(struct strata_genl *g, struct strata_stats *st,
		      char *err, size_t errlen);

/**
 * strata_genl_mf_dump() - list the live microflow table
 * @g: the handle (not subscribed)
 * @fn: called with each conversation's open microflow
 * @arg: passed to @fn
 * @err: filled with "microflows dump: CAUSE" on failure
 * @errlen: size of @err
 *
 * Return: 0 when the dump ended or @fn stopped it, or -errno.
 */
int strata_genl_mf_dump(struct strata_genl *g, strata_genl_mf_fn fn, void *arg,
			char *err, size_t errlen);

/**
 * strata_genl_subscribe() - join the multicast group of closed microflows
 * @g: the handle; from now on it only receives (requests give -EBUSY):
 *	open another handle for requests
 * @err: filled on failure
 * @errlen: size of @err
 *
 * Also enlarges the socket's receive buffer, as far as allowed, to make
 * overruns rarer.
 *
 * Return: 0 or -errno.
 */
int strata_genl_subscribe(struct strata_genl *g, char *err, size_t errlen);

/**
 * strata_genl_mf_recv() - receive closed microflows
 * @g: a subscribed handle
 * @fn: called with each closed microflow
 * @loss: called, before the next microflow, for every gap in the sequence
 *	numbers and every socket overrun; never skipped
 * @arg: passed to @fn and @loss
 * @err: filled with "microflows receive: CAUSE" on failure
 * @errlen: size of @err
 *
 * Reads one datagram (blocking unless poll() said the socket is readable);
 * it can carry several messages.
 *
 * Return: 0, 1 when a callback stopped, or -errno (-EINTR when a signal came).
 */
int strata_genl_mf_recv(struct strata_genl *g, strata_genl_mf_fn fn,
			strata_genl_loss_fn loss, void *arg,
			char *err, size_t errlen);

/*
 * Message building and parsing without a socket: what the functions above
 * use, for the daemon (which may run its own socket loop) and the unit tests.
 */

/**
 * strata_genl_parse_config() - parse a STRATA_A_CONFIG nest
 * @nest: the nest
 * @cfg: filled in
 * @err: filled with "config: CAUSE" on failure
 * @errlen: size of @err
 *
 * Every attribute is required, as the kernel sends on GET; unknown ones are
 * skipped (a newer kernel).
 *
 * Return: 0 or -EINVAL.
 */
int strata_genl_parse_config(const struct nlattr *nest, struct strata_config *cfg,
			     char *err, size_t errlen);

/**
 * strata_genl_put_config() - append a STRATA_A_CONFIG nest
 * @nlh: the message being built
 * @buflen: size of its buffer
 * @cfg: the values
 * @which: STRATA_CONFIG_* fields to put
 *
 * Return: 0, or -EMSGSIZE when the buffer is too small.
 */
int strata_genl_put_config(struct nlmsghdr *nlh, size_t buflen,
			   const struct strata_config *cfg, unsigned int which);

/**
 * strata_genl_parse_stats() - parse a STRATA_CMD_GET_STATS reply
 * @nlh: the message (generic netlink header included)
 * @st: filled in
 * @err: filled with "stats: CAUSE" on failure
 * @errlen: size of @err
 *
 * Return: 0 or -EINVAL.
 */
int strata_genl_parse_stats(const struct nlmsghdr *nlh, struct strata_stats *st,
			    char *err, size_t errlen);

/**
 * strata_genl_parse_mflow() - parse a message carrying STRATA_A_MICROFLOW
 * @nlh: the message (generic netlink header included)
 * @mf: filled in (fields the kernel does not send are zero)
 * @info: filled in
 * @err: filled with "microflow: CAUSE" on failure
 * @errlen: size of @err
 *
 * Return: 0 or -EINVAL (a missing or malformed attribute).
 */
int strata_genl_parse_mflow(const struct nlmsghdr *nlh, struct strata_mflow *mf,
			    struct strata_mf_info *info, char *err, size_t errlen);

/**
 * strata_genl_parse_error() - the error an NLMSG_ERROR or NLMSG_DONE carries
 * @nlh: the message
 * @op: the operation, for the message
 * @err: filled with "OP: strerror[: kernel's extended ACK message]" when
 *	the message reports an error
 * @errlen: size of @err
 *
 * Return: 0 for an ACK or a clean end of dump, else -errno.
 */
int strata_genl_parse_error(const struct nlmsghdr *nlh, const char *op,
			    char *err, size_t errlen);

/**
 * strata_genl_seq_check() - account a closed microflow's sequence number
 * @next: the number expected next (0 when none was received yet), updated
 * @seq: the number received
 * @loss: filled in when the function returns true
 *
 * A number below the one expected is one reported missing that came late
 * (STRATA_MF_LOSS_LATE); the expectation does not go back.
 *
 * Return: true when @seq shows a gap (STRATA_MF_LOSS_GAP) or came late.
 */
bool strata_genl_seq_check(__u64 *next, __u64 seq, struct strata_mf_loss *loss);

/**
 * strata_stat_name() - the /proc/net/strata name of a counter
 * @stat: enum strata_counter
 *
 * Return: the name, or NULL for an unknown counter.
 */
const char *strata_stat_name(unsigned int stat);

#endif /* STRATA_GENL_H */
