/*
 * yaml_parse.c - the reference for the `check` benchmark: parse each file
 * given on the command line with libyaml's event parser and do nothing
 * else.  `runbook check` over the same files is quoted as a ratio to this.
 */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv)
{
	long events = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		yaml_parser_t p;
		yaml_event_t e;
		yaml_parser_initialize(&p);
		yaml_parser_set_input_file(&p, f);
		int done = 0;
		while (!done) {
			if (!yaml_parser_parse(&p, &e)) {
				fprintf(stderr, "%s: parse error\n", argv[i]);
				return 1;
			}
			done = e.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&e);
			events++;
		}
		yaml_parser_delete(&p);
		fclose(f);
	}
	fprintf(stderr, "%ld events\n", events);
	return 0;
}
