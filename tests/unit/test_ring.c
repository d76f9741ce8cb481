// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the ring reader over hand-built in-memory rings: records in
 * order, pad records at the wrap, loss records, unexplained gaps, corrupt
 * lengths and caplens, early stops, the merge of several rings, and random
 * corruption that must give an error and never a bad read.
 */
#include <errno.h>

#include "unit.h"
#include "ring.h"

#define HDR_SIZE	4096
#define DS		4096
#define PKT_HDR		(sizeof(struct strata_rec) + sizeof(struct strata_rec_packet))

/* A ring in memory, written the way the producer writes it. */
struct tring {
	__u8 *map;			/* header page then exactly DS bytes */
	struct strata_ring_hdr *hdr;
	__u8 *data;
	__u64 head;
	struct strata_ring r;
};

static void tring_init(struct tring *t, unsigned int cpu, __u64 start)
{
	char err[256];

	t->map = calloc(1, HDR_SIZE + DS);
	assert_non_null(t->map);
	t->hdr = (struct strata_ring_hdr *)t->map;
	t->data = t->map + HDR_SIZE;
	t->hdr->version = STRATA_RING_VERSION;
	t->hdr->cpu = cpu;
	t->hdr->data_size = DS;
	t->hdr->hdr_size = HDR_SIZE;
	t->hdr->head = start;
	t->hdr->tail = start;
	t->head = start;
	assert_int_equal(strata_ring_attach(&t->r, t->map, HDR_SIZE + DS, cpu,
					    err, sizeof(err)), 0);
}

static void tring_free(struct tring *t)
{
	free(t->map);
}

/* Room for @len bytes at the head, with a pad record to the end if needed. */
static __u8 *reserve(struct tring *t, __u16 len)
{
	__u64 off = t->head % DS;
	struct strata_rec pad = { .type = STRATA_REC_PAD };

	if (off + len > DS) {
		pad.len = (__u16)(DS - off);
		/* A pad record can be 8 bytes: only type and len. */
		memcpy(t->data + off, &pad, 8);
		t->head += pad.len;
		off = 0;
	}
	assert_true(t->head + len - t->hdr->tail <= DS);
	return t->data + off;
}

static void put_packet(struct tring *t, __u64 seq, __u64 ts, __u32 caplen,
		       __u8 fill)
{
	__u16 len = (__u16)((PKT_HDR + caplen + 7) & ~7U);
	struct strata_rec h = { .type = STRATA_REC_PACKET, .len = len, .seq = seq };
	struct strata_rec_packet p = { 0 };
	__u8 *at = reserve(t, len);

	p.ts_ns = ts;
	p.wire_len = caplen + 100;
	p.caplen = caplen;
	p.family = 4;
	p.proto = 17;
	p.sport = 1000 + (__u16)seq;
	p.dport = 53;
	p.nseg = 2;
	p.seg[0] = 0xaaaa;
	p.seg[1] = 0xbbbb;
	p.key_hash = 0x1122334455667788ULL;
	memcpy(at, &h, sizeof(h));
	memcpy(at + sizeof(h), &p, sizeof(p));
	memset(at + PKT_HDR, fill, caplen);
	t->head += len;
}

static void put_loss(struct tring *t, __u64 seq, __u64 lost, __u64 ts)
{
	struct strata_rec h = { .type = STRATA_REC_LOSS, .len = 32, .seq = seq };
	struct strata_rec_loss l = { .lost = lost, .ts_ns = ts };
	__u8 *at = reserve(t, 32);

	memcpy(at, &h, sizeof(h));
	memcpy(at + sizeof(h), &l, sizeof(l));
	t->head += 32;
}

/* A record header with any type and length (for corrupt records). */
static void put_raw(struct tring *t, __u16 type, __u16 len, __u16 advance)
{
	struct strata_rec h = { .type = type, .len = len, .seq = 1 };

	memcpy(reserve(t, sizeof(h)), &h, sizeof(h));
	t->head += advance;
}

static void publish(struct tring *t)
{
	__atomic_store_n(&t->hdr->head, t->head, __ATOMIC_RELEASE);
}

/* What a walk handed out. */
struct got {
	struct strata_ring_rec rec[64];
	__u8 first_byte[64];
	unsigned int n;
	unsigned int stop_after;	/* stop (return 1) after this many; 0: never */
};

static int collect(const struct strata_ring_rec *rec, void *arg)
{
	struct got *g = arg;
	__u32 i;

	assert_true(g->n < 64);
	g->rec[g->n] = *rec;
	if (rec->type == STRATA_REC_PACKET) {
		/* Every data byte is readable and holds the fill value. */
		for (i = 0; i < rec->pkt.caplen; i++)
			assert_int_equal(rec->data[i], rec->data[0]);
		g->first_byte[g->n] = rec->pkt.caplen ? rec->data[0] : 0;
	}
	g->n++;
	return g->stop_after && g->n == g->stop_after;
}

static void check_packet(const struct got *g, unsigned int i, __u64 seq,
			 __u32 caplen, __u8 fill)
{
	assert_int_equal(g->rec[i].type, STRATA_REC_PACKET);
	assert_int_equal(g->rec[i].seq, seq);
	assert_int_equal(g->rec[i].pkt.caplen, caplen);
	assert_int_equal(g->rec[i].pkt.wire_len, caplen + 100);
	assert_int_equal(g->rec[i].pkt.sport, 1000 + seq);
	assert_int_equal(g->rec[i].pkt.nseg, 2);
	assert_int_equal(g->rec[i].pkt.seg[1], 0xbbbb);
	assert_int_equal(g->rec[i].pkt.key_hash, 0x1122334455667788ULL);
	if (caplen)
		assert_int_equal(g->first_byte[i], fill);
}

static void test_in_order(void **state)
{
	struct got g = { 0 };
	struct tring t;
	char err[256];

	(void)state;
	tring_init(&t, 3, 0);
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)), 0);
	put_packet(&t, 1, 100, 40, 0x11);
	put_packet(&t, 2, 200, 0, 0);
	put_packet(&t, 3, 300, 77, 0x33);
	publish(&t);
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)), 3);
	assert_int_equal(g.n, 3);
	check_packet(&g, 0, 1, 40, 0x11);
	check_packet(&g, 1, 2, 0, 0);
	check_packet(&g, 2, 3, 77, 0x33);
	assert_int_equal(g.rec[2].cpu, 3);
	assert_int_equal(g.rec[2].ts_ns, 300);
	/* Everything consumed: tail caught up with head. */
	assert_int_equal(t.hdr->tail, t.head);
	assert_int_equal(t.hdr->tail, 3 * PKT_HDR + 40 + 80);
	/* Nothing new: nothing handed out. */
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)), 0);
	assert_int_equal(g.n, 3);
	tring_free(&t);
}

static void test_pad_at_wrap(void **state)
{
	unsigned int pad;
	char err[256];

	(void)state;
	/* Pads of 8 bytes (type and len only) up to more than a record's size. */
	for (pad = 8; pad <= 256; pad += 8) {
		struct got g = { 0 };
		struct tring t;
		__u64 start = 10 * DS - pad - PKT_HDR - 16;

		tring_init(&t, 0, start);
		put_packet(&t, 41, 1, 16, 0x41);	/* ends pad bytes from the end */
		put_packet(&t, 42, 2, 24, 0x42);	/* does not fit: pad, then at 0 */
		put_loss(&t, 43, 5, 3);
		put_packet(&t, 48, 4, 8, 0x48);
		publish(&t);
		/*
		 * Up to 232 bytes left, record 42 goes to the start; with 240
		 * it ends exactly at the end; with more, the loss record is
		 * the one that wraps.
		 */
		if (pad < PKT_HDR + 24)
			assert_int_equal(t.head % DS, PKT_HDR + 24 + 32 + PKT_HDR + 8);
		else
			assert_int_equal(t.head % DS, 32 + PKT_HDR + 8);
		assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)), 4);
		check_packet(&g, 0, 41, 16, 0x41);
		check_packet(&g, 1, 42, 24, 0x42);
		assert_int_equal(g.rec[2].type, STRATA_REC_LOSS);
		assert_int_equal(g.rec[2].seq, 43);
		assert_int_equal(g.rec[2].lost, 5);
		check_packet(&g, 3, 48, 8, 0x48);
		assert_int_equal(t.hdr->tail, t.head);
		tring_free(&t);
	}
}

static void test_loss_and_gap(void **state)
{
	struct got g = { 0 };
	struct tring t;
	char err[256];

	(void)state;
	tring_init(&t, 1, 0);
	put_packet(&t, 1, 10, 8, 1);
	put_loss(&t, 2, 3, 20);			/* 2, 3, 4 lost: explained */
	put_packet(&t, 5, 30, 8, 5);
	put_packet(&t, 9, 40, 8, 9);		/* 6, 7, 8 missing: unexplained */
	put_loss(&t, 12, 1, 50);		/* 10, 11 missing before it */
	put_packet(&t, 13, 60, 8, 13);
	publish(&t);
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)), 8);
	check_packet(&g, 0, 1, 8, 1);
	assert_int_equal(g.rec[1].type, STRATA_REC_LOSS);
	assert_int_equal(g.rec[1].seq, 2);
	assert_int_equal(g.rec[1].lost, 3);
	assert_int_equal(g.rec[1].ts_ns, 20);
	check_packet(&g, 2, 5, 8, 5);
	assert_int_equal(g.rec[3].type, STRATA_REC_GAP);
	assert_int_equal(g.rec[3].seq, 6);
	assert_int_equal(g.rec[3].lost, 3);
	assert_int_equal(g.rec[3].ts_ns, 40);
	check_packet(&g, 4, 9, 8, 9);
	assert_int_equal(g.rec[5].type, STRATA_REC_GAP);
	assert_int_equal(g.rec[5].seq, 10);
	assert_int_equal(g.rec[5].lost, 2);
	assert_int_equal(g.rec[6].type, STRATA_REC_LOSS);
	assert_int_equal(g.rec[6].seq, 12);
	check_packet(&g, 7, 13, 8, 13);
	tring_free(&t);
}

/* A walk that meets a corrupt record: the good ones, then -EBADMSG. */
static void expect_corrupt(struct tring *t, unsigned int good, const char *what)
{
	struct got g = { 0 };
	char err[256] = "";
	__u64 tail;

	publish(t);
	assert_int_equal(strata_ring_walk(&t->r, collect, &g, err, sizeof(err)),
			 -EBADMSG);
	assert_int_equal(g.n, good);
	if (!strstr(err, what))
		fail_msg("error '%s' does not say '%s'", err, what);
	assert_non_null(strstr(err, "ring 2"));
	/* The tail stays on the corrupt record, and it stays corrupt. */
	tail = t->hdr->tail;
	assert_int_equal(strata_ring_walk(&t->r, collect, &g, err, sizeof(err)),
			 -EBADMSG);
	assert_int_equal(t->hdr->tail, tail);
	assert_int_equal(g.n, good);
}

static void test_corrupt_len(void **state)
{
	static const struct {
		__u16 type, len, advance;
		const char *what;
	} cases[] = {
		{ STRATA_REC_PACKET, 0, 16, "length (0)" },
		{ STRATA_REC_PACKET, 4, 16, "length (4)" },
		{ STRATA_REC_PACKET, 260, 264, "length (260)" },
		{ STRATA_REC_PACKET, 264, 16, "length past head" },
		{ STRATA_REC_PACKET, 16, 16, "packet record length" },
		{ STRATA_REC_LOSS, 24, 24, "loss record length" },
		{ STRATA_REC_PAD, 4096, 16, "past head" },
		{ 0, 16, 16, "type (0)" },
		{ 7, 16, 16, "type (7)" },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tring t;

		tring_init(&t, 2, 0);
		put_packet(&t, 1, 1, 8, 1);
		put_raw(&t, cases[i].type, cases[i].len, cases[i].advance);
		expect_corrupt(&t, 1, cases[i].what);
		tring_free(&t);
	}
}

static void test_corrupt_past_end(void **state)
{
	struct strata_rec h = { .type = STRATA_REC_PACKET, .len = 512, .seq = 1 };
	struct tring t;

	(void)state;
	/* A record that would run past the end of the data area. */
	tring_init(&t, 2, DS - 256);
	memcpy(t.data + DS - 256, &h, sizeof(h));
	t.head += 512;
	expect_corrupt(&t, 0, "past the end of the data area");
	tring_free(&t);
}

static void test_corrupt_caplen(void **state)
{
	struct tring t;
	__u8 *rec;

	(void)state;
	/* caplen beyond the record. */
	tring_init(&t, 2, 0);
	put_packet(&t, 1, 1, 8, 1);
	rec = t.data + t.head;
	put_packet(&t, 2, 2, 8, 2);
	((struct strata_rec_packet *)(rec + sizeof(struct strata_rec)))->caplen = 9;
	expect_corrupt(&t, 1, "caplen past the record");
	tring_free(&t);

	/* caplen above wire_len. */
	tring_init(&t, 2, 0);
	rec = t.data + t.head;
	put_packet(&t, 1, 1, 64, 1);
	((struct strata_rec_packet *)(rec + sizeof(struct strata_rec)))->wire_len = 63;
	expect_corrupt(&t, 0, "caplen above wire_len");
	tring_free(&t);

	/* nseg beyond the array. */
	tring_init(&t, 2, 0);
	rec = t.data + t.head;
	put_packet(&t, 1, 1, 64, 1);
	((struct strata_rec_packet *)(rec + sizeof(struct strata_rec)))->nseg = 17;
	expect_corrupt(&t, 0, "segment count");
	tring_free(&t);

	/* A sequence number that goes back. */
	tring_init(&t, 2, 0);
	put_packet(&t, 5, 1, 8, 1);
	put_packet(&t, 4, 1, 8, 1);
	expect_corrupt(&t, 1, "went back");
	tring_free(&t);
}

static void test_bad_head_and_header(void **state)
{
	struct got g = { 0 };
	struct tring t;
	char err[256];
	__u8 *map;

	(void)state;
	tring_init(&t, 0, 4096);
	t.hdr->head = 4000;			/* behind the tail */
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "head 4000 impossible"));
	t.hdr->head = 4096 + DS + 8;		/* more than the ring ahead */
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)),
			 -EBADMSG);
	t.hdr->head = 4096 + 12;		/* not aligned */
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)),
			 -EBADMSG);
	assert_int_equal(g.n, 0);
	assert_int_equal(t.hdr->tail, 4096);

	map = t.map;
	t.hdr->version = 2;
	assert_int_equal(strata_ring_attach(&t.r, map, HDR_SIZE + DS, 0, err,
					    sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "version 2"));
	t.hdr->version = STRATA_RING_VERSION;
	assert_int_equal(strata_ring_attach(&t.r, map, HDR_SIZE + DS, 1, err,
					    sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "cpu 0"));
	t.hdr->data_size = 3000;
	assert_int_equal(strata_ring_attach(&t.r, map, HDR_SIZE + DS, 0, err,
					    sizeof(err)), -EPROTO);
	t.hdr->data_size = 2 * DS;		/* larger than the mapping */
	assert_int_equal(strata_ring_attach(&t.r, map, HDR_SIZE + DS, 0, err,
					    sizeof(err)), -EPROTO);
	t.hdr->data_size = DS;
	t.hdr->tail = 4;
	assert_int_equal(strata_ring_attach(&t.r, map, HDR_SIZE + DS, 0, err,
					    sizeof(err)), -EPROTO);
	tring_free(&t);
}

static void test_stop_early(void **state)
{
	struct got g = { .stop_after = 2 };
	struct tring t;
	char err[256];
	unsigned int i;

	(void)state;
	tring_init(&t, 0, 0);
	for (i = 1; i <= 5; i++)
		put_packet(&t, i, i, 8, (__u8)i);
	publish(&t);
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)), 2);
	assert_int_equal(t.hdr->tail, 2 * (PKT_HDR + 8));
	/* The rest comes next time, without a gap for the records left. */
	g.stop_after = 0;
	assert_int_equal(strata_ring_walk(&t.r, collect, &g, err, sizeof(err)), 3);
	for (i = 0; i < 5; i++)
		check_packet(&g, i, i + 1, 8, (__u8)(i + 1));
	assert_int_equal(t.hdr->tail, t.head);
	tring_free(&t);
}

static int stop_with_error(const struct strata_ring_rec *rec, void *arg)
{
	unsigned int *n = arg;

	(void)rec;
	return ++*n == 2 ? -EIO : 0;
}

static void test_callback_error(void **state)
{
	struct tring t;
	unsigned int n = 0;
	char err[256];

	(void)state;
	tring_init(&t, 0, 0);
	put_packet(&t, 1, 1, 8, 1);
	put_packet(&t, 2, 2, 8, 2);
	publish(&t);
	assert_int_equal(strata_ring_walk(&t.r, stop_with_error, &n, err, sizeof(err)),
			 -EIO);
	assert_non_null(strstr(err, "stopped"));
	/* The record refused is not consumed. */
	assert_int_equal(t.hdr->tail, PKT_HDR + 8);
	tring_free(&t);
}

static void test_merge(void **state)
{
	struct strata_ring rings[3];
	struct strata_ring_rec pend[3];
	struct got g = { 0 };
	struct tring t[3];
	char err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++)
		tring_init(&t[i], i, 0);
	/* Times interleaved across the rings; a loss record in ring 1. */
	put_packet(&t[0], 1, 10, 8, 0x10);
	put_packet(&t[0], 2, 40, 8, 0x40);
	put_packet(&t[1], 1, 20, 8, 0x20);
	put_loss(&t[1], 2, 7, 35);
	put_packet(&t[1], 9, 60, 8, 0x60);
	put_packet(&t[2], 1, 30, 8, 0x30);
	put_packet(&t[2], 2, 50, 8, 0x50);
	for (i = 0; i < 3; i++) {
		publish(&t[i]);
		rings[i] = t[i].r;
	}
	g.stop_after = 4;
	assert_int_equal(strata_ring_merge(rings, 3, pend, collect, &g, err,
					   sizeof(err)), 4);
	g.stop_after = 0;
	assert_int_equal(strata_ring_merge(rings, 3, pend, collect, &g, err,
					   sizeof(err)), 3);
	assert_int_equal(g.n, 7);
	for (i = 1; i < g.n; i++)
		assert_true(g.rec[i - 1].ts_ns <= g.rec[i].ts_ns);
	assert_int_equal(g.rec[0].cpu, 0);
	assert_int_equal(g.rec[1].cpu, 1);
	assert_int_equal(g.rec[2].cpu, 2);
	assert_int_equal(g.rec[3].type, STRATA_REC_LOSS);
	assert_int_equal(g.rec[3].lost, 7);
	assert_int_equal(g.rec[6].seq, 9);
	for (i = 0; i < 3; i++) {
		assert_int_equal(t[i].hdr->tail, t[i].head);
		tring_free(&t[i]);
	}
}

static int count_only(const struct strata_ring_rec *rec, void *arg)
{
	__u64 *sum = arg;
	__u32 i;

	/* Touch every byte handed out: ASan reports any read out of bounds. */
	if (rec->type == STRATA_REC_PACKET)
		for (i = 0; i < rec->pkt.caplen; i++)
			*sum += rec->data[i];
	return 0;
}

/* Valid rings with random bytes changed: a result or an error, never a crash. */
static void test_random_corruption(void **state)
{
	struct rng rng;
	unsigned int iter, i, bad = 0, ok = 0;
	__u64 sum = 0;

	(void)state;
	rng_seed(&rng, 7);
	for (iter = 0; iter < 20000; iter++) {
		struct tring t;
		char err[256];
		__u64 seq = 1;
		int rc;

		tring_init(&t, 0, rng_range(&rng, 0, 100) * 8);
		while (t.head - t.hdr->tail < DS - 1200) {
			if (rng_range(&rng, 0, 9) == 0)
				put_loss(&t, seq++, 1, iter);
			put_packet(&t, seq++, iter, (__u32)rng_range(&rng, 0, 300),
				   (__u8)iter);
		}
		for (i = (unsigned int)rng_range(&rng, 1, 4); i; i--)
			t.data[rng_range(&rng, 0, DS - 1)] = (__u8)rng_u64(&rng);
		if (rng_range(&rng, 0, 3) == 0)
			t.head += rng_range(&rng, 0, 64) * 8;
		publish(&t);
		rc = strata_ring_walk(&t.r, count_only, &sum, err, sizeof(err));
		if (rc == -EBADMSG) {
			bad++;
			assert_non_null(strstr(err, "ring 0"));
		} else {
			assert_true(rc >= 0);
			ok++;
		}
		tring_free(&t);
	}
	/* Both outcomes happen: the corruption is found, and missed when harmless. */
	assert_true(bad > 1000);
	assert_true(ok > 1000);
	print_message("random corruption: %u walks refused, %u read\n", bad, ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_pad_at_wrap),
		cmocka_unit_test(test_loss_and_gap),
		cmocka_unit_test(test_corrupt_len),
		cmocka_unit_test(test_corrupt_past_end),
		cmocka_unit_test(test_corrupt_caplen),
		cmocka_unit_test(test_bad_head_and_header),
		cmocka_unit_test(test_stop_early),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
