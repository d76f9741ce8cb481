# SPDX-License-Identifier: GPL-2.0
# `make check`: install what the tests need, build, run every suite. A suite
# that cannot run fails with the reason; none is skipped.

include tests/unit/unit.mk
include tests/offline/offline.mk
include tests/vm/vm.mk
include tests/fuzz/fuzz.mk

check:
	@bash scripts/deps.sh check
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-offline
	$(MAKE) check-fuzz
	$(MAKE) check-vm
	$(MAKE) check-e2e
	@echo "make check: all suites passed"
