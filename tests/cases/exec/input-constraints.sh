# Inputs: min/max and min-items/max-items checked at run start (exit 2,
# nothing run); a list on the command line is a JSON or YAML flow list or
# a comma list, anything else is an error; an unknown --input gets a
# did-you-mean, enum and pattern errors show the value given, and an input
# given twice is an error.  A fragment's inputs are held to their bounds
# when it is called.
cat > rb.yaml <<'Y'
runbook: constraints
title: Input constraints
inputs:
  replicas: { type: int, min: 1, max: 10, default: 2 }
  ratio: { type: number, min: 0.5, default: 1 }
  services: { type: list, min-items: 1, max-items: 3, default: [web] }
  env: { type: enum, values: [dev, prod], default: dev }
  ns: { type: string, pattern: '^[a-z-]+$', default: soma }
steps:
  - id: show
    exec: [sh, -c, 'printf "%s" "$S" > shown']
    env: { S: "${{ inputs.services }} ${{ inputs.replicas }}" }
Y
ok() { rm -f shown; rb run rb.yaml --transcript "t$RANDOM.jsonl" "$@"; expect_rc 0; }
ok --input 'services=[cart, payments]' --input replicas=10
[ "$(cat shown)" = '["cart","payments"] 10' ] || fail "YAML flow list: $(cat shown)"
ok --input 'services=["cart", "pay ments"]'
[ "$(cat shown)" = '["cart","pay ments"] 2' ] || fail "JSON list: $(cat shown)"
ok --input 'services=cart, payments,search'
[ "$(cat shown)" = '["cart","payments","search"] 2' ] || fail "comma list: $(cat shown)"
bad() {
	local want=$1; shift
	rm -f shown
	rb run rb.yaml --transcript "b$RANDOM.jsonl" "$@"
	expect_rc 2
	grep -qF -- "$want" err || fail "for $*: want '$want', got: $(cat err)"
	[ ! -e shown ] || fail "ran with $*"
}
bad "input 'replicas' must be at least 1, got 0" --input replicas=0
bad "input 'replicas' must be at most 10, got 11" --input replicas=11
bad "input 'ratio' must be at least 0.5, got 0.25" --input ratio=0.25
bad "input 'services' needs at least 1 item, got 0" --input 'services=[]'
bad "input 'services' takes at most 3 items, got 4" --input services=a,b,c,d
bad "input 'services' must be a list, got '[a, b': " --input 'services=[a, b'
bad "input 'services' must be a list, got '{a: 1}' (a mapping)" --input 'services={a: 1}'
bad "input 'services': item 2 of the comma list 'a,,b' is empty" --input services=a,,b
bad "input 'services' must be a JSON or YAML flow list like [a, b] or a comma list like a,b; got 'a,[b]'" --input 'services=a,[b]'
bad "input 'env' must be one of: dev, prod; got 'staging'" --input env=staging
bad "input 'ns' does not match its pattern '^[a-z-]+\$': got 'Soma_1'" --input ns=Soma_1
bad "unknown input 'replica'; did you mean 'replicas'?" --input replica=3
bad "input 'env' is given twice (--input env=...): give it once" --input env=dev --input env=prod
printf 'servces: [a]\n' > in.yaml
bad "in.yaml: unknown input 'servces'; did you mean 'services'?" --inputs in.yaml
printf 'services: [a, b, c, d, e]\n' > in2.yaml
bad "input 'services' takes at most 3 items, got 5" --inputs in2.yaml

# a fragment's input out of its bounds fails the call, with the value
mkdir -p lib
cat > lib/scale.yaml <<'Y'
fragment: scale-to
title: Scale
inputs:
  replicas: { type: int, min: 0, max: 5 }
steps:
  - id: scale
    log: "to ${{ inputs.replicas }}"
Y
cat > frag.yaml <<'Y'
runbook: frag-bounds
title: Fragment bounds
inputs:
  n: { type: int, default: 3 }
steps:
  - id: scale
    use: lib/scale
    with: { replicas: "${{ inputs.n * 3 }}" }
Y
rb run frag.yaml --transcript f.jsonl
expect_rc 1
expect_jq f.jsonl '[.[] | select(.event=="step.end" and .step=="scale")][0].error | test("fragment .scale-to.: input .replicas. must be at most 5, got 9")' "fragment bounds"
rb run frag.yaml --transcript f2.jsonl --input n=1
expect_rc 0
