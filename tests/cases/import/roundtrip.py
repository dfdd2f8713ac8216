#!/usr/bin/env python3
"""roundtrip.py DOC.md OUT.yaml...: every command of the Markdown document
is in the imported runbooks byte for byte.

The commands are found here, independently of the importer: each command
line of a shell code block (sh, bash, shell, console or none; backslash
continuations joined, comments and blank lines left out, "$ " prompts
taken off), and each code span of a paragraph or list item that starts
with a program name and has more words.  Each must be an exec step whose
argv, its ${{ inputs.x }} put back as the document spelt them, is the
line split by POSIX shell rules (shlex), or the text of a shell step.
Every $VAR, ${VAR} and <placeholder> of a command must be an input.
"""
import re, shlex, sys, yaml

TOOLS = set("kubectl helm kind docker psql redis-cli curl python python3 http open systemctl "
            "journalctl kcat git make".split())
doc, outs = sys.argv[1], sys.argv[2:]
text = open(doc, encoding="utf-8").read().replace("\r\n", "\n")

cmds = []          # (source text, kind)
fence = None
buf = ""
for line in text.split("\n"):
    m = re.match(r"^\s*(```+|~~~+)\s*([^\s{]*)", line)
    if fence is None and m:
        fence, lang, block = m.group(1), m.group(2).lower(), []
        continue
    if fence is not None:
        if line.strip().startswith(fence):
            if lang in ("", "sh", "bash", "shell", "console", "zsh"):
                cmds.append(("\n".join(block) + "\n", "block"))
                prompts = any(l.startswith("$ ") for l in block)
                for l in block:
                    if prompts:
                        if not l.startswith("$ "):
                            continue
                        l = l[2:]
                    if buf:
                        l = buf + l
                        buf = ""
                    if l.endswith("\\"):
                        buf = l[:-1]
                        continue
                    if l.strip() and not l.strip().startswith("#"):
                        cmds.append((l, "line"))
            fence = None
        else:
            block.append(line)
        continue
    if line.lstrip().startswith("|"):
        continue    # tables stay text
    for span in re.findall(r"`([^`]+)`", line):
        w = span.split()
        if len(w) > 1 and w[0] in TOOLS:
            cmds.append((span, "span"))

steps = []
inputs = {}
for o in outs:
    rb = yaml.safe_load(open(o, encoding="utf-8"))
    inputs.update(rb.get("inputs") or {})
    def walk(lst):
        for s in lst or []:
            steps.append(s)
            r = s.get("rollback")
            walk(r if isinstance(r, list) else [r] if isinstance(r, dict) else [])
    for k in ("checks", "steps", "verify"):
        walk(rb.get(k))
    walk((rb.get("drill") or {}).get("cleanup"))

VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)|<([A-Za-z][A-Za-z0-9_ -]*[A-Za-z0-9_])>")

def spellings(src):
    m = {}
    for v in VAR.finditer(src):
        name = (v.group(1) or v.group(2) or v.group(3)).lower()
        name = re.sub(r"[^a-z0-9_]", "_", name)
        m.setdefault(name, v.group(0))
    return m

def back(s, sp):
    return re.sub(r"\$\{\{ inputs\.([A-Za-z0-9_-]+) \}\}", lambda m: sp.get(m.group(1), m.group(0)), s)

bad = 0
for src, kind in cmds:
    sp = spellings(src)
    for name in sp:
        if name not in inputs and name not in ("home", "path", "user"):
            print(f"{doc}: no input '{name}' for {sp[name]} in: {src.strip()}")
            bad += 1
    found = False
    for s in steps:
        if "exec" in s and kind != "block":
            try:
                want = shlex.split(src)
            except ValueError:
                continue
            if [back(a, sp) for a in s["exec"]] == want:
                found = True
        if "shell" in s:
            t = back(s["shell"], sp)
            if (kind == "block" and t == src) or (kind != "block" and src in t.split("\n")) or t == src:
                found = True
    if kind == "block" and not found:
        # a block of simple commands became exec steps: its lines are checked one by one
        found = True
    if not found:
        print(f"{doc}: command not imported byte for byte: {src!r}")
        bad += 1
print(f"{doc}: {sum(1 for _, k in cmds if k != 'block')} commands checked, {len(inputs)} inputs")
sys.exit(1 if bad else 0)
