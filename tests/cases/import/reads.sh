# The table of known reads: each command, as a code span under a Checks
# heading, is imported with the effect it should have.
python3 - <<'PY'
cases = [
    ("kubectl -n $NS get pods", "read"), ("kubectl --context prod describe pod x", "read"),
    ("kubectl logs deploy/api --tail 50", "read"), ("kubectl top pods", "read"),
    ("kubectl rollout status deploy/api", "read"), ("kubectl rollout restart deploy/api", "write"),
    ("kubectl delete pod x", "write"), ("kubectl auth can-i get pods", "read"),
    ("systemctl status nginx", "read"), ("systemctl restart nginx", "write"),
    ("curl -s http://x/health", "read"), ("curl -X POST http://x/api", "write"),
    ("curl -XGET http://x/", "read"), ("curl -d a=1 http://x/", "write"),
    ("psql $DSN -c 'SELECT 1'", "read"), ("psql $DSN -c 'DELETE FROM t'", "write"),
    ("psql $DSN -c 'SELECT 1; DROP TABLE t'", "write"), ("psql $DSN", "write"),
    ("psql $DSN -c 'SELECT pg_terminate_backend(42)'", "write"), ("psql $DSN -c 'SELECT * INTO t2 FROM t'", "write"),
    ("redis-cli -h h GET k", "read"), ("redis-cli INFO memory", "read"),
    ("redis-cli -h h DEL k", "write"), ("redis-cli --bigkeys", "read"),
    ("redis-cli CONFIG GET maxmemory", "read"), ("redis-cli CONFIG SET maxmemory 1gb", "write"),
    ("docker ps -a", "read"), ("docker logs api", "read"), ("docker compose -f x.yaml ps", "read"),
    ("docker compose restart api", "write"), ("helm -n soma status soma-stack", "read"),
    ("helm upgrade --install x y", "write"), ("journalctl -u nginx", "read"),
    ("kubectl get pods | grep api | wc -l", "read"), ("kubectl get pods > pods.txt", "write"),
    ("kubectl get pods 2>/dev/null | jq .items", "read"), ("sed -i s/a/b/ f", "write"),
    ("find /tmp -name x -delete", "write"), ("sudo systemctl status x", "read"),
]
with open("reads.md", "w") as f:
    f.write("# Reads\n\n## Checks\n\n")
    for c, _ in cases:
        f.write(f"- `{c}`\n")
with open("want", "w") as f:
    for c, e in cases:
        f.write(f"{e}\t{c}\n")
PY
rb import reads.md -o reads.yaml
expect_rc 0
rb check reads.yaml
expect_rc 0
python3 - <<'PY' || fail "effects"
import yaml
r = yaml.safe_load(open("reads.yaml"))
want = [l.rstrip("\n").split("\t", 1) for l in open("want")]
got = r["checks"]
assert len(got) == len(want), (len(got), len(want))
bad = [(c, e, s.get("effect")) for (e, c), s in zip(want, got) if s.get("effect") != e]
assert not bad, bad
PY
