#!/usr/bin/env python3
"""Run expression cases (tests/cases/expr/*.test) through `runbook eval`.

    expr_cases.py RUNBOOK FILE...

A file is a list of cases separated by blank lines; '#' starts a comment
line.  A case is the expression on its first line, then any context
lines, then what it must give, on its last line:

    @ctx NAME=JSON        a context (runbook eval --context NAME=JSON)
    @secret NAME=JSON     a secret one (--secret-context): what is computed
                          from it prints as ***
    JSON                  the value, as `runbook eval --format json` prints
                          it (both sides read as JSON, so spacing is free)
    text: TEXT            the value as `runbook eval` prints it as text
    error: MESSAGE        the evaluation fails (exit 1) with a message that
                          contains MESSAGE
    syntax error: C: MSG  lexing or parsing fails (exit 2) at column C with
                          exactly the message MSG

A block of context lines alone gives those contexts to every later case of
the file (a case's own line for the same name wins).  Every failure is
printed with its file and line; the exit status is 1 if any case failed.
"""
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def parse(path):
    """The cases of a file: dicts with line, expr, ctx, want."""
    cases, defaults, block, start = [], {}, [], 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for no, line in enumerate(lines + [""], 1):
        if line.startswith("#"):
            continue
        if line.strip():
            if not block:
                start = no
            block.append(line)
            continue
        if not block:
            continue
        ctx = {}
        exprs = [l for l in block if not l.startswith("@")]
        for l in block:
            if l.startswith("@"):
                kind, _, rest = l.partition(" ")
                name, eq, val = rest.partition("=")
                if kind not in ("@ctx", "@secret") or not eq:
                    raise SystemExit(f"{path}:{start}: bad context line {l!r}")
                ctx[name] = (kind == "@secret", val)
        if not exprs:
            defaults.update(ctx)
        elif len(exprs) == 2 and block[0] is exprs[0] and block[-1] is exprs[1]:
            cases.append({"line": start, "expr": exprs[0], "ctx": {**defaults, **ctx},
                          "want": exprs[1]})
        else:
            raise SystemExit(f"{path}:{start}: a case is an expression, context lines, "
                             f"then its expectation: {block!r}")
        block = []
    return cases


def run(runbook, case):
    """'' when the case passes, else what went wrong."""
    want = case["want"]
    text = want.startswith("text: ")
    argv = [runbook, "eval"] + ([] if text else ["--format", "json"])
    for name, (secret, val) in case["ctx"].items():
        argv += ["--secret-context" if secret else "--context", f"{name}={val}"]
    argv += ["--", case["expr"]]
    p = subprocess.run(argv, capture_output=True, text=True, errors="replace")
    out, err = p.stdout.rstrip("\n"), p.stderr.strip()
    got = f"exit {p.returncode}: {out or err}"
    if want.startswith("syntax error: "):
        col, _, msg = want[len("syntax error: "):].partition(": ")
        first = err.split("\n")[0]
        if p.returncode != 2 or first != f"runbook eval: column {col}: {msg}":
            return f"expected syntax error at column {col}: {msg}; got {got}"
        return ""
    if want.startswith("error: "):
        if p.returncode != 1 or want[len("error: "):] not in err:
            return f"expected an error containing {want[7:]!r}; got {got}"
        return ""
    if p.returncode != 0:
        return f"expected {want}; got {got}"
    if text:
        return "" if out == want[len("text: "):] else f"expected text {want[6:]!r}; got {out!r}"
    try:
        canon = lambda s: json.dumps(json.loads(s), separators=(",", ":"), ensure_ascii=False)
        exp = canon(want)
    except ValueError:
        return f"the expectation is not JSON: {want}"
    return "" if canon(out) == exp else f"expected {exp}; got {out}"


def main():
    runbook, files = sys.argv[1], sys.argv[2:]
    work = [(path, c) for path in files for c in parse(path)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda pc: run(runbook, pc[1]), work))
    failed = 0
    for (path, case), problem in zip(work, results):
        if problem:
            failed += 1
            print(f"{path}:{case['line']}: {case['expr']}\n    {problem}")
    print(f"{len(work) - failed} of {len(work)} expression cases passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
