/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * stratad: the configuration, the log, and the roles (Documentation/daemon.rst).
 */
#ifndef STRATAD_H
#define STRATAD_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <linux/types.h>
#include "metrics.h"
#include "alarm.h"
#include "notify.h"

#define STRATAD_VERSION		STRATA_VERSION	/* lib/metrics.h: what containers name */

/* Log levels, syslog's numbers (journald reads them from a "<N>" prefix). */
enum stratad_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Alarm rules a central host takes. */
#define STRATAD_ALARMS_MAX	64

/**
 * struct stratad_config - everything stratad is told (file, then options)
 * @role: "sensor" or "central"
 * @store: the packet store's directory
 * @budget: the store's size budget in bytes
 * @max_age_s: drop packets older than this many seconds (0: no age limit)
 * @flush_ms: commit the store this often; at most this much is lost when
 *	the process is killed
 * @codec: STRATA_STORE_CODEC_* of new blocks
 * @sync: fsync at every flush (survive a power cut, not only a crash)
 * @listen: the drill-down API's address, "ADDR:PORT" ("" or "off": none)
 * @log_level: the most verbose level logged
 * @stats_s: log a line of counters this often (0: never)
 * @central: sensor: the central host's collector, "ADDR:PORT" ("": none)
 * @sensor_id: sensor: its id at the central host
 * @api_url: sensor: its drill-down API as the central host reaches it
 * @token: the secret a sensor shows and the central host wants ("": none)
 * @pen: the private enterprise number of strata's IPFIX elements
 * @collect: central: where sensors connect, "ADDR:PORT"
 * @macro_window_s: central: the macroflow window
 * @capture: sensor: drain the module's rings; false: serve (and export) a
 *	store made beforehand, read-only (strata analyze --store)
 * @tls: TLS on the sensor-to-central link (central: on the collector)
 * @tls_cert: central: its certificate (PEM, chain after it); sensor: its
 *	client certificate ("": none)
 * @tls_key: @tls_cert's private key (PEM; "": in @tls_cert's file)
 * @tls_ca: sensor: the CAs that verify the central host ("": the system's
 *	trust store); central: the CAs that verify sensors' certificates,
 *	which are then required ("": none asked)
 * @tls_name: sensor: the name or address the central host's certificate
 *	must carry ("": the address of @central)
 * @alarms: central: the alarm rules ("alarm" lines, Documentation/alarms.rst)
 * @nalarms: how many
 * @alarm: central: the alarm store's settings (its rules: @alarms)
 * @alarm_wait_s: central: how long after a macroflow window's end it is
 *	evaluated (sensors' late flows)
 * @api_token: central: the secret that acknowledging an alarm takes ("":
 *	acknowledgements are refused)
 * @notify: central: where alarms are notified (its log: set by the daemon)
 */
struct stratad_config {
	char role[16];
	char store[256];
	__u64 budget;
	__u64 max_age_s;
	__u32 flush_ms;
	__u32 codec;
	bool sync;
	char listen[128];
	int log_level;
	__u32 stats_s;
	char central[128];
	char sensor_id[64];
	char api_url[128];
	char token[128];
	__u32 pen;
	char collect[128];
	__u64 macro_window_s;
	bool capture;
	bool tls;
	char tls_cert[256];
	char tls_key[256];
	char tls_ca[256];
	char tls_name[256];
	struct strata_alarm_rule alarms[STRATAD_ALARMS_MAX];
	unsigned int nalarms;
	struct strata_alarm_config alarm;
	__u64 alarm_wait_s;
	char api_token[128];
	struct strata_notify_config notify;
};

/* config.c */
void stratad_config_defaults(struct stratad_config *c);
int stratad_config_file(struct stratad_config *c, const char *path, char *err,
			size_t errlen);
int stratad_config_set(struct stratad_config *c, const char *key, const char *value,
		       char *err, size_t errlen);
void stratad_config_log(const struct stratad_config *c);

/* log.c */
extern int stratad_log_level;
void stratad_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)	stratad_log(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	stratad_log(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	stratad_log(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	stratad_log(LOG_LVL_DEBUG, __VA_ARGS__)

/* Set by SIGTERM and SIGINT: the roles finish their work and return. */
extern volatile sig_atomic_t stratad_stop;

/* sensor.c: runs until stratad_stop; returns the exit code. */
int stratad_sensor(const struct stratad_config *c);

/* central.c: the central role, likewise. */
int stratad_central(const struct stratad_config *c);

/*
 * export.c: sends the store's closed flow windows to the central host, on a
 * thread of its own, until stratad_export_stop().
 */
struct strata_store;
struct stratad_export;
struct stratad_export *stratad_export_start(const struct stratad_config *c,
					    struct strata_store *s, char *err, size_t errlen);
void stratad_export_stop(struct stratad_export *e);

#endif /* STRATAD_H */
