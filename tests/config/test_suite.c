/* test_suite.c - suite files: every field lands where it should; every kind
 * of mistake gives one message with the right line (suites/bad-*.yaml); and
 * every suite the project ships (suites/ *.yaml) loads. */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/suite.h"
#include "tests/config/expect_files.h"

#define DATA PITEST_SOURCE_DIR "/tests/config/suites"

static const char *match(const struct suite_step *s, const char *key)
{
	for (size_t i = 0; i < s->n_match; i++)
		if (strcmp(s->match[i].key, key) == 0)
			return s->match[i].value;
	return NULL;
}

static void test_good(void **state)
{
	(void)state;
	struct suite *s = NULL;
	char err[1024] = "";
	int r = suite_load(DATA "/good.yaml", &s, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	assert_string_equal(s->name, "config-test");
	assert_string_equal(s->description, "what the loader must understand");
	assert_int_equal(s->n_cases, 2);

	const struct suite_case *c = &s->cases[0];
	assert_string_equal(c->name, "dropped-offer-is-retried");
	assert_string_equal(c->description, "the board asks again");
	assert_int_equal(c->line, 5);
	assert_int_equal(c->n_models, 2);
	assert_string_equal(c->models[0], "pi4b");
	assert_string_equal(c->models[1], "pi5");
	assert_int_equal(c->n_boards, 0);
	assert_float_equal(c->timeout_s, 120, 0);
	assert_true(c->dhcp_reservations);

	assert_int_equal(c->n_faults, 2);
	const struct fault_rule *f = &c->faults[0];
	assert_string_equal(f->server, "dhcp");
	assert_string_equal(f->on, "offer");
	assert_int_equal(f->action, FAULT_DROP);
	assert_int_equal(f->count, 1);
	assert_int_equal(f->after, 0);
	assert_float_equal(f->probability, 1, 0);
	assert_int_equal(f->source_line, 10);
	f = &c->faults[1];
	assert_string_equal(f->on, "ac*");
	assert_int_equal(f->action, FAULT_DELAY);
	assert_float_equal(f->delay_s, 1.5, 1e-9);
	assert_int_equal(f->count, 0);
	assert_int_equal(f->after, 2);
	assert_float_equal(f->probability, 0.5, 0);
	assert_int_equal(f->seed, 42);
	assert_int_equal(f->n_boards, 1);
	assert_string_equal(f->boards[0], "pi4b-1");
	assert_int_equal(f->n_models, 1);
	assert_string_equal(f->models[0], "pi4b");
	assert_int_equal(f->source_line, 11);

	assert_int_equal(c->n_steps, 6);
	const struct suite_step *st = c->steps;
	assert_int_equal(st[0].kind, STEP_POWER);
	assert_string_equal(st[0].power, "on");
	assert_int_equal(st[0].line, 21);
	assert_int_equal(st[1].kind, STEP_EXPECT);
	assert_string_equal(st[1].event, "dhcp.discover");
	assert_float_equal(st[1].within_s, 10, 0);
	assert_int_equal(st[1].n_match, 0);
	assert_int_equal(st[1].n_models, 0);
	assert_int_equal(st[2].kind, STEP_EXPECT);
	assert_string_equal(st[2].event, "dhcp.offer");
	assert_int_equal(st[2].n_match, 2);
	assert_string_equal(match(&st[2], "ip"), "{board.ip}");
	assert_string_equal(match(&st[2], "pxe"), "Raspberry Pi Boot");
	assert_float_equal(st[2].within_s, 0.5, 1e-9);
	assert_int_equal(st[3].kind, STEP_ABSENT);
	assert_string_equal(st[3].event, "dhcp.discover");
	assert_float_equal(st[3].within_s, 8, 0);
	assert_int_equal(st[4].kind, STEP_WAIT);
	assert_float_equal(st[4].within_s, 2, 0);
	assert_int_equal(st[5].kind, STEP_EXPECT);
	assert_float_equal(st[5].within_s, 10, 0); /* the default */
	assert_int_equal(st[5].n_models, 2);
	assert_string_equal(st[5].models[1], "pi5");
	assert_int_equal(st[5].line, 26);

	c = &s->cases[1];
	assert_string_equal(c->name, "no-reservations");
	assert_int_equal(c->line, 27);
	assert_int_equal(c->n_models, 0);
	assert_int_equal(c->n_boards, 2);
	assert_string_equal(c->boards[1], "pi3b-1");
	assert_false(c->dhcp_reservations);
	assert_float_equal(c->timeout_s, 0, 0);
	assert_int_equal(c->n_faults, 3);
	assert_int_equal(c->faults[0].action, FAULT_OMIT_OPTION);
	assert_int_equal(c->faults[0].option, 43);
	assert_int_equal(c->faults[1].action, FAULT_CORRUPT);
	assert_int_equal(c->faults[1].option, 1);
	assert_string_equal(c->faults[1].value, "hex:ffffff00");
	assert_int_equal(c->faults[2].action, FAULT_NAK);
	assert_string_equal(c->faults[2].on, "*");
	assert_int_equal(c->n_steps, 3);
	assert_string_equal(c->steps[0].power, "cycle");
	assert_int_equal(c->steps[1].line, 36);
	assert_string_equal(match(&c->steps[1], "ip"), "10.0.0.100-10.0.0.200");
	assert_string_equal(match(&c->steps[1], "hops"), "0");
	assert_string_equal(c->steps[2].power, "off");
	suite_free(s);
}

static void test_match_keys(void **state)
{
	(void)state;
	/* the keys the brief promises servers may put on events */
	static const char *const needed[] = {
		"ip", "mac", "xid", "pxe", "text", "action", "on", "server", "rule", "vendor",
		"arch", "prl", "guid", "requested", "server_id", "siaddr", "options", "lease",
		"dst", "message", "status", "target", "sender", "hops", "flags", "len", "detail",
	};
	size_t n = 0;
	while (suite_match_keys[n])
		n++;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		size_t j = 0;
		while (j < n && strcmp(suite_match_keys[j], needed[i]) != 0)
			j++;
		if (j == n)
			fail_msg("match key '%s' missing", needed[i]);
		assert_true(strlen(needed[i]) < sizeof(((struct match_field *)0)->key));
	}
}

static int load(const char *path, char *err, size_t errcap)
{
	struct suite *s = NULL;
	int r = suite_load(path, &s, err, errcap);
	if (r == 0)
		suite_free(s);
	return r;
}

static void test_bad_files(void **state)
{
	(void)state;
	assert_true(expect_files_check(DATA "/bad-*.yaml", load) >= 30);
}

/* Every suite the project ships must load (none yet is fine). */
static void test_shipped_suites(void **state)
{
	(void)state;
	glob_t g;
	int r = glob(PITEST_SOURCE_DIR "/suites/*.yaml", 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		return;
	assert_int_equal(r, 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct suite *s = NULL;
		char err[1024] = "";
		if (suite_load(g.gl_pathv[i], &s, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		assert_true(s->n_cases > 0);
		suite_free(s);
	}
	globfree(&g);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct suite *s = (struct suite *)0x1;
	char err[512];
	assert_int_equal(suite_load(DATA "/no-such-file.yaml", &s, err, sizeof(err)), -ENOENT);
	assert_ptr_equal(s, (struct suite *)0x1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_match_keys),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_shipped_suites),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
