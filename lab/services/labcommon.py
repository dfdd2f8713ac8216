"""labcommon - what the lab's Python services share (standard library only).

Every service is started by lab/lab.sh with the lab's state in its
environment (LAB_RUN, LAB_PORT_*, LAB_PG_*, ...) plus LAB_SERVICE,
LAB_REPLICA and LAB_PORT (its own port).  This module gives them:

- log(): timestamped lines on stdout ("2026-12-01T10:00:00.123Z name[1] ..."),
  which lab.sh keeps in $LAB_RUN/logs/<name>-<replica>.log;
- fault(): whether fault <name> is on: $LAB_RUN/faults/<name> exists and has
  not expired (read live);
- Metrics: counters and gauges in the Prometheus text format;
- Redis: a small RESP client (reconnects, bounded timeouts);
- Postgres: a small client of the PostgreSQL wire protocol (simple query,
  the lab's trust login over the Unix socket; values quoted by lit());
- serve(): a threaded HTTP server with /healthz and /metrics built in;
- the crash fault (crash:<service>, or crash:<service>-<replica> for one
  replica, makes the service exit 1 at start) and
  a watchdog that exits when the lab's state file goes away, so a lab
  whose directory was removed does not leave processes behind.
"""

import datetime
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time

SERVICE = os.environ.get("LAB_SERVICE", os.path.basename(sys.argv[0]).split(".")[0])
REPLICA = int(os.environ.get("LAB_REPLICA", "1"))
PORT = int(os.environ.get("LAB_PORT", "0"))
RUN = os.environ.get("LAB_RUN", "")

_log_lock = threading.Lock()


def log(msg):
    now = datetime.datetime.now(datetime.timezone.utc)
    line = "%s.%03dZ %s[%d] %s\n" % (now.strftime("%Y-%m-%dT%H:%M:%S"),
                                     now.microsecond // 1000, SERVICE, REPLICA, msg)
    with _log_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def fault(name):
    """Whether fault `name` is on: its file exists and, when it says
    until_ms=T (lab.sh fault add NAME --for DURATION), T has not passed."""
    if not RUN:
        return False
    try:
        with open(os.path.join(RUN, "faults", name)) as f:
            words = f.read(256).split()
    except OSError:
        return False
    for w in words:
        if w.startswith("until_ms=") and w[9:].isdigit() and time.time() * 1000 >= int(w[9:]):
            return False
    return True


def env(name, default=None):
    v = os.environ.get(name)
    if v is None or v == "":
        if default is None:
            raise SystemExit("%s: %s is not set (start it with lab/lab.sh)" % (SERVICE, name))
        return default
    return v


def start():
    """The crash fault and the watchdog; call first in every service."""
    for name in ("crash:" + SERVICE, "crash:%s-%d" % (SERVICE, REPLICA)):
        if fault(name):
            log("crashing at start (fault %s)" % name)
            sys.exit(1)
    state = os.path.join(RUN, "state.env") if RUN else ""

    def watchdog():
        while True:
            time.sleep(1)
            if state and not os.path.exists(state):
                log("the lab's state file is gone: exiting")
                os._exit(0)
    threading.Thread(target=watchdog, daemon=True).start()


class Metrics:
    """Counters and gauges: name -> {labels tuple: value}."""

    def __init__(self):
        self.lock = threading.Lock()
        self.kinds = {}
        self.helps = {}
        self.values = {}

    def declare(self, name, kind, help_text):
        self.kinds[name] = kind
        self.helps[name] = help_text
        self.values.setdefault(name, {})

    def inc(self, name, labels=None, by=1):
        key = tuple(sorted((labels or {}).items()))
        with self.lock:
            d = self.values.setdefault(name, {})
            d[key] = d.get(key, 0) + by

    def set(self, name, value, labels=None):
        key = tuple(sorted((labels or {}).items()))
        with self.lock:
            self.values.setdefault(name, {})[key] = value

    def replace(self, name, series):
        """Sets a gauge to exactly these series: [(labels dict, value)]."""
        with self.lock:
            self.values[name] = {tuple(sorted(l.items())): v for l, v in series}

    def get(self, name, labels=None):
        key = tuple(sorted((labels or {}).items()))
        with self.lock:
            return self.values.get(name, {}).get(key, 0)

    def render(self):
        out = []
        with self.lock:
            for name in sorted(self.values):
                if name in self.kinds:
                    out.append("# HELP %s %s" % (name, self.helps[name]))
                    out.append("# TYPE %s %s" % (name, self.kinds[name]))
                for key, v in sorted(self.values[name].items()):
                    lab = ",".join('%s="%s"' % (k, str(x).replace("\\", "\\\\").replace('"', '\\"'))
                                   for k, x in key)
                    out.append("%s%s %s" % (name, "{%s}" % lab if lab else "", _num(v)))
        return "\n".join(out) + "\n"


def _num(v):
    if isinstance(v, float):
        return repr(v)
    return str(v)


class _Client:
    """A client on one socket (self.sock), opened again after close()."""

    sock = None

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None


class Redis(_Client):
    """A RESP client: cmd("GET", "k") -> reply; RedisError on error replies."""

    def __init__(self, port, host="127.0.0.1", timeout=0.5):
        self.addr = (host, int(port))
        self.timeout = timeout
        self.sock = None
        self.buf = b""
        self.lock = threading.Lock()

    def _connect(self):
        self.sock = socket.create_connection(self.addr, timeout=self.timeout)
        self.buf = b""

    def cmd(self, *args):
        with self.lock:
            for attempt in (0, 1):
                try:
                    if self.sock is None:
                        self._connect()
                    enc = [b"*%d\r\n" % len(args)]
                    for a in args:
                        b = a if isinstance(a, bytes) else str(a).encode()
                        enc.append(b"$%d\r\n%s\r\n" % (len(b), b))
                    self.sock.sendall(b"".join(enc))
                    return self._reply()
                except RedisError:
                    raise
                except (OSError, EOFError):
                    self.close()
                    if attempt:
                        raise
            return None

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RedisError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise EOFError("bad redis reply %r" % line)


class RedisError(Exception):
    pass


class PgError(Exception):
    pass


def lit(s):
    """A SQL string literal (standard_conforming_strings is on)."""
    s = str(s)
    if "\0" in s:
        raise ValueError("NUL in a SQL value")
    return "'" + s.replace("'", "''") + "'"


class Postgres(_Client):
    """The lab's processes log in as `soma` over the Unix socket (trust)."""

    def __init__(self, sockdir, port, user="soma", database="soma", timeout=1.0):
        self.path = os.path.join(sockdir, ".s.PGSQL.%d" % int(port))
        self.user, self.database, self.timeout = user, database, timeout
        self.sock = None
        self.lock = threading.Lock()

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("postgres closed the connection")
            data += chunk
        return data

    def _msg(self):
        head = self._recv(5)
        t, n = head[:1], struct.unpack("!i", head[1:])[0]
        return t, self._recv(n - 4)

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self.path)
        except OSError:
            s.close()
            raise
        self.sock = s
        params = b"user\0%s\0database\0%s\0application_name\0%s\0\0" % (
            self.user.encode(), self.database.encode(), SERVICE.encode())
        s.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        while True:
            t, body = self._msg()
            if t == b"R":
                code = struct.unpack("!i", body[:4])[0]
                if code != 0:
                    raise PgError("postgres asks for authentication %d; the lab logs in by trust" % code)
            elif t == b"E":
                raise PgError(_pg_error(body))
            elif t == b"Z":
                return

    def query(self, sql):
        """Rows (lists of str or None) of the last statement of sql."""
        with self.lock:
            try:
                if self.sock is None:
                    self._connect()
                q = sql.encode() + b"\0"
                self.sock.sendall(b"Q" + struct.pack("!i", 4 + len(q)) + q)
                rows, err = [], None
                while True:
                    t, body = self._msg()
                    if t == b"T":
                        rows = []
                    elif t == b"D":
                        n = struct.unpack("!h", body[:2])[0]
                        off, row = 2, []
                        for _ in range(n):
                            ln = struct.unpack("!i", body[off:off + 4])[0]
                            off += 4
                            if ln < 0:
                                row.append(None)
                            else:
                                row.append(body[off:off + ln].decode())
                                off += ln
                        rows.append(row)
                    elif t == b"E":
                        err = _pg_error(body)
                    elif t == b"Z":
                        if err:
                            raise PgError(err)
                        return rows
            except PgError:
                raise
            except (OSError, EOFError, struct.error) as e:
                self.close()
                raise PgError("postgres: %s" % e)


def _pg_error(body):
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[part[:1]] = part[1:].decode(errors="replace")
    return "%s: %s" % (fields.get(b"S", "ERROR"), fields.get(b"M", "unknown error"))


def pg_from_env():
    return Postgres(env("LAB_PG_SOCKET_DIR"), env("LAB_PG_PORT"))


def redis_from_env():
    return Redis(env("LAB_PORT_REDIS"))


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes: a list of (method, path prefix, function(handler, rest))."""
    routes = []
    metrics = None
    server_version = "soma-lab"

    def log_message(self, fmt, *args):
        pass

    def _dispatch(self, method):
        path = self.path.split("?", 1)[0]
        if method == "GET" and path == "/healthz":
            return self.send_text(200, "ok\n")
        if method == "GET" and path == "/metrics" and self.metrics is not None:
            return self.send_text(200, self.metrics.render(), "text/plain; version=0.0.4")
        allowed = False
        for m, prefix, fn in self.routes:
            if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
                if m != method:
                    allowed = True
                    continue
                return fn(self, path[len(prefix):])
        if allowed:
            return self.send_json(405, {"error": "method not allowed"})
        return self.send_json(404, {"error": "not found", "path": path})

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n <= 0:
            return {}
        if n > 1 << 20:
            raise ValueError("body too large")
        data = self.rfile.read(n)
        v = json.loads(data or b"{}")
        if not isinstance(v, dict):
            raise ValueError("the body must be a JSON object")
        return v

    def send_text(self, code, text, ctype="text/plain"):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, code, obj):
        self.send_text(code, json.dumps(obj) + "\n", "application/json")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(routes, metrics, port=None):
    """Serves forever on 127.0.0.1:port (LAB_PORT by default)."""
    cls = type("H", (Handler,), {"routes": routes, "metrics": metrics})
    srv = _Server(("127.0.0.1", port or PORT), cls)
    log("listening on 127.0.0.1:%d" % srv.server_address[1])
    import signal
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


def every(seconds, fn, name):
    """Runs fn every `seconds` in a daemon thread; exceptions are logged."""
    def loop():
        while True:
            t0 = time.monotonic()
            try:
                fn()
            except Exception as e:  # a failing check must not stop the loop
                log("%s: %s" % (name, e))
            time.sleep(max(0.0, seconds - (time.monotonic() - t0)))
    threading.Thread(target=loop, name=name, daemon=True).start()
