// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Link-layer decapsulation for capture files (userspace only: the kernel
 * hooks see packets from the IP header on).
 */
#include <errno.h>
#include "link.h"
#include "core/compat.h"

#define LT_NULL		0
#define LT_EN10MB	1
#define LT_RAW_BSD1	12
#define LT_RAW_BSD2	14
#define LT_RAW		101
#define LT_LOOP		108
#define LT_SLL		113
#define LT_IPV4		228
#define LT_IPV6		229
#define LT_SLL2		276

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ_OLD	0x9100

/* Tags stacked deeper than this are not real traffic. */
#define MAX_VLAN_TAGS	4

bool strata_link_supported(int linktype)
{
	switch (linktype) {
	case LT_NULL: case LT_EN10MB: case LT_RAW_BSD1: case LT_RAW_BSD2:
	case LT_RAW: case LT_LOOP: case LT_SLL: case LT_IPV4: case LT_IPV6:
	case LT_SLL2:
		return true;
	}
	return false;
}

/*
 * The IP header behind a link header whose ethertype is at @et_off and whose
 * payload starts at @off, following VLAN tags: each tag's TCI opens the
 * payload and the next ethertype follows it.
 */
static int ethertype_l3(const __u8 *f, __u32 caplen, __u32 et_off, __u32 off,
			__u32 *l3off)
{
	int tags = 0;

	for (;;) {
		__u16 et;

		if (off > caplen || et_off + 2 > caplen)
			return -EMSGSIZE;
		et = strata_be16(f + et_off);
		switch (et) {
		case ETH_IPV4:
		case ETH_IPV6:
			*l3off = off;
			return 0;
		case ETH_VLAN:
		case ETH_QINQ:
		case ETH_QINQ_OLD:
			if (++tags > MAX_VLAN_TAGS)
				return -ENOENT;
			et_off = off + 2;
			off += 4;
			break;
		default:
			return -ENOENT;
		}
	}
}

/* @version: 4 or 6 for a link type that names one, 0 for either. */
static int raw_l3(const __u8 *f, __u32 caplen, __u32 off, int version,
		  __u32 *l3off)
{
	int v;

	if (off >= caplen)
		return -EMSGSIZE;
	v = f[off] >> 4;
	if ((v != 4 && v != 6) || (version && v != version))
		return -ENOENT;
	*l3off = off;
	return 0;
}

int strata_link_l3(int linktype, const __u8 *f, __u32 caplen, __u32 *l3off)
{
	__u32 af;

	switch (linktype) {
	case LT_EN10MB:		/* dst, src, ethertype */
		return ethertype_l3(f, caplen, 12, 14, l3off);
	case LT_SLL:		/* type, hatype, halen, addr[8], protocol */
		return ethertype_l3(f, caplen, 14, 16, l3off);
	case LT_SLL2:		/* protocol first, then 18 more bytes */
		return ethertype_l3(f, caplen, 0, 20, l3off);
	case LT_RAW: case LT_RAW_BSD1: case LT_RAW_BSD2:
		return raw_l3(f, caplen, 0, 0, l3off);
	case LT_IPV4:
		return raw_l3(f, caplen, 0, 4, l3off);
	case LT_IPV6:
		return raw_l3(f, caplen, 0, 6, l3off);
	case LT_NULL:
	case LT_LOOP:
		if (caplen < 4)
			return -EMSGSIZE;
		/*
		 * The address family, in the capturing host's byte order for
		 * NULL and in network order for LOOP; accept either order and
		 * let the IP version nibble decide which AF_INET6 value it was
		 * (2 is AF_INET everywhere; 10, 24, 28, 30 are AF_INET6).
		 */
		af = strata_be32(f);
		if (af > 0xffff)
			af = __builtin_bswap32(af);
		switch (af) {
		case 2: case 10: case 24: case 28: case 30:
			return raw_l3(f, caplen, 4, 0, l3off);
		}
		return -ENOENT;
	}
	return -EPROTONOSUPPORT;
}
