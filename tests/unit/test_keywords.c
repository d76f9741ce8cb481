// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the configuration keywords: every keyword and its limits,
 * filters with IPv4 and IPv6 prefixes, where a filter ends, and the exact
 * error for each kind of bad input; filter matching of conversations.
 */
#include <errno.h>

#include "unit.h"
#include "keywords.h"

/* Split @line at spaces into @argv (at most 64 words, in a static buffer). */
static int words(const char *line, char **argv)
{
	static char copy[1024];
	char *save, *w;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (w = strtok_r(copy, " ", &save); w && n < 64; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	return n;
}

static int parse(const char *line, struct strata_kw_config *kc, char *err,
		 size_t errlen)
{
	char *argv[64];
	int argc = words(line, argv);

	return strata_kw_config(argc, argv, kc, err, errlen);
}

static void ok(const char *line, struct strata_kw_config *kc)
{
	char err[256];

	if (parse(line, kc, err, sizeof(err)))
		fail_msg("'%s': %s", line, err);
}

static void bad(const char *line, const char *msg)
{
	struct strata_kw_config kc;
	char err[256] = "";

	assert_int_equal(parse(line, &kc, err, sizeof(err)), -EINVAL);
	if (strcmp(err, msg))
		fail_msg("'%s': error '%s', expected '%s'", line, err, msg);
}

static void test_scalars(void **state)
{
	struct strata_kw_config kc;

	(void)state;
	ok("window 500 snaplen 9216 sampling 4000000000 table-cap 16777216 segments 7 generation 12",
	   &kc);
	assert_int_equal(kc.which, STRATA_CONFIG_WINDOW | STRATA_CONFIG_SNAPLEN |
			 STRATA_CONFIG_SAMPLING | STRATA_CONFIG_TABLE_CAP |
			 STRATA_CONFIG_SEG_BUDGET | STRATA_CONFIG_GENERATION);
	assert_int_equal(kc.cfg.window_ms, 500);
	assert_int_equal(kc.cfg.snaplen, 9216);
	assert_int_equal(kc.cfg.sampling, 4000000000U);
	assert_int_equal(kc.cfg.table_cap, 1U << 24);
	assert_int_equal(kc.cfg.seg_budget, 7);
	assert_int_equal(kc.cfg.generation, 12);
	assert_int_equal(kc.flags_set | kc.flags_clear, 0);

	ok("segments all snaplen 0", &kc);
	assert_int_equal(kc.cfg.seg_budget, STRATA_SEG_BUDGET_ALL);
	assert_int_equal(kc.cfg.snaplen, 0);
	assert_int_equal(kc.which, STRATA_CONFIG_SEG_BUDGET | STRATA_CONFIG_SNAPLEN);

	ok("window 10", &kc);
	assert_int_equal(kc.cfg.window_ms, 10);
	ok("window 3600000", &kc);
	ok("generation 0", &kc);
	assert_int_equal(kc.which, STRATA_CONFIG_GENERATION);

	ok("fingerprint off records on", &kc);
	assert_int_equal(kc.which, 0);
	assert_int_equal(kc.flags_set, STRATA_CFG_F_RECORDS);
	assert_int_equal(kc.flags_clear, STRATA_CFG_F_FINGERPRINT);

	/* Nothing at all is not an error here (the tool says "nothing to set"). */
	ok("", &kc);
	assert_int_equal(kc.which, 0);
}

static void test_scalar_errors(void **state)
{
	(void)state;
	bad("windw 100", "unknown keyword 'windw'");
	bad("window", "window: value missing");
	bad("window 100 snaplen", "snaplen: value missing");
	bad("window abc", "window abc: not a number");
	bad("window -5", "window -5: not a number");
	bad("window 0x10", "window 0x10: not a number");
	bad("window 1e3", "window 1e3: not a number");
	bad("window 9", "window 9: out of range 10..3600000");
	bad("window 3600001", "window 3600001: out of range 10..3600000");
	bad("window 7000", "window 7000: must divide a day (86400000 ms) evenly");
	bad("window 1000 window 1000", "window: given twice");
	bad("snaplen 9217", "snaplen 9217: out of range 0..9216");
	bad("snaplen 99999999999", "snaplen 99999999999: out of range 0..9216");
	bad("sampling 0", "sampling 0: out of range 1..4294967295");
	bad("sampling 4294967296", "sampling 4294967296: out of range 1..4294967295");
	bad("table-cap 0", "table-cap 0: out of range 1..16777216");
	bad("table-cap 16777217", "table-cap 16777217: out of range 1..16777216");
	bad("segments 4294967295", "segments 4294967295: out of range 0..4294967294");
	bad("segments most", "segments most: not a number");
	bad("fingerprint yes", "fingerprint yes: not on or off");
	bad("records 1", "records 1: not on or off");
	bad("records on records off", "records: given twice");
	bad("generation -1", "generation -1: not a number");
}

static void test_filters(void **state)
{
	static const __u8 v4[16] = { [10] = 0xff, [11] = 0xff, 10, 1, 0, 0 };
	static const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct strata_kw_config kc;
	const struct strata_filter *f;

	(void)state;
	ok("snaplen 64 filter proto tcp addr 10.1.0.0/16 port 443 snaplen 256 segments all "
	   "filter addr 2001:db8::1 snaplen 0 filter proto 132 snaplen 9216 segments 0 window 1000",
	   &kc);
	assert_int_equal(kc.which, STRATA_CONFIG_SNAPLEN | STRATA_CONFIG_FILTERS |
			 STRATA_CONFIG_WINDOW);
	assert_int_equal(kc.cfg.snaplen, 64);
	assert_int_equal(kc.cfg.window_ms, 1000);
	assert_int_equal(kc.cfg.nfilters, 3);
	f = &kc.cfg.filters[0];
	assert_true(f->has_proto && f->has_addr && f->has_port && f->has_seg_budget);
	assert_int_equal(f->proto, 6);
	assert_memory_equal(f->addr, v4, 16);
	assert_int_equal(f->prefix, 96 + 16);
	assert_int_equal(f->port, 443);
	assert_int_equal(f->snaplen, 256);
	assert_int_equal(f->seg_budget, STRATA_SEG_BUDGET_ALL);
	f = &kc.cfg.filters[1];
	assert_false(f->has_proto || f->has_port || f->has_seg_budget);
	assert_true(f->has_addr);
	assert_memory_equal(f->addr, v6, 16);
	assert_int_equal(f->prefix, 128);
	assert_int_equal(f->snaplen, 0);
	f = &kc.cfg.filters[2];
	assert_true(f->has_proto && f->has_seg_budget);
	assert_false(f->has_addr || f->has_port);
	assert_int_equal(f->proto, 132);
	assert_int_equal(f->seg_budget, 0);

	/* A keyword given a second time ends the filter: it is the global one. */
	ok("filter port 53 snaplen 64 snaplen 128", &kc);
	assert_int_equal(kc.cfg.nfilters, 1);
	assert_int_equal(kc.cfg.filters[0].snaplen, 64);
	assert_int_equal(kc.cfg.snaplen, 128);
	assert_int_equal(kc.which, STRATA_CONFIG_FILTERS | STRATA_CONFIG_SNAPLEN);

	/* A filter with only its snaplen matches everything. */
	ok("filter snaplen 100", &kc);
	assert_int_equal(kc.cfg.nfilters, 1);
	assert_false(kc.cfg.filters[0].has_proto || kc.cfg.filters[0].has_addr ||
		     kc.cfg.filters[0].has_port);

	ok("no-filters", &kc);
	assert_int_equal(kc.which, STRATA_CONFIG_FILTERS);
	assert_int_equal(kc.cfg.nfilters, 0);

	ok("filter proto icmpv6 snaplen 1 filter proto icmp6 snaplen 1 filter proto udp snaplen 1 "
	   "filter proto icmp snaplen 1 filter proto 0 snaplen 1 filter proto 255 snaplen 1", &kc);
	assert_int_equal(kc.cfg.filters[0].proto, 58);
	assert_int_equal(kc.cfg.filters[1].proto, 58);
	assert_int_equal(kc.cfg.filters[2].proto, 17);
	assert_int_equal(kc.cfg.filters[3].proto, 1);
	assert_int_equal(kc.cfg.filters[4].proto, 0);
	assert_int_equal(kc.cfg.filters[5].proto, 255);

	ok("filter addr 0.0.0.0/0 snaplen 1 filter addr ::/0 snaplen 1 "
	   "filter addr 10.0.0.1/32 snaplen 1 filter addr fe80::/10 snaplen 1", &kc);
	assert_int_equal(kc.cfg.filters[0].prefix, 96);
	assert_int_equal(kc.cfg.filters[1].prefix, 0);
	assert_int_equal(kc.cfg.filters[2].prefix, 128);
	assert_int_equal(kc.cfg.filters[3].prefix, 10);
}

static void test_filter_errors(void **state)
{
	char line[1024];
	int i, n;

	(void)state;
	bad("filter proto tcp", "filter: snaplen N is required");
	bad("filter", "filter: snaplen N is required");
	bad("filter proto tcp port 80", "filter: snaplen N is required");
	bad("filter proto tcpp snaplen 1",
	    "proto tcpp: not tcp, udp, icmp, icmpv6, sctp or 0..255");
	bad("filter proto 256 snaplen 1",
	    "proto 256: not tcp, udp, icmp, icmpv6, sctp or 0..255");
	bad("filter addr 10.0.0.300 snaplen 1",
	    "addr 10.0.0.300: not an IPv4 or IPv6 address");
	bad("filter addr host.example snaplen 1",
	    "addr host.example: not an IPv4 or IPv6 address");
	bad("filter addr 10.0.0.0/33 snaplen 1",
	    "addr 10.0.0.0/33: bad prefix length (IPv4 0..32, IPv6 0..128)");
	bad("filter addr 2001:db8::/129 snaplen 1",
	    "addr 2001:db8::/129: bad prefix length (IPv4 0..32, IPv6 0..128)");
	bad("filter addr 10.0.0.0/ snaplen 1",
	    "addr 10.0.0.0/: bad prefix length (IPv4 0..32, IPv6 0..128)");
	bad("filter addr 10.0.0.0/8/8 snaplen 1",
	    "addr 10.0.0.0/8/8: bad prefix length (IPv4 0..32, IPv6 0..128)");
	bad("filter port 65536 snaplen 1", "port 65536: out of range 0..65535");
	bad("filter port http snaplen 1", "port http: not a number");
	bad("filter snaplen 9217", "snaplen 9217: out of range 0..9216");
	bad("filter snaplen 1 segments x", "segments x: not a number");
	bad("filter snaplen", "snaplen: value missing");
	bad("filter snaplen 1 bogus 2", "unknown keyword 'bogus'");
	bad("filter snaplen 1 no-filters", "no-filters: not with filter");
	bad("no-filters filter snaplen 1", "filter: not with no-filters");
	bad("no-filters no-filters", "no-filters: given twice");

	n = snprintf(line, sizeof(line), "filter snaplen 1");
	for (i = 1; i < STRATA_FILTERS_MAX; i++)
		n += snprintf(line + n, sizeof(line) - n, " filter snaplen 1");
	{
		struct strata_kw_config kc;

		ok(line, &kc);
		assert_int_equal(kc.cfg.nfilters, STRATA_FILTERS_MAX);
	}
	snprintf(line + n, sizeof(line) - n, " filter snaplen 1");
	bad(line, "filter: more than 16 filters");
}

static void test_filter_alone(void **state)
{
	struct strata_filter f;
	char *argv[16], err[256];
	int argc;

	(void)state;
	/* What `strata microflows` gives: no snaplen, stops at other words. */
	argc = words("proto udp addr 192.0.2.0/24 port 53 -c 5", argv);
	assert_int_equal(strata_kw_filter(argc, argv, false, &f, err, sizeof(err)), 6);
	assert_true(f.has_proto && f.has_addr && f.has_port);
	argc = words("snaplen 5", argv);
	assert_int_equal(strata_kw_filter(argc, argv, false, &f, err, sizeof(err)), 0);
	argc = words("port 53 port 54", argv);
	assert_int_equal(strata_kw_filter(argc, argv, false, &f, err, sizeof(err)), 2);
	assert_int_equal(f.port, 53);
}

static void test_format(void **state)
{
	__u8 a[16], p;
	char buf[64];

	(void)state;
	assert_int_equal(strata_kw_addr("192.0.2.0/24", a, &p), 4);
	assert_string_equal(strata_addr_format(a, p, buf, sizeof(buf)), "192.0.2.0/24");
	assert_string_equal(strata_addr_format(a, -1, buf, sizeof(buf)), "192.0.2.0");
	assert_int_equal(strata_kw_addr("2001:db8::/32", a, &p), 6);
	assert_string_equal(strata_addr_format(a, p, buf, sizeof(buf)), "2001:db8::/32");
	/* ::/0 covers IPv4 too, and stays IPv6 when written. */
	assert_int_equal(strata_kw_addr("::ffff:0.0.0.0/80", a, &p), 6);
	assert_string_equal(strata_addr_format(a, p, buf, sizeof(buf)), "::ffff:0.0.0.0/80");
	assert_string_equal(strata_proto_name(6, buf, sizeof(buf)), "tcp");
	assert_string_equal(strata_proto_name(58, buf, sizeof(buf)), "icmpv6");
	assert_string_equal(strata_proto_name(47, buf, sizeof(buf)), "47");
}

static void test_match(void **state)
{
	struct strata_flow_key k = { 0 };
	struct strata_filter f;
	char *argv[16], err[256];
	int argc;

	(void)state;
	strata_kw_addr("10.0.0.1", k.addr[0], &(__u8){ 0 });
	strata_kw_addr("192.0.2.77", k.addr[1], &(__u8){ 0 });
	k.port[0] = 40000;
	k.port[1] = 53;
	k.proto = 17;
	k.family = 4;

	argc = words("proto udp addr 192.0.2.64/26 port 53", argv);
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_true(strata_filter_match_key(&f, &k));
	argc = words("addr 192.0.2.0/26", argv);
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_false(strata_filter_match_key(&f, &k));
	argc = words("addr 10.0.0.0/31", argv);		/* the other endpoint */
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_true(strata_filter_match_key(&f, &k));
	argc = words("addr ::/0", argv);
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_true(strata_filter_match_key(&f, &k));
	argc = words("addr 2001:db8::/32", argv);
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_false(strata_filter_match_key(&f, &k));
	argc = words("proto tcp", argv);
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_false(strata_filter_match_key(&f, &k));
	argc = words("port 40000", argv);
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_true(strata_filter_match_key(&f, &k));
	argc = words("port 40001", argv);
	strata_kw_filter(argc, argv, false, &f, err, sizeof(err));
	assert_false(strata_filter_match_key(&f, &k));
	memset(&f, 0, sizeof(f));
	assert_true(strata_filter_match_key(&f, &k));
}

/* Sizes: units are powers of 1024; anything else is refused. */
static void test_size(void **state)
{
	static const struct {
		const char *s;
		int rc;
		__u64 v;
	} cases[] = {
		{ "4096", 0, 4096 },
		{ "4096B", 0, 4096 },
		{ "1K", 0, 1024 },
		{ "512M", 0, 512ULL << 20 },
		{ "1GiB", 0, 1ULL << 30 },
		{ "2GB", 0, 2ULL << 30 },
		{ "3T", 0, 3ULL << 40 },
		{ "", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "-1M", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
		{ "1 G", -EINVAL, 0 },
		{ "1X", -EINVAL, 0 },
		{ "1Gx", -EINVAL, 0 },
		{ "1g", -EINVAL, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "16777216T", -ERANGE, 0 },	/* 2^64 */
		{ "100", -ERANGE, 0 },		/* below min */
		{ "2T", -ERANGE, 0 },		/* above max */
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u64 v = 7, min = 1000, max = 1ULL << 40;

		if (i < 7) {
			min = 0;
			max = ~0ULL;
		}
		if (strata_kw_size(cases[i].s, min, max, &v) != cases[i].rc)
			fail_msg("'%s': want %d", cases[i].s, cases[i].rc);
		if (!cases[i].rc && v != cases[i].v)
			fail_msg("'%s': %llu, want %llu", cases[i].s,
				 (unsigned long long)v, (unsigned long long)cases[i].v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_scalar_errors),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_filter_errors),
		cmocka_unit_test(test_filter_alone),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests_name("keywords", tests, NULL, NULL);
}
