#!/usr/bin/env python3
"""Generate benchmark runbooks.

gen.py true N OUT          one runbook with N `exec: [/bin/true]` steps
gen.py foreach N OUT       one runbook with one for-each step of N `exec: [/bin/true]` items
gen.py log N OUT           one runbook with N `log:` steps (no child process)
gen.py sh N OUT            the same N commands as a plain sh script
gen.py corpus DIR F S      F runbooks of S steps each, for `runbook check`
"""
import os, sys

def runbook(name, n, step):
    out = [f"runbook: {name}", f"title: Benchmark {name}", "owner: bench",
           "last-reviewed: 2026-11-20", "steps:"]
    for i in range(n):
        out.append(step(i))
    return "\n".join(out) + "\n"

def true_step(i):
    return f"  - id: s{i}\n    exec: [/bin/true]"

def rich_step(i):
    return (f"  - id: step-{i}\n    title: Step number {i}\n"
            f"    exec: [echo, \"${{{{ inputs.name }}}}\", '{i}']\n"
            f"    timeout: 5s\n    retry: {{ attempts: 2, delay: 1s }}\n"
            f"    expect: {{ exit: 0, stdout: {{ matches: '^x' }} }}\n"
            f"    outputs: {{ out{i}: \"${{{{ result.stdout | trim }}}}\" }}\n"
            f"    rollback:\n      id: undo-{i}\n      exec: [echo, undo, '{i}']")

def log_step(i):
    return f"  - id: s{i}\n    log: step {i}"

kind = sys.argv[1]
if kind == "true":
    open(sys.argv[3], "w").write(runbook("bench-true", int(sys.argv[2]), true_step))
elif kind == "foreach":
    open(sys.argv[3], "w").write(
        runbook("bench-foreach", 1, lambda i: f"  - id: each\n    for-each: \"${{{{ inputs.items }}}}\"\n"
                "    exec: [/bin/true]").replace(
            "steps:", "inputs:\n  items: { type: list, default: [%s] }\nsteps:"
            % ", ".join(str(k) for k in range(int(sys.argv[2]))), 1))
elif kind == "log":
    open(sys.argv[3], "w").write(runbook("bench-log", int(sys.argv[2]), log_step))
elif kind == "sh":
    with open(sys.argv[3], "w") as f:
        f.write("#!/bin/sh\nset -e\n" + "/bin/true\n" * int(sys.argv[2]))
elif kind == "corpus":
    d, nf, ns = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(d, exist_ok=True)
    for k in range(nf):
        body = runbook(f"bench-{k}", ns, rich_step).replace(
            "steps:", "inputs:\n  name: { type: string, default: x }\nsteps:", 1)
        open(os.path.join(d, f"rb{k:04d}.yaml"), "w").write(body)
