#!/usr/bin/env bash
# lab.sh - a local stand-in of the SomaAgent platform, for drills: real
# PostgreSQL, Redis, Prometheus (with the platform's alerts) and
# Alertmanager, librdkafka's mock Kafka cluster, and small processes for
# the team's own services (gateway, canvas, workers, the SLM upstream,
# a pager).  It stands in for `docker compose` / `kubectl`; lab/README.md
# says which command stands for which.
#
#   lab.sh up                  start whatever is not running (idempotent); prints the state file
#   lab.sh down                stop everything by pid and remove the lab's data (logs stay)
#   lab.sh status              one line per process: pid, port, whether it answers
#                              (exit 0 when every wanted replica answers, 1 if not, 3 when down)
#   lab.sh kill NAME[-I]       SIGKILL (a crash; kafka: every broker refuses connections)
#   lab.sh start NAME[-I]      start the wanted replicas that are not running
#   lab.sh stop NAME[-I]       SIGTERM, then SIGKILL after 5 s (kafka: brokers down)
#   lab.sh restart NAME...     replica by replica, each waited for (a rolling restart)
#   lab.sh scale NAME N        want N replicas (0..3 for workers and kafka brokers, else 0..1)
#   lab.sh replicas NAME       the wanted replica count
#   lab.sh ready NAME          how many replicas answer (kafka: brokers up)
#   lab.sh wait NAME [SECS]    until every wanted replica answers (default 30 s)
#   lab.sh broker down|up ID|all
#   lab.sh fault add NAME [--sticky] [--for DURATION] | clear NAME|--all | list
#                              (crash:NAME[-I]: the process, or one replica, exits at
#                              start; crash:kafka-I: broker I does not come up; --for:
#                              the fault heals by itself, a transient outage)
#   lab.sh rebuild NAME...     a rebuilt image: clears the event-loop fault (unless sticky), restarts
#   lab.sh logs NAME... [--since DURATION]
#   lab.sh pids                every pid of the lab, children included
#
# start, restart, scale and rebuild run in the lab's supervisor (labd,
# started by `up`): what they start is never the caller's descendant, so
# a runbook step that restarts a service does not take it down when the
# step ends (see services/labd.py).
#
# The lab lives in $LAB_RUN (default lab/run): state.env (mode 0600,
# `export VAR=value` lines: ports, URLs, the PostgreSQL DSN), pids/,
# logs/, faults/, the servers' data.  Ports are free loopback ports chosen
# at the first `up`.  BUILD (default build) says where the helper
# lab_kafka is; it is built with make when missing.
set -uo pipefail

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LAB_ROOT/.." && pwd)
LAB_RUN=${LAB_RUN:-$LAB_ROOT/run}
mkdir -p "$LAB_RUN" && LAB_RUN=$(cd "$LAB_RUN" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
STATE=$LAB_RUN/state.env
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

NAMES=(postgres redis kafka kafka-exporter alertmanager pager upstream canvas
       telemetry-worker delegation-worker conversation-worker gateway prometheus)
TOPICS=(conversation.inbound:3 conversation.outbound:3 delegation.tasks:3)
FAULTS="crash:<name>[-I] crash:kafka-<I> event-loop stuck-tasks crash-on-replay upstream-errors canvas-drops"

die() { echo "lab: $*" >&2; exit 1; }
say() { echo "lab: $*" >&2; }

known() { local n; for n in "${NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
max_replicas() { case $1 in telemetry-worker|delegation-worker|conversation-worker|kafka) echo 3 ;; *) echo 1 ;; esac; }
is_proc() { case $1 in postgres|redis|kafka|prometheus|alertmanager) return 1 ;; esac; return 0; }
uvar() { local v=${1^^}; echo "${v//-/_}"; }
# port_of NAME [I]: the replica's port (replicated services have one per replica)
port_of() {
	local v=LAB_PORT_$(uvar "$1")
	[ "$(max_replicas "$1")" -gt 1 ] && [ "$1" != kafka ] && v=${v}_${2:-1}
	echo "${!v:-}"
}
# NAME-I -> NAME and I (I empty when not given)
split_name() {
	SN=$1 SI=
	if ! known "$SN" && [[ $SN =~ ^(.*)-([0-9]+)$ ]] && known "${BASH_REMATCH[1]}"; then
		SN=${BASH_REMATCH[1]} SI=${BASH_REMATCH[2]}
	fi
	known "$SN" || die "unknown process '$1' (one of: ${NAMES[*]})"
	if [ -n "$SI" ] && { [ "$SI" -lt 1 ] || [ "$SI" -gt "$(max_replicas "$SN")" ]; }; then
		die "$SN has replicas 1..$(max_replicas "$SN")"
	fi
	return 0
}

load_state() { [ -s "$STATE" ] || return 1; . "$STATE"; }
need_state() { load_state || die "the lab is down (no $STATE); run: lab.sh up"; }

lock() {
	exec 9>"$LAB_RUN/.lock"
	flock -w 300 9 || die "another lab.sh holds $LAB_RUN/.lock"
}

# ---- pids: a pid file holds "PID STARTTIME" so a reused pid is never signalled ----

# a zombie counts as gone: whoever reaps it (init) may take its time
starttime() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; [ "$1" != Z ] && echo "${20}"; }
pidfile() { echo "$LAB_RUN/pids/$1${2:+-$2}.pid"; }
record_pid() { local st; st=$(starttime "$2") || return 1; echo "$2 $st" >"$1"; }
# the live pid recorded in FILE, or nothing
live_pid() {
	local pid st
	[ -s "$1" ] || return 1
	read -r pid st <"$1" || return 1
	[ -n "$pid" ] && [ "$(starttime "$pid" 2>/dev/null)" = "$st" ] && echo "$pid"
}
# signal_wait FILE SIG SECS: signal the process (its whole group for our own
# session leaders), wait for it to go, SIGKILL after SECS
signal_wait() {
	local f=$1 sig=$2 secs=$3 pid i target
	pid=$(live_pid "$f") || { rm -f "$f"; return 0; }
	target=$pid
	[ "$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && target=-$pid
	kill -"$sig" -- "$target" 2>/dev/null
	for ((i = 0; i < secs * 50; i++)); do
		[ "$(starttime "$pid" 2>/dev/null)" = "$(cut -d' ' -f2 "$f")" ] || break
		sleep 0.02
	done
	if live_pid "$f" >/dev/null; then
		kill -KILL -- "$target" 2>/dev/null
		for ((i = 0; i < 100; i++)); do live_pid "$f" >/dev/null || break; sleep 0.02; done
	fi
	rm -f "$f"
}

# spawn LOG FILE CMD...: start CMD in its own session, stdout+stderr to LOG, pid to FILE
spawn() {
	local log=$1 f=$2
	shift 2
	setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
	local pid=$!
	record_pid "$f" "$pid" || true
}

# fault_on NAME: the fault's file exists and its until_ms, if any, has not passed
fault_on() {
	local f=$LAB_RUN/faults/$1 u
	[ -e "$f" ] || return 1
	u=$(grep -o 'until_ms=[0-9]*' "$f") || return 0
	[ "$(date +%s%3N)" -lt "${u#until_ms=}" ]
}
duration_s() { # 8s, 2m, 8 -> seconds
	[[ $1 =~ ^([0-9]+)(s|m)?$ ]] || return 1
	local n=${BASH_REMATCH[1]}
	[ "${BASH_REMATCH[2]}" = m ] && n=$((n * 60))
	echo "$n"
}

wanted() { local f=$LAB_RUN/replicas/$1; if [ -s "$f" ]; then cat "$f"; elif [ "$1" = kafka ]; then echo 3; else echo 1; fi; }
set_wanted() { mkdir -p "$LAB_RUN/replicas"; echo "$2" >"$LAB_RUN/replicas/$1"; }

# ---- state ----

# free_ports N: N ports free now, below the kernel's ephemeral range (the
# source ports of outgoing connections come from that range: one could
# take a port between this choice and the server's bind, seconds later for
# PostgreSQL after its initdb).  Each is also reserved for this lab in
# $LAB_PORT_DIR (a directory per port, made atomically, naming the lab's
# run directory): two labs started at once never pick the same port.  A
# reservation whose run directory is gone is taken over.
free_ports() {
	"$PY" -c 'import os,random,socket,sys
rdir = os.environ.get("LAB_PORT_DIR") or "/tmp/runbook-lab-ports"
os.makedirs(rdir, exist_ok=True)
def reserve(p):
    d = os.path.join(rdir, str(p))
    try:
        os.mkdir(d)
    except FileExistsError:
        try:
            owner = open(os.path.join(d, "owner")).read()
        except OSError:
            return False
        if os.path.isdir(owner):
            return False
    with open(os.path.join(d, "owner"), "w") as f:
        f.write(sys.argv[2])
    return True
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    lo = 32768
pool = list(range(max(1024, lo - 12000), lo)) if lo > 3000 else []
random.shuffle(pool)
got, socks = [], []
for p in pool:
    if len(got) == int(sys.argv[1]):
        break
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    if not reserve(p):
        s.close()
        continue
    socks.append(s)
    got.append(p)
while len(got) < int(sys.argv[1]):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s); got.append(s.getsockname()[1])
print(" ".join(map(str, got)))' "$1" "$LAB_RUN"
}

STATE_VARS=(LAB_RUN LAB_ROOT LAB_KAFKA_BIN LAB_REPO_DIR LAB_TENANT LAB_SESSION
	LAB_PG_PORT LAB_PG_SOCKET_DIR LAB_PG_PASSWORD LAB_POSTGRES_DSN POSTGRES_DSN
	LAB_REDIS_URL LAB_KAFKA_BROKERS LAB_GATEWAY_URL LAB_PROMETHEUS_URL LAB_ALERTMANAGER_URL
	LAB_CANVAS_URL LAB_UPSTREAM_URL LAB_PAGER_URL LAB_KAFKA_CONTROL_URL LAB_KAFKA_EXPORTER_URL)

write_state() {
	local v n i tmp=$STATE.tmp
	(
		umask 077
		{
			echo "# the SomaAgent lab (lab/lab.sh); source it: . $STATE"
			for v in "${STATE_VARS[@]}"; do printf 'export %s=%q\n' "$v" "${!v:-}"; done
			for n in "${NAMES[@]}"; do
				if [ "$(max_replicas "$n")" -gt 1 ] && [ "$n" != kafka ]; then
					for ((i = 1; i <= $(max_replicas "$n"); i++)); do
						v=LAB_PORT_$(uvar "$n")_$i; printf 'export %s=%q\n' "$v" "${!v}"
					done
				else
					v=LAB_PORT_$(uvar "$n"); printf 'export %s=%q\n' "$v" "${!v}"
				fi
			done
		} >"$tmp"
	) && mv -f "$tmp" "$STATE"
}

new_state() {
	local n i k=0 ports
	read -r -a ports <<<"$(free_ports 20)" || die "cannot choose ports"
	for n in "${NAMES[@]}"; do
		if [ "$(max_replicas "$n")" -gt 1 ] && [ "$n" != kafka ]; then
			for ((i = 1; i <= $(max_replicas "$n"); i++)); do
				printf -v "LAB_PORT_$(uvar "$n")_$i" %s "${ports[k++]}"; export "LAB_PORT_$(uvar "$n")_$i"
			done
		else
			printf -v "LAB_PORT_$(uvar "$n")" %s "${ports[k++]}"; export "LAB_PORT_$(uvar "$n")"
		fi
	done
	export LAB_RUN LAB_ROOT
	export LAB_KAFKA_BIN=$BUILD/helpers/lab_kafka
	export LAB_REPO_DIR=$LAB_RUN/soma LAB_TENANT=acme LAB_SESSION=lab-session
	export LAB_PG_PORT=$LAB_PORT_POSTGRES LAB_PG_SOCKET_DIR=$LAB_RUN/pg/sock
	export LAB_PG_PASSWORD
	LAB_PG_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	export LAB_POSTGRES_DSN="postgresql://soma:$LAB_PG_PASSWORD@127.0.0.1:$LAB_PG_PORT/soma"
	export POSTGRES_DSN=$LAB_POSTGRES_DSN
	export LAB_REDIS_URL=redis://127.0.0.1:$LAB_PORT_REDIS/0
	export LAB_KAFKA_BROKERS=
	export LAB_GATEWAY_URL=http://127.0.0.1:$LAB_PORT_GATEWAY
	export LAB_PROMETHEUS_URL=http://127.0.0.1:$LAB_PORT_PROMETHEUS
	export LAB_ALERTMANAGER_URL=http://127.0.0.1:$LAB_PORT_ALERTMANAGER
	export LAB_CANVAS_URL=http://127.0.0.1:$LAB_PORT_CANVAS
	export LAB_UPSTREAM_URL=http://127.0.0.1:$LAB_PORT_UPSTREAM
	export LAB_PAGER_URL=http://127.0.0.1:$LAB_PORT_PAGER
	export LAB_KAFKA_CONTROL_URL=http://127.0.0.1:$LAB_PORT_KAFKA
	export LAB_KAFKA_EXPORTER_URL=http://127.0.0.1:$LAB_PORT_KAFKA_EXPORTER
	# the checkout the runbooks' repo_dir points at (conf/tenants.yaml, scripts/)
	rm -rf "$LAB_REPO_DIR"
	cp -R "$LAB_ROOT/soma" "$LAB_REPO_DIR" || return 1
	mkdir -p "$LAB_REPO_DIR/.venv/bin" && ln -sf "$PY" "$LAB_REPO_DIR/.venv/bin/python"
	write_state
}

# ---- answers: is the replica serving? ----

http_ok() { curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$1$2" 2>/dev/null; }
answers() {
	case $1 in
	postgres) "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$LAB_PG_PORT" -t 1 ;;
	redis) [ "$(redis-cli -h 127.0.0.1 -p "$LAB_PORT_REDIS" ping 2>/dev/null)" = PONG ] ;;
	kafka) http_ok "$LAB_PORT_KAFKA" /healthz ;;
	prometheus | alertmanager) http_ok "$(port_of "$1")" /-/ready ;;
	*) http_ok "$(port_of "$1" "${2:-1}")" /healthz ;;
	esac
}

# wait_answers NAME I SECS PIDFILE: poll until it answers; fail early when its process died
wait_answers() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		answers "$1" "$2" && return 0
		[ -n "${4:-}" ] && ! live_pid "$4" >/dev/null && break
		sleep 0.05
	done
	answers "$1" "$2" && return 0
	say "$1${2:+-$2} does not answer; the end of its log:"
	tail -n 15 "$(logfile "$1" "$2")" >&2 2>/dev/null
	return 1
}

logfile() {
	case $1 in
	postgres) echo "$LAB_RUN/pg/server.log" ;;
	*) if is_proc "$1" && [ "$(max_replicas "$1")" -gt 1 ]; then echo "$LAB_RUN/logs/$1-${2:-1}.log"
	   else echo "$LAB_RUN/logs/$1.log"; fi ;;
	esac
}

# ---- PostgreSQL ----

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u rbtest -- "$@"; else "$@"; fi; }

postgres_start() {
	local dir=$LAB_RUN/pg
	[ -x "$PG_BIN/initdb" ] || { say "no $PG_BIN/initdb (apt-get install postgresql)"; return 1; }
	if answers postgres; then return 0; fi
	if [ ! -d "$dir/data" ]; then
		if [ "$(id -u)" -eq 0 ] && ! id -u rbtest >/dev/null 2>&1; then
			useradd -r -m -s /usr/sbin/nologin rbtest || return 1
		fi
		mkdir -p "$dir/sock" && chmod 755 "$dir"
		[ "$(id -u)" -eq 0 ] && chown -R rbtest "$dir"
		as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --no-sync \
			--auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; return 1; }
	fi
	as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$LAB_PG_PORT -c unix_socket_directories=$dir/sock -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
		start >/dev/null 9>&- || { tail -n 20 "$dir/server.log" >&2; return 1; }
	record_pid "$(pidfile postgres)" "$(head -n1 "$dir/data/postmaster.pid")"
	wait_answers postgres "" 30 || return 1
	[ -e "$dir/seeded" ] && return 0
	# the password goes through stdin, never argv
	{ printf '\\set pw %s\n' "'$LAB_PG_PASSWORD'"; cat <<'SQL'
CREATE ROLE soma LOGIN PASSWORD :'pw';
CREATE DATABASE soma OWNER soma;
\connect soma
SET ROLE soma;
CREATE TABLE delegation_tasks (
	task_id       text PRIMARY KEY,
	status        text NOT NULL,
	payload       text,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	dispatched_at timestamptz
);
CREATE INDEX delegation_tasks_status ON delegation_tasks (status, updated_at);
INSERT INTO delegation_tasks (task_id, status, updated_at) VALUES
	('task-seed-1', 'done', now() - interval '2 hours'),
	('task-seed-2', 'done', now() - interval '1 hour');
CREATE TABLE telemetry_workers (
	worker  text PRIMARY KEY,
	seen_at timestamptz NOT NULL,
	events  bigint NOT NULL DEFAULT 0
);
SQL
	} | as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$LAB_PG_PORT" \
		-U postgres -d postgres >/dev/null || return 1
	touch "$dir/seeded"
}

postgres_stop() { # MODE: fast (stop) or immediate (kill)
	local dir=$LAB_RUN/pg
	[ -d "$dir/data" ] && live_pid "$(pidfile postgres)" >/dev/null &&
		as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m "$1" -w -t 20 stop >/dev/null 2>&1 9>&-
	signal_wait "$(pidfile postgres)" KILL 5
}

# ---- Redis ----

redis_start() {
	local dir=$LAB_RUN/redis
	answers redis && return 0
	mkdir -p "$dir"
	cat >"$dir/redis.conf" <<-CONF
	bind 127.0.0.1
	port $LAB_PORT_REDIS
	daemonize no
	save ""
	appendonly yes
	appendfsync no
	dir $dir
	CONF
	spawn "$(logfile redis)" "$(pidfile redis)" redis-server "$dir/redis.conf"
	wait_answers redis "" 20 "$(pidfile redis)" || return 1
	if [ ! -e "$dir/seeded" ]; then
		redis-cli -h 127.0.0.1 -p "$LAB_PORT_REDIS" MSET budget:acme:tokens 1200 \
			budget:globex:tokens 300 >/dev/null && touch "$dir/seeded"
	fi
}

# ---- Kafka: the mock cluster process holds the data; brokers go down and up ----

kafka_ctl() { curl -fsS -m 2 -X "$1" "$LAB_KAFKA_CONTROL_URL$2" 2>/dev/null; }
kafka_brokers_state() { kafka_ctl GET /brokers | jq -r 'map("\(.id):\(if .up then "up" else "down" end)") | join(" ")' 2>/dev/null; }
# broker_up ID: up, unless fault crash:kafka-ID keeps it down (a broker that dies at start)
broker_up() {
	if fault_on "crash:kafka-$1"; then
		kafka_ctl POST "/brokers/$1/down" >/dev/null
		say "kafka broker $1 crashes at start (fault crash:kafka-$1)"
		return 1
	fi
	kafka_ctl POST "/brokers/$1/up" >/dev/null
}
kafka_set_brokers() { # up to N brokers up, the rest down
	local n=$1 i rc=0
	for ((i = 1; i <= 3; i++)); do
		if [ "$i" -le "$n" ]; then broker_up "$i" || rc=1
		else kafka_ctl POST "/brokers/$i/down" >/dev/null || return 1; fi
	done
	return $rc
}

kafka_start() {
	local log f bs="" i size restart=()
	f=$(pidfile kafka) log=$(logfile kafka)
	if ! live_pid "$f" >/dev/null; then
		[ -x "$LAB_KAFKA_BIN" ] || build_helper || return 1
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		LAB_WATCH=$STATE spawn "$log" "$f" "$LAB_KAFKA_BIN" cluster -p "$LAB_PORT_KAFKA" -b 3 \
			-G delegation-worker -G conversation-worker "${TOPICS[@]}"
		for ((i = 0; i < 400; i++)); do
			bs=$(tail -c +"$((size + 1))" "$log" 2>/dev/null | head -n1)
			[[ $bs == 127.0.0.1:* ]] && break
			bs=
			live_pid "$f" >/dev/null || break
			sleep 0.05
		done
		[ -n "$bs" ] || { say "the Kafka mock cluster did not start:"; tail -n 5 "$log" >&2; return 1; }
		if [ -n "$LAB_KAFKA_BROKERS" ] && [ "$bs" != "$LAB_KAFKA_BROKERS" ]; then
			# a new cluster: new ports, empty topics; its clients must reconnect
			for n in kafka-exporter delegation-worker conversation-worker gateway; do
				running_replicas "$n" | grep -q . && restart+=("$n")
			done
		fi
		LAB_KAFKA_BROKERS=$bs
		write_state
		wait_answers kafka "" 20 "$f" || return 1
		[ ${#restart[@]} -gt 0 ] && say "the Kafka cluster was recreated (topics are empty); restarting ${restart[*]}"
		for n in "${restart[@]}"; do proc_restart "$n" || return 1; done
	fi
	kafka_set_brokers "$(wanted kafka)"
}

# ---- Alertmanager ----

alertmanager_start() {
	local dir=$LAB_RUN/alertmanager
	answers alertmanager && return 0
	command -v prometheus-alertmanager >/dev/null ||
		{ say "prometheus-alertmanager is not installed (tests/lib/deps.sh test)"; return 1; }
	mkdir -p "$dir/data"
	cat >"$dir/alertmanager.yml" <<-CONF
	route:
	  receiver: pager
	  group_by: [alertname]
	  group_wait: 0s
	  group_interval: 1s
	  repeat_interval: 1h
	receivers:
	  - name: pager
	    webhook_configs:
	      - url: http://127.0.0.1:$LAB_PORT_PAGER/webhook
	        send_resolved: true
	CONF
	spawn "$(logfile alertmanager)" "$(pidfile alertmanager)" prometheus-alertmanager \
		--config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
		--web.listen-address="127.0.0.1:$LAB_PORT_ALERTMANAGER" --cluster.listen-address= \
		--log.level=warn
}

# ---- Prometheus: every process is a target (file_sd, rewritten by scale) ----

JOBS=(gateway canvas upstream pager telemetry-worker delegation-worker conversation-worker kafka kafka-exporter alertmanager prometheus)

write_targets() {
	local n=$1 dir=$LAB_RUN/prometheus/targets i want sep="" out="[" j
	for j in "${JOBS[@]}"; do [ "$j" = "$n" ] && break; done
	[ "$j" = "$n" ] || return 0
	mkdir -p "$dir"
	want=$(wanted "$n")
	[ "$n" = kafka ] && want=1
	for ((i = 1; i <= want; i++)); do
		out+="$sep{\"targets\":[\"127.0.0.1:$(port_of "$n" "$i")\"],\"labels\":{\"replica\":\"$i\"}}"
		sep=,
	done
	echo "$out]" >"$dir/$n.json.tmp" && mv -f "$dir/$n.json.tmp" "$dir/$n.json"
}

prometheus_launch() {
	local dir=$LAB_RUN/prometheus j
	mkdir -p "$dir/data" "$dir/rules"
	rm -f "$dir/rules/"*.yml
	for j in "${JOBS[@]}"; do write_targets "$j"; done
	{
		cat <<-CONF
		global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }
		alerting:
		  alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:$LAB_PORT_ALERTMANAGER"] }] }]
		rule_files: ["$dir/rules/*.yml"]
		scrape_configs:
		CONF
		for j in "${JOBS[@]}"; do
			printf '  - job_name: %s\n    file_sd_configs: [{ files: ["%s"] }]\n' "$j" "$dir/targets/$j.json"
		done
	} >"$dir/prometheus.yml"
	spawn "$(logfile prometheus)" "$(pidfile prometheus)" prometheus \
		--config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--storage.tsdb.retention.time=6h --web.listen-address="127.0.0.1:$LAB_PORT_PROMETHEUS" \
		--web.enable-lifecycle --rules.alert.resend-delay=1s --log.level=warn
}

# The rules go in once every target has been scraped: before that, an
# alert on a missing `up` would fire for a service that is fine.
prometheus_arm() {
	local dir=$LAB_RUN/prometheus want i got
	wait_answers prometheus "" 60 "$(pidfile prometheus)" || return 1
	want=$(cat "$dir/targets/"*.json | jq -s 'map(length) | add')
	for ((i = 0; i < 600; i++)); do
		got=$(curl -fsS -m 2 "$LAB_PROMETHEUS_URL/api/v1/targets?state=active" 2>/dev/null |
			jq '[.data.activeTargets[] | select(.lastScrape | startswith("0001-") | not)] | length' 2>/dev/null)
		[ "${got:-0}" -ge "$want" ] && break
		sleep 0.05
	done
	[ "${got:-0}" -ge "$want" ] || say "prometheus: only ${got:-0} of $want targets scraped after 30 s; arming the alerts anyway"
	cp "$LAB_ROOT/prometheus/rules.yml" "$dir/rules/soma.yml"
	curl -fsS -m 10 -X POST "$LAB_PROMETHEUS_URL/-/reload" >/dev/null ||
		{ say "prometheus did not reload its rules"; return 1; }
	for ((i = 0; i < 200; i++)); do
		curl -fsS -m 2 "$LAB_PROMETHEUS_URL/api/v1/rules" 2>/dev/null |
			jq -e '.data.groups | map(.name) | index("soma-lab")' >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	say "prometheus did not load lab/prometheus/rules.yml"
	return 1
}

prometheus_start() {
	answers prometheus && return 0
	prometheus_launch && prometheus_arm
}

# ---- the lab's own processes ----

build_helper() {
	say "building $LAB_KAFKA_BIN"
	make -C "$ROOT" --no-print-directory BUILD="$BUILD" "$LAB_KAFKA_BIN" >&2 9>&-
}

proc_cmd() { # NAME I -> CMD array
	local port; port=$(port_of "$1" "$2")
	case $1 in
	gateway | canvas | upstream | pager | telemetry-worker) CMD=("$PY" "$LAB_ROOT/services/${1//-/_}.py") ;;
	kafka-exporter) CMD=("$LAB_KAFKA_BIN" exporter -p "$port" -k "$LAB_KAFKA_BROKERS"
		delegation-worker:delegation.tasks conversation-worker:conversation.inbound) ;;
	delegation-worker) CMD=("$LAB_KAFKA_BIN" worker -p "$port" -k "$LAB_KAFKA_BROKERS" -n "$1" -g "$1"
		-t delegation.tasks -r "$LAB_PORT_REDIS" -f "$LAB_RUN/faults" -i "$2"
		-d "host=$LAB_PG_SOCKET_DIR port=$LAB_PG_PORT dbname=soma user=soma connect_timeout=2") ;;
	conversation-worker) CMD=("$LAB_KAFKA_BIN" worker -p "$port" -k "$LAB_KAFKA_BROKERS" -n "$1" -g "$1"
		-t conversation.inbound -r "$LAB_PORT_REDIS" -f "$LAB_RUN/faults" -i "$2") ;;
	esac
}

# proc_spawn NAME I: start the replica unless it runs (no wait)
proc_spawn() {
	local f; f=$(pidfile "$1" "$([ "$(max_replicas "$1")" -gt 1 ] && echo "$2")")
	live_pid "$f" >/dev/null && return 0
	case $1 in kafka-exporter | *-worker) [ -x "$LAB_KAFKA_BIN" ] || build_helper || return 1 ;; esac
	proc_cmd "$1" "$2"
	LAB_SERVICE=$1 LAB_REPLICA=$2 LAB_PORT=$(port_of "$1" "$2") LAB_WATCH=$STATE \
		spawn "$(logfile "$1" "$2")" "$f" "${CMD[@]}"
}
proc_pidfile() { pidfile "$1" "$([ "$(max_replicas "$1")" -gt 1 ] && echo "$2")"; }
proc_wait() { wait_answers "$1" "$2" 30 "$(proc_pidfile "$1" "$2")"; }
proc_stop() { signal_wait "$(proc_pidfile "$1" "$2")" "${3:-TERM}" 5; }
running_replicas() { local i; for ((i = 1; i <= $(max_replicas "$1"); i++)); do live_pid "$(proc_pidfile "$1" "$i")" >/dev/null && echo "$i"; done; }
proc_restart() {
	local i
	for ((i = 1; i <= $(wanted "$1"); i++)); do
		proc_stop "$1" "$i" && proc_spawn "$1" "$i" && proc_wait "$1" "$i" || return 1
	done
}
# proc_converge NAME: the wanted replicas run and answer, the others are stopped
proc_converge() {
	local n=$1 want i rc=0
	want=$(wanted "$n")
	for ((i = want + 1; i <= $(max_replicas "$n"); i++)); do proc_stop "$n" "$i"; done
	for ((i = 1; i <= want; i++)); do proc_spawn "$n" "$i" || rc=1; done
	for ((i = 1; i <= want; i++)); do proc_wait "$n" "$i" || rc=1; done
	return $rc
}

# ---- the supervisor (services/labd.py): runs the commands that start processes ----

labd_start() {
	local i
	live_pid "$(pidfile labd)" >/dev/null && [ -S "$LAB_RUN/labd.sock" ] && return 0
	rm -f "$LAB_RUN/labd.sock"
	LAB_SERVICE=labd LAB_WATCH=$STATE spawn "$LAB_RUN/logs/labd.log" "$(pidfile labd)" \
		"$PY" "$LAB_ROOT/services/labd.py" serve "$LAB_RUN/labd.sock"
	for ((i = 0; i < 200; i++)); do
		[ -S "$LAB_RUN/labd.sock" ] && return 0
		live_pid "$(pidfile labd)" >/dev/null || break
		sleep 0.05
	done
	tail -n 5 "$LAB_RUN/logs/labd.log" >&2
	return 1
}

# ---- one verb for every kind of process ----

do_start() { # NAME [I]
	case $1 in
	postgres) postgres_start ;;
	redis) redis_start ;;
	kafka) kafka_start ;;
	alertmanager) alertmanager_start && wait_answers alertmanager "" 30 "$(pidfile alertmanager)" ;;
	prometheus) prometheus_start ;;
	*) if [ -n "${2:-}" ]; then proc_spawn "$1" "$2" && proc_wait "$1" "$2"; else proc_converge "$1"; fi ;;
	esac
}

do_stop() { # NAME [I] SIG
	local i
	case $1 in
	postgres) if [ "$3" = KILL ]; then postgres_stop immediate; else postgres_stop fast; fi ;;
	kafka) if [ -n "${2:-}" ]; then kafka_ctl POST "/brokers/$2/down" >/dev/null
	       else kafka_ctl POST /brokers/all/down >/dev/null; fi ;;
	redis | alertmanager | prometheus) signal_wait "$(pidfile "$1")" "$3" 5 ;;
	*) if [ -n "${2:-}" ]; then proc_stop "$1" "$2" "$3"
	   else for ((i = 1; i <= $(max_replicas "$1"); i++)); do proc_stop "$1" "$i" "$3"; done; fi ;;
	esac
}

ready_count() {
	local n=$1 i c=0
	case $n in
	kafka) if answers kafka; then c=$(kafka_brokers_state | tr ' ' '\n' | grep -c ':up$'); fi; echo "$c"; return ;;
	postgres | redis | alertmanager | prometheus) answers "$n" && echo 1 || echo 0; return ;;
	esac
	for ((i = 1; i <= $(max_replicas "$n"); i++)); do
		live_pid "$(proc_pidfile "$n" "$i")" >/dev/null && answers "$n" "$i" && c=$((c + 1))
	done
	echo $c
}

# ---- commands ----

cmd_up() {
	need_tools
	lock
	if ! load_state; then
		rm -rf "$LAB_RUN/pids" "$LAB_RUN/logs" "$LAB_RUN/faults" "$LAB_RUN/replicas"
		mkdir -p "$LAB_RUN/logs"
		new_state || die "cannot write $STATE"
	fi
	mkdir -p "$LAB_RUN/pids" "$LAB_RUN/logs" "$LAB_RUN/faults"
	labd_start || die "the lab's supervisor did not start"
	[ -x "$LAB_KAFKA_BIN" ] || build_helper || die "cannot build $LAB_KAFKA_BIN"
	# PostgreSQL (initdb is the slow part) in the background, meanwhile the rest
	postgres_start >"$LAB_RUN/logs/postgres-start.log" 2>&1 &
	local pg=$! rc=0 n
	redis_start || rc=1
	kafka_start || rc=1
	answers alertmanager || alertmanager_start || rc=1
	answers prometheus || prometheus_launch || rc=1
	wait "$pg" || { cat "$LAB_RUN/logs/postgres-start.log" >&2; rc=1; }
	[ $rc -eq 0 ] || die "the servers did not start (see above)"
	for n in pager upstream canvas kafka-exporter telemetry-worker delegation-worker conversation-worker gateway; do
		for ((i = 1; i <= $(wanted "$n"); i++)); do proc_spawn "$n" "$i" || rc=1; done
	done
	wait_answers alertmanager "" 30 "$(pidfile alertmanager)" || rc=1
	for n in pager upstream canvas kafka-exporter telemetry-worker delegation-worker conversation-worker gateway; do
		proc_converge "$n" || rc=1
	done
	if [ -s "$LAB_RUN/prometheus/rules/soma.yml" ] && answers prometheus; then :; else prometheus_arm || rc=1; fi
	[ $rc -eq 0 ] || die "some processes did not start (lab.sh status; logs in $LAB_RUN/logs)"
	echo "$STATE"
}

cmd_down() {
	lock
	load_state || true
	local n i rev=()
	signal_wait "$(pidfile labd)" TERM 5
	rm -f "$LAB_RUN/labd.sock"
	for ((i = ${#NAMES[@]} - 1; i >= 0; i--)); do rev+=("${NAMES[i]}"); done
	for n in "${rev[@]}"; do
		case $n in
		postgres) postgres_stop fast ;;
		kafka) signal_wait "$(pidfile kafka)" TERM 5 ;;
		*) if is_proc "$n"; then do_stop "$n" "" TERM; else signal_wait "$(pidfile "$n")" TERM 5; fi ;;
		esac
	done
	# anything still recorded (e.g. a replica beyond the wanted count)
	for f in "$LAB_RUN"/pids/*.pid; do [ -e "$f" ] && signal_wait "$f" KILL 2; done
	rm -f "$STATE"
	rm -rf "$LAB_RUN/pg" "$LAB_RUN/redis" "$LAB_RUN/prometheus" "$LAB_RUN/alertmanager" \
		"$LAB_RUN/pids" "$LAB_RUN/faults" "$LAB_RUN/replicas" "$LAB_RUN/soma"
	return 0
}

cmd_status() {
	load_state || { echo "the lab is down"; return 3; }
	local n i want pid st rc=0 extra port
	printf '%-22s %-8s %-6s %s\n' PROCESS PID PORT STATE
	for n in "${NAMES[@]}"; do
		want=$(wanted "$n")
		if is_proc "$n"; then
			for ((i = 1; i <= $(max_replicas "$n"); i++)); do
				pid=$(live_pid "$(proc_pidfile "$n" "$i")") || pid=
				[ "$i" -gt "$want" ] && [ -z "$pid" ] && continue
				local label=$n
				[ "$(max_replicas "$n")" -gt 1 ] && label=$n-$i
				if [ -z "$pid" ]; then st=stopped; rc=1
				elif answers "$n" "$i"; then st=answers; [ "$i" -gt "$want" ] && st="answers (not wanted)"
				else st="not answering"; rc=1; fi
				printf '%-22s %-8s %-6s %s\n' "$label" "${pid:--}" "$(port_of "$n" "$i")" "$st"
			done
			[ "$want" -eq 0 ] && printf '%-22s %-8s %-6s %s\n' "$n" - "$(port_of "$n" 1)" "scaled to 0"
			continue
		fi
		pid=$(live_pid "$(pidfile "$n")") || pid=
		port=$(port_of "$n")
		extra=
		if [ -z "$pid" ]; then st=stopped; [ "$want" -gt 0 ] && rc=1
		elif answers "$n"; then st=answers; else st="not answering"; rc=1; fi
		if [ "$n" = kafka ] && [ "$st" = answers ]; then
			extra=" (brokers $(kafka_brokers_state); want $want up)"
			[ "$(ready_count kafka)" -ge "$want" ] || rc=1
		fi
		[ "$want" -eq 0 ] && [ "$n" != kafka ] && st="$st (scaled to 0)"
		printf '%-22s %-8s %-6s %s%s\n' "$n" "${pid:--}" "$port" "$st" "$extra"
	done
	pid=$(live_pid "$(pidfile labd)") || pid=
	if [ -n "$pid" ] && [ -S "$LAB_RUN/labd.sock" ]; then st=listening; else st=stopped; rc=1; fi
	printf '%-22s %-8s %-6s %s\n' labd "${pid:--}" - "$st (the supervisor)"
	return $rc
}

cmd_kill() {
	[ $# -eq 1 ] || die "usage: lab.sh kill NAME[-I]"
	need_state; lock; split_name "$1"
	do_stop "$SN" "$SI" KILL
}

cmd_stop() {
	[ $# -eq 1 ] || die "usage: lab.sh stop NAME[-I]"
	need_state; lock; split_name "$1"
	do_stop "$SN" "$SI" TERM
}

cmd_start() {
	[ $# -eq 1 ] || die "usage: lab.sh start NAME[-I]"
	need_state; lock; split_name "$1"
	if [ "$(wanted "$SN")" -eq 0 ]; then set_wanted "$SN" 1; write_targets "$SN"; fi
	[ -n "$SI" ] && [ "$SI" -gt "$(wanted "$SN")" ] && die "$SN wants $(wanted "$SN") replicas; use lab.sh scale"
	do_start "$SN" "$SI"
}

cmd_restart() {
	[ $# -ge 1 ] || die "usage: lab.sh restart NAME..."
	need_state; lock
	local a
	for a in "$@"; do
		split_name "$a"
		case $SN in
		postgres) postgres_stop fast && postgres_start || return 1 ;;
		kafka) local i; for ((i = 1; i <= $(wanted kafka); i++)); do
				kafka_ctl POST "/brokers/$i/down" >/dev/null && broker_up "$i" || return 1
			done ;;
		redis | alertmanager | prometheus) do_stop "$SN" "" TERM && do_start "$SN" || return 1 ;;
		*) if [ -n "$SI" ]; then proc_stop "$SN" "$SI" && do_start "$SN" "$SI" || return 1
		   else proc_restart "$SN" || return 1; fi ;;
		esac
	done
}

cmd_scale() {
	[ $# -eq 2 ] && [[ $2 =~ ^[0-9]+$ ]] || die "usage: lab.sh scale NAME N"
	need_state; lock; split_name "$1"
	[ -z "$SI" ] || die "scale takes a service name, not a replica"
	[ "$2" -le "$(max_replicas "$SN")" ] || die "$SN scales to 0..$(max_replicas "$SN")"
	set_wanted "$SN" "$2"
	case $SN in
	kafka) kafka_set_brokers "$2" ;;
	postgres | redis | alertmanager | prometheus)
		if [ "$2" -eq 0 ]; then do_stop "$SN" "" TERM; else do_start "$SN"; fi ;;
	*) write_targets "$SN"; proc_converge "$SN" ;;
	esac
}

cmd_broker() {
	[ $# -eq 2 ] && [[ $1 == down || $1 == up ]] || die "usage: lab.sh broker down|up ID|all"
	need_state
	kafka_ctl POST "/brokers/$2/$1" >/dev/null || die "no broker '$2' (1..3 or all), or the cluster is down"
}

cmd_fault() {
	need_state
	mkdir -p "$LAB_RUN/faults"
	case ${1:-} in
	add) [ $# -ge 2 ] || die "usage: lab.sh fault add NAME [--sticky] [--for DURATION]"
		local name=$2 words="" secs
		case $name in
		crash:kafka-[123]) ;;
		crash:*) (split_name "${name#crash:}" && is_proc "$SN") 2>/dev/null ||
			die "crash: takes a lab process or one replica (crash:telemetry-worker-2) or a broker (crash:kafka-2), not a server" ;;
		event-loop | stuck-tasks | crash-on-replay | upstream-errors | canvas-drops) ;;
		*) die "unknown fault '$name' (one of: $FAULTS)" ;;
		esac
		shift 2
		while [ $# -gt 0 ]; do
			case $1 in
			--sticky) words+=" sticky"; shift ;;
			--for) secs=$(duration_s "${2:-}") || die "--for takes a duration (8s, 2m)"
				words+=" until_ms=$(( $(date +%s%3N) + secs * 1000 ))"; shift 2 ;;
			*) die "usage: lab.sh fault add NAME [--sticky] [--for DURATION]" ;;
			esac
		done
		echo "${words# }" >"$LAB_RUN/faults/$name" ;;
	clear) [ $# -eq 2 ] || die "usage: lab.sh fault clear NAME|--all"
		if [ "$2" = --all ]; then rm -f "$LAB_RUN/faults/"*; else rm -f "$LAB_RUN/faults/$2"; fi ;;
	list) local f notes
		for f in "$LAB_RUN"/faults/*; do
			[ -e "$f" ] || continue
			notes=
			grep -qw sticky "$f" && notes+=", sticky"
			grep -q 'until_ms=' "$f" && { fault_on "$(basename "$f")" && notes+=", healing" || notes+=", healed"; }
			echo "$(basename "$f")${notes:+ (${notes#, })}"
		done ;;
	*) die "usage: lab.sh fault add NAME [--sticky] [--for DURATION] | clear NAME|--all | list   (faults: $FAULTS)" ;;
	esac
}

cmd_rebuild() {
	[ $# -ge 1 ] || die "usage: lab.sh rebuild NAME..."
	need_state
	local f=$LAB_RUN/faults/event-loop
	[ -e "$f" ] && ! grep -qw sticky "$f" && rm -f "$f"
	cmd_restart "$@"
}

cmd_logs() {
	local since="" names=()
	while [ $# -gt 0 ]; do
		case $1 in
		--since) since=${2:?--since takes a duration}; shift 2 ;;
		--since=*) since=${1#--since=}; shift ;;
		*) split_name "$1"; names+=("$1"); shift ;;
		esac
	done
	[ ${#names[@]} -gt 0 ] || die "usage: lab.sh logs NAME... [--since DURATION]"
	local files=() a i
	for a in "${names[@]}"; do
		split_name "$a"
		if [ -n "$SI" ] || ! is_proc "$SN" || [ "$(max_replicas "$SN")" -eq 1 ]; then
			files+=("$SN${SI:+-$SI}=$(logfile "$SN" "$SI")")
		else
			for ((i = 1; i <= $(max_replicas "$SN"); i++)); do files+=("$SN-$i=$(logfile "$SN" "$i")"); done
		fi
	done
	"$PY" - "$since" "${files[@]}" <<-'PY'
	import datetime, re, sys
	since, files = sys.argv[1], sys.argv[2:]
	cut = None
	if since:
	    m = re.match(r"^(\d+)(ms|s|m|h)?$", since)
	    if not m:
	        sys.exit("lab: bad --since '%s' (e.g. 30s, 2m, 1h)" % since)
	    secs = int(m.group(1)) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600}[m.group(2)]
	    cut = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=secs)
	ts = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d(?:\.\d+)?)")
	for spec in files:
	    label, path = spec.split("=", 1)
	    try:
	        f = open(path, errors="replace")
	    except OSError:
	        continue
	    keep = cut is None
	    for line in f:
	        m = ts.match(line)
	        if m and cut is not None:
	            t = datetime.datetime.fromisoformat(m.group(1) + "T" + m.group(2)).replace(tzinfo=datetime.timezone.utc)
	            keep = t >= cut
	        if keep:
	            sys.stdout.write("%s | %s" % (label, line if line.endswith("\n") else line + "\n"))
	PY
}

cmd_pids() {
	local f pid all=()
	for f in "$LAB_RUN"/pids/*.pid; do pid=$(live_pid "$f") && all+=("$pid"); done
	[ ${#all[@]} -gt 0 ] || return 0
	ps -eo pid=,ppid= | "$PY" -c 'import sys
roots = set(sys.argv[1:]); kids = {}
for line in sys.stdin:
    p, pp = line.split()
    kids.setdefault(pp, []).append(p)
seen, todo = set(), list(roots)
while todo:
    p = todo.pop()
    if p not in seen:
        seen.add(p); todo += kids.get(p, [])
print("\n".join(sorted(seen, key=int)))' "${all[@]}"
}

need_tools() {
	local t
	for t in curl jq flock setsid redis-server redis-cli prometheus; do
		command -v "$t" >/dev/null || die "$t is missing (tests/lib/deps.sh test installs what the lab needs)"
	done
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start | restart | scale | rebuild)
	[ -n "${LAB_IN_SUPERVISOR:-}" ] || exec "$PY" "$LAB_ROOT/services/labd.py" call "$LAB_RUN/labd.sock" "$cmd" "$@" ;;
esac
case $cmd in
up) cmd_up "$@" ;;
down) cmd_down "$@" ;;
status) cmd_status "$@" ;;
kill) cmd_kill "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
restart) cmd_restart "$@" ;;
scale) cmd_scale "$@" ;;
replicas) [ $# -eq 1 ] || die "usage: lab.sh replicas NAME"; need_state; split_name "$1"; wanted "$SN" ;;
ready) [ $# -eq 1 ] || die "usage: lab.sh ready NAME"; need_state; split_name "$1"; ready_count "$SN" ;;
wait) [ $# -ge 1 ] || die "usage: lab.sh wait NAME [SECS]"; need_state; split_name "$1"
	for ((w = 0; w < ${2:-30} * 10; w++)); do
		[ "$(ready_count "$SN")" -ge "$(wanted "$SN")" ] && exit 0
		sleep 0.1
	done
	die "$SN: $(ready_count "$SN") of $(wanted "$SN") replicas answer after ${2:-30} s" ;;
broker) cmd_broker "$@" ;;
fault) cmd_fault "$@" ;;
rebuild) cmd_rebuild "$@" ;;
logs) need_state; cmd_logs "$@" ;;
pids) cmd_pids ;;
"" | -h | --help | help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
*) die "unknown command '$cmd' (lab.sh --help)" ;;
esac
