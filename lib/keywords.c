// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The configuration's keywords: numbers, addresses and protocols checked
 * against the uapi limits, each error naming the word at fault.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "keywords.h"
#include "err.h"

#define MS_PER_DAY	86400000U

int strata_kw_u32(const char *s, __u32 min, __u32 max, __u32 *v)
{
	unsigned long long x = 0;
	const char *p;

	/* Digits only: no sign, no spaces, no hex or octal surprises. */
	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		x = x * 10 + (unsigned int)(*p - '0');
		if (x > 0xffffffffULL)
			return -ERANGE;
	}
	if (x < min || x > max)
		return -ERANGE;
	*v = (__u32)x;
	return 0;
}

int strata_kw_size(const char *s, __u64 min, __u64 max, __u64 *v)
{
	static const char units[] = "KMGT";
	unsigned __int128 x = 0;
	const char *p = s, *u;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		x = x * 10 + (unsigned int)(*p - '0');
		if (x > ~0ULL)
			return -ERANGE;
	}
	if (*p && (u = strchr(units, *p)) != NULL) {
		x <<= 10 * (u - units + 1);
		p++;
		if (!strcmp(p, "iB") || !strcmp(p, "B"))
			p += strlen(p);
	} else if (!strcmp(p, "B")) {
		p++;
	}
	if (*p)
		return -EINVAL;
	if (x > ~0ULL || x < min || x > max)
		return -ERANGE;
	*v = (__u64)x;
	return 0;
}

static const struct {
	const char *name;
	__u8 proto;
} protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmpv6", 58 },
	{ "icmp6", 58 }, { "sctp", 132 },
};

int strata_kw_proto(const char *s, __u8 *proto)
{
	unsigned int i;
	__u32 v;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	if (strata_kw_u32(s, 0, 255, &v))
		return -EINVAL;
	*proto = (__u8)v;
	return 0;
}

const char *strata_proto_name(__u8 proto, char *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

int strata_kw_addr(const char *s, __u8 addr[16], __u8 *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a4;
	int family;
	__u32 len;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		family = 4;
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &a4, 4);
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		family = 6;
	} else {
		return -EINVAL;
	}
	if (!slash) {
		*prefix = 128;
		return family;
	}
	if (strata_kw_u32(slash + 1, 0, family == 4 ? 32 : 128, &len))
		return -ERANGE;
	*prefix = (__u8)(family == 4 ? 96 + len : len);
	return family;
}

const char *strata_addr_format(const __u8 addr[16], int prefix, char *buf,
			       size_t len)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	char a[INET6_ADDRSTRLEN];
	bool v4 = !memcmp(addr, mapped, 12) && (prefix < 0 || prefix >= 96);

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, a, sizeof(a));
	if (prefix < 0)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%d", a, v4 ? prefix - 96 : prefix);
	return buf;
}

/* The value after keyword argv[0], or an error naming the keyword. */
static int value_of(int argc, char **argv, const char **v, char *err,
		    size_t errlen)
{
	if (argc < 2)
		return strata_seterr(err, errlen, EINVAL, "%s: value missing", argv[0]);
	*v = argv[1];
	return 0;
}

static int num(const char *kw, const char *v, __u32 min, __u32 max, __u32 *out,
	       char *err, size_t errlen)
{
	int rc = strata_kw_u32(v, min, max, out);

	if (rc == -EINVAL)
		return strata_seterr(err, errlen, EINVAL, "%s %s: not a number", kw, v);
	if (rc)
		return strata_seterr(err, errlen, EINVAL, "%s %s: out of range %u..%u",
			      kw, v, min, max);
	return 0;
}

/* "segments N|all": N short of STRATA_SEG_BUDGET_ALL, which means all. */
static int segments(const char *v, __u32 *out, char *err, size_t errlen)
{
	if (!strcmp(v, "all")) {
		*out = STRATA_SEG_BUDGET_ALL;
		return 0;
	}
	return num("segments", v, 0, STRATA_SEG_BUDGET_ALL - 1, out, err, errlen);
}

enum { F_PROTO = 1, F_ADDR = 2, F_PORT = 4, F_SNAPLEN = 8, F_SEGMENTS = 16 };

int strata_kw_filter(int argc, char **argv, bool detail, struct strata_filter *f,
		     char *err, size_t errlen)
{
	unsigned int seen = 0, bit;
	const char *v = NULL;
	__u32 x;
	int i, rc;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < argc; i += 2) {
		const char *kw = argv[i];

		if (!strcmp(kw, "proto"))
			bit = F_PROTO;
		else if (!strcmp(kw, "addr"))
			bit = F_ADDR;
		else if (!strcmp(kw, "port"))
			bit = F_PORT;
		else if (detail && !strcmp(kw, "snaplen"))
			bit = F_SNAPLEN;
		else if (detail && !strcmp(kw, "segments"))
			bit = F_SEGMENTS;
		else
			break;
		if (seen & bit)
			break;
		seen |= bit;
		rc = value_of(argc - i, argv + i, &v, err, errlen);
		if (rc)
			return rc;
		switch (bit) {
		case F_PROTO:
			if (strata_kw_proto(v, &f->proto))
				return strata_seterr(err, errlen, EINVAL,
					      "proto %s: not tcp, udp, icmp, icmpv6, sctp or 0..255",
					      v);
			f->has_proto = true;
			break;
		case F_ADDR:
			rc = strata_kw_addr(v, f->addr, &f->prefix);
			if (rc == -ERANGE)
				return strata_seterr(err, errlen, EINVAL,
					      "addr %s: bad prefix length (IPv4 0..32, IPv6 0..128)",
					      v);
			if (rc < 0)
				return strata_seterr(err, errlen, EINVAL,
					      "addr %s: not an IPv4 or IPv6 address", v);
			f->has_addr = true;
			break;
		case F_PORT:
			rc = num("port", v, 0, 65535, &x, err, errlen);
			if (rc)
				return rc;
			f->port = (__u16)x;
			f->has_port = true;
			break;
		case F_SNAPLEN:
			rc = num("snaplen", v, 0, STRATA_SNAPLEN_MAX, &f->snaplen,
				 err, errlen);
			if (rc)
				return rc;
			break;
		case F_SEGMENTS:
			rc = segments(v, &f->seg_budget, err, errlen);
			if (rc)
				return rc;
			f->has_seg_budget = true;
			break;
		}
	}
	if (detail && !(seen & F_SNAPLEN))
		return strata_seterr(err, errlen, EINVAL, "filter: snaplen N is required");
	return i;
}

static int flag(const char *kw, const char *v, __u32 bit,
		struct strata_kw_config *kc, char *err, size_t errlen)
{
	if (!strcmp(v, "on"))
		kc->flags_set |= bit;
	else if (!strcmp(v, "off"))
		kc->flags_clear |= bit;
	else
		return strata_seterr(err, errlen, EINVAL, "%s %s: not on or off", kw, v);
	return 0;
}

int strata_kw_config(int argc, char **argv, struct strata_kw_config *kc,
		     char *err, size_t errlen)
{
	static const struct {
		const char *kw;
		unsigned int which;	/* STRATA_CONFIG_* or a flag bit << 16 */
	} kws[] = {
		{ "window", STRATA_CONFIG_WINDOW },
		{ "snaplen", STRATA_CONFIG_SNAPLEN },
		{ "sampling", STRATA_CONFIG_SAMPLING },
		{ "table-cap", STRATA_CONFIG_TABLE_CAP },
		{ "segments", STRATA_CONFIG_SEG_BUDGET },
		{ "generation", STRATA_CONFIG_GENERATION },
		{ "fingerprint", STRATA_CFG_F_FINGERPRINT << 16 },
		{ "records", STRATA_CFG_F_RECORDS << 16 },
		{ "filter", STRATA_CONFIG_FILTERS },
		{ "no-filters", STRATA_CONFIG_FILTERS },
	};
	struct strata_config *c = &kc->cfg;
	unsigned int seen = 0, k;
	bool no_filters = false;
	const char *v = NULL;
	int i = 0, rc;

	memset(kc, 0, sizeof(*kc));
	while (i < argc) {
		for (k = 0; k < sizeof(kws) / sizeof(kws[0]); k++)
			if (!strcmp(argv[i], kws[k].kw))
				break;
		if (k == sizeof(kws) / sizeof(kws[0]))
			return strata_seterr(err, errlen, EINVAL, "unknown keyword '%s'", argv[i]);
		if (!strcmp(argv[i], "no-filters")) {
			if (kc->which & STRATA_CONFIG_FILTERS)
				return strata_seterr(err, errlen, EINVAL,
					      no_filters ? "no-filters: given twice" :
					      "no-filters: not with filter");
			no_filters = true;
			kc->which |= STRATA_CONFIG_FILTERS;
			i++;
			continue;
		}
		if (!strcmp(argv[i], "filter")) {
			if (no_filters)
				return strata_seterr(err, errlen, EINVAL,
					      "filter: not with no-filters");
			if (c->nfilters == STRATA_FILTERS_MAX)
				return strata_seterr(err, errlen, EINVAL,
					      "filter: more than %d filters",
					      STRATA_FILTERS_MAX);
			rc = strata_kw_filter(argc - i - 1, argv + i + 1, true,
					      &c->filters[c->nfilters], err, errlen);
			if (rc < 0)
				return rc;
			c->nfilters++;
			kc->which |= STRATA_CONFIG_FILTERS;
			i += 1 + rc;
			continue;
		}
		if (seen & kws[k].which)
			return strata_seterr(err, errlen, EINVAL, "%s: given twice", argv[i]);
		seen |= kws[k].which;
		rc = value_of(argc - i, argv + i, &v, err, errlen);
		if (rc)
			return rc;
		switch (kws[k].which) {
		case STRATA_CONFIG_WINDOW:
			rc = num("window", v, STRATA_WINDOW_MS_MIN,
				 STRATA_WINDOW_MS_MAX, &c->window_ms, err, errlen);
			if (!rc && MS_PER_DAY % c->window_ms)
				rc = strata_seterr(err, errlen, EINVAL,
					    "window %s: must divide a day (86400000 ms) evenly",
					    v);
			break;
		case STRATA_CONFIG_SNAPLEN:
			rc = num("snaplen", v, 0, STRATA_SNAPLEN_MAX, &c->snaplen,
				 err, errlen);
			break;
		case STRATA_CONFIG_SAMPLING:
			rc = num("sampling", v, 1, 0xffffffffU, &c->sampling, err,
				 errlen);
			break;
		case STRATA_CONFIG_TABLE_CAP:
			rc = num("table-cap", v, 1, STRATA_TABLE_CAP_MAX, &c->table_cap,
				 err, errlen);
			break;
		case STRATA_CONFIG_SEG_BUDGET:
			rc = segments(v, &c->seg_budget, err, errlen);
			break;
		case STRATA_CONFIG_GENERATION:
			rc = num("generation", v, 0, 0xffffffffU, &c->generation,
				 err, errlen);
			break;
		default:
			rc = flag(argv[i], v, kws[k].which >> 16, kc, err, errlen);
			break;
		}
		if (rc)
			return rc;
		if (kws[k].which < (1U << 16))
			kc->which |= kws[k].which;
		i += 2;
	}
	return 0;
}

static bool prefix_match(const __u8 *a, const __u8 *p, unsigned int len)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a, p, bytes))
		return false;
	if (!bits)
		return true;
	return !((a[bytes] ^ p[bytes]) & (__u8)(0xff << (8 - bits)));
}

bool strata_filter_match_key(const struct strata_filter *f,
			     const struct strata_flow_key *key)
{
	if (f->has_proto && key->proto != f->proto)
		return false;
	if (f->has_addr && !prefix_match(key->addr[0], f->addr, f->prefix) &&
	    !prefix_match(key->addr[1], f->addr, f->prefix))
		return false;
	if (f->has_port && key->port[0] != f->port && key->port[1] != f->port)
		return false;
	return true;
}
