/* test_junit.c - JUnit reports: written, parsed back with libxml2, checked
 * against our junit.xsd (in-process and with xmllint), also when the console
 * text is hostile: "]]>", control characters, broken UTF-8, random bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "reports/junit.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pitest-junit-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/report.xml", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char tmp[160];
	unlink(f->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	unlink(tmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Parses strictly (no recovery): any well-formedness error fails. */
static xmlDocPtr parse(const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		fail_msg("%s is not well-formed XML", path);
	return doc;
}

static void validate(xmlDocPtr doc)
{
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(JUNIT_XSD);
	assert_non_null(pc);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	assert_non_null(schema);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	assert_non_null(vc);
	assert_int_equal(xmlSchemaValidateDoc(vc, doc), 0);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
}

static void xmllint(const char *path)
{
	char cmd[512];
	if (access("/usr/bin/xmllint", X_OK) != 0) {
		print_message("xmllint not installed: only the in-process schema check ran\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "/usr/bin/xmllint --noout --schema '%s' '%s' 2>/dev/null", JUNIT_XSD, path);
	assert_int_equal(system(cmd), 0);
}

/* The string value of an XPath expression, malloc'd. */
static char *xpath(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	assert_non_null(ctx);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	assert_non_null(o);
	xmlChar *s = xmlXPathCastToString(o);
	char *r = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return r;
}

static void assert_xpath(xmlDocPtr doc, const char *expr, const char *want)
{
	char *got = xpath(doc, expr);
	if (strcmp(got, want) != 0)
		fail_msg("%s: want '%s', got '%s'", expr, want, got);
	free(got);
}

static const char nasty[] =
	"boot: ok\n"
	"<tag> & \"quotes\" 'single'\n"
	"end of cdata: ]]> and again ]]]]> ]]\n"
	"bell\a esc\x1b[0m nul-free ctrl \x01\x02\x7f\n"
	"bad utf8: \xff\xfe \xc3( \xe2\x82 overlong \xc0\xaf surrogate \xed\xa0\x80\n"
	"good utf8: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8d\x93\n"
	"U+FFFE: \xef\xbf\xbe\n"
	"]]>";

static void test_report(void **state)
{
	struct fixture *f = *state;
	const char *pnames[] = { "board", "model" };
	const char *pvalues[] = { "pi4b-1", "pi4b" };
	const struct junit_case cases1[] = {
		{ .name = "boots", .classname = "dhcp-phase.pi4b-1", .time_s = 1.25, .system_out = nasty,
		  .n_properties = 2, .property_names = pnames, .property_values = pvalues },
		{ .name = "dropped-offer-is-retried", .classname = "dhcp-phase.pi4b-1", .time_s = 12.5,
		  .failed = true, .failure_message = "step 3 (line 14): expect dhcp.discover within 15s: not seen",
		  .failure_type = "timeout", .failure_text = "t=0.000 power.on\nt=1.9 dhcp.discover <xid=1>\x01" },
		{ .name = "pi5-only", .classname = "dhcp-phase.pi4b-1", .skipped = true,
		  .failure_message = "model pi4b not in [pi5]" },
	};
	const struct junit_case cases2[] = {
		{ .name = "n\x1bsty \"name\" <&>", .classname = "x.y", .time_s = -3 /* clamped */ },
	};
	const struct junit_suite suites[] = {
		{ .name = "dhcp-phase", .timestamp = "2024-05-01T12:00:00", .hostname = "lab1", .time_s = 13.75,
		  .n_cases = 3, .cases = cases1 },
		{ .name = "other", .n_cases = 1, .cases = cases2 }, /* timestamp and host filled in */
	};
	char err[256] = "";
	int r = junit_write(f->path, suites, 2, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);

	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed away */

	xmlDocPtr doc = parse(f->path);
	validate(doc);
	xmllint(f->path);

	assert_xpath(doc, "string(/testsuites/@tests)", "4");
	assert_xpath(doc, "string(/testsuites/@failures)", "1");
	assert_xpath(doc, "string(/testsuites/@skipped)", "1");
	assert_xpath(doc, "count(/testsuites/testsuite)", "2");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@name)", "dhcp-phase");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@tests)", "3");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@failures)", "1");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@errors)", "0");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@skipped)", "1");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@time)", "13.750");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@timestamp)", "2024-05-01T12:00:00");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/@hostname)", "lab1");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/testcase[1]/@classname)", "dhcp-phase.pi4b-1");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/testcase[1]/@time)", "1.250");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/testcase[1]/properties/property[2]/@value)", "pi4b");
	assert_xpath(doc, "count(/testsuites/testsuite[1]/testcase[1]/failure)", "0");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/testcase[2]/failure/@type)", "timeout");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/testcase[2]/failure/@message)",
		     "step 3 (line 14): expect dhcp.discover within 15s: not seen");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/testcase[2]/failure)",
		     "t=0.000 power.on\nt=1.9 dhcp.discover <xid=1>\\x01");
	assert_xpath(doc, "count(/testsuites/testsuite[1]/testcase[3]/skipped)", "1");
	assert_xpath(doc, "string(/testsuites/testsuite[1]/testcase[3]/skipped/@message)", "model pi4b not in [pi5]");
	assert_xpath(doc, "string(/testsuites/testsuite[2]/testcase/@name)", "n\\x1bsty \"name\" <&>");
	assert_xpath(doc, "string(/testsuites/testsuite[2]/testcase/@time)", "0.000");
	char *ts = xpath(doc, "string(/testsuites/testsuite[2]/@timestamp)");
	assert_int_equal(strlen(ts), 19);
	free(ts);

	/* console text survives, with only what XML cannot carry replaced */
	char *out = xpath(doc, "string(/testsuites/testsuite[1]/testcase[1]/system-out)");
	assert_non_null(strstr(out, "<tag> & \"quotes\" 'single'\n"));
	assert_non_null(strstr(out, "end of cdata: ]]> and again ]]]]> ]]\n"));
	assert_non_null(strstr(out, "bell\\x07 esc\\x1b[0m nul-free ctrl \\x01\\x02\x7f\n"));
	assert_non_null(strstr(out, "bad utf8: \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd( \xef\xbf\xbd\xef\xbf\xbd overlong"));
	assert_non_null(strstr(out, "good utf8: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8d\x93\n"));
	assert_non_null(strstr(out, "U+FFFE: \xef\xbf\xbd\n"));
	assert_int_equal(strcmp(out + strlen(out) - 3, "]]>"), 0);
	free(out);
	xmlFreeDoc(doc);
}

/* Attachments: one "[[ATTACHMENT|path]]" line each after the output (on a
 * line of their own also when it ends without a newline), in one CDATA
 * section; a testcase with files but no output still gets its system-out. */
static void test_attachments(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { "out-artifacts/boots/pi4b-1/console.log",
				"out-artifacts/boots/pi4b-1/capture.pcapng" };
	const struct junit_case cases[] = {
		{ .name = "boots", .classname = "s.pi4b-1", .system_out = "  0.000 pi4b-1 power.on",
		  .n_attachments = 2, .attachments = files },
		{ .name = "quiet", .classname = "s.pi5-1", .n_attachments = 1, .attachments = files },
		{ .name = "none", .classname = "s.pi2-1", .system_out = "line\n" },
	};
	const struct junit_suite suite = { .name = "s", .n_cases = 3, .cases = cases };
	char err[256] = "";
	if (junit_write(f->path, &suite, 1, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	xmlDocPtr doc = parse(f->path);
	validate(doc);
	xmllint(f->path);
	assert_xpath(doc, "string(//testcase[1]/system-out)",
		     "  0.000 pi4b-1 power.on\n"
		     "[[ATTACHMENT|out-artifacts/boots/pi4b-1/console.log]]\n"
		     "[[ATTACHMENT|out-artifacts/boots/pi4b-1/capture.pcapng]]\n");
	assert_xpath(doc, "count(//testcase[1]/system-out/node())", "1");
	assert_xpath(doc, "string(//testcase[2]/system-out)",
		     "[[ATTACHMENT|out-artifacts/boots/pi4b-1/console.log]]\n");
	assert_xpath(doc, "string(//testcase[3]/system-out)", "line\n");
	xmlFreeDoc(doc);
}

/* Random bytes anywhere a string goes: the file is always valid. */
static void test_random_text(void **state)
{
	struct fixture *f = *state;
	unsigned seed = 12345;
	char text[4][200];
	for (int round = 0; round < 100; round++) {
		for (int t = 0; t < 4; t++) {
			size_t n = (size_t)(rand_r(&seed) % 199);
			for (size_t i = 0; i < n; i++) {
				int c = rand_r(&seed) % 256;
				text[t][i] = (char)(c ? c : ']'); /* C strings end at NUL */
			}
			text[t][n] = '\0';
		}
		const char *pn[] = { text[2] };
		const char *pv[] = { text[3] };
		const struct junit_case c = { .name = text[0], .classname = text[1], .failed = true,
					      .failure_message = text[2], .failure_text = text[3],
					      .system_out = text[0], .n_properties = 1,
					      .property_names = pn, .property_values = pv };
		const struct junit_suite s = { .name = text[1], .n_cases = 1, .cases = &c };
		char err[256];
		assert_int_equal(junit_write(f->path, &s, 1, err, sizeof(err)), 0);
		xmlDocPtr doc = parse(f->path);
		validate(doc);
		xmlFreeDoc(doc);
	}
}

static void test_empty_and_errors(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_int_equal(junit_write(f->path, NULL, 0, err, sizeof(err)), 0);
	xmlDocPtr doc = parse(f->path);
	validate(doc);
	assert_xpath(doc, "string(/testsuites/@tests)", "0");
	xmlFreeDoc(doc);

	char bad[200];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/report.xml", f->dir);
	assert_int_equal(junit_write(bad, NULL, 0, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "report.xml.tmp"));
	/* the earlier report is untouched */
	assert_int_equal(access(f->path, R_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attachments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_errors, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return failed;
}
