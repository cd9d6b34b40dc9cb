/* test_summary.c - pass ratios and phase percentiles of repeated runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/summary.h"

static void test_percentile_nearest_rank(void **state)
{
	(void)state;
	double v[] = { 5, 1, 4, 2, 3, 10, 9, 8, 7, 6 };
	assert_true(summary_percentile(v, 10, 50) == 5);
	assert_true(summary_percentile(v, 10, 95) == 10);
	assert_true(summary_percentile(v, 10, 90) == 9);
	assert_true(summary_percentile(v, 10, 0) == 1);
	assert_true(summary_percentile(v, 10, 100) == 10);
	double one[] = { 2.5 };
	assert_true(summary_percentile(one, 1, 50) == 2.5);
	assert_true(summary_percentile(one, 1, 95) == 2.5);
	assert_true(isnan(summary_percentile(NULL, 0, 50)));
	/* 20 values: p95 is the 19th, not the largest */
	double w[20];
	for (int i = 0; i < 20; i++)
		w[i] = 20 - i;
	assert_true(summary_percentile(w, 20, 95) == 19);
	assert_true(summary_percentile(w, 20, 50) == 10);
}

static char *printed(const struct summary *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	summary_print(s, f);
	fclose(f);
	return buf;
}

static void test_ratios_and_phases(void **state)
{
	(void)state;
	struct summary *s = summary_new();
	assert_non_null(s);
	for (int i = 0; i < 4; i++) {
		struct summary_phase ph[] = { { "dhcp", 1.0 + i }, { "tftp", 10.0 * (i + 1) } };
		assert_int_equal(summary_add(s, "boot", "pi4b-1", i != 2, ph, 2), 0);
		/* the other board never gets past DHCP */
		assert_int_equal(summary_add(s, "boot", "pi5-1", false, ph, 1), 0);
	}
	assert_int_equal(summary_add(s, "other", "pi4b-1", true, NULL, 0), 0);
	char *out = printed(s);
	assert_non_null(strstr(out, "boot                                     pi4b-1     3/4  75.0%"));
	assert_non_null(strstr(out, "boot                                     pi5-1      0/4   0.0%"));
	assert_non_null(strstr(out, "other                                    pi4b-1     1/1 100.0%"));
	/* dhcp: 1,1,2,2,3,3,4,4 -> p50 2, p95 4; tftp: 10,20,30,40 -> p50 20, p95 40 */
	assert_non_null(strstr(out, "dhcp           p50    2.000  p95    4.000  (8 runs)"));
	assert_non_null(strstr(out, "tftp           p50   20.000  p95   40.000  (4 runs)"));
	/* rows in first-seen order */
	assert_true(strstr(out, "pi4b-1     3/4") < strstr(out, "pi5-1      0/4"));
	free(out);
	summary_free(s);
}

static void test_no_phases(void **state)
{
	(void)state;
	struct summary *s = summary_new();
	assert_int_equal(summary_add(s, "c", "b", true, NULL, 0), 0);
	char *out = printed(s);
	assert_null(strstr(out, "phase durations"));
	free(out);
	summary_free(s);
	summary_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_nearest_rank),
		cmocka_unit_test(test_ratios_and_phases),
		cmocka_unit_test(test_no_phases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
