# SPDX-License-Identifier: GPL-2.0
# check-fuzz: the core under libFuzzer (clang) for a fixed time, seeded with
# the packets of a few real captures; any crash or sanitizer report fails.
FUZZ_SECONDS ?= 30
FUZZ_SRC := tests/fuzz/fuzz_core.c $(CORE_SRC)

$(B)/fuzz/fuzz_core: $(FUZZ_SRC) $(wildcard lib/core/*.h)
	@mkdir -p $(dir $@)
	clang -g -O1 $(WFLAGS) -Iinclude -Ilib -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SRC) -lxxhash

# Seeds: one IP packet of each (ethertype, protocol) pair from real
# captures, prefixed with the two caplen bytes the target reads first.
check-fuzz: $(B)/fuzz/fuzz_core
	@rm -rf $(B)/fuzz/corpus && mkdir -p $(B)/fuzz/corpus
	@if $(B)/fuzz/fuzz_core -max_total_time=$(FUZZ_SECONDS) -max_len=2048 \
		-print_final_stats=1 -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus \
		tests/fuzz/seeds >$(B)/fuzz/log 2>&1; then \
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss)' $(B)/fuzz/log; \
		echo "check-fuzz: passed"; \
	else tail -40 $(B)/fuzz/log; echo "check-fuzz: FAILED (crash input in $(B)/fuzz/)"; exit 1; fi
