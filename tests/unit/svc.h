/*
 * svc.h - service endpoints for the unit tests of the primitives.
 *
 * tests/run.sh starts the suite's services before the unit tests and
 * exports their RB_TEST_* variables; a unit test run on its own starts a
 * private instance through the same tests/lib/svc_<name>.sh instead, and
 * stops it at exit.  svc_endpoint("redis", "RB_TEST_REDIS_URL", url, ...)
 * fills the three values (address, password, port) either way.
 */
#ifndef RB_UNIT_SVC_H
#define RB_UNIT_SVC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "lang/node.h"

static char svc_work[64], svc_name[32];

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *root(void)
{
	const char *r = getenv("ROOT");

	return r && *r ? r : ".";
}

static void svc_stop(void)
{
	char cmd[1024];

	if (!svc_work[0])
		return;
	snprintf(cmd, sizeof(cmd),
		 "bash -c 'export RB_TEST_WORK=\"$1\"; . \"$2/tests/lib/svc_$3.sh\"; "
		 "svc_$3_stop; rm -rf \"$1\"' _ '%s' '%s' '%s'", svc_work, root(), svc_name);
	if (system(cmd) != 0)
		fprintf(stderr, "could not stop %s\n", svc_name);
}

/*
 * name: the svc script (postgres, redis); addr_var/pw_var/port_var: the
 * variables it exports.  Returns 0 with addr, pw and *port filled.
 */
static int svc_endpoint(const char *name, const char *addr_var, const char *pw_var,
			const char *port_var, char *addr, size_t addr_cap, char *pw,
			size_t pw_cap, int *port)
{
	const char *a = getenv(addr_var), *p = getenv(pw_var), *n = getenv(port_var);
	char cmd[1200], path[128];
	FILE *f;

	if (a && p && n) {
		snprintf(addr, addr_cap, "%s", a);
		snprintf(pw, pw_cap, "%s", p);
		*port = atoi(n);
		return 0;
	}
	snprintf(svc_name, sizeof(svc_name), "%s", name);
	snprintf(svc_work, sizeof(svc_work), "/tmp/rbunit-%s.XXXXXX", name);
	if (!mkdtemp(svc_work))
		return -1;
	chmod(svc_work, 0755);
	atexit(svc_stop);
	snprintf(cmd, sizeof(cmd),
		 "bash -c 'export RB_TEST_WORK=\"$1\"; . \"$2/tests/lib/svc_$3.sh\"; "
		 "svc_$3_start >\"$1/svc.log\" 2>&1 || { cat \"$1/svc.log\" >&2; exit 1; }; "
		 "printf \"%%s\\n\" \"${!4}\" \"${!5}\" \"${!6}\" >\"$1/env\"' _ '%s' '%s' '%s' '%s' '%s' '%s'",
		 svc_work, root(), name, addr_var, pw_var, port_var);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/env", svc_work);
	if (!(f = fopen(path, "r")))
		return -1;
	if (!fgets(addr, (int)addr_cap, f) || !fgets(pw, (int)pw_cap, f) || fscanf(f, "%d", port) != 1) {
		fclose(f);
		return -1;
	}
	fclose(f);
	addr[strcspn(addr, "\n")] = '\0';
	pw[strcspn(pw, "\n")] = '\0';
	return 0;
}

/*
 * The static effect a primitive's effect function gives the action under
 * `key` in a one-line YAML document; -2 when the document does not load.
 */
static int yaml_effect(int (*effect)(const node *), const char *key, const char *yaml)
{
	arena a;
	doc d;
	diags dg;
	int e = -2;

	arena_init(&a);
	diags_init(&dg);
	if (load_buffer(&a, "t.yaml", yaml, strlen(yaml), &d, &dg) == 0 && d.root)
		e = effect(node_get(d.root, key));
	diags_release(&dg);
	arena_free(&a);
	return e;
}

#endif
