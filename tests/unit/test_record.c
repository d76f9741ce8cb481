// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Unit tests of triggered recording: request bodies and their errors, the
 * filter list a recording makes with the module's own and gives back (also
 * after another tool's change), the state file across a restart, the token,
 * the recorder on a fake module and store, and the client against a socket.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <jansson.h>

#include "unit.h"
#include "err.h"
#include "keywords.h"
#include "record.h"
#include "token.h"

#define SEC 1000000000ULL
#define T0 (1800000000ULL * SEC)

/* ---- requests ---- */

static void parse_ok(const char *body, struct strata_record_req *r)
{
	char err[256];

	if (strata_record_parse_req(body, strlen(body), r, err, sizeof(err)))
		fail_msg("'%s': %s", body, err);
}

/* Refused with -EINVAL and a message that holds @what. */
static void parse_bad(const char *body, const char *what)
{
	struct strata_record_req r;
	char err[256] = "";

	assert_int_equal(strata_record_parse_req(body, strlen(body), &r, err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, what))
		fail_msg("'%s': error '%s' does not say '%s'", body, err, what);
}

static void test_parse(void **state)
{
	struct strata_record_req r, back;
	char *s;

	(void)state;
	parse_ok("{\"filter\": {\"proto\": \"udp\", \"addr\": \"10.0.0.0/24\", \"port\": 53},"
		 " \"duration\": 30, \"snaplen\": 2000, \"label\": \"alarm-42\"}", &r);
	assert_true(r.filter.has_proto && r.filter.has_addr && r.filter.has_port);
	assert_int_equal(r.filter.proto, 17);
	assert_int_equal(r.filter.prefix, 96 + 24);
	assert_int_equal(r.filter.addr[12], 10);
	assert_int_equal(r.filter.addr[10], 0xff);
	assert_int_equal(r.filter.port, 53);
	assert_int_equal(r.filter.snaplen, 2000);
	assert_int_equal(r.duration_s, 30);
	assert_string_equal(r.label, "alarm-42");
	/* The snaplen before the filter is kept, a number is a protocol. */
	parse_ok("{\"snaplen\": 64, \"duration\": 3600, \"filter\": {\"proto\": 6}}", &r);
	assert_int_equal(r.filter.snaplen, 64);
	assert_int_equal(r.filter.proto, 6);
	assert_false(r.filter.has_port);
	assert_string_equal(r.label, "");
	/* No snaplen: 0, the sensor's default (the whole packet). */
	parse_ok("{\"filter\": {\"addr\": \"2001:db8::1\"}, \"duration\": 1}", &r);
	assert_int_equal(r.filter.snaplen, 0);
	assert_int_equal(r.filter.prefix, 128);
	/* What the client sends reads back the same. */
	parse_ok("{\"filter\": {\"proto\": \"tcp\", \"addr\": \"192.0.2.7/32\", \"port\": 443},"
		 " \"duration\": 5, \"snaplen\": 100, \"label\": \"svc:a/b\"}", &r);
	s = strata_record_req_json(&r);
	assert_non_null(s);
	parse_ok(s, &back);
	free(s);
	assert_memory_equal(&r, &back, sizeof(r));
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("", "not JSON");
	parse_bad("{\"filter\": {\"port\": 1}, \"duration\": 1", "not JSON");
	parse_bad("[1]", "not a JSON object");
	parse_bad("{\"duration\": 5}", "filter: missing");
	parse_bad("{\"filter\": {\"port\": 1}}", "duration: missing");
	parse_bad("{\"filter\": {}, \"duration\": 5}", "give proto, addr or port");
	parse_bad("{\"filter\": 7, \"duration\": 5}", "filter: not an object");
	parse_bad("{\"filter\": {\"proto\": \"tcpx\"}, \"duration\": 5}", "proto");
	parse_bad("{\"filter\": {\"proto\": 256}, \"duration\": 5}", "proto");
	parse_bad("{\"filter\": {\"addr\": \"10.0.0.1/33\"}, \"duration\": 5}", "addr");
	parse_bad("{\"filter\": {\"addr\": \"host\"}, \"duration\": 5}", "addr");
	parse_bad("{\"filter\": {\"port\": 65536}, \"duration\": 5}", "port");
	parse_bad("{\"filter\": {\"port\": \"80\"}, \"duration\": 5}", "port");
	parse_bad("{\"filter\": {\"port\": 80, \"snaplen\": 5}, \"duration\": 5}",
		  "unknown member 'snaplen'");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 0}", "duration");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 3601}", "duration");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 1.5}", "duration");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"snaplen\": 0}", "snaplen");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"snaplen\": 9217}", "snaplen");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"label\": \"a b\"}", "label");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"label\": \"\"}", "label");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"label\": "
		  "\"123456789012345678901234567890123456789012345678\"}", "label");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"label\": 3}", "label");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"until\": 9}",
		  "unknown member 'until'");
	parse_bad("{\"filter\": {\"port\": 80}, \"duration\": 5, \"duration\": 6}", "duplicate");
}

/* ---- the filter list ---- */

static struct strata_filter port_filter(__u16 port, __u32 snaplen)
{
	struct strata_filter f;

	memset(&f, 0, sizeof(f));
	f.has_port = true;
	f.port = port;
	f.snaplen = snaplen;
	return f;
}

static struct strata_config base_config(unsigned int nfilters)
{
	struct strata_config c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.generation = 7;
	c.flags = STRATA_CFG_F_ALL;
	c.window_ms = 1000;
	c.snaplen = 96;
	c.sampling = 1;
	c.table_cap = 1024;
	c.seg_budget = 4;
	for (i = 0; i < nfilters; i++)
		c.filters[i] = port_filter((__u16)(1000 + i), 200);
	c.nfilters = nfilters;
	return c;
}

static void add_rec(struct strata_record_state *st, const char *label,
		    struct strata_filter f, __u64 start, __u64 end)
{
	struct strata_record *r = &st->rec[st->n++];

	memset(r, 0, sizeof(*r));
	snprintf(r->label, sizeof(r->label), "%s", label);
	r->filter = f;
	r->start_ns = start;
	r->end_ns = end;
}

static void assert_filter(const struct strata_filter *f, __u16 port, __u32 snaplen)
{
	assert_true(f->has_port);
	assert_int_equal(f->port, port);
	assert_int_equal(f->snaplen, snaplen);
}

static void test_compose_restore(void **state)
{
	struct strata_config before = base_config(2), during, after;
	struct strata_record_state st;

	(void)state;
	memset(&st, 0, sizeof(st));
	add_rec(&st, "a", port_filter(80, 9216), T0, T0 + 10 * SEC);
	assert_int_equal(strata_record_compose(&before, &st, T0, &during), 0);
	/* Only the filters change: the recording's in front. */
	assert_int_equal(during.nfilters, 3);
	assert_filter(&during.filters[0], 80, 9216);
	assert_filter(&during.filters[1], 1000, 200);
	assert_filter(&during.filters[2], 1001, 200);
	assert_int_equal(during.snaplen, 96);
	assert_int_equal(during.generation, 7);
	assert_true(st.rec[0].applied);
	assert_int_equal(st.napplied, 1);
	/* The module took it (generation 8); at the end the list is as before. */
	during.generation = 8;
	st.n = 0;
	assert_int_equal(strata_record_compose(&during, &st, T0 + 10 * SEC, &after), 0);
	assert_int_equal(st.napplied, 0);
	after.generation = before.generation;
	assert_memory_equal(&after, &before, sizeof(before));
}

static void test_compose_other_change(void **state)
{
	struct strata_config before = base_config(2), during, theirs, after;
	struct strata_record_state st;

	(void)state;
	memset(&st, 0, sizeof(st));
	add_rec(&st, "a", port_filter(80, 9216), T0, T0 + 10 * SEC);
	strata_record_compose(&before, &st, T0, &during);
	/*
	 * Another tool, meanwhile: snaplen 64, its own filter list where ours
	 * is second and one of the old ones is gone.
	 */
	theirs = during;
	theirs.generation = 9;
	theirs.snaplen = 64;
	theirs.filters[0] = port_filter(5000, 128);
	theirs.filters[1] = port_filter(80, 9216);
	theirs.nfilters = 2;
	st.n = 0;
	assert_int_equal(strata_record_compose(&theirs, &st, T0 + 10 * SEC, &after), 0);
	/* Only ours went: their snaplen and filter stay. */
	assert_int_equal(after.snaplen, 64);
	assert_int_equal(after.nfilters, 1);
	assert_filter(&after.filters[0], 5000, 128);
	/* Ours already gone from their list: nothing else is taken. */
	st.napplied = 1;
	st.applied[0] = port_filter(80, 9216);
	theirs.filters[1] = port_filter(80, 200);	/* theirs: another snaplen */
	assert_int_equal(strata_record_compose(&theirs, &st, T0 + 10 * SEC, &after), 0);
	assert_int_equal(after.nfilters, 2);
	assert_filter(&after.filters[1], 80, 200);
}

static void test_compose_overlap(void **state)
{
	struct strata_config cfg = base_config(1), out, next;
	struct strata_record_state st;
	struct strata_filter host;

	(void)state;
	memset(&st, 0, sizeof(st));
	memset(&host, 0, sizeof(host));
	host.has_addr = true;
	strata_kw_addr("10.0.0.9", host.addr, &host.prefix);
	host.snaplen = 9216;
	add_rec(&st, "small", port_filter(80, 300), T0, T0 + 40 * SEC);
	add_rec(&st, "host", host, T0 + SEC, T0 + 10 * SEC);
	add_rec(&st, "same", port_filter(80, 1500), T0 + 2 * SEC, T0 + 30 * SEC);
	assert_int_equal(strata_record_compose(&cfg, &st, T0 + 3 * SEC, &out), 0);
	/* Largest snaplen first; one filter for port 80, with its largest snaplen. */
	assert_int_equal(out.nfilters, 3);
	assert_true(out.filters[0].has_addr);
	assert_filter(&out.filters[1], 80, 1500);
	assert_filter(&out.filters[2], 1000, 200);
	assert_true(st.rec[0].applied && st.rec[1].applied && st.rec[2].applied);
	/* "host" ends: port 80 stays. "same" ends: "small" gets its snaplen. */
	assert_int_equal(strata_record_compose(&out, &st, T0 + 10 * SEC, &next), 0);
	assert_int_equal(next.nfilters, 2);
	assert_filter(&next.filters[0], 80, 1500);
	assert_false(st.rec[1].applied);
	assert_int_equal(strata_record_compose(&next, &st, T0 + 30 * SEC, &out), 0);
	assert_int_equal(out.nfilters, 2);
	assert_filter(&out.filters[0], 80, 300);
	assert_int_equal(strata_record_compose(&out, &st, T0 + 40 * SEC, &next), 0);
	assert_int_equal(next.nfilters, 1);
	assert_filter(&next.filters[0], 1000, 200);
}

static void test_compose_full(void **state)
{
	struct strata_config cfg = base_config(15), out;
	struct strata_record_state st;

	(void)state;
	memset(&st, 0, sizeof(st));
	add_rec(&st, "a", port_filter(80, 9216), T0, T0 + 10 * SEC);
	add_rec(&st, "b", port_filter(81, 9216), T0, T0 + 10 * SEC);
	assert_int_equal(strata_record_compose(&cfg, &st, T0, &out), 1);
	assert_int_equal(out.nfilters, STRATA_FILTERS_MAX);
	assert_true(st.rec[0].applied);
	assert_false(st.rec[1].applied);
	assert_filter(&out.filters[0], 80, 9216);
}

/* ---- the state file ---- */

static char dir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_record.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static const char *state_path(void)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, STRATA_RECORD_STATE_FILE);
	return p;
}

static void test_state_file(void **state)
{
	struct strata_record_state st, back;
	struct strata_filter f;
	char err[256], tmp[160];
	FILE *fp;

	(void)state;
	unlink(state_path());
	assert_int_equal(strata_record_state_load(state_path(), &back, err, sizeof(err)), 0);
	assert_int_equal(back.n, 0);
	memset(&st, 0, sizeof(st));
	st.generation = 41;
	memset(&f, 0, sizeof(f));
	f.has_proto = f.has_addr = true;
	f.proto = 17;
	strata_kw_addr("2001:db8::/32", f.addr, &f.prefix);
	f.snaplen = 9216;
	add_rec(&st, "alarm-1", f, T0, T0 + 60 * SEC);
	st.rec[0].pin_id = 12;
	st.rec[0].applied = true;
	add_rec(&st, "r2", port_filter(443, 100), T0 + SEC, T0 + 2 * SEC);
	st.applied[0] = f;
	st.napplied = 1;
	assert_int_equal(strata_record_state_save(state_path(), &st, err, sizeof(err)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", state_path());
	assert_int_not_equal(access(tmp, F_OK), 0);
	assert_int_equal(strata_record_state_load(state_path(), &back, err, sizeof(err)), 0);
	assert_memory_equal(&st, &back, sizeof(st));
	/* Not a state file: refused, named. */
	fp = fopen(state_path(), "w");
	assert_non_null(fp);
	fputs("{\"version\": 2, \"generation\": 1, \"applied\": [], \"recordings\": []}", fp);
	fclose(fp);
	assert_int_equal(strata_record_state_load(state_path(), &back, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version 1"));
	fp = fopen(state_path(), "w");
	fputs("{\"version\": 1, \"generation\": 1, \"applied\": [], \"recordings\": [{\"label\": \"x\"}]}",
	      fp);
	fclose(fp);
	assert_int_equal(strata_record_state_load(state_path(), &back, err, sizeof(err)), -EINVAL);
	unlink(state_path());
}

static void test_token(void **state)
{
	(void)state;
	assert_true(strata_bearer_ok("s3cret", "Bearer s3cret"));
	assert_true(strata_bearer_ok("s3cret", "bearer s3cret"));
	assert_false(strata_bearer_ok("s3cret", "Bearer s3cre"));
	assert_false(strata_bearer_ok("s3cret", "Bearer s3cret2"));
	assert_false(strata_bearer_ok("s3cret", "Bearer S3cret"));
	assert_false(strata_bearer_ok("s3cret", "Basic s3cret"));
	assert_false(strata_bearer_ok("s3cret", NULL));
	/* No token set: nothing passes, not even an empty one. */
	assert_false(strata_bearer_ok("", "Bearer "));
	assert_false(strata_bearer_ok(NULL, "Bearer x"));
}

/* ---- the recorder on a fake module and store ---- */

struct fake {
	struct strata_config cfg;
	unsigned int sets;
	bool intrude;		/* another tool changes the config before our next set */
	struct { __u64 id, t1, t2; char label[64]; bool live; } pins[16];
	unsigned int npins;
	int pin_error;
};

static int f_get(void *arg, struct strata_config *cfg, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	*cfg = ((struct fake *)arg)->cfg;
	return 0;
}

static int f_set(void *arg, const struct strata_config *cfg, unsigned int which,
		 struct strata_config *out, char *err, size_t errlen)
{
	struct fake *f = arg;

	if (f->intrude) {
		f->intrude = false;
		f->cfg.snaplen = 64;
		f->cfg.generation++;
	}
	assert_int_equal(which, STRATA_CONFIG_FILTERS | STRATA_CONFIG_GENERATION);
	if (cfg->generation != f->cfg.generation)
		return strata_seterr(err, errlen, ESTALE, "config set: stale");
	if (cfg->nfilters > STRATA_FILTERS_MAX)
		return strata_seterr(err, errlen, E2BIG, "config set: too many filters");
	f->cfg.nfilters = cfg->nfilters;
	memcpy(f->cfg.filters, cfg->filters, sizeof(cfg->filters));
	f->cfg.generation++;
	f->sets++;
	*out = f->cfg;
	return 0;
}

static int f_pin(void *arg, __u64 t1, __u64 t2, const char *label, __u64 *id,
		 char *err, size_t errlen)
{
	struct fake *f = arg;

	if (f->pin_error)
		return strata_seterr(err, errlen, f->pin_error, "store pin: refused");
	assert_true(f->npins < 16);
	f->pins[f->npins].id = f->npins + 1;
	f->pins[f->npins].t1 = t1;
	f->pins[f->npins].t2 = t2;
	f->pins[f->npins].live = true;
	snprintf(f->pins[f->npins].label, sizeof(f->pins[0].label), "%s", label);
	*id = ++f->npins;
	return 0;
}

static int f_unpin(void *arg, __u64 id, char *err, size_t errlen)
{
	struct fake *f = arg;

	if (!id || id > f->npins || !f->pins[id - 1].live)
		return strata_seterr(err, errlen, ENOENT, "no pin %llu", (unsigned long long)id);
	f->pins[id - 1].live = false;
	return 0;
}

static const struct strata_record_ops fake_ops = {
	.config_get = f_get, .config_set = f_set, .pin = f_pin, .unpin = f_unpin,
};

static struct strata_recorder *open_rec(struct fake *f, __u64 now)
{
	struct strata_recorder *r;
	char err[256];

	if (strata_recorder_open(state_path(), &fake_ops, f, now, &r, err, sizeof(err)))
		fail_msg("%s", err);
	strata_recorder_tick(r, now);
	return r;
}

/* A recorder on a fake module with @nfilters filters of its own, from an empty state. */
struct rig {
	struct fake f;
	struct strata_recorder *r;
	struct strata_record rec;
	bool renewed;
};

static struct rig *rig_new(unsigned int nfilters)
{
	struct rig *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	g->f.cfg = base_config(nfilters);
	unlink(state_path());
	g->r = open_rec(&g->f, T0);
	return g;
}

static void rig_free(struct rig *g)
{
	strata_recorder_close(g->r);
	free(g);
}

static struct strata_record_req req_port(__u16 port, __u32 dur, const char *label)
{
	struct strata_record_req q;

	memset(&q, 0, sizeof(q));
	q.filter = port_filter(port, 0);
	q.duration_s = dur;
	snprintf(q.label, sizeof(q.label), "%s", label);
	return q;
}

static int start(struct rig *g, struct strata_record_req q, __u64 now)
{
	char err[256];

	return strata_recorder_start(g->r, &q, now, &g->rec, &g->renewed, err, sizeof(err));
}

/* Start, renew, end; the module's list and the pins at each step. */
static void test_recorder_lifecycle(void **state)
{
	struct rig *g = rig_new(2);
	struct strata_config before = g->f.cfg;

	(void)state;
	assert_int_equal(g->f.sets, 0);	/* nothing to do */
	assert_int_equal(start(g, req_port(80, 10, "alarm-1"), T0), 0);
	assert_false(g->renewed);
	assert_int_equal(g->rec.filter.snaplen, STRATA_SNAPLEN_MAX);
	assert_int_equal(g->f.cfg.nfilters, 3);
	assert_filter(&g->f.cfg.filters[0], 80, STRATA_SNAPLEN_MAX);
	assert_int_equal(g->f.npins, 1);
	assert_int_equal(g->f.pins[0].t1, T0);
	assert_int_equal(g->f.pins[0].t2, T0 + 10 * SEC);
	assert_string_equal(g->f.pins[0].label, "record alarm-1");
	assert_int_equal(strata_recorder_state(g->r)->generation, g->f.cfg.generation);
	/* Another filter for the same label: refused while it lasts. */
	assert_int_equal(start(g, req_port(81, 10, "alarm-1"), T0 + SEC), -EEXIST);
	/* Renewed: a later end, the pin moved, the list as it was. */
	assert_int_equal(start(g, req_port(80, 10, "alarm-1"), T0 + 5 * SEC), 0);
	assert_true(g->renewed);
	assert_int_equal(g->rec.end_ns, T0 + 15 * SEC);
	assert_int_equal(g->f.npins, 2);
	assert_false(g->f.pins[0].live);
	assert_true(g->f.pins[1].live);
	assert_int_equal(g->f.pins[1].t1, T0);
	assert_int_equal(g->f.pins[1].t2, T0 + 15 * SEC);
	assert_int_equal(g->f.cfg.nfilters, 3);
	/* A renewal that ends sooner changes nothing. */
	assert_int_equal(start(g, req_port(80, 1, "alarm-1"), T0 + 6 * SEC), 0);
	assert_int_equal(g->rec.end_ns, T0 + 15 * SEC);
	assert_int_equal(g->f.npins, 2);
	/* Not over at 14 s; over at 15 s: the list as before, the pin stays. */
	assert_int_equal(strata_recorder_tick(g->r, T0 + 14 * SEC), T0 + 15 * SEC);
	assert_int_equal(g->f.cfg.nfilters, 3);
	assert_int_equal(strata_recorder_tick(g->r, T0 + 15 * SEC), ~0ULL);
	before.generation = g->f.cfg.generation;
	assert_memory_equal(&g->f.cfg, &before, sizeof(before));
	assert_true(g->f.pins[1].live);
	assert_int_equal(strata_recorder_state(g->r)->n, 0);
	rig_free(g);
}

/* Another tool's change between start and end stays; only ours goes. */
static void test_recorder_other_change(void **state)
{
	struct rig *g = rig_new(1);

	(void)state;
	/* It changes the config right before our set: read again, not overwritten. */
	g->f.intrude = true;
	assert_int_equal(start(g, req_port(80, 10, "a"), T0), 0);
	assert_int_equal(g->f.cfg.snaplen, 64);
	assert_int_equal(g->f.cfg.nfilters, 2);
	/* Then it replaces the list, keeping ours at the end, and the window. */
	g->f.cfg.filters[0] = port_filter(5000, 128);
	g->f.cfg.filters[1] = port_filter(80, STRATA_SNAPLEN_MAX);
	g->f.cfg.window_ms = 500;
	g->f.cfg.generation += 3;
	strata_recorder_tick(g->r, T0 + 10 * SEC);
	assert_int_equal(g->f.cfg.nfilters, 1);
	assert_filter(&g->f.cfg.filters[0], 5000, 128);
	assert_int_equal(g->f.cfg.window_ms, 500);
	assert_int_equal(g->f.cfg.snaplen, 64);
	rig_free(g);
}

/* Two recordings at once compose; each end takes out only its own. */
static void test_recorder_overlap(void **state)
{
	struct rig *g = rig_new(0);

	(void)state;
	assert_int_equal(start(g, req_port(80, 10, "a"), T0), 0);
	assert_int_equal(start(g, req_port(53, 20, "b"), T0 + SEC), 0);
	assert_int_equal(g->f.cfg.nfilters, 2);
	strata_recorder_tick(g->r, T0 + 10 * SEC);
	assert_int_equal(g->f.cfg.nfilters, 1);
	assert_filter(&g->f.cfg.filters[0], 53, STRATA_SNAPLEN_MAX);
	strata_recorder_tick(g->r, T0 + 21 * SEC);
	assert_int_equal(g->f.cfg.nfilters, 0);
	rig_free(g);
}

/* A restart: the state file ends what ended meanwhile, or puts back what the module lost. */
static void test_recorder_restart(void **state)
{
	struct rig *g = rig_new(2);
	struct strata_config before = g->f.cfg, during;

	(void)state;
	assert_int_equal(start(g, req_port(80, 10, "a"), T0), 0);
	during = g->f.cfg;
	strata_recorder_close(g->r);	/* the daemon stops; the module keeps the filter */

	/* Back before the end: nothing changes, and the end still comes. */
	g->r = open_rec(&g->f, T0 + 5 * SEC);
	assert_memory_equal(&g->f.cfg, &during, sizeof(during));
	assert_int_equal(strata_recorder_state(g->r)->n, 1);
	strata_recorder_close(g->r);

	/* The module was reloaded meanwhile: its defaults, then the filter back. */
	g->f.cfg = base_config(0);
	g->f.cfg.generation = 1;
	g->r = open_rec(&g->f, T0 + 6 * SEC);
	assert_int_equal(g->f.cfg.nfilters, 1);
	assert_filter(&g->f.cfg.filters[0], 80, STRATA_SNAPLEN_MAX);
	strata_recorder_close(g->r);

	/* Back after the end, the module as the recording left it: as before it. */
	g->f.cfg = during;
	g->r = open_rec(&g->f, T0 + 30 * SEC);
	before.generation = g->f.cfg.generation;
	assert_memory_equal(&g->f.cfg, &before, sizeof(before));
	assert_int_equal(strata_recorder_state(g->r)->n, 0);
	rig_free(g);
}

/* Every filter taken, or the store full of pins: refused, nothing left behind. */
static void test_recorder_full(void **state)
{
	struct rig *g = rig_new(STRATA_FILTERS_MAX);
	struct strata_config before = g->f.cfg;
	struct strata_record_req q = req_port(80, 10, "a");
	char err[256];

	(void)state;
	assert_int_equal(strata_recorder_start(g->r, &q, T0, &g->rec, &g->renewed, err,
					       sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "16 by its configuration"));
	assert_memory_equal(&g->f.cfg, &before, sizeof(before));
	assert_int_equal(g->f.npins, 1);
	assert_false(g->f.pins[0].live);
	assert_int_equal(strata_recorder_state(g->r)->n, 0);
	g->f.cfg = base_config(0);
	g->f.pin_error = ENOSPC;
	assert_int_equal(start(g, q, T0), -ENOSPC);
	assert_int_equal(g->f.cfg.nfilters, 0);
	rig_free(g);
}

/* The endpoint: statuses and bodies. */
static void test_recorder_handle(void **state)
{
	static const char good[] = "{\"filter\": {\"proto\": \"udp\", \"port\": 9300},"
				   " \"duration\": 5, \"label\": \"x1\"}";
	struct rig *g = rig_new(0);
	struct strata_recorder *r = g->r;
	struct strata_api_resp resp;
	json_t *o;

	(void)state;
	assert_int_equal(strata_recorder_handle(r, "POST", 0, "{", 1, T0, &resp), 0);
	assert_int_equal(resp.status, 400);
	assert_non_null(strstr(resp.body, "\"error\""));
	strata_api_resp_free(&resp);
	strata_recorder_handle(r, "PUT", 0, good, strlen(good), T0, &resp);
	assert_int_equal(resp.status, 405);
	assert_string_equal(resp.allow, "GET, POST");
	strata_api_resp_free(&resp);
	strata_recorder_handle(r, "GET", 1, NULL, 0, T0, &resp);
	assert_int_equal(resp.status, 400);
	strata_api_resp_free(&resp);
	strata_recorder_handle(r, "POST", 0, good, strlen(good), T0, &resp);
	assert_int_equal(resp.status, 201);
	o = json_loads(resp.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "label")), "x1");
	assert_int_equal(json_integer_value(json_object_get(o, "end")), T0 + 5 * SEC);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "filter"),
							      "proto")), "udp");
	assert_true(json_is_true(json_object_get(o, "applied")));
	json_decref(o);
	strata_api_resp_free(&resp);
	strata_recorder_handle(r, "POST", 0, good, strlen(good), T0 + SEC, &resp);
	assert_int_equal(resp.status, 200);	/* renewed */
	strata_api_resp_free(&resp);
	strata_recorder_handle(r, "GET", 0, NULL, 0, T0 + 2 * SEC, &resp);
	assert_int_equal(resp.status, 200);
	o = json_loads(resp.body, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(o, "recordings")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
		json_object_get(o, "recordings"), 0), "end")), T0 + 6 * SEC);
	json_decref(o);
	strata_api_resp_free(&resp);
	strata_recorder_handle(r, "GET", 0, NULL, 0, T0 + 6 * SEC, &resp);
	assert_non_null(strstr(resp.body, "\"recordings\":[]"));
	strata_api_resp_free(&resp);
	rig_free(g);
}

/* ---- the client, against a socket that answers once ---- */

struct server {
	int fd;
	char req[8192];
	size_t len;
	const char *answer;
};

static void *serve_once(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	char *end, *cl;
	ssize_t n;

	if (c < 0)
		return NULL;
	/* Headers, then Content-Length bytes of body. */
	while ((n = read(c, s->req + s->len, sizeof(s->req) - 1 - s->len)) > 0) {
		s->len += (size_t)n;
		s->req[s->len] = 0;
		end = strstr(s->req, "\r\n\r\n");
		cl = strcasestr(s->req, "Content-Length: ");
		if (end && (!cl || s->len >= (size_t)(end + 4 - s->req) +
						strtoul(cl + 16, NULL, 10)))
			break;
	}
	if (write(c, s->answer, strlen(s->answer)) < 0)
		s->len = 0;
	close(c);
	return NULL;
}

static void test_client(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	struct strata_record_req q = req_port(9300, 5, "alarm-7"), back;
	struct server s = { .answer = "HTTP/1.0 409 Conflict\r\nContent-Type: application/json\r\n"
				      "\r\n{\"error\": \"record: the module's 16 detail filters are taken\"}\n" };
	char url[64], err[512];
	pthread_t t;
	char *body;

	(void)state;
	q.filter.has_proto = true;
	q.filter.proto = 17;
	s.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s.fd, 1), 0);
	getsockname(s.fd, (struct sockaddr *)&sa, &sl);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	assert_int_equal(pthread_create(&t, NULL, serve_once, &s), 0);
	assert_int_equal(strata_record_request(url, "tok", &q, err, sizeof(err)), -EBUSY);
	pthread_join(t, NULL);
	assert_non_null(strstr(err, "409: record: the module's 16 detail filters are taken"));
	/* What it sent: a POST to the endpoint, the token, the request. */
	assert_memory_equal(s.req, "POST /api/v1/record HTTP/1.1\r\n", 30);
	assert_non_null(strstr(s.req, "\r\nAuthorization: Bearer tok\r\n"));
	body = strstr(s.req, "\r\n\r\n") + 4;
	parse_ok(body, &back);
	assert_memory_equal(&back, &q, sizeof(q));

	/* A bad request is refused before anything is sent; no server is no answer. */
	q.duration_s = 0;
	assert_int_equal(strata_record_request(url, "tok", &q, err, sizeof(err)), -EINVAL);
	q.duration_s = 1;
	close(s.fd);
	assert_int_equal(strata_record_request(url, "tok", &q, err, sizeof(err)), -EHOSTUNREACH);
	assert_non_null(strstr(err, url));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_compose_restore),
		cmocka_unit_test(test_compose_other_change),
		cmocka_unit_test(test_compose_overlap),
		cmocka_unit_test(test_compose_full),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_recorder_lifecycle),
		cmocka_unit_test(test_recorder_other_change),
		cmocka_unit_test(test_recorder_overlap),
		cmocka_unit_test(test_recorder_restart),
		cmocka_unit_test(test_recorder_full),
		cmocka_unit_test(test_recorder_handle),
		cmocka_unit_test(test_client),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
