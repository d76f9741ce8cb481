# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Corrupt input: captures cut inside a record, garbage, an empty file; strata
# must say which file and where, and keep what it read before the damage.
"""Files are made under --workdir (build/offline/corrupt) from good captures:

  cut-header.pcap   a classic pcap cut inside the 16-byte header of a record
  cut-data.pcap     the same cut inside a record's data
  cut-block.pcapng  a pcapng cut inside an Enhanced Packet Block
  prefix.*          the same captures cut exactly after the last whole record:
                    a valid file, the reference for what must still be read
  garbage.bin       random bytes
  empty.pcap        no bytes at all

A cut file must exit 1 with "FILE: offset O (after K records)" on stderr, K the
records before the cut and O where reading stopped: inside the broken record
or just after what there is of it (strata asks where its buffered stream
stands only once the read failed, to spare a syscall per packet), so between
the record's start and the end of the file. It must still print its JSON with
an "error" field and the same counters and conversations as the prefix file.
Garbage and an empty file must exit 1 with "FILE: cannot open as a capture"
and print nothing on stdout.

Usage: corrupt_check.py --strata build/strata [--strata build/asan/strata]
                        --pcaps DIR --workdir DIR
"""
import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv_check import report  # noqa: E402

# Classic pcap, Ethernet, several TCP and UDP conversations over 100+ records.
PCAP_SRC = "zeek_zeek/testing/btest/Traces/wikipedia.pcap"
# pcapng (Section Header, Interface Description, Enhanced Packet Blocks).
PCAPNG_SRC = "zeek_zeek/testing/btest/Traces/http/cooper-grill-dvwa.pcapng"

SAN_ENV = {"ASAN_OPTIONS": "exitcode=86:detect_leaks=1",
           "UBSAN_OPTIONS": "exitcode=86:halt_on_error=1:print_stacktrace=1"}


def pcap_records(data):
    """Start offsets of the records of a classic pcap, and the end."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise RuntimeError("not a classic pcap")
    offs, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        offs.append(off)
        off += 16 + incl
    if off != len(data):
        raise RuntimeError("source pcap does not end on a record boundary")
    return offs


def pcapng_packets(data):
    """Start offsets of the packet blocks (the records libpcap returns) of a
    one-section pcapng file."""
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        raise RuntimeError("not a pcapng file")
    end = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    offs, off = [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(end + "II", data[off:off + 8])
        if blen < 12 or off + blen > len(data):
            raise RuntimeError("source pcapng has a bad block at %d" % off)
        if btype == 0x0a0d0d0a and off:
            raise RuntimeError("source pcapng has several sections")
        if btype in (2, 3, 6):  # Packet, Simple Packet, Enhanced Packet
            offs.append(off)
        off += blen
    return offs


def analyze(strata, path, env=None):
    e = dict(os.environ, **(env or {}))
    p = subprocess.run([strata, "-j", "analyze", path], capture_output=True,
                       text=True, errors="replace", env=e)
    return p.returncode, p.stdout, p.stderr


def expect_cut(strata, cut, prefix, off, k, env):
    """Returns (complaint or None, the offset named); @off is where the broken
    record starts."""
    rc, out, err = analyze(strata, prefix, env)
    if rc != 0:
        return "prefix file: exit %d: %s" % (rc, err.strip()[:200]), None
    ref = json.loads(out)
    if ref["counters"]["frames"] != k:
        return "prefix file: %d frames, made with %d" % (ref["counters"]["frames"], k), None
    rc, out, err = analyze(strata, cut, env)
    if rc != 1:
        return "exit %d, want 1 (stderr: %s)" % (rc, err.strip()[:200]), None
    m = re.match(r"strata: analyze: %s: offset (\d+) \(after %d records\): \S" % (
        re.escape(cut), k), err)
    if not m:
        return "stderr %r does not name the file, an offset and %d records" % (
            err.strip()[:200], k), None
    named = int(m.group(1))
    size = os.path.getsize(cut)
    if not off <= named <= size:
        return "offset %d is outside the broken record [%d, %d]" % (named, off, size), named
    if "Sanitizer" in err or "runtime error" in err:
        return "sanitizer report", named
    try:
        doc = json.loads(out)
    except ValueError:
        return "no JSON on stdout for the %d records before the cut" % k, named
    if doc.get("error") != err.splitlines()[0][len("strata: analyze: "):]:
        return "JSON error field %r is not the message on stderr" % doc.get("error"), named
    for part in ("counters", "conversations"):
        if doc[part] != ref[part]:
            return "%s differ from the prefix file's: %s vs %s" % (
                part, json.dumps(doc[part])[:200], json.dumps(ref[part])[:200]), named
    return None, named


def expect_noopen(strata, path, env):
    rc, out, err = analyze(strata, path, env)
    want = "strata: analyze: %s: cannot open as a capture: " % path
    if rc != 1:
        return "exit %d, want 1 (stderr: %s)" % (rc, err.strip()[:200])
    if not err.startswith(want):
        return "stderr %r does not start with %r" % (err.strip()[:200], want)
    if out.strip():
        return "printed on stdout: %r" % out[:100]
    return None


def make_files(pcaps, work):
    os.makedirs(work, exist_ok=True)
    cases = []
    with open(os.path.join(pcaps, PCAP_SRC), "rb") as f:
        data = f.read()
    offs = pcap_records(data)
    # Cut in the second half, so that conversations are under way.
    k = len(offs) * 2 // 3
    o = offs[k]
    for name, cut in (("cut-header.pcap", o + 7), ("cut-data.pcap", o + 16 + 5)):
        path = os.path.join(work, name)
        with open(path, "wb") as f:
            f.write(data[:cut])
        cases.append((name, path, o, k))
    with open(os.path.join(work, "prefix.pcap"), "wb") as f:
        f.write(data[:o])

    with open(os.path.join(pcaps, PCAPNG_SRC), "rb") as f:
        data = f.read()
    offs = pcapng_packets(data)
    k = len(offs) * 2 // 3
    o = offs[k]
    path = os.path.join(work, "cut-block.pcapng")
    with open(path, "wb") as f:
        f.write(data[:o + 20])
    cases.append(("cut-block.pcapng", path, o, k))
    with open(os.path.join(work, "prefix.pcapng"), "wb") as f:
        f.write(data[:o])

    rnd = random.Random(20260101)
    with open(os.path.join(work, "garbage.bin"), "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(4096)))
    open(os.path.join(work, "empty.pcap"), "wb").close()
    return cases


def run_checks(stratas, pcaps, work, log=print):
    work = os.path.abspath(work)
    try:
        cases = make_files(pcaps, work)
    except (OSError, RuntimeError) as e:
        return [(False, "corrupt", "cannot make the test files: %s" % e)]
    results = []
    for strata in stratas:
        env = SAN_ENV if "asan" in strata else None
        tag = " (%s)" % os.path.basename(os.path.dirname(strata)) if env else ""
        for name, path, off, k in cases:
            prefix = os.path.join(work, "prefix" + os.path.splitext(name)[1])
            bad, named = expect_cut(strata, path, prefix, off, k, env)
            results.append((bad is None, "corrupt %s%s" % (name, tag), bad or
                            "exit 1, names the file and offset %d (the record cut "
                            "starts at %d); the %d records before it reported as "
                            "the intact prefix's" % (named, off, k)))
        for name in ("garbage.bin", "empty.pcap"):
            bad = expect_noopen(strata, os.path.join(work, name), env)
            results.append((bad is None, "corrupt %s%s" % (name, tag), bad or
                            "exit 1, 'cannot open as a capture', names the file"))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", action="append", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    return report(run_checks(a.strata, a.pcaps, a.workdir))


if __name__ == "__main__":
    sys.exit(main())
