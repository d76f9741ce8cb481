/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Triggered recording: the central host asks a sensor to record the traffic
 * of an alarm in full for a while (the sensor's side: its API and module).
 */
#ifndef STRATA_RECORD_H
#define STRATA_RECORD_H

#include <stddef.h>
#include <linux/types.h>

/**
 * struct strata_record_req - what a sensor is asked to record
 * @family: 4 or 6; 0: any address
 * @proto: the L4 protocol; 0: any
 * @port: a port (either endpoint's); 0: any
 * @addr: an address (either endpoint's), IPv4-mapped for IPv4
 * @snaplen: bytes kept of each packet; 0: whole packets
 * @duration_ns: for how long from the request, pinned in the store
 * @alarm_id: the alarm that asked (the central host's number)
 * @reason: the alarm's rule
 */
struct strata_record_req {
	__u8 family;
	__u8 proto;
	__u16 port;
	__u8 addr[16];
	__u32 snaplen;
	__u64 duration_ns;
	__u64 alarm_id;
	char reason[64];
};

/**
 * strata_record_request() - ask a sensor to record
 * @sensor_api_url: the sensor's API (struct strata_sensor.api_url)
 * @token: the secret the sensor wants
 * @r: what to record
 * @err: filled on failure
 * @errlen: its size
 *
 * Blocks for as long as the request takes (within its own timeout).
 *
 * Return: 0 or -errno.
 */
int strata_record_request(const char *sensor_api_url, const char *token,
			  const struct strata_record_req *r, char *err, size_t errlen);

#endif /* STRATA_RECORD_H */
