/*
 * diag.h - diagnostics with source positions.
 *
 * Every problem the loader, validator, linter or expression parser finds is
 * collected in a `diags` list (SQLite/jq style: collect and go on) and printed
 * at the end as
 *
 *     path:line:col: error: message [rule-id]
 *       source line
 *           ^
 *
 * Lines and columns are 1-based (libyaml marks are 0-based: add 1 once, in
 * load.c).  Messages start lowercase, have no final full stop and quote the
 * subject: "unknown step 'restrat'".
 *
 * Sources are registered with diag_register_source() so the printer can show
 * the offending line; the registry keeps its own copy (diagnostics are
 * printed after the runbook's arena is gone).
 */
#ifndef RB_DIAG_H
#define RB_DIAG_H

#include <stdio.h>
#include <stddef.h>

enum { SEV_ERROR = 0, SEV_WARNING = 1 };

typedef struct diag {
	char *file;             /* heap copies: diags outlive arenas */
	int line, col;          /* 1-based; 0 when unknown */
	int severity;
	char *msg;
	char *rule;             /* e.g. "unknown-key", may be NULL */
	int hide_source;        /* its source line holds a credential: never shown */
} diag;

typedef struct diags {
	diag *v;
	size_t n, cap;
	int nerr, nwarn;
} diags;

void diags_init(diags *d);
void diags_release(diags *d);
void diag_add(diags *d, int severity, const char *file, int line, int col,
	      const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void diag_vadd(diags *d, int severity, const char *file, int line, int col,
	       const char *rule, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));
/* drop diagnostic i; report diagnostic i as severity (SEV_*) instead */
void diag_drop(diags *d, size_t i);
/* the last diagnostic added is printed without its source line (the line
 * holds what it warns about, e.g. a credential) */
void diag_hide_source(diags *d);
void diag_set_severity(diags *d, size_t i, int severity);
/* stable sort by file, line, col (keeps insertion order on ties) */
void diags_sort(diags *d);

void diag_register_source(const char *file, const char *src, size_t len);
void diag_forget_sources(void);
/* byte length of the YAML line break at p (LF, CR, CRLF, NEL, LS, PS), 0 if none */
size_t yaml_break_len(const char *p, const char *end);
/* the registered source text of file: 0, or -1 when unknown */
int diag_source(const char *file, const char **src, size_t *len);

enum { DIAG_TEXT, DIAG_JSON, DIAG_GITHUB, DIAG_SARIF, DIAG_JUNIT };
int diag_format_from_name(const char *name);   /* -1 when unknown */
/* files: the list of files checked (junit/sarif list them even when clean) */
void diags_print(FILE *out, const diags *d, int format, int color,
		 char *const *files, size_t nfiles);

/*
 * What the printers know of a rule.  base/ has no rule table: the caller
 * (lang/rules.h) looks its rows up for them through diag_tool.rule.
 */
typedef struct diag_rule {
	const char *id;         /* "unknown-key": what a diagnostic's rule holds */
	int severity;           /* SEV_*: its default severity */
	const char *summary;    /* one line */
	const char *rationale;  /* a paragraph */
	const char *example;    /* a runbook that it reports, or NULL */
} diag_rule;

/* the tool that printed, for the machine formats (SARIF, JUnit) */
typedef struct diag_tool {
	const char *name, *version;
	const char *information_uri;    /* the tool's home page (SARIF) */
	const char *rules_uri;          /* the rules page: a rule is RULES_URI#id */
	/* the row of rule id into *out: 0, or -1 when there is none */
	int (*rule)(const char *id, diag_rule *out);
	char *const *files;             /* the files checked, as in diags_print */
	size_t nfiles;
	double *seconds;                /* NULL, or how long each file took (JUnit) */
} diag_tool;

/* diags_print with what the machine formats say of the tool and its rules */
void diags_print_tool(FILE *out, const diags *d, int format, int color, const diag_tool *t);

#endif
