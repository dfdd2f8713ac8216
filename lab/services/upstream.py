"""upstream - the SLM the gateway's circuit breaker protects.

  GET  /health        200 {"status": "ok"} (503 under the fault)
  POST /v1/generate   {"prompt"} -> {"text": "Pong"} (500 under the fault)
  GET  /metrics       upstream_requests_total{code}

Fault read live: upstream-errors (every request fails).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcommon as lc  # noqa: E402

M = lc.Metrics()
M.declare("upstream_requests_total", "counter", "Requests by status code.")


def health(h, rest):
    code = 503 if lc.fault("upstream-errors") else 200
    M.inc("upstream_requests_total", {"code": str(code)})
    h.send_json(code, {"status": "ok" if code == 200 else "failing"})


def generate(h, rest):
    try:
        h.body_json()
    except ValueError as e:
        return h.send_json(400, {"error": str(e)})
    if lc.fault("upstream-errors"):
        M.inc("upstream_requests_total", {"code": "500"})
        return h.send_json(500, {"error": "model backend unavailable"})
    M.inc("upstream_requests_total", {"code": "200"})
    h.send_json(200, {"text": "Pong"})


def main():
    lc.start()
    lc.serve([("GET", "/health", health), ("POST", "/v1/generate", generate)], M)


if __name__ == "__main__":
    main()
