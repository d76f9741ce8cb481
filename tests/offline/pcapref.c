// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The libpcap reference for the offline sweep: for each file named on stdin,
 * how far plain libpcap reads it (open error, link type, records, stop cause).
 */
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>

/*
 * One line per file, tab-separated, so that the sweep can tell whether strata
 * read a file exactly as far as libpcap itself does:
 *	PATH \t open \t LINKTYPE \t RECORDS \t eof|error \t MESSAGE
 *	PATH \t noopen \t - \t 0 \t - \t MESSAGE
 * Tabs and newlines in messages are replaced so that a line stays one record.
 * One process for every file: this must cost next to nothing next to the
 * sanitized runs it is a reference for.
 */
static void clean(char *s)
{
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}

int main(void)
{
	char path[4096];

	while (fgets(path, sizeof(path), stdin)) {
		char err[PCAP_ERRBUF_SIZE] = "";
		struct pcap_pkthdr *h;
		const u_char *data;
		unsigned long long n = 0;
		pcap_t *p;
		int rc;

		path[strcspn(path, "\n")] = 0;
		if (!path[0])
			continue;
		/* Same precision as strata asks for, so libpcap takes the same path. */
		p = pcap_open_offline_with_tstamp_precision(path,
				PCAP_TSTAMP_PRECISION_NANO, err);
		if (!p) {
			clean(err);
			printf("%s\tnoopen\t-\t0\t-\t%s\n", path, err);
			continue;
		}
		while ((rc = pcap_next_ex(p, &h, &data)) == 1)
			n++;
		if (rc == PCAP_ERROR_BREAK) {
			printf("%s\topen\t%d\t%llu\teof\t\n", path, pcap_datalink(p), n);
		} else {
			char msg[PCAP_ERRBUF_SIZE + 1];

			snprintf(msg, sizeof(msg), "%s", pcap_geterr(p));
			clean(msg);
			printf("%s\topen\t%d\t%llu\terror\t%s\n", path,
			       pcap_datalink(p), n, msg);
		}
		pcap_close(p);
	}
	return ferror(stdin) ? 1 : 0;
}
