/*
 * test_tlog.c - the transcript reader: the run's clock (mono readings of
 * one boot, else timestamps, never backwards), wall-clock steps back,
 * the time down before a resume, the whole run's duration, numbers that
 * are not integers in range, and the required fields of every event.
 * tlog_read() does not check the chain, so the lines here carry no hash.
 */
#include "unit.h"
#include "record/tlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static int nfile;

/* read the lines (each a JSON event) as a transcript */
static int read_lines(tlog *l, const char *const *v)
{
	char path[128], *err = NULL;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/t%d.jsonl", dir, nfile++);
	f = fopen(path, "w");
	for (; *v; v++)
		fprintf(f, "%s\n", *v);
	fclose(f);
	rc = tlog_read(l, path, &err);
	free(err);
	return rc;
}

#define EV(seq, ts, mono, rest) "{\"seq\":" #seq ",\"ts\":\"2024-05-01T12:00:" ts "Z\"" mono \
	",\"event\":" rest "}"

/* one process, then a resume in the same boot: mono all the way */
static void test_resume_same_boot(void)
{
	static const char *const v[] = {
		EV(1, "00.000", ",\"mono\":1000,\"boot\":\"b1\"", "\"run.start\""),
		EV(2, "01.000", ",\"mono\":2000", "\"step.start\",\"step\":\"a\",\"phase\":\"steps\""),
		/* crash; the wall clock is set back 30 s before the resume */
		EV(3, "05.000", ",\"mono\":36000,\"boot\":\"b1\"", "\"run.resume\""),
		EV(4, "07.000", ",\"mono\":38000", "\"step.end\",\"step\":\"a\",\"phase\":\"steps\",\"status\":\"ok\""),
		EV(5, "08.000", ",\"mono\":39000", "\"run.end\",\"status\":\"ok\",\"exit\":0,\"duration_ms\":3000"),
		NULL
	};
	tlog l;

	CHECK(read_lines(&l, v) == 0);
	CHECK(l.n == 5 && l.bad_lines == 0 && l.bad_fields == 0);
	CHECK(l.v[0].at_ms == 0 && l.v[1].at_ms == 1000 && l.v[2].at_ms == 35000 &&
	      l.v[4].at_ms == 38000);
	CHECK(l.v[2].part == 1 && l.v[3].part == 1 && l.v[1].part == 0);
	CHECK(l.ndown == 1 && l.down[0].seq == 3 && l.down[0].ms == 34000);
	CHECK(tlog_down_ms(&l, 0, 4) == 34000 && tlog_down_ms(&l, 3, 4) == 0);
	/* the whole run, not run.end's 3 s of the resumed part */
	CHECK(tlog_duration_ms(&l) == 38000);
	/* 1.000 -> 05.000 does not go back, but the mono says 34 s passed */
	CHECK(l.nback == 0);
	tlog_release(&l);
}

/* a resume after a reboot: mono readings of two boots do not subtract */
static void test_resume_other_boot(void)
{
	static const char *const v[] = {
		EV(1, "00.000", ",\"mono\":900000,\"boot\":\"b1\"", "\"run.start\""),
		EV(2, "01.000", ",\"mono\":901000", "\"step.start\",\"step\":\"a\""),
		EV(3, "21.000", ",\"mono\":5000,\"boot\":\"b2\"", "\"run.resume\""),
		EV(4, "22.500", ",\"mono\":6500", "\"run.end\",\"duration_ms\":1500"),
		NULL
	};
	tlog l;

	CHECK(read_lines(&l, v) == 0);
	CHECK(l.v[2].at_ms == 21000 && l.v[3].at_ms == 22500);
	CHECK(l.ndown == 1 && l.down[0].ms == 20000);
	CHECK(tlog_duration_ms(&l) == 22500);
	tlog_release(&l);
}

/* the wall clock steps back: measured with mono, a lower bound without */
static void test_step_back(void)
{
	static const char *const v[] = {
		EV(1, "50.000", ",\"mono\":100", "\"run.start\""),
		EV(2, "51.000", ",\"mono\":1100", "\"step.start\",\"step\":\"a\",\"phase\":\"inject\""),
		EV(3, "40.000", ",\"mono\":1600", "\"step.end\",\"step\":\"a\",\"phase\":\"symptoms\",\"status\":\"ok\""),
		EV(4, "41.000", "", "\"step.end\",\"step\":\"b\""),
		EV(5, "30.000", "", "\"run.end\",\"duration_ms\":2400"),
		NULL
	};
	tlog l;

	CHECK(read_lines(&l, v) == 0);
	CHECK(l.nback == 2);
	/* 51.000 -> 40.000 with 500 ms elapsed: the clock went back 11.5 s */
	CHECK(l.back[0].seq == 3 && l.back[0].ms == 11500 && l.back[0].measured);
	CHECK(l.back[1].seq == 5 && l.back[1].ms == 11000 && !l.back[1].measured);
	CHECK(l.v[2].at_ms == 1500 && l.v[2].uncertain == 0);
	/* no mono on seq 4: from seq 3's ts */
	CHECK(l.v[3].at_ms == 2500 && l.v[4].at_ms == 2500 && l.v[4].uncertain == 1);
	for (size_t i = 1; i < l.n; i++)
		CHECK(l.v[i].at_ms >= l.v[i - 1].at_ms);
	CHECK(tlog_duration_ms(&l) == 2400);
	tlog_release(&l);
}

/* numbers that are not integers in range */
static void test_numbers(void)
{
	static const char *const v[] = {
		EV(1, "00.000", ",\"mono\":-5", "\"run.start\""),
		"{\"seq\":1e119,\"event\":\"step.start\"}",
		"{\"seq\":2.5,\"event\":\"step.start\"}",
		EV(2, "01.000", "", "\"step.end\",\"attempts\":1e300,\"duration_ms\":1.5"),
		EV(3, "02.000", "", "\"run.end\",\"exit\":1e119,\"duration_ms\":-1,\"counts\":{\"ok\":1e119}"),
		"[1,2]",
		NULL
	};
	tlog l;

	CHECK(read_lines(&l, v) == 0);
	CHECK(l.n == 3 && l.bad_lines == 3 && l.first_bad_line == 2);
	CHECK(l.first_bad_why && strstr(l.first_bad_why, "seq 1e+119 is not an integer >= 1"));
	CHECK(l.bad_fields == 6 && l.first_bad_field_seq == 1);
	CHECK(l.first_bad_field && strstr(l.first_bad_field, "'mono' is -5, not an integer >= 0"));
	CHECK(l.v[0].mono == -1);
	CHECK(tev_int(&l.v[1], "attempts", -7) == -7 && tev_int(&l.v[1], "duration_ms", -7) == -7);
	CHECK(tev_int(l.end, "exit", -1) == -1);
	/* run.end's duration_ms is not usable: the span of the timestamps */
	CHECK(tlog_duration_ms(&l) == 2000);
	tlog_release(&l);
}

/* one event line: ev with every required field of its row but `without` */
static char *event_line(event_id ev, const char *without)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = open_memstream(&line, &cap);

	fprintf(f, "{\"seq\":1,\"ts\":\"2024-05-01T12:00:00.000Z\",\"event\":\"%s\"",
		event_table[ev].name);
	for (const char *const *k = event_table[ev].required; *k; k++)
		if (!without || strcmp(*k, without))
			fprintf(f, ",\"%s\":%s", *k, strcmp(*k, "step") && strcmp(*k, "phase") ? "1" : "\"x\"");
	fputc('}', f);
	fclose(f);
	return line;
}

/*
 * Every row of the table is read the same way: an event with all its
 * required fields is complete, one without any of them is noted, naming
 * the field; a name the table does not know has no required fields.
 */
static void test_required_fields(void)
{
	for (int i = 0; i < EV_COUNT; i++) {
		const event_def *d = &event_table[i];
		char *full = event_line((event_id)i, NULL);
		const char *v[] = { full, NULL };
		tlog l;

		CHECK(read_lines(&l, v) == 0);
		CHECK(l.n == 1 && l.v[0].id == (event_id)i && l.missing_fields == 0);
		tlog_release(&l);
		free(full);
		for (const char *const *k = d->required; *k; k++) {
			char *line = event_line((event_id)i, *k), want[96];
			const char *w[] = { line, line, NULL };

			CHECK(read_lines(&l, w) == 0);
			snprintf(want, sizeof(want), "seq 1 (%s): the required field '%s' is missing",
				 d->name, *k);
			CHECK(l.missing_fields == 2 && l.first_missing_seq == 1);
			CHECK_STR(l.first_missing, want);
			tlog_release(&l);
			free(line);
		}
	}
	{
		const char *v[] = { "{\"seq\":1,\"event\":\"log\"}", NULL };
		tlog l;

		CHECK(read_lines(&l, v) == 0);
		CHECK(l.n == 1 && l.v[0].id == EV_UNKNOWN && l.missing_fields == 0);
		tlog_release(&l);
	}
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/test_tlog.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_resume_same_boot();
	test_resume_other_boot();
	test_step_back();
	test_numbers();
	test_required_fields();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(!"cleanup");
	return unit_done("test_tlog");
}
