# Hostile input values reach argv byte for byte, and nothing runs.
cat > rb.yaml <<'Y'
runbook: injection
title: Inputs reach argv unchanged
inputs:
  a: { type: string }
  b: { type: string }
  c: { type: string }
  d: { type: string }
  e: { type: string }
steps:
  - id: echo-args
    exec: [python3, -c, "import sys; open('argv.bin','wb').write(b'\\0'.join(a.encode('utf-8','surrogateescape') for a in sys.argv[1:]))",
           "${{ inputs.a }}", "${{ inputs.b }}", "${{ inputs.c }}", "${{ inputs.d }}", "${{ inputs.e }}", "x ${{ inputs.a }} y"]
Y
a='$(touch x)'; b='`touch y`'; c='; touch z'; d=$'line1\nline2 && touch w'; e='-rf'
rb run rb.yaml --transcript t.jsonl --input "a=$a" --input "b=$b" --input "c=$c" --input "d=$d" --input "e=$e"
expect_rc 0
for f in x y z w; do [ ! -e "$f" ] || fail "file $f was created: input was executed"; done
printf '%s\0%s\0%s\0%s\0%s\0%s' "$a" "$b" "$c" "$d" "$e" "x $a y" > want.bin
cmp -s want.bin argv.bin || fail "argv differs: $(od -c argv.bin | head)"
# a shell step sees the same text as data through env, not as code
cat > sh.yaml <<'Y'
runbook: injection-shell
title: Inputs through env into a shell step stay data
inputs:
  a: { type: string }
steps:
  - id: via-env
    shell: 'printf "%s" "$VALUE" > value.txt'
    env: { VALUE: "${{ inputs.a }}" }
Y
rb run sh.yaml --transcript t2.jsonl --input "a=$a; touch q"
expect_rc 0
[ ! -e q ] && [ ! -e x ] || fail "shell step executed input"
[ "$(cat value.txt)" = "$a; touch q" ] || fail "value changed: $(cat value.txt)"
