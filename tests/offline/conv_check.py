# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Per-conversation packet and byte counts of `strata analyze` against tshark's
# -z conv,tcp / conv,udp tables and tshark's own per-frame lengths.
"""For each chosen capture, strata's TCP and UDP conversations must be
exactly tshark's: the same set, and in each direction the same number of
frames, the same frame bytes (the frame's length on the wire, link layer
included: tshark's "Bytes") and the same IP bytes.

tshark 4.0 prints a conversation's bytes exactly below 10 kB only ("4736
bytes"); above that it truncates to a unit ("162 kB", "1 MB"). So every
figure is checked twice:
  1. against the -z conv table, exactly where it is exact, else as the same
     truncated figure (format_size() in wsutil/str_util.c: size // 1000^k
     with the largest k that leaves at least 10);
  2. exactly, against tshark's per-frame lengths (-T fields) summed per
     conversation and direction; these sums are first checked to give the
     conv table's own figures row by row (per tcp.stream / udp.stream), so
     both of tshark's views agree before strata is compared with them.
Rows of one 4-tuple (a port reused after the first connection closed) are
summed; conversations match in either orientation.

The files are chosen for their kind (see FILES). Excluded on purpose, because
tshark and strata count them differently by design, not by mistake:
  - IP fragments: tshark reassembles and counts the datagram in the frame that
    completed it (with the TCP/UDP ports only that frame shows); strata counts
    every fragment, the later ones keyed without ports.
  - Tunnels (GRE, IP-in-IP, 6in4, VXLAN, Teredo, GTP, ...): tshark attributes
    the inner TCP/UDP conversation (and for UDP tunnels also the outer one);
    strata keys on the outer header, the kernel's view.
  - ICMP errors carrying the offending packet's headers: tshark dissects the
    inner TCP/UDP header and (for some dissectors) taps it; strata keys the
    ICMP message as ICMP.
The script asserts these hold for each file (strata reports no fragments;
no frame carries two IP headers or ports of two layers), so a replaced
capture cannot silently break the comparison.

Usage: conv_check.py --strata build/strata --pcaps DIR [FILE ...]
"""
import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

# Path below the pcaps folder -> what kind of capture it stands for.
FILES = {
    "zeek_zeek/testing/btest/Traces/krb/kerberos_tso.pcapng":
        "captured on a sender with TSO: segments with an IPv4 total length of 0",
    "zeek_zeek/testing/btest/Traces/wikipedia.pcap":
        "Ethernet, IPv4, HTTP over TCP and DNS over UDP, 34 conversations",
    "ntop_nDPI/tests/cfgs/default/pcap/1kxun.pcap":
        "Ethernet, IPv4 and IPv6, ~200 TCP and UDP conversations, byte counts past 10 kB",
    "ntop_nDPI/tests/cfgs/default/pcap/reddit.pcap":
        "Ethernet, IPv6 only, 60 TCP (TLS) conversations, 1942 frames",
    "zeek_zeek/testing/btest/Traces/vlan-qinqinq.pcap":
        "three stacked 802.1Q tags before IPv4",
    "ntop_nDPI/tests/cfgs/default/pcap/KakaoTalk_talk.pcap":
        "Linux cooked v1 (SLL, link type 113), 3203 frames",
    "OISF_suricata-verify/tests/decode-sll2-01/input.pcap":
        "Linux cooked v2 (SLL2, link type 276)",
    "ntop_nDPI/tests/cfgs/default/pcap/ocs.pcap":
        "raw IP (LINKTYPE_RAW), 946 frames",
    "OISF_suricata-verify/tests/detect-bidir-flowbits/input.pcap":
        "BSD loopback (NULL, link type 0)",
    "zeek_zeek/testing/btest/Traces/http/cooper-grill-dvwa.pcapng":
        "pcapng, Ethernet with ARP among the IPv4 TCP frames",
    "ntop_nDPI/tests/cfgs/default/pcap/synscan.pcap":
        "a SYN scan: 1994 TCP conversations of one or two packets",
    "ntop_nDPI/tests/cfgs/default/pcap/wechat.pcap":
        "DNS over UDP (20 conversations) beside TLS and HTTP; 18 conversations "
        "fall silent for more than the table's 60 s idle time and come back "
        "as new entries, which strata must sum into one",
}

PROTOS = ("tcp", "udp")
ROW = re.compile(
    r"^(?P<a>\S+)\s+<->\s+(?P<b>\S+)\s+"
    r"(?P<f_ba>\d+)\s+(?P<b_ba>[\d,]+ (?:bytes|[kMGT]B))\s+"
    r"(?P<f_ab>\d+)\s+(?P<b_ab>[\d,]+ (?:bytes|[kMGT]B))\s+"
    r"(?P<f_t>\d+)\s+(?P<b_t>[\d,]+ (?:bytes|[kMGT]B))\s+")


def fmt_size(n):
    """tshark 4.0's format_size(n, FORMAT_SIZE_UNIT_BYTES, SI prefixes)."""
    for k, unit in ((4, "TB"), (3, "GB"), (2, "MB"), (1, "kB")):
        if n // 1000 ** k >= 10:
            return "%d %s" % (n // 1000 ** k, unit)
    return "%d bytes" % n


def endpoint(s):
    addr, port = s.rsplit(":", 1)
    return (ipaddress.ip_address(addr.strip("[]")), int(port))


def conv_key(proto, e1, e2):
    """Direction-free key; the caller's (src, dst) is kept separately."""
    return (proto,) + tuple(sorted((e1, e2), key=lambda e: (e[0].version, e[0], e[1])))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if p.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd[:3]), p.returncode,
                                                 p.stderr.strip()[-300:]))
    return p.stdout


def tshark_table(path):
    """The -z conv rows: key -> list of {src endpoint: (frames, bytes string)}."""
    out = run(["tshark", "-n", "-r", path, "-q", "-z", "conv,tcp", "-z", "conv,udp"])
    rows = defaultdict(list)
    proto = None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        m = ROW.match(line)
        if not m:
            if proto and "<->" in line:
                raise RuntimeError("tshark row not understood: %r" % line)
            continue
        a, b = endpoint(m.group("a")), endpoint(m.group("b"))
        rows[conv_key(proto, a, b)].append({
            a: (int(m.group("f_ab")), m.group("b_ab").replace(",", "")),
            b: (int(m.group("f_ba")), m.group("b_ba").replace(",", "")),
        })
    return rows


FIELDS = ("frame.number", "frame.len", "ip.src", "ip.dst", "ip.len", "ipv6.src",
          "ipv6.dst", "ipv6.plen", "tcp.srcport", "tcp.dstport", "tcp.stream",
          "udp.srcport", "udp.dstport", "udp.stream", "icmp.type", "icmpv6.type")


def tshark_frames(path):
    """Per-frame lengths summed per conversation and direction.

    Returns (convs, raw output): convs[key][src] = [frames, frame bytes, IP bytes].
    """
    out = run(["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=/t",
               "-E", "occurrence=a"] + sum((["-e", f] for f in FIELDS), []))
    convs = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        multi = [f for f in FIELDS if "," in v.get(f, "")]
        if multi:
            # Two IP headers or two L4 headers in one frame: a tunnel or an
            # ICMP error quoting a packet, which this comparison excludes.
            raise RuntimeError("frame %s has several %s: a tunnel or an ICMP "
                               "error; choose another file" % (v["frame.number"], multi[0]))
        if v.get("ip.src") and v.get("ipv6.src"):
            # 6in4 or 4in6: one header of each family, no comma to show it.
            raise RuntimeError("frame %s has an IPv4 and an IPv6 header: a tunnel; "
                               "choose another file" % v["frame.number"])
        for proto in PROTOS:
            if not v.get(proto + ".srcport"):
                continue
            if v.get("icmp.type") or v.get("icmpv6.type"):
                raise RuntimeError("frame %s: ICMP carrying %s ports; choose another file"
                                   % (v["frame.number"], proto))
            if v["ip.src"]:
                src, dst = v["ip.src"], v["ip.dst"]
                iplen = int(v["ip.len"])
            else:
                src, dst = v["ipv6.src"], v["ipv6.dst"]
                iplen = 40 + int(v["ipv6.plen"])
            s = (ipaddress.ip_address(src), int(v[proto + ".srcport"]))
            d = (ipaddress.ip_address(dst), int(v[proto + ".dstport"]))
            c = convs[conv_key(proto, s, d)][s]
            c[0] += 1
            c[1] += int(v["frame.len"])
            c[2] += iplen
    return convs, out


# Both checks read the same per-frame fields: one tshark run per file.
_cache = {}


def tshark_frames_cached(path):
    if path not in _cache:
        _cache[path] = tshark_frames(path)
    return _cache[path]


def strata_convs(strata, path):
    p = subprocess.run([strata, "-j", "analyze", path], capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("strata analyze: exit %d: %s" % (p.returncode, p.stderr.strip()))
    doc = json.loads(p.stdout)
    convs = {}
    for c in doc["conversations"]:
        if c["proto"] not in PROTOS:
            continue
        a = (ipaddress.ip_address(c["a"]), c["a_port"])
        b = (ipaddress.ip_address(c["b"]), c["b_port"])
        key = conv_key(c["proto"], a, b)
        if key in convs:
            raise RuntimeError("strata lists %s twice" % show(key))
        convs[key] = {a: (c["packets_ab"], c["frame_bytes_ab"], c["bytes_ab"]),
                      b: (c["packets_ba"], c["frame_bytes_ba"], c["bytes_ba"])}
    return doc["counters"], convs


def show(key, src=None):
    def ep(e):
        return ("[%s]:%d" if e[0].version == 6 else "%s:%d") % (e[0], e[1])
    if src is None:
        return "%s %s <-> %s" % (key[0], ep(key[1]), ep(key[2]))
    dst = key[2] if src == key[1] else key[1]
    return "%s %s -> %s" % (key[0], ep(src), ep(dst))


def check_file(strata, path):
    """Returns a list of complaints (empty when strata matches tshark)."""
    bad = []
    counters, ours = strata_convs(strata, path)
    if counters["fragments"]:
        return ["%d IP fragments: excluded by design, choose another file"
                % counters["fragments"]]
    if counters["table_full"]:
        return ["the microflow table was full (%d packets turned away)" % counters["table_full"]]
    table = tshark_table(path)
    if not table:
        return ["tshark lists no TCP or UDP conversation: nothing to compare"]
    frames = tshark_frames_cached(path)[0]

    # tshark against itself first: a difference between strata and tshark
    # only means something if tshark's two views of the file agree.
    for key, rows in table.items():
        for src in (key[1], key[2]):
            f_rows = sum(r[src][0] for r in rows)
            f_frames = frames.get(key, {}).get(src, [0, 0, 0])[0]
            if f_rows != f_frames:
                bad.append("tshark disagrees with itself on %s: table %d frames, "
                           "per-frame %d" % (show(key, src), f_rows, f_frames))
    if set(table) != set(frames):
        bad.append("tshark's table and per-frame fields list different conversations")
    bad += check_rounded(path, table)

    for key in sorted(set(ours) | set(frames), key=show):
        if key not in ours:
            bad.append("%s: in tshark (%s), not in strata" % (
                show(key), ", ".join("%d frames" % frames[key][s][0] for s in frames[key])))
            continue
        if key not in frames:
            bad.append("%s: in strata, not in tshark" % show(key))
            continue
        for src in (key[1], key[2]):
            t = frames[key].get(src, [0, 0, 0])
            o = ours[key][src]
            for i, what in enumerate(("frames", "frame bytes", "IP bytes")):
                if t[i] != o[i]:
                    bad.append("%s: %s: tshark %d, strata %d" % (show(key, src), what, t[i], o[i]))
            # The table's figure, exact or truncated as tshark prints it.
            row_bytes = [r[src][1] for r in table.get(key, [])]
            if len(row_bytes) == 1 and row_bytes[0] != fmt_size(o[1]):
                bad.append("%s: table says %s, strata %d (%s)" % (
                    show(key, src), row_bytes[0], o[1], fmt_size(o[1])))
    return bad


def check_rounded(path, table):
    """Each conv row's printed bytes against the per-stream exact sums."""
    out = tshark_frames_cached(path)[1]
    sums = defaultdict(lambda: [0, 0])
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        for proto in PROTOS:
            if not v.get(proto + ".stream"):
                continue
            src = v["ip.src"] or v["ipv6.src"]
            s = (ipaddress.ip_address(src), int(v[proto + ".srcport"]))
            dst = v["ip.dst"] or v["ipv6.dst"]
            d = (ipaddress.ip_address(dst), int(v[proto + ".dstport"]))
            key = conv_key(proto, s, d)
            sums[(key, int(v[proto + ".stream"]), s)][0] += 1
            sums[(key, int(v[proto + ".stream"]), s)][1] += int(v["frame.len"])
    bad = []
    for key, rows in table.items():
        for src in (key[1], key[2]):
            printed = sorted((r[src][0], r[src][1]) for r in rows)
            exact = sorted((f, fmt_size(b)) for (k, _, s), (f, b) in sums.items()
                           if k == key and s == src)
            # A stream with no frame in this direction prints "0 0 bytes".
            exact += [(0, "0 bytes")] * (len(printed) - len(exact))
            if printed != sorted(exact):
                bad.append("tshark's table %s for %s is not its per-stream sums %s" % (
                    printed, show(key, src), sorted(exact)))
    return bad


def run_checks(strata, pcaps, files=None, log=print):
    results = []
    for rel in files or FILES:
        path = os.path.join(pcaps, rel)
        name = "conv %s" % rel
        if not os.path.isfile(path):
            results.append((False, name, "file missing"))
            continue
        try:
            bad = check_file(strata, path)
        except (RuntimeError, ValueError, KeyError) as e:
            bad = [str(e)]
        if bad:
            for b in bad[:10]:
                log("conv: %s: %s" % (rel, b))
            results.append((False, name, "%d mismatches, first: %s" % (len(bad), bad[0])))
        else:
            n = len(tshark_frames_cached(path)[0])
            results.append((True, name, "%d TCP/UDP conversations equal tshark's" % n))
    return results


def report(res):
    """Each check's line; the exit status: 0 when all passed."""
    for ok, name, msg in res:
        print("%s %s: %s" % ("PASS" if ok else "FAIL", name, msg))
    return 0 if all(ok for ok, _, _ in res) else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    return report(run_checks(a.strata, a.pcaps, a.files or None))


if __name__ == "__main__":
    sys.exit(main())
