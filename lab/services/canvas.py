"""canvas - the lab's canvas service: a server-sent-events stream per session.

  GET /v1/canvas/<session>/stream   text/event-stream: `event: ready`, then a
                                    `heartbeat` event every 500 ms until the client goes
  GET /metrics                      canvas_streams_open, canvas_streams_total,
                                    canvas_stream_drops_total

Fault read live: canvas-drops (the service drops every stream after 1 s, as a
canvas losing its sessions does; each drop counts in canvas_stream_drops_total).
"""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcommon as lc  # noqa: E402

M = lc.Metrics()
M.declare("canvas_streams_open", "gauge", "Streams open now.")
M.declare("canvas_streams_total", "counter", "Streams opened.")
M.declare("canvas_stream_drops_total", "counter", "Streams the service dropped.")
M.set("canvas_streams_open", 0)
M.inc("canvas_streams_total", None, 0)
M.inc("canvas_stream_drops_total", None, 0)


def stream(h, rest):
    m = re.match(r"^([A-Za-z0-9_-]{1,128})/stream$", rest)
    if not m:
        return h.send_json(404, {"error": "not found"})
    session = m.group(1)
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.send_header("Cache-Control", "no-cache")
    h.end_headers()
    M.inc("canvas_streams_total")
    M.inc("canvas_streams_open", None, 1)
    opened = time.monotonic()
    try:
        h.wfile.write(("retry: 1000\nevent: ready\ndata: %s\n\n" % json.dumps({"session": session})).encode())
        h.wfile.flush()
        n = 0
        while True:
            time.sleep(0.5)
            if lc.fault("canvas-drops") and time.monotonic() - opened >= 1.0:
                M.inc("canvas_stream_drops_total")
                lc.log("dropped the stream of session %s (fault canvas-drops)" % session)
                return
            n += 1
            h.wfile.write(("event: heartbeat\ndata: %d\n\n" % n).encode())
            h.wfile.flush()
    except OSError:
        pass
    finally:
        M.inc("canvas_streams_open", None, -1)
        h.close_connection = True


def main():
    lc.start()
    lc.serve([("GET", "/v1/canvas/", stream)], M)


if __name__ == "__main__":
    main()
