/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * What the strata tool's command files share: the command signature and
 * the error helpers that give exit codes 0 (ok), 1 (error), 2 (usage).
 */
#ifndef STRATA_TOOL_H
#define STRATA_TOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define EXIT_USAGE 2

/* A command gets the arguments after its name; returns the exit code. */
typedef int (*cmd_fn)(int argc, char **argv);

int cmd_analyze(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_microflows(int argc, char **argv);
int cmd_packets(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_store(int argc, char **argv);

struct strata_mflow;
struct strata_mf_info;
struct strata_store_info;
/* A store's summary (store.c): text lines, or a JSON object's fields. */
void print_store_info(const struct strata_store_info *in, const char *dir);
/* A microflow's fields (microflows.c): one text line, or a JSON object's. */
void print_microflow(const struct strata_mflow *mf, const struct strata_mf_info *info);

/* Print "strata: OP: MESSAGE" on stderr and return 1 (or 2 for usage). */
int fail(const char *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int usage_error(const char *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "strata: MSG" for a library message that names its operation; 1. */
int fail_msg(const char *msg);

/* Print an address of a flow key in its family's usual form. */
const char *addr_str(const unsigned char addr[16], int family, char *buf,
		     unsigned int len);

/* Local time of @ns since the epoch, "HH:MM:SS" and @digits decimals. */
const char *time_str(__u64 ns, unsigned int digits, char *buf, size_t len);

/*
 * Set by SIGINT and SIGTERM once stop_on_signals() ran: commands that follow
 * a stream check it and end cleanly. The handlers interrupt blocking calls
 * (no SA_RESTART), which then fail with EINTR.
 */
extern volatile sig_atomic_t stop_requested;
void stop_on_signals(void);

/* query.c: a request to the central API ($STRATA_CENTRAL or this by default). */
#define CENTRAL_DEFAULT	"http://127.0.0.1:8470"

struct central_body {
	char *p;		/* the body (malloc'ed, NUL-terminated), the caller frees */
	size_t len;
	char partial[256];	/* Strata-Partial: the locations missing */
	bool truncated;		/* Strata-Truncated */
};

/*
 * @method ("GET", "POST" with an empty body) @path?@query on the central
 * API at @central into @b, with "Authorization: Bearer @token" unless
 * @token is NULL. Return: 0, or 1 after "strata: OP: ..." (an error of the
 * transfer, or the API's own message of a status not 200), 2 for a token
 * too long.
 */
int central_api(const char *op, const char *method, const char *central, const char *path,
		const char *query, const char *token, struct central_body *b);

int cmd_alarm(int argc, char **argv);

/* Parse the count of -c: 1 or more. Return 0 or the usage error's code. */
int parse_count(const char *op, const char *s, unsigned long long *n);

#endif /* STRATA_TOOL_H */
