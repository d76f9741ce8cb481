# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The strata authors.
# Real traffic for the VM lab: a server (TCP request/response, a bulk sink,
# DNS-like UDP) and a client that says which conversations it made.
"""Usage:
  traffic.py serve ADDR                      (runs until killed)
  traffic.py client SERVER [--requests N] [--bulk BYTES] [--queries N]
                    [--ports 80,8080] [--duration SEC] [--out FILE.json]

The server answers on ADDR: TCP 80 and 8080 (a request line "GET /N" gets N
bytes back, then the connection closes), TCP 5001 (reads to the end: bulk),
UDP 53 (a datagram gets its bytes back reversed, with 64 bytes added).

The client spreads its requests over --duration seconds and writes one JSON
object per conversation to --out: {"proto", "sport", "dport", "sent",
"received", "t0", "t1"}, sport being its own port (before any NAT).
Payloads are random: no two conversations share one (so that fingerprints
tell them apart).
"""
import json
import os
import random
import socket
import socketserver
import sys
import threading
import time

TCP_PORTS = (80, 8080)
BULK_PORT = 5001
UDP_PORT = 53


class ReqResp(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(256).decode(errors="replace").split()
        n = int(line[1].lstrip("/")) if len(line) > 1 and line[1].lstrip("/").isdigit() else 0
        self.wfile.write(b"HTTP/1.0 200 OK\r\n\r\n" + os.urandom(min(n, 10 << 20)))


class Bulk(socketserver.StreamRequestHandler):
    def handle(self):
        while self.rfile.read(65536):
            pass


class Dns(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data[::-1] + os.urandom(64), self.client_address)


class TServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(addr):
    servers = [TServer((addr, p), ReqResp) for p in TCP_PORTS]
    servers.append(TServer((addr, BULK_PORT), Bulk))
    servers.append(socketserver.ThreadingUDPServer((addr, UDP_PORT), Dns))
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("traffic: serving on %s" % addr, flush=True)
    while True:
        time.sleep(3600)


def request(server, port, size):
    t0 = time.time_ns()
    s = socket.create_connection((server, port), timeout=20)
    sport = s.getsockname()[1]
    req = ("GET /%d HTTP/1.0\r\nX-Nonce: %s\r\n\r\n" % (size, os.urandom(8).hex())).encode()
    s.sendall(req)
    got = 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    s.close()
    return {"proto": "tcp", "sport": sport, "dport": port, "sent": len(req), "received": got,
            "t0": t0, "t1": time.time_ns()}


def bulk(server, size):
    t0 = time.time_ns()
    s = socket.create_connection((server, BULK_PORT), timeout=20)
    sport = s.getsockname()[1]
    left = size
    while left:
        b = os.urandom(min(left, 32768))
        s.sendall(b)
        left -= len(b)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    return {"proto": "tcp", "sport": sport, "dport": BULK_PORT, "sent": size, "received": 0,
            "t0": t0, "t1": time.time_ns()}


def query(server):
    t0 = time.time_ns()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.bind(("0.0.0.0", 0))
    q = os.urandom(40)
    s.sendto(q, (server, UDP_PORT))
    got = len(s.recvfrom(2048)[0])
    sport = s.getsockname()[1]
    s.close()
    return {"proto": "udp", "sport": sport, "dport": UDP_PORT, "sent": len(q), "received": got,
            "t0": t0, "t1": time.time_ns()}


def client(args):
    opts = {"--requests": "10", "--bulk": "2000000", "--queries": "10", "--ports": "80",
            "--duration": "10", "--out": "-"}
    i = 0
    while i < len(args):
        if args[i] in opts and i + 1 < len(args):
            opts[args[i]] = args[i + 1]
            i += 2
        elif i == 0 or not args[i].startswith("-"):
            opts["server"] = args[i]
            i += 1
        else:
            sys.exit("traffic: unexpected %r" % args[i])
    server = opts["server"]
    ports = [int(p) for p in opts["--ports"].split(",")]
    jobs = []
    for k in range(int(opts["--requests"])):
        for p in ports:
            jobs.append(("req", p, random.randint(200, 60000)))
    for _ in range(int(opts["--queries"])):
        jobs.append(("dns", 0, 0))
    if int(opts["--bulk"]):
        jobs.append(("bulk", 0, int(opts["--bulk"])))
    random.shuffle(jobs)
    gap = float(opts["--duration"]) / max(len(jobs), 1)
    out = []
    for kind, port, size in jobs:
        t = time.monotonic()
        if kind == "req":
            out.append(request(server, port, size))
        elif kind == "dns":
            out.append(query(server))
        else:
            out.append(bulk(server, size))
        time.sleep(max(0.0, gap - (time.monotonic() - t)))
    text = "\n".join(json.dumps(o) for o in out) + "\n"
    if opts["--out"] == "-":
        sys.stdout.write(text)
    else:
        with open(opts["--out"], "a") as f:
            f.write(text)
    print("traffic: %d conversations with %s" % (len(out), server), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "client":
        client(sys.argv[2:])
    else:
        sys.exit(__doc__)
