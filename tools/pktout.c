// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Packet records out of the tool: filtered by a tcpdump expression, printed
 * one line each (or as JSON) or written to a pcap file. `strata packets`
 * (the live rings) and `strata store packets` (a store) both use it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "core/parse.h"
#include "pktout.h"
#include "print.h"
#include "strata.h"

#define NSEC_PER_SEC	1000000000ULL

static const char *tcp_flags_str(__u8 f, char *buf)
{
	static const char letters[] = "FSRP.UEW";
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (f & (1 << i))
			buf[n++] = letters[i];
	if (!n)
		return "none";
	buf[n] = 0;
	return buf;
}

/* tcpdump's "addr.port", or the address alone for ICMP and fragments. */
static const char *endpoint(const __u8 addr[16], int family, __u16 port,
			    bool ports, char *buf, size_t len)
{
	char a[64];

	addr_str(addr, family, a, sizeof(a));
	if (ports)
		snprintf(buf, len, "%s.%u", a, port);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

static void print_text(const struct strata_rec_packet *p, unsigned int cpu, __u64 seq)
{
	bool later = p->pkt_flags & STRATA_PKT_FRAG_LATER;
	bool ports = !later && (p->proto == 6 || p->proto == 17 || p->proto == 132);
	char t[32], s[80], d[80], fl[10];

	time_str(p->ts_ns, 9, t, sizeof(t));
	endpoint(p->saddr, p->family, p->sport, ports, s, sizeof(s));
	endpoint(p->daddr, p->family, p->dport, ports, d, sizeof(d));
	pr_text("%s %s IP%s %s > %s: ", t,
		p->hook == STRATA_HOOK_LOCAL_OUT ? "Out" : "In",
		p->family == 6 ? "6" : "", s, d);
	if (later)
		pr_text("frag offset %u, proto %u", p->frag_off, p->proto);
	else if (p->proto == 6)
		pr_text("Flags [%s], seq %u, ack %u, win %u",
			tcp_flags_str(p->tcp_flags, fl), p->tcp_seq, p->tcp_ack,
			p->tcp_window);
	else if (p->proto == 17)
		pr_text("UDP");
	else if (p->proto == 1 || p->proto == 58)
		pr_text("ICMP%s type %u code %u", p->proto == 58 ? "6" : "",
			p->icmp_type, p->icmp_code);
	else
		pr_text("proto %u", p->proto);
	pr_text(", length %u", p->payload_len);
	if (p->gso_size)
		pr_text(" (gso %u x %u)", p->gso_segs, p->gso_size);
	pr_text(", fp 0x%016llx, nseg %u, cpu %u seq %llu\n",
		(unsigned long long)p->fp_hash, p->nseg, cpu,
		(unsigned long long)seq);
}

static void print_json(const struct strata_rec_packet *p, const __u8 *data,
		       unsigned int cpu, __u64 seq)
{
	char a[64], *hex;
	unsigned int i;

	pr_u64("cpu", NULL, cpu);
	pr_u64("seq", NULL, seq);
	pr_u64("ts_ns", NULL, p->ts_ns);
	pr_str("hook", NULL, p->hook == STRATA_HOOK_LOCAL_OUT ? "local_out" :
	       "pre_routing");
	pr_u64("ifindex", NULL, p->ifindex);
	pr_u64("family", NULL, p->family);
	pr_u64("proto", NULL, p->proto);
	pr_str("saddr", NULL, addr_str(p->saddr, p->family, a, sizeof(a)));
	pr_str("daddr", NULL, addr_str(p->daddr, p->family, a, sizeof(a)));
	pr_u64("sport", NULL, p->sport);
	pr_u64("dport", NULL, p->dport);
	pr_u64("wire_len", NULL, p->wire_len);
	pr_u64("payload_len", NULL, p->payload_len);
	pr_u64("caplen", NULL, p->caplen);
	pr_u64("gso_size", NULL, p->gso_size);
	pr_u64("gso_segs", NULL, p->gso_segs);
	pr_u64("ip_id", NULL, p->ip_id);
	pr_u64("flow_label", NULL, p->flow_label);
	pr_u64("frag_off", NULL, p->frag_off);
	pr_u64("ttl", NULL, p->ttl);
	pr_u64("tos", NULL, p->tos);
	pr_u64("pkt_flags", NULL, p->pkt_flags);
	pr_u64("tcp_flags", NULL, p->tcp_flags);
	pr_u64("tcp_opts", NULL, p->tcp_opts);
	pr_u64("tcp_wscale", NULL, p->tcp_wscale);
	pr_u64("tcp_sack_blocks", NULL, p->tcp_sack_blocks);
	pr_u64("tcp_mss", NULL, p->tcp_mss);
	pr_u64("tcp_window", NULL, p->tcp_window);
	pr_u64("icmp_type", NULL, p->icmp_type);
	pr_u64("icmp_code", NULL, p->icmp_code);
	pr_u64("tcp_seq", NULL, p->tcp_seq);
	pr_u64("tcp_ack", NULL, p->tcp_ack);
	pr_u64("tcp_tsval", NULL, p->tcp_tsval);
	pr_u64("tcp_tsecr", NULL, p->tcp_tsecr);
	pr_hex("fp_hash", NULL, p->fp_hash);
	pr_u64("fp_len", NULL, p->fp_len);
	pr_u64("nseg", NULL, p->nseg);
	pr_open_arr("seg");
	for (i = 0; i < p->nseg; i++)
		pr_u64(NULL, NULL, p->seg[i]);
	pr_close();
	pr_u64("dir", NULL, p->dir);
	pr_hex("key_hash", NULL, p->key_hash);
	pr_u64("generation", NULL, p->generation);
	/* The packet bytes from the IP header, in hex. */
	hex = malloc(2 * (size_t)p->caplen + 1);
	if (hex) {
		for (i = 0; i < p->caplen; i++)
			snprintf(hex + 2 * i, 3, "%02x", data[i]);
		hex[2 * p->caplen] = 0;
		pr_str("data", NULL, hex);
		free(hex);
	}
}

int pktout_packet(struct pktout *o, const struct strata_rec_packet *p,
		  const __u8 *data, unsigned int cpu, __u64 seq)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	/* A nanosecond pcap: tv_usec holds nanoseconds. */
	h.ts.tv_sec = (time_t)(p->ts_ns / NSEC_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(p->ts_ns % NSEC_PER_SEC);
	h.caplen = p->caplen;
	h.len = p->wire_len;
	if (o->has_prog && !pcap_offline_filter(&o->prog, &h, data))
		return 0;
	o->matched++;
	if (o->dump) {
		pcap_dump((u_char *)o->dump, &h, data);
	} else {
		pr_begin();
		if (pr_json)
			print_json(p, data, cpu, seq);
		else
			print_text(p, cpu, seq);
		pr_end();
	}
	return o->count && o->matched >= o->count;
}

int pktout_filter(struct pktout *o, int argc, char **argv)
{
	char why[PCAP_ERRBUF_SIZE];
	size_t len = 1;
	char *expr;
	int i, rc;

	if (!argc)
		return 0;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	expr = calloc(1, len);
	if (!expr)
		return fail(o->op, "%s", strerror(ENOMEM));
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(expr, " ");
		strcat(expr, argv[i]);
	}
	rc = strata_api_filter(expr, &o->prog, why, sizeof(why));
	if (rc == -EINVAL)
		rc = usage_error(o->op, "filter '%s': %s", expr, why);
	else if (rc)
		rc = fail(o->op, "%s", why);
	else
		o->has_prog = true;
	free(expr);
	return rc;
}

int pktout_open(struct pktout *o, const char *file)
{
	o->file = file;
	o->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!o->dead)
		return fail(o->op, "pcap_open_dead failed");
	o->dump = pcap_dump_open(o->dead, o->file);
	if (!o->dump)
		return fail(o->op, "%s: %s", o->file, pcap_geterr(o->dead));
	return 0;
}

int pktout_close(struct pktout *o)
{
	int rc = 0;

	if (o->dump) {
		if (pcap_dump_flush(o->dump))
			rc = fail(o->op, "%s: write failed", o->file);
		pcap_dump_close(o->dump);
	}
	if (o->dead)
		pcap_close(o->dead);
	if (o->has_prog)
		pcap_freecode(&o->prog);
	memset(o, 0, sizeof(*o));
	return rc;
}
