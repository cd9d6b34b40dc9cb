/*
 * test_html.c - the HTML report of a synthetic artifacts tree: the summary
 * table, the timeline's bars and marks, escaping, links, and trends.
 *
 * `test_html --fixture DIR` only writes the synthetic tree (html_fixture.h),
 * for the headless-browser test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/html.h"
#include "reports/html_escape.h"
#include "tests/core/html_fixture.h"

static char tmp[PATH_MAX];

static char *slurp(const char *rel)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

#define assert_has(hay, needle)                                                            \
	do {                                                                               \
		if (!strstr((hay), (needle)))                                              \
			fail_msg("expected the page to contain %s", (needle));             \
	} while (0)
#define assert_lacks(hay, needle)                                                          \
	do {                                                                               \
		if (strstr((hay), (needle)))                                               \
			fail_msg("expected the page not to contain %s", (needle));         \
	} while (0)

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/pitest-html-XXXXXX");
	if (!mkdtemp(tmp) || html_fixture_write(tmp) != 0)
		return -1;
	char art[PATH_MAX + 8], out[PATH_MAX + 8], hist[PATH_MAX + 16], err[1024] = "";
	snprintf(art, sizeof(art), "%s/art", tmp);
	snprintf(out, sizeof(out), "%s/out", tmp);
	snprintf(hist, sizeof(hist), "%s/history", tmp);
	if (html_trends_write(hist, out, NULL, err, sizeof(err)) != 0 ||
	    html_report_write(art, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "report: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_index(void **state)
{
	(void)state;
	char *html = slurp("out/index.html");
	assert_has(html, "<h2 class=\"suite\">suite full-boot</h2>");
	assert_has(html, "<th class=\"board\">pi4-01</th><th class=\"board\">pi4-02</th>");
	assert_has(html, "<td class=\"cell passed\" data-case=\"power-on-to-login\" data-board=\"pi4-01\"");
	assert_has(html, "<td class=\"cell failed\" data-case=\"power-on-to-login\" data-board=\"pi4-02\"");
	assert_has(html, "href=\"power-on-to-login/pi4-02.html\"");
	/* the repetition's directory: '#' and ' ' encoded in the link, escaped in the text */
	assert_has(html, "href=\"dhcp%20only%232/pi4-01.html\"");
	assert_has(html, "data-case=\"dhcp only#2\"");
	assert_has(html, "<span class=\"rep\">#2</span>");
	/* the case without pi4-02 has an empty cell */
	assert_has(html, "<td class=\"cell none\">");
	assert_has(html, "data-phase=\"firmware\" data-seconds=\"5.500\"");
	assert_has(html, "<span class=\"dur\">12.10 s</span>");
	assert_has(html, "<span class=\"failed\" data-count=\"1\">1 failed</span>");
	assert_has(html, "<span class=\"passed\" data-count=\"3\">3 passed</span>");
	assert_has(html, "href=\"trends.html\"");
	assert_lacks(html, "http://cdn");
	assert_lacks(html, "<link ");
	free(html);
}

static void test_failing_case(void **state)
{
	(void)state;
	char *html = slurp("out/power-on-to-login/pi4-02.html");
	/* TFTP: two whole files and the one that failed after the fault */
	assert_int_equal(count(html, "<rect class=\"bar tftp"), 3);
	assert_has(html, "<rect class=\"bar tftp\" data-file=\"bootcode.bin\" data-status=\"done\"");
	assert_has(html, "data-bytes=\"52456\"");
	assert_has(html, "<rect class=\"bar tftp error\" data-file=\"start4.elf\" data-status=\"error\"");
	assert_has(html, "start4.elf error 0 timed out &lt;after 5 retries&gt;");
	assert_has(html, "<g class=\"fault\" data-action=\"drop\" data-server=\"tftp\" data-on=\"data\" "
			 "data-file=\"start4.elf\"");
	assert_has(html, "<g class=\"failure-mark\" data-t=\"3.400\" data-step=\"evidence\"");
	assert_has(html, "<line class=\"run-end\" data-t=\"5.200\"");
	assert_has(html, "<div class=\"failure\" data-type=\"tftp\"><b>tftp</b>: tftp: start4.elf: "
			 "transfer failed &lt;error 0&gt; at 3.40 s</div>");
	assert_has(html, "<g class=\"exchange dhcp\" data-xid=\"0x3b01\" data-messages=\"discover offer "
			 "request ack\" data-t=\"0.600\">");
	assert_int_equal(count(html, "class=\"mark power on\""), 1);
	assert_int_equal(count(html, "class=\"mark power off\""), 1);
	/* console text is escaped, never markup */
	assert_has(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;");
	assert_lacks(html, "<script>alert");
	/* relative links to the artifacts */
	assert_has(html, "href=\"../../art/power-on-to-login/pi4-02/capture.pcapng\"");
	assert_has(html, "href=\"../../art/power-on-to-login/pi4-02/events.jsonl\"");
	assert_has(html, "<input id=\"filter\"");
	free(html);
}

static void test_passing_case(void **state)
{
	(void)state;
	char *html = slurp("out/power-on-to-login/pi4-01.html");
	/* four files; start4.elf's size probe is a mark, not a fifth bar */
	assert_int_equal(count(html, "<rect class=\"bar tftp\""), 4);
	assert_has(html, "<line class=\"mark tftp probe\" data-t=\"1.340\" data-file=\"start4.elf\"");
	assert_has(html, "data-file=\"start4.elf\" data-status=\"done\" data-t=\"1.400\"");
	assert_has(html, "data-tftp-bars=\"4\"");
	assert_has(html, "data-file=\"kernel8.img\" data-status=\"done\" data-t=\"2.700\" "
			 "data-duration=\"3.400\" data-bytes=\"8100000\" data-rate=\"2382353\"");
	assert_has(html, "kernel8.img 8.1 MB 2.4 MB/s");
	assert_int_equal(count(html, "<g class=\"exchange dhcp\""), 2);
	assert_has(html, "<line class=\"tick nfs mount\" data-t=\"7.500\" data-path=\"/srv/nfs/pi4-01\"");
	/* 40 calls in 40 ms share one tick; the two later ones stand alone */
	assert_has(html, "class=\"tick nfs rpc-group\" data-t=\"7.600\" data-count=\"40\"");
	assert_int_equal(count(html, "<line class=\"tick nfs rpc\""), 2);
	static const char *const milestones[] = { "first-line", "kernel", "root", "init", "login" };
	for (size_t i = 0; i < 5; i++) {
		char want[96];
		snprintf(want, sizeof(want), "<g class=\"milestone console\" data-milestone=\"%s\"",
			 milestones[i]);
		assert_has(html, want);
	}
	assert_has(html, "data-milestone=\"kernel\" data-line=\"1\" data-t=\"6.200\"");
	assert_lacks(html, "class=\"failure-mark\"");
	assert_lacks(html, "<g class=\"fault\"");
	assert_has(html, "<div class=\"line milestone\" id=\"L1\" data-t=\"6.200\">");
	free(html);
}

static void test_console_only_case(void **state)
{
	(void)state;
	char *html = slurp("out/dhcp only#2/pi4-01.html");
	assert_int_equal(count(html, "<rect class=\"bar tftp"), 0);
	assert_has(html, "only a console");
	assert_lacks(html, "data-artifact=\"capture.pcapng\"");
	assert_has(html, "href=\"../../art/dhcp%20only%232/pi4-01/console.log\"");
	free(html);
}

static void test_zoom(void **state)
{
	(void)state;
	char *html = slurp("out/tftp-burst/pi4-01.html");
	/* the whole run, then the TFTP half second again, close up */
	assert_int_equal(count(html, "<svg class=\"timeline\""), 1);
	assert_int_equal(count(html, "<svg class=\"timeline zoom\""), 1);
	assert_has(html, "<svg class=\"timeline zoom\" xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\"");
	assert_int_equal(count(html, "<rect class=\"bar tftp\""), 6);
	assert_has(html, "data-from=\"0.97");
	assert_has(html, "data-to=\"1.47");
	/* the failing pages' TFTP is not brief next to their runs: no zoom there */
	char *failing = slurp("out/power-on-to-login/pi4-02.html");
	assert_lacks(failing, "timeline zoom");
	free(failing);
	free(html);
}

static void test_trends(void **state)
{
	(void)state;
	char *html = slurp("out/trends.html");
	assert_has(html, "suite full-boot on lab bench");
	/* the third run's firmware phase is slower than the second's by history.c's rule */
	assert_has(html, "data-scope=\"model\" data-name=\"pi4b\" data-phase=\"firmware\" "
			 "data-regressions=\"1\"");
	assert_has(html, "data-scope=\"model\" data-name=\"pi4b\" data-phase=\"boot-dhcp\" "
			 "data-regressions=\"0\"");
	assert_has(html, "<circle class=\"point p50 regression\" data-run=\"2\" data-value=\"7.900\"");
	assert_has(html, "data-scope=\"board\" data-name=\"pi4-02\" data-phase=\"firmware\"");
	assert_has(html, "data-pass=\"1\" data-total=\"2\">1/2</td>");
	assert_has(html, "<td class=\"regressions\" data-count=\"1\">phase firmware of power-on-to-login");
	assert_has(html, "notes.json");
	free(html);
}

static void test_escape(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	html_escape(f, "a<b>&\"'\x1b[0m\t\n");
	fputc('|', f);
	html_url_segment(f, "dhcp only#2/é");
	fclose(f);
	assert_string_equal(buf, "a&lt;b&gt;&amp;&quot;&#39;\\x1b[0m\t\n|dhcp%20only%232%2F%C3%A9");
	free(buf);
	char rel[256];
	assert_int_equal(html_relative_path("/tmp/x/out/case", "/tmp/x/art/case/b/f", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "../../art/case/b/f");
	assert_int_equal(html_relative_path("/tmp/x/out", "/tmp/x/out/case/b.html", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "case/b.html");
	assert_int_equal(html_relative_path("/a/bc", "/a/b/x", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "../b/x");
}

static void test_missing_dir(void **state)
{
	(void)state;
	char err[512] = "";
	char out[PATH_MAX + 8];
	snprintf(out, sizeof(out), "%s/out2", tmp);
	assert_int_equal(html_report_write("/nonexistent/pitest-art", out, err, sizeof(err)), -ENOENT);
	assert_has(err, "/nonexistent/pitest-art");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--fixture") == 0) {
		if (html_fixture_write(argv[2]) != 0) {
			fprintf(stderr, "test_html: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_failing_case),
		cmocka_unit_test(test_passing_case),
		cmocka_unit_test(test_console_only_case),
		cmocka_unit_test(test_zoom),
		cmocka_unit_test(test_trends),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_missing_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
