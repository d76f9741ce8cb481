# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# stratad, the daemon: daemon/*.c over libstrata.

DAEMON_SRC := $(wildcard daemon/*.c)
# The drill-down API's HTTP server (daemon/http.c) and the live state under
# RCU (daemon/live.c); nothing else links them.
LDLIBS_DAEMON := $(shell pkg-config --libs libmicrohttpd liburcu-bp 2>/dev/null) -lpthread

$(B)/stratad: $(DAEMON_SRC:%.c=$(B)/%.o) $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA) $(LDLIBS_DAEMON)

.PHONY: daemon
daemon: $(B)/stratad
