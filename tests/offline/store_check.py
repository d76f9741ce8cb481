# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The packet store against tshark: what `strata analyze --store` keeps of a
# capture, exported again per conversation, is what tshark reads in it.
"""For each capture of conv_check.FILES (chosen for their link types and
kinds, with the exclusions explained there), `strata analyze FILE --store
DIR` fills a store. Then, for every TCP and UDP conversation strata reports
(a deterministic sample of 300 where a file has more):

  - `strata store packets --flow A:P-B:Q/PROTO` (found through the store's
    conversation index) gives exactly the frames tshark assigns to that
    conversation (by its own dissection of addresses and ports), frame for
    frame: the record's sequence number is the frame number;
  - each record has tshark's timestamp to the nanosecond, the IP datagram's
    length, and the bytes tshark shows from the IP header on, as many as
    were captured (the snaplen is the maximum, 9216);
  - `strata store microflows --flow ...` and `strata store flows --flow ...`
    (60 s location flows) sum to the same packets and IP bytes per
    direction as a recount of tshark's frames, and the flows hold every
    microflow once.

And once per file: `strata store packets` without --flow gives every
parsed frame once, in time order, and `strata store info` counts them.

Usage: store_check.py --strata build/strata --pcaps DIR --workdir DIR [FILE ...]
"""
import argparse
import ipaddress
import json
import os
import shutil
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv_check import FILES, report, run  # noqa: E402

SAMPLE = 300


def json_stream(text):
    """The objects of `strata -j` output, one after another."""
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def raw_item(v):
    """A "<proto>_raw" entry: [hex, offset, length, ...], or a list of them."""
    return v[0] if isinstance(v[0], list) else v


def ns(epoch):
    """tshark's frame.time_epoch ("1323202695.370647000") in ns, exactly."""
    sec, _, frac = epoch.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])


def tshark_frames(path):
    """Frame number -> what tshark shows of each TCP/UDP frame over IP."""
    out = run(["tshark", "-n", "-r", path, "-T", "json", "-x",
               "-J", "frame ip ipv6 tcp udp"])
    frames = {}
    for pkt in json.loads(out):
        layers = pkt["_source"]["layers"]
        fr = layers["frame"]
        num = int(fr["frame.number"])
        raw = bytes.fromhex(raw_item(layers["frame_raw"])[0])
        if "ip" in layers:
            ip, off = layers["ip"], raw_item(layers["ip_raw"])[1]
            src, dst = ip["ip.src"], ip["ip.dst"]
            iplen = int(ip["ip.len"])
        elif "ipv6" in layers:
            ip, off = layers["ipv6"], raw_item(layers["ipv6_raw"])[1]
            src, dst = ip["ipv6.src"], ip["ipv6.dst"]
            iplen = int(ip["ipv6.plen"]) + 40
        else:
            continue
        off = int(off)
        proto = "tcp" if "tcp" in layers else "udp" if "udp" in layers else None
        if proto is None:
            continue
        l4 = layers[proto]
        sport, dport = int(l4[proto + ".srcport"]), int(l4[proto + ".dstport"])
        if iplen == 0:		# TSO capture: the core takes the captured length
            iplen = len(raw) - off
        frames[num] = {
            "ts": ns(fr["frame.time_epoch"]),
            "key": conv_key(proto, src, sport, dst, dport),
            "src": (ipaddress.ip_address(src), sport),
            "iplen": iplen,
            "ip": raw[off:],
        }
    return frames


def conv_key(proto, a, ap, b, bp):
    ea = (ipaddress.ip_address(a), int(ap))
    eb = (ipaddress.ip_address(b), int(bp))
    return (proto,) + tuple(sorted((ea, eb), key=lambda e: (e[0].version, e[0], e[1])))


def flow_arg(c):
    def ep(addr, port):
        return ("[%s]:%d" if ":" in addr else "%s:%d") % (addr, port)
    return "%s-%s/%s" % (ep(c["a"], c["a_port"]), ep(c["b"], c["b_port"]), c["proto"])


def check_file(strata, path, work, errors):
    name = os.path.relpath(path, work["pcaps"])
    store = os.path.join(work["dir"], "store-" + name.replace("/", "_"))
    shutil.rmtree(store, ignore_errors=True)
    an = json.loads(run([strata, "-j", "analyze", path, "--store", store]))
    tsh = tshark_frames(path)
    by_conv = defaultdict(list)
    for num, f in sorted(tsh.items()):
        by_conv[f["key"]].append(num)

    def err(msg):
        errors.append("%s: %s" % (name, msg))

    # Every parsed frame once, in time order; the store's count agrees.
    allrec = json_stream(run([strata, "-j", "store", "packets", "--store", store]))
    seqs = [r["seq"] for r in allrec]
    if len(set(seqs)) != len(seqs):
        err("a frame stored twice")
    if [r["ts_ns"] for r in allrec] != sorted(r["ts_ns"] for r in allrec):
        err("store packets not in time order")
    if len(allrec) != an["counters"]["parsed"]:
        err("%d records for %d parsed frames" % (len(allrec), an["counters"]["parsed"]))
    info = json_stream(run([strata, "-j", "store", "info", "--store", store]))[0]
    if info["packets"] != len(allrec):
        err("store info says %d packets, %d read" % (info["packets"], len(allrec)))
    missing = set(tsh) - set(seqs)
    if missing:
        err("tshark's TCP/UDP frames %s are not in the store" % sorted(missing)[:10])

    convs = [c for c in an["conversations"] if c["proto"] in ("tcp", "udp")]
    if len(convs) > SAMPLE:
        step = len(convs) / SAMPLE
        convs = [convs[int(i * step)] for i in range(SAMPLE)]
    for c in convs:
        key = conv_key(c["proto"], c["a"], c["a_port"], c["b"], c["b_port"])
        want = by_conv.get(key, [])
        flow = flow_arg(c)
        recs = json_stream(run([strata, "-j", "store", "packets", "--store", store,
                                "--flow", flow]))
        got = [r["seq"] for r in recs]
        if sorted(got) != want:
            err("%s: frames %s, tshark %s" % (flow, sorted(got)[:8], want[:8]))
            continue
        sums = defaultdict(lambda: [0, 0])
        for r in recs:
            f = tsh[r["seq"]]
            if r["ts_ns"] != f["ts"]:
                err("%s frame %d: ts %d, tshark %d" % (flow, r["seq"], r["ts_ns"], f["ts"]))
            if r["wire_len"] != f["iplen"]:
                err("%s frame %d: wire_len %d, tshark %d" % (flow, r["seq"], r["wire_len"],
                                                             f["iplen"]))
            want_cap = min(len(f["ip"]), f["iplen"], 9216)
            data = bytes.fromhex(r.get("data", ""))
            if r["caplen"] != want_cap or data != f["ip"][:want_cap]:
                err("%s frame %d: %d bytes differ from tshark's %d" % (flow, r["seq"],
                                                                       r["caplen"], want_cap))
            s = sums[f["src"]]
            s[0] += 1
            s[1] += f["iplen"]
        # Microflows: the same packets and IP bytes per direction.
        mfs = json_stream(run([strata, "-j", "store", "microflows", "--store", store,
                               "--flow", flow]))
        mf_sums = defaultdict(lambda: [0, 0])
        for m in mfs:
            for d in (0, 1):
                ep = (ipaddress.ip_address(m["addr%d" % d]), m["port%d" % d])
                mf_sums[ep][0] += m["dir%d" % d]["packets"]
                mf_sums[ep][1] += m["dir%d" % d]["bytes"]
        # 60 s location flows: the same again, and as many microflows.
        fls = json_stream(run([strata, "-j", "store", "flows", "--store", store,
                               "--flow", flow]))
        fl_sums = defaultdict(lambda: [0, 0])
        for fl in fls:
            for d in (0, 1):
                ep = (ipaddress.ip_address(fl["addr%d" % d]), fl["port%d" % d])
                fl_sums[ep][0] += fl["dir%d" % d]["packets"]
                fl_sums[ep][1] += fl["dir%d" % d]["bytes"]
        if sum(fl["microflows"] for fl in fls) != len(mfs):
            err("%s: flows hold %d microflows, %d stored" % (
                flow, sum(fl["microflows"] for fl in fls), len(mfs)))
        for ep in set(sums) | set(mf_sums) | set(fl_sums):
            if list(sums.get(ep, [0, 0])) != list(mf_sums.get(ep, [0, 0])):
                err("%s: microflows from %s: %s, recount %s" % (flow, ep, mf_sums.get(ep),
                                                                sums.get(ep)))
            if list(sums.get(ep, [0, 0])) != list(fl_sums.get(ep, [0, 0])):
                err("%s: flows from %s: %s, recount %s" % (flow, ep, fl_sums.get(ep),
                                                           sums.get(ep)))
    return len(convs), len(allrec)


def run_checks(strata, pcaps, workdir, files=None, log=print):
    """(ok, name, message) per file, as check_offline.py reports them."""
    os.makedirs(workdir, exist_ok=True)
    work = {"pcaps": pcaps, "dir": workdir}
    results = []
    for rel in files or sorted(FILES):
        path = os.path.join(pcaps, rel)
        name = "store %s" % rel
        if not os.path.isfile(path):
            results.append((False, name, "file missing"))
            continue
        errors = []
        try:
            nconv, nrec = check_file(strata, path, work, errors)
        except (RuntimeError, OSError, ValueError, KeyError) as e:
            errors.append("%s: %s" % (rel, e))
        if errors:
            for e in errors[:10]:
                log("store: " + e)
            results.append((False, name, "%d mismatches, first: %s" % (len(errors), errors[0])))
        else:
            results.append((True, name, "%d records; %d conversations exported as tshark "
                            "reads them" % (nrec, nconv)))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    return report(run_checks(a.strata, a.pcaps, a.workdir, a.files or None))


if __name__ == "__main__":
    sys.exit(main())
