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

static void test_good_tftp(void **state)
{
	(void)state;
	struct suite *s = NULL;
	char err[1024] = "";
	int r = suite_load(DATA "/good-tftp.yaml", &s, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	assert_int_equal(s->n_cases, 1);
	const struct suite_case *c = &s->cases[0];
	assert_int_equal(c->n_faults, 15);
	const struct fault_rule *f = c->faults;

	assert_string_equal(f[0].server, "tftp");
	assert_string_equal(f[0].on, "rrq");
	assert_int_equal(f[0].action, FAULT_MISSING);
	assert_string_equal(f[0].file, "*/start4.elf");
	assert_int_equal(f[0].count, 1);
	assert_int_equal(f[0].source_line, 6);

	assert_int_equal(f[1].action, FAULT_ERROR);
	assert_int_equal(f[1].code, 2);
	assert_string_equal(f[1].message, "Access violation");
	assert_string_equal(f[1].file, "config.txt");
	assert_int_equal(f[2].code, 0);
	assert_string_equal(f[2].message, ""); /* the protocol's default text */
	assert_string_equal(f[2].file, "");   /* any file */

	assert_int_equal(f[3].action, FAULT_STALL);
	assert_string_equal(f[3].on, "data");
	assert_int_equal(f[3].block, 100);
	assert_string_equal(f[3].file, "kernel*.img");

	assert_int_equal(f[4].action, FAULT_TRUNCATE);
	assert_int_equal(f[4].bytes, 64000);
	assert_int_equal(f[5].bytes, 0);
	assert_int_equal(f[6].action, FAULT_IGNORE_OPTIONS);
	assert_int_equal(f[7].action, FAULT_DUPLICATE);
	assert_int_equal(f[7].block, 4294967295u);
	assert_int_equal(f[8].action, FAULT_RATE);
	assert_int_equal(f[8].rate, 200000);
	assert_int_equal(f[9].rate, 1572864);

	assert_int_equal(f[10].action, FAULT_DROP);
	assert_string_equal(f[10].on, "*");
	assert_int_equal(f[10].after, 1);
	assert_float_equal(f[10].probability, 0.5, 0);
	assert_int_equal(f[10].seed, 7);
	assert_int_equal(f[11].action, FAULT_DELAY);
	assert_string_equal(f[11].on, "oack");
	assert_float_equal(f[11].delay_s, 3, 0);

	assert_int_equal(f[12].action, FAULT_CORRUPT);
	assert_string_equal(f[12].value, "hex:deadbeef");
	assert_int_equal(f[12].bytes, 1024);
	assert_int_equal(f[12].option, 0);
	assert_string_equal(f[13].value, "garbage");
	assert_int_equal(f[13].bytes, 0);
	assert_string_equal(f[13].on, "d*");

	/* DHCP rules keep their own keys next to TFTP ones */
	assert_string_equal(f[14].server, "dhcp");
	assert_int_equal(f[14].option, 43);
	assert_string_equal(f[14].file, "");

	const struct suite_step *st = c->steps;
	assert_int_equal(c->n_steps, 8);
	assert_string_equal(match(&st[1], "options"), "*tsize*");
	assert_string_equal(match(&st[1], "port"), "4*");
	assert_string_equal(match(&st[2], "blocks"), "2203");
	assert_string_equal(match(&st[2], "blksize"), "1024");
	assert_string_equal(match(&st[2], "windowsize"), "1");
	assert_string_equal(match(&st[3], "retransmits"), "0");
	assert_string_equal(match(&st[3], "duration"), "*");
	assert_string_equal(match(&st[4], "sent"), "server");
	assert_string_equal(match(&st[5], "block"), "100");
	assert_string_equal(match(&st[5], "retries"), "5");
	assert_string_equal(match(&st[6], "reason"), "*outside*");
	assert_string_equal(match(&st[7], "nth"), "1");
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
		/* the TFTP server's events (tftp_server.h) and the board's console.line */
		"file", "options", "port", "bytes", "blocks", "blksize", "windowsize", "duration",
		"rate", "retransmits", "code", "sent", "block", "retries", "reason",
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

/* Cases built on another suite's boot: phases kept, replaced, cut; steps keep their origin. */
static void test_boot(void **state)
{
	(void)state;
	struct suite *s = NULL;
	char err[1024] = "";
	if (suite_load(DATA "/good-boot.yaml", &s, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(s->n_cases, 4);

	const struct suite_case *c = &s->cases[0]; /* whole: the base's 7 steps and its fault */
	assert_int_equal(c->n_steps, 7);
	assert_int_equal(c->n_faults, 1);
	assert_string_equal(c->steps[2].event, "dhcp.ack");
	assert_string_equal(c->steps[2].phase, "one");
	assert_string_equal(c->steps[2].file, "boot-base.yaml");
	assert_int_equal(c->steps[2].line, 10);
	assert_int_equal(c->steps[6].kind, STEP_ABSENT);

	c = &s->cases[1]; /* phase two (rrq, done) swapped for an error and a restart */
	assert_int_equal(c->n_steps, 7);
	assert_int_equal(c->n_faults, 2);
	assert_string_equal(c->faults[0].server, "dhcp");   /* the base's first */
	assert_string_equal(c->faults[1].server, "tftp");
	assert_string_equal(c->steps[2].event, "dhcp.ack");
	assert_string_equal(c->steps[3].event, "tftp.error");
	assert_string_equal(c->steps[3].file, "");
	assert_int_equal(c->steps[3].line, 13);
	assert_string_equal(c->steps[3].phase, ""); /* a replacement is timed only where it says */
	assert_int_equal(c->steps[4].kind, STEP_RESTART);
	assert_string_equal(c->steps[4].server, "nfs");
	assert_string_equal(c->steps[5].event, "nfs.mount");
	assert_string_equal(c->steps[5].file, "boot-base.yaml");

	c = &s->cases[2]; /* until two: power..tftp.done, then the case's own step */
	assert_int_equal(c->n_steps, 6);
	assert_string_equal(c->steps[4].event, "tftp.done");
	assert_string_equal(c->steps[4].phase, "two");
	assert_string_equal(c->steps[5].event, "console.line");
	assert_float_equal(c->steps[5].within_s, 9, 0);
	assert_string_equal(c->steps[5].file, "");

	c = &s->cases[3]; /* another case of the base by name */
	assert_int_equal(c->n_steps, 2);
	assert_int_equal(c->n_faults, 0);
	assert_string_equal(c->steps[1].event, "dhcp.offer");
	suite_free(s);
}

static void test_bad_files(void **state)
{
	(void)state;
	assert_true(expect_files_check(DATA "/bad-*.yaml", load) >= 70);
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
		cmocka_unit_test(test_good_tftp),
		cmocka_unit_test(test_match_keys),
		cmocka_unit_test(test_boot),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_shipped_suites),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
