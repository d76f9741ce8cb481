# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Builds strata.ko, libstrata and the tools; runs the tests, the benchmarks
# and the demo. Userspace objects go to build/, the module is built in place.

# The kernel to build against: KDIR=, else the running kernel's headers, else
# the newest Debian headers installed under /lib/modules.
KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; [ -d $$d ] && echo $$d || \
	ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n1)
KVER ?= $(shell basename $$(dirname $(KDIR)) 2>/dev/null)

CC ?= gcc
B ?= build
WFLAGS := -Wall -Wextra -Werror -Wformat-security
CFLAGS ?= -O2 -g
PKGS := libpcap libxxhash jansson libmnl lmdb libzstd libfixbuf libcurl
override CFLAGS += $(WFLAGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_STRATA := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

CORE_SRC := lib/core/parse.c lib/core/fingerprint.c lib/core/flow.c lib/core/frag.c
LIB_SRC := $(CORE_SRC) $(filter-out $(CORE_SRC),$(wildcard lib/*.c))
TOOL_SRC := $(wildcard tools/*.c)

.PHONY: all module lib tools deps check check-unit check-offline check-vm \
	bench demo clean help
.DEFAULT_GOAL := all

all: module lib tools daemon

help:
	@echo "make            build strata.ko, libstrata and the strata tool"
	@echo "make check      install what the tests need, build, run every test"
	@echo "make demo       install what it needs, boot the VM lab, show the counters"
	@echo "make bench      benchmarks side by side with peer tools"
	@echo "                (parts alone: bench-store, bench-central, bench-vm)"
	@echo "suites: check-unit check-offline check-fuzz check-vm; demo-vm (no deps)"
	@echo "variables: KDIR=<kernel build dir> (now: $(KDIR))"

# ---- kernel module ----
module:
	@[ -n "$(KDIR)" ] && [ -d "$(KDIR)" ] || { echo "make: no kernel headers under /lib/modules; install linux-headers-amd64 or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# ---- userspace ----
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libstrata.a: $(LIB_SRC:%.c=$(B)/%.o)
	$(AR) rcs $@ $^

lib: $(B)/libstrata.a

$(B)/strata: $(TOOL_SRC:%.c=$(B)/%.o) $(B)/libstrata.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_STRATA)

tools: $(B)/strata

-include $(shell find $(B) -name '*.d' 2>/dev/null)

include daemon/daemon.mk
include tests/tests.mk
include bench/bench.mk

deps:
	@bash scripts/deps.sh build

demo:
	@bash scripts/deps.sh demo
	$(MAKE) all
	$(MAKE) demo-vm

clean:
	rm -rf $(B)
	-[ -d "$(KDIR)" ] && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
