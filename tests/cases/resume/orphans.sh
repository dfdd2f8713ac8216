# kill -9 of the interpreter while a write step's process runs: that
# process dies with it (it does not apply its effect after the crash),
# and `resume` first ends what the step left behind in its process group
# (a background job), so the step's effect is applied exactly once.

# poll until the transcript records the step's process (and FILE exists),
# then kill -9
run_and_kill() {   # run_and_kill RUNBOOK TRANSCRIPT [FILE]
	"$RUNBOOK" run "$1" --transcript "$2" >run.out 2>&1 &
	local pid=$!
	wait_for grep -qs '"event":"step.spawn"' "$2"
	[ -z "${3:-}" ] || wait_for test -s "$3"
	kill -9 $pid
	wait $pid 2>/dev/null
	[ -z "$(jq -c 'select(.event=="step.end")' "$2")" ] || fail "the step ended before the kill"
}

# 1. the step's own process: `sleep 2` then the effect
cat > direct.yaml <<'Y'
runbook: orphan-direct
title: The step's process dies with the interpreter
steps:
  - id: apply
    shell: "sleep 2; echo applied >> marks"
Y
rm -f marks
run_and_kill direct.yaml d.jsonl
pid=$(jq -r 'select(.event=="step.spawn") | .pid' d.jsonl)
expect_jq d.jsonl '[.[] | select(.event=="step.spawn")][0] | .pgid == .pid and (.start_time > 0) and (.boot_id | length > 0) and .attempt == 1' "step.spawn records pid, pgid, start time, boot id, attempt"
# past the 2 s the step would have taken
sleep 2.5
[ ! -s marks ] || fail "the step's process applied its effect after the interpreter was killed: $(cat marks)"
rb resume d.jsonl --in-doubt rerun
expect_rc 0
[ "$(cat marks)" = applied ] || fail "marks after resume: '$(cat marks)', want one 'applied'"
rb verify d.jsonl --runbook direct.yaml
expect_rc 0

# 2. a background job of the step, in its process group: the parent-death
#    signal does not reach it, resume must kill the group before re-running
cat > bg.yaml <<'Y'
runbook: orphan-bg
title: A background job of the step outlives the interpreter
steps:
  - id: apply
    shell: |
      if [ -e first ]; then echo applied >> marks; exit 0; fi
      touch first
      (sleep 2; echo late >> marks) &
      echo $! > job.pid
      wait
Y
rm -f marks first job.pid
run_and_kill bg.yaml b.jsonl job.pid
job=$(cat job.pid)
kill -0 "$job" 2>/dev/null || fail "the scenario did not work: the background job is not running"
rb resume b.jsonl --in-doubt rerun
expect_rc 0
expect_err "killed process $job \(group [0-9]+\) left running by step 'apply'"
expect_jq b.jsonl "[.[] | select(.event==\"run.resume\")][0].reaped | map(select(.step==\"apply\") | .pid) | index($job) != null" "run.resume lists the killed process"
sleep 2.5
[ "$(cat marks)" = applied ] || fail "marks: '$(tr '\n' ' ' < marks)', want one 'applied' and no 'late'"

# 3. resume that stops to ask (not idempotent, no check:) ends the
#    leftovers before asking: the operator decides on a system at rest
cat > ask.yaml <<'Y'
runbook: orphan-ask
title: Leftovers end before resume asks
steps:
  - id: apply
    shell: "(sleep 2; echo late >> marks) & echo $! > job.pid; wait"
Y
rm -f marks job.pid
run_and_kill ask.yaml a.jsonl job.pid
job=$(cat job.pid)
before=$(sha256sum a.jsonl)
rb resume a.jsonl
expect_rc 2
expect_err "in-doubt"
expect_err "killed process $job"
[ "$before" = "$(sha256sum a.jsonl)" ] || fail "resume changed the transcript although it stopped to ask"
sleep 2.5
[ ! -e marks ] || fail "the background job applied its effect: $(cat marks)"
