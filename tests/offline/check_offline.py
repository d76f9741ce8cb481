# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# `make check-offline`: runs the corrupt-file, tshark (conversations and the
# packet store), central host and ASan sweep checks on the shared captures, one line per
# check, then "N passed, N failed".
"""Usage: check_offline.py --strata build/strata --asan build/asan/strata
                        --ref build/offline/pcapref --stratad build/stratad
                        --pcaps DIR --workdir DIR
                        [--jobs N] [--leaks sample|all]

A check that cannot run (no pcaps folder, no tshark) fails with the reason:
none is skipped.
"""
import argparse
import os
import shutil
import sys
import time

# No __pycache__ in the source tree: the checks run from a clean checkout.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import asan_sweep  # noqa: E402
import conv_check  # noqa: E402
import store_check  # noqa: E402
import corrupt_check  # noqa: E402
import central_check  # noqa: E402
import alarm_check  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--asan", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--stratad", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--leaks", choices=("sample", "all"), default="sample")
    a = ap.parse_args()

    t0 = time.monotonic()
    results = []

    def report(res):
        for ok, name, msg in res:
            print("%s %s: %s" % ("PASS" if ok else "FAIL", name, msg), flush=True)
        results.extend(res)

    def log(msg):
        print("  " + msg, flush=True)

    if not os.path.isdir(a.pcaps):
        report([(False, "pcaps", "%s: no such folder. The captures are expected in "
                 "shared/pcaps beside the repository (../shared/pcaps); set "
                 "STRATA_PCAPS to their folder" % a.pcaps)])
    elif not os.path.isfile(os.path.join(a.pcaps, "MALFORMED.tsv")):
        report([(False, "pcaps", "%s has no MALFORMED.tsv: not the shared captures "
                 "folder" % a.pcaps)])
    else:
        # Fast checks first, so that their verdict shows before the sweep.
        report(corrupt_check.run_checks([a.strata, a.asan], a.pcaps,
                                        os.path.join(a.workdir, "corrupt"), log=log))
        if shutil.which("tshark"):
            report(conv_check.run_checks(a.strata, a.pcaps, log=log))
            report(store_check.run_checks(a.strata, a.pcaps,
                                          os.path.join(a.workdir, "store"), log=log))
        else:
            report([(False, "conv", "tshark not found (Debian package tshark; "
                     "scripts/deps.sh check installs it)")])
        report(central_check.run_checks(a.strata, a.stratad, a.pcaps,
                                        os.path.join(a.workdir, "central"), log=log))
        report(alarm_check.run_checks(a.strata, a.stratad, a.pcaps,
                                      os.path.join(a.workdir, "alarm"), log=log))
        report(asan_sweep.run(a.asan, a.ref, a.pcaps, a.jobs,
                              os.path.join(a.workdir, "asan"), a.leaks, log=log))

    failed = sum(1 for ok, _, _ in results if not ok)
    print("check-offline: %d passed, %d failed (%.0f s)" % (
        len(results) - failed, failed, time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
