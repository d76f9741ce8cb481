// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Offline analysis: reads pcap/pcapng with libpcap, finds the IP header and
 * runs the same shared core as strata.ko, then the userspace microflow table.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "link.h"
#include "offline.h"
#include "core/record.h"

#define NSEC_PER_SEC 1000000000ULL

enum strata_parse_status strata_core_packet(const __u8 *data, __u32 caplen,
					    __u32 wirelen, __u64 ts_ns,
					    struct strata_frag_cache *frags,
					    struct strata_pkt *pkt,
					    struct strata_counters *c)
{
	enum strata_parse_status st = strata_parse(data, caplen, wirelen, pkt);

	if (st == STRATA_PARSE_OK && frags && strata_frag_overlap(frags, pkt, ts_ns))
		st = STRATA_PARSE_MALFORMED;
	c->seen++;
	switch (st) {
	case STRATA_PARSE_OK:
		c->parsed++;
		if (pkt->family == 4)
			c->ipv4++;
		else
			c->ipv6++;
		if (pkt->flags & STRATA_PKT_FRAG)
			c->fragments++;
		break;
	case STRATA_PARSE_TRUNCATED:
		c->truncated++;
		break;
	case STRATA_PARSE_MALFORMED:
		c->malformed++;
		break;
	case STRATA_PARSE_UNSUPPORTED:
		c->unsupported++;
		break;
	}
	return st;
}

void strata_core_fingerprint(const __u8 *data, __u32 caplen,
			     const struct strata_pkt *pkt, bool segments,
			     struct strata_fp *fp, struct strata_counters *c)
{
	__u32 n = strata_pkt_payload_caplen(pkt, caplen);

	if (segments)
		strata_fp_compute(data + pkt->payload_off, n, fp);
	else
		strata_fp_hash(data + pkt->payload_off, n, fp);
	if (n) {
		c->fingerprints++;
		c->segmented += segments;
	}
}

/* The record the kernel would have written for a parsed packet. */
static void make_record(struct strata_offline *o, const struct strata_pkt *pkt,
			const struct strata_fp *fp, const struct strata_verdict *v,
			const __u8 *ip, __u32 caplen, __u64 ts_ns)
{
	__u32 snaplen = o->snaplen ? o->snaplen : STRATA_SNAPLEN_MAX;
	struct strata_rec_meta m = {
		.ts_ns = ts_ns,
		.key_hash = v->key_hash,
		.hook = STRATA_HOOK_PRE_ROUTING,
		.dir = (__u8)v->dir,
	};
	struct strata_rec_packet rec;

	m.caplen = caplen < snaplen ? caplen : snaplen;
	if (m.caplen > pkt->ip_len)	/* link-layer padding is not the packet's */
		m.caplen = pkt->ip_len;
	strata_rec_fill(&rec, pkt, fp, &m);
	o->on_record(&rec, ip, o->frames, o->arg);
}

void strata_offline_frame(struct strata_offline *o, struct strata_mftable *t,
			  int linktype, const __u8 *frame, __u32 caplen,
			  __u32 len, __u64 ts_ns)
{
	enum strata_parse_status st;
	struct strata_pkt pkt;
	struct strata_fp fp;
	__u32 l3, wirelen;
	int rc;

	o->frames++;
	rc = strata_link_l3(linktype, frame, caplen, &l3);
	if (rc == -ENOENT) {
		o->not_ip++;
		return;
	}
	if (rc) {
		o->link_short++;
		return;
	}
	caplen -= l3;
	wirelen = len > l3 ? len - l3 : 0;
	if (wirelen < caplen)	/* a file that claims less than it holds */
		wirelen = caplen;
	st = strata_core_packet(frame + l3, caplen, wirelen, ts_ns, &o->frags, &pkt,
				&o->counters);
	if (st == STRATA_PARSE_OK) {
		struct strata_verdict v;

		strata_mftable_packet(t, &pkt, ts_ns, len, o->frames, &v);
		strata_core_fingerprint(frame + l3, caplen, &pkt, v.segments, &fp,
					&o->counters);
		if (o->on_record)
			make_record(o, &pkt, &fp, &v, frame + l3, caplen, ts_ns);
	}
	if (o->on_packet)
		o->on_packet(&pkt, st, ts_ns, len, o->arg);
}

#define OFFLINE_READ_BUF (1 << 20)

static int open_error(const char *path, struct strata_offline *o,
		      const char *why)
{
	int err = access(path, R_OK) ? -errno : -EINVAL;

	snprintf(o->errbuf, sizeof(o->errbuf), "%s: cannot open as a capture: %s",
		 path, err == -EINVAL ? why : strerror(-err));
	return err;
}

int strata_offline_run(const char *path, struct strata_offline *o)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct strata_mftable *t;
	struct pcap_pkthdr *h;
	const u_char *frame;
	struct stat fst;
	__u64 size = 0;
	int linktype, rc, err = 0;
	char *vbuf;
	pcap_t *p;
	FILE *f;

	memset(&o->counters, 0, sizeof(o->counters));
	memset(&o->table, 0, sizeof(o->table));
	memset(&o->frags, 0, sizeof(o->frags));
	o->frames = o->not_ip = o->link_short = 0;
	o->errbuf[0] = 0;

	/*
	 * Our own FILE with a 1 MiB buffer: libpcap's default stdio buffer
	 * costs a read() per 4 KiB. glibc ignores the size when it is given
	 * no buffer, so it is given one (freed after pcap_close() closes @f).
	 */
	f = fopen(path, "rb");
	if (!f)
		return open_error(path, o, strerror(errno));
	vbuf = malloc(OFFLINE_READ_BUF);
	if (vbuf)
		setvbuf(f, vbuf, _IOFBF, OFFLINE_READ_BUF);
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO,
						     perr);
	if (!p) {
		fclose(f);
		free(vbuf);
		return open_error(path, o, perr);
	}
	if (!fstat(fileno(f), &fst) && S_ISREG(fst.st_mode))
		size = (__u64)fst.st_size;
	linktype = pcap_datalink(p);
	if (!strata_link_supported(linktype)) {
		const char *name = pcap_datalink_val_to_name(linktype);

		snprintf(o->errbuf, sizeof(o->errbuf),
			 "%s: unsupported link type %d (%s)", path, linktype,
			 name ? name : "unknown");
		pcap_close(p);
		free(vbuf);
		return -EPROTONOSUPPORT;
	}
	t = strata_mftable_new(o->table_cap ? o->table_cap : 1u << 20,
			       o->window_ns ? o->window_ns : NSEC_PER_SEC,
			       o->on_close, o->arg);
	if (!t) {
		err = -errno;
		snprintf(o->errbuf, sizeof(o->errbuf), "%s: microflow table: %s",
			 path, strerror(errno));
		pcap_close(p);
		free(vbuf);
		return err;
	}
	if (o->fp_segments)
		strata_mftable_set_fp_segments(t, o->fp_segments);

	for (;;) {
		rc = pcap_next_ex(p, &h, &frame);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc != 1) {
			/* Where reading stopped: in or just after the bad record. */
			snprintf(o->errbuf, sizeof(o->errbuf),
				 "%s: offset %ld (after %llu records): %s", path,
				 ftell(f), (unsigned long long)o->frames, pcap_geterr(p));
			err = -EIO;
			break;
		}
		/* Nanosecond precision was asked for: tv_usec holds ns. */
		strata_offline_frame(o, t, linktype, frame, h->caplen, h->len,
				     (__u64)h->ts.tv_sec * NSEC_PER_SEC +
				     (__u64)h->ts.tv_usec);
		if (o->on_progress && !(o->frames & 16383))
			o->on_progress((__u64)ftell(f), size, o->frames, o->arg);
	}
	if (o->on_progress)
		o->on_progress(err ? (__u64)ftell(f) : size, size, o->frames, o->arg);
	strata_mftable_flush(t);
	strata_mftable_stats(t, &o->table);
	strata_mftable_free(t);
	pcap_close(p);
	free(vbuf);
	return err;
}
