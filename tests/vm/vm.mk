# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The QEMU lab: `make check-vm` runs the selftests in a VM booting Debian's
# kernel, `make check-e2e` the lab of tests/e2e, `make demo-vm` that lab with
# its central API on the host.

include tests/selftests/selftests.mk

# KVER and B go to run.sh so that the VM boots the kernel the module was
# built for and caches its initramfs under $(B)/vm.
VM_RUN := KVER=$(KVER) B=$(B) tests/vm/run.sh

.PHONY: selftests check-vm check-e2e demo-vm

check-vm: module selftests tools daemon
	$(VM_RUN) -- tests/vm/selftests.sh $(B)/selftests

# The lab of tests/e2e: three sensors and a central host under traffic and
# faults, checked against captures (several minutes: flow windows must close);
# then, in a VM of its own, an alarm's triggered recording the whole way.
check-e2e: module tools daemon
	$(VM_RUN) --timeout 900 --results $(B)/vm/e2e -- tests/e2e/e2e.sh
	$(VM_RUN) --timeout 600 --results $(B)/vm/e2e-record -- tests/e2e/alarm_record.sh

# The lab, with the central API forwarded to the host's 127.0.0.1:$(DEMO_PORT),
# for STRATA_DEMO_MINUTES (30); ^C ends it.
DEMO_PORT ?= 8471
demo-vm: module tools daemon
	STRATA_DEMO_MINUTES=$${STRATA_DEMO_MINUTES:-30} $(VM_RUN) --forward $(DEMO_PORT) \
		--timeout $$(( $${STRATA_DEMO_MINUTES:-30} * 60 + 600 )) \
		--results $(B)/vm/demo -- tests/vm/demo.sh
