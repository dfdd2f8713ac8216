# assert.sh - helpers for script cases (sourced by tests/run.sh).
# Every helper that checks something fails the case (exit 1) with a message.
set -u
fail() { echo "FAIL: $*" >&2; [ -s out ] && { echo "--- stdout"; tail -20 out; } >&2; [ -s err ] && { echo "--- stderr"; tail -20 err; } >&2; exit 1; }

# rb ARGS...: run the interpreter; stdout -> ./out, stderr -> ./err, exit -> $RC
rb() { RC=0; "$RUNBOOK" "$@" >out 2>err </dev/null || RC=$?; }
expect_rc() { [ "$RC" -eq "$1" ] || fail "exit $RC, want $1 (runbook ${*:2})"; }
expect_out() { grep -qE -- "$1" out || fail "stdout lacks /$1/"; }
expect_err() { grep -qE -- "$1" err || fail "stderr lacks /$1/"; }
expect_no() { local f; for f in out err "${@:2}"; do [ -e "$f" ] && grep -qF -- "$1" "$f" && fail "'$1' found in $f"; done; return 0; }
# expect_jq FILE FILTER [MSG]: jq -e FILTER over the JSON-lines FILE slurped as an array
expect_jq() { jq -e -s "$2" "$1" >/dev/null 2>&1 || fail "${3:-transcript check failed}: $2"; }
# the step.end event of a step: step_status TRANSCRIPT ID
step_status() { jq -r -s --arg s "$2" '[.[] | select(.event=="step.end" and .step==$s)] | last | .status // "none"' "$1"; }
expect_status() { local s; s=$(step_status "$1" "$2"); [ "$s" = "$3" ] || fail "step $2: status $s, want $3"; }
# wait_for CMD...: poll (10 ms steps, 30 s max: CI machines can be slow) until CMD succeeds
wait_for() { local i; for i in $(seq 3000); do "$@" && return 0; sleep 0.01; done; fail "timed out waiting for: $*"; }
# a free TCP port on loopback
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
