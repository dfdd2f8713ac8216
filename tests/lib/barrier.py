#!/usr/bin/env python3
"""A barrier for fleet tests: it holds the items of a for-each step (or
the targets of a `runbook fleet`) that talk to it, so that what the interpreter lets run at once is seen, not
timed.

  barrier.py serve SOCK LOG MAXC FAILS MAXERR TRANSCRIPT
      Listen on the Unix socket SOCK.  Each client says its item index;
      the server holds it, and only when MAXC items are held at once lets
      the lowest go (processes may connect out of order) (so an interpreter that lets more than MAXC run at
      once shows MAXC + 1 held).  FAILS (comma-separated indexes) are the
      items that will fail.  Once the (MAXERR + 1)-th of them has been let
      go, no item may start any more: a client that still comes is logged
      as late, and when TRANSCRIPT records that item's end (polled; a
      fleet's log, DIR/fleet.jsonl, records target INDEX's end), every
      held item goes.  LOG gets one line per event: "start I held N",
      "go I", "late I", and "max N" at the end (SIGTERM).
  barrier.py wait SOCK INDEX CODE
      Be item INDEX: tell the server, wait until it lets us go, exit CODE.
"""
import json
import os
import select
import signal
import socket
import sys


def ended(transcript, index):
    """has the transcript recorded the end of item `index` (a fleet's log:
    of target `index`)?"""
    try:
        with open(transcript) as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("event") == "step.end" and (e.get("item") or {}).get("index") == index:
                    return True
                if e.get("event") == "target.end" and e.get("target") == index:
                    return True
    except OSError:
        pass
    return False


def serve(path, log, maxc, fails, maxerr, transcript):
    fails = {int(x) for x in fails.split(",") if x}
    out = open(log, "a", buffering=1)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    held, most, failed, last = [], 0, 0, None

    def finish(*_):
        out.write("max %d\n" % most)
        out.close()
        os._exit(0)

    def go(index, conn):
        out.write("go %d\n" % index)
        conn.sendall(b"go\n")
        conn.close()

    signal.signal(signal.SIGTERM, finish)
    while True:
        ready, _, _ = select.select([srv], [], [], 0.01)
        if last is not None and held and ended(transcript, last):
            for index, conn in held:
                go(index, conn)
            held = []
        if not ready:
            continue
        conn, _ = srv.accept()
        index = int(conn.makefile().readline())
        if last is not None:
            out.write("late %d\n" % index)
            go(index, conn)
            continue
        held.append((index, conn))
        most = max(most, len(held))
        out.write("start %d held %d\n" % (index, len(held)))
        if len(held) < maxc:
            continue
        held.sort(key=lambda h: h[0])
        index, conn = held.pop(0)
        go(index, conn)
        failed += index in fails
        if failed > maxerr:
            last = index


def wait(path, index, code):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.sendall(b"%d\n" % int(index))
    c.makefile().readline()
    sys.exit(int(code))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]),
              sys.argv[7])
    else:
        wait(sys.argv[2], sys.argv[3], sys.argv[4])
