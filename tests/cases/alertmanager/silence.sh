# alertmanager/silence against the suite's Alertmanager: the silence is
# created active with the given matchers, the operator as createdBy, the
# comment and an end `duration` from now (or `ends_at`, in any offset,
# sent in UTC); the fragment's
# output is its id; it really silences a matching alert; a later step
# failing makes the rollback expire it; a dry run creates nothing; bad
# matchers fail before anything is posted.
[ -n "${RB_TEST_AM:-}" ] || fail "no Alertmanager (RB_TEST_AM)"
AM=$RB_TEST_AM
tag=silence-$$-$RANDOM            # this case's alerts and comments
# silences_with COMMENT: the silences of that comment, as a JSON list
silences_with() { curl -fsS "$AM/api/v2/silences" | jq -c --arg c "$1" '[.[] | select(.comment == $c)]'; }
push() { curl -fsS -XPOST -H 'Content-Type: application/json' "$AM/api/v2/alerts" -d "$1" >/dev/null ||
	fail "cannot push alerts to $AM"; }

cat >s.yaml <<'Y'
runbook: am-silence
title: Silence, then maybe fail
owner: test
inputs:
  am: { type: url }
  tag: { type: string }
  fail: { type: bool, default: false }
steps:
  - id: quiet
    use: stdlib/alertmanager/silence
    with:
      url: "${{ inputs.am }}"
      alertname: AmTestSilenced
      matchers:
        - { name: tag, value: "${{ inputs.tag }}", isRegex: false }
        - { name: instance, value: 'worker-[0-9]+', isRegex: true }
        - { name: env, value: "dev\"x", isRegex: false, isEqual: false }
      duration: 90m
      comment: "mitigating ${{ inputs.tag }}"
  - id: note
    log: "silence ${{ steps.quiet.outputs.id }} ${{ steps.quiet.outputs.state }} until ${{ steps.quiet.outputs.ends_at }}"
  - id: later
    assert: "${{ !inputs.fail }}"
Y
rb check --no-color s.yaml
expect_rc 0
expect_err '0 errors, 0 warnings'

# --- created, active, with what was asked ---
rb run s.yaml --input am="$AM" --input tag="$tag" --operator alice --transcript ok.jsonl
expect_rc 0
id=$(jq -r -s '[.[] | select(.event=="step.end" and .step=="quiet")][0].outputs.id' ok.jsonl)
[[ $id =~ ^[0-9a-f-]{36}$ ]] || fail "output id: '$id'"
expect_jq ok.jsonl '[.[] | select(.event=="step.end" and .step=="quiet/create")][0].outputs.id == "'"$id"'"'
expect_jq ok.jsonl '[.[] | select(.event=="step.end" and .step=="note")][0].result.message
	| test("^silence '"$id"' active until [0-9-]+T[0-9:.]+Z$")'
got=$(silences_with "mitigating $tag")
[ "$(jq length <<<"$got")" = 1 ] || fail "silences with the comment: $got"
jq -e --arg id "$id" '.[0] | .id == $id and .status.state == "active" and .createdBy == "alice"' <<<"$got" >/dev/null ||
	fail "the silence: $got"
want='[{"name":"alertname","value":"AmTestSilenced","isRegex":false,"isEqual":true},
       {"name":"tag","value":"'"$tag"'","isRegex":false,"isEqual":true},
       {"name":"instance","value":"worker-[0-9]+","isRegex":true,"isEqual":true},
       {"name":"env","value":"dev\"x","isRegex":false,"isEqual":false}]'
jq -e --argjson w "$want" '(.[0].matchers | sort_by(.name)) == ($w | sort_by(.name))' <<<"$got" >/dev/null ||
	fail "matchers: $(jq -c '.[0].matchers' <<<"$got")"
# it lasts 90m from now: from its start, to the second
jq -e '.[0] | ((.endsAt | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.startsAt | sub("\\.[0-9]+Z$"; "Z") | fromdate))
	| . >= 5398 and . <= 5401' <<<"$got" >/dev/null || fail "90m silence: $(jq -c '.[0] | [.startsAt, .endsAt]' <<<"$got")"
# it silences a matching alert, and only that
push '[{"labels":{"alertname":"AmTestSilenced","tag":"'"$tag"'","instance":"worker-7","env":"prod"}},
       {"labels":{"alertname":"AmTestSilenced","tag":"'"$tag"'","instance":"worker-8","env":"dev\"x"}}]'
state_of() { curl -fsS -G "$AM/api/v2/alerts" --data-urlencode "filter=tag=\"$tag\"" --data-urlencode "filter=instance=\"$1\"" |
	jq -r '.[0].status.state // "none"'; }
silenced() { [ "$(state_of worker-7)" = suppressed ]; }
wait_for silenced
curl -fsS -G "$AM/api/v2/alerts" --data-urlencode "filter=tag=\"$tag\"" --data-urlencode 'filter=instance="worker-7"' |
	jq -e --arg id "$id" '.[0].status.silencedBy == [$id]' >/dev/null || fail "worker-7 not silenced by $id"
[ "$(state_of worker-8)" = active ] || fail "worker-8 (env dev\"x, excluded) is $(state_of worker-8)"
# ... which alert-firing then sees as firing, unless silenced ones are left out
cat >f.yaml <<'Y'
runbook: am-silenced-firing
title: Firing, silenced
owner: test
inputs:
  am: { type: url }
  tag: { type: string }
  silenced: { type: bool }
steps:
  - id: firing
    use: stdlib/alertmanager/alert-firing
    with: { url: "${{ inputs.am }}", alertname: AmTestSilenced, silenced: "${{ inputs.silenced }}",
            filter: ['tag="${{ inputs.tag }}"', 'instance="worker-7"'] }
Y
rb run f.yaml --input am="$AM" --input tag="$tag" --input silenced=true --transcript f1.jsonl
expect_rc 0
rb run f.yaml --input am="$AM" --input tag="$tag" --input silenced=false --transcript f2.jsonl
expect_rc 1
expect_status f2.jsonl firing/wait failed

# --- a later step fails: the rollback expires the silence ---
rb run s.yaml --input am="$AM" --input tag="$tag-f" --input fail=true --operator bob --transcript fail.jsonl
expect_rc 1
fid=$(jq -r -s '[.[] | select(.event=="step.end" and .step=="quiet")][0].outputs.id' fail.jsonl)
[[ $fid =~ ^[0-9a-f-]{36}$ && $fid != "$id" ]] || fail "second silence id: '$fid'"
expect_status fail.jsonl later failed
expect_jq fail.jsonl '[.[] | select(.event=="rollback.start")][0].steps == ["quiet/create"]'
expect_status fail.jsonl quiet/expire ok
expect_status fail.jsonl quiet/expired ok
expect_jq fail.jsonl '[.[] | select(.event=="step.end" and .step=="quiet/expire")][0].result.status == 200'
got=$(silences_with "mitigating $tag-f")
jq -e --arg id "$fid" 'length == 1 and .[0].id == $id and .[0].status.state == "expired" and .[0].createdBy == "bob"' \
	<<<"$got" >/dev/null || fail "after the rollback: $got"
# the first silence is untouched
[ "$(silences_with "mitigating $tag" | jq -r '.[0].status.state')" = active ] || fail "the first silence changed"
# verify knows the fragment's steps and rollbacks; only the outcome fails
rb verify fail.jsonl --runbook s.yaml
expect_rc 5
expect_out '^  ok +runbook +steps '
expect_out '^  FAIL +outcome +status +the run failed at step .later. \(exit 1, rollback complete\)'
[ "$(grep -c '^  FAIL' out)" = 1 ] || fail "verify: $(cat out)"

# --- an end time instead of a duration, given at +02:00, sent in UTC ---
at=$(( $(date +%s) + 3 * 3600 ))
end=$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ)
end_east=$(date -u -d "@$(( at + 2 * 3600 ))" +%Y-%m-%dT%H:%M:%S+02:00)
cat >e.yaml <<'Y'
runbook: am-silence-end
title: Silence until a time
owner: test
inputs:
  am: { type: url }
  tag: { type: string }
  end: { type: string }
  matchers: { type: list, default: [] }
  alertname: { type: string, default: AmTestSilenced }
steps:
  - id: quiet
    use: stdlib/alertmanager/silence
    with: { url: "${{ inputs.am }}", alertname: "${{ inputs.alertname }}", matchers: "${{ inputs.matchers }}",
            ends_at: "${{ inputs.end }}", comment: "until ${{ inputs.tag }}" }
Y
rb run e.yaml --input am="$AM" --input tag="$tag" --input end="$end_east" --transcript end.jsonl
expect_rc 0
got=$(silences_with "until $tag")
jq -e --arg e "${end%Z}.000Z" 'length == 1 and .[0].endsAt == $e and .[0].status.state == "active"
	and (.[0].matchers | length) == 1' <<<"$got" >/dev/null || fail "ends_at $end: $got"

# --- a dry run creates nothing ---
rb run s.yaml --input am="$AM" --input tag="$tag-dry" --dry-run --transcript dry.jsonl
expect_rc 0
expect_status dry.jsonl quiet/create would-run
[ "$(silences_with "mitigating $tag-dry")" = "[]" ] || fail "a dry run created a silence"

# --- bad matchers and end times fail before anything is posted ---
rb run e.yaml --input am="$AM" --input tag="$tag-none" --input end="$end" --input alertname= --transcript none.jsonl
expect_rc 1
expect_out 'quiet/matchers .*no matcher: give alertname, matchers or both'
expect_status none.jsonl quiet/create none
rb run e.yaml --input am="$AM" --input tag="$tag-text" --input end="$end" --input 'matchers=[tag, 1]' --transcript text.jsonl
expect_rc 1
expect_out 'quiet/matchers .*each item of matchers must be a mapping \{name, value, isRegex, isEqual\}, got \[\\"tag\\",1\]'
expect_status text.jsonl quiet/create none
rb run e.yaml --input am="$AM" --input tag="$tag-bad" --input end=tomorrow --transcript bad.jsonl
expect_rc 1
expect_out "fragment 'alertmanager-silence': input 'ends_at' does not match its pattern"
# of the right shape but no time: the create step fails rendering, posts nothing
rb run e.yaml --input am="$AM" --input tag="$tag-month" --input end=2031-13-01T00:00:00Z --transcript month.jsonl
expect_rc 1
expect_status month.jsonl quiet/create failed
expect_out "quiet/create .*parseTime: '2031-13-01T00:00:00Z' is not an RFC 3339 time"
# an end in the past: Alertmanager refuses it, and nothing is left to undo
rb run e.yaml --input am="$AM" --input tag="$tag-past" --input end=2020-01-01T00:00:00Z --transcript past.jsonl
expect_rc 1
expect_status past.jsonl quiet/create failed
expect_jq past.jsonl '[.[] | select(.event=="step.end" and .step=="quiet/create")][0].result.body
	| test("start time must be before end time")'
for c in none text bad month past; do
	[ "$(silences_with "until $tag-$c")" = "[]" ] || fail "$c: a silence was created"
done
