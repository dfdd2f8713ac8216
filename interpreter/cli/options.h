/*
 * options.h - each command's options as a table of rows, and the one
 * parser that reads argv against them.
 *
 * The rows are all there is to an option: the parser accepts what they
 * say, and `--help`, the usage line of a usage error and the Commands
 * section of `runbook reference` print them (as would a man page or a
 * shell completion), so an option is in all of them or in none.
 *
 * The syntax, the same for every command: "--name VALUE" or
 * "--name=VALUE" for an option that takes a value (the value may start
 * with '-'), "-o VALUE" or "-o=VALUE" for its short name; "--name" or
 * "-q" for a flag.  No abbreviations, no bundled short flags, no "--"
 * separator: any other word that starts with '-' (except "-" itself) is
 * an unknown option.  Everything else is a positional argument, handed to
 * the command in order wherever it stands.  "-h" and "--help" print the
 * command's help on stdout.  Usage errors print "runbook CMD: message"
 * and the usage line on stderr and exit EXIT_USAGE.
 */
#ifndef RB_OPTIONS_H
#define RB_OPTIONS_H

#include <stdio.h>

struct command;

enum opt_kind {
	OPT_KIND_FLAG,          /* no value */
	OPT_KIND_VALUE,         /* one value; given twice, the last one counts */
	OPT_KIND_LIST,          /* one value, repeatable: every one counts */
};

typedef struct cmd_opt {
	int id;                 /* what opts_next() returns for it (> 0), or 0 when
	                         * its check does all there is to do */
	const char *name;       /* long name without "--"; NULL ends a table */
	char short_name;        /* 'q' for -q, or 0 */
	int kind;               /* OPT_KIND_* */
	const char *metavar;    /* the value as help shows it: FILE, N, k=v, or the
	                         * choices, text|json */
	const char *help;       /* one line */
	int (*check)(const char *val);  /* run on the value as it is read; -1
	                                 * (message printed) is a usage error */
} cmd_opt;

#define OPT_FLAG(id, name, s, help) { (id), (name), (s), OPT_KIND_FLAG, NULL, (help), NULL }
#define OPT_STRING(id, name, s, metavar, help) \
	{ (id), (name), (s), OPT_KIND_VALUE, (metavar), (help), NULL }
#define OPT_LIST(id, name, s, metavar, help) \
	{ (id), (name), (s), OPT_KIND_LIST, (metavar), (help), NULL }
#define OPT_END { 0, NULL, 0, 0, NULL, NULL, NULL }

/*
 * Rows several commands share, with one wording.  --stdlib needs no code
 * in the command: its check validates the directory and sets it.
 */
int opt_stdlib_dir(const char *dir);
#define OPT_STDLIB \
	{ 0, "stdlib", 0, OPT_KIND_VALUE, "DIR", \
	  "where `use: stdlib/...` looks (else $RUNBOOK_STDLIB, else the installed stdlib)", \
	  opt_stdlib_dir }
#define OPT_NO_COLOR(id) OPT_FLAG(id, "no-color", 0, "no colour, even on a terminal (as NO_COLOR=1)")
#define OPT_QUIET(id) OPT_FLAG(id, "quiet", 'q', "print only failed steps and the summary")
#define OPT_INPUT(id) OPT_LIST(id, "input", 0, "k=v", "the value of input k")
#define OPT_INPUTS(id) OPT_STRING(id, "inputs", 0, "FILE", "input values from a YAML or JSON mapping")
#define OPT_APPROVE(id) OPT_STRING(id, "approve", 0, "auto|FILE", \
	"answer approve steps: yes to all, or from a mapping of step-id: yes|no; park:FILE: " \
	"a step FILE does not answer yet stops the run (exit 8) until `resume` finds its answer")
#define OPT_OPERATOR(id) OPT_STRING(id, "operator", 0, "NAME", \
	"who runs it, for the transcript (else $USER@host)")
#define OPT_SIGN_KEY(id) OPT_STRING(id, "sign-key", 0, "KEY", \
	"sign the transcript with this Ed25519 private key (PEM)")

/* what opts_next() returns besides a row's id */
enum {
	OPTS_DONE = 0,          /* argv is read */
	OPTS_ARG = -1,          /* a positional argument, in p->val */
	OPTS_EXIT = -2,         /* stop and exit p->rc: 0 after --help, else a
	                         * usage error was printed */
};

typedef struct opt_parser {
	const struct command *cmd;
	int argc;
	char **argv;            /* argv[0] is the command's name */
	int i;                  /* the next word to read */
	const char *val;        /* the value of the option just read, or the
	                         * positional argument */
	const cmd_opt *opt;     /* the row just read */
	int rc;                 /* with OPTS_EXIT */
	int nargs;              /* positional arguments read so far */
	int bad_path;           /* one of them names no readable file (printed) */
} opt_parser;

void opts_init(opt_parser *p, const struct command *c, int argc, char **argv);
/*
 * The next option or argument: a row's id (its value, if any, in p->val),
 * OPTS_ARG, OPTS_DONE or OPTS_EXIT.  Usage errors it finds itself: an
 * unknown option, a missing value, a value given to a flag (as unknown:
 * "--quiet=x"), a row's check refusing its value, and a positional
 * argument that the command's args call a file (FILE, TRANSCRIPT...; see
 * opt_arg_kind) or a path (PATH) when it names nothing readable: each is
 * printed as it is read ("runbook CMD: /x: no such file or directory")
 * and the parse ends with OPTS_EXIT instead of OPTS_DONE.  "-" (standard
 * input) always passes.
 */
int opts_next(opt_parser *p);

/*
 * Stop with exit code rc: sets p->rc and returns OPTS_EXIT, for a
 * command's own checks of what it read, e.g.
 *   return opts_stop(p, usage_error(p->cmd, "one runbook at a time"));
 */
int opts_stop(opt_parser *p, int rc);

/*
 * A command's one positional argument (its runbook, its transcript): the
 * word just read (OPTS_ARG) into *slot; a second one is a usage error,
 * "one WHAT at a time ('a' and 'b')".  Returns OPTS_DONE or OPTS_EXIT.
 */
int opts_one(opt_parser *p, const char **slot, const char *what);

/*
 * What a metavar names, for the checks above and the shell completions:
 * one word of a command's args or an option's metavar, "[...]" and a
 * trailing "..." ignored.  FILE, TRANSCRIPT, KEY and PUB are files, PATH
 * a file or a directory, DIR a directory; any other word (N, NAME, k=v,
 * EXPR, a choice) is ARG_OTHER.
 */
enum { ARG_OTHER, ARG_FILE, ARG_PATH, ARG_DIR };
int opt_word_kind(const char *word, size_t len);
/* the kind of c's positional argument n (0-based): its args' word n, or
 * the last word when that one ends in "..." */
int opt_arg_kind(const struct command *c, int n);

/*
 * The whole parse of a command without options of its own (only the
 * implicit --help): at most max positional arguments into args[] (the
 * rest NULL; max 0: none allowed).  Returns the number read, or -1 with
 * *rc the exit code (0 after --help, else a usage error was printed).
 */
int opts_plain(const struct command *c, int argc, char **argv, const char **args, int max, int *rc);

/* "usage: runbook CMD ARGS [--opt X]..." (wrapped), then a newline */
void opts_usage(FILE *f, const struct command *c);
/* --help: the usage, the command's summary, then one line per option */
void opts_help(FILE *f, const struct command *c);
/* the option as help writes it: "-q, --quiet" or "--format text|json" */
const char *opt_text(const cmd_opt *o, char *buf, size_t cap);
/* every row of c, then the implicit --help one: for (i = 0; (o = opt_row(c, i)); i++) */
const cmd_opt *opt_row(const struct command *c, size_t i);

#endif
