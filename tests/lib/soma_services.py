#!/usr/bin/env python3
"""soma_services.py - the HTTP services the SomaAgent runbooks call, for
the runbook cases: the gateway's /health and requeue API, Slack's
chat.postMessage, Cloudflare's tunnel connections and the SLM API's
model list.

Binds 127.0.0.1 on a free port, prints the port on the first line of
stdout and serves until killed.  `--requeue ID,ID...` sets the pending
requeue entries.  Endpoints:

  GET    /health                      503 degraded (Kafka down) while requeue
                                      entries are pending, else 200 ok
  GET    /v1/requeue                  the pending entries, [{"id": ...}]
  POST   /v1/requeue/<id>/resolve     {"allow": true}: the entry leaves the
                                      list (404 for an unknown one)
  POST   /chat.postMessage            Slack: {"ok": true}
  DELETE /accounts/<a>/cfd_tunnel/<t>/connections   Cloudflare: {"success": true}
  GET    /v1/models                   SLM: 200 for a bearer token starting sk-,
                                      else 401
  GET    /calls                       every request above but /health and
                                      /calls: [{method, path, body, auth}]
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

lock = threading.Lock()
pending = []
calls = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode("utf-8", "replace")

    def record(self, path, body):
        calls.append({"method": self.command, "path": path, "body": body,
                      "auth": self.headers.get("Authorization")})

    def handle_one(self):
        path = urlsplit(self.path).path
        body = self.body()
        with lock:
            if path == "/health":
                if pending:
                    return self.reply(503, {"status": "degraded",
                                            "components": {"kafka": {"status": "down"}}})
                return self.reply(200, {"status": "ok", "components": {"kafka": {"status": "ok"}}})
            if path == "/calls":
                return self.reply(200, calls)
            self.record(path, body)
            parts = [unquote(p) for p in path.split("/")]
            if path == "/v1/requeue" and self.command == "GET":
                return self.reply(200, [{"id": i} for i in pending])
            if (len(parts) == 5 and parts[1:3] == ["v1", "requeue"] and parts[4] == "resolve"
                    and self.command == "POST"):
                if body != {"allow": True}:
                    return self.reply(400, {"error": "want {\"allow\": true}"})
                if parts[3] not in pending:
                    return self.reply(404, {"error": "no such entry"})
                pending.remove(parts[3])
                return self.reply(200, {"resolved": parts[3]})
            if path == "/chat.postMessage" and self.command == "POST":
                return self.reply(200, {"ok": True})
            if parts[1:2] == ["accounts"] and parts[-1] == "connections" and self.command == "DELETE":
                return self.reply(200, {"success": True})
            if path == "/v1/models" and self.command == "GET":
                if (self.headers.get("Authorization") or "").startswith("Bearer sk-"):
                    return self.reply(200, {"data": [{"id": "soma-slm"}]})
                return self.reply(401, {"error": "invalid api key"})
            return self.reply(404, {"error": "not found"})

    do_GET = do_POST = do_DELETE = handle_one


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--requeue":
        pending.extend(i for i in args[1].split(",") if i)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
