#!/usr/bin/env python3
"""pg_trips.py - a TCP proxy in front of PostgreSQL that counts round trips.

Usage: pg_trips.py UPSTREAM_PORT STATE_FILE PORT_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening),
forwards every byte to 127.0.0.1:UPSTREAM_PORT and back, and parses both
directions of the wire protocol.  Each ReadyForQuery ('Z') from the server
ends one round trip.  STATE_FILE is rewritten (atomically) before the
message that changed it is forwarded, so once the client has its answer
the file already counts it:
  connections  startup messages seen
  ready        'Z' messages from the server, all connections
  setup        those of them before the client's first query or sync
  queries      the SQL text of every simple Query ('Q') and Parse ('P')
Runs until killed.  SSL is not followed: the server must refuse it.
"""
import json
import os
import socket
import struct
import sys
import threading

SSL_REQUEST, GSS_REQUEST = 80877103, 80877104

lock = threading.Lock()
state = {"connections": 0, "ready": 0, "setup": 0, "queries": []}


def save(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path)


class Conn:
    def __init__(self):
        self.started = False    # the client sent its startup message
        self.queried = False    # ... and a query or sync since
        self.one_byte = 0       # SSL/GSS answers the server still owes


def messages(buf, typed):
    """Split whole messages off buf: (list of (type, body), rest)."""
    out = []
    while True:
        head = 5 if typed else 4
        if len(buf) < head:
            return out, buf
        n = struct.unpack("!I", buf[head - 4:head])[0]
        total = n + (1 if typed else 0)
        if len(buf) < total:
            return out, buf
        out.append((buf[0:1] if typed else b"", buf[head:total]))
        buf = buf[total:]


def client_msgs(c, buf):
    changed = False
    while True:
        if not c.started:
            msgs, rest = messages(buf, False)
            if not msgs:
                return buf, changed
            body = msgs[0][1]
            code = struct.unpack("!I", body[:4])[0]
            buf = buf[4 + len(body):]
            if code in (SSL_REQUEST, GSS_REQUEST):
                c.one_byte += 1
            elif code >> 16 == 3:
                c.started = True
                with lock:
                    state["connections"] += 1
                changed = True
            continue
        msgs, rest = messages(buf, True)
        for t, body in msgs:
            if t in (b"Q", b"P", b"S"):
                c.queried = True
            if t == b"Q":
                sql = body[:-1]
            elif t == b"P":
                sql = body[body.index(b"\0") + 1:]
                sql = sql[:sql.index(b"\0")]
            else:
                continue
            with lock:
                state["queries"].append(sql.decode("utf-8", "replace"))
            changed = True
        return rest, changed


def server_msgs(c, buf):
    changed = False
    while c.one_byte and buf:
        c.one_byte -= 1
        buf = buf[1:]
    msgs, rest = messages(buf, True)
    for t, _ in msgs:
        if t == b"Z":
            with lock:
                state["ready"] += 1
                if not c.queried:
                    state["setup"] += 1
            changed = True
    return rest, changed


def pump(src, dst, c, from_client, path):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            buf += data
            if from_client:
                buf, changed = client_msgs(c, buf)
            else:
                buf, changed = server_msgs(c, buf)
            if changed:
                with lock:
                    save(path)
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client, upstream, path):
    try:
        server = socket.create_connection(("127.0.0.1", upstream))
    except OSError:
        client.close()
        return
    c = Conn()
    threading.Thread(target=pump, args=(client, server, c, True, path), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, c, False, path), daemon=True).start()


def main():
    upstream, path, port_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    save(path)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.replace(port_file + ".tmp", port_file)
    while True:
        client, _ = ls.accept()
        serve(client, upstream, path)


if __name__ == "__main__":
    main()
