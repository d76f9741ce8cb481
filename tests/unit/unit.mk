# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# `make check-unit`: every cmocka suite tests/unit/test_*.c, built twice (-O2
# against libstrata.a, and with ASan+UBSan over the lib sources) and all run;
# the suites whose code runs threads once more under ThreadSanitizer.

UNIT_SUITES := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_HELPERS := tests/unit/pktbuild.c tests/unit/central_build.c
UNIT_LDLIBS := -lcmocka $(LDLIBS_STRATA) -lm
UNIT_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

# The store's committer thread and the reader threads of test_store; the
# central store's readers beside its writer (test_cstore); the central API
# answering from several threads (test_capi); the notifier thread (test_notify).
UNIT_TSAN_SUITES := store cstore capi notify
UNIT_TSAN := -fsanitize=thread

UNIT_BIN := $(UNIT_SUITES:%=$(B)/unit/test_%)
UNIT_TSAN_BIN := $(UNIT_TSAN_SUITES:%=$(B)/unit-tsan/test_%)
UNIT_ASAN_BIN := $(UNIT_SUITES:%=$(B)/unit-asan/test_%)
UNIT_OBJ := $(UNIT_SUITES:%=$(B)/tests/unit/test_%.o) \
	$(UNIT_HELPERS:%.c=$(B)/%.o)
# The sanitizer build compiles the library sources itself: linking the plain
# libstrata.a would leave the code under test uninstrumented.
UNIT_ASAN_OBJ := $(UNIT_SUITES:%=$(B)/unit-asan/tests/unit/test_%.o) \
	$(UNIT_HELPERS:%.c=$(B)/unit-asan/%.o) $(LIB_SRC:%.c=$(B)/unit-asan/%.o)

# Keep the objects: they are reached only through pattern rules, and make
# would otherwise delete them as intermediates and rebuild them every run.
UNIT_TSAN_OBJ := $(UNIT_TSAN_SUITES:%=$(B)/unit-tsan/tests/unit/test_%.o) \
	$(UNIT_HELPERS:%.c=$(B)/unit-tsan/%.o) $(LIB_SRC:%.c=$(B)/unit-tsan/%.o)
.SECONDARY: $(UNIT_OBJ) $(UNIT_ASAN_OBJ) $(UNIT_TSAN_OBJ)

# Plain objects come from the top-level $(B)/%.o rule.
$(B)/unit/test_%: $(B)/tests/unit/test_%.o $(UNIT_HELPERS:%.c=$(B)/%.o) \
		$(B)/libstrata.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(UNIT_LDLIBS)

$(B)/unit-asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UNIT_SAN) -MMD -MP -c -o $@ $<

$(B)/unit-asan/test_%: $(B)/unit-asan/tests/unit/test_%.o \
		$(UNIT_HELPERS:%.c=$(B)/unit-asan/%.o) \
		$(LIB_SRC:%.c=$(B)/unit-asan/%.o)
	$(CC) $(CFLAGS) $(UNIT_SAN) -o $@ $^ $(UNIT_LDLIBS)

$(B)/unit-tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UNIT_TSAN) -MMD -MP -c -o $@ $<

$(B)/unit-tsan/test_%: $(B)/unit-tsan/tests/unit/test_%.o \
		$(UNIT_HELPERS:%.c=$(B)/unit-tsan/%.o) \
		$(LIB_SRC:%.c=$(B)/unit-tsan/%.o)
	$(CC) $(CFLAGS) $(UNIT_TSAN) -o $@ $^ $(UNIT_LDLIBS)

.PHONY: unit
unit: $(UNIT_BIN) $(UNIT_ASAN_BIN) $(UNIT_TSAN_BIN)

# Every binary runs even after a failure, so one run shows all that fail.
check-unit: $(UNIT_BIN) $(UNIT_ASAN_BIN) $(UNIT_TSAN_BIN)
	@fail=; t0=$$(date +%s%N); \
	for t in $(UNIT_BIN) $(UNIT_ASAN_BIN) $(UNIT_TSAN_BIN); do \
		echo "== $$t"; s=$$(date +%s%N); \
		ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
			$$t || fail="$$fail $$t"; \
		echo "== $$t: $$(( ($$(date +%s%N) - s) / 1000000 )) ms"; \
	done; \
	if [ -n "$$fail" ]; then \
		echo "check-unit: FAILED:$$fail" >&2; exit 1; \
	fi; \
	echo "check-unit: $(words $(UNIT_BIN) $(UNIT_ASAN_BIN) $(UNIT_TSAN_BIN)) binaries passed in $$(( ($$(date +%s%N) - t0) / 1000000 )) ms"
