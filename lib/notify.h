/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Notifications of alarms: a webhook (a JSON POST with libcurl) and a
 * command (the alarm in its environment), from a queue on a thread of their own.
 */
#ifndef STRATA_NOTIFY_H
#define STRATA_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "alarm.h"

#define STRATA_NOTIFY_URL_MAX		256
#define STRATA_NOTIFY_COMMAND_MAX	512
#define STRATA_NOTIFY_ARGS_MAX		32

/* Log levels of struct strata_notify_config.log: syslog's numbers. */
#define STRATA_NOTIFY_ERR	3
#define STRATA_NOTIFY_WARN	4
#define STRATA_NOTIFY_INFO	6

/**
 * struct strata_notify_config - where notifications go
 * @url: the webhook, http:// or https:// ("": none)
 * @command: a command line, split at blanks (no shell, no quoting): the
 *	program (searched in PATH) and its arguments ("": none)
 * @timeout_ms: the most one webhook attempt, or one command, may take;
 *	a command still running then is killed (its process group)
 * @retries: webhook attempts after a failed one
 * @backoff_ms: the wait before the first retry, doubled before each next
 * @queue_max: notifications waiting at most; more are dropped (counted)
 * @log: called with each message worth logging (a failure, a command's
 *	exit status), on the notifier's thread; may be NULL
 * @log_arg: passed to @log
 */
struct strata_notify_config {
	char url[STRATA_NOTIFY_URL_MAX];
	char command[STRATA_NOTIFY_COMMAND_MAX];
	unsigned int timeout_ms;
	unsigned int retries;
	unsigned int backoff_ms;
	unsigned int queue_max;
	void (*log)(int level, const char *msg, void *arg);
	void *log_arg;
};

/**
 * struct strata_notify_stats - since the start
 * @queued: notifications taken
 * @dropped: not taken: the queue was full (or stopping)
 * @sent: webhook POSTs answered 2xx
 * @failed: webhook notifications given up after every retry
 * @retries: webhook attempts after a failed one
 * @commands: commands run that exited 0
 * @command_failed: commands that could not start, exited non-zero or were
 *	killed at the timeout
 * @timeouts: of those, killed at the timeout
 * @jobs: other jobs run (strata_notify_run())
 */
struct strata_notify_stats {
	__u64 queued, dropped, sent, failed, retries, commands, command_failed, timeouts, jobs;
};

struct strata_notify;

/* strata_notify_config_default() - 10 s, 3 retries from 1 s, 1000 queued. */
void strata_notify_config_default(struct strata_notify_config *c);

/**
 * strata_notify_start() - start the notifier thread
 * @c: where to send (copied)
 * @err: filled on failure
 * @errlen: its size
 *
 * Return: the notifier, or NULL (@err says why: a bad URL or command, no
 * memory, no thread).
 */
struct strata_notify *strata_notify_start(const struct strata_notify_config *c, char *err,
					  size_t errlen);

/**
 * strata_notify_alarm() - queue an alarm's notification
 * @n: the notifier
 * @a: the alarm, as stored after the event
 * @raised: raised (else cleared)
 *
 * Never waits on the network or the command: the caller may be the one
 * that evaluates alarms.
 *
 * Return: 0, or -ENOSPC (the queue is full: dropped and counted).
 */
int strata_notify_alarm(struct strata_notify *n, const struct strata_alarm *a, bool raised);

/**
 * strata_notify_run() - queue a job of the caller's on the notifier thread
 * @n: the notifier
 * @fn: the job (a request to a sensor that may take seconds), called with
 *	@run true; or with @run false where the job is dropped at the stop,
 *	so that it frees @arg
 * @arg: passed to @fn, which owns it from then on
 *
 * Return: 0, or -ENOSPC (not queued: @arg is still the caller's).
 */
int strata_notify_run(struct strata_notify *n, void (*fn)(void *arg, bool run), void *arg);

/**
 * strata_notify_flush() - wait until the queue is done
 * @n: the notifier
 * @timeout_ms: waiting at most this long
 *
 * Return: 0, or -ETIMEDOUT.
 */
int strata_notify_flush(struct strata_notify *n, unsigned int timeout_ms);

void strata_notify_stats(struct strata_notify *n, struct strata_notify_stats *st);

/**
 * strata_notify_stop() - stop the thread (NULL is fine)
 * @n: the notifier
 *
 * The notification under way is finished (within its timeout, retries cut
 * short); those still queued are dropped, counted and logged.
 */
void strata_notify_stop(struct strata_notify *n);

#endif /* STRATA_NOTIFY_H */
