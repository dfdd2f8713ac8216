# A new primitive is a row in lang/prim.c and its run function, nothing
# else: a copy of prim.c with one more row (a "probe" that runs the log
# primitive's function) is compiled and linked against the built library,
# and the row shows in the schema, the reference, check (its did-you-mean
# too), plan and run without a further edit.
obj=$BUILD/obj
[ -f "$obj/main.o" ] && [ -f "$BUILD/librunbook.a" ] || fail "no build in $BUILD"
python3 - "$ROOT/interpreter/lang/prim.c" prim.c <<'PY' || fail "prim.c has no table to add to"
import sys
s = open(sys.argv[1]).read()
row = """	{
		.name = "probe",
		.summary = "a row the new-primitive test adds",
		.forms = P_STR,
		.step_keys = no_keys,
		.result_fields = log_results,
		.flags = PF_IO,
		.default_effect = EFFECT_READ,
		.run = prim_log_run,
	},
"""
head = "const prim_def prim_table[] = {\n"
assert s.count(head) == 1
open(sys.argv[2], "w").write(s.replace(head, head + row))
PY
san=
nm "$obj/main.o" | grep -q __asan_ && san="-fsanitize=address,undefined,float-cast-overflow"
cc -std=c11 -D_GNU_SOURCE -I"$ROOT/interpreter" $san -c prim.c -o prim.o 2>cc.log ||
	fail "the new row does not compile: $(cat cc.log)"
# the libraries the Makefile links (its PKGS line)
libs=$(pkg-config --libs $(sed -n "s/^PKGS *:= *//p" "$ROOT/Makefile"))
cc $san -o rb2 "$obj/main.o" prim.o "$BUILD/librunbook.a" $libs -lm 2>cc.log ||
	fail "cannot link with the new row: $(cat cc.log)"
RUNBOOK=$PWD/rb2

# the schema and the reference
rb schema
expect_rc 0
jq -e '(."$defs".step.properties.probe.description | startswith("a row the new-primitive test adds"))
	and ([."$defs".step.oneOf[].required[0]] | index("probe"))' out >/dev/null ||
	fail "the schema lacks the new row"
rb reference
expect_rc 0
grep -q '^### `probe`$' out && grep -q '^a row the new-primitive test adds$' out ||
	fail "the reference lacks the new row"

# check, plan and run
cat >rb.yaml <<'YAML'
runbook: probe
title: A new primitive
owner: platform-operations
defaults: { timeout: 3s }
steps:
  - id: p
    probe: "hello"
    expect: { message: hello }
YAML
rb check rb.yaml
expect_rc 0
rb plan rb.yaml --format json
expect_rc 0
jq -e '.steps[0].primitive == "probe" and .steps[0].effect == "read"' out >/dev/null ||
	fail "plan: $(cat out)"
rb run rb.yaml --transcript t.jsonl
expect_rc 0
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="p")][0]
	| .status == "ok" and .result.message == "hello"' "run: the probe step"
sed -i 's/    probe: "hello"/    prob: "hello"/' rb.yaml
rb check rb.yaml
expect_rc 2
expect_out "did you mean 'probe'"
# and the interpreter as built does not know it: the row made the difference
RUNBOOK=$BUILD/runbook
sed -i 's/    prob: "hello"/    probe: "hello"/' rb.yaml
rb check rb.yaml
expect_rc 2
