/*
 * cmd_serve.c - `runbook serve --listen HOST:PORT`: the options, then
 * serve/ does the rest (serve/serve.h).
 */
#include "cli/cmd.h"
#include "serve/serve.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

enum { O_LISTEN = 1, O_WORKERS, O_RULES, O_TOKENS, O_RUNBOOKS, O_STATE, O_QUEUE, O_GROUP, O_ROUTES };

const cmd_opt serve_options[] = {
	OPT_STRING(O_LISTEN, "listen", 0, "HOST:PORT",
		   "the address to serve on (a non-loopback one needs --tokens)"),
	OPT_STRING(O_WORKERS, "workers", 0, "N", "runs at once (1 to 256, default 1)"),
	OPT_STRING(O_RULES, "rules", 0, "FILE", "which alerts start which runbooks (POST /v1/alertmanager)"),
	OPT_STRING(O_TOKENS, "tokens", 0, "FILE",
		   "'NAME TOKEN' lines, mode 0600: every request needs Authorization: Bearer TOKEN"),
	OPT_STRING(O_RUNBOOKS, "runbooks", 0, "DIR", "the runbooks runs may name (default .)"),
	OPT_STRING(O_STATE, "state", 0, "DIR", "where runs and transcripts are kept (default ./serve-state)"),
	OPT_STRING(O_QUEUE, "queue", 0, "URL",
		   "kafka://HOST:PORT[,...]/TOPIC: queue runs on a Kafka topic (default: in memory)"),
	OPT_STRING(O_GROUP, "group", 0, "NAME",
		   "the Kafka consumer group (default: one per host and state directory)"),
	OPT_FLAG(O_ROUTES, "routes", 0, "print the HTTP routes and exit"),
	OPT_END
};

int cmd_serve(const command *self, int argc, char **argv)
{
	serve_cfg cfg = { .workers = 1, .runbooks = ".", .state = "serve-state" };
	opt_parser p;
	int id;
	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT: return p.rc;
		case O_LISTEN: cfg.listen = p.val; break;
		case O_WORKERS: {
			char *end;
			long n = strtol(p.val, &end, 10);
			if (*end || n < 1 || n > 256)
				return usage_error(self, "--workers needs a number from 1 to 256, got '%s'", p.val);
			cfg.workers = (int)n;
			break;
		}
		case O_RULES: cfg.rules = p.val; break;
		case O_TOKENS: cfg.tokens = p.val; break;
		case O_RUNBOOKS: cfg.runbooks = p.val; break;
		case O_STATE: cfg.state = p.val; break;
		case O_QUEUE: cfg.queue = p.val; break;
		case O_GROUP: cfg.group = p.val; break;
		case O_ROUTES: serve_routes_print(stdout); return EXIT_OK;
		case OPTS_ARG: return usage_error(self, "no arguments: '%s'", p.val);
		}
	}
	if (!cfg.listen)
		return usage_error(self, "--listen HOST:PORT is required");
	char self_path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
	if (n <= 0)
		return usage_error(self, "cannot find the runbook binary (/proc/self/exe)");
	self_path[n] = 0;
	cfg.self = self_path;
	return serve_main(&cfg);
}
