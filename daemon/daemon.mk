# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# stratad, the daemon: daemon/*.c over libstrata.

DAEMON_SRC := $(wildcard daemon/*.c)
# The drill-down API's HTTP server (daemon/http.c), the live state under
# RCU (daemon/live.c) and TLS to the central host (daemon/tls.c, OpenSSL);
# nothing else links them.
LDLIBS_DAEMON := $(shell pkg-config --libs libmicrohttpd liburcu-bp libssl libcrypto \
	2>/dev/null) -lpthread
# Only daemon/tls.c includes OpenSSL's headers.
$(B)/daemon/tls.o: override CFLAGS += $(shell pkg-config --cflags libssl 2>/dev/null)

$(B)/stratad: $(DAEMON_SRC:%.c=$(B)/%.o) $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA) $(LDLIBS_DAEMON)

.PHONY: daemon
daemon: $(B)/stratad
