# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The assertions of the VM lab (tests/e2e/e2e.sh): what the central host and
# its drill-down say of the traffic, against captures of every namespace.
"""Usage: check_e2e.py --api http://10.99.0.254:8471 --lab DIR

DIR holds conversations.json (one object per conversation the client made,
from traffic.py) and cap-{c0,r0,r1,s0}.pcap (dumpcap on every link).

  - path: every conversation not masqueraded is one connected flow per flow
    window it spans, with three locations in path order (client, router,
    server), the same packet counts at each (nothing lost), per-hop delays
    that are never negative, and at least one measured;
  - nat: every conversation to port 8080 (masqueraded by the router) is one
    connected flow per window holding both the client's view and the
    server's, joined by payload fingerprints, with the router once on the
    path (client > router > server) under its two keys (the client's and
    the masqueraded one: its hook sees the replies before the NAT is
    undone), the same packets at each location and nothing lost;
  - drilldown: a flow's packets fetched from the three sensors are, per
    location, as many as the captures of that namespace hold (a sender's
    GSO packet, one record, counting as the wire packets it stands for),
    masqueraded flows included (the router's under both keys); a
    masqueraded flow's location flows are the router's two and one each of
    the client and the server;
  - macroflows: the service 10.2.0.2:80/tcp has as many connected flows and
    packets as the conversations to it; the masqueraded service
    10.2.0.2:8080/tcp has its connected flows, three locations each, and no
    packet lost (the lab loses none);
  - faults: the router's sensor cut off for 30 s and the central host
    killed under traffic lost no location flow and counted none twice (the
    checks above cover every phase's conversations).
"""
import argparse
import json
import struct
import sys
import urllib.parse
import urllib.request

CLIENT, SERVER, ROUTER_IN, ROUTER_OUT = "10.1.0.2", "10.2.0.2", "10.1.0.1", "10.2.0.1"
PROTO = {"tcp": 6, "udp": 17}


def get_doc(api, path, **args):
    """The answer, whole."""
    url = api + path + ("?" + urllib.parse.urlencode(args) if args else "")
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


def get(api, path, **args):
    """The answer; of a list (a container: schema and rows), its rows."""
    d = get_doc(api, path, **args)
    return d["rows"] if isinstance(d, dict) and "schema" in d and "rows" in d else d


def parse_conv(s):
    """'A:P-B:Q/proto' -> (frozenset of (addr, port), proto name)."""
    eps, _, proto = s.rpartition("/")
    a, b = eps.split("-")
    ep = lambda x: (x.rsplit(":", 1)[0], int(x.rsplit(":", 1)[1]))
    return frozenset((ep(a), ep(b))), proto


def read_pcap(path):
    """(src, sport, dst, dport, proto) of every IPv4 TCP/UDP frame of an Ethernet pcap."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return out
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        proto = ip[9]
        if proto not in (6, 17) or len(ip) < ihl + 4:
            continue
        src = ".".join(map(str, ip[12:16]))
        dst = ".".join(map(str, ip[16:20]))
        sp, dp = struct.unpack(">HH", ip[ihl:ihl + 4])
        out.append((src, sp, dst, dp, proto))
    return out


def segs(p):
    """The wire packets a packet record stands for (strata_pkt_segs() in lib/core/flow.h)."""
    size, n, pay = p.get("gso_size", 0), p.get("gso_segs", 0), p.get("payload_len", 0)
    if not size or pay <= size:
        return 1
    full = (pay + size - 1) // size
    if not n or (n - 1) * size >= pay:
        n = full
    return max(n, 1)


def masq_port(c):
    """The router's masqueraded port of a connected flow: its server hop's conversation."""
    for h in c["path"]:
        if h["sensor"] == "server":
            for addr, port in parse_conv(h["conversation"])[0]:
                if addr == ROUTER_OUT:
                    return port
    return None


def count(frames, a, b, proto, src=None):
    """Frames between endpoints a and b ((addr, port)), from src if given."""
    n = 0
    for s, sp, d, dp, p in frames:
        if p != proto:
            continue
        if ((s, sp) == a and (d, dp) == b) or ((s, sp) == b and (d, dp) == a):
            if src is None or s == src:
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--lab", required=True)
    a = ap.parse_args()
    convs = [json.loads(x) for x in open(a.lab + "/conversations.json") if x.strip()]
    caps = {k: read_pcap("%s/cap-%s.pcap" % (a.lab, k)) for k in ("c0", "r0", "r1", "s0")}
    cflows = get(a.api, "/api/v1/flows", limit=100000)
    res = []

    # Connected flows by the client's view of their conversation.
    by_client = {}
    for c in cflows:
        for h in c["path"]:
            if h["sensor"] == "client":
                by_client.setdefault(parse_conv(h["conversation"]), []).append(c)

    bad_path, bad_nat, n_path, n_nat = [], [], 0, 0
    delays = 0
    for cv in convs:
        key = (frozenset(((CLIENT, cv["sport"]), (SERVER, cv["dport"]))), cv["proto"])
        found = by_client.get(key, [])
        name = "%s %d->%d" % (cv["proto"], cv["sport"], cv["dport"])
        windows = {c["window_start_ns"] for c in found}
        if not found or len(windows) != len(found):
            (bad_nat if cv["dport"] == 8080 else bad_path).append(
                "%s: %d connected flows over %d windows" % (name, len(found), len(windows)))
            continue
        if cv["dport"] == 8080:
            n_nat += 1
            for c in found:
                sensors = [h["sensor"] for h in c["path"]]
                pk = [tuple(h["packets"]) for h in c["path"]]
                srv = [h for h in c["path"] if h["sensor"] == "server"]
                if not srv or srv[0]["matched"] != "fingerprint" or \
                        ROUTER_OUT not in srv[0]["conversation"]:
                    bad_nat.append("%s: path %s, server hop %s" % (name, sensors, srv[:1]))
                    continue
                # The router once, between the two, with both of its keys.
                if sensors != ["client", "router", "server"]:
                    bad_nat.append("%s: path %s" % (name, sensors))
                    continue
                rtr = c["path"][1]
                keys = [parse_conv(k)[0] for k in rtr.get("conversations", [])]
                mport = masq_port(c)
                if len(keys) != 2 or keys[0] != key[0] or \
                        keys[1] != frozenset(((ROUTER_OUT, mport), (SERVER, 8080))):
                    bad_nat.append("%s: router's keys %s (want the client's, then %s:%s)" % (
                        name, rtr.get("conversations"), ROUTER_OUT, mport))
                if len(set(pk)) != 1:
                    bad_nat.append("%s: packets along the path %s" % (name, pk))
                for h in c["path"][1:]:
                    if h["lost"] != [0, 0]:
                        bad_nat.append("%s: lost %s at %s" % (name, h["lost"], h["sensor"]))
                    for d in h["delay_ns"]:
                        if d is not None and d < 0:
                            bad_nat.append("%s: delay %d ns at %s" % (name, d, h["sensor"]))
            continue
        n_path += 1
        for c in found:
            sensors = [h["sensor"] for h in c["path"]]
            pk = [tuple(h["packets"]) for h in c["path"]]
            if sensors != ["client", "router", "server"]:
                bad_path.append("%s: path %s" % (name, sensors))
            elif len(set(pk)) != 1:
                bad_path.append("%s: packets along the path %s" % (name, pk))
            for h in c["path"][1:]:
                for d in h["delay_ns"]:
                    if d is not None and d < 0:
                        bad_path.append("%s: delay %d ns at %s" % (name, d, h["sensor"]))
                    delays += d is not None
                if h["lost"] != [0, 0]:
                    bad_path.append("%s: lost %s at %s" % (name, h["lost"], h["sensor"]))
    res.append((not bad_path and n_path > 0 and delays > 0, "e2e.path",
                "; ".join(bad_path[:4]) if bad_path else
                "%d conversations: client > router > server, same packets at each, %d delays "
                "measured, none negative" % (n_path, delays)))
    res.append((not bad_nat and n_nat > 0, "e2e.nat", "; ".join(bad_nat[:4]) if bad_nat else
                "%d masqueraded conversations: client > router > server in one connected flow "
                "(fingerprints), the router once under both its keys, same packets at each, "
                "none lost" % n_nat))

    # Drill-down against the captures. Behind the router a masqueraded
    # conversation is the router's address and port to the server: the
    # router's capture on r1 and the server's hold it so.
    bad, n, n_masq = [], 0, 0
    for cv in convs:
        key = (frozenset(((CLIENT, cv["sport"]), (SERVER, cv["dport"]))), cv["proto"])
        found = by_client.get(key, [])
        if not found:
            continue
        got = {"client": 0, "router": 0, "server": 0}
        ports = set()
        for c in found:
            d = get_doc(a.api, "/api/v1/flows/%s/packets" % c["id"])
            for loc in d["locations"]:
                if loc["status"] != "ok":
                    bad.append("%s: %s missing: %s" % (c["id"], loc["sensor"], loc["error"]))
            # A sender's GSO packet is one record standing for gso_segs wire
            # packets: its "packets", which must be what segs() makes of it.
            for pk in d["rows"]:
                got[pk["location"]] = got.get(pk["location"], 0) + pk["packets"]
                if pk["packets"] != segs(pk):
                    bad.append("%s: a record of %s says %d packets, segs() %d" % (
                        c["id"], pk["location"], pk["packets"], segs(pk)))
            if cv["dport"] == 8080:
                ports.add(masq_port(c))
                locs = [l["sensor"] for l in get(a.api, "/api/v1/flows/%s/locations" % c["id"])]
                if locs != ["client", "router", "router", "server"]:
                    bad.append("%s: location flows %s" % (c["id"], locs))
        ca, sa, p = (CLIENT, cv["sport"]), (SERVER, cv["dport"]), PROTO[cv["proto"]]
        ra = ca
        if cv["dport"] == 8080:
            if len(ports) != 1 or None in ports:
                bad.append("%s %d->%d: masqueraded ports %s" % (cv["proto"], cv["sport"],
                                                                cv["dport"], ports))
                continue
            ra = (ROUTER_OUT, ports.pop())
            n_masq += 1
        want = {"client": count(caps["c0"], ca, sa, p),
                "router": count(caps["r0"], ca, sa, p, src=CLIENT) +
                count(caps["r1"], ra, sa, p, src=SERVER),
                "server": count(caps["s0"], ra, sa, p)}
        n += 1
        if got != want:
            bad.append("%s %d->%d: drill-down %s, captures %s" % (cv["proto"], cv["sport"],
                                                                  cv["dport"], got, want))
    res.append((not bad and n > 0 and n_masq > 0, "e2e.drilldown", "; ".join(bad[:4]) if bad else
                "%d conversations (%d masqueraded): every packet of every location, as the "
                "captures hold" % (n, n_masq)))

    # The service macroflow.
    ms = get(a.api, "/api/v1/macroflows", group="service", addr=SERVER, port=80, proto="tcp")
    want_flows = sum(len(by_client.get((frozenset(((CLIENT, cv["sport"]), (SERVER, 80))), "tcp"), []))
                     for cv in convs if cv["dport"] == 80)
    want_pk = sum(c["path"][0]["packets"][0] for cv in convs if cv["dport"] == 80
                  for c in by_client.get((frozenset(((CLIENT, cv["sport"]), (SERVER, 80))), "tcp"), []))
    got_flows = sum(m["connected_flows"] for m in ms)
    got_pk = sum(m["packets"][0] for m in ms)
    res.append((got_flows == want_flows and got_pk == want_pk and want_flows > 0, "e2e.macroflow",
                "service %s:80/tcp: %d connected flows, %d client packets (want %d, %d)" % (
                    SERVER, got_flows, got_pk, want_flows, want_pk)))

    # The masqueraded service, as the server sees it: no loss between the
    # router's two views of a conversation, only between locations.
    ms = get(a.api, "/api/v1/macroflows", group="service", addr=SERVER, port=8080, proto="tcp")
    want_flows = sum(len(by_client.get((frozenset(((CLIENT, cv["sport"]), (SERVER, 8080))), "tcp"), []))
                     for cv in convs if cv["dport"] == 8080)
    got_flows = sum(m["connected_flows"] for m in ms)
    lost = [sum(m["lost"][d] for m in ms) for d in (0, 1)]
    locs = sum(m["locations"] for m in ms)
    res.append((got_flows == want_flows and want_flows > 0 and lost == [0, 0] and
                locs == 3 * want_flows, "e2e.nat_macroflow",
                "service %s:8080/tcp (masqueraded): %d connected flows over %d locations, "
                "lost %s (want %d, %d, [0, 0])" % (SERVER, got_flows, locs, lost, want_flows,
                                                    3 * want_flows)))

    sensors = get(a.api, "/api/v1/sensors")
    res.append((all(s["through_ns"] > 0 for s in sensors) and len(sensors) == 3, "e2e.faults",
                "after the cut and the restart: %s" % ", ".join(
                    "%s %d location flows (%d sent again)" % (s["id"], s["location_flows"], s["resent"])
                    for s in sensors)))
    for ok, name, msg in res:
        print("%s %s: %s" % ("PASS" if ok else "FAIL", name, msg), flush=True)
    return 0 if all(ok for ok, _, _ in res) else 1


if __name__ == "__main__":
    sys.exit(main())
