# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# `make check-offline`: the real captures of ../shared/pcaps through an ASan+UBSan
# build of `strata analyze`, conversations against tshark, corrupt files,
# and the central host fed by sensors serving stores made from a capture.

# The captures sit beside the repository (CI clones it next to shared/);
# STRATA_PCAPS points elsewhere. A missing folder fails the check, never skips it.
OFFLINE_PCAPS ?= $(or $(STRATA_PCAPS),$(abspath $(CURDIR)/../shared/pcaps))
# Two runs per core: a sanitized run spends ~40% of its time off the CPU (exec,
# page faults of the shadow memory, LeakSanitizer stopping the process), so
# 4 jobs on 2 cores take 150 s where 2 take 220 s.
OFFLINE_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
# sample: LeakSanitizer on the error paths, the big files and every 8th
# other file (it costs more than the run itself); all: on every file.
OFFLINE_LEAKS ?= sample
# Debian's interpreter: the scripts need nothing beyond its standard library.
OFFLINE_PYTHON ?= /usr/bin/python3
OFFLINE_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -O1 -g
OFFLINE_HDR := $(shell find include lib tools -name '*.h' 2>/dev/null)

# The whole tool in one instrumented compile: linking the plain libstrata.a
# would leave the code under test uninstrumented. -O1 comes after the -O2 of
# CFLAGS and wins.
$(B)/asan/strata: $(LIB_SRC) $(TOOL_SRC) $(OFFLINE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OFFLINE_SAN) -o $@ $(LIB_SRC) $(TOOL_SRC) $(LDLIBS_STRATA)

# Plain libpcap reading every file: the reference for how far strata must read.
$(B)/offline/pcapref: tests/offline/pcapref.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS_STRATA)

.PHONY: offline
offline: $(B)/asan/strata $(B)/offline/pcapref

check-offline: lib tools daemon $(B)/asan/strata $(B)/offline/pcapref
	@$(OFFLINE_PYTHON) tests/offline/check_offline.py --strata $(B)/strata \
		--asan $(B)/asan/strata --ref $(B)/offline/pcapref --stratad $(B)/stratad \
		--pcaps "$(OFFLINE_PCAPS)" --workdir $(B)/offline \
		--jobs $(OFFLINE_JOBS) --leaks $(OFFLINE_LEAKS)
