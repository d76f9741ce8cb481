# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Builds the kselftest-style tests into $(B)/selftests/, against the harness
# taken at build time from Debian's linux-source tarball (never copied here).

SELFTEST_SRC := $(wildcard tests/selftests/*.c)
SELFTEST_BIN := $(SELFTEST_SRC:tests/selftests/%.c=$(B)/selftests/%)
KSELFTEST_DIR := $(B)/kselftest/tools/testing/selftests
KSELFTEST_HDR := $(KSELFTEST_DIR)/kselftest_harness.h $(KSELFTEST_DIR)/kselftest.h
# -isystem: the harness itself has unused parameters; -Wextra still covers
# every line of ours.
SELFTEST_CFLAGS := $(WFLAGS) -O2 -g -std=gnu11 -D_GNU_SOURCE -isystem $(KSELFTEST_DIR)

.PHONY: selftests

selftests: $(SELFTEST_BIN)

# The newest linux-source tarball; the headers change rarely, so once
# extracted they stay until `make clean`.
$(KSELFTEST_HDR) &:
	@src=$$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1); \
	[ -n "$$src" ] || { echo "selftests: no /usr/src/linux-source-*.tar.xz; install linux-source (scripts/deps.sh check does)" >&2; exit 1; }; \
	echo "  EXTRACT kselftest harness from $$src"; \
	mkdir -p $(B)/kselftest && \
	tar -xJf "$$src" -C $(B)/kselftest --strip-components=1 --wildcards \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h' && \
	touch $(KSELFTEST_HDR)

# Linked with libstrata: counters.c checks the kernel's fingerprints against
# the same core built for userspace.
$(B)/selftests/%: tests/selftests/%.c tests/selftests/strata_selftest.h \
		tests/selftests/stratad_run.h $(KSELFTEST_HDR) \
		$(B)/libstrata.a
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -Iinclude -Ilib -o $@ $< $(B)/libstrata.a $(LDLIBS_STRATA)
