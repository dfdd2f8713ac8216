/*
 * cmd_schema.c - `runbook schema`: the JSON Schema (draft 2020-12) of
 * runbook and fragment files, for editors (yaml-language-server) and CI.
 *
 * Generated, never written by hand: the keys and their docs come from
 * the validator's tables (rb_keys and step_key_table, validate.c), the
 * actions and their parameters from the primitive table (prim.c), the
 * connection kinds from conn_kinds[], the matchers from the matcher
 * table (match.c).  A step key's row names its shape (step_key_schema);
 * each key of the other tables must have a shape here (top_shape...); a
 * key without one stops the command, so a new key in the validator cannot
 * be forgotten in the schema.  The committed copy,
 * schema/runbook.schema.json, is compared with this output by
 * tests/cases/schema/schema.sh.
 *
 * The schema is as strict as the validator where a JSON Schema can say it
 * (unknown keys, enums, ids, durations, exactly one action per step), and
 * looser where the check needs the whole file (references, step order,
 * secrets in argv): `runbook check` stays the authority.
 */
#include "cli/cmd.h"
#include "run/exec.h"
#include "lang/match.h"
#include "lang/prim.h"
#include "lang/runbook.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

enum { O_INSTANCE = 1 };

const cmd_opt schema_options[] = {
	OPT_STRING(O_INSTANCE, "instance", 0, "FILE",
		   "print FILE as the JSON document the schema applies to, instead of the schema"),
	OPT_END
};

#define REF(name) "#/$defs/" name

static cJSON *ref(const char *target)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "$ref", target);
	return o;
}

static cJSON *typed(const char *type, const char *desc)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	if (desc)
		cJSON_AddStringToObject(o, "description", desc);
	return o;
}

static cJSON *any_of(cJSON *a, cJSON *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *l = cJSON_AddArrayToObject(o, "anyOf");
	cJSON_AddItemToArray(l, a);
	cJSON_AddItemToArray(l, b);
	return o;
}

static cJSON *str_enum(const char *const *names)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "string");
	cJSON *e = cJSON_AddArrayToObject(o, "enum");
	for (size_t i = 0; names[i]; i++)
		cJSON_AddItemToArray(e, cJSON_CreateString(names[i]));
	return o;
}

static cJSON *array_of(cJSON *items)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "array");
	cJSON_AddItemToObject(o, "items", items);
	return o;
}

static cJSON *describe(cJSON *o, const char *desc)
{
	if (desc && !cJSON_GetObjectItemCaseSensitive(o, "description"))
		cJSON_AddStringToObject(o, "description", desc);
	return o;
}

/* a scalar the validator reads as text: YAML may type it (1.0, true) */
static cJSON *scalar(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *t = cJSON_AddArrayToObject(o, "type");
	cJSON_AddItemToArray(t, cJSON_CreateString("string"));
	cJSON_AddItemToArray(t, cJSON_CreateString("number"));
	cJSON_AddItemToArray(t, cJSON_CreateString("boolean"));
	return o;
}

/* the shape of a value of P_* types; a single ${{ }} may be anything */
static cJSON *shape_of(int types)
{
	if ((types & P_ANY) == P_ANY)
		return cJSON_CreateObject();
	if (types == P_DUR)
		return any_of(ref(REF("duration")), ref(REF("template")));
	cJSON *o = cJSON_CreateObject();
	cJSON *t = cJSON_AddArrayToObject(o, "type");
	if (types & (P_STR | P_DUR))
		cJSON_AddItemToArray(t, cJSON_CreateString("string"));
	if (types & P_NUM)
		cJSON_AddItemToArray(t, cJSON_CreateString("number"));
	if (types & P_BOOL)
		cJSON_AddItemToArray(t, cJSON_CreateString("boolean"));
	if (types & P_LIST)
		cJSON_AddItemToArray(t, cJSON_CreateString("array"));
	if (types & P_MAP)
		cJSON_AddItemToArray(t, cJSON_CreateString("object"));
	if (types & (P_STR | P_DUR))
		return o;
	return any_of(o, ref(REF("template")));
}

/* the schema of a primitive's action value, from its row */
static cJSON *action_schema(const prim_def *p)
{
	cJSON *o;
	if (p->params && p->forms == P_MAP) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "object");
		cJSON *props = cJSON_AddObjectToObject(o, "properties");
		cJSON *req = cJSON_CreateArray();
		for (const prim_param *q = p->params; q->name; q++) {
			cJSON_AddItemToObject(props, q->name, describe(shape_of(q->types), q->doc));
			if (q->required)
				cJSON_AddItemToArray(req, cJSON_CreateString(q->name));
		}
		if (cJSON_GetArraySize(req))
			cJSON_AddItemToObject(o, "required", req);
		else
			cJSON_Delete(req);
		cJSON_AddBoolToObject(o, "additionalProperties", 0);
	} else if (p->forms == P_LIST) {
		o = array_of(scalar());
	} else if (p->flags & PF_FRAGMENT) {
		o = typed("string", NULL);
		cJSON_AddStringToObject(o, "pattern", "^(?!.*\\$\\{\\{)");
	} else
		o = shape_of(p->forms);
	char *d = p->conn_kind ? xasprintf("%s (its connection: a %s connection)", p->summary,
					   p->conn_kind)
		: xstrdup(p->summary);
	describe(o, d);
	free(d);
	return o;
}

/* a step, a rollback step, a `check:` probe, a guard step, a continuous probe */
enum { SK_STEP, SK_ROLLBACK, SK_PROBE, SK_GUARD, SK_WATCH_PROBE };

/* the schema of a step key, by the shape its row says (step_key_table) */
/* `rollback: { none: why }` */
static cJSON *rollback_none_schema(void)
{
	cJSON *o = typed("object", "nothing undoes the step: 'none' says why");
	cJSON *p = cJSON_AddObjectToObject(o, "properties");
	cJSON_AddItemToObject(p, "none", typed("string", NULL));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "required"), cJSON_CreateString("none"));
	cJSON_AddFalseToObject(o, "additionalProperties");
	return o;
}

static cJSON *step_key_schema(const step_key *r)
{
	cJSON *o;
	switch (r->shape) {
	case KS_ID: o = ref(REF("id")); break;
	case KS_TEXT: o = scalar(); break;
	case KS_CONDITION: o = any_of(typed("boolean", NULL), ref(REF("template"))); break;
	case KS_STEP_IDS: o = any_of(typed("string", NULL), array_of(typed("string", NULL))); break;
	case KS_EFFECT: o = str_enum(rb_keys.effects); break;
	case KS_DURATION: o = any_of(ref(REF("duration")), ref(REF("template"))); break;
	case KS_RETRY: o = ref(REF("retry")); break;
	case KS_UNTIL: o = ref(REF("until")); break;
	case KS_EXPECT: o = any_of(ref(REF("template")), ref(REF("expect"))); break;
	case KS_OUTPUTS: o = ref(REF("outputs")); break;
	case KS_ON_FAILURE: o = str_enum(rb_keys.on_failure); break;
	case KS_DRY_RUN: o = str_enum(rb_keys.dry_run); break;
	case KS_IN_DOUBT: o = str_enum(rb_keys.in_doubt); break;
	case KS_BOOL: o = typed("boolean", NULL); break;
	case KS_STEPS:
		o = any_of(ref(REF("rollback-step")), array_of(ref(REF("rollback-step"))));
		/* a manual step's undo may be its instructions alone */
		cJSON_AddItemToArray(cJSON_GetObjectItem(o, "anyOf"),
				     typed("string", "a manual step only: the manual undo's instructions"));
		cJSON_AddItemToArray(cJSON_GetObjectItem(o, "anyOf"), rollback_none_schema());
		break;
	case KS_PROBE: o = ref(REF("probe")); break;
	case KS_ENV:
		o = typed("object", r->doc);
		cJSON_AddItemToObject(o, "additionalProperties", scalar());
		return o;
	case KS_STRING: o = typed("string", NULL); break;
	case KS_MAPPING: o = typed("object", NULL); break;
	case KS_FIELDS:
		o = typed("object", r->doc);
		cJSON_AddItemToObject(o, "additionalProperties",
				      any_of(ref(REF("field")), typed("null", NULL)));
		return o;
	case KS_FOR_EACH: o = any_of(typed("array", NULL), ref(REF("template"))); break;
	case KS_DURING: o = str_enum(rb_keys.during); break;
	case KS_COUNT:
		o = typed("integer", NULL);
		cJSON_AddNumberToObject(o, "minimum", 0);
		break;
	case KS_LIMIT: {
		cJSON *pct = typed("string", NULL);
		cJSON_AddStringToObject(pct, "pattern", "^[0-9]+%$");
		o = any_of(typed("integer", NULL), pct);
		break;
	}
	default: return NULL;
	}
	return describe(o, r->doc);
}

static int fatal;

static void missing(const char *what, const char *key)
{
	fprintf(stderr, "runbook schema: no schema for %s '%s'\n", what, key);
	fatal = 1;
}

/* may a step of this kind have key r (not one a primitive adds)? */
static int kind_has_key(int kind, const step_key *r)
{
	static const int where[] = { 0, SKF_ROLLBACK, SKF_PROBE, SKF_WATCH, SKF_WATCH };
	if ((r->flags & SKF_ROW) || (r->flags & where[kind]) != where[kind])
		return 0;
	return !(r->flags & SKF_PROBE_ONLY) || kind == SK_WATCH_PROBE;
}

/* a step: its keys, every action and row key, exactly one action (a guard
 * or continuous probe: of a primitive that does I/O) */
static cJSON *step_schema(int kind)
{
	static const char *const what[] = {
		"a step: exactly one action key",
		"a rollback step: the id defaults to <step>-rollback",
		"a read probe: did the step take effect? (used by runbook resume)",
		"a guard step: a read check that stops the drill when its expect fails",
		"a continuous probe: a read check made every `every` beside the steps",
	};
	cJSON *o = typed("object", what[kind]);
	cJSON *props = cJSON_AddObjectToObject(o, "properties");
	int watch = kind == SK_GUARD || kind == SK_WATCH_PROBE;
	for (size_t i = 0; i < step_key_count; i++) {
		const step_key *r = &step_key_table[i];
		if (!kind_has_key(kind, r))
			continue;
		cJSON *s = step_key_schema(r);
		if (!s) {
			missing("step key", r->name);
			continue;
		}
		cJSON_AddItemToObject(props, r->name, s);
	}
	cJSON *one = cJSON_CreateArray();
	for (size_t i = 0; i < prim_count; i++) {
		const prim_def *p = &prim_table[i];
		if (watch && !(p->flags & PF_IO))
			continue;
		cJSON_AddItemToObject(props, p->name, action_schema(p));
		for (size_t j = 0; p->step_keys[j]; j++) {
			if (cJSON_GetObjectItemCaseSensitive(props, p->step_keys[j]))
				continue;
			const step_key *r = step_key_find(p->step_keys[j]);
			cJSON *s = r ? step_key_schema(r) : NULL;
			if (!s) {
				missing("step key", p->step_keys[j]);
				continue;
			}
			cJSON_AddItemToObject(props, p->step_keys[j], s);
		}
		cJSON *req = cJSON_CreateObject();
		cJSON *r = cJSON_AddArrayToObject(req, "required");
		cJSON_AddItemToArray(r, cJSON_CreateString(p->name));
		cJSON_AddItemToArray(one, req);
	}
	cJSON_AddItemToObject(o, "oneOf", one);
	if (kind == SK_STEP || watch) {
		cJSON *r = cJSON_AddArrayToObject(o, "required");
		cJSON_AddItemToArray(r, cJSON_CreateString("id"));
		if (kind == SK_WATCH_PROBE)
			cJSON_AddItemToArray(r, cJSON_CreateString("every"));
	}
	cJSON_AddBoolToObject(o, "additionalProperties", 0);
	return o;
}

/* an object of the keys of t, each shaped by fn; unknown keys refused */
static cJSON *keyed(const rb_keytable *t, cJSON *(*fn)(const char *key), const char *what,
		    const char *desc)
{
	cJSON *o = typed("object", desc);
	cJSON *props = cJSON_AddObjectToObject(o, "properties");
	for (size_t i = 0; t->names[i]; i++) {
		cJSON *s = fn(t->names[i]);
		if (!s) {
			missing(what, t->names[i]);
			continue;
		}
		cJSON_AddItemToObject(props, t->names[i], describe(s, t->docs[i]));
	}
	cJSON_AddBoolToObject(o, "additionalProperties", 0);
	return o;
}

static cJSON *steps_or_null(void)
{
	return any_of(ref(REF("steps")), typed("null", NULL));
}

static cJSON *top_shape(const char *k)
{
	if (!strcmp(k, "runbook") || !strcmp(k, "fragment"))
		return ref(REF("id"));
	if (!strcmp(k, "title") || !strcmp(k, "version") || !strcmp(k, "owner") ||
	    !strcmp(k, "description") || !strcmp(k, "concurrency-key"))
		return scalar();
	if (!strcmp(k, "reviewers") || !strcmp(k, "audience") || !strcmp(k, "tags"))
		return array_of(scalar());
	if (!strcmp(k, "last-reviewed")) {
		cJSON *o = typed("string", NULL);
		cJSON_AddStringToObject(o, "pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
		return o;
	}
	if (!strcmp(k, "inputs"))
		return ref(REF("inputs"));
	if (!strcmp(k, "connections"))
		return ref(REF("connections"));
	if (!strcmp(k, "defaults"))
		return ref(REF("defaults"));
	if (!strcmp(k, "checks") || !strcmp(k, "steps") || !strcmp(k, "verify"))
		return steps_or_null();
	if (!strcmp(k, "rollback"))
		return str_enum(rb_keys.policies);
	if (!strcmp(k, "on-in-doubt"))
		return str_enum(rb_keys.in_doubt);
	if (!strcmp(k, "objectives"))
		return ref(REF("objectives"));
	if (!strcmp(k, "drill"))
		return ref(REF("drill"));
	if (!strcmp(k, "probes"))
		return any_of(array_of(ref(REF("continuous-probe"))), typed("null", NULL));
	if (!strcmp(k, "outputs"))
		return ref(REF("outputs"));
	return NULL;
}

static cJSON *input_shape(const char *k)
{
	if (!strcmp(k, "type"))
		return str_enum(rb_keys.input_types);
	if (!strcmp(k, "default"))
		return cJSON_CreateObject();
	if (!strcmp(k, "pattern") || !strcmp(k, "description"))
		return typed("string", NULL);
	if (!strcmp(k, "values"))
		return array_of(scalar());
	if (!strcmp(k, "from")) {
		cJSON *o = typed("string", NULL);
		cJSON_AddStringToObject(o, "pattern", "^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$");
		return o;
	}
	if (!strcmp(k, "required"))
		return typed("boolean", NULL);
	if (!strcmp(k, "min") || !strcmp(k, "max"))
		return typed("number", NULL);
	if (!strcmp(k, "min-items") || !strcmp(k, "max-items")) {
		cJSON *o = typed("integer", NULL);
		cJSON_AddNumberToObject(o, "minimum", 0);
		return o;
	}
	return NULL;
}

/* a step's durations and counts may be ${{ }}, read when the step starts */
static cJSON *retry_shape(const char *k)
{
	if (!strcmp(k, "attempts"))
		return any_of(typed("integer", NULL), ref(REF("template")));
	if (!strcmp(k, "backoff"))
		return typed("number", NULL);
	if (!strcmp(k, "delay") || !strcmp(k, "max-delay"))
		return any_of(ref(REF("duration")), ref(REF("template")));
	return NULL;
}

static cJSON *until_shape(const char *k)
{
	return !strcmp(k, "every") || !strcmp(k, "within") || !strcmp(k, "hold")
		? any_of(ref(REF("duration")), ref(REF("template"))) : NULL;
}

static cJSON *defaults_shape(const char *k)
{
	if (!strcmp(k, "timeout"))
		return ref(REF("duration"));
	if (!strcmp(k, "retry"))
		return ref(REF("retry"));
	if (!strcmp(k, "on-failure"))
		return str_enum(rb_keys.on_failure);
	return NULL;
}

static cJSON *objective_shape(const char *k)
{
	if (!strcmp(k, "guard-tripped"))
		return typed("boolean", NULL);
	if (!strcmp(k, "max-probe-failures")) {
		cJSON *o = typed("integer", NULL);
		cJSON_AddNumberToObject(o, "minimum", 0);
		return o;
	}
	if (!strcmp(k, "steps-required"))
		return array_of(any_of(typed("string", NULL), array_of(typed("string", NULL))));
	if (!strcmp(k, "rollbacks-expected"))
		return array_of(typed("string", NULL));
	if (!strncmp(k, "max-", 4) || !strncmp(k, "time-", 5))
		return ref(REF("duration"));
	return NULL;
}

static cJSON *drill_shape(const char *k)
{
	return !strcmp(k, "guard") ? ref(REF("guard")) : steps_or_null();
}

static cJSON *guard_shape(const char *k)
{
	if (!strcmp(k, "every"))
		return any_of(ref(REF("duration")), ref(REF("template")));
	if (!strcmp(k, "steps"))
		return array_of(ref(REF("guard-step")));
	return NULL;
}

/* a matcher's operand, by the kind its row says; a single ${{ }} may be
 * anything */
static cJSON *operand_shape(int operand)
{
	switch (operand) {
	case MO_LIST:
		return any_of(typed("array", NULL), ref(REF("template")));
	case MO_PATTERN:
		return typed("string", NULL);
	case MO_BOOL:
		return any_of(typed("boolean", NULL), ref(REF("template")));
	default:
		return cJSON_CreateObject();    /* a literal, or a matcher (len, not, any, all) */
	}
}

/* the matcher table (lang/match.h): each matcher, its operand and doc */
static cJSON *matcher_schema(void)
{
	cJSON *o = typed("object", "a matcher: { op: expected }; a mapping without a matcher key is a literal compared for equality");
	cJSON *props = cJSON_AddObjectToObject(o, "properties");
	for (size_t i = 0; i < matcher_count; i++) {
		const matcher *m = &matcher_table[i];
		cJSON_AddItemToObject(props, m->name, describe(operand_shape(m->operand), m->doc));
	}
	cJSON_AddBoolToObject(o, "additionalProperties", 0);
	return o;
}

static cJSON *defs(void)
{
	cJSON *d = cJSON_CreateObject();
	cJSON *x;

	x = typed("string", "an id: [a-z0-9][a-z0-9-]*");
	cJSON_AddStringToObject(x, "pattern", "^[a-z0-9][a-z0-9-]*$");
	cJSON_AddItemToObject(d, "id", x);
	x = typed("string", "a ${{ }} expression; alone in its string it keeps its type (number, bool, list, object)");
	cJSON_AddStringToObject(x, "pattern", "\\$\\{\\{");
	cJSON_AddItemToObject(d, "template", x);
	x = typed("string", "a duration: 500ms, 30s, 5m, 1h30m, 2d");
	cJSON_AddStringToObject(x, "pattern", "^([0-9]+(ms|s|m|h|d))+$");
	cJSON_AddItemToObject(d, "duration", x);

	cJSON_AddItemToObject(d, "input", keyed(&rb_keys.input, input_shape, "input key",
						"a typed parameter"));
	cJSON_AddItemToObject(d, "field", keyed(&rb_keys.field, input_shape, "field key",
						"a value the operator enters (a manual step)"));
	x = typed("object", "name: input; a name with no mapping is a required string");
	cJSON_AddItemToObject(x, "additionalProperties",
			      any_of(ref(REF("input")), typed("null", NULL)));
	cJSON_AddItemToObject(d, "inputs", x);

	/* a connection: exactly one kind */
	x = typed("object", "one kind: its spec (a URL/DSN string, or a mapping)");
	cJSON *props = cJSON_AddObjectToObject(x, "properties");
	cJSON *one = cJSON_CreateArray();
	for (size_t i = 0; i < conn_kind_count; i++) {
		cJSON_AddItemToObject(props, conn_kinds[i].name, shape_of(conn_kinds[i].spec_types));
		cJSON *req = cJSON_CreateObject();
		cJSON *r = cJSON_AddArrayToObject(req, "required");
		cJSON_AddItemToArray(r, cJSON_CreateString(conn_kinds[i].name));
		cJSON_AddItemToArray(one, req);
	}
	cJSON_AddItemToObject(x, "oneOf", one);
	cJSON_AddBoolToObject(x, "additionalProperties", 0);
	cJSON_AddItemToObject(d, "connection", x);
	x = typed("object", "name: connection");
	cJSON_AddItemToObject(x, "additionalProperties", ref(REF("connection")));
	cJSON_AddItemToObject(d, "connections", x);

	cJSON_AddItemToObject(d, "retry", keyed(&rb_keys.retry, retry_shape, "retry key",
						"retry a failed attempt"));
	x = keyed(&rb_keys.until, until_shape, "until key", "poll until `expect` holds");
	cJSON *r = cJSON_AddArrayToObject(x, "required");
	cJSON_AddItemToArray(r, cJSON_CreateString("every"));
	cJSON_AddItemToArray(r, cJSON_CreateString("within"));
	cJSON_AddItemToObject(d, "until", x);
	cJSON_AddItemToObject(d, "defaults", keyed(&rb_keys.defaults, defaults_shape,
						   "defaults key", "applies to every step"));
	cJSON_AddItemToObject(d, "objectives", keyed(&rb_keys.objectives, objective_shape,
						     "objectives key", "drill objectives"));
	cJSON_AddItemToObject(d, "drill", keyed(&rb_keys.drill, drill_shape, "drill key",
						"fault injection for game days"));
	x = keyed(&rb_keys.guard, guard_shape, "guard key", "the drill's stop conditions");
	r = cJSON_AddArrayToObject(x, "required");
	cJSON_AddItemToArray(r, cJSON_CreateString("every"));
	cJSON_AddItemToArray(r, cJSON_CreateString("steps"));
	cJSON_AddItemToObject(d, "guard", x);
	x = typed("object", "name: ${{ }} template");
	cJSON_AddItemToObject(x, "additionalProperties", scalar());
	cJSON_AddItemToObject(d, "outputs", x);
	cJSON_AddItemToObject(d, "matcher", matcher_schema());
	x = typed("object", "result path (rows[0].status, json: {...}) to a literal or a matcher");
	cJSON_AddItemToObject(x, "additionalProperties",
			      any_of(ref(REF("matcher")), cJSON_CreateObject()));
	cJSON_AddItemToObject(d, "expect", x);

	cJSON_AddItemToObject(d, "step", step_schema(SK_STEP));
	cJSON_AddItemToObject(d, "rollback-step", step_schema(SK_ROLLBACK));
	cJSON_AddItemToObject(d, "probe", step_schema(SK_PROBE));
	cJSON_AddItemToObject(d, "guard-step", step_schema(SK_GUARD));
	cJSON_AddItemToObject(d, "continuous-probe", step_schema(SK_WATCH_PROBE));
	cJSON_AddItemToObject(d, "steps", array_of(ref(REF("step"))));

	x = keyed(&rb_keys.top, top_shape, "top-level key", "a runbook");
	r = cJSON_AddArrayToObject(x, "required");
	cJSON_AddItemToArray(r, cJSON_CreateString("runbook"));
	cJSON_AddItemToArray(r, cJSON_CreateString("title"));
	cJSON_AddItemToObject(d, "runbook", x);
	x = keyed(&rb_keys.fragment_top, top_shape, "fragment key",
		  "a fragment, run by a runbook's `use:` step with `with:` inputs");
	r = cJSON_AddArrayToObject(x, "required");
	cJSON_AddItemToArray(r, cJSON_CreateString("fragment"));
	cJSON_AddItemToArray(r, cJSON_CreateString("title"));
	cJSON_AddItemToObject(d, "fragment", x);
	return d;
}

/* a YAML node as JSON, scalars typed as the interpreter reads them */
static cJSON *node_json(const node *n)
{
	if (n->kind == N_SCALAR) {
		value *v = scalar_literal(n);
		cJSON *j = v_to_cjson(v);
		v_release(v);
		return j;
	}
	cJSON *o = n->kind == N_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == N_MAP)
			cJSON_AddItemToObject(o, n->keys[i]->str, node_json(n->vals[i]));
		else
			cJSON_AddItemToArray(o, node_json(n->vals[i]));
	}
	return o;
}

/* --instance FILE: the file as the JSON document the schema applies to
 * (YAML 1.2 core types, as `runbook` reads it), for any JSON Schema tool */
static int print_instance(const char *path)
{
	arena a;
	doc d;
	diags dg;
	arena_init(&a);
	diags_init(&dg);
	int rc = EXIT_OK;
	if (load_file(&a, path, &d, &dg) < 0) {
		diags_print(stderr, &dg, DIAG_TEXT, 0, NULL, 0);
		rc = EXIT_USAGE;
	} else {
		cJSON *j = d.root ? node_json(d.root) : cJSON_CreateNull();
		char *txt = cJSON_Print(j);
		printf("%s\n", txt);
		free(txt);
		cJSON_Delete(j);
	}
	diags_release(&dg);
	arena_free(&a);
	diag_forget_sources();
	return rc;
}

/*
 * `runbook schema`: print the schema on stdout (or, with --instance FILE,
 * FILE as JSON).  Returns 0, 2 on a usage error or an unreadable file, 1
 * when a table key has no shape here (a bug, said on stderr).
 */
int cmd_schema(const command *self, int argc, char **argv)
{
	const char *file = NULL;
	opt_parser p;
	int id;
	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		if (id == OPTS_EXIT)
			return p.rc;
		if (file)
			return usage_error(self, "one file at a time");
		if (id == OPTS_ARG)
			return usage_error(self, "unexpected argument '%s'", p.val);
		file = p.val;
	}
	if (file)
		return print_instance(file);
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "$schema", "https://json-schema.org/draft/2020-12/schema");
	cJSON_AddStringToObject(s, "title", "runbook");
	cJSON_AddStringToObject(s, "description",
				"A runbook or a runbook fragment for the `runbook` interpreter "
				"(generated by `runbook schema`; `runbook check` is the authority)");
	cJSON *one = cJSON_AddArrayToObject(s, "oneOf");
	cJSON_AddItemToArray(one, ref(REF("runbook")));
	cJSON_AddItemToArray(one, ref(REF("fragment")));
	cJSON_AddItemToObject(s, "$defs", defs());
	if (fatal) {
		cJSON_Delete(s);
		return EXIT_FAILED;
	}
	char *txt = cJSON_Print(s);
	printf("%s\n", txt);
	free(txt);
	cJSON_Delete(s);
	return EXIT_OK;
}
