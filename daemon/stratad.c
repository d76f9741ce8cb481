// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * stratad: the strata daemon. Reads its configuration (defaults, then the
 * file, then options), then runs its role until SIGTERM or SIGINT.
 *
 * Usage: stratad [-c FILE] [--KEY VALUE]... [--check-config] [--version]
 * The keys are the configuration file's (daemon/stratad.conf).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "stratad.h"

#define DEFAULT_CONFIG		"/etc/strata/stratad.conf"

volatile sig_atomic_t stratad_stop;

static void on_signal(int sig)
{
	(void)sig;
	stratad_stop = 1;
}

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: stratad [-c FILE] [--KEY VALUE]... [--check-config] [--version]\n"
		"  -c FILE          configuration file (default " DEFAULT_CONFIG ", if present)\n"
		"  --KEY VALUE      a key of the file, overriding it: --role sensor|central,\n"
		"                   --store DIR, --budget SIZE, --max-age DURATION, --flush-ms N,\n"
		"                   --compress zstd|none, --sync yes|no, --listen ADDR:PORT|off,\n"
		"                   --log-level error|warning|info|debug, --stats-interval DURATION;\n"
		"                   sensor: --central ADDR:PORT|off, --sensor-id ID, --api-url URL,\n"
		"                   --token SECRET, --ipfix-pen N, --capture yes|no;\n"
		"                   central: --collect ADDR:PORT, --macro-window DURATION,\n"
		"                   --token SECRET;\n"
		"                   both: --tls yes|no, --tls-cert FILE, --tls-key FILE,\n"
		"                   --tls-ca FILE; sensor: --tls-name NAME\n"
		"  --check-config   print the configuration in force and exit\n"
		"Runs in the foreground, logging to stderr, until SIGTERM or SIGINT.\n");
	return rc;
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	struct stratad_config c;
	struct sigaction sa;
	bool check = false;
	char err[512];
	int i;

	stratad_config_defaults(&c);
	/* The file first, wherever -c is, so that options override it. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "stratad: %s needs a file\n", argv[i]);
				return 2;
			}
			file = argv[++i];
		}
	}
	if (file || !access(DEFAULT_CONFIG, F_OK)) {
		if (stratad_config_file(&c, file ? file : DEFAULT_CONFIG, err, sizeof(err))) {
			fprintf(stderr, "stratad: %s\n", err);
			return 2;
		}
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			i++;
		} else if (!strcmp(a, "--check-config")) {
			check = true;
		} else if (!strcmp(a, "--version")) {
			printf("stratad %s\n", STRATAD_VERSION);
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			return usage(stdout, 0);
		} else if (!strncmp(a, "--", 2) && a[2] && i + 1 < argc) {
			if (stratad_config_set(&c, a + 2, argv[++i], err, sizeof(err))) {
				fprintf(stderr, "stratad: %s\n", err);
				return 2;
			}
		} else {
			fprintf(stderr, "stratad: unexpected '%s'%s\n", a,
				!strncmp(a, "--", 2) ? " (its value is missing)" : "");
			return usage(stderr, 2);
		}
	}
	stratad_log_level = c.log_level;
	if (check) {
		stratad_log_level = LOG_LVL_INFO;
		stratad_config_log(&c);
		return 0;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_info("stratad %s starting", STRATAD_VERSION);
	stratad_config_log(&c);
	return strcmp(c.role, "central") ? stratad_sensor(&c) : stratad_central(&c);
}
