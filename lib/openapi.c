// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The central API's OpenAPI 3.0 document, served at /api/openapi.json; a
 * unit test checks that it names every endpoint lib/capi.c serves.
 */

#define P(name, desc) "{\"name\":\"" name "\",\"in\":\"query\",\"description\":\"" desc \
	"\",\"schema\":{\"type\":\"string\"}}"
#define TIME P("from", "start: seconds since the epoch or RFC 3339") "," \
	P("to", "end, likewise")
#define FIELDS P("fields", "derived metrics to compute into each row, comma-separated " \
	"(Documentation/metrics.rst); a name that is not one of these rows' is a 400")
#define LIST TIME "," P("limit", "at most this many rows (1..100000, default 1000)") "," \
	P("format", "json (default) or csv") "," FIELDS
#define GROUP P("group", "service (default), client or application") "," \
	P("addr", "service or client address") "," P("port", "service port") "," \
	P("proto", "tcp, udp, ... or a number") "," P("app", "application name")
#define ID "{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"description\":" \
	"\"WINDOW-SEQ, a connected flow's id\",\"schema\":{\"type\":\"string\"}}"
#define ALARM "{\"name\":\"alarm\",\"in\":\"path\",\"required\":true,\"description\":" \
	"\"an alarm's id, from 1 up\",\"schema\":{\"type\":\"integer\"}}"
#define OK(desc) "\"responses\":{\"200\":{\"description\":\"" desc "\"}," \
	"\"400\":{\"description\":\"a bad parameter: {error}\"}," \
	"\"404\":{\"description\":\"no such thing: {error}\"}," \
	"\"503\":{\"description\":\"the central store failed: {error}\"}}"
#define GET(path, sum, params, desc) "\"" path "\":{\"get\":{\"summary\":\"" sum "\"," \
	"\"parameters\":[" params "]," OK(desc) "}}"
/* A POST takes the api-token as "Authorization: Bearer TOKEN". */
#define POST(path, sum, params, desc) "\"" path "\":{\"post\":{\"summary\":\"" sum "\"," \
	"\"security\":[{\"apiToken\":[]}],\"parameters\":[" params "]," OK(desc) "}}"

const char strata_capi_openapi[] =
	"{\"openapi\":\"3.0.3\","
	"\"info\":{\"title\":\"strata central API\",\"version\":\"1\","
	"\"description\":\"Sensors, 15-minute macroflows, connected flows and their "
	"locations (Documentation/central.rst). Every list is a container "
	"{\\\"schema\\\": ..., \\\"rows\\\": [...]}: the schema names each field's "
	"kind, type, unit, path and formula (Documentation/metrics.rst). Every error "
	"is {\\\"error\\\": MESSAGE}. The alarm endpoints are served where the central "
	"host evaluates alarms (Documentation/alarms.rst).\"},"
	"\"paths\":{"
	GET("/api/openapi.json", "this document", "", "the document") ","
	GET("/api/v1/info", "the central store at a glance", "", "counts and budget") ","
	GET("/api/v1/sensors", "every sensor that said hello",
	    P("format", "json (default) or csv") "," FIELDS, "{schema, rows}: one row per sensor") ","
	GET("/api/v1/macroflows", "macroflows of a time range, one grouping",
	    LIST "," GROUP "," P("sort", "bytes (default), packets, flows, lost or time"),
	    "{schema, rows}: one row per macroflow, with the query of its flows") ","
	GET("/api/v1/flows", "connected flows of a time range, of one group if given",
	    LIST "," GROUP, "{schema, rows}: one row per connected flow, with its path") ","
	GET("/api/v1/flows/{id}", "one connected flow", ID "," FIELDS,
	    "{schema, rows}: the flow, one row with its path") ","
	GET("/api/v1/flows/{id}/locations", "the location flows of a connected flow",
	    ID "," P("format", "json (default) or csv") "," FIELDS,
	    "{schema, rows}: one row per location") ","
	GET("/api/v1/flows/{id}/microflows", "the microflows of a connected flow, from "
	    "every sensor on its path, by time, each tagged with its location",
	    ID, "{schema, locations, rows}: one row per microflow; header Strata-Partial names sensors that did not answer") ","
	GET("/api/v1/flows/{id}/packets", "the packets of a connected flow, from every "
	    "sensor on its path, by time: JSON, or pcapng with one interface per location",
	    ID "," P("format", "json (default) or pcapng"),
	    "{schema, locations, rows}: one row per packet, or a pcapng file; header Strata-Partial names sensors that did not answer") ","
	GET("/api/v1/alarms", "the alarms active at some time in a time range, oldest first",
	    TIME "," P("state", "active (open now) or all (default)") ","
	    P("limit", "at most this many rows (1..100000, default 1000)"),
	    "{schema, rows}: one row per alarm; header Strata-Truncated past the limit") ","
	GET("/api/v1/alarms/stats", "alarm, baseline and notification counters", "",
	    "an object of counters") ","
	GET("/api/v1/alarms/{alarm}", "one alarm", ALARM, "{schema, rows}: the alarm, one row") ","
	POST("/api/v1/alarms/{alarm}/ack", "acknowledge an alarm",
	     ALARM "," P("by", "who acknowledges it (printable, under 64 bytes)"),
	     "{schema, rows}: the alarm, acknowledged; 401 without the api-token, 400 with "
	     "it in the URL, 403 with a wrong one or none configured, 409 acknowledged before")
	"},"
	"\"components\":{\"securitySchemes\":{\"apiToken\":{\"type\":\"http\","
	"\"scheme\":\"bearer\",\"description\":\"the central host's api-token\"}}}"
	"}";
