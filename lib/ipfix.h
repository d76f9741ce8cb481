/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The sensor-to-central protocol's records as IPFIX (RFC 7011) messages,
 * encoded with libfixbuf, decoded with libfixbuf's templates and a reader
 * of the data records of its own; the transport is the caller's.
 */
#ifndef STRATA_IPFIX_H
#define STRATA_IPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "central.h"

/*
 * The private enterprise number of strata's own information elements until
 * one is registered: 32473, the number RFC 5612 reserves for documentation.
 */
#define STRATA_IPFIX_PEN_DEFAULT	32473
/* The version of the protocol spoken over a connection (struct strata_hello). */
#define STRATA_PROTO_VERSION		1
/* The largest IPFIX message (its length field is 16 bits). */
#define STRATA_IPFIX_MSG_MAX		65535
#define STRATA_IPFIX_HDR		16

/* struct strata_hello.capabilities */
#define STRATA_CAP_FINGERPRINTS		0x1	/* location flows carry fingerprint samples */
#define STRATA_CAP_DRILLDOWN		0x2	/* api_url answers microflow and packet queries */
#define STRATA_CAP_ALL			0x3

/* struct strata_hello.clock_sync: STRATA_CLOCK_* (clock.h) */

/**
 * struct strata_hello - what a sensor says first on every connection
 * @sensor_id: its id, unique among the central host's sensors
 * @version: its software version ("0.2.0")
 * @api_url: where its drill-down API answers ("http://10.0.0.1:8470"), or ""
 * @token: the shared secret the central host expects
 * @capabilities: STRATA_CAP_*
 * @flow_window_ns: its flow window
 * @clock_error_ns: its clock's estimated error (adjtimex maxerror), when synced
 * @clock_sync: STRATA_CLOCK_*
 * @proto_version: STRATA_PROTO_VERSION of the sensor
 */
struct strata_hello {
	char sensor_id[STRATA_SENSOR_ID_MAX];
	char version[32];
	char api_url[128];
	char token[128];
	__u64 capabilities;
	__u64 flow_window_ns;
	__u64 clock_error_ns;
	__u8 clock_sync;
	__u16 proto_version;
};

/**
 * struct strata_window_mark - the end of a run of flow windows
 * @from: the first flow window's start
 * @to: the end of the last one: every location flow of [@from, @to) has been
 *	sent before this mark
 * @flows: how many were sent for [@from, @to)
 */
struct strata_window_mark {
	__u64 from;
	__u64 to;
	__u64 flows;
};

/* struct strata_ack.status */
#define STRATA_ACK_OK		0	/* @through is where the sensor goes on from */
#define STRATA_ACK_DENIED	1	/* bad token, or a record before the hello */
#define STRATA_ACK_BAD		2	/* a record the central host cannot take; it closes */
#define STRATA_ACK_ERROR	3	/* the central host failed (disk); try again later */

/**
 * struct strata_ack - the central host's answer to a hello or a window mark
 * @status: STRATA_ACK_*
 * @through: every location flow before this time is stored for good
 * @message: why, when @status is not STRATA_ACK_OK
 */
struct strata_ack {
	__u8 status;
	__u64 through;
	char message[128];
};

/* What strata_ipfix_decode() found in a message: 0, or -errno to stop. */
struct strata_ipfix_sink {
	int (*hello)(const struct strata_hello *h, void *arg);
	int (*lflow)(const struct strata_lflow *lf, void *arg);
	int (*window)(const struct strata_window_mark *w, void *arg);
	int (*ack)(const struct strata_ack *a, void *arg);
};

/* Called with each finished message. Return: 0, or -errno to stop. */
typedef int (*strata_ipfix_out_fn)(const __u8 *msg, size_t len, void *arg);

struct strata_ipfix;

/**
 * strata_ipfix_new() - an encoder or a decoder for one connection
 * @pen: the private enterprise number of strata's elements
 * @out: for an encoder, called with every finished message; NULL for a
 *	decoder
 * @arg: passed to @out
 * @err: filled on failure
 * @errlen: its size
 *
 * An encoder starts every connection's stream with its templates: the first
 * message @out gets carries them. A decoder keeps the templates it was sent,
 * so it must see one connection's messages in order, and none of another's.
 *
 * Return: the codec, or NULL (@err says why).
 */
struct strata_ipfix *strata_ipfix_new(__u32 pen, strata_ipfix_out_fn out, void *arg,
				      char *err, size_t errlen);

/**
 * strata_ipfix_new_mtu() - strata_ipfix_new() with a smaller message size
 * @pen: as strata_ipfix_new()
 * @msg_max: the largest message the encoder makes, header included
 *	(a transport over UDP wants its path MTU), from 1024 to
 *	STRATA_IPFIX_MSG_MAX; a decoder takes any size whatever this says
 * @out: as strata_ipfix_new()
 * @arg: as strata_ipfix_new()
 * @err: as strata_ipfix_new()
 * @errlen: as strata_ipfix_new()
 *
 * Return: the codec, or NULL (@err says why; EINVAL for @msg_max).
 */
struct strata_ipfix *strata_ipfix_new_mtu(__u32 pen, size_t msg_max, strata_ipfix_out_fn out,
					  void *arg, char *err, size_t errlen);

/* strata_ipfix_free() - free a codec (NULL is fine). */
void strata_ipfix_free(struct strata_ipfix *x);

/*
 * Encoding. Each strata_ipfix_put_*() adds one record to the message under
 * way, handing the message to @out first when the record does not fit.
 * strata_ipfix_flush() hands over the message under way. Return: 0, -EINVAL
 * for a record that cannot be encoded (a string too long), what @out
 * returned, or -EIO (@err says why).
 */
int strata_ipfix_put_hello(struct strata_ipfix *x, const struct strata_hello *h,
			   char *err, size_t errlen);
int strata_ipfix_put_lflow(struct strata_ipfix *x, const struct strata_lflow *lf,
			   char *err, size_t errlen);
int strata_ipfix_put_window(struct strata_ipfix *x, const struct strata_window_mark *w,
			    char *err, size_t errlen);
int strata_ipfix_put_ack(struct strata_ipfix *x, const struct strata_ack *a,
			 char *err, size_t errlen);
int strata_ipfix_flush(struct strata_ipfix *x, char *err, size_t errlen);

/**
 * strata_ipfix_msg_len() - the length of the message at the head of a stream
 * @hdr: at least 4 bytes of it
 *
 * Return: the message's length, header included, or -EBADMSG when @hdr is
 * not the start of an IPFIX message (version 10, length at least 16).
 */
int strata_ipfix_msg_len(const __u8 *hdr);

/**
 * strata_ipfix_decode() - decode one IPFIX message
 * @x: a decoder (strata_ipfix_new() without @out)
 * @msg: the message, header included
 * @len: its length, the header's length field
 * @sink: called with each record of a kind it has a function for; the
 *	record is valid only during the call
 * @arg: passed to @sink's functions
 * @err: filled on failure
 * @errlen: its size
 *
 * Templates in the message are learnt for the sets after them. Records of
 * templates strata does not know are skipped (a newer sensor may send
 * more), and so are elements it does not know in its own records; counters
 * may come in fewer bytes (RFC 7011's reduced-size encoding). A data set
 * whose template was never sent is skipped (RFC 7011, 8). A record whose
 * values cannot be right (a fingerprint sample out of order, an address
 * family that is neither 4 nor 6, a window of length 0), a record or a set
 * cut short, and an element of strata's own in another length fail the
 * message: everything before it was handed over.
 *
 * Return: the number of records handed over, what a sink function returned
 * when not 0 (-ECANCELED for a positive value), -ENOMEM, or -EBADMSG (@err
 * says why).
 */
int strata_ipfix_decode(struct strata_ipfix *x, const __u8 *msg, size_t len,
			const struct strata_ipfix_sink *sink, void *arg,
			char *err, size_t errlen);

#endif /* STRATA_IPFIX_H */
