// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of link-layer decapsulation: where the IP header starts behind
 * each supported link type, and the errors for non-IP, short and unknown.
 */
#include <errno.h>

#include "unit.h"
#include "link.h"

/* An IPv4 and an IPv6 header start, enough for a link layer to point at. */
static const __u8 ip4[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17 };
static const __u8 ip6[40] = { 0x60, 0, 0, 0, 0, 0, 59, 64 };

struct frame {
	__u8 d[256];
	__u32 len;
};

static void put(struct frame *f, const void *p, __u32 n)
{
	memcpy(f->d + f->len, p, n);
	f->len += n;
}

static void put16(struct frame *f, __u16 v)
{
	__u8 b[2] = { v >> 8, v & 0xff };

	put(f, b, 2);
}

static void eth(struct frame *f, const __u16 *types, int n, const void *l3,
		__u32 l3len)
{
	static const __u8 macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	int i;

	f->len = 0;
	put(f, macs, 12);
	/* Each type but the last is a tag protocol followed by its TCI. */
	for (i = 0; i < n; i++) {
		put16(f, types[i]);
		if (i < n - 1)
			put16(f, 0x0064 + i);	/* VLAN 100, 101, ... */
	}
	put(f, l3, l3len);
}

/* strata_link_l3() on a heap copy of exactly @caplen bytes (ASan sees overreads). */
static int l3(int linktype, const struct frame *f, __u32 caplen, __u32 *off)
{
	__u8 *copy = malloc(caplen);
	int ret;

	assert_true(copy || !caplen);
	if (caplen)
		memcpy(copy, f->d, caplen);
	*off = 0xdeadbeef;
	ret = strata_link_l3(linktype, copy, caplen, off);
	free(copy);
	return ret;
}

static void expect_off(int linktype, const struct frame *f, __u32 want)
{
	__u32 off;
	int ret = l3(linktype, f, f->len, &off);

	if (ret || off != want)
		fail_msg("linktype %d: ret %d off %u, want 0 and %u", linktype,
			 ret, off, want);
}

static void expect_err(int linktype, const struct frame *f, __u32 caplen, int err)
{
	__u32 off;
	int ret = l3(linktype, f, caplen, &off);

	if (ret != err)
		fail_msg("linktype %d caplen %u: ret %d, want %d", linktype,
			 caplen, ret, err);
}

static void test_supported(void **state)
{
	static const int yes[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };
	static const int no[] = { -1, 6, 9, 105, 119, 127, 143, 147, 192, 220,
				  249, 277, 65535, 1 << 20 };
	struct frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strata_link_supported(yes[i]))
			fail_msg("linktype %d not supported", yes[i]);
	memset(&f, 0, sizeof(f));
	put(&f, ip4, sizeof(ip4));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (strata_link_supported(no[i]))
			fail_msg("linktype %d supported", no[i]);
		expect_err(no[i], &f, f.len, -EPROTONOSUPPORT);
	}
}

static void test_ethernet(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, (const __u16[]){ 0x0800 }, 1, ip4, sizeof(ip4));
	expect_off(1, &f, 14);
	eth(&f, (const __u16[]){ 0x86dd }, 1, ip6, sizeof(ip6));
	expect_off(1, &f, 14);
	/* 802.1Q */
	eth(&f, (const __u16[]){ 0x8100, 0x0800 }, 2, ip4, sizeof(ip4));
	expect_off(1, &f, 18);
	eth(&f, (const __u16[]){ 0x8100, 0x86dd }, 2, ip6, sizeof(ip6));
	expect_off(1, &f, 18);
	/* QinQ: 802.1ad outer tag, 802.1Q inner tag */
	eth(&f, (const __u16[]){ 0x88a8, 0x8100, 0x86dd }, 3, ip6, sizeof(ip6));
	expect_off(1, &f, 22);
	eth(&f, (const __u16[]){ 0x88a8, 0x8100, 0x0800 }, 3, ip4, sizeof(ip4));
	expect_off(1, &f, 22);
	/* Two 802.1Q tags (pre-802.1ad QinQ). */
	eth(&f, (const __u16[]){ 0x8100, 0x8100, 0x0800 }, 3, ip4, sizeof(ip4));
	expect_off(1, &f, 22);
}

static void test_ethernet_not_ip(void **state)
{
	static const __u8 arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	static const __u8 llc[20] = { 0x42, 0x42, 0x03 };
	struct frame f;

	(void)state;
	eth(&f, (const __u16[]){ 0x0806 }, 1, arp, sizeof(arp));
	expect_err(1, &f, f.len, -ENOENT);
	eth(&f, (const __u16[]){ 0x8100, 0x0806 }, 2, arp, sizeof(arp));
	expect_err(1, &f, f.len, -ENOENT);
	eth(&f, (const __u16[]){ 0x88a8, 0x8100, 0x0806 }, 3, arp, sizeof(arp));
	expect_err(1, &f, f.len, -ENOENT);
	eth(&f, (const __u16[]){ 0x88cc }, 1, llc, sizeof(llc));	/* LLDP */
	expect_err(1, &f, f.len, -ENOENT);
	eth(&f, (const __u16[]){ 0x8847 }, 1, ip4, sizeof(ip4));	/* MPLS */
	expect_err(1, &f, f.len, -ENOENT);
	/* 802.3 with a length, not a type: LLC (spanning tree). */
	eth(&f, (const __u16[]){ sizeof(llc) }, 1, llc, sizeof(llc));
	expect_err(1, &f, f.len, -ENOENT);
}

static void test_ethernet_short(void **state)
{
	struct frame f;
	__u32 cap;

	(void)state;
	eth(&f, (const __u16[]){ 0x0800 }, 1, ip4, sizeof(ip4));
	for (cap = 0; cap < 14; cap++)
		expect_err(1, &f, cap, -EMSGSIZE);
	/* The VLAN tag, then the inner type, cut. */
	eth(&f, (const __u16[]){ 0x8100, 0x0800 }, 2, ip4, sizeof(ip4));
	for (cap = 0; cap < 18; cap++)
		expect_err(1, &f, cap, -EMSGSIZE);
	eth(&f, (const __u16[]){ 0x88a8, 0x8100, 0x86dd }, 3, ip6, sizeof(ip6));
	for (cap = 0; cap < 22; cap++)
		expect_err(1, &f, cap, -EMSGSIZE);
}

static void sll(struct frame *f, __u16 proto, const void *l3, __u32 l3len)
{
	static const __u8 addr[8] = { 2, 0, 0, 0, 0, 1 };

	f->len = 0;
	put16(f, 0);		/* packet type: to us */
	put16(f, 1);		/* ARPHRD_ETHER */
	put16(f, 6);
	put(f, addr, 8);
	put16(f, proto);
	put(f, l3, l3len);
}

static void sll2(struct frame *f, __u16 proto, const void *l3, __u32 l3len)
{
	static const __u8 rest[16] = { 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1 };

	f->len = 0;
	put16(f, proto);
	put16(f, 0);		/* reserved */
	put(f, rest, sizeof(rest));	/* ifindex, hatype, pkttype, halen, addr */
	put(f, l3, l3len);
}

static void test_linux_cooked(void **state)
{
	static const __u8 arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	struct frame f;
	__u32 cap;

	(void)state;
	sll(&f, 0x0800, ip4, sizeof(ip4));
	expect_off(113, &f, 16);
	sll(&f, 0x86dd, ip6, sizeof(ip6));
	expect_off(113, &f, 16);
	sll(&f, 0x0806, arp, sizeof(arp));
	expect_err(113, &f, f.len, -ENOENT);
	sll(&f, 0x0800, ip4, sizeof(ip4));
	for (cap = 0; cap < 16; cap++)
		expect_err(113, &f, cap, -EMSGSIZE);

}

static void test_linux_cooked_v2(void **state)
{
	static const __u8 arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	struct frame f;
	__u32 cap;

	(void)state;
	/* SLL2: the protocol comes first, the header is 20 bytes long. */
	sll2(&f, 0x0800, ip4, sizeof(ip4));
	assert_int_equal(f.len, 20 + 20);
	expect_off(276, &f, 20);
	sll2(&f, 0x86dd, ip6, sizeof(ip6));
	expect_off(276, &f, 20);
	sll2(&f, 0x0806, arp, sizeof(arp));
	expect_err(276, &f, f.len, -ENOENT);
	sll2(&f, 0x86dd, ip6, sizeof(ip6));
	for (cap = 0; cap < 20; cap++)
		expect_err(276, &f, cap, -EMSGSIZE);
}

static void null_hdr(struct frame *f, __u32 af, int net_order, const void *l3,
		     __u32 l3len)
{
	__u8 b[4];

	if (net_order) {
		b[0] = af >> 24;
		b[1] = af >> 16;
		b[2] = af >> 8;
		b[3] = af;
	} else {
		memcpy(b, &af, 4);	/* the capturing host's order: ours */
	}
	f->len = 0;
	put(f, b, 4);
	put(f, l3, l3len);
}

static void test_null_loopback(void **state)
{
	/* AF_INET6 differs between BSDs: NetBSD/OpenBSD 24, FreeBSD 28, macOS 30. */
	static const __u32 inet6[] = { 24, 28, 30 };
	struct frame f;
	size_t i;
	__u32 cap;

	(void)state;
	null_hdr(&f, 2, 0, ip4, sizeof(ip4));
	expect_off(0, &f, 4);
	null_hdr(&f, 2, 1, ip4, sizeof(ip4));
	expect_off(108, &f, 4);
	for (i = 0; i < 3; i++) {
		null_hdr(&f, inet6[i], 0, ip6, sizeof(ip6));
		expect_off(0, &f, 4);
		null_hdr(&f, inet6[i], 1, ip6, sizeof(ip6));
		expect_off(108, &f, 4);
	}
	/* Another address family (AF_APPLETALK 16, AF_IPX 23). */
	null_hdr(&f, 16, 0, ip4, sizeof(ip4));
	expect_err(0, &f, f.len, -ENOENT);
	null_hdr(&f, 23, 1, ip4, sizeof(ip4));
	expect_err(108, &f, f.len, -ENOENT);
	null_hdr(&f, 2, 0, ip4, sizeof(ip4));
	for (cap = 0; cap < 4; cap++) {
		expect_err(0, &f, cap, -EMSGSIZE);
		expect_err(108, &f, cap, -EMSGSIZE);
	}
}

static void test_raw(void **state)
{
	static const int raw[] = { 101, 12, 14 };
	struct frame f;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		f.len = 0;
		put(&f, ip4, sizeof(ip4));
		expect_off(raw[i], &f, 0);
		f.len = 0;
		put(&f, ip6, sizeof(ip6));
		expect_off(raw[i], &f, 0);
	}
	f.len = 0;
	put(&f, ip4, sizeof(ip4));
	expect_off(228, &f, 0);
	f.len = 0;
	put(&f, ip6, sizeof(ip6));
	expect_off(229, &f, 0);
	/* 228 and 229 name the version: the other one is not theirs. */
	{
		__u32 off;

		assert_int_equal(l3(228, &f, f.len, &off), -ENOENT);
		f.len = 0;
		put(&f, ip4, sizeof(ip4));
		assert_int_equal(l3(229, &f, f.len, &off), -ENOENT);
	}
}

static void test_random_frames(void **state)
{
	static const int types[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };
	struct frame f;
	struct rng r;
	int i;

	(void)state;
	/* Whatever the bytes: a defined result, an offset inside the capture. */
	rng_seed(&r, 61);
	for (i = 0; i < 100000; i++) {
		int lt = types[i % 10], ret;
		__u32 cap = rng_range(&r, 0, 40), off;

		rng_bytes(&r, f.d, cap);
		if (cap >= 14 && (i & 1))
			f.d[12] = rng_u64(&r) & 1 ? 0x81 : 0x88;
		ret = l3(lt, &f, cap, &off);
		if (ret != 0 && ret != -ENOENT && ret != -EMSGSIZE)
			fail_msg("linktype %d: ret %d", lt, ret);
		if (!ret && off > cap)
			fail_msg("linktype %d: offset %u past caplen %u", lt, off, cap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supported),
		cmocka_unit_test(test_ethernet),
		cmocka_unit_test(test_ethernet_not_ip),
		cmocka_unit_test(test_ethernet_short),
		cmocka_unit_test(test_linux_cooked),
		cmocka_unit_test(test_linux_cooked_v2),
		cmocka_unit_test(test_null_loopback),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_random_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
