# serve_helpers.sh - start and talk to a `runbook serve` in a serve case
# (sourced by tests/cases/serve/*.sh after assert.sh).
#
#   serve_start ARGS...   start it on a free loopback port (output in
#                         ./serve.out), wait until it answers; sets SERVE_URL
#                         and SERVE_PID; a trap stops it when the case ends
#   serve_kill [SIG]      signal it (TERM by default) and wait for it; $SERVE_RC
#   api METHOD PATH [CURL ARGS...]  the reply's body in ./resp, its status in $CODE
#   wait_run ID STATUS    poll GET /v1/runs/ID until its status is STATUS
#   hello_runbook DIR     write DIR/hello.yaml, a one-step read runbook
#   slow_runbook DIR      write DIR/slow.yaml: three steps (input tag) that
#                         mark marks/TAG-first, -wait, -last; the second,
#                         idempotent, waits for ./go
SERVE_PID= SERVE_STARTS=0
serve_start() {
	local port; port=$(free_port)
	SERVE_URL=http://127.0.0.1:$port
	"$RUNBOOK" serve --listen "127.0.0.1:$port" "$@" >>serve.out 2>&1 &
	SERVE_PID=$!
	SERVE_STARTS=$((SERVE_STARTS + 1))
	trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; true' EXIT
	wait_for serve_up
}
serve_up() {
	kill -0 "$SERVE_PID" 2>/dev/null || { cat serve.out >&2; fail "serve exited"; }
	[ "$(grep -c "listening on" serve.out)" -ge "$SERVE_STARTS" ]
}
serve_kill() {
	SERVE_RC=0
	kill "-${1:-TERM}" "$SERVE_PID"
	wait "$SERVE_PID" || SERVE_RC=$?
	SERVE_PID=
}
api() {
	local method=$1 path=$2; shift 2
	CODE=$(curl -sS -o resp -w '%{http_code}' -X "$method" "$@" "$SERVE_URL$path") || CODE=000
}
run_status_is() { api GET "/v1/runs/$1" && [ "$(jq -r .status resp)" = "$2" ]; }
wait_run() { wait_for run_status_is "$1" "$2"; }
hello_runbook() {
	mkdir -p "$1"
	cat >"$1/hello.yaml" <<-'YAML'
	runbook: hello
	title: say hello
	owner: sre
	inputs:
	  who: { type: string, default: world, pattern: "^[a-z]+$" }
	steps:
	  - id: greet
	    effect: read
	    exec: [echo, "hello ${{ inputs.who }}"]
	YAML
}
slow_runbook() {
	mkdir -p "$1"
	cat >"$1/slow.yaml" <<'YAML'
runbook: slow
title: three steps, the second waits for ./go
owner: sre
inputs:
  tag: { type: string, pattern: "^[a-z]+$" }
steps:
  - id: first
    effect: read
    exec: [sh, -c, 'echo x >>"marks/$TAG-first"']
    env: { TAG: "${{ inputs.tag }}" }
  - id: wait
    effect: read
    idempotent: true
    timeout: 60s
    exec: [sh, -c, 'echo x >>"marks/$TAG-wait"; while [ ! -e go ]; do sleep 0.02; done']
    env: { TAG: "${{ inputs.tag }}" }
  - id: last
    effect: read
    exec: [sh, -c, 'echo x >>"marks/$TAG-last"']
    env: { TAG: "${{ inputs.tag }}" }
YAML
}
