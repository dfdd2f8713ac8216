# verify --pubkey: `run --sign-key` writes Ed25519 checkpoints (every 50
# events and after run.end).  A re-hashed forgery passes the chain check
# but not the signatures; a truncated tail loses the final checkpoint; a
# wrong key and an unsigned transcript fail too.  Each failure names the
# first seq no valid checkpoint covers, and exits 5.
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null || fail "openssl genpkey"
openssl pkey -in key.pem -pubout -out pub.pem 2>/dev/null || fail "openssl pkey -pubout"
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -out other.pub 2>/dev/null

# 20 ok steps and a last one that fails: about 66 events, so the run has
# a checkpoint in the middle and one after run.end
{
	printf 'runbook: signed\ntitle: Signed\nowner: platform-operations\nsteps:\n'
	for i in $(seq 1 20); do printf '  - id: s%d\n    exec: [echo, "%d"]\n' "$i" "$i"; done
	printf '  - id: last\n    exec: ["false"]\n'
} >rb.yaml
rb run rb.yaml --transcript t.jsonl --sign-key key.pem --quiet
expect_rc 1
expect_no "PRIVATE KEY" t.jsonl
n_cp=$(jq -s '[.[] | select(.event == "checkpoint")] | length' t.jsonl)
[ "$n_cp" -ge 2 ] || fail "expected at least 2 checkpoints, got $n_cp"
cp1=$(jq -s '[.[] | select(.event == "checkpoint")][0].upto_seq' t.jsonl)
end_seq=$(jq -s '[.[] | select(.event == "run.end")][0].seq' t.jsonl)
expect_jq t.jsonl '(last | .event == "checkpoint") and (last.upto_seq == ([.[] | select(.event == "run.end")][0].seq))' \
	"the last checkpoint covers run.end"

# run.start names the signing key: the first 16 hex digits of the SHA-256
# of the raw public key, as every checkpoint does
kid=$(openssl pkey -pubin -in pub.pem -outform DER | tail -c 32 | sha256sum | cut -c1-16)
expect_jq t.jsonl '.[0].event == "run.start" and .[0].signed_by == "'"$kid"'" and
	all(.[] | select(.event == "checkpoint"); .key_id == "'"$kid"'")' "run.start records signed_by"

rb verify t.jsonl --pubkey pub.pem
expect_out "ok +signatures +checkpoints +$n_cp checkpoints signed by key '[0-9a-f]{16}' verify; the last \(seq [0-9]+\) covers run.end \(seq $end_seq\)"
expect_out 'FAIL +outcome'          # the run failed: that is a verdict too
expect_rc 5

# rehash IN OUT: recompute seq, prev and hash of every line, as a forger would
rehash() {
	python3 - "$1" "$2" <<'PY'
import sys, re, hashlib
prev, out = b'0' * 64, []
for i, line in enumerate(open(sys.argv[1], 'rb').read().split(b'\n')[:-1], 1):
	body = line[:line.rindex(b',"hash":"')]
	body = re.sub(rb'^\{"seq":\d+,', b'{"seq":%d,' % i, body)
	body = re.sub(rb'"prev":"[0-9a-f]{64}"', b'"prev":"' + prev + b'"', body, count=1)
	prev = hashlib.sha256(body + b'}').hexdigest().encode()
	out.append(body + b',"hash":"' + prev + b'"}')
open(sys.argv[2], 'wb').write(b'\n'.join(out) + b'\n')
PY
}

# the forgery: the failed step and the run "succeeded"
last_seq=$(jq -s '[.[] | select(.event == "step.end" and .step == "last")][0].seq' t.jsonl)
[ "$last_seq" -gt "$cp1" ] || fail "step 'last' ended at seq $last_seq, before the first checkpoint ($cp1)"
jq -c 'if .event == "step.end" and .step == "last" then .status = "ok" | del(.error)
	elif .event == "run.end" then .status = "ok" | .exit = 0 | .rollback = "none" else . end' t.jsonl |
	sed -E 's/,"hash":"[0-9a-f]{64}"\}$/,"hash":"'"$(printf '0%.0s' $(seq 64))"'"}/' >edited.jsonl
rehash edited.jsonl forged.jsonl
# run.start says the run was signed, so even without the key the
# checkpoints must be there and sign the hashes of the lines they cover
rb verify forged.jsonl
expect_rc 5
expect_out 'ok +integrity +chain'
expect_out "FAIL +signatures +checkpoints +first bad seq $((cp1 + 1)): the checkpoint at seq [0-9]+ signs a hash that is not the one of seq $end_seq"
rb verify forged.jsonl --pubkey pub.pem
expect_rc 5
expect_out "first bad seq $((cp1 + 1)): the checkpoint at seq [0-9]+ signs a hash that is not the one of seq $end_seq"
expect_out "^verify: failed: .*first bad seq $((cp1 + 1))$"

# a forger who also rewrites upto_hash cannot make the signature match
python3 - forged.jsonl <<'PY' >forged2-edited.jsonl
import sys, json
lines = open(sys.argv[1]).read().splitlines()
hashes = {json.loads(l)['seq']: json.loads(l)['hash'] for l in lines}
for l in lines:
	if '"event":"checkpoint"' in l:
		e = json.loads(l)
		l = l.replace(e['upto_hash'], hashes[e['upto_seq']])
	print(l)
PY
rehash forged2-edited.jsonl forged2.jsonl
# self-consistent: without the key only the chain and the checkpoints'
# places can be checked, and verify says so
rb verify forged2.jsonl
expect_rc 0
expect_out "ok +signatures +checkpoints +[0-9]+ checkpoints of key '$kid' \(as run.start says\) in place; .*signatures not checked without --pubkey"
expect_out 'note +signatures +authenticity +integrity only: not authenticated \(no --pubkey\)'
expect_out '^verify: ok: .*; integrity only: not authenticated \(no --pubkey\)$'
rb verify forged2.jsonl --pubkey pub.pem
expect_rc 5
expect_out "first bad seq $((cp1 + 1)): the signature of the checkpoint at seq [0-9]+ does not verify"

# a truncated tail: cut after the first checkpoint, a few events later
head -n $((cp1 + 5)) t.jsonl >trunc.jsonl
rb verify trunc.jsonl --pubkey pub.pem
expect_rc 5
expect_out "first bad seq $((cp1 + 1)): the last signed checkpoint covers seq $cp1, and there is no run.end"
expect_out 'FAIL +completeness +run.end +interrupted'

# stripped of its checkpoints and re-hashed: run.start still says signed
grep -v '"event":"checkpoint"' t.jsonl >stripped-edited.jsonl
rehash stripped-edited.jsonl stripped.jsonl
rb verify stripped.jsonl
expect_rc 5
expect_out 'ok +integrity +chain'
expect_out "FAIL +signatures +checkpoints +first bad seq 1: run.start says the run was signed by key '$kid', but the transcript has no checkpoint"
# the tail cut after a checkpoint, without the key
rb verify trunc.jsonl
expect_rc 5
expect_out "FAIL +signatures +checkpoints +first bad seq $((cp1 + 1)): the last signed checkpoint covers seq $cp1, and there is no run.end"

# the wrong public key
rb verify t.jsonl --pubkey other.pub
expect_rc 5
expect_out "first bad seq 1: checkpoint at seq $((cp1 + 1)) is signed by key '[0-9a-f]{16}', not by '[0-9a-f]{16}'"

# an unsigned run checked with a key
rb run rb.yaml --transcript plain.jsonl --quiet
rb verify plain.jsonl --pubkey pub.pem
expect_rc 5
expect_out 'first bad seq 1: no signed checkpoint'

# a key that is not a key: a usage problem, exit 2
echo garbage >bad.pem
rb verify t.jsonl --pubkey bad.pem
expect_rc 2
expect_err "runbook verify: 'bad.pem' is not an unencrypted PEM public key"
rb run rb.yaml --transcript never.jsonl --sign-key pub.pem --quiet
expect_rc 2
[ ! -s never.jsonl ] || expect_jq never.jsonl 'all(.event != "step.start")' "nothing ran with a bad key"
