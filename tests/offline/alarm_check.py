# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Alarms from real ingest (no VM): a sensor serving a store made from a
# capture feeds a central stratad with an alarm rule; what the alarm API and
# `strata alarm` say is checked against the central host's own macroflows.
"""A store is made from a capture (`strata analyze --store`) and served by
`stratad --role sensor --capture no` to a `stratad --role central` with
1-minute macroflow windows, alarm-wait 0 and the rule

    big service bytes above THRESHOLD

Then:

  - alarms: the alarms the central host lists are exactly those a
    replay of the rule over its own macroflows gives (per service: raised
    in the first window above the threshold, cleared in the first window
    at or below it, a window without the service counting as 0 bytes where
    other traffic was seen), each with its first value and its peak;
  - container: the list is a container (schema type "alarms", keys and
    fundamentals with units), alarms/ID one of its rows as an object;
  - counters: /api/v1/alarms/stats has every window with macroflows
    evaluated and the alarms raised;
  - quality: service and application macroflows carry a baseline label,
    client ones none (not in baseline-groups);
  - CLI: `strata alarm list --all`, `show`, `ack` (a second ack and a wrong
    token refused, exit 1; a bad ID a usage error, exit 2);
  - restart: the history and the acknowledgement survive, and no window
    is evaluated twice;
  - late windows: the capture's windows are long past, so the alarms are
    stored and not notified, and the log says so;
  - config: a bad rule on the command line or in a file stops the start
    with a message naming the rule (and the file's line).

Usage: alarm_check.py --strata build/strata --stratad build/stratad
                      --pcaps DIR --workdir DIR
"""
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from central_check import (Daemon, cget, free_port, jget, standalone,  # noqa: E402
                           through_of, wait_for)

CAPTURE = "ntop_nDPI/tests/cfgs/default/pcap/netflix.pcap"
TOKEN = "alarm-check-token"
API_TOKEN = "alarm-check-api-token"
THRESHOLD = 20000


def key_of(m):
    k = m["key"]
    a = k["addr"]
    return ("[%s]" % a if ":" in a else a) + ":%d/%s" % (k["port"], k["proto"])


def replay(macroflows, windows):
    """The alarms the rule gives over the macroflows: {key: [alarm...]}."""
    by_key = {}
    for m in macroflows:
        by_key.setdefault(key_of(m), {})[m["window_start_ns"]] = sum(m["bytes"])
    out = {}
    for key, seen in by_key.items():
        first = min(seen)
        active = None
        for w in [w for w in windows if w >= first]:
            v = seen.get(w, 0)
            if active is None and v > THRESHOLD:
                active = {"start_ns": w, "value_start": v, "peak": v, "end_ns": None}
                out.setdefault(key, []).append(active)
            elif active is not None and v <= THRESHOLD:
                active["end_ns"] = w
                active = None
            elif active is not None and v > active["peak"]:
                active["peak"] = v
    return out


def run_checks(strata, stratad, pcaps, workdir, log=print):
    res = []
    log("alarms: a sensor serving a store of %s feeds a central stratad with a rule" % CAPTURE)
    cap = os.path.join(pcaps, CAPTURE)
    if not os.path.isfile(cap):
        return [(False, "alarm", "%s: missing" % cap)]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    store = os.path.join(workdir, "store")
    subprocess.run([strata, "analyze", cap, "--store", store], check=True,
                   stdout=subprocess.DEVNULL)
    through = through_of(strata, store)
    cstore = os.path.join(workdir, "central")
    collect, api = free_port(), free_port()
    rule = "big service bytes above %d severity critical" % THRESHOLD
    central_args = ["--role", "central", "--store", cstore, "--collect",
                    "127.0.0.1:%d" % collect, "--listen", "127.0.0.1:%d" % api,
                    "--token", TOKEN, "--budget", "64M", "--macro-window", "1m",
                    "--alarm-wait", "0", "--api-token", API_TOKEN, "--alarm", rule,
                    "--baseline-season", "4"]
    procs = []

    def central():
        d = Daemon(stratad, central_args, os.path.join(workdir, "central.log"))
        procs.append(d)
        return d

    def cli(*args):
        env = dict(os.environ, STRATA_CENTRAL="http://127.0.0.1:%d" % api)
        return subprocess.run([strata] + list(args), capture_output=True, text=True, env=env)

    try:
        c = central()
        wait_for("the central API", lambda: jget(api, "/api/v1/info"))
        sport = free_port()
        procs.append(Daemon(stratad, ["--role", "sensor", "--capture", "no", "--store", store,
                                      "--central", "127.0.0.1:%d" % collect, "--token", TOKEN,
                                      "--sensor-id", "edge", "--listen",
                                      "127.0.0.1:%d" % sport],
                            os.path.join(workdir, "sensor.log")))

        def evaluated():
            ss = jget(api, "/api/v1/sensors")
            if not ss or ss[0]["through_ns"] < through or \
                    jget(api, "/api/v1/info")["windows_to_stitch"]:
                return None
            ms = {}
            for g in ("service", "client", "application"):
                ms[g] = jget(api, "/api/v1/macroflows", group=g, limit=100000)
            wins = sorted({m["window_start_ns"] for g in ms for m in ms[g]})
            st = jget(api, "/api/v1/alarms/stats")
            return (ms, wins, st) if wins and st["next_window_ns"] > wins[-1] else None
        ms, wins, st = wait_for("every macroflow window evaluated", evaluated)
        want = replay(ms["service"], wins)
        got = jget(api, "/api/v1/alarms", state="all", limit=100000)
        nwant = sum(len(v) for v in want.values())
        bad = []
        for a in got:
            w = want.get(a["key"], [])
            match = [x for x in w if x["start_ns"] == a["start_ns"]]
            if a["rule"] != "big" or a["severity"] != "critical" or len(match) != 1:
                bad.append("alarm %d on %s at %d: not in the replay" % (
                    a["id"], a["key"], a["start_ns"]))
                continue
            x = match[0]
            if (a["value_start"], a["peak"], a["end_ns"]) != (x["value_start"], x["peak"],
                                                               x["end_ns"]) or \
                    a["state"] != ("active" if x["end_ns"] is None else "cleared"):
                bad.append("alarm %d: %s, the replay %s" % (a["id"], a, x))
        res.append((not bad and len(got) == nwant and nwant > 0, "alarm.raised",
                    "; ".join(bad[:3]) if bad else "%d alarms over %d windows, as the rule "
                    "replayed over the macroflows gives (%d)" % (len(got), len(wins), nwant)))
        # The list is a container like every list of the API, one alarm a
        # container of its row; the counters are an object.
        doc = cget(api, "/api/v1/alarms", state="all", limit=100000)
        sch = doc.get("schema", {}) if isinstance(doc, dict) else {}
        kinds = {f.get("name"): (f.get("kind"), f.get("unit")) for f in sch.get("fields", [])}
        one = jget(api, "/api/v1/alarms/%d" % got[0]["id"])[0] if got else {}
        res.append((sch.get("type") == "alarms" and doc.get("rows") == got and
                    kinds.get("rule") == ("key", "") and
                    kinds.get("start_ns") == ("fundamental", "ns") and one == got[0],
                    "alarm.container", "schema type %s, %d fields, %d rows; alarms/ID its row" % (
                        sch.get("type"), len(kinds), len(doc.get("rows") or []))))
        res.append((st["windows_evaluated"] == len(wins) and st["alarms_raised"] == nwant and
                    st["rules"] == 1 and st["errors"] == 0, "alarm.stats",
                    "%d windows evaluated, %d raised, %d rule evaluations" % (
                        st["windows_evaluated"], st["alarms_raised"], st["rules_evaluated"])))
        labels = {g: {(m["quality"] or {}).get("label") for m in ms[g]} for g in ms}
        ok = labels["client"] == {None} and None not in labels["service"] and \
            None not in labels["application"] and \
            labels["service"] <= {"learning", "normal", "possibly-anomalous", "abnormal", "none"}
        res.append((ok, "alarm.quality", "labels: %s" % {g: sorted(map(str, labels[g]))
                                                          for g in labels}))

        # The CLI.
        bad = []
        r = cli("alarm", "list", "--all")
        if r.returncode or len(r.stdout.splitlines()) != len(got) + 1:
            bad.append("list --all: exit %d, %d lines" % (r.returncode, len(r.stdout.splitlines())))
        first = got[0]["id"] if got else 1
        r = cli("-j", "alarm", "show", str(first))
        if r.returncode or (json.loads(r.stdout or "{}").get("rows") or [{}])[0].get("id") != first:
            bad.append("show: exit %d %s" % (r.returncode, r.stderr.strip()))
        r = cli("alarm", "ack", str(first), "--by", "tester", "--token", "wrong")
        if r.returncode != 1 or "the api-token is wrong" not in r.stderr:
            bad.append("ack with a wrong token: exit %d %s" % (r.returncode, r.stderr.strip()))
        # Over HTTP: the token in the Authorization header only.
        for hdr, query, want in (({}, "by=x", 401),
                                 ({}, "by=x&token=" + API_TOKEN, 400),
                                 ({"Authorization": "Bearer wrong"}, "by=x", 403)):
            req = urllib.request.Request("http://127.0.0.1:%d/api/v1/alarms/%d/ack?%s" % (
                api, first, query), data=b"", headers=hdr, method="POST")
            try:
                code = urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as e:
                code = e.code
            if code != want:
                bad.append("POST ack %s %s: %d, want %d" % (hdr, query, code, want))
        r = cli("alarm", "ack", str(first), "--by", "tester", "--token", API_TOKEN)
        if r.returncode or "tester" not in r.stdout:
            bad.append("ack: exit %d %s" % (r.returncode, r.stderr.strip()))
        r = cli("alarm", "ack", str(first), "--by", "other", "--token", API_TOKEN)
        if r.returncode != 1 or "acknowledged by tester" not in r.stderr:
            bad.append("second ack: exit %d %s" % (r.returncode, r.stderr.strip()))
        r = cli("alarm", "show", "abc")
        if r.returncode != 2:
            bad.append("show abc: exit %d" % r.returncode)
        res.append((not bad, "alarm.cli", "; ".join(bad) if bad else
                    "list, show, ack (token as a Bearer header: none 401, in the URL 400, "
                    "wrong 403); a wrong token and a second ack exit 1, a bad ID 2"))

        text = c.text()
        res.append(("not notified" in text and "raised: critical big" in text, "alarm.late",
                    "alarms of past windows logged and stored, not notified"))

        # A restart keeps the history and the ack, and evaluates nothing again.
        c.stop()
        c = central()
        wait_for("the central API again", lambda: jget(api, "/api/v1/info"))
        again = jget(api, "/api/v1/alarms", state="all", limit=100000)
        st2 = jget(api, "/api/v1/alarms/stats")
        acked = [a for a in again if a["ack"]]
        ok = [a["id"] for a in again] == [a["id"] for a in got] and len(acked) == 1 and \
            acked[0]["id"] == first and acked[0]["ack"]["by"] == "tester" and \
            st2["windows_evaluated"] == 0 and st2["next_window_ns"] == st["next_window_ns"]
        res.append((ok, "alarm.restart", "%d alarms, %d acknowledged, %d windows evaluated "
                    "again" % (len(again), len(acked), st2["windows_evaluated"])))
    finally:
        for d in procs:
            d.stop()

    # Bad rules stop the start, naming the rule, and the line of a file.
    bad = []
    r = subprocess.run([stratad, "--role", "central", "--alarm", "x service bytes abov 5",
                        "--check-config"], capture_output=True, text=True)
    if r.returncode != 2 or "alarm 'x service bytes abov 5'" not in r.stderr:
        bad.append("option: exit %d %s" % (r.returncode, r.stderr.strip()))
    conf = os.path.join(workdir, "bad.conf")
    with open(conf, "w") as f:
        f.write("role = central\n# rules\nalarm = ok service bytes above 5\n"
                "alarm = ok service packets above 5\n")
    r = subprocess.run([stratad, "-c", conf, "--check-config"], capture_output=True, text=True)
    if r.returncode != 2 or "%s:4: alarm" % conf not in r.stderr or \
            "a rule named ok already" not in r.stderr:
        bad.append("file: exit %d %s" % (r.returncode, r.stderr.strip()))
    res.append((not bad, "alarm.config", "; ".join(bad) if bad else
                "a bad rule and a name given twice are refused at the start, with the line"))
    return res


if __name__ == "__main__":
    sys.exit(standalone(run_checks))
