# A fork chain -- each generation forks the next and exits at once, out of
# the step's process group, ignoring SIGTERM -- does not outlive its step:
# not when the step times out, not when the step's own process exits
# normally and leaves the chain running.  The chain writes a heartbeat
# (tests/helpers/forkchain.c); a process listing could miss a generation
# that lives for microseconds, a heartbeat that stopped cannot.
CHAIN=$BUILD/helpers/forkchain
[ -x "$CHAIN" ] || fail "$CHAIN not built"
# whatever happens, a chain that escaped stops when the case ends
trap 'touch "$T/stop"' EXIT
cat > rb.yaml <<Y
runbook: forkchain
title: Fork chains end with their step
steps:
  - id: group
    effect: read
    timeout: 300ms
    on-failure: continue
    shell: '$CHAIN beat-group stop 30 group; sleep 30'
  - id: session
    needs: []
    effect: read
    timeout: 300ms
    on-failure: continue
    shell: '$CHAIN beat-session stop 30 session >/dev/null 2>&1; sleep 30'
  - id: left-behind
    needs: []
    effect: read
    shell: '$CHAIN beat-bg1 stop 30 group >/dev/null 2>&1 & $CHAIN beat-bg2 stop 30 session >/dev/null 2>&1 & while [ ! -s beat-bg1 ] || [ ! -s beat-bg2 ]; do :; done'
Y
# round 1 one step at a time; then the three at once (--parallel: the
# last step to end does the sweep)
for par in 1 3 3; do
	rm -f beat-* t.jsonl
	rb run rb.yaml --transcript t.jsonl --parallel $par
	for b in group session bg1 bg2; do
		[ -s beat-$b ] || fail "--parallel $par: chain $b never started"
	done
	# stopped: no heartbeat changes for half a second
	before=$(cat beat-group beat-session beat-bg1 beat-bg2 | tr '\n' ' ')
	sleep 0.5
	after=$(cat beat-group beat-session beat-bg1 beat-bg2 | tr '\n' ' ')
	[ "$before" = "$after" ] || fail "--parallel $par: a chain is still forking after its step ended (generations $before-> $after)"
	expect_status t.jsonl group failed
	expect_status t.jsonl session failed
	expect_status t.jsonl left-behind ok
done
