# verify: each way of altering an unsigned transcript (a flipped byte, a
# deleted, duplicated or reordered line, a line spliced in from another run
# of the same runbook) is found at its first bad seq, with exit 5.
cat >rb.yaml <<'YAML'
runbook: tamper
title: Tamper
owner: platform-operations
steps:
  - id: one
    exec: [echo, one]
  - id: two
    exec: [echo, two]
  - id: three
    exec: [echo, three]
YAML
rb run rb.yaml --transcript a.jsonl --quiet
expect_rc 0
rb run rb.yaml --transcript b.jsonl --quiet
expect_rc 0
[ "$(wc -l <a.jsonl)" -ge 10 ] || fail "a.jsonl is too short to tamper with"

rb verify a.jsonl
expect_rc 0
expect_out '^verify: ok: '

# alter FILE OUT ACTION LINE: a python one-off on the raw bytes
alter() {
	python3 - "$@" <<'PY'
import sys
src, dst, action, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
L = open(src, 'rb').read().split(b'\n')[:-1]
i = n - 1
if action == 'flip':            # one digit of the timestamp
	k = L[i].index(b'"ts":"') + 6 + 3
	L[i] = L[i][:k] + (b'1' if L[i][k:k+1] != b'1' else b'2') + L[i][k+1:]
elif action == 'delete':
	del L[i]
elif action == 'duplicate':
	L.insert(i + 1, L[i])
elif action == 'swap':          # lines n and n+1
	L[i], L[i + 1] = L[i + 1], L[i]
elif action == 'splice':        # line n of another run, same seq
	L[i] = open(sys.argv[5], 'rb').read().split(b'\n')[i]
open(dst, 'wb').write(b'\n'.join(L) + b'\n')
PY
}

alter a.jsonl flip.jsonl flip 4
rb verify flip.jsonl
expect_rc 5
expect_out 'FAIL +integrity +chain +first bad seq 4: line 4: hash does not match its content'
expect_out 'first bad seq 4$'

alter a.jsonl del.jsonl delete 5
rb verify del.jsonl
expect_rc 5
expect_out 'first bad seq 5: line 5: seq 6, expected 5'

alter a.jsonl dup.jsonl duplicate 5
rb verify dup.jsonl
expect_rc 5
expect_out 'first bad seq 6: line 6: seq 5, expected 6'

alter a.jsonl swap.jsonl swap 6
rb verify swap.jsonl
expect_rc 5
expect_out 'first bad seq 6: line 6: seq 7, expected 6'

alter a.jsonl splice.jsonl splice 5 b.jsonl
rb verify splice.jsonl
expect_rc 5
run_b=$(head -1 b.jsonl | jq -r .run)
expect_out "first bad seq 5: line 5: event of run '$run_b' in run"

# the same verdicts in JSON
rb verify del.jsonl --format json
expect_rc 5
jq -e '.ok == false and .first_bad_seq == 5 and
	([.checks[] | select(.result == "fail") | .group] | index("integrity") != null)' out >/dev/null ||
	fail "json verdict of del.jsonl"
