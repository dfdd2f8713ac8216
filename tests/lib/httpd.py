#!/usr/bin/env python3
"""httpd.py - the test HTTP server for the http and prometheus primitives.

Binds 127.0.0.1 on a free port (or --port N), prints the port on the first
line of stdout and serves until killed.  With --tls CERT KEY it serves
HTTPS with that certificate.  With --ports N it serves the same endpoints
(and the same counters) on N free ports, printed on the first line
separated by spaces: N hosts, to a client.  Endpoints:

  /status/<code>          reply with that status (and a small JSON body)
  /slow?ms=N              sleep N ms, then 200 {"slept": N}
  /json                   valid JSON with nested fields
  /invalid-json           200, Content-Type application/json, broken body
  /large?bytes=N          N bytes of 'x'
  /echo                   method, path, peer_port (the client's TCP port, to
                          see connection reuse), headers, query, raw_query,
                          target (the request target as sent) and body as JSON
  /redirect[?to=URL][&code=N]  N (302) to /json (or to)
  /loop                   302 to itself
  /trickle?bytes=N        announces N bytes, then sends one byte a second
  /endless                a chunked body that never ends (until the client hangs up)
  /endless-headers        header lines that never end
  /health                 {"status": "ok"}
  /headers                repeated Set-Cookie and X-Multi headers
  /metrics                Prometheus text format: rb_test_gauge{name="..."}
  /set?name=..&value=..   set a gauge shown by /metrics
  /countdown?key=K&fail=N the first N requests of key K get 503, the later ones 200
                          (a service that fails, then recovers, without timing)
  /hold?g=G&ms=N          sleep N ms (200), counting the requests of group G in
                          flight at once
  /held?g=G               {"most": the most requests of G ever in flight at once,
                          "total": how many came}
"""
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

gauges = {}
gauges_lock = threading.Lock()

NESTED = {
    "service": "conversation-worker",
    "version": "1.4.2",
    "healthy": True,
    "replicas": 3,
    "data": {"items": [{"name": "a", "status": "ok", "lag": 0},
                       {"name": "b", "status": "degraded", "lag": 42}]},
    "tags": ["soma", "kafka"],
    "nothing": None,
}


barrier_in = {}
barrier_cond = threading.Condition()

countdown = {}
countdown_lock = threading.Lock()

held = {}       # group -> [in flight now, most at once, total]
held_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rbtest-httpd/1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def handle_any(self):
        u = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        body = self.read_body()
        p = u.path
        if p.startswith("/status/"):
            code = int(p[len("/status/"):] or 200)
            self.reply(code, {"status": code})
        elif p == "/slow":
            ms = int(q.get("ms", "1000"))
            time.sleep(ms / 1000.0)
            self.reply(200, {"slept": ms})
        elif p == "/barrier":
            # answers 200 only once `n` requests of group `g` are in flight
            # together (proves concurrency without timing); 504 after 5 s
            g, n = q.get("g", "default"), int(q.get("n", "2"))
            with barrier_cond:
                barrier_in[g] = barrier_in.get(g, 0) + 1
                barrier_cond.notify_all()
                met = barrier_cond.wait_for(lambda: barrier_in[g] >= n, timeout=5)
            self.reply(200 if met else 504, {"group": g, "met": met})
        elif p == "/json":
            self.reply(200, NESTED)
        elif p == "/invalid-json":
            self.reply(200, '{"status": "ok", "broken": ')
        elif p == "/large":
            self.reply(200, "x" * int(q.get("bytes", "1048576")), "text/plain")
        elif p == "/echo":
            self.reply(200, {
                "method": self.command,
                "path": p,
                "peer_port": self.client_address[1],
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "query": {k: v for k, v in parse_qs(u.query, keep_blank_values=True).items()},
                "raw_query": u.query,
                "target": self.path,
                "body": body.decode("utf-8", "replace"),
            })
        elif p == "/redirect":
            self.reply(int(q.get("code", "302")), "", "text/plain",
                       [("Location", q.get("to", "/json"))])
        elif p == "/loop":
            self.reply(302, "", "text/plain", [("Location", "/loop")])
        elif p == "/trickle":
            # bounded: at most `bytes` seconds, and it stops when the client goes
            n = int(q.get("bytes", "60"))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            for _ in range(n):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(1)
        elif p == "/endless":
            # bounded: 4 GiB or 120 s, whichever first; ends when the client goes
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
            end = time.monotonic() + 120
            for _ in range(65536):
                if time.monotonic() > end:
                    break
                self.wfile.write(frame)
        elif p == "/endless-headers":
            self.send_response(200)
            self.flush_headers()
            end = time.monotonic() + 120
            line = ("X-Filler: " + "y" * 1000 + "\r\n").encode()
            self.wfile.write(b"Content-Type: text/plain\r\n")
            for _ in range(1 << 20):
                if time.monotonic() > end:
                    break
                self.wfile.write(line)
        elif p == "/health":
            self.reply(200, {"status": "ok"})
        elif p == "/headers":
            self.reply(200, "ok", "text/plain", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                                                 ("X-Multi", "one"), ("X-Multi", "two")])
        elif p == "/set":
            name = q.get("name", "default")
            with gauges_lock:
                gauges[name] = float(q.get("value", "0"))
            self.reply(200, {"name": name, "value": gauges[name]})
        elif p == "/countdown":
            key, fail = q.get("key", "default"), int(q.get("fail", "1"))
            with countdown_lock:
                n = countdown[key] = countdown.get(key, 0) + 1
            self.reply(503 if n <= fail else 200, {"key": key, "request": n})
        elif p == "/hold":
            g = q.get("g", "default")
            with held_lock:
                h = held.setdefault(g, [0, 0, 0])
                h[0] += 1
                h[1] = max(h[1], h[0])
                h[2] += 1
            # out of flight before the reply is written: once the client
            # has the reply it may send the next request, which must not
            # find this one still counted
            try:
                time.sleep(int(q.get("ms", "200")) / 1000.0)
            finally:
                with held_lock:
                    h[0] -= 1
            self.reply(200, {"group": g})
        elif p == "/held":
            with held_lock:
                h = held.get(q.get("g", "default"), [0, 0, 0])
                self.reply(200, {"most": h[1], "total": h[2]})
        elif p == "/metrics":
            with gauges_lock:
                items = sorted(gauges.items())
            lines = ["# HELP rb_test_gauge A gauge the tests set through /set.",
                     "# TYPE rb_test_gauge gauge"]
            lines += ['rb_test_gauge{name="%s"} %s' % (k, repr(v)) for k, v in items]
            self.reply(200, "\n".join(lines) + "\n", "text/plain; version=0.0.4")
        else:
            self.reply(404, {"error": "no such endpoint", "path": p})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # clients that time out or are cancelled hang up mid-reply
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, OSError)):
            super().handle_error(request, client_address)


def main():
    port, ports, tls, args = 0, 1, None, sys.argv[1:]
    while args:
        if args[0] == "--port" and len(args) > 1:
            port, args = int(args[1]), args[2:]
        elif args[0] == "--ports" and len(args) > 1:
            ports, args = int(args[1]), args[2:]
        elif args[0] == "--tls" and len(args) > 2:
            tls, args = (args[1], args[2]), args[3:]
        else:
            sys.exit("usage: httpd.py [--port N | --ports N] [--tls CERT KEY]")
    srvs = [Server(("127.0.0.1", port if ports == 1 else 0), Handler) for _ in range(ports)]
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        for srv in srvs:
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(" ".join(str(srv.server_address[1]) for srv in srvs), flush=True)
    for srv in srvs[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        srvs[0].serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
