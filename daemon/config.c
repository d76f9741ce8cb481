// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * stratad's configuration: defaults, then the file (key = value lines),
 * then command-line options, each through stratad_config_set(), so a key
 * means the same in both places. The keys: daemon/stratad.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ipfix.h"
#include "keywords.h"
#include "store.h"
#include "stratad.h"

void stratad_config_defaults(struct stratad_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->role, sizeof(c->role), "sensor");
	snprintf(c->store, sizeof(c->store), "/var/lib/strata/store");
	c->budget = STRATA_STORE_BUDGET_DEFAULT;
	c->flush_ms = 1000;
	c->codec = STRATA_STORE_CODEC_ZSTD;
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8470");
	c->log_level = LOG_LVL_INFO;
	c->stats_s = 60;
	if (gethostname(c->sensor_id, sizeof(c->sensor_id)) || !*c->sensor_id)
		snprintf(c->sensor_id, sizeof(c->sensor_id), "sensor");
	c->sensor_id[sizeof(c->sensor_id) - 1] = 0;
	c->pen = STRATA_IPFIX_PEN_DEFAULT;
	snprintf(c->collect, sizeof(c->collect), "0.0.0.0:4739");
	c->macro_window_s = STRATA_MACRO_WINDOW_NS / 1000000000ULL;
	c->capture = true;
	strata_alarm_config_default(&c->alarm);
	c->alarm_wait_s = 120;
	strata_notify_config_default(&c->notify);
}

/* A positive number ("4", "2.5"). */
static int parse_positive(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end == s || *end || !(*v > 0) || *v > 1e6 ? -EINVAL : 0;
}

/* "service,application", "client", "none": bits of STRATA_GROUP_*. */
static int parse_groups(const char *s, unsigned int *groups)
{
	static const char *const names[__STRATA_GROUP_MAX] = { "service", "client", "application" };
	char buf[64], *w, *save;
	unsigned int g, bits = 0;

	if (!strcmp(s, "none")) {
		*groups = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		for (g = 0; g < __STRATA_GROUP_MAX && strcmp(w, names[g]); g++)
			;
		if (g == __STRATA_GROUP_MAX)
			return -EINVAL;
		bits |= 1U << g;
	}
	if (!bits)
		return -EINVAL;
	*groups = bits;
	return 0;
}

/* An "alarm" line: one more rule, its name not taken. */
static int add_alarm(struct stratad_config *c, const char *v, char *err, size_t errlen)
{
	struct strata_alarm_rule *r = &c->alarms[c->nalarms];
	char msg[256];
	unsigned int i;

	if (c->nalarms == STRATAD_ALARMS_MAX) {
		snprintf(err, errlen, "alarm: more than %d rules", STRATAD_ALARMS_MAX);
		return -EINVAL;
	}
	if (strata_alarm_rule_parse(v, r, msg, sizeof(msg))) {
		snprintf(err, errlen, "alarm '%s': %s", v, msg);
		return -EINVAL;
	}
	for (i = 0; i < c->nalarms; i++) {
		if (!strcmp(c->alarms[i].name, r->name)) {
			snprintf(err, errlen, "alarm '%s': a rule named %s already (names are unique)",
				 v, r->name);
			return -EINVAL;
		}
	}
	c->nalarms++;
	c->alarm.rules = c->alarms;
	c->alarm.nrules = c->nalarms;
	return 0;
}

/* A sensor id: printable ASCII without spaces, quotes or slashes. */
static int check_id(const char *v)
{
	if (!*v)
		return -EINVAL;
	for (; *v; v++)
		if (*v <= ' ' || *v > '~' || *v == '"' || *v == '/' || *v == '\\')
			return -EINVAL;
	return 0;
}

/* "30", "30s", "15m", "12h", "7d": seconds. */
static int parse_duration(const char *s, __u64 *secs)
{
	static const struct { char unit; __u64 mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t n = strlen(s), i, digits = n;
	__u64 mult = 1, v = 0;

	if (!n)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s[n - 1] == units[i].unit) {
			mult = units[i].mult;
			digits = n - 1;
			break;
		}
	}
	if (!digits)
		return -EINVAL;
	for (i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (~0ULL - 9) / 10)
			return -ERANGE;
		v = v * 10 + (__u64)(s[i] - '0');
	}
	if (v > ~0ULL / mult)
		return -ERANGE;
	*secs = v * mult;
	return 0;
}

static int parse_bool(const char *s, bool *b)
{
	if (!strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "true") || !strcmp(s, "1"))
		*b = true;
	else if (!strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "false") || !strcmp(s, "0"))
		*b = false;
	else
		return -EINVAL;
	return 0;
}

static int copy_str(char *to, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return -ENAMETOOLONG;
	strcpy(to, s);
	return 0;
}

int stratad_config_set(struct stratad_config *c, const char *key, const char *v,
		       char *err, size_t errlen)
{
	const char *want = NULL;
	__u64 x;
	__u32 u;
	int rc = 0;

	if (!strcmp(key, "role")) {
		want = "sensor or central";
		rc = strcmp(v, "sensor") && strcmp(v, "central") ? -EINVAL :
			copy_str(c->role, sizeof(c->role), v);
	} else if (!strcmp(key, "store")) {
		want = "a directory";
		rc = *v ? copy_str(c->store, sizeof(c->store), v) : -EINVAL;
	} else if (!strcmp(key, "budget")) {
		want = "a size from 1M (512M, 4G, ...)";
		rc = strata_kw_size(v, STRATA_STORE_BUDGET_MIN, 1ULL << 50, &x);
		if (!rc)
			c->budget = x;
	} else if (!strcmp(key, "max-age")) {
		want = "a duration (0, 3600, 90m, 12h, 7d)";
		rc = parse_duration(v, &x);
		if (!rc)
			c->max_age_s = x;
	} else if (!strcmp(key, "flush-ms")) {
		want = "milliseconds from 10 to 60000";
		rc = strata_kw_u32(v, 10, 60000, &u);
		if (!rc)
			c->flush_ms = u;
	} else if (!strcmp(key, "compress")) {
		want = "zstd or none";
		if (!strcmp(v, "zstd"))
			c->codec = STRATA_STORE_CODEC_ZSTD;
		else if (!strcmp(v, "none"))
			c->codec = STRATA_STORE_CODEC_NONE;
		else
			rc = -EINVAL;
	} else if (!strcmp(key, "sync")) {
		want = "yes or no";
		rc = parse_bool(v, &c->sync);
	} else if (!strcmp(key, "listen")) {
		want = "ADDR:PORT, [V6]:PORT or off";
		rc = copy_str(c->listen, sizeof(c->listen), strcmp(v, "off") ? v : "");
	} else if (!strcmp(key, "log-level")) {
		want = "error, warning, info or debug";
		if (!strcmp(v, "error"))
			c->log_level = LOG_LVL_ERR;
		else if (!strcmp(v, "warning"))
			c->log_level = LOG_LVL_WARN;
		else if (!strcmp(v, "info"))
			c->log_level = LOG_LVL_INFO;
		else if (!strcmp(v, "debug"))
			c->log_level = LOG_LVL_DEBUG;
		else
			rc = -EINVAL;
	} else if (!strcmp(key, "stats-interval")) {
		want = "a duration (0: never)";
		rc = parse_duration(v, &x);
		if (!rc && x > 86400)
			rc = -ERANGE;
		if (!rc)
			c->stats_s = (__u32)x;
	} else if (!strcmp(key, "capture")) {
		want = "yes or no";
		rc = parse_bool(v, &c->capture);
	} else if (!strcmp(key, "central")) {
		want = "ADDR:PORT, [V6]:PORT or off";
		rc = copy_str(c->central, sizeof(c->central), strcmp(v, "off") ? v : "");
	} else if (!strcmp(key, "sensor-id")) {
		want = "printable ASCII without spaces, quotes or slashes, under 64 bytes";
		rc = check_id(v) ? -EINVAL : copy_str(c->sensor_id, sizeof(c->sensor_id), v);
	} else if (!strcmp(key, "api-url")) {
		want = "http://ADDR:PORT, under 128 bytes";
		rc = strncmp(v, "http://", 7) && *v ? -EINVAL :
			copy_str(c->api_url, sizeof(c->api_url), v);
	} else if (!strcmp(key, "token")) {
		want = "a secret under 128 bytes";
		rc = copy_str(c->token, sizeof(c->token), v);
	} else if (!strcmp(key, "ipfix-pen")) {
		want = "a private enterprise number (1 to 4294967295)";
		rc = strata_kw_u32(v, 1, 0xffffffffU, &c->pen);
	} else if (!strcmp(key, "collect")) {
		want = "ADDR:PORT or [V6]:PORT";
		rc = copy_str(c->collect, sizeof(c->collect), v);
	} else if (!strcmp(key, "tls")) {
		want = "yes or no";
		rc = parse_bool(v, &c->tls);
	} else if (!strcmp(key, "tls-cert")) {
		want = "a PEM file's path under 256 bytes";
		rc = copy_str(c->tls_cert, sizeof(c->tls_cert), v);
	} else if (!strcmp(key, "tls-key")) {
		want = "a PEM file's path under 256 bytes";
		rc = copy_str(c->tls_key, sizeof(c->tls_key), v);
	} else if (!strcmp(key, "tls-ca")) {
		want = "a PEM file's path under 256 bytes";
		rc = copy_str(c->tls_ca, sizeof(c->tls_ca), v);
	} else if (!strcmp(key, "tls-name")) {
		want = "a DNS name or an address, printable ASCII without spaces";
		rc = *v && check_id(v) ? -EINVAL : copy_str(c->tls_name, sizeof(c->tls_name), v);
	} else if (!strcmp(key, "macro-window")) {
		want = "a whole number of minutes (15m, 1h)";
		rc = parse_duration(v, &x);
		if (!rc && (!x || x % 60 || x > 86400))
			rc = -ERANGE;
		if (!rc)
			c->macro_window_s = x;
	} else if (!strcmp(key, "alarm")) {
		return add_alarm(c, v, err, errlen);
	} else if (!strcmp(key, "alarm-wait")) {
		want = "a duration up to a day (2m, 90s)";
		rc = parse_duration(v, &x);
		if (!rc && x > 86400)
			rc = -ERANGE;
		if (!rc)
			c->alarm_wait_s = x;
	} else if (!strcmp(key, "alarm-budget")) {
		want = "a size from 4M (256M, 1G)";
		rc = strata_kw_size(v, 4ULL << 20, 1ULL << 40, &c->alarm.budget);
	} else if (!strcmp(key, "alarm-history")) {
		want = "a number of alarms from 10 to 10000000";
		rc = strata_kw_u32(v, 10, 10000000, &u);
		if (!rc)
			c->alarm.history_max = u;
	} else if (!strcmp(key, "baseline-season")) {
		want = "a number of macroflow windows from 1 to 1440";
		rc = strata_kw_u32(v, 1, STRATA_HW_SEASON_MAX, &u);
		if (!rc)
			c->alarm.hw.season = u;
	} else if (!strcmp(key, "baseline-possibly")) {
		want = "a score above 0 (4, 3.5)";
		rc = parse_positive(v, &c->alarm.hw.possibly);
	} else if (!strcmp(key, "baseline-abnormal")) {
		want = "a score above 0 (6, 8.5)";
		rc = parse_positive(v, &c->alarm.hw.abnormal);
	} else if (!strcmp(key, "baseline-groups")) {
		want = "service, client, application, a list of them (service,application) or none";
		rc = parse_groups(v, &c->alarm.base_groups);
	} else if (!strcmp(key, "baseline-keys")) {
		want = "a number of keys from 1 to 10000000";
		rc = strata_kw_u32(v, 1, 10000000, &u);
		if (!rc)
			c->alarm.base_keys_max = u;
	} else if (!strcmp(key, "api-token")) {
		want = "a secret under 128 bytes";
		rc = copy_str(c->api_token, sizeof(c->api_token), v);
	} else if (!strcmp(key, "notify-url")) {
		want = "http://... or https://..., under 256 bytes, or empty";
		rc = *v && strncmp(v, "http://", 7) && strncmp(v, "https://", 8) ? -EINVAL :
			copy_str(c->notify.url, sizeof(c->notify.url), v);
	} else if (!strcmp(key, "notify-command")) {
		want = "a command line under 512 bytes (no shell), or empty";
		rc = copy_str(c->notify.command, sizeof(c->notify.command), v);
	} else if (!strcmp(key, "notify-timeout")) {
		want = "a duration from 1 s to 5 min";
		rc = parse_duration(v, &x);
		if (!rc && (!x || x > 300))
			rc = -ERANGE;
		if (!rc)
			c->notify.timeout_ms = (unsigned int)x * 1000;
	} else if (!strcmp(key, "notify-retries")) {
		want = "a number from 0 to 10";
		rc = strata_kw_u32(v, 0, 10, &u);
		if (!rc)
			c->notify.retries = u;
	} else {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -ENOENT;
	}
	if (rc)
		snprintf(err, errlen, "%s: '%s' is not %s", key, v, want);
	return rc ? -EINVAL : 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

int stratad_config_file(struct stratad_config *c, const char *path, char *err,
			size_t errlen)
{
	char line[1024], msg[512];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "config %s: %s", path, strerror(e));
		return -e;
	}
	while (fgets(line, sizeof(line), f)) {
		char *k, *v, *eq;

		n++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "config %s:%u: line longer than %zu bytes", path, n,
				 sizeof(line) - 2);
			fclose(f);
			return -EINVAL;
		}
		k = trim(line);
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(err, errlen, "config %s:%u: expected 'key = value'", path, n);
			fclose(f);
			return -EINVAL;
		}
		*eq = 0;
		v = trim(eq + 1);
		k = trim(k);
		if (stratad_config_set(c, k, v, msg, sizeof(msg))) {
			snprintf(err, errlen, "config %s:%u: %s", path, n, msg);
			fclose(f);
			return -EINVAL;
		}
	}
	fclose(f);
	return 0;
}

void stratad_config_log(const struct stratad_config *c)
{
	log_info("role %s, store %s, budget %llu B, max-age %llu s, flush every %u ms, "
		 "compress %s, sync %s, listen %s", c->role, c->store,
		 (unsigned long long)c->budget, (unsigned long long)c->max_age_s,
		 c->flush_ms, c->codec == STRATA_STORE_CODEC_ZSTD ? "zstd" : "none",
		 c->sync ? "yes" : "no", *c->listen ? c->listen : "off");
	if (!strcmp(c->role, "sensor"))
		log_info("sensor id %s, central %s, api-url %s, token %s", c->sensor_id,
			 *c->central ? c->central : "off", *c->api_url ? c->api_url : "(none)",
			 *c->token ? "set" : "none");
	else
		log_info("collect %s, macro-window %llu s, token %s, %u alarm rules, baselines of "
			 "%u windows, notify %s%s%s, api-token %s", c->collect,
			 (unsigned long long)c->macro_window_s, *c->token ? "set" : "none",
			 c->nalarms, c->alarm.hw.season, *c->notify.url ? c->notify.url : "",
			 *c->notify.url && *c->notify.command ? " and " : "",
			 *c->notify.url || *c->notify.command ? c->notify.command : "off",
			 *c->api_token ? "set" : "none");
	if (c->tls)
		log_info("tls yes, tls-cert %s, tls-key %s, tls-ca %s%s%s",
			 *c->tls_cert ? c->tls_cert : "(none)",
			 *c->tls_key ? c->tls_key : "(in tls-cert)",
			 *c->tls_ca ? c->tls_ca : strcmp(c->role, "central") ?
			 "(the system's trust store)" : "(none)", *c->tls_name ? ", tls-name " : "",
			 c->tls_name);
}
