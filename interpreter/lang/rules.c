/*
 * rules.c - the rules of the loader's, the validator's and the
 * primitives' diagnostics (rules.h), and the one lookup over them and the
 * lint rules.
 *
 * A row: { id, default severity, summary, rationale, example }.  The
 * example is a runbook that reports the rule when saved as <id>.yaml
 * (tests/unit/test_rules.c loads each); NULL where no text can show it
 * (a file that cannot be read, one over the size bound), and the test
 * makes that file instead.
 */
#include "lang/rules.h"
#include "lang/lint.h"
#include "base/suggest.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define HEAD(id) "runbook: " id "\ntitle: Example\nowner: platform\n"

const diag_rule check_rules[] = {
	/* ---- the file and its YAML (load.c) ---- */
	{ "io", SEV_ERROR, "the file can be opened and read",
	  "A path that does not exist, is a directory or cannot be read has nothing to "
	  "check; the message says what the system said. Every other file is still "
	  "checked, and `check` exits 2.", NULL },
	{ "file-too-large", SEV_ERROR, "a runbook file is at most 8 MiB",
	  "The loader keeps the whole file and its node tree in memory; a bound keeps a "
	  "mistaken or hostile file (a log pasted in, a generated monster) from "
	  "exhausting it. Split a runbook that big into fragments.", NULL },
	{ "config", SEV_ERROR, "a .runbook.yaml holds only rules, review-interval and stdlib",
	  "A repository's lint policy decides what its pull requests are held to; a "
	  "misspelt key or severity would silently leave a rule as it was. Every key of "
	  "the policy file is known, every rule it names is a lint rule (validation "
	  "errors cannot be turned off) and every value is of its kind; the position is "
	  "in the policy file.", NULL },
	{ "import", SEV_ERROR, "a Markdown document `runbook import` can read",
	  "`runbook import` writes nothing rather than a runbook that lost part of the "
	  "page: a NUL byte, invalid UTF-8, an unclosed code block or front matter, "
	  "front matter that is not a YAML mapping or a document over the size limit "
	  "stops it, at the position in the Markdown.", NULL },
	{ "import-review", SEV_WARNING, "what `runbook import` guessed, for a human to decide",
	  "An import is a skeleton: whether a command reads or writes, what undoes it "
	  "and which inputs are secrets are guesses from the page's text. Each guess is "
	  "a `# review:` comment in the YAML and one of these warnings in the import "
	  "report, at the position in the Markdown.", NULL },
	{ "yaml-syntax", SEV_ERROR, "the file is well-formed YAML",
	  "What libyaml cannot parse has no structure to check: the position is where "
	  "the parser stopped, which is often just after the real mistake (an unclosed "
	  "bracket or quote, a tab in the indentation).",
	  HEAD("yaml-syntax") "steps:\n  - id: a\n    log: [unclosed\n" },
	{ "yaml-feature", SEV_ERROR, "only plain YAML: no tags, no recursive or merged aliases",
	  "Runbooks are data that reviewers read: custom tags, merge keys and recursive "
	  "aliases change what a document means in ways a reader does not see, and "
	  "parsers disagree on them.",
	  HEAD("yaml-feature") "steps:\n  - id: a\n    log: !!binary aGVsbG8=\n" },
	{ "yaml-multi-doc", SEV_ERROR, "one YAML document per file",
	  "A second document after `---` would be silently ignored by the interpreter "
	  "and read by a reviewer as part of the runbook. One runbook, one file.",
	  HEAD("yaml-multi-doc") "steps:\n  - id: a\n    log: one\n---\nrunbook: second\n" },
	{ "yaml-depth", SEV_ERROR, "nesting is at most 64 levels deep",
	  "No runbook needs deeper structure, and a bound keeps a crafted file from "
	  "exhausting the stack of every tool that reads it.",
	  HEAD("yaml-depth") "steps:\n  - id: a\n    log: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n" },
	{ "yaml-alias-bomb", SEV_ERROR, "aliases expand to at most 1,000,000 nodes",
	  "A few lines of nested aliases (\"billion laughs\") expand to billions of "
	  "nodes; the loader counts the expansion and stops at the bound.",
	  HEAD("yaml-alias-bomb")
	  "l0: &a0 [x, x, x, x, x, x, x, x, x, x]\nl1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n"
	  "l2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\nl3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\n"
	  "l4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]\nl5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]\n"
	  "l6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]\n"
	  "steps:\n  - id: a\n    log: *a6\n" },
	{ "duplicate-key", SEV_ERROR, "a key appears once in its mapping",
	  "YAML parsers keep the first or the last of two equal keys, as they please: "
	  "the runbook a reviewer reads is then not the one that runs. Every repeat is "
	  "reported, with where the key was first.",
	  HEAD("duplicate-key") "steps:\n  - id: a\n    log: one\n    log: two\n" },
	/* ---- structure and values (validate.c) ---- */
	{ "required", SEV_ERROR, "a required key is there",
	  "A runbook needs `runbook`, `title` and `steps`, a step needs `id`, an input "
	  "its `type`...: without them the interpreter would have to guess.",
	  "runbook: required\nowner: platform\nsteps:\n  - id: a\n    log: hello\n" },
	{ "unknown-key", SEV_ERROR, "every key is one the format knows, where it stands",
	  "A misspelt key (`rollbak:`) would otherwise be ignored and the runbook would "
	  "run without what its author meant; the message suggests the closest known "
	  "key. The reference lists the keys of every place.",
	  HEAD("unknown-key") "steps:\n  - id: a\n    log: hello\n    rollbak: { log: undo }\n" },
	{ "type", SEV_ERROR, "a value has the kind its key takes",
	  "A list where a string goes, a mapping where a list goes: the message says "
	  "what the key takes and what it got.",
	  HEAD("type") "steps:\n  - id: a\n    exec: [echo, [not, a, string]]\n" },
	{ "value", SEV_ERROR, "a value is one its key accepts",
	  "Right kind, wrong value: an unknown effect, a duration without a unit, an "
	  "empty command, a number out of range. The message says what is accepted.",
	  HEAD("value") "steps:\n  - id: a\n    exec: []\n" },
	{ "id", SEV_ERROR, "ids are lowercase words with dashes",
	  "Runbook, step and input ids name things in transcripts, expressions "
	  "(`steps.<id>.outputs`) and file names; one spelling, `[a-z0-9][a-z0-9-]*`, "
	  "keeps them all unambiguous.",
	  "runbook: Bad_Id\ntitle: Example\nowner: platform\nsteps:\n  - id: a\n    log: hello\n" },
	{ "duplicate-id", SEV_ERROR, "step ids are unique in the runbook",
	  "`needs`, expressions and the transcript refer to steps by id; two steps with "
	  "one id would make every such reference ambiguous.",
	  HEAD("duplicate-id") "steps:\n  - id: a\n    log: one\n  - id: a\n    log: two\n" },
	{ "action", SEV_ERROR, "a step has exactly one action",
	  "The action (`exec`, `http`, `sql`...) is what the step does; none leaves "
	  "nothing to run, two leave it unclear which runs.",
	  HEAD("action") "steps:\n  - id: a\n    title: Does nothing\n" },
	{ "connection", SEV_ERROR, "a connection has exactly one kind",
	  "A named connection is a postgres, redis, kafka, prometheus or http "
	  "endpoint; the kind decides which steps may use it.",
	  HEAD("connection") "connections:\n  db: {}\nsteps:\n  - id: a\n    log: hello\n" },
	{ "unknown-connection", SEV_ERROR, "a step's connection is declared",
	  "A step names a connection of `connections:`; an unknown name is a typo or a "
	  "connection that was removed.",
	  HEAD("unknown-connection")
	  "connections:\n  cache: { redis: \"redis://127.0.0.1:6379/0\" }\n"
	  "steps:\n  - id: a\n    redis: { connection: cahce, command: [PING] }\n    effect: read\n" },
	{ "effect", SEV_ERROR, "probes only read",
	  "A step's `check` (what `resume` asks to learn whether the step happened) and "
	  "other probes must not change the system; an action that writes must say "
	  "`effect: read` when it does not.",
	  HEAD("effect") "steps:\n  - id: a\n    exec: [echo, restart]\n    check:\n"
	  "      exec: [echo, is-it-restarted]\n    rollback:\n      exec: [echo, undo]\n" },
	{ "rollback", SEV_ERROR, "a rollback step is a plain action",
	  "A rollback runs when things already went wrong, in reverse order, and in no "
	  "dry run: keys that make no sense there (`dry-run`, its own `rollback`, "
	  "`needs`) are errors rather than ignored.",
	  HEAD("rollback") "steps:\n  - id: a\n    exec: [touch, z]\n    rollback:\n"
	  "      exec: [rm, z]\n      dry-run: run\n" },
	{ "dry-run", SEV_ERROR, "`dry-run: run` only on steps that read",
	  "A dry run never runs a write; a write step that asks to run in one is a "
	  "contradiction, and the step is not run.",
	  HEAD("dry-run") "steps:\n  - id: a\n    exec: [touch, x]\n    dry-run: run\n"
	  "    rollback: { exec: [rm, x] }\n" },
	{ "for-each", SEV_ERROR, "for-each limits go with a for-each and are in range",
	  "`max-concurrency` and `max-errors` bound the items of a `for-each` step: "
	  "without one, or out of range, they would mean nothing.",
	  HEAD("for-each") "steps:\n  - id: a\n    max-concurrency: 2\n    log: hello\n" },
	{ "probe", SEV_ERROR, "a probe's keys fit where it runs",
	  "Guards and continuous probes run beside the steps on a schedule; keys that "
	  "only mean something there (`every`, `during`, `tolerance`) are errors "
	  "elsewhere, and the other way round.",
	  HEAD("probe") "steps:\n  - id: a\n    exec: [true]\n    effect: read\n    every: 1s\n" },
	{ "expect", SEV_ERROR, "an expectation is well-formed",
	  "A field path, a matcher name and its operand in `expect` are checked before "
	  "the run, so a typo is not a step that can never pass.",
	  HEAD("expect") "checks:\n  - id: health\n    http: { url: \"http://127.0.0.1:1/health\" }\n"
	  "    expect:\n      json: { \"items[first].name\": web }\n" },
	{ "secret", SEV_ERROR, "secrets come from outside the file",
	  "A secret input with a `default` would be stored in the file, in version "
	  "control and in every copy of it; secrets come from the environment or a "
	  "secret store.",
	  HEAD("secret") "inputs:\n  api_key: { type: secret, from: \"env:API_KEY\", default: hunter2 }\n"
	  "steps:\n  - id: a\n    log: hello\n" },
	{ "pattern", SEV_ERROR, "patterns compile and defaults match them",
	  "An input's `pattern` and `matches` operands are PCRE2 patterns compiled "
	  "when checking; an input's own default must match its pattern.",
	  HEAD("pattern") "inputs:\n  ns: { type: string, pattern: '^[a-z-]+$', default: Soma_Prod }\n"
	  "steps:\n  - id: a\n    log: \"${{ inputs.ns }}\"\n" },
	/* ---- expressions and references (validate.c, graph.c, fragment.c) ---- */
	{ "expr", SEV_ERROR, "`${{ }}` expressions parse",
	  "Every template is parsed when checking, so a syntax error is reported with "
	  "its column before the run rather than in the middle of it.",
	  HEAD("expr") "steps:\n  - id: a\n    log: \"${{ inputs. }}\"\n" },
	{ "unknown-context", SEV_ERROR, "an expression starts at a known context",
	  "Expressions read `inputs`, `steps`, `env`, `run`, `each`...; another name "
	  "is a typo.",
	  HEAD("unknown-context") "steps:\n  - id: a\n    log: \"${{ input.name }}\"\n" },
	{ "context", SEV_ERROR, "a context is available where it is used",
	  "What an expression may read depends on when it is evaluated: a connection "
	  "or a check is rendered before any step has run, `each` exists only in a "
	  "`for-each` step.",
	  HEAD("context") "steps:\n  - id: a\n    log: \"${{ each.item }}\"\n" },
	{ "unknown-input", SEV_ERROR, "an expression reads a declared input",
	  "`inputs.<name>` must be declared under `inputs:`; the message suggests the "
	  "closest one.",
	  HEAD("unknown-input") "inputs:\n  namespace: { type: string }\n"
	  "steps:\n  - id: a\n    log: \"${{ inputs.namespce }}\"\n" },
	{ "unknown-step", SEV_ERROR, "`needs` and `steps.<id>` name a step",
	  "A reference to a step that does not exist is a typo or a step that was "
	  "removed; the message suggests the closest id.",
	  HEAD("unknown-step") "steps:\n  - id: a\n    log: one\n  - id: b\n    needs: [zzz]\n"
	  "    log: two\n" },
	{ "unknown-output", SEV_ERROR, "`steps.<id>.outputs.<name>` is an output of that step",
	  "A step's outputs are the ones it declares (a `use` step: its fragment's); "
	  "reading another is a typo.",
	  HEAD("unknown-output") "steps:\n  - id: a\n    exec: [echo, hi]\n    effect: read\n"
	  "    outputs: { text: \"${{ result.stdout }}\" }\n"
	  "  - id: b\n    log: \"${{ steps.a.outputs.txt }}\"\n" },
	{ "unknown-field", SEV_ERROR, "a result field is one the primitive gives",
	  "`result.<field>` and `steps.<id>.result.<field>` read what the step's "
	  "primitive returns (`stdout`, `status`, `rows`...): the reference lists them.",
	  HEAD("unknown-field") "steps:\n  - id: a\n    exec: [echo, hi]\n    effect: read\n"
	  "    outputs: { text: \"${{ result.stdot }}\" }\n" },
	{ "step-order", SEV_ERROR, "a step reads only steps that finish before it",
	  "An expression can read a step's outputs only when that step is sure to have "
	  "finished: an earlier step it needs, not a later one, nor a step from a "
	  "phase that runs after (checks run before the steps, probes beside them).",
	  HEAD("step-order") "steps:\n  - id: a\n    log: \"${{ steps.b.outputs.x }}\"\n"
	  "  - id: b\n    exec: [echo, hi]\n    effect: read\n    outputs: { x: \"${{ result.stdout }}\" }\n" },
	{ "cycle", SEV_ERROR, "`needs` has no cycle",
	  "Steps that need each other in a ring can never start; the message lists the "
	  "ring.",
	  HEAD("cycle") "steps:\n  - id: a\n    needs: [b]\n    log: one\n  - id: b\n    needs: [a]\n"
	  "    log: two\n" },
	{ "secret-in-argv", SEV_ERROR, "no secret in a command line",
	  "Command lines are visible to every user of the machine (`ps`, /proc) and end "
	  "up in shell histories and audit logs. Pass a secret through the step's "
	  "`env:` and read it there.",
	  HEAD("secret-in-argv") "inputs:\n  api_key: { type: secret, from: \"env:API_KEY\" }\n"
	  "steps:\n  - id: a\n    exec: [curl, -H, \"Authorization: ${{ inputs.api_key }}\", http://127.0.0.1:1/]\n"
	  "    effect: read\n" },
	{ "secret-in-url", SEV_WARNING, "no secret in a URL",
	  "URLs are written to access logs, proxy logs and browser histories; a token "
	  "in a query string leaks there. Send it in a header.",
	  HEAD("secret-in-url") "inputs:\n  token: { type: secret, from: \"env:TOKEN\" }\n"
	  "checks:\n  - id: probe\n    http: { url: \"http://127.0.0.1:1/health?token=${{ inputs.token }}\" }\n" },
	{ "secret-in-key", SEV_ERROR, "no secret in a concurrency key",
	  "`concurrency-key` names the run lock: it is in the lock file's name (hashed), "
	  "in the message a second run gets and in the run's record. Key runs on what "
	  "they act on (a namespace, a host), never on a credential.",
	  HEAD("secret-in-key") "inputs:\n  token: { type: secret, from: \"env:TOKEN\" }\n"
	  "concurrency-key: \"${{ inputs.token }}\"\nsteps:\n  - id: a\n    log: hi\n" },
	{ "fragment", SEV_ERROR, "a `use` step names a fragment that loads",
	  "A `use` step runs the steps of a fragment file; the fragment must be found "
	  "(the message says where it looked) and be a valid fragment with the inputs "
	  "the step gives.",
	  HEAD("fragment") "steps:\n  - id: a\n    use: ./no-such-fragment\n" },
	{ "fragment-cycle", SEV_ERROR, "fragments do not use themselves",
	  "A fragment that uses itself, directly or through others, would expand "
	  "forever; the message lists the files of the ring.",
	  "fragment: fragment-cycle\ntitle: Uses itself\nowner: platform\n"
	  "steps:\n  - id: again\n    use: fragment-cycle\n" },
	/* ---- the primitives' own checks (prim/) ---- */
	{ "prometheus-form", SEV_ERROR, "a prometheus step is a query or an alerts check",
	  "`prometheus:` either runs a `query` (with its `time` or range keys) or looks "
	  "for `alerts` by name and state; keys of one form are errors in the other.",
	  HEAD("prometheus-form")
	  "connections:\n  prom: { prometheus: \"http://127.0.0.1:9090\" }\n"
	  "checks:\n  - id: q\n    prometheus: { connection: prom, query: up, alerts: { name: Down } }\n" },
	{ "invalid-action", SEV_ERROR, "a kafka step does one thing",
	  "`kafka:` takes exactly one of `produce`, `consume`, `lag` and `topics`; the "
	  "step's result fields depend on which.",
	  HEAD("invalid-action")
	  "connections:\n  bus: { kafka: { brokers: \"127.0.0.1:9092\" } }\n"
	  "checks:\n  - id: k\n    kafka: { connection: bus, topics: {}, lag: { group: g, topic: t } }\n" },
	{ "missing-key", SEV_ERROR, "a kafka action has the keys it needs",
	  "A produce needs its `topic`, a consume its `topic` and a `group` (or "
	  "`from-beginning: true`), a lag its `group` and `topic`.",
	  HEAD("missing-key")
	  "connections:\n  bus: { kafka: { brokers: \"127.0.0.1:9092\" } }\n"
	  "checks:\n  - id: k\n    kafka: { connection: bus, lag: { group: workers } }\n" },
	{ "invalid-value", SEV_ERROR, "a kafka key's value is one it accepts",
	  "Kafka keys take strings, booleans, counts and durations; the message says "
	  "which the key takes.",
	  HEAD("invalid-value")
	  "connections:\n  bus: { kafka: { brokers: \"127.0.0.1:9092\" } }\n"
	  "checks:\n  - id: k\n    kafka: { connection: bus, consume: { topic: t, group: g, timeout: soon } }\n" },
};
const size_t check_rule_count = sizeof check_rules / sizeof check_rules[0];
_Static_assert(offsetof(diag_rule, id) == 0, "the id comes first");

size_t rule_count(void)
{
	return check_rule_count + lint_rule_count;
}

diag_rule rule_at(size_t i)
{
	if (i < check_rule_count)
		return check_rules[i];
	const lint_rule *l = &lint_rules[i - check_rule_count];
	return (diag_rule){ l->id, l->severity, l->summary, l->rationale, l->example };
}

int rule_lookup(const char *id, diag_rule *out)
{
	const diag_rule *c;
	const lint_rule *l;
	if (!id)
		return -1;
	if ((c = rows_find(id, check_rules, check_rule_count, sizeof check_rules[0]))) {
		*out = *c;
		return 0;
	}
	if ((l = lint_rule_find(id))) {
		*out = rule_at(check_rule_count + (size_t)(l - lint_rules));
		return 0;
	}
	return -1;
}

const char *rule_suggest(const char *id)
{
	size_t n = rule_count();
	const char **ids = malloc(n * sizeof *ids);
	if (!ids)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ids[i] = rule_at(i).id;
	const char *best = suggest(id, ids, n, 0);
	free(ids);
	return best;
}

void rules_list(FILE *f)
{
	for (size_t i = 0; i < rule_count(); i++) {
		diag_rule r = rule_at(i);
		fprintf(f, "%-20s %-8s %s\n", r.id, lint_severity_name(r.severity), r.summary);
	}
}
