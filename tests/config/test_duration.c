/* test_duration.c - duration_parse: units, fractions, and what it refuses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/duration.h"

static void test_good(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		double seconds;
	} good[] = {
		{ "10s", 10 }, { "500ms", 0.5 }, { "2.5s", 2.5 }, { "1m", 60 },   { "1h", 3600 },
		{ "1d", 86400 }, { "7", 7 },      { "0", 0 },       { "0.25", 0.25 }, { "12h", 43200 },
		{ "1.5m", 90 }, { "3.", 3 },      { ".5s", 0.5 },   { "0ms", 0 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double s = -1;
		assert_int_equal(duration_parse(good[i].text, &s), 0);
		assert_float_equal(s, good[i].seconds, 1e-9);
	}
}

static void test_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "-1s", "-1", "s", "ms", "10 s", " 10s", "10s ", "10x", "1e3", "inf", "nan",
		"0x10", "1.2.3s", "10sec", "10S", "1,5s", "+1s", "10ss", "1000d", ".", "..5",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double s = 42;
		assert_int_equal(duration_parse(bad[i], &s), -EINVAL);
		assert_float_equal(s, 42, 0); /* ret_* untouched on failure */
	}
	double s;
	assert_int_equal(duration_parse(NULL, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
