# SPDX-License-Identifier: GPL-2.0
# check-fuzz: each libFuzzer target (clang) for FUZZ_SECONDS from its seeds;
# any crash or sanitizer report fails. Every target runs even after one
# failed, so that one run shows all that fail.
#   core   the shared core, seeded with the packets of a few real captures
#   ipfix  the central host's collector input (lib/ipfix.c, libfixbuf),
#          seeded with streams gen_ipfix_seeds.c encodes
#   capi   the central REST API's requests (lib/capi.c), seeds_capi/
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := core ipfix capi
FUZZ_SRC := tests/fuzz/fuzz_core.c $(CORE_SRC)

$(B)/fuzz/fuzz_core: $(FUZZ_SRC) $(wildcard lib/core/*.h)
	@mkdir -p $(dir $@)
	clang -g -O1 $(WFLAGS) -Iinclude -Ilib -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SRC) -lxxhash

# The central host's targets need most of libstrata, instrumented as well:
# all of its sources (so that a new one a target reaches links without
# a change here) as objects of their own under $(B)/fuzz/obj, linked with
# libFuzzer and the libraries libstrata needs.
FUZZ_LIB_SRC := $(LIB_SRC)
FUZZ_PKGS := $(PKGS)
FUZZ_CFLAGS := -g -O1 $(WFLAGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib \
	$(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LDLIBS := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null) -lm
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(B)/fuzz/obj/%.o)
.SECONDARY: $(FUZZ_LIB_OBJ) $(B)/fuzz/obj/tests/fuzz/fuzz_ipfix.o \
	$(B)/fuzz/obj/tests/fuzz/fuzz_capi.o

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/fuzz/fuzz_%: $(B)/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LDLIBS)

# The seed generator is no fuzz target: the same objects, without libFuzzer.
$(B)/fuzz/gen_ipfix_seeds: $(B)/fuzz/obj/tests/fuzz/gen_ipfix_seeds.o $(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LDLIBS)

$(B)/fuzz/seeds_ipfix/.done: $(B)/fuzz/gen_ipfix_seeds
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$< $(dir $@)
	@touch $@

# Per target: the largest input, and the seed folders.
FUZZ_MAXLEN_core := 2048
FUZZ_SEEDS_core := tests/fuzz/seeds
FUZZ_MAXLEN_ipfix := 16384
FUZZ_SEEDS_ipfix := $(B)/fuzz/seeds_ipfix tests/fuzz/regress_ipfix
FUZZ_MAXLEN_capi := 1024
FUZZ_SEEDS_capi := tests/fuzz/seeds_capi

# $(call fuzz_run,TARGET): runs it in a fresh corpus; its log in $(B)/fuzz/TARGET.log,
# a crash input as $(B)/fuzz/TARGET-crash-* (a unit over 10 s: -timeout-*).
define fuzz_run
rm -rf $(B)/fuzz/corpus_$(1) && mkdir -p $(B)/fuzz/corpus_$(1); \
echo "== fuzz_$(1): $(FUZZ_SECONDS) s"; \
if $(B)/fuzz/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAXLEN_$(1)) \
	-timeout=10 -print_final_stats=1 -artifact_prefix=$(B)/fuzz/$(1)- $(B)/fuzz/corpus_$(1) \
	$(FUZZ_SEEDS_$(1)) >$(B)/fuzz/$(1).log 2>&1; then \
	grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss)' $(B)/fuzz/$(1).log; \
else \
	tail -40 $(B)/fuzz/$(1).log; fail="$$fail $(1)"; \
fi;
endef

check-fuzz: $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%) $(B)/fuzz/seeds_ipfix/.done
	@fail=; \
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t))) \
	if [ -n "$$fail" ]; then \
		echo "check-fuzz: FAILED:$$fail (crash inputs in $(B)/fuzz/)" >&2; exit 1; \
	fi; \
	echo "check-fuzz: passed"
