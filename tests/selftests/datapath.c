// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The kernel datapath end to end: packet records in the rings, closed
 * microflows from the multicast group, the live table dump, configuration
 * (generation, windows, detail filters, the table cap), ring overruns and
 * namespace isolation. Every check compares what the kernel reports with what
 * the test sent or with another view of the same packets (records against
 * microflows, records against a capture read by tshark).
 */
#include <sched.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include "strata_selftest.h"
#include "mf_wait.h"
#include "core/fingerprint.h"
#include "genl.h"
#include "ring.h"

#define UPORT 9100
#define TPORT 9101
#define SNAP 96

/* ---- collecting what the kernel reports ---- */

struct rec {
	unsigned int cpu;
	unsigned int type;
	__u64 seq, lost;
	struct strata_rec_packet p;
	__u8 data[SNAP > 256 ? SNAP : 256];
};

struct recs {
	struct rec *r;
	size_t n, cap;
	size_t gaps;	/* STRATA_REC_GAP: sequence gaps no loss record explains */
};

static int on_rec(const struct strata_ring_rec *rr, void *arg)
{
	struct recs *rs = arg;
	struct rec *r;

	if (rr->type == STRATA_REC_GAP)
		rs->gaps++;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 1024;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		if (!rs->r)
			return -ENOMEM;
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->cpu = rr->cpu;
	r->type = rr->type;
	r->seq = rr->seq;
	r->lost = rr->lost;
	if (rr->type == STRATA_REC_PACKET) {
		r->p = rr->pkt;
		memcpy(r->data, rr->data,
		       rr->pkt.caplen < sizeof(r->data) ? rr->pkt.caplen : sizeof(r->data));
	}
	return 0;
}

/* Read every record waiting in the rings. Return: 0 or -errno. */
static int drain(struct strata_rings *rings, struct recs *rs, char *err, size_t n)
{
	int ret;

	do
		ret = strata_rings_read(rings, on_rec, rs, err, n);
	while (ret > 0);
	return ret;
}

struct mfs {
	struct {
		struct strata_mflow mf;
		struct strata_mf_info info;
	} *m;
	size_t n, cap;
	size_t lost;
};

static int on_mf(const struct strata_mflow *mf, const struct strata_mf_info *info,
		 void *arg)
{
	struct mfs *ms = arg;

	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? 2 * ms->cap : 256;
		ms->m = realloc(ms->m, ms->cap * sizeof(*ms->m));
		if (!ms->m)
			return -ENOMEM;
	}
	ms->m[ms->n].mf = *mf;
	ms->m[ms->n].info = *info;
	ms->n++;
	return 0;
}

static int on_mf_loss(const struct strata_mf_loss *loss, void *arg)
{
	struct mfs *ms = arg;

	ms->lost += loss->count ? loss->count : 1;
	return 0;
}

/* Receive closed microflows until none came for @quiet_ms. */
static int collect_closed(struct strata_genl *sub, struct mfs *ms,
			  unsigned int quiet_ms, char *err, size_t n)
{
	int ret;

	while ((ret = selftest_mf_wait(sub, quiet_ms, on_mf, on_mf_loss, ms, err, n)) > 0)
		;
	return ret;
}

/* A handle of each kind, opened in namespace @ns. */
struct view {
	struct strata_genl *g;		/* requests */
	struct strata_genl *sub;	/* closed microflows */
	struct strata_rings *rings;
	char err[512];
};

static int view_open(struct view *v, const char *ns, bool rings)
{
	int old = strata_netns_enter(ns), ret = 0;

	memset(v, 0, sizeof(*v));
	if (old < 0)
		return old;
	v->g = strata_genl_open(v->err, sizeof(v->err));
	v->sub = v->g ? strata_genl_open(v->err, sizeof(v->err)) : NULL;
	if (!v->sub || strata_genl_subscribe(v->sub, v->err, sizeof(v->err)))
		ret = -1;
	if (!ret && rings) {
		v->rings = strata_rings_open(v->err, sizeof(v->err));
		if (!v->rings)
			ret = -1;
	}
	strata_netns_leave(old);
	return ret;
}

static void view_close(struct view *v)
{
	strata_rings_close(v->rings);
	strata_genl_close(v->sub);
	strata_genl_close(v->g);
	memset(v, 0, sizeof(*v));
}

/* Set fields of a namespace's configuration; @out gets the result. */
static int set_config(struct view *v, const struct strata_config *want,
		      unsigned int which, struct strata_config *out)
{
	return strata_genl_config_set(v->g, want, which, out, v->err, sizeof(v->err));
}

static void v4mapped(__u8 a[16], const char *ip4)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	inet_pton(AF_INET, ip4, a + 12);
}

/* ---- TCP exchanges ---- */

static int tcp_listen_in(const char *ns, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = strata_sockaddr(AF_INET, STRATA_B4, port, &ss);
	int fd = strata_socket_in(ns, AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* One request/response from A to B's listener: @q bytes out, @r back. */
static int tcp_exchange(const char *a, int lfd, size_t q, size_t r)
{
	static char buf[65536];
	struct sockaddr_storage ss;
	socklen_t sl = strata_sockaddr(AF_INET, STRATA_B4, TPORT, &ss);
	int c = strata_socket_in(a, AF_INET, SOCK_STREAM, 0), s = -1, ret = -1;

	if (c < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&ss, sl))
		goto out;
	if (write(c, strata_udp_payload(q), q) != (ssize_t)q)
		goto out;
	s = accept(lfd, NULL, NULL);
	if (s < 0 || read_full(s, buf, q))
		goto out;
	if (write(s, strata_udp_payload(r), r) != (ssize_t)r)
		goto out;
	if (read_full(c, buf, r))
		goto out;
	shutdown(c, SHUT_WR);
	if (read(s, buf, 1) != 0)	/* the client's FIN */
		goto out;
	close(s);
	s = -1;
	if (read(c, buf, 1) != 0)	/* the server's FIN */
		goto out;
	ret = 0;
out:
	if (s >= 0)
		close(s);
	close(c);
	return ret;
}

/* ---- comparing microflows with records ---- */

static bool in_window(const struct strata_rec_packet *p, const struct strata_mflow *mf,
		      const struct strata_mf_info *info)
{
	return p->ts_ns >= mf->window_start &&
	       p->ts_ns < mf->window_start + info->window_ns;
}

/*
 * Aggregate the records of one closed microflow and compare, field by field,
 * what both directions say. Return: 0, or -1 with @why filled in.
 */
static int mf_vs_records(const struct strata_mflow *mf, const struct strata_mf_info *info,
			 const struct recs *rs, char *why, size_t whylen)
{
	struct strata_dir_stats want[2];
	__u64 ring_first = UINT64_MAX, ring_last = 0, first_ts = UINT64_MAX, last_ts = 0;
	size_t i;
	int d, f;

	memset(want, 0, sizeof(want));
	for (i = 0; i < rs->n; i++) {
		const struct strata_rec_packet *p = &rs->r[i].p;
		struct strata_dir_stats *w;
		__u64 pos = (__u64)rs->r[i].cpu << 48 | rs->r[i].seq;

		if (rs->r[i].type != STRATA_REC_PACKET || p->key_hash != info->key_hash ||
		    !in_window(p, mf, info))
			continue;
		w = &want[p->dir];
		if (!w->packets || p->ttl < w->ttl_min)
			w->ttl_min = p->ttl;
		if (p->ttl > w->ttl_max)
			w->ttl_max = p->ttl;
		if (!w->packets || p->ts_ns < w->first_ns)
			w->first_ns = p->ts_ns;
		if (p->ts_ns > w->last_ns)
			w->last_ns = p->ts_ns;
		w->packets++;
		w->size.n++;
		w->size.sum += p->wire_len;
		w->bytes += p->wire_len;
		w->payload_bytes += p->payload_len;
		for (f = 0; f < STRATA_TCP_NFLAGS; f++)
			w->tcp_flags[f] += !!(p->tcp_flags & 1u << f);
		if (p->ts_ns < first_ts) {
			first_ts = p->ts_ns;
			ring_first = pos;
		}
		if (p->ts_ns >= last_ts) {
			last_ts = p->ts_ns;
			ring_last = pos;
		}
	}
	for (d = 0; d < 2; d++) {
		const struct strata_dir_stats *g = &mf->dir[d], *w = &want[d];

#define CMP(field) do { \
	if (g->field != w->field) { \
		snprintf(why, whylen, "key %016llx window %llu dir %d: " #field \
			 " %llu in the microflow, %llu in the records", \
			 (unsigned long long)info->key_hash, \
			 (unsigned long long)mf->window_start, d, \
			 (unsigned long long)g->field, (unsigned long long)w->field); \
		return -1; \
	} \
} while (0)
		CMP(packets);
		CMP(bytes);
		CMP(payload_bytes);
		CMP(first_ns);
		CMP(last_ns);
		if (w->packets) {
			CMP(ttl_min);
			CMP(ttl_max);
			CMP(size.n);
			CMP(size.sum);
		}
		for (f = 0; f < STRATA_TCP_NFLAGS; f++)
			CMP(tcp_flags[f]);
#undef CMP
	}
	if (!info->has_ring || info->ring_first != ring_first ||
	    info->ring_last != ring_last) {
		snprintf(why, whylen, "key %016llx: ring range %llx..%llx in the microflow, "
			 "%llx..%llx in the records", (unsigned long long)info->key_hash,
			 (unsigned long long)info->ring_first,
			 (unsigned long long)info->ring_last,
			 (unsigned long long)ring_first, (unsigned long long)ring_last);
		return -1;
	}
	return 0;
}

/* ---- tests ---- */

FIXTURE(dp) {
	struct strata_pair p;
	struct view va, vb;
	struct recs ra, rb;
	struct mfs ma, mb;
};

FIXTURE_SETUP(dp)
{
	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, strata_module_load()) TH_LOG("insmod %s failed", strata_ko());
	ASSERT_EQ(0, strata_pair_setup(&self->p, "dp"));
	ASSERT_EQ(0, view_open(&self->va, self->p.a, true)) TH_LOG("A: %s", self->va.err);
	ASSERT_EQ(0, view_open(&self->vb, self->p.b, true)) TH_LOG("B: %s", self->vb.err);
}

FIXTURE_TEARDOWN(dp)
{
	view_close(&self->va);
	view_close(&self->vb);
	free(self->ra.r);
	free(self->rb.r);
	free(self->ma.m);
	free(self->mb.m);
	strata_pair_teardown(&self->p);
}

/*
 * UDP datagrams of known sizes and TCP request/response conversations from A
 * to B: each packet has one record in B with the fields it was sent with,
 * the payload hash libstrata computes and the first SNAP bytes; every closed
 * microflow equals the aggregate of its records; sequence numbers have no
 * gap; a capture taken on B's interface at the same time, read by tshark,
 * lists the same packets.
 */
TEST_F_TIMEOUT(dp, records_and_microflows, 300)
{
	static const size_t sizes[] = { 0, 1, 17, 64, 95, 200, 512, 1000, 1400, 1472 };
	const size_t nudp = 40, ntcp = 4;
	struct strata_config want = { 0 }, cfg;
	char why[512], pcap[128], cmd[1024];
	size_t i, n4 = 0, n6 = 0, ntcp_rec = 0, nmf = 0;
	__u64 udp_pkts[2] = { 0, 0 }, mf_udp_pkts[2] = { 0, 0 };
	struct strata_procstats b0, b1;
	int tx4, tx6, rx4, rx6, lfd;
	__u8 a4[16], b4[16];
	FILE *ts;

	want.window_ms = 1000;
	want.snaplen = SNAP;
	want.flags = STRATA_CFG_F_FINGERPRINT | STRATA_CFG_F_RECORDS;
	ASSERT_EQ(0, set_config(&self->vb, &want, STRATA_CONFIG_WINDOW | STRATA_CONFIG_SNAPLEN |
				STRATA_CONFIG_FLAGS, &cfg)) TH_LOG("%s", self->vb.err);
	ASSERT_EQ(SNAP, cfg.snaplen);
	ASSERT_EQ(1000, cfg.window_ms);

	rx4 = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	rx6 = strata_udp_bound(self->p.b, AF_INET6, STRATA_B6, UPORT);
	tx4 = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
	tx6 = strata_socket_in(self->p.a, AF_INET6, SOCK_DGRAM, 0);
	lfd = tcp_listen_in(self->p.b, TPORT);
	ASSERT_LE(0, rx4);
	ASSERT_LE(0, rx6);
	ASSERT_LE(0, tx4);
	ASSERT_LE(0, tx6);
	ASSERT_LE(0, lfd);

	/*
	 * A capture of B's side, by dumpcap, for tshark to read afterwards. It
	 * counts as started once it has captured a marker datagram (port
	 * UPORT + 2, left out of both counts), sent until it shows up.
	 */
	snprintf(pcap, sizeof(pcap), "/tmp/dp-%d.pcapng", (int)getpid());
	ASSERT_EQ(0, strata_sh("ip netns exec %1$s dumpcap -i vb -f 'udp portrange %3$d-%5$d"
			       " or tcp port %4$d' -w %2$s 2>/tmp/dumpcap-%6$d.log &"
			       " echo $! >/tmp/dumpcap-%6$d.pid;"
			       " for i in $(seq 150); do"
			       " ip netns exec %7$s bash -c 'echo m >/dev/udp/" STRATA_B4 "/%5$d';"
			       " grep -q 'Packets: [1-9]' /tmp/dumpcap-%6$d.log && exit 0; sleep 0.2;"
			       " done; cat /tmp/dumpcap-%6$d.log; exit 1",
			       self->p.b, pcap, UPORT, TPORT, UPORT + 2, (int)getpid(), self->p.a))
		TH_LOG("dumpcap did not capture the marker in B");

	ASSERT_EQ(0, strata_stats_read(self->p.b, &b0));
	drain(self->vb.rings, &self->rb, why, sizeof(why));	/* before the test */
	self->rb.n = 0;
	for (i = 0; i < nudp; i++) {
		size_t len = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		bool v6 = i % 3 == 2;

		if (v6 && len > 1400)	/* unfragmented: 1452 at most over IPv6 */
			len = 1400;

		ASSERT_EQ(0, strata_udp_send(v6 ? tx6 : tx4, v6 ? AF_INET6 : AF_INET,
					     v6 ? STRATA_B6 : STRATA_B4, UPORT, len));
		if (v6)
			n6++;
		else
			n4++;
	}
	for (i = 0; i < ntcp; i++)
		ASSERT_EQ(0, tcp_exchange(self->p.a, lfd, 100 + 50 * i, 1000 + 100 * i))
			TH_LOG("TCP exchange %zu", i);
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b1));

	/* Let the windows close, then collect everything. */
	strata_sleep_ms(1500);
	ASSERT_EQ(0, collect_closed(self->vb.sub, &self->mb, 1500, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_LE(0, drain(self->vb.rings, &self->rb, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, strata_sh("kill -INT $(cat /tmp/dumpcap-%d.pid); sleep 1", (int)getpid()));

	ASSERT_EQ(0, self->rb.gaps) TH_LOG("sequence gaps without a loss record");
	ASSERT_EQ(0, self->mb.lost) TH_LOG("closed microflows lost");
	b1 = strata_stats_sub(&b1, &b0);
	ASSERT_EQ(0, b1.ring_drops);
	ASSERT_EQ(b1.parsed, b1.records) TH_LOG("every parsed packet has a record");

	/* The UDP records: one per datagram, with the fields it was sent with. */
	v4mapped(a4, STRATA_A4);
	v4mapped(b4, STRATA_B4);
	for (i = 0; i < self->rb.n; i++) {
		const struct rec *r = &self->rb.r[i];
		const struct strata_rec_packet *p = &r->p;
		size_t len, hl;
		struct strata_fp fp;

		if (r->type != STRATA_REC_PACKET)
			continue;
		ASSERT_EQ(cfg.generation, p->generation);
		if (p->proto == 6 && (p->sport == TPORT || p->dport == TPORT))
			ntcp_rec++;
		if (p->proto != 17 || p->dport != UPORT)
			continue;
		hl = p->family == 4 ? 28 : 48;
		len = p->wire_len - hl;
		ASSERT_EQ(STRATA_HOOK_PRE_ROUTING, p->hook);
		ASSERT_EQ(len, p->payload_len);
		ASSERT_EQ(64, p->ttl);
		ASSERT_EQ(p->wire_len < SNAP ? p->wire_len : SNAP, p->caplen);
		if (p->family == 4) {
			ASSERT_EQ(0, memcmp(p->saddr, a4, 16));
			ASSERT_EQ(0, memcmp(p->daddr, b4, 16));
		}
		/* The bytes: the IP header's version, then the payload we sent. */
		ASSERT_EQ(p->family, r->data[0] >> 4);
		if (p->caplen > hl)
			ASSERT_EQ(0, memcmp(r->data + hl, strata_udp_payload(len), p->caplen - hl));
		strata_fp_hash((const __u8 *)strata_udp_payload(len), (__u32)len, &fp);
		ASSERT_TRUE(fp.hash == p->fp_hash) TH_LOG("payload hash of a %zu-byte datagram", len);
		ASSERT_EQ(len, p->fp_len);
		udp_pkts[p->family == 6]++;
	}
	ASSERT_EQ(n4, udp_pkts[0]);
	ASSERT_EQ(n6, udp_pkts[1]);
	/* SYN, SYN-ACK, ACK, request, its ACK, response, ACK, FIN/ACK x2, at least. */
	ASSERT_LE(ntcp * 7, ntcp_rec);

	/* Every closed microflow equals its records; UDP totals add up. */
	for (i = 0; i < self->mb.n; i++) {
		const struct strata_mflow *mf = &self->mb.m[i].mf;
		const struct strata_mf_info *info = &self->mb.m[i].info;

		ASSERT_EQ(0, mf->window_start % info->window_ns);
		ASSERT_EQ(1000000000ULL, info->window_ns);
		if (mf->key.proto == 17 && (mf->key.port[0] == UPORT || mf->key.port[1] == UPORT)) {
			int to_b = mf->key.port[1] == UPORT ? 0 : 1;

			mf_udp_pkts[mf->key.family == 6] += mf->dir[to_b].packets;
		}
		/* Not the capture's markers, sent before the records were reset. */
		if ((mf->key.proto != 17 && mf->key.proto != 6) ||
		    mf->key.port[0] == UPORT + 2 || mf->key.port[1] == UPORT + 2)
			continue;
		ASSERT_EQ(0, mf_vs_records(mf, info, &self->rb, why, sizeof(why)))
			TH_LOG("%s", why);
		nmf++;
	}
	ASSERT_EQ(n4, mf_udp_pkts[0]);
	ASSERT_EQ(n6, mf_udp_pkts[1]);
	ASSERT_LE(2 + ntcp, nmf);

	/* tshark on the capture: the same packets, the same IP lengths. */
	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -Y '!(udp.port == %d)' -T fields"
		 " -e frame.len 2>/dev/null", pcap, UPORT + 2);
	ts = popen(cmd, "r");
	ASSERT_NE(NULL, ts);
	{
		size_t nts = 0, nrec = 0, j;
		__u64 sum_ts = 0, sum_rec = 0;
		char line[128];

		while (fgets(line, sizeof(line), ts)) {
			unsigned long flen;

			if (sscanf(line, "%lu", &flen) != 1)
				continue;
			nts++;
			sum_ts += flen - 14;	/* Ethernet header */
		}
		ASSERT_EQ(0, pclose(ts)) TH_LOG("tshark -r %s failed", pcap);
		for (j = 0; j < self->rb.n; j++) {
			const struct strata_rec_packet *p = &self->rb.r[j].p;

			if (self->rb.r[j].type != STRATA_REC_PACKET ||
			    !((p->proto == 17 && (p->sport == UPORT || p->dport == UPORT)) ||
			      (p->proto == 6 && (p->sport == TPORT || p->dport == TPORT))))
				continue;
			nrec++;
			sum_rec += p->wire_len;
		}
		if (nts != nrec) {
			strata_sh("tshark -n -r %s", pcap);
			for (j = 0; j < self->rb.n; j++) {
				const struct strata_rec_packet *p = &self->rb.r[j].p;

				if (self->rb.r[j].type == STRATA_REC_PACKET)
					TH_LOG("record: hook %u proto %u %u > %u len %u flags %#x",
					       p->hook, p->proto, p->sport, p->dport,
					       p->wire_len, p->tcp_flags);
			}
		}
		ASSERT_EQ(nts, nrec) TH_LOG("tshark read %zu packets, the rings hold %zu", nts, nrec);
		ASSERT_EQ(sum_ts, sum_rec) TH_LOG("IP bytes: tshark %llu, records %llu",
						  (unsigned long long)sum_ts,
						  (unsigned long long)sum_rec);
	}
	close(rx4);
	close(rx6);
	close(tx4);
	close(tx6);
	close(lfd);
	unlink(pcap);
}

/*
 * Checks the records of one namespace for the GSO test: each data segment
 * from A to B has the hash of the first wire packet's payload, the bytes at
 * its offset in the stream. Return: how many GSO packets (more than one
 * wire packet) there were, or -1 with @why filled.
 */
static int gso_check(const struct recs *rs, __u8 hook, const char *data, size_t total,
		     char *why, size_t whylen)
{
	__u32 isn = 0;
	bool have_isn = false;
	int gso = 0;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct strata_rec_packet *p = &rs->r[i].p;
		__u32 want_len, off;
		struct strata_fp fp;

		if (rs->r[i].type != STRATA_REC_PACKET || p->proto != 6 ||
		    p->dport != TPORT || p->hook != hook)
			continue;
		if (p->tcp_flags & 0x02) {	/* SYN */
			isn = p->tcp_seq;
			have_isn = true;
			continue;
		}
		if (!p->payload_len)
			continue;
		if (!have_isn) {
			snprintf(why, whylen, "a data segment before the SYN's record");
			return -1;
		}
		off = p->tcp_seq - isn - 1;
		if (off + p->payload_len > total) {
			snprintf(why, whylen, "segment at %u+%u past the %zu bytes sent",
				 off, p->payload_len, total);
			return -1;
		}
		want_len = p->payload_len;
		if (p->gso_size && p->gso_size < p->payload_len) {
			want_len = p->gso_size;
			gso++;
			if (p->gso_segs &&
			    p->gso_segs != (p->payload_len + p->gso_size - 1) / p->gso_size) {
				snprintf(why, whylen, "gso_segs %u for %u bytes of %u",
					 p->gso_segs, p->payload_len, p->gso_size);
				return -1;
			}
		}
		strata_fp_hash((const __u8 *)data + off, want_len, &fp);
		if (p->fp_len != want_len || p->fp_hash != fp.hash) {
			snprintf(why, whylen, "segment at %u (%u bytes, gso_size %u): fp_len %u "
				 "hash %016llx, want %u %016llx", off, p->payload_len,
				 p->gso_size, p->fp_len, (unsigned long long)p->fp_hash,
				 want_len, (unsigned long long)fp.hash);
			return -1;
		}
	}
	return gso;
}

/*
 * TSO and GSO: a TCP send of 64 KB is one packet at A's LOCAL_OUT and,
 * across the veth, at B's PRE_ROUTING. Its record says how many wire packets
 * it stands for, and its fingerprint is that of the first of them, the
 * bytes any other host would see as one packet; every other segment's is
 * its whole payload's.
 */
TEST_F_TIMEOUT(dp, gso_fingerprint, 120)
{
	const size_t total = 4 * 65536;
	struct strata_config want = { 0 }, cfg;
	struct sockaddr_storage ss;
	socklen_t sl = strata_sockaddr(AF_INET, STRATA_B4, TPORT, &ss);
	int lfd, c, s, gso_a, gso_b;
	static char buf[65536];
	const char *data;
	char why[512];
	size_t got = 0;

	want.flags = STRATA_CFG_F_FINGERPRINT | STRATA_CFG_F_RECORDS;
	ASSERT_EQ(0, set_config(&self->va, &want, STRATA_CONFIG_FLAGS, &cfg))
		TH_LOG("%s", self->va.err);
	ASSERT_EQ(0, set_config(&self->vb, &want, STRATA_CONFIG_FLAGS, &cfg))
		TH_LOG("%s", self->vb.err);
	drain(self->va.rings, &self->ra, why, sizeof(why));
	drain(self->vb.rings, &self->rb, why, sizeof(why));
	self->ra.n = self->rb.n = 0;

	lfd = tcp_listen_in(self->p.b, TPORT);
	ASSERT_LE(0, lfd);
	c = strata_socket_in(self->p.a, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&ss, sl));
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	data = strata_udp_payload(65536);	/* the pattern, repeated */
	while (got < total) {
		size_t chunk = total - got < 65536 ? total - got : 65536;

		ASSERT_EQ((ssize_t)chunk, write(c, data, chunk));
		ASSERT_EQ(0, read_full(s, buf, chunk));
		got += chunk;
	}
	close(c);
	close(s);
	close(lfd);
	ASSERT_LE(0, drain(self->va.rings, &self->ra, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_LE(0, drain(self->vb.rings, &self->rb, why, sizeof(why))) TH_LOG("%s", why);

	{
		/* The stream: the 64 KB pattern four times over. */
		char *stream = malloc(total);
		size_t k;

		ASSERT_NE(NULL, stream);
		for (k = 0; k < total; k += 65536)
			memcpy(stream + k, data, 65536);
		gso_a = gso_check(&self->ra, STRATA_HOOK_LOCAL_OUT, stream, total, why, sizeof(why));
		if (gso_a < 0)
			TH_LOG("A's LOCAL_OUT: %s", why);
		gso_b = gso_check(&self->rb, STRATA_HOOK_PRE_ROUTING, stream, total, why, sizeof(why));
		if (gso_b < 0)
			TH_LOG("B's PRE_ROUTING: %s", why);
		free(stream);
	}
	/* A veth is created with TSO and GSO on: sends of 64 KB are GSO packets. */
	ASSERT_LT(0, gso_a) TH_LOG("no GSO packet among A's records (TSO off on the veth?)");
	ASSERT_LT(0, gso_b) TH_LOG("no GSO packet among B's records (TSO off on the veth?)");
	ASSERT_EQ(0, self->ra.gaps);
	ASSERT_EQ(0, self->rb.gaps);
}

/*
 * Configuration: a change takes effect at once and its generation is in the
 * records that follow; windows follow the new length, aligned to multiples
 * of it; a detail filter changes the snaplen of the packets it matches only.
 */
TEST_F_TIMEOUT(dp, config_windows_filters, 120)
{
	struct strata_config want = { 0 }, cfg;
	char why[512];
	size_t i, matched = 0, other = 0;
	int tx, rx1, rx2;

	rx1 = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	rx2 = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT + 1);
	tx = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, rx1);
	ASSERT_LE(0, rx2);
	ASSERT_LE(0, tx);

	want.window_ms = 200;
	want.snaplen = 40;
	want.nfilters = 1;
	want.filters[0].has_proto = true;
	want.filters[0].proto = 17;
	want.filters[0].has_port = true;
	want.filters[0].port = UPORT + 1;
	want.filters[0].snaplen = 1000;
	ASSERT_EQ(0, set_config(&self->vb, &want, STRATA_CONFIG_WINDOW | STRATA_CONFIG_SNAPLEN |
				STRATA_CONFIG_FILTERS, &cfg)) TH_LOG("%s", self->vb.err);
	ASSERT_EQ(1, cfg.nfilters);
	ASSERT_EQ(1000, cfg.filters[0].snaplen);
	drain(self->vb.rings, &self->rb, why, sizeof(why));
	self->rb.n = 0;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, strata_udp_send(tx, AF_INET, STRATA_B4, UPORT, 600));
		ASSERT_EQ(0, strata_udp_send(tx, AF_INET, STRATA_B4, UPORT + 1, 600));
		strata_sleep_ms(50);
	}
	strata_sleep_ms(600);
	ASSERT_EQ(0, collect_closed(self->vb.sub, &self->mb, 800, why, sizeof(why)));
	ASSERT_LE(0, drain(self->vb.rings, &self->rb, why, sizeof(why))) TH_LOG("%s", why);

	for (i = 0; i < self->rb.n; i++) {
		const struct strata_rec_packet *p = &self->rb.r[i].p;

		if (self->rb.r[i].type != STRATA_REC_PACKET || p->proto != 17)
			continue;
		ASSERT_EQ(cfg.generation, p->generation);
		if (p->dport == UPORT + 1) {
			ASSERT_EQ(628, p->caplen);	/* the whole datagram */
			matched++;
		} else if (p->dport == UPORT) {
			ASSERT_EQ(40, p->caplen);
			other++;
		}
	}
	ASSERT_EQ(20, matched);
	ASSERT_EQ(20, other);
	/* 1 s of traffic in 200 ms windows: several windows, each aligned. */
	{
		size_t n = 0;

		for (i = 0; i < self->mb.n; i++) {
			const struct strata_mflow *mf = &self->mb.m[i].mf;
			const struct strata_mf_info *info = &self->mb.m[i].info;

			if (mf->key.proto != 17)
				continue;
			ASSERT_EQ(200000000ULL, info->window_ns);
			ASSERT_EQ(0, mf->window_start % info->window_ns);
			ASSERT_EQ(cfg.generation, info->generation);
			ASSERT_EQ(0, mf_vs_records(mf, info, &self->rb, why, sizeof(why)))
				TH_LOG("%s", why);
			n++;
		}
		ASSERT_LE(8, n) TH_LOG("%zu UDP microflows in 200 ms windows", n);
	}
	close(tx);
	close(rx1);
	close(rx2);
}

/*
 * The table cap: conversations past it are counted, never allocated; the
 * dump lists exactly those in the table.
 */
TEST_F(dp, table_cap)
{
	struct strata_config want = { 0 }, cfg;
	struct strata_stats st0, st1;
	int rx, tx[20];
	size_t i;

	rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	ASSERT_LE(0, rx);
	want.table_cap = 8;
	ASSERT_EQ(0, set_config(&self->va, &want, STRATA_CONFIG_TABLE_CAP, &cfg))
		TH_LOG("%s", self->va.err);
	ASSERT_EQ(0, strata_genl_stats(self->va.g, &st0, self->va.err, sizeof(self->va.err)));
	ASSERT_EQ(0, st0.table_live);
	for (i = 0; i < 20; i++) {
		tx[i] = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
		ASSERT_LE(0, tx[i]);
		ASSERT_EQ(0, strata_udp_send(tx[i], AF_INET, STRATA_B4, UPORT, 10));
		ASSERT_EQ(0, strata_udp_send(tx[i], AF_INET, STRATA_B4, UPORT, 10));
	}
	ASSERT_EQ(0, strata_genl_stats(self->va.g, &st1, self->va.err, sizeof(self->va.err)));
	ASSERT_EQ(8, st1.table_live);
	ASSERT_EQ(8, st1.v[STRATA_STAT_MF_NEW] - st0.v[STRATA_STAT_MF_NEW]);
	ASSERT_EQ(24, st1.v[STRATA_STAT_TABLE_FULL] - st0.v[STRATA_STAT_TABLE_FULL]);
	ASSERT_EQ(40, st1.v[STRATA_STAT_PARSED] - st0.v[STRATA_STAT_PARSED]);
	for (i = 0; i < 20; i++)
		close(tx[i]);
	close(rx);
}

struct dump_count {
	size_t udp_to_b;
	__u8 b4[16];
	__u16 sport[2];
	unsigned char *seen;	/* by source socket and destination port */
	size_t dup;
};

static int on_dump(const struct strata_mflow *mf, const struct strata_mf_info *info,
		   void *arg)
{
	struct dump_count *dc = arg;
	int b = !memcmp(mf->key.addr[1], dc->b4, 16) ? 1 : 0, s;

	(void)info;
	if (mf->key.proto != 17 || memcmp(mf->key.addr[b], dc->b4, 16))
		return 0;
	for (s = 0; s < 2; s++) {
		if (mf->key.port[!b] != dc->sport[s])
			continue;
		if (dc->seen[s * 65536 + mf->key.port[b]]++)
			dc->dup++;
		else
			dc->udp_to_b++;
	}
	return 0;
}

/*
 * A dump of a table holding 100,000 conversations lists every one: two
 * sockets in A each send one datagram to 50,000 ports of B.
 */
TEST_F_TIMEOUT(dp, dump_100k, 600)
{
	const unsigned int per = 50000;
	struct dump_count dc = { 0 };
	struct strata_stats st;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int tx[2], s;
	unsigned int i;

	inet_pton(AF_INET, STRATA_B4, &sin.sin_addr);
	for (s = 0; s < 2; s++) {
		tx[s] = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
		ASSERT_LE(0, tx[s]);
		for (i = 0; i < per; i++) {
			sin.sin_port = htons((uint16_t)(1 + i));
			ASSERT_EQ(1, sendto(tx[s], "x", 1, 0, (struct sockaddr *)&sin,
					    sizeof(sin)));
		}
		ASSERT_EQ(0, getsockname(tx[s], (struct sockaddr *)&sin, &sl));
		dc.sport[s] = ntohs(sin.sin_port);
		inet_pton(AF_INET, STRATA_B4, &sin.sin_addr);
	}
	dc.seen = calloc(2 * 65536, 1);
	ASSERT_NE(NULL, dc.seen);
	v4mapped(dc.b4, STRATA_B4);
	ASSERT_EQ(0, strata_genl_stats(self->va.g, &st, self->va.err, sizeof(self->va.err)));
	ASSERT_LE(2 * per, st.table_live);
	ASSERT_EQ(0, strata_genl_mf_dump(self->va.g, on_dump, &dc, self->va.err,
					 sizeof(self->va.err))) TH_LOG("%s", self->va.err);
	ASSERT_EQ(2 * per, dc.udp_to_b) TH_LOG("%zu of %u conversations dumped (%zu twice)",
						dc.udp_to_b, 2 * per, dc.dup);
	free(dc.seen);
	close(tx[0]);
	close(tx[1]);
}

/*
 * A ring nobody reads overruns: records are dropped, never blocking, and the
 * loss records account for every sequence number skipped; the counters
 * agree.
 */
TEST_F_TIMEOUT(dp, ring_overrun, 300)
{
	struct strata_config want = { 0 }, cfg;
	struct strata_procstats b0, b1;
	__u64 lost = 0, packets = 0;
	char why[512];
	int tx, rx, cpu;
	size_t i;

	want.snaplen = 1500;
	ASSERT_EQ(0, set_config(&self->vb, &want, STRATA_CONFIG_SNAPLEN, &cfg))
		TH_LOG("%s", self->vb.err);
	rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	tx = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, rx);
	ASSERT_LE(0, tx);
	drain(self->vb.rings, &self->rb, why, sizeof(why));
	self->rb.n = 0;
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b0));
	/*
	 * 1400-byte datagrams, about 1650 bytes a record: 13 MB, more than the
	 * 4 MiB rings of both CPUs hold.
	 */
	for (i = 0; i < 8000; i++) {
		ASSERT_EQ(0, strata_udp_send(tx, AF_INET, STRATA_B4, UPORT, 1400));
		if (i % 256 == 255)	/* keep B's socket buffer from dropping */
			while (recv(rx, why, sizeof(why), MSG_DONTWAIT) > 0)
				;
	}
	ASSERT_LE(0, drain(self->vb.rings, &self->rb, why, sizeof(why))) TH_LOG("%s", why);
	/*
	 * Room again: the next record on each ring is preceded by its loss
	 * record. B handles a datagram on the CPU that sent it (veth), so send
	 * from each CPU in turn.
	 */
	for (cpu = 0; cpu < CPU_SETSIZE && cpu < (int)sysconf(_SC_NPROCESSORS_ONLN); cpu++) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, strata_udp_send(tx, AF_INET, STRATA_B4, UPORT, 10));
	}
	ASSERT_LE(0, drain(self->vb.rings, &self->rb, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, strata_stats_read(self->p.b, &b1));
	b1 = strata_stats_sub(&b1, &b0);

	for (i = 0; i < self->rb.n; i++) {
		if (self->rb.r[i].type == STRATA_REC_LOSS)
			lost += self->rb.r[i].lost;
		else if (self->rb.r[i].type == STRATA_REC_PACKET)
			packets++;
	}
	ASSERT_EQ(0, self->rb.gaps) TH_LOG("a sequence gap no loss record explains");
	ASSERT_LT(0, b1.ring_drops) TH_LOG("13 MB of records into 4 MiB rings did not overrun");
	ASSERT_EQ(b1.ring_drops, lost);
	ASSERT_EQ(b1.records, packets);
	ASSERT_EQ(b1.parsed, b1.records + b1.ring_drops);
	close(tx);
	close(rx);
}

/* Two namespaces never see each other's records or configuration. */
TEST_F_TIMEOUT(dp, namespace_isolation, 120)
{
	struct strata_config want = { 0 }, ca, cb;
	char why[512];
	size_t i, na = 0, nb = 0;
	int tx, rx;

	want.snaplen = 33;
	ASSERT_EQ(0, set_config(&self->va, &want, STRATA_CONFIG_SNAPLEN, &ca))
		TH_LOG("%s", self->va.err);
	ASSERT_EQ(0, strata_genl_config_get(self->vb.g, &cb, why, sizeof(why)));
	ASSERT_EQ(33, ca.snaplen);
	ASSERT_EQ(STRATA_SNAPLEN_DEFAULT, cb.snaplen);
	ASSERT_NE(ca.generation, cb.generation);

	rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	tx = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, rx);
	ASSERT_LE(0, tx);
	drain(self->va.rings, &self->ra, why, sizeof(why));
	drain(self->vb.rings, &self->rb, why, sizeof(why));
	self->ra.n = self->rb.n = 0;
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, strata_udp_send(tx, AF_INET, STRATA_B4, UPORT, 300));
	ASSERT_LE(0, drain(self->va.rings, &self->ra, why, sizeof(why)));
	ASSERT_LE(0, drain(self->vb.rings, &self->rb, why, sizeof(why)));
	for (i = 0; i < self->ra.n; i++) {
		const struct strata_rec_packet *p = &self->ra.r[i].p;

		if (self->ra.r[i].type != STRATA_REC_PACKET)
			continue;
		ASSERT_EQ(STRATA_HOOK_LOCAL_OUT, p->hook);
		ASSERT_EQ(ca.generation, p->generation);
		ASSERT_EQ(33, p->caplen);
		na++;
	}
	for (i = 0; i < self->rb.n; i++) {
		const struct strata_rec_packet *p = &self->rb.r[i].p;

		if (self->rb.r[i].type != STRATA_REC_PACKET)
			continue;
		ASSERT_EQ(STRATA_HOOK_PRE_ROUTING, p->hook);
		ASSERT_EQ(cb.generation, p->generation);
		ASSERT_EQ(STRATA_SNAPLEN_DEFAULT, p->caplen);
		nb++;
	}
	ASSERT_EQ(10, na);
	ASSERT_EQ(10, nb);
	close(tx);
	close(rx);
}

/* ---- the netlink ABI, with hand-made messages ---- */

struct raw {
	struct mnl_socket *nl;
	__u16 family;
	__u32 seq;
	char msg[256];	/* the kernel's extended ACK message */
};

static int raw_cb_family(const struct nlmsghdr *nlh, void *arg)
{
	struct raw *r = arg;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			r->family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/*
 * Send @nlh and wait for its answer. Return: 0 for success, else the
 * -errno the kernel answered; r->msg gets its extended ACK message.
 */
static int raw_talk(struct raw *r, struct nlmsghdr *nlh, mnl_cb_t cb)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int ret;

	r->msg[0] = 0;
	nlh->nlmsg_seq = ++r->seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *h;

		n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		h = (const struct nlmsghdr *)buf;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			const struct nlattr *a;

			if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
				size_t off = sizeof(*e) - sizeof(e->msg) +
					     (h->nlmsg_flags & NLM_F_CAPPED ?
					      sizeof(e->msg) : e->msg.nlmsg_len);

				mnl_attr_for_each(a, h, off)
					if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
						snprintf(r->msg, sizeof(r->msg), "%s",
							 mnl_attr_get_str(a));
			}
			return e->error;
		}
		ret = mnl_cb_run(buf, (size_t)n, r->seq, mnl_socket_get_portid(r->nl),
				 cb, r);
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? -errno : 0;
	}
}

static struct nlmsghdr *raw_msg(struct raw *r, char *buf, __u16 type, __u8 cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	(void)r;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : STRATA_GENL_VERSION;
	return nlh;
}

static int raw_open(struct raw *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1;

	memset(r, 0, sizeof(*r));
	r->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!r->nl || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) ||
	    mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one)))
		return -errno;
	nlh = raw_msg(r, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, STRATA_GENL_NAME);
	if (raw_talk(r, nlh, raw_cb_family) || !r->family)
		return -ENOENT;
	return 0;
}

/* A config set whose STRATA_A_CONFIG nest @build fills. */
static int raw_set(struct raw *r, void (*build)(struct nlmsghdr *nlh))
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = raw_msg(r, buf, r->family, STRATA_CMD_SET_CONFIG);
	struct nlattr *nest = mnl_attr_nest_start(nlh, STRATA_A_CONFIG);

	build(nlh);
	mnl_attr_nest_end(nlh, nest);
	return raw_talk(r, nlh, NULL);
}

static void b_window_low(struct nlmsghdr *n) { mnl_attr_put_u32(n, STRATA_CFG_A_WINDOW_MS, 5); }
static void b_window_odd(struct nlmsghdr *n) { mnl_attr_put_u32(n, STRATA_CFG_A_WINDOW_MS, 7000); }
static void b_flags(struct nlmsghdr *n) { mnl_attr_put_u32(n, STRATA_CFG_A_FLAGS, 0x10); }
static void b_snaplen(struct nlmsghdr *n) { mnl_attr_put_u32(n, STRATA_CFG_A_SNAPLEN, 100000); }
static void b_short(struct nlmsghdr *n) { mnl_attr_put_u16(n, STRATA_CFG_A_SNAPLEN, 64); }
static void b_unknown(struct nlmsghdr *n) { mnl_attr_put_u32(n, __STRATA_CFG_A_MAX + 3, 1); }
static void b_stale(struct nlmsghdr *n) { mnl_attr_put_u32(n, STRATA_CFG_A_GENERATION, 12345); }
static void b_good(struct nlmsghdr *n) { mnl_attr_put_u32(n, STRATA_CFG_A_SNAPLEN, 200); }

static void b_filter_addr17(struct nlmsghdr *n)
{
	static const __u8 addr[17];
	struct nlattr *l = mnl_attr_nest_start(n, STRATA_CFG_A_FILTERS);
	struct nlattr *f = mnl_attr_nest_start(n, STRATA_FILTER_A_FILTER);

	mnl_attr_put(n, STRATA_FILTER_A_ADDR, sizeof(addr), addr);
	mnl_attr_put_u8(n, STRATA_FILTER_A_PREFIX, 24);
	mnl_attr_put_u32(n, STRATA_FILTER_A_SNAPLEN, 64);
	mnl_attr_nest_end(n, f);
	mnl_attr_nest_end(n, l);
}

static void b_filter_nosnap(struct nlmsghdr *n)
{
	struct nlattr *l = mnl_attr_nest_start(n, STRATA_CFG_A_FILTERS);
	struct nlattr *f = mnl_attr_nest_start(n, STRATA_FILTER_A_FILTER);

	mnl_attr_put_u8(n, STRATA_FILTER_A_PROTO, 6);
	mnl_attr_nest_end(n, f);
	mnl_attr_nest_end(n, l);
}

static void b_filter_17(struct nlmsghdr *n)
{
	struct nlattr *l = mnl_attr_nest_start(n, STRATA_CFG_A_FILTERS);
	int i;

	for (i = 0; i < STRATA_FILTERS_MAX + 1; i++) {
		struct nlattr *f = mnl_attr_nest_start(n, STRATA_FILTER_A_FILTER);

		mnl_attr_put_u16(n, STRATA_FILTER_A_PORT, (uint16_t)(1000 + i));
		mnl_attr_put_u32(n, STRATA_FILTER_A_SNAPLEN, 64);
		mnl_attr_nest_end(n, f);
	}
	mnl_attr_nest_end(n, l);
}

/*
 * Bad, oversized, unknown and stale attributes are refused with an error
 * code and an extended ACK message, and change nothing; an unprivileged
 * process may read the configuration but not set it.
 */
TEST_F(dp, netlink_abi)
{
	static const struct {
		const char *what;
		void (*build)(struct nlmsghdr *n);
		int err;
	} bad[] = {
		{ "window below the minimum", b_window_low, -ERANGE },
		{ "window not dividing a day", b_window_odd, -EINVAL },
		{ "unknown flag bits", b_flags, -EINVAL },
		{ "snaplen above the maximum", b_snaplen, -ERANGE },
		{ "u16 where a u32 is due", b_short, -EINVAL },
		{ "unknown attribute", b_unknown, -EINVAL },
		{ "a stale generation", b_stale, -ESTALE },
		{ "a 17-byte address", b_filter_addr17, -ERANGE },
		{ "a filter without snaplen", b_filter_nosnap, -EINVAL },
		{ "17 filters", b_filter_17, -E2BIG },
	};
	struct strata_config before, after;
	struct raw r;
	size_t i;
	int old, ret, status;
	pid_t pid;

	old = strata_netns_enter(self->p.b);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, raw_open(&r)) TH_LOG("generic netlink family %s not found", STRATA_GENL_NAME);
	strata_netns_leave(old);
	ASSERT_EQ(0, strata_genl_config_get(self->vb.g, &before, self->vb.err,
					    sizeof(self->vb.err)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = raw_set(&r, bad[i].build);
		EXPECT_EQ(bad[i].err, ret) TH_LOG("%s: answered %d (%s)", bad[i].what, ret,
						  strerror(-ret));
		EXPECT_NE(0, r.msg[0]) TH_LOG("%s: no extended ACK message", bad[i].what);
		TH_LOG("%s: %s: %s", bad[i].what, strerror(-ret), r.msg);
	}
	ASSERT_EQ(0, strata_genl_config_get(self->vb.g, &after, self->vb.err,
					    sizeof(self->vb.err)));
	ASSERT_EQ(before.generation, after.generation) TH_LOG("a refused set changed the config");
	ASSERT_EQ(before.snaplen, after.snaplen);
	ASSERT_EQ(0, raw_set(&r, b_good)) TH_LOG("%s", r.msg);
	mnl_socket_close(r.nl);

	/* Unprivileged: get allowed, set refused (EPERM). */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct raw u;

		if (strata_netns_enter(self->p.b) < 0 || setgid(65534) || setuid(65534))
			_exit(10);
		if (raw_open(&u))
			_exit(11);
		if (raw_set(&u, b_good) != -EPERM)
			_exit(12);
		{
			char buf[MNL_SOCKET_BUFFER_SIZE];

			if (raw_talk(&u, raw_msg(&u, buf, u.family, STRATA_CMD_GET_CONFIG), NULL))
				_exit(13);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("unprivileged child: step %d failed "
						 "(11: open, 12: set not EPERM, 13: get)",
						 WEXITSTATUS(status));
}

/* ---- the strata tool, end to end ---- */

/* The output of a shell command, NUL-terminated; -1 when it failed. */
static int sh_out(char *out, size_t len, const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	return pclose(f) ? -1 : 0;
}

static const char *tool(void)
{
	static char path[512];
	const char *repo = getenv("STRATA_REPO");

	snprintf(path, sizeof(path), "%s/build/strata", repo && *repo ? repo : ".");
	return path;
}

/*
 * The strata tool in a namespace: config set and show (text and JSON),
 * packets written to a pcap that tshark reads back packet for packet,
 * closed microflows followed as JSON, the live table, stats; a bad value
 * refused before sending (exit 2) and a stale generation refused by the
 * kernel (exit 1), each with the reason.
 */
TEST_F_TIMEOUT(dp, tool, 180)
{
	char out[65536], cmd[1024], pcap[64];
	int tx, rx, i;

	snprintf(pcap, sizeof(pcap), "/tmp/tool-%d.pcap", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s -n %s config set window 500 snaplen 64 "
		 "filter proto udp port %d snaplen 1500", tool(), self->p.b, UPORT);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd)) TH_LOG("%s", cmd);
	ASSERT_NE(NULL, strstr(out, "window 500\n")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "filter proto udp port 9100 snaplen 1500")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s -j -n %s config show", tool(), self->p.b);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd));
	ASSERT_NE(NULL, strstr(out, "\"snaplen\": 64")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s -n %s config set window 7000 2>&1; echo exit=$?",
		 tool(), self->p.b);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd));
	ASSERT_NE(NULL, strstr(out, "divide a day")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "exit=2")) TH_LOG("a bad value is a usage error: %s", out);
	/* A change against a stale generation: the kernel refuses, exit 1. */
	snprintf(cmd, sizeof(cmd), "%s -n %s config set generation 1 records off 2>&1;"
		 " echo exit=$?", tool(), self->p.b);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd));
	ASSERT_NE(NULL, strstr(out, "generation")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "exit=1")) TH_LOG("%s", out);

	/* Readers started, then 30 datagrams, then the readers stop on their own. */
	ASSERT_EQ(0, strata_sh("%1$s -n %2$s packets -c 30 -w %3$s udp port %4$d &"
			       " echo $! >%3$s.pid;"
			       " %1$s -j -n %2$s microflows --closed -c 1 proto udp port %4$d"
			       " >%3$s.mf & echo $! >%3$s.mfpid; sleep 0.5",
			       tool(), self->p.b, pcap, UPORT));
	rx = strata_udp_bound(self->p.b, AF_INET, STRATA_B4, UPORT);
	tx = strata_socket_in(self->p.a, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, rx);
	ASSERT_LE(0, tx);
	for (i = 0; i < 30; i++)
		ASSERT_EQ(0, strata_udp_send(tx, AF_INET, STRATA_B4, UPORT, 1000 + i));
	ASSERT_EQ(0, strata_sh("for i in $(seq 50); do kill -0 $(cat %1$s.pid) 2>/dev/null ||"
			       " kill -0 $(cat %1$s.mfpid) 2>/dev/null || exit 0; sleep 0.1; done;"
			       " echo readers still running; exit 1", pcap));
	/* tshark: the 30 datagrams, whole (snaplen 1500 by the filter). */
	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -T fields -e ip.len -e frame.cap_len"
		 " -e udp.dstport 2>/dev/null", pcap);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd)) TH_LOG("%s", out);
	{
		char *line = out, *nl;
		int n = 0;

		for (; (nl = strchr(line, '\n')); line = nl + 1) {
			unsigned int len, cap, port;

			*nl = 0;
			ASSERT_EQ(3, sscanf(line, "%u %u %u", &len, &cap, &port)) TH_LOG("%s", line);
			ASSERT_EQ(1028 + n, len);
			ASSERT_EQ(len, cap);
			ASSERT_EQ(UPORT, port);
			n++;
		}
		ASSERT_EQ(30, n);
	}
	/* The closed microflow, as a JSON line, with the 30 packets. */
	snprintf(cmd, sizeof(cmd), "cat %s.mf", pcap);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd));
	/* One object per line (compact JSON). */
	ASSERT_NE(NULL, strstr(out, "\"packets\":30,")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "\"window_ns\":500000000,")) TH_LOG("%s", out);
	/* Stats and the live table answer. */
	snprintf(cmd, sizeof(cmd), "%s -n %s stats", tool(), self->p.b);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd));
	ASSERT_NE(NULL, strstr(out, "records")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s -j -n %s microflows --all proto udp", tool(), self->p.b);
	ASSERT_EQ(0, sh_out(out, sizeof(out), cmd));
	ASSERT_NE(NULL, strstr(out, "\"port1\": 9100")) TH_LOG("%s", out);
	strata_sh("rm -f %1$s %1$s.pid %1$s.mf %1$s.mfpid", pcap);
	close(tx);
	close(rx);
}

TEST_HARNESS_MAIN
