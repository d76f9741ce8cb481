// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * The printer behind every field: builds a jansson tree for -j and dumps it
 * at pr_end(), or prints text straight away.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include "print.h"

#define MAX_DEPTH 16

bool pr_json;
bool pr_stream;
static json_t *stack[MAX_DEPTH];
static const char *names[MAX_DEPTH];
static int depth = -1;

static void add(const char *name, json_t *v)
{
	json_t *top = stack[depth];

	if (json_is_array(top))
		json_array_append_new(top, v);
	else
		json_object_set_new(top, name, v);
}

void pr_begin(void)
{
	if (!pr_json)
		return;
	stack[0] = json_object();
	depth = 0;
}

void pr_end(void)
{
	if (pr_json && depth >= 0) {
		json_dumpf(stack[0], stdout, JSON_PRESERVE_ORDER |
			   (pr_stream ? JSON_COMPACT : JSON_INDENT(2)));
		fputc('\n', stdout);
		json_decref(stack[0]);
		depth = -1;
	}
	if (pr_stream)
		fflush(stdout);
}

static void open_container(const char *name, json_t *c)
{
	if (!pr_json)
		return;
	if (depth + 1 >= MAX_DEPTH) {
		fprintf(stderr, "strata: output nested too deep\n");
		exit(1);
	}
	stack[++depth] = c;
	names[depth] = name;
}

/* Text output has no containers: nothing is allocated for it. */
void pr_open_obj(const char *name)
{
	if (pr_json)
		open_container(name, json_object());
}

void pr_open_arr(const char *name)
{
	if (pr_json)
		open_container(name, json_array());
}

void pr_close(void)
{
	json_t *c;

	if (!pr_json || depth <= 0)
		return;
	c = stack[depth];
	depth--;
	add(names[depth + 1], c);
}

void pr_u64(const char *name, const char *fmt, uint64_t v)
{
	if (pr_json)
		add(name, json_integer((json_int_t)v));
	else if (fmt)
		printf(fmt, (unsigned long long)v);
}

void pr_s64(const char *name, const char *fmt, int64_t v)
{
	if (pr_json)
		add(name, json_integer((json_int_t)v));
	else if (fmt)
		printf(fmt, (long long)v);
}

void pr_null(const char *name, const char *fmt)
{
	if (pr_json)
		add(name, json_null());
	else if (fmt)
		printf(fmt, "-");
}

void pr_f64(const char *name, const char *fmt, const char *nofmt, double v)
{
	if (isnan(v) || isinf(v))
		pr_null(name, nofmt);
	else if (pr_json)
		add(name, json_real(v));
	else if (fmt)
		printf(fmt, v);
}

void pr_jsonv(const char *name, void *json)
{
	if (pr_json)
		add(name, json_incref(json));
}

void pr_str(const char *name, const char *fmt, const char *s)
{
	if (pr_json)
		add(name, json_string(s));
	else if (fmt)
		printf(fmt, s);
}

void pr_bool(const char *name, const char *fmt, bool v)
{
	if (pr_json)
		add(name, json_boolean(v));
	else if (fmt)
		printf(fmt, v ? "on" : "off");
}

void pr_hex(const char *name, const char *fmt, uint64_t v)
{
	char buf[24];

	if (pr_json) {
		snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
		add(name, json_string(buf));
	} else if (fmt) {
		printf(fmt, (unsigned long long)v);
	}
}

void pr_text(const char *fmt, ...)
{
	va_list ap;

	if (pr_json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
