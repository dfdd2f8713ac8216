# A fleet that is stopped stops its targets: SIGTERM (or Ctrl-C) passes
# SIGTERM to every target running (each stops its step and rolls back,
# exit 143) and starts no new one; a fleet killed with SIGKILL takes its
# targets with it (their parent-death signal is SIGTERM).  Nothing a
# target started outlives the fleet.
cat > hold.yaml <<'Y'
runbook: hold
title: Hold until stopped
concurrency-key: "hold/${{ inputs.n }}"
inputs:
  n: { type: int }
steps:
  - id: prepare
    exec: [sh, -c, 'echo prepared-$0 >> done', "${{ inputs.n }}"]
    rollback:
      exec: [sh, -c, 'echo undone-$0 >> done', "${{ inputs.n }}"]
  - id: hold
    needs: [prepare]
    exec: [sh, -c, 'touch holding-$0; exec sleep 300', "${{ inputs.n }}"]
Y
printf -- '- {n: 1}\n- {n: 2}\n- {n: 3}\n- {n: 4}\n- {n: 5}\n' > targets.yaml
# the sleeps this case started (their working folder is the case's): none may be left
no_sleepers() { local p; for p in $(pgrep -xf "sleep 300"); do
	[ "$(readlink /proc/$p/cwd 2>/dev/null)" = "$T" ] && return 1; done; return 0; }

setsid "$RUNBOOK" fleet hold.yaml --targets targets.yaml --max-concurrency 3 --dir a >a.out 2>&1 &
pid=$!
wait_for test -e holding-1 -a -e holding-2 -a -e holding-3
kill -TERM $pid
RC=0; wait $pid || RC=$?
expect_rc 143
cat a.out >&2
grep -q '^fleet: terminated (SIGTERM): no new target starts' a.out || fail "no stop line: $(cat a.out)"
grep -q '^fleet: 0 ok, 3 failed, 2 not started' a.out || fail "summary: $(tail -1 a.out)"
for n in 1 2 3; do
	grep -q "^undone-$n$" done || fail "target $n was not rolled back: $(cat done)"
	expect_jq a/00$n.jsonl '.[-1] | .event == "run.end" and .exit == 143' "target $n's run end"
done
[ ! -e holding-4 ] && [ ! -e a/004.jsonl ] || fail "a target started after SIGTERM"
expect_jq a/fleet.jsonl '[.[] | select(.event=="fleet.stop")][0].reason == "terminated (SIGTERM)"'
jq -e '.stopped == "terminated (SIGTERM)" and .exit == 143 and .results[3].status == "not-started"
       and ([.results[0:3][] | .status] == ["aborted", "aborted", "aborted"])' a/fleet.json >/dev/null ||
	fail "fleet.json: $(cat a/fleet.json)"
wait_for no_sleepers

# SIGKILL: the targets get SIGTERM from the kernel when their parent dies
rm -f holding-* done
setsid "$RUNBOOK" fleet hold.yaml --targets targets.yaml --max-concurrency 2 --dir b >b.out 2>&1 &
pid=$!
wait_for test -e holding-1 -a -e holding-2
kill -KILL $pid
wait $pid 2>/dev/null
wait_for sh -c 'grep -q "^undone-1$" done && grep -q "^undone-2$" done'
wait_for no_sleepers
for n in 1 2; do
	wait_for jq -e -s '.[-1] | .event == "run.end" and .exit == 143' b/00$n.jsonl
done
[ ! -e holding-3 ] || fail "a target started after the fleet died"
