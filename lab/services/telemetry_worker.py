"""telemetry-worker - the lab's telemetry worker.

Persists a sample to PostgreSQL (telemetry_workers, one row per replica)
every second and sets heartbeat:telemetry-worker in Redis every 500 ms
(expires in 2 s: the gateway's /health reads it).  A worker that cannot
reach PostgreSQL when it starts exits 1 (it goes straight back down); a
write that fails later counts in telemetry_worker_failures_total.

  GET /metrics   telemetry_worker_events_total, telemetry_worker_failures_total,
                 telemetry_worker_last_persist_timestamp_seconds
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcommon as lc  # noqa: E402

M = lc.Metrics()
M.declare("telemetry_worker_events_total", "counter", "Samples persisted to PostgreSQL.")
M.declare("telemetry_worker_failures_total", "counter", "Writes to PostgreSQL that failed.")
M.declare("telemetry_worker_last_persist_timestamp_seconds", "gauge", "When the last sample was written.")
M.inc("telemetry_worker_events_total", None, 0)
M.inc("telemetry_worker_failures_total", None, 0)

NAME = "%s-%d" % (lc.SERVICE, lc.REPLICA)


def main():
    lc.start()
    pg, redis = lc.pg_from_env(), lc.redis_from_env()
    try:
        pg.query("SELECT 1")
    except lc.PgError as e:
        lc.log("postgres unreachable at start, exiting: %s" % e)
        sys.exit(1)

    def persist():
        try:
            pg.query("INSERT INTO telemetry_workers (worker, seen_at, events) VALUES (%s, now(), 1) "
                     "ON CONFLICT (worker) DO UPDATE SET seen_at = now(), "
                     "events = telemetry_workers.events + 1" % lc.lit(NAME))
        except lc.PgError as e:
            M.inc("telemetry_worker_failures_total")
            lc.log("persist failed: %s" % e)
            return
        M.inc("telemetry_worker_events_total")
        M.set("telemetry_worker_last_persist_timestamp_seconds", round(time.time(), 3))

    def beat():
        redis.cmd("SET", "heartbeat:telemetry-worker", str(lc.REPLICA), "PX", 2000)

    lc.every(1.0, persist, "persist")
    lc.every(0.5, beat, "heartbeat")
    lc.serve([], M)


if __name__ == "__main__":
    main()
