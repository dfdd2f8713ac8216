# runbooks: the production branches of the drilled runbooks, as before
# their environment: local branch was added: a dry run in the default
# environment (kubectl and docker stubbed, the suite's servers and a
# stand-in gateway) passes its checks and reads and runs none of the
# `-local` steps nor the lab-up check: each is skipped by its if.
mkdir bin
cat >bin/kubectl <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$TOOL_LOG"
case "$*" in
*"auth can-i"*) echo yes ;;
*"rollout status statefulset"*) echo 'partitioned roll out complete: 3 new pods have been updated...' ;;
*"rollout status"*) echo 'deployment "x" successfully rolled out' ;;
*"get pvc"*) echo 'Bound Bound Bound' ;;
*"get statefulset"*) echo '3 kafka-5d8f9' ;;
*"deployment\.kubernetes\.io/revision"*) echo 7 ;;
*"get deploy"*) echo 2 ;;
*logs*) echo 'CircuitOpenError: circuit slm is open' ;;
*) echo "kubectl stub: $*" ;;
esac
SH
printf '#!/bin/sh\nprintf "%%s\\n" "docker $*" >>"$TOOL_LOG"\n' >bin/docker
chmod +x bin/kubectl bin/docker
export PATH=$PWD/bin:$PATH TOOL_LOG=$PWD/tools.log
unset LAB_ROOT LAB_RUN
python3 "$ROOT/tests/lib/soma_services.py" --requeue rq-1 >soma.port 2>soma.log &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
wait_for test -s soma.port
SOMA=http://127.0.0.1:$(head -n1 soma.port)
repo=$PWD/repo
cp -R "$ROOT/lab/soma" "$repo" && mkdir -p "$repo/.venv/bin" && ln -s "$(command -v python3)" "$repo/.venv/bin/python"
export POSTGRES_DSN=$RB_TEST_PG_DSN

dry() { # RUNBOOK ARGS...
	local name=$1
	shift
	rb run "$ROOT/runbooks/$name.yaml" --dry-run --approve auto --transcript "$name.jsonl" "$@"
	[ "$RC" -eq 0 ] || fail "$name: the dry run exits $RC: $(tail -20 out)"
	local bad
	bad=$(jq -r -s '[.[] | select(.event == "step.end" and (.step | test("-local$|^lab-up$")) and .status != "skipped")
		| "\(.step)=\(.status)"] | join(" ")' "$name.jsonl")
	[ -z "$bad" ] || fail "$name: local steps ran in the production branch: $bad"
	jq -e -s '[.[] | select(.event == "step.end" and (.step | test("-local$|^lab-up$")))] | length > 1 and all(.skip == "if")' \
		"$name.jsonl" >/dev/null || fail "$name: its local steps are not skipped by their if"
}

dry telemetry-worker-offline --input prometheus_url="$RB_TEST_PROM" --input gateway_url="$SOMA"
grep -q 'logs deploy/telemetry-worker' tools.log || fail "telemetry: no kubectl logs: $(cat tools.log)"
dry kafka-outage --input prometheus_url="$RB_TEST_PROM" --input gateway_url="$SOMA" \
	--input kafka_brokers="$RB_TEST_KAFKA_BOOTSTRAP" --input topics=rb-topics
grep -q 'get pvc' tools.log || fail "kafka-outage: the volumes were not checked"
dry budget-hard-stop --input tenant=acme --input repo_dir="$repo" --input redis_url="$RB_TEST_REDIS_URL" \
	--input gateway_url="$SOMA"
dry canvas-disconnects --input session=s1 --input gateway_url="$SOMA"
dry circuit-breaker-openings --input prometheus_url="$RB_TEST_PROM" --input alertmanager_url="$RB_TEST_AM" \
	--input upstream_health_url="$RB_TEST_PROM/-/healthy" --input incident=INC-1
dry somaclient-event-loop --input repo_dir="$repo"
grep -q '^docker compose -f infra/docker-compose.somaagent01.yaml config --quiet' tools.log ||
	fail "somaclient: the compose file was not checked: $(cat tools.log)"
