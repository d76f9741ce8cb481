// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of overlapping-fragment detection (lib/core/frag.c), directly
 * and through strata_core_packet() on built packets.
 */
#include "unit.h"
#include "pktbuild.h"
#include "core/frag.h"
#include "offline.h"

#define SEC 1000000000ULL

/* A parsed IPv4 fragment: @off bytes in, @len data bytes, id @id. */
static struct strata_pkt frag4(__u32 id, __u32 off, __u32 len, bool more)
{
	struct strata_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 17;
	p.saddr[10] = p.saddr[11] = p.daddr[10] = p.daddr[11] = 0xff;
	p.saddr[12] = 10;
	p.daddr[12] = 10;
	p.daddr[15] = 2;
	p.ip_id = id;
	p.frag_off = (__u16)off;
	p.ip_len = 20 + len;
	p.flags = STRATA_PKT_FRAG | (more ? STRATA_PKT_MF : 0);
	if (off) {
		p.flags |= STRATA_PKT_FRAG_LATER;
		p.payload_off = 20;
	} else {
		p.flags |= STRATA_PKT_L4;
		p.l4_off = 20;
		p.payload_off = 28;
	}
	return p;
}

static void test_overlap(void **state)
{
	struct strata_frag_cache *c = calloc(1, sizeof(*c));
	struct strata_pkt p;

	(void)state;
	assert_non_null(c);
	/* Not a fragment: never. */
	p = frag4(1, 0, 100, false);
	p.flags = STRATA_PKT_L4;
	assert_false(strata_frag_overlap(c, &p, SEC));
	/* Adjacent fragments: no overlap; the same one again: a duplicate. */
	p = frag4(7, 0, 1480, true);
	assert_false(strata_frag_overlap(c, &p, SEC));
	p = frag4(7, 1480, 1480, true);
	assert_false(strata_frag_overlap(c, &p, SEC));
	assert_false(strata_frag_overlap(c, &p, SEC));
	p = frag4(7, 2960, 100, false);
	assert_false(strata_frag_overlap(c, &p, SEC));
	/* Overlapping the first and second by 8 bytes each way. */
	p = frag4(7, 1472, 16, true);
	assert_true(strata_frag_overlap(c, &p, SEC));
	p = frag4(7, 8, 8, true);
	assert_true(strata_frag_overlap(c, &p, SEC));
	/* Another datagram (id), another protocol, another source: unrelated. */
	p = frag4(8, 8, 8, true);
	assert_false(strata_frag_overlap(c, &p, SEC));
	p = frag4(7, 8, 8, true);
	p.proto = 6;
	assert_false(strata_frag_overlap(c, &p, SEC));
	p = frag4(7, 8, 8, true);
	p.saddr[15] = 9;
	assert_false(strata_frag_overlap(c, &p, SEC));
	/* Forgotten after the timeout. */
	p = frag4(7, 8, 8, true);
	assert_false(strata_frag_overlap(c, &p, SEC + STRATA_FRAG_TIMEOUT_NS + 1));
	free(c);
}

/* More fragments than remembered, and many datagrams: no false positive. */
static void test_many(void **state)
{
	struct strata_frag_cache *c = calloc(1, sizeof(*c));
	struct strata_pkt p;
	__u32 id, k;

	(void)state;
	assert_non_null(c);
	for (id = 0; id < 1000; id++)
		for (k = 0; k < 20; k++) {
			p = frag4(id, k * 64, 64, k < 19);
			assert_false(strata_frag_overlap(c, &p, SEC + id));
		}
	free(c);
}

/* Through the offline pipeline's parser, on built IPv4 fragments. */
static void test_core_packet_overlap(void **state)
{
	struct strata_frag_cache *c = calloc(1, sizeof(*c));
	struct strata_counters cnt;
	struct strata_pkt pkt;
	struct pb b;
	struct pb_ip4 h = { .ttl = 64, .id = 99, .mf = true };

	(void)state;
	assert_non_null(c);
	memset(&cnt, 0, sizeof(cnt));
	pb_ip4(&b, &h);
	pb_udp(&b, 1, 2);
	pb_fill(&b, 24, 1);
	pb_finish(&b);
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, SEC, c, &pkt, &cnt),
			 STRATA_PARSE_OK);
	/* The same datagram, 16 bytes in: inside the first fragment's 32. */
	h.frag_off = 16;
	h.proto = 17;
	pb_ip4(&b, &h);
	pb_fill(&b, 16, 2);
	pb_finish(&b);
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, SEC, c, &pkt, &cnt),
			 STRATA_PARSE_MALFORMED);
	/* Without a cache there is no detection. */
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, SEC, NULL, &pkt, &cnt),
			 STRATA_PARSE_OK);
	assert_int_equal(cnt.seen, 3);
	assert_int_equal(cnt.parsed, 2);
	assert_int_equal(cnt.malformed, 1);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_core_packet_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
