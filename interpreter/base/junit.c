/* junit.c - the JUnit XML writer (see junit.h). */
#include "base/junit.h"

void xml_escape(sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sbuf_adds(b, "&amp;"); break;
		case '<': sbuf_adds(b, "&lt;"); break;
		case '>': sbuf_adds(b, "&gt;"); break;
		case '"': sbuf_adds(b, "&quot;"); break;
		case '\'': sbuf_adds(b, "&apos;"); break;
		case '\t': sbuf_adds(b, "&#9;"); break;
		case '\n': sbuf_adds(b, "&#10;"); break;
		default: sbuf_addc(b, (unsigned char)*s < 0x20 ? ' ' : *s); break;
		}
	}
}

/* the first child of the current case closes its start tag */
static void open_children(junit *j)
{
	if (j->open == 1)
		sbuf_adds(&j->cases, ">\n");
	j->open = 2;
}

static void end_case(junit *j)
{
	if (!j->open)
		return;
	sbuf_adds(&j->cases, j->open == 1 ? "/>\n" : "    </testcase>\n");
	j->failed += j->case_failed;
	j->errors += j->case_error;
	j->open = 0;
}

void junit_case(junit *j, const char *classname, const char *name, double seconds)
{
	end_case(j);
	sbuf_adds(&j->cases, "    <testcase classname=\"");
	xml_escape(&j->cases, classname);
	sbuf_adds(&j->cases, "\" name=\"");
	xml_escape(&j->cases, name);
	sbuf_addc(&j->cases, '"');
	if (seconds >= 0) {
		sbuf_addf(&j->cases, " time=\"%.3f\"", seconds);
		j->seconds += seconds;
	}
	j->tests++;
	j->open = 1;
	j->case_failed = j->case_error = 0;
}

/* a <failure> or an <error> of the current case */
static void problem(junit *j, const char *elem, const char *message, const char *type,
		    const char *text)
{
	open_children(j);
	sbuf_addf(&j->cases, "      <%s message=\"", elem);
	xml_escape(&j->cases, message);
	sbuf_addc(&j->cases, '"');
	if (type) {
		sbuf_adds(&j->cases, " type=\"");
		xml_escape(&j->cases, type);
		sbuf_addc(&j->cases, '"');
	}
	if (text) {
		sbuf_addc(&j->cases, '>');
		xml_escape(&j->cases, text);
		sbuf_addf(&j->cases, "</%s>\n", elem);
	} else
		sbuf_adds(&j->cases, "/>\n");
}

void junit_failure(junit *j, const char *message, const char *type, const char *text)
{
	problem(j, "failure", message, type, text);
	j->case_failed = 1;
}

void junit_error(junit *j, const char *message, const char *type, const char *text)
{
	problem(j, "error", message, type, text);
	j->case_error = 1;
}

void junit_output(junit *j, const char *text)
{
	open_children(j);
	sbuf_adds(&j->cases, "      <system-out>");
	xml_escape(&j->cases, text);
	sbuf_adds(&j->cases, "</system-out>\n");
}

void junit_print(FILE *out, junit *j, const char *suite, const char *const *properties)
{
	sbuf head = { 0 };

	end_case(j);
	sbuf_addf(&head,
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<testsuites name=\"runbook\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		  "time=\"%.3f\">\n"
		  "  <testsuite name=\"",
		  j->tests, j->failed, j->errors, j->seconds);
	xml_escape(&head, suite);
	sbuf_addf(&head, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" "
		  "time=\"%.3f\">\n", j->tests, j->failed, j->errors, j->seconds);
	if (properties && properties[0]) {
		sbuf_adds(&head, "    <properties>");
		for (const char *const *p = properties; p[0]; p += 2) {
			sbuf_adds(&head, "<property name=\"");
			xml_escape(&head, p[0]);
			sbuf_adds(&head, "\" value=\"");
			xml_escape(&head, p[1]);
			sbuf_adds(&head, "\"/>");
		}
		sbuf_adds(&head, "</properties>\n");
	}
	fprintf(out, "%s%s  </testsuite>\n</testsuites>\n", head.buf,
		j->cases.buf ? j->cases.buf : "");
	sbuf_release(&head);
	sbuf_release(&j->cases);
	j->tests = j->failed = j->errors = 0;
	j->seconds = 0;
}
