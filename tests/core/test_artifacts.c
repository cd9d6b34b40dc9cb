/* Unit tests: per-run artifact files and paths (harness/artifacts.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness/artifacts.h"
#include "harness/lab_capture.h"
#include "harness/timeline.h"

static void test_default_dir(void **state)
{
	(void)state;
	char out[256];
	artifacts_default_dir("out/report.xml", out, sizeof(out));
	assert_string_equal(out, "out/report-artifacts");
	artifacts_default_dir("report.xml", out, sizeof(out));
	assert_string_equal(out, "report-artifacts");
	artifacts_default_dir("/r.xml", out, sizeof(out));
	assert_string_equal(out, "/r-artifacts");
	artifacts_default_dir("a/b.c/junit", out, sizeof(out));
	assert_string_equal(out, "a/b.c/junit-artifacts");
	artifacts_default_dir(".xml", out, sizeof(out)); /* nothing but the suffix: kept */
	assert_string_equal(out, ".xml-artifacts");
}

static void test_safe_name(void **state)
{
	(void)state;
	char out[64];
	artifacts_safe_name("boots#12", out, sizeof(out));
	assert_string_equal(out, "boots#12");
	artifacts_safe_name("pi3b+-1.lab_x", out, sizeof(out));
	assert_string_equal(out, "pi3b+-1.lab_x");
	artifacts_safe_name("../a/b c", out, sizeof(out));
	assert_string_equal(out, "_._a_b_c");
	artifacts_safe_name("..", out, sizeof(out));
	assert_string_equal(out, "_.");
	artifacts_safe_name("", out, sizeof(out));
	assert_string_equal(out, "_");
	artifacts_safe_name("abcdef", out, 4);
	assert_string_equal(out, "abc");
}

struct dir_fixture {
	char dir[PATH_MAX];
};

static int make_dir(void **state)
{
	struct dir_fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/pitest-artifacts-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int remove_dir(void **state)
{
	struct dir_fixture *f = *state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	unsetenv("CI_PROJECT_DIR");
	return rc == 0 ? 0 : -1;
}

/* Links are relative to $CI_PROJECT_DIR when the files are inside it, else absolute. */
static void test_link_prefix(void **state)
{
	struct dir_fixture *f = *state;
	char root[PATH_MAX + 16], out[PATH_MAX + 64], err[256];
	snprintf(root, sizeof(root), "%s/job/out-artifacts", f->dir);
	assert_int_equal(artifacts_mkdirs(root, err, sizeof(err)), 0);
	char job[PATH_MAX + 8];
	snprintf(job, sizeof(job), "%s/job", f->dir);
	setenv("CI_PROJECT_DIR", job, 1);
	assert_int_equal(artifacts_link_prefix(root, out, sizeof(out)), 0);
	assert_string_equal(out, "out-artifacts/");
	setenv("CI_PROJECT_DIR", root, 1);
	assert_int_equal(artifacts_link_prefix(root, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	snprintf(job, sizeof(job), "%s/jo", f->dir); /* a prefix of the name is not a parent */
	assert_int_equal(artifacts_mkdirs(job, err, sizeof(err)), 0);
	setenv("CI_PROJECT_DIR", job, 1);
	assert_int_equal(artifacts_link_prefix(root, out, sizeof(out)), 0);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s/", root);
	assert_string_equal(out, want);
	assert_int_equal(artifacts_link_prefix("/no/such/dir", out, sizeof(out)), -ENOENT);
}

static char *slurp(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* The board's events of the run only; console lines timed from its start. */
static void test_write_run(void **state)
{
	struct dir_fixture *f = *state;
	struct timeline *tl = timeline_new();
	assert_non_null(tl);
	timeline_emit(tl, "pi4b-1", "console.line", "text", "before the run", NULL);
	double t0 = timeline_now(tl);
	timeline_emit(tl, "pi4b-1", "power.on", NULL);
	timeline_emit(tl, "pi5-1", "console.line", "text", "other board", NULL);
	timeline_emit(tl, "pi4b-1", "console.line", "text", "hello \"board\"", NULL);
	timeline_emit(tl, "pi4b-1", "console.line", "text", "", NULL);
	size_t to = timeline_count(tl);
	timeline_emit(tl, "pi4b-1", "console.line", "text", "after the run", NULL);
	const struct artifacts_phase phases[] = { { "boot-dhcp", 0.5 }, { "firmware", 1.25 } };
	const struct artifacts_run run = {
		.suite = "s", .case_name = "boots", .board = "pi4b-1", .model = "pi4b",
		.repetition = 2, .verdict = "failed", .message = "step 2: \"x\"", .type = "dhcp",
		.t_start = t0, .t_end = t0 + 3, .phases = phases, .n_phases = 2,
	};
	char dir[PATH_MAX + 32], err[256] = "";
	assert_int_equal(artifacts_run_dir(f->dir, "boots#2", "pi4b-1", dir, sizeof(dir)), 0);
	assert_int_equal(artifacts_write_run(dir, tl, 1, to, &run, err, sizeof(err)), 0);

	const char *console = slurp(dir, ARTIFACT_CONSOLE);
	assert_int_equal(strncmp(console, "[0000.00", 8), 0);
	const char *second = strchr(console, '\n') + 1;
	assert_int_equal(strlen(console), 11 + 13 + 1 + 11 + 1); /* "[SSSS.mmm] " + text + "\n", twice */
	assert_non_null(strstr(console, "] hello \"board\"\n["));
	assert_string_equal(second + 10, " \n");

	const char *events = slurp(dir, ARTIFACT_EVENTS);
	assert_null(strstr(events, "other board"));
	assert_null(strstr(events, "before the run"));
	assert_null(strstr(events, "after the run"));
	assert_non_null(strstr(events, "\"event\":\"power.on\""));
	assert_non_null(strstr(events, "hello \\\"board\\\""));

	json_object *r = json_tokener_parse(slurp(dir, ARTIFACT_RESULT)), *v;
	assert_non_null(r);
	assert_true(json_object_object_get_ex(r, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "failed");
	assert_true(json_object_object_get_ex(r, "message", &v));
	assert_string_equal(json_object_get_string(v), "step 2: \"x\"");
	assert_true(json_object_object_get_ex(r, "repetition", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(r, "t_end", &v));
	assert_true(json_object_get_double(v) - t0 > 2.999);
	json_object *ph;
	assert_true(json_object_object_get_ex(r, "phases", &ph));
	assert_true(json_object_object_get_ex(ph, "firmware", &v));
	assert_true(json_object_get_double(v) == 1.25);
	json_object_put(r);
	timeline_free(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_dir),
		cmocka_unit_test(test_safe_name),
		cmocka_unit_test_setup_teardown(test_link_prefix, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_write_run, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
