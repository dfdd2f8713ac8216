"""labd - the lab's supervisor: runs lab.sh commands that start processes.

  labd.py serve SOCKET        listen on the Unix socket SOCKET (mode 0600)
  labd.py call SOCKET ARGS... run `lab.sh ARGS...` in the supervisor: its
                              output comes back on stdout/stderr, and its
                              exit status is ours (1 when there is no
                              supervisor)

Why: a process started by a command is that command's descendant, and a
runbook step's descendants die with the step (the interpreter is a child
subreaper).  `lab.sh start|restart|scale|rebuild` called from a step would
start services that are killed the moment the step ends.  Run by labd,
which `lab.sh up` started outside any step, they outlive the caller, as
containers outlive `docker compose restart`.  A caller that goes away
(its step timed out) has its command stopped (SIGTERM to its process
group; the services it started run in sessions of their own).

Protocol: the caller sends one JSON line {"argv": [...]}; labd answers
with frames b"O"|b"E" + 4-byte length + bytes (stdout, stderr) and a last
b"X" + the 4-byte exit status.
"""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcommon as lc  # noqa: E402

LAB_SH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab.sh")


def frame(kind, data):
    return kind + struct.pack("!I", len(data)) + data


def handle(conn):
    send_lock = threading.Lock()

    def send(kind, data):
        with send_lock:
            conn.sendall(frame(kind, data))

    def send_exit(rc):
        with send_lock:
            conn.sendall(b"X" + struct.pack("!i", rc))

    try:
        req = b""
        while not req.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk or len(req) > 1 << 20:
                return
            req += chunk
        argv = json.loads(req)["argv"]
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise ValueError("argv must be a list of strings")
    except (OSError, ValueError, KeyError, TypeError) as e:
        try:
            send(b"E", ("labd: bad request: %s\n" % e).encode())
            send_exit(2)
        except OSError:
            pass
        conn.close()
        return
    env = dict(os.environ, LAB_IN_SUPERVISOR="1", LAB_RUN=lc.RUN)
    proc = subprocess.Popen(["bash", LAB_SH] + argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    lc.log("lab.sh %s (pid %d)" % (" ".join(argv), proc.pid))

    def pump(stream, kind):
        for chunk in iter(lambda: stream.read1(65536), b""):
            try:
                send(kind, chunk)
            except OSError:
                stop()
        stream.close()

    def stop():
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except OSError:
            pass

    def watch():
        # the caller sends nothing more: end of file means it went away
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        if proc.poll() is None:
            lc.log("the caller of lab.sh %s went away: stopping it" % " ".join(argv))
            stop()

    pumps = [threading.Thread(target=pump, args=(proc.stdout, b"O"), daemon=True),
             threading.Thread(target=pump, args=(proc.stderr, b"E"), daemon=True)]
    for t in pumps:
        t.start()
    threading.Thread(target=watch, daemon=True).start()
    rc = proc.wait()
    for t in pumps:
        t.join()
    try:
        send_exit(rc if rc >= 0 else 128 - rc)
    except OSError:
        pass
    conn.close()


def serve(path):
    lc.start()
    old = os.umask(0o077)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.umask(old)
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    lc.log("listening on %s" % path)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def call(path, argv):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError:
        sys.stderr.write("lab: the lab's supervisor does not answer on %s; run: lab.sh up\n" % path)
        return 1
    s.sendall(json.dumps({"argv": argv}).encode() + b"\n")
    out, err = sys.stdout.buffer, sys.stderr.buffer
    try:
        while True:
            kind = recv_exact(s, 1)
            if kind == b"X":
                return struct.unpack("!i", recv_exact(s, 4))[0]
            data = recv_exact(s, struct.unpack("!I", recv_exact(s, 4))[0])
            (out if kind == b"O" else err).write(data)
            (out if kind == b"O" else err).flush()
    except EOFError:
        sys.stderr.write("lab: the lab's supervisor went away during lab.sh %s\n" % " ".join(argv))
        return 1


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "call":
        sys.exit(call(sys.argv[2], sys.argv[3:]))
    sys.exit("usage: labd.py serve SOCKET | call SOCKET ARGS...")


if __name__ == "__main__":
    main()
