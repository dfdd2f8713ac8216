/*
 * shword.c - shell command lines for `runbook import` (shword.h).
 */
#include "lang/shword.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* the longest variable or placeholder name taken for an input */
#define NAME_MAX_LEN 64

void tmpl_escape(sbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n && s[i] == '$' && s[i + 1] == '{' && s[i + 2] == '{') {
			sbuf_adds(out, "${{ '${{' }}");
			i += 2;
		} else {
			sbuf_addc(out, s[i]);
		}
	}
}

static int name_start(int c)
{
	return isalpha(c) || c == '_';
}

static int name_char(int c)
{
	return isalnum(c) || c == '_';
}

size_t sh_placeholder(const char *s, size_t n)
{
	size_t k = 1;

	if (n < 3 || s[0] != '<' || !isalpha((unsigned char)s[1]))
		return 0;
	while (k < n && k <= NAME_MAX_LEN &&
	       (isalnum((unsigned char)s[k]) || s[k] == '_' || s[k] == '-' || s[k] == ' '))
		k++;
	if (k >= n || s[k] != '>' || s[k - 1] == ' ' || k > NAME_MAX_LEN)
		return 0;
	return k + 1;
}

char *sh_input_name(arena *a, const char *s, size_t n)
{
	char *r = arena_alloc(a, n + 2), *p = r;

	if (n && isdigit((unsigned char)s[0]))
		*p++ = '_';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		*p++ = isalnum(c) ? (char)tolower(c) : '_';
	}
	*p = 0;
	return r;
}

/* ${{ inputs.NAME }} at s: its length and the name; 0 when it is not one */
static size_t input_ref(const char *s, size_t n, size_t *ns, size_t *nl)
{
	size_t k = 3;

	if (n < 3 || memcmp(s, "${{", 3))
		return 0;
	while (k < n && s[k] == ' ')
		k++;
	if (n - k < 7 || memcmp(s + k, "inputs.", 7))
		return 0;
	k += 7;
	*ns = k;
	if (k >= n || !name_start((unsigned char)s[k]))
		return 0;
	/* as the expression language reads a name: a '-' only between two
	 * name characters ("inputs.a- }}" and "inputs.a--b" are no reference) */
	while (k < n && (name_char((unsigned char)s[k]) ||
			 (s[k] == '-' && k + 1 < n && name_char((unsigned char)s[k + 1]))))
		k++;
	*nl = k - *ns;
	while (k < n && s[k] == ' ')
		k++;
	if (n - k < 2 || s[k] != '}' || s[k + 1] != '}' || *nl > NAME_MAX_LEN)
		return 0;
	return k + 2;
}

static void add_ref(arena *a, sh_refs *r, const char *name, const char *spell, size_t slen,
		    const char *def, size_t off, int env)
{
	r->v = arena_grow(a, r->v, r->n, &r->cap, sizeof(*r->v));
	r->v[r->n++] = (sh_ref){ name, arena_strndup(a, spell, slen), def, off, env };
}

/*
 * A $ expansion at s[0..n) (s[0] == '$'): its length, the name's span
 * (offset *ns, length *nl) and its default; 0 when it is not a plain variable (*why set
 * when it is an expansion a simple command cannot have), or a lone '$'.
 */
static size_t dollar(const char *s, size_t n, size_t *ns, size_t *nl, size_t *ds, size_t *dl,
		     const char **why)
{
	size_t k = 1;

	*ds = *dl = 0;
	if (n < 2 || (n > 2 && s[1] == '{' && s[2] == '{'))
		return 0;
	if (name_start((unsigned char)s[1])) {
		while (k < n && name_char((unsigned char)s[k]))
			k++;
		*ns = 1;
		*nl = k - 1;
		return *nl <= NAME_MAX_LEN ? k : (*why = "a very long variable name", 0);
	}
	if (s[1] == '{' && n > 2 && name_start((unsigned char)s[2])) {
		k = 2;
		while (k < n && name_char((unsigned char)s[k]))
			k++;
		*ns = 2;
		*nl = k - 2;
		if (*nl > NAME_MAX_LEN)
			return (*why = "a very long variable name", 0);
		if (k < n && s[k] == '}')
			return k + 1;
		if (k + 1 < n && (s[k] == ':' || s[k] == '-') && (s[k] == '-' || s[k + 1] == '-')) {
			size_t d = k + (s[k] == ':' ? 2 : 1), e = d;
			while (e < n && s[e] != '}' && !strchr("$`'\"\\{", s[e]))
				e++;
			if (e < n && s[e] == '}') {
				*ds = d;
				*dl = e - d;
				return e + 1;
			}
		}
		*why = "a parameter expansion";
		return 0;
	}
	if (s[1] == '(')
		*why = "a command substitution";
	else if (s[1] == '\'' || s[1] == '"')
		*why = "$'...' quoting";
	else if (strchr("{@*#?-$!0123456789", s[1]))
		*why = "a special parameter";
	return 0;
}

/* the lexer of one command line */
typedef struct lex {
	arena *a;
	const char *s;
	size_t n, i;
	sbuf t, r;              /* the word being read: template, raw */
	int inword, quoted, assign_ok;
	int brace_open, brace_comma;
	sh_cmd *c;
	size_t cap;
} lex;

static void lit(lex *L, const char *p, size_t len);

/* the character at L->i as literal text: a "${{" as a whole, escaped */
static void lit_here(lex *L)
{
	size_t k = L->i + 2 < L->n && !memcmp(L->s + L->i, "${{", 3) ? 3 : 1;
	lit(L, L->s + L->i, k);
	L->i += k;
}

/* literal text of the word; a "${{" it spells, even one character at a
 * time (\${{ or "\$"{{), is escaped.  A word's text can end in "${" only
 * from literal text: templates and escapes end in "}}" */
static void lit(lex *L, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		sbuf *t = &L->t;
		if (p[i] == '{' && t->len >= 2 && t->buf[t->len - 2] == '$' && t->buf[t->len - 1] == '{') {
			t->len -= 2;
			sbuf_adds(t, "${{ '${{' }}");
		} else {
			sbuf_addc(t, p[i]);
		}
	}
	sbuf_add(&L->r, p, len);
	L->inword = 1;
}

static void end_word(lex *L)
{
	sh_cmd *c = L->c;

	if (!L->inword)
		return;
	if (c->argc + 1 >= L->cap) {
		size_t cap = L->cap ? 2 * L->cap : 8;
		char **v = arena_alloc(L->a, cap * sizeof(*v)), **w = arena_alloc(L->a, cap * sizeof(*w));
		if (c->argc) {
			memcpy(v, c->argv, c->argc * sizeof(*v));
			memcpy(w, c->raw, c->argc * sizeof(*w));
		}
		c->argv = v;
		c->raw = w;
		L->cap = cap;
	}
	c->argv[c->argc] = arena_strndup(L->a, L->t.buf ? L->t.buf : "", L->t.len);
	c->raw[c->argc++] = arena_strndup(L->a, L->r.buf ? L->r.buf : "", L->r.len);
	L->t.len = L->r.len = 0;
	L->inword = L->quoted = L->brace_open = L->brace_comma = 0;
}

/* a variable, placeholder or input reference at L->i: 1 when read */
static int ref_at(lex *L, int in_single)
{
	const char *s = L->s + L->i;
	size_t n = L->n - L->i, ns, nl, ds, dl, len;
	const char *why = NULL;
	char *name = NULL, *def = NULL;

	/* placeholders and ${{ inputs.x }} also in single quotes, where a
	 * shell would leave them as they are: they are meant as values */
	if ((len = sh_placeholder(s, n))) {
		name = sh_input_name(L->a, s + 1, len - 2);
	} else if ((len = input_ref(s, n, &ns, &nl))) {
		name = arena_strndup(L->a, s + ns, nl);
	} else if (in_single) {
		return 0;
	} else if (*s == '$' && (len = dollar(s, n, &ns, &nl, &ds, &dl, &why))) {
		name = sh_input_name(L->a, s + ns, nl);
		def = dl ? arena_strndup(L->a, s + ds, dl) : NULL;
	} else {
		if (why && !L->c->why)
			L->c->why = why;
		return 0;
	}
	add_ref(L->a, &L->c->refs, name, s, len, def, L->i, *s == '$' && !input_ref(s, n, &ns, &nl));
	sbuf_addf(&L->t, "${{ inputs.%s }}", name);
	sbuf_add(&L->r, s, len);
	L->inword = 1;
	L->i += len;
	return 1;
}

static void single_quoted(lex *L)
{
	L->i++;
	L->quoted = L->inword = 1;
	while (L->i < L->n && L->s[L->i] != '\'') {
		if (!ref_at(L, 1))
			lit_here(L);
	}
	if (L->i >= L->n)
		L->c->why = L->c->why ? L->c->why : "an unterminated quote";
	else
		L->i++;
}

static void double_quoted(lex *L)
{
	L->i++;
	L->quoted = L->inword = 1;
	while (L->i < L->n && L->s[L->i] != '"') {
		char ch = L->s[L->i];
		if (ch == '\\' && L->i + 1 < L->n && strchr("$`\"\\\n", L->s[L->i + 1])) {
			lit(L, L->s + L->i + 1, 1);
			L->i += 2;
		} else if (ch == '`') {
			L->c->why = L->c->why ? L->c->why : "a command substitution";
			lit(L, L->s + L->i++, 1);
		} else if (!((ch == '$' || ch == '<') && ref_at(L, 0))) {
			lit_here(L);
		}
	}
	if (L->i >= L->n)
		L->c->why = L->c->why ? L->c->why : "an unterminated quote";
	else
		L->i++;
}

static const char *const builtins[] = {
	"cd", "export", "source", ".", "set", "unset", "alias", "if", "then", "else", "elif", "fi",
	"for", "while", "until", "do", "done", "case", "esac", "function", "local", "eval", "exec",
	"exit", "return", "trap", "read", "[[", "{", "}", "!", "shopt", "ulimit", "umask", "wait",
	"declare", "typeset", "readonly", "pushd", "popd", NULL,
};

/* one character outside quotes */
static void unquoted(lex *L)
{
	char ch = L->s[L->i];
	sh_cmd *c = L->c;
	const char *why = NULL;

	if (ch == '\\' && L->i + 1 < L->n) {
		lit(L, L->s + L->i + 1, 1);
		L->quoted = 1;
		L->i += 2;
		return;
	}
	if ((ch == '$' || ch == '<') && ref_at(L, 0))
		return;
	if (strchr("|&;<>()`", ch))
		why = ch == '`' ? "a command substitution" : ch == '<' || ch == '>' ? "a redirection"
		      : ch == '(' || ch == ')' ? "a subshell" : ch == '|' ? "a pipe" : "a command list";
	else if (strchr("*?[", ch))
		why = "a glob";
	else if (ch == '~' && !L->inword)
		why = "a ~ expansion";
	else if (ch == '=' && c->argc == 0 && !L->quoted && L->inword && L->assign_ok)
		why = "a variable assignment";
	if (ch == '{')
		L->brace_open = 1;
	else if (ch == ',' && L->brace_open)
		L->brace_comma = 1;
	else if (ch == '}' && L->brace_comma)
		why = "a brace expansion";
	if (why && !c->why)
		c->why = why;
	lit_here(L);
}

int sh_split(arena *a, const char *s, size_t n, sh_cmd *c)
{
	lex L = { .a = a, .s = s, .n = n, .c = c };

	memset(c, 0, sizeof(*c));
	while (L.i < n) {
		char ch = s[L.i];

		if (ch == ' ' || ch == '\t' || ch == '\n') {
			end_word(&L);
			L.i++;
			continue;
		}
		if (!L.inword) {
			/* a NAME= word can only be an assignment if it starts like a name */
			L.assign_ok = name_start((unsigned char)ch);
			if (ch == '#') {
				size_t k = L.i + 1;
				while (k < n && (s[k] == ' ' || s[k] == '#'))
					k++;
				c->comment = arena_strndup(a, s + k, n - k);
				break;
			}
		} else if (!name_char((unsigned char)ch) && ch != '=') {
			L.assign_ok = 0;
		}
		if (ch == '\'')
			single_quoted(&L);
		else if (ch == '"')
			double_quoted(&L);
		else
			unquoted(&L);
	}
	end_word(&L);
	sbuf_release(&L.t);
	sbuf_release(&L.r);
	for (size_t k = 0; !c->why && c->argc && builtins[k]; k++)
		if (!strcmp(c->raw[0], builtins[k]))
			c->why = "a shell builtin";
	if (!c->argc && !c->why)
		c->why = "no command";
	return c->why == NULL;
}

/*
 * The known reads.  A row: the program, the options of its own that take
 * a value (skipped with it when looking for the subcommand), and its
 * read subcommands ("*": any use reads; "a.b": two words), or a judge
 * function for the programs whose reads depend on their options.
 */
typedef struct read_row {
	const char *prog;
	const char *value_opts;
	const char *subs;
	int (*judge)(char *const *w, size_t n);
} read_row;

static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	if (!n)
		return 0;
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

/* curl reads unless it sends data or another method than GET/HEAD */
static int judge_curl(char *const *w, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const char *x = w[i];
		if ((!strcmp(x, "-X") || !strcmp(x, "--request")) && i + 1 < n) {
			if (strcasecmp(w[i + 1], "GET") && strcasecmp(w[i + 1], "HEAD"))
				return 0;
			i++;
		} else if ((!strncmp(x, "-X", 2) && strcasecmp(x + 2, "GET") && strcasecmp(x + 2, "HEAD")) ||
			   !strncmp(x, "-d", 2) || !strncmp(x, "--data", 6) || !strcmp(x, "-F") ||
			   !strncmp(x, "--form", 6) || !strcmp(x, "-T") || !strcmp(x, "--upload-file") ||
			   !strcmp(x, "--json") || !strncmp(x, "--request=", 10)) {
			return 0;
		}
	}
	return 1;
}

/* SQL text whose every statement reads */
static int sql_reads(const char *q)
{
	static const char *const kw[] = { "select", "show", "explain", "table", "values", "\\d", "\\l", "\\dt", "\\du", "\\conninfo", NULL };
	static const char *const writes[] = { "pg_cancel_backend", "pg_terminate_backend", "nextval", "setval",
					      "set_config", "pg_reload_conf", "pg_switch_wal", " into ", "for update", NULL };
	const char *p = q;

	/* a SELECT can write too: through these functions, INTO or FOR UPDATE */
	for (size_t k = 0; writes[k]; k++)
		if (strcasestr(q, writes[k]))
			return 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '(' || *p == ';')
			p++;
		if (!*p)
			return 1;
		int ok = 0;
		for (size_t k = 0; kw[k] && !ok; k++) {
			size_t l = strlen(kw[k]);
			ok = !strncasecmp(p, kw[k], l) && (isspace((unsigned char)p[l]) || !p[l] || p[l] == ';' || kw[k][0] == '\\');
		}
		if (!ok || !strncasecmp(p, "explain analyze", 15))
			return 0;
		if (!(p = strchr(p, ';')))
			return 1;
	}
}

static int judge_psql(char *const *w, size_t n)
{
	int seen = 0;

	for (size_t i = 1; i < n; i++) {
		if ((!strcmp(w[i], "-c") || !strcmp(w[i], "--command")) && i + 1 < n) {
			if (!sql_reads(w[++i]))
				return 0;
			seen = 1;
		} else if (!strncmp(w[i], "--command=", 10)) {
			if (!sql_reads(w[i] + 10))
				return 0;
			seen = 1;
		} else if (!strcmp(w[i], "-f") || !strncmp(w[i], "--file", 6)) {
			return 0;
		}
	}
	return seen;
}

static int judge_redis(char *const *w, size_t n)
{
	static const char *const vopts = "-h -p -a -n -u -s --user --pass -r -i --sni --cacert --cert --key";
	static const char *const reads =
		"get mget info ping ttl pttl exists keys scan type strlen hget hgetall hkeys hvals hlen "
		"hexists llen lrange lindex scard smembers sismember zcard zrange zscore zrank xlen xrange "
		"xinfo dbsize time lastsave role slowlog memory config client object pubsub echo";
	static const char *const read_flags = "--scan --bigkeys --memkeys --stat --latency --latency-history --hotkeys";

	for (size_t i = 1; i < n; i++) {
		if (w[i][0] == '-') {
			if (has_word(read_flags, w[i]))
				return 1;
			if (has_word(vopts, w[i]))
				i++;
			continue;
		}
		char low[32];
		size_t k;
		for (k = 0; w[i][k] && k < sizeof low - 1; k++)
			low[k] = (char)tolower((unsigned char)w[i][k]);
		low[k] = 0;
		if (!has_word(reads, low))
			return 0;
		/* config get, client list, slowlog get, memory usage, object encoding */
		if (has_word("config client slowlog memory object pubsub", low))
			return i + 1 < n && has_word("get GET list LIST usage USAGE encoding ENCODING "
						     "channels CHANNELS len LEN stats STATS info INFO", w[i + 1]);
		return 1;
	}
	return 0;
}

/* httpie: a GET or HEAD, or no method and no data items */
static int judge_http(char *const *w, size_t n)
{
	size_t i = 1;

	while (i < n && w[i][0] == '-')
		i++;
	if (i < n && has_word("GET HEAD", w[i]))
		return 1;
	if (i < n && has_word("POST PUT PATCH DELETE OPTIONS", w[i]))
		return 0;
	for (i++; i < n; i++)
		if (strchr(w[i], '=') || strchr(w[i], '@'))
			return 0;
	return 1;
}

static int judge_sed(char *const *w, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!strncmp(w[i], "-i", 2) || !strncmp(w[i], "--in-place", 10))
			return 0;
	return 1;
}

static int judge_find(char *const *w, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (has_word("-delete -exec -execdir -ok -fprint -fls", w[i]))
			return 0;
	return 1;
}

static const char *const K8S_OPTS = "-n --namespace --context --kubeconfig --cluster --user -s --server "
				    "-l --selector -o --output -c --container --field-selector --since --tail";

static const read_row reads[] = {
	{ "kubectl", NULL, "get describe logs top explain api-resources api-versions version cluster-info "
	  "events diff auth.can-i auth.whoami rollout.status rollout.history config.view "
	  "config.get-contexts config.current-context", NULL },
	{ "oc", NULL, "get describe logs status whoami", NULL },
	{ "helm", "-n --namespace --kube-context --kubeconfig", "list ls status history get show "
	  "template version search env lint", NULL },
	{ "kind", NULL, "get version", NULL },
	{ "docker", "-H --host --context -c --config -f --file -p --project-name --env-file", "ps logs inspect images stats top version info "
	  "events port compose.ps compose.logs compose.config compose.top compose.images compose.ls "
	  "compose.version", NULL },
	{ "docker-compose", "-f --file -p --project-name --env-file", "ps logs config top images version", NULL },
	{ "podman", NULL, "ps logs inspect images stats top version info", NULL },
	{ "systemctl", "-H --host -M --machine", "status is-active is-enabled is-failed show list-units "
	  "list-timers cat", NULL },
	{ "git", "-C -c", "status log diff show branch remote rev-parse describe", NULL },
	{ "curl", NULL, NULL, judge_curl },
	{ "http", NULL, NULL, judge_http },
	{ "https", NULL, NULL, judge_http },
	{ "psql", NULL, NULL, judge_psql },
	{ "redis-cli", NULL, NULL, judge_redis },
	{ "sed", NULL, NULL, judge_sed },
	{ "find", NULL, NULL, judge_find },
	{ "kafka-consumer-groups", NULL, NULL, NULL },
	{ "kafka-topics", NULL, NULL, NULL },
};

/* the programs whose every use reads (a pipeline of these and reads reads) */
static const char *const always_read =
	"cat ls grep egrep fgrep zgrep head tail jq yq wc sort uniq cut tr column less more stat file "
	"df du free uptime ps pgrep dig nslookup host ping traceroute ss netstat lsof env printenv date "
	"whoami id hostname uname which test true echo printf journalctl awk nproc lsblk "
	"getent kcat kafkacat promtool amtool";

/* the subcommand of words[1..n): the first word that is not an option or
 * the value of one */
static size_t subcommand(char *const *w, size_t n, const char *vopts)
{
	size_t i = 1;

	while (i < n && w[i][0] == '-') {
		if (!strchr(w[i], '=') && ((vopts && has_word(vopts, w[i])) || has_word(K8S_OPTS, w[i])))
			i++;
		i++;
	}
	return i;
}

static const char *read_row_match(arena *a, const read_row *r, char *const *w, size_t n)
{
	if (r->judge)
		return r->judge(w, n) ? r->prog : NULL;
	if (!r->subs) {
		/* kafka tools: --list and --describe read */
		for (size_t i = 1; i < n; i++)
			if (!strcmp(w[i], "--list") || !strcmp(w[i], "--describe"))
				return r->prog;
		return NULL;
	}
	size_t i = subcommand(w, n, r->value_opts);
	if (i >= n)
		return NULL;
	if (has_word(r->subs, w[i]))
		return arena_printf(a, "%s %s", r->prog, w[i]);
	size_t j = subcommand(w + i, n - i, r->value_opts) + i;
	if (j < n) {
		char *two = arena_printf(a, "%s.%s", w[i], w[j]);
		if (has_word(r->subs, two))
			return arena_printf(a, "%s %s %s", r->prog, w[i], w[j]);
	}
	return NULL;
}

const char *sh_read(arena *a, char *const *words, size_t n)
{
	const char *prog;

	if (!n)
		return NULL;
	prog = strrchr(words[0], '/') ? strrchr(words[0], '/') + 1 : words[0];
	if (!strcmp(prog, "sudo") && n > 1)
		return sh_read(a, words + 1, n - 1);
	if (has_word(always_read, prog) && strcmp(prog, "sed") && strcmp(prog, "find"))
		return prog;
	for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++)
		if (!strcmp(reads[k].prog, prog))
			return read_row_match(a, &reads[k], words, n);
	return NULL;
}

/* the variables a shell sets itself, or that come from its environment */
static const char *const env_vars =
	"HOME PATH USER LOGNAME PWD OLDPWD SHELL TMPDIR HOSTNAME TERM LANG LC_ALL IFS PS1 PS2 RANDOM "
	"LINENO SECONDS UID EUID PPID BASH_SOURCE FUNCNAME PIPESTATUS OPTARG OPTIND REPLY EDITOR";

/* is NAME assigned in text (NAME=, for NAME in, read NAME, local NAME)? */
static int assigned(const char *s, size_t n, const char *name, size_t nl)
{
	for (size_t i = 0; i + nl <= n; i++) {
		if (memcmp(s + i, name, nl) || (i && name_char((unsigned char)s[i - 1])))
			continue;
		if (i + nl < n && s[i + nl] == '=')
			return 1;
		/* the word before: for, read, local, export, declare */
		size_t e = i;
		while (e && (s[e - 1] == ' ' || s[e - 1] == '\t'))
			e--;
		size_t b = e;
		while (b && isalpha((unsigned char)s[b - 1]))
			b--;
		char w[16];
		if (e > b && e < i && e - b < sizeof w) {
			memcpy(w, s + b, e - b);
			w[e - b] = 0;
			if (has_word("for read local export declare typeset readonly", w))
				return 1;
		}
	}
	return 0;
}

/* a word of a segment that is a redirection (2>/dev/null, >, <in) */
static int redirection_word(const char *w)
{
	while (isdigit((unsigned char)*w))
		w++;
	return *w == '<' || *w == '>' || *w == '&';
}

/* does one command of a shell text (s[0..n), no separators) only read? */
static int segment_reads(arena *a, const char *s, size_t n)
{
	sh_cmd c;
	char **w;
	size_t k = 0;

	sh_split(a, s, n, &c);
	if (!c.argc)
		return 1;
	w = arena_alloc(a, c.argc * sizeof(*w));
	for (size_t i = 0; i < c.argc; i++) {
		if (redirection_word(c.raw[i])) {
			/* only to /dev/null or another descriptor */
			const char *t = c.raw[i] + strspn(c.raw[i], "0123456789<>&");
			if (!*t && i + 1 < c.argc)
				t = c.raw[++i];
			if (strchr(c.raw[i], '<'))
				continue;
			if (*t && strcmp(t, "/dev/null") && !(isdigit((unsigned char)*t) && !t[1]) && strcmp(t, "-"))
				return 0;
			continue;
		}
		w[k++] = c.raw[i];
	}
	if (k && !strcmp(w[0], "set"))
		return 1;
	return sh_read(a, w, k) != NULL;
}

/* every command of a shell text reads: split at | || && ; & and newlines
 * outside quotes; a substitution, here-document or shell keyword does not
 * count as a read */
static int text_reads(arena *a, const char *s, size_t n)
{
	size_t start = 0, i = 0;
	char q = 0;

	if (strstr(s, "$(") || strchr(s, '`') || strstr(s, "<<"))
		return 0;
	for (; i <= n; i++) {
		char ch = i < n ? s[i] : '\n';
		if (q) {
			if (ch == q)
				q = 0;
			else if (ch == '\\' && q == '"')
				i++;
			continue;
		}
		if (ch == '\'' || ch == '"') {
			q = ch;
			continue;
		}
		if (ch == '\\') {
			i++;
			continue;
		}
		if (ch == '#' && (i == start || s[i - 1] == ' ' || s[i - 1] == '\t')) {
			while (i < n && s[i] != '\n')
				i++;
			ch = '\n';
		}
		if (ch == '\n' || ch == ';' || ch == '|' || (ch == '&' && !(i && (s[i - 1] == '>' || s[i - 1] == '<')) &&
							   !(i + 1 < n && s[i + 1] == '>'))) {
			size_t e = i;
			if (ch == '\n' && i < n) {
				/* a comment's text ends here too */
				const char *h = memchr(s + start, '#', i - start);
				while (h && h > s + start && h[-1] != ' ' && h[-1] != '\t')
					h = memchr(h + 1, '#', (size_t)(s + i - h - 1));
				if (h)
					e = (size_t)(h - s);
			}
			if (!segment_reads(a, s + start, e - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

/* the names judged by assigned() so far: each is looked for in the text once;
 * past the first SEEN_MAX names, a name counts as not assigned */
#define SEEN_MAX 64
typedef struct seen_names {
	const char *name[SEEN_MAX];
	int assigned[SEEN_MAX];
	size_t n;
} seen_names;

static int assigned_once(seen_names *sn, const char *s, size_t n, const char *name, size_t nl)
{
	for (size_t k = 0; k < sn->n; k++)
		if (!strcmp(sn->name[k], name))
			return sn->assigned[k];
	if (sn->n == SEEN_MAX)
		return 0;
	sn->name[sn->n] = name;
	return sn->assigned[sn->n++] = assigned(s, n, name, nl);
}

char *sh_shell_text(arena *a, const char *s, size_t n, sh_refs *refs, int *is_read)
{
	seen_names seen = { .n = 0 };
	sbuf t = { 0 };
	size_t i = 0, ns, nl, ds, dl, len;
	const char *why;
	char q = 0;

	while (i < n) {
		char ch = s[i];
		if ((len = sh_placeholder(s + i, n - i))) {
			char *name = sh_input_name(a, s + i + 1, len - 2);
			add_ref(a, refs, name, s + i, len, NULL, i, 0);
			sbuf_addf(&t, "${{ inputs.%s }}", name);
			i += len;
			continue;
		}
		if ((len = input_ref(s + i, n - i, &ns, &nl))) {
			add_ref(a, refs, arena_strndup(a, s + i + ns, nl), s + i, len, NULL, i, 0);
			sbuf_add(&t, s + i, len);
			i += len;
			continue;
		}
		if (ch == '$' && q != '\'' && (len = dollar(s + i, n - i, &ns, &nl, &ds, &dl, &why))) {
			char *name = arena_strndup(a, s + i + ns, nl);
			if (!has_word(env_vars, name) && !assigned_once(&seen, s, n, name, nl))
				add_ref(a, refs, sh_input_name(a, name, nl), s + i, len,
					dl ? arena_strndup(a, s + i + ds, dl) : NULL, i, 1);
			tmpl_escape(&t, s + i, len);
			i += len;
			continue;
		}
		if (ch == '\\' && q != '\'' && i + 1 < n) {
			/* an escaped $ is no variable, and \${{ no template */
			sbuf_addc(&t, ch);
			if (s[i + 1] == '$' && i + 3 < n && s[i + 2] == '{' && s[i + 3] == '{') {
				sbuf_adds(&t, "${{ '${{' }}");
				i += 4;
			} else {
				sbuf_addc(&t, s[i + 1]);
				i += 2;
			}
			continue;
		}
		if (q ? ch == q : (ch == '\'' || ch == '"'))
			q = q ? 0 : ch;
		if (i + 2 < n && ch == '$' && s[i + 1] == '{' && s[i + 2] == '{') {
			sbuf_adds(&t, "${{ '${{' }}");
			i += 3;
			continue;
		}
		sbuf_addc(&t, ch);
		i++;
	}
	*is_read = text_reads(a, s, n);
	char *r = arena_strndup(a, t.buf ? t.buf : "", t.len);
	sbuf_release(&t);
	return r;
}
