#!/usr/bin/env python3
"""canary.py - a secret canary against every output of runbook.

    canary.py RUNBOOK_BINARY WORKDIR

For each secret of a matrix (random, short, word-like, JSON-syntax-like,
unicode, multi-line) it writes a runbook whose steps hand the secret to
children and to an HTTP server that echoes it back, print it in every
encoding the redactor claims to cover, compute values from it (upper,
split, format), quote it in a failing expectation and in a log line; it
runs the runbook, then plan (text, json), diff (text, md, json), report (md, html), docs (with
the run's transcript), verify (text, json, junit) and check (sarif,
junit), and asserts:

  - no form of the secret appears in any output where it could be a value:
    for a distinctive secret, nowhere in the raw bytes at all; for a
    secret that is a word or JSON syntax ("ok", ":", "0"), nowhere inside
    the values of the transcript (results, outputs, messages, inputs);
  - the record's structure is intact: every line is valid UTF-8 JSON, the
    chain verifies, step ids, statuses, event names and run.end are all
    there and say what happened.

The forms are computed here, independently of the C code under test.
Exit 0 when every secret passes; the failures are printed.
"""
import base64
import json
import os
import subprocess
import sys
import urllib.parse

RB, WORK = sys.argv[1], sys.argv[2]
HTTP = os.environ.get("RB_TEST_HTTP", "")

# name -> (secret, distinctive: may it occur anywhere in an output at all?)
MATRIX = {
    "random": ("cAn4ry-7f3e9b1d5a", True),
    "short": ("q7x", True),
    "word-ok": ("ok", False),
    "word-end": ("end", False),
    "word-admin": ("admin", False),
    "json-quote": ('"', False),
    "json-colon": (":", False),
    "json-false": ("false", False),
    "json-zero": ("0", False),
    "json-object": ('{"k": "v"}', False),
    "unicode": ("pässwörd-€-𝄞-Ωmega", True),
    "multiline": ("first-line-x9\nsecond-line-y8", True),
    "slashy": ("a/b&c<d>e=f+g h%i", True),
}

# fields whose values are the record's own structure (never redacted)
STRUCTURAL = {
    "seq", "ts", "event", "run", "prev", "hash", "step", "phase", "mono", "boot",
    "status", "primitive", "effect", "rollback_of", "fragment", "decision", "mode",
    "kind", "connection", "runbook", "title", "version", "file", "sha256",
    "interpreter", "operator", "host", "signal", "action", "in_doubt", "failed_step",
    "during", "rollback", "steps", "failed", "objectives", "answered_at", "signed_by",
    "failed_step_undo", "counts", "boot_id", "reaped",
}


def forms(s):
    """Every encoding a secret commonly leaks in (see interpreter/redact.c)."""
    b = s.encode()
    out = {s, s.lower(), s.upper()}
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        e = enc(b).decode()
        out |= {e, e.rstrip("=")}
    if len(b) >= 4:
        # inside a larger base64 blob (Basic auth): the three aligned cores
        for k in range(3):
            e = base64.b64encode(b"A" * k + b).decode()
            start, end = (8 * k + 5) // 6, 8 * (k + len(b)) // 6
            if end - start >= 4:
                core = e[start:end]
                out |= {core, core.replace("+", "-").replace("/", "_")}
    h = b.hex()
    out |= {h, h.upper(), ":".join(h[i:i + 2] for i in range(0, len(h), 2)),
            ":".join(h[i:i + 2] for i in range(0, len(h), 2)).upper()}
    for safe in ("-._~",):
        q = urllib.parse.quote(s, safe=safe)
        out |= {q, q.lower() if "%" in q else q, urllib.parse.quote_plus(s, safe=safe)}
    for ascii_only in (False, True):
        j = json.dumps(s, ensure_ascii=ascii_only)[1:-1]
        out |= {j, j.replace("/", "\\/"),
                j.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")}
    return {f for f in out if f}


def name_secret(name):
    return MATRIX[name][0]


def runbook_text(name):
    http = ""
    if HTTP and "\n" not in name_secret(name):   # a header cannot hold a newline
        http = f"""
  - id: echo-it
    http:
      url: "{HTTP}/echo"
      method: POST
      headers: {{ X-Api-Key: "${{{{ inputs.tok }}}}" }}
      json: {{ token: "${{{{ inputs.tok }}}}" }}
    outputs: {{ echoed: "${{{{ result.json.headers }}}}" }}"""
    return f"""runbook: canary-{name}
title: Canary {name}
owner: platform-operations
last-reviewed: 2026-11-20
inputs:
  tok: {{ type: secret, from: env:CANARY_TOK }}
  plain: {{ type: string, default: nothing-secret-here }}
steps:
  - id: grant-admin
    title: ok end admin
    exec: [python3, -c, "import os,sys,json,base64,urllib.parse as u; t=os.environ['T']; b=t.encode(); sys.stdout.buffer.write(b'raw=' + b + b'\\\\n' + base64.b64encode(b) + b'\\\\n' + b.hex().encode() + b'\\\\n' + u.quote(t).encode() + b'\\\\n' + json.dumps(t).encode() + b'\\\\n' + t.upper().encode() + b'\\\\n' + base64.b64encode(b'user:' + b) + b'\\\\n' + b'\\\\xff\\\\xfe not utf-8\\\\n'); sys.stderr.write(t + ' on stderr\\\\n'); print(os.environ.get('CANARY_TOK', 'not-inherited'))"]
    env: {{ T: "${{{{ inputs.tok }}}}" }}
    outputs:
      up: "${{{{ upper(inputs.tok) }}}}"
      parts: "${{{{ split(inputs.tok, ':') }}}}"
      fmt: "${{{{ format('[{{0}}]', inputs.tok) }}}}"
  - id: ok
    exec: [sh, -c, 'printf "%s" "$U"']
    env: {{ U: "${{{{ steps.grant-admin.outputs.up }}}}" }}
  - id: end
    exec: [sh, -c, 'printf "%s-and-more-text-after-it" "$T"']
    env: {{ T: "${{{{ inputs.tok }}}}" }}
    expect: {{ stdout: {{ eq: "something else" }} }}
    on-failure: continue
  - id: note
    log: "derived: ${{{{ steps.grant-admin.outputs.fmt }}}} and ${{{{ lower(inputs.tok) }}}}"
  - id: watched
    exec: [grep, -q, probe.check, t.jsonl]
    effect: read
    until: {{ every: 10ms, within: 30s }}{http}
probes:
  - id: watch-it
    every: 10ms
    tolerance: 1000000
    exec: [sh, -c, 'printf "%s" "$T"']
    env: {{ T: "${{{{ inputs.tok }}}}" }}
    effect: read
    expect: {{ stdout: {{ eq: "not the secret" }} }}
"""


def walk_values(obj, top=True, objs=0):
    """Yield every string that is a value (not structure) of an event: the
    values under non-structural fields, and the keys below the first level
    of objects inside them (a reply's header names, a body's keys)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if top and k in STRUCTURAL:
                continue
            if not top and objs >= 1:
                yield ("key", k)
            yield from walk_values(v, False, objs + (0 if top else 1))
    elif isinstance(obj, list):
        for v in obj:
            yield from walk_values(v, False, objs)
    elif isinstance(obj, str):
        yield ("value", obj)
    elif not top and isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield ("number", json.dumps(obj))


def run(args, env, out):
    r = subprocess.run([RB] + args, env=env, cwd=out, capture_output=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def check(name, secret, distinctive):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rb.yaml"), "w") as f:
        f.write(runbook_text(name))
    env = dict(os.environ, CANARY_TOK=secret, NO_COLOR="1")
    errs = []
    fs = forms(secret)
    outputs = {}
    rc, outputs["run"] = run(["run", "rb.yaml", "--transcript", "t.jsonl"], env, d)
    if rc != 0:
        errs.append(f"run exit {rc}: {outputs['run'][-600:]!r}")
    tpath = os.path.join(d, "t.jsonl")
    raw = open(tpath, "rb").read() if os.path.exists(tpath) else b""
    outputs["transcript"] = raw
    for fmt in ("text", "json"):
        rc, outputs[f"plan-{fmt}"] = run(["plan", "rb.yaml", "--format", fmt], env, d)
        if rc != 0:
            errs.append(f"plan {fmt} exit {rc}")
    with open(os.path.join(d, "rb2.yaml"), "w") as f:    # a step renamed: added and removed
        f.write(runbook_text(name).replace("  - id: ok\n", "  - id: ok-too\n"))
    for fmt in ("text", "md", "json"):
        rc, outputs[f"diff-{fmt}"] = run(["diff", "rb.yaml", "rb2.yaml", "--format", fmt], env, d)
        if rc != 1:
            errs.append(f"diff {fmt} exit {rc}")
    for fmt in ("md", "html"):
        rc, o = run(["report", "t.jsonl", "--format", fmt, "-o", f"report.{fmt}"], env, d)
        outputs[f"report-{fmt}"] = o + (open(os.path.join(d, f"report.{fmt}"), "rb").read()
                                        if rc == 0 else b"")
        if rc != 0:
            errs.append(f"report {fmt} exit {rc}")
    rc, outputs["docs"] = run(["docs", "rb.yaml", "--transcript", "t.jsonl"], env, d)
    if rc != 0:
        errs.append(f"docs exit {rc}: {outputs['docs'][-400:]!r}")
    for fmt in ("text", "json", "junit"):
        rc, outputs[f"verify-{fmt}"] = run(["verify", "t.jsonl", "--runbook", "rb.yaml",
                                            "--format", fmt], env, d)
        if rc != 0:
            errs.append(f"verify {fmt} exit {rc}: {outputs[f'verify-{fmt}'][-400:]!r}")
    for fmt in ("sarif", "junit"):
        rc, outputs[f"check-{fmt}"] = run(["check", "rb.yaml", "--format", fmt], env, d)

    # 1. the structure: valid UTF-8 JSON lines, ids and statuses intact
    events = []
    for i, line in enumerate(raw.split(b"\n")[:-1], 1):
        try:
            events.append(json.loads(line.decode("utf-8", errors="strict")))
        except Exception as e:
            errs.append(f"transcript line {i} is not UTF-8 JSON: {e}")
    ends = {e.get("step"): e.get("status") for e in events if e.get("event") == "step.end"}
    want = {"grant-admin": "ok", "ok": "ok", "end": "failed", "note": "ok", "watched": "ok"}
    if HTTP and "\n" not in secret:
        want["echo-it"] = "ok"
    for sid, st in want.items():
        if ends.get(sid) != st:
            errs.append(f"step.end of '{sid}' is {ends.get(sid)!r}, want {st!r}")
    if not events or events[-1].get("event") != "run.end" or events[-1].get("exit") != 0:
        errs.append("the last event is not run.end with exit 0")
    if any("ok" != e.get("status") for e in events if e.get("event") == "phase.end"):
        errs.append("a phase.end status was rewritten")
    seqs = [e.get("seq") for e in events]
    if seqs != list(range(1, len(events) + 1)):
        errs.append("seq is not 1..n")
    if not any(e.get("step") == "watch-it" and e.get("event") == "probe.check" and
               e.get("ok") is False for e in events):
        errs.append("no failed probe.check of watch-it")
    if not any(e.get("event") == "step.end" and e.get("step") == "grant-admin"
               and "stdout_truncated" in (e.get("result") or {}) for e in events):
        errs.append("grant-admin's result is missing")

    # 2. the secret: in no value of the transcript, in any form
    for e in events:
        for kind, s in walk_values(e):
            for f in fs:
                if f in s and not (kind == "number" and not distinctive):
                    errs.append(f"{e.get('event')} of {e.get('step')}: a {kind} holds "
                                f"form {f!r}: {s[:120]!r}")
                    break
    # 3. a distinctive secret: nowhere in any output at all; a word-like
    #    one: its distinctive forms (base64, hex...) nowhere
    for out, data in outputs.items():
        text = data.decode("utf-8", errors="replace")
        for f in fs:
            if not distinctive and (f.lower() == secret.lower() or len(f) < 5
                                    or f in ('\\"', '\\u0022')):
                continue
            if f in text:
                at = text.index(f)
                errs.append(f"{out}: form {f!r} at {at}: {text[max(0, at - 60):at + 60]!r}")
    # the child did not inherit the secret's source variable
    if secret.encode() and b"not-inherited" not in raw:
        errs.append("the child saw CANARY_TOK in its environment")
    return errs


def main():
    failed = 0
    for name, (secret, distinctive) in MATRIX.items():
        errs = check(name, secret, distinctive)
        if errs:
            failed += 1
            print(f"FAIL {name} ({secret!r}):")
            for e in errs[:12]:
                print("   ", e)
        else:
            print(f"ok   {name}")
    sys.exit(1 if failed else 0)


main()
