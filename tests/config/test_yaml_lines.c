/* test_yaml_lines.c - node paths and lines from the libyaml pass. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/yaml_lines.h"

static const char doc[] =
	"suite: x\n"                                   /* 1 */
	"cases:\n"                                     /* 2 */
	"  - name: a\n"                                /* 3 */
	"    steps:\n"                                 /* 4 */
	"      - power: on\n"                          /* 5 */
	"      - expect: { event: e, within: 5s }\n"   /* 6 */
	"      -\n"                                    /* 7 */
	"        expect:\n"                            /* 8 */
	"          event: f\n"                         /* 9 */
	"\n"                                           /* 10 */
	"          within: 2s\n"                       /* 11 */
	"  - name: b\n"                                /* 12 */
	"    models: [pi4b, pi5]\n";                   /* 13 */

static void test_paths(void **state)
{
	(void)state;
	struct yaml_lines *yl = NULL;
	char err[256] = "";
	assert_int_equal(yaml_lines_parse("f.yaml", (const uint8_t *)doc, strlen(doc), &yl, err, sizeof(err)), 0);
	static const struct {
		const char *path;
		int line;
		enum yaml_lines_kind kind;
		const char *value;
	} want[] = {
		{ "", 1, YAML_LINES_MAPPING, NULL },
		{ "suite", 1, YAML_LINES_SCALAR, "x" },
		{ "cases", 2, YAML_LINES_SEQUENCE, NULL },
		{ "cases[0]", 3, YAML_LINES_MAPPING, NULL },
		{ "cases[0].name", 3, YAML_LINES_SCALAR, "a" },
		{ "cases[0].steps[0].power", 5, YAML_LINES_SCALAR, "on" },
		{ "cases[0].steps[1].expect.within", 6, YAML_LINES_SCALAR, "5s" },
		{ "cases[0].steps[2]", 8, YAML_LINES_MAPPING, NULL },
		{ "cases[0].steps[2].expect", 8, YAML_LINES_MAPPING, NULL },
		{ "cases[0].steps[2].expect.within", 11, YAML_LINES_SCALAR, "2s" },
		{ "cases[1].models", 13, YAML_LINES_SEQUENCE, NULL },
		{ "cases[1].models[1]", 13, YAML_LINES_SCALAR, "pi5" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct yaml_lines_node *n = yaml_lines_get(yl, want[i].path);
		if (!n)
			fail_msg("no node at '%s'", want[i].path);
		assert_int_equal(n->line, want[i].line);
		assert_int_equal(n->kind, want[i].kind);
		if (want[i].value)
			assert_string_equal(n->value, want[i].value);
		assert_int_equal(yaml_lines_line(yl, want[i].path), want[i].line);
	}
	/* unknown paths fall back to the nearest ancestor */
	assert_int_equal(yaml_lines_line(yl, "cases[0].steps[2].expect.match.ip"), 8);
	assert_int_equal(yaml_lines_line(yl, "cases[7]"), 2);
	assert_int_equal(yaml_lines_line(yl, "nothing.here"), 1);
	assert_null(yaml_lines_get(yl, "cases[2]"));

	assert_int_equal(yaml_lines_fail(yl, "cases[0].steps[2].expect.within", err, sizeof(err),
					 "expected %s (got '%s')", "a duration", "2s"),
			 -EINVAL);
	assert_string_equal(err, "f.yaml:11: expected a duration (got '2s')");
	yaml_lines_free(yl);
}

static void test_syntax_error(void **state)
{
	(void)state;
	static const char bad[] = "a: 1\nb: [1, 2\nc: 3\n";
	struct yaml_lines *yl = (struct yaml_lines *)0x1;
	char err[256] = "";
	assert_int_equal(yaml_lines_parse("g.yaml", (const uint8_t *)bad, strlen(bad), &yl, err, sizeof(err)),
			 -EINVAL);
	assert_ptr_equal(yl, (struct yaml_lines *)0x1);
	assert_true(strncmp(err, "g.yaml:3: expected valid YAML: ", 31) == 0);
}

static void test_long_values_and_depth(void **state)
{
	(void)state;
	char buf[4096];
	struct yaml_lines *yl = NULL;
	char err[256] = "";
	/* a long scalar is cut with "..." and control characters hidden */
	size_t n = (size_t)snprintf(buf, sizeof(buf), "k: \"%s\\x01\"\n",
				    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789");
	assert_int_equal(yaml_lines_parse("h.yaml", (const uint8_t *)buf, n, &yl, err, sizeof(err)), 0);
	const struct yaml_lines_node *node = yaml_lines_get(yl, "k");
	assert_non_null(node);
	assert_int_equal(strlen(node->value), YAML_LINES_VALUE_MAX - 1);
	assert_string_equal(node->value + YAML_LINES_VALUE_MAX - 4, "...");
	yaml_lines_free(yl);

	/* nesting beyond the limit is refused, not recursed into */
	n = 0;
	for (int i = 0; i < YAML_LINES_MAX_DEPTH + 2; i++)
		buf[n++] = '[';
	for (int i = 0; i < YAML_LINES_MAX_DEPTH + 2; i++)
		buf[n++] = ']';
	buf[n++] = '\n';
	assert_int_equal(yaml_lines_parse("d.yaml", (const uint8_t *)buf, n, &yl, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "levels of nesting"));
}

static void test_bool(void **state)
{
	(void)state;
	bool v = false;
	assert_int_equal(yaml_lines_bool("Yes", &v), 0);
	assert_true(v);
	assert_int_equal(yaml_lines_bool("off", &v), 0);
	assert_false(v);
	v = true;
	assert_int_equal(yaml_lines_bool("tru", &v), -EINVAL);
	assert_int_equal(yaml_lines_bool("1", &v), -EINVAL);
	assert_true(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_long_values_and_depth),
		cmocka_unit_test(test_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
