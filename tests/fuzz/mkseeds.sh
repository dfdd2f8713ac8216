#!/usr/bin/env bash
# Regenerate the committed seed corpora of the fuzz targets that have no
# seeds among the repo's own files (the load target reads runbooks/,
# stdlib/ and tests/cases/check/ directly):
#   corpus/expr/        every ${{ }} of the runbooks, the stdlib and the
#                       cases, and every expression and template of
#                       tests/unit/test_expr.c
#   corpus/transcript/  transcripts of data/runbook.yaml: a signed drill, a
#                       failed run with its rollbacks, a dry run, a killed run
#                       and its resume
#   corpus/redact/      secrets and texts in the target's input layout
#   dict/load.dict      YAML syntax, every key and enum value of the schema,
#                       expression tokens (dict/expr.dict is included)
# Needs build/runbook (make) and jq.  With the fuzz targets built (make
# fuzz), the load and expr seeds are reduced to those that add coverage
# (libFuzzer -merge=1).  Usage: tests/fuzz/mkseeds.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
F=$ROOT/tests/fuzz
RB=$ROOT/build/runbook
[ -x "$RB" ] || { echo "mkseeds: build $RB first (make)" >&2; exit 1; }

rm -rf "$F/corpus/load" "$F/corpus/expr" "$F/corpus/transcript" "$F/corpus/redact"
mkdir -p "$F/corpus/load" "$F/corpus/expr" "$F/corpus/transcript" "$F/corpus/redact"

python3 - "$ROOT" "$F/corpus/load" <<'PY'
import hashlib, os, re, sys
root, out = sys.argv[1], sys.argv[2]
seeds = {open(os.path.join(root, "tests/fuzz/data/runbook.yaml"), "rb").read()}
for dp, _, fs in os.walk(os.path.join(root, "tests/cases")):
    for f in fs:
        if f.endswith(".sh"):
            t = open(os.path.join(dp, f), "rb").read()
            for m in re.finditer(rb"<<-?\s*'?(\w+)'?[^\n]*\n(.*?)\n\1\n", t, re.S):
                body = m.group(2) + b"\n"
                if re.search(rb"^(runbook|fragment|steps):", body, re.M):
                    seeds.add(body)
for s in seeds:
    open(os.path.join(out, hashlib.sha1(s).hexdigest()[:16] + ".yaml"), "wb").write(s)
print("load: %d seeds" % len(seeds))
PY

python3 - "$ROOT" "$F/corpus/expr" <<'PY'
import hashlib, os, re, sys
root, out = sys.argv[1], sys.argv[2]
seeds = set()
for d in ("runbooks", "stdlib", "tests/cases"):
    for dp, _, fs in os.walk(os.path.join(root, d)):
        for f in fs:
            if f.endswith((".yaml", ".yml", ".sh")):
                t = open(os.path.join(dp, f), "rb").read()
                for m in re.finditer(rb"\$\{\{(.*?)\}\}", t):
                    seeds.add(m.group(1).strip())       # the expression
                    seeds.add(m.group(0))               # the template
# the C string literals of the expression unit test's tables
src = open(os.path.join(root, "tests/unit/test_expr.c"), "rb").read()
for m in re.finditer(rb'\b(?:EV|EV_ERR|PERR|REFS|TMPL|TMPL_ERR)\("((?:[^"\\]|\\.)*)"', src):
    s = m.group(1)
    try:
        seeds.add(s.decode("latin-1").encode("latin-1").decode("unicode_escape").encode("latin-1"))
    except (UnicodeDecodeError, UnicodeEncodeError):
        seeds.add(s)
for s in seeds:
    if s:
        open(os.path.join(out, hashlib.sha1(s).hexdigest()[:16]), "wb").write(s)
print("expr: %d seeds" % len(seeds))
PY

# transcripts: run data/runbook.yaml in several ways
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export FUZZ_TOKEN=s3cr3t-t0ken RUNBOOK_LOCK_DIR=$tmp
( cd "$tmp"
  D=$F/data
  install -m 600 "$D/key.pem" key.pem     # a signing key must be private
  "$RB" drill "$D/runbook.yaml" --transcript drill-signed.jsonl --sign-key key.pem --quiet >/dev/null || true
  "$RB" run "$D/runbook.yaml" --input fail=true --transcript run-rollback.jsonl --quiet >/dev/null || true
  "$RB" run "$D/runbook.yaml" --dry-run --transcript run-dry.jsonl --quiet >/dev/null || true
  # killed after its 9th event (the shell's "Killed" notice is dropped)
  { RUNBOOK_TEST_CRASH_AFTER=9 "$RB" run "$D/runbook.yaml" --transcript run-killed.jsonl \
	--quiet >/dev/null 2>&1 || true; } 2>/dev/null
  cp run-killed.jsonl run-resumed.jsonl
  "$RB" resume run-resumed.jsonl --in-doubt rerun --quiet >/dev/null 2>&1 || true
  # a torn last line, as a crash mid-write leaves it
  head -c -40 run-killed.jsonl > run-torn.jsonl
  cp ./*.jsonl "$F/corpus/transcript/" )
echo "transcript: $(ls "$F/corpus/transcript" | wc -l) seeds"

# redact: flags byte, secrets (length byte + bytes), text with form inserts
# (fuzz_redact.c: 0x01 i e = form e of secret i; 0x02 i p s = base64 blob;
# 0x03 i m = secret i in the letter case of m's bits)
python3 - "$F/corpus/redact" <<'PY'
import os, sys
out = sys.argv[1]
CONN_SPEC, DERIVED, CUT = 8, 16, 32
def seed(name, flags, secrets, text, cut=None):
    b = bytes([flags | (len(secrets) - 1)])
    for s in secrets:
        b += bytes([len(s)]) + s
    if cut is not None:
        b += bytes([cut])
    open(os.path.join(out, name), "wb").write(b + text)
def forms(i, es):
    return b" ".join(b"\x01" + bytes([i, e]) for e in es)
seed("plain", 0, [b"hunter2"], b"password is hunter2, again HUNTER2 and Hunter2.")
seed("forms", 0, [b"s3cr3t-t0ken", b"p@ss word/<&>"],
     b"raw " + forms(0, range(5)) + b" json " + forms(1, range(5, 21)) +
     b" url " + forms(1, range(21, 24)) + b" hex " + forms(0, range(24, 28)))
seed("unicode", 0, [b"p\xc3\xa4ssw\xc3\xb6rd\xf0\x9f\x98\x80"],
     b"P\xc3\x84SSW\xc3\x96RD\xf0\x9f\x98\x80 " + forms(0, range(5, 21)))
seed("case", 0, [b"MixedCaseSecret"], b"x \x03\x00\x55 y \x03\x00\xaa z")
seed("basic-auth", 0, [b"Zm9vYmFy-secret"], b"Authorization: Basic \x02\x00\x05\x00admin:")
seed("blob", 0, [b"tok3n!"], b"config=\x02\x00\x03\x04abcdefg end")
seed("json-escapes", 0, [b'quo"te\\back\nline\x01'], b'{"v":"\x01\x00\x05"} \x01\x00\x0d')
seed("short", 0, [b"a", b"xy"], b"a banana, xyzzy, ***")
seed("overlap", 0, [b"abcabc", b"cab", b"bca"], b"abcabcabcab cabca")
seed("mask-chars", 0, [b"**", b"a*b"], b"**a*b***x")
seed("derived", DERIVED, [b"t0ken-value", b"Bearer t0ken-value"], b"Authorization: Bearer t0ken-value")
seed("derived-new", DERIVED, [b"t0ken-value", b"UPPER-DERIVED"], b"x UPPER-DERIVED y \x01\x01\x01")
seed("cut", CUT, [b"s3cr3t-t0ken"], b"0123456789 s3cr3t-t0ken \x01\x00\x01 tail", cut=128)
seed("spec-dsn", CONN_SPEC, [b"host=db user=app password='p w\\'d' dbname=x",
                        b"postgresql://app:s%40cret@db:5432/x?password=other"], b"connect")
seed("spec-url", CONN_SPEC, [b"https://user:pa%3Ass@example.test/path?q=1",
                        b"redis://:r3dis@127.0.0.1:6379/0", b"Bearer abc.def.ghi"], b"GET")
print("redact: %d seeds" % len(os.listdir(out)))
PY

# the load dictionary: YAML syntax + the schema's keys and values + expr tokens
{
	echo '# YAML syntax, the runbook keys and values (from schema/runbook.schema.json)'
	echo '# and the expression tokens; generated by tests/fuzz/mkseeds.sh'
	cat <<'DICT'
": "
"- "
"---"
"..."
"{"
"}"
"["
"]"
", "
"&a "
"*a"
"<<: "
"!!str "
"!!int "
"!!map "
"!custom "
"? "
"|"
">-"
"|+"
"\""
"'"
"#"
"\x0a  "
"\x0a- "
"\x09"
"\x0d\x0a"
"~"
"0x1F"
"1e9"
".inf"
"%YAML 1.2"
"%TAG ! tag:x,2024:"
"\xef\xbb\xbf"
"\\u0041"
"\\x41"
DICT
	jq -r '[.. | objects | .properties? // empty | keys[]] | unique | .[]' "$ROOT/schema/runbook.schema.json" |
		sed 's/.*/"&: "/'
	jq -r '[.. | objects | .enum? // empty | .[] | strings] | unique | .[]' "$ROOT/schema/runbook.schema.json" |
		sed 's/.*/"&"/'
	for t in 'use: stdlib/k8s/rollout-restart' 'use: ./in' 'env:FOO' 'file:/dev/null' 'postgres://u:p@h/db' \
		 'redis://:pw@127.0.0.1/0' 'http://127.0.0.1:1/' '${{ ' ' }}' 'steps.' '.outputs.' '.result.' 'inputs.' \
		 '10ms' '30s' '5m' '2d' 'stdout' 'status' 'exit' ; do
		printf '"%s"\n' "$t"
	done
	grep -v '^#' "$F/dict/expr.dict"
} > "$F/dict/load.dict"
echo "dict/load.dict: $(grep -c '^"' "$F/dict/load.dict") entries"

# keep only the seeds that add coverage, when the targets are built
for t in load expr; do
	bin=$ROOT/build/fuzz/fuzz_$t
	[ -x "$bin" ] || continue
	m=$(mktemp -d)
	RUNBOOK_PATH=$ROOT "$bin" -merge=1 "$m" "$F/corpus/$t" >/dev/null 2>&1
	rm -rf "$F/corpus/$t" && mkdir "$F/corpus/$t"
	for f in "$m"/*; do cp "$f" "$F/corpus/$t/$(basename "$f" | cut -c1-16)$([ $t = load ] && echo .yaml)"; done
	rm -rf "$m"
	echo "$t: $(ls "$F/corpus/$t" | wc -l) seeds after merge"
done
