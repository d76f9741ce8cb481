/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The strata authors. */
/*
 * One printer for every field the tool shows, so that text and JSON output
 * always carry the same fields (after iproute2's print_* helpers).
 */
#ifndef STRATA_TOOL_PRINT_H
#define STRATA_TOOL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

/* Whether -j was given; set once by main(). */
extern bool pr_json;

/*
 * Set by commands that follow a stream (closed microflows, packets): each
 * document is then one JSON object on one line (JSON Lines), and every
 * pr_end() flushes stdout, text or JSON, so a pipe sees records at once.
 */
extern bool pr_stream;

/* Open/close the top-level document (a JSON object; nothing in text). */
void pr_begin(void);
void pr_end(void);

/* Open/close a nested object or array named @name (@name NULL inside arrays). */
void pr_open_obj(const char *name);
void pr_open_arr(const char *name);
void pr_close(void);

/*
 * A field: in JSON, @name with the value; in text, the value formatted by
 * @fmt (a printf format with one conversion), or nothing when @fmt is NULL.
 */
void pr_u64(const char *name, const char *fmt, uint64_t v);
void pr_str(const char *name, const char *fmt, const char *s);
/* A boolean: true/false in JSON; in text @fmt gets "on" or "off". */
void pr_bool(const char *name, const char *fmt, bool v);
/* A signed integer. */
void pr_s64(const char *name, const char *fmt, int64_t v);
/* A real; NAN or an infinity is "no value": null in JSON, "-" through @fmt's %s form. */
void pr_f64(const char *name, const char *fmt, const char *nofmt, double v);
/* No value: null in JSON; in text "-" through @fmt (a %s format). */
void pr_null(const char *name, const char *fmt);
/* A JSON value as it is (JSON only; a reference is taken): a container's schema. */
void pr_jsonv(const char *name, void *json);
/* A 64-bit hash: a "0x%016llx" string in JSON (JSON numbers stop at 2^63). */
void pr_hex(const char *name, const char *fmt, uint64_t v);
/* Text-only decoration (column headers, newlines). */
void pr_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* STRATA_TOOL_PRINT_H */
