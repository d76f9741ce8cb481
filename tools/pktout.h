/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * Packet records out of the tool: a tcpdump filter, then a line (or JSON
 * object) per packet, or a pcap file (raw IP, nanosecond timestamps).
 */
#ifndef STRATA_PKTOUT_H
#define STRATA_PKTOUT_H

#include <stdbool.h>
#include <pcap/pcap.h>
#include <uapi/linux/strata.h>

/**
 * struct pktout - where packet records go
 * @op: the command, for messages ("packets", "store packets")
 * @count: stop after this many matched (0: no limit)
 * @matched: records that passed the filter
 * @file: the pcap file, with pktout_open()
 * @prog: the compiled filter, when @has_prog
 * @has_prog: a filter was given
 * @dead: libpcap's handle for the dump
 * @dump: the pcap being written, or NULL to print
 *
 * Zero it, set @op and @count, then pktout_filter() and pktout_open() as
 * needed; pktout_close() at the end.
 */
struct pktout {
	const char *op;
	unsigned long long count;
	unsigned long long matched;
	const char *file;
	struct bpf_program prog;
	bool has_prog;
	pcap_t *dead;
	pcap_dumper_t *dump;
};

/* Compile the words of a tcpdump expression (none: no filter). Return 0 or
 * the exit code of the message printed (2 for a bad expression). */
int pktout_filter(struct pktout *o, int argc, char **argv);
/* Write matched packets to @file as pcap instead of printing. Return 0 or 1. */
int pktout_open(struct pktout *o, const char *file);
/* One record: filter, then print or dump. Return 1 when @count is reached. */
int pktout_packet(struct pktout *o, const struct strata_rec_packet *p,
		  const __u8 *data, unsigned int cpu, __u64 seq);
/* Flush and close the pcap, free the filter. Return 0 or 1 (write failed). */
int pktout_close(struct pktout *o);

#endif /* STRATA_PKTOUT_H */
