// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Copies the first N records of a capture to a new file (libpcap), so the
 * callgrind runs of every tool can share one prefix of the benchmark capture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long n, i = 0;
	pcap_dumper_t *d;
	pcap_t *p;
	char *end;
	int rc = 1;

	if (argc != 4 || (n = strtoul(argv[1], &end, 10), *end) || !n) {
		fprintf(stderr, "usage: pcap-head COUNT IN OUT\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[2],
						    PCAP_TSTAMP_PRECISION_MICRO, err);
	if (!p) {
		fprintf(stderr, "pcap-head: %s: %s\n", argv[2], err);
		return 1;
	}
	d = pcap_dump_open(p, argv[3]);
	if (!d) {
		fprintf(stderr, "pcap-head: %s: %s\n", argv[3], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	while (i < n && (rc = pcap_next_ex(p, &h, &data)) == 1) {
		pcap_dump((u_char *)d, h, data);
		i++;
	}
	if (i < n)
		fprintf(stderr, "pcap-head: %s: only %lu records%s%s\n", argv[2], i,
			rc == PCAP_ERROR_BREAK ? "" : ": ",
			rc == PCAP_ERROR_BREAK ? "" : pcap_geterr(p));
	rc = pcap_dump_flush(d) ? 1 : i < n;
	pcap_dump_close(d);
	pcap_close(p);
	if (rc)
		fprintf(stderr, "pcap-head: %s: could not write %lu records\n",
			argv[3], n);
	return rc;
}
