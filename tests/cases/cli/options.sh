# Every command's options come from one table of rows: its --help lists
# each row on a line, the reference's Commands section lists the same
# rows, the parser accepts every one of them and nothing else (one
# "unknown option" message for all commands, exit 2).  `runbook --help`
# prints every exit code of the table, as the reference does.
rb --help
expect_rc 0
cp out main-help
cmds=$(sed -n '/^commands:/,/^$/p' main-help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(wc -w <<<"$cmds")" -ge 10 ] || fail "runbook --help lists too few commands: $cmds"
rb reference
expect_rc 0
cp out reference.md

# the options of one command's section of the reference: "--name" per line
ref_opts() {
	sed -n "/^### \`runbook $1[ \`]/,/^#/p" reference.md | sed -n 's/^| `\(-[a-z], \)\{0,1\}\(--[a-z-]*\).*/\2/p' | sort
}
for c in $cmds; do
	rb "$c" --help
	expect_rc 0
	head -1 out | grep -q "^usage: runbook $c\b" || fail "$c --help: no usage line: $(head -1 out)"
	cp out "help-$c"
	# one line per option: "  -q, --quiet  help" or "      --name VALUE  help"
	sed -n '/^options:/,$p' "help-$c" | tail -n +2 >lines
	grep -vqE '^  (-[a-z], |    )--[a-z-]+( [^ ]+)?  +[^ ]' lines && fail "$c --help: a line that is not an option: $(grep -vE '^  (-[a-z], |    )--' lines)"
	sed -E 's/^  (-[a-z], |    )(--[a-z-]+).*/\2/' lines | sort >"opts-$c"
	grep -qx -- --help "opts-$c" || fail "$c --help does not list --help"
	# the reference says the same, row for row
	ref_opts "$c" >"ref-$c"
	[ -s "ref-$c" ] || fail "$c has no section in the reference"
	cmp -s "opts-$c" "ref-$c" || fail "$c: --help and the reference disagree: $(diff "opts-$c" "ref-$c")"
	# `runbook help CMD` is the same text
	rb help "$c"
	expect_rc 0
	cmp -s out "help-$c" || fail "runbook help $c differs from runbook $c --help"
	# every row listed is one the parser knows, and takes a value when help says so
	while read -r o; do
		[ "$o" = --help ] && continue
		rb "$c" "$o"
		expect_no "unknown option"
		if grep -qE -- "^  (-[a-z], |    )$o [^ ]" lines; then
			expect_err "^runbook: option '$o' needs a value$"
			expect_rc 2
		fi
	done <"opts-$c"
	# and nothing else: one message for every command
	rb "$c" --no-such-option
	expect_rc 2
	[ "$(head -1 err)" = "runbook $c: unknown option '--no-such-option'" ] || fail "$c: $(head -1 err)"
	sed -n 2p err | grep -q "^usage: runbook $c\b" || fail "$c: no usage line after the error"
	rb "$c" --quiet=yes
	expect_rc 2
	expect_err "^runbook $c: unknown option '--quiet=yes'"
done
rb help nosuch
expect_rc 2
expect_err "runbook: unknown command 'nosuch'"

# options keep their syntax: --opt=value, --opt value, repeated --input
# (each input once: a name given twice is an error)
cat > rb.yaml <<'Y'
runbook: opts
title: Options
inputs:
  a: { type: string, default: one }
  b: { type: string, default: two }
steps:
  - id: s
    exec: [echo, "${{ inputs.a }}-${{ inputs.b }}"]
    effect: read
Y
rb plan rb.yaml --input a=x --input=b=y --format=json
expect_rc 0
jq -e '.inputs == {"a":"x","b":"y"}' out >/dev/null || fail "plan inputs: $(cat out)"
rb plan rb.yaml --input a=x --input=b=y --format=json --input a=z
expect_rc 2
expect_err "input 'a' is given twice"
rb plan rb.yaml --input =x
expect_rc 2
expect_err "runbook plan: --input needs name=value, got '=x'"
rb plan rb.yaml --form json
expect_rc 2
expect_err "runbook plan: unknown option '--form'"

# the exit codes: runbook --help and the reference print the one table
sed -n '/^exit codes:/,$p' main-help | tail -n +2 | awk '{print $1, $2}' >codes-help
sed -n '/^## Exit codes/,/^#/p' reference.md | sed -n 's/^| \([0-9]*\) | `\([a-z-]*\)` |.*/\1 \2/p' >codes-ref
[ -s codes-help ] || fail "runbook --help prints no exit codes"
cmp -s codes-help codes-ref || fail "exit codes: --help and the reference disagree: $(diff codes-help codes-ref)"
[ "$(cut -d' ' -f1 codes-help | tr '\n' ' ')" = "0 1 2 3 4 5 6 8 130 143 " ] ||
	fail "exit codes: $(cut -d' ' -f1 codes-help | tr '\n' ' ')"
grep -q 'docs/reference.md' <(sed -n '/^## Exit codes/,/^## /p' "$ROOT/README.md") ||
	fail "README's exit codes do not point to docs/reference.md"

# plan's --no-color holds for its diagnostics on a terminal too
printf 'runbook: Bad\n' >bad.yaml
script -qec "$RUNBOOK plan bad.yaml" /dev/null >tty.out 2>&1 </dev/null
grep -q $'\033\[' tty.out || fail "plan: no colour on a TTY: $(cat -v tty.out)"
script -qec "$RUNBOOK plan bad.yaml --no-color" /dev/null >nc.out 2>&1 </dev/null
grep -q 'error' nc.out || fail "plan: no diagnostics: $(cat -v nc.out)"
grep -q $'\033\[' nc.out && fail "plan --no-color: colour on a TTY: $(cat -v nc.out)"
true
