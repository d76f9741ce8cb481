// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * strata's records in IPFIX: the information elements, the templates, and
 * their encoding and decoding with libfixbuf (Documentation/central.rst).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fixbuf/public.h>
#include "bytes.h"
#include "err.h"
#include "ipfix.h"

/* ---- information elements ---- */

/* Which templates a spec entry goes into (fbInfoElementSpec_t.flags). */
#define IN_V4		0x1	/* location flows of IPv4 conversations */
#define IN_V6		0x2	/* of IPv6 ones */
#define IN_MEM		0x4	/* the in-memory record only: padding */
#define IN_ALL		(IN_V4 | IN_V6 | IN_MEM)

#define U64(n, num, rev)	FB_IE_INIT_FULL(n, 0, num, 8, FB_IE_F_ENDIAN | (rev), 0, 0, FB_UINT_64, NULL)
#define U32(n, num, rev)	FB_IE_INIT_FULL(n, 0, num, 4, FB_IE_F_ENDIAN | (rev), 0, 0, FB_UINT_32, NULL)
#define U16(n, num)		FB_IE_INIT_FULL(n, 0, num, 2, FB_IE_F_ENDIAN, 0, 0, FB_UINT_16, NULL)
#define U8(n, num)		FB_IE_INIT_FULL(n, 0, num, 1, 0, 0, 0, FB_UINT_8, NULL)
#define STR(n, num)		FB_IE_INIT_FULL(n, 0, num, FB_IE_VARLEN, 0, 0, 0, FB_STRING, NULL)
#define REV			FB_IE_F_REVERSIBLE

/*
 * strata's own elements, under the configured private enterprise number
 * (set at strata_ipfix_new()). Numbers are for ever: a new element gets a
 * new number, a retired one's is never reused. Per-direction ones are
 * reversible (RFC 5103): the reverse element is the same number with bit
 * 0x4000 set, named "reverse" + the name.
 */
static const fbInfoElement_t strata_ies[] = {
	STR("strataSensorId", 1),
	STR("strataSoftwareVersion", 2),
	STR("strataApiUrl", 3),
	STR("strataToken", 4),
	U64("strataCapabilities", 5, 0),
	U64("strataFlowWindowNs", 6, 0),
	U64("strataClockErrorNs", 7, 0),
	U8("strataClockSync", 8),
	U16("strataProtocolVersion", 9),
	U64("strataWindowFrom", 10, 0),
	U64("strataWindowTo", 11, 0),
	U64("strataFlowCount", 12, 0),
	U8("strataAckStatus", 13),
	STR("strataAckMessage", 14),
	U64("strataFlowWindowStart", 15, 0),
	U64("strataFirstMicroflow", 16, 0),
	U64("strataLastMicroflow", 17, 0),
	U32("strataMicroflows", 18, 0),
	U8("strataInitiatorKnown", 19),
	U64("strataPayloadOctets", 20, REV),
	U64("strataFirstNs", 21, REV),
	U64("strataLastNs", 22, REV),
	U64("strataSizeCount", 23, REV),
	U64("strataSizeSum", 24, REV),
	U64("strataSizeSumSqLo", 25, REV),
	U64("strataSizeSumSqHi", 26, REV),
	U64("strataSizeMin", 27, REV),
	U64("strataSizeMax", 28, REV),
	U64("strataIatCount", 29, REV),
	U64("strataIatSum", 30, REV),
	U64("strataIatSumSqLo", 31, REV),
	U64("strataIatSumSqHi", 32, REV),
	U64("strataIatMin", 33, REV),
	U64("strataIatMax", 34, REV),
	U64("strataRttHsCount", 35, REV),
	U64("strataRttHsSum", 36, REV),
	U64("strataRttHsSumSqLo", 37, REV),
	U64("strataRttHsSumSqHi", 38, REV),
	U64("strataRttHsMin", 39, REV),
	U64("strataRttHsMax", 40, REV),
	U64("strataRttDataCount", 41, REV),
	U64("strataRttDataSum", 42, REV),
	U64("strataRttDataSumSqLo", 43, REV),
	U64("strataRttDataSumSqHi", 44, REV),
	U64("strataRttDataMin", 45, REV),
	U64("strataRttDataMax", 46, REV),
	U32("strataTcpFinCount", 47, REV),
	U32("strataTcpSynCount", 48, REV),
	U32("strataTcpRstCount", 49, REV),
	U32("strataTcpPshCount", 50, REV),
	U32("strataTcpAckCount", 51, REV),
	U32("strataTcpUrgCount", 52, REV),
	U32("strataTcpEceCount", 53, REV),
	U32("strataTcpCwrCount", 54, REV),
	U32("strataRetransmits", 55, REV),
	U32("strataOutOfOrder", 56, REV),
	U32("strataZeroWindow", 57, REV),
	U32("strataFragments", 58, REV),
	U32("strataFpSegmented", 59, REV),
	FB_IE_INIT_FULL("strataFingerprints", 0, 60, FB_IE_VARLEN, REV, 0, 0,
			FB_OCTET_ARRAY, NULL),
	/* Transaction timing: the conversation's, so not reversible. */
	U64("strataTtfbCount", 61, 0),
	U64("strataTtfbSum", 62, 0),
	U64("strataTtfbSumSqLo", 63, 0),
	U64("strataTtfbSumSqHi", 64, 0),
	U64("strataTtfbMin", 65, 0),
	U64("strataTtfbMax", 66, 0),
	U64("strataRespCount", 67, 0),
	U64("strataRespSum", 68, 0),
	U64("strataRespSumSqLo", 69, 0),
	U64("strataRespSumSqHi", 70, 0),
	U64("strataRespMin", 71, 0),
	U64("strataRespMax", 72, 0),
	U64("strataFirstTtfbCount", 73, 0),
	U64("strataFirstTtfbSum", 74, 0),
	U64("strataFirstTtfbSumSqLo", 75, 0),
	U64("strataFirstTtfbSumSqHi", 76, 0),
	U64("strataFirstTtfbMin", 77, 0),
	U64("strataFirstTtfbMax", 78, 0),
	U64("strataDnsCount", 79, 0),
	U64("strataDnsSum", 80, 0),
	U64("strataDnsSumSqLo", 81, 0),
	U64("strataDnsSumSqHi", 82, 0),
	U64("strataDnsMin", 83, 0),
	U64("strataDnsMax", 84, 0),
	U64("strataRequests", 85, 0),
	U64("strataDnsQueries", 86, 0),
	U32("strataDnsUnanswered", 87, 0),
	U32("strataDnsOverflow", 88, 0),
	U32("strataDnsRepeats", 89, 0),
	U8("strataTxnApplication", 90),
	FB_IE_NULL
};

/* ---- records as libfixbuf lays them out in memory (no padding) ---- */

#define D64 29		/* per-direction 64-bit fields, dir_u64[] */
#define D32 13		/* 32-bit ones, dir_u32[] */

/* A direction's 64- and 32-bit fields, in their order in the records. */
static const char *const dir_u64[D64] = {
	"packetDeltaCount", "octetDeltaCount", "strataPayloadOctets",
	"strataFirstNs", "strataLastNs",
	"strataSizeCount", "strataSizeSum", "strataSizeSumSqLo", "strataSizeSumSqHi",
	"strataSizeMin", "strataSizeMax",
	"strataIatCount", "strataIatSum", "strataIatSumSqLo", "strataIatSumSqHi",
	"strataIatMin", "strataIatMax",
	"strataRttHsCount", "strataRttHsSum", "strataRttHsSumSqLo", "strataRttHsSumSqHi",
	"strataRttHsMin", "strataRttHsMax",
	"strataRttDataCount", "strataRttDataSum", "strataRttDataSumSqLo",
	"strataRttDataSumSqHi", "strataRttDataMin", "strataRttDataMax",
};

#define T64 26		/* transaction timing's 64-bit fields, txn_u64[] */
#define T32 3		/* its 32-bit ones, txn_u32[] */

static const char *const txn_u64[T64] = {
	"strataTtfbCount", "strataTtfbSum", "strataTtfbSumSqLo", "strataTtfbSumSqHi",
	"strataTtfbMin", "strataTtfbMax",
	"strataRespCount", "strataRespSum", "strataRespSumSqLo", "strataRespSumSqHi",
	"strataRespMin", "strataRespMax",
	"strataFirstTtfbCount", "strataFirstTtfbSum", "strataFirstTtfbSumSqLo",
	"strataFirstTtfbSumSqHi", "strataFirstTtfbMin", "strataFirstTtfbMax",
	"strataDnsCount", "strataDnsSum", "strataDnsSumSqLo", "strataDnsSumSqHi",
	"strataDnsMin", "strataDnsMax",
	"strataRequests", "strataDnsQueries",
};

static const char *const txn_u32[T32] = {
	"strataDnsUnanswered", "strataDnsOverflow", "strataDnsRepeats",
};

static const char *const dir_u32[D32] = {
	"strataTcpFinCount", "strataTcpSynCount", "strataTcpRstCount", "strataTcpPshCount",
	"strataTcpAckCount", "strataTcpUrgCount", "strataTcpEceCount", "strataTcpCwrCount",
	"strataRetransmits", "strataOutOfOrder", "strataZeroWindow", "strataFragments",
	"strataFpSegmented",
};

/*
 * A location flow, oriented as RFC 5103 wants a biflow: "source" is the
 * initiator when it is known, else the canonical key's endpoint 0; the
 * forward elements count what the source sent, the reverse ones the rest.
 */
struct rec_lflow {
	__u64 win_start;
	__u64 win_ns;
	__u64 first_mf;
	__u64 last_mf;
	__u64 start_ms;
	__u64 end_ms;
	__u64 d64[2][D64];
	__u64 t64[T64];
	fbVarfield_t fp[2];
	__u8 saddr6[16];
	__u8 daddr6[16];
	__u32 saddr4;
	__u32 daddr4;
	__u32 microflows;
	__u32 d32[2][D32];
	__u32 t32[T32];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 initiator_known;
	__u8 ttl[2][2];
	__u8 clock_sync;
	__u8 app;
	__u8 pad[4];
};
_Static_assert(sizeof(struct rec_lflow) == 928, "rec_lflow has padding");

struct rec_hello {
	__u64 caps;
	__u64 window_ns;
	__u64 clock_err;
	fbVarfield_t id;
	fbVarfield_t version;
	fbVarfield_t url;
	fbVarfield_t token;
	__u16 proto_version;
	__u8 clock_sync;
	__u8 pad[5];
};
_Static_assert(sizeof(struct rec_hello) == 96, "rec_hello has padding");

struct rec_window {
	__u64 from;
	__u64 to;
	__u64 flows;
};

struct rec_ack {
	__u64 through;
	fbVarfield_t message;
	__u8 status;
	__u8 pad[7];
};
_Static_assert(sizeof(struct rec_ack) == 32, "rec_ack has padding");

/* Template ids: the same internal (in memory) and external (on the wire). */
enum { T_HELLO = 256, T_LFLOW4, T_LFLOW6, T_WINDOW, T_ACK, T_LFLOW_MEM };

/* Entries of a spec array built at run time (names of reverse elements). */
#define SPEC_MAX	(2 * (D64 + D32) + T64 + T32 + 32)

struct spec {
	fbInfoElementSpec_t e[SPEC_MAX];
	char names[2 * (D64 + D32 + 1)][40];
	unsigned int n, nn;
};

static void spec_add(struct spec *s, const char *name, __u16 len, __u32 flags)
{
	s->e[s->n].name = (char *)name;
	s->e[s->n].len_override = len;
	s->e[s->n].flags = flags;
	s->n++;
}

/* "reverse" + @name with its first letter in capitals, as libfixbuf names them. */
static void spec_add_dir(struct spec *s, const char *name, unsigned int dir, __u16 len)
{
	char *r;

	if (!dir) {
		spec_add(s, name, len, 0);
		return;
	}
	r = s->names[s->nn++];
	snprintf(r, sizeof(s->names[0]), "reverse%c%s", name[0] - 'a' + 'A', name + 1);
	spec_add(s, r, len, 0);
}

static void spec_lflow(struct spec *s)
{
	static const char *const head[] = {
		"strataFlowWindowStart", "strataFlowWindowNs", "strataFirstMicroflow",
		"strataLastMicroflow", "flowStartMilliseconds", "flowEndMilliseconds",
	};
	unsigned int i, d;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		spec_add(s, head[i], 8, 0);
	for (d = 0; d < 2; d++)
		for (i = 0; i < D64; i++)
			spec_add_dir(s, dir_u64[i], d, 8);
	for (i = 0; i < T64; i++)
		spec_add(s, txn_u64[i], 8, 0);
	for (d = 0; d < 2; d++)
		spec_add_dir(s, "strataFingerprints", d, FB_IE_VARLEN);
	spec_add(s, "sourceIPv6Address", 16, IN_V6);
	spec_add(s, "destinationIPv6Address", 16, IN_V6);
	spec_add(s, "sourceIPv4Address", 4, IN_V4);
	spec_add(s, "destinationIPv4Address", 4, IN_V4);
	spec_add(s, "strataMicroflows", 4, 0);
	for (d = 0; d < 2; d++)
		for (i = 0; i < D32; i++)
			spec_add_dir(s, dir_u32[i], d, 4);
	for (i = 0; i < T32; i++)
		spec_add(s, txn_u32[i], 4, 0);
	spec_add(s, "sourceTransportPort", 2, 0);
	spec_add(s, "destinationTransportPort", 2, 0);
	spec_add(s, "protocolIdentifier", 1, 0);
	spec_add(s, "strataInitiatorKnown", 1, 0);
	for (d = 0; d < 2; d++) {
		spec_add_dir(s, "minimumTTL", d, 1);
		spec_add_dir(s, "maximumTTL", d, 1);
	}
	spec_add(s, "strataClockSync", 1, 0);
	spec_add(s, "strataTxnApplication", 1, 0);
	spec_add(s, "paddingOctets", 4, IN_MEM);
}

static fbInfoElementSpec_t spec_hello[] = {
	{ "strataCapabilities", 8, 0 },
	{ "strataFlowWindowNs", 8, 0 },
	{ "strataClockErrorNs", 8, 0 },
	{ "strataSensorId", FB_IE_VARLEN, 0 },
	{ "strataSoftwareVersion", FB_IE_VARLEN, 0 },
	{ "strataApiUrl", FB_IE_VARLEN, 0 },
	{ "strataToken", FB_IE_VARLEN, 0 },
	{ "strataProtocolVersion", 2, 0 },
	{ "strataClockSync", 1, 0 },
	{ "paddingOctets", 5, IN_MEM },
	FB_IESPEC_NULL
};

static fbInfoElementSpec_t spec_window[] = {
	{ "strataWindowFrom", 8, 0 },
	{ "strataWindowTo", 8, 0 },
	{ "strataFlowCount", 8, 0 },
	FB_IESPEC_NULL
};

static fbInfoElementSpec_t spec_ack[] = {
	{ "strataWindowTo", 8, 0 },
	{ "strataAckMessage", FB_IE_VARLEN, 0 },
	{ "strataAckStatus", 1, 0 },
	{ "paddingOctets", 7, IN_MEM },
	FB_IESPEC_NULL
};

/* One element that tells a template's kind, on the decoding side. */
static fbInfoElementSpec_t is_hello[] = { { "strataSensorId", 0, 0 }, FB_IESPEC_NULL };
static fbInfoElementSpec_t is_window[] = { { "strataFlowCount", 0, 0 }, FB_IESPEC_NULL };
static fbInfoElementSpec_t is_ack[] = { { "strataAckStatus", 0, 0 }, FB_IESPEC_NULL };
static fbInfoElementSpec_t is_lflow[] = { { "strataFlowWindowStart", 0, 0 }, FB_IESPEC_NULL };
static fbInfoElementSpec_t is_v4[] = { { "sourceIPv4Address", 0, 0 }, FB_IESPEC_NULL };

/* ---- the codec ---- */

struct strata_ipfix {
	fbInfoModel_t *model;
	fbSession_t *session;
	fbExporter_t *exporter;
	fBuf_t *fbuf;
	strata_ipfix_out_fn out;
	void *arg;
	bool pending;		/* records appended since the last message */
	__u8 *tmsg;		/* decoding: a template set for libfixbuf, as a message */
	__u8 msg[STRATA_IPFIX_MSG_MAX];
};

static int gerr(char *err, size_t errlen, int e, GError *g, const char *what)
{
	int rc = strata_seterr(err, errlen, e, "ipfix: %s: %s", what,
			       g ? g->message : "failed");

	g_clear_error(&g);
	return rc;
}

static fbTemplate_t *tmpl_new(fbInfoModel_t *m, fbInfoElementSpec_t *spec, __u32 flags,
			      unsigned int scope, GError **g)
{
	fbTemplate_t *t = fbTemplateAlloc(m);

	if (!fbTemplateAppendSpecArray(t, spec, flags, g)) {
		fbTemplateFreeUnused(t);
		return NULL;
	}
	if (scope)
		fbTemplateSetOptionsScope(t, scope);
	return t;
}

/* Adds the template of @spec under @tid, internal and, to export, external. */
static int tmpl_add(struct strata_ipfix *x, fbInfoElementSpec_t *spec, __u16 tid,
		    __u32 ext_flags, unsigned int scope, bool internal, char *err, size_t errlen)
{
	GError *g = NULL;
	fbTemplate_t *t;

	if (internal) {
		t = tmpl_new(x->model, spec, IN_ALL, 0, &g);
		if (!t || !fbSessionAddTemplate(x->session, TRUE, tid, t, &g))
			return gerr(err, errlen, EIO, g, "internal template");
	}
	if (x->out && ext_flags) {
		t = tmpl_new(x->model, spec, ext_flags, scope, &g);
		if (!t || !fbSessionAddTemplate(x->session, FALSE, tid, t, &g))
			return gerr(err, errlen, EIO, g, "template");
	}
	return 0;
}

static void on_template(fbSession_t *session, uint16_t tid, fbTemplate_t *tmpl,
			void *app_ctx, void **tmpl_ctx, fbTemplateCtxFree_fn *ctx_free);

struct strata_ipfix *strata_ipfix_new(__u32 pen, strata_ipfix_out_fn out, void *arg,
				      char *err, size_t errlen)
{
	return strata_ipfix_new_mtu(pen, STRATA_IPFIX_MSG_MAX, out, arg, err, errlen);
}

struct strata_ipfix *strata_ipfix_new_mtu(__u32 pen, size_t msg_max, strata_ipfix_out_fn out,
					  void *arg, char *err, size_t errlen)
{
	fbInfoElement_t ies[sizeof(strata_ies) / sizeof(strata_ies[0])];
	struct strata_ipfix *x = calloc(1, sizeof(*x));
	struct spec *s = calloc(1, sizeof(*s));
	GError *g = NULL;
	unsigned int i;
	int rc;

	if (!x || !s) {
		free(x);
		free(s);
		strata_seterr(err, errlen, ENOMEM, "ipfix: out of memory");
		return NULL;
	}
	if (msg_max < 1024 || msg_max > STRATA_IPFIX_MSG_MAX) {
		free(x);
		free(s);
		strata_seterr(err, errlen, EINVAL, "ipfix: a message of %zu bytes: want 1024 to %u",
			      msg_max, STRATA_IPFIX_MSG_MAX);
		return NULL;
	}
	x->out = out;
	x->arg = arg;
	memcpy(ies, strata_ies, sizeof(ies));
	for (i = 0; ies[i].num; i++)
		ies[i].ent = pen;
	x->model = fbInfoModelAlloc();
	fbInfoModelAddElementArray(x->model, ies);
	x->session = fbSessionAlloc(x->model);
	spec_lflow(s);
	rc = tmpl_add(x, spec_hello, T_HELLO, IN_V4 | IN_V6, 1, true, err, errlen);
	if (!rc)
		rc = tmpl_add(x, s->e, T_LFLOW_MEM, 0, 0, true, err, errlen);
	if (!rc)
		rc = tmpl_add(x, s->e, T_LFLOW4, IN_V4, 0, false, err, errlen);
	if (!rc)
		rc = tmpl_add(x, s->e, T_LFLOW6, IN_V6, 0, false, err, errlen);
	if (!rc)
		rc = tmpl_add(x, spec_window, T_WINDOW, IN_V4 | IN_V6, 0, true, err, errlen);
	if (!rc)
		rc = tmpl_add(x, spec_ack, T_ACK, IN_V4 | IN_V6, 0, true, err, errlen);
	free(s);
	if (rc)
		goto fail;
	if (out) {
		x->exporter = fbExporterAllocBuffer(x->msg, (uint16_t)msg_max);
		x->fbuf = fBufAllocForExport(x->session, x->exporter);
		if (!fbSessionExportTemplates(x->session, &g)) {
			gerr(err, errlen, EIO, g, "templates");
			goto fail;
		}
		/* From here on a full message comes back to put() (emit()). */
		fBufSetAutomaticMode(x->fbuf, FALSE);
		x->pending = true;
	} else {
		x->tmsg = malloc(STRATA_IPFIX_MSG_MAX);
		if (!x->tmsg) {
			strata_seterr(err, errlen, ENOMEM, "ipfix: out of memory");
			goto fail;
		}
		fbSessionAddNewTemplateCallback(x->session, on_template, x);
		x->fbuf = fBufAllocForCollection(x->session, NULL);
		fBufSetAutomaticMode(x->fbuf, FALSE);
	}
	return x;
fail:
	strata_ipfix_free(x);
	return NULL;
}

void strata_ipfix_free(struct strata_ipfix *x)
{
	if (!x)
		return;
	/* The buffer owns the session and the exporter. */
	if (x->fbuf)
		fBufFree(x->fbuf);
	else if (x->session)
		fbSessionFree(x->session);
	if (x->model)
		fbInfoModelFree(x->model);
	free(x->tmsg);
	free(x);
}

/* ---- encoding ---- */

static int emit(struct strata_ipfix *x, char *err, size_t errlen)
{
	GError *g = NULL;
	size_t len;

	if (!fBufEmit(x->fbuf, &g))
		return gerr(err, errlen, EIO, g, "emit");
	x->pending = false;
	len = fbExporterGetMsgLen(x->exporter);
	return len ? x->out(x->msg, len, x->arg) : 0;
}

static int put(struct strata_ipfix *x, __u16 tid, void *rec, size_t len, char *err,
	       size_t errlen)
{
	GError *g = NULL;
	int tries, rc;

	if (!fBufSetInternalTemplate(x->fbuf, tid == T_LFLOW4 || tid == T_LFLOW6 ?
				     T_LFLOW_MEM : tid, &g) ||
	    !fBufSetExportTemplate(x->fbuf, tid, &g))
		return gerr(err, errlen, EIO, g, "template");
	/* A full message is handed over, and the record goes into the next. */
	for (tries = 0; tries < 2; tries++) {
		if (fBufAppend(x->fbuf, rec, len, &g)) {
			x->pending = true;
			return 0;
		}
		if (!g_error_matches(g, FB_ERROR_DOMAIN, FB_ERROR_EOM))
			return gerr(err, errlen, EIO, g, "append");
		g_clear_error(&g);
		rc = emit(x, err, errlen);
		if (rc)
			return rc;
	}
	return strata_seterr(err, errlen, EINVAL, "ipfix: a record larger than a message");
}

int strata_ipfix_flush(struct strata_ipfix *x, char *err, size_t errlen)
{
	return x->pending ? emit(x, err, errlen) : 0;
}

static int varstr(fbVarfield_t *v, const char *s, size_t max, const char *what, char *err,
		  size_t errlen)
{
	size_t n = strnlen(s, max);

	if (n == max)
		return strata_seterr(err, errlen, EINVAL, "ipfix: %s too long", what);
	v->buf = (uint8_t *)s;
	v->len = n;
	return 0;
}

int strata_ipfix_put_hello(struct strata_ipfix *x, const struct strata_hello *h,
			   char *err, size_t errlen)
{
	struct rec_hello r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.caps = h->capabilities;
	r.window_ns = h->flow_window_ns;
	r.clock_err = h->clock_error_ns;
	r.proto_version = h->proto_version;
	r.clock_sync = h->clock_sync;
	rc = varstr(&r.id, h->sensor_id, sizeof(h->sensor_id), "sensor id", err, errlen);
	if (!rc)
		rc = varstr(&r.version, h->version, sizeof(h->version), "version", err, errlen);
	if (!rc)
		rc = varstr(&r.url, h->api_url, sizeof(h->api_url), "api url", err, errlen);
	if (!rc)
		rc = varstr(&r.token, h->token, sizeof(h->token), "token", err, errlen);
	return rc ? rc : put(x, T_HELLO, &r, sizeof(r), err, errlen);
}

int strata_ipfix_put_window(struct strata_ipfix *x, const struct strata_window_mark *w,
			    char *err, size_t errlen)
{
	struct rec_window r = { .from = w->from, .to = w->to, .flows = w->flows };

	return put(x, T_WINDOW, &r, sizeof(r), err, errlen);
}

int strata_ipfix_put_ack(struct strata_ipfix *x, const struct strata_ack *a,
			 char *err, size_t errlen)
{
	struct rec_ack r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.through = a->through;
	r.status = a->status;
	rc = varstr(&r.message, a->message, sizeof(a->message), "message", err, errlen);
	return rc ? rc : put(x, T_ACK, &r, sizeof(r), err, errlen);
}

static void stat_out(__u64 *v, const struct strata_stat *s)
{
	v[0] = s->n;
	v[1] = s->sum;
	v[2] = s->sumsq_lo;
	v[3] = s->sumsq_hi;
	v[4] = s->min;
	v[5] = s->max;
}

static void stat_in(struct strata_stat *s, const __u64 *v)
{
	s->n = v[0];
	s->sum = v[1];
	s->sumsq_lo = v[2];
	s->sumsq_hi = v[3];
	s->min = v[4];
	s->max = v[5];
}

static void dir_out(struct rec_lflow *r, unsigned int d, const struct strata_dir_stats *s)
{
	__u64 *v = r->d64[d];
	__u32 *w = r->d32[d];
	unsigned int i;

	v[0] = s->packets;
	v[1] = s->bytes;
	v[2] = s->payload_bytes;
	v[3] = s->first_ns;
	v[4] = s->last_ns;
	stat_out(v + 5, &s->size);
	stat_out(v + 11, &s->iat);
	stat_out(v + 17, &s->rtt_hs);
	stat_out(v + 23, &s->rtt_data);
	for (i = 0; i < STRATA_TCP_NFLAGS; i++)
		w[i] = s->tcp_flags[i];
	w[8] = s->retrans;
	w[9] = s->out_of_order;
	w[10] = s->zero_window;
	w[11] = s->fragments;
	w[12] = s->fp_segmented;
	r->ttl[d][0] = s->ttl_min;
	r->ttl[d][1] = s->ttl_max;
}

static void dir_in(struct strata_dir_stats *s, const struct rec_lflow *r, unsigned int d)
{
	const __u64 *v = r->d64[d];
	const __u32 *w = r->d32[d];
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->packets = v[0];
	s->bytes = v[1];
	s->payload_bytes = v[2];
	s->first_ns = v[3];
	s->last_ns = v[4];
	stat_in(&s->size, v + 5);
	stat_in(&s->iat, v + 11);
	stat_in(&s->rtt_hs, v + 17);
	stat_in(&s->rtt_data, v + 23);
	for (i = 0; i < STRATA_TCP_NFLAGS; i++)
		s->tcp_flags[i] = w[i];
	s->retrans = w[8];
	s->out_of_order = w[9];
	s->zero_window = w[10];
	s->fragments = w[11];
	s->fp_segmented = w[12];
	s->ttl_min = r->ttl[d][0];
	s->ttl_max = r->ttl[d][1];
}

static void txn_out(struct rec_lflow *r, const struct strata_txn_stats *t)
{
	stat_out(r->t64, &t->ttfb);
	stat_out(r->t64 + 6, &t->resp);
	stat_out(r->t64 + 12, &t->first);
	stat_out(r->t64 + 18, &t->dns);
	r->t64[24] = t->requests;
	r->t64[25] = t->dns_queries;
	r->t32[0] = t->dns_unanswered;
	r->t32[1] = t->dns_overflow;
	r->t32[2] = t->dns_repeats;
	r->app = t->app;
}

/* From a sensor before 0.3 (no such elements: zero), zeros. */
static void txn_in(struct strata_txn_stats *t, const struct rec_lflow *r)
{
	memset(t, 0, sizeof(*t));
	stat_in(&t->ttfb, r->t64);
	stat_in(&t->resp, r->t64 + 6);
	stat_in(&t->first, r->t64 + 12);
	stat_in(&t->dns, r->t64 + 18);
	t->requests = r->t64[24];
	t->dns_queries = r->t64[25];
	t->dns_unanswered = r->t32[0];
	t->dns_overflow = r->t32[1];
	t->dns_repeats = r->t32[2];
	t->app = r->app;
}

static __u32 v4_of(const __u8 *a)
{
	return (__u32)a[12] << 24 | (__u32)a[13] << 16 | (__u32)a[14] << 8 | a[15];
}

static void v4_to(__u8 *a, __u32 v)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	a[12] = (__u8)(v >> 24);
	a[13] = (__u8)(v >> 16);
	a[14] = (__u8)(v >> 8);
	a[15] = (__u8)v;
}

int strata_ipfix_put_lflow(struct strata_ipfix *x, const struct strata_lflow *lf,
			   char *err, size_t errlen)
{
	__u8 fp[2][STRATA_FP_SAMPLE * 16];
	const struct strata_store_flow *f = &lf->f;
	unsigned int src = f->has_initiator ? f->initiator & 1 : 0, d, i;
	struct rec_lflow r;
	__u64 first = 0, last = 0;

	if (f->key.family != 4 && f->key.family != 6)
		return strata_seterr(err, errlen, EINVAL, "ipfix: address family %u",
				     f->key.family);
	memset(&r, 0, sizeof(r));
	r.win_start = f->window_start;
	r.win_ns = f->window_ns;
	r.first_mf = f->first_mf;
	r.last_mf = f->last_mf;
	r.microflows = f->microflows;
	r.initiator_known = f->has_initiator;
	r.clock_sync = f->clock_sync;
	r.proto = f->key.proto;
	r.sport = f->key.port[src];
	r.dport = f->key.port[!src];
	if (f->key.family == 4) {
		r.saddr4 = v4_of(f->key.addr[src]);
		r.daddr4 = v4_of(f->key.addr[!src]);
	} else {
		memcpy(r.saddr6, f->key.addr[src], 16);
		memcpy(r.daddr6, f->key.addr[!src], 16);
	}
	for (d = 0; d < 2; d++) {
		const struct strata_dir_stats *s = &f->dir[src ^ d];
		unsigned int n = lf->nfp[src ^ d];

		dir_out(&r, d, s);
		if (s->first_ns && (!first || s->first_ns < first))
			first = s->first_ns;
		if (s->last_ns > last)
			last = s->last_ns;
		if (n > STRATA_FP_SAMPLE)
			n = STRATA_FP_SAMPLE;
		for (i = 0; i < n; i++) {
			strata_be64_put(fp[d] + 16 * i, lf->fp[src ^ d][i].hash);
			strata_be64_put(fp[d] + 16 * i + 8, lf->fp[src ^ d][i].ts_ns);
		}
		r.fp[d].buf = fp[d];
		r.fp[d].len = 16 * n;
	}
	txn_out(&r, &f->txn);
	r.start_ms = first / 1000000;
	r.end_ms = last / 1000000;
	return put(x, f->key.family == 4 ? T_LFLOW4 : T_LFLOW6, &r, sizeof(r), err, errlen);
}

/* ---- decoding ---- */

int strata_ipfix_msg_len(const __u8 *hdr)
{
	int len = hdr[2] << 8 | hdr[3];

	if (hdr[0] != 0 || hdr[1] != 10 || len < STRATA_IPFIX_HDR)
		return -EBADMSG;
	return len;
}

static int varcopy(char *to, size_t size, const fbVarfield_t *v, const char *what,
		   char *err, size_t errlen)
{
	size_t i;

	if (v->len >= size)
		return strata_seterr(err, errlen, EBADMSG, "ipfix: %s of %zu bytes", what, v->len);
	for (i = 0; i < v->len; i++) {
		if (!v->buf[i])
			return strata_seterr(err, errlen, EBADMSG, "ipfix: %s holds a NUL", what);
		to[i] = (char)v->buf[i];
	}
	to[i] = '\0';
	return 0;
}

static int lflow_in(struct strata_lflow *lf, const struct rec_lflow *r, bool v4,
		    char *err, size_t errlen)
{
	struct strata_store_flow *f = &lf->f;
	struct strata_flow_key k;
	unsigned int d, i, swap;

	if (!r->win_ns)
		return strata_seterr(err, errlen, EBADMSG, "ipfix: a flow window of length 0");
	memset(lf, 0, sizeof(*lf));
	memset(&k, 0, sizeof(k));
	k.proto = r->proto;
	k.port[0] = r->sport;
	k.port[1] = r->dport;
	if (v4) {
		k.family = 4;
		v4_to(k.addr[0], r->saddr4);
		v4_to(k.addr[1], r->daddr4);
	} else {
		k.family = 6;
		memcpy(k.addr[0], r->saddr6, 16);
		memcpy(k.addr[1], r->daddr6, 16);
	}
	/* Back to the sensor's canonical key: the way down to its microflows. */
	strata_store_canon_key(&k, &f->key);
	swap = memcmp(&k, &f->key, sizeof(k)) != 0;
	f->window_start = r->win_start;
	f->window_ns = r->win_ns;
	f->first_mf = r->first_mf;
	f->last_mf = r->last_mf;
	f->microflows = r->microflows;
	f->has_initiator = !!r->initiator_known;
	f->initiator = f->has_initiator ? (__u8)swap : 0;
	/* Unknown from a sensor before 0.3 (the element is missing: zero). */
	f->clock_sync = r->clock_sync <= STRATA_CLOCK_SYNCED ? r->clock_sync : STRATA_CLOCK_UNKNOWN;
	txn_in(&f->txn, r);
	for (d = 0; d < 2; d++) {
		const fbVarfield_t *v = &r->fp[d];
		unsigned int to = d ^ swap, n;

		dir_in(&f->dir[to], r, d);
		if (v->len % 16 || v->len > 16 * STRATA_FP_SAMPLE)
			return strata_seterr(err, errlen, EBADMSG,
					     "ipfix: a fingerprint sample of %zu bytes", v->len);
		n = (unsigned int)(v->len / 16);
		for (i = 0; i < n; i++) {
			struct strata_fp_mark *m = &lf->fp[to][i];

			m->hash = strata_be64_get(v->buf + 16 * i);
			m->ts_ns = strata_be64_get(v->buf + 16 * i + 8);
			if (!m->hash || (i && m->hash <= lf->fp[to][i - 1].hash))
				return strata_seterr(err, errlen, EBADMSG,
						     "ipfix: a fingerprint sample out of order");
		}
		lf->nfp[to] = n;
	}
	return 0;
}

/*
 * Decoding a template's records. libfixbuf parses the templates (and its
 * new-template callback compiles each into a plan); the records of data
 * sets are read here, by the plan, straight from the message into the
 * layout libfixbuf would have transcoded them to (struct rec_*): its
 * generic per-element transcoding took about 1.8 us a location flow, over
 * half of what the central host spends on one.
 */

/* struct op.kind */
enum {
	OP_SKIP,	/* an element strata does not know (a newer sensor's) */
	OP_UINT,	/* big-endian unsigned, maybe in fewer bytes (RFC 7011, 6.2) */
	OP_BYTES,	/* as it is (an IPv6 address) */
	OP_VAR,		/* variable length, into an fbVarfield_t */
	OP_FIX2VAR,	/* fixed length on the wire, into an fbVarfield_t */
};

/* One element of a template, in its order on the wire. */
struct op {
	__u16 wlen;	/* on the wire: bytes, or FB_IE_VARLEN */
	__u16 mlen;	/* in the record: bytes */
	__u32 moff;	/* where in the record */
	__u8 kind;	/* OP_* */
};

/* A template's kind; K_BAD: its records cannot be read (struct plan.why says why). */
enum { K_SKIP, K_HELLO, K_LFLOW4, K_LFLOW6, K_WINDOW, K_ACK, K_BAD };

/* What on_template() made of a template, its libfixbuf context. */
struct plan {
	int kind;	/* K_* */
	size_t min;	/* the fewest bytes a record takes */
	unsigned int nops;
	char why[96];	/* K_BAD: why its records cannot be read */
	struct op ops[];
};

static int tmpl_kind(fbTemplate_t *t)
{
	if (fbTemplateContainsAllElementsByName(t, is_lflow))
		return fbTemplateContainsAllElementsByName(t, is_v4) ? K_LFLOW4 : K_LFLOW6;
	if (fbTemplateContainsAllElementsByName(t, is_hello))
		return K_HELLO;
	if (fbTemplateContainsAllElementsByName(t, is_window))
		return K_WINDOW;
	if (fbTemplateContainsAllElementsByName(t, is_ack))
		return K_ACK;
	return K_SKIP;
}

static const __u16 kind_tid[] = {
	[K_HELLO] = T_HELLO, [K_LFLOW4] = T_LFLOW_MEM, [K_LFLOW6] = T_LFLOW_MEM,
	[K_WINDOW] = T_WINDOW, [K_ACK] = T_ACK,
};

union rec_any {
	struct rec_lflow lflow;
	struct rec_hello hello;
	struct rec_window window;
	struct rec_ack ack;
};

static int ie_type(const fbInfoElement_t *ie)
{
	return ie->ref.canon ? ie->ref.canon->type : ie->type;
}

/* How external element @e reads into internal element @m: OP_*, 0 when it cannot. */
static int op_kind(const fbInfoElement_t *e, const fbInfoElement_t *m)
{
	int type = ie_type(m);

	if (m->len == FB_IE_VARLEN)
		return e->len == FB_IE_VARLEN ? OP_VAR : OP_FIX2VAR;
	if (e->len == FB_IE_VARLEN)
		return 0;
	if (type == FB_IP6_ADDR || type == FB_MAC_ADDR || type == FB_OCTET_ARRAY ||
	    type == FB_STRING)
		return e->len == m->len ? OP_BYTES : 0;
	if (type == FB_FLOAT_32 || type == FB_FLOAT_64 || type >= FB_BASIC_LIST)
		return 0;
	if (type >= FB_INT_8 && type <= FB_INT_64)	/* no sign to extend */
		return e->len == m->len ? OP_UINT : 0;
	/* Unsigned, addresses, times: in fewer bytes too, not in more. */
	return e->len && e->len <= m->len &&
	       (m->len == 1 || m->len == 2 || m->len == 4 || m->len == 8) ? OP_UINT : 0;
}

/*
 * The op of external element @e, against internal template @in (NULL for
 * a template strata skips). Return: 0, or -EPROTO with @why when the two
 * cannot be matched.
 */
static int op_of(const fbInfoElement_t *e, fbTemplate_t *in, struct op *op, char *why,
		 size_t whylen)
{
	uint32_t i, n = in ? fbTemplateCountElements(in) : 0;
	const fbInfoElement_t *m = NULL;
	size_t off = 0, mlen = 0;

	memset(op, 0, sizeof(*op));
	op->wlen = e->len;
	op->kind = OP_SKIP;
	for (i = 0; i < n; i++, off += mlen) {
		m = fbTemplateGetIndexedIE(in, i);
		mlen = m->len == FB_IE_VARLEN ? sizeof(fbVarfield_t) : m->len;
		if (m->ent == e->ent && m->num == e->num && m->midx == e->midx)
			break;
	}
	if (i == n)
		return 0;	/* not strata's: skipped */
	op->moff = (__u32)off;
	op->mlen = (__u16)mlen;
	op->kind = off + mlen <= sizeof(union rec_any) ? op_kind(e, m) : 0;
	if (op->kind)
		return 0;
	if (e->len == FB_IE_VARLEN)
		snprintf(why, whylen, "element %u/%u of variable length, where strata takes %u bytes",
			 (unsigned int)e->ent, (unsigned int)e->num, (unsigned int)m->len);
	else
		snprintf(why, whylen, "element %u/%u of %u bytes, where strata takes %u",
			 (unsigned int)e->ent, (unsigned int)e->num, (unsigned int)e->len,
			 (unsigned int)m->len);
	return -EPROTO;
}

static struct plan *plan_new(struct strata_ipfix *x, fbTemplate_t *t)
{
	uint32_t i, n = fbTemplateCountElements(t);
	struct plan *p = calloc(1, sizeof(*p) + n * sizeof(p->ops[0]));
	fbTemplate_t *in = NULL;

	if (!p)
		return NULL;
	p->kind = tmpl_kind(t);
	p->nops = n;
	if (p->kind != K_SKIP)
		in = fbSessionGetTemplate(x->session, TRUE, kind_tid[p->kind], NULL);
	for (i = 0; i < n; i++) {
		if (op_of(fbTemplateGetIndexedIE(t, i), in, &p->ops[i], p->why,
			  sizeof(p->why))) {
			p->kind = K_BAD;
			return p;
		}
		p->min += p->ops[i].wlen == FB_IE_VARLEN ? 1 : p->ops[i].wlen;
	}
	if (!p->min) {
		/*
		 * RFC 7011's withdrawal (no elements, which libfixbuf 2.4 keeps as
		 * a template) or elements of length 0: records of no bytes, as
		 * many as one likes.
		 */
		snprintf(p->why, sizeof(p->why), "records of no bytes");
		p->kind = K_BAD;
	}
	return p;
}

static void plan_free(void *tmpl_ctx, void *app_ctx)
{
	(void)app_ctx;
	free(tmpl_ctx);
}

/*
 * libfixbuf calls this as each template arrives (a redefinition too): the
 * template's plan is made once, not for every record of it. Without one
 * (out of memory) the template's records are refused.
 */
static void on_template(fbSession_t *session, uint16_t tid, fbTemplate_t *tmpl,
			void *app_ctx, void **tmpl_ctx, fbTemplateCtxFree_fn *ctx_free)
{
	(void)session;
	(void)tid;
	*tmpl_ctx = plan_new(app_ctx, tmpl);
	*ctx_free = plan_free;
}

/* Big-endian unsigned of @n (1 to 8) bytes. */
static __u64 be_uint(const __u8 *p, unsigned int n)
{
	__u64 v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/*
 * One record of plan @pl at *@pp (before @end) into @r, *@pp moved past it.
 * Return: 0, or -EBADMSG when it runs past the end.
 */
static int rec_read(const struct plan *pl, const __u8 **pp, const __u8 *end,
		    union rec_any *r)
{
	const __u8 *p = *pp;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < pl->nops; i++) {
		const struct op *op = &pl->ops[i];
		__u8 *m = (__u8 *)r + op->moff;
		size_t len = op->wlen;

		if (op->wlen == FB_IE_VARLEN) {
			if (end - p < 1)
				return -EBADMSG;
			len = *p++;
			if (len == 255) {
				if (end - p < 2)
					return -EBADMSG;
				len = (size_t)p[0] << 8 | p[1];
				p += 2;
			}
		}
		if ((size_t)(end - p) < len)
			return -EBADMSG;
		switch (op->kind) {
		case OP_UINT: {
			__u64 v = be_uint(p, (unsigned int)len);

			if (op->mlen == 8) {
				memcpy(m, &v, 8);
			} else if (op->mlen == 4) {
				__u32 w = (__u32)v;

				memcpy(m, &w, 4);
			} else if (op->mlen == 2) {
				__u16 w = (__u16)v;

				memcpy(m, &w, 2);
			} else {
				*m = (__u8)v;
			}
			break;
		}
		case OP_BYTES:
			memcpy(m, p, len);
			break;
		case OP_VAR:
		case OP_FIX2VAR: {
			fbVarfield_t v = { .len = len, .buf = (uint8_t *)p };

			memcpy(m, &v, sizeof(v));
			break;
		}
		}
		p += len;
	}
	*pp = p;
	return 0;
}

/* A sink function's 0 is a record handed over; anything else stops. */
static int ok(int rc)
{
	return rc ? (rc < 0 ? rc : -ECANCELED) : 1;
}

/* Hands one decoded record of @kind to @sink. Return: 0, 1 (handed), or <0. */
static int deliver(int kind, const union rec_any *r, const struct strata_ipfix_sink *sink,
		   void *arg, char *err, size_t errlen)
{
	int rc;

	switch (kind) {
	case K_HELLO: {
		struct strata_hello h;

		if (!sink->hello)
			return 0;
		memset(&h, 0, sizeof(h));
		h.capabilities = r->hello.caps;
		h.flow_window_ns = r->hello.window_ns;
		h.clock_error_ns = r->hello.clock_err;
		h.clock_sync = r->hello.clock_sync;
		h.proto_version = r->hello.proto_version;
		rc = varcopy(h.sensor_id, sizeof(h.sensor_id), &r->hello.id, "sensor id",
			     err, errlen);
		if (!rc)
			rc = varcopy(h.version, sizeof(h.version), &r->hello.version, "version",
				     err, errlen);
		if (!rc)
			rc = varcopy(h.api_url, sizeof(h.api_url), &r->hello.url, "api url",
				     err, errlen);
		if (!rc)
			rc = varcopy(h.token, sizeof(h.token), &r->hello.token, "token",
				     err, errlen);
		return rc ? rc : ok(sink->hello(&h, arg));
	}
	case K_LFLOW4:
	case K_LFLOW6: {
		struct strata_lflow lf;

		if (!sink->lflow)
			return 0;
		rc = lflow_in(&lf, &r->lflow, kind == K_LFLOW4, err, errlen);
		return rc ? rc : ok(sink->lflow(&lf, arg));
	}
	case K_WINDOW: {
		struct strata_window_mark w = {
			.from = r->window.from, .to = r->window.to, .flows = r->window.flows,
		};

		if (!sink->window)
			return 0;
		if (w.to < w.from)
			return strata_seterr(err, errlen, EBADMSG, "ipfix: a window mark ending before it starts");
		return ok(sink->window(&w, arg));
	}
	case K_ACK: {
		struct strata_ack a;

		if (!sink->ack)
			return 0;
		memset(&a, 0, sizeof(a));
		a.status = r->ack.status;
		a.through = r->ack.through;
		rc = varcopy(a.message, sizeof(a.message), &r->ack.message, "message",
			     err, errlen);
		return rc ? rc : ok(sink->ack(&a, arg));
	}
	}
	return 0;
}

/*
 * A template set or an options template set (at @set, @len bytes) to
 * libfixbuf, as a message of its own with @hdr's header: its templates are
 * learnt (on_template()). The sequence number is kept at 0: libfixbuf
 * reads no data records, so it expects no other and never warns.
 */
static int templates(struct strata_ipfix *x, const __u8 *hdr, const __u8 *set, size_t len,
		     char *err, size_t errlen)
{
	GError *g = NULL;
	uint16_t tid;

	memcpy(x->tmsg, hdr, STRATA_IPFIX_HDR);
	strata_be32_put(x->tmsg + 8, 0);
	x->tmsg[2] = (__u8)((STRATA_IPFIX_HDR + len) >> 8);
	x->tmsg[3] = (__u8)(STRATA_IPFIX_HDR + len);
	memcpy(x->tmsg + STRATA_IPFIX_HDR, set, len);
	fBufSetBuffer(x->fbuf, x->tmsg, STRATA_IPFIX_HDR + len);
	if (!fBufNextCollectionTemplate(x->fbuf, &tid, &g) &&
	    (g_error_matches(g, FB_ERROR_DOMAIN, FB_ERROR_EOM) ||
	     g_error_matches(g, FB_ERROR_DOMAIN, FB_ERROR_BUFSZ))) {
		g_clear_error(&g);
		return 0;
	}
	if (!g)
		return strata_seterr(err, errlen, EBADMSG, "ipfix: a template set with records");
	return gerr(err, errlen, EBADMSG, g, "template set");
}

/*
 * The records of a data set of template @tid (@p to @end) to @sink.
 * Return: the records handed over, or < 0.
 */
static int data_set(struct strata_ipfix *x, __u16 tid, const __u8 *p, const __u8 *end,
		    const struct strata_ipfix_sink *sink, void *arg, char *err, size_t errlen)
{
	fbTemplate_t *t = fbSessionGetTemplate(x->session, FALSE, tid, NULL);
	const struct plan *pl = t ? fbTemplateGetContext(t) : NULL;
	union rec_any r;
	int n = 0, rc;

	/* RFC 7011, 8: a set whose template is not known (yet) is skipped. */
	if (!t)
		return 0;
	if (!pl)
		return strata_seterr(err, errlen, ENOMEM, "ipfix: template %u: out of memory", tid);
	if (pl->kind == K_BAD)
		return strata_seterr(err, errlen, EBADMSG, "ipfix: template %u: %s", tid, pl->why);
	if (pl->kind == K_SKIP)
		return 0;
	/* What is left after the last record that fits is padding. */
	while ((size_t)(end - p) >= pl->min) {
		if (rec_read(pl, &p, end, &r))
			return strata_seterr(err, errlen, EBADMSG,
					     "ipfix: a record of template %u cut short", tid);
		rc = deliver(pl->kind, &r, sink, arg, err, errlen);
		if (rc < 0)
			return rc;
		n += rc;
	}
	return n;
}

int strata_ipfix_decode(struct strata_ipfix *x, const __u8 *msg, size_t len,
			const struct strata_ipfix_sink *sink, void *arg,
			char *err, size_t errlen)
{
	const __u8 *p, *end;
	int n = 0, rc;

	if (len < STRATA_IPFIX_HDR || len > sizeof(x->msg) ||
	    strata_ipfix_msg_len(msg) != (int)len)
		return strata_seterr(err, errlen, EBADMSG, "ipfix: not a message of %zu bytes", len);
	/* Records point into it (variable-length fields) while they are handed over. */
	memcpy(x->msg, msg, len);
	/* The message's observation domain: the templates its sets use. */
	fbSessionSetDomain(x->session, strata_be32_get(x->msg + 12));
	for (p = x->msg + STRATA_IPFIX_HDR, end = x->msg + len; p < end; ) {
		__u16 sid, slen;

		if (end - p < 4)
			return strata_seterr(err, errlen, EBADMSG, "ipfix: a set header cut short");
		sid = (__u16)(p[0] << 8 | p[1]);
		slen = (__u16)(p[2] << 8 | p[3]);
		if (slen < 4 || slen > end - p)
			return strata_seterr(err, errlen, EBADMSG,
					     "ipfix: a set of %u bytes in %zu", slen,
					     (size_t)(end - p));
		if (sid == 2 || sid == 3)
			rc = templates(x, x->msg, p, slen, err, errlen);
		else if (sid >= 256)
			rc = data_set(x, sid, p + 4, p + slen, sink, arg, err, errlen);
		else
			rc = strata_seterr(err, errlen, EBADMSG, "ipfix: a set of id %u", sid);
		if (rc < 0)
			return rc;
		n += rc;
		p += slen;
	}
	return n;
}
