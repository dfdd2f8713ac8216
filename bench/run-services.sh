# Sourced by bench/run.sh: the service primitives against real servers.
# 4. 1,000 http GET checks against nginx vs curl --parallel on the same URLs
# 5. 1,000 sql read steps on one connection vs psql running the same queries
export RB_TEST_WORK=$W/svc
mkdir -p "$RB_TEST_WORK"; chmod 755 "$RB_TEST_WORK"

echo "== 4. 1,000 http GET checks against nginx vs curl --parallel"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$W/www"; echo '{"status":"ok"}' > "$W/www/health.json"
cat > "$W/nginx.conf" <<NGX
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  server { listen 127.0.0.1:$port; root $W/www; }
}
NGX
/usr/sbin/nginx -c "$W/nginx.conf" -p "$W" 2>/dev/null || nginx -c "$W/nginx.conf" -p "$W"
python3 - "$W" "$port" <<'PY'
import sys
w, port = sys.argv[1], sys.argv[2]
steps = "".join(f"  - id: c{i}\n    http: {{ url: 'http://127.0.0.1:{port}/health.json?i={i}' }}\n" for i in range(1000))
open(f"{w}/http.yaml", "w").write(f"runbook: bench-http\ntitle: 1000 checks\nchecks:\n{steps}")
open(f"{w}/urls.txt", "w").write("".join(f"url = \"http://127.0.0.1:{port}/health.json?i={i}\"\noutput = /dev/null\n" for i in range(1000)))
PY
t_curl=$(best curl -s --parallel --parallel-max 50 -K "$W/urls.txt")
t_http=$(cd "$W" && best "$RB" run http.yaml --quiet)
r=$(ratio "$t_http" "$t_curl")
echo "   curl --parallel: ${t_curl}s   runbook: ${t_http}s   ratio: ${r}x (target $(target http)x)"
guard http "$r"
if command -v ansible-playbook >/dev/null; then
	python3 - "$W/uri.yml" "$port" <<'PY'
import sys
tasks = "".join(f"    - uri: {{ url: 'http://127.0.0.1:{sys.argv[2]}/health.json?i={i}' }}\n" for i in range(100))
open(sys.argv[1], "w").write(f"- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n{tasks}")
PY
	t_uri=$(best ansible-playbook -i localhost, "$W/uri.yml")
	r=$(python3 -c "print(f'{($t_uri/100)/($t_http/1000):.0f}')")
	echo "   ansible-playbook, 100 uri tasks: ${t_uri}s -> per check: ansible $(python3 -c "print(f'{$t_uri/100*1000:.1f}')")ms, runbook $(python3 -c "print(f'{$t_http/1000*1000:.3f}')")ms (${r}x faster; target $(target ansible-http)x)"
	guard ansible-http "$r"
fi
kill "$(cat "$W/nginx.pid")" 2>/dev/null

echo "== 5. 1,000 sql read steps on one connection vs psql running the same 1,000 queries"
. tests/lib/svc_postgres.sh
if svc_postgres_start >"$W/pg.log" 2>&1; then
	python3 - "$W" <<'PY'
import sys
w = sys.argv[1]
steps = "".join(f"  - id: q{i}\n    sql: {{ connection: db, query: 'SELECT task_id, status FROM delegation_tasks WHERE task_id = $1', params: [task-{i % 5 + 1}], read-only: true }}\n" for i in range(1000))
open(f"{w}/sql.yaml", "w").write("runbook: bench-sql\ntitle: 1000 queries\ninputs:\n  dsn: { type: secret, from: env:RB_TEST_PG_DSN }\nconnections:\n  db: { postgres: \"${{ inputs.dsn }}\" }\nsteps:\n" + steps)
open(f"{w}/q.sql", "w").write("".join(f"BEGIN READ ONLY; SELECT task_id, status FROM delegation_tasks WHERE task_id = 'task-{i % 5 + 1}'; ROLLBACK;\n" for i in range(1000)))
PY
	t_psql=$(PGPASSWORD=$RB_TEST_PG_PASSWORD best psql -X -q -h 127.0.0.1 -p "$RB_TEST_PG_PORT" -U runbook -d rbtest -f "$W/q.sql")
	t_sql=$(cd "$W" && best "$RB" run sql.yaml --quiet)
	r=$(ratio "$t_sql" "$t_psql")
	echo "   psql: ${t_psql}s   runbook: ${t_sql}s   ratio: ${r}x (target $(target sql)x)"
	guard sql "$r"
	svc_postgres_stop >/dev/null 2>&1
else
	echo "   (postgres did not start: $(tail -3 "$W/pg.log"))"
fi
