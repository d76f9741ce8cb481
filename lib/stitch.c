// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Stitching one flow window's location flows into connected flows, and
 * rolling connected flows up into macroflow groups (Documentation/central.rst).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "central.h"
#include "keywords.h"

/* The earlier of two times, 0 meaning unknown. */
static __u64 min_known(__u64 a, __u64 b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

static __u64 max_u64(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

void strata_macro_keys(const struct strata_cflow *c, struct strata_macro_key keys[__STRATA_GROUP_MAX])
{
	struct strata_macro_key *k;
	__u16 nhops = c->nhops < STRATA_PATH_MAX ? c->nhops : STRATA_PATH_MAX;

	memset(keys, 0, __STRATA_GROUP_MAX * sizeof(*keys));
	k = &keys[STRATA_GROUP_SERVICE];
	k->group = STRATA_GROUP_SERVICE;
	/* The server's family is the last location's, where it was seen. */
	k->family = nhops ? c->hop[nhops - 1].key.family : c->key.family;
	k->proto = c->key.proto;
	k->port = c->server_port;
	memcpy(k->addr, c->server, sizeof(k->addr));
	k = &keys[STRATA_GROUP_CLIENT];
	k->group = STRATA_GROUP_CLIENT;
	k->family = c->key.family;
	memcpy(k->addr, c->key.addr[0], sizeof(k->addr));
	k = &keys[STRATA_GROUP_APP];
	k->group = STRATA_GROUP_APP;
	k->proto = c->key.proto;
	strata_app_name(c->key.proto, c->server_port, k->app, sizeof(k->app));
}

void strata_macro_add(struct strata_macroflow *m, const struct strata_cflow *c)
{
	__u16 nhops = c->nhops < STRATA_PATH_MAX ? c->nhops : STRATA_PATH_MAX;
	bool all_delays = nhops >= 2;
	__s64 delay = 0;
	__u16 i;
	int d;

	m->cflows++;
	m->hops += (__u64)c->nhops + c->more_hops;
	for (d = 0; nhops && d < 2; d++) {
		m->packets[d] += c->hop[0].packets[d];
		m->bytes[d] += c->hop[0].bytes[d];
	}
	for (i = 0; i < nhops; i++) {
		const struct strata_hop *h = &c->hop[i];

		for (d = 0; d < 2; d++)
			if (h->lost[d] > 0)
				m->lost[d] += (__u64)h->lost[d];
		m->first_ns = min_known(m->first_ns, h->first_ns);
		m->last_ns = max_u64(m->last_ns, h->last_ns);
		if (!i)
			continue;
		if (h->delay_ns[0] == STRATA_DELAY_NONE)
			all_delays = false;
		else if (__builtin_add_overflow(delay, h->delay_ns[0], &delay))
			delay = h->delay_ns[0] < 0 ? INT64_MIN : INT64_MAX;
	}
	/* Clocks of two sensors can disagree by more than the path's delay. */
	if (all_delays)
		strata_stat_add(&m->delay, delay < 0 ? 0 : (__u64)delay);
}

struct app {
	__u8 proto;
	__u16 port;
	const char *name;
};

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP
#define SCTP	IPPROTO_SCTP

static const struct app apps[] = {
	{ TCP, 22, "ssh" },		{ TCP, 25, "smtp" },
	{ TCP, 53, "dns" },		{ UDP, 53, "dns" },
	{ UDP, 67, "dhcp" },		{ TCP, 80, "http" },
	{ UDP, 123, "ntp" },		{ UDP, 161, "snmp" },
	{ TCP, 179, "bgp" },		{ TCP, 389, "ldap" },
	{ TCP, 443, "https" },		{ UDP, 443, "quic" },
	{ TCP, 445, "smb" },		{ UDP, 514, "syslog" },
	{ TCP, 587, "submission" },	{ TCP, 853, "dot" },
	{ TCP, 993, "imaps" },		{ TCP, 995, "pop3s" },
	{ TCP, 2049, "nfs" },		{ UDP, 2049, "nfs" },
	{ UDP, 2055, "netflow" },	{ TCP, 3306, "mysql" },
	{ TCP, 3389, "rdp" },		{ TCP, 4739, "ipfix" },
	{ UDP, 4739, "ipfix" },		{ SCTP, 4739, "ipfix" },
	{ UDP, 5060, "sip" },		{ TCP, 5432, "postgresql" },
	{ TCP, 6379, "redis" },		{ TCP, 8080, "http-alt" },
	{ TCP, 9092, "kafka" },		{ TCP, 11211, "memcached" },
};

const char *strata_app_name(__u8 proto, __u16 port, char *buf, size_t len)
{
	char num[4];
	size_t i;

	if (!len)
		return buf;
	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (apps[i].proto == proto && apps[i].port == port) {
			snprintf(buf, len, "%s", apps[i].name);
			return buf;
		}
	/* The protocol names are the configuration's ("tcp", "icmpv6"). */
	if (proto == TCP || proto == UDP || proto == SCTP)
		snprintf(buf, len, "%s/%u", strata_proto_name(proto, num, sizeof(num)), port);
	else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		snprintf(buf, len, "%s", strata_proto_name(proto, num, sizeof(num)));
	else
		snprintf(buf, len, "ip/%u", proto);
	return buf;
}
