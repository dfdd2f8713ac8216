/*
 * test_suggest.c - the one "did you mean" rule (base/suggest.h) that
 * validation, expressions and the kafka keys share.
 */
#include "unit.h"
#include "base/suggest.h"

static const char *const keys[] = { "id", "timeout", "idempotent", "retry", "rollback", NULL };

struct row {
	const char *name;
	int other;
};
static const struct row rows[] = { { "len", 1 }, { "toJSON", 2 }, { "startsWith", 3 } };

int main(void)
{
	/* a prefix of a candidate (3+ characters) wins over a near one */
	CHECK_STR(suggest("idem", keys, (size_t)-1, 0), "idempotent");
	/* the nearest within 2 edits; an adjacent swap is one edit */
	CHECK_STR(suggest("timout", keys, (size_t)-1, 0), "timeout");
	CHECK_STR(suggest("rollbakc", keys, (size_t)-1, 0), "rollback");
	CHECK_STR(suggest("rtery", keys, (size_t)-1, 0), "retry");
	/* not closer than the word is long: "a" does not suggest "id" */
	CHECK(suggest("a", keys, (size_t)-1, 0) == NULL);
	CHECK(suggest("zzzzzz", keys, (size_t)-1, 0) == NULL);
	/* the exact word is no suggestion */
	CHECK(suggest("retry", keys, (size_t)-1, 0) == NULL);
	/* a counted list stops at n */
	CHECK(suggest("rollbak", keys, 3, 0) == NULL);
	CHECK_STR(suggest("rollbak", keys, 5, 0), "rollback");
	/* a word that begins with a candidate, as the last resort */
	CHECK_STR(suggest_rows("lenght", rows, 3, sizeof rows[0], 0), "len");
	/* case: only with SUGGEST_NOCASE */
	CHECK(suggest_rows("tojson", rows, 3, sizeof rows[0], 0) == NULL);
	CHECK_STR(suggest_rows("tojson", rows, 3, sizeof rows[0], SUGGEST_NOCASE), "toJSON");
	CHECK_STR(suggest_rows("startswith", rows, 3, sizeof rows[0], 0), "startsWith");
	/* the row of a name */
	CHECK(rows_find("toJSON", rows, 3, sizeof rows[0]) == &rows[1]);
	CHECK(rows_find("tojson", rows, 3, sizeof rows[0]) == NULL);
	CHECK(rows_find("startsWith", rows, 2, sizeof rows[0]) == NULL);
	CHECK(suggest_distance("abc", "acb", 0) == 1);
	CHECK(suggest_distance("ABC", "abc", SUGGEST_NOCASE) == 0);
	CHECK(suggest_distance("ABC", "abc", 0) == 3);
	return unit_done("test_suggest");
}
