# redis against a hostile server: a 512 MiB bulk reply, a 100-million
# element array and an endless status line are cut at max-result (1 MiB
# by default) with reply_truncated, without reading the rest (peak RSS and
# the transcript stay small); deep nesting fails; and a cut falls after
# redaction, so no prefix of a secret survives it.
python3 "$ROOT/tests/lib/fake_redis.py" >r.port 2>r.log &
rpid=$!
trap 'kill $rpid 2>/dev/null' EXIT
wait_for test -s r.port
R=redis://127.0.0.1:$(head -n1 r.port)
export RB_REDIS_SECRET=S3cr3t-$RANDOM-$RANDOM-tail
cat >rb.yaml <<YAML
runbook: redis-bounds
title: Redis reply bounds
owner: platform-operations
inputs:
  token: { type: secret, from: env:RB_REDIS_SECRET }
connections:
  bad: { redis: "$R" }
steps:
  - id: big
    redis: { connection: bad, command: [GET, big] }
    expect: { type: string, reply_truncated: true, reply: { len: 1048576 } }
  - id: array
    redis: { connection: bad, command: [GET, array] }
    expect: { type: array, reply_truncated: true, "reply[0]": 1 }
  - id: status
    redis: { connection: bad, command: [GET, status], max-result: 1000 }
    expect: { type: status, reply_truncated: true, reply: { len: 1000 } }
  - id: small
    redis: { connection: bad, command: [GET, big], max-result: 10 }
    expect: { reply: zzzzzzzzzz, reply_truncated: true }
  - id: whole
    redis: { connection: bad, command: [GET, nothing] }
    expect: { type: nil, reply_truncated: false }
  # the secret straddles the bound
  - id: secret
    redis: { connection: bad, command: [GET, "secret:97:\${{ inputs.token }}:100"], max-result: 108 }
  # the secret straddles the end of what is read (the bound + 4 KiB)
  - id: secret-read
    redis: { connection: bad, command: [GET, "secret:4194:\${{ inputs.token }}:100000"], max-result: 108 }
  - id: deep
    redis: { connection: bad, command: [GET, deep] }
    on-failure: continue
YAML
RC=0
# under `make asan`, freed memory waits in ASan's quarantine (256 MB by
# default): a small one lets the peak RSS measure the interpreter's own
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
python3 "$ROOT/tests/lib/maxrss.py" rss "$RUNBOOK" run rb.yaml --transcript t.jsonl >out 2>err </dev/null || RC=$?
expect_rc 0
for s in big array status small whole secret secret-read; do expect_status t.jsonl $s ok; done
expect_status t.jsonl deep failed
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="deep") | .error] | last | test("nested deeper than 32")' "deep nesting"
# the array is cut by its element count (8 bytes of max-result each)
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="array") | .result.reply | length] | last | . > 1000 and . <= 131072' "array cut"
# 97 x, then the secret redacted whole, then y up to 108 bytes (cut after
# redaction: a cut before it would keep the secret's first 11 bytes)
want="$(printf 'x%.0s' $(seq 97))***$(printf 'y%.0s' $(seq 8))"
expect_jq t.jsonl "[.[] | select(.event==\"step.end\" and .step==\"secret\") | .result.reply] == [\"$want\"]" "secret cut before redaction"
want="$(printf 'x%.0s' $(seq 108))"
expect_jq t.jsonl "[.[] | select(.event==\"step.end\" and .step==\"secret-read\") | .result.reply] == [\"$want\"]" "secret cut at the read bound"
expect_no "${RB_REDIS_SECRET:0:6}" t.jsonl
rss=$(cat rss)
[ "$rss" -lt 65536 ] || fail "peak RSS ${rss} KiB"
size=$(stat -c %s t.jsonl)
[ "$size" -lt 6000000 ] || fail "transcript is $size bytes"
