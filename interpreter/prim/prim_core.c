/*
 * prim_core.c - the primitives that need no outside service:
 * wait, assert and log.  (approve lives in the executor, which owns the
 * terminal and the answers file.)
 */
#include "lang/prim.h"
#include "base/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* wait: the action, a literal duration or one rendered from a ${{ }} (a
 * bad one is named with its position, as the step's other durations) */
int prim_wait_run(prim_call *c)
{
	int64_t ms = 0;
	if (v_dur_of(c->args, &ms) < 0) {
		const node *a = c->st ? c->st->action : NULL;
		char *j = v_to_json(c->args);
		char *q = redacted_text(c->red, j);
		c->error = xasprintf("%s:%d:%d: 'wait' must be a duration like 30s, got %.80s%s",
				     a ? a->file : "?", a ? a->line : 0, a ? a->col : 0, q,
				     strlen(q) > 80 ? "..." : "");
		free(q);
		free(j);
		return -1;
	}
	int64_t start = now_ms(), end = start + ms;
	int timed_out = 0;
	if (c->timeout_ms > 0 && c->timeout_ms < ms) {
		end = start + c->timeout_ms;
		timed_out = 1;
	}
	int r = sleep_cancellable(end - start, c->cancel);
	c->result = v_obj();
	v_obj_set_take(c->result, "duration", v_dur(now_ms() - start));
	if (r < 0) {
		c->error = xstrdup("interrupted");
		return -1;
	}
	if (timed_out) {
		char buf[32];
		c->error = xasprintf("timed out after %s", dur_format(c->timeout_ms, buf, sizeof buf));
		return -1;
	}
	return 0;
}

/*
 * assert: the action is a ${{ }} expression already evaluated by the
 * renderer; its truthiness decides.  The value is kept as the result.
 */
int prim_assert_run(prim_call *c)
{
	c->result = v_obj();
	v_obj_set(c->result, "value", c->args);
	if (!v_truthy(c->args)) {
		const node *a = c->st ? c->st->action : NULL;
		c->error = xasprintf("assertion failed: %s", a && a->kind == N_SCALAR ? a->str : "false");
		return -1;
	}
	return 0;
}

int prim_log_run(prim_call *c)
{
	c->result = v_obj();
	char *txt = v_to_text(c->args);
	v_obj_set_take(c->result, "message", v_str_take(txt, strlen(txt)));
	return 0;
}
