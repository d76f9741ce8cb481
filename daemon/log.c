// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * stratad's log: stderr, one line per message. Under systemd (JOURNAL_STREAM
 * set) each line starts with "<N>", the syslog level journald reads;
 * otherwise with the time and the level's name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "stratad.h"

int stratad_log_level = LOG_LVL_INFO;

static const char *level_name(int level)
{
	switch (level) {
	case LOG_LVL_ERR: return "error";
	case LOG_LVL_WARN: return "warning";
	case LOG_LVL_INFO: return "info";
	default: return "debug";
	}
}

void stratad_log(int level, const char *fmt, ...)
{
	static int journal = -1;
	char line[1024];
	va_list ap;

	if (level > stratad_log_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (journal) {
		fprintf(stderr, "<%d>%s\n", level, line);
	} else {
		struct timespec ts;
		struct tm tm;
		char t[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld stratad %s: %s\n", t, ts.tv_nsec / 1000000,
			level_name(level), line);
	}
}
