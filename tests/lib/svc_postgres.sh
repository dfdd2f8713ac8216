# svc_postgres.sh - a throwaway PostgreSQL 15 for the sql cases (sourced).
#
# svc_postgres_start: initdb + pg_ctl under $RB_TEST_WORK/pg, listening on
# 127.0.0.1 on a free port, password (scram) auth for the role `runbook`,
# database `rbtest` with a seeded `delegation_tasks` table.  PostgreSQL
# refuses to run as root, so as root the server runs as the unprivileged
# user `rbtest` (created when missing).  Exports:
#   RB_TEST_PG_DSN       postgresql://runbook:<password>@127.0.0.1:<port>/rbtest
#   RB_TEST_PG_PORT      the port
#   RB_TEST_PG_PASSWORD  the role's password (random per suite)
# svc_postgres_stop: stops the server (immediate) and removes its data.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

_svc_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u rbtest -- "$@"; else "$@"; fi
}

svc_postgres_start() {
	local dir=$RB_TEST_WORK/pg port pw i
	[ -x "$PG_BIN/initdb" ] || { echo "svc_postgres: no $PG_BIN/initdb" >&2; return 1; }
	if [ "$(id -u)" -eq 0 ] && ! id -u rbtest >/dev/null 2>&1; then
		useradd -r -m -s /usr/sbin/nologin rbtest || return 1
	fi
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])') || return 1
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	mkdir -p "$dir/sock" || return 1
	chmod 700 "$dir"
	[ "$(id -u)" -eq 0 ] && chown -R rbtest "$dir"
	# the superuser authenticates over the private socket directory only
	_svc_pg_as "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --no-sync \
		--auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; return 1; }
	_svc_pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -W \
		-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/sock -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
		start >/dev/null || return 1
	for i in $(seq 1000); do
		pg_isready -q -h 127.0.0.1 -p "$port" && break
		sleep 0.01
	done
	pg_isready -q -h 127.0.0.1 -p "$port" || { cat "$dir/server.log" >&2; return 1; }
	# the password goes through stdin, never argv
	{ printf '\\set pw %s\n' "'$pw'"; cat <<'SQL'
CREATE ROLE runbook LOGIN PASSWORD :'pw';
CREATE DATABASE rbtest OWNER runbook;
\connect rbtest
SET ROLE runbook;
CREATE TABLE delegation_tasks (
	task_id    text PRIMARY KEY,
	status     text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO delegation_tasks (task_id, status, updated_at) VALUES
	('task-1', 'done',    now() - interval '2 hours'),
	('task-2', 'running', now() - interval '90 minutes'),
	('task-3', 'stuck',   now() - interval '3 hours'),
	('task-4', 'stuck',   now() - interval '5 hours'),
	('task-5', 'queued',  now());
SQL
	} | _svc_pg_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$port" \
		-U postgres -d postgres >/dev/null || return 1
	export RB_TEST_PG_PORT=$port RB_TEST_PG_PASSWORD=$pw
	export RB_TEST_PG_DSN="postgresql://runbook:$pw@127.0.0.1:$port/rbtest"
}

svc_postgres_stop() {
	local dir=$RB_TEST_WORK/pg
	[ -d "$dir/data" ] && _svc_pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$dir"
}
