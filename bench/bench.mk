# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# `make bench`: the shared core and strata's offline reader side by side with
# softflowd and nfpcapd on one generated capture (see bench/README.md).

BENCH_BIN := $(B)/bench/gen-pcap $(B)/bench/pcap-head $(B)/bench/core-bench

$(B)/bench/gen-pcap: $(B)/bench/gen-pcap.o
	$(CC) $(CFLAGS) -o $@ $^ -lm

$(B)/bench/pcap-head: $(B)/bench/pcap-head.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

$(B)/bench/core-bench: $(B)/bench/core-bench.o $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

.PHONY: bench-bin
bench-bin: $(BENCH_BIN)

# The sub-makes run after deps.sh, so pkg-config sees what it installed.
bench:
	@bash scripts/deps.sh bench
	$(MAKE) lib
	$(MAKE) bench-bin
	B=$(B) bash bench/run.sh
