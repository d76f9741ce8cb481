// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * Self-describing containers: the schema the APIs put beside their rows,
 * and the processor that aggregates rows by keys and derives metrics.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "container.h"
#include "err.h"

/* ---- building a schema (the APIs) ---- */

json_t *strata_schema_new(const char *type, unsigned int level, __u64 from_ns, __u64 to_ns,
			  __u64 window_ns)
{
	/* "to" of the APIs defaults to the end of time: shown as asked. */
	return json_pack("{s:s,s:s,s:s,s:[],s:{s:I,s:I,s:I},s:[]}", "type", type,
			 "level", strata_metric_level_name(level), "version", STRATA_VERSION,
			 "sensors", "interval", "from_ns", (json_int_t)from_ns,
			 "to_ns", (json_int_t)(to_ns > INT64_MAX ? INT64_MAX : to_ns),
			 "window_ns", (json_int_t)window_ns, "fields");
}

static unsigned int schema_level(json_t *schema)
{
	const char *name = json_string_value(json_object_get(schema, "level"));
	unsigned int i;

	for (i = 0; name && i < STRATA_LVL_NUM; i++)
		if (!strcmp(name, strata_metric_level_name(1U << i)))
			return 1U << i;
	return 0;
}

/* A field's description; @agg and @guard for a fundamental, @formula for a derived one. */
static json_t *describe_as(const char *name, unsigned int kind, unsigned int type,
			   unsigned int agg, const char *unit, const char *guard,
			   const char *formula, json_t *paths)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o}", "name", name,
			      "kind", strata_metric_kind_name(kind),
			      "type", strata_metric_type_name(type), "unit", unit,
			      "path", paths);

	if (!o)
		return NULL;
	if (kind == STRATA_MK_FUND &&
	    json_object_set_new(o, "agg", json_string(strata_metric_agg_name(agg))))
		goto fail;
	if (guard && json_object_set_new(o, "guard", json_string(guard)))
		goto fail;
	if (formula && json_object_set_new(o, "formula", json_string(formula)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* A catalog entry as a schema's field description. */
static json_t *describe(const struct strata_metric *m, json_t *paths)
{
	return describe_as(m->name, m->kind, m->type, m->agg, m->unit, m->guard, m->formula,
			   paths);
}

/* "a|b.c" as ["a", "b.c"]. */
static json_t *path_list(const char *paths)
{
	json_t *p = json_array();
	const char *s = paths, *bar;

	for (; p; s = bar + 1) {
		bar = strchr(s, '|');
		if (json_array_append_new(p, json_stringn(s, bar ? (size_t)(bar - s) : strlen(s))))
			break;
		if (!bar)
			return p;
	}
	json_decref(p);
	return NULL;
}

static int add_field(json_t *schema, json_t *desc)
{
	if (!desc || json_array_append_new(json_object_get(schema, "fields"), desc))
		return -ENOMEM;
	return 0;
}

int strata_schema_field(json_t *schema, const char *name, const char *paths)
{
	const struct strata_metric *m = strata_metric_find(name);
	json_t *p;

	if (!m || m->kind == STRATA_MK_DERIVED || !(m->levels & schema_level(schema)))
		return -ENOENT;
	p = path_list(paths);
	if (!p)
		return -ENOMEM;
	return add_field(schema, describe(m, p));
}

int strata_schema_field_own(json_t *schema, const char *name, unsigned int kind,
			    unsigned int type, unsigned int agg, const char *unit,
			    const char *paths)
{
	json_t *p;

	if (kind > STRATA_MK_FUND || type > STRATA_MT_STR || agg > STRATA_AGG_MAX)
		return -EINVAL;
	p = path_list(paths);
	if (!p)
		return -ENOMEM;
	return add_field(schema, describe_as(name, kind, type, agg, unit, NULL, NULL, p));
}

int strata_schema_sensor(json_t *schema, const char *id, const char *version,
			 const char *clock, __u64 clock_error_ns)
{
	json_t *o = json_pack("{s:s,s:s}", "id", id, "version", version);

	if (o && clock && (json_object_set_new(o, "clock", json_string(clock)) ||
			   json_object_set_new(o, "clock_error_ns",
					       json_integer((json_int_t)clock_error_ns)))) {
		json_decref(o);
		return -ENOMEM;
	}
	if (!o || json_array_append_new(json_object_get(schema, "sensors"), o))
		return -ENOMEM;
	return 0;
}

/* ---- the processor ---- */

struct cfield {
	const char *name;	/* in the processor's schema */
	int kind, type, agg;
	int guard;		/* the field whose count guards this min or max, or -1 */
	size_t npaths;
	const char **paths;
	json_t *desc;
};

struct strata_container {
	json_t *schema;		/* keys and fundamentals only */
	struct cfield *f;
	unsigned int nf;
	size_t nrows, cap;
	json_t **key;		/* [row * nf + field], keys only */
	__int128 *v;		/* [row * nf + field], fundamentals only */
	unsigned char *has;	/* whether v holds a value */
};

void strata_container_free(struct strata_container *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nrows * c->nf; i++)
		json_decref(c->key[i]);
	/* One past nf: the paths of a field that failed to parse. */
	for (i = 0; c->f && i <= c->nf; i++)
		free(c->f[i].paths);
	free(c->f);
	free(c->key);
	free(c->v);
	free(c->has);
	json_decref(c->schema);
	free(c);
}

size_t strata_container_rows(const struct strata_container *c)
{
	return c->nrows;
}

static int lookup(const char *name, const char *const *names, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

static int find_field(const struct strata_container *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->nf; i++)
		if (!strcmp(c->f[i].name, name))
			return (int)i;
	return -1;
}

/* A schema's fields into c->f; derived ones dropped. */
static int parse_fields(struct strata_container *c, json_t *fields, char *err, size_t errlen)
{
	static const char *const kinds[] = { "key", "fundamental", "derived" };
	static const char *const types[] = { "u64", "s64", "u128", "f64", "string" };
	static const char *const aggs[] = { "sum", "min", "max" };
	json_t *fd, *keep = json_array(), *p;
	size_t i, j;

	if (!keep)
		return strata_seterr(err, errlen, ENOMEM, "container: out of memory");
	if (!json_is_array(fields)) {
		json_decref(keep);
		return strata_seterr(err, errlen, EINVAL, "container: schema.fields is not an array");
	}
	c->f = calloc(json_array_size(fields) + 1, sizeof(*c->f));
	if (!c->f) {
		json_decref(keep);
		return strata_seterr(err, errlen, ENOMEM, "container: out of memory");
	}
	json_array_foreach(fields, i, fd) {
		const char *name = json_string_value(json_object_get(fd, "name"));
		const char *kind = json_string_value(json_object_get(fd, "kind"));
		const char *type = json_string_value(json_object_get(fd, "type"));
		const char *agg = json_string_value(json_object_get(fd, "agg"));
		struct cfield *f = &c->f[c->nf];
		json_t *path = json_object_get(fd, "path");

		if (!name || !kind || (f->kind = lookup(kind, kinds, 3)) < 0)
			goto bad;
		if (f->kind == STRATA_MK_DERIVED)
			continue;
		if (!type || (f->type = lookup(type, types, 5)) < 0)
			goto bad;
		if (f->kind == STRATA_MK_FUND && (!agg || (f->agg = lookup(agg, aggs, 3)) < 0))
			goto bad;
		if (find_field(c, name) >= 0) {
			json_decref(keep);
			return strata_seterr(err, errlen, EINVAL,
					     "container: field '%s' described twice", name);
		}
		if (json_is_string(path)) {
			f->npaths = 1;
		} else if (json_is_array(path) && json_array_size(path)) {
			f->npaths = json_array_size(path);
		} else {
			goto bad;
		}
		f->paths = calloc(f->npaths, sizeof(*f->paths));
		if (!f->paths || json_array_append(keep, fd)) {
			json_decref(keep);
			return strata_seterr(err, errlen, ENOMEM, "container: out of memory");
		}
		for (j = 0; j < f->npaths; j++) {
			p = json_is_string(path) ? path : json_array_get(path, j);
			f->paths[j] = json_string_value(p);
			if (!f->paths[j] || !*f->paths[j])
				goto bad;
		}
		f->name = name;
		f->desc = fd;
		f->guard = -1;
		c->nf++;
		continue;
bad:
		json_decref(keep);
		return strata_seterr(err, errlen, EINVAL, "container: schema.fields[%zu]: needs "
				     "name, kind (key, fundamental or derived), type, path and, "
				     "for a fundamental, agg (sum, min or max)", i);
	}
	for (i = 0; i < c->nf; i++) {
		const char *g = json_string_value(json_object_get(c->f[i].desc, "guard"));
		int gi;

		if (!g)
			continue;
		gi = find_field(c, g);
		if (gi < 0 || c->f[gi].kind != STRATA_MK_FUND) {
			json_decref(keep);
			return strata_seterr(err, errlen, EINVAL, "container: field '%s': its guard "
					     "'%s' is not a fundamental field", c->f[i].name, g);
		}
		c->f[i].guard = gi;
	}
	/* The processor's own schema: what it keeps (names point into it). */
	json_object_set_new(c->schema, "fields", keep);
	return 0;
}

/* Leaves of a row at a dotted path ('*': every element). */
struct leaves {
	json_t **v;
	size_t n, cap;
};

static int push_leaf(struct leaves *out, json_t *v)
{
	json_t **room = strata_vec_room(out->v, out->n, &out->cap, sizeof(*room));

	if (!room)
		return -ENOMEM;
	out->v = room;
	out->v[out->n++] = v;
	return 0;
}

static int walk(json_t *v, const char *path, struct leaves *out)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path), i;
	char comp[64], *end;
	unsigned long idx;
	json_t *c;

	if (len >= sizeof(comp))
		return 0;
	memcpy(comp, path, len);
	comp[len] = 0;
	if (!strcmp(comp, "*")) {
		json_array_foreach(v, i, c) {
			int rc = dot ? walk(c, dot + 1, out) : push_leaf(out, c);

			if (rc)
				return rc;
		}
		return 0;
	}
	if (json_is_array(v)) {
		idx = strtoul(comp, &end, 10);
		c = *comp && !*end ? json_array_get(v, idx) : NULL;
	} else {
		c = json_object_get(v, comp);
	}
	if (!c)
		return 0;
	return dot ? walk(c, dot + 1, out) : push_leaf(out, c);
}

static int field_leaves(json_t *row, const struct cfield *f, struct leaves *out)
{
	size_t i;
	int rc = 0;

	out->n = 0;
	for (i = 0; i < f->npaths && !rc; i++)
		rc = walk(row, f->paths[i], out);
	return rc;
}

/* An integer: a JSON integer, or a decimal string (sums of squares). */
static int leaf_int(json_t *v, __int128 *out)
{
	const char *s = json_string_value(v);
	bool neg = false;
	__int128 x = 0;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!s)
		return -EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!*s || strlen(s) > 38)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		x = x * 10 + (*s - '0');
	}
	*out = neg ? -x : x;
	return 0;
}

static int agg_add(int agg, __int128 *acc, unsigned char *has, __int128 x)
{
	if (!*has)
		*acc = x;
	else if (agg == STRATA_AGG_SUM)
		*acc += x;
	else if (agg == STRATA_AGG_MIN ? x < *acc : x > *acc)
		*acc = x;
	*has = 1;
	return 0;
}

static int grow(struct strata_container *c, size_t rows)
{
	size_t cap = c->cap ? c->cap : 64, n = c->nf ? c->nf : 1;
	json_t **k;
	__int128 *v;
	unsigned char *h;

	if (rows <= c->cap)
		return 0;
	while (cap < rows)
		cap *= 2;
	k = realloc(c->key, cap * n * sizeof(*k));
	if (k)
		c->key = k;
	v = realloc(c->v, cap * n * sizeof(*v));
	if (v)
		c->v = v;
	h = realloc(c->has, cap * n);
	if (h)
		c->has = h;
	if (!k || !v || !h)
		return -ENOMEM;
	c->cap = cap;
	return 0;
}

/* One row into the next slot of @c. */
static int load_row(struct strata_container *c, json_t *row, size_t ri, struct leaves *lv,
		    struct leaves *gv, char *err, size_t errlen)
{
	size_t r = c->nrows, i, j;
	unsigned int k;
	int rc;

	if (!json_is_object(row))
		return strata_seterr(err, errlen, EINVAL, "container: rows[%zu] is not an object", ri);
	for (k = 0; k < c->nf; k++) {
		const struct cfield *f = &c->f[k];
		size_t at = r * c->nf + k;

		c->key[at] = NULL;
		c->has[at] = 0;
		c->v[at] = 0;
		rc = field_leaves(row, f, lv);
		if (rc)
			goto oom;
		if (f->kind == STRATA_MK_KEY) {
			c->key[at] = json_incref(lv->n ? lv->v[0] : json_null());
			continue;
		}
		if (f->guard >= 0) {
			rc = field_leaves(row, &c->f[f->guard], gv);
			if (rc)
				goto oom;
			if (gv->n != lv->n) {
				rc = strata_seterr(err, errlen, EINVAL, "container: rows[%zu]: '%s' "
						   "has %zu values and its guard '%s' %zu", ri,
						   f->name, lv->n, c->f[f->guard].name, gv->n);
				goto fail;
			}
		}
		for (i = 0; i < lv->n; i++) {
			__int128 x, g;

			if (json_is_null(lv->v[i]))
				continue;
			if (leaf_int(lv->v[i], &x)) {
				rc = strata_seterr(err, errlen, EINVAL, "container: rows[%zu]: '%s' "
						   "is not an integer", ri, f->name);
				goto fail;
			}
			/* A min or max of no samples: not a value. */
			if (f->guard >= 0 && (leaf_int(gv->v[i], &g) || g == 0))
				continue;
			agg_add(f->agg, &c->v[at], &c->has[at], x);
		}
	}
	c->nrows++;
	return 0;
oom:
	rc = strata_seterr(err, errlen, ENOMEM, "container: out of memory");
fail:
	for (j = 0; j <= k && j < c->nf; j++)
		json_decref(c->key[r * c->nf + j]);
	return rc;
}

static int parse(struct strata_container **out, json_t *doc, char *err, size_t errlen)
{
	json_t *schema = json_object_get(doc, "schema"), *rows = json_object_get(doc, "rows");
	struct leaves lv = { 0 }, gv = { 0 };
	struct strata_container *c;
	json_t *row;
	size_t i;
	int rc;

	*out = NULL;
	if (!json_is_object(doc) || !json_is_object(schema))
		return strata_seterr(err, errlen, EINVAL, "container: no \"schema\" object");
	if (!json_is_string(json_object_get(schema, "type")))
		return strata_seterr(err, errlen, EINVAL, "container: schema.type is not a string");
	if (!json_is_array(rows))
		return strata_seterr(err, errlen, EINVAL, "container: no \"rows\" array");
	c = calloc(1, sizeof(*c));
	if (!c || !(c->schema = json_deep_copy(schema))) {
		free(c);
		return strata_seterr(err, errlen, ENOMEM, "container: out of memory");
	}
	rc = parse_fields(c, json_object_get(c->schema, "fields"), err, errlen);
	if (!rc && grow(c, json_array_size(rows) + 1))
		rc = strata_seterr(err, errlen, ENOMEM, "container: out of memory");
	json_array_foreach(rows, i, row) {
		if (rc)
			break;
		rc = load_row(c, row, i, &lv, &gv, err, errlen);
	}
	free(lv.v);
	free(gv.v);
	if (rc) {
		strata_container_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int strata_container_load(struct strata_container **out, json_t *doc, char *err,
			  size_t errlen)
{
	return parse(out, doc, err, errlen);
}

int strata_container_loadb(struct strata_container **out, const char *text, size_t len,
			   char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	int rc;

	*out = NULL;
	if (!doc)
		return strata_seterr(err, errlen, EINVAL, "container: not JSON: line %d: %s",
				     je.line, je.text);
	rc = parse(out, doc, err, errlen);
	json_decref(doc);
	return rc;
}

/* Whether two containers hold the same fields; a message when not. */
static int same_schema(const struct strata_container *a, const struct strata_container *b,
		       char *err, size_t errlen)
{
	const char *ta = json_string_value(json_object_get(a->schema, "type"));
	const char *tb = json_string_value(json_object_get(b->schema, "type"));
	unsigned int i;

	if (strcmp(ta, tb))
		return strata_seterr(err, errlen, EINVAL, "container: of type '%s', not '%s'",
				     tb, ta);
	for (i = 0; i < a->nf && i < b->nf; i++) {
		const struct cfield *x = &a->f[i], *y = &b->f[i];

		if (strcmp(x->name, y->name) || x->kind != y->kind || x->type != y->type ||
		    (x->kind == STRATA_MK_FUND && x->agg != y->agg) ||
		    !json_equal(json_object_get(x->desc, "unit"), json_object_get(y->desc, "unit")))
			return strata_seterr(err, errlen, EINVAL, "container: schema differs: field "
					     "%u is '%s' (%s) where it was '%s' (%s)", i, y->name,
					     strata_metric_kind_name(y->kind), x->name,
					     strata_metric_kind_name(x->kind));
	}
	if (a->nf != b->nf)
		return strata_seterr(err, errlen, EINVAL, "container: schema differs: %u fields "
				     "where there were %u", b->nf, a->nf);
	return 0;
}

static void widen(json_t *into, json_t *from, const char *k, bool lower)
{
	json_t *a = json_object_get(into, k), *b = json_object_get(from, k);

	if (json_is_integer(a) && json_is_integer(b) &&
	    (lower ? json_integer_value(b) < json_integer_value(a) :
		     json_integer_value(b) > json_integer_value(a)))
		json_integer_set(a, json_integer_value(b));
}

int strata_container_feed(struct strata_container *c, json_t *doc, char *err, size_t errlen)
{
	struct strata_container *n;
	json_t *ia = json_object_get(c->schema, "interval"), *s, *t;
	json_t *sa = json_object_get(c->schema, "sensors");
	size_t i, j, cells;
	int rc;

	rc = parse(&n, doc, err, errlen);
	if (rc)
		return rc;
	rc = same_schema(c, n, err, errlen);
	if (!rc && grow(c, c->nrows + n->nrows))
		rc = strata_seterr(err, errlen, ENOMEM, "container: out of memory");
	if (rc) {
		strata_container_free(n);
		return rc;
	}
	cells = n->nrows * c->nf;
	memcpy(c->key + c->nrows * c->nf, n->key, cells * sizeof(*n->key));
	memcpy(c->v + c->nrows * c->nf, n->v, cells * sizeof(*n->v));
	memcpy(c->has + c->nrows * c->nf, n->has, cells);
	c->nrows += n->nrows;
	n->nrows = 0;	/* the keys' references moved */
	widen(ia, json_object_get(n->schema, "interval"), "from_ns", true);
	widen(ia, json_object_get(n->schema, "interval"), "to_ns", false);
	json_array_foreach(json_object_get(n->schema, "sensors"), i, s) {
		json_array_foreach(sa, j, t)
			if (json_equal(json_object_get(t, "id"), json_object_get(s, "id")))
				break;
		if (j == json_array_size(sa))
			json_array_append(sa, s);
	}
	strata_container_free(n);
	return 0;
}

/* ---- derived fields and aggregation ---- */

static int resolve_fund(const char *name, void *arg)
{
	const struct strata_container *c = arg;
	int i = find_field(c, name);

	return i >= 0 && c->f[i].kind == STRATA_MK_FUND ? i : -ENOENT;
}

/*
 * Whether derived metric @m is one of these rows': listed at their level
 * (hop_loss_ratio is not a macroflow's, though both carry lost and packets)
 * and its formula's names all fundamentals here. A container of no known
 * level takes any formula it can compute.
 */
static int usable(const struct strata_container *c, const struct strata_metric *m,
		  struct strata_expr **e, char *err, size_t errlen)
{
	unsigned int level = schema_level(c->schema);

	if (!m || m->kind != STRATA_MK_DERIVED)
		return -EINVAL;
	if (level && !(m->levels & level))
		return -EINVAL;
	return strata_expr_parse(m->formula, resolve_fund, (void *)c, e, err, errlen);
}

/* The derived metrics these rows can compute, for a message. */
static void derivable(const struct strata_container *c, char *buf, size_t len)
{
	struct strata_expr *e;
	size_t i, n = 0;
	char ignore[8];

	buf[0] = 0;
	for (i = 0; i < strata_nmetrics && n < len; i++) {
		const struct strata_metric *m = &strata_metrics[i];

		if (usable(c, m, &e, ignore, sizeof(ignore)))
			continue;
		strata_expr_free(e);
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", m->name);
	}
}

static void free_exprs(struct strata_expr **ex, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		strata_expr_free(ex[i]);
		ex[i] = NULL;
	}
}

/* The compiled formulas of the derived ones among @names (NULL for others). */
static int compile(const struct strata_container *c, const char *const *names, unsigned int n,
		   struct strata_expr **ex, char *err, size_t errlen)
{
	const struct strata_metric *m;
	char why[256], list[1024];
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		ex[i] = NULL;
		if (find_field(c, names[i]) >= 0)
			continue;
		m = strata_metric_find(names[i]);
		rc = usable(c, m, &ex[i], why, sizeof(why));
		if (rc == -ENOMEM)
			return strata_seterr(err, errlen, ENOMEM, "fields: out of memory");
		if (rc) {
			free_exprs(ex, i);
			derivable(c, list, sizeof(list));
			return strata_seterr(err, errlen, EINVAL, "fields: '%s' is not a metric of "
					     "%s rows; derived ones here: %s", names[i],
					     json_string_value(json_object_get(c->schema, "type")),
					     list);
		}
	}
	return 0;
}

static double eval_row(const struct strata_container *c, const struct strata_expr *e,
		       const __int128 *v, const unsigned char *has, double *slots)
{
	unsigned int k;

	for (k = 0; k < c->nf; k++)
		slots[k] = has[k] ? (double)v[k] : NAN;
	return strata_expr_eval(e, slots);
}

static json_t *jreal(double d)
{
	return isnan(d) || isinf(d) ? json_null() : json_real(d);
}

/* @u in decimal, '-' before it when @neg. */
static json_t *decimal(unsigned __int128 u, bool neg)
{
	char buf[48], *p = buf + sizeof(buf) - 1;

	*p = 0;
	do {
		*--p = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	return json_string(p);
}

json_t *strata_json_u128(__u64 hi, __u64 lo)
{
	return decimal((unsigned __int128)hi << 64 | lo, false);
}

/* A JSON integer where one holds it; a sum of squares always a string. */
static json_t *jint128(__int128 x, int type)
{
	if (type != STRATA_MT_U128 && x >= INT64_MIN && x <= INT64_MAX)
		return json_integer((json_int_t)x);
	return decimal(x < 0 ? -(unsigned __int128)x : (unsigned __int128)x, x < 0);
}

/* A comma-separated list in a buffer of its own, split in place. */
static unsigned int split(char *s, const char **names, unsigned int max)
{
	unsigned int n = 0;
	char *tok, *save;

	for (tok = strtok_r(s, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	return n;
}

#define FIELDS_MAX	64

int strata_container_derive(json_t *doc, const char *fields, char *err, size_t errlen)
{
	struct strata_expr *ex[FIELDS_MAX] = { 0 };
	const char *names[FIELDS_MAX];
	struct strata_container *c;
	unsigned int n, i;
	double *slots;
	char *buf;
	json_t *row, *fl = json_object_get(json_object_get(doc, "schema"), "fields");
	size_t r;
	int rc;

	buf = strdup(fields);
	if (!buf)
		return strata_seterr(err, errlen, ENOMEM, "fields: out of memory");
	n = split(buf, names, FIELDS_MAX);
	rc = parse(&c, doc, err, errlen);
	if (rc) {
		free(buf);
		return rc;
	}
	rc = compile(c, names, n, ex, err, errlen);
	slots = rc ? NULL : calloc(c->nf + 1, sizeof(*slots));
	if (!rc && !slots)
		rc = strata_seterr(err, errlen, ENOMEM, "fields: out of memory");
	for (i = 0; i < n && !rc; i++) {
		if (!ex[i])
			continue;
		if (json_array_append_new(fl, describe(strata_metric_find(names[i]),
						       json_pack("[s]", names[i])))) {
			rc = strata_seterr(err, errlen, ENOMEM, "fields: out of memory");
			break;
		}
		json_array_foreach(json_object_get(doc, "rows"), r, row)
			json_object_set_new(row, names[i], jreal(eval_row(c, ex[i],
				&c->v[r * c->nf], &c->has[r * c->nf], slots)));
	}
	free_exprs(ex, n);
	free(slots);
	strata_container_free(c);
	free(buf);
	return rc;
}

/* A group's key: its values as compact JSON. */
static char *group_key(const struct strata_container *c, size_t r, const int *by,
		       unsigned int nby)
{
	json_t *a = json_array();
	unsigned int i;
	char *s;

	for (i = 0; a && i < nby; i++)
		json_array_append(a, c->key[r * c->nf + (unsigned int)by[i]]);
	s = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(a);
	return s;
}

static int keys_list(const struct strata_container *c, char *buf, size_t len)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = 0;
	for (i = 0; i < c->nf && n < len; i++)
		if (c->f[i].kind == STRATA_MK_KEY)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", c->f[i].name);
	return 0;
}

/* The output schema: the keys kept, every fundamental, the derived asked for. */
static json_t *out_schema(const struct strata_container *c, const struct strata_cquery *q,
			  const int *by, unsigned int nby, struct strata_expr **ex)
{
	json_t *s = json_deep_copy(c->schema), *fl = json_array(), *d, *by_names = json_array();
	unsigned int i;

	if (!s || !fl || !by_names)
		goto fail;
	for (i = 0; i < c->nf; i++) {
		if (c->f[i].kind == STRATA_MK_KEY && q->group && lookup(c->f[i].name, q->by, nby) < 0)
			continue;
		d = json_deep_copy(c->f[i].desc);
		if (!d || json_object_set_new(d, "path", json_pack("[s]", c->f[i].name)) ||
		    json_array_append_new(fl, d))
			goto fail;
	}
	for (i = 0; i < q->nfields; i++) {
		if (!ex[i] || lookup(q->fields[i], q->fields, i) >= 0)
			continue;
		d = describe(strata_metric_find(q->fields[i]), json_pack("[s]", q->fields[i]));
		if (!d || json_array_append_new(fl, d))
			goto fail;
	}
	for (i = 0; q->group && i < nby; i++)
		json_array_append_new(by_names, json_string(c->f[by[i]].name));
	json_object_set_new(s, "fields", fl);
	if (q->group)
		json_object_set_new(s, "aggregated_by", by_names);
	else
		json_decref(by_names);
	return s;
fail:
	json_decref(s);
	json_decref(fl);
	json_decref(by_names);
	return NULL;
}

int strata_container_result(const struct strata_container *c, const struct strata_cquery *q,
			    json_t **out, char *err, size_t errlen)
{
	struct strata_expr *ex[FIELDS_MAX] = { 0 };
	int by[FIELDS_MAX];
	json_t *groups = NULL, *schema = NULL, *rows = NULL, *o;
	__int128 *v = NULL;
	unsigned char *has = NULL;
	double *slots = NULL;
	size_t r, g, ng = 0, *first = NULL;
	unsigned int i, k;
	char list[512];
	int rc;

	*out = NULL;
	if (q->nby > FIELDS_MAX || q->nfields > FIELDS_MAX)
		return strata_seterr(err, errlen, EINVAL, "at most %d keys and %d fields",
				     FIELDS_MAX, FIELDS_MAX);
	for (i = 0; i < q->nby; i++) {
		by[i] = find_field(c, q->by[i]);
		if (by[i] < 0 || c->f[by[i]].kind != STRATA_MK_KEY) {
			keys_list(c, list, sizeof(list));
			return strata_seterr(err, errlen, EINVAL, "by: '%s' is not a key of %s "
					     "rows; keys: %s", q->by[i],
					     json_string_value(json_object_get(c->schema, "type")),
					     list);
		}
	}
	rc = compile(c, q->fields, q->nfields, ex, err, errlen);
	if (rc)
		return rc;
	groups = json_object();
	rows = json_array();
	schema = out_schema(c, q, by, q->nby, ex);
	v = calloc(c->nrows * c->nf + 1, sizeof(*v));
	has = calloc(c->nrows * c->nf + 1, 1);
	slots = calloc(c->nf + 1, sizeof(*slots));
	/* Each group's first row, for its keys: groups in first-seen order. */
	first = calloc(c->nrows + 1, sizeof(*first));
	rc = -ENOMEM;
	if (!groups || !rows || !schema || !v || !has || !slots || !first)
		goto out;
	for (r = 0; r < c->nrows; r++) {
		if (q->group) {
			char *key = group_key(c, r, by, q->nby);
			json_t *gi;

			if (!key)
				goto out;
			gi = json_object_get(groups, key);
			if (gi) {
				g = (size_t)json_integer_value(gi);
			} else {
				g = ng++;
				first[g] = r;
				json_object_set_new(groups, key, json_integer((json_int_t)g));
			}
			free(key);
		} else {
			g = ng++;
			first[g] = r;
		}
		for (k = 0; k < c->nf; k++)
			if (c->f[k].kind == STRATA_MK_FUND && c->has[r * c->nf + k])
				agg_add(c->f[k].agg, &v[g * c->nf + k], &has[g * c->nf + k],
					c->v[r * c->nf + k]);
	}
	for (g = 0; g < ng; g++) {
		o = json_object();
		if (!o || json_array_append_new(rows, o))
			goto out;
		for (k = 0; k < c->nf; k++) {
			const struct cfield *f = &c->f[k];

			if (f->kind == STRATA_MK_KEY) {
				if (q->group && lookup(f->name, q->by, q->nby) < 0)
					continue;
				json_object_set(o, f->name, c->key[first[g] * c->nf + k]);
			} else {
				json_object_set_new(o, f->name, has[g * c->nf + k] ?
					jint128(v[g * c->nf + k], f->type) : json_null());
			}
		}
		for (i = 0; i < q->nfields; i++)
			if (ex[i])
				json_object_set_new(o, q->fields[i], jreal(eval_row(c, ex[i],
					&v[g * c->nf], &has[g * c->nf], slots)));
	}
	*out = json_pack("{s:O,s:O}", "schema", schema, "rows", rows);
	rc = *out ? 0 : -ENOMEM;
out:
	if (rc)
		strata_seterr(err, errlen, ENOMEM, "container: out of memory");
	free_exprs(ex, q->nfields);
	json_decref(groups);
	json_decref(schema);
	json_decref(rows);
	free(v);
	free(has);
	free(slots);
	free(first);
	return rc;
}
