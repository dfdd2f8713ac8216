# http: follow-redirects.  Headers the runbook set (step and connection
# headers, bearer and basic credentials) and the request body stay behind
# when a redirect leaves the first request's origin (scheme, host, port),
# unless `redirect-headers: keep`; a same-origin redirect keeps them; a
# redirect from https to plain http is refused; hops are bounded.
# Two real servers: the suite's ($RB_TEST_HTTP, "A") and a second one ("B").
python3 "$ROOT/tests/lib/httpd.py" >b.port 2>b.log &
bpid=$!
trap 'kill $bpid 2>/dev/null' EXIT
wait_for test -s b.port
B=http://127.0.0.1:$(head -n1 b.port)
A=$RB_TEST_HTTP
enc() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$1"; }
toB=$(enc "$B/echo")
# A -> B -> A/echo: once headers stayed behind, they stay behind
toBA=$(enc "$B/redirect?to=$(enc "$A/echo")")
cat >rb.yaml <<YAML
runbook: http-redirects
title: HTTP redirects
owner: platform-operations
connections:
  api: { http: { url: "$A", headers: { X-Conn-Key: conn-k } } }
checks:
  - id: cross-get
    http:
      url: "$A/redirect?to=$toB"
      follow-redirects: true
      headers: { X-Api-Key: k-1 }
      auth: { bearer: tok-1 }
    expect: { status: 200, json: { path: /echo } }
  - id: cross-basic
    http:
      url: "$A/redirect?to=$toB"
      follow-redirects: true
      auth: { basic: { user: ops, password: pw-1 } }
  - id: cross-conn
    http: { connection: api, url: "/redirect?to=$toB", follow-redirects: true }
  - id: same-get
    http:
      url: "$A/redirect?to=/echo"
      follow-redirects: true
      headers: { X-Api-Key: k-1 }
      auth: { bearer: tok-1 }
  - id: keep
    http:
      url: "$A/redirect?to=$toB"
      follow-redirects: true
      redirect-headers: keep
      headers: { X-Api-Key: k-1 }
  - id: back
    http:
      url: "$A/redirect?to=$toBA"
      follow-redirects: true
      headers: { X-Api-Key: k-1 }
    expect: { json: { path: /echo } }
  - id: not-followed
    http: { url: "$A/redirect?to=$toB", headers: { X-Api-Key: k-1 } }
    expect: { status: 302 }
steps:
  - id: cross-307
    http:
      method: POST
      url: "$A/redirect?to=$toB&code=307"
      follow-redirects: true
      headers: { X-Api-Key: k-1 }
      body: the-payload
  - id: same-307
    http:
      method: POST
      url: "$A/redirect?to=/echo&code=307"
      follow-redirects: true
      headers: { X-Api-Key: k-1 }
      body: the-payload
  - id: keep-308
    http:
      method: PUT
      url: "$A/redirect?to=$toB&code=308"
      follow-redirects: true
      redirect-headers: keep
      json: { a: 1 }
  - id: post-303
    http:
      method: POST
      url: "$A/redirect?to=/echo&code=303"
      follow-redirects: true
      body: the-payload
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
# the checks went out together (curl multi), the steps one by one
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .phase=="checks") | .concurrent] == [7,7,7,7,7,7,7]' "the checks were not concurrent"
res() { jq -c -s --arg s "$1" '[.[] | select(.event=="step.end" and .step==$s)] | last | .result.json' t.jsonl; }
# the server each final request reached, and what it received
port_of() { python3 -c 'import sys,urllib.parse;print(urllib.parse.urlsplit(sys.argv[1]).port)' "$1"; }
for s in cross-get cross-basic cross-conn same-get keep back not-followed cross-307 same-307 keep-308 post-303; do
	expect_status t.jsonl $s ok
done
h() { res "$1" | jq -r --arg k "$2" '.headers[$k] // "absent"'; }
[ "$(h cross-get x-api-key)" = absent ] || fail "cross-origin GET carried X-Api-Key: $(res cross-get)"
[ "$(h cross-get authorization)" = absent ] || fail "cross-origin GET carried the bearer token"
[ "$(h cross-basic authorization)" = absent ] || fail "cross-origin GET carried basic credentials"
[ "$(h cross-conn x-conn-key)" = absent ] || fail "cross-origin GET carried a connection header"
[ "$(h same-get x-api-key)" = k-1 ] || fail "same-origin redirect lost X-Api-Key: $(res same-get)"
[ "$(h same-get authorization)" = "Bearer ***" ] || fail "same-origin redirect lost the bearer token"
[ "$(h keep x-api-key)" = k-1 ] || fail "redirect-headers: keep dropped X-Api-Key"
[ "$(h back x-api-key)" = absent ] || fail "A -> B -> A brought X-Api-Key back"
# the 307 to another origin keeps its method, not its body or headers
[ "$(res cross-307 | jq -r '.method + " [" + .body + "] " + (.headers["x-api-key"] // "absent")')" = "POST [] absent" ] ||
	fail "cross-origin 307: $(res cross-307)"
[ "$(res same-307 | jq -r '.method + " [" + .body + "] " + .headers["x-api-key"]')" = "POST [the-payload] k-1" ] ||
	fail "same-origin 307: $(res same-307)"
[ "$(res keep-308 | jq -r '.method + " " + .body + " " + .headers["content-type"]')" = 'PUT {"a":1} application/json' ] ||
	fail "308 with keep: $(res keep-308)"
[ "$(res post-303 | jq -r '.method + " [" + .body + "]"')" = "GET []" ] || fail "303: $(res post-303)"
# which server answered
[ "$(res cross-get | jq -r .headers.host)" = "127.0.0.1:$(port_of "$B")" ] || fail "cross-get did not reach B"
[ "$(res back | jq -r .headers.host)" = "127.0.0.1:$(port_of "$A")" ] || fail "back did not end at A"

# a redirect loop is bounded
cat >loop.yaml <<YAML
runbook: http-redirect-loop
title: HTTP redirect loop
owner: platform-operations
steps:
  - id: loop
    http: { url: "$A/loop", follow-redirects: true }
YAML
rb run loop.yaml --transcript l.jsonl
expect_rc 1
expect_jq l.jsonl '[.[] | select(.event=="step.end" and .step=="loop") | .error] | last | test("more than 10 redirects")' "the loop is not bounded"

# https -> http is never followed, not even with keep
mkdir tls && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout tls/key.pem -out tls/cert.pem >tls/log 2>&1 ||
	fail "openssl: $(cat tls/log)"
python3 "$ROOT/tests/lib/httpd.py" --tls tls/cert.pem tls/key.pem >s.port 2>s.log &
spid=$!
trap 'kill $bpid $spid 2>/dev/null' EXIT
wait_for test -s s.port
S=https://127.0.0.1:$(head -n1 s.port)
cat >down.yaml <<YAML
runbook: http-downgrade
title: HTTP downgrade
owner: platform-operations
steps:
  - id: same-tls
    http: { url: "$S/redirect?to=/echo", follow-redirects: true, tls: { ca-file: tls/cert.pem } }
  - id: down
    http:
      url: "$S/redirect?to=$toB"
      follow-redirects: true
      redirect-headers: keep
      headers: { X-Api-Key: k-1 }
      tls: { ca-file: tls/cert.pem }
YAML
rb run down.yaml --transcript d.jsonl
expect_rc 1
expect_status d.jsonl same-tls ok
expect_status d.jsonl down failed
expect_jq d.jsonl '[.[] | select(.event=="step.end" and .step=="down") | .error] | last | test("refused: it leaves https for plain http")' "the downgrade is not refused"
grep -q "X-Api-Key\|x-api-key" b.log && fail "B was reached by the downgrade"
true
