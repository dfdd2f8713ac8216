"""gateway - the lab's SomaAgent gateway (and delegation gateway).

  GET  /health                     {"status": "ok"|"degraded", "components": {name: {"status", "detail"}}},
                                   200 when every component is ok, else 503 (checked every 500 ms)
  POST /v1/chat                    {"tenant", "session", "message"} -> {"reply", ...}; 429 "Token budget
                                   exceeded" when budget:<tenant>:tokens >= the tenant's limit; the SLM
                                   call goes through the circuit breaker `slm` (503 CircuitOpenError);
                                   the chat event goes to conversation.inbound (requeued when Kafka fails)
  POST /v1/delegation/task         {"task_id"?, "payload"?} -> row `queued` in delegation_tasks, then the
                                   task on delegation.tasks (200), or a requeue entry when Kafka fails (202)
  GET  /v1/delegation/task/<id>    {"task_id", "status", "updated_at"}
  GET  /v1/requeue                 [{"id", "topic", "reason", "created_at"}]: what could not be published
  POST /v1/requeue/<id>/resolve    {"allow": true} publishes it (200, or 503 while Kafka fails),
                                   {"allow": false} drops it
  GET  /v1/canvas/<session>/stream the canvas service's SSE stream, relayed (502 when it is down)
  GET  /v1/somaclient/probe        the SomaClient multi-loop probe: 200 {"ok": true} or 500
  GET  /metrics

Tenants and their limits are read from $LAB_REPO_DIR/conf/tenants.yaml at
start (a changed limit needs a restart, as in the real gateway).  A
dispatcher re-publishes `queued` delegation rows every 3 s until the
worker takes them (marked "redelivery": true).  Faults read live: event-loop (SomaClient calls fail
with "RuntimeError: Event loop is closed").
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcommon as lc  # noqa: E402

M = lc.Metrics()
M.declare("http_requests_total", "counter", "HTTP requests by handler and status code.")
M.declare("gateway_component_ok", "gauge", "1 when the /health component is ok.")
M.declare("circuit_breaker_state", "gauge", "0 closed, 1 open, 2 half-open.")
M.declare("circuit_breaker_open_events_total", "counter", "Times the breaker opened.")
M.declare("circuit_breaker_calls_total", "counter", "Calls through the breaker by result.")
M.declare("budget_tokens_used", "gauge", "The tenant's token counter in Redis.")
M.declare("budget_tokens_limit", "gauge", "The tenant's limit from conf/tenants.yaml.")
M.declare("gateway_budget_rejections_total", "counter", "Requests refused for budget.")
M.declare("delegation_tasks", "gauge", "delegation_tasks rows by status.")
M.declare("delegation_tasks_oldest_seconds", "gauge", "Age of the oldest row of each status.")
M.declare("gateway_requeue_pending", "gauge", "Requeue entries waiting to be resolved.")
M.declare("gateway_kafka_publish_total", "counter", "Publishes by topic and result.")
M.declare("somaclient_event_loop_errors_total", "counter", "SomaClient calls that hit the event-loop bug.")

ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
COST = 50  # tokens a chat message costs


def load_tenants(path):
    """conf/tenants.yaml: tenants: / <name>: / budget: / tokens_per_day: N."""
    tenants, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip()
            m = re.match(r"^  ([a-z0-9][a-z0-9_-]*):\s*$", line)
            if m:
                cur = m.group(1)
                tenants[cur] = None
                continue
            m = re.match(r"^\s+tokens_per_day:\s*(\d+)\s*$", line)
            if m and cur:
                tenants[cur] = int(m.group(1))
    return {k: v for k, v in tenants.items() if v is not None}


class CircuitOpenError(Exception):
    pass


class Breaker:
    """Closed -> open after 3 consecutive failures; open -> half-open after 1 s;
    a half-open call that fails opens it again (each opening is an event)."""

    def __init__(self, name, threshold=3, reset=1.0):
        self.name, self.threshold, self.reset = name, threshold, reset
        self.state, self.failures, self.opened_at = "closed", 0, 0.0
        self.lock = threading.Lock()
        M.inc("circuit_breaker_open_events_total", {"breaker": name}, 0)
        self._export()

    def _export(self):
        M.set("circuit_breaker_state", {"closed": 0, "open": 1, "half-open": 2}[self.state],
              {"breaker": self.name})

    def call(self, fn):
        with self.lock:
            if self.state == "open":
                if time.monotonic() - self.opened_at < self.reset:
                    M.inc("circuit_breaker_calls_total", {"breaker": self.name, "result": "rejected"})
                    raise CircuitOpenError("circuit '%s' is open" % self.name)
                self.state = "half-open"
                self._export()
        try:
            r = fn()
        except Exception:
            with self.lock:
                M.inc("circuit_breaker_calls_total", {"breaker": self.name, "result": "failure"})
                self.failures += 1
                if self.state == "half-open" or self.failures >= self.threshold:
                    if self.state != "open":
                        M.inc("circuit_breaker_open_events_total", {"breaker": self.name})
                        lc.log("circuit breaker %s opened after %d failures" % (self.name, self.failures))
                    self.state, self.opened_at = "open", time.monotonic()
                    self._export()
            raise
        with self.lock:
            M.inc("circuit_breaker_calls_total", {"breaker": self.name, "result": "success"})
            if self.state != "closed":
                lc.log("circuit breaker %s closed" % self.name)
            self.state, self.failures = "closed", 0
            self._export()
        return r


class Producer:
    """lab_kafka produce as a child: one line per message, one reply line each."""

    def __init__(self, binary, brokers):
        self.binary, self.brokers = binary, brokers
        self.lock = threading.Lock()
        self.waiting = {}
        self.proc = None
        self.last_failure = 0.0

    def _ensure(self):
        if self.proc and self.proc.poll() is None:
            return
        self.proc = subprocess.Popen([self.binary, "produce", "-k", self.brokers],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def _read(self, proc):
        for line in proc.stdout:
            parts = line.rstrip("\n").split("\t")
            slot = self.waiting.pop(parts[0], None)
            if slot:
                slot[1] = parts[1:]
                slot[0].set()

    def request(self, fields, timeout):
        rid = uuid.uuid4().hex
        slot = [threading.Event(), None]
        self.waiting[rid] = slot
        with self.lock:
            self._ensure()
            try:
                self.proc.stdin.write("\t".join([rid] + fields) + "\n")
                self.proc.stdin.flush()
            except OSError as e:
                self.waiting.pop(rid, None)
                return False, "producer: %s" % e
        if not slot[0].wait(timeout):
            self.waiting.pop(rid, None)
            return False, "no answer from the producer in %.1fs" % timeout
        r = slot[1]
        return r[0] == "ok", " ".join(r[1:])

    def publish(self, topic, key, value):
        ok, detail = self.request([topic, key, value], 4.0)
        M.inc("gateway_kafka_publish_total", {"topic": topic, "result": "ok" if ok else "error"})
        if not ok:
            self.last_failure = time.monotonic()
        return ok, detail

    def meta(self):
        return self.request(["meta"], 1.5)


class Gateway:
    def __init__(self):
        self.pg = lc.pg_from_env()
        self.redis = lc.redis_from_env()
        self.producer = Producer(lc.env("LAB_KAFKA_BIN"), lc.env("LAB_KAFKA_BROKERS"))
        self.breaker = Breaker("slm")
        self.upstream = ("127.0.0.1", int(lc.env("LAB_PORT_UPSTREAM")))
        self.canvas = ("127.0.0.1", int(lc.env("LAB_PORT_CANVAS")))
        self.tenants = load_tenants(os.path.join(lc.env("LAB_REPO_DIR"), "conf", "tenants.yaml"))
        lc.log("tenants: %s" % ", ".join("%s=%d" % kv for kv in sorted(self.tenants.items())))
        for t, limit in self.tenants.items():
            M.set("budget_tokens_limit", limit, {"tenant": t})
        self.components = {}
        self.health_lock = threading.Lock()

    # --- checks, every 500 ms (the answer of /health is the last result) ---
    def check(self):
        comps = {}

        def put(name, ok, detail, bad="down"):
            comps[name] = {"status": "ok" if ok else bad, "detail": detail}

        try:
            self.pg.query("SELECT 1")
            put("postgres", True, "SELECT 1 answered")
        except Exception as e:
            put("postgres", False, str(e))
        redis_ok = False
        try:
            redis_ok = self.redis.cmd("PING") == "PONG"
            put("redis", redis_ok, "PING answered")
        except Exception as e:
            put("redis", False, str(e))
        ok, detail = self.producer.meta()
        if ok and time.monotonic() - self.producer.last_failure < 5:
            put("kafka", False, "metadata answered, but a publish failed in the last 5 s", "degraded")
        else:
            put("kafka", ok, ("%s brokers in metadata" % detail) if ok else detail)
        for w in ("telemetry-worker", "delegation-worker", "conversation-worker"):
            if not redis_ok:
                put(w, False, "unknown: redis is down", "unknown")
                continue
            try:
                beat = self.redis.cmd("GET", "heartbeat:" + w)
                put(w, beat is not None, "heartbeat from replica %s" % beat if beat else "no heartbeat for 2 s")
            except Exception as e:
                put(w, False, str(e), "unknown")
        try:
            c = http.client.HTTPConnection(*self.canvas, timeout=0.5)
            c.request("GET", "/healthz")
            code = c.getresponse().status
            c.close()
            put("canvas", code == 200, "healthz %d" % code)
        except Exception as e:
            put("canvas", False, str(e))
        st = self.breaker.state
        put("upstream", st == "closed", "circuit breaker slm %s" % st, st)
        with self.health_lock:
            self.components = comps
        for name, c in comps.items():
            M.set("gateway_component_ok", 1 if c["status"] == "ok" else 0, {"component": name})
        if redis_ok:
            for t in self.tenants:
                try:
                    M.set("budget_tokens_used", int(self.redis.cmd("GET", "budget:%s:tokens" % t) or 0),
                          {"tenant": t})
                except (ValueError, lc.RedisError):
                    pass
            try:
                M.set("gateway_requeue_pending", int(self.redis.cmd("HLEN", "requeue")))
            except lc.RedisError:
                pass

    # --- traffic through the breaker and the SomaClient memory sync, every 250 ms ---
    def slm(self, prompt):
        c = http.client.HTTPConnection(*self.upstream, timeout=0.5)
        try:
            body = json.dumps({"prompt": prompt})
            c.request("POST", "/v1/generate", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            if r.status != 200:
                raise IOError("upstream answered %d" % r.status)
            return json.loads(data).get("text", "")
        finally:
            c.close()

    def traffic(self):
        try:
            self.breaker.call(lambda: self.slm("keepalive"))
        except Exception:
            pass

    def memory_call(self, what):
        if lc.fault("event-loop"):
            M.inc("somaclient_event_loop_errors_total")
            lc.log("SomaClient memory call for %s failed: RuntimeError: Event loop is closed" % what)
            return False
        return True

    def memory_sync(self):
        self.memory_call("the periodic memory sync")

    # --- delegation rows: gauges and the dispatcher, every second ---
    def dispatch(self):
        rows = self.pg.query(
            "SELECT status, count(*), coalesce(extract(epoch FROM now() - min(updated_at)), 0) "
            "FROM delegation_tasks GROUP BY status")
        seen = {r[0]: r for r in rows}
        series, ages = [], []
        for st in sorted(set(seen) | {"queued", "running", "done", "stuck"}):
            r = seen.get(st)
            series.append(({"status": st}, int(r[1]) if r else 0))
            ages.append(({"status": st}, round(float(r[2]), 3) if r else 0))
        M.replace("delegation_tasks", series)
        M.replace("delegation_tasks_oldest_seconds", ages)
        due = self.pg.query(
            "SELECT task_id, coalesce(payload, '') FROM delegation_tasks WHERE status = 'queued' "
            "AND (dispatched_at IS NULL OR dispatched_at < now() - interval '3 seconds') "
            "ORDER BY updated_at LIMIT 50")
        sent = []
        for task_id, payload in due:
            ok, _ = self.producer.publish("delegation.tasks", task_id,
                                          json.dumps({"task_id": task_id, "payload": payload,
                                                      "redelivery": True}))
            if ok:
                sent.append(task_id)
            else:
                break
        if sent:
            self.pg.query("UPDATE delegation_tasks SET dispatched_at = now() WHERE task_id IN (%s)"
                          % ",".join(lc.lit(t) for t in sent))
            lc.log("dispatcher re-published %d queued tasks" % len(sent))

    def requeue(self, topic, key, value, reason):
        rid = "rq-" + uuid.uuid4().hex[:12]
        entry = {"id": rid, "topic": topic, "key": key, "value": value, "reason": reason,
                 "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.redis.cmd("HSET", "requeue", rid, json.dumps(entry))
        lc.log("requeued %s for %s: %s" % (rid, topic, reason))
        return rid


G = None


def count(h, handler, code):
    M.inc("http_requests_total", {"handler": handler, "code": str(code)})


def reply(h, handler, code, obj):
    count(h, handler, code)
    h.send_json(code, obj)


def health(h, rest):
    with G.health_lock:
        comps = dict(G.components)
    ok = bool(comps) and all(c["status"] == "ok" for c in comps.values())
    reply(h, "/health", 200 if ok else 503,
          {"status": "ok" if ok else "degraded", "components": comps})


def chat(h, rest):
    try:
        body = h.body_json()
    except ValueError as e:
        return reply(h, "/v1/chat", 400, {"error": str(e)})
    tenant = str(body.get("tenant") or "default")
    session = str(body.get("session") or "lab-session")
    message = str(body.get("message") or "")
    if not TENANT_RE.match(tenant) or not ID_RE.match(session):
        return reply(h, "/v1/chat", 400, {"error": "bad tenant or session"})
    if tenant not in G.tenants:
        return reply(h, "/v1/chat", 403, {"error": "unknown tenant '%s'" % tenant})
    limit = G.tenants[tenant]
    try:
        used = int(G.redis.cmd("GET", "budget:%s:tokens" % tenant) or 0)
    except Exception as e:
        return reply(h, "/v1/chat", 503, {"error": "budget store unavailable: %s" % e})
    if used >= limit:
        M.inc("gateway_budget_rejections_total", {"tenant": tenant})
        lc.log("tenant %s refused: Token budget exceeded (%d of %d)" % (tenant, used, limit))
        return reply(h, "/v1/chat", 429, {"error": "Token budget exceeded", "tenant": tenant,
                                           "used": used, "limit": limit})
    try:
        text = G.breaker.call(lambda: G.slm(message))
    except CircuitOpenError as e:
        lc.log("CircuitOpenError: %s" % e)
        return reply(h, "/v1/chat", 503, {"error": "CircuitOpenError: %s" % e})
    except Exception as e:
        return reply(h, "/v1/chat", 502, {"error": "upstream: %s" % e})
    memory = "ok" if G.memory_call("session %s" % session) else "unavailable"
    G.redis.cmd("INCRBY", "budget:%s:tokens" % tenant, COST)
    G.redis.cmd("SET", "session:%s" % session, json.dumps({"tenant": tenant}), "EX", 3600)
    event = json.dumps({"session": session, "tenant": tenant, "message": message})
    ok, detail = G.producer.publish("conversation.inbound", session, event)
    if not ok:
        G.requeue("conversation.inbound", session, event, detail)
    reply(h, "/v1/chat", 200, {"reply": text, "tenant": tenant, "tokens_used": used + COST,
                               "memory": memory, "published": ok})


def submit_task(h, rest):
    try:
        body = h.body_json()
    except ValueError as e:
        return reply(h, "/v1/delegation/task", 400, {"error": str(e)})
    task_id = str(body.get("task_id") or "task-" + uuid.uuid4().hex[:12])
    payload = json.dumps(body.get("payload", {}))
    if not ID_RE.match(task_id):
        return reply(h, "/v1/delegation/task", 400, {"error": "bad task_id"})
    try:
        # dispatched now: the dispatcher leaves a task its submitter publishes alone
        G.pg.query("INSERT INTO delegation_tasks (task_id, status, payload, dispatched_at) "
                   "VALUES (%s, 'queued', %s, now()) ON CONFLICT (task_id) DO NOTHING"
                   % (lc.lit(task_id), lc.lit(payload)))
    except lc.PgError as e:
        return reply(h, "/v1/delegation/task", 503, {"error": "postgres: %s" % e})
    value = json.dumps({"task_id": task_id, "payload": payload})
    ok, detail = G.producer.publish("delegation.tasks", task_id, value)
    if ok:
        G.pg.query("UPDATE delegation_tasks SET dispatched_at = now() WHERE task_id = %s" % lc.lit(task_id))
        return reply(h, "/v1/delegation/task", 200, {"task_id": task_id, "status": "queued"})
    rid = G.requeue("delegation.tasks", task_id, value, detail)
    reply(h, "/v1/delegation/task", 202, {"task_id": task_id, "status": "requeued", "requeue_id": rid})


def get_task(h, rest):
    if not ID_RE.match(rest):
        return reply(h, "/v1/delegation/task", 400, {"error": "bad task_id"})
    try:
        rows = G.pg.query("SELECT task_id, status, updated_at::text FROM delegation_tasks WHERE task_id = %s"
                          % lc.lit(rest))
    except lc.PgError as e:
        return reply(h, "/v1/delegation/task", 503, {"error": str(e)})
    if not rows:
        return reply(h, "/v1/delegation/task", 404, {"error": "no task '%s'" % rest})
    reply(h, "/v1/delegation/task", 200, dict(zip(("task_id", "status", "updated_at"), rows[0])))


def list_requeue(h, rest):
    try:
        entries = [json.loads(v) for v in (G.redis.cmd("HVALS", "requeue") or [])]
    except Exception as e:
        return reply(h, "/v1/requeue", 503, {"error": str(e)})
    entries.sort(key=lambda e: (e["created_at"], e["id"]))
    reply(h, "/v1/requeue", 200, [{k: e[k] for k in ("id", "topic", "reason", "created_at")}
                                  for e in entries])


def resolve_requeue(h, rest):
    m = re.match(r"^([A-Za-z0-9-]{1,64})/resolve$", rest)
    if not m:
        return reply(h, "/v1/requeue", 404, {"error": "not found"})
    rid = m.group(1)
    try:
        body = h.body_json()
        raw = G.redis.cmd("HGET", "requeue", rid)
    except ValueError as e:
        return reply(h, "/v1/requeue", 400, {"error": str(e)})
    except Exception as e:
        return reply(h, "/v1/requeue", 503, {"error": str(e)})
    if raw is None:
        return reply(h, "/v1/requeue", 404, {"error": "no requeue entry '%s'" % rid})
    if body.get("allow") is not True:
        G.redis.cmd("HDEL", "requeue", rid)
        lc.log("requeue entry %s dropped" % rid)
        return reply(h, "/v1/requeue", 200, {"id": rid, "status": "dropped"})
    e = json.loads(raw)
    ok, detail = G.producer.publish(e["topic"], e["key"], e["value"])
    if not ok:
        return reply(h, "/v1/requeue", 503, {"id": rid, "status": "pending", "error": detail})
    G.redis.cmd("HDEL", "requeue", rid)
    if e["topic"] == "delegation.tasks":
        try:
            G.pg.query("UPDATE delegation_tasks SET dispatched_at = now() WHERE task_id = %s" % lc.lit(e["key"]))
        except lc.PgError:
            pass
    lc.log("requeue entry %s published to %s" % (rid, e["topic"]))
    reply(h, "/v1/requeue", 200, {"id": rid, "status": "published"})


def canvas_stream(h, rest):
    m = re.match(r"^([A-Za-z0-9_-]{1,128})/stream$", rest)
    if not m:
        return reply(h, "/v1/canvas", 404, {"error": "not found"})
    try:
        c = http.client.HTTPConnection(*G.canvas, timeout=5)
        c.request("GET", "/v1/canvas/%s/stream" % m.group(1), headers={"Accept": "text/event-stream"})
        r = c.getresponse()
    except Exception as e:
        lc.log("canvas unreachable: %s" % e)
        return reply(h, "/v1/canvas", 502, {"error": "canvas unreachable: %s" % e})
    count(h, "/v1/canvas", r.status)
    h.send_response(r.status)
    h.send_header("Content-Type", r.getheader("Content-Type", "text/event-stream"))
    h.send_header("Cache-Control", "no-cache")
    h.end_headers()
    try:
        while True:
            chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            if not chunk:
                break
            h.wfile.write(chunk)
            h.wfile.flush()
    except OSError:
        pass
    finally:
        c.close()


def somaclient_probe(h, rest):
    if G.memory_call("the multi-loop probe"):
        return reply(h, "/v1/somaclient/probe", 200, {"ok": True})
    reply(h, "/v1/somaclient/probe", 500, {"ok": False, "error": "RuntimeError: Event loop is closed"})


def main():
    global G
    lc.start()
    G = Gateway()
    lc.every(0.5, G.check, "health check")
    lc.every(0.25, G.traffic, "slm traffic")
    lc.every(1.0, G.memory_sync, "memory sync")
    lc.every(1.0, G.dispatch, "dispatcher")
    lc.serve([
        ("GET", "/health", health),
        ("POST", "/v1/chat", chat),
        ("POST", "/v1/delegation/task", submit_task),
        ("GET", "/v1/delegation/task/", get_task),
        ("GET", "/v1/requeue", list_requeue),
        ("POST", "/v1/requeue/", resolve_requeue),
        ("GET", "/v1/canvas/", canvas_stream),
        ("GET", "/v1/somaclient/probe", somaclient_probe),
    ], M)


if __name__ == "__main__":
    main()
