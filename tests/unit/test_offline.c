// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of the offline pipeline: strata_core_packet() counters and
 * fingerprints, and strata_offline_run() over capture files written here.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include "unit.h"
#include "pktbuild.h"
#include "offline.h"

#define W1S	1000000000ULL
#define SEC0	1700000000U

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/strata-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static const __u8 A4[4] = { 10, 0, 0, 1 }, B4[4] = { 10, 0, 0, 2 };

static void tcp4(struct pb *b, int rev, __u8 flags, __u32 seq, __u32 ack,
		 __u32 len)
{
	struct pb_ip4 h = { .ttl = 64, .id = 1 };
	struct pb_tcp t = { .sport = rev ? 80 : 40000, .dport = rev ? 40000 : 80,
			    .seq = seq, .ack = ack, .flags = flags, .win = 1000 };

	memcpy(h.src, rev ? B4 : A4, 4);
	memcpy(h.dst, rev ? A4 : B4, 4);
	pb_ip4(b, &h);
	pb_tcp(b, &t);
	pb_fill(b, len, (__u8)seq);
	pb_finish(b);
}

/* ---- strata_core_packet ---- */

static void test_core_packet(void **state)
{
	struct strata_counters c;
	struct strata_pkt pkt;
	struct strata_fp fp, want;
	struct pb b;
	struct pb_ip6 h6 = { .hlim = 1 };
	struct pb_ip4 h4 = { .ttl = 1, .mf = true };

	(void)state;
	memset(&c, 0, sizeof(c));
	tcp4(&b, 0, STRATA_TCP_ACK, 1, 1, 300);
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, 0, NULL, &pkt, &c),
			 STRATA_PARSE_OK);
	strata_core_fingerprint(b.d, b.len, &pkt, true, &fp, &c);
	strata_fp_compute(b.d + 40, 300, &want);
	assert_true(fp.hash == want.hash);
	assert_int_equal(fp.len, 300);
	assert_true(want.nseg > 0);
	assert_int_equal(fp.nseg, want.nseg);
	assert_memory_equal(fp.seg, want.seg, want.nseg * sizeof(want.seg[0]));
	/* Without segments: the same whole-payload hash and no segment. */
	memset(&fp, 0xee, sizeof(fp));
	strata_core_fingerprint(b.d, b.len, &pkt, false, &fp, &c);
	assert_true(fp.hash == want.hash);
	assert_int_equal(fp.len, 300);
	assert_int_equal(fp.nseg, 0);
	/* Cut by the snaplen: the fingerprint covers the bytes at hand. */
	assert_int_equal(strata_core_packet(b.d, 100, b.len, 0, NULL, &pkt, &c),
			 STRATA_PARSE_OK);
	strata_core_fingerprint(b.d, 100, &pkt, true, &fp, &c);
	strata_fp_compute(b.d + 40, 60, &want);
	assert_true(fp.hash == want.hash);
	assert_int_equal(fp.len, 60);
	/* No payload bytes at hand: an empty fingerprint, not counted. */
	strata_core_fingerprint(b.d, 40, &pkt, true, &fp, &c);
	assert_int_equal(fp.len, 0);
	assert_true(fp.hash == 0);
	assert_int_equal(fp.nseg, 0);

	assert_int_equal(strata_core_packet(b.d, 30, b.len, 0, NULL, &pkt, &c),
			 STRATA_PARSE_TRUNCATED);
	b.d[0] = 0x55;
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, 0, NULL, &pkt, &c),
			 STRATA_PARSE_UNSUPPORTED);
	b.d[0] = 0x44;
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, 0, NULL, &pkt, &c),
			 STRATA_PARSE_MALFORMED);

	pb_ip6(&b, &h6);
	pb_udp(&b, 1, 2);
	pb_fill(&b, 10, 1);
	pb_finish(&b);
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, 0, NULL, &pkt, &c),
			 STRATA_PARSE_OK);
	strata_core_fingerprint(b.d, b.len, &pkt, false, &fp, &c);
	assert_int_equal(fp.len, 10);

	pb_ip4(&b, &h4);
	pb_udp(&b, 1, 2);
	pb_fill(&b, 10, 1);
	pb_finish(&b);
	assert_int_equal(strata_core_packet(b.d, b.len, b.len, 0, NULL, &pkt, &c),
			 STRATA_PARSE_OK);

	assert_int_equal(c.seen, 7);
	assert_int_equal(c.parsed, 4);
	assert_int_equal(c.truncated, 1);
	assert_int_equal(c.malformed, 1);
	assert_int_equal(c.unsupported, 1);
	assert_int_equal(c.fragments, 1);
	assert_int_equal(c.ipv4, 3);
	assert_int_equal(c.ipv6, 1);
	assert_int_equal(c.fingerprints, 4);
	assert_int_equal(c.segmented, 2);
}

/* ---- capture files ---- */

struct rec {
	__u8 d[2048];
	__u32 caplen, len;
	__u64 ts_ns;
};

static void eth_wrap(struct rec *r, __u16 type, const __u8 *l3, __u32 n)
{
	static const __u8 macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	memcpy(r->d, macs, 12);
	r->d[12] = type >> 8;
	r->d[13] = type & 0xff;
	memcpy(r->d + 14, l3, n);
	r->caplen = r->len = 14 + n;
}

static void write_pcap(const char *path, int dlt, int nano, const struct rec *r,
		       int n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, 65535,
			nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *d;
	int i;

	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	for (i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		h.ts.tv_sec = r[i].ts_ns / W1S;
		h.ts.tv_usec = nano ? r[i].ts_ns % W1S : r[i].ts_ns % W1S / 1000;
		h.caplen = r[i].caplen;
		h.len = r[i].len;
		pcap_dump((u_char *)d, &h, r[i].d);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

struct seen {
	unsigned int npk, nclose;
	__u64 ts[32];
	__u32 frame_len[32];
	enum strata_parse_status st[32];
	struct strata_mflow mf[32];
	struct strata_mf_info info[32];
	unsigned int nrec;
	__u64 rec_frame[32];
	struct strata_rec_packet rec[32];
	__u8 rec_data[32][128];
};

static void on_record(const struct strata_rec_packet *rec, const __u8 *data,
		      __u64 frame, void *arg)
{
	struct seen *s = arg;

	if (s->nrec < 32) {
		s->rec_frame[s->nrec] = frame;
		s->rec[s->nrec] = *rec;
		memcpy(s->rec_data[s->nrec], data,
		       rec->caplen < 128 ? rec->caplen : 128);
	}
	s->nrec++;
}

static void on_packet(const struct strata_pkt *pkt, enum strata_parse_status st,
		      __u64 ts_ns, __u32 frame_len, void *arg)
{
	struct seen *s = arg;

	(void)pkt;
	if (s->npk < 32) {
		s->ts[s->npk] = ts_ns;
		s->frame_len[s->npk] = frame_len;
		s->st[s->npk] = st;
	}
	s->npk++;
}

static void on_close(const struct strata_mflow *mf,
		     const struct strata_mf_info *info, void *arg)
{
	struct seen *s = arg;

	if (s->nclose < 32) {
		s->mf[s->nclose] = *mf;
		s->info[s->nclose] = *info;
	}
	s->nclose++;
}

static int run(const char *path, struct strata_offline *o, struct seen *s)
{
	memset(o, 0, sizeof(*o));
	memset(s, 0, sizeof(*s));
	o->on_packet = on_packet;
	o->on_close = on_close;
	o->on_record = on_record;
	o->arg = s;
	return strata_offline_run(path, o);
}

/* Eight frames: TCP, ARP, VLAN+IPv6, a runt, a snaplen-cut one, padding,
 * and one in the next 1 s window. */
static int mixed(struct rec *r)
{
	static const __u8 arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	struct pb_ip6 h6 = { .hlim = 64, .src = { 0x20, 1, 0xd, 0xb8, [15] = 1 },
			     .dst = { 0x20, 1, 0xd, 0xb8, [15] = 2 } };
	struct pb_ip4 h4 = { .ttl = 64, .src = { 10, 0, 0, 3 }, .dst = { 10, 0, 0, 4 } };
	struct pb b;
	int n = 0;

	memset(r, 0, 8 * sizeof(*r));
	tcp4(&b, 0, STRATA_TCP_SYN, 100, 0, 0);
	eth_wrap(&r[n], 0x0800, b.d, b.len);
	r[n++].ts_ns = SEC0 * W1S + 100000;
	tcp4(&b, 1, STRATA_TCP_SYN | STRATA_TCP_ACK, 900, 101, 0);
	eth_wrap(&r[n], 0x0800, b.d, b.len);
	r[n++].ts_ns = SEC0 * W1S + 300000;
	eth_wrap(&r[n], 0x0806, arp, sizeof(arp));
	r[n++].ts_ns = SEC0 * W1S + 400000;
	/* VLAN 5, then IPv6/UDP. */
	pb_ip6(&b, &h6);
	pb_udp(&b, 5353, 5353);
	pb_fill(&b, 20, 3);
	pb_finish(&b);
	{
		__u8 tag[4] = { 0, 5, 0x86, 0xdd };
		__u8 l[2048];

		memcpy(l, tag, 4);
		memcpy(l + 4, b.d, b.len);
		eth_wrap(&r[n], 0x8100, l, 4 + b.len);
	}
	r[n++].ts_ns = SEC0 * W1S + 500000;
	/* A runt: 10 bytes. */
	eth_wrap(&r[n], 0x0800, b.d, 0);
	r[n].caplen = r[n].len = 10;
	r[n++].ts_ns = SEC0 * W1S + 600000;
	/* A TCP packet with 500 payload bytes, snaplen 64. */
	tcp4(&b, 0, STRATA_TCP_ACK, 101, 901, 500);
	eth_wrap(&r[n], 0x0800, b.d, b.len);
	r[n].caplen = 14 + 30;
	r[n++].ts_ns = SEC0 * W1S + 700000;
	/* A 32-byte datagram padded to the 60-byte Ethernet minimum. */
	pb_ip4(&b, &h4);
	pb_udp(&b, 7, 7);
	pb_fill(&b, 4, 4);
	pb_finish(&b);
	memset(b.d + b.len, 0, 14);
	eth_wrap(&r[n], 0x0800, b.d, b.len + 14);
	r[n++].ts_ns = SEC0 * W1S + 800000;
	/* Next window. */
	tcp4(&b, 0, STRATA_TCP_ACK, 101, 901, 0);
	eth_wrap(&r[n], 0x0800, b.d, b.len);
	r[n++].ts_ns = (SEC0 + 1ULL) * W1S + 500000000;
	return n;
}

static void check_mixed(const struct strata_offline *o, const struct seen *s,
			const struct rec *r, int nano)
{
	static const int ip_frames[] = { 0, 1, 3, 5, 6, 7 };
	unsigned int i;
	__u64 pk = 0;

	assert_int_equal(o->frames, 8);
	assert_int_equal(o->not_ip, 1);
	assert_int_equal(o->link_short, 1);
	assert_int_equal(o->counters.seen, 6);
	assert_int_equal(o->counters.parsed, 5);
	assert_int_equal(o->counters.truncated, 1);
	assert_int_equal(o->counters.malformed, 0);
	assert_int_equal(o->counters.ipv4, 4);
	assert_int_equal(o->counters.ipv6, 1);
	/* on_packet: every frame handed to the core, with its time and size. */
	assert_int_equal(s->npk, 6);
	for (i = 0; i < 6; i++) {
		const struct rec *x = &r[ip_frames[i]];
		__u64 want = nano ? x->ts_ns : x->ts_ns / 1000 * 1000;

		if (s->ts[i] != want)
			fail_msg("packet %u: ts %llu, want %llu", i,
				 (unsigned long long)s->ts[i],
				 (unsigned long long)want);
		assert_int_equal(s->frame_len[i], x->len);
	}
	assert_int_equal(s->st[3], STRATA_PARSE_TRUNCATED);
	/* Microflows: TCP in window 0, IPv6 UDP, padded UDP, TCP in window 1;
	 * all closed by the end of the run. */
	assert_int_equal(s->nclose, 4);
	assert_int_equal(o->table.closed, 4);
	assert_int_equal(o->table.live, 0);
	for (i = 0; i < s->nclose && i < 32; i++)
		pk += s->mf[i].dir[0].packets + s->mf[i].dir[1].packets;
	assert_int_equal(pk, o->table.packets);
	assert_int_equal(o->table.packets, 5);

	/*
	 * Records: one per parsed packet, numbered by frame (from 1), the
	 * bytes from the IP header on, link-layer padding left out; one key
	 * hash for both directions of the TCP conversation.
	 */
	{
		static const __u64 frames[] = { 1, 2, 4, 7, 8 };
		const struct strata_rec_packet *udp = &s->rec[3];

		assert_int_equal(s->nrec, 5);
		for (i = 0; i < 5; i++) {
			const struct rec *x = &r[frames[i] - 1];
			__u32 l3 = i == 2 ? 18 : 14;	/* VLAN tag */

			assert_int_equal(s->rec_frame[i], frames[i]);
			assert_int_equal(s->rec[i].caplen, s->rec[i].wire_len);
			assert_int_equal(s->rec[i].ts_ns, s->ts[i < 3 ? i : i + 1]);
			assert_memory_equal(s->rec_data[i], x->d + l3,
					    s->rec[i].caplen < 128 ? s->rec[i].caplen : 128);
		}
		assert_int_equal(udp->wire_len, 32);	/* not the 46 bytes framed */
		assert_int_equal(udp->proto, 17);
		assert_int_equal(udp->sport, 7);
		assert_int_equal(s->rec[2].family, 6);
		assert_int_equal(s->rec[0].tcp_flags, STRATA_TCP_SYN);
		assert_true(s->rec[0].key_hash == s->rec[1].key_hash);
		assert_true(s->rec[0].key_hash == s->rec[4].key_hash);
		assert_true(s->rec[0].key_hash != s->rec[3].key_hash);
		assert_int_equal(s->rec[0].dir, !s->rec[1].dir);
		assert_int_equal(s->rec[0].hook, STRATA_HOOK_PRE_ROUTING);
	}
	/* Each microflow numbered in close order and pointing at its frames. */
	for (i = 0; i < 4; i++) {
		const struct strata_mf_info *in = &s->info[i];
		const struct strata_mflow *mf = &s->mf[i];

		assert_true(in->has_seq);
		assert_int_equal(in->seq, i + 1);
		assert_true(in->has_ring);
		assert_int_equal(in->window_ns, W1S);
		if (mf->key.proto == 6 && mf->window_start == SEC0 * W1S) {
			assert_int_equal(in->ring_first, 1);
			assert_int_equal(in->ring_last, 2);
			assert_true(in->key_hash == s->rec[0].key_hash);
		} else if (mf->key.proto == 6) {
			assert_int_equal(in->ring_first, 8);
			assert_int_equal(in->ring_last, 8);
		} else {
			assert_int_equal(in->ring_first, in->ring_last);
		}
	}
}

static void test_run_pcap(void **state)
{
	struct strata_offline o;
	struct rec r[8];
	struct seen s;
	char path[128];
	int nano;

	(void)state;
	for (nano = 0; nano <= 1; nano++) {
		int n = mixed(r);

		path_of(path, sizeof(path), nano ? "mixed-ns.pcap" : "mixed-us.pcap");
		write_pcap(path, DLT_EN10MB, nano, r, n);
		if (run(path, &o, &s))
			fail_msg("%s: %s", path, o.errbuf);
		check_mixed(&o, &s, r, nano);
	}
}

static void test_run_linktypes(void **state)
{
	static const struct {
		int dlt;
		__u8 hdr[20];
		__u32 hlen;
	} lt[] = {
		{ DLT_RAW, { 0 }, 0 },
		{ DLT_IPV4, { 0 }, 0 },
		{ DLT_LINUX_SLL, { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 8, 0 }, 16 },
		{ DLT_LINUX_SLL2, { 8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0 }, 20 },
		{ DLT_NULL, { 2, 0, 0, 0 }, 4 },	/* little-endian host */
		{ DLT_LOOP, { 0, 0, 0, 2 }, 4 },
	};
	struct strata_offline o;
	struct seen s;
	struct rec r[2];
	char path[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lt) / sizeof(lt[0]); i++) {
		struct pb b;
		int k;

		for (k = 0; k < 2; k++) {
			tcp4(&b, k, k ? STRATA_TCP_SYN | STRATA_TCP_ACK :
				    STRATA_TCP_SYN, k ? 900 : 100, k ? 101 : 0, 0);
			memcpy(r[k].d, lt[i].hdr, lt[i].hlen);
			memcpy(r[k].d + lt[i].hlen, b.d, b.len);
			r[k].caplen = r[k].len = lt[i].hlen + b.len;
			r[k].ts_ns = SEC0 * W1S + 1000 * (k + 1);
		}
		snprintf(path, sizeof(path), "%s/dlt%d.pcap", dir, lt[i].dlt);
		write_pcap(path, lt[i].dlt, 0, r, 2);
		if (run(path, &o, &s))
			fail_msg("DLT %d: %s", lt[i].dlt, o.errbuf);
		if (o.counters.parsed != 2 || s.nclose != 1 ||
		    s.mf[0].dir[0].packets != 1 || s.mf[0].dir[1].packets != 1)
			fail_msg("DLT %d: parsed %llu, closed %u, want 2 and 1 with 1+1 packets",
				 lt[i].dlt, (unsigned long long)o.counters.parsed,
				 s.nclose);
	}

	/* 802.11: not a link type strata reads. */
	path_of(path, sizeof(path), "wifi.pcap");
	write_pcap(path, DLT_IEEE802_11, 0, r, 1);
	assert_int_equal(run(path, &o, &s), -EPROTONOSUPPORT);
	assert_true(o.errbuf[0]);
}

static void put_le32(FILE *f, __u32 v)
{
	assert_int_equal(fwrite(&v, 4, 1, f), 1);	/* little-endian host */
}

static void test_run_pcapng(void **state)
{
	struct strata_offline o;
	struct seen s;
	char path[128];
	struct pb b;
	FILE *f;
	int k;

	(void)state;
	path_of(path, sizeof(path), "two.pcapng");
	f = fopen(path, "wb");
	assert_non_null(f);
	/* Section header, interface (Ethernet), two enhanced packet blocks. */
	put_le32(f, 0x0a0d0d0a); put_le32(f, 28); put_le32(f, 0x1a2b3c4d);
	put_le32(f, 1); put_le32(f, 0xffffffff); put_le32(f, 0xffffffff);
	put_le32(f, 28);
	put_le32(f, 1); put_le32(f, 20); put_le32(f, 1); put_le32(f, 65535);
	put_le32(f, 20);
	for (k = 0; k < 2; k++) {
		__u64 us = (__u64)SEC0 * 1000000 + 10 * (k + 1);
		__u8 eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0 };
		__u32 len, pad;
		static const __u8 zero[4];

		tcp4(&b, k, k ? STRATA_TCP_SYN | STRATA_TCP_ACK : STRATA_TCP_SYN,
		     k ? 900 : 100, k ? 101 : 0, 0);
		len = 14 + b.len;
		pad = (4 - len % 4) % 4;
		put_le32(f, 6); put_le32(f, 32 + len + pad); put_le32(f, 0);
		put_le32(f, us >> 32); put_le32(f, (__u32)us);
		put_le32(f, len); put_le32(f, len);
		assert_int_equal(fwrite(eth, 14, 1, f), 1);
		assert_int_equal(fwrite(b.d, b.len, 1, f), 1);
		if (pad)
			assert_int_equal(fwrite(zero, pad, 1, f), 1);
		put_le32(f, 32 + len + pad);
	}
	fclose(f);
	if (run(path, &o, &s))
		fail_msg("%s: %s", path, o.errbuf);
	assert_int_equal(o.frames, 2);
	assert_int_equal(o.counters.parsed, 2);
	assert_int_equal(s.nclose, 1);
	assert_true(s.ts[0] == (__u64)SEC0 * W1S + 10000);
	assert_true(s.ts[1] == (__u64)SEC0 * W1S + 20000);
}

/*
 * The segment budget through a whole run: 12 data segments one way in one
 * window and 6 in the next get the default budget's segment hashes on 4 + 4
 * of them; with STRATA_FP_SEG_ALL on all 18. Every one gets its hash.
 */
static void test_run_fp_segments(void **state)
{
	static struct rec r[18];
	struct strata_offline o;
	struct seen s;
	char path[128];
	int k, all;

	(void)state;
	for (k = 0; k < 18; k++) {
		struct pb b;

		tcp4(&b, 0, STRATA_TCP_ACK, 1 + 200 * k, 1, 200);
		eth_wrap(&r[k], 0x0800, b.d, b.len);
		r[k].ts_ns = (__u64)SEC0 * W1S + 1000 * (__u64)k + (k < 12 ? 0 : W1S);
	}
	path_of(path, sizeof(path), "segments.pcap");
	write_pcap(path, DLT_EN10MB, 1, r, 18);
	for (all = 0; all <= 1; all++) {
		memset(&o, 0, sizeof(o));
		memset(&s, 0, sizeof(s));
		o.fp_segments = all ? STRATA_FP_SEG_ALL : 0;
		if (strata_offline_run(path, &o))
			fail_msg("%s: %s", path, o.errbuf);
		assert_int_equal(o.counters.parsed, 18);
		assert_int_equal(o.counters.fingerprints, 18);
		assert_int_equal(o.counters.segmented, all ? 18 : 8);
	}
}

static void test_run_errors(void **state)
{
	struct strata_offline o;
	struct rec r[8];
	struct seen s;
	char path[128];
	FILE *f;
	long size;
	int n;

	(void)state;
	path_of(path, sizeof(path), "does-not-exist.pcap");
	assert_int_equal(run(path, &o, &s), -ENOENT);
	assert_non_null(strstr(o.errbuf, "does-not-exist.pcap"));

	path_of(path, sizeof(path), "text.pcap");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a capture file, but it is long enough to have a header\n", f);
	fclose(f);
	assert_int_equal(run(path, &o, &s), -EINVAL);
	assert_true(o.errbuf[0]);

	path_of(path, sizeof(path), "empty.pcap");
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(run(path, &o, &s), -EINVAL);

	/*
	 * A file cut in the middle of its last record: -EIO, after the
	 * records before it were accounted and their microflows closed.
	 */
	n = mixed(r);
	path_of(path, sizeof(path), "cut.pcap");
	write_pcap(path, DLT_EN10MB, 0, r, n);
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_int_equal(truncate(path, size - 10), 0);
	assert_int_equal(run(path, &o, &s), -EIO);
	assert_true(o.errbuf[0]);
	assert_non_null(strstr(o.errbuf, "cut.pcap"));
	assert_int_equal(o.frames, 7);
	assert_int_equal(o.counters.seen, 5);
	assert_int_equal(o.counters.parsed, 4);
	/* TCP window 0, IPv6 UDP, padded UDP. */
	assert_int_equal(s.nclose, 3);
	assert_int_equal(o.table.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_packet),
		cmocka_unit_test(test_run_pcap),
		cmocka_unit_test(test_run_linktypes),
		cmocka_unit_test(test_run_pcapng),
		cmocka_unit_test(test_run_fp_segments),
		cmocka_unit_test(test_run_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
