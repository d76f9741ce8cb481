# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Every file under the pcaps folder through the ASan+UBSan build of `strata
# analyze --store`: no sanitizer report, no crash, and read exactly as far as
# libpcap; what was read is in the store.
"""The offline sweep (issue: "every file that libpcap can open runs through
the core under ASan with no report").

Each file runs in its own process so that a crash or a leak is pinned to the
file that caused it. Beyond "no report", every outcome is checked against
build/offline/pcapref, plain libpcap reading the same file:

  exit 0  libpcap reached the end, and strata read as many records
  exit 1  one of three messages, each naming the file, and agreeing with libpcap:
          "cannot open as a capture"  libpcap cannot open it either
          "unsupported link type N"   libpcap opened it with link type N, and
                                      N is not one the README says strata reads
          "offset O (after K records)" libpcap stopped with an error after K
                                      records; the JSON (if any) says K frames
anything else (another exit code, a signal, a sanitizer report, a message that
fits none of these, a hang) fails the sweep.

Usage: asan_sweep.py --strata build/asan/strata --ref build/offline/pcapref
                     --pcaps DIR [--jobs 2] [--logdir DIR] [--leaks sample|all]
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv_check import report  # noqa: E402

SAN_EXIT = 86
# Common flags are read from both variables; the exit code marks a report even
# when its text went missing.
ASAN_OPTIONS = ("exitcode=%d:halt_on_error=1:abort_on_error=0:"
                "strict_string_checks=1:check_initialization_order=1:"
                "symbolize=1" % SAN_EXIT)
UBSAN_OPTIONS = ("exitcode=%d:halt_on_error=1:print_stacktrace=1:"
                 "report_error_type=1" % SAN_EXIT)
SAN_PATTERNS = ("runtime error", "AddressSanitizer", "LeakSanitizer",
                "UndefinedBehaviorSanitizer", "Sanitizer:DEADLYSIGNAL")
# Link types the pcaps README says strata reads (DLT values, as
# pcap_datalink() gives them: LINKTYPE_RAW 101 arrives as DLT_RAW 12).
SUPPORTED_DLT = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276}
# A big capture under ASan takes a few seconds; minutes means a loop.
TIMEOUT_S = 120

RE_NOOPEN = re.compile(r"^strata: analyze: (?P<p>.+): cannot open as a capture: \S")
RE_LINK = re.compile(r"^strata: analyze: (?P<p>.+): unsupported link type (?P<lt>\d+) \(")
RE_CORRUPT = re.compile(
    r"^strata: analyze: (?P<p>.+): offset (?P<off>-?\d+) \(after (?P<k>\d+) records\): \S")


def load_ref(ref_bin, files):
    """libpcap's own reading of every file, from one pcapref process."""
    out = subprocess.run([ref_bin], input="".join(f + "\n" for f in files),
                         capture_output=True, text=True, check=True,
                         errors="replace").stdout
    ref = {}
    for line in out.splitlines():
        path, state, lt, n, end, msg = line.split("\t", 5)
        ref[path] = {"open": state == "open",
                     "linktype": None if lt == "-" else int(lt),
                     "records": int(n), "end": end, "msg": msg}
    missing = [f for f in files if f not in ref]
    if missing:
        raise RuntimeError("pcapref gave no line for %s" % missing[0])
    return ref


def leak_checked(i, path, ref, malformed, mode):
    """Whether LeakSanitizer runs at the exit of this file's process.

    LSan stops the process and scans its memory at exit: here that costs
    more than the analysis itself (about 60 of 100 ms a file), too much for
    every one of 3000+ files. "sample" keeps it where leaks would hide:
    every error path (libpcap stops early or cannot open the file, or a link
    type strata rejects), every file of MALFORMED.tsv, every file of 64 KiB
    or more (window rollovers, idle expiry, table and list growth), and
    every 8th of the rest. "all" checks every file.
    """
    if mode == "all":
        return True
    r = ref[path]
    return (i % 8 == 0 or path in malformed or not r["open"] or r["end"] != "eof"
            or r["linktype"] not in SUPPORTED_DLT or os.path.getsize(path) >= 65536)


def run_one(strata, path, leaks):
    env = dict(os.environ, UBSAN_OPTIONS=UBSAN_OPTIONS,
               ASAN_OPTIONS="%s:detect_leaks=%d" % (ASAN_OPTIONS, leaks))
    t0 = time.monotonic()
    # The whole pipeline: the store writer and its committer thread too.
    store = tempfile.mkdtemp(prefix="asan-store-")
    try:
        p = subprocess.run([strata, "-j", "analyze", path, "--store", store,
                            "--budget", "64M"], env=env,
                           capture_output=True, timeout=TIMEOUT_S)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, e.stdout or b"", e.stderr or b""
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return (path, rc, out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"), time.monotonic() - t0)


def counters_consistent(doc):
    """The tool's counters must add up; returns a complaint or None."""
    c = doc.get("counters")
    convs = doc.get("conversations")
    if not isinstance(c, dict) or not isinstance(convs, list):
        return "JSON lacks counters or conversations"
    if c["frames"] != c["not_ip"] + c["link_short"] + c["seen"]:
        return "frames %d != not_ip + link_short + seen (%d)" % (
            c["frames"], c["not_ip"] + c["link_short"] + c["seen"])
    if c["seen"] != c["parsed"] + c["truncated"] + c["malformed"] + c["unsupported"]:
        return "seen != parsed + truncated + malformed + unsupported"
    if c["parsed"] != c["ipv4"] + c["ipv6"]:
        return "parsed %d != ipv4 + ipv6 (%d)" % (c["parsed"], c["ipv4"] + c["ipv6"])
    pkts = sum(x["packets_ab"] + x["packets_ba"] for x in convs)
    # A packet the full table turned away is in no conversation.
    if pkts != c["parsed"] - c["table_full"]:
        return "conversations hold %d packets, parsed - table_full is %d" % (
            pkts, c["parsed"] - c["table_full"])
    if sum(x["microflows"] for x in convs) != c["microflows"]:
        return "conversation microflows do not sum to counters.microflows"
    return None


def judge(res, ref, malformed):
    """Returns (class, frames, complaint): complaint None when all is well."""
    path, rc, out, err, _ = res
    r = ref[path]
    if rc is None:
        return "hang", 0, "no exit after %d s" % TIMEOUT_S
    if rc == SAN_EXIT or any(s in err for s in SAN_PATTERNS):
        return "sanitizer", 0, "sanitizer report (exit %d)" % rc
    if rc < 0:
        return "signal", 0, "killed by signal %d" % -rc
    if rc not in (0, 1):
        return "exit", 0, "exit code %d" % rc

    doc = None
    if out.strip():
        try:
            doc = json.loads(out)
        except ValueError as e:
            return "json", 0, "stdout is not JSON: %s" % e
    frames = doc["counters"]["frames"] if doc else 0
    if doc:
        bad = counters_consistent(doc)
        if bad:
            return "counters", frames, bad
        if doc.get("file") != path:
            return "json", frames, "JSON names file %r" % doc.get("file")
        st = doc.get("store")
        if not isinstance(st, dict):
            return "store", frames, "JSON lacks the store"
        if st["totals"]["packets_dropped"] or st["totals"]["microflows_dropped"]:
            return "store", frames, "the store dropped data: %r" % st["totals"]
        if st["packets"] != st["totals"]["packets_written"]:
            return "store", frames, "store holds %d packets of %d written" % (
                st["packets"], st["totals"]["packets_written"])

    if rc == 0:
        if err.strip():
            return "exit", frames, "exit 0 with stderr: %s" % err.strip()[:200]
        if doc is None or "error" in doc:
            return "json", frames, "exit 0 without a clean JSON document"
        if not r["open"] or r["end"] != "eof":
            return "ref", frames, "strata read it all, libpcap did not (%s)" % r["msg"]
        if frames != r["records"]:
            return "ref", frames, "strata read %d frames, libpcap %d" % (frames, r["records"])
        return "read", frames, None

    # Exit 1: the message must name the file and say which of the known cases.
    first = err.splitlines()[0] if err else ""
    m = RE_NOOPEN.match(first)
    if m and m.group("p") == path:
        if r["open"]:
            return "noopen", 0, "says not a capture, libpcap opens it"
        return "noopen", 0, None
    m = RE_LINK.match(first)
    if m and m.group("p") == path:
        lt = int(m.group("lt"))
        if not r["open"] or r["linktype"] != lt:
            return "linktype", 0, "says link type %d, libpcap %s" % (lt, r["linktype"])
        if lt in SUPPORTED_DLT:
            return "linktype", 0, "rejects link type %d, which it must read" % lt
        return "unsupported link type %d" % lt, 0, None
    m = RE_CORRUPT.match(first)
    if m and m.group("p") == path:
        k = int(m.group("k"))
        if not r["open"] or r["end"] != "error":
            return "corrupt", frames, "says corrupt, libpcap reads it to the end"
        if k != r["records"] or frames != r["records"]:
            return "corrupt", frames, ("stopped after %d records (JSON: %d frames), "
                                       "libpcap after %d" % (k, frames, r["records"]))
        if r["records"] and (doc is None or "error" not in doc):
            return "corrupt", frames, "records before the error but no JSON error field"
        return "corrupt", frames, None
    tag = " (listed in MALFORMED.tsv)" if path in malformed else ""
    return "unclear", frames, "exit 1 with an unclear message%s: %s" % (tag, first[:200])


def read_malformed(pcaps):
    out = set()
    tsv = os.path.join(pcaps, "MALFORMED.tsv")
    with open(tsv, encoding="utf-8") as f:
        next(f)
        for line in f:
            if line.strip():
                out.add(os.path.join(pcaps, line.split("\t", 1)[0]))
    return out


def run(strata, ref_bin, pcaps, jobs=2, logdir=None, leaks="sample", log=print):
    """Returns a list of (ok, name, message) results."""
    t0 = time.monotonic()
    pcaps = os.path.abspath(pcaps)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(pcaps) for f in fs
                   if os.path.isfile(os.path.join(d, f)))
    malformed = read_malformed(pcaps)
    missing = sorted(m for m in malformed if m not in set(files))
    ref = load_ref(ref_bin, files)

    checked = [leak_checked(i, f, ref, malformed, leaks) for i, f in enumerate(files)]
    classes, failures, packets, slowest = {}, [], 0, (0.0, "")
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for res in ex.map(lambda a: run_one(strata, *a), zip(files, checked)):
            cls, frames, bad = judge(res, ref, malformed)
            if res[4] > slowest[0]:
                slowest = (res[4], res[0])
            if bad:
                failures.append((res, bad))
                continue
            if cls == "read" or cls == "corrupt":
                packets += frames
            classes[cls] = classes.get(cls, 0) + 1

    if logdir:
        # Rewritten every run, so that no earlier run's failures linger.
        os.makedirs(logdir, exist_ok=True)
        with open(os.path.join(logdir, "failures.txt"), "w", encoding="utf-8") as f:
            for (path, rc, _, err, _), bad in failures:
                f.write("==== %s\nexit %s: %s\n%s\n" % (path, rc, bad, err))

    wall = time.monotonic() - t0
    opened = sum(1 for f in files if ref[f]["open"])
    names = {"noopen": "not a capture", "corrupt": "corrupt at an offset"}
    rejected = sorted((k for k in classes if k != "read"), key=lambda k: -classes[k])
    figures = ("%d files tried, %d opened by libpcap, %d read to the end, %d packets" % (
        len(files), opened, classes.get("read", 0), packets))
    log("asan-sweep: %s, %d leak-checked, %.0f s wall (%d jobs; slowest %.1f s: %s)" % (
        figures, sum(checked), wall, jobs, slowest[0], os.path.relpath(slowest[1], pcaps)))
    log("asan-sweep: rejected %d: %s" % (sum(classes[k] for k in rejected), ", ".join(
        "%s: %d" % (names.get(k, k), classes[k]) for k in rejected) or "none"))
    results = []
    # One line per distinct cause: a bug usually fails many files the same way.
    groups = {}
    for (path, rc, _, err, _), bad in failures:
        snippet = next((l.strip() for l in err.splitlines()
                        if any(s in l for s in SAN_PATTERNS)), "")
        sig = re.sub(r"0x[0-9a-f]+|==\d+==", "", snippet)[:240] if snippet else bad
        groups.setdefault(sig, []).append(os.path.relpath(path, pcaps))
    for sig, paths in sorted(groups.items(), key=lambda g: -len(g[1]))[:20]:
        log("asan-sweep: FAIL %d file%s: %s; e.g. %s" % (
            len(paths), "s" if len(paths) > 1 else "", sig, ", ".join(paths[:3])))
    if len(groups) > 20:
        log("asan-sweep: ... %d more causes" % (len(groups) - 20))
    if failures:
        kinds = {}
        for res, bad in failures:
            k = judge(res, ref, malformed)[0]
            kinds[k] = kinds.get(k, 0) + 1
        results.append((False, "asan-sweep", "%d of %d files failed (%s)%s" % (
            len(failures), len(files), ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
            "; details in %s/failures.txt" % logdir if logdir else "")))
    else:
        results.append((True, "asan-sweep", "%s; no sanitizer report, every outcome "
                        "as libpcap reads the file (%.0f s)" % (figures, wall)))
    if missing:
        results.append((False, "asan-sweep-malformed",
                        "%d MALFORMED.tsv entries are not in the folder, e.g. %s" % (
                            len(missing), missing[0])))
    else:
        bad = [res[0] for res, _ in failures if res[0] in malformed]
        results.append((not bad, "asan-sweep-malformed",
                        "%d MALFORMED.tsv files: %s" % (
                            len(malformed), "each a clear error or read as far as valid"
                            if not bad else "%d failed, e.g. %s" % (
                                len(bad), os.path.relpath(bad[0], pcaps)))))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--logdir")
    ap.add_argument("--leaks", choices=("sample", "all"), default="sample")
    a = ap.parse_args()
    return report(run(a.strata, a.ref, a.pcaps, a.jobs, a.logdir, a.leaks))


if __name__ == "__main__":
    sys.exit(main())
