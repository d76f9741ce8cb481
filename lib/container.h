/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Self-describing containers (a schema and rows) as the APIs answer them,
 * and the client-side processor: derived fields, aggregation by keys.
 */
#ifndef STRATA_CONTAINER_H
#define STRATA_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <linux/types.h>
#include "metrics.h"

/*
 * A container is a JSON object {"schema": {...}, "rows": [...]}; its
 * schema (Documentation/metrics.rst, "Containers"):
 *
 *   type       what the rows are ("macroflows", "flows", ...); containers
 *              of one type can be fed to one processor
 *   level      the catalog level of the rows (STRATA_LVL_* name)
 *   version    the producer's software version
 *   sensors    the producing sensors: id, version and, where known, the
 *              clock's state ("clock", "clock_error_ns")
 *   interval   from_ns, to_ns (what was asked) and window_ns
 *   fields     per field: name, kind, type, unit, path (where the row holds
 *              it: a list of dotted paths, '*' for every element of an
 *              array; a fundamental sums, or takes the min or max, over
 *              all of them), agg and guard for fundamentals, formula for
 *              derived fields
 */

/**
 * strata_schema_new() - a schema without fields
 * @type: the container type
 * @level: its rows' STRATA_LVL_* bit
 * @from_ns: the interval asked for
 * @to_ns: its end (inclusive, as the APIs' "to")
 * @window_ns: the rows' window length (0: none)
 *
 * Return: the schema (its "sensors" empty), or NULL (out of memory).
 */
json_t *strata_schema_new(const char *type, unsigned int level, __u64 from_ns, __u64 to_ns,
			  __u64 window_ns);

/**
 * strata_schema_field() - describe one field of the rows from the catalog
 * @schema: the schema
 * @name: a catalog metric (key or fundamental) carried at the schema's level
 * @paths: where a row holds it: dotted paths separated by '|'
 *
 * Return: 0, -ENOENT when @name is not in the catalog at that level (a
 * bug of the caller, which every API test finds), -ENOMEM.
 */
int strata_schema_field(json_t *schema, const char *name, const char *paths);

/**
 * strata_schema_field_own() - describe a field of rows that are not
 *	metrics of the catalog (alarms: Documentation/alarms.rst)
 * @schema: the schema
 * @name: the field's name (what it means is the container type's: an
 *	alarm's "id" is not a connected flow's)
 * @kind: STRATA_MK_KEY or STRATA_MK_FUND
 * @type: STRATA_MT_*
 * @agg: STRATA_AGG_* of a fundamental (ignored for a key)
 * @unit: its unit ("" for none)
 * @paths: where a row holds it: dotted paths separated by '|'
 *
 * Return: 0, -EINVAL for a bad @kind, @type or @agg (a bug of the
 * caller), -ENOMEM.
 */
int strata_schema_field_own(json_t *schema, const char *name, unsigned int kind,
			    unsigned int type, unsigned int agg, const char *unit,
			    const char *paths);

/**
 * strata_schema_sensor() - name a producing sensor
 * @schema: the schema
 * @id: its id
 * @version: its software version ("" when unknown)
 * @clock: "synchronised", "unsynchronised", "unknown", or NULL when the
 *	producer does not know it
 * @clock_error_ns: its clock's estimated error (with @clock)
 *
 * Return: 0 or -ENOMEM.
 */
int strata_schema_sensor(json_t *schema, const char *id, const char *version,
			 const char *clock, __u64 clock_error_ns);

/**
 * strata_container_derive() - compute derived fields into a container's rows
 * @doc: the container; each row gets each field under its name, the schema
 *	a description of it (kind "derived", its formula)
 * @fields: comma-separated catalog names; fundamentals and keys the rows
 *	already carry are accepted and left alone
 * @err: filled on failure
 * @errlen: its size
 *
 * Return: 0, -EINVAL for a name that is not a metric of these rows (the
 * message lists those that are), or a malformed container, -ENOMEM.
 */
int strata_container_derive(json_t *doc, const char *fields, char *err, size_t errlen);

/**
 * strata_json_u128() - a 128-bit sum of squares as JSON: a decimal string,
 *	as no JSON number holds it
 * @hi: its high 64 bits
 * @lo: its low 64 bits
 *
 * Return: the string, or NULL (out of memory).
 */
json_t *strata_json_u128(__u64 hi, __u64 lo);

struct strata_container;

/**
 * strata_container_load() - a processor holding one container's rows
 * @out: the processor, freed with strata_container_free()
 * @doc: the container (JSON): its schema and rows are copied out
 * @err: filled on failure
 * @errlen: its size
 *
 * Keys and fundamentals are kept; derived fields in @doc are dropped, as
 * they are recomputed after any aggregation.
 *
 * Return: 0, -EINVAL for a malformed container (the message says what and
 * where), -ENOMEM.
 */
int strata_container_load(struct strata_container **out, json_t *doc, char *err,
			  size_t errlen);

/**
 * strata_container_loadb() - strata_container_load() of JSON text
 * @out: the processor
 * @text: the JSON text
 * @len: its length
 * @err: filled on failure
 * @errlen: its size
 *
 * Return: as strata_container_load(), -EINVAL for text that is not JSON.
 */
int strata_container_loadb(struct strata_container **out, const char *text, size_t len,
			   char *err, size_t errlen);

/**
 * strata_container_feed() - add the rows of one more container
 * @c: the processor
 * @doc: a container of the same type with the same keys and fundamentals
 *	(the next page, the next time range, another central host)
 * @err: filled on failure
 * @errlen: its size
 *
 * The interval widens to cover both and the producing sensors are united.
 * Feeding containers one after the other equals loading their union.
 *
 * Return: 0, -EINVAL for a malformed container or one whose schema does
 * not match (the message names the difference), -ENOMEM. On failure @c
 * is unchanged.
 */
int strata_container_feed(struct strata_container *c, json_t *doc, char *err, size_t errlen);

/* strata_container_rows() - rows held. */
size_t strata_container_rows(const struct strata_container *c);

/**
 * struct strata_cquery - what a processor is asked for
 * @group: aggregate rows: those equal in every key of @by become one
 * @by: the keys to group by (with @group; none: one row of everything)
 * @nby: entries in @by
 * @fields: derived metrics to compute (fundamentals named are accepted)
 * @nfields: entries in @fields
 */
struct strata_cquery {
	bool group;
	const char *const *by;
	unsigned int nby;
	const char *const *fields;
	unsigned int nfields;
};

/**
 * strata_container_result() - aggregate and derive
 * @c: the processor
 * @q: the request
 * @out: a new container: its rows flat objects (each field under its
 *	name), with the keys of @by (or, without @group, every key), every
 *	fundamental and the derived fields of @q; rows in first-seen order
 * @err: filled on failure
 * @errlen: its size
 *
 * Grouping adds numerators and denominators (every fundamental) over the
 * group's rows before any derived field is computed: sums and sums of
 * squares add, minima take the smallest (of rows with samples), maxima the
 * largest.
 *
 * Return: 0, -EINVAL for a @by that is not a key or a field that is not a
 * metric of these rows (the message lists those that are), -ENOMEM.
 */
int strata_container_result(const struct strata_container *c, const struct strata_cquery *q,
			    json_t **out, char *err, size_t errlen);

/* strata_container_free() - free a processor (NULL is fine). */
void strata_container_free(struct strata_container *c);

#endif /* STRATA_CONTAINER_H */
