# lab_helpers.sh - for script cases that run a SomaAgent lab (lab/lab.sh) of
# their own, in $T/lab.  Source it after assert.sh (tests/run.sh does that):
#
#   . "$ROOT/tests/lib/lab_helpers.sh"; lab_up
#
#   lab ARGS...              lab/lab.sh on this case's lab
#   lab_up                   start the lab, source its state file (LAB_*,
#                            POSTGRES_DSN), wait until nothing fires and /health
#                            is ok, stop it when the case exits
#   prom_firing NAME [JQ]    Prometheus has alert NAME firing; JQ is an extra
#                            condition on the alert's .labels (e.g. '.broker == "2"')
#   am_active NAME [JQ]      Alertmanager has alert NAME active
#   lab_wait CMD...          poll CMD until it succeeds, for at most
#                            $LAB_WAIT_SECS (120) seconds of wall time; on
#                            timeout fail with what the lab looked like
#   wait_firing NAME [JQ]    poll until NAME fires in Prometheus and is active in
#                            Alertmanager
#   wait_clear NAME [JQ]     poll until it is in neither
#   health CODE JQ           /health answers CODE and jq -e JQ holds on its JSON
#   wait_health CODE JQ      poll until it does
#   pg_sql SQL               psql on the lab's database (the password through the
#                            environment, never argv); prints unaligned rows
#   lab_snapshot FILE        what a drill must leave as it found it, into FILE:
#                            wanted and answering replicas, brokers, faults
#   expect_lab_as FILE       poll until nothing fires, /health is ok and the
#                            lab is as FILE says (lab_wait's deadline)
#   drill NAME TAG ARGS...   runbook drill runbooks/NAME.yaml --input environment=local
#                            --approve auto (or $DRILL_ANSWERS, an answers file)
#                            ARGS..., transcript TAG.jsonl; verify
#                            --runbook of it into TAG.verify (exit in $VRC)
export LAB_RUN=${T:?}/lab

lab() { "$ROOT/lab/lab.sh" "$@"; }

lab_up() {
	lab up >lab-up.log 2>&1 || { cat lab-up.log >&2; fail "lab.sh up failed"; }
	. "$LAB_RUN/state.env"
	trap 'lab down >/dev/null 2>&1' EXIT
	trap 'exit 143' TERM
	# up means every process answers; a case starts once nothing fires
	# either (a worker's first heartbeat can lag its /healthz under load,
	# and a drill's guard would trip on the alert that leaves)
	lab_wait _lab_quiet
}

_alert_sel() { printf '.labels.alertname == "%s" and (.labels | %s)' "$1" "${2:-true}"; }

prom_firing() {
	curl -fsS -m 2 "$LAB_PROMETHEUS_URL/api/v1/alerts" 2>/dev/null |
		jq -e "[.data.alerts[] | select($(_alert_sel "$1" "${2:-}") and .state == \"firing\")] | length > 0" >/dev/null
}

am_active() {
	curl -fsS -m 2 "$LAB_ALERTMANAGER_URL/api/v2/alerts" 2>/dev/null |
		jq -e "[.[] | select($(_alert_sel "$1" "${2:-}") and .status.state == \"active\")] | length > 0" >/dev/null
}

_both_firing() { prom_firing "$@" && am_active "$@"; }
_both_clear() { ! prom_firing "$@" && ! am_active "$@"; }
# what the lab looked like, for a failure message
lab_context() {
	echo "firing $(curl -fsS -m 2 "$LAB_PROMETHEUS_URL/api/v1/alerts" 2>/dev/null |
		jq -c '[.data.alerts[] | .labels.alertname]'), in Alertmanager $(curl -fsS -m 2 "$LAB_ALERTMANAGER_URL/api/v2/alerts" 2>/dev/null |
		jq -c 'map(select(.status.state == "active") | .labels.alertname)'), /health $(cat health.json 2>/dev/null),
lag: $(curl -fsS -m 2 "$LAB_KAFKA_EXPORTER_URL/metrics" 2>/dev/null | grep '^kafka_consumergroup_lag_sum'),
lab: $(lab_state | tr '\n' ';'),
workers' and the gateway's last words: $(tail -n 12 "$LAB_RUN"/logs/*-worker-*.log "$LAB_RUN"/logs/gateway*.log 2>/dev/null)"
}

# a deadline, not a count: under load one poll can take seconds
lab_wait() {
	local end=$((SECONDS + ${LAB_WAIT_SECS:-120}))
	until "$@"; do
		[ $SECONDS -lt $end ] || fail "timed out waiting for: $*
$(lab_context)"
		sleep 0.05
	done
}

wait_firing() { lab_wait _both_firing "$@"; }
wait_clear() { lab_wait _both_clear "$@"; }

health() {
	local code
	code=$(curl -sS -m 2 -o health.json -w '%{http_code}' "$LAB_GATEWAY_URL/health" 2>/dev/null)
	[ "$code" = "$1" ] && jq -e "$2" health.json >/dev/null 2>&1
}
wait_health() { lab_wait health "$@"; }

pg_sql() {
	PGPASSWORD=$LAB_PG_PASSWORD psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$LAB_PG_PORT" \
		-U soma -d soma -c "$1"
}

lab_state() {
	local n
	for n in postgres redis kafka prometheus alertmanager gateway canvas upstream \
		telemetry-worker delegation-worker conversation-worker; do
		echo "$n wants $(lab replicas "$n"), $(lab ready "$n") answer"
	done
	echo "faults: $(lab fault list | tr '\n' ' ')"
}
lab_snapshot() { lab_state >"$1"; }
_lab_quiet() {
	curl -fsS -m 2 "$LAB_PROMETHEUS_URL/api/v1/alerts" 2>/dev/null | jq -e '.data.alerts == []' >/dev/null &&
		curl -fsS -m 2 "$LAB_ALERTMANAGER_URL/api/v2/alerts" 2>/dev/null |
		jq -e 'map(select(.status.state == "active")) == []' >/dev/null &&
		health 200 '.status == "ok"'
}
expect_lab_as() {
	# quiet, and every replica back: a restarted worker answers a little
	# after /health is ok again
	local end=$((SECONDS + ${LAB_WAIT_SECS:-120}))
	until _lab_as "$1"; do
		if [ $SECONDS -ge $end ]; then
			lab_state >lab-now.txt
			diff "$1" lab-now.txt >&2
			fail "the lab is not as it was before the drill (above: before < > now), or not quiet:
$(lab_context)"
		fi
		sleep 0.05
	done
}
_lab_as() { _lab_quiet && lab_state >lab-now.txt && cmp -s "$1" lab-now.txt; }

drill() {
	local name=$1 tag=$2
	shift 2
	rb drill "$ROOT/runbooks/$name.yaml" --input environment=local --approve "${DRILL_ANSWERS:-auto}" \
		--transcript "$tag.jsonl" "$@"
	DRC=$RC
	cp out "$tag.out"
	VRC=0
	"$RUNBOOK" verify "$tag.jsonl" --runbook "$ROOT/runbooks/$name.yaml" >"$tag.verify" 2>&1 || VRC=$?
	RC=$DRC
}
