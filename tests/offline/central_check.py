# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# The central host on the host (no VM): sensors serving stores made from a
# real capture feed a central stratad over IPFIX; what its API says is checked
# against the stores, through restarts and bad input.
"""Three sensor stores are made from one capture (`strata analyze --store`),
as if three hosts on a path had seen the same packets. Three `stratad --role
sensor --capture no` serve them and export their closed flow windows to one
`stratad --role central`. Then:

  - sensors: each is listed with its id, version and api_url, and its
    `through` reaches the end of its store's closed flow windows;
  - flows: every location flow of the store is one connected flow with three
    locations, each location's packet and byte counts those of the store's
    flow, per direction;
  - macroflows: per grouping, the totals are the sums over the connected
    flows, and each macroflow's "flows" query lists exactly its flows;
  - transactions: each service macroflow's transaction timing (ttfb,
    requests, DNS; avg_ttfb, tps, avg_dns by fields=) is the sum of its
    connected flows' last locations' location flows in the sensor stores;
  - CSV: the flow list as CSV has a header and one line per flow;
  - aggregates: `strata query ... --by K --fields F` (libstrata's processor)
    equals a recomputation from the plain rows; the API's fields= likewise
  - CLI: `strata query` lists sensors and flows as tables and JSON, shows a
    flow's path, writes its packets as pcapng, and exits 1 on an API error
    and 2 on a usage error;
  - drill-down: a flow's packets come from all three sensors, as many from
    each as its location counts, merged by time, and as pcapng that tshark
    reads with one interface per sensor; its microflows likewise; with one
    sensor down the answer is partial and names it;
  - restart: the central host stopped (SIGTERM) and then killed (SIGKILL)
    and started again loses nothing and counts nothing twice; the sensors
    reconnect and go on from where it says (none resends);
  - bad input: garbage, a truncated IPFIX message and a hello with a bad
    token on the collector port are refused, a sensor with a bad token is
    never listed, malformed API requests get 4xx with a JSON error, and the
    daemon keeps serving all along.

Then TLS (run_tls_checks), with a throwaway CA and certificates made by the
openssl command at the start:

  - config errors: a missing certificate, a key that is not the
    certificate's, a key without a certificate, TLS keys with tls = no, a
    missing CA on a sensor: stratad exits non-zero and says which;
  - a central host with mutual TLS is fed by three TLS sensors (one through
    a proxy that records the bytes: neither the token nor a sensor id
    crosses in clear), and the flows arrive as over plain TCP;
  - refused, never listed, and the central host goes on: a plain sensor
    (told "takes TLS only"), a sensor with the wrong CA and one checking
    another name (certificate verify failed), one without a client
    certificate (certificate required);
  - garbage, a half ClientHello and a whole one left hanging: refused or
    timed out in the central host's log while the sensors are served;
  - a plain session of a big capture, recorded and sent again over TLS in
    records that cut across its messages: every location flow is stored.
- A payload sent twice across a flow window's end (two pcaps written here, a
  sensor at each end 500 us apart): the next window's delay is the one
  payload both saw once, not a negative one between different copies.

Usage: central_check.py --strata build/strata --stratad build/stratad
                        --pcaps DIR --workdir DIR
"""
import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

# No __pycache__ in the source tree, also when run alone.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv_check import report  # noqa: E402
from store_check import json_stream  # noqa: E402

CAPTURE = "ntop_nDPI/tests/cfgs/default/pcap/netflix.pcap"
# Many flows in one window: IPFIX messages near 64 KiB, for the TLS replay.
CAPTURE_BIG = "ntop_nDPI/tests/cfgs/default/pcap/synscan.pcap"
TOKEN = "central-check-token"
SENSORS = ("client", "router", "server")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(api, path, args=None, **kw):
    """(status, headers, body) of GET path?args on the API at port api."""
    args = dict(args or {}, **kw)
    url = "http://127.0.0.1:%d%s" % (api, path)
    if args:
        url += "?" + urllib.parse.urlencode(args)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def cget(api, path, args=None, **kw):
    """The answer, whole: of a list, the container {"schema": ..., "rows": [...]}."""
    st, _, body = get(api, path, args, **kw)
    if st != 200:
        raise AssertionError("%s: %d %s" % (path, st, body[:200]))
    return json.loads(body)


def jget(api, path, args=None, **kw):
    """The answer; of a list, its rows."""
    d = cget(api, path, args, **kw)
    return d["rows"] if isinstance(d, dict) and "schema" in d and "rows" in d else d


def ratio(a, b):
    return a / b if b else None


def close(got, want):
    if want is None or got is None:
        return got is None and want is None
    return abs(got - want) <= 1e-9 * abs(want) + 1e-12


def recompute(rows, key, fields):
    """--by KEY --fields FIELDS by hand: sums per group, then the formulas."""
    groups = {}
    for r in rows:
        g = groups.setdefault(key(r), {"packets": 0, "bytes": 0, "lost": 0, "n": 0, "sum": 0,
                                       "tn": 0, "ts": 0,
                                       "from": r["window_start_ns"], "to": r["window_end_ns"]})
        g["packets"] += sum(fields["packets"](r))
        g["bytes"] += sum(fields["bytes"](r))
        g["lost"] += sum(fields["lost"](r))
        g["n"] += fields["rtt_n"](r)
        g["sum"] += fields["rtt_sum"](r)
        g["tn"] += r["txn"]["ttfb"]["n"]
        g["ts"] += r["txn"]["ttfb"]["sum"]
        g["from"] = min(g["from"], r["window_start_ns"])
        g["to"] = max(g["to"], r["window_end_ns"])
    out = {}
    for k, g in groups.items():
        secs = (g["to"] - g["from"]) / 1e9
        out[k] = {"packets": g["packets"], "avg_rtt_hs": ratio(g["sum"], g["n"]),
                  "pkt_rate": ratio(g["packets"], secs), "loss_ratio": ratio(g["lost"], g["packets"]),
                  "avg_pkt_size": ratio(g["bytes"], g["packets"]),
                  "avg_ttfb": ratio(g["ts"], g["tn"]), "tps": ratio(g["tn"], secs)}
    return out


def check_cli_aggregates(q, api):
    """`strata query ... --by ... --fields ...` against a recomputation from the plain rows."""
    bad = []
    want_fields = ["avg_rtt_hs", "pkt_rate", "loss_ratio", "avg_pkt_size", "avg_ttfb", "tps"]
    macro = {"packets": lambda r: r["packets"], "bytes": lambda r: r["bytes"],
             "lost": lambda r: r["lost"], "rtt_n": lambda r: r["rtt_handshake_ns"]["n"],
             "rtt_sum": lambda r: r["rtt_handshake_ns"]["sum"]}
    cflow = {"packets": lambda r: r["path"][0]["packets"], "bytes": lambda r: r["path"][0]["bytes"],
             "lost": lambda r: [x for h in r["path"] for x in h["lost"]],
             "rtt_n": lambda r: 0, "rtt_sum": lambda r: 0}
    cases = [
        (["macroflows", "--group", "client"], "client", lambda r: (r["key"]["addr"],), macro,
         want_fields),
        (["macroflows", "--group", "service"], "server,port", lambda r: (r["key"]["addr"],
                                                                         r["key"]["port"]),
         macro, want_fields),
        (["macroflows", "--group", "application"], "", lambda r: (), macro, want_fields),
        (["flows"], "server,proto", lambda r: (r["server"], r["proto"]), cflow,
         ["pkt_rate", "loss_ratio", "avg_pkt_size", "avg_ttfb", "tps"]),
    ]
    for args, by, key, fields, names in cases:
        path = "/api/v1/" + args[0]
        qargs = {"limit": 100000}
        if len(args) > 1:
            qargs["group"] = args[2]
        want = recompute(jget(api, path, qargs), key, fields)
        t = q("-j", *args, "--limit", "100000", "--by", by, "--fields", ",".join(names))
        if t.returncode:
            bad.append("%s --by %s: exit %d %r" % (" ".join(args), by, t.returncode, t.stderr[:200]))
            continue
        got = json.loads(t.stdout)
        if got["schema"].get("aggregated_by") != [b for b in by.split(",") if b]:
            bad.append("%s --by %s: aggregated_by %r" % (args[0], by, got["schema"].get("aggregated_by")))
        if len(got["rows"]) != len(want) or not want:
            bad.append("%s --by %s: %d rows, the plain rows make %d groups" % (
                " ".join(args), by, len(got["rows"]), len(want)))
        for row in got["rows"]:
            k = tuple(row[b] for b in by.split(",") if b)
            w = want.get(k)
            if w is None:
                bad.append("%s: group %r not in the plain rows" % (args[0], k))
                continue
            for f in names:
                if not close(row.get(f), w[f]):
                    bad.append("%s %r: %s %r, recomputed %r" % (args[0], k, f, row.get(f), w[f]))
        # The text table: a header, one line per group.
        t = q(*args, "--limit", "100000", "--by", by, "--fields", ",".join(names))
        lines = t.stdout.splitlines()
        if t.returncode or len(lines) != len(want) + 1 or names[0] not in lines[0]:
            bad.append("%s --by %s as text: exit %d, %d lines" % (args[0], by, t.returncode, len(lines)))
    for args, what in ((("macroflows", "--by", "nokey"), "'nokey' is not a key"),
                       (("macroflows", "--fields", "avg_bogus"), "'avg_bogus' is not a metric")):
        t = q(*args)
        if t.returncode != 2 or what not in t.stderr:
            bad.append("query %s: exit %d %r" % (" ".join(args), t.returncode, t.stderr[:120]))
    # The API computes the same when asked: fields=, and a 400 naming what exists.
    d = cget(api, "/api/v1/macroflows", limit=100000, fields="loss_ratio,avg_pkt_size")
    names = [f["name"] for f in d["schema"]["fields"]]
    if "loss_ratio" not in names or d["schema"]["type"] != "macroflows":
        bad.append("macroflows?fields=loss_ratio: schema %r" % names)
    for r in d["rows"]:
        if not close(r["loss_ratio"], ratio(sum(r["lost"]), sum(r["packets"]))):
            bad.append("macroflows?fields=loss_ratio: %r for %r" % (r["loss_ratio"], r["lost"]))
    st, _, body = get(api, "/api/v1/macroflows", fields="nonesuch")
    if st != 400 or b"derived ones here: " not in body:
        bad.append("macroflows?fields=nonesuch: %d %r" % (st, body[:100]))
    return bad


class Daemon:
    def __init__(self, stratad, args, log):
        self.log = log
        self.f = open(log, "ab")
        self.p = subprocess.Popen([stratad] + args + ["--stats-interval", "0"],
                                  stdout=self.f, stderr=subprocess.STDOUT)

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.f.close()
        return self.p.returncode

    def alive(self):
        return self.p.poll() is None

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")


def wait_for(what, cond, timeout=60):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        try:
            v = cond()
            if v:
                return v
        except (OSError, AssertionError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def store_flows(strata, store):
    out = subprocess.run([strata, "-j", "store", "flows", "--store", store],
                         capture_output=True, text=True, check=True).stdout
    return json_stream(out)


def conv_of(f):
    """The store's flow as the API writes a conversation (canonical order)."""
    def ep(a, p):
        return ("[%s]:%d" % (a, p)) if ":" in a else "%s:%d" % (a, p)
    proto = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}.get(f["proto"], str(f["proto"]))
    return "%s-%s/%s" % (ep(f["addr0"], f["port0"]), ep(f["addr1"], f["port1"]), proto)


def through_of(strata, store):
    out = subprocess.run([strata, "-j", "store", "info", "--store", store],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["flows_through"]


def raw_send(port, data, wait_close=True):
    """Sends bytes to the collector; returns what came back before it closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    got = b""
    if wait_close:
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += b
        except socket.timeout:
            got += b"<no close>"
    s.close()
    return got


def check_flows(api, flows, want_locations):
    """Every store flow is one connected flow with its counts at every location."""
    cflows = jget(api, "/api/v1/flows", limit=100000)
    by_conv = {}
    for c in cflows:
        for h in c["path"]:
            by_conv.setdefault((c["window_start_ns"], h["conversation"]), []).append((c, h))
    bad = []
    for f in flows:
        got = by_conv.get((f["window_start"], conv_of(f)), [])
        ids = {c["id"] for c, _ in got}
        if len(ids) != 1 or len(got) != want_locations:
            bad.append("%s: in %d connected flows, %d locations" % (conv_of(f), len(ids), len(got)))
            continue
        c, _ = got[0]
        if c["locations"] != want_locations:
            bad.append("%s: %d locations" % (conv_of(f), c["locations"]))
        # Client to server is the initiator's direction (dir0 when initiator 0).
        ini = f["initiator"] if f["initiator"] in (0, 1) else 0
        want_p = [f["dir%d" % ini]["packets"], f["dir%d" % (1 - ini)]["packets"]]
        want_b = [f["dir%d" % ini]["bytes"], f["dir%d" % (1 - ini)]["bytes"]]
        for _, h in got:
            if sorted(h["packets"]) != sorted(want_p) or sorted(h["bytes"]) != sorted(want_b):
                bad.append("%s at %s: packets %s bytes %s, the store says %s %s" % (
                    conv_of(f), h["sensor"], h["packets"], h["bytes"], want_p, want_b))
    if len(cflows) != len(flows):
        bad.append("%d connected flows for %d location flows per sensor" % (len(cflows), len(flows)))
    return cflows, bad


def check_macroflows(api, cflows):
    bad = []
    for group in ("service", "client", "application"):
        ms = jget(api, "/api/v1/macroflows", group=group, limit=100000)
        if sum(m["connected_flows"] for m in ms) != len(cflows):
            bad.append("%s: %d connected flows in macroflows, %d in all" % (
                group, sum(m["connected_flows"] for m in ms), len(cflows)))
        for m in ms:
            path, _, query = m["flows"].partition("?")
            args = dict(urllib.parse.parse_qsl(query))
            args["limit"] = 100000
            fl = jget(api, path, args)
            if len(fl) != m["connected_flows"]:
                bad.append("%s %s: its flows query gives %d, it counts %d" % (
                    group, m["key"], len(fl), m["connected_flows"]))
            pk = [sum(c["path"][0]["packets"][d] for c in fl) for d in (0, 1)]
            if pk != m["packets"]:
                bad.append("%s %s: packets %s, its flows sum to %s" % (group, m["key"], m["packets"], pk))
    return bad


def check_drill_schema(c, d, kind, must):
    """A drill-down answer is a container: its type, the path's sensors with
    their clocks, the flow window, and the fields of the rows."""
    s = d.get("schema", {})
    names = {f["name"] for f in s.get("fields", [])}
    ids = [x["id"] for x in s.get("sensors", [])]
    bad = []
    if s.get("type") != kind or s.get("level") != kind[:-1]:
        bad.append("%s %s: schema type %r level %r" % (c["id"], kind, s.get("type"), s.get("level")))
    if sorted(ids) != sorted(SENSORS) or any("clock" not in x for x in s["sensors"]):
        bad.append("%s %s: schema sensors %s" % (c["id"], kind, s.get("sensors")))
    if s.get("interval", {}).get("from_ns") != c["window_start_ns"]:
        bad.append("%s %s: interval %s" % (c["id"], kind, s.get("interval")))
    missing = (must | {"location", "hop"}) - names
    if missing:
        bad.append("%s %s: the schema lacks %s" % (c["id"], kind, sorted(missing)))
    return bad


def check_txn(api, flows):
    """Each service's transaction timing is that of its flows' last locations in the stores."""
    bad = []
    txn = {(f["window_start"], conv_of(f)): f["txn"] for f in flows}
    timed = 0
    d = cget(api, "/api/v1/macroflows", group="service", limit=100000,
             fields="avg_ttfb,tps,avg_dns")
    for m in d["rows"]:
        path, _, query = m["flows"].partition("?")
        args = dict(urllib.parse.parse_qsl(query))
        args["limit"] = 100000
        want = {"n": 0, "sum": 0, "requests": 0, "dns_n": 0, "dns_sum": 0, "queries": 0,
                "min": None, "max": 0}
        for c in jget(api, path, args):
            h = c["path"][-1]
            for conv in h["conversations"]:
                t = txn.get((c["window_start_ns"], conv))
                if t is None:
                    bad.append("%s: no store flow %s" % (c["id"], conv))
                    continue
                want["n"] += t["ttfb"]["n"]
                want["sum"] += t["ttfb"]["sum"]
                if t["ttfb"]["n"]:
                    want["min"] = t["ttfb"]["min"] if want["min"] is None else \
                        min(want["min"], t["ttfb"]["min"])
                    want["max"] = max(want["max"], t["ttfb"]["max"])
                want["requests"] += t["requests"]
                want["dns_n"] += t["dns"]["n"]
                want["dns_sum"] += t["dns"]["sum"]
                want["queries"] += t["dns_queries"]
        got = m["txn"]
        g = {"n": got["ttfb"]["n"], "sum": got["ttfb"]["sum"], "requests": got["requests"],
             "dns_n": got["dns"]["n"], "dns_sum": got["dns"]["sum"],
             "queries": got["dns_queries"], "min": got["ttfb"]["min"] if got["ttfb"]["n"] else None,
             "max": got["ttfb"]["max"]}
        if g != want:
            bad.append("%s: txn %r, its flows' last locations %r" % (m["key"], g, want))
        secs = (m["window_end_ns"] - m["window_start_ns"]) / 1e9
        if not close(m.get("avg_ttfb"), ratio(want["sum"], want["n"])) or \
                not close(m.get("tps"), ratio(want["n"], secs)) or \
                not close(m.get("avg_dns"), ratio(want["dns_sum"], want["dns_n"])):
            bad.append("%s: avg_ttfb %r tps %r avg_dns %r" % (m["key"], m.get("avg_ttfb"),
                                                               m.get("tps"), m.get("avg_dns")))
        timed += want["n"] > 0
    if not timed:
        bad.append("no service had a timed transaction: nothing was checked")
    return bad, timed


def make_pki(d):
    """A CA, another CA, the central's certificate (IP 127.0.0.1 and DNS
    central.test), a sensor's client certificate and a stray key, in @d."""
    def ossl(*args):
        r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, cwd=d)
        if r.returncode:
            raise AssertionError("openssl %s: %s" % (args[0], r.stderr.strip()[-300:]))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for name, cn in (("ca", "strata check CA"), ("other-ca", "another CA")):
        ossl("req", "-x509", *ec, "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
             "-subj", "/CN=" + cn, "-config", "/dev/null",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, cn, ext in (
            ("central", "central.test",
             "subjectAltName=IP:127.0.0.1,DNS:central.test\nextendedKeyUsage=serverAuth\n"),
            ("sensor", "strata sensor", "extendedKeyUsage=clientAuth\n")):
        ossl("req", "-new", *ec, "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", "/CN=" + cn, "-config", "/dev/null")
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        ossl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
             "-out", name + ".pem", "-extfile", name + ".ext")
    ossl("genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", "stray.key")
    return {n: os.path.join(d, n) for n in ("ca.pem", "other-ca.pem", "central.pem",
                                             "central.key", "sensor.pem", "sensor.key",
                                             "stray.key")}


class Recorder:
    """A TCP proxy to @port that keeps every byte it passes: both ways in
    seen, the client's in sent."""
    def __init__(self, port):
        self.up = port
        self.seen = bytearray()
        self.sent = bytearray()
        self.lock = threading.Lock()
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                a, _ = self.ls.accept()
                b = socket.create_connection(("127.0.0.1", self.up), timeout=10)
            except OSError:
                return
            for x, y, up in ((a, b, True), (b, a, False)):
                threading.Thread(target=self.pump, args=(x, y, up), daemon=True).start()

    def pump(self, x, y, up):
        try:
            x.settimeout(None)
            while True:
                data = x.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.seen += data
                    if up:
                        self.sent += data
                y.sendall(data)
        except OSError:
            pass
        for z in (x, y):
            try:
                z.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.ls.close()


def client_hello():
    """The bytes of a real TLS ClientHello (Python's ssl module, no socket)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="central.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def tls_replay(strata, stratad, pcaps, pki, d, collect, api):
    """A plain sensor's bytes, recorded, sent again over TLS by Python's ssl
    module in one write: its 16 KiB records do not follow the IPFIX messages
    (a sensor's do), so the central host's reads stop inside records and
    it must read what OpenSSL holds beyond what poll() sees. Returns what
    is wrong, or None.

    It cannot catch a central host that leaves those bytes until more come:
    the last record is never read in part here (the last message is under
    48 KiB), and every earlier one is followed by more bytes."""
    store = os.path.join(d, "store-big")
    subprocess.run([strata, "analyze", os.path.join(pcaps, CAPTURE_BIG), "--store", store],
                   check=True, stdout=subprocess.DEVNULL)
    nflows = len(store_flows(strata, store))
    pcollect, papi = free_port(), free_port()
    plain = Daemon(stratad, ["--role", "central", "--store", os.path.join(d, "plain-central"),
                             "--collect", "127.0.0.1:%d" % pcollect, "--listen",
                             "127.0.0.1:%d" % papi, "--token", TOKEN, "--budget", "64M"],
                   os.path.join(d, "plain-central.log"))
    rec = Recorder(pcollect)
    procs = [plain]
    try:
        wait_for("the plain central API", lambda: jget(papi, "/api/v1/info"))
        procs.append(Daemon(stratad, ["--role", "sensor", "--capture", "no", "--store", store,
                                      "--central", "127.0.0.1:%d" % rec.port, "--token", TOKEN,
                                      "--sensor-id", "replay", "--listen", "off"],
                            os.path.join(d, "sensor-replay-plain.log")))
        wait_for("the recorded sensor", lambda: [x for x in jget(papi, "/api/v1/sensors")
                                                 if x["location_flows"] == nflows])
    finally:
        for p in procs:
            p.stop()
        rec.close()
    with rec.lock:
        sent = bytes(rec.sent)
    ctx = ssl.create_default_context(cafile=pki["ca.pem"])
    ctx.load_cert_chain(pki["sensor.pem"], pki["sensor.key"])
    t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", collect), timeout=20),
                        server_hostname="127.0.0.1")
    # The acks are not read: the socket buffers hold them.
    t.sendall(sent)
    try:
        wait_for("the replay's flows", lambda: [x for x in jget(api, "/api/v1/sensors")
                                               if x["id"] == "replay" and
                                               x["location_flows"] == nflows], 20)
    except AssertionError:
        got = [x["location_flows"] for x in jget(api, "/api/v1/sensors") if x["id"] == "replay"]
        return "%d bytes replayed over TLS, %s of %d location flows stored" % (
            len(sent), got or "none", nflows)
    finally:
        t.close()
    return None


def run_tls_checks(strata, stratad, pcaps, stores, flows, through, workdir, log=print):
    res = []
    log("central: TLS between sensors and a central stratad (certificates by openssl)")
    if not shutil.which("openssl"):
        return [(False, "central.tls", "openssl not found (Debian package openssl; "
                 "scripts/deps.sh check installs it)")]
    d = os.path.join(workdir, "tls")
    os.makedirs(d)
    try:
        pki = make_pki(d)
    except AssertionError as e:
        return [(False, "central.tls", str(e))]

    # Configurations that cannot work: refused at the start, saying which.
    missing = os.path.join(d, "nope.pem")
    cstore = os.path.join(d, "central")
    central_base = ["--role", "central", "--store", cstore, "--listen", "off", "--collect",
                    "127.0.0.1:0", "--budget", "64M", "--stats-interval", "0"]
    sensor_base = ["--role", "sensor", "--capture", "no", "--store", stores["client"],
                   "--listen", "off", "--central", "127.0.0.1:9", "--stats-interval", "0"]
    bad = []
    for what, args, want in (
            ("missing tls-cert", central_base + ["--tls", "yes", "--tls-cert", missing],
             "tls-cert %s: No such file or directory" % missing),
            ("tls = yes without tls-cert", central_base + ["--tls", "yes"],
             "needs tls-cert"),
            ("a key not the certificate's", central_base + [
                "--tls", "yes", "--tls-cert", pki["central.pem"], "--tls-key", pki["stray.key"]],
             "is not the key of tls-cert"),
            ("tls-key without tls-cert", central_base + [
                "--tls", "yes", "--tls-key", pki["central.key"]], "tls-key is set without tls-cert"),
            ("tls-cert with tls = no", central_base + ["--tls-cert", pki["central.pem"]],
             "tls-cert is set but tls = no"),
            ("a certificate without its key", central_base + [
                "--tls", "yes", "--tls-cert", pki["central.pem"]], "no unencrypted PEM private key"),
            ("a sensor's missing tls-ca", sensor_base + ["--tls", "yes", "--tls-ca", missing],
             "tls-ca %s: No such file or directory" % missing)):
        try:
            r = subprocess.run([stratad] + args, capture_output=True, text=True, timeout=20)
            rc, out = r.returncode, r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            rc, out = None, "still running after 20 s"
        if rc in (0, None) or want not in out:
            bad.append("%s: exit %s, %r" % (what, rc, out.strip()[-200:]))
    res.append((not bad and not os.path.exists(cstore), "central.tls_config",
                "; ".join(bad[:3]) if bad else "7 bad TLS configurations refused at the "
                "start, exit 1, each named"))

    collect, api = free_port(), free_port()
    central_args = ["--role", "central", "--store", cstore, "--collect",
                    "127.0.0.1:%d" % collect, "--listen", "127.0.0.1:%d" % api,
                    "--token", TOKEN, "--budget", "64M", "--tls", "yes",
                    "--tls-cert", pki["central.pem"], "--tls-key", pki["central.key"],
                    "--tls-ca", pki["ca.pem"]]
    central = Daemon(stratad, central_args, os.path.join(d, "central.log"))
    procs = [central]
    rec = Recorder(collect)
    hangers = []
    logs = {}

    def sensor(name, port=None, store=None, tls=("--tls-ca", "ca.pem", "--tls-cert",
                                                  "sensor.pem", "--tls-key", "sensor.key")):
        args = ["--role", "sensor", "--capture", "no", "--store", store or stores["client"],
                "--central", "127.0.0.1:%d" % (port or collect), "--token", TOKEN,
                "--sensor-id", name, "--listen", "off"]
        if tls:
            args += ["--tls", "yes"] + [pki.get(a, a) for a in tls]
        logs[name] = os.path.join(d, "sensor-%s.log" % name)
        procs.append(Daemon(stratad, args, logs[name]))
        return procs[-1]

    try:
        wait_for("the TLS central API", lambda: jget(api, "/api/v1/info"))
        # Peers that stall in the handshake, open while the sensors are served.
        hello = client_hello()
        for part in (hello[:len(hello) // 2], hello):
            h = socket.create_connection(("127.0.0.1", collect), timeout=10)
            h.sendall(part)
            hangers.append(h)
        t_hang = time.monotonic()
        sensor("client", store=stores["client"])
        sensor("router", store=stores["router"],
               tls=("--tls-ca", "ca.pem", "--tls-cert", "sensor.pem", "--tls-key", "sensor.key",
                    "--tls-name", "central.test"))
        sensor("server", port=rec.port, store=stores["server"])
        sensor("plain", tls=())
        sensor("wrongca", tls=("--tls-ca", "other-ca.pem", "--tls-cert", "sensor.pem",
                               "--tls-key", "sensor.key"))
        sensor("wrongname", tls=("--tls-ca", "ca.pem", "--tls-cert", "sensor.pem",
                                 "--tls-key", "sensor.key", "--tls-name", "other.test"))
        sensor("nocert", tls=("--tls-ca", "ca.pem"))

        def delivered():
            ss = jget(api, "/api/v1/sensors")
            done = [x for x in ss if x["through_ns"] >= through and x["id"] in SENSORS]
            return len(done) == 3 and jget(api, "/api/v1/info")["windows_to_stitch"] == 0
        wait_for("three TLS sensors' flow windows", delivered)
        served_in = time.monotonic() - t_hang
        # Served while both hangers still held their handshakes open.
        served_first = "not finished in 10 s" not in central.text()
        ss = {x["id"]: x for x in jget(api, "/api/v1/sensors")}
        cflows, bad = check_flows(api, flows, 3)
        if set(ss) != set(SENSORS):
            bad.insert(0, "listed: %s" % sorted(ss))
        res.append((not bad, "central.tls_flows", "; ".join(bad[:5]) if bad else
                    "%d connected flows, 3 locations each, counts as in the stores; "
                    "only the 3 TLS sensors listed" % len(cflows)))

        def text(name):
            with open(logs[name], "rb") as f:
                return f.read().decode(errors="replace")
        ok = [n for n in SENSORS if "over TLSv1.3" in text(n)]
        with rec.lock:
            seen = bytes(rec.seen)
        leaked = [w for w in (TOKEN.encode(), b"server") if w in seen]
        res.append((len(ok) == 3 and len(seen) > 10000 and seen[:2] == b"\x16\x03" and
                    not leaked, "central.tls_clear",
                    "TLSv1.3 for %s; %d bytes through the proxy, %s in clear" % (
                        ok, len(seen), leaked or "neither the token nor the sensor id")))

        # Each refusal says why, on both sides, and is retried.
        def both(name, sensor_says, central_says):
            return wait_for("%s's refusal" % name, lambda: sensor_says in text(name) and
                            central_says in central.text(), 30)
        bad = []
        for name, sensor_says, central_says in (
                ("plain", "central refused the hello: this collector takes TLS only",
                 "refused: this collector takes TLS only"),
                ("wrongca", "certificate verify failed: self-signed certificate in certificate chain",
                 "TLS handshake failed: tlsv1 alert unknown ca"),
                ("wrongname", "certificate verify failed: hostname mismatch",
                 "TLS handshake failed: sslv3 alert bad certificate"),
                ("nocert", "TLS: tlsv13 alert certificate required",
                 "TLS handshake failed: peer did not return a certificate")):
            try:
                both(name, sensor_says, central_says)
            except AssertionError:
                bad.append("%s: sensor log %r" % (name, text(name).strip().split("\n")[-1][-150:]))
        res.append((not bad and central.alive(), "central.tls_refused", "; ".join(bad) if bad else
                    "plain, wrong CA, wrong name, no client certificate: refused, said why on "
                    "both sides, never listed"))

        # Garbage, a plain IPFIX cut short, then the hanging handshakes time out.
        def refused(data):
            """The central closes on @data: a reset, as it leaves bytes unread, or an end."""
            try:
                return raw_send(collect, data)
            except ConnectionResetError:
                return b""
        got = refused(b"GET / HTTP/1.0\r\n\r\n" + os.urandom(300))
        got2 = refused(os.urandom(2000))
        wait_for("the handshake time limit", lambda: central.text().count(
            "TLS handshake failed: not finished in 10 s") >= 2, 30)
        closed = 0
        for h in hangers:
            try:
                h.settimeout(5)
                while h.recv(65536):
                    pass
                closed += 1
            except OSError:
                closed += 1
        info = jget(api, "/api/v1/info")
        res.append((central.alive() and b"<no close>" not in got + got2 and closed == 2 and
                    info["sensors"] == 3 and served_first and
                    "TLS handshake failed: http request" in central.text(),
                    "central.tls_garbage", "HTTP, random bytes refused; a half and a whole "
                    "ClientHello left hanging closed after 10 s, the sensors served meanwhile "
                    "(in %.1f s)" % served_in))
        why = tls_replay(strata, stratad, pcaps, pki, d, collect, api)
        res.append((not why and central.alive(), "central.tls_records",
                    why or "a plain session with messages near 64 KiB, sent again in TLS "
                    "records that cut across them: every location flow stored"))
        rc = central.stop()
        res.append((rc == 0 and "TLS handshakes failed" in central.text(), "central.tls_stop",
                    "exit %s; the counters count the failed handshakes" % rc))
    except (AssertionError, OSError, subprocess.CalledProcessError, ValueError, KeyError) as e:
        res.append((False, "central.tls", "%s (logs in %s)" % (e, d)))
    finally:
        for h in hangers:
            h.close()
        rec.close()
        for p in procs:
            p.stop()
    return res


# ---- a payload sent twice across a window's end ----

def ip_sum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def tcp_packet(ttl, seq, payload):
    """Ethernet, IPv4, TCP (PSH|ACK) from 10.0.0.1:40000 to 10.0.0.2:80."""
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, ttl, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", ip_sum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp + payload


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t_us, data in pkts:
            f.write(struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(data), len(data)))
            f.write(data)


def run_dup_check(strata, stratad, workdir, log=print):
    """
    A client sends three segments just before a minute (a flow window) ends
    and sends them again later in the next one; a sensor at the client and
    one at the server, 500 us further and one hop on, see them all. At the
    server the first copies fall in the next window too, so there each
    payload is seen twice in that window, at the client once: the copies the
    two would time are not the same. The next window's connected flow must
    show the delay of the payload both saw once (500 us), not a negative one
    between different copies.
    """
    log("central: a payload sent twice across a flow window's end, at two sensors")
    d = os.path.join(workdir, "dup")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    t = 1700000040 * 1000000  # a minute's start, us
    segs = [(1000 + 100 * i, bytes([65 + i]) * 100) for i in range(3)]
    unique = (1300, b"U" * 100)
    at = {"client": (64, 0), "server": (63, 500)}
    stores = {}
    for name, (ttl, lag) in at.items():
        pkts = [(t - 400 + 100 * i + lag, tcp_packet(ttl, *segs[i])) for i in range(3)]
        pkts += [(t + 400000 + 100000 * i + lag, tcp_packet(ttl, *segs[i])) for i in range(3)]
        pkts.append((t + 1000000 + lag, tcp_packet(ttl, *unique)))
        cap = os.path.join(d, name + ".pcap")
        write_pcap(cap, sorted(pkts))
        stores[name] = os.path.join(d, "store-" + name)
        subprocess.run([strata, "analyze", cap, "--store", stores[name]], check=True,
                       stdout=subprocess.DEVNULL)
    collect, api = free_port(), free_port()
    procs = [Daemon(stratad, ["--role", "central", "--store", os.path.join(d, "central"),
                              "--collect", "127.0.0.1:%d" % collect, "--listen",
                              "127.0.0.1:%d" % api, "--token", TOKEN, "--budget", "64M"],
                    os.path.join(d, "central.log"))]
    try:
        wait_for("the central API", lambda: jget(api, "/api/v1/info"))
        for name in at:
            port = free_port()
            procs.append(Daemon(stratad, ["--role", "sensor", "--capture", "no", "--store",
                                          stores[name], "--central", "127.0.0.1:%d" % collect,
                                          "--token", TOKEN, "--sensor-id", name, "--listen",
                                          "127.0.0.1:%d" % port, "--api-url",
                                          "http://127.0.0.1:%d" % port],
                                os.path.join(d, "sensor-%s.log" % name)))

        def stitched():
            fl = jget(api, "/api/v1/flows", {"from": str(t // 1000000), "limit": "10"})
            fl = [f for f in fl if f["window_start_ns"] == t * 1000 and f["locations"] == 2]
            return fl and jget(api, "/api/v1/info")["windows_to_stitch"] == 0 and fl
        fl = wait_for("the next window's connected flow at both sensors", stitched)
        c = jget(api, "/api/v1/flows/" + fl[0]["id"])[0]
        hop = c["path"][1]
        ok = ([h["sensor"] for h in c["path"]] == ["client", "server"]
              and hop["delay_ns"][0] == 500000 and hop["delay_samples"][0] == 1)
        return [(ok, "central.dup_payload", "client > server, delay %s ns from %s sample(s)"
                 " (want 500000 from the one payload sent once)"
                 % (hop["delay_ns"][0], hop["delay_samples"][0]))]
    except (AssertionError, OSError, subprocess.CalledProcessError, ValueError, KeyError,
            IndexError) as e:
        return [(False, "central.dup_payload", "%s (logs in %s)" % (e, d))]
    finally:
        for p in procs:
            p.stop()


def run_checks(strata, stratad, pcaps, workdir, log=print):
    res = []
    log("central: three sensors serving stores of %s feed a central stratad" % CAPTURE)
    cap = os.path.join(pcaps, CAPTURE)
    if not os.path.isfile(cap):
        return [(False, "central", "%s: missing" % cap)]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    stores = {}
    for s in SENSORS:
        stores[s] = os.path.join(workdir, "store-" + s)
        subprocess.run([strata, "analyze", cap, "--store", stores[s]], check=True,
                       stdout=subprocess.DEVNULL)
    flows = store_flows(strata, stores["client"])
    through = through_of(strata, stores["client"])
    cstore = os.path.join(workdir, "central")
    collect, api = free_port(), free_port()
    central_args = ["--role", "central", "--store", cstore, "--collect",
                    "127.0.0.1:%d" % collect, "--listen", "127.0.0.1:%d" % api,
                    "--token", TOKEN, "--budget", "64M"]
    central = Daemon(stratad, central_args, os.path.join(workdir, "central.log"))
    sensors = []
    procs = [central]

    def start_sensor(name, token=TOKEN):
        port = free_port()
        d = Daemon(stratad, ["--role", "sensor", "--capture", "no", "--store",
                             stores.get(name, stores["client"]), "--central",
                             "127.0.0.1:%d" % collect, "--token", token, "--sensor-id", name,
                             "--listen", "127.0.0.1:%d" % port,
                             "--api-url", "http://127.0.0.1:%d" % port],
                   os.path.join(workdir, "sensor-%s.log" % name))
        procs.append(d)
        return d

    try:
        wait_for("the central API", lambda: jget(api, "/api/v1/info"))
        for s in SENSORS:
            sensors.append(start_sensor(s))
        intruder = start_sensor("intruder", token="wrong")

        def delivered():
            ss = jget(api, "/api/v1/sensors")
            done = [x for x in ss if x["through_ns"] >= through]
            return len(done) == 3 and jget(api, "/api/v1/info")["windows_to_stitch"] == 0
        wait_for("three sensors' flow windows", delivered)
        ss = {x["id"]: x for x in jget(api, "/api/v1/sensors")}
        res.append((set(ss) == set(SENSORS) and all(
            ss[s]["version"] and ss[s]["api_url"].startswith("http://127.0.0.1:")
            and ss[s]["location_flows"] == len(flows) and ss[s]["resent"] == 0
            for s in SENSORS), "central.sensors",
            "%d sensors, %d location flows each" % (len(ss), len(flows))
            if set(ss) == set(SENSORS) else "listed: %s" % sorted(ss)))
        res.append(("refused: bad token" in central.text() and "intruder" not in ss,
                    "central.token", "a sensor with a bad token is refused and not listed"))

        cflows, bad = check_flows(api, flows, 3)
        res.append((not bad, "central.flows", "; ".join(bad[:5]) if bad else
                    "%d connected flows, 3 locations each, counts as in the stores" % len(cflows)))
        bad = check_macroflows(api, cflows)
        res.append((not bad, "central.macroflows", "; ".join(bad[:5]) if bad else
                    "every grouping sums to its flows; each macroflow's flows query lists them"))
        bad, timed = check_txn(api, flows)
        res.append((not bad, "central.txn", "; ".join(bad[:3]) if bad else
                    "%d services' transaction timing (ttfb, requests, dns; avg_ttfb, tps, "
                    "avg_dns) is their flows' last locations' in the stores" % timed))
        st, hdr, body = get(api, "/api/v1/flows", format="csv", limit=100000)
        lines = body.decode().split("\r\n")
        ok = (st == 200 and hdr.get("Content-Type", "").startswith("text/csv")
              and lines[0].startswith("id,") and len(lines) == len(cflows) + 2 and lines[-1] == "")
        res.append((ok, "central.csv", "%d lines for %d flows" % (len(lines), len(cflows))))

        # Drill-down: every location's packets, merged by time; as pcapng too.
        bad = []
        sample = sorted(cflows, key=lambda c: -sum(c["path"][0]["packets"]))[:10]
        for c in sample:
            d = cget(api, "/api/v1/flows/%s/packets" % c["id"])
            want = [sum(h["packets"]) for h in c["path"]]
            got = [x["records"] for x in d["locations"]]
            ts = [p["ts_ns"] for p in d["rows"]]
            if got != want or any(x["status"] != "ok" for x in d["locations"]) or \
                    ts != sorted(ts) or len(ts) != sum(want):
                bad.append("%s: %s packets per location, want %s" % (c["id"], got, want))
            bad += check_drill_schema(c, d, "packets", {"ts_ns", "saddr", "bytes", "data"})
            m = cget(api, "/api/v1/flows/%s/microflows" % c["id"])
            if {x["location"] for x in m["rows"]} != set(SENSORS):
                bad.append("%s: microflows from %s" % (c["id"], {x["location"] for x in m["rows"]}))
            bad += check_drill_schema(c, m, "microflows", {"window", "packets", "rtt_hs_sum"})
            st, hdr, body = get(api, "/api/v1/flows/%s/packets" % c["id"], format="pcapng")
            pf = os.path.join(workdir, "drill.pcapng")
            with open(pf, "wb") as f:
                f.write(body)
            out = subprocess.run(["tshark", "-r", pf, "-T", "fields", "-e", "frame.interface_name"],
                                 capture_output=True, text=True)
            names = out.stdout.split()
            if st != 200 or out.returncode or len(names) != sum(want) or \
                    [names.count(s) for s in SENSORS] != want:
                bad.append("%s: pcapng %d, tshark read %d frames %s (%s)" % (
                    c["id"], st, len(names), {n: names.count(n) for n in set(names)},
                    out.stderr.strip()[:100]))
        res.append((not bad, "central.drilldown", "; ".join(bad[:3]) if bad else
                    "%d flows: packets and microflows of 3 locations, merged by time; "
                    "pcapng read by tshark with one interface per location" % len(sample)))

        # The CLI over the same API: tables, -j, a pcapng file, exit codes.
        central_url = "http://127.0.0.1:%d" % api

        def q(*args):
            """`strata [-j] query ARGS --central URL`: -j first when given."""
            pre = ["-j"] if args[0] == "-j" else []
            rest = list(args[1:] if pre else args)
            return subprocess.run([strata] + pre + ["query"] + rest + ["--central", central_url],
                                  capture_output=True, text=True)
        bad = []
        t = q("sensors")
        if t.returncode or not all(s in t.stdout for s in SENSORS):
            bad.append("query sensors: %d %r" % (t.returncode, t.stdout[:100] + t.stderr[:100]))
        # --central before the object, as make demo prints it.
        t = subprocess.run([strata, "query", "--central", central_url, "sensors"],
                           capture_output=True, text=True)
        if t.returncode or not all(s in t.stdout for s in SENSORS):
            bad.append("query --central URL sensors: %d %r" % (t.returncode, t.stderr[:100]))
        j = q("-j", "flows", "--limit", "100000")
        if j.returncode or len(json.loads(j.stdout or "{}").get("rows", [])) != len(cflows):
            bad.append("query -j flows: %d, %r" % (j.returncode, j.stderr[:100]))
        c = sample[0]
        t = q("flows", c["id"])
        if t.returncode or sum(s in t.stdout for s in SENSORS) != 3:
            bad.append("query flows ID: %d %r" % (t.returncode, t.stdout[:200]))
        pf = os.path.join(workdir, "cli.pcapng")
        t = q("packets", c["id"], "-w", pf)
        n = subprocess.run(["tshark", "-r", pf], capture_output=True, text=True).stdout.count("\n") \
            if not t.returncode else -1
        if n != sum(sum(h["packets"]) for h in c["path"]):
            bad.append("query packets -w: %d, tshark read %d frames" % (t.returncode, n))
        # The drill-down tables: a line a packet, a microflow of each location.
        t = q("packets", c["id"])
        if t.returncode or len(t.stdout.splitlines()) != 1 + sum(sum(h["packets"]) for h in c["path"]):
            bad.append("query packets ID: %d, %d lines" % (t.returncode, len(t.stdout.splitlines())))
        t = q("microflows", c["id"])
        if t.returncode or not all(s in t.stdout for s in SENSORS):
            bad.append("query microflows ID: %d %r" % (t.returncode, t.stdout[:200]))
        # A drill-down answer is a container too: its packets by location.
        t = q("-j", "packets", c["id"], "--by", "location", "--fields", "packets,bytes,avg_pkt_size")
        rows = json.loads(t.stdout).get("rows", []) if not t.returncode else []
        got = {r["location"]: (r["packets"], r["bytes"]) for r in rows}
        want = {h["sensor"]: (sum(h["packets"]), sum(h["bytes"])) for h in c["path"]}
        if got != want or any(r["avg_pkt_size"] != r["bytes"] / r["packets"] for r in rows):
            bad.append("query packets ID --by location: %s, want %s (%r)" % (got, want, t.stderr[:100]))
        for args, want in ((("flows", "1-x"), 1), (("bogus",), 2),
                           (("macroflows", "--group", "nope"), 1)):
            t = q(*args)
            if t.returncode != want or "strata: query" not in t.stderr:
                bad.append("query %s: exit %d, want %d (%r)" % (" ".join(args), t.returncode,
                                                                want, t.stderr[:80]))
        res.append((not bad, "central.cli", "; ".join(bad[:3]) if bad else
                    "strata query sensors/flows/packets: tables, -j, pcapng, exit codes"))
        bad = check_cli_aggregates(q, api)
        res.append((not bad, "central.aggregates", "; ".join(bad[:3]) if bad else
                    "strata query macroflows/flows --by --fields equal a recomputation "
                    "from the plain rows; fields= and its 400"))

        # A sensor down: a partial answer that says which location is missing.
        sensors[1].stop()
        c = sample[0]
        st, hdr, body = get(api, "/api/v1/flows/%s/packets" % c["id"])
        d = json.loads(body) if st == 200 else {}
        miss = [x["sensor"] for x in d.get("locations", []) if x["status"] == "missing"]
        res.append((st == 200 and miss == ["router"] and hdr.get("Strata-Partial") == "router"
                    and len(d["rows"]) == sum(c["path"][0]["packets"]) * 2,
                    "central.partial", "router down: %d, missing %s, Strata-Partial %r" % (
                        st, miss, hdr.get("Strata-Partial"))))
        sensors[1] = start_sensor("router")

        # Bad input on the collector port: refused, and the daemon goes on.
        got = raw_send(collect, b"GET / HTTP/1.0\r\n\r\n" + os.urandom(300))
        trunc = struct.pack(">HHIII", 10, 400, 0, 0, 0) + os.urandom(50)
        got2 = raw_send(collect, trunc, wait_close=False)
        res.append((central.alive() and b"<no close>" not in got and
                    jget(api, "/api/v1/info")["sensors"] == 3 and got2 == b"",
                    "central.garbage", "garbage and a cut message on the collector port: "
                    "refused, the API still answers"))
        bad = []
        for path, args, want in (("/api/v1/nothing", {}, 404), ("/api/v1/flows", {"from": "x"}, 400),
                                 ("/api/v1/flows/abc", {}, 400), ("/api/v1/flows/1-1", {}, 404),
                                 ("/api/v1/macroflows", {"group": "x"}, 400),
                                 ("/api/v1/sensors", {"bogus": "1"}, 400)):
            st, _, body = get(api, path, args)
            try:
                msg = json.loads(body)["error"]
            except (ValueError, KeyError):
                msg = None
            if st != want or not msg:
                bad.append("%s %s: %d %r" % (path, args, st, body[:80]))
        res.append((not bad and central.alive(), "central.api_errors",
                    "; ".join(bad) if bad else "malformed requests get 4xx and a JSON error"))

        # Restart: SIGTERM, then SIGKILL; nothing lost, nothing twice.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            central.stop(sig)
            central = Daemon(stratad, central_args, os.path.join(workdir, "central.log"))
            procs.append(central)
            wait_for("the central API again", lambda: jget(api, "/api/v1/info"))
            wait_for("the sensors to reconnect", lambda: central.text().count(
                "stored through %d" % through) >= 3 * (2 if sig == signal.SIGKILL else 1), 40)
            cflows2, bad = check_flows(api, flows, 3)
            ss = jget(api, "/api/v1/sensors")
            resent = sum(x["resent"] for x in ss)
            res.append((not bad and resent == 0, "central.restart_%s" % sig.name,
                        "; ".join(bad[:3]) if bad else "%d connected flows as before, %d resent"
                        % (len(cflows2), resent)))
    except (AssertionError, OSError, subprocess.CalledProcessError, ValueError, KeyError) as e:
        res.append((False, "central", "%s (logs in %s)" % (e, workdir)))
    finally:
        for p in procs:
            p.stop()
    res += run_tls_checks(strata, stratad, pcaps, stores, flows, through, workdir, log=log)
    res += run_dup_check(strata, stratad, workdir, log=log)
    return res


def standalone(run):
    """main() of a check of the daemons run alone: its arguments, its report."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--stratad", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    return report(run(a.strata, a.stratad, a.pcaps, a.workdir))


if __name__ == "__main__":
    sys.exit(standalone(run_checks))
