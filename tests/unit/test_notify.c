// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of notifications (lib/notify.c): a webhook received by a local
 * HTTP listener, retries of a failing one, a command with the alarm in its
 * environment, a hung command killed at its timeout, a full queue.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <jansson.h>

#include "unit.h"
#include "notify.h"

/* ---- a listener: answers @fail requests with 500, then 200; keeps the bodies ---- */

struct listener {
	int fd;
	unsigned short port;
	pthread_t th;
	unsigned int fail;
	unsigned int requests;
	char body[4][4096];
};

static void *listen_main(void *arg)
{
	struct listener *l = arg;
	char buf[8192];
	int c;

	while ((c = accept(l->fd, NULL, NULL)) >= 0) {
		size_t have = 0;
		char *hdr_end = NULL, *cl;
		long len = -1;
		ssize_t r;

		while (have < sizeof(buf) - 1) {
			r = recv(c, buf + have, sizeof(buf) - 1 - have, 0);
			if (r <= 0)
				break;
			have += (size_t)r;
			buf[have] = 0;
			hdr_end = strstr(buf, "\r\n\r\n");
			if (hdr_end && len < 0) {
				cl = strcasestr(buf, "Content-Length:");
				len = cl ? strtol(cl + 15, NULL, 10) : 0;
			}
			if (hdr_end && (long)(have - (size_t)(hdr_end + 4 - buf)) >= len)
				break;
		}
		if (hdr_end && l->requests < 4)
			snprintf(l->body[l->requests], sizeof(l->body[0]), "%s", hdr_end + 4);
		/* Counted before the answer: once a client has it, the count is in. */
		if (__atomic_add_fetch(&l->requests, 1, __ATOMIC_SEQ_CST) <= l->fail)
			dprintf(c, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
		else
			dprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
		close(c);
	}
	return NULL;
}

static void listener_start(struct listener *l, unsigned int fail)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	memset(l, 0, sizeof(*l));
	l->fail = fail;
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l->fd, 8), 0);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &al), 0);
	l->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&l->th, NULL, listen_main, l), 0);
}

static void listener_stop(struct listener *l)
{
	shutdown(l->fd, SHUT_RDWR);
	close(l->fd);
	pthread_join(l->th, NULL);
}

/* ---- helpers ---- */

struct logs {
	pthread_mutex_t mu;
	char text[8192];
};

static void on_log(int level, const char *msg, void *arg)
{
	struct logs *lg = arg;
	size_t n;

	(void)level;
	pthread_mutex_lock(&lg->mu);
	n = strlen(lg->text);
	snprintf(lg->text + n, sizeof(lg->text) - n, "%s\n", msg);
	pthread_mutex_unlock(&lg->mu);
}

static void alarm_of(struct strata_alarm *a, __u64 id)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	snprintf(a->rule, sizeof(a->rule), "slow-web");
	snprintf(a->metric, sizeof(a->metric), "rtt_ms");
	a->key.group = STRATA_GROUP_SERVICE;
	a->key.family = 4;
	a->key.proto = 6;
	a->key.port = 443;
	a->key.addr[10] = a->key.addr[11] = 0xff;
	a->key.addr[12] = 192;
	a->key.addr[13] = 0;
	a->key.addr[14] = 2;
	a->key.addr[15] = 10;
	a->severity = STRATA_SEV_CRITICAL;
	a->above = 1;
	a->open = 1;
	a->start_ns = 1700000000000000000ULL;
	a->raised_ns = a->start_ns;
	a->value_start = 72.5;
	a->peak = 80;
	a->threshold = 50;
}

static struct strata_notify *start(struct strata_notify_config *c, struct logs *lg)
{
	char err[256] = "";
	struct strata_notify *n;

	c->log = on_log;
	c->log_arg = lg;
	n = strata_notify_start(c, err, sizeof(err));
	if (!n)
		fail_msg("%s", err);
	return n;
}

/* @n's notification of @a (raised or cleared), handed over and delivered. */
static void deliver(struct strata_notify *n, const struct strata_alarm *a, bool raise)
{
	assert_int_equal(strata_notify_alarm(n, a, raise), 0);
	assert_int_equal(strata_notify_flush(n, 10000), 0);
}

/* ---- webhooks ---- */

/* A listener failing its first @fails requests, and @c posting to it. */
static void hook_config(struct listener *l, unsigned int fails, struct strata_notify_config *c)
{
	listener_start(l, fails);
	strata_notify_config_default(c);
	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%u/hook", l->port);
}

/* The body is the alarm as the API has it, with the event. */
static void test_webhook(void **state)
{
	struct strata_notify_config c;
	struct strata_notify_stats st;
	struct logs lg = { PTHREAD_MUTEX_INITIALIZER, "" };
	struct strata_notify *n;
	struct listener l;
	struct strata_alarm a;
	json_t *v;

	(void)state;
	hook_config(&l, 0, &c);
	n = start(&c, &lg);
	alarm_of(&a, 42);
	deliver(n, &a, true);
	strata_notify_stats(n, &st);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(__atomic_load_n(&l.requests, __ATOMIC_SEQ_CST), 1);
	v = json_loads(l.body[0], 0, NULL);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "event")), "raise");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "alarm"), "id")), 42);
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "alarm"), "key")),
			    "192.0.2.10:443/tcp");
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "alarm"),
							      "severity")), "critical");
	json_decref(v);
	strata_notify_stop(n);
	listener_stop(&l);
}

/*
 * An endpoint that fails: each attempt after the first is a retry, after
 * the last the notification is given up, counted and logged; one that
 * fails once is retried and sent.
 */
static void test_webhook_retries(void **state)
{
	struct strata_notify_config c;
	struct strata_notify_stats st;
	struct logs lg = { PTHREAD_MUTEX_INITIALIZER, "" };
	struct strata_notify *n;
	struct listener l;
	struct strata_alarm a;
	__u64 t0;
	struct timespec t;

	(void)state;
	hook_config(&l, 100, &c);
	c.retries = 2;
	c.backoff_ms = 100;
	n = start(&c, &lg);
	alarm_of(&a, 7);
	clock_gettime(CLOCK_MONOTONIC, &t);
	t0 = (__u64)t.tv_sec * 1000 + (__u64)t.tv_nsec / 1000000;
	deliver(n, &a, false);
	clock_gettime(CLOCK_MONOTONIC, &t);
	/* 100 ms, then 200 ms between the three attempts: the backoff doubles. */
	assert_true((__u64)t.tv_sec * 1000 + (__u64)t.tv_nsec / 1000000 - t0 >= 300);
	strata_notify_stats(n, &st);
	assert_int_equal(__atomic_load_n(&l.requests, __ATOMIC_SEQ_CST), 3);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retries, 2);
	assert_non_null(strstr(lg.text, "failed 3 times, the last: HTTP 500; given up"));
	strata_notify_stop(n);
	listener_stop(&l);

	listener_start(&l, 1);
	snprintf(c.url, sizeof(c.url), "http://127.0.0.1:%u/hook", l.port);
	n = start(&c, &lg);
	deliver(n, &a, true);
	strata_notify_stats(n, &st);
	assert_int_equal(__atomic_load_n(&l.requests, __ATOMIC_SEQ_CST), 2);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.failed, 0);
	strata_notify_stop(n);
	listener_stop(&l);
}

/* Nothing listens: a connection refused is a failure like any other. */
static void test_webhook_refused(void **state)
{
	struct strata_notify_config c;
	struct strata_notify_stats st;
	struct logs lg = { PTHREAD_MUTEX_INITIALIZER, "" };
	struct strata_notify *n;
	struct listener l;
	struct strata_alarm a;

	(void)state;
	hook_config(&l, 0, &c);
	listener_stop(&l);	/* its port, now closed */
	c.retries = 1;
	c.backoff_ms = 10;
	n = start(&c, &lg);
	alarm_of(&a, 8);
	deliver(n, &a, true);
	strata_notify_stats(n, &st);
	assert_int_equal(st.failed, 1);
	assert_non_null(strstr(lg.text, "given up"));
	strata_notify_stop(n);
}

/* ---- commands ---- */

static void write_script(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0700), 0);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

/*
 * The command gets the alarm in its environment and its arguments as
 * written, word for word: "$(id);x" is an argument, never run.
 */
static void test_command_env(void **state)
{
	struct strata_notify_config c;
	struct strata_notify_stats st;
	struct logs lg = { PTHREAD_MUTEX_INITIALIZER, "" };
	struct strata_notify *n;
	struct strata_alarm a;
	char dir[] = "/tmp/strata-notify-XXXXXX", script[64], out[64], text[8192];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/hook.sh", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	write_script(script, "#!/bin/sh\nenv > \"$1\"\necho \"ARG2=$2\" >> \"$1\"\nexit 3\n");
	strata_notify_config_default(&c);
	snprintf(c.command, sizeof(c.command), "%s %s $(id);x", script, out);
	n = start(&c, &lg);
	alarm_of(&a, 5);
	a.open = 0;
	a.end_ns = a.start_ns + 900000000000ULL;
	deliver(n, &a, false);
	slurp(out, text, sizeof(text));
	assert_non_null(strstr(text, "STRATA_EVENT=clear\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_ID=5\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_RULE=slow-web\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_KEY=192.0.2.10:443/tcp\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_SEVERITY=critical\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_STATE=cleared\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_VALUE=72.5\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_END_NS=1700000900000000000\n"));
	assert_non_null(strstr(text, "STRATA_ALARM_JSON={\"event\":\"clear\""));
	assert_non_null(strstr(text, "PATH="));	/* the daemon's own environment too */
	assert_non_null(strstr(text, "ARG2=$(id);x\n"));
	/* Its exit status is logged and counted. */
	strata_notify_stats(n, &st);
	assert_int_equal(st.command_failed, 1);
	assert_non_null(strstr(lg.text, "hook.sh exited 3"));
	strata_notify_stop(n);
	unlink(out);
	unlink(script);
	rmdir(dir);
}

/* A command that hangs is killed at its timeout, with what it started. */
static void test_command_timeout(void **state)
{
	struct strata_notify_config c;
	struct strata_notify_stats st;
	struct logs lg = { PTHREAD_MUTEX_INITIALIZER, "" };
	struct strata_notify *n;
	struct strata_alarm a;
	char dir[] = "/tmp/strata-notify-XXXXXX", script[64], pidf[64], text[64];
	struct timespec t0, t1;
	pid_t child;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/hang.sh", dir);
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	write_script(script, "#!/bin/sh\nsleep 30 &\necho $! > \"$1\"\nwait\n");
	strata_notify_config_default(&c);
	snprintf(c.command, sizeof(c.command), "%s %s", script, pidf);
	c.timeout_ms = 300;
	n = start(&c, &lg);
	alarm_of(&a, 6);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	deliver(n, &a, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	strata_notify_stats(n, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.command_failed, 1);
	assert_non_null(strstr(lg.text, "still running after 300 ms: killed"));
	/* The sleep it started went with it (the process group). */
	slurp(pidf, text, sizeof(text));
	child = (pid_t)atoi(text);
	assert_true(child > 0);
	for (i = 0; i < 200 && !kill(child, 0); i++)
		usleep(10000);
	assert_int_equal(kill(child, 0), -1);
	strata_notify_stop(n);
	unlink(pidf);
	unlink(script);
	rmdir(dir);
}

/* A full queue drops and counts, never waits; a bad URL is refused at the start. */
static void test_queue_full_and_config(void **state)
{
	struct strata_notify_config c;
	struct logs lg = { PTHREAD_MUTEX_INITIALIZER, "" };
	struct strata_notify *n;
	struct strata_alarm a;
	char err[256];
	unsigned int i, refused = 0;

	(void)state;
	strata_notify_config_default(&c);
	snprintf(c.command, sizeof(c.command), "sleep 1");
	c.queue_max = 2;
	n = start(&c, &lg);
	alarm_of(&a, 1);
	for (i = 0; i < 10; i++)
		refused += strata_notify_alarm(n, &a, true) == -ENOSPC;
	assert_true(refused >= 7);
	strata_notify_stop(n);

	strata_notify_config_default(&c);
	snprintf(c.url, sizeof(c.url), "ftp://example.org/");
	assert_null(strata_notify_start(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "not http:// or https://"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook),
		cmocka_unit_test(test_webhook_retries),
		cmocka_unit_test(test_webhook_refused),
		cmocka_unit_test(test_command_env),
		cmocka_unit_test(test_command_timeout),
		cmocka_unit_test(test_queue_full_and_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
