/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The metric catalog: every key, fundamental and derived metric with its
 * type, unit and levels, and the formulas that derive metrics on demand.
 */
#ifndef STRATA_METRICS_H
#define STRATA_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* The software version every container names as its producer's. */
#define STRATA_VERSION		"0.2.0"

/* struct strata_metric.kind */
#define STRATA_MK_KEY		0	/* identifies a row; rows group by keys */
#define STRATA_MK_FUND		1	/* measured: a count, sum, sum of squares, min or max */
#define STRATA_MK_DERIVED	2	/* computed from fundamentals by its formula */

/* struct strata_metric.type */
#define STRATA_MT_U64		0
#define STRATA_MT_S64		1
#define STRATA_MT_U128		2	/* a sum of squares: a decimal string in JSON */
#define STRATA_MT_F64		3
#define STRATA_MT_STR		4

/* struct strata_metric.agg: how rows of a fundamental add up */
#define STRATA_AGG_SUM		0
#define STRATA_AGG_MIN		1
#define STRATA_AGG_MAX		2

/* struct strata_metric.levels: where a metric is carried */
#define STRATA_LVL_PACKET	(1U << 0)
#define STRATA_LVL_MICROFLOW	(1U << 1)
#define STRATA_LVL_FLOW		(1U << 2)	/* location flow */
#define STRATA_LVL_HOP		(1U << 3)	/* one location of a connected flow */
#define STRATA_LVL_CFLOW	(1U << 4)	/* connected flow */
#define STRATA_LVL_MACROFLOW	(1U << 5)
#define STRATA_LVL_SENSOR	(1U << 6)	/* the central host's sensor list */
#define STRATA_LVL_BLOCK	(1U << 7)	/* a sensor's packet blocks */
#define STRATA_LVL_NUM		8

/**
 * struct strata_metric - one entry of the catalog
 * @name: its name in containers, formulas and the fields= parameter
 * @kind: STRATA_MK_*
 * @type: STRATA_MT_*
 * @agg: STRATA_AGG_* (fundamentals)
 * @levels: STRATA_LVL_* where it is carried (derived: where its
 *	fundamentals all are, checked by tests/unit/test_metrics.c)
 * @unit: "packets", "bytes", "ns", "ns^2", "1/s", "ratio", ... ("" for none)
 * @guard: for a min or max, the count that says a sample exists (a min of
 *	no samples is meaningless and must not win an aggregation)
 * @formula: derived: an expression over fundamental names (+ - * /,
 *	sqrt(), parentheses, numbers)
 * @doc: one line for Documentation/metrics.rst
 */
struct strata_metric {
	const char *name;
	unsigned char kind;
	unsigned char type;
	unsigned char agg;
	unsigned short levels;
	const char *unit;
	const char *guard;
	const char *formula;
	const char *doc;
};

/* The catalog, in the order Documentation/metrics.rst lists it. */
extern const struct strata_metric strata_metrics[];
extern const size_t strata_nmetrics;

/**
 * strata_metric_find() - a metric by name
 * @name: the name
 *
 * Return: its entry, or NULL.
 */
const struct strata_metric *strata_metric_find(const char *name);

/* Names of STRATA_MK_*, STRATA_MT_*, STRATA_AGG_* and one STRATA_LVL_* bit. */
const char *strata_metric_kind_name(unsigned int kind);
const char *strata_metric_type_name(unsigned int type);
const char *strata_metric_agg_name(unsigned int agg);
const char *strata_metric_level_name(unsigned int bit);

/* ---- formulas ---- */

struct strata_expr;

/*
 * Maps a name of a formula to a slot of the value array strata_expr_eval()
 * is given: the slot (>= 0), or -ENOENT for a name that does not exist.
 */
typedef int (*strata_expr_resolve_fn)(const char *name, void *arg);

/**
 * strata_expr_parse() - compile a formula
 * @text: the formula: numbers, names ([a-z_][a-z0-9_]*), + - * /, unary
 *	minus, sqrt(x), parentheses
 * @resolve: maps each name to its slot
 * @arg: passed to @resolve
 * @out: the compiled formula, freed with strata_expr_free()
 * @err: filled on failure (with the position and what was expected)
 * @errlen: its size
 *
 * Return: 0, -EINVAL for a malformed formula or a name @resolve refused,
 * -ENOMEM.
 */
int strata_expr_parse(const char *text, strata_expr_resolve_fn resolve, void *arg,
		      struct strata_expr **out, char *err, size_t errlen);

/**
 * strata_expr_eval() - the value of a compiled formula
 * @e: the formula
 * @slots: the values of its names, by slot; NAN for a missing value
 *
 * A division by zero, a missing value or the square root of a negative
 * number (other than a rounding error, which gives 0) yields NAN: "no
 * value", which containers show as null.
 *
 * Return: the value.
 */
double strata_expr_eval(const struct strata_expr *e, const double *slots);

/* strata_expr_free() - free a compiled formula (NULL is fine). */
void strata_expr_free(struct strata_expr *e);

#endif /* STRATA_METRICS_H */
