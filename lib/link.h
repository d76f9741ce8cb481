/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Link-layer decapsulation for capture files: finds the IP header behind
 * Ethernet (with VLAN/QinQ), Linux cooked v1/v2, BSD loopback/null and raw IP.
 */
#ifndef STRATA_LINK_H
#define STRATA_LINK_H

#include <linux/types.h>
#include <stdbool.h>

/**
 * strata_link_supported() - whether a pcap link type can be decapsulated
 * @linktype: a LINKTYPE_* value (DLT after pcap_datalink())
 *
 * Return: true for Ethernet (1), raw IP (101, 12, 14), Linux cooked v1/v2
 * (113, 276), null/loopback (0, 108), IPv4 (228), IPv6 (229).
 */
bool strata_link_supported(int linktype);

/**
 * strata_link_l3() - locate the IP header in a captured frame
 * @linktype: the capture's link type (pcap_datalink())
 * @frame: the frame
 * @caplen: captured bytes of it
 * @l3off: set to the offset of the IP header
 *
 * Return: 0 when an IPv4 or IPv6 header follows at *@l3off; -ENOENT for a
 * frame that carries something else (ARP, LLDP, ..., or the other IP
 * version under link type 228 or 229); -EMSGSIZE when the
 * link header itself is cut short; -EPROTONOSUPPORT for a link type
 * strata_link_supported() rejects.
 */
int strata_link_l3(int linktype, const __u8 *frame, __u32 caplen,
		   __u32 *l3off);

#endif /* STRATA_LINK_H */
