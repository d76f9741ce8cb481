// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * strata [-j] [-n NETNS] OBJECT [ARGS]: one table drives dispatch and help;
 * exit 0 on success, 1 on an error, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "keywords.h"
#include "print.h"
#include "strata.h"

#define STRATA_VERSION "0.1.0"

/* One line of help per row; an object with several forms has several rows. */
struct cmd {
	const char *name;
	const char *args;
	const char *help;
	cmd_fn fn;
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "analyze", "FILE [--window SECONDS] [--store DIR [--budget SIZE]\n"
		     "[--compress zstd|none] [--snaplen N]]",
	  "run a pcap/pcapng file through the shared core; list its conversations; with --store keep its packets and microflows in a store",
	  cmd_analyze },
	{ "config", "show",
	  "the module's configuration in this network namespace",
	  cmd_config },
	{ "config", "set [window MS] [snaplen N] [sampling N] [table-cap N]\n"
		    "[segments N|all] [fingerprint on|off] [records on|off]\n"
		    "[filter [proto P] [addr A[/LEN]] [port N] snaplen N [segments N|all]]...\n"
		    "[no-filters] [generation G]",
	  "change it (needs CAP_NET_ADMIN); filters replace the list, tried in order",
	  cmd_config },
	{ "stats", "",
	  "the module's counters in this network namespace",
	  cmd_stats },
	{ "microflows", "[--closed | --all] [-c N] [proto P] [addr A[/LEN]] [port N]",
	  "the live microflow table (--all: quiet conversations too), or with --closed the microflows as they close",
	  cmd_microflows },
	{ "packets", "[-c N] [-w FILE.pcap] [FILTER...]",
	  "follow the packet records (FILTER: tcpdump syntax; needs CAP_NET_ADMIN)",
	  cmd_packets },
	{ "store", "info|blocks|microflows|flows|packets|pins --store DIR [--flow A:P-B:P/PROTO]\n"
		   "[--from TIME] [--to TIME] [-c N] [-w FILE.pcap] [FILTER...]",
	  "what a packet store holds: its packets (pcap with -w), microflows, 60 s flows, blocks",
	  cmd_store },
	{ "store", "pin --store DIR --from TIME --to TIME [--label L] | unpin --store DIR ID",
	  "keep a time range past retention, or stop keeping it",
	  cmd_store },
	{ "query", "sensors|macroflows|flows [--central URL] [--from TIME] [--to TIME]\n"
		   "[--group service|client|application] [--sort bytes|packets|flows|lost|time]\n"
		   "[--limit N] [addr A] [port N] [proto P] [app NAME] [--by KEYS] [--fields NAMES]",
	  "the central host's sensors, 15-minute macroflows, connected flows (of a group); "
	  "--by/--fields: aggregated by keys, derived metrics computed (also for locations ID)",
	  cmd_query },
	{ "query", "flows|locations|microflows|packets ID [--central URL] [-w FILE.pcapng]",
	  "one connected flow's path, its location flows, or its microflows and packets from every sensor on the path, by time (--central: default $STRATA_CENTRAL or http://127.0.0.1:8470)",
	  cmd_query },
	{ "record", "start [--sensor URL] [--token T] [proto P] [addr A[/LEN]] [port N]\n"
		    "duration SECONDS [snaplen N] [label L]",
	  "a sensor records the filter's packets whole (or N bytes) for a while and pins them (--sensor: default $STRATA_SENSOR or http://127.0.0.1:8470; --token: default $STRATA_TOKEN)",
	  cmd_record },
	{ "record", "list [--sensor URL]",
	  "the sensor's recordings in force",
	  cmd_record },
	{ "alarm", "list [--all] [--from TIME] [--to TIME] [--limit N] | show ID | stats\n"
		   "| ack ID [--by NAME] [--token SECRET] [--central URL]",
	  "the central host's alarms: active ones (--all: the history), one, counters; ack: acknowledge one (token: $STRATA_API_TOKEN)",
	  cmd_alarm },
	{ "version", "", "print the version", cmd_version },
	{ "help", "", "this text", cmd_help },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void vmsg(const char *op, const char *fmt, va_list ap)
{
	fprintf(stderr, "strata: %s: ", op);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int fail(const char *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(op, fmt, ap);
	va_end(ap);
	return 1;
}

int fail_msg(const char *msg)
{
	fprintf(stderr, "strata: %s\n", msg);
	return 1;
}

int usage_error(const char *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(op, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'strata help'.\n");
	return EXIT_USAGE;
}

const char *addr_str(const unsigned char addr[16], int family, char *buf,
		     unsigned int len)
{
	if (family == 4)
		return inet_ntop(AF_INET, addr + 12, buf, len);
	return inet_ntop(AF_INET6, addr, buf, len);
}

const char *time_str(__u64 ns, unsigned int digits, char *buf, size_t len)
{
	static const __u64 div[] = { 1000000000, 100000000, 10000000, 1000000,
				     100000, 10000, 1000, 100, 10, 1 };
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	if (digits > 9)
		digits = 9;
	if (!localtime_r(&sec, &tm) || !(n = strftime(buf, len, "%H:%M:%S", &tm)))
		n = (size_t)snprintf(buf, len, "%lld", (long long)sec);
	if (digits && n < len)
		snprintf(buf + n, len - n, ".%0*llu", (int)digits,
			 (unsigned long long)(ns % 1000000000 / div[digits]));
	return buf;
}

volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking poll() or recv() returns with EINTR. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int parse_count(const char *op, const char *s, unsigned long long *n)
{
	__u32 v;

	if (!s)
		return usage_error(op, "-c: a count is missing");
	if (strata_kw_u32(s, 1, 0xffffffffU, &v))
		return usage_error(op, "-c %s: not a count from 1 to 4294967295", s);
	*n = v;
	return 0;
}

static void usage(FILE *f)
{
	const char *a, *nl;
	unsigned int i;

	fprintf(f, "Usage: strata [-j] [-n NETNS] OBJECT [ARGS]\n"
		   "  -j        JSON output\n"
		   "  -n NETNS  run in network namespace NETNS (ip netns name)\n"
		   "Objects:\n");
	for (i = 0; i < NCMDS; i++) {
		/* Arguments on as many lines as the table gives, then the help. */
		fprintf(f, "  %s", cmds[i].name);
		for (a = cmds[i].args; a; a = nl ? nl + 1 : NULL) {
			nl = strchr(a, '\n');
			fprintf(f, "%s%.*s\n", a != cmds[i].args ? "      " :
				*a ? " " : "", nl ? (int)(nl - a) : (int)strlen(a), a);
		}
		fprintf(f, "        %s\n", cmds[i].help);
	}
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pr_begin();
	pr_str("version", "strata %s\n", STRATA_VERSION);
	pr_end();
	return 0;
}

/* Enter /var/run/netns/NAME, as `ip netns exec` does (without remounting /sys). */
static int enter_netns(const char *name)
{
	char path[256];
	int fd, err;

	if (strchr(name, '/'))
		return usage_error("netns", "'%s': a name, not a path", name);
	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("netns", "%s: %s", path, strerror(errno));
	err = setns(fd, CLONE_NEWNET);
	close(fd);
	if (err)
		return fail("netns", "setns %s: %s", name, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	const char *netns = NULL;
	unsigned int i;
	int opt, rc;

	/* '+': stop at the first non-option, so commands parse their own. */
	while ((opt = getopt(argc, argv, "+jn:hV")) != -1) {
		switch (opt) {
		case 'j':
			pr_json = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return cmd_version(0, NULL);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < NCMDS; i++)
		if (!strcmp(argv[optind], cmds[i].name))
			break;
	if (i == NCMDS)
		return usage_error(argv[optind], "unknown object");
	if (netns) {
		rc = enter_netns(netns);
		if (rc)
			return rc;
	}
	return cmds[i].fn(argc - optind, argv + optind);
}
