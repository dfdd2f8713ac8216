#!/usr/bin/env python3
"""Rewrite a transcript as a forger would: edit events, then renumber seq,
relink prev and recompute every hash by the rule of transcript.h (SHA-256
of the line's bytes up to ,"hash": followed by '}').

    rehash.py IN OUT [EDIT]

EDIT is Python run for each event with `e` (the event as a dict, without
its hash) and `n` (its 1-based position in IN); it may change `e` or set
`drop = True` to leave the event out.  Numbers given as strings of the
form "#raw:TEXT" are written as the raw JSON TEXT (e.g. "#raw:1e119").
"""
import hashlib, json, re, sys

src, dst = sys.argv[1], sys.argv[2]
edit = compile(sys.argv[3] if len(sys.argv) > 3 else "pass", "EDIT", "exec")
prev, out, seq = "0" * 64, [], 0
for n, line in enumerate(open(src, encoding="utf-8").read().splitlines(), 1):
    e = json.loads(line)
    e.pop("hash", None)
    env = {"e": e, "n": n, "drop": False}
    exec(edit, env)
    if env["drop"]:
        continue
    seq += 1
    if not (isinstance(e.get("seq"), str) and e["seq"].startswith("#raw:")):
        e["seq"] = seq
    e["prev"] = prev
    body = json.dumps(e, separators=(",", ":"), ensure_ascii=False)
    body = re.sub(r'"#raw:([^"]*)"', r"\1", body)
    prev = hashlib.sha256((body).encode()).hexdigest()
    out.append(body[:-1] + ',"hash":"' + prev + '"}')
open(dst, "w", encoding="utf-8").write("\n".join(out) + "\n")
