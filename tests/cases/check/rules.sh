# Every rule id a diagnostic can carry has a row (lang/rules.h): each one
# the source passes to a diagnostic (diag_add, diag_vadd, and validate.c's
# and load.c's err/err_in/lerr/vdiag helpers), and each one any check case
# reports.  `runbook check --list-rules` is the list of rows; `runbook
# explain` prints one, and an unknown one is a usage error with a hint.
rb check --list-rules
expect_rc 0
awk '{print $1}' out | sort >rows
[ "$(sort -u rows | wc -l)" = "$(wc -l <rows)" ] || fail "a rule id is listed twice"

python3 - "$ROOT/interpreter" >used <<'PY' || fail "scanning the source failed"
import glob, re, sys
# the argument that holds the rule id, by function
pos = {"err": 2, "err_in": 4, "lerr": 2, "diag_add": 5, "diag_vadd": 5, "vdiag": 5}
def args_at(s, i):
    """the top-level arguments of the call whose '(' ends at i"""
    depth, args, cur, instr = 1, [], "", False
    while depth and i < len(s):
        c = s[i]
        if instr:
            cur += c
            if c == "\\":
                cur += s[i + 1]; i += 1
            elif c == '"':
                instr = False
        elif c == '"':
            instr = True; cur += c
        elif c in "([{":
            depth += 1; cur += c
        elif c in ")]}":
            depth -= 1
            if depth: cur += c
        elif c == "," and depth == 1:
            args.append(cur.strip()); cur = ""
        else:
            cur += c
        i += 1
    return args + [cur.strip()]
seen, bad = set(), []
for f in sorted(glob.glob(sys.argv[1] + "/**/*.c", recursive=True)):
    s = open(f, encoding="utf-8").read()
    for m in re.finditer(r"\b(err|err_in|lerr|diag_add|diag_vadd|vdiag)\(", s):
        a = args_at(s, m.end())
        if len(a) <= pos[m.group(1)]:
            continue
        r = a[pos[m.group(1)]]
        if re.fullmatch(r'"[a-z0-9-]+"', r):
            seen.add(r[1:-1])
        elif not re.fullmatch(r"(const char \*)?(rule|r->id|d->rule)", r):
            bad.append("%s:%d: rule %s" % (f, s[:m.start()].count("\n") + 1, r))
for b in bad:
    print("not a literal rule id (give it a row and pass the literal):", b, file=sys.stderr)
print("\n".join(sorted(seen)))
sys.exit(1 if bad else 0)
PY
[ "$(wc -l <used)" -ge 30 ] || fail "the scan found only $(wc -l <used) rule ids"
missing=$(comm -23 used rows)
[ -z "$missing" ] || fail "rule ids used in the source with no row in lang/rules.c or lint.c: $missing"

# every rule the check cases report
for f in "$ROOT"/tests/cases/check/*.yaml; do
	"$RUNBOOK" check --format json "$f" 2>/dev/null | jq -r '.diagnostics[] | .rule // "(none)"'
done | sort -u >emitted
[ "$(wc -l <emitted)" -ge 30 ] || fail "the check cases report only $(wc -l <emitted) rules"
missing=$(comm -23 emitted rows)
[ -z "$missing" ] || fail "rules reported by check cases with no row: $missing"

# explain: a row, or an unknown rule with a hint
rb explain secret-in-argv
expect_rc 0
expect_out '^secret-in-argv \(error\): no secret in a command line$'
expect_out '^Example \(reported when saved as secret-in-argv\.yaml\):$'
rb explain io
expect_rc 0
expect_out '^io \(error\): the file can be opened and read$'
rb explain lint-ownr
expect_rc 2
expect_err "^runbook explain: unknown rule 'lint-ownr'; did you mean 'lint-owner'\?"
rb explain a b
expect_rc 2
rb explain --format xml io
expect_rc 2
expect_err "unknown format 'xml'"
# the page of one rule is its section of docs/rules.md
rb explain --format md cycle
expect_rc 0
grep -qF -- "$(cat out)" "$ROOT/docs/rules.md" || fail "explain --format md cycle is not its section of docs/rules.md"
