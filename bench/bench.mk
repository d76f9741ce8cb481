# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# `make bench`: the shared core and strata's offline reader side by side with
# softflowd and nfpcapd on one generated capture, the packet store against
# nfpcapd, tcpdump and tshark, the central host against nfcapd and tshark,
# then strata.ko in a VM against no monitor and tcpdump (see bench/README.md).

BENCH_BIN := $(B)/bench/gen-pcap $(B)/bench/pcap-head $(B)/bench/core-bench \
	$(B)/bench/ring-drain $(B)/bench/store-query $(B)/bench/central-gen

$(B)/bench/gen-pcap: $(B)/bench/gen-pcap.o
	$(CC) $(CFLAGS) -o $@ $^ -lm

$(B)/bench/pcap-head: $(B)/bench/pcap-head.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

$(B)/bench/core-bench: $(B)/bench/core-bench.o $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

# A conversation's packets out of a store, in one process (bench/store-run.sh).
$(B)/bench/store-query: $(B)/bench/store-query.o $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

# Generated sensors feeding a central stratad, the same flows to nfcapd, and
# the drill-down API's timings (bench/central-run.sh).
$(B)/bench/central-gen: $(B)/bench/central-gen.o $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

# Runs in the VM: records on/off and the ring reader of bench/vm-bench.sh.
$(B)/bench/ring-drain: $(B)/bench/ring-drain.o $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

.PHONY: bench-bin
bench-bin: $(BENCH_BIN)

# The sub-makes run after deps.sh, so pkg-config sees what it installed.
# KVER goes to the VM so that it boots the kernel the module was built for.
# tools: bench/store-run.sh runs build/strata; daemon: bench/central-run.sh
# runs build/stratad.
bench:
	@bash scripts/deps.sh bench
	$(MAKE) lib
	$(MAKE) tools daemon bench-bin
	$(MAKE) module
	B=$(B) KVER=$(KVER) bash bench/run.sh

# The kernel datapath part alone (bench/vm-run.sh), its figures only.
.PHONY: bench-vm
bench-vm:
	@bash scripts/deps.sh bench
	$(MAKE) lib
	$(MAKE) $(B)/bench/ring-drain
	$(MAKE) module
	B=$(B) KVER=$(KVER) bash bench/vm-run.sh

# The packet-store part alone (bench/store-run.sh), its figures only.
.PHONY: bench-store
bench-store:
	@bash scripts/deps.sh bench
	$(MAKE) lib
	$(MAKE) tools bench-bin
	B=$(B) bash bench/store-run.sh

# The central-host part alone (bench/central-run.sh), its figures only.
.PHONY: bench-central
bench-central:
	@bash scripts/deps.sh bench
	$(MAKE) lib
	$(MAKE) tools daemon bench-bin
	B=$(B) bash bench/central-run.sh
