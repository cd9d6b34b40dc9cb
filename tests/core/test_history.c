/* test_history.c - history files written and read back, and the baseline comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/history.h"

static struct history_case tc(const char *kase, const char *board, const char *model,
			      const char *verdict, double dhcp, double firmware)
{
	struct history_case hc = { .repetition = 1, .time_s = dhcp + firmware };
	snprintf(hc.kase, sizeof(hc.kase), "%s", kase);
	snprintf(hc.board, sizeof(hc.board), "%s", board);
	snprintf(hc.model, sizeof(hc.model), "%s", model);
	snprintf(hc.verdict, sizeof(hc.verdict), "%s", verdict);
	hc.n_phases = 2;
	snprintf(hc.phases[0].name, sizeof(hc.phases[0].name), "boot-dhcp");
	hc.phases[0].seconds = dhcp;
	snprintf(hc.phases[1].name, sizeof(hc.phases[1].name), "firmware");
	hc.phases[1].seconds = firmware;
	return hc;
}

static struct history_run *run_of(const struct history_case *cases, size_t n)
{
	struct history_run *run = history_run_new("full-boot", "bench", "2026-12-02T02:00:04Z",
						  "0.1.0", 1);
	assert_non_null(run);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(history_run_add(run, &cases[i]), 0);
	return run;
}

static char *make_dir(void)
{
	char *dir = strdup("/tmp/test_history.XXXXXX");
	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void remove_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_write_and_read_back(void **state)
{
	(void)state;
	char *dir = make_dir();
	struct history_case cases[] = {
		tc("power-on-to-login", "pi4b-1", "pi4b", "pass", 1.02, 3.1),
		tc("power-on-to-login", "pi5-1", "pi5", "fail", 0.9, 0),
	};
	cases[1].n_phases = 1;
	cases[1].repetition = 2;
	snprintf(cases[1].failure_class, sizeof(cases[1].failure_class), "tftp");
	snprintf(cases[1].evidence, sizeof(cases[1].evidence),
		 "tftp: start4.elf: File not found (error 1) at 2.31 s");
	struct history_run *run = run_of(cases, 2), *again = NULL, *newest = NULL;
	char err[512];
	assert_int_equal(history_write(dir, run, err, sizeof(err)), 0);
	/* DIR/<UTC time>-<suite>-<lab>.json */
	const char *name = strrchr(run->path, '/') + 1;
	assert_int_equal(strlen(name), strlen("20261202T020004.123Z-full-boot-bench.json"));
	assert_string_equal(name + 20, "-full-boot-bench.json");
	char first[512];
	snprintf(first, sizeof(first), "%s", run->path);

	assert_int_equal(history_load(first, NULL, NULL, &again, err, sizeof(err)), 0);
	assert_string_equal(again->suite, "full-boot");
	assert_string_equal(again->lab, "bench");
	assert_string_equal(again->started, "2026-12-02T02:00:04Z");
	assert_string_equal(again->version, "0.1.0");
	assert_int_equal(again->n_cases, 2);
	assert_string_equal(again->cases[0].kase, "power-on-to-login");
	assert_string_equal(again->cases[0].model, "pi4b");
	assert_string_equal(again->cases[0].verdict, "pass");
	assert_string_equal(again->cases[0].failure_class, "");
	assert_int_equal(again->cases[0].n_phases, 2);
	assert_string_equal(again->cases[0].phases[1].name, "firmware");
	assert_true(fabs(again->cases[0].phases[1].seconds - 3.1) < 1e-9);
	assert_string_equal(again->cases[1].failure_class, "tftp");
	assert_string_equal(again->cases[1].evidence, cases[1].evidence);
	assert_int_equal(again->cases[1].repetition, 2);

	/* a second run: a second file, never the first overwritten; the directory's newest is it */
	snprintf(run->cases[0].board, sizeof(run->cases[0].board), "pi4b-2");
	assert_int_equal(history_write(dir, run, err, sizeof(err)), 0);
	assert_string_not_equal(run->path, first);
	assert_int_equal(history_load(dir, "full-boot", "bench", &newest, err, sizeof(err)), 0);
	assert_string_equal(newest->path, run->path);
	assert_string_equal(newest->cases[0].board, "pi4b-2");
	history_run_free(newest);
	newest = NULL;
	assert_int_equal(history_load(dir, NULL, NULL, &newest, err, sizeof(err)), 0);
	assert_string_equal(newest->path, run->path);
	/* none of another lab there */
	assert_int_equal(history_load(dir, "full-boot", "other", &newest, err,
				      sizeof(err)) == -ENOENT, 1);
	assert_non_null(strstr(err, "no history file of suite full-boot on lab other"));
	history_run_free(newest);
	history_run_free(again);
	history_run_free(run);
	remove_dir(dir);
}

static void test_bad_files(void **state)
{
	(void)state;
	char *dir = make_dir();
	char path[1024], err[512];
	struct history_run *run = NULL;
	snprintf(path, sizeof(path), "%s/x.json", dir);

	write_text(path, "{\n \"format\": \"pitest-history/1\",\n \"suite\": \"x\"\n \"lab\": \"y\" }\n");
	assert_int_equal(history_load(path, NULL, NULL, &run, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "x.json:4: not JSON"));

	write_text(path, "{ \"format\": \"pitest-history/1\", \"suite\": \"s\", \"lab\": \"l\",\n"
			 "  \"testcases\": [ { \"case\": \"c\", \"board\": \"b\", \"verdict\": \"pass\",\n"
			 "  \"phases\": { \"firmware\": \"slow\" } } ] }\n");
	assert_int_equal(history_load(path, NULL, NULL, &run, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "testcases[0].phases.firmware: expected seconds"));

	write_text(path, "{ \"format\": \"pitest-history/1\", \"suite\": \"s\", \"lab\": \"l\",\n"
			 "  \"testcases\": [ { \"case\": \"c\", \"board\": \"b\", \"verdict\": \"maybe\" } ] }\n");
	assert_int_equal(history_load(path, NULL, NULL, &run, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "testcases[0].verdict: expected \"pass\", \"fail\" or \"interrupted\""));

	write_text(path, "{ \"format\": \"junit\" }");
	assert_int_equal(history_load(path, NULL, NULL, &run, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"format\": expected \"pitest-history/1\""));

	write_text(path, "{ \"format\": \"pitest-history/1\", \"suite\": \"s\", \"lab\": \"l\", "
			 "\"testcases\": [] }\n}\n");
	assert_int_equal(history_load(path, NULL, NULL, &run, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "x.json:2: not JSON"));

	write_text(path, "{ \"format\": \"pitest-history/1\", \"suite\": \"s\"");
	assert_int_equal(history_load(path, NULL, NULL, &run, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ends inside a value"));

	/* a directory without history files */
	assert_int_equal(history_load(dir, NULL, NULL, &run, err, sizeof(err)), -ENOENT);
	assert_null(run);
	remove_dir(dir);
}

static void test_compare(void **state)
{
	(void)state;
	struct history_case b[] = {
		tc("boot", "pi4b-1", "pi4b", "pass", 1.0, 2.00),
		tc("boot", "pi4b-2", "pi4b", "pass", 1.0, 2.05),
		tc("boot", "pi4b-1", "pi4b", "pass", 1.0, 2.10),
		tc("boot", "pi5-1", "pi5", "pass", 0.1, 1.00),
	};
	struct history_case c[] = {
		/* pi4b firmware p50 3.10 (nearest rank of 3.0, 3.1, 9.9): slower */
		tc("boot", "pi4b-1", "pi4b", "pass", 1.1, 3.00),
		tc("boot", "pi4b-2", "pi4b", "fail", 1.2, 3.10),
		tc("boot", "pi4b-1", "pi4b", "pass", 1.3, 9.90),
		/* interrupted: never counted, however slow */
		tc("boot", "pi4b-1", "pi4b", "interrupted", 50, 50),
		/* pi5 boot-dhcp 0.1 -> 0.3: 3x, but within the 0.2 s slack */
		tc("boot", "pi5-1", "pi5", "pass", 0.3, 1.40),
		/* not in the baseline: nothing to compare with */
		tc("other", "pi5-1", "pi5", "pass", 100, 100),
	};
	struct history_run *base = run_of(b, 4), *cur = run_of(c, 6);
	struct history_limits lim = { 0 };
	struct history_finding *f = NULL;
	size_t compared = 0;
	int n = history_compare(base, cur, &lim, &f, &compared);
	assert_int_equal(n, 1);
	assert_int_equal(compared, 4);
	assert_string_equal(f[0].kase, "boot");
	assert_string_equal(f[0].model, "pi4b");
	assert_string_equal(f[0].phase, "firmware");
	assert_true(fabs(f[0].p50 - 3.10) < 1e-9);
	assert_true(fabs(f[0].base_p50 - 2.05) < 1e-9);
	assert_int_equal(f[0].n, 3);
	assert_int_equal(f[0].base_n, 3);
	char line[256];
	history_finding_format(&f[0], &lim, line, sizeof(line));
	assert_string_equal(line, "phase firmware of boot on pi4b: p50 3.10 s, baseline 2.05 s "
				  "(1.51\u00d7), budget 1.25\u00d7 + 0.20 s");
	free(f);

	/* a looser ratio lets it pass; no slack makes the pi5 phases fail */
	char err[256];
	assert_int_equal(history_parse_option("max-slowdown", "1.6", &lim, err, sizeof(err)), 0);
	assert_int_equal(history_compare(base, cur, &lim, &f, NULL), 0);
	assert_null(f);
	assert_int_equal(history_parse_option("slack", "0", &lim, err, sizeof(err)), 0);
	n = history_compare(base, cur, &lim, &f, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].model, "pi5");
	assert_string_equal(f[0].phase, "boot-dhcp");
	free(f);

	/* a budget fails a phase with or without a baseline */
	struct history_limits budget = { 0 };
	assert_int_equal(history_parse_option("budget", "boot-dhcp=1.25s", &budget, err, sizeof(err)), 0);
	/* pi4b boot-dhcp p50 1.2 and pi5 0.3 are within 1.25 s; "other" is not */
	n = history_compare(NULL, cur, &budget, &f, &compared);
	assert_int_equal(n, 1);
	assert_int_equal(compared, 3);
	history_finding_format(&f[0], &budget, line, sizeof(line));
	assert_string_equal(line, "phase boot-dhcp of other on pi5: p50 100.00 s, over its budget of 1.25 s");
	free(f);
	history_run_free(base);
	history_run_free(cur);
}

static void test_options(void **state)
{
	(void)state;
	struct history_limits lim = { 0 };
	char err[256];
	assert_int_equal(history_parse_option("max-slowdown", "0.9", &lim, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--max-slowdown"));
	assert_int_equal(history_parse_option("slack", "-1", &lim, err, sizeof(err)), -EINVAL);
	assert_int_equal(history_parse_option("slack", "x", &lim, err, sizeof(err)), -EINVAL);
	assert_int_equal(history_parse_option("budget", "firmware", &lim, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "PHASE=SECONDS"));
	assert_int_equal(history_parse_option("budget", "=3", &lim, err, sizeof(err)), -EINVAL);
	assert_int_equal(history_parse_option("budget", "firmware=0", &lim, err, sizeof(err)), -EINVAL);
	assert_int_equal(history_parse_option("budget", "firmware=3", &lim, err, sizeof(err)), 0);
	assert_int_equal(history_parse_option("budget", "firmware=4", &lim, err, sizeof(err)), 0);
	assert_int_equal(lim.n_budgets, 1); /* the same phase again replaces its budget */
	assert_true(lim.budgets[0].seconds == 4);
	for (int i = 0; i < HISTORY_MAX_BUDGETS - 1; i++) {
		char arg[32];
		snprintf(arg, sizeof(arg), "p%d=1", i);
		assert_int_equal(history_parse_option("budget", arg, &lim, err, sizeof(err)), 0);
	}
	assert_int_equal(history_parse_option("budget", "one-too-many=1", &lim, err, sizeof(err)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_read_back),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
