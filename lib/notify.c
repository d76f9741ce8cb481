// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Notifications: a bounded queue that the alarm evaluator fills without
 * waiting, and a thread that POSTs each to a webhook and runs a command.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <jansson.h>
#include "err.h"
#include "notify.h"

extern char **environ;

struct job {
	struct strata_alarm a;
	bool raised;
	void (*fn)(void *arg, bool run);
	void *arg;
};

struct strata_notify {
	struct strata_notify_config c;
	char cmdbuf[STRATA_NOTIFY_COMMAND_MAX];
	char *argv[STRATA_NOTIFY_ARGS_MAX + 1];
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* a job queued, or stop */
	pthread_cond_t idle;	/* the queue emptied */
	struct job *q;
	unsigned int head, n;
	bool busy, stop;
	struct strata_notify_stats st;	/* under @mu */
};

void strata_notify_config_default(struct strata_notify_config *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = 10000;
	c->retries = 3;
	c->backoff_ms = 1000;
	c->queue_max = 1000;
}

static void say(struct strata_notify *n, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct strata_notify *n, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!n->c.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n->c.log(level, msg, n->c.log_arg);
}

static void count(struct strata_notify *n, __u64 *c)
{
	pthread_mutex_lock(&n->mu);
	(*c)++;
	pthread_mutex_unlock(&n->mu);
}

static __u64 mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000 + (__u64)t.tv_nsec / 1000000;
}

/* @ms from now on CLOCK_MONOTONIC (the condition variables' clock). */
static void deadline(struct timespec *t, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/* Sleeps @ms unless told to stop. Return: true when told to stop. */
static bool nap(struct strata_notify *n, unsigned int ms)
{
	struct timespec t;
	bool stop;

	deadline(&t, ms);
	pthread_mutex_lock(&n->mu);
	while (!n->stop && pthread_cond_timedwait(&n->cv, &n->mu, &t) == 0)
		;
	stop = n->stop;
	pthread_mutex_unlock(&n->mu);
	return stop;
}

static char *body_of(const struct job *j)
{
	json_t *o = json_pack("{s:s,s:o}", "event", j->raised ? "raise" : "clear",
			      "alarm", strata_alarm_json(&j->a));
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static size_t discard(char *p, size_t size, size_t nm, void *arg)
{
	(void)p;
	(void)arg;
	return size * nm;
}

/* One POST. Return: 0 on a 2xx; else @why says what went wrong. */
static int post(struct strata_notify *n, const char *body, char *why, size_t whylen)
{
	char err[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	long status = 0;
	CURLcode rc;
	CURL *c = curl_easy_init();

	if (!c || !h) {
		curl_easy_cleanup(c);
		curl_slist_free_all(h);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, n->c.url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)n->c.timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s", err[0] ? err : curl_easy_strerror(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		snprintf(why, whylen, "HTTP %ld", status);
		return -1;
	}
	return 0;
}

static void webhook(struct strata_notify *n, const struct job *j, const char *body)
{
	unsigned int attempt, wait = n->c.backoff_ms;
	char why[CURL_ERROR_SIZE + 32];

	for (attempt = 0;; attempt++) {
		if (!post(n, body, why, sizeof(why))) {
			count(n, &n->st.sent);
			return;
		}
		if (attempt == n->c.retries) {
			count(n, &n->st.failed);
			say(n, STRATA_NOTIFY_ERR, "notify: alarm %llu (%s): webhook %s failed %u times, "
			    "the last: %s; given up", (unsigned long long)j->a.id, j->a.rule, n->c.url,
			    attempt + 1, why);
			return;
		}
		say(n, STRATA_NOTIFY_WARN, "notify: alarm %llu: webhook %s: %s; again in %u ms",
		    (unsigned long long)j->a.id, n->c.url, why, wait);
		count(n, &n->st.retries);
		if (nap(n, wait)) {
			count(n, &n->st.failed);
			say(n, STRATA_NOTIFY_ERR, "notify: alarm %llu: webhook given up: stopping",
			    (unsigned long long)j->a.id);
			return;
		}
		wait = wait > 0x7fffffffU / 2 ? wait : wait * 2;
	}
}

/* The alarm as the command's environment: what the daemon has, then STRATA_*. */
static char **env_of(const struct job *j, const char *body, char store[][160], size_t nstore,
		     char **json)
{
	char key[96], **env;
	size_t n = 0, i = 0, k;
	const struct strata_alarm *a = &j->a;

	while (environ[n])
		n++;
	env = calloc(n + nstore + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (k = 0; k < n; k++)
		if (strncmp(environ[k], "STRATA_", 7))
			env[i++] = environ[k];
	k = 0;
	snprintf(store[k++], 160, "STRATA_EVENT=%s", j->raised ? "raise" : "clear");
	snprintf(store[k++], 160, "STRATA_ALARM_ID=%llu", (unsigned long long)a->id);
	snprintf(store[k++], 160, "STRATA_ALARM_RULE=%s", a->rule);
	snprintf(store[k++], 160, "STRATA_ALARM_METRIC=%.130s", a->metric);
	snprintf(store[k++], 160, "STRATA_ALARM_KEY=%s", strata_alarm_key_str(&a->key, key,
									  sizeof(key)));
	snprintf(store[k++], 160, "STRATA_ALARM_SEVERITY=%s",
		 strata_alarm_severity_name(a->severity));
	snprintf(store[k++], 160, "STRATA_ALARM_STATE=%s", a->open ? "active" : "cleared");
	snprintf(store[k++], 160, "STRATA_ALARM_START_NS=%llu", (unsigned long long)a->start_ns);
	snprintf(store[k++], 160, "STRATA_ALARM_END_NS=%llu", (unsigned long long)a->end_ns);
	snprintf(store[k++], 160, "STRATA_ALARM_VALUE=%.17g", a->value_start);
	snprintf(store[k++], 160, "STRATA_ALARM_PEAK=%.17g", a->peak);
	snprintf(store[k++], 160, "STRATA_ALARM_THRESHOLD=%.17g", a->threshold);
	for (k = 0; k < nstore && store[k][0]; k++)
		env[i++] = store[k];
	/* The whole alarm as the webhook has it; the caller frees it. */
	*json = NULL;
	if (body && asprintf(json, "STRATA_ALARM_JSON=%s", body) > 0)
		env[i++] = *json;
	else
		*json = NULL;
	return env;
}

static void command(struct strata_notify *n, const struct job *j, const char *body)
{
	char store[12][160], **env, *json;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	__u64 t0 = mono_ms();
	int rc, status = 0;
	bool killed = false;
	pid_t pid, w = 0;

	memset(store, 0, sizeof(store));
	env = env_of(j, body, store, 12, &json);
	if (!env) {
		count(n, &n->st.command_failed);
		say(n, STRATA_NOTIFY_ERR, "notify: %s: out of memory", n->argv[0]);
		return;
	}
	/*
	 * posix_spawn, not fork: this process has threads, and only the
	 * spawn's own steps run in the child. Its own process group, so
	 * that a timeout kills what it started too; stdin from /dev/null.
	 */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	rc = posix_spawnp(&pid, n->argv[0], &fa, &at, n->argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(json);
	free(env);
	if (rc) {
		count(n, &n->st.command_failed);
		say(n, STRATA_NOTIFY_ERR, "notify: alarm %llu: %s: cannot run: %s",
		    (unsigned long long)j->a.id, n->argv[0], strerror(rc));
		return;
	}
	while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
		if (mono_ms() - t0 >= n->c.timeout_ms) {
			kill(-pid, SIGKILL);
			killed = true;
			w = waitpid(pid, &status, 0);
			break;
		}
		usleep(5000);
	}
	if (killed) {
		count(n, &n->st.command_failed);
		count(n, &n->st.timeouts);
		say(n, STRATA_NOTIFY_ERR, "notify: alarm %llu: %s still running after %u ms: killed",
		    (unsigned long long)j->a.id, n->argv[0], n->c.timeout_ms);
	} else if (w < 0) {
		count(n, &n->st.command_failed);
		say(n, STRATA_NOTIFY_ERR, "notify: alarm %llu: %s: wait: %s",
		    (unsigned long long)j->a.id, n->argv[0], strerror(errno));
	} else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		count(n, &n->st.commands);
		say(n, STRATA_NOTIFY_INFO, "notify: alarm %llu: %s exited 0",
		    (unsigned long long)j->a.id, n->argv[0]);
	} else {
		count(n, &n->st.command_failed);
		say(n, STRATA_NOTIFY_ERR, "notify: alarm %llu: %s %s %d", (unsigned long long)j->a.id,
		    n->argv[0], WIFEXITED(status) ? "exited" : "killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
}

static void *notify_main(void *arg)
{
	struct strata_notify *n = arg;
	struct job j;
	char *body;

	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && !n->n)
			pthread_cond_wait(&n->cv, &n->mu);
		if (n->stop)
			break;
		j = n->q[n->head];
		n->head = (n->head + 1) % n->c.queue_max;
		n->n--;
		n->busy = true;
		pthread_mutex_unlock(&n->mu);
		if (j.fn) {
			j.fn(j.arg, true);
			count(n, &n->st.jobs);
		} else {
			body = body_of(&j);
			if (!body)
				say(n, STRATA_NOTIFY_ERR, "notify: alarm %llu: out of memory",
				    (unsigned long long)j.a.id);
			if (body && n->c.url[0])
				webhook(n, &j, body);
			if (body && n->argv[0])
				command(n, &j, body);
			free(body);
		}
		pthread_mutex_lock(&n->mu);
		n->busy = false;
		if (!n->n)
			pthread_cond_broadcast(&n->idle);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

/* What strata_notify_start() set up, once its thread is gone (or never was). */
static void notify_free(struct strata_notify *n)
{
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->idle);
	pthread_mutex_destroy(&n->mu);
	curl_global_cleanup();
	free(n->q);
	free(n);
}

struct strata_notify *strata_notify_start(const struct strata_notify_config *c, char *err,
					  size_t errlen)
{
	struct strata_notify *n;
	pthread_condattr_t ca;
	unsigned int i = 0;
	char *save, *w;
	int rc;

	if (c->url[0] && strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8)) {
		strata_seterr(err, errlen, EINVAL, "notify-url %s: not http:// or https://", c->url);
		return NULL;
	}
	if (!c->queue_max || !c->timeout_ms) {
		strata_seterr(err, errlen, EINVAL, "notify: a queue and a timeout above 0");
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n)
		n->q = calloc(c->queue_max, sizeof(*n->q));
	if (!n || !n->q) {
		free(n);
		strata_seterr(err, errlen, ENOMEM, "notify: out of memory");
		return NULL;
	}
	n->c = *c;
	snprintf(n->cmdbuf, sizeof(n->cmdbuf), "%s", c->command);
	for (w = strtok_r(n->cmdbuf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (i == STRATA_NOTIFY_ARGS_MAX) {
			free(n->q);
			free(n);
			strata_seterr(err, errlen, E2BIG, "notify-command: more than %d words",
				      STRATA_NOTIFY_ARGS_MAX);
			return NULL;
		}
		n->argv[i++] = w;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(n->q);
		free(n);
		strata_seterr(err, errlen, EIO, "notify: libcurl failed to start");
		return NULL;
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_cond_init(&n->idle, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&n->th, NULL, notify_main, n);
	if (rc) {
		notify_free(n);
		strata_seterr(err, errlen, rc, "notify: a thread: %s", strerror(rc));
		return NULL;
	}
	return n;
}

static int push(struct strata_notify *n, const struct job *j)
{
	pthread_mutex_lock(&n->mu);
	if (n->stop || n->n == n->c.queue_max) {
		n->st.dropped++;
		pthread_mutex_unlock(&n->mu);
		return -ENOSPC;
	}
	n->q[(n->head + n->n) % n->c.queue_max] = *j;
	n->n++;
	n->st.queued++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	return 0;
}

int strata_notify_alarm(struct strata_notify *n, const struct strata_alarm *a, bool raised)
{
	struct job j = { .a = *a, .raised = raised };

	return push(n, &j);
}

int strata_notify_run(struct strata_notify *n, void (*fn)(void *arg, bool run), void *arg)
{
	struct job j = { .fn = fn, .arg = arg };

	return push(n, &j);
}

int strata_notify_flush(struct strata_notify *n, unsigned int timeout_ms)
{
	struct timespec t;
	int rc = 0;

	deadline(&t, timeout_ms);
	pthread_mutex_lock(&n->mu);
	while ((n->n || n->busy) && !rc)
		rc = pthread_cond_timedwait(&n->idle, &n->mu, &t);
	pthread_mutex_unlock(&n->mu);
	return rc ? -ETIMEDOUT : 0;
}

void strata_notify_stats(struct strata_notify *n, struct strata_notify_stats *st)
{
	pthread_mutex_lock(&n->mu);
	*st = n->st;
	pthread_mutex_unlock(&n->mu);
}

void strata_notify_stop(struct strata_notify *n)
{
	unsigned int dropped = 0;
	struct job *j;

	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->th, NULL);
	for (; n->n; n->n--, n->head = (n->head + 1) % n->c.queue_max) {
		j = &n->q[n->head];
		if (j->fn)
			j->fn(j->arg, false);
		dropped++;
	}
	n->st.dropped += dropped;
	if (dropped)
		say(n, STRATA_NOTIFY_WARN, "notify: stopping: %u notifications not sent", dropped);
	notify_free(n);
}
