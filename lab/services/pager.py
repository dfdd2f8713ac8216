"""pager - the lab's on-call pager: Alertmanager's webhook receiver.

  POST /webhook         an Alertmanager notification (kept, the last 500)
  GET  /notifications   [{"status", "alerts": [{"alertname", "status", ...}], "received_at"}]
  GET  /metrics         pager_notifications_total{status}
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcommon as lc  # noqa: E402

M = lc.Metrics()
M.declare("pager_notifications_total", "counter", "Notifications received by status.")
NOTES, LOCK = [], threading.Lock()


def webhook(h, rest):
    try:
        body = h.body_json()
    except ValueError as e:
        return h.send_json(400, {"error": str(e)})
    alerts = [{"alertname": a.get("labels", {}).get("alertname"), "status": a.get("status"),
               "labels": a.get("labels", {}), "startsAt": a.get("startsAt"), "endsAt": a.get("endsAt")}
              for a in body.get("alerts", [])]
    note = {"status": body.get("status"), "receiver": body.get("receiver"), "alerts": alerts,
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with LOCK:
        NOTES.append(note)
        del NOTES[:-500]
    M.inc("pager_notifications_total", {"status": str(body.get("status"))})
    lc.log("%s: %s" % (body.get("status"), ", ".join("%s (%s)" % (a["alertname"], a["status"]) for a in alerts)))
    h.send_json(200, {"ok": True})


def notifications(h, rest):
    with LOCK:
        h.send_json(200, list(NOTES))


def main():
    lc.start()
    lc.serve([("POST", "/webhook", webhook), ("GET", "/notifications", notifications)], M)


if __name__ == "__main__":
    main()
